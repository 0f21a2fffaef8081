"""What every match of a regular-expression fragment must contain, read from its top level.

A pattern scan tries every position of a text; a plain substring test is far cheaper.
When every match of a fragment contains one of a few strings, a text holding none of them
cannot match, and need not be scanned. Only the fragment's top level is read (what is
inside a group, a class or an escape is not), so the answer is safe, not complete.
"""

from __future__ import annotations

from collections.abc import Iterator

_QUANTIFIERS = ("?", "*", "+", "{")


def required_literals(fragment: str) -> tuple[str, ...]:
    """Strings one of which every match of ``fragment`` contains; () when none is known.

    The candidates are the runs of plain characters ("strike" in ``air ?strikes?``: the
    "s" is optional) and the groups of plain alternatives (``(?:border|crossing|gate)``)
    that no quantifier makes optional; the most selective one (longest shortest string)
    is returned. A fragment with a ``|`` of its own at the top level gives ().
    """
    candidates: list[tuple[str, ...]] = []
    run = ""
    for atom, quantified in _atoms(fragment):
        if atom == "|":
            return ()
        if _plain(atom) and len(atom) == 1 and not quantified:
            run += atom
            continue
        candidates.append((run,))
        run = ""
        if atom.startswith("(") and not quantified:
            choices = tuple(atom[1:-1].removeprefix("?:").split("|"))
            if all(choice and _plain(choice) for choice in choices):
                candidates.append(choices)
    candidates.append((run,))
    best = max(candidates, key=lambda choices: min(len(c.strip()) for c in choices))
    return best if all(c.strip() for c in best) else ()


def _plain(text: str) -> bool:
    """Characters that match only themselves."""
    return all(ch.isalnum() or ch in " '-" for ch in text)


def _atoms(fragment: str) -> Iterator[tuple[str, bool]]:
    """The top-level atoms of ``fragment`` (a character, an escape, a class or a group),
    each with whether a quantifier follows it."""
    i = 0
    while i < len(fragment):
        end = _atom_end(fragment, i)
        atom = fragment[i:end]
        quantified = fragment[end : end + 1] in _QUANTIFIERS
        if quantified:
            closing = fragment.find("}", end) if fragment[end] == "{" else end
            end = max(closing, end) + 1
            if fragment[end : end + 1] in ("?", "+"):  # lazy or possessive
                end += 1
        yield atom, quantified
        i = end


def _atom_end(fragment: str, start: int) -> int:
    ch = fragment[start]
    if ch == "\\":
        return start + 2
    if ch == "[":
        return _class_end(fragment, start) + 1
    if ch != "(":
        return start + 1
    depth = 0
    i = start
    while True:
        ch = fragment[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(fragment, i) + 1
            continue
        depth += (ch == "(") - (ch == ")")
        i += 1
        if depth == 0:
            return i


def _class_end(fragment: str, start: int) -> int:
    """The index of the "]" that closes the class opened at ``start``."""
    i = start + 1
    if fragment[i : i + 1] == "^":
        i += 1
    if fragment[i : i + 1] == "]":
        i += 1  # "]" first in a class is a member
    while fragment[i] != "]":
        i += 2 if fragment[i] == "\\" else 1
    return i
