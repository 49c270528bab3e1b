"""The 项目支出绩效自评表 (a unit's filled-in self-evaluation table) read back into data.

A self-evaluation table is the declaration's targets beside what was achieved and the unit's own
scores (财预〔2020〕10号; ``../shared/domain-rules.md`` §3)::

    项目支出绩效自评表 （2024年度）
    项目名称 | …            | 主管部门 | … | 实施单位 | …
    项目资金（万元）| | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
                  | 年度资金总额 | 120 | 118 | 112.1 | 10 | 95% | 9.5
                  | 其中：本年财政拨款 | 120 | …
    年度总体目标   | 预期目标 | 实际完成情况
                  | …        | …
    一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施
    产出指标(50分) | 数量指标 | … | ≥3000份 | 3150份 | 12.5 | 12.5 |
    总分 | 95.5 | 等级 | 优

:class:`SelfEvaluationBuilder` takes the rows one at a time, as :class:`~jixiao.readers.form.FormBuilder`
does (``add_row(line, cells)`` then ``build()``), so that the grid reader sends a form here when its
title or its headings say it is a self-evaluation. Columns are found by their headings, not by
position, in any order; a merged cell's text is in its first cell and the empty cells below a level
take the level above. What it gives is one :class:`~jixiao.model.Declaration` holding

- the targets (``target_raw``) and the actuals (``actual_raw``, ``weight`` = 分值, ``applicable`` false
  where the score says 不适用, the deviation text split into 偏差原因 and 改进措施 where the unit wrote
  both), the money (``funds.total`` = 年初预算数, ``funds.budget`` = 全年预算数, ``funds.executed``), the
  goal and its result, the part weights written in the level-1 cells (``产出指标(50分)``) and the
  budget's 分值;
- the unit's own figures, ``unit_scores`` (执行率, the budget's 得分, each row's 分值 and 得分, 总分, 等级),
  which ``jixiao check`` recomputes.

Amounts in 万元 (the heading says so: ``项目资金（万元）``) are converted to yuan exactly. What it had to
guess is a warning with its line; a table without 项目名称 or indicator rows is a ReadError.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from jixiao.errors import ReadError
from jixiao.model import Declaration, Funds, Indicator, ReadWarning, UnitRow, UnitTable, Weights
from jixiao.targets import parse_target
from jixiao.text import join_wrapped
from jixiao.vocabulary import canonical_level1, field_label

__all__ = ["SelfEvaluationBuilder", "is_self_evaluation_header", "is_self_evaluation_title"]

_TITLE = re.compile(r"绩效自评表|自评表$")
_YEAR = re.compile(r"(\d{4})\s*年度?")
_SCORE_IN_LABEL = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_TEN_THOUSAND = Decimal(10000)
_NOT_APPLICABLE = ("不适用", "不计分", "—", "-", "/")
_PLACEHOLDERS = frozenset({"(未填写)", "未填写", "无", "—", "/"})  # an empty goal cell as tables print it

# Headings of the funds block and of the indicator table, spaces removed → what the column holds.
_FUNDS_HEADINGS = {"年初预算数": "opening", "全年预算数": "budget", "全年执行数": "executed",
                   "分值": "weight", "执行率": "rate", "得分": "score"}
_TABLE_HEADINGS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "年度指标值": "target",
                   "指标值": "target", "年度目标值": "target", "目标值": "target", "实际完成值": "actual",
                   "全年实际值": "actual", "实际值": "actual", "分值": "weight", "得分": "score",
                   "偏差原因分析及改进措施": "deviation", "偏差原因分析和改进措施": "deviation",
                   "偏差原因": "deviation", "序号": "index"}
# The rows of the funds block, by their label: the 年初预算数 of each is a Funds field.
_FUNDS_ROWS = {"年度资金总额": "total", "资金总额": "total", "本年财政拨款": "current_year",
               "财政拨款": "current_year", "当年财政拨款": "current_year", "上年结转资金": "carryover",
               "其他资金": "other"}
_BLOCK_LABELS = frozenset({"年度总体目标", "绩效指标"})  # labels heading a block, with no value of their own
_REASON = re.compile(r"(?:偏差)?原因(?:分析)?[:：]")
_MEASURES = re.compile(r"(?:改进)?措施[:：]")


def _key(cell: str) -> str:
    return "".join(unicodedata.normalize("NFKC", cell).split()).removeprefix("其中:").rstrip(":")


def is_self_evaluation_title(text: str) -> bool:
    """Whether a row's text is a self-evaluation table's title (``项目支出绩效自评表``)."""
    return bool(_TITLE.search("".join(text.split())))


def is_self_evaluation_header(cells: list[str]) -> bool:
    """Whether a row is the heading of a self-evaluation's indicator table or funds block (it has an
    实际完成值 or a 全年执行数 column): a table with no title is known by it."""
    keys = {_key(c) for c in cells}
    actual = bool(keys & {"实际完成值", "全年实际值", "实际值"})
    return ("三级指标" in keys and actual) or "全年执行数" in keys


class SelfEvaluationBuilder:
    """Collects one self-evaluation table's rows; :meth:`add_row` for each, then :meth:`build`."""

    def __init__(self, file: str | None, first_line: int):
        self.file = file
        self.first_line = first_line
        self.warnings: list[ReadWarning] = []
        self.fields: dict[str, str] = {}
        self.year: int | None = None
        self.scale = Decimal(1)  # 万元 → yuan
        self.funds_columns: dict[str, int] | None = None
        self.funds: dict[str, dict[str, str]] = {}
        self.goal_columns: dict[str, int] | None = None
        self.goal: dict[str, list[str]] = {"goal": [], "result": []}
        self.columns: dict[str, int] | None = None  # the indicator table's
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.levels = ["", ""]
        self.part_weights: dict[str, Decimal] = {}
        self.total: str | None = None
        self.grade: str | None = None
        self.done = False

    # What the grid reader asks of a form's builder (as of a FormBuilder).
    @property
    def values(self) -> dict[str, str]:
        return self.fields

    @property
    def seen_label(self) -> bool:
        return bool(self.fields)

    @property
    def in_table(self) -> bool:
        return self.columns is not None

    layout = "unknown"

    # -- rows -------------------------------------------------------------------------------

    def add_row(self, line: int, cells: list[str]) -> None:
        cells = [c.strip() for c in cells]
        keys = [_key(c) for c in cells]
        present = [i for i, c in enumerate(cells) if c]
        if not present or self.done:
            return
        first = keys[present[0]]
        if first in ("总分", "合计", "总计") and self.columns is not None:
            self._total_row(cells, keys, present)
        elif "三级指标" in keys:
            self.columns = self._columns(keys, _TABLE_HEADINGS, line)
            self.goal_columns = None
        elif self.columns is not None:
            self._indicator_row(line, cells)
        elif "全年执行数" in keys or "年初预算数" in keys:
            self.funds_columns = self._columns(keys, _FUNDS_HEADINGS, line)
            if any("万元" in c for c in cells):
                self.scale = _TEN_THOUSAND
        elif "预期目标" in keys and "实际完成情况" in keys:
            self.goal_columns = {"goal": keys.index("预期目标"), "result": keys.index("实际完成情况")}
        elif self.goal_columns is not None:
            self._goal_row(cells)
        elif self.funds_columns is not None and (row := self._funds_label(keys, present)) is not None:
            self.funds[row] = {name: cells[col] for name, col in self.funds_columns.items()
                               if col < len(cells)}
        else:
            self._header_row(line, cells, keys, present)

    def _columns(self, keys: list[str], headings: dict[str, str], line: int) -> dict[str, int]:
        columns: dict[str, int] = {}
        for col, key in enumerate(keys):
            name = headings.get(key)
            if name is not None and name not in columns:
                columns[name] = col
        return columns

    def _funds_label(self, keys: list[str], present: list[int]) -> str | None:
        for col in present:
            if keys[col] in _FUNDS_ROWS:
                return _FUNDS_ROWS[keys[col]]
            if "万元" in keys[col]:
                self.scale = _TEN_THOUSAND
        return None

    def _goal_row(self, cells: list[str]) -> None:
        assert self.goal_columns is not None
        for name, col in self.goal_columns.items():
            if col < len(cells) and cells[col] and _key(cells[col]) not in _PLACEHOLDERS:
                self.goal[name].append(cells[col])

    def _header_row(self, line: int, cells: list[str], keys: list[str], present: list[int]) -> None:
        joined = "".join(keys[i] for i in present)
        if is_self_evaluation_title(joined) or (len(present) == 1 and _YEAR.search(joined)):
            if (m := _YEAR.search(joined)) is not None:
                self.year = self.year or int(m.group(1))
            return
        if "万元" in joined:
            self.scale = _TEN_THOUSAND
        k = 0
        while k < len(present):
            col = present[k]
            field = field_label(cells[col]) or field_label(keys[col].removesuffix("及代码"))
            k += 1
            if field in ("name", "department", "unit"):
                if k < len(present) and field_label(cells[present[k]]) is None:
                    self.fields.setdefault(field, cells[present[k]])
                    k += 1
            elif field is None and keys[col] not in _BLOCK_LABELS and "项目资金" not in keys[col]:
                self._warn(line, f"cell「{cells[col][:40]}」is not a label of a self-evaluation table; "
                                 "ignored")

    def _indicator_row(self, line: int, cells: list[str]) -> None:
        assert self.columns is not None
        row = {name: cells[col] if col < len(cells) else "" for name, col in self.columns.items()}
        for depth, name in enumerate(("level1", "level2")):
            if row.get(name):
                self.levels[depth] = row[name]
                if depth == 0:
                    self.levels[1] = ""
            row[name] = self.levels[depth]
        if not row.get("name"):
            if any(v for k, v in row.items() if k not in ("level1", "level2")):
                self._warn(line, "an indicator row without a 三级指标 name; ignored")
            return
        self.rows.append((line, row))

    def _total_row(self, cells: list[str], keys: list[str], present: list[int]) -> None:
        values = [cells[i] for i in present[1:]]
        for i, col in enumerate(present[1:]):
            if keys[col] == "等级" and i + 1 < len(values):
                self.grade = values[i + 1]
            elif self.total is None and _NUMBER.match(_key(cells[col])):
                self.total = cells[col]
        self.done = True

    def _warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ReadWarning(file=self.file, line=line, message=message))

    # -- result -----------------------------------------------------------------------------

    def build(self) -> Declaration:
        if "name" not in self.fields:
            raise ReadError(self.file, "a 项目名称 (project name) label", line=self.first_line,
                            found="a self-evaluation table without one")
        if not self.rows:
            raise ReadError(self.file, "indicator rows under the heading 一级指标 … 实际完成值 … 得分",
                            line=self.first_line, found="none")
        indicators, unit_rows = [], []
        for index, (line, row) in enumerate(self.rows, start=1):
            indicator, unit_row = self._indicator(index, line, row)
            indicators.append(indicator)
            unit_rows.append(unit_row)
        money = self.funds.get("total", {})
        funds = Funds(total=self._money(money.get("opening"), "年初预算数"),
                      budget=self._money(money.get("budget"), "全年预算数"),
                      executed=self._money(money.get("executed"), "全年执行数"),
                      **{key: self._money(self.funds.get(key, {}).get("opening"), key)
                         for key in ("current_year", "carryover", "other")})
        weights = Weights(budget=self._number(money.get("weight"), "预算执行率的分值"),
                          output=self.part_weights.get("产出"), benefit=self.part_weights.get("效益"),
                          satisfaction=self.part_weights.get("满意度"))
        unit_scores = UnitTable(budget_rate=self._number(money.get("rate"), "执行率", percent=True),
                                budget_score=self._number(money.get("score"), "预算执行率的得分"),
                                indicators=unit_rows, total=self._number(self.total, "总分"),
                                grade=self.grade or None)
        return Declaration(
            name=self.fields["name"], year=self.year, department=self.fields.get("department"),
            unit=self.fields.get("unit"), funds=funds, goal=join_wrapped(self.goal["goal"]) or None,
            goal_result=join_wrapped(self.goal["result"]) or None, indicators=indicators,
            weights=weights if weights.model_dump(exclude_none=True) else None, unit_scores=unit_scores,
            source=self.file, line=self.first_line, warnings=self.warnings)

    def _indicator(self, index: int, line: int, row: dict[str, str]) -> tuple[Indicator, UnitRow]:
        level1 = row.get("level1") or None
        if level1 and (m := _SCORE_IN_LABEL.search(level1)) is not None:
            level1 = level1[: m.start()].strip()
            part = canonical_level1(level1)
            if part in ("产出", "效益", "满意度"):
                self.part_weights.setdefault(part, Decimal(m.group(1)))
        level2 = row.get("level2") or None
        if level2:
            level2 = _SCORE_IN_LABEL.sub("", level2).strip()
        score_text = row.get("score", "")
        applicable = _key(score_text) not in _NOT_APPLICABLE[:2] and _key(row.get("weight", "")) != "不适用"
        weight = score = None
        if applicable:
            weight = self._number(row.get("weight"), f"第 {index} 条指标的分值", line=line)
            score = self._number(score_text, f"第 {index} 条指标的得分", line=line)
        reason, measures = self._deviation(row.get("deviation", ""), line)
        actual = row.get("actual") or None
        target = row.get("target", "")
        indicator = Indicator(level1=level1, level2=level2, name=row["name"], target_raw=target,
                              target=parse_target(target), actual_raw=actual, weight=weight,
                              applicable=applicable, deviation_reason=reason, measures=measures, line=line)
        return indicator, UnitRow(index=index, name=row["name"], weight=weight, score=score)

    def _deviation(self, text: str, line: int) -> tuple[str | None, str | None]:
        """偏差原因 and 改进措施 of one cell: split where the unit labelled them, else all of it the
        reason."""
        text = text.strip()
        if not text or _key(text) in _NOT_APPLICABLE or _key(text) == "无":
            return None, None
        reason, measures = _REASON.search(text), _MEASURES.search(text)
        if measures is None:
            if reason is not None:
                return text[reason.end():].strip() or None, None
            self._warn(line, "偏差原因分析及改进措施 written as one text: read as the 偏差原因, no 改进措施")
            return text, None
        before = text[: measures.start()]
        if reason is not None and reason.start() < measures.start():
            before = before[reason.end():]
        reason_text = before
        return reason_text.strip(" ；;\n") or None, text[measures.end():].strip() or None

    def _number(self, raw: str | None, what: str, *, line: int | None = None,
                percent: bool = False) -> Decimal | None:
        text = _key(raw or "").replace(",", "")
        if percent:
            text = text.removesuffix("%")
        if not text or text in _NOT_APPLICABLE:
            return None
        if not _NUMBER.match(text):
            self._warn(line or self.first_line, f"{what}「{raw}」is not a number; left out")
            return None
        return Decimal(text)

    def _money(self, raw: str | None, what: str) -> Decimal | None:
        amount = self._number((raw or "").removesuffix("元").removesuffix("万"), what)
        if amount is None:
            return None
        try:
            return (amount * self.scale).quantize(Decimal("0.01"))
        except InvalidOperation:
            self._warn(self.first_line, f"{what}「{raw}」is too large an amount; left out")
            return None
