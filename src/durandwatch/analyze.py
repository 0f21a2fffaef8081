"""``durandwatch analyze``: JSON Lines in, JSON Lines out, one object per line, in order.

Input objects: ``{"id", "text", "published"?, "source"?}``. Output objects carry ``id``,
``relevant``, ``event_type``, ``sub_event_type``, ``fatalities``, ``actors``,
``cross_border``, ``places`` (names with character spans) and ``location``. A line that
is not a JSON object with a string ``text`` gives ``{"id": ..., "error": "..."}`` in its
place, so the output stays aligned with the input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from .geocode import Geocoder


def analyze_text(geocoder: Geocoder, text: str) -> dict[str, Any]:
    """The analysis fields for one text (without ``id``)."""
    result = geocoder.geocode(text)
    location = None
    if result.location is not None:
        location = asdict(result.location)
        location["candidates"] = list(result.location.candidates)
    return {
        "relevant": None,
        "event_type": None,
        "sub_event_type": None,
        "fatalities": None,
        "actors": None,
        "cross_border": None,
        "places": [asdict(m) for m in result.mentions],
        "location": location,
    }


def analyze_lines(geocoder: Geocoder, lines: Iterable[str]) -> Iterator[str]:
    """Analyse each input line; yield one output line (without newline) per input line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield json.dumps({"id": None, "error": f"line {number}: empty line"})
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield json.dumps({"id": None, "error": f"line {number}: invalid JSON: {exc.msg}"})
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            ident = record.get("id") if isinstance(record, dict) else None
            yield json.dumps(
                {"id": ident, "error": f'line {number}: expected an object with a string "text"'},
                ensure_ascii=False,
            )
            continue
        out = {"id": record.get("id")}
        out.update(analyze_text(geocoder, record["text"]))
        yield json.dumps(out, ensure_ascii=False)
