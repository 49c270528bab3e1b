"""Benchmark: reading PDF, DOCX, XLSX and HTML forms, beside the bare library opening the same files.

The files are the samples of the seeds in tests/fixtures/layouts (Word and web pages written by
make_layouts.py, PDFs printed by LibreOffice, WeasyPrint and Jixiao, text-only PDFs) and the seeds'
declarations written as XLSX by Jixiao's exporter. Each file is read ``ROUNDS`` times and the best
round counts, for Jixiao's reader (``jixiao.readers.read_document`` on the bytes: everything down to
the declarations) and for its anchor, the bare library on the same bytes:

=============  ===========================================================================================
format         anchor
=============  ===========================================================================================
PDF, ruled     pdfplumber: open, and on every page its characters and ``find_tables`` (lines strategy)
               with ``extract`` — the table extraction Jixiao builds on (aim: within 1.5×)
PDF, text      pypdfium2: open, and every page's text (``get_text_range``)
DOCX           python-docx: open the document and read the text of every cell of every table
XLSX           python-calamine: open the workbook and every sheet's values
HTML           ``html.parser``: feed the decoded page to a parser that does nothing
=============  ===========================================================================================

Figures: files and pages per second for Jixiao, the anchor's, and the ratio Jixiao ÷ anchor (the
figure that does not depend on how fast the machine is today).
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from bench_export import page_count  # run as a script: bench/ is on the path

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "tests" / "fixtures" / "layouts"
ROUNDS = 5
# Scans and broken character maps are read (and refused page by page) in the tests; timed here are
# the files that read to forms.
PDF_SKIP = {"scanned.pdf", "scanned-page-2.pdf", "broken-tounicode.pdf", "no-tounicode.pdf"}


def _is_ruled(data: bytes) -> bool:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return any(page.lines or page.rects for page in pdf.pages)


def plumber_tables(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.chars  # noqa: B018 - what Jixiao reads of every page too
            for table in page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"}):
                table.extract()


def pdfium_text(data: bytes) -> None:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        for page in doc:
            page.get_textpage().get_text_range()
    finally:
        doc.close()


def docx_cells(data: bytes) -> None:
    import docx

    document = docx.Document(io.BytesIO(data))
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                cell.text  # noqa: B018


def calamine_values(data: bytes) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def html_parse(data: bytes) -> None:
    parser = HTMLParser()
    parser.feed(data.decode("gb18030" if b"gb2312" in data[:2000].lower() else "utf-8", errors="replace"))
    parser.close()


def _best(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _xlsx_files() -> list[tuple[str, bytes]]:
    from jixiao.export import declaration_xlsx
    from jixiao.readers import read

    seeds = read(ROOT / "src/jixiao/samples/shanghai-redcross-2024-targets.txt")
    seeds += read(ROOT / "src/jixiao/samples/shanghai-redcross-affairs-center-2020-targets.txt")
    return [(f"{i:02d}.xlsx", declaration_xlsx(d)) for i, d in enumerate(seeds)]


def main() -> None:
    from jixiao.readers import read_document

    pdfs = [(p.name, p.read_bytes()) for p in sorted((LAYOUTS / "pdf").glob("*.pdf"))
            if p.name not in PDF_SKIP]
    ruled = [(n, d) for n, d in pdfs if _is_ruled(d)]
    text = [(n, d) for n, d in pdfs if (n, d) not in ruled]
    groups: list[tuple[str, list[tuple[str, bytes]], Callable[[bytes], None]]] = [
        ("PDF, ruled tables", ruled, plumber_tables),
        ("PDF, text only", text, pdfium_text),
        ("DOCX", [(p.name, p.read_bytes()) for p in sorted(LAYOUTS.glob("*.docx"))], docx_cells),
        ("XLSX", _xlsx_files(), calamine_values),
        ("HTML", [(p.name, p.read_bytes()) for p in sorted(LAYOUTS.glob("*.html"))], html_parse),
    ]
    print(f"jixiao read benchmark: samples of the seeds (tests/fixtures/layouts), best of {ROUNDS} rounds, "
          "one core")
    print(f"{'format':<18} {'files':>5} {'pages':>5} {'forms':>5} {'jixiao ms':>10} {'pages/s':>8} "
          f"{'files/s':>8} {'anchor ms':>10} {'jixiao/anchor':>13}")
    for label, files, anchor in groups:
        forms = sum(len(read_document(name, data).declarations) for name, data in files)
        pages = sum(page_count(data) for _, data in files) if label.startswith("PDF") else 0
        ours = _best(lambda files=files: [read_document(name, data) for name, data in files])
        bare = _best(lambda files=files, anchor=anchor: [anchor(data) for _, data in files])
        rate = f"{pages / ours:>8,.1f}" if pages else f"{'':>8}"
        print(f"{label:<18} {len(files):>5} {pages or '':>5} {forms:>5} {ours * 1000:>10.1f} {rate} "
              f"{len(files) / ours:>8,.1f} {bare * 1000:>10.1f} {ours / bare:>12.2f}x")
    print("aim (issue #8): PDF with ruled tables within 1.5x of pdfplumber's own table extraction")


if __name__ == "__main__":
    sys.exit(main())
