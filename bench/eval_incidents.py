#!/usr/bin/env python3
"""Incident extraction on ../shared/eval/dev.csv, on non-incident headlines, and its speed.

Definitions (fixed here):

* recall: share of dev events (all real, externally coded violent events) that the
  analyser judges relevant.
* "states a number": the text has a number (digits or words, "dozens") within five
  words of a death word (killed, dead, died, kills, death toll, martyred). On those
  events: exact match = our fatality figure equals UCDP's ``best``; within range =
  UCDP ``low`` <= ours <= ``high`` (low/high read from the UCDP files in
  ../shared/eval-source by event id; where an id is not found, ``best`` is used for both).
* answerable subset: of those, the events whose UCDP ``best`` appears as a number
  anywhere in the text. UCDP often splits one report into several events (one per
  place or day) and takes its figures from the full article, so on many rows no
  reading of the headline can give ``best``; the answerable subset measures the
  extractor where the answer is there to be read.
* false relevance: share of ``bench/data/non_incidents.txt`` (ordinary regional news we
  wrote: sport, economy, weather, accidents, elections, culture, health) judged relevant;
  that set was used while writing the rules, so the held-out set
  ``bench/data/non_incidents_heldout.txt`` (written after they froze) is reported too.
* throughput: analyse + serialise every dev text to JSON Lines, in-process on one core,
  loading excluded.

Usage: ``python bench/eval_incidents.py [--dev PATH] [--show N]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from durandwatch.analyze import Analyzer, analyze_lines
from durandwatch.geodata import open_geocoder
from durandwatch.numbers import NUMBER_PATTERN, parse_number

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
DEFAULT_DEV = SHARED / "eval" / "dev.csv"
UCDP_FILES = [
    SHARED / "eval-source" / "ucdp-ged221-pak-hdx" / "conflict_data_pak.csv",
    SHARED / "eval-source" / "ucdp-ged231-sample" / "ucdpged231_sample_AFG_PAK.csv",
    SHARED / "eval-source" / "ucdp-candidate-2602" / "GEDevent_v26_0_2_AFG_PAK.csv",
]
_DEATH_WORD = r"(?:killed|kills?|dead|died|dies|death toll|toll|martyred|slain|lives)"
STATES_NUMBER = re.compile(
    rf"\b{NUMBER_PATTERN}\b(?:\W+\w+){{0,5}}?\W+{_DEATH_WORD}\b|\b{_DEATH_WORD}\b(?:\W+\w+){{0,5}}?"
    rf"\W+{NUMBER_PATTERN}\b",
    re.IGNORECASE,
)


def ucdp_ranges() -> dict[str, tuple[int, int]]:
    ranges: dict[str, tuple[int, int]] = {}
    csv.field_size_limit(sys.maxsize)
    for path in UCDP_FILES:
        if not path.exists():
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            for row in csv.DictReader(handle):
                try:
                    ranges[f"ucdp:{row['id']}"] = (int(float(row["low"])), int(float(row["high"])))
                except (KeyError, ValueError):
                    continue
    return ranges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--show", type=int, default=0, help="print N errors of each kind")
    args = parser.parse_args()
    if not args.dev.exists():
        sys.exit(f"{args.dev} not found (it lives in ../shared/eval/)")
    analyzer = Analyzer(open_geocoder())
    with args.dev.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ranges = ucdp_ranges()

    lines = [json.dumps({"id": r["id"], "text": r["text"], "published": r["date"]}) for r in rows]
    start = time.perf_counter()
    outputs = [json.loads(x) for x in analyze_lines(analyzer, lines)]
    elapsed = time.perf_counter() - start

    relevant = sum(o["relevant"] for o in outputs)
    by_gold: dict[str, Counter[str]] = {}
    types: Counter[str] = Counter()
    numbered = exact = in_range = answerable = answerable_exact = answerable_range = 0
    any_number = re.compile(rf"\b{NUMBER_PATTERN}\b", re.IGNORECASE)
    misses, wrong = [], []
    for row, out in zip(rows, outputs, strict=True):
        counter = by_gold.setdefault(row["gold_event_type"], Counter())
        counter["events"] += 1
        counter["relevant"] += int(out["relevant"])
        types[f"{out['event_type']}: {out['sub_event_type']}"] += 1
        if not out["relevant"]:
            misses.append(row["text"][:120])
        if STATES_NUMBER.search(row["text"]):
            numbered += 1
            best = int(row["gold_fatalities"])
            low, high = ranges.get(row["id"], (best, best))
            ours = out["fatalities"]
            exact += int(ours == best)
            in_range += int(ours is not None and min(low, best) <= ours <= max(high, best))
            present = {parse_number(m.group(0)) for m in any_number.finditer(row["text"])}
            if best in present:
                answerable += 1
                answerable_exact += int(ours == best)
                answerable_range += int(
                    ours is not None and min(low, best) <= ours <= max(high, best)
                )
                if ours != best:
                    wrong.append((ours, best, low, high, row["text"][:110]))

    published = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)

    def headlines(name: str) -> list[str]:
        text = (HERE / "data" / name).read_text(encoding="utf-8")
        return [x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#")]

    def false_positives(texts: list[str]) -> list[tuple[str, str]]:
        found = []
        for text in texts:
            report = analyzer.analyze("n", text, published=published)
            if report.extraction.relevant:
                found.append((text, report.extraction.reason))
        return found

    negatives = headlines("non_incidents.txt")
    false_pos = false_positives(negatives)
    heldout = headlines("non_incidents_heldout.txt")
    heldout_pos = false_positives(heldout)

    print(f"dev set: {len(rows)} real events ({args.dev})")
    print(
        f"relevance recall: {relevant}/{len(rows)} = {100 * relevant / len(rows):.1f} % "
        "(target >= 95 %)"
    )
    for gold, counter in sorted(by_gold.items()):
        print(f"  {gold:<12} {counter['relevant']:>5}/{counter['events']:<5} judged relevant")
    print(f"fatalities where the text states a number: {numbered} events")
    print(
        f"  exact match with UCDP best: {exact}/{numbered} = {100 * exact / numbered:.1f} % "
        "(target >= 80 %)"
    )
    print(
        f"  within UCDP low-high:       {in_range}/{numbered} = "
        f"{100 * in_range / numbered:.1f} % (target >= 90 %)"
    )
    print(f"  answerable subset (UCDP best appears in the text): {answerable} events")
    print(
        f"    exact match: {answerable_exact}/{answerable} = "
        f"{100 * answerable_exact / answerable:.1f} %"
    )
    print(
        f"    within UCDP low-high: {answerable_range}/{answerable} = "
        f"{100 * answerable_range / answerable:.1f} %"
    )
    print(
        f"false relevance on {len(negatives)} non-incident headlines: {len(false_pos)} = "
        f"{100 * len(false_pos) / len(negatives):.1f} % (target <= 3 %)"
    )
    print(
        f"false relevance on {len(heldout)} held-out headlines (written after the rules froze): "
        f"{len(heldout_pos)} = {100 * len(heldout_pos) / len(heldout):.1f} %"
    )
    print("event types on the dev set:")
    for name, count in types.most_common():
        print(f"  {count:>5}  {name}")
    print(
        f"throughput: {len(rows) / elapsed:,.0f} items/s (analyse + JSON, one core, "
        f"{elapsed:.2f} s for {len(rows)})"
    )
    for text, reason in false_pos + heldout_pos:
        print(f"  FALSE POSITIVE ({reason}): {text}")
    for text in misses[: args.show]:
        print(f"  MISSED: {text}")
    for ours, best, low, high, text in wrong[: args.show]:
        print(f"  FATALITIES ours={ours} best={best} [{low}-{high}]: {text}")


if __name__ == "__main__":
    main()
