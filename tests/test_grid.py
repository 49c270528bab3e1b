"""The cell grid every format turns into (jixiao.readers.grid): forms read from grids made by hand.

A grid is rows of cell texts with merged ranges; the forms of a sequence of grids are read by one
function, whatever file the grids came from. Here the official forms of the seeds are laid out as grids
(tests/fixtures/layouts/make_layouts.py's layouts) and read back to the seeds' declarations.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jixiao
from jixiao.errors import ReadError
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration
from jixiao.readers import strict
from jixiao.readers.grid import Grid, iter_grid_forms
from tests.conftest import FIXTURES, SEED_2020, SEED_2024
from tests.test_read_xlsx import assert_same

SEEDS_2024 = jixiao.read(SEED_2024)
SEEDS_2020 = jixiao.read(SEED_2020)


def _layouts():
    spec = importlib.util.spec_from_file_location("make_layouts", FIXTURES / "layouts" / "make_layouts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_layouts", module)
    spec.loader.exec_module(module)
    return module


layouts = _layouts()


def form_grids(form, name: str = "表 1", *, repeat: bool = False, first_line: int = 1) -> list[Grid]:
    """A layout as the grids a document gives: its paragraphs, then its table (merged cells' text in their
    first cell; with ``repeat``, in every cell they cover, as python-docx's cell objects give it)."""
    above = Grid.paragraphs(form.above, first_line=first_line)
    rows = [[""] * form.width for _ in form.rows]
    merges = []
    for r, c, span in layouts.place(form):
        for dr in range(span.rows):
            for dc in range(span.cols):
                if (dr, dc) == (0, 0) or repeat:
                    rows[r + dr][c + dc] = span.text
        if span.rows > 1 or span.cols > 1:
            merges.append((r, c, r + span.rows - 1, c + span.cols - 1))
    start = first_line + len(form.above)
    table = Grid(name, rows, merges, lines=range(start, start + len(rows)), follows=True)
    return [above, table]


def read(grids: list[Grid], file: str = "grid") -> list[Declaration]:
    return strict(iter_grid_forms(grids, file))


#: A smallest form: a name, the table's header, one indicator.
MINI = [["项目名称", "甲"], ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "人数", "=1人"]]


# -- the seeds as grids ------------------------------------------------------------------------------

def test_each_2024_seed_laid_out_as_the_word_form_reads_back_as_its_text():
    grids = []
    line = 1
    for d in SEEDS_2024:
        form = layouts.official_2024(d)
        grids += form_grids(form, first_line=line)
        line += len(form.above) + len(form.rows)
    got = read(grids)
    assert_same(got, SEEDS_2024)
    assert all(d.warnings == [] for d in got)


@pytest.mark.parametrize("labelled", [False, True], ids=["table", "paragraphs"])
def test_each_2020_seed_as_a_table_or_as_paragraphs_reads_back_as_its_text(labelled):
    grids = []
    line = 1
    for d in SEEDS_2020:
        form = layouts.official_2020(d, labelled=labelled)
        grids += form_grids(form, first_line=line)
        line += len(form.above) + len(form.rows)
    assert_same(read(grids), SEEDS_2020)


def test_text_hidden_under_a_merge_is_not_read_twice():
    """python-docx repeats a merged cell's text in every cell it covers: the grid reads it once."""
    d = SEEDS_2024[0]
    assert_same(read(form_grids(layouts.official_2024(d), repeat=True)), [d])


def test_rows_a_merged_level_cell_spans_take_its_level():
    school = next(d for d in SEEDS_2024 if d.name == "学校红十字组织建设工作专项经费")
    [got] = read(form_grids(layouts.official_2024(school)))
    assert [(i.level1, i.level2) for i in got.indicators] == [(i.level1, i.level2) for i in school.indicators]
    assert len(school.warnings) == 4 and got.warnings == []


def test_a_merged_level_1_holds_for_a_level_2_that_would_fit_elsewhere():
    rows = [["项目名称", "测试"], ["一级指标", "二级指标", "三级指标", "指标值"],
            ["效益指标", "社会效益指标", "宣传", "达到"], ["", "成本指标", "人均成本", "≤100元"]]
    [got] = read([Grid("表", rows, [(2, 0, 3, 0)])])
    assert [(i.level1, i.level2, i.name) for i in got.indicators] == [
        ("效益指标", "社会效益指标", "宣传"), ("效益指标", "成本指标", "人均成本")]


# -- grids that follow one another ---------------------------------------------------------------------

def test_a_form_runs_from_its_paragraphs_into_its_table_and_over_a_page_break():
    d = SEEDS_2024[1]
    above, table = form_grids(layouts.official_2024(d), name="第 1 页")
    cut = len(table.rows) - 3
    page1 = Grid("第 1 页", table.rows[:cut], [m for m in table.merges if m[0] < cut],
                 lines=list(table.lines)[:cut], follows=True)
    page2 = Grid("第 2 页", table.rows[cut:], [], lines=list(table.lines)[cut:], follows=True)
    [got] = read([above, page1, page2])
    assert declaration_json(got) == declaration_json(d)


def test_grids_that_do_not_follow_cut_the_form_and_messages_name_their_grid():
    one = MINI
    two = [["项目名称", "乙"], ["主管部门", "某部门"]]
    items = list(iter_grid_forms([Grid("sheet「一」", one), Grid("sheet「二」", two)], "x.xlsx"))
    assert isinstance(items[0], Declaration) and items[0].name == "甲"
    assert str(items[1]) == ("x.xlsx:2: expected the indicator table header (一级指标 二级指标 三级指标 "
                             "指标值), found the end of the form (sheet「二」)")


def test_a_warning_names_the_grid_of_its_line():
    rows = [["项目名称", "甲"], ["一级指标", "二级指标", "三级指标", "指标值"]]
    rest = [["产出指标", "数量指标", "人数", ""]]
    [got] = read([Grid("第 1 页", rows, follows=True), Grid("第 2 页", rest, lines=[3], follows=True)])
    [warning] = got.warnings
    assert (warning.line, warning.message) == (3, "row「人数」has a name but no target value (第 2 页)")


def test_text_below_the_indicator_table_is_not_an_indicator():
    rows = MINI
    below = Grid.paragraphs(["填表人：张三　联系电话：12345678"], first_line=4)
    nxt = Grid.paragraphs(["项目名称：乙"], first_line=5)
    items = list(iter_grid_forms([Grid("表 1", rows, follows=True), below, nxt], "x.docx"))
    first = items[0]
    assert isinstance(first, Declaration)
    assert [i.name for i in first.indicators] == ["人数"]
    assert [(w.line, w.message) for w in first.warnings] == [
        (4, "text「填表人：张三　联系电话：12345678」below the indicator table is not read")]
    assert isinstance(items[1], ReadError) and items[1].line == 5  # the next form starts at its 项目名称


def test_a_label_and_its_value_in_one_cell_are_split():
    rows = [["项目名称：红十字培训"], ["主管部门：上海市红十字会", "项目类别：特定目标类"],
            ["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "人数", "=1人"]]
    [got] = read([Grid(None, rows)])
    assert (got.name, got.department, got.category) == ("红十字培训", "上海市红十字会", "特定目标类")


def test_a_column_the_table_does_not_have_is_left_out_with_a_warning_and_again_after_a_page_break():
    rows = [["项目名称", "甲"], ["序号", "一级指标", "二级指标", "三级指标", "指标值"],
            ["1", "产出指标", "数量指标", "人数", "=1人"]]
    page2 = [["序号", "一级指标", "二级指标", "三级指标", "指标值", "备注"],
             ["2", "", "", "次数", "=2次", "无"]]
    [got] = read([Grid("第 1 页", rows, follows=True), Grid("第 2 页", page2, lines=[4, 5], follows=True)])
    assert [(i.name, i.target_raw) for i in got.indicators] == [("人数", "=1人"), ("次数", "=2次")]
    assert [w.message for w in got.warnings] == ["column「序号」of the indicator table is not read (第 1 页)"]


def test_a_line_break_in_a_cell_is_a_wrapped_line():
    rows = [["项目名称", "遗体 and 人体器官\n捐献工作专项经费"],
            ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "制作遗体(含角膜)\r\n捐献登记资料", "=3000.00(份)"]]
    [got] = read([Grid(None, rows)])
    assert got.name == "遗体 and 人体器官捐献工作专项经费"
    assert got.indicators[0].name == "制作遗体(含角膜)捐献登记资料"


def test_a_grid_without_a_form_gives_nothing():
    assert list(iter_grid_forms([Grid("说明", [["填表说明"], ["金额单位：元"]]), Grid("空", [])], "x")) == []


def test_merges_out_of_the_grid_are_ignored_and_overlapping_ones_beyond_reason_are_an_error():
    rows = MINI
    odd = [(9, 9, 12, 12), (2, 3, 1, 3), (-1, 0, 0, 0)]
    [got] = read([Grid("表", rows, odd)])
    assert got.indicators[0].target_raw == "=1人"
    wide = [["x"] * 1000 for _ in range(1000)]
    big = Grid("sheet「大」", wide, [(0, 0, 999, 999)] * 4)
    items = list(iter_grid_forms([big, Grid("表", rows)], "x.xlsx"))
    assert isinstance(items[0], ReadError)
    assert str(items[0]).startswith("x.xlsx: expected merged ranges that do not overlap, found ranges "
                                    "covering more than 3,000,000 cells (sheet「大」)")
    assert isinstance(items[1], Declaration)


def test_lines_default_to_the_row_numbers_and_can_be_given():
    rows = MINI
    [got] = read([Grid(None, [[""], *rows])])
    assert (got.line, got.indicators[0].line) == (2, 4)
    [got] = read([Grid(None, rows, lines=[10, 20, 30])])
    assert (got.line, got.indicators[0].line) == (10, 30)


WORDS = ["", "项目名称", "甲", "一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标", "=1人",
         "项目名称：乙", "年度资金申请总额", "1,000.00", "财政项目支出绩效目标申报表", "满意度", "x\ny"]
cells = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
grids = st.builds(
    Grid, name=st.one_of(st.none(), st.just("表")),
    rows=st.lists(st.lists(cells, max_size=6), max_size=12),
    merges=st.lists(st.tuples(*[st.integers(-1, 14)] * 4), max_size=4),
    follows=st.booleans(), outside_tables=st.booleans())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(grids, max_size=4))
def test_any_grids_read_to_declarations_or_read_errors(some):
    for item in iter_grid_forms(some, "fuzz"):
        assert isinstance(item, Declaration | ReadError)
        if isinstance(item, ReadError):
            assert item.file == "fuzz" and item.expected
