"""Alert lifecycle: one alert per unit and kind, changing over time, with a stable id.

Each run turns the day's assessments into alert events. An assessment at yellow or above
opens an alert (``new``) or moves the open one (``escalated``, ``de-escalated``,
``updated`` when its incidents or score changed, ``ongoing`` otherwise); an open alert
whose unit fell back to green is ``cleared`` once and closed. Pure: state in, state out.
:func:`alert_of` flattens an event into the :class:`Alert` that the store keeps, the
outputs show and the email sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from .escalation import Assessment, Driver, Severity, Test
from .rules import LEVELS


@dataclass(frozen=True, slots=True)
class AlertState:
    """What is remembered about an open alert between runs."""

    alert_id: str
    level: str
    score: float
    opened: date
    updated: date
    incident_ids: tuple[str, ...]
    name: str
    # Where the alert is, so that its clearing still says where (states stored before
    # these fields existed read as None).
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    lat: float | None = None
    lon: float | None = None
    # The unit's level (district, province, sector, line) and the alert's kind
    # (escalation, exchange); states stored before these existed were districts and
    # provinces of escalation alerts.
    unit: str | None = None
    kind: str = "escalation"
    sector: str | None = None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert as of one run: its cluster, status and trend."""

    alert_id: str
    day: date
    status: str  # new, escalated, de-escalated, updated, ongoing, cleared
    trend: str  # new, rising, falling, steady, cleared
    level: str
    score: float
    previous_level: str | None
    opened: date
    name: str
    cluster: Assessment | None
    previous_day: date | None = None  # when the alert was last updated before this run
    last: AlertState | None = None  # for a cleared alert: its state before clearing


def advance(
    open_alerts: Mapping[str, AlertState], clusters: Iterable[Assessment], day: date
) -> tuple[dict[str, AlertState], list[AlertEvent]]:
    """The next state and the events of ``day``."""
    state = dict(open_alerts)
    events: list[AlertEvent] = []
    seen: set[str] = set()
    for cluster in clusters:
        if cluster.level == "green":
            continue
        seen.add(cluster.alert_id)
        ids = tuple(i.id for i in cluster.incidents)
        old = state.get(cluster.alert_id)
        if old is None:
            status, trend, opened, previous = "new", "new", day, None
        else:
            rank_new, rank_old = LEVELS.index(cluster.level), LEVELS.index(old.level)
            previous, opened = old.level, old.opened
            if rank_new > rank_old:
                status = "escalated"
            elif rank_new < rank_old:
                status = "de-escalated"
            elif ids != old.incident_ids or abs(cluster.score - old.score) >= 0.05:
                status = "updated"
            else:
                status = "ongoing"
            trend = (
                "rising"
                if cluster.score > old.score + 2
                else "falling"
                if cluster.score < old.score - 2
                else "steady"
            )
        state[cluster.alert_id] = AlertState(
            cluster.alert_id,
            cluster.level,
            cluster.score,
            opened,
            day,
            ids,
            cluster.name,
            cluster.country,
            cluster.admin1,
            cluster.admin2,
            cluster.lat,
            cluster.lon,
            cluster.unit.level,
            cluster.kind,
            cluster.unit.sector or None,
        )
        events.append(
            AlertEvent(
                cluster.alert_id,
                day,
                status,
                trend,
                cluster.level,
                cluster.score,
                previous,
                opened,
                cluster.name,
                cluster,
                old.updated if old is not None else None,
            )
        )
    for alert_id in sorted(set(state) - seen):
        old = state.pop(alert_id)
        events.append(
            AlertEvent(
                alert_id,
                day,
                "cleared",
                "cleared",
                "green",
                0.0,
                old.level,
                old.opened,
                old.name,
                None,
                old.updated,
                old,
            )
        )
    events.sort(key=lambda e: (-e.score, e.alert_id))
    return state, events


@dataclass(frozen=True, slots=True)
class AlertSource:
    """An outlet that reported one of an alert's incidents."""

    outlet: str
    url: str | None


@dataclass(frozen=True, slots=True)
class AlertIncident:
    """One incident behind an alert, as the alert shows it."""

    id: str
    title: str
    event_date: date
    type: str | None  # the ACLED sub-event type
    fatalities: int | None
    place: str
    admin1: str
    admin2: str | None
    lat: float | None
    lon: float | None
    precision: int
    direction: str | None
    sources: tuple[AlertSource, ...]


@dataclass(frozen=True, slots=True)
class EscalationTests:
    """Why an escalation alert was raised: the evidence and each test's verdict."""

    evidence: float
    tests: tuple[Test, ...]  # p-values kept to three significant digits


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert as of one day: what the store keeps, the outputs show and email sends.

    Flat where :class:`AlertEvent` points into the assessment, so that it can be stored
    and read back whole (:mod:`durandwatch.codec`). ``day`` is the ``date`` of the JSON.
    """

    day: date
    alert_id: str
    level: str
    score: float
    country: str | None
    admin1: str | None
    admin2: str | None
    lat: float | None
    lon: float | None
    reasons: tuple[str, ...]
    unit: str  # district, province, sector, line
    kind: str  # escalation, exchange
    sector: str | None
    status: str  # new, escalated, de-escalated, updated, ongoing, cleared
    trend: str
    previous_level: str | None
    opened: date
    previous_day: date | None  # the day of the message this one updates
    name: str
    silence: bool
    escalation: EscalationTests | None  # escalation alerts only
    severity: Severity | None  # None once cleared
    drivers: tuple[Driver, ...]
    chain: tuple[str, ...]
    incidents: tuple[AlertIncident, ...]

    @property
    def shown(self) -> bool:
        """Whether the day's outputs show it: above green, or cleared today."""
        return self.level != "green" or self.status == "cleared"


def alert_of(event: AlertEvent) -> Alert:
    """The alert of ``replay-alerts.jsonl``, the store and the outputs."""
    cluster = event.cluster
    where = cluster or event.last
    unit = cluster.unit.level if cluster else (event.last.unit if event.last else None)
    kind = cluster.kind if cluster else (event.last.kind if event.last else "escalation")
    sector = (
        (cluster.unit.sector or None) if cluster else (event.last.sector if event.last else None)
    )
    return Alert(
        day=event.day,
        alert_id=event.alert_id,
        level=event.level,
        score=event.score,
        country=where.country if where else None,
        admin1=where.admin1 if where else None,
        admin2=where.admin2 if where else None,
        lat=where.lat if where else None,
        lon=where.lon if where else None,
        reasons=cluster.reasons if cluster else (f"{event.name}: back to green",),
        unit=unit or ("district" if where and where.admin2 else "province"),
        kind=kind,
        sector=sector,
        status=event.status,
        trend=event.trend,
        previous_level=event.previous_level,
        opened=event.opened,
        previous_day=event.previous_day,
        name=event.name,
        silence=cluster.silence if cluster else False,
        escalation=_escalation(cluster),
        severity=cluster.severity if cluster else None,
        drivers=cluster.drivers if cluster else (),
        chain=cluster.chain if cluster else (),
        incidents=tuple(
            AlertIncident(
                id=i.id,
                title=i.title,
                event_date=i.event_date,
                type=i.sub_event_type,
                fatalities=i.fatalities,
                place=i.place,
                admin1=i.admin1,
                admin2=i.admin2,
                lat=i.lat,
                lon=i.lon,
                precision=i.precision,
                direction=i.direction,
                sources=tuple(AlertSource(o, u) for o, u in i.sources),
            )
            for i in (cluster.incidents if cluster else ())
        ),
    )


def _escalation(cluster: Assessment | None) -> EscalationTests | None:
    if cluster is None or cluster.kind != "escalation":
        return None
    return EscalationTests(
        cluster.evidence,
        tuple(
            replace(t, p_value=None if t.p_value is None else float(f"{t.p_value:.3g}"))
            for t in cluster.tests
        ),
    )
