"""durandwatch: early warning of violence along the Afghanistan-Pakistan border.

The library never configures logging; it only adds a ``NullHandler``. The command line
(:mod:`durandwatch.cli`) sets up handlers and levels.
"""

import logging
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("durandwatch")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
