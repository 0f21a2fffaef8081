"""What happened, who did it, how many died, across which side: rules you can read.

``Extractor.extract`` takes a report's text, its publication time and its resolved
location, and returns an :class:`Extraction`. Pure: no I/O after construction. Its parts,
each with one reason to change:

* ``words`` and ``data/words.toml``: the word lists, as data;
* ``classify``: relevance and event type (ACLED's taxonomy);
* ``casualties``: deaths and injured, as stated;
* ``dates``: the event's date from the words and the publication time;
* ``actors``: who is named and in which role; ``claims``: who says what;
* ``direction``: who acted on whom across the line;
* ``extractor``: the :class:`Extractor` that runs them in order.
"""

from __future__ import annotations

from .actors import IEA_TAKEOVER, load_actors
from .casualties import count_fatalities, count_injured
from .classify import classify, is_violent
from .dates import event_date_of
from .extractor import Extractor
from .records import Actor, ActorSpec, Claim, Crossing, Extraction

__all__ = [
    "IEA_TAKEOVER",
    "Actor",
    "ActorSpec",
    "Claim",
    "Crossing",
    "Extraction",
    "Extractor",
    "classify",
    "count_fatalities",
    "count_injured",
    "event_date_of",
    "is_violent",
    "load_actors",
]
