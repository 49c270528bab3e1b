"""Review profiles and the user's configuration, from TOML.

A profile (``national-2021``, ``shanghai-2024``, ``shanghai-2020``) is the packaged defaults of
``profiles.toml`` merged with the profile's own table; a user's ``jixiao.toml`` may then change
thresholds, severities, the rules selected and ignored, and suppress single findings with a reason::

    [review]
    profile = "shanghai-2024"        # or leave it out: chosen from each declaration's layout
    select = ["ALL"]
    ignore = ["JX701", "format"]
    [review.thresholds]
    satisfaction_floor = 85
    [[review.suppress]]
    code = "JX202"
    project = "红十字救护工作专项经费"   # optional: all projects when absent
    indicator = "提升群众防灾避险、自救互救能力"  # optional: name or 1-based index
    reason = "经主管部门同意，本年度以定性描述为准"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jixiao.errors import UsageError

LAYOUT_PROFILES = {"shanghai-2024": "shanghai-2024", "shanghai-2020": "shanghai-2020"}
DEFAULT_PROFILE = "national-2021"


@dataclass(frozen=True)
class Grade:
    name: str
    minimum: float
    outcome: str


@dataclass
class Profile:
    name: str
    description: str
    tree: str
    thresholds: dict[str, Any]
    severity: dict[str, str]
    penalty: dict[str, int]
    max_per_rule: int
    grades: list[Grade]


@dataclass
class Suppression:
    code: str
    reason: str
    project: str | None = None
    indicator: str | int | None = None


@dataclass
class ReviewConfig:
    """What the user chose: a fixed profile or None (by layout), selection, overrides, suppressions."""

    profile: str | None = None
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    thresholds: dict[str, Any] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    suppress: list[Suppression] = field(default_factory=list)


@cache
def _packaged() -> dict[str, Any]:
    return tomllib.loads(files("jixiao.review").joinpath("profiles.toml").read_text(encoding="utf-8"))


def profile_names() -> list[str]:
    return list(_packaged()["profiles"])


def load_profile(name: str, config: ReviewConfig | None = None) -> Profile:
    """The named profile with the user's overrides applied."""
    data = _packaged()
    if name not in data["profiles"]:
        raise UsageError(f"unknown profile {name!r}; expected one of: {', '.join(profile_names())}")
    base, own = data["defaults"], data["profiles"][name]
    thresholds = {**base["thresholds"], **own.get("thresholds", {})}
    severity = {**base.get("severity", {}), **own.get("severity", {})}
    if config is not None:
        unknown = set(config.thresholds) - set(thresholds)
        if unknown:
            raise UsageError(f"unknown threshold(s) {', '.join(sorted(unknown))}; "
                             f"expected some of: {', '.join(sorted(thresholds))}")
        thresholds.update(config.thresholds)
        severity.update(config.severity)
    return Profile(
        name=name, description=own.get("description", ""), tree=own.get("tree", base["tree"]),
        thresholds=thresholds, severity=severity, penalty=dict(base["penalty"]),
        max_per_rule=int(base["max_per_rule"]), grades=[Grade(*g) for g in base["grades"]],
    )


def profile_for(layout: str, config: ReviewConfig | None) -> str:
    """The profile a declaration is reviewed under: the user's, else the one of its layout."""
    if config is not None and config.profile:
        return config.profile
    return LAYOUT_PROFILES.get(layout, DEFAULT_PROFILE)


def read_toml(path: str | Path) -> dict[str, Any]:
    """A configuration file (``jixiao.toml``) as data; a missing or broken one is a UsageError naming it."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{path}: not valid TOML ({err})") from None


def load_config(path: str | Path) -> ReviewConfig:
    """Read the ``[review]`` table of a TOML file; a clear UsageError names what is wrong."""
    review = read_toml(path).get("review", {})
    try:
        suppress = [Suppression(code=s["code"], reason=s["reason"], project=s.get("project"),
                                indicator=s.get("indicator")) for s in review.get("suppress", [])]
    except KeyError as err:
        raise UsageError(f"{path}: every [[review.suppress]] needs {err.args[0]!r} "
                         "(code and reason are required)") from None
    config = ReviewConfig(
        profile=review.get("profile"), select=list(review.get("select", ["ALL"])),
        ignore=list(review.get("ignore", [])), thresholds=dict(review.get("thresholds", {})),
        severity=dict(review.get("severity", {})), suppress=suppress,
    )
    if config.profile is not None and config.profile not in profile_names():
        raise UsageError(f"{path}: unknown profile {config.profile!r}; expected one of: "
                         f"{', '.join(profile_names())}")
    return config
