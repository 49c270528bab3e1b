"""Monitoring during the year (绩效运行监控, issue 6): expected progress, the lights and their thresholds,
the likelihood, units, the declaration's light, money at stake, the list at risk, the CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from jixiao.cli import cli
from jixiao.errors import UsageError
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration, Funds, Indicator
from jixiao.monitoring import (
    LIGHTS,
    MonitorConfig,
    at_risk,
    expected_progress,
    load_monitor_config,
    load_monitor_settings,
    monitor,
)
from jixiao.monitoring.lights import budget_light, indicator_light
from jixiao.targets import parse_target
from tests.conftest import ROOT

D = Decimal
SETTINGS = load_monitor_settings("national-2021")
JULY_31 = date(2024, 7, 31)  # 213 ÷ 366 = 58.196…%
FIXTURES = sorted(str(p) for p in (ROOT / "src" / "jixiao" / "samples" / "actuals").glob("*-final.json"))


def ind(target: str, actual: str | None = None, *, name: str = "指标", **fields) -> Indicator:
    return Indicator(level1="产出指标", level2="数量指标", name=name, target_raw=target,
                     target=parse_target(target), actual_raw=actual, **fields)


def decl(*indicators: Indicator, total: str | None = "100000", executed: str | None = "60000",
         name: str = "项目", year: int = 2024) -> Declaration:
    funds = Funds(total=D(total) if total else None, executed=D(executed) if executed else None)
    return Declaration(name=name, year=year, layout="unknown", indicators=list(indicators), funds=funds)


def settings(**overrides) -> object:
    return load_monitor_settings("national-2021", MonitorConfig(overrides=overrides))


def light(target: str, actual: str | None, as_of: date = JULY_31, s=SETTINGS, **fields) -> str | None:
    return indicator_light(ind(target, actual, **fields), expected_progress(as_of, 2024, s), s).light


# -- the model -----------------------------------------------------------------

def test_likelihood_and_cause_are_validated_and_left_out_of_the_json_while_unset():
    assert "likelihood" not in declaration_json(decl(ind("≥10个", "5个")))["indicators"][0]
    out = declaration_json(decl(ind("≥10个", "5个", likelihood="有可能", deviation_cause="经费")))
    assert (out["indicators"][0]["likelihood"], out["indicators"][0]["deviation_cause"]) == ("有可能", "经费")
    with pytest.raises(ValidationError):
        ind("≥10个", "5个", likelihood="大概能")
    with pytest.raises(ValidationError):
        ind("≥10个", "5个", deviation_cause="天气")


# -- expected progress ---------------------------------------------------------

def test_time_proportional_progress_counts_the_as_of_day():
    e = expected_progress(JULY_31, 2024, SETTINGS)
    assert e.percent == D(213) / D(366) * 100
    assert e.text == "序时进度 213 ÷ 366 = 58.20%"
    assert expected_progress(date(2023, 7, 31), 2023, SETTINGS).text == "序时进度 212 ÷ 365 = 58.08%"
    assert expected_progress(date(2024, 12, 31), 2024, SETTINGS).percent == 100
    assert expected_progress(date(2024, 1, 1), 2024, SETTINGS).text == "序时进度 1 ÷ 366 = 0.27%"
    assert expected_progress(date(2023, 12, 31), 2024, SETTINGS).percent == 0
    assert expected_progress(date(2025, 1, 1), 2024, SETTINGS).percent == 100
    assert expected_progress(JULY_31, None, SETTINGS).percent == D(213) / D(366) * 100


def test_plan_and_flat_progress():
    plan = settings(progress="plan", plan=[5, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 100])
    e = expected_progress(date(2024, 7, 16), 2024, plan)
    assert e.percent == D(50) + D(10) * D(16) / D(31)
    assert e.text == "预算执行计划：6 月末 50% + 7 月 10% × 16 ÷ 31 = 55.16%"
    assert expected_progress(date(2024, 1, 31), 2024, plan).percent == 5
    assert expected_progress(date(2024, 3, 5), 2024, settings(progress="flat", flat=60)).percent == 60


# -- indicator lights at and around the thresholds -----------------------------

@pytest.mark.parametrize(("actual", "expected"), [
    ("100个", "绿"),  # 100 % ahead
    ("59个", "绿"),   # 59 % > 58.20 %
    ("49个", "绿"),   # gap 9.20 ≤ 10
    ("48个", "黄"),   # gap 10.20
    ("34个", "黄"),   # gap 24.20 ≤ 25
    ("33个", "红"),   # gap 25.20
    ("0个", "红"),
])
def test_quantitative_light_by_gap_to_the_expected_progress(actual, expected):
    assert light("≥100个", actual) == expected


def test_a_gap_of_exactly_the_threshold_is_the_better_light():
    flat = settings(progress="flat", flat=60)
    lights = [light("≥100个", a, s=flat) for a in ("50个", "49.9个", "35个", "34.9个")]
    assert lights == ["绿", "黄", "黄", "红"]


def test_the_reason_carries_the_numbers():
    lit = indicator_light(ind("≥100个", "40个"), expected_progress(JULY_31, 2024, SETTINGS), SETTINGS)
    assert lit.reason == ("实际「40个」对指标值「≥100个」：完成 40 ÷ 100 = 40.00%，应达 58.20%，"
                          "低 18.20 个百分点（低 >10 黄，>25 红）→ 黄")


def test_levels_are_compared_with_the_full_target_at_any_date():
    assert light("≥90%", "85%") == "绿"     # 94.44 %: 5.56 below 100
    assert light("≥90%", "75%") == "黄"     # 83.33 %
    assert light("≤5%", "4%") == "绿"
    assert light("≤100万元", "130万元") == "黄"  # ceiling exceeded: 76.92 %
    assert light("≤100万元", "150万元") == "红"  # 66.67 %
    assert light("≥2次/周", "4次/月", date(2024, 3, 1)) == "红"  # 4/月 = 0.92/周: 46 %, a level


def test_qualitative_by_tier():
    assert light("正常运行", "正常运行") == "绿"
    assert light("提升", "部分达成") == "绿"            # 70 % vs 58.20 %
    assert light("提升", "部分达成", date(2024, 12, 31)) == "红"  # 70 % vs 100 %
    assert light("提升", "未达成") == "红"              # 30 %


def test_likelihood_sets_the_least_light():
    assert light("≥100个", "100个", likelihood="完全不可能") == "红"
    assert light("≥100个", "100个", likelihood="有可能") == "黄"
    assert light("≥100个", "0个", likelihood="确定能") == "红"   # the numbers still count
    assert light("≥100个", None, likelihood="完全不可能") == "红"
    assert light("≥100个", None, likelihood="确定能") == "绿"
    assert light("≥100个", None) == "黄"  # missing
    lenient = settings(likelihood={"有可能": "绿"})
    assert light("≥100个", "100个", s=lenient, likelihood="有可能") == "绿"


def test_units_are_reconciled_through_the_evaluation():
    lit = indicator_light(ind("≥350万元", "2100000元"), expected_progress(JULY_31, 2024, SETTINGS), SETTINGS)
    assert (lit.light, lit.percent, [f.code for f in lit.flags]) == ("绿", D(60), ["unit-converted"])
    assert light("≥10万份", "40000份") == "黄"   # 40 %
    mismatch = indicator_light(ind("≥100人次", "50次"), expected_progress(JULY_31, 2024, SETTINGS), SETTINGS)
    assert (mismatch.light, [f.code for f in mismatch.flags]) == ("黄", ["unit-mismatch"])


def test_an_inapplicable_indicator_has_no_light():
    assert light("≥100个", "0个", applicable=False) is None


# -- budget lights --------------------------------------------------------------

@pytest.mark.parametrize(("executed", "expected"), [
    ("58197", "绿"), ("48197", "绿"), ("48196", "黄"), ("33197", "黄"), ("33196", "红"),
])  # expected 58.19672…: 48.197 % is 9.9997 points behind, 48.196 % is 10.0007
def test_budget_light_by_execution_rate(executed, expected):
    funds = Funds(total=D(100000), executed=D(executed))
    assert budget_light(funds, expected_progress(JULY_31, 2024, SETTINGS), SETTINGS).light == expected


def test_budget_reason_and_fallbacks():
    e = expected_progress(JULY_31, 2024, SETTINGS)
    lit = budget_light(Funds(current_year=D(522400), executed=D(200000)), e, SETTINGS)
    assert lit.reason == ("执行率 200000 ÷ 522400 = 38.28%，应达 58.20%，低 19.91 个百分点"
                          "（低 >10 黄，>25 红）→ 黄")
    assert budget_light(Funds(total=D(1000)), e, SETTINGS).reason == "未填写执行数 → 黄"
    assert budget_light(Funds(executed=D(1000)), e, SETTINGS).reason == "无全年预算数 → 黄"


# -- the declaration's light, money at stake, at risk ---------------------------

def test_declaration_light_is_the_worst_of_its_parts():
    m = monitor(decl(ind("≥100个", "60个"), ind("≥100个", "40个")), JULY_31)
    assert (m.budget.light, [x.light for x in m.indicators], m.light.light) == ("绿", ["绿", "黄"], "黄")
    assert m.light.reason == "预算执行 绿，指标 绿 1、黄 1、红 0 → 黄（取最差）"
    red = monitor(decl(ind("≥100个", "60个", likelihood="完全不可能")), JULY_31)
    assert red.light.light == "红" and red.red
    m = monitor(decl(ind("≥100个", "60个", likelihood="完全不可能")), JULY_31,
                MonitorConfig(overrides={"red_at": 2}))
    assert (m.light.light, m.light.reason) == (
        "黄", "预算执行 绿，指标 绿 0、黄 0、红 1 → 黄（红灯 1 个，满 2 个才为红）")
    assert monitor(decl(ind("≥100个", "60个"), executed="10000"), JULY_31).light.light == "红"  # budget


def test_money_at_stake_is_the_unexecuted_budget_of_a_yellow_or_red_declaration():
    green = monitor(decl(ind("≥100个", "60个")), JULY_31)
    assert (green.at_stake, green.at_stake_text) == (0, "绿灯，不计")
    yellow = monitor(decl(ind("≥100个", "40个"), total="100000", executed="60000"), JULY_31)
    assert (yellow.at_stake, yellow.at_stake_text) == (D(40000), "未执行 100000 − 60000 = 40000 元")
    assert monitor(decl(ind("≥100个", "40个"), executed=None), JULY_31).at_stake == D(100000)
    assert monitor(decl(ind("≥100个", "40个"), total=None, executed=None), JULY_31).at_stake == 0


def test_at_risk_is_sorted_by_money_at_stake_then_red_first():
    declarations = [
        decl(ind("≥100个", "60个"), name="绿项目"),
        decl(ind("≥100个", "40个"), total="500000", executed="300000", name="黄大"),
        decl(ind("≥100个", "10个"), total="100000", executed="60000", name="红小"),
        decl(ind("≥100个", "40个"), total="100000", executed="60000", name="黄小"),
        decl(ind("≥100个", "40个"), total="2000000", executed="1200000", name="黄最大"),
    ]
    assert [(m.declaration.name, m.light.light, m.at_stake) for m in at_risk(declarations, JULY_31)] == [
        ("黄最大", "黄", D(800000)), ("黄大", "黄", D(200000)), ("红小", "红", D(40000)),
        ("黄小", "黄", D(40000))]


# -- properties -----------------------------------------------------------------

actuals = st.decimals(min_value=0, max_value=1000, places=2)


@given(actuals, actuals, st.dates(date(2024, 1, 1), date(2024, 12, 31)))
def test_the_light_never_improves_when_the_actual_to_date_falls(a, b, as_of):
    high, low = max(a, b), min(a, b)
    rank = LIGHTS.index
    assert rank(light("≥500个", f"{low}个", as_of)) >= rank(light("≥500个", f"{high}个", as_of))


@given(st.dates(date(2024, 1, 1), date(2024, 12, 30)))
def test_expected_progress_rises_with_the_date(day):
    later = date.fromordinal(day.toordinal() + 1)
    assert (expected_progress(day, 2024, SETTINGS).percent
            < expected_progress(later, 2024, SETTINGS).percent <= 100)


# -- settings ---------------------------------------------------------------------

def test_bad_settings_are_refused_with_their_name(tmp_path):
    for overrides, words in [({"progress": "linear"}, "progress"), ({"plan": [1, 2]}, "plan"),
                             ({"target_yellow": 30}, "target_yellow must not exceed"),
                             ({"likelihood": {"也许": "红"}}, "likelihood"), ({"missing": "蓝"}, "missing"),
                             ({"red_at": 0}, "red_at"), ({"colour": 1}, r"unknown \[monitoring\]")]:
        with pytest.raises(UsageError, match=words):
            settings(**overrides)
    path = tmp_path / "jixiao.toml"
    path.write_text('[monitoring]\ntarget_yellow = 15\n[evaluation.periods]\n"旬" = 10\n', encoding="utf-8")
    config = load_monitor_config(path)
    assert config.overrides == {"target_yellow": 15}
    assert load_monitor_settings("national-2021", config).scoring.periods["旬"] == 10
    path.write_text('[monitoring]\nbudget_red = "x"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"jixiao\.toml: budget_red must be a number"):
        load_monitor_config(path)


# -- the CLI on the evaluation's fixtures -----------------------------------------------

def test_cli_on_the_fixtures_prints_lights_and_the_list_at_risk():
    result = CliRunner().invoke(cli, ["monitor", *FIXTURES, "--as-of", "2024-07-31"])
    assert result.exit_code == 1, result.output  # the 2020 project is over, with a 部分达成: 红
    out = result.output
    assert "【1】遗体 and 人体器官捐献工作专项经费  绿  截至 2024-07-31  配置 shanghai-2024" in out
    assert ("  绿 预算执行：执行率 496280 ÷ 522400 = 95.00%，应达 58.20%，"
            "不低于应达（低 >10 黄，>25 红）→ 绿") in out
    assert "      实际完成值 4.2万份 换算为 42000份" in out
    assert out.rstrip().endswith("合计：4 个项目，绿 3 黄 0 红 1\n风险项目（按涉及资金从大到小）：\n"
                                 "  1. 红 7,687.00 元  红十字培训项目管理（上海市红十字事务中心）")


def test_cli_json_and_exit_status_zero_when_nothing_is_red():
    result = CliRunner().invoke(cli, ["monitor", FIXTURES[1], "--as-of", "2024-07-31", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    project = out["documents"][0]["projects"][0]
    assert (project["light"], project["expected"], project["budget"]["rate"]) == ("绿", "58.20", "95.00")
    assert out["at_risk"] == []


def test_cli_bad_date_is_one_line_and_status_2():
    result = CliRunner().invoke(cli, ["monitor", FIXTURES[0], "--as-of", "2024-02-30"])
    assert result.exit_code == 2
    assert result.output == "jixiao: error: --as-of '2024-02-30' is not a date YYYY-MM-DD\n"


def test_the_documentation_configuration_example_loads(tmp_path):
    text = (ROOT / "docs" / "monitoring.md").read_text(encoding="utf-8")
    example = tmp_path / "jixiao.toml"
    example.write_text(re.search(r"```toml\n(.*?)```", text, re.S)[1], encoding="utf-8")
    config = load_monitor_config(example)
    s = load_monitor_settings(config.profile, config)
    assert (s.profile, s.progress, s.target_yellow, s.likelihood["有可能"], s.red_at) == (
        "shanghai-2024", "plan", 15, "绿", 2)
