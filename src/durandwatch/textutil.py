"""Plain text from feed HTML: tags removed, entities decoded, whitespace collapsed.

The HTML comes from untrusted feeds, so the scanner below reads it in one pass: every
search for the end of a tag, comment or script starts where the last one ended, and a
search that found nothing is not repeated, so the work grows linearly with the fragment
whatever it holds. (The standard library's ``html.parser`` rescans an unterminated
comment for every ``<!--`` that follows it, which takes minutes on a few hundred
kilobytes, and raises on ``<![<![``.) It reads what a browser would show: tags dropped,
a space for block elements, nothing of scripts, styles, comments and declarations, and
an unterminated comment or tag hides the rest of the fragment.
"""

from __future__ import annotations

import html
import re

_WS = re.compile(r"\s+")
_SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
_RAW_TEXT = frozenset({"script", "style"})  # their content is text, not markup
_BREAK = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})

_MARKUP = re.compile(r"<")
_GT = re.compile(r">")
_COMMENT_END = re.compile(r"--\s*>")
_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\r\f />\x00]*")
_END_TAG_NAME = re.compile(r"\s*([a-zA-Z][^\t\n\r\f />\x00]*)")
_QUOTED_OR_END = re.compile(r"""=\s*(["'])|>""")
_QUOTE = {'"': re.compile('"'), "'": re.compile("'")}
_RAW_END = {name: re.compile(rf"</\s*{name}\s*>", re.IGNORECASE) for name in _RAW_TEXT}


def collapse(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


def html_to_text(fragment: str, *, limit: int = 20_000) -> str:
    """Return the visible text of an HTML fragment, at most ``limit`` characters."""
    if not fragment:
        return ""
    if "<" not in fragment:
        text = html.unescape(fragment) if "&" in fragment else fragment
        return collapse(text)[:limit]
    return collapse("".join(_visible(fragment)))[:limit]


class _Scanner:
    """Pattern searches over one text that never scan the same stretch twice.

    The text is read front to back, so searches for one pattern start at positions that
    never go down. The answer of the last search is remembered: when it lies at or after
    the new start (or there was none), it is the answer again.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._last: dict[re.Pattern[str], tuple[int, re.Match[str] | None]] = {}

    def search(self, pattern: re.Pattern[str], start: int) -> re.Match[str] | None:
        last = self._last.get(pattern)
        if last is not None:
            origin, found = last
            if start >= origin and (found is None or found.start() >= start):
                return found
        found = pattern.search(self.text, start)
        self._last[pattern] = (start, found)
        return found


def _visible(text: str) -> list[str]:
    """The pieces of ``text`` a reader sees, in order (block elements give a space)."""
    scan = _Scanner(text)
    parts: list[str] = []
    hidden = 0  # depth inside elements whose content is not shown
    i, n = 0, len(text)
    while i < n:
        lt = scan.search(_MARKUP, i)
        stop = lt.start() if lt else n
        if stop > i and not hidden:
            parts.append(_unescape(text[i:stop]))
        if lt is None:
            break
        nxt = text[stop + 1 : stop + 2]
        if text.startswith("<!--", stop):
            end = scan.search(_COMMENT_END, stop + 4)
        elif nxt in ("!", "?"):  # declaration, processing instruction, CDATA: not shown
            end = scan.search(_GT, stop + 2)
        elif nxt == "/" and (name := _END_TAG_NAME.match(text, stop + 2)) is not None:
            end = scan.search(_GT, name.end())
            tag = name.group(1).lower()
            if tag in _SKIP and tag not in _RAW_TEXT and hidden:
                hidden -= 1
            elif tag in _BREAK:
                parts.append(" ")
        elif (name := _TAG_NAME.match(text, stop + 1)) is not None:
            end = _tag_end(scan, name.end())
            tag = name.group(0).lower()
            closed = end is not None and text[end.start() - 1 : end.start()] == "/"
            if end is not None and tag in _RAW_TEXT and not closed:
                end = scan.search(_RAW_END[tag], end.end())
            elif tag in _SKIP and not closed:
                hidden += 1
            elif tag in _BREAK:
                parts.append(" ")
        else:  # a "<" that starts no markup is text
            if not hidden:
                parts.append("<")
            i = stop + 1
            continue
        if end is None:
            break  # unterminated: like a browser, the rest is not shown
        i = end.end()
    return parts


def _tag_end(scan: _Scanner, start: int) -> re.Match[str] | None:
    """The ``>`` that ends a start tag, skipping quoted attribute values."""
    pos = start
    while True:
        found = scan.search(_QUOTED_OR_END, pos)
        if found is None or found.group(0) == ">":
            return found
        closing = scan.search(_QUOTE[found.group(1)], found.end())
        if closing is None:  # an unterminated value: the tag ends at the next ">"
            return scan.search(_GT, found.end())
        pos = closing.end()


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text
