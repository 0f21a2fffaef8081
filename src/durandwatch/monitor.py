"""The library's front door: one configuration, one clock, every stage of the pipeline.

``Monitor`` is what the CLI, the service and the tests call::

    with Monitor(load_config(path)) as monitor:
        monitor.poll()          # fetch and store every enabled feed
        monitor.process()       # analyse new items, merge them into incidents
        monitor.assess()        # judge every unit for the local day, move the alerts
        monitor.write_day()     # alerts/<day>/: map, digest, exports
        monitor.email()         # queue and send the day's digest

Its parts (rules, region and sectors, geocoder) load on first use and are kept, so a
long-running service reads them once; a broken file raises :class:`ConfigError` naming
it. A "day" is the configured local day (``schedule.timezone``) everywhere: the day the
alerts are assessed for is the day whose folder the outputs go to. ``replay`` drives the
same analysis, merging and assessment with a simulated clock (see
:mod:`durandwatch.replay`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .clock import Clock, to_iso, utc_now
from .config import Config
from .errors import ConfigError, DurandwatchError
from .extract import is_violent
from .lifecycle import Alert
from .model import FeedSpec, PollOutcome
from .pipeline import Processor, ProcessReport, assess_alerts
from .region import Region, SectorMap, load_region
from .rules import Rules, load_rules
from .store import Store

if TYPE_CHECKING:
    from .analyze import Analyzer
    from .fetch import Fetcher
    from .gazetteer import Gazetteer
    from .ingest import Ingestor
    from .notify import SmtpFactory
    from .outputs import DayOutputs

log = logging.getLogger(__name__)

#: The per-poll log is kept this long (a service that runs for months stays small).
POLL_LOG_DAYS = 90
#: Incidents read for a day's outputs (the map and tables show the last 30 days).
OUTPUT_DAYS = 31
_DAILY_META = "daily.last_local_date"
_SINCE_META = "monitoring.since"


@dataclass(frozen=True, slots=True)
class EmailReport:
    """What one emailing of a day did."""

    queued: int
    sent: int
    failed: int


@dataclass(frozen=True, slots=True)
class DailyReport:
    """What the daily job did."""

    local_date: str
    items_last_24h: int
    failing_feeds: tuple[str, ...]
    outputs: Path | None = None
    email: EmailReport | None = None
    error: str | None = None


class Monitor:
    """Poll, process, assess, write, email and report on one configured install."""

    def __init__(
        self, config: Config, *, clock: Clock = utc_now, cancel: threading.Event | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        self.cancel = cancel
        self._store: Store | None = None
        self._fetcher: Fetcher | None = None
        self._ingestor: Ingestor | None = None

    # -- resources -----------------------------------------------------------------------

    def __enter__(self) -> Monitor:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the store and bring its feed table in line with the catalog."""
        if self._store is None:
            self._store = Store(self.config.database_url, base_dir=self.config.base_dir)
            self._store.sync_feeds(self.config.feeds)

    def close(self) -> None:
        """Close the HTTP client and the store."""
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def store(self) -> Store:
        """The open store (use the monitor as a context manager)."""
        if self._store is None:
            raise RuntimeError("the Monitor is not open: use `with Monitor(config) as m:`")
        return self._store

    @cached_property
    def rules(self) -> Rules:
        """The alert rules (``alerts/rules.toml``)."""
        return load_rules(self.config.rules_file)

    @cached_property
    def region(self) -> Region:
        """The region profile (``geo/region.toml``): datasets, area of interest, sectors."""
        return load_region(self.config.geo_dir)

    @property
    def sectors(self) -> SectorMap:
        return self.region.sectors

    @cached_property
    def analyzer(self) -> Analyzer:
        """The extractor and the geocoder (built from the region profile and the pack)."""
        from .analyze import Analyzer
        from .geodata import open_geocoder

        try:
            return Analyzer(open_geocoder(self.config.geo_dir))
        except (ImportError, OSError) as exc:
            raise ConfigError([f"cannot load the geocoder: {exc}"], source="geodata") from None

    @property
    def gazetteer(self) -> Gazetteer:
        return self.analyzer.geocoder.gazetteer

    def prepare(self) -> None:
        """Load the rules, the region profile and the geocoder now; a bad file raises."""
        _ = self.rules, self.region, self.analyzer

    def check_recipients(self) -> None:
        """Read the email recipients now; a bad file raises :class:`ConfigError`."""
        from .notify import load_recipients

        load_recipients(self.recipients_file)

    def check(self) -> list[str]:
        """Load everything the monitor will load; return every problem found (empty: OK)."""
        from .notify import load_recipients

        problems: list[str] = []
        loaders = (
            ("rules", lambda: self.rules),
            ("region", lambda: self.region),
            ("recipients", lambda: load_recipients(self.recipients_file)),
            ("geocoder", lambda: self.analyzer),
        )
        for _, load in loaders:
            try:
                load()
            except DurandwatchError as exc:
                problems.append(str(exc))
        return problems

    @property
    def recipients_file(self) -> Path:
        """The operator's ``alerts/recipients.toml`` beside the rules, else the shipped one."""
        from .resources import data_path

        beside = self.config.rules_file.with_name("recipients.toml")
        return beside if beside.exists() else data_path("alerts", "recipients.toml")

    # -- time ----------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.schedule.timezone)

    def today(self) -> date:
        """The configured local day now (the day alerts and outputs are for)."""
        return self.clock().astimezone(self.zone).date()

    # -- stages --------------------------------------------------------------------------

    def _ingest(self) -> Ingestor:
        from .fetch import Fetcher
        from .ingest import Ingestor

        if self._ingestor is None:
            if self._fetcher is None:
                self._fetcher = Fetcher(self.config.fetch, cancel=self.cancel)
            self._ingestor = Ingestor(
                self.store,
                self._fetcher,
                now=self.clock,
                backoff_max_minutes=self.config.fetch.backoff_max_minutes,
            )
        return self._ingestor

    def poll(
        self, feeds: Sequence[FeedSpec] | None = None, *, respect_backoff: bool = False
    ) -> list[PollOutcome]:
        """Fetch and store every enabled feed (or ``feeds``); one bad feed fails alone.

        The pass starts no feed after ``fetch.pass_deadline`` seconds (a request in flight
        ends within ``fetch.deadline``); the feeds not reached are reported as skipped.
        """
        return self._ingest().poll_all(
            feeds if feeds is not None else self.config.enabled_feeds(),
            respect_backoff=respect_backoff,
            limit_s=self.config.fetch.pass_deadline,
        )

    def poll_feed(self, spec: FeedSpec, *, respect_backoff: bool = True) -> PollOutcome:
        """One feed, as the service's poll job does it."""
        return self._ingest().poll(spec, respect_backoff=respect_backoff)

    def poll_directory(self, folder: Path) -> list[PollOutcome]:
        """Ingest the feed files of a local folder (offline trials, the demo)."""
        from .ingest import Ingestor

        ingestor = Ingestor(self.store, None, now=self.clock, max_bytes=self.config.fetch.max_bytes)
        return ingestor.poll_directory(folder, limit_s=self.config.fetch.pass_deadline)

    def process(self) -> ProcessReport:
        """Analyse every new item and rebuild the incidents it touches."""
        outlets = {f.name: f.outlet for f in self.config.feeds}
        return Processor(self.store, self.analyzer, outlets=outlets, now=self.clock).run()

    def assess(self, day: date | None = None) -> list[Alert]:
        """Judge every unit for the local ``day`` (default today); store and return the alerts."""
        return assess_alerts(
            self.store,
            self.rules,
            sectors=self.sectors,
            day=day or self.today(),
            now=self.clock(),
            covered_since=self.monitoring_since(),
        )

    def monitoring_since(self) -> date | None:
        """The first local day the store's history is complete from.

        The oldest item's day, remembered so that forgetting old items later does not
        move it. Escalation against a unit's own history waits until enough of it is in.
        """
        remembered = self.store.get_meta(_SINCE_META)
        oldest = self.store.first_published()
        days = [date.fromisoformat(remembered)] if remembered else []
        if oldest is not None:
            days.append(oldest.astimezone(self.zone).date())
        if not days:
            return None
        since = min(days)
        if remembered != since.isoformat():
            self.store.set_meta(_SINCE_META, since.isoformat())
        return since

    def latest_incident_day(self) -> date | None:
        """The newest event date of a violent incident (the demo assesses as of it)."""
        dates = [i.event_date for i in self.store.incidents() if is_violent(i.event_type)]
        return max(dates, default=None)

    def write_day(self, day: date | None = None, *, cdn: bool = False) -> DayOutputs:
        """Write ``alerts/<day>/`` from what the store holds.

        The day's alerts are the ones recorded by the assessment; when none were (a past
        day, or a first run) the day is assessed now.
        """
        from .outputs import write_day

        day = day or self.today()
        alerts = self.store.day_alerts(day)
        if not alerts:
            alerts = self.assess(day)
        previous = self.store.day_alerts(day - timedelta(days=1))
        incidents = self.store.incidents(
            since=day - timedelta(days=OUTPUT_DAYS), until=day + timedelta(days=1)
        )
        return write_day(
            self.config.output_dir,
            day,
            alerts=alerts,
            incidents=incidents,
            gazetteer=self.gazetteer,
            zone=self.config.schedule.timezone,
            daily_at=self.config.schedule.daily_at,
            now=self.clock(),
            previous_alerts=previous,
            templates=self.config.output_dir / "templates",
            cdn=cdn,
        )

    def email(self, day: date | None = None, *, factory: SmtpFactory | None = None) -> EmailReport:
        """Queue the day's digest for every recipient and send what is due."""
        from .notify import build_email, connect, load_recipients, queue, send_outbox

        day = day or self.today()
        smtp, recipients = load_recipients(self.recipients_file)
        if not recipients:
            return EmailReport(0, 0, 0)
        folder = self.config.output_dir / day.isoformat()
        alerts = self.store.day_alerts(day)
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
        now = self.clock()
        queued = queue(self.store, messages, now=now)
        sent, failed = send_outbox(self.store, smtp, now=now, factory=factory or connect)
        return EmailReport(queued, sent, failed)

    def retry_email(self) -> None:
        """Send queued emails whose retry is due (failed sends stay queued with backoff)."""
        from .notify import load_recipients, send_outbox

        smtp, recipients = load_recipients(self.recipients_file)
        if recipients:
            send_outbox(self.store, smtp, now=self.clock())

    def daily(self, *, outputs: bool = True) -> DailyReport:
        """The daily job: process what waits, assess, write the day's outputs and email them.

        The outputs wait for the day's processing, so a digest never goes out while items
        are still unread. A failure of the outputs or the email is logged and reported,
        and the housekeeping still runs; the day counts as done either way (it is not
        retried in a loop), and ``durandwatch digest`` can redo it.
        """
        now = self.clock()
        day = now.astimezone(self.zone).date()
        folder: Path | None = None
        email: EmailReport | None = None
        error: str | None = None
        if outputs:
            try:
                self.process()
                self.assess(day)
                folder = self.write_day(day).folder
                email = self.email(day)
            except (DurandwatchError, OSError) as exc:
                error = str(exc)
                log.error("daily outputs for %s failed: %s", day, exc)
            else:
                log.info(
                    "daily outputs for %s in %s; email: %d queued, %d sent, %d failed",
                    day,
                    folder,
                    email.queued,
                    email.sent,
                    email.failed,
                )
        self._housekeeping(now)
        recent = self.store.items(since=now - timedelta(days=1))
        failing = tuple(s.name for s in self.store.feed_states() if s.consecutive_failures)
        self.store.set_meta(_DAILY_META, day.isoformat())
        log.info(
            "daily run for %s: %d items in the last 24 h; %d feed(s) failing%s",
            day,
            len(recent),
            len(failing),
            f" ({', '.join(failing)})" if failing else "",
        )
        return DailyReport(day.isoformat(), len(recent), failing, folder, email, error)

    def _housekeeping(self, now: datetime) -> None:
        pruned = self.store.prune_polls(before=now - timedelta(days=POLL_LOG_DAYS))
        if pruned:
            log.info("forgot %d poll log entries older than %d days", pruned, POLL_LOG_DAYS)
        keep = self.config.keep_non_incident_days
        if keep:
            forgotten = self.store.prune_non_incidents(before=now - timedelta(days=keep))
            if forgotten:
                log.info(
                    "forgot %d item(s) older than %d days that are not incidents", forgotten, keep
                )

    def daily_is_overdue(self) -> bool:
        """True when today's daily run time has passed and it has not run today."""
        local = self.clock().astimezone(self.zone)
        if local.time() < self.config.schedule.daily_at:
            return False
        return self.store.get_meta(_DAILY_META) != local.date().isoformat()

    def status(self) -> dict[str, Any]:
        """The ``status --json`` document."""
        enabled = {f.name for f in self.config.enabled_feeds()}
        store = self.store
        feeds = [
            {
                "name": s.name,
                "url": s.url,
                "enabled": s.name in enabled,
                "last_success": to_iso(s.last_success),
                "last_error": s.last_error,
                "last_error_at": to_iso(s.last_error_at),
                "consecutive_failures": s.consecutive_failures,
                "next_attempt": to_iso(s.next_attempt),
                "items": s.items,
            }
            for s in store.feed_states()
        ]
        return {
            "items": store.count_items(),
            "incidents": store.count_incidents(),
            "open_alerts": store.count_open_alerts(),
            "feeds": feeds,
            "database": self.config.database_name,
            "engine": store.engine,
            "schema_version": store.schema_version,
            "leader": _json_or_none(store.get_meta(LEADER_META)),
            "generated_at": to_iso(self.clock()),
        }


#: The meta key where the ``run`` leading the scheduler records itself.
LEADER_META = "leader"


def _json_or_none(value: str | None) -> object:
    if not value:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
