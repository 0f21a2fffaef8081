"""The long-running service: APScheduler 3 jobs, signals, the run lock.

Jobs:

* ``poll:<feed>``: one per enabled feed, on the feed's own interval with jitter;
  ``coalesce=True`` (missed runs collapse into one), ``max_instances=1`` (a slow feed
  never overlaps itself), misfire grace of half the interval (a poll that is late by
  more than that waits for its next slot, which is never far away).
* ``daily``: at ``schedule.daily_at`` in ``schedule.timezone``, with no misfire limit
  (``misfire_grace_time=None``), so a busy or suspended process still runs it late
  rather than skipping it; a daily run missed while the service was down is caught up
  at start.

SIGTERM and SIGINT set a stop event: no new job starts, in-flight fetches stop at their
next chunk (or their read timeout), and the process exits after at most
``schedule.shutdown_grace_seconds``.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .clock import Clock, utc_now
from .config import Config
from .fetch import Fetcher
from .ingest import Ingestor
from .model import FeedSpec
from .resources import data_path
from .store import RunLock, Store

log = logging.getLogger(__name__)

DAILY_JOB_ID = "daily"
PROCESS_JOB_ID = "process"
#: The per-poll log is kept this long (a service that runs for months stays small).
POLL_LOG_DAYS = 90
#: How often new items are analysed, merged into incidents and scored.
PROCESS_MINUTES = 15
_DAILY_META = "daily.last_local_date"
#: Seconds between the first polls of successive feeds at start-up.
START_STAGGER_SECONDS = 3


def poll_job_id(spec: FeedSpec) -> str:
    """The stable job id of a feed's polling job."""
    return f"poll:{spec.name}"


@dataclass(frozen=True, slots=True)
class DailyReport:
    """What the daily job found; later stages add the map and digest here."""

    local_date: str
    items_last_24h: int
    failing_feeds: tuple[str, ...]


def run_daily(
    store: Store, config: Config, *, now: datetime, gazetteer: object = None
) -> DailyReport:
    """The daily job: write the day's outputs, email them, and remember that it ran."""
    local_day = now.astimezone(ZoneInfo(config.schedule.timezone)).date()
    local_date = local_day.isoformat()
    if gazetteer is not None:
        _daily_outputs(store, config, local_day, now=now, gazetteer=gazetteer)
    recent = store.items(since=now - timedelta(days=1))
    pruned = store.prune_polls(before=now - timedelta(days=POLL_LOG_DAYS))
    if pruned:
        log.info("forgot %d poll log entries older than %d days", pruned, POLL_LOG_DAYS)
    keep = config.keep_non_incident_days
    if keep:
        forgotten = store.prune_non_incidents(before=now - timedelta(days=keep))
        if forgotten:
            log.info("forgot %d item(s) older than %d days that are not incidents", forgotten, keep)
    failing = tuple(s.name for s in store.feed_states() if s.consecutive_failures)
    store.set_meta(_DAILY_META, local_date)
    report = DailyReport(local_date, len(recent), failing)
    log.info(
        "daily run for %s: %d items in the last 24 h; %d feed(s) failing%s",
        local_date,
        report.items_last_24h,
        len(failing),
        f" ({', '.join(failing)})" if failing else "",
    )
    return report


def _daily_outputs(
    store: Store, config: Config, day: date, *, now: datetime, gazetteer: object
) -> None:
    from .errors import DurandwatchError
    from .pipeline import email_day, produce_configured_day
    from .rules import load_rules

    try:
        rules = load_rules(config.rules_file)
        result = produce_configured_day(
            store, config, rules=rules, gazetteer=gazetteer, day=day, now=now
        )
        queued, sent, failed = email_day(
            store, recipients_file=recipients_file(config), folder=result.folder, day=day, now=now
        )
    except (DurandwatchError, OSError) as exc:
        log.error("daily outputs for %s failed: %s", day, exc)
        return
    log.info(
        "daily outputs for %s in %s; email: %d queued, %d sent, %d failed",
        day,
        result.folder,
        queued,
        sent,
        failed,
    )


def recipients_file(config: Config) -> Path:
    """The operator's ``alerts/recipients.toml`` beside the rules, else the shipped one."""
    beside = config.rules_file.with_name("recipients.toml")
    return beside if beside.exists() else data_path("alerts", "recipients.toml")


def daily_is_overdue(store: Store, config: Config, *, now: datetime) -> bool:
    """True when today's daily run time has passed and it has not run today."""
    zone = ZoneInfo(config.schedule.timezone)
    local = now.astimezone(zone)
    if local.time() < config.schedule.daily_at:
        return False
    return store.get_meta(_DAILY_META) != local.date().isoformat()


def build_scheduler(
    config: Config,
    *,
    poll: Callable[[FeedSpec], object],
    daily: Callable[[], object],
    now: datetime,
    process: Callable[[], object] | None = None,
    max_workers: int = 4,
) -> BackgroundScheduler:
    """Build the scheduler and its jobs without starting the clock."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max_workers)},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    jitter = config.schedule.jitter_seconds or None
    for index, spec in enumerate(config.enabled_feeds()):
        scheduler.add_job(
            poll,
            IntervalTrigger(minutes=spec.interval_minutes, jitter=jitter, timezone=UTC),
            args=[spec],
            id=poll_job_id(spec),
            name=f"poll {spec.name}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(60, spec.interval_minutes * 30),
            next_run_time=now + timedelta(seconds=index * START_STAGGER_SECONDS),
            replace_existing=True,
        )
    if process is not None:
        scheduler.add_job(
            process,
            IntervalTrigger(minutes=PROCESS_MINUTES, timezone=UTC),
            id=PROCESS_JOB_ID,
            name="analyse, merge, score",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=PROCESS_MINUTES * 60,
            next_run_time=now + timedelta(minutes=2),
            replace_existing=True,
        )
    daily_at = config.schedule.daily_at
    scheduler.add_job(
        daily,
        CronTrigger(
            hour=daily_at.hour, minute=daily_at.minute, timezone=ZoneInfo(config.schedule.timezone)
        ),
        id=DAILY_JOB_ID,
        name="daily outputs",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,  # never skip: run late rather than not at all
        replace_existing=True,
    )
    return scheduler


def _retry_email(store: Store, config: Config, *, now: datetime) -> None:
    """Send queued emails whose retry is due (failed sends stay queued with backoff)."""
    from .errors import DurandwatchError
    from .notify import load_recipients, send_outbox

    try:
        smtp, recipients = load_recipients(recipients_file(config))
        if recipients:
            send_outbox(store, smtp, now=now)
    except DurandwatchError as exc:
        log.error("email retry: %s", exc)


class Service:
    """``durandwatch run``: poll on schedule until told to stop."""

    def __init__(self, config: Config, *, now: Clock = utc_now) -> None:
        self.config = config
        self.now = now
        self.stop_event = threading.Event()
        self._active = 0
        self._active_lock = threading.Lock()
        self._idle = threading.Condition(self._active_lock)

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Ask the service to stop (signal handler)."""
        if signum is not None:
            log.info("received %s; stopping", signal.Signals(signum).name)
        self.stop_event.set()

    def run(self) -> None:
        """Block until SIGTERM/SIGINT.

        Raises ``AlreadyRunningError`` when another run holds the lock.
        """
        lock = RunLock(self.config.lock_path)
        lock.acquire()
        try:
            with (
                Store(self.config.database_path) as store,
                Fetcher(self.config.fetch, cancel=self.stop_event) as fetcher,
            ):
                store.sync_feeds(self.config.feeds)
                ingestor = Ingestor(
                    store,
                    fetcher,
                    now=self.now,
                    backoff_max_minutes=self.config.fetch.backoff_max_minutes,
                )
                self._serve(store, ingestor)
        finally:
            lock.release()

    def _serve(self, store: Store, ingestor: Ingestor) -> None:
        def poll(spec: FeedSpec) -> None:
            with self._tracked():
                if not self.stop_event.is_set():
                    ingestor.poll(spec, respect_backoff=True)

        process, gazetteer = self._processing(store)

        def daily() -> None:
            with self._tracked():
                run_daily(store, self.config, now=self.now(), gazetteer=gazetteer)

        scheduler = build_scheduler(
            self.config, poll=poll, daily=daily, process=process, now=self.now()
        )
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            scheduler.start()
            feeds = len(self.config.enabled_feeds())
            log.info(
                "durandwatch running: %d feeds, daily run at %s %s, database %s",
                feeds,
                self.config.schedule.daily_at.strftime("%H:%M"),
                self.config.schedule.timezone,
                self.config.database_path,
            )
            if daily_is_overdue(store, self.config, now=self.now()):
                log.info("the daily run was missed while the service was down; running it now")
                scheduler.add_job(
                    daily, id="daily-catch-up", name="daily catch-up", misfire_grace_time=None
                )
            while not self.stop_event.wait(1.0):
                pass
        finally:
            scheduler.shutdown(wait=False)
            self._wait_idle(self.config.schedule.shutdown_grace_seconds)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log.info("durandwatch stopped")

    def _processing(self, store: Store) -> tuple[Callable[[], None] | None, object]:
        """The analyse-merge-score job, or None (logged) when the geocoder cannot load."""
        from .analyze import Analyzer
        from .errors import DurandwatchError
        from .geodata import open_geocoder
        from .pipeline import Processor, assess_alerts
        from .rules import load_rules

        try:
            analyzer = Analyzer(open_geocoder(self.config.geo_dir))
            rules = load_rules(self.config.rules_file)
        except (ImportError, OSError, DurandwatchError) as exc:
            log.error("analysis disabled, feeds are still polled and stored: %s", exc)
            return None, None
        processor = Processor(
            store, analyzer, outlets={f.name: f.outlet for f in self.config.feeds}, now=self.now
        )

        def process() -> None:
            with self._tracked():
                if self.stop_event.is_set():
                    return
                processor.run()
                now = self.now()
                assess_alerts(store, rules, day=now.date(), now=now)
                _retry_email(store, self.config, now=now)

        return process, analyzer.geocoder.gazetteer

    @property
    def active_jobs(self) -> int:
        """Jobs still running (after shutdown: those that outlived the grace period)."""
        with self._idle:
            return self._active

    def _tracked(self) -> _Tracked:
        return _Tracked(self)

    def _wait_idle(self, grace: float) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._active == 0, timeout=grace):
                log.warning(
                    "%d job(s) still running after %.0f s; exiting anyway", self._active, grace
                )


class _Tracked:
    """Counts running jobs so shutdown can wait for them (bounded)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def __enter__(self) -> None:
        with self.service._idle:
            self.service._active += 1

    def __exit__(self, *exc: object) -> None:
        with self.service._idle:
            self.service._active -= 1
            self.service._idle.notify_all()
