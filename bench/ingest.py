#!/usr/bin/env python3
"""Ingest cost: parse + normalise + store a 5,000-item feed, against bare feedparser.

Prints items/s for

* ``feedparser.parse`` on the bytes with its default options (the reference),
* the same with the options durandwatch uses (no HTML sanitising or URI rewriting,
  since durandwatch keeps plain text only),
* durandwatch's whole ingest: XML guard, feedparser, normalisation to ``Item`` (HTML
  stripped, dates to UTC, stable ids) and one SQLite transaction into a fresh database,

and the ratio of the whole ingest to the reference (target: at most 1.5).
Best of ``--repeat`` runs each. Usage: ``python bench/ingest.py [--items 5000]``.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from durandwatch.model import FeedSpec
from durandwatch.parse import parse_feed
from durandwatch.store import Store

PLACES = ["Barmal, Paktika", "Mir Ali, North Waziristan", "Torkham", "Chaman", "Parachinar"]


def make_feed(n: int) -> bytes:
    items = []
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        items.append(
            f"<item><title>Security forces and militants clash near {place} ({i})</title>"
            f"<link>https://bench.example.org/news/{i}</link>"
            f'<guid isPermaLink="true">https://bench.example.org/news/{i}</guid>'
            f"<pubDate>Mon, {1 + i % 28:02d} Dec 2024 {i % 24:02d}:{i % 60:02d}:00 +0500</pubDate>"
            f"<description>&lt;p&gt;Officials said an exchange of fire near &lt;b&gt;{place}"
            f"&lt;/b&gt; left several people injured on Monday. Residents reported hearing "
            f"artillery through the night &amp;amp; schools were closed.&lt;/p&gt;"
            f"&lt;p&gt;&lt;a href=&quot;/news/{i}&quot;&gt;Read more&lt;/a&gt;&lt;/p&gt;"
            f"</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Bench</title><link>https://bench.example.org/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = make_feed(args.items)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    spec = FeedSpec(name="bench", url="https://bench.example.org/feed")

    bare = best_of(args.repeat, lambda: feedparser.parse(io.BytesIO(data)))
    bare_opts = best_of(
        args.repeat,
        lambda: feedparser.parse(
            io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False
        ),
    )

    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(args.repeat))

        def pipeline() -> None:
            with Store(Path(tmp) / f"bench{next(runs)}.db") as store:
                parsed = parse_feed(data, source="bench", now=now, url=spec.url)
                new = store.record_items(
                    spec, parsed.items, now=now, etag=None, last_modified=None, http_status=200
                )
                assert new == args.items, new

        full = best_of(args.repeat, pipeline)

    n = args.items
    print(f"feed: {n} items, {len(data) / 1e6:.1f} MB; best of {args.repeat} runs")
    print(f"bare feedparser.parse (defaults):            {n / bare:9,.0f} items/s  {bare:.3f} s")
    print(
        f"bare feedparser.parse (durandwatch options): {n / bare_opts:9,.0f} items/s  "
        f"{bare_opts:.3f} s"
    )
    print(f"durandwatch parse+normalise+store:            {n / full:9,.0f} items/s  {full:.3f} s")
    print(f"ratio durandwatch / bare defaults:  {full / bare:.2f}x (target <= 1.5x)")
    print(f"ratio durandwatch / bare same opts: {full / bare_opts:.2f}x")


if __name__ == "__main__":
    main()
