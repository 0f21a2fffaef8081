"""Alerts (open state and the daily log) and the email outbox."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from ..clock import to_iso
from .database import Database


class AlertTables:
    """What the daily assessment and the mailer write."""

    _db: Database

    def open_alert_states(self) -> dict[str, dict[str, object]]:
        """The remembered state of every open alert."""
        rows = self._db.query("SELECT alert_id, state FROM alerts WHERE open = 1")
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
        alerts, log = [], []
        for event in events:
            alert = str(event["alert_id"])
            state = states.get(alert)
            record = json.dumps(event, ensure_ascii=False)
            alerts.append(
                (alert, int(state is not None), json.dumps(state) if state else None, record, stamp)
            )
            log.append(
                (alert, event["date"], event["status"], event["level"], event["score"], record)
            )
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO alerts (alert_id, open, state, last_event, updated)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO UPDATE SET"
                " open = excluded.open, state = excluded.state,"
                " last_event = excluded.last_event, updated = excluded.updated",
                alerts,
            )
            db.executemany(
                "INSERT INTO alert_log (alert_id, day, status, level, score, record)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, day) DO UPDATE SET"
                " status = excluded.status, level = excluded.level,"
                " score = excluded.score, record = excluded.record",
                log,
            )

    def alert_events(self, day: str) -> list[dict[str, object]]:
        """The alert events recorded for one day (ISO date), highest score first."""
        rows = self._db.query(
            "SELECT record FROM alert_log WHERE day = ? ORDER BY score DESC, alert_id", (day,)
        )
        return [json.loads(r[0]) for r in rows]

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
