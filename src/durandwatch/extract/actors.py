"""Who is named, and in which role: actor1 acts, actor2 is the target, or a source speaks.

The actors come from the curated list ``data/actors.toml``; a generic name ("security
forces", "Taliban") is resolved to a side by the place and the date.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from ..matcher import Match
from ..model import Location
from .records import Actor, ActorSpec

IEA_TAKEOVER = date(2021, 8, 15)


def load_actors(path: Path | None = None) -> list[tuple[ActorSpec, list[str]]]:
    """The curated actor list (``data/actors.toml``)."""
    source = path or Path(__file__).resolve().parent.parent / "data" / "actors.toml"
    raw = tomllib.loads(source.read_text(encoding="utf-8"))
    actors = []
    for entry in raw["actor"]:
        spec = ActorSpec(
            id=entry["id"],
            name=entry["name"],
            kind=entry["kind"],
            country=entry.get("country", ""),
            sectarian=bool(entry.get("sectarian")),
        )
        actors.append((spec, list(entry["aliases"])))
    return actors


_VERB = re.compile(
    r"\b(kill\w*|attack\w*|strik\w*|struck|target\w*|ambush\w*|bomb\w*|shell\w*|raid\w*|"
    r"abduct\w*|kidnap\w*|fired|fires|firing|hit|hits|pound\w*|shot|gunned|behead\w*|"
    r"storm\w*|clash\w*|retaliat\w*|arrest\w*|detain\w*|executed|martyr\w*)\b",
    re.IGNORECASE,
)

_ACTIVE_AFTER = re.compile(
    r"\s*(?:have |had |has |)(attack\w*|kill\w*|strik\w*|struck|target\w*|ambush\w*|bomb\w*|"
    r"shell\w*|raid\w*|abduct\w*|kidnap\w*|fired|fire|opened fire|hit|hits|pound\w*|shot|"
    r"gunned|storm\w*|clash\w*|retaliat\w*|arrest\w*|detain\w*|behead\w*|repuls\w*|"
    r"launch\w*|carr\w+ out|destroy\w*|seiz\w*|captur\w*)\b(\s+\w+)?",
    re.IGNORECASE,
)

_PREPOSITIONS = frozenset(
    {
        "in",
        "during",
        "as",
        "by",
        "near",
        "after",
        "when",
        "while",
        "on",
        "at",
        "and",
        "amid",
        "following",
        "for",
        "from",
        "with",
    }
)

_SPOKE = re.compile(
    r"\s*(?:spokes\w+\s+|officials?\s+|sources?\s+)?(?:say|says|said|claim\w*|"
    r"told|confirm\w*|report\w*|allege\w*|accus\w*|den(?:y|ies|ied)|warn\w*|blam\w*|"
    r"vow\w*|condemn\w*)\b",
    re.IGNORECASE,
)

_TARGETED_BEFORE = re.compile(
    r"\b(?:kill\w*|attack\w*|target\w*|ambush\w*|abduct\w*|"
    r"kidnap\w*|struck|hit|hits|shot|arrest\w*|detain\w*|behead\w*)"
    r"\s+(?:\w+\s+){0,3}$",
    re.IGNORECASE,
)

_PASSIVE = re.compile(r"\b(?:by|from)\s+$", re.IGNORECASE)

_TARGET_OF = re.compile(r"\b(?:on|against|targeting|at)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def _main_verb(text: str) -> re.Match[str] | None:
    return _VERB.search(text)


_CLAIM_AFTER = re.compile(r"\s*claim", re.IGNORECASE)
_UNDER_AFTER = re.compile(r"(?:\s+\w+){0,4}?\s+(?:came|come|comes|were|was) under\b", re.IGNORECASE)


def _role(text: str, mention: Match[ActorSpec], verb: re.Match[str] | None) -> str:
    """actor1 (acts), actor2 (target) or "source" (a party speaking about the event)."""
    after = text[mention.end : mention.end + 60]
    if _SPOKE.match(after):
        # A group that claims an attack carried it out; anyone else is a source.
        claims = _CLAIM_AFTER.match(after)
        return "actor1" if claims and mention.value.kind == "rebel" else "source"
    before = text[max(0, mention.start - 12) : mention.start]
    if _PASSIVE.search(before):
        return "actor1"
    if _TARGET_OF.search(text[max(0, mention.start - 30) : mention.start]):
        return "actor2"
    if mention.value.kind == "civilians":
        return "actor2"
    if _UNDER_AFTER.match(after):
        return "actor2"
    active = _ACTIVE_AFTER.match(after)
    if active:
        word = active.group(1).lower()
        following = (active.group(2) or "").strip().lower()
        passive = word.endswith("ed") and (not following or following in _PREPOSITIONS)
        return "actor2" if passive else "actor1"
    if _TARGETED_BEFORE.search(text[max(0, mention.start - 40) : mention.start]):
        return "actor2"
    if verb is None:
        return "actor1"
    return "actor1" if mention.start < verb.start() else "actor2"


def assign_roles(
    specs: dict[str, ActorSpec],
    text: str,
    mentions: list[Match[ActorSpec]],
    location: Location | None,
    countries: Sequence[str],
    event_date: date,
) -> tuple[Actor, ...]:
    """The actors named in ``text``, each with its side and role, acting ones first."""
    if not mentions:
        return ()
    verb = _main_verb(text)
    side = (
        (location.side or location.country)
        if location is not None
        else (countries[0] if len(countries) == 1 else None)
    )
    actors: list[Actor] = []
    seen: set[tuple[str, str]] = set()
    for m in mentions:
        spec = m.value
        name, ident, country = spec.name, spec.id, spec.country or None
        if spec.id == "state-forces":
            if side == "AF":
                ident, name, country = "af-forces", specs["af-forces"].name, "AF"
            elif side == "PK":
                ident, name, country = "pk-forces", specs["pk-forces"].name, "PK"
        if ident == "af-forces":
            name = (
                "Afghan Taliban forces (IEA)"
                if event_date >= IEA_TAKEOVER
                else "Afghan government forces"
            )
        if spec.id == "militants" and m.text.lower() in ("taliban", "taleban"):
            if side == "PK":
                ident, name, country = "ttp", specs["ttp"].name, "PK"
            elif side == "AF" and event_date >= IEA_TAKEOVER:
                ident, name, country = "af-forces", "Afghan Taliban forces (IEA)", "AF"
            elif side == "AF":
                ident, name, country = "taliban", "Taliban (insurgency)", "AF"
        role = _role(text, m, verb)
        if role != "source" and any(i == ident and r != "source" for i, r in seen):
            continue
        if (ident, role) in seen:
            continue
        seen.add((ident, role))
        actors.append(
            Actor(
                id=ident,
                name=name,
                kind=spec.kind,
                country=country,
                role=role,
                text=m.text,
                sectarian=spec.sectarian,
            )
        )
    if not any(a.role == "actor1" for a in actors):
        # "militants killed in a clash with security forces": the forces acted.
        for n, a in enumerate(actors):
            if (
                a.role == "actor2"
                and a.kind in ("state", "external")
                and len([x for x in actors if x.role == "actor2"]) > 1
            ):
                actors[n] = replace(a, role="actor1")
                break
    actors.sort(key=lambda a: ({"actor1": 0, "actor2": 1}.get(a.role, 2), a.role))
    return tuple(actors)
