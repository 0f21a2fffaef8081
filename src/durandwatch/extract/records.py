"""What the extractor returns: frozen records of actors, claims and the extraction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ActorSpec:
    """One entry of ``data/actors.toml``."""

    id: str
    name: str
    kind: str
    country: str
    sectarian: bool = False


@dataclass(frozen=True, slots=True)
class Actor:
    """An actor named in a report, with its role (actor1 acts, actor2 is the target)."""

    id: str
    name: str
    kind: str
    country: str | None
    role: str
    text: str
    sectarian: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement by a party to the conflict: who, and the words that say so."""

    party: str
    kind: str  # "responsibility" or "statement"
    start: int
    end: int
    quote: str


@dataclass(frozen=True, slots=True)
class Crossing:
    """Who acted on whom across the line, with the words of the report that say so."""

    direction: str  # PK->AF, AF->PK or both
    start: int
    end: int
    evidence: str
    cue: str  # action, accusation, fired-from, exchange, place
    claimed: bool  # only one party says so


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything the rules read from one report."""

    relevant: bool
    event_type: str | None
    sub_event_type: str | None
    actors: tuple[Actor, ...]
    fatalities: int | None
    fatalities_range: tuple[int, int] | None
    injured: int | None
    cross_border: bool
    direction: str | None  # "PK->AF", "AF->PK", "both"
    event_date: date
    time_precision: int  # 1 day, 2 week, 3 month
    claim: Claim | None
    sectarian: bool
    reason: str  # why relevant or not, in words
    crossing: Crossing | None = None  # the evidence for ``direction``
