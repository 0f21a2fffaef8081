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

Two subsets say how much of the gap is the input rather than the rules:

* reachable: at least one incident placed in the episode's district (precision 1-2)
  inside its alert window. No district rule can alert on the others;
* visible in time: on some day of the alert window, the placed incidents themselves meet
  the episode rule over a rolling week (at least 3 in the 7 days up to that day and at
  least twice the weekly mean of the 4 weeks before). These are the episodes a reader of
  the same headlines could have seen as a surge by the peak day; missing one of them is
  the rules' fault, missing the others is the input's.

False alarms are split the same way: alert-days on which the district's placed incidents
meet that rule (the headlines show a surge the gold does not) and the rest.

The replay uses only each row's text and date (as publication time), never its gold
place or fatalities. ``--sweep`` replays once per orange threshold and prints the
operating curve (the other rules unchanged; yellow and red moved only to keep the
order). Usage: ``python bench/eval_escalation.py [--dev PATH] [--rules PATH] [--sweep]``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from durandwatch.analyze import Analyzer
from durandwatch.geodata import open_geocoder
from durandwatch.replay import read_history, replay
from durandwatch.rules import Rules, load_rules

HERE = Path(__file__).resolve().parent
DEFAULT_DEV = HERE.parents[1] / "shared" / "eval" / "dev.csv"
SOUTH_WAZIRISTAN = {"South Waziristan", "Upper South Waziristan", "Lower South Waziristan"}
SWEEP = (30, 35, 40, 45, 50, 55, 60)


def district_key(name: str | None) -> str | None:
    if name in SOUTH_WAZIRISTAN:
        return "South Waziristan"
    return name


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Episode:
    district: str
    province: str
    week: date  # its Monday
    peak: date

    @property
    def window(self) -> tuple[date, date]:
        """Alert window for recall: 7 days before the Monday up to the peak day."""
        return self.week - timedelta(days=7), self.peak

    @property
    def span(self) -> tuple[date, date]:
        """Days an alert counts as inside the episode: Monday - 7 days to Sunday."""
        return self.week - timedelta(days=7), self.week + timedelta(days=6)


def surging_weeks(days: Counter[date]) -> list[date]:
    """Mondays of the weeks with >= 3 events and >= 2x the mean of the 4 weeks before."""
    weeks: Counter[date] = Counter()
    for day, n in days.items():
        weeks[monday(day)] += n
    found = []
    for week, n in weeks.items():
        baseline = sum(weeks.get(week - timedelta(weeks=k), 0) for k in range(1, 5)) / 4
        if n >= 3 and n >= 2 * baseline:
            found.append(week)
    return sorted(found)


def gold_episodes(rows: list[dict[str, str]], gaz: Any) -> list[Episode]:
    gold: dict[str, Counter[date]] = defaultdict(Counter)
    province_of: dict[str, str] = {}
    for row in rows:
        country = row["gold_country"]
        d2 = district_key(
            gaz.canonical_admin2(country, row["gold_admin2"]) if row["gold_admin2"] else None
        )
        d1 = gaz.canonical_admin1(country, row["gold_admin1"]) if row["gold_admin1"] else None
        if d2 and d1:
            gold[d2][date.fromisoformat(row["date"])] += 1
            province_of[d2] = d1
    episodes = []
    for district, days in gold.items():
        for week in surging_weeks(days):
            in_week = {d: c for d, c in days.items() if week <= d < week + timedelta(7)}
            peak = min(in_week, key=lambda d: (-in_week[d], d))
            episodes.append(Episode(district, province_of[district], week, peak))
    return sorted(episodes, key=lambda e: (e.week, e.district))


def run(rows_path: Path, analyzer: Analyzer, rules: Rules, first: date, last: date) -> Any:
    """Replay the whole dev set; return (alerts, incidents, seconds, summary)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = replay(
            list(read_history(rows_path)),
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
    return alerts, incidents, elapsed, summary


def surging_on(days: Counter[date], day: date) -> bool:
    """The episode rule over a rolling week ending on ``day``."""
    recent = sum(n for d, n in days.items() if day - timedelta(7) < d <= day)
    base = sum(n for d, n in days.items() if day - timedelta(35) < d <= day - timedelta(7)) / 4
    return recent >= 3 and recent >= 2 * base


def placed_days(incidents: list[dict[str, Any]]) -> dict[str, Counter[date]]:
    """Event days of the incidents placed at district precision, by district."""
    placed: dict[str, Counter[date]] = defaultdict(Counter)
    for inc in incidents:
        loc = inc.get("location") or {}
        if loc.get("admin2") and (loc.get("precision") or 3) <= 2:
            placed[district_key(loc["admin2"]) or ""][date.fromisoformat(inc["event_date"])] += 1
    return placed


def evaluate(
    episodes: list[Episode], alerts: list[dict[str, Any]], incidents: list[dict[str, Any]]
) -> dict[str, Any]:
    hot = [a for a in alerts if a["level"] in ("orange", "red")]
    by_district: dict[str, list[date]] = defaultdict(list)
    for a in hot:
        if a["admin2"]:
            by_district[district_key(a["admin2"]) or ""].append(date.fromisoformat(a["date"]))
    placed = placed_days(incidents)

    alerted: list[Episode] = []
    leads: list[int] = []
    reachable: list[Episode] = []
    visible: list[Episode] = []
    for ep in episodes:
        lo, hi = ep.window
        if any(lo <= d <= hi for d in placed.get(ep.district, {})):
            reachable.append(ep)
        days = placed.get(ep.district, Counter())
        if any(surging_on(days, lo + timedelta(n)) for n in range((hi - lo).days + 1)):
            visible.append(ep)
        hits = sorted(d for d in by_district.get(ep.district, []) if lo <= d <= hi)
        if hits:
            alerted.append(ep)
            leads.append((ep.peak - hits[0]).days)

    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    province_spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for ep in episodes:
        spans[ep.district].append(ep.span)
        province_spans[ep.province].append(ep.span)

    def false_alarm(a: dict[str, Any]) -> bool:
        day = date.fromisoformat(a["date"])
        pool = (
            spans.get(district_key(a["admin2"]) or "", [])
            if a["admin2"]
            else province_spans.get(a["admin1"] or "", [])
        )
        return not any(lo <= day <= hi for lo, hi in pool)

    false_days = [a for a in hot if false_alarm(a)]
    shown = sum(
        1
        for a in false_days
        if a["admin2"]
        and surging_on(
            placed.get(district_key(a["admin2"]) or "", Counter()), date.fromisoformat(a["date"])
        )
    )
    alerted_set = set(alerted)
    return {
        "episodes": len(episodes),
        "alerted": len(alerted),
        "leads": leads,
        "reachable": len(reachable),
        "alerted_reachable": sum(ep in alerted_set for ep in reachable),
        "visible": len(visible),
        "alerted_visible": sum(ep in alerted_set for ep in visible),
        "hot_days": len(hot),
        "false_days": len(false_days),
        "false_shown": shown,
        "levels": dict(Counter(a["level"] for a in alerts)),
        "distinct": len({a["alert_id"] for a in alerts}),
    }


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / max(whole, 1):.1f} %"


def with_orange(rules: Rules, orange: float) -> Rules:
    return dataclasses.replace(
        rules,
        orange=orange,
        yellow=min(rules.yellow, orange - 5),
        red=max(rules.red, orange + 5),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--rules", type=Path, default=None)
    parser.add_argument("--sweep", action="store_true", help="print the operating curve")
    args = parser.parse_args()
    if not args.dev.exists():
        sys.exit(f"{args.dev} not found (it lives in ../shared/eval/)")
    geocoder = open_geocoder()
    analyzer = Analyzer(geocoder)
    rules = load_rules(args.rules)
    with args.dev.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    episodes = gold_episodes(rows, geocoder.gazetteer)
    first = min(date.fromisoformat(r["date"]) for r in rows)
    last = max(date.fromisoformat(r["date"]) for r in rows)

    alerts, incidents, elapsed, summary = run(args.dev, analyzer, rules, first, last)
    m = evaluate(episodes, alerts, incidents)
    print(
        f"dev set: {len(rows)} events, {first} to {last}; replay of {summary.days} days, "
        f"{summary.items} items, {summary.incidents} incidents in {elapsed:.1f} s"
    )
    print(
        f"episodes (district-weeks with >= 3 gold events and >= 2x the 4-week baseline): "
        f"{m['episodes']}"
    )
    print(
        f"alerted orange/red on or before the peak day: {pct(m['alerted'], m['episodes'])}"
        " (target >= 80 %)"
    )
    if m["leads"]:
        leads = m["leads"]
        print(
            f"lead time: median {statistics.median(leads):.0f} days (min {min(leads)}, "
            f"max {max(leads)})"
        )
    print(
        f"orange/red alert-days: {m['hot_days']}; in no episode: "
        f"{pct(m['false_days'], m['hot_days'])} (target <= 20 %)"
    )
    print(
        f"  of which the placed incidents show a surge the gold does not: "
        f"{m['false_shown']}; the rest come from province, cross-border or intensity points"
    )
    print(
        f"reachable (>= 1 incident placed in the district in the window): "
        f"{pct(m['reachable'], m['episodes'])}; of these alerted: "
        f"{pct(m['alerted_reachable'], m['reachable'])}"
    )
    print(
        f"visible in time (the placed incidents meet the episode rule by the peak day): "
        f"{pct(m['visible'], m['episodes'])}; of these alerted: "
        f"{pct(m['alerted_visible'], m['visible'])}"
    )
    print(f"alert-days by level: {m['levels']}; distinct alerts: {m['distinct']}")

    if args.sweep:
        print("\norange threshold | alerted | of reachable | of visible | false alarms")
        for orange in SWEEP:
            alerts, incidents, _, _ = run(
                args.dev, analyzer, with_orange(rules, orange), first, last
            )
            s = evaluate(episodes, alerts, incidents)
            print(
                f"{orange:>16} | {100 * s['alerted'] / max(s['episodes'], 1):6.1f} % "
                f"| {100 * s['alerted_reachable'] / max(s['reachable'], 1):10.1f} % "
                f"| {100 * s['alerted_visible'] / max(s['visible'], 1):8.1f} % "
                f"| {100 * s['false_days'] / max(s['hot_days'], 1):5.1f} % of {s['hot_days']}"
            )


if __name__ == "__main__":
    main()
