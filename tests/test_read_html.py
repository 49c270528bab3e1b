"""Declarations read from HTML pages (jixiao.readers.htmlform): the seeds published as a government site
publishes them (tests/fixtures/layouts/make_layouts.py: a page of the site's own markup, a page Word
saved), charsets, rowspan/colspan, text around tables, and pages that hold no form.

What is read back from a page must be the declaration read from the seed's text, field for field.
"""

from __future__ import annotations

import codecs
import json
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jixiao
from jixiao.cli import cli
from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers import iter_read_bytes, read_bytes
from jixiao.readers.htmlform import html_grids
from tests.conftest import FIXTURES, SEED_2020, SEED_2024
from tests.test_grid import assert_same, layouts

SEEDS_2024 = jixiao.read(SEED_2024)
SEEDS_2020 = jixiao.read(SEED_2020)
LAYOUTS = FIXTURES / "layouts"


def read_html(data: bytes, name: str = "目标表.html") -> list[Declaration]:
    return read_bytes(name, data)


def page(declarations: list[Declaration], **options) -> bytes:
    forms = [layouts.official_2020(d) if d.layout == "shanghai-2020" else layouts.official_2024(d)
             for d in declarations]
    return layouts.html_page(forms, title="上海市红十字会项目绩效目标公开", **options)


def form(body: str, charset: str = "utf-8") -> bytes:
    return f"<html><head><meta charset={charset}></head><body>{body}</body></html>".encode(charset)


TABLE_HEAD = "<tr><td>一级指标<td>二级指标<td>三级指标<td>指标值"


# -- (1) the seeds as published pages ------------------------------------------------------------------

def test_every_seed_on_a_site_page_reads_back_as_its_text():
    assert_same(read_html(page(SEEDS_2024)), SEEDS_2024)
    assert_same(read_html(page(SEEDS_2020)), SEEDS_2020)


def test_every_2020_seed_on_a_page_word_saved_in_gb2312_reads_back_as_its_text():
    data = page(SEEDS_2020, encoding="gb2312", word=True)
    assert b"charset=gb2312" in data
    got = read_html(data)
    assert_same(got, SEEDS_2020)
    assert all(d.warnings == [] for d in got)


@pytest.mark.parametrize(("name", "seeds", "picks"), [
    ("shanghai-2024.html", SEEDS_2024, layouts.SAMPLE_2024),
    ("shanghai-2020-word-gb2312.html", SEEDS_2020, layouts.SAMPLE_2020),
])
def test_the_committed_samples_read_as_the_seeds(name, seeds, picks):
    assert_same(jixiao.read(LAYOUTS / name), [seeds[i] for i in picks])


def test_the_pages_header_and_footer_are_warned_about_not_read_as_indicators():
    [d] = read_html(page(SEEDS_2024[:1]))
    assert [i.name for i in d.indicators] == [i.name for i in SEEDS_2024[0].indicators]
    assert [w.message for w in d.warnings] == [
        "text「首页 > 信息公开 > 预算公开」is under no label; ignored",
        "text「上海市红十字会项目绩效目标公开」is under no label; ignored",
        "text「发布日期：2024-02-06 来源：上海市红十字会 【字号：大 中 小】」is under no label; ignored",
        "text「主办：上海市红十字会 沪ICP备XXXXXXXX号」below the indicator table is not read"]


@pytest.mark.parametrize("case", ["gbk, no charset", "gbk declared utf-8", "utf-8 bom", "utf-16 bom",
                                  "gb18030 declared"])
def test_charsets(case):
    d = SEEDS_2024[0]
    text = page([d]).decode("utf-8")
    if case == "gbk, no charset":
        data = text.replace('<meta charset="utf-8">', "").encode("gbk")
    elif case == "gbk declared utf-8":
        data = text.encode("gbk")
    elif case == "utf-8 bom":
        data = codecs.BOM_UTF8 + text.replace('<meta charset="utf-8">', "").encode("utf-8")
    elif case == "utf-16 bom":
        data = codecs.BOM_UTF16_LE + text.replace('<meta charset="utf-8">', "").encode("utf-16-le")
    else:
        declared = 'http-equiv="Content-Type" content="text/html; charset=GB18030"'
        data = text.replace('charset="utf-8"', declared).encode("gb18030")
    assert_same(read_html(data), [d])


def test_parse_json_of_a_page_is_the_parse_json_of_the_seed_text(tmp_path):
    path = tmp_path / "目标表.htm"
    path.write_bytes(page(SEEDS_2020, encoding="gbk", word=True))
    runner = CliRunner()
    from_html = runner.invoke(cli, ["parse", str(path), "--json"])
    from_text = runner.invoke(cli, ["parse", str(SEED_2020), "--json"])
    assert from_html.exit_code == 0, from_html.output
    [html_doc] = json.loads(from_html.stdout)["documents"]
    [text_doc] = json.loads(from_text.stdout)["documents"]
    assert html_doc["errors"] == [] and html_doc["projects"] == text_doc["projects"]


def test_a_text_form_in_pre_reads_as_the_text_does():
    text = SEED_2024.read_text(encoding="utf-8")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    got = read_html(form(f"<h1>汇总</h1><pre>{escaped}</pre>"))
    assert_same(got, SEEDS_2024)


def test_a_web_archive_mht_is_read():
    message = EmailMessage()
    message["MIME-Version"] = "1.0"
    message["Subject"] = "目标表"
    message.set_content(page(SEEDS_2024[:1]).decode("utf-8"), subtype="html", charset="utf-8",
                        cte="quoted-printable")
    data = b"MIME-Version: 1.0\r\n" + message.as_bytes().split(b"\n", 1)[1]
    assert_same(read_html(data, "目标表.mht"), SEEDS_2024[:1])


# -- (2) tables, spans and text -------------------------------------------------------------------------

def test_rowspan_and_colspan_become_merged_ranges_as_a_browser_places_them():
    body = ("<table><caption>财政项目支出绩效目标申报表</caption><thead>" + TABLE_HEAD + "</thead><tbody>"
            '<tr><td rowspan="3">产出指标<td rowspan=2>数量指标<td>人数<td>=10人'
            "<tr><td>次数<td>=2次"
            '<tr><td>质量指标<td colspan="2">合格率 ≥90%'
            '<tr><td rowspan="0">效益指标<td rowspan=99>社会效益指标<td>提升<td>明显'
            '<tr><td>影响<td colspan="5000">扩大'
            "</tbody></table>")
    caption, table = html_grids(form(body), "x.html")
    assert caption.rows == [["财政项目支出绩效目标申报表"]] and caption.outside_tables
    assert table.name == "表 1"
    assert table.merges == [(1, 0, 3, 0), (1, 1, 2, 1), (3, 2, 3, 3), (4, 0, 5, 0), (4, 1, 5, 1),
                            (5, 3, 5, 1002)]
    assert table.rows[2][:4] == ["", "", "次数", "=2次"]
    assert table.rows[5][:4] == ["", "", "影响", "扩大"]


def test_br_entities_and_white_space():
    body = ("<p>项目名称：红十字<br>培训</p>"  # outside a table a <br> starts a new row (the name goes on)
            "<div>主管部门：&nbsp;上海市\n红十字会&#x3000;</div>"
            "<table>" + TABLE_HEAD +
            "<tr><td>产出指标<td>数量指标<td>制作遗体(含角膜)<br/>捐献登记资料<td>&ge;3000&#20221;"
            "<tr><td><td>质量指标<td><p>遗体捐献</p><p>日常工作有效运行</p><td>正常&amp;运行</table>"
            "<p>填表人：张三</p>")
    [d] = read_html(form(body))
    assert d.name == "红十字培训"
    assert d.department == "上海市红十字会"  # a source line break between Chinese characters is no space
    assert [(i.name, i.target_raw) for i in d.indicators] == [
        ("制作遗体(含角膜)捐献登记资料", "≥3000份"), ("遗体捐献日常工作有效运行", "正常&运行")]
    assert [w.message for w in d.warnings] == ["text「填表人：张三」below the indicator table is not read"]


def test_a_page_laid_out_in_one_big_table_reads_in_reading_order():
    inner = layouts.html_form(layouts.official_2024(SEEDS_2024[2]))
    body = (f'<table width="100%"><tr><td colspan=2><img src="logo.png">上海市红十字会</td></tr>'
            f"<tr><td width=200><a href='/'>首页</a></td><td>{inner}<p>打印本页</p></td></tr></table>")
    got = read_html(form(body))
    assert_same(got, SEEDS_2024[2:3])
    grids = html_grids(form(body), "x.html")
    assert [g.name for g in grids] == ["表 1", None, "表 1.1", None]


def test_script_style_and_form_controls_are_not_read():
    body = ("<style>td{color:red}</style><script>document.write('<table><tr><td>项目名称<td>假')</script>"
            "<select><option>项目名称</option></select><table><tr><td>项目名称<td>真" + TABLE_HEAD +
            "<tr><td>产出指标<td>数量指标<td>人数<td>=1人</table>")
    [d] = read_html(form(body))
    assert d.name == "真"


def test_an_error_names_the_source_line_and_the_table():
    body = ("<table>\n<tr><td>项目名称</td><td>甲</td></tr>\n"
            "<tr><td>年度资金申请总额</td><td>五十二万</td></tr>\n" + TABLE_HEAD
            + "\n<tr><td>产出指标<td>数量指标<td>人数<td>=1人\n</table>")
    with pytest.raises(ReadError) as err:
        read_html(form(body), "x.html")
    assert str(err.value) == ("x.html:3: expected an amount in yuan such as 1,400,400.00 for funds.total, "
                              "found 「五十二万」 (表 1)")


# -- (3) pages that hold no form ------------------------------------------------------------------------

FORM = "expected a performance-target form: a table or text with the label 项目名称, found "
BAD = {
    "empty": (b"  \n", "expected an HTML page, found an empty file"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "expected an HTML page, found binary data (a NUL byte)"),
    "no table": (form("<h1>通知</h1><p>关于公开2024年度项目绩效目标的说明。</p>"),
                 FORM + "a page with no table and no such label"),
    "tables, no form": (form("<table><tr><td>序号<td>项目<tr><td>1<td>培训</table>"),
                        FORM + "no such label in its 1 table or its text"),
    "bytes in no charset": (b"<html><meta charset=utf-8>\n<p>\xff\xfe\xfd\xfc</p>", "expected a page in "
                            "UTF-8 or GB18030 (the page declares utf-8), found bytes that decode in neither "
                            "(ff fe fd fc)"),
    "a GBK page with broken bytes": (
        b"<html><meta http-equiv=Content-Type content='text/html; charset=GBK'>" + "<p>项目名称".encode("gbk")
        + b"\xff</p>", "expected a page in UTF-8 or GB18030 (the page declares GBK), found bytes that decode "
        "in neither (ff 3c 2f 70)"),
    "a table too large": (form("<table>" + "<tr><td colspan=1000>x" * 1001 + "</table>"),
                          "expected tables of at most 1,000,000 cells, found a larger one"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_page_that_is_not_a_form_is_one_clear_error_and_exit_status_2(tmp_path, case):
    data, message = BAD[case]
    path = tmp_path / "页.html"
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert err.value.file == str(path)
    assert message in str(err.value) and str(err.value).startswith(f"{path}")
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_undecodable_bytes_are_located_by_line():
    with pytest.raises(ReadError) as err:
        read_html(b"<html><meta charset=utf-8>\n<p>\xff\xfe\xfd\xfc</p>", "x.html")
    assert err.value.line == 2


TAGS = ["<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", '<td rowspan="3">', "<td colspan=2>", "<br>",
        "<p>", "</p>", "<pre>", "</pre>", "<script>", "</script>", "<caption>", "&nbsp;", "&amp;", "\n", "\t",
        "项目名称", "一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标", "人数", "=1人",
        "项目名称：甲", "<td rowspan=0>", "<!--", "-->", "<![if x]>", "<![endif]>"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=6)), max_size=60))
def test_any_page_reads_to_declarations_or_read_errors(pieces):
    try:
        items = list(iter_read_bytes("fuzz.html", "".join(pieces).encode("utf-8", "replace")))
    except ReadError as err:
        items = [err]
    for item in items:
        assert isinstance(item, Declaration | ReadError)
        if isinstance(item, ReadError):
            assert item.file == "fuzz.html" and item.expected
