"""`jixiao evaluate` end to end: the seeds with sample actuals (src/jixiao/samples/actuals/), the JSON
format's new fields, and that declarations without actuals keep exactly the JSON they had."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import jsonschema
from click.testing import CliRunner

import jixiao
from jixiao.cli import cli
from jixiao.jsonformat import declaration_json
from jixiao.model import Weights
from jixiao.store.prepared import canonical_json
from tests.conftest import ACTUALS_2020, ACTUALS_2024, ROOT, SEED_2020, SEED_2024

NEW_INDICATOR_KEYS = {"actual_raw", "actual", "weight", "applicable", "deviation_reason", "measures"}


def evaluate(*args: str):
    return CliRunner().invoke(cli, ["evaluate", *args])


def test_the_seeds_with_actuals_are_scored_end_to_end():
    result = evaluate(str(ACTUALS_2024), str(ACTUALS_2020), "--json")
    assert result.exit_code == 0, result.output
    projects = [p for doc in json.loads(result.output)["documents"] for p in doc["projects"]]
    assert [(p["name"], p["budget_score"], p["score"], p["grade"], p["can_submit"]) for p in projects] == [
        ("遗体 and 人体器官捐献工作专项经费", "9.50", "97.00", "优", True),
        ("信息化建设项目", "8.50", "88.33", "良", True),
        ("红十字救灾工作专项经费", "10.00", "99.76", "优", True),
        ("红十字培训项目管理", "9.83", "98.66", "优", True),
    ]
    first = projects[0]
    assert [(i["weight"], i["score"], i["formula"]) for i in first["indicators"][:2]] == [
        ("7.14", "7.14", "3000 = 3000，满分 7.14"),
        ("7.14", "6.79", "950 ÷ 1000 × (50 ÷ 7) = 6.79"),
    ]
    assert first["indicators"][3]["flags"] == [
        {"code": "unit-converted", "severity": "info", "message": "实际完成值 4.2万份 换算为 42000份"},
        {"code": "above-target", "severity": "info",
         "message": "指标值为「=」，完成值高于指标值（105.00%），按满分计"}]
    assert first["budget_formula"] == "执行率 496280 ÷ 522400 = 95.00%；10 × 95.00% = 9.50"
    assert first["formula"] == "9.50 + 47.50 + 30.00 + 10.00 = 97.00"
    disaster = projects[2]
    assert disaster["indicators"][3]["applicable"] is False and disaster["indicators"][3]["score"] is None
    assert disaster["formula"] == "(10.00 + 41.67 + 30.00 + 9.78) ÷ 91.666667 × 100 = 99.76"
    training = projects[3]
    assert [(i["index"], i["part"], i["score"], i["formula"]) for i in training["indicators"]
            if i["index"] in (16, 18)] == [
        (16, "benefit", "10.00", "362 ÷ 350 × 10 = 10.34，封顶 10.00"),
        (18, "satisfaction", "10.00", "91 ÷ 80 × 10 = 11.38，封顶 10.00"),
    ]


def test_the_text_table_shows_each_formula_the_total_and_the_flags():
    result = evaluate(str(ACTUALS_2024))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == str(ACTUALS_2024)
    assert lines[1] == "【1】遗体 and 人体器官捐献工作专项经费  总分 97.00  优  配置 shanghai-2024"
    assert lines[5].split() == ["2", "产出", "制作遗体(含角膜)实现者纪念证", "=1000.00(份)", "950份", "7.14",
                                "6.79", "950", "÷", "1000", "×", "(50", "÷", "7)", "=", "6.79"]
    assert "  总分 9.50 + 47.50 + 30.00 + 10.00 = 97.00（优）" in lines
    assert ("  警告 missed 指标 2「制作遗体(含角膜)实现者纪念证」：未达到指标值（完成 95.00%），"
            "须说明偏差原因并提出改进措施") in lines
    assert lines[-1] == "合计：3 个项目，优 2 良 1 中 0 差 0，未计出总分 0；不能提交 0 个"


def test_a_project_that_cannot_be_submitted_exits_1_and_says_why(tmp_path):
    data = json.loads(ACTUALS_2024.read_text(encoding="utf-8"))
    project = data["documents"][0]["projects"][0]
    project["indicators"][1].pop("measures")
    project["indicators"][9]["actual_raw"] = "0.92"  # a percentage written as a fraction
    path = tmp_path / "one.json"
    path.write_text(json.dumps(project, ensure_ascii=False), encoding="utf-8")
    result = evaluate(str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "【1】遗体 and 人体器官捐献工作专项经费  总分 —（有无法计分的项）  配置 shanghai-2024" in lines
    assert ("  错误 explanation-missing 指标 2「制作遗体(含角膜)实现者纪念证」："
            "缺少改进措施，提交自评前须填写") in lines
    assert ("  错误 unit-ambiguous 指标 10「登记者和实现者家属满意度」：实际完成值「0.92」未写单位，"
            "指标值单位是「%」，无法确定如何换算，未计分") in lines
    assert "  不能提交：3 处错误须先处理" in result.output


def test_the_text_forms_have_no_actuals_so_nothing_is_scored():
    result = evaluate(str(SEED_2024), "--json")
    assert result.exit_code == 1
    projects = json.loads(result.output)["documents"][0]["projects"]
    assert {p["score"] for p in projects} == {None}
    assert projects[0]["indicators"][0]["flags"][0]["code"] == "no-actual"


def test_profile_and_config_options(tmp_path):
    config = tmp_path / "jixiao.toml"
    config.write_text("[evaluation]\nweights = { budget = 20, output = 40 }\n", encoding="utf-8")
    result = evaluate(str(ACTUALS_2024), "--json", "--config", str(config), "--profile", "national-2021")
    first = json.loads(result.output)["documents"][0]["projects"][0]
    assert (first["profile"], first["budget_weight"], first["budget_score"]) == (
        "national-2021", "20.00", "19.00")
    assert evaluate(str(ACTUALS_2024), "--profile", "nope").exit_code == 2
    config.write_text("[evaluation]\nweights = { cost = 5 }\n", encoding="utf-8")
    result = evaluate(str(ACTUALS_2024), "--config", str(config))
    assert result.exit_code == 2
    assert "weights: unknown part(s) cost" in result.output


def test_unreadable_input_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "indicators": [{"name": "y", "target_raw": "1", "target": {}, '
                   '"weight": "-1"}]}', encoding="utf-8")
    result = evaluate(str(bad))
    assert result.exit_code == 2
    assert "weight: Input should be greater than or equal to 0" in result.output


# -- the JSON format ------------------------------------------------------------------------------

def test_declarations_without_actuals_keep_their_json_and_content_hash():
    declarations = jixiao.read(SEED_2024) + jixiao.read(SEED_2020)
    for d in declarations:
        content = declaration_json(d)
        assert "weights" not in content and "executed" not in content["funds"]
        assert not any(NEW_INDICATOR_KEYS & set(i) for i in content["indicators"])
    # the content hash the store kept for the first seed project before the self-evaluation fields existed
    digest = hashlib.sha256(canonical_json(declaration_json(declarations[0])).encode()).hexdigest()
    assert digest == "5075dddf95ecec40495d211da6fca8d7d12fc5599631bca0d4ebe82c6bbd48bf"


def test_actuals_read_with_the_target_grammar_and_round_trip_through_parse_json(tmp_path):
    declarations = jixiao.read(ACTUALS_2024)
    first = declarations[0]
    assert first.funds.executed == Decimal("496280.00")
    assert [(i.actual_raw, i.actual.op, i.actual.value, i.actual.unit, i.actual.text)
            for i in first.indicators[3:6]] == [
        ("4.2万份", "=", Decimal("4.2"), "万份", None),
        ("正常运行", None, None, None, "正常运行"),
        ("部分达成（70%）", None, None, None, "部分达成（70%）"),
    ]
    assert declarations[2].indicators[3].applicable is False
    first.weights = Weights(budget=Decimal(20))
    out = tmp_path / "again.json"
    result = CliRunner().invoke(cli, ["parse", "--json", str(ACTUALS_2024)])
    out.write_text(result.output, encoding="utf-8")
    data = json.loads(result.output)
    jsonschema.validate(data, json.loads((ROOT / "schema" / "parse-output.schema.json").read_text()))
    indicator = data["documents"][0]["projects"][0]["indicators"][1]
    assert {k: indicator[k] for k in NEW_INDICATOR_KEYS if k in indicator} == {
        "actual_raw": "950份",
        "actual": {"op": "=", "value": "950", "unit": "份", "text": None, "upper": None},
        "deviation_reason": "部分纪念证因实现者家属未领取而推迟制作",
        "measures": "下一年度与各区红十字会提前核对实现者名单",
    }
    assert [d.model_dump() for d in jixiao.read(out)] == [d.model_dump() for d in jixiao.read(ACTUALS_2024)]
    with_weights = declaration_json(first)
    assert with_weights["weights"] == {"budget": "20", "output": None, "benefit": None, "satisfaction": None}
    assert jixiao.Declaration.model_validate(with_weights).weights == first.weights


def test_an_actual_given_as_an_object_is_kept_as_given():
    d = jixiao.Declaration.model_validate({"name": "x", "indicators": [{
        "name": "y", "target_raw": "≥5(次)", "target": {"op": "≥", "value": "5", "unit": "次"},
        "actual_raw": "6次", "actual": {"op": "=", "value": "7", "unit": "次"}}]})
    assert d.indicators[0].actual.value == Decimal(7)
