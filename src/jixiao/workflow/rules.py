"""The approval workflow as data: its states, its actions, who may take each, and the edit lock.

Pure: nothing here reads the database. :mod:`jixiao.workflow.operations` applies these rules to
stored declarations.

The way forward is 草稿 draft → 已提交 submitted → 主管部门审核通过 department_approved →
财政审核通过 finance_approved → 已公开 published. Submitted and department-approved declarations can
be returned (退回 returned) instead, and a returned one is submitted again; a published one can be
withdrawn to finance_approved. :data:`ACTIONS` is the whole table.

Each arrow (:class:`Step`) is taken by one role, within its scope: a unit role (``unit_reviewer``)
acts on the declarations of its unit (``Actor.unit_id``), the ``department_reviewer`` on those of its
department and of the department's units (``Actor.department_id``), the ``finance_reviewer`` on all.
A declaration can be edited only while it is a draft or returned (:func:`is_locked`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jixiao.roles import DEPARTMENT_ROLES, UNIT_ROLES, Actor, Role

__all__ = ["ACTIONS", "EDITABLE", "IMPORT", "STATUS_TITLES", "Action", "Status", "Step", "action_label",
           "available_actions", "find_action", "in_scope", "is_locked", "status_title"]


class Status(StrEnum):
    """Where a declaration stands (the value of ``declaration.status``)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    DEPARTMENT_APPROVED = "department_approved"
    FINANCE_APPROVED = "finance_approved"
    PUBLISHED = "published"

    @property
    def title(self) -> str:
        return STATUS_TITLES[self]


STATUS_TITLES: dict[Status, str] = {
    Status.DRAFT: "草稿",
    Status.SUBMITTED: "已提交",
    Status.RETURNED: "退回",
    Status.DEPARTMENT_APPROVED: "主管部门审核通过",
    Status.FINANCE_APPROVED: "财政审核通过",
    Status.PUBLISHED: "已公开",
}

#: The states in which a declaration may be edited; in every other one it is locked.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})


def status_title(status: str) -> str:
    """The Chinese title of a status code (the code itself if it is unknown)."""
    try:
        return Status(status).title
    except ValueError:
        return status


def is_locked(status: str) -> bool:
    """True unless a declaration in ``status`` may be edited (only drafts and returned ones may)."""
    return status not in EDITABLE


@dataclass(frozen=True)
class Step:
    """One arrow of the workflow: from ``source`` to ``target``, taken by ``role``."""

    source: Status
    target: Status
    role: Role


@dataclass(frozen=True)
class Action:
    """Something a user does to a declaration: a code, a label for the button, and its steps
    (at most one from each status). ``comment_required``: a reason must be given."""

    code: str
    label: str
    steps: tuple[Step, ...]
    comment_required: bool = False

    def step_from(self, status: str) -> Step | None:
        """The step this action takes from ``status``, if any."""
        return next((step for step in self.steps if step.source == status), None)

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles that take it, each once, in the order of its steps."""
        return tuple(dict.fromkeys(step.role for step in self.steps))

    @property
    def sources(self) -> tuple[Status, ...]:
        return tuple(step.source for step in self.steps)


_D, _S, _R = Status.DRAFT, Status.SUBMITTED, Status.RETURNED
_DA, _FA, _P = Status.DEPARTMENT_APPROVED, Status.FINANCE_APPROVED, Status.PUBLISHED
_UNIT, _DEPT, _FIN = Role.UNIT_REVIEWER, Role.DEPARTMENT_REVIEWER, Role.FINANCE_REVIEWER

#: Every action, in the order buttons show them.
ACTIONS: tuple[Action, ...] = (
    Action("submit", "提交", (Step(_D, _S, _UNIT), Step(_R, _S, _UNIT))),
    Action("approve", "审核通过", (Step(_S, _DA, _DEPT), Step(_DA, _FA, _FIN))),
    Action("return", "退回", (Step(_S, _R, _DEPT), Step(_DA, _R, _FIN)), comment_required=True),
    Action("publish", "公开", (Step(_FA, _P, _FIN),)),
    Action("withdraw", "撤回公开", (Step(_P, _FA, _FIN),), comment_required=True),
)
_BY_CODE = {action.code: action for action in ACTIONS}

#: The action code recorded when an operator sets statuses in bulk (``jixiao import --status``).
IMPORT = "import"
_LABELS = {**{action.code: action.label for action in ACTIONS}, IMPORT: "导入时设定"}


def find_action(code: str) -> Action | None:
    """The action with this code, or ``None``."""
    return _BY_CODE.get(code)


def action_label(code: str) -> str:
    """The Chinese label of an action code, including ``import`` (the code itself if unknown)."""
    return _LABELS.get(code, code)


def in_scope(actor: Actor, role: Role, unit_id: int | None, department_id: int | None) -> bool:
    """Whether ``actor`` holds ``role`` and the role reaches a declaration of this unit and department.

    ``unit_id`` is the declaration's unit (``None`` when it belongs to a department directly),
    ``department_id`` the department it belongs to: see :func:`jixiao.workflow.place`.
    """
    if role not in actor.roles:
        return False
    if role in UNIT_ROLES:
        return actor.unit_id is not None and actor.unit_id == unit_id
    if role in DEPARTMENT_ROLES:
        return actor.department_id is not None and actor.department_id == department_id
    return role == Role.FINANCE_REVIEWER


def available_actions(actor: Actor, status: str, unit_id: int | None, department_id: int | None
                      ) -> list[Action]:
    """The actions ``actor`` may take on a declaration in ``status`` of this unit and department."""
    found = []
    for action in ACTIONS:
        step = action.step_from(status)
        if step is not None and in_scope(actor, step.role, unit_id, department_id):
            found.append(action)
    return found
