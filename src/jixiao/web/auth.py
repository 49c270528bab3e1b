"""Who makes each request, and whether they may: the one place the web app enforces access.

Every route declares what it needs with :func:`needs` in its decorator::

    @router.get("/declarations/{declaration_id}", dependencies=[needs(Permission.READ_DECLARATION)])

and :func:`identify`, a dependency of the whole app, refuses any route that declares nothing, so a new
route without a rule cannot slip through (and ``tests/test_web_access.py`` walks every route with
every role). The rules themselves are :mod:`jixiao.access`; this module only applies them:

- the caller is the user of the browser session (cookie :data:`SESSION_COOKIE`), the user of an API
  token (``Authorization: Bearer jx_…``, limited to the token's scopes), or the public;
- a state-changing request (POST, PUT, PATCH, DELETE) in a browser session must carry the session's
  CSRF token, in the ``X-CSRF-Token`` header or a ``csrf_token`` form field; a multipart body without
  the header is refused, except by the routes declared ``needs(…, multipart=True)`` (the uploads,
  which check their form's field before importing anything: :mod:`jixiao.web.uploading`); API tokens
  are not sent by browsers on their own, so they need none;
- a permission the caller lacks is 401 for the public (pages redirect to 登录) and 403 for a user;
- a declaration the caller may not read is a 404, as if it did not exist
  (:func:`jixiao.web.app.declaration_or_404` checks it with :func:`principal`); lists, counts, filter
  menus and the dashboard only ever see :func:`visibility`;
- ``needs(…, browser_only=True)``: the route refuses API tokens (a user's own password and tokens: a
  stolen token must not be able to lock its owner out or mint more).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from jixiao.access import UNIT_MEMBERS, DeclarationPlace, Permission, allowed, declaration_visibility
from jixiao.roles import PUBLIC, Actor, Role
from jixiao.store.listing import Scope
from jixiao.web.database import get_session

SESSION_COOKIE = "jixiao_session"
LOGIN_CSRF_COOKIE = "jixiao_login_csrf"  # double-submit token of the login form (no session yet)
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The caller of one request.

    ``via``: ``"session"`` (browser), ``"token"`` (API token) or ``"public"``. ``scopes`` limit a token
    (``None`` otherwise); ``csrf_token`` is the session's, for the forms of the pages it is shown.
    """

    actor: Actor
    via: str = "public"
    csrf_token: str | None = None
    scopes: frozenset[str] | None = None
    session_id: str | None = None
    token_id: int | None = None

    def may(self, permission: Permission, place: DeclarationPlace | None = None) -> bool:
        return allowed(self.actor, permission, place, self.scopes)


ANONYMOUS = Principal(PUBLIC)


class _Needs:
    """The dependency :func:`needs` returns: checks one permission; :func:`identify` finds it on the route."""

    def __init__(self, permission: Permission, browser_only: bool = False, multipart: bool = False):
        self.permission = permission
        self.browser_only = browser_only
        self.multipart = multipart

    def __call__(self, request: Request) -> None:
        who = principal(request)
        if self.browser_only and who.via == "token":
            raise HTTPException(403, "API 令牌不能用于此操作：请在浏览器中登录后进行")
        if self.permission == Permission.READ_DECLARATION:
            # Anyone may read published declarations: the route checks the one it loads.
            if who.scopes is not None and "read" not in who.scopes:
                deny(who)
        elif self.permission in (Permission.EDIT_DECLARATION, Permission.REPORT):
            # Whether the caller could edit (or report on) any declaration at all: a unit member, with
            # write scope for a token; the route checks the one it loads.
            if not who.may(Permission.CREATE_DECLARATION):
                deny(who)
        elif not who.may(self.permission):
            deny(who)

    def __repr__(self) -> str:
        return f"needs({self.permission.value}{', browser_only=True' if self.browser_only else ''})"


def needs(permission: Permission, *, browser_only: bool = False, multipart: bool = False) -> Any:
    """``dependencies=[needs(Permission.X)]`` on a route: who may call it (see the module docstring).

    ``browser_only``: API tokens are refused. ``multipart``: the route reads a multipart body and checks
    the CSRF field in it itself (:func:`check_csrf`); without it a browser session's multipart request
    must send the header."""
    return Depends(_Needs(permission, browser_only, multipart))


def _route_needs(route: APIRoute) -> _Needs | None:
    for dependency in route.dependencies:
        if isinstance(dependency.dependency, _Needs):
            return dependency.dependency
    return None


@dataclass(frozen=True)
class RouteRule:
    """One route of the app as the access rules see it: its full path and method, what it needs."""

    method: str
    path: str
    permission: Permission | None
    browser_only: bool
    route: APIRoute


def route_rules(app: Any) -> list[RouteRule]:
    """Every API route of ``app`` (those of included routers too, with their prefixes), one per method."""
    from fastapi.routing import iter_route_contexts

    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            declared = _route_needs(route)
            for method in sorted(context.methods or ()):
                found.append(RouteRule(method, str(context.path), declared.permission if declared else None,
                                       bool(declared and declared.browser_only), route))
    return found


def route_permission(route: APIRoute) -> Permission | None:
    """The permission ``route`` declares with :func:`needs`, or ``None``."""
    declared = _route_needs(route)
    return declared.permission if declared is not None else None


def deny(who: Principal) -> None:
    """401 for the public (a page redirects to 登录), 403 for a user without the right."""
    if who.actor.is_public:
        raise HTTPException(401, "请先登录")
    raise HTTPException(403, "您的账号没有此项操作的权限")


def visibility(who: Principal | Actor) -> Scope:
    """What the caller may see in lists, counts, filter menus and the dashboard: the condition of
    :func:`jixiao.access.declaration_visibility`, and a cache key made of the same parts (the public,
    a department, a unit, finance), so that two callers share cached figures only when they see the
    same declarations."""
    actor = who.actor if isinstance(who, Principal) else who
    if actor.has(Role.FINANCE_REVIEWER):
        return Scope(("finance",), None)
    key: list[tuple[Any, ...]] = [("public",)]
    if actor.has(Role.DEPARTMENT_REVIEWER) and actor.department_id is not None:
        key.append(("department", actor.department_id))
    if actor.has(*UNIT_MEMBERS) and actor.unit_id is not None:
        key.append(("unit", actor.unit_id))
    return Scope(tuple(key), declaration_visibility(actor))


def principal(request: Request) -> Principal:
    """The caller, as :func:`identify` found it (the public outside a request it ran for)."""
    return getattr(request.state, "principal", ANONYMOUS)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def identify(request: Request, session: Annotated[Session, Depends(get_session)]) -> None:
    """App-wide dependency: find the caller, refuse routes without a declared permission, check CSRF.

    The lookup uses the request's database session (the route's too) and commits before the route
    runs, so that what it writes (a session's ``last_seen_at``, an expired session ended) is kept
    whatever the route does, and the route starts a transaction of its own.
    """
    route = request.scope.get("route")
    declared = _route_needs(route) if isinstance(route, APIRoute) else None
    if isinstance(route, APIRoute) and declared is None:
        raise HTTPException(403, f"{request.method} {route.path} 没有声明访问权限（needs），已拒绝")
    who = await run_in_threadpool(_resolve, request, session)
    request.state.principal = who
    if request.method in SAFE_METHODS or who.via != "session":
        return
    submitted = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if submitted is None and content_type.startswith("application/x-www-form-urlencoded"):
        value = (await request.form()).get(CSRF_FIELD)  # kept by the request for the route's own Form()
        submitted = value if isinstance(value, str) else None
    elif submitted is None and content_type.startswith("multipart/") and declared and declared.multipart:
        return  # the upload routes check their form's field before importing anything
    check_csrf(who, submitted)


_POLICY_SECONDS = 10.0  # how long a process uses the policy it read (idle timeout …) before reading again


def forget_policy(request: Request) -> None:
    """After the policy was changed: this process reads it again at the next request."""
    request.app.state.policy_cache = None


def _resolve(request: Request, session: Session) -> Principal:
    authorization = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not authorization and not cookie:
        return ANONYMOUS
    from jixiao.accounts import load_policy, resolve_session_info, resolve_token

    address = client_address(request)
    try:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            bearer = scheme.lower() == "bearer"
            grant = resolve_token(session, token.strip(), address=address) if bearer else None
            if grant is None:
                raise HTTPException(401, "API 令牌无效、已过期或已撤销")
            return Principal(grant.actor, "token", scopes=grant.scopes, token_id=grant.token_id)
        # The policy (idle timeout …) is read again at most every few seconds, not on every request;
        # kept per app, since each app has a database (and a policy) of its own.
        cache = getattr(request.app.state, "policy_cache", None)
        if cache is None or time.monotonic() - cache[0] > _POLICY_SECONDS:
            cache = request.app.state.policy_cache = (time.monotonic(), load_policy(session))
        active = resolve_session_info(session, cookie, address=address, policy=cache[1])
    finally:
        session.commit()
    if active is None:
        return ANONYMOUS  # an ended session: the public again (pages offer 登录)
    return Principal(active.actor, "session", csrf_token=active.csrf_token, session_id=active.session_id)


def check_csrf(who: Principal, submitted: str | None) -> None:
    """403 unless ``submitted`` is the CSRF token of the caller's session (a no-op for API tokens)."""
    if who.via != "session":
        return
    expected = who.csrf_token
    if not (expected and submitted and hmac.compare_digest(submitted.encode(), expected.encode())):
        raise HTTPException(403, "请求缺少有效的 CSRF 令牌；请刷新页面后重试")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def login_url(request: Request) -> str:
    """登录, coming back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"
