"""Turn feed bytes into :class:`~durandwatch.model.Item` objects.

feedparser only ever sees bytes wrapped in ``BytesIO`` (given a string it may open a URL
or a file, and it has no timeout). Its output is converted at once into our own types.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from .errors import FeedParseError, NotAFeedError
from .model import Item, ParsedFeed
from .textutil import collapse, html_to_text
from .xmlguard import make_safe

log = logging.getLogger(__name__)

#: Dates before this are treated as broken and replaced by the time first seen.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
#: Dates further in the future than this are treated as broken (clock skew is allowed).
FUTURE_TOLERANCE = timedelta(hours=24)

_CLOSING_ROOT = re.compile(rb"</\s*[\w:.-]+\s*>\s*$")
_URI_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S")


def parse_feed(
    data: bytes,
    *,
    source: str,
    now: datetime,
    url: str | None = None,
    language: str = "",
    content_type: str = "",
) -> ParsedFeed:
    """Parse one RSS 0.9x/1.0/2.0 or Atom document.

    Parameters
    ----------
    data
        The raw body as received (any encoding feedparser can detect).
    source
        Name of the feed in the catalog; stored with every item.
    now
        The time the document was fetched (aware UTC): the fallback for missing dates.
    url
        The URL the bytes came from, used to resolve relative links.
    language
        The catalog's language for the feed; the document's own is used when empty.
    content_type
        The HTTP ``Content-Type``, which may carry the charset.

    Raises
    ------
    FeedParseError
        When the bytes are not a usable feed (``HostileFeedError`` and
        ``NotAFeedError`` are subclasses).
    """
    safe, transcoded = make_safe(data)
    # No content-location: links are resolved below against the fetch URL, and feedparser
    # flags a document without a content-type as malformed when one is given.
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = _without_charset(content_type) if transcoded else content_type
    parsed: Any = feedparser.parse(
        io.BytesIO(safe),
        response_headers=headers,
        sanitize_html=False,  # we keep text only; markup is dropped in html_to_text
        resolve_relative_uris=False,  # links are resolved below; content is text
    )
    warnings: list[str] = []
    entries = list(parsed.entries)
    if parsed.bozo:
        problem = _describe(parsed.get("bozo_exception"))
        if not entries and not parsed.version:
            raise FeedParseError(f"not a valid RSS/Atom document: {problem}")
        warnings.append(f"malformed feed, parsed leniently: {problem}")
    elif not parsed.version and not entries:
        root = next(iter(parsed.get("namespaces", {}) or {}), "")
        raise NotAFeedError(
            f"well-formed XML but not RSS or Atom{' (' + root + ')' if root else ''}"
        )

    truncated = not _CLOSING_ROOT.search(safe[-512:].rstrip(b"\x00"))
    if truncated:
        # The last entry may have been cut mid-text: keep it out, the next poll of the
        # complete document brings it in whole.
        entries = entries[:-1]
        if not entries:
            raise FeedParseError("the document is truncated before any complete item")
        warnings.append(f"document is truncated; kept the {len(entries)} complete item(s)")

    feed_meta: Mapping[str, Any] = parsed.get("feed", {})
    base = url or feed_meta.get("link") or None
    lang = language if language and language != "unknown" else str(feed_meta.get("language", ""))
    items: list[Item] = []
    skipped = 0
    for entry in entries:
        item = _to_item(entry, source=source, base=base, language=lang, now=now)
        if item is None:
            skipped += 1
        else:
            items.append(item)
    if skipped:
        warnings.append(
            f"skipped {skipped} entr{'y' if skipped == 1 else 'ies'} with no title or link"
        )
    return ParsedFeed(
        title=collapse(str(feed_meta.get("title", ""))),
        items=tuple(_unique(items)),
        warnings=tuple(warnings),
        truncated=truncated,
    )


def _to_item(
    entry: Mapping[str, Any], *, source: str, base: str | None, language: str, now: datetime
) -> Item | None:
    title = html_to_text(str(entry.get("title", "")), limit=1_000)
    link = _clean_link(entry.get("link"), base)
    body = ""
    content = entry.get("content")
    if content:
        body = str(content[0].get("value", ""))
    summary_raw = str(entry.get("summary", "")) or body
    summary = html_to_text(summary_raw)
    if not title and not link:
        return None
    if not title:
        title = summary[:200]
    guid = entry.get("id") or None
    published, estimated = _published(entry, now)
    return Item(
        id=item_id(
            guid=str(guid) if guid else None,
            link=link,
            title=title,
            published=published,
            source=source,
        ),
        url=link,
        title=title,
        summary=summary,
        published=published,
        source=source,
        language=language,
        published_estimated=estimated,
        guid=str(guid) if guid else None,
    )


def item_id(
    *, guid: str | None, link: str | None, title: str, published: datetime, source: str
) -> str:
    """A stable identifier: the same story gets the same id on every poll and feed.

    A guid that is a URI (``https://...``, ``tag:...``, ``urn:...``) is globally unique by
    definition. A bare guid (``12345``) is only unique within its site, so it is scoped
    by the host of the item's link (or the feed name when there is no link).
    """
    if guid:
        guid = guid.strip()
    if guid and _URI_SCHEME.match(guid):
        key = "guid:" + guid
    elif guid:
        scope = urlsplit(link).netloc.lower() if link else "feed:" + source
        key = f"guid:{scope}:{guid}"
    elif link:
        key = "link:" + canonical_url(link)
    else:
        key = f"title:{source}:{title.casefold()}:{published.date().isoformat()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def canonical_url(url: str) -> str:
    """The link as a deduplication key: scheme-less, lower-case host, no fragment."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def _clean_link(value: object, base: str | None) -> str | None:
    if not value:
        return None
    link = str(value).strip()
    if base:
        link = urljoin(base, link)
    scheme = urlsplit(link).scheme.lower()
    return link if scheme in ("http", "https") else None


def _published(entry: Mapping[str, Any], now: datetime) -> tuple[datetime, bool]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: feedparser's own lookup maps updated_parsed to published_parsed
        # behind a DeprecationWarning.
        value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if value:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if EARLIEST_PLAUSIBLE <= moment <= now + FUTURE_TOLERANCE:
                return moment, False
    return now, True


def _unique(items: Iterable[Item]) -> Iterable[Item]:
    seen: set[str] = set()
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            yield item


def _without_charset(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip()


def _describe(exc: object) -> str:
    if exc is None:
        return "unknown problem"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
