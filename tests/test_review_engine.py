"""The review engine: selection, profiles, configuration, suppression, score and grade, the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jixiao
from jixiao.cli import cli
from jixiao.errors import UsageError
from jixiao.review import RULES, ReviewConfig, Reviewer, load_config, review
from jixiao.review.docs import pages
from jixiao.review.engine import Selection
from tests.conftest import ROOT, SEED_2020, SEED_2024
from tests.rulefixtures import declaration


def codes(report) -> list[str]:
    return [f.code for f in report.findings]


def bad_declaration():
    """The base declaration with two errors (JX301) and its output indicators removed (JX102)."""
    return declaration({"indicators": [
        "效益指标/社会效益指标/居民应急救护知识知晓率/≥80.00(%)",
        "效益指标/社会效益指标/高校参与率/≥26.00(所)",
        "满意度指标/服务对象满意度指标/参训居民满意度/≥90.00(%)",
    ]})


def test_select_and_ignore_take_codes_prefixes_and_categories():
    def chosen(select, ignore=()):
        return {r.code for r in Selection(list(select), list(ignore)).rules("shanghai-2024")}

    assert chosen(["JX301"]) == {"JX301"}
    assert "JX301" in chosen(["JX3"]) and "JX102" not in chosen(["JX3"])
    assert {RULES[c].category for c in chosen(["completeness"])} == {"completeness"}
    assert "JX301" not in chosen(["ALL"], ["JX301"])
    assert chosen(["ALL"], ["ALL"]) == set()


def test_a_declaration_is_reviewed_under_the_profile_of_its_layout():
    [first] = jixiao.read(SEED_2020)[:1]
    assert review(first).profile == "shanghai-2020"
    assert review(jixiao.read(SEED_2024)[0]).profile == "shanghai-2024"
    assert review(first, profile="national-2021").profile == "national-2021"


def test_score_breakdown_says_what_each_rule_cost_and_caps_a_rule():
    report = Reviewer(ReviewConfig(select=["JX102", "JX301"])).review(bad_declaration())
    assert codes(report) == ["JX102", "JX301"]
    assert [(i.code, i.count, i.points) for i in report.breakdown] == [("JX102", 1, 10), ("JX301", 1, 10)]
    assert (report.score, report.grade, report.outcome) == (80.0, "良", "通过")


def test_a_suppression_with_a_reason_removes_the_finding_from_the_score(tmp_path):
    config = tmp_path / "jixiao.toml"
    config.write_text(
        '[review]\nselect = ["JX102", "JX301"]\n'
        '[[review.suppress]]\ncode = "JX301"\nindicator = "高校参与率"\nreason = "经主管部门同意"\n',
        encoding="utf-8")
    report = Reviewer(load_config(config)).review(bad_declaration())
    assert codes(report) == ["JX102"]
    assert [(s.finding.code, s.reason) for s in report.suppressed] == [("JX301", "经主管部门同意")]
    assert report.score == 90.0
    # the brief form the store keeps says the same
    summary = Reviewer(load_config(config)).summary(bad_declaration())
    assert (summary.score, summary.grade, [code for code, _, _ in summary.findings]) == (90.0, report.grade,
                                                                                      ["JX102"])


def test_the_summary_the_store_keeps_is_the_review_in_brief():
    reviewer = Reviewer()
    for decl in [*jixiao.read(SEED_2024), *jixiao.read(SEED_2020)]:
        report, summary = reviewer.review(decl), reviewer.summary(decl)
        assert (summary.profile, summary.score, summary.grade) == (report.profile, report.score, report.grade)
        assert summary.findings == [(f.code, f.severity, f.indicator.index if f.indicator else None)
                                    for f in report.findings]


def test_a_threshold_from_the_config_changes_the_profile(tmp_path):
    config = tmp_path / "jixiao.toml"
    config.write_text("[review.thresholds]\nmin_indicators = 9\n", encoding="utf-8")
    reviewer = Reviewer(load_config(config))
    assert reviewer._profile("shanghai-2024")[0].thresholds["min_indicators"] == 9


@pytest.mark.parametrize(("text", "message"), [
    ("[review.thresholds]\nno_such = 1\n", "unknown threshold(s) no_such"),
    ("[review]\nprofile = \"beijing\"\n", "unknown profile 'beijing'"),
    ("[[review.suppress]]\ncode = \"JX301\"\n", "needs 'reason'"),
    ("[review\n", "not valid TOML"),
])
def test_a_bad_configuration_is_a_clear_error(tmp_path, text, message):
    config = tmp_path / "jixiao.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Reviewer(load_config(config))._profile("shanghai-2024")


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_review_json_has_the_documented_shape(tmp_path):
    result = run("review", str(SEED_2024), "--json", "--select", "JX301")
    assert result.exit_code == 1  # JX301 is an error
    out = json.loads(result.output)
    projects = out["documents"][0]["projects"]
    assert len(projects) == 16
    school = projects[3]
    assert school["name"] == "学校红十字应急救护培训工作专项经费"
    assert {"name", "score", "grade", "findings"} <= set(school)
    assert school["findings"][0] == {
        "code": "JX301", "category": "measurability", "severity": "error",
        "field": "indicators[3]", "indicator": {"index": 3, "name": "高校应急救护比赛学校红十字会参与率"},
        "message": "指标「高校应急救护比赛学校红十字会参与率」是比率，指标值「≥26.00(所)」却以「所」计",
        "hint": RULES["JX301"].hint, "basis": RULES["JX301"].basis,
    }


def test_review_exit_status_is_0_without_errors_and_2_for_unreadable_input(write):
    assert run("review", str(SEED_2020), "--select", "JX301").exit_code == 0
    result = run("review", str(write("")), "--select", "JX301")
    assert result.exit_code == 2 and "jixiao: error:" in result.output


def test_review_reads_the_projects_own_json(tmp_path):
    out = tmp_path / "seed.json"
    out.write_text(run("parse", str(SEED_2024), "--json").output, encoding="utf-8")
    a = json.loads(run("review", str(out), "--json").output)["documents"][0]["projects"]
    b = json.loads(run("review", str(SEED_2024), "--json").output)["documents"][0]["projects"]
    assert a == b


def test_the_text_report_is_in_chinese_grouped_by_project():
    result = run("review", str(SEED_2024), "--select", "JX301")
    assert "【4】学校红十字应急救护培训工作专项经费  得分 " in result.output
    assert "  错误 JX301 [可衡量] 指标 3「高校应急救护比赛学校红十字会参与率」" in result.output
    assert "修改建议：" in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("合计：16 个项目")


def test_an_unknown_profile_or_rule_is_a_usage_error():
    result = run("review", str(SEED_2024), "--profile", "beijing")
    assert result.exit_code == 2 and "unknown profile 'beijing'" in result.output
    result = run("rule", "JX999")
    assert result.exit_code == 2 and "no rule 'JX999'" in result.output


def test_rules_lists_the_catalogue_and_rule_prints_a_doc_page():
    listing = run("rules", "--json")
    assert [r["code"] for r in json.loads(listing.output)] == sorted(RULES)
    page = run("rule", "jx301").output
    assert page.startswith("# JX301 比率类指标使用了计数单位")
    assert "## 为什么重要" in page and "## 依据" in page


def test_the_rule_docs_in_the_repository_are_the_generated_ones():
    folder = ROOT / "docs" / "rules"
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert on_disk == pages(), "run `make docs` and commit docs/rules/"


def test_every_command_is_documented_in_the_cli_reference():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert [name for name in cli.commands if f"## `jixiao {name}" not in text] == []
