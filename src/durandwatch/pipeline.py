"""From stored items to stored reports and incidents: the work after each poll."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .analyze import Analyzer, Report, report_from_record, report_record
from .clock import Clock, utc_now
from .dedup import DATE_WINDOW, incident_record, merge_reports
from .escalation import History, IncidentView, assess
from .lifecycle import advance, event_record, state_from_record, state_record
from .model import Item
from .region import SectorMap
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


def assess_alerts(
    store: Store,
    rules: Rules,
    *,
    sectors: SectorMap,
    day: date,
    now: datetime,
    covered_since: date | None = None,
) -> list[dict[str, Any]]:
    """Judge every unit for ``day``, move the alert lifecycle, store and return the events.

    ``covered_since``: the first day the store's history is complete from (see
    :class:`~durandwatch.escalation.History`).
    """
    since = (day - timedelta(days=rules.history_days)).isoformat()
    until = (day + timedelta(days=1)).isoformat()
    views = [
        v
        for v in (
            IncidentView.from_record(r) for r in store.incident_records(since=since, until=until)
        )
        if v is not None
    ]
    history = History(views, sectors=sectors, covered_since=covered_since)
    assessments = assess(history, day, rules, only_alerts=True)
    previous = {k: state_from_record(v) for k, v in store.open_alert_states().items()}
    state, events = advance(previous, assessments, day)
    records = [event_record(e) for e in events]
    store.save_alerts({k: state_record(v) for k, v in state.items()}, records, now=now)
    raised = [r for r in records if r["status"] in ("new", "escalated")]
    if raised:
        log.warning(
            "alerts: %s", "; ".join(f"{r['name']} {r['level']} ({r['status']})" for r in raised)
        )
    return records
