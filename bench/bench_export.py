"""Benchmark: export 1,000 declarations to XLSX and to PDF (issue 7), one core, plus PDF on every core.

The declarations are the 19 seed forms in turn, each copy with its own name and amounts
(``corpus.forms``: the 2024 and 2020 layouts, 5 to 22 indicators, as the real forms have them), read
with ``jixiao.read`` before any timing. Timed, each figure beside an anchor measured in the same
process on the same declarations:

XLSX
  ``declaration_xlsx`` of each declaration (one file each), and ``declarations_xlsx`` of all of them
  (one workbook, a sheet each). Anchor: xlsxwriter writing the same texts and numbers (the form's
  labels and values, the goal, each indicator's four cells) into a bare sheet, no formats, no merged
  cells, no print setup: the ratio is what the official layout costs over writing the cells at all.
PDF
  * one file per declaration (``declaration_pdf``); anchor: a one-page PDF with a line of text in the
    same two faces, through the same renderer (the fixed cost of a file: its fonts subset and
    embedded). ms per declaration ÷ that.
  * several declarations per file (``declarations_pdf``, ``--batch`` at a time); anchor: WeasyPrint
    printing the same texts as one plain table per declaration (a fixed layout, one font, cell borders,
    no page numbers, no repeated headers, no stylesheets of ours): the ratio is what our pages cost over
    laying that text out at all.
  * one file per declaration on ``--processes`` worker processes (``declaration_pdfs``), wall time
    including the workers' start: reported apart, as the aim is for one core.

Pages are counted in what was produced (pypdfium2), outside the timing. Also printed: the time of a
plain Python loop of 10⁷ additions in the same run (this machine's speed of the moment), the first PDF
of the process (imports, fonts), and the load average.

Aims (issue #7): XLSX <= 10 ms per declaration; PDF <= 50 ms per page (one core). Judged and printed,
never an exit status.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PLAIN_CSS = """@page { size: A4; margin: 15mm 12mm 16mm; }
body { font-family: "Jixiao Serif", "Noto Serif CJK SC", serif; font-size: 9.5pt; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; }
td { border: .5pt solid #444; padding: .15em .35em; }"""
TRIVIAL_HTML = ('<html><body class="print"><main><h2>绩效指标</h2><p>第 1 页 项目支出绩效目标申报表</p>'
                '</main></body></html>')


def loop_seconds() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def declarations(count: int) -> list[Any]:
    import jixiao
    from corpus import write_corpus

    with tempfile.TemporaryDirectory() as folder:
        found = jixiao.read(write_corpus(Path(folder) / "corpus.txt", count))
    if len(found) != count:
        raise SystemExit(f"the corpus gave {len(found)} declarations, not {count}")
    return found


def cells(d: Any) -> list[list[Any]]:
    """The texts and numbers of a declaration's form, row by row (the anchors' content)."""
    from jixiao.web.pages import FIELDS, FUNDS

    rows: list[list[Any]] = [[label, getattr(d, key)] for key, label in FIELDS]
    rows += [[label, getattr(d.funds, key)] for key, label in FUNDS]
    rows += [["年度总体目标", d.goal]]
    rows += [[i.level1, i.level2, i.name, i.target_raw] for i in d.indicators]
    return [[v if isinstance(v, (int, float, str)) or v is None else str(v) for v in row] for row in rows]


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


# -- XLSX ------------------------------------------------------------------------------------------------

def bare_xlsx(d: Any) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(cells(d)):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def bench_xlsx(decls: list[Any]) -> dict[str, float]:
    from jixiao.export.xlsx import declaration_xlsx, declarations_xlsx

    declaration_xlsx(decls[0])
    bare_xlsx(decls[0])
    each_s, sizes = timed(lambda: [len(declaration_xlsx(d)) for d in decls])
    bare_s, _ = timed(lambda: [bare_xlsx(d) for d in decls])
    book_s, book = timed(lambda: declarations_xlsx(decls))
    n = len(decls)
    return {"each_ms": each_s * 1000 / n, "bare_ms": bare_s * 1000 / n, "book_ms": book_s * 1000 / n,
            "each_kb": sum(sizes) / n / 1024, "book_mb": len(book) / 2**20}


# -- PDF -------------------------------------------------------------------------------------------------

def page_count(data: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def plain_html(d: Any) -> str:
    from html import escape

    rows = "".join("<tr>" + "".join(f"<td>{'' if v is None else escape(str(v))}</td>" for v in row)
                   + "</tr>" for row in cells(d))
    return f'<html><body><p>{escape(d.name or "")}</p><table>{rows}</table></body></html>'


def plain_pdf(batch: list[Any]) -> bytes:
    """The anchor: the same texts as plain tables, one document per declaration, one file per batch."""
    from weasyprint import CSS, HTML

    from jixiao.export import pdf

    sheet = CSS(string=PLAIN_CSS, font_config=pdf._font_config())
    documents = [HTML(string=plain_html(d)).render(stylesheets=[sheet], font_config=pdf._font_config())
                 for d in batch]
    return documents[0].copy([p for document in documents for p in document.pages]).write_pdf()


def batches(decls: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(decls), size):
        yield decls[start:start + size]


def bench_pdf(decls: list[Any], batch: int) -> dict[str, float]:
    from jixiao.export import pdf

    first_s, _ = timed(lambda: pdf.declaration_pdf(decls[0]))
    pdf.render_pdf([TRIVIAL_HTML])
    plain_pdf(decls[:2])
    n = len(decls)
    out: dict[str, float] = {"first_s": first_s}

    trivial_s, _ = timed(lambda: [pdf.render_pdf([TRIVIAL_HTML]) for _ in range(20)])
    out["trivial_ms"] = trivial_s * 1000 / 20

    files = []
    each_s, _ = timed(lambda: files.extend(pdf.declaration_pdf(d) for d in decls))
    out["each_ms"], out["each_pages"] = each_s * 1000 / n, sum(map(page_count, files))
    out["each_kb"] = sum(map(len, files)) / n / 1024
    files.clear()

    bulk_s = plain_s = 0.0
    bulk_pages = plain_pages = bulk_bytes = 0
    for part in batches(decls, batch):
        seconds, data = timed(lambda part=part: pdf.declarations_pdf(part))
        bulk_s, bulk_pages = bulk_s + seconds, bulk_pages + page_count(data)
        bulk_bytes += len(data)
        seconds, data = timed(lambda part=part: plain_pdf(part))
        plain_s, plain_pages = plain_s + seconds, plain_pages + page_count(data)
    files_made = -(-n // batch)
    out.update(bulk_ms=bulk_s * 1000 / n, bulk_pages=bulk_pages, bulk_kb=bulk_bytes / files_made / 1024,
               plain_ms=plain_s * 1000 / n, plain_pages=plain_pages)
    return out


def bench_parallel(decls: list[Any], processes: int) -> dict[str, float]:
    from jixiao.export import pdf

    pages = 0

    def run() -> None:
        nonlocal pages
        pages = sum(page_count(data) for data in pdf.declaration_pdfs(decls, processes=processes))

    seconds, _ = timed(run)
    return {"wall_ms": seconds * 1000 / len(decls), "pages": pages}


# -- report ----------------------------------------------------------------------------------------------

def verdict(met: bool) -> str:
    return "aim met" if met else "aim NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000, help="declarations (default 1,000)")
    parser.add_argument("--batch", type=int, default=50, help="declarations per file for declarations_pdf")
    parser.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)),
                        help="worker processes for the parallel PDF run (default: the cores; 0: skip it)")
    parser.add_argument("--skip", choices=["xlsx", "pdf"], action="append", default=[], help="leave one out")
    args = parser.parse_args()

    loop_before = loop_seconds()
    decls = declarations(args.count)
    n = len(decls)
    indicators = sum(len(d.indicators) for d in decls)
    print(f"jixiao export benchmark: {n:,} declarations ({indicators:,} indicators; the 19 seed forms in "
          f"turn, renamed), one core; load average {os.getloadavg()[0]:.2f}")
    print(f"machine speed now: a Python loop of 10^7 additions takes {loop_before:.2f} s "
          "(0.45 s on a quiet day of this machine)")

    if "xlsx" not in args.skip:
        x = bench_xlsx(decls)
        print("\nXLSX                                   ms/declaration   anchor ms   ratio   size")
        print(f"  one file each (declaration_xlsx)     {x['each_ms']:>14.2f}   {x['bare_ms']:>9.2f}   "
              f"{x['each_ms'] / x['bare_ms']:>4.2f}x   {x['each_kb']:.1f} KB a file")
        print(f"  one workbook of all ({n:,} sheets)  {x['book_ms']:>14.2f}   {x['bare_ms']:>9.2f}   "
              f"{x['book_ms'] / x['bare_ms']:>4.2f}x   {x['book_mb']:.1f} MB")
        print("  anchor: xlsxwriter, the same cells in a bare sheet, one file each.  "
              f"aim <= 10 ms/declaration: {verdict(x['each_ms'] <= 10)}")

    if "pdf" not in args.skip:
        p = bench_pdf(decls, args.batch)
        each_page = p["each_ms"] * n / p["each_pages"]
        bulk_page = p["bulk_ms"] * n / p["bulk_pages"]
        plain_page = p["plain_ms"] * n / p["plain_pages"]
        print(f"\nPDF (first PDF of the process: {p['first_s']:.2f} s, not counted)")
        print(" " * 39 + "pages   ms/declaration   ms/page   anchor          ratio")
        print(f"  one file each (declaration_pdf)   {p['each_pages']:>8,.0f}   {p['each_ms']:>14.1f}   "
              f"{each_page:>7.1f}   {p['trivial_ms']:>6.1f} ms/file  {p['each_ms'] / p['trivial_ms']:>5.2f}x"
              f"   {p['each_kb']:.0f} KB a file")
        print(f"  {args.batch:>3} per file (declarations_pdf) {p['bulk_pages']:>8,.0f}   "
              f"{p['bulk_ms']:>14.1f}   {bulk_page:>7.1f}   {p['plain_ms']:>6.1f} ms/decl.  "
              f"{p['bulk_ms'] / p['plain_ms']:>5.2f}x"
              f"   {p['bulk_kb']:.0f} KB a file")
        print(f"  anchors: a one-page file of one line in the same faces (per file); the same texts as plain "
              f"tables ({p['plain_pages']:,.0f} pages, {plain_page:.1f} ms/page)")
        print(f"  aim <= 50 ms/page on one core: one file each {verdict(each_page <= 50)}, "
              f"{args.batch} per file {verdict(bulk_page <= 50)}")
        if args.processes > 1:
            q = bench_parallel(decls, args.processes)
            page = q["wall_ms"] * n / q["pages"]
            print(f"  one file each on {args.processes} processes (declaration_pdfs, wall time, workers' "
                  f"start included): {q['wall_ms']:.1f} ms/declaration, {page:.1f} ms/page "
                  f"({p['each_ms'] / q['wall_ms']:.2f}x one core)")

    loop_after = loop_seconds()
    print(f"\nmachine speed after: {loop_after:.2f} s for the loop; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
