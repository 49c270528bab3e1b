"""Editing declarations: the 编辑 and 新建项目 pages, and the API that checks, reviews, creates and updates.

Pages: ``GET /declarations/new`` and ``GET /declarations/{id}/edit`` (``edit.html``, driven by
``static/edit.js``). API, under ``/api/v1``:

- ``POST /targets/check`` ``{"raw"}`` → ``{"ok", "message", "target"}``: one target value as it is typed;
- ``POST /review``: the review report of an unsaved declaration;
- ``POST /declarations``: create (201), 409 if that unit, year and project name exist already;
- ``PUT /declarations/{id}``: save an edit as the next version, 409 if someone saved first.

A body is a declaration in the JSON shape ``GET /api/v1/declarations/{id}`` returns (the ``id`` and
``version`` it returns may be sent back; ``PUT`` also needs ``expected_version``, the version the
editor loaded). Strings are trimmed and blank ones are absent (``null``), as the readers give them, so
saving an untouched form stores nothing new. Each indicator's parsed ``target`` is worked out here
from ``target_raw``; one sent by the client is ignored. Every refusal leaves the store as it was.

Who: creating and editing are for the 填报人 and 单位审核人 of the declaration's unit
(:mod:`jixiao.access`), and what they save must stay in that unit (its 主管部门 and 实施单位 are the
user's own: 403 otherwise). An edit is refused with 409 once the declaration is submitted or further
on (:func:`jixiao.workflow.ensure_editable`, called in the save's transaction). A new declaration is a
draft (草稿). Each save that stores something is recorded in the audit log, in the same transaction
(``declaration.create``, ``declaration.update`` with the versions and the fields changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jixiao.access import Permission
from jixiao.audit import record
from jixiao.diff import GOAL_LABEL, GOAL_LABELS, OTHER_FIELDS, TEXTS, diff
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration as DeclarationModel
from jixiao.model import Indicator, Layout, Target
from jixiao.review import review as review_declaration
from jixiao.roles import Actor
from jixiao.store.models import Declaration, Organisation
from jixiao.store.prepared import identity
from jixiao.store.repository import Outcome, StoreError, get_declaration, load_version, save_declaration
from jixiao.store.types import money_problem
from jixiao.targets import check_target, parse_target
from jixiao.text import has_nul
from jixiao.validation import json_path, message
from jixiao.web.api import ERRORS
from jixiao.web.app import ERROR_CODES, RowId, declaration_or_404, templates
from jixiao.web.auth import needs, principal
from jixiao.web.database import get_session
from jixiao.web.pages import FIELDS, FUNDS
from jixiao.workflow import ensure_editable

page_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(tags=["editing"])
SessionDep = Annotated[Session, Depends(get_session)]
JsonBody = Annotated[dict[str, Any], Body(description="A declaration as GET /api/v1/declarations/{id} "
                                                       "returns it; PUT also takes expected_version")]

SOURCE = "web"  # the source recorded with every version saved here
YEARS = (1900, 2999)  # as the list's year filter
EDIT_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": f'`{{"error": {{"status": {status}, "code": "{code}", "message": …}}}}`'}
    for status, code in ERROR_CODES.items() if status in (401, 403, 404, 409, 422)}

INDICATOR_COLUMNS = [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"),
                     ("target_raw", "指标值")]
LAYOUTS: tuple[str, ...] = get_args(Layout)
# Labels by JSON path, for the form and for naming a field in an error message.
LABELS: dict[str, str] = {**dict(FIELDS), **dict(OTHER_FIELDS), "goal": GOAL_LABEL,
                          **{f"funds.{key}": label for key, label in FUNDS},
                          **{f"texts.{key}": label for key, label in TEXTS}}
# Pydantic's errors in the words of the form where they differ from jixiao.validation's.
_MESSAGES = {
    "extra_forbidden": "不是申报表的字段", "decimal_parsing": "应是金额，如 1234.50",
    "decimal_type": "应是金额字符串，如 \"1234.50\"", "bool_parsing": "应是 true、false 或 null",
    "bool_type": "应是 true、false 或 null",
}
_KEEP_BLANK = frozenset(("name", "target_raw"))  # required texts: blank stays "" so the check can name it
_ECHOED = ("id", "version", "status")  # what GET returns besides the declaration; ignored
_NOT_INPUT = frozenset(name for name, f in DeclarationModel.model_fields.items() if f.exclude)  # source …
_NOT_INPUT_INDICATOR = frozenset(name for name, f in Indicator.model_fields.items() if f.exclude)
_CONFLICT = "另一人同时保存了这个项目；您的修改尚未保存，请核对最新版本后再保存"


# -- reading a body ---------------------------------------------------------------------------------------

def field_name(loc: Iterable[str | int]) -> str:
    """A pydantic location as a path and the label of the field, e.g.
    ``indicators[3].target_raw（第 3 条指标的指标值）``.

    Indicator numbers are 1-based, as the review's findings and the page count them.
    """
    parts = list(loc)
    path = json_path(parts)
    if parts[:1] == ["indicators"] and len(parts) > 1 and isinstance(parts[1], int):
        column = dict(INDICATOR_COLUMNS).get(str(parts[2])) if len(parts) > 2 else None
        label = f"第 {parts[1] + 1} 条指标" + (f"的{column}" if column else "")
    else:
        label = LABELS.get(path, "").split("（")[0]  # 资金总额, not 资金总额（年度资金申请总额 / 项目总预算）
    return f"{path}（{label}）" if label else path


def _refuse(problems: list[str]) -> None:
    if problems:
        raise HTTPException(422, "；".join(problems))


def _tidy(value: Any, keep_blank: bool = False) -> Any:
    """Strings trimmed and blank ones ``None`` (absent, as the readers give them), through dicts and lists."""
    if isinstance(value, str):
        return value.strip() or ("" if keep_blank else None)
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy(v, k in _KEEP_BLANK) for k, v in value.items()}
    return value


def _input_problems(content: dict[str, Any]) -> list[str]:
    """What JSON allows but a declaration body must not have: money as a float, fields that are not input."""
    funds = content.get("funds")
    amounts = funds.items() if isinstance(funds, dict) else ()
    problems = [f"{field_name(['funds', key])}: 金额应写成字符串，如 \"1234.50\"（JSON 小数不精确）"
                for key, value in amounts if isinstance(value, float)]
    not_input = [[key] for key in content if key in _NOT_INPUT]
    not_input += [["indicators", i, key] for i, ind in _indicators(content) for key in ind
                  if key in _NOT_INPUT_INDICATOR]
    return problems + [f"{field_name(loc)}: {_MESSAGES['extra_forbidden']}" for loc in not_input]


def _indicators(content: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The indicators of a body that are objects, with their 0-based index; the validation names the rest."""
    indicators = content.get("indicators")
    if not isinstance(indicators, list):
        return []
    return [(i, ind) for i, ind in enumerate(indicators) if isinstance(ind, dict)]


def _with_targets(content: dict[str, Any]) -> dict[str, Any]:
    """Each indicator's ``target`` parsed from its ``target_raw`` here, and its ``actual`` left for the
    model to parse from ``actual_raw``: the client's parsed values are never trusted."""
    indicators = content.get("indicators")
    if isinstance(indicators, list):
        content["indicators"] = [
            {**{k: v for k, v in ind.items() if k != "actual"}, "target": _target_of(ind.get("target_raw"))}
            if isinstance(ind, dict) else ind for ind in indicators]
    return content


def _target_of(raw: Any) -> Target:
    return parse_target(raw) if isinstance(raw, str) else Target()  # not text: the validation says so


def declaration_from(payload: dict[str, Any], *, saving: bool, ignore: Iterable[str] = ()
                     ) -> DeclarationModel:
    """The declaration a JSON body describes (``id``, ``version`` and keys in ``ignore`` left out).

    HTTP 422 naming every malformed field; when ``saving``, also every field that may be reviewed but not
    saved: no project name, an indicator without a name or with a target value
    :func:`~jixiao.targets.check_target` refuses, an amount the store cannot keep exactly.
    """
    if has_nul(payload):  # PostgreSQL text cannot hold it; no form has it
        _refuse(["文本中不能有 NUL 字符（\\u0000）"])
    skip = {*_ECHOED, *ignore}
    content = _tidy({k: v for k, v in payload.items() if k not in skip})
    problems = _input_problems(content) + (_required_problems(content) if saving else [])
    try:
        decl = DeclarationModel.model_validate(_with_targets(content))
    except ValidationError as err:
        problems += [f"{field_name(e['loc'])}: {message(e, _MESSAGES)}"
                     for e in err.errors(include_url=False)]
    else:
        problems += _value_problems(decl) if saving else []
    _refuse(problems)
    return decl


def _required_problems(content: dict[str, Any]) -> list[str]:
    """Blank required texts and refused target values, read from the body itself so that they are
    reported together with any malformed field (which stops the declaration being built)."""
    problems = [] if content.get("name") else [f"{field_name(['name'])}: 项目名称不能为空"]
    for i, ind in _indicators(content):
        if ind.get("name") == "":
            problems.append(f"{field_name(['indicators', i, 'name'])}: 三级指标名称不能为空")
        raw = ind.get("target_raw")
        if isinstance(raw, str) and (message := check_target(raw)):
            problems.append(f"{field_name(['indicators', i, 'target_raw'])}: {message}")
    return problems


def _value_problems(decl: DeclarationModel) -> list[str]:
    """Values the model takes but the store cannot keep: a year out of range, an amount not exact to the fen
    or written with an exponent (``1E+5`` would be stored as written)."""
    problems = [] if decl.year is None or YEARS[0] <= decl.year <= YEARS[1] else [
        f"{field_name(['year'])}: 应在 {YEARS[0]} 至 {YEARS[1]} 之间"]
    for key, value in decl.funds:
        if value is not None and (problem := money_problem(value)):
            problems.append(f"{field_name(['funds', key])}: 金额无法按分精确保存（{problem}）")
        elif value is not None and str(value) != format(value, "f"):
            problems.append(f"{field_name(['funds', key])}: 金额应写成普通数字，如 1234.50")
    return problems


def _expected_version(payload: dict[str, Any], declaration_id: int) -> int:
    expected = payload.get("expected_version")
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 1:
        raise HTTPException(422, "expected_version: 应是所编辑的版本号（正整数），如 1；保存时必须提供")
    if "id" in payload and payload["id"] != declaration_id:
        raise HTTPException(422, f"id: {payload['id']!r} 与地址中的项目编号 {declaration_id} 不符")
    return expected


# -- saving ----------------------------------------------------------------------------------------------

def _store(session: Session, decl: DeclarationModel, *, new: bool = False,
           then: Callable[[Outcome], None] | None = None, **edit: int) -> Outcome:
    """Save ``decl`` in one transaction; HTTP 409, nothing stored, when someone else saved first.

    A :class:`~jixiao.store.repository.VersionConflict` says so before writing; two saves racing
    past that check collide on a unique constraint (version number, identity) instead.
    A :class:`StoreError` here is the other conflict: the edited unit, year and name are another project's.
    ``new``: the caller found no declaration with this identity, so anything but "new" means one was
    created since, which must not receive this as its next version. An edit (``declaration_id``) first
    claims the declaration with :func:`~jixiao.workflow.ensure_editable` (409 if it is locked). ``then``
    runs in the transaction after the save (the audit log entry), before the commit.
    """
    try:
        if "declaration_id" in edit:
            ensure_editable(session, edit["declaration_id"])
        outcome = save_declaration(session, decl, source=SOURCE, **edit)
        if new and outcome != "new":
            raise StoreError(_CONFLICT)
        if then is not None:
            then(outcome)
        session.commit()
    except StoreError as err:
        session.rollback()
        raise HTTPException(409, str(err)) from None
    except IntegrityError:
        session.rollback()
        raise HTTPException(409, _CONFLICT) from None
    return outcome


def _existing_id(session: Session, decl: DeclarationModel) -> int | None:
    """The id of the stored declaration with ``decl``'s identity (unit, or department, year, name)."""
    stored = get_declaration(session, *identity(decl))
    return stored.id if stored else None


def _latest_version(session: Session, declaration_id: int) -> int:
    return session.scalars(select(Declaration.latest_version).where(Declaration.id == declaration_id)).one()


def own_unit(session: Session, actor: Actor) -> tuple[str | None, str | None]:
    """(主管部门, 实施单位) of the actor's unit, as a form names them; (None, None) without a unit."""
    unit = session.get(Organisation, actor.unit_id) if actor.unit_id is not None else None
    if unit is None:
        return None, None
    return (unit.parent.name if unit.parent is not None else None), unit.name


def _check_own_unit(session: Session, actor: Actor, decl: DeclarationModel) -> None:
    """HTTP 403 unless ``decl``'s 主管部门 and 实施单位 are the actor's own unit: a user saves only in it."""
    department, unit = own_unit(session, actor)
    if unit is None:
        raise HTTPException(403, "您的账号不属于任何实施单位，不能新建或修改项目")
    if (decl.department, decl.unit) == (department, unit):
        return
    own = (f"主管部门「{department}」、实施单位「{unit}」" if department
           else f"实施单位「{unit}」（无主管部门）")
    raise HTTPException(403, f"您只能保存本单位的项目：主管部门和实施单位应为{own}，"
                             f"而表中是「{decl.department or '（空）'}」/「{decl.unit or '（空）'}」")


# -- API -------------------------------------------------------------------------------------------------

class TargetCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raw: str = Field(max_length=10_000, description="A target value as typed, e.g. ≥80%")


@api_router.post("/targets/check", summary="Check one target value (指标值) as it is typed", responses=ERRORS,
                 dependencies=[needs(Permission.ANYONE)])
def target_check(body: TargetCheck) -> dict[str, Any]:
    message = check_target(body.raw)
    target = parse_target(body.raw).model_dump(mode="json")
    return {"ok": message is None, "message": message, "target": target}


@api_router.post("/review", summary="Review an unsaved declaration", responses=ERRORS,
                 dependencies=[needs(Permission.ANYONE)])
def review_unsaved(payload: JsonBody) -> dict[str, Any]:
    decl = declaration_from(payload, saving=False, ignore=("expected_version",))
    return review_declaration(decl).model_dump(mode="json")


@api_router.post("/declarations", status_code=201, summary="Create a declaration (version 1, a draft) "
                 "of the caller's own unit", responses=EDIT_ERRORS,
                 dependencies=[needs(Permission.CREATE_DECLARATION)])
def create(request: Request, session: SessionDep, payload: JsonBody, response: Response) -> dict[str, Any]:
    actor = principal(request).actor
    decl = declaration_from(payload, saving=True)
    _check_own_unit(session, actor, decl)
    if (other := _existing_id(session, decl)) is not None:
        raise HTTPException(409, f"已有项目（编号 {other}）是 {decl.unit or decl.department or '-'} "
                                 f"{decl.year or '-'} 年的「{decl.name}」；请编辑它，或改用另一个项目名称")

    def audit(outcome: Outcome) -> None:
        created = _existing_id(session, decl)
        record(session, actor, "declaration.create", object_type="declaration", object_id=created,
               details={"name": decl.name, "year": decl.year, "unit": decl.unit, "version": 1})

    outcome = _store(session, decl, new=True, then=audit)
    declaration_id = _existing_id(session, decl)
    response.headers["Location"] = f"/api/v1/declarations/{declaration_id}"
    return {"id": declaration_id, "version": 1, "outcome": outcome}


@api_router.put("/declarations/{declaration_id}", summary="Save an edit as the next version",
                responses=EDIT_ERRORS, dependencies=[needs(Permission.EDIT_DECLARATION)])
def update(request: Request, session: SessionDep, declaration_id: RowId, payload: JsonBody) -> dict[str, Any]:
    actor = principal(request).actor
    stored = declaration_or_404(session, declaration_id, request, Permission.EDIT_DECLARATION)
    expected = _expected_version(payload, declaration_id)
    decl = declaration_from(payload, saving=True, ignore=("expected_version",))
    _check_own_unit(session, actor, decl)
    before = stored.latest_version

    def audit(outcome: Outcome) -> None:
        if outcome == "unchanged":
            return  # nothing was stored
        changes = diff(load_version(session, declaration_id, before), decl)
        record(session, actor, "declaration.update", object_type="declaration", object_id=declaration_id,
               details={"name": decl.name, "from_version": before,
                        "to_version": _latest_version(session, declaration_id),
                        "fields": [change.key for change in changes.fields],
                        "indicators": changes.summary.model_dump(exclude={"fields"})})

    outcome = _store(session, decl, declaration_id=declaration_id, expected_version=expected, then=audit)
    return {"id": declaration_id, "version": _latest_version(session, declaration_id), "outcome": outcome}


# -- pages -----------------------------------------------------------------------------------------------

def _edit_page(request: Request, decl: DeclarationModel, declaration_id: int | None,
               version: int | None) -> Response:
    """The form of ``decl``; ``declaration_id`` and ``version`` are those being edited, ``None`` for new."""
    content = declaration_json(decl)
    return templates.TemplateResponse(request, "edit.html", {
        "title": (f"编辑：{decl.name}" if decl.name else "编辑") if declaration_id else "新建项目",
        "id": declaration_id, "version": version, "decl": content, "labels": LABELS, "layouts": LAYOUTS,
        "basic": [key for key, _ in [*FIELDS, *OTHER_FIELDS]], "funds": [key for key, _ in FUNDS],
        "texts": [key for key, _ in TEXTS], "goal_label": GOAL_LABELS.get(decl.layout, GOAL_LABEL),
        "columns": INDICATOR_COLUMNS,
        # A blank target is refused on saving, not flagged before anything was typed.
        "rows": [(ind, ind["target_raw"].strip() and check_target(ind["target_raw"]))
                 for ind in content["indicators"]]})


@page_router.get("/declarations/new", dependencies=[needs(Permission.CREATE_DECLARATION)])
def new_page(request: Request, session: SessionDep) -> Response:
    """An empty form, its 主管部门 and 实施单位 those of the user's unit (the only ones it may save)."""
    blank = Indicator(name="", target_raw="", target=parse_target(""))
    department, unit = own_unit(session, principal(request).actor)
    return _edit_page(request, DeclarationModel(layout="shanghai-2024", department=department, unit=unit,
                                                indicators=[blank]), None, None)


@page_router.get("/declarations/{declaration_id}/edit", dependencies=[needs(Permission.EDIT_DECLARATION)])
def edit_page(request: Request, session: SessionDep, declaration_id: RowId) -> Response:
    stored = declaration_or_404(session, declaration_id, request, Permission.EDIT_DECLARATION)
    return _edit_page(request, load_version(session, stored), stored.id, stored.latest_version)
