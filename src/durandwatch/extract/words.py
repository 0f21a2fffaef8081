"""The word lists of ``data/words.toml``, compiled: one whole-word pattern per list.

The lists are data a reviewer can diff; this module only reads them. Each pattern is
applied to lower-cased text (no IGNORECASE: faster).

A pattern scan tries every position of the text, and most lists are absent from most
texts. So a text is first read once for the strings that every match of a list must
contain (:func:`~durandwatch.extract.literals.required_literals`), and a list none of
whose strings occur is not scanned: :meth:`WordLists.read` gives a :class:`TextWords`
that answers, for one text, whether each list matches.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick

from .literals import required_literals

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "words.toml"


@dataclass(frozen=True, slots=True)
class WordList:
    """One list of ``words.toml``: a whole-word pattern over lower-cased text.

    ``literals``: strings one of which every match contains (one or more per fragment);
    () when some fragment has none, and the list is always scanned.
    """

    name: str
    pattern: re.Pattern[str]
    literals: tuple[str, ...]


def _words(name: str, words: list[str]) -> WordList:
    """One pattern for a word list."""
    pattern = re.compile(r"\b(?:" + "|".join(words) + r")\b")
    per_word = [required_literals(word) for word in words]
    literals = () if not all(per_word) else tuple(dict.fromkeys(s for lit in per_word for s in lit))
    return WordList(name, pattern, literals)


class WordLists:
    """The pattern lists of ``words.toml`` by table name, and :meth:`read` for one text."""

    def __init__(self, lists: dict[str, WordList]) -> None:
        self.lists = lists
        self._literals = ahocorasick.Automaton()
        for words in lists.values():
            for literal in words.literals:
                names = self._literals.get(literal, frozenset())
                self._literals.add_word(literal, names | {words.name})
        self._empty = len(self._literals) == 0
        if not self._empty:
            self._literals.make_automaton()

    def __getitem__(self, name: str) -> WordList:
        return self.lists[name]

    def read(self, low: str) -> TextWords:
        """``low`` (lower-cased text) read once for the literals of every list."""
        possible: set[str] = set()
        if not self._empty:
            for _, names in self._literals.iter(low):
                possible |= names
        return TextWords(low, possible)


class TextWords:
    """Which word lists one lower-cased text matches; each list is scanned at most once."""

    def __init__(self, low: str, possible: set[str]) -> None:
        self.low = low
        self._possible = possible  # lists whose literals occur in ``low``
        self._found: dict[str, bool] = {}

    def has(self, words: WordList) -> bool:
        """Whether ``words`` matches the text (its pattern finds a whole word)."""
        found = self._found.get(words.name)
        if found is None:
            could = not words.literals or words.name in self._possible
            found = could and words.pattern.search(self.low) is not None
            self._found[words.name] = found
        return found


@cache
def _raw(path: Path = WORDS_FILE) -> dict[str, dict[str, list[str]]]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def word_lists(path: Path = WORDS_FILE) -> WordLists:
    """Every pattern list (``words = [...]``) of ``words.toml`` by its table name, compiled."""
    return WordLists(
        {
            name: _words(name, table["words"])
            for name, table in _raw(path).items()
            if "words" in table
        }
    )


def term_set(name: str, path: Path = WORDS_FILE) -> frozenset[str]:
    """A plain word set (``terms = [...]``) of ``words.toml``."""
    return frozenset(_raw(path)[name]["terms"])


LISTS = word_lists()
SUICIDE = LISTS["suicide"]
AIR = LISTS["air"]
SHELLING = LISTS["shelling"]
GRENADE = LISTS["grenade"]
EXPLOSIVE = LISTS["explosive"]
ABDUCTION = LISTS["abduction"]
CLASH = LISTS["clash"]
WEAK_MEANS = LISTS["weak_means"]
WEAK_BLOCK = LISTS["weak_block"]
VIOLENT_DEATH = LISTS["violent_death"]
VIOLENCE_CIV = LISTS["violence_civ"]
PROTEST = LISTS["protest"]
RIOT = LISTS["riot"]
ARREST = LISTS["arrest"]
DISRUPTED = LISTS["disrupted"]
AGREEMENT = LISTS["agreement"]
STRATEGIC = LISTS["strategic"]
CASUALTY = LISTS["casualty"]
ARMED = LISTS["armed"]
SPORT = LISTS["sport"]
NON_CONFLICT = LISTS["non_conflict"]
FOREIGN = LISTS["foreign"]
NEGATED_CASUALTIES = LISTS["negated_casualties"]
CROSS_BORDER = LISTS["cross_border"]
