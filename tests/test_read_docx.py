"""Declarations read from Word documents (jixiao.readers.docxform): the seeds written as the official Word
forms (tests/fixtures/layouts/make_layouts.py, python-docx), merged cells recovered from the XML, documents
written by hand as raw WordprocessingML, and files that are not documents.

What is read back from a document must be the declaration read from the seed's text, field for field
(its JSON: every indicator and ``target_raw``; the source, lines and warnings say where it came from).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import jixiao
from jixiao.cli import cli
from jixiao.errors import ReadError
from jixiao.levels import runs
from jixiao.model import Declaration
from jixiao.readers import read_bytes
from jixiao.readers.docxform import docx_grids
from tests.conftest import FIXTURES, SEED_2020, SEED_2024, zip_bomb
from tests.test_grid import assert_same, layouts
from tests.test_read_xlsx import generated

SEEDS_2024 = jixiao.read(SEED_2024)
SEEDS_2020 = jixiao.read(SEED_2020)
LAYOUTS = FIXTURES / "layouts"


def read_docx(data: bytes, name: str = "申报表.docx") -> list[Declaration]:
    return read_bytes(name, data)


def docx_2024(declarations: list[Declaration]) -> bytes:
    return layouts.docx_bytes([layouts.official_2024(d) for d in declarations])


def official(d: Declaration):
    """The Word form of ``d``'s layout."""
    return layouts.official_2020(d) if d.layout == "shanghai-2020" else layouts.official_2024(d)


# -- (1) the seeds as Word forms ---------------------------------------------------------------------

def test_every_2024_seed_as_the_word_form_reads_back_as_its_text():
    got = read_docx(docx_2024(SEEDS_2024))
    assert_same(got, SEEDS_2024)
    assert all(d.warnings == [] for d in got)
    assert got[0].funds.total == Decimal("522400.00") and got[0].start == date(2024, 1, 1)


@pytest.mark.parametrize("labelled", [False, True], ids=["table", "paragraphs"])
def test_every_2020_seed_as_a_word_form_reads_back_as_its_text(labelled):
    data = layouts.docx_bytes([layouts.official_2020(d, labelled=labelled) for d in SEEDS_2020])
    got = read_docx(data)
    assert_same(got, SEEDS_2020)
    assert [str(d.funds.total) for d in got] == ["440382", "297455", "636080"]


@pytest.mark.parametrize(("name", "seeds", "picks"), [
    ("shanghai-2024.docx", SEEDS_2024, layouts.SAMPLE_2024),
    ("shanghai-2020-table.docx", SEEDS_2020, layouts.SAMPLE_2020),
    ("shanghai-2020-labelled.docx", SEEDS_2020, layouts.SAMPLE_2020),
])
def test_the_committed_samples_read_as_the_seeds(name, seeds, picks):
    assert_same(jixiao.read(LAYOUTS / name), [seeds[i] for i in picks])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated())
def test_generated_declarations_read_back_from_a_word_form(declaration):
    assert_same(read_docx(layouts.docx_bytes([official(declaration)])), [declaration])


def test_parse_json_of_a_document_is_the_parse_json_of_the_seed_text(tmp_path):
    path = tmp_path / "申报表.docx"
    path.write_bytes(docx_2024(SEEDS_2024))
    runner = CliRunner()
    from_docx = runner.invoke(cli, ["parse", str(path), "--json"])
    from_text = runner.invoke(cli, ["parse", str(SEED_2024), "--json"])
    assert from_docx.exit_code == 0, from_docx.output
    [docx_doc] = json.loads(from_docx.stdout)["documents"]
    [text_doc] = json.loads(from_text.stdout)["documents"]
    assert docx_doc["errors"] == [] and docx_doc["projects"] == text_doc["projects"]


# -- (2) merged cells from the XML ---------------------------------------------------------------------

def test_merged_cells_are_recovered_as_ranges_from_grid_span_and_v_merge():
    d = SEEDS_2024[1]  # 红十字宣传传播工作专项经费: 产出 over 12 rows, 数量 over 8 of them
    paragraphs, table = docx_grids(docx_2024([d]), "x.docx")
    assert paragraphs.rows == [["财政项目支出绩效目标申报表"], [f"（{d.year}年度）"]]
    assert paragraphs.outside_tables
    assert table.name == "表 1" and list(table.lines) == list(range(3, 3 + len(table.rows)))
    merges = set(table.merges)
    header = next(r for r, row in enumerate(table.rows) if "一级指标" in row)
    level1 = runs([i.level1 for i in d.indicators])
    level2 = runs([(i.level1, i.level2) for i in d.indicators], within=level1)
    for col, found in ((1, level1), (2, level2)):
        spans = {(header + 1 + a, col, header + 1 + b, col) for a, b in found if b > a}
        assert spans <= merges
    assert (1, 3, 1, 5) in merges  # 实施单位's value across three columns
    assert (3, 0, 6, 0) in merges  # 项目资金（元） down four rows
    assert (header, 0, header + len(d.indicators), 0) in merges  # 绩效指标 down the table
    # python-docx repeats a merged cell in every slot it covers; the grid has it once
    assert table.rows[header + 2][1] == "" and table.rows[1][4] == ""


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def raw_docx(body: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal package around ``body`` (WordprocessingML inside ``w:body``)."""
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
             'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    document = f'<w:document xmlns:w="{W}" xmlns:mc="{MC}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def p(text: str) -> str:
    """A paragraph; ``⇥`` is a tab, ``↵`` a line break."""
    runs_ = "".join("<w:r><w:tab/></w:r>" if part == "⇥" else "<w:r><w:br/></w:r>" if part == "↵" else
                    f"<w:r><w:t xml:space=\"preserve\">{part}</w:t></w:r>"
                    for part in _split(text))
    return f"<w:p>{runs_}</w:p>"


def _split(text: str) -> list[str]:
    out, buf = [], ""
    for ch in text:
        if ch in "⇥↵":
            out += [buf, ch] if buf else [ch]
            buf = ""
        else:
            buf += ch
    return out + ([buf] if buf else [])


def tc(text: str = "", *, span: int = 1, vmerge: str | None = None, hmerge: str | None = None,
       inner: str = "") -> str:
    props = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + (
        f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge else "") + (
        f'<w:hMerge w:val="{hmerge}"/>' if hmerge else "")
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{p(text)}{inner}</w:tc>"


def tr(*cells: str, before: int = 0) -> str:
    props = f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before else ""
    return f"<w:tr>{props}{''.join(cells)}</w:tr>"


def tbl(*rows: str) -> str:
    return f"<w:tbl>{''.join(rows)}</w:tbl>"


HEADER = tr(tc("一级指标"), tc("二级指标"), tc("三级指标"), tc("指标值"))


def test_v_merge_h_merge_and_grid_before_are_placed_on_the_grid():
    body = p("项目名称⇥红十字培训") + tbl(
        HEADER,
        tr(tc("产出指标", vmerge="restart"), tc("数量指标", vmerge="restart"), tc("人数"), tc("=10人")),
        tr(tc(vmerge="continue"), tc(vmerge="continue"), tc("次数"), tc("=2次")),
        tr(tc(vmerge="continue"), tc("质量指标"), tc("合格率", hmerge="restart"), tc(hmerge="continue"),
           tc("≥90%")),
        tr(tc("效益指标"), tc("社会效益指标", span=2), tc("提升")),
        tr(tc("服务对象满意度指标"), tc("满意度"), tc("≥90%"), before=1),
    )
    [paragraphs, table] = docx_grids(raw_docx(body), "x.docx")
    assert paragraphs.rows == [["项目名称", "红十字培训"]]  # a tab separates cells
    assert table.merges == [(1, 0, 3, 0), (1, 1, 2, 1), (3, 2, 3, 3), (4, 1, 4, 2)]
    assert table.rows[3] == ["", "质量指标", "合格率", "", "≥90%"]
    assert table.rows[5] == ["", "服务对象满意度指标", "满意度", "≥90%"]
    [d] = read_docx(raw_docx(body))
    assert [(i.level1, i.level2, i.name, i.target_raw) for i in d.indicators] == [
        ("产出指标", "数量指标", "人数", "=10人"), ("产出指标", "数量指标", "次数", "=2次"),
        ("产出指标", "质量指标", "合格率", "≥90%"), ("效益指标", "社会效益指标", "提升", ""),
        ("效益指标", "服务对象满意度指标", "满意度", "≥90%")]


def test_deleted_text_text_boxes_and_content_controls():
    deleted = '<w:del><w:r><w:delText>旧名称</w:delText></w:r></w:del>'
    box = ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing/></mc:Choice><mc:Fallback>'
           '<w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict>'
           '</mc:Fallback></mc:AlternateContent></w:r>')
    body = (f"<w:p><w:r><w:t>项目名称：</w:t></w:r>{deleted}<w:ins><w:r><w:t>红十字培训</w:t></w:r></w:ins>"
            f"{box}</w:p>"
            f"<w:sdt><w:sdtPr/><w:sdtContent>{p('主管部门：上海市红十字会')}</w:sdtContent></w:sdt>"
            + tbl(HEADER, tr(tc("产出指标"), tc("数量指标"), tc("人数↵（人次）"), tc("=10人"))))
    [d] = read_docx(raw_docx(body))
    assert (d.name, d.department) == ("红十字培训", "上海市红十字会")
    assert d.indicators[0].name == "人数（人次）"  # a line break in a cell is a wrapped line


def test_a_form_nested_in_a_layout_table_reads_in_reading_order():
    form = p("财政项目支出绩效目标申报表") + p("项目名称⇥嵌套项目") + tbl(
        HEADER, tr(tc("产出指标"), tc("数量指标"), tc("人数"), tc("=10人")))
    body = tbl(tr(tc("上海市红十字会"), tc(inner=form + p("（完）"))))
    grids = docx_grids(raw_docx(body), "x.docx")
    assert [g.name for g in grids] == ["表 1", None, "表 1.1", None]
    [d] = read_docx(raw_docx(body))
    assert d.name == "嵌套项目" and [i.name for i in d.indicators] == ["人数"]


def test_an_error_names_the_line_and_the_table():
    body = p("项目名称⇥甲") + tbl(tr(tc("年度资金申请总额"), tc("五十二万")), HEADER,
                               tr(tc("产出指标"), tc("数量指标"), tc("人数"), tc("=10人")))
    with pytest.raises(ReadError) as err:
        read_docx(raw_docx(body), "x.docx")
    assert str(err.value) == ("x.docx:2: expected an amount in yuan such as 1,400,400.00 for funds.total, "
                              "found 「五十二万」 (表 1)")


# -- (3) files that are not forms ----------------------------------------------------------------------

def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    return zip_bomb({"[Content_Types].xml": "<Types/>"}, "word/document.xml", 65)


CONVERT = ("save it as .docx (Word or WPS: 另存为 › Word 文档 *.docx; LibreOffice: soffice --headless "
           "--convert-to docx FILE)")
BAD = {
    "empty": ("坏.docx", b"", "expected a Word document (.docx), found an empty file"),
    "not a zip": ("坏.docx", "项目名称\t红十字培训\n".encode(), "expected a Word document (.docx), a zip "
                  "package, found a file that is not one"),
    "a legacy .doc": ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "expected a Word document "
                      f"(.docx), found a legacy Word 97–2003 .doc file (or another OLE2 file): {CONVERT}"),
    "an RTF named .doc": ("旧.doc", b"{\\rtf1\\ansi \\deff0 hello}", "expected a Word document (.docx), "
                          f"found an RTF document: {CONVERT}"),
    "a workbook named .docx": ("表.docx", _zip({"xl/workbook.xml": b"<workbook/>"}), "expected a Word "
                               "document (.docx): a package with word/document.xml, found an Excel workbook "
                               "without one"),
    "a damaged zip": ("坏.docx", docx_2024(SEEDS_2024[:1])[:3000], "expected a Word document (.docx), found "
                      "a damaged zip package"),
    "a zip bomb": ("炸.docx", _bomb(), "expected a Word document (.docx) whose parts unpack to at most "
                   "64 MiB, found word/document.xml of 65 MiB"),
    "no content types": ("坏.docx", _zip({"word/document.xml": b"<w:document/>"}), "expected a Word document "
                         "(.docx), found one that cannot be read"),
    "no form": ("说明.docx", raw_docx(p("填表说明") + p("金额单位：元")), "expected a performance-target "
                "form: a row with the label 项目名称, found no such label in 2 paragraphs and 0 tables"),
    "an empty document": ("空.docx", raw_docx(""), "expected a performance-target form: a row with the label "
                          "项目名称, found an empty document"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_file_that_is_not_a_form_is_one_clear_error_and_exit_status_2(tmp_path, case):
    name, data, message = BAD[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert err.value.file == str(path)
    assert str(err.value).startswith(f"{path}: {message}")
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"jixiao: error: {path}: {message}")
    assert "Traceback" not in result.output


def test_a_doc_that_is_really_a_docx_or_a_web_page_is_read():
    [d] = read_docx(docx_2024(SEEDS_2024[:1]), "申报表.doc")
    assert d.name == SEEDS_2024[0].name
    page = layouts.html_page([layouts.official_2024(SEEDS_2024[0])], title="申报表", word=True)
    [d] = read_docx(page, "申报表.doc")
    assert_same([d], SEEDS_2024[:1])


# -- (4) another province's layout -----------------------------------------------------------------------

def other_province(suffix: str) -> Declaration:
    [d] = jixiao.read(LAYOUTS / f"other-province{suffix}")
    return d


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_another_provinces_form_reads_its_fields_and_indicator_tree(suffix):
    """tests/fixtures/layouts/other-province.*: labels, not positions, find what this layout shares."""
    d = other_province(suffix)
    assert d.name == "遗体 and 人体器官捐献工作专项经费"
    assert (d.department, d.unit) == ("上海市红十字会", "上海市红十字会")
    assert d.goal == "指导各区遗体捐献志愿者开展遗体、角膜捐献志愿服务活动。"
    assert [(i.level1, i.level2, i.name) for i in d.indicators] == [r[:3] for r in layouts.OTHER_ROWS]


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_another_provinces_funds_in_wan_yuan(suffix):
    d = other_province(suffix)
    assert (d.funds.total, d.funds.other) == (Decimal("522400"), 0)


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_another_provinces_targets_split_over_three_cells(suffix):
    d = other_province(suffix)
    want = [jixiao.parse_target(t) for t in layouts.OTHER_TARGETS]
    assert [(i.target.op, i.target.value, i.target.unit, i.target.text) for i in d.indicators] == [
        (t.op, t.value, t.unit, t.text) for t in want]


def test_a_macro_enabled_document_is_read_as_a_docx():
    source = zipfile.ZipFile(io.BytesIO(docx_2024(SEEDS_2024[:1])))
    files = {i.filename: source.read(i.filename) for i in source.infolist()}
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"officedocument.wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    assert_same(read_docx(_zip(files), "宏.docm"), SEEDS_2024[:1])


def test_entities_in_the_xml_are_not_expanded():
    """A billion-laughs document is refused (libxml2 stops the amplification), not expanded."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "哈">{laughs}]>'
                f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body>'
                "</w:document>")
    data = raw_docx("")
    source = zipfile.ZipFile(io.BytesIO(data))
    files = {i.filename: source.read(i.filename) for i in source.infolist()}
    files["word/document.xml"] = document.encode()
    with pytest.raises(ReadError, match=r"found one that cannot be read|found no such label"):
        read_docx(_zip(files), "笑.docx")
