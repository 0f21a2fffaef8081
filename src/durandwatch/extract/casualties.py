"""How many died and were hurt, as the text states it.

Numbers in digits or words next to a death word ("46 killed", "kills forty-six", "death
toll rises to 22"); "at least N" gives N; a range gives its lower end (ACLED); "dozens" =
12, "tens" = 10, "hundreds" = 100 (ACLED); a lone singular victim ("policeman killed") is
1; "no casualties" is 0; otherwise None, never 0.
"""

from __future__ import annotations

import re

from ..numbers import NUMBER_PATTERN, parse_number
from .words import NEGATED_CASUALTIES

_NUM = NUMBER_PATTERN

_QUAL = r"(?:at least|nearly|almost|about|around|some|up to|more than|over|as many as|over)\s+"

_DEATH = (
    r"(?:killed|dead|die[ds]|slain|martyred|lost their lives|perished|"
    r"shot dead|gunned down|were killed|have been killed|had been killed)"
)

_HURT = r"(?:injured|wounded|hurt)"

_RANGE = re.compile(
    rf"\b(?:between\s+)?({_NUM})\s*(?:-|to|and|\u2013)\s*({_NUM})\s+(?:\w+\s+){{0,3}}?"
    rf"(?:{_DEATH})"
)

_GAP = r"(?:[\s,]+(?!and\b)(?!\d)(?!(?:killed|dead|injured|wounded|hurt|martyred)\b)[\w'-]+)"

_BEFORE_DEATH = re.compile(
    rf"(?:\b{_QUAL})?\b({_NUM})\b{_GAP}{{0,5}}?\s+"
    rf"(?:were |are |have been |had been |was |reportedly |)?{_DEATH}\b",
)

_AFTER_KILL = re.compile(
    rf"\b(?:kill(?:s|ed|ing)?|claim(?:s|ed)? the lives of|left|leaves|"
    rf"leaving|martyr(?:s|ed)|slew|slays)\s+(?:{_QUAL})?({_NUM})\b",
)

_TOLL = re.compile(
    rf"\b(?:death toll|toll)\b(?:(?:\s+\w+){{0,4}}?\s+(?:to|at|of|reaches|hits|"
    rf"reached|climbs to|rises to|risen to|jumps to))?\s+(?:{_QUAL})?({_NUM})\b",
)

_AMONG = re.compile(
    rf"\bamong\s+(?:the\s+)?(?:{_QUAL})?({_NUM})\b(?:\s+[\w'-]+){{0,3}}?\s+"
    rf"(?:people\s+)?{_DEATH}"
)

_LIVES = re.compile(
    rf"\bclaim(?:s|ed)?\s+(?:{_QUAL})?({_NUM})\s+(?:more\s+)?lives\b",
)

_BEFORE_HURT = re.compile(
    rf"(?:\b{_QUAL})?\b({_NUM})\b{_GAP}{{0,4}}?\s+"
    rf"(?:were |are |others |other people |people |)?{_HURT}\b",
)

_AFTER_HURT = re.compile(
    rf"\b(?:injur(?:es|ed|ing)|wound(?:s|ed|ing))\s+(?:{_QUAL})?({_NUM})\b",
)

_SINGLE_VICTIM = re.compile(
    rf"\b(?:a |an |one )?(?:policeman|police officer|soldier|officer|civilian|child|boy|girl|"
    rf"woman|man|cleric|elder|leader|commander|journalist|student|teacher|worker|militant|"
    rf"terrorist|guard|sepoy|official|trader|doctor|judge|lawyer|politician|sikh|jawan|cop|"
    rf"militiaman|constable|subedar|major|captain|colonel|lieutenant|havaldar|naik|person|"
    rf"(?:\w+ )?(?:man|person|member|personnel))\s+"
    rf"(?:was |is |has been |)?{_DEATH}\b",
)


def count_fatalities(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """Deaths stated in the text: (figure, (low, high)) or (None, None) when unknown."""
    text = text.lower()
    per_segment: list[tuple[int, int]] = []
    for segment in re.split(r"[;|]", text):
        found = _segment_deaths(segment)
        if found is not None:
            per_segment.append(found)
    if not per_segment:
        if NEGATED_CASUALTIES.search(text):
            return 0, (0, 0)
        return None, None
    low = max(p[0] for p in per_segment)
    high = max(p[1] for p in per_segment)
    return low, (low, high)


def _segment_deaths(segment: str) -> tuple[int, int] | None:
    toll = [parse_number(m.group(1)) for m in _TOLL.finditer(segment)]
    toll_values = [v for v in toll if v is not None]
    if toll_values:
        return max(toll_values), max(toll_values)
    for pattern in (_AMONG, _LIVES):
        found = [parse_number(m.group(1)) for m in pattern.finditer(segment)]
        if any(v is not None for v in found):
            best = max(v for v in found if v is not None)
            return best, best
    for m in _RANGE.finditer(segment):
        a, b = parse_number(m.group(1)), parse_number(m.group(2))
        if a is not None and b is not None and a < b:
            return a, b
    values: list[int] = []
    spans: list[tuple[int, int]] = []
    for m in _BEFORE_DEATH.finditer(segment):
        value = parse_number(m.group(1))
        if value is None or _looks_like_date(segment, m.start(1), m.end(1)):
            continue
        # "five militants, soldier killed": a singular victim listed before the verb.
        extra = (
            1
            if re.search(
                r",\s*(?:a |one )?(?:soldier|policeman|civilian|child|officer)\b", m.group(0)
            )
            else 0
        )
        # Numbers of the same clause joined by commas ("two soldiers, three militants killed").
        values.append(value + extra + _more_numbers(m.group(0), m.group(1)))
        spans.append(m.span())
    for m in _AFTER_KILL.finditer(segment):
        value = parse_number(m.group(1))
        if value is not None and not any(a <= m.start(1) < b for a, b in spans):
            values.append(value)
    if not values:
        single = _SINGLE_VICTIM.search(segment)
        if single:
            return 1, 1
        return None
    best = max(values)
    return best, best


def _more_numbers(clause: str, first: str) -> int:
    rest = clause[clause.lower().find(first.lower()) + len(first) :]
    total = 0
    for m in re.finditer(rf",\s*({_NUM})\s+\w+", rest):
        value = parse_number(m.group(1))
        if value is not None:
            total += value
    return total


_YEAR = re.compile(r"(?:19[5-9]|20[0-9])[0-9]")

_VICTIMS_AFTER = re.compile(
    r"\s+(?:people|persons|civilians|militants|soldiers|troops|terrorists|insurgents|"
    r"fighters|police\w*|men|women|children|dead|killed)\b"
)


def _looks_like_date(segment: str, start: int, end: int) -> bool:
    after = segment[end : end + 12].lower()
    before = segment[max(0, start - 10) : start].lower()
    if _YEAR.fullmatch(segment[start:end]) and (
        not _VICTIMS_AFTER.match(segment, end)
        or re.search(r"\b(?:in|since|during|until|from|by|of|early|late|mid)[- ]$", before)
    ):
        return True  # "the 2025 attack", "in 2014 militants killed"
    return bool(
        re.match(r"\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|gmt|pm|am|km)", after)
        or re.search(
            r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
            r"dec)\w*\s*$",
            before,
        )
    )


def count_injured(text: str) -> int | None:
    """People injured or wounded, or None."""
    text = text.lower()
    values = []
    for pattern in (_BEFORE_HURT, _AFTER_HURT):
        for m in pattern.finditer(text):
            value = parse_number(m.group(1))
            if value is not None and not _looks_like_date(text, m.start(1), m.end(1)):
                values.append(value)
    return max(values) if values else None
