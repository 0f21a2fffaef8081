#!/usr/bin/env python3
"""Fuzz the feed path: mutated feed documents through poll, process, assess and outputs.

Mutates a seed corpus (``tests/golden/*.xml`` and ``feeds/samples``) into ``--count``
documents (10,000 by default, the same ones for the same ``--seed``): byte flips,
truncation, splices, tag soup, encodings and BOMs, entity tricks and DOCTYPEs, huge and
deeply nested documents, absurd numbers and dates, script in every field, broken links.
Each document goes through what ``durandwatch once --feeds DIR`` does, on a fresh state
folder: ``Monitor.poll_directory``, ``process`` and ``assess`` (and ``write_day`` for
every ``--outputs-every``-th document). With ``--cli`` the documents go in batches
through the real command line instead (``durandwatch once --feeds DIR`` in a
subprocess, outputs included), which only times whole batches.

The documents run in one worker process; a document that takes longer than
``--kill-after`` seconds is killed there and the worker restarts after it. Printed at the
end: documents tried, failures (exceptions that escaped, with their tracebacks), errors
the monitor contained but logged with a traceback (a library's bug or ours, each the
failure of one feed or item only), hangs (documents over ``--hang`` seconds), the slowest
documents with their time by phase, and what the feeds said. ``--keep DIR`` saves the
failing, hanging and slowest documents; ``--only N ...`` reruns given documents.

Usage: ``python bench/fuzz.py [--count 10000] [--seed 13] [--keep DIR] [--tmpdir /dev/shm]``.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import json
import logging
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = sorted((ROOT / "tests" / "golden").glob("*.xml")) + sorted(
    p for p in (ROOT / "feeds" / "samples").iterdir() if p.is_file()
)

# -- mutations -----------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]
MUTATIONS: list[Mutation] = []


def mutation(fn: Mutation) -> Mutation:
    MUTATIONS.append(fn)
    return fn


FIELD = re.compile(
    rb"<(title|link|guid|id|description|summary|content|pubDate|updated|published|"
    rb"dc:date|author|dc:creator|category|name|language)\b[^>]*>"
)
TAG_SOUP = [
    b"<item>",
    b"</item>",
    b"<entry>",
    b"</entry>",
    b"<title>",
    b"</title>",
    b"<link>",
    b"</link>",
    b"<textinput>",
    b"</textinput>",
    b"<textInput>",
    b"<image>",
    b"</image>",
    b"<channel>",
    b"</channel>",
    b"</rss>",
    b"</feed>",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<",
    b">",
    b"&",
    b"&lol;",
    b"&amp;",
    b"&#",
    b"<?xml version='1.0'?>",
    b"<?php echo 1; ?>",
    b"<rdf:RDF>",
    b'<x xmlns="http://www.w3.org/2005/Atom">',
    b'<a:b xmlns:a="">',
    b"<br>",
    b"<description>",
    b"</description>",
    b'<link href="',
    b'"/>',
    b"<!DOCTYPE rss>",
    b"<![if x]>",
    b"<![<![",
    b"\x00",
    b"\r",
    b"\xff\xfe",
]
DECLARED = [
    b"utf-8",
    b"UTF-8",
    b"iso-8859-1",
    b"windows-1256",
    b"utf-16",
    b"utf-32",
    b"gb2312",
    b"shift_jis",
    b"ebcdic-cp-us",
    b"utf-7",
    b"undefined",
    b"punycode",
    b"idna",
    b"base64",
    b"rot13",
    b"x-no-such-charset",
    b"utf\x00-8",
    b"utf\xff8",
    b"",
    b'"><script>alert(1)</script>',
]
SCRIPT = [
    b"<script>alert(1)</script>",
    b"&lt;script&gt;alert(1)&lt;/script&gt;",
    b"<![CDATA[<script>alert(document.cookie)</script>]]>",
    b'"><img src=x onerror=alert(1)>',
    b"&lt;img src=x onerror=alert(1)&gt;",
    b"javascript:alert(1)",
    b'=HYPERLINK("http://evil.example","x")',
    b"</script><script>alert(1)</script>",
    b"{{7*7}}${7*7}",
    b"\xe2\x80\xae\xe2\x80\x8b",  # right-to-left override, zero width space
]
LINKS = [
    b"http://[::1/a",
    "http://a\u2100b.example/".encode(),
    "http://exa\uff0fmple.com/x".encode(),
    b"javascript:alert(1)",
    b"file:///etc/passwd",
    b"//evil.example/x",
    b"http://[fe80::1%25eth0]/",
    b"http://127.0.0.1:99999/",
    b"http://user:pass@host:-1/",
    b"http:\\\\evil.example",
    b"\x00http://x.example/",
    b"https://x.example/" + b"a" * 100_000,
    b"data:text/html,<script>alert(1)</script>",
]
DATES = [
    b"Mon, 01 Jan 0001 00:00:00 +0000",
    b"Fri, 31 Dec 9999 23:59:59 +9999",
    b"2000-02-30T25:61:61Z",
    b"Mon, 01 Jan 1900 00:00:00 GMT",
    b"Fri, 01 Jan 2100 00:00:00 GMT",
    b"99999999999999999999",
    b"-1",
    b"yesterday",
    b"",
    b"1" * 10_000,
    b"Thu, 01 Jan 1970 00:00:00 +0000",
    b"2024-12-28T10:00:00+14:00",
    b"2024-12-28T10:00:00-9999",
    b"Sat, 28 Dec 2024 10:00:00 XYZ",
    b"2024-W52-7",
    b"\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4",  # Arabic-Indic digits
]
NUMBERS = [
    "1" + "0" * 309 + " people were killed in a blast in Bajaur",
    "hundred " * 185 + "people were killed in Kurram",
    "1,000," + "000," * 120 + "000 killed in Bannu",
    "one-" * 400 + "one killed in North Waziristan",
    "9" * 5000 + " militants killed in Khyber",
    "-1 killed in Zhob",
    "1e308 killed in Chaman",
    "NaN people killed in Quetta",
    "dozens of " * 200 + "killed in Paktika",
    "killed " * 2000,
    "Two-thousand-and-twenty-five people killed on 31 February in Khost",
]


#: A mutation adds at most this much, and a document is at most MAX_SIZE (a little over
#: the 10 MB cap, so the cap is tried too), however the mutations stack.
MAX_GROWTH = 8_000_000
MAX_SIZE = 12_000_000


def _insert(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def _into_fields(rng: random.Random, data: bytes, payloads: list[bytes]) -> bytes:
    """Put a payload right after the opening tag of some fields (every field, sometimes).

    At most ``MAX_GROWTH`` bytes are added, however many fields there are.
    """
    fields = list(FIELD.finditer(data))
    if not fields:
        return _insert(rng, data, rng.choice(payloads))
    every = rng.random() < 0.3
    chosen = fields if every else rng.sample(fields, k=min(len(fields), rng.randint(1, 4)))
    pieces = []
    end = len(data)
    added = 0
    for match in sorted(chosen, key=lambda m: m.end(), reverse=True):
        payload = rng.choice(payloads)
        if added + len(payload) > MAX_GROWTH:
            continue
        added += len(payload)
        pieces += [data[match.end() : end], payload]
        end = match.end()
    pieces.append(data[:end])
    return b"".join(reversed(pieces))


@mutation
def flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 50)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


@mutation
def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


@mutation
def splice(rng: random.Random, data: bytes) -> bytes:
    other = SEED_DATA[rng.randrange(len(SEED_DATA))]
    a = rng.randrange(len(other) + 1)
    b = rng.randrange(a, len(other) + 1)
    return _insert(rng, data, other[a:b])


@mutation
def soup(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 30)):
        data = _insert(rng, data, rng.choice(TAG_SOUP))
    return data


@mutation
def encoding(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:  # the whole document in a wide encoding, with or without a BOM
        name = rng.choice(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
        text = data.decode("utf-8", "replace")
        bom = {
            "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-le": codecs.BOM_UTF32_LE,
            "utf-32-be": codecs.BOM_UTF32_BE,
        }[name]
        return (bom if rng.random() < 0.6 else b"") + text.encode(name)
    if choice == 1:  # a BOM that says something else than the bytes
        return rng.choice([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF32_BE]) + data
    if choice == 2:  # another encoding declared
        declared = rng.choice(DECLARED)
        decl = b'<?xml version="1.0" encoding="' + declared + b'"?>'
        if data.startswith(b"<?xml"):
            end = data.find(b"?>")
            return decl + data[end + 2 :] if end > 0 else decl + data
        return decl + data
    if choice == 3:  # the text in a legacy code page, declared as UTF-8
        text = data.decode("utf-8", "replace")
        return text.encode(rng.choice(["cp1256", "latin-1", "cp1252"]), "replace")
    return data.replace(b"encoding=", b"encoding=" + rng.choice(DECLARED) + b" x=", 1)


@mutation
def entities(rng: random.Random, data: bytes) -> bytes:
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") and b"?>" in data else data
    doctypes = [
        b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>',
        b'<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]>',
        b'<!DOCTYPE rss SYSTEM "http://127.0.0.1:1/rss.dtd">',
        b"<!DOCTYPE rss>\n" * rng.choice([1, 10, 1000, 100_000, 400_000]),
        b"<!DOCTYPE html>",
        b"<!DOCTYPE rss [",
        b'<!DOCTYPE rss [<!ATTLIST a b CDATA "]"> "<!ENTITY x SYSTEM \'file:///etc/passwd\'>"]>',
        b"<!-- x -->" * rng.choice([1, 1000, 100_000]),
    ]
    refs = [
        b"&xxe;",
        b"&d;",
        b"&#xD800;",
        b"&#x110000;",
        b"&#12345678901234567890;",
        b"&#0;",
        b"&#x1F4A9;",
        b"&#" + b"9" * 5000 + b";",
        b"&nosuch;",
        b"&amp;lt;",
    ]
    prolog = b'<?xml version="1.0" encoding="utf-8"?>\n' if rng.random() < 0.7 else b""
    return prolog + rng.choice(doctypes) + _into_fields(rng, body, refs)


@mutation
def huge(rng: random.Random, data: bytes) -> bytes:
    size = int(10 ** rng.uniform(5, 6.7))  # 100 KB to 5 MB
    choice = rng.randrange(7)
    if choice == 0:
        return _into_fields(rng, data, [b"Blast in Bajaur " * (size // 16)])
    if choice == 1:  # a summary of HTML comment openers, the html.parser trap
        return _into_fields(rng, data, [b"&lt;!--" * (size // 7)])
    if choice == 2:
        return b" " * size + data
    if choice == 3:  # many items
        match = re.search(rb"<(item|entry)\b.*?</\1>", data, re.DOTALL)
        if match is None:
            return data + b"x" * size
        item = match.group(0)
        count = min(6000, size // max(1, len(item)), MAX_GROWTH // max(1, len(item)))
        copies = b"".join(item.replace(b"</", b"<!-- %d --></" % n, 1) for n in range(count))
        return data[: match.start()] + copies + data[match.start() :]
    if choice == 4:
        return _into_fields(rng, data, [b"https://x.example/" + b"a" * size])
    if choice == 5:
        return data.replace(b"<channel>", b'<channel a="' + b"x" * size + b'">', 1)
    return _into_fields(rng, data, [b"&lt;p&gt;" + b"word " * (size // 5)])


@mutation
def deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([100, 1000, 10_000, 100_000])
    if rng.random() < 0.5:  # XML nesting inside an item
        nest = b"<x>" * depth + b"deep" + b"</x>" * depth
        return _into_fields(rng, data, [nest])
    nest = b"&lt;div&gt;" * depth + b"deep" + b"&lt;/div&gt;" * depth  # HTML nesting
    return _into_fields(rng, data, [nest])


@mutation
def numbers(rng: random.Random, data: bytes) -> bytes:
    return _into_fields(rng, data, [n.encode() for n in NUMBERS])


@mutation
def dates(rng: random.Random, data: bytes) -> bytes:
    date_fields = re.compile(rb"<(pubDate|updated|published|dc:date)>[^<]*</\1>")
    if not date_fields.search(data):
        return _into_fields(rng, data, [b"<pubDate>" + rng.choice(DATES) + b"</pubDate>"])
    return date_fields.sub(
        lambda m: b"<%s>%s</%s>" % (m.group(1), rng.choice(DATES), m.group(1)), data
    )


@mutation
def script(rng: random.Random, data: bytes) -> bytes:
    return _into_fields(rng, data, SCRIPT)


@mutation
def links(rng: random.Random, data: bytes) -> bytes:
    data = re.sub(
        rb"(<link>)[^<]*(</link>)", lambda m: m.group(1) + rng.choice(LINKS) + m.group(2), data
    )
    return re.sub(rb'(href=")[^"]*(")', lambda m: m.group(1) + rng.choice(LINKS) + m.group(2), data)


SEED_DATA = [p.read_bytes() for p in SEED_FILES]


def document(seed: int, index: int) -> tuple[str, bytes]:
    """Document ``index`` of the run with ``seed``: (what was done to what, the bytes)."""
    rng = random.Random(f"{seed}/{index}")
    base = rng.randrange(len(SEED_FILES))
    data = SEED_DATA[base]
    applied = rng.sample(MUTATIONS, k=rng.choice((1, 1, 1, 2, 2, 3)))
    for mutate in applied:
        data = mutate(rng, data)[:MAX_SIZE]
    return f"{'+'.join(m.__name__ for m in applied)} of {SEED_FILES[base].name}", data


# -- the worker: documents through the monitor ---------------------------------------------


class _Tracebacks(logging.Handler):
    """Collects the log records that carry a traceback (contained unexpected errors)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            cause = exc.__cause__ or exc
            self.found.append(f"{type(cause).__name__}: {str(cause)[:120]} [{record.name}]")

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def work(seed: int, indexes: list[int], root: Path, outputs_every: int) -> None:
    """Run ``indexes`` through the monitor, one JSON line before and after each."""
    from durandwatch.config import load_config
    from durandwatch.initdir import write_project
    from durandwatch.monitor import Monitor

    captured = _Tracebacks()
    logging.getLogger().addHandler(captured)
    logging.getLogger().setLevel(logging.WARNING)
    write_project(root / "project", force=True)
    template = load_config(root / "project" / "durandwatch.toml")
    template = dataclasses.replace(template, feeds=())
    shared = Monitor(template)
    shared.prepare()  # the geocoder, rules and region load once, not per document
    parts = {"rules": shared.rules, "region": shared.region, "analyzer": shared.analyzer}
    feeds = root / "feeds"
    for index in indexes:
        name, data = document(seed, index)
        _emit({"start": index, "name": name, "size": len(data)})
        shutil.rmtree(root / "state", ignore_errors=True)
        shutil.rmtree(feeds, ignore_errors=True)
        feeds.mkdir()
        (feeds / "fuzz.xml").write_bytes(data)
        config = dataclasses.replace(
            template,
            state_dir=root / "state",
            database_url=f"sqlite:///{root / 'state' / 'db.sqlite'}",
            output_dir=root / "state" / "alerts",
        )
        monitor = Monitor(config)
        monitor.__dict__.update(parts)  # the cached_property values of the shared monitor
        phases: dict[str, float] = {}
        error = status = message = None
        items = 0
        start = time.perf_counter()
        try:
            with monitor:
                mark = time.perf_counter()
                (outcome,) = monitor.poll_directory(feeds)
                status, message, items = outcome.status, outcome.error, outcome.items_new
                phases["poll"] = time.perf_counter() - mark
                mark = time.perf_counter()
                monitor.process()
                phases["process"] = time.perf_counter() - mark
                mark = time.perf_counter()
                monitor.assess()
                phases["assess"] = time.perf_counter() - mark
                if outputs_every and index % outputs_every == 0:
                    mark = time.perf_counter()
                    monitor.write_day()
                    phases["outputs"] = time.perf_counter() - mark
        except Exception:
            error = traceback.format_exc()
        _emit(
            {
                "done": index,
                "name": name,
                "size": len(data),
                "elapsed": time.perf_counter() - start,
                "phases": phases,
                "status": status,
                "message": message,
                "items": items,
                "error": error,
                "contained": captured.take(),
            }
        )


def work_cli(seed: int, indexes: list[int], root: Path, batch: int) -> None:
    """Run ``indexes`` in batches through ``durandwatch once --feeds DIR`` (a subprocess)."""
    from durandwatch.initdir import write_project

    write_project(root / "project", force=True)
    config = root / "project" / "durandwatch.toml"
    command = [sys.executable, "-m", "durandwatch", "-q", "-c", str(config), "once", "--feeds"]
    for at in range(0, len(indexes), batch):
        chunk = indexes[at : at + batch]
        feeds = root / "feeds"
        shutil.rmtree(feeds, ignore_errors=True)
        shutil.rmtree(root / "project" / "state", ignore_errors=True)
        feeds.mkdir()
        size = 0
        for index in chunk:
            data = document(seed, index)[1]
            (feeds / f"d{index:06d}.xml").write_bytes(data)
            size += len(data)
        _emit({"start": chunk[0], "batch": chunk, "name": "batch", "size": size})
        start = time.perf_counter()
        result = subprocess.run([*command, str(feeds)], capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        output = result.stdout + result.stderr
        error = output if result.returncode not in (0, 1) or "Traceback" in output else None
        _emit(
            {
                "done": chunk[0],
                "batch": chunk,
                "name": f"batch of {len(chunk)} documents from #{chunk[0]}",
                "size": size,
                "elapsed": elapsed,
                "phases": {"once": elapsed},
                "status": f"exit {result.returncode}",
                "message": output.strip().splitlines()[-1] if output.strip() else "",
                "items": 0,
                "error": error,
                "contained": [],
            }
        )


# -- the parent: one worker at a time, restarted after a document it had to kill -----------


def supervise(args: argparse.Namespace, indexes: list[int]) -> Iterator[dict[str, Any]]:
    """Yield one result per document (or batch), running them in a worker process."""
    root = Path(tempfile.mkdtemp(prefix="durandwatch-fuzz-", dir=args.tmpdir))
    todo = list(indexes)
    try:
        while todo:
            listing = root / "indexes.json"
            listing.write_text(json.dumps(todo))
            command = [
                sys.executable,
                __file__,
                "--worker",
                str(listing),
                "--seed",
                str(args.seed),
                "--outputs-every",
                str(args.outputs_every),
                "--scratch",
                str(root),
            ]
            if args.cli:
                command += ["--cli", "--batch", str(args.batch)]
            worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
            assert worker.stdout is not None
            current: int | None = None
            batch: list[int] = []
            began = 0.0
            started: dict[str, Any] = {}
            finished: set[int] = set()
            while True:
                ready, _, _ = select.select([worker.stdout], [], [], 0.5)
                if ready:
                    line = worker.stdout.readline()
                    if not line:
                        break
                    message = json.loads(line)
                    if "start" in message:
                        current, began = message["start"], time.monotonic()
                        batch = message.get("batch", [current])
                        started = message
                    else:
                        finished.update(batch)
                        current = None
                        yield message
                elif current is not None and time.monotonic() - began > args.kill_after:
                    worker.kill()
                    worker.wait()
                    finished.update(batch)
                    yield {
                        "done": current,
                        "name": started.get("name"),
                        "size": started.get("size", 0),
                        "elapsed": time.monotonic() - began,
                        "phases": {},
                        "killed": True,
                        "error": None,
                        "contained": [],
                    }
                    current = None
                    break
            worker.wait()
            if current is not None:  # the worker died under a document (a crash, not Python)
                finished.update(batch)
                yield {
                    "done": current,
                    "name": f"{started.get('name')} (the worker died)",
                    "size": started.get("size", 0),
                    "elapsed": time.monotonic() - began,
                    "phases": {},
                    "error": f"the worker process died (exit code {worker.returncode})",
                    "contained": [],
                }
            todo = [i for i in todo if i not in finished]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(args: argparse.Namespace, results: list[dict[str, Any]], wall: float) -> int:
    tried = sum(len(r.get("batch", [r["done"]])) for r in results)
    failures = [r for r in results if r.get("error")]
    hangs = [r for r in results if r.get("killed") or r["elapsed"] > args.hang]
    contained = Counter(c for r in results for c in r.get("contained", []))
    statuses = Counter(r.get("status") for r in results)
    refusals = Counter(
        re.sub(r"[0-9]+", "N", str(r.get("message")))[:90]
        for r in results
        if r.get("status") == "failed"
    )
    print(f"\ndocuments tried: {tried:,} (seed {args.seed}) in {wall:,.0f} s")
    print(f"feed outcomes: {dict(statuses)}")
    print(f"failures (exceptions that escaped, tracebacks): {len(failures)}")
    seen: set[str] = set()
    for r in failures:
        last = r["error"].strip().splitlines()[-1]
        if last in seen:
            continue
        seen.add(last)
        same = sum(1 for f in failures if f["error"].strip().splitlines()[-1] == last)
        print(f"--- #{r['done']} ({r['name']}), {same} document(s) like it:\n{r['error']}")
    print(
        f"errors contained as one feed's or item's failure, logged with a traceback: "
        f"{sum(contained.values())}"
    )
    for text, count in contained.most_common(10):
        print(f"  {count:>5}  {text}")
    print(f"hangs (over {args.hang:g} s, killed after {args.kill_after:g} s): {len(hangs)}")
    for r in hangs:
        print(f"  #{r['done']} {r['name']}: {r['elapsed']:.1f} s {r.get('phases')}")
    print("slowest:")
    for r in sorted(results, key=lambda r: -r["elapsed"])[: args.slowest]:
        phases = ", ".join(f"{k} {v:.2f} s" for k, v in r.get("phases", {}).items())
        print(
            f"  #{r['done']} {r['name']} ({r['size']:,} bytes): {r['elapsed']:.2f} s "
            f"({phases}) -> {r.get('status')}: {str(r.get('message'))[:80]}"
        )
    print("most common refusals:")
    for text, count in refusals.most_common(12):
        print(f"  {count:>5}  {text}")
    if args.keep:
        keep = Path(args.keep)
        keep.mkdir(parents=True, exist_ok=True)
        chosen = failures + hangs + sorted(results, key=lambda r: -r["elapsed"])[: args.slowest]
        for r in chosen:
            if not args.cli:
                (keep / f"fuzz-{args.seed}-{r['done']:06d}.xml").write_bytes(
                    document(args.seed, r["done"])[1]
                )
        print(f"documents kept in {keep}")
    return 1 if failures or hangs else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="documents (default 10,000)")
    parser.add_argument("--seed", type=int, default=13, help="the run's seed (default 13)")
    parser.add_argument("--only", type=int, nargs="+", help="run only these documents")
    parser.add_argument("--hang", type=float, default=10.0, help="seconds that make a hang")
    parser.add_argument("--kill-after", type=float, default=60.0, help="seconds, then killed")
    parser.add_argument("--outputs-every", type=int, default=50, help="write_day every N docs")
    parser.add_argument("--slowest", type=int, default=5, help="how many slowest to list")
    parser.add_argument("--keep", help="save failing, hanging and slowest documents here")
    parser.add_argument("--cli", action="store_true", help="batches through `durandwatch once`")
    parser.add_argument("--batch", type=int, default=100, help="documents per --cli batch")
    parser.add_argument(
        "--tmpdir", help="folder for the scratch state (a RAM disk makes the run faster)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        indexes = json.loads(Path(args.worker).read_text())
        if args.cli:
            work_cli(args.seed, indexes, Path(args.scratch), args.batch)
        else:
            work(args.seed, indexes, Path(args.scratch), args.outputs_every)
        return 0
    indexes = args.only or list(range(args.count))
    started = time.monotonic()
    results = []
    for n, result in enumerate(supervise(args, indexes), start=1):
        results.append(result)
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{n:,} / {len(indexes):,}")
        elif n % 1000 == 0:
            print(
                f"{n:,} / {len(indexes):,} after {time.monotonic() - started:,.0f} s",
                file=sys.stderr,
            )
    wall = time.monotonic() - started
    print(f"run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, pid {os.getpid()}")
    return report(args, results, wall)


if __name__ == "__main__":
    sys.exit(main())
