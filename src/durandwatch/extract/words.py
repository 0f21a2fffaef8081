"""The word lists of ``data/words.toml``, compiled: one whole-word pattern per list.

The lists are data a reviewer can diff; this module only reads them. Each pattern is
applied to lower-cased text (no IGNORECASE: faster).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "words.toml"


def _words(*words: str) -> re.Pattern[str]:
    """One pattern for a word list."""
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


@cache
def _raw(path: Path = WORDS_FILE) -> dict[str, dict[str, list[str]]]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def word_lists(path: Path = WORDS_FILE) -> dict[str, re.Pattern[str]]:
    """Every pattern list (``words = [...]``) of ``words.toml`` by its table name, compiled."""
    return {name: _words(*table["words"]) for name, table in _raw(path).items() if "words" in table}


def term_set(name: str, path: Path = WORDS_FILE) -> frozenset[str]:
    """A plain word set (``terms = [...]``) of ``words.toml``."""
    return frozenset(_raw(path)[name]["terms"])


_LISTS = word_lists()
SUICIDE = _LISTS["suicide"]
AIR = _LISTS["air"]
SHELLING = _LISTS["shelling"]
GRENADE = _LISTS["grenade"]
EXPLOSIVE = _LISTS["explosive"]
ABDUCTION = _LISTS["abduction"]
CLASH = _LISTS["clash"]
WEAK_MEANS = _LISTS["weak_means"]
WEAK_BLOCK = _LISTS["weak_block"]
VIOLENT_DEATH = _LISTS["violent_death"]
VIOLENCE_CIV = _LISTS["violence_civ"]
PROTEST = _LISTS["protest"]
RIOT = _LISTS["riot"]
ARREST = _LISTS["arrest"]
DISRUPTED = _LISTS["disrupted"]
AGREEMENT = _LISTS["agreement"]
STRATEGIC = _LISTS["strategic"]
CASUALTY = _LISTS["casualty"]
ARMED = _LISTS["armed"]
SPORT = _LISTS["sport"]
NON_CONFLICT = _LISTS["non_conflict"]
FOREIGN = _LISTS["foreign"]
NEGATED_CASUALTIES = _LISTS["negated_casualties"]
CROSS_BORDER = _LISTS["cross_border"]
