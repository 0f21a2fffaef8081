"""The README's first commands are the ones a new user and CI run."""

from __future__ import annotations

from .conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.strip().splitlines()]


def test_readme_opens_with_install_and_test_commands() -> None:
    install, test = readme_commands()
    assert "pip install ." in install
    assert install.endswith("durandwatch demo")
    assert "scripts/check.py" in test
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:6]
    assert any(install in line for line in head)


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines(), "the test command in README.md and .ci/run differ"
