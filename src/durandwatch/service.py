"""The long-running service: APScheduler 3 jobs, signals, the run lock.

Jobs:

* ``poll:<feed>``: one per enabled feed, on the feed's own interval with jitter;
  ``coalesce=True`` (missed runs collapse into one), ``max_instances=1`` (a slow feed
  never overlaps itself), misfire grace of half the interval (a poll that is late by
  more than that waits for its next slot, which is never far away).
* ``process``: every 15 minutes, analyse new items, merge them into incidents and judge
  every unit for the local day;
* ``daily``: at ``schedule.daily_at`` in ``schedule.timezone``, with no misfire limit
  (``misfire_grace_time=None``), so a busy or suspended process still runs it late
  rather than skipping it; a daily run missed while the service was down is caught up
  at start. It processes what waits before writing the day's outputs.

Every job goes through the :class:`~durandwatch.monitor.Monitor`; this module only
schedules them.

Several ``run`` may share one store (a team's PostgreSQL): exactly one leads and runs
the jobs; the others stand by, trying to take the lead every
``schedule.standby_check_seconds``. The lead is an advisory lock held by a connection of
its own (see :class:`~durandwatch.store.Leadership`), so when the leader dies the server
releases it and a standby takes over at its next try. A leader that finds its lock
connection gone stops its scheduler at once and stands by again: jobs never run in two
processes knowingly, and the daily run is recorded in the store, so a new leader does
not repeat it.

SIGTERM and SIGINT set a stop event: no new job starts, in-flight fetches stop at their
next chunk (or their read timeout), and the process exits after at most
``schedule.shutdown_grace_seconds``.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .clock import Clock, to_iso, utc_now
from .config import Config
from .errors import DurandwatchError
from .model import FeedSpec
from .monitor import LEADER_META, Monitor
from .store import Leadership, RunLock
from .store.locks import identity

log = logging.getLogger(__name__)

DAILY_JOB_ID = "daily"
PROCESS_JOB_ID = "process"
#: How often new items are analysed, merged into incidents and scored.
PROCESS_MINUTES = 15
#: Seconds between the first polls of successive feeds at start-up.
START_STAGGER_SECONDS = 3
#: Seconds between a leader's checks that it still holds the lead.
LEAD_CHECK_SECONDS = 5.0


def poll_job_id(spec: FeedSpec) -> str:
    """The stable job id of a feed's polling job."""
    return f"poll:{spec.name}"


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


class Service:
    """``durandwatch run``: poll on schedule until told to stop."""

    def __init__(self, config: Config, *, now: Clock = utc_now) -> None:
        self.config = config
        self.now = now
        self.stop_event = threading.Event()
        self._active = 0
        self._active_lock = threading.Lock()
        self._idle = threading.Condition(self._active_lock)
        #: Whether this process leads the scheduler now.
        self.leading = False

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Ask the service to stop (signal handler)."""
        if signum is not None:
            log.info("received %s; stopping", signal.Signals(signum).name)
        self.stop_event.set()

    def run(self) -> None:
        """Block until SIGTERM/SIGINT, leading the store's scheduler or standing by.

        Raises ``AlreadyRunningError`` when another run holds this state folder.
        """
        lock = RunLock(self.config.lock_path)
        lock.acquire()
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            with Monitor(self.config, clock=self.now, cancel=self.stop_event) as monitor:
                leadership = monitor.store.leadership()
                try:
                    self._lead_or_stand_by(monitor, leadership)
                finally:
                    leadership.release()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            lock.release()
            log.info("durandwatch stopped")

    def _lead_or_stand_by(self, monitor: Monitor, leadership: Leadership) -> None:
        announced = False
        while not self.stop_event.is_set():
            if leadership.try_acquire():
                record = {"identity": identity(), "since": to_iso(self.now())}
                monitor.store.set_meta(LEADER_META, json.dumps(record))
                log.info("leading the scheduler on %s as %s", leadership.where, record["identity"])
                self.leading = True
                try:
                    self._serve(monitor, leadership)
                finally:
                    self.leading = False
                announced = False
                continue
            if not announced:
                log.info(
                    "standing by: another durandwatch run leads %s (%s); trying every %.0f s",
                    leadership.where,
                    monitor.store.get_meta(LEADER_META) or "unknown",
                    self.config.schedule.standby_check_seconds,
                )
                announced = True
            self.stop_event.wait(self.config.schedule.standby_check_seconds)

    def jobs(
        self, monitor: Monitor
    ) -> tuple[Callable[[FeedSpec], None], Callable[[], None], Callable[[], None] | None]:
        """The poll, daily and processing jobs (the last is None when analysis cannot load)."""

        def poll(spec: FeedSpec) -> None:
            with self._tracked():
                if not self.stop_event.is_set():
                    monitor.poll_feed(spec, respect_backoff=True)

        analysis = True
        try:
            monitor.prepare()
        except DurandwatchError as exc:
            log.error("analysis disabled, feeds are still polled and stored: %s", exc)
            analysis = False

        def daily() -> None:
            with self._tracked():
                monitor.daily(outputs=analysis)

        def process() -> None:
            with self._tracked():
                if self.stop_event.is_set():
                    return
                monitor.process()
                monitor.assess()
                try:
                    monitor.retry_email()
                except DurandwatchError as exc:
                    log.error("email retry: %s", exc)

        return poll, daily, (process if analysis else None)

    def _serve(self, monitor: Monitor, leadership: Leadership) -> None:
        """Run the jobs until told to stop or until the lead is lost."""
        poll, daily, process = self.jobs(monitor)
        scheduler = build_scheduler(
            self.config, poll=poll, daily=daily, process=process, now=self.now()
        )
        try:
            scheduler.start()
            feeds = len(self.config.enabled_feeds())
            log.info(
                "durandwatch running: %d feeds, daily run at %s %s, database %s",
                feeds,
                self.config.schedule.daily_at.strftime("%H:%M"),
                self.config.schedule.timezone,
                self.config.database_name,
            )
            if monitor.daily_is_overdue():
                log.info("the daily run was missed while no service ran; running it now")
                scheduler.add_job(
                    daily, id="daily-catch-up", name="daily catch-up", misfire_grace_time=None
                )
            while not self.stop_event.wait(LEAD_CHECK_SECONDS):
                if not leadership.still_held():
                    log.error("lost the lead of %s; stopping the jobs", leadership.where)
                    break
        finally:
            scheduler.shutdown(wait=False)
            self._wait_idle(self.config.schedule.shutdown_grace_seconds)

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
