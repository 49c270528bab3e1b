"""The official forms as XLSX workbooks: the declaration, the unit's summary, the monitoring table and the
self-evaluation table, laid out as the paper forms are (merged cells, borders, 宋体, A4).

- :func:`declaration_xlsx`: one declaration in its own layout, the 2024 财政项目支出绩效目标申报表 or
  the 2020 财政项目支出绩效目标表 (a declaration of unknown layout: the 2024 one);
  :func:`declarations_xlsx`: one sheet per declaration in one workbook (a unit's year);
- :func:`summary_xlsx`: the 汇总表, one row per project (nature, funds, indicator counts) and the totals;
- :func:`monitoring_xlsx`: the 项目支出绩效目标执行监控表 of a :class:`~jixiao.monitoring.Monitoring`;
- :func:`self_evaluation_xlsx`: the 项目支出绩效自评表 of an :class:`~jixiao.evaluation.Evaluation`.

The last two also take a :class:`jixiao.reports.Filled` (a report from the store); from a file,
``monitor(read(path)[i], as_of)`` and ``evaluate(read(path)[i])`` give what they take. Money is a number
in the ``#,##0.00`` format (written as text above 15 significant digits, which Excel cannot keep:
:func:`jixiao.export.xlsxkit.money`), dates are dates, target and actual values the text as written.
The sheet machinery (formats, merged level columns, row heights, print setup) is :mod:`.xlsxkit`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name

from jixiao.evaluation.config import PART_LABELS
from jixiao.evaluation.evaluate import Evaluation
from jixiao.evaluation.numbers import points, round2
from jixiao.evaluation.render import SEVERITY_ZH
from jixiao.export.xlsxkit import Book, Grid, money, money_format
from jixiao.model import CAUSE_TITLES, Declaration, Indicator
from jixiao.monitoring.monitor import Monitoring
from jixiao.vocabulary import canonical_level1, canonical_level2

if TYPE_CHECKING:
    from jixiao.reports import Filled

__all__ = ["CAUSE_TITLES", "declaration_xlsx", "declarations_xlsx", "monitoring_xlsx", "self_evaluation_xlsx",
           "summary_xlsx"]

LIGHT_COLOURS = {"绿": "#C6EFCE", "黄": "#FFEB9C", "红": "#FFC7CE"}

#: A cell of a form's row: value, first column, last column, preset of :data:`.xlsxkit.PRESETS`.
Cell = tuple[Any, int, int, str]


def _label(text: str, first: int, last: int | None = None) -> Cell:
    return text, first, first if last is None else last, "label"


def _value(value: Any, first: int, last: int | None = None, preset: str | None = None) -> Cell:
    if preset is None:
        preset = ("money" if isinstance(value, Decimal) else "date" if isinstance(value, date)
                  else "center" if isinstance(value, bool) else "text")
    return value, first, first if last is None else last, preset


def _cells(grid: Grid, row: int, cells: Sequence[Cell]) -> None:
    for value, first, last, preset in cells:
        more = money_format(value) if preset == "money" and isinstance(value, Decimal) else {}
        grid.span(row, first, last, value, grid.style(preset, **more))


def _line(grid: Grid, row: int, cells: Sequence[Cell], *, least: int = 1) -> None:
    """One row of a form: each cell written (merged across its columns), the row as high as its text."""
    _cells(grid, row, cells)
    grid.fit(row, [(value, first, last) for value, first, last, _preset in cells], least=least)


def _titles(grid: Grid, title: str, subtitle: str | None) -> int:
    """The form's title (and the year under it) across the table; the first row after them."""
    grid.sheet.set_row(0, 30)
    grid.span(0, 0, grid.last, title, grid.style("title"))
    if subtitle is None:
        return 1
    grid.sheet.set_row(1, 20)
    grid.span(1, 0, grid.last, subtitle, grid.style("subtitle"))
    return 2


def _year(year: int | None) -> str:
    return str(year) if year is not None else "　　"


def _indicator_rows(grid: Grid, row: int, indicators: Sequence[Indicator], levels: Sequence[tuple[int, int]],
                    cells: Sequence[Sequence[Cell]], *, first: int = 0) -> int:
    """An indicator table's rows from ``row``: the level columns merged as in the form, then each row's
    other ``cells``. Without indicators, one blank row from column ``first``. The row after the table."""
    if not indicators:
        _line(grid, row, [(None, col, col, "text") for col in range(first, grid.last + 1)])
        return row + 1
    grid.levels(row, [(ind.level1, ind.level2) for ind in indicators], levels, grid.style("text"))
    for offset, (ind, row_cells) in enumerate(zip(indicators, cells, strict=True)):
        _cells(grid, row + offset, row_cells)
        shown = [(ind.level1, *levels[0]), (ind.level2, *levels[1])]
        grid.fit(row + offset, shown + [(value, a, b) for value, a, b, _preset in row_cells])
    return row + len(indicators)


# -- the declaration ---------------------------------------------------------------------------------------

_WIDTHS_2024 = (11, 22, 14, 28, 14, 12)
_WIDTHS_2020 = (16, 14, 16, 26, 14, 12)


def declaration_xlsx(declaration: Declaration) -> bytes:
    """The declaration as its form, one sheet named after the project."""
    return declarations_xlsx([declaration])


def declarations_xlsx(declarations: Iterable[Declaration]) -> bytes:
    """One workbook, one sheet per declaration (each in its own layout), sheets named after the projects
    (made valid and unique): a unit's declarations of a year, typically. ``ValueError`` without any."""
    book = Book()
    count = 0
    for declaration in declarations:
        if declaration.layout == "shanghai-2020":
            _form_2020(book, declaration)
        else:
            _form_2024(book, declaration)
        count += 1
    if not count:
        raise ValueError("没有项目：工作簿至少要有一个申报表")
    return book.bytes()


def _form_2024(book: Book, d: Declaration) -> None:
    """财政项目支出绩效目标申报表 (2024): as ``shanghai-redcross-2024-targets.txt`` lays it out."""
    grid = book.grid(d.name or "申报表", _WIDTHS_2024)
    funds = d.funds
    row = _titles(grid, "财政项目支出绩效目标申报表", f"（{_year(d.year)}年度）")
    _line(grid, row, [_label("项目名称", 0), _value(d.name, 1), _label("项目性质", 2), _value(d.nature, 3),
                      _label("项目类别", 4), _value(d.category, 5)])
    _line(grid, row + 1, [_label("主管部门", 0), _value(d.department, 1), _label("实施单位", 2),
                          _value(d.unit, 3, 5)])
    _line(grid, row + 2, [_label("计划开始日期", 0), _value(d.start, 1, 1, "date"), _label("计划完成日期", 2),
                          _value(d.end, 3, 5, "date")])
    row += 3
    # 项目资金: the project's whole funds on the left (only 其中：财政资金 is read), the year's on the right.
    grid.span(row, 0, 0, "项目资金（元）", grid.style("label"), to_row=row + 3)
    grid.span(row + 1, 1, 1, "其中：财政资金", grid.style("label"), to_row=row + 2)
    fiscal = money_format(funds.fiscal) if funds.fiscal is not None else {}
    grid.span(row + 1, 2, 2, funds.fiscal, grid.style("money", **fiscal), to_row=row + 2)
    _line(grid, row, [_label("项目资金总额", 1), _value(None, 2, 2, "money"), _label("年度资金申请总额", 3),
                      _value(funds.total, 4, 5, "money")])
    _line(grid, row + 1, [_label("其中：当年财政拨款", 3), _value(funds.current_year, 4, 5, "money")])
    _line(grid, row + 2, [_label("上年结转资金", 3), _value(funds.carryover, 4, 5, "money")])
    _line(grid, row + 3, [_label("其他资金", 1), _value(None, 2, 2, "money"), _label("其他资金", 3),
                          _value(funds.other, 4, 5, "money")])
    row += 4
    grid.span(row, 0, 0, "项目绩效目标", grid.style("label"), to_row=row + 1)
    _line(grid, row, [_label("项目总目标", 1, 2), _label("年度总体目标", 3, 5)])
    _line(grid, row + 1, [_value(d.texts.total_goal, 1, 2), _value(d.goal, 3, 5)], least=3)
    row += 2
    header = row
    _line(grid, header, [_label("一级指标", 1), _label("二级指标", 2), _label("三级指标", 3),
                         _label("年度(/项目)指标值", 4, 5)])
    cells = [[(ind.name, 3, 3, "text"), (ind.target_raw, 4, 5, "text")] for ind in d.indicators]
    end = _indicator_rows(grid, header + 1, d.indicators, ((1, 1), (2, 2)), cells, first=1)
    grid.span(header, 0, 0, "绩效指标", grid.style("label"), to_row=end - 1)
    grid.print_setup(repeat=(header, header))


_TEXTS_2020 = (("overview", "项目概况"), ("basis", "立项依据"), ("necessity", "项目设立的必要性"),
               ("safeguards", "保证项目实施的制度、措施"), ("plan", "项目实施计划"))


def _form_2020(book: Book, d: Declaration) -> None:
    """财政项目支出绩效目标表 (2020): as ``shanghai-redcross-affairs-center-2020-targets.txt`` lays it out."""
    grid = book.grid(d.name or "目标表", _WIDTHS_2020)
    funds = d.funds
    row = _titles(grid, "财政项目支出绩效目标表", f"（{_year(d.year)}年度）")
    _line(grid, row, [_label("申报单位名称", 0), _value(d.unit, 1, 5)])
    _line(grid, row + 1, [_label("项目名称", 0), _value(d.name, 1, 2), _label("项目类别", 3),
                          _value(d.category, 4, 5)])
    _line(grid, row + 2, [_label("计划开始日期", 0), _value(d.start, 1, 2, "date"), _label("计划完成日期", 3),
                          _value(d.end, 4, 5, "date")])
    _line(grid, row + 3, [_label("是否含有政府购买服务", 0), _value(d.government_purchase, 1, 2, "center"),
                          _label("绩效类型", 3), _value(d.performance_type, 4, 5)])
    row += 4
    texts = [(label, getattr(d.texts, key)) for key, label in _TEXTS_2020] + [("总目标及阶段性目标", d.goal)]
    for label, text in texts:
        _line(grid, row, [_label(label, 0), _value(text, 1, 5)], least=2)
        row += 1
    _line(grid, row, [_label("本项目上年度市级财政资金使用情况", 0, 5)])
    _line(grid, row + 1, [_label("项目总预算（元）", 0), _value(funds.total, 1, 2, "money"),
                          _label("项目当年预算（元）", 3), _value(funds.current_year, 4, 5, "money")])
    _line(grid, row + 2, [_label("同名项目上年预算额（元）", 0),
                          _value(funds.previous_year_budget, 1, 2, "money"),
                          _label("同名项目上年预算执行数（元）", 3),
                          _value(funds.previous_year_spent, 4, 5, "money")])
    row += 3
    _line(grid, row, [_label(f"{d.year}年绩效目标" if d.year is not None else "绩效目标", 0, 5)])
    header = row + 1
    _line(grid, header, [_label("一级目标", 0), _label("二级目标", 1), _label("三级目标", 2, 3),
                         _label("指标目标值", 4, 5)])
    _indicator_rows(grid, header + 1, d.indicators, ((0, 0), (1, 1)),
                    [[(ind.name, 2, 3, "text"), (ind.target_raw, 4, 5, "text")] for ind in d.indicators])
    grid.print_setup(repeat=(header, header))


# -- the summary -------------------------------------------------------------------------------------------

_SUMMARY_WIDTHS = (6, 30, 16, 16, 14, 12, 15, 14, 15, 13, 13, 7, 7, 7, 7, 7, 7)
_SUMMARY_FIELDS = (("序号", None), ("项目名称", "name"), ("主管部门", "department"), ("实施单位", "unit"),
                   ("项目性质", "nature"), ("项目类别", "category"))
_SUMMARY_FUNDS = (("年度资金申请总额", "total"), ("其中：财政资金", "fiscal"),
                  ("其中：当年财政拨款", "current_year"), ("上年结转资金", "carryover"),
                  ("其他资金", "other"))
_SUMMARY_COUNTS = ("指标数", "产出", "效益", "满意度", "其他", "定量")
_PARTS = ("产出", "效益", "满意度")


def _part(ind: Indicator) -> str:
    """The part an indicator is counted in: its level 1 (``产出指标``, ``效果目标`` → 效益), except that a
    satisfaction level 2 counts as 满意度 wherever it sits (the 2020 form puts it under 效果)."""
    if canonical_level2(ind.level2) == "服务对象满意度":
        return "满意度"
    part = canonical_level1(ind.level1)
    return part if part in _PARTS else "其他"


def _counts(d: Declaration) -> list[int]:
    parts = [_part(ind) for ind in d.indicators]
    return [len(parts), *(parts.count(p) for p in (*_PARTS, "其他")),
            sum(ind.target.is_quantitative for ind in d.indicators)]


def _summary_title(declarations: Sequence[Declaration]) -> str:
    """``上海市红十字会2024年度项目绩效目标汇总表``: the common department (else unit) and year, if any."""
    owners = {d.department or d.unit for d in declarations}
    years = {d.year for d in declarations}
    owner = (owners.pop() or "") if len(owners) == 1 else ""
    year = f"{years.pop()}年度" if len(years) == 1 and None not in years else ""
    return f"{owner}{year}项目绩效目标汇总表"


def summary_xlsx(declarations: Iterable[Declaration], title: str | None = None) -> bytes:
    """The 汇总表 of some declarations (a unit's year): per project its fields, funds (元) and indicator
    counts, then 合计. The totals are ``SUM`` formulas with their values written too (a reader that does
    not calculate sees them); a money column holding an amount written as text (too many digits for
    Excel) has its exact total written as text instead of a formula."""
    items = list(declarations)
    book = Book()
    grid = book.grid("汇总表", _SUMMARY_WIDTHS)
    row = _titles(grid, title if title is not None else _summary_title(items), None)
    grid.span(row, 0, grid.last, "金额单位：元", grid.style("plain", align="right"))
    header = row + 1
    label = grid.style("label")
    for col, (text, _key) in enumerate(_SUMMARY_FIELDS):
        grid.span(header, col, col, text, label, to_row=header + 1)
    money_cols = range(len(_SUMMARY_FIELDS), len(_SUMMARY_FIELDS) + len(_SUMMARY_FUNDS))
    count_cols = range(money_cols.stop, money_cols.stop + len(_SUMMARY_COUNTS))
    grid.span(header, money_cols.start, money_cols.stop - 1, "项目资金", label)
    grid.span(header, count_cols.start, count_cols.stop - 1, "绩效指标（个）", label)
    for col, text in zip([*money_cols, *count_cols], [t for t, _k in _SUMMARY_FUNDS] + list(_SUMMARY_COUNTS),
                         strict=True):
        grid.put(header + 1, col, text, label)
    grid.fit(header + 1, [(text, col, col)
                          for col, (text, _k) in zip(money_cols, _SUMMARY_FUNDS, strict=True)])
    first = header + 2
    text, center, amount, count = (grid.style(p) for p in ("text", "center", "money", "count"))
    totals = [Decimal("0.00")] * len(_SUMMARY_FUNDS)
    as_text = [False] * len(_SUMMARY_FUNDS)  # a column with an amount Excel cannot hold as a number
    counted = [0] * len(_SUMMARY_COUNTS)
    for number, d in enumerate(items, start=1):
        row = first + number - 1
        values = [number, *(getattr(d, key) for _t, key in _SUMMARY_FIELDS[1:])]
        for col, value in enumerate(values):
            grid.put(row, col, value, center if col == 0 else text)
        for i, (col, (_t, key)) in enumerate(zip(money_cols, _SUMMARY_FUNDS, strict=True)):
            value = getattr(d.funds, key)
            grid.put(row, col, value, amount)
            if value is not None:
                totals[i] += value
                as_text[i] = as_text[i] or isinstance(money(value), str)
        for i, (col, value) in enumerate(zip(count_cols, _counts(d), strict=True)):
            grid.put(row, col, value, count)
            counted[i] += value
        grid.fit(row, [(value, col, col) for col, value in enumerate(values[:len(_SUMMARY_FIELDS)])])
    total_row = first + len(items)
    grid.span(total_row, 0, len(_SUMMARY_FIELDS) - 1, "合计", label)
    bold_amount, bold_count = grid.style("money", bold=True), grid.style("count", bold=True)
    for col, exact, textual in zip(money_cols, totals, as_text, strict=True):
        shown = money(exact)
        if textual or isinstance(shown, str):
            grid.put(total_row, col, f"{exact:,.2f}", bold_amount)
        else:
            grid.sheet.write_formula(total_row, col, _sum(col, first, total_row - 1), bold_amount, shown)
    for col, number in zip(count_cols, counted, strict=True):
        grid.sheet.write_formula(total_row, col, _sum(col, first, total_row - 1), bold_count, number)
    grid.sheet.set_row(total_row, 20)
    grid.print_setup(repeat=(header, header + 1), landscape=True)
    return book.bytes()


def _sum(col: int, first: int, last: int) -> str:
    name = xl_col_to_name(col)
    return f"=SUM({name}{first + 1}:{name}{last + 1})" if last >= first else "=0"


# -- monitoring and self-evaluation -----------------------------------------------------------------------

def _head(grid: Grid, row: int, d: Declaration, middle: int, right: int) -> int:
    """项目名称 / 主管部门, 实施单位 rows under the title; labels in columns A–C."""
    _line(grid, row, [_label("项目名称", 0, 2), _value(d.name or "（无名称）", 3, grid.last)])
    _line(grid, row + 1, [_label("主管部门", 0, 2), _value(d.department, 3, middle - 1),
                          _label("实施单位", middle, right - 1), _value(d.unit, right, grid.last)])
    return row + 2


def _light(grid: Grid, row: int, col: int, light: str | None) -> None:
    """A light as its word on its colour (``—``: not monitored)."""
    fmt = grid.style("center", bold=True, bg_color=LIGHT_COLOURS[light]) if light else grid.style("center")
    grid.put(row, col, light or "—", fmt)


def _percent(value: Decimal | None) -> float | str:
    """A percentage (``95.5``) as the fraction a ``0.00%`` cell shows, or ``-``."""
    return float(value) / 100 if value is not None else "-"


def _months(as_of: date) -> str:
    """The period's heading: ``1–7月`` at a month's end, else ``1月1日–7月15日``."""
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return f"1–{as_of.month}月"
    return f"1月1日–{as_of.month}月{as_of.day}日"


def _both(reason: str | None, measures: str | None) -> str:
    """``偏差原因：…`` and ``改进措施：…`` in one cell, a line each (as the page shows them)."""
    parts = [f"偏差原因：{reason}" if reason else None, f"改进措施：{measures}" if measures else None]
    return "\n".join(p for p in parts if p)


_MONITOR_WIDTHS = (6, 12, 12, 26, 14, 14, 14, 9, 6, 10, 10, 10, 10, 10, 12, 24)


def monitoring_xlsx(source: Monitoring | Filled) -> bytes:
    """项目支出绩效目标执行监控表 of a monitoring (``monitor(declaration, as_of)``) or of a report of
    the store: the project's light, expected progress and money at stake; the budget execution; per
    indicator its figures to date, completion, light, 偏差原因 by class and 完成目标可能性."""
    m = source if isinstance(source, Monitoring) else source.monitoring
    d, funds, months = m.declaration, m.declaration.funds, _months(m.as_of)
    book = Book()
    grid = book.grid(f"{months}监控", _MONITOR_WIDTHS)
    row = _titles(grid, "项目支出绩效目标执行监控表", f"（{d.year or m.as_of.year}年{months}）")
    row = _head(grid, row, d, 7, 10)
    grid.span(row, 0, 2, "项目资金（元）", grid.style("label"), to_row=row + 1)
    _line(grid, row, [_label("年初预算数", 3), _label("全年预算数", 4), _label(f"{months}执行数", 5),
                      _label(f"{months}执行率", 6), _label("全年预计执行数", 7, 8),
                      _label("预算执行", 9, 15)])
    _line(grid, row + 1, [_value(funds.total, 3, 3, "money"), _value(funds.year_budget, 4, 4, "money"),
                          _value(funds.executed, 5, 5, "money"),
                          _value(_percent(m.budget.percent), 6, 6, "percent"),
                          _value(funds.forecast, 7, 8, "money"), _value(m.budget.reason, 10, 15)])
    _light(grid, row + 1, 9, m.budget.light)
    row += 2
    _line(grid, row, [_label("项目", 0, 2), _value(m.light.reason, 4, 15)])
    _light(grid, row, 3, m.light.light)
    _line(grid, row + 1, [_label("序时进度（应达进度）", 0, 2),
                          _value(_percent(m.expected.percent), 3, 3, "percent"),
                          _value(m.expected.text, 4, 15)])
    _line(grid, row + 2, [_label("涉及资金（元）", 0, 2), _value(m.at_stake, 3, 3, "money"),
                          _value(m.at_stake_text, 4, 15)])
    header = row + 3
    label = grid.style("label")
    tall = ["序号", "一级指标", "二级指标", "三级指标", "年度指标值", f"{months}执行情况", "全年预计完成情况",
            "完成比例", "灯"]
    for col, text in enumerate(tall):
        grid.span(header, col, col, text, label, to_row=header + 1)
    grid.span(header, 9, 13, "偏差原因分析", label)
    for col, text in enumerate(CAUSE_TITLES.values(), start=9):
        grid.put(header + 1, col, text, label)
    grid.span(header, 14, 14, "完成目标可能性", label, to_row=header + 1)
    grid.span(header, 15, 15, "备注", label, to_row=header + 1)
    grid.fit(header, [(text, col, col) for col, text in enumerate(tall)])
    cells = []
    for number, (ind, lit) in enumerate(zip(d.indicators, m.indicators, strict=True), start=1):
        actual = (ind.actual_raw or "") + ("（不适用）" if not ind.applicable else "")
        # The reason goes in its class's column (as the page shows it); without a class, in 备注.
        causes = [(ind.deviation_reason or "✓") if ind.deviation_cause == cause else None
                  for cause in CAUSE_TITLES]
        remark = _both(ind.deviation_reason if not ind.deviation_cause else None, ind.measures)
        cells.append([(number, 0, 0, "count"), (ind.name, 3, 3, "text"), (ind.target_raw, 4, 4, "text"),
                      (actual, 5, 5, "text"), (ind.forecast_raw, 6, 6, "text"),
                      (_percent(lit.percent) if lit.percent is not None else None, 7, 7, "percent"),
                      *((cause, col, col, "text") for col, cause in enumerate(causes, start=9)),
                      (ind.likelihood, 14, 14, "center"), (remark, 15, 15, "text")])
    _indicator_rows(grid, header + 2, d.indicators, ((1, 1), (2, 2)), cells)
    for offset, lit in enumerate(m.indicators):
        _light(grid, header + 2 + offset, 8, lit.light)
    grid.print_setup(repeat=(header, header + 1), landscape=True)
    return book.bytes()


_EVALUATION_WIDTHS = (6, 12, 12, 26, 14, 14, 9, 9, 30, 30)


def self_evaluation_xlsx(source: Evaluation | Filled) -> bytes:
    """项目支出绩效自评表 of a self-evaluation (``evaluate(declaration)``) or of a year-end report of the
    store: the budget execution and its score, the goal and what was achieved, per indicator its actual,
    weight, score and the formula, the total and the grade. ``ValueError`` for a monitoring round's report."""
    ev = source if isinstance(source, Evaluation) else source.evaluation
    if ev is None:
        raise ValueError("这是监控期的报告，没有自评：自评表只有年度自评（final）才有")
    d, funds = ev.declaration, ev.declaration.funds
    book = Book()
    grid = book.grid("自评表", _EVALUATION_WIDTHS)
    row = _titles(grid, "项目支出绩效自评表", f"（{_year(d.year)}年度）")
    row = _head(grid, row, d, 6, 8)
    grid.span(row, 0, 0, "项目资金（元）", grid.style("label"), to_row=row + 4)
    _line(grid, row, [_label("", 1, 2), _label("年初预算数", 3), _label("全年预算数", 4),
                      _label("全年执行数", 5), _label("分值", 6), _label("执行率", 7), _label("得分", 8),
                      _label("计分说明", 9)])
    budget = ev.budget
    _line(grid, row + 1, [_label("年度资金总额", 1, 2), _value(funds.total, 3, 3, "money"),
                          _value(funds.year_budget, 4, 4, "money"), _value(funds.executed, 5, 5, "money"),
                          _value(float(round2(ev.budget_weight)), 6, 6, "points"),
                          _value(_percent(budget.ratio), 7, 7, "percent"), _score(budget.score, 8),
                          _value(ev.budget_formula, 9)])
    within = (("其中：本年财政拨款", funds.current_year), ("其中：上年结转资金", funds.carryover),
              ("其中：其他资金", funds.other))
    for offset, (text, amount) in enumerate(within, start=2):
        _line(grid, row + offset, [_label(text, 1, 2), _value(amount, 3, 3, "money"),
                                   *(_value(None, col, col, "money") for col in range(4, 10))])
    row += 5
    grid.span(row, 0, 2, "年度总体目标", grid.style("label"), to_row=row + 1)
    _line(grid, row, [_label("预期目标", 3, 5), _label("实际完成情况", 6, 9)])
    _line(grid, row + 1, [_value(d.goal, 3, 5), _value(d.goal_result or "（未填写）", 6, 9)], least=2)
    header = row + 2
    _line(grid, header, [_label(text, col) for col, text in enumerate(
        ("序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施", "计分说明"))])
    cells = [[(s.index, 0, 0, "count"), (s.indicator.name, 3, 3, "text"),
              (s.indicator.target_raw, 4, 4, "text"), (s.indicator.actual_raw, 5, 5, "text"),
              (float(round2(s.weight)), 6, 6, "points"),
              _score(s.score, 7, "不适用" if not s.applicable else "—"),
              (_both(s.indicator.deviation_reason, s.indicator.measures), 8, 8, "text"),
              (s.formula, 9, 9, "text")]
             for s in ev.indicators]
    row = _indicator_rows(grid, header + 1, d.indicators, ((1, 1), (2, 2)), cells)
    _line(grid, row, [_label("总分", 0, 2), _score(ev.total, 3, "—"), _label("等级", 4),
                      _value(ev.grade or "—", 5, 9, "center")])
    parts = [f"预算执行率 {_points(ev.budget_score)} / {points(ev.budget_weight)}"]
    parts += [f"{PART_LABELS[p.part]} {_points(p.score)} / {points(p.applicable_weight)}" for p in ev.parts]
    _line(grid, row + 1, [_label("计算", 0, 2), _value(ev.formula, 3, 9)])
    _line(grid, row + 2, [_label("各部分", 0, 2), _value("；".join(parts), 3, 9)])
    flags = ev.all_flags()
    if flags:
        lines = [f"{SEVERITY_ZH[f.severity]} · "
                 + (f"指标 {s.index}「{s.indicator.name}」" if s is not None else "项目") + f"：{f.message}"
                 for s, f in flags]
        _line(grid, row + 3, [_label("提示", 0, 2), _value("\n".join(lines), 3, 9)])
    grid.print_setup(repeat=(header, header), landscape=True)
    return book.bytes()


def _points(value: Decimal | None) -> str:
    return points(value) if value is not None else "—"


def _score(score: Decimal | None, col: int, missing: str = "—") -> Cell:
    """A score as the number shown (two places, half up), or ``missing``."""
    if score is None:
        return missing, col, col, "center"
    return float(round2(score)), col, col, "points"
