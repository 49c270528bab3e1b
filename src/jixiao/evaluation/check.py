"""Checking a unit's own arithmetic: its filled-in self-evaluation table against the rules.

A unit fills in the 项目支出绩效自评表 by hand: an execution rate and its score, a weight and a
score per indicator, a total and a grade. :func:`check` recomputes every figure from the declaration
(with its actuals) and lists where the unit's figure differs from the rule, and by how much::

    table = UnitTable.model_validate({"budget_score": "9.6", "total": "96.5", "grade": "优",
                                      "indicators": [{"index": 1, "score": "7.14"}, …]})
    for d in check(declaration, table):
        print(d.where, d.item, d.unit_value, d.recomputed, d.difference)

Rows are matched by ``index`` (1-based, the declaration's order) when given, else by ``name`` (the
first not yet matched). A figure within ``check_tolerance`` (0.01 by default, :mod:`…config`) of the
recomputed one, rounded half up to two places, is not reported: a unit rounding each weight to two
places may be a cent off. A figure the rules cannot recompute (no actual …) is reported with
``recomputed`` ``None`` and the reason in ``note``; so is a row that matches no indicator.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Literal, NamedTuple

from jixiao.evaluation.config import Settings, load_settings, settings_profile
from jixiao.evaluation.evaluate import Evaluation, IndicatorScore, evaluate
from jixiao.evaluation.numbers import round2
from jixiao.model import Declaration, UnitRow, UnitTable

__all__ = ["Difference", "UnitRow", "UnitTable", "check"]

Item = Literal["budget_rate", "budget_score", "weight", "score", "total", "grade", "row"]


class Difference(NamedTuple):
    """A figure of the unit that is not what the rule gives: ``difference`` = unit − recomputed."""

    where: str  # 预算执行率, 指标 3「…」, 总分
    item: Item
    unit_value: Decimal | str | None
    recomputed: Decimal | str | None
    difference: Decimal | None
    note: str = ""  # the recomputed formula, or why it cannot be recomputed


def check(declaration: Declaration, table: UnitTable, settings: Settings | None = None,
          evaluation: Evaluation | None = None) -> list[Difference]:
    """Where the unit's figures in ``table`` differ from the recomputed self-evaluation of ``declaration``."""
    if settings is None:
        settings = load_settings(settings_profile(declaration.layout))
    ev = evaluation or evaluate(declaration, settings)
    tolerance = settings.check_tolerance
    out: list[Difference] = []

    def compare(where: str, item: Item, given: Decimal | None, exact: Decimal | None, note: str) -> None:
        if given is None:
            return
        if exact is None:
            out.append(Difference(where, item, given, None, None, note))
            return
        ours = round2(exact)
        if abs(given - ours) > tolerance:
            out.append(Difference(where, item, given, ours, given - ours, note))

    budget = ev.budget
    budget_note = budget.formula.text
    compare("预算执行率", "budget_rate", table.budget_rate, budget.ratio, budget_note)
    compare("预算执行率", "budget_score", table.budget_score, budget.score, budget_note)
    for n, given, row in _match(ev, table.indicators):
        if row is None:
            label = f"第 {n} 行" + (f"「{given.name}」" if given.name else "") + (
                f"（指标 {given.index}）" if given.index is not None else "")
            out.append(Difference(label, "row", given.name or given.index, None, None,
                                  "申报表中没有这条指标"))
            continue
        where = f"指标 {row.index}「{row.indicator.name}」"
        compare(where, "weight", given.weight, row.weight, f"分值 {row.weight_text}")
        compare(where, "score", given.score, row.score, row.formula)
    compare("总分", "total", table.total, ev.score, ev.formula)
    if table.grade is not None and table.grade != ev.grade:
        out.append(Difference("等级", "grade", table.grade, ev.grade, None,
                              f"总分 {round2(ev.score)}" if ev.score is not None else ev.formula))
    return out


def _match(ev: Evaluation, rows: list[UnitRow]) -> Iterator[tuple[int, UnitRow, IndicatorScore | None]]:
    """Each row of the unit's table (1-based) with the indicator it is about, or None."""
    by_index = {row.index: row for row in ev.indicators}
    used: set[int] = set()
    for n, given in enumerate(rows, 1):
        found: IndicatorScore | None = None
        if given.index is not None:
            found = by_index.get(given.index)
        elif given.name is not None:
            found = next((r for r in ev.indicators if r.indicator.name == given.name and r.index not in used),
                         None)
        if found is not None:
            used.add(found.index)
        yield n, given, found
