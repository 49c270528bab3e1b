"""The audit administrator's pages (审计): the log with filters and pages, its verification, its export.

- ``GET /audit``: entries newest first, filtered by user, action (a code or a prefix such as
  ``declaration.*``), object, outcome and a range of dates (UTC, both days included), 50 a page;
  ``?verify=1`` (the 校验 button) also walks the whole chain (:func:`jixiao.audit.verify`) and shows
  the result, and the first broken entry when there is one;
- ``GET /audit/export?format=csv|jsonl``: the whole log, streamed as a download; the export is recorded
  first (``audit.export``), so it contains its own record;
- ``GET /api/v1/audit``: the same filters and pages as JSON.

Only the audit administrator (审计管理员, :attr:`Permission.READ_AUDIT`) may call them: the system
and security administrators get 403 (三员分立), the public 401 (pages send it to 登录). The API works
with the browser session, or with an API token of an audit administrator that has the ``read`` scope
(:data:`jixiao.access.PERMISSION_SCOPES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from jixiao.access import Permission
from jixiao.audit import ACTIONS, OUTCOMES, AuditEntry, count_entries, entries, export, record, verify
from jixiao.web.app import PageQuery, templates
from jixiao.web.auth import needs, principal
from jixiao.web.database import get_session

page_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(tags=["audit"])
SessionDep = Annotated[Session, Depends(get_session)]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
OUTCOME_TITLES = {"ok": "成功", "denied": "拒绝", "failed": "失败"}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: The choices of the action filter: every prefix of the codes (``declaration.*``), then each code.
ACTION_CHOICES = [(f"{prefix}.*", f"{prefix}.*（全部）") for prefix in
                  dict.fromkeys(code.split(".")[0] for code in ACTIONS if "." in code)] + \
                 [(code, f"{code}（{action.title}）") for code, action in ACTIONS.items()]


def _blank_is_none(value: Any) -> Any:
    """A filter left empty is sent as ``actor=``: the same as no filter."""
    return None if value == "" else value


Text = Annotated[str | None, BeforeValidator(_blank_is_none), Query(max_length=200, pattern=r"^[^\x00]*$")]
Day = Annotated[date | None, BeforeValidator(_blank_is_none), Query(description="YYYY-MM-DD (UTC)")]
Outcome = Annotated[str | None, BeforeValidator(_blank_is_none),
                    Query(pattern="^(" + "|".join(OUTCOMES) + ")$")]


@dataclass(frozen=True)
class Filters:
    """The filters of one request, as :func:`jixiao.audit.entries` takes them."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: date | None = None
    until: date | None = None  # included: entries before the next day

    def query(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~jixiao.audit.entries` and :func:`~jixiao.audit.count_entries`."""
        until = self.until + timedelta(days=1) if self.until else None
        return {"actor": self.actor, "action": self.action, "object_type": self.object_type,
                "object_id": self.object_id, "outcome": self.outcome,
                "since": datetime.combine(self.since, time(), UTC) if self.since else None,
                "until": datetime.combine(until, time(), UTC) if until else None}

    def params(self) -> dict[str, str]:
        """The filters given, for links (paging, export)."""
        values = {"actor": self.actor, "action": self.action, "object_type": self.object_type,
                  "object_id": self.object_id, "outcome": self.outcome,
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None}
        return {key: value for key, value in values.items() if value is not None}


def filters(actor: Text = None, action: Text = None, object_type: Text = None, object_id: Text = None,
            outcome: Outcome = None, since: Day = None, until: Day = None) -> Filters:
    """The filters of the query string (a FastAPI dependency)."""
    return Filters(actor, action, object_type, object_id, outcome, since, until)


FiltersDep = Annotated[Filters, Depends(filters)]


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor, "user_id": entry.user_id,
            "address": entry.address, "action": entry.action, "action_title": entry.action_title,
            "object_type": entry.object_type, "object_id": entry.object_id, "outcome": entry.outcome,
            "details": entry.details_value(), "prev_hash": entry.prev_hash, "hash": entry.hash}


@page_router.get("/audit", dependencies=[needs(Permission.READ_AUDIT)])
def audit_page(request: Request, session: SessionDep, found: FiltersDep,
               page: PageQuery = 1,
               verify_log: Annotated[bool, Query(alias="verify")] = False) -> Response:
    count = count_entries(session, **found.query())
    pages = max(1, -(-count // PAGE_SIZE))
    shown = entries(session, **found.query(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    checked = verify(session) if verify_log else None
    broken = session.get(AuditEntry, checked.entry_id) if checked and checked.entry_id else None
    params = found.params()
    return templates.TemplateResponse(request, "audit.html", {
        "title": "审计日志", "entries": shown, "count": count, "page": page, "pages": pages,
        "filters": found, "checked": checked, "broken": broken, "actions": ACTION_CHOICES,
        "outcomes": OUTCOME_TITLES,
        "page_link": lambda n: "/audit?" + urlencode({**params, "page": n}),
        "verify_link": "/audit?" + urlencode({**params, "page": page, "verify": 1}),
        "export_link": lambda fmt: "/audit/export?" + urlencode({"format": fmt})})


@page_router.get("/audit/export", dependencies=[needs(Permission.READ_AUDIT)])
def audit_export(request: Request,
                 fmt: Annotated[str, Query(alias="format", pattern="^(csv|jsonl)$")] = "jsonl") -> Response:
    """The whole log (filters do not apply: an export is for verifying and keeping), streamed."""
    sessions = request.app.state.session_factory
    with sessions() as session, session.begin():
        record(session, principal(request).actor, "audit.export", details={"format": fmt, "via": "web"})

    def lines() -> Iterator[bytes]:
        with sessions() as session:
            for line in export(session, fmt):
                yield line.encode("utf-8")

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(lines(), media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="jixiao-audit-{stamp}.{fmt}"',
        "Cache-Control": "no-store"})


@api_router.get("/audit", summary="Audit log entries, newest first (审计管理员 only)",
                dependencies=[needs(Permission.READ_AUDIT)])
def audit_api(session: SessionDep, found: FiltersDep, page: PageQuery = 1,
              size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE) -> dict[str, Any]:
    count = count_entries(session, **found.query())
    shown = entries(session, **found.query(), limit=size, offset=(page - 1) * size)
    return {"items": [entry_json(e) for e in shown], "count": count, "page": page, "size": size,
            "pages": max(1, -(-count // size))}
