"""TopoJSON for polygon layers: encode (shared arcs, quantised, delta-coded) and decode.

Only what the embedded district layer needs: named objects that are GeometryCollections
of Polygon and MultiPolygon geometries with properties (TopoJSON specification 1.0).
Neighbouring polygons store their common border once, as an arc both refer to (one of
them backwards), so a layer of districts and the provinces made of them costs little more
than the districts' borders. Coordinates are quantised to a grid of ``quantization``
steps across the bounding box and stored as differences from the previous point.

The encoder expects a polygonal coverage per object (neighbours share their border
vertex for vertex, as ``shapely.coverage_simplify`` leaves them); it is still correct for
any polygons, only less compact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

Point = tuple[int, int]
Ring = list[Point]
Feature = tuple[dict[str, Any], BaseGeometry]


def encode(
    objects: Mapping[str, Sequence[Feature]],
    *,
    quantization: int = 100_000,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A TopoJSON ``Topology`` holding each object as a GeometryCollection.

    ``extra`` adds foreign members at the top level, first (provenance, for instance).
    """
    bounds = shapely.total_bounds(
        np.asarray([g for features in objects.values() for _, g in features], dtype=object)
    )
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    scale = ((maxx - minx) / (quantization - 1), (maxy - miny) / (quantization - 1))
    quantised = {
        name: [(props, _quantise(geom, (minx, miny), scale)) for props, geom in features]
        for name, features in objects.items()
    }
    rings = [
        ring for features in quantised.values() for _, polys in features for ring in _all(polys)
    ]
    junctions = _junctions(rings)
    arcs = _Arcs()
    topo_objects = {
        name: {
            "type": "GeometryCollection",
            "geometries": [_geometry(props, polys, junctions, arcs) for props, polys in features],
        }
        for name, features in quantised.items()
    }
    topology: dict[str, Any] = {"type": "Topology", **(extra or {})}
    topology |= {
        "bbox": [minx, miny, maxx, maxy],
        "transform": {"scale": list(scale), "translate": [minx, miny]},
        "objects": topo_objects,
        "arcs": [_delta(arc) for arc in arcs.items],
    }
    return topology


def decode(topology: Mapping[str, Any]) -> dict[str, list[Feature]]:
    """Every object of a topology as ``(properties, shapely geometry)`` pairs."""
    if topology.get("type") != "Topology":
        raise ValueError("not a TopoJSON Topology")
    transform = topology.get("transform")
    arcs = [_absolute(arc, transform) for arc in topology["arcs"]]
    return {
        name: [_feature(geometry, arcs) for geometry in obj["geometries"]]
        for name, obj in topology["objects"].items()
    }


# -- encoding ------------------------------------------------------------------------------


def _quantise(
    geom: BaseGeometry, origin: tuple[float, float], scale: tuple[float, float]
) -> list[list[Ring]]:
    """Polygons as lists of rings of grid points (open: the first point is not repeated)."""
    polygons = []
    for polygon in shapely.get_parts(geom):
        if polygon.geom_type != "Polygon":
            raise ValueError(f"only polygons can be encoded, not {polygon.geom_type}")
        rings = []
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)[:-1]
            x = np.round((coords[:, 0] - origin[0]) / scale[0]).astype(np.int64)
            y = np.round((coords[:, 1] - origin[1]) / scale[1]).astype(np.int64)
            points = [(int(a), int(b)) for a, b in zip(x, y, strict=True)]
            clean = [p for n, p in enumerate(points) if p != points[n - 1]]
            if len(clean) >= 3:
                rings.append(clean)
        if rings:
            polygons.append(rings)
    return polygons


def _all(polygons: list[list[Ring]]) -> Iterator[Ring]:
    for rings in polygons:
        yield from rings


def _junctions(rings: Iterable[Ring]) -> set[Point]:
    """Points where a border meets another or leaves it: arcs start and end there.

    A point passed twice with different neighbours (in either direction) is a junction.
    """
    seen: dict[Point, tuple[Point, Point]] = {}
    junctions: set[Point] = set()
    for ring in rings:
        count = len(ring)
        for n, point in enumerate(ring):
            before, after = ring[n - 1], ring[(n + 1) % count]
            first = seen.setdefault(point, (before, after))
            if first != (before, after) and first != (after, before):
                junctions.add(point)
    return junctions


class _Arcs:
    """Arcs stored once; a second use of an arc, either way round, gets its index."""

    def __init__(self) -> None:
        self.items: list[list[Point]] = []
        self._index: dict[tuple[Point, ...], int] = {}

    def add(self, arc: list[Point]) -> int:
        key = tuple(arc)
        if key in self._index:
            return self._index[key]
        backwards = key[::-1]
        if arc[0] == arc[-1]:  # a closed ring: the same ring backwards starts at the same point
            backwards = (arc[0], *key[-2:0:-1], arc[0])
        if backwards in self._index:
            return ~self._index[backwards]
        self._index[key] = len(self.items)
        self.items.append(arc)
        return len(self.items) - 1


def _ring_arcs(ring: Ring, junctions: set[Point], arcs: _Arcs) -> list[int]:
    cuts = [n for n, point in enumerate(ring) if point in junctions]
    if not cuts:
        start = ring.index(min(ring))  # a canonical start, so a neighbour's ring matches
        closed = ring[start:] + ring[:start]
        return [arcs.add([*closed, closed[0]])]
    rotated = ring[cuts[0] :] + ring[: cuts[0]]
    cuts = [n - cuts[0] if n >= cuts[0] else n + len(ring) - cuts[0] for n in cuts]
    ends = [*cuts[1:], len(ring)]
    closed = [*rotated, rotated[0]]
    return [arcs.add(closed[a : b + 1]) for a, b in zip(cuts, ends, strict=True)]


def _geometry(
    props: dict[str, Any], polygons: list[list[Ring]], junctions: set[Point], arcs: _Arcs
) -> dict[str, Any]:
    coded = [[_ring_arcs(ring, junctions, arcs) for ring in rings] for rings in polygons]
    if len(coded) == 1:
        return {"type": "Polygon", "arcs": coded[0], "properties": props}
    return {"type": "MultiPolygon", "arcs": coded, "properties": props}


def _delta(arc: list[Point]) -> list[list[int]]:
    out = [[arc[0][0], arc[0][1]]]
    out.extend([b[0] - a[0], b[1] - a[1]] for a, b in pairwise(arc))
    return out


# -- decoding ------------------------------------------------------------------------------


def _absolute(arc: Sequence[Sequence[float]], transform: Mapping[str, Any] | None) -> Any:
    coords = np.asarray(arc, dtype=np.float64).reshape(-1, 2)
    if transform is None:
        return coords
    return np.cumsum(coords, axis=0) * np.asarray(transform["scale"]) + np.asarray(
        transform["translate"]
    )


def _ring(arc_ids: Sequence[int], arcs: list[Any]) -> Any:
    parts = []
    for n, index in enumerate(arc_ids):
        coords = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(coords if n == 0 else coords[1:])
    return np.concatenate(parts)


def _polygon(rings: Sequence[Sequence[int]], arcs: list[Any]) -> BaseGeometry:
    shell, *holes = (_ring(ring, arcs) for ring in rings)
    return shapely.Polygon(shell, holes)


def _feature(geometry: Mapping[str, Any], arcs: list[Any]) -> Feature:
    props = dict(geometry.get("properties") or {})
    kind = geometry.get("type")
    if kind == "Polygon":
        return props, _polygon(geometry["arcs"], arcs)
    if kind == "MultiPolygon":
        return props, shapely.MultiPolygon([_polygon(p, arcs) for p in geometry["arcs"]])
    raise ValueError(f"unsupported TopoJSON geometry type {kind!r}")
