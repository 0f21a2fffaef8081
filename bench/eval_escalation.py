#!/usr/bin/env python3
"""Does the monitor warn in time? Replays ../shared/eval/dev.csv and scores the alerts.

Episode definition (fixed before looking at results, from the gold data only): a
district-week (gold district turned into today's district through the geocoder's
documented tables; ISO weeks) with at least 3 gold events and at least twice the mean
weekly count of the 4 weeks before it. Its peak day is the day of that week with the
most gold events (the earliest on ties).

* alerted: an orange or red alert for the same district on any day from 7 days before
  the episode week's Monday up to and including the peak day;
* lead time: peak day minus the first such alert day;
* false alarms: orange/red alert-days (one alert, one day) for which the district has no
  episode whose window (Monday minus 7 days to Sunday) contains the day; an alert on a
  province counts as in an episode when any district of the province has one then.

The replay uses only each row's text and date (as publication time), never its gold
place or fatalities. Usage: ``python bench/eval_escalation.py [--dev PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from durandwatch.analyze import Analyzer
from durandwatch.geodata import open_geocoder
from durandwatch.replay import read_history, replay
from durandwatch.rules import load_rules

HERE = Path(__file__).resolve().parent
DEFAULT_DEV = HERE.parents[1] / "shared" / "eval" / "dev.csv"
SOUTH_WAZIRISTAN = {"South Waziristan", "Upper South Waziristan", "Lower South Waziristan"}


def district_key(name: str | None) -> str | None:
    if name in SOUTH_WAZIRISTAN:
        return "South Waziristan"
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--rules", type=Path, default=None)
    args = parser.parse_args()
    if not args.dev.exists():
        sys.exit(f"{args.dev} not found (it lives in ../shared/eval/)")
    geocoder = open_geocoder()
    analyzer = Analyzer(geocoder)
    gaz = geocoder.gazetteer
    rules = load_rules(args.rules)

    with args.dev.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Gold district-day counts.
    gold: dict[tuple[str, str], Counter[date]] = defaultdict(Counter)
    province_of: dict[str, str] = {}
    for row in rows:
        country = row["gold_country"]
        d2 = district_key(
            gaz.canonical_admin2(country, row["gold_admin2"]) if row["gold_admin2"] else None
        )
        d1 = gaz.canonical_admin1(country, row["gold_admin1"]) if row["gold_admin1"] else None
        if d2 and d1:
            gold[(country, d2)][date.fromisoformat(row["date"])] += 1
            province_of[d2] = d1

    episodes = []
    for (country, district), days in gold.items():
        weeks: Counter[date] = Counter()
        for day, n in days.items():
            weeks[day - timedelta(days=day.weekday())] += n
        for monday, n in weeks.items():
            baseline = sum(weeks.get(monday - timedelta(weeks=k), 0) for k in range(1, 5)) / 4
            if n >= 3 and n >= 2 * baseline:
                in_week = {d: c for d, c in days.items() if monday <= d < monday + timedelta(7)}
                peak = min(in_week, key=lambda d: (-in_week[d], d))
                episodes.append((country, district, monday, peak))

    first = min(date.fromisoformat(r["date"]) for r in rows)
    last = max(date.fromisoformat(r["date"]) for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = replay(
            list(read_history(args.dev)),
            analyzer,
            rules,
            start=first,
            end=last,
            out=Path(tmp),
            warmup_days=0,
        )
        elapsed = time.perf_counter() - start
        alerts = [
            json.loads(line)
            for line in (Path(tmp) / "replay-alerts.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        incidents = [
            json.loads(line)
            for line in (Path(tmp) / "replay-incidents.jsonl")
            .read_text(encoding="utf-8")
            .splitlines()
        ]
    located: dict[str, list[date]] = defaultdict(list)
    for inc in incidents:
        loc = inc.get("location") or {}
        if loc.get("admin2") and (loc.get("precision") or 3) <= 2:
            located[district_key(loc["admin2"]) or ""].append(date.fromisoformat(inc["event_date"]))

    hot = [a for a in alerts if a["level"] in ("orange", "red")]
    by_district: dict[str, list[date]] = defaultdict(list)
    by_province: dict[str, list[date]] = defaultdict(list)
    for a in hot:
        day = date.fromisoformat(a["date"])
        if a["admin2"]:
            by_district[district_key(a["admin2"]) or ""].append(day)
        else:
            by_province[a["admin1"] or ""].append(day)

    alerted, leads = 0, []
    windows: dict[str, list[tuple[date, date]]] = defaultdict(list)
    province_windows: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for _country, district, monday, peak in episodes:
        lo = monday - timedelta(days=7)
        windows[district].append((lo, monday + timedelta(days=6)))
        province_windows[province_of.get(district, "")].append((lo, monday + timedelta(days=6)))
        hits = sorted(d for d in by_district.get(district, []) if lo <= d <= peak)
        if hits:
            alerted += 1
            leads.append((peak - hits[0]).days)

    def inside(day: date, spans: list[tuple[date, date]]) -> bool:
        return any(a <= day <= b for a, b in spans)

    false_days = sum(
        1
        for a in hot
        if not inside(
            date.fromisoformat(a["date"]),
            windows.get(district_key(a["admin2"]) or "", [])
            if a["admin2"]
            else province_windows.get(a["admin1"] or "", []),
        )
    )
    print(
        f"dev set: {len(rows)} events, {first} to {last}; replay of {summary.days} days, "
        f"{summary.items} items, {summary.incidents} incidents in {elapsed:.1f} s"
    )
    print(
        f"episodes (district-weeks with >= 3 gold events and >= 2x the 4-week baseline): "
        f"{len(episodes)}"
    )
    reachable = sum(
        1
        for _c, district, monday, peak in episodes
        if any(monday - timedelta(days=7) <= d <= peak for d in located.get(district, []))
    )
    print(
        f"ceiling: episodes with at least one incident placed in their district in the "
        f"alert window: {reachable}/{len(episodes)} = "
        f"{100 * reachable / max(len(episodes), 1):.1f} %"
        " (no rule that needs a placed report can alert on the others)"
    )
    print(
        f"alerted orange/red on or before the peak day: {alerted}/{len(episodes)} = "
        f"{100 * alerted / max(len(episodes), 1):.1f} % (target >= 80 %)"
    )
    if leads:
        print(
            f"lead time: median {statistics.median(leads):.0f} days (min {min(leads)}, "
            f"max {max(leads)})"
        )
    print(
        f"orange/red alert-days: {len(hot)}; in no episode: {false_days} = "
        f"{100 * false_days / max(len(hot), 1):.1f} % (target <= 20 %)"
    )
    levels = Counter(a["level"] for a in alerts)
    print(
        f"alert-days by level: {dict(levels)}; distinct alerts: "
        f"{len({a['alert_id'] for a in alerts})}"
    )


if __name__ == "__main__":
    main()
