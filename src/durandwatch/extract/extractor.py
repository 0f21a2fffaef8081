"""The extractor: one report's text in, an :class:`Extraction` out. Pure after construction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..matcher import PhraseMatcher
from ..model import Location, PlaceMention
from ..textnorm import blank_spans, earlier_event_spans
from .actors import assign_roles, load_actors
from .casualties import count_fatalities, count_injured
from .claims import find_claim
from .classify import cannot_be_relevant, classify
from .dates import event_date_of
from .direction import read_direction
from .records import Actor, ActorSpec, Crossing, Extraction


class Extractor:
    """Rule-based incident extraction."""

    def __init__(self, actors: list[tuple[ActorSpec, list[str]]] | None = None) -> None:
        specs = actors if actors is not None else load_actors()
        self.actor_specs = {spec.id: spec for spec, _ in specs}
        self._actors: PhraseMatcher[ActorSpec] = PhraseMatcher(
            (alias, spec) for spec, aliases in specs for alias in aliases
        )

    def could_be_relevant(self, text: str) -> bool:
        """False when :meth:`extract` would find ``text`` not relevant wherever it is placed
        (cheap: one literal pass and a few patterns; no geocoding needed)."""
        low = _lower(text)
        own = blank_spans(low, earlier_event_spans(low))
        return not (cannot_be_relevant(low) and (own is low or cannot_be_relevant(own)))

    def extract(
        self,
        text: str,
        *,
        published: datetime,
        location: Location | None,
        countries: Sequence[str] = (),
        places: Sequence[PlaceMention] = (),
    ) -> Extraction:
        """Read one report.

        ``countries``: AF/PK named in the text (context words); ``places``: the places the
        geocoder found, with their spans (they tell on which side a sentence's action is).
        """
        low = _lower(text)
        event_date, time_precision = event_date_of(low, published)
        mentions = self._actors.find(text)
        # What happened, and how many died, is read without the clauses about an earlier
        # event ("in retaliation for last week's airstrikes that killed 46").
        own = blank_spans(low, earlier_event_spans(low))
        relevant, reason, event_type, sub_type = classify(own, location, countries, mentions)
        if not relevant and own is not low:
            relevant, reason, event_type, sub_type = classify(low, location, countries, mentions)
        fatalities, frange = count_fatalities(own) if relevant else (None, None)
        injured = count_injured(own) if relevant else None
        actors = assign_roles(self.actor_specs, text, mentions, location, countries, event_date)
        crossing = (
            read_direction(text, own, actors=actors, places=places, location=location)
            if relevant and event_type is not None
            else None
        )
        if crossing is not None:
            actors = self._with_sides(actors, crossing)
        claim = find_claim(text, actors) if relevant else None
        sectarian = any(a.sectarian for a in actors)
        return Extraction(
            relevant=relevant,
            event_type=event_type,
            sub_event_type=sub_type,
            actors=actors,
            fatalities=fatalities,
            fatalities_range=frange,
            injured=injured,
            cross_border=crossing is not None,
            direction=crossing.direction if crossing else None,
            event_date=event_date,
            time_precision=time_precision,
            claim=claim,
            sectarian=sectarian,
            reason=reason,
            crossing=crossing,
        )

    def _with_sides(self, actors: tuple[Actor, ...], crossing: Crossing) -> tuple[Actor, ...]:
        """The state that acted across the line as actor1 (and the other as its target).

        "Three children killed in Pakistani airstrike on Kunar" names no actor the list
        knows, but the means says who acted.
        """
        origin, _, target = crossing.direction.partition("->")
        sides = ("PK", "AF") if crossing.direction == "both" else (origin, target)
        ids = {"PK": "pk-forces", "AF": "af-forces"}
        found = list(actors)
        for role, side in zip(("actor1", "actor2"), sides, strict=True):
            ident = ids[side]
            if any(a.id == ident and a.role == role for a in found):
                continue
            found = [a for a in found if not (a.id == ident and a.role != "source")]
            spec = self.actor_specs[ident]
            found.append(
                Actor(ident, spec.name, spec.kind, side, role, crossing.evidence, spec.sectarian)
            )
        found.sort(key=lambda a: ({"actor1": 0, "actor2": 1}.get(a.role, 2), a.role))
        return tuple(found)


def _lower(text: str) -> str:
    """The text the rules read: lower case, curly apostrophes straight (same length)."""
    return text.lower().replace("\u2019", "'")
