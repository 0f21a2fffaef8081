"""SQLite storage: items stored exactly once, feed state, schema migrations.

Durability: WAL journal with ``synchronous=FULL``; each feed's items and its new state
(validators, success time) are committed in one transaction, so a crash at any point
leaves either all of a poll or none of it, and the validators are never saved for
items that were not. Uniqueness is enforced by the schema (item id, and the canonical
link), so a restart, a second feed carrying the same story, or a feed that changes its
guid scheme cannot duplicate an item.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from .clock import parse_utc, to_iso
from .errors import AlreadyRunningError, StoreError
from .model import FeedSpec, FeedState, Item
from .parse import canonical_url

log = logging.getLogger(__name__)

# Each migration is a list of statements applied in one transaction with the version bump.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE feeds (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            last_attempt TEXT,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT
        )""",
        """CREATE TABLE items (
            id TEXT PRIMARY KEY,
            url TEXT,
            url_key TEXT UNIQUE,
            guid TEXT,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            published TEXT NOT NULL,
            published_estimated INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL,
            language TEXT NOT NULL,
            first_seen TEXT NOT NULL
        )""",
        "CREATE INDEX items_published ON items (published)",
        """CREATE TABLE item_feeds (
            item_id TEXT NOT NULL REFERENCES items (id),
            feed TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            PRIMARY KEY (item_id, feed)
        ) WITHOUT ROWID""",
        """CREATE TABLE polls (
            id INTEGER PRIMARY KEY,
            feed TEXT NOT NULL,
            at TEXT NOT NULL,
            status TEXT NOT NULL,
            http_status INTEGER,
            items_seen INTEGER NOT NULL DEFAULT 0,
            items_new INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            elapsed_s REAL
        )""",
        "CREATE INDEX polls_feed_at ON polls (feed, at)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    (
        """CREATE TABLE reports (
            item_id TEXT PRIMARY KEY REFERENCES items (id),
            analyzed_at TEXT NOT NULL,
            published TEXT NOT NULL,
            relevant INTEGER NOT NULL,
            record TEXT NOT NULL
        )""",
        "CREATE INDEX reports_published ON reports (published)",
        """CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            first_reported TEXT NOT NULL,
            event_date TEXT NOT NULL,
            record TEXT NOT NULL
        )""",
        "CREATE INDEX incidents_event_date ON incidents (event_date)",
        """CREATE TABLE incident_reports (
            incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            item_id TEXT NOT NULL REFERENCES reports (item_id),
            PRIMARY KEY (incident_id, item_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX incident_reports_item ON incident_reports (item_id)",
    ),
    (
        """CREATE TABLE alerts (
            alert_id TEXT PRIMARY KEY,
            open INTEGER NOT NULL,
            state TEXT,
            last_event TEXT NOT NULL,
            updated TEXT NOT NULL
        )""",
        """CREATE TABLE alert_log (
            alert_id TEXT NOT NULL,
            day TEXT NOT NULL,
            status TEXT NOT NULL,
            level TEXT NOT NULL,
            score REAL NOT NULL,
            record TEXT NOT NULL,
            PRIMARY KEY (alert_id, day)
        ) WITHOUT ROWID""",
        "CREATE INDEX alert_log_day ON alert_log (day)",
    ),
    (
        """CREATE TABLE outbox (
            message_id TEXT PRIMARY KEY,
            recipient TEXT NOT NULL,
            day TEXT NOT NULL,
            message BLOB NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            created TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class StoredCounts:
    """Totals for ``status``."""

    items: int
    feeds: tuple[FeedState, ...]


class Store:
    """One SQLite database. Safe to share between threads (writes are serialised)."""

    def __init__(self, path: Path) -> None:
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
        self._lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is kept, or none of it.

        On some errors (a full disk among them) SQLite has already rolled the transaction
        back by itself; the rollback here then has nothing to do, and the error reported
        is the one that happened, not "cannot rollback".
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(self._problem(exc)) from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(self._problem(exc)) from None
                raise

    def _rollback(self) -> None:
        if not self._db.in_transaction:
            return
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the first error is the one to report
            log.warning("database %s: rollback failed: %s", self.path, exc)

    def _problem(self, exc: sqlite3.Error) -> str:
        """The message of a database error, saying plainly when the disk is full."""
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return (
                f"the disk holding the database {self.path} is full ({exc}): nothing of "
                "this write was kept; free some space and it is redone on the next pass"
            )
        return f"database {self.path}: {exc}"

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the file."""
        with self._lock:
            row = self._db.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this durandwatch "
                f"understands ({SCHEMA_VERSION}); upgrade durandwatch"
            )
        for version in range(current, SCHEMA_VERSION):
            with self._transaction() as db:
                # Re-read inside the write lock: another process may have migrated.
                if int(db.execute("PRAGMA user_version").fetchone()[0]) > version:
                    continue
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")
            log.info("database %s migrated to schema version %d", self.path, version + 1)

    # -- feeds ---------------------------------------------------------------------------

    def sync_feeds(self, specs: Iterable[FeedSpec]) -> None:
        """Make sure every catalog feed has a state row (the URL follows the catalog)."""
        with self._transaction() as db:
            for spec in specs:
                # A changed URL is a different resource: drop its validators and backoff
                # (the operator probably just fixed it).
                db.execute(
                    "INSERT INTO feeds (name, url) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET url = excluded.url,"
                    " etag = NULL, last_modified = NULL, consecutive_failures = 0,"
                    " next_attempt = NULL WHERE feeds.url IS NOT excluded.url",
                    (spec.name, spec.url),
                )

    def feed_state(self, name: str) -> FeedState | None:
        """The remembered state of one feed, or None if never seen."""
        states = self._feed_states("WHERE f.name = ?", (name,))
        return states[0] if states else None

    def feed_states(self) -> tuple[FeedState, ...]:
        """Every feed's state, by name."""
        return self._feed_states("", ())

    def _feed_states(self, where: str, args: Sequence[object]) -> tuple[FeedState, ...]:
        # ``where`` is one of two constant clauses written above; values go in ``args``.
        query = (
            "SELECT f.name, f.url, f.etag, f.last_modified, f.last_attempt, f.last_success, "  # noqa: S608
            "f.last_error, f.last_error_at, f.consecutive_failures, f.next_attempt, "
            "(SELECT COUNT(*) FROM item_feeds i WHERE i.feed = f.name) "
            f"FROM feeds f {where} ORDER BY f.name"
        )
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return tuple(
            FeedState(
                name=r[0],
                url=r[1],
                etag=r[2],
                last_modified=r[3],
                last_attempt=parse_utc(r[4]),
                last_success=parse_utc(r[5]),
                last_error=r[6],
                last_error_at=parse_utc(r[7]),
                consecutive_failures=int(r[8]),
                next_attempt=parse_utc(r[9]),
                items=int(r[10]),
            )
            for r in rows
        )

    # -- polls ---------------------------------------------------------------------------

    def record_items(
        self,
        spec: FeedSpec,
        items: Sequence[Item],
        *,
        now: datetime,
        etag: str | None,
        last_modified: str | None,
        http_status: int | None,
        warning: str | None = None,
        elapsed_s: float = 0.0,
    ) -> int:
        """Store a successful poll atomically; return how many items were new."""
        stamp = to_iso(now)
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO items (id, url, url_key, guid, title, summary, published,"
                " published_estimated, source, language, first_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        it.id,
                        it.url,
                        canonical_url(it.url) if it.url else None,
                        it.guid,
                        it.title,
                        it.summary,
                        to_iso(it.published),
                        int(it.published_estimated),
                        it.source,
                        it.language,
                        stamp,
                    )
                    for it in items
                ],
            )
            new = db.total_changes - before
            # Link every item to this feed, through the id it was first stored under
            # (a guid change or a second feed finds the existing row by its link).
            db.executemany(
                "INSERT OR IGNORE INTO item_feeds (item_id, feed, first_seen) "
                "SELECT id, ?, ? FROM items WHERE id = ? OR url_key = ? LIMIT 1",
                [
                    (spec.name, stamp, it.id, canonical_url(it.url) if it.url else None)
                    for it in items
                ],
            )
            self._upsert_state(
                db, spec, stamp, success=True, etag=etag, last_modified=last_modified, error=warning
            )
            self._log_poll(
                db, spec.name, stamp, "ok", http_status, len(items), new, warning, elapsed_s
            )
        return new

    def record_not_modified(self, spec: FeedSpec, *, now: datetime, elapsed_s: float = 0.0) -> None:
        """A 304: success, nothing to store."""
        stamp = to_iso(now)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feeds (name, url, last_attempt, last_success, consecutive_failures,"
                " next_attempt) VALUES (?, ?, ?, ?, 0, NULL) ON CONFLICT (name) DO UPDATE SET"
                " url = excluded.url, last_attempt = excluded.last_attempt,"
                " last_success = excluded.last_success, consecutive_failures = 0,"
                " next_attempt = NULL",
                (spec.name, spec.url, stamp, stamp),
            )
            self._log_poll(db, spec.name, stamp, "not-modified", 304, 0, 0, None, elapsed_s)

    def record_failure(
        self,
        spec: FeedSpec,
        *,
        now: datetime,
        error: str,
        next_attempt: datetime | None,
        http_status: int | None = None,
        elapsed_s: float = 0.0,
    ) -> int:
        """A failed poll; return the number of consecutive failures including this one."""
        stamp = to_iso(now)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feeds (name, url, last_attempt, last_error, last_error_at,"
                " consecutive_failures, next_attempt) VALUES (?, ?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (name) DO UPDATE SET url = excluded.url,"
                " last_attempt = excluded.last_attempt, last_error = excluded.last_error,"
                " last_error_at = excluded.last_error_at,"
                " consecutive_failures = feeds.consecutive_failures + 1,"
                " next_attempt = excluded.next_attempt",
                (spec.name, spec.url, stamp, error, stamp, to_iso(next_attempt)),
            )
            self._log_poll(db, spec.name, stamp, "failed", http_status, 0, 0, error, elapsed_s)
            row = db.execute(
                "SELECT consecutive_failures FROM feeds WHERE name = ?", (spec.name,)
            ).fetchone()
        return int(row[0])

    def set_next_attempt(self, name: str, when: datetime | None) -> None:
        """Record when a failing feed may be tried again."""
        with self._transaction() as db:
            db.execute("UPDATE feeds SET next_attempt = ? WHERE name = ?", (to_iso(when), name))

    @staticmethod
    def _upsert_state(
        db: sqlite3.Connection,
        spec: FeedSpec,
        stamp: str | None,
        *,
        success: bool,
        etag: str | None,
        last_modified: str | None,
        error: str | None,
    ) -> None:
        db.execute(
            "INSERT INTO feeds (name, url, etag, last_modified, last_attempt, last_success,"
            " consecutive_failures, next_attempt, last_error, last_error_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?) ON CONFLICT (name) DO UPDATE SET"
            " url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,"
            " last_attempt = excluded.last_attempt, last_success = excluded.last_success,"
            " consecutive_failures = 0, next_attempt = NULL,"
            " last_error = COALESCE(excluded.last_error, feeds.last_error),"
            " last_error_at = COALESCE(excluded.last_error_at, feeds.last_error_at)",
            (
                spec.name,
                spec.url,
                etag,
                last_modified,
                stamp,
                stamp if success else None,
                error,
                stamp if error else None,
            ),
        )

    @staticmethod
    def _log_poll(
        db: sqlite3.Connection,
        feed: str,
        stamp: str | None,
        status: str,
        http_status: int | None,
        seen: int,
        new: int,
        error: str | None,
        elapsed_s: float,
    ) -> None:
        db.execute(
            "INSERT INTO polls (feed, at, status, http_status, items_seen, items_new, error,"
            " elapsed_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (feed, stamp, status, http_status, seen, new, error, round(elapsed_s, 3)),
        )

    # -- reading -------------------------------------------------------------------------

    def count_items(self) -> int:
        """Distinct items stored."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def items(self, *, since: datetime | None = None) -> list[Item]:
        """Stored items, oldest first (optionally published at or after ``since``)."""
        query = (
            "SELECT id, url, title, summary, published, source, language,"
            " published_estimated, guid FROM items"
        )
        args: tuple[object, ...] = ()
        if since is not None:
            query += " WHERE published >= ?"
            args = (to_iso(since),)
        query += " ORDER BY published, id"
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [_item(r) for r in rows]

    def first_published(self) -> datetime | None:
        """The publication time of the oldest stored item (None: no item)."""
        with self._lock:
            row = self._db.execute("SELECT MIN(published) FROM items").fetchone()
        return parse_utc(row[0]) if row and row[0] else None

    def prune_polls(self, *, before: datetime) -> int:
        """Forget the poll log older than ``before`` (feed state and items stay)."""
        with self._transaction() as db:
            return db.execute("DELETE FROM polls WHERE at < ?", (to_iso(before),)).rowcount

    def prune_non_incidents(self, *, before: datetime) -> int:
        """Forget items published before ``before`` that were read and are not incidents.

        Items not yet analysed, and every report an incident is built from, stay.
        """
        with self._transaction() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _old (item_id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM _old")
            db.execute(
                "INSERT INTO _old SELECT item_id FROM reports WHERE relevant = 0 AND published < ?"
                " AND item_id NOT IN (SELECT item_id FROM incident_reports)",
                (to_iso(before),),
            )
            db.execute("DELETE FROM item_feeds WHERE item_id IN (SELECT item_id FROM _old)")
            db.execute("DELETE FROM reports WHERE item_id IN (SELECT item_id FROM _old)")
            return db.execute("DELETE FROM items WHERE id IN (SELECT item_id FROM _old)").rowcount

    def get_meta(self, key: str) -> str | None:
        """A small persistent value (for example, when the daily job last ran)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a persistent value."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reports and incidents -----------------------------------------------------------

    def unanalyzed_items(self, *, limit: int | None = None) -> list[Item]:
        """Items that have no report yet, oldest first."""
        query = (
            "SELECT i.id, i.url, i.title, i.summary, i.published, i.source, i.language,"
            " i.published_estimated, i.guid FROM items i LEFT JOIN reports r"
            " ON r.item_id = i.id WHERE r.item_id IS NULL ORDER BY i.published, i.id"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(query).fetchall()
        return [_item(r) for r in rows]

    def save_reports(self, records: Sequence[dict[str, object]], *, now: datetime) -> None:
        """Store analysed reports (one transaction); a report is replaced if re-analysed."""
        stamp = to_iso(now)
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO reports (item_id, analyzed_at, published, relevant, record)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET"
                " analyzed_at = excluded.analyzed_at, relevant = excluded.relevant,"
                " record = excluded.record",
                [
                    (
                        r["id"],
                        stamp,
                        r["published"],
                        int(bool(r["relevant"])),
                        json.dumps(r, ensure_ascii=False),
                    )
                    for r in records
                ],
            )

    def report_records(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        relevant_only: bool = True,
    ) -> list[dict[str, object]]:
        """Stored report records published in ``[since, until)``."""
        query = "SELECT record FROM reports WHERE 1 = 1"
        args: list[object] = []
        if relevant_only:
            query += " AND relevant = 1"
        if since is not None:
            query += " AND published >= ?"
            args.append(since.isoformat())
        if until is not None:
            query += " AND published < ?"
            args.append(until.isoformat())
        with self._lock:
            rows = self._db.execute(query + " ORDER BY published, item_id", args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def incident_partners(self, item_ids: Iterable[str]) -> list[dict[str, object]]:
        """Report records that share an incident with one of ``item_ids`` but are not in it.

        Rebuilding the incidents of a window must rebuild them whole: a report published
        before the window that belongs to an incident reaching into it comes along. (A
        report belongs to one incident, so one step finds every member.)
        """
        wanted = set(item_ids)
        with self._lock:
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS _seed (item_id TEXT PRIMARY KEY)")
            self._db.execute("DELETE FROM _seed")
            self._db.executemany("INSERT INTO _seed VALUES (?)", [(i,) for i in wanted])
            rows = self._db.execute(
                "SELECT DISTINCT r.item_id, r.record FROM _seed s"
                " JOIN incident_reports a ON a.item_id = s.item_id"
                " JOIN incident_reports b ON b.incident_id = a.incident_id"
                " JOIN reports r ON r.item_id = b.item_id"
                " WHERE b.item_id NOT IN (SELECT item_id FROM _seed) ORDER BY r.item_id"
            ).fetchall()
        return [json.loads(record) for _, record in rows]

    def replace_incidents(
        self, records: Sequence[dict[str, object]], report_ids: Iterable[str]
    ) -> None:
        """Replace the incidents built from ``report_ids`` by ``records`` (one transaction)."""
        ids = list(report_ids)
        with self._transaction() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _window (item_id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM _window")
            db.executemany("INSERT OR IGNORE INTO _window VALUES (?)", [(i,) for i in ids])
            db.execute(
                "DELETE FROM incidents WHERE id IN (SELECT incident_id FROM"
                " incident_reports WHERE item_id IN (SELECT item_id FROM _window))"
            )
            for record in records:
                db.execute(
                    "INSERT INTO incidents (id, first_reported, event_date, record)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    " first_reported = excluded.first_reported,"
                    " event_date = excluded.event_date, record = excluded.record",
                    (
                        record["id"],
                        record["first_reported"],
                        record["event_date"],
                        json.dumps(record, ensure_ascii=False),
                    ),
                )
                sources = record["sources"]
                if not isinstance(sources, list):
                    raise TypeError("an incident record needs a list of sources")
                db.executemany(
                    "INSERT OR IGNORE INTO incident_reports (incident_id, item_id) VALUES (?, ?)",
                    [(record["id"], s["report_id"]) for s in sources],
                )

    def incident_records(
        self, *, since: str | None = None, until: str | None = None
    ) -> list[dict[str, object]]:
        """Stored incidents with event dates in ``[since, until)`` (ISO dates)."""
        query = "SELECT record FROM incidents WHERE 1 = 1"
        args: list[object] = []
        if since is not None:
            query += " AND event_date >= ?"
            args.append(since)
        if until is not None:
            query += " AND event_date < ?"
            args.append(until)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY event_date, id", args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count_incidents(self) -> int:
        """Incidents stored."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])

    # -- alerts --------------------------------------------------------------------------

    def open_alert_states(self) -> dict[str, dict[str, object]]:
        """The remembered state of every open alert."""
        with self._lock:
            rows = self._db.execute("SELECT alert_id, state FROM alerts WHERE open = 1").fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def save_alerts(
        self,
        states: dict[str, dict[str, object]],
        events: Sequence[dict[str, object]],
        *,
        now: datetime,
    ) -> None:
        """Store the new open states and the day's alert events (one transaction)."""
        stamp = to_iso(now)
        with self._transaction() as db:
            for event in events:
                alert = str(event["alert_id"])
                state = states.get(alert)
                db.execute(
                    "INSERT INTO alerts (alert_id, open, state, last_event, updated)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO UPDATE SET"
                    " open = excluded.open, state = excluded.state,"
                    " last_event = excluded.last_event, updated = excluded.updated",
                    (
                        alert,
                        int(state is not None),
                        json.dumps(state) if state else None,
                        json.dumps(event, ensure_ascii=False),
                        stamp,
                    ),
                )
                db.execute(
                    "INSERT INTO alert_log (alert_id, day, status, level, score, record)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, day) DO UPDATE SET"
                    " status = excluded.status, level = excluded.level,"
                    " score = excluded.score, record = excluded.record",
                    (
                        alert,
                        event["date"],
                        event["status"],
                        event["level"],
                        event["score"],
                        json.dumps(event, ensure_ascii=False),
                    ),
                )

    def alert_events(self, day: str) -> list[dict[str, object]]:
        """The alert events recorded for one day (ISO date), highest score first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM alert_log WHERE day = ? ORDER BY score DESC, alert_id", (day,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count_open_alerts(self) -> int:
        """Alerts currently open."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM alerts WHERE open = 1").fetchone()[0])

    # -- email outbox ----------------------------------------------------------------------

    def outbox_add(self, messages: Sequence[tuple[str, str, str, bytes]], *, now: datetime) -> int:
        """Queue (message_id, recipient, day, raw) once each; return how many were new."""
        stamp = to_iso(now)
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO outbox (message_id, recipient, day, message,"
                " next_attempt, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(m, r, d, raw, stamp, stamp) for m, r, d, raw in messages],
            )
            return db.total_changes - before

    def outbox_due(self, *, now: datetime) -> list[tuple[str, str, bytes, int]]:
        """Pending messages whose next attempt is due: (id, recipient, raw, attempts)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT message_id, recipient, message, attempts FROM outbox"
                " WHERE status = 'pending' AND next_attempt <= ? ORDER BY created, message_id",
                (to_iso(now),),
            ).fetchall()
        return [(r[0], r[1], bytes(r[2]), int(r[3])) for r in rows]

    def outbox_sent(self, message_id: str, *, now: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE message_id = ?",
                (to_iso(now), message_id),
            )

    def outbox_failed(
        self, message_id: str, *, error: str, now: datetime, next_attempt: datetime, give_up: bool
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?,"
                " status = ? WHERE message_id = ?",
                (error, to_iso(next_attempt), "failed" if give_up else "pending", message_id),
            )

    def outbox_status(self) -> dict[str, int]:
        """Messages by status."""
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            return {str(r[0]): int(r[1]) for r in rows.fetchall()}

    def integrity_check(self) -> str:
        """SQLite's own consistency check; ``"ok"`` when the file is sound."""
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _item(row: Sequence[Any]) -> Item:
    """An Item from a row of (id, url, title, summary, published, source, language,
    published_estimated, guid)."""
    return Item(
        id=row[0],
        url=row[1],
        title=row[2],
        summary=row[3],
        published=parse_utc(row[4]) or _never(),
        source=row[5],
        language=row[6],
        published_estimated=bool(row[7]),
        guid=row[8],
    )


def _never() -> datetime:  # pragma: no cover - published is NOT NULL in the schema
    raise StoreError("an item without a publication time was found in the database")


class RunLock:
    """An exclusive advisory lock on the state folder, released by the OS on exit or kill -9."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AlreadyRunningError` at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunningError(
                f"durandwatch is already running on {self.path.parent} (pid {holder}); "
                "stop it first, or give this instance its own configuration folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Give the lock back."""
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
