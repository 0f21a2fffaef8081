"""The guard before the XML parser: prolog rebuilt in one pass, encodings, character refs."""

from __future__ import annotations

import time

import pytest

from durandwatch.errors import FeedParseError, HostileFeedError
from durandwatch.xmlguard import MAX_AUTHOR, encoding_problem, make_safe

RSS = b'<rss version="2.0"><channel><title>t</title></channel></rss>'


def test_a_document_that_is_only_a_doctype_has_no_root() -> None:
    # Removing the declaration used to leave a stale length behind: IndexError.
    for doc in (b"<!DOCTYPE rss>", b"<!DOCTYPE rss>\n", b"\xef\xbb\xbf<!DOCTYPE rss>"):
        with pytest.raises(FeedParseError, match="no root element"):
            make_safe(doc)


def test_prolog_cleaning_is_linear() -> None:
    # 400,000 declarations (5.6 MB): each removal used to copy the whole document.
    prolog = b"<!DOCTYPE rss>\n" * 400_000
    start = time.perf_counter()
    safe, _ = make_safe(b'<?xml version="1.0"?>\n' + prolog + b"<!-- c -->" * 1000 + RSS)
    elapsed = time.perf_counter() - start
    assert safe == b'<?xml version="1.0"?>\n' + RSS
    assert elapsed < 5, f"{elapsed:.1f} s for a 6 MB prolog"


def test_the_xml_declaration_is_rewritten_on_a_line_of_its_own() -> None:
    # feedparser sniffs the encoding with a pattern that backtracks cubically on a long
    # first line; after the guard its first line is the short declaration.
    doc = b"<?xml version='1.0' encoding='ISO-8859-1' standalone='yes' ?><?xml-stylesheet x?>"
    safe, transcoded = make_safe(doc + RSS + b' encoding="x"' * 2000)
    assert safe.split(b"\n", 1)[0] == b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    assert not transcoded


def test_a_later_xml_declaration_is_not_the_declaration() -> None:
    safe, _ = make_safe(b"<!-- c --><?xml version='1.0' encoding='utf\x00'?>" + RSS)
    assert safe == RSS


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        (b"utf\x00-8", "not an encoding name"),
        (b"utf\xff8", "not an encoding name"),
        (b"undefined", "not a character set"),
        (b"punycode", "not a character set"),
        (b"UTF-7", "not a character set"),
        (b"base64", "not a character set"),
    ],
)
def test_an_unusable_declared_encoding_is_refused_by_name(declared: bytes, problem: str) -> None:
    doc = b'<?xml version="1.0" encoding="' + declared + b'"?>' + RSS
    with pytest.raises(FeedParseError, match=problem) as info:
        make_safe(doc)
    assert ascii(declared.decode("latin-1")) in str(info.value)


def test_an_unknown_encoding_name_is_left_to_the_decoders() -> None:
    assert encoding_problem("x-mac-unknown") is None
    assert encoding_problem("windows-1256") is None
    assert encoding_problem("utf-8") is None


@pytest.mark.parametrize(
    "ref",
    [b"&#xD800;", b"&#55296;", b"&#x110000;", b"&#1114112;", b"&#12345678901234567890;"],
)
def test_character_references_to_no_character_become_replacement_characters(ref: bytes) -> None:
    safe, _ = make_safe(b"<rss><channel><title>a " + ref + b" b</title></channel></rss>")
    assert b"a &#xFFFD; b" in safe


@pytest.mark.parametrize("ref", [b"&#x41;", b"&#65;", b"&#x10FFFF;", b"&#x0000000000041;"])
def test_valid_character_references_are_kept(ref: bytes) -> None:
    safe, _ = make_safe(b"<rss><channel><title>" + ref + b"</title></channel></rss>")
    assert ref in safe


def test_entities_are_refused_even_after_a_long_prolog() -> None:
    doc = b"<!-- x -->" * 10_000 + b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + RSS
    with pytest.raises(HostileFeedError):
        make_safe(doc)


def test_utf16_is_transcoded_and_declared_utf8() -> None:
    doc = ('<?xml version="1.0" encoding="UTF-16"?>' + RSS.decode()).encode("utf-16")
    safe, transcoded = make_safe(doc)
    assert transcoded
    assert safe.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<rss')


def test_author_fields_are_cut_before_feedparser_searches_them() -> None:
    # feedparser looks for an e-mail address in author fields with a pattern that takes
    # time in the square of the field: 150 KB of letters in dc:creator took minutes.
    huge = b"https://x.example/" + b"a" * 150_000
    doc = (
        b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        b"<item><dc:creator>" + huge + b"</dc:creator><author><![CDATA[" + huge + b"]]>"
        b"</author><managingEditor>ed@x.example (Ed)</managingEditor></item></channel></rss>"
    )
    safe, _ = make_safe(doc)
    assert b"<dc:creator>" + huge[:MAX_AUTHOR] + b"</dc:creator>" in safe
    assert b"<author><![CDATA[" + huge[:MAX_AUTHOR] + b"]]></author>" in safe
    assert b"<managingEditor>ed@x.example (Ed)</managingEditor>" in safe


def test_an_author_is_never_cut_inside_a_character_or_a_reference() -> None:
    name = "\u0645\u062d\u0645\u062f ".encode() * 100 + b"&amp;" * 100
    for shift in range(4):
        doc = (
            b"<rss><channel><item><author>"
            + b"x" * shift
            + name
            + b"</author></item></channel></rss>"
        )
        safe, _ = make_safe(doc)
        kept = safe.split(b"<author>")[1].split(b"</author>")[0]
        assert len(kept) <= MAX_AUTHOR
        kept.decode("utf-8")  # whole characters only
        assert not kept.endswith((b"&", b"&a", b"&am", b"&amp"))


def test_cutting_authors_is_linear() -> None:
    doc = b"<rss>" + b"<author><![CDATA[" * 200_000 + b"x" * 1000 + b"</rss>"
    start = time.perf_counter()
    make_safe(doc)
    assert time.perf_counter() - start < 3
