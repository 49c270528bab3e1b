"""Forms in Excel workbooks (.xlsx, .xlsm, .xls): the official layouts, written by Jixiao or filled in Excel.

Every visible worksheet is read, in workbook order. A sheet holds one form, or several one after
another, cut apart as in a text file: at a form title or at a second 项目名称. Each row of a sheet
becomes a row of cells the way the text reader sees a table row, and the rows go to the same
:class:`~jixiao.readers.form.FormBuilder` (and through it to the same indicator-tree builder): labels,
not positions, decide what a cell is.

What a sheet adds to a text table, and how it is made to look like one:

- A merged range's value is where Excel shows it, in the range's first cell; values hidden under a
  merge are ignored. The rows a merged level cell (一级/二级指标) spans take it as rows of a text table
  take the level in force above them; a row inside the span that starts a group of its own (a level
  name followed by a name and a value) is given the merged level too, so a merged level 1 holds for
  every row it spans.
- Cells are text as the person sees them (:func:`_text`): numbers with the decimals their format shows
  (:func:`jixiao.readers.xlsxcells.number_text`), dates as ``YYYY-MM-DD``, TRUE/FALSE as 是/否, an error
  value as itself (``#N/A``); a line break typed in a cell is a wrapped line (joined as the text reader
  joins hard-wrapped lines).
- A cell holding a label and its value (``项目名称：红十字培训``) is split into the two, as a 2020 text
  line is; columns of the indicator table headed by something else than its own headings (序号, 备注 …)
  are left out, with a warning.

Errors name the file, the row (``line``) and the sheet (in the message).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import BinaryIO

from jixiao.errors import ReadError
from jixiao.model import Declaration, ReadWarning
from jixiao.readers.form import FormBuilder
from jixiao.readers.textform import _TITLE, _is_name_row, split_labelled
from jixiao.readers.xlsxcells import MAX_CELLS, Sheet, Workbook, WorkbookError, number_text
from jixiao.text import join_wrapped
from jixiao.vocabulary import cell_kind, level_label

__all__ = ["MAX_FILE", "SUFFIXES", "iter_workbook_forms"]

#: File names read as workbooks.
SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
#: The largest workbook read (a workbook of a hundred forms is under a megabyte).
MAX_FILE = 64 << 20

# Headings of the indicator table's own columns (一级指标 … 年度(/项目)指标值, 一级目标 … 指标目标值) and
# of its merged title cell (绩效指标); any other heading (序号, 备注, 计量单位) is a column not read.
_TABLE_COLUMN = re.compile(r"[一二三]级|指标值|目标值|^(项目)?(绩效)?(指标|目标)?$")


def iter_workbook_forms(handle: BinaryIO, file: str) -> Iterator[Declaration | ReadError]:
    """Each form on each visible worksheet: a :class:`Declaration`, or the :class:`ReadError` that
    stopped it (a sheet too large or damaged is one too; the other sheets are still read).

    Raises :class:`ReadError` itself when the file is not a readable workbook or holds no form."""
    data = handle.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise ReadError(file, f"an Excel workbook of at most {MAX_FILE >> 20} MiB", found="a larger file")
    try:
        book = Workbook(data)
    except WorkbookError as err:
        raise _error(file, err) from None
    with book:
        names = book.worksheets()
        read = 0
        formless: list[str] = []
        for name in names:
            try:
                sheet = book.sheet(name)
            except WorkbookError as err:
                read += 1
                yield _error(file, err)
                continue
            before = read
            try:
                for item in _sheet_forms(sheet, file):
                    read += 1
                    yield item
            except WorkbookError as err:
                read += 1
                yield _error(file, err)
            if read == before:
                rows = f"{len(sheet.grid)} rows" if sheet.grid else "empty"
                formless.append(f"「{name}」 ({rows})")
    if read == 0:
        where = f"no such label on sheet{formless[0]}" if len(formless) == 1 else (
            f"no such label on sheets{', '.join(formless)}" if formless else "no visible worksheet")
        raise ReadError(file, "a performance-target form: a row with the label 项目名称", found=where)


def _error(file: str, err: WorkbookError) -> ReadError:
    return ReadError(file, err.expected, found=_on_sheet(err.found, err.sheet))


def _on_sheet(text: str | None, sheet: str | None) -> str:
    if sheet is None:
        return text or ""
    return f"{text} (sheet「{sheet}」)" if text else f"sheet「{sheet}」"


# -- a sheet as rows of cells ------------------------------------------------------------------------

#: One row: its number (from 1), its cells as text, and the merged level labels that span it.
_Row = tuple[int, list[str], dict[int, str]]


def _rows(sheet: Sheet) -> Iterator[_Row]:
    """The sheet's rows as text, each cell hidden under a merge blank."""
    grid = sheet.grid
    height, width = len(grid), max((len(row) for row in grid), default=0)
    hidden: set[tuple[int, int]] = set()
    fills: dict[int, dict[int, str]] = {}
    budget = 2 * MAX_CELLS  # overlapping merges are not Excel's, but bounded all the same
    for (top, left), (bottom, right) in sheet.merges:
        rows, cols = range(top, min(bottom, height - 1) + 1), range(left, min(right, width - 1) + 1)
        budget -= len(rows) * len(cols)
        if budget < 0:
            raise WorkbookError("merged ranges that do not overlap",
                                f"ranges covering more than {2 * MAX_CELLS:,} cells", sheet.name)
        label = _text(sheet, top, left)
        spans = level_label(label) is not None
        for row in rows:
            for col in cols:
                if (row, col) != (top, left):
                    hidden.add((row, col))
            if spans and row != top:
                fills.setdefault(row, {})[left] = label
    for row in range(height):
        cells = ["" if (row, col) in hidden else _text(sheet, row, col) for col in range(width)]
        yield row + 1, cells, fills.get(row, {})


def _text(sheet: Sheet, row: int, col: int) -> str:
    """A cell as the person sees it (see the module's docstring)."""
    error = sheet.errors.get((row, col))
    if error:
        return error
    grid = sheet.grid
    value = grid[row][col] if row < len(grid) and col < len(grid[row]) else ""
    if isinstance(value, str):
        return join_wrapped(value.splitlines()) if "\n" in value or "\r" in value else value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return number_text(value, sheet.formats.get((row, col)))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# -- rows into forms ---------------------------------------------------------------------------------

def _sheet_forms(sheet: Sheet, file: str) -> Iterator[Declaration | ReadError]:
    """The forms of one sheet. A sheet with no form label at all (a cover, notes) gives none."""
    form: _Form | None = None
    for number, cells, fills in _rows(sheet):
        present = [c.strip() for c in cells if c.strip()]
        if not present:
            continue
        if form is not None and form.named and (_TITLE.match(" ".join(present)) or _is_name_row(present[0])):
            yield form.finish()
            form = None
        if form is None:
            form = _Form(file, sheet.name, number)
        form.add(number, cells, fills)
    if form is not None and form.is_form:
        yield form.finish()


class _Form:
    """One form of a sheet: its rows go to a :class:`FormBuilder`."""

    def __init__(self, file: str, sheet: str, first: int):
        self.builder = FormBuilder(file, first, wrapped=False)
        self.file = file
        self.sheet = sheet
        self.skip: set[int] = set()  # columns of the indicator table not read

    @property
    def named(self) -> bool:
        return "name" in self.builder.values

    @property
    def is_form(self) -> bool:
        b = self.builder
        return bool(b.values) or b.seen_label or b.in_table or b.layout != "unknown"

    def add(self, number: int, cells: list[str], fills: dict[int, str]) -> None:
        builder = self.builder
        if not builder.in_table:
            builder.add_row(number, _split_labels(cells))
            if builder.in_table:
                self._header(number, cells)
            return
        if fills and _starts_group(cells):
            cells = [fills.get(col, cell) if not cell.strip() else cell for col, cell in enumerate(cells)]
        builder.add_row(number, ["" if col in self.skip else cell for col, cell in enumerate(cells)])

    def _header(self, number: int, cells: list[str]) -> None:
        """The table's header row: columns under another heading than the table's are left out."""
        other = [(col, "".join(cell.split())) for col, cell in enumerate(cells)
                 if cell.strip() and not _TABLE_COLUMN.search("".join(cell.split()))]
        self.skip = {col for col, _ in other}
        if other:
            names = "".join(f"「{heading}」" for _, heading in other)
            self.builder.warnings.append(ReadWarning(
                file=self.file, line=number, message=f"column{names}of the indicator table is not read"
                if len(other) == 1 else f"columns{names}of the indicator table are not read"))

    def finish(self) -> Declaration | ReadError:
        try:
            declaration = self.builder.build()
        except ReadError as err:
            return ReadError(err.file, err.expected, line=err.line, found=_on_sheet(err.found, self.sheet))
        declaration.warnings = [w.model_copy(update={"message": _on_sheet(w.message, self.sheet)})
                                for w in declaration.warnings]
        return declaration


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
