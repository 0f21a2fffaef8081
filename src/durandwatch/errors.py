"""The exception hierarchy: one root, builtin mix-ins, messages that name the fix."""

from __future__ import annotations


class DurandwatchError(Exception):
    """Root of every error durandwatch raises on purpose."""


class ConfigError(DurandwatchError, ValueError):
    """The configuration (or the feed catalog) is invalid.

    ``problems`` lists every problem found, so one run shows them all.
    """

    def __init__(self, problems: list[str], *, source: str = "configuration") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} has {len(self.problems)} problem(s):\n{lines}")


class FeedError(DurandwatchError):
    """A feed could not be fetched or parsed. Expected; recorded per feed."""


class FetchError(FeedError, OSError):
    """The HTTP layer failed: timeout, size cap, bad status, too many redirects."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class InvalidFeedURLError(FeedError, ValueError):
    """The URL is not an absolute http(s) URL."""


class FeedParseError(FeedError, ValueError):
    """The bytes are not a usable RSS/Atom document."""


class HostileFeedError(FeedParseError):
    """The document declares entities (XXE, entity-expansion bombs) and was refused."""


class NotAFeedError(FeedParseError):
    """The server sent something else, typically an HTML error or login page."""


class ParserCrashError(FeedParseError):
    """The feed parser (feedparser, or the standard library under it) raised on the document.

    The document is malformed in a way the parser does not survive; it is that feed's
    failure, logged in one line. The parser's own exception is the ``__cause__``; its
    traceback is logged at debug level, for a report to feedparser.
    """


class StoreError(DurandwatchError, RuntimeError):
    """The database could not be opened, migrated or written."""


class RecordError(StoreError, ValueError):
    """A stored record is not the JSON form of what it should be (the message names the key)."""


class OutputError(DurandwatchError, OSError):
    """A day's outputs could not be written; the message names the file and the cause."""


class AlreadyRunningError(StoreError):
    """Another ``durandwatch run`` holds the lock on this state folder."""
