"""From stored items to stored reports and incidents: the work after each poll."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .analyze import Analyzer, Report, report_from_record, report_record
from .clock import Clock, utc_now
from .config import Config
from .dedup import DATE_WINDOW, incident_record, merge_reports
from .escalation import History, IncidentView, assess
from .lifecycle import advance, event_record, state_from_record, state_record
from .model import Item
from .rules import Rules
from .store import Store

log = logging.getLogger(__name__)

#: Reports this much older than the window are loaded too, so merges across its edge hold.
OVERLAP = DATE_WINDOW + timedelta(days=1)
SUMMARY_CHARS = 1500


def item_text(item: Item) -> str:
    """What the analyser reads of an item: its title, then the start of its summary."""
    summary = item.summary[:SUMMARY_CHARS]
    if not summary or summary.startswith(item.title):
        return summary or item.title
    return f"{item.title}\n{summary}"


@dataclass(frozen=True, slots=True)
class ProcessReport:
    """What one processing pass did."""

    analyzed: int
    relevant: int
    incidents: int


class Processor:
    """Analyse new items and rebuild the incidents they touch."""

    def __init__(
        self, store: Store, analyzer: Analyzer, *, outlets: Mapping[str, str], now: Clock = utc_now
    ) -> None:
        self.store = store
        self.analyzer = analyzer
        self.outlets = dict(outlets)
        self.now = now

    def run(self, *, since: datetime | None = None, batch: int = 5000) -> ProcessReport:
        """Analyse every pending item, merging after each batch the reports it can touch.

        With ``since``, the reports published since then are merged again at the end
        (even when nothing was new). Batching the merge keeps a long backlog (a restart
        after weeks offline) from holding every report in memory at once.
        """
        analyzed = relevant = incidents = 0
        while True:
            items = self.store.unanalyzed_items(limit=batch)
            if not items:
                break
            records = []
            earliest: datetime | None = None
            for item in items:
                report = self.analyzer.analyze(
                    item.id,
                    item_text(item),
                    published=item.published,
                    source=self.outlets.get(item.source, item.source),
                    url=item.url,
                )
                records.append(
                    report_record(report) if report.extraction.relevant else _skip(report)
                )
                relevant += int(report.extraction.relevant)
                # A report can join an incident as old as the event it describes.
                told = min(item.published, _midnight(report.extraction.event_date))
                if earliest is None or told < earliest:
                    earliest = told
            self.store.save_reports(records, now=self.now())
            analyzed += len(items)
            if since is None:
                incidents += self.refresh_incidents(since=earliest)
        if since is not None:
            incidents = self.refresh_incidents(since=since)
        if analyzed:
            log.info(
                "analysed %d new item(s), %d relevant; %d incident(s) rebuilt",
                analyzed,
                relevant,
                incidents,
            )
        return ProcessReport(analyzed, relevant, incidents)

    def refresh_incidents(self, *, since: datetime | None) -> int:
        """Merge the stored reports from ``since`` (minus an overlap) and store the incidents."""
        window = None if since is None else since - OVERLAP
        records = self.store.report_records(since=window)
        if window is not None:
            records += self.store.incident_partners(str(r["id"]) for r in records)
        reports = [report_from_record(r) for r in records]
        incidents = merge_reports(reports)
        self.store.replace_incidents(
            [incident_record(i) for i in incidents], [r.id for r in reports]
        )
        return len(incidents)


def _skip(report: Report) -> dict[str, object]:
    """What is kept of a report that is not an incident: that it was read, and why not.

    Most items of general news feeds are not incidents; keeping their full analysis would
    double the database for nothing (the item itself keeps the text).
    """
    return {
        "id": report.id,
        "published": report.published.isoformat(),
        "relevant": False,
        "reason": report.extraction.reason,
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


#: How much history the hourly assessment loads (the year baseline plus its window).
HISTORY_DAYS = 400


def assess_alerts(
    store: Store, rules: Rules, *, day: date, now: datetime
) -> list[dict[str, object]]:
    """Score every district for ``day``, move the alert lifecycle, store and return the events."""
    since = (day - timedelta(days=HISTORY_DAYS)).isoformat()
    until = (day + timedelta(days=1)).isoformat()
    views = [
        v
        for v in (
            IncidentView.from_record(r) for r in store.incident_records(since=since, until=until)
        )
        if v is not None
    ]
    clusters = assess(History(views), day, rules)
    previous = {k: state_from_record(v) for k, v in store.open_alert_states().items()}
    state, events = advance(previous, clusters, day)
    records = [event_record(e) for e in events]
    store.save_alerts({k: state_record(v) for k, v in state.items()}, records, now=now)
    raised = [r for r in records if r["status"] in ("new", "escalated")]
    if raised:
        log.warning(
            "alerts: %s", "; ".join(f"{r['name']} {r['level']} ({r['status']})" for r in raised)
        )
    return records


def produce_day(
    store: Store,
    *,
    rules: Rules,
    gazetteer: Any,
    output_dir: Path,
    day: date,
    now: datetime,
    zone: str,
    daily_at: time,
    templates: Path | None = None,
    cdn: bool = False,
) -> Any:
    """Write the outputs of ``day`` from what the store holds.

    The day's alerts are the ones recorded by the hourly assessment; when none were (a
    past day, or a first run), the day is assessed now.
    """
    from .outputs import write_day

    alerts = store.alert_events(day.isoformat())
    if not alerts:
        alerts = assess_alerts(store, rules, day=day, now=now)
    previous = store.alert_events((day - timedelta(days=1)).isoformat())
    incidents = store.incident_records(
        since=(day - timedelta(days=31)).isoformat(), until=(day + timedelta(days=1)).isoformat()
    )
    return write_day(
        output_dir,
        day,
        alerts=alerts,
        incidents=incidents,
        gazetteer=gazetteer,
        zone=zone,
        daily_at=daily_at,
        now=now,
        previous_alerts=previous,
        templates=templates,
        cdn=cdn,
    )


def email_day(
    store: Store,
    *,
    recipients_file: Path | None,
    folder: Path,
    day: date,
    now: datetime,
    factory: Any = None,
) -> tuple[int, int, int]:
    """Queue the day's digest for every recipient and send what is due.

    Returns (queued, sent, failed). No recipients: nothing to do.
    """
    from .notify import build_email, connect, load_recipients, queue, send_outbox

    smtp, recipients = load_recipients(recipients_file)
    if not recipients:
        return 0, 0, 0
    alerts = store.alert_events(day.isoformat())
    text = (folder / "digest.txt").read_text(encoding="utf-8")
    html = (folder / "digest.html").read_text(encoding="utf-8")
    chart_path = folder / "trend.png"
    chart = chart_path.read_bytes() if chart_path.exists() else None
    messages = [
        build_email(
            day=day.isoformat(),
            recipient=r,
            smtp=smtp,
            alerts=alerts,
            text=text,
            html=html,
            chart=chart,
            map_path=folder / "map.html",
        )
        for r in recipients
    ]
    queued = queue(store, messages, now=now)
    sent, failed = send_outbox(store, smtp, now=now, factory=factory or connect)
    return queued, sent, failed


def produce_configured_day(
    store: Store,
    config: Config,
    *,
    rules: Rules,
    gazetteer: Any,
    day: date,
    now: datetime,
    cdn: bool = False,
) -> Any:
    """:func:`produce_day` with the output folder, zone, time and templates of ``config``."""
    return produce_day(
        store,
        rules=rules,
        gazetteer=gazetteer,
        output_dir=config.output_dir,
        day=day,
        now=now,
        zone=config.schedule.timezone,
        daily_at=config.schedule.daily_at,
        templates=config.output_dir / "templates",
        cdn=cdn,
    )
