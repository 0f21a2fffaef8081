"""A report cut into its sentences: the title, then each sentence or outlet's snippet.

Live feeds give a title and a summary of several sentences, often several outlets'
snippets joined by ";" or new lines. The extractor reads each sentence on its own, so
that a figure, a place or an actor is tied to the clause that states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "brig",
        "sgt",
        "no",
        "st",
        "vs",
        "e.g",
        "i.e",
        "u.s",
        "u.n",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    }
)
# A full stop, then space, then the next sentence (any case: the extractor also reads
# lower-cased text; abbreviations are told apart by the word before the stop).
_BOUNDARY = re.compile(r"[;\n|]+|(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class Sentence:
    """``text[start:end]`` of the report; ``index`` 0 is the first (usually the title)."""

    index: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=64)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of ``text`` in order, with their spans (empty ones dropped).

    Cached: the extractor reads the same report for deaths, the injured and direction.
    """
    found: list[Sentence] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        hard = boundary.group(0)[0] in ";\n|"
        if not hard and _abbreviation_before(text, boundary.start()):
            continue
        _add(found, text, start, boundary.start())
        start = boundary.end()
    _add(found, text, start, len(text))
    return tuple(found)


def _abbreviation_before(text: str, end: int) -> bool:
    """Whether the full stop before ``end`` closes an abbreviation ("Lt.", "U.S.")."""
    stop = end - 1
    while stop >= 0 and text[stop] in "\"')]":
        stop -= 1
    begin = stop
    while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:stop].lower().rstrip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _add(found: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        found.append(Sentence(len(found), start, end, text[start:end]))
