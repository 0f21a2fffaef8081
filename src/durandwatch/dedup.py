"""Merge reports of the same incident from different outlets and hours.

Two relevant reports are the same incident when all of these hold:

* their event dates are at most 2 days apart (``DATE_WINDOW``);
* their event types are compatible (violent types together; strategic developments
  together; protests and riots together);
* their places are compatible: same country, and the same district or points less than
  ``NEAR_KM`` apart; a province-level place is compatible with anything inside it; a
  report with no place is compatible with anything in the same country;
* their actors do not contradict each other (no two different acting state forces);

and the evidence is strong enough: text similarity (Jaccard of word 3-shingles) of at
least ``SAME_TEXT`` (0.5); or the same sub-event type at a matching district or point on
the same day (on different days, with similarity of at least ``SIMILAR_TEXT``, 0.2: two
drone strikes in one district on consecutive days are two incidents); or the same
sub-event type in the same province with similarity of at least ``SIMILAR_TEXT``.

Merging is a union of such pairs, decided on the reports in a canonical order (by
publication time, then id), so any input order gives the same incidents. A union that
would stretch an incident over more than ``MAX_SPAN_DAYS`` of event dates is refused, so
chains of look-alike reports cannot swallow a week of separate events. An incident's
id is derived from its earliest report and does not change when later reports join.
Copies of one story (similarity of at least ``WIRE_COPY``, 0.9) from several outlets
count as one independent outlet.

The work stays linear in the number of reports whatever they say: a new report is
compared with at most ``CANDIDATES_PER_KEY`` reports of each bucket it falls in (those
nearest to its event date, the latest first), and a report is checked for being a wire
copy against at most ``WIRE_STORIES`` earlier stories of its incident. Real news never
comes near either bound (a district sees a few dozen reports of one type in five days
on its worst days); a flood of thousands of look-alike reports, planted or looped, no
longer costs time in the square of its size.
"""

from __future__ import annotations

import bisect
import hashlib
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .analyze import Report
from .boundaries import haversine_km
from .extract import Actor, Crossing, is_violent
from .model import Location
from .textnorm import fold

DATE_WINDOW = timedelta(days=2)
#: An incident's reports span at most this many days of event dates, so chains of
#: pairwise matches cannot grow one incident across a week of separate events.
MAX_SPAN_DAYS = 3
NEAR_KM = 25.0
SAME_TEXT = 0.5
SIMILAR_TEXT = 0.2
WIRE_COPY = 0.9
#: A new report is compared with at most this many reports of each bucket it falls in.
CANDIDATES_PER_KEY = 100
#: A report is checked for being a copy of at most this many earlier stories.
WIRE_STORIES = 200
SEVERITY = [
    "Explosions/Remote violence",
    "Battles",
    "Violence against civilians",
    "Riots",
    "Protests",
    "Strategic developments",
]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One report behind an incident."""

    report_id: str
    outlet: str
    url: str | None
    published: datetime
    title: str
    fatalities: int | None
    claim_party: str | None


@dataclass(frozen=True, slots=True)
class Incident:
    """One event, with every report of it."""

    id: str
    title: str
    event_date: date
    first_reported: datetime
    event_type: str | None
    sub_event_type: str | None
    location: Location | None
    actors: tuple[Actor, ...]
    fatalities: int | None  # the most conservative figure reported
    fatalities_range: tuple[int, int] | None
    injured: int | None
    cross_border: bool
    direction: str | None
    sectarian: bool
    sources: tuple[SourceRef, ...]
    outlets: int  # independent outlets (copies of one story count once)
    claimed_by: tuple[str, ...]  # parties whose statements the reports carry
    #: The words of the first report that give ``direction``, and whether every report
    #: giving it is one party's word.
    direction_evidence: Crossing | None = None

    @property
    def confirmed(self) -> bool:
        """Reported by at least two independent outlets."""
        return self.outlets >= 2


def shingles(text: str, size: int = 3) -> frozenset[int]:
    """Hashes of the word n-grams of a text (folded: case, accents, punctuation)."""
    words = fold(text[:800]).split()
    if len(words) < size:
        return frozenset({_stable_hash(" ".join(words))}) if words else frozenset()
    return frozenset(
        _stable_hash(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)
    )


def _stable_hash(text: str) -> int:
    """The same value in every process (``hash`` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of shingles in common."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def merge_reports(reports: Iterable[Report]) -> list[Incident]:
    """Group relevant reports into incidents (deterministic, order-independent)."""
    merger = Merger()
    merger.add(reports)
    return merger.incidents()


class Merger:
    """Incremental merging: add reports as they arrive; incidents follow.

    Pairs are only compared when they could satisfy the rule: reports in the same district
    (or a province-level report and any report in its province) of the same sub-event
    type, and reports whose texts may be similar (MinHash buckets over the shingles).
    Every pair so found is judged by :func:`same_incident`, and incidents are the
    connected components, so the result does not depend on the order of arrival.
    """

    def __init__(self) -> None:
        # By arrival number; evicted reports are deleted (see evict).
        self._reports: dict[int, Report] = {}
        self._marks: dict[int, frozenset[int]] = {}
        self._parent: dict[int, int] = {}
        self._arrived = 0
        self._members: dict[int, list[int]] = {}
        self._index: dict[str, int] = {}
        # Per key, the event days and report indexes of its reports, by day then arrival.
        self._buckets: dict[tuple[object, ...], tuple[list[int], list[int]]] = {}
        self._incidents: dict[int, Incident] = {}
        self._span: dict[int, tuple[int, int]] = {}

    def __len__(self) -> int:
        """Reports held (not evicted)."""
        return len(self._reports)

    def add(self, reports: Iterable[Report]) -> tuple[set[str], list[Incident]]:
        """Add reports; return (ids of incidents that ceased to exist, incidents new or changed)."""
        fresh = sorted(
            (r for r in reports if r.extraction.relevant and r.id not in self._index),
            key=lambda r: (r.published, r.id),
        )
        touched: set[int] = set()
        before: dict[int, str] = {}
        for report in fresh:
            i = self._arrived
            self._arrived += 1
            self._reports[i] = report
            mark = shingles(report.text)
            self._marks[i] = mark
            self._parent[i] = i
            self._members[i] = [i]
            self._index[report.id] = i
            day = report.extraction.event_date.toordinal()
            self._span[i] = (day, day)
            index_keys, query_keys = _bucket_keys(report, mark)
            candidates: set[int] = set()
            for key in query_keys:
                bucket = self._buckets.get(key)
                if bucket:
                    candidates.update(_nearest(bucket, day))
            parent = self._parent
            ri = i
            for j in sorted(candidates):
                rj = parent[j]
                if parent[rj] != rj:  # most candidates point at their root already
                    rj = self._find(j)
                if ri == rj:
                    continue
                if self._span_after(ri, rj) > MAX_SPAN_DAYS:
                    continue
                if same_incident(report, self._reports[j], jaccard(mark, self._marks[j])):
                    for root in (ri, rj):
                        if root in self._incidents:
                            before.setdefault(root, self._incidents[root].id)
                    self._union(ri, rj)
                    ri = self._find(i)
            for key in index_keys:
                days, ids = self._buckets.setdefault(key, ([], []))
                at = bisect.bisect_right(days, day)  # i is the newest: last of its day
                days.insert(at, day)
                ids.insert(at, i)
            touched.add(self._find(i))
        removed: set[str] = set()
        for root, old_id in before.items():
            self._incidents.pop(root, None)
            removed.add(old_id)
        changed = []
        for root in {self._find(t) for t in touched | set(before)}:
            members = sorted(
                self._members[root], key=lambda k: (self._reports[k].published, self._reports[k].id)
            )
            incident = _incident(
                [self._reports[k] for k in members], [self._marks[k] for k in members]
            )
            self._incidents[root] = incident
            changed.append(incident)
        removed -= {inc.id for inc in changed}
        changed.sort(key=lambda inc: (inc.first_reported, inc.id))
        return removed, changed

    def evict(self, *, before: date) -> list[Incident]:
        """Remove and return the incidents whose last event date is before ``before``.

        A long replay calls this with a date far enough back that no new report can join
        them (:data:`~durandwatch.replay.MERGE_HORIZON_DAYS`), so its memory follows the
        reports of the last weeks, not all of them. Reports dated before ``before`` are
        no longer candidates for new ones.
        """
        floor = before.toordinal()
        roots = sorted(root for root, (_, last) in self._span.items() if last < floor)
        final = []
        for root in roots:
            incident = self._incidents.pop(root, None)
            if incident is not None:
                final.append(incident)
            self._span.pop(root)
            for k in self._members.pop(root):
                del self._index[self._reports.pop(k).id]
                del self._marks[k]
                del self._parent[k]
        for key in list(self._buckets):
            days, ids = self._buckets[key]
            cut = bisect.bisect_left(days, floor)
            if cut == len(days):
                del self._buckets[key]
            elif cut:
                del days[:cut]
                del ids[:cut]
        final.sort(key=lambda inc: (inc.first_reported, inc.id))
        return final

    def incidents(self) -> list[Incident]:
        """Every incident so far, by first report."""
        return sorted(self._incidents.values(), key=lambda inc: (inc.first_reported, inc.id))

    def _find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, a: int, b: int) -> None:
        keep, gone = min(a, b), max(a, b)
        self._parent[gone] = keep
        # The shorter member list is copied into the longer (their order does not matter).
        small, large = sorted((self._members[keep], self._members.pop(gone)), key=len)
        large.extend(small)
        self._members[keep] = large
        lo_a, hi_a = self._span[keep]
        lo_b, hi_b = self._span.pop(gone)
        self._span[keep] = (min(lo_a, lo_b), max(hi_a, hi_b))

    def _span_after(self, a: int, b: int) -> int:
        """Days between the first and last event date if ``a`` and ``b`` were joined."""
        lo_a, hi_a = self._span[a]
        lo_b, hi_b = self._span[b]
        return max(hi_a, hi_b) - min(lo_a, lo_b)


def _nearest(bucket: tuple[list[int], list[int]], day: int) -> list[int]:
    """Up to ``CANDIDATES_PER_KEY`` reports of ``bucket`` within the date window of ``day``.

    All of them when the window holds no more; otherwise those nearest to ``day`` (its
    own day first, then one day either side, and so on), the latest first within a day.
    """
    days, ids = bucket
    lo = bisect.bisect_left(days, day - DATE_WINDOW.days)
    hi = bisect.bisect_right(days, day + DATE_WINDOW.days)
    if hi - lo <= CANDIDATES_PER_KEY:
        return ids[lo:hi]
    picked: list[int] = []
    for offset in sorted(range(-DATE_WINDOW.days, DATE_WINDOW.days + 1), key=abs):
        start = bisect.bisect_left(days, day + offset, lo, hi)
        end = bisect.bisect_right(days, day + offset, lo, hi)
        room = CANDIDATES_PER_KEY - len(picked)
        picked += ids[max(start, end - room) : end]
        if len(picked) >= CANDIDATES_PER_KEY:
            break
    return picked


#: MinHash: BANDS bands of ROWS rows each; texts sharing one band are compared.
BANDS, ROWS = 10, 2
_SEEDS = [(2 * k + 1) * 0x9E3779B1 & 0xFFFFFFFF for k in range(BANDS * ROWS)]
_SEED_ARRAY = np.asarray(_SEEDS, dtype=np.uint64)


def _bucket_keys(
    report: Report, mark: frozenset[int]
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(keys to index the report under, keys to look for candidates under)."""
    loc = report.geo.location
    sub = report.extraction.sub_event_type
    index: list[tuple[object, ...]] = []
    query: list[tuple[object, ...]] = []
    if loc is not None:
        if loc.precision <= 2:
            district = ("d", loc.country, loc.admin2 or loc.place)
            index += [district, ("all", loc.country, loc.admin1, sub)]
            query += [district, ("p3", loc.country, loc.admin1, sub)]
        else:
            index += [("p3", loc.country, loc.admin1, sub)]
            query += [("all", loc.country, loc.admin1, sub), ("p3", loc.country, loc.admin1, sub)]
    if mark:
        values = np.fromiter(mark, dtype=np.uint64, count=len(mark))
        # Every seed at once: one (shingles x seeds) array, the minimum of each column.
        hashed = (values[:, None] * _SEED_ARRAY[None, :] + np.uint64(0x632BE5AB)) & np.uint64(
            0xFFFFFFFF
        )
        signature = [int(v) for v in hashed.min(axis=0)]
        for band in range(BANDS):
            key = ("h", band, *signature[band * ROWS : (band + 1) * ROWS])
            index.append(key)
            query.append(key)
    return index, query


def same_incident(a: Report, b: Report, similarity: float) -> bool:
    """The pairwise rule of the module docstring."""
    ea, eb = a.extraction, b.extraction
    if abs(ea.event_date - eb.event_date) > DATE_WINDOW:
        return False
    if _group(ea.event_type) != _group(eb.event_type):
        return False
    place = _place_match(a.geo.location, b.geo.location)
    if place == "conflict":
        return False
    if not _actors_compatible(ea.actors, eb.actors):
        return similarity >= SAME_TEXT
    if similarity >= SAME_TEXT:
        return True
    same_type = ea.sub_event_type == eb.sub_event_type
    if (
        same_type
        and place == "same"
        and (ea.event_date == eb.event_date or similarity >= SIMILAR_TEXT)
    ):
        return True
    return same_type and place == "province" and similarity >= SIMILAR_TEXT


def _group(event_type: str | None) -> str:
    if is_violent(event_type):
        return "violent"
    if event_type in ("Protests", "Riots"):
        return "protest"
    return event_type or "none"


def _place_match(a: Location | None, b: Location | None) -> str:
    """ "same", "province", "unknown" (one has no place) or "conflict"."""
    if a is None or b is None:
        return "unknown"
    if a.country != b.country:
        return "conflict"
    if a.precision <= 2 and b.precision <= 2:
        if a.admin2 and b.admin2 and a.admin2 == b.admin2:
            return "same"
        if (
            a.lat is not None
            and b.lat is not None
            and a.lon is not None
            and b.lon is not None
            and a.precision == 1
            and b.precision == 1
            and haversine_km(a.lat, a.lon, b.lat, b.lon) < NEAR_KM
        ):
            return "same"
        return "conflict" if a.admin1 != b.admin1 else "province-different-district"
    if a.admin1 == b.admin1:
        return "province"
    return "conflict"


def _actors_compatible(a: Sequence[Actor], b: Sequence[Actor]) -> bool:
    acting_a = {x.id for x in a if x.role == "actor1" and x.kind == "state"}
    acting_b = {x.id for x in b if x.role == "actor1" and x.kind == "state"}
    return not (acting_a and acting_b and acting_a.isdisjoint(acting_b))


def _incident(members: list[Report], marks: list[frozenset[int]]) -> Incident:
    first = members[0]  # members keep the canonical order
    extractions = [m.extraction for m in members]
    figures = [e.fatalities for e in extractions if e.fatalities is not None]
    highs = [e.fatalities_range[1] for e in extractions if e.fatalities_range is not None]
    injured = [e.injured for e in extractions if e.injured is not None]
    types = Counter((e.event_type, e.sub_event_type) for e in extractions if e.event_type)
    event_type, sub_type = (None, None)
    if types:
        event_type, sub_type = min(
            types,
            key=lambda t: (-types[t], SEVERITY.index(t[0]) if t[0] in SEVERITY else 9, t[1] or ""),
        )
    locations = [m.geo.location for m in members if m.geo.location is not None]
    location = None
    if locations:
        best = min(loc.precision for loc in locations)
        precise = [loc for loc in locations if loc.precision == best]
        votes = Counter((loc.admin2, loc.place) for loc in precise)
        top = max(votes.values())
        location = next(loc for loc in precise if votes[(loc.admin2, loc.place)] == top)
    actors: dict[tuple[str, str], Actor] = {}
    for e in extractions:
        for actor in e.actors:
            actors.setdefault((actor.id, actor.role), actor)
    directions = Counter(e.direction for e in extractions if e.direction)
    sources = tuple(
        SourceRef(
            report_id=m.id,
            outlet=m.source or "unknown",
            url=m.url,
            published=m.published,
            title=m.text.split("\n", 1)[0][:200],
            fatalities=m.extraction.fatalities,
            claim_party=m.extraction.claim.party if m.extraction.claim else None,
        )
        for m in members
    )
    direction = min(directions, key=lambda d: (-directions[d], d)) if directions else None
    giving = [e.crossing for e in extractions if e.crossing and e.crossing.direction == direction]
    evidence = None
    if giving:
        evidence = Crossing(**{**asdict(giving[0]), "claimed": all(c.claimed for c in giving)})
    return Incident(
        id="inc-" + hashlib.sha256(first.id.encode("utf-8")).hexdigest()[:16],
        title=first.text.split("\n", 1)[0][:200],
        event_date=min(e.event_date for e in extractions),
        first_reported=first.published,
        event_type=event_type,
        sub_event_type=sub_type,
        location=location,
        actors=tuple(sorted(actors.values(), key=lambda a: (a.role, a.id))),
        fatalities=min(figures) if figures else None,
        fatalities_range=(min(figures), max(highs or figures)) if figures else None,
        injured=min(injured) if injured else None,
        cross_border=any(e.cross_border for e in extractions),
        direction=direction,
        sectarian=any(e.sectarian for e in extractions),
        sources=sources,
        outlets=independent_outlets(members, marks),
        claimed_by=tuple(sorted({s.claim_party for s in sources if s.claim_party})),
        direction_evidence=evidence,
    )


def independent_outlets(members: Sequence[Report], marks: Sequence[frozenset[int]]) -> int:
    """Distinct outlets, counting copies of one story (wire copies) once.

    Each report that is not a copy of an earlier story starts a story, and the outlets
    are those of the stories. The count is final once every outlet among the members
    has a story (and no report without an outlet is left), so a flood from a few feeds
    stops early; a report is compared with the latest ``WIRE_STORIES`` stories at most.
    """
    sources = [m.source for m in members]
    named = {s for s in sources if s}
    last_unnamed = max((k for k, s in enumerate(sources) if not s), default=-1)
    stories: list[int] = []  # index of the first report of each distinct story
    outlets: set[str] = set()
    for i, mark in enumerate(marks):
        if i > last_unnamed and len(outlets) >= len(named) and outlets >= named:
            break  # no later report can add an outlet
        size = len(mark)
        for s in reversed(stories[-WIRE_STORIES:]):
            other = len(marks[s])
            # Jaccard is at most the ratio of the sizes: skip what cannot be a copy.
            if min(size, other) >= WIRE_COPY * max(size, other) and (
                jaccard(mark, marks[s]) >= WIRE_COPY
            ):
                break
        else:
            stories.append(i)
            outlets.add(sources[i] or f"unknown-{i}")
    return len(outlets)
