"""Monitorings for people (text) and for programs (JSON): ``jixiao monitor``.

The JSON of one project (:func:`monitoring_json`); percentages and money are strings of digits rounded
half up to two places::

    {"name", "year", "unit", "profile", "as_of", "expected", "expected_text",
     "light", "reason", "at_stake", "at_stake_text",
     "budget": {"light", "rate", "reason"},
     "indicators": [{"index", "name", "target_raw", "actual_raw", "likelihood", "deviation_cause",
                     "light", "completion", "reason", "flags"}]}

and the list at risk (:func:`at_risk_json`): ``[{"rank", "name", "unit", "light", "at_stake"}]``.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from jixiao.evaluation.numbers import points
from jixiao.monitoring.monitor import Monitoring, rank
from jixiao.text import yuan

__all__ = ["at_risk_json", "monitoring_json", "text_report", "totals"]


def _num(d: Decimal | None) -> str | None:
    return points(d) if d is not None else None


def monitoring_json(m: Monitoring) -> dict[str, Any]:
    """One project's monitoring as a JSON-ready dict (the module docstring has its keys)."""
    d = m.declaration
    return {
        "name": d.name, "year": d.year, "unit": d.unit, "profile": m.profile, "as_of": m.as_of.isoformat(),
        "expected": points(m.expected.percent), "expected_text": m.expected.text,
        "light": m.light.light, "reason": m.light.reason,
        "at_stake": points(m.at_stake), "at_stake_text": m.at_stake_text,
        "budget": {"light": m.budget.light, "rate": _num(m.budget.percent), "reason": m.budget.reason},
        "indicators": [{"index": i, "name": ind.name, "target_raw": ind.target_raw,
                        "actual_raw": ind.actual_raw,
                        "likelihood": ind.likelihood, "deviation_cause": ind.deviation_cause,
                        "light": lit.light, "completion": _num(lit.percent), "reason": lit.reason,
                        "flags": [f.as_json() for f in lit.flags]}
                       for i, (ind, lit) in enumerate(zip(d.indicators, m.indicators, strict=True), 1)],
    }


def at_risk_json(monitorings: list[Monitoring]) -> dict[str, Any]:
    return {"at_risk": [{"rank": n, "name": m.declaration.name, "unit": m.declaration.unit,
                         "light": m.light.light, "at_stake": points(m.at_stake)}
                        for n, m in enumerate(rank(monitorings), 1)]}


def text_report(file: str, monitorings: list[Monitoring]) -> str:
    """One file's monitorings: per project its light, the budget's and each indicator's, with reasons."""
    lines = [file]
    for n, m in enumerate(monitorings, 1):
        d = m.declaration
        lines.append(f"【{n}】{d.name or '(无名称)'}  {m.light.light}  截至 {m.as_of.isoformat()}"
                     f"  配置 {m.profile}")
        lines.append(f"  {m.expected.text}")
        lines.append(f"  {m.light.light} 项目：{m.light.reason}；涉及资金 {m.at_stake_text}")
        lines.append(f"  {m.budget.light} 预算执行：{m.budget.reason}")
        for i, (ind, lit) in enumerate(zip(d.indicators, m.indicators, strict=True), 1):
            cause = f"；偏差原因 {ind.deviation_cause}" if ind.deviation_cause else ""
            lines.append(f"  {lit.light or '—'} 指标 {i}「{ind.name}」：{lit.reason}{cause}")
            lines.extend(f"      {f.message}" for f in lit.flags)
    return "\n".join(lines)


def totals(monitorings: list[Monitoring]) -> str:
    """The count of each light, then the list at risk by money at stake."""
    lights = Counter(m.light.light for m in monitorings)
    lines = [f"合计：{len(monitorings)} 个项目，绿 {lights['绿']} 黄 {lights['黄']} 红 {lights['红']}"]
    risky = rank(monitorings)
    if risky:
        lines.append("风险项目（按涉及资金从大到小）：")
        lines.extend(f"  {n}. {m.light.light} {yuan(m.at_stake)} 元  {m.declaration.name or '(无名称)'}"
                     f"（{m.declaration.unit or '—'}）" for n, m in enumerate(risky, 1))
    return "\n".join(lines)
