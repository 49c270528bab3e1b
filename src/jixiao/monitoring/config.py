"""The monitoring's settings: packaged defaults per profile (``profiles.toml``), the user's overrides.

:class:`MonitorSettings` is what the lights read, resolved for one profile. Every number is a default
([K] in the domain notes: no national threshold was found). A user's ``jixiao.toml`` changes them
under ``[monitoring]``::

    [monitoring]
    profile = "shanghai-2024"     # or leave it out: as for [evaluation], else by each layout
    progress = "plan"             # "time" (default), "plan" or "flat"
    plan = [5, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 100]
    target_yellow = 15
    budget_red = 30
    likelihood = { "有可能" = "绿" }

Units, tiers and periods are the self-evaluation's (``[evaluation]``, :mod:`jixiao.evaluation.config`):
an actual to date is read against its target exactly as a year's actual is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from jixiao.errors import UsageError
from jixiao.evaluation.config import (
    EvaluationConfig,
    Settings,
    config_number,
    load_evaluation_config,
    load_settings,
    profile_table,
    settings_profile,
)
from jixiao.model import LIKELIHOODS
from jixiao.review.profiles import profile_names, read_toml

__all__ = ["LIGHTS", "Light", "MonitorConfig", "MonitorSettings", "load_monitor_config",
           "load_monitor_settings", "monitor_profile"]

Light = Literal["绿", "黄", "红"]
#: The lights from best to worst.
LIGHTS: tuple[Light, ...] = ("绿", "黄", "红")
Progress = Literal["time", "plan", "flat"]

_KEYS = frozenset(("progress", "plan", "flat", "target_yellow", "target_red", "budget_yellow", "budget_red",
                   "level_units", "likelihood", "missing", "red_at"))


@dataclass(frozen=True)
class MonitorSettings:
    """Everything the lights of one profile read (``profiles.toml`` says what each one means)."""

    profile: str
    progress: Progress
    plan: tuple[Decimal, ...]  # cumulative % at the end of each month
    flat: Decimal
    target_yellow: Decimal
    target_red: Decimal
    budget_yellow: Decimal
    budget_red: Decimal
    level_units: frozenset[str]
    likelihood: MappingProxyType[str, Light]
    missing: Light
    red_at: int
    scoring: Settings  # the self-evaluation's settings: units, tiers, periods


@dataclass
class MonitorConfig:
    """What the user chose: a fixed profile or ``None`` (by layout), overrides, the evaluation's config."""

    profile: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)


@cache
def _packaged() -> dict[str, Any]:
    return tomllib.loads(files("jixiao.monitoring").joinpath("profiles.toml").read_text(encoding="utf-8"))


def monitor_profile(layout: str, config: MonitorConfig | None = None) -> str:
    """The profile a declaration is monitored under: ``[monitoring]``'s, else as for the evaluation."""
    if config is not None and config.profile:
        return config.profile
    return settings_profile(layout, config.evaluation if config else None)


def load_monitor_settings(name: str, config: MonitorConfig | None = None) -> MonitorSettings:
    """The named profile's settings with the user's overrides; UsageError names what is wrong."""
    merged = profile_table(_packaged(), name, config.overrides if config else None, table="monitoring",
                           keys=_KEYS, merge=_merge)
    return _settings(name, merged, load_settings(name, config.evaluation if config else None))


def load_monitor_config(path: str | Path) -> MonitorConfig:
    """The ``[monitoring]`` table of a TOML file (with its ``[evaluation]`` and ``[review]`` tables)."""
    table = dict(read_toml(path).get("monitoring", {}))
    profile = table.pop("profile", None)
    if profile is not None and profile not in profile_names():
        raise UsageError(f"{path}: unknown profile {profile!r}; "
                         f"expected one of: {', '.join(profile_names())}")
    config = MonitorConfig(profile=profile, overrides=table, evaluation=load_evaluation_config(path))
    try:
        load_monitor_settings(profile or profile_names()[0], config)  # refuse a bad file now
    except UsageError as err:
        raise UsageError(f"{path}: {err}") from None
    return config


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    out = {**base, **own}
    if isinstance(own.get("likelihood"), dict):
        out["likelihood"] = {**base.get("likelihood", {}), **own["likelihood"]}
    return out


def _light(value: Any, what: str) -> Light:
    if value not in LIGHTS:
        raise UsageError(f"{what} must be one of {' / '.join(LIGHTS)}, not {value!r}")
    return value  # type: ignore[no-any-return]


def _settings(name: str, data: dict[str, Any], scoring: Settings) -> MonitorSettings:
    if data["progress"] not in ("time", "plan", "flat"):
        raise UsageError(f"progress must be \"time\", \"plan\" or \"flat\", not {data['progress']!r}")
    plan = data["plan"]
    if not isinstance(plan, list) or len(plan) != 12:
        raise UsageError("plan must be 12 numbers: the cumulative % at the end of each month")
    months = tuple(config_number(p, f"plan[{i + 1}]") for i, p in enumerate(plan))
    if list(months) != sorted(months) or months[-1] > 100:
        raise UsageError("plan must rise month by month and stay within 100")
    gaps = {k: config_number(data[k], k)
            for k in ("target_yellow", "target_red", "budget_yellow", "budget_red")}
    for which in ("target", "budget"):
        if gaps[f"{which}_yellow"] > gaps[f"{which}_red"]:
            raise UsageError(f"{which}_yellow must not exceed {which}_red")
    likelihood = data["likelihood"]
    if not isinstance(likelihood, dict) or set(likelihood) - set(LIKELIHOODS):
        raise UsageError(f"likelihood must map some of {' / '.join(LIKELIHOODS)} to a light")
    red_at = data["red_at"]
    if isinstance(red_at, bool) or not isinstance(red_at, int) or red_at < 1:
        raise UsageError(f"red_at must be a whole number ≥ 1, not {red_at!r}")
    return MonitorSettings(
        profile=name, progress=data["progress"], plan=months,
        flat=config_number(data["flat"], "flat"), **gaps,
        level_units=frozenset(str(u) for u in data["level_units"]),
        likelihood=MappingProxyType({k: _light(v, f"likelihood.{k}") for k, v in likelihood.items()}),
        missing=_light(data["missing"], "missing"), red_at=red_at, scoring=scoring,
    )
