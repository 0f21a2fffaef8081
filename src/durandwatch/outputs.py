"""The day's outputs under ``alerts/<YYYY-MM-DD>/``, written atomically.

``map.html``, ``digest.md``, ``digest.html``, ``digest.txt``, ``trend.png``,
``incidents.geojson``, ``alerts.geojson``, ``cap/<alert-id>.xml``, ``alerts.atom`` and
``incidents.csv``, and ``alerts/index.html`` (the days, newest first).

The whole day folder is written under a temporary name beside it (``.<day>.new-...``)
and renamed into place once every file is whole, so a reader never sees a half-written
day: a full disk or a crash leaves the previous complete folder of that day (if any)
where it was, and a rerun replaces it whole. An error names the file and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import html
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .dedup import Incident
from .digest import build_digest, render_digest, trend_png
from .errors import OutputError
from .exports import alerts_atom, alerts_geojson, cap_alert, incidents_csv, incidents_geojson
from .gazetteer import Gazetteer
from .lifecycle import Alert
from .render_map import build_map

log = logging.getLogger(__name__)

INCIDENT_DAYS = 30
CAP_SENDER = "durandwatch@localhost"
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
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    Raises :class:`OutputError` naming ``path`` and the cause.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise _output_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _output_error(path, exc) from exc
        raise


def write_day(
    output_dir: Path,
    day: date,
    *,
    alerts: Sequence[Alert],
    incidents: Sequence[Incident],
    gazetteer: Gazetteer | None,
    zone: str,
    daily_at: time,
    now: datetime,
    previous_alerts: Sequence[Alert] = (),
    templates: Path | None = None,
    cdn: bool = False,
) -> DayOutputs:
    """Write every output of ``day``; return the folder and files."""
    folder = output_dir / day.isoformat()
    recent = [i for i in incidents if day - timedelta(days=INCIDENT_DAYS) < i.event_date <= day]
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
    shown = [a for a in alerts if a.shown]
    files["incidents.geojson"] = incidents_geojson(recent)
    files["alerts.geojson"] = alerts_geojson([a for a in shown if a.level != "green"])
    files["incidents.csv"] = incidents_csv(recent)
    files["alerts.atom"] = alerts_atom(shown, day=day, zone=zone, at=daily_at)
    for alert in shown:
        files[f"cap/{alert.alert_id}.xml"] = cap_alert(
            alert, sender=CAP_SENDER, zone=zone, at=daily_at, web="../map.html"
        )
    write_folder(folder, files)
    write_index(output_dir)
    log.info("outputs for %s written to %s (%d files)", day, folder, len(files))
    return DayOutputs(folder, tuple(folder / name for name in files))


def write_folder(folder: Path, files: dict[str, bytes | str]) -> None:
    """Make ``folder`` hold exactly ``files`` (relative names), all of them or none.

    The files are written into a new folder beside it, which replaces ``folder`` only
    once every file is whole; until then the previous ``folder`` stays as it was.

    Raises
    ------
    OutputError
        Naming the file that could not be written and the cause (a full disk, a
        permission); nothing of the new folder is left behind.
    """
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(parent, exc) from exc
    _clear_leftovers(folder)
    try:
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.new-"))
    except OSError as exc:
        raise _output_error(folder, exc, kept=folder) from exc
    try:
        for name, data in files.items():
            path = staging / name
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_file(path, data.encode("utf-8") if isinstance(data, str) else data)
            except OSError as exc:
                raise _output_error(folder / name, exc, kept=folder) from exc
        try:
            os.chmod(staging, 0o777 & ~_UMASK)  # mkdtemp makes 0700; outputs are shared
            _replace_folder(staging, folder)
        except OSError as exc:
            raise _output_error(folder, exc, kept=folder) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when it was renamed


def _write_file(path: Path, data: bytes) -> None:
    """Write and flush one file to the disk (the seam tests fill the disk at)."""
    with path.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_folder(staging: Path, folder: Path) -> None:
    """Put ``staging`` in the place of ``folder``; the old one is removed afterwards."""
    if not folder.exists():
        os.rename(staging, folder)
    else:
        # Two renames (POSIX cannot swap folders in one): the old folder steps aside,
        # the new one takes its name, the old one goes. A crash in between leaves the
        # old one under .<day>.old-*, which the next write puts back before it starts.
        old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
        os.rename(folder, old / folder.name)
        try:
            os.rename(staging, folder)
        except OSError:
            os.rename(old / folder.name, folder)
            shutil.rmtree(old, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _sync_folder(folder.parent)


def _clear_leftovers(folder: Path) -> None:
    """Remove what an interrupted write of ``folder`` left; put a stepped-aside one back."""
    for leftover in folder.parent.glob(f".{folder.name}.old-*"):
        previous = leftover / folder.name
        if previous.is_dir() and not folder.exists():
            with contextlib.suppress(OSError):
                os.rename(previous, folder)
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in folder.parent.glob(f".{folder.name}.new-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _sync_folder(path: Path) -> None:
    """Flush a folder's entries (the renames) to the disk, where the system allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _output_error(path: Path, exc: OSError, *, kept: Path | None = None) -> OutputError:
    """An error naming the file, the cause and, for a day folder, what was kept."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        cause += " (the disk is full)"
    message = f"cannot write {path}: {cause}"
    if kept is not None:
        message += (
            f"; the previous {kept.name} folder is kept as it was"
            if kept.exists()
            else f"; no {kept.name} folder was written"
        )
    return OutputError(message)


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
