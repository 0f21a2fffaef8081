"""Across the line: whether one side acted on the other, and in which direction."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Location
from .records import Actor
from .words import CROSS_BORDER


def across_the_line(
    low: str, actors: Sequence[Actor], location: Location | None
) -> tuple[bool, str | None]:
    """Whether one side acted on the other, and the direction ("PK->AF" or "AF->PK").

    The actor is from one country and the place, or the target, is in the other; or the
    text says the action crossed the line ("from across the border", "Durand Line"), in
    which case it came from the other side into the place named.
    """
    side = (location.side or location.country) if location is not None else None
    forces = ("pk-forces", "af-forces")
    acting = [a for a in actors if a.role == "actor1" and a.id in forces]
    if not acting:
        # "Pakistani airstrikes in Paktika": the means names the side that acted.
        acting = [
            a
            for a in actors
            if a.id in forces
            and re.search(
                r"strike|shell|fire|bomb|drone|jets|aircraft|retaliat", a.text, re.IGNORECASE
            )
        ]
    targets = [a for a in actors if a.role == "actor2" and a.id in forces]
    for actor in acting:
        if side in ("AF", "PK") and actor.country and actor.country != side:
            return True, f"{actor.country}->{side}"
        for target in targets:
            if target.country and actor.country and target.country != actor.country:
                return True, f"{actor.country}->{target.country}"
    if not CROSS_BORDER.search(low):
        return False, None
    if targets and not acting:
        victim = targets[0].country
        return True, f"{'AF' if victim == 'PK' else 'PK'}->{victim}"
    if acting and acting[0].country in ("AF", "PK"):
        origin = acting[0].country
        return True, f"{origin}->{'AF' if origin == 'PK' else 'PK'}"
    if re.search(r"from (?:the )?afghan (?:side|soil|territory)|from afghanistan", low):
        return True, "AF->PK"
    if re.search(r"from (?:the )?pakistani (?:side|soil|territory)|from pakistan", low):
        return True, "PK->AF"
    if side in ("AF", "PK"):
        return True, f"{'AF' if side == 'PK' else 'PK'}->{side}"
    return True, None
