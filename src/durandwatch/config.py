"""Configuration: one TOML file plus the feed catalog, validated as a whole.

Every problem is collected before anything fails, so ``durandwatch check`` shows them
all at once. Relative paths are resolved against the folder of the configuration file,
so two installs never share state by accident. Secrets come only from the environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__
from .errors import ConfigError
from .model import FeedSpec
from .resources import data_path
from .store.database import check_url, redact

CONFIG_NAME = "durandwatch.toml"
ENV_CONFIG = "DURANDWATCH_CONFIG"
#: Overrides ``database.url``: a team's PostgreSQL URL, credentials included, stays out
#: of the configuration file (libpq's PGPASSWORD and ~/.pgpass work too).
ENV_DATABASE_URL = "DURANDWATCH_DATABASE_URL"
COUNTRY_FOCUS = frozenset({"", "AF", "PK", "AF|PK"})
MIN_INTERVAL_MINUTES = 5
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Limits of the HTTP layer; every fetch obeys all of them."""

    user_agent: str = (
        f"durandwatch/{__version__} (open early-warning monitor for the Afghanistan-Pakistan "
        "border; polls politely, honours ETag/Last-Modified)"
    )
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    per_host_delay: float = 2.0
    backoff_max_minutes: int = 720
    #: A pass over the feeds (``once``) starts no new feed after this many seconds; the
    #: feeds not reached are reported as skipped and go first in the next pass.
    pass_deadline: float = 900.0


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """When the service does its work."""

    timezone: str = "Asia/Kabul"
    daily_at: dtime = dtime(6, 0)
    jitter_seconds: int = 120
    shutdown_grace_seconds: float = 20.0
    #: How often a standing-by ``run`` tries to take the lead of a shared store.
    standby_check_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Config:
    """The validated configuration. Build it with :func:`load_config`."""

    base_dir: Path
    feeds_file: Path
    geo_dir: Path
    rules_file: Path
    output_dir: Path
    state_dir: Path
    database_url: str
    feeds: tuple[FeedSpec, ...]
    #: Items read and found not to be incidents are forgotten after this many days (0: never).
    keep_non_incident_days: int = 365
    fetch: FetchSettings = field(default_factory=FetchSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    config_file: Path | None = None

    @property
    def database_path(self) -> Path | None:
        """The SQLite file named by ``database_url`` (None for PostgreSQL)."""
        if not self.database_url.startswith("sqlite:///"):
            return None
        return sqlite_path(self.database_url, self.base_dir)

    @property
    def database_name(self) -> str:
        """The database as shown to people: a file, or a URL without its password."""
        path = self.database_path
        return str(path) if path is not None else redact(self.database_url)

    @property
    def lock_path(self) -> Path:
        """The lock file that keeps a second ``run`` off this state folder."""
        return self.state_dir / "durandwatch.lock"

    def enabled_feeds(self) -> tuple[FeedSpec, ...]:
        """The feeds to poll."""
        return tuple(f for f in self.feeds if f.enabled)


_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "paths": {"feeds": str, "geo": str, "rules": str, "output": str, "state": str},
    "database": {"url": str, "keep_non_incident_days": int},
    "schedule": {
        "timezone": str,
        "daily_at": str,
        "jitter_seconds": int,
        "shutdown_grace_seconds": (int, float),
        "standby_check_seconds": (int, float),
    },
    "fetch": {
        "user_agent": str,
        "connect_timeout": (int, float),
        "read_timeout": (int, float),
        "deadline": (int, float),
        "max_bytes": int,
        "max_redirects": int,
        "per_host_delay": (int, float),
        "backoff_max_minutes": int,
        "pass_deadline": (int, float),
    },
}


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The configuration file to use: explicit, ``$DURANDWATCH_CONFIG``, or ./durandwatch.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    local = Path.cwd() / CONFIG_NAME
    return local if local.exists() else None


def load_config(
    path: str | os.PathLike[str] | None = None, *, base_dir: Path | None = None
) -> Config:
    """Read, validate and return the configuration.

    With no file, the embedded defaults apply and relative paths resolve against
    ``base_dir`` (default: the current folder).

    Raises
    ------
    ConfigError
        Listing every problem found in the file and the feed catalog.
    """
    problems: list[str] = []
    raw: dict[str, Any] = {}
    config_file: Path | None = None
    if path is not None:
        config_file = Path(path).resolve()
        base = config_file.parent
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                [f"{config_file} does not exist (write one with `durandwatch init`)"],
                source=str(config_file),
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(
                [f"cannot read {config_file}: {exc}"], source=str(config_file)
            ) from None
    else:
        base = (base_dir or Path.cwd()).resolve()
    source = str(config_file) if config_file else "built-in configuration"

    _check_keys(raw, problems)
    paths = _section(raw, "paths")
    feeds_file = _path(paths.get("feeds"), base, data_path("feeds", "feeds.toml"))
    geo_dir = _path(paths.get("geo"), base, data_path("geo"))
    rules_file = _path(paths.get("rules"), base, data_path("alerts", "rules.toml"))
    output_dir = _path(paths.get("output"), base, base / "alerts")
    state_dir = _path(paths.get("state"), base, base / "state")

    database_url = str(_section(raw, "database").get("url", "sqlite:///state/durandwatch.db"))
    if urlsplit(database_url).password is not None:
        problems.append(
            f"database.url {redact(database_url)!r}: no password in the configuration file; "
            f"set {ENV_DATABASE_URL} or PGPASSWORD in the environment instead"
        )
    try:
        check_url(database_url)
    except ConfigError as exc:
        problems.extend(exc.problems)
    override = os.environ.get(ENV_DATABASE_URL)
    if override:
        try:
            check_url(override)
            database_url = override
        except ConfigError as exc:
            problems.extend(f"{ENV_DATABASE_URL}: {p}" for p in exc.problems)

    keep_days = _section(raw, "database").get("keep_non_incident_days", 365)
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or keep_days < 0:
        problems.append(
            f"database.keep_non_incident_days = {keep_days!r}: a whole number of days, "
            "0 to keep them forever"
        )
        keep_days = 365

    fetch = _fetch_settings(_section(raw, "fetch"), problems)
    schedule = _schedule_settings(_section(raw, "schedule"), problems)
    feeds = _load_catalog(feeds_file, problems)

    if problems:
        raise ConfigError(problems, source=source)
    return Config(
        base_dir=base,
        feeds_file=feeds_file,
        geo_dir=geo_dir,
        rules_file=rules_file,
        output_dir=output_dir,
        state_dir=state_dir,
        database_url=database_url,
        feeds=feeds,
        keep_non_incident_days=keep_days,
        fetch=fetch,
        schedule=schedule,
        config_file=config_file,
    )


def sqlite_path(url: str, base: Path) -> Path:
    """``sqlite:///state/x.db`` is relative to ``base``; ``sqlite:////abs/x.db`` is absolute."""
    rest = url[len("sqlite:///") :]
    path = Path(rest)
    return path if path.is_absolute() else base / path


def load_catalog(path: Path) -> tuple[FeedSpec, ...]:
    """Read and validate a feed catalog on its own (``feeds.toml``)."""
    problems: list[str] = []
    feeds = _load_catalog(path, problems)
    if problems:
        raise ConfigError(problems, source=str(path))
    return feeds


def _check_keys(raw: dict[str, Any], problems: list[str]) -> None:
    for section, value in raw.items():
        if section not in _SCHEMA:
            problems.append(f"unknown section [{section}] (known: {', '.join(sorted(_SCHEMA))})")
            continue
        if not isinstance(value, dict):
            problems.append(f"[{section}] must be a table")
            continue
        for key, item in value.items():
            expected = _SCHEMA[section].get(key)
            if expected is None:
                known = ", ".join(sorted(_SCHEMA[section]))
                problems.append(f"{section}.{key}: unknown key (known: {known})")
            elif isinstance(item, bool) or not isinstance(item, expected):
                names = expected if isinstance(expected, tuple) else (expected,)
                want = " or ".join(t.__name__ for t in names)
                problems.append(f"{section}.{key} = {item!r}: expected {want}")


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        return {}
    schema = _SCHEMA[name]
    good: dict[str, Any] = {}
    for k, v in value.items():
        expected = schema.get(k)
        if expected is not None and not isinstance(v, bool) and isinstance(v, expected):
            good[k] = v
    return good


def _path(value: object, base: Path, default: Path) -> Path:
    if not value:
        return default
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else (base / path)


def _positive(
    section: dict[str, Any],
    key: str,
    default: float,
    problems: list[str],
    *,
    name: str,
    minimum: float = 0.0,
) -> float:
    value = section.get(key, default)
    if value <= minimum:
        problems.append(f"{name}.{key} = {value!r}: must be greater than {minimum:g}")
        return default
    return float(value)


def _fetch_settings(section: dict[str, Any], problems: list[str]) -> FetchSettings:
    d = FetchSettings()
    user_agent = str(section.get("user_agent", d.user_agent)).strip()
    if not user_agent or any(c in user_agent for c in "\r\n"):
        problems.append("fetch.user_agent must be one non-empty line")
        user_agent = d.user_agent
    max_redirects = int(section.get("max_redirects", d.max_redirects))
    if not 0 <= max_redirects <= 10:
        problems.append(f"fetch.max_redirects = {max_redirects}: must be between 0 and 10")
        max_redirects = d.max_redirects
    connect = _positive(section, "connect_timeout", d.connect_timeout, problems, name="fetch")
    read = _positive(section, "read_timeout", d.read_timeout, problems, name="fetch")
    deadline = _positive(section, "deadline", d.deadline, problems, name="fetch")
    if deadline < connect:
        problems.append(f"fetch.deadline ({deadline:g} s) is shorter than fetch.connect_timeout")
    max_bytes = int(
        _positive(section, "max_bytes", d.max_bytes, problems, name="fetch", minimum=1023)
    )
    delay = float(section.get("per_host_delay", d.per_host_delay))
    if delay < 0:
        problems.append(f"fetch.per_host_delay = {delay!r}: must be 0 or more")
        delay = d.per_host_delay
    backoff = int(
        _positive(section, "backoff_max_minutes", d.backoff_max_minutes, problems, name="fetch")
    )
    pass_deadline = _positive(section, "pass_deadline", d.pass_deadline, problems, name="fetch")
    return FetchSettings(
        user_agent,
        connect,
        read,
        deadline,
        max_bytes,
        max_redirects,
        delay,
        backoff,
        pass_deadline=pass_deadline,
    )


def _schedule_settings(section: dict[str, Any], problems: list[str]) -> ScheduleSettings:
    d = ScheduleSettings()
    tz = str(section.get("timezone", d.timezone))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"schedule.timezone = {tz!r}: not a known IANA time zone "
            "(for example Asia/Kabul or Asia/Karachi)"
        )
        tz = d.timezone
    daily = d.daily_at
    text = section.get("daily_at")
    if text is not None:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(text))
        if match:
            daily = dtime(int(match.group(1)), int(match.group(2)))
        else:
            problems.append(f'schedule.daily_at = {text!r}: expected HH:MM (24-hour), e.g. "06:00"')
    jitter = int(section.get("jitter_seconds", d.jitter_seconds))
    if jitter < 0:
        problems.append(f"schedule.jitter_seconds = {jitter}: must be 0 or more")
        jitter = d.jitter_seconds
    grace = _positive(
        section, "shutdown_grace_seconds", d.shutdown_grace_seconds, problems, name="schedule"
    )
    standby = _positive(
        section, "standby_check_seconds", d.standby_check_seconds, problems, name="schedule"
    )
    return ScheduleSettings(tz, daily, jitter, grace, standby)


_FEED_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "outlet": str,
    "section": str,
    "url": str,
    "language": str,
    "country": str,
    "interval_minutes": int,
    "enabled": bool,
    "notes": str,
    "confidence": str,
    "evidence": str,
}


def _load_catalog(path: Path, problems: list[str]) -> tuple[FeedSpec, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"feed catalog {path} does not exist")
        return ()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        problems.append(f"feed catalog {path}: {exc}")
        return ()
    unknown = set(raw) - {"feed"}
    if unknown:
        problems.append(
            f"feed catalog {path.name}: unknown top-level key(s) {sorted(unknown)}; "
            "feeds are [[feed]] tables"
        )
    entries = raw.get("feed", [])
    if not isinstance(entries, list):
        problems.append(f"feed catalog {path.name}: [[feed]] must be an array of tables")
        return ()
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"{path.name} feed #{n}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        name = entry.get("name")
        if isinstance(name, str):
            where = f"{path.name} feed {name!r}"
        spec = _feed_spec(entry, where, problems)
        if spec is None:
            continue
        if spec.name in seen:
            problems.append(f"{where}: duplicate name (names must be unique)")
            continue
        seen.add(spec.name)
        specs.append(spec)
    return tuple(specs)


def _feed_spec(entry: dict[str, Any], where: str, problems: list[str]) -> FeedSpec | None:
    before = len(problems)
    for key, value in entry.items():
        expected = _FEED_KEYS.get(key)
        if expected is None:
            problems.append(
                f"{where}: unknown key {key!r} (known: {', '.join(sorted(_FEED_KEYS))})"
            )
        elif (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            problems.append(f"{where}: {key} = {value!r} has the wrong type")
    name = entry.get("name")
    url = entry.get("url")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(
            f"{where}: name must be lower-case letters, digits, '.', '_' or '-' "
            "(at most 64 characters)"
        )
    if not isinstance(url, str) or not url:
        problems.append(f"{where}: url is required")
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"{where}: url {url!r} must be an absolute http(s) URL")
    interval = entry.get("interval_minutes", 30)
    if (
        isinstance(interval, int)
        and not isinstance(interval, bool)
        and interval < MIN_INTERVAL_MINUTES
    ):
        problems.append(
            f"{where}: interval_minutes = {interval}: at least {MIN_INTERVAL_MINUTES} "
            "(poll politely)"
        )
    country = entry.get("country", "")
    if isinstance(country, str) and country not in COUNTRY_FOCUS:
        problems.append(f'{where}: country = {country!r}: expected one of AF, PK, AF|PK or ""')
    if len(problems) > before:
        return None
    notes = str(entry.get("notes", ""))
    outlet = str(entry.get("outlet", "")) or str(name)
    return FeedSpec(
        name=str(name),
        url=str(url),
        language=str(entry.get("language", "en")),
        country=str(country),
        interval_minutes=int(interval),
        enabled=bool(entry.get("enabled", True)),
        notes=notes,
        outlet=outlet,
    )
