"""`jixiao check FILE --table TABLE.json`: a unit's own figures against the recomputed self-evaluation.

The fixture tests/fixtures/actuals/redcross-2024-unit-table.json is the table a unit might fill in for
遗体 and 人体器官捐献工作专项经费 (recomputed: 97.00 优), with its slips (see the fixtures' README):

- every output weight rounded to 7.14, and the score of row 2 worked from that rounded weight
  (950 ÷ 1000 × 7.14 = 6.78 against 6.79): within the tolerance of 0.01, not reported;
- the last output weight made 7.16 so that the part adds up to 50, and its full score 7.16: +0.02 each;
- the satisfaction score not capped at its weight (92 ÷ 80 × 10 = 11.50): +1.50;
- the total, the sum of the unit's rows: 98.50 against 97.00, +1.50;
- the grade 良, which fits neither its total nor the recomputed one (优).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from jixiao.cli import cli
from tests.conftest import ACTUALS_2024, FIXTURES

ACTUALS = ACTUALS_2024
TABLE = FIXTURES / "actuals" / "redcross-2024-unit-table.json"
PROJECT = "遗体 and 人体器官捐献工作专项经费"

SLIPS = [
    ("指标 7「及时参与器官捐献见证」", "weight", "7.16", "7.14", "0.02", "分值 (50 ÷ 7)"),
    ("指标 7「及时参与器官捐献见证」", "score", "7.16", "7.14", "0.02",
     "达成（档内 [80%, 100%]），取 100%：(50 ÷ 7) × 100% = 7.14"),
    ("指标 10「登记者和实现者家属满意度」", "score", "11.50", "10.00", "1.50",
     "92 ÷ 80 × 10 = 11.50，封顶 10.00"),
    ("总分", "total", "98.50", "97.00", "1.50", "9.50 + 47.50 + 30.00 + 10.00 = 97.00"),
    ("等级", "grade", "良", "优", None, "总分 97.00"),
]


def check(*args: str | Path):
    return CliRunner().invoke(cli, ["check", *map(str, args)])


def differences(output: str) -> list[tuple[str | None, ...]]:
    (document,) = json.loads(output)["documents"]
    return [tuple(d.values()) for p in document["projects"] for d in p["differences"]]


def test_each_slip_of_the_fixture_is_found_with_its_exact_difference():
    result = check(ACTUALS, "--table", TABLE, "--json")
    assert result.exit_code == 1, result.output
    assert differences(result.stdout) == SLIPS


def test_the_fixture_table_adds_up_to_its_own_total():
    """The unit's total is the sum of its rows: its slip is the uncapped score, not the addition."""
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    rows = sum(Decimal(r["score"]) for r in table["indicators"])
    assert Decimal(table["budget_score"]) + rows == Decimal(table["total"]) == Decimal("98.50")


def test_the_text_report_lists_the_differences_in_chinese():
    result = check(ACTUALS, "--table", TABLE)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == str(ACTUALS)
    assert lines[1] == f"【1】{PROJECT}  按规则重新计算：总分 97.00  优  配置 shanghai-2024"
    assert lines[2].split() == ["位置", "栏目", "单位填写", "重新计算", "差额", "说明"]
    assert lines[5].split() == ["指标", "10「登记者和实现者家属满意度」", "得分", "11.50", "10.00", "+1.50",
                                "92", "÷", "80", "×", "10", "=", "11.50，封顶", "10.00"]
    assert lines[7].split()[:5] == ["等级", "等级", "良", "优", "—"]
    assert lines[8] == "  与规则不符 5 处（差额不超过 0.01 的不计）"
    assert lines[-1] == "合计：1 个项目，与规则不符的 1 个，共 5 处"
    assert result.stderr == ""


def test_the_json_has_the_documented_shape():
    out = json.loads(check(ACTUALS, "--table", TABLE, "--json").stdout)
    assert list(out) == ["documents"]
    (document,) = out["documents"]
    assert list(document) == ["file", "projects", "errors"] and document["errors"] == []
    (project,) = document["projects"]
    assert {k: v for k, v in project.items() if k != "differences"} == {
        "name": PROJECT, "year": 2024, "unit": "上海市红十字会", "profile": "shanghai-2024", "score": "97.00",
        "grade": "优", "tolerance": "0.01"}
    assert [list(d) for d in project["differences"]] == [
        ["where", "item", "unit_value", "recomputed", "difference", "note"]] * 5


def _correct_tables() -> dict[str, list[dict[str, object]]]:
    """A table of every project of ACTUALS as the rules fill it in (from ``jixiao evaluate --json``)."""
    evaluated = json.loads(CliRunner().invoke(cli, ["evaluate", str(ACTUALS), "--json"]).stdout)
    return {"tables": [
        {"name": p["name"], "budget_rate": p["budget_rate"], "budget_score": p["budget_score"],
         "indicators": [{"index": i["index"], "weight": i["weight"], "score": i["score"]}
                        for i in p["indicators"] if i["applicable"]],
         "total": p["score"], "grade": p["grade"]}
        for p in evaluated["documents"][0]["projects"]]}


def test_tables_filled_in_by_the_rules_have_no_difference_and_exit_0(tmp_path):
    path = tmp_path / "tables.json"
    path.write_text(json.dumps(_correct_tables(), ensure_ascii=False), encoding="utf-8")
    result = check(ACTUALS, "--table", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("单位填写的数字与规则一致（差额不超过 0.01 的不计）") == 3
    assert result.stdout.splitlines()[-1] == "合计：3 个项目，与规则不符的 0 个，共 0 处"


def test_several_tables_each_go_with_the_project_of_its_name(tmp_path):
    tables = _correct_tables()
    tables["tables"][1]["total"] = 90  # 信息化建设项目: 88.33 recomputed; a JSON number is read as well
    tables["tables"] = tables["tables"][::-1]  # in any order
    path = tmp_path / "tables.json"
    path.write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
    result = check(ACTUALS, "--table", path, "--json")
    assert result.exit_code == 1
    (document,) = json.loads(result.stdout)["documents"]
    assert [(p["name"], len(p["differences"])) for p in document["projects"]] == [
        ("红十字救灾工作专项经费", 0), ("信息化建设项目", 1), ("遗体 and 人体器官捐献工作专项经费", 0)]
    assert differences(result.stdout) == [
        ("总分", "total", "90", "88.33", "1.67", "(8.50 + 50.00 + 21.00) ÷ 90 × 100 = 88.33")]
    # --project and --name pick one project, and its table among several
    for pick in (["--project", "3"], ["--name", "红十字救灾工作专项经费"]):
        result = check(ACTUALS, "--table", path, *pick)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1].startswith("【1】红十字救灾工作专项经费  ")


def test_an_unnamed_table_goes_with_the_project_picked(tmp_path):
    path = tmp_path / "table.json"
    path.write_text('{"total": "88.33", "grade": "良"}', encoding="utf-8")
    assert check(ACTUALS, "--table", path, "--project", "2").exit_code == 0
    assert check(ACTUALS, "--table", path, "--name", "信息化建设项目").exit_code == 0
    result = check(ACTUALS, "--table", path, "--project", "1", "--json")
    assert differences(result.stdout) == [
        ("总分", "total", "88.33", "97.00", "-8.67", "9.50 + 47.50 + 30.00 + 10.00 = 97.00"),
        ("等级", "grade", "良", "优", None, "总分 97.00")]


def test_the_configuration_s_tolerance_is_the_one_applied(tmp_path):
    config = tmp_path / "jixiao.toml"
    config.write_text("[evaluation]\ncheck_tolerance = 0.05\n", encoding="utf-8")
    result = check(ACTUALS, "--table", TABLE, "--config", config, "--json")
    assert result.exit_code == 1
    assert differences(result.stdout) == SLIPS[2:]  # the two +0.02 are within 0.05
    assert json.loads(result.stdout)["documents"][0]["projects"][0]["tolerance"] == "0.05"


def test_the_profile_is_the_one_recomputed_under():
    result = check(ACTUALS, "--table", TABLE, "--json", "--profile", "national-2021")
    assert json.loads(result.stdout)["documents"][0]["projects"][0]["profile"] == "national-2021"


# -- bad input: one line naming the file and the field, exit status 2 ---------------------------------------

BAD_TABLES = [
    ('{"total": 97', ":1: 不是有效的 JSON（Expecting ',' delimiter，第 13 列）"),
    ("[]", ': 应是一张自评表（JSON 对象）或 {"tables": [...]}，而不是 list'),
    ('{"name": "' + PROJECT + '", "indicators": [{"index": 1, "score": "七点一四"}]}',
     ': indicators[1].score（第 1 行的得分）: 应是数字，如 "7.14"（JSON 数字或数字字符串）'),
    ('{"name": "' + PROJECT + '", "indicators": [{}, {"index": "二", "weight": "7.14"}]}',
     ": indicators[2].index（第 2 行的序号）: 应是整数（指标序号，从 1 起）"),
    ('{"name": "' + PROJECT + '", "total": NaN}', ": total（总分）: 应是有限的数字，不能是 NaN 或 Infinity"),
    ('{"name": "' + PROJECT + '", "total": "-Infinity"}',
     ": total（总分）: 应是有限的数字，不能是 NaN 或 Infinity"),
    ('{"name": "' + PROJECT + '", "total": 1e999999999}', ": total（总分）: 数字过大（应小于 10 亿）"),
    ('{"name": "' + PROJECT + '", "budget_score": "1e-999999999"}',
     ": budget_score（预算执行率得分）: 小数位过多（至多 12 位）"),
    ('{"name": "' + PROJECT + '", "indicators": [{"index": 1, "score": "1"}], "score": 97}',
     ": score: 不是自评表的字段（可有 name、budget_rate、budget_score、indicators、total、grade；"
     "每行可有 index、name、weight、score）"),
    ('{"tables": [{"name": "信息化建设项目"}, {"total": 90}]}',
     ": tables[2].name: 没有项目名称：多张表时每张都须写明是哪个项目的表"),
    ('{"tables": [{"name": "信息化建设项目", "indicators": [{"weight": true}]}]}',
     ": tables[1].indicators[1].weight（第 1 行的分值）: 应是数字，如 \"7.14\"（JSON 数字或数字字符串）"),
    ('{"tables": {"name": "信息化建设项目"}}', ": tables: 应是至少有一张自评表的列表"),
    ('{"tables": [{"name": "信息化建设项目"}], "total": 90}',
     ': total: 有 "tables" 时不能再有其他字段（表的各项写在每张表里）'),
    ('{"tables": [{"name": "信息化建设项目"}, {"name": "信息化建设项目"}]}',
     ": tables[2].name: 「信息化建设项目」与 tables[1] 重复"),
    ('{"total": 90}', f": name: 没有项目名称：{ACTUALS} 有 3 个项目，须写明是哪个项目的表"),
    ('{"name": "不存在的项目"}', f": name: 「不存在的项目」：{ACTUALS} 中没有这个项目"),
    ('{"indicators": [' + ",".join(['{"index": 1}'] * 501) + "]}", ": indicators（指标行）: 至多 500 行"),
]


@pytest.mark.parametrize(("content", "message"), BAD_TABLES, ids=range(len(BAD_TABLES)))
def test_a_bad_table_is_one_line_naming_the_file_and_the_field(tmp_path, content, message):
    path = tmp_path / "table.json"
    path.write_text(content, encoding="utf-8")
    result = check(ACTUALS, "--table", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"jixiao: error: {path}{message}\n"


def test_a_table_that_is_not_utf8_or_missing_is_named(tmp_path):
    path = tmp_path / "table.json"
    path.write_bytes('{"grade": "优"}'.encode("gb18030"))
    result = check(ACTUALS, "--table", path)
    assert (result.exit_code, result.stderr) == (2, f"jixiao: error: {path}: 应是 UTF-8 编码的 JSON 文件\n")
    result = check(ACTUALS, "--table", tmp_path / "none.json")
    assert (result.exit_code, result.stderr) == (2, f"jixiao: error: {tmp_path / 'none.json'}: 文件不存在\n")


@pytest.mark.parametrize(("options", "message"), [
    (["--project", "4"], f"--project 4: {ACTUALS} 只有 3 个项目"),
    (["--name", "不存在"], f"--name「不存在」：{ACTUALS} 中没有这个项目"),
    (["--project", "1", "--name", PROJECT], "--project 和 --name 只能用其中一个"),
    (["--project", "2"], f"{TABLE}: name: 表中的项目名称「{PROJECT}」与申报表的项目「信息化建设项目」不符"),
    (["--profile", "beijing"], "unknown profile 'beijing'; expected one of: national-2021, shanghai-2024, "
                               "shanghai-2020"),
])
def test_a_bad_choice_of_project_is_one_line_and_status_2(options, message):
    result = check(ACTUALS, "--table", TABLE, *options)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"jixiao: error: {message}\n")


def test_an_unreadable_file_is_the_reader_s_error_and_status_2(tmp_path):
    missing = tmp_path / "none.json"
    result = check(missing, "--table", TABLE)
    assert result.exit_code == 2
    assert result.stderr == f"jixiao: error: {missing}: expected an existing file, found no such file\n"
    assert "Traceback" not in result.output


# -- a file that carries the unit's own figures (a filled-in 自评表 read back) ---------------------------

def _with_unit_scores(tmp_path: Path, **changes: object) -> Path:
    """ACTUALS with the unit table of the fixture as its own ``unit_scores`` (as a reader of a filled-in
    自评表 gives them), in one JSON file."""
    document = json.loads(ACTUALS.read_text(encoding="utf-8"))
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    table.pop("name")
    (project,) = [p for p in document["documents"][0]["projects"] if p["name"] == PROJECT]
    project["unit_scores"] = table | changes
    path = tmp_path / "自评表.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_without_table_the_files_own_figures_are_checked(tmp_path):
    """Only the project that carries figures is checked (the file holds four)."""
    result = CliRunner().invoke(cli, ["check", "--json", str(_with_unit_scores(tmp_path))])
    assert result.exit_code == 1, result.output
    (checked,) = json.loads(result.stdout)["documents"][0]["projects"]
    assert checked["name"] == PROJECT
    assert [(d["where"], d["item"]) for d in checked["differences"]] == [(w, i) for w, i, *_ in SLIPS]
    fixed = _with_unit_scores(tmp_path, total="97.00", grade="优")
    result = CliRunner().invoke(cli, ["check", "--json", str(fixed)])
    (checked,) = json.loads(result.stdout)["documents"][0]["projects"]
    assert [d["item"] for d in checked["differences"]] == ["weight", "score", "score"]


def test_without_table_a_file_without_the_units_figures_is_a_usage_error():
    result = CliRunner().invoke(cli, ["check", str(ACTUALS)])
    assert result.exit_code == 2
    assert "没有单位自评的得分" in result.stderr and "--table" in result.stderr
