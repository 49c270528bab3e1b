"""Reading a unit's filled-in 项目支出绩效自评表 back: a declaration, its actuals and the unit's own figures.

The table below is invented in the layout of the 10号 table as a city publishes it filled in (CZ22 in
../shared/domain-rules.md: money in 万元, part weights written in the level-1 cells, 达成预期指标 for
qualitative rows, one cell for the deviation and its measure); its indicators are the seeds' own
(遗体 and 人体器官捐献工作专项经费, 2024).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.errors import ReadError
from jixiao.evaluation import evaluate
from jixiao.evaluation.check import check
from jixiao.evaluation.numbers import round2
from jixiao.export import self_evaluation_xlsx
from jixiao.readers import read, read_bytes
from jixiao.readers.selfeval import SelfEvaluationBuilder, is_self_evaluation_header, is_self_evaluation_title
from tests.conftest import ACTUALS_2024

TABLE = [
    ["项目支出绩效自评表", "", "", "", "", "", "", ""],
    ["（2024年度）", "", "", "", "", "", "", ""],
    ["项目名称", "遗体 and 人体器官捐献工作专项经费", "", "", "", "", "", ""],
    ["主管部门", "上海市红十字会", "", "", "实施单位", "上海市红十字会", "", ""],
    ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["", "年度资金总额", "52.24", "52.24", "49.628", "10", "95%", "9.5"],
    ["", "其中：本年财政拨款", "52.24", "52.24", "49.628", "—", "—", "—"],
    ["", "上年结转资金", "", "", "", "—", "—", "—"],
    ["", "其他资金", "", "", "", "—", "—", "—"],
    ["年度总体目标", "预期目标", "", "", "", "实际完成情况", "", ""],
    ["", "指导各区开展遗体、角膜捐献志愿服务活动", "", "", "", "全年目标基本完成", "", ""],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
     "偏差原因分析及改进措施"],
    ["产出指标(50分)", "数量指标", "制作遗体(含角膜)捐献登记资料", "=3000.00(份)", "3000份", "25", "25", ""],
    ["", "", "制作遗体(含角膜)实现者纪念证", "=1000.00(份)", "950份", "25", "23.75",
     "原因：部分纪念证因家属未领取而推迟制作；措施：下一年度提前核对名单"],
    ["效益指标(30分)", "社会效益指标", "遗体捐献工作社会知晓度", "逐步提高", "达成预期指标", "30", "30", ""],
    ["满意度指标(10分)", "服务对象满意度指标", "捐献者家属满意度", "≥90%", "96%", "10", "10", ""],
    ["总分", "", "", "", "", "", "98.25", "等级", "优"],
    ["填报人：张三", "", "", "", "", "", "", ""],
]


def read_rows(rows: list[list[str]], file: str = "自评表.xlsx"):
    builder = SelfEvaluationBuilder(file, 1)
    for line, cells in enumerate(rows, start=1):
        builder.add_row(line, cells)
    return builder.build()


def test_the_table_becomes_a_declaration_with_its_actuals():
    d = read_rows(TABLE)
    assert (d.name, d.year, d.department, d.unit) == (
        "遗体 and 人体器官捐献工作专项经费", 2024, "上海市红十字会", "上海市红十字会")
    # 万元 in the heading: every amount in yuan, exactly
    assert d.funds.total == d.funds.budget == d.funds.current_year == Decimal("522400.00")
    assert d.funds.executed == Decimal("496280.00")
    assert d.funds.carryover is None and d.funds.other is None
    assert (d.goal, d.goal_result) == ("指导各区开展遗体、角膜捐献志愿服务活动", "全年目标基本完成")
    # the part weights written in the level-1 cells, the budget's 分值 from the funds block
    assert d.weights is not None
    assert (d.weights.budget, d.weights.output, d.weights.benefit, d.weights.satisfaction) == (10, 50, 30, 10)
    first, second, third, fourth = d.indicators
    assert (first.level1, first.level2) == ("产出指标", "数量指标")
    assert first.name == "制作遗体(含角膜)捐献登记资料"
    assert (second.level1, second.level2) == ("产出指标", "数量指标")  # merged cells: the level above
    assert (third.level1, third.level2, third.target_raw) == ("效益指标", "社会效益指标", "逐步提高")
    assert (first.target_raw, first.actual_raw, first.weight) == ("=3000.00(份)", "3000份", Decimal(25))
    assert second.actual is not None and second.actual.value == 950
    assert second.deviation_reason == "部分纪念证因家属未领取而推迟制作"
    assert second.measures == "下一年度提前核对名单"
    assert first.deviation_reason is None and first.measures is None
    assert fourth.target.op == "≥" and fourth.actual_raw == "96%"
    assert d.warnings == []  # 填报人 below 总分 is past the table


def test_the_units_own_figures_are_kept_and_agree_with_the_rules():
    d = read_rows(TABLE)
    scores = d.unit_scores
    assert scores is not None
    assert (scores.budget_rate, scores.budget_score, scores.total, scores.grade) == (
        Decimal(95), Decimal("9.5"), Decimal("98.25"), "优")
    assert [(r.index, r.weight, r.score) for r in scores.indicators] == [
        (1, 25, 25), (2, 25, Decimal("23.75")), (3, 30, 30), (4, 10, 10)]
    evaluation = evaluate(d)
    assert (evaluation.total, evaluation.grade) == (Decimal("98.25"), "优")
    assert check(d, scores) == []


def test_a_figure_the_unit_got_wrong_is_found_by_check():
    rows = [list(r) for r in TABLE]
    rows[13][6] = "25"  # full marks for 950 of 1000
    d = read_rows(rows)
    assert d.unit_scores is not None
    (difference,) = check(d, d.unit_scores)  # the total it wrote is the rule's: only the row is off
    assert (difference.item, difference.unit_value, difference.recomputed) == ("score", 25, Decimal("23.75"))
    assert difference.where.startswith("指标 2")


def test_not_applicable_rows_and_one_text_for_reason_and_measure():
    rows = [list(r) for r in TABLE]
    rows[14][5:8] = ["30", "不适用", ""]
    rows[13][7] = "家属未领取，推迟制作"
    d = read_rows(rows)
    assert d.indicators[2].applicable is False and d.indicators[2].weight is None
    assert d.indicators[1].deviation_reason == "家属未领取，推迟制作" and d.indicators[1].measures is None
    assert [w.line for w in d.warnings] == [14]
    assert "written as one text" in d.warnings[0].message
    evaluation = evaluate(d)
    assert evaluation.indicators[2].score is None and not evaluation.can_submit  # a measure is missing


def test_a_table_without_a_name_or_rows_is_an_error_naming_the_file():
    with pytest.raises(ReadError, match=r"自评表\.xlsx:1: expected a 项目名称"):
        read_rows([r for r in TABLE if r[0] != "项目名称"])
    with pytest.raises(ReadError, match="expected indicator rows"):
        read_rows(TABLE[:11])


def test_what_marks_a_self_evaluation_table():
    assert is_self_evaluation_title("项目支出绩效自评表")
    assert is_self_evaluation_title("2024年度 项目支出 绩效自评表")
    assert not is_self_evaluation_title("财政项目支出绩效目标申报表")
    assert is_self_evaluation_header(TABLE[11]) and is_self_evaluation_header(TABLE[4])
    assert not is_self_evaluation_header(["一级指标", "二级指标", "三级指标", "指标值"])


# -- the tables Jixiao writes, read back through the file readers -----------------------------------------

FINAL = read(ACTUALS_2024)  # the sample year-end actuals of four seed projects (invented: samples/README.md)


@pytest.mark.parametrize("declaration", FINAL, ids=lambda d: d.name[:12])
def test_an_exported_self_evaluation_xlsx_reads_back_with_the_same_actuals_and_scores(declaration):
    evaluation = evaluate(declaration)
    (back,) = read_bytes("自评表.xlsx", self_evaluation_xlsx(evaluation))
    assert (back.name, back.year, back.department, back.unit) == (
        declaration.name, declaration.year, declaration.department, declaration.unit)
    assert (back.funds.total, back.funds.year_budget, back.funds.executed) == (
        declaration.funds.total, declaration.funds.year_budget, declaration.funds.executed)
    assert back.goal == declaration.goal
    fields = ("level1", "level2", "name", "target_raw", "actual_raw", "applicable", "deviation_reason",
              "measures")
    assert [[getattr(i, f) for f in fields] for i in back.indicators] == [
        [getattr(i, f) for f in fields] for i in declaration.indicators]
    # the weights as printed (two places) and the scores as printed are the unit's figures ...
    scores = back.unit_scores
    assert scores is not None and (scores.total, scores.grade) == (evaluation.total, evaluation.grade)
    assert [r.score for r in scores.indicators] == [
        round2(s.score) if s.score is not None else None for s in evaluation.indicators]
    # ... and the rules, recomputing them, find nothing beyond the cent of rounding
    assert check(back, scores) == []

