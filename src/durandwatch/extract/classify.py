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
    LISTS,
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
    TextWords,
)

_VIOLENT_TYPES = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})


def classify(
    low: str,
    location: Location | None,
    countries: Sequence[str],
    mentions: Sequence[Match[ActorSpec]],
) -> tuple[bool, str, str | None, str | None]:
    """Relevance, the reason, event type and sub-type (ACLED)."""
    words = LISTS.read(low)
    armed_named = any(m.value.kind in ("state", "rebel", "external") for m in mentions)
    armed = armed_named or words.has(ARMED)
    blocked = words.has(NON_CONFLICT) or words.has(SPORT)
    if location is None and not countries and words.has(FOREIGN):
        return False, "placed outside Afghanistan and Pakistan", None, None
    protest = _protest_type(words)
    if protest is not None and _PROTEST_OBJECT.search(low) and not words.has(VIOLENT_DEATH):
        # "tribesmen protest against the military operation": the violence is the subject.
        return _protest(words, protest, armed, blocked)
    event_type, sub_type = _violent_type(words)
    if event_type is not None and sub_type is not None:
        if blocked and not armed:
            return False, "an accident, disaster, sport or market story, not an attack", None, None
        return True, f"means of violence: {sub_type.lower()}", event_type, sub_type
    if protest is not None and not words.has(VIOLENT_DEATH):
        return _protest(words, protest, armed, blocked)
    weak = words.has(WEAK_MEANS) and not words.has(WEAK_BLOCK)
    death = words.has(VIOLENT_DEATH) and not words.has(NEGATED_CASUALTIES)
    if not (weak or death) and armed and words.has(CASUALTY) and not words.has(NEGATED_CASUALTIES):
        death = True  # "three militants die", "succumbs to injuries", "bodies"
    fighting = _FIGHTING.search(low)
    if fighting and location is not None and not blocked:
        return True, "fighting in the area", "Battles", "Armed clash"
    if (weak and armed) or death:
        if blocked and not (armed and (death or weak)):
            return False, "deaths in an accident, disaster or game, not in conflict", None, None
        if blocked and not _MILITANT_STEMS.search(low):
            return False, "an accident, disaster, sport or market story, not an attack", None, None
        kinds = {m.value.kind for m in mentions} & {"state", "rebel", "external"}
        if len(kinds) >= 2 or (_MILITANTS.search(low) and _FORCES.search(low)):
            return True, "fighting between armed actors", "Battles", "Armed clash"
        if weak and armed and not death:
            return True, "armed action", "Battles", "Armed clash"
        return True, "violent deaths", "Violence against civilians", "Attack"
    if protest is not None:
        return _protest(words, protest, armed, blocked)
    strategic = _strategic_type(words, armed)
    if strategic is not None and not words.has(SPORT):
        return True, "strategic development", "Strategic developments", strategic
    return False, "no violent or security event named", None, None


#: Every list one of which a text must match to be relevant by :func:`classify`: each
#: path to ``True`` there needs one of them (or ``_FIGHTING``). Add a list here when a new
#: path needs a new one; ``tests/test_extract.py`` checks the gate on every corpus.
_RELEVANCE_LISTS = (
    SUICIDE,
    AIR,
    SHELLING,
    GRENADE,
    EXPLOSIVE,
    ABDUCTION,
    RIOT,
    PROTEST,
    CLASH,
    VIOLENCE_CIV,
    WEAK_MEANS,
    VIOLENT_DEATH,
    CASUALTY,
    DISRUPTED,
    ARREST,
    AGREEMENT,
    STRATEGIC,
)


def cannot_be_relevant(low: str) -> bool:
    """True when :func:`classify` says "not relevant" for ``low`` whatever the place and
    the actors: the text names no means of violence, casualty, protest or strategic
    development. Most ordinary news is settled here, before geocoding."""
    if _FIGHTING.search(low):
        return False
    words = LISTS.read(low)
    return not any(words.has(each) for each in _RELEVANCE_LISTS)


_PROTEST_OBJECT = re.compile(
    r"\b(?:protest\w*|rall(?:y|ies|ied)|demonstrat\w*|sit[- ]in)\b.{0,40}?"
    r"\b(?:against|over|condemn\w*|demanding|about)\b"
)
_FIGHTING = re.compile(r"\b(fighting|battles? rag\w*|hostilities|gun ?battles?)\b")
_MILITANT_STEMS = re.compile(r"\b(militan|terroris|insurgen|taliban|taleban|ttp|gunm)")
_MILITANTS = re.compile(r"\b(militants?|terrorists?|insurgents?|extremists?|taliban|taleban)\b")
_FORCES = re.compile(r"\b(troops|forces|soldiers|army|police|security)\b")
_SECURITY_MATTER = re.compile(
    r"\b(border|military|operation|drone|taliban|ttp|killing|missing persons|"
    r"disappear\w*|insecurity|terror\w*|peace)\b"
)


def _protest(
    words: TextWords, protest: tuple[str, str], armed: bool, blocked: bool
) -> tuple[bool, str, str | None, str | None]:
    """Protests count when they are about security (operations, killings, the border)."""
    if blocked or not (armed or words.has(CASUALTY) or _SECURITY_MATTER.search(words.low)):
        return False, "a protest about an ordinary matter", None, None
    return True, "protest about security", protest[0], protest[1]


_AIR_FORCE_EVENT = re.compile(r"\bair force (?:chief|academy|day|show)")


def _violent_type(words: TextWords) -> tuple[str | None, str | None]:
    if words.has(SUICIDE):
        return "Explosions/Remote violence", "Suicide bomb"
    if words.has(AIR) and not _AIR_FORCE_EVENT.search(words.low):
        return "Explosions/Remote violence", "Air/drone strike"
    if words.has(SHELLING):
        return "Explosions/Remote violence", "Shelling/artillery/missile attack"
    if words.has(GRENADE):
        return "Explosions/Remote violence", "Grenade"
    if words.has(EXPLOSIVE) and not words.has(DISRUPTED):
        return "Explosions/Remote violence", "Remote explosive/landmine/IED"
    if words.has(ABDUCTION):
        return "Violence against civilians", "Abduction/forced disappearance"
    if words.has(RIOT) and words.has(PROTEST):
        return "Riots", "Violent demonstration"
    if words.has(CLASH):
        return "Battles", "Armed clash"
    if words.has(VIOLENCE_CIV):
        return "Violence against civilians", "Attack"
    return None, None


def _protest_type(words: TextWords) -> tuple[str, str] | None:
    if words.has(RIOT):
        return "Riots", "Violent demonstration" if words.has(PROTEST) else "Mob violence"
    if words.has(PROTEST):
        return "Protests", "Peaceful protest"
    return None


_AGREEMENT_PARTIES = re.compile(r"\b(afghan|pakistan|border|taliban)")
_ECONOMY = re.compile(
    r"\b(trade|transit|railway|economic|investment|mining|visa|tourism|power "
    r"import|electricity|cricket|exports?|imports?)\b"
)
_REGION = re.compile(
    r"\b(afghan\w*|pakistan\w*|kabul|islamabad|border|torkham|chaman|taliban|ttp|durand)\b"
)
_TRANSFER = re.compile(r"\b(took control|captured|seized)\b")
_BASE = re.compile(r"\b(established|set up)\b")


def _strategic_type(words: TextWords, armed: bool) -> str | None:
    low = words.low
    if words.has(DISRUPTED) and (armed or words.has(EXPLOSIVE)):
        return "Disrupted weapons use"
    if words.has(ARREST) and armed:
        return "Arrests"
    if words.has(AGREEMENT) and (armed or _AGREEMENT_PARTIES.search(low)):
        return "Agreement"
    if _ECONOMY.search(low):
        return None
    if words.has(STRATEGIC) and _REGION.search(low):
        if _TRANSFER.search(low):
            return "Non-violent transfer of territory"
        if _BASE.search(low):
            return "Headquarters or base established"
        return "Other"
    return None


def is_violent(event_type: str | None) -> bool:
    """Battles, explosions/remote violence and violence against civilians."""
    return event_type in _VIOLENT_TYPES
