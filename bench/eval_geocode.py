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

Usage: ``python bench/eval_geocode.py [--dev PATH] [--data-dir DIR] [--errors N]``
(use ``durandwatch geo fetch --mirror ../shared/geo`` first for the polygon figures).
"""

from __future__ import annotations

import argparse
import csv
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

DEFAULT_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev.csv"
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
