"""Numbers in news text: digits and words, "at least", ranges, "dozens"."""

from __future__ import annotations

import re

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

_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "thousand"], key=len, reverse=True))
NUMBER_PATTERN = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|half a dozen|a dozen|dozens|dozen|tens|hundreds|scores|"
    rf"(?:(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*))"
)
_NUMBER = re.compile(rf"^{NUMBER_PATTERN}$", re.IGNORECASE)


def parse_number(text: str) -> int | None:
    """``"46"``, ``"forty-six"``, ``"1,200"``, ``"a hundred and twenty"``, ``"dozens"`` -> int."""
    value = text.strip().lower()
    if not value:
        return None
    if value.replace(",", "").isdigit():
        return int(value.replace(",", ""))
    if value in VAGUE:
        return VAGUE[value]
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", value):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def is_vague(text: str) -> bool:
    """True for "dozens", "tens", "hundreds": ACLED's conventional figures."""
    return text.strip().lower() in VAGUE and text.strip().lower() not in (
        "a dozen",
        "dozen",
        "half a dozen",
    )
