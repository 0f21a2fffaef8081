#!/usr/bin/env python3
"""Scale: replay, ``once``, and the day's map and digest at 10k, 100k and 1M items.

The items are synthetic but read like the live feeds: a title and a summary of two to
four sentences, written from templates of real report shapes (IEDs, suicide attacks,
Pakistani air strikes on Afghan districts, Afghan fire on Pakistani posts, clashes at
the crossings, targeted killings, abductions, operations, protests) and of the news
around them that is not an incident (trade at Torkham, politics, weather, sport,
prices), with real district names of both sides (the embedded geoBoundaries layer)
and real towns and crossings. About one item in eight reports an incident (some 20
incidents a day, as in ACLED's busiest months for the region); half of those are
re-reported by other outlets in other words, some with an updated toll. The
density is fixed at 274 items a day (100,000 a year), so 10k items are five weeks,
100k a year and 1M ten years of a busy feed list: a longer history, as a researcher
replaying years would have.

For each size the script prints, for each stage, the wall time, items/s and the peak
resident memory of the process that did it (children included):

* ``replay``: ``durandwatch replay`` of the whole history (``--workers``, default 2);
* ``once``: ``durandwatch once --feeds DIR --no-outputs`` over the same items as feed
  files of 5,000 items each, into a fresh SQLite store (poll, analyse, merge, assess);
* ``score``: one scoring pass on that store, as the service runs it every 15 minutes
  (every unit judged on the stored incidents its windows read; target: under 2 s with
  a year of incidents);
* ``outputs``: ``durandwatch digest`` for the last day of that store: its map, digest
  and exports (31 days of incidents on the map).

Usage: ``python bench/scale.py [--sizes 10000,100000,1000000] [--stages replay,once,outputs]
[--workers 2] [--keep DIR]``. Targets (issue 15): 100k replayed in at most 30 s, 1M in
at most 5 minutes with a peak under 2 GB, and 1M taking at most 11 times 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from durandwatch.admin_polygons import embedded_layer_path, read_embedded_layer

PER_DAY = 274
#: Items that first report an incident (a third get one or two re-reports later): about
#: 20 incidents a day, 33 reports a day, as in ACLED's busiest months for the region.
INCIDENT_SHARE = 0.08
START = datetime(2016, 1, 1, tzinfo=UTC)
FEED_ITEMS = 5000
OUTLETS = [
    "Dawn",
    "The Express Tribune",
    "Geo News",
    "Tolo News",
    "Pajhwok",
    "Khaama Press",
    "Ariana News",
    "The News",
    "Radio Pakistan",
    "Amu TV",
    "Afghanistan International",
    "Business Recorder",
]
BORDER_PROVINCES = {
    "PK": ("Khyber Pakhtunkhwa", "Balochistan"),
    "AF": ("Nangarhar", "Kunar", "Nuristan", "Khost", "Paktia", "Paktika", "Zabul", "Kandahar"),
}
TOWNS = [
    ("Mir Ali", "North Waziristan"),
    ("Miranshah", "North Waziristan"),
    ("Wana", "South Waziristan"),
    ("Parachinar", "Kurram"),
    ("Landi Kotal", "Khyber"),
    ("Chaman", "Balochistan"),
    ("Torkham", "Khyber"),
    ("Spin Boldak", "Kandahar"),
    ("Barmal", "Paktika"),
    ("Khar", "Bajaur"),
    ("Zhob", "Balochistan"),
    ("Bannu", "Khyber Pakhtunkhwa"),
    ("Dera Ismail Khan", "Khyber Pakhtunkhwa"),
    ("Tank", "Khyber Pakhtunkhwa"),
    ("Jalalabad", "Nangarhar"),
    ("Asadabad", "Kunar"),
    ("Khost", "Khost"),
    ("Gardez", "Paktia"),
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# {p}: a district or town of the side the template is about, {q}: its province,
# {x}: a place across the line, {n}: dead, {m}: injured, {d}: weekday, {o}: outlet.
PK_INCIDENTS = [
    (
        "Roadside bomb kills {n} soldiers in {p}",
        "A roadside bomb struck a security forces vehicle in {p}, {q}, on {d}, killing {n} "
        "soldiers and wounding {m}, the military's media wing said. The area was cordoned "
        "off and a search operation launched. No group claimed responsibility.",
    ),
    (
        "Suicide bomber targets police station in {p}; {n} dead",
        "A suicide bomber rammed an explosives-laden vehicle into a police station in {p} "
        "on {d} night, killing {n} people including policemen, officials said. {m} others "
        "were taken to hospital. Police blamed the banned Tehreek-e-Taliban Pakistan.",
    ),
    (
        "{n} militants killed in intelligence-based operation in {p}",
        "Security forces killed {n} militants in an intelligence-based operation in {p}, "
        "{q}, on {d}, the ISPR said. Weapons and ammunition were recovered. The militants "
        "were involved in attacks on security forces, it added.",
    ),
    (
        "Gunmen shoot dead {n} in {p}",
        "Unidentified gunmen on motorcycles opened fire on a car in {p} on {d}, killing {n} "
        "people, police said. The attackers escaped. A case has been registered.",
    ),
    (
        "TTP attack on check post in {p} repulsed; {n} soldiers martyred",
        "Militants attacked a check post in {p} late on {d}, the military said. {n} "
        "soldiers were martyred and several attackers killed in the exchange of fire that "
        "lasted two hours. Fitna al-Khawarij was behind the attack, it said.",
    ),
    (
        "Mortars fired from Afghanistan hit {p}; {m} injured",
        "Mortar shells fired from across the border landed in a village of {p} on {d}, "
        "injuring {m} civilians, local officials said. Pakistani forces responded. "
        "Islamabad lodged a protest with Kabul.",
    ),
    (
        "Afghan Taliban open fire on Pakistani posts near {p}",
        "Afghan Taliban forces opened unprovoked fire on Pakistani border posts near {p} "
        "on {d}, the ISPR said, and Pakistani troops responded effectively. {n} Pakistani "
        "soldiers were martyred and {m} injured in the clash.",
    ),
    (
        "Tribal elder abducted in {p}",
        "Armed men abducted a tribal elder from his home in {p} on {d}, relatives said. "
        "Police said efforts were under way to recover him. No ransom demand has been made.",
    ),
]
AF_INCIDENTS = [
    (
        "Pakistani airstrikes hit {p} in {q}; {n} civilians killed",
        "Pakistani military aircraft struck houses in {p} district of {q} province on {d} "
        "night, killing {n} civilians including women and children, Islamic Emirate "
        "officials said. {m} others were wounded. Kabul summoned Pakistan's envoy.",
    ),
    (
        "Pakistani forces shell {p}; {n} dead",
        "Pakistani forces fired artillery shells into {p} district of {q} on {d}, killing "
        "{n} people and wounding {m}, local officials told {o}. Residents fled to nearby "
        "villages. Islamabad did not comment.",
    ),
    (
        "Afghan forces retaliate against Pakistani posts from {p}",
        "Islamic Emirate forces carried out retaliatory operations against Pakistani "
        "military posts along the Durand Line from {p} on {d}, the defence ministry said, "
        "claiming {n} Pakistani soldiers killed. Pakistan denied the figure.",
    ),
    (
        "Explosion in {p} kills {n}",
        "A magnetic bomb attached to a vehicle exploded in {p}, {q}, on {d}, killing {n} "
        "people and injuring {m}, a police spokesman said. Islamic State Khorasan claimed "
        "the attack in a statement.",
    ),
    (
        "Gunmen kill {n} in {p}, {q}",
        "Unknown gunmen killed {n} people in {p} district of {q} province on {d}, the "
        "provincial police spokesman said. An investigation has begun.",
    ),
]
REWRITES = [
    (
        "{p}: toll rises to {n2}",
        "The death toll from {d}'s attack in {p} rose to {n2}, officials said, after "
        "several of the injured died in hospital. {o} reported that funerals were held.",
    ),
    (
        "At least {n} killed in {p} violence, sources say",
        "At least {n} people were killed in {p} on {d}, local sources told {o}. Officials "
        "gave no figure. The area remained tense.",
    ),
    (
        "{n} dead in {p} attack",
        "{n} people died in the attack in {p}, {q}, officials said. Security was tightened "
        "across the district.",
    ),
]
NEWS = [
    (
        "Traders in {p} protest new taxes",
        "Traders in {p} kept their shops closed on {d} to protest new taxes in the "
        "provincial budget. Talks with the finance department will continue, the chamber "
        "of commerce said.",
    ),
    (
        "Torkham crossing reopens for trade after talks",
        "Trade through Torkham resumed on {d} after officials of both countries agreed to "
        "extend the crossing's hours, customs officials said. Hundreds of trucks waited "
        "on both sides.",
    ),
    (
        "Heavy snowfall cuts roads in {p}",
        "Heavy snowfall blocked roads in {p}, {q}, on {d}, stranding travellers. Disaster "
        "management teams were clearing the highways. Schools will stay closed until "
        "further notice.",
    ),
    (
        "Polio campaign begins in {p}",
        "A five-day polio vaccination campaign began in {p} on {d}. Health officials said "
        "teams would visit every household to vaccinate children under five.",
    ),
    (
        "Wheat prices rise in {p} markets",
        "The price of flour rose again in {p} markets on {d}, traders said, blaming "
        "transport costs. The provincial food department promised to release stocks.",
    ),
    (
        "Cricket: {p} side wins regional final",
        "The {p} team won the regional final by six wickets on {d}, chasing 231 with ten "
        "balls to spare. The captain scored 87 not out.",
    ),
    (
        "Officials discuss refugees' return at border meeting",
        "Afghan and Pakistani officials met on {d} to discuss the return of refugees "
        "through {p}. Both sides agreed to set up more registration centres, a statement "
        "said.",
    ),
]


@dataclass(frozen=True, slots=True)
class Place:
    country: str
    province: str
    name: str


def border_places() -> list[Place]:
    """Districts of the border provinces of both sides (embedded layer), and towns."""
    layer = read_embedded_layer(embedded_layer_path())
    if layer is None:
        raise SystemExit("the embedded district layer is missing")
    places = [
        Place(u.country, u.province or "", u.name)
        for u in layer.districts
        if u.province in BORDER_PROVINCES.get(u.country, ())
    ]
    for town, province in TOWNS:
        country = "AF" if any(province == p for p in BORDER_PROVINCES["AF"]) else "PK"
        places += [Place(country, province, town)] * 3  # towns are named more often
    return places


def synthetic_items(count: int, seed: int = 15) -> Iterator[dict[str, str]]:
    """``count`` items as replay's JSON Lines records, in publication order."""
    rng = random.Random(seed)
    places = border_places()
    pk = [p for p in places if p.country == "PK"]
    af = [p for p in places if p.country == "AF"]
    made = 0
    pending: list[tuple[float, dict[str, str]]] = []  # re-reports, by due minute
    minute = 0.0
    while made < count:
        minute += rng.expovariate(PER_DAY / 1440)
        while pending and pending[0][0] <= minute and made < count:
            yield pending.pop(0)[1]
            made += 1
        if made >= count:
            break
        when = START + timedelta(minutes=minute)
        day = WEEKDAYS[when.weekday()]
        outlet = rng.choice(OUTLETS)
        if rng.random() < INCIDENT_SHARE:
            place = rng.choice(pk if rng.random() < 0.65 else af)
            templates = PK_INCIDENTS if place.country == "PK" else AF_INCIDENTS
            title, summary = rng.choice(templates)
            values = {
                "p": place.name,
                "q": place.province,
                "n": str(rng.choice([1, 2, 2, 3, 4, 5, 7, 9, 12, 20])),
                "m": str(rng.randrange(2, 30)),
                "d": day,
                "o": outlet,
            }
            yield _item(made, title, summary, values, when, outlet)
            made += 1
            for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
                later = minute + rng.uniform(30, 1800)
                title, summary = rng.choice(REWRITES)
                again = {
                    **values,
                    "o": rng.choice(OUTLETS),
                    "n2": str(int(values["n"]) + rng.randrange(0, 3)),
                }
                record = _item(
                    -1, title, summary, again, START + timedelta(minutes=later), again["o"]
                )
                pending.append((later, record))
                pending.sort(key=lambda p: p[0])
        else:
            place = rng.choice(places)
            title, summary = rng.choice(NEWS)
            values = {"p": place.name, "q": place.province, "d": day, "o": outlet}
            yield _item(made, title, summary, values, when, outlet)
            made += 1


_serial = iter(range(10**9))


def _item(
    _: int, title: str, summary: str, values: dict[str, str], when: datetime, outlet: str
) -> dict[str, str]:
    return {
        "id": f"s{next(_serial)}",
        "title": title.format(**values),
        "summary": summary.format(**values),
        "published": when.isoformat(),
        "source": outlet,
    }


def write_history(items: Iterator[dict[str, str]], path: Path) -> date:
    """The replay input (text = title and summary); returns the last local day."""
    last = START
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            record = {
                "id": item["id"],
                "text": f"{item['title']}\n{item['summary']}",
                "published": item["published"],
                "source": item["source"],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            last = max(last, datetime.fromisoformat(item["published"]))
    return last.date()


def write_feeds(history: Path, folder: Path) -> None:
    """The same items as RSS files of FEED_ITEMS items each."""
    folder.mkdir(parents=True)
    batch: list[str] = []
    number = 0

    def flush() -> None:
        nonlocal number
        body = "".join(batch)
        (folder / f"feed{number:04d}.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Scale</title><link>https://scale.example.org/</link>"
            f"<description>synthetic</description>{body}</channel></rss>",
            encoding="utf-8",
        )
        number += 1
        batch.clear()

    with history.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            title, _, summary = record["text"].partition("\n")
            when = datetime.fromisoformat(record["published"])
            batch.append(
                f"<item><title>{escape(title)}</title>"
                f"<link>https://scale.example.org/{record['id']}</link>"
                f"<pubDate>{format_datetime(when)}</pubDate>"
                f"<description>{escape(summary)}</description></item>"
            )
            if len(batch) == FEED_ITEMS:
                flush()
    if batch:
        flush()


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    peak_mb: float
    output: str


def measure(command: list[str], cwd: Path) -> Measured:
    """Run ``command``; its wall time and the peak RSS of it and its children."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{output[-3000:]}")
    return Measured(seconds, usage.ru_maxrss / 1024, output)


def durandwatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "durandwatch", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--stages", default="replay,once,score,outputs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stages = args.stages.split(",")
    root = args.keep or Path(tempfile.mkdtemp(prefix="durandwatch-scale-"))
    print(f"{'items':>9}  {'stage':<8} {'wall s':>8} {'items/s':>9} {'peak MB':>8}")
    replay_seconds: dict[int, float] = {}
    try:
        for size in sizes:
            folder = root / str(size)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "durandwatch.toml").write_text('[paths]\nfeeds = "feeds.toml"\n')
            (folder / "feeds.toml").write_text("")
            history = folder / "history.jsonl"
            last = write_history(synthetic_items(size), history)
            warmup = min(60, (last - START.date()).days // 3)
            first_alert = START.date() + timedelta(days=warmup)
            config = ["-q", "-c", str(folder / "durandwatch.toml")]
            if "replay" in stages:
                result = measure(
                    durandwatch(
                        *config,
                        "replay",
                        str(history),
                        "--from",
                        first_alert.isoformat(),
                        "--to",
                        last.isoformat(),
                        "--warmup-days",
                        str(warmup),
                        "--out",
                        str(folder / "replay"),
                        "--no-outputs",
                        "--workers",
                        str(args.workers),
                    ),
                    folder,
                )
                replay_seconds[size] = result.seconds
                _row(size, "replay", result)
            if {"once", "score", "outputs"} & set(stages):
                write_feeds(history, folder / "feeds")
                result = measure(
                    durandwatch(*config, "once", "--feeds", str(folder / "feeds"), "--no-outputs"),
                    folder,
                )
                if "once" in stages:
                    _row(size, "once", result)
            if "score" in stages:
                _score_row(size, folder, last)
            if "outputs" in stages:
                day = last.isoformat()
                _row(
                    size, "outputs", measure(durandwatch(*config, "digest", "--date", day), folder)
                )
            if args.keep is None:
                shutil.rmtree(folder)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    small, large = 100_000, 1_000_000
    if small in replay_seconds and large in replay_seconds:
        print(f"replay time 1M / 100k: {replay_seconds[large] / replay_seconds[small]:.1f}")


def _score_row(size: int, folder: Path, last: date) -> None:
    """One scoring pass (as the service runs every 15 minutes) on the store ``once`` made:
    every unit judged over the stored incidents of the last 14 months."""
    from durandwatch.config import load_config
    from durandwatch.monitor import Monitor

    config = load_config(folder / "durandwatch.toml")
    now = datetime.combine(last, datetime.max.time(), tzinfo=UTC)
    with Monitor(config, clock=lambda: now) as monitor:
        monitor.prepare()
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            monitor.assess(last)
            runs.append(time.perf_counter() - start)
        incidents = monitor.store.count_incidents()
    best = min(runs)
    print(
        f"{size:>9,}  {'score':<8} {best:>8.2f} {'':>9} {'':>8}  "
        f"(one scoring pass; {incidents:,} incidents stored)",
        flush=True,
    )


def _row(size: int, stage: str, result: Measured) -> None:
    print(
        f"{size:>9,}  {stage:<8} {result.seconds:>8.1f} {size / result.seconds:>9,.0f} "
        f"{result.peak_mb:>8,.0f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
