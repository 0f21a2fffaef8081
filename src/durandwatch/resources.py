"""Where the embedded defaults live: in the wheel, or in the source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """Path of a packaged default such as ``data_path("feeds", "feeds.toml")``.

    An installed wheel carries the top-level ``feeds/``, ``geo/`` and
    ``alerts/rules.toml`` under ``durandwatch/_data``; a source checkout (editable
    install) reads them from the repository root.
    """
    packaged = Path(str(files("durandwatch"))) / "_data"
    candidate = packaged.joinpath(*parts)
    if candidate.exists():
        return candidate
    checkout = Path(__file__).resolve().parents[2].joinpath(*parts)
    if checkout.exists():
        return checkout
    return candidate
