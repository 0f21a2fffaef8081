"""The command line: help everywhere, exit codes, the demo, status --json."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from durandwatch.cli import main

from .conftest import GOLDEN, LocalServer, golden, send
from .test_service import write_config


def commands() -> list[str]:
    assert isinstance(main, click.Group)
    return sorted(main.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    command = main.commands[name]  # type: ignore[attr-defined]
    assert command.help, f"{name} has no help text"


def test_demo_runs_offline_into_a_fresh_folder(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"results in {out}" in result.output
    assert "3 of 3 feeds ok" in result.output
    status = CliRunner().invoke(main, ["-c", str(out / "durandwatch.toml"), "status", "--json"])
    report = json.loads(status.output)
    assert report["items"] == 24
    assert 10 <= report["incidents"] < 24  # non-incident news left out, duplicates merged
    assert "analysed 24 new item(s)" in result.output
    again = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert again.exit_code == 1
    assert "not empty" in again.output


def test_once_reports_every_failure_and_exits_1(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path, [("dead-a", "http://127.0.0.1:9/a", 30), ("dead-b", "http://127.0.0.1:9/b", 30)]
    )
    result = CliRunner().invoke(main, ["-c", str(cfg), "once"])
    assert result.exit_code == 1
    assert "FAILED  dead-a: network error" in result.output
    assert "FAILED  dead-b: network error" in result.output
    assert "0 of 2 feeds ok" in result.output


def test_once_succeeds_when_one_feed_works(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/f"] = lambda h: send(h, 200, golden("atom.xml"), "application/atom+xml")
    cfg = write_config(
        tmp_path, [("dead", "http://127.0.0.1:9/a", 30), ("live", server.url("/f"), 30)]
    )
    result = CliRunner().invoke(main, ["-c", str(cfg), "once"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 feeds ok, 2 new items" in result.output


def test_status_json_has_the_documented_keys(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, [("dead", "http://127.0.0.1:9/a", 30)])
    CliRunner().invoke(main, ["-c", str(cfg), "once"])
    CliRunner().invoke(main, ["-c", str(cfg), "once", "--feeds", str(GOLDEN)])
    result = CliRunner().invoke(main, ["-c", str(cfg), "status", "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["items"] > 10
    feeds = {f["name"]: f for f in report["feeds"]}
    for feed in feeds.values():
        assert {"name", "url", "last_success", "last_error", "items"} <= set(feed)
    assert feeds["dead"]["last_success"] is None
    assert feeds["dead"]["last_error"].startswith("network error")
    assert feeds["rss2"]["items"] == 3
    human = CliRunner().invoke(main, ["-c", str(cfg), "status"])
    assert "FAILING dead" in human.output


def test_check_lists_problems_and_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "durandwatch.toml"
    cfg.write_text('[schedule]\ntimezone = "Nowhere/Town"\n[fetch]\nmax_bytes = 0\n')
    result = CliRunner().invoke(main, ["-c", str(cfg), "check"])
    assert result.exit_code == 2
    assert "2 problem(s)" in result.output
    good = write_config(tmp_path, [("a", "https://a.example/feed", 30)])
    ok = CliRunner().invoke(main, ["-c", str(good), "check"])
    assert ok.exit_code == 0
    assert "configuration OK" in ok.output


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    again = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 1
    assert "--force" in again.output


BROKEN = {
    "region": ("geo/region.toml", "[region]\nname = 5\n[[sector]]\nid = 1\n"),
    "rules": ("alerts/rules.toml", "[surge]\norange_p = 2\n"),
    "recipients": ("alerts/recipients.toml", "[[recipient]]\nemail = 5\n"),
}


def broken_project(tmp_path: Path, which: str) -> Path:
    """A project whose region profile, rules or recipients file is invalid."""
    import shutil

    from durandwatch.resources import data_path

    shutil.copytree(data_path("geo"), tmp_path / "geo")
    (tmp_path / "alerts").mkdir()
    shutil.copy(data_path("alerts", "rules.toml"), tmp_path / "alerts" / "rules.toml")
    path, text = BROKEN[which]
    (tmp_path / path).write_text(text)
    cfg = write_config(tmp_path, [("a", "http://127.0.0.1:9/a", 30)])
    cfg.write_text(cfg.read_text() + '[paths]\ngeo = "geo"\nrules = "alerts/rules.toml"\n')
    cfg.write_text(cfg.read_text().replace('[paths]\nfeeds = "feeds.toml"\n', "", 1))
    cfg.write_text(cfg.read_text().replace("[paths]\n", '[paths]\nfeeds = "feeds.toml"\n', 1))
    return cfg


@pytest.mark.parametrize("which", sorted(BROKEN))
@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["once"],
        ["once", "--email"],
        ["digest", "--date", "2025-01-01"],
        ["geo", "status"],
        ["analyze"],
    ],
)
def test_a_bad_file_is_one_message_and_exit_2(
    tmp_path: Path, which: str, command: list[str]
) -> None:
    cfg = broken_project(tmp_path, which)
    result = CliRunner().invoke(main, ["-c", str(cfg), *command], input="")
    reads = {
        "region": True,
        "rules": command[0] in ("check", "once", "digest"),
        "recipients": command[0] == "check" or "--email" in command,
    }
    if not reads[which]:
        assert result.exit_code in (0, 1), result.output  # 1: `once` found every feed down
        assert "Traceback" not in result.output
        return
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.output
    name = BROKEN[which][0].split("/")[-1]
    assert name in result.output


def _good_feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Market news {n}.{k} from Peshawar</title>"
        f"<link>https://feed{n}.example/{k}</link>"
        f"<pubDate>Sat, 28 Dec 2024 1{k}:00:00 +0000</pubDate></item>"
        for k in range(2)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"{items}</channel></rss>"
    ).encode()


def _trickle_headers(h: BaseHTTPRequestHandler) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"[:8]:  # bounded
        h.wfile.write(bytes([byte]))
        time.sleep(1.0)


def _endless_body(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Connection", "close")
    h.end_headers()
    stop = time.monotonic() + 6  # bounded: the thread ends by itself
    while time.monotonic() < stop:
        h.wfile.write(b"<!-- still coming -->")
        time.sleep(0.05)


HOSTILE_FEEDS = {
    "trickle": _trickle_headers,
    "endless": _endless_body,
    "silent": lambda h: time.sleep(6),  # accepts, never answers
    "xxe": lambda h: send(
        h,
        200,
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>',
        "application/rss+xml",
    ),
    "crash": lambda h: send(
        h,
        200,
        b'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
        b"<textinput></title><link>https://t.example/</link></item></channel></rss>",
        "application/rss+xml",
    ),
}


@pytest.mark.slow
def test_once_over_30_feeds_with_5_hostile_stores_the_25_and_exits_0(
    tmp_path: Path, server: LocalServer
) -> None:
    feeds = []
    for n in range(25):
        server.routes[f"/good{n}"] = lambda h, n=n: send(h, 200, _good_feed(n), "text/xml")
        feeds.append(f'[[feed]]\nname = "good{n}"\nurl = "{server.url(f"/good{n}")}"\n')
    for name, route in HOSTILE_FEEDS.items():
        server.routes[f"/{name}"] = route
        feeds.append(f'[[feed]]\nname = "{name}"\nurl = "{server.url(f"/{name}")}"\n')
    (tmp_path / "feeds.toml").write_text("".join(feeds))
    cfg = tmp_path / "durandwatch.toml"
    cfg.write_text(
        '[paths]\nfeeds = "feeds.toml"\n[fetch]\nper_host_delay = 0\n'
        "connect_timeout = 2\nread_timeout = 10\ndeadline = 2\n"
    )
    start = time.monotonic()
    result = CliRunner().invoke(main, ["-c", str(cfg), "once", "--no-outputs"])
    elapsed = time.monotonic() - start
    print(f"\n30 feeds, 5 hostile: `once` took {elapsed:.1f} s\n{result.output}")
    assert result.exit_code == 0, result.output
    assert "25 of 30 feeds ok, 50 new items" in result.output
    for name in HOSTILE_FEEDS:
        assert f"FAILED  {name}: " in result.stdout
    # Every hostile feed is one warning line, feedparser's crash included (its traceback
    # is logged at debug level only, for a report to feedparser).
    assert "Traceback" not in result.output
    assert result.stderr.count(" WARNING durandwatch.ingest: feed ") == len(HOSTILE_FEEDS)
    assert " ERROR " not in result.stderr
    assert result.stderr.count("feed crash: failed") == 1
    status = json.loads(CliRunner().invoke(main, ["-c", str(cfg), "status", "--json"]).output)
    assert status["items"] == 50
    failing = {f["name"]: f for f in status["feeds"] if f["consecutive_failures"]}
    assert set(failing) == set(HOSTILE_FEEDS)
    assert all(f["last_error"] and f["next_attempt"] for f in failing.values())
    assert "deadline" in failing["trickle"]["last_error"]
    assert "entities" in failing["xxe"]["last_error"]
    assert "KeyError" in failing["crash"]["last_error"]
