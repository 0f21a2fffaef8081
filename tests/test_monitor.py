"""The Monitor, the library's front door: its parts, its day, its daily job, its status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from durandwatch.config import load_config
from durandwatch.errors import ConfigError
from durandwatch.model import Item
from durandwatch.monitor import Monitor

from .test_service import write_config

KABUL = ZoneInfo("Asia/Kabul")


def monitor_at(tmp_path: Path, when: datetime, *, extra: str = "") -> Monitor:
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg = write_config(tmp_path, [("wire", "https://wire.example/feed", 30)], extra=extra)
    return Monitor(load_config(cfg), clock=lambda: when)


def item(ident: str, title: str, published: datetime) -> Item:
    return Item(
        id=ident,
        url=f"https://wire.example/{ident}",
        title=title,
        summary="",
        published=published,
        source="wire",
        language="en",
    )


def test_a_day_is_the_configured_local_day(tmp_path: Path) -> None:
    # 21:00 UTC on 1 January is 01:30 on 2 January in Kabul.
    late = datetime(2025, 1, 1, 21, 0, tzinfo=UTC)
    assert monitor_at(tmp_path, late).today().isoformat() == "2025-01-02"
    karachi = monitor_at(tmp_path / "k", late, extra='[schedule]\ntimezone = "Asia/Karachi"\n')
    assert karachi.today().isoformat() == "2025-01-02"
    utc = monitor_at(tmp_path / "u", late, extra='[schedule]\ntimezone = "UTC"\n')
    assert utc.today().isoformat() == "2025-01-01"


def test_parts_load_once_and_a_bad_file_names_itself(tmp_path: Path) -> None:
    monitor = monitor_at(tmp_path, datetime(2025, 1, 1, tzinfo=UTC))
    monitor.prepare()
    assert monitor.rules is monitor.rules  # loaded once, kept
    assert len(monitor.sectors.sectors) == 8
    assert monitor.check() == []
    bad = tmp_path / "bad-rules.toml"
    bad.write_text("[surge]\norange_p = 7\n")
    (tmp_path / "b").mkdir()
    cfg = write_config(tmp_path / "b", [("a", "https://a.example/f", 30)])
    cfg.write_text(cfg.read_text().replace("[paths]\n", f'[paths]\nrules = "{bad}"\n'))
    broken = Monitor(load_config(cfg))
    with pytest.raises(ConfigError, match=r"bad-rules\.toml"):
        broken.prepare()
    assert any("bad-rules.toml" in p for p in broken.check())


def test_monitoring_starts_with_the_oldest_item_and_does_not_move(tmp_path: Path) -> None:
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    with monitor_at(tmp_path, now) as monitor:
        assert monitor.monitoring_since() is None
        spec = monitor.config.feeds[0]
        old = item("a", "Blast in Bannu kills two", now - timedelta(days=20))
        monitor.store.record_items(
            spec, [old], now=now, etag=None, last_modified=None, http_status=200
        )
        first = monitor.monitoring_since()
        assert first is not None
        assert first.isoformat() == "2025-02-09"
        # Forgetting items later does not move the start of the history.
        monitor.store.set_meta("monitoring.since", "2025-02-09")
        newer = item("b", "Clash in Kurram", now)
        monitor.store.record_items(
            spec, [newer], now=now, etag=None, last_modified=None, http_status=200
        )
        assert monitor.monitoring_since() == first


def test_the_daily_job_processes_what_waits_before_writing(tmp_path: Path) -> None:
    when = datetime(2025, 3, 1, 6, 0, tzinfo=KABUL).astimezone(UTC)
    with monitor_at(tmp_path, when) as monitor:
        spec = monitor.config.feeds[0]
        fresh = [
            item(
                f"x{k}", f"Roadside bomb kills {k + 2} soldiers in Mir Ali, North Waziristan", when
            )
            for k in range(3)
        ]
        monitor.store.record_items(
            spec, fresh, now=when, etag=None, last_modified=None, http_status=200
        )
        report = monitor.daily()
        assert report.error is None
        assert report.outputs is not None
        digest = (report.outputs / "digest.md").read_text()
        # The items stored before the daily run are in its digest, not left for later.
        assert monitor.store.unanalyzed_items() == []
        assert monitor.status()["incidents"] == 1  # three reports of one blast, merged
        assert "1 incident(s)" in digest
        assert "Khyber Pakhtunkhwa" in digest


def test_status_has_the_documented_keys(tmp_path: Path) -> None:
    with monitor_at(tmp_path, datetime(2025, 1, 1, tzinfo=UTC)) as monitor:
        report = monitor.status()
    assert {"items", "incidents", "open_alerts", "feeds", "database"} <= set(report)
    assert report["feeds"][0]["name"] == "wire"
    assert report["feeds"][0]["last_success"] is None
