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
from pathlib import Path

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


# -- the relevance gate a replay uses (Analyzer.analyze_if_relevant) ------------------------


def _gate_corpus() -> list[str]:
    """Texts of every kind the repository holds: the golden corpus, the labelled
    cross-border reports, non-incident headlines and ordinary sentences."""
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    data = GOLDEN.parent.parent / "bench" / "data"
    for name in ("written_reports.jsonl", "written_reports_2.jsonl"):
        for line in (data / "crossborder" / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts.append(f"{record['title']}\n{record.get('summary') or ''}")
    for name in ("non_incidents.txt", "non_incidents_heldout.txt", "ordinary_sentences.txt"):
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        texts += [t for t in lines if t.strip() and not t.startswith("#")]
    return texts


def _gate_holds(texts: list[str]) -> int:
    """Check every text: gated means not relevant, and a relevant report is the same
    report both ways. Return how many texts the gate settled."""
    settled = 0
    for n, text in enumerate(texts):
        full = ANALYZER.analyze(str(n), text, published=NOW)
        quick = ANALYZER.analyze_if_relevant(str(n), text, published=NOW)
        if quick is None:
            assert not full.extraction.relevant, text
            settled += not ANALYZER.extractor.could_be_relevant(text)
        else:
            assert quick == full, text
    return settled


def test_the_gate_settles_only_texts_that_are_not_relevant() -> None:
    texts = _gate_corpus()
    settled = _gate_holds(texts)
    assert len(texts) > 400
    # Not vacuous: most non-incident headlines and ordinary sentences are settled.
    assert settled > len(texts) // 4, (settled, len(texts))


@pytest.mark.shared
def test_the_gate_holds_on_the_development_set(shared_dir: Path) -> None:
    import csv

    with (shared_dir / "eval" / "dev.csv").open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    _gate_holds(texts)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(sorted({w for t in _gate_corpus()[:200] for w in t.split()})), max_size=30
    )
)
def test_the_gate_holds_on_recombined_words(words: list[str]) -> None:
    _gate_holds([" ".join(words)])
