"""From text to a :class:`~durandwatch.model.Location`: find names, choose, resolve.

The choice is made by scoring each candidate place of each name found:

* what kind of place it is (a sourced border crossing or a town beats a province: the
  most specific place consistent with the others named wins);
* the words around it: "district", "agency", "province", "border crossing";
* consistency: a town inside a province or district also named in the text, or a
  province that contains another place named;
* the countries the text talks about ("Pakistani", "Afghan"), and the area of interest
  (near the Durand Line, or in a border province);
* population, a little.

Digests that cover many events ("FACTBOX-Security developments in Pakistan", monitoring
round-ups) and texts that name only a country get no location.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .gazetteer import CONTEXT_KINDS, Gazetteer, Mention, Place, log_scale
from .model import Location, PlaceMention
from .textnorm import earlier_event_spans, fold

_KIND_BASE = {
    "crossing": 3.0,
    "pass": 2.5,
    "town": 2.0,
    "village": 1.5,
    "locality": 2.0,
    "district": 2.5,
    "crosswalk": 2.5,
    "province": 2.0,
    "region": 1.0,
}
_SPECIFICITY = {1: 1.0, 2: 0.5, 3: 0.0}
_POINT_KINDS = frozenset({"crossing", "pass", "town", "village"})
_CUES = {
    "district": (
        "district",
        "districts",
        "agency",
        "tribal district",
        "tehsil",
        "subdivision",
        "valley",
        "tribal region",
        "tribal area",
        "area",
    ),
    "province": ("province", "provinces", "wilayat"),
    "crossing": ("border crossing", "crossing", "crossing point", "gate", "terminal"),
    "town": ("city", "town", "village", "bazaar", "town s"),
}
_CUE_KINDS = {
    "district": frozenset({"district", "crosswalk", "locality"}),
    "province": frozenset({"province", "region"}),
    "crossing": frozenset({"crossing", "pass"}),
    "town": frozenset({"town", "village"}),
}
_DIGEST = re.compile(
    r"\b(factbox|fact box|security developments|round ?up|programme summary|program summary|"
    r"highlights from|press review|press digest|media roundup|news roundup|headlines)\b",
    re.IGNORECASE,
)
_SEGMENT = re.compile(r"[;|]")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: "ISLAMABAD, Oct 2 (PTI)", "PESHAWAR, Pakistan (AP) -", "Quetta: ": the reporting city.
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Za-z'.-]+(?:\s[A-Z][A-Za-z'.-]+){0,2}(?:,\s*(?:Pakistan|Afghanistan))?"
    rf"(?:\s*,\s*(?i:{_MONTH})\s+\d{{1,2}}"
    r"|\s*\((?:AP|AFP|Reuters|PTI|IANS|Xinhua|APP|dpa|UNI)\)"
    r"|\s*:(?=\s))"
)
#: A capital used for its government: "Kabul says", "Islamabad accuses".
_METONYMY = re.compile(
    r"\s+(says|said|say|accuses|accused|warns|warned|claims|claimed|denies|denied|blames|"
    r"blamed|rejects|rejected|urges|urged|vows|vowed|demands|demanded|condemns|condemned|"
    r"asks|asked|tells|told|wants|insists)\b",
    re.IGNORECASE,
)
_CAPITALS = frozenset({"Kabul", "Islamabad"})


@dataclass(frozen=True, slots=True)
class Geocoded:
    """Every name found (``mentions``) and the chosen ``location`` (or None)."""

    mentions: tuple[PlaceMention, ...]
    location: Location | None
    countries: tuple[str, ...] = ()  # countries the text names ("Pakistani", "Afghan")


class Geocoder:
    """Geocode texts with a built :class:`Gazetteer`. Pure: no I/O after construction."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def geocode(self, text: str) -> Geocoded:
        """Find the places in ``text`` and choose where its event happened."""
        found = self.gazetteer.find(text)
        if not found:
            return Geocoded((), None, ())
        places = self.gazetteer.places
        bureau_datelines, local_datelines = _datelines(text)
        digest_spans = _digest_segments(text) + bureau_datelines
        earlier = earlier_event_spans(text)
        countries = {
            places[i].country for m in found for i in m.places if places[i].kind == "country"
        }
        real = [m for m in found if not any(places[i].kind in CONTEXT_KINDS for i in m.places)]
        usable = [
            m
            for m in real
            if not _inside(m, digest_spans)
            and not _government(m, text, [places[i] for i in m.places])
        ]
        country_list = tuple(sorted(countries))
        if not usable:
            return Geocoded(self._mentions(real, {}), None, country_list)
        folded = fold(text)
        chosen: dict[int, tuple[Place, float]] = {}
        rank: dict[int, float] = {}
        for n, mention in enumerate(usable):
            others = [o for k, o in enumerate(usable) if k != n]
            # What the text says around the mention is the same for each of its places.
            cue = _cue(folded, mention.end)
            provinces_named = _countries_of_provinces(places, others)
            best = max(
                (
                    (self._score(places[i], others, countries, cue, provinces_named), i)
                    for i in mention.places
                ),
                key=lambda t: (t[0], -t[1]),
            )
            penalty = 3.0 if _inside(mention, local_datelines) else 0.0
            if _inside(mention, earlier):
                penalty += 4.0  # the place of the event this one answers or follows
            winner = places[best[1]]
            chosen[id(mention)] = (self._namesake(mention, winner, cue), best[0] - penalty)
            rank[id(mention)] = best[0] - penalty + _SPECIFICITY[winner.precision]
        event = max(usable, key=lambda m: rank[id(m)] - 0.01 * m.start)
        place, _ = chosen[id(event)]
        companions = [
            m
            for m in usable
            if m is not event and not _inside(m, earlier) and not _inside(m, local_datelines)
        ]
        also = _also_admin1(place, [chosen[id(m)][0] for m in companions])
        candidates = tuple(
            sorted(
                {places[i].name + f" ({places[i].kind}, {places[i].country})" for i in event.places}
            )
        )
        location = Location(
            name=event.text,
            place=place.name,
            kind=place.kind,
            lat=place.lat,
            lon=place.lon,
            country=place.country,
            admin1=place.admin1,
            admin2=place.admin2 if place.precision <= 2 else None,
            admin1_code=place.admin1_code,
            admin2_code=None,
            precision=place.precision,
            distance_km=place.distance_km,
            side=place.side,
            candidates=candidates,
            also_admin1=also,
        )
        return Geocoded(self._mentions(real, chosen), location)

    def _mentions(
        self, mentions: Sequence[Mention], chosen: dict[int, tuple[Place, float]]
    ) -> tuple[PlaceMention, ...]:
        out = []
        for m in mentions:
            place = chosen[id(m)][0] if id(m) in chosen else self.gazetteer.places[m.places[0]]
            out.append(
                PlaceMention(
                    text=m.text,
                    start=m.start,
                    end=m.end,
                    kind=place.kind,
                    name=place.name,
                    country=place.country,
                    admin1=place.admin1,
                    admin2=place.admin2,
                )
            )
        return tuple(out)

    def _namesake(self, mention: Mention, winner: Place, cue: str | None) -> Place:
        """The town a district is named after, when the text names it bare.

        "Spin Boldak", "Bannu": the district and its centre share the name, and a bare
        name is the town (ACLED codes the town); "Spin Boldak district" stays the
        district. The mention keeps the district's standing among the other places named.
        """
        if winner.kind != "district" or cue == "district":
            return winner
        places = self.gazetteer.places
        towns = [
            places[i]
            for i in mention.places
            if places[i].kind in _POINT_KINDS
            and places[i].country == winner.country
            and places[i].admin2 == winner.admin2
        ]
        return max(towns, key=lambda p: p.population) if towns else winner

    def _score(
        self,
        place: Place,
        others: Sequence[Mention],
        countries: set[str],
        cue: str | None,
        provinces_named: set[str],
    ) -> float:
        """How well ``place`` fits a mention: ``others`` are the other places named,
        ``cue`` the word after the mention ("district"), ``provinces_named`` the
        countries of the provinces the other names are."""
        places = self.gazetteer.places
        score = _KIND_BASE.get(place.kind, 1.0) + log_scale(place.population)
        if place.in_aoi:
            score += 1.0
        if cue is not None:
            score += 3.0 if place.kind in _CUE_KINDS[cue] else -1.0
        for other in others:
            for i in other.places:
                o = places[i]
                if o.country != place.country:
                    continue
                if (
                    o.kind in ("province", "region")
                    and place.kind not in ("province", "region")
                    and o.admin1 == place.admin1
                ):
                    score += 3.0
                    break
                if (
                    o.kind in ("district", "crosswalk")
                    and place.kind in _POINT_KINDS | {"locality"}
                    and o.admin2 is not None
                    and self.gazetteer.holds(o.country, o.admin2, place.admin2)
                ):
                    score += 3.0
                    break
                if place.kind in ("province", "region", "district", "crosswalk") and (
                    (
                        place.kind in ("province", "region")
                        and o.admin1 == place.admin1
                        and o.kind not in ("province", "region")
                    )
                    or (
                        place.kind in ("district", "crosswalk")
                        and o.admin2 == place.admin2
                        and o.kind in _POINT_KINDS
                    )
                ):
                    score += 1.0
                    break
        if countries:
            score += 1.0 if place.country in countries else -2.0
        if provinces_named and place.country not in provinces_named:
            score -= 1.5  # "Gulistan, Balochistan" is not Gulistan district of Farah
        return score


def _countries_of_provinces(places: Sequence[Place], mentions: Sequence[Mention]) -> set[str]:
    """The countries of the provinces the text names (names that are only a province)."""
    return {
        places[m.places[0]].country
        for m in mentions
        if all(places[i].kind in ("province", "region") for i in m.places)
        and len({places[i].country for i in m.places}) == 1
    }


def _also_admin1(place: Place, others: Sequence[Place]) -> tuple[str, ...]:
    """The other provinces of the event's country that the text places it in.

    "Strikes on Paktia and Paktika": the location is Paktia, and Paktika comes along.
    Places of the other country are another event (an action and its answer), and
    places the text names as an earlier event have already been left out.
    """
    return tuple(
        dict.fromkeys(
            o.admin1
            for o in others
            if o.country == place.country and o.admin1 and o.admin1 != place.admin1
        )
    )


def _cue(folded: str, end: int) -> str | None:
    tail = folded[end : end + 24].split()
    if not tail:
        return None
    two = " ".join(tail[:2])
    for kind, words in _CUES.items():
        if two in words or tail[0] in words:
            return kind
    return None


def _digest_segments(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for piece in _SEGMENT.split(text):
        end = start + len(piece)
        if _DIGEST.search(piece):
            spans.append((start, end))
        start = end + 1
    return spans


def _datelines(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans of datelines at the start of each segment: (bureau, local).

    Bureau: "Islamabad, Oct 2 (PTI)", "PESHAWAR, Pakistan (AP)": where a wire bureau
    filed from, not where the event was: such names are dropped.
    Local: "QUETTA: ...", the local-press style, where the event is often in or near the
    city: such names are used only when nothing else is named.
    """
    bureau: list[tuple[int, int]] = []
    local: list[tuple[int, int]] = []
    start = 0
    for piece in _SEGMENT.split(text):
        match = _DATELINE.match(piece)
        if match:
            kind = local if match.group(0).rstrip().endswith(":") else bureau
            kind.append((start, start + match.end()))
        start += len(piece) + 1
    return bureau, local


def _government(mention: Mention, text: str, places: Sequence[Place]) -> bool:
    """True for "Kabul says ...": the capital stands for its government."""
    if not any(p.name in _CAPITALS or p.admin1 in _CAPITALS for p in places):
        return False
    return bool(_METONYMY.match(text, mention.end))


def _inside(mention: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(a <= mention.start and mention.end <= b for a, b in spans)
