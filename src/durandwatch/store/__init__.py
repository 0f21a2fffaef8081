"""The store: SQLite (the embedded default) or PostgreSQL (a team's shared store).

Split by domain: :mod:`.feeds` (feeds, items, the poll log), :mod:`.incidents` (reports
and incidents), :mod:`.alerts` (alerts and the email outbox), :mod:`.schema` (tables and
migrations), :mod:`.database` (the connection and what differs between the engines) and
:mod:`.locks` (one ``run`` per folder, one leader per store). Reports, incidents and
alerts go in and come out as the pipeline's frozen dataclasses; the JSON their rows keep
is :mod:`durandwatch.codec`'s.

Durability on SQLite: WAL journal with ``synchronous=FULL``; on PostgreSQL the server's
own. Every write is one transaction, and writers take turns on both engines.
"""

from __future__ import annotations

from pathlib import Path

from .alerts import AlertTables
from .database import Database, PostgresDatabase, SQLiteDatabase, check_url, connect, redact
from .feeds import FeedTables
from .incidents import IncidentTables
from .locks import Leadership, RunLock
from .schema import SCHEMA_VERSION, enable_geometry, migrate, schema_version

__all__ = [
    "SCHEMA_VERSION",
    "Leadership",
    "RunLock",
    "Store",
    "check_url",
    "redact",
]


class Store(FeedTables, IncidentTables, AlertTables):
    """One database, shared by the threads of one process (writes are serialised)."""

    def __init__(self, target: Path | str, *, base_dir: Path | None = None) -> None:
        """``target``: a SQLite file, or a ``database.url`` (relative SQLite paths are
        read from ``base_dir``)."""
        self._db: Database = (
            SQLiteDatabase(target)
            if isinstance(target, Path)
            else connect(target, base_dir or Path.cwd())
        )
        try:
            migrate(self._db)
            self._postgis = enable_geometry(self._db)
        except BaseException:
            self._db.close()
            raise

    @property
    def name(self) -> str:
        """The database, as named in messages (no password)."""
        return self._db.name

    @property
    def engine(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.dialect

    @property
    def geometry(self) -> bool:
        """Whether incidents carry a PostGIS point."""
        return self._postgis is not None

    def leadership(self) -> Leadership:
        """The lock that decides which ``run`` on this store leads the scheduler."""
        if isinstance(self._db, PostgresDatabase):
            return Leadership(url=self._db.url)
        if isinstance(self._db, SQLiteDatabase):
            return Leadership(sqlite_path=self._db.path)
        raise TypeError(f"no leadership for a {type(self._db).__name__}")

    def close(self) -> None:
        """Close the connection (SQLite checkpoints its WAL)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        return schema_version(self._db)

    def integrity_check(self) -> str:
        """The engine's own consistency check; ``"ok"`` when sound."""
        return self._db.integrity_check()

    def get_meta(self, key: str) -> str | None:
        """A small persistent value (for example, when the daily job last ran)."""
        rows = self._db.query("SELECT value FROM meta WHERE key = ?", (key,))
        return None if not rows else str(rows[0][0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a persistent value."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value",
                (key, value),
            )
