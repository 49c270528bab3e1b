"""Who is acting: the roles of a level-3 (等保2.0 三级) system and the actor a request runs as.

Roles are fixed codes with Chinese titles. Business roles act within an organisation:

- 填报人 ``filler``: edits its own unit's declarations;
- 单位审核人 ``unit_reviewer``: submits its unit's declarations;
- 主管部门审核人 ``department_reviewer``: reviews the declarations of its department's units;
- 财政审核人 ``finance_reviewer``: reviews every department's.

The three administrator roles are separated (no one role both grants rights and reads the trail):

- 系统管理员 ``system_admin``: users and settings, no access to the audit log;
- 安全管理员 ``security_admin``: roles and the security policy;
- 审计管理员 ``audit_admin``: reads the audit log, changes nothing.

:class:`Actor` is what the access rules, the workflow and the audit log are given: the public
(nobody logged in) is :data:`PUBLIC`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    FILLER = "filler"
    UNIT_REVIEWER = "unit_reviewer"
    DEPARTMENT_REVIEWER = "department_reviewer"
    FINANCE_REVIEWER = "finance_reviewer"
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"

    @property
    def title(self) -> str:
        return ROLE_TITLES[self]


ROLE_TITLES: dict[Role, str] = {
    Role.FILLER: "填报人",
    Role.UNIT_REVIEWER: "单位审核人",
    Role.DEPARTMENT_REVIEWER: "主管部门审核人",
    Role.FINANCE_REVIEWER: "财政审核人",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}

#: Roles that act on declarations of one unit (need a unit) or one department (need a department).
UNIT_ROLES = frozenset({Role.FILLER, Role.UNIT_REVIEWER})
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_REVIEWER})
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def parse_role(text: str) -> Role:
    """A role from its code (``filler``) or its Chinese title (填报人); ValueError names the choices."""
    for role in Role:
        if text in (role.value, role.title):
            return role
    choices = ", ".join(f"{r.value} ({r.title})" for r in Role)
    raise ValueError(f"unknown role {text!r}; one of: {choices}")


@dataclass(frozen=True)
class Actor:
    """The user a request or command runs as.

    ``unit_id`` and ``department_id`` are ``organisation`` ids: a unit user has both (its unit and
    the unit's department), a department user only ``department_id``, finance and the
    administrators neither. ``user_id`` is ``None`` for the public and for the system itself.
    """

    user_id: int | None = None
    username: str = "public"
    roles: frozenset[Role] = field(default_factory=frozenset)
    unit_id: int | None = None
    department_id: int | None = None
    address: str | None = None  # the client's IP address, for the audit log

    @property
    def is_public(self) -> bool:
        return self.user_id is None and self.username == "public"

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


PUBLIC = Actor()
#: What the CLI runs as when it is not told who: it writes the audit log as ``system``.
SYSTEM = Actor(username="system")
