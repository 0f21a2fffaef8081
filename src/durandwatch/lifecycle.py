"""Alert lifecycle: one alert per unit and kind, changing over time, with a stable id.

Each run turns the day's assessments into alert events. An assessment at yellow or above
opens an alert (``new``) or moves the open one (``escalated``, ``de-escalated``,
``updated`` when its incidents or score changed, ``ongoing`` otherwise); an open alert
whose unit fell back to green is ``cleared`` once and closed. Pure: state in, state out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .escalation import Assessment
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


def event_record(event: AlertEvent) -> dict[str, Any]:
    """The alert object of ``replay-alerts.jsonl`` and the exports (DESIGN.md fields first)."""
    cluster = event.cluster
    where = cluster or event.last
    unit = cluster.unit.level if cluster else (event.last.unit if event.last else None)
    kind = cluster.kind if cluster else (event.last.kind if event.last else "escalation")
    sector = (
        (cluster.unit.sector or None) if cluster else (event.last.sector if event.last else None)
    )
    record: dict[str, Any] = {
        "date": event.day.isoformat(),
        "alert_id": event.alert_id,
        "level": event.level,
        "score": event.score,
        "country": where.country if where else None,
        "admin1": where.admin1 if where else None,
        "admin2": where.admin2 if where else None,
        "lat": where.lat if where else None,
        "lon": where.lon if where else None,
        "reasons": list(cluster.reasons) if cluster else [f"{event.name}: back to green"],
        "unit": unit or ("district" if where and where.admin2 else "province"),
        "kind": kind,
        "sector": sector,
        "status": event.status,
        "trend": event.trend,
        "previous_level": event.previous_level,
        "opened": event.opened.isoformat(),
        "previous_day": event.previous_day.isoformat() if event.previous_day else None,
        "name": event.name,
        "silence": cluster.silence if cluster else False,
        "escalation": _escalation(cluster),
        "severity": _severity(cluster),
        "drivers": [
            {"name": d.name, "incidents": d.incidents, "deaths": d.deaths, "level": d.level}
            for d in (cluster.drivers if cluster else ())
        ],
        "chain": list(cluster.chain) if cluster else [],
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "event_date": i.event_date.isoformat(),
                "type": i.sub_event_type,
                "fatalities": i.fatalities,
                "place": i.place,
                "admin1": i.admin1,
                "admin2": i.admin2,
                "lat": i.lat,
                "lon": i.lon,
                "precision": i.precision,
                "direction": i.direction,
                "sources": [{"outlet": o, "url": u} for o, u in i.sources],
            }
            for i in (cluster.incidents if cluster else ())
        ],
    }
    return record


def _escalation(cluster: Assessment | None) -> dict[str, Any] | None:
    if cluster is None or cluster.kind != "escalation":
        return None
    return {
        "evidence": cluster.evidence,
        "tests": [
            {
                "name": t.name,
                "observed": t.observed,
                "expected": t.expected,
                "p_value": None if t.p_value is None else float(f"{t.p_value:.3g}"),
                "statistic": t.statistic,
                "level": t.level,
                "reason": t.reason,
            }
            for t in cluster.tests
        ],
    }


def _severity(cluster: Assessment | None) -> dict[str, Any] | None:
    if cluster is None:
        return None
    s = cluster.severity
    return {"points": s.points, "level": s.level, "deaths": s.deaths, "reasons": list(s.reasons)}


def state_record(state: AlertState) -> dict[str, Any]:
    """JSON form of an open alert's state."""
    return {
        "alert_id": state.alert_id,
        "level": state.level,
        "score": state.score,
        "opened": state.opened.isoformat(),
        "updated": state.updated.isoformat(),
        "incident_ids": list(state.incident_ids),
        "name": state.name,
        "country": state.country,
        "admin1": state.admin1,
        "admin2": state.admin2,
        "lat": state.lat,
        "lon": state.lon,
        "unit": state.unit,
        "kind": state.kind,
        "sector": state.sector,
    }


def state_from_record(record: Mapping[str, Any]) -> AlertState:
    """Inverse of :func:`state_record`."""
    return AlertState(
        record["alert_id"],
        record["level"],
        float(record["score"]),
        date.fromisoformat(record["opened"]),
        date.fromisoformat(record["updated"]),
        tuple(record["incident_ids"]),
        record["name"],
        record.get("country"),
        record.get("admin1"),
        record.get("admin2"),
        record.get("lat"),
        record.get("lon"),
        record.get("unit"),
        record.get("kind") or "escalation",
        record.get("sector"),
    )
