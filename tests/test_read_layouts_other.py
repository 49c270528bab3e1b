"""Layouts the reader was not written for: what published tables of other places do, read by labels.

The samples in tests/fixtures/layouts/other/ are invented in the style of published tables (see its
README): a table flattened to one cell a line, Markdown pipes, cells glued together, several projects
with the last cut off, amounts in 万元, targets over 指标性质 / 指标值 / 度量单位, level names of other
vintages, look-alike characters, and the template's instructions left in. Grid-shaped cases (a Word or
HTML table) are rows fed to the grid reader.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jixiao
from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.form import in_yuan
from jixiao.readers.grid import Grid, iter_grid_forms
from jixiao.readers.targetcells import TargetCells, target_parts
from jixiao.readers.textform import iter_forms
from jixiao.vocabulary import canonical_level1, canonical_level2
from tests.conftest import FIXTURES

OTHER = FIXTURES / "layouts" / "other"


def read(name: str) -> list[Declaration | ReadError]:
    return list(jixiao.iter_read(OTHER / name))


def tree(d: Declaration) -> list[tuple[str | None, str | None, str, str]]:
    return [(i.level1, i.level2, i.name, i.target_raw) for i in d.indicators]


def targets(d: Declaration) -> list[tuple[str | None, Decimal | None, str | None, str | None]]:
    return [(i.target.op, i.target.value, i.target.unit, i.target.text) for i in d.indicators]


def messages(d: Declaration) -> list[tuple[int | None, str]]:
    return [(w.line, w.message) for w in d.warnings]


def small_form(*rows: str, funds: str = "") -> str:
    """A tab-separated form: a name, ``funds`` rows, the table header and ``rows``."""
    head = ["项目名称\t甲", *([funds] if funds else []), "一级指标\t二级指标\t三级指标\t指标值"]
    return "\n".join([*head, *rows]) + "\n"


# -- (1) a table flattened to one cell a line ---------------------------------------------------------------

def test_one_cell_a_line_reads_fields_funds_in_wan_yuan_and_split_targets():
    first, _ = read("one-cell-per-line.txt")
    assert (first.name, first.department, first.unit, first.year) == (
        "社区应急救护普及培训", "某市红十字会", "某市红十字会应急救护培训中心", 2024)
    assert first.goal == "面向社区居民开展应急救护普及培训，提升群众自救互救能力。"
    # 单位：万元 above the form: 86.5 万元 is 865,000.00 yuan, exactly
    assert (first.funds.total, first.funds.current_year, first.funds.other) == (
        Decimal("865000.00"), Decimal("800000.00"), Decimal("65000.00"))
    assert tree(first) == [
        ("产出指标", "数量指标", "开展普及培训场次", "≥120场次"),
        ("产出指标", "数量指标", "培训人数", "大于等于6000人"),
        ("产出指标", "质量指标", "培训考核合格率", "≥90%"),
        ("产出指标", "时效指标", "培训完成时间", "年底前完成"),
        ("成本指标", "经济成本指标", "人均培训成本", "≤150元"),
        ("效益指标", "社会效益指标", "群众自救互救能力", "明显提升"),
        ("满意度指标", "服务对象满意度指标", "参训居民满意度", "≥90%"),
    ]
    assert targets(first)[:2] == [("≥", Decimal("120"), "场次", None), ("≥", Decimal("6000"), "人", None)]
    assert [i.line for i in first.indicators] == [29, 33, 38, 43, 48, 54, 59]  # the name's line
    assert first.warnings == []


def test_one_cell_a_line_with_one_value_column_and_a_second_project_in_the_file():
    _, second = read("one-cell-per-line.txt")
    assert second.name == "红十字志愿服务站点运行补助"
    assert second.funds.total == Decimal("123456.00")  # 12.3456 万元
    assert tree(second) == [
        ("产出指标", "数量指标", "补助站点数量", "≥30个"),
        ("产出指标", "质量指标", "站点运行达标率", "≥95%"),
        ("效益指标", "社会效益指标", "志愿服务活动开展", "常态化"),
        ("满意度指标", "服务对象满意度指标", "志愿者满意度", "≥85%"),
    ]


# -- (2) rows between pipes, targets over three cells in another order ---------------------------------------

def test_markdown_pipes_with_target_cells_in_another_order_and_words_for_signs():
    [d] = read("markdown-pipes.md")
    assert (d.name, d.department, d.unit, d.year) == (
        "老年人健康体检专项经费", "某区卫生健康委员会", "某区社区卫生服务中心", 2023)
    f = d.funds
    assert (f.total, f.current_year, f.other) == (Decimal("1200000.00"), Decimal("1200000.00"), 0)
    # 指标值 | 度量单位 | 指标性质: joined sign first, the words kept as written
    assert tree(d) == [
        ("项目完成指标", "数量指标", "体检人数", "大于等于12000人"),
        ("项目完成指标", "质量指标", "体检报告出具率", "等于100%"),
        ("项目完成指标", "时效指标", "体检完成时间", "10月底前"),
        ("项目完成指标", "成本指标", "人均体检费用", "小于等于100元"),
        ("项目效益指标", "社会效益指标", "老年人慢性病早发现", "有效"),
        ("项目效益指标", "满意度", "体检老人满意度", "大于等于90%"),
    ]
    assert targets(d) == [("≥", Decimal("12000"), "人", None), ("=", Decimal("100"), "%", None),
                          (None, None, None, "10月底前"), ("≤", Decimal("100"), "元", None),
                          (None, None, None, "有效"), ("≥", Decimal("90"), "%", None)]


def test_level_names_of_other_vintages_map_to_the_national_tree():
    [d] = read("markdown-pipes.md")
    assert [(canonical_level1(i.level1), canonical_level2(i.level2)) for i in d.indicators] == [
        ("产出", "数量"), ("产出", "质量"), ("产出", "时效"), ("产出", "成本"), ("效益", "社会效益"),
        ("效益", "服务对象满意度")]  # 满意度 as a level 2 under 效益


def test_template_instructions_examples_and_notes_are_not_read_and_each_is_a_warning():
    [d] = read("markdown-pipes.md")
    assert d.goal == "为辖区65岁以上常住老年人提供一次免费健康体检"
    assert messages(d) == [
        (11, "template instruction「（请填写年度目标，不超过200字）」is not read"),
        (21, "example row「例：产出指标」of the template is not read"),
        (23, "text「注：1.指标值请填写具体数值；2.指标性质填写大于等于、小于等于、等于或定性。」"
             "below the indicator table is not read"),
        (24, "text「填表人：王某　联系电话：12345678」below the indicator table is not read"),
    ]


@pytest.mark.parametrize(("title", "layout"), [
    ("项目支出绩效目标表", "unknown"),  # another place's form: reviewed under the national profile
    ("2024年度某市项目支出绩效目标表", "unknown"),
    ("财政项目支出绩效目标申报表", "shanghai-2024"),
    ("财政项目支出绩效目标表", "shanghai-2020"),
    ("上海市红十字会2024年度项目绩效目标汇总表", "shanghai-2024"),  # a summary's title: the header decides
])
def test_the_title_says_whether_the_form_is_a_shanghai_one(write, title, layout):
    [d] = jixiao.read(write(title + "\n" + small_form("产出指标\t数量指标\t人数\t≥1人")))
    assert d.layout == layout


def test_what_jixiao_prints_reads_back_its_titles_are_labels_and_a_dash_is_no_value(write):
    """The exporter prints the fields under vocabulary.FIELD_TITLES / FUNDS_TITLES, and ``-`` for none."""
    fields = ("基本信息\n年度\t2024\n表样\tshanghai-2020\n绩效类型\t-\n开始日期\t2024-01-01\n"
              "资金总额（年度资金申请总额 / 项目总预算）\t1,000.00\n其中：财政资金\t-\n"
              "当年财政拨款 / 项目当年预算\t1,000.00")
    [d] = jixiao.read(write(small_form("产出指标\t数量指标\t人数\t≥1人", funds=fields)))
    assert (d.year, d.layout, d.performance_type, str(d.start)) == (2024, "shanghai-2020", None, "2024-01-01")
    f = d.funds
    assert (f.total, f.fiscal, f.current_year) == (Decimal("1000.00"), None, Decimal("1000.00"))
    assert d.warnings == []


def test_a_title_with_its_year_after_it_starts_a_form_and_gives_the_year(write):
    form = small_form("产出指标\t数量指标\t人数\t≥1人")  # 3 lines
    text = f"财政项目支出绩效目标申报表（2023年度）\n{form}项目支出绩效目标表(2024年度)\n{form}"
    [a, b] = jixiao.read(write(text))
    assert [(a.year, a.layout, a.line), (b.year, b.layout, b.line)] == [
        (2023, "shanghai-2024", 1), (2024, "unknown", 5)]


# -- (3) cells glued together -----------------------------------------------------------------------------

def test_cells_glued_together_are_taken_apart_by_the_words_they_start_and_end_with():
    [d] = read("glued.txt")
    assert (d.name, d.department, d.unit) == ("青少年应急救护技能培训", "某市教育局", "某市青少年活动中心")
    assert (d.funds.total, d.funds.current_year) == (Decimal("350000.00"), Decimal("350000.00"))
    assert d.goal == "在全市中小学开展应急救护技能培训，提高青少年自救互救能力。"
    assert tree(d) == [
        ("产出指标", "数量指标", "培训人次", "≥500人次"),
        ("产出指标", "数量指标", "开展培训次数", "≥10次"),
        ("产出指标", "数量指标", "培训学校数量", "≥20所"),
        ("产出指标", "质量指标", "培训合格率", "≥95%"),
        ("产出指标", "时效指标", "培训完成及时率", "=100%"),
        ("效益指标", "社会效益指标", "学生自救互救能力", "明显提升"),
        ("满意度指标", "服务对象满意度指标", "学生满意度", "≥90%"),
    ]


def test_each_glued_cell_taken_apart_is_a_warning_with_its_line():
    [d] = read("glued.txt")
    found = dict(messages(d))
    assert found[4] == "label glued to its value「主管部门某市教育局实施单位某市青少年活动中心」read as " \
                       "「主管部门」「某市教育局」「实施单位」「某市青少年活动中心」"
    assert found[10] == "cells glued together「产出指标数量指标培训人次≥500人次」read as " \
                        "「产出指标」「数量指标」「培训人次」「≥500人次」"
    assert sorted(found) == [3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16]


@pytest.mark.parametrize(("row", "cells"), [
    ("培训人次不低于500人次", ["培训人次", "不低于500人次"]),  # a word for the sign
    ("产出指标数量指标开展培训10次", ["产出指标", "数量指标", "开展培训", "10次"]),  # bare: a whole row
    ("质量指标遗体捐献日常工作有效运行正常运行", ["质量指标", "遗体捐献日常工作有效运行", "正常运行"]),
])
def test_what_a_glued_row_is_taken_apart_into(write, row, cells):
    [d] = jixiao.read(write(small_form("产出指标\t数量指标\t培训人数\t≥10人", row)))
    name, value = cells[-2:]
    assert tree(d)[-1][2:] == (name, value)
    assert f"read as {''.join(f'「{c}」' for c in cells)}" in d.warnings[-1].message


def test_a_name_that_begins_like_a_level_is_not_taken_apart(write):
    """Only level names written out in full (…指标, …目标) are peeled off: 质量合格率 is a name."""
    [d] = jixiao.read(write(small_form("产出指标\t质量指标\t质量合格率\t≥95%", "质量合格率2")))
    assert [(i.level2, i.name, i.target_raw) for i in d.indicators] == [
        ("质量指标", "质量合格率", "≥95%"), ("质量指标", "质量合格率2", "")]


# -- (4) several projects, the last cut off; other vintages; look-alike characters ---------------------------

def test_several_projects_read_and_the_one_cut_off_is_its_own_error_naming_the_line():
    first, second, cut = read("several-projects-cut.txt")
    assert (first.name, second.name) == ("农村饮水安全工程维修养护", "基层农技推广体系改革与建设补助")
    assert isinstance(cut, ReadError)
    assert str(cut) == (f"{OTHER / 'several-projects-cut.txt'}:35: expected the indicator table header "
                        "(一级指标 二级指标 三级指标 指标值), found the end of the form")


def test_ocr_look_alikes_keep_what_was_written_and_parse_to_the_sign_meant():
    first = read("several-projects-cut.txt")[0]
    assert [(i.target_raw, i.target.op, i.target.value, i.target.unit) for i in first.indicators] == [
        ("≧ 35 处", "≥", Decimal("35"), "处"),
        ("＞＝９５％", "≥", Decimal("95"), "%"),
        ("≦ 30 天", "≤", Decimal("30"), "天"),
        ("≦1.3万元", "≤", Decimal("1.3"), "万元"),
        (">=12000人", "≥", Decimal("12000"), "人"),
        ("═100%", "=", Decimal("100"), "%"),
        ("≥ 90%", "≥", Decimal("90"), "%"),
    ]


def test_a_label_stating_wan_yuan_converts_its_amount_and_its_parts_follow_the_block():
    first, second, _ = read("several-projects-cut.txt")
    assert (first.funds.total, first.funds.current_year, first.funds.carryover) == (
        Decimal("456000.00"), Decimal("456000.00"), 0)
    assert second.funds.total == Decimal("620000")


def test_cost_is_a_level_2_under_outputs_or_a_level_1_of_its_own_as_written():
    first, second, _ = read("several-projects-cut.txt")
    def cost(d: Declaration) -> list[tuple[str | None, str | None]]:
        return [(i.level1, i.level2) for i in d.indicators if "成本" in i.name]

    assert cost(first) == [("项目完成指标", "成本指标")]  # 88号: a level 2 under outputs
    assert cost(second) == [("成本指标", "经济成本指标")]  # 101号: a level 1
    assert [canonical_level1(i.level1) for i in first.indicators] == ["产出"] * 4 + ["效益"] * 3  # 效果指标
    assert canonical_level2(first.indicators[-1].level2) == "服务对象满意度"  # 满意度 under 效果指标


# -- money in 万元 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("wan", "yuan"), [
    ("52.24", "522400.00"), ("0", "0.00"), ("52.240000", "522400.00"), ("0.000001", "0.01"),
    ("1.2345678", "12345.678"),  # a fraction of a fen is kept, never rounded away
])
def test_wan_yuan_become_yuan_exactly(wan, yuan):
    assert str(in_yuan(Decimal(wan), "万元")) == yuan
    assert in_yuan(Decimal(wan), "元") == Decimal(wan)


def test_the_unit_in_the_value_or_the_label_beats_the_unit_of_the_form(write):
    funds = "资金总额\t52.24\n其中：财政拨款（元）\t500,000.00\n其他资金\t22400元\n上年结转资金\t0.01万元"
    [d] = jixiao.read(write("金额单位：万元\n" + small_form("产出指标\t数量指标\t人数\t≥1人", funds=funds)))
    f = d.funds
    assert (f.total, f.current_year, f.other, f.carryover) == (
        Decimal("522400.00"), Decimal("500000.00"), Decimal("22400"), Decimal("100.00"))


def test_an_amount_that_is_not_money_names_the_unit_it_was_read_in(write):
    text = small_form("产出指标\t数量指标\t人数\t≥1人", funds="资金总额（万元）\t五十二万")
    with pytest.raises(ReadError) as err:
        jixiao.read(write(text))
    assert str(err.value).endswith(
        ":2: expected an amount in 万元 such as 52.24 for funds.total, found 「五十二万」")


# -- targets over several cells -----------------------------------------------------------------------------

@pytest.mark.parametrize(("headings", "cells", "raw"), [
    (["指标性质", "指标值", "度量单位"], ["≥", "95", "%"], "≥95%"),
    (["指标性质", "指标值", "度量单位"], ["大于等于", "95", "%"], "大于等于95%"),
    (["指标性质", "指标值", "度量单位"], ["定性", "正常运行"], "正常运行"),  # the empty unit cell dropped
    (["指标性质", "指标值", "度量单位"], ["≥", "≥80", "%"], "≥80%"),  # the value's own sign
    (["指标性质", "指标值", "度量单位"], ["=", "1", "次/周"], "=1次/周"),
    (["指标性质", "指标值", "度量单位"], ["≤", "5", "/"], "≤5"),  # a placeholder is an empty cell
    (["指标值", "度量单位", "指标性质"], ["95", "%", "≥"], "≥95%"),
    (["指标值", "度量单位", "指标性质"], ["达到", "定性"], "达到"),  # 达到 alone is a value, not a sign
    (["指标值", "计量单位"], ["12", "场次"], "12(场次)"),  # a unit the grammar reads in brackets only
])
def test_target_cells_join_sign_value_unit_whatever_their_order(headings, cells, raw):
    target = TargetCells(target_parts(["一级指标", "二级指标", "三级指标", *headings]))
    assert all(target.offer(cell) for cell in cells)
    assert target.raw() == raw


def test_a_table_with_one_value_column_has_no_target_parts():
    assert target_parts(["一级指标", "二级指标", "三级指标", "年度(/项目)指标值"]) is None
    assert target_parts(["一级目标", "二级目标", "三级目标", "指标目标值"]) is None


# -- grid-shaped tables (Word, HTML, Excel) -----------------------------------------------------------------

def grid_forms(rows: list[list[str]], merges: list[tuple[int, int, int, int]] | None = None) -> list:
    return list(iter_grid_forms([Grid("表 1", rows, merges or [])], "健康.docx"))


HEALTH = [
    ["项目支出绩效目标表", "", "", "", ""],
    ["项目名称", "社区健康教育", "", "", ""],
    ["主管部门", "某区卫生健康委员会", "实施单位", "某区健康促进中心（请填写全称）", ""],
    ["资金来源", "金额（万元）", "", "", ""],
    ["资金总额", "8.8", "", "", ""],
    ["其中：财政拨款", "8.8", "", "", ""],
    ["年度总体目标", "开展健康教育讲座，提高居民健康素养。", "", "", ""],
    ["一级指标", "二级指标", "三级指标", "指标值", "备注"],
    ["项目完成指标", "数量指标", "讲座场次", "≥24场", ""],
    ["", "质量指标", "讲座覆盖社区比例", "≥90%", ""],
    ["项目效益指标", "社会效益指标", "居民健康素养水平", "逐步提高", ""],
    ["", "满意度", "听众满意度", "≥90%", ""],
    ["注：本表金额单位为万元。", "", "", "", ""],
]


def test_a_grid_with_wan_yuan_in_a_column_heading_merged_vintage_levels_and_a_note():
    [d] = grid_forms(HEALTH, [(8, 0, 9, 0), (10, 0, 11, 0)])
    assert (d.unit, d.funds.total, d.funds.current_year) == ("某区健康促进中心", Decimal("88000.00"),
                                                             Decimal("88000.00"))
    assert tree(d) == [
        ("项目完成指标", "数量指标", "讲座场次", "≥24场"),
        ("项目完成指标", "质量指标", "讲座覆盖社区比例", "≥90%"),
        ("项目效益指标", "社会效益指标", "居民健康素养水平", "逐步提高"),
        ("项目效益指标", "满意度", "听众满意度", "≥90%"),
    ]
    assert [w.message for w in d.warnings] == [
        "template instruction「（请填写全称）」is not read (表 1)",
        "column「备注」of the indicator table is not read (表 1)",
        "text「注：本表金额单位为万元。」below the indicator table is not read (表 1)",
    ]


def test_a_grid_with_the_target_over_three_cells():
    rows = [["项目名称", "甲", "", "", "", ""],
            ["一级指标", "二级指标", "三级指标", "指标值", "度量单位", "指标性质"],
            ["产出指标", "数量指标", "讲座场次", "24", "场", "大于等于"],
            ["", "时效指标", "完成时间", "年底前", "", "定性"]]
    [d] = grid_forms(rows, [(2, 0, 3, 0)])
    assert [i.target_raw for i in d.indicators] == ["大于等于24场", "年底前"]


# -- whatever the lines, declarations or ReadErrors ---------------------------------------------------------

SAMPLE_LINES = [line for path in sorted(OTHER.glob("*.*")) if path.suffix in (".txt", ".md")
                for line in path.read_text(encoding="utf-8").splitlines()]
PIECES = ["|", "｜", "\t", "一级指标", "指标性质", "度量单位", "定性", "≥", "大于等于", "95", "%", "万元",
          "（请填写）", "例：", "注：", "产出指标", "数量指标", "项目名称", "资金总额", "金额单位：万元",
          "项目支出绩效目标表"]
LINE = st.one_of(st.sampled_from(SAMPLE_LINES), st.lists(st.sampled_from(PIECES), max_size=6).map("".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=50))
def test_any_mix_of_these_lines_reads_to_declarations_or_read_errors(lines):
    try:
        items = list(iter_forms([line + "\n" for line in lines], "mix.txt"))
    except ReadError as err:
        items = [err]
    assert all(isinstance(item, Declaration | ReadError) for item in items)
