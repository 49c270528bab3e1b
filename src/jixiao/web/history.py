"""Comparing two versions of a declaration: the page ``/declarations/{id}/diff`` and its API twin.

``?from=A&to=B`` are version numbers; without ``to`` the latest version, without ``from`` the one
before ``to`` (or ``to`` itself when there is only one version). Versions are immutable, so any two
can be compared, in either order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jixiao.access import Permission
from jixiao.diff import Diff, diff
from jixiao.store.models import Declaration, DeclarationVersion
from jixiao.store.repository import list_versions, load_version
from jixiao.web.api import ERRORS
from jixiao.web.app import MAX_INT, RowId, declaration_or_404, templates
from jixiao.web.auth import needs
from jixiao.web.database import get_session

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(tags=["declarations"])
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Messages:
    """The error messages of a surface: Chinese on the pages, English in the API like the rest of it."""

    no_version: str


PAGE = Messages(no_version="项目 {id} 没有第 {number} 版：现有第 1 至第 {latest} 版")
API = Messages(no_version="declaration {id} has no version {number} (it has versions 1 to {latest})")
NOT_A_NUMBER = "版本号「{value}」无效：{name} 应为正整数（第几版）"


@dataclass
class Comparison:
    """Two versions of one declaration and what changed from the first to the second."""

    stored: Declaration
    old_number: int
    new_number: int
    diff: Diff


def compare(request: Request, session: Session, declaration_id: int, old: int | None, new: int | None,
            messages: Messages) -> Comparison:
    """Versions ``old`` → ``new`` of a declaration (defaults: see the module doc); HTTP 404 when absent
    or not the caller's to read."""
    stored = declaration_or_404(session, declaration_id, request)
    new = _existing(stored, stored.latest_version if new is None else new, messages)
    old = _existing(stored, max(1, new - 1) if old is None else old, messages)
    changes = diff(load_version(session, stored, old), load_version(session, stored, new))
    return Comparison(stored, old, new, changes)


def _existing(stored: Declaration, number: int, messages: Messages) -> int:
    if not 1 <= number <= stored.latest_version:  # versions are 1 … latest, none is ever deleted
        raise HTTPException(404, messages.no_version.format(id=stored.id, number=number,
                                                            latest=stored.latest_version))
    return number


def _version_number(value: str | None, name: str) -> int | None:
    """A version number from the page's address: blank for the default, else a positive integer."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_INT:
        raise HTTPException(400, NOT_A_NUMBER.format(value=value, name=name))
    return int(value)


@router.get("/declarations/{declaration_id}/diff", dependencies=[needs(Permission.READ_DECLARATION)])
def diff_page(request: Request, session: SessionDep, declaration_id: RowId,
              old: Annotated[str | None, Query(alias="from", max_length=20)] = None,
              new: Annotated[str | None, Query(alias="to", max_length=20)] = None) -> Response:
    comparison = compare(request, session, declaration_id, _version_number(old, "from"),
                         _version_number(new, "to"), PAGE)
    versions: list[DeclarationVersion] = list_versions(session, comparison.stored)
    name = comparison.stored.name or "（无名称）"
    return templates.TemplateResponse(request, "diff.html", {
        "title": f"{name} · 版本比较", "name": name, "id": declaration_id, "c": comparison,
        "versions": versions})


@api_router.get("/declarations/{declaration_id}/diff", responses=ERRORS,
                summary="The changes between two versions of a declaration",
                dependencies=[needs(Permission.READ_DECLARATION)])
def diff_api(request: Request, session: SessionDep, declaration_id: RowId,
             old: Annotated[int | None, Query(alias="from", ge=1, le=MAX_INT,
                                              description="Default: the one before `to`")] = None,
             new: Annotated[int | None, Query(alias="to", ge=1, le=MAX_INT, description="Default: the latest")
                            ] = None) -> dict[str, Any]:
    comparison = compare(request, session, declaration_id, old, new, API)
    return {"id": declaration_id, "from": comparison.old_number, "to": comparison.new_number,
            **comparison.diff.model_dump(mode="json")}
