"""The actuals as an Excel workbook: a template a unit fills in Excel or WPS, and reading it back.

Units report in spreadsheets, so a report (:class:`jixiao.actuals.Actuals`) travels as one:
:func:`actuals_template` writes the form of one declaration for one period (the declared figures
greyed and locked, the inputs white, lists where the answer is one of a few), :func:`read_actuals_xlsx`
reads a filled one back. The reader finds everything by its label, not by its position, so it also
reads a workbook a person laid out differently (other column order, ``1-7月执行情况`` for
``1–7月执行情况``, one column ``偏差原因分析及改进措施`` for the two, amounts in 万元 …), as long as the
indicator table has a ``三级指标`` column and its header row is one row.

One table, :data:`COLUMNS` (the indicator table) and :data:`FIELDS` (the blocks above it), says for
each entry its label, the field of the actuals, the periods it is written for, its width and its list
of answers; the writer and the reader both go by it.

Excel gives numbers as binary floats: money is taken exact to the fen (``496280.0`` is 496280;
``0.30000000000000004`` is 0.30, anything further from two decimals than 1e-9 is an error naming the
cell). calamine does not give a cell's number format, so a percentage typed into a number cell
(0.965 shown as ``96.5%``) is found from the sheet's XML (:func:`_percent_cells`); the template's text
inputs are formatted as text so that what is typed stays as typed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal, cast

import xlsxwriter
from pydantic import ValidationError
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from jixiao.actuals import (
    Actuals,
    ActualsError,
    IndicatorActual,
    Period,
    apply_actuals,
    read_actuals,
)
from jixiao.export import xlsxkit
from jixiao.export.xlsxkit import Book, Grid, row_height
from jixiao.model import DEVIATION_CAUSES, LIKELIHOODS, Declaration
from jixiao.readers.xlsxcells import Workbook, WorkbookError, is_percent, plain
from jixiao.store.types import MONEY_LIMIT
from jixiao.validation import message

__all__ = ["COLUMNS", "FIELDS", "LAYOUT", "actuals_template", "read_actuals_xlsx", "template_layout"]

#: The layout version, written to the hidden sheet :data:`MARKER_SHEET` (the reader does not need it).
LAYOUT = "jixiao-actuals/1"
MARKER_SHEET = "jixiao"

Kind = Literal["index", "text", "number", "money", "rate", "yesno", "choice"]
#: When an entry is written: every period, monitoring rounds only, the year end only, or never (a
#: label only read, such as a combined column of another layout).
When = Literal["all", "monitoring", "final", "read"]


@dataclass(frozen=True)
class Entry:
    """One label of the form: a column of the indicator table or a field of the blocks above it.

    ``field`` is the :class:`~jixiao.actuals.IndicatorActual` field (columns) or the dotted path in
    :class:`~jixiao.actuals.Actuals` (fields); read-only entries show the declaration and are not read.
    ``label`` may hold ``{months}`` (``1–7月``, ``全年``); ``final_label`` replaces it at the year end.
    ``aliases`` are other labels read as this entry (regular expressions over the normalised label).
    """

    field: str
    label: str
    kind: Kind = "text"
    when: When = "all"
    readonly: bool = False
    width: float = 12
    choices: tuple[str, ...] = ()
    final_label: str | None = None
    aliases: tuple[str, ...] = ()
    hint: str = ""
    block: str = ""

    def written_in(self, period: Period) -> bool:
        if self.when == "read":
            return False
        return self.when == "all" or (self.when == "final") == period.is_final

    def heading(self, period: Period) -> str:
        label = self.final_label if period.is_final and self.final_label else self.label
        return label.format(months=period.months)

    def matches(self, label: str) -> bool:
        """Whether ``label`` (normalised by :func:`_label`) names this entry, in any period."""
        return _pattern(self.label, self.final_label, self.aliases).fullmatch(label) is not None


_YES_NO = ("是", "否")
_MONTHS = r"(?:1[-至到]\d{1,2}月|全年|累计|截至\d{1,2}月(?:底|末)?)?"

COLUMNS: tuple[Entry, ...] = (
    Entry("index", "序号", "index", readonly=True, width=6, aliases=("编号",)),
    Entry("level1", "一级指标", readonly=True, width=12),
    Entry("level2", "二级指标", readonly=True, width=12),
    Entry("name", "三级指标", readonly=True, width=28, aliases=("三级指标名称",)),
    Entry("target_raw", "年度指标值", readonly=True, width=16, aliases=("指标值", "年度目标值", "目标值")),
    Entry("actual_raw", "{months}执行情况", final_label="实际完成值", width=18,
          aliases=("实际完成值", "实际完成情况", "实际值", "完成值", _MONTHS + "完成情况"),
          hint="如 3000份、96.5%、达成、部分达成（70%）"),
    Entry("forecast_raw", "全年预计完成情况", when="monitoring", width=18,
          aliases=("预计完成情况", "全年预计完成值", "预计全年完成情况"), hint="到年底预计完成的值"),
    Entry("weight", "分值", "number", when="final", width=9, aliases=("权重",),
          hint="不填：按本级分值平均分配"),
    Entry("applicable", "是否适用", "yesno", width=10, choices=_YES_NO, aliases=("适用",),
          hint="否：本指标不适用，不计分"),
    Entry("likelihood", "完成目标可能性", "choice", when="monitoring", width=12, choices=LIKELIHOODS,
          aliases=("完成可能性", "目标完成可能性")),
    Entry("deviation_cause", "偏差原因类别", "choice", width=12, choices=DEVIATION_CAUSES,
          aliases=("偏差原因类型", "偏差原因分类", "偏差原因"),
          hint="经费、制度、人员、硬件（条件）保障或其他"),
    Entry("deviation_reason", "偏差原因分析", width=30, aliases=("偏差原因说明",),
          hint="未完成或大幅超出指标值时必填"),
    Entry("measures", "改进措施", width=30),
    # Another layout's one column for both: the text is split at “改进措施：”.
    Entry("reason_and_measures", "偏差原因分析及改进措施", when="read",
          aliases=("偏差原因及改进措施", "原因分析及改进措施")),
)

#: The declared figures the read-only fields show.
_DECLARED: dict[str, Callable[[Declaration], Any]] = {
    "initial_budget": lambda d: d.funds.total if d.funds.total is not None else d.funds.current_year,
    "goal": lambda d: d.goal or d.texts.total_goal,
}

FIELDS: tuple[Entry, ...] = (
    Entry("initial_budget", "年初预算数", "money", readonly=True, block="funds"),
    Entry("funds.budget", "全年预算数", "money", block="funds", aliases=("调整后预算数", "调整后全年预算数"),
          hint="年中调整后的预算数；不填：同年初预算数"),
    Entry("funds.executed", "{months}执行数", "money", block="funds",
          aliases=("实际执行数", "实际支出数", _MONTHS + "支出数"), hint="截至报告期末实际支出的金额（元）"),
    Entry("funds.forecast", "全年预计执行数", "money", when="monitoring", block="funds",
          aliases=("预计执行数", "预计全年执行数"), hint="到年底预计支出的金额（元）"),
    Entry("rate", "{months}执行率", "rate", readonly=True, block="funds", aliases=("预算执行率",)),
    Entry("weights.budget", "预算执行率分值", "number", when="final", block="weights",
          aliases=("预算执行分值", "资金分值", "分值"), hint="不填：按评价方案默认分值"),
    Entry("weights.output", "产出指标分值", "number", when="final", block="weights", aliases=("产出分值",)),
    Entry("weights.benefit", "效益指标分值", "number", when="final", block="weights", aliases=("效益分值",)),
    Entry("weights.satisfaction", "满意度指标分值", "number", when="final", block="weights",
          aliases=("满意度分值",)),
    Entry("goal", "年度总体目标", readonly=True, when="final", block="goal",
          aliases=("预期目标", "总体目标")),
    Entry("goal_result", "实际完成情况", when="final", block="goal",
          aliases=("总体目标实际完成情况", "总体目标完成情况", "年度总体目标完成情况")),
    Entry("score", "得分", "number", readonly=True, when="read"),
)

_BLOCK_TITLES = {"funds": "项目资金（元）", "weights": "各部分分值"}
_TOTAL_ROWS = {"总分", "合计", "总计", "小计"}
_MEASURES = re.compile(r"改进措施\s*[:：]")
_REASON_PREFIX = re.compile(r"^\s*(?:偏差)?原因(?:分析)?\s*[:：]")
_CENT = Decimal("0.01")
_TOLERANCE = Decimal("1e-9")


@cache
def _pattern(label: str, final_label: str | None, aliases: tuple[str, ...]) -> re.Pattern[str]:
    def template(text: str) -> str:
        return _MONTHS.join(re.escape(_label(part)) for part in text.split("{months}"))

    forms = [template(label), *([template(final_label)] if final_label else []), *aliases]
    return re.compile("|".join(f"(?:{form})" for form in forms))


_DASHES = str.maketrans(dict.fromkeys("–—―‐‑‒−~〜～", "-"))
_UNIT_SUFFIX = re.compile(r"[(][^()]*[)]$")


def _label(text: Any) -> str:
    """A label as compared: full-width forms folded (NFKC), dashes as ``-``, no white space or line
    breaks, no ``*``/colon at the ends and no trailing unit in brackets (``（元）``)."""
    folded = unicodedata.normalize("NFKC", str(text)).translate(_DASHES)
    folded = re.sub(r"\s+", "", folded).strip("*:")
    return _UNIT_SUFFIX.sub("", folded)


def _in_wan(text: str) -> bool:
    """``（万元）``, ``单位：万元``: amounts in ten thousands of yuan."""
    folded = unicodedata.normalize("NFKC", text)
    return re.search(r"\(\s*万元\s*\)|单位\s*:\s*万元", folded) is not None


# ---------------------------------------------------------------- writing


class _Styles(xlsxkit.Styles):
    """The workbook's formats (:class:`jixiao.export.xlsxkit.Styles`), with the form's cells and labels."""

    GREY = xlsxkit.GREY

    def cell(self, entry: Entry) -> Format:
        """A table cell of ``entry``: grey and locked when read-only, white and open to input else."""
        properties: dict[str, Any] = {"border": 1, "locked": entry.readonly}
        if entry.readonly:
            properties["bg_color"] = self.GREY
        properties["num_format"] = {"money": "#,##0.00", "rate": "0.00%", "number": "General",
                                    "index": "0"}.get(entry.kind, "@")
        if entry.kind in ("index", "yesno", "choice", "rate"):
            properties["align"] = "center"
        return self(**properties)

    def label(self) -> Format:
        return self("label")


def _height(cells: list[tuple[Any, float]]) -> float:
    """A row height that shows every (text, width) of the row (at most 12 lines)."""
    return row_height(cells, most=12)


def _input_value(entry: Entry, value: Any) -> Any:
    """What a cell shows for a field of the actuals."""
    if entry.kind == "yesno":
        return "否" if value is False else "是"
    if entry.kind in ("money", "number"):
        return None if value is None else float(value)
    return value


def _validation(entry: Entry, label: str) -> dict[str, Any] | None:
    """The data validation of an input: the list of answers, or a number's range."""
    title = label[:32]
    if entry.choices:
        rule: dict[str, Any] = {"validate": "list", "source": list(entry.choices),
                                "error_message": f"请从列表中选择：{'、'.join(entry.choices)}"}
    elif entry.kind == "money":
        rule = {"validate": "decimal", "criteria": ">=", "value": 0,
                "error_message": "金额应为不小于 0 的数，单位为元，最多两位小数"}
    elif entry.kind == "number":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_message": "分值应为 0 到 100 之间的数"}
    else:
        return None
    rule.update(error_title=title, error_type="stop", ignore_blank=True)
    if entry.hint:
        rule.update(input_title=title, input_message=entry.hint[:255])
    return rule


class _Form(Grid):
    """The sheet being written (a :class:`~jixiao.export.xlsxkit.Grid`, one column per entry) and what
    goes on it."""

    style: _Styles

    def __init__(self, sheet: Worksheet, style: _Styles, declaration: Declaration, period: Period,
                 actuals: Actuals | None, columns: list[Entry]) -> None:
        super().__init__(sheet, style, [entry.width for entry in columns])
        self.declaration = declaration
        self.period = period
        self.actuals = actuals
        self.columns = columns


def actuals_template(declaration: Declaration, period: Period, actuals: Actuals | None = None) -> bytes:
    """The XLSX form of ``declaration``'s actuals for ``period``, filled with ``actuals`` when given.

    Raises :class:`~jixiao.actuals.ActualsError` when ``actuals`` does not fit the declaration (see
    :func:`~jixiao.actuals.apply_actuals`): a form must not show a figure against the wrong indicator.
    """
    if actuals is not None:
        apply_actuals(declaration, actuals)
    book = Book(_Styles)
    columns = [entry for entry in COLUMNS if entry.written_in(period)]
    style = cast(_Styles, book.style)
    form = _Form(book.book.add_worksheet(period.label), style, declaration, period, actuals, columns)
    row = _write_title(form)
    fields = [entry for entry in FIELDS if entry.written_in(period)]
    for block in _BLOCK_TITLES:
        entries = [entry for entry in fields if entry.block == block]
        if entries:
            row = _write_block(form, row, entries, _BLOCK_TITLES[block])
    row = _write_goal(form, row, [entry for entry in fields if entry.block == "goal"])
    header = row + 1
    _write_table(form, header)
    _set_up_page(form, header)
    _write_marker(book.book, declaration, period)
    return book.bytes()


def _write_title(form: _Form) -> int:
    declaration, period, style = form.declaration, form.period, form.style
    year = declaration.year or ""
    title = (f"{year}年度绩效自评填报表" if period.is_final
             else f"{year}{'年' if year else ''}{period.months}绩效运行监控填报表")
    form.sheet.set_row(0, 30)
    form.span(0, 0, form.last, title, style("title"))
    parts = [("项目名称", declaration.name), ("主管部门", declaration.department),
             ("实施单位", declaration.unit)]
    info = "　　".join(f"{label}：{value}" for label, value in parts if value)
    form.sheet.set_row(1, _height([(info, form.width(0, form.last))]))
    form.span(1, 0, form.last, info, style(font_size=11))
    note = ("填报说明：灰色单元格为申报内容，请勿修改；请在白色单元格填写，有下拉列表的从列表中选择。"
            "金额单位为元，精确到分；实际完成值按指标值的写法填写数值和单位（如 3000份、96.5%）。")
    form.sheet.set_row(2, _height([(note, form.width(0, form.last) * 1.1)]))
    form.span(2, 0, form.last, note, style("note"))
    return 4


def _field_value(form: _Form, entry: Entry) -> Any:
    if entry.readonly:
        return _DECLARED[entry.field](form.declaration) if entry.field in _DECLARED else None
    value: Any = form.actuals
    for part in entry.field.split("."):
        value = getattr(value, part, None)
    return value


def _rate(cells: dict[str, str], values: dict[str, Any]) -> tuple[str, float | str]:
    """执行率 = 执行数 / 全年预算数 (the declared budget when no adjusted one is given): the formula and
    its value now (what a reader that does not calculate shows)."""
    executed, budget, initial = (cells[f] for f in ("funds.executed", "funds.budget", "initial_budget"))
    formula = (f'=IF({executed}="","",IF(N({budget})>0,{executed}/{budget},'
               f'IF(N({initial})>0,{executed}/{initial},"")))')
    base, spent = values["funds.budget"] or values["initial_budget"], values["funds.executed"]
    return formula, float(spent / base) if spent is not None and base else ""


def _write_block(form: _Form, row: int, entries: list[Entry], title: str) -> int:
    """Labels in a row with their values beneath (as the 136号 and 10号 forms have them), from column D."""
    sheet, style = form.sheet, form.style
    sheet.merge_range(row, 0, row + 1, 2, title, style.label())
    cells = {entry.field: xl_rowcol_to_cell(row + 1, col) for col, entry in enumerate(entries, start=3)}
    values = {entry.field: _field_value(form, entry) for entry in entries}
    labels = []
    for col, entry in enumerate(entries, start=3):
        label = entry.heading(form.period)
        labels.append((label, form.columns[col].width))
        form.put(row, col, label, style.label())
        if entry.kind == "rate":
            formula, now = _rate(cells, values)
            sheet.write_formula(row + 1, col, formula, style.cell(entry), now)
        else:
            form.put(row + 1, col, _input_value(entry, values[entry.field]), style.cell(entry))
        rule = None if entry.readonly else _validation(entry, label)
        if rule:
            sheet.data_validation(row + 1, col, row + 1, col, rule)
    sheet.set_row(row, _height(labels))
    sheet.set_row(row + 1, 20)
    return row + 2


def _write_goal(form: _Form, row: int, entries: list[Entry]) -> int:
    """年度总体目标 and its 实际完成情况: a label over columns A–C, the text over the rest of the row."""
    for entry in entries:
        value = _field_value(form, entry)
        form.span(row, 0, 2, entry.heading(form.period), form.style.label())
        form.span(row, 3, form.last, value, form.style.cell(entry))
        form.fit(row, [(value, 3, form.last)], least=1 if entry.readonly else 3, most=8)
        row += 1
    return row


def _column_value(entry: Entry, number: int, indicator: Any, reported: IndicatorActual | None) -> Any:
    if entry.field == "index":
        return number
    if entry.readonly:
        return getattr(indicator, entry.field)
    default = IndicatorActual.model_fields[entry.field].default
    return _input_value(entry, getattr(reported, entry.field) if reported is not None else default)


_LEVELS = ("level1", "level2")


def _write_table(form: _Form, header: int) -> None:
    """The indicator table: a row per indicator, the level columns merged as in the declaration's form."""
    sheet, style, columns = form.sheet, form.style, form.columns
    headings = [entry.heading(form.period) for entry in columns]
    for col, heading in enumerate(headings):
        form.put(header, col, heading, style.label())
    sheet.set_row(header, _height([(h, e.width) for h, e in zip(headings, columns, strict=True)]))
    reported = {row.index: row for row in form.actuals.indicators} if form.actuals else {}
    indicators = form.declaration.indicators
    levels = [col for col, entry in enumerate(columns) if entry.field in _LEVELS]
    form.levels(header + 1, [[getattr(ind, columns[col].field) for col in levels] for ind in indicators],
                [(col, col) for col in levels], style.cell(_COLUMN["level1"]))
    for number, indicator in enumerate(indicators, start=1):
        values = [_column_value(entry, number, indicator, reported.get(number)) for entry in columns]
        for col, (entry, value) in enumerate(zip(columns, values, strict=True)):
            if col not in levels:
                form.put(header + number, col, value, style.cell(entry))
        sheet.set_row(header + number, _height([(v, e.width) for v, e in zip(values, columns, strict=True)]))
    for col, (entry, heading) in enumerate(zip(columns, headings, strict=True)):
        rule = None if entry.readonly or not indicators else _validation(entry, heading)
        if rule:
            sheet.data_validation(header + 1, col, header + len(indicators), col, rule)


def _set_up_page(form: _Form, header: int) -> None:
    """Frozen header and first columns, A4 landscape one page wide with the header on every page,
    and the sheet protected without a password (locked: the declared figures) against slips."""
    form.print_setup(repeat=(header, header), landscape=True)
    sheet = form.sheet
    sheet.freeze_panes(header + 1, 4)
    sheet.protect("", {"format_columns": True, "format_rows": True})
    sheet.activate()


def _marker(declaration: Declaration, period: Period) -> dict[str, str]:
    return {"layout": LAYOUT, "period": period.code, "project": declaration.name or "",
            "year": str(declaration.year or ""), "unit": declaration.unit or "",
            "indicators": str(len(declaration.indicators))}


def _write_marker(book: xlsxwriter.Workbook, declaration: Declaration, period: Period) -> None:
    """A very hidden sheet saying the layout, the period and the project the form was made for."""
    sheet = book.add_worksheet(MARKER_SHEET)
    for row, (key, value) in enumerate(_marker(declaration, period).items()):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.very_hidden()


def template_layout(data: bytes) -> dict[str, str] | None:
    """What the hidden sheet of a Jixiao template says (``layout``, ``period``, ``project``, ``year``,
    ``unit``, ``indicators``); ``None`` for any other workbook or a file that is not one."""
    try:
        with Workbook(data) as book:
            if MARKER_SHEET not in book.worksheets(hidden=True):
                return None
            rows = book.sheet(MARKER_SHEET).grid
    except WorkbookError:
        return None
    found = {str(row[0]): str(row[1]) for row in rows if len(row) >= 2 and row[0] != ""}
    return found if found.get("layout", "").startswith("jixiao-actuals/") else None


# ---------------------------------------------------------------- reading


class _Bad(ValueError):
    """A cell that does not hold what its column takes; the message says what was expected."""


def _shown(value: Any) -> str:
    """A cell's value quoted in a message, as the person sees it (``-5``, not ``-5.0``)."""
    if isinstance(value, float) and math.isfinite(value):
        value = plain(Decimal(repr(value)))
    text = str(value).strip()
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


def _as_text(value: Any, percent: bool = False) -> str | None:
    """A text column's cell as text: a number typed without quotes as written (3150, not 3150.0), a
    cell formatted as a percentage as the percentage (0.965 → ``96.5%``)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _Bad(f"应为文字或数，填的是{_shown(value)}")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return f"{plain(number * 100)}%" if percent else plain(number)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def _as_index(value: Any) -> int | None:
    if value is None or value == "":
        return None
    number: Any = value
    if isinstance(value, str):
        match = re.fullmatch(r"(\d+)\.?", unicodedata.normalize("NFKC", value).strip())
        number = int(match.group(1)) if match else None
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise _Bad(f"序号应为正整数，填的是{_shown(value)}")
    return number


def _as_decimal(value: Any, *, money: bool, wan: bool = False) -> Decimal | None:
    """A money (yuan, exact to the fen) or score cell as a decimal.

    A float comes as the shortest decimal that gives it back (``repr``): ``496280.0`` is 496280. One
    within 1e-9 of two decimals is rounded to them (``0.30000000000000004`` is 0.30: the float of a
    sum); further away is an error for money. ``wan``: the amount is in 万元."""
    if value is None or value == "":
        return None
    what = "金额（元）" if money else "数"
    inexact = isinstance(value, float)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad(f"应为{what}，填的是{_shown(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(f"应为{what}，填的是{_shown(value)}")
        number = Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        text = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", value))
        if text.endswith("万元"):
            text, wan = text[:-2], True
        text = text.removesuffix("元" if money else "分")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _Bad(f"应为{what}，填的是{_shown(value)}") from None
        if not number.is_finite():
            raise _Bad(f"应为{what}，填的是{_shown(value)}")
    scale = Decimal(10000) if wan else Decimal(1)
    number *= scale
    if number < 0:
        raise _Bad(f"{'金额不能为负数' if money else '应为不小于 0 的数'}，填的是{_shown(value)}")
    rounded = number.quantize(_CENT)
    if number != rounded:
        if inexact and abs(number - rounded) <= _TOLERANCE * scale:
            number = rounded
        elif money:
            raise _Bad(f"金额应精确到分（最多两位小数），填的是{_shown(plain(number))}")
    if money and number >= MONEY_LIMIT:
        raise _Bad(f"金额过大：{plain(number)} 元")
    return number


def _as_yes_no(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = _label(value)
    if text in ("是", "适用", "Y", "y"):
        return True
    if text in ("否", "不适用", "N", "n"):
        return False
    raise _Bad(f"应为 是 或 否，填的是{_shown(value)}")


def _as_choice(value: Any, choices: tuple[str, ...]) -> str | None:
    """One of ``choices``; a longer form that starts with one is that one (``经费保障`` is ``经费``)."""
    if value is None or value == "":
        return None
    text = _label(value)
    found = [choice for choice in choices if text == choice] or [c for c in choices if text.startswith(c)]
    if len(found) != 1:
        raise _Bad(f"应为 {'、'.join(choices)} 之一，填的是{_shown(value)}")
    return found[0]


def _split_reason(text: str | None) -> tuple[str | None, str | None]:
    """One ``偏差原因分析及改进措施`` cell → (reason, measures), split at ``改进措施：``."""
    parts = _MEASURES.split(text, maxsplit=1) if text is not None else []
    if len(parts) < 2:
        return text, None
    reason = _REASON_PREFIX.sub("", parts[0]).strip().rstrip("；;，,").strip()
    return reason or None, parts[1].strip() or None


_COLUMN = {entry.field: entry for entry in COLUMNS}


def _entry_for(label: str, entries: tuple[Entry, ...]) -> Entry | None:
    return next((entry for entry in entries if entry.matches(label)), None)


def _shown_label(value: str) -> str:
    return re.sub(r"\s+", "", value)


@dataclass
class _Sheet:
    """A sheet as read: its cells, its merged ranges, its percentage cells and the problems found."""

    file: str
    name: str
    grid: list[list[Any]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]]
    percent: set[tuple[int, int]] = dataclass_field(default_factory=set)
    problems: list[str] = dataclass_field(default_factory=list)

    def value(self, row: int, col: int) -> Any:
        if 0 <= row < len(self.grid) and 0 <= col < len(self.grid[row]):
            return self.grid[row][col]
        return ""

    def labels(self, rows: range) -> Iterator[tuple[int, int, str]]:
        for row in rows:
            for col, value in enumerate(self.grid[row]):
                if isinstance(value, str) and value.strip():
                    yield row, col, value

    def merge_end(self, row: int, col: int) -> tuple[int, int]:
        """The bottom-right cell of the merged range (row, col) is in; itself when in none."""
        for (top, left), (bottom, right) in self.merges:
            if top <= row <= bottom and left <= col <= right:
                return bottom, right
        return row, col

    def read(self, entry: Entry, row: int, col: int, label: str, *, wan: bool = False) -> Any:
        """The cell as ``entry`` takes it; ``None`` and a problem noted when it is not."""
        value = self.value(row, col)
        try:
            if entry.kind == "index":
                return _as_index(value)
            if entry.kind in ("money", "number"):
                return _as_decimal(value, money=entry.kind == "money", wan=wan)
            if entry.kind == "yesno":
                return _as_yes_no(value)
            if entry.kind == "choice":
                return _as_choice(value, entry.choices)
            return _as_text(value, (row, col) in self.percent)
        except _Bad as bad:
            self.problems.append(f"单元格 {xl_rowcol_to_cell(row, col)}（{label}）{bad}")
            return None

    def error(self) -> ActualsError:
        more = len(self.problems) - 20
        return ActualsError(f"{self.file}：工作表“{self.name}”：" + "；".join(self.problems[:20])
                            + (f"；另有 {more} 处问题" if more > 0 else ""))


#: Where each column of the indicator table is: field → (column, its label as written).
_Columns = dict[str, tuple[int, str]]


def _header(sheet: _Sheet) -> tuple[int, _Columns] | None:
    """The indicator table's header: the first row with a ``三级指标`` column and an input column."""
    for row in range(len(sheet.grid)):
        found: _Columns = {}
        twice = []
        for _row, col, text in sheet.labels(range(row, row + 1)):
            entry = _entry_for(_label(text), COLUMNS)
            if entry is None:
                continue
            if entry.field in found:
                first = xl_col_to_name(found[entry.field][0])
                twice.append(f"第 {row + 1} 行的表头有两列“{_shown_label(text)}”（{first} 列和 "
                             f"{xl_col_to_name(col)} 列）")
            else:
                found[entry.field] = (col, _shown_label(text))
        if "name" in found and any(not _COLUMN[f].readonly for f in found):
            sheet.problems.extend(twice)
            return row, found
    return None


def _unreadable(name: str, error: WorkbookError) -> ActualsError:
    if error.sheet:
        return ActualsError(f"{name}：工作表“{error.sheet}”无法读取（{error}）")
    return ActualsError(f"{name}：不是可读的 Excel 工作簿（应为 .xlsx 文件；{error}）")


def _find_table(data: bytes, name: str) -> tuple[_Sheet, int, _Columns]:
    """The first worksheet (visible ones first, not Jixiao's marker sheet) whose header row the table's
    labels are on. The workbook is opened by :class:`jixiao.readers.xlsxcells.Workbook`, which refuses
    what is not a workbook, a zip bomb, or a sheet too large to build before calamine builds it."""
    try:
        with Workbook(data) as book:
            visible = book.worksheets()
            names = visible + [n for n in book.worksheets(hidden=True) if n not in visible]
            for sheet_name in names:
                if sheet_name == MARKER_SHEET:
                    continue
                read = book.sheet(sheet_name)
                sheet = _Sheet(name, sheet_name, read.grid, read.merges,
                               {at for at, code in read.formats.items() if is_percent(code)})
                found = _header(sheet)
                if found is not None:
                    return sheet, *found
    except WorkbookError as error:
        raise _unreadable(name, error) from None
    raise ActualsError(f"{name}：找不到指标表：没有一行表头同时有“三级指标”列和填报的列"
                       "（如“实际完成值”“1–7月执行情况”“偏差原因分析”）")


def _put(payload: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        payload = payload.setdefault(part, {})
    payload[last] = value


def _read_fields(sheet: _Sheet, header: int) -> dict[str, Any]:
    """The fields above the table (money, weights, the goal's completion), each found by its label.

    A row with two labels or more has its values beneath them (the 136号 and 10号 forms); a label alone
    in its row has its value to its right. ``（万元）`` in the label's row: the amounts are in 万元.
    """
    found = [(entry, row, col, text) for row, col, text in sheet.labels(range(header))
             if (entry := _entry_for(_label(text), FIELDS)) is not None]
    labels_in_row: dict[int, int] = {}
    for _entry, row, _col, _text in found:
        labels_in_row[row] = labels_in_row.get(row, 0) + 1
    payload: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for entry, row, col, text in found:
        if entry.readonly:
            continue
        label, ref = _shown_label(text), xl_rowcol_to_cell(row, col)
        if entry.field in seen:
            sheet.problems.append(f"“{label}”出现了两次（{seen[entry.field]} 和 {ref}）")
            continue
        seen[entry.field] = ref
        if labels_in_row[row] >= 2:
            at = (sheet.merge_end(row, col)[0] + 1, col)
        else:
            end = sheet.merge_end(row, col)[1]
            at = next(((row, c) for c in range(end + 1, len(sheet.grid[row])) if sheet.value(row, c) != ""),
                      (row, end + 1))
        wan = any(_in_wan(str(sheet.value(row, c))) for c in range(col + 1))
        value = sheet.read(entry, *at, label, wan=wan)
        if value is not None:
            _put(payload, entry.field, value)
    return payload


def _read_rows(sheet: _Sheet, header: int, columns: _Columns) -> tuple[list[dict[str, Any]], list[int]]:
    """The indicator rows below the header: each with what it reports, and its row in the sheet.

    Rows with nothing in 序号, 三级指标 or an input are skipped, and so are 总分/合计 rows. Without a
    序号 column the rows are numbered in order."""
    start = max(sheet.merge_end(header, col)[0] for col, _label in columns.values()) + 1
    read = {f: place for f, place in columns.items() if f in ("index", "name") or not _COLUMN[f].readonly}
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    where: dict[int, int] = {}
    for row in range(start, len(sheet.grid)):
        first = next((v for v in sheet.grid[row] if v != ""), "")
        if all(sheet.value(row, col) == "" for col, _ in read.values()) or _label(first) in _TOTAL_ROWS:
            continue
        item: dict[str, Any] = {}
        for field, (col, label) in read.items():
            value = sheet.read(_COLUMN[field], row, col, label)
            if value is not None:
                item[field] = value
        reason, measures = _split_reason(item.pop("reason_and_measures", None))
        for field, value in (("deviation_reason", reason), ("measures", measures)):
            if value is not None and field not in columns:
                item[field] = value
        if "index" not in columns:
            item["index"] = len(rows) + 1
        elif "index" not in item:
            if sheet.value(row, columns["index"][0]) == "":
                sheet.problems.append(f"第 {row + 1} 行有填报内容但没有序号")
            continue
        if item["index"] in where:
            first = where[item["index"]] + 1
            sheet.problems.append(f"第 {row + 1} 行：序号 {item['index']} 与第 {first} 行重复")
            continue
        where[item["index"]] = row
        rows.append(item)
        numbers.append(row)
    return rows, numbers


def _locate(sheet: _Sheet, rows: list[dict[str, Any]], numbers: list[int], columns: _Columns) -> None:
    """The cells of the rows the model refuses, as problems of the sheet (when a row is the cause)."""
    for item, row in zip(rows, numbers, strict=True):
        try:
            IndicatorActual.model_validate(item)
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                field = str(problem["loc"][0]) if problem["loc"] else ""
                col, label = columns.get(field, (None, field))
                where = f"单元格 {xl_rowcol_to_cell(row, col)}" if col is not None else f"第 {row + 1} 行"
                sheet.problems.append(f"{where}（{label}）：{message(problem)}")


def read_actuals_xlsx(data: bytes, name: str) -> Actuals:
    """The actuals in a filled workbook (``name``: what messages call the file).

    Raises :class:`~jixiao.actuals.ActualsError` naming the file, the sheet, each cell that is wrong
    and what was expected. Rows that report nothing are left out. Whether the rows fit the
    declaration (index, name) is :func:`~jixiao.actuals.apply_actuals`'s check.
    """
    sheet, header, columns = _find_table(data, name)
    payload = _read_fields(sheet, header)
    rows, numbers = _read_rows(sheet, header, columns)
    if sheet.problems:
        raise sheet.error()
    payload["indicators"] = rows
    try:
        actuals = read_actuals(payload, source=name)
    except ActualsError:
        _locate(sheet, rows, numbers, columns)
        if sheet.problems:
            raise sheet.error() from None
        raise  # not a row's: the message names the field
    return actuals.model_copy(update={"indicators": [row for row in actuals.indicators if not row.is_empty]})
