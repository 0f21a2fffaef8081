"""Who acted on whom across the line (extract/direction.py), on the failures of issue 11."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from durandwatch.analyze import Analyzer, Report
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.region import load_region

ANALYZER = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
NOW = datetime(2026, 2, 28, 12, tzinfo=UTC)


def read(text: str) -> Report:
    return ANALYZER.analyze("t", text, published=NOW)


def acting(report: Report) -> set[str]:
    return {a.id for a in report.extraction.actors if a.role == "actor1"}


def test_a_foreign_means_is_not_overridden_by_the_side_of_the_place() -> None:
    # It was an *Afghan* air strike in Kabul: the side of the place taken as the actor.
    report = read("UNAMA: Four civilians killed, 14 injured in Pakistani airstrike in Kabul")
    assert report.geo.location is not None
    assert report.geo.location.admin1 == "Kabul"
    assert report.extraction.direction == "PK->AF"
    assert report.extraction.crossing is not None
    assert report.extraction.crossing.evidence == "Pakistani airstrike"
    assert report.extraction.crossing.claimed is False  # UNAMA: a third party
    assert "pk-forces" in acting(report)


def test_the_means_names_the_actor_not_the_ttp() -> None:
    report = read("Three children killed in Pakistani airstrike on Kunar province")
    assert report.extraction.direction == "PK->AF"
    assert acting(report) == {"pk-forces"}


@pytest.mark.parametrize(
    ("text", "claimed"),
    [
        ("Four civilians killed, 16 injured in fresh Pakistani attacks in Khost", False),
        ("Afghan Taliban accuse Pakistan of six civilian casualties over past day", True),
        (
            "Taliban say dozens of Afghan civilians killed, wounded in Pakistan's attacks",
            True,
        ),
        ("Pakistan carries out airstrikes inside Afghanistan as border war continues", False),
    ],
)
def test_pakistani_action_on_afghan_soil(text: str, claimed: bool) -> None:
    crossing = read(text).extraction.crossing
    assert crossing is not None
    assert crossing.direction == "PK->AF"
    assert crossing.claimed is claimed


@pytest.mark.parametrize(
    "text",
    [
        "Mortar fired from Afghanistan hits a house in Kurram; two children wounded",
        "Afghan forces captured a Pakistani post near Angoor Adda after heavy fighting",
        "Islamic Emirate forces launched retaliatory operations against Pakistani military "
        "posts beyond the hypothetical Durand Line, the Ministry of National Defense said",
        "150 Pakistani soldiers killed in Afghan counterattacks: Khwarazmi",
    ],
)
def test_afghan_action_into_pakistan(text: str) -> None:
    assert read(text).extraction.direction == "AF->PK"


def test_an_exchange_of_fire_with_no_initiator_is_both_sides() -> None:
    report = read(
        "Pakistani and Afghan border forces exchanged heavy fire at the Torkham crossing "
        "on Tuesday night; no casualties were reported."
    )
    assert report.extraction.direction == "both"
    assert report.extraction.crossing is not None
    assert report.extraction.crossing.claimed is False
    assert {a.id for a in report.extraction.actors} >= {"pk-forces", "af-forces"}


def test_a_stated_initiator_beats_the_exchange() -> None:
    report = read(
        "Pakistani and Afghan forces traded fire in Kurram. Security officials said Afghan "
        "forces opened fire on Pakistani border posts first."
    )
    assert report.extraction.direction == "AF->PK"


@pytest.mark.parametrize(
    "text",
    [
        "Three Levies personnel martyred when khwarij who had crossed from Afghanistan "
        "attacked a post in Zhob",
        "Five khwarij killed in foiled infiltration bid at Ghulam Khan: ISPR",
        "Security forces kill 12 khwarij in North Waziristan operation",
        "Pakistan summons Afghan envoy over cross-border attacks",
    ],
)
def test_militants_crossing_and_operations_at_home_are_not_one_state_on_the_other(
    text: str,
) -> None:
    assert read(text).extraction.direction is None


def test_the_answer_is_not_the_strike_it_answers() -> None:
    report = read(
        "Afghan forces fired mortars at Pakistani posts in Kurram in retaliation for "
        "Pakistani airstrikes in Paktika that killed 46"
    )
    assert report.extraction.direction == "AF->PK"
    assert report.extraction.fatalities is None
    assert report.geo.location is not None
    assert report.geo.location.admin2 == "Kurram"
