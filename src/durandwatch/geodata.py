"""The full geodata pack: fetch it (or copy it from a mirror), report on it, load it.

``fetch_pack`` downloads every dataset of the region manifest from its canonical URL into
the user data folder, or copies it from a local mirror where it is found by its canonical
file name. Files are written under a temporary name and renamed, checked against their
pinned SHA-256, and skipped when already present and valid, so a second run does nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from . import __version__
from .errors import DurandwatchError
from .region import Dataset, Region, load_region, pack_dir

if TYPE_CHECKING:
    from .geocode import Geocoder

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
MAX_DATASET_BYTES = 2_000_000_000


class GeoDataError(DurandwatchError, OSError):
    """A dataset could not be fetched, copied or verified."""


@dataclass(frozen=True, slots=True)
class DatasetStatus:
    """One dataset: where it is (or would be) and what happened to it."""

    dataset: Dataset
    path: Path
    present: bool
    action: str = ""  # "downloaded", "copied", "present", "missing", "failed: ..."


def dataset_path(dataset: Dataset, pack: Path) -> Path:
    """Where ``dataset`` lives inside the pack folder."""
    return pack / dataset.file


def status(region: Region, pack: Path) -> list[DatasetStatus]:
    """Which datasets are present."""
    return [
        DatasetStatus(d, dataset_path(d, pack), dataset_path(d, pack).exists())
        for d in region.datasets
    ]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_pack(
    region: Region,
    pack: Path,
    *,
    mirror: Path | None = None,
    verify: bool = True,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
) -> list[DatasetStatus]:
    """Fetch every dataset; one failure does not stop the others (see each status)."""
    pack.mkdir(parents=True, exist_ok=True)
    index = _mirror_index(mirror) if mirror is not None else {}
    results = []
    own_client = client is None
    http = client or httpx.Client(
        timeout=httpx.Timeout(30.0, read=120.0),
        follow_redirects=True,
        headers={"User-Agent": f"durandwatch/{__version__} (geo fetch)"},
    )
    try:
        for dataset in region.datasets:
            target = dataset_path(dataset, pack)
            try:
                action = _fetch_one(dataset, target, index, mirror, verify, http, progress)
            except GeoDataError as exc:
                log.error("%s: %s", dataset.id, exc)
                results.append(DatasetStatus(dataset, target, target.exists(), f"failed: {exc}"))
                continue
            results.append(DatasetStatus(dataset, target, target.exists(), action))
    finally:
        if own_client:
            http.close()
    return results


def _fetch_one(
    dataset: Dataset,
    target: Path,
    index: dict[str, list[Path]],
    mirror: Path | None,
    verify: bool,
    http: httpx.Client,
    progress: Progress | None,
) -> str:
    if target.exists() and (
        not verify or not dataset.sha256 or sha256_of(target) == dataset.sha256
    ):
        return "present"
    if mirror is not None:
        source = _find_in_mirror(dataset, index)
        if source is None:
            return "missing"
        _copy_atomic(source, target)
        action = "copied"
    else:
        _download_atomic(dataset.url, target, http, progress, dataset.id)
        action = "downloaded"
    if verify and dataset.sha256:
        actual = sha256_of(target)
        if actual != dataset.sha256:
            target.unlink()
            raise GeoDataError(
                f"SHA-256 mismatch for {dataset.file}: expected {dataset.sha256}, got {actual}. "
                "The upstream file changed: check it and update the pin in geo/region.toml, "
                "or fetch with --no-verify"
            )
    return action


def _mirror_index(mirror: Path) -> dict[str, list[Path]]:
    if not mirror.is_dir():
        raise GeoDataError(f"mirror folder {mirror} does not exist")
    index: dict[str, list[Path]] = {}
    for path in sorted(mirror.rglob("*")):
        if path.is_file():
            index.setdefault(path.name, []).append(path)
    return index


def _find_in_mirror(dataset: Dataset, index: dict[str, list[Path]]) -> Path | None:
    """The mirror file with the dataset's canonical name (and folder, when it has one)."""
    name = Path(dataset.file).name
    folder = Path(dataset.file).parent
    for path in index.get(name, []):
        if folder != Path("."):
            if path.parent.name == folder.name:
                return path
        elif path.parent.name != "alternatenames":
            return path
    return None


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GeoDataError(f"cannot copy {source} to {target}: {exc}") from None


def _download_atomic(
    url: str, target: Path, http: httpx.Client, progress: Progress | None, label: str
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out, http.stream("GET", url) as response:
            if response.status_code != 200:
                raise GeoDataError(f"HTTP {response.status_code} from {url}")
            total_header = response.headers.get("content-length")
            total = int(total_header) if total_header and total_header.isdigit() else None
            done = 0
            for chunk in response.iter_bytes():
                out.write(chunk)
                done += len(chunk)
                if done > MAX_DATASET_BYTES:
                    raise GeoDataError(f"{url} is larger than {MAX_DATASET_BYTES:,} bytes")
                if progress is not None:
                    progress(label, done, total)
        os.replace(tmp, target)
    except httpx.HTTPError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GeoDataError(f"cannot download {url}: {exc}") from None
    except (OSError, GeoDataError):
        Path(tmp).unlink(missing_ok=True)
        raise


def terminal_progress(label: str, done: int, total: int | None) -> None:
    """A one-line progress display on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    if total:
        sys.stderr.write(f"\r{label}: {done / 1e6:7.1f} of {total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{label}: {done / 1e6:7.1f} MB")
    sys.stderr.flush()


def open_geocoder(geo_dir: Path | None = None, data_dir: Path | None = None) -> Geocoder:
    """Build a :class:`~durandwatch.geocode.Geocoder` from the region and the pack present."""
    from .gazetteer import build_gazetteer
    from .geocode import Geocoder

    region = load_region(geo_dir)
    pack = pack_dir(data_dir)
    return Geocoder(build_gazetteer(region, pack=pack if pack.is_dir() else None))
