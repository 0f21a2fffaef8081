"""Exports: golden files of CAP 1.2, GeoJSON, CSV and Atom, compared byte for byte.

The incidents are built the way the service builds them: a few texts analysed and
merged (a cross-border strike with its direction and the words that give it, a claim, a
toll that rose between two reports, a province-level place, no place at all, and feed
text with ``<script>`` and ``&``). The alerts are alert objects as the store keeps them
(``golden/exports/alerts-stored.json``, read by the codec: a new alert, an escalated
exchange and a cleared alert that reference the previous day's messages, a silence
alert). Both go through a store and back before they are exported, as ``durandwatch
digest`` does.

The expected files are in ``tests/golden/exports/``. After a deliberate change to an
export, regenerate them with ``DURANDWATCH_UPDATE_GOLDEN=1 python -m pytest
tests/test_exports.py`` and read the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from durandwatch.analyze import Analyzer
from durandwatch.codec import alert_from_record
from durandwatch.dedup import merge_reports
from durandwatch.exports import (
    alerts_atom,
    alerts_geojson,
    cap_alert,
    incidents_csv,
    incidents_geojson,
)
from durandwatch.gazetteer import build_gazetteer
from durandwatch.geocode import Geocoder
from durandwatch.model import FeedSpec, Item
from durandwatch.region import load_region
from durandwatch.store import Store

from .conftest import GOLDEN

FOLDER = GOLDEN / "exports"
DAY = date(2026, 1, 10)
ZONE = "Asia/Kabul"
DAILY_AT = time(7, 0)
SENDER = "durandwatch@localhost"
NOW = datetime(2026, 1, 10, 2, 30, tzinfo=UTC)

#: (id, text, published, outlet, url)
TEXTS = [
    (
        "x1",
        "Pakistani jets strike homes in Khost's Zazai Maidan, five civilians killed\n"
        "Pakistani jets struck two residential compounds in Zazai Maidan district of Khost"
        " province late on Tuesday night, killing five civilians including two women,"
        " residents told Tolo News.",
        "2026-01-07T05:40:00+00:00",
        "Tolo News",
        "https://tolonews.example/1",
    ),
    (
        "x2",
        "TTP claims attack on Bannu police post, three policemen killed\n"
        "Three policemen were killed when militants attacked a police post in Bannu district"
        " on Wednesday. The Tehreek-e-Taliban Pakistan claimed responsibility for the attack"
        " in a statement.",
        "2026-01-08T04:15:00+00:00",
        "Dawn",
        "https://dawn.example/2",
    ),
    (
        "x3",
        "Bannu police post attack: death toll rises to six\n"
        "Six policemen were killed when militants attacked a police post in Bannu district"
        " on Wednesday, officials said.",
        "2026-01-08T09:15:00+00:00",
        "Geo News",
        "https://geo.example/3",
    ),
    (
        "x4",
        "Roadside bomb wounds soldiers in Kunar province\n"
        "A roadside bomb killed two soldiers in Kunar province on Thursday, a provincial"
        " official said.",
        "2026-01-09T06:00:00+00:00",
        "Pajhwok",
        None,
    ),
    (
        "x5",
        "Gunmen kill two <script>alert('x')</script> & shopkeepers\n"
        "Unknown gunmen shot dead two shopkeepers on Friday, police said. The <b>killers</b>"
        " & their accomplices fled.",
        "2026-01-10T08:00:00+00:00",
        "Amu TV",
        "https://amu.example/5?a=1&b=2",
    ),
]


def _store_incidents(store: Store) -> None:
    """Analyse the texts, store them as items and reports, merge and store the incidents."""
    analyzer = Analyzer(Geocoder(build_gazetteer(load_region(), pack=None)))
    reports = [
        analyzer.analyze(ident, text, published=datetime.fromisoformat(at), source=outlet, url=url)
        for ident, text, at, outlet, url in TEXTS
    ]
    items = [
        Item(
            id=r.id,
            url=r.url,
            title=r.text.split("\n")[0],
            summary=r.text.split("\n")[1],
            published=r.published,
            source="golden",
            language="en",
        )
        for r in reports
    ]
    feed = FeedSpec(name="golden", url="https://golden.example/feed")
    store.record_items(feed, items, now=NOW, etag=None, last_modified=None, http_status=200)
    store.save_reports(reports, now=NOW)
    store.replace_incidents(merge_reports(reports), [r.id for r in reports])


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every export of the fixed incidents and alerts, by file name."""
    stored = json.loads((FOLDER / "alerts-stored.json").read_text(encoding="utf-8"))
    with Store(tmp_path_factory.mktemp("exports") / "store.db") as store:
        _store_incidents(store)
        store.save_alerts({}, [alert_from_record(a) for a in stored], now=NOW)
        incidents = store.incidents()
        alerts = store.day_alerts(DAY)
    shown = [a for a in alerts if a.shown]
    files = {
        "incidents.geojson": incidents_geojson(incidents),
        "alerts.geojson": alerts_geojson([a for a in shown if a.level != "green"]),
        "incidents.csv": incidents_csv(incidents),
        "alerts.atom": alerts_atom(shown, day=DAY, zone=ZONE, at=DAILY_AT),
    }
    for alert in shown:
        files[f"cap/{alert.alert_id}.xml"] = cap_alert(
            alert, sender=SENDER, zone=ZONE, at=DAILY_AT, web="../map.html"
        )
    return files


def _expected_files() -> Iterator[Path]:
    for path in sorted(FOLDER.rglob("*")):
        if path.is_file() and path.name != "alerts-stored.json":
            yield path


def test_exports_match_the_golden_files(exports: dict[str, str]) -> None:
    if os.environ.get("DURANDWATCH_UPDATE_GOLDEN"):
        for old in _expected_files():
            old.unlink()
        for name, text in exports.items():
            path = FOLDER / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
    expected = {p.relative_to(FOLDER).as_posix(): p.read_bytes() for p in _expected_files()}
    assert sorted(expected) == sorted(exports)
    for name, text in exports.items():
        assert text.encode("utf-8") == expected[name], f"{name} differs from its golden file"


def test_the_golden_cases_are_all_there(exports: dict[str, str]) -> None:
    """The fixed records cover what the golden files are meant to prove."""
    features = json.loads(exports["incidents.geojson"])["features"]
    props = [f["properties"] for f in features]
    assert any(p["cross_border"] and p["direction"] and p["direction_evidence"] for p in props)
    assert any(p["fatalities_range"] and len(set(p["fatalities_range"])) == 2 for p in props)
    assert any(p["geo_precision"] == 3 for p in props)  # a province-level place
    assert any(f["geometry"] is None for f in features)  # no place
    assert any("<script>" in p["title"] for p in props)
    cap = [v for k, v in exports.items() if k.startswith("cap/")]
    assert sum("<msgType>Update</msgType>" in c for c in cap) >= 1
    assert sum("<msgType>Cancel</msgType>" in c for c in cap) == 1
    assert all("<references>" in c for c in cap if "<msgType>Alert<" not in c)
    hostile = [exports["alerts.atom"], exports["cap/alert-77aa01e5c0d94b21.xml"]]
    for text in hostile:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in text
        assert "&lt;b&gt;&amp;&lt;/b&gt;" in text
    for text in [*cap, exports["alerts.atom"]]:
        assert "<script>" not in text
        assert "<b>" not in text
        assert " & " not in text
    assert "<script>alert('x')</script> & shopkeepers" in exports["incidents.csv"]
