"""Forms in Word documents (.docx): the body's paragraphs and tables, in document order, as grids.

python-docx opens the package; the body is then read from its XML, because python-docx's cell objects
repeat a merged cell in every grid column and row it covers and say nothing of where it starts:

- a table's cells are placed on the table's grid by ``w:gridBefore`` and each cell's ``w:gridSpan``;
  ``w:vMerge`` (``restart`` … continue) and the legacy ``w:hMerge`` are recovered as merged ranges, so a
  一级指标 cell merged down its group reads as the level of every row it spans;
- a cell's paragraphs are its lines (joined as wrapped lines); a paragraph outside tables is a row, its
  tabs separating cells (``项目名称⇥红十字培训``), so the title and ``项目名称：…`` lines printed above a
  table are read as a text form's lines are;
- tables inside tables are flattened in reading order (:mod:`jixiao.readers.flow`): a cell holding a
  table is read after its row, paragraph by paragraph and table by table; content controls
  (``w:sdt``), tracked insertions and hyperlinks are read as their text; deleted text, text boxes,
  headers, footers and notes are not.

Messages give as ``line`` the count of non-empty paragraphs and table rows from the top of the document,
and name the table (``表 2``; ``表 2.1`` for the first table inside it).

A legacy Word 97–2003 ``.doc`` (an OLE2 file) or an RTF file is refused with the advice to save it as
.docx; a package is refused before anything is unpacked when it is larger than :data:`MAX_FILE` or a
part would unpack beyond :data:`MAX_PART` (a zip bomb).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.flow import Block, Cell, Flow, Table
from jixiao.readers.grid import Grid, Merge, iter_grid_forms

__all__ = ["MAX_FILE", "MAX_PART", "MAX_TOTAL", "SUFFIXES", "docx_grids", "iter_docx_forms"]

SUFFIXES = frozenset({".docx", ".docm", ".dotx"})
#: The largest document read (a form with its logo is some hundred kilobytes).
MAX_FILE = 64 << 20
#: Bytes one part of the package may unpack to.
MAX_PART = 64 << 20
#: Bytes all parts together may unpack to (python-docx loads every part).
MAX_TOTAL = 256 << 20
#: Grid columns a table may have, and cells it may span (Word allows 63 columns).
MAX_COLUMNS = 1000
MAX_TABLE_CELLS = 1_000_000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONVERT = ("save it as .docx (Word or WPS: 另存为 › Word 文档 *.docx; "
            "LibreOffice: soffice --headless --convert-to docx FILE)")
_EXPECTED = "a Word document (.docx)"


def iter_docx_forms(handle: BinaryIO, file: str) -> Iterator[Declaration | ReadError]:
    """Each form of the document: a :class:`Declaration`, or the :class:`ReadError` that stopped it.

    Raises :class:`ReadError` itself when the file is not a readable .docx or holds no form."""
    grids, paragraphs, tables = _grids(handle.read(MAX_FILE + 1), file)
    read = 0
    for item in iter_grid_forms(grids, file):
        read += 1
        yield item
    if read == 0:
        found = ("an empty document" if not (tables or paragraphs) else
                 f"no such label in {_count(paragraphs, 'paragraph')} and {_count(tables, 'table')}")
        raise ReadError(file, "a performance-target form: a row with the label 项目名称", found=found)


def docx_grids(data: bytes, file: str) -> list[Grid]:
    """The document's body as grids (paragraphs, tables with their merged ranges), as the form reader
    sees it; :class:`ReadError` when ``data`` is not a readable .docx."""
    return _grids(data, file)[0]


def _grids(data: bytes, file: str) -> tuple[list[Grid], int, int]:
    body = _body(data, file)
    flow = Flow()
    tables = paragraphs = 0
    try:
        for block in _blocks(body, tabs=True):
            if isinstance(block, Table):
                tables += 1
                flow.table(block)
            else:
                paragraphs += any(c.strip() for c in block[0])
                flow.paragraph(*block)
    except _TooLarge:
        raise ReadError(file, f"tables of at most {MAX_TABLE_CELLS:,} cells",
                        found=f"a larger one (表 {tables + 1})") from None
    return flow.grids_so_far(), paragraphs, tables


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# -- the package -------------------------------------------------------------------------------------

def _body(data: bytes, file: str) -> Any:
    """The ``w:body`` element of the document in ``data``; ReadError when it is not a .docx."""
    if len(data) > MAX_FILE:
        raise ReadError(file, f"{_EXPECTED} of at most {MAX_FILE >> 20} MiB", found="a larger file")
    if not data:
        raise ReadError(file, _EXPECTED, found="an empty file")
    if data.startswith(_OLE2):
        raise ReadError(file, _EXPECTED,
                        found=f"a legacy Word 97–2003 .doc file (or another OLE2 file): {_CONVERT}")
    if data.lstrip()[:5] == b"{\\rtf":
        raise ReadError(file, _EXPECTED, found=f"an RTF document: {_CONVERT}")
    if not data.startswith(_ZIP):
        raise ReadError(file, f"{_EXPECTED}, a zip package", found="a file that is not one")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise ReadError(file, _EXPECTED, found=f"a damaged zip package ({_brief(err)})") from None
    names = {m.filename for m in members}
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        kind = "an Excel workbook" if "xl/workbook.xml" in names else "a zip package"
        raise ReadError(file, f"{_EXPECTED}: a package with word/document.xml", found=f"{kind} without one")
    largest = max(members, key=lambda m: m.file_size, default=None)
    if largest is not None and largest.file_size > MAX_PART:
        raise ReadError(file, f"{_EXPECTED} whose parts unpack to at most {MAX_PART >> 20} MiB",
                        found=f"{largest.filename} of {largest.file_size >> 20} MiB")
    total = sum(m.file_size for m in members)
    if total > MAX_TOTAL:
        raise ReadError(file, f"{_EXPECTED} that unpacks to at most {MAX_TOTAL >> 20} MiB",
                        found=f"{len(members)} parts of {total >> 20} MiB")
    from docx.opc.exceptions import OpcError  # python-docx (and lxml) only when a document is read
    from docx.opc.package import OpcPackage
    from docx.oxml.parser import parse_xml

    try:
        # The package, then its main part by the officeDocument relationship, parsed here: docx.Document
        # would refuse a macro-enabled document (.docm) or a template (.dotx), whose body is the same.
        part = OpcPackage.open(io.BytesIO(data)).main_document_part
        element = getattr(part, "element", None)
        root = element if element is not None else parse_xml(part.blob)
    except (OpcError, KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise ReadError(file, _EXPECTED, found=f"one that cannot be read ({_brief(err)})") from None
    except Exception as err:  # lxml's XMLSyntaxError and the like: a damaged part
        if type(err).__module__.startswith(("lxml", "docx")):
            raise ReadError(file, _EXPECTED, found=f"one that cannot be read ({_brief(err)})") from None
        raise
    body = root.find(_W + "body")
    if root.tag != _W + "document" or body is None:
        raise ReadError(file, _EXPECTED, found=f"a main part that is not a Word document ({part.partname})")
    return body


def _brief(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 120 else text[:119] + "…"


# -- the body ----------------------------------------------------------------------------------------

def _blocks(parent: Any, *, tabs: bool) -> Iterator[Block]:
    """The paragraphs (their cells, split at tabs when ``tabs``) and tables under ``parent``, in order;
    content controls, custom XML and tracked insertions are looked into."""
    for child in parent.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            yield _paragraph_cells(child, tabs=tabs), None
        elif tag == _W + "tbl":
            yield _table(child)
        elif tag in (_W + "sdt", _W + "customXml", _W + "ins", _W + "smartTag"):
            inner = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
            if inner is not None:
                yield from _blocks(inner, tabs=tabs)
        elif tag == _MC + "AlternateContent":
            choice = child.find(_MC + "Choice")
            if choice is not None:
                yield from _blocks(choice, tabs=tabs)


def _paragraph_cells(p: Any, *, tabs: bool) -> list[str]:
    """A paragraph's text; with ``tabs``, split at its tabs into cells (else a tab is a space)."""
    parts: list[str] = []
    cells: list[str] = []
    for node in _text_nodes(p):
        tag = node.tag
        if tag == _W + "t":
            parts.append(node.text or "")
        elif tag == _W + "tab" or tag == _W + "ptab":
            if tabs:
                cells.append("".join(parts))
                parts = []
            else:
                parts.append(" ")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif tag == _W + "sym":
            parts.append(" ")
    cells.append("".join(parts))
    return cells


_SKIP = frozenset({_W + "delText", _W + "del", _W + "txbxContent", _W + "pPr", _W + "rPr", _MC + "Fallback",
                   _W + "instrText", _W + "fldData", _W + "footnoteReference", _W + "endnoteReference"})
_TEXT = frozenset({_W + "t", _W + "tab", _W + "ptab", _W + "br", _W + "cr", _W + "noBreakHyphen", _W + "sym"})


def _text_nodes(element: Any) -> Iterator[Any]:
    """The text-bearing elements under a paragraph, in order, less deleted text, text boxes and the
    fallback copy of drawings."""
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag in _TEXT:
            yield child
        else:
            yield from _text_nodes(child)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _table(tbl: Any) -> Table:
    """A ``w:tbl`` as a :class:`Table`: cells at their grid columns, vertical and horizontal merges."""
    rows: list[list[Cell | None]] = []
    merges: list[list[int]] = []
    open_down: dict[int, list[int]] = {}  # first column of a vertical merge -> [top, left, bottom, right]
    cells_seen = 0
    for tr in _rows(tbl):
        index = len(rows)
        row: list[Cell | None] = []
        properties = tr.find(_W + "trPr")
        before = properties.find(_W + "gridBefore") if properties is not None else None
        col = min(_int(before.get(_W + "val") if before is not None else None, 0), MAX_COLUMNS)
        row.extend([None] * col)
        continued: set[int] = set()
        last: list[int] | None = None  # the horizontal merge (hMerge) being built in this row
        for tc in _cells(tr):
            pr = tc.find(_W + "tcPr")
            span = 1
            vmerge = hmerge = None
            if pr is not None:
                grid_span = pr.find(_W + "gridSpan")
                span = max(1, min(_int(grid_span.get(_W + "val") if grid_span is not None else None, 1),
                                  MAX_COLUMNS))
                v, h = pr.find(_W + "vMerge"), pr.find(_W + "hMerge")
                vmerge = v.get(_W + "val", "continue") if v is not None else None
                hmerge = h.get(_W + "val", "continue") if h is not None else None
            if col + span > MAX_COLUMNS:
                break
            cells_seen += span
            if cells_seen > MAX_TABLE_CELLS:
                raise _TooLarge
            if hmerge == "continue" and last is not None:
                last[3] = col + span - 1
                row.extend([None] * span)
                col += span
                continue
            if vmerge == "continue" and col in open_down:
                open_down[col][2] = index
                continued.add(col)
                row.extend([None] * span)
                col += span
                continue
            row.append(_cell(tc))
            row.extend([None] * (span - 1))
            merge = [index, col, index, col + span - 1]
            last = merge if hmerge == "restart" else None
            if vmerge == "restart":
                open_down[col] = merge
                continued.add(col)
            if span > 1 or hmerge == "restart" or vmerge == "restart":
                merges.append(merge)
            col += span
        for start in [c for c in open_down if c not in continued]:
            del open_down[start]
        rows.append(row)
    found: list[Merge] = [(m[0], m[1], m[2], m[3]) for m in merges if m[2] > m[0] or m[3] > m[1]]
    return Table(rows, found)


class _TooLarge(Exception):
    pass


def _children(node: Any, tag: str) -> Iterator[Any]:
    """The ``tag`` children of ``node`` (rows of a table, cells of a row), also those wrapped in a content
    control, custom XML or a tracked insertion."""
    for child in node.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in (_W + "sdt", _W + "customXml", _W + "ins"):
            inner = child.find(_W + "sdtContent") if child.tag == _W + "sdt" else child
            if inner is not None:
                yield from _children(inner, tag)


def _rows(tbl: Any) -> Iterator[Any]:
    return _children(tbl, _W + "tr")


def _cells(tr: Any) -> Iterator[Any]:
    return _children(tr, _W + "tc")


def _cell(tc: Any) -> Cell:
    """A ``w:tc``: its paragraphs as lines; a cell holding a table gives its paragraphs and tables as
    blocks instead, read after its row."""
    blocks = list(_blocks(tc, tabs=True))
    if any(isinstance(block, Table) for block in blocks):
        return Cell("", blocks)
    lines = (" ".join(block[0]) for block in blocks if not isinstance(block, Table))
    return Cell("\n".join(line for line in lines if line.strip()))
