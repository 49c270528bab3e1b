"""Administration pages: 用户管理 (系统管理员), 角色 and 安全策略 (安全管理员).

- ``/admin/users``: every user; create one (a business role, its unit or department, a generated
  password shown once), deactivate and reactivate, unlock, reset a password (shown once);
- ``/admin/roles``: change a user's roles and organisation (the administrator roles are granted here
  only: the system administrator creates users but grants no administrator role, 三员分立);
- ``/admin/policy``: the security policy (:class:`jixiao.accounts.SecurityPolicy`).

The rules are :mod:`jixiao.access` (:func:`~jixiao.access.can_manage_users`,
:func:`~jixiao.access.can_manage_roles_and_policy`) and :mod:`jixiao.accounts.users` (which roles fit
which organisation, the last administrator kept); API tokens are refused here (``browser_only``, and
:data:`jixiao.access.PERMISSION_SCOPES` gives these permissions no scope). Every change is recorded in
the audit log in its own transaction, before and after where there is a before.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jixiao.access import Permission
from jixiao.accounts import (
    AccountError,
    PasswordRejected,
    UserAccount,
    create_user,
    deactivate,
    find_organisation,
    generate_password,
    list_users,
    load_policy,
    reactivate,
    save_policy,
    set_password,
    set_roles,
    unlock,
)
from jixiao.accounts.policy import POLICY_LABELS, POLICY_RANGES
from jixiao.accounts.users import organisation_label, parse_roles, sorted_roles
from jixiao.audit import record
from jixiao.roles import ADMIN_ROLES, DEPARTMENT_ROLES, UNIT_ROLES, Role
from jixiao.store.models import Organisation
from jixiao.web.app import RowId, templates
from jixiao.web.auth import forget_policy, needs, principal
from jixiao.web.database import get_session

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SessionDep = Annotated[Session, Depends(get_session)]
USERS = [needs(Permission.MANAGE_USERS, browser_only=True)]
ROLES = [needs(Permission.MANAGE_ROLES_AND_POLICY, browser_only=True)]
NO_STORE = {"Cache-Control": "no-store"}
#: What the system administrator may give a new user: the business roles (administrator roles are the
#: security administrator's to grant).
BUSINESS_ROLES = [role for role in Role if role not in ADMIN_ROLES]
MAX_ORGANISATIONS = 2000  # names offered for completion in the forms


def _organisation_id(session: Session, roles: frozenset[Role], text: str) -> int | None:
    """The organisation named ``text`` of the kind ``roles`` need (a unit for 填报人 and 单位审核人, a
    department for 主管部门审核人); ``None`` when blank (the role check then says what is missing)."""
    name = text.strip()
    if not name:
        return None
    if roles & UNIT_ROLES:
        return find_organisation(session, "unit", name).id
    if roles & DEPARTMENT_ROLES:
        return find_organisation(session, "department", name).id
    raise AccountError("所选角色不属于任何单位或部门：「所属单位或部门」应留空")


def _organisations(session: Session) -> list[str]:
    """Names for the forms' completion list: 主管部门, and units as 主管部门/单位."""
    rows = session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name)
                           .limit(MAX_ORGANISATIONS))
    return [organisation_label(o) for o in rows]


def _user(session: Session, user_id: int) -> UserAccount:
    user = session.get(UserAccount, user_id)
    if user is None:
        raise HTTPException(404, f"没有编号为 {user_id} 的用户")
    return user


def _roles_text(user: UserAccount) -> str:
    return "、".join(role.title for role in sorted_roles(user.roles))


def _place(user: UserAccount) -> dict[str, Any]:
    return {"roles": [role.value for role in sorted_roles(user.roles)],
            "organisation": organisation_label(user.organisation) if user.organisation else None}


# -- 用户管理 (系统管理员) ------------------------------------------------------------------------------

def _users_page(request: Request, session: Session, *, status: int = 200, error: str | None = None,
                notice: str | None = None, secret: tuple[str, str] | None = None,
                form: dict[str, Any] | None = None) -> Response:
    now = datetime.now(UTC)
    rows = [{"user": user, "roles": _roles_text(user), "organisation": organisation_label(user.organisation),
             "state": "已停用" if not user.active else
             (f"锁定至 {user.locked_until.astimezone():%Y-%m-%d %H:%M}" if user.locked_at(now) else "正常"),
             "locked": user.locked_at(now)} for user in list_users(session)]
    return templates.TemplateResponse(request, "admin_users.html", {
        "title": "用户管理", "rows": rows, "roles": BUSINESS_ROLES, "organisations": _organisations(session),
        "error": error, "notice": notice, "secret": secret, "form": form or {}},
        status_code=status, headers=NO_STORE)


@router.get("/admin/users", dependencies=USERS)
def users_page(request: Request, session: SessionDep) -> Response:
    return _users_page(request, session)


@router.post("/admin/users", dependencies=USERS)
def user_create(request: Request, session: SessionDep,
                username: Annotated[str, Form(max_length=100)] = "",
                display_name: Annotated[str, Form(max_length=100)] = "",
                roles: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 (FastAPI copies it)
                organisation: Annotated[str, Form(max_length=400)] = "") -> Response:
    """A new user with a generated password, shown once on the answer."""
    who = principal(request)
    form = {"username": username, "display_name": display_name, "roles": roles, "organisation": organisation}
    try:
        role_set = parse_roles(roles)
        if role_set & ADMIN_ROLES:
            raise AccountError("管理员角色由安全管理员在「角色」页授予，这里只能授予业务角色")
        policy = load_policy(session)
        password = generate_password(policy, username.strip().lower() or None)
        user = create_user(session, username, password, role_set, _organisation_id(session, role_set,
                                                                                   organisation),
                           display_name=display_name, policy=policy)
    except AccountError as err:
        session.rollback()
        return _users_page(request, session, status=400, error=str(err), form=form)
    record(session, who.actor, "user.create", object_type="user", object_id=user.username,
           details={"display_name": user.display_name, **_place(user)})
    session.commit()
    return _users_page(request, session, notice=f"已新建用户「{user.username}」",
                       secret=(user.username, password))


def _user_action(request: Request, session: Session, user_id: int, action: str) -> Response:
    who = principal(request)
    user = _user(session, user_id)
    try:
        if action == "user.disable":
            deactivate(session, user)
        elif action == "user.enable":
            reactivate(session, user)
        else:
            unlock(session, user)
    except AccountError as err:
        session.rollback()
        return _users_page(request, session, status=400, error=str(err))
    record(session, who.actor, action, object_type="user", object_id=user.username)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/deactivate", dependencies=USERS)
def user_deactivate(request: Request, session: SessionDep, user_id: RowId) -> Response:
    """Stop the user logging in: its sessions end and its API tokens are revoked."""
    return _user_action(request, session, user_id, "user.disable")


@router.post("/admin/users/{user_id}/reactivate", dependencies=USERS)
def user_reactivate(request: Request, session: SessionDep, user_id: RowId) -> Response:
    return _user_action(request, session, user_id, "user.enable")


@router.post("/admin/users/{user_id}/unlock", dependencies=USERS)
def user_unlock(request: Request, session: SessionDep, user_id: RowId) -> Response:
    return _user_action(request, session, user_id, "user.unlock")


@router.post("/admin/users/{user_id}/password", dependencies=USERS)
def user_password_reset(request: Request, session: SessionDep, user_id: RowId) -> Response:
    """A new generated password for the user, shown once; its sessions end."""
    who = principal(request)
    user = _user(session, user_id)
    password = generate_password(load_policy(session), user.username)
    try:
        set_password(session, user, password)
    except PasswordRejected as err:  # not for a generated password; for safety
        session.rollback()
        return _users_page(request, session, status=400, error=str(err))
    record(session, who.actor, "user.password", object_type="user", object_id=user.username,
           details={"by": "admin", "reset": True})
    session.commit()
    return _users_page(request, session, notice=f"已重置用户「{user.username}」的密码",
                       secret=(user.username, password))


# -- 角色 (安全管理员) -----------------------------------------------------------------------------------

def _roles_page(request: Request, session: Session, *, status: int = 200, error: str | None = None,
                notice: str | None = None) -> Response:
    rows = [{"user": user, "roles": user.roles,
             "organisation": organisation_label(user.organisation) if user.organisation else ""}
            for user in list_users(session)]
    return templates.TemplateResponse(request, "admin_roles.html", {
        "title": "角色管理", "rows": rows, "roles": list(Role), "organisations": _organisations(session),
        "error": error, "notice": notice}, status_code=status)


@router.get("/admin/roles", dependencies=ROLES)
def roles_page(request: Request, session: SessionDep) -> Response:
    return _roles_page(request, session)


@router.post("/admin/roles/{user_id}", dependencies=ROLES)
def roles_change(request: Request, session: SessionDep, user_id: RowId,
                 roles: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 (FastAPI copies it)
                 organisation: Annotated[str, Form(max_length=400)] = "") -> Response:
    """Replace the user's roles and organisation; its sessions end, so the new rights apply at once."""
    who = principal(request)
    user = _user(session, user_id)
    before = _place(user)
    try:
        role_set = parse_roles(roles)
        set_roles(session, user, role_set, organisation_id=_organisation_id(session, role_set, organisation))
    except AccountError as err:
        session.rollback()
        return _roles_page(request, session, status=400, error=f"「{user.username}」：{err}")
    record(session, who.actor, "user.roles", object_type="user", object_id=user.username, before=before,
           after=_place(user))
    session.commit()
    return _roles_page(request, session, notice=f"已更新用户「{user.username}」的角色")


# -- 安全策略 (安全管理员) -------------------------------------------------------------------------------

def _policy_page(request: Request, session: Session, *, status: int = 200, error: str | None = None,
                 values: dict[str, Any] | None = None, notice: str | None = None) -> Response:
    policy = load_policy(session)
    current = asdict(policy)
    shown = {**current, **(values or {})}
    fields = [{"name": name, "label": label, "low": POLICY_RANGES[name][0], "high": POLICY_RANGES[name][1],
               "value": shown[name]} for name, label in POLICY_LABELS.items()]
    return templates.TemplateResponse(request, "admin_policy.html", {
        "title": "安全策略", "fields": fields, "error": error, "notice": notice}, status_code=status)


@router.get("/admin/policy", dependencies=ROLES)
def policy_page(request: Request, session: SessionDep) -> Response:
    return _policy_page(request, session)


@router.post("/admin/policy", dependencies=ROLES)
async def policy_change(request: Request, session: SessionDep) -> Response:
    form = await request.form()  # parsed already (identify read it for the CSRF field)
    values = {name: str(form.get(name, ""))[:20] for name in POLICY_LABELS if name in form}
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_save_policy, request, session, values)


def _save_policy(request: Request, session: Session, values: dict[str, str]) -> Response:
    who = principal(request)
    before = load_policy(session)
    try:
        after = before.with_values(values)
        save_policy(session, after)
    except AccountError as err:
        session.rollback()
        return _policy_page(request, session, status=400, error=str(err), values=values)
    if after != before:
        record(session, who.actor, "policy.change", object_type="policy", before=asdict(before),
               after=asdict(after))
    session.commit()
    forget_policy(request)
    return _policy_page(request, session, notice="安全策略已保存" if after != before else "安全策略没有变化")
