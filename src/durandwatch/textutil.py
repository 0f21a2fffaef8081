"""Plain text from feed HTML: tags removed, entities decoded, whitespace collapsed."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_WS = re.compile(r"\s+")
_SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
_BREAK = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BREAK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _BREAK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


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
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return collapse("".join(collector.parts))[:limit]
