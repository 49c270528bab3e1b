"""监控与自评 in the web app: the official tables, the actuals entry form, 风险项目, and the API.

A report is one declaration's actuals for one period (:mod:`jixiao.reports`): a monitoring round
``M1`` … ``M11`` (the figures of 1–N月, 绩效运行监控) or the year end ``final`` (绩效自评).

Pages:

- ``GET /declarations/{id}/reports/{period}``: the period's official table (``report.html``):
  项目支出绩效目标执行监控表 with the lights (绿/黄/红) of the budget and of each indicator, the
  expected progress and the money at stake; at the year end 项目支出绩效自评表 with each score, its
  formula with the numbers filled in, the total and the grade, and the flags. 404 for whoever may not
  read the report (a draft one is its unit's, its department's and finance's, never the public's);
- ``GET /declarations/{id}/reports/{period}/edit``: the entry form (``report_edit.html``), for the
  填报人 and 单位审核人 of the declaration's unit once its targets are approved (else 403, or 409
  while they are not approved or once the report is submitted);
- ``POST /declarations/{id}/reports/{period}`` (form): saves the next revision and shows the table
  (the same actuals as the latest revision write nothing: ``?unchanged=1``).
  A field that is not well formed (422), someone else's save in between (409) … shows the form again
  with what was typed and the message next to the field; after a conflict, saving again keeps the
  user's version (they were told what happened);
- ``POST /declarations/{id}/reports/{period}/submit``: submits the latest revision (then it is fixed);
  refused (422) with the list of what is missing;
- ``GET /declarations/{id}/reports/{period}/template.xlsx``: the period's form as a workbook, filled with
  what was saved (:func:`jixiao.actuals_xlsx.actuals_template`); ``POST …/upload`` (multipart, field
  ``files``, with ``expected_revision``): a filled one read back
  (:func:`~jixiao.actuals_xlsx.read_actuals_xlsx`, every wrong cell named, 422) and saved as the next
  revision, within the upload page's size limits;
- ``GET /monitoring`` (风险项目): the 黄 and 红 reports of a period (default 1–7月) that the caller may
  see, by money at stake (or light, name, department), per department with counts and totals;
- the section 监控与自评 of 项目详情 (``_report_panel.html``), from the template global
  ``report_panel(request, id)``.

API under ``/api/v1`` (money and scores as decimal strings; refusals in the app's one error body,
with the library's codes):

- ``GET /declarations/{id}/reports``: the reports the caller may read;
- ``GET /declarations/{id}/reports/{period}``: one report (:class:`ReportOut`);
- ``PUT /declarations/{id}/reports/{period}`` ``{"expected_revision": n | null, "actuals": {...}}``
  (:class:`jixiao.actuals.Actuals`): save, answered like GET;
- ``POST /declarations/{id}/reports/{period}/submit`` ``{"expected_revision": n | null}``;
- ``GET /monitoring/at-risk?period=M7&year=&department=&light=&order=&page=&size=``.

Refusals: NotFound 404, ActionNotAllowed 403, WrongStatus and ReportConflict 409, NotReady and
:class:`~jixiao.actuals.ActualsError` 422 (:data:`jixiao.web.app.WORKFLOW_STATUS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from jixiao import workflow
from jixiao.access import DeclarationPlace, Permission, can_report
from jixiao.actuals import INDICATOR_FIELDS, Actuals, ActualsError, Period
from jixiao.actuals_xlsx import actuals_template, read_actuals_xlsx
from jixiao.evaluation import Evaluation
from jixiao.evaluation.numbers import points
from jixiao.evaluation.render import SEVERITY_ZH, evaluation_json
from jixiao.model import CAUSE_TITLES, DEVIATION_CAUSES, LIKELIHOODS
from jixiao.model import Declaration as DeclarationModel
from jixiao.monitoring import Monitoring
from jixiao.monitoring.render import monitoring_json
from jixiao.reports import (
    ORDERS,
    Filled,
    Report,
    ReportConflict,
    at_risk_list,
    open_report,
    reports_of,
    save_report,
    submit_report,
)
from jixiao.store.listing import choices
from jixiao.text import money_json
from jixiao.validation import message
from jixiao.web.app import MAX_INT, PageQuery, RowId, YearQuery, attachment, error_body, templates
from jixiao.web.auth import CSRF_FIELD, CSRF_HEADER, Principal, check_csrf, needs, principal, visibility
from jixiao.web.database import get_session
from jixiao.web.pages import indicator_rows
from jixiao.web.uploading import FIELD as UPLOAD_FIELD
from jixiao.web.uploading import Limits, UploadRefused, safe_file_name
from jixiao.web.uploading import _check_headers as check_upload_headers  # the upload page's limits
from jixiao.web.uploading import _parse as parse_upload
from jixiao.web.workflow import error_status

page_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(tags=["reports"])
SessionDep = Annotated[Session, Depends(get_session)]

PAGE_SIZE = 50  # rows of 风险项目
#: The periods 项目详情 offers to enter first (the other monitoring rounds under 其他月份).
OFFERED = tuple(Period(month) for month in (6, 7, 8, 9, 12))
PERIODS = tuple(Period(month) for month in range(1, 13))
DEFAULT_PERIOD = Period(7)
LIGHT_CHOICES = ("红", "黄")
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": f'`{{"error": {{"status": {status}, "code": …, "message": …}}}}`'}
    for status in (401, 403, 404, 409, 422)}

PeriodPath = Annotated[str, PathParam(max_length=32,
                                      description="报告期：M1 … M11（1–N月监控），final（年度自评）")]
PeriodQuery = Annotated[str, Query(max_length=32, description="报告期：M1 … M11 或 final；默认 M7（1–7月）")]
LightQuery = Annotated[str | None, Query(pattern="^(黄|红)?$", description="只看此灯：黄 或 红；不填：两者")]
OrderQuery = Annotated[str | None, Query(pattern="^(" + "|".join(ORDERS) + ")?$",
                                         description="排序：at_stake（涉及资金，默认）、light、name、department")]
# No NUL: PostgreSQL cannot compare text holding one (the query would fail, not find nothing).
DepartmentQuery = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="主管部门")]

templates.env.filters.setdefault("points", points)


# -- periods, refusals ----------------------------------------------------------------------------------

def parse_period(text: str, *, api: bool) -> Period:
    """The period a path or query names; a 422 (API) or 400 (page) naming ``period`` otherwise."""
    try:
        return Period.parse(text)
    except ActualsError as err:
        raise HTTPException(422 if api else 400, f"period: {err}") from None


def _status_of(err: workflow.WorkflowError | ActualsError) -> int:
    return 422 if isinstance(err, ActualsError) else error_status(err)


def _refusal(err: workflow.WorkflowError | ActualsError) -> JSONResponse:
    """The API's answer to a refusal: the one error body, with the library's code."""
    status = _status_of(err)
    code = "invalid_parameter" if isinstance(err, ActualsError) else err.code
    return JSONResponse(error_body(status, str(err), code), status_code=status)


def _open(session: Session, declaration_id: int, period: Period, who: Principal) -> Filled:
    """The report as the caller may read it; a 404 page or answer otherwise."""
    try:
        return open_report(session, declaration_id, period, who.actor)
    except workflow.NotFound as err:
        raise HTTPException(404, str(err)) from None


def _place(filled: Filled) -> DeclarationPlace:
    at = filled.place
    return DeclarationPlace(at.status, at.unit_id, at.department_id)


def may_report(who: Principal, filled: Filled) -> bool:
    """Whether the caller may enter and submit this declaration's actuals (its unit, once approved)."""
    return who.may(Permission.REPORT, _place(filled))


def _ensure_reporter(who: Principal, filled: Filled) -> None:
    """403, or 409 when it is the caller's unit's but its targets are not approved yet (as the library's
    save would answer), before a form is shown."""
    if may_report(who, filled):
        return
    at = filled.place
    if can_report(who.actor, "published", at.unit_id, at.department_id):
        raise HTTPException(409, f"{at.subject}的绩效目标尚未经财政审核通过，还不能填报{filled.period.label}")
    raise HTTPException(403, f"只有{at.subject}所属单位的填报人或单位审核人可以填报{filled.period.label}")


def report_url(declaration_id: int, period: Period, tail: str = "") -> str:
    return f"/declarations/{declaration_id}/reports/{period.code}{tail}"


# -- the entry form: field names, values, what was posted ------------------------------------------------

def funds_fields(period: Period) -> tuple[str, ...]:
    return ("budget", "executed") if period.is_final else ("budget", "executed", "forecast")


def indicator_fields(period: Period) -> tuple[str, ...]:
    """The columns of the entry form: 全年预计完成情况 in a monitoring round, 分值 at the year end."""
    hidden = "forecast_raw" if period.is_final else "weight"
    return tuple(f for f in INDICATOR_FIELDS if f != hidden)


def field_labels(period: Period) -> dict[str, str]:
    """The Chinese label of each field of the form, by name (indicator fields and ``funds.*``)."""
    return {"actual_raw": "实际完成值" if period.is_final else f"{period.months}执行情况",
            "forecast_raw": "全年预计完成情况", "weight": "分值", "applicable": "是否适用",
            "likelihood": "完成目标可能性", "deviation_cause": "偏差原因类别",
            "deviation_reason": "偏差原因分析", "measures": "改进措施", "name": "指标名称",
            "funds.budget": "全年预算数",
            "funds.executed": f"{period.months}执行数", "funds.forecast": "全年预计执行数",
            "goal_result": "年度总体目标实际完成情况"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def form_values(actuals: Actuals) -> dict[str, str]:
    """The form's inputs filled with ``actuals``: ``funds-budget``, ``goal_result``, ``ind-3-actual_raw`` …"""
    values = {f"funds-{key}": _text(value) for key, value in actuals.funds}
    values["goal_result"] = _text(actuals.goal_result)
    for row in actuals.indicators:
        values.update({f"ind-{row.index}-{key}": _text(getattr(row, key)) for key in INDICATOR_FIELDS})
    return values


_ROW_FIELD = re.compile(r"^ind-(?P<index>[1-9][0-9]{0,5})-(?P<field>[a-z_]+)$")
#: pydantic's errors in the words of the form where they differ from jixiao.validation's.
_MESSAGES = {
    "greater_than_equal": "不能小于 0", "less_than": "超出可保存的范围",
    "decimal_max_places": "最多两位小数（元、分）", "bool_parsing": "应是“是”或“否”",
    "bool_type": "应是“是”或“否”", "extra_forbidden": "不是填报表的字段",
}


class FormErrors(Exception):
    """What is wrong with a posted form: messages by input name (``funds-executed``, ``ind-3-weight``)."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


def posted_actuals(form: FormData, filled: Filled) -> Actuals:
    """The actuals the posted form describes: the report's current ones, with each posted input
    replacing its field (what the form does not show, e.g. the level weights, is kept). Each indicator
    row names its indicator (hidden ``ind-N-name``), so that a row meant for another version of the
    declaration is refused by the save rather than laid over the wrong indicator. Rows left empty are
    dropped. :class:`FormErrors` names each input that is not well formed."""
    posted: dict[str, str] = {key: value for key, value in form.items() if isinstance(value, str)}
    data = filled.actuals.model_dump(exclude={"indicators"})
    for key in funds_fields(filled.period):
        if f"funds-{key}" in posted:
            data["funds"][key] = posted[f"funds-{key}"]
    if filled.period.is_final and "goal_result" in posted:
        data["goal_result"] = posted["goal_result"]
    rows = {row.index: row.model_dump() for row in filled.actuals.indicators}
    shown = {*indicator_fields(filled.period), "name"}
    for key, value in posted.items():
        match = _ROW_FIELD.match(key)
        if match and match["field"] in shown:
            index = int(match["index"])
            rows.setdefault(index, {"index": index})[match["field"]] = value
    ordered = [rows[index] for index in sorted(rows)]
    try:
        actuals = Actuals.model_validate({**data, "indicators": ordered})
    except ValidationError as err:
        problems: dict[str, str] = {}
        for error in err.errors(include_url=False):
            loc = error["loc"]
            if loc[:1] == ("indicators",) and len(loc) >= 3 and isinstance(loc[1], int):
                name = f"ind-{ordered[loc[1]]['index']}-{loc[2]}"
            elif loc[:1] == ("funds",) and len(loc) >= 2:
                name = f"funds-{loc[1]}"
            else:
                name = ".".join(str(part) for part in loc) or "form"
            problems.setdefault(name, message(error, _MESSAGES))
        raise FormErrors(problems) from None
    return actuals.model_copy(update={"indicators": [r for r in actuals.indicators if not r.is_empty]})


def _expected_revision(form: FormData) -> int:
    value = form.get("expected_revision")
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,19}", value) or int(value) > MAX_INT:
        raise HTTPException(422, "expected_revision: 应是页面打开时的保存次数（0 或正整数）；"
                                 "请刷新页面后再保存")
    return int(value)


async def posted_form(request: Request) -> FormData:
    """The posted form: urlencoded only, the kind whose CSRF field :func:`jixiao.web.auth.identify` checks."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "表单应以 application/x-www-form-urlencoded 提交")
    return await request.form()  # read already by the CSRF check


FormDep = Annotated[FormData, Depends(posted_form)]


# -- pages -------------------------------------------------------------------------------------------------

def _where(name: str, filled: Filled, labels: dict[str, str]) -> str:
    """An input named for people: 指标 3「名称」的分值, 全年预算数."""
    match = _ROW_FIELD.match(name)
    if match:
        index, key = int(match["index"]), match["field"]
        count = len(filled.declaration.indicators)
        title = f"「{filled.declaration.indicators[index - 1].name}」" if index <= count else ""
        return f"指标 {index}{title}的{labels.get(key, key)}"
    return labels.get(name.replace("-", ".", 1), name)


def table_context(decl: DeclarationModel, period: Period, monitoring: Monitoring | None,
                  evaluation: Evaluation | None) -> dict[str, Any]:
    """What the official table (``report.html``) shows of a declaration with its actuals laid over it:
    in a monitoring round its monitoring at the round's end, at the year end its self-evaluation (the
    year end's table shows no lights). The page's context and the PDF's (:mod:`jixiao.export.pdf`), so
    that they cannot drift."""
    return {"period": period, "decl": decl, "rows": indicator_rows(decl.indicators, []),
            "monitoring": monitoring, "evaluation": evaluation,
            "labels": field_labels(period), "cause_titles": CAUSE_TITLES, "severity": SEVERITY_ZH,
            "scores": {row.index: row for row in evaluation.indicators} if evaluation else {},
            "table_title": "项目支出绩效自评表" if period.is_final else "项目支出绩效目标执行监控表",
            "funds_rows": funds_rows(decl)}


def _report_context(filled: Filled) -> dict[str, Any]:
    """What both the table and the form show of a report."""
    at = filled.place
    return {**table_context(filled.declaration, filled.period, filled.monitoring, filled.evaluation),
            "id": at.id, "filled": filled, "report": filled.report,
            "report_url": report_url(at.id, filled.period)}


def edit_page(request: Request, filled: Filled, values: dict[str, str], *, status: int = 200,
              errors: dict[str, str] | None = None, message: str | None = None,
              missing: list[str] | None = None, expected: int | None = None) -> Response:
    """The entry form of ``filled`` with ``values`` in its inputs (the saved ones, or what was posted),
    the refusal ``message`` and the ``errors`` by input, each next to its input and listed on top."""
    labels = field_labels(filled.period)
    errors = errors or {}
    return templates.TemplateResponse(request, "report_edit.html", {
        **_report_context(filled), "title": f"{filled.period.label}填报：{filled.declaration.name or ''}",
        "values": values, "errors": errors, "message": message,
        "listed": [f"{_where(name, filled, labels)}：{text}" for name, text in errors.items()],
        "missing": missing if missing is not None else filled.missing(),
        "expected": filled.revision if expected is None else expected,
        "funds_fields": funds_fields(filled.period), "fields": indicator_fields(filled.period),
        "likelihoods": LIKELIHOODS, "causes": DEVIATION_CAUSES}, status_code=status)


@page_router.get("/declarations/{declaration_id}/reports/{period}",
                 dependencies=[needs(Permission.READ_DECLARATION)])
def report_page(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath) -> Response:
    who = principal(request)
    filled = _open(session, declaration_id, parse_period(period, api=False), who)
    reporter = may_report(who, filled) and not filled.submitted
    return templates.TemplateResponse(request, "report.html", {
        **_report_context(filled), "title": f"{filled.period.label}：{filled.declaration.name or ''}",
        "reporter": reporter, "saved": request.query_params.get("saved"),
        "unchanged": request.query_params.get("unchanged") == "1",
        "submitted_now": request.query_params.get("submitted") == "1"})


def funds_rows(decl: DeclarationModel) -> list[tuple[str, Decimal | None]]:
    """The self-evaluation's 其中 rows of 年初预算数 (本年财政拨款, 上年结转资金, 其他资金)."""
    funds = decl.funds
    return [("本年财政拨款", funds.current_year), ("上年结转资金", funds.carryover),
            ("其他资金", funds.other)]


@page_router.get("/declarations/{declaration_id}/reports/{period}/edit",
                 dependencies=[needs(Permission.REPORT)])
def report_edit_page(request: Request, session: SessionDep, declaration_id: RowId,
                     period: PeriodPath) -> Response:
    who = principal(request)
    filled = _open(session, declaration_id, parse_period(period, api=False), who)
    _ensure_reporter(who, filled)
    if filled.submitted:
        raise HTTPException(409, f"{filled.place.subject}的{filled.period.label}已提交，不能再修改")
    return edit_page(request, filled, form_values(filled.actuals))


@page_router.post("/declarations/{declaration_id}/reports/{period}", dependencies=[needs(Permission.REPORT)])
def report_save_form(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath,
                     form: FormDep) -> Response:
    """保存: the next revision, then the table; a refusal shows the form again as it was posted."""
    who = principal(request)
    when = parse_period(period, api=False)
    filled = _open(session, declaration_id, when, who)
    _ensure_reporter(who, filled)
    expected = _expected_revision(form)
    typed = {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}
    try:
        actuals = posted_actuals(form, filled)
    except FormErrors as bad:
        return edit_page(request, filled, typed, status=422, errors=bad.fields, expected=expected,
                         message="有填写不正确的地方，未保存；请按标出的提示修改后再保存")
    return _store(request, session, filled, actuals, who, expected, "web", typed)


_KEPT = "。下方保留了您填写的内容：核对后再次保存，将以您的内容为准；或放弃修改，打开最新保存的内容"


def _store(request: Request, session: Session, filled: Filled, actuals: Actuals, who: Principal,
           expected: int, source: str, typed: dict[str, str] | None) -> Response:
    """Save ``actuals`` and show the table; a refusal shows the form again, with ``typed`` in its inputs
    (what was posted; ``None``: the saved values, for an uploaded file). After a conflict the form
    carries the latest revision: saving again keeps the user's version, knowingly."""
    at, when = filled.place, filled.period
    try:
        saved = save_report(session, at.id, when, actuals, who.actor, expected_revision=expected,
                            source=source)
        session.commit()
    except (workflow.WorkflowError, ActualsError) as err:
        session.rollback()
        status = _status_of(err)
        again = _open(session, at.id, when, who)
        if status in (403, 404) or again.submitted:
            raise HTTPException(status, str(err)) from None
        message = str(err)
        if isinstance(err, ReportConflict):
            message += (_KEPT if typed is not None else "。文件未保存：核对后如仍以文件为准，请再次上传")
            expected = again.revision
        values = typed if typed is not None else form_values(again.actuals)
        return edit_page(request, again, values, status=status, message=message, expected=expected)
    done = f"?saved={saved.revision}" if saved.saved else "?unchanged=1"
    return RedirectResponse(report_url(at.id, when, done), status_code=303)


@page_router.post("/declarations/{declaration_id}/reports/{period}/submit",
                  dependencies=[needs(Permission.REPORT)])
def report_submit_form(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath,
                       form: FormDep) -> Response:
    """提交: the table afterwards; refused, the form again with what is missing."""
    who = principal(request)
    when = parse_period(period, api=False)
    filled = _open(session, declaration_id, when, who)
    _ensure_reporter(who, filled)
    expected = _expected_revision(form)
    try:
        submit_report(session, declaration_id, when, who.actor, expected_revision=expected)
        session.commit()
    except workflow.WorkflowError as err:
        session.rollback()
        status = _status_of(err)
        if status in (403, 404):
            raise HTTPException(status, str(err)) from None
        again = _open(session, declaration_id, when, who)
        if again.submitted or again.report is None:
            raise HTTPException(status, str(err)) from None
        missing = getattr(err, "missing", None)
        return edit_page(request, again, form_values(again.actuals), status=status, message=str(err),
                         missing=missing)
    return RedirectResponse(report_url(declaration_id, when, "?submitted=1"), status_code=303)


# -- the XLSX template: download, fill in Excel or WPS, upload --------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@page_router.get("/declarations/{declaration_id}/reports/{period}/template.xlsx",
                 dependencies=[needs(Permission.REPORT)])
def report_template(request: Request, session: SessionDep, declaration_id: RowId,
                    period: PeriodPath) -> Response:
    """The period's XLSX form of the declaration, filled with what was saved so far."""
    who = principal(request)
    filled = _open(session, declaration_id, parse_period(period, api=False), who)
    _ensure_reporter(who, filled)
    data = actuals_template(filled.declaration, filled.period, filled.actuals)
    name = f"{filled.declaration.name or filled.place.id}-{filled.period.label}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": attachment(name, "report.xlsx")})


async def _uploaded_file(request: Request) -> tuple[str, bytes, int]:
    """The one file (field ``files``) of the multipart form, its name and the form's expected_revision,
    after the CSRF check of a browser session (header or ``csrf_token`` field); 400/413/415 otherwise."""
    limits = Limits.from_env()
    try:
        check_upload_headers(request, limits)
        form = await parse_upload(request, limits)
    except UploadRefused as err:
        raise HTTPException(400 if err.status == 422 else err.status, err.message) from None
    try:
        if request.headers.get(CSRF_HEADER) is None:  # else auth.identify has checked the header
            token = form.get(CSRF_FIELD)
            check_csrf(principal(request), token if isinstance(token, str) else None)
        files = [part for part in form.getlist(UPLOAD_FIELD)
                 if isinstance(part, UploadFile) and (part.filename or part.size)]
        if len(files) != 1:
            raise HTTPException(400, f"请在表单字段 {UPLOAD_FIELD} 中选择一个填好的 .xlsx 文件")
        return safe_file_name(files[0].filename), await files[0].read(), _expected_revision(form)
    finally:
        await form.close()


@page_router.post("/declarations/{declaration_id}/reports/{period}/upload",
                  dependencies=[needs(Permission.REPORT, multipart=True)])
async def report_upload_form(request: Request, declaration_id: RowId, period: PeriodPath) -> Response:
    """A filled XLSX form: read (every cell that is wrong named, 422) and saved as the next revision."""
    when = parse_period(period, api=False)
    name, data, expected = await _uploaded_file(request)
    return await run_in_threadpool(_save_upload, request, declaration_id, when, name, data, expected)


def _save_upload(request: Request, declaration_id: int, when: Period, name: str, data: bytes,
                 expected: int) -> Response:
    who = principal(request)
    with request.app.state.session_factory() as session:
        filled = _open(session, declaration_id, when, who)
        _ensure_reporter(who, filled)
        try:
            actuals = read_actuals_xlsx(data, name)
        except ActualsError as err:
            return edit_page(request, filled, form_values(filled.actuals), status=422, expected=expected,
                             message=f"上传的文件未保存：{err}")
        return _store(request, session, filled, actuals, who, expected, name, None)


# -- 风险项目 -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AtRiskFilters:
    period: Period
    year: int | None
    department: str | None
    light: str | None
    order: str

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string of these filters (``changes`` applied), defaults left out."""
        values: dict[str, Any] = {"period": self.period.code, "year": self.year,
                                  "department": self.department, "light": self.light, "order": self.order,
                                  **changes}
        if values["order"] == "at_stake":
            values.pop("order")
        return {key: value for key, value in values.items() if value not in (None, "")}


def _filters(period: str, year: int | None, department: str | None, light: str | None, order: str | None,
             *, api: bool) -> AtRiskFilters:
    return AtRiskFilters(parse_period(period, api=api) if period else DEFAULT_PERIOD, year,
                         department or None, light or None, order or "at_stake")


def _at_risk(session: Session, who: Principal, filters: AtRiskFilters, page: int, size: int) -> Any:
    lights = (filters.light,) if filters.light else LIGHT_CHOICES
    return at_risk_list(session, who.actor, filters.period, year=filters.year, department=filters.department,
                        lights=lights, order=filters.order,  # type: ignore[arg-type]  # checked by the query
                        limit=size, offset=(page - 1) * size)


#: The sortable columns of 风险项目: header label, order.
SORT_COLUMNS = (("项目名称", "name"), ("主管部门", "department"), ("灯", "light"),
                ("涉及资金(元)", "at_stake"))


@page_router.get("/monitoring", dependencies=[needs(Permission.READ_DECLARATION)])
def at_risk_page(request: Request, session: SessionDep, period: PeriodQuery = DEFAULT_PERIOD.code,
                 year: YearQuery = None, department: DepartmentQuery = None, light: LightQuery = None,
                 order: OrderQuery = None, page: PageQuery = 1) -> Response:
    who = principal(request)
    filters = _filters(period, year, department, light, order, api=False)
    found = _at_risk(session, who, filters, page, PAGE_SIZE)
    menus = choices(session, visibility(who))
    return templates.TemplateResponse(request, "at_risk.html", {
        "title": "风险项目", "found": found, "filters": filters, "periods": PERIODS, "lights": LIGHT_CHOICES,
        "years": menus.years, "departments": menus.departments, "page": page,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "page_link": lambda n: "/monitoring?" + urlencode({**filters.query(), "page": n}),
        "sorts": [(label, key, "/monitoring?" + urlencode(filters.query(order=key)))
                  for label, key in SORT_COLUMNS],
        "report_url": report_url})


# -- the section of 项目详情 ----------------------------------------------------------------------------

@dataclass
class ReportPanel:
    """What ``_report_panel.html`` shows on 项目详情: the reports the caller may read, and the periods
    the caller may enter (their unit's, once approved)."""

    id: int
    reports: list[Report]
    may_edit: bool = False  # the caller may enter and submit this declaration's reports
    offered: list[Period] = field(default_factory=list)  # the usual periods not begun yet, to start
    more: list[Period] = field(default_factory=list)  # the other monitoring rounds not begun yet
    waiting: bool = False  # the caller's unit's, not approved yet: reporting comes later

    def url(self, report: Report | Period, tail: str = "") -> str:
        period = report if isinstance(report, Period) else report.period_value
        return report_url(self.id, period, tail)


def report_panel(request: Request, declaration_id: int) -> ReportPanel | None:
    """The section's data (the template global ``report_panel``); ``None`` when the caller may not read
    the declaration (the page is a 404 then anyway)."""
    who = principal(request)
    with request.app.state.session_factory() as session:
        try:
            at = workflow.place(session, declaration_id)
        except workflow.NotFound:
            return None
        where = DeclarationPlace(at.status, at.unit_id, at.department_id)
        if not who.may(Permission.READ_DECLARATION, where):
            return None
        reports = reports_of(session, declaration_id, who.actor)
    panel = ReportPanel(at.id, reports)
    if who.may(Permission.REPORT, where):
        panel.may_edit = True
        begun = {r.period for r in reports}  # a begun one is listed, with its own link
        panel.offered = [p for p in OFFERED if p.code not in begun]
        panel.more = [p for p in PERIODS if p not in OFFERED and p.code not in begun]
    elif can_report(who.actor, "published", at.unit_id, at.department_id):
        panel.waiting = True
    return panel


templates.env.globals["report_panel"] = report_panel


# -- API ---------------------------------------------------------------------------------------------------

class ReportSummary(BaseModel):
    """One report as lists show it: the figures of its latest revision."""

    period: str = Field(description="M1 … M11, final")
    label: str = Field(description="1–7月监控, 年度自评 …")
    status: str = Field(description="draft or submitted")
    status_title: str
    revision: int = Field(description="the number of saves")
    version: int = Field(description="the declaration version it was entered against")
    as_of: str
    light: str | None = Field(description="绿, 黄 or 红: the declaration's light at the period's end")
    budget_light: str | None
    target_light: str | None = Field(description="the worst indicator's light")
    at_stake: str | None = Field(description="涉及资金 in yuan (a decimal string)")
    budget: str | None = Field(description="全年预算数 in yuan")
    executed: str | None = Field(description="执行数 in yuan")
    score: str | None = Field(description="the self-evaluation's total (year end), two decimals")
    grade: str | None = Field(description="优, 良, 中 or 差 (year end)")
    missing_explanations: int
    updated_at: datetime
    submitted_at: datetime | None
    submitted_by: str | None


def summary_of(report: Report) -> ReportSummary:
    period = report.period_value
    return ReportSummary(
        period=period.code, label=period.label, status=report.status, status_title=report.status_title,
        revision=report.revision, version=report.version, as_of=report.as_of.isoformat(), light=report.light,
        budget_light=report.budget_light, target_light=report.target_light,
        at_stake=money_json(report.at_stake),
        budget=money_json(report.budget), executed=money_json(report.executed),
        score=points(report.score) if report.score is not None else None, grade=report.grade,
        missing_explanations=report.missing_explanations, updated_at=report.updated_at,
        submitted_at=report.submitted_at, submitted_by=report.submitted_by)


class ReportList(BaseModel):
    declaration_id: int
    reports: list[ReportSummary]


class ReportOut(BaseModel):
    """One report: the actuals as entered, the monitoring at the period's end, the self-evaluation at the
    year end, and what still stops its submission."""

    declaration_id: int
    name: str | None
    period: str
    label: str
    status: str = Field(description="none (nothing entered yet), draft or submitted")
    revision: int = Field(description="send it back as expected_revision when saving")
    version: int = Field(description="the declaration version the actuals are laid over")
    actuals: Actuals
    dropped: list[str] = Field(description="rows whose indicator a newer version of the declaration removed")
    monitoring: dict[str, Any] = Field(description="as `jixiao monitor --json` gives it")
    evaluation: dict[str, Any] | None = Field(description="as `jixiao evaluate --json` gives it (final only)")
    missing: list[str] = Field(description="what stops the submission, one line per item")
    summary: ReportSummary | None
    saved: bool | None = Field(None, description=(
        "PUT only: false when the actuals were those of the latest revision (nothing was written)"))


def report_out(filled: Filled, saved: bool | None = None) -> ReportOut:
    report = filled.report
    return ReportOut(
        declaration_id=filled.place.id, name=filled.declaration.name, period=filled.period.code,
        label=filled.period.label, status=report.status if report else "none", revision=filled.revision,
        version=report.version if report else filled.place.version, actuals=filled.actuals,
        dropped=filled.dropped, monitoring=monitoring_json(filled.monitoring),
        evaluation=evaluation_json(filled.evaluation) if filled.evaluation else None,
        missing=filled.missing(),
        summary=summary_of(report) if report else None, saved=saved)


class ReportBody(BaseModel):
    """A save: the actuals, and the revision the caller started from."""

    model_config = ConfigDict(extra="forbid")

    expected_revision: int | None = Field(ge=0, le=MAX_INT, description=(
        "the revision read (0: none yet); 409 if someone saved since. null: overwrite whatever is there"))
    actuals: Actuals


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_revision: int | None = Field(ge=0, le=MAX_INT,
                                          description="the revision read; 409 if it changed")


def _readable_place(session: Session, who: Principal, declaration_id: int) -> None:
    """404 unless the caller may read the declaration (as if it did not exist)."""
    try:
        at = workflow.place(session, declaration_id)
    except workflow.NotFound as err:
        raise HTTPException(404, str(err)) from None
    if not who.may(Permission.READ_DECLARATION, DeclarationPlace(at.status, at.unit_id, at.department_id)):
        raise HTTPException(404, f"没有编号为 {declaration_id} 的项目")


@api_router.get("/declarations/{declaration_id}/reports", response_model=ReportList, responses=_ERRORS,
                summary="The declaration's monitoring rounds and self-evaluation the caller may read",
                dependencies=[needs(Permission.READ_DECLARATION)])
def reports_api(request: Request, session: SessionDep, declaration_id: RowId) -> ReportList:
    who = principal(request)
    _readable_place(session, who, declaration_id)
    return ReportList(declaration_id=declaration_id,
                      reports=[summary_of(r) for r in reports_of(session, declaration_id, who.actor)])


@api_router.get("/declarations/{declaration_id}/reports/{period}", response_model=ReportOut,
                responses=_ERRORS,
                summary="One report: actuals, monitoring, self-evaluation (final), what is missing",
                dependencies=[needs(Permission.READ_DECLARATION)])
def report_api(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath) -> Any:
    who = principal(request)
    when = parse_period(period, api=True)
    try:
        return report_out(open_report(session, declaration_id, when, who.actor))
    except workflow.WorkflowError as err:
        return _refusal(err)


@api_router.put("/declarations/{declaration_id}/reports/{period}", response_model=ReportOut,
                responses=_ERRORS, summary="Save the actuals of a period as the report's next revision",
                dependencies=[needs(Permission.REPORT)])
def save_report_api(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath,
                    body: Annotated[ReportBody, Body()]) -> Any:
    who = principal(request)
    when = parse_period(period, api=True)
    try:
        filled = save_report(session, declaration_id, when, body.actuals, who.actor,
                             expected_revision=body.expected_revision, source="api")
        session.commit()
        return report_out(filled, filled.saved)  # worked out by the save: not opened again
    except (workflow.WorkflowError, ActualsError) as err:
        session.rollback()
        return _refusal(err)


@api_router.post("/declarations/{declaration_id}/reports/{period}/submit", response_model=ReportOut,
                 responses=_ERRORS, summary="Submit the report (then it is fixed); 422 lists what is missing",
                 dependencies=[needs(Permission.REPORT)])
def submit_report_api(request: Request, session: SessionDep, declaration_id: RowId, period: PeriodPath,
                      body: Annotated[SubmitBody, Body()]) -> Any:
    who = principal(request)
    when = parse_period(period, api=True)
    try:
        submit_report(session, declaration_id, when, who.actor, expected_revision=body.expected_revision)
        session.commit()
        return report_out(open_report(session, declaration_id, when, who.actor))
    except workflow.WorkflowError as err:
        session.rollback()
        return _refusal(err)


class AtRiskItem(BaseModel):
    declaration_id: int
    name: str | None
    department: str | None
    unit: str | None
    year: int | None
    report: ReportSummary


class DepartmentAtRisk(BaseModel):
    department: str | None
    count: int
    at_stake: str = Field(description="涉及资金 in yuan")


class AtRiskOut(BaseModel):
    period: str
    label: str
    total: int = Field(description="the 黄 and 红 reports that match (all pages)")
    red: int
    at_stake: str = Field(description="their money at stake in yuan")
    departments: list[DepartmentAtRisk]
    page: int
    size: int
    items: list[AtRiskItem]


@api_router.get("/monitoring/at-risk", response_model=AtRiskOut, responses=_ERRORS,
                summary="The declarations at risk (黄, 红) in a period, largest money at stake first",
                dependencies=[needs(Permission.READ_DECLARATION)])
def at_risk_api(request: Request, session: SessionDep, period: PeriodQuery = DEFAULT_PERIOD.code,
                year: YearQuery = None, department: DepartmentQuery = None, light: LightQuery = None,
                order: OrderQuery = None, page: PageQuery = 1,
                size: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE) -> AtRiskOut:
    filters = _filters(period, year, department, light, order, api=True)
    found = _at_risk(session, principal(request), filters, page, size)
    return AtRiskOut(
        period=filters.period.code, label=filters.period.label, total=found.total, red=found.red,
        at_stake=money_json(found.at_stake) or "0.00",
        departments=[DepartmentAtRisk(department=name, count=count, at_stake=money_json(money) or "0.00")
                     for name, count, money in found.departments],
        page=page, size=size,
        items=[AtRiskItem(declaration_id=row.declaration_id, name=row.name, department=row.department,
                          unit=row.unit, year=row.year, report=summary_of(row.report)) for row in found.rows])
