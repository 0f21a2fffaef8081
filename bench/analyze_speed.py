#!/usr/bin/env python3
"""Analyze speed: items/s of ``Analyzer.analyze`` on multi-sentence feed items and headlines.

Sets (fixed here):

* reports: multi-sentence feed items about the border: the title and summary of every
  written report in ``bench/data/crossborder/written_reports*.jsonl``, and the 2026 rows
  of ``../shared/eval/dev.csv`` (outlets' summaries, several sentences; left out when
  ``../shared`` is absent);
* irrelevant: 300 multi-sentence items of ordinary news (a headline of
  ``bench/data/non_incidents.txt`` with three sentences of
  ``bench/data/ordinary_sentences.txt`` on the same topic, drawn with a fixed seed);
* headlines: every row of ``../shared/eval/dev.csv`` (skipped when ``../shared`` is absent).

Speed is CPU time (``time.process_time``) of analysing every item of a set, the best of
``--runs`` runs, loading excluded. ``--outputs PATH`` writes the analysis of every item of
every set as JSON Lines, to compare two versions of the code byte for byte.

Usage: ``python bench/analyze_speed.py [--runs 3] [--outputs PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from durandwatch.analyze import Analyzer, parse_published, report_json
from durandwatch.geodata import open_geocoder

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEV = HERE.parents[1] / "shared" / "eval" / "dev.csv"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
ORDINARY_ITEMS = 300

Item = tuple[str, str, datetime]  # id, text, published


def written_reports() -> list[Item]:
    """Title and summary of every written report, as a feed item's text."""
    items = []
    for path in sorted((DATA / "crossborder").glob("written_reports*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            report = json.loads(line)
            text = report["title"] + "\n" + report["summary"]
            items.append((report["id"], text, _published(report["published"])))
    return items


def dev_rows(*, year: str | None = None) -> list[Item]:
    """The rows of dev.csv (of one year when given); none when ../shared is absent."""
    if not DEV.is_file():
        return []
    with DEV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (row["id"], row["text"], _published(row["date"]))
        for row in rows
        if year is None or row["date"].startswith(year)
    ]


def ordinary_items(count: int = ORDINARY_ITEMS, *, seed: int = 7) -> list[Item]:
    """Ordinary news items: a headline and three sentences of the same topic."""
    headlines = _lines(DATA / "non_incidents.txt")
    topics = _topics(DATA / "ordinary_sentences.txt")
    rng = random.Random(seed)
    items = []
    for n in range(count):
        sentences = rng.sample(rng.choice(list(topics.values())), 3)
        text = rng.choice(headlines) + "\n" + " ".join(sentences)
        items.append((f"ordinary-{n}", text, NOW))
    return items


def _lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _topics(path: Path) -> dict[str, list[str]]:
    topics: dict[str, list[str]] = {}
    topic = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# --"):
            topic = line.removeprefix("# --").strip()
        elif line.strip() and not line.startswith("#"):
            topics.setdefault(topic, []).append(line)
    return topics


def _published(value: str) -> datetime:
    return parse_published(value) or NOW


def items_per_second(analyzer: Analyzer, items: Sequence[Item], *, runs: int) -> float:
    """Items analysed per CPU second, the best of ``runs`` runs."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        for ident, text, published in items:
            analyzer.analyze(ident, text, published=published)
        best = min(best, time.process_time() - start)
    return len(items) / best if best > 0 else float("inf")


def write_outputs(analyzer: Analyzer, items: Sequence[Item], path: Path) -> None:
    """The analysis of every item, one JSON object a line."""
    with path.open("w", encoding="utf-8") as handle:
        for ident, text, published in items:
            out = {"id": ident}
            out.update(report_json(analyzer.analyze(ident, text, published=published)))
            handle.write(json.dumps(out, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per set (the best counts)")
    parser.add_argument("--outputs", type=Path, help="write every analysis here (JSON Lines)")
    args = parser.parse_args()
    analyzer = Analyzer(open_geocoder())
    sets = {
        "reports": written_reports() + dev_rows(year="2026"),
        "irrelevant": ordinary_items(),
        "headlines": dev_rows(),
    }
    if not sets["headlines"]:
        print(f"headlines: skipped ({DEV} not found)")
        del sets["headlines"]
    for name, items in sets.items():
        rate = items_per_second(analyzer, items, runs=args.runs)
        print(f"{name}: {len(items)} items, {rate:,.0f} items/s (CPU, best of {args.runs})")
    if args.outputs is not None:
        write_outputs(analyzer, [item for items in sets.values() for item in items], args.outputs)
        print(f"outputs: {args.outputs}")


if __name__ == "__main__":
    main()
