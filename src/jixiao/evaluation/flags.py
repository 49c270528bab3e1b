"""Flags: what the scoring noticed about an indicator or a project, each under a permanent code.

A flag is a code and the values of its message; the message is rendered when it is read
(:attr:`Flag.message`), not when the flag is raised. Severities:

* ``error``: the self-evaluation cannot be submitted as it is. Scoring errors (no actual, units that
  cannot be reconciled …) also withhold the total score (``score`` is ``None``): a figure is flagged,
  never scored wrongly; ``explanation-missing`` and ``weights-exceed`` leave the score standing;
* ``warning``: a fact a reader must see (a missed target, weights that do not add up);
* ``info``: how a number was read (a unit converted or assumed, an indicator dropped).

A code is never reused for another meaning; ``FLAGS`` is the catalogue (and docs/evaluation.md's table).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, NamedTuple

from jixiao.evaluation.numbers import plain, points

Severity = Literal["error", "warning", "info"]


class FlagKind(NamedTuple):
    severity: Severity
    template: str
    blocks_score: bool = False  # the indicator (or the budget part) is left unscored


FLAGS: dict[str, FlagKind] = {
    # -- an indicator ----------------------------------------------------------------------------------
    "no-actual": FlagKind("error", "未填写实际完成值，无法计分", True),
    "not-number": FlagKind("error", "指标值是数值，实际完成值「{actual}」不是数值，无法计分", True),
    "unit-mismatch": FlagKind(
        "error", "指标值的单位「{target}」与实际完成值的单位「{actual}」无法换算，未计分", True),
    "unit-ambiguous": FlagKind(
        "error", "实际完成值「{actual}」未写单位，指标值单位是「{target}」，无法确定如何换算，未计分", True),
    "target-not-positive": FlagKind(
        "error", "指标值为 {target}，未达到时无法按完成比例计分", True),
    "tier-unknown": FlagKind(
        "error", "定性指标的实际完成值「{actual}」既不是达成、部分达成、未达成，"
        "也不同于指标值，无法计分", True),
    "share-outside-band": FlagKind(
        "error", "「{tier}」的得分比例应在 {band} 之内，填写的是 {share}%，未计分", True),
    "explanation-missing": FlagKind("error", "缺少{missing}，提交自评前须填写"),
    "missed": FlagKind("warning", "未达到指标值（完成 {ratio}%），须说明偏差原因并提出改进措施"),
    "tier-missed": FlagKind("warning", "定性指标{tier}，须说明偏差原因并提出改进措施"),
    "over-achieved": FlagKind(
        "warning", "完成值为指标值的 {ratio}%（≥ {threshold}%），须说明偏差原因并提出改进措施；"
        "如因指标值设定明显偏低，应按偏离程度扣分（由评价人判断，本计算未扣）"),
    "above-target": FlagKind("info", "指标值为「=」，完成值高于指标值（{ratio}%），按满分计"),
    "no-group": FlagKind(
        "warning", "一级指标「{level1}」不属于产出、效益、满意度中的任何一项，没有分值，不计分"),
    "zero-weight": FlagKind("info", "分值为 0，不计分"),
    "not-applicable": FlagKind("info", "不适用，已剔除；总分按其余分值折算为百分制"),
    "unit-assumed": FlagKind("info", "{which}未写单位，按「{unit}」计"),
    "unit-converted": FlagKind("info", "实际完成值 {actual}{actual_unit} 换算为 {converted}{unit}"),
    "actual-range": FlagKind("info", "实际完成值是一个区间，按下限 {low}{unit} 计"),
    # -- a project -------------------------------------------------------------------------------------
    "no-executed": FlagKind("error", "未填写全年执行数（funds.executed），预算执行率无法计分", True),
    "no-budget": FlagKind("error", "没有全年预算数（funds.budget / funds.total），预算执行率无法计分", True),
    "weights-exceed": FlagKind(
        "error", "「{group}」中填写的指标分值合计 {given}，超过该项分值 {weight}；未填分值的指标按 0 计"),
    "weights-differ": FlagKind(
        "warning", "「{group}」中指标分值合计 {given}，与该项分值 {weight} 不同；总分按百分制折算"),
    "group-empty": FlagKind(
        "warning", "「{group}」分值 {weight}，但没有这类指标；总分按其余分值折算为百分制"),
    "rescaled": FlagKind("info", "参与计分的分值合计 {weight}，总分折算为百分制"),
    "unscored": FlagKind("error", "{count} 项无法计分，暂不给出总分和等级", True),
    "no-weight": FlagKind("error", "没有分值大于 0 的适用项，无法计算总分和等级", True),
}


class Flag(NamedTuple):
    """One flag: a code of :data:`FLAGS` and the values of its message."""

    code: str
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def kind(self) -> FlagKind:
        return FLAGS[self.code]

    @property
    def severity(self) -> Severity:
        return FLAGS[self.code].severity

    @property
    def message(self) -> str:
        """The message, numbers printed: a ``ratio`` with two places (``95.00``), others as written."""
        values = {k: (points(v) if k == "ratio" else plain(v)) if isinstance(v, Decimal) else v
                  for k, v in self.values}
        return FLAGS[self.code].template.format(**values)

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


def flag(code: str, **values: Any) -> Flag:
    """A flag of ``code`` (which must be in :data:`FLAGS`: a test checks every call) with its message's
    values (numbers may be ``Decimal``: they are printed when the message is read)."""
    return Flag(code, tuple(values.items()))
