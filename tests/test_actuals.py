"""jixiao.actuals, the pure functions: reading actuals (and its located errors), laying them over a
declaration and taking them back, moving them onto a later version, and the reporting periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jixiao.actuals import (
    Actuals,
    ActualsError,
    IndicatorActual,
    Period,
    actuals_of,
    apply_actuals,
    read_actuals,
    rebase,
)
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration, Target
from jixiao.readers import read
from tests.conftest import ACTUALS_2020, ACTUALS_2024, SEED_2024

PROJECTS = read(ACTUALS_2024) + read(ACTUALS_2020)
DONATION = PROJECTS[0]  # 遗体 and 人体器官捐献工作专项经费: 10 indicators, 522,400 yuan


def project_ids(declarations: list[Declaration]) -> list[str]:
    return [d.name or "?" for d in declarations]


# ------------------------------------------------------------------ read_actuals


def test_read_actuals_takes_table_values_and_drops_blank_cells():
    actuals = read_actuals({"funds": {"executed": "496280.00", "budget": " "},
                            "indicators": [{"index": 2, "actual_raw": " 950份 ", "applicable": "否",
                                            "likelihood": "有可能", "deviation_cause": "经费"},
                                           {"index": 1, "applicable": "是", "measures": ""}]})
    assert actuals.funds.executed == Decimal("496280.00") and actuals.funds.budget is None
    assert [row.index for row in actuals.indicators] == [1, 2]  # sorted by index
    first, second = actuals.indicators
    assert first.applicable is True and first.measures is None and first.is_empty
    assert second.actual_raw == "950份" and second.applicable is False and not second.is_empty
    assert (second.likelihood, second.deviation_cause) == ("有可能", "经费")


@pytest.mark.parametrize(("data", "problem"), [
    ({"indicators": [{"index": 1, "likelihood": "大概"}]},
     "indicators[1].likelihood: 应是 确定能、有可能、完全不可能 之一"),
    ({"indicators": [{"index": 1, "deviation_cause": "天气"}]},
     "indicators[1].deviation_cause: 应是 经费、制度、人员、硬件、其他 之一"),
    ({"indicators": [{"index": 0}]}, "indicators[1].index: 不能小于 1"),
    ({"indicators": [{"index": 1, "applicable": "也许"}]}, "indicators[1].applicable: 应是“是”或“否”"),
    ({"indicators": [{"index": 1, "weight": "-1"}]}, "indicators[1].weight: 不能小于 0"),
    ({"indicators": [{"index": 1, "colour": "红"}]}, "indicators[1].colour: 不是此处可填的字段"),
    ({"funds": {"executed": "-5"}}, "funds.executed: 不能小于 0"),
    ({"funds": {"executed": "1.005"}}, "funds.executed: 小数位数过多"),
    ({"funds": {"forecast": "9E16"}}, "funds.forecast: 应小于 9E+16"),
    ({"weights": {"output": "-50"}}, "weights.output: 不能小于 0"),
])
def test_read_actuals_names_the_field_that_is_wrong(data, problem):
    """Fields as paths with rows counted from 1 (as pages count them), what was expected in Chinese."""
    with pytest.raises(ActualsError) as caught:
        read_actuals(data, source="报表.json")
    assert str(caught.value).startswith(f"报表.json: {problem}")


def test_read_actuals_refuses_two_rows_for_one_indicator():
    with pytest.raises(ActualsError, match="指标 3 出现了两次"):
        read_actuals({"indicators": [{"index": 3, "actual_raw": "1个"}, {"index": 3, "actual_raw": "2个"}]})


# ------------------------------------------------------------------ apply_actuals and actuals_of


def test_apply_actuals_lays_the_rows_over_a_copy():
    actuals = Actuals(funds={"executed": "300000", "forecast": "520000"}, goal_result="基本完成",
                      indicators=[IndicatorActual(index=4, name="制作器官捐献宣传资料", actual_raw="4.2万份",
                                                  likelihood="确定能")])
    plain = apply_actuals(DONATION, Actuals())
    laid = apply_actuals(plain, actuals)
    fourth = laid.indicators[3]
    assert fourth.actual == Target(op="=", value=Decimal("4.2"), unit="万份")
    assert fourth.likelihood == "确定能"
    assert all(i.actual_raw is None for n, i in enumerate(laid.indicators) if n != 3)
    assert (laid.funds.executed, laid.funds.forecast) == (300000, 520000)
    assert laid.funds.total == Decimal("522400.00")
    assert laid.goal_result == "基本完成"
    assert plain.indicators[3].actual_raw is None and plain.funds.executed is None  # not changed


def test_apply_actuals_replaces_the_actuals_a_declaration_had():
    emptied = apply_actuals(DONATION, Actuals())
    assert DONATION.indicators[1].deviation_reason  # the fixture explains its miss
    assert emptied.funds.executed is None
    assert all(i.actual_raw is None and i.deviation_reason is None and i.applicable
               for i in emptied.indicators)
    assert "actual_raw" not in str(declaration_json(emptied))


def test_apply_actuals_refuses_a_row_for_another_indicator():
    wrong = Actuals(indicators=[IndicatorActual(index=2, name="遗体捐献数据库维护", actual_raw="1个")])
    with pytest.raises(ActualsError) as caught:
        apply_actuals(DONATION, wrong)
    assert str(caught.value) == ("指标 2: 名称为“遗体捐献数据库维护”，"
                                 "但申报的第 2 个指标是“制作遗体(含角膜)实现者纪念证”")


def test_apply_actuals_refuses_an_index_beyond_the_declaration():
    with pytest.raises(ActualsError, match="指标 11: 本申报只有 10 个三级指标"):
        apply_actuals(DONATION, Actuals(indicators=[IndicatorActual(index=11, actual_raw="1个")]))


def test_a_row_without_a_name_goes_by_its_index():
    laid = apply_actuals(DONATION, Actuals(indicators=[IndicatorActual(index=3, actual_raw="1个")]))
    assert laid.indicators[2].actual_raw == "1个"


@pytest.mark.parametrize("declaration", PROJECTS, ids=project_ids(PROJECTS))
def test_actuals_of_and_apply_actuals_undo_each_other(declaration):
    actuals = actuals_of(declaration)
    assert actuals.indicators and actuals.funds.executed is not None
    assert all(row.name == declaration.indicators[row.index - 1].name for row in actuals.indicators)
    plain = apply_actuals(declaration, Actuals())
    assert declaration_json(apply_actuals(plain, actuals)) == declaration_json(declaration)
    assert actuals_of(apply_actuals(plain, actuals)) == actuals
    assert actuals_of(plain) == Actuals()


def test_actuals_of_a_form_without_actuals_is_empty():
    plain = read(SEED_2024)[0]
    assert actuals_of(plain) == Actuals()


# ------------------------------------------------------------------ rebase


def test_rebase_follows_each_indicator_onto_the_new_version():
    old = DONATION
    kept = [i for n, i in enumerate(old.indicators) if n != 2]  # 遗体捐献数据库维护 removed
    new = old.model_copy(update={"indicators": list(reversed(kept))})
    actuals = actuals_of(old)
    moved, dropped = rebase(actuals, old, new)
    assert dropped == ["指标 3（遗体捐献数据库维护）"]
    assert len(moved.indicators) == len(actuals.indicators) - 1
    by_name = {row.name: row for row in actuals.indicators}
    for row in moved.indicators:
        assert row.name == new.indicators[row.index - 1].name
        assert row.actual_raw == by_name[row.name].actual_raw
        assert row.deviation_reason == by_name[row.name].deviation_reason
    assert moved.funds == actuals.funds
    laid = apply_actuals(new, moved)  # fits the new version
    assert laid.indicators[0].name == "登记者和实现者家属满意度" and laid.indicators[0].actual_raw == "92%"


def test_rebase_drops_a_row_beyond_the_old_version():
    actuals = Actuals(indicators=[IndicatorActual(index=12, actual_raw="1个")])
    moved, dropped = rebase(actuals, DONATION, DONATION)
    assert moved.indicators == [] and dropped == ["指标 12"]


# ------------------------------------------------------------------ Period


@pytest.mark.parametrize(("text", "month"), [
    ("M7", 7), (" M7 ", 7), ("M1", 1), ("M11", 11), ("1-7月", 7), ("1–7月", 7), ("1—7", 7), ("1至7月", 7),
    ("1~6月", 6), ("final", 12), ("全年", 12), ("年度", 12), ("自评", 12), ("m7", 7), ("Final", 12),
])
def test_period_parse_reads_the_ways_a_period_is_written(text, month):
    assert Period.parse(text).month == month


@pytest.mark.parametrize("text", ["M12", "M0", "7月", "1-12月", "2-7月", "", "final2", "M7月"])
def test_period_parse_refuses_anything_else(text):
    with pytest.raises(ActualsError, match=r"报告期.*无法识别.*M7、1-7月、final"):
        Period.parse(text)


def test_period_names():
    july, final = Period.parse("M7"), Period.parse("final")
    assert (july.code, july.label, july.months, july.is_final, july.kind) == (
        "M7", "1–7月监控", "1–7月", False, "monitoring")
    assert (final.code, final.label, final.months, final.is_final, final.kind) == (
        "final", "年度自评", "全年", True, "self_evaluation")
    assert str(july) == "M7" and july < final
    assert july.as_of(2024) == date(2024, 7, 31) and final.as_of(2023) == date(2023, 12, 31)
    assert Period.parse("M2").as_of(2024) == date(2024, 2, 29)
