"""Turn feed bytes into :class:`~durandwatch.model.Item` objects.

feedparser only ever sees bytes wrapped in ``BytesIO`` (given a string it may open a URL
or a file, and it has no timeout), after :mod:`~durandwatch.xmlguard` has made them safe.
Its output is converted at once into our own types.

Whatever the bytes, :func:`parse_feed` raises only :class:`FeedParseError` and its
subclasses: an exception of feedparser (or of the standard library under it) becomes a
:class:`ParserCrashError` of the document, and an entry that cannot be read is left out
with a warning while the others are kept.

The work per document is bounded too: feedparser spends about 15 microseconds on each
tag (and on each entity reference when a malformed document sends it to its lenient
second parser, which reads it all again), so a document is read up to its
``MAX_MARKUP``-th tag or reference and its ``MAX_ENTRIES``-th entry, cut after the last
whole entry before that point, with a warning. No real feed comes near either; 10 MB of
tiny or deeply nested elements took over a minute.
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

from .errors import FeedParseError, NotAFeedError, ParserCrashError
from .model import Item, ParsedFeed
from .textutil import collapse, html_to_text
from .xmlguard import encoding_problem, make_safe

log = logging.getLogger(__name__)

#: Dates before this are treated as broken and replaced by the time first seen.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
#: Dates further in the future than this are treated as broken (clock skew is allowed).
FUTURE_TOLERANCE = timedelta(hours=24)
#: A document is read up to this many tags and entity references (a feed of 100 items
#: has a few thousand).
MAX_MARKUP = 50_000
#: ... and this many entries (RSS items, Atom entries).
MAX_ENTRIES = 5_000

_CLOSING_ROOT = re.compile(rb"</\s*[\w:.-]+\s*>\s*$")
_URI_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>")
_MARKUP = re.compile(rb"[<&]")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


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
    warnings: list[str] = []
    safe, cut = _within_budget(safe)
    if cut:
        warnings.append(cut)
    # No content-location: links are resolved below against the fetch URL, and feedparser
    # flags a document without a content-type as malformed when one is given.
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"], ignored = _usable_content_type(content_type, transcoded=transcoded)
        if ignored:
            warnings.append(ignored)
    try:
        parsed: Any = feedparser.parse(
            io.BytesIO(safe),
            response_headers=headers,
            sanitize_html=False,  # we keep text only; markup is dropped in html_to_text
            resolve_relative_uris=False,  # links are resolved below; content is text
        )
    except Exception as exc:  # feedparser's own bugs on broken documents, not ours
        raise ParserCrashError(
            f"the feed parser failed on this document ({type(exc).__name__}: "
            f"{_describe(exc)}); the document is malformed"
        ) from exc
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
    base = _base_url(url or feed_meta.get("link"))
    lang = language if language and language != "unknown" else str(feed_meta.get("language", ""))
    items: list[Item] = []
    skipped = undated = 0
    failures: list[BaseException] = []
    for entry in entries:
        try:
            item, out_of_range = _to_item(entry, source=source, base=base, language=lang, now=now)
        except Exception as exc:  # one unreadable entry is that entry's failure
            failures.append(exc)
            continue
        if item is None:
            skipped += 1
        else:
            items.append(item)
            undated += out_of_range
    if skipped:
        warnings.append(
            f"skipped {skipped} entr{'y' if skipped == 1 else 'ies'} with no title or link"
        )
    if undated:
        warnings.append(
            f"{undated} item(s) dated before {EARLIEST_PLAUSIBLE:%Y-%m-%d} or more than "
            f"{FUTURE_TOLERANCE.total_seconds() / 3600:g} h ahead: treated as undated "
            "(the time first seen)"
        )
    if failures:
        first = failures[0]
        warnings.append(
            f"left out {len(failures)} entr{'y' if len(failures) == 1 else 'ies'} that could "
            f"not be read ({type(first).__name__}: {_describe(first)})"
        )
    return ParsedFeed(
        title=_scrub(collapse(str(feed_meta.get("title", "")))),
        items=tuple(_unique(items)),
        warnings=tuple(warnings),
        truncated=truncated,
        failures=tuple(failures),
    )


def _within_budget(data: bytes) -> tuple[bytes, str | None]:
    """``data`` cut after the last whole entry within ``MAX_MARKUP`` and ``MAX_ENTRIES``.

    The document is closed again after the cut (``</channel></rss>``, ``</feed>``,
    ``</rdf:RDF>``), so feedparser reads it in one pass; a warning says what was left.
    """
    markup = data.count(b"<") + data.count(b"&")
    limit = len(data)
    reason = None
    if markup > MAX_MARKUP:
        at = -1
        for _ in range(MAX_MARKUP + 1):
            found = _MARKUP.search(data, at + 1)
            if found is None:  # pragma: no cover - the count says there are more
                break
            at = found.start()
        limit = at
        reason = f"more than {MAX_MARKUP:,} tags and entity references ({markup:,})"
    last = None
    for count, match in enumerate(_ENTRY_END.finditer(data, 0, limit), start=1):
        last = match
        if count == MAX_ENTRIES:
            more = _ENTRY_END.search(data, match.end())
            if more is not None:
                reason = reason or f"more than {MAX_ENTRIES:,} entries"
            break
    if reason is None:
        return data, None
    note = f"the document has {reason}; read the part before that"
    root = _ROOT.search(data)
    if last is None or root is None:
        return data[:limit], note  # nothing whole to keep: reported as truncated
    prefix, name = root.group(1) or b"", root.group(2)
    if name.lower() == b"rss":
        closing = b"</channel></" + prefix + name + b">"
    else:  # Atom's feed, RSS 1.0's rdf:RDF: the entries are the root's children
        closing = b"</" + prefix + name + b">"
    return data[: last.end()] + closing, note


def _to_item(
    entry: Mapping[str, Any], *, source: str, base: str | None, language: str, now: datetime
) -> tuple[Item | None, bool]:
    """The item of one entry (None without title and link), and whether its date was absurd."""
    title = _scrub(html_to_text(str(entry.get("title", "")), limit=1_000))
    link = _clean_link(entry.get("link"), base)
    body = ""
    content = entry.get("content")
    if content:
        body = str(content[0].get("value", ""))
    summary_raw = str(entry.get("summary", "")) or body
    summary = _scrub(html_to_text(summary_raw))
    if not title and not link:
        return None, False
    if not title:
        title = summary[:200]
    raw_guid = entry.get("id") or None
    guid = _scrub(str(raw_guid)) if raw_guid else None
    published, estimated, out_of_range = _published(entry, now)
    item = Item(
        id=item_id(guid=guid, link=link, title=title, published=published, source=source),
        url=link,
        title=title,
        summary=summary,
        published=published,
        source=source,
        language=_scrub(language),
        published_estimated=estimated,
        guid=guid,
    )
    return item, out_of_range


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
    """An absolute http(s) link, or None for anything else (including links that do not
    parse: ``http://[::1/a``, a host that changes under NFKC normalisation)."""
    if not value:
        return None
    link = _scrub(str(value).strip())
    try:
        if base:
            link = urljoin(base, link)
        parts = urlsplit(link)
    except ValueError:
        return None
    return link if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _base_url(value: object) -> str | None:
    """The URL relative links are resolved against, when it is a usable http(s) URL."""
    return _clean_link(value, None)


def _published(entry: Mapping[str, Any], now: datetime) -> tuple[datetime, bool, bool]:
    """(when, estimated, out_of_range): a date outside the plausible window is unknown."""
    out_of_range = False
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: feedparser's own lookup maps updated_parsed to published_parsed
        # behind a DeprecationWarning.
        value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if value:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                out_of_range = True
                continue
            if EARLIEST_PLAUSIBLE <= moment <= now + FUTURE_TOLERANCE:
                return moment, False, False
            out_of_range = True
    return now, True, out_of_range


def _scrub(text: str) -> str:
    """``text`` without lone surrogates (no encoder or database accepts them)."""
    if _SURROGATE.search(text):
        return _SURROGATE.sub("\ufffd", text)
    return text


def _unique(items: Iterable[Item]) -> Iterable[Item]:
    seen: set[str] = set()
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            yield item


def _usable_content_type(content_type: str, *, transcoded: bool) -> tuple[str, str | None]:
    """The Content-Type to hand to feedparser, and a warning when its charset was dropped.

    A transcoded document is UTF-8 whatever the header said; a charset that is not a
    usable encoding name (a NUL, ``undefined``, ``utf-7``) is ignored rather than let
    through to the decoders.
    """
    mime, _, parameters = content_type.partition(";")
    charset = None
    for chunk in parameters.split(";"):
        key, _, value = chunk.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if charset is None:
        return content_type, None
    if transcoded:
        return mime.strip(), None
    problem = encoding_problem(charset)
    if problem is None:
        return content_type, None
    return mime.strip(), f"ignored the charset of the Content-Type header: {problem}"


def _describe(exc: object) -> str:
    if exc is None:
        return "unknown problem"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
