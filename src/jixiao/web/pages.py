"""The Chinese pages: 项目列表, 项目详情, 规则. Each route calls library functions and renders a template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jixiao.access import Permission, place_of
from jixiao.levels import runs
from jixiao.model import Declaration as DeclarationModel
from jixiao.model import Indicator
from jixiao.review import CATEGORIES, RULES, Finding, Report
from jixiao.review import review as review_declaration
from jixiao.review.render import SEVERITY_ZH, rule_page
from jixiao.store.listing import GRADES, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SORTS, choices, list_latest
from jixiao.store.repository import list_versions, load_version
from jixiao.vocabulary import FIELD_TITLES as FIELDS
from jixiao.vocabulary import FUNDS_TITLES as FUNDS
from jixiao.web.app import PageQuery, RowId, YearQuery, declaration_or_404, templates
from jixiao.web.auth import needs, principal, visibility
from jixiao.web.database import get_session
from jixiao.workflow import status_title

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SessionDep = Annotated[Session, Depends(get_session)]

@dataclass
class IndicatorRow:
    """One row of the indicator table: rowspans of the merged level cells (0: covered by the row above)."""

    index: int  # 1-based, as findings refer to it
    indicator: Indicator
    level1_span: int
    level2_span: int
    findings: list[Finding] = field(default_factory=list)


def indicator_rows(indicators: list[Indicator], findings: list[Finding]) -> list[IndicatorRow]:
    """The indicators with the level-1 and level-2 cells merged over runs of equal values, like the form."""
    rows = [IndicatorRow(i, ind, 0, 0, [f for f in findings if f.indicator and f.indicator.index == i])
            for i, ind in enumerate(indicators, 1)]
    level1 = runs([ind.level1 for ind in indicators])
    for first, last in level1:
        rows[first].level1_span = last - first + 1
    for first, last in runs([ind.level2 for ind in indicators], level1):
        rows[first].level2_span = last - first + 1
    return rows


def declaration_context(decl: DeclarationModel, report: Report | None) -> dict[str, Any]:
    """What 项目详情 (``detail.html``) shows of a declaration and its review (``None``: none, as a PDF
    may be made): the page's context and the PDF's (:mod:`jixiao.export.pdf`), so that they cannot drift."""
    findings = report.findings if report is not None else []
    return {"title": decl.name or "项目详情", "decl": decl,
            "fields": [(label, getattr(decl, key)) for key, label in FIELDS],
            "funds": [(label, getattr(decl.funds, key)) for key, label in FUNDS],
            "rows": indicator_rows(decl.indicators, findings), "report": report,
            "general": [f for f in findings if f.indicator is None],
            "severity": SEVERITY_ZH, "categories": CATEGORIES}


SORT_PATTERN = "^(" + "|".join(SORTS) + ")?$"
GRADE_PATTERN = "^(" + "|".join(GRADES) + ")?$"
# The sortable columns of the list: header label, the ascending sort, what a first click sorts by.
SORT_COLUMNS = [("项目名称", "name", "name"), ("年度", "year", "-year"), ("资金总额(元)", "funds", "-funds")]


def _sort_links(params: dict[str, Any], sort: str | None) -> dict[str, dict[str, str]]:
    """Each sortable header's link (a click on the current sort reverses it) and its arrow."""
    links = {}
    for label, key, first in SORT_COLUMNS:
        current = sort or "-year"
        target = ("-" + key if current == key else key) if current.lstrip("-") == key else first
        arrow = ("▲" if current == key else "▼") if current.lstrip("-") == key else ""
        query = {k: v for k, v in params.items() if v not in (None, "") and k != "page"}
        query["sort"] = target
        links[key] = {"label": label, "href": "/?" + urlencode(query), "arrow": arrow}
    return links


@router.get("/", dependencies=[needs(Permission.READ_DECLARATION)])
def project_list(request: Request, session: SessionDep,
                 year: YearQuery = None,
                 department: Annotated[str | None, Query(max_length=200)] = None,
                 unit: Annotated[str | None, Query(max_length=200)] = None,
                 nature: Annotated[str | None, Query(max_length=200)] = None,
                 grade: Annotated[str | None, Query(pattern=GRADE_PATTERN)] = None,
                 q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH)] = None,
                 sort: Annotated[str | None, Query(pattern=SORT_PATTERN)] = None,
                 page: PageQuery = 1,
                 size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50) -> Response:
    q = (q or "").strip()
    scope = visibility(principal(request))
    listing = list_latest(session, year=year, department=department or None, unit=unit or None,
                          nature=nature or None, grade=grade or None, q=q or None, sort=sort or None,
                          page=page, size=size, scope=scope)
    params = {"q": q, "year": year, "department": department or "", "unit": unit or "",
              "nature": nature or "", "grade": grade or "", "sort": sort or "", "size": listing.size}
    keep = {k: v for k, v in params.items() if v not in (None, "")}
    return templates.TemplateResponse(request, "list.html", {
        "listing": listing, "choices": choices(session, scope), **params, "title": "项目列表",
        "sorts": _sort_links(params, sort or None),
        "page_link": lambda n: "/?" + urlencode({**keep, "page": n})})


@router.get("/declarations/{declaration_id}", dependencies=[needs(Permission.READ_DECLARATION)])
def project_detail(request: Request, session: SessionDep, declaration_id: RowId) -> Response:
    stored = declaration_or_404(session, declaration_id, request)
    decl: DeclarationModel = load_version(session, stored)
    report = review_declaration(decl)
    editable = principal(request).may(Permission.EDIT_DECLARATION, place_of(stored))
    return templates.TemplateResponse(request, "detail.html", {
        **declaration_context(decl, report), "id": stored.id, "version": stored.latest_version,
        "status": stored.status, "status_title": status_title(stored.status), "editable": editable,
        "versions": list_versions(session, stored)})


@router.get("/rules", dependencies=[needs(Permission.ANYONE)])
def rule_list(request: Request) -> Response:
    return templates.TemplateResponse(request, "rules.html", {
        "title": "规则", "rules": [r for _, r in sorted(RULES.items())], "severity": SEVERITY_ZH,
        "categories": CATEGORIES})


@router.get("/rules/{code}", dependencies=[needs(Permission.ANYONE)])
def rule_detail(request: Request, code: str) -> Response:
    rule = RULES.get(code.upper())
    if rule is None:
        raise HTTPException(404, f"没有规则 {code}")
    return templates.TemplateResponse(request, "rule.html", {
        "title": f"{rule.code} {rule.title}", "rule": rule, "page": rule_page(rule)})
