"""Frozen dataclasses passed between stages.

Datetimes are timezone-aware UTC everywhere inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed of the catalog (``feeds/feeds.toml``)."""

    name: str
    url: str
    language: str = "en"
    country: str = ""  # focus: "AF", "PK", "AF|PK" or "" for global
    interval_minutes: int = 30
    enabled: bool = True
    notes: str = ""
    outlet: str = ""  # publisher; reports from one outlet are not independent


@dataclass(frozen=True, slots=True)
class Item:
    """One news item, normalised from any feed format.

    ``id`` is stable across polls and restarts: a hash of the guid (scoped to the site
    when the guid is not a URI), else of the link, else of the title and date.
    ``published_estimated`` is true when the feed gave no usable date and
    ``published`` is the time the item was first seen.
    """

    id: str
    url: str | None
    title: str
    summary: str
    published: datetime
    source: str
    language: str
    published_estimated: bool = False
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What the HTTP layer returns: the body bytes (or ``not_modified``) and metadata."""

    url: str  # final URL after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    elapsed_s: float = 0.0
    redirects: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The items of one document plus what the parser noticed on the way.

    ``failures`` holds the exceptions of entries that could not be read (each is also
    counted in ``warnings``), so the caller can log their tracebacks.
    """

    title: str
    items: tuple[Item, ...]
    warnings: tuple[str, ...] = ()
    truncated: bool = False
    failures: tuple[BaseException, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the store remembers about a feed between polls."""

    name: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    next_attempt: datetime | None = None
    items: int = 0


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """The result of polling one feed once; what ``once`` and ``status`` report."""

    feed: str
    ok: bool
    status: str  # "ok", "not-modified", "skipped", "failed"
    http_status: int | None = None
    items_seen: int = 0
    items_new: int = 0
    error: str | None = None
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Location:
    """Where a report places its event (see DESIGN.md, "Location model").

    ``precision`` follows ACLED: 1 town or nearer, 2 district, 3 province. For precision
    2 and 3 the point is the unit's representative point (or its seat's), never an exact
    place: show the unit, not a pin.
    """

    name: str  # the words as matched in the text
    place: str  # the gazetteer's name for the place
    kind: str
    lat: float | None
    lon: float | None
    country: str
    admin1: str | None
    admin2: str | None
    admin1_code: str | None
    admin2_code: str | None
    precision: int
    distance_km: float | None  # to the Durand Line, metric CRS
    side: str | None  # AF or PK: the side of the line the point is on
    candidates: tuple[str, ...] = ()
    in_aoi: bool = True  # near the Durand Line or in a border province
    # Other provinces of the same country the text places the event in ("strikes on
    # Paktia and Paktika": admin1 Paktia, also_admin1 ("Paktika",)); admin1 stays the one
    # the point is in.
    also_admin1: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place name found in a text, with its character span and what it was read as."""

    text: str
    start: int
    end: int
    kind: str
    name: str
    country: str
    admin1: str | None
    admin2: str | None
