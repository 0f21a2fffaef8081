"""The word lists and their first test: a list is skipped only when it cannot match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.extract.literals import required_literals
from durandwatch.extract.words import LISTS, _raw


@pytest.mark.parametrize(
    ("fragment", "literals"),
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
        ("ab|cd", ()),  # alternatives of its own: nothing is required
        ("(abc|def)+", ()),
        ("(?:us|nato) (?:strike|raid)", ("strike", "raid")),  # the most selective
        ("(?:a|b)+ (?:c|d)?", ()),  # a space alone tells nothing
    ],
)
def test_required_literals(fragment: str, literals: tuple[str, ...]) -> None:
    assert required_literals(fragment) == literals


# Words of the lists, so that generated texts hit them often.
_VOCABULARY = sorted(
    {
        word
        for table in _raw().values()
        for fragment in table.get("words", ())
        for word in re.findall(r"[a-z']+", fragment)
    }
)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_VOCABULARY) | st.text("abcdefst -", max_size=6), max_size=12))
def test_a_list_matches_exactly_when_its_pattern_does(parts: list[str]) -> None:
    low = " ".join(parts)
    words = LISTS.read(low)
    for word_list in LISTS.lists.values():
        assert words.has(word_list) == (word_list.pattern.search(low) is not None)
