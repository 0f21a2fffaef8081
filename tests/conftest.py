"""Shared fixtures: a real local HTTP server, golden files, the ../shared mirror."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import settings

from durandwatch.config import FetchSettings

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SHARED = ROOT.parent / "shared"

Route = Callable[[BaseHTTPRequestHandler], None]

#: A PostgreSQL database to run the suite against as well (scripts/postgres.sh starts
#: one); unset, every store is a SQLite file.
POSTGRES = os.environ.get("DURANDWATCH_TEST_POSTGRES")

# CI runs the property tests on fixed examples, so a red run can be repeated.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def postgres_schema_url(url: str, schema: str) -> str:
    """``url`` with its search path set to ``schema`` alone (PostGIS is named by its schema)."""
    options = quote(f"-csearch_path={schema}")
    return f"{url}{'&' if '?' in url else '?'}options={options}"


@pytest.fixture(autouse=True)
def database(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """In the PostgreSQL pass: a new schema per test, named by DURANDWATCH_DATABASE_URL
    (so every configuration, in-process or in a subprocess, stores there). Tests that are
    about the SQLite file itself are skipped in that pass."""
    monkeypatch.delenv("DURANDWATCH_DATABASE_URL", raising=False)
    if not POSTGRES:
        yield None
        return
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None:
        pytest.skip(f"SQLite only: {marker.args[0] if marker.args else 'about the file'}")
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = postgres_schema_url(POSTGRES, schema)
    monkeypatch.setenv("DURANDWATCH_DATABASE_URL", url)
    try:
        yield url
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store_target(database: str | None, tmp_path: Path) -> Path | str:
    """What to open a test's Store on: a SQLite file, or the PostgreSQL pass's schema."""
    return database if database else tmp_path / "store.db"


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 whose routes the test sets."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        routes = self.routes
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = routes.get(path)
                if route is None:
                    send(self, 404, b"not found", "text/plain")
                    return
                # The client giving up mid-response is what several tests intend.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Write one complete response."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def fast_settings() -> FetchSettings:
    """Short limits so hostile-server tests finish in seconds; no per-host delay."""
    return FetchSettings(
        connect_timeout=2.0,
        read_timeout=2.0,
        deadline=3.0,
        max_bytes=10_000_000,
        max_redirects=5,
        per_host_delay=0.0,
    )


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the repository")
    return SHARED


def count_items(db: Path) -> int:
    """Items in a database another process may be writing (0 while it does not exist yet).

    In the PostgreSQL pass the items are in the test's schema, not in ``db``."""
    url = os.environ.get("DURANDWATCH_DATABASE_URL")
    if url:
        import psycopg

        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("SELECT COUNT(*) FROM items").fetchone()
                return int(row[0]) if row else 0
        except psycopg.Error:
            return 0
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return int(con.execute("SELECT COUNT(*) FROM items").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def golden(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()
