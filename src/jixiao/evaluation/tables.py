"""A unit's filled-in self-evaluation tables as data: reading them, pairing each with its project, and the
report of :func:`jixiao.evaluation.check` for people (text) and for programs (JSON).

Used by ``jixiao check FILE --table TABLE.json`` and ``POST /api/v1/check``. A table is
:class:`ProjectTable`, :class:`~jixiao.evaluation.check.UnitTable` with the name of its project; a
TABLE file holds one table, or several under ``"tables"``::

    {"name": "遗体 and 人体器官捐献工作专项经费",          # optional when FILE holds one project
     "budget_rate": "95.00", "budget_score": "9.50",
     "indicators": [{"index": 1, "name": "…", "weight": "7.14", "score": "7.14"}, …],
     "total": "97.00", "grade": "优"}

    {"tables": [{"name": "…", …}, {"name": "…", …}]}   # each names its project

Every figure may be left out (it is then not checked); numbers are JSON numbers or strings of digits,
read exactly (``7.14`` is 7.14, never a float). :func:`read_tables` refuses anything else with
:class:`~jixiao.errors.UsageError`, naming the field in Chinese (``indicators[3].score（第 3 行的得分）:
应是数字``); indices in messages are 1-based, as the table's rows are counted.

The JSON of one checked project (:func:`checked_json`); figures are strings, ``recomputed`` rounded half
up to two places, ``difference`` = the unit's − the recomputed one::

    {"name", "year", "unit", "profile", "score", "grade", "tolerance",
     "differences": [{"where", "item", "unit_value", "recomputed", "difference", "note"}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import Field, ValidationError

from jixiao.errors import UsageError
from jixiao.evaluation.check import Difference, UnitRow, UnitTable, check
from jixiao.evaluation.evaluate import Evaluation, Evaluator
from jixiao.evaluation.numbers import plain, points
from jixiao.model import Declaration
from jixiao.text import pad, truncate
from jixiao.validation import json_path, message

__all__ = ["Checked", "ProjectTable", "check_tables", "checked_json", "load_tables", "pair", "read_table",
           "read_tables", "text_report", "totals"]

#: A figure of a table is a score, a weight or a rate: anything this large or this fine is a typing slip
#: (and would not fit the decimal context of the arithmetic).
MAX_DIGITS = 9  # before the point: less than 10^9
MAX_PLACES = 12  # after it, trailing zeros aside
MAX_WRITTEN = 30  # after it, trailing zeros included
#: Rows of one table: far more than any form has (rows matched by name are looked for among all indicators).
MAX_ROWS = 500

ITEM_ZH = {"budget_rate": "执行率(%)", "budget_score": "得分", "weight": "分值", "score": "得分",
           "total": "总分", "grade": "等级", "row": "行"}
_LABELS = {"name": "项目名称", "budget_rate": "预算执行率", "budget_score": "预算执行率得分",
           "indicators": "指标行", "total": "总分", "grade": "等级", "tables": "自评表"}
_ROW_LABELS = {"index": "序号", "name": "三级指标", "weight": "分值", "score": "得分"}
_NUMBER, _ROW_NUMBER = "应是数字，如 \"7.14\"（JSON 数字或数字字符串）", "应是整数（指标序号，从 1 起）"
#: pydantic's errors in the words of the table where they differ from jixiao.validation's.
_MESSAGES = {
    "decimal_parsing": _NUMBER, "decimal_type": _NUMBER, "float_parsing": _NUMBER,
    "int_parsing": _ROW_NUMBER, "int_type": _ROW_NUMBER, "int_from_float": _ROW_NUMBER,
    "too_long": f"至多 {MAX_ROWS} 行",
    "extra_forbidden": "不是自评表的字段（可有 name、budget_rate、budget_score、indicators、total、grade；"
                       "每行可有 index、name、weight、score）",
}  # fmt: skip


class ProjectTable(UnitTable):
    """A unit's filled-in table (:class:`UnitTable`) and the name of the project it is about."""

    name: str | None = None
    indicators: list[UnitRow] = Field(default=[], max_length=MAX_ROWS)


class Checked(NamedTuple):
    """One project's table checked: the recomputed evaluation, the differences, the tolerance used."""

    evaluation: Evaluation
    differences: list[Difference]
    tolerance: Decimal


# -- reading -----------------------------------------------------------------------------------------------

def _field_name(loc: Sequence[str | int]) -> str:
    """A location in a table with its Chinese label: ``indicators[3].score（第 3 行的得分）``."""
    parts = list(loc)
    if parts[:1] == ["tables"] and len(parts) > 1 and isinstance(parts[1], int):
        parts = parts[2:]
    if parts[:1] == ["indicators"] and len(parts) > 1 and isinstance(parts[1], int):
        column = _ROW_LABELS.get(str(parts[2])) if len(parts) > 2 else None
        label = f"第 {parts[1] + 1} 行" + (f"的{column}" if column else "")
    else:
        label = _LABELS.get(str(parts[0]), "") if len(parts) == 1 else ""
    return f"{json_path(loc)}（{label}）" if label else json_path(loc)


def _figure_problem(value: Decimal) -> str | None:
    """Read off the digits as written: abs() or normalize() of 1e999999999 overflow the context, and
    0E-999999999 printed in full is a billion zeros."""
    _sign, digits, exponent = value.as_tuple()
    if value and value.adjusted() >= MAX_DIGITS:
        return "数字过大（应小于 10 亿）"
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if int(exponent) < -MAX_WRITTEN or -int(exponent) - trailing > MAX_PLACES:
        return f"小数位过多（至多 {MAX_PLACES} 位）"
    return None


def _problems(table: ProjectTable, loc: tuple[str | int, ...]) -> list[str]:
    """The figures of a valid table that are out of bounds, named."""
    figures: list[tuple[tuple[str | int, ...], Decimal | None]] = [
        ((*loc, key), getattr(table, key)) for key in ("budget_rate", "budget_score", "total")]
    figures += [((*loc, "indicators", i, key), getattr(row, key))
                for i, row in enumerate(table.indicators) for key in ("weight", "score")]
    return [f"{_field_name(where)}: {problem}" for where, value in figures
            if value is not None and (problem := _figure_problem(value))]


def read_table(data: Any, source: str, loc: tuple[str | int, ...] = ()) -> ProjectTable:
    """One table from JSON data; :class:`UsageError` ``"{source}: {field}: {message}"`` for each problem."""
    if not isinstance(data, dict):
        where = f"{json_path(loc)}: " if loc else ""
        raise UsageError(f"{source}: {where}应是一张自评表（JSON 对象），而不是 {type(data).__name__}")
    try:
        table = ProjectTable.model_validate(data)
    except ValidationError as err:
        problems = [f"{_field_name((*loc, *e['loc']))}: {message(e, _MESSAGES)}"
                    for e in err.errors(include_url=False)]
    else:
        problems = _problems(table, loc)
    if problems:
        raise UsageError(f"{source}: " + "；".join(problems))
    return table


def read_tables(data: Any, source: str) -> list[ProjectTable]:
    """The tables of a TABLE file's JSON: one table, or ``{"tables": [...]}`` (at least one)."""
    if isinstance(data, dict) and "tables" in data:
        extra = sorted(set(data) - {"tables"})
        if extra:
            raise UsageError(f"{source}: {extra[0]}: 有 \"tables\" 时不能再有其他字段"
                             "（表的各项写在每张表里）")
        tables = data["tables"]
        if not isinstance(tables, list) or not tables:
            raise UsageError(f"{source}: tables: 应是至少有一张自评表的列表")
        return [read_table(t, source, ("tables", i)) for i, t in enumerate(tables)]
    if not isinstance(data, dict):
        raise UsageError(f"{source}: 应是一张自评表（JSON 对象）或 {{\"tables\": [...]}}，"
                         f"而不是 {type(data).__name__}")
    return [read_table(data, source)]


def load_tables(path: str | Path) -> list[ProjectTable]:
    """The tables of a TABLE file (UTF-8 JSON); :class:`UsageError` naming the file and the field."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{name}: 文件不存在") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: 是目录，不是文件") from None
    except OSError as err:
        raise UsageError(f"{name}: 无法读取（{err.strerror or err}）") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: 应是 UTF-8 编码的 JSON 文件") from None
    try:
        # Numbers exactly (7.14 is 7.14); NaN and Infinity kept as words, for the validation to name.
        data = json.loads(text, parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as err:
        raise UsageError(f"{name}:{err.lineno}: 不是有效的 JSON（{err.msg}，第 {err.colno} 列）") from None
    except ValueError as err:  # an integer of thousands of digits
        raise UsageError(f"{name}: 不是有效的 JSON（{err}）") from None
    return read_tables(data, name)


# -- pairing tables with projects --------------------------------------------------------------------------

def pair(declarations: Sequence[Declaration], tables: Sequence[ProjectTable], file: str, source: str,
         chosen: Declaration | None = None) -> list[tuple[Declaration, ProjectTable]]:
    """Each table with the project of ``file`` it is about: the one of its ``name``; a table without a
    name goes with the only project. With ``chosen`` (one project picked by the caller), only its table:
    the one table given, or the one of its name. :class:`UsageError` when a table cannot be placed."""
    if chosen is not None:
        mine = [t for t in tables if t.name == chosen.name] if len(tables) > 1 else list(tables)
        if not mine:
            raise UsageError(f"{source}: 没有项目「{chosen.name or '（无名称）'}」的表")
        return pair([chosen], mine, file, source)
    if len(tables) == 1 and len(declarations) == 1:
        (table,), (declaration,) = tables, declarations
        if table.name is not None and table.name != declaration.name:
            raise UsageError(f"{source}: name: 表中的项目名称「{table.name}」与申报表的项目"
                             f"「{declaration.name or '（无名称）'}」不符")
        return [(declaration, table)]
    several = len(tables) > 1
    out = []
    seen: dict[str, int] = {}
    for i, table in enumerate(tables, 1):
        where = f"tables[{i}].name" if several else "name"
        if table.name is None:
            why = "多张表时每张都须写明" if several else f"{file} 有 {len(declarations)} 个项目，须写明"
            raise UsageError(f"{source}: {where}: 没有项目名称：{why}是哪个项目的表")
        if table.name in seen:
            raise UsageError(f"{source}: {where}: 「{table.name}」与 tables[{seen[table.name]}] 重复")
        seen[table.name] = i
        found = [d for d in declarations if d.name == table.name]
        if len(found) != 1:
            problem = "中没有这个项目" if not found else f"中有 {len(found)} 个同名项目，无法确定是哪一个"
            raise UsageError(f"{source}: {where}: 「{table.name}」：{file} {problem}")
        out.append((found[0], table))
    return out


def check_tables(pairs: Iterable[tuple[Declaration, UnitTable]], evaluator: Evaluator) -> list[Checked]:
    """Each declaration evaluated and its table checked, under the evaluator's settings."""
    out = []
    for declaration, table in pairs:
        settings = evaluator.settings(declaration)
        evaluation = evaluator.evaluate(declaration)
        differences = check(declaration, table, settings, evaluation)
        out.append(Checked(evaluation, differences, settings.check_tolerance))
    return out


# -- the report --------------------------------------------------------------------------------------------

def _figure(value: Decimal | str | int | None) -> str | None:
    """The unit's figure as written (``98.5``), a grade, or a row's name or index."""
    if value is None:
        return None
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def difference_json(d: Difference) -> dict[str, str | None]:
    recomputed = points(d.recomputed) if isinstance(d.recomputed, Decimal) else d.recomputed
    return {"where": d.where, "item": d.item, "unit_value": _figure(d.unit_value), "recomputed": recomputed,
            "difference": _figure(d.difference), "note": d.note}


def checked_json(c: Checked) -> dict[str, Any]:
    """One project's table checked, as a JSON-ready dict (the module docstring has its keys)."""
    ev = c.evaluation
    d = ev.declaration
    return {"name": d.name, "year": d.year, "unit": d.unit, "profile": ev.profile,
            "score": points(ev.score) if ev.score is not None else None, "grade": ev.grade,
            "tolerance": plain(c.tolerance), "differences": [difference_json(x) for x in c.differences]}


def _row(where: str, item: str, unit: str, ours: str, difference: str, note: str) -> str:
    return "  ".join([pad(truncate(where, 36), 36), pad(item, 9), pad(truncate(unit, 10), 10, right=True),
                      pad(ours, 10, right=True), pad(difference, 8, right=True), note]).rstrip()


def text_report(file: str, checked: list[Checked]) -> str:
    """One file's checked tables: per project the recomputed total, then each figure that differs."""
    lines = [file]
    for n, c in enumerate(checked, 1):
        ev = c.evaluation
        total = f"总分 {points(ev.score)}  {ev.grade}" if ev.score is not None else "总分 —（有无法计分的项）"
        name = ev.declaration.name or "(无名称)"
        lines.append(f"【{n}】{name}  按规则重新计算：{total}  配置 {ev.profile}")
        if not c.differences:
            lines.append(f"  单位填写的数字与规则一致（差额不超过 {plain(c.tolerance)} 的不计）")
            continue
        lines.append("  " + _row("位置", "栏目", "单位填写", "重新计算", "差额", "说明"))
        for d in c.differences:
            j = difference_json(d)
            difference = f"{d.difference:+f}" if d.difference is not None else "—"
            lines.append("  " + _row(d.where, ITEM_ZH[d.item], j["unit_value"] or "—", j["recomputed"] or "—",
                                     difference, d.note))
        lines.append(f"  与规则不符 {len(c.differences)} 处（差额不超过 {plain(c.tolerance)} 的不计）")
    return "\n".join(lines)


def totals(checked: list[Checked]) -> str:
    differing = sum(bool(c.differences) for c in checked)
    count = sum(len(c.differences) for c in checked)
    return f"合计：{len(checked)} 个项目，与规则不符的 {differing} 个，共 {count} 处"
