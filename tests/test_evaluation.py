"""Self-evaluation scoring (绩效自评, issue 6): every formula with worked numbers, weights, units,
rounding, explanations, the settings, and checking a unit's own arithmetic."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from jixiao.errors import UsageError
from jixiao.evaluation import (
    FLAGS,
    EvaluationConfig,
    Evaluator,
    UnitTable,
    check,
    evaluate,
    load_evaluation_config,
    load_settings,
)
from jixiao.evaluation.numbers import plain, points, round2
from jixiao.evaluation.scoring import score_budget, score_indicator
from jixiao.evaluation.units import conversion
from jixiao.model import Declaration, Funds, Indicator, Weights
from jixiao.targets import parse_actual, parse_target
from tests.conftest import ROOT

D = Decimal
SETTINGS = load_settings("national-2021")


def ind(target: str, actual: str | None = None, *, level1: str = "产出指标", level2: str | None = "数量指标",
        name: str = "指标", **fields) -> Indicator:
    return Indicator(level1=level1, level2=level2, name=name, target_raw=target, target=parse_target(target),
                     actual_raw=actual, **fields)


def scored(target: str, actual: str, weight: str = "10", settings=SETTINGS, **fields):
    s = score_indicator(ind(target, actual, **fields), D(weight), plain(D(weight)), settings)
    return s


def row(s) -> tuple:
    """A compact projection: (score rounded, formula, status, flag codes)."""
    return (points(s.score) if s.score is not None else None, s.formula.text, s.status,
            [f.code for f in s.flags])


def decl(*indicators: Indicator, total: str | None = "100000.00", executed: str | None = "95000.00",
         weights: Weights | None = None, layout: str = "shanghai-2024") -> Declaration:
    funds = Funds(total=D(total) if total else None, executed=D(executed) if executed else None)
    return Declaration(name="项目", year=2024, layout=layout, indicators=list(indicators), weights=weights,
                       funds=funds)


# -- the formulas, with worked numbers ------------------------------------------

def test_positive_indicator_scores_actual_over_target_times_weight():
    assert row(scored("≥3000.00(份)", "2800份", "12.5")) == (
        "11.67", "2800 ÷ 3000 × 12.5 = 11.67", "missed", ["missed"])


def test_positive_indicator_is_capped_at_its_weight():
    assert row(scored("≥3000.00(份)", "3150份", "12.5")) == (
        "12.50", "3150 ÷ 3000 × 12.5 = 13.13，封顶 12.50", "met", [])


def test_strict_greater_than_is_scored_like_at_least():
    assert row(scored(">350万元", "350万元")) == ("10.00", "350 ÷ 350 × 10 = 10.00", "met", [])


def test_reverse_indicator_scores_target_over_actual_times_weight():
    assert row(scored("≤5.00(%)", "8%")) == ("6.25", "5 ÷ 8 × 10 = 6.25", "missed", ["missed"])
    assert row(scored("<5%", "4%")) == ("10.00", "4 ≤ 5，满分 10.00", "met", [])


def test_reverse_indicator_with_actual_zero_scores_full():
    assert row(scored("≤2(次)", "0次", "5")) == ("5.00", "实际 0，满分 5.00", "met", [])
    assert row(scored("≤0(起)", "0起", "5")) == ("5.00", "实际 0，满分 5.00", "met", [])
    assert row(scored("≤0(起)", "1起", "5")) == ("0.00", "0 ÷ 1 × 5 = 0.00", "missed", ["missed"])


def test_equal_target_below_above_and_exact():
    assert row(scored("=1000.00(份)", "950份")) == ("9.50", "950 ÷ 1000 × 10 = 9.50", "missed", ["missed"])
    assert row(scored("=1000.00(份)", "1000份")) == ("10.00", "1000 = 1000，满分 10.00", "met", [])
    assert row(scored("=1000.00(份)", "1100份")) == (
        "10.00", "1100 > 1000（指标值为 =），满分 10.00", "above", ["above-target"])
    assert row(scored("=1000.00(份)", "1200份")) == (
        "10.00", "1200 > 1000（指标值为 =），满分 10.00", "over", ["over-achieved"])


def test_equal_target_beaten_can_be_scored_in_reverse():
    reverse = load_settings("national-2021", EvaluationConfig(overrides={"equal_above": "reverse"}))
    assert row(scored("=1000.00(份)", "1250份", settings=reverse)) == (
        "8.00", "1000 ÷ 1250 × 10 = 8.00", "missed", ["missed"])


def test_range_target():
    assert row(scored("80%-90%", "85%")) == ("10.00", "80 ≤ 85 ≤ 90，满分 10.00", "met", [])
    assert row(scored("80%-90%", "72%")) == ("9.00", "72 ÷ 80 × 10 = 9.00", "missed", ["missed"])
    assert row(scored("80%-90%", "95%")) == (
        "10.00", "95 > 90（区间上限），满分 10.00", "above", ["above-target"])


def test_score_never_exceeds_weight_and_never_goes_below_zero():
    assert row(scored("≥10(个)", "-2个")) == ("0.00", "-2 ÷ 10 × 10 = -2.00，按 0 计", "missed", ["missed"])


def test_target_zero_on_a_positive_indicator_is_flagged_unless_met():
    assert row(scored("≥0(个)", "3个")) == ("10.00", "3 ≥ 0，满分 10.00", "met", [])
    s = scored("≥0(个)", "-1个")
    assert (s.score, [f.code for f in s.flags]) == (None, ["target-not-positive"])


def test_over_achievement_at_120_percent_needs_an_explanation():
    assert row(scored("≥80.00(%)", "95%"))[2:] == ("met", [])  # 118.75 %
    assert row(scored("≥80.00(%)", "96%"))[2:] == ("over", ["over-achieved"])  # 120 %
    s = scored("≥80.00(%)", "96%")
    assert s.flags[0].message.startswith("完成值为指标值的 120.00%（≥ 120%），须说明偏差原因并提出改进措施")


def test_qualitative_tiers_take_the_default_share_or_the_one_written_inside_the_band():
    assert row(scored("正常运行", "达成", "12.5")) == (
        "12.50", "达成（档内 [80%, 100%]），取 100%：12.5 × 100% = 12.50", "met", [])
    assert row(scored("正常运行", "正常运行", "12.5"))[0] == "12.50"  # the target's own text: 达成
    assert row(scored("正常运行", "达成（85%）", "12.5")) == (
        "10.63", "达成（档内 [80%, 100%]），填写 85%：12.5 × 85% = 10.63", "met", [])
    assert row(scored("有效", "部分达成", "10")) == (
        "7.00", "部分达成（档内 [60%, 80%)），取 70%：10 × 70% = 7.00", "missed", ["tier-missed"])
    assert row(scored("有效", "部分达成年度指标并具有一定效果(65%)", "10"))[:2] == (
        "6.50", "部分达成（档内 [60%, 80%)），填写 65%：10 × 65% = 6.50")
    assert row(scored("有效", "未达成 20%", "10"))[0] == "2.00"
    assert row(scored("有效", "未完成", "10"))[0] == "3.00"


def test_a_share_outside_its_band_is_refused_not_scored():
    s = scored("有效", "部分达成（80%）")
    assert (s.score, [f.code for f in s.flags]) == (None, ["share-outside-band"])
    assert s.flags[0].message == "「部分达成」的得分比例应在 [60%, 80%) 之内，填写的是 80%，未计分"
    assert scored("有效", "达成（100%）").score == D(10)
    assert scored("有效", "未达成（0%）").score == D(0)


def test_unrecognised_qualitative_actuals_and_mixed_kinds_are_flagged():
    assert [f.code for f in scored("有效", "还行").flags] == ["tier-unknown"]
    assert [f.code for f in scored("≥90%", "达成").flags] == ["not-number"]
    s = score_indicator(ind("≥90%"), D(10), "10", SETTINGS)
    assert (s.score, [f.code for f in s.flags]) == (None, ["no-actual"])


def test_budget_execution_scores_weight_times_rate_capped():
    assert row(score_budget(Funds(total=D("522400.00"), executed=D("496280.00")), D(10), SETTINGS)) == (
        "9.50", "执行率 496280 ÷ 522400 = 95.00%；10 × 95.00% = 9.50", "missed", [])
    assert row(score_budget(Funds(total=D(100), executed=D(103)), D(10), SETTINGS)) == (
        "10.00", "执行率 103 ÷ 100 = 103.00%；10 × 103.00% = 10.30，封顶 10", "met", [])
    banded = load_settings("national-2021", EvaluationConfig(overrides={"budget_full_at": 95}))
    assert row(score_budget(Funds(total=D(100), executed=D("85.5")), D(20), banded))[:2] == (
        "18.00", "执行率 85.5 ÷ 100 = 85.50%；20 × 85.50% ÷ 95% = 18.00")
    assert [f.code for f in score_budget(Funds(total=D(100)), D(10), SETTINGS).flags] == ["no-executed"]
    assert [f.code for f in score_budget(Funds(executed=D(1)), D(10), SETTINGS).flags] == ["no-budget"]


# -- units --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "actual", "factor", "code"), [
    ("≥3000.00(份)", "3000份", "1", None),
    (">350万元", "3150000元", "0.0001", "unit-converted"),
    (">350万元", "0.0315亿元", "10000", "unit-converted"),
    ("≥5000(元)", "6千元", "1000", "unit-converted"),
    ("≥5000", "0.6万", "10000", "unit-converted"),
    ("≤5‰", "0.3%", "10", "unit-converted"),
    ("≥95%", "96", "1", "unit-assumed"),
    ("≥5", "6次", "1", "unit-assumed"),
    (">11万", "112000", None, "unit-ambiguous"),
    ("≥95%", "0.97", None, "unit-ambiguous"),
    ("=2(人次)", "3次", None, "unit-mismatch"),
    ("≥10(个)", "10个区", None, "unit-mismatch"),
])
def test_units_are_reconciled_or_flagged(target, actual, factor, code):
    conv = conversion(parse_target(target), parse_actual(actual), SETTINGS.period_table)
    assert (str(conv.factor.normalize()) if conv.factor is not None else None) == (
        str(D(factor).normalize()) if factor else None)
    assert (conv.flag.code if conv.flag else "unit-converted" if conv.converted else None) == code


def test_rates_per_week_and_per_month_are_reconciled_through_days():
    s = scored("≥3.00(次/周)", "13次/月", "10")
    # 13 per month = 13 × 7 ÷ (365/12) per week = 2.99178… per week
    assert row(s) == ("9.97", "2.991781 ÷ 3 × 10 = 9.97", "missed", ["unit-converted", "missed"])
    assert s.flags[0].message == "实际完成值 13次/月 换算为 2.991781次/周"
    assert row(scored("≤3(天)", "36小时", "10"))[:2] == ("10.00", "1.5 ≤ 3，满分 10.00")


def test_a_unit_that_cannot_be_reconciled_is_flagged_not_scored_and_withholds_the_total():
    ev = evaluate(decl(ind("=2(人次)", "3次")))
    assert (ev.score, ev.grade) == (None, None)
    assert [f.code for f in ev.indicators[0].flags] == ["unit-mismatch"]
    assert ev.indicators[0].formula == (
        "无法计分：指标值的单位「人次」与实际完成值的单位「次」无法换算，未计分")
    assert [f.code for f in ev.flags][-1] == "unscored"
    assert ev.formula == "无法计算总分"
    assert not ev.can_submit


# -- weights, rescaling, totals and grades ----------------------------------

def full_declaration(**kwargs) -> Declaration:
    return decl(
        ind("≥10(个)", "10个", name="数量"), ind("≥10(个)", "9个", name="数量2"),
        ind("有效", "达成", level2="质量指标", name="质量"),
        ind("≥90%", "90%", level1="效益指标", level2="社会效益指标", name="效益"),
        ind("≥90%", "95%", level1="满意度指标", level2="服务对象满意度指标", name="满意度"), **kwargs)


def test_default_weights_10_50_30_10_split_evenly_within_a_part():
    ev = evaluate(full_declaration(executed="95000.00"))
    assert [(r.indicator.name, r.group, r.weight_text, points(r.score)) for r in ev.indicators] == [
        ("数量", "output", "(50 ÷ 3)", "16.67"), ("数量2", "output", "(50 ÷ 3)", "15.00"),
        ("质量", "output", "(50 ÷ 3)", "16.67"), ("效益", "benefit", "30", "30.00"),
        ("满意度", "satisfaction", "10", "10.00")]
    assert [(p.part, points(p.score)) for p in ev.parts] == [
        ("output", "48.33"), ("benefit", "30.00"), ("satisfaction", "10.00")]
    assert ev.formula == "9.50 + 48.33 + 30.00 + 10.00 = 97.83"
    assert (ev.total, ev.grade) == (D("97.83"), "优")


def test_weights_given_per_indicator_and_the_rest_split():
    d = full_declaration()
    d.indicators[0].weight = D(30)
    ev = evaluate(d)
    assert [r.weight for r in ev.indicators[:3]] == [D(30), D(10), D(10)]
    assert ev.indicators[1].formula == "9 ÷ 10 × 10 = 9.00"


def test_weights_of_a_declaration_override_the_profile():
    ev = evaluate(full_declaration(weights=Weights(budget=D(20), output=D(40))))
    assert ev.budget_weight == D(20)
    assert [p.weight for p in ev.parts] == [D(40), D(30), D(10)]
    assert ev.budget.formula.text == "执行率 95000 ÷ 100000 = 95.00%；20 × 95.00% = 19.00"
    assert ev.applicable_weight == D(100)


def test_weights_per_profile_from_the_user_configuration(tmp_path):
    path = tmp_path / "jixiao.toml"
    path.write_text('[evaluation]\nweights = { budget = 20, output = 40 }\n[evaluation.tiers."部分达成"]\n'
                    'default = 75\n[review.thresholds]\nover_achievement = 150\n', encoding="utf-8")
    config = load_evaluation_config(path)
    settings = Evaluator(config).settings(full_declaration())
    assert dict(settings.weights) == {"budget": D(20), "output": D(40), "benefit": D(30),
                                      "satisfaction": D(10)}
    assert settings.tiers[1].default == D(75)
    assert settings.over_achievement == D(150)


def test_bad_configuration_is_a_usage_error(tmp_path):
    for text, message in [
        ("[evaluation]\nweight = 1\n", "unknown [evaluation] setting(s) weight"),
        ('[evaluation]\nequal_above = "half"\n', 'equal_above must be "full" or "reverse"'),
        ('[evaluation.tiers."部分达成"]\ndefault = 85\n', "tiers.部分达成: band [60%, 80%) must lie"),
        ('[evaluation.groups]\n"成本" = "cost"\n', "groups: {'成本': 'cost'}"),
        ('[evaluation]\nprofile = "x"\n', "unknown profile 'x'"),
        ("[evaluation]\nweights = { budget = -1 }\n", "weights.budget must be at least 0"),
    ]:
        path = tmp_path / "bad.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UsageError, match=re.escape(message)):
            load_evaluation_config(path)


def test_not_applicable_indicators_are_dropped_and_the_rest_rescaled_to_100():
    d = full_declaration(executed="100000.00")
    d.indicators[1].applicable = False  # 数量2, 50/3 points
    d.indicators[1].actual_raw = d.indicators[1].actual = None
    ev = evaluate(d)
    assert ev.indicators[1].formula == "不适用，不计分"
    assert round2(ev.applicable_weight) == D("83.33")
    assert ev.formula == "(10.00 + 33.33 + 30.00 + 10.00) ÷ 83.333333 × 100 = 100.00"
    assert [f.code for f in ev.flags] == ["rescaled"]


def test_a_part_without_indicators_is_dropped_and_the_rest_rescaled():
    benefit = ind("有效", "部分达成", level1="效益指标", level2="社会效益指标", deviation_reason="原因",
                  measures="措施")
    ev = evaluate(decl(ind("≥10(个)", "10个"), benefit, executed="100000.00"))
    assert [f.code for f in ev.flags] == ["group-empty", "rescaled"]
    assert ev.formula == "(10.00 + 50.00 + 21.00) ÷ 90 × 100 = 90.00"
    assert ev.grade == "优"


def test_grade_bands_on_the_rounded_total():
    s = SETTINGS
    assert [s.grade(D(x)) for x in ("100", "90", "89.99", "80", "79.99", "60", "59.99", "0")] == [
        "优", "优", "良", "良", "中", "中", "差", "差"]


def test_weights_that_exceed_their_part_or_differ_from_it_are_flagged():
    a, b = ind("≥10(个)", "10个", weight=D(40)), ind("≥10(个)", "10个", weight=D(20))
    c = ind("≥10(个)", "10个")
    ev = evaluate(decl(a, b, c, ind("≥90%", "90%", level1="效益指标", level2="社会效益指标"),
                       ind("≥90%", "90%", level1="满意度指标", level2="服务对象满意度指标"),
                       executed="100000"))
    assert [f.code for f in ev.flags] == ["weights-exceed", "rescaled"]
    assert ev.indicators[2].weight == 0 and not ev.can_submit
    ev = evaluate(decl(ind("≥10(个)", "10个", weight=D(45)), ind("≥90%", "90%", level1="效益指标"),
                       ind("≥90%", "90%", level1="满意度指标"), executed="100000"))
    assert [f.code for f in ev.flags] == ["weights-differ", "rescaled"]
    assert ev.total == D(100)


def test_an_indicator_in_no_part_is_flagged_and_not_weighted():
    ev = evaluate(decl(ind("≥10(个)", "10个", level1=None, level2=None), executed="100000"))
    assert [f.code for f in ev.indicators[0].flags] == ["no-group", "zero-weight"]


def test_rounding_is_half_up_once_at_the_end():
    assert round2(D("7.145")) == D("7.15") and round2(D("7.144999")) == D("7.14")
    # seven sevenths of 50 add up to 50 again, not 49.99…
    ev = evaluate(decl(*[ind("≥10(个)", "10个") for _ in range(7)], ind("≥90%", "90%", level1="效益指标"),
                       ind("≥90%", "90%", level1="满意度指标"), executed="100000"))
    assert ev.applicable_weight == D(100) and ev.total == D("100.00") and not ev.flags


# -- explanations ------------------------------------------------------------------------------------

def test_a_missed_or_far_beaten_target_needs_reason_and_measures_before_submitting():
    missed = ind("≥10(个)", "8个")
    beaten = ind("≥10(个)", "13个", deviation_reason="活动需求增加")
    ev = evaluate(decl(missed, beaten, ind("有效", "部分达成", deviation_reason="原因", measures="措施")))
    assert [[f.code for f in r.flags] for r in ev.indicators] == [
        ["missed", "explanation-missing"], ["over-achieved", "explanation-missing"], ["tier-missed"]]
    assert [r.explanation_required for r in ev.indicators] == [True, True, True]
    assert ev.indicators[0].flags[1].message == "缺少偏差原因分析和改进措施，提交自评前须填写"
    assert ev.indicators[1].flags[1].message == "缺少改进措施，提交自评前须填写"
    assert ev.score is not None and not ev.can_submit
    missed.deviation_reason, missed.measures, beaten.measures = "原因", "措施", "按实际设定指标值"
    assert evaluate(decl(missed, beaten)).can_submit


def test_every_flag_code_has_a_severity_and_a_message():
    assert all(kind.severity in ("error", "warning", "info") and kind.template for kind in FLAGS.values())


# -- checking a unit's own arithmetic --------------------------------------------

def test_check_reports_where_the_units_figures_differ_and_by_how_much():
    d = full_declaration()
    table = UnitTable.model_validate({
        "budget_rate": "95", "budget_score": "10", "total": "98.5", "grade": "优",
        "indicators": [{"index": 1, "weight": "16.67", "score": "16.67"},
                       {"name": "数量2", "weight": "16.67", "score": "16.67"},
                       {"name": "质量", "score": "16.66"},
                       {"name": "不存在", "score": "3"}]})
    assert [(x.where, x.item, x.unit_value, x.recomputed, x.difference) for x in check(d, table)] == [
        ("预算执行率", "budget_score", D(10), D("9.50"), D("0.50")),
        ("指标 2「数量2」", "score", D("16.67"), D("15.00"), D("1.67")),
        ("第 4 行「不存在」", "row", "不存在", None, None),
        ("总分", "total", D("98.5"), D("97.83"), D("0.67")),
    ]
    differences = check(d, table)
    assert differences[1].note == "9 ÷ 10 × (50 ÷ 3) = 15.00"


def test_check_reports_a_wrong_grade_and_figures_that_cannot_be_recomputed():
    d = decl(ind("=2(人次)", "3次"))
    table = UnitTable(total=D(95), grade="优", indicators=[{"index": 1, "score": D(10)}])
    assert [(x.item, x.recomputed, x.note) for x in check(d, table)] == [
        ("score", None, "无法计分：指标值的单位「人次」与实际完成值的单位「次」无法换算，未计分"),
        ("total", None, "无法计算总分"),
        ("grade", None, "无法计算总分"),
    ]


def test_every_flag_raised_in_the_code_is_in_the_catalogue():
    package = ROOT / "src" / "jixiao" / "evaluation"
    source = "".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    raised = set(re.findall(r'flag\("([a-z-]+)"', source))
    assert raised and raised - set(FLAGS) == set()
    assert set(FLAGS) - raised == set(), "a flag in the catalogue is never raised"


def test_the_documentation_lists_every_flag_and_its_configuration_example_loads(tmp_path):
    text = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    assert [code for code in FLAGS if f"`{code}`" not in text] == []
    example = tmp_path / "jixiao.toml"
    example.write_text(re.search(r"```toml\n(.*?)```", text, re.S)[1], encoding="utf-8")
    settings = Evaluator(load_evaluation_config(example)).settings(full_declaration())
    assert (settings.profile, settings.weights["budget"], settings.over_achievement) == (
        "shanghai-2024", D(20), D(130))


def test_nothing_to_score_gives_no_total():
    ev = evaluate(decl(ind("≥10(个)", "10个", applicable=False), weights=Weights(budget=D(0))))
    assert (ev.score, [f.code for f in ev.flags]) == (None, ["group-empty", "group-empty", "no-weight"])
    assert not ev.can_submit
