"""The cell grid every file format turns into, and the one function that reads forms from grids.

A :class:`Grid` is a table, a sheet, a page or a run of paragraphs as a person sees it::

    Grid(name="sheet「项目1」",                    # said in messages: (sheet「项目1」), (表 2), (第 3 页)
         rows=[["财政项目支出绩效目标申报表", "", ""],   # cell texts, row by row, from 0
               ["项目名称", "红十字培训", ""]],
         merges=[(0, 0, 0, 2), (1, 1, 1, 2)],       # (top, left, bottom, right), from 0, inclusive
         lines=[1, 2],                             # each row's line for messages (default 1, 2, 3 …)
         follows=False,                            # True: continues the grid before it
         outside_tables=False)                     # True: text outside tables (paragraphs)

- ``rows``: the text of each cell as the person sees it (the format's reader decides: number formats,
  entities, line breaks). A merged range's text is in its first (top-left) cell; the other cells it
  covers are read as empty whatever they hold, so a reader may leave them empty or repeat the text.
  Rows may differ in length. A line break inside a cell is a wrapped line: the lines are joined with
  nothing between them, as hard-wrapped lines of a text form are.
- Text outside tables (a title, a ``项目名称：…`` paragraph, a heading) is a row of one cell (or of
  several, where tabs separate them): :meth:`Grid.paragraphs` makes such a grid, ``outside_tables=True``.
  Such rows end an indicator table being read: the table was the one above them, and until the next
  form (its title or 项目名称) they are not read, with a warning (a page's footer, 填表人：…).
- ``lines``: the number given as ``line`` in errors and warnings for each row (a sheet's row number, a
  running count of paragraphs and table rows). ``name`` is added to their messages in parentheses
  (``None``: nothing added).
- ``follows``: a form open at the end of the grid before goes on into this one (the tables and
  paragraphs of a document, the pages of a PDF). ``False`` (a worksheet): forms are cut at its start.
  Where grids follow one another their ``lines`` must go on increasing: a message of a form spanning
  several grids takes its ``name`` from the grid of its line.

:func:`iter_grid_forms` reads the forms of a sequence of grids, once for every format: forms are cut
apart at a form title (``财政项目支出绩效目标申报表``) or at a second 项目名称 and each row goes to the
label-driven :class:`~jixiao.readers.form.FormBuilder`. What a grid adds to a text table:

- the rows a merged level cell (一级/二级指标) spans take its level, as rows of a text table take the
  level in force above them; a row inside the span that starts a group of its own (a level name
  followed by a name and a value) is given the merged level too, so a merged level 1 holds for every
  row it spans;
- outside the indicator table, a cell holding a label and its value (``项目名称：红十字培训``) is split
  into the two, as a 2020 text line is;
- columns of the indicator table headed by something other than its own headings (序号, 备注; not 指标性质 or
  度量单位, which :func:`jixiao.vocabulary.table_column` knows)
  are left out, with a warning.

Grids holding no form label at all (a cover, notes) give nothing: the caller decides whether a file
without any form is an error, and says so in its own terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from jixiao.errors import ReadError
from jixiao.model import Declaration, ReadWarning
from jixiao.readers.form import _TABLE_HEADER, FormBuilder
from jixiao.readers.selfeval import SelfEvaluationBuilder, is_self_evaluation_header, is_self_evaluation_title
from jixiao.readers.textform import _TITLE, _is_name_row, split_labelled
from jixiao.text import join_wrapped
from jixiao.vocabulary import cell_kind, level_label, table_column

__all__ = ["Grid", "Merge", "iter_grid_forms"]

#: A merged range: (top, left, bottom, right), rows and columns from 0, both ends included.
Merge = tuple[int, int, int, int]

#: Cells the merged ranges of one grid may cover, beyond the grid's own cells (merges that do not
#: overlap cover at most every cell once; the rest is a damaged or hostile file).
MERGE_BUDGET = 2_000_000



@dataclass
class Grid:
    """A table, sheet, page or run of paragraphs as rows of cell texts (see the module's docstring)."""

    name: str | None
    rows: list[list[str]]
    merges: list[Merge] = field(default_factory=list)
    lines: Sequence[int] | None = None
    follows: bool = False
    outside_tables: bool = False

    def line(self, row: int) -> int:
        """The line messages give for ``row`` (from 0)."""
        return self.lines[row] if self.lines is not None else row + 1

    @classmethod
    def paragraphs(cls, texts: Iterable[str], name: str | None = None, *, first_line: int = 1,
                   follows: bool = True) -> Grid:
        """Paragraphs (text outside tables) as a grid of one-cell rows, lines from ``first_line``."""
        rows = [[text] for text in texts]
        return cls(name, rows, lines=range(first_line, first_line + len(rows)), follows=follows,
                   outside_tables=True)


def iter_grid_forms(grids: Iterable[Grid], file: str | None) -> Iterator[Declaration | ReadError]:
    """Each form in ``grids``, in order: a :class:`Declaration`, or the :class:`ReadError` that stopped
    it. Grids are read one at a time as they come (a generator of pages is fine). A grid whose merged
    ranges overlap beyond reason is one ReadError; the others are still read. Never raises for content."""
    form: _Form | None = None
    for grid in grids:
        if not grid.follows and form is not None:
            if form.is_form:
                yield form.finish()
            form = None
        try:
            rows = _rows(grid)
        except _Overlap as err:
            yield ReadError(file, "merged ranges that do not overlap", found=_where(err.found, grid.name))
            continue
        for row, cells, fills in rows:
            present = [c.strip() for c in cells if c.strip()]
            if not present:
                continue
            line = grid.line(row)
            if form is not None and form.named and _starts_form(present):
                yield form.finish()
                form = None
            if form is None:
                form = _Form(file, line)
            form.add(line, grid, cells, fills)
    if form is not None and form.is_form:
        yield form.finish()


def _starts_form(present: list[str]) -> bool:
    """Whether a row (its non-empty cells) begins a new form: a form title, or 项目名称."""
    return _TITLE.match(" ".join(present)) is not None or _is_name_row(present[0])


def _where(text: str | None, name: str | None) -> str:
    """A message with the grid's name after it: ``… (sheet「项目2」)``."""
    if name is None:
        return text or ""
    return f"{text} ({name})" if text else name


# -- a grid as rows of cells -------------------------------------------------------------------------

class _Overlap(Exception):
    def __init__(self, found: str):
        self.found = found


#: One row: its index, its cells as text (each cell hidden under a merge blank), and the merged level
#: labels that span it, by column.
_Row = tuple[int, list[str], dict[int, str]]


def _rows(grid: Grid) -> list[_Row]:
    rows = grid.rows
    height = len(rows)
    width = max((len(row) for row in rows), default=0)
    hidden: set[tuple[int, int]] = set()
    fills: dict[int, dict[int, str]] = {}
    budget = MERGE_BUDGET + height * width
    for top, left, bottom, right in grid.merges:
        if top >= height or left >= width or bottom < top or right < left or top < 0 or left < 0:
            continue
        span_rows, span_cols = range(top, min(bottom, height - 1) + 1), range(left, min(right, width - 1) + 1)
        budget -= len(span_rows) * len(span_cols)
        if budget < 0:
            raise _Overlap(f"ranges covering more than {MERGE_BUDGET + height * width:,} cells")
        label = _cell(rows, top, left)
        spans = bool(label) and level_label(label) is not None
        for row in span_rows:
            for col in span_cols:
                if (row, col) != (top, left):
                    hidden.add((row, col))
            if spans and row != top:
                fills.setdefault(row, {})[left] = label
    out: list[_Row] = []
    for index, row in enumerate(rows):
        if hidden:
            cells = ["" if (index, col) in hidden else _text(text) for col, text in enumerate(row)]
        else:
            cells = [_text(text) for text in row]
        out.append((index, cells, fills.get(index, {})))
    return out


def _cell(rows: list[list[str]], row: int, col: int) -> str:
    cells = rows[row]
    return _text(cells[col]) if col < len(cells) else ""


def _text(text: str | None) -> str:
    """A cell's text; a line break in it is a wrapped line."""
    if not text:
        return ""
    return join_wrapped(text.splitlines()) if "\n" in text or "\r" in text else text


# -- rows into forms ---------------------------------------------------------------------------------

class _Form:
    """One form: its rows go to a :class:`FormBuilder`, or to a
    :class:`~jixiao.readers.selfeval.SelfEvaluationBuilder` from the row that shows it is a
    self-evaluation table (its title, or a heading with 实际完成值 or 全年执行数: the rows before are
    given to it again); messages get the name of the grid of their line."""

    def __init__(self, file: str | None, first: int):
        self.builder: FormBuilder | SelfEvaluationBuilder = FormBuilder(file, first, wrapped=False)
        self.file = file
        self.first = first
        self.names: dict[int, str | None] = {}  # line -> the name of its grid
        self.skip: set[int] = set()  # columns of the indicator table not read
        self.after = False  # past the indicator table: text below it, not read
        self.before: list[tuple[int, list[str]]] | None = []  # rows before the table; None: self-evaluation

    @property
    def named(self) -> bool:
        return "name" in self.builder.values

    @property
    def is_form(self) -> bool:
        b = self.builder
        return bool(b.values) or b.seen_label or b.in_table or b.layout != "unknown"

    def add(self, line: int, grid: Grid, cells: list[str], fills: dict[int, str]) -> None:
        self.names[line] = grid.name  # (grids sharing a line, as a page on one line does: the last one)
        if self.before is None:
            self.builder.add_row(line, cells)
            return
        if not self.builder.in_table and _is_self_evaluation(cells):
            self.builder = SelfEvaluationBuilder(self.file, self.first)
            for seen in self.before:
                self.builder.add_row(*seen)
            self.before = None
            self.builder.add_row(line, cells)
            return
        builder = self.builder
        assert isinstance(builder, FormBuilder)
        if self.after or (builder.in_table and grid.outside_tables):
            self.after = True
            text = " ".join(c.strip() for c in cells if c.strip())
            text = text if len(text) <= 40 else text[:39] + "…"
            builder.warnings.append(ReadWarning(file=self.file, line=line, message=(
                f"text「{text}」below the indicator table is not read")))
            return
        if not builder.in_table:
            self.before.append((line, cells))
            builder.add_row(line, _split_labels(cells))
            if builder.in_table:
                self._header(line, cells)
            return
        if any("级" in c for c in cells) and _TABLE_HEADER.search("".join("".join(cells).split())):
            self._header(line, cells, warn=False)  # the header again (a new page, a new table)
        if fills and _starts_group(cells):
            cells = [fills.get(col, cell) if not cell.strip() else cell for col, cell in enumerate(cells)]
        if self.skip:
            cells = ["" if col in self.skip else cell for col, cell in enumerate(cells)]
        builder.add_row(line, cells)

    def _header(self, line: int, cells: list[str], *, warn: bool = True) -> None:
        """The table's header row: columns under another heading than the table's are left out."""
        other = [(col, "".join(cell.split())) for col, cell in enumerate(cells)
                 if cell.strip() and table_column(cell) is None]
        self.skip = {col for col, _ in other}
        if other and warn:
            names = "".join(f"「{heading}」" for _, heading in other)
            self.builder.warnings.append(ReadWarning(
                file=self.file, line=line, message=f"column{names}of the indicator table is not read"
                if len(other) == 1 else f"columns{names}of the indicator table are not read"))

    def _name(self, line: int | None) -> str | None:
        return self.names.get(line if line is not None else self.first, self.names.get(self.first))

    def finish(self) -> Declaration | ReadError:
        try:
            declaration = self.builder.build()
        except ReadError as err:
            found = _where(err.found, self._name(err.line))
            return ReadError(err.file, err.expected, line=err.line, found=found)
        if any(name is not None for name in self.names.values()):
            declaration.warnings = [w.model_copy(update={"message": _where(w.message, self._name(w.line))})
                                    for w in declaration.warnings]
        return declaration


def _is_self_evaluation(cells: list[str]) -> bool:
    present = [c for c in cells if c.strip()]
    return bool(present) and (is_self_evaluation_title("".join(present)) or is_self_evaluation_header(cells))


def _split_labels(cells: list[str]) -> list[str]:
    """A cell that starts with a label and a colon (``项目名称：红十字培训``) as the label and its value."""
    out: list[str] = []
    for cell in cells:
        if ("：" in cell or ":" in cell) and cell_kind(cell.strip()) is None:
            parts = split_labelled(cell)
            if len(parts) > 1 and cell_kind(parts[0].strip()) is not None:
                out.extend(parts)
                continue
        out.append(cell)
    return out


def _starts_group(cells: list[str]) -> bool:
    """Whether a table row names a level of its own, followed by an indicator's name and value."""
    present = [c for c in cells if c.strip()]
    return any(level_label(c) is not None for c in present[:-2])
