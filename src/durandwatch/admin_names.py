"""Names of provinces and districts: any spelling to today's unit, and back to its parts.

:class:`AdminNames` answers "which unit is this?" for a province or district written any
way a source or a report writes it ("Paktya province", "North Waziristan Agency",
"Qilla Abdullah", "Khost(Matun)"). It is filled from the tables in ``geo/`` when the
gazetteer is built (``admin.csv``, ``aliases.csv``, ``polygons.csv``,
``districts-af.csv``) and only read afterwards.

It also knows which of today's units a polygon of an older boundary set holds
(``parts``): the geoBoundaries Pakistan districts (boundary year 2019) have one "Qilla
Abdullah" where Killa Abdullah and Chaman are today, one South Waziristan where Upper and
Lower South Waziristan are, one Chitral for Upper and Lower Chitral.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .textnorm import fold_name

_SUFFIXES = re.compile(
    r"\s+(province|district|agency|tribal district|tribal agency|division|tehsil|wilayat|"
    r"woluswali|uluswali)$"
)
_PAREN = re.compile(r"\s*\((.*?)\)\s*")
_PAREN_SPACING = re.compile(r"\s*\(\s*(.*?)\s*\)")


def strip_accents(text: str) -> str:
    """``Mūsá Khēl`` -> ``Musa Khel`` (case kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean_name(name: str) -> str:
    """A source's unit name tidied, not respelt: ``Zanda  Jan\\n`` -> ``Zanda Jan``,
    ``Khost(Matun)`` -> ``Khost (Matun)``."""
    return _PAREN_SPACING.sub(r" (\1)", " ".join(name.split())).strip()


def bracketed(name: str) -> list[str]:
    """The names a unit carries in brackets: ``Ali Khail (Jaji)`` -> ``["Jaji"]``."""
    return [part.strip() for part in _PAREN.findall(name) if len(part.strip()) >= 4]


def without_brackets(name: str) -> str:
    """``Ali Khail (Jaji)`` -> ``Ali Khail``."""
    return " ".join(_PAREN.sub(" ", name).split())


_KHAIL = re.compile(r"\b(khail|khel)\b")
_ZAYI = re.compile(r"\b(\w+?) ?zayi\b")


def spelling_variants(name: str) -> set[str]:
    """Transliteration variants of an Afghan unit name, as folded keys.

    The spellings news and UN lists use for the same Dari/Pashto name, by rule:
    ``Khail``/``Khel`` (Yahya Khail, Yahya Khel); the ezafe written apart or joined
    (``Nahri Sarraj``, ``Nahr-e Saraj``, ``Nahr-i-Saraj``; ``Dara-I-Nur``,
    ``Dara-e-Nur``); ``Zayi``/``Zai`` written apart or joined (``Tere Zayi``,
    ``Terezai``). Names that only these rules connect are the same name.
    """
    base = fold_name(without_brackets(name))
    out = {base}
    out |= {_KHAIL.sub(w, key) for key in list(out) for w in ("khail", "khel")}
    out |= {_ZAYI.sub(r"\1zai", key) for key in list(out)} | {
        _ZAYI.sub(r"\1 zai", key) for key in list(out)
    }
    for key in list(out):
        words = key.split()
        for n, word in enumerate(words[:-1]):
            if word in ("i", "e") and n > 0:
                for ezafe in ("i", "e"):
                    out.add(" ".join([*words[:n], ezafe, *words[n + 1 :]]))
                out.add(" ".join([*words[: n - 1], words[n - 1] + "i", *words[n + 1 :]]))
            elif len(word) > 3 and word.endswith("i"):
                for ezafe in ("i", "e"):
                    out.add(" ".join([*words[:n], word[:-1], ezafe, *words[n + 1 :]]))
    return {key for key in out if key}


class AdminNames:
    """Canonical admin names from any spelling, and the parts of older units."""

    def __init__(self) -> None:
        self.admin1: dict[tuple[str, str], str] = {}
        self.admin2: dict[tuple[str, str], tuple[str, str | None]] = {}
        self.codes: dict[tuple[str, str], str] = {}
        self.parts: dict[tuple[str, str], frozenset[str]] = {}
        self.polygons: dict[tuple[str, str], str] = {}
        self.seats: dict[tuple[str, str], str] = {}

    def add_polygon(self, country: str, polygon: str, admin2: str, contains: Iterable[str]) -> None:
        """A polygon name of a boundary set and today's unit it stands for (polygons.csv)."""
        self.polygons[(country, clean_name(polygon))] = admin2
        parts = frozenset(contains)
        if parts:
            self.parts[(country, admin2)] = self.parts.get((country, admin2), frozenset()) | parts

    def polygon_unit(self, country: str, polygon: str) -> str:
        """Today's district for a polygon's own name: from polygons.csv, else the name tidied.

        No fuzzy lookup here: two Afghan polygons may share a key ("Tagab" in Kapisa,
        "Tagab (Kishmi Bala)" in Badakhshan) and must keep their own names.
        """
        name = clean_name(polygon)
        return self.polygons.get((country, name), name)

    @staticmethod
    def key(name: str) -> str:
        """The lookup key of a unit name: folded, brackets and "district" etc. dropped."""
        folded = fold_name(_PAREN.sub(" ", name))
        return _SUFFIXES.sub("", folded)

    def add_admin1(self, country: str, name: str, canonical: str) -> None:
        self.admin1.setdefault((country, self.key(name)), canonical)

    def add_admin2(self, country: str, name: str, canonical: str, admin1: str | None) -> None:
        self.admin2.setdefault((country, self.key(name)), (canonical, admin1))

    def knows_admin1(self, country: str, name: str) -> bool:
        return (country, self.key(name)) in self.admin1

    def canon_admin1(self, country: str, name: str | None) -> str | None:
        """Today's province for any spelling; an unknown name comes back tidied."""
        if not name:
            return None
        return self.admin1.get((country, self.key(name))) or strip_accents(name).strip()

    def canon_admin2(self, country: str, name: str | None) -> tuple[str, str | None] | None:
        """Today's district (and its province when known) for any spelling."""
        if not name:
            return None
        hit = self.admin2.get((country, self.key(name)))
        if hit:
            return hit
        clean = strip_accents(_SUFFIXES.sub("", clean_name(name)))
        clean = re.sub(r"\s+(District|Agency|Province)$", "", clean)
        return clean, None

    def seat_of(self, country: str, town: str) -> str | None:
        """The district whose seat a town is (admin.csv), or None."""
        return self.seats.get((country, fold_name(town)))

    def units_in(self, country: str, admin2: str) -> frozenset[str]:
        """Today's districts inside the unit a polygon set calls ``admin2`` (itself included)."""
        return self.parts.get((country, admin2), frozenset()) | {admin2}
