"""Geocoding: golden cases in real phrasing, invariants, the polygon upgrade."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.analyze import Analyzer, analyze_lines, report_json
from durandwatch.gazetteer import Gazetteer, build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.geodata import fetch_pack
from durandwatch.model import Location
from durandwatch.region import load_region


@pytest.fixture(scope="session")
def embedded() -> Geocoder:
    return Geocoder(build_gazetteer(load_region(), pack=None))


@pytest.fixture(scope="session")
def with_polygons(tmp_path_factory: pytest.TempPathFactory) -> Geocoder:
    from .conftest import SHARED

    if not (SHARED / "geo").is_dir():
        pytest.skip("../shared/geo (the geodata mirror) is not present")
    pack = tmp_path_factory.mktemp("pack") / "geo"
    fetch_pack(load_region(), pack, mirror=SHARED / "geo")
    return Geocoder(build_gazetteer(load_region(), pack=pack))


NOW = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)


def analyze_text(geocoder: Geocoder, text: str) -> dict[str, Any]:
    return report_json(Analyzer(geocoder).analyze("t", text, published=NOW))


def locate(geocoder: Geocoder, text: str) -> Location:
    location = geocoder.geocode(text).location
    assert location is not None, text
    return location


GOLDEN = [
    # text, country, admin1, admin2, precision
    (
        "Pakistani jets strike suspected TTP hideouts in Paktika's Barmal district",
        "AF",
        "Paktika",
        "Barmal",
        2,
    ),
    (
        "Gunmen attack checkpoint in North Waziristan's Mir Ali",
        "PK",
        "Khyber Pakhtunkhwa",
        "North Waziristan",
        1,
    ),
    (
        "Torkham crossing closed after border forces exchange fire",
        "PK",
        "Khyber Pakhtunkhwa",
        "Khyber",
        1,
    ),
    ("Clashes near Spin Boldak as Chaman gate closes", "AF", "Kandahar", "Spin Boldak", 1),
    ("Blast in Khyber tribal district kills four", "PK", "Khyber Pakhtunkhwa", "Khyber", 2),
    ("Attack in Khost province kills two police", "AF", "Khost", None, 3),
    (
        "Nine militants killed in Pakistan's Mohmand Agency",
        "PK",
        "Khyber Pakhtunkhwa",
        "Mohmand",
        2,
    ),
    (
        "Drone strike in Datta Khel, North Waziristan",
        "PK",
        "Khyber Pakhtunkhwa",
        "North Waziristan",
        1,
    ),
    ("Militants attack Parachinar market", "PK", "Khyber Pakhtunkhwa", "Kurram", 1),
    ("Security forces kill 5 in FR Kohat", "PK", "Khyber Pakhtunkhwa", "Kohat", 2),
    ("Rocket attack on Paktiya base", "AF", "Paktia", None, 3),
    ("Bomb in Khowst city", "AF", "Khost", None, 1),
    ("PESHAWAR: Two killed in blast on Ring Road", "PK", "Khyber Pakhtunkhwa", "Peshawar", 1),
    (
        "Angoor Adda border post attacked from Afghan side",
        "PK",
        "Khyber Pakhtunkhwa",
        "Lower South Waziristan",
        1,
    ),
    ("پکتیکا کې هوايي بريد", "AF", "Paktika", None, 3),
    (
        "Five killed in N Waziristan drone attacks",
        "PK",
        "Khyber Pakhtunkhwa",
        "North Waziristan",
        2,
    ),
]


@pytest.mark.parametrize(("text", "country", "admin1", "admin2", "precision"), GOLDEN)
def test_golden_cases(
    embedded: Geocoder, text: str, country: str, admin1: str, admin2: str | None, precision: int
) -> None:
    location = locate(embedded, text)
    assert (location.country, location.admin1, location.precision) == (country, admin1, precision)
    if admin2 is not None:
        assert location.admin2 == admin2


@pytest.mark.parametrize(
    "text",
    [
        "US drone strike kills 5 in Pakistan",
        "Afghan forces clash with Pakistani troops along the border",
        "FACTBOX-Security developments in Pakistan, Aug 21",
        "Programme summary of Pakistan's AVT Khyber News 1200 gmt 30 Jan 13",
        "Kabul says 27 killed in opposition attacks",
        "Islamabad, Oct 2 (PTI) Pakistani security forces have killed seven terrorists",
        "March on the capital called off",
        "Army tanks seen on the highway",
        "At least 28 killed in three US drone strikes in Pakistan's Waziristan",
        "Naeem Wardak claims fighters crossed the Durand Line into Pakistan",
        "",
    ],
)
def test_no_place_gives_no_location(embedded: Geocoder, text: str) -> None:
    assert embedded.geocode(text).location is None


def test_khyber_pakhtunkhwa_is_the_province_not_khyber_district(embedded: Geocoder) -> None:
    location = locate(embedded, "Police officer shot dead in Khyber Pakhtunkhwa")
    assert (location.admin1, location.precision) == ("Khyber Pakhtunkhwa", 3)


def test_lowercase_words_are_not_places_in_mixed_case_text(embedded: Geocoder) -> None:
    assert embedded.geocode("Fighters hold the tank near the bazaar").location is None
    # ...but an all-caps wire headline still matches.
    location = locate(embedded, "BLAST IN TANK KILLS TWO")
    assert location.admin2 == "Tank"


def test_distance_and_side(embedded: Geocoder) -> None:
    torkham = locate(embedded, "Torkham crossing")
    assert torkham.distance_km is not None
    assert torkham.distance_km < 5
    quetta = locate(embedded, "Blast in Quetta")
    assert quetta.side == "PK"
    assert quetta.distance_km is not None
    assert 40 < quetta.distance_km < 150
    kabul = locate(embedded, "Explosion in Kabul city")
    assert kabul.side == "AF"
    assert kabul.distance_km is not None
    assert kabul.distance_km > 80


def test_country_words_vote_for_a_side(embedded: Geocoder) -> None:
    # "Khyber" alone is the Pakistani district; with "Afghan" context and a named Afghan
    # province, the Afghan place wins.
    location = locate(embedded, "Afghan forces shell villages in Dand-e-Patan, Paktia")
    assert (location.country, location.admin1) == ("AF", "Paktia")


def test_mentions_have_spans_inside_the_text(embedded: Geocoder) -> None:
    text = "Clashes at Torkham and in Kurram; Pakistani posts hit"
    result = analyze_text(embedded, text)
    spans = [(p["start"], p["end"], p["text"]) for p in result["places"]]
    assert {"Torkham", "Kurram"} <= {s[2] for s in spans}
    for start, end, matched in spans:
        assert text[start:end] == matched


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_analyze_never_raises_and_spans_fit(text: str) -> None:
    geocoder = _shared_embedded()
    result = analyze_text(geocoder, text)
    for place in result["places"]:
        assert 0 <= place["start"] < place["end"] <= len(text)
        assert text[place["start"] : place["end"]] == place["text"]


_CACHE: dict[str, Geocoder] = {}


def _shared_embedded() -> Geocoder:
    if "g" not in _CACHE:
        _CACHE["g"] = Geocoder(build_gazetteer(load_region(), pack=None))
    return _CACHE["g"]


def test_analyze_lines_keeps_order_and_reports_bad_lines(embedded: Geocoder) -> None:
    lines = [
        json.dumps({"id": "a", "text": "Blast in Bajaur"}),
        "not json",
        json.dumps({"id": "c", "text": 5}),
        "",
        json.dumps({"id": "e", "text": "Cricket in Lahore", "published": "2025-01-01"}),
    ]
    out = [json.loads(line) for line in analyze_lines(Analyzer(embedded), lines)]
    assert [o["id"] for o in out] == ["a", None, "c", None, "e"]
    assert out[0]["location"]["admin2"] == "Bajaur"
    assert "invalid JSON" in out[1]["error"]
    assert "string" in out[2]["error"]
    for key in (
        "relevant",
        "event_type",
        "sub_event_type",
        "fatalities",
        "actors",
        "cross_border",
        "places",
        "location",
    ):
        assert key in out[0]


# -- with the geoBoundaries polygons from the mirror ------------------------------------------


def test_polygons_fill_afghan_districts(with_polygons: Geocoder) -> None:
    location = locate(with_polygons, "Rocket hits Jalalabad airport")
    assert (location.admin1, location.admin2) == ("Nangarhar", "Jalalabad")
    assert "geoBoundaries AFG ADM2" in with_polygons.gazetteer.sources.polygons


def test_every_district_has_a_province_by_majority_area(with_polygons: Geocoder) -> None:
    admin2 = with_polygons.gazetteer.boundaries.admin2
    assert admin2 is not None
    by_country: dict[str, set[str]] = {"AF": set(), "PK": set()}
    districts = {"AF": 0, "PK": 0}
    for country, province, _ in admin2.labels:
        by_country[country].add(province)
        districts[country] += 1
    assert districts == {"AF": 398, "PK": 126}
    assert "" not in by_country["AF"] | by_country["PK"]
    assert "Ghanzi" not in by_country["AF"]  # the typo is fixed
    assert "Ghazni" in by_country["AF"]
    assert len(by_country["AF"]) == 34
    assert len(by_country["PK"]) == 7
    assert {"Khyber Pakhtunkhwa", "Balochistan"} <= by_country["PK"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_points_inside_a_district_resolve_to_it(
    with_polygons: Geocoder, data: st.DataObject
) -> None:
    gazetteer: Gazetteer = with_polygons.gazetteer
    admin2 = gazetteer.boundaries.admin2
    assert admin2 is not None
    index = data.draw(st.integers(0, len(admin2.geoms) - 1))
    geom = admin2.geoms[index]
    minx, miny, maxx, maxy = geom.bounds
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    for _ in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(geom, x, y):
            break
    else:
        return  # a sliver: no sample found inside its bounding box
    if gazetteer.boundaries.side([x], [y])[0] not in (admin2.labels[index][0], None):
        # Across Natural Earth's line from its polygon: the line decides the side, and
        # the point takes a district of that side (geo/README.md, "which line wins").
        return
    labels = gazetteer.boundaries.admin([x], [y])[0]
    assert labels == admin2.labels[index]


def test_geo_fetch_from_mirror_is_idempotent(tmp_path: Path, shared_dir: Path) -> None:
    region = load_region()
    pack = tmp_path / "geo"
    first = {r.dataset.id: r.action for r in fetch_pack(region, pack, mirror=shared_dir / "geo")}
    assert first["geoboundaries-afg-adm1"] == "copied"
    assert first["geoboundaries-afg-adm2"] == "copied"
    assert first["geoboundaries-pak-adm1"] == "copied"
    assert first["geoboundaries-pak-adm2"] == "copied"
    assert first["geonames-af"] == "missing"  # not in the mirror
    second = {r.dataset.id: r.action for r in fetch_pack(region, pack, mirror=shared_dir / "geo")}
    assert second["geoboundaries-afg-adm1"] == "present"
    assert second["geoboundaries-pak-adm2"] == "present"


def test_geo_fetch_rejects_a_changed_file(tmp_path: Path) -> None:
    region = load_region()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "geoBoundaries-AFG-ADM1.geojson").write_text('{"type": "FeatureCollection"}')
    results = {r.dataset.id: r for r in fetch_pack(region, tmp_path / "geo", mirror=mirror)}
    assert results["geoboundaries-afg-adm1"].action.startswith("failed: SHA-256 mismatch")
    assert not (tmp_path / "geo" / "geoBoundaries-AFG-ADM1.geojson").exists()


# -- districts on both sides: the embedded layer, and the full pack from the mirror ----------


@pytest.fixture(scope="session", params=["embedded", "pack"])
def either(request: pytest.FixtureRequest) -> Geocoder:
    """The embedded default, then (when ../shared is there) the full pack from the mirror."""
    if request.param == "embedded":
        return _shared_embedded()
    fixture: Geocoder = request.getfixturevalue("with_polygons")
    return fixture


PAKISTANI_POINTS = [
    # name, lon, lat, province, district (as the polygons and their crosswalk give it)
    ("Parachinar", 70.10083, 33.89917, "Khyber Pakhtunkhwa", "Kurram"),
    ("Landi Kotal", 71.15528, 34.10528, "Khyber Pakhtunkhwa", "Khyber"),
    ("Miranshah", 70.06889, 33.0025, "Khyber Pakhtunkhwa", "North Waziristan"),
    ("Wana", 69.59278, 32.30611, "Khyber Pakhtunkhwa", "South Waziristan"),
    ("Chaman", 66.460705, 30.918186, "Balochistan", "Killa Abdullah"),
    ("Zhob", 69.45431, 31.346921, "Balochistan", "Zhob"),
    ("Quetta", 67.0, 30.19, "Balochistan", "Quetta"),
    ("Chitral", 71.786, 35.851, "Khyber Pakhtunkhwa", "Lower Chitral"),
    ("Dalbandin", 64.4, 28.89, "Balochistan", "Chagai"),
]


@pytest.mark.parametrize(("name", "lon", "lat", "province", "district"), PAKISTANI_POINTS)
def test_pakistani_points_fall_in_todays_districts(
    either: Geocoder, name: str, lon: float, lat: float, province: str, district: str
) -> None:
    """By polygon alone: the 2019 units through polygons.csv ("Qilla Abdullah" -> Killa
    Abdullah, Chitral -> Lower Chitral); the side and the district agree."""
    boundaries = either.gazetteer.boundaries
    assert boundaries.admin([lon], [lat])[0] == ("PK", province, district), name
    assert boundaries.side([lon], [lat])[0] == "PK"


@pytest.mark.parametrize(
    ("text", "district", "precision"),
    [
        ("Blast in Chaman kills two policemen", "Chaman", 1),
        ("Firing at the Chaman border crossing", "Chaman", 1),
        ("Gunmen attack a checkpost in Qilla Abdullah", "Killa Abdullah", 2),
        ("Drone strike near Wana", "Lower South Waziristan", 1),
        ("Curfew in South Waziristan", "South Waziristan", 2),
        ("Militants attack Makeen in South Waziristan", "Upper South Waziristan", 2),
        ("Blast in Kila Saifullah", "Killa Saifullah", 2),
        ("Levies post attacked in Harnai", "Harnai", 1),
        ("TTP fighters enter Upper Chitral", "Upper Chitral", 2),
    ],
)
def test_reports_keep_todays_units_inside_older_polygons(
    either: Geocoder, text: str, district: str, precision: int
) -> None:
    location = locate(either, text)
    assert (location.country, location.admin2, location.precision) == ("PK", district, precision)


def test_the_side_decides_the_district_where_the_polygon_sets_overlap(either: Geocoder) -> None:
    """Points in both countries' polygons (Chagai, Kurram ...) or in neither near the
    line take a district of the side Natural Earth puts them on."""
    boundaries = either.gazetteer.boundaries
    admin2 = boundaries.admin2
    assert admin2 is not None
    af = shapely.union_all(
        [g for g, la in zip(admin2.geoms, admin2.labels, strict=True) if la[0] == "AF"]
    )
    pk = shapely.union_all(
        [g for g, la in zip(admin2.geoms, admin2.labels, strict=True) if la[0] == "PK"]
    )
    overlap = shapely.intersection(af, pk)
    assert overlap.area > 0.1  # square degrees: about 1,000 km² or more
    gaps = shapely.difference(
        shapely.union(boundaries.countries["AF"], boundaries.countries["PK"]), shapely.union(af, pk)
    )
    rng = np.random.default_rng(3)
    for region in (overlap, shapely.intersection(gaps, shapely.buffer(boundaries.line, 0.05))):
        minx, miny, maxx, maxy = region.bounds
        xs, ys = rng.uniform(minx, maxx, 200_000), rng.uniform(miny, maxy, 200_000)
        inside = shapely.contains_xy(region, xs, ys)
        xs, ys = xs[inside][:300], ys[inside][:300]
        assert len(xs) > 30
        sides = boundaries.side(xs, ys)
        labels = boundaries.admin(xs, ys)
        assert {"AF", "PK"} <= set(sides)
        for side, label in zip(sides, labels, strict=True):
            if side is not None:
                assert label is not None
                assert label[0] == side


@pytest.mark.parametrize(
    ("text", "province", "district"),
    [
        ("Mortar fire hits Bermel district of Paktika", "Paktika", "Barmal"),
        ("Eight Taliban killed in Zherai district, Kandahar", "Kandahar", "Zhari"),
        ("Pakistani shelling in Dand-e-Patan kills four", "Paktia", "Dand Patan"),
        ("Clashes in Sabari district of Khost", "Khost", "Sabri"),
        ("Airstrike in Arghandab district of Zabul", "Zabul", "Arghandab"),
        ("Fighting in Arghandab district, Kandahar province", "Kandahar", "Arghandab"),
        ("Drone strike in Nahr-e Saraj", "Helmand", "Nahri Sarraj"),
        ("Roadside bomb in Yahya Khail", "Paktika", "Yahya Khel"),
        ("Rockets fired at Terezai", "Khost", "Tere Zayi"),
        ("سپین بولدک کې نښته", "Kandahar", "Spin Boldak"),
        ("ISKP attack in Achin", "Nangarhar", "Acheen"),
    ],
)
def test_afghan_districts_named_in_text(
    embedded: Geocoder, text: str, province: str, district: str
) -> None:
    """Out of the box: every Afghan district with its spellings and Dari/Pashto names."""
    location = locate(embedded, text)
    assert (location.country, location.admin1, location.admin2) == ("AF", province, district)


def test_a_bare_district_centre_is_the_town_and_a_district_cue_the_district(
    embedded: Geocoder,
) -> None:
    assert locate(embedded, "Clashes in Spin Boldak").precision == 1
    assert locate(embedded, "Clashes in Spin Boldak district").precision == 2


@pytest.mark.parametrize(
    ("text", "admin1", "also"),
    [
        (
            "Pakistan Conducts Drone, Mortar Strikes in Nangarhar and Paktia",
            "Nangarhar",
            ("Paktia",),
        ),
        ("Pakistani strikes on Paktia and Paktika kill 12", "Paktia", ("Paktika",)),
        ("Airstrikes in Barmal, Paktika and in Khost kill civilians", "Paktika", ("Khost",)),
        # An earlier event's place is not this event's.
        (
            "Two days after the blast in Bannu, militants attacked a post in Kalat",
            "Balochistan",
            (),
        ),
        ("Blast in Barmal district of Paktika", "Paktika", ()),
    ],
)
def test_multi_province_reports_keep_every_province(
    embedded: Geocoder, text: str, admin1: str, also: tuple[str, ...]
) -> None:
    location = locate(embedded, text)
    assert (location.admin1, location.also_admin1) == (admin1, also)


def test_the_other_countrys_provinces_are_another_event(embedded: Geocoder) -> None:
    """An action and its answer across the line: one side's place is the location, the
    other side's is not added to it."""
    location = locate(embedded, "Clashes in Kurram and Khost as border posts exchange fire")
    assert location.also_admin1 == ()


def test_analyze_output_carries_the_extra_provinces_and_reads_old_records(
    embedded: Geocoder,
) -> None:
    from durandwatch.codec import report_from_record, report_record

    report = Analyzer(embedded).analyze(
        "t", "Pakistani strikes on Paktia and Paktika kill 12", published=NOW
    )
    out = report_json(report)["location"]
    assert (out["admin1"], out["also_admin1"]) == ("Paktia", ["Paktika"])
    record = report_record(report)
    assert report_from_record(json.loads(json.dumps(record))).geo.location == report.geo.location
    del record["location"]["also_admin1"]  # stored before the field existed
    old = report_from_record(record).geo.location
    assert old is not None
    assert old.also_admin1 == ()
