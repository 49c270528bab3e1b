"""Who may do what: the one place that decides access. Pure functions of an :class:`~jixiao.roles.Actor`.

Declarations (status: draft, submitted, returned, department_approved, finance_approved, published):

- anyone (the public, the administrators): reads published ones, edits none;
- 填报人, 单位审核人: read published ones and their unit's (any status); edit their unit's drafts
  and returned ones; report the actuals (monitoring, self-evaluation) of their unit's approved ones;
- 主管部门审核人: reads published ones and those of its department and the department's units;
- 财政审核人: reads all.

A declaration's place is its organisation: a unit (``unit_id`` = the unit, ``department_id`` =
the unit's parent) or, when the form names no unit, the department (``unit_id`` = ``None``);
:func:`place_of` works it out from a stored row, :func:`declaration_visibility` is the same rule
as a SQL condition for lists and searches.

Everything else: creating declarations (a unit role, in its own unit), importing (unit roles and
财政审核人), reviewing (the three reviewer roles; which step each may take is the workflow's
business), users (系统管理员), roles and the security policy (安全管理员), the audit log
(审计管理员 only: the system administrator explicitly not, 三员分立).

For a table of routes, each route names a :class:`Permission` and calls :func:`allowed`; an API
request made with a token passes the token's scopes as well, and a permission outside them is
refused (:data:`PERMISSION_SCOPES`). Managing users, roles and the policy is never done with a token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, select, true

from jixiao.roles import Actor, Role
from jixiao.store.models import Declaration, Organisation

PUBLISHED = "published"
EDITABLE_STATUSES = frozenset({"draft", "returned"})
#: Actuals are reported against approved targets only: from 财政审核通过 on.
REPORTABLE_STATUSES = frozenset({"finance_approved", "published"})
STATUSES = ("draft", "submitted", "returned", "department_approved", "finance_approved", "published")

UNIT_MEMBERS = (Role.FILLER, Role.UNIT_REVIEWER)
REVIEWERS = (Role.UNIT_REVIEWER, Role.DEPARTMENT_REVIEWER, Role.FINANCE_REVIEWER)
IMPORTERS = (Role.FILLER, Role.UNIT_REVIEWER, Role.FINANCE_REVIEWER)


@dataclass(frozen=True)
class DeclarationPlace:
    """What access to one declaration depends on: its status and where it belongs."""

    status: str
    unit_id: int | None
    department_id: int | None


def place_of(declaration: Declaration) -> DeclarationPlace:
    """The status, unit and department of a stored declaration (loads its organisation)."""
    organisation = declaration.organisation
    if organisation is None:
        return DeclarationPlace(declaration.status, None, None)
    if organisation.kind == "unit":
        return DeclarationPlace(declaration.status, organisation.id, organisation.parent_id)
    return DeclarationPlace(declaration.status, None, organisation.id)


def _in_own_unit(actor: Actor, unit_id: int | None) -> bool:
    return actor.has(*UNIT_MEMBERS) and actor.unit_id is not None and unit_id == actor.unit_id


def _in_own_department(actor: Actor, department_id: int | None) -> bool:
    return (actor.has(Role.DEPARTMENT_REVIEWER) and actor.department_id is not None
            and department_id == actor.department_id)


def can_read_declaration(actor: Actor, status: str, unit_id: int | None, department_id: int | None) -> bool:
    """Published ones: anyone. Others: 财政审核人; 主管部门审核人 of its department; 填报人 and
    单位审核人 of its unit."""
    return (status == PUBLISHED or actor.has(Role.FINANCE_REVIEWER)
            or _in_own_department(actor, department_id) or _in_own_unit(actor, unit_id))


def can_edit_declaration(actor: Actor, status: str, unit_id: int | None, department_id: int | None) -> bool:
    """填报人 or 单位审核人 of its unit, while it is a draft or returned. (A declaration of a department
    with no unit has no one who may edit it: it is imported again instead.)"""
    del department_id  # part of the signature, like can_read_declaration's: the unit alone decides
    return status in EDITABLE_STATUSES and _in_own_unit(actor, unit_id)


def can_report(actor: Actor, status: str, unit_id: int | None, department_id: int | None) -> bool:
    """填报人 or 单位审核人 of its unit, once its targets are approved (:data:`REPORTABLE_STATUSES`):
    enter the actuals of a monitoring round or of the self-evaluation, and submit them."""
    del department_id
    return status in REPORTABLE_STATUSES and _in_own_unit(actor, unit_id)


def can_read_report(actor: Actor, submitted: bool, place: DeclarationPlace) -> bool:
    """A submitted report: whoever may read its declaration (the public, once it is published). A
    draft report: whoever may read the declaration's unpublished states (its unit, its department's
    reviewer, 财政审核人)."""
    status = place.status if submitted else "draft"
    return can_read_declaration(actor, status, place.unit_id, place.department_id)


def can_create_declaration(actor: Actor, unit_id: int | None = None) -> bool:
    """填报人 or 单位审核人, in their own unit; without ``unit_id``: whether the actor may create any."""
    if unit_id is None:
        return actor.has(*UNIT_MEMBERS) and actor.unit_id is not None
    return _in_own_unit(actor, unit_id)


def can_import(actor: Actor) -> bool:
    """填报人, 单位审核人 (their own unit's forms: the importer checks each declaration with
    :func:`can_create_declaration` / :func:`can_edit_declaration`) and 财政审核人 (any)."""
    return actor.has(*IMPORTERS)


def can_review(actor: Actor) -> bool:
    """Any reviewer role; which workflow step on which declaration is :mod:`jixiao.workflow`'s rule."""
    return actor.has(*REVIEWERS)


def can_manage_users(actor: Actor) -> bool:
    """系统管理员: create users, reset passwords, deactivate and unlock."""
    return actor.has(Role.SYSTEM_ADMIN)


def can_manage_roles_and_policy(actor: Actor) -> bool:
    """安全管理员: grant and revoke roles, change the security policy."""
    return actor.has(Role.SECURITY_ADMIN)


def can_read_audit(actor: Actor) -> bool:
    """审计管理员 only. The system administrator is explicitly not allowed (三员分立)."""
    return actor.has(Role.AUDIT_ADMIN)


def declaration_visibility(actor: Actor, *, published: bool = True) -> ColumnElement[bool]:
    """A WHERE condition on :class:`~jixiao.store.models.Declaration` keeping what ``actor`` may read:
    the same rule as :func:`can_read_declaration`, for lists, counts and searches. With
    ``published=False``, what the actor may read beyond what is public (as for a draft report,
    :func:`can_read_report`)."""
    if actor.has(Role.FINANCE_REVIEWER):
        return true()
    conditions: list[ColumnElement[bool]] = [Declaration.status == PUBLISHED] if published else []
    if actor.has(Role.DEPARTMENT_REVIEWER) and actor.department_id is not None:
        units = select(Organisation.id).where(Organisation.parent_id == actor.department_id)
        conditions.append(Declaration.organisation_id == actor.department_id)
        conditions.append(Declaration.organisation_id.in_(units))
    if actor.has(*UNIT_MEMBERS) and actor.unit_id is not None:
        conditions.append(Declaration.organisation_id == actor.unit_id)
    if not conditions:
        return false()
    return or_(*conditions) if len(conditions) > 1 else conditions[0]


# -- permissions by name, for a table of routes and for API token scopes --

class Permission(StrEnum):
    ANYONE = "anyone"  # public pages
    LOGGED_IN = "logged_in"  # any user (own password, logout)
    READ_DECLARATION = "read_declaration"  # needs a DeclarationPlace
    EDIT_DECLARATION = "edit_declaration"  # needs a DeclarationPlace
    REPORT = "report"  # enter and submit actuals; needs a DeclarationPlace
    CREATE_DECLARATION = "create_declaration"  # with a place: in that unit
    IMPORT = "import"
    REVIEW = "review"
    MANAGE_USERS = "manage_users"
    MANAGE_ROLES_AND_POLICY = "manage_roles_and_policy"
    READ_AUDIT = "read_audit"


#: What API tokens may be granted, with what each allows; a token never exceeds its user's roles.
SCOPES: dict[str, str] = {
    "read": "读取：按账号的权限查看申报",
    "write": "修改：新建、编辑本单位的申报",
    "import": "导入：上传申报表文件",
    "review": "审核：提交、退回、通过申报",
}

#: The token scope each permission needs; ``None``: none (open to any token). Permissions missing
#: here cannot be used with a token at all.
PERMISSION_SCOPES: dict[Permission, str | None] = {
    Permission.ANYONE: None,
    Permission.LOGGED_IN: "read",
    Permission.READ_DECLARATION: "read",
    Permission.EDIT_DECLARATION: "write",
    Permission.REPORT: "write",
    Permission.CREATE_DECLARATION: "write",
    Permission.IMPORT: "import",
    Permission.REVIEW: "review",
    Permission.READ_AUDIT: "read",
}


def _logged_in(actor: Actor) -> bool:
    return actor.user_id is not None and bool(actor.roles)


_ACTOR_RULES: dict[Permission, Callable[[Actor], bool]] = {
    Permission.ANYONE: lambda _actor: True,
    Permission.LOGGED_IN: _logged_in,
    Permission.IMPORT: can_import,
    Permission.REVIEW: can_review,
    Permission.MANAGE_USERS: can_manage_users,
    Permission.MANAGE_ROLES_AND_POLICY: can_manage_roles_and_policy,
    Permission.READ_AUDIT: can_read_audit,
}


_PLACE_RULES: dict[Permission, Callable[[Actor, str, int | None, int | None], bool]] = {
    Permission.READ_DECLARATION: can_read_declaration,
    Permission.EDIT_DECLARATION: can_edit_declaration,
    Permission.REPORT: can_report,
}


def allowed(actor: Actor, permission: Permission, place: DeclarationPlace | None = None,
            scopes: frozenset[str] | None = None) -> bool:
    """Whether ``actor`` has ``permission``: on the declaration at ``place`` for the declaration
    permissions (required for reading and editing), within ``scopes`` when the request came with an
    API token (``None`` for a browser session)."""
    if scopes is not None:
        if permission not in PERMISSION_SCOPES:
            return False
        needed = PERMISSION_SCOPES[permission]
        if needed is not None and needed not in scopes:
            return False
    if permission in _PLACE_RULES:
        if place is None:
            raise ValueError(f"{permission} needs the declaration's place")
        check = _PLACE_RULES[permission]
        return check(actor, place.status, place.unit_id, place.department_id)
    if permission == Permission.CREATE_DECLARATION:
        return can_create_declaration(actor, place.unit_id if place else None)
    return _ACTOR_RULES[permission](actor)


def scopes_for(actor: Actor) -> frozenset[str]:
    """The token scopes ``actor``'s roles allow: read for every user, write for unit members, import
    and review for those who may (:func:`can_import`, :func:`can_review`)."""
    if not _logged_in(actor):
        return frozenset()
    found = {"read"}
    if can_create_declaration(actor):
        found.add("write")
    if can_import(actor):
        found.add("import")
    if can_review(actor):
        found.add("review")
    return frozenset(found)
