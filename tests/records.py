"""Typed incidents and alerts for tests: every field set, any of them overridden."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from durandwatch.dedup import Incident, SourceRef
from durandwatch.lifecycle import Alert
from durandwatch.model import Location

DAY = date(2024, 12, 29)

KURRAM = Location(
    name="Kurram",
    place="Kurram",
    kind="district",
    lat=33.9,
    lon=70.1,
    country="PK",
    admin1="Khyber Pakhtunkhwa",
    admin2="Kurram",
    admin1_code="PK-KP",
    admin2_code=None,
    precision=2,
    distance_km=12.0,
    side="PK",
)


def make_incident(**fields: Any) -> Incident:
    """A one-report incident in Kurram on ``DAY``, with ``fields`` in place of the defaults."""
    published = datetime(2024, 12, 29, 8, 0, tzinfo=UTC)
    base = Incident(
        id="inc-1",
        title="Blast in Kurram",
        event_date=DAY,
        first_reported=published,
        event_type="Explosions/Remote violence",
        sub_event_type="Remote explosive/landmine/IED",
        location=KURRAM,
        actors=(),
        fatalities=None,
        fatalities_range=None,
        injured=None,
        cross_border=False,
        direction=None,
        sectarian=False,
        sources=(
            SourceRef("r-1", "Dawn", "https://dawn.example/1", published, "Blast", None, None),
        ),
        outlets=1,
        claimed_by=(),
    )
    return replace(base, **fields)


def make_alert(**fields: Any) -> Alert:
    """A new orange district alert for Kurram on ``DAY``, with ``fields`` in its place."""
    base = Alert(
        day=DAY,
        alert_id="dw-abc",
        level="orange",
        score=61.0,
        country="PK",
        admin1="Khyber Pakhtunkhwa",
        admin2="Kurram",
        lat=33.9,
        lon=70.1,
        reasons=("7 incidents in 3 days",),
        unit="district",
        kind="escalation",
        sector=None,
        status="new",
        trend="new",
        previous_level=None,
        opened=DAY,
        previous_day=None,
        name="Kurram",
        silence=False,
        escalation=None,
        severity=None,
        drivers=(),
        chain=(),
        incidents=(),
    )
    return replace(base, **fields)
