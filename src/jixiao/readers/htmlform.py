"""Forms in HTML pages (.html, .htm; .mht/.mhtml web archives): a page saved from a government site.

The page is parsed with the standard library's :class:`html.parser.HTMLParser` (no browser, no
dependency) into the grids of :mod:`jixiao.readers.grid`, in reading order:

- each ``<table>`` is a grid: ``rowspan``/``colspan`` are placed as a browser places them and become
  merged ranges (a ``rowspan`` reaching past the table's last row stops there; ``rowspan="0"`` spans to
  its end; ``colspan`` is at most 1000); ``<th>`` is a cell like ``<td>``; a ``<caption>`` is a paragraph
  above the table; tables inside tables are flattened in reading order (:mod:`jixiao.readers.flow`): a
  cell holding a table is read after its row, paragraph by paragraph and table by table, so a page laid
  out in one big table reads like the page;
- text outside tables (headings, paragraphs, a ``<div>``, each line of a ``<pre>``, split at its tabs)
  is a row of its own, a ``<br>`` starting a new one; inside a cell, ``<br>`` and paragraphs are lines of
  the cell (joined as wrapped lines);
- white space is folded as a browser folds it (``&nbsp;`` and the ideographic space included), and a
  line break of the source between two Chinese characters is dropped as it is in Chinese text;
  entities are decoded; ``<script>``, ``<style>``, ``<head>`` and form controls are not read.

The charset is taken from a byte-order mark, else from the ``<meta charset>`` or ``<meta
http-equiv="Content-Type">`` of the page's first 4 KiB, else UTF-8; GB2312 and GBK (common on government
sites) are read as their superset GB18030. Bytes that do not decode in the declared charset are tried as
UTF-8 and GB18030 (a page saved in one and declared in the other); when neither decodes, the error names
the line of the first bad byte.

Messages give the page's source line of each row (where its ``<tr>`` or its paragraph starts) and name
the table (``表 2``; ``表 2.1`` for the first table inside it).
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import BinaryIO

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.flow import Block, Cell, Flow, Table
from jixiao.readers.grid import Grid, Merge, iter_grid_forms

__all__ = ["MAX_FILE", "SUFFIXES", "decode_page", "html_grids", "iter_html_forms"]

SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml"})
#: The largest page read.
MAX_FILE = 64 << 20
#: Columns a ``colspan`` may span (as browsers clamp it), and cells one table may hold.
MAX_COLSPAN = 1000
MAX_TABLE_CELLS = 1_000_000

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_GB = {"gb2312", "gbk", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn",
       "csgb2312", "gb18030", "chinese", "iso-ir-58"}
_PAGE = "an HTML page"


def iter_html_forms(handle: BinaryIO, file: str) -> Iterator[Declaration | ReadError]:
    """Each form of the page: a :class:`Declaration`, or the :class:`ReadError` that stopped it.

    Raises :class:`ReadError` itself when the file cannot be decoded or holds no form."""
    grids, tables = _grids(handle.read(MAX_FILE + 1), file)
    read = 0
    for item in iter_grid_forms(grids, file):
        read += 1
        yield item
    if read == 0:
        found = ("a page with no table and no such label" if not tables else
                 f"no such label in its {tables} table{'' if tables == 1 else 's'} or its text")
        raise ReadError(file, "a performance-target form: a table or text with the label 项目名称",
                        found=found)


def html_grids(data: bytes, file: str) -> list[Grid]:
    """The page as grids (text outside tables, tables with their merged ranges), as the form reader sees
    it; :class:`ReadError` when ``data`` cannot be read as a page."""
    return _grids(data, file)[0]


def _grids(data: bytes, file: str) -> tuple[list[Grid], int]:
    if len(data) > MAX_FILE:
        raise ReadError(file, f"{_PAGE} of at most {MAX_FILE >> 20} MiB", found="a larger file")
    if not data.strip():
        raise ReadError(file, _PAGE, found="an empty file")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError(file, _PAGE, found="binary data (a NUL byte)")
    if data.lstrip()[:13].lower() == b"mime-version:":
        data = _archived_page(data, file)
    text = decode_page(data, file)
    parser = _Parser()
    try:
        parser.feed(text)
        parser.close()
    except _TooLarge as err:
        raise ReadError(file, f"tables of at most {MAX_TABLE_CELLS:,} cells", line=err.line,
                        found="a larger one") from None
    return parser.flow.grids_so_far(), parser.flow.tables


# -- bytes to text -----------------------------------------------------------------------------------

def decode_page(data: bytes, file: str) -> str:
    """The page's text: by its BOM, else its declared charset, else UTF-8 (then GB18030)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _decode(data[len(bom):], [encoding], file)
    label = declared = None
    m = _META.search(data[:4096])
    if m is not None:
        label = m.group(1).decode("ascii", "replace")
        declared = _charset(label)
    candidates = [declared] if declared else []
    candidates += [e for e in ("utf-8", "gb18030") if e not in candidates]
    return _decode(data, candidates, file, declared=label)


def _charset(name: str) -> str | None:
    label = name.strip().lower()
    if label in _GB:
        return "gb18030"
    if label in ("utf8", "unicode-1-1-utf-8"):
        return "utf-8"
    try:
        found = codecs.lookup(label).name
    except LookupError:
        return None
    return "gb18030" if found in ("gbk", "gb2312") else found


def _decode(data: bytes, candidates: list[str], file: str, *, declared: str | None = None) -> str:
    first: UnicodeDecodeError | None = None
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as err:
            first = first or err
    assert first is not None
    line = data[: first.start].count(b"\n") + 1
    said = f" (the page declares {declared})" if declared else ""
    raise ReadError(file, f"a page in UTF-8 or GB18030{said}", line=line,
                    found=f"bytes that decode in neither ({data[first.start:first.start + 4].hex(' ')})")


def _archived_page(data: bytes, file: str) -> bytes:
    """The HTML of a web archive (.mht, Word's "single file web page"): its first text/html part."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset()
                if charset and not _META.search(payload[:4096]):
                    payload = f'<meta charset="{charset}">'.encode("ascii", "replace") + payload
                return payload
    raise ReadError(file, "a web archive (.mht) holding an HTML page", found="no text/html part")


# -- the parser --------------------------------------------------------------------------------------

_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
                    "blockquote", "section", "article", "header", "footer", "nav", "aside", "main", "figure",
                    "figcaption", "address", "hr", "pre", "form", "fieldset", "legend", "center", "details",
                    "summary", "body", "html"})
_SKIP = frozenset({"script", "style", "title", "noscript", "template", "select", "option", "textarea",
                   "button", "object", "svg", "math", "iframe", "noframes"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "param",
                   "source", "track"})
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u3000\u2002\u2003\u2009\u200b]+")
_BREAK = re.compile(r"[ \t\r\f\v\u00a0\u3000]*\n[ \t\n\r\f\v\u00a0\u3000]*")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _fold(text: str) -> str:
    """White space folded as a browser folds it; a source line break between Chinese characters dropped."""
    if "\n" in text:
        text = _BREAK.sub(lambda m: "" if m.start() > 0 and m.end() < len(text) and _wide(text[m.start() - 1])
                          and _wide(text[m.end()]) else " ", text)
    return _SPACE.sub(" ", text).strip()


class _Text:
    """Text being collected: lines (a ``<br>`` or a block ends one), each with its source line."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, int]] = []
        self._parts: list[str] = []
        self._line = 0

    def add(self, data: str, line: int) -> None:
        if not self._parts:
            self._line = line
        self._parts.append(data)

    def end_line(self) -> None:
        if self._parts:
            text = _fold("".join(self._parts))
            if text:
                self.lines.append((text, self._line))
            self._parts = []

    def take(self) -> list[tuple[str, int]]:
        self.end_line()
        lines, self.lines = self.lines, []
        return lines


@dataclass
class _CellState:
    colspan: int
    rowspan: int  # 0: to the end of the table
    own: _Text = field(default_factory=_Text)
    blocks: list[Block] = field(default_factory=list)
    after: _Text = field(default_factory=_Text)  # text once the cell holds a table
    held: bool = False  # the cell holds a table: its text is read as paragraphs around it

    def sink(self) -> _Text:
        return self.after if self.held else self.own

    def flush_after(self) -> None:
        self.blocks.extend(([text], line) for text, line in self.after.take())

    def hold(self) -> None:
        """A table starts in the cell: its text so far goes before it, as paragraphs."""
        if not self.blocks:
            self.blocks.extend(([text], line) for text, line in self.own.take())
            self.held = True
        self.flush_after()


@dataclass
class _TableState:
    line: int
    rows: list[list[_CellState]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    row_open: bool = False
    cell: _CellState | None = None
    before: _Text = field(default_factory=_Text)  # caption, stray text: shown above the table


class _TooLarge(Exception):
    def __init__(self, line: int):
        self.line = line


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.flow = Flow()
        self.text = _Text()  # outside tables
        self.tables: list[_TableState] = []
        self.skip: list[str] = []
        self.pre = 0
        self.pre_rows: list[tuple[list[str], int]] = []  # lines of a <pre>, in pieces, with their lines
        self.caption = False

    # -- where text goes --------------------------------------------------------------------------

    def _sink(self) -> _Text:
        if self.tables:
            table = self.tables[-1]
            if table.cell is not None and not self.caption:
                return table.cell.sink()
            return table.before
        return self.text

    def _flush_outside(self) -> None:
        for text, line in self.text.take():
            self.flow.paragraph([text], line)

    # -- tags ---------------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag == self.skip[-1] and tag not in _VOID:
                self.skip.append(tag)
            return
        if tag in _SKIP:
            self.skip.append(tag)
            return
        line = self.getpos()[0]
        if tag == "table":
            self._sink().end_line()
            if not self.tables:
                self._flush_outside()
            elif self.tables[-1].cell is not None:
                self.tables[-1].cell.hold()
            self.tables.append(_TableState(line))
        elif self.tables and tag in ("td", "th"):
            table = self.tables[-1]
            self._close_cell(table)
            if not table.row_open:
                self._open_row(table, line)
            values = dict(attrs)
            cell = _CellState(_span(values.get("colspan"), 1, MAX_COLSPAN),
                              _span(values.get("rowspan"), 1, None))
            table.rows[-1].append(cell)
            table.cell = cell
        elif self.tables and tag == "tr":
            table = self.tables[-1]
            self._close_row(table)
            self._open_row(table, line)
        elif self.tables and tag in ("thead", "tbody", "tfoot"):
            self._close_row(self.tables[-1])
        elif self.tables and tag == "caption":
            self.caption = True
        elif tag == "br":
            self._sink().end_line()
        elif tag in _BLOCK:
            if tag == "pre":
                self._end_pre()
                self.pre += 1
            self._sink().end_line()

    def _end_pre(self) -> None:
        rows = [[_fold(cell) for cell in "".join(pieces).split("\t")] for pieces, _ in self.pre_rows]
        lines = [line for _, line in self.pre_rows]
        self.pre_rows = []
        kept = [(row, line) for row, line in zip(rows, lines, strict=True) if any(row)]
        self.flow.preformatted([row for row, _ in kept], [line for _, line in kept])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag == "br":
            self.handle_starttag(tag, attrs)
        # <p/>, <div/>: nothing opens

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "table" and self.tables:
            self._end_table()
        elif self.tables and tag in ("td", "th"):
            self._close_cell(self.tables[-1])
        elif self.tables and tag == "tr":
            self._close_row(self.tables[-1])
        elif self.tables and tag == "caption":
            self.tables[-1].before.end_line()
            self.caption = False
        elif tag == "br":  # </br>, as browsers read it
            self._sink().end_line()
        elif tag in _BLOCK:
            if tag == "pre" and self.pre:
                self._end_pre()
                self.pre -= 1
            self._sink().end_line()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        line = self.getpos()[0]
        if self.pre and not self.tables:  # a text form in <pre>: each line a row, its tabs between cells
            self._flush_outside()
            for index, piece in enumerate(data.split("\n")):
                if index or not self.pre_rows:
                    self.pre_rows.append(([], line + index))
                self.pre_rows[-1][0].append(piece)
            return
        self._sink().add(data, line)

    def close(self) -> None:
        super().close()
        while self.tables:
            self._end_table()
        self._flush_outside()
        self._end_pre()

    # -- tables -------------------------------------------------------------------------------------

    def _open_row(self, table: _TableState, line: int) -> None:
        table.rows.append([])
        table.lines.append(line)
        table.row_open = True

    def _close_cell(self, table: _TableState) -> None:
        if table.cell is not None:
            table.cell.own.end_line()
            table.cell.flush_after()
            table.cell = None

    def _close_row(self, table: _TableState) -> None:
        self._close_cell(table)
        table.row_open = False

    def _end_table(self) -> None:
        state = self.tables.pop()
        self._close_row(state)
        self.caption = False
        before = state.before.take()
        table = _layout(state)
        if self.tables and self.tables[-1].cell is not None:
            cell = self.tables[-1].cell
            cell.flush_after()
            cell.blocks.extend(([text], line) for text, line in before)
            cell.blocks.append(table)
        elif self.tables:  # a table straight inside a table, outside its cells: above it, as browsers show it
            self.tables[-1].before.lines.extend(before)
        else:
            for text, line in before:
                self.flow.paragraph([text], line)
            self.flow.table(table)


def _span(value: str | None, default: int, most: int | None) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    if m is None:
        return default
    number = int(m.group(1))
    if most is not None:
        number = max(1, min(number, most))
    return number


def _layout(state: _TableState) -> Table:
    """Cells placed on the table's grid as a browser places them, their spans as merged ranges."""
    height = len(state.rows)
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, _CellState, int]] = []  # row, column, cell, rows it spans
    budget = MAX_TABLE_CELLS
    width = 0
    for r, cells in enumerate(state.rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            down = height - r if cell.rowspan == 0 else max(1, min(cell.rowspan, height - r))
            budget -= down * cell.colspan
            if budget < 0:
                raise _TooLarge(state.lines[r])
            for dr in range(down):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            placed.append((r, c, cell, down))
            c += cell.colspan
            width = max(width, c)
    rows: list[list[Cell | None]] = [[None] * width for _ in range(height)]
    merges: list[Merge] = []
    for r, c, cell, down in placed:
        rows[r][c] = Cell("\n".join(text for text, _ in cell.own.take()), cell.blocks)
        if down > 1 or cell.colspan > 1:
            merges.append((r, c, r + down - 1, c + cell.colspan - 1))
    return Table(rows, merges, list(state.lines))
