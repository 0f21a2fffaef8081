#!/usr/bin/env python3
"""Run every check: format, lint, types, tests. Exits non-zero if any fails.

Run it with the interpreter of the environment durandwatch is installed in
(``.venv/bin/python scripts/check.py``); the tests import the installed package, not
the source tree. Extra arguments go to pytest (``scripts/check.py -k fetch``).

The tests run twice: on SQLite, then on PostgreSQL. For the second pass it uses
``$DURANDWATCH_TEST_POSTGRES`` when set, else starts a throwaway cluster with
``scripts/postgres.sh`` when Debian's PostgreSQL server is installed; without one the pass
is skipped with a note (CI installs it, so CI never skips it).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PYTEST_NO_TESTS = 5


def run(title: str, *args: str, env: dict[str, str] | None = None) -> int:
    print(f"\n== {title}: {' '.join(args)}", flush=True)
    return subprocess.run([PYTHON, "-m", *args], cwd=ROOT, check=False, env=env).returncode


def pytest_pass(title: str, args: list[str], env: dict[str, str] | None = None) -> bool:
    code = run(title, "pytest", *args, env=env)
    if code == PYTEST_NO_TESTS:
        print("pytest collected no tests: that is a failure here", flush=True)
    return code == 0


def postgres_pass(args: list[str]) -> bool | None:
    """The tests on PostgreSQL: True/False, or None when no server can be had."""
    url = os.environ.get("DURANDWATCH_TEST_POSTGRES")
    if url:
        return pytest_pass("tests on PostgreSQL", args)
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        print(
            "\n== tests on PostgreSQL: skipped, no server installed "
            "(apt-get install postgresql postgresql-postgis)",
            flush=True,
        )
        return None
    script = str(ROOT / "scripts" / "postgres.sh")
    started = subprocess.run([script, "start"], capture_output=True, text=True, check=False)
    if started.returncode != 0:
        print(f"\n== tests on PostgreSQL: the cluster did not start:\n{started.stderr}")
        return False
    values = dict(
        line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
    )
    try:
        env = {**os.environ, "DURANDWATCH_TEST_POSTGRES": values["DURANDWATCH_TEST_POSTGRES"]}
        return pytest_pass("tests on PostgreSQL", args, env=env)
    finally:
        subprocess.run([script, "stop", values["PGCLUSTER"]], check=False)


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
    sqlite_env = {k: v for k, v in os.environ.items() if k != "DURANDWATCH_TEST_POSTGRES"}
    if not pytest_pass("tests on SQLite", pytest_args, env=sqlite_env):
        failures.append("tests on SQLite")
    if postgres_pass(pytest_args) is False:
        failures.append("tests on PostgreSQL")
    print("\n" + ("all checks passed" if not failures else f"FAILED: {', '.join(failures)}"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
