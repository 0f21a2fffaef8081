"""Escalation: scores in range, monotone intensity, order independence, reasons, lifecycle."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from durandwatch.escalation import History, IncidentView, alert_id, assess, intensity
from durandwatch.lifecycle import advance, event_record, state_from_record, state_record
from durandwatch.rules import Rules, load_rules

RULES = load_rules()
DAY = date(2024, 12, 28)
SUBTYPES = [
    "Air/drone strike",
    "Suicide bomb",
    "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED",
    "Armed clash",
    "Attack",
    "Arrests",
    "Other",
]
PLACES = [
    ("PK", "Khyber Pakhtunkhwa", "Kurram", 30.0),
    ("AF", "Paktika", "Barmal", 10.0),
    ("PK", "Khyber Pakhtunkhwa", "Khyber", 6.0),
    ("AF", "Khost", None, 20.0),
]


def view(
    n: int,
    *,
    day: date = DAY,
    sub: str = "Armed clash",
    place: int = 0,
    deaths: int | None = None,
    direction: str | None = None,
    outlets: int = 1,
    kind: str = "district",
) -> IncidentView:
    country, admin1, admin2, km = PLACES[place]
    return IncidentView(
        id=f"inc-{n}",
        title=f"incident {n}",
        event_date=day,
        event_type="Battles",
        sub_event_type=sub,
        fatalities=deaths,
        country=country,
        admin1=admin1,
        admin2=admin2,
        place=admin2 or admin1,
        place_kind=kind,
        precision=2 if admin2 else 3,
        lat=33.0,
        lon=70.0,
        distance_km=km,
        cross_border=direction is not None,
        direction=direction,
        outlets=outlets,
        claimed_by=(),
        actors=(),
        sources=((f"outlet{n}", None),),
    )


incidents = st.builds(
    view,
    n=st.integers(0, 10_000),
    day=st.integers(0, 60).map(lambda k: DAY - timedelta(days=k)),
    sub=st.sampled_from(SUBTYPES),
    place=st.integers(0, len(PLACES) - 1),
    deaths=st.one_of(st.none(), st.integers(0, 500)),
    direction=st.sampled_from([None, "PK->AF", "AF->PK"]),
    outlets=st.integers(1, 6),
    kind=st.sampled_from(["district", "crossing", "town"]),
)


def unique(items: list[IncidentView]) -> list[IncidentView]:
    return list({i.id: i for i in items}.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(incidents, max_size=40))
def test_scores_stay_in_range_and_levels_match(items: list[IncidentView]) -> None:
    for cluster in assess(History(unique(items)), DAY, RULES):
        assert 0 <= cluster.score <= 100
        assert cluster.level == RULES.level(cluster.score) or cluster.silence
        for component in cluster.components:
            assert 0 <= component.points <= component.max_points


@settings(max_examples=150, deadline=None)
@given(st.lists(incidents, max_size=30), incidents)
def test_adding_an_incident_never_lowers_intensity(
    items: list[IncidentView], extra: IncidentView
) -> None:
    base = unique(items)
    extra = view(99_999, sub=extra.sub_event_type or "Other", deaths=extra.fatalities)
    before = intensity(base, RULES).points
    assert intensity([*base, extra], RULES).points >= before


@settings(max_examples=60, deadline=None)
@given(st.lists(incidents, min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(items: list[IncidentView], rnd) -> None:  # type: ignore[no-untyped-def]
    items = unique(items)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert assess(History(items), DAY, RULES) == assess(History(shuffled), DAY, RULES)


def test_tit_for_tat_is_explained() -> None:
    strikes = view(
        1,
        day=DAY - timedelta(days=4),
        sub="Air/drone strike",
        place=1,
        deaths=46,
        direction="PK->AF",
        outlets=5,
    )
    answer = view(
        2,
        day=DAY,
        sub="Shelling/artillery/missile attack",
        place=0,
        deaths=1,
        direction="AF->PK",
        outlets=3,
    )
    more = [view(10 + k, day=DAY - timedelta(days=k % 3), place=0) for k in range(5)]
    clusters = {c.name: c for c in assess(History([strikes, answer, *more]), DAY, RULES)}
    kurram = clusters["Kurram"]
    text = " ".join(kurram.reasons)
    assert "Pakistani air/drone strike in Barmal answered by Afghan shelling" in text
    assert "within 96 h" in text
    assert "6 incidents in 3 days in Kurram" in text
    assert len(kurram.chain) == 2
    assert kurram.level in ("orange", "red")


def test_surge_needs_the_low_baseline_guard() -> None:
    two = [view(k, day=DAY - timedelta(days=k)) for k in range(2)]
    cluster = assess(History(two), DAY, RULES)[0]
    surge = next(c for c in cluster.components if c.name == "surge")
    assert surge.points == 0  # two incidents are not a surge, however low the baseline
    six = [view(k, day=DAY - timedelta(days=k % 5)) for k in range(6)]
    surge6 = next(c for c in assess(History(six), DAY, RULES)[0].components if c.name == "surge")
    assert surge6.points > 0
    assert "usual rate" in surge6.reason


def test_silence_is_flagged_not_calm() -> None:
    past = [view(k, day=DAY - timedelta(days=10 + k % 25), place=2) for k in range(40)]
    burst = [
        view(
            100 + k,
            day=DAY - timedelta(days=k % 4),
            sub="Air/drone strike",
            deaths=20,
            direction="AF->PK",
            outlets=4,
        )
        for k in range(8)
    ]
    clusters = {c.name: c for c in assess(History([*past, *burst]), DAY, RULES)}
    assert clusters["Kurram"].level in ("orange", "red")
    khyber = clusters["Khyber"]
    assert khyber.silence
    assert khyber.level != "green"
    assert "silence may mean a blackout" in khyber.reasons[-1]


def test_reciprocity_can_be_limited_to_one_sector() -> None:
    # Barmal strike, answered 4 days later near Chaman (~330 km away).
    strikes = view(1, day=DAY - timedelta(days=4), sub="Air/drone strike", place=1)
    strikes = dataclasses.replace(strikes, direction="PK->AF", cross_border=True, lat=32.7)
    answer = view(2, day=DAY, place=0, direction="AF->PK")
    answer = dataclasses.replace(answer, lat=30.92, lon=66.45)

    def chain(rules: Rules) -> tuple[str, ...]:
        clusters = {c.name: c for c in assess(History([strikes, answer]), DAY, rules)}
        return clusters["Kurram"].chain

    assert chain(RULES)  # shipped rules: anywhere along the line
    assert not chain(dataclasses.replace(RULES, reciprocity_within_km=150.0))
    assert chain(dataclasses.replace(RULES, reciprocity_within_km=400.0))


def test_lifecycle_keeps_one_alert_that_changes() -> None:
    calm = [view(k, day=DAY - timedelta(days=k)) for k in range(3)]
    day1 = assess(History(calm), DAY, RULES)
    state, events = advance({}, day1, DAY)
    assert [e.status for e in events] == ["new"]
    hot = calm + [
        view(50 + k, day=DAY + timedelta(days=1), sub="Suicide bomb", deaths=30, outlets=4)
        for k in range(4)
    ]
    state, events = advance(
        state, assess(History(hot), DAY + timedelta(days=1), RULES), DAY + timedelta(days=1)
    )
    assert events[0].status == "escalated"
    assert events[0].alert_id == alert_id(("PK", "Khyber Pakhtunkhwa", "Kurram"))
    # The state survives the store (JSON) and a restart.
    state = {
        k: state_from_record(json.loads(json.dumps(state_record(v)))) for k, v in state.items()
    }
    state, events = advance(state, [], DAY + timedelta(days=30))
    assert [e.status for e in events] == ["cleared"]
    assert state == {}
    # Clearing still says where: the digest, the CAP Cancel and the GeoJSON need it.
    cleared = event_record(events[0])
    assert (cleared["country"], cleared["admin1"], cleared["admin2"]) == (
        "PK",
        "Khyber Pakhtunkhwa",
        "Kurram",
    )
    assert cleared["lat"] is not None
    assert cleared["lon"] is not None


def test_alert_states_stored_before_places_were_kept_still_load() -> None:
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
    record = event_record(events[0])
    assert record["status"] == "cleared"
    assert record["admin1"] is None


def test_replay_of_the_samples_is_deterministic(tmp_path: Path) -> None:
    from durandwatch.analyze import Analyzer
    from durandwatch.gazetteer import build_gazetteer
    from durandwatch.geocode import Geocoder
    from durandwatch.region import load_region
    from durandwatch.replay import HistoryItem, replay

    texts = [
        (0, "Pakistani jets strike suspected TTP hideouts in Paktika's Barmal district, 46 killed"),
        (1, "Taliban say Pakistani airstrikes in Barmal killed 46, mostly women and children"),
        (4, "Afghan forces fire mortars at Pakistani border posts in Kurram; one soldier killed"),
        (4, "Pakistani posts in Kurram came under fire from across the border"),
        (5, "Heavy exchange of fire on Kurram border, two soldiers martyred"),
        (5, "Clashes in Kurram as Afghan forces target border posts, three killed"),
    ]
    t0 = datetime(2024, 12, 24, 12, tzinfo=UTC)
    items = [
        HistoryItem(f"i{n}", text, t0 + timedelta(days=d), f"outlet{n}")
        for n, (d, text) in enumerate(texts)
    ]
    analyzer = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        replay(
            list(reversed(items)) if run else items,
            analyzer,
            RULES,
            start=date(2024, 12, 24),
            end=date(2024, 12, 31),
            out=out,
            warmup_days=0,
        )
        outputs.append((out / "replay-alerts.jsonl").read_text())
    assert outputs[0] == outputs[1]
    alerts = [json.loads(line) for line in outputs[0].splitlines()]
    assert {
        "date",
        "alert_id",
        "level",
        "score",
        "country",
        "admin1",
        "admin2",
        "lat",
        "lon",
        "reasons",
    } <= set(alerts[0])
    kurram = [a for a in alerts if a["admin2"] == "Kurram" and a["date"] == "2024-12-29"]
    assert kurram
    assert any("answered by" in r for r in kurram[0]["reasons"])


@pytest.mark.parametrize(
    "bad",
    [
        "[levels]\nyellow = 60\norange = 50\nred = 70\n",
        '[surge]\nratio = "two"\n',
        "[nonsense]\nx = 1\n",
    ],
)
def test_bad_rules_are_reported(tmp_path: Path, bad: str) -> None:
    from durandwatch.errors import ConfigError

    path = tmp_path / "rules.toml"
    path.write_text(bad)
    with pytest.raises(ConfigError):
        load_rules(path)


def test_replay_command_writes_alerts_and_daily_folders(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from durandwatch.cli import main

    history = tmp_path / "history.jsonl"
    lines = [
        {
            "id": "a",
            "text": "Pakistani jets strike TTP hideouts in Barmal, Paktika; 46 killed",
            "published": "2024-12-24T20:00:00+00:00",
            "source": "Dawn",
        },
        {
            "id": "b",
            "text": "Afghan forces fire mortars at Pakistani posts in Kurram",
            "published": "2024-12-28T09:00:00+00:00",
            "source": "TOLOnews",
        },
        {"id": "c", "text": "not json"},
    ]
    history.write_text("\n".join(json.dumps(x) for x in lines[:2]) + "\nnot json\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["replay", str(history), "--from", "2024-12-24", "--to", "2024-12-30", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "replayed 7 day(s), 2 item(s)" in result.output
    alerts = [json.loads(x) for x in (out / "replay-alerts.jsonl").read_text().splitlines()]
    assert {a["admin2"] for a in alerts} >= {"Barmal", "Kurram"}
    assert (out / "alerts" / "2024-12-30" / "map.html").exists()
    assert (out / "alerts" / "index.html").exists()
    bad = CliRunner().invoke(
        main,
        ["replay", str(history), "--from", "2024-12-30", "--to", "2024-12-01", "--out", str(out)],
    )
    assert bad.exit_code == 2
