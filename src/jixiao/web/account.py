"""登录, 退出, 修改密码, API 令牌: the user's own account in the browser.

- ``GET/POST /login``: there is no session yet, so the form's CSRF token is a double-submit one: a
  random value in the cookie :data:`~jixiao.web.auth.LOGIN_CSRF_COOKIE` and in the form, which must
  match. A login starts a new session and ends the one the browser had (session fixation); the cookie
  :data:`~jixiao.web.auth.SESSION_COOKIE` is HttpOnly, SameSite=Lax, Path=/, and Secure when the request
  came over https (as uvicorn sees it behind a proxy that sends ``X-Forwarded-Proto``) or
  ``JIXIAO_SECURE_COOKIES=1``. It then goes to ``next`` if that is a path of this site, else to /.
- ``POST /logout``: ends the session.
- ``GET/POST /account/password``: the current password and a new one twice; the policy's objections
  are listed under the field. Every session of the user ends (:func:`jixiao.accounts.set_password`)
  and this browser gets a new one.
- ``GET/POST /account/tokens``, ``POST /account/tokens/{id}/revoke``: API tokens with scopes, the
  token shown once.

Every login, failed login (its reason, never the password), logout, password change and token created
or revoked is recorded in the audit log (:func:`jixiao.audit.record`), in the transaction of the change;
a failed login's entry (and the failure count behind the lockout) is committed although the login fails.
The account pages take no API token (``browser_only``).
"""

from __future__ import annotations

import hmac
import os
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jixiao.access import SCOPES, Permission, scopes_for
from jixiao.accounts import (
    AccountError,
    LoginFailed,
    PasswordRejected,
    UserAccount,
    actor_for,
    authenticate,
    change_password,
    create_token,
    end_session,
    list_tokens,
    load_policy,
    password_expired,
    revoke_token,
    start_session,
)
from jixiao.accounts.errors import LOGIN_FAILED
from jixiao.audit import record
from jixiao.roles import Actor
from jixiao.web.app import RowId, templates
from jixiao.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Principal,
    client_address,
    needs,
    new_token,
    principal,
)
from jixiao.web.database import get_session

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SessionDep = Annotated[Session, Depends(get_session)]
SECURE_ENV = "JIXIAO_SECURE_COOKIES"
OWN = [needs(Permission.LOGGED_IN, browser_only=True)]
NO_STORE = {"Cache-Control": "no-store"}  # pages showing a secret once: never kept by the browser


# -- cookies and the way back --------------------------------------------------------------------------

def secure_cookies(request: Request) -> bool:
    """Whether cookies get the Secure flag: over https, or when ``JIXIAO_SECURE_COOKIES=1``."""
    return request.url.scheme == "https" or os.environ.get(SECURE_ENV) == "1"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The session's cookie: HttpOnly (no script reads it), SameSite=Lax, the whole site, no expiry
    (the browser drops it when closed; the server ends the session when idle or old)."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=secure_cookies(request))


def safe_next(target: str | None) -> str:
    """``target`` if it is a path of this site (``/…``, not ``//host`` or ``/\\host``), else ``/``."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith(("//", "/\\")) or parts.scheme or parts.netloc
            or any(ord(ch) < 32 or ch == "\\" for ch in target)):
        return "/"
    return target


# -- 登录 ----------------------------------------------------------------------------------------------

def _login_page(request: Request, *, next_url: str, error: str | None = None, username: str = "",
                status: int = 200) -> Response:
    """The login form. Without a session its CSRF token is a fresh double-submit value (cookie + field);
    in a session, the session's own (checked by :func:`jixiao.web.auth.identify`)."""
    who = principal(request)
    token = who.csrf_token if who.via == "session" else request.cookies.get(LOGIN_CSRF_COOKIE)
    fresh = token is None or len(token) > 100
    if fresh:
        token = new_token()
    response = templates.TemplateResponse(request, "login.html", {
        "title": "登录", "form_csrf": token, "next": safe_next(next_url), "error": error,
        "username": username}, status_code=status, headers=NO_STORE)
    if fresh and who.via != "session":
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/login",
                            secure=secure_cookies(request))
    return response


@router.get("/login", dependencies=[needs(Permission.ANYONE)])
def login_page(request: Request, next_url: Annotated[str, Query(alias="next", max_length=2000)] = "/"
               ) -> Response:
    return _login_page(request, next_url=next_url)


def _failed_actor(err: LoginFailed, address: str | None) -> Actor:
    """Who the audit log names for a failed login: the username tried (cut short), not logged in."""
    return Actor(username=(err.username or "-")[:64], address=address)


@router.post("/login", dependencies=[needs(Permission.ANYONE)])
def login(request: Request, session: SessionDep,
          username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1024)] = "",
          csrf_token: Annotated[str, Form(max_length=200)] = "",
          next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/") -> Response:
    who = principal(request)
    if who.via != "session":  # in a session, identify() checked the session's token
        expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        if not (expected and csrf_token and hmac.compare_digest(expected.encode(), csrf_token.encode())):
            return _login_page(request, next_url=next_url, username=username, status=403,
                               error="登录表单已过期或无效（缺少 CSRF 令牌），请重新输入后登录")
    address = client_address(request)
    try:
        user = authenticate(session, username, password, address=address)
    except LoginFailed as err:
        record(session, _failed_actor(err, address), "login_failed", object_type="user",
               object_id=err.username[:64], outcome="failed",
               details={"reason": err.reason, "locked_until": err.locked_until})
        session.commit()  # the failure count (lockout) and its audit entry, although the login fails
        return _login_page(request, next_url=next_url, username=username, status=401, error=LOGIN_FAILED)
    # Session fixation: the session the browser came with (if any) ends, and a new one starts.
    end_session(session, request.cookies.get(SESSION_COOKIE))
    issued = start_session(session, user, address=address)
    actor = actor_for(user, address)
    record(session, actor, "login", object_type="user", object_id=user.username,
           details={"session": issued.id[:16]})
    expired = password_expired(user, load_policy(session))
    session.commit()
    target = "/account/password?expired=1" if expired else safe_next(next_url)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, issued.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[needs(Permission.ANYONE)])
def logout(request: Request, session: SessionDep) -> Response:
    """End the session (a browser without one is sent to the list all the same)."""
    who = principal(request)
    if who.via == "session" and end_session(session, request.cookies.get(SESSION_COOKIE)):
        record(session, who.actor, "logout", object_type="user", object_id=who.actor.username,
               details={"session": (who.session_id or "")[:16]})
        session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- 修改密码 ------------------------------------------------------------------------------------------

def _own_user(session: Session, who: Principal) -> UserAccount:
    user = session.get(UserAccount, who.actor.user_id)
    if user is None:  # a session outlives no user (users are never deleted); for safety
        raise HTTPException(401, "请先登录")
    return user


def _password_page(request: Request, *, status: int = 200, error: str | None = None,
                   problems: list[str] | None = None) -> Response:
    return templates.TemplateResponse(request, "account_password.html", {
        "title": "修改密码", "error": error, "problems": problems or [],
        "changed": request.query_params.get("changed") == "1",
        "expired": request.query_params.get("expired") == "1",
        "policy": load_policy_for(request)}, status_code=status, headers=NO_STORE)


def load_policy_for(request: Request) -> Any:
    """The policy for a page's hints (this process's copy, read at most every few seconds)."""
    cached = getattr(request.app.state, "policy_cache", None)
    if cached is not None:
        return cached[1]
    with request.app.state.session_factory() as session:
        return load_policy(session)


@router.get("/account/password", dependencies=OWN)
def password_page(request: Request) -> Response:
    return _password_page(request)


@router.post("/account/password", dependencies=OWN)
def password_change(request: Request, session: SessionDep,
                    current: Annotated[str, Form(max_length=1024)] = "",
                    new: Annotated[str, Form(max_length=1024)] = "",
                    confirm: Annotated[str, Form(max_length=1024)] = "") -> Response:
    who = principal(request)
    user = _own_user(session, who)
    if new != confirm:
        return _password_page(request, status=400, error="两次输入的新密码不一致")
    try:
        change_password(session, user, current, new)
    except PasswordRejected as err:
        session.rollback()  # nothing was written: the current password was right
        return _password_page(request, status=400, error="新密码不符合安全策略", problems=err.problems)
    except AccountError as err:  # the current password is wrong: counted like a failed login
        record(session, who.actor, "user.password", object_type="user", object_id=user.username,
               outcome="failed", details={"by": "self", "reason": "wrong_current_password"})
        session.commit()
        return _password_page(request, status=400, error=str(err))
    record(session, who.actor, "user.password", object_type="user", object_id=user.username,
           details={"by": "self"})
    # Every session of the user ended with the change, this one too: the browser gets a new one.
    issued = start_session(session, user, address=client_address(request))
    session.commit()
    response = RedirectResponse("/account/password?changed=1", status_code=303)
    set_session_cookie(response, request, issued.token)
    return response


# -- API 令牌 ------------------------------------------------------------------------------------------

def _tokens_page(request: Request, session: Session, *, status: int = 200, error: str | None = None,
                 created: str | None = None, name: str = "") -> Response:
    who = principal(request)
    user = _own_user(session, who)
    grantable = [(code, label) for code, label in SCOPES.items() if code in scopes_for(who.actor)]
    now = datetime.now(UTC)
    rows = [{"token": token, "state": "已吊销" if token.revoked_at else
             ("已过期" if token.expires_at and token.expires_at <= now else "有效")}
            for token in list_tokens(session, user)]
    return templates.TemplateResponse(request, "account_tokens.html", {
        "title": "API 令牌", "rows": rows, "grantable": grantable, "error": error, "created": created,
        "name": name, "token_days": load_policy_for(request).token_days},
        status_code=status, headers=NO_STORE)


@router.get("/account/tokens", dependencies=OWN)
def tokens_page(request: Request, session: SessionDep) -> Response:
    return _tokens_page(request, session)


@router.post("/account/tokens", dependencies=OWN)
def token_create(request: Request, session: SessionDep,
                 name: Annotated[str, Form(max_length=200)] = "",
                 scopes: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 (FastAPI copies it)
                 days: Annotated[str, Form(max_length=20)] = "") -> Response:
    """A new token; its value is on this answer only (``Cache-Control: no-store``)."""
    who = principal(request)
    days_text = days.strip()
    user = _own_user(session, who)
    now = datetime.now(UTC)
    try:
        expires_at = None
        if days_text:
            if not days_text.isdigit() or int(days_text) < 1:
                raise AccountError(f"有效期须是正整数天数，不能是「{days_text}」")
            expires_at = now + timedelta(days=min(int(days_text), 100_000))
        issued = create_token(session, user, name, scopes, expires_at=expires_at, now=now)
    except AccountError as err:
        session.rollback()
        return _tokens_page(request, session, status=400, error=str(err), name=name)
    record(session, who.actor, "token.create", object_type="api_token", object_id=issued.id,
           details={"name": name.strip(), "scopes": sorted(scopes), "expires_at": issued.expires_at})
    session.commit()
    return _tokens_page(request, session, created=issued.token)


@router.post("/account/tokens/{token_id}/revoke", dependencies=OWN)
def token_revoke(request: Request, session: SessionDep, token_id: RowId) -> Response:
    who = principal(request)
    user = _own_user(session, who)
    if not revoke_token(session, token_id, user):
        return _tokens_page(request, session, status=404, error=f"没有您的有效令牌（编号 {token_id}）")
    record(session, who.actor, "token.revoke", object_type="api_token", object_id=token_id)
    session.commit()
    return RedirectResponse("/account/tokens", status_code=303)
