"""Building the gazetteer from the tables in ``geo/`` and whatever geodata is present.

Sources, each optional except the shipped tables:

* ``geo/admin.csv``: provinces of both countries and the districts of Khyber Pakhtunkhwa
  and Balochistan, with codes and seats (hand-written, facts);
* ``geo/aliases.csv``: spelling variants, Pashto/Dari/Urdu names, the FATA agency and
  Frontier Region crosswalk, localities known by district, sourced border crossings
  and towns, country words and phrases that are not places;
* ``geo/polygons.csv``: the polygons' names as today's units (the 2019 Pakistani set has
  one "Qilla Abdullah" for Killa Abdullah and Chaman, one South Waziristan, one Chitral);
* ``geo/districts-af.csv``: Afghan district spellings and Dari/Pashto names;
* provinces and districts (:mod:`durandwatch.admin_polygons`): the pack's geoBoundaries
  files, else the embedded simplified layer; every district becomes a place;
* towns (:mod:`durandwatch.towns`): GeoNames, embedded or from the pack;
* Natural Earth outlines for the side of the border and the distance to the Durand Line.

:func:`build_gazetteer` runs the steps below it, in the order they appear; each adds to
one :class:`_Build` (the places being made and the admin units among them).
"""

from __future__ import annotations

import csv
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from .admin_names import (
    AdminNames,
    bracketed,
    clean_name,
    spelling_variants,
    strip_accents,
    without_brackets,
)
from .admin_polygons import AdminPolygons, load_admin_polygons
from .boundaries import (
    NATURAL_EARTH_ATTRIBUTION,
    Boundaries,
    PolygonSet,
    durand_line,
    haversine_km,
    load_countries,
)
from .gazetteer import PRECISION, Gazetteer, GeoSources, Place
from .region import Region
from .textnorm import fold, fold_name
from .towns import STOPWORDS, Town, load_towns

log = logging.getLogger(__name__)

Row = dict[str, str]
_POINT_KINDS = frozenset({"town", "village", "crossing", "pass"})


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
    seat: str | None = None  # an admin unit's seat, for its point when it has no polygon


@dataclass(frozen=True, slots=True)
class _Tables:
    admin: list[Row]
    aliases: list[Row]
    polygons: list[Row]
    districts_af: list[Row]


class _Build:
    """The places being made, and the provinces and districts among them by name."""

    def __init__(self, names: AdminNames) -> None:
        self.names = names
        self.drafts: list[_Draft] = []
        self.towns: list[_Draft] = []
        self._provinces: dict[tuple[str, str], _Draft] = {}
        self._districts: dict[tuple[str, str], list[_Draft]] = defaultdict(list)

    def add(self, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        if draft.kind == "province":
            self._provinces.setdefault((draft.country, draft.name), draft)
        elif draft.kind == "district":
            self._districts[(draft.country, draft.name)].append(draft)
        return draft

    def province(self, country: str, name: str | None) -> _Draft | None:
        return self._provinces.get((country, name or ""))

    def district(self, country: str, name: str, admin1: str | None = None) -> _Draft | None:
        """The district of this name (in ``admin1`` when two provinces have one)."""
        same = self._districts.get((country, name), [])
        return next((d for d in same if d.admin1 == admin1), same[0] if same else None)

    def polygon_district(self, country: str, name: str, admin1: str) -> _Draft | None:
        """The district a polygon stands for: same name and province, else same name and
        not yet placed (two Afghan polygons of one name are two districts)."""
        same = self._districts.get((country, name), [])
        exact = next((d for d in same if d.admin1 == admin1), None)
        return exact or next((d for d in same if d.lat is None), None)

    def districts(self) -> Iterable[_Draft]:
        for drafts in self._districts.values():
            yield from drafts

    def units(self) -> Iterable[_Draft]:
        yield from self._provinces.values()
        yield from self.districts()


def build_gazetteer(
    region: Region, *, pack: Path | None = None, layer: Path | None = None
) -> Gazetteer:
    """Build the gazetteer from the shipped tables plus whatever geodata is present.

    ``pack``: the folder of the full geodata pack (``geo fetch``), if any; ``layer``: an
    embedded district layer other than the shipped one (tests).
    """
    tables = _read_tables(region.folder)
    build = _Build(_admin_names(tables))
    _admin_units(build, tables.admin)
    polygons = load_admin_polygons(pack, build.names, layer=layer)
    boundaries = _boundaries(region, polygons, build.names)
    _polygon_districts(build, polygons.admin2)
    _province_points(build, polygons.admin1)
    _afghan_district_names(build, tables.districts_af)
    towns, town_source = load_towns(pack)
    _towns(build, towns, town_source, afghan_polygons=_has_country(polygons.admin2, "AF"))
    for row in tables.aliases:
        _apply_alias(build, row, boundaries)
    build.drafts = _merge_duplicates(build.drafts)
    _seat_points(build)
    _locality_points(build)
    places, index, exact, any_case = _finalise(build.drafts, boundaries, build.names, region)
    sources = _sources(polygons, town_source)
    log.info(
        "gazetteer: %d places, %d names; towns from %s; polygons: %s",
        len(places),
        len(index),
        town_source,
        ", ".join(sources.polygons) or "none",
    )
    return Gazetteer(places, index, exact, boundaries, region, sources, build.names, any_case)


def _read_tables(folder: Path) -> _Tables:
    def read(name: str, *, optional: bool = False) -> list[Row]:
        path = folder / name
        if optional and not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(handle)]

    return _Tables(
        admin=read("admin.csv"),
        aliases=read("aliases.csv"),
        polygons=read("polygons.csv", optional=True),
        districts_af=read("districts-af.csv", optional=True),
    )


def _admin_names(tables: _Tables) -> AdminNames:
    """Every spelling of every unit the tables name, to today's unit."""
    names = AdminNames()
    _names_from_admin(names, tables.admin)
    _names_from_aliases(names, tables.aliases)
    _names_from_polygons(names, tables.polygons)
    _names_from_afghan_districts(names, tables.districts_af)
    return names


def _names_from_admin(names: AdminNames, rows: Sequence[Row]) -> None:
    for row in rows:
        country, name = row["country"], row["name"]
        if row["level"] == "1":
            names.add_admin1(country, name, name)
            if row["code"]:
                names.codes[(country, name)] = row["code"]
                names.add_admin1(country, row["code"], name)
            continue
        names.add_admin2(country, name, name, row["parent"])
        if row["seat"]:
            names.seats[(country, fold_name(row["seat"]))] = name


def _names_from_aliases(names: AdminNames, rows: Sequence[Row]) -> None:
    for row in rows:
        kind, country = row["kind"], row["country"]
        for variant in [row["name"], *_variants(row)]:
            if kind in ("province", "region"):
                names.add_admin1(country, variant, row["name"])
            elif kind in ("district", "crosswalk") and not row["lat"]:
                names.add_admin2(
                    country, variant, row["admin2"] or row["name"], row["admin1"] or None
                )


def _names_from_polygons(names: AdminNames, rows: Sequence[Row]) -> None:
    for row in rows:
        contains = [v.strip() for v in row["contains"].split(";") if v.strip()]
        names.add_polygon(row["country"], row["polygon"], row["admin2"], contains)
        names.add_admin2(row["country"], row["polygon"], row["admin2"], row["admin1"])


def _names_from_afghan_districts(names: AdminNames, rows: Sequence[Row]) -> None:
    for row in rows:
        district = clean_name(row["district"])
        for variant in [district, *_variants(row)]:
            for key in {variant, *spelling_variants(variant)}:
                names.add_admin2("AF", key, district, row["province"])


def _variants(row: Row) -> list[str]:
    return [v.strip() for v in row["variants"].split(";") if v.strip()]


def _admin_units(build: _Build, rows: Sequence[Row]) -> None:
    """Provinces of both countries and the KP/Balochistan districts of admin.csv."""
    for row in rows:
        level1 = row["level"] == "1"
        draft = _Draft(
            name=row["name"],
            kind="province" if level1 else "district",
            country=row["country"],
            admin1=row["name"] if level1 else row["parent"],
            admin2=None if level1 else row["name"],
            source="geo/admin.csv",
            seat=row["seat"] or None,
        )
        draft.names.add(row["name"])
        build.add(draft)


def _boundaries(region: Region, polygons: AdminPolygons, names: AdminNames) -> Boundaries:
    countries = load_countries()
    return Boundaries(
        countries,
        durand_line(countries),
        metric_crs=region.metric_crs,
        admin1=polygons.admin1,
        admin2=polygons.admin2,
        parts=names.parts,
    )


def _polygon_districts(build: _Build, admin2: PolygonSet | None) -> None:
    """Every district polygon becomes a place (398 Afghan, 126 Pakistani units)."""
    if admin2 is None:
        return
    points = shapely.point_on_surface(np.asarray(admin2.geoms, dtype=object))
    for (country, admin1, name), point in zip(admin2.labels, points, strict=True):
        draft = build.polygon_district(country, name, admin1)
        if draft is None:
            draft = build.add(
                _Draft(name, "district", country, admin1, name, source="geoBoundaries ADM2")
            )
        draft.admin1 = admin1
        draft.lat, draft.lon = float(point.y), float(point.x)
        _unit_names(build.names, draft, country, admin1, name)


def _unit_names(names: AdminNames, draft: _Draft, country: str, admin1: str, name: str) -> None:
    """A polygon district's names: its own, the one in brackets, and (Afghan) spellings."""
    own = {name, without_brackets(name), *bracketed(name)}
    if country == "AF":
        own |= spelling_variants(name)
    for value in own:
        draft.names.add(value)
        names.add_admin2(country, value, name, admin1)


def _province_points(build: _Build, admin1: PolygonSet | None) -> None:
    """A province's point is a point inside its polygon."""
    if admin1 is None:
        return
    points = shapely.point_on_surface(np.asarray(admin1.geoms, dtype=object))
    for labels, point in zip(admin1.labels, points, strict=True):
        province = build.province(labels[0], labels[1])
        if province is not None:
            province.lat, province.lon = float(point.y), float(point.x)


def _afghan_district_names(build: _Build, rows: Sequence[Row]) -> None:
    """Spellings and Dari/Pashto names of Afghan districts (geo/districts-af.csv)."""
    for row in rows:
        draft = build.district("AF", clean_name(row["district"]), row["province"])
        if draft is None:
            continue  # no Afghan polygons: the district is not a place of its own
        for variant in _variants(row):
            _add_names(draft, [variant])
            draft.names |= spelling_variants(variant) if variant.isascii() else set()


def _towns(build: _Build, towns: Sequence[Town], source: str, *, afghan_polygons: bool) -> None:
    """Towns with their admin fields as today's units (polygons correct them later)."""
    for town in towns:
        key = fold_name(str(town["name"]))
        if len(key) < 4 or key in STOPWORDS:
            continue
        admin2 = build.names.canon_admin2(town["country"], town.get("admin2"))
        draft = _Draft(
            name=strip_accents(town["name"]),
            kind="town",
            country=town["country"],
            admin1=build.names.canon_admin1(town["country"], town.get("admin1")),
            admin2=admin2[0] if admin2 else None,
            lat=town["lat"],
            lon=town["lon"],
            population=int(town.get("population") or 0),
            source=source,
        )
        draft.names.add(town["name"])
        draft.names |= {
            alt
            for alt in town.get("alternates", ())
            if len(fold_name(alt)) >= 4 and fold_name(alt) not in STOPWORDS
        }
        build.towns.append(draft)
        if draft.admin2 and draft.country == "AF" and not afghan_polygons:
            _town_district(build, draft, source)
    build.drafts.extend(build.towns)


def _town_district(build: _Build, town: _Draft, source: str) -> None:
    """Without Afghan polygons, a town's district field makes a district place."""
    name = town.admin2 or ""
    if name and build.district(town.country, name) is None:
        unit = _Draft(name, "district", town.country, town.admin1, name, source=f"{source} admin2")
        unit.names.add(name)
        build.add(unit)


def _apply_alias(build: _Build, row: Row, boundaries: Boundaries) -> None:
    """One row of aliases.csv: variants of a unit, the crosswalk, a place, or context."""
    kind = row["kind"]
    if kind in ("country", "ignore"):
        _context_row(build, row)
    elif kind in ("province", "region"):
        _province_row(build, row)
    elif kind in ("district", "crosswalk") and not row["lat"]:
        _district_row(build, row)
    elif kind == "locality":
        _locality_row(build, row)
    else:
        _curated_place_row(build, row, boundaries)


def _context_row(build: _Build, row: Row) -> None:
    draft = _Draft(
        name=row["name"], kind=row["kind"], country=row["country"], source="geo/aliases.csv"
    )
    _add_names(draft, [row["name"], *_variants(row)])
    build.drafts.append(draft)


def _province_row(build: _Build, row: Row) -> None:
    unit = build.province(row["country"], row["name"])
    if unit is None:
        return
    variants = _variants(row)
    if row["kind"] == "province":
        _add_names(unit, [row["name"], *variants])
        return
    draft = _Draft(
        name=variants[0] if variants else row["name"],
        kind="region",
        country=row["country"],
        admin1=row["name"],
        source="geo/aliases.csv",
        any_case=True,
    )
    _add_names(draft, variants)
    build.drafts.append(draft)


def _district_row(build: _Build, row: Row) -> None:
    country = row["country"]
    hit = build.names.canon_admin2(country, row["admin2"] or row["name"])
    name = hit[0] if hit else row["admin2"] or row["name"]
    unit = build.district(country, name, row["admin1"] or None)
    if unit is None:
        unit = build.add(
            _Draft(name, "district", country, row["admin1"] or None, name, source="geo/aliases.csv")
        )
    _add_names(unit, [row["name"], *_variants(row)])


def _locality_row(build: _Build, row: Row) -> None:
    country = row["country"]
    hit = build.names.canon_admin2(country, row["admin2"]) if row["admin2"] else None
    draft = _Draft(
        name=row["name"],
        kind="locality",
        country=country,
        admin1=row["admin1"] or None,
        admin2=hit[0] if hit else row["admin2"] or None,
        source="geo/aliases.csv",
    )
    _add_names(draft, [row["name"], *_variants(row)])
    build.drafts.append(draft)


def _curated_place_row(build: _Build, row: Row, boundaries: Boundaries) -> None:
    """A place with sourced coordinates (crossing, town, village, pass, district).

    A crossing lists both sides ("PK|AF"): it belongs to the side its point is on.
    """
    lat, lon = float(row["lat"]), float(row["lon"])
    countries = row["country"].split("|")
    side = boundaries.side([lon], [lat])[0]
    pick = countries.index(side) if side in countries else 0
    country = countries[pick]
    admin1s, admin2s = row["admin1"].split("|"), row["admin2"].split("|")
    admin1 = build.names.canon_admin1(country, admin1s[pick] if pick < len(admin1s) else None)
    admin2_raw = admin2s[pick] if pick < len(admin2s) else None
    hit = build.names.canon_admin2(country, admin2_raw) if admin2_raw else None
    all_names = [row["name"], *_variants(row)]
    if row["kind"] == "district":
        name = hit[0] if hit else row["name"]
        unit = build.district(country, name, admin1)
        if unit is None:
            unit = build.add(_Draft(name, "district", country, admin1, name, source=row["source"]))
        if unit.lat is None:
            unit.lat, unit.lon = lat, lon
        _add_names(unit, all_names)
        return
    draft = _Draft(
        name=row["name"],
        kind=row["kind"],
        country=country,
        admin1=admin1,
        admin2=hit[0] if hit else None,
        lat=lat,
        lon=lon,
        source=row["source"],
    )
    _add_names(draft, all_names)
    build.drafts.append(draft)


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


def _seat_points(build: _Build) -> None:
    """A unit without a polygon gets its seat's point, else the mean of its towns'.

    Its precision stays 2 or 3: the point stands for the unit, not a place in it.
    """
    by_name = _points_by_name(build.drafts)
    members = _towns_by_unit(build.towns)
    for unit in build.units():
        if unit.lat is not None:
            continue
        hit = by_name.get((unit.country, fold_name(unit.seat))) if unit.seat else None
        towns = members.get((unit.kind, unit.country, unit.name), [])
        if hit is not None:
            unit.lat, unit.lon = hit.lat, hit.lon
        elif towns:
            unit.lat = float(np.mean([t.lat for t in towns]))
            unit.lon = float(np.mean([t.lon for t in towns]))


def _points_by_name(drafts: Sequence[_Draft]) -> dict[tuple[str, str], _Draft]:
    by_name: dict[tuple[str, str], _Draft] = {}
    for draft in drafts:
        if draft.kind in ("town", "crossing", "village") and draft.lat is not None:
            for name in (draft.name, *draft.names):
                by_name.setdefault((draft.country, fold_name(name)), draft)
    return by_name


def _towns_by_unit(towns: Sequence[_Draft]) -> dict[tuple[str, str, str], list[_Draft]]:
    members: dict[tuple[str, str, str], list[_Draft]] = defaultdict(list)
    for town in towns:
        if town.lat is None or town.lon is None:
            continue
        if town.admin1:
            members[("province", town.country, town.admin1)].append(town)
        if town.admin2:
            members[("district", town.country, town.admin2)].append(town)
    return members


def _locality_points(build: _Build) -> None:
    """A locality known only by its district stands at the district's point."""
    for draft in build.drafts:
        if draft.kind == "locality" and draft.lat is None:
            district = build.district(draft.country, draft.admin2 or "", draft.admin1)
            if district is not None:
                draft.lat, draft.lon = district.lat, district.lon


def _finalise(
    drafts: list[_Draft], boundaries: Boundaries, names: AdminNames, region: Region
) -> tuple[list[Place], dict[str, list[int]], dict[str, set[str]], set[str]]:
    """Places with side, distance to the line and polygon admin units; the name index."""
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
        admin1, admin2 = _admin_of(draft, labels, names, boundaries)
        in_aoi = (distance is not None and distance <= region.aoi_km) or (
            admin1 in region.aoi_admin1
        )
        places.append(
            Place(
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
        )
        _index_names(draft, n, index, exact, any_case)
    return places, dict(index), exact, any_case


#: A point keeps the district its own source gives (GeoNames, the curated places) when
#: it lies within this distance of that district's polygon (the 2019 Pakistani polygons
#: stray from the Durand Line by 6 km at the 95th percentile; they put Bannu city 4 km
#: inside North Waziristan and Hangu 2.5 km inside Orakzai).
OWN_DISTRICT_KM = 6.0


def _admin_of(
    draft: _Draft, labels: tuple[str, ...] | None, names: AdminNames, boundaries: Boundaries
) -> tuple[str | None, str | None]:
    """A point's province and district: the polygon's, with two exceptions.

    Its own district stays when it is one of today's units inside the polygon's older
    unit (Chaman town in the 2019 "Qilla Abdullah" polygon stays in Chaman; a town that
    is the seat of such a unit, Harnai in "Sibi", goes to it), or when the point lies
    within ``OWN_DISTRICT_KM`` of its own district's polygon.
    """
    admin1, admin2 = draft.admin1, None if draft.kind == "province" else draft.admin2
    if labels is None or labels[0] != draft.country or draft.kind not in _POINT_KINDS:
        return admin1, admin2
    if len(labels) < 3:
        return labels[1], admin2
    country, polygon = labels[0], labels[2]
    inside = names.units_in(country, polygon)
    seat = names.seat_of(country, draft.name)
    if seat in inside - {polygon}:
        return labels[1], seat
    if admin2 in inside:
        return labels[1], admin2
    own = boundaries.district_shape(country, admin2) if admin2 else None
    if (
        own is not None
        and draft.lat is not None
        and draft.lon is not None
        and boundaries.km_to(own[1], draft.lon, draft.lat) <= OWN_DISTRICT_KM
    ):
        return own[0][1], admin2
    return labels[1], polygon


def _index_names(
    draft: _Draft,
    n: int,
    index: dict[str, list[int]],
    exact: dict[str, set[str]],
    any_case: set[str],
) -> None:
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


def _sources(polygons: AdminPolygons, town_source: str) -> GeoSources:
    fallbacks = []
    for iso3, country in (("AFG", "Afghanistan"), ("PAK", "Pakistan")):
        if any(iso3 in s and "embedded" in s for s in polygons.sources):
            fallbacks.append(
                f"{country}: the embedded simplified district layer "
                "(`durandwatch geo fetch` for full resolution)"
            )
        elif not any(iso3 in s for s in polygons.sources):
            fallbacks.append(
                f"{country}: no district polygons; admin units from the town gazetteer's "
                "fields and geo/admin.csv (run `durandwatch geo fetch`)"
            )
    return GeoSources(
        towns=town_source,
        polygons=polygons.sources,
        fallbacks=tuple(fallbacks),
        attributions=(
            NATURAL_EARTH_ATTRIBUTION,
            *polygons.attributions,
            f"{town_source} (GeoNames, CC BY 4.0)",
        ),
    )


def _has_country(polygons: PolygonSet | None, country: str) -> bool:
    return polygons is not None and any(labels[0] == country for labels in polygons.labels)


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
