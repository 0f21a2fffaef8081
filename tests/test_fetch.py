"""The HTTP layer against a real local server: limits, redirects, conditional GET."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from durandwatch.config import FetchSettings
from durandwatch.errors import FeedError, FetchError, InvalidFeedURLError
from durandwatch.fetch import Fetcher, HostGate

from .conftest import LocalServer, golden, send

RSS = golden("rss2.xml")


def test_plain_fetch_sends_a_descriptive_user_agent(
    server: LocalServer, fast_settings: FetchSettings
) -> None:
    server.routes["/feed"] = lambda h: send(h, 200, RSS, "application/rss+xml")
    with Fetcher(fast_settings) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
    assert result.status == 200
    assert result.content == RSS
    agent = server.requests[0][1]["user-agent"]
    assert agent.startswith("durandwatch/")
    assert "gzip" in server.requests[0][1]["accept-encoding"]


def test_gzip_body_is_decoded(server: LocalServer, fast_settings: FetchSettings) -> None:
    server.routes["/gz"] = lambda h: send(
        h, 200, gzip.compress(RSS), "application/rss+xml", {"Content-Encoding": "gzip"}
    )
    with Fetcher(fast_settings) as fetcher:
        assert fetcher.fetch(server.url("/gz")).content == RSS


def test_conditional_get_and_304(server: LocalServer, fast_settings: FetchSettings) -> None:
    def route(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.send_header("ETag", '"v1"')
            h.send_header("Content-Length", "0")
            h.end_headers()
        else:
            send(
                h,
                200,
                RSS,
                "application/rss+xml",
                {"ETag": '"v1"', "Last-Modified": "Sat, 28 Dec 2024 10:00:00 GMT"},
            )

    server.routes["/c"] = route
    with Fetcher(fast_settings) as fetcher:
        first = fetcher.fetch(server.url("/c"))
        second = fetcher.fetch(server.url("/c"), etag=first.etag, last_modified=first.last_modified)
    assert first.etag == '"v1"'
    assert second.not_modified
    assert second.status == 304
    assert second.content == b""
    assert server.requests[1][1]["if-modified-since"] == "Sat, 28 Dec 2024 10:00:00 GMT"


def test_error_page_500(server: LocalServer, fast_settings: FetchSettings) -> None:
    server.routes["/e"] = lambda h: send(h, 500, b"<html><title>Oops</title></html>", "text/html")
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="HTTP 500") as info:
        fetcher.fetch(server.url("/e"))
    assert info.value.status == 500


def test_retry_after_is_reported(server: LocalServer, fast_settings: FetchSettings) -> None:
    server.routes["/busy"] = lambda h: send(
        h, 429, b"slow down", "text/plain", {"Retry-After": "3600"}
    )
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(server.url("/busy"))
    assert info.value.status == 429
    assert info.value.retry_after == 3600


def _redirect(target: str):  # type: ignore[no-untyped-def]
    def route(h: BaseHTTPRequestHandler) -> None:
        send(h, 302, b"", "text/plain", {"Location": target})

    return route


def test_redirects_are_followed(server: LocalServer, fast_settings: FetchSettings) -> None:
    server.routes["/a"] = _redirect("/b")
    server.routes["/b"] = _redirect("/feed")
    server.routes["/feed"] = lambda h: send(h, 200, RSS, "application/rss+xml")
    with Fetcher(fast_settings) as fetcher:
        result = fetcher.fetch(server.url("/a"))
    assert result.url == server.url("/feed")
    assert result.redirects == (server.url("/b"), server.url("/feed"))


def test_redirect_loop(server: LocalServer, fast_settings: FetchSettings) -> None:
    server.routes["/x"] = _redirect("/y")
    server.routes["/y"] = _redirect("/x")
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="redirect loop"):
        fetcher.fetch(server.url("/x"))


def test_too_many_redirects(server: LocalServer, fast_settings: FetchSettings) -> None:
    for n in range(10):
        server.routes[f"/r{n}"] = _redirect(f"/r{n + 1}")
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="too many redirects"):
        fetcher.fetch(server.url("/r0"))
    assert len(server.requests) == 6  # the first request and five redirects


def test_redirect_to_file_scheme_is_refused(
    server: LocalServer, fast_settings: FetchSettings
) -> None:
    server.routes["/f"] = _redirect("file:///etc/passwd")
    with Fetcher(fast_settings) as fetcher, pytest.raises(InvalidFeedURLError):
        fetcher.fetch(server.url("/f"))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed", "feed.xml", "http://"]
)
def test_only_absolute_http_urls(url: str, fast_settings: FetchSettings) -> None:
    with Fetcher(fast_settings) as fetcher, pytest.raises(InvalidFeedURLError):
        fetcher.fetch(url)


def _huge(declare_length: bool):  # type: ignore[no-untyped-def]
    def route(h: BaseHTTPRequestHandler) -> None:
        total = 50 * 1024 * 1024
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        if declare_length:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"<!-- padding -->" * 4096
        sent = 0
        while sent < total:
            h.wfile.write(chunk)
            sent += len(chunk)

    return route


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_50_mb_body_is_refused(
    server: LocalServer, fast_settings: FetchSettings, declared: bool
) -> None:
    server.routes["/big"] = _huge(declared)
    start = time.monotonic()
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="cap"):
        fetcher.fetch(server.url("/big"))
    assert time.monotonic() - start < 5


def test_gzip_bomb_is_capped_on_the_decoded_size(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024))  # 30 MB decoded, ~30 KB on the wire
    server.routes["/bomb"] = lambda h: send(
        h, 200, bomb, "application/rss+xml", {"Content-Encoding": "gzip"}
    )
    settings = FetchSettings(deadline=10.0, per_host_delay=0.0, max_bytes=5_000_000)
    with Fetcher(settings) as fetcher, pytest.raises(FetchError, match="cap"):
        fetcher.fetch(server.url("/bomb"))


@pytest.mark.slow
def test_one_byte_per_second_hits_the_deadline(
    server: LocalServer, fast_settings: FetchSettings
) -> None:
    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(RSS)))
        h.end_headers()
        for byte in RSS[:20]:  # bounded: stops by itself after 20 s at most
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(1.0)

    server.routes["/slow"] = trickle
    start = time.monotonic()
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="deadline"):
        fetcher.fetch(server.url("/slow"))
    elapsed = time.monotonic() - start
    assert fast_settings.deadline <= elapsed < fast_settings.deadline + 2


def test_silent_server_hits_the_read_timeout(
    server: LocalServer, fast_settings: FetchSettings
) -> None:
    def silent(h: BaseHTTPRequestHandler) -> None:
        time.sleep(fast_settings.read_timeout + 1.5)

    server.routes["/silent"] = silent
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="timed out"):
        fetcher.fetch(server.url("/silent"))


def test_connection_refused_is_a_fetch_error(fast_settings: FetchSettings) -> None:
    with Fetcher(fast_settings) as fetcher, pytest.raises(FetchError, match="network error"):
        fetcher.fetch("http://127.0.0.1:9/feed")


def test_host_gate_spaces_requests_to_one_host() -> None:
    now = [0.0]
    gate = HostGate(2.0, clock=lambda: now[0])
    gate.wait("a.example")  # first request: no wait
    start = time.monotonic()
    gate.wait("b.example")  # other host: no wait
    assert time.monotonic() - start < 0.5
    now[0] = 1.9  # a.example is reserved until t=2.0: the next call sleeps ~0.1 s
    start = time.monotonic()
    gate.wait("a.example")
    assert 0.05 <= time.monotonic() - start < 1.0


# Slow and silent servers: every case must end within the documented deadline
# (fetch.deadline, over the whole request). The time each took is printed (pytest -s)
# and recorded as a test property.

SLOW = FetchSettings(connect_timeout=2.0, read_timeout=10.0, deadline=2.0, per_host_delay=0.0)


def _timed_failure(
    url: str, settings: FetchSettings, record_property: Callable[[str, object], None]
) -> tuple[float, str]:
    start = time.monotonic()
    with Fetcher(settings) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    elapsed = time.monotonic() - start
    record_property("elapsed_s", round(elapsed, 2))
    print(f"\n{url}: ended after {elapsed:.2f} s: {info.value}")
    assert elapsed < settings.deadline + 1.0, (
        f"{elapsed:.1f} s for a {settings.deadline} s deadline"
    )
    return elapsed, str(info.value)


@pytest.mark.slow
def test_headers_one_byte_per_second_are_cut_at_the_deadline(
    server: LocalServer, record_property: Callable[[str, object], None]
) -> None:
    # Each byte comes well within the read timeout: only a deadline over the whole
    # request (status line and headers included) ends it.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Padding: " + b"x" * 40

    def trickle(h: BaseHTTPRequestHandler) -> None:
        for byte in head[:15]:  # bounded: the server thread ends by itself
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(1.0)

    server.routes["/headers"] = trickle
    elapsed, message = _timed_failure(server.url("/headers"), SLOW, record_property)
    assert elapsed >= SLOW.deadline - 0.1
    assert "deadline" in message
    assert "headers" in message


@pytest.mark.slow
def test_a_body_that_never_ends_is_cut_at_the_deadline(
    server: LocalServer, record_property: Callable[[str, object], None]
) -> None:
    def endless(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.write(b"40\r\n<rss>" + b" " * 59 + b"\r\n")
        stop = time.monotonic() + SLOW.deadline + 5  # bounded: the thread ends by itself
        while time.monotonic() < stop:
            h.wfile.write(b"10\r\n<!-- more -->   \r\n")
            time.sleep(0.01)

    server.routes["/endless"] = endless
    elapsed, message = _timed_failure(server.url("/endless"), SLOW, record_property)
    assert elapsed >= SLOW.deadline - 0.1
    assert "deadline" in message
    assert "body" in message


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


@pytest.mark.slow
def test_a_server_that_accepts_and_never_answers_is_cut_at_the_deadline(
    silent_port: int, record_property: Callable[[str, object], None]
) -> None:
    # The read timeout (10 s) is longer than the deadline (2 s): the deadline ends it.
    url = f"http://127.0.0.1:{silent_port}/feed"
    elapsed, message = _timed_failure(url, SLOW, record_property)
    assert elapsed >= SLOW.deadline - 0.1
    assert "deadline" in message
    assert "status line" in message


@pytest.mark.parametrize("url", ["http://[::1/a", "http://a\u2100b.example/feed"])
def test_a_url_that_does_not_parse_is_an_invalid_url(url: str) -> None:
    with Fetcher(SLOW) as fetcher, pytest.raises(InvalidFeedURLError, match="invalid URL"):
        fetcher.fetch(url)


def test_a_redirect_to_a_url_that_does_not_parse_is_refused(server: LocalServer) -> None:
    server.routes["/r"] = _redirect("http://[::1/a")
    with Fetcher(SLOW) as fetcher, pytest.raises(FeedError, match=r"(?i)invalid url"):
        fetcher.fetch(server.url("/r"))
