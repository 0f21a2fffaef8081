"""The extractor: one report's text in, an :class:`Extraction` out. Pure after construction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..matcher import PhraseMatcher
from ..model import Location
from ..textnorm import blank_spans, earlier_event_spans
from .actors import assign_roles, load_actors
from .casualties import count_fatalities, count_injured
from .claims import find_claim
from .classify import classify
from .dates import event_date_of
from .direction import across_the_line
from .records import ActorSpec, Extraction


class Extractor:
    """Rule-based incident extraction."""

    def __init__(self, actors: list[tuple[ActorSpec, list[str]]] | None = None) -> None:
        specs = actors if actors is not None else load_actors()
        self.actor_specs = {spec.id: spec for spec, _ in specs}
        self._actors: PhraseMatcher[ActorSpec] = PhraseMatcher(
            (alias, spec) for spec, aliases in specs for alias in aliases
        )

    def extract(
        self,
        text: str,
        *,
        published: datetime,
        location: Location | None,
        countries: Sequence[str] = (),
    ) -> Extraction:
        """Read one report. ``countries``: AF/PK named in the text (context words)."""
        low = text.lower()
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
        cross, direction = across_the_line(low, actors, location) if relevant else (False, None)
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
            cross_border=cross,
            direction=direction,
            event_date=event_date,
            time_precision=time_precision,
            claim=claim,
            sectarian=sectarian,
            reason=reason,
        )
