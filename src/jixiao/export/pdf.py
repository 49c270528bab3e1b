"""PDF of declarations and of their reports, from the web pages' own templates (one renderer for both).

The PDF is the web page printed: ``detail.html`` (the declaration laid out like the form) and
``report.html`` (项目支出绩效目标执行监控表 / 项目支出绩效自评表), rendered with the context the routes
build (:func:`jixiao.web.pages.declaration_context`, :func:`jixiao.web.reporting.table_context`) plus
``for_print``, which makes them extend ``print_base.html`` (no navigation, forms, buttons or store
state) instead of ``base.html``. WeasyPrint lays the HTML out on A4 with ``web/static/print.css`` after
the pages' own stylesheets: page numbers 第 n 页 / 共 N 页, table headers repeated on each page, rows
kept whole, the reports in landscape. The fonts are the system's Noto CJK SC (Debian's
``fonts-noto-cjk``), embedded as subsets with a ToUnicode map, so that the text can be copied and
``pdftotext`` gives the Chinese back. Nothing is fetched: the stylesheets are read from the package and
any URL the HTML might name is refused (:func:`_no_fetching`).

Pure functions, no store: the web routes and the CLI pass the library objects they hold.
WeasyPrint needs Pango (and, for speed, HarfBuzz's subsetter ``libharfbuzz-subset0``): it is imported
on first use, so that the rest of Jixiao works where those libraries are missing. docs/export.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from jixiao.actuals import Period
from jixiao.evaluation import Evaluation
from jixiao.model import Declaration
from jixiao.monitoring import Monitoring
from jixiao.review import Report
from jixiao.web.app import STATIC, templates
from jixiao.web.pages import declaration_context
from jixiao.web.reporting import table_context  # also registers the ``points`` filter

if TYPE_CHECKING:
    from weasyprint import CSS, Document

__all__ = ["FORM_TITLES", "declaration_html", "declaration_pdf", "declarations_pdf", "monitoring_html",
           "monitoring_pdf", "render_pdf", "self_evaluation_html", "self_evaluation_pdf"]

#: The stylesheets of the PDF, in order: the web pages' own, then the print layout.
STYLESHEETS = ("jixiao.css", "report.css", "print.css")
#: The title printed above a declaration, by layout (the form's own heading).
FORM_TITLES = {"shanghai-2024": "财政项目支出绩效目标申报表", "shanghai-2020": "财政项目支出绩效目标表"}
DEFAULT_FORM_TITLE = "项目支出绩效目标申报表"


# -- HTML: the page templates with the routes' context ---------------------------------------------------

def _render(template: str, context: dict[str, Any]) -> str:
    return templates.env.get_template(template).render({**context, "for_print": True})


def declaration_html(declaration: Declaration, review: Report | None = None) -> str:
    """The print HTML of one declaration (``detail.html``); with its review's findings when given."""
    context = declaration_context(declaration, review)
    year = f"（{declaration.year}年度）" if declaration.year else ""
    return _render("detail.html", {**context, "form_title": FORM_TITLES.get(declaration.layout,
                                                                            DEFAULT_FORM_TITLE) + year})


def _check_rows(declaration: Declaration, rows: Sequence[object], what: str) -> None:
    if len(rows) != len(declaration.indicators):
        raise ValueError(f"the {what} has {len(rows)} indicators, the declaration "
                         f"{len(declaration.indicators)}: it is not this declaration's")


def monitoring_html(declaration: Declaration, monitoring: Monitoring) -> str:
    """The print HTML of 项目支出绩效目标执行监控表: ``declaration`` with the figures to date laid over it
    (:func:`jixiao.actuals.apply_actuals`), ``monitoring`` its monitoring at the round's end (1–11月)."""
    _check_rows(declaration, monitoring.indicators, "monitoring")
    if monitoring.as_of.month == 12:
        raise ValueError("a monitoring round ends in January to November: the year end is the "
                         "self-evaluation (self_evaluation_pdf)")
    context = table_context(declaration, Period(monitoring.as_of.month), monitoring, None)
    return _render("report.html", {**context, "title": f"{context['table_title']}：{declaration.name or ''}",
                                   "landscape": True})


def self_evaluation_html(declaration: Declaration, evaluation: Evaluation) -> str:
    """The print HTML of 项目支出绩效自评表: ``declaration`` with the year's actuals laid over it,
    ``evaluation`` its self-evaluation (:meth:`jixiao.evaluation.Evaluator.evaluate`)."""
    _check_rows(declaration, evaluation.indicators, "evaluation")
    context = table_context(declaration, Period(12), None, evaluation)  # the year end shows no lights
    return _render("report.html", {**context, "title": f"{context['table_title']}：{declaration.name or ''}",
                                   "landscape": True})


# -- PDF -------------------------------------------------------------------------------------------------

@cache
def _no_fetching_class() -> type:
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"Jixiao's PDF fetches nothing: {url} refused")

    return NoFetching


def _no_fetching() -> Any:
    """WeasyPrint's URL fetcher, refusing every URL (``http(s):``, ``file:``, ``data:`` …): the PDF is
    made of the package's stylesheets and the system's fonts only, so that what a declaration says can
    never make the server fetch anything. WeasyPrint logs each refusal and draws nothing for it."""
    return _no_fetching_class()()


class _BrowserOnly(logging.Filter):
    """Drops WeasyPrint's notes on the web stylesheets' browser-only properties (``overflow-x``,
    ``user-select`` …: ``Ignored `…`, unknown property``), so that its log shows only real problems."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Ignored `")


@cache
def _stylesheets() -> tuple[CSS, ...]:
    """The stylesheets, parsed once (read from the package, never through a URL)."""
    from weasyprint import CSS

    fetcher = _no_fetching()
    quiet = _BrowserOnly()
    logger = logging.getLogger("weasyprint")
    logger.addFilter(quiet)
    try:
        return tuple(CSS(string=(STATIC / name).read_text(encoding="utf-8"), url_fetcher=fetcher)
                     for name in STYLESHEETS)
    finally:
        logger.removeFilter(quiet)


def _document(html: str) -> Document:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetching()).render(stylesheets=_stylesheets())


def _links_within(document: Document, number: int) -> None:
    """Keeps the links within the document (审核意见 → its indicator), named apart from the other
    documents' (``d2-ind-3``: each page has an ``ind-3``), and drops the links to the web app's pages
    (``/rules/JX108``), which lead nowhere from a file."""
    for page in document.pages:
        page.links[:] = [(kind, f"d{number}-{target}", *rest) for kind, target, *rest in page.links
                         if kind == "internal"]
        page.anchors = {f"d{number}-{name}": point for name, point in page.anchors.items()}


def render_pdf(pages: Iterable[str]) -> bytes:
    """The PDF of print HTML documents, one after the other, each starting on a new page and numbered
    on its own (第 1 页 / 共 n 页 of that document)."""
    documents = [_document(html) for html in pages]
    if not documents:
        raise ValueError("nothing to print")
    for number, document in enumerate(documents, start=1):
        _links_within(document, number)
    combined = documents[0].copy([page for document in documents for page in document.pages])
    return combined.write_pdf()


def declaration_pdf(declaration: Declaration, review: Report | None = None) -> bytes:
    """The declaration as a PDF (A4), with its review's score and findings when ``review`` is given."""
    return render_pdf([declaration_html(declaration, review)])


def declarations_pdf(declarations: Iterable[Declaration],
                     reviews: Iterable[Report | None] | None = None) -> bytes:
    """Several declarations in one PDF, each starting on a new page (``reviews``: one per declaration)."""
    decls = list(declarations)
    found = list(reviews) if reviews is not None else [None] * len(decls)
    if len(found) != len(decls):
        raise ValueError(f"{len(decls)} declarations but {len(found)} reviews")
    return render_pdf(declaration_html(d, r) for d, r in zip(decls, found, strict=True))


def monitoring_pdf(declaration: Declaration, monitoring: Monitoring) -> bytes:
    """项目支出绩效目标执行监控表 as a PDF (A4 landscape); see :func:`monitoring_html`."""
    return render_pdf([monitoring_html(declaration, monitoring)])


def self_evaluation_pdf(declaration: Declaration, evaluation: Evaluation) -> bytes:
    """项目支出绩效自评表 as a PDF (A4 landscape); see :func:`self_evaluation_html`."""
    return render_pdf([self_evaluation_html(declaration, evaluation)])
