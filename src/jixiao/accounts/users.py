"""Users: creating them, their passwords, roles and organisation, deactivation, the first administrators.

Every function takes the caller's SQLAlchemy session and flushes, never commits: the caller (a
web request, a CLI command) owns the transaction. Who may call what is :mod:`jixiao.access`'s
decision (:func:`~jixiao.access.can_manage_users` for users and passwords,
:func:`~jixiao.access.can_manage_roles_and_policy` for roles), checked by the caller.

Rules for roles and organisations (:func:`check_roles`):

- at least one role;
- an administrator role (系统/安全/审计管理员) is the account's only role (三员分立), with no organisation;
- 填报人 and 单位审核人 belong to a 实施单位, 主管部门审核人 to a 主管部门, 财政审核人 to neither;
  so roles needing different organisations cannot be given to one account.

The last active holder of an administrator role can be neither deactivated nor given other roles,
so that the system always keeps someone who can manage users, roles and the audit log.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import EllipsisType
from typing import Any

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import Session, selectinload

from jixiao.accounts.errors import AccountError, PasswordRejected
from jixiao.accounts.models import ApiToken, UserAccount, UserRole, UserSession, UTCDateTime, clock
from jixiao.accounts.passwords import check_password, generate_password, hash_password, verify_password
from jixiao.accounts.policy import SecurityPolicy, load_policy
from jixiao.roles import ADMIN_ROLES, DEPARTMENT_ROLES, PUBLIC, SYSTEM, UNIT_ROLES, Actor, Role, parse_role
from jixiao.store.models import Organisation

_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{2,63}")
RESERVED_USERNAMES = frozenset({PUBLIC.username, SYSTEM.username})
KIND_TITLES = {"unit": "实施单位", "department": "主管部门"}

#: The three separated administrators :func:`bootstrap_admins` creates.
BOOTSTRAP_ADMINS = (("sysadmin", Role.SYSTEM_ADMIN), ("secadmin", Role.SECURITY_ADMIN),
                    ("auditadmin", Role.AUDIT_ADMIN))


def normalise_username(username: str) -> str:
    """``username`` as stored and looked up: NFKC (full-width letters folded), stripped, lower case."""
    return unicodedata.normalize("NFKC", username).strip().lower()


def check_username(username: str) -> str:
    """The normalised username, or an :class:`AccountError` saying what a username may be."""
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise AccountError(f"用户名「{username}」不合规：须为 3 到 64 个小写字母、数字或 _ . @ -，"
                           "以字母或数字开头")
    if name in RESERVED_USERNAMES:
        raise AccountError(f"用户名「{name}」留作系统用途，请换一个")
    return name


def parse_roles(values: Iterable[Role | str]) -> frozenset[Role]:
    """Roles from codes or Chinese titles; an unknown one is an :class:`AccountError` listing them."""
    roles = set()
    for value in values:
        if isinstance(value, Role):
            roles.add(value)
            continue
        try:
            roles.add(parse_role(value.strip()))
        except ValueError:
            choices = "、".join(f"{r.value}（{r.title}）" for r in Role)
            raise AccountError(f"没有角色「{value}」；可选：{choices}") from None
    return frozenset(roles)


def _requirement(role: Role) -> str | None:
    if role in UNIT_ROLES:
        return "unit"
    if role in DEPARTMENT_ROLES:
        return "department"
    return None


def sorted_roles(roles: Iterable[Role]) -> list[Role]:
    order = list(Role)
    return sorted(roles, key=order.index)


def check_roles(roles: frozenset[Role], organisation: Organisation | None) -> None:
    """Raise an :class:`AccountError` unless ``roles`` may be held by one account of ``organisation``
    (the rules are in the module docstring)."""
    if not roles:
        raise AccountError("至少要授予一个角色")
    admins = sorted_roles(roles & ADMIN_ROLES)
    if admins and len(roles) > 1:
        raise AccountError(f"「{admins[0].title}」是管理员角色，不能与其他角色授予同一个账号（三员分立）")
    by_need: dict[str | None, Role] = {}
    for role in sorted_roles(roles):
        by_need.setdefault(_requirement(role), role)
    if len(by_need) > 1:
        first, second = list(by_need.values())[:2]
        raise AccountError(f"角色「{first.title}」与「{second.title}」所属的组织不同，不能授予同一个账号")
    need, role = next(iter(by_need.items()))
    if need is None:
        if organisation is not None:
            raise AccountError(f"角色「{role.title}」不属于任何单位或部门，不能指定「{organisation.name}」")
        return
    if organisation is None:
        raise AccountError(f"角色「{role.title}」须指定所属{KIND_TITLES[need]}")
    if organisation.kind != need:
        kind = KIND_TITLES.get(organisation.kind, organisation.kind)
        raise AccountError(f"角色「{role.title}」须属于{KIND_TITLES[need]}，「{organisation.name}」是{kind}")


def find_organisation(session: Session, kind: str, name: str) -> Organisation:
    """The organisation of ``kind`` (``unit``, ``department``) called ``name``.

    Two units of different departments may share a name: then write ``主管部门/单位``. An unknown
    or ambiguous name is an :class:`AccountError` naming what there is.
    """
    title = KIND_TITLES[kind]
    query = select(Organisation).where(Organisation.kind == kind)
    parent_name, _, own_name = name.strip().rpartition("/")
    found = list(session.scalars(query.where(Organisation.name == own_name.strip())))
    if parent_name:
        found = [o for o in found if o.parent is not None and o.parent.name == parent_name.strip()]
    if len(found) == 1:
        return found[0]
    if found:
        parents = "、".join(o.parent.name if o.parent else "（无主管部门）" for o in found)
        raise AccountError(f"有 {len(found)} 个名为「{own_name}」的{title}（主管部门：{parents}），"
                           f"请写作「主管部门/{own_name}」")
    from jixiao.store.listing import pinyin_key  # pypinyin: only on this error's path

    names = sorted(set(session.scalars(query.with_only_columns(Organisation.name))), key=pinyin_key)
    if not names:
        raise AccountError(f"没有名为「{name}」的{title}：还没有任何{title}（导入申报表时按表中的名称建立）")
    shown = "、".join(names[:10]) + (f" 等 {len(names)} 个" if len(names) > 10 else "")
    raise AccountError(f"没有名为「{name}」的{title}；已有的{title}：{shown}")


def organisation_label(organisation: Organisation | None) -> str:
    """``主管部门/单位`` for a unit under a department, else the name; ``-`` for none."""
    if organisation is None:
        return "-"
    if organisation.parent is not None:
        return f"{organisation.parent.name}/{organisation.name}"
    return organisation.name


def _organisation(session: Session, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise AccountError(f"没有编号为 {organisation_id} 的单位或部门")
    return organisation


def _checked_password(password: str, username: str, policy: SecurityPolicy) -> str:
    problems = check_password(password, policy, username)
    if problems:
        raise PasswordRejected(problems)
    return hash_password(password)


def create_user(session: Session, username: str, password: str, roles: Iterable[Role | str],
                organisation_id: int | None = None, *, display_name: str = "",
                now: datetime | None = None, policy: SecurityPolicy | None = None) -> UserAccount:
    """A new active user; refused (:class:`AccountError`) for a bad or taken username, a password
    the policy refuses (:class:`PasswordRejected`), or roles that do not fit the organisation."""
    now = clock(now)
    name = check_username(username)
    role_set = parse_roles(roles)
    organisation = _organisation(session, organisation_id)
    check_roles(role_set, organisation)
    if find_user(session, name) is not None:
        raise AccountError(f"用户名「{name}」已被使用")
    policy = policy or load_policy(session)
    user = UserAccount(username=name, display_name=display_name.strip(),
                       password_hash=_checked_password(password, name, policy),
                       organisation=organisation, active=True, failed_logins=0, password_changed_at=now,
                       created_at=now, role_rows=[UserRole(role=r.value) for r in sorted_roles(role_set)])
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> UserAccount | None:
    """The user called ``username`` (normalised), or ``None``."""
    return session.scalar(select(UserAccount).where(UserAccount.username == normalise_username(username)))


def get_user(session: Session, username: str) -> UserAccount:
    """The user called ``username``, or an :class:`AccountError` saying there is none."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"没有用户「{username}」")
    return user


def list_users(session: Session) -> list[UserAccount]:
    """Every user, by username, with roles and organisation loaded."""
    return list(session.scalars(select(UserAccount).order_by(UserAccount.username).options(
        selectinload(UserAccount.role_rows), selectinload(UserAccount.organisation))))


def revoke_sessions(session: Session, user: UserAccount, now: datetime | None = None) -> int:
    """End every open session of ``user`` (after a password or role change); how many were open."""
    result = session.execute(update(UserSession)
                             .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
                             .values(revoked_at=clock(now)).execution_options(synchronize_session=False))
    return result.rowcount


def _revoke_tokens(session: Session, user: UserAccount, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))


def set_password(session: Session, user: UserAccount, password: str, *, now: datetime | None = None,
                 policy: SecurityPolicy | None = None) -> None:
    """Give ``user`` a new password (an administrator's reset, or the last step of
    :func:`change_password`; the current password is not asked for here). The policy checks it and
    it may not be the current one; the account is unlocked and all its sessions end (API tokens
    stay: they are separate credentials)."""
    now = clock(now)
    policy = policy or load_policy(session)
    new_hash = _checked_password(password, user.username, policy)
    if verify_password(user.password_hash, password):
        raise PasswordRejected(["新密码不能与当前密码相同"])
    user.password_hash = new_hash
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    revoke_sessions(session, user, now)


def change_password(session: Session, user: UserAccount, current: str, new: str, *,
                    now: datetime | None = None, policy: SecurityPolicy | None = None) -> None:
    """The user's own change: ``current`` must be right. A wrong one counts as a failed login (it
    may lock the account), so a stolen session cannot be used to guess the password; while the
    account is locked the change fails without looking at it. The caller commits before reporting
    the :class:`AccountError`. All sessions end, this one too: start a new one."""
    now = clock(now)
    policy = policy or load_policy(session)
    if user.locked_at(now) or not verify_password(user.password_hash, current):
        if not user.locked_at(now):
            record_failed_login(session, user, now, policy)
        raise AccountError("当前密码不正确")
    set_password(session, user, new, now=now, policy=policy)


def password_expired(user: UserAccount, policy: SecurityPolicy, now: datetime | None = None) -> bool:
    """Whether the policy's password lifetime has run out (never when ``password_max_days`` is 0):
    the web asks for a new password before anything else."""
    if policy.password_max_days == 0:
        return False
    return clock(now) - user.password_changed_at >= timedelta(days=policy.password_max_days)


def record_failed_login(session: Session, user: UserAccount, now: datetime,
                        policy: SecurityPolicy) -> datetime | None:
    """Count one failure; at the policy's threshold lock the account and restart the count. Done in
    one UPDATE, so that concurrent guesses are all counted. The lock's end, if it locked."""
    until = literal(now + policy.lockout, UTCDateTime())
    reached = UserAccount.failed_logins + 1 >= policy.max_failed_logins
    session.execute(update(UserAccount).where(UserAccount.id == user.id).values(
        failed_logins=case((reached, 0), else_=UserAccount.failed_logins + 1),
        locked_until=case((reached, until), else_=UserAccount.locked_until),
    ).execution_options(synchronize_session=False))
    session.refresh(user, ["failed_logins", "locked_until"])
    return user.locked_until if user.locked_at(now) else None


def set_roles(session: Session, user: UserAccount, roles: Iterable[Role | str], *,
              organisation_id: int | EllipsisType | None = ..., now: datetime | None = None) -> None:
    """Replace ``user``'s roles (and its organisation, unless ``organisation_id`` is left out) and end
    its sessions, so that the new rights apply from the next login."""
    now = clock(now)
    role_set = parse_roles(roles)
    organisation = (user.organisation if isinstance(organisation_id, EllipsisType)
                    else _organisation(session, organisation_id))
    check_roles(role_set, organisation)
    for lost in user.roles - role_set:
        _keep_one_admin(session, user, lost, "撤销其角色")
    current = {row.role: row for row in user.role_rows}
    user.role_rows = [current.get(r.value) or UserRole(role=r.value) for r in sorted_roles(role_set)]
    user.organisation = organisation
    session.flush()
    revoke_sessions(session, user, now)


def _keep_one_admin(session: Session, user: UserAccount, role: Role, action: str) -> None:
    if role not in ADMIN_ROLES or not user.active:
        return
    others = session.scalar(select(func.count()).select_from(UserAccount).join(UserAccount.role_rows).where(
        UserRole.role == role.value, UserAccount.active.is_(True), UserAccount.id != user.id))
    if not others:
        raise AccountError(f"「{user.username}」是最后一个在用的{role.title}，不能{action}；"
                           "请先为他人授予该角色")


def deactivate(session: Session, user: UserAccount, now: datetime | None = None) -> None:
    """Stop ``user`` logging in; ends its sessions and revokes its API tokens. The account stays
    (the audit log names it) and :func:`reactivate` brings it back."""
    now = clock(now)
    for role in user.roles:
        _keep_one_admin(session, user, role, "停用")
    user.active = False
    session.flush()
    revoke_sessions(session, user, now)
    _revoke_tokens(session, user, now)


def reactivate(session: Session, user: UserAccount) -> None:
    """Let a deactivated user log in again (with its old password, and a clean failure count)."""
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def unlock(session: Session, user: UserAccount) -> None:
    """Lift a lockout before it runs out."""
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def actor_for(user: UserAccount, address: str | None = None) -> Actor:
    """The :class:`~jixiao.roles.Actor` ``user`` acts as: a unit user's department is its unit's parent."""
    organisation = user.organisation
    return _actor(user.id, user.username, user.roles, organisation.kind if organisation else None,
                  organisation.id if organisation else None, organisation.parent_id if organisation else None,
                  address)


def actor_columns() -> list[Any]:
    """What :func:`actor_from_row` needs, for a SELECT joined with ``user_account`` and (outer)
    ``organisation``: checking a session or a token on each request is then one query, with no ORM
    objects built (:func:`jixiao.accounts.sessions.resolve_session_info`)."""
    roles = (select(func.aggregate_strings(UserRole.role, " ")).where(UserRole.user_id == UserAccount.id)
             .scalar_subquery())
    return [UserAccount.id, UserAccount.username, UserAccount.active, Organisation.kind, Organisation.id,
            Organisation.parent_id, roles]


def actor_from_row(row: Sequence[Any], address: str | None) -> Actor:
    """The actor of the last ``len(actor_columns())`` values of ``row``."""
    user_id, username, _active, kind, organisation_id, parent_id, roles = row[-7:]
    return _actor(user_id, username, frozenset(Role(r) for r in (roles or "").split()), kind, organisation_id,
                  parent_id, address)


def _actor(user_id: int, username: str, roles: frozenset[Role], kind: str | None, organisation_id: int | None,
           parent_id: int | None, address: str | None) -> Actor:
    unit_id = department_id = None
    if kind == "unit":
        unit_id, department_id = organisation_id, parent_id
    elif kind == "department":
        department_id = organisation_id
    return Actor(user_id=user_id, username=username, roles=roles, unit_id=unit_id,
                 department_id=department_id, address=address)


@dataclass(frozen=True)
class NewAccount:
    """A created account and its generated password, to be shown once and never stored."""

    username: str
    role: Role
    password: str


def bootstrap_admins(session: Session, now: datetime | None = None) -> list[NewAccount]:
    """On a system with no users, create ``sysadmin`` (系统管理员), ``secadmin`` (安全管理员) and
    ``auditadmin`` (审计管理员) with generated passwords, and return them for the caller to show
    once. Does nothing (``[]``) when any user exists."""
    if session.scalar(select(UserAccount.id).limit(1)) is not None:
        return []
    policy = load_policy(session)
    created = []
    for username, role in BOOTSTRAP_ADMINS:
        password = generate_password(policy, username)
        create_user(session, username, password, [role], display_name=role.title, now=now, policy=policy)
        created.append(NewAccount(username, role, password))
    return created
