#!/usr/bin/env python3
"""Build the embedded district layer, geo/districts-af-pk.topojson, from pinned sources.

The layer the default install uses for district and province shapes when no full pack
has been fetched. It is made from the geoBoundaries gbOpen files below, each pinned by
SHA-256: read from a local mirror folder (found by file name, as ``geo fetch --mirror``
does) or downloaded from its commit-pinned URL, and refused when its hash differs.

What it does: each district gets the province holding the largest share of its area;
each country's districts are simplified together as a coverage (shared borders stay
shared: ``shapely.coverage_simplify``, GEOS's Visvalingam-Whyatt coverage simplifier)
with ``--tolerance`` degrees; coordinates are quantised to 1/100,000 of the extent
(about 15 m); provinces are the union of their districts; everything is written as one
TopoJSON topology whose ``durandwatch`` member records the sources (URL, SHA-256),
tolerance, generator and the measured effect of the simplification: the share of points
within 1 km of a district border, and anywhere, that fall in another district than with
the full-resolution polygons.

Usage::

    python scripts/build_district_layer.py --mirror ../shared/geo
    python scripts/build_district_layer.py --download          # from the pinned URLs
    python scripts/build_district_layer.py --mirror ../shared/geo --tolerance 0.005 \\
        --out /tmp/x.topojson
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import shapely

from durandwatch.admin_polygons import EMBEDDED_LAYER, SourceUnit, source_units
from durandwatch.layer_build import EdgeEffect, build_layer, edge_effect

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TOLERANCE = 0.002  # degrees; see geo/README.md for why
QUANTIZATION = 100_000
# The AFG files are geoBoundaries' Dec 12, 2023 build as carried, unmodified, by
# abubaker47/afghanistan-provinces-districts-villages at this commit (the geoBoundaries
# repository itself now serves a newer build from Git LFS, with other bytes); the PAK
# files are read from geoBoundaries at the commits of their builds, as in geo/region.toml.
AFG = (
    "https://github.com/abubaker47/afghanistan-provinces-districts-villages/raw/"
    "3d75bcbb9f093d9a3cf1077ab045b3f7336c0bf3/GEO-JSON"
)
PAK1 = (
    "https://github.com/wmgeolab/geoBoundaries/raw/dad1bd2f93aa5d782a109e45057cfcc8c520038c/"
    "releaseData/gbOpen/PAK/ADM1"
)
PAK2 = (
    "https://github.com/wmgeolab/geoBoundaries/raw/0b9bae0e073a431092e89063f986089404b0ff47/"
    "releaseData/gbOpen/PAK/ADM2"
)
LICENCE = (
    "geoBoundaries gbOpen: public domain per layer metadata (AFG ADM2: AIMS / Esri 2014; "
    "AFG ADM1 and PAK: Wikimedia / geoBoundaries); geoBoundaries asks for attribution and "
    "licenses its derived works CC BY 4.0"
)
ATTRIBUTION = (
    "Districts: geoBoundaries (www.geoboundaries.org), Runfola et al. 2020, PLoS ONE 15(4): "
    "e0231866 (AFG ADM2 from AIMS); simplified by durandwatch"
)


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    url: str
    sha256: str


SOURCES = (
    Source(
        "geoBoundaries-AFG-ADM1.geojson",
        f"{AFG}/geoBoundaries-AFG-ADM1/geoBoundaries-AFG-ADM1.geojson",
        "9c044ab9a0852fba5c89a1b922f5ed244969439f9a2673b9f6763c255e7a46fe",
    ),
    Source(
        "geoBoundaries-AFG-ADM2.shp",
        f"{AFG}/geoBoundaries-AFG-ADM2/geoBoundaries-AFG-ADM2.shp",
        "2cc048836d7825dbd1374c98bf07e6de9bed7ac400342762ea83c0eca10fb12d",
    ),
    Source(
        "geoBoundaries-AFG-ADM2.shx",
        f"{AFG}/geoBoundaries-AFG-ADM2/geoBoundaries-AFG-ADM2.shx",
        "a584a5eb7228b9c7d221deb666c68f8c4e605973e5a91995045b78129ec921fb",
    ),
    Source(
        "geoBoundaries-AFG-ADM2.dbf",
        f"{AFG}/geoBoundaries-AFG-ADM2/geoBoundaries-AFG-ADM2.dbf",
        "c7e4c79c69c2ce8614751547d0de077711387fbeb744ee62752bf51a9c059d51",
    ),
    Source(
        "geoBoundaries-AFG-ADM2.prj",
        f"{AFG}/geoBoundaries-AFG-ADM2/geoBoundaries-AFG-ADM2.prj",
        "a145cd62425c84e8a0d67e3d953401feee62dcd613845406b251049cefc42f9a",
    ),
    Source(
        "geoBoundaries-PAK-ADM1.geojson",
        f"{PAK1}/geoBoundaries-PAK-ADM1.geojson",
        "2a458577fd16afa788b01e1ec1d96e30a344a260165d9ca31d219731d94f0e62",
    ),
    Source(
        "geoBoundaries-PAK-ADM2.geojson",
        f"{PAK2}/geoBoundaries-PAK-ADM2.geojson",
        "417c884272d1ccab79b85e902f8062d35046ecc6d5ffb8695ec8cc695059d397",
    ),
)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def from_mirror(mirror: Path) -> dict[str, Path]:
    """Each source file found by name under ``mirror`` (the first with the pinned hash)."""
    found: dict[str, Path] = {}
    for source in SOURCES:
        candidates = sorted(mirror.rglob(source.file))
        match = next((p for p in candidates if sha256_of(p) == source.sha256), None)
        if match is None:
            seen = ", ".join(f"{p} ({sha256_of(p)[:12]})" for p in candidates) or "none"
            sys.exit(f"{source.file}: no file with SHA-256 {source.sha256} under {mirror}: {seen}")
        found[source.file] = match
    return found


def download(folder: Path) -> dict[str, Path]:
    """Each source file downloaded from its pinned URL into ``folder``, hash checked."""
    found: dict[str, Path] = {}
    with httpx.Client(follow_redirects=True, timeout=120.0) as http:
        for source in SOURCES:
            response = http.get(source.url)
            response.raise_for_status()
            actual = hashlib.sha256(response.content).hexdigest()
            if actual != source.sha256:
                sys.exit(f"{source.url}: SHA-256 {actual}, expected {source.sha256}")
            path = folder / source.file
            path.write_bytes(response.content)
            found[source.file] = path
    return found


def read_units(files: dict[str, Path]) -> list[SourceUnit]:
    """Every district of both countries, with its majority province (full resolution)."""
    import geopandas as gpd

    districts: list[SourceUnit] = []
    for iso3, country, adm2 in (
        ("AFG", "AF", "geoBoundaries-AFG-ADM2.shp"),
        ("PAK", "PK", "geoBoundaries-PAK-ADM2.geojson"),
    ):
        adm1 = gpd.read_file(files[f"geoBoundaries-{iso3}-ADM1.geojson"])
        _, country_districts = source_units(adm1, gpd.read_file(files[adm2]), country)
        districts.extend(country_districts)
    return districts


def provenance(tolerance: float, effects: list[EdgeEffect] | None) -> dict[str, object]:
    return {
        "what": "districts and provinces of Afghanistan and Pakistan, simplified",
        "generator": "scripts/build_district_layer.py (durandwatch)",
        "generated_with": {"shapely": shapely.__version__, "geos": shapely.geos_version_string},
        "sources": [{"file": s.file, "url": s.url, "sha256": s.sha256} for s in SOURCES],
        "simplification": {
            "method": "shapely.coverage_simplify per country (shared borders stay shared)",
            "tolerance_deg": tolerance,
            "quantization": QUANTIZATION,
        },
        "provinces": (
            "the union of their districts; a district's province is the ADM1 polygon holding "
            "the largest share of its area (Lambert conformal conic of geo/region.toml)"
        ),
        "properties": {
            "districts": "country (AF/PK), name (geoBoundaries shapeName), province "
            "(ADM1 shapeName), province_iso (ADM1 shapeISO, when given)",
            "provinces": "country, name (ADM1 shapeName), province_iso",
        },
        "edge_effect": [e.as_dict() for e in effects or []],
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--mirror", type=Path, help="a folder holding the source files")
    where.add_argument("--download", action="store_true", help="fetch the pinned URLs")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    parser.add_argument("--samples", type=int, default=20_000, help="points per measurement")
    parser.add_argument("--out", type=Path, default=ROOT / "geo" / EMBEDDED_LAYER)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        files = from_mirror(args.mirror) if args.mirror else download(Path(tmp))
        full = read_units(files)
    _, simplified = build_layer(full, tolerance=args.tolerance, provenance={})
    effects = [edge_effect(full, simplified, country=c, samples=args.samples) for c in ("AF", "PK")]
    document, _ = build_layer(
        full, tolerance=args.tolerance, provenance=provenance(args.tolerance, effects)
    )
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    args.out.write_text(text, encoding="utf-8")
    vertices = sum(len(arc) for arc in document["arcs"])
    arcs = len(document["arcs"])
    print(f"{args.out}: {len(text.encode()):,} bytes, {arcs} arcs, {vertices:,} points")
    print(f"tolerance {args.tolerance} deg, quantisation 1/{QUANTIZATION:,} of the extent")
    for effect in effects:
        print(
            f"{effect.country}: within {effect.km:g} km of a district border "
            f"{effect.near_edges_moved}/{effect.near_edges} points "
            f"({100 * effect.near_edges_share:.2f} %) in another district; anywhere "
            f"{effect.anywhere_moved}/{effect.anywhere} ({100 * effect.anywhere_share:.3f} %)"
        )


if __name__ == "__main__":
    main()
