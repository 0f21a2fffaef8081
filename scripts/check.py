#!/usr/bin/env python3
"""Run every check: format, lint, types, tests. Exits non-zero if any fails.

Run it with the interpreter of the environment durandwatch is installed in
(``.venv/bin/python scripts/check.py``); the tests import the installed package, not
the source tree. Extra arguments go to pytest (``scripts/check.py -k fetch``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PYTEST_NO_TESTS = 5


def run(title: str, *args: str) -> int:
    print(f"\n== {title}: {' '.join(args)}", flush=True)
    return subprocess.run([PYTHON, "-m", *args], cwd=ROOT, check=False).returncode


def main(pytest_args: list[str]) -> int:
    import durandwatch

    print(f"durandwatch {durandwatch.__version__} from {Path(durandwatch.__file__).parent}")
    failures = []
    checks = [
        ("format", ["ruff", "format", "--check", "src", "tests", "bench", "scripts"]),
        ("lint", ["ruff", "check", "src", "tests", "bench", "scripts"]),
        ("types", ["mypy", "src"]),
    ]
    for title, args in checks:
        if run(title, *args) != 0:
            failures.append(title)
    code = run("tests", "pytest", *pytest_args)
    if code == PYTEST_NO_TESTS:
        print("pytest collected no tests: that is a failure here", flush=True)
    if code != 0:
        failures.append("tests")
    print("\n" + ("all checks passed" if not failures else f"FAILED: {', '.join(failures)}"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
