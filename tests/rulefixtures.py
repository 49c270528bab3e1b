"""Loading the per-rule fixtures (tests/fixtures/rules/JXnnn.toml) as declarations."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from jixiao.model import Declaration, Indicator
from jixiao.targets import parse_target

RULE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
_CASE_KEYS = {"note", "expect", "profile", "indicators", "add_indicators", "funds", "texts"}


def indicator(spec: str) -> Indicator:
    """``"产出指标/数量指标/培训人数/≥10.00(人)"`` → an Indicator (empty parts are None)."""
    level1, level2, name, raw = spec.split("/", 3)
    return Indicator(level1=level1 or None, level2=level2 or None, name=name, target_raw=raw,
                     target=parse_target(raw))


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((RULE_FIXTURES / name).read_text(encoding="utf-8"))


def base_data() -> dict[str, Any]:
    return _load("base.toml")


def declaration(case: dict[str, Any] | None = None) -> Declaration:
    """The base declaration with ``case`` applied (see base.toml for the patch rules)."""
    data = base_data()
    case = case or {}
    for key, value in case.items():
        if key in ("note", "expect", "profile", "add_indicators"):
            continue
        if key in ("funds", "texts"):
            data[key] = {**data.get(key, {}), **value}
        else:
            data[key] = value
    specs = data.pop("indicators") + list(case.get("add_indicators", []))
    data["indicators"] = [indicator(s) for s in specs]
    return Declaration.model_validate(data)


def fixture(code: str) -> dict[str, list[dict[str, Any]]]:
    return _load(f"{code}.toml")


def fixture_codes() -> list[str]:
    return sorted(p.stem for p in RULE_FIXTURES.glob("JX*.toml"))
