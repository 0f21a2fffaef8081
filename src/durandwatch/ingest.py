"""One poll of one feed: fetch, parse, store, and remember what happened.

Expected failures (network, HTTP status, hostile or broken documents, a full disk) are
recorded for the feed, logged once, and returned as a failed :class:`PollOutcome`; the
next feed is polled regardless. A bug still propagates.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from .clock import Clock, utc_now
from .errors import FeedError, StoreError
from .fetch import Fetcher
from .model import FeedSpec, PollOutcome
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
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.now = now
        self.backoff_max_minutes = backoff_max_minutes

    def due(self, spec: FeedSpec) -> bool:
        """False while a failing feed is backing off."""
        state = self.store.feed_state(spec.name)
        return state is None or state.next_attempt is None or state.next_attempt <= self.now()

    def poll(self, spec: FeedSpec, *, respect_backoff: bool = False) -> PollOutcome:
        """Fetch, parse and store one feed over HTTP."""
        if self.fetcher is None:
            raise RuntimeError("this Ingestor was built without a fetcher")
        if respect_backoff and not self.due(spec):
            log.debug("feed %s: backing off, not due yet", spec.name)
            return PollOutcome(feed=spec.name, ok=True, status="skipped")
        started = self.now()
        state = self.store.feed_state(spec.name)
        same_url = state is not None and state.url == spec.url
        try:
            result = self.fetcher.fetch(
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
            data = path.read_bytes()
        except OSError as exc:
            return self._failed(spec, started, f"cannot read {path}: {exc.strerror or exc}")
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
        self, specs: Iterable[FeedSpec], *, respect_backoff: bool = False
    ) -> list[PollOutcome]:
        """Poll each feed in turn; one feed's failure never stops the others."""
        return [self.poll(spec, respect_backoff=respect_backoff) for spec in specs]

    def poll_directory(self, folder: Path, *, language: str = "en") -> list[PollOutcome]:
        """Ingest every feed file in ``folder`` (named by file stem), sorted by name."""
        outcomes = []
        for path in feed_files(folder):
            spec = FeedSpec(
                name=path.stem.lower(),
                url=path.resolve().as_uri(),
                language=language,
                outlet=path.stem,
            )
            outcomes.append(self.poll_file(spec, path))
        return outcomes

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
            return self._failed(spec, started, str(exc), status=http_status)
        warning = "; ".join(parsed.warnings) or None
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

    def _failed(
        self,
        spec: FeedSpec,
        started: datetime,
        error: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        store_broken: bool = False,
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
                "feed %s: %s (and the failure could not be recorded: %s)", spec.name, error, exc
            )
        else:
            log.warning(
                "feed %s: failed (attempt %d, next try after %s): %s",
                spec.name,
                failures,
                next_attempt.strftime("%Y-%m-%d %H:%M UTC"),
                error,
            )
        return outcome


def feed_files(folder: Path) -> Sequence[Path]:
    """The feed files directly inside ``folder``, sorted by name."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FEED_FILE_SUFFIXES
    )
