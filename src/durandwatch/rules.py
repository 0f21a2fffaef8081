"""Alert rules (``alerts/rules.toml``), validated as a whole."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .resources import data_path

LEVELS = ("green", "yellow", "orange", "red")


@dataclass(frozen=True, slots=True)
class Rules:
    """Every weight, window and threshold of the escalation stage."""

    yellow: float = 30
    orange: float = 50
    red: float = 70
    recent_days: int = 7
    baseline_weeks: int = 4
    year_days: int = 365
    reciprocity_days: int = 7
    intensity_max: float = 30
    intensity_scale: float = 8.0
    fatality_weight: float = 2.0
    weights: dict[str, float] = field(default_factory=dict)
    surge_max: float = 25
    surge_ratio: float = 2.0
    surge_min_events: int = 3
    surge_full_ratio: float = 4.0
    surge_rule_points: float = 15
    slow_ratio: float = 2.0
    slow_min_events: int = 4
    slow_points: float = 15
    cross_max: float = 25
    cross_any: float = 10
    reciprocity_points: float = 15
    reciprocity_within_km: float = 0.0  # 0: answered anywhere along the line
    proximity_max: float = 10
    full_within_km: float = 10.0
    zero_beyond_km: float = 150.0
    crossing_points: float = 3
    corroboration_max: float = 10
    per_extra_outlet: float = 3
    silence_drop_share: float = 0.25
    silence_min_baseline: float = 2.0

    def level(self, score: float) -> str:
        """green, yellow, orange or red."""
        if score >= self.red:
            return "red"
        if score >= self.orange:
            return "orange"
        if score >= self.yellow:
            return "yellow"
        return "green"

    def weight(self, sub_event_type: str | None) -> float:
        """Severity weight of an incident."""
        return self.weights.get(sub_event_type or "", 1.0)


_KEYS: dict[str, dict[str, str]] = {
    "levels": {"yellow": "yellow", "orange": "orange", "red": "red"},
    "windows": {
        "recent_days": "recent_days",
        "baseline_weeks": "baseline_weeks",
        "year_days": "year_days",
        "reciprocity_days": "reciprocity_days",
    },
    "intensity": {
        "max_points": "intensity_max",
        "scale": "intensity_scale",
        "fatality_weight": "fatality_weight",
        "weights": "weights",
    },
    "surge": {
        "max_points": "surge_max",
        "ratio": "surge_ratio",
        "min_events": "surge_min_events",
        "full_ratio": "surge_full_ratio",
        "rule_points": "surge_rule_points",
        "slow_ratio": "slow_ratio",
        "slow_min_events": "slow_min_events",
        "slow_points": "slow_points",
    },
    "cross_border": {
        "max_points": "cross_max",
        "any_points": "cross_any",
        "reciprocity_points": "reciprocity_points",
        "reciprocity_within_km": "reciprocity_within_km",
    },
    "proximity": {
        "max_points": "proximity_max",
        "full_within_km": "full_within_km",
        "zero_beyond_km": "zero_beyond_km",
        "crossing_points": "crossing_points",
    },
    "corroboration": {"max_points": "corroboration_max", "per_extra_outlet": "per_extra_outlet"},
    "silence": {"drop_share": "silence_drop_share", "min_baseline_weekly": "silence_min_baseline"},
}
_INTS = {
    "recent_days",
    "baseline_weeks",
    "year_days",
    "reciprocity_days",
    "surge_min_events",
    "slow_min_events",
}


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
            elif name == "weights":
                if not isinstance(value, dict) or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                    for v in value.values()
                ):
                    problems.append("intensity.weights: a table of non-negative numbers")
                else:
                    values[name] = {str(k): float(v) for k, v in value.items()}
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(f"{section}.{key} = {value!r}: a non-negative number")
            else:
                values[name] = int(value) if name in _INTS else float(value)
    rules = Rules(**values)
    if not rules.yellow < rules.orange < rules.red <= 100:
        problems.append("levels: need yellow < orange < red <= 100")
    caps = (
        rules.intensity_max
        + rules.surge_max
        + rules.cross_max
        + rules.proximity_max
        + rules.corroboration_max
    )
    if caps > 100.0001:
        problems.append(f"the components' max_points add up to {caps:g}; at most 100")
    if rules.recent_days < 1 or rules.baseline_weeks < 1:
        problems.append("windows: recent_days and baseline_weeks must be at least 1")
    if problems:
        raise ConfigError(problems, source=str(source))
    return rules
