"""The FastAPI application: engine and sessions, templates, static files, one error shape.

Errors: under ``/api`` every error is the JSON body ``{"error": {"status", "code", "message"}}``
(FastAPI's own bodies never appear); elsewhere a Chinese error page. A bad query or path parameter
is a 422 in the API and a 400 page in the browser.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from pydantic import BeforeValidator, Field
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jixiao import __version__
from jixiao.access import Permission, allowed, place_of
from jixiao.errors import JixiaoError
from jixiao.store import db as store_db
from jixiao.store.models import Declaration
from jixiao.text import yuan
from jixiao.validation import json_path, message
from jixiao.web.auth import Principal, login_url, principal
from jixiao.workflow.rules import Status, status_title

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
API_PREFIX = "/api"

ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "invalid_parameter", 500: "internal_error"}
ERROR_TITLES = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "未找到", 405: "不支持的请求方法",
                409: "保存冲突", 413: "文件过大", 415: "不支持的文件类型", 422: "参数有误",
                500: "服务器内部错误"}
#: The HTTP status of each refusal of :mod:`jixiao.workflow` (``WorkflowError.code``).
WORKFLOW_STATUS = {"not_found": 404, "forbidden": 403, "wrong_status": 409, "invalid_comment": 422,
                   "conflict": 409, "locked": 409, "not_ready": 422}


money = yuan  # ``1234567.5`` → ``1,234,567.50``; ``-`` when there is no amount


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["money"] = money


@pass_context
def csrf_field(context: Mapping[str, Any]) -> Markup:
    """``{{ csrf_field() }}`` in a form: the hidden field with the session's CSRF token (jixiao.web.auth)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
        principal(context["request"]).csrf_token or "")


# Who is looking, for the navigation, the forms' CSRF field and what each page offers (jixiao.web.auth).
templates.env.globals.update(principal=principal, Permission=Permission, csrf_field=csrf_field,
                             status_title=status_title)


def _blank_is_none(value: Any) -> Any:
    """A filter left at 全部 is sent as ``year=``: the same as no filter."""
    return None if value == "" else value


#: The largest id or number either database stores (a signed 64-bit integer): beyond it a path or
#: query value is a 404/422 here, not an overflow in the driver.
MAX_INT = 2**63 - 1
#: The id of a stored row in a path (``/declarations/{declaration_id}``): any 64-bit integer (one that
#: names no row, 0 say, is a 404 like any other).
RowId = Annotated[int, PathParam(ge=-MAX_INT - 1, le=MAX_INT, description="编号")]
#: A page of a list: far beyond any list, yet small enough that page × size stays an exact offset.
PageQuery = Annotated[int, Query(ge=1, le=1_000_000, description="页码")]

YearQuery = Annotated[Annotated[int, Field(ge=1900, le=2999)] | None, BeforeValidator(_blank_is_none),
                      Query(description="年度")]


def declaration_or_404(session: Session, declaration_id: int, caller: Request | Principal,
                       permission: Permission = Permission.READ_DECLARATION) -> Declaration:
    """The stored declaration, if the caller (a request, or its :class:`~jixiao.web.auth.Principal`) may
    read it, or edit it when ``permission`` is :attr:`~jixiao.access.Permission.EDIT_DECLARATION`.

    - missing, or not readable by the caller: 404, worded the same way for both, so that nobody learns
      which ids exist (a draft of another unit is as absent as an id never used);
    - readable, not editable: 409 with the workflow's message (:class:`jixiao.workflow.Locked`) when the
      caller's unit could edit it but its status locks it, else 403.

    A save must still call :func:`jixiao.workflow.ensure_editable` in its transaction (the status may
    change between this check and the save).
    """
    if permission not in (Permission.READ_DECLARATION, Permission.EDIT_DECLARATION):
        raise ValueError(f"declaration_or_404 checks reading or editing, not {permission}")
    who = caller if isinstance(caller, Principal) else principal(caller)
    stored = session.get(Declaration, declaration_id)
    place = place_of(stored) if stored is not None else None
    # Reading is the actor's right alone: the token's scope was checked by the route's needs().
    if place is None or not allowed(who.actor, Permission.READ_DECLARATION, place):
        raise StarletteHTTPException(404, f"没有编号为 {declaration_id} 的项目")
    if permission == Permission.EDIT_DECLARATION and not who.may(permission, place):
        unlocked = replace(place, status=Status.DRAFT.value)
        if who.may(permission, unlocked):  # the caller's own unit's: the status is what stops it
            from jixiao.workflow import ensure_editable

            ensure_editable(session, declaration_id)  # raises Locked, with the workflow's words
        raise StarletteHTTPException(403, "您的账号不能修改这个项目：只有项目所属单位的填报人或单位审核人"
                                          "可以修改，且只能在草稿或退回状态时修改")
    return stored


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code or ERROR_CODES.get(status, "error"), "message": message}}


def attachment(name: str, fallback: str) -> str:
    """``Content-Disposition`` naming the file ``name`` (any Unicode, RFC 5987 ``filename*``), with the
    ASCII ``fallback`` as ``filename`` for clients that do not read ``filename*``."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def is_api(request: Request) -> bool:
    """Whether ``request`` is to the REST API (answered in JSON) rather than a page."""
    return request.url.path == API_PREFIX or request.url.path.startswith(API_PREFIX + "/")


def error_response(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse(error_body(status, message), status_code=status)
    context = {"status": status, "title": ERROR_TITLES.get(status, "错误"), "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = json_path(p for p in err.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {message(err)}" if where else message(err))
    return "; ".join(parts) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401 and not is_api(request):
            return RedirectResponse(login_url(request), status_code=303)  # a page: 登录, then back here
        message = exc.detail if isinstance(exc.detail, str) else ERROR_TITLES.get(exc.status_code, "error")
        return error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        status = 422 if is_api(request) else 400
        return error_response(request, status, _validation_message(exc))

    @app.exception_handler(JixiaoError)
    async def jixiao_error(request: Request, exc: JixiaoError) -> Response:
        from jixiao.workflow import WorkflowError

        if isinstance(exc, WorkflowError):
            return error_response(request, WORKFLOW_STATUS.get(exc.code, 400), str(exc))
        return error_response(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, f"internal error ({type(exc).__name__}); please report it")


#: Sent with every answer: no framing (clickjacking), no content sniffing, no scripts but the app's own.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; object-src 'none'; base-uri 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'"),
]


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every answer, and ``Cache-Control: no-store`` to the pages and API
    answers of a logged-in caller (a session cookie or an API token) that set no caching of their own:
    they hold drafts and CSRF tokens that no shared cache should keep."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from jixiao.web.auth import SESSION_COOKIE

        request_headers = dict(scope["headers"])
        private = (b"authorization" in request_headers
                   or SESSION_COOKIE.encode() + b"=" in request_headers.get(b"cookie", b""))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if private and not scope["path"].startswith("/static/") and not any(
                        name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class NoNul:
    """Refuse a request whose path or query holds a NUL character (``%00``) with 400 (422 in the API),
    naming it: no page or filter means one, and PostgreSQL refuses it in any text it compares."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            status = 422 if scope["path"].startswith(API_PREFIX + "/") else 400
            message = "地址或查询参数中含有 NUL 字符（%00），请去掉后重试"
            return await JSONResponse(error_body(status, message, "invalid_parameter"),
                                      status_code=status)(scope, receive, send)
        await self.app(scope, receive, send)


MAX_JSON_BYTES = 4 * 1024 * 1024  # a declaration is a few kilobytes of JSON


class JsonBodyLimit:
    """Refuse an API request body over ``limit`` bytes with 413 (the JSON error body), before it is
    read whole; uploads (multipart) are left to the upload route, which has limits of its own."""

    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX + "/"):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if headers.get(b"content-type", b"").startswith(b"multipart/"):
            return await self.app(scope, receive, send)
        message = f"请求内容超过 {self.limit // (1024 * 1024)} MB 上限"
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            return await JSONResponse(error_body(413, message), status_code=413)(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            received = await receive()
            seen += len(received.get("body", b""))
            if seen > self.limit:  # a body sent in chunks with no length; raised inside the route
                raise StarletteHTTPException(413, message)
            return received

        await self.app(scope, counted, send)


def _settle() -> None:
    """Load the big lookup tables now (pinyin) and exempt everything loaded so far from the garbage
    collector's full passes, which would otherwise walk those tables and stall a request now and then
    (100 ms at a time)."""
    from jixiao.store.listing import pinyin_key

    pinyin_key("绩效")
    gc.collect()
    gc.freeze()


def create_app(database_url: str | None = None) -> FastAPI:
    """The application on ``database_url`` (default: ``$JIXIAO_DATABASE_URL``, else the SQLite file)."""
    from jixiao.web import api, dashboard, pages
    from jixiao.web.auth import identify, needs  # who calls, and may they: every route (jixiao.web.auth)

    app = FastAPI(title="绩效 Jixiao API", version=__version__, openapi_url=f"{API_PREFIX}/v1/openapi.json",
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None,
                  dependencies=[Depends(identify)])
    engine = store_db.make_engine(database_url)
    app.state.engine = engine
    app.state.session_factory = store_db.session_factory(engine)
    _install_error_handlers(app)
    app.add_middleware(JsonBodyLimit)
    app.add_middleware(NoNul)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    from jixiao.web import exporting  # 下载 (page and API); first: /declarations/{id} would take …/export
    app.include_router(exporting.router)
    app.include_router(api.router, prefix=f"{API_PREFIX}/v1")
    app.include_router(api.docs_router, prefix=API_PREFIX)
    from jixiao.web import editing  # 编辑/新建; before pages, whose /declarations/{id} would take …/new
    app.include_router(editing.page_router)
    app.include_router(editing.api_router, prefix=f"{API_PREFIX}/v1")
    app.include_router(pages.router)
    app.include_router(dashboard.router)
    from jixiao.web import history  # version comparison: page and API
    app.include_router(history.router)
    app.include_router(history.api_router, prefix=f"{API_PREFIX}/v1")
    from jixiao.web import uploading  # 上传: the upload page and POST /api/v1/import
    app.include_router(uploading.page_router)
    app.include_router(uploading.api_router, prefix=f"{API_PREFIX}/v1")
    from jixiao.web import evaluating  # 自评, 运行监控, 复核自评表: computations on the body, nothing stored
    app.include_router(evaluating.api_router, prefix=f"{API_PREFIX}/v1")
    from jixiao.web import auditing, workflow  # 审核流程, 待办; 审计 (the audit administrator's)
    app.include_router(workflow.page_router)
    app.include_router(workflow.api_router, prefix=f"{API_PREFIX}/v1")
    app.include_router(auditing.page_router)
    app.include_router(auditing.api_router, prefix=f"{API_PREFIX}/v1")
    from jixiao.web import reporting  # 监控与自评: the tables, the entry form, 风险项目, the API
    app.include_router(reporting.page_router)
    app.include_router(reporting.api_router, prefix=f"{API_PREFIX}/v1")
    from jixiao.web import account, admin  # 登录, 退出, 修改密码, 令牌; 用户, 角色, 安全策略
    app.include_router(account.router)
    app.include_router(admin.router)

    _settle()

    @app.get("/healthz", include_in_schema=False, response_class=HTMLResponse,
             dependencies=[needs(Permission.ANYONE)])
    def healthz() -> str:
        return "ok"

    return app
