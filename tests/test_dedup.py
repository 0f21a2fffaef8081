"""Merging reports into incidents: the rules, wire copies, and order independence."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.analyze import Analyzer, Report
from durandwatch.codec import report_from_record, report_record
from durandwatch.dedup import WIRE_COPY, independent_outlets, jaccard, merge_reports, shingles
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.region import load_region

T0 = datetime(2024, 12, 25, 6, 0, tzinfo=UTC)

REPORTS = [
    # id, outlet, hours after T0, text
    (
        "a1",
        "Dawn",
        0,
        "Pakistani jets strike suspected TTP hideouts in Paktika's Barmal district, "
        "killing dozens of militants, security sources say",
    ),
    (
        "a2",
        "TOLOnews",
        5,
        "Taliban say Pakistani airstrikes in Barmal district of Paktika killed "
        "46 people, mostly women and children",
    ),
    (
        "a3",
        "Al Jazeera",
        9,
        "At least 46 killed as Pakistani air strikes hit Paktika's Barmal, Taliban officials say",
    ),
    (
        "a4",
        "Reuters",
        10,
        "Pakistani airstrikes on Afghanistan kill 46 people, Taliban official "
        "says; strikes hit Barmal district in Paktika",
    ),
    (
        "a5",
        "Reuters copy",
        11,
        "Pakistani airstrikes on Afghanistan kill 46 people, Taliban "
        "official says; strikes hit Barmal district in Paktika",
    ),
    (
        "b1",
        "Dawn",
        80,
        "Afghan forces fire on Pakistani border posts in Kurram, one soldier killed",
    ),
    (
        "b2",
        "Tribune",
        84,
        "Pakistani posts in Kurram came under fire from across the border; "
        "a Frontier Corps soldier was martyred",
    ),
    ("c1", "Dawn", 30, "Roadside bomb kills four in Bajaur"),
    ("d1", "Tribune", 30, "Suicide bomber kills 12 at police station in Bannu"),
    ("e1", "Geo", 200, "Roadside bomb kills two in Bajaur"),
]


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    analyzer = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
    return [
        analyzer.analyze(i, text, published=T0 + timedelta(hours=h), source=outlet)
        for i, outlet, h, text in REPORTS
    ]


def by_report(incidents: list) -> dict[str, object]:  # type: ignore[type-arg]
    return {s.report_id: inc for inc in incidents for s in inc.sources}


def test_reports_of_one_event_merge(reports: list[Report]) -> None:
    incidents = merge_reports(reports)
    index = by_report(incidents)
    barmal = index["a1"]
    assert {s.report_id for s in barmal.sources} == {"a1", "a2", "a3", "a4", "a5"}
    assert index["b1"] is index["b2"]
    assert index["c1"] is not index["e1"]  # same place and type, eight days apart
    assert index["c1"] is not index["d1"]  # same day, other district and type
    assert len(incidents) == 5


def test_incident_summary(reports: list[Report]) -> None:
    barmal = by_report(merge_reports(reports))["a1"]
    assert barmal.fatalities == 12  # the most conservative figure: "dozens" of militants
    assert barmal.fatalities_range == (12, 46)
    assert barmal.first_reported == T0
    assert barmal.location.admin2 == "Barmal"
    assert barmal.event_type == "Explosions/Remote violence"
    assert barmal.cross_border
    assert barmal.direction == "PK->AF"
    # Five reports from five outlet names, but a5 copies a4 word for word.
    assert barmal.outlets == 4
    assert barmal.confirmed


def test_id_is_stable_when_later_reports_join(reports: list[Report]) -> None:
    early = merge_reports(reports[:1])
    later = merge_reports(reports)
    assert by_report(later)["a1"].id == early[0].id


def test_irrelevant_reports_are_left_out(reports: list[Report]) -> None:
    analyzer = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
    sport = analyzer.analyze("s", "Pakistan beat South Africa at Cape Town", published=T0)
    assert merge_reports([sport]) == []


def test_records_round_trip(reports: list[Report]) -> None:
    again = [report_from_record(report_record(r)) for r in reports]
    assert [i.id for i in merge_reports(again)] == [i.id for i in merge_reports(reports)]
    assert again[0].extraction == reports[0].extraction
    assert again[0].geo.location == reports[0].geo.location


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(len(REPORTS))))
def test_any_input_order_gives_the_same_incidents(order: list[int]) -> None:
    reports = _cached_reports()
    baseline = merge_reports(reports)
    shuffled = merge_reports([reports[i] for i in order])
    assert shuffled == baseline


_CACHE: dict[str, list[Report]] = {}


def _cached_reports() -> list[Report]:
    if "r" not in _CACHE:
        analyzer = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
        _CACHE["r"] = [
            analyzer.analyze(i, text, published=T0 + timedelta(hours=h), source=outlet)
            for i, outlet, h, text in REPORTS
        ]
    return _CACHE["r"]


def _flood(base: Report, size: int, outlets: int) -> list[Report]:
    words = [
        "officials",
        "said",
        "the",
        "attack",
        "also",
        "wounded",
        "several",
        "others",
        "near",
        "the",
        "market",
    ]
    rng = random.Random(7)
    return [
        replace(
            base,
            id=f"f{i:05d}",
            text=f"{base.text} {' '.join(rng.choice(words) for _ in range(8))} ({i})",
            published=T0 + timedelta(seconds=5 * i),
            source=f"outlet-{i % outlets}",
        )
        for i in range(size)
    ]


def test_a_flood_of_near_identical_reports_merges_in_linear_time(reports: list[Report]) -> None:
    # 4,000 look-alike reports of one strike took 22-34 s (16,000: 772 s): every report
    # was compared with every earlier one, and so was every story for wire copies.
    flood = _flood(reports[0], 4000, outlets=40)
    start = time.perf_counter()
    incidents = merge_reports(flood)
    elapsed = time.perf_counter() - start
    assert [len(i.sources) for i in incidents] == [4000]
    assert incidents[0].outlets == 40
    assert elapsed < 10, f"{elapsed:.1f} s to merge 4,000 reports"


def _outlets_compared_with_every_story(members: list[Report]) -> int:
    """independent_outlets as it was, with no early end and no bound: the reference."""
    marks = [shingles(m.text) for m in members]
    stories: list[int] = []
    for i in range(len(members)):
        if not any(jaccard(marks[i], marks[s]) >= WIRE_COPY for s in stories):
            stories.append(i)
    return len({members[s].source or f"unknown-{s}" for s in stories})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["Dawn", "Geo", "Tribune", None])),
        min_size=1,
        max_size=30,
    )
)
def test_outlet_count_is_unchanged_below_the_bounds(rows: list[tuple[int, str | None]]) -> None:
    base = _cached_reports()[0]
    texts = [r.text for r in _cached_reports()]
    members = [
        replace(base, id=f"m{k}", text=texts[t], source=source)
        for k, (t, source) in enumerate(rows)
    ]
    marks = [shingles(m.text) for m in members]
    assert independent_outlets(members, marks) == _outlets_compared_with_every_story(members)
