"""Alert rules (``alerts/rules.toml``), validated as a whole."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .resources import data_path

LEVELS = ("green", "yellow", "orange", "red")


def _default_means() -> dict[str, float]:
    return {
        "Air/drone strike": 20.0,
        "Suicide bomb": 20.0,
        "Shelling/artillery/missile attack": 15.0,
        "Remote explosive/landmine/IED": 10.0,
        "Grenade": 5.0,
        "Armed clash": 5.0,
        "Attack": 5.0,
    }


@dataclass(frozen=True, slots=True)
class Rules:
    """Every window, test and threshold of the escalation stage (see alerts/rules.toml)."""

    recent_days: int = 7
    baseline_days: int = 28
    year_days: int = 365
    prior_events: float = 0.5
    prior_days: float = 7.0
    surge_min_events: int = 3
    surge_min_ratio: float = 2.0
    surge_orange_p: float = 0.1
    surge_red_p: float = 0.001
    burst_min_events: int = 2
    burst_min_ratio: float = 4.0
    burst_min_baseline: int = 2
    burst_orange_p: float = 0.05
    burst_red_p: float = 0.001
    dispersion_min_size: float = 1.0
    build_up_weeks: int = 8
    build_up_shift_ratio: float = 1.5
    build_up_min_shift: float = 1.0
    build_up_in_control_weeks: float = 104.0
    build_up_min_events: int = 4
    deaths_per_decade: float = 20.0
    deaths_max: float = 40.0
    civilian_points: float = 20.0
    sectarian_points: float = 20.0
    severity_high: float = 50.0
    means: dict[str, float] = field(default_factory=_default_means)
    reciprocity_days: int = 7
    exchange_red_steps: int = 3
    exchange_red_deaths: int = 25
    exchange_pair_within: str = "sector"  # sector, adjacent or line
    silence_drop_share: float = 0.25
    silence_min_baseline: float = 2.0

    @property
    def history_days(self) -> int:
        """How far back the assessment of one day reads."""
        return self.year_days + self.build_up_weeks * 7 + self.recent_days

    def severity_level(self, points: float) -> str:
        """low, moderate, high or extreme."""
        if points >= 75:
            return "extreme"
        if points >= self.severity_high:
            return "high"
        if points >= 25:
            return "moderate"
        return "low"


_KEYS: dict[str, dict[str, str]] = {
    "windows": {
        "recent_days": "recent_days",
        "baseline_days": "baseline_days",
        "year_days": "year_days",
    },
    "prior": {"events": "prior_events", "days": "prior_days"},
    "surge": {
        "min_events": "surge_min_events",
        "min_ratio": "surge_min_ratio",
        "orange_p": "surge_orange_p",
        "red_p": "surge_red_p",
    },
    "burst": {
        "min_events": "burst_min_events",
        "min_ratio": "burst_min_ratio",
        "min_baseline_events": "burst_min_baseline",
        "orange_p": "burst_orange_p",
        "red_p": "burst_red_p",
    },
    "dispersion": {"minimum_size": "dispersion_min_size"},
    "build_up": {
        "weeks": "build_up_weeks",
        "shift_ratio": "build_up_shift_ratio",
        "min_shift_per_week": "build_up_min_shift",
        "in_control_weeks": "build_up_in_control_weeks",
        "min_events": "build_up_min_events",
    },
    "severity": {
        "deaths_per_decade": "deaths_per_decade",
        "deaths_max": "deaths_max",
        "civilian_points": "civilian_points",
        "sectarian_points": "sectarian_points",
        "high": "severity_high",
        "means": "means",
    },
    "exchange": {
        "reciprocity_days": "reciprocity_days",
        "red_steps": "exchange_red_steps",
        "red_deaths": "exchange_red_deaths",
        "pair_within": "exchange_pair_within",
    },
    "silence": {"drop_share": "silence_drop_share", "min_baseline_weekly": "silence_min_baseline"},
}
_INTS = {
    "recent_days",
    "baseline_days",
    "year_days",
    "surge_min_events",
    "burst_min_events",
    "burst_min_baseline",
    "build_up_weeks",
    "build_up_min_events",
    "reciprocity_days",
    "exchange_red_steps",
    "exchange_red_deaths",
}
#: Settings that take one of a few words.
_CHOICES = {"exchange_pair_within": ("sector", "adjacent", "line")}
_PROBABILITIES = {"surge_orange_p", "surge_red_p", "burst_orange_p", "burst_red_p"}


def load_rules(path: Path | None = None) -> Rules:
    """Read and validate the rules; :class:`ConfigError` lists every problem."""
    source = path or data_path("alerts", "rules.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read {source}: {exc}"], source=str(source)) from None
    problems: list[str] = []
    values: dict[str, Any] = {}
    for section, table in raw.items():
        if section not in _KEYS or not isinstance(table, dict):
            problems.append(f"unknown section [{section}] (known: {', '.join(_KEYS)})")
            continue
        for key, value in table.items():
            name = _KEYS[section].get(key)
            if name is None:
                problems.append(f"{section}.{key}: unknown key")
            elif name == "means":
                if not isinstance(value, dict) or not all(_number(v) for v in value.values()):
                    problems.append("severity.means: a table of non-negative numbers")
                else:
                    values[name] = {str(k): float(v) for k, v in value.items()}
            elif name in _CHOICES:
                if value not in _CHOICES[name]:
                    problems.append(
                        f"{section}.{key} = {value!r}: one of {', '.join(_CHOICES[name])}"
                    )
                else:
                    values[name] = value
            elif not _number(value):
                problems.append(f"{section}.{key} = {value!r}: a non-negative number")
            else:
                values[name] = int(value) if name in _INTS else float(value)
    rules = Rules(**values)
    problems += _consistency(rules)
    if problems:
        raise ConfigError(problems, source=str(source))
    return rules


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _consistency(rules: Rules) -> list[str]:
    problems = []
    for name in sorted(_PROBABILITIES):
        if not 0 < getattr(rules, name) < 1:
            problems.append(f"{name.replace('_', '.', 1)}: a probability between 0 and 1")
    if rules.surge_red_p > rules.surge_orange_p or rules.burst_red_p > rules.burst_orange_p:
        problems.append("red_p must not exceed orange_p (red is the rarer level)")
    if rules.recent_days < 1 or rules.baseline_days < 7 or rules.year_days < 28:
        problems.append("windows: recent_days >= 1, baseline_days >= 7, year_days >= 28")
    if rules.prior_events <= 0 or rules.prior_days <= 0:
        problems.append("prior: events and days must be positive")
    if rules.build_up_shift_ratio <= 1:
        problems.append("build_up.shift_ratio must be above 1")
    if rules.build_up_weeks < 1 or rules.build_up_in_control_weeks < 1:
        problems.append("build_up: weeks and in_control_weeks must be at least 1")
    if rules.dispersion_min_size <= 0:
        problems.append("dispersion.minimum_size must be positive")
    if rules.reciprocity_days < 1 or rules.exchange_red_steps < 2:
        problems.append("exchange: reciprocity_days >= 1 and red_steps >= 2")
    return problems
