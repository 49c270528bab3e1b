"""The REST API under ``/api/v1`` (reading; editing is :mod:`jixiao.web.editing`) and its offline docs
page at ``/api/docs``. Who may call what: :mod:`jixiao.web.auth`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jixiao.access import Permission
from jixiao.jsonformat import declaration_json
from jixiao.review import review as review_declaration
from jixiao.store.listing import GRADES, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SORTS, list_latest
from jixiao.store.repository import list_versions, load_version
from jixiao.text import money_json
from jixiao.web.app import ERROR_CODES, PageQuery, RowId, YearQuery, declaration_or_404, templates
from jixiao.web.auth import needs, principal, visibility
from jixiao.web.database import get_session

router = APIRouter(tags=["declarations"])
docs_router = APIRouter(include_in_schema=False)
SessionDep = Annotated[Session, Depends(get_session)]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": f'`{{"error": {{"status": {status}, "code": "{code}", "message": …}}}}`'}
    for status, code in ERROR_CODES.items() if status in (401, 403, 404, 422)}
READ = [needs(Permission.READ_DECLARATION)]


@router.get("/declarations", summary="List declarations (latest versions) the caller may read",
            responses=ERRORS, dependencies=READ)
def declarations(request: Request, session: SessionDep, year: YearQuery = None,
                 department: Annotated[str | None, Query(max_length=200, description="主管部门")] = None,
                 unit: Annotated[str | None, Query(max_length=200, description="实施单位")] = None,
                 nature: Annotated[str | None, Query(max_length=200,
                                                     description="项目性质 or 项目类别")] = None,
                 grade: Annotated[str | None, Query(pattern="^(" + "|".join(GRADES) + ")?$",
                                                    description="审核等级 of the latest version: 优 良 中 差"
                                                    )] = None,
                 q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH,
                                                description="Search in name, goals, indicator names")] = None,
                 sort: Annotated[str | None, Query(pattern="^(" + "|".join(SORTS) + ")?$",
                                                   description="name (pinyin), year, funds; - for descending"
                                                   )] = None,
                 page: PageQuery = 1,
                 size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50) -> dict[str, Any]:
    listing = list_latest(session, year=year, department=department or None, unit=unit or None,
                          nature=nature or None, grade=grade or None, q=(q or "").strip() or None,
                          sort=sort or None, page=page, size=size, scope=visibility(principal(request)))
    return {
        "items": [{"id": r.id, "version": r.version, "name": r.name, "year": r.year,
                   "department": r.department, "unit": r.unit, "funds_total": money_json(r.funds_total),
                   "indicator_count": r.indicator_count, "grade": r.grade, "score": r.score}
                  for r in listing.rows],
        "count": listing.count, "funds_total": money_json(listing.funds_total), "page": listing.page,
        "size": listing.size, "pages": listing.pages,
    }


@router.get("/declarations/{declaration_id}", summary="The latest version of a declaration",
            responses=ERRORS, dependencies=READ)
def declaration(request: Request, session: SessionDep, declaration_id: RowId) -> dict[str, Any]:
    stored = declaration_or_404(session, declaration_id, request)
    content = declaration_json(load_version(session, stored))
    return {"id": stored.id, "version": stored.latest_version, "status": stored.status, **content}


@router.get("/declarations/{declaration_id}/versions", summary="The versions of a declaration, oldest first",
            responses=ERRORS, dependencies=READ)
def versions(request: Request, session: SessionDep, declaration_id: RowId) -> dict[str, Any]:
    stored = declaration_or_404(session, declaration_id, request)
    return {"id": stored.id, "versions": [
        {"number": v.number, "created_at": v.created_at.isoformat(), "source": v.source,
         "content_hash": v.content_hash, "funds_total": money_json(v.funds_total),
         "indicator_count": v.indicator_count} for v in list_versions(session, stored)]}


@router.get("/declarations/{declaration_id}/review", summary="The review report of the latest version",
            responses=ERRORS, dependencies=READ)
def review(request: Request, session: SessionDep, declaration_id: RowId) -> dict[str, Any]:
    stored = declaration_or_404(session, declaration_id, request)
    report = review_declaration(load_version(session, stored))
    return {"id": stored.id, "version": stored.latest_version, **report.model_dump(mode="json")}


@docs_router.get("/docs", response_class=HTMLResponse, dependencies=[needs(Permission.ANYONE)])
def docs(request: Request) -> Response:
    """The endpoints of the OpenAPI document, as a page served without any external asset."""
    schema = request.app.openapi()
    endpoints = [{"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                  "parameters": [p["name"] + ("" if p.get("required") else "?")
                                 for p in op.get("parameters", [])]}
                 for path, item in schema.get("paths", {}).items() for method, op in item.items()]
    return templates.TemplateResponse(request, "api_docs.html", {
        "title": "API 文档", "endpoints": endpoints, "openapi_url": request.app.openapi_url,
        "version": schema.get("info", {}).get("version")})
