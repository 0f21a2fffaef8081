"""The JSON form of reports, incidents, alerts and open alert states, both ways.

What the store keeps in its ``record`` and ``state`` columns, what ``replay`` writes to
``replay-incidents.jsonl`` and ``replay-alerts.jsonl``, and what the GeoJSON exports carry
as properties: one form, written and read here only, so the stages after analysis pass
frozen dataclasses (:class:`~durandwatch.analyze.Report`,
:class:`~durandwatch.dedup.Incident`, :class:`~durandwatch.lifecycle.Alert`,
:class:`~durandwatch.lifecycle.AlertState`) and never read a key by its string. (A
report's analysis is the ``analyze`` command's output,
:func:`~durandwatch.analyze.report_json`; the store adds what rebuilding it needs.)

The shapes are those stored since before the records were typed, key for key and in the
same order, so existing databases read as they are and re-encode to the same bytes. Keys
that older rows lack read as the value the outputs always put in their place (an alert
without ``unit`` is a district alert when it has a district, else a province alert;
without ``kind`` an escalation). Numbers come back as they were written: an integer
stays an integer where a float is declared, so an export of a stored record prints it as
it always did. A row that is not such a record raises :class:`RecordError` naming the
record and what in it could not be read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from .analyze import NotAnalysable, Report, report_json
from .dedup import Incident, SourceRef
from .errors import RecordError
from .escalation import Driver, Severity, Test
from .extract import Actor, Claim, Crossing, Extraction
from .geocode import Geocoded
from .lifecycle import Alert, AlertIncident, AlertSource, AlertState, EscalationTests
from .model import Location, PlaceMention

__all__ = [
    "RecordError",
    "alert_from_record",
    "alert_record",
    "crossing_record",
    "dumps",
    "incident_from_record",
    "incident_record",
    "loads",
    "report_from_record",
    "report_record",
    "report_row",
    "state_from_record",
    "state_record",
]

JsonObject = Mapping[str, object]


def dumps(record: JsonObject, *, ascii_only: bool = False) -> str:
    """The text the store and the replay files keep (keys in order; UTF-8 as is, except
    where a column has always been kept ASCII-escaped: the open alert states)."""
    return json.dumps(record, ensure_ascii=ascii_only)


def loads(text: str | bytes) -> JsonObject:
    """A stored record's object; :class:`RecordError` when it is not a JSON object."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise RecordError(f"a stored record is {type(value).__name__}, not a JSON object")
    return value


# -- reports ------------------------------------------------------------------------------


def report_row(report: Report | NotAnalysable) -> dict[str, object]:
    """What the store keeps of an analysed item: a relevant report whole; of any other item
    only that it was read and why it is no incident (most items of general news feeds are
    not incidents, and their full analysis would double the database for nothing: the
    item keeps its text)."""
    if isinstance(report, Report) and report.extraction.relevant:
        return report_record(report)
    reason = report.extraction.reason if isinstance(report, Report) else report.reason
    return {
        "id": report.id,
        "published": report.published.isoformat(),
        "relevant": False,
        "reason": reason,
    }


def report_record(report: Report) -> dict[str, object]:
    """Everything needed to rebuild ``report`` later."""
    record: dict[str, object] = report_json(report)
    record.update(
        {
            "id": report.id,
            "text": report.text,
            "published": report.published.isoformat(),
            "outlet": report.source,
            "url": report.url,
            "countries": list(report.geo.countries),
        }
    )
    return record


def report_from_record(record: JsonObject) -> Report:
    """The inverse of :func:`report_record` (keys added over time read as their defaults)."""
    r: Any = record  # parsed JSON: its shape is checked by constructing from it
    try:
        loc = r.get("location")
        location = None
        if loc is not None:
            loc = dict(loc)
            loc["candidates"] = tuple(loc.get("candidates") or ())
            loc["also_admin1"] = tuple(loc.get("also_admin1") or ())  # absent in older records
            location = Location(**loc)
        mentions = tuple(PlaceMention(**m) for m in r.get("places") or ())
        claim = Claim(**r["claim"]) if r.get("claim") else None
        actors = tuple(
            Actor(
                id=a["id"],
                name=a["name"],
                kind=a["kind"],
                country=a["country"],
                role=a["role"],
                text=a["text"],
                sectarian=a.get("sectarian", False),
            )
            for a in r.get("actors") or ()
        )
        frange = r.get("fatalities_range")
        extraction = Extraction(
            relevant=bool(r["relevant"]),
            event_type=r.get("event_type"),
            sub_event_type=r.get("sub_event_type"),
            actors=actors,
            fatalities=r.get("fatalities"),
            fatalities_range=(int(frange[0]), int(frange[1])) if frange else None,
            injured=r.get("injured"),
            cross_border=bool(r.get("cross_border")),
            direction=r.get("direction"),
            event_date=_day(r["event_date"]),
            time_precision=int(r.get("time_precision") or 1),
            claim=claim,
            sectarian=bool(r.get("sectarian")),
            reason=r.get("reason") or "",
            crossing=Crossing(**r["direction_evidence"]) if r.get("direction_evidence") else None,
        )
        geo = Geocoded(mentions, location, tuple(r.get("countries") or ()))
        published = _moment(r["published"]).astimezone(UTC)
        return Report(
            str(r["id"]), r["text"], published, r.get("outlet"), r.get("url"), geo, extraction
        )
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise _bad("report", record, exc) from None


# -- incidents ----------------------------------------------------------------------------


def incident_record(incident: Incident) -> dict[str, object]:
    """The JSON form of an incident."""
    return {
        "id": incident.id,
        "title": incident.title,
        "event_date": incident.event_date.isoformat(),
        "first_reported": incident.first_reported.isoformat(),
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "location": _location_record(incident.location),
        "actors": [
            {
                "id": a.id,
                "name": a.name,
                "kind": a.kind,
                "country": a.country,
                "role": a.role,
                "text": a.text,
                "sectarian": a.sectarian,
            }
            for a in incident.actors
        ],
        "fatalities": incident.fatalities,
        "fatalities_range": list(incident.fatalities_range) if incident.fatalities_range else None,
        "injured": incident.injured,
        "cross_border": incident.cross_border,
        "direction": incident.direction,
        "direction_evidence": crossing_record(incident.direction_evidence),
        "sectarian": incident.sectarian,
        "outlets": incident.outlets,
        "confirmed": incident.confirmed,
        "claimed_by": list(incident.claimed_by),
        "sources": [
            {
                "report_id": s.report_id,
                "outlet": s.outlet,
                "url": s.url,
                "published": s.published.isoformat(),
                "title": s.title,
                "fatalities": s.fatalities,
                "claim_party": s.claim_party,
            }
            for s in incident.sources
        ],
    }


def _location_record(loc: Location | None) -> dict[str, object] | None:
    """An incident's place (``also_admin1`` is the reports' alone, not kept here)."""
    if loc is None:
        return None
    return {
        "name": loc.name,
        "place": loc.place,
        "kind": loc.kind,
        "lat": loc.lat,
        "lon": loc.lon,
        "country": loc.country,
        "admin1": loc.admin1,
        "admin2": loc.admin2,
        "admin1_code": loc.admin1_code,
        "admin2_code": loc.admin2_code,
        "precision": loc.precision,
        "distance_km": loc.distance_km,
        "side": loc.side,
        "candidates": list(loc.candidates),
        "in_aoi": loc.in_aoi,
    }


def crossing_record(crossing: Crossing | None) -> dict[str, object] | None:
    """The words that give an incident's direction across the line."""
    return None if crossing is None else asdict(crossing)


def incident_from_record(record: JsonObject) -> Incident:
    """The inverse of :func:`incident_record` (``confirmed`` is derived, not read).

    Every scoring pass reads the incidents of its window (thousands over a year), so this
    builds them straight from the parsed JSON, without a checked getter per field (those
    made a pass half as slow again); a row that is not an incident still fails here, as a
    :class:`RecordError`, on the first key it lacks or cannot read.
    """
    r: Any = record  # parsed JSON: its shape is checked by constructing from it
    try:
        loc, evidence, frange = r["location"], r.get("direction_evidence"), r["fatalities_range"]
        return Incident(
            id=_text(r["id"]),
            title=r["title"],
            event_date=_day(r["event_date"]),
            first_reported=_moment(r["first_reported"]),
            event_type=r["event_type"],
            sub_event_type=r["sub_event_type"],
            location=None if loc is None else _location(loc),
            actors=tuple(
                [
                    Actor(
                        a["id"],
                        a["name"],
                        a["kind"],
                        a["country"],
                        a["role"],
                        a["text"],
                        a.get("sectarian", False),
                    )
                    for a in _items(r["actors"])
                ]
            ),
            fatalities=_opt_count(r["fatalities"], "fatalities"),
            fatalities_range=(frange[0], frange[1]) if frange else None,
            injured=r.get("injured"),
            cross_border=r["cross_border"],
            direction=r["direction"],
            sectarian=r["sectarian"],
            sources=tuple(
                [
                    SourceRef(
                        s["report_id"],
                        s["outlet"],
                        s["url"],
                        _moment(s["published"]),
                        s["title"],
                        s["fatalities"],
                        s["claim_party"],
                    )
                    for s in _items(r["sources"])
                ]
            ),
            outlets=_int_value(r["outlets"], "outlets"),
            claimed_by=tuple(_items(r["claimed_by"])),
            direction_evidence=None
            if not evidence
            else Crossing(
                evidence["direction"],
                evidence["start"],
                evidence["end"],
                evidence["evidence"],
                evidence["cue"],
                evidence["claimed"],
            ),
        )
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise _bad("incident", record, exc) from None


def _location(loc: Any) -> Location:
    # A key that may be absent (a row stored before it existed) reads as the default.
    return Location(
        loc["name"],
        loc["place"],
        loc["kind"],
        loc["lat"],
        loc["lon"],
        loc["country"],
        loc["admin1"],
        loc["admin2"],
        loc.get("admin1_code"),
        loc.get("admin2_code"),
        loc["precision"],
        loc.get("distance_km"),
        loc.get("side"),
        tuple(loc.get("candidates") or ()),
        loc.get("in_aoi", True),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"an id should be text, not {value!r}")
    return value


def _opt_count(value: object, key: str) -> int | None:
    # A number escalation counts with: a text here would fail far from its cause.
    return None if value is None else _int_value(value, key)


def _items(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"a list was expected, not {value!r}")
    return value


# -- alerts -------------------------------------------------------------------------------


def alert_record(alert: Alert) -> dict[str, object]:
    """The JSON form of an alert (DESIGN.md's fields first)."""
    return {
        "date": alert.day.isoformat(),
        "alert_id": alert.alert_id,
        "level": alert.level,
        "score": alert.score,
        "country": alert.country,
        "admin1": alert.admin1,
        "admin2": alert.admin2,
        "lat": alert.lat,
        "lon": alert.lon,
        "reasons": list(alert.reasons),
        "unit": alert.unit,
        "kind": alert.kind,
        "sector": alert.sector,
        "status": alert.status,
        "trend": alert.trend,
        "previous_level": alert.previous_level,
        "opened": alert.opened.isoformat(),
        "previous_day": alert.previous_day.isoformat() if alert.previous_day else None,
        "name": alert.name,
        "silence": alert.silence,
        "escalation": _escalation_record(alert.escalation),
        "severity": _severity_record(alert.severity),
        "drivers": [_driver_record(d) for d in alert.drivers],
        "chain": list(alert.chain),
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "event_date": i.event_date.isoformat(),
                "type": i.type,
                "fatalities": i.fatalities,
                "place": i.place,
                "admin1": i.admin1,
                "admin2": i.admin2,
                "lat": i.lat,
                "lon": i.lon,
                "precision": i.precision,
                "direction": i.direction,
                "sources": [{"outlet": s.outlet, "url": s.url} for s in i.sources],
            }
            for i in alert.incidents
        ],
    }


def _escalation_record(escalation: EscalationTests | None) -> dict[str, object] | None:
    """An escalation alert's evidence and tests."""
    if escalation is None:
        return None
    return {
        "evidence": escalation.evidence,
        "tests": [
            {
                "name": t.name,
                "observed": t.observed,
                "expected": t.expected,
                "p_value": t.p_value,
                "statistic": t.statistic,
                "level": t.level,
                "reason": t.reason,
            }
            for t in escalation.tests
        ],
    }


def _severity_record(severity: Severity | None) -> dict[str, object] | None:
    """An alert's severity points, level, deaths and reasons."""
    if severity is None:
        return None
    return {
        "points": severity.points,
        "level": severity.level,
        "deaths": severity.deaths,
        "reasons": list(severity.reasons),
    }


def _driver_record(driver: Driver) -> dict[str, object]:
    """A smaller unit driving a wider unit's alert."""
    return {
        "name": driver.name,
        "incidents": driver.incidents,
        "deaths": driver.deaths,
        "level": driver.level,
    }


def alert_from_record(record: JsonObject) -> Alert:
    """The inverse of :func:`alert_record`; older rows' missing keys as the module says."""
    try:
        admin2 = _opt_str(record, "admin2")
        previous = _opt_str(record, "previous_day")
        escalation = record.get("escalation")
        severity = record.get("severity")
        return Alert(
            day=date.fromisoformat(_str(record, "date")),
            alert_id=_str(record, "alert_id"),
            level=_str(record, "level"),
            score=_float(record, "score"),
            country=_opt_str(record, "country"),
            admin1=_opt_str(record, "admin1"),
            admin2=admin2,
            lat=_opt_float(record, "lat"),
            lon=_opt_float(record, "lon"),
            reasons=tuple(_str_value(r, "reasons") for r in _list(record, "reasons")),
            unit=_opt_str(record, "unit") or ("district" if admin2 else "province"),
            kind=_opt_str(record, "kind") or "escalation",
            sector=_opt_str(record, "sector"),
            status=_str(record, "status"),
            trend=_str(record, "trend"),
            previous_level=_opt_str(record, "previous_level"),
            opened=date.fromisoformat(_str(record, "opened")),
            previous_day=date.fromisoformat(previous) if previous else None,
            name=_str(record, "name"),
            silence=bool(record.get("silence", False)),
            escalation=_escalation(_object(escalation, "escalation")) if escalation else None,
            severity=_severity(_object(severity, "severity")) if severity else None,
            drivers=tuple(_driver(_object(d, "drivers")) for d in _list(record, "drivers")),
            chain=tuple(_str_value(c, "chain") for c in _list(record, "chain")),
            incidents=tuple(
                _alert_incident(_object(i, "incidents")) for i in _list(record, "incidents")
            ),
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise _bad("alert", record, exc) from None


def _escalation(e: JsonObject) -> EscalationTests:
    return EscalationTests(
        evidence=_float(e, "evidence"),
        tests=tuple(_test(_object(t, "tests")) for t in _list(e, "tests")),
    )


def _test(t: JsonObject) -> Test:
    return Test(
        name=_str(t, "name"),
        observed=_int(t, "observed"),
        expected=_float(t, "expected"),
        p_value=_opt_float(t, "p_value"),
        level=_str(t, "level"),
        reason=_str(t, "reason"),
        statistic=_opt_float(t, "statistic"),
    )


def _severity(s: JsonObject) -> Severity:
    return Severity(
        points=_float(s, "points"),
        level=_str(s, "level"),
        deaths=_int(s, "deaths"),
        reasons=tuple(_str_value(r, "reasons") for r in _list(s, "reasons")),
    )


def _driver(d: JsonObject) -> Driver:
    return Driver(
        name=_str(d, "name"),
        incidents=_int(d, "incidents"),
        deaths=_int(d, "deaths"),
        level=_opt_str(d, "level") or "green",
    )


def _alert_incident(i: JsonObject) -> AlertIncident:
    return AlertIncident(
        id=_str(i, "id"),
        title=_str(i, "title"),
        event_date=date.fromisoformat(_str(i, "event_date")),
        type=_opt_str(i, "type"),
        fatalities=_opt_int(i, "fatalities"),
        place=_str(i, "place"),
        admin1=_str(i, "admin1"),
        admin2=_opt_str(i, "admin2"),
        lat=_opt_float(i, "lat"),
        lon=_opt_float(i, "lon"),
        precision=_int(i, "precision"),
        direction=_opt_str(i, "direction"),
        sources=tuple(
            AlertSource(_str(s, "outlet"), _opt_str(s, "url"))
            for s in (_object(x, "sources") for x in _list(i, "sources"))
        ),
    )


# -- open alert states --------------------------------------------------------------------


def state_record(state: AlertState) -> dict[str, object]:
    """The JSON form of an open alert's state."""
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


def state_from_record(record: JsonObject) -> AlertState:
    """The inverse of :func:`state_record` (states stored before a field existed read None)."""
    try:
        return AlertState(
            alert_id=_str(record, "alert_id"),
            level=_str(record, "level"),
            score=float(_float(record, "score")),
            opened=date.fromisoformat(_str(record, "opened")),
            updated=date.fromisoformat(_str(record, "updated")),
            incident_ids=tuple(
                _str_value(i, "incident_ids") for i in _list(record, "incident_ids")
            ),
            name=_str(record, "name"),
            country=_opt_str(record, "country"),
            admin1=_opt_str(record, "admin1"),
            admin2=_opt_str(record, "admin2"),
            lat=_opt_float(record, "lat"),
            lon=_opt_float(record, "lon"),
            unit=_opt_str(record, "unit"),
            kind=_opt_str(record, "kind") or "escalation",
            sector=_opt_str(record, "sector"),
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise _bad("alert state", record, exc) from None


_day = date.fromisoformat
_moment = datetime.fromisoformat


# -- reading checked values ---------------------------------------------------------------


def _bad(what: str, record: JsonObject, exc: Exception) -> RecordError:
    ident = record.get("id") or record.get("alert_id") or "?"
    return RecordError(f"stored {what} {ident}: {exc}; the record is not readable")


def _object(value: object, key: str) -> JsonObject:
    if not isinstance(value, dict):
        raise ValueError(f"{key!r} should hold objects, not {value!r}")
    return value


def _list(record: JsonObject, key: str) -> Sequence[object]:
    value = record.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{key!r} should be a list, not {value!r}")
    return value


def _str_value(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key!r} should be text, not {value!r}")
    return value


def _str(record: JsonObject, key: str) -> str:
    return _str_value(record[key], key)


def _opt_str(record: JsonObject, key: str) -> str | None:
    value = record.get(key)
    return None if value is None else _str_value(value, key)


def _int_value(value: object, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key!r} should be a whole number, not {value!r}")
    return value


def _int(record: JsonObject, key: str) -> int:
    return _int_value(record[key], key)


def _opt_int(record: JsonObject, key: str) -> int | None:
    value = record.get(key)
    return None if value is None else _int_value(value, key)


def _float_value(value: object, key: str) -> float:
    # An integer is kept as it is (a float field may hold one), so it prints as stored.
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"{key!r} should be a number, not {value!r}")
    return value


def _float(record: JsonObject, key: str) -> float:
    return _float_value(record[key], key)


def _opt_float(record: JsonObject, key: str) -> float | None:
    value = record.get(key)
    return None if value is None else _float_value(value, key)
