"""Plain text from feed HTML: what a reader sees, in time linear in the fragment."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.textutil import html_to_text


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        (
            "<p>Two <b>killed</b> in Bajaur</p><p>Police said</p>",
            "Two killed in Bajaur Police said",
        ),
        ("a<br/>b", "a b"),
        ("x <script>var s = '<b>';</script> y", "x y"),
        ("<SCRIPT>x</Script >y", "y"),
        ("<noscript><p>x</p></noscript>z", "z"),
        ("a <!-- hidden --> b", "a b"),
        ("<a title='x > y'>t</a>", "t"),
        ("<a title=don't>t</a> it's", "t it's"),
        ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
        ("<b>&amp;</b>&lt;&#x41;&#xD800;", "&<A\ufffd"),
        ("a</ b>c", "ac"),
        ("<![CDATA[x]]>y<!DOCTYPE html><?pi?>", "y"),
    ],
)
def test_visible_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


@pytest.mark.parametrize("fragment", ["<![<![<![ x", "<!-- never closed <p>x", "<a href='x"])
def test_unterminated_markup_hides_the_rest_and_never_raises(fragment: str) -> None:
    # html.parser raised AssertionError on '<![<![' and showed '<a href=' as text.
    assert html_to_text(fragment) == ""


@pytest.mark.parametrize("piece", ["<!--", "</", "<![", "<a b='", '<a b="x" ', "&#", "<a<"])
def test_time_is_linear_in_the_fragment(piece: str) -> None:
    # html.parser took 7 s on 20,000 '<!--' and minutes on a few hundred kilobytes.
    fragment = piece * 200_000
    start = time.perf_counter()
    html_to_text(fragment)
    elapsed = time.perf_counter() - start
    assert elapsed < 3, f"{elapsed:.1f} s for {len(fragment):,} characters of {piece!r}"


def test_the_limit_applies_to_the_text() -> None:
    text = html_to_text("<p>" + "word " * 10_000 + "</p>", limit=100)
    assert len(text) == 100
    assert text.startswith("word word")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/!-?[]'\"=& abpscript#x;")), max_size=200))
def test_markup_soup_never_raises_and_shows_no_tags(fragment: str) -> None:
    text = html_to_text(fragment)
    assert "<p>" not in text
    assert "<script" not in text.lower()
