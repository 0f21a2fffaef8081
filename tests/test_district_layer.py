"""The embedded district layer: what it holds, where it comes from, what simplifying cost.

Without ../shared these check the shipped file against the tables of geo/; with the mirror
they also check it against the full-resolution files it was made from.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import shapely

from durandwatch.admin_polygons import (
    EMBEDDED_LAYER,
    SourceUnit,
    embedded_layer_path,
    read_embedded_layer,
    source_units,
)
from durandwatch.layer_build import edge_effect
from durandwatch.resources import data_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def layer() -> Any:
    loaded = read_embedded_layer(embedded_layer_path())
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def provenance() -> dict[str, Any]:
    document = json.loads(embedded_layer_path().read_text(encoding="utf-8"))
    return dict(document["durandwatch"])


def script() -> ModuleType:
    """scripts/build_district_layer.py as a module (for its pinned sources)."""
    name = "build_district_layer"
    if name in sys.modules:
        return sys.modules[name]
    path = ROOT / "scripts" / "build_district_layer.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_the_layer_is_compact_and_holds_every_unit(layer: Any) -> None:
    assert embedded_layer_path().name == EMBEDDED_LAYER
    assert embedded_layer_path().stat().st_size <= 1_000_000
    by_country = {c: [u for u in layer.districts if u.country == c] for c in ("AF", "PK")}
    assert (len(by_country["AF"]), len(by_country["PK"])) == (398, 126)
    provinces = {c: {u.name for u in layer.provinces if u.country == c} for c in ("AF", "PK")}
    assert len(provinces["AF"]) == 34
    assert len(provinces["PK"]) == 7
    geoms = np.asarray([u.geometry for u in (*layer.districts, *layer.provinces)], dtype=object)
    assert shapely.is_valid(geoms).all()
    # Provinces are their districts, so the two layers line up.
    kp = next(u for u in layer.provinces if u.name == "Khyber Pakhtunkhwa")
    kp_districts = shapely.union_all([u.geometry for u in layer.districts if u.province == kp.name])
    assert shapely.symmetric_difference(kp.geometry, kp_districts).area < 1e-6


def test_provenance_names_the_pinned_sources_tolerance_and_measured_effect(
    provenance: dict[str, Any],
) -> None:
    pins = {s.file: (s.url, s.sha256) for s in script().SOURCES}
    recorded = {s["file"]: (s["url"], s["sha256"]) for s in provenance["sources"]}
    assert recorded == pins
    region = tomllib.loads(data_path("geo", "region.toml").read_text(encoding="utf-8"))
    for dataset in region["dataset"]:
        if dataset["file"] in recorded and dataset.get("sha256"):
            assert recorded[dataset["file"]][1] == dataset["sha256"], dataset["id"]
    assert provenance["simplification"]["tolerance_deg"] == script().DEFAULT_TOLERANCE
    assert provenance["generator"].startswith("scripts/build_district_layer.py")
    assert "geoBoundaries" in provenance["attribution"]
    effects = {e["country"]: e for e in provenance["edge_effect"]}
    assert set(effects) == {"AF", "PK"}
    for effect in effects.values():
        assert effect["near_borders"]["points"] > 10_000
        assert effect["near_borders"]["share"] < 0.02
        assert effect["anywhere"]["share"] < 0.002


def test_the_readme_states_the_tolerance_and_the_measured_effect(
    provenance: dict[str, Any],
) -> None:
    readme = data_path("geo", "README.md").read_text(encoding="utf-8")
    assert f"{provenance['simplification']['tolerance_deg']}°" in readme
    for effect in provenance["edge_effect"]:
        near = effect["near_borders"]
        assert f"{near['other_district']} of {near['points']:,}" in readme, effect["country"]


def test_every_pakistani_polygon_is_one_of_todays_units() -> None:
    """Names through geo/polygons.csv: KP and Balochistan districts are admin.csv's."""
    from durandwatch.gazetteer import build_gazetteer
    from durandwatch.region import load_region

    gazetteer = build_gazetteer(load_region())
    admin2 = gazetteer.boundaries.admin2
    assert admin2 is not None
    with data_path("geo", "admin.csv").open(encoding="utf-8") as handle:
        known = {(r["parent"], r["name"]) for r in csv.DictReader(handle) if r["level"] == "2"}
    frontier = {(p, n) for c, p, n in admin2.labels if c == "PK" and p in known_parents(known)}
    assert frontier <= known
    assert ("Balochistan", "Killa Abdullah") in frontier
    assert ("Khyber Pakhtunkhwa", "Lower Chitral") in frontier
    assert ("Khyber Pakhtunkhwa", "South Waziristan") in frontier
    # Today's units the 2019 polygons lack are held by the unit they were made from.
    with data_path("geo", "polygons.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for part in filter(None, row["contains"].split(";")):
                assert (row["admin1"], part) in known, part
                found = gazetteer.boundaries.district_shape("PK", part)
                assert found is not None
                labels, _, exact = found
                assert (labels[2], exact) == (row["admin2"], False)


def known_parents(known: set[tuple[str, str]]) -> set[str]:
    return {parent for parent, _ in known}


# -- against the full-resolution files of the mirror ------------------------------------------


@pytest.fixture(scope="module")
def full_resolution() -> list[SourceUnit]:
    from .conftest import SHARED

    mirror = SHARED / "geo"
    if not mirror.is_dir():
        pytest.skip("../shared/geo (the geodata mirror) is not present")
    import geopandas as gpd

    units: list[SourceUnit] = []
    for iso3, country, adm2 in (
        ("AFG", "AF", "ADM2/geoBoundaries-AFG-ADM2.shp"),
        ("PAK", "PK", "ADM2/geoBoundaries-PAK-ADM2.geojson"),
    ):
        folder = mirror / f"geoboundaries-{iso3}"
        adm1 = gpd.read_file(folder / "ADM1" / f"geoBoundaries-{iso3}-ADM1.geojson")
        units.extend(source_units(adm1, gpd.read_file(folder / adm2), country)[1])
    return units


@pytest.mark.shared
def test_the_layer_is_the_mirror_simplified(layer: Any, full_resolution: list[SourceUnit]) -> None:
    assert [(u.country, u.name, u.province) for u in layer.districts] == [
        (u.country, u.name, u.province) for u in full_resolution
    ]
    for full, simple in zip(full_resolution, layer.districts, strict=True):
        # Nowhere further than a simplification step (plus the 15 m grid) from the source.
        assert shapely.hausdorff_distance(full.geometry, simple.geometry) < 0.05, full.name


@pytest.mark.shared
@pytest.mark.parametrize("country", ["AF", "PK"])
def test_edge_effect_is_within_the_stated_bound(
    layer: Any, full_resolution: list[SourceUnit], provenance: dict[str, Any], country: str
) -> None:
    """Measured again on other random points: close to what the file states, and small."""
    effect = edge_effect(
        full_resolution, list(layer.districts), country=country, samples=4_000, seed=7
    )
    stated = next(e for e in provenance["edge_effect"] if e["country"] == country)
    assert effect.near_edges_share <= stated["near_borders"]["share"] + 0.01
    assert effect.near_edges_share < 0.02
    assert effect.anywhere_share < 0.005
