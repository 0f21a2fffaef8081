"""Make untrusted feed bytes safe to hand to an XML parser.

Runs before feedparser sees a byte. It

* transcodes UTF-16/UTF-32 documents to UTF-8, so that every later check reads ASCII
  markup;
* refuses any document type declaration with an internal subset that declares entities
  (the billion-laughs family, external entities such as ``file:///etc/passwd``,
  parameter entities): :class:`~durandwatch.errors.HostileFeedError`;
* rebuilds the prolog (what comes before the root element): the XML declaration is
  rewritten in its plain form (``<?xml version="1.0" encoding="..."?>`` on a line of
  its own), and document type declarations, comments and other processing instructions
  are dropped, so no parser is ever tempted to load an external DTD and feedparser's
  encoding sniffing (a regular expression that backtracks badly on a long first line)
  reads one short line;
* refuses an encoding that is not an encoding name (a NUL, a non-ASCII byte) or that no
  feed can be written in (``undefined``, ``punycode``, ``utf-7``, ...), which crash or
  fool the decoders behind feedparser;
* replaces numeric character references that name no character (a surrogate, a value
  past U+10FFFF, twenty digits) by U+FFFD, which feedparser's lenient parser would
  otherwise die on;
* cuts the text of author fields (``author``, ``dc:creator``, ``managingEditor``, ...)
  to ``MAX_AUTHOR`` bytes: feedparser looks for an e-mail address in them with a pattern
  whose time grows with the square of the field (150 KB of letters took minutes);
* recognises an HTML page (an error or login page served with status 200) and bytes that
  are not markup at all: :class:`~durandwatch.errors.NotAFeedError`.

Every step is one pass over the bytes: the cost grows linearly with the document, however
many declarations its prolog repeats.
"""

from __future__ import annotations

import codecs
import re

from .errors import FeedParseError, HostileFeedError, NotAFeedError

_WS = b" \t\r\n"
_NAME_END = re.compile(rb"[\s/>]")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_PSEUDO_ATTRIBUTE = re.compile(rb"""([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VERSION = re.compile(rb"1\.[0-9]{1,3}")
#: XML's EncName production, with a length no real encoding name comes near.
_ENCODING_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,39}")
#: Codecs Python knows that are not character sets a document can be written in: they
#: raise where the decoders expect a clean failure, or decode markup hidden from every
#: check before them (UTF-7 spells ``<`` as ``+ADw-``).
_UNUSABLE_CODECS = frozenset(
    {"undefined", "punycode", "idna", "utf-7", "unicode-escape", "raw-unicode-escape"}
)
_CHARREF = re.compile(rb"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));")
#: Author fields are cut to this many bytes (names and addresses are far shorter).
MAX_AUTHOR = 500
_AUTHOR = re.compile(
    rb"<(?:[\w.-]+:)?(?:author|creator|managingeditor|webmaster|publisher|owner)"
    rb"(?=[\s/>])[^<>]*>",
    re.IGNORECASE,
)
_REPLACEMENT_REF = b"&#xFFFD;"
_MAX_CODE_POINT = 0x10FFFF

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
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    declaration = b""
    pos = len(bom)
    n = len(data)
    first = True
    while True:
        while pos < n and data[pos] in _WS:
            pos += 1
        if pos >= n:
            raise FeedParseError("the document has no root element")
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
            if end < 0:
                raise FeedParseError("unterminated processing instruction in the prolog")
            if first and _is_xml_declaration(data, pos):
                declaration = _declaration(data[pos + 5 : end], transcoded=transcoded)
            # Any other processing instruction (a stylesheet for browsers) is dropped.
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
            pos = end  # dropped: feeds never need a DTD
        elif data.startswith(b"<", pos):
            match = _NAME_END.search(data, pos + 1)
            root = data[pos + 1 : match.start() if match else n]
            if root.lower() == b"html":
                raise NotAFeedError(_html_message(data))
            if not root or root[:1] in b"!?":
                raise FeedParseError("malformed markup before the root element")
            body = _cap_authors(_neutralise_charrefs(data[pos:]))
            head = (bom + declaration + b"\n") if declaration else bom
            return head + body, transcoded
        else:
            snippet = data[pos : pos + 60].decode("utf-8", "replace").strip()
            raise NotAFeedError(f"the response is not XML (it begins {snippet!r})")
        first = False


def encoding_problem(name: str) -> str | None:
    """Why ``name`` cannot be the character set of a feed, or None when it can.

    A name Python does not know is no problem here: the decoders try others.
    """
    if not _ENCODING_NAME.fullmatch(name):
        return f"{name!a} is not an encoding name"
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return None
    if codec.name in _UNUSABLE_CODECS or not getattr(codec, "_is_text_encoding", True):
        return f"{name!a} is not a character set a feed can be written in"
    return None


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
    # The XML declaration still names the wide encoding; make_safe rewrites it.
    return text.encode("utf-8"), True


def _is_xml_declaration(data: bytes, pos: int) -> bool:
    """True when the processing instruction at ``pos`` is ``<?xml ...?>`` (not ``xml-...``)."""
    return data[pos + 2 : pos + 5].lower() == b"xml" and data[pos + 5 : pos + 6] in (
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"?",
    )


def _declaration(inside: bytes, *, transcoded: bool) -> bytes:
    """The XML declaration in its plain form, from what stood between ``<?xml`` and ``?>``."""
    attributes: dict[bytes, bytes] = {}
    for match in _PSEUDO_ATTRIBUTE.finditer(inside):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        attributes.setdefault(match.group(1).lower(), value)
    version = attributes.get(b"version", b"1.0")
    if not _VERSION.fullmatch(version):
        version = b"1.0"
    encoding = attributes.get(b"encoding")
    if transcoded:
        encoding = b"utf-8"
    elif encoding is not None:
        name = encoding.decode("latin-1")
        problem = encoding_problem(name)
        if problem:
            raise FeedParseError(
                f"the XML declaration's encoding {problem}; "
                "the feed must declare its real one (UTF-8 for most feeds)"
            )
    if encoding is None:
        return b'<?xml version="' + version + b'"?>'
    return b'<?xml version="' + version + b'" encoding="' + encoding + b'"?>'


def _neutralise_charrefs(data: bytes) -> bytes:
    """Replace numeric character references that name no character by U+FFFD's."""
    if b"&#" not in data:
        return data
    return _CHARREF.sub(_charref, data)


def _charref(match: re.Match[bytes]) -> bytes:
    decimal, hexadecimal = match.group(1), match.group(2)
    digits = (decimal or hexadecimal).lstrip(b"0") or b"0"
    if len(digits) > 7:  # more than U+10FFFF in either base
        return _REPLACEMENT_REF
    value = int(digits, 10 if decimal else 16)
    if value > _MAX_CODE_POINT or 0xD800 <= value <= 0xDFFF:
        return _REPLACEMENT_REF
    return match.group(0)


def _cap_authors(data: bytes) -> bytes:
    """The text of every author field cut to ``MAX_AUTHOR`` bytes (CDATA included)."""
    pieces: list[bytes] = []
    done = 0  # data[:done] is in pieces
    no_cdata_end_after = len(data) + 1  # a search for "]]>" from here on finds none
    for match in _AUTHOR.finditer(data):
        start = match.end()
        if match.start() < done:
            continue  # inside text already cut away
        if data.startswith(b"<![CDATA[", start):
            start += 9
            end = -1 if start >= no_cdata_end_after else data.find(b"]]>", start)
            if end < 0:
                no_cdata_end_after = min(no_cdata_end_after, start)
                end = len(data)
        else:
            end = data.find(b"<", start)
            end = len(data) if end < 0 else end
        if end - start > MAX_AUTHOR:
            pieces.append(data[done : _cut(data, start, start + MAX_AUTHOR)])
            done = end
    if not pieces:
        return data
    pieces.append(data[done:])
    return b"".join(pieces)


def _cut(data: bytes, start: int, at: int) -> int:
    """``at``, moved back so the kept text ends neither inside a UTF-8 character nor an
    entity reference."""
    while at > start and 0x80 <= data[at] <= 0xBF:
        at -= 1
    amp = data.rfind(b"&", start, at)
    if amp >= 0 and data.find(b";", amp, at) < 0:
        at = amp
    return at


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
