"""``jixiao export``: the files it writes, from files and from the store, and its refusals. What is in each
file is tests/test_export_*.py's business; here, that the command writes the right files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from jixiao.cli import cli
from jixiao.store import db

from .conftest import ACTUALS_2024, ACTUALS_M7, SEED_2020, SEED_2024


def run(*args: str | Path):
    return CliRunner().invoke(cli, ["export", *map(str, args)])


def first_sheet(path: Path) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())).get_sheet_by_index(0).to_python()


def test_one_xlsx_per_declaration_named_after_it(tmp_path):
    result = run(SEED_2024, SEED_2020, "--format", "xlsx", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 19 and names[0] == "001-遗体 and 人体器官捐献工作专项经费.xlsx"
    assert result.output.splitlines()[-1] == "写出 19 个文件，19 个项目"
    assert first_sheet(tmp_path / names[0])[0][0] == "财政项目支出绩效目标申报表"


def test_one_workbook_and_the_summary(tmp_path):
    assert run(SEED_2024, "--format", "xlsx", "--workbook", "--out", tmp_path).exit_code == 0
    book = CalamineWorkbook.from_filelike(io.BytesIO((tmp_path / "申报表.xlsx").read_bytes()))
    assert len(book.sheet_names) == 16
    summary = run(SEED_2024, SEED_2020, "--format", "xlsx", "--table", "summary", "--out", tmp_path)
    assert summary.exit_code == 0, summary.output
    total = first_sheet(tmp_path / "汇总表.xlsx")[-1]
    assert total[0] == "合计" and total[6] == 14386098.0  # 13,012,181.00 + 1,373,917.00


def test_monitoring_and_self_evaluation_tables(tmp_path):
    monitored = run(ACTUALS_M7, "--format", "xlsx", "--table", "monitoring", "--as-of", "2024-07-31",
                    "--out", tmp_path)
    assert monitored.exit_code == 0, monitored.output
    assert "002-信息化建设项目-监控表.xlsx" in monitored.output
    evaluated = run(ACTUALS_2024, "--format", "xlsx", "--table", "self-evaluation", "--out", tmp_path)
    assert evaluated.exit_code == 0, evaluated.output
    table = first_sheet(tmp_path / "001-遗体 and 人体器官捐献工作专项经费-自评表.xlsx")
    cells = [c for row in table for c in row]
    assert "项目支出绩效自评表" in cells and "优" in cells


def test_from_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'j.sqlite3'}"
    db.upgrade(url)
    imported = CliRunner().invoke(cli, ["import", "-j", "1", "--database-url", url, str(SEED_2020)])
    assert imported.exit_code == 0, imported.output
    result = run("--declaration", "2", "--format", "xlsx", "--out", tmp_path / "out", "--database-url", url)
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == [
        "001-上海市少儿住院互助基金医疗费用结算与监督管理平台(运维).xlsx"]
    missing = run("--declaration", "99", "--format", "xlsx", "--out", tmp_path, "--database-url", url)
    assert missing.exit_code == 2 and "库中没有这些编号的项目：99" in missing.output


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "pdf", "--table", "summary"), "--table summary 没有 pdf 格式；可用：xlsx"),
    (("--format", "xlsx", "--table", "monitoring"), "须给出 --as-of YYYY-MM-DD"),
    (("--format", "xlsx", "--table", "monitoring", "--as-of", "2024-13-01"), "不是 YYYY-MM-DD 格式的日期"),
])
def test_refusals_name_what_is_wrong(tmp_path, args, message):
    result = run(SEED_2024, *args, "--out", tmp_path)
    assert result.exit_code == 2 and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_files_or_the_store_not_both_nor_neither(tmp_path):
    assert "二者选一" in run("--format", "xlsx", "--out", tmp_path).output
    assert "二者选一" in run(SEED_2024, "--declaration", "1", "--format", "xlsx", "--out", tmp_path).output


def test_pdf_and_open_data(tmp_path):
    pdf = run(SEED_2020, "--format", "pdf", "--out", tmp_path / "pdf")
    assert pdf.exit_code == 0, pdf.output
    assert sorted(p.suffix for p in (tmp_path / "pdf").iterdir()) == [".pdf"] * 3
    assert (tmp_path / "pdf" / "001-红十字培训项目管理.pdf").read_bytes().startswith(b"%PDF-")
    assert run(SEED_2024, SEED_2020, "--format", "csv", "--out", tmp_path).exit_code == 0
    indicators = (tmp_path / "indicators.csv").read_bytes()
    assert indicators.startswith("\ufeff".encode()) and indicators.count(b"\r\n") == 1 + 177
    assert run(SEED_2024, "--format", "json", "--out", tmp_path).exit_code == 0
    assert (tmp_path / "open-data.json").stat().st_size > 0


def test_pdfs_printed_by_worker_processes_are_the_same_files(tmp_path, monkeypatch):
    import jixiao.export

    printed = jixiao.export.declaration_pdfs
    asked: list[int | None] = []

    def spy(declarations, reviews=None, *, processes=None):
        asked.append(processes)
        return printed(declarations, reviews, processes=processes)

    monkeypatch.setattr(jixiao.export, "declaration_pdfs", spy)
    assert run(SEED_2020, "--format", "pdf", "--jobs", "2", "--out", tmp_path / "two").exit_code == 0
    assert asked == [2]
    assert run(SEED_2020, "--format", "pdf", "--out", tmp_path / "one").exit_code == 0
    two = {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}
    assert len(two) == 3 and two == {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}


def test_a_monitoring_pdf_in_december_is_refused_by_name(tmp_path):
    result = run(ACTUALS_M7, "--format", "pdf", "--table", "monitoring", "--as-of", "2024-12-05", "--out",
                 tmp_path)
    assert result.exit_code == 2 and "the year end is the self-evaluation" in result.output
