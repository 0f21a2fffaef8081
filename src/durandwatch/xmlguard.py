"""Make untrusted feed bytes safe to hand to an XML parser.

Runs before feedparser sees a byte. It

* transcodes UTF-16/UTF-32 documents to UTF-8, so that every later check reads ASCII
  markup;
* refuses any document type declaration with an internal subset that declares entities
  (the billion-laughs family, external entities such as ``file:///etc/passwd``,
  parameter entities): :class:`~durandwatch.errors.HostileFeedError`;
* removes a harmless document type declaration (``<!DOCTYPE rss PUBLIC ...>``) so no
  parser is ever tempted to load an external DTD;
* recognises an HTML page (an error or login page served with status 200) and bytes that
  are not markup at all: :class:`~durandwatch.errors.NotAFeedError`.

Only the prolog (what comes before the root element) is scanned, so the cost does not
grow with the document.
"""

from __future__ import annotations

import codecs
import re

from .errors import FeedParseError, HostileFeedError, NotAFeedError

_WS = b" \t\r\n"
_NAME_END = re.compile(rb"[\s/>]")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_ENCODING_DECL = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")

_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_SNIFF: tuple[tuple[bytes, str], ...] = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


def make_safe(data: bytes) -> tuple[bytes, bool]:
    """Return ``(bytes, transcoded)`` safe to parse, or raise a ``FeedParseError``.

    ``transcoded`` tells the caller that a wide encoding was rewritten as UTF-8, so any
    charset given by the HTTP headers no longer applies.
    """
    if not data.strip():
        raise FeedParseError("the response body is empty")
    data, transcoded = _to_ascii_compatible(data)
    start = 3 if data.startswith(codecs.BOM_UTF8) else 0
    pos = start
    n = len(data)
    while True:
        while pos < n and data[pos] in _WS:
            pos += 1
        if pos >= n:
            raise FeedParseError("the document has no root element")
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
            if end < 0:
                raise FeedParseError("unterminated processing instruction in the prolog")
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            if end < 0:
                raise FeedParseError("unterminated comment in the prolog")
            pos = end + 3
        elif data[pos : pos + 9].upper() == b"<!DOCTYPE":
            end, is_html = _check_doctype(data, pos)
            if is_html:
                raise NotAFeedError(_html_message(data))
            # Drop the declaration: feeds never need a DTD.
            data = data[:pos] + data[end:]
        elif data.startswith(b"<", pos):
            match = _NAME_END.search(data, pos + 1)
            root = data[pos + 1 : match.start() if match else n]
            if root.lower() == b"html":
                raise NotAFeedError(_html_message(data))
            if not root or root[:1] in b"!?":
                raise FeedParseError("malformed markup before the root element")
            return data, transcoded
        else:
            snippet = data[pos : pos + 60].decode("utf-8", "replace").strip()
            raise NotAFeedError(f"the response is not XML (it begins {snippet!r})")


def _to_ascii_compatible(data: bytes) -> tuple[bytes, bool]:
    encoding = None
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            encoding = name
            data = data[len(bom) :]
            break
    else:
        for head, name in _WIDE_SNIFF:
            if data.startswith(head):
                encoding = name
                break
    if encoding is None:
        return data, False
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FeedParseError(f"the document is not valid {encoding}: {exc}") from None
    text = _ENCODING_DECL.sub(r"\1\2utf-8\2", text, count=1)
    return text.encode("utf-8"), True


def _check_doctype(data: bytes, pos: int) -> tuple[int, bool]:
    """Return the end offset of the DOCTYPE at ``pos`` and whether it names ``html``."""
    i = pos + 9
    n = len(data)
    quote = 0
    while i < n:
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in b"\"'":
            quote = c
        elif c == ord("["):
            close = data.find(b"]", i + 1)
            subset = data[i + 1 : close if close >= 0 else n]
            if b"<!ENTITY" in subset.upper():
                raise HostileFeedError(
                    "the document declares XML entities in its DOCTYPE (entity expansion "
                    "or external entity attack); refused"
                )
            if close < 0:
                raise FeedParseError("unterminated DOCTYPE internal subset")
            i = close
        elif c == ord(">"):
            name = data[pos + 9 : i].split(None, 1)
            is_html = bool(name) and name[0].lower() == b"html"
            return i + 1, is_html
        i += 1
    raise FeedParseError("unterminated DOCTYPE declaration")


def _html_message(data: bytes) -> str:
    match = _TITLE.search(data[:65536])
    title = ""
    if match:
        title = " ".join(match.group(1).decode("utf-8", "replace").split())[:120]
    hint = f" titled {title!r}" if title else ""
    return f"the server sent an HTML page{hint}, not an RSS/Atom feed"
