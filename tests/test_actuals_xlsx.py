"""jixiao.actuals_xlsx and ``jixiao actuals``: the XLSX form of a project's actuals, written and read back;
a workbook a person laid out otherwise; exact money from Excel's floats; errors that name the cell; the
commands end to end up to ``jixiao evaluate`` and ``jixiao monitor``."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import python_calamine
import xlsxwriter
from click.testing import CliRunner, Result

from jixiao.actuals import (
    Actuals,
    ActualsError,
    FundsActual,
    IndicatorActual,
    Period,
    actuals_of,
    apply_actuals,
)
from jixiao.actuals_xlsx import COLUMNS, FIELDS, LAYOUT, actuals_template, read_actuals_xlsx, template_layout
from jixiao.cli import cli
from jixiao.model import Weights
from jixiao.readers import read
from tests.conftest import ACTUALS_2020, ACTUALS_2024, SEED_2024

PROJECTS = read(ACTUALS_2024) + read(ACTUALS_2020)
DONATION = PROJECTS[0]  # 遗体 and 人体器官捐献工作专项经费: 10 indicators, 522,400 yuan
PLAIN = apply_actuals(DONATION, Actuals())  # the same project without actuals
M7, FINAL = Period.parse("M7"), Period.parse("final")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def grid(data: bytes, sheet: int = 0) -> list[list[Any]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(sheet).to_python(skip_empty_area=False)


def find(rows: list[list[Any]], text: str) -> tuple[int, int]:
    return next((r, c) for r, row in enumerate(rows) for c, v in enumerate(row) if v == text)


def part(data: bytes, name: str) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return ElementTree.fromstring(package.read(name))


def workbook(rows: list[list[Any]], *, percent: tuple[tuple[int, int], ...] = (),
             merges: tuple[tuple[int, int, int, int], ...] = (), cover: bool = False) -> bytes:
    """A workbook as a person would make it (no Jixiao marker): ``rows`` of values, ``None`` for none."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if cover:
        book.add_worksheet("封面").write_string(0, 0, "请在“填报”工作表中填写")
    sheet = book.add_worksheet("填报")
    shown_as_percent = book.add_format({"num_format": "0.0%"})
    merged = {(r, c) for r, c, _, _ in merges}
    for first_row, first_col, last_row, last_col in merges:
        sheet.merge_range(first_row, first_col, last_row, last_col, rows[first_row][first_col])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or (r, c) in merged:
                continue
            style = shown_as_percent if (r, c) in percent else None
            if isinstance(value, str):
                sheet.write_string(r, c, value, style)
            else:
                sheet.write_number(r, c, value, style)
    book.close()
    return buffer.getvalue()


def full_actuals(period: Period) -> Actuals:
    """Every field the form of ``period`` has, filled."""
    rows = [
        IndicatorActual(index=1, name="制作遗体(含角膜)捐献登记资料", actual_raw="1800份", applicable=True,
                        deviation_cause="经费", deviation_reason="印刷合同延后", measures="八月补印"),
        IndicatorActual(index=4, name="制作器官捐献宣传资料", actual_raw="0", applicable=False),
        IndicatorActual(index=10, name="登记者和实现者家属满意度", actual_raw="96.5%",
                        deviation_reason="第一行\n第二行"),
    ]
    if period.is_final:
        rows[0] = rows[0].model_copy(update={"weight": Decimal("12.5")})
        return Actuals(funds=FundsActual(budget=Decimal("500000.10"), executed=Decimal("496280.05")),
                       goal_result="全年目标基本完成，数据库迁移推迟两周。",
                       weights=Weights(budget=Decimal(20), output=Decimal(40), benefit=Decimal(30),
                                       satisfaction=Decimal(10)), indicators=rows)
    rows[0] = rows[0].model_copy(update={"forecast_raw": "3000份", "likelihood": "有可能"})
    rows[2] = rows[2].model_copy(update={"likelihood": "确定能"})
    return Actuals(funds=FundsActual(executed=Decimal("300000.01"), forecast=Decimal("520000")),
                   indicators=rows)


# ------------------------------------------------------------------ the template

LEVELS = ["序号", "一级指标", "二级指标", "三级指标", "年度指标值"]


@pytest.mark.parametrize(("period", "title", "headings"), [
    (M7, "2024年1–7月绩效运行监控填报表",
     [*LEVELS, "1–7月执行情况", "全年预计完成情况", "是否适用", "完成目标可能性", "偏差原因类别",
      "偏差原因分析", "改进措施"]),
    (FINAL, "2024年度绩效自评填报表",
     [*LEVELS, "实际完成值", "分值", "是否适用", "偏差原因类别", "偏差原因分析", "改进措施"]),
], ids=["M7", "final"])
def test_the_template_has_the_title_the_blocks_and_a_row_per_indicator(period, title, headings):
    data = actuals_template(PLAIN, period)
    rows = grid(data)
    assert rows[0][0] == title
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == [period.label, "jixiao"]
    assert ((0, 0), (0, len(headings) - 1)) in book.get_sheet_by_index(0).merged_cell_ranges
    assert rows[1][0] == ("项目名称：遗体 and 人体器官捐献工作专项经费　　主管部门：上海市红十字会"
                          "　　实施单位：上海市红十字会")
    header, _ = find(rows, "三级指标")
    assert rows[header][:len(headings)] == headings
    body = rows[header + 1:]
    assert [row[0] for row in body] == list(range(1, 11))
    assert [row[3] for row in body] == [i.name for i in DONATION.indicators]
    assert [row[4] for row in body] == [i.target_raw for i in DONATION.indicators]
    assert {row[headings.index("是否适用")] for row in body} == {"是"}
    r, c = find(rows, "年初预算数")
    assert rows[r + 1][c] == 522400.0
    funds = [v for v in rows[r] if v]
    expected = (["全年执行数", "全年执行率"] if period.is_final
                else ["1–7月执行数", "全年预计执行数", "1–7月执行率"])
    assert funds == ["项目资金（元）", "年初预算数", "全年预算数", *expected]
    goal = [row[0] for row in rows if row[0] in ("年度总体目标", "实际完成情况")]
    assert goal == (["年度总体目标", "实际完成情况"] if period.is_final else [])


def test_the_template_lists_validates_locks_and_prints_as_a_form():
    data = actuals_template(PLAIN, M7)
    sheet = part(data, "xl/worksheets/sheet1.xml")
    lists = {v.get("sqref"): v.findtext(MAIN + "formula1") for v in sheet.iter(MAIN + "dataValidation")
             if v.get("type") == "list"}
    assert lists == {"H9:H18": '"是,否"', "I9:I18": '"确定能,有可能,完全不可能"',
                     "J9:J18": '"经费,制度,人员,硬件,其他"'}
    money = [v.get("sqref") for v in sheet.iter(MAIN + "dataValidation") if v.get("type") == "decimal"]
    assert money == ["E6", "F6", "G6"]  # 全年预算数, 1–7月执行数, 全年预计执行数
    assert sheet.find(f"{MAIN}sheetProtection") is not None
    pane = sheet.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
    assert (pane.get("state"), pane.get("topLeftCell")) == ("frozen", "E9")
    setup = sheet.find(f"{MAIN}pageSetup")
    assert [setup.get(a) for a in ("paperSize", "orientation", "fitToHeight")] == ["9", "landscape", "0"]
    assert sheet.find(f"{MAIN}sheetPr/{MAIN}pageSetUpPr").get("fitToPage") == "1"
    names = part(data, "xl/workbook.xml").find(f"{MAIN}definedNames")
    assert [(n.get("name"), n.text) for n in names] == [("_xlnm.Print_Titles", "'1–7月监控'!$8:$8")]
    styles = part(data, "xl/styles.xml")
    assert {f.find(MAIN + "name").get("val") for f in styles.iter(MAIN + "font")} == {"宋体"}
    assert not list(styles.iter(MAIN + "scheme"))  # a theme font would replace 宋体
    xfs = list(styles.find(MAIN + "cellXfs"))
    cells = {c.get("r"): int(c.get("s", "0")) for c in sheet.iter(MAIN + "c")}

    def locked(ref: str) -> bool:
        protection = xfs[cells[ref]].find(MAIN + "protection")
        return protection is None or protection.get("locked") != "0"

    # 序号, 三级指标, 年度指标值, 年初预算数; then the inputs
    assert [locked(ref) for ref in ("A9", "D9", "E9", "D6")] == [True] * 4
    assert [locked(ref) for ref in ("F9", "G9", "H9", "I9", "L18", "E6", "F6")] == [False] * 7
    text = next(n for n in styles.find(MAIN + "numFmts") if n.get("formatCode") == "@").get("numFmtId")
    assert xfs[cells["F9"]].get("numFmtId") == text  # typed 96.5% stays text


def test_the_template_says_what_it_is_in_a_hidden_sheet():
    data = actuals_template(PLAIN, M7)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheets_metadata[1].visible == python_calamine.SheetVisibleEnum.VeryHidden
    assert template_layout(data) == {"layout": LAYOUT, "period": "M7", "project": DONATION.name,
                                     "year": "2024", "unit": "上海市红十字会", "indicators": "10"}
    assert template_layout(workbook([["序号", "三级指标", "实际完成值"]])) is None
    assert template_layout(b"not a workbook") is None


def test_an_empty_template_reads_as_no_actuals():
    for period in (M7, FINAL):
        assert read_actuals_xlsx(actuals_template(PLAIN, period), "空.xlsx") == Actuals()


def test_the_template_refuses_actuals_of_another_project():
    other = actuals_of(PROJECTS[1])  # 信息化建设项目
    with pytest.raises(ActualsError, match="指标 1: 名称为“信息化项目建设”"):
        actuals_template(PLAIN, FINAL, other)


def test_every_column_and_field_is_read_back_under_its_own_heading():
    for period in (M7, FINAL):
        for entry in (*COLUMNS, *FIELDS):
            if entry.written_in(period):
                heading = re.sub(r"\s", "", entry.heading(period))
                assert entry.matches(heading.replace("–", "-")), (period, heading)


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("period", [M7, FINAL], ids=["M7", "final"])
@pytest.mark.parametrize("declaration", PROJECTS, ids=[d.name for d in PROJECTS])
def test_the_fixture_actuals_come_back_from_their_template(declaration, period):
    actuals = actuals_of(declaration)
    data = actuals_template(apply_actuals(declaration, Actuals()), period, actuals)
    back = read_actuals_xlsx(data, "x.xlsx")
    assert back == actuals
    assert back.funds.executed == declaration.funds.executed


@pytest.mark.parametrize("period", [M7, FINAL], ids=["M7", "final"])
def test_every_field_of_the_period_comes_back(period):
    actuals = full_actuals(period)
    back = read_actuals_xlsx(actuals_template(PLAIN, period, actuals), "x.xlsx")
    assert back == actuals
    assert back.indicators[2].deviation_reason == "第一行\n第二行"


# ------------------------------------------------------------------ a workbook laid out by a person

PERSON = [
    ["2024年1-7月项目支出绩效目标执行监控表"],
    ["项目名称", DONATION.name],
    ["项目资金（万元）", "年初预算数", "全年预算数", "1-7月执行数", "1-7月执行率", "全年预计\n执行数"],
    [None, 52.24, 52.24, 30.5, 0.58, 50],
    [],
    ["序 号", "一级指标", "三级\n指标", "年度指标值", "完成目标\u3000可能性", "1-7月执行情况",
     "全年预计\n完成情况", "偏差原因分析及改进措施", "备注", "二级指标"],
    [1, "产出指标", "制作遗体(含角膜)捐献登记资料", "=3000.00(份)", "确定能", 1800, "3000份", None, None,
     "数量指标"],
    [],
    [2, "产出指标", "制作遗体(含角膜)实现者纪念证", "=1000.00(份)", "有可能", "520份", "900份",
     "部分家属未领取。改进措施：提前核对名单", "见附件", "数量指标"],
    [3, "产出指标", "遗体捐献数据库维护", "=1.00(个)"],
    ["１０", "满意度指标", "登记者和实现者家属满意度", "≥80.00(%)", "确定能", 0.965, "90%", None, None, None],
    ["合计", None, None, None, None, None, None, None, None, None],
]


def test_a_workbook_laid_out_by_a_person_is_read_by_its_labels():
    data = workbook(PERSON, percent=((10, 5),), merges=((0, 0, 0, 9),), cover=True)
    actuals = read_actuals_xlsx(data, "填好的.xlsx")
    assert actuals.funds == FundsActual(budget=Decimal(522400), executed=Decimal(305000),
                                        forecast=Decimal(500000))
    assert actuals.indicators == [
        IndicatorActual(index=1, name="制作遗体(含角膜)捐献登记资料", actual_raw="1800",
                        forecast_raw="3000份", likelihood="确定能"),
        IndicatorActual(index=2, name="制作遗体(含角膜)实现者纪念证", actual_raw="520份",
                        forecast_raw="900份", likelihood="有可能", deviation_reason="部分家属未领取。",
                        measures="提前核对名单"),
        IndicatorActual(index=10, name="登记者和实现者家属满意度", actual_raw="96.5%", forecast_raw="90%",
                        likelihood="确定能"),
    ]
    laid = apply_actuals(PLAIN, actuals)
    assert laid.indicators[9].actual.value == Decimal("96.5")


def test_a_combined_reason_column_without_measures_is_all_reason():
    rows = [["序号", "三级指标", "实际完成值", "偏差原因分析及改进措施"],
            [2, "纪念证", "950份", "家属未领取"]]
    row = read_actuals_xlsx(workbook(rows), "x.xlsx").indicators[0]
    assert (row.deviation_reason, row.measures) == ("家属未领取", None)


def test_a_table_without_a_serial_column_is_numbered_in_order():
    rows = [["一级指标", "三级指标", "实际完成值", "分值", "得分"], ["产出指标", "a", "1个", 10, 10],
            ["产出指标"], ["产出指标", "b", "2个", None, None], ["总分", None, None, 100, 95]]
    actuals = read_actuals_xlsx(workbook(rows), "x.xlsx")
    assert [(r.index, r.name, r.actual_raw, r.weight) for r in actuals.indicators] == [
        (1, "a", "1个", Decimal(10)), (2, "b", "2个", None)]


def test_deviation_classes_as_the_136_form_writes_them():
    rows = [["序号", "三级指标", "1–7月执行情况", "偏差原因"], [1, "a", "1个", "硬件条件保障"],
            [2, "b", "1个", "经费保障"]]
    actuals = read_actuals_xlsx(workbook(rows), "x.xlsx")
    assert [r.deviation_cause for r in actuals.indicators] == ["硬件", "经费"]


# ------------------------------------------------------------------ money exact to the fen


def money_book(executed: Any, budget: Any = None) -> bytes:
    return workbook([["全年执行数", executed], ["全年预算数", budget], ["序号", "三级指标", "实际完成值"],
                     [1, "a", "1个"]])


@pytest.mark.parametrize(("cell", "expected"), [
    (496280.0, "496280"),
    (496280.05, "496280.05"),
    (1234567.89, "1234567.89"),
    (3, "3"),
    ("522,400.00", "522400.00"),
    ("１２３.４", "123.4"),
    ("1.5万元", "15000.0"),
    ("300元", "300"),
])
def test_money_from_excel_is_exact_to_the_fen(cell, expected):
    executed = read_actuals_xlsx(money_book(cell), "x.xlsx").funds.executed
    assert str(executed) == expected


def raw_number(data: bytes, ref: str, text: str) -> bytes:
    """``data`` with the number of cell ``ref`` written as ``text`` in the sheet's XML, as Excel writes a
    float (17 digits: ``0.30000000000000004``); xlsxwriter writes 16 and would hide the artefact."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(rf'(<c r="{ref}"[^>]*><v>)[^<]*'.encode(), rb"\g<1>" + text.encode(),
                                         content)
                assert count == 1
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize(("raw", "expected"), [
    ("0.30000000000000004", "0.30"),  # =0.1+0.2 in Excel
    ("1234.5600000000002", "1234.56"),
    ("496279.99999999994", "496280.00"),
])
def test_a_float_artefact_is_rounded_to_the_fen(raw, expected):
    data = raw_number(money_book(1.0), "B1", raw)
    assert str(read_actuals_xlsx(data, "x.xlsx").funds.executed) == expected


def test_a_float_further_from_the_fen_than_an_artefact_is_refused():
    with pytest.raises(ActualsError) as caught:
        read_actuals_xlsx(raw_number(money_book(1.0), "B1", "0.300001"), "x.xlsx")
    assert "单元格 B1（全年执行数）金额应精确到分（最多两位小数），填的是“0.300001”" in str(caught.value)


@pytest.mark.parametrize(("cell", "message"), [
    (1234.567, "单元格 B1（全年执行数）金额应精确到分（最多两位小数），填的是“1234.567”"),
    ("12.345", "单元格 B1（全年执行数）金额应精确到分（最多两位小数），填的是“12.345”"),
    (-5, "单元格 B1（全年执行数）金额不能为负数，填的是“-5”"),
    ("约五万", "单元格 B1（全年执行数）应为金额（元），填的是“约五万”"),
    (1e17, "单元格 B1（全年执行数）金额过大"),
])
def test_money_that_is_not_exact_names_the_cell(cell, message):
    with pytest.raises(ActualsError) as caught:
        read_actuals_xlsx(money_book(cell), "钱.xlsx")
    assert str(caught.value).startswith("钱.xlsx：工作表“填报”：") and message in str(caught.value)


def test_a_typed_percentage_in_a_text_cell_is_kept():
    rows = [["序号", "三级指标", "实际完成值"], [1, "a", "96.5%"], [2, "b", 0.5], [3, "c", 3150]]
    actuals = read_actuals_xlsx(workbook(rows, percent=((2, 2),)), "x.xlsx")
    assert [r.actual_raw for r in actuals.indicators] == ["96.5%", "50%", "3150"]


# ------------------------------------------------------------------ errors


def test_bad_cells_are_all_named_with_what_was_expected():
    rows = [["序号", "三级指标", "完成目标可能性", "是否适用", "1-7月执行情况", "分值"],
            [1, "a", "大概", "是", "x", None],
            ["一", "b", None, None, "y", None],
            [3, "c", None, "也许", None, -2],
            [3, "d", None, None, "z", None],
            [None, "e", None, None, "w", None],
            [2.5, "f", None, None, "v", None]]
    with pytest.raises(ActualsError) as caught:
        read_actuals_xlsx(workbook(rows), "填报.xlsx")
    assert str(caught.value) == (
        "填报.xlsx：工作表“填报”："
        "单元格 C2（完成目标可能性）应为 确定能、有可能、完全不可能 之一，填的是“大概”；"
        "单元格 A3（序号）序号应为正整数，填的是“一”；"
        "单元格 D4（是否适用）应为 是 或 否，填的是“也许”；"
        "单元格 F4（分值）应为不小于 0 的数，填的是“-2”；"
        "第 5 行：序号 3 与第 4 行重复；"
        "第 6 行有填报内容但没有序号；"
        "单元格 A7（序号）序号应为正整数，填的是“2.5”")


def test_what_the_model_refuses_after_the_cells_are_read_is_located_too(monkeypatch):
    """The model's own checks back the reader's: a value the reader let through is named by its cell."""
    monkeypatch.setattr("jixiao.actuals_xlsx._as_yes_no", lambda value: value)
    rows = [["序号", "三级指标", "实际完成值", "是否适用"], [1, "a", "1个", "是"], [2, "b", "2个", "也许"]]
    with pytest.raises(ActualsError) as caught:
        read_actuals_xlsx(workbook(rows), "x.xlsx")
    message = str(caught.value)
    assert message.startswith("x.xlsx：工作表“填报”：单元格 D3（是否适用）：应是“是”或“否”")


def test_a_project_without_indicators_or_year_has_a_form_too():
    bare = PLAIN.model_copy(update={"indicators": [], "year": None})
    data = actuals_template(bare, FINAL, Actuals(funds=FundsActual(executed=Decimal("1.5"))))
    assert grid(data)[0][0] == "年度绩效自评填报表"
    assert read_actuals_xlsx(data, "x.xlsx") == Actuals(funds=FundsActual(executed=Decimal("1.5")))


def test_two_columns_for_one_field_are_refused():
    rows = [["序号", "三级指标", "实际完成值", "1-7月执行情况"], [1, "a", "1个", "2个"]]
    with pytest.raises(ActualsError, match="第 1 行的表头有两列“1-7月执行情况”（C 列和 D 列）"):
        read_actuals_xlsx(workbook(rows), "x.xlsx")


@pytest.mark.parametrize("data", [b"", b"not a workbook", b"PK\x03\x04broken", "序号,三级指标\n".encode()])
def test_a_file_that_is_not_a_workbook_is_said_to_be_so(data):
    with pytest.raises(ActualsError, match=r"^报表\.xlsx：不是可读的 Excel 工作簿（应为 \.xlsx 文件"):
        read_actuals_xlsx(data, "报表.xlsx")


def test_a_zip_that_is_not_a_workbook_is_said_to_be_so():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w/>")
    with pytest.raises(ActualsError, match="不是可读的 Excel 工作簿"):
        read_actuals_xlsx(buffer.getvalue(), "报表.xlsx")


def test_a_workbook_without_the_table_is_said_to_be_so():
    with pytest.raises(ActualsError, match=r"报表\.xlsx：找不到指标表：没有一行表头同时有“三级指标”列"):
        read_actuals_xlsx(workbook([["全年执行数", 5], ["序号", "指标", "值"]]), "报表.xlsx")


# ------------------------------------------------------------------ the commands


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_template_apply_evaluate_end_to_end(tmp_path: Path):
    form = tmp_path / "自评.xlsx"
    made = run("actuals", "template", ACTUALS_2024, "--name", DONATION.name, "--period", "final", "-o", form)
    assert made.exit_code == 0, made.output
    assert made.stdout == (f"{form}：遗体 and 人体器官捐献工作专项经费（2024），年度自评填报表，"
                           "10 个三级指标，已填入 10 个指标的实际完成情况\n")
    assert read_actuals_xlsx(form.read_bytes(), "x") == actuals_of(DONATION)
    # The seed text form holds 16 projects: the form's hidden sheet says which one it was made for.
    printed = run("actuals", "apply", SEED_2024, form)
    assert printed.exit_code == 0, printed.output
    documents = json.loads(printed.stdout)["documents"]
    assert documents[0]["file"] == str(SEED_2024)
    project = documents[0]["projects"][0]
    assert project["name"] == DONATION.name and project["funds"]["executed"] == "496280"
    assert project["indicators"][1]["deviation_reason"] == "部分纪念证因实现者家属未领取而推迟制作"
    out = tmp_path / "自评.json"
    written = run("actuals", "apply", SEED_2024, form, "-o", out)
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(printed.stdout)
    evaluated = run("evaluate", out, "--json")
    assert evaluated.exit_code == 0, evaluated.output
    scored = json.loads(evaluated.stdout)["documents"][0]["projects"][0]
    assert (scored["name"], scored["score"], scored["grade"], scored["can_submit"]) == (
        DONATION.name, "97.00", "优", True)


def test_a_filled_monitoring_form_goes_to_jixiao_monitor(tmp_path: Path):
    empty = tmp_path / "监控.xlsx"
    made = run("actuals", "template", SEED_2024, "--project", "1", "--period", "1-7月", "-o", empty)
    assert made.exit_code == 0, made.output
    assert grid(empty.read_bytes())[0][0] == "2024年1–7月绩效运行监控填报表"
    filled = tmp_path / "填好的.xlsx"
    filled.write_bytes(workbook(PERSON, percent=((10, 5),)))
    out = tmp_path / "监控.json"
    applied = run("actuals", "apply", SEED_2024, filled, "--project", "1", "-o", out)
    assert applied.exit_code == 0, applied.output
    monitored = run("monitor", out, "--as-of", "2024-07-31", "--json")
    assert monitored.exit_code in (0, 1), monitored.output
    project = json.loads(monitored.stdout)["documents"][0]["projects"][0]
    assert project["name"] == DONATION.name


def test_actuals_json_is_applied_too(tmp_path: Path):
    actuals = tmp_path / "actuals.json"
    row = {"index": 3, "name": "遗体捐献数据库维护", "actual_raw": "1个"}
    actuals.write_text(json.dumps({"funds": {"executed": "100.50"}, "indicators": [row]}, ensure_ascii=False),
                       encoding="utf-8")
    applied = run("actuals", "apply", SEED_2024, actuals, "--project", "1")
    assert applied.exit_code == 0, applied.output
    project = json.loads(applied.stdout)["documents"][0]["projects"][0]
    assert project["funds"]["executed"] == "100.50" and project["indicators"][2]["actual_raw"] == "1个"


TEMPLATE = ["template", SEED_2024, "--period", "M7", "-o", "{tmp}/a.xlsx"]
APPLY = ["apply", SEED_2024, "--project", "1"]


@pytest.mark.parametrize(("args", "message"), [
    (TEMPLATE, "有 16 个项目，请用 --project N 或 --name 指定：1. 遗体"),
    ([*TEMPLATE, "--project", "17"], "只有 16 个项目，没有第 17 个"),
    ([*TEMPLATE, "--name", "没有这个项目"], "中没有名为“没有这个项目”的项目"),
    ([*TEMPLATE, "--project", "1", "--name", "x"], "--project 和 --name 只能给一个"),
    ([*TEMPLATE, "--project", "1", "--period", "M12"], "报告期“M12”无法识别"),
    ([*TEMPLATE, "--project", "1", "-o", "{tmp}/no/such/dir/a.xlsx"], "无法写入"),
    (["template", "{tmp}/missing.txt", "--period", "M7", "-o", "{tmp}/a.xlsx"], "no such file"),
    ([*APPLY, "{tmp}/garbage.xlsx"], "garbage.xlsx：不是可读的 Excel 工作簿"),
    ([*APPLY, "{tmp}/wrong.json"],
     "wrong.json：指标 2: 名称为“别的指标”，但申报的第 2 个指标是“制作遗体(含角膜)实现者纪念证”"),
    ([*APPLY, "{tmp}/broken.json"], "broken.json：第 1 行不是有效的 JSON"),
    ([*APPLY, ACTUALS_2024], "这是申报的 Jixiao JSON，不是实际完成情况"),
    ([*APPLY, "{tmp}/bad.xlsx"], "bad.xlsx：工作表“填报”：单元格 C2（完成目标可能性）"),
])
def test_bad_input_is_one_line_and_exit_status_2(tmp_path: Path, args, message):
    (tmp_path / "garbage.xlsx").write_bytes(b"garbage")
    wrong = '{"indicators": [{"index": 2, "name": "别的指标"}]}'
    (tmp_path / "wrong.json").write_text(wrong, encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "bad.xlsx").write_bytes(workbook([["序号", "三级指标", "完成目标可能性"], [1, "a", "大概"]]))
    result = run("actuals", *(str(a).format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert result.stderr.startswith("jixiao: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_a_sheet_reaching_the_last_cell_is_refused_not_built():
    """calamine builds a sheet as one dense block: one value in XFD1048576 would ask for hundreds of GB
    and abort the process (the web upload of an actuals form too). The sheet is measured first."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("填报").write_string(1048575, 16383, "x")
    book.close()
    with pytest.raises(ActualsError, match="工作表“填报”无法读取"):
        read_actuals_xlsx(buffer.getvalue(), "far.xlsx")
    assert template_layout(buffer.getvalue()) is None
