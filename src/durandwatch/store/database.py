"""One connection to SQLite or PostgreSQL, behind the SQL both understand.

The store writes its queries once, in the subset of SQL the two engines share
(``INSERT ... ON CONFLICT``, ``?`` placeholders, temporary tables); this module runs them.
What differs is kept here and in :mod:`durandwatch.schema`: placeholders (``?`` becomes
``%s`` for psycopg), how a transaction takes its write lock, the column types of the DDL,
where the schema version is kept, and what a full disk looks like.

``database.url`` picks the engine: ``sqlite:///PATH`` (the embedded default, one file,
one host) or ``postgresql://USER@HOST:PORT/DB`` (a team's shared store; needs the
``postgres`` extra, which brings psycopg).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConfigError, StoreError

log = logging.getLogger(__name__)

Row = Sequence[Any]


class Cursor(Protocol):
    """What a query returns (the DB-API cursor both drivers provide)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...


class Database:
    """A connection shared by the threads of one process; writes are serialised."""

    dialect: str

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- what each engine provides ---------------------------------------------------------

    @property
    def name(self) -> str:
        """How the database is named in messages (never with a password)."""
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _cursor_execute(self, sql: str, params: Sequence[object]) -> Cursor:
        raise NotImplementedError

    def _cursor_executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> Cursor:
        raise NotImplementedError

    def _is_error(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def _disk_full(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def integrity_check(self) -> str:
        """The engine's own consistency check; ``"ok"`` when sound."""
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        """Run one statement (inside :meth:`transaction` for writes)."""
        with self._lock:
            try:
                return self._cursor_execute(sql, params)
            except Exception as exc:
                if self._is_error(exc):
                    raise StoreError(self.problem(exc)) from None
                raise

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> Cursor:
        """Run one statement for each row of parameters (``rowcount``: rows changed)."""
        batch = list(rows)
        if not batch:
            return _NoRows()
        with self._lock:
            try:
                return self._cursor_executemany(sql, batch)
            except Exception as exc:
                if self._is_error(exc):
                    raise StoreError(self.problem(exc)) from None
                raise

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """The rows of one read."""
        with self._lock:
            return self.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction: all of it is kept, or none of it.

        Some errors (a full disk among them) have already ended the transaction inside
        the engine; the rollback then has nothing to do, and the error reported is the one
        that happened.
        """
        with self._lock:
            try:
                self._begin()
            except Exception as exc:
                if self._is_error(exc):
                    raise StoreError(self.problem(exc)) from None
                raise
            try:
                yield self
                self._commit()
            except BaseException as exc:
                self._quiet_rollback()
                if self._is_error(exc):
                    raise StoreError(self.problem(exc)) from None
                raise

    def _quiet_rollback(self) -> None:
        try:
            self._rollback()
        except Exception as exc:  # the first error is the one to report
            log.warning("database %s: rollback failed: %s", self.name, exc)

    def problem(self, exc: BaseException) -> str:
        """The message of a database error, saying plainly when the disk is full."""
        if self._disk_full(exc):
            return (
                f"the disk holding the database {self.name} is full ({exc}): nothing of "
                "this write was kept; free some space and it is redone on the next pass"
            )
        return f"database {self.name}: {exc}".strip()


class SQLiteDatabase(Database):
    """One SQLite file in WAL mode with ``synchronous=FULL``."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None

    @property
    def name(self) -> str:
        return str(self.path)

    def _begin(self) -> None:
        # IMMEDIATE: take the write lock now, so two processes never both read then write.
        self._db.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self._db.execute("COMMIT")

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _cursor_execute(self, sql: str, params: Sequence[object]) -> Cursor:
        return self._db.execute(sql, params)

    def _cursor_executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> Cursor:
        return self._db.executemany(sql, rows)

    def _is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.Error)

    def _disk_full(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def integrity_check(self) -> str:
        return str(self.query("PRAGMA integrity_check")[0][0])


#: The first key of durandwatch's advisory locks (the second is the store's ``key``).
WRITER_LOCK = 0x6477_0001
LEADER_LOCK = 0x6477_0002


class PostgresDatabase(Database):
    """A PostgreSQL database through psycopg 3; reconnects when the server went away."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                [
                    "database.url names PostgreSQL, but psycopg is not installed: "
                    "pip install 'durandwatch[postgres]'"
                ]
            ) from None
        self._psycopg = psycopg
        self.url = url
        self._conn: Any = None
        self._connect()

    @property
    def name(self) -> str:
        return redact(self.url)

    def _connect(self) -> None:
        try:
            self._conn = self._psycopg.connect(self.url, autocommit=True, connect_timeout=30)
            row = self._conn.execute(
                "SELECT hashtext(current_database() || '/' || coalesce(current_schema(), ''))"
            ).fetchone()
        except self._psycopg.Error as exc:
            raise StoreError(f"cannot open the database {self.name}: {exc}") from None
        self.key = int(row[0])

    def _live(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            log.warning("database %s: connection lost; reconnecting", self.name)
            self._connect()
        return self._conn

    def _begin(self) -> None:
        # Writers take turns, as SQLite's BEGIN IMMEDIATE makes them: an advisory lock on
        # this store (database and schema), taken before BEGIN so that the transaction
        # starts after the previous writer's commit and sees its tables (a catalog
        # cached from before would miss a table that writer has just created).
        conn = self._live()
        conn.execute("SELECT pg_advisory_lock(%s, %s)", (WRITER_LOCK, self.key))
        try:
            conn.execute("BEGIN")
        except BaseException:
            self._unlock()
            raise

    def _commit(self) -> None:
        try:
            self._conn.execute("COMMIT")
        finally:
            self._unlock()

    def _rollback(self) -> None:
        try:
            if self._conn is not None and not self._conn.closed and not self._conn.broken:
                self._conn.execute("ROLLBACK")
        finally:
            self._unlock()

    def _unlock(self) -> None:
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            # (a broken connection's session is gone, and its locks with it)
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (WRITER_LOCK, self.key))

    def _cursor_execute(self, sql: str, params: Sequence[object]) -> Cursor:
        cursor = self._live().cursor()
        cursor.execute(_placeholders(sql), params, prepare=False)
        return _PgCursor(cursor)

    def _cursor_executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> Cursor:
        cursor = self._live().cursor()
        cursor.executemany(_placeholders(sql), rows)
        return _PgCursor(cursor)

    def _is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self._psycopg.Error)

    def _disk_full(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlstate", None) == "53100"  # disk_full

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()

    def integrity_check(self) -> str:
        # PostgreSQL checks its pages itself (and amcheck needs rights a store may not
        # have); what can be asked is whether the server answers and the schema is there.
        self.query("SELECT 1 FROM meta LIMIT 1")
        return "ok"

    def has_extension(self, name: str) -> bool:
        """Whether the extension ``name`` is installed in this database."""
        return bool(self.query("SELECT 1 FROM pg_extension WHERE extname = ?", (name,)))

    def can_install_extension(self, name: str) -> bool:
        """Whether the server offers the extension ``name``."""
        return bool(self.query("SELECT 1 FROM pg_available_extensions WHERE name = ?", (name,)))


class _NoRows:
    """The result of a statement run for no rows."""

    rowcount = 0

    def fetchone(self) -> Row | None:
        return None

    def fetchall(self) -> list[Row]:
        return []


class _PgCursor:
    """psycopg's cursor with rows as tuples (what sqlite3 gives)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.rowcount = int(cursor.rowcount)

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone() if self._cursor.description else None
        return None if row is None else tuple(_plain(v) for v in row)

    def fetchall(self) -> list[Row]:
        if not self._cursor.description:
            return []
        return [tuple(_plain(v) for v in row) for row in self._cursor.fetchall()]


def _plain(value: object) -> object:
    """Values as sqlite3 returns them (``memoryview`` of a BYTEA becomes bytes)."""
    return bytes(value) if isinstance(value, memoryview) else value


_PLACEHOLDER = re.compile(r"\?")
_TRANSLATED: dict[str, str] = {}


def _placeholders(sql: str) -> str:
    """``?`` to ``%s`` (psycopg's style); a literal ``%`` is doubled first."""
    done = _TRANSLATED.get(sql)
    if done is None:
        done = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
        if len(_TRANSLATED) < 4096:
            _TRANSLATED[sql] = done
    return done


def redact(url: str) -> str:
    """A database URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


def check_url(url: str) -> str:
    """The engine ``url`` names, or :class:`ConfigError` for anything else."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    raise ConfigError(
        [
            f"database.url {redact(url)!r}: use sqlite:///PATH (the embedded default) or "
            "postgresql://USER@HOST:PORT/DATABASE"
        ]
    )


def connect(url: str, base_dir: Path) -> Database:
    """Open the database ``url`` names (checked by :func:`check_url`); a relative
    ``sqlite:///PATH`` is read from ``base_dir``."""
    if check_url(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        return SQLiteDatabase(path if path.is_absolute() else base_dir / path)
    return PostgresDatabase(url)
