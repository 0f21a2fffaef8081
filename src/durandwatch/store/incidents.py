"""Reports (an item as analysed) and incidents (reports merged)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from ..analyze import NotAnalysable, Report
from ..clock import to_iso
from ..codec import (
    dumps,
    incident_from_record,
    incident_record,
    loads,
    report_from_record,
    report_row,
)
from ..dedup import Incident
from .database import Database


class IncidentTables:
    """What processing writes: one report per item, incidents built from reports."""

    _db: Database
    #: On PostGIS: the schema of its functions (incidents get a point).
    _postgis: str | None = None
    #: The incidents the last read returned, by their stored text. The scoring pass reads
    #: the same window every 15 minutes and most rows have not changed since: those are
    #: not parsed and decoded again (an equal text is an equal, immutable incident).
    _decoded: dict[str, Incident] | None = None

    def save_reports(self, reports: Sequence[Report | NotAnalysable], *, now: datetime) -> None:
        """Store analysed items (one transaction); a report is replaced if re-analysed.

        A relevant report is kept whole; of any other item only that it was read and why
        not (:func:`~durandwatch.codec.report_row`).
        """
        stamp = to_iso(now)
        rows = []
        for report in reports:
            record = report_row(report)
            rows.append(
                (
                    report.id,
                    stamp,
                    record["published"],
                    int(bool(record["relevant"])),
                    dumps(record),
                )
            )
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO reports (item_id, analyzed_at, published, relevant, record)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET"
                " analyzed_at = excluded.analyzed_at, relevant = excluded.relevant,"
                " record = excluded.record",
                rows,
            )

    def reports(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Report]:
        """The stored relevant reports published in ``[since, until)``."""
        query = "SELECT record FROM reports WHERE relevant = 1"
        args: list[object] = []
        if since is not None:
            query += " AND published >= ?"
            args.append(since.isoformat())
        if until is not None:
            query += " AND published < ?"
            args.append(until.isoformat())
        rows = self._db.query(query + " ORDER BY published, item_id", args)
        return [report_from_record(loads(r[0])) for r in rows]

    def incident_partners(self, item_ids: Iterable[str]) -> list[Report]:
        """Reports that share an incident with one of ``item_ids`` but are not among them.

        Rebuilding the incidents of a window must rebuild them whole: a report published
        before the window that belongs to an incident reaching into it comes along. (A
        report belongs to one incident, so one step finds every member.)
        """
        wanted = sorted(set(item_ids))
        with self._db.transaction() as db:  # the temporary table is this session's alone
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _seed (item_id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM _seed")
            db.executemany("INSERT INTO _seed VALUES (?)", [(i,) for i in wanted])
            rows = db.query(
                "SELECT DISTINCT r.item_id, r.record FROM _seed s"
                " JOIN incident_reports a ON a.item_id = s.item_id"
                " JOIN incident_reports b ON b.incident_id = a.incident_id"
                " JOIN reports r ON r.item_id = b.item_id"
                " WHERE b.item_id NOT IN (SELECT item_id FROM _seed) ORDER BY r.item_id"
            )
        return [report_from_record(loads(record)) for _, record in rows]

    def replace_incidents(self, incidents: Sequence[Incident], report_ids: Iterable[str]) -> None:
        """Replace the incidents built from ``report_ids`` by ``incidents`` (one transaction)."""
        ids = list(report_ids)
        with self._db.transaction() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _window (item_id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM _window")
            db.executemany(
                "INSERT INTO _window VALUES (?) ON CONFLICT DO NOTHING", [(i,) for i in ids]
            )
            db.execute(
                "DELETE FROM incidents WHERE id IN (SELECT incident_id FROM"
                " incident_reports WHERE item_id IN (SELECT item_id FROM _window))"
            )
            db.executemany(
                "INSERT INTO incidents (id, first_reported, event_date, record)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " first_reported = excluded.first_reported,"
                " event_date = excluded.event_date, record = excluded.record",
                [
                    (
                        incident.id,
                        incident.first_reported.isoformat(),
                        incident.event_date.isoformat(),
                        dumps(incident_record(incident)),
                    )
                    for incident in incidents
                ],
            )
            db.executemany(
                "INSERT INTO incident_reports (incident_id, item_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                [(incident.id, s.report_id) for incident in incidents for s in incident.sources],
            )
            if self._postgis:
                self._set_points(db, incidents)

    def _set_points(self, db: Database, incidents: Sequence[Incident]) -> None:
        """The PostGIS point of each incident that has coordinates."""
        gis = self._postgis
        points = [
            (loc.lon, loc.lat, incident.id)
            for incident in incidents
            if (loc := incident.location) is not None
            and loc.lat is not None
            and loc.lon is not None
        ]
        db.executemany(
            f'UPDATE incidents SET geom = "{gis}".ST_SetSRID("{gis}".ST_MakePoint(?, ?), 4326)'  # noqa: S608 - the schema name comes from pg_extension
            " WHERE id = ?",
            points,
        )

    def incidents(self, *, since: date | None = None, until: date | None = None) -> list[Incident]:
        """Stored incidents with event dates in ``[since, until)``, by event date and id."""
        query = "SELECT record FROM incidents WHERE 1 = 1"
        args: list[object] = []
        if since is not None:
            query += " AND event_date >= ?"
            args.append(since.isoformat())
        if until is not None:
            query += " AND event_date < ?"
            args.append(until.isoformat())
        rows = self._db.query(query + " ORDER BY event_date, id", args)
        known = self._decoded or {}
        decoded: dict[str, Incident] = {}
        incidents = []
        for (text,) in rows:
            incident = known.get(text)
            if incident is None:
                incident = incident_from_record(loads(text))
            decoded[text] = incident
            incidents.append(incident)
        self._decoded = decoded  # one read's incidents are kept, no more
        return incidents

    def count_incidents(self) -> int:
        """Incidents stored."""
        return int(self._db.query("SELECT COUNT(*) FROM incidents")[0][0])
