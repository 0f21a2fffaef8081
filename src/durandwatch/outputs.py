"""The day's outputs under ``alerts/<YYYY-MM-DD>/``, written atomically.

``map.html``, ``digest.md``, ``digest.html``, ``digest.txt``, ``trend.png``,
``incidents.geojson``, ``alerts.geojson``, ``cap/<alert-id>.xml``, ``alerts.atom`` and
``incidents.csv``, and ``alerts/index.html`` (the days, newest first). Each file goes to
a temporary name first and is renamed into place, so a reader never sees half a file and
a rerun for the same day replaces them.
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .digest import build_digest, render_digest, trend_png
from .exports import alerts_atom, alerts_geojson, cap_alert, incidents_csv, incidents_geojson
from .gazetteer import Gazetteer
from .render_map import build_map

log = logging.getLogger(__name__)

INCIDENT_DAYS = 30
CAP_SENDER = "durandwatch@localhost"
Record = dict[str, Any]
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@dataclass(frozen=True, slots=True)
class DayOutputs:
    """Where a day's files went."""

    folder: Path
    files: tuple[Path, ...]

    @property
    def map(self) -> Path:
        return self.folder / "map.html"


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_day(
    output_dir: Path,
    day: date,
    *,
    alerts: Sequence[Record],
    incidents: Sequence[Record],
    gazetteer: Gazetteer | None,
    zone: str,
    daily_at: time,
    now: datetime,
    previous_alerts: Sequence[Record] = (),
    templates: Path | None = None,
    cdn: bool = False,
) -> DayOutputs:
    """Write every output of ``day``; return the folder and files."""
    folder = output_dir / day.isoformat()
    recent = [
        i
        for i in incidents
        if day - timedelta(days=INCIDENT_DAYS) < date.fromisoformat(i["event_date"]) <= day
    ]
    attributions = list(gazetteer.sources.attributions) if gazetteer is not None else []
    attributions.append("Incidents: durandwatch from the outlets linked in each report")
    files: dict[str, bytes | str] = {}
    digest = build_digest(
        day,
        alerts,
        recent,
        zone=zone,
        now=now,
        previous_alerts=previous_alerts,
        attributions=attributions,
    )
    files.update(render_digest(digest, templates=templates))
    files["trend.png"] = trend_png(recent, day)
    crossings = [p for p in gazetteer.places if p.kind in ("crossing", "pass")] if gazetteer else []
    files["map.html"] = build_map(
        day,
        recent,
        alerts,
        boundaries=gazetteer.boundaries if gazetteer else None,
        crossings=crossings,
        attributions=attributions,
        zone=zone,
        cdn=cdn,
    )
    shown = [a for a in alerts if a.get("level") != "green" or a.get("status") == "cleared"]
    files["incidents.geojson"] = incidents_geojson(recent)
    files["alerts.geojson"] = alerts_geojson([a for a in shown if a.get("level") != "green"])
    files["incidents.csv"] = incidents_csv(recent)
    files["alerts.atom"] = alerts_atom(shown, day=day.isoformat(), zone=zone, at=daily_at)
    for alert in shown:
        files[f"cap/{alert['alert_id']}.xml"] = cap_alert(
            alert, sender=CAP_SENDER, zone=zone, at=daily_at, web="../map.html"
        )
    written = []
    for name, data in files.items():
        path = folder / name
        write_atomic(path, data)
        written.append(path)
    cap_dir = folder / "cap"
    if cap_dir.is_dir():  # a rerun replaces the day: drop messages of alerts no longer shown
        keep = {f"{a['alert_id']}.xml" for a in shown}
        for stale in cap_dir.glob("*.xml"):
            if stale.name not in keep:
                stale.unlink()
    write_index(output_dir)
    log.info("outputs for %s written to %s (%d files)", day, folder, len(written))
    return DayOutputs(folder, tuple(written))


def write_index(output_dir: Path) -> Path:
    """``alerts/index.html``: every dated folder, newest first."""
    days = sorted(
        (p.name for p in output_dir.iterdir() if p.is_dir() and _is_date(p.name)), reverse=True
    )
    rows = "\n".join(
        f'<li><a href="{html.escape(d)}/map.html">{html.escape(d)}</a> &middot; '
        f'<a href="{html.escape(d)}/digest.html">digest</a></li>'
        for d in days
    )
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>durandwatch: daily alerts</title><style>body{font:15px/1.5 system-ui,"
        "sans-serif;max-width:40rem;margin:2rem auto}</style></head><body>"
        f"<h1>durandwatch: daily alerts</h1><ul>\n{rows}\n</ul></body></html>\n"
    )
    path = output_dir / "index.html"
    write_atomic(path, page)
    return path


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return True
