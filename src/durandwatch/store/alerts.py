"""Alerts (open state and the daily log) and the email outbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from ..clock import to_iso
from ..codec import alert_from_record, alert_record, dumps, loads, state_from_record, state_record
from ..lifecycle import Alert, AlertState
from .database import Database


class AlertTables:
    """What the daily assessment and the mailer write."""

    _db: Database

    def open_alert_states(self) -> dict[str, AlertState]:
        """The remembered state of every open alert, by alert id."""
        rows = self._db.query("SELECT alert_id, state FROM alerts WHERE open = 1")
        return {r[0]: state_from_record(loads(r[1])) for r in rows}

    def save_alerts(
        self,
        states: Mapping[str, AlertState],
        alerts: Sequence[Alert],
        *,
        now: datetime,
    ) -> None:
        """Store the new open states and the day's alerts (one transaction)."""
        stamp = to_iso(now)
        rows, log = [], []
        for alert in alerts:
            state = states.get(alert.alert_id)
            record = dumps(alert_record(alert))
            rows.append(
                (
                    alert.alert_id,
                    int(state is not None),
                    dumps(state_record(state), ascii_only=True) if state else None,
                    record,
                    stamp,
                )
            )
            log.append(
                (
                    alert.alert_id,
                    alert.day.isoformat(),
                    alert.status,
                    alert.level,
                    alert.score,
                    record,
                )
            )
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO alerts (alert_id, open, state, last_event, updated)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO UPDATE SET"
                " open = excluded.open, state = excluded.state,"
                " last_event = excluded.last_event, updated = excluded.updated",
                rows,
            )
            db.executemany(
                "INSERT INTO alert_log (alert_id, day, status, level, score, record)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, day) DO UPDATE SET"
                " status = excluded.status, level = excluded.level,"
                " score = excluded.score, record = excluded.record",
                log,
            )

    def day_alerts(self, day: date) -> list[Alert]:
        """The alerts recorded for one day, highest score first."""
        rows = self._db.query(
            "SELECT record FROM alert_log WHERE day = ? ORDER BY score DESC, alert_id",
            (day.isoformat(),),
        )
        return [alert_from_record(loads(r[0])) for r in rows]

    def count_open_alerts(self) -> int:
        """Alerts currently open."""
        return int(self._db.query("SELECT COUNT(*) FROM alerts WHERE open = 1")[0][0])

    # -- email outbox ----------------------------------------------------------------------

    def outbox_add(self, messages: Sequence[tuple[str, str, str, bytes]], *, now: datetime) -> int:
        """Queue (message_id, recipient, day, raw) once each; return how many were new."""
        stamp = to_iso(now)
        with self._db.transaction() as db:
            return db.executemany(
                "INSERT INTO outbox (message_id, recipient, day, message,"
                " next_attempt, created) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(m, r, d, raw, stamp, stamp) for m, r, d, raw in messages],
            ).rowcount

    def outbox_due(self, *, now: datetime) -> list[tuple[str, str, bytes, int]]:
        """Pending messages whose next attempt is due: (id, recipient, raw, attempts)."""
        rows = self._db.query(
            "SELECT message_id, recipient, message, attempts FROM outbox"
            " WHERE status = 'pending' AND next_attempt <= ? ORDER BY created, message_id",
            (to_iso(now),),
        )
        return [(r[0], r[1], bytes(r[2]), int(r[3])) for r in rows]

    def outbox_sent(self, message_id: str, *, now: datetime) -> None:
        """A message went out."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE message_id = ?",
                (to_iso(now), message_id),
            )

    def outbox_failed(
        self, message_id: str, *, error: str, now: datetime, next_attempt: datetime, give_up: bool
    ) -> None:
        """A delivery failed: try again at ``next_attempt``, or give up."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?,"
                " status = ? WHERE message_id = ?",
                (error, to_iso(next_attempt), "failed" if give_up else "pending", message_id),
            )

    def outbox_status(self) -> dict[str, int]:
        """Messages by status."""
        rows = self._db.query("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {str(r[0]): int(r[1]) for r in rows}
