"""Numbers in news text: digits and words, "at least", ranges, "dozens"."""

from __future__ import annotations

import re
from collections.abc import Sequence

_UNITS = {
    "zero": 0,
    "no": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
#: ACLED's conventions for vague quantities (tens = 10, dozens = 12, hundreds = 100).
VAGUE = {
    "dozen": 12,
    "a dozen": 12,
    "half a dozen": 6,
    "dozens": 12,
    "tens": 10,
    "hundreds": 100,
    "scores": 20,
}

#: A figure above this is a claim or a typo, not a death toll to score or sum.
MAX_TOLL = 5000
#: Digits beyond this many are not read as a number at all (int() of a 5,000-digit
#: string is slow, and refused by Python 3.11 past 4,300 digits).
MAX_DIGITS = 9

_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand"], key=len, reverse=True))
#: The regular-expression form, for benchmarks reading trusted text. The extractor reads
#: untrusted text token by token with :func:`number_value` instead (no backtracking).
NUMBER_PATTERN = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|half a dozen|a dozen|dozens|dozen|tens|hundreds|scores|"
    rf"(?:(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*))"
)
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_NUMBER_WORDS = frozenset(_UNITS) - {"no", "a", "an", "single"} | frozenset(_TENS)
_MAX_WORDS = 8


def number_value(tokens: Sequence[str]) -> tuple[int | None, int]:
    """The number that ``tokens`` (lower-case words and punctuation) start with.

    Returns (value, tokens used), or (None, 0). Digits ("46", "1,200"), words
    ("forty-six", "a hundred and twenty", "two thousand"), and ACLED's vague figures
    ("dozens" = 12). At most eight tokens are read, so no input costs more.
    """
    if not tokens:
        return None, 0
    first = tokens[0]
    if _DIGITS.fullmatch(first):
        digits = first.replace(",", "")
        return (int(digits) if len(digits) <= MAX_DIGITS else MAX_TOLL * 1000), 1
    if first in ("half", "a") and tuple(tokens[:3]) == ("half", "a", "dozen"):
        return VAGUE["half a dozen"], 3
    if first in ("a", "an") and len(tokens) > 1 and tokens[1] == "dozen":
        return VAGUE["a dozen"], 2
    if first in VAGUE:
        return VAGUE[first], 1
    if first in ("a", "an", "one") and len(tokens) > 1 and tokens[1] in ("hundred", "thousand"):
        tokens = ["one", *tokens[1:]]
    elif first not in _NUMBER_WORDS:
        return None, 0
    total = current = used = 0
    for k, word in enumerate(tokens[:_MAX_WORDS]):
        if word in _NUMBER_WORDS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif (word == "-" and k + 1 < len(tokens) and tokens[k + 1] in _NUMBER_WORDS) or (
            word == "and"
            and k
            and tokens[k - 1] in ("hundred", "thousand")
            and (k + 1 < len(tokens) and tokens[k + 1] in _NUMBER_WORDS)
        ):
            continue
        else:
            break
        used = k + 1
    return total + current, used


def parse_number(text: str) -> int | None:
    """``"46"``, ``"forty-six"``, ``"1,200"``, ``"a hundred and twenty"``, ``"dozens"`` -> int."""
    tokens = re.findall(r"\d{1,3}(?:,\d{3})+|\d+|[a-z]+|-", text.strip().lower())
    value, used = number_value(tokens)
    return value if value is not None and used == len(tokens) else None
