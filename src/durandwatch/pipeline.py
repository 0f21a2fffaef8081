"""From stored items to stored reports and incidents: the work after each poll.

One item that cannot be analysed (a bug, or text that breaks a library) is that item's
failure: it is stored as read and not analysable, with the reason, so it is never tried
again in a loop, and the others go on. The reports a new report can join are merged
again around its own dates only, so one old item does not make a pass merge everything
since its day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .analyze import Analyzer, NotAnalysable, Report
from .clock import Clock, utc_now
from .dedup import DATE_WINDOW, MAX_SPAN_DAYS, merge_reports
from .escalation import History, IncidentView, assess
from .lifecycle import Alert, advance, alert_of
from .model import Item
from .region import SectorMap
from .rules import Rules
from .store import Store

log = logging.getLogger(__name__)

#: Reports this much older than the window are loaded too, so merges across its edge hold.
OVERLAP = DATE_WINDOW + timedelta(days=1)
#: How long after its event a report of it can be published: the analyser dates an event
#: at most 60 days before the text's publication (``extract.event_date_of``), and one
#: incident spans at most ``MAX_SPAN_DAYS`` of event dates. The reports a new one can join
#: are published within this long after its own dates.
REPORTED_LATE = timedelta(days=61 + MAX_SPAN_DAYS)
SUMMARY_CHARS = 1500

Window = tuple[datetime, datetime | None]


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
    failed: int = 0  # items that could not be analysed (stored as such, not retried)


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
        analyzed = relevant = incidents = failed = 0
        while True:
            items = self.store.unanalyzed_items(limit=batch)
            if not items:
                break
            reports: list[Report | NotAnalysable] = []
            windows: list[Window] = []
            for item in items:
                try:
                    report = self._analyze(item)
                except Exception as exc:  # that item's failure; stored, never retried
                    reports.append(NotAnalysable.of(item.id, item.published, exc))
                    if not failed:
                        log.error("item %s could not be analysed", item.id, exc_info=exc)
                    failed += 1
                    continue
                reports.append(report)
                if report.extraction.relevant:
                    relevant += 1
                    windows.append(self._window(item, report))
            self.store.save_reports(reports, now=self.now())
            analyzed += len(items)
            if since is None and windows:
                incidents += self.refresh_windows(windows)
        if since is not None:
            incidents = self.refresh_incidents(since=since)
        if failed:
            log.warning(
                "%d item(s) could not be analysed; stored as not analysable with the reason",
                failed,
            )
        if analyzed:
            log.info(
                "analysed %d new item(s), %d relevant; %d incident(s) rebuilt",
                analyzed,
                relevant,
                incidents,
            )
        return ProcessReport(analyzed, relevant, incidents, failed)

    def _analyze(self, item: Item) -> Report:
        return self.analyzer.analyze(
            item.id,
            item_text(item),
            published=item.published,
            source=self.outlets.get(item.source, item.source),
            url=item.url,
        )

    def _window(self, item: Item, report: Report) -> Window:
        """The publication times of the reports a new report can share an incident with.

        It can join an incident as old as the event it describes (minus the overlap), and
        reports of that event come out up to ``REPORTED_LATE`` after it. A window that
        reaches the present is left open.
        """
        event = _midnight(report.extraction.event_date)
        start = min(item.published, event) - OVERLAP
        end = max(item.published, event + timedelta(days=1)) + REPORTED_LATE
        return start, (None if end >= self.now() else end)

    def refresh_incidents(self, *, since: datetime | None) -> int:
        """Merge the stored reports from ``since`` (minus an overlap) and store the incidents."""
        window = None if since is None else since - OVERLAP
        reports = self.store.reports(since=window)
        if window is not None:
            reports += self.store.incident_partners(r.id for r in reports)
        return self._merge(reports)

    def refresh_windows(self, windows: Iterable[Window]) -> int:
        """Merge the stored reports published in ``windows`` and store the incidents.

        The incidents are rebuilt whole: a report outside the windows that shares an
        incident with one inside comes along.
        """
        seen: dict[str, Report] = {}
        for start, end in _joined(windows):
            for report in self.store.reports(since=start, until=end):
                seen.setdefault(report.id, report)
        reports = list(seen.values())
        reports += self.store.incident_partners(list(seen))
        return self._merge(reports)

    def _merge(self, reports: list[Report]) -> int:
        incidents = merge_reports(reports)
        self.store.replace_incidents(incidents, [r.id for r in reports])
        return len(incidents)


def _joined(windows: Iterable[Window]) -> list[Window]:
    """Overlapping windows joined, oldest first (an open end reaches the present)."""
    far = datetime.max.replace(tzinfo=UTC)
    joined: list[Window] = []
    for start, end in sorted(windows, key=lambda w: w[0]):
        if joined and start <= (joined[-1][1] or far):
            last_start, last_end = joined[-1]
            joined[-1] = (
                last_start,
                None if end is None or last_end is None else max(end, last_end),
            )
        else:
            joined.append((start, end))
    return joined


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
) -> list[Alert]:
    """Judge every unit for ``day``, move the alert lifecycle, store and return the alerts.

    ``covered_since``: the first day the store's history is complete from (see
    :class:`~durandwatch.escalation.History`).
    """
    since = day - timedelta(days=rules.history_days)
    until = day + timedelta(days=1)
    views = [
        v
        for v in (IncidentView.from_incident(i) for i in store.incidents(since=since, until=until))
        if v is not None
    ]
    history = History(views, sectors=sectors, covered_since=covered_since)
    assessments = assess(history, day, rules, only_alerts=True)
    state, events = advance(store.open_alert_states(), assessments, day)
    alerts = [alert_of(e) for e in events]
    store.save_alerts(state, alerts, now=now)
    raised = [a for a in alerts if a.status in ("new", "escalated")]
    if raised:
        log.warning("alerts: %s", "; ".join(f"{a.name} {a.level} ({a.status})" for a in raised))
    return alerts
