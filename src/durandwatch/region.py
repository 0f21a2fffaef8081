"""The region profile (``geo/region.toml``) and where geodata lives on this machine."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .resources import data_path

ENV_DATA_DIR = "DURANDWATCH_DATA_DIR"


@dataclass(frozen=True, slots=True)
class Dataset:
    """One downloadable dataset of the full geodata pack."""

    id: str
    title: str
    file: str  # canonical file name, possibly with a folder ("alternatenames/AF.zip")
    url: str
    licence: str
    attribution: str
    sha256: str | None = None
    api: str | None = None


@dataclass(frozen=True, slots=True)
class Sector:
    """A stretch of the Durand Line with the units on both sides that face it."""

    id: str
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class SectorMap:
    """Which sector a district or province belongs to (``[[sector]]`` in region.toml).

    A district's own entry wins over its province's; a province that is split between
    sectors has no entry, so a report placed only at its level belongs to no sector.
    """

    sectors: tuple[Sector, ...] = ()
    provinces: dict[tuple[str, str], str] = field(default_factory=dict)
    districts: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def sector_of(self, country: str, admin1: str, admin2: str | None) -> str | None:
        """The sector id of a place (None: the place belongs to no sector)."""
        if admin2:
            found = self.districts.get((country, admin1, admin2)) or self.districts.get(
                (country, "", admin2)
            )
            if found is not None:
                return found
        return self.provinces.get((country, admin1))

    def neighbours(self, sector_id: str) -> frozenset[str]:
        """The sectors next to this one along the line (the profile lists them in order)."""
        ids = [s.id for s in self.sectors]
        if sector_id not in ids:
            return frozenset()
        at = ids.index(sector_id)
        return frozenset(ids[max(0, at - 1) : at] + ids[at + 1 : at + 2])

    def name(self, sector_id: str) -> str:
        """The display name of a sector."""
        for sector in self.sectors:
            if sector.id == sector_id:
                return sector.name
        return sector_id


@dataclass(frozen=True, slots=True)
class Region:
    """Countries, area of interest, metric CRS, the dataset manifest and the sectors."""

    name: str
    countries: tuple[str, ...]
    metric_crs: str
    aoi_km: float
    aoi_admin1: frozenset[str]
    datasets: tuple[Dataset, ...]
    folder: Path
    sectors: SectorMap = field(default_factory=SectorMap)

    def dataset(self, dataset_id: str) -> Dataset:
        """The dataset with this id."""
        for dataset in self.datasets:
            if dataset.id == dataset_id:
                return dataset
        raise KeyError(dataset_id)


def load_region(folder: Path | None = None) -> Region:
    """Read ``region.toml`` from ``folder`` (default: the shipped profile)."""
    folder = folder or data_path("geo")
    path = folder / "region.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"cannot read the region profile {path}: {exc}"]) from None
    problems: list[str] = []
    region = raw.get("region", {})
    datasets = []
    for n, entry in enumerate(raw.get("dataset", []), start=1):
        missing = [
            k
            for k in ("id", "title", "file", "url", "licence", "attribution")
            if not isinstance(entry.get(k), str) or not entry.get(k)
        ]
        if missing:
            problems.append(f"{path.name} dataset #{n}: missing {', '.join(missing)}")
            continue
        datasets.append(
            Dataset(
                id=entry["id"],
                title=entry["title"],
                file=entry["file"],
                url=entry["url"],
                licence=entry["licence"],
                attribution=entry["attribution"],
                sha256=entry.get("sha256") or None,
                api=entry.get("api") or None,
            )
        )
    for key in ("name", "metric_crs"):
        if not isinstance(region.get(key), str):
            problems.append(f"{path.name}: [region] {key} is required")
    sectors = _sectors(raw.get("sector", []), path.name, problems)
    if problems:
        raise ConfigError(problems, source=str(path))
    return Region(
        name=region["name"],
        countries=tuple(region.get("countries", ["AF", "PK"])),
        metric_crs=region["metric_crs"],
        aoi_km=float(region.get("aoi_km", 150.0)),
        aoi_admin1=frozenset(region.get("aoi_admin1", [])),
        datasets=tuple(datasets),
        folder=folder,
        sectors=sectors,
    )


def _sectors(entries: Any, where: str, problems: list[str]) -> SectorMap:
    """The ``[[sector]]`` tables; every problem is added to ``problems``."""
    if not isinstance(entries, list):
        problems.append(f"{where}: [[sector]] must be an array of tables")
        return SectorMap()
    sectors: list[Sector] = []
    provinces: dict[tuple[str, str], str] = {}
    districts: dict[tuple[str, str, str], str] = {}
    for n, entry in enumerate(entries, start=1):
        label = f"{where} sector #{n}"
        if not isinstance(entry, dict):
            problems.append(f"{label}: not a table")
            continue
        missing = [k for k in ("id", "name", "why") if not isinstance(entry.get(k), str)]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}")
            continue
        sector_id = entry["id"]
        if any(s.id == sector_id for s in sectors) or sector_id == "line":
            problems.append(f"{label}: the id {sector_id!r} is used twice (or reserved)")
            continue
        sectors.append(Sector(sector_id, entry["name"], " ".join(entry["why"].split())))
        for value in _strings(entry.get("provinces", []), f"{label} provinces", problems):
            country, _, name = value.partition(":")
            if country not in ("AF", "PK") or not name:
                problems.append(f"{label}: province {value!r} is not 'AF:Name' or 'PK:Name'")
            elif provinces.setdefault((country, name), sector_id) != sector_id:
                problems.append(f"{label}: {value} is already in {provinces[(country, name)]}")
        for value in _strings(entry.get("districts", []), f"{label} districts", problems):
            country, _, rest = value.partition(":")
            province, _, district = rest.rpartition("/")
            key = (country, province, district)
            if country not in ("AF", "PK") or not district or (country == "AF" and not province):
                problems.append(
                    f"{label}: district {value!r} is not 'PK:District' or 'AF:Province/District'"
                )
            elif districts.setdefault(key, sector_id) != sector_id:
                problems.append(f"{label}: {value} is already in {districts[key]}")
    return SectorMap(tuple(sectors), provinces, districts)


def _strings(value: Any, label: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{label}: a list of strings")
        return []
    return value


def user_data_dir() -> Path:
    """Where downloaded geodata is kept: ``$DURANDWATCH_DATA_DIR``, else the XDG data folder."""
    explicit = os.environ.get(ENV_DATA_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "durandwatch"


def pack_dir(data_dir: Path | None = None) -> Path:
    """The folder holding the full geodata pack."""
    return (data_dir or user_data_dir()) / "geo"
