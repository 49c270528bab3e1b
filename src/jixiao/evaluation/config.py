"""The scoring's settings: packaged defaults per profile (``profiles.toml``), the user's overrides.

:class:`Settings` is what the scoring reads, resolved for one profile; every number in it is a
default a unit or a finance bureau may change (most are [K] in the domain notes: not confirmed
against the official text). A user's ``jixiao.toml`` changes them under ``[evaluation]``::

    [evaluation]
    profile = "shanghai-2024"          # or leave it out: chosen from each declaration's layout
    weights = { budget = 20, output = 40, benefit = 30, satisfaction = 10 }
    budget_full_at = 95                # full marks for budget execution from 95 %
    equal_above = "reverse"
    check_tolerance = 0.05
    [evaluation.tiers."部分达成"]
    default = 75
    [evaluation.periods]
    "旬" = 10

The over-achievement threshold (超额完成, 120 %) is the review's ``[review.thresholds]
over_achievement``: one place for one number. Without ``[evaluation] profile``, a ``[review] profile``
applies, else each declaration's layout chooses (as for the review). A declaration's own
``weights`` override the profile's level weights for that declaration only
(:func:`jixiao.evaluation.weights.part_weights`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from jixiao.errors import UsageError
from jixiao.review.profiles import (
    ReviewConfig,
    load_config,
    load_profile,
    profile_for,
    profile_names,
    read_toml,
)

__all__ = ["GROUPS", "PARTS", "PART_LABELS", "EvaluationConfig", "Settings", "Tier", "load_evaluation_config",
           "load_settings", "settings_profile"]

#: The indicator parts, in table order; ``budget`` (预算执行率) is the fourth weight part.
GROUPS = ("output", "benefit", "satisfaction")
PARTS = ("budget", *GROUPS)
PART_LABELS = {"budget": "预算执行率", "output": "产出指标", "benefit": "效益指标",
               "satisfaction": "满意度指标"}
EqualAbove = Literal["full", "reverse"]

_HUNDRED = Decimal(100)
_KEYS = frozenset(("weights", "budget_full_at", "equal_above", "grades", "check_tolerance", "groups",
                   "level2_groups", "tiers", "periods"))
_MERGED = ("weights", "groups", "level2_groups", "periods")  # tables merged key by key


@dataclass(frozen=True)
class Tier:
    """A qualitative tier: its name, its band of shares (in % of the weight) and its default share."""

    name: str
    low: Decimal
    high: Decimal
    default: Decimal
    words: frozenset[str]

    def holds(self, share: Decimal) -> bool:
        """``low ≤ share < high``; 100 belongs to the band that ends at 100."""
        return self.low <= share < self.high or share == self.high == _HUNDRED

    @cached_property
    def band(self) -> str:
        closing = "]" if self.high == _HUNDRED else ")"
        return f"[{self.low}%, {self.high}%{closing}"


@dataclass(frozen=True)
class Settings:
    """Everything the scoring of one profile reads (see ``profiles.toml`` for each one's meaning)."""

    profile: str
    weights: MappingProxyType[str, Decimal]
    budget_full_at: Decimal
    equal_above: EqualAbove
    grades: tuple[tuple[str, Decimal], ...]
    check_tolerance: Decimal
    groups: MappingProxyType[str, str]
    level2_groups: MappingProxyType[str, str]
    tiers: tuple[Tier, ...]
    periods: MappingProxyType[str, Decimal]
    over_achievement: Decimal
    _words: dict[str, Tier] = field(init=False, repr=False, compare=False)
    period_table: tuple[tuple[str, Decimal], ...] = field(init=False, repr=False, compare=False)
    # (level 1, level 2) as written → part; filled by jixiao.evaluation.weights.group_of
    group_cache: dict[tuple[str | None, str | None], str | None] = field(
        init=False, repr=False, compare=False, default_factory=dict)
    # (actual as written, target's text) → (tier, share written); filled by jixiao.evaluation.scoring
    tier_cache: dict[tuple[str, str], tuple[Tier | None, Decimal | None]] = field(
        init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_words", {w: t for t in reversed(self.tiers) for w in t.words})
        object.__setattr__(self, "period_table", tuple(self.periods.items()))

    def grade(self, score: Decimal) -> str:
        """The grade of a (rounded) total: the first band whose minimum it reaches."""
        return next((name for name, minimum in self.grades if score >= minimum), self.grades[-1][0])

    def tier(self, word: str) -> Tier | None:
        """The tier a word (spaces removed) names, or ``None``."""
        return self._words.get(word)


@dataclass
class EvaluationConfig:
    """What the user chose: a fixed profile or ``None`` (by layout), overrides, the review's config."""

    profile: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    review: ReviewConfig | None = None  # its thresholds give over_achievement


@cache
def _packaged() -> dict[str, Any]:
    return tomllib.loads(files("jixiao.evaluation").joinpath("profiles.toml").read_text(encoding="utf-8"))


def settings_profile(layout: str, config: EvaluationConfig | None = None) -> str:
    """The profile a declaration is scored under: the user's, else the one of its layout."""
    if config is not None and config.profile:
        return config.profile
    return profile_for(layout, config.review if config else None)


def profile_table(packaged: dict[str, Any], name: str, overrides: dict[str, Any] | None, *, table: str,
                  keys: set[str], merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
                  ) -> dict[str, Any]:
    """A packaged ``profiles.toml``'s ``[defaults]``, then profile ``name``'s table, then the user's
    ``[table]`` overrides, merged by ``merge``; UsageError for an unknown profile or setting.
    Shared by the evaluation and the monitoring (:mod:`jixiao.monitoring.config`)."""
    if name not in packaged["profiles"]:
        raise UsageError(f"unknown profile {name!r}; expected one of: {', '.join(profile_names())}")
    merged = merge(packaged["defaults"], packaged["profiles"][name])
    if overrides:
        unknown = set(overrides) - keys
        if unknown:
            raise UsageError(f"unknown [{table}] setting(s) {', '.join(sorted(unknown))}; "
                             f"expected some of: {', '.join(sorted(keys))}")
        merged = merge(merged, overrides)
    return merged


def load_settings(name: str, config: EvaluationConfig | None = None) -> Settings:
    """The named profile's settings with the user's overrides applied; UsageError names what is wrong."""
    merged = profile_table(_packaged(), name, config.overrides if config else None, table="evaluation",
                           keys=_KEYS, merge=_merge)
    review = load_profile(name, config.review if config else None)
    return _settings(name, merged, review.thresholds["over_achievement"])


def load_evaluation_config(path: str | Path) -> EvaluationConfig:
    """The ``[evaluation]`` table of a TOML file (and its ``[review]`` table, for the thresholds)."""
    data = read_toml(path)
    table = dict(data.get("evaluation", {}))
    profile = table.pop("profile", None)
    if profile is not None and profile not in profile_names():
        raise UsageError(f"{path}: unknown profile {profile!r}; "
                         f"expected one of: {', '.join(profile_names())}")
    config = EvaluationConfig(profile=profile, overrides=table,
                              review=load_config(path) if "review" in data else None)
    try:
        load_settings(profile or profile_names()[0], config)  # refuse a bad file now, with its name
    except UsageError as err:
        raise UsageError(f"{path}: {err}") from None
    return config


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in own.items():
        if key in _MERGED and isinstance(value, dict):
            out[key] = {**out.get(key, {}), **value}
        elif key == "tiers" and isinstance(value, dict):
            tiers = {name: dict(t) for name, t in out.get("tiers", {}).items()}
            for name, t in value.items():
                if not isinstance(t, dict):
                    raise UsageError(f"tiers.{name} must be a table (band, default, words)")
                tiers[name] = {**tiers.get(name, {}), **t}
            out["tiers"] = tiers
        else:
            out[key] = value
    return out


def config_number(value: Any, what: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    """A TOML number (or ``"a/b"``) as an exact Decimal: floats through their shortest text."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, str) and "/" in value:
            top, bottom = value.split("/", 1)
            number = Decimal(top.strip()) / Decimal(bottom.strip())
        else:
            number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError
    except (InvalidOperation, TypeError, ValueError, ZeroDivisionError):
        raise UsageError(f"{what} must be a number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise UsageError(f"{what} must be at least {minimum}, not {value!r}")
    return number


def _settings(name: str, data: dict[str, Any], over_achievement: Any) -> Settings:
    weights = data["weights"]
    if set(weights) - set(PARTS):
        raise UsageError(f"weights: unknown part(s) {', '.join(sorted(set(weights) - set(PARTS)))}; "
                         f"expected: {', '.join(PARTS)}")
    for key in ("groups", "level2_groups"):
        bad = {k: v for k, v in data[key].items() if v not in GROUPS}
        if bad:
            raise UsageError(f"{key}: {bad!r}: each class goes to one of {', '.join(GROUPS)}")
    if data["equal_above"] not in ("full", "reverse"):
        raise UsageError(f"equal_above must be \"full\" or \"reverse\", not {data['equal_above']!r}")
    grades = tuple((str(g), config_number(m, f"grades: {g}")) for g, m in data["grades"])
    if not grades or list(grades) != sorted(grades, key=lambda g: g[1], reverse=True):
        raise UsageError("grades must be [name, minimum] pairs from the highest minimum down")
    tiers = tuple(_tier(tier_name, t) for tier_name, t in data["tiers"].items())
    return Settings(
        profile=name,
        weights=MappingProxyType({p: config_number(weights.get(p, 0), f"weights.{p}") for p in PARTS}),
        budget_full_at=config_number(data["budget_full_at"], "budget_full_at", minimum=Decimal("0.01")),
        equal_above=data["equal_above"], grades=grades,
        check_tolerance=config_number(data["check_tolerance"], "check_tolerance"),
        groups=MappingProxyType(dict(data["groups"])),
        level2_groups=MappingProxyType(dict(data["level2_groups"])),
        tiers=tiers,
        periods=MappingProxyType({k: config_number(v, f"periods.{k}", minimum=Decimal("1e-9"))
                                  for k, v in data["periods"].items()}),
        over_achievement=config_number(over_achievement, "over_achievement", minimum=Decimal(100)),
    )


def _tier(name: str, t: dict[str, Any]) -> Tier:
    try:
        low, high = (config_number(x, f"tiers.{name}.band") for x in t["band"])
        default = config_number(t["default"], f"tiers.{name}.default")
        words = frozenset("".join(str(w).split()) for w in t.get("words", ()))
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"tiers.{name} needs band = [low, high] and default (shares in %)") from None
    tier = Tier(name, low, high, default, words | {name})
    if not (0 <= low < high <= _HUNDRED) or not tier.holds(default):
        raise UsageError(f"tiers.{name}: band {tier.band} must lie within [0, 100] and hold its default "
                         f"{default}")
    return tier
