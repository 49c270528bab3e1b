"""Forms in Excel workbooks (.xlsx, .xlsm, .xls): the official layouts, written by Jixiao or filled in Excel.

Every visible worksheet is read, in workbook order, as a :class:`~jixiao.readers.grid.Grid` of its own
(:func:`sheet_grid`): a form never runs from one sheet into the next. Reading forms from the grid
(merged level cells, ``标签：值`` cells, columns the indicator table does not have, several forms on a
sheet) is :func:`jixiao.readers.grid.iter_grid_forms`, shared with the DOCX, HTML and PDF readers.

What is the workbook's own is the text of a cell as the person sees it (:func:`_text`): numbers with the
decimals their format shows (:func:`jixiao.readers.xlsxcells.number_text`), dates as ``YYYY-MM-DD``,
TRUE/FALSE as 是/否, an error value as itself (``#N/A``); a line break typed in a cell is a wrapped line
(the grid joins it as the text reader joins hard-wrapped lines).

Errors name the file, the row (``line``) and the sheet (in the message).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import BinaryIO

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.grid import Grid, iter_grid_forms
from jixiao.readers.xlsxcells import Sheet, Workbook, WorkbookError, number_text

__all__ = ["MAX_FILE", "SUFFIXES", "iter_workbook_forms", "sheet_grid"]

#: File names read as workbooks.
SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
#: The largest workbook read (a workbook of a hundred forms is under a megabyte).
MAX_FILE = 64 << 20


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
            for item in iter_grid_forms([sheet_grid(sheet)], file):
                read += 1
                yield item
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


# -- a sheet as a grid ----------------------------------------------------------------------------------

def sheet_grid(sheet: Sheet) -> Grid:
    """The sheet as a :class:`~jixiao.readers.grid.Grid`: each cell's text as the person sees it, its
    merged ranges, rows numbered from 1 as Excel numbers them."""
    grid = sheet.grid
    rows = [[_text(sheet, row, col) for col in range(len(cells))] for row, cells in enumerate(grid)]
    merges = [(top, left, bottom, right) for (top, left), (bottom, right) in sheet.merges]
    return Grid(f"sheet「{sheet.name}」", rows, merges)


def _text(sheet: Sheet, row: int, col: int) -> str:
    """A cell as the person sees it (see the module's docstring)."""
    error = sheet.errors.get((row, col))
    if error:
        return error
    value = sheet.grid[row][col]
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return number_text(value, sheet.formats.get((row, col)))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
