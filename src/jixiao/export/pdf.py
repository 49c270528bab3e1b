"""PDF of declarations and of their reports, from the web pages' own templates (one renderer for both).

The PDF is the web page printed: ``detail.html`` (the declaration laid out like the form) and
``report.html`` (项目支出绩效目标执行监控表 / 项目支出绩效自评表), rendered with the context the routes
build (:func:`jixiao.web.pages.declaration_context`, :func:`jixiao.web.reporting.table_context`) plus
``for_print``, which makes them extend ``print_base.html`` (no navigation, forms, buttons or store
state) instead of ``base.html``. WeasyPrint lays the HTML out on A4 with ``web/static/print.css`` after
the pages' own stylesheets: page numbers 第 n 页 / 共 N 页, table headers repeated on each page, rows
kept whole, the reports in landscape; a merged level cell that a page break crosses is split there and
named again on the next page (:func:`_split_at_breaks`: the page is laid out a second time). The fonts
are the system's Noto CJK SC (Debian's ``fonts-noto-cjk``), through compact copies made once per process
(:mod:`jixiao.export.fonts`), embedded as subsets with a ToUnicode map, so that the text can be copied
and ``pdftotext`` gives the Chinese back. One font configuration and one set of parsed stylesheets serve
every PDF of the process, one PDF at a time. Nothing is fetched: the stylesheets are read from the
package and any URL the HTML might name is refused, but the compact fonts' (:func:`_no_fetching`).

Pure functions, no store: the web routes and the CLI pass the library objects they hold.
WeasyPrint needs Pango (and, for speed, HarfBuzz's subsetter ``libharfbuzz-subset0``): it is imported
on first use, so that the rest of Jixiao works where those libraries are missing. docs/export.md.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from jixiao.actuals import Period
from jixiao.evaluation import Evaluation
from jixiao.export.fonts import SCHEME, compact_fonts, font_faces_css
from jixiao.model import Declaration
from jixiao.monitoring import Monitoring
from jixiao.review import Report
from jixiao.web.app import STATIC, templates
from jixiao.web.pages import declaration_context
from jixiao.web.reporting import table_context  # also registers the ``points`` filter

if TYPE_CHECKING:
    from weasyprint import CSS, Document
    from weasyprint.text.fonts import FontConfiguration

__all__ = ["FORM_TITLES", "declaration_html", "declaration_pdf", "declaration_pdfs", "declarations_pdf",
           "monitoring_html", "monitoring_pdf", "render_pdf", "self_evaluation_html", "self_evaluation_pdf"]

#: The stylesheets of the PDF, in order: the web pages' own, then the print layout.
STYLESHEETS = ("jixiao.css", "report.css", "print.css")
#: The title printed above a declaration, by layout (the form's own heading).
FORM_TITLES = {"shanghai-2024": "财政项目支出绩效目标申报表", "shanghai-2020": "财政项目支出绩效目标表"}
DEFAULT_FORM_TITLE = "项目支出绩效目标申报表"


# -- HTML: the page templates with the routes' context ---------------------------------------------------

#: A page to print: its template and the context it is rendered with.
PrintPage = tuple[str, dict[str, Any]]


def _render(template: str, context: dict[str, Any]) -> str:
    return templates.env.get_template(template).render({**context, "for_print": True})


def _declaration_page(declaration: Declaration, review: Report | None) -> PrintPage:
    context = declaration_context(declaration, review)
    year = f"（{declaration.year}年度）" if declaration.year else ""
    title = FORM_TITLES.get(declaration.layout, DEFAULT_FORM_TITLE) + year
    return "detail.html", {**context, "form_title": title}


def declaration_html(declaration: Declaration, review: Report | None = None) -> str:
    """The print HTML of one declaration (``detail.html``); with its review's findings when given."""
    return _render(*_declaration_page(declaration, review))


def _check_rows(declaration: Declaration, rows: Sequence[object], what: str) -> None:
    if len(rows) != len(declaration.indicators):
        raise ValueError(f"the {what} has {len(rows)} indicators, the declaration "
                         f"{len(declaration.indicators)}: it is not this declaration's")


def _monitoring_page(declaration: Declaration, monitoring: Monitoring) -> PrintPage:
    _check_rows(declaration, monitoring.indicators, "monitoring")
    if monitoring.as_of.month == 12:
        raise ValueError("a monitoring round ends in January to November: the year end is the "
                         "self-evaluation (self_evaluation_pdf)")
    context = table_context(declaration, Period(monitoring.as_of.month), monitoring, None)
    return "report.html", {**context, "title": f"{context['table_title']}：{declaration.name or ''}",
                           "landscape": True}


def monitoring_html(declaration: Declaration, monitoring: Monitoring) -> str:
    """The print HTML of 项目支出绩效目标执行监控表: ``declaration`` with the figures to date laid over it
    (:func:`jixiao.actuals.apply_actuals`), ``monitoring`` its monitoring at the round's end (1–11月)."""
    return _render(*_monitoring_page(declaration, monitoring))


def _self_evaluation_page(declaration: Declaration, evaluation: Evaluation) -> PrintPage:
    _check_rows(declaration, evaluation.indicators, "evaluation")
    context = table_context(declaration, Period(12), None, evaluation)  # the year end shows no lights
    return "report.html", {**context, "title": f"{context['table_title']}：{declaration.name or ''}",
                           "landscape": True}


def self_evaluation_html(declaration: Declaration, evaluation: Evaluation) -> str:
    """The print HTML of 项目支出绩效自评表: ``declaration`` with the year's actuals laid over it,
    ``evaluation`` its self-evaluation (:meth:`jixiao.evaluation.Evaluator.evaluate`)."""
    return _render(*_self_evaluation_page(declaration, evaluation))


# -- PDF -------------------------------------------------------------------------------------------------

@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class JixiaoFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            font = compact_fonts().get(url) if url.startswith(SCHEME) else None
            if font is None:
                raise ValueError(f"Jixiao's PDF fetches nothing: {url} refused")
            return URLFetcherResponse(url, font)

    return JixiaoFetcher


def _no_fetching() -> Any:
    """WeasyPrint's URL fetcher, refusing every URL (``http(s):``, ``file:``, ``data:`` …) but those of
    the compact fonts (``jixiao-font:serif`` …, made in memory: :mod:`jixiao.export.fonts`): the PDF is
    made of the package's stylesheets and the system's fonts only, so that what a declaration says can
    never make the server fetch anything. WeasyPrint logs each refusal and draws nothing for it."""
    return _fetcher_class()()


class _BrowserOnly(logging.Filter):
    """Drops WeasyPrint's notes on the web stylesheets' browser-only properties (``overflow-x``,
    ``user-select`` …: ``Ignored `…`, unknown property``), so that its log shows only real problems."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Ignored `")


#: One PDF at a time per process: the font configuration (Pango's font map, fontconfig) is shared by
#: every document and is not made to be used from two threads at once (the web serves from a thread
#: pool). WeasyPrint holds the GIL nearly all the time anyway.
_LOCK = threading.RLock()


@cache
def _font_config() -> FontConfiguration:
    """One font configuration for every PDF of the process: Pango loads each font once, and the compact
    fonts' ``@font-face`` rules are registered once (WeasyPrint writes them to a temporary folder, removed
    with the configuration)."""
    from weasyprint.text.fonts import FontConfiguration

    atexit.register(_forget_fonts)
    return FontConfiguration()


def _forget_fonts() -> None:
    _stylesheets.cache_clear()
    _font_config.cache_clear()


@cache
def _stylesheets() -> tuple[CSS, ...]:
    """The stylesheets, parsed once (read from the package, never through a URL), after the compact
    fonts' ``@font-face`` rules."""
    from weasyprint import CSS

    fetcher = _no_fetching()
    font_config = _font_config()
    quiet = _BrowserOnly()
    logger = logging.getLogger("weasyprint")
    logger.addFilter(quiet)
    try:
        texts = [font_faces_css(), *((STATIC / name).read_text(encoding="utf-8") for name in STYLESHEETS)]
        return tuple(CSS(string=text, url_fetcher=fetcher, font_config=font_config) for text in texts if text)
    finally:
        logger.removeFilter(quiet)


def _document(html: str) -> Document:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetching()).render(stylesheets=_stylesheets(),
                                                               font_config=_font_config())


def _first_rows(document: Document) -> list[int]:
    """The number of the first indicator row (``id="ind-N"``) on each page after the first."""
    firsts = []
    for page in document.pages[1:]:
        numbers = [int(name[4:]) for name in page.anchors if name.startswith("ind-") and name[4:].isdigit()]
        if numbers:
            firsts.append(min(numbers))
    return firsts


def _split_at_breaks(document: Document, rows: Sequence[Any]) -> bool:
    """Ends each merged level cell (``level1_span``, ``level2_span`` of the context's rows) that the
    document carries over a page break at that break, and starts a new one there with the same name:
    WeasyPrint draws a cell that spans rows on two pages with its text on the first page only. True when
    a cell was split (the page must be laid out again)."""
    split = False
    for number in _first_rows(document):
        row = number - 1
        if not 0 < row < len(rows):
            continue
        for span in ("level1_span", "level2_span"):
            if getattr(rows[row], span):
                continue  # a cell starts on this row already
            start = next((j for j in range(row - 1, -1, -1) if getattr(rows[j], span)), None)
            if start is None or start + getattr(rows[start], span) <= row:
                continue
            end = start + getattr(rows[start], span)
            setattr(rows[start], span, row - start)
            setattr(rows[row], span, end - row)
            split = True
    return split


def _printed(page: PrintPage) -> Document:
    """The page laid out, its merged level cells split at the page breaks that cross them (laid out
    again when one was; at most three times, should a split move a break)."""
    template, context = page
    document = _document(_render(template, context))
    rows = context.get("rows") or ()
    for _ in range(3):
        if not _split_at_breaks(document, rows):
            break
        document = _document(_render(template, context))
    return document


def _links_within(document: Document, number: int) -> None:
    """Keeps the links within the document (审核意见 → its indicator), named apart from the other
    documents' (``d2-ind-3``: each page has an ``ind-3``), and drops the links to the web app's pages
    (``/rules/JX108``), which lead nowhere from a file."""
    for page in document.pages:
        page.links[:] = [(kind, f"d{number}-{target}", *rest) for kind, target, *rest in page.links
                         if kind == "internal"]
        page.anchors = {f"d{number}-{name}": point for name, point in page.anchors.items()}


def _write(documents: list[Document]) -> bytes:
    if not documents:
        raise ValueError("nothing to print")
    for number, document in enumerate(documents, start=1):
        _links_within(document, number)
    combined = documents[0].copy([page for document in documents for page in document.pages])
    return combined.write_pdf()


def render_pdf(pages: Iterable[str]) -> bytes:
    """The PDF of print HTML documents, one after the other, each starting on a new page and numbered
    on its own (第 1 页 / 共 n 页 of that document)."""
    with _LOCK:
        return _write([_document(html) for html in pages])


def _print_pdf(pages: Iterable[PrintPage]) -> bytes:
    with _LOCK:
        return _write([_printed(page) for page in pages])


def declaration_pdf(declaration: Declaration, review: Report | None = None) -> bytes:
    """The declaration as a PDF (A4), with its review's score and findings when ``review`` is given."""
    return _print_pdf([_declaration_page(declaration, review)])


def _paired(declarations: Iterable[Declaration], reviews: Iterable[Report | None] | None
            ) -> list[tuple[Declaration, Report | None]]:
    decls = list(declarations)
    found = list(reviews) if reviews is not None else [None] * len(decls)
    if len(found) != len(decls):
        raise ValueError(f"{len(decls)} declarations but {len(found)} reviews")
    return list(zip(decls, found, strict=True))


def declarations_pdf(declarations: Iterable[Declaration],
                     reviews: Iterable[Report | None] | None = None) -> bytes:
    """Several declarations in one PDF, each starting on a new page (``reviews``: one per declaration)."""
    return _print_pdf(_declaration_page(d, r) for d, r in _paired(declarations, reviews))


def _declaration_pdf_job(pair: tuple[Declaration, Report | None]) -> bytes:
    return declaration_pdf(*pair)


def declaration_pdfs(declarations: Iterable[Declaration], reviews: Iterable[Report | None] | None = None,
                     *, processes: int | None = None) -> Iterator[bytes]:
    """:func:`declaration_pdf` of each declaration (one file each, in order), made by ``processes`` worker
    processes (default: one per core; 1: in this process). A worker starts afresh (``spawn``: it imports
    Jixiao and WeasyPrint and makes the fonts, ~2 s) and then prints its share; for many files."""
    pairs = _paired(declarations, reviews)
    if processes is None:
        processes = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if processes <= 1 or len(pairs) <= 1:
        yield from map(_declaration_pdf_job, pairs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(processes, len(pairs))
    chunk = max(1, min(16, len(pairs) // (4 * workers)))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(_declaration_pdf_job, pairs, chunksize=chunk)


def monitoring_pdf(declaration: Declaration, monitoring: Monitoring) -> bytes:
    """项目支出绩效目标执行监控表 as a PDF (A4 landscape); see :func:`monitoring_html`."""
    return _print_pdf([_monitoring_page(declaration, monitoring)])


def self_evaluation_pdf(declaration: Declaration, evaluation: Evaluation) -> bytes:
    """项目支出绩效自评表 as a PDF (A4 landscape); see :func:`self_evaluation_html`."""
    return _print_pdf([_self_evaluation_page(declaration, evaluation)])
