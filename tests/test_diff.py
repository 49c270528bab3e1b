"""jixiao.diff on the seed declarations, each edited the way a second version would be."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import jixiao
from jixiao.diff import Diff, Segment, diff, inline_diff
from jixiao.model import Declaration, Indicator
from tests.conftest import SEED_2020, SEED_2024


@pytest.fixture(scope="module")
def seeds_2024() -> list[Declaration]:
    return jixiao.read(SEED_2024)


@pytest.fixture
def body(seeds_2024) -> Declaration:
    """遗体 and 人体器官捐献工作专项经费: 10 indicators, funds of the 2024 form, a long 年度总体目标."""
    return seeds_2024[0]


@pytest.fixture(scope="module")
def training() -> Declaration:
    """红十字培训项目管理 (2020 form): narrative texts and 总目标及阶段性目标."""
    return jixiao.read(SEED_2020)[0]


def edited(decl: Declaration, indicators: list[Indicator] | None = None, **fields) -> Declaration:
    """A copy of ``decl`` as a later version: other indicators and/or other field values."""
    copy = decl.model_copy(deep=True, update=fields)
    if indicators is not None:
        copy.indicators = indicators
    return copy


def retarget(ind: Indicator, raw: str) -> Indicator:
    return ind.model_copy(update={"target_raw": raw, "target": jixiao.parse_target(raw)})


def statuses(result: Diff) -> list[tuple[str, int | None, int | None]]:
    return [(row.status, row.old_index, row.new_index) for row in result.indicators]


def only_changes(result: Diff) -> list[tuple[str, int | None, int | None]]:
    return [s for s in statuses(result) if s[0] != "unchanged"]


def test_identical_versions_have_no_changes(body, training):
    for decl in (body, training):
        result = diff(decl, edited(decl, source="elsewhere.txt", line=99))
        assert result.identical
        assert result.fields == []
        assert {row.status for row in result.indicators} == {"unchanged"}
        assert result.summary.unchanged == len(decl.indicators) and result.summary.fields == 0


def test_a_changed_target(body):
    inds = list(body.indicators)
    inds[0] = retarget(inds[0], "=3500.00(份)")
    result = diff(body, edited(body, inds))
    assert not result.identical
    assert only_changes(result) == [("changed", 1, 1)]
    row = result.indicators[0]
    assert row.changed == ["target_raw"] and not row.moved
    assert (row.old.target_raw, row.new.target_raw) == ("=3000.00(份)", "=3500.00(份)")
    assert result.summary.model_dump() == {"fields": 0, "added": 0, "removed": 0, "changed": 1, "moved": 0,
                                           "unchanged": 9}


def test_an_added_indicator_moves_no_other(body):
    new = Indicator(level1="产出指标", level2="数量指标", name="举办缅怀纪念活动", target_raw="=2.00(次)",
                    target=jixiao.parse_target("=2.00(次)"))
    inds = [*body.indicators[:2], new, *body.indicators[2:]]
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("added", None, 3)]
    assert result.indicators[2].new == new
    assert [r.new_index for r in result.indicators] == list(range(1, 12))  # in the new order


def test_a_removed_indicator_stays_in_place(body):
    inds = body.indicators[:4] + body.indicators[5:]
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("removed", 5, None)]
    assert [r.old_index for r in result.indicators] == list(range(1, 11))
    assert result.indicators[4].old == body.indicators[4]


def test_a_reordered_indicator_is_moved_and_only_it(body):
    inds = list(body.indicators)
    inds.insert(1, inds.pop(7))
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("moved", 8, 2)]
    assert result.summary.moved == 1 and result.summary.unchanged == 9


def test_a_renamed_indicator_is_matched_by_position(body):
    inds = list(body.indicators)
    inds[3] = inds[3].model_copy(update={"name": "制作器官捐献宣传册"})
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("changed", 4, 4)]
    assert result.indicators[3].changed == ["name"]


def test_a_removed_row_next_to_a_renamed_one_is_told_apart(body):
    inds = list(body.indicators)
    inds[3] = inds[3].model_copy(update={"name": "制作器官捐献宣传册"})  # 制作器官捐献宣传资料
    del inds[2]  # 遗体捐献数据库维护
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("changed", 4, 3), ("removed", 3, None)]
    assert result.indicators[2].changed == ["name"]


def test_an_added_row_next_to_a_renamed_one_is_told_apart(body):
    inds = list(body.indicators)
    inds[1] = inds[1].model_copy(update={"name": "制作遗体(含角膜)捐献者纪念证"})  # …实现者纪念证
    inds.insert(1, retarget(inds[0].model_copy(update={"name": "制作宣传海报"}), "=50.00(张)"))
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("added", None, 2), ("changed", 2, 3)]


def test_a_regrouped_and_retargeted_indicator(body):
    inds = list(body.indicators)
    inds[4] = retarget(inds[4].model_copy(update={"level2": "时效指标"}), "按时运行")
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("changed", 5, 5)]
    assert result.indicators[4].changed == ["level2", "target_raw"]


def test_a_moved_and_changed_indicator_is_changed_and_marked_moved(body):
    inds = list(body.indicators)
    inds.insert(0, retarget(inds.pop(9), "≥90.00(%)"))
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("changed", 10, 1)]
    assert result.indicators[0].moved and result.indicators[0].changed == ["target_raw"]


def test_several_changes_at_once(body):
    inds = list(body.indicators)
    inds[0] = retarget(inds[0], "=2000.00(份)")
    del inds[6]  # 及时参与器官捐献见证
    inds.append(Indicator(name="新增指标", level1="效益指标", level2="社会效益指标", target_raw="达到",
                          target=jixiao.parse_target("达到")))
    result = diff(body, edited(body, inds))
    assert only_changes(result) == [("changed", 1, 1), ("removed", 7, None), ("added", None, 10)]
    assert (result.summary.changed, result.summary.removed, result.summary.added) == (1, 1, 1)


def test_changed_funds_are_exact_decimals(body):
    amount = Decimal("600000.10")
    funds = body.funds.model_copy(update={"total": amount, "current_year": amount})
    result = diff(body, edited(body, funds=funds))
    assert [(f.key, f.kind, f.old, f.new) for f in result.fields] == [
        ("funds.total", "money", Decimal("522400.00"), Decimal("600000.10")),
        ("funds.current_year", "money", Decimal("522400.00"), Decimal("600000.10"))]
    assert result.fields[0].label.startswith("资金总额")
    assert result.summary.fields == 2 and result.summary.unchanged == 10


def test_the_same_amount_written_differently_is_no_change(body):
    funds = body.funds.model_copy(update={"total": Decimal("522400")})
    assert diff(body, edited(body, funds=funds)).identical


def test_basic_fields_with_their_labels(body, training):
    result = diff(body, edited(body, name="遗体捐献工作专项经费", year=2025))
    assert [(f.label, f.old, f.new) for f in result.fields] == [
        ("项目名称", body.name, "遗体捐献工作专项经费"), ("年度", 2024, 2025)]
    flipped = diff(training, edited(training, government_purchase=True)).fields
    assert [(f.label, f.old, f.new) for f in flipped] == [("是否含有政府购买服务", False, True)]


def test_a_changed_goal_has_an_inline_diff(body):
    goal = body.goal.replace("稳步提高", "显著提高").replace("；如有典型捐献案例", "")
    (change,) = diff(body, edited(body, goal=goal)).fields
    assert (change.key, change.label, change.kind) == ("goal", "年度总体目标", "text")
    changed = [(s.op, s.text) for s in change.inline if s.op != "equal"]
    assert changed == [("delete", "稳步"), ("insert", "显著"), ("delete", "；如有典型捐献案例")]
    assert "".join(s.text for s in change.inline if s.op != "insert") == body.goal
    assert "".join(s.text for s in change.inline if s.op != "delete") == goal


def test_texts_of_the_2020_form(training):
    texts = training.texts.model_copy(update={"plan": training.texts.plan + "年底前完成验收。"})
    (change,) = diff(training, edited(training, texts=texts)).fields
    assert (change.key, change.label) == ("texts.plan", "项目实施计划")
    assert change.inline[-1].model_dump() == {"op": "insert", "text": "年底前完成验收。"}
    goal = diff(training, edited(training, goal="新的目标")).fields[0]
    assert goal.label == "总目标及阶段性目标"


def test_inline_diff_keeps_no_single_characters_inside_a_rewrite():
    segments = inline_diff("加强培训的管理", "提升教学的质量")
    assert [(s.op, s.text) for s in segments] == [("delete", "加强培训的管理"), ("insert", "提升教学的质量")]
    assert inline_diff("", "新") == [Segment(op="insert", text="新")]
    assert inline_diff("同", "同") == [Segment(op="equal", text="同")]


def test_the_json_has_money_as_strings(body):
    inds = list(body.indicators)
    inds[0] = retarget(inds[0], "=3500.00(份)")
    funds = body.funds.model_copy(update={"total": Decimal("600000.10")})
    data = json.loads(json.dumps(diff(body, edited(body, inds, funds=funds)).model_dump(mode="json")))
    assert sorted(data) == ["fields", "identical", "indicators", "summary"]
    assert data["fields"][0] == {"key": "funds.total", "label": data["fields"][0]["label"], "kind": "money",
                                 "old": "522400.00", "new": "600000.10", "inline": None}
    row = data["indicators"][0]
    assert row["status"] == "changed" and row["changed"] == ["target_raw"]
    assert row["new"]["target"]["value"] == "3500.00"
    assert data["identical"] is False
