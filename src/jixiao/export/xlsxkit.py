"""The one way Jixiao writes a form as an XLSX sheet (xlsxwriter), shared by every workbook it makes.

A paper form is a grid of merged cells with borders, text wrapped to the column and printed on A4. Excel
does neither for us: it does not grow a row to fit wrapped text it did not lay out itself (never in
merged cells), and a format with the theme's font shows Calibri, not the CJK font. So:

- :class:`Book`: an in-memory workbook whose formats all use :data:`FONT` (宋体) with the theme font
  scheme off, each set of format properties made once (:class:`Styles`, ``style("money")``);
- :class:`Grid`: one sheet laid out as a form: column widths, :meth:`~Grid.put` (a value of any
  kind as what it is), :meth:`~Grid.span` (merged cells), :meth:`~Grid.fit` (a row as high as its
  wrapped text), :meth:`~Grid.levels` (the level columns of an indicator table, equal neighbours merged
  as the forms and the web page merge them) and :meth:`~Grid.print_setup` (A4, one page wide, the
  header rows repeated on every page);
- :func:`money`: an amount as Excel keeps it exactly, or as text when it cannot.

Money is a number with the ``#,##0.00`` format when Excel can hold it exactly: at most
:data:`EXACT_DIGITS` (15) significant digits, which a binary double gives back digit for digit and
Excel shows as written (below 10¹³ yuan with two decimals). A larger amount is written as text
(``12,345,678,901,234.56``), right-aligned, so that no reader ever sees a rounded figure.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from jixiao.levels import runs  # the merged level cells, shared with the web page

__all__ = ["A4", "EXACT_DIGITS", "FONT", "MONEY_FORMAT", "PRESETS", "Book", "Grid", "Styles", "lines",
           "money", "money_format", "row_height", "runs", "sheet_name"]

FONT = "宋体"
FONT_SIZE = 10
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
A4 = 9  # xlsxwriter's paper size number
EXACT_DIGITS = 15
LINE = 13.5  # points per line of 10-point 宋体
MAX_LINES = 30  # 4 + 30 × 13.5 points: under Excel's largest row (409 points)
MAX_TEXT = 32767  # characters Excel keeps in a cell
GREY = "#EDEDED"
HEAD = "#DDEBF7"

_BASE: dict[str, Any] = {"font_name": FONT, "font_scheme": "none", "font_size": FONT_SIZE,
                         "valign": "vcenter", "text_wrap": True}
_CELL: dict[str, Any] = {"border": 1}
#: The formats the forms use, by name; ``style(name, **more)`` adds to one.
PRESETS: dict[str, dict[str, Any]] = {
    "plain": {},
    "title": {"bold": True, "font_size": 16, "align": "center"},
    "subtitle": {"font_size": 11, "align": "center"},
    "note": {"font_size": 9, "font_color": "#595959"},
    "label": {**_CELL, "bold": True, "align": "center", "bg_color": HEAD},
    "text": {**_CELL},
    "center": {**_CELL, "align": "center"},
    "money": {**_CELL, "num_format": MONEY_FORMAT, "align": "right"},
    "date": {**_CELL, "num_format": DATE_FORMAT, "align": "center"},
    "count": {**_CELL, "num_format": "0", "align": "center"},
    "points": {**_CELL, "num_format": "0.00", "align": "right"},
    "percent": {**_CELL, "num_format": "0.00%", "align": "right"},
}


class Styles:
    """A workbook's formats, each set of properties made once (xlsxwriter formats belong to one book)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self._book = book
        self._made: dict[Any, Format] = {}

    def __call__(self, preset: str = "plain", /, **properties: Any) -> Format:
        key = (preset, *sorted(properties.items())) if properties else preset
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._book.add_format({**_BASE, **PRESETS[preset], **properties})
        return found


class Book:
    """An XLSX workbook made in memory, with the CJK font everywhere; :meth:`bytes` closes it."""

    def __init__(self, styles: Callable[[xlsxwriter.Workbook], Styles] = Styles) -> None:
        self._buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self._buffer, {
            "in_memory": True, "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE}})
        self.style = styles(self.book)
        self._names: set[str] = set()

    def grid(self, name: str, widths: Sequence[float]) -> Grid:
        """A new sheet named ``name`` (made valid and unique: :func:`sheet_name`) with these column widths."""
        title = sheet_name(name, self._names)
        self._names.add(title.casefold())
        return Grid(self.book.add_worksheet(title), self.style, widths)

    def bytes(self) -> bytes:
        self.book.close()
        return self._buffer.getvalue()


_NOT_IN_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
_NAME_LENGTH = 31  # UTF-16 code units, as Excel counts


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, room: int) -> str:
    while _utf16(text) > room:
        text = text[:-1]
    return text


def sheet_name(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``name`` as Excel takes a sheet's name: none of ``[]:*?/\\`` or control characters, no ``'`` at
    either end, at most 31 characters, not ``History``, and not one of ``taken`` (case-folded):
    ``名称（2）`` then."""
    cleaned = "".join(ch for ch in name.translate(_NOT_IN_NAMES) if ch >= " ").strip().strip("'").strip()
    base = _cut(cleaned, _NAME_LENGTH).rstrip("'") or "Sheet"
    if base.casefold() == "history":
        base = "History_"
    found, number = base, 1
    while found.casefold() in taken:
        number += 1
        suffix = f"（{number}）"
        found = _cut(base, _NAME_LENGTH - _utf16(suffix)) + suffix
    return found


def money(amount: Decimal) -> float | str:
    """``amount`` as a cell holds it exactly: a float when it has at most :data:`EXACT_DIGITS`
    significant digits (the float gives them back, and Excel shows them), else the text
    ``1,234,…,567.89``."""
    if not amount.is_finite():
        return str(amount)
    if len(amount.normalize().as_tuple().digits) <= EXACT_DIGITS:
        return float(amount)
    return f"{amount:,f}"  # the decimals as written: 440382 stays 440382, 12.50 stays 12.50


def money_format(amount: Decimal) -> dict[str, str]:
    """The number format that shows ``amount`` with the decimals it was written with (``440382`` →
    ``#,##0``, ``1400400.00`` → ``#,##0.00``), so that reading the cell back gives the same text;
    nothing to add for two places, :data:`MONEY_FORMAT`."""
    exponent = amount.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places == 2:
        return {}
    return {"num_format": "#,##0" + ("." + "0" * places if places else "")}


def _display_width(text: str) -> int:
    """About :func:`jixiao.text.display_width`, thirty times faster: a character of three or four bytes in
    UTF-8 (CJK, full-width punctuation) takes two columns, one of one byte one."""
    return (len(text.encode("utf-8", "surrogatepass")) + len(text)) >> 1


def lines(text: Any, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (a CJK character takes two)."""
    room = max(width - 1.5, 1)
    return sum(max(1, math.ceil(_display_width(part) / room)) for part in str(text).split("\n"))


def row_height(cells: Iterable[tuple[Any, float]], *, least: int = 1, most: int = MAX_LINES,
               line: float = LINE) -> float:
    """A row height (points) that shows each (text, width) of a row whole: at least ``least`` lines."""
    count = max((lines(text, width) for text, width in cells if text not in (None, "")), default=1)
    return 4 + line * min(max(count, least), most)


class Grid:
    """One worksheet laid out as a form: the column widths, and writing single and merged cells."""

    def __init__(self, sheet: Worksheet, style: Styles, widths: Sequence[float]) -> None:
        self.sheet = sheet
        self.style = style
        self.widths = list(widths)
        for col, width in enumerate(self.widths):
            sheet.set_column(col, col, width)

    @property
    def last(self) -> int:
        """The last column."""
        return len(self.widths) - 1

    def width(self, first: int, last: int) -> float:
        """The width of columns ``first`` to ``last``, in characters."""
        return sum(self.widths[first:last + 1])

    def put(self, row: int, col: int, value: Any, fmt: Format) -> None:
        """``value`` as what it is: text as text (never read as a number or a formula), an amount as
        :func:`money` has it, a date as a date, 是/否 for a boolean, nothing as a bordered blank."""
        sheet = self.sheet
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            sheet.write_string(row, col, value[:MAX_TEXT], fmt)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否", fmt)
        elif isinstance(value, Decimal):
            amount = money(value)
            if isinstance(amount, str):
                sheet.write_string(row, col, amount, fmt)
            else:
                sheet.write_number(row, col, amount, fmt)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, fmt)
        else:
            sheet.write_number(row, col, value, fmt)

    def span(self, row: int, first: int, last: int, value: Any, fmt: Format, *,
             to_row: int | None = None) -> None:
        """``value`` in cells (``row``, ``first``) to (``to_row``, ``last``), merged when more than one."""
        bottom = row if to_row is None else to_row
        if bottom > row or last > first:
            self.sheet.merge_range(row, first, bottom, last, None, fmt)
        self.put(row, first, value, fmt)

    def fit(self, row: int, cells: Iterable[tuple[Any, int, int]], *, least: int = 1,
            most: int = MAX_LINES) -> None:
        """Row ``row`` as high as the longest of its (text, first column, last column) wraps to."""
        self.sheet.set_row(row, row_height(((text, self.width(a, b)) for text, a, b in cells),
                                           least=least, most=most))

    def levels(self, row: int, values: Sequence[Sequence[Any]], columns: Sequence[tuple[int, int]],
               fmt: Format) -> list[tuple[int, int, int, int]]:
        """The level columns of an indicator table from ``row`` down: ``values[i]`` are the levels of
        row ``i`` (一级, 二级 …), ``columns[k]`` the (first, last) column of level ``k``. Each level's
        equal neighbours are merged into one cell, within the cell of the level before, as the forms
        have them. Returns the merged ranges (first row, first column, last row, last column)."""
        merged = []
        within: list[tuple[int, int]] | None = None
        for level, (first, last) in enumerate(columns):
            column = [row_values[level] for row_values in values]
            within = runs(column, within)
            for top, bottom in within:
                self.span(row + top, first, last, column[top], fmt, to_row=row + bottom)
                if bottom > top or last > first:
                    merged.append((row + top, first, row + bottom, last))
        return merged

    def print_setup(self, *, repeat: tuple[int, int] | None = None, landscape: bool = False) -> None:
        """A4, one page wide (as many pages down as it takes), centred, page numbers in the footer, and
        rows ``repeat`` (first, last) printed on top of every page."""
        sheet = self.sheet
        sheet.set_paper(A4)
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.fit_to_pages(1, 0)
        sheet.center_horizontally()
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.set_footer("&C第 &P 页，共 &N 页")
        if repeat is not None:
            sheet.repeat_rows(*repeat)
