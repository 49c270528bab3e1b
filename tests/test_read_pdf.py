"""Declarations read from PDF files (jixiao.readers.pdfform): ruled tables with their spans, text-only
PDFs, tables going on over pages, pages that cannot be read, bad files.

The PDFs are in tests/fixtures/layouts/pdf/ (written by make_pdfs.py there; its README says what each
is): the forms of the seeds laid out as the official forms (../make_layouts.py) and printed by
WeasyPrint, by LibreOffice from a DOCX, by Jixiao's own exporter, as text without rules, as a scan, with a
broken character map. What is read back from each must be the seed's declaration, field for field (its
JSON: every indicator and its ``target_raw``; the source, lines and warnings say where it came from).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import jixiao
from jixiao.errors import ReadError
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration
from jixiao.readers import pdfform
from jixiao.readers.grid import Grid
from jixiao.readers.pdfform import iter_pdf_forms, read_pdf
from tests.conftest import SEED_2020, SEED_2024

PDFS = Path(__file__).resolve().parent / "fixtures" / "layouts" / "pdf"
SEEDS_2024 = jixiao.read(SEED_2024)
SEEDS_2020 = jixiao.read(SEED_2020)
#: The seed declarations in the samples of ../make_layouts.py (SAMPLE_2024, SAMPLE_2020).
PICK_2024 = [SEEDS_2024[i] for i in (0, 4, 8)]
PICK_2020 = [SEEDS_2020[i] for i in (0, 1, 2)]


def read(name: str, data: bytes | None = None) -> list[Declaration | ReadError]:
    if data is None:
        data = (PDFS / name).read_bytes()
    return list(iter_pdf_forms(io.BytesIO(data), name))


def declarations(name: str) -> list[Declaration]:
    found = read(name)
    errors = [item for item in found if isinstance(item, ReadError)]
    assert not errors, errors[0].message
    return [item for item in found if isinstance(item, Declaration)]


def grids(name: str) -> list[Grid]:
    with read_pdf((PDFS / name).read_bytes(), name) as content:
        return list(content.grids())


def pages(name: str) -> list[Grid]:
    """The grids of each page (a table each, a run of lines each) as one grid a page."""
    out: list[Grid] = []
    for grid in grids(name):
        if not out or out[-1].name != grid.name:
            out.append(Grid(grid.name, [], [], lines=[], follows=True))
        page = out[-1]
        offset = len(page.rows)
        page.rows += grid.rows
        page.merges += [(t + offset, left, b + offset, r) for t, left, b, r in grid.merges]
        page.lines = [*page.lines, *grid.lines]
    return out


def assert_same(got: list[Declaration], want: list[Declaration]) -> None:
    """Field for field: the JSON of each declaration, every indicator and ``target_raw`` included."""
    assert [d.name for d in got] == [d.name for d in want]
    for g, w in zip(got, want, strict=True):
        assert declaration_json(g) == declaration_json(w), w.name


def spans(grid: Grid) -> dict[str, tuple[int, int]]:
    """The text of each merged range's first cell: (rows, columns) it spans."""
    return {grid.rows[top][left]: (bottom - top + 1, right - left + 1)
            for top, left, bottom, right in grid.merges if grid.rows[top][left]}


# -- (1) each sample reads back as the seed ------------------------------------------------------------

@pytest.mark.parametrize(("name", "want"), [
    ("weasyprint-2024.pdf", PICK_2024),  # ruled tables, WeasyPrint, three forms flowing over 3 pages
    ("libreoffice-2024.pdf", PICK_2024),  # a DOCX through LibreOffice: rows broken by the pages
    ("libreoffice-2020.pdf", PICK_2020),  # the 2020 form as one table per form, over 7 pages
    ("text-2024.pdf", PICK_2024[:1]),  # no rules: columns of text, read as the 2024 text
    ("text-2020.pdf", PICK_2020[:1]),  # the 2020 form printed as lines of text
])
def test_each_sample_reads_back_as_the_seed_field_for_field(name, want):
    got = declarations(name)
    assert_same(got, want)
    assert not [w for d in got for w in d.warnings]



def test_jixiaos_own_pdf_reads_back_as_the_declarations_printed():
    assert_same(declarations("exporter-2024.pdf"), [SEEDS_2024[0], SEEDS_2024[13]])


#: What the exporter prints of a 2020 form: not 项目概况 … 项目实施计划 nor 是否含有政府购买服务, and its
#: amounts with two decimals (440,382.00 for 440382).
PRINTED_2020 = ("name", "unit", "category", "performance_type", "start", "end", "goal", "indicators")


def test_jixiaos_own_pdf_of_a_2020_form_reads_back_what_it_prints():
    [got] = declarations("exporter-2020.pdf")
    want = SEEDS_2020[0]
    assert {k: v for k, v in declaration_json(got).items() if k in PRINTED_2020} == {
        k: v for k, v in declaration_json(want).items() if k in PRINTED_2020}
    assert (got.funds.total, got.funds.current_year) == (want.funds.total, want.funds.current_year)


def test_a_file_with_rules_is_read_as_tables_one_without_as_text():
    def ruled(name: str) -> bool:
        with read_pdf((PDFS / name).read_bytes(), name) as content:
            return content.ruled

    assert ruled("weasyprint-2024.pdf") and ruled("libreoffice-2020.pdf") and ruled("exporter-2024.pdf")
    assert not ruled("text-2024.pdf") and not ruled("text-2020.pdf")


# -- (2) cells and their spans --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["weasyprint-2024.pdf", "libreoffice-2024.pdf"])
def test_row_and_column_spans_are_merged_ranges(name):
    first = pages(name)[0]
    assert first.name == "第 1 页"
    found = spans(first)
    d = PICK_2024[0]
    assert found["项目资金（元）"] == (4, 1)
    assert found["项目绩效目标"] == (2, 1)
    assert found["年度总体目标"] == (1, 3)
    assert found[d.unit] == (1, 3)  # 实施单位's value across three columns
    assert found["年度(/项目)指标值"] == (1, 2)
    # the level cells of the first form: 产出指标 over its rows on the page, 数量指标 over four
    assert found["产出指标"][0] >= 4 and found["数量指标"] == (4, 1)
    # text outside the tables is rows of their own, in reading order; page numbers are left out
    texts = [" ".join(c for c in row if c) for row in first.rows]
    assert texts[:3] == ["上海市红十字会2024年度项目绩效目标汇总表", "财政项目支出绩效目标申报表",
                         "（2024年度）"]
    assert not any(re.search(r"第\s*\d+\s*页", t) for t in texts)


def test_a_level_cell_spans_the_rows_of_its_group():
    found = spans(pages("weasyprint-2024.pdf")[0])
    assert found["产出指标"] == (7, 1) and found["质量指标"] == (2, 1)
    assert found["效益指标"] == (2, 1) and found["社会效益指标"] == (2, 1)
    assert found["绩效指标"] == (11, 1)  # the table's title cell over its header and ten rows


def test_a_page_is_a_grid_for_each_table_and_each_run_of_text_rows_numbered_on():
    found = grids("weasyprint-2024.pdf")
    assert [(g.name, g.outside_tables) for g in found[:3]] == [
        ("第 1 页", True), ("第 1 页", False), ("第 1 页", True)]  # title, form, next form's title
    assert [g.rows[0][0] for g in found[:3]] == [
        "上海市红十字会2024年度项目绩效目标汇总表", "项目名称", "财政项目支出绩效目标申报表"]
    assert [g.name for g in pages("weasyprint-2024.pdf")] == ["第 1 页", "第 2 页", "第 3 页"]
    assert all(g.follows for g in found)
    lines = [line for g in found for line in g.lines]
    assert lines == list(range(1, len(lines) + 1))


def test_a_table_going_on_over_a_page_keeps_its_columns_and_a_row_broken_by_the_page_is_one_row():
    """LibreOffice lets a row break over pages (Word's default): 制作器官捐 | 献宣传资料."""
    first, second = pages("libreoffice-2024.pdf")[:2]
    assert first.rows[-1][3:5] == ["制作器官捐献宣传资料", "=40000.00(份)"]
    # the page goes on with the next indicator, in the same columns, its level cells taking their level
    assert second.rows[0][1:5] == ["产出指标", "质量指标", "遗体捐献日常工作有效运行", "正常运行"]
    assert len(second.rows[0]) == len(first.rows[-1])


def test_a_table_whose_next_page_shows_more_column_edges_is_put_on_all_of_them():
    """The 2020 form's table shows on its first page only the edges of its label rows; on the next, those
    of the indicator table too: the first page's part is laid again on all the columns."""
    first, second = pages("libreoffice-2020.pdf")[:2]
    assert len(first.rows[-1]) == len(second.rows[0])
    header = next(row for row in second.rows if "一级目标" in row)
    assert [c for c in header if c] == ["一级目标", "二级目标", "三级目标", "指标目标值"]


def test_a_level_cell_whose_text_the_page_pushed_below_the_table_gets_it_back():
    """WeasyPrint centres the text of a row-spanning cell in its whole span: broken by the page, the text
    is drawn below the table. It goes back to the top of the empty cells of its column, merged."""
    second = pages("exporter-2024.pdf")[1]
    row = next(r for r in second.rows if r[:1] == ["1"])
    assert row[1:3] == ["产出指标", "数量指标"]
    assert spans(second)["产出指标"] == (10, 1)
    assert "产出指标数量指标" not in ["".join(r) for r in second.rows]


def test_the_header_printed_again_on_the_next_page_is_not_an_indicator():
    third = pages("exporter-2024.pdf")[2]
    assert third.rows[0] == ["#", "一级指标", "二级指标", "三级指标", "指标值"]


# -- (3) pages whose text cannot be extracted ------------------------------------------------------------

def test_a_scanned_page_is_reported_by_its_number_and_the_other_pages_are_read():
    first, error, third = read("scanned-page-2.pdf")
    assert isinstance(error, ReadError)
    assert error.message == ("scanned-page-2.pdf: expected text that can be extracted, found an image with "
                             "no text layer (a scanned page?) (第 2 页)")
    # the form broken by the scanned page says so, where it stops
    assert isinstance(first, Declaration) and first.name == PICK_2024[0].name
    assert [w.message for w in first.warnings] == [
        "page 2 could not be read (an image with no text layer (a scanned page?)): this form may be missing "
        "what it held (第 2 页)"]
    assert isinstance(third, Declaration)
    assert_same([third], [PICK_2024[1]])


def test_a_file_of_scans_is_one_error_naming_the_pages():
    with pytest.raises(ReadError) as caught:
        read("scanned.pdf")
    assert caught.value.message == ("scanned.pdf: expected a PDF with text that can be extracted, found "
                                    "page 1: an image with no text layer (a scanned page?)")


@pytest.mark.parametrize(("name", "pages"), [
    ("broken-tounicode.pdf", "page 1"),  # a ToUnicode map into the private use area: ruled, pdfplumber
    ("no-tounicode.pdf", "pages 1–3"),  # no ToUnicode map on an Identity CID font: text, pdfium
])
def test_text_with_no_unicode_meaning_is_reported_never_guessed(name, pages):
    with pytest.raises(ReadError) as caught:
        read(name)
    assert caught.value.message == (
        f"{name}: expected a PDF with text that can be extracted, found {pages}: text with no Unicode "
        "meaning (a font with a missing or broken ToUnicode map)")


def test_a_few_meaningless_characters_are_left_out_with_a_warning(monkeypatch):
    """A check box from a symbol font (private use) on a readable page: left out, said where."""
    chars_of = pdfform._pdfium_chars

    def with_symbols(doc, index, unmapped=frozenset()):
        chars, extent = chars_of(doc, index, unmapped)
        if index == 0:
            x0, top = chars[0][1], chars[0][3]
            boxes = [("\uf0fe", x0 - 30 - 12 * i, x0 - 20 - 12 * i, top, top + 10) for i in range(3)]
            chars = [*chars, *boxes]
        return chars, extent

    monkeypatch.setattr(pdfform, "_pdfium_chars", with_symbols)
    [got] = declarations("text-2020.pdf")
    assert_same([got], PICK_2020[:1])
    assert [(w.line, w.message) for w in got.warnings] == [
        (1, "3 characters with no Unicode meaning left out (a symbol font?) (第 1 页)")]


# -- (4) bad files ------------------------------------------------------------------------------------------

def _minimal_pdf(trailer: str = "", objects: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF with nothing on it, written by hand (correct offsets): extra objects and trailer
    entries for the cases below."""
    bodies = ["<< /Type /Catalog /Pages 2 0 R >>",
              "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>", *objects]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _encrypted() -> bytes:
    """A PDF locked with a user password (RC4, revision 2): the keys do not open it with none."""
    o_key = "<" + "7a" * 32 + ">"
    u_key = "<" + "3c" * 32 + ">"
    return _minimal_pdf("/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> "
                        "<0123456789abcdef0123456789abcdef>] ",
                        (f"<< /Filter /Standard /V 1 /R 2 /O {o_key} /U {u_key} /P -4 >>",))


SAMPLE = (PDFS / "weasyprint-2024.pdf").read_bytes()
NOT_PDF = "expected a PDF file (one starting %PDF-)"


@pytest.mark.parametrize(("data", "found"), [
    (b"", "expected a PDF file, found an empty file"),
    ("项目名称\t红十字培训\n".encode(), f"{NOT_PDF}, found text"),
    (b"PK\x03\x04" + bytes(60), f"{NOT_PDF}, found a zip package (a Word or Excel file?)"),
    ("<html><body>项目名称</body></html>".encode(), f"{NOT_PDF}, found HTML or XML"),
    (bytes(range(256)) * 4, f"{NOT_PDF}, found binary data that is no PDF"),
    (SAMPLE[: len(SAMPLE) // 2],
     "expected a complete PDF file, found a file cut short (no %%EOF at its end)"),
    (_encrypted(),
     "expected a PDF that opens without a password, found an encrypted PDF (password-protected)"),
    (b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
     "expected a PDF that can be opened, found a damaged PDF (its structure cannot be read)"),
    (_minimal_pdf(), "expected a performance-target form, found no text on its 1 page (blank)"),
])
def test_a_file_that_cannot_be_read_is_one_error_naming_it(data, found):
    with pytest.raises(ReadError) as caught:
        read("申报表.pdf", data)
    assert caught.value.message == f"申报表.pdf: {found}"


def test_limits_on_size_pages_and_drawing_objects(monkeypatch):
    monkeypatch.setattr(pdfform, "MAX_FILE", 1000)
    with pytest.raises(ReadError, match=r"申报表.pdf: expected a PDF of at most 0 MiB, found a larger file"):
        read("申报表.pdf", SAMPLE)
    monkeypatch.setattr(pdfform, "MAX_FILE", 64 << 20)
    monkeypatch.setattr(pdfform, "MAX_PAGES", 2)
    with pytest.raises(ReadError, match=r"expected a PDF of at most 2 pages, found 3 pages"):
        read("申报表.pdf", SAMPLE)
    monkeypatch.setattr(pdfform, "MAX_PAGES", 2000)
    monkeypatch.setattr(pdfform, "MAX_OBJECTS", 50)
    with pytest.raises(ReadError) as caught:
        read("申报表.pdf", SAMPLE)
    assert caught.value.message == ("申报表.pdf: expected a PDF with text that can be extracted, found "
                                    "pages 1–3: a page of more than 50 drawing objects")


def test_a_page_pdfminer_cannot_parse_is_an_error_naming_it_and_the_others_are_read(monkeypatch):
    table = pdfform._table
    calls = []

    def fails_on_page_2(found):
        if found.page.page_number == 2:
            calls.append(2)
            raise ValueError("bad operator")
        return table(found)

    monkeypatch.setattr(pdfform, "_table", fails_on_page_2)
    found = read("weasyprint-2024.pdf")
    errors = [item.message for item in found if isinstance(item, ReadError)]
    assert calls
    assert ("weasyprint-2024.pdf: expected text that can be extracted, found a page that cannot be parsed "
            "(ValueError: bad operator) (第 2 页)") in errors
    assert_same([found[0]], PICK_2024[:1])  # page 1
    # the next form starts at the foot of page 1 and its 项目名称 was on page 2: it cannot be read
    assert errors[0] == ("weasyprint-2024.pdf:24: expected a 项目名称 (project name) label, found a form "
                         "without one (第 1 页)")


# -- (5) text, cell by cell ------------------------------------------------------------------------------

def _chars(text: str, x: float = 0.0, size: float = 10.0, gap: float = 0.0) -> list[pdfform._Char]:
    out = []
    for ch in text:
        width = size if pdfform._is_wide(ch) else size / 2
        out.append((ch, x, x + width, 0.0, size))
        x += width + gap
    return out


def test_spaces_between_latin_words_but_not_next_to_chinese_unless_written():
    # written spaces are spaces; LibreOffice's gap between 2017 and 年 (no space written) is none
    assert pdfform._segments(_chars("遗体 and 人体")) == [(0.0, 65.0, "遗体 and 人体")]
    assert pdfform._segments(_chars("2017年", gap=2.0))[0][2] == "2017年"
    assert pdfform._segments(_chars("ab", gap=3.0))[0][2] == "a b"  # Latin placed apart, no space written
    assert pdfform._segments(_chars("项目名称", gap=6.0))[0][2] == "项目名称"  # justified


def test_a_wide_gap_separates_cells_and_characters_drawn_twice_are_read_once():
    line = _chars("项目名称") + _chars("红十字", x=80.0)
    assert [t for _, _, t in pdfform._segments(line)] == ["项目名称", "红十字"]
    bold = sorted(_chars("红十字") + _chars("红十字", x=0.4), key=lambda c: c[1])
    assert pdfform._segments(bold)[0][2] == "红十字"


def test_wrapped_lines_of_a_cell_are_joined():
    assert pdfform._join("遗体 and", "人体器官") == "遗体 and人体器官"
    assert pdfform._join("遗体 and", "人体器官", space=True) == "遗体 and 人体器官"
    assert pdfform._join("Red", "Cross") == "Red Cross"
    assert pdfform._join("满意度指", "标") == "满意度指标"


def test_text_without_rules_is_put_on_the_columns_its_runs_start_in():
    lines = [[(10.0, 50.0, "项目名称"), (100.0, 150.0, "红十字"), (200.0, 240.0, "项目类别")],
             [(10.0, 50.0, "项目总目标"), (200.0, 240.0, "年度总体目标")],
             [(200.0, 400.0, "指导各区遗体捐献志愿者")],
             [(150.0, 300.0, "财政项目支出绩效目标申报表")]]
    assert pdfform._columns(lines) == [["项目名称", "红十字", "项目类别"], ["项目总目标", "", "年度总体目标"],
                                       ["", "", "指导各区遗体捐献志愿者"], ["财政项目支出绩效目标申报表"]]


def test_text_that_is_no_form_s_script_is_looked_at_again():
    """pdfium gives a font with no ToUnicode map its character codes as text: Latin Extended, Hangul, Yi …"""
    assert not pdfform._implausible(_chars("项目名称：红十字培训 (2024年度) ≥80.00(%)“达到”"))
    assert pdfform._implausible(_chars("mǵŊɇæĬőřˁ¢"))
    assert pdfform._implausible(_chars("가나다라마바사ꀀꀁ"))
