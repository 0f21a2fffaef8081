"""Relevance and event type (ACLED's taxonomy), from the word lists.

A text is about a violent or security event when it names a means of violence (bomb,
blast, airstrike, shelling, gunmen, clash, ambush, kidnapping ...), or casualties
together with an armed actor (militants, troops, police, TTP ...), or one of the
strategic developments the source report tracks (border closure, ceasefire, talks,
ambassadors, arrests of militants). Accidents, disasters, sport and markets are not
events even when they kill ("bus plunges into ravine", "cricket clash"); a text placed
outside Afghanistan and Pakistan is not relevant. The event type is the first rule that
fires, from the most specific means: suicide bomb, air/drone strike,
shelling/artillery/missile, grenade, remote explosive, abduction, armed clash, attack on
civilians, protests and riots, then strategic developments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..matcher import Match
from ..model import Location
from .records import ActorSpec
from .words import (
    ABDUCTION,
    AGREEMENT,
    AIR,
    ARMED,
    ARREST,
    CASUALTY,
    CLASH,
    DISRUPTED,
    EXPLOSIVE,
    FOREIGN,
    GRENADE,
    NEGATED_CASUALTIES,
    NON_CONFLICT,
    PROTEST,
    RIOT,
    SHELLING,
    SPORT,
    STRATEGIC,
    SUICIDE,
    VIOLENCE_CIV,
    VIOLENT_DEATH,
    WEAK_BLOCK,
    WEAK_MEANS,
)

_VIOLENT_TYPES = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})


def classify(
    low: str,
    location: Location | None,
    countries: Sequence[str],
    mentions: Sequence[Match[ActorSpec]],
) -> tuple[bool, str, str | None, str | None]:
    """Relevance, the reason, event type and sub-type (ACLED)."""
    armed = bool(ARMED.search(low)) or any(
        m.value.kind in ("state", "rebel", "external") for m in mentions
    )
    blocked = bool(NON_CONFLICT.search(low) or SPORT.search(low))
    if FOREIGN.search(low) and location is None and not countries:
        return False, "placed outside Afghanistan and Pakistan", None, None
    protest = _protest_type(low)
    if protest is not None and _PROTEST_OBJECT.search(low) and not VIOLENT_DEATH.search(low):
        # "tribesmen protest against the military operation": the violence is the subject.
        return _protest(low, protest, armed, blocked)
    event_type, sub_type = _violent_type(low)
    if event_type is not None and sub_type is not None:
        if blocked and not armed:
            return False, "an accident, disaster, sport or market story, not an attack", None, None
        return True, f"means of violence: {sub_type.lower()}", event_type, sub_type
    protest = _protest_type(low)
    if protest is not None and not VIOLENT_DEATH.search(low):
        return _protest(low, protest, armed, blocked)
    weak = WEAK_MEANS.search(low) and not WEAK_BLOCK.search(low)
    death = VIOLENT_DEATH.search(low) and not NEGATED_CASUALTIES.search(low)
    if (
        not (weak or death)
        and armed
        and CASUALTY.search(low)
        and not NEGATED_CASUALTIES.search(low)
    ):
        death = True  # "three militants die", "succumbs to injuries", "bodies"
    fighting = re.search(r"\b(fighting|battles? rag\w*|hostilities|gun ?battles?)\b", low)
    if fighting and location is not None and not blocked:
        return True, "fighting in the area", "Battles", "Armed clash"
    if (weak and armed) or death:
        if blocked and not (armed and (death or weak)):
            return False, "deaths in an accident, disaster or game, not in conflict", None, None
        if blocked and not re.search(
            r"\b(militan|terroris|insurgen|taliban|taleban|ttp|gunm)", low
        ):
            return False, "an accident, disaster, sport or market story, not an attack", None, None
        kinds = {m.value.kind for m in mentions} & {"state", "rebel", "external"}
        if len(kinds) >= 2 or (
            re.search(r"\b(militants?|terrorists?|insurgents?|extremists?|taliban|taleban)\b", low)
            and re.search(r"\b(troops|forces|soldiers|army|police|security)\b", low)
        ):
            return True, "fighting between armed actors", "Battles", "Armed clash"
        if weak and armed and not death:
            return True, "armed action", "Battles", "Armed clash"
        return True, "violent deaths", "Violence against civilians", "Attack"
    protest = _protest_type(low)
    if protest is not None:
        return _protest(low, protest, armed, blocked)
    strategic = _strategic_type(low, armed)
    if strategic is not None and not SPORT.search(low):
        return True, "strategic development", "Strategic developments", strategic
    return False, "no violent or security event named", None, None


_PROTEST_OBJECT = re.compile(
    r"\b(?:protest\w*|rall(?:y|ies|ied)|demonstrat\w*|sit[- ]in)\b.{0,40}?"
    r"\b(?:against|over|condemn\w*|demanding|about)\b"
)


def _protest(
    low: str, protest: tuple[str, str], armed: bool, blocked: bool
) -> tuple[bool, str, str | None, str | None]:
    """Protests count when they are about security (operations, killings, the border)."""
    if blocked or not (
        armed
        or CASUALTY.search(low)
        or re.search(
            r"\b(border|military|operation|drone|taliban|ttp|killing|missing persons|"
            r"disappear\w*|insecurity|terror\w*|peace)\b",
            low,
        )
    ):
        return False, "a protest about an ordinary matter", None, None
    return True, "protest about security", protest[0], protest[1]


def _violent_type(low: str) -> tuple[str | None, str | None]:
    if SUICIDE.search(low):
        return "Explosions/Remote violence", "Suicide bomb"
    if AIR.search(low) and not re.search(r"\bair force (?:chief|academy|day|show)", low):
        return "Explosions/Remote violence", "Air/drone strike"
    if SHELLING.search(low):
        return "Explosions/Remote violence", "Shelling/artillery/missile attack"
    if GRENADE.search(low):
        return "Explosions/Remote violence", "Grenade"
    if EXPLOSIVE.search(low) and not DISRUPTED.search(low):
        return "Explosions/Remote violence", "Remote explosive/landmine/IED"
    if ABDUCTION.search(low):
        return "Violence against civilians", "Abduction/forced disappearance"
    if RIOT.search(low) and PROTEST.search(low):
        return "Riots", "Violent demonstration"
    if CLASH.search(low):
        return "Battles", "Armed clash"
    if VIOLENCE_CIV.search(low):
        return "Violence against civilians", "Attack"
    return None, None


def _protest_type(low: str) -> tuple[str, str] | None:
    if RIOT.search(low):
        return "Riots", "Violent demonstration" if PROTEST.search(low) else "Mob violence"
    if PROTEST.search(low):
        return "Protests", "Peaceful protest"
    return None


def _strategic_type(low: str, armed: bool) -> str | None:
    if DISRUPTED.search(low) and (armed or EXPLOSIVE.search(low)):
        return "Disrupted weapons use"
    if ARREST.search(low) and armed:
        return "Arrests"
    if AGREEMENT.search(low) and (armed or re.search(r"\b(afghan|pakistan|border|taliban)", low)):
        return "Agreement"
    if re.search(
        r"\b(trade|transit|railway|economic|investment|mining|visa|tourism|power "
        r"import|electricity|cricket|exports?|imports?)\b",
        low,
    ):
        return None
    if STRATEGIC.search(low) and re.search(
        r"\b(afghan\w*|pakistan\w*|kabul|islamabad|border|torkham|chaman|taliban|ttp|durand)\b",
        low,
    ):
        if re.search(r"\b(took control|captured|seized)\b", low):
            return "Non-violent transfer of territory"
        if re.search(r"\b(established|set up)\b", low):
            return "Headquarters or base established"
        return "Other"
    return None


def is_violent(event_type: str | None) -> bool:
    """Battles, explosions/remote violence and violence against civilians."""
    return event_type in _VIOLENT_TYPES
