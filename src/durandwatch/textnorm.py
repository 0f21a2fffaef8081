"""Text normalisation for name matching, keeping every character's position.

``fold(text)`` returns a string of the *same length* as ``text`` whenever it can:
lower case, Latin diacritics removed (``Khōst`` -> ``khost``), punctuation and
symbols turned into spaces (``Dand-e-Patan`` -> ``dand e patan``), and the Arabic-script
letters that Pashto, Dari and Urdu write differently folded together (``ي``/``ی``,
``ك``/``ک``). A span found in the folded string is then the same span in the original.
The rare characters that fold to nothing or to two letters (a lone combining accent,
``ß``) take a slower path that returns an explicit offset map.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC = {
    "\u064a": "\u06cc",  # Arabic yeh -> Farsi yeh
    "\u0649": "\u06cc",  # alef maksura -> Farsi yeh
    "\u06d2": "\u06cc",  # Urdu yeh barree -> Farsi yeh
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u06c0": "\u0647",  # heh with yeh above -> heh
    "\u06c1": "\u0647",  # heh goal -> heh
    "\u0623": "\u0627",  # alef with hamza above -> alef
    "\u0625": "\u0627",  # alef with hamza below -> alef
    "\u0622": "\u0627",  # alef with madda -> alef
    "\u0640": " ",  # tatweel
    "\u200c": " ",  # zero-width non-joiner
    "\u200d": " ",  # zero-width joiner
}


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch in _ARABIC:
        return _ARABIC[ch]
    category = unicodedata.category(ch)
    if category[0] in "PSZC":
        return " "
    if category == "Mn":  # a combining mark on its own (Arabic harakat, decomposed accents)
        return ""
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return (base or ch).casefold()


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x3000):
        ch = chr(code)
        folded = _fold_char(ch)
        if folded != ch:
            table[code] = folded
    return table


_TABLE = _table()


@lru_cache(maxsize=16)
def fold(text: str) -> str:
    """Fold ``text`` for matching (see the module docstring); same length when possible.

    Cached: a report is folded for its places, for the words after them, and for its actors.
    """
    folded = text.translate(_TABLE)
    if len(folded) == len(text) and not _has_outside(text):
        return folded
    return "".join(_fold_outside(ch) for ch in text)


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text``; also return, when lengths differ, the original offset of each character."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    offsets: list[int] = []
    parts: list[str] = []
    for index, ch in enumerate(text):
        piece = _fold_outside(ch)
        parts.append(piece)
        offsets.extend([index] * len(piece))
    offsets.append(len(text))
    return "".join(parts), offsets


def fold_name(name: str) -> str:
    """A gazetteer key: folded, with runs of spaces collapsed and the ends trimmed."""
    return " ".join(fold(name).split())


_OUTSIDE = re.compile("[\u3000-\U0010ffff]")


def _has_outside(text: str) -> bool:
    return _OUTSIDE.search(text) is not None


def _fold_outside(ch: str) -> str:
    if ord(ch) < 0x3000:
        return _TABLE.get(ord(ch), ch)
    return _fold_char(ch)


# A clause that names an earlier event as the cause or the time reference of this one:
# "... in retaliation for last week's airstrikes in Paktika", "two days after the blast
# in Bannu". Its places and means of violence belong to that earlier event.
_EARLIER = re.compile(
    r"\b(?:in (?:retaliation|response|revenge|reprisal) (?:for|to|against)|to avenge"
    r"|retaliat\w* (?:for|against)|(?:a|one|two|three|four|five|several|\d+) "
    r"(?:hours?|days?|weeks?) after|(?:after|following|since) "
    r"(?:last (?:week|month)'s|yesterday's|(?:mon|tues|wednes|thurs|fri|satur|sun)day's))\b",
    re.IGNORECASE,
)
_EARLIER_HINTS = ("after", "retaliat", "response", "revenge", "reprisal", "avenge")
_CLAUSE_END = re.compile(r"[.;!?\n]|$")
_SENTENCE_START = re.compile(r"(?:^|[.;!?\n])[\s\"'(]*$")


def earlier_event_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that describe an earlier event (to the end of the sentence)."""
    low = text.lower()
    if not any(hint in low for hint in _EARLIER_HINTS):
        return []
    spans = []
    for match in _EARLIER.finditer(text):
        end = _CLAUSE_END.search(text, match.end())
        stop = end.start() if end else len(text)
        # "Two days after the strikes in Paktika, Afghan forces shelled Kurram": a clause
        # that opens the sentence ends at its comma; one that closes it runs to the end.
        if _SENTENCE_START.search(text, 0, match.start()):
            comma = text.find(",", match.end(), stop)
            stop = comma if comma != -1 else stop
        spans.append((match.end(), stop))
    return spans


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (same length, so positions hold)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
