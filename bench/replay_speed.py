#!/usr/bin/env python3
"""Replay speed: 100,000 synthetic items over a year through the whole pipeline.

The items are generated from templates (event phrasing x place x actor x number) with
about a third re-reported by other outlets in other words, so merging has real work.
Prints items/s and the wall time (target: 100,000 items in at most 60 s).
Usage: ``python bench/replay_speed.py [--items 100000]``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from durandwatch.analyze import Analyzer
from durandwatch.geodata import open_geocoder
from durandwatch.region import load_region
from durandwatch.replay import HistoryItem, replay
from durandwatch.rules import load_rules

PLACES = [
    "North Waziristan",
    "South Waziristan",
    "Kurram",
    "Bajaur",
    "Mohmand",
    "Khyber",
    "Orakzai",
    "Bannu",
    "Lakki Marwat",
    "Tank",
    "Dera Ismail Khan",
    "Peshawar",
    "Quetta",
    "Zhob",
    "Chaman",
    "Pishin",
    "Paktika",
    "Khost",
    "Paktia",
    "Nangarhar",
    "Kunar",
    "Kandahar",
    "Mir Ali",
    "Miranshah",
    "Wana",
    "Parachinar",
    "Torkham",
    "Spin Boldak",
    "Barmal",
    "Landi Kotal",
    "Jamrud",
    "Datta Khel",
    "Razmak",
    "Angoor Adda",
    "Khar",
]
EVENTS = [
    "{n} militants killed in security forces operation in {p}",
    "Roadside bomb kills {n} soldiers in {p}",
    "Suicide bomber kills {n} at police station in {p}",
    "Drone strike kills {n} suspected militants in {p}",
    "Gunmen shoot dead {n} in {p}, police say",
    "Mortar shells fired from across the border hit {p}; {n} injured",
    "Clashes between Pakistani and Afghan forces near {p}, {n} killed",
    "TTP attack on check post in {p} leaves {n} dead",
    "Pakistani airstrikes hit TTP hideouts in {p}, Taliban say {n} civilians killed",
    "Security forces arrest {n} suspects in {p} raid",
]
REWRITES = [
    "Officials said {n} people were killed in {p} on {d}",
    "{p}: {n} dead as violence flares",
    "At least {n} killed in {p}, sources say",
]
OUTLETS = [f"outlet-{k}" for k in range(20)]


def generate(count: int, seed: int = 7) -> list[HistoryItem]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    items = []
    while len(items) < count:
        when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        place, n = rng.choice(PLACES), rng.randrange(1, 40)
        text = rng.choice(EVENTS).format(n=n, p=place)
        items.append(HistoryItem(f"s{len(items)}", text, when, rng.choice(OUTLETS)))
        for _ in range(rng.choice([0, 0, 1, 2])):
            later = when + timedelta(hours=rng.randrange(1, 30))
            text = rng.choice(REWRITES).format(n=n, p=place, d=f"{later:%A}")
            items.append(HistoryItem(f"s{len(items)}", text, later, rng.choice(OUTLETS)))
    return items[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    items = generate(args.items)
    analyzer = Analyzer(open_geocoder())
    rules = load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = replay(
            items,
            analyzer,
            rules,
            sectors=load_region().sectors,
            start=date(2024, 3, 1),
            end=date(2024, 12, 31),
            out=Path(tmp),
            warmup_days=60,
        )
        elapsed = time.perf_counter() - start
    print(
        f"replayed {summary.items:,} items over {summary.days} alert days: "
        f"{summary.incidents:,} incidents, {len(summary.alerts)} alerts"
    )
    print(
        f"wall time {elapsed:.1f} s = {summary.items / elapsed:,.0f} items/s "
        f"(target: 100,000 items in <= 60 s)"
    )


if __name__ == "__main__":
    main()
