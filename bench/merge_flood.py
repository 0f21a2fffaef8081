#!/usr/bin/env python3
"""Merging under a flood: thousands of near-identical relevant reports in one window.

Someone who can plant items in a feed (or a feed that loops) can send thousands of
look-alike reports of one event. Merging must stay linear in the number of reports
whatever they say. Two floods are timed:

* ``one``: near-identical reports of one strike in one district on one day, from 50
  outlets: they all end up in one incident;
* ``apart``: near-identical wording, each placed in one of the border districts, so
  they share text buckets but may only merge within their district.

The reports are analysed once per template and then varied in wording (the merger reads
the text, the place, the type, the actors and the dates), so the time measured is the
merging alone. Usage: ``python bench/merge_flood.py [--sizes 2000 4000 16000]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from datetime import UTC, datetime, timedelta

from durandwatch.analyze import Analyzer, Report
from durandwatch.dedup import merge_reports
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.region import load_region

T0 = datetime(2025, 1, 10, 6, 0, tzinfo=UTC)
FILLER = " ".join(
    [
        "officials said on Friday that the attack also wounded several others near the market",
        "according to local residents and police sources who spoke on condition of anonymity",
    ]
).split()
PLACES = [
    "Mir Ali, North Waziristan",
    "Wana, South Waziristan",
    "Parachinar, Kurram",
    "Khar, Bajaur",
    "Landi Kotal, Khyber",
    "Bannu",
    "Lakki Marwat",
    "Zhob",
    "Chaman",
    "Barmal, Paktika",
    "Khost",
    "Spin Boldak, Kandahar",
]


def flood(analyzer: Analyzer, size: int, kind: str, seed: int = 0) -> list[Report]:
    """``size`` near-identical relevant reports (see the module docstring)."""
    rng = random.Random(seed)
    places = PLACES[:1] if kind == "one" else PLACES
    templates = [
        analyzer.analyze(
            f"t{k}",
            f"Drone strike kills five suspected militants in {place}, officials say",
            published=T0,
            source="template",
        )
        for k, place in enumerate(places)
    ]
    if not all(t.extraction.relevant for t in templates):
        raise SystemExit("a template is not read as an incident; the bench needs new ones")
    reports = []
    for i in range(size):
        base = templates[i % len(templates)]
        words = " ".join(rng.choice(FILLER) for _ in range(8))
        reports.append(
            dataclasses.replace(
                base,
                id=f"r{i:06d}",
                text=f"{base.text} {words} (report {i})",
                published=T0 + timedelta(seconds=5 * i),
                source=f"outlet-{i % 50}",
            )
        )
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 16000])
    parser.add_argument("--kind", choices=["one", "apart", "both"], default="both")
    args = parser.parse_args()
    analyzer = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
    kinds = ["one", "apart"] if args.kind == "both" else [args.kind]
    for kind in kinds:
        for size in args.sizes:
            reports = flood(analyzer, size, kind)
            start = time.perf_counter()
            incidents = merge_reports(reports)
            elapsed = time.perf_counter() - start
            largest = max(len(i.sources) for i in incidents)
            print(
                f"{kind:<5} {size:>6} reports -> {len(incidents):>5} incident(s) "
                f"(largest {largest}) in {elapsed:7.2f} s ({size / elapsed:,.0f} reports/s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
