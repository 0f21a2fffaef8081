"""Making the embedded district layer, and measuring what its simplification costs.

``scripts/build_district_layer.py`` fetches and checks the pinned geoBoundaries files and
writes the result; this module is the part between, and takes and returns data only:

* :func:`build_layer`: districts simplified per country as a coverage (neighbours keep a
  common border: ``shapely.coverage_simplify``), quantised, provinces made as the union of
  their districts, all in one TopoJSON topology with the provenance inside;
* :func:`edge_effect`: how many points near district borders (and anywhere) fall in a
  different district with the simplified polygons than with the full-resolution ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from . import topology
from .admin_polygons import METRIC_CRS, SourceUnit
from .boundaries import PolygonSet


def build_layer(
    districts: Sequence[SourceUnit],
    *,
    tolerance: float,
    quantization: int = 100_000,
    provenance: Mapping[str, Any],
) -> tuple[dict[str, Any], list[SourceUnit]]:
    """The layer's TopoJSON document, and its districts as a reader will decode them."""
    simplified = _simplify(districts, tolerance)
    first = topology.encode({"districts": _features(simplified)}, quantization=quantization)
    decoded = [
        SourceUnit(u.country, u.name, u.province, u.province_iso, _valid(geom))
        for u, (_, geom) in zip(simplified, topology.decode(first)["districts"], strict=True)
    ]
    provinces = _provinces(decoded)
    document = topology.encode(
        {"districts": _features(decoded), "provinces": _features(provinces)},
        quantization=quantization,
        extra={"durandwatch": dict(provenance)},
    )
    return document, decoded


def _simplify(districts: Sequence[SourceUnit], tolerance: float) -> list[SourceUnit]:
    """Each country's districts simplified together, so neighbours keep one border."""
    out: list[SourceUnit] = []
    for country in dict.fromkeys(u.country for u in districts):
        units = [u for u in districts if u.country == country]
        geoms = np.asarray([u.geometry for u in units], dtype=object)
        if not shapely.coverage_is_valid(geoms):
            raise ValueError(f"the {country} districts are not a valid coverage (gaps or overlaps)")
        simple = shapely.coverage_simplify(geoms, tolerance)
        out.extend(
            SourceUnit(u.country, u.name, u.province, u.province_iso, g)
            for u, g in zip(units, simple, strict=True)
        )
    return out


def _valid(geom: BaseGeometry) -> BaseGeometry:
    """A quantised ring that touches or crosses itself, repaired without its slivers."""
    if geom.is_valid:
        return geom
    return shapely.make_valid(geom, method="structure", keep_collapsed=False)


def _provinces(districts: Sequence[SourceUnit]) -> list[SourceUnit]:
    """Each province as the union of its districts (the borders line up exactly)."""
    groups: dict[tuple[str, str | None, str | None], list[BaseGeometry]] = defaultdict(list)
    for unit in districts:
        groups[(unit.country, unit.province, unit.province_iso)].append(unit.geometry)
    out = []
    for (country, name, iso), geoms in groups.items():
        array = np.asarray(geoms, dtype=object)
        union = (
            shapely.coverage_union_all(array)
            if shapely.coverage_is_valid(array)
            else shapely.union_all(array)
        )
        out.append(SourceUnit(country, name or "", None, iso, union))
    return out


def _features(units: Sequence[SourceUnit]) -> list[tuple[dict[str, Any], BaseGeometry]]:
    features = []
    for unit in units:
        props: dict[str, Any] = {"country": unit.country, "name": unit.name}
        if unit.province is not None:
            props["province"] = unit.province
        if unit.province_iso:
            props["province_iso"] = unit.province_iso
        features.append((props, unit.geometry))
    return features


# -- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EdgeEffect:
    """Points placed by both polygon sets, and how many land in a different district."""

    country: str
    near_edges: int  # points within ``km`` of a district border (inside the country)
    near_edges_moved: int  # ... in another district (or none) with the simplified set
    anywhere: int  # points spread evenly over the country
    anywhere_moved: int
    km: float

    @property
    def near_edges_share(self) -> float:
        return self.near_edges_moved / self.near_edges if self.near_edges else 0.0

    @property
    def anywhere_share(self) -> float:
        return self.anywhere_moved / self.anywhere if self.anywhere else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "within_km_of_a_border": self.km,
            "near_borders": {
                "points": self.near_edges,
                "other_district": self.near_edges_moved,
                "share": round(self.near_edges_share, 5),
            },
            "anywhere": {
                "points": self.anywhere,
                "other_district": self.anywhere_moved,
                "share": round(self.anywhere_share, 5),
            },
        }


def edge_effect(
    full: Sequence[SourceUnit],
    simplified: Sequence[SourceUnit],
    *,
    country: str,
    km: float = 1.0,
    samples: int = 20_000,
    seed: int = 14,
) -> EdgeEffect:
    """Compare where points fall with the full-resolution and the simplified districts.

    Near borders: a district is drawn with probability proportional to its perimeter, a
    point on its border uniformly along it, then the point is moved to a random place in
    the disc of radius ``km`` around it (metric CRS). Anywhere: points uniform in the
    country's bounding box. Points outside every full-resolution district of the country
    are dropped; a point inside one but in none of the simplified ones counts as moved.
    """
    rng = np.random.default_rng(seed)
    full_units = [u for u in full if u.country == country]
    simple_units = [u for u in simplified if u.country == country]
    if [u.name for u in full_units] != [u.name for u in simple_units]:
        raise ValueError(f"the two {country} district lists are not the same units in one order")
    full_set = _lookup_set(full_units)
    simple_set = _lookup_set(simple_units)

    def moved(lons: Any, lats: Any) -> tuple[int, int]:
        a = full_set.lookup(lons, lats)
        b = simple_set.lookup(lons, lats)
        inside = a >= 0
        return int(inside.sum()), int((a[inside] != b[inside]).sum())

    near = moved(*_near_borders(full_units, rng, samples=samples, km=km))
    minx, miny, maxx, maxy = shapely.total_bounds(
        np.asarray([u.geometry for u in full_units], dtype=object)
    )
    anywhere = moved(rng.uniform(minx, maxx, samples), rng.uniform(miny, maxy, samples))
    return EdgeEffect(country, near[0], near[1], anywhere[0], anywhere[1], km)


def _lookup_set(units: Sequence[SourceUnit]) -> PolygonSet:
    return PolygonSet(tuple(u.geometry for u in units), tuple((u.name,) for u in units))


def _near_borders(
    units: Sequence[SourceUnit], rng: np.random.Generator, *, samples: int, km: float
) -> tuple[Any, Any]:
    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_degrees = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

    def project(coords: Any) -> Any:
        x, y = to_metric.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    borders = np.asarray(
        [shapely.boundary(shapely.transform(u.geometry, project)) for u in units], dtype=object
    )
    lengths = shapely.length(borders)
    which = rng.choice(len(borders), size=samples, p=lengths / lengths.sum())
    points = shapely.line_interpolate_point(
        borders[which], rng.uniform(0, 1, samples) * lengths[which]
    )
    angle = rng.uniform(0, 2 * np.pi, samples)
    radius = km * 1000 * np.sqrt(rng.uniform(0, 1, samples))
    x = shapely.get_x(points) + radius * np.cos(angle)
    y = shapely.get_y(points) + radius * np.sin(angle)
    lons, lats = to_degrees.transform(x, y)
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
