"""Escalation: units and their nesting, the two axes, levels, exchanges, properties."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.codec import alert_record
from durandwatch.escalation import (
    LINE,
    Assessment,
    History,
    IncidentView,
    Unit,
    alert_id,
    assess,
    assess_unit,
    exchange_chain,
    units_of,
)
from durandwatch.lifecycle import advance, alert_of
from durandwatch.region import load_region
from durandwatch.rules import LEVELS, load_rules

RULES = load_rules()
SECTORS = load_region().sectors
DAY = date(2024, 12, 28)
EPOCH = DAY - timedelta(days=800)
SUBTYPES = [
    "Air/drone strike",
    "Suicide bomb",
    "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED",
    "Armed clash",
    "Attack",
    "Arrests",
    "Other",
]
PLACES = [
    ("PK", "Khyber Pakhtunkhwa", "Kurram"),
    ("AF", "Paktika", "Barmal"),
    ("PK", "Khyber Pakhtunkhwa", "Khyber"),
    ("AF", "Khost", None),
    ("PK", "Khyber Pakhtunkhwa", "North Waziristan"),
    ("PK", "Balochistan", "Killa Abdullah"),
]
KURRAM = Unit("district", "PK", "Khyber Pakhtunkhwa", "Kurram")
KP = Unit("province", "PK", "Khyber Pakhtunkhwa")


def view(
    n: int,
    *,
    day: date = DAY,
    sub: str = "Armed clash",
    place: int = 0,
    deaths: int | None = None,
    direction: str | None = None,
    outlets: int = 1,
) -> IncidentView:
    country, admin1, admin2 = PLACES[place]
    return IncidentView(
        id=f"inc-{n}",
        title=f"incident {n}",
        event_date=day,
        event_type="Battles",
        sub_event_type=sub,
        fatalities=deaths,
        country=country,
        admin1=admin1,
        admin2=admin2,
        place=admin2 or admin1,
        place_kind="district" if admin2 else "province",
        precision=2 if admin2 else 3,
        lat=33.0,
        lon=70.0,
        distance_km=20.0,
        cross_border=direction is not None,
        direction=direction,
        outlets=outlets,
        claimed_by=(),
        actors=(),
        sources=((f"outlet{n}", None),),
    )


def history(items: list[IncidentView]) -> History:
    return History(items, sectors=SECTORS, covered_since=EPOCH)


incidents = st.builds(
    view,
    n=st.integers(0, 10_000),
    day=st.integers(0, 60).map(lambda k: DAY - timedelta(days=k)),
    sub=st.sampled_from(SUBTYPES),
    place=st.integers(0, len(PLACES) - 1),
    deaths=st.one_of(st.none(), st.integers(0, 500)),
    direction=st.sampled_from([None, "PK->AF", "AF->PK", "both"]),
    outlets=st.integers(1, 6),
)


def unique(items: list[IncidentView]) -> list[IncidentView]:
    return list({i.id: i for i in items}.values())


def by_unit(found: list[Assessment], kind: str = "escalation") -> dict[Unit, Assessment]:
    return {a.unit: a for a in found if a.kind == kind}


# -- units --------------------------------------------------------------------------------


def test_an_incident_counts_for_every_unit_above_it() -> None:
    kurram = units_of(view(1, place=0), SECTORS)
    assert [u.level for u in kurram] == ["district", "province", "sector", "line"]
    assert kurram[2].sector == "kurram"
    khost = units_of(view(2, place=3), SECTORS)  # placed at province level only
    assert [u.level for u in khost] == ["province", "sector", "line"]
    assert khost[1].sector == "waziristan"
    kp_only = dataclasses.replace(view(3), admin2=None, precision=3)
    # Khyber Pakhtunkhwa spans five sectors: a report placed only there has no sector.
    assert [u.level for u in units_of(kp_only, SECTORS)] == ["province", "line"]


def test_every_border_district_and_province_has_one_sector() -> None:
    import csv

    from durandwatch.resources import data_path

    with data_path("geo", "admin.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["level"] == "2" and row["parent"] in ("Khyber Pakhtunkhwa", "Balochistan"):
            assert SECTORS.sector_of("PK", row["parent"], row["name"]), row["name"]
    for province in load_region().aoi_admin1:
        country = "PK" if province in ("Khyber Pakhtunkhwa", "Balochistan") else "AF"
        if province == "Gilgit-Baltistan":
            country = "PK"
        if country == "AF" or province == "Gilgit-Baltistan":
            assert SECTORS.sector_of(country, province, None), province
    assert SECTORS.sector_of("AF", "Paktika", "Gomal") == "zhob"  # a district override
    assert SECTORS.sector_of("AF", "Paktika", "Barmal") == "waziristan"


# -- the escalation axis ---------------------------------------------------------------


def steady(unit_place: int, rate_per_week: float, start: date, end: date, seed: int) -> list:
    """A flat history: Poisson counts at a steady rate, one incident per count."""
    rng = np.random.default_rng(seed)
    items = []
    day, n = start, 0
    while day <= end:
        for _ in range(int(rng.poisson(rate_per_week / 7))):
            items.append(view(seed * 1_000_000 + n, day=day, place=unit_place))
            n += 1
        day += timedelta(days=1)
    return items


def test_a_surge_in_one_province_is_alerted_on_the_day_it_crosses_the_threshold() -> None:
    # Two incidents a month in North Waziristan for a year, then three a day.
    start = DAY - timedelta(days=400)
    calm = [view(k, day=start + timedelta(days=15 * k), place=4) for k in range(26)]
    surge_start = DAY - timedelta(days=6)
    surge = [view(1000 + k, day=surge_start + timedelta(days=k // 3), place=4) for k in range(21)]
    h = history([*calm, *surge])
    levels = {}
    for offset in range(7):
        day = surge_start + timedelta(days=offset)
        found = by_unit(assess(h, day, RULES))
        levels[offset] = found[KP].level if KP in found else "green"
    # Day 0: three incidents in one day in a province that sees two a month: the burst
    # test needs an active unit (2 in the baseline), the surge test 3 in the window.
    assert levels[0] in ("orange", "red")
    assert all(level in ("orange", "red") for level in levels.values())
    first = by_unit(assess(h, surge_start, RULES))[KP]
    assert any(r.startswith(("surge:", "burst:")) for r in first.reasons)
    assert "North Waziristan" in {d.name for d in first.drivers}


def test_two_incidents_are_not_a_surge_however_quiet_the_baseline() -> None:
    h = history([view(k, day=DAY - timedelta(days=2 * k)) for k in range(2)])
    found = by_unit(assess(h, DAY, RULES))
    assert found[KURRAM].level == "green"
    surge = next(t for t in found[KURRAM].tests if t.name == "surge")
    assert surge.level == "green"
    assert surge.observed == 2


def test_escalation_waits_for_enough_history() -> None:
    burst = [view(k, day=DAY - timedelta(days=k % 3)) for k in range(8)]
    young = History(burst, sectors=SECTORS, covered_since=DAY - timedelta(days=10))
    found = by_unit(assess(young, DAY, RULES))
    assert found[KURRAM].level == "green"
    assert "once 35 days are monitored" in found[KURRAM].tests[0].reason
    assert by_unit(assess(history(burst), DAY, RULES))[KURRAM].level in ("orange", "red")


def test_severity_is_a_separate_axis_and_flagged_once() -> None:
    bomb = view(1, sub="Suicide bomb", deaths=60, place=0)
    found = by_unit(assess(history([bomb]), DAY, RULES))
    district = found[KURRAM]
    assert district.level == "yellow"  # severe, but one incident is no escalation
    assert district.severity.level in ("high", "extreme")
    assert any("not (yet) an escalation" in r for r in district.reasons)
    # The province, sector and line do not repeat the same yellow.
    assert found[KP].level == "green"
    assert found[LINE].level == "green"


def test_a_severe_surge_is_red() -> None:
    start = DAY - timedelta(days=200)
    calm = [view(k, day=start + timedelta(days=20 * k)) for k in range(10)]
    strikes = [
        view(100 + k, day=DAY - timedelta(days=k), sub="Air/drone strike", deaths=15)
        for k in range(4)
    ]
    found = by_unit(assess(history([*calm, *strikes]), DAY, RULES))
    assert found[KURRAM].level == "red"
    assert found[KURRAM].severity.deaths == 60


def test_silence_is_flagged_not_calm() -> None:
    # Khyber reported about 10 a week; then Kurram erupts and Khyber falls silent.
    past = [view(k, day=DAY - timedelta(days=10 + k % 25), place=2) for k in range(40)]
    burst = [
        view(100 + k, day=DAY - timedelta(days=k % 4), sub="Air/drone strike") for k in range(30)
    ]
    found = by_unit(assess(history([*past, *burst]), DAY, RULES))
    assert found[KP].level in ("orange", "red")
    khyber = found[Unit("district", "PK", "Khyber Pakhtunkhwa", "Khyber")]
    assert khyber.silence
    assert khyber.level != "green"
    assert "silence may mean a blackout" in khyber.reasons[-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(incidents, min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(items: list[IncidentView], rnd) -> None:  # type: ignore[no-untyped-def]
    items = unique(items)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert assess(history(items), DAY, RULES) == assess(history(shuffled), DAY, RULES)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(incidents, max_size=30),
    st.integers(0, RULES.recent_days - 1),
    st.integers(0, len(PLACES) - 1),
)
def test_adding_an_incident_in_the_window_never_lowers_the_evidence(
    items: list[IncidentView], days_ago: int, place: int
) -> None:
    base = unique(items)
    extra = view(99_999, day=DAY - timedelta(days=days_ago), place=place)
    before = {a.unit: a for a in assess(history(base), DAY, RULES) if a.kind == "escalation"}
    after = {
        a.unit: a for a in assess(history([*base, extra]), DAY, RULES) if a.kind == "escalation"
    }
    for unit in units_of(extra, SECTORS):
        if unit in before:
            assert after[unit].evidence >= before[unit].evidence
            assert (
                LEVELS.index(after[unit].level)
                >= min(LEVELS.index(before[unit].level), LEVELS.index("orange"))
                or before[unit].silence
            )


@settings(max_examples=150, deadline=None)
@given(st.lists(incidents, max_size=40))
def test_assessments_are_well_formed(items: list[IncidentView]) -> None:
    for a in assess(history(unique(items)), DAY, RULES):
        assert a.level in LEVELS
        assert 0 <= a.score <= 100
        assert 0 <= a.severity.points <= 100
        assert a.reasons
        for t in a.tests:
            assert t.p_value is None or 0 <= t.p_value <= 1
        alert = alert_of(advance({}, [a], DAY)[1][0]) if a.level != "green" else None
        if alert is not None:
            assert alert.unit in ("district", "province", "sector", "line")
            json.dumps(alert_record(alert))


#: The documented ceiling (alerts/rules.toml) of orange-or-red days per unit-month on a
#: steady history, by steady rate (incidents a week).
FLAT_CEILING = ((0.5, 1.0), (10.0, 6.0), (math.inf, 1.5))


@settings(max_examples=8, deadline=None)
@given(st.floats(0.1, 30.0), st.integers(1, 10_000))
def test_a_flat_history_alerts_no_more_than_documented(rate: float, seed: int) -> None:
    start = DAY - timedelta(days=400 + 730)
    items = steady(0, rate, start, DAY, seed)
    h = History(sectors=SECTORS, covered_since=start)
    by_day: dict[date, list[IncidentView]] = {}
    for item in items:
        by_day.setdefault(item.event_date, []).append(item)
    hot = 0
    day = start
    while day <= DAY:
        h.update(by_day.get(day, []))
        if day > start + timedelta(days=400):
            hot += assess_unit(h, KURRAM, day, RULES).level in ("orange", "red")
        day += timedelta(days=1)
    per_month = hot / (730 / 30.44)
    ceiling = next(c for top, c in FLAT_CEILING if rate <= top)
    assert per_month <= ceiling, f"{per_month:.2f} orange-or-red days a month at {rate:.2f}/week"


# -- cross-border exchanges ------------------------------------------------------------


def test_tit_for_tat_is_its_own_alert_with_the_chain() -> None:
    strikes = view(1, day=DAY - timedelta(days=4), sub="Air/drone strike", place=1, deaths=46)
    strikes = dataclasses.replace(strikes, direction="PK->AF", cross_border=True)
    # Afghan fire on Pakistani posts in North Waziristan: the same (Waziristan) sector.
    answer = view(2, day=DAY - timedelta(days=1), sub="Shelling/artillery/missile attack", place=4)
    answer = dataclasses.replace(answer, direction="AF->PK", cross_border=True)
    again = dataclasses.replace(
        view(3, day=DAY, sub="Air/drone strike", place=1), direction="PK->AF", cross_border=True
    )
    found = by_unit(assess(history([strikes, answer, again]), DAY, RULES), "exchange")
    sector = found[Unit("sector", sector="waziristan")]
    assert sector.level == "red"  # three steps: strike, answer, strike again
    assert len(sector.chain) == 3
    text = " ".join(sector.reasons)
    assert "Pakistani air/drone strike in Barmal (Paktika) answered by Afghan shelling" in text
    assert "within 96 h" in text
    assert found[LINE].level == "red"
    assert sector.alert_id != alert_id(sector.unit)  # its own kind, its own id


def test_answers_are_paired_within_a_sector() -> None:
    strikes = dataclasses.replace(
        view(1, day=DAY - timedelta(days=3), sub="Air/drone strike", place=1),
        direction="PK->AF",
        cross_border=True,
    )
    far = dataclasses.replace(view(2, day=DAY, place=5), direction="AF->PK", cross_border=True)
    found = by_unit(assess(history([strikes, far]), DAY, RULES), "exchange")
    # Barmal (Waziristan sector) and Killa Abdullah (Chaman sector): no exchange.
    assert found[Unit("sector", sector="waziristan")].level == "yellow"
    assert found[Unit("sector", sector="chaman")].level == "yellow"
    assert found[LINE].level == "yellow"


def test_an_exchange_of_fire_is_both_sides_acting() -> None:
    both = dataclasses.replace(view(1, place=5), direction="both", cross_border=True)
    chain = exchange_chain([both], RULES.reciprocity_days)
    assert chain == [both]
    found = by_unit(assess(history([both]), DAY, RULES), "exchange")
    assert found[Unit("sector", sector="chaman")].level == "orange"
    assert "exchange of fire" in " ".join(found[Unit("sector", sector="chaman")].reasons)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**16), st.floats(0.5, 12.0))
def test_forgetting_the_far_past_changes_no_assessment(seed: int, rate: float) -> None:
    # What a long replay drops (incidents older than its view, counts older than the
    # longest window) is never read by the assessment of the following days.
    from durandwatch.replay import VIEW_DAYS

    start = EPOCH + timedelta(days=1)
    items = [
        dataclasses.replace(v, direction=d, cross_border=d is not None)
        for v, d in zip(
            steady(seed % len(PLACES), rate, start, DAY, seed),
            [None, None, None, "PK->AF", "AF->PK"] * 10_000,
            strict=False,
        )
    ]
    items += [view(k + 9_000_000, day=DAY - timedelta(days=k % 5), place=k % 6) for k in range(12)]
    full, pruned = history(items), history(items)
    cut = DAY - timedelta(days=7)
    pruned.forget(
        incidents_before=cut - timedelta(days=VIEW_DAYS),
        counts_before=cut - timedelta(days=RULES.history_days + 7),
    )
    for day in (cut + timedelta(days=k) for k in range(8)):
        assert assess(full, day, RULES) == assess(pruned, day, RULES)


@settings(max_examples=80, deadline=None)
@given(st.lists(incidents, max_size=40), st.integers(0, 2**16), st.floats(0.5, 20.0))
def test_judging_only_for_alerts_gives_the_same_alerts(
    items: list[IncidentView], seed: int, rate: float
) -> None:
    base = steady(seed % len(PLACES), rate, DAY - timedelta(days=500), DAY, seed)
    h = history(unique([*base, *items]))
    full = assess(h, DAY, RULES)
    quick = assess(h, DAY, RULES, only_alerts=True)
    assert [a for a in full if a.level != "green"] == [a for a in quick if a.level != "green"]
    assert {a.alert_id: a.level for a in full} == {a.alert_id: a.level for a in quick}
