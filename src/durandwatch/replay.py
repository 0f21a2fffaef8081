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
import multiprocessing
import pickle
import sys
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from .analyze import Analyzer, Report, parse_published
from .codec import alert_record, dumps, incident_record
from .dedup import Incident, Merger
from .errors import DurandwatchError
from .escalation import History, IncidentView, assess
from .lifecycle import Alert, AlertEvent, AlertState, advance, alert_of
from .region import SectorMap
from .rules import Rules

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

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


#: Days after its last event date that an incident can still be joined by a report: later
#: it is final, written out and forgotten, so a replay's memory does not grow with its
#: length. (A report dated this long before its publication starts an incident of its own.)
MERGE_HORIZON_DAYS = 31
#: Days of incidents the assessment reads (windows, drivers, exchanges); older incidents
#: live on in the history only as counts. Longer than MERGE_HORIZON_DAYS.
VIEW_DAYS = 60
#: How often the merged and assessed past is forgotten (days).
FORGET_EVERY_DAYS = 7
#: Items per task sent to a worker process.
CHUNK_ITEMS = 64


def replay(
    items: Iterable[HistoryItem],
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
    workers: int = 1,
) -> ReplaySummary:
    """Run the history from ``start - warmup_days`` to ``end``; write alerts for [start, end].

    Days are local days in ``zone`` (the service's ``schedule.timezone``): an item
    counts from the local day it was published, and each day is assessed as the service
    would assess it at its end.

    The items stream through: they are sorted into local days in a spool on disk (a
    month per file), read back a month at a time, analysed (by ``workers`` processes
    when more than one), merged and assessed day by day; incidents are written out and
    forgotten once final. Memory follows the density of the history, not its length,
    and the result is the same for any number of workers.
    """
    first_day = start - timedelta(days=warmup_days)
    summary = ReplaySummary()
    out.mkdir(parents=True, exist_ok=True)
    merger = Merger()
    assessor = Assessor(rules, sectors=sectors, covered_since=first_day)
    previous: list[Alert] = []
    recent_final: list[Incident] = []  # final incidents still inside the outputs' 31 days
    days = (end - first_day).days + 1
    alerts_path, incidents_path = out / "replay-alerts.jsonl", out / "replay-incidents.jsonl"
    with (
        tempfile.TemporaryDirectory(prefix="durandwatch-replay-", dir=out) as spool_dir,
        _Writer(alerts_path) as alert_out,
        _Writer(incidents_path) as incident_out,
    ):
        spool = DaySpool(Path(spool_dir), ZoneInfo(zone), first_day, end)
        for item in items:
            spool.add(item)
        analysed = analyse_days(spool.days(), analyzer, workers=workers)
        for n, (day, count, reports) in enumerate(analysed):
            summary.items += count
            summary.relevant += len(reports)
            removed, changed = merger.add(reports)
            views = [v for v in (IncidentView.from_incident(c) for c in changed) if v is not None]
            assessor.update(views, removed)
            if day >= start:
                events = assessor.assess(day)
                summary.days += 1
                alerts = [alert_of(event) for event in events]
                for alert in alerts:
                    alert_out.write(alert_record(alert))
                    if alert.level in ("orange", "red"):
                        summary.alert_days[alert.level] += 1
                    summary.alerts.add(alert.alert_id)
                if outputs is not None:
                    month = [*recent_final, *merger.incidents()]
                    _write_outputs(outputs, out, day, alerts, previous, month)
                previous = alerts
            if n % FORGET_EVERY_DAYS == FORGET_EVERY_DAYS - 1:
                final = merger.evict(before=day - timedelta(days=MERGE_HORIZON_DAYS))
                for incident in final:
                    incident_out.write(incident_record(incident))
                summary.incidents += len(final)
                if outputs is not None:
                    since = day - timedelta(days=31)
                    recent_final = [i for i in (*recent_final, *final) if i.event_date > since]
                assessor.history.forget(
                    incidents_before=day - timedelta(days=VIEW_DAYS),
                    counts_before=day - timedelta(days=rules.history_days + 7),
                )
            if progress is not None:
                progress(n + 1, days)
        rest = merger.incidents()
        for incident in rest:
            incident_out.write(incident_record(incident))
        summary.incidents += len(rest)
    return summary


class _Writer:
    """JSON Lines into ``path``, through a temporary file renamed into place when whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(path.name + ".tmp")
        self._handle: IO[str] | None = None

    def __enter__(self) -> _Writer:
        self._handle = self._tmp.open("w", encoding="utf-8")
        return self

    def write(self, record: dict[str, object]) -> None:
        assert self._handle is not None  # noqa: S101 - only inside the with block
        self._handle.write(dumps(record) + "\n")

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        assert self._handle is not None  # noqa: S101
        self._handle.close()
        if kind is None:
            self._tmp.replace(self.path)
        else:
            self._tmp.unlink(missing_ok=True)


class DaySpool:
    """Items sorted into local days on disk: one file per month.

    A history may come in any order (UCDP and ACLED files are not sorted by date); the
    spool reads it once and gives the days back in order, holding one month in memory.
    The files are pickles this spool wrote itself, in a private temporary folder.
    """

    def __init__(self, folder: Path, zone: ZoneInfo, first: date, last: date) -> None:
        self.folder = folder
        self.zone = zone
        self.first, self.last = first, last
        self._files: dict[tuple[int, int], IO[bytes]] = {}

    def add(self, item: HistoryItem) -> bool:
        """Spool one item (False: outside the days replayed)."""
        day = item.published.astimezone(self.zone).date()
        if not self.first <= day <= self.last:
            return False
        key = (day.year, day.month)
        handle = self._files.get(key)
        if handle is None:
            if len(self._files) >= _OPEN_FILES:  # an unsorted history of many years
                for open_handle in self._files.values():
                    open_handle.close()
                self._files.clear()
            handle = self._path(key).open("ab")
            self._files[key] = handle
        row = (day.toordinal(), item.id, item.text, item.published.isoformat(), item.source)
        handle.write(pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL))
        return True

    def days(self) -> Iterator[tuple[date, list[HistoryItem]]]:
        """Every day from first to last, with its items by publication time and id."""
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        month_start = self.first.replace(day=1)
        while month_start <= self.last:
            by_day: dict[int, list[HistoryItem]] = defaultdict(list)
            path = self._path((month_start.year, month_start.month))
            if path.exists():
                with path.open("rb") as handle:
                    rows = pickle.Unpickler(handle)  # noqa: S301 - written above, 0700 folder
                    while True:
                        try:
                            ordinal, ident, text, published, source = rows.load()
                        except EOFError:
                            break
                        moment = datetime.fromisoformat(published)
                        by_day[ordinal].append(HistoryItem(ident, text, moment, source))
                path.unlink()
            following = (month_start + timedelta(days=32)).replace(day=1)
            day = max(month_start, self.first)
            while day < following and day <= self.last:
                todays = by_day.pop(day.toordinal(), [])
                todays.sort(key=lambda i: (i.published, i.id))
                yield day, todays
                day += timedelta(days=1)
            month_start = following

    def _path(self, key: tuple[int, int]) -> Path:
        return self.folder / f"{key[0]:04d}-{key[1]:02d}.pickle"


#: Month files a spool keeps open at once.
_OPEN_FILES = 64

#: The analyser of a worker process (inherited from the parent when it forks).
_WORKER_ANALYZER: Analyzer | None = None


def analyse_days(
    days: Iterable[tuple[date, list[HistoryItem]]], analyzer: Analyzer, *, workers: int = 1
) -> Iterator[tuple[date, int, list[Report]]]:
    """(day, items, relevant reports) for each day, in order.

    With ``workers`` > 1 the items are analysed by that many forked processes, a few
    days ahead of the caller, and come back in the same order: analysis is a pure
    function of the item, so the result is the same as with one process.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        if workers > 1:
            log.warning("this platform cannot fork worker processes; replaying in one")
        for day, items in days:
            yield day, len(items), _analyse(analyzer, items)
        return
    global _WORKER_ANALYZER
    _WORKER_ANALYZER = analyzer
    context = multiprocessing.get_context("fork")
    pending: deque[tuple[date, int, list[Future[list[Report]]]]] = deque()
    in_flight = 0
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for day, items in days:
            chunks = [items[k : k + CHUNK_ITEMS] for k in range(0, len(items), CHUNK_ITEMS)]
            futures = [pool.submit(_analyse_in_worker, chunk) for chunk in chunks]
            pending.append((day, len(items), futures))
            in_flight += len(futures)
            while pending and (in_flight > 8 * workers or len(pending) > 31):
                done_day, count, done = pending.popleft()
                in_flight -= len(done)
                yield done_day, count, [r for f in done for r in f.result()]
        while pending:
            done_day, count, done = pending.popleft()
            yield done_day, count, [r for f in done for r in f.result()]


def _analyse(analyzer: Analyzer, items: Iterable[HistoryItem]) -> list[Report]:
    reports = (
        analyzer.analyze_if_relevant(i.id, i.text, published=i.published, source=i.source)
        for i in items
    )
    return [r for r in reports if r is not None]


def _analyse_in_worker(items: list[HistoryItem]) -> list[Report]:
    if _WORKER_ANALYZER is None:  # pragma: no cover - set before the pool forks
        raise RuntimeError("no analyser in this worker")
    return _analyse(_WORKER_ANALYZER, items)


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
        found = assess(self.history, day, self.rules, only_alerts=True)
        self.state, events = advance(self.state, found, day)
        return events


@dataclass(frozen=True, slots=True)
class OutputSettings:
    """What the daily output folders of a replay need."""

    gazetteer: Gazetteer | None
    zone: str
    daily_at: time


def _write_outputs(
    settings: OutputSettings,
    out: Path,
    day: date,
    alerts: list[Alert],
    previous: list[Alert],
    known: list[Incident],
) -> None:
    from .outputs import write_day

    since = day - timedelta(days=31)
    incidents = [i for i in known if since < i.event_date <= day]
    moment = datetime.combine(day, settings.daily_at, tzinfo=ZoneInfo(settings.zone))
    write_day(
        out / "alerts",
        day,
        alerts=alerts,
        incidents=incidents,
        gazetteer=settings.gazetteer,
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
