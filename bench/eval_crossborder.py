#!/usr/bin/env python3
"""Who acted on whom across the line, and how many died: the analyser on labelled reports.

Two labelled sets, frozen before the extractor was tuned (bench/data/crossborder/README.md):

* ``ucdp2026``: the 105 Afghanistan/Pakistan rows of the UCDP Candidate release 26.0.2
  (February 2026), labelled by hand from their text; the text (``source_headline``: the
  reports of several outlets joined by ";") is read from ../shared at run time, published
  at the row's first source date;
* ``written``: 70 invented multi-sentence reports (a title and a summary) in the styles
  of Afghan, Pakistani and wire outlets, for the cases no real set covers;
* ``written2``: 120 more, written later by another hand with more varied wording, all
  development data (first measured before any rule was tuned on them).

A third of each set is held out (``split`` = heldout): it was not looked at while the
rules were tuned. Figures, per set and split:

* detected: of the reports labelled with a direction (PK->AF, AF->PK, both), the share
  the analyser marks as cross-border;
* right direction: of the same, the share whose ``direction`` equals the label;
* false cross-border: of the reports labelled with no direction, the share marked
  cross-border anyway;
* claims: of the directed reports labelled as one party's claim, the share the analyser
  marks as claimed (``direction_evidence.claimed``); and of the directed reports not so
  labelled, the share it marks as claimed anyway;
* tolls exact: of the reports whose text states the coded toll (UCDP: the label says the
  stated toll equals UCDP ``best``; written: the label's toll is not null), the share
  whose ``fatalities`` equals it.

Usage: ``python bench/eval_crossborder.py [--show] [--split dev|heldout]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from durandwatch.analyze import Analyzer
from durandwatch.geodata import open_geocoder

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "crossborder"
SHARED = HERE.parents[1] / "shared"
UCDP = SHARED / "eval-source" / "ucdp-candidate-2602" / "GEDevent_v26_0_2_AFG_PAK.csv"


@dataclass(frozen=True)
class Case:
    id: str
    set: str
    split: str
    text: str
    published: datetime
    direction: str | None
    claimed: bool
    toll: int | None  # the stated toll, when the figure to match is stated in the text


def ucdp_cases() -> Iterator[Case]:
    if not UCDP.exists():
        sys.exit(f"{UCDP} not found (it lives in ../shared/eval-source/)")
    with UCDP.open(encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    with (DATA / "ucdp2026_labels.csv").open(encoding="utf-8") as handle:
        for label in csv.DictReader(handle):
            row = rows[label["id"]]
            first = min(d.strip()[:10] for d in row["source_date"].split(";") if d.strip())
            direction = label["direction"] if label["direction"] != "none" else None
            toll = (
                int(label["stated_toll"])
                if label["stated_toll"] and label["toll_matches_best"] == "yes"
                else None
            )
            yield Case(
                id=label["id"],
                set="ucdp2026",
                split=label["split"],
                text=row["source_headline"],
                published=datetime.fromisoformat(first).replace(hour=12, tzinfo=UTC),
                direction=direction,
                claimed=label["claimed"] == "yes",
                toll=toll,
            )


def written_cases(name: str = "written_reports.jsonl", label: str = "written") -> Iterator[Case]:
    with (DATA / name).open(encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            yield Case(
                id=r["id"],
                set=label,
                split=r["split"],
                text=f"{r['title']}\n{r['summary']}",
                published=datetime.fromisoformat(r["published"]),
                direction=r["direction"],
                claimed=bool(r["claimed"]),
                toll=r["toll"],
            )


def score(cases: list[Case], analyzer: Analyzer, show: bool) -> dict[str, Any]:
    directed = detected = right = undirected = false_cross = claims = claimed = 0
    unclaimed = false_claims = 0
    tolls = exact = 0
    for case in cases:
        report = analyzer.analyze(case.id, case.text, published=case.published)
        ex = report.extraction
        cross = ex.relevant and ex.cross_border
        if case.direction:
            directed += 1
            detected += cross
            ok = cross and ex.direction == case.direction
            right += ok
            marked = ex.crossing is not None and ex.crossing.claimed
            if show and marked != case.claimed:
                print(
                    f"  {case.id}: claimed {case.claimed}, marked {marked} "
                    f"({ex.crossing.evidence if ex.crossing else ''!r}): {case.text[:220]!r}"
                )
            if case.claimed:
                claimed += 1
                claims += marked
            else:
                unclaimed += 1
                false_claims += marked
            if show and not ok:
                print(
                    f"  {case.id}: want {case.direction}, got "
                    f"{ex.direction if cross else 'not cross-border'}: {case.text[:160]!r}"
                )
        else:
            undirected += 1
            false_cross += cross
            if show and cross:
                print(f"  {case.id}: want none, got {ex.direction}: {case.text[:160]!r}")
        if case.toll is not None:
            tolls += 1
            exact += ex.fatalities == case.toll
            if show and ex.fatalities != case.toll:
                print(f"  {case.id}: toll {case.toll}, got {ex.fatalities}: {case.text[:160]!r}")
    return {
        "directed": directed,
        "detected": detected,
        "right": right,
        "undirected": undirected,
        "false_cross": false_cross,
        "claimed": claimed,
        "claims": claims,
        "unclaimed": unclaimed,
        "false_claims": false_claims,
        "tolls": tolls,
        "exact": exact,
    }


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} % ({part}/{whole})" if whole else "   -- (0/0)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every miss")
    parser.add_argument("--split", choices=("dev", "heldout"), help="one split only")
    args = parser.parse_args()
    analyzer = Analyzer(open_geocoder())
    cases = [
        *ucdp_cases(),
        *written_cases(),
        *written_cases("written_reports_2.jsonl", "written2"),
    ]
    groups: dict[str, list[Case]] = {}
    for case in cases:
        if args.split and case.split != args.split:
            continue
        groups.setdefault(f"{case.set} {case.split}", []).append(case)
        groups.setdefault(f"all {case.split}", []).append(case)
    print(
        "set              | detected         | right direction  | false cross-border | "
        "claims marked    | false claims     | tolls exact"
    )
    for name in sorted(groups):
        if args.show:
            print(f"{name}:")
        m = score(groups[name], analyzer, args.show)
        print(
            f"{name:<16} | {pct(m['detected'], m['directed']):<16} | "
            f"{pct(m['right'], m['directed']):<16} | "
            f"{pct(m['false_cross'], m['undirected']):<18} | "
            f"{pct(m['claims'], m['claimed']):<16} | "
            f"{pct(m['false_claims'], m['unclaimed']):<16} | "
            f"{pct(m['exact'], m['tolls'])}"
        )


if __name__ == "__main__":
    main()
