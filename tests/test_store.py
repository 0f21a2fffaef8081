"""The database: exactly-once items, migrations, the run lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from durandwatch.analyze import NotAnalysable
from durandwatch.errors import AlreadyRunningError, StoreError
from durandwatch.model import FeedSpec, Item
from durandwatch.parse import item_id
from durandwatch.store import SCHEMA_VERSION, RunLock, Store, schema

from .records import KURRAM, make_incident

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
FEED = FeedSpec(name="a", url="https://a.example/feed")
OTHER = FeedSpec(name="b", url="https://b.example/feed")


def make_item(n: int, *, guid: str | None = None, source: str = "a") -> Item:
    link = f"https://news.example/story/{n}"
    return Item(
        id=item_id(guid=guid, link=link, title=f"t{n}", published=NOW, source=source),
        url=link,
        title=f"Story {n}",
        summary="s",
        published=NOW,
        source=source,
        language="en",
        guid=guid,
    )


def test_same_items_twice_are_stored_once(store_target: Path | str) -> None:
    with Store(store_target) as store:
        items = [make_item(n) for n in range(5)]
        assert (
            store.record_items(FEED, items, now=NOW, etag=None, last_modified=None, http_status=200)
            == 5
        )
        assert (
            store.record_items(FEED, items, now=NOW, etag=None, last_modified=None, http_status=200)
            == 0
        )
        assert store.count_items() == 5


def test_second_feed_with_the_same_story(store_target: Path | str) -> None:
    with Store(store_target) as store:
        store.record_items(
            FEED, [make_item(1)], now=NOW, etag=None, last_modified=None, http_status=200
        )
        new = store.record_items(
            OTHER,
            [make_item(1, source="b")],
            now=NOW,
            etag=None,
            last_modified=None,
            http_status=200,
        )
        assert new == 0
        assert store.count_items() == 1
        counts = {s.name: s.items for s in store.feed_states()}
        assert counts == {"a": 1, "b": 1}  # the story is credited to both feeds


def test_feed_that_changes_guid_scheme(store_target: Path | str) -> None:
    with Store(store_target) as store:
        before = [make_item(n, guid=str(1000 + n)) for n in range(3)]
        after = [make_item(n, guid=f"https://news.example/story/{n}") for n in range(3)]
        assert {i.id for i in before}.isdisjoint({i.id for i in after})
        store.record_items(FEED, before, now=NOW, etag=None, last_modified=None, http_status=200)
        new = store.record_items(
            FEED, after, now=NOW, etag=None, last_modified=None, http_status=200
        )
        assert new == 0
        assert store.count_items() == 3
        assert store.feed_state("a").items == 3  # type: ignore[union-attr]


def test_state_survives_reopen(store_target: Path | str) -> None:
    path = store_target
    with Store(path) as store:
        store.record_items(
            FEED, [make_item(1)], now=NOW, etag='"e"', last_modified="lm", http_status=200
        )
    with Store(path) as store:
        state = store.feed_state("a")
        assert state is not None
        assert (state.etag, state.last_modified, state.last_success) == ('"e"', "lm", NOW)
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == "ok"


@pytest.mark.sqlite_only("the SQLite journal mode")
def test_wal_mode(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite"):
        pass
    db = sqlite3.connect(tmp_path / "db.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_failures_count_up_and_success_resets(store_target: Path | str) -> None:
    with Store(store_target) as store:
        assert store.record_failure(FEED, now=NOW, error="boom", next_attempt=NOW) == 1
        assert store.record_failure(FEED, now=NOW, error="boom", next_attempt=NOW) == 2
        store.record_items(FEED, [], now=NOW, etag=None, last_modified=None, http_status=200)
        state = store.feed_state("a")
        assert state is not None
        assert state.consecutive_failures == 0
        assert state.last_error == "boom"  # kept for the operator to read
        assert state.next_attempt is None


def test_newer_schema_is_refused(store_target: Path | str) -> None:
    with Store(store_target) as store, store._db.transaction() as db:
        schema.set_version(db, SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="newer"):
        Store(store_target)


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        Store(blocker / "sub" / "db.sqlite")


@pytest.mark.sqlite_only("SQLite's max_page_count stands in for a full disk")
def test_full_disk_is_a_store_error_and_keeps_earlier_items(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with Store(path) as store:
        store.record_items(
            FEED, [make_item(1)], now=NOW, etag=None, last_modified=None, http_status=200
        )
        # SQLite reports SQLITE_FULL when max_page_count is reached: a full disk, in effect.
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
        big = [
            Item(
                id=f"big{n}",
                url=None,
                title="x" * 5000,
                summary="y" * 50000,
                published=NOW,
                source="a",
                language="en",
            )
            for n in range(50)
        ]
        with pytest.raises(StoreError, match="full"):
            store.record_items(
                FEED, big, now=NOW, etag='"new"', last_modified=None, http_status=200
            )
        assert store.count_items() == 1
        assert store.feed_state("a").etag is None  # type: ignore[union-attr]


def test_run_lock_is_exclusive(tmp_path: Path) -> None:
    first = RunLock(tmp_path / "x.lock")
    first.acquire()
    try:
        with pytest.raises(AlreadyRunningError, match="already running"):
            RunLock(tmp_path / "x.lock").acquire()
    finally:
        first.release()
    with RunLock(tmp_path / "x.lock"):
        pass


def test_poll_log_is_pruned(store_target: Path | str) -> None:
    from datetime import timedelta

    with Store(store_target) as store:
        store.record_failure(FEED, now=NOW - timedelta(days=100), error="old", next_attempt=NOW)
        store.record_failure(FEED, now=NOW, error="new", next_attempt=NOW)
        assert store.prune_polls(before=NOW - timedelta(days=90)) == 1
        assert store.feed_state("a").last_error == "new"  # type: ignore[union-attr]


def test_one_leader_per_store(store_target: Path | str) -> None:
    with Store(store_target) as store:
        first, second = store.leadership(), store.leadership()
        try:
            assert first.try_acquire()
            assert not second.try_acquire()
            assert first.still_held()
            first.release()
            assert second.try_acquire()
        finally:
            first.release()
            second.release()


@pytest.mark.postgres
def test_a_leader_whose_connection_dies_knows_it_lost_the_lead(database: str | None) -> None:
    if not database:
        pytest.skip("needs the PostgreSQL pass (DURANDWATCH_TEST_POSTGRES)")
    import psycopg

    with Store(database) as store:
        leader, standby = store.leadership(), store.leadership()
        try:
            assert leader.try_acquire()
            # The server ends the leader's session, as when its host or network dies.
            pid = leader._conn.info.backend_pid  # type: ignore[attr-defined]
            with psycopg.connect(database, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            assert not leader.still_held()
            assert standby.try_acquire()
        finally:
            leader.release()
            standby.release()


@pytest.mark.postgres
def test_incidents_get_a_postgis_point(database: str | None) -> None:
    if not database:
        pytest.skip("needs the PostgreSQL pass (DURANDWATCH_TEST_POSTGRES)")
    with Store(database) as store:
        if not store.geometry:
            pytest.skip("the server offers no PostGIS")
        item = make_item(1)
        store.record_items(FEED, [item], now=NOW, etag=None, last_modified=None, http_status=200)
        store.save_reports([NotAnalysable(item.id, NOW, "a row for the link")], now=NOW)
        base = make_incident()
        incident = replace(
            base,
            id="inc-1",
            location=replace(KURRAM, lat=34.09, lon=71.10),  # Torkham
            sources=(replace(base.sources[0], report_id=item.id),),
        )
        store.replace_incidents([incident], [item.id])
        gis = store._postgis
        rows = store._db.query(
            f'SELECT id FROM incidents WHERE "{gis}".ST_DWithin(geom::"{gis}".geography,'  # noqa: S608
            f' "{gis}".ST_SetSRID("{gis}".ST_MakePoint(71.09, 34.12), 4326)::"{gis}".geography,'
            " 5000)"
        )
        assert rows == [("inc-1",)]
        index = store._db.query(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'incidents_geom'"
        )
        assert "gist" in str(index[0][0]).lower()


def test_processes_opening_a_new_store_at_once_migrate_it_once(
    store_target: Path | str,
) -> None:
    url = store_target if isinstance(store_target, str) else f"sqlite:///{store_target}"
    code = "import sys; from durandwatch.store import Store; Store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    with Store(url) as store:
        assert store.schema_version == SCHEMA_VERSION


@pytest.mark.sqlite_only("SQLite's max_page_count stands in for a full disk")
def test_a_full_disk_says_so_and_keeps_nothing_of_the_write(tmp_path: Path) -> None:
    # SQLite rolls a transaction back by itself when the disk is full; the store's own
    # rollback then failed and its message ("cannot rollback - no transaction is
    # active") hid the cause. A page limit stands in for the full disk.
    with Store(tmp_path / "db.sqlite") as store:
        store.record_items(
            FEED, [make_item(0)], now=NOW, etag='"v0"', last_modified=None, http_status=200
        )
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages + 1}")
        big = [replace(make_item(n), summary="x" * 4000) for n in range(1, 60)]
        with pytest.raises(StoreError, match="is full") as info:
            store.record_items(FEED, big, now=NOW, etag='"v1"', last_modified=None, http_status=200)
        assert "cannot rollback" not in str(info.value)
        assert str(tmp_path / "db.sqlite") in str(info.value)
        assert store.count_items() == 1  # none of the failed poll, and its etag not kept
        state = store.feed_state("a")
        assert state is not None
        assert state.etag == '"v0"'
        store._db.execute("PRAGMA max_page_count = 1073741823")  # space freed
        store.record_items(FEED, big, now=NOW, etag='"v1"', last_modified=None, http_status=200)
        assert store.count_items() == 60
        assert store.integrity_check() == "ok"


def test_incidents_read_again_are_the_stored_ones(store_target: Path | str) -> None:
    """Unchanged rows are not decoded twice; a changed row is read as it now is."""
    with Store(store_target) as store:
        items = [make_item(1), make_item(2)]
        store.record_items(FEED, items, now=NOW, etag=None, last_modified=None, http_status=200)
        store.save_reports([NotAnalysable(i.id, NOW, "a row for the link") for i in items], now=NOW)
        first, second = (
            make_incident(
                id=f"inc-{n}", sources=(replace(make_incident().sources[0], report_id=i.id),)
            )
            for n, i in enumerate(items)
        )
        store.replace_incidents([first, second], [i.id for i in items])
        before = store.incidents()
        assert before == [first, second]
        store.replace_incidents([replace(second, title="Toll rises")], [items[1].id])
        after = store.incidents()
        assert [i.title for i in after] == [first.title, "Toll rises"]
        assert after[0] is before[0]  # the same row: the same object, not decoded again
        assert after[1] is not before[1]
        assert store.incidents(since=date(2024, 12, 30)) == []
        assert store.incidents() == after
