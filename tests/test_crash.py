"""kill -9 in the middle of an ingest loses no committed item and leaves no half state."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from durandwatch.store import Store

from .conftest import count_items

FILES = 40
PER_FILE = 250


def make_feeds(folder: Path) -> None:
    folder.mkdir()
    for f in range(FILES):
        items = "".join(
            f"<item><title>Story {f}-{n} from the border</title>"
            f"<link>https://crash.example/{f}/{n}</link>"
            f"<description>&lt;p&gt;Paragraph {n} of feed {f}.&lt;/p&gt;</description>"
            f"<pubDate>Mon, 06 Jan 2025 10:{n % 60:02d}:00 +0000</pubDate></item>"
            for n in range(PER_FILE)
        )
        (folder / f"feed{f:03d}.xml").write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{f}</title>'
            f"<link>https://crash.example/</link><description>d</description>{items}"
            "</channel></rss>"
        )


@pytest.mark.slow
def test_kill_9_mid_ingest_then_restart(tmp_path: Path, database: str | None) -> None:
    feeds = tmp_path / "feeds"
    make_feeds(feeds)
    (tmp_path / "durandwatch.toml").write_text("")
    db = tmp_path / "state" / "durandwatch.db"
    cmd = [
        sys.executable,
        "-m",
        "durandwatch",
        "-q",
        "-c",
        str(tmp_path / "durandwatch.toml"),
        "once",
        "--feeds",
        str(feeds),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and count_items(db) < 3 * PER_FILE:
        time.sleep(0.005)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    killed_at = count_items(db)
    assert 0 < killed_at < FILES * PER_FILE
    # Each feed is one transaction: whole feeds only, never a part of one.
    assert killed_at % PER_FILE == 0

    rerun = subprocess.run(cmd, capture_output=True, timeout=120)
    assert rerun.returncode == 0
    with Store(database or db) as store:
        assert store.integrity_check() == "ok"
        for query in (
            "SELECT COUNT(*) FROM items",
            "SELECT COUNT(DISTINCT url) FROM items",
            "SELECT COUNT(*) FROM item_feeds",
        ):
            assert store._db.query(query)[0][0] == FILES * PER_FILE, query
