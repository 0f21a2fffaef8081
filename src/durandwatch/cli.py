"""The command line: parse arguments, call the :class:`~durandwatch.monitor.Monitor`, print.

Exit codes (one table, :data:`EXIT_CODES`): 0 success; 1 the work failed (for ``once``:
every feed failed); 2 bad usage or an invalid configuration, rules file, region profile
or recipients file; 3 another ``run`` holds the lock. No command shows a traceback for a
bad file: every :class:`DurandwatchError` becomes one ``error:`` message and its code.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import click

from . import __version__
from .config import CONFIG_NAME, Config, find_config, load_config
from .errors import AlreadyRunningError, ConfigError, DurandwatchError
from .initdir import write_project
from .model import PollOutcome
from .monitor import Monitor
from .pipeline import ProcessReport
from .resources import data_path

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
#: Error class -> exit code; the first class that matches wins (subclasses first).
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (AlreadyRunningError, EXIT_LOCKED),
    (ConfigError, EXIT_CONFIG),
    (DurandwatchError, EXIT_FAILED),
    (OSError, EXIT_FAILED),  # a full disk or an unwritable output folder
)

log = logging.getLogger("durandwatch")


def _setup_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, min(logging.CRITICAL, level)))
    # httpx logs every request at INFO; our own one line per feed says more.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def exit_code(exc: BaseException) -> int:
    """The exit code of an error (see :data:`EXIT_CODES`)."""
    return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))


@contextmanager
def _errors() -> Iterator[None]:
    """Turn a library error into one message and its exit code (the one place that does)."""
    try:
        yield
    except (DurandwatchError, OSError) as exc:
        message = str(exc)
        if isinstance(exc, OSError) and not isinstance(exc, DurandwatchError):
            where = f" {exc.filename}" if exc.filename else ""
            message = f"cannot write{where}: {exc.strerror or exc}"
        _fail(message, exit_code(exc))


def _config(ctx: click.Context) -> Config:
    with _errors():
        return load_config(find_config(ctx.obj.get("config_path")))
    raise AssertionError("unreachable")  # pragma: no cover - _errors exits


@contextmanager
def _monitor(ctx: click.Context) -> Iterator[Monitor]:
    """The configured monitor, open, with library errors mapped to exit codes."""
    config = _config(ctx)
    with _errors(), Monitor(config) as monitor:
        yield monitor


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="durandwatch")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help=f"Configuration file (default: $DURANDWATCH_CONFIG, else ./{CONFIG_NAME}, "
    "else the built-in defaults with state in ./state).",
)
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int, quiet: int) -> None:
    """durandwatch: early warning of violence along the Afghanistan-Pakistan border."""
    _setup_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(folder: Path, force: bool) -> None:
    """Write a commented durandwatch.toml, the feed catalog and the alert rules into FOLDER."""
    try:
        written = write_project(folder, force=force)
    except FileExistsError as exc:
        _fail(f"{exc} already exists; use --force to overwrite", EXIT_FAILED)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: edit {folder / CONFIG_NAME}, then `durandwatch check` and `durandwatch run`")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate everything the monitor loads and list every problem.

    The configuration and feed catalog, the alert rules, the region profile and its
    sectors, the email recipients and the geodata. Exits 2 when anything is wrong.
    """
    from .notify import load_recipients

    config = _config(ctx)
    monitor = Monitor(config)
    problems = monitor.check()
    if problems:
        _fail("\n".join(problems), EXIT_CONFIG)
    _, recipients = load_recipients(monitor.recipients_file)
    enabled = len(config.enabled_feeds())
    source = config.config_file or "built-in defaults"
    click.echo(f"configuration OK ({source})")
    click.echo(f"  feeds:    {len(config.feeds)} in {config.feeds_file} ({enabled} enabled)")
    click.echo(f"  database: {config.database_name}")
    click.echo(f"  output:   {config.output_dir}")
    click.echo(f"  daily at: {config.schedule.daily_at:%H:%M} {config.schedule.timezone}")
    click.echo(f"  rules:    {config.rules_file}")
    click.echo(f"  region:   {monitor.region.folder} ({len(monitor.sectors.sectors)} sectors)")
    click.echo(f"  email:    {len(recipients)} recipient(s) in {monitor.recipients_file}")


@main.command()
@click.option(
    "--feeds",
    "feeds_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Ingest the feed files (*.xml, *.rss, *.atom, *.rdf) in this folder instead "
    "of fetching the catalog.",
)
@click.option(
    "--outputs/--no-outputs",
    default=True,
    show_default=True,
    help="Write the day's map, digest and exports to alerts/<date>/.",
)
@click.option("--email", is_flag=True, help="Also email the day's digest to the recipients.")
@click.pass_context
def once(ctx: click.Context, feeds_dir: Path | None, outputs: bool, email: bool) -> None:
    """One pass of the service: poll every enabled feed, analyse, assess, write the day.

    A feed that fails is reported and recorded, and the pass goes on. Exits 1 when every
    feed polled failed, 0 otherwise.
    """
    with _monitor(ctx) as monitor:
        monitor.prepare()  # a bad rules file or region profile stops before anything is fetched
        if email:
            monitor.check_recipients()
        outcomes = monitor.poll_directory(feeds_dir) if feeds_dir else monitor.poll()
        _print_outcomes(outcomes)
        _report_processing(monitor, monitor.process())
        day = monitor.today()
        _report_alerts(monitor, day)
        if outputs:
            click.echo(f"outputs for {day}: {monitor.write_day(day).folder}")
        if email:
            sent = monitor.email(day)
            click.echo(f"email: {sent.queued} queued, {sent.sent} sent, {sent.failed} failed")
    polled = [o for o in outcomes if o.status != "skipped"]
    if polled and not any(o.ok for o in polled):
        sys.exit(EXIT_FAILED)


def _report_processing(monitor: Monitor, result: ProcessReport) -> None:
    failed = f", {result.failed} not analysable (see the log)" if result.failed else ""
    click.echo(
        f"analysed {result.analyzed} new item(s): {result.relevant} relevant{failed}; "
        f"{monitor.store.count_incidents()} incident(s) stored"
    )


def _report_alerts(monitor: Monitor, day: date) -> None:
    """Assess ``day`` and print the open alerts."""
    alerts = monitor.assess(day)
    shown = [a for a in alerts if a.level != "green"]
    click.echo(f"alerts as of {day} ({monitor.config.schedule.timezone}): {len(shown)} open")
    for alert in shown:
        reasons = "; ".join(alert.reasons[:3])
        click.echo(
            f"  {alert.level.upper():<6} {alert.unit:<8} {alert.name} ({alert.status}): {reasons}"
        )


def _print_outcomes(outcomes: Sequence[PollOutcome]) -> None:
    ok = sum(o.ok for o in outcomes)
    new = sum(o.items_new for o in outcomes)
    skipped = sum(o.status == "skipped" for o in outcomes)
    for o in outcomes:
        if o.status == "skipped":
            click.echo(f"  skipped {o.feed}: {o.error or 'not due'}")
        elif o.ok:
            detail = (
                "not modified"
                if o.status == "not-modified"
                else (f"{o.items_seen} items, {o.items_new} new")
            )
            note = f"  (warning: {o.error})" if o.error else ""
            click.echo(f"  ok      {o.feed}: {detail}{note}")
        else:
            click.echo(f"  FAILED  {o.feed}: {o.error}")
    polled = len(outcomes) - skipped
    note = f" ({skipped} skipped)" if skipped else ""
    click.echo(f"{ok - skipped} of {polled} feeds ok{note}, {new} new items")


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service: poll feeds on schedule until SIGTERM or Ctrl-C."""
    from .service import Service

    service = Service(_config(ctx))
    with _errors():
        service.run()
    if service.active_jobs:
        # A fetch is still blocked in a socket read past the grace period; the state is
        # consistent (every write is one transaction), so leave without joining it.
        logging.shutdown()
        os._exit(0)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Per feed: last success, last error, items stored."""
    with _monitor(ctx) as monitor:
        report = monitor.status()
        zone = monitor.zone
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{report['items']} items, {report['incidents']} incidents, {report['open_alerts']} open "
        f"alert(s) in {report['database']}"
    )
    for feed in report["feeds"]:
        mark = (
            "FAILING"
            if feed["consecutive_failures"]
            else ("ok" if feed["last_success"] else "never")
        )
        click.echo(
            f"  {mark:<7} {feed['name']:<32} items {feed['items']:>6}  "
            f"last success {_local(feed['last_success'], zone)}"
        )
        if feed["last_error"]:
            click.echo(
                f"          last error {_local(feed['last_error_at'], zone)}: {feed['last_error']}"
            )


def _local(iso: str | None, zone: ZoneInfo) -> str:
    if not iso:
        return "never"
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Fresh folder for the demo (default: a new temporary folder).",
)
def demo(out: Path | None) -> None:
    """Run the main job offline on the bundled sample feeds and print where the results are."""
    folder = Path(tempfile.mkdtemp(prefix="durandwatch-demo-")) if out is None else out
    if folder.exists() and any(folder.iterdir()):
        _fail(f"{folder} is not empty; the demo needs a fresh folder", EXIT_FAILED)
    write_project(folder, force=True)
    with _errors():
        config = load_config(folder / CONFIG_NAME)
    samples = data_path("feeds", "samples")
    click.echo(f"durandwatch demo: ingesting the illustrative sample feeds in {samples}")
    with _errors(), Monitor(config) as monitor:
        outcomes = monitor.poll_directory(samples)
        _print_outcomes(outcomes)
        _report_processing(monitor, monitor.process())
        # The samples are from late 2024: assess as of their newest incident, not today.
        day = monitor.latest_incident_day() or monitor.today()
        _report_alerts(monitor, day)
        outputs = monitor.write_day(day)
        click.echo(f"outputs for {day}: {outputs.folder}")
        click.echo(f"map: {outputs.map}")
    click.echo(f"results in {folder}")
    click.echo(f"  database: {config.database_name}")
    click.echo(f"  see them: durandwatch -c {folder / CONFIG_NAME} status")
    if not any(o.ok for o in outcomes):
        sys.exit(EXIT_FAILED)


@main.command()
@click.option(
    "-i",
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    default="-",
    help="JSON Lines to read (default: standard input).",
)
@click.option(
    "-o",
    "--output",
    "output_file",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Where to write (default: standard output).",
)
@click.pass_context
def analyze(ctx: click.Context, input_file: Any, output_file: Any) -> None:
    """Analyse news texts: JSON Lines {"id", "text", ...} in, one result per line out.

    Each output line carries id, relevant, event_type, sub_event_type, fatalities,
    actors, cross_border, direction, places (names with character spans) and location,
    in input order. A bad input line gives {"id", "error"} in its place.
    """
    from .analyze import analyze_lines

    monitor = Monitor(_config(ctx))
    with _errors():
        analyzer = monitor.analyzer
    for line in analyze_lines(analyzer, input_file):
        output_file.write(line + "\n")


@main.group()
def geo() -> None:
    """Geodata: fetch the full pack, or see what is present."""


@geo.command("fetch")
@click.option(
    "--mirror",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Take the files from this folder (found by their canonical names) "
    "instead of downloading them.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="User data folder (default: $DURANDWATCH_DATA_DIR, else ~/.local/share/durandwatch).",
)
@click.option("--no-verify", is_flag=True, help="Accept files whose SHA-256 differs from the pin.")
@click.pass_context
def geo_fetch(
    ctx: click.Context, mirror: Path | None, data_dir: Path | None, no_verify: bool
) -> None:
    """Download geoBoundaries and GeoNames for AF/PK (idempotent)."""
    from .geodata import fetch_pack, terminal_progress
    from .region import pack_dir

    monitor = Monitor(_config(ctx))
    pack = pack_dir(data_dir)
    with _errors():
        results = fetch_pack(
            monitor.region, pack, mirror=mirror, verify=not no_verify, progress=terminal_progress
        )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    for r in results:
        click.echo(f"  {r.action:<11} {r.dataset.id:<28} {r.path}")
    click.echo(f"geodata pack: {pack}")
    if any(r.action.startswith("failed") for r in results):
        sys.exit(EXIT_FAILED)


@geo.command("status")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="User data folder (default: $DURANDWATCH_DATA_DIR, else ~/.local/share/durandwatch).",
)
@click.pass_context
def geo_status(ctx: click.Context, data_dir: Path | None) -> None:
    """Which datasets are present, and what the geocoder falls back to."""
    from .gazetteer import build_gazetteer
    from .geodata import status as pack_status
    from .region import pack_dir

    monitor = Monitor(_config(ctx))
    with _errors():
        region = monitor.region
        pack = pack_dir(data_dir)
        click.echo(f"region: {region.name} (profile {region.folder})")
        click.echo(f"pack:   {pack}")
        for s in pack_status(region, pack):
            click.echo(
                f"  {'present' if s.present else 'missing':<8} {s.dataset.id:<28} "
                f"{s.dataset.licence[:60]}"
            )
        gazetteer = build_gazetteer(region, pack=pack if pack.is_dir() else None)
    click.echo(
        f"geocoder: {len(gazetteer)} places; towns from {gazetteer.sources.towns}; "
        f"polygons: {', '.join(gazetteer.sources.polygons) or 'none'}"
    )
    for fallback in gazetteer.sources.fallbacks:
        click.echo(f"  fallback: {fallback}")


@main.command("replay")
@click.argument("history", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--from", "start", required=True, help="First day to write alerts for (YYYY-MM-DD).")
@click.option("--to", "end", required=True, help="Last day (YYYY-MM-DD).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for replay-alerts.jsonl and replay-incidents.jsonl.",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Alert rules (default: the configured alerts/rules.toml).",
)
@click.option(
    "--warmup-days",
    default=400,
    show_default=True,
    help="Days before --from replayed to build baselines, without alerts.",
)
@click.option(
    "--outputs/--no-outputs",
    "daily_outputs",
    default=None,
    help="Write each day's alerts/<date>/ folder under OUT (default: for replays of up to "
    "62 days).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes that analyse items in parallel (the result is the same for any number).",
)
@click.pass_context
def replay_command(
    ctx: click.Context,
    history: Path,
    start: str,
    end: str,
    out: Path,
    rules_file: Path | None,
    warmup_days: int,
    daily_outputs: bool | None,
    workers: int,
) -> None:
    """Feed a history (JSON Lines, or UCDP/ACLED CSV) through the pipeline day by day.

    Writes OUT/replay-alerts.jsonl (one object per alert per day) and
    OUT/replay-incidents.jsonl, and prints a summary. Deterministic.
    """
    from .replay import OutputSettings, read_history, replay, terminal_progress
    from .rules import load_rules

    config = _config(ctx)
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        _fail("--to is before --from", EXIT_CONFIG)
    monitor = Monitor(config)
    write = daily_outputs if daily_outputs is not None else (last - first).days < 62
    with _errors():
        rules = load_rules(rules_file) if rules_file else monitor.rules
        settings = (
            OutputSettings(monitor.gazetteer, config.schedule.timezone, config.schedule.daily_at)
            if write
            else None
        )
        summary = replay(
            read_history(history),
            monitor.analyzer,
            rules,
            sectors=monitor.sectors,
            zone=config.schedule.timezone,
            start=first,
            end=last,
            out=out,
            warmup_days=warmup_days,
            progress=terminal_progress,
            outputs=settings,
            workers=workers,
        )
    click.echo(
        f"replayed {summary.days} day(s), {summary.items} item(s), {summary.relevant} "
        f"relevant, {summary.incidents} incident(s)"
    )
    click.echo(
        f"alerts: {len(summary.alerts)} distinct; alert-days orange "
        f"{summary.alert_days.get('orange', 0)}, red {summary.alert_days.get('red', 0)}"
    )
    click.echo(f"written: {out / 'replay-alerts.jsonl'}")
    if write:
        click.echo(f"daily folders: {out / 'alerts'} (index: {out / 'alerts' / 'index.html'})")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r}: expected YYYY-MM-DD", EXIT_CONFIG)


def _write_outputs(ctx: click.Context, day: str | None, *, cdn: bool) -> Path:
    """Write alerts/<day>/ (default: today in the configured zone); return the map's path."""
    with _monitor(ctx) as monitor:
        return monitor.write_day(_day(day, "--date") if day else None, cdn=cdn).map


_DATE_OPTION = click.option(
    "--date", "day", help="The day (YYYY-MM-DD; default: today in the configured zone)."
)
_CDN_OPTION = click.option(
    "--cdn", is_flag=True, help="Link Leaflet from its CDN (smaller map, needs internet)."
)


@main.command()
@_DATE_OPTION
@_CDN_OPTION
@click.pass_context
def digest(ctx: click.Context, day: str | None, cdn: bool) -> None:
    """Write the day's digest, map and exports to alerts/<date>/ and print the folder."""
    path = _write_outputs(ctx, day, cdn=cdn)
    click.echo(f"digest: {path.parent / 'digest.md'}")
    click.echo(f"map:    {path}")


@main.command("map")
@_DATE_OPTION
@_CDN_OPTION
@click.pass_context
def map_command(ctx: click.Context, day: str | None, cdn: bool) -> None:
    """Write the day's map (with the digest and exports) and print its path."""
    click.echo(str(_write_outputs(ctx, day, cdn=cdn)))
