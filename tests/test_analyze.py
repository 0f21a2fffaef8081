"""``analyze``: a golden corpus of texts with the expected output beside it, and its contract.

``tests/golden/analyze/corpus.jsonl`` holds texts (invented reports in outlets' styles, the
sample feeds' items, a few headlines); ``expected.jsonl`` the analysis of each. A change to
a word list or a rule shows its effect here, line by line, in review. After a deliberate
change, regenerate the expectations with
``DURANDWATCH_UPDATE_GOLDEN=1 python -m pytest tests/test_analyze.py`` and read the diff.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.analyze import Analyzer, analyze_lines
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.region import load_region

from .conftest import GOLDEN

CORPUS = GOLDEN / "analyze" / "corpus.jsonl"
EXPECTED = GOLDEN / "analyze" / "expected.jsonl"
ANALYZER = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def outputs() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return list(analyze_lines(ANALYZER, lines, now=NOW))


def test_the_golden_corpus_reads_as_expected() -> None:
    got = outputs()
    if os.environ.get("DURANDWATCH_UPDATE_GOLDEN"):
        pretty = [json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) for line in got]
        EXPECTED.write_text("\n".join(pretty) + "\n", encoding="utf-8")
    expected = EXPECTED.read_text(encoding="utf-8").splitlines()
    assert len(got) == len(expected)
    for line, want in zip(got, expected, strict=True):
        have = json.loads(line)
        assert have == json.loads(want), f"{have['id']} reads differently"


def test_output_is_one_line_per_input_line_in_order() -> None:
    lines = [
        json.dumps({"id": "a", "text": "Blast in Bannu kills two"}),
        "",
        "not json",
        json.dumps({"id": "b", "text": 5}),
        json.dumps(["a list"]),
        json.dumps({"id": "c", "text": "Cricket in Karachi", "published": "2025-01-01"}),
    ]
    out = [json.loads(x) for x in analyze_lines(ANALYZER, lines, now=NOW)]
    assert [o.get("id") for o in out] == ["a", None, None, "b", None, "c"]
    assert out[0]["relevant"] is True
    assert all("error" in o for o in out[1:5])
    assert out[5]["relevant"] is False
    for key in (
        "relevant",
        "event_type",
        "sub_event_type",
        "fatalities",
        "actors",
        "cross_border",
        "direction",
        "places",
        "location",
    ):
        assert key in out[0]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_analyze_never_raises_on_any_text(text: str) -> None:
    report = ANALYZER.analyze("x", text, published=NOW)
    assert report.extraction.fatalities is None or report.extraction.fatalities >= 0
    assert report.extraction.direction in (None, "PK->AF", "AF->PK", "both")


@pytest.mark.parametrize(
    "text",
    [
        "UNAMA: Four civilians killed, 14 injured in Pakistani airstrike in Kabul",
        "Pakistani jets strike suspected TTP hideouts in Paktika's Barmal district",
    ],
)
def test_a_named_foreign_means_decides_the_side(text: str) -> None:
    ex = ANALYZER.analyze("x", text, published=NOW).extraction
    assert ex.cross_border
    assert ex.direction == "PK->AF"
