#!/usr/bin/env python3
"""Geocoder accuracy on ../shared/eval/dev.csv, and its speed.

Definitions (fixed here, not tuned to the results):

* located: the geocoder returned a location (country-only texts return none).
* admin1 precision: among located events, the share whose province is the gold one.
  Gold names are UCDP's ("Paktya province", "Federally Administered Tribal Areas",
  "North Waziristan agency") and are turned into today's units through the geocoder's own
  documented tables (geo/admin.csv, geo/aliases.csv): FATA and its agencies are in
  Khyber Pakhtunkhwa since 2018.
* named subset (admin1): events whose text contains, as a whole word, a name or
  documented alias of the gold province or of the gold district (not counting names
  inside documented non-place phrases such as the TV channel "Khyber News"). admin1 recall is the
  share of those located in the gold province.
* named subset (admin2): events whose text contains a name or alias of the gold
  district. admin2 recall is the share of those located in the gold district. "South
  Waziristan" (split in 2022) matches Upper and Lower South Waziristan.
* km error: great-circle distance between the returned point and the gold point, by
  precision code (for codes 2 and 3 the point is the unit's representative point).

The second table (the targets of issue 14) uses definitions that do not depend on the
gazetteer being measured, so that two versions are measured on the same events:

* district named (fixed): the text contains, as a whole word, the gold district as UCDP
  writes it ("Barmal district" -> "Barmal"; "Shinwar district (Ghani Khel)" -> "Shinwar"
  or "Ghani Khel"; not "Badakhshan" for "Fayzabad district (Badakhshan)") or a spelling
  geo/districts-af.csv lists for that district ("Zherai" for Zhari). District recall:
  the share of those located in the gold district, names compared through the same
  table (so "Khost(Matun)" and "Khost (Matun)" are one).
* admin1 prec (any): a located event counts as right when the gold province is its
  province or one of the other provinces the location carries (``also_admin1``: "strikes
  in Nangarhar and Paktia").

Usage: ``python bench/eval_geocode.py [--dev PATH] [--data-dir DIR] [--errors N]``
(use ``durandwatch geo fetch --mirror ../shared/geo`` first for the polygon figures).
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

from durandwatch.boundaries import haversine_km
from durandwatch.gazetteer import Gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.geodata import open_geocoder
from durandwatch.textnorm import fold

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "dev.csv"
_PAREN = re.compile(r"\s*\((.*?)\)\s*")
_SUFFIX = re.compile(r"\s+(district|province|agency)$")
SOUTH_WAZIRISTAN = {"South Waziristan", "Upper South Waziristan", "Lower South Waziristan"}


def band(year: int) -> str:
    if year < 2002:
        return "1989-2001"
    if year < 2010:
        return "2002-2009"
    if year < 2015:
        return "2010-2014"
    if year < 2021:
        return "2015-2020"
    return "2021-2026"


def same_admin2(ours: str | None, gold: str | None) -> bool:
    if not ours or not gold:
        return False
    if gold in SOUTH_WAZIRISTAN:
        return ours in SOUTH_WAZIRISTAN
    return ours == gold


def contains_name(folded_text: str, keys: list[str]) -> bool:
    padded = f" {folded_text} "
    return any(f" {k} " in padded for k in keys)


def without_non_places(gaz: Gazetteer, text: str) -> str:
    """The folded text with documented non-place phrases ("Khyber News") blanked out."""
    folded = list(fold(text))
    for mention in gaz.find(text):
        if any(gaz.places[i].kind == "ignore" for i in mention.places):
            folded[mention.start : mention.end] = " " * (mention.end - mention.start)
    return "".join(folded)


def unit_keys(gaz: Gazetteer, kind: str, country: str, name: str | None) -> list[str]:
    if not name:
        return []
    keys: list[str] = []
    for place in gaz.places:
        if place.country != country:
            continue
        if kind == "province" and place.kind in ("province", "region") and place.admin1 == name:
            keys.extend(gaz.names_of(place))
        if (
            kind == "district"
            and place.kind in ("district", "crosswalk")
            and (
                place.admin2 == name
                or (name in SOUTH_WAZIRISTAN and place.admin2 in SOUTH_WAZIRISTAN)
            )
        ):
            keys.extend(gaz.names_of(place))
    return keys


class FixedDistricts:
    """Afghan district names from the gold data and geo/districts-af.csv, not the gazetteer."""

    def __init__(self, table: Path) -> None:
        self.canonical: dict[str, str] = {}
        self.spellings: dict[str, set[str]] = defaultdict(set)
        if table.exists():
            with table.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    names = [row["district"], *row["variants"].split(";")]
                    keys = {k for n in names for k in self.keys(n)}
                    main_key = self.keys(row["district"])[0]
                    for key in keys:
                        self.canonical.setdefault(key, main_key)
                        self.spellings[main_key] |= keys

    @staticmethod
    def keys(name: str) -> list[str]:
        """Folded name without " district", and the name in brackets."""
        outside = " ".join(fold(_PAREN.sub(" ", name)).split())
        inside = [" ".join(fold(p).split()) for p in _PAREN.findall(name)]
        return [_SUFFIX.sub("", k) for k in [outside, *inside] if k]

    def key(self, name: str | None) -> str | None:
        if not name:
            return None
        first = self.keys(name)[0]
        return self.canonical.get(first, first)

    def named(self, folded_text: str, gold: str, province: str) -> bool:
        # UCDP's brackets hold another name ("Shinwar district (Ghani Khel)") or the
        # province ("Fayzabad district (Badakhshan)"): the province does not count.
        outside, *inside = self.keys(gold)
        keys = {outside, *inside} - (set(inside) & set(self.keys(province)))
        keys |= {s for k in list(keys) for s in self.spellings.get(self.key(k) or "", ())}
        return contains_name(folded_text, sorted(keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--errors", type=int, default=0, help="print N admin1 errors")
    args = parser.parse_args()
    if not args.dev.exists():
        sys.exit(f"{args.dev} not found (it lives in ../shared/eval/)")

    tracemalloc.start()
    start = time.perf_counter()
    geocoder: Geocoder = open_geocoder(data_dir=args.data_dir)
    build_s = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gaz = geocoder.gazetteer

    with args.dev.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = [r["text"] for r in rows]

    start = time.perf_counter()
    results = [geocoder.geocode(t) for t in texts]
    elapsed = time.perf_counter() - start

    stats: dict[str, Counter[str]] = defaultdict(Counter)
    fixed: dict[str, Counter[str]] = defaultdict(Counter)
    districts = FixedDistricts(ROOT / "geo" / "districts-af.csv")
    errors_km: dict[int, list[float]] = defaultdict(list)
    error_rows = []
    key_cache: dict[tuple[str, str, str | None], list[str]] = {}
    for row, result in zip(rows, results, strict=True):
        country = row["gold_country"]
        gold1 = gaz.canonical_admin1(country, row["gold_admin1"]) if row["gold_admin1"] else None
        gold2 = gaz.canonical_admin2(country, row["gold_admin2"]) if row["gold_admin2"] else None
        loc = result.location
        groups = ["all", country, f"{country} {band(int(row['date'][:4]))}"]
        folded = without_non_places(gaz, row["text"])
        k1 = key_cache.setdefault(
            ("province", country, gold1), unit_keys(gaz, "province", country, gold1)
        )
        k2 = key_cache.setdefault(
            ("district", country, gold2), unit_keys(gaz, "district", country, gold2)
        )
        named2 = bool(gold2) and contains_name(folded, k2)
        named1 = bool(gold1) and (named2 or contains_name(folded, k1))
        for g in groups:
            s = stats[g]
            s["events"] += 1
            if loc is not None:
                s["located"] += 1
                if loc.admin1 == gold1:
                    s["admin1_ok"] += 1
            if named1:
                s["named1"] += 1
                if loc is not None and loc.admin1 == gold1:
                    s["named1_ok"] += 1
            if named2:
                s["named2"] += 1
                if loc is not None and same_admin2(loc.admin2, gold2):
                    s["named2_ok"] += 1
        also = tuple(getattr(loc, "also_admin1", ())) if loc is not None else ()
        named_fixed = bool(row["gold_admin2"]) and districts.named(
            " ".join(fold(row["text"]).split()), row["gold_admin2"], row["gold_admin1"]
        )
        for g in [country, f"{country} {band(int(row['date'][:4]))}"]:
            f = fixed[g]
            f["events"] += 1
            if loc is not None:
                f["located"] += 1
                f["admin1_ok"] += loc.admin1 == gold1
                f["admin1_any"] += loc.admin1 == gold1 or gold1 in also
            if named_fixed:
                f["named2"] += 1
                if loc is not None:
                    ours = districts.key(loc.admin2)
                    f["named2_ok"] += ours is not None and (
                        ours == districts.key(row["gold_admin2"]) or same_admin2(loc.admin2, gold2)
                    )
        if loc is not None and loc.lat is not None and loc.lon is not None:
            errors_km[loc.precision].append(
                haversine_km(loc.lat, loc.lon, float(row["gold_lat"]), float(row["gold_lon"]))
            )
        if loc is not None and loc.admin1 != gold1:
            error_rows.append((row["text"][:110], loc.place, loc.admin1, gold1, row["gold_admin2"]))

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:5.1f} %" if b else "    - "

    print(f"dev set: {len(rows)} events ({args.dev})")
    print(
        f"geocoder: {len(gaz)} places; towns: {gaz.sources.towns}; polygons: "
        f"{', '.join(gaz.sources.polygons) or 'none (embedded default)'}"
    )
    print(
        f"{'group':<16}{'events':>7}{'located':>10}{'admin1 prec':>13}"
        f"{'named1':>8}{'admin1 rec':>12}{'named2':>8}{'admin2 rec':>12}"
    )
    for group in sorted(stats, key=lambda g: (g != "all", len(g) > 2, g)):
        s = stats[group]
        print(
            f"{group:<16}{s['events']:>7}{pct(s['located'], s['events']):>10}"
            f"{pct(s['admin1_ok'], s['located']):>13}{s['named1']:>8}"
            f"{pct(s['named1_ok'], s['named1']):>12}{s['named2']:>8}"
            f"{pct(s['named2_ok'], s['named2']):>12}"
        )
    print("\nissue 14 targets (fixed definitions, see the docstring)")
    print(
        f"{'group':<16}{'events':>7}{'located':>10}{'admin1 prec':>13}{'(any)':>9}"
        f"{'district named':>16}{'district rec':>14}"
    )
    for group in sorted(fixed, key=lambda g: (len(g) > 2, g)):
        if len(group) > 2 and not group.endswith("2021-2026"):
            continue
        f = fixed[group]
        print(
            f"{group:<16}{f['events']:>7}{pct(f['located'], f['events']):>10}"
            f"{pct(f['admin1_ok'], f['located']):>13}{pct(f['admin1_any'], f['located']):>9}"
            f"{f['named2']:>16}{pct(f['named2_ok'], f['named2']):>14}"
        )
    for precision in sorted(errors_km):
        values = errors_km[precision]
        print(
            f"precision {precision}: {len(values):5d} located, median error "
            f"{statistics.median(values):6.1f} km, 90th pct "
            f"{sorted(values)[int(0.9 * (len(values) - 1))]:6.1f} km"
        )
    print(
        f"speed: {len(texts) / elapsed:,.0f} headlines/s through matcher+resolver "
        f"({elapsed * 1000:.0f} ms for {len(texts)}), one core"
    )
    print(f"geocoder build: {build_s:.2f} s, peak traced memory {peak / 1e6:.0f} MB")
    for text, place, ours, gold, gold2 in error_rows[: args.errors]:
        print(f"  ERR ours={ours!s:<20} gold={gold!s:<20} ({gold2}) via {place!r}: {text}")


if __name__ == "__main__":
    main()
