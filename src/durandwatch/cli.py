"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success; 1 the work failed (for ``once``: every feed failed); 2 bad usage
or an invalid configuration; 3 another ``run`` holds the lock.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date as date_type
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import click

from . import __version__
from .clock import to_iso, utc_now
from .config import CONFIG_NAME, Config, find_config, load_config
from .errors import AlreadyRunningError, ConfigError, DurandwatchError
from .fetch import Fetcher
from .ingest import Ingestor
from .initdir import write_project
from .model import PollOutcome
from .resources import data_path
from .store import Store

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3

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


def _config(ctx: click.Context) -> Config:
    path = ctx.obj.get("config_path")
    try:
        found = find_config(path)
        return load_config(found)
    except ConfigError as exc:
        _fail(str(exc), EXIT_CONFIG)


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
    """Validate the configuration, feed catalog, alert rules and recipients; list every problem."""
    from .notify import load_recipients
    from .rules import load_rules
    from .service import recipients_file

    config = _config(ctx)
    problems: list[str] = []
    recipients: tuple[object, ...] = ()
    for loader in (
        lambda: load_rules(config.rules_file),
        lambda: load_recipients(recipients_file(config)),
    ):
        try:
            result = loader()
        except ConfigError as exc:
            problems.append(str(exc))
        else:
            if isinstance(result, tuple):
                recipients = result[1]
    if problems:
        _fail("\n".join(problems), EXIT_CONFIG)
    enabled = len(config.enabled_feeds())
    source = config.config_file or "built-in defaults"
    click.echo(f"configuration OK ({source})")
    click.echo(f"  feeds:    {len(config.feeds)} in {config.feeds_file} ({enabled} enabled)")
    click.echo(f"  database: {config.database_path}")
    click.echo(f"  output:   {config.output_dir}")
    click.echo(f"  daily at: {config.schedule.daily_at:%H:%M} {config.schedule.timezone}")
    click.echo(f"  rules:    {config.rules_file}")
    click.echo(f"  email:    {len(recipients)} recipient(s) in {recipients_file(config)}")


@main.command()
@click.option(
    "--feeds",
    "feeds_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Ingest the feed files (*.xml, *.rss, *.atom, *.rdf) in this folder instead "
    "of fetching the catalog.",
)
@click.pass_context
def once(ctx: click.Context, feeds_dir: Path | None) -> None:
    """Poll every enabled feed once, store new items, and exit.

    Exits 1 when every feed failed, 0 otherwise.
    """
    config = _config(ctx)
    outcomes = _ingest_once(config, feeds_dir)
    _print_outcomes(outcomes)
    _process_stored(config)
    if outcomes and not any(o.ok for o in outcomes):
        sys.exit(EXIT_FAILED)


def _ingest_once(config: Config, feeds_dir: Path | None) -> list[PollOutcome]:
    try:
        with Store(config.database_path) as store:
            if feeds_dir is not None:
                outcomes = Ingestor(store, None).poll_directory(feeds_dir)
            else:
                store.sync_feeds(config.feeds)
                with Fetcher(config.fetch) as fetcher:
                    ingestor = Ingestor(
                        store, fetcher, backoff_max_minutes=config.fetch.backoff_max_minutes
                    )
                    outcomes = ingestor.poll_all(config.enabled_feeds())
            return outcomes
    except DurandwatchError as exc:
        _fail(str(exc), EXIT_FAILED)


def _process_stored(config: Config, *, as_of_latest: bool = False) -> date_type | None:
    try:
        with Store(config.database_path) as store:
            return _process(config, store, as_of_latest=as_of_latest)
    except DurandwatchError as exc:
        _fail(str(exc), EXIT_FAILED)


def _process(config: Config, store: Store, *, as_of_latest: bool = False) -> date_type | None:
    """Analyse what was stored, rebuild incidents, assess alerts; say what happened.

    ``as_of_latest`` assesses as of the newest incident's date (the demo's samples are
    from 2024) instead of today. Returns the day assessed (None if nothing could be).
    """
    from .analyze import Analyzer
    from .geodata import open_geocoder
    from .pipeline import Processor, assess_alerts
    from .rules import load_rules

    try:
        analyzer = Analyzer(open_geocoder(config.geo_dir))
        rules = load_rules(config.rules_file)
    except (ImportError, OSError, DurandwatchError) as exc:
        click.echo(f"warning: items stored but not analysed: {exc}", err=True)
        return None
    outlets = {f.name: f.outlet for f in config.feeds}
    result = Processor(store, analyzer, outlets=outlets).run()
    click.echo(
        f"analysed {result.analyzed} new item(s): {result.relevant} relevant; "
        f"{store.count_incidents()} incident(s) stored"
    )
    now = utc_now()
    day = now.date()
    if as_of_latest:
        violent = ("Battles", "Explosions/Remote violence", "Violence against civilians")
        dates = [
            str(r["event_date"]) for r in store.incident_records() if r.get("event_type") in violent
        ]
        if dates:
            day = datetime.fromisoformat(max(dates)).date()
    events = assess_alerts(store, rules, day=day, now=now)
    shown = [e for e in events if e["level"] != "green"]
    click.echo(f"alerts as of {day}: {len(shown)} open")
    for event in shown:
        reasons = "; ".join(str(r) for r in event["reasons"][:3])  # type: ignore[index]
        click.echo(
            f"  {str(event['level']).upper():<6} {float(event['score']):5.1f}  "  # type: ignore[arg-type]
            f"{event['name']} ({event['status']}): {reasons}"
        )
    return day


def _print_outcomes(outcomes: Sequence[PollOutcome]) -> None:
    ok = sum(o.ok for o in outcomes)
    new = sum(o.items_new for o in outcomes)
    for o in outcomes:
        if o.ok:
            detail = (
                "not modified"
                if o.status == "not-modified"
                else (f"{o.items_seen} items, {o.items_new} new")
            )
            note = f"  (warning: {o.error})" if o.error else ""
            click.echo(f"  ok      {o.feed}: {detail}{note}")
        else:
            click.echo(f"  FAILED  {o.feed}: {o.error}")
    click.echo(f"{ok} of {len(outcomes)} feeds ok, {new} new items")


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service: poll feeds on schedule until SIGTERM or Ctrl-C."""
    from .service import Service

    config = _config(ctx)
    service = Service(config)
    try:
        service.run()
    except AlreadyRunningError as exc:
        _fail(str(exc), EXIT_LOCKED)
    except DurandwatchError as exc:
        _fail(str(exc), EXIT_FAILED)
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
    config = _config(ctx)
    try:
        with Store(config.database_path) as store:
            store.sync_feeds(config.feeds)
            report = status_report(store, config)
    except DurandwatchError as exc:
        _fail(str(exc), EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    zone = ZoneInfo(config.schedule.timezone)
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


def status_report(store: Store, config: Config) -> dict[str, Any]:
    """The ``status --json`` document."""
    enabled = {f.name for f in config.enabled_feeds()}
    feeds = [
        {
            "name": s.name,
            "url": s.url,
            "enabled": s.name in enabled,
            "last_success": to_iso(s.last_success),
            "last_error": s.last_error,
            "last_error_at": to_iso(s.last_error_at),
            "consecutive_failures": s.consecutive_failures,
            "next_attempt": to_iso(s.next_attempt),
            "items": s.items,
        }
        for s in store.feed_states()
    ]
    return {
        "items": store.count_items(),
        "incidents": store.count_incidents(),
        "open_alerts": store.count_open_alerts(),
        "feeds": feeds,
        "database": str(config.database_path),
        "schema_version": store.schema_version,
        "generated_at": to_iso(utc_now()),
    }


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
    try:
        config = load_config(folder / CONFIG_NAME)
    except ConfigError as exc:  # pragma: no cover - the written project is valid
        _fail(str(exc), EXIT_CONFIG)
    samples = data_path("feeds", "samples")
    click.echo(f"durandwatch demo: ingesting the illustrative sample feeds in {samples}")
    outcomes = _ingest_once(config, samples)
    _print_outcomes(outcomes)
    day = _process_stored(config, as_of_latest=True)
    if day is not None:
        map_path = _write_outputs(config, day)
        click.echo(f"outputs for {day}: {map_path.parent}")
        click.echo(f"map: {map_path}")
    click.echo(f"results in {folder}")
    click.echo(f"  database: {config.database_path}")
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
    actors, cross_border, places (names with character spans) and location, in input
    order. A bad input line gives {"id", "error"} in its place.
    """
    from .analyze import Analyzer, analyze_lines
    from .geodata import open_geocoder

    config = _config(ctx)
    try:
        analyzer = Analyzer(open_geocoder(config.geo_dir))
    except (DurandwatchError, ImportError, OSError) as exc:
        _fail(f"cannot load the geocoder: {exc}", EXIT_FAILED)
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
    from .region import load_region, pack_dir

    config = _config(ctx)
    region = load_region(config.geo_dir)
    pack = pack_dir(data_dir)
    results = fetch_pack(
        region, pack, mirror=mirror, verify=not no_verify, progress=terminal_progress
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
    from .region import load_region, pack_dir

    config = _config(ctx)
    region = load_region(config.geo_dir)
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
) -> None:
    """Feed a history (JSON Lines, or UCDP/ACLED CSV) through the pipeline day by day.

    Writes OUT/replay-alerts.jsonl (one object per alert per day) and
    OUT/replay-incidents.jsonl, and prints a summary. Deterministic.
    """
    from datetime import date as date_cls

    from .analyze import Analyzer
    from .geodata import open_geocoder
    from .replay import OutputSettings, read_history, replay, terminal_progress
    from .rules import load_rules

    config = _config(ctx)
    try:
        first, last = date_cls.fromisoformat(start), date_cls.fromisoformat(end)
    except ValueError as exc:
        _fail(f"--from/--to: {exc} (expected YYYY-MM-DD)", EXIT_CONFIG)
    if last < first:
        _fail("--to is before --from", EXIT_CONFIG)
    try:
        rules = load_rules(rules_file or config.rules_file)
        analyzer = Analyzer(open_geocoder(config.geo_dir))
        write = daily_outputs if daily_outputs is not None else (last - first).days < 62
        settings = (
            OutputSettings(
                analyzer.geocoder.gazetteer, config.schedule.timezone, config.schedule.daily_at
            )
            if write
            else None
        )
        summary = replay(
            list(read_history(history)),
            analyzer,
            rules,
            start=first,
            end=last,
            out=out,
            warmup_days=warmup_days,
            progress=terminal_progress,
            outputs=settings,
        )
    except ConfigError as exc:
        _fail(str(exc), EXIT_CONFIG)
    except (DurandwatchError, OSError) as exc:
        _fail(str(exc), EXIT_FAILED)
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


def _write_outputs(config: Config, day: date_type, *, cdn: bool = False) -> Path:
    """Write alerts/<day>/ and return the map's path."""
    from .geodata import open_geocoder
    from .pipeline import produce_configured_day
    from .rules import load_rules

    try:
        rules = load_rules(config.rules_file)
        gazetteer = open_geocoder(config.geo_dir).gazetteer
        with Store(config.database_path) as store:
            result = produce_configured_day(
                store, config, rules=rules, gazetteer=gazetteer, day=day, now=utc_now(), cdn=cdn
            )
    except (DurandwatchError, OSError) as exc:
        _fail(str(exc), EXIT_FAILED)
    return Path(result.map)


def _day_option(value: str | None, config: Config) -> date_type:
    if value is None:
        return utc_now().astimezone(ZoneInfo(config.schedule.timezone)).date()
    try:
        return date_type.fromisoformat(value)
    except ValueError:
        _fail(f"--date {value!r}: expected YYYY-MM-DD", EXIT_CONFIG)


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
    config = _config(ctx)
    path = _write_outputs(config, _day_option(day, config), cdn=cdn)
    click.echo(f"digest: {path.parent / 'digest.md'}")
    click.echo(f"map:    {path}")


@main.command("map")
@_DATE_OPTION
@_CDN_OPTION
@click.pass_context
def map_command(ctx: click.Context, day: str | None, cdn: bool) -> None:
    """Write the day's map (with the digest and exports) and print its path."""
    config = _config(ctx)
    click.echo(str(_write_outputs(config, _day_option(day, config), cdn=cdn)))
