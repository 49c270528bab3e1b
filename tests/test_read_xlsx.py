"""Declarations read from Excel workbooks (jixiao.readers.xlsxform): a sheet laid out by a person, the
CLI, bad workbooks, and the round trip through Jixiao's own writer (jixiao.export.xlsx).

A person's sheet is made here with xlsxwriter by :func:`lay_out`, from a declaration read from a seed
text: what is read back from the sheet must be that declaration, field for field (its JSON: the source,
line numbers and the reader's warnings are where it came from, not what it says).
"""

from __future__ import annotations

import importlib.util
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

import jixiao
from jixiao.cli import cli
from jixiao.errors import ReadError
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration
from jixiao.readers import iter_read_bytes, read_bytes
from jixiao.readers.xlsxcells import number_text
from tests.conftest import SEED_2020, SEED_2024, zip_bomb

SEEDS_2024 = jixiao.read(SEED_2024)
SEEDS_2020 = jixiao.read(SEED_2020)
SEEDS = SEEDS_2024 + SEEDS_2020

# -- a declaration laid out as a person lays it out in Excel ------------------------------------------

#: The fields of each layout, label (column A) → field (value merged across B:D), in the form's order.
FIELDS = {
    "shanghai-2024": [("项目名称", "name"), ("项目性质", "nature"), ("项目类别", "category"),
                      ("主管部门", "department"), ("实施单位", "unit"), ("计划开始日期", "start"),
                      ("计划完成日期", "end"), ("年度资金申请总额", "funds.total"),
                      ("其中：财政资金", "funds.fiscal"), ("其中：当年财政拨款", "funds.current_year"),
                      ("上年结转资金", "funds.carryover"), ("其他资金", "funds.other"),
                      ("项目总目标", "texts.total_goal"), ("年度总体目标", "goal")],
    "shanghai-2020": [("申报单位名称", "unit"), ("项目名称", "name"), ("项目类别", "category"),
                      ("计划开始日期", "start"), ("计划完成日期", "end"),
                      ("是否含有政府购买服务", "government_purchase"), ("绩效类型", "performance_type"),
                      ("项目概况", "texts.overview"), ("立项依据", "texts.basis"),
                      ("项目设立的必要性", "texts.necessity"),
                      ("保证项目实施的制度、措施", "texts.safeguards"),
                      ("项目实施计划", "texts.plan"), ("总目标及阶段性目标", "goal"),
                      ("项目总预算（元）", "funds.total"), ("项目当年预算（元）", "funds.current_year"),
                      ("同名项目上年预算额（元）", "funds.previous_year_budget"),
                      ("同名项目上年预算执行数（元）", "funds.previous_year_spent")],
}
TITLES = {"shanghai-2024": "财政项目支出绩效目标申报表", "shanghai-2020": "财政项目支出绩效目标表"}
HEADERS = {"shanghai-2024": ("一级指标", "二级指标", "三级指标", "年度(/项目)指标值"),
           "shanghai-2020": ("一级目标", "二级目标", "三级目标", "指标目标值")}


def _get(declaration: Declaration, path: str) -> Any:
    value: Any = declaration
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _as_typed(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


class Person:
    """Lays declarations out on sheets of one workbook as a person fills the form in Excel: the title and
    the year merged across the table, labels in column A and values merged across B:D, money as numbers
    shown with the decimals they were written with, dates as dates, and the indicator table with its
    level cells merged over their groups."""

    def __init__(self, *, booleans: bool = False, index_column: bool = False, labelled: bool = False):
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        self.booleans = booleans  # 是否含有政府购买服务 as a TRUE/FALSE cell, not 是/否
        self.index_column = index_column  # a 序号 column before the indicator table's own
        self.labelled = labelled  # each field as one cell 标签：值 in column A (the 2020 text pasted)
        self._formats: dict[str, Format] = {}

    def format(self, number: str) -> Format:
        if number not in self._formats:
            self._formats[number] = self.book.add_format({"num_format": number, "text_wrap": True})
        return self._formats[number]

    def sheet(self, name: str) -> Worksheet:
        return self.book.add_worksheet(name)

    def write(self, sheet: Worksheet, row: int, col: int, value: Any, last: int | None = None) -> None:
        fmt = self.format("@")
        if isinstance(value, Decimal):
            places = max(0, -int(value.as_tuple().exponent))
            fmt = self.format("#,##0" + ("." + "0" * places if places else ""))
            value = float(value)
        elif isinstance(value, date):
            fmt = self.format("yyyy-mm-dd")
        elif isinstance(value, bool) and not self.booleans:
            value = "是" if value else "否"
        if last is not None and last > col:
            sheet.merge_range(row, col, row, last, None, fmt)
        if value is None:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            sheet.write_string(row, col, value, fmt)
        else:
            sheet.write(row, col, value, fmt)

    def lay_out(self, sheet: Worksheet, d: Declaration, row: int = 0, *, table: bool = True) -> int:
        """``d`` on ``sheet`` from ``row`` (without its indicator table unless ``table``); the first row
        after it."""
        first = 1 if self.index_column else 0
        last = first + 3
        self.write(sheet, row, 0, TITLES[d.layout], last)
        if d.year is not None:
            row += 1
            self.write(sheet, row, 0, f"（{d.year}年度）", last)
        for label, path in FIELDS[d.layout]:
            row += 1
            value = _get(d, path)
            if self.labelled:
                self.write(sheet, row, 0, f"{label}：{_as_typed(value)}")
                continue
            self.write(sheet, row, 0, label)
            self.write(sheet, row, 1, value, last)
        row += 1
        if not table:
            return row
        header = ("序号", *HEADERS[d.layout]) if self.index_column else HEADERS[d.layout]
        for col, text in enumerate(header):
            self.write(sheet, row, col, text)
        row += 1
        for number, ind in enumerate(d.indicators, 1):
            if self.index_column:
                sheet.write_number(row + number - 1, 0, number)
            self.write(sheet, row + number - 1, first + 2, ind.name)
            self.write(sheet, row + number - 1, first + 3, ind.target_raw)
        self._levels(sheet, row, first, [(i.level1, i.level2) for i in d.indicators])
        return row + len(d.indicators)

    def _levels(self, sheet: Worksheet, top: int, first: int,
                levels: list[tuple[str | None, str | None]]) -> None:
        """Each run of equal level 1s merged into one cell, each run of equal level 2s within it too."""
        for col, key in ((first, lambda lv: lv[0]), (first + 1, lambda lv: lv)):
            start = 0
            for end in range(1, len(levels) + 1):
                if end < len(levels) and key(levels[end]) == key(levels[start]):
                    continue
                value = levels[start][col - first]
                if end - 1 > start:
                    sheet.merge_range(top + start, col, top + end - 1, col, value or "", self.format("@"))
                elif value:
                    sheet.write_string(top + start, col, value, self.format("@"))
                start = end

    def bytes(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def person_workbook(declarations: list[Declaration], *, one_sheet: bool = False, **options: Any) -> bytes:
    """The declarations, each on its own sheet (or all on one, one form under the other)."""
    person = Person(**options)
    if one_sheet:
        sheet, row = person.sheet("申报表"), 0
        for d in declarations:
            row = person.lay_out(sheet, d, row) + 2
    else:
        for number, d in enumerate(declarations, 1):
            person.lay_out(person.sheet(f"项目{number}"), d)
    return person.bytes()


def read_xlsx(data: bytes, name: str = "申报表.xlsx") -> list[Declaration]:
    return read_bytes(name, data)


def assert_same(got: list[Declaration], want: list[Declaration]) -> None:
    """Field for field: the JSON of each declaration, every indicator and ``target_raw`` included."""
    assert [d.name for d in got] == [d.name for d in want]
    for g, w in zip(got, want, strict=True):
        assert declaration_json(g) == declaration_json(w), w.name


# -- (1) a person's workbook --------------------------------------------------------------------------

def test_a_persons_2024_forms_one_a_sheet_read_back_as_the_seed_text():
    got = read_xlsx(person_workbook(SEEDS_2024))
    assert_same(got, SEEDS_2024)
    assert {d.layout for d in got} == {"shanghai-2024"}
    assert got[0].funds.total == Decimal("522400.00") and str(got[0].funds.total) == "522400.00"
    assert got[0].start == date(2024, 1, 1)


def test_a_persons_2020_forms_on_one_sheet_read_back_as_the_seed_text():
    got = read_xlsx(person_workbook(SEEDS_2020, one_sheet=True, booleans=True))
    assert_same(got, SEEDS_2020)
    assert [str(d.funds.total) for d in got] == ["440382", "297455", "636080"]
    assert got[0].government_purchase is False
    assert [d.line for d in got] == [1, 42, 82]  # the row of each form's title


def test_the_rows_a_merged_level_cell_spans_are_filed_under_it():
    school = next(d for d in SEEDS_2024 if d.name == "学校红十字组织建设工作专项经费")
    [got] = read_xlsx(person_workbook([school]))
    assert [(i.level1, i.level2) for i in got.indicators] == [(i.level1, i.level2) for i in school.indicators]
    # the seed text prints four rows above their merged label; the sheet has it in the first row
    assert len(school.warnings) == 4 and got.warnings == []


def test_a_merged_level_1_holds_for_a_level_2_inside_it_that_would_fit_elsewhere():
    """A level 2 of another level 1 (成本指标 under 效益指标) inside the merged cell of 效益指标 is read as
    written, under 效益指标, not moved to a level 1 of its own."""
    base = SEEDS_2024[0]
    rows = [("效益指标", "社会效益指标", "宣传", "达到"), ("效益指标", "成本指标", "人均成本", "≤100元"),
            ("效益指标", "成本指标", "总成本", "≤1万元")]
    odd = base.model_copy(update={"indicators": [
        jixiao.Indicator(level1=a, level2=b, name=c, target_raw=v, target=jixiao.parse_target(v))
        for a, b, c, v in rows]})
    [got] = read_xlsx(person_workbook([odd]))
    assert [(i.level1, i.level2, i.name) for i in got.indicators] == [r[:3] for r in rows]


def test_a_column_the_table_does_not_have_is_left_out_with_a_warning():
    [got] = read_xlsx(person_workbook(SEEDS_2024[:1], index_column=True))
    assert_same([got], SEEDS_2024[:1])
    [warning] = got.warnings
    assert warning.message == "column「序号」of the indicator table is not read (sheet「项目1」)"
    assert warning.line == 17


def test_the_2020_form_pasted_as_lines_into_column_a_reads_as_its_text():
    """Each field one cell ``标签：值`` (项目名称：红十字培训项目管理), split as a 2020 text line is."""
    assert_same(read_xlsx(person_workbook(SEEDS_2020, labelled=True)), SEEDS_2020)


def row_of(label: str, layout: str = "shanghai-2024") -> int:
    """The row (from 0) of a field's label in a form :class:`Person` laid out from row 0 (with a year)."""
    return 2 + [lb for lb, _path in FIELDS[layout]].index(label)


def test_cells_are_read_as_the_person_sees_them():
    person = Person()
    sheet = person.sheet("表")
    end = person.lay_out(sheet, SEEDS_2024[0])
    sheet.write_number(end - 1, 3, 0.8, person.format("0%"))  # the last target: 80% in a percent cell
    sheet.write_string(row_of("项目名称"), 1, "遗体 and 人体器官\n捐献工作专项经费")  # a line break typed
    sheet.write_formula(row_of("年度资金申请总额"), 1, "=522400", person.format("#,##0.00"), 522400)
    [got] = read_xlsx(person.bytes())
    assert got.name == SEEDS_2024[0].name
    assert got.funds.total == Decimal("522400.00")
    assert got.indicators[-1].target_raw == "80%"


@pytest.mark.parametrize(("value", "code", "shown"), [
    (1400400.0, "#,##0.00", "1400400.00"), (440382.0, "#,##0", "440382"), (440382.0, None, "440382"),
    (0.30000000000000004, "0.00", "0.30"), (123.456, "0.00", "123.456"), (0.965, "0.0%", "96.5%"),
    (0.8, "0%", "80%"), (1.5, "0.0#", "1.5"), (1.25, '"¥"#,##0.00_);[Red]("¥"#,##0.00)', "1.25"),
    (5.0, "0.00E+00", "5"), (2.0, "@", "2"), (7, None, "7"),
    (1e30, "0.00", "1" + "0" * 30),
])
def test_a_number_is_written_with_the_decimals_its_format_shows(value, code, shown):
    assert number_text(value, code) == shown


def _declarations(draw: Callable[..., Any]) -> Declaration:
    """A declaration made of real parts of the seeds: a seed's fields, another name, amounts written with
    0 or 2 decimals, indicators drawn from all seeds in any order."""
    base = draw(st.sampled_from(SEEDS))
    pool = [ind for d in SEEDS for ind in d.indicators]
    indicators = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=12))
    places = draw(st.sampled_from([0, 2]))
    total = Decimal(draw(st.integers(0, 10**12))).scaleb(-places)
    name = base.name + draw(st.text(st.sampled_from("第批项目（）()-0123456789abc"), max_size=8))
    return base.model_copy(update={
        "name": name, "indicators": [i.model_copy() for i in indicators],
        "funds": base.funds.model_copy(update={"total": total, "current_year": total})})


generated = st.composite(_declarations)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(generated(), min_size=1, max_size=4), st.booleans())
def test_generated_declarations_read_back_from_a_persons_workbook(declarations, one_sheet):
    assert_same(read_xlsx(person_workbook(declarations, one_sheet=one_sheet)), declarations)


# -- (2) jixiao parse FILE.xlsx --json ----------------------------------------------------------------

def parse(*args: str):
    return CliRunner().invoke(cli, ["parse", *args])


@pytest.mark.parametrize(("seed", "declarations"), [(SEED_2024, SEEDS_2024), (SEED_2020, SEEDS_2020)])
def test_parse_json_of_a_workbook_is_the_parse_json_of_the_seed_text(tmp_path, seed, declarations):
    path = tmp_path / "申报表.xlsx"
    path.write_bytes(person_workbook(declarations))
    from_xlsx, from_text = parse(str(path), "--json"), parse(str(seed), "--json")
    assert from_xlsx.exit_code == 0, from_xlsx.output
    [xlsx_doc] = json.loads(from_xlsx.stdout)["documents"]
    [text_doc] = json.loads(from_text.stdout)["documents"]
    assert xlsx_doc["file"] == str(path) and xlsx_doc["errors"] == []
    assert xlsx_doc["projects"] == text_doc["projects"]


# -- (3) bad workbooks --------------------------------------------------------------------------------

def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _notes_only() -> bytes:
    person = Person()
    sheet = person.sheet("说明")
    sheet.write_string(0, 0, "填表说明")
    sheet.write_string(1, 0, "请按申报表填写，金额单位：元。")
    person.sheet("空白")
    return person.bytes()


def _cut_before_the_table() -> bytes:
    person = Person()
    person.lay_out(person.sheet("项目1"), SEEDS_2024[0])
    person.lay_out(person.sheet("项目2"), SEEDS_2024[1], table=False)
    return person.bytes()


BAD = {
    "empty": (b"", "expected an Excel workbook, found an empty file"),
    "not a zip": ("项目名称\t红十字培训\n".encode(), "expected an Excel workbook (a zip package such as "
                  ".xlsx, or an .xls file), found a file that is neither"),
    "a zip, not a workbook": (_zip({"readme.txt": b"hello"}), "expected an Excel workbook (a package with "
                              "xl/workbook.xml), found a zip package without one"),
    "a damaged workbook": (person_workbook(SEEDS_2024[:1])[:3000], "expected an Excel workbook, found a "
                           "damaged zip package"),
    "an OLE2 file that is not a workbook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "expected an "
                                            "Excel workbook, found one that cannot be read"),
    "no form on any sheet": (_notes_only(), "expected a performance-target form: a row with the label "
                             "项目名称, found no such label on sheets「说明」 (2 rows), 「空白」 (empty)"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_workbook_that_cannot_be_read_is_one_clear_error_and_exit_status_2(tmp_path, case):
    data, message = BAD[case]
    path = tmp_path / ("坏.xls" if data.startswith(b"\xd0\xcf") else "坏.xlsx")
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        jixiao.read(path)
    assert err.value.file == str(path)
    assert str(err.value).startswith(f"{path}: {message}")
    result = parse(str(path))
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"jixiao: error: {path}: {message}")
    assert "Traceback" not in result.output


def test_a_sheet_cut_before_its_table_is_an_error_naming_file_row_and_sheet_and_the_rest_is_read(tmp_path):
    path = tmp_path / "两张.xlsx"
    path.write_bytes(_cut_before_the_table())
    doc = jixiao.read_document(path)
    assert [d.name for d in doc.declarations] == [SEEDS_2024[0].name]
    [error] = doc.errors
    assert (error.file, error.line) == (str(path), 16)
    assert error.message == (f"{path}:16: expected the indicator table header (一级指标 二级指标 三级指标 "
                             "指标值), found the end of the form (sheet「项目2」)")
    result = parse(str(path), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["documents"][0]["errors"] == [
        {"file": str(path), "line": 16, "message": error.message}]


def test_a_bad_amount_names_its_row_and_sheet():
    person = Person()
    sheet = person.sheet("项目1")
    person.lay_out(sheet, SEEDS_2024[0])
    sheet.write_string(row_of("年度资金申请总额"), 1, "五十二万")
    with pytest.raises(ReadError) as err:
        read_xlsx(person.bytes(), "x.xlsx")
    assert str(err.value) == ("x.xlsx:10: expected an amount in yuan such as 1,400,400.00 for funds.total, "
                              "found 「五十二万」 (sheet「项目1」)")


def test_a_sheet_reaching_the_last_cell_of_excel_is_refused_before_it_is_built():
    """calamine would allocate the whole A1:XFD1048576 block (and abort the process): refused by name."""
    person = Person()
    person.lay_out(person.sheet("项目1"), SEEDS_2024[0])
    far = person.sheet("远")
    far.write_string(0, 0, "x")
    far.write_string(1048575, 16383, "y")
    items = list(iter_read_bytes("远.xlsx", person.bytes()))
    assert isinstance(items[0], Declaration)
    assert str(items[1]) == ("远.xlsx: expected a sheet of at most 1,000,000 cells (from A1 to its last "
                             "value), found 1,048,576 rows × 16,384 columns (sheet「远」)")


def test_a_zip_that_unpacks_too_far_is_refused_unpacked():
    bomb = zip_bomb({"xl/workbook.xml": "<workbook/>"}, "xl/worksheets/sheet1.xml", 65)
    with pytest.raises(ReadError, match=r"parts unpack to at most 64 MiB, found xl/worksheets/sheet1.xml"):
        read_xlsx(bomb, "bomb.xlsx")


def test_hidden_sheets_and_error_values():
    person = Person()
    person.lay_out(person.sheet("项目1"), SEEDS_2024[0])
    hidden = person.sheet("旧")
    person.lay_out(hidden, SEEDS_2024[1])
    hidden.hide()
    data = person.bytes()
    assert [d.name for d in read_xlsx(data)] == [SEEDS_2024[0].name]
    # an error value (#N/A) in the 年度资金申请总额 cell is what the person sees, and not an amount
    source = zipfile.ZipFile(io.BytesIO(data))
    files = {i.filename: source.read(i.filename) for i in source.infolist()}
    sheet = files["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<c r="B10"([^>]*)><v>[^<]*</v></c>', r'<c r="B10"\1 t="e"><v>#N/A</v></c>', sheet)
    files["xl/worksheets/sheet1.xml"] = sheet.encode()
    with pytest.raises(ReadError, match="found 「#N/A」"):
        read_xlsx(_zip(files))


# -- (4) the round trip through Jixiao's writer -------------------------------------------------------

def _writer() -> Any:
    try:
        found = importlib.util.find_spec("jixiao.export.xlsx")
    except ModuleNotFoundError:
        found = None
    if found is None:
        pytest.skip("jixiao.export.xlsx (declaration_xlsx, declarations_xlsx) does not exist yet")
    return importlib.import_module("jixiao.export.xlsx")


@pytest.mark.parametrize("index", range(len(SEEDS)), ids=[d.name for d in SEEDS])
def test_each_seed_declaration_exported_and_read_back_is_the_same(index):
    d = SEEDS[index]
    assert_same(read_xlsx(_writer().declaration_xlsx(d)), [d])


def test_all_seeds_in_one_workbook_read_back_in_order():
    assert_same(read_xlsx(_writer().declarations_xlsx(SEEDS)), SEEDS)


def test_the_benchmark_corpus_exported_and_read_back_is_the_same():
    """bench/corpus.py's generated declarations: 15 indicators drawn from all seeds, random funds."""
    from bench.corpus import declaration_batches

    def pool(seeds: list[Declaration], _rng: random.Random) -> list[Any]:
        return [ind for d in seeds for ind in d.indicators]

    [batch] = declaration_batches(40, seed=7, pool=pool, batch=40)
    assert_same(read_xlsx(_writer().declarations_xlsx(batch)), batch)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated())
def test_generated_declarations_exported_and_read_back_are_the_same(declaration):
    assert_same(read_xlsx(_writer().declaration_xlsx(declaration)), [declaration])
