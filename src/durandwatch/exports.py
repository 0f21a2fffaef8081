"""Open formats for partner systems: GeoJSON (RFC 7946), CAP 1.2, Atom, ACLED-style CSV.

Pure builders: records in, text out. All feed text is escaped by the XML and JSON
serialisers; CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from . import __version__

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

Record = Mapping[str, Any]


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 5)


def incidents_geojson(incidents: Iterable[Record]) -> str:
    """RFC 7946 FeatureCollection of incidents: [lon, lat] points with their precision.

    District- and province-level incidents carry the unit's representative point and
    ``geo_precision`` 2 or 3: consumers must not read those as exact places.
    """
    features = []
    for inc in incidents:
        loc = inc.get("location") or {}
        geometry = None
        if loc.get("lat") is not None and loc.get("lon") is not None:
            geometry = {"type": "Point", "coordinates": [_round(loc["lon"]), _round(loc["lat"])]}
        features.append(
            {
                "type": "Feature",
                "id": inc["id"],
                "geometry": geometry,
                "properties": {
                    "title": inc["title"],
                    "event_date": inc["event_date"],
                    "event_type": inc.get("event_type"),
                    "sub_event_type": inc.get("sub_event_type"),
                    "fatalities": inc.get("fatalities"),
                    "fatalities_range": inc.get("fatalities_range"),
                    "country": loc.get("country"),
                    "admin1": loc.get("admin1"),
                    "admin2": loc.get("admin2"),
                    "location": loc.get("place"),
                    "geo_precision": loc.get("precision"),
                    "distance_to_line_km": loc.get("distance_km"),
                    "cross_border": inc.get("cross_border"),
                    "direction": inc.get("direction"),
                    "direction_evidence": inc.get("direction_evidence"),
                    "actors": [a["name"] for a in inc.get("actors") or []],
                    "outlets": inc.get("outlets"),
                    "sources": [
                        {"outlet": s["outlet"], "url": s.get("url"), "title": s["title"]}
                        for s in inc.get("sources") or []
                    ],
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def alerts_geojson(alerts: Iterable[Record]) -> str:
    """RFC 7946 FeatureCollection of the day's alerts (the cluster's median point)."""
    features = []
    for alert in alerts:
        geometry = None
        if alert.get("lat") is not None and alert.get("lon") is not None:
            geometry = {
                "type": "Point",
                "coordinates": [_round(alert["lon"]), _round(alert["lat"])],
            }
        features.append(
            {
                "type": "Feature",
                "id": alert["alert_id"],
                "geometry": geometry,
                "properties": {
                    key: alert.get(key)
                    for key in (
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
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def incidents_csv(incidents: Iterable[Record]) -> str:
    """ACLED-style columns, one row per incident."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for inc in incidents:
        loc = inc.get("location") or {}
        actors = inc.get("actors") or []
        actor1 = "; ".join(a["name"] for a in actors if a["role"] == "actor1")
        actor2 = "; ".join(a["name"] for a in actors if a["role"] == "actor2")
        sources = inc.get("sources") or []
        notes = inc["title"]
        evidence = inc.get("direction_evidence") or {}
        if inc.get("cross_border"):
            said = f': "{evidence["evidence"]}"' if evidence.get("evidence") else ""
            claimed = ", claimed" if evidence.get("claimed") else ""
            notes += f" [cross-border {inc.get('direction') or ''}{claimed}{said}]"
        row = [
            inc["event_date"],
            inc.get("event_type") or "",
            inc.get("sub_event_type") or "",
            actor1,
            actor2,
            loc.get("admin1") or "",
            loc.get("admin2") or "",
            loc.get("place") or "",
            _round(loc.get("lat")) or "",
            _round(loc.get("lon")) or "",
            loc.get("precision") or "",
            "" if inc.get("fatalities") is None else inc["fatalities"],
            inc.get("direction") or "",
            "; ".join(sorted({s["outlet"] for s in sources})),
            notes,
        ]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Defuse spreadsheet formulas in untrusted text (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def cap_identifier(alert_id: str, day: str) -> str:
    return f"durandwatch.{alert_id}.{day}"


def cap_sent(day: str, *, zone: str, at: time) -> str:
    """The CAP ``sent`` time of a day's message: the daily run, local time with offset."""
    moment = datetime.combine(datetime.fromisoformat(day).date(), at, tzinfo=ZoneInfo(zone))
    return moment.isoformat(timespec="seconds")


def cap_alert(alert: Record, *, sender: str, zone: str, at: time, web: str | None = None) -> str:
    """One CAP 1.2 message: Alert for a new alert, Update as it changes, Cancel when cleared."""
    ET.register_namespace("", CAP_NS)
    q = f"{{{CAP_NS}}}"
    root = ET.Element(q + "alert")
    day = alert["date"]

    def sub(parent: ET.Element, tag: str, text: Any) -> ET.Element:
        element = ET.SubElement(parent, q + tag)
        element.text = str(text)
        return element

    status = alert.get("status")
    msg_type = {"new": "Alert", "cleared": "Cancel"}.get(str(status), "Update")
    sub(root, "identifier", cap_identifier(alert["alert_id"], day))
    sub(root, "sender", sender)
    sub(root, "sent", cap_sent(day, zone=zone, at=at))
    sub(root, "status", "Actual")
    sub(root, "msgType", msg_type)
    sub(root, "scope", "Public")
    previous = alert.get("previous_day")
    if msg_type != "Alert" and previous:
        sub(
            root,
            "references",
            ",".join(
                [
                    sender,
                    cap_identifier(alert["alert_id"], previous),
                    cap_sent(previous, zone=zone, at=at),
                ]
            ),
        )
    info = ET.SubElement(root, q + "info")
    sub(info, "language", "en-US")
    sub(info, "category", "Security")
    kind = alert.get("kind") or "escalation"
    unit = alert.get("unit") or ("district" if alert.get("admin2") else "province")
    sub(
        info,
        "event",
        "Cross-border exchange of fire" if kind == "exchange" else "Escalation of armed violence",
    )
    sub(info, "responseType", "Monitor" if msg_type != "Cancel" else "AllClear")
    level = str(alert.get("level", "green"))
    sub(info, "urgency", URGENCY.get(level, "Unknown"))
    sub(info, "severity", SEVERITY.get(level, "Unknown"))
    sub(info, "certainty", "Likely" if level in ("orange", "red") else "Possible")
    sub(info, "senderName", "durandwatch")
    place = ", ".join(
        p for p in (alert.get("admin2"), alert.get("admin1"), alert.get("country")) if p
    ) or str(alert.get("name"))
    sub(
        info,
        "headline",
        f"{level.upper()}: {alert.get('name')} ({unit} {kind}, {status}), "
        f"score {alert.get('score')}",
    )
    sub(info, "description", "\n".join(str(r) for r in alert.get("reasons") or []))
    if web:
        sub(info, "web", web)
    severity = alert.get("severity") or {}
    for name, value in (
        ("score", alert.get("score")),
        ("unit", unit),
        ("kind", kind),
        ("sector", alert.get("sector")),
        ("severity", severity.get("points")),
    ):
        if value is not None:
            parameter = ET.SubElement(info, q + "parameter")
            sub(parameter, "valueName", f"durandwatch:{name}")
            sub(parameter, "value", value)
    area = ET.SubElement(info, q + "area")
    sub(area, "areaDesc", place)
    if alert.get("lat") is not None and alert.get("lon") is not None:
        sub(area, "circle", f"{float(alert['lat']):.4f},{float(alert['lon']):.4f} 25")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def alerts_atom(
    alerts: Sequence[Record], *, day: str, zone: str, at: time, map_url: str = "map.html"
) -> str:
    """An Atom feed of the day's alerts, each with a georss point."""
    ET.register_namespace("", ATOM_NS)
    ET.register_namespace("georss", GEORSS_NS)
    a = f"{{{ATOM_NS}}}"
    updated = cap_sent(day, zone=zone, at=at)
    feed = ET.Element(a + "feed")
    ET.SubElement(feed, a + "title").text = f"durandwatch alerts {day}"
    ET.SubElement(feed, a + "id").text = f"tag:durandwatch,{day[:4]}:alerts:{day}"
    ET.SubElement(feed, a + "updated").text = updated
    author = ET.SubElement(feed, a + "author")
    ET.SubElement(author, a + "name").text = "durandwatch"
    ET.SubElement(feed, a + "generator", version=__version__).text = "durandwatch"
    ET.SubElement(feed, a + "link", href=map_url, rel="alternate", type="text/html")
    for alert in alerts:
        entry = ET.SubElement(feed, a + "entry")
        ET.SubElement(entry, a + "id").text = f"tag:durandwatch,{day[:4]}:{alert['alert_id']}:{day}"
        unit = alert.get("unit") or ("district" if alert.get("admin2") else "province")
        kind = alert.get("kind") or "escalation"
        ET.SubElement(entry, a + "title").text = (
            f"{str(alert.get('level')).upper()} {alert.get('name')} ({unit} {kind}): "
            f"{alert.get('status')}, score {alert.get('score')}"
        )
        ET.SubElement(entry, a + "updated").text = updated
        summary = ET.SubElement(entry, a + "summary", type="text")
        summary.text = "\n".join(str(r) for r in alert.get("reasons") or [])
        ET.SubElement(
            entry,
            a + "link",
            href=f"cap/{alert['alert_id']}.xml",
            rel="alternate",
            type="application/cap+xml",
        )
        ET.SubElement(entry, a + "category", term=str(alert.get("level")))
        ET.SubElement(entry, a + "category", term=f"unit:{unit}")
        ET.SubElement(entry, a + "category", term=f"kind:{kind}")
        if alert.get("lat") is not None and alert.get("lon") is not None:
            ET.SubElement(
                entry, f"{{{GEORSS_NS}}}point"
            ).text = f"{float(alert['lat']):.5f} {float(alert['lon']):.5f}"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="unicode")
