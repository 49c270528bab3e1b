"""``jixiao user …``: accounts from the command line (whoever runs it has the database already).

Each command calls one library function of :mod:`jixiao.accounts` in one transaction; errors are
:class:`~jixiao.accounts.errors.AccountError` (a :class:`~jixiao.errors.JixiaoError`), which
``jixiao`` prints as one line with exit status 2. Generated passwords and tokens are printed once,
on standard output, and never stored.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from jixiao.accounts.errors import AccountError
from jixiao.cli_store import DATABASE_URL, store_session
from jixiao.errors import UsageError
from jixiao.text import display_width, pad

if TYPE_CHECKING:  # the library is imported by the commands, so that other commands start fast
    from sqlalchemy.orm import Session

    from jixiao.accounts.models import UserAccount

_DATABASE_URL = DATABASE_URL
_ROLES = click.option("--role", "roles", multiple=True, required=True, metavar="ROLE",
                      help="A role code or its Chinese title (repeat for several): filler, "
                           "unit_reviewer, department_reviewer, finance_reviewer, system_admin, "
                           "security_admin, audit_admin.")
_UNIT = click.option("--unit", metavar="NAME",
                     help="The 实施单位 the roles act in (主管部门/单位 when ambiguous).")
_DEPARTMENT = click.option("--department", metavar="NAME", help="The 主管部门 the roles act in.")
_PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input "
                                    "(default: generate one and print it once).")


def _transaction(database_url: str | None) -> AbstractContextManager[Session]:
    return store_session(database_url, transaction=True)


def _organisation_id(session: Session, unit: str | None, department: str | None) -> int | None:
    from jixiao.accounts import users

    if unit and department:
        raise UsageError("--unit 与 --department 只能给一个")
    if unit:
        return users.find_organisation(session, "unit", unit).id
    if department:
        return users.find_organisation(session, "department", department).id
    return None


def _password(session: Session, username: str, from_stdin: bool) -> tuple[str, bool]:
    """The password to set and whether it was generated (then it is printed)."""
    from jixiao.accounts import passwords, policy

    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise AccountError("标准输入的第一行没有密码")
        return line, False
    return passwords.generate_password(policy.load_policy(session), username), True


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _roles_text(user: UserAccount) -> str:
    from jixiao.accounts import users

    return "、".join(role.title for role in users.sorted_roles(user.roles))


def _roles_and_place(user: UserAccount) -> str:
    from jixiao.accounts import users

    if user.organisation is None:
        return _roles_text(user)
    return f"{_roles_text(user)}，{users.organisation_label(user.organisation)}"


def _status(user: UserAccount, now: datetime) -> str:
    if not user.active:
        return "已停用"
    if user.locked_at(now):
        return f"锁定至 {_when(user.locked_until)}"
    return "正常"


@click.group("user")
def user() -> None:
    """Users, their roles and API tokens; the security policy."""


@user.command("add")
@click.argument("username")
@_ROLES
@_UNIT
@_DEPARTMENT
@click.option("--name", "display_name", default="", help="The person's name, as shown (e.g. 张三).")
@_PASSWORD_STDIN
@_DATABASE_URL
def add(username: str, roles: tuple[str, ...], unit: str | None, department: str | None, display_name: str,
        password_stdin: bool, database_url: str | None) -> None:
    """Create USERNAME with its roles (a unit role needs --unit, 主管部门审核人 needs --department)."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        organisation_id = _organisation_id(session, unit, department)
        password, generated = _password(session, users.normalise_username(username), password_stdin)
        created = users.create_user(session, username, password, roles, organisation_id,
                                    display_name=display_name)
        click.echo(f"已创建用户 {created.username}：{_roles_and_place(created)}")
    if generated:
        click.echo(f"初始密码（只显示这一次）：{password}")


@user.command("passwd")
@click.argument("username")
@_PASSWORD_STDIN
@_DATABASE_URL
def passwd(username: str, password_stdin: bool, database_url: str | None) -> None:
    """Give USERNAME a new password (also unlocks it); its sessions end."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        found = users.get_user(session, username)
        password, generated = _password(session, found.username, password_stdin)
        users.set_password(session, found, password)
        click.echo(f"已为用户 {found.username} 设置新密码，其登录会话均已结束")
    if generated:
        click.echo(f"新密码（只显示这一次）：{password}")


@user.command("role")
@click.argument("username")
@_ROLES
@_UNIT
@_DEPARTMENT
@_DATABASE_URL
def role(username: str, roles: tuple[str, ...], unit: str | None, department: str | None,
         database_url: str | None) -> None:
    """Replace USERNAME's roles (and its organisation when --unit or --department is given)."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        found = users.get_user(session, username)
        if unit or department:
            organisation_id = _organisation_id(session, unit, department)
            users.set_roles(session, found, roles, organisation_id=organisation_id)
        else:
            users.set_roles(session, found, roles)
        click.echo(f"用户 {found.username} 的角色：{_roles_and_place(found)}；其登录会话均已结束")


@user.command("list")
@_DATABASE_URL
def list_(database_url: str | None) -> None:
    """List the users: roles, organisation, status."""
    from jixiao.accounts import users

    now = datetime.now(UTC)
    with _transaction(database_url) as session:
        rows = [(u.username, u.display_name or "-", _roles_text(u), users.organisation_label(u.organisation),
                 _status(u, now)) for u in users.list_users(session)]
    if not rows:
        click.echo("还没有用户；`jixiao user bootstrap` 创建三个管理员")
        return
    _table([("用户名", "姓名", "角色", "单位/部门", "状态"), *rows])


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


@user.command("disable")
@click.argument("username")
@_DATABASE_URL
def disable(username: str, database_url: str | None) -> None:
    """Deactivate USERNAME: it cannot log in, its sessions end and its API tokens are revoked."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        found = users.get_user(session, username)
        users.deactivate(session, found)
        click.echo(f"已停用用户 {found.username}")


@user.command("enable")
@click.argument("username")
@_DATABASE_URL
def enable(username: str, database_url: str | None) -> None:
    """Let a deactivated USERNAME log in again."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        found = users.get_user(session, username)
        users.reactivate(session, found)
        click.echo(f"已启用用户 {found.username}")


@user.command("unlock")
@click.argument("username")
@_DATABASE_URL
def unlock(username: str, database_url: str | None) -> None:
    """Lift USERNAME's lockout after failed logins."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        found = users.get_user(session, username)
        users.unlock(session, found)
        click.echo(f"已解除用户 {found.username} 的锁定")


@user.command("bootstrap")
@_DATABASE_URL
def bootstrap(database_url: str | None) -> None:
    """Create the three administrators (sysadmin, secadmin, auditadmin) when there is no user yet."""
    from jixiao.accounts import users

    with _transaction(database_url) as session:
        created = users.bootstrap_admins(session)
    if not created:
        click.echo("已有用户，未创建任何账号")
        return
    click.echo("已创建三个管理员账号；密码只显示这一次，请分别交给三位管理员，首次登录后修改：")
    _table([(a.username, a.role.title, a.password) for a in created])


@user.command("policy")
@click.option("--set", "changes", multiple=True, metavar="NAME=VALUE",
              help="Change a setting (repeatable), e.g. --set min_length=14.")
@_DATABASE_URL
def policy_(changes: tuple[str, ...], database_url: str | None) -> None:
    """Print the security policy, after changing the settings given with --set."""
    from jixiao.accounts import policy

    with _transaction(database_url) as session:
        current = policy.load_policy(session)
        if changes:
            values = {}
            for change in changes:
                name, sep, value = change.partition("=")
                if not sep:
                    raise UsageError(f"--set takes NAME=VALUE, not {change!r}")
                values[name.strip()] = value
            current = current.with_values(values)
            policy.save_policy(session, current)
    for name, label in policy.POLICY_LABELS.items():
        click.echo(f"{name} = {getattr(current, name)}  # {label}")


@user.group("token")
def token() -> None:
    """API tokens: create, list, revoke."""


@token.command("add")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (e.g. 每晚导入).")
@click.option("--scope", "scopes", multiple=True, required=True, metavar="SCOPE",
              help="read, write, import or review (repeat for several).")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="Lifetime in days (default and longest: the policy's token_days).")
@_DATABASE_URL
def token_add(username: str, name: str, scopes: tuple[str, ...], days: int | None,
              database_url: str | None) -> None:
    """Create an API token for USERNAME and print it once."""
    from jixiao.accounts import tokens, users

    now = datetime.now(UTC)
    with _transaction(database_url) as session:
        found = users.get_user(session, username)
        expires = now + timedelta(days=days) if days else None
        issued = tokens.create_token(session, found, name, scopes, expires_at=expires, now=now)
    click.echo(f"已创建令牌 #{issued.id}「{name.strip()}」，有效至 {_when(issued.expires_at)}")
    click.echo(f"令牌（只显示这一次）：{issued.token}")


@token.command("list")
@click.argument("username", required=False)
@_DATABASE_URL
def token_list(username: str | None, database_url: str | None) -> None:
    """List the API tokens (of USERNAME, or everyone's)."""
    from jixiao.accounts import tokens, users

    now = datetime.now(UTC)
    with _transaction(database_url) as session:
        owner = users.get_user(session, username) if username else None
        rows = []
        for row in tokens.list_tokens(session, owner):
            if row.revoked_at is not None:
                state = "已撤销"
            elif row.expires_at is not None and row.expires_at <= now:
                state = "已过期"
            else:
                state = "有效"
            rows.append((f"#{row.id}", row.user.username, row.name, row.scopes, _when(row.expires_at),
                         _when(row.last_used_at), state))
    if not rows:
        click.echo("没有令牌")
        return
    _table([("编号", "用户", "名称", "权限", "有效至", "最近使用", "状态"), *rows])


@token.command("revoke")
@click.argument("token_id", type=int)
@_DATABASE_URL
def token_revoke(token_id: int, database_url: str | None) -> None:
    """Revoke the API token numbered TOKEN_ID (as `jixiao user token list` shows it)."""
    from jixiao.accounts import tokens

    with _transaction(database_url) as session:
        if not tokens.revoke_token(session, token_id):
            raise AccountError(f"没有有效的令牌 #{token_id}")
    click.echo(f"已撤销令牌 #{token_id}")
