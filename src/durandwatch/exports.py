"""Open formats for partner systems: GeoJSON (RFC 7946), CAP 1.2, Atom, ACLED-style CSV.

Pure builders: incidents and alerts in, text out. All feed text is escaped by the XML and
JSON serialisers; CSV cells that a spreadsheet would run as a formula are defused. The
alerts' GeoJSON properties are the alert's stored form (:mod:`durandwatch.codec`).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from . import __version__
from .codec import alert_record, crossing_record
from .dedup import Incident
from .lifecycle import Alert

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
GEORSS_NS = "http://www.georss.org/georss"
CSV_COLUMNS = [
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "direction",
    "source",
    "notes",
]
SEVERITY = {"yellow": "Moderate", "orange": "Severe", "red": "Extreme", "green": "Minor"}
URGENCY = {"yellow": "Future", "orange": "Expected", "red": "Immediate", "green": "Past"}

#: The alert properties of ``alerts.geojson``, in order.
ALERT_PROPERTIES = (
    "date",
    "alert_id",
    "level",
    "score",
    "status",
    "trend",
    "country",
    "admin1",
    "admin2",
    "name",
    "unit",
    "kind",
    "sector",
    "reasons",
    "escalation",
    "severity",
    "drivers",
    "chain",
    "silence",
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 5)


def incidents_geojson(incidents: Iterable[Incident]) -> str:
    """RFC 7946 FeatureCollection of incidents: [lon, lat] points with their precision.

    District- and province-level incidents carry the unit's representative point and
    ``geo_precision`` 2 or 3: consumers must not read those as exact places.
    """
    features = []
    for inc in incidents:
        loc = inc.location
        geometry = None
        if loc is not None and loc.lat is not None and loc.lon is not None:
            geometry = {"type": "Point", "coordinates": [_round(loc.lon), _round(loc.lat)]}
        features.append(
            {
                "type": "Feature",
                "id": inc.id,
                "geometry": geometry,
                "properties": {
                    "title": inc.title,
                    "event_date": inc.event_date.isoformat(),
                    "event_type": inc.event_type,
                    "sub_event_type": inc.sub_event_type,
                    "fatalities": inc.fatalities,
                    "fatalities_range": list(inc.fatalities_range)
                    if inc.fatalities_range
                    else None,
                    "country": loc.country if loc else None,
                    "admin1": loc.admin1 if loc else None,
                    "admin2": loc.admin2 if loc else None,
                    "location": loc.place if loc else None,
                    "geo_precision": loc.precision if loc else None,
                    "distance_to_line_km": loc.distance_km if loc else None,
                    "cross_border": inc.cross_border,
                    "direction": inc.direction,
                    "direction_evidence": crossing_record(inc.direction_evidence),
                    "actors": [a.name for a in inc.actors],
                    "outlets": inc.outlets,
                    "sources": [
                        {"outlet": s.outlet, "url": s.url, "title": s.title} for s in inc.sources
                    ],
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def alerts_geojson(alerts: Iterable[Alert]) -> str:
    """RFC 7946 FeatureCollection of the day's alerts (the cluster's median point)."""
    features = []
    for alert in alerts:
        geometry = None
        if alert.lat is not None and alert.lon is not None:
            geometry = {"type": "Point", "coordinates": [_round(alert.lon), _round(alert.lat)]}
        record = alert_record(alert)
        features.append(
            {
                "type": "Feature",
                "id": alert.alert_id,
                "geometry": geometry,
                "properties": {key: record[key] for key in ALERT_PROPERTIES},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def incidents_csv(incidents: Iterable[Incident]) -> str:
    """ACLED-style columns, one row per incident."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for inc in incidents:
        loc = inc.location
        actor1 = "; ".join(a.name for a in inc.actors if a.role == "actor1")
        actor2 = "; ".join(a.name for a in inc.actors if a.role == "actor2")
        notes = inc.title
        evidence = inc.direction_evidence
        if inc.cross_border:
            said = f': "{evidence.evidence}"' if evidence and evidence.evidence else ""
            claimed = ", claimed" if evidence and evidence.claimed else ""
            notes += f" [cross-border {inc.direction or ''}{claimed}{said}]"
        row: list[object] = [
            inc.event_date.isoformat(),
            inc.event_type or "",
            inc.sub_event_type or "",
            actor1,
            actor2,
            (loc.admin1 if loc else None) or "",
            (loc.admin2 if loc else None) or "",
            (loc.place if loc else None) or "",
            _round(loc.lat if loc else None) or "",
            _round(loc.lon if loc else None) or "",
            (loc.precision if loc else None) or "",
            "" if inc.fatalities is None else inc.fatalities,
            inc.direction or "",
            "; ".join(sorted({s.outlet for s in inc.sources})),
            notes,
        ]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _cell(value: object) -> object:
    """Defuse spreadsheet formulas in untrusted text (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def cap_identifier(alert_id: str, day: date) -> str:
    """The CAP identifier of an alert's message of ``day``."""
    return f"durandwatch.{alert_id}.{day.isoformat()}"


def cap_sent(day: date, *, zone: str, at: time) -> str:
    """The CAP ``sent`` time of a day's message: the daily run, local time with offset."""
    moment = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    return moment.isoformat(timespec="seconds")


def cap_alert(alert: Alert, *, sender: str, zone: str, at: time, web: str | None = None) -> str:
    """One CAP 1.2 message: Alert for a new alert, Update as it changes, Cancel when cleared."""
    ET.register_namespace("", CAP_NS)
    q = f"{{{CAP_NS}}}"
    root = ET.Element(q + "alert")
    day = alert.day

    def sub(parent: ET.Element, tag: str, text: object) -> ET.Element:
        element = ET.SubElement(parent, q + tag)
        element.text = str(text)
        return element

    status = alert.status
    msg_type = {"new": "Alert", "cleared": "Cancel"}.get(status, "Update")
    sub(root, "identifier", cap_identifier(alert.alert_id, day))
    sub(root, "sender", sender)
    sub(root, "sent", cap_sent(day, zone=zone, at=at))
    sub(root, "status", "Actual")
    sub(root, "msgType", msg_type)
    sub(root, "scope", "Public")
    previous = alert.previous_day
    if msg_type != "Alert" and previous:
        sub(
            root,
            "references",
            ",".join(
                [
                    sender,
                    cap_identifier(alert.alert_id, previous),
                    cap_sent(previous, zone=zone, at=at),
                ]
            ),
        )
    info = ET.SubElement(root, q + "info")
    sub(info, "language", "en-US")
    sub(info, "category", "Security")
    kind, unit = alert.kind, alert.unit
    sub(
        info,
        "event",
        "Cross-border exchange of fire" if kind == "exchange" else "Escalation of armed violence",
    )
    sub(info, "responseType", "Monitor" if msg_type != "Cancel" else "AllClear")
    level = alert.level
    sub(info, "urgency", URGENCY.get(level, "Unknown"))
    sub(info, "severity", SEVERITY.get(level, "Unknown"))
    sub(info, "certainty", "Likely" if level in ("orange", "red") else "Possible")
    sub(info, "senderName", "durandwatch")
    place = ", ".join(p for p in (alert.admin2, alert.admin1, alert.country) if p) or alert.name
    sub(
        info,
        "headline",
        f"{level.upper()}: {alert.name} ({unit} {kind}, {status}), score {alert.score}",
    )
    sub(info, "description", "\n".join(alert.reasons))
    if web:
        sub(info, "web", web)
    parameters: tuple[tuple[str, object], ...] = (
        ("score", alert.score),
        ("unit", unit),
        ("kind", kind),
        ("sector", alert.sector),
        ("severity", alert.severity.points if alert.severity else None),
    )
    for name, value in parameters:
        if value is not None:
            parameter = ET.SubElement(info, q + "parameter")
            sub(parameter, "valueName", f"durandwatch:{name}")
            sub(parameter, "value", value)
    area = ET.SubElement(info, q + "area")
    sub(area, "areaDesc", place)
    if alert.lat is not None and alert.lon is not None:
        sub(area, "circle", f"{float(alert.lat):.4f},{float(alert.lon):.4f} 25")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def alerts_atom(
    alerts: Sequence[Alert], *, day: date, zone: str, at: time, map_url: str = "map.html"
) -> str:
    """An Atom feed of the day's alerts, each with a georss point."""
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("georss", GEORSS_NS)
    a = f"{{{ATOM_NS}}}"
    updated = cap_sent(day, zone=zone, at=at)
    iso, year = day.isoformat(), f"{day.year:04d}"
    feed = ET.Element(a + "feed")
    ET.SubElement(feed, a + "title").text = f"durandwatch alerts {iso}"
    ET.SubElement(feed, a + "id").text = f"tag:durandwatch,{year}:alerts:{iso}"
    ET.SubElement(feed, a + "updated").text = updated
    author = ET.SubElement(feed, a + "author")
    ET.SubElement(author, a + "name").text = "durandwatch"
    ET.SubElement(feed, a + "generator", version=__version__).text = "durandwatch"
    ET.SubElement(feed, a + "link", href=map_url, rel="alternate", type="text/html")
    for alert in alerts:
        entry = ET.SubElement(feed, a + "entry")
        ET.SubElement(entry, a + "id").text = f"tag:durandwatch,{year}:{alert.alert_id}:{iso}"
        unit, kind = alert.unit, alert.kind
        ET.SubElement(entry, a + "title").text = (
            f"{alert.level.upper()} {alert.name} ({unit} {kind}): "
            f"{alert.status}, score {alert.score}"
        )
        ET.SubElement(entry, a + "updated").text = updated
        summary = ET.SubElement(entry, a + "summary", type="text")
        summary.text = "\n".join(alert.reasons)
        ET.SubElement(
            entry,
            a + "link",
            href=f"cap/{alert.alert_id}.xml",
            rel="alternate",
            type="application/cap+xml",
        )
        ET.SubElement(entry, a + "category", term=alert.level)
        ET.SubElement(entry, a + "category", term=f"unit:{unit}")
        ET.SubElement(entry, a + "category", term=f"kind:{kind}")
        if alert.lat is not None and alert.lon is not None:
            ET.SubElement(
                entry, f"{{{GEORSS_NS}}}point"
            ).text = f"{float(alert.lat):.5f} {float(alert.lon):.5f}"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="unicode")
