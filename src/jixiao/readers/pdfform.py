"""Forms in PDF files: ruled tables with their merged cells, text-only pages, pages that cannot be read.

A PDF has no cells, only characters at positions and lines drawn between them. It is read in two
passes. The first, with pdfium (fast), looks at every page: the visible lines drawn on it (a ruled
table needs at least two horizontal and two vertical ones; a white rectangle behind the page is none),
its images and whether it has any. Then:

- **Ruled tables** somewhere in the file: every page becomes :class:`~jixiao.readers.grid.Grid` s
  named ``第 N 页``, one for each table and one for each run of lines outside tables, each following
  the one before (a form goes on from one page into the next), read by
  :func:`jixiao.readers.grid.iter_grid_forms`. On a page with ruled lines, pdfplumber's table finder
  (lines strategy, on the visible lines) finds the tables; the cells it finds are placed on the
  table's grid of column and row edges, so that a cell spanning several rows or columns becomes a
  merged range, its text in its first cell. Text outside the tables (the form's title, ``(2024年度)``,
  ``项目名称：…`` lines, a goal printed under its heading) becomes rows of its own, in reading order (top
  to bottom), a row cut into cells where a wide gap separates two runs of text. A page without rules
  is read with pdfium the same way. Page numbers in the margins (``第 1 页/共 3 页``, ``- 2 -``) are
  left out.
- **A table going on over a page** (the same outer edges at the top of the next page, the header
  printed again or not) is put on the columns of both parts: a page shows only the edges of the cells
  it has, so the part before is laid again on the edges of both when the next shows more (a page is
  given as a grid once the next one is read). A level cell (一级/二级指标) broken by the page, empty on
  the new page, takes its level there again. A row broken by the page (Word and LibreOffice let a row
  break: ``制作器官捐`` | ``献宣传资料``) goes back whole to the page it started on: the first row of
  the new page is taken for its rest when one of its one-row cells is empty under a one-row text cell
  that is no level, and another has text that is no level of its own. Text drawn below the last table
  of a page, each piece in a column whose bottom cells are empty, is the text of a cell spanning rows
  down past the page (WeasyPrint centres it in the whole span): it goes back to those cells, merged.
- **No ruled table anywhere** (text laid out in columns, a form printed as lines of text like the
  2020 Shanghai form): the text of every page, from pdfium, goes to the text reader
  (:func:`jixiao.readers.textform.iter_forms`), line by line. The runs of text of a line are cells on
  the page's columns (where the runs of lines with several runs start), written with tabs as the 2024
  text is; unless the text writes its labels ``标签：值`` (the 2020 layout), where they are joined by a
  space. Messages name the page of their line.

Within a cell, the lines of a wrapped text are joined with nothing between them (a space between two
Latin words, or where the line ends with a space written in the PDF); characters drawn twice (fake
bold) are read once; a space is a space written in the PDF, or a gap between two Latin characters,
never a gap next to a Chinese one (justification, the spacing a word processor adds).

**Pages whose text cannot be extracted are reported, page by page, never guessed**: a page with no
text but an image (a scan) or many drawn shapes (text turned into outlines), and a page whose text
has no meaning in Unicode — more than :data:`GARBLED` of its characters: pdfminer's ``(cid:12)``,
private-use or unassigned characters (a broken ToUnicode map), characters pdfium marks as unmapped or
draws in a font with no way to Unicode (a CID font on Identity without a ToUnicode map, for which
pdfium gives the character codes as text: looked for when a page's text is not in a form's script).
Such a page is one :class:`ReadError` in the stream (``expected text that can be extracted, found …
(第 3 页)``), among the forms in page order, and the form it falls in gets a warning that it may be
missing what the page held. A few such characters on a readable page (a symbol font's check box) are
left out with a warning. Blank pages are passed over.

**Limits and bad files**: a file larger than :data:`MAX_FILE`, with more than :data:`MAX_PAGES` pages,
not starting ``%PDF-``, cut short (no ``%%EOF`` near its end), password-protected or damaged beyond
what pdfium repairs is one ReadError naming the file; a page with more than :data:`MAX_OBJECTS`
drawing objects, or one pdfminer cannot parse, is one ReadError naming its page, and the other pages
are still read. A file where no form is found is one ReadError saying what its pages held.
"""

from __future__ import annotations

import bisect
import ctypes
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from jixiao.errors import ReadError
from jixiao.model import Declaration, ReadWarning
from jixiao.readers.grid import Grid, Merge, iter_grid_forms
from jixiao.readers.textform import _INLINE_LABEL, iter_forms
from jixiao.vocabulary import level_label

if TYPE_CHECKING:
    import pypdfium2

__all__ = ["GARBLED", "MAX_FILE", "MAX_OBJECTS", "MAX_PAGES", "PdfContent", "iter_pdf_forms", "read_pdf"]

#: The largest PDF read (a form is one to three pages of some 30–100 KB with its fonts).
MAX_FILE = 64 << 20
#: Pages a PDF may have (a file of a hundred forms is some 300 pages).
MAX_PAGES = 2000
#: Drawing objects (text runs, lines, shapes, images) one page may hold; a form's page has hundreds.
MAX_OBJECTS = 100_000
#: The share of a page's characters that may have no Unicode meaning before the page is unreadable.
GARBLED = 0.1

#: A gap this wide (in character heights) between two runs of text on a line separates two cells.
_WIDE_GAP = 1.5
#: A gap this wide (in character heights) between two characters is a space (not between two CJK).
_SPACE_GAP = 0.2
#: Lines drawn closer than this (points) are one edge of a table.
_EDGE_TOLERANCE = 1.0
#: Runs of text starting this close (points) on a page without ruled tables are in one column.
_COLUMN_TOLERANCE = 3.0
#: Column edges of two tables this close (points) are the same column edge.
_ALIGN_TOLERANCE = 2.0
#: The margins (share of the page's height) where page numbers are looked for.
_MARGIN = 0.12
#: Path objects on a page without text beyond which it is text turned into shapes, not a blank page.
_SHAPES = 200

_PAGE_NUMBER = re.compile(
    r"^(第\d+页([/／,，]?共\d+页)?|共\d+页第\d+页|[-—–]?\d+[-—–]?|\d+[/／]\d+|page\d+(of\d+)?)$",
    re.IGNORECASE)

#: Characters pdfium gives that are no character of the text (line ends), and the spaces among them.
_BLANK = frozenset({0x20, 0xA0, 0x3000, 0x0D, 0x0A, 0x09, 0x02})
_SPACE = frozenset({0x20, 0xA0, 0x3000})

#: One character: its text, left, right, top and bottom (y growing downwards).
_Char = tuple[str, float, float, float, float]


# -- the entry point ---------------------------------------------------------------------------------

def iter_pdf_forms(handle: BinaryIO, file: str) -> Iterator[Declaration | ReadError]:
    """Each form in the PDF: a :class:`Declaration`, or the :class:`ReadError` that stopped it; each
    page whose text cannot be extracted is a ReadError too, in page order among the forms.

    Raises :class:`ReadError` itself when the file is not a PDF that can be read, or holds no form."""
    data = handle.read(MAX_FILE + 1)
    content = read_pdf(data, file)
    with content:
        forms = 0
        try:
            for item in content.forms():
                forms += 1
                yield item
        except ReadError:  # the text reader found no form in the text
            forms = 0
        if forms == 0:
            raise content.no_form()


def read_pdf(data: bytes, file: str) -> PdfContent:
    """Open ``data`` (the bytes of a PDF) for reading: the file-level checks are made here and raise
    :class:`ReadError`; the pages are read as :meth:`PdfContent.forms` or :meth:`PdfContent.grids`
    ask for them. Close it (or use it in a ``with``)."""
    _check_bytes(data, file)
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as err:
        raise _open_error(file, err) from None
    try:
        count = len(doc)
        if count > MAX_PAGES:
            raise ReadError(file, f"a PDF of at most {MAX_PAGES:,} pages", found=f"{count:,} pages")
        surveys = [_survey(doc, index) for index in range(count)]
    except BaseException:
        doc.close()
        raise
    return PdfContent(file, data, doc, surveys)


# -- checks on the whole file ------------------------------------------------------------------------

def _check_bytes(data: bytes, file: str) -> None:
    if len(data) > MAX_FILE:
        raise ReadError(file, f"a PDF of at most {MAX_FILE >> 20} MiB", found="a larger file")
    if not data:
        raise ReadError(file, "a PDF file", found="an empty file")
    if b"%PDF-" not in data[:1024]:
        raise ReadError(file, "a PDF file (one starting %PDF-)", found=_what(data))
    if b"%%EOF" not in data[-2048:]:
        raise ReadError(file, "a complete PDF file", found="a file cut short (no %%EOF at its end)")


def _what(data: bytes) -> str:
    """What a file that is not a PDF looks like, for the message."""
    head = data[:512]
    if head.startswith(b"PK\x03\x04"):
        return "a zip package (a Word or Excel file?)"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Office file (.doc, .xls)"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "HTML or XML"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
        except UnicodeDecodeError:
            return "binary data that is no PDF"
    return "text"


def _open_error(file: str, err: Any) -> ReadError:
    import pypdfium2.raw as pdfium_c

    code = getattr(err, "err_code", None)
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return ReadError(file, "a PDF that opens without a password",
                         found="an encrypted PDF (password-protected)")
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return ReadError(file, "a PDF that opens without a password", found="a PDF encrypted in a way pdfium "
                         "does not support")
    return ReadError(file, "a PDF that can be opened", found="a damaged PDF (its structure cannot be read)")


# -- the first pass: what is on each page ------------------------------------------------------------

@dataclass
class _Survey:
    """One page as pdfium sees it, without reading its text."""

    objects: int = 0
    images: int = 0
    paths: int = 0
    ruled: bool = False
    error: str | None = None


def _survey(doc: pypdfium2.PdfDocument, index: int) -> _Survey:
    import pypdfium2.raw as pdfium_c

    survey = _Survey()
    try:
        page = doc[index]
    except Exception:
        survey.error = "a page pdfium cannot load"
        return survey
    try:
        horizontal = vertical = 0
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
        red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
        color = [ctypes.byref(c) for c in (red, green, blue, alpha)]
        bounds = [ctypes.byref(v) for v in (left, bottom, right, top)]

        def visible(get: Callable[..., int], obj: Any) -> bool:
            shown = bool(get(obj, *color)) and alpha.value > 0
            return shown and min(red.value, green.value, blue.value) < 245

        stack = [(pdfium_c.FPDFPage_GetObject(page.raw, i), 0)
                 for i in range(pdfium_c.FPDFPage_CountObjects(page.raw))]
        while stack:
            obj, depth = stack.pop()
            survey.objects += 1
            if survey.objects > MAX_OBJECTS:
                survey.error = f"a page of more than {MAX_OBJECTS:,} drawing objects"
                break
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                if depth < 8:
                    stack.extend((pdfium_c.FPDFFormObj_GetObject(obj, i), depth + 1)
                                 for i in range(pdfium_c.FPDFFormObj_CountObjects(obj)))
                continue
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                survey.images += 1
                continue
            if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                continue
            survey.paths += 1
            if not pdfium_c.FPDFPageObj_GetBounds(obj, *bounds):
                continue
            if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
                continue
            stroked = bool(stroke.value) and visible(pdfium_c.FPDFPageObj_GetStrokeColor, obj)
            filled = fill_mode.value != 0 and visible(pdfium_c.FPDFPageObj_GetFillColor, obj)
            if not (stroked or filled):
                continue
            width, height = right.value - left.value, top.value - bottom.value
            if height <= 3 and width >= 6:
                horizontal += 1
            elif width <= 3 and height >= 6:
                vertical += 1
            elif stroked and width >= 6 and height >= 6:  # a box, or a table's rules drawn as one path
                horizontal += 2
                vertical += 2
        survey.ruled = horizontal >= 2 and vertical >= 2
    finally:
        page.close()
    return survey


# -- the pages read ----------------------------------------------------------------------------------

@dataclass
class _Problem:
    """A page that could not be read (``error``: ``reason`` says why), or characters left out of a page
    (``warning``). ``line`` is where it falls among the rows: for a page with no rows, the line of the
    first row after it."""

    page: int
    line: int
    reason: str
    error: ReadError | None = None

    @property
    def warning(self) -> bool:
        return self.error is None


@dataclass
class _Table:
    """A ruled table of a page: its column and row edges, and its cells (top, left, bottom, right) on them."""

    bbox: tuple[float, float, float, float]
    xs: list[float]
    ys: list[float]
    cells: list[Merge]
    owner: dict[tuple[int, int], int]
    texts: list[list[_Char]] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)  # the cells' texts, once read


#: A cell placed on a table's columns: top, left, bottom, right (rows of the page, from 0), text.
_Cell = tuple[int, int, int, int, str]


@dataclass
class _Continued:
    """The table a page ends with, for the page after it: its column edges, its cells (rows of its page)
    and its last row there."""

    xs: list[float]
    cells: list[_Cell]
    last: int


@dataclass
class _PageRows:
    """A page read: its rows and merged ranges and the table it ends with; for the page before, when its
    last table goes on here: that table's rows again on more columns (``redo``: first row, rows, merges)
    and the text of its last row, broken by the page, to join there (``carry``: row, column, text)."""

    number: int
    rows: list[list[str]]
    merges: list[Merge]
    blocks: list[tuple[int, int, bool]] = field(default_factory=list)  # first, end row; text outside tables
    continued: _Continued | None = None
    redo: tuple[int, list[list[str]], list[Merge]] | None = None
    carry: list[tuple[int, int, str]] = field(default_factory=list)


class PdfContent:
    """A PDF opened for reading (see :func:`read_pdf`): :meth:`forms` reads its forms; :meth:`grids` gives
    its pages as grids (a file with ruled tables), :meth:`lines` its text (a file without)."""

    def __init__(self, file: str, data: bytes, doc: pypdfium2.PdfDocument, surveys: list[_Survey]):
        self.file = file
        self.data = data
        self.doc = doc
        self.surveys = surveys
        #: Whether the file is read as tables (a ruled table on some page) rather than as text.
        self.ruled = any(s.ruled for s in surveys)
        #: Pages that could not be read and characters left out, not yet given with the forms.
        self.problems: list[_Problem] = []
        self.pages_read = 0  # pages with text read so far
        self.forms_read = 0  # forms (and forms that failed) read so far
        self._plumber: Any = None
        self._line = 0  # rows (or text lines) given so far
        self._page_lines: list[tuple[int, int]] = []  # (first line, page) of each page's text
        self._held: list[_Problem] = []  # problems of a page whose rows are not given yet
        self._fonts: frozenset[str] | None = None  # fonts with no Unicode meaning (for pdfium's text)

    def __enter__(self) -> PdfContent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()
            self._plumber = None
        self.doc.close()

    # -- forms ---------------------------------------------------------------------------------------

    def forms(self) -> Iterator[Declaration | ReadError]:
        """The forms, with each unreadable page's ReadError among them in page order (see the module)."""
        if self.ruled:
            items = iter_grid_forms(self.grids(), self.file)
        else:
            items = (self._named(item) for item in iter_forms(self.lines(), self.file))
        self.forms_read = 0
        for item in items:
            self.forms_read += 1
            start = _start(item)
            pending, self.problems = self.problems, []
            later = []
            for problem in pending:
                if problem.line < start:
                    if problem.error is not None:
                        yield problem.error
                else:
                    later.append(problem)
            if isinstance(item, Declaration) and later:
                item.warnings += [self._warning(problem) for problem in later]
                item.warnings.sort(key=lambda w: w.line or 0)
            yield item
            for problem in later:
                if problem.error is not None:
                    yield problem.error
        if self.forms_read == 0:
            return  # the caller says what the pages held instead (no_form)
        for problem in self.problems:
            if problem.error is not None:
                yield problem.error
        self.problems = []

    def _warning(self, problem: _Problem) -> ReadWarning:
        if problem.warning:
            message = f"{problem.reason} (第 {problem.page} 页)"
        else:
            message = (f"page {problem.page} could not be read ({problem.reason}): this form may be missing "
                       f"what it held (第 {problem.page} 页)")
        return ReadWarning(file=self.file, line=problem.line, message=message)

    def no_form(self) -> ReadError:
        """The error for a file in which no form was found, saying what its pages held."""
        bad = {p.page: p.reason for p in self.problems if p.error is not None}
        count = len(self.surveys)
        if count == 0:
            return ReadError(self.file, "a performance-target form", found="a PDF with no pages")
        if bad and self.pages_read == 0:
            return ReadError(self.file, "a PDF with text that can be extracted", found=_page_reasons(bad))
        pages = f"{count} page{'s' if count > 1 else ''}"
        if self.pages_read == 0:
            return ReadError(self.file, "a performance-target form", found=f"no text on its {pages} (blank)")
        found = f"no such label on its {pages}"
        if bad:
            found += f"; {_page_reasons(bad)}"
        return ReadError(self.file, "a performance-target form: a row with the label 项目名称", found=found)

    def _text_chars(self, index: int) -> tuple[list[_Char], tuple[float, float]]:
        """A page's characters from pdfium. Text that does not look like a form's is read again, the
        characters of fonts with no way to Unicode (:func:`_unmapped_fonts`, read once) then marked."""
        chars, extent = _pdfium_chars(self.doc, index)
        if _implausible(chars):
            if self._fonts is None:
                self._fonts = _unmapped_fonts(self.data)
            if self._fonts:
                chars, extent = _pdfium_chars(self.doc, index, self._fonts)
        return chars, extent

    # -- problems ------------------------------------------------------------------------------------
    # A page's problems are held until its place among the rows is known: a page with rows gives them
    # the line of its first row (:meth:`_grid`); an unreadable page, the line of the first row after it.

    def _page_error(self, number: int, reason: str) -> None:
        error = ReadError(self.file, "text that can be extracted", found=f"{reason} (第 {number} 页)")
        self._held.append(_Problem(number, 0, reason, error))

    def _no_text(self, number: int, survey: _Survey) -> None:
        """A page without characters: a scan or text drawn as shapes is a problem; a blank page is not."""
        if survey.images:
            self._page_error(number, "an image with no text layer (a scanned page?)")
        elif survey.paths >= _SHAPES:
            self._page_error(number, "no text layer: its text is drawn as shapes")

    def _readable(self, number: int, chars: list[_Char]) -> list[_Char] | None:
        """The characters of a page with those that have no Unicode meaning left out (with a warning), or
        None when too many have none (the page is then unreadable)."""
        bad = sum(1 for c in chars if _meaningless(c[0]))
        if not bad:
            return chars
        total = sum(1 for c in chars if not c[0].isspace())
        if bad > GARBLED * total:
            self._page_error(number, f"text with no Unicode meaning ({bad} of its {total} characters: a font "
                                     "with a missing or broken ToUnicode map)")
            return None
        self._held.append(_Problem(number, 0, f"{bad} character{'s' if bad > 1 else ''} with no Unicode "
                                              "meaning left out (a symbol font?)"))
        return [c for c in chars if not _meaningless(c[0])]

    def _place(self, number: int, line: int) -> None:
        """Page ``number``'s held problems fall at ``line``."""
        for problem in self._held:
            if problem.page == number:
                problem.line = line
                self.problems.append(problem)
        self._held = [p for p in self._held if p.page != number]

    # -- pages as grids --------------------------------------------------------------------------------

    def grids(self) -> Iterator[Grid]:
        """Every page as a grid named ``第 N 页`` that follows the one before (a file with ruled tables).
        Pages that cannot be read give no grid: they are in :attr:`problems`. A page is given once the
        next one is read: the text of a table row broken by the page goes back to it."""
        pending: _PageRows | None = None
        for index, survey in enumerate(self.surveys):
            number = index + 1
            page = self._grid_page(index, survey, pending.continued if pending is not None else None)
            if page is not None and pending is not None:
                if page.redo is not None:
                    first, rows, merges = page.redo
                    pending.rows[first:first + len(rows)] = rows
                    pending.merges = [m for m in pending.merges if m[0] < first] + merges
                for row, col, text in page.carry:
                    pending.rows[row][col] = _join(pending.rows[row][col], text)
            if pending is not None:
                yield from self._grids(pending)
            if page is None:
                self._place(number, self._line + 1)
            pending = page
        if pending is not None:
            yield from self._grids(pending)

    def _grids(self, page: _PageRows) -> list[Grid]:
        """A page as grids named ``第 N 页``: one for each table, one for each run of lines of text."""
        first = self._line + 1
        self._line += len(page.rows)
        self._place(page.number, first)
        name = f"第 {page.number} 页"
        out = []
        for start, end, outside in page.blocks:
            merges = [(top - start, left, bottom - start, right) for top, left, bottom, right in page.merges
                      if start <= top < end]
            out.append(Grid(name, page.rows[start:end], merges, lines=range(first + start, first + end),
                            follows=True, outside_tables=outside))
        return out

    def _grid_page(self, index: int, survey: _Survey, continued: _Continued | None) -> _PageRows | None:
        """A page as rows (None: it gives none; an unreadable page is then a held problem)."""
        number = index + 1
        if survey.error is not None:
            self._page_error(number, survey.error)
            return None
        try:
            if survey.ruled:
                chars, extent, tables = self._plumber_page(index)
            else:
                (chars, extent), tables = self._text_chars(index), []
        except _Unreadable as err:
            self._page_error(number, err.reason)
            return None
        if not chars:
            self._no_text(number, survey)
            return None
        readable = self._readable(number, chars)
        if readable is None:
            return None
        self.pages_read += 1
        page = _page_rows(number, readable, extent, tables, continued)
        return page if page.rows else None

    def _plumber_page(self, index: int) -> tuple[list[_Char], tuple[float, float], list[_Table]]:
        """The characters and ruled tables of a page, from pdfplumber."""
        import pdfplumber

        try:
            if self._plumber is None:
                self._plumber = pdfplumber.open(io.BytesIO(self.data))
            page = self._plumber.pages[index]
            try:
                chars = [(c["text"], float(c["x0"]), float(c["x1"]), float(c["top"]), float(c["bottom"]))
                         for c in page.chars]
                extent = (float(page.bbox[1]), float(page.bbox[3]))
                tables = [_table(t) for t in page.filter(_visible).find_tables(
                    {"vertical_strategy": "lines", "horizontal_strategy": "lines"})] if chars else []
            finally:
                page.close()
        except Exception as err:  # pdfminer raises anything on a damaged page
            reason = f"{type(err).__name__}: {str(err)[:120]}"
            raise _Unreadable(f"a page that cannot be parsed ({reason})") from None
        return chars, extent, [t for t in tables if t is not None]

    # -- pages as text -------------------------------------------------------------------------------

    def lines(self) -> Iterator[str]:
        """The text of every page, line by line (a file without ruled tables; see the module)."""
        pages: list[tuple[int, list[list[tuple[float, float, str]]]]] = []
        for index, survey in enumerate(self.surveys):
            number = index + 1
            if survey.error is not None:
                self._page_error(number, survey.error)
                continue
            try:
                chars, extent = self._text_chars(index)
            except _Unreadable as err:
                self._page_error(number, err.reason)
                continue
            if not chars:
                self._no_text(number, survey)
                continue
            readable = self._readable(number, chars)
            if readable is None:
                continue
            self.pages_read += 1
            pages.append((number, [segments for _, segments, _ in _segmented(readable, extent)]))
        problems, self._held = self._held, []
        labelled = sum(1 for _, lines in pages for line in lines
                       if _INLINE_LABEL.search(" ".join(text for _, _, text in line))) >= 2
        for number, page_lines in pages:
            first = self._line + 1
            self._page_lines.append((first, number))
            due = [p for p in problems if p.page <= number]  # this page's, and unreadable pages before it
            problems = [p for p in problems if p.page > number]
            for problem in due:
                problem.line = first
            self.problems += due
            cells = _columns(page_lines) if not labelled else [[t for _, _, t in line] for line in page_lines]
            for line_cells in cells:
                self._line += 1
                yield (" " if labelled else "\t").join(line_cells)
        for problem in problems:
            problem.line = self._line + 1
        self.problems += problems

    def _named(self, item: Declaration | ReadError) -> Declaration | ReadError:
        """A text reader's item with the page of its line added to its messages: ``… (第 2 页)``."""
        if isinstance(item, ReadError):
            return ReadError(item.file, item.expected, line=item.line,
                             found=_where(item.found, self._page_name(item.line)))
        item.warnings = [w.model_copy(update={"message": _where(w.message, self._page_name(w.line))})
                         for w in item.warnings]
        return item

    def _page_name(self, line: int | None) -> str | None:
        if line is None or not self._page_lines:
            return None
        at = bisect.bisect_right(self._page_lines, (line, 1 << 30)) - 1
        return f"第 {self._page_lines[max(at, 0)][1]} 页"


class _Unreadable(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _start(item: Declaration | ReadError) -> int:
    line = item.line
    return line if line is not None else 1 << 30


def _where(text: str | None, name: str | None) -> str:
    if name is None:
        return text or ""
    return f"{text} ({name})" if text else name


def _page_reasons(bad: dict[int, str]) -> str:
    """``page 1: an image …; pages 2–4: …`` (the page named in each reason taken out)."""
    by_reason: dict[str, list[int]] = {}
    for page, reason in sorted(bad.items()):
        by_reason.setdefault(re.sub(r" \(\d+ of its \d+ characters: ", " (", reason), []).append(page)
    parts = []
    for reason, pages in by_reason.items():
        parts.append(f"{'page' if len(pages) == 1 else 'pages'} {_ranges(pages)}: {reason}")
    return "; ".join(parts)


def _ranges(pages: list[int]) -> str:
    out: list[str] = []
    start = prev = pages[0]
    for page in [*pages[1:], None]:
        if page is not None and page == prev + 1:
            prev = page
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if page is not None:
            start = prev = page
    return ", ".join(out)


#: What the text of a form is written in: ASCII, Latin-1, punctuation and symbols, CJK symbols, kana,
#: the CJK ideographs, full-width forms (code point ranges, both ends included).
_PLAUSIBLE = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x27BF), (0x2E80, 0x33FF), (0x4E00, 0x9FFF),
              (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
_PLAUSIBLE_STARTS = [start for start, _ in _PLAUSIBLE]


def _implausible(chars: list[_Char]) -> bool:
    """Whether more than a few of a page's characters are outside what a form is written in: what pdfium
    gives for a font with no way to Unicode (its character codes: Latin Extended, IPA, Hangul, Yi …)."""
    odd = 0
    for char in chars:
        code = ord(char[0][0])
        at = bisect.bisect_right(_PLAUSIBLE_STARTS, code) - 1
        if at < 0 or code > _PLAUSIBLE[at][1]:
            odd += 1
    return odd > max(2, 0.05 * len(chars))


def _meaningless(text: str) -> bool:
    """A character with no meaning in Unicode: pdfminer's ``(cid:N)``, private use, unassigned, control."""
    if len(text) != 1:
        return text.startswith("(cid:") or any(_meaningless(c) for c in text)
    if text in "\t\n\r":
        return False
    return unicodedata.category(text) in ("Co", "Cn", "Cs", "Cc") or text in "\ufffd\ufffe\uffff"


# -- pdfium: characters --------------------------------------------------------------------------------

def _unmapped_fonts(data: bytes) -> frozenset[str]:
    """The base names of the fonts of a PDF whose characters have no Unicode meaning: a font with no
    ToUnicode map and no other way to one (a CID font on Identity, as most PDF writers embed CJK fonts).
    pdfminer gives their characters as ``(cid:N)``; pdfium gives the character codes as if they were
    Unicode (Latin letters, or CJK characters for a large font), which no check on the text can tell
    from text. Read from the font dictionaries alone (no page is laid out)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdffont import PDFCIDFont
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psparser import LIT

    font_type, composite = LIT("Font"), LIT("Type0")
    found: set[str] = set()
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        resources = PDFResourceManager(caching=False)
        for xref in document.xrefs:
            for objid in xref.get_objids():
                try:
                    spec = document.getobj(objid)
                    if not (isinstance(spec, dict) and spec.get("Type") is font_type
                            and spec.get("Subtype") is composite and "ToUnicode" not in spec):
                        continue
                    font = resources.get_font(objid, spec)
                except Exception:  # a damaged object: the pages say what they can
                    continue
                if isinstance(font, PDFCIDFont) and font.unicode_map is None:
                    found.add(str(font.basefont))
    except Exception:  # pdfminer cannot read the file's structure: the pages will say so
        return frozenset()
    return frozenset(found)


def _pdfium_chars(doc: pypdfium2.PdfDocument, index: int, unmapped: frozenset[str] = frozenset()
                  ) -> tuple[list[_Char], tuple[float, float]]:
    """The characters of a page with their loose boxes (the font's height, the advance's width), y down,
    and the page's extent (top, bottom). A character pdfium marks as having no Unicode mapping, or drawn
    in one of the fonts ``unmapped``, comes as U+FFFD."""
    import pypdfium2.raw as pdfium_c

    page = doc[index]
    try:
        _left, lowest, _right, highest = page.get_bbox()
        text_page = pdfium_c.FPDFText_LoadPage(page.raw)
        if not text_page:
            raise _Unreadable("a page whose text pdfium cannot load")
        try:
            count = pdfium_c.FPDFText_CountChars(text_page)
            rect = pdfium_c.FS_RECTF()
            ref = ctypes.byref(rect)
            get_unicode, generated = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_IsGenerated
            map_error, box = pdfium_c.FPDFText_HasUnicodeMapError, pdfium_c.FPDFText_GetLooseCharBox
            chars: list[_Char] = []
            high = 0
            name = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            font_of = pdfium_c.FPDFText_GetFontInfo
            for i in range(count):
                code = get_unicode(text_page, i)
                if code in _BLANK:
                    if code in _SPACE and generated(text_page, i) != 1 and box(text_page, i, ref):
                        chars.append((" ", rect.left, rect.right, -rect.top, -rect.bottom))
                    continue
                if 0xD800 <= code < 0xDC00:
                    high = code
                    continue
                if 0xDC00 <= code < 0xE000 and high:
                    code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                    high = 0
                if code == 0 or map_error(text_page, i) == 1:
                    code = 0xFFFD
                elif unmapped:
                    size = font_of(text_page, i, name, 256, ctypes.byref(flags))
                    if 0 < size <= 256 and name.raw[:size - 1].decode("utf-8", "replace") in unmapped:
                        code = 0xFFFD
                if not box(text_page, i, ref):
                    continue
                chars.append((chr(code), rect.left, rect.right, -rect.top, -rect.bottom))
        finally:
            pdfium_c.FPDFText_ClosePage(text_page)
    finally:
        page.close()
    if all(c[0] == " " for c in chars):
        return [], (-highest, -lowest)
    return _em_boxes(chars), (-highest, -lowest)


def _em_boxes(chars: list[_Char]) -> list[_Char]:
    """pdfium's loose boxes are as high as the font's ascent and descent (1.45 em for Noto CJK, 1 em for
    SimSun): make them one em high, as pdfplumber's are, so that gaps are measured alike. A CJK
    character's advance is one em; the page's ratio of that to the box's height gives the others'."""
    ratios = sorted((c[2] - c[1]) / (c[4] - c[3]) for c in chars if c[4] > c[3] and _is_wide(c[0][0]))
    ratio = ratios[len(ratios) // 2] if ratios else 1 / 1.2
    out: list[_Char] = []
    for text, x0, x1, top, bottom in chars:
        middle, em = (top + bottom) / 2, (bottom - top) * ratio
        out.append((text, x0, x1, middle - em / 2, middle + em / 2))
    return out


# -- lines of text -----------------------------------------------------------------------------------

def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _lines(chars: Iterable[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines, top to bottom, each line left to right."""
    lines: list[list[_Char]] = []
    bottom = float("-inf")
    for char in sorted(chars, key=lambda c: c[3] + c[4]):
        middle = (char[3] + char[4]) / 2
        if lines and middle <= bottom:
            lines[-1].append(char)
        else:
            lines.append([char])
            bottom = char[4]
    for line in lines:
        line.sort(key=lambda c: c[1])
    return lines


#: A run of text on a line: left, right, text.
_Segment = tuple[float, float, str]


def _segments(line: list[_Char]) -> list[_Segment]:
    """A line as runs of text, cut where a wide gap separates them. Within a run, a space written in the
    PDF is a space; a gap with no space written is one only between two Latin characters (next to a
    Chinese one it is the spacing a word processor adds, or justification)."""
    out: list[_Segment] = []
    parts: list[str] = []
    start = 0.0
    prev: _Char | None = None
    space = False
    for char in line:
        text, x0, _x1, top, bottom = char
        if text.isspace():
            space = prev is not None
            continue
        if prev is not None:
            size = max(prev[4] - prev[3], bottom - top, 1.0)
            gap = x0 - prev[2]
            if text == prev[0] and abs(x0 - prev[1]) < 0.3 * size:
                continue  # drawn twice (fake bold)
            if gap > _WIDE_GAP * size:
                out.append((start, prev[2], "".join(parts)))
                parts = []
                start = x0
            elif space or (gap > _SPACE_GAP * size and not _is_wide(prev[0][-1]) and not _is_wide(text[0])):
                parts.append(" ")
        else:
            start = x0
        parts.append(text)
        prev = char
        space = False
    if prev is not None:
        out.append((start, prev[2], "".join(parts)))
    return out


def _segmented(chars: list[_Char], extent: tuple[float, float]
               ) -> list[tuple[float, list[_Segment], list[_Char]]]:
    """The lines of text outside tables as (top, runs, characters), page numbers in the margins left out."""
    top, bottom = extent
    margin = _MARGIN * max(bottom - top, 1.0)
    out = []
    for line in _lines(chars):
        segments = _segments(line)
        if not segments:
            continue
        line_top = min(c[3] for c in line)
        if (line_top < top + margin or line_top > bottom - margin) and _PAGE_NUMBER.match(
                "".join("".join(text for _, _, text in segments).split())):
            continue
        out.append((line_top, segments, line))
    return out


def _columns(lines: list[list[_Segment]]) -> list[list[str]]:
    """The lines of a page as cells on the page's columns (empty cells where a line has nothing in a
    column), as a table's text is. The columns are where the runs of lines with several runs start; a
    line of one run (a title, a wrapped text) is in the column it starts in, or the first."""
    starts = _cluster((x for line in lines if len(line) > 1 for x, _, _ in line), _COLUMN_TOLERANCE)
    out: list[list[str]] = []
    for line in lines:
        cells: list[str] = []
        for x, _, text in line:
            at = bisect.bisect_left(starts, x - _COLUMN_TOLERANCE)
            column = at if at < len(starts) and abs(starts[at] - x) <= _COLUMN_TOLERANCE else None
            if column is None:
                column = len(cells) if len(line) > 1 else 0
            column = max(column, len(cells))
            cells += [""] * (column - len(cells))
            cells.append(text)
        out.append(cells)
    return out


def _cell_text(chars: list[_Char]) -> str:
    """The text of a cell: its lines joined with nothing between them (a space between Latin words, or
    where the line ends with a space written in the PDF)."""
    text = ""
    space = False
    for line in _lines(chars):
        text = _join(text, " ".join(t for _, _, t in _segments(line)), space=space)
        space = line[-1][0].isspace()
    return text


def _join(text: str, more: str, *, space: bool = False) -> str:
    """``more`` after ``text`` as the next line of a wrapped text: a space only between two Latin words
    (or with ``space``: the line ended with one)."""
    more = more.strip()
    if not text or not more:
        return text or more
    return f"{text} {more}" if space or (_latin(text[-1]) and _latin(more[0])) else text + more


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# -- pdfplumber: ruled tables --------------------------------------------------------------------------

def _visible(obj: dict[str, Any]) -> bool:
    """Whether a drawn object shows on white paper (a white rectangle behind the page is no table)."""
    kind = obj.get("object_type")
    if kind not in ("rect", "curve", "line"):
        return True
    if obj.get("stroke", kind == "line") and not _white(obj.get("stroking_color")):
        return True
    return bool(obj.get("fill")) and not _white(obj.get("non_stroking_color"))


def _white(color: Any) -> bool:
    if color is None:  # not given: the default, black
        return False
    if isinstance(color, int | float):
        color = (color,)
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):  # a pattern: drawn, whatever it looks like
        return False
    if len(values) == 1:
        return values[0] >= 0.96
    if len(values) == 3:
        return min(values) >= 0.96
    if len(values) == 4:
        return max(values) <= 0.04
    return False


def _cluster(values: Iterable[float], tolerance: float = _EDGE_TOLERANCE) -> list[float]:
    """Sorted values, those within ``tolerance`` of the one before taken as one."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > tolerance:
            out.append(value)
    return out


def _index(edges: list[float], value: float) -> int:
    """The edge ``value`` is (within the tolerance)."""
    at = bisect.bisect_left(edges, value - _EDGE_TOLERANCE)
    return min(at, len(edges) - 1)


def _table(found: Any) -> _Table | None:
    """A pdfplumber table as cells on its grid of edges (spans recovered from the cells' rectangles)."""
    boxes = [tuple(map(float, c)) for c in found.cells]
    if not boxes:
        return None
    xs = _cluster(v for b in boxes for v in (b[0], b[2]))
    ys = _cluster(v for b in boxes for v in (b[1], b[3]))
    cells: list[Merge] = []
    owner: dict[tuple[int, int], int] = {}
    for x0, top, x1, bottom in boxes:
        left, right = _index(xs, x0), _index(xs, x1) - 1
        upper, lower = _index(ys, top), _index(ys, bottom) - 1
        if right < left or lower < upper:
            continue
        number = len(cells)
        cells.append((upper, left, lower, right))
        for row in range(upper, lower + 1):
            for col in range(left, right + 1):
                owner.setdefault((row, col), number)
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    return _Table(bbox, xs, ys, cells, owner, [[] for _ in cells])


def _page_rows(number: int, chars: list[_Char], extent: tuple[float, float], tables: list[_Table],
               continued: _Continued | None) -> _PageRows:
    """A page as rows of cells and merged ranges, in reading order (top to bottom)."""
    # A table inside another (a frame drawn round the page) is the table; the frame is not.
    tables = [t for t in tables if not any(o is not t and _inside(o.bbox, t.bbox) for o in tables)]
    tables.sort(key=lambda t: t.bbox[1])
    outside: list[_Char] = []
    for char in chars:
        x, y = (char[1] + char[2]) / 2, (char[3] + char[4]) / 2
        for table in tables:
            x0, top, x1, bottom = table.bbox
            if x0 <= x <= x1 and top <= y <= bottom:
                col = min(bisect.bisect_right(table.xs, x) - 1, len(table.xs) - 2)
                row = min(bisect.bisect_right(table.ys, y) - 1, len(table.ys) - 2)
                cell = table.owner.get((row, col))
                if cell is not None:
                    table.texts[cell].append(char)
                    break
        else:
            outside.append(char)
    for table in tables:
        table.strings = [_cell_text(chars) for chars in table.texts]
    blocks: list[tuple[float, int, tuple[list[_Segment], list[_Char]] | _Table]] = []
    if outside:
        blocks.extend((top, 1, (segments, line)) for top, segments, line in _segmented(outside, extent))
    blocks.extend((t.bbox[1], 0, t) for t in tables)
    blocks.sort(key=lambda b: (b[0], b[1]))
    last = max((i for i, b in enumerate(blocks) if isinstance(b[2], _Table)), default=None)
    if last is not None and last < len(blocks) - 1:
        table = blocks[last][2]
        assert isinstance(table, _Table)
        after = [b[2] for b in blocks[last + 1:]]
        if all(not isinstance(line, _Table) and _overflow(table, line[1], dry=True) for line in after):
            for line in after:
                assert not isinstance(line, _Table)
                _overflow(table, line[1], dry=False)
            del blocks[last + 1:]

    page = _PageRows(number, [], [])
    for position, (_, _, block) in enumerate(blocks):
        if not isinstance(block, _Table):
            if page.blocks and page.blocks[-1][2]:
                page.blocks[-1] = (page.blocks[-1][0], len(page.rows) + 1, True)
            else:
                page.blocks.append((len(page.rows), len(page.rows) + 1, True))
            page.rows.append([text for _, _, text in block[0]])
            page.continued = None
            continue
        before = continued if position == 0 else None
        offset = len(page.rows)
        table_rows, merges, page.continued, back = _table_rows(block, before, offset)
        if position == 0:
            page.redo, page.carry = back
        page.blocks.append((offset, offset + len(table_rows), False))
        page.rows += table_rows
        page.merges += [(top + offset, left, bottom + offset, right) for top, left, bottom, right in merges]
    return page


def _overflow(table: _Table, line: list[_Char], *, dry: bool) -> bool:
    """Text drawn below the table a page ends with, each piece inside a column whose cells at the table's
    bottom are empty: the text of a cell spanning rows down past the page, drawn where the whole span
    would have put it (WeasyPrint centres it so). It goes to the top of the run of empty one-column
    cells at the bottom of its column, which become one merged cell. With ``dry``, only whether it fits."""
    last = len(table.ys) - 2
    columns: dict[int, list[_Char]] = {}
    for char in line:
        if char[0].isspace():
            continue
        col = bisect.bisect_right(table.xs, (char[1] + char[2]) / 2) - 1
        if not 0 <= col < len(table.xs) - 1:
            return False
        columns.setdefault(col, []).append(char)
    for col, chars in columns.items():
        run: list[int | None] = []  # the cells (None: no cell, the rule under the span not drawn) upwards
        for row in range(last, -1, -1):
            number = table.owner.get((row, col))
            if number is not None and (table.strings[number] or table.cells[number][1:4:2] != (col, col)):
                break
            run.append(number)
        if not run:
            return False
        if not dry:
            for number in run:
                if number is not None:
                    table.cells[number] = (-1, col, -1, col)  # taken into the merged cell
            table.cells.append((last - len(run) + 1, col, last, col))
            table.strings.append(_cell_text(chars))
    return bool(columns)


def _inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    t = _ALIGN_TOLERANCE
    return (outer[0] - t <= inner[0] and outer[1] - t <= inner[1] and inner[2] <= outer[2] + t
            and inner[3] <= outer[3] + t and inner != outer)


def _table_rows(table: _Table, before: _Continued | None, offset: int) -> tuple[
        list[list[str]], list[Merge], _Continued,
        tuple[tuple[int, list[list[str]], list[Merge]] | None, list[tuple[int, int, str]]]]:
    """A table's rows and merged ranges (its first row at page row ``offset``), the table as the next page
    sees it, and what goes back to the page before (see :class:`_PageRows`).

    ``before`` is the table the page before ended with, when this one is first on its page. If their outer
    edges say it is the same table going on, both are put on the same columns (the edges of both: a page
    may show edges the other does not), a level cell broken by the page (empty here) takes its level
    again, and a row broken by the page (:func:`_broken_row`) goes back to the row above: its texts are
    joined to those cells' and it is dropped here."""
    cells: list[_Cell] = [(top + offset, left, bottom + offset, right, table.strings[number])
                          for number, (top, left, bottom, right) in enumerate(table.cells) if top >= 0]
    xs = table.xs
    redo: tuple[int, list[list[str]], list[Merge]] | None = None
    carry: list[tuple[int, int, str]] = []
    drop = False
    if before is not None and _same_table(table.xs, before.xs):
        xs = _cluster([*before.xs, *table.xs], _ALIGN_TOLERANCE)
        old = _on(before.cells, before.xs, xs)
        cells = _on(cells, table.xs, xs)
        if len(xs) != len(before.xs):
            first = min(c[0] for c in old)
            rows, merges = _render(old, first, before.last - first + 1, len(xs) - 1)
            redo = (first, rows, merges)
        under = {(c[1], c[3]): c for c in old if c[2] == before.last}
        above = {i: under.get((c[1], c[3])) for i, c in enumerate(cells) if c[0] == offset}
        if _broken_row(cells, above, offset):
            drop = True
            for index, cell in above.items():
                top, left, bottom, right, text = cells[index]
                if text and cell is not None:
                    carry.append((cell[0], cell[1], text))
                    joined = _join(cell[4], text)
                    cells[index] = (top, left, bottom, right, joined if level_label(joined) else "")
        for index, cell in above.items():
            top, left, bottom, right, text = cells[index]
            if not text and cell is not None and level_label(cell[4]):
                cells[index] = (top, left, bottom, right, cell[4])  # the level goes on
    height = len(table.ys) - 1
    if drop:  # the first row went back to the page before
        cells = [(max(top - 1, offset), left, bottom - 1, right, text)
                 for top, left, bottom, right, text in cells if bottom > offset]
        height -= 1
    rows, merges = _render(cells, offset, height, len(xs) - 1)
    merges = [(top - offset, left, bottom - offset, right) for top, left, bottom, right in merges]
    return rows, merges, _Continued(xs, cells, offset + height - 1), (redo, carry)


def _same_table(xs: list[float], before: list[float]) -> bool:
    """Whether a table at the top of a page goes on from the one the page before ended with: the same
    outer edges (the columns between may differ: a page shows the edges of the cells it has)."""
    return abs(xs[0] - before[0]) <= _ALIGN_TOLERANCE and abs(xs[-1] - before[-1]) <= _ALIGN_TOLERANCE


def _on(cells: list[_Cell], old: list[float], new: list[float]) -> list[_Cell]:
    """Cells on the column edges ``old`` put on the edges ``new`` (which hold them all)."""
    index = [min(bisect.bisect_left(new, x - _ALIGN_TOLERANCE), len(new) - 1) for x in old]
    return [(top, index[left], bottom, index[right + 1] - 1, text)
            for top, left, bottom, right, text in cells]


def _render(cells: list[_Cell], first: int, height: int, width: int) -> tuple[list[list[str]], list[Merge]]:
    """Rows ``first`` … of cells: each text in its first cell, the cells spanning more merged ranges."""
    rows = [[""] * width for _ in range(height)]
    merges: list[Merge] = []
    for top, left, bottom, right, text in cells:
        if not 0 <= top - first < height:
            continue
        if text:
            slot = rows[top - first]
            slot[left] = _join(slot[left], text) if slot[left] else text
        if bottom > top or right > left:
            merges.append((top, left, bottom, right))
    return rows, merges


def _broken_row(cells: list[_Cell], above: dict[int, _Cell | None], first: int) -> bool:
    """Whether the first row of a table going on from the page before is the rest of that page's last row:
    a one-row cell of it is empty under a one-row text cell that is no level, and another has text that
    is no level of its own."""
    left_empty = has_text = False
    for index, cell in above.items():
        _top, _left, bottom, _right, text = cells[index]
        if text:
            has_text = has_text or level_label(text) is None
        elif (bottom == first and cell is not None and cell[0] == cell[2] and cell[4]
              and not level_label(cell[4])):
            left_empty = True
    return left_empty and has_text
