"""Who may run: one ``run`` per state folder, and one leader per store.

:class:`RunLock` keeps two processes from sharing one state folder (an ``flock`` that
the operating system releases on exit or ``kill -9``). :class:`Leadership` decides which
of several ``durandwatch run`` sharing one store runs the scheduler: on PostgreSQL a
session-level advisory lock (held by a connection of its own, released by the server
when the process dies and its connection drops), on SQLite an ``flock`` beside the
database file. The others stand by and try again every few seconds.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from pathlib import Path
from typing import IO, Any

from ..errors import AlreadyRunningError, StoreError
from .database import LEADER_LOCK, redact

log = logging.getLogger(__name__)


def _flock(path: Path) -> IO[str] | None:
    """An exclusive, non-blocking lock on ``path`` (None when another process holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _unflock(handle: IO[str]) -> None:
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()


class RunLock:
    """An exclusive advisory lock on the state folder, released by the OS on exit or kill -9."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AlreadyRunningError` at once."""
        handle = _flock(self.path)
        if handle is None:
            holder = self.path.read_text(encoding="utf-8").strip() or "another process"
            raise AlreadyRunningError(
                f"durandwatch is already running on {self.path.parent} (pid {holder}); "
                "stop it first, or give this instance its own configuration folder"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Give the lock back."""
        if self._handle is not None:
            _unflock(self._handle)
            self._handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def identity() -> str:
    """How this process is named as a leader: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leadership:
    """The right to run the scheduler on one store; see the module docstring."""

    def __init__(self, *, sqlite_path: Path | None = None, url: str | None = None) -> None:
        if (sqlite_path is None) == (url is None):
            raise ValueError("Leadership needs a SQLite path or a PostgreSQL URL")
        self._path = sqlite_path.with_name(sqlite_path.name + ".leader") if sqlite_path else None
        self._url = url
        self._handle: IO[str] | None = None
        self._conn: Any = None
        self.held = False

    @property
    def where(self) -> str:
        """The store led, for messages."""
        return str(self._path) if self._path else redact(self._url or "")

    def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True when this process leads."""
        if self.held:
            return True
        if self._path is not None:
            self._handle = _flock(self._path)
            self.held = self._handle is not None
            if self._handle is not None:
                self._handle.seek(0)
                self._handle.truncate()
                self._handle.write(identity())
                self._handle.flush()
            return self.held
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = _pg_connect(self._url or "")
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(current_database() || '/' ||"
                " coalesce(current_schema(), '')))",
                (LEADER_LOCK,),
            ).fetchone()
        except Exception as exc:  # psycopg.Error; the import is optional
            log.warning("leadership on %s: %s", self.where, exc)
            self._drop_connection()
            return False
        self.held = bool(row and row[0])
        return self.held

    def still_held(self) -> bool:
        """Whether this process still leads (False once its lock connection is gone)."""
        if not self.held:
            return False
        if self._conn is None:
            return True  # an flock lasts as long as the process
        try:
            self._conn.execute("SELECT 1").fetchone()
        except Exception as exc:  # the connection broke: the server has released the lock
            log.error("leadership on %s lost: %s", self.where, exc)
            self._drop_connection()
            self.held = False
        return self.held

    def release(self) -> None:
        """Give up the lead (standby processes take over at their next try)."""
        if self._handle is not None:
            _unflock(self._handle)
            self._handle = None
        self._drop_connection()
        self.held = False

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # closing the session releases its advisory locks
            except Exception:
                log.debug("closing the leadership connection failed", exc_info=True)
            self._conn = None


def _pg_connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError("PostgreSQL needs psycopg: pip install 'durandwatch[postgres]'") from None
    # Keepalives: a leader whose server vanished learns it within a minute.
    return psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=30,
        keepalives=1,
        keepalives_idle=10,
        keepalives_interval=5,
        keepalives_count=3,
    )


def describe_leader(value: str | None) -> str:
    """The ``leader`` meta value in words."""
    if not value:
        return "no leader recorded"
    try:
        record = json.loads(value)
    except json.JSONDecodeError:
        return value
    return f"{record.get('identity', '?')} since {record.get('since', '?')}"
