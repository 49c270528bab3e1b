"""The approval workflow (审核流程) in the web app: the panel of 项目详情, its forms, 待办, and the API.

Pages:

- the panel ``_workflow_panel.html``, included by ``detail.html``: the status, the lock, the actions
  the caller may take (each a form with a comment; 退回 with a comment per indicator), the history,
  the open review comments with 已处理. Its data is the template global ``workflow_panel(request,
  id)`` (:func:`panel`), worked out once per request;
- ``POST /declarations/{id}/transitions`` (form: ``action``, ``comment``, ``indicator-N``,
  ``expected_status``, ``csrf_token``): redirects back with ``?done=ACTION``; a refusal renders the
  detail page again, the message in the panel and the form as it was filled, with the status
  :data:`STATUS_OF` gives (404, 403, 409, 422);
- ``POST /declarations/{id}/comments/{comment_id}/resolve``: 已处理;
- ``GET /todo`` (待办): what waits on the caller, counted per status. The navigation's 待办 link and its
  count badge (and 审计 for the audit administrator) come from the template global ``workflow_nav``.

API under ``/api/v1``: ``GET /declarations/{id}/workflow`` (status, actions, history, comments),
``POST /declarations/{id}/transitions`` (JSON ``{action, comment, indicator_comments,
expected_status}``), ``GET /todo``. Indicators are numbered from 1 here, as the page and the review's
findings number them (the library counts positions from 0).

Access: a transition needs :attr:`Permission.REVIEW` and read access to the declaration (else 404, as
if it did not exist); :func:`jixiao.workflow.transition` then checks the role, the scope and the
status. Each transition is recorded in the audit log (``declaration.transition``) in its own
transaction; a refused one is recorded too (outcome ``denied`` when the role or scope was wrong,
``failed`` otherwise), in a transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from jixiao import workflow
from jixiao.access import DeclarationPlace, Permission, allowed
from jixiao.audit import record
from jixiao.errors import UsageError
from jixiao.roles import Actor, Role
from jixiao.store.models import Declaration, DeclarationVersion, Indicator
from jixiao.text import has_nul
from jixiao.web.app import WORKFLOW_STATUS, PageQuery, RowId, error_body, templates
from jixiao.web.auth import Principal, needs, principal
from jixiao.web.database import get_session

page_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(tags=["workflow"])
SessionDep = Annotated[Session, Depends(get_session)]

MAX_COMMENT = 4000  # characters of one comment
TODO_PAGE = 50

#: What each status on a to-do list asks of its reader.
TODO_LABELS = {
    workflow.Status.DRAFT: "待提交",
    workflow.Status.RETURNED: "被退回，待修改后重新提交",
    workflow.Status.SUBMITTED: "待主管部门审核",
    workflow.Status.DEPARTMENT_APPROVED: "待财政审核",
    workflow.Status.FINANCE_APPROVED: "待公开",
}
_DONE = {action.code: action.label for action in workflow.ACTIONS} | {"resolve": "标为已处理"}
_ERRORS = {status: {"description": f'`{{"error": {{"status": {status}, "code": …, "message": …}}}}`'}
           for status in (401, 403, 404, 409, 422)}


NUL_MESSAGE = "意见不能包含 NUL 字符"


def error_status(err: workflow.WorkflowError) -> int:
    """The HTTP status of a refusal (docs/workflow.md): 404, 403, 409 or 422."""
    return WORKFLOW_STATUS.get(err.code, 400)


# -- the library calls, each in one transaction ---------------------------------------------------------

def _readable(session: Session, who: Principal, declaration_id: int) -> workflow.Place:
    """The declaration's place if the caller may read it; otherwise the 404 of a missing one."""
    try:
        at = workflow.place(session, declaration_id)
    except workflow.NotFound as err:
        raise HTTPException(404, str(err)) from None
    # The actor's right alone, as jixiao.web.app.declaration_or_404: the route's needs() checked the token.
    if not allowed(who.actor, Permission.READ_DECLARATION, DeclarationPlace(at.status, at.unit_id,
                                                                             at.department_id)):
        raise HTTPException(404, f"没有编号为 {declaration_id} 的项目")
    return at


@dataclass(frozen=True)
class Step:
    """What the caller asked for: an action, its reason and indicator comments (numbered from 1)."""

    action: str
    comment: str | None = None
    indicator_comments: dict[int, str] = field(default_factory=dict)
    expected_status: str | None = None


def take_step(sessions: sessionmaker[Session], who: Principal, declaration_id: int, step: Step
              ) -> dict[str, Any]:
    """Take ``step`` and record it in the audit log, in one transaction; the transition as
    :func:`transition_json` gives it. A refusal raises after recording it in a transaction of its own."""
    positions = {number - 1: text for number, text in step.indicator_comments.items()}
    try:
        with sessions() as session, session.begin():
            _readable(session, who, declaration_id)
            taken = workflow.transition(session, declaration_id, step.action, who.actor, comment=step.comment,
                                        indicator_comments=positions, expected_status=step.expected_status)
            record(session, who.actor, "declaration.transition", object_type="declaration",
                   object_id=declaration_id, before={"status": taken.from_status},
                   after={"status": taken.to_status},
                   details={"action": taken.action, "version": taken.version, "comment": taken.comment,
                            "indicator_comments": {str(c.indicator + 1): c.text for c in taken.comments
                                                   if c.indicator is not None}})
            return transition_json(taken)
    except workflow.WorkflowError as err:
        outcome = "denied" if isinstance(err, workflow.ActionNotAllowed) else "failed"
        with sessions() as session, session.begin():
            record(session, who.actor, "declaration.transition", object_type="declaration",
                   object_id=declaration_id, outcome=outcome,
                   details={"action": step.action, "reason": err.code, "message": str(err)})
        raise


def resolve(sessions: sessionmaker[Session], who: Principal, declaration_id: int, comment_id: int) -> None:
    """Mark a review comment of this declaration as dealt with (:func:`jixiao.workflow.resolve_comment`)."""
    with sessions() as session, session.begin():
        _readable(session, who, declaration_id)
        found = session.get(workflow.ReviewComment, comment_id)
        if found is None or found.declaration_id != declaration_id:
            raise workflow.NotFound(f"项目 {declaration_id} 没有编号为 {comment_id} 的审核意见")
        workflow.resolve_comment(session, comment_id, who.actor)


# -- JSON ------------------------------------------------------------------------------------------------

def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def comment_json(comment: workflow.ReviewComment) -> dict[str, Any]:
    return {"id": comment.id, "version": comment.version,
            "indicator": None if comment.indicator is None else comment.indicator + 1, "text": comment.text,
            "author": comment.author, "at": _time(comment.at), "resolved": comment.resolved,
            "resolved_at": _time(comment.resolved_at), "resolved_by": comment.resolved_by}


def transition_json(taken: workflow.Transition) -> dict[str, Any]:
    return {"id": taken.id, "version": taken.version, "action": taken.action,
            "action_label": taken.action_label,
            "from_status": taken.from_status, "to_status": taken.to_status, "actor": taken.actor,
            "at": _time(taken.at), "comment": taken.comment,
            "indicator_comments": [{"indicator": c.indicator + 1, "text": c.text} for c in taken.comments
                                   if c.indicator is not None]}


def action_json(action: workflow.Action, status: str) -> dict[str, Any]:
    step = action.step_from(status)
    return {"code": action.code, "label": action.label, "comment_required": action.comment_required,
            "to_status": step.target.value if step else None}


def insider(actor: Actor, at: workflow.Place) -> bool:
    """Whether ``actor`` sees the review's history and comments: those who may read the declaration
    whatever its status (its unit, its department, finance). Once it is published, everyone reads the
    declaration and its status, not who reviewed it and what they wrote."""
    return allowed(actor, Permission.READ_DECLARATION,
                   DeclarationPlace(workflow.Status.DRAFT.value, at.unit_id, at.department_id))


def workflow_json(session: Session, who: Principal, declaration_id: int) -> dict[str, Any]:
    at = _readable(session, who, declaration_id)
    inside = insider(who.actor, at)
    steps = workflow.history(session, declaration_id) if inside else []
    remarks = workflow.comments(session, declaration_id) if inside else []
    return {"id": at.id, "status": at.status, "status_title": workflow.status_title(at.status),
            "version": at.version, "locked": workflow.is_locked(at.status),
            "actions": [action_json(a, at.status) for a in _actions(who, at)],
            "history": [transition_json(t) for t in steps], "comments": [comment_json(c) for c in remarks]}


def _actions(who: Principal, at: workflow.Place) -> list[workflow.Action]:
    """The buttons to show: none when the caller (an API token without ``review``) may not review."""
    if not who.may(Permission.REVIEW):
        return []
    return workflow.available_actions(who.actor, at.status, at.unit_id, at.department_id)


def _refusal(err: workflow.WorkflowError | UsageError) -> JSONResponse:
    if isinstance(err, UsageError):
        return JSONResponse(error_body(422, str(err), "invalid_parameter"), status_code=422)
    status = error_status(err)
    return JSONResponse(error_body(status, str(err), err.code), status_code=status)


# -- API -------------------------------------------------------------------------------------------------

class TransitionBody(BaseModel):
    """A workflow step as the API takes it."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _no_nul(self) -> TransitionBody:
        if has_nul([self.comment, *self.indicator_comments.values()]):
            raise ValueError(NUL_MESSAGE)
        return self

    action: str = Field(max_length=32, description="submit, approve, return, publish or withdraw")
    comment: str | None = Field(None, max_length=MAX_COMMENT,
                                description="The reason: required to return (退回) or withdraw (撤回公开)")
    indicator_comments: dict[Annotated[int, Field(ge=1)], Annotated[str, Field(max_length=MAX_COMMENT)]] = \
        Field(default_factory=dict, max_length=1000,
        description="A return only: comments on single indicators, by their number (1 = the first)")
    expected_status: str | None = Field(None, max_length=32,
                                        description="The status the caller saw: 409 if it changed since")


@api_router.get("/declarations/{declaration_id}/workflow", summary="The declaration's workflow: status, "
                "the caller's actions, history, review comments", responses=_ERRORS,
                dependencies=[needs(Permission.READ_DECLARATION)])
def workflow_state(request: Request, session: SessionDep, declaration_id: RowId) -> dict[str, Any]:
    return workflow_json(session, principal(request), declaration_id)


@api_router.post("/declarations/{declaration_id}/transitions", summary="Take a workflow step "
                 "(submit, approve, return, publish, withdraw)", responses=_ERRORS,
                 dependencies=[needs(Permission.REVIEW)])
def take_transition(request: Request, session: SessionDep, declaration_id: RowId,
                    body: Annotated[TransitionBody, Body()]) -> Response:
    who = principal(request)
    step = Step(body.action, body.comment, body.indicator_comments, body.expected_status)
    try:
        taken = take_step(request.app.state.session_factory, who, declaration_id, step)
    except (workflow.WorkflowError, UsageError) as err:
        return _refusal(err)
    return JSONResponse({**workflow_json(session, who, declaration_id), "transition": taken})


@api_router.get("/todo", summary="What waits on the caller (待办): counts per status, one page of "
                "declarations", dependencies=[needs(Permission.LOGGED_IN)])
def todo_api(request: Request, session: SessionDep,
             status: Annotated[workflow.Status | None, Query(description="Only this status")] = None,
             page: PageQuery = 1,
             size: Annotated[int, Query(ge=1, le=500)] = TODO_PAGE) -> dict[str, Any]:
    waiting = todo_page_of(session, principal(request).actor, status, page, size)
    return {"counts": {s.value: n for s, n in waiting.counts.items()}, "total": waiting.total,
            "items": [{"id": d.id, "name": d.name, "year": d.year, "unit": d.unit, "status": d.status,
                       "status_title": workflow.status_title(d.status), "version": d.latest_version,
                       "updated_at": _time(d.updated_at)} for d in waiting.declarations],
            "count": waiting.count, "page": page, "size": size}


# -- to-do lists -----------------------------------------------------------------------------------------

@dataclass
class TodoPage:
    counts: dict[workflow.Status, int]
    declarations: list[Declaration]
    count: int  # of the status shown (all of them without one)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def todo_page_of(session: Session, actor: Actor, status: workflow.Status | None, page: int, size: int
                 ) -> TodoPage:
    """One page of the caller's to-do list, of one status or all; the counts per status."""
    if status is None:
        waiting = workflow.todo(session, actor, limit=size, offset=(page - 1) * size)
        return TodoPage(waiting.counts, waiting.declarations, waiting.total)
    counts = workflow.todo(session, actor, limit=0).counts
    condition = workflow.todo_condition(actor) & (Declaration.status == status.value)
    declarations = list(session.scalars(
        select(Declaration).where(condition)
        .order_by(Declaration.year.desc().nulls_last(), Declaration.name, Declaration.id)
        .limit(size).offset((page - 1) * size))) if counts.get(status) else []
    return TodoPage(counts, declarations, counts.get(status, 0))


@page_router.get("/todo", dependencies=[needs(Permission.LOGGED_IN)])
def todo_page(request: Request, session: SessionDep,
              status: Annotated[workflow.Status | None, Query()] = None,
              page: PageQuery = 1) -> Response:
    waiting = todo_page_of(session, principal(request).actor, status, page, TODO_PAGE)
    pages = max(1, -(-waiting.count // TODO_PAGE))
    keep = {"status": status.value} if status else {}
    return templates.TemplateResponse(request, "todo.html", {
        "title": "待办", "waiting": waiting, "status": status, "page": page, "pages": pages,
        "labels": TODO_LABELS, "status_title": workflow.status_title,
        "page_link": lambda n: "/todo?" + urlencode({**keep, "page": n})})


def nav_links(request: Request) -> list[dict[str, Any]]:
    """The navigation's links of this module: 待办 with its count for a business role, 审计 for the audit
    administrator; nothing for the public. Worked out once per request."""
    cached = getattr(request.state, "workflow_nav", None)
    if cached is not None:
        return cached
    who = principal(request)
    links: list[dict[str, Any]] = []
    if who.via == "session" and any(role in workflow.WAITING for role in who.actor.roles):
        with request.app.state.session_factory() as session:
            count = session.scalar(select(func.count()).select_from(Declaration)
                                   .where(workflow.todo_condition(who.actor)))
        links.append({"href": "/todo", "label": "待办", "count": count or 0, "id": "nav-todo"})
    if who.via == "session" and who.actor.has(Role.AUDIT_ADMIN):
        links.append({"href": "/audit", "label": "审计", "count": None, "id": "nav-audit"})
    request.state.workflow_nav = links
    return links


# -- the panel of 项目详情 ---------------------------------------------------------------------------------

@dataclass
class Panel:
    """What ``_workflow_panel.html`` shows for one declaration to the caller."""

    id: int
    status: str
    version: int
    actions: list[workflow.Action]
    history: list[workflow.Transition]
    #: (comment, the indicator's name in the version commented on, whether the caller may resolve it)
    open_comments: list[tuple[workflow.ReviewComment, str | None, bool]]
    resolved_count: int
    csrf_token: str | None
    inside: bool = True  # sees the history and comments (:func:`insider`)
    done: str | None = None  # the action just taken (?done=), for the message
    error: str | None = None  # why the step just asked for was refused
    form: dict[str, Any] = field(default_factory=dict)  # what was filled in, when refused

    @property
    def status_title(self) -> str:
        return workflow.status_title(self.status)

    @property
    def locked(self) -> bool:
        return workflow.is_locked(self.status)

    @property
    def lock_message(self) -> str:
        if self.status in (workflow.Status.SUBMITTED, workflow.Status.DEPARTMENT_APPROVED):
            return "已锁定，需退回后才能修改"
        return "已锁定，不能再修改"

    @property
    def done_message(self) -> str | None:
        if self.done not in _DONE:
            return None
        return f"已{_DONE[self.done]}：项目现为「{self.status_title}」"


def _may_resolve(actor: Actor, comment: workflow.ReviewComment, at: workflow.Place) -> bool:
    """The rule of :func:`jixiao.workflow.resolve_comment`, to show its button only where it works."""
    if actor.is_public:
        return False
    unit = any(workflow.in_scope(actor, role, at.unit_id, at.department_id)
               for role in (Role.FILLER, Role.UNIT_REVIEWER))
    return actor.username == comment.author or (unit and at.status in workflow.EDITABLE)


def _indicator_names(session: Session, declaration_id: int, comments: list[workflow.ReviewComment]
                     ) -> dict[tuple[int, int], str]:
    """The name of each indicator the comments are on, in the version each was made on."""
    wanted = {(c.version, c.indicator) for c in comments if c.indicator is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(DeclarationVersion.number, Indicator.position, Indicator.name)
        .join(Indicator, Indicator.version_id == DeclarationVersion.id)
        .where(DeclarationVersion.declaration_id == declaration_id,
               tuple_(DeclarationVersion.number, Indicator.position).in_(sorted(wanted))))
    return {(number, position): name for number, position, name in rows}


def panel(request: Request, declaration_id: int) -> Panel | None:
    """The panel's data (the template global ``workflow_panel``), once per request; ``None`` when the
    caller may not read the declaration (the page is a 404 then anyway)."""
    cached: dict[int, Panel | None] | None = getattr(request.state, "workflow_panels", None)
    if cached is None:
        cached = request.state.workflow_panels = {}
    if declaration_id in cached:
        return cached[declaration_id]
    who = principal(request)
    with request.app.state.session_factory() as session:
        try:
            at = _readable(session, who, declaration_id)
        except HTTPException:
            cached[declaration_id] = None
            return None
        inside = insider(who.actor, at)
        everything = workflow.comments(session, declaration_id) if inside else []
        still_open = [c for c in everything if not c.resolved]
        names = _indicator_names(session, declaration_id, still_open)
        found = Panel(
            id=at.id, status=at.status, version=at.version, actions=_actions(who, at), inside=inside,
            history=workflow.history(session, declaration_id) if inside else [],
            open_comments=[(c, names.get((c.version, c.indicator)) if c.indicator is not None else None,
                            _may_resolve(who.actor, c, at)) for c in still_open],
            resolved_count=len(everything) - len(still_open), csrf_token=who.csrf_token,
            done=request.query_params.get("done"),
            error=getattr(request.state, "workflow_error", None),
            form=getattr(request.state, "workflow_form", {}))
    cached[declaration_id] = found
    return found


templates.env.globals["workflow_panel"] = panel
templates.env.globals["workflow_nav"] = nav_links


# -- the forms -------------------------------------------------------------------------------------------

def _form_step(form: Any) -> Step:
    """The step a submitted panel form asks for; over-long text is a 422 (the form limits it too)."""
    def text(name: str) -> str | None:
        value = form.get(name)
        if value is not None and not isinstance(value, str):
            raise HTTPException(422, f"{name} 应是文本")
        if value is not None and len(value) > MAX_COMMENT:
            raise HTTPException(422, f"意见不能超过 {MAX_COMMENT} 字")
        return value

    on_indicators = {}
    for key in form:
        number = key.removeprefix("indicator-")
        if key.startswith("indicator-") and number.isdigit() and int(number) >= 1:
            on_indicators[int(number)] = text(key) or ""
    step = Step(text("action") or "", text("comment"), on_indicators, text("expected_status") or None)
    if has_nul([step.comment, *on_indicators.values()]):
        raise HTTPException(422, NUL_MESSAGE)
    return step


async def _form(request: Request) -> Any:
    """The posted form: urlencoded only, the kind whose CSRF field :func:`jixiao.web.auth.identify`
    checks (it leaves multipart bodies to the upload route)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "表单应以 application/x-www-form-urlencoded 提交")
    return await request.form()  # read already by the CSRF check


@page_router.post("/declarations/{declaration_id}/transitions", dependencies=[needs(Permission.REVIEW)])
async def transition_form(request: Request, declaration_id: RowId) -> Response:
    """The panel's forms: take the step and come back to the page, or show it again with the refusal."""
    step = _form_step(await _form(request))
    who = principal(request)
    try:
        await run_in_threadpool(take_step, request.app.state.session_factory, who, declaration_id, step)
    except (workflow.WorkflowError, UsageError) as err:
        status = 422 if isinstance(err, UsageError) else error_status(err)
        if status == 404:
            raise HTTPException(404, str(err)) from None
        request.state.workflow_error = str(err)
        request.state.workflow_form = {"action": step.action, "comment": step.comment or "",
                                       "indicators": step.indicator_comments}
        return await run_in_threadpool(_detail_page, request, declaration_id, status)
    return RedirectResponse(f"/declarations/{declaration_id}?done={step.action}#workflow", status_code=303)


@page_router.post("/declarations/{declaration_id}/comments/{comment_id}/resolve",
                  dependencies=[needs(Permission.LOGGED_IN)])
async def resolve_form(request: Request, declaration_id: RowId, comment_id: RowId) -> Response:
    """已处理: the comment's author, or the declaration's unit while it can be edited."""
    await _form(request)
    who = principal(request)
    if who.scopes is not None and not who.scopes & {"write", "review"}:
        raise HTTPException(403, "此 API 令牌没有 write 或 review 权限")
    try:
        await run_in_threadpool(resolve, request.app.state.session_factory, who, declaration_id, comment_id)
    except workflow.WorkflowError as err:
        status = error_status(err)
        if status == 404:
            raise HTTPException(404, str(err)) from None
        request.state.workflow_error = str(err)
        return await run_in_threadpool(_detail_page, request, declaration_id, status)
    return RedirectResponse(f"/declarations/{declaration_id}?done=resolve#workflow", status_code=303)


def _detail_page(request: Request, declaration_id: int, status: int) -> Response:
    """项目详情 again, with the refusal in the panel (:func:`panel` reads it from ``request.state``)."""
    from jixiao.web import pages

    with request.app.state.session_factory() as session:
        response = pages.project_detail(request, session, declaration_id)
    response.status_code = status
    return response
