"""TopoJSON encode/decode: shared borders stored once, shapes back as they went in."""

from __future__ import annotations

import json

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from durandwatch import topology


def test_neighbours_share_one_arc_and_come_back_exactly() -> None:
    # Two squares side by side, and a third with a square hole holding a fourth.
    left, right = box(0, 0, 2, 2), box(2, 0, 6, 2)
    holed = Polygon([(0, 2), (6, 2), (6, 6), (0, 6)], [[(1, 3), (1, 5), (3, 5), (3, 3)]])
    enclave = box(1, 3, 3, 5)
    features = [({"n": k}, g) for k, g in enumerate([left, right, holed, enclave])]
    # Integer corners on a grid of 1 with the extent 0..6: quantisation is exact.
    document = topology.encode({"units": features}, quantization=7)
    decoded = topology.decode(json.loads(json.dumps(document)))["units"]
    for (props, original), (back_props, back) in zip(features, decoded, strict=True):
        assert back_props == props
        assert back.equals(original)
    # The hole and the enclave are one ring, stored once; so is the left/right border.
    points = sum(len(arc) for arc in document["arcs"])
    separately = sum(shapely.get_num_coordinates(g) for _, g in features)
    assert points < separately


def test_multipolygons_and_foreign_members() -> None:
    two = MultiPolygon([box(0, 0, 1, 1), box(3, 3, 4, 4)])
    document = topology.encode({"x": [({}, two)]}, extra={"provenance": {"a": 1}})
    assert next(iter(document)) == "type"
    assert list(document)[1] == "provenance"  # foreign members first, for a reader
    ((_, back),) = topology.decode(document)["x"]
    assert back.geom_type == "MultiPolygon"
    assert shapely.hausdorff_distance(back, two) < 1e-4


def test_decode_refuses_what_is_not_a_topology() -> None:
    import pytest

    with pytest.raises(ValueError, match="not a TopoJSON Topology"):
        topology.decode({"type": "FeatureCollection", "features": []})


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(st.integers(1, 19), min_size=1, max_size=5, unique=True),
    ys=st.lists(st.integers(1, 19), min_size=1, max_size=5, unique=True),
)
def test_any_grid_of_cells_round_trips(xs: list[int], ys: list[int]) -> None:
    """A rectangle cut into cells at random lines: every cell comes back, borders shared."""
    cols = [0, *sorted(xs), 20]
    rows = [0, *sorted(ys), 20]
    cells = [
        ({"i": i, "j": j}, box(cols[i], rows[j], cols[i + 1], rows[j + 1]))
        for i in range(len(cols) - 1)
        for j in range(len(rows) - 1)
    ]
    document = topology.encode({"cells": cells}, quantization=21)
    decoded = topology.decode(document)["cells"]
    assert all(back.equals(cell) for (_, cell), (_, back) in zip(cells, decoded, strict=True))
    uses = [
        abs(i if i >= 0 else ~i)
        for g in document["objects"]["cells"]["geometries"]
        for ring in g["arcs"]
        for i in ring
    ]
    # Every arc is used by at most two cells (a border) and inner borders by exactly two.
    assert max(uses.count(a) for a in set(uses)) <= 2
    assert len(set(uses)) < len(uses) or len(cells) == 1
