#!/usr/bin/env python3
"""Steady state of a long-running service: the cost of one pass after a year of history.

The service's ``process`` job runs every 15 minutes: analyse the items stored since the
last pass, re-merge the reports they can touch, then score every district over the
400 days of incidents it loads and move the alert lifecycle. This bench fills a fresh
store with ``--days`` of synthetic items (the generator of ``replay_speed.py``: every
item is a conflict report, a third re-reported by other outlets), processes that
backlog once, then times ``--passes`` passes that each add one hour of new items, and
one daily run (map, digests, exports) for the last day.

Prints the backlog time, the median and worst pass, the daily run, the database size
and resident memory (peak, after the backlog, and its growth per pass). Usage:
``python bench/service_steady.py [--days 365] [--per-day 300] [--passes 8]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from durandwatch.analyze import Analyzer
from durandwatch.geodata import open_geocoder
from durandwatch.model import FeedSpec, Item
from durandwatch.pipeline import Processor, assess_alerts, produce_day
from durandwatch.rules import load_rules
from durandwatch.store import Store
from replay_speed import generate

SPEC = FeedSpec(name="bench", url="http://127.0.0.1/feed.xml", outlet="bench")


def rss_mb() -> float:
    """Current resident memory (Linux), else the peak so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def as_items(history: list, *, offset: int) -> list[Item]:
    return [
        Item(
            id=f"i{offset + n}",
            url=f"https://news.example/{offset + n}",
            title=h.text,
            summary="",
            published=h.published,
            source=h.source,
            language="en",
        )
        for n, h in enumerate(history)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=300)
    parser.add_argument("--passes", type=int, default=8)
    args = parser.parse_args()

    analyzer = Analyzer(open_geocoder())
    rules = load_rules()
    total = args.days * args.per_day
    history = generate(total + args.passes * (args.per_day // 24 + 1), seed=11)
    history.sort(key=lambda h: h.published)
    start = history[0].published
    # Squeeze the generated year into --days so the per-day rate holds.
    scale = args.days / 365
    history = [
        type(h)(h.id, h.text, start + (h.published - start) * scale, h.source) for h in history
    ]
    backlog, fresh = history[:total], history[total:]
    end = backlog[-1].published

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "state.sqlite3"
        with Store(db) as store:
            store.sync_feeds([SPEC])
            store.record_items(
                SPEC,
                as_items(backlog, offset=0),
                now=end,
                etag=None,
                last_modified=None,
                http_status=200,
            )
            clock = {"now": end}
            processor = Processor(store, analyzer, outlets={}, now=lambda: clock["now"])
            t0 = time.perf_counter()
            processor.run()
            assess_alerts(store, rules, day=end.date(), now=end)
            backlog_s = time.perf_counter() - t0
            backlog_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rss = [rss_mb()]

            per_pass = max(1, args.per_day // 24)
            timings = []
            for k in range(args.passes):
                now = end + timedelta(hours=k + 1)
                chunk = [
                    type(h)(h.id, h.text, now - timedelta(minutes=30), h.source)
                    for h in fresh[k * per_pass : (k + 1) * per_pass]
                ]
                store.record_items(
                    SPEC,
                    as_items(chunk, offset=total + k * per_pass),
                    now=now,
                    etag=None,
                    last_modified=None,
                    http_status=200,
                )
                clock["now"] = now
                t0 = time.perf_counter()
                processor.run()
                assess_alerts(store, rules, day=now.date(), now=now)
                timings.append(time.perf_counter() - t0)
                rss.append(rss_mb())

            t0 = time.perf_counter()
            produce_day(
                store,
                rules=rules,
                gazetteer=analyzer.geocoder.gazetteer,
                output_dir=Path(tmp) / "alerts",
                day=clock["now"].date(),
                now=datetime.now(UTC),
                zone="Asia/Karachi",
                daily_at=time_of_day(6, 0),
            )
            daily_s = time.perf_counter() - t0
            incidents = store.count_incidents()
        size_mb = sum(p.stat().st_size for p in Path(tmp).glob("state.sqlite3*")) / 1e6

    print(
        f"history: {total:,} items over {args.days} days ({args.per_day}/day) -> "
        f"{incidents:,} incidents; database {size_mb:.0f} MB"
    )
    print(f"backlog: analysed, merged and assessed in {backlog_s:.1f} s")
    print(
        f"15-minute pass with {per_pass} new items: median {statistics.median(timings):.2f} s, "
        f"worst {max(timings):.2f} s over {len(timings)} passes"
    )
    print(f"daily run (map, digests, exports): {daily_s:.2f} s")
    print(
        f"resident memory: peak {backlog_peak:.0f} MB while the backlog was merged; "
        f"{rss[0]:.0f} MB after it, {rss[-1]:.0f} MB after the passes (growth per pass "
        f"{(rss[-1] - rss[1]) / max(len(rss) - 2, 1):+.1f} MB)"
    )


if __name__ == "__main__":
    main()
