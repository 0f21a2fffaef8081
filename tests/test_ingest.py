"""Polling end to end over real HTTP: store, conditional GET, failures, backoff."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from durandwatch.config import FetchSettings
from durandwatch.fetch import Fetcher
from durandwatch.ingest import Ingestor, backoff_delay
from durandwatch.model import FeedSpec
from durandwatch.store import Store

from .conftest import GOLDEN, LocalServer, golden, send

NOW = datetime(2025, 2, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_poll_stores_then_304_costs_nothing(
    store_target: Path | str, tmp_path: Path, server: LocalServer, fast_settings: FetchSettings
) -> None:
    def route(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.send_header("Content-Length", "0")
            h.end_headers()
        else:
            send(h, 200, golden("rss2.xml"), "application/rss+xml", {"ETag": '"v1"'})

    server.routes["/feed"] = route
    spec = FeedSpec(name="golden", url=server.url("/feed"))
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        ingestor = Ingestor(store, fetcher, now=Clock())
        first = ingestor.poll(spec)
        second = ingestor.poll(spec)
        assert (first.status, first.items_seen, first.items_new) == ("ok", 3, 3)
        assert second.status == "not-modified"
        assert store.count_items() == 3
        state = store.feed_state("golden")
        assert state is not None
        assert state.last_success == NOW
        assert state.etag == '"v1"'


def test_url_change_drops_the_old_validators(
    store_target: Path | str, tmp_path: Path, server: LocalServer, fast_settings: FetchSettings
) -> None:
    server.routes["/old"] = lambda h: send(
        h, 200, golden("rss2.xml"), "application/rss+xml", {"ETag": '"old"'}
    )
    server.routes["/new"] = lambda h: send(h, 200, golden("atom.xml"), "application/atom+xml")
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        ingestor = Ingestor(store, fetcher, now=Clock())
        ingestor.poll(FeedSpec(name="f", url=server.url("/old")))
        store.sync_feeds([FeedSpec(name="f", url=server.url("/new"))])
        ingestor.poll(FeedSpec(name="f", url=server.url("/new")))
    assert "if-none-match" not in server.requests[1][1]


def test_failure_is_recorded_with_backoff_and_the_next_feed_still_runs(
    store_target: Path | str, tmp_path: Path, server: LocalServer, fast_settings: FetchSettings
) -> None:
    server.routes["/broken"] = lambda h: send(h, 500, b"<html><title>x</title></html>", "text/html")
    server.routes["/ok"] = lambda h: send(h, 200, golden("atom.xml"), "application/atom+xml")
    bad = FeedSpec(name="bad", url=server.url("/broken"), interval_minutes=30)
    good = FeedSpec(name="good", url=server.url("/ok"))
    clock = Clock()
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        ingestor = Ingestor(store, fetcher, now=clock, backoff_max_minutes=720)
        outcomes = ingestor.poll_all([bad, good])
        assert [o.ok for o in outcomes] == [False, True]
        state = store.feed_state("bad")
        assert state is not None
        assert state.last_error == "HTTP 500 Internal Server Error"
        assert state.consecutive_failures == 1
        assert state.next_attempt is not None
        assert timedelta(minutes=30) <= state.next_attempt - NOW <= timedelta(minutes=33)
        # While backing off, the scheduler's poll skips the feed without a request.
        requests = len(server.requests)
        assert ingestor.poll(bad, respect_backoff=True).status == "skipped"
        assert len(server.requests) == requests
        clock.now = state.next_attempt + timedelta(seconds=1)
        ingestor.poll(bad, respect_backoff=True)
        second = store.feed_state("bad")
        assert second is not None
        assert second.consecutive_failures == 2
        assert second.next_attempt is not None
        assert second.next_attempt - clock.now >= timedelta(minutes=60)


def test_hostile_document_over_http_is_recorded(
    store_target: Path | str, tmp_path: Path, server: LocalServer, fast_settings: FetchSettings
) -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>'
    )
    server.routes["/x"] = lambda h: send(h, 200, xxe, "application/xml")
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        outcome = Ingestor(store, fetcher, now=Clock()).poll(
            FeedSpec(name="x", url=server.url("/x"))
        )
        assert not outcome.ok
        assert "entities" in (outcome.error or "")
        assert store.count_items() == 0


def test_truncated_document_does_not_save_validators(
    store_target: Path | str, tmp_path: Path, server: LocalServer, fast_settings: FetchSettings
) -> None:
    whole = golden("rss2.xml")
    cut = whole[: whole.index(b"Snowfall")]
    server.routes["/t"] = lambda h: send(h, 200, cut, "application/rss+xml", {"ETag": '"t"'})
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        outcome = Ingestor(store, fetcher, now=Clock()).poll(
            FeedSpec(name="t", url=server.url("/t"))
        )
        assert outcome.ok
        assert outcome.items_new == 2
        assert "truncated" in (outcome.error or "")
        state = store.feed_state("t")
        assert state is not None
        assert state.etag is None  # next poll fetches the whole document again


def test_poll_directory_reads_every_feed_file(store_target: Path | str, tmp_path: Path) -> None:
    with Store(store_target) as store:
        outcomes = Ingestor(store, None, now=Clock()).poll_directory(GOLDEN)
        assert all(o.ok for o in outcomes)
        assert {o.feed for o in outcomes} >= {"rss2", "atom", "rdf", "utf16"}
        total = store.count_items()
        Ingestor(store, None, now=Clock()).poll_directory(GOLDEN)
        assert store.count_items() == total


def test_backoff_doubles_and_is_capped() -> None:
    rng = random.Random(0)
    delays = [
        backoff_delay(n, interval_minutes=30, max_minutes=720, rng=rng).total_seconds()
        for n in range(1, 8)
    ]
    assert 1800 <= delays[0] <= 1980
    assert 3600 <= delays[1] <= 3960
    assert all(d <= 720 * 60 * 1.1 for d in delays)
    assert delays[-1] >= 720 * 60
    honoured = backoff_delay(1, interval_minutes=30, max_minutes=720, retry_after=7200, rng=rng)
    assert honoured.total_seconds() == 7200


# The six ways one document stopped a whole pass, as files of a local folder.
TRIGGERS = {
    "bad-link.xml": (
        b'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
        b"<link>http://[::1/a</link></item></channel></rss>"
    ),
    "nfkc-host.xml": (
        '<rss version="2.0"><channel><title>t</title><item><title>a</title>'
        "<link>http://a\u2100b.example/</link></item></channel></rss>"
    ).encode(),
    "encoding-nul.xml": b'<?xml version="1.0" encoding="utf\x00-8"?><rss version="2.0"/>',
    "encoding-byte.xml": b'<?xml version="1.0" encoding="utf\xff8"?><rss version="2.0"/>',
    "charrefs.xml": (
        b'<rss version="2.0"><channel><title>t</title><item><title>&#xD800; &#x110000; '
        b"&#12345678901234567890;</title><link>https://c.example/1</link></item><br>"
        b"</channel></rss>"
    ),
    "textinput.xml": (
        b'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
        b"<textinput></title><link>https://t.example/</link></item></channel></rss>"
    ),
    "doctype-only.xml": b"<!DOCTYPE rss>",
}


def test_a_folder_of_hostile_files_fails_each_alone(
    store_target: Path | str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="durandwatch.ingest")
    folder = tmp_path / "feeds"
    folder.mkdir()
    for name, data in TRIGGERS.items():
        (folder / name).write_bytes(data)
    (folder / "zz-good.xml").write_bytes(golden("rss2.xml"))
    with Store(store_target) as store:
        outcomes = {o.feed: o for o in Ingestor(store, None, now=Clock()).poll_directory(folder)}
        assert outcomes["zz-good"].items_new == 3
        assert outcomes["bad-link"].ok  # the item is kept, without its broken link
        assert outcomes["nfkc-host"].ok
        assert outcomes["charrefs"].ok
        failed = {name for name, o in outcomes.items() if not o.ok}
        assert failed == {"encoding-nul", "encoding-byte", "textinput", "doctype-only"}
        for name in failed:
            state = store.feed_state(name)
            assert state is not None
            assert state.last_error == outcomes[name].error
            assert state.consecutive_failures == 1
            assert state.next_attempt is not None
            assert state.next_attempt > NOW
    # Every failure is one line at warning level; feedparser's own crash keeps its
    # traceback at debug level (-v), for a report to feedparser.
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert {r.args[0] for r in loud if isinstance(r.args, tuple)} >= failed
    assert not [r for r in loud if r.exc_info]
    (debug,) = [r for r in caplog.records if r.exc_info]
    assert debug.levelno == logging.DEBUG
    assert debug.args == ("textinput",)
    assert debug.exc_info is not None
    assert isinstance(debug.exc_info[1], KeyError)


def test_an_unforeseen_error_is_the_feeds_failure_logged_whole_once(
    store_target: Path | str,
    tmp_path: Path,
    server: LocalServer,
    fast_settings: FetchSettings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A fake parser at the seam stands in for a bug nobody has found yet.
    import durandwatch.ingest

    real = durandwatch.ingest.parse_feed

    def buggy(data: bytes, **kwargs: object) -> object:
        if kwargs["source"] == "bad":
            raise ZeroDivisionError("division by zero")
        return real(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(durandwatch.ingest, "parse_feed", buggy)
    server.routes["/f"] = lambda h: send(h, 200, golden("atom.xml"), "application/atom+xml")
    bad = FeedSpec(name="bad", url=server.url("/f"))
    good = FeedSpec(name="good", url=server.url("/f?2"))
    clock = Clock()
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        ingestor = Ingestor(store, fetcher, now=clock)
        first = ingestor.poll_all([bad, good])
        assert [o.ok for o in first] == [False, True]
        assert "unexpected ZeroDivisionError: division by zero" in (first[0].error or "")
        state = store.feed_state("bad")
        assert state is not None
        assert state.consecutive_failures == 1
        assert state.last_error == first[0].error
        clock.now = NOW + timedelta(hours=2)
        ingestor.poll(bad)
    logged = [
        r for r in caplog.records if r.name == "durandwatch.ingest" and "bad" in r.getMessage()
    ]
    assert len(logged) == 2
    assert logged[0].exc_info is not None
    assert logged[0].levelname == "ERROR"
    assert logged[1].exc_info is None  # the same failure again: one line


class Timer:
    """A monotonic clock that moves 10 s every time it is read."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 10.0
        return self.t


def test_a_pass_stops_starting_feeds_at_its_limit_and_skipped_feeds_go_first_next(
    store_target: Path | str, tmp_path: Path, server: LocalServer, fast_settings: FetchSettings
) -> None:
    server.routes["/f"] = lambda h: send(h, 200, golden("atom.xml"), "application/atom+xml")
    specs = [FeedSpec(name=f"f{k}", url=server.url(f"/f?{k}")) for k in range(5)]
    clock = Clock()
    with Store(store_target) as store, Fetcher(fast_settings) as fetcher:
        store.sync_feeds(specs)
        ingestor = Ingestor(store, fetcher, now=clock, timer=Timer())
        first = ingestor.poll_all(specs, limit_s=25)
        assert [o.status for o in first] == ["ok", "ok", "skipped", "skipped", "skipped"]
        assert all(o.ok for o in first)
        assert "pass_deadline" in (first[2].error or "")
        state = store.feed_state("f2")
        assert state is not None
        assert state.last_attempt is None
        clock.now = NOW + timedelta(minutes=30)
        second = ingestor.poll_all(specs, limit_s=25)
        assert [o.status for o in second] == ["skipped", "skipped", "ok", "ok", "skipped"]


def test_a_local_file_obeys_the_size_cap(store_target: Path | str, tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "big.xml").write_bytes(golden("rss2.xml") + b" " * 5000)
    (folder / "small.xml").write_bytes(golden("rss2.xml"))
    with Store(store_target) as store:
        ingestor = Ingestor(store, None, now=Clock(), max_bytes=len(golden("rss2.xml")) + 100)
        big, small = ingestor.poll_directory(folder)
    assert not big.ok
    assert "larger than the" in (big.error or "")
    assert "fetch.max_bytes" in (big.error or "")
    assert small.items_new == 3
