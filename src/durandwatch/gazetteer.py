"""The gazetteer: every place name the geocoder knows, and a fast matcher over text.

A :class:`Gazetteer` holds the places (admin units, towns, crossings, localities, and
words that only give context), the names that point at them, the country and admin
polygons, and the canonical names of admin units. Names are matched with an
Aho-Corasick automaton over folded text (see :mod:`durandwatch.textnorm`) with word
boundaries, leftmost-longest.

It is built from the tables in ``geo/`` and whatever geodata is present by
:func:`durandwatch.gazetteer_build.build_gazetteer` (importable from here too).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .admin_names import AdminNames
from .boundaries import Boundaries
from .matcher import PhraseMatcher
from .region import Region

if TYPE_CHECKING:
    from .gazetteer_build import build_gazetteer as build_gazetteer

#: ACLED geo-precision by kind of place: 1 town or nearer, 2 district, 3 province.
PRECISION = {
    "crossing": 1,
    "pass": 1,
    "town": 1,
    "village": 1,
    "locality": 2,
    "district": 2,
    "crosswalk": 2,
    "province": 3,
    "region": 3,
}
CONTEXT_KINDS = frozenset({"country", "ignore"})


@dataclass(frozen=True, slots=True)
class Place:
    """A place the geocoder can return, resolved to its admin units."""

    id: str
    name: str
    kind: str
    country: str
    admin1: str | None
    admin2: str | None
    lat: float | None
    lon: float | None
    precision: int
    admin1_code: str | None = None
    population: int = 0
    source: str = ""
    distance_km: float | None = None
    side: str | None = None
    in_aoi: bool = False


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found in a text: ``text[start:end]``, and every place it may mean."""

    start: int
    end: int
    text: str
    places: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GeoSources:
    """What the gazetteer was built from; ``durandwatch geo status`` prints it."""

    towns: str
    polygons: tuple[str, ...]
    fallbacks: tuple[str, ...]
    attributions: tuple[str, ...]


class Gazetteer:
    """Places and their names, with :meth:`find` to scan a text for mentions."""

    def __init__(
        self,
        places: list[Place],
        names: dict[str, list[int]],
        case_sensitive: dict[str, set[str]],
        boundaries: Boundaries,
        region: Region,
        sources: GeoSources,
        admin_names: AdminNames,
        any_case: set[str],
    ) -> None:
        self.places = places
        self._admin_names = admin_names
        self.region = region
        self.boundaries = boundaries
        self.sources = sources
        self._keys = list(names)
        self._places_by_key = [tuple(names[k]) for k in self._keys]
        self._any_case = any_case
        self._matcher: PhraseMatcher[tuple[int, ...]] = PhraseMatcher.from_keys(
            dict(zip(self._keys, self._places_by_key, strict=True)),
            case_sensitive,
        )
        self._by_unit: dict[tuple[str, str, str | None], int] = {}
        for index, place in enumerate(places):
            if place.kind in ("province", "district"):
                unit = place.admin1 if place.kind == "province" else place.admin2
                self._by_unit.setdefault((place.kind, place.country, unit), index)

    def __len__(self) -> int:
        return len(self.places)

    def canonical_admin1(self, country: str, name: str | None) -> str | None:
        """Today's province name for any spelling ("Paktya province", "FATA" -> KP)."""
        return self._admin_names.canon_admin1(country, name)

    def canonical_admin2(self, country: str, name: str | None) -> str | None:
        """Today's district name for any spelling ("North Waziristan agency", "FR Kohat")."""
        hit = self._admin_names.canon_admin2(country, name)
        return hit[0] if hit else None

    def holds(self, country: str, admin2: str, other: str | None) -> bool:
        """Whether district ``admin2`` is ``other`` or holds it (South Waziristan holds
        Lower South Waziristan; the 2019 Qilla Abdullah polygon's unit holds Chaman)."""
        return other is not None and other in self._admin_names.units_in(country, admin2)

    def names_of(self, place: Place) -> list[str]:
        """Every folded name key that points at ``place``."""
        index = self.places.index(place)
        return [k for k, v in zip(self._keys, self._places_by_key, strict=True) if index in v]

    def unit(self, kind: str, country: str, name: str | None) -> Place | None:
        """The province or district place with this canonical name (the first, for an
        Afghan district name used in two provinces)."""
        index = self._by_unit.get((kind, country, name))
        return None if index is None else self.places[index]

    def find(self, text: str) -> list[Mention]:
        """Every name in ``text`` with word boundaries, leftmost-longest, no overlaps.

        In mixed-case text a name must carry a capital ("tank" is not Tank district),
        except descriptive phrases ("tribal areas").
        """
        mixed_case = _is_mixed_case(text)

        def accept(key: str, original: str) -> bool:
            return not mixed_case or key in self._any_case or _capitalised(original)

        return [
            Mention(m.start, m.end, m.text, m.value)
            for m in self._matcher.find(text, accept=accept)
        ]


def _capitalised(span: str) -> bool:
    """In mixed-case text a name has a capital somewhere ("north Waziristan" passes)."""
    return any(word[:1].isupper() or not word[:1].isascii() for word in span.split())


_UPPER = string.ascii_uppercase.encode()
_LOWER = string.ascii_lowercase.encode()


def _is_mixed_case(text: str) -> bool:
    """Whether some, but under 60 %, of the ASCII letters are capitals."""
    ascii_only = text.encode("ascii", "ignore")
    # Counted by deleting them (bytes.translate: one pass in C, no list of matches).
    upper = len(ascii_only) - len(ascii_only.translate(None, _UPPER))
    lower = len(ascii_only) - len(ascii_only.translate(None, _LOWER))
    return 0 < upper < (upper + lower) * 0.6


def log_scale(population: int) -> float:
    """Population as a small score: 0 for none, about 1 for a city of a million."""
    return min(1.0, math.log10(population + 1) / 6.0) if population > 0 else 0.0


def __getattr__(name: str) -> Any:
    # ``from durandwatch.gazetteer import build_gazetteer`` keeps working; the build lives
    # in its own module, which imports this one (so it cannot be imported at the top).
    if name == "build_gazetteer":
        from .gazetteer_build import build_gazetteer

        return build_gazetteer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
