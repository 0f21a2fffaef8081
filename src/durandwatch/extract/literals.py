"""What every match of a regular expression must contain, read from its source.

A pattern scan tries every position of a text; a plain substring test is far cheaper.
When every match of a pattern contains one of a few strings, a text holding none of them
cannot match, and need not be scanned. Runs of plain characters and groups are read;
classes, escapes, lookarounds and anything with a quantifier that allows zero are not
(they only end a run), so the answer is safe, not complete.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

_QUANTIFIERS = ("?", "*", "+", "{")
#: Shorter strings occur in almost every text: not worth testing first.
MIN_GATE = 3


def required_literals(source: str) -> tuple[str, ...]:
    """Strings one of which every match of ``source`` contains; () when none is known.

    For alternatives (``a|b``), the strings of each together; for a sequence, the
    cheapest test (:func:`_cost`) among its runs of plain characters ("strike" in ``air
    ?strikes?``: the space and the last "s" are optional) and its groups that no
    quantifier makes optional (``(?:border|crossing|gate)``).
    """
    alternatives: list[list[tuple[str, bool]]] = [[]]
    for atom, quantified in _atoms(source):
        if atom == "|":
            alternatives.append([])
        else:
            alternatives[-1].append((atom, quantified))
    found = [_sequence_literals(sequence) for sequence in alternatives]
    if not all(found):
        return ()
    literals = dict.fromkeys(literal for each in found for literal in each)
    # A text holding "pakistan" holds "pak": the longer string need not be tested.
    return tuple(lit for lit in literals if not any(o != lit and o in lit for o in literals))


def _sequence_literals(sequence: list[tuple[str, bool]]) -> tuple[str, ...]:
    candidates: list[tuple[str, ...]] = []
    run = ""
    for atom, quantified in sequence:
        if len(atom) == 1 and _plain(atom) and not quantified:
            run += atom
            continue
        candidates.append((run,))
        run = ""
        body = _group_body(atom)
        if body is not None and not quantified:
            candidates.append(required_literals(body))
    candidates.append((run,))
    usable = [c for c in candidates if c and all(literal.strip() for literal in c)]
    return min(usable, key=_cost, default=())


def _cost(literals: tuple[str, ...]) -> tuple[bool, int, int]:
    """The cheaper test first: long enough to be rare, then fewer strings, then longer."""
    shortest = min(len(literal) for literal in literals)
    return shortest < MIN_GATE, len(literals), -shortest


def _plain(ch: str) -> bool:
    """A character that matches only itself."""
    return ch.isalnum() or ch in " '-"


def _group_body(atom: str) -> str | None:
    """What a group matches, for a plain, non-capturing or named group (None otherwise:
    lookarounds, flags, comments, back-references, or not a group)."""
    if not atom.startswith("("):
        return None
    body = atom[1:-1]
    if body.startswith("?:"):
        return body[2:]
    if body.startswith("?P<"):
        return body[body.index(">") + 1 :]
    return None if body.startswith("?") else body


def _atoms(source: str) -> Iterator[tuple[str, bool]]:
    """The top-level atoms of ``source`` (a character, an escape, a class, a group or a
    ``|``), each with whether a quantifier follows it."""
    i = 0
    while i < len(source):
        end = _atom_end(source, i)
        atom = source[i:end]
        quantified = source[end : end + 1] in _QUANTIFIERS
        if quantified:
            closing = source.find("}", end) if source[end] == "{" else end
            end = max(closing, end) + 1
            if source[end : end + 1] in ("?", "+"):  # lazy or possessive
                end += 1
        yield atom, quantified
        i = end


def _atom_end(source: str, start: int) -> int:
    ch = source[start]
    if ch == "\\":
        return start + 2
    if ch == "[":
        return _class_end(source, start) + 1
    if ch != "(":
        return start + 1
    depth = 0
    i = start
    while True:
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(source, i) + 1
            continue
        depth += (ch == "(") - (ch == ")")
        i += 1
        if depth == 0:
            return i


def _class_end(source: str, start: int) -> int:
    """The index of the "]" that closes the class opened at ``start``."""
    i = start + 1
    if source[i : i + 1] == "^":
        i += 1
    if source[i : i + 1] == "]":
        i += 1  # "]" first in a class is a member
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i


class GatedPattern:
    """A compiled pattern that is not run on a text lacking every string it needs.

    ``search`` and ``finditer`` give what the compiled pattern gives. Patterns with
    IGNORECASE, or whose strings are short, are always run.
    """

    __slots__ = ("literals", "pattern")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.pattern = re.compile(source, flags)
        literals = () if flags & re.IGNORECASE else required_literals(source)
        self.literals = literals if min(map(len, literals), default=0) >= MIN_GATE else ()

    def may_match(self, text: str) -> bool:
        """False only when no match can be in ``text``."""
        return not self.literals or any(map(text.__contains__, self.literals))

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern.search(text, pos, endpos) if self.may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.may_match(text) else iter(())
