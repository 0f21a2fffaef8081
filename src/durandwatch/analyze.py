"""``durandwatch analyze``: JSON Lines in, JSON Lines out, one object per line, in order.

Input objects: ``{"id", "text", "published"?, "source"?}``. Output objects carry ``id``,
``relevant``, ``event_type``, ``sub_event_type``, ``fatalities``, ``actors``,
``cross_border``, ``direction`` (``PK->AF``, ``AF->PK``, ``both`` or null), ``places``
(names with character spans) and ``location`` (DESIGN.md), plus ``direction_evidence``
(the words that give the direction, their span, and whether only one party says so),
``fatalities_range``, ``injured``, ``event_date``, ``time_precision``, ``claim``,
``sectarian``, ``source`` and ``reason``. A line that is
not a JSON object with a string ``text`` gives ``{"id": ..., "error": "..."}`` in its
place, so the output stays aligned with the input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .clock import utc_now
from .extract import Crossing, Extraction, Extractor
from .geocode import Geocoded, Geocoder


@dataclass(frozen=True, slots=True)
class Report:
    """One news item read by the analyser: where, what, who, how many."""

    id: str
    text: str
    published: datetime
    source: str | None
    url: str | None
    geo: Geocoded
    extraction: Extraction


@dataclass(frozen=True, slots=True)
class NotAnalysable:
    """An item the analyser failed on: kept as read, with the reason, and never retried."""

    id: str
    published: datetime
    reason: str

    @classmethod
    def of(cls, ident: str, published: datetime, exc: BaseException) -> NotAnalysable:
        """The record of ``exc`` (its type and the first line of its message)."""
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        return cls(
            ident, published, f"not analysable: {type(exc).__name__}{': ' + text if text else ''}"
        )


class Analyzer:
    """Geocoder plus extractor. Pure after construction."""

    def __init__(self, geocoder: Geocoder, extractor: Extractor | None = None) -> None:
        self.geocoder = geocoder
        self.extractor = extractor or Extractor()

    def analyze(
        self,
        ident: str,
        text: str,
        *,
        published: datetime,
        source: str | None = None,
        url: str | None = None,
    ) -> Report:
        """Analyse one text published at ``published`` (aware UTC)."""
        geo = self.geocoder.geocode(text)
        location = geo.location
        extraction = self.extractor.extract(
            text,
            published=published,
            location=location,
            countries=geo.countries,
            places=geo.mentions,
        )
        if extraction.relevant and location is not None and not location.in_aoi:
            extraction = _outside(extraction)
        return Report(ident, text, published, source, url, geo, extraction)

    def analyze_if_relevant(
        self,
        ident: str,
        text: str,
        *,
        published: datetime,
        source: str | None = None,
        url: str | None = None,
    ) -> Report | None:
        """The report of a relevant text, else None: what :meth:`analyze` gives when its
        report is relevant, without geocoding the texts that cannot be (a replay keeps
        only relevant reports; about two items in three are settled before the geocoder)."""
        if not self.extractor.could_be_relevant(text):
            return None
        report = self.analyze(ident, text, published=published, source=source, url=url)
        return report if report.extraction.relevant else None


def _outside(extraction: Extraction) -> Extraction:
    from dataclasses import replace

    return replace(
        extraction,
        relevant=False,
        reason="placed outside the area of interest (the border provinces)",
    )


def report_json(report: Report) -> dict[str, Any]:
    """The analyze output object for a report (without ``id``)."""
    ex = report.extraction
    location = None
    if report.geo.location is not None:
        location = _fields(report.geo.location)
        location["candidates"] = list(report.geo.location.candidates)
        location["also_admin1"] = list(report.geo.location.also_admin1)
    return {
        "relevant": ex.relevant,
        "event_type": ex.event_type,
        "sub_event_type": ex.sub_event_type,
        "fatalities": ex.fatalities,
        "actors": [
            {
                "name": a.name,
                "id": a.id,
                "role": a.role,
                "country": a.country,
                "kind": a.kind,
                "text": a.text,
                "sectarian": a.sectarian,
            }
            for a in ex.actors
        ],
        "cross_border": ex.cross_border,
        "direction": ex.direction,
        "direction_evidence": _crossing_json(ex.crossing),
        "places": [_fields(m) for m in report.geo.mentions],
        "location": location,
        "fatalities_range": list(ex.fatalities_range) if ex.fatalities_range else None,
        "injured": ex.injured,
        "event_date": ex.event_date.isoformat(),
        "time_precision": ex.time_precision,
        "claim": _fields(ex.claim) if ex.claim else None,
        "sectarian": ex.sectarian,
        "source": report.source,
        "reason": ex.reason,
    }


def _crossing_json(crossing: Crossing | None) -> dict[str, Any] | None:
    return _fields(crossing) if crossing is not None else None


def _fields(record: Any) -> dict[str, Any]:
    """A flat slotted dataclass as a dict (``asdict`` deep-copies: ten times slower)."""
    return {name: getattr(record, name) for name in record.__slots__}


def parse_published(value: object) -> datetime | None:
    """An ISO 8601 date or datetime as aware UTC (a date means its midnight UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def analyze_lines(
    analyzer: Analyzer, lines: Iterable[str], *, now: datetime | None = None
) -> Iterator[str]:
    """Analyse each input line; yield one output line (without newline) per input line."""
    fallback = now or utc_now()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield json.dumps({"id": None, "error": f"line {number}: empty line"})
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield json.dumps({"id": None, "error": f"line {number}: invalid JSON: {exc.msg}"})
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            ident = record.get("id") if isinstance(record, dict) else None
            yield json.dumps(
                {"id": ident, "error": f'line {number}: expected an object with a string "text"'},
                ensure_ascii=False,
            )
            continue
        published = parse_published(record.get("published")) or fallback
        source = record.get("source") if isinstance(record.get("source"), str) else None
        report = analyzer.analyze(
            str(record.get("id")), record["text"], published=published, source=source
        )
        out = {"id": record.get("id")}
        out.update(report_json(report))
        yield json.dumps(out, ensure_ascii=False)
