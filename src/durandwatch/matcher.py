"""Whole-word phrase matching over folded text with an Aho-Corasick automaton."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
        values: dict[str, T] = {}
        exact: dict[str, set[str]] = {}
        free: set[str] = set()  # keys with a spelling that is not short capitals
        for phrase, value in phrases:
            key = fold_name(phrase)
            if not key:
                continue
            values.setdefault(key, value)
            letters = phrase.replace("-", "").replace(".", "")
            if letters.isascii() and letters.isupper() and len(letters) <= 5:
                exact.setdefault(key, set()).add(phrase)
            else:
                free.add(key)
        self._setup(values, {k: v for k, v in exact.items() if k not in free})

    @classmethod
    def from_keys(cls, values: Mapping[str, T], exact: Mapping[str, set[str]]) -> PhraseMatcher[T]:
        """A matcher over keys that are already folded; ``exact[key]``: the only spellings
        accepted for that key (keys not in ``exact`` match in any case)."""
        matcher = cls.__new__(cls)
        matcher._setup(values, exact)
        return matcher

    def _setup(self, values: Mapping[str, T], exact: Mapping[str, set[str]]) -> None:
        self._keys = list(values)
        self._values = [values[k] for k in self._keys]
        self._exact = {n: set(exact[k]) for n, k in enumerate(self._keys) if k in exact}
        automaton = ahocorasick.Automaton()
        for index, key in enumerate(self._keys):
            automaton.add_word(key, (index, len(key)))
        self._empty = not self._keys
        if not self._empty:
            automaton.make_automaton()
        self._automaton = automaton

    def find(
        self, text: str, *, accept: Callable[[str, str], bool] | None = None
    ) -> list[Match[T]]:
        """Every phrase in ``text``; ``accept(key, original)`` may veto a match (the next
        overlapping candidate is then considered)."""
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
            if accept is not None and not accept(self._keys[index], original):
                continue
            out.append(Match(o_start, o_end, original, self._values[index]))
            last = end
        return out
