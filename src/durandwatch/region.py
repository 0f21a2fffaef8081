"""The region profile (``geo/region.toml``) and where geodata lives on this machine."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

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
class Region:
    """Countries, area of interest, metric CRS and the dataset manifest."""

    name: str
    countries: tuple[str, ...]
    metric_crs: str
    aoi_km: float
    aoi_admin1: frozenset[str]
    datasets: tuple[Dataset, ...]
    folder: Path

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
    )


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
