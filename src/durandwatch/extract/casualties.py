"""How many died and were hurt in the report's event, as the text states it.

Each sentence is read as a list of tokens (one linear pass: no pattern can backtrack on
hostile text). A figure is a number next to a death word: before it ("46 killed",
"five soldiers were martyred", "bodies of two brothers"), after an active verb ("kills
forty-six", "killing eight people", "left 12 dead"), or in a toll ("death toll rises to
22"). "At least N" gives N; a range gives its lower end (ACLED); "dozens" = 12, "tens" =
10, "hundreds" = 100 (ACLED); a lone victim ("a soldier was martyred", "lost his life")
is 1; "no one was killed" is 0; otherwise None, never 0. A number above
:data:`MAX_TOLL` is a claim, not a figure, and is left out.

A report's toll (:func:`count_fatalities`) comes from the sentences about its event
(the caller blanks the clauses about an earlier one): the victim groups it names
(security forces, attackers, civilians) add up; the same group reported by several
outlets or sentences keeps the lowest figure (the conservative one, as ACLED does),
unless a later sentence updates it ("the toll rose to"); a party's claim of the enemy's
losses counts only when nothing else gives a figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..numbers import _NUMBER_WORDS, MAX_TOLL, VAGUE, number_value
from .literals import GatedPattern
from .sentences import sentences
from .words import term_set

# Ordinals ("108th") are one token, so they are never read as a count.
_TOKEN = re.compile(
    r"\d+(?:st|nd|rd|th)\b|\d{1,3}(?:,\d{3})+(?!\d)|\d+|[a-z]+(?:['\u2019][a-z]+)?|[^\sa-z0-9]"
)
_QUALIFIERS = term_set("qualifiers")
_DEATH_AFTER = term_set("death_after")
_KILL_VERBS = term_set("kill_verbs")
_UNITS_OF_MEASURE = term_set("units_of_measure")
_HURT = term_set("hurt_after")
_HURT_VERBS = term_set("hurt_verbs")
_SINGULAR = term_set("singular")
_CLAIM_WORDS = term_set("claim_words")
_PARTIES = term_set("parties")
GROUPS = {name: term_set(f"victims_{name}") for name in ("security", "attackers", "civilians")}
_STOP = frozenset(".;:!?")


@dataclass(frozen=True, slots=True)
class Figure:
    """One death (or injury) figure of a sentence."""

    value: int
    high: int
    group: str | None  # security, attackers, civilians, or None (people, unknown)
    kind: str  # stated, update, zero, claimed
    more: bool = False  # "22 more": an increment of a running count
    sentence: int = 0
    vague: bool = False  # "dozens": ACLED's convention, not a count


@lru_cache(maxsize=64)
def _read(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int, int], ...]]:
    """The lower-cased words and punctuation of a sentence, and its number phrases
    (:func:`_numbers`). Cached: a sentence is read for deaths, then for the injured."""
    tokens = tuple(_TOKEN.findall(text.lower()))
    return tokens, tuple(_numbers(tokens))


def _number_at(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """(value, index after) of the number phrase starting at token ``i``, or None."""
    value, end = number_value(tokens[i : i + 8])
    if value is None:
        return None
    return value, i + end


#: Words a number phrase can start with (digits are recognised apart).
_STARTERS = frozenset(_NUMBER_WORDS) | frozenset(VAGUE) | {"a", "an", "half", "one"}


def _numbers(tokens: Sequence[str]) -> Iterator[tuple[int, int, int]]:
    """(start, end, value) of every number phrase, left to right, not overlapping."""
    i = 0
    while i < len(tokens):
        first = tokens[i]
        if not (first[0].isdigit() or first in _STARTERS):
            i += 1
            continue
        found = _number_at(tokens, i)
        if found is None:
            i += 1
            continue
        value, end = found
        yield i, end, value
        i = end


def _group(words: Sequence[str]) -> str | None:
    for word in words:
        for name, members in GROUPS.items():
            if word in members:
                return name
    return None


def sentence_figures(text: str, *, hurt: bool = False) -> list[Figure]:
    """The death (or, with ``hurt``, injury) figures stated in one sentence."""
    tokens, number_phrases = _read(text)
    if hurt and not number_phrases:
        return []  # the injured are only ever counted by a number
    words = list(tokens)  # lists: the rules compare slices with lists
    after_words = _HURT if hurt else _DEATH_AFTER
    verbs = _HURT_VERBS if hurt else _KILL_VERBS
    figures: list[Figure] = []
    used: set[int] = set()
    numbers = list(number_phrases)
    claimed = bool(_CLAIM_WORDS & set(words)) and bool(_PARTIES & set(words))
    kind = "claimed" if claimed else "stated"
    for n, (start, end, value) in enumerate(numbers):
        if value > MAX_TOLL or _looks_like_year(words, start, end, value):
            continue
        if start and words[start - 1] in ("no", "not"):
            continue  # "no one was killed"
        vague = words[start] in VAGUE or words[end - 1] == "dozen"
        following = words[end : end + 9]
        if following[:1] and following[0] in _UNITS_OF_MEASURE:
            continue
        more = bool(following[:1] == ["more"])
        # A number before its death word: "46 killed", "five soldiers were martyred".
        k = _reaches(following, after_words, hurt=hurt)
        if k is not None:
            joined = _coordinated(numbers, n, words)
            # Several groups joined ("two soldiers, three militants killed") make a total.
            group = _group(following[:k]) if not joined else None
            total = value + joined
            figures.append(Figure(total, total, group, kind, more, vague=vague))
            used.add(start)
            continue
        # A number after an active verb: "kills 5", "killing eight people", "left 12 dead".
        verb = _verb_before(words, start, verbs)
        if verb is not None and not _hurt_number(following, hurt):
            figures.append(Figure(value, value, _group(following[:4]), kind, more, vague=vague))
            used.add(start)
            continue
        # A toll: "death toll rises to 22", "toll reached 9".
        if not hurt and _toll_before(words, start):
            figures.append(Figure(value, value, None, "update", more))
            used.add(start)
    if not hurt:
        figures += _bodies_and_deaths(words, numbers, used, kind)
        if not figures:
            figures += _lone_victim(words)
        if not figures and _NEGATED.search(text.lower()):
            figures.append(Figure(0, 0, None, "zero"))
        if words[:1] == ["update"]:  # a wire's "UPDATE 2-..." headline replaces the earlier
            figures = [
                Figure(f.value, f.high, f.group, "update" if f.kind == "stated" else f.kind, f.more)
                for f in figures
            ]
    ranged = _range(words, numbers, after_words)
    if ranged is not None:
        low, high = ranged
        figures = [Figure(low, high, None, kind)] + [
            f for f in figures if f.value not in (low, high)
        ]
    return figures


def _verb_before(words: Sequence[str], start: int, verbs: frozenset[str]) -> str | None:
    """The killing (or injuring) verb right before a number, qualifiers allowed between."""
    k = start - 1
    while k >= 0 and words[k] in _QUALIFIERS:
        k -= 1
    return words[k] if k >= 0 and words[k] in verbs else None


def _toll_before(words: Sequence[str], start: int) -> bool:
    """ "death toll rises to 22", "the toll from the blast reached 26" (the first number)."""
    for k in range(start - 1, max(-1, start - 10), -1):
        if words[k] in _STOP or _number_in(words[k : k + 1]):
            return False
        if words[k] == "toll":
            return True
    return False


def _reaches(following: Sequence[str], targets: frozenset[str], *, hurt: bool) -> int | None:
    """Index of the death word the number's noun phrase ends in, or None."""
    for k, word in enumerate(following):
        if word in targets:
            return k
        if (
            word in ("lost", "lose")
            and following[k + 1 : k + 2]
            and following[k + 1]
            in (
                "their",
                "his",
                "her",
            )
        ):
            return None if hurt else k
        if word in _STOP or word in _HURT or (not hurt and word in ("injured", "wounded")):
            return None
        if word.isdigit() or word in VAGUE or word in _NUMBER_WORDS:
            return None
    return None


def _hurt_number(following: Sequence[str], hurt: bool) -> bool:
    """Whether the number after a verb counts the injured ("2 people injured")."""
    if hurt:
        return False
    for word in following[:3]:
        if word in (",", "and") or word in _STOP:
            return False
        if word in _HURT:
            return True
    return False


def _coordinated(numbers: Sequence[tuple[int, int, int]], n: int, words: Sequence[str]) -> int:
    """Figures joined to the one at ``n`` in the same subject ("two soldiers, three militants")."""
    total = 0
    k = n
    while k > 0:
        _, prev_end, prev_value = numbers[k - 1]
        between = words[prev_end : numbers[k][0]]
        # "two soldiers, three militants", "five soldiers and four attackers": a noun
        # between them ("10 and 15 killed" is a range, not a sum).
        if len(between) < 2 or len(between) > 4 or between[-1] not in (",", "and"):
            break
        if any(w in _STOP or w in _DEATH_AFTER or w in _HURT for w in between):
            break
        total += prev_value
        k -= 1
    return total


def _bodies_and_deaths(
    words: Sequence[str], numbers: Sequence[tuple[int, int, int]], used: set[int], kind: str
) -> list[Figure]:
    """ "bodies of two brothers", "four bodies", "three deaths", "lost his life"."""
    found = []
    for start, end, value in numbers:
        if start in used or value > MAX_TOLL:
            continue
        before = words[max(0, start - 2) : start]
        after = words[end : end + 2]
        claims = words[max(0, start - 3) : start]
        lives = before[-2:] in (["lives", "of"], ["deaths", "of"]) or (
            (after[:1] == ["lives"] or after[:2] == ["more", "lives"])
            and any(w in ("claim", "claims", "claimed") for w in claims)
        )
        if before[-2:] == ["bodies", "of"] or after[:1] in (["bodies"], ["deaths"]) or lives:
            found.append(Figure(value, value, _group(words[end : end + 3]), kind))
    return found


def _lone_victim(words: Sequence[str]) -> list[Figure]:
    """One victim: "a soldier was martyred", "lost his life", "policeman shot dead"."""
    if _LONE_VICTIM_WORDS.isdisjoint(words):
        return []  # every rule below starts at one of these words
    for k, word in enumerate(words):
        if word in ("killed", "martyred", "dead", "slain", "down", "dies", "died"):
            if word == "down" and words[k - 1 : k] != ["gunned"]:
                continue
            # "was killed", "has been martyred", "was shot dead", "was gunned down".
            back = [w for w in words[max(0, k - 3) : k] if w not in ("shot", "gunned", "been")]
            if (
                back[-3:-1] in (["no", "one"], ["nobody"])
                or "nobody" in back
                or (len(back) >= 2 and back[-2:] == ["one", "was"] and "no" in back)
            ):
                continue
            if back and back[-1] in _SINGULAR:
                return [Figure(1, 1, None, "single")]
            # A headline: "policeman killed in Bannu", "PML-N leader shot dead".
            if back and back[-1] in _SINGLE_NOUNS and not _number_in(words[max(0, k - 6) : k]):
                return [Figure(1, 1, None, "single")]
        if word == "lost" and words[k + 1 : k + 3] in (["his", "life"], ["her", "life"]):
            return [Figure(1, 1, None, "single")]
        # "resulting in the death of the driver"
        if (
            word == "death"
            and words[k + 1 : k + 2] == ["of"]
            and words[k + 2 : k + 3]
            in (
                ["the"],
                ["a"],
                ["an"],
                ["one"],
            )
        ):
            return [Figure(1, 1, None, "single")]
        # "killed a man", "claims to have killed a terrorist", "shot dead a policeman".
        shot = word in ("dead", "down") and words[k - 1 : k] in (["shot"], ["gunned"])
        if shot or (word in _KILL_VERBS and word not in ("left", "leave", "leaves", "leaving")):
            rest = [w for w in words[k + 1 : k + 5] if w not in ('"', "\u201c", "\u201d", "'")]
            if (
                rest[:1] in (["a"], ["an"], ["one"])
                and len(rest) > 1
                and (rest[1] in _SINGLE_NOUNS or (len(rest) > 2 and rest[2] in _SINGLE_NOUNS))
            ):
                return [Figure(1, 1, None, "single")]
    return []


_LONE_VICTIM_WORDS = _KILL_VERBS | {
    "killed",
    "martyred",
    "dead",
    "slain",
    "down",
    "dies",
    "died",
    "lost",
    "death",
}


def _number_in(words: Sequence[str]) -> bool:
    return any(w.isdigit() or w in _NUMBER_WORDS or w in VAGUE for w in words)


_SINGLE_NOUNS = term_set("single_victims")
_MONTHS = term_set("months")


def _range(
    words: Sequence[str], numbers: Sequence[tuple[int, int, int]], targets: frozenset[str]
) -> tuple[int, int] | None:
    """ "between 10 and 15 killed", "10-15 dead": the low and high ends."""
    for n in range(len(numbers) - 1):
        a_start, a_end, a = numbers[n]
        b_start, b_end, b = numbers[n + 1]
        joint = words[a_end:b_start]
        if (
            joint in (["-"], ["to"], ["and"], ["\u2013"])
            and a < b <= MAX_TOLL
            and (words[a_start - 1 : a_start] == ["between"] or joint != ["and"])
            and any(w in targets for w in words[b_end : b_end + 4])
        ):
            return a, b
    return None


def _looks_like_year(words: Sequence[str], start: int, end: int, value: int) -> bool:
    """ "the 2025 attack", "in 2014 militants killed", "Oct 2", "February 6": a date."""
    if start and words[start - 1] in _MONTHS:
        return True
    if not 1950 <= value <= 2099 or end - start != 1:
        return False
    before = words[start - 1] if start else ""
    return before in ("in", "since", "during", "until", "from", "by", "of", "the", "early", "late")


def count_fatalities(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """Deaths in the report's event: (figure, (low, high)) or (None, None) when unknown."""
    figures = []
    for sentence in sentences(text):
        figures += [
            Figure(f.value, f.high, f.group, f.kind, f.more, sentence.index, f.vague)
            for f in sentence_figures(sentence.text)
        ]
    if not figures:
        if _negated(text):
            return 0, (0, 0)
        return None, None
    return combine(figures)


def combine(figures: Sequence[Figure]) -> tuple[int, tuple[int, int]]:
    """One toll from the figures of a report's sentences (rules in the module docstring)."""
    figures = [f for f in figures if not f.vague] or list(figures)  # a count beats "dozens"
    figures = [f for f in figures if f.kind != "single"] or list(figures)  # and a lone victim
    figures = [f for f in figures if f.kind != "zero"] or list(figures)  # "no one else died"
    if all(f.kind == "zero" for f in figures):
        return 0, (0, 0)
    # A party's claim of the enemy's losses counts only when no one else gives a figure.
    stated = [f for f in figures if f.kind != "claimed"] or list(figures)
    updates = [f for f in stated if f.kind == "update"]
    if updates and not any(f.more for f in stated):
        best = max(f.value for f in updates)
        return best, (best, max(best, *(f.high for f in stated)))
    stated = [f for f in stated if f.kind != "update"] or stated
    by_group: dict[str | None, list[Figure]] = {}
    for figure in stated:
        by_group.setdefault(figure.group, []).append(figure)
    specific = {g: fs for g, fs in by_group.items() if g is not None}
    low_specific = sum(min(f.value for f in fs) for fs in specific.values())
    high_specific = sum(max(f.high for f in fs) for fs in specific.values())
    generic = by_group.get(None, [])
    if not specific:
        return min(f.value for f in generic), (
            min(f.value for f in generic),
            max(f.high for f in generic),
        )
    if generic and min(f.value for f in generic) < low_specific:
        low = min(f.value for f in generic)
        return low, (low, max(high_specific, max(f.high for f in generic)))
    return low_specific, (low_specific, max(high_specific, low_specific))


_NEGATED = GatedPattern(
    r"\bno (?:one|body|casualties|injuries|deaths|loss of life)\b|\bwithout (?:any )?casualties\b"
    r"|\bno one was (?:killed|hurt|injured)\b|\bnobody was (?:killed|hurt|injured)\b"
)


_UNKNOWN = re.compile(r"\bno (?:immediate|word|reports? of|details)\b")


def _negated(text: str) -> bool:
    """ "No one was killed", "no casualties": a toll of 0 (not "no immediate word")."""
    low = text.lower()
    return _NEGATED.search(low) is not None and _UNKNOWN.search(low) is None


def count_injured(text: str) -> int | None:
    """People injured or wounded in the report's event, or None."""
    values = [
        f.value for sentence in sentences(text) for f in sentence_figures(sentence.text, hurt=True)
    ]
    return max(values) if values else None
