"""The alert lifecycle: one alert per unit and kind, its statuses and trend, its state."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from durandwatch.codec import state_from_record, state_record
from durandwatch.escalation import LINE, Unit, alert_id, assess
from durandwatch.lifecycle import advance, alert_of

from .test_escalation import DAY, KP, KURRAM, RULES, history, view


def test_statuses_follow_the_level() -> None:
    start = DAY - timedelta(days=200)
    calm = [view(k, day=start + timedelta(days=20 * k)) for k in range(10)]
    surge = [view(100 + k, day=DAY - timedelta(days=k)) for k in range(3)]
    first = next(a for a in assess(history([*calm, *surge]), DAY, RULES) if a.unit == KURRAM)
    state, events = advance({}, [first], DAY)
    assert [e.status for e in events] == ["new"]
    # The same assessment the next day: nothing changed.
    same = dataclasses.replace(first, day=DAY + timedelta(days=1))
    state, events = advance(state, [same], DAY + timedelta(days=1))
    assert [(e.status, e.trend) for e in events] == [("ongoing", "steady")]
    # More incidents, same level: updated; a higher level: escalated; lower: de-escalated.
    busier = dataclasses.replace(same, incidents=same.incidents[:1], score=same.score + 5)
    state, events = advance(state, [busier], DAY + timedelta(days=2))
    assert [(e.status, e.trend) for e in events] == [("updated", "rising")]
    red = dataclasses.replace(busier, level="red")
    state, events = advance(state, [red], DAY + timedelta(days=3))
    assert events[0].status == "escalated"
    assert events[0].previous_level == busier.level
    yellow = dataclasses.replace(red, level="yellow", score=red.score - 10)
    state, events = advance(state, [yellow], DAY + timedelta(days=4))
    assert (events[0].status, events[0].trend) == ("de-escalated", "falling")
    assert events[0].opened == DAY  # the same alert all along


def test_lifecycle_keeps_one_alert_that_changes() -> None:
    start = DAY - timedelta(days=200)
    calm = [view(k, day=start + timedelta(days=20 * k)) for k in range(10)]
    week = [view(100 + k, day=DAY - timedelta(days=k)) for k in range(3)]
    state, events = advance({}, assess(history([*calm, *week]), DAY, RULES), DAY)
    kurram = next(e for e in events if e.alert_id == alert_id(KURRAM))
    assert kurram.status == "new"
    tomorrow = DAY + timedelta(days=1)
    hot = [
        *calm,
        *week,
        *(view(200 + k, day=tomorrow, sub="Suicide bomb", deaths=30) for k in range(4)),
    ]
    state, events = advance(state, assess(history(hot), tomorrow, RULES), tomorrow)
    kurram = next(e for e in events if e.alert_id == alert_id(KURRAM))
    assert kurram.status in ("escalated", "updated")
    assert kurram.level == "red"
    # The state survives the store (JSON) and a restart.
    state = {
        k: state_from_record(json.loads(json.dumps(state_record(v)))) for k, v in state.items()
    }
    state, events = advance(state, [], DAY + timedelta(days=30))
    assert {e.status for e in events} == {"cleared"}
    assert state == {}
    # Clearing still says where and what: the digest, the CAP Cancel and the GeoJSON need it.
    cleared = next(alert_of(e) for e in events if e.alert_id == alert_id(KURRAM))
    assert (cleared.country, cleared.admin1, cleared.admin2) == (
        "PK",
        "Khyber Pakhtunkhwa",
        "Kurram",
    )
    assert cleared.unit == "district"
    assert cleared.lat is not None


def test_alert_ids_are_stable_per_unit_and_kind() -> None:
    assert alert_id(KURRAM) == alert_id(Unit("district", "PK", "Khyber Pakhtunkhwa", "Kurram"))
    # District and province ids are the ones earlier versions gave.
    import hashlib

    old = "dw-" + hashlib.sha256(b"PK|Khyber Pakhtunkhwa|Kurram").hexdigest()[:12]
    assert alert_id(KURRAM) == old
    assert len({alert_id(KURRAM), alert_id(KP), alert_id(LINE), alert_id(LINE, "exchange")}) == 4


def test_alert_states_stored_before_units_existed_still_load() -> None:
    old = {
        "alert_id": "dw-1",
        "level": "yellow",
        "score": 31.0,
        "opened": "2024-12-01",
        "updated": "2024-12-02",
        "incident_ids": ["inc-1"],
        "name": "Kurram",
    }
    state = state_from_record(old)
    _, events = advance({"dw-1": state}, [], DAY)
    alert = alert_of(events[0])
    assert alert.status == "cleared"
    assert alert.admin1 is None
    assert alert.kind == "escalation"
    assert alert.unit == "province"
