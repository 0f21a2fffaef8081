"""Clusters, scores with reasons, alert levels. Pure: incidents, rules and a date in.

A cluster is a district over the last ``recent_days`` (``district-by-window units``; a
report placed only at province level makes a province cluster). This was chosen over
DBSCAN on points because analysts reason in districts, the surge baseline must be the
same unit's own history, and most reports are placed at district precision (a point
clustering would put district-level reports at their representative point and invent
spatial structure). It is deterministic and independent of input order by construction.

Each cluster's score (0-100) is the sum of five components, each shown with its reason:
intensity, surge, cross-border action and reciprocity, proximity to the line and to
crossings, and corroboration. A district whose reporting falls silent while a neighbour
escalates is flagged (see :func:`assess`).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .boundaries import haversine_km
from .rules import Rules

Unit = tuple[str, str, str | None]  # country, admin1, admin2 (None: province-level)
COUNTRY_NAMES = {"PK": "Pakistani", "AF": "Afghan"}


@dataclass(frozen=True, slots=True)
class IncidentView:
    """What escalation needs of an incident."""

    id: str
    title: str
    event_date: date
    event_type: str | None
    sub_event_type: str | None
    fatalities: int | None
    country: str
    admin1: str
    admin2: str | None
    place: str
    place_kind: str
    precision: int
    lat: float | None
    lon: float | None
    distance_km: float | None
    cross_border: bool
    direction: str | None
    outlets: int
    claimed_by: tuple[str, ...]
    actors: tuple[str, ...]
    sources: tuple[tuple[str, str | None], ...]  # (outlet, url)

    @property
    def unit(self) -> Unit:
        return (self.country, self.admin1, self.admin2 if self.precision <= 2 else None)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> IncidentView | None:
        """From a stored incident record; None when it has no province."""
        loc = record.get("location")
        if not loc or not loc.get("admin1"):
            return None
        return cls(
            id=record["id"],
            title=record["title"],
            event_date=date.fromisoformat(record["event_date"]),
            event_type=record.get("event_type"),
            sub_event_type=record.get("sub_event_type"),
            fatalities=record.get("fatalities"),
            country=loc["country"],
            admin1=loc["admin1"],
            admin2=loc.get("admin2"),
            place=loc.get("place") or loc["admin1"],
            place_kind=loc.get("kind") or "",
            precision=int(loc.get("precision") or 3),
            lat=loc.get("lat"),
            lon=loc.get("lon"),
            distance_km=loc.get("distance_km"),
            cross_border=bool(record.get("cross_border")),
            direction=record.get("direction"),
            outlets=int(record.get("outlets") or 1),
            claimed_by=tuple(record.get("claimed_by") or ()),
            actors=tuple(a["name"] for a in record.get("actors") or () if a["role"] == "actor1"),
            sources=tuple((s["outlet"], s.get("url")) for s in record.get("sources") or ()),
        )


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a score."""

    name: str
    points: float
    max_points: float
    reason: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """A scored cluster on a given day."""

    alert_id: str
    unit: Unit
    name: str
    day: date
    score: float
    level: str
    components: tuple[Component, ...]
    reasons: tuple[str, ...]
    incidents: tuple[IncidentView, ...]
    lat: float | None
    lon: float | None
    silence: bool = False
    chain: tuple[str, ...] = ()

    @property
    def country(self) -> str:
        return self.unit[0]

    @property
    def admin1(self) -> str:
        return self.unit[1]

    @property
    def admin2(self) -> str | None:
        return self.unit[2]


def alert_id(unit: Unit) -> str:
    """The stable id of a unit's alert: the same situation keeps its id."""
    key = "|".join(part or "" for part in unit)
    return "dw-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


class History:
    """Incidents indexed by unit and date, for fast windows over a long history."""

    def __init__(self, incidents: Iterable[IncidentView] = ()) -> None:
        self._by_id: dict[str, IncidentView] = {}
        self._dates: dict[Unit, list[tuple[int, str]]] = defaultdict(list)
        self._province: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self._cross: list[tuple[int, str]] = []
        self.update(incidents)

    def update(self, incidents: Iterable[IncidentView], removed: Iterable[str] = ()) -> None:
        """Add or replace incidents; forget the ``removed`` ids."""
        batch = list(incidents)
        for iid in {*removed, *(i.id for i in batch if i.id in self._by_id)}:
            old = self._by_id.pop(iid, None)
            if old is not None:
                entry = (old.event_date.toordinal(), old.id)
                _discard(self._dates[old.unit], entry)
                _discard(self._province[(old.country, old.admin1)], entry)
                if old.cross_border and old.direction:
                    _discard(self._cross, entry)
        for incident in batch:
            self._by_id[incident.id] = incident
            entry = (incident.event_date.toordinal(), incident.id)
            insort(self._dates[incident.unit], entry)
            insort(self._province[(incident.country, incident.admin1)], entry)
            if incident.cross_border and incident.direction:
                insort(self._cross, entry)

    def units(self) -> list[Unit]:
        return [unit for unit, entries in self._dates.items() if entries]

    def between(self, unit: Unit, start: date, end: date) -> list[IncidentView]:
        """Incidents of ``unit`` with start < event_date <= end."""
        return self._slice(self._dates.get(unit, []), start, end)

    def count(self, unit: Unit, start: date, end: date) -> int:
        entries = self._dates.get(unit, [])
        return bisect_right(entries, (end.toordinal(), "\uffff")) - bisect_left(
            entries, (start.toordinal() + 1, "")
        )

    def province_count(self, country: str, admin1: str, start: date, end: date) -> int:
        entries = self._province.get((country, admin1), [])
        return bisect_right(entries, (end.toordinal(), "\uffff")) - bisect_left(
            entries, (start.toordinal() + 1, "")
        )

    def cross_border(self, start: date, end: date) -> list[IncidentView]:
        return self._slice(self._cross, start, end)

    def _slice(self, entries: list[tuple[int, str]], start: date, end: date) -> list[IncidentView]:
        lo = bisect_left(entries, (start.toordinal() + 1, ""))
        hi = bisect_right(entries, (end.toordinal(), "\uffff"))
        return [self._by_id[iid] for _, iid in entries[lo:hi]]


def _discard(entries: list[tuple[int, str]], entry: tuple[int, str]) -> None:
    at = bisect_left(entries, entry)
    if at < len(entries) and entries[at] == entry:
        del entries[at]


def assess(history: History, day: date, rules: Rules) -> list[Cluster]:
    """Score every unit with incidents in the window ending on ``day`` (inclusive)."""
    recent_start = day - timedelta(days=rules.recent_days)
    clusters = []
    for unit in history.units():
        recent = history.between(unit, recent_start, day)
        if recent:
            clusters.append(_score(history, unit, recent, day, rules))
    by_unit = {c.unit: c for c in clusters}
    by_unit.update(_silences(history, clusters, day, rules))
    return sorted(by_unit.values(), key=lambda c: (-c.score, c.alert_id))


def _score(
    history: History, unit: Unit, recent: Sequence[IncidentView], day: date, rules: Rules
) -> Cluster:
    name = unit[2] or unit[1]
    components = [
        intensity(recent, rules),
        _surge(history, unit, len(recent), day, rules),
    ]
    cross, chain = _cross_border(history, recent, day, rules)
    components += [cross, _proximity(recent, rules), _corroboration(recent, rules)]
    score = round(min(100.0, sum(c.points for c in components)), 1)
    count = len(recent)
    span = (max(i.event_date for i in recent) - min(i.event_date for i in recent)).days + 1
    deaths = sum(i.fatalities or 0 for i in recent)
    headline = (
        f"{count} incident{'s' if count != 1 else ''} in {span} day"
        f"{'s' if span != 1 else ''} in {name}" + (f", {deaths} reported killed" if deaths else "")
    )
    reasons = [headline] + [c.reason for c in components if c.points > 0 and c.reason]
    lats = [i.lat for i in recent if i.lat is not None]
    lons = [i.lon for i in recent if i.lon is not None]
    return Cluster(
        alert_id=alert_id(unit),
        unit=unit,
        name=name,
        day=day,
        score=score,
        level=rules.level(score),
        components=tuple(components),
        reasons=tuple(reasons),
        incidents=tuple(sorted(recent, key=lambda i: (i.event_date, i.id))),
        lat=statistics.median(lats) if lats else None,
        lon=statistics.median(lons) if lons else None,
        chain=tuple(chain),
    )


def intensity(incidents: Sequence[IncidentView], rules: Rules) -> Component:
    """Severity-weighted incidents and log fatalities, saturating at max_points.

    Adding an incident never lowers it: every weight and fatality term is non-negative
    and the saturation is increasing.
    """
    raw = sum(rules.weight(i.sub_event_type) for i in incidents)
    deaths = sum(i.fatalities or 0 for i in incidents)
    raw += rules.fatality_weight * math.log1p(deaths)
    points = rules.intensity_max * (1.0 - math.exp(-raw / rules.intensity_scale))
    kinds: dict[str, int] = defaultdict(int)
    for i in incidents:
        kinds[(i.sub_event_type or "incident").lower()] += 1
    top = ", ".join(
        f"{k} \u00d7{n}" if n > 1 else k
        for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    )
    return Component("intensity", round(points, 1), rules.intensity_max, top)


def _surge(history: History, unit: Unit, recent: int, day: date, rules: Rules) -> Component:
    window = rules.recent_days
    base_end = day - timedelta(days=window)
    base_start = base_end - timedelta(days=7 * rules.baseline_weeks)
    weekly = history.count(unit, base_start, base_end) / rules.baseline_weeks
    per_window = weekly * window / 7
    name = unit[2] or unit[1]
    ratio = (recent + 0.5) / (per_window + 0.5)
    points = 0.0
    reason = ""
    if recent >= rules.surge_min_events and ratio >= rules.surge_ratio:
        # The rule firing is worth rule_points; the rest grows with the ratio.
        share = min(
            1.0, (ratio - rules.surge_ratio) / max(rules.surge_full_ratio - rules.surge_ratio, 1e-9)
        )
        points = rules.surge_rule_points + (rules.surge_max - rules.surge_rule_points) * share
        usual = f"{per_window:.1f}" if per_window else "none"
        reason = f"{ratio:.0f}x the usual rate in {name} (usual: {usual} per {window} days)"
    # The province as a whole, for scattered escalation.
    country, admin1 = unit[0], unit[1]
    p_recent = history.province_count(country, admin1, day - timedelta(days=window), day)
    p_weekly = history.province_count(country, admin1, base_start, base_end) / rules.baseline_weeks
    p_ratio = (p_recent + 0.5) / (p_weekly * window / 7 + 0.5)
    if p_recent >= 2 * rules.surge_min_events and p_ratio >= rules.surge_ratio:
        p_points = (
            0.8 * rules.surge_max * min(1.0, (p_ratio - 1) / max(rules.surge_full_ratio - 1, 1e-9))
        )
        if p_points > points:
            points = p_points
            reason = f"{admin1} province at {p_ratio:.0f}x its usual rate ({p_recent} incidents)"
    # Slow build-up: the last four weeks against the year.
    month_start = day - timedelta(days=28)
    month = history.count(unit, month_start, day)
    year = history.count(unit, day - timedelta(days=rules.year_days), month_start)
    year_monthly = year / max((rules.year_days - 28) / 28, 1)
    slow_ratio = (month + 0.5) / (year_monthly + 0.5)
    if (
        month >= rules.slow_min_events
        and slow_ratio >= rules.slow_ratio
        and rules.slow_points > points
    ):
        points = rules.slow_points
        reason = (
            f"slow build-up: {month} incidents in 4 weeks in {name}, {slow_ratio:.1f}x "
            "its monthly average over the past year"
        )
    return Component("surge", round(min(points, rules.surge_max), 1), rules.surge_max, reason)


def _cross_border(
    history: History, recent: Sequence[IncidentView], day: date, rules: Rules
) -> tuple[Component, list[str]]:
    crossing = [i for i in recent if i.cross_border]
    if not crossing:
        return Component("cross_border", 0.0, rules.cross_max, ""), []
    points = rules.cross_any
    first = crossing[0]
    reason = f"cross-border action: {_describe(first)}"
    chain: list[str] = []
    horizon = timedelta(days=rules.reciprocity_days)
    others = history.cross_border(day - 2 * horizon - timedelta(days=rules.recent_days), day)
    for mine in crossing:
        if not mine.direction:
            continue
        reverse = "->".join(reversed(mine.direction.split("->")))
        for other in others:
            if other.direction != reverse or other.id == mine.id:
                continue
            gap = (mine.event_date - other.event_date).days
            if abs(gap) <= rules.reciprocity_days and _near(mine, other, rules):
                earlier, later = (other, mine) if gap >= 0 else (mine, other)
                hours = abs(gap) * 24
                chain = [
                    f"{earlier.event_date:%d %b}: {_describe(earlier)}",
                    f"{later.event_date:%d %b}: {_describe(later)}",
                ]
                reason = (
                    f"{_describe(earlier)} answered by {_describe(later)} within {hours} h"
                    if hours
                    else f"{_describe(earlier)} answered by {_describe(later)} the same day"
                )
                points += rules.reciprocity_points
                break
        if chain:
            break
    return Component(
        "cross_border", round(min(points, rules.cross_max), 1), rules.cross_max, reason
    ), chain


def _near(a: IncidentView, b: IncidentView, rules: Rules) -> bool:
    """Whether ``b`` is close enough to ``a`` to count as its answer (rules permitting)."""
    limit = rules.reciprocity_within_km
    if limit <= 0 or a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return True
    return haversine_km(a.lat, a.lon, b.lat, b.lon) <= limit


def _describe(incident: IncidentView) -> str:
    origin = (incident.direction or "").split("->")[0]
    who = COUNTRY_NAMES.get(origin, "")
    what = (incident.sub_event_type or "action").lower()
    where = incident.admin2 or incident.admin1
    return f"{who} {what} in {where}".strip()


def _proximity(recent: Sequence[IncidentView], rules: Rules) -> Component:
    distances = [i.distance_km for i in recent if i.distance_km is not None and i.precision <= 2]
    points = 0.0
    reason = ""
    if distances:
        nearest = min(distances)
        span = max(rules.zero_beyond_km - rules.full_within_km, 1e-9)
        share = (
            1.0
            if nearest <= rules.full_within_km
            else max(0.0, 1 - (nearest - rules.full_within_km) / span)
        )
        points = (rules.proximity_max - rules.crossing_points) * share
        reason = f"{nearest:.0f} km from the Durand Line"
    crossings = sorted({i.place for i in recent if i.place_kind in ("crossing", "pass")})
    if crossings:
        points += rules.crossing_points
        reason = (reason + "; " if reason else "") + f"at {', '.join(crossings)}"
    return Component(
        "proximity", round(min(points, rules.proximity_max), 1), rules.proximity_max, reason
    )


def _corroboration(recent: Sequence[IncidentView], rules: Rules) -> Component:
    outlets = {outlet for i in recent for outlet, _ in i.sources}
    most = max(i.outlets for i in recent)
    independent = max(most, min(len(outlets), sum(i.outlets for i in recent)))
    points = min(rules.corroboration_max, rules.per_extra_outlet * max(0, independent - 1))
    reasons = []
    if independent > 1:
        reasons.append(f"{independent} independent outlets")
    unconfirmed = sorted({p for i in recent if i.outlets < 2 for p in i.claimed_by})
    if unconfirmed:
        reasons.append(f"claims by {', '.join(unconfirmed)} not yet confirmed by a second outlet")
    return Component("corroboration", round(points, 1), rules.corroboration_max, "; ".join(reasons))


def _silences(
    history: History, clusters: Sequence[Cluster], day: date, rules: Rules
) -> dict[Unit, Cluster]:
    """Districts gone quiet while their province escalates: flagged at least yellow."""
    hot = {(c.country, c.admin1) for c in clusters if c.level in ("orange", "red")}
    if not hot:
        return {}
    by_unit = {c.unit: c for c in clusters}
    window = rules.recent_days
    base_end = day - timedelta(days=window)
    base_start = base_end - timedelta(days=7 * rules.baseline_weeks)
    flagged: dict[Unit, Cluster] = {}
    for unit in history.units():
        if (unit[0], unit[1]) not in hot or unit[2] is None:
            continue
        weekly = history.count(unit, base_start, base_end) / rules.baseline_weeks
        if weekly < rules.silence_min_baseline:
            continue
        recent = history.count(unit, day - timedelta(days=window), day)
        if recent > rules.silence_drop_share * weekly * window / 7:
            continue
        reason = (
            f"reporting from {unit[2]} fell to {recent} in {window} days from about "
            f"{weekly:.0f} a week while {unit[1]} escalates: silence may mean a "
            "blackout, not calm"
        )
        base = by_unit.get(unit)
        score = max(base.score if base else 0.0, rules.yellow)
        flagged[unit] = Cluster(
            alert_id=alert_id(unit),
            unit=unit,
            name=unit[2] or unit[1],
            day=day,
            score=score,
            level=rules.level(score),
            components=base.components if base else (),
            reasons=(*base.reasons, reason) if base else (reason,),
            incidents=base.incidents if base else (),
            lat=base.lat if base else None,
            lon=base.lon if base else None,
            silence=True,
            chain=base.chain if base else (),
        )
    return flagged
