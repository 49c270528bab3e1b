"""Reading files into declarations: the one entry point every command and route uses.

``read(path)`` returns the declarations of a file and raises :class:`ReadError` for the first
form that cannot be read; ``read_document(path)`` never raises for bad content and returns what
could be read beside the errors, for tools that report on many files.

The suffix decides the format: ``.xlsx``/``.xlsm``/``.xls`` (:mod:`.xlsxform`), ``.pdf``
(:mod:`.pdfform`), ``.docx``
(:mod:`.docxform`; a ``.doc`` is read as what it really is: a .docx, a web page, or refused with the
advice to save it as .docx), ``.html``/``.htm``/``.mht`` (:mod:`.htmlform`), ``.json``; anything else
is text (:mod:`.textform`), or Jixiao JSON when it starts with ``{``. The workbook, document and page
readers turn their files into the grids of :mod:`.grid`, which one function reads forms from.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from jixiao.errors import ReadError
from jixiao.model import Declaration, ReadWarning
from jixiao.readers.docxform import SUFFIXES as DOCUMENT_SUFFIXES
from jixiao.readers.docxform import iter_docx_forms
from jixiao.readers.htmlform import SUFFIXES as PAGE_SUFFIXES
from jixiao.readers.htmlform import iter_html_forms
from jixiao.readers.jsonfile import iter_json_forms
from jixiao.readers.pdfform import iter_pdf_forms
from jixiao.readers.textform import iter_forms
from jixiao.readers.xlsxform import SUFFIXES as WORKBOOK_SUFFIXES
from jixiao.readers.xlsxform import iter_workbook_forms

_SNIFF = 65536
_PDF = ".pdf"
_DOC = ".doc"


@dataclass
class Document:
    """What one file held: its declarations, the forms that failed, and the reader's guesses."""

    file: str
    declarations: list[Declaration] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)

    @property
    def warnings(self) -> list[ReadWarning]:
        return [w for d in self.declarations for w in d.warnings]


def iter_read(path: str | Path) -> Iterator[Declaration | ReadError]:
    """Stream the forms of a file, one at a time; a form that fails comes as its ReadError.

    Raises :class:`ReadError` when the file as a whole cannot be read (missing, binary, empty,
    not a form).
    """
    path = Path(path)
    name = str(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ReadError(name, "an existing file", found="no such file") from None
    except IsADirectoryError:
        raise ReadError(name, "a file", found="a directory") from None
    except OSError as err:
        raise ReadError(name, "a readable file", found=err.strerror or str(err)) from None
    with handle:
        yield from _iter_handle(handle, name)


def iter_read_bytes(name: str, data: bytes) -> Iterator[Declaration | ReadError]:
    """Like :func:`iter_read` for the content of a file already in memory (an upload); ``name`` is
    what messages call it and decides the format by its suffix like a path would."""
    yield from _iter_handle(io.BytesIO(data), name)


def _iter_handle(handle: BinaryIO, name: str) -> Iterator[Declaration | ReadError]:
    suffix = Path(name).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        yield from iter_workbook_forms(handle, name)
        return
    if suffix == _PDF:
        yield from iter_pdf_forms(handle, name)
        return
    if suffix in DOCUMENT_SUFFIXES or suffix == _DOC:
        head = handle.read(_SNIFF)
        handle.seek(0)
        if _looks_like_html(head):  # a page saved from a site or by Word as "Web page" and named .doc
            yield from iter_html_forms(handle, name)
        else:  # a .doc that is really a .docx is read; a Word 97–2003 one is refused with advice
            yield from iter_docx_forms(handle, name)
        return
    if suffix in PAGE_SUFFIXES:
        yield from iter_html_forms(handle, name)
        return
    head = handle.read(_SNIFF)
    encoding = _encoding(head, name)
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, newline=None)
    if Path(name).suffix.lower() == ".json" or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        yield from iter_json_forms(text, name)
        return
    yield from iter_forms(_lines(text, name), name)


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<meta", b"<head", b"<body", b"mime-version:"))


def read(path: str | Path) -> list[Declaration]:
    """The declarations in ``path``; raises :class:`ReadError` for the first form that fails."""
    return strict(iter_read(path))


def read_bytes(name: str, data: bytes) -> list[Declaration]:
    """Like :func:`read` for a file's content already in memory (``name`` decides the format)."""
    return strict(iter_read_bytes(name, data))


def strict(items: Iterable[Declaration | ReadError]) -> list[Declaration]:
    """The declarations of a stream of forms (any reader's); raises the first :class:`ReadError` in it."""
    result = []
    for item in items:
        if isinstance(item, ReadError):
            raise item
        result.append(item)
    return result


def read_document(path: str | Path, data: bytes | None = None) -> Document:
    """Everything that could be read from ``path`` (or from ``data``, the file's content, when
    given), and an error for each form (or the file) that could not. Never raises for bad content."""
    doc = Document(str(path))
    try:
        items = iter_read(path) if data is None else iter_read_bytes(str(path), data)
        for item in items:
            if isinstance(item, ReadError):
                doc.errors.append(item)
            else:
                doc.declarations.append(item)
    except ReadError as err:
        doc.errors.append(err)
    return doc


def _encoding(head: bytes, name: str) -> str:
    if b"\x00" in head:
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise ReadError(name, "a text file", line=line, found="binary data (a NUL byte)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < _SNIFF)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ReadError(name, "text in UTF-8 or GB18030", found="bytes that are neither")  # pragma: no cover


def _lines(text: io.TextIOWrapper, name: str) -> Iterator[str]:
    number = 0
    try:
        for number, line in enumerate(text, 1):  # noqa: B007 - number is read after a failure
            yield line
    except UnicodeDecodeError:
        raise ReadError(name, f"text in {text.encoding}", line=number + 1,
                        found="bytes that do not decode") from None

