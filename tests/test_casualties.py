"""Deaths in a report's event (extract/casualties.py): sentences, groups, claims, updates."""

from __future__ import annotations

import time

import pytest

from durandwatch.extract.casualties import count_fatalities, count_injured
from durandwatch.numbers import MAX_TOLL, number_value, parse_number


@pytest.mark.parametrize(
    ("text", "deaths"),
    [
        # Groups of one event add up (ACLED counts all sides).
        (
            "Five soldiers martyred in khwarij attack on Bannu checkpoint\nFive soldiers were "
            "martyred when khwarij rammed a vehicle into the checkpoint. Four attackers were "
            "also killed.",
            9,
        ),
        ("Two soldiers, three militants killed in Kurram", 5),
        # Outlets disagreeing on one group: the conservative figure.
        ("Pakistani mortars kill two in Dand-e-Patan; Paktia officials: three civilians killed", 2),
        # A count beats "dozens"; an explicit update beats earlier figures.
        ("Gunmen attack convoy in Kurram; dozens killed. Police said at least 42 people died.", 42),
        ("Bomb kills two at election rally; UPDATE 1-Blast at election rally kills 15", 15),
        ("Death toll from Quetta railway station bombing rises to 26", 26),
        # "22 more" with a running total: the event is the 22.
        ("Pak forces kill 22 more terrorists in Balochistan, death toll rises to 177", 22),
        # A party's claim of the enemy's losses only when nothing else gives a figure.
        (
            "Pakistani jets struck hideouts in Barmal. Pakistani security sources claimed that "
            "30 militants were killed. Residents said at least eight people died.",
            8,
        ),
        ("150 Pakistani soldiers killed in Afghan counterattacks: Khwarazmi", 150),
        # Lone victims, bodies, deaths of.
        ("A soldier lost his life in a roadside explosion outside Nushki", 1),
        ("Bodies of two brothers recovered from Bannu Airport Road", 2),
        ("IED hit a vehicle, resulting in the death of the driver", 1),
        ("Militants shot dead a policeman in Lakki Marwat", 1),
        ("Local officials said forces fired mortars, killing a shopkeeper", 1),
        ("Four Balochistan Liberation Army (BLA) terrorists were killed in a raid", 4),
        ("Four terrorists including a key \u2018commander\u2019 were killed in a clash", 4),
        # Not tolls: dates, ordinals, years, the injured.
        ("On February 6, a policeman was killed near Chaman", 1),
        ("108th Canadian soldier killed in Afghanistan", 1),
        ("Militants killed 2 and injured 5 in Bannu", 2),
        ("Mortar shells wounded three children. No one was killed, officials said.", 0),
        ("No immediate word on casualties after the blast", None),
    ],
)
def test_a_reports_toll(text: str, deaths: int | None) -> None:
    assert count_fatalities(text)[0] == deaths


def test_a_range_keeps_its_low_end_and_its_spread() -> None:
    assert count_fatalities("between 10 and 15 killed in clashes") == (10, (10, 15))


def test_absurd_numbers_are_claims_not_tolls() -> None:
    huge = "9" * 310
    assert count_fatalities(f"{huge} people were killed in the attack")[0] is None
    grouped = ",".join(["1", *["000"] * 60])
    assert count_fatalities(f"{grouped} killed")[0] is None
    assert count_fatalities("hundred " * 185 + "killed")[0] in (None, 100)
    assert number_value(["9" * 5000])[0] == MAX_TOLL * 1000
    assert parse_number("forty-six") == 46
    assert count_injured("14 injured, 3 killed") == 14


def test_hostile_text_costs_linear_time() -> None:
    texts = ["one-" * 20_000 + " killed", "killed " * 20_000, "1," * 30_000 + "000 killed"]
    for text in texts:
        start = time.perf_counter()
        count_fatalities(text)
        assert time.perf_counter() - start < 2.0
