"""Self-evaluations for people (a text table) and for programs (JSON): ``jixiao evaluate``.

The JSON of one project (:func:`evaluation_json`); numbers are strings of digits rounded half up to
two places (weights too: an evenly split ``50 ÷ 7`` is ``"7.14"``), ``null`` when not scored::

    {"name", "year", "unit", "profile", "score", "grade", "formula", "can_submit",
     "budget_weight", "budget_rate", "budget_score", "budget_formula", "budget_flags",
     "parts": [{"part", "label", "weight", "applicable_weight", "score"}], "applicable_weight",
     "flags": [{"code", "severity", "message"}],
     "indicators": [{"index", "level1", "level2", "name", "part", "target_raw", "actual_raw",
                     "applicable", "weight", "score", "status", "formula", "explanation_required",
                     "flags"}]}
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from jixiao.evaluation.config import PART_LABELS
from jixiao.evaluation.evaluate import Evaluation, IndicatorScore
from jixiao.evaluation.flags import Flag
from jixiao.evaluation.numbers import points
from jixiao.text import pad, truncate

__all__ = ["evaluation_json", "text_report", "totals"]

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_SHORT = {"output": "产出", "benefit": "效益", "satisfaction": "满意度", None: "-"}


def _num(d: Decimal | None) -> str | None:
    return points(d) if d is not None else None


def _flags(flags: tuple[Flag, ...]) -> list[dict[str, str]]:
    return [f.as_json() for f in flags]


def indicator_json(row: IndicatorScore) -> dict[str, Any]:
    ind = row.indicator
    return {"index": row.index, "level1": ind.level1, "level2": ind.level2, "name": ind.name,
            "part": row.group, "target_raw": ind.target_raw, "actual_raw": ind.actual_raw,
            "applicable": ind.applicable, "weight": points(row.weight), "score": _num(row.score),
            "status": row.status, "formula": row.formula, "explanation_required": row.explanation_required,
            "flags": _flags(row.flags)}


def evaluation_json(ev: Evaluation) -> dict[str, Any]:
    """One project's self-evaluation as a JSON-ready dict (the module docstring has its keys)."""
    d = ev.declaration
    budget = ev.budget
    return {
        "name": d.name, "year": d.year, "unit": d.unit, "profile": ev.profile,
        "score": _num(ev.score), "grade": ev.grade, "formula": ev.formula, "can_submit": ev.can_submit,
        "budget_weight": points(ev.budget_weight),
        "budget_rate": _num(budget.ratio), "budget_score": _num(budget.score),
        "budget_formula": budget.formula.text, "budget_flags": _flags(budget.flags),
        "parts": [{"part": p.part, "label": p.label, "weight": points(p.weight),
                   "applicable_weight": points(p.applicable_weight), "score": _num(p.score)}
                  for p in ev.parts],
        "applicable_weight": points(ev.applicable_weight),
        "flags": _flags(ev.flags),
        "indicators": [indicator_json(row) for row in ev.indicators],
    }


def _row(*cells: tuple[str, int, bool]) -> str:
    """Cells padded to their widths in terminal columns (0: as long as it is, the last cell)."""
    return "  ".join(pad(truncate(text, width), width, right=right) if width else text
                     for text, width, right in cells).rstrip()


def text_report(file: str, evaluations: list[Evaluation]) -> str:
    """One file's self-evaluations: per project the table, the total and what must still be done."""
    lines = [file]
    for n, ev in enumerate(evaluations, 1):
        d = ev.declaration
        total = f"总分 {points(ev.score)}  {ev.grade}" if ev.score is not None else "总分 —（有无法计分的项）"
        lines.append(f"【{n}】{d.name or '(无名称)'}  {total}  配置 {ev.profile}")
        lines.append("  " + _row(("#", 3, True), ("类别", 6, False), ("三级指标", 28, False),
                                 ("指标值", 14, False), ("实际完成值", 14, False), ("分值", 6, True),
                                 ("得分", 6, True), ("计算", 0, False)))
        budget = ev.budget
        lines.append("  " + _row(("", 3, True), ("预算", 6, False), ("预算执行率", 28, False),
                                 ("", 14, False), ("", 14, False), (points(ev.budget_weight), 6, True),
                                 (_num(budget.score) or "—", 6, True), (budget.formula.text, 0, False)))
        for row in ev.indicators:
            ind = row.indicator
            score = _num(row.score) or ("不适用" if not row.applicable else "—")
            lines.append("  " + _row((str(row.index), 3, True), (_SHORT[row.group], 6, False),
                                     (ind.name, 28, False), (ind.target_raw, 14, False),
                                     (ind.actual_raw or "", 14, False), (points(row.weight), 6, True),
                                     (score, 6, True), (row.formula, 0, False)))
        parts = "；".join(f"{PART_LABELS[p.part]} {_num(p.score) or '—'} / {points(p.applicable_weight)}"
                         for p in ev.parts)
        budget_part = f"{PART_LABELS['budget']} {_num(budget.score) or '—'} / {points(ev.budget_weight)}"
        lines.append(f"  {budget_part}；{parts}")
        grade = f"（{ev.grade}）" if ev.grade else ""
        lines.append(f"  总分 {ev.formula}{grade}")
        for row, f in ev.all_flags():
            where = f"指标 {row.index}「{row.indicator.name}」" if row else "项目"
            lines.append(f"  {SEVERITY_ZH[f.severity]} {f.code} {where}：{f.message}")
        errors = sum(f.severity == "error" for _, f in ev.all_flags())
        lines.append("  可以提交" if not errors else f"  不能提交：{errors} 处错误须先处理")
    return "\n".join(lines)


def totals(evaluations: list[Evaluation]) -> str:
    grades = Counter(ev.grade for ev in evaluations)
    blocked = sum(not ev.can_submit for ev in evaluations)
    counts = " ".join(f"{g} {grades[g]}" for g in ("优", "良", "中", "差"))
    return f"合计：{len(evaluations)} 个项目，{counts}，未计出总分 {grades[None]}；不能提交 {blocked} 个"
