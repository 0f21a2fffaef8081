"""Feeds, their items and the poll log: what ingestion writes and reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from ..clock import parse_utc, to_iso
from ..errors import StoreError
from ..model import FeedSpec, FeedState, Item
from ..parse import canonical_url
from .database import Database, Row

_ITEM_COLUMNS = "id, url, title, summary, published, source, language, published_estimated, guid"


class FeedTables:
    """Feed state, items stored exactly once, and the poll log.

    Each feed's items and its new state (validators, success time) are committed in one
    transaction, so a crash at any point leaves either all of a poll or none of it, and
    the validators are never saved for items that were not. Uniqueness is enforced by the
    schema (item id, and the canonical link), so a restart, a second feed carrying the
    same story, or a feed that changes its guid scheme cannot duplicate an item.
    """

    _db: Database

    def sync_feeds(self, specs: Iterable[FeedSpec]) -> None:
        """Make sure every catalog feed has a state row (the URL follows the catalog)."""
        with self._db.transaction() as db:
            for spec in specs:
                # A changed URL is a different resource: drop its validators and backoff
                # (the operator probably just fixed it).
                db.execute(
                    "INSERT INTO feeds (name, url) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET url = excluded.url,"
                    " etag = NULL, last_modified = NULL, consecutive_failures = 0,"
                    " next_attempt = NULL WHERE feeds.url <> excluded.url",
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
            for r in self._db.query(query, args)
        )

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
        with self._db.transaction() as db:
            new = db.executemany(
                "INSERT INTO items (id, url, url_key, guid, title, summary, published,"
                " published_estimated, source, language, first_seen)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
            ).rowcount
            new = max(new, 0)
            # Link every item to this feed, through the id it was first stored under
            # (a guid change or a second feed finds the existing row by its link).
            db.executemany(  # (no-op for no items)
                "INSERT INTO item_feeds (item_id, feed, first_seen) "
                "SELECT id, ?, ? FROM items WHERE id = ? OR url_key = ? LIMIT 1"
                " ON CONFLICT DO NOTHING",
                [
                    (spec.name, stamp, it.id, canonical_url(it.url) if it.url else None)
                    for it in items
                ],
            )
            _upsert_success(db, spec, stamp, etag=etag, last_modified=last_modified, error=warning)
            _log_poll(db, spec.name, stamp, "ok", http_status, len(items), new, warning, elapsed_s)
        return new

    def record_not_modified(self, spec: FeedSpec, *, now: datetime, elapsed_s: float = 0.0) -> None:
        """A 304: success, nothing to store."""
        stamp = to_iso(now)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO feeds (name, url, last_attempt, last_success, consecutive_failures,"
                " next_attempt) VALUES (?, ?, ?, ?, 0, NULL) ON CONFLICT (name) DO UPDATE SET"
                " url = excluded.url, last_attempt = excluded.last_attempt,"
                " last_success = excluded.last_success, consecutive_failures = 0,"
                " next_attempt = NULL",
                (spec.name, spec.url, stamp, stamp),
            )
            _log_poll(db, spec.name, stamp, "not-modified", 304, 0, 0, None, elapsed_s)

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
        with self._db.transaction() as db:
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
            _log_poll(db, spec.name, stamp, "failed", http_status, 0, 0, error, elapsed_s)
            row = db.execute(
                "SELECT consecutive_failures FROM feeds WHERE name = ?", (spec.name,)
            ).fetchone()
        return int(row[0]) if row else 1

    def count_items(self) -> int:
        """Distinct items stored."""
        return int(self._db.query("SELECT COUNT(*) FROM items")[0][0])

    def items(self, *, since: datetime | None = None) -> list[Item]:
        """Stored items, oldest first (optionally published at or after ``since``)."""
        query = f"SELECT {_ITEM_COLUMNS} FROM items"  # noqa: S608 - constant columns
        args: tuple[object, ...] = ()
        if since is not None:
            query += " WHERE published >= ?"
            args = (to_iso(since),)
        return [_item(r) for r in self._db.query(query + " ORDER BY published, id", args)]

    def unanalyzed_items(self, *, limit: int | None = None) -> list[Item]:
        """Items that have no report yet, oldest first."""
        query = (
            "SELECT i.id, i.url, i.title, i.summary, i.published, i.source, i.language,"
            " i.published_estimated, i.guid FROM items i LEFT JOIN reports r"
            " ON r.item_id = i.id WHERE r.item_id IS NULL ORDER BY i.published, i.id"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return [_item(r) for r in self._db.query(query)]

    def first_published(self) -> datetime | None:
        """The publication time of the oldest stored item (None: no item)."""
        rows = self._db.query("SELECT MIN(published) FROM items")
        return parse_utc(rows[0][0]) if rows and rows[0][0] else None

    def prune_polls(self, *, before: datetime) -> int:
        """Forget the poll log older than ``before`` (feed state and items stay)."""
        with self._db.transaction() as db:
            return db.execute("DELETE FROM polls WHERE at < ?", (to_iso(before),)).rowcount

    def prune_non_incidents(self, *, before: datetime) -> int:
        """Forget items published before ``before`` that were read and are not incidents.

        Items not yet analysed, and every report an incident is built from, stay.
        """
        with self._db.transaction() as db:
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


def _upsert_success(
    db: Database,
    spec: FeedSpec,
    stamp: str | None,
    *,
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
        (spec.name, spec.url, etag, last_modified, stamp, stamp, error, stamp if error else None),
    )


def _log_poll(
    db: Database,
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


def _item(row: Row) -> Item:
    """An Item from a row of :data:`_ITEM_COLUMNS`."""
    published = parse_utc(row[4])
    if published is None:  # pragma: no cover - published is NOT NULL in the schema
        raise StoreError("an item without a publication time was found in the database")
    return Item(
        id=row[0],
        url=row[1],
        title=row[2],
        summary=row[3],
        published=published,
        source=row[5],
        language=row[6],
        published_estimated=bool(row[7]),
        guid=row[8],
    )
