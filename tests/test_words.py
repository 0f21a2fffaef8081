"""The word lists: a list is scanned only when it can match, and matches as its pattern."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.extract.words import LISTS, _raw

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
