"""One poll of one feed: fetch, parse, store, and remember what happened.

Whatever goes wrong while fetching, guarding, parsing, normalising or storing one feed is
that feed's failure: it is recorded for the feed (``status`` shows it), the feed backs
off, and a failed :class:`PollOutcome` is returned; the next feed is polled regardless.
Expected failures (network, HTTP status, hostile or broken documents, a full disk) are
logged in one line. feedparser failing on a malformed document (its own bug, e.g. a
``KeyError`` on a ``<textinput>`` closed by ``</title>``) is the document's failure too:
one line, with the traceback only at debug level (``-v``), for a report to feedparser.
Anything else (a bug here or in the standard library) is logged with its traceback the
first time the feed fails that way, and in one line while it keeps failing the same way.

A pass over many feeds (:meth:`Ingestor.poll_all`) can be given a time limit: once it
has run that long it starts no other feed, and reports the feeds not reached as skipped,
without touching their state. Feeds are polled least recently tried first, so the ones a
pass did not reach go first in the next.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .clock import Clock, utc_now
from .errors import DurandwatchError, FeedError, ParserCrashError, StoreError
from .fetch import Fetcher
from .model import FeedSpec, FeedState, ParsedFeed, PollOutcome
from .parse import parse_feed
from .store import Store

log = logging.getLogger(__name__)

#: Local feed files that ``once --feeds DIR`` picks up.
FEED_FILE_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


def backoff_delay(
    failures: int,
    *,
    interval_minutes: int,
    max_minutes: int,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> timedelta:
    """How long to leave a failing feed alone after ``failures`` consecutive failures.

    The poll interval doubles with each failure (1x, 2x, 4x, ...) up to ``max_minutes``,
    with up to 10 % random spread so that feeds failing together do not retry together.
    A server's ``Retry-After`` is honoured when it asks for longer.
    """
    base = interval_minutes * 60.0 * (2 ** max(0, failures - 1))
    seconds = min(base, max_minutes * 60.0)
    seconds *= 1.0 + 0.1 * (rng or random).random()
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, max_minutes * 60.0))
    return timedelta(seconds=seconds)


class Ingestor:
    """Polls feeds into a :class:`Store`. ``now`` is injected for tests and replays."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher | None,
        *,
        now: Clock = utc_now,
        backoff_max_minutes: int = 720,
        timer: Callable[[], float] = time.monotonic,
        max_bytes: int | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.now = now
        self.backoff_max_minutes = backoff_max_minutes
        self.timer = timer  # seconds, for the time limit of a pass
        # A local file obeys the fetcher's size cap (the fetcher's own settings, if any).
        self.max_bytes = max_bytes or (fetcher.settings.max_bytes if fetcher else None)

    def due(self, spec: FeedSpec) -> bool:
        """False while a failing feed is backing off."""
        state = self.store.feed_state(spec.name)
        return state is None or state.next_attempt is None or state.next_attempt <= self.now()

    def poll(self, spec: FeedSpec, *, respect_backoff: bool = False) -> PollOutcome:
        """Fetch, parse and store one feed over HTTP; any failure is this feed's failure."""
        if self.fetcher is None:
            raise RuntimeError("this Ingestor was built without a fetcher")
        started = self.now()
        try:
            return self._poll(spec, self.fetcher, started, respect_backoff=respect_backoff)
        except Exception as exc:  # unforeseen: still this feed's failure, and logged whole
            return self._failed(spec, started, _unexpected(exc), cause=exc)

    def _poll(
        self, spec: FeedSpec, fetcher: Fetcher, started: datetime, *, respect_backoff: bool
    ) -> PollOutcome:
        state = self.store.feed_state(spec.name)
        if respect_backoff and state is not None and not self.due(spec):
            log.debug("feed %s: backing off, not due yet", spec.name)
            return PollOutcome(feed=spec.name, ok=True, status="skipped", error=_backing_off(state))
        same_url = state is not None and state.url == spec.url
        try:
            result = fetcher.fetch(
                spec.url,
                etag=state.etag if state and same_url else None,
                last_modified=state.last_modified if state and same_url else None,
            )
        except FeedError as exc:
            return self._failed(
                spec,
                started,
                str(exc),
                status=getattr(exc, "status", None),
                retry_after=getattr(exc, "retry_after", None),
            )
        if result.not_modified:
            try:
                self.store.record_not_modified(spec, now=started, elapsed_s=result.elapsed_s)
            except StoreError as exc:
                return self._failed(spec, started, str(exc), store_broken=True)
            log.info("feed %s: not modified (304, %.0f ms)", spec.name, result.elapsed_s * 1000)
            return PollOutcome(
                feed=spec.name,
                ok=True,
                status="not-modified",
                http_status=304,
                elapsed_s=result.elapsed_s,
            )
        return self._store_document(
            spec,
            result.content,
            started=started,
            url=result.url,
            content_type=result.content_type,
            etag=result.etag,
            last_modified=result.last_modified,
            http_status=result.status,
            elapsed_s=result.elapsed_s,
        )

    def poll_file(self, spec: FeedSpec, path: Path) -> PollOutcome:
        """Ingest a local feed file as if it had been fetched (offline trials, the demo)."""
        started = self.now()
        try:
            return self._poll_file(spec, path, started)
        except Exception as exc:  # unforeseen: still this file's failure, and logged whole
            return self._failed(spec, started, _unexpected(exc), cause=exc)

    def _poll_file(self, spec: FeedSpec, path: Path, started: datetime) -> PollOutcome:
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1 if self.max_bytes else -1)
        except OSError as exc:
            return self._failed(spec, started, f"cannot read {path}: {exc.strerror or exc}")
        if self.max_bytes and len(data) > self.max_bytes:
            return self._failed(
                spec,
                started,
                f"{path} is larger than the {self.max_bytes:,}-byte cap (fetch.max_bytes); "
                "not read",
            )
        return self._store_document(
            spec,
            data,
            started=started,
            url=None,
            content_type="",
            etag=None,
            last_modified=None,
            http_status=None,
            elapsed_s=0.0,
        )

    def poll_all(
        self,
        specs: Iterable[FeedSpec],
        *,
        respect_backoff: bool = False,
        limit_s: float | None = None,
    ) -> list[PollOutcome]:
        """Poll each feed in turn; one feed's failure never stops the others.

        Feeds go least recently tried first. With ``limit_s``, no feed is started once
        the pass has run that long; those are reported as skipped (in the order given).
        """
        specs = list(specs)
        return self._pass(
            specs, lambda k: self.poll(specs[k], respect_backoff=respect_backoff), limit_s=limit_s
        )

    def poll_directory(
        self, folder: Path, *, language: str = "en", limit_s: float | None = None
    ) -> list[PollOutcome]:
        """Ingest every feed file in ``folder`` (named by file stem), sorted by name."""
        paths = list(feed_files(folder))
        specs = [
            FeedSpec(
                name=path.stem.lower(),
                url=path.resolve().as_uri(),
                language=language,
                outlet=path.stem,
            )
            for path in paths
        ]
        return self._pass(specs, lambda k: self.poll_file(specs[k], paths[k]), limit_s=limit_s)

    def _pass(
        self,
        specs: Sequence[FeedSpec],
        poll: Callable[[int], PollOutcome],
        *,
        limit_s: float | None,
    ) -> list[PollOutcome]:
        """Poll ``specs`` (by index), least recently tried first, within ``limit_s``."""
        start = self.timer()
        tried = {s.name: s.last_attempt for s in self.store.feed_states()}
        never = datetime.min.replace(tzinfo=UTC)
        order = sorted(range(len(specs)), key=lambda k: (tried.get(specs[k].name) or never, k))
        outcomes: dict[int, PollOutcome] = {}
        skipped: list[str] = []
        for k in order:
            if limit_s is not None and self.timer() - start >= limit_s:
                skipped.append(specs[k].name)
                outcomes[k] = PollOutcome(
                    feed=specs[k].name,
                    ok=True,
                    status="skipped",
                    error=f"not polled: the pass reached its {limit_s:g} s limit "
                    "(fetch.pass_deadline); it goes first in the next pass",
                )
            else:
                outcomes[k] = poll(k)
        if skipped:
            log.warning(
                "pass limit of %g s reached: %d feed(s) not polled this time (%s)",
                limit_s,
                len(skipped),
                ", ".join(skipped),
            )
        return [outcomes[k] for k in range(len(specs))]

    def _store_document(
        self,
        spec: FeedSpec,
        data: bytes,
        *,
        started: datetime,
        url: str | None,
        content_type: str,
        etag: str | None,
        last_modified: str | None,
        http_status: int | None,
        elapsed_s: float,
    ) -> PollOutcome:
        try:
            parsed = parse_feed(
                data,
                source=spec.name,
                now=started,
                url=url,
                language=spec.language,
                content_type=content_type,
            )
        except FeedError as exc:
            return self._failed(spec, started, str(exc), status=http_status, cause=exc)
        warning = "; ".join(parsed.warnings) or None
        self._log_entry_failures(spec, parsed, warning)
        # A truncated document must be fetched whole next time: keep no validators.
        keep_validators = not parsed.truncated
        try:
            new = self.store.record_items(
                spec,
                parsed.items,
                now=started,
                etag=etag if keep_validators else None,
                last_modified=last_modified if keep_validators else None,
                http_status=http_status,
                warning=warning,
                elapsed_s=elapsed_s,
            )
        except StoreError as exc:
            return self._failed(spec, started, str(exc), store_broken=True)
        if warning:
            log.warning("feed %s: %d items, %d new; %s", spec.name, len(parsed.items), new, warning)
        else:
            log.info(
                "feed %s: %d items, %d new (%.0f ms)",
                spec.name,
                len(parsed.items),
                new,
                elapsed_s * 1000,
            )
        return PollOutcome(
            feed=spec.name,
            ok=True,
            status="ok",
            http_status=http_status,
            items_seen=len(parsed.items),
            items_new=new,
            error=warning,
            elapsed_s=elapsed_s,
        )

    def _log_entry_failures(self, spec: FeedSpec, parsed: ParsedFeed, warning: str | None) -> None:
        """Log the traceback of an entry that could not be read, once while it recurs."""
        if not parsed.failures:
            return
        state = self.store.feed_state(spec.name)
        if state is None or state.last_error != warning:
            log.error(
                "feed %s: an entry could not be read (left out, the others are kept)",
                spec.name,
                exc_info=parsed.failures[0],
            )

    def _failed(
        self,
        spec: FeedSpec,
        started: datetime,
        error: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        store_broken: bool = False,
        cause: BaseException | None = None,
    ) -> PollOutcome:
        elapsed = (self.now() - started).total_seconds()
        outcome = PollOutcome(
            feed=spec.name,
            ok=False,
            status="failed",
            http_status=status,
            error=error,
            elapsed_s=elapsed,
        )
        if store_broken:
            # Nothing can be recorded; the validators were not saved, so the items are
            # fetched again on the next poll and nothing is lost.
            log.error("feed %s: could not store the poll: %s", spec.name, error)
            return outcome
        state = self.store.feed_state(spec.name)
        # The first time a feed fails in a way nobody foresaw, the log gets the traceback
        # (for a bug report); while it keeps failing the same way, one line per poll.
        first_time = state is None or state.last_error != error
        traceback = cause if _unforeseen(cause) and first_time else None
        if isinstance(cause, ParserCrashError) and first_time:
            log.debug("feed %s: feedparser's traceback", spec.name, exc_info=cause.__cause__)
        failures = (state.consecutive_failures if state else 0) + 1
        delay = backoff_delay(
            failures,
            interval_minutes=spec.interval_minutes,
            max_minutes=self.backoff_max_minutes,
            retry_after=retry_after,
        )
        next_attempt = started + delay
        try:
            self.store.record_failure(
                spec,
                now=started,
                error=error,
                next_attempt=next_attempt,
                http_status=status,
                elapsed_s=elapsed,
            )
        except StoreError as exc:
            log.error(
                "feed %s: %s (and the failure could not be recorded: %s)",
                spec.name,
                error,
                exc,
                exc_info=traceback,
            )
        else:
            log.log(
                logging.ERROR if traceback else logging.WARNING,
                "feed %s: failed (attempt %d, next try after %s): %s",
                spec.name,
                failures,
                next_attempt.strftime("%Y-%m-%d %H:%M UTC"),
                error,
                exc_info=traceback,
            )
        return outcome


def _unforeseen(cause: BaseException | None) -> bool:
    """True for an exception that is not one of durandwatch's own."""
    return cause is not None and not isinstance(cause, DurandwatchError)


def _unexpected(exc: BaseException) -> str:
    """The feed error recorded for an exception nobody foresaw."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return (
        f"unexpected {type(exc).__name__}{': ' + text if text else ''} "
        "(a bug: the traceback is in the log)"
    )


def _backing_off(state: FeedState) -> str:
    """Why a failing feed was not polled now."""
    when = state.next_attempt.strftime("%Y-%m-%d %H:%M UTC") if state.next_attempt else "later"
    return f"backing off after {state.consecutive_failures} failure(s); next try after {when}"


def feed_files(folder: Path) -> Sequence[Path]:
    """The feed files directly inside ``folder``, sorted by name."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FEED_FILE_SUFFIXES
    )
