"""Where is violence escalating, how badly, and why. Pure: incidents, rules, a day in.

Units nest: district within province within sector of the line within the whole border
region ("the line"), on both sides (:class:`Unit`; sectors come from ``geo/region.toml``).
An incident counts for every unit it lies in; one placed only at province level counts
for its province and above.

Each unit with recent incidents is judged on two separate axes (:func:`assess`):

* **escalation**, against the unit's own history (:mod:`durandwatch.aberration`): the
  *surge* test asks whether the last ``recent_days`` are unusual against the
  ``baseline_days`` before them, the *burst* test whether today is, and the *build-up*
  test (a CUSUM of weekly counts against the past year) whether a slow rise is under way;
* **severity**, whatever the history: deaths, means, civilian and sectarian harm.

The level follows ``alerts/rules.toml`` (orange: a surge or burst; red: a highly unusual
or severe one; yellow: a build-up, a severe incident alone, or a district gone silent in
an escalating province). Cross-border exchanges (an action from one side answered from
the other) are alerts of their own kind, per sector and for the whole line
(:func:`exchanges`). Deterministic and independent of input order by construction.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from bisect import bisect_left, bisect_right, insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .aberration import cusum_interval, dispersion_size, evidence, poisson_cusum, predictive
from .region import SectorMap
from .rules import LEVELS, Rules

if TYPE_CHECKING:
    from .dedup import Incident

COUNTRY_NAMES = {"PK": "Pakistani", "AF": "Afghan"}
COUNTRY_FULL = {"PK": "Pakistan", "AF": "Afghanistan"}
UNIT_LEVELS = ("district", "province", "sector", "line")
#: A single incident's toll above this is a claim, not a figure to score.
MAX_TOLL = 5000
#: Points of the 0-100 alert score per unit of evidence (-log10 p): 1-in-100 scores 40.
SCORE_PER_EVIDENCE = 20.0


@dataclass(frozen=True, slots=True, order=True)
class Unit:
    """A place alerts are raised for: a district, a province, a sector or the line."""

    level: str  # district, province, sector, line
    country: str = ""
    admin1: str = ""
    admin2: str = ""
    sector: str = ""  # the sector's id (sector units only)

    @property
    def key(self) -> str:
        """What the alert id is derived from (district and province keys predate sectors)."""
        if self.level == "district":
            return f"{self.country}|{self.admin1}|{self.admin2}"
        if self.level == "province":
            return f"{self.country}|{self.admin1}|"
        if self.level == "sector":
            return f"sector|{self.sector}"
        return "line"


LINE = Unit("line")


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
    civilian: bool = False
    sectarian: bool = False

    @property
    def district(self) -> str | None:
        """The district, when the incident is placed at district precision or better."""
        return self.admin2 if self.precision <= 2 and self.admin2 else None

    @property
    def toll(self) -> int:
        """Deaths to count: the conservative figure, and none for an absurd claim."""
        deaths = self.fatalities or 0
        return deaths if 0 <= deaths <= MAX_TOLL else 0

    @classmethod
    def from_incident(cls, incident: Incident) -> IncidentView | None:
        """What escalation reads of an incident; None when it has no province."""
        loc = incident.location
        if loc is None or not loc.admin1:
            return None
        actors = incident.actors
        return cls(
            id=incident.id,
            title=incident.title,
            event_date=incident.event_date,
            event_type=incident.event_type,
            sub_event_type=incident.sub_event_type,
            fatalities=incident.fatalities,
            country=loc.country,
            admin1=loc.admin1,
            admin2=loc.admin2,
            place=loc.place or loc.admin1,
            place_kind=loc.kind or "",
            precision=loc.precision or 3,
            lat=loc.lat,
            lon=loc.lon,
            distance_km=loc.distance_km,
            cross_border=incident.cross_border,
            direction=incident.direction,
            outlets=incident.outlets or 1,
            claimed_by=incident.claimed_by,
            actors=tuple(a.name for a in actors if a.role == "actor1"),
            sources=tuple((s.outlet, s.url) for s in incident.sources),
            civilian=incident.event_type == "Violence against civilians"
            or any(a.kind == "civilians" and a.role == "actor2" for a in actors),
            sectarian=incident.sectarian,
        )


def units_of(incident: IncidentView, sectors: SectorMap) -> tuple[Unit, ...]:
    """Every unit an incident counts for, smallest first."""
    found = []
    if incident.district:
        found.append(Unit("district", incident.country, incident.admin1, incident.district))
    found.append(Unit("province", incident.country, incident.admin1))
    sector = sectors.sector_of(incident.country, incident.admin1, incident.district)
    if sector:
        found.append(Unit("sector", sector=sector))
    found.append(LINE)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Test:
    """One escalation test on one unit and day, with its verdict in words."""

    name: str  # surge, burst, build_up
    observed: int
    expected: float
    p_value: float | None  # None for the CUSUM, which has a statistic instead
    level: str  # what the test alone asks for: green, yellow, orange or red
    reason: str
    statistic: float | None = None


@dataclass(frozen=True, slots=True)
class Severity:
    """How bad the unit's recent incidents are, 0-100, with the reasons."""

    points: float
    level: str  # low, moderate, high, extreme
    deaths: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Driver:
    """A smaller unit inside an alert's unit, and its part in the recent incidents."""

    name: str
    incidents: int
    deaths: int
    level: str = "green"


@dataclass(frozen=True, slots=True)
class Assessment:
    """A unit judged on a day: what the lifecycle turns into an alert."""

    alert_id: str
    unit: Unit
    kind: str  # escalation or exchange
    name: str
    day: date
    level: str
    score: float  # 0-100: 20 per unit of evidence (-log10 p); exchanges by steps
    evidence: float  # -log10 of the strongest escalation test's p-value
    tests: tuple[Test, ...]
    severity: Severity
    reasons: tuple[str, ...]
    incidents: tuple[IncidentView, ...]
    lat: float | None
    lon: float | None
    drivers: tuple[Driver, ...] = ()
    silence: bool = False
    chain: tuple[str, ...] = ()

    @property
    def country(self) -> str | None:
        return self.unit.country or None

    @property
    def admin1(self) -> str | None:
        return self.unit.admin1 or None

    @property
    def admin2(self) -> str | None:
        return self.unit.admin2 or None


def alert_id(unit: Unit, kind: str = "escalation") -> str:
    """The stable id of a unit's alert of one kind: the same situation keeps its id."""
    key = unit.key if kind == "escalation" else f"{kind}|{unit.key}"
    return "dw-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def unit_name(unit: Unit, sectors: SectorMap) -> str:
    """How a unit is named to an analyst."""
    if unit.level == "district":
        return unit.admin2
    if unit.level == "province":
        return unit.admin1
    if unit.level == "sector":
        return f"{sectors.name(unit.sector)} sector"
    return "the whole border region"


class History:
    """Incidents indexed by unit and date, for fast windows over a long history."""

    def __init__(
        self,
        incidents: Iterable[IncidentView] = (),
        *,
        sectors: SectorMap | None = None,
        covered_since: date | None = None,
    ) -> None:
        """``covered_since``: the first day the history is complete from (None: always).

        Before it, "no incident" means "not monitored", not "calm": a baseline that reaches
        back before it is unknown, and the escalation tests say so instead of firing.
        """
        self.sectors = sectors or SectorMap()
        self.covered_since = covered_since
        self._by_id: dict[str, IncidentView] = {}
        self._units: dict[str, tuple[Unit, ...]] = {}
        self._dates: dict[Unit, list[tuple[int, str]]] = defaultdict(list)
        self._days: dict[Unit, list[int]] = defaultdict(list)  # the ordinals alone, to count
        self._cross: list[tuple[int, str]] = []
        self.update(incidents)

    def update(self, incidents: Iterable[IncidentView], removed: Iterable[str] = ()) -> None:
        """Add or replace incidents; forget the ``removed`` ids."""
        batch = list(incidents)
        for iid in {*removed, *(i.id for i in batch if i.id in self._by_id)}:
            old = self._by_id.pop(iid, None)
            if old is not None:
                entry = (old.event_date.toordinal(), old.id)
                for unit in self._units.pop(iid):
                    _discard(self._dates[unit], entry)
                    days = self._days[unit]
                    del days[bisect_left(days, entry[0])]
                if old.cross_border and old.direction:
                    _discard(self._cross, entry)
        for incident in batch:
            self._by_id[incident.id] = incident
            entry = (incident.event_date.toordinal(), incident.id)
            units = units_of(incident, self.sectors)
            self._units[incident.id] = units
            for unit in units:
                insort(self._dates[unit], entry)
                insort(self._days[unit], entry[0])
            if incident.cross_border and incident.direction:
                insort(self._cross, entry)

    def forget(self, *, incidents_before: date, counts_before: date) -> None:
        """Drop incidents dated before ``incidents_before`` (their counts stay) and the
        counts of days before ``counts_before``: a long replay keeps only what the next
        assessments read (:attr:`Rules.history_days` of counts, weeks of incidents).

        An incident that may still change must not be dropped: the caller forgets only
        what the merging can no longer reach.
        """
        floor = incidents_before.toordinal()
        gone = [iid for iid, view in self._by_id.items() if view.event_date.toordinal() < floor]
        for iid in gone:
            del self._by_id[iid]
            del self._units[iid]
        for entries in (*self._dates.values(), self._cross):
            del entries[: bisect_left(entries, (floor, ""))]
        count_floor = counts_before.toordinal()
        for days in self._days.values():
            del days[: bisect_left(days, count_floor)]
        for table in (self._dates, self._days):
            for unit in [u for u, e in table.items() if not e]:
                del table[unit]

    def units(self, *, active_since: date | None = None) -> list[Unit]:
        """Units with incidents (after ``active_since``, when given), in a fixed order."""
        floor = (active_since.toordinal() + 1) if active_since else -1
        return sorted(u for u, e in self._dates.items() if e and e[-1][0] >= floor)

    def units_of(self, incident: IncidentView) -> tuple[Unit, ...]:
        return self._units[incident.id]

    def between(self, unit: Unit, start: date, end: date) -> list[IncidentView]:
        """Incidents of ``unit`` with start < event_date <= end."""
        return self._slice(self._dates.get(unit, []), start, end)

    def count(self, unit: Unit, start: date, end: date) -> int:
        """How many incidents of ``unit`` have start < event_date <= end."""
        days = self._days.get(unit, [])
        return bisect_right(days, end.toordinal()) - bisect_right(days, start.toordinal())

    def weekly(self, unit: Unit, end: date, weeks: int) -> list[int]:
        """Counts of the ``weeks`` 7-day periods ending on ``end``, oldest first."""
        days = self._days.get(unit, [])
        last = end.toordinal()
        edges = [bisect_right(days, last - 7 * k) for k in range(weeks, -1, -1)]
        return [b - a for a, b in pairwise(edges)]

    def cross_border(self, start: date, end: date) -> list[IncidentView]:
        """Directed cross-border incidents with start < event_date <= end."""
        return self._slice(self._cross, start, end)

    def _slice(self, entries: list[tuple[int, str]], start: date, end: date) -> list[IncidentView]:
        lo = bisect_left(entries, (start.toordinal() + 1, ""))
        hi = bisect_right(entries, (end.toordinal(), "\uffff"))
        return [self._by_id[iid] for _, iid in entries[lo:hi]]


def _discard(entries: list[tuple[int, str]], entry: tuple[int, str]) -> None:
    at = bisect_left(entries, entry)
    if at < len(entries) and entries[at] == entry:
        del entries[at]


def assess(
    history: History, day: date, rules: Rules, *, only_alerts: bool = False
) -> list[Assessment]:
    """Judge every unit with incidents in the weeks up to ``day`` (inclusive).

    Returns the escalation assessments of every such unit (green included, so the
    lifecycle can clear alerts) and the cross-border exchange assessments, sorted by
    level, then score.

    ``only_alerts``: a unit that is certainly green comes back as a bare green
    assessment (no tests, reasons or incidents; see :func:`_screened`). That is all the
    alert lifecycle reads, and it spares the count model most units on most days.
    """
    active = history.units(active_since=day - timedelta(days=28))
    judge = _screened if only_alerts else assess_unit
    found = {u: judge(history, u, day, rules) for u in active}
    found.update(_silences(history, found, day, rules))
    results = list(found.values()) + exchanges(history, day, rules)
    return sorted(results, key=_rank)


def _screened(history: History, unit: Unit, day: date, rules: Rules) -> Assessment:
    """:func:`assess_unit`, or a bare green when the unit is certainly green.

    Every escalation test needs a minimum of incidents to fire (surge and burst in their
    windows, the build-up in the last four weeks); a unit below all three minimums
    whose own incidents are not severe is green whatever its history, and a green
    assessment raises nothing (:func:`~durandwatch.lifecycle.advance` skips it). Most
    units on most days are such, so this saves the count model for the others: the
    levels, and so the alerts, are the same as judging every unit in full.
    """
    count = history.count
    if (
        count(unit, day - timedelta(days=rules.recent_days), day) >= rules.surge_min_events
        or count(unit, day - timedelta(days=1), day) >= rules.burst_min_events
        or count(unit, day - timedelta(days=7 * min(4, rules.build_up_weeks)), day)
        >= rules.build_up_min_events
    ):
        return assess_unit(history, unit, day, rules)
    recent = history.between(unit, day - timedelta(days=rules.recent_days), day)
    if unit.level == "province":
        recent = [i for i in recent if not i.district]
    severe = unit.level in ("district", "province") and bool(recent)
    if severe and assess_severity(recent, rules).points >= rules.severity_high:
        return assess_unit(history, unit, day, rules)
    return Assessment(
        alert_id=alert_id(unit),
        unit=unit,
        kind="escalation",
        name=unit_name(unit, history.sectors),
        day=day,
        level="green",
        score=0.0,
        evidence=0.0,
        tests=(),
        severity=Severity(0.0, "low", 0, ()),
        reasons=(),
        incidents=(),
        lat=None,
        lon=None,
    )


def _rank(a: Assessment) -> tuple[int, float, str]:
    return (-LEVELS.index(a.level), -a.score, a.alert_id)


def assess_unit(
    history: History, unit: Unit, day: date, rules: Rules, *, detail: bool = False
) -> Assessment:
    """Both axes for one unit on one day, and the level they give.

    A green unit raises no alert, so its incidents, drivers and point are left out
    unless ``detail`` is asked for (a replay judges thousands of units a year).
    """
    recent = history.between(unit, day - timedelta(days=rules.recent_days), day)
    tests = escalation_tests(history, unit, day, rules)
    severity = assess_severity(recent, rules)
    # A severe incident with no escalation is flagged once, at the smallest unit that
    # holds it (its district, or its province when it is placed no closer), not again
    # for every unit above.
    own = severity
    if unit.level == "province":
        own = assess_severity([i for i in recent if not i.district], rules)
    elif unit.level in ("sector", "line"):
        own = Severity(0.0, "low", 0, ())
    ranks = [LEVELS.index(t.level) for t in tests]
    level = LEVELS[max(ranks, default=0)]
    reasons: list[str] = []
    if level in ("orange", "red"):
        reasons += [t.reason for t in tests if t.level in ("orange", "red")]
        if level == "orange" and severity.points >= rules.severity_high:
            level = "red"
            reasons.append(f"severe: {', '.join(severity.reasons)}")
    elif level == "yellow" or own.points >= rules.severity_high:
        reasons += [t.reason for t in tests if t.level == "yellow"]
        if own.points >= rules.severity_high:
            level = "yellow"
            reasons.append(f"severe, though not (yet) an escalation: {', '.join(own.reasons)}")
    name = unit_name(unit, history.sectors)
    headline = _headline(recent, name, rules.recent_days)
    strongest = max((evidence(t.p_value) for t in tests if t.p_value is not None), default=0.0)
    shown = recent if detail or level != "green" else []
    lats = [i.lat for i in shown if i.lat is not None]
    lons = [i.lon for i in shown if i.lon is not None]
    return Assessment(
        alert_id=alert_id(unit),
        unit=unit,
        kind="escalation",
        name=name,
        day=day,
        level=level,
        score=round(min(100.0, SCORE_PER_EVIDENCE * strongest), 1),
        evidence=round(strongest, 2),
        tests=tests,
        severity=severity,
        reasons=(headline, *reasons),
        incidents=tuple(sorted(shown, key=lambda i: (i.event_date, i.id))),
        lat=statistics.median(lats) if lats else None,
        lon=statistics.median(lons) if lons else None,
        drivers=_drivers(history, unit, shown),
    )


def _headline(recent: Sequence[IncidentView], name: str, window: int) -> str:
    count = len(recent)
    deaths = sum(i.toll for i in recent)
    return f"{count} incident{'s' if count != 1 else ''} in {window} days in {name}" + (
        f", {deaths} reported killed" if deaths else ""
    )


def escalation_tests(history: History, unit: Unit, day: date, rules: Rules) -> tuple[Test, ...]:
    """The surge, burst and build-up tests of one unit on one day."""
    window = rules.recent_days
    base_end = day - timedelta(days=window)
    base_start = base_end - timedelta(days=rules.baseline_days)
    covered = history.covered_since
    if covered is not None and covered > base_start + timedelta(days=1):
        reason = (
            f"escalation is judged once {rules.recent_days + rules.baseline_days} days are "
            f"monitored (history from {covered:%d %b %Y})"
        )
        return (Test("surge", 0, 0.0, None, "green", reason),)
    baseline = history.count(unit, base_start, base_end)
    weeks = rules.year_days // 7
    if covered is not None:
        weeks = min(weeks, max(0, (base_end - covered).days // 7))
    year = history.weekly(unit, base_end, weeks)
    weekly_size = dispersion_size(year, minimum=rules.dispersion_min_size)
    return (
        _surge(history, unit, day, baseline, weekly_size, rules),
        _burst(history, unit, day, baseline, weekly_size, rules),
        _build_up(history, unit, day, rules),
    )


def _window_test(
    name: str,
    observed: int,
    baseline: int,
    window_days: int,
    weekly_size: float,
    rules: Rules,
    *,
    min_events: int,
    min_ratio: float,
    orange_p: float,
    red_p: float,
    min_baseline: int = 0,
) -> tuple[float, float, str]:
    """(expected, p-value, level) of a window's count against the unit's baseline."""
    usual = baseline / rules.baseline_days * window_days
    model = predictive(
        baseline,
        rules.baseline_days,
        window_days,
        prior_events=rules.prior_events,
        prior_days=rules.prior_days,
        dispersion=weekly_size * window_days / 7,
    )
    p_value = model.upper_tail(observed)
    relevant = observed >= min_events and observed >= min_ratio * usual and baseline >= min_baseline
    level = "green"
    if relevant and p_value < red_p:
        level = "red"
    elif relevant and p_value < orange_p:
        level = "orange"
    return usual, p_value, level


def _surge(
    history: History, unit: Unit, day: date, baseline: int, weekly_size: float, rules: Rules
) -> Test:
    window = rules.recent_days
    observed = history.count(unit, day - timedelta(days=window), day)
    usual, p_value, level = _window_test(
        "surge",
        observed,
        baseline,
        window,
        weekly_size,
        rules,
        min_events=rules.surge_min_events,
        min_ratio=rules.surge_min_ratio,
        orange_p=rules.surge_orange_p,
        red_p=rules.surge_red_p,
    )
    ratio = f"{observed / usual:.1f}x" if usual else "with none"
    reason = (
        f"surge: {observed} incidents in {window} days against a usual {usual:.1f} "
        f"({ratio}; one chance in {_odds(p_value)} on its own history)"
    )
    return Test("surge", observed, round(usual, 2), p_value, level, reason)


def _burst(
    history: History, unit: Unit, day: date, baseline: int, weekly_size: float, rules: Rules
) -> Test:
    observed = history.count(unit, day - timedelta(days=1), day)
    usual, p_value, level = _window_test(
        "burst",
        observed,
        baseline,
        1,
        weekly_size,
        rules,
        min_events=rules.burst_min_events,
        min_ratio=rules.burst_min_ratio,
        orange_p=rules.burst_orange_p,
        red_p=rules.burst_red_p,
        min_baseline=rules.burst_min_baseline,
    )
    reason = (
        f"burst: {observed} incidents on {day:%d %b} against a usual {usual:.2f} a day "
        f"(one chance in {_odds(p_value)})"
    )
    return Test("burst", observed, round(usual, 3), p_value, level, reason)


def _build_up(history: History, unit: Unit, day: date, rules: Rules) -> Test:
    weeks = rules.build_up_weeks
    recent = history.weekly(unit, day, weeks)
    start = day - timedelta(days=7 * weeks)
    year_start = start - timedelta(days=rules.year_days)
    if history.covered_since is not None and history.covered_since > year_start:
        year_start = history.covered_since - timedelta(days=1)
    span = (start - year_start).days
    if span < rules.baseline_days:
        return Test("build_up", sum(recent[-4:]), 0.0, None, "green", "", None)
    year = history.count(unit, year_start, start)
    # The weekly mean of the year before the CUSUM's weeks, gamma-smoothed.
    reference = (rules.prior_events + year) / (rules.prior_days + span) * 7
    shifted = max(rules.build_up_shift_ratio * reference, reference + rules.build_up_min_shift)
    statistic = poisson_cusum(recent, reference, shifted)
    interval = cusum_interval(reference, shifted, rules.build_up_in_control_weeks)
    month = sum(recent[-4:])
    level = "yellow" if statistic > interval and month >= rules.build_up_min_events else "green"
    reason = (
        f"slow build-up: {month} incidents in the last 4 weeks against "
        f"{4 * reference:.1f} in an average 4 weeks before (CUSUM {statistic:.1f} "
        f"over {interval:.1f})"
    )
    return Test(
        "build_up", month, round(4 * reference, 2), None, level, reason, round(statistic, 2)
    )


def _odds(p_value: float) -> str:
    if p_value <= 0:
        return "a million"
    odds = 1 / p_value
    if odds >= 1_000_000:
        return "over a million"
    return f"{odds:,.0f}"


def assess_severity(recent: Sequence[IncidentView], rules: Rules) -> Severity:
    """Deaths, means, civilian and sectarian harm over the recent incidents.

    Adding an incident never lowers it: every part is a sum or a maximum.
    """
    deaths = sum(i.toll for i in recent)
    points = min(rules.deaths_max, rules.deaths_per_decade * math.log10(1 + deaths))
    reasons = [f"{deaths} reported killed"] if deaths else []
    means = Counter(i.sub_event_type for i in recent if i.sub_event_type in rules.means)
    if means:
        gravest = max(means, key=lambda m: (rules.means[m or ""], m or ""))
        points += rules.means[gravest or ""]
        if rules.means[gravest or ""] >= 15:
            reasons.append(
                ", ".join(
                    f"{(m or '').lower()} \u00d7{n}" if n > 1 else (m or "").lower()
                    for m, n in sorted(means.items(), key=lambda kv: (-kv[1], kv[0] or ""))
                )
            )
    if any(i.civilian for i in recent):
        points += rules.civilian_points
        reasons.append("civilians targeted or among the victims")
    if any(i.sectarian for i in recent):
        points += rules.sectarian_points
        reasons.append("sectarian targeting")
    points = round(min(100.0, points), 1)
    return Severity(points, rules.severity_level(points), deaths, tuple(reasons))


def _drivers(history: History, unit: Unit, recent: Sequence[IncidentView]) -> tuple[Driver, ...]:
    """The smaller units behind a province, sector or line alert, busiest first."""
    if unit.level == "district":
        return ()
    parts: dict[str, list[IncidentView]] = defaultdict(list)
    for incident in recent:
        units = history.units_of(incident)
        if unit.level == "line":
            sector = next((u for u in units if u.level == "sector"), None)
            label = (
                unit_name(sector, history.sectors) if sector else f"{incident.admin1} (no sector)"
            )
        else:
            label = incident.district or f"{incident.admin1} (province only)"
        parts[label].append(incident)
    drivers = [
        Driver(label, len(items), sum(i.toll for i in items)) for label, items in parts.items()
    ]
    drivers.sort(key=lambda d: (-d.incidents, -d.deaths, d.name))
    return tuple(drivers[:5])


def _silences(
    history: History, found: Mapping[Unit, Assessment], day: date, rules: Rules
) -> dict[Unit, Assessment]:
    """Districts gone quiet while their province escalates: flagged at least yellow."""
    hot = {
        (u.country, u.admin1)
        for u, a in found.items()
        if u.level == "province" and a.level in ("orange", "red")
    }
    if not hot:
        return {}
    window = rules.recent_days
    base_end = day - timedelta(days=window)
    base_start = base_end - timedelta(days=rules.baseline_days)
    weeks = rules.baseline_days / 7
    flagged: dict[Unit, Assessment] = {}
    for unit in history.units(active_since=base_start):
        if unit.level != "district" or (unit.country, unit.admin1) not in hot:
            continue
        weekly = history.count(unit, base_start, base_end) / weeks
        if weekly < rules.silence_min_baseline:
            continue
        recent = history.count(unit, day - timedelta(days=window), day)
        if recent > rules.silence_drop_share * weekly * window / 7:
            continue
        reason = (
            f"reporting from {unit.admin2} fell to {recent} in {window} days from about "
            f"{weekly:.0f} a week while {unit.admin1} escalates: silence may mean a "
            "blackout, not calm"
        )
        base = assess_unit(history, unit, day, rules, detail=True)
        level = base.level if LEVELS.index(base.level) >= 1 else "yellow"
        flagged[unit] = Assessment(
            **{
                **_fields(base),
                "level": level,
                "reasons": (*base.reasons, reason),
                "silence": True,
            }
        )
    return flagged


def _fields(assessment: Assessment) -> dict[str, Any]:
    return {name: getattr(assessment, name) for name in Assessment.__slots__}


# -- cross-border exchanges -------------------------------------------------------------


def _reverse(direction: str) -> str:
    if direction == "both":
        return "both"
    return "->".join(reversed(direction.split("->")))


def _answers(earlier: IncidentView, later: IncidentView, days: int) -> bool:
    """Whether ``later`` answers ``earlier`` from the other side within ``days``."""
    gap = (later.event_date - earlier.event_date).days
    if not 0 <= gap <= days or later.id == earlier.id:
        return False
    a, b = earlier.direction or "", later.direction or ""
    return "both" in (a, b) or b == _reverse(a)


def exchange_chain(
    incidents: Sequence[IncidentView],
    days: int,
    *,
    ending_after: date | None = None,
    involving: set[str] | None = None,
) -> list[IncidentView]:
    """The longest chain of actions each answered from the other side within ``days``.

    An exchange of fire with no stated initiator (``both``) is a step that answers and
    can be answered either way. Only chains whose last step is after ``ending_after``
    count (the loop is still going), and that hold one of the ``involving`` ids when
    given; ties go to the chain that ends latest, then by id.
    """
    ordered = sorted(incidents, key=lambda i: (i.event_date, i.id))
    best: list[list[IncidentView]] = []
    for i, incident in enumerate(ordered):
        chain = [incident]
        for j in range(i):
            if _answers(ordered[j], incident, days) and len(best[j]) + 1 > len(chain):
                chain = [*best[j], incident]
        best.append(chain)
    live = [
        c
        for c in best
        if (ending_after is None or c[-1].event_date > ending_after)
        and (involving is None or any(i.id in involving for i in c))
    ]
    return max(live, key=lambda c: (_steps(c), c[-1].event_date, c[-1].id), default=[])


def _steps(chain: Sequence[IncidentView]) -> int:
    """Actions in a chain; a lone exchange of fire counts as two (both sides fired)."""
    return len(chain) + (1 if len(chain) == 1 and chain[0].direction == "both" else 0)


def exchanges(history: History, day: date, rules: Rules) -> list[Assessment]:
    """Cross-border exchange alerts: one per sector with recent directed action, one for the line.

    Where an answer may be (``exchange.pair_within``): ``sector`` (the default) pairs an
    action only with answers in its own sector, ``adjacent`` also in the sectors next to
    it along the line, ``line`` anywhere for the line's alert. Actions placed in no sector
    are paired among themselves. The line's alert carries the worst chain and names every
    sector with cross-border action.
    """
    horizon = rules.recent_days + 2 * rules.reciprocity_days
    pool = history.cross_border(day - timedelta(days=horizon), day)
    if not pool:
        return []
    own: dict[Unit, list[IncidentView]] = defaultdict(list)
    for incident in pool:
        own[_sector_of(history, incident)].append(incident)
    found: list[Assessment] = []
    for unit in sorted(own):
        candidates = own[unit]
        if rules.exchange_pair_within == "adjacent" and unit.level == "sector":
            near = history.sectors.neighbours(unit.sector)
            candidates = [i for u in sorted(own) if u == unit or u.sector in near for i in own[u]]
        assessment = _exchange(history, unit, candidates, day, rules, must_include=own[unit])
        if assessment is not None:
            found.append(assessment)
    if rules.exchange_pair_within == "line":
        anywhere = _exchange(history, LINE, pool, day, rules)
        if anywhere is not None:
            found.append(anywhere)
    if not found:
        return []
    worst = max(found, key=lambda a: (LEVELS.index(a.level), a.score, a.alert_id))
    sectors = [a for a in found if a.unit.level == "sector"]
    line = Assessment(
        **{
            **_fields(worst),
            "alert_id": alert_id(LINE, "exchange"),
            "unit": LINE,
            "name": unit_name(LINE, history.sectors),
            "reasons": (
                *worst.reasons,
                "sectors with cross-border action: "
                + (", ".join(f"{a.name} ({a.level})" for a in sectors) or "none placed"),
            ),
            "drivers": tuple(
                Driver(a.name, len(a.incidents), a.severity.deaths, a.level) for a in sectors
            ),
        }
    )
    return [*sectors, line]


def _sector_of(history: History, incident: IncidentView) -> Unit:
    return next((u for u in history.units_of(incident) if u.level == "sector"), LINE)


def _exchange(
    history: History,
    unit: Unit,
    incidents: Sequence[IncidentView],
    day: date,
    rules: Rules,
    *,
    must_include: Sequence[IncidentView] | None = None,
) -> Assessment | None:
    recent_start = day - timedelta(days=rules.recent_days)
    chain = exchange_chain(
        incidents,
        rules.reciprocity_days,
        ending_after=recent_start,
        involving={i.id for i in must_include} if must_include is not None else None,
    )
    if not chain:
        return None  # no step in the window: the exchange has gone quiet
    steps = _steps(chain)
    deaths = sum(i.toll for i in chain)
    if steps >= rules.exchange_red_steps or (steps >= 2 and deaths >= rules.exchange_red_deaths):
        level = "red"
    elif steps >= 2:
        level = "orange"
    else:
        level = "yellow"
    name = unit_name(unit, history.sectors) if unit.level == "sector" else "unplaced sectors"
    described = [f"{i.event_date:%d %b}: {describe_action(i)}" for i in chain]
    if len(chain) >= 2:
        hours = (chain[-1].event_date - chain[0].event_date).days * 24
        summary = " answered by ".join(describe_action(i) for i in chain[:2])
        more = f", then {len(chain) - 2} more step(s)" if len(chain) > 2 else ""
        reason = f"{summary}{more} within {hours} h" if hours else f"{summary} the same day"
    elif steps >= 2:
        reason = f"exchange of fire across the line: {describe_action(chain[0])}"
    else:
        reason = f"cross-border action, not (yet) answered: {describe_action(chain[0])}"
    recent = [i for i in incidents if i.event_date > recent_start]
    lats = [i.lat for i in chain if i.lat is not None]
    lons = [i.lon for i in chain if i.lon is not None]
    return Assessment(
        alert_id=alert_id(unit, "exchange"),
        unit=unit,
        kind="exchange",
        name=name,
        day=day,
        level=level,
        score=float(min(100, 25 * steps)),
        evidence=0.0,
        tests=(),
        severity=assess_severity(chain, rules),
        reasons=(
            f"{len(recent)} cross-border action{'s' if len(recent) != 1 else ''} in "
            f"{rules.recent_days} days in {name}"
            + (f", {deaths} reported killed in the exchange" if deaths else ""),
            reason,
        ),
        incidents=tuple(chain),
        lat=statistics.median(lats) if lats else None,
        lon=statistics.median(lons) if lons else None,
        chain=tuple(described),
    )


def describe_action(incident: IncidentView) -> str:
    """'Pakistani air/drone strike in Barmal (Paktika)', from who acted, how and where."""
    origin = (incident.direction or "").split("->")[0]
    what = (incident.sub_event_type or "action").lower()
    where = (
        f"{incident.admin2} ({incident.admin1})"
        if incident.district and incident.admin2 != incident.admin1
        else incident.admin1
    )
    if incident.direction == "both":
        return f"exchange of fire ({what}) in {where}"
    who = COUNTRY_NAMES.get(origin, "")
    return f"{who} {what} in {where}".strip()
