"""Excel workbooks as a person sees them: what a workbook reader needs beside calamine's values.

python-calamine reads the values of the cells, but it does not give a cell's number format (a money
cell shown as ``1,400,400.00`` comes as the float ``1400400.0``), it gives error values (``#N/A``) as
empty cells, and it builds a sheet as one dense block from its first to its last cell before Python
sees any of it: a cell in ``XFD1048576`` makes it ask for half a terabyte and abort the process. So for
an XLSX package (.xlsx, .xlsm) each sheet's XML is read here first, streaming, once: its extent
(refused above :data:`MAX_CELLS` before calamine builds it), the number format of each cell and its
error values. A zip whose parts unpack beyond :data:`MAX_PART` is refused before anything is unpacked.
An .xls file (BIFF, no XML) gives its values only: numbers as plain numbers, its extent checked after
calamine has built the sheet (BIFF8 holds at most 65,536 × 256 cells).

:class:`Workbook` opens the bytes; :meth:`Workbook.sheet` gives a :class:`Sheet`; :func:`number_text`
writes a number as its format shows it; :class:`WorkbookError` says what was found instead.
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import TracebackType
from typing import IO
from xml.etree import ElementTree

import python_calamine

__all__ = ["MAX_CELLS", "MAX_PART", "Cell", "Sheet", "Workbook", "WorkbookError", "is_percent",
           "number_text", "plain"]

#: Bytes a part of an XLSX package may unpack to (a form's sheet is some ten kilobytes).
MAX_PART = 64 << 20
#: Cells a sheet may span, counted from A1 to its last cell with a value.
MAX_CELLS = 1_000_000

Cell = str | int | float | bool | date | datetime | time | timedelta

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")

# The built-in number formats that are numbers (ECMA-376 18.8.30; 5–8 and 41–44 as in a Chinese
# Excel). The dates among the built-ins need no entry: calamine gives those cells as dates.
_BUILT_IN = {
    1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 5: "¥#,##0;¥-#,##0", 6: "¥#,##0;[Red]¥-#,##0",
    7: "¥#,##0.00;¥-#,##0.00", 8: "¥#,##0.00;[Red]¥-#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
    12: "# ?/?", 13: "# ??/??", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 41: "_ * #,##0_ ", 42: "_ ¥* #,##0_ ",
    43: "_ * #,##0.00_ ", 44: "_ ¥* #,##0.00_ ", 48: "##0.0E+0", 49: "@",
}


class WorkbookError(Exception):
    """The bytes, or one sheet of them, cannot be read as a workbook.

    ``expected`` and ``found`` are phrased for a message ``expected …, found …``; ``sheet`` names the
    sheet when the problem is one sheet's (the other sheets may still be read)."""

    def __init__(self, expected: str, found: str, sheet: str | None = None):
        self.expected, self.found, self.sheet = expected, found, sheet
        super().__init__(f"expected {expected}, found {found}")


@dataclass
class Sheet:
    """A worksheet as read: its values from A1, merged ranges, number formats and error values.

    ``merges`` are ((top, left), (bottom, right)), ``formats`` and ``errors`` are by (row, column), all
    from 0; ``formats`` holds the number format codes other than General."""

    name: str
    grid: list[list[Cell]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


class Workbook:
    """An Excel workbook in memory (.xlsx, .xlsm or .xls), checked before calamine reads it.

    Raises :class:`WorkbookError` when the bytes are not a workbook: empty, neither a zip package nor
    an OLE2 file, a zip without ``xl/workbook.xml`` or with a part over :data:`MAX_PART`, or a
    workbook calamine refuses (damaged, encrypted)."""

    def __init__(self, data: bytes):
        self._package: zipfile.ZipFile | None = None
        self._styles: list[str | None] | None = None
        self._parts: dict[str, str] | None = None
        if not data:
            raise WorkbookError("an Excel workbook", "an empty file")
        if data.startswith(_ZIP):
            self._package = _open_package(data)
        elif not data.startswith(_OLE2):
            raise WorkbookError("an Excel workbook (a zip package such as .xlsx, or an .xls file)",
                                "a file that is neither")
        try:
            self._book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except python_calamine.PasswordError:
            self.close()
            raise WorkbookError("an Excel workbook", "one protected by a password") from None
        except (python_calamine.CalamineError, ValueError, OSError) as err:
            self.close()
            raise WorkbookError("an Excel workbook", f"one that cannot be read ({_brief(err)})") from None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._package is not None:
            self._package.close()
            self._package = None
        book = getattr(self, "_book", None)
        if book is not None:
            self._book = None
            book.close()

    def worksheets(self, *, hidden: bool = False) -> list[str]:
        """The names of the worksheets in workbook order; the hidden ones only when ``hidden``."""
        visible, sheet = python_calamine.SheetVisibleEnum.Visible, python_calamine.SheetTypeEnum.WorkSheet
        return [meta.name for meta in self._book.sheets_metadata
                if meta.typ == sheet and (hidden or meta.visible == visible)]

    def sheet(self, name: str) -> Sheet:
        """The sheet ``name``; :class:`WorkbookError` (with ``sheet``) when it is too large or damaged."""
        sheet = Sheet(name, [])
        if self._package is not None:
            self._scan(sheet)
        try:
            found = self._book.get_sheet_by_name(name)
            end = found.end
            if end is not None:
                _check_extent(name, end[0] + 1, end[1] + 1)
            sheet.grid = found.to_python(skip_empty_area=False) if end is not None else []
            sheet.merges = found.merged_cell_ranges or []
        except python_calamine.CalamineError as err:
            raise WorkbookError("a readable worksheet", f"one that cannot be read ({_brief(err)})",
                                name) from None
        return sheet

    # -- the XLSX package ----------------------------------------------------------------------------

    def _scan(self, sheet: Sheet) -> None:
        """One streaming pass over the sheet's XML: its extent, number formats and error values."""
        assert self._package is not None
        try:
            styles = self._number_styles()
            if self._parts is None:
                self._parts = _sheet_parts(self._package)
            part = self._parts.get(sheet.name)
            if part is None:
                raise WorkbookError("a worksheet part in the package", "none for this sheet", sheet.name)
            rows = cols = 0
            with self._package.open(part) as stream:
                for row, col, style, error, element in _cells(stream):
                    if not len(element):  # no value (a cell only styled): calamine leaves it out
                        continue
                    if row >= rows or col >= cols:  # checked as it grows: nothing is kept past the limit
                        rows, cols = max(rows, row + 1), max(cols, col + 1)
                        _check_extent(sheet.name, rows, cols)
                    code = styles[style] if style is not None and style < len(styles) else None
                    if code is not None and element.get("t", "n") == "n":
                        sheet.formats[row, col] = code
                    if error is not None:
                        sheet.errors[row, col] = error
        except (ElementTree.ParseError, KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError,
                NotImplementedError, OSError) as err:
            raise WorkbookError("a well-formed worksheet", f"one that cannot be read ({_brief(err)})",
                                sheet.name) from None

    def _number_styles(self) -> list[str | None]:
        """The number format code of each cell style (``s``), None for General."""
        if self._styles is None:
            assert self._package is not None
            try:
                root = ElementTree.fromstring(self._package.read("xl/styles.xml"))
            except KeyError:
                self._styles = []
                return self._styles
            custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "")
                      for f in root.iter(_MAIN + "numFmt")}
            xfs = root.find(_MAIN + "cellXfs")
            self._styles = []
            for xf in xfs if xfs is not None else []:
                number = int(xf.get("numFmtId", "0"))
                code = custom.get(number, _BUILT_IN.get(number))
                self._styles.append(code if code and code != "General" else None)
        return self._styles


def _open_package(data: bytes) -> zipfile.ZipFile:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = {item.filename for item in package.infolist()}
        largest = max(package.infolist(), key=lambda item: item.file_size, default=None)
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise WorkbookError("an Excel workbook", f"a damaged zip package ({_brief(err)})") from None
    if "xl/workbook.xml" not in names:
        package.close()
        kind = "a Word document" if "word/document.xml" in names else "a zip package"
        raise WorkbookError("an Excel workbook (a package with xl/workbook.xml)", f"{kind} without one")
    if largest is not None and largest.file_size > MAX_PART:
        package.close()
        raise WorkbookError(f"an Excel workbook whose parts unpack to at most {MAX_PART >> 20} MiB",
                            f"{largest.filename} of {largest.file_size >> 20} MiB")
    return package


def _check_extent(sheet: str, rows: int, cols: int) -> None:
    if rows * cols > MAX_CELLS:
        raise WorkbookError(f"a sheet of at most {MAX_CELLS:,} cells (from A1 to its last value)",
                            f"{rows:,} rows × {cols:,} columns", sheet)


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name → its part (``xl/worksheets/sheet1.xml``)."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {relation.get("Id"): relation.get("Target", "") for relation in relations.iter(_PACKAGE)}
    parts = {}
    for sheet in book.iter(_MAIN + "sheet"):
        target = targets.get(sheet.get(_RELATION))
        name = sheet.get("name")
        if target and name is not None and name not in parts:
            absolute = target.startswith("/")
            parts[name] = target[1:] if absolute else posixpath.normpath(posixpath.join("xl", target))
    return parts


def _cells(stream: IO[bytes]) -> Iterator[tuple[int, int, int | None, str | None, ElementTree.Element]]:
    """(row, column, style, error value, element) of each ``<c>`` of a sheet, from 0, streaming.

    A cell or row without its ``r`` follows the one before it, as the format allows."""
    row, col = -1, -1
    data: ElementTree.Element | None = None
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _MAIN + "sheetData":
                data = element
            elif tag == _MAIN + "row":
                number = element.get("r")
                row, col = (int(number) - 1 if number else row + 1), -1
            continue
        if tag == _MAIN + "c":
            ref = element.get("r")
            if ref and (m := _REF.fullmatch(ref)):
                row, col = int(m.group(2)) - 1, _column(m.group(1))
            else:
                col += 1
            style = element.get("s")
            value = element.find(_MAIN + "v")
            error = value.text if element.get("t") == "e" and value is not None else None
            yield row, col, int(style) if style else None, error, element
            element.clear()
        elif tag == _MAIN + "row" and data is not None:
            data.remove(element)


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def _brief(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 120 else text[:119] + "…"


# -- numbers as shown ------------------------------------------------------------------------------

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def _section(code: str) -> str:
    """The first section of a number format (positive numbers), quoted text and escapes removed."""
    bare = _QUOTED.sub("", code)
    return bare.split(";", 1)[0]


def is_percent(code: str | None) -> bool:
    """Whether a number format shows the number as a percentage (``0.0%``)."""
    return code is not None and "%" in _section(code)


def _places(code: str) -> tuple[int, int] | None:
    """(fewest, most) decimals the format shows; None when it shows no fixed decimal number
    (General, text, scientific, fractions, dates)."""
    bare = _section(code)
    if bare.strip().lower() in ("general", "") or re.search(r"[@/eEyYmMdDhHsS]", bare):
        return None
    if not re.search(r"[0#?]", bare):
        return None
    decimals = bare.partition(".")[2]
    return decimals.count("0"), len(re.findall(r"[0#?]", decimals))


def plain(number: Decimal) -> str:
    """A decimal as written by hand: ``96.5``, ``3150``, never ``9.65E+1``."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def number_text(value: int | float, code: str | None = None) -> str:
    """A number cell as the person sees it, less thousands separators, currency signs and padding.

    The decimals are those its number format shows (``#,##0.00``: ``1400400`` → ``1400400.00``), a
    percentage is a percentage (``0.0%``: ``0.965`` → ``96.5%``), and General is the number as typed
    (``440382``, ``0.3``). A float's binary noise (``0.30000000000000004``) is taken off; a value with
    more digits than its format shows keeps them (``123.456`` under ``0.00``): nothing is rounded away.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    places = _places(code) if code else None
    if places is None:
        return plain(number)
    percent = "%" if is_percent(code) else ""
    if percent:
        number = number.scaleb(2)
    fewest, most = places
    try:
        shown = number.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than a decimal context holds: no float has them
        return plain(number) + percent
    if abs(shown - number) > abs(number) * Decimal("1e-12") + Decimal("1e-9"):
        return plain(number) + percent
    text = format(shown, "f")
    while most > fewest and text.endswith("0"):
        text, most = text[:-1], most - 1
    return text.removesuffix(".") + percent
