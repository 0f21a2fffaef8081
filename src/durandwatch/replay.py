"""Replay a history through the same pipeline, day by day, with a simulated clock.

Input: JSON Lines as ``analyze`` takes (``{"id", "text", "published", "source"?}``), or a
CSV from UCDP (``source_headline``/``date_start``), ACLED (``notes``/``event_date``) or the
development set (``text``/``date``). Only the text, the date (as the publication time,
midnight UTC) and the source are used: gold coordinates, admin names and fatalities are
never read.

Each simulated day: analyse the items published that day, merge them into incidents,
score every district over its window, advance the alert lifecycle, and write the day's
alerts. Days before ``--from`` warm up the baselines without writing alerts.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .analyze import Analyzer, parse_published
from .dedup import Merger, incident_record
from .errors import DurandwatchError
from .escalation import History, IncidentView, assess
from .lifecycle import AlertEvent, AlertState, advance, event_record
from .region import SectorMap
from .rules import Rules

log = logging.getLogger(__name__)


class ReplayInputError(DurandwatchError, ValueError):
    """The history file cannot be read."""


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One item of a history: what the pipeline may read of it."""

    id: str
    text: str
    published: datetime
    source: str


@dataclass
class ReplaySummary:
    """What a replay did."""

    items: int = 0
    relevant: int = 0
    incidents: int = 0
    days: int = 0
    alert_days: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    alerts: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)


def read_history(path: Path) -> Iterator[HistoryItem]:
    """Items from JSON Lines or CSV; bad rows are skipped with a warning, never fatal."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise ReplayInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
            yield from _read_jsonl(handle, path)
        else:
            yield from _read_csv(handle, path)


def _read_jsonl(handle: Iterable[str], path: Path) -> Iterator[HistoryItem]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            log.warning("%s line %d: invalid JSON (%s); skipped", path, number, exc.msg)
            continue
        published = parse_published(record.get("published")) if isinstance(record, dict) else None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not published:
            log.warning('%s line %d: needs "text" and "published"; skipped', path, number)
            continue
        yield HistoryItem(
            str(record.get("id", f"line-{number}")),
            record["text"],
            published,
            str(record.get("source") or "history"),
        )


_CSV_COLUMNS = (
    # (id, text, date, source)
    ("id", "text", "date", None),  # the development set
    ("id", "source_headline", "date_start", "source_office"),  # UCDP GED
    ("event_id_cnty", "notes", "event_date", "source"),  # ACLED
)


def _read_csv(handle: Iterable[str], path: Path) -> Iterator[HistoryItem]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(handle)
    columns = set(reader.fieldnames or ())
    layout = next((c for c in _CSV_COLUMNS if {c[0], c[1], c[2]} <= columns), None)
    if layout is None:
        raise ReplayInputError(
            f"{path}: not a known CSV layout (need id/text/date, UCDP id/source_headline/"
            "date_start, or ACLED event_id_cnty/notes/event_date)"
        )
    id_col, text_col, date_col, source_col = layout
    for number, row in enumerate(reader, start=2):
        text = (row.get(text_col) or "").strip()
        published = parse_published((row.get(date_col) or "").strip()[:10])
        if not text or published is None:
            if row.get(id_col, "").startswith("#"):
                continue  # HXL hashtag row
            log.warning("%s row %d: no text or date; skipped", path, number)
            continue
        prefix = "ucdp:" if text_col == "source_headline" else ""
        yield HistoryItem(
            f"{prefix}{row[id_col]}",
            text,
            published,
            (row.get(source_col) or "history") if source_col else "history",
        )


def replay(
    items: Iterator[HistoryItem] | list[HistoryItem],
    analyzer: Analyzer,
    rules: Rules,
    *,
    start: date,
    end: date,
    out: Path,
    sectors: SectorMap | None = None,
    zone: str = "UTC",
    warmup_days: int = 400,
    progress: Callable[[int, int], None] | None = None,
    outputs: OutputSettings | None = None,
) -> ReplaySummary:
    """Run the history from ``start - warmup_days`` to ``end``; write alerts for [start, end].

    Days are local days in ``zone`` (the service's ``schedule.timezone``): an item
    counts from the local day it was published, and each day is assessed as the service
    would assess it at its end.
    """
    by_day: dict[date, list[HistoryItem]] = defaultdict(list)
    first_day = start - timedelta(days=warmup_days)
    summary = ReplaySummary()
    local = ZoneInfo(zone)
    for item in items:
        day = item.published.astimezone(local).date()
        if first_day <= day <= end:
            by_day[day].append(item)
    out.mkdir(parents=True, exist_ok=True)
    merger = Merger()
    assessor = Assessor(rules, sectors=sectors, covered_since=first_day)
    previous: list[dict[str, object]] = []
    days = (end - first_day).days + 1
    alerts_path = out / "replay-alerts.jsonl"
    tmp = alerts_path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for n in range(days):
            day = first_day + timedelta(days=n)
            todays = sorted(by_day.get(day, []), key=lambda i: (i.published, i.id))
            reports = [
                analyzer.analyze(i.id, i.text, published=i.published, source=i.source)
                for i in todays
            ]
            summary.items += len(reports)
            summary.relevant += sum(r.extraction.relevant for r in reports)
            removed, changed = merger.add(reports)
            views = [
                v
                for v in (IncidentView.from_record(incident_record(c)) for c in changed)
                if v is not None
            ]
            assessor.update(views, removed)
            if day >= start:
                events = assessor.assess(day)
                summary.days += 1
                records = [event_record(event) for event in events]
                for event, record in zip(events, records, strict=True):
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    if event.level in ("orange", "red"):
                        summary.alert_days[event.level] += 1
                    summary.alerts.add(event.alert_id)
                if outputs is not None:
                    _write_outputs(outputs, out, day, records, previous, merger)
                previous = records
            if progress is not None:
                progress(n + 1, days)
    tmp.replace(alerts_path)
    incidents = merger.incidents()
    summary.incidents = len(incidents)
    inc_tmp = out / "replay-incidents.jsonl.tmp"
    with inc_tmp.open("w", encoding="utf-8") as handle:
        for incident in incidents:
            handle.write(json.dumps(incident_record(incident), ensure_ascii=False) + "\n")
    inc_tmp.replace(out / "replay-incidents.jsonl")
    return summary


class Assessor:
    """The assessment stage advanced one day at a time, with its alert state in memory.

    What the service does from its store each day (:func:`~durandwatch.pipeline.
    assess_alerts`), for a replay: the same :func:`~durandwatch.escalation.assess` and
    :func:`~durandwatch.lifecycle.advance`.
    """

    def __init__(
        self, rules: Rules, *, sectors: SectorMap | None = None, covered_since: date | None = None
    ) -> None:
        self.rules = rules
        self.history = History(sectors=sectors, covered_since=covered_since)
        self.state: dict[str, AlertState] = {}

    def update(self, incidents: Iterable[IncidentView], removed: Iterable[str] = ()) -> None:
        """Add or replace incidents; forget the ``removed`` ids."""
        self.history.update(incidents, removed)

    def assess(self, day: date) -> list[AlertEvent]:
        """The alert events of ``day`` (which must not go backwards)."""
        self.state, events = advance(self.state, assess(self.history, day, self.rules), day)
        return events


@dataclass(frozen=True, slots=True)
class OutputSettings:
    """What the daily output folders of a replay need."""

    gazetteer: object
    zone: str
    daily_at: time


def _write_outputs(
    settings: OutputSettings,
    out: Path,
    day: date,
    alerts: list[dict[str, object]],
    previous: list[dict[str, object]],
    merger: Merger,
) -> None:
    from .outputs import write_day

    since = day - timedelta(days=31)
    incidents = [incident_record(i) for i in merger.incidents() if since < i.event_date <= day]
    moment = datetime.combine(day, settings.daily_at, tzinfo=ZoneInfo(settings.zone))
    write_day(
        out / "alerts",
        day,
        alerts=alerts,
        incidents=incidents,
        gazetteer=settings.gazetteer,  # type: ignore[arg-type]
        zone=settings.zone,
        daily_at=settings.daily_at,
        now=moment.astimezone(UTC),
        previous_alerts=previous,
    )


def terminal_progress(done: int, total: int) -> None:
    """A progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return
    width = 40
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\rreplay [{'#' * filled}{'.' * (width - filled)}] {done}/{total} days")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
