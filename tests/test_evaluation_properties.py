"""Property tests of the self-evaluation scoring: bounds, monotony, rescaling."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from jixiao.evaluation import EvaluationConfig, evaluate, load_settings
from jixiao.evaluation.numbers import plain
from jixiao.evaluation.scoring import score_budget, score_indicator
from jixiao.model import Declaration, Funds, Indicator, Target

SETTINGS = {name: load_settings(name) for name in ("national-2021", "shanghai-2020")}
REVERSE = load_settings("national-2021", EvaluationConfig(overrides={"equal_above": "reverse"}))

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=10**7, places=2, allow_nan=False,
                       allow_infinity=False)
weights = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)
ops = st.sampled_from(["≥", ">", "≤", "<", "="])
units = st.sampled_from(["", "%", "份", "万元", "元", "次/周", "次/月", "万"])
TIER_TEXTS = ["达成", "部分达成", "未达成", "正常运行", "达成（85%）", "部分达成（61.5%）", "未达成（0%）",
              "未达成（59.99%）", "基本完成", "还行"]


def indicator(target: Target, actual: Target, raw: str = "", **fields) -> Indicator:
    return Indicator(level1="产出指标", level2="数量指标", name="x", target_raw=raw or "x", target=target,
                     actual=actual, actual_raw=raw or None, **fields)


@given(op=ops, t=positive, a=amounts, w=weights, t_unit=units, a_unit=units,
       settings=st.sampled_from([SETTINGS["national-2021"], REVERSE]))
def test_a_quantitative_score_is_never_above_its_weight_nor_below_zero(op, t, a, w, t_unit, a_unit, settings):
    s = score_indicator(indicator(Target(op=op, value=t, unit=t_unit or None),
                                  Target(op="=", value=a, unit=a_unit or None)), w, plain(w), settings)
    assert s.score is None or Decimal(0) <= s.score <= w
    assert (s.score is None) == any(f.kind.blocks_score for f in s.flags)


@given(text=st.sampled_from(TIER_TEXTS), w=weights)
def test_a_qualitative_score_is_never_above_its_weight(text, w):
    s = score_indicator(indicator(Target(text="正常运行"), Target(text=text), raw=text), w, plain(w),
                        SETTINGS["national-2021"])
    assert s.score is None or Decimal(0) <= s.score <= w


@given(total=amounts, executed=amounts, w=weights)
def test_a_budget_score_is_never_above_its_weight(total, executed, w):
    s = score_budget(Funds(total=total, executed=executed), w, SETTINGS["national-2021"])
    assert s.score is None or Decimal(0) <= s.score <= w


@given(op=st.sampled_from(["≥", ">", "="]), t=positive, a=amounts, more=amounts, w=weights,
       upper=st.none() | positive)
def test_a_positive_indicator_never_scores_less_when_its_actual_rises(op, t, a, more, w, upper):
    if upper is not None:
        assume(upper >= t)
        op = "≥"
    target = Target(op=op, value=t, unit="份", upper=upper)
    settings = SETTINGS["national-2021"]
    low = score_indicator(indicator(target, Target(op="=", value=a, unit="份")), w, plain(w), settings)
    high = score_indicator(indicator(target, Target(op="=", value=a + more, unit="份")), w, plain(w),
                           settings)
    assert high.score >= low.score


@given(op=st.sampled_from(["≤", "<"]), t=amounts, a=amounts, more=amounts, w=weights)
def test_a_reverse_indicator_never_scores_more_when_its_actual_rises(op, t, a, more, w):
    target = Target(op=op, value=t, unit="起")
    settings = SETTINGS["national-2021"]
    low = score_indicator(indicator(target, Target(op="=", value=a, unit="起")), w, plain(w), settings)
    high = score_indicator(indicator(target, Target(op="=", value=a + more, unit="起")), w, plain(w),
                           settings)
    assert high.score <= low.score


LEVELS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("效益指标", "社会效益指标"),
          ("满意度指标", "服务对象满意度指标"), ("成本指标", "经济成本指标"), ("效果目标", "满意度"),
          ("投入与管理", "财务管理")]


@st.composite
def met_declarations(draw):
    """Declarations whose every applicable indicator is met, some not applicable, some with own weights."""
    rows = draw(st.lists(st.tuples(st.sampled_from(LEVELS), st.booleans(), st.booleans(),
                                   st.none() | st.decimals(min_value=0, max_value=5, places=1))
                         , min_size=1, max_size=20))
    indicators = []
    for (level1, level2), applicable, qualitative, weight in rows:
        target, actual = ((Target(text="正常运行"), Target(text="达成")) if qualitative
                          else (Target(op="≥", value=Decimal(90), unit="%"), Target(op="=", value=Decimal(95),
                                                                                  unit="%")))
        indicators.append(Indicator(level1=level1, level2=level2, name="x", target_raw="x", target=target,
                                    actual=actual, actual_raw="达成" if qualitative else "95%",
                                    applicable=applicable, weight=weight, deviation_reason="原因",
                                    measures="措施"))
    assume(any(i.applicable for i in indicators))
    total = draw(positive)
    return Declaration(name="x", indicators=indicators, layout=draw(st.sampled_from(["shanghai-2024",
                                                                                     "shanghai-2020"])),
                       funds=Funds(total=total, executed=total))


@given(met_declarations())
def test_rescaling_keeps_the_total_of_a_fully_met_declaration_at_100(declaration):
    ev = evaluate(declaration)
    assume(ev.applicable_weight > 0)
    assert ev.total == Decimal("100.00"), ev.formula
    assert ev.grade == "优"


@given(met_declarations(), st.data())
def test_a_total_stays_between_0_and_100_whatever_the_actuals(declaration, data):
    for ind in declaration.indicators:
        if ind.target.value is not None:
            ind.actual = Target(op="=", value=data.draw(amounts), unit="%")
        else:
            ind.actual_raw = data.draw(st.sampled_from(TIER_TEXTS[:-1]))
    ev = evaluate(declaration)
    assert ev.score is None or Decimal(0) <= ev.total <= Decimal(100)
