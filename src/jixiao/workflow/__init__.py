"""The approval workflow (审核流程) of declarations: states, actions, the edit lock, comments, to-do lists.

- :mod:`jixiao.workflow.rules`: the states and the transition table, pure (who may do what, from where).
- :mod:`jixiao.workflow.tables`: the ``transition`` and ``review_comment`` tables (migration 0006).
- :mod:`jixiao.workflow.operations`: the functions over a session: :func:`transition`,
  :func:`ensure_editable`, :func:`history`, :func:`comments`, :func:`todo`, :func:`set_status` …
- :mod:`jixiao.workflow.errors`: why something was refused (:class:`WorkflowError` and its kinds).

A web route takes a step in one transaction::

    with sessions.begin() as session:
        record = transition(session, declaration_id, "return", actor, comment="目标值偏低",
                            indicator_comments={2: "应量化"}, expected_status="submitted")

and before saving an edit calls ``ensure_editable(session, declaration_id)`` in the edit's transaction.
See docs/workflow.md.
"""

from jixiao.workflow.errors import (
    ActionNotAllowed,
    InvalidComment,
    Locked,
    NotFound,
    WorkflowConflict,
    WorkflowError,
    WrongStatus,
)
from jixiao.workflow.operations import (
    WAITING,
    Place,
    Todo,
    comments,
    ensure_editable,
    history,
    place,
    resolve_comment,
    set_status,
    todo,
    todo_condition,
    transition,
)
from jixiao.workflow.rules import (
    ACTIONS,
    EDITABLE,
    IMPORT,
    STATUS_TITLES,
    Action,
    Status,
    Step,
    action_label,
    available_actions,
    find_action,
    in_scope,
    is_locked,
    status_title,
)
from jixiao.workflow.tables import ReviewComment, Transition

__all__ = [
    "ACTIONS",
    "EDITABLE",
    "IMPORT",
    "STATUS_TITLES",
    "WAITING",
    "Action",
    "ActionNotAllowed",
    "InvalidComment",
    "Locked",
    "NotFound",
    "Place",
    "ReviewComment",
    "Status",
    "Step",
    "Todo",
    "Transition",
    "WorkflowConflict",
    "WorkflowError",
    "WrongStatus",
    "action_label",
    "available_actions",
    "comments",
    "ensure_editable",
    "find_action",
    "history",
    "in_scope",
    "is_locked",
    "place",
    "resolve_comment",
    "set_status",
    "status_title",
    "todo",
    "todo_condition",
    "transition",
]
