"""Alert rules and the sectors of the region profile: validated as a whole, every problem named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from durandwatch.errors import ConfigError
from durandwatch.region import load_region
from durandwatch.resources import data_path
from durandwatch.rules import Rules, load_rules


def test_the_shipped_rules_are_the_defaults_and_say_what_each_level_means() -> None:
    assert load_rules() == Rules()
    text = data_path("alerts", "rules.toml").read_text(encoding="utf-8")
    for level in ("red", "orange", "yellow", "green"):
        assert f"#   {level}" in text
    assert "false alarm-days per unit per month" in text


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('[surge]\norange_p = "two"\n', "surge.orange_p"),
        ("[surge]\norange_p = 1.5\n", "probability"),
        ("[burst]\norange_p = 0.01\nred_p = 0.05\n", "red_p must not exceed"),
        ("[nonsense]\nx = 1\n", "unknown section"),
        ("[windows]\nrecent_days = 0\n", "recent_days"),
        ('[severity.means]\n"Air/drone strike" = -1\n', "severity.means"),
        ("[build_up]\nshift_ratio = 1.0\n", "shift_ratio"),
        ("not toml [", "cannot read"),
    ],
)
def test_bad_rules_are_reported(tmp_path: Path, bad: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(bad)
    with pytest.raises(ConfigError, match=message) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


def test_every_problem_of_the_rules_is_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("[surge]\norange_p = 2\nmin_events = -1\n[burst]\nnope = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert len(caught.value.problems) == 3


def test_bad_sectors_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "geo"
    shutil.copytree(data_path("geo"), folder)
    profile = folder / "region.toml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(
        text
        + '\n[[sector]]\nid = "kurram"\nname = "again"\nwhy = "twice"\n'
        + 'districts = ["PK:Kurram", "Bannu"]\nprovinces = ["XX:Nowhere"]\n'
        + '\n[[sector]]\nname = "no id"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_region(folder)
    problems = " | ".join(caught.value.problems)
    assert "used twice" in problems
    assert "missing id" in problems
    profile.write_text(
        text + '\n[[sector]]\nid = "extra"\nname = "x"\nwhy = "y"\n'
        'districts = ["PK:Kurram", "Bannu"]\nprovinces = ["XX:Nowhere"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_region(folder)
    problems = " | ".join(caught.value.problems)
    assert "PK:Kurram is already in kurram" in problems
    assert "'Bannu'" in problems
    assert "'XX:Nowhere'" in problems
