"""Bad input: one clear line naming the file, the line and what was expected; exit status 2;
the forms that can be read are still returned."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import jixiao
from jixiao.cli import cli
from jixiao.errors import ReadError
from tests.conftest import SEED_2024

FORM_2024 = SEED_2024.read_text(encoding="utf-8")
FIRST_FORM = FORM_2024.split("财政项目支出绩效目标申报表")[1]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_an_empty_file_is_named_as_empty(write):
    path = write("")
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert str(err.value) == f"{path}: expected a performance-target form, found an empty file"


def test_a_binary_file_is_refused_with_the_line_of_its_first_nul(write):
    path = write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt")
    result = run("parse", str(path))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"jixiao: error: {path}:3: expected a text file, found binary data (a NUL byte)")


def test_a_text_that_is_not_a_form_says_which_label_it_looked_for(write):
    path = write("会议纪要\n今天讨论了预算。\n")
    result = run("parse", str(path))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"jixiao: error: {path}:1: expected a performance-target form: a line with the label 项目名称, "
        "found no such label in 2 lines"
    )


def test_a_form_cut_off_before_its_table_fails_alone_and_the_others_are_kept(write):
    cut = FORM_2024[: FORM_2024.index("\t一级指标", FORM_2024.index("红十字宣传传播"))]
    path = write(cut)
    doc = jixiao.read_document(path)
    assert [d.name for d in doc.declarations] == ["遗体 and 人体器官捐献工作专项经费"]
    [error] = doc.errors
    assert error.line == 43 and "indicator table header" in error.expected
    result = run("parse", str(path))
    assert result.exit_code == 2
    assert "1 个项目" in result.output
    assert f"jixiao: error: {path}:43: expected the indicator table header" in result.output


def test_a_form_with_a_header_and_no_rows_names_the_header_line(write):
    text = FIRST_FORM.split("绩效\t产出指标")[0]
    path = write("财政项目支出绩效目标申报表" + text)
    with pytest.raises(ReadError, match="indicator rows under the table header") as err:
        jixiao.read(path)
    assert err.value.line == 14


def test_an_amount_that_is_not_money_names_its_line_and_value(write):
    path = write("财政项目支出绩效目标申报表" + FIRST_FORM.replace("522,400.00", "五十万", 1))
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert err.value.line == 8
    assert err.value.found == "「五十万」"
    assert "an amount in yuan" in err.value.expected


def test_a_date_that_is_not_a_date_names_its_line(write):
    path = write("财政项目支出绩效目标申报表" + FIRST_FORM.replace("2024-12-31", "2024-13-45", 1))
    with pytest.raises(ReadError, match="a date such as 2024-01-01 for end") as err:
        jixiao.read(path)
    assert err.value.line == 7


def test_a_missing_file_and_a_folder_are_errors_not_tracebacks(tmp_path):
    result = run("parse", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    missing = tmp_path / "nope.txt"
    assert result.output.strip() == f"jixiao: error: {missing}: expected an existing file, found no such file"


def test_a_pdf_cut_short_is_named_as_such(write):
    path = write(b"%PDF-1.7\n", "form.pdf")
    with pytest.raises(ReadError, match=r"form\.pdf: expected a complete PDF file, found a file cut short"):
        jixiao.read(path)


def test_a_gb18030_file_reads_like_utf8(write):
    path = write(FORM_2024.encode("gb18030"))
    assert [d.name for d in jixiao.read(path)] == [d.name for d in jixiao.read(SEED_2024)]


def test_broken_json_names_its_line(write):
    path = write('{"documents": [\n  {"file": "x", "projects": [}\n]}', "out.json")
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert err.value.line == 2 and "valid JSON" in err.value.expected


def test_json_with_a_wrong_field_names_the_field(write):
    path = write('[{"name": "x", "funds": {"total": "很多"}}]', "out.json")
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert err.value.expected.startswith("[0].funds.total:")


@pytest.mark.parametrize("content", ["{}", "[{}]", '{"name": ""}'])
def test_a_json_project_with_neither_name_nor_indicators_is_refused(write, content):
    path = write(content, "empty.json")
    doc = jixiao.read_document(path)
    assert doc.declarations == []
    assert len(doc.errors) == 1
    assert 'a project with a "name" or "indicators", found neither' in str(doc.errors[0])


def test_a_json_form_with_a_nul_character_is_refused_by_name(write, url):
    """JSON can carry a NUL (``\\u0000``) that no form has and PostgreSQL text cannot hold: the file is
    refused naming the project, and an import leaves the store empty (on both databases)."""
    from jixiao.store import db

    project = {"name": "红十字\u0000培训", "year": 2020, "indicators": []}
    path = write(json.dumps({"documents": [{"file": "x", "projects": [project]}]}), "nul.json")
    parsed = run("parse", str(path))
    assert parsed.exit_code == 2
    assert parsed.output.strip() == (
        f"jixiao: error: {path}: expected documents[0].projects[0]: text without NUL characters, "
        "found \\u0000")
    db.upgrade(url)
    imported = run("import", "-j", "1", "--database-url", url, str(path))
    assert imported.exit_code == 2 and "新增 0" in imported.output and "internal error" not in imported.output
