"""The official forms as XLSX (jixiao.export.xlsx): every file is opened with an independent reader
(python-calamine) and checked cell by cell, merged range by merged range; the print setup and the font
are read from the package's XML."""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from python_calamine import CalamineWorkbook

from jixiao.actuals import Actuals, Period, apply_actuals
from jixiao.actuals_xlsx import actuals_template
from jixiao.evaluation import evaluate
from jixiao.export import (
    declaration_xlsx,
    declarations_xlsx,
    monitoring_xlsx,
    self_evaluation_xlsx,
    summary_xlsx,
)
from jixiao.export.xlsxkit import money, sheet_name
from jixiao.levels import runs
from jixiao.model import Declaration, Funds, Indicator, Target
from jixiao.monitoring import monitor
from jixiao.readers import read
from jixiao.reports import Filled
from tests.conftest import ACTUALS_2024, ACTUALS_M7, SEED_2020, SEED_2024

SEEDS_2024 = read(SEED_2024)
SEEDS_2020 = read(SEED_2020)
SEEDS = SEEDS_2024 + SEEDS_2020
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
Range = tuple[tuple[int, int], tuple[int, int]]


class Sheet:
    """A sheet as calamine reads it: its cells, its merged ranges, and the cells with a merged range's
    value filled in (as a person sees them)."""

    def __init__(self, data: bytes, index: int = 0) -> None:
        self.book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = self.book.get_sheet_by_index(index)
        self.name = sheet.name
        self.merges: list[Range] = list(sheet.merged_cell_ranges or [])
        rows = sheet.to_python(skip_empty_area=False)
        width = max([len(row) for row in rows] + [right + 1 for _top, (_bottom, right) in self.merges])
        height = max([len(rows)] + [bottom + 1 for _top, (bottom, _right) in self.merges])
        rows += [[]] * (height - len(rows))
        self.rows: list[list[Any]] = [row + [""] * (width - len(row)) for row in rows]  # blank ends too
        self.seen = [list(row) for row in self.rows]
        for (top, left), (bottom, right) in self.merges:
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    self.seen[r][c] = self.rows[top][left]

    def find(self, text: str, nth: int = 0) -> tuple[int, int]:
        found = [(r, c) for r, row in enumerate(self.rows) for c, v in enumerate(row) if v == text]
        assert found, f"no cell {text!r}"
        return found[nth]

    def end(self, row: int, col: int) -> tuple[int, int]:
        """The bottom-right cell of the merged range of (row, col); itself when in none."""
        for (top, left), (bottom, right) in self.merges:
            if (top, left) == (row, col):
                return bottom, right
        return row, col

    def right_of(self, label: str, nth: int = 0) -> Any:
        row, col = self.find(label, nth)
        return self.rows[row][self.end(row, col)[1] + 1]

    def below(self, label: str) -> Any:
        row, col = self.find(label)
        return self.rows[self.end(row, col)[0] + 1][col]


def part(data: bytes, name: str) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return ElementTree.fromstring(package.read(name))


def shown(value: Any) -> Any:
    """What calamine gives for a field written by the export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value)
    return value


def level_merges(levels: list[tuple[Any, Any]], top: int, cols: tuple[int, int]) -> set[Range]:
    """The merged ranges the level columns should have, worked out apart from the code under test: runs of
    equal level 1, and runs of equal level 2 within them."""
    expected: set[Range] = set()
    start = 0
    for _key, group in itertools.groupby(levels, key=lambda pair: pair[0]):
        size = len(list(group))
        if size > 1:
            expected.add(((top + start, cols[0]), (top + start + size - 1, cols[0])))
        inner = start
        for _key2, group2 in itertools.groupby(levels[start:start + size], key=lambda pair: pair[1]):
            size2 = len(list(group2))
            if size2 > 1:
                expected.add(((top + inner, cols[1]), (top + inner + size2 - 1, cols[1])))
            inner += size2
        start += size
    return expected


def assert_print_setup(data: bytes, sheet: int, repeat: str, orientation: str) -> None:
    xml = part(data, f"xl/worksheets/sheet{sheet}.xml")
    setup = xml.find(f"{MAIN}pageSetup")
    assert [setup.get(a) for a in ("paperSize", "fitToHeight", "orientation")] == ["9", "0", orientation]
    assert setup.get("fitToWidth", "1") == "1"  # one page wide (1 is the default, so not written)
    assert xml.find(f"{MAIN}sheetPr/{MAIN}pageSetUpPr").get("fitToPage") == "1"
    names = part(data, "xl/workbook.xml").find(f"{MAIN}definedNames")
    titles = [n.text for n in names if n.get("name") == "_xlnm.Print_Titles"
              and n.get("localSheetId", "0") == str(sheet - 1)]
    assert titles and titles[0].endswith(repeat), titles
    styles = part(data, "xl/styles.xml")
    assert {f.find(MAIN + "name").get("val") for f in styles.iter(MAIN + "font")} == {"宋体"}
    assert not list(styles.iter(MAIN + "scheme"))  # a theme font would show Calibri instead


# -- the declaration ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("decl", SEEDS_2024, ids=lambda d: d.name)
def test_a_2024_declaration_is_its_form(decl: Declaration) -> None:
    data = declaration_xlsx(decl)
    sheet = Sheet(data)
    assert sheet.name == decl.name
    assert sheet.rows[0][0] == "财政项目支出绩效目标申报表"
    assert sheet.rows[1][0] == "（2024年度）"
    assert {((0, 0), (0, 5)), ((1, 0), (1, 5))} <= set(sheet.merges)  # the titles across the table
    funds = decl.funds
    fields = {"项目名称": decl.name, "项目性质": decl.nature, "项目类别": decl.category,
              "主管部门": decl.department, "实施单位": decl.unit, "计划开始日期": decl.start,
              "计划完成日期": decl.end, "年度资金申请总额": funds.total, "其中：财政资金": funds.fiscal,
              "其中：当年财政拨款": funds.current_year, "上年结转资金": funds.carryover}
    for label, value in fields.items():
        assert sheet.right_of(label) == shown(value), label
    assert sheet.right_of("其他资金", 1) == shown(funds.other)  # the year's, on the right
    assert sheet.right_of("项目资金总额") == ""  # the project's whole funds: not in the model
    assert isinstance(sheet.right_of("计划开始日期"), date)
    assert sheet.below("项目总目标") == shown(decl.texts.total_goal)
    assert sheet.below("年度总体目标") == decl.goal
    money_row, _ = sheet.find("项目资金（元）")
    assert ((money_row, 0), (money_row + 3, 0)) in sheet.merges
    assert ((money_row + 1, 1), (money_row + 2, 1)) in sheet.merges  # 其中：财政资金 over two rows

    header, _ = sheet.find("三级指标")
    assert sheet.rows[header][1:5] == ["一级指标", "二级指标", "三级指标", "年度(/项目)指标值"]
    body = sheet.seen[header + 1:]
    assert len(body) == len(decl.indicators)
    for row, ind in zip(body, decl.indicators, strict=True):
        assert row[1:5] == [ind.level1, ind.level2, ind.name, ind.target_raw]
        assert row[0] == "绩效指标"
    top = header + 1
    levels = [(ind.level1, ind.level2) for ind in decl.indicators]
    in_levels = {m for m in sheet.merges if m[0][1] in (1, 2) and m[0][0] >= top}
    assert in_levels == level_merges(levels, top, (1, 2))
    assert ((header, 0), (header + len(decl.indicators), 0)) in sheet.merges  # 绩效指标
    assert all(((r, 4), (r, 5)) in sheet.merges for r in range(header, header + len(decl.indicators) + 1))
    assert_print_setup(data, 1, f"${header + 1}:${header + 1}", "portrait")


def test_the_first_2024_declaration_merges_its_levels_as_the_form_does() -> None:
    sheet = Sheet(declaration_xlsx(SEEDS_2024[0]))  # 4 数量, 2 质量, 1 时效 | 2 社会效益 | 1 满意度
    levels = {m for m in sheet.merges if m[0][1] in (1, 2) and m[0][0] >= 12}
    assert levels == {((12, 1), (18, 1)), ((19, 1), (20, 1)),
                      ((12, 2), (15, 2)), ((16, 2), (17, 2)), ((19, 2), (20, 2))}
    assert ((11, 0), (21, 0)) in sheet.merges


@pytest.mark.parametrize("decl", SEEDS_2020, ids=lambda d: d.name)
def test_a_2020_declaration_is_its_form(decl: Declaration) -> None:
    data = declaration_xlsx(decl)
    sheet = Sheet(data)
    assert sheet.rows[0][0] == "财政项目支出绩效目标表"
    assert sheet.rows[1][0] == "（2020年度）"
    funds, texts = decl.funds, decl.texts
    fields = {"申报单位名称": decl.unit, "项目名称": decl.name, "项目类别": decl.category,
              "计划开始日期": decl.start, "计划完成日期": decl.end, "是否含有政府购买服务": "否",
              "绩效类型": decl.performance_type, "项目概况": texts.overview, "立项依据": texts.basis,
              "项目设立的必要性": texts.necessity, "保证项目实施的制度、措施": texts.safeguards,
              "项目实施计划": texts.plan, "总目标及阶段性目标": decl.goal,
              "项目总预算（元）": funds.total, "项目当年预算（元）": funds.current_year,
              "同名项目上年预算额（元）": funds.previous_year_budget,
              "同名项目上年预算执行数（元）": funds.previous_year_spent}
    for label, value in fields.items():
        assert sheet.right_of(label) == shown(value), label
    row, _ = sheet.find("申报单位名称")
    assert ((row, 1), (row, 5)) in sheet.merges
    section, _ = sheet.find("2020年绩效目标")
    header = section + 1
    assert sheet.rows[header][:5] == ["一级目标", "二级目标", "三级目标", "", "指标目标值"]
    body = sheet.seen[header + 1:]
    assert len(body) == len(decl.indicators)
    for row_values, ind in zip(body, decl.indicators, strict=True):
        assert row_values[:5] == [ind.level1, ind.level2, ind.name, ind.name, ind.target_raw]
    top = header + 1
    levels = [(ind.level1, ind.level2) for ind in decl.indicators]
    in_levels = {m for m in sheet.merges if m[0][1] in (0, 1) and m[0][0] >= top}
    assert in_levels == level_merges(levels, top, (0, 1))
    assert all(((r, 2), (r, 3)) in sheet.merges for r in range(top, top + len(decl.indicators)))
    assert_print_setup(data, 1, f"${header + 1}:${header + 1}", "portrait")


def test_the_first_2020_declaration_merges_its_levels_as_the_form_does() -> None:
    sheet = Sheet(declaration_xlsx(SEEDS_2020[0]))
    top = sheet.find("一级目标")[0] + 1
    assert sheet.rows[top][:2] == ["投入与管理", "投入管理"]
    level1 = sorted((a[0] - top, b[0] - top) for a, b in sheet.merges if a[1] == b[1] == 0 and a[0] >= top)
    assert level1 == [(0, 5), (6, 14), (15, 17)]  # 投入与管理 6, 产出目标 9, 效果目标 3; 影响力目标 alone


def test_a_declaration_of_unknown_layout_is_written_in_the_2024_layout() -> None:
    decl = SEEDS_2020[0].model_copy(update={"layout": "unknown"})
    sheet = Sheet(declaration_xlsx(decl))
    assert sheet.rows[0][0] == "财政项目支出绩效目标申报表"
    assert sheet.right_of("实施单位") == decl.unit


def test_an_empty_declaration_is_a_blank_form() -> None:
    sheet = Sheet(declaration_xlsx(Declaration()))
    assert sheet.name == "申报表"
    assert sheet.rows[1][0] == "（　　年度）"
    assert sheet.right_of("项目名称") == ""
    header, _ = sheet.find("三级指标")
    assert len(sheet.rows) == header + 2  # one blank row under the header


def test_all_declarations_in_one_workbook_one_sheet_each() -> None:
    data = declarations_xlsx(SEEDS)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == [d.name for d in SEEDS]  # all valid and different already
    for index, decl in enumerate(SEEDS):
        sheet = Sheet(data, index)
        title = "财政项目支出绩效目标表" if decl.layout == "shanghai-2020" else "财政项目支出绩效目标申报表"
        assert sheet.rows[0][0] == title
        assert sheet.right_of("项目名称") == decl.name
    header = Sheet(data, 18).find("一级目标")[0] + 1
    assert_print_setup(data, 19, f"${header}:${header}", "portrait")  # the last, a 2020 form
    with pytest.raises(ValueError, match="没有项目"):
        declarations_xlsx([])


def test_sheet_names_are_made_valid_and_unique() -> None:
    base = SEEDS_2024[2]
    names = ["a/b:c", "a/b:c", "A/B:C", "x" * 40, "'引号'", "History", None]
    data = declarations_xlsx([base.model_copy(update={"name": n}) for n in names])
    sheets = CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    assert sheets == ["a_b_c", "a_b_c（2）", "A_B_C（3）", "x" * 31, "引号", "History_", "申报表"]
    assert sheet_name("一" * 40, {"一" * 31}) == "一" * 28 + "（2）"
    assert sheet_name("😀" * 20) == "😀" * 15  # 31 UTF-16 units at most, as Excel counts


def test_money_is_exact_or_text() -> None:
    assert money(Decimal("522400.00")) == 522400.0
    assert money(Decimal("9999999999999.99")) == 9999999999999.99  # 15 digits: exact
    assert money(Decimal("90000000000000000.00")) == 9e16  # one significant digit
    assert money(Decimal("12345678901234.56")) == "12,345,678,901,234.56"  # 16: a double cannot keep it
    decl = SEEDS_2024[0].model_copy(update={"funds": Funds(total=Decimal("12345678901234.56"),
                                                           current_year=Decimal("9999999999999.99"))})
    sheet = Sheet(declaration_xlsx(decl))
    assert sheet.right_of("年度资金申请总额") == "12,345,678,901,234.56"
    assert Decimal(repr(sheet.right_of("其中：当年财政拨款"))) == Decimal("9999999999999.99")


def test_level_runs_stay_within_their_parent() -> None:
    assert runs(["a", "a", "b", None, None]) == [(0, 1), (2, 2), (3, 4)]
    assert runs(["x", "x", "x", "x"], [(0, 1), (2, 3)]) == [(0, 1), (2, 3)]
    assert runs([]) == []


def test_the_actuals_template_merges_the_levels_with_the_same_mechanism() -> None:
    decl = apply_actuals(SEEDS_2024[0], Actuals())
    sheet = Sheet(actuals_template(decl, Period.parse("M7")))
    header, _ = sheet.find("三级指标")
    top = header + 1
    levels = [(ind.level1, ind.level2) for ind in decl.indicators]
    assert {m for m in sheet.merges if m[0][0] >= top} == level_merges(levels, top, (1, 2))
    assert [row[1:4] for row in sheet.seen[top:]] == [[i.level1, i.level2, i.name] for i in decl.indicators]


# -- the summary -------------------------------------------------------------------------------------------

def test_the_summary_lists_every_project_and_the_totals() -> None:
    data = summary_xlsx(SEEDS_2024)
    sheet = Sheet(data)
    assert sheet.name == "汇总表"
    assert sheet.rows[0][0] == "上海市红十字会2024年度项目绩效目标汇总表"
    assert ((0, 0), (0, 16)) in sheet.merges
    header, _ = sheet.find("序号")
    assert sheet.rows[header][:7] == ["序号", "项目名称", "主管部门", "实施单位", "项目性质", "项目类别",
                                      "项目资金"]
    assert sheet.rows[header + 1][6:] == ["年度资金申请总额", "其中：财政资金", "其中：当年财政拨款",
                                          "上年结转资金", "其他资金", "指标数", "产出", "效益", "满意度",
                                          "其他", "定量"]
    assert {((header, 6), (header, 10)), ((header, 11), (header, 16)), ((header, 0), (header + 1, 0))} <= set(
        sheet.merges)
    body = sheet.rows[header + 2:header + 2 + len(SEEDS_2024)]
    for number, (row, decl) in enumerate(zip(body, SEEDS_2024, strict=True), start=1):
        funds = decl.funds
        amounts = (funds.total, funds.fiscal, funds.current_year, funds.carryover, funds.other)
        assert row[:11] == [number, decl.name, decl.department, decl.unit, decl.nature, decl.category,
                            *(shown(v) for v in amounts)]
        assert row[11] == len(decl.indicators) == sum(row[12:16])
        assert row[16] == sum(i.target.is_quantitative for i in decl.indicators)
    first = SEEDS_2024[0]  # 7 产出, 2 效益, 1 满意度; 5 quantitative (=3000.00(份) …, ≥80.00(%))
    assert body[0][11:] == [10, 7, 2, 1, 0, 5]
    total = sheet.rows[header + 2 + len(SEEDS_2024)]
    assert total[0] == "合计"
    exact = sum(d.funds.total for d in SEEDS_2024)
    assert exact == Decimal("13012181.00") and total[6] == float(exact) == total[8]
    assert total[7] == 0 and total[9] == 0 and total[10] == 0
    assert total[11:] == [124, 91, 21, 12, 0, 77]
    assert total[11] == sum(len(d.indicators) for d in SEEDS_2024)
    # Formulas, and their values for a reader that does not calculate.
    cells = {c.get("r"): c for c in part(data, "xl/worksheets/sheet1.xml").iter(MAIN + "c")}
    row = header + 3 + len(SEEDS_2024)
    assert cells[f"G{row}"].findtext(MAIN + "f") == f"SUM(G{header + 3}:G{row - 1})"
    assert float(cells[f"G{row}"].findtext(MAIN + "v")) == 13012181
    assert cells[f"L{row}"].findtext(MAIN + "f") == f"SUM(L{header + 3}:L{row - 1})"
    assert first.name == body[0][1]
    assert_print_setup(data, 1, f"${header + 1}:${header + 2}", "landscape")


def test_the_summary_counts_the_2020_tree_and_writes_a_huge_total_as_text() -> None:
    sheet = Sheet(summary_xlsx(SEEDS_2020, title="事务中心汇总"))
    assert sheet.rows[0][0] == "事务中心汇总"
    header, _ = sheet.find("序号")
    # 红十字培训项目管理: 投入与管理 6 and 影响力 1 are 其他; 参与者满意度 (效果目标 › 满意度) is 满意度.
    assert sheet.rows[header + 2][11:16] == [19, 9, 2, 1, 7]
    assert Sheet(summary_xlsx(SEEDS_2020)).rows[0][0] == "上海市红十字事务中心2020年度项目绩效目标汇总表"
    huge = [d.model_copy(update={"funds": Funds(total=Decimal(amount))})
            for d, amount in zip(SEEDS_2020[:2], ("12345678901234.56", "1.00"), strict=True)]
    sheet = Sheet(summary_xlsx(huge))
    assert sheet.rows[-1][6] == "12,345,678,901,235.56"


# -- monitoring and self-evaluation ------------------------------------------------------------------------

def test_the_monitoring_table_of_a_red_project() -> None:
    decl = next(d for d in read(ACTUALS_M7) if d.name == "信息化建设项目")
    watched = monitor(decl, date(2024, 7, 31))
    data = monitoring_xlsx(watched)
    sheet = Sheet(data)
    assert sheet.name == "1–7月监控"
    assert sheet.rows[0][0] == "项目支出绩效目标执行监控表"
    assert sheet.rows[1][0] == "（2024年1–7月）"
    assert sheet.right_of("项目名称") == "信息化建设项目"
    assert sheet.right_of("主管部门") == sheet.right_of("实施单位") == "上海市红十字会"
    assert sheet.right_of("项目") == "红"
    assert sheet.right_of("涉及资金（元）") == 3718900.0
    assert round(sheet.right_of("序时进度（应达进度）"), 4) == 0.582  # 213 ÷ 366
    assert sheet.below("年初预算数") == sheet.below("全年预算数") == 3718900.0
    assert sheet.below("1–7月执行数") == 0 and sheet.below("1–7月执行率") == 0
    assert sheet.below("预算执行") == "红"
    header, _ = sheet.find("三级指标")
    assert sheet.rows[header] == ["序号", "一级指标", "二级指标", "三级指标", "年度指标值", "1–7月执行情况",
                                  "全年预计完成情况", "完成比例", "灯", "偏差原因分析", "", "", "", "",
                                  "完成目标可能性", "备注"]
    assert sheet.rows[header + 1][9:14] == ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"]
    assert ((header, 9), (header + 1, 9)) not in sheet.merges and ((header, 9), (header, 13)) in sheet.merges
    assert ((header, 0), (header + 1, 0)) in sheet.merges
    body = sheet.seen[header + 2:]
    assert len(body) == 3
    for number, (row, ind) in enumerate(zip(body, decl.indicators, strict=True), start=1):
        assert row[:7] == [number, ind.level1, ind.level2, ind.name, ind.target_raw, ind.actual_raw,
                           ind.forecast_raw]
        assert row[8] == "红" and row[14] == "有可能"
        column = 9 + list(("经费", "制度", "人员", "硬件", "其他")).index(ind.deviation_cause)
        assert row[column] == ind.deviation_reason
        assert row[15] == f"改进措施：{ind.measures}"
    assert body[0][7] == 0 and round(body[1][7], 2) == 0.2  # 未达成（20%）
    assert ((header + 2, 1), (header + 3, 1)) in sheet.merges  # 产出指标 over two rows
    assert_print_setup(data, 1, f"${header + 1}:${header + 2}", "landscape")
    # The same from a report of the store.
    filled = Filled(None, Period(7), None, Actuals(), decl, watched, None)  # type: ignore[arg-type]
    assert Sheet(monitoring_xlsx(filled)).rows == sheet.rows
    with pytest.raises(ValueError, match="自评表"):
        self_evaluation_xlsx(filled)


def test_the_self_evaluation_table_of_the_donation_project() -> None:
    decl = read(ACTUALS_2024)[0]
    evaluation = evaluate(decl)
    data = self_evaluation_xlsx(evaluation)
    sheet = Sheet(data)
    assert sheet.rows[0][0] == "项目支出绩效自评表"
    assert sheet.rows[1][0] == "（2024年度）"
    assert sheet.right_of("项目名称") == "遗体 and 人体器官捐献工作专项经费"
    assert sheet.right_of("总分") == 97.0
    assert sheet.right_of("等级") == "优"
    assert sheet.right_of("计算") == "9.50 + 47.50 + 30.00 + 10.00 = 97.00"
    row, _ = sheet.find("年度资金总额")
    assert sheet.rows[row][3:9] == [522400.0, 522400.0, 496280.0, 10.0, 0.95, 9.5]
    assert sheet.rows[row][9] == evaluation.budget_formula
    assert sheet.right_of("其中：本年财政拨款") == 522400.0
    assert sheet.below("预期目标") == decl.goal
    assert decl.goal_result is None and sheet.below("实际完成情况") == "（未填写）"
    reported = decl.model_copy(update={"goal_result": "全年目标基本完成。"})
    assert Sheet(self_evaluation_xlsx(evaluate(reported))).below("实际完成情况") == "全年目标基本完成。"
    header, _ = sheet.find("三级指标")
    assert sheet.rows[header] == ["序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                  "分值", "得分", "偏差原因分析及改进措施", "计分说明"]
    body = sheet.seen[header + 1:header + 1 + len(decl.indicators)]
    for row_values, scored in zip(body, evaluation.indicators, strict=True):
        ind = scored.indicator
        assert row_values[:6] == [scored.index, ind.level1, ind.level2, ind.name, ind.target_raw,
                                  ind.actual_raw]
        assert row_values[6] == round(float(scored.weight), 2)
        assert Decimal(repr(row_values[7])) == scored.score.quantize(Decimal("0.01"), "ROUND_HALF_UP")
        assert row_values[9] == scored.formula
    assert body[1][7] == 6.79 and body[1][8].startswith("偏差原因：部分纪念证")
    assert "\n改进措施：" in body[1][8]
    assert "指标 2「制作遗体(含角膜)实现者纪念证」" in sheet.right_of("提示")
    assert_print_setup(data, 1, f"${header + 1}:${header + 1}", "landscape")


def test_a_project_without_indicators_or_actuals_still_has_its_tables() -> None:
    decl = Declaration(name="空项目", year=2024, funds=Funds(total=Decimal("100.00")), layout="shanghai-2024")
    sheet = Sheet(monitoring_xlsx(monitor(decl, date(2024, 3, 15))))
    assert sheet.rows[1][0] == "（2024年1月1日–3月15日）"
    sheet = Sheet(self_evaluation_xlsx(evaluate(decl)))
    assert sheet.right_of("总分") == "—"
    odd = Indicator(name="x", target_raw="1", target=Target(op="=", value=Decimal(1)), applicable=False)
    sheet = Sheet(self_evaluation_xlsx(evaluate(decl.model_copy(update={"indicators": [odd]}))))
    header, _ = sheet.find("三级指标")
    assert sheet.rows[header + 1][7] == "不适用"
