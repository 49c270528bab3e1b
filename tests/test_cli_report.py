"""``jixiao report import|show|at-risk``: the operator loads actuals into the store and reads them back.

On a SQLite file (the commands are thin over jixiao.reports, which tests/test_reports.py runs on
both databases). The store holds both seeds, published; the actuals are src/jixiao/samples/actuals/
(made up: 遗体 and 人体器官捐献工作专项经费 97.00 优, 信息化建设项目 88.33 良, 红十字救灾工作专项经费
99.76 优, 红十字培训项目管理 98.66 优).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from jixiao.cli import cli
from jixiao.reports import Report, ReportRevision
from jixiao.store import db

from .conftest import ACTUALS_2020, ACTUALS_2024, SEED_2020, SEED_2024


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'jixiao.sqlite3'}"
    db.upgrade(url)
    result = run(url, "import", "-j", "1", "--status", "published", SEED_2024, SEED_2020, store=False)
    assert result.exit_code == 0, result.output
    return url


def run(url: str, *args: str | Path, store: bool = True):
    words = ["report", *map(str, args)] if store else list(map(str, args))
    return CliRunner().invoke(cli, [*words, "--database-url", url])


def rows(url: str, table: type) -> int:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table))
    finally:
        engine.dispose()


def test_import_saves_each_project_and_prints_its_score(url):
    result = run(url, "import", ACTUALS_2024, ACTUALS_2020, "--period", "final")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "遗体 and 人体器官捐献工作专项经费：年度自评第 1 次保存，自评 97.00 分（优）",
        "信息化建设项目：年度自评第 1 次保存，自评 88.33 分（良）",
        "红十字救灾工作专项经费：年度自评第 1 次保存，自评 99.76 分（优）",
        "红十字培训项目管理：年度自评第 1 次保存，自评 98.66 分（优）",
    ]
    again = run(url, "import", ACTUALS_2024, "--period", "final", "--submit")
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == (
        "遗体 and 人体器官捐献工作专项经费：年度自评未变（第 1 次保存），自评 97.00 分（优），已提交")
    assert rows(url, ReportRevision) == 4  # the same actuals again: nothing written
    third = run(url, "import", ACTUALS_2024, "--period", "final", "--submit")  # as make run does again
    assert third.exit_code == 0, third.output
    assert third.output.count("未变") == 3 and third.output.count("已提交") == 3


def test_show_prints_the_tables_and_json(url):
    run(url, "import", ACTUALS_2024, "--period", "final")
    text = run(url, "show", "1", "--period", "final")
    assert text.exit_code == 0, text.output
    assert text.output.startswith("遗体 and 人体器官捐献工作专项经费：年度自评（草稿，第 1 次保存）\n")
    assert "总分 97.00  优" in text.output
    shown = json.loads(run(url, "show", "1", "--period", "final", "--json").output)
    assert (shown["status"], shown["revision"], shown["missing"]) == ("draft", 1, [])
    assert (shown["evaluation"]["score"], shown["evaluation"]["grade"]) == ("97.00", "优")
    empty = json.loads(run(url, "show", "2", "--period", "M7", "--json").output)
    assert (empty["status"], empty["revision"], empty["evaluation"]) == (None, 0, None)
    assert empty["missing"][0] == "资金：未填写1–7月执行数"


def test_at_risk_lists_by_money_at_stake_with_departments(url):
    run(url, "import", ACTUALS_2024, ACTUALS_2020, "--period", "final")
    listed = json.loads(run(url, "at-risk", "--period", "final", "--json").output)
    assert [(r["name"], r["light"], r["at_stake"]) for r in listed["rows"]] == [
        ("信息化建设项目", "红", "557835.00"),
        ("遗体 and 人体器官捐献工作专项经费", "红", "26120.00"),
        ("红十字培训项目管理", "红", "7687.00"),
    ]
    assert (listed["total"], listed["red"], listed["at_stake"]) == (3, 3, "591642.00")
    assert listed["departments"] == [
        {"department": "上海市红十字会", "count": 2, "at_stake": "583955.00"},
        {"department": None, "count": 1, "at_stake": "7687.00"}]
    text = run(url, "at-risk", "--period", "final", "--year", "2020")
    assert text.output.splitlines()[0] == "年度自评：1 个项目亮黄灯或红灯（红灯 1 个），涉及资金 7,687.00 元"


def test_a_file_that_fails_leaves_nothing_behind(url, tmp_path):
    unexplained = json.loads(ACTUALS_2024.read_text(encoding="utf-8"))
    project = unexplained["documents"][0]["projects"][0]
    next(i for i in project["indicators"] if i.get("measures"))["measures"] = None
    broken = tmp_path / "unexplained.json"
    broken.write_text(json.dumps(unexplained, ensure_ascii=False), encoding="utf-8")
    result = run(url, "import", broken, ACTUALS_2020, "--period", "final", "--submit")
    assert result.exit_code == 2
    assert "缺少改进措施" in result.output and "红十字培训项目管理：年度自评第 1 次保存" in result.output
    assert rows(url, Report) == 1  # only the 2020 file's: the failed file's three saves rolled back


@pytest.mark.parametrize(("args", "message"), [
    (("--period", "M13"), "报告期“M13”无法识别"),
    (("--period", "M7", "--declaration", "1"), None),  # a form with no actuals: nothing reported, saved
])
def test_bad_periods_and_forms(url, args, message):
    result = run(url, "import", SEED_2020, *args)
    if message is None:
        assert result.exit_code == 0, result.output
        assert result.output.count("1–7月监控第 1 次保存，黄灯") == 3
    else:
        assert result.exit_code == 2 and message in result.output


def test_a_project_not_in_the_store_is_named(url, tmp_path):
    other = json.loads(ACTUALS_2024.read_text(encoding="utf-8"))
    other["documents"][0]["projects"][0]["name"] = "不存在的项目"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    result = run(url, "import", path, "--period", "M7")
    assert result.exit_code == 2
    assert "库中没有 2024 年“上海市红十字会”的项目“不存在的项目”" in result.output
    assert rows(url, Report) == 0
