"""Replay: deterministic, the command, and the same alerts as the service path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from durandwatch.analyze import Analyzer
from durandwatch.cli import main
from durandwatch.codec import alert_record, dumps
from durandwatch.config import load_config
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.model import Item
from durandwatch.monitor import Monitor
from durandwatch.region import load_region
from durandwatch.replay import HistoryItem, read_history, replay
from durandwatch.rules import load_rules

from .test_service import write_config

RULES = load_rules()
SECTORS = load_region().sectors
ANALYZER = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))

#: Six weeks of occasional violence in Waziristan and Kurram, then a week that escalates
#: (day, text); day 0 is 2024-11-11. Days are the local days of Asia/Kabul.
STORY = [
    (0, "Roadside bomb kills two soldiers in Mir Ali, North Waziristan"),
    (9, "Militants attack check post in Datta Khel, North Waziristan; one killed"),
    (16, "Two killed in firing in Parachinar, Kurram"),
    (23, "Security forces kill three militants in Miranshah, North Waziristan"),
    (31, "IED blast injures four in Razmak, North Waziristan"),
    (38, "Gunmen kill tribal elder in Mir Ali, North Waziristan"),
    (42, "Pakistani jets strike suspected TTP hideouts in Barmal district of Paktika; 46 killed"),
    (43, "Suicide attack on convoy in Mir Ali, North Waziristan kills 7 soldiers"),
    (43, "Drone strike kills four militants in Datta Khel, North Waziristan"),
    (44, "Afghan forces fire mortars at Pakistani border posts in North Waziristan"),
    (44, "Militants storm police station in Miranshah, North Waziristan; 5 killed"),
    (45, "Roadside bomb kills three in Spinwam, North Waziristan"),
    (46, "Clashes in Ghulam Khan, North Waziristan as militants attack border post"),
    (47, "Two soldiers martyred in attack in Mir Ali, North Waziristan"),
]
T0 = date(2024, 11, 11)
ZONE = ZoneInfo("Asia/Kabul")


def story_items() -> list[HistoryItem]:
    return [
        HistoryItem(
            f"s{n}",
            text,
            datetime.combine(T0 + timedelta(days=d), time(9), tzinfo=ZONE).astimezone(UTC),
            "wire",
        )
        for n, (d, text) in enumerate(STORY)
    ]


def comparable(alert: dict[str, object]) -> dict[str, object]:
    """An alert without its sources' links (feeds give links, a replay has none)."""
    incidents = [
        {k: v for k, v in i.items() if k != "sources"}
        for i in alert["incidents"]  # type: ignore[attr-defined]
    ]
    return {**alert, "incidents": incidents}


def test_the_service_path_and_replay_give_the_same_alerts(tmp_path: Path) -> None:
    """One week through the store, Processor and Monitor.assess, and through replay."""
    items = story_items()
    week = [T0 + timedelta(days=d) for d in range(41, 48)]
    cfg = write_config(tmp_path, [("wire", "https://wire.example/feed", 30)])
    config = load_config(cfg)
    clock = {"now": datetime.combine(T0, time(23, 59), tzinfo=ZONE)}
    service_alerts = []
    with Monitor(config, clock=lambda: clock["now"]) as monitor:
        spec = config.feeds[0]
        for day in [T0 + timedelta(days=d) for d in range(48)]:
            end = datetime.combine(day, time(23, 59), tzinfo=ZONE)
            clock["now"] = end
            todays = [
                Item(
                    id=i.id,
                    url=f"https://wire.example/{i.id}",
                    title=i.text,
                    summary="",
                    published=i.published,
                    source="wire",
                    language="en",
                )
                for i in items
                if i.published.astimezone(ZONE).date() == day
            ]
            if todays:
                monitor.store.record_items(
                    spec, todays, now=end, etag=None, last_modified=None, http_status=200
                )
            monitor.process()
            alerts = monitor.assess(day)
            if day in week:
                service_alerts += [comparable(json.loads(dumps(alert_record(a)))) for a in alerts]
    out = tmp_path / "replay"
    replay(
        items,
        ANALYZER,
        RULES,
        sectors=SECTORS,
        zone="Asia/Kabul",
        start=week[0],
        end=week[-1],
        out=out,
        warmup_days=(week[0] - T0).days,
    )
    replayed = [
        comparable(json.loads(line))
        for line in (out / "replay-alerts.jsonl").read_text().splitlines()
    ]
    assert service_alerts == replayed
    hot = [a for a in replayed if a["level"] in ("orange", "red")]
    assert {a["unit"] for a in hot} >= {"district", "province"}
    assert any(a["kind"] == "exchange" for a in replayed)


def test_replay_is_deterministic_whatever_the_input_order(tmp_path: Path) -> None:
    items = story_items()
    outputs = []
    for run, order in enumerate((items, list(reversed(items)))):
        out = tmp_path / f"run{run}"
        replay(
            order,
            ANALYZER,
            RULES,
            sectors=SECTORS,
            start=date(2024, 12, 20),
            end=date(2024, 12, 31),
            out=out,
            warmup_days=40,
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
        "unit",
        "kind",
        "escalation",
        "severity",
        "drivers",
    } <= set(alerts[0])
    province = [a for a in alerts if a["unit"] == "province" and a["level"] in ("orange", "red")]
    assert province
    assert province[0]["admin2"] is None
    assert province[0]["drivers"][0]["name"] == "North Waziristan"


def test_history_files_of_every_layout_are_read(tmp_path: Path) -> None:
    jsonl = tmp_path / "h.jsonl"
    jsonl.write_text(
        '{"id": "a", "text": "Blast in Bannu", "published": "2025-01-02"}\nnot json\n'
        '{"id": "b", "text": 5}\n'
    )
    assert [i.id for i in read_history(jsonl)] == ["a"]
    ucdp = tmp_path / "ged.csv"
    ucdp.write_text(
        "id,source_headline,date_start,source_office\n7,Drone strike in Mir Ali,2010-01-02,AFP\n"
    )
    (item,) = read_history(ucdp)
    assert (item.id, item.source) == ("ucdp:7", "AFP")


def test_replay_command_writes_alerts_and_daily_folders(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(
        "".join(
            json.dumps({"id": i.id, "text": i.text, "published": i.published.isoformat()}) + "\n"
            for i in story_items()
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["replay", str(history), "--from", "2024-12-20", "--to", "2024-12-28", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "replayed 9 day(s), 14 item(s)" in result.output
    alerts = [json.loads(x) for x in (out / "replay-alerts.jsonl").read_text().splitlines()]
    assert {"district", "province", "sector", "line"} <= {a["unit"] for a in alerts}
    assert (out / "alerts" / "2024-12-28" / "map.html").exists()
    assert (out / "alerts" / "index.html").exists()
    bad = CliRunner().invoke(
        main,
        ["replay", str(history), "--from", "2024-12-30", "--to", "2024-12-01", "--out", str(out)],
    )
    assert bad.exit_code == 2


def _repeated_story(weeks: int) -> list[HistoryItem]:
    """The story's first six weeks over and over, then its escalation: a long history."""
    calm = [(d, text) for d, text in STORY if d < 42]
    items = []
    for week in range(0, weeks, 6):
        for d, text in calm:
            when = datetime.combine(T0 + timedelta(days=7 * week + d), time(9), tzinfo=ZONE)
            items.append(HistoryItem(f"w{week}-{d}", text, when.astimezone(UTC), "wire"))
    return items + [
        HistoryItem(f"e{i.id}", i.text, i.published + timedelta(days=7 * weeks), i.source)
        for i in story_items()
        if i.published >= datetime.combine(T0 + timedelta(days=42), time(0), tzinfo=ZONE)
    ]


def test_workers_give_the_same_files_as_one_process(tmp_path: Path) -> None:
    items = _repeated_story(30)
    files = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        summary = replay(
            items,
            ANALYZER,
            RULES,
            sectors=SECTORS,
            zone="Asia/Kabul",
            start=T0 + timedelta(days=150),
            end=T0 + timedelta(days=7 * 30 + 60),
            out=out,
            warmup_days=150,
            workers=workers,
        )
        files.append(
            [
                (out / name).read_bytes()
                for name in ("replay-alerts.jsonl", "replay-incidents.jsonl")
            ]
        )
        assert summary.items == len(items)
    assert files[0] == files[1]
    assert files[0][0].count(b'"level": "red"') + files[0][0].count(b'"level": "orange"') > 0


def test_a_long_replay_forgets_what_it_can_no_longer_change(tmp_path: Path) -> None:
    # Two years of the same rhythm: the merger holds the last weeks' reports, not all.
    from durandwatch import replay as replay_module

    held: list[int] = []
    real_merger = replay_module.Merger

    class Watched(real_merger):  # type: ignore[misc, valid-type]
        def add(self, reports):  # type: ignore[no-untyped-def]
            result = super().add(reports)
            held.append(len(self))
            return result

    replay_module.Merger = Watched  # type: ignore[misc]
    try:
        summary = replay(
            _repeated_story(104),
            ANALYZER,
            RULES,
            sectors=SECTORS,
            start=T0 + timedelta(days=700),
            end=T0 + timedelta(days=7 * 104 + 10),
            out=tmp_path,
            warmup_days=700,
        )
    finally:
        replay_module.Merger = real_merger  # type: ignore[misc]
    incidents = (tmp_path / "replay-incidents.jsonl").read_text().splitlines()
    assert summary.incidents == len(incidents) > 100
    # About six reports a month: never more than a few weeks' worth held.
    assert max(held) <= 20
    assert len({json.loads(line)["id"] for line in incidents}) == len(incidents)
