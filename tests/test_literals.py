"""The strings a pattern needs, and patterns skipped only where they cannot match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.extract import casualties, dates, direction
from durandwatch.extract.literals import GatedPattern, required_literals


@pytest.mark.parametrize(
    ("source", "literals"),
    [
        ("suicide\\w*", ("suicide",)),
        ("air ?strikes?", ("strike",)),  # the space and the last "s" are optional
        ("(?:fighter )?jets", ("jets",)),
        ("cross[- ]border (?:fire|firing)", ("border ",)),
        ("(?:weapons|arms) (?:were )?(?:recovered|seized)", ("recovered", "seized")),
        ("dead(?! level)", ("dead",)),
        ("a[\\]x]yz", ("yz",)),  # an escaped "]" does not close the class
        ("ab{1,2}?cd", ("cd",)),
        ("x\\(abcd\\)", ("abcd",)),
        ("(?i:abcdef)x", ("x",)),  # a group with flags is not read
        ("ab|cd", ("ab", "cd")),
        ("\\b(?P<side>pakistan|pak|afghan)\\s+forces", ("forces",)),
        ("(?:pakistan|pak) (?:said|told)", ("pak",)),  # "pakistan" holds "pak"
        ("(abc|def)+", ()),  # a quantified group is not read (even with "+")
        ("ab|\\d+", ()),  # one alternative needs nothing
        ("(?:a|b)+ (?:c|d)?", ()),  # a space alone tells nothing
    ],
)
def test_required_literals(source: str, literals: tuple[str, ...]) -> None:
    assert required_literals(source) == literals


def test_ignorecase_and_short_strings_are_always_scanned() -> None:
    assert GatedPattern("headlines", re.IGNORECASE).literals == ()
    assert GatedPattern("\\b(?:on|at)\\b").literals == ()
    assert GatedPattern("\\bborder (?:post|forces)").literals == ("border ",)


_GATED = [
    p
    for module in (casualties, dates, direction)
    for p in vars(module).values()
    if isinstance(p, GatedPattern) and p.literals
]
# Words of the gated patterns, so that generated texts hit them often.
_VOCABULARY = sorted({w for p in _GATED for w in re.findall(r"[a-z']+", p.pattern.pattern)})


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_VOCABULARY) | st.text("abdeinst -.", max_size=6), max_size=14))
def test_a_gated_pattern_finds_what_its_pattern_finds(parts: list[str]) -> None:
    text = " ".join(parts)
    for gated in _GATED:
        want = [m.span() for m in gated.pattern.finditer(text)]
        assert [m.span() for m in gated.finditer(text)] == want
        found = gated.search(text)
        assert (found.span() if found else None) == (want[0] if want else None)
