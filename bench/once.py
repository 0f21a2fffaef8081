#!/usr/bin/env python3
"""``once`` against bare feedparser: one 5,000-item feed, start-up excluded.

The feed is the realistic mix of ``bench/scale.py`` (a title and a summary of two to
four sentences per item, about one item in eight an incident). Prints the seconds of

* ``feedparser.parse`` on the file's bytes (the reference);
* one pass of ``once`` on a fresh SQLite store in a new folder, once the rules, region
  and geocoder are loaded (as a service has them): read and store the feed, analyse
  every item, merge, judge every unit for the day;

and their ratio (target, issue 15: at most 3). Best of ``--repeat`` runs each.
Usage: ``python bench/once.py [--items 5000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from durandwatch.config import load_config
from durandwatch.monitor import Monitor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import synthetic_items, write_feeds, write_history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        last = write_history(synthetic_items(args.items), root / "history.jsonl")
        write_feeds(root / "history.jsonl", root / "feeds")
        (feed,) = sorted((root / "feeds").iterdir())
        data = feed.read_bytes()
        bare = min(_timed(lambda: feedparser.parse(data)) for _ in range(args.repeat))
        passes = []
        for run in range(args.repeat):
            folder = root / f"run{run}"
            folder.mkdir()
            (folder / "durandwatch.toml").write_text('[paths]\nfeeds = "feeds.toml"\n')
            (folder / "feeds.toml").write_text("")
            now = datetime.combine(last, datetime.max.time(), tzinfo=UTC)
            config = load_config(folder / "durandwatch.toml")
            with Monitor(config, clock=lambda now=now: now) as monitor:
                monitor.prepare()
                _ = monitor.store
                start = time.perf_counter()
                monitor.poll_directory(root / "feeds")
                report = monitor.process()
                monitor.assess()
                passes.append(time.perf_counter() - start)
        once = min(passes)
    print(f"feed: {args.items:,} items, {len(data) / 1e6:.1f} MB; {report}")
    print(f"feedparser.parse: {bare:6.2f} s ({args.items / bare:,.0f} items/s)")
    print(f"once (one pass):  {once:6.2f} s ({args.items / once:,.0f} items/s)")
    print(f"ratio once / feedparser: {once / bare:.2f} (target: at most 3)")


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
