"""The one place the wall clock is read. Everything else takes ``now`` as an argument."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.fromtimestamp(time.time(), tz=UTC)


def parse_utc(text: str | None) -> datetime | None:
    """Read an ISO 8601 timestamp written by :func:`to_iso`; naive values are taken as UTC."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_iso(moment: datetime | None) -> str | None:
    """Aware datetime to ISO 8601 in UTC with seconds precision (``...+00:00``)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime: durandwatch keeps every datetime timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")
