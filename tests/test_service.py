"""The scheduler's jobs (built without starting the clock) and the real service process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from durandwatch.analyze import NotAnalysable
from durandwatch.config import load_config
from durandwatch.model import Item
from durandwatch.monitor import Monitor
from durandwatch.service import DAILY_JOB_ID, PROCESS_JOB_ID, build_scheduler
from durandwatch.store import Store

from .conftest import LocalServer, count_items, golden, send

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def write_config(folder: Path, feeds: list[tuple[str, str, int]], *, extra: str = "") -> Path:
    catalog = folder / "feeds.toml"
    catalog.write_text(
        "".join(
            f'[[feed]]\nname = "{n}"\nurl = "{u}"\ninterval_minutes = {i}\n' for n, u, i in feeds
        )
    )
    cfg = folder / "durandwatch.toml"
    cfg.write_text(
        f'[paths]\nfeeds = "feeds.toml"\n[fetch]\nper_host_delay = 0\n'
        f"deadline = 5\nconnect_timeout = 2\nread_timeout = 2\n{extra}"
    )
    return cfg


def test_jobs_are_built_with_the_documented_settings(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path,
        [("a", "https://a.example/f", 30), ("b", "https://b.example/f", 60)],
        extra='[schedule]\ntimezone = "Asia/Karachi"\ndaily_at = "07:30"\njitter_seconds = 90\n',
    )
    config = load_config(cfg)
    scheduler = build_scheduler(
        config, poll=lambda spec: None, daily=lambda: None, process=lambda: None, now=NOW
    )
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"poll:a", "poll:b", DAILY_JOB_ID, PROCESS_JOB_ID}
    process = jobs[PROCESS_JOB_ID]
    assert process.coalesce is True
    assert process.max_instances == 1
    for name, minutes in (("a", 30), ("b", 60)):
        job = jobs[f"poll:{name}"]
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=minutes)
        assert job.trigger.jitter == 90
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == minutes * 30
    daily = jobs[DAILY_JOB_ID]
    assert isinstance(daily.trigger, CronTrigger)
    assert daily.misfire_grace_time is None  # never skipped, however late
    assert daily.coalesce is True
    assert daily.max_instances == 1
    assert str(daily.trigger.timezone) == "Asia/Karachi"
    fields = {f.name: str(f) for f in daily.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("7", "30")
    # The first polls start at once, staggered, not after a whole interval.
    assert jobs["poll:a"].next_run_time == NOW
    assert jobs["poll:b"].next_run_time > NOW
    assert not scheduler.running


def test_missed_daily_run_is_caught_up(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, [("a", "https://a.example/f", 30)]))
    kabul = ZoneInfo("Asia/Kabul")
    before = datetime(2025, 1, 2, 5, 0, tzinfo=kabul).astimezone(UTC)
    after = datetime(2025, 1, 2, 7, 0, tzinfo=kabul).astimezone(UTC)
    clock = {"now": before}
    with Monitor(config, clock=lambda: clock["now"]) as monitor:
        assert not monitor.daily_is_overdue()
        clock["now"] = after
        assert monitor.daily_is_overdue()
        report = monitor.daily(outputs=False)
        assert report.local_date == "2025-01-02"
        assert not monitor.daily_is_overdue()


def test_daily_run_forgets_old_items_that_are_not_incidents(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, [("a", "https://a.example/f", 30)]))
    spec = config.feeds[0]
    then = datetime(2024, 1, 1, tzinfo=UTC)
    item = Item(
        id="n1",
        url="https://a.example/n1",
        title="Cricket in Karachi",
        summary="",
        published=then,
        source="a",
        language="en",
    )
    clock = {"now": then}
    with Monitor(config, clock=lambda: clock["now"]) as monitor:
        store = monitor.store
        store.record_items(spec, [item], now=then, etag=None, last_modified=None, http_status=200)
        store.save_reports(
            [NotAnalysable("n1", then, "sport")],  # kept as read, as a non-incident is
            now=then,
        )
        clock["now"] = then + timedelta(days=300)
        monitor.daily(outputs=False)
        assert store.count_items() == 1  # within keep_non_incident_days (365)
        clock["now"] = then + timedelta(days=366)
        monitor.daily(outputs=False)
        assert store.count_items() == 0


def _durandwatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "durandwatch", *args]


@pytest.mark.slow
def test_run_polls_refuses_a_second_instance_and_stops_on_sigterm(
    tmp_path: Path, server: LocalServer
) -> None:
    server.routes["/feed"] = lambda h: send(h, 200, golden("rss2.xml"), "application/rss+xml")
    cfg = write_config(tmp_path, [("local", server.url("/feed"), 5)])
    proc = subprocess.Popen(
        _durandwatch("-c", str(cfg), "run"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        db = tmp_path / "state" / "durandwatch.db"
        deadline = time.monotonic() + 20
        while count_items(db) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert count_items(db) == 3

        second = subprocess.run(
            _durandwatch("-c", str(cfg), "run"), capture_output=True, text=True, timeout=30
        )
        assert second.returncode == 3
        assert "already running" in second.stderr

        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
        assert time.monotonic() - start < 5
        assert proc.returncode == 0, err
        assert "stopped" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_module_entry_point_matches_console_script() -> None:
    out = subprocess.run(
        _durandwatch("--version"), capture_output=True, text=True, timeout=30, env={**os.environ}
    )
    assert out.returncode == 0
    assert out.stdout.startswith("durandwatch")


def test_processing_and_daily_jobs_write_alerts_and_outputs(tmp_path: Path) -> None:
    """The jobs `run` schedules, called directly: analyse, score, then the day's folder."""
    from click.testing import CliRunner

    from durandwatch.cli import main
    from durandwatch.service import Service

    out = tmp_path / "demo"
    assert CliRunner().invoke(main, ["demo", "--out", str(out)]).exit_code == 0
    config = load_config(out / "durandwatch.toml")
    when = datetime(2024, 12, 29, 2, 0, tzinfo=UTC)
    service = Service(config, now=lambda: when)
    with Monitor(config, clock=lambda: when) as monitor:
        _, daily, process = service.jobs(monitor)
        assert process is not None
        process()
        assert monitor.store.count_open_alerts() >= 1
        daily()
        report = monitor.daily()
    assert report.local_date == "2024-12-29"
    assert report.error is None
    assert (config.output_dir / "2024-12-29" / "map.html").exists()
    assert (config.output_dir / "index.html").exists()


def _leader(store_at: Path | str) -> str | None:
    with Store(store_at) as store:
        value = store.get_meta("leader")
    return json.loads(value)["identity"] if value else None


@pytest.mark.slow
def test_one_run_leads_a_shared_store_and_a_standby_takes_over_when_it_dies(
    tmp_path: Path, server: LocalServer, database: str | None
) -> None:
    # Three `run` on three folders share one store (the PostgreSQL pass's schema, or one
    # SQLite file): one leads and polls; the others stand by. kill -9 of the leader: one
    # standby takes over within a minute (here within seconds: it tries every second),
    # and each poll is done once.
    polls: list[float] = []

    def feed(handler: BaseHTTPRequestHandler) -> None:
        polls.append(time.monotonic())
        send(handler, 200, golden("rss2.xml"), "application/rss+xml")

    server.routes["/feed"] = feed
    shared: Path | str = database or tmp_path / "shared.db"
    url = "" if database else f'[database]\nurl = "sqlite:///{shared}"\n'
    procs: dict[int, subprocess.Popen[str]] = {}
    try:
        for name in ("a", "b", "c"):
            folder = tmp_path / name
            folder.mkdir()
            cfg = write_config(
                folder,
                [("local", server.url("/feed"), 60)],
                extra=f"{url}[schedule]\nstandby_check_seconds = 1\njitter_seconds = 0\n",
            )
            with (folder / "run.log").open("w") as log:
                proc = subprocess.Popen(
                    _durandwatch("-c", str(cfg), "run"),
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    text=True,
                )
            procs[proc.pid] = proc
        deadline = time.monotonic() + 30
        while not (polls and _leader(shared)) and time.monotonic() < deadline:
            time.sleep(0.2)
        first = _leader(shared)
        assert first is not None
        time.sleep(4)  # every process has started and tried by now
        assert len(polls) == 1, "only the leader polls"
        leader_pid = int(first.rsplit(":", 1)[1])
        assert leader_pid in procs

        procs[leader_pid].kill()
        procs.pop(leader_pid).wait()
        killed = time.monotonic()
        while (_leader(shared) == first or len(polls) < 2) and time.monotonic() < killed + 60:
            time.sleep(0.2)
        second = _leader(shared)
        assert second is not None
        assert second != first
        assert int(second.rsplit(":", 1)[1]) in procs
        assert polls[1] - killed < 60
        time.sleep(4)
        assert len(polls) == 2, "the new leader polls once; the last standby does not"
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
    for name in "abc":
        log = (tmp_path / name / "run.log").read_text()
        assert "error" not in log.lower(), log[-3000:]
    assert [p.returncode for p in procs.values()] == [0, 0]
