"""``durandwatch init``: lay out a working folder an operator can edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import CONFIG_NAME
from .resources import data_path

CONFIG_TEMPLATE = """\
# durandwatch configuration.
# Relative paths are resolved against the folder of this file, so every install keeps
# its own state. Secrets (SMTP password, ...) are read from the environment only.
# `durandwatch check` validates this file and the feed catalog and lists every problem.

[paths]
feeds = "feeds/feeds.toml"    # the feed catalog: name, url, language, country, interval
# geo = "geo"                 # region profile and aliases (default: the shipped one)
rules = "alerts/rules.toml"   # alert weights, windows and thresholds
output = "alerts"             # daily folders alerts/<YYYY-MM-DD>/ are written here
state = "state"               # the run lock (and the database, see below)

[database]
url = "sqlite:///state/durandwatch.db"   # relative to this folder; sqlite:////abs/path also works
# A team's shared store: url = "postgresql://USER@HOST:5432/DATABASE" (pip install
# 'durandwatch[postgres]'); the password goes in DURANDWATCH_DATABASE_URL or PGPASSWORD,
# never here. Several 'durandwatch run' on one PostgreSQL store: one leads, the rest stand by.
keep_non_incident_days = 365  # items read and found not to be incidents are forgotten after
                              # this many days (0: never); incidents and their reports stay

[schedule]
timezone = "Asia/Kabul"       # local time for the daily run and for dates shown to people
daily_at = "06:00"            # when the daily map and digest are made (HH:MM, local)
jitter_seconds = 120          # random spread added to each poll so feeds are not hit in step
shutdown_grace_seconds = 20   # how long SIGTERM waits for polls in flight

[fetch]
connect_timeout = 10          # seconds
read_timeout = 20             # seconds without a byte before giving up
deadline = 60                 # seconds for a whole fetch (connect, headers, body), however slow
max_bytes = 10_000_000        # larger answers are refused (decompressed size)
max_redirects = 5
per_host_delay = 2.0          # seconds between two requests to one host
backoff_max_minutes = 720     # a failing feed is retried at 1x, 2x, 4x ... its interval, up to this
pass_deadline = 900           # seconds: a pass over the feeds (`once`) starts no new feed after
                              # this; feeds not reached are reported as skipped and go first next
# user_agent = "durandwatch/0.1 (contact: you@example.org)"   # say who you are
"""


def write_project(folder: Path, *, force: bool = False) -> list[Path]:
    """Write durandwatch.toml, the feed catalog, the alert rules and the email recipients.

    Raises ``FileExistsError`` (naming the file) when one exists and ``force`` is false.
    """
    targets = {
        folder / CONFIG_NAME: None,
        folder / "feeds" / "feeds.toml": data_path("feeds", "feeds.toml"),
        folder / "alerts" / "rules.toml": data_path("alerts", "rules.toml"),
        folder / "alerts" / "recipients.toml": data_path("alerts", "recipients.toml"),
    }
    if not force:
        for target in targets:
            if target.exists():
                raise FileExistsError(str(target))
    written = []
    for target, source in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            target.write_text(CONFIG_TEMPLATE, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
