#!/usr/bin/env python3
"""Does the monitor warn in time, and stay quiet otherwise? Scored on gold escalation episodes.

Episode definition (written before the detector was built, from the gold data only, and
not tuned to it): for each unit (a province, or a district), a week (ISO, Monday to
Sunday) with at least 3 gold events and at least twice the mean weekly count of the 4
weeks before it. Its peak day is the day of that week with the most gold events (the
earliest on ties). Gold places are turned into today's units through the geocoder's
documented name tables; the three South Waziristan spellings count as one district.

* caught: an orange or red escalation alert for that unit (at the same unit level) on a
  day from 7 days before the episode week's Monday up to and including the peak day;
* lead: peak day minus the first such alert day;
* false alarm-days: orange or red escalation alert-days (one alert, one day) of a unit
  outside every one of its episodes' spans, a span running from the week before the
  episode week to the week after it (a 7-day window raised by a surge is still about
  that surge the week after);
* false alarms per unit-month: false alarm-days over the months from each unit's first
  to its last gold event, summed over the units.

Three runs, each at province and district level:

* ``gold``: the gold events placed at their gold province and district, fed straight to
  the assessment (judges the rules apart from the geocoder and the extractor);
* ``text``: the dev set's texts and dates only, through the full pipeline (``replay``:
  analysis, geocoding, merging, assessment); gold places and tolls are never read;
* ``feb2026``: the February 2026 UCDP Candidate rows alone, both ways.

``--sweep`` prints the operating curve: both tests' orange p-value thresholds multiplied
by a factor, everything else unchanged. ``--halves`` adds the odd and even months
separately (episodes by the month of their week, alert-days by their own month), to
show how stable the figures are.

Usage: ``python bench/eval_escalation.py [--dev PATH] [--rules PATH] [--sweep] [--halves]``.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from durandwatch.analyze import Analyzer
from durandwatch.codec import alert_record
from durandwatch.escalation import IncidentView
from durandwatch.geodata import open_geocoder
from durandwatch.lifecycle import alert_of
from durandwatch.region import SectorMap, load_region
from durandwatch.replay import Assessor, HistoryItem, read_history, replay
from durandwatch.rules import Rules, load_rules

HERE = Path(__file__).resolve().parent
DEFAULT_DEV = HERE.parents[1] / "shared" / "eval" / "dev.csv"
SOUTH_WAZIRISTAN = {"South Waziristan", "Upper South Waziristan", "Lower South Waziristan"}
SWEEP = (0.1, 0.2, 0.5, 1.0, 2.0, 4.0)
LEVELS = ("province", "district")
HOT = ("orange", "red")

Key = tuple[str, ...]


def district_name(name: str | None) -> str | None:
    return "South Waziristan" if name in SOUTH_WAZIRISTAN else name


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Gold:
    """One gold event, placed in today's units."""

    id: str
    day: date
    country: str
    admin1: str | None
    admin2: str | None
    fatalities: int
    kind: str  # UCDP type of violence

    def key(self, level: str) -> Key | None:
        if not self.admin1:
            return None
        if level == "province":
            return (self.country, self.admin1)
        return (self.country, self.admin1, self.admin2) if self.admin2 else None


@dataclass(frozen=True)
class Episode:
    key: Key
    week: date  # its Monday
    peak: date

    @property
    def window(self) -> tuple[date, date]:
        """Alert window for recall: 7 days before the Monday up to the peak day."""
        return self.week - timedelta(days=7), self.peak

    @property
    def span(self) -> tuple[date, date]:
        """Days an alert counts as about this episode: the week before to the week after."""
        return self.week - timedelta(days=7), self.week + timedelta(days=13)


def read_gold(rows: list[dict[str, str]], gazetteer: Any) -> list[Gold]:
    events = []
    for row in rows:
        country = row["gold_country"]
        admin1 = gazetteer.canonical_admin1(country, row["gold_admin1"] or None)
        admin2 = gazetteer.canonical_admin2(country, row["gold_admin2"] or None)
        events.append(
            Gold(
                id=row["id"],
                day=date.fromisoformat(row["date"]),
                country=country,
                admin1=admin1,
                admin2=district_name(admin2) if admin1 else None,
                fatalities=int(row["gold_fatalities"] or 0),
                kind=row["gold_event_type"],
            )
        )
    return events


def episodes(events: Iterable[Gold], level: str) -> list[Episode]:
    """The episodes of every unit of ``level`` (the definition in the module docstring)."""
    days: dict[Key, Counter[date]] = defaultdict(Counter)
    for event in events:
        key = event.key(level)
        if key is not None:
            days[key][event.day] += 1
    found = []
    for key, counts in days.items():
        weeks: Counter[date] = Counter()
        for day, n in counts.items():
            weeks[monday(day)] += n
        for week, n in weeks.items():
            baseline = sum(weeks.get(week - timedelta(weeks=k), 0) for k in range(1, 5)) / 4
            if n >= 3 and n >= 2 * baseline:
                in_week = {d: c for d, c in counts.items() if week <= d < week + timedelta(7)}
                peak = min(in_week, key=lambda d: (-in_week[d], d))
                found.append(Episode(key, week, peak))
    return sorted(found, key=lambda e: (e.week, e.key))


def unit_months(events: Iterable[Gold], level: str) -> float:
    """Months from each unit's first to last gold event, summed over the units."""
    spans: dict[Key, list[date]] = defaultdict(list)
    for event in events:
        key = event.key(level)
        if key is not None:
            spans[key].append(event.day)
    return sum(((max(d) - min(d)).days + 1) / 30.44 for d in spans.values())


# -- running the monitor ----------------------------------------------------------------


def gold_view(event: Gold) -> IncidentView | None:
    """A gold event as the assessment sees an incident: gold place, gold toll, no text."""
    if not event.admin1:
        return None
    return IncidentView(
        id=event.id,
        title=event.id,
        event_date=event.day,
        event_type="Violence against civilians" if event.kind == "one-sided" else "Battles",
        sub_event_type=None,
        fatalities=event.fatalities,
        country=event.country,
        admin1=event.admin1,
        admin2=event.admin2,
        place=event.admin2 or event.admin1,
        place_kind="district" if event.admin2 else "province",
        precision=2 if event.admin2 else 3,
        lat=None,
        lon=None,
        distance_km=None,
        cross_border=False,
        direction=None,
        outlets=1,
        claimed_by=(),
        actors=(),
        sources=(),
        civilian=event.kind == "one-sided",
    )


def run_gold(events: list[Gold], rules: Rules, sectors: SectorMap) -> list[dict[str, Any]]:
    """Assess every day from the first gold event to the last, gold places fed straight in."""
    by_day: dict[date, list[IncidentView]] = defaultdict(list)
    for event in events:
        view = gold_view(event)
        if view is not None:
            by_day[event.day].append(view)
    first, last = min(by_day), max(by_day)
    assessor = Assessor(rules, sectors=sectors, covered_since=first - timedelta(days=400))
    alerts = []
    for n in range((last - first).days + 8):
        day = first + timedelta(days=n)
        assessor.update(by_day.get(day, ()))
        alerts += [alert_record(alert_of(e)) for e in assessor.assess(day) if e.level != "green"]
    return alerts


def run_text(
    items: list[HistoryItem], analyzer: Analyzer, rules: Rules, sectors: SectorMap
) -> tuple[list[dict[str, Any]], Any, list[dict[str, Any]]]:
    """Replay the texts through the whole pipeline: the hot alerts, the summary, the incidents."""
    first = min(i.published for i in items).date()
    last = max(i.published for i in items).date() + timedelta(days=7)
    with tempfile.TemporaryDirectory() as tmp:
        summary = replay(
            items,
            analyzer,
            rules,
            sectors=sectors,
            zone="Asia/Kabul",
            start=first,
            end=last,
            out=Path(tmp),
            warmup_days=400,  # as `replay` does by default: the file is the whole history
        )
        alerts = [
            a
            for a in (
                json.loads(line)
                for line in (Path(tmp) / "replay-alerts.jsonl").read_text("utf-8").splitlines()
            )
            if a["level"] != "green"
        ]
        incidents = [
            json.loads(line)
            for line in (Path(tmp) / "replay-incidents.jsonl").read_text("utf-8").splitlines()
        ]
    return alerts, summary, incidents


def plain_rule(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reference the issue measured: per unit, orange on every day whose last 7 days hold
    at least 3 placed incidents and at least twice the weekly mean of the 4 weeks before.

    Run on the replay's own incidents, it says how much the input allows; the gap between
    it and the monitor is the rules'.
    """
    days: dict[tuple[str, Key], Counter[date]] = defaultdict(Counter)
    for incident in incidents:
        loc = incident.get("location") or {}
        if not loc.get("admin1"):
            continue
        day = date.fromisoformat(incident["event_date"])
        days[("province", (loc["country"], loc["admin1"]))][day] += 1
        if loc.get("admin2") and (loc.get("precision") or 3) <= 2:
            key = (loc["country"], loc["admin1"], district_name(loc["admin2"]) or "")
            days[("district", key)][day] += 1
    alerts = []
    for (level, key), counts in days.items():
        candidates = {d + timedelta(days=k) for d in counts for k in range(7)}
        for day in sorted(candidates):
            recent = sum(n for d, n in counts.items() if day - timedelta(7) < d <= day)
            base = sum(
                n for d, n in counts.items() if day - timedelta(35) < d <= day - timedelta(7)
            )
            if recent >= 3 and recent >= 2 * base / 4:
                admin2 = key[2] if level == "district" else None
                alerts.append(
                    {
                        "date": day.isoformat(),
                        "kind": "escalation",
                        "unit": level,
                        "level": "orange",
                        "country": key[0],
                        "admin1": key[1],
                        "admin2": admin2,
                    }
                )
    return alerts


# -- scoring ----------------------------------------------------------------------------


def alert_key(alert: dict[str, Any], level: str) -> Key | None:
    if alert.get("kind") != "escalation" or alert.get("unit") != level:
        return None
    if level == "province":
        return (alert["country"], alert["admin1"])
    return (alert["country"], alert["admin1"], district_name(alert["admin2"]))


def evaluate(
    level: str,
    eps: list[Episode],
    alerts: list[dict[str, Any]],
    months: float,
    keep: Callable[[date], bool] = lambda d: True,
) -> dict[str, Any]:
    """Recall, lead and false alarms of one unit level (``keep`` selects a subset of days)."""
    days: dict[Key, list[date]] = defaultdict(list)
    for alert in alerts:
        if alert["level"] not in HOT:
            continue
        key = alert_key(alert, level)
        if key is not None:
            days[key].append(date.fromisoformat(alert["date"]))
    spans: dict[Key, list[tuple[date, date]]] = defaultdict(list)
    for ep in eps:
        spans[ep.key].append(ep.span)
    scored = [ep for ep in eps if keep(ep.week)]
    caught, leads = 0, []
    for ep in scored:
        lo, hi = ep.window
        hits = sorted(d for d in days.get(ep.key, []) if lo <= d <= hi)
        if hits:
            caught += 1
            leads.append((ep.peak - hits[0]).days)
    hot = false = 0
    for key, alert_days in days.items():
        for day in alert_days:
            if not keep(day):
                continue
            hot += 1
            false += not any(lo <= day <= hi for lo, hi in spans.get(key, []))
    return {
        "episodes": len(scored),
        "caught": caught,
        "leads": leads,
        "hot": hot,
        "false": false,
        "per_unit_month": false / months if months else 0.0,
    }


def pct(part: int, whole: int) -> str:
    return f"{100 * part / max(whole, 1):5.1f} % ({part}/{whole})"


def line(title: str, m: dict[str, Any]) -> str:
    lead = f"median lead {statistics.median(m['leads']):.0f} d" if m["leads"] else "no lead"
    return (
        f"  {title:<28} caught {pct(m['caught'], m['episodes'])}, {lead}; "
        f"false alarm-days {pct(m['false'], m['hot'])}; "
        f"{m['per_unit_month']:.3f} false alarm-days per unit-month"
    )


def report(
    name: str,
    events: list[Gold],
    alerts: list[dict[str, Any]],
    *,
    halves: bool,
    red_only: bool = True,
) -> None:
    print(f"{name}:")
    for level in LEVELS:
        eps = episodes(events, level)
        months = unit_months(events, level)
        print(line(f"{level} episodes", evaluate(level, eps, alerts, months)))
        if red_only:
            rates = []
            for shown in ("red", "orange", "yellow"):
                # Each level alone, counted as if it were the alarm (yellow is a watch).
                alone = [{**a, "level": "red"} for a in alerts if a["level"] == shown]
                m = evaluate(level, eps, alone, months)
                rates.append(f"{shown} {m['per_unit_month']:.3f}")
            print(f"    false alarm-days per unit-month by level: {', '.join(rates)}")
        if halves:
            for label, parity in (("odd months", 1), ("even months", 0)):
                m = evaluate(level, eps, alerts, months / 2, lambda d, p=parity: d.month % 2 == p)
                print(line(f"  {label}", m))


def scaled(rules: Rules, factor: float) -> Rules:
    return dataclasses.replace(
        rules,
        surge_orange_p=min(0.5, rules.surge_orange_p * factor),
        burst_orange_p=min(0.5, rules.burst_orange_p * factor),
        surge_red_p=min(rules.surge_red_p, rules.surge_orange_p * factor),
        burst_red_p=min(rules.burst_red_p, rules.burst_orange_p * factor),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--rules", type=Path, default=None)
    parser.add_argument("--sweep", action="store_true", help="print the operating curve")
    parser.add_argument("--halves", action="store_true", help="odd and even months apart")
    parser.add_argument("--skip-text", action="store_true", help="gold runs only (fast)")
    args = parser.parse_args()
    if not args.dev.exists():
        sys.exit(f"{args.dev} not found (it lives in ../shared/eval/)")
    geocoder = open_geocoder()
    sectors = load_region().sectors
    rules = load_rules(args.rules)
    with args.dev.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    events = read_gold(rows, geocoder.gazetteer)
    feb = [e for e, r in zip(events, rows, strict=True) if r["date"] >= "2026-01-01"]
    print(
        f"dev set: {len(rows)} events, {min(e.day for e in events)} to "
        f"{max(e.day for e in events)}; 2026 rows: {len(feb)}"
    )
    for level in LEVELS:
        print(
            f"  {level} episodes (>= 3 gold events in a week and >= 2x the 4 weeks before): "
            f"{len(episodes(events, level))}; in 2026: {len(episodes(feb, level))}"
        )

    start = time.perf_counter()
    gold_alerts = run_gold(events, rules, sectors)
    print(f"\ngold places fed to the assessment ({time.perf_counter() - start:.1f} s)")
    report("dev.csv, gold", events, gold_alerts, halves=args.halves)
    report("February 2026 rows, gold", feb, run_gold(feb, rules, sectors), halves=False)

    if not args.skip_text:
        analyzer = Analyzer(geocoder)
        items = list(read_history(args.dev))
        start = time.perf_counter()
        text_alerts, summary, incidents = run_text(items, analyzer, rules, sectors)
        placed = sum(1 for i in incidents if (i.get("location") or {}).get("admin1"))
        print(
            f"\ntext through the full pipeline: {summary.items} items, {summary.relevant} "
            f"relevant, {summary.incidents} incidents, {placed} placed in a province "
            f"({time.perf_counter() - start:.1f} s)"
        )
        report("dev.csv, text", events, text_alerts, halves=args.halves)
        report(
            "dev.csv, text: the plain rule on the same incidents (the input's limit)",
            events,
            plain_rule(incidents),
            halves=False,
            red_only=False,
        )
        feb_ids = {e.id for e in feb}
        feb_items = [i for i in items if i.id in feb_ids]
        feb_alerts, _, feb_incidents = run_text(feb_items, analyzer, rules, sectors)
        report("February 2026 rows, text", feb, feb_alerts, halves=False)
        report(
            "February 2026 rows, text: the plain rule on the same incidents",
            feb,
            plain_rule(feb_incidents),
            halves=False,
            red_only=False,
        )

    if args.sweep:
        print("\noperating curve (orange p thresholds x factor), gold places:")
        print("  factor | province caught | false | district caught | false")
        for factor in SWEEP:
            alerts = run_gold(events, scaled(rules, factor), sectors)
            p = evaluate("province", episodes(events, "province"), alerts, 1)
            d = evaluate("district", episodes(events, "district"), alerts, 1)
            print(
                f"  {factor:6.1f} | {100 * p['caught'] / p['episodes']:14.1f} % "
                f"| {100 * p['false'] / max(p['hot'], 1):4.1f} % "
                f"| {100 * d['caught'] / d['episodes']:14.1f} % "
                f"| {100 * d['false'] / max(d['hot'], 1):4.1f} %"
            )


if __name__ == "__main__":
    main()
