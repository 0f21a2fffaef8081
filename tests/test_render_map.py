"""The map's district layer and its alert shapes, on both sides of the line."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from durandwatch import topology
from durandwatch.gazetteer import Gazetteer, build_gazetteer
from durandwatch.lifecycle import Alert
from durandwatch.region import load_region
from durandwatch.render_map import build_map

from .records import make_alert


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return build_gazetteer(load_region())


def alert(unit: str, level: str, country: str, admin1: str, admin2: str | None) -> Alert:
    return make_alert(
        alert_id=f"{unit}-{admin2 or admin1}",
        name=admin2 or admin1,
        unit=unit,
        level=level,
        score=50,
        country=country,
        admin1=admin1,
        admin2=admin2,
        lat=None,
        lon=None,
    )


def page_data(html: str) -> dict[str, Any]:
    match = re.search(r"var D = (\{.*?\});\n", html, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@pytest.fixture(scope="module")
def drawn(gazetteer: Gazetteer) -> dict[str, Any]:
    alerts = [
        alert("district", "orange", "PK", "Khyber Pakhtunkhwa", "Kurram"),
        alert("district", "red", "PK", "Balochistan", "Chaman"),
        alert("province", "yellow", "AF", "Paktika", None),
        alert("district", "yellow", "AF", "Paktika", "Barmal"),
    ]
    html = build_map(
        date(2025, 1, 15),
        [],
        alerts,
        boundaries=gazetteer.boundaries,
        crossings=[],
        attributions=gazetteer.sources.attributions,
        zone="Asia/Kabul",
        cdn=True,
    )
    return page_data(html)


def test_every_district_of_both_sides_is_drawn(drawn: dict[str, Any]) -> None:
    layers = topology.decode(drawn["admin"])
    districts = layers["districts"]
    assert sum(p["c"] == "AF" for p, _ in districts) == 398
    assert sum(p["c"] == "PK" for p, _ in districts) == 126
    assert {(p["c"], p["n"]) for p, _ in layers["provinces"]} >= {
        ("PK", "Khyber Pakhtunkhwa"),
        ("PK", "Balochistan"),
        ("AF", "Paktika"),
    }
    assert ("PK", "Khyber Pakhtunkhwa", "Kurram") in {
        (p["c"], p["p"], p["n"]) for p, _ in districts
    }


def test_district_and_province_alerts_are_their_shapes_on_both_sides(
    drawn: dict[str, Any],
) -> None:
    shapes = {a["name"]: a for a in drawn["alerts"]}
    for name in ("Kurram", "Paktika", "Barmal"):
        assert shapes[name]["geometry"]["type"] in ("Polygon", "MultiPolygon"), name
        assert shapes[name]["approximate"] is False
    # Chaman has no polygon of its own: the 2019 Qilla Abdullah polygon, marked as such.
    assert shapes["Chaman"]["geometry"] is not None
    assert shapes["Chaman"]["approximate"] is True


def test_the_district_layer_is_attributed(drawn: dict[str, Any]) -> None:
    assert any("geoBoundaries" in a for a in drawn["attributions"])
