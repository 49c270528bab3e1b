"""The traffic lights (绿 / 黄 / 红) of one indicator, of the budget execution and of a declaration.

Both are compared with the expected progress ``e`` (:mod:`jixiao.monitoring.progress`) by the gap
``e − c`` in percentage points, ``c`` being the completion to date (in % of the year's target) or the
execution rate (执行数 ÷ 全年预算数 × 100):

==============================  ===========================================================================
gap                             light
==============================  ===========================================================================
``≤ yellow`` (default 10)       绿 (ahead of the expectation, on it, or at most ``yellow`` points behind)
``≤ red`` (default 25)          黄
more                            红
==============================  ===========================================================================

Completion to date of an indicator: the self-evaluation's reading of its actual with weight 100
(:func:`jixiao.evaluation.scoring.score_indicator`: units reconciled by :mod:`jixiao.evaluation.units`,
a tier's share for a qualitative one), i.e. ``a ÷ t × 100`` for ``≥``, ``=`` and ranges (against the
lower end), 100 for a ``≤`` target held and ``t ÷ a × 100`` for one exceeded. A *level* (a ``≤``/``<``
target, a unit in ``level_units``: ``%``, ``‰``, or a rate ``X/Y``) is compared with 100 at any date:
a satisfaction rate or a cost ceiling does not pile up over the year. Then the unit's 完成目标可能性 sets
the least light (``有可能`` → at least 黄, ``完全不可能`` → 红 whatever the numbers). An indicator
without an actual to date, or one that cannot be read against its target, gets the ``missing`` light
(黄), unless its likelihood says otherwise; an inapplicable one has no light.

A declaration's light is the worst of its budget light and its indicators' lights; with ``red_at = n``
red needs ``n`` red parts (fewer make it 黄).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from jixiao.evaluation.flags import Flag
from jixiao.evaluation.numbers import plain, points
from jixiao.evaluation.scoring import score_indicator
from jixiao.evaluation.units import normal_unit
from jixiao.model import Funds, Indicator
from jixiao.monitoring.config import LIGHTS, Light, MonitorSettings
from jixiao.monitoring.progress import Expected

__all__ = ["Lit", "budget_light", "declaration_light", "gap_light", "indicator_light", "worst"]

_HUNDRED = Decimal(100)
_MET = frozenset(("met", "above", "over"))
_UNIT_FLAGS = ("unit-", "actual-range")  # what the evaluation says about reading the actual, kept


class Lit(NamedTuple):
    """A light (``None``: not monitored), the figure it was read from, and why, in Chinese."""

    light: Light | None
    reason: str
    percent: Decimal | None = None  # the completion or the execution rate, exact
    flags: tuple[Flag, ...] = ()


def worst(*lights: Light | None) -> Light:
    """The worst of some lights (绿 when there is none)."""
    return max((x for x in lights if x is not None), key=LIGHTS.index, default="绿")


def gap_light(percent: Decimal, expected: Decimal, yellow: Decimal, red: Decimal) -> tuple[Light, str]:
    """The light of a figure ``expected − percent`` points behind, and the comparison in Chinese."""
    gap = expected - percent
    light: Light = "绿" if gap <= yellow else "黄" if gap <= red else "红"
    where = f"低 {points(gap)} 个百分点" if gap > 0 else "不低于应达"
    return light, f"{where}（低 >{plain(yellow)} 黄，>{plain(red)} 红）→ {light}"


def _is_level(ind: Indicator, settings: MonitorSettings) -> bool:
    target = ind.target
    unit = normal_unit(target.unit)
    return target.op in ("≤", "<") or unit in settings.level_units or "/" in unit


def indicator_light(ind: Indicator, expected: Expected, settings: MonitorSettings) -> Lit:
    """One indicator's light against the expected progress (see the module docstring)."""
    if not ind.applicable:
        return Lit(None, "不适用，不监控")
    floor = settings.likelihood.get(ind.likelihood) if ind.likelihood else None
    said = f"；完成可能性「{ind.likelihood}」→ 至少 {floor}" if floor and floor != "绿" else ""
    if ind.actual is None:
        if floor is not None:
            return Lit(floor, f"未填写实际完成值；完成可能性「{ind.likelihood}」→ {floor}")
        return Lit(settings.missing, f"未填写实际完成值 → {settings.missing}")
    scored = score_indicator(ind, _HUNDRED, None, settings.scoring)
    flags = tuple(f for f in scored.flags if f.code.startswith(_UNIT_FLAGS))
    if scored.score is None:
        light = worst(settings.missing, floor)
        return Lit(light, f"{scored.formula.text} → {settings.missing}{said}", None, flags)
    completion = scored.ratio if scored.ratio is not None else (
        _HUNDRED if scored.status in _MET else Decimal(0))
    formula = scored.formula
    if formula.kind == "ratio":
        num, den = formula.values[0], formula.values[1]
        how = f"完成 {plain(num)} ÷ {plain(den)} = {points(completion)}%"  # type: ignore[arg-type]
    elif formula.kind == "tier":
        how = f"完成 {formula.values[0].name}，取 {plain(completion)}%"  # type: ignore[attr-defined]
    else:
        how = f"完成 {points(completion)}%（达到指标值）"
    if _is_level(ind, settings):
        goal, against = _HUNDRED, "应达 100.00%（水平类指标，按全年指标值）"
    else:
        goal, against = expected.percent, f"应达 {points(expected.percent)}%"
    light, comparison = gap_light(completion, goal, settings.target_yellow, settings.target_red)
    reason = (f"实际「{ind.actual_raw or ''}」对指标值「{ind.target_raw}」："
              f"{how}，{against}，{comparison}{said}")
    return Lit(worst(light, floor), reason, completion, flags)


def budget_light(funds: Funds, expected: Expected, settings: MonitorSettings) -> Lit:
    """The budget execution's light: 执行数 ÷ 全年预算数 × 100 against the expected progress."""
    budget = funds.year_budget
    if budget is None or budget <= 0:
        return Lit(settings.missing, f"无全年预算数 → {settings.missing}")
    if funds.executed is None:
        return Lit(settings.missing, f"未填写执行数 → {settings.missing}")
    rate = funds.executed / budget * _HUNDRED
    light, comparison = gap_light(rate, expected.percent, settings.budget_yellow, settings.budget_red)
    reason = (f"执行率 {plain(funds.executed)} ÷ {plain(budget)} = {points(rate)}%，"
              f"应达 {points(expected.percent)}%，{comparison}")
    return Lit(light, reason, rate)


def declaration_light(budget: Lit, indicators: list[Lit], settings: MonitorSettings) -> Lit:
    """The worst of the parts' lights; red only from ``red_at`` red parts on."""
    lit = [x.light for x in indicators if x.light is not None]
    counts = {c: lit.count(c) for c in LIGHTS}
    reds = counts["红"] + (budget.light == "红")
    light: Light = worst(budget.light, *lit)
    rule = "取最差"
    if light == "红" and reds < settings.red_at:
        light, rule = "黄", f"红灯 {reds} 个，满 {settings.red_at} 个才为红"
    shown = "、".join(f"{c} {counts[c]}" for c in LIGHTS)
    return Lit(light, f"预算执行 {budget.light}，指标 {shown} → {light}（{rule}）")
