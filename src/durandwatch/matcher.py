"""Whole-word phrase matching over folded text with an Aho-Corasick automaton."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from .textnorm import fold_name, fold_with_offsets

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """``text[start:end]`` matched a phrase carrying ``value``."""

    start: int
    end: int
    text: str
    value: T


class PhraseMatcher(Generic[T]):
    """Leftmost-longest, non-overlapping, whole-word matches of many phrases.

    Phrases written in short capitals (``TTP``, ``FC``, ``IEA``) match only as written,
    so ordinary words ("fc", "iea") do not.
    """

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._values: list[T] = []
        self._exact: dict[int, set[str]] = {}
        keys: dict[str, int] = {}
        automaton = ahocorasick.Automaton()
        for phrase, value in phrases:
            key = fold_name(phrase)
            if not key:
                continue
            if key not in keys:
                keys[key] = len(self._values)
                self._values.append(value)
                automaton.add_word(key, (keys[key], len(key)))
            letters = phrase.replace("-", "").replace(".", "")
            if letters.isascii() and letters.isupper() and len(letters) <= 5:
                self._exact.setdefault(keys[key], set()).add(phrase)
            elif keys[key] in self._exact:
                del self._exact[keys[key]]  # a lower-case spelling makes it case-free
        self._empty = not self._values
        if not self._empty:
            automaton.make_automaton()
        self._automaton = automaton

    def find(self, text: str) -> list[Match[T]]:
        """Every phrase in ``text``."""
        if self._empty or not text:
            return []
        folded, offsets = fold_with_offsets(text)
        hits: list[tuple[int, int, int]] = []
        for end, (index, length) in self._automaton.iter(folded):
            start = end - length + 1
            if (start == 0 or folded[start - 1] == " ") and (
                end + 1 == len(folded) or folded[end + 1] == " "
            ):
                hits.append((start, end + 1, index))
        hits.sort(key=lambda h: (h[0], h[0] - h[1]))
        out: list[Match[T]] = []
        last = -1
        for start, end, index in hits:
            if start < last:
                continue
            o_start, o_end = (start, end) if offsets is None else (offsets[start], offsets[end])
            original = text[o_start:o_end]
            exact = self._exact.get(index)
            if exact is not None and original not in exact:
                continue
            out.append(Match(o_start, o_end, original, self._values[index]))
            last = end
        return out
