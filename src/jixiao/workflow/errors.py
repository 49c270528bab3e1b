"""Why a workflow step or an edit was refused: one class per reason, each with a Chinese message.

::

    JixiaoError (jixiao.errors)
    └── WorkflowError           base; ``code`` names the reason; ``declaration_id``, ``status``: where
        ├── NotFound            no declaration (or comment) with that id                      web: 404
        ├── ActionNotAllowed    the actor lacks the role, or the declaration is out of its scope   403
        ├── WrongStatus         the action cannot be taken from the current status                 409
        ├── InvalidComment      a reason is missing, or an indicator comment names no indicator    422
        ├── WorkflowConflict    someone moved the declaration first (optimistic check)             409
        └── Locked              an edit of a declaration that is submitted or further on           409

The HTTP statuses are a suggestion for the web layer; the library knows nothing of HTTP.

An unknown action code or status is a malformed call: :class:`jixiao.errors.UsageError`.
"""

from __future__ import annotations

from jixiao.errors import JixiaoError

__all__ = ["ActionNotAllowed", "InvalidComment", "Locked", "NotFound", "WorkflowConflict", "WorkflowError",
           "WrongStatus"]


class WorkflowError(JixiaoError):
    """A workflow step (or an edit, see :class:`Locked`) was refused; nothing was changed."""

    code = "workflow"

    def __init__(self, message: str, *, declaration_id: int | None = None, status: str | None = None):
        self.declaration_id, self.status = declaration_id, status
        super().__init__(message)


class NotFound(WorkflowError):
    code = "not_found"


class ActionNotAllowed(WorkflowError):
    code = "forbidden"


class WrongStatus(WorkflowError):
    code = "wrong_status"


class InvalidComment(WorkflowError):
    code = "invalid_comment"


class WorkflowConflict(WorkflowError):
    """The declaration is no longer in the status the user saw (``expected``): someone else acted first."""

    code = "conflict"

    def __init__(self, message: str, *, declaration_id: int, status: str, expected: str):
        self.expected = expected
        super().__init__(message, declaration_id=declaration_id, status=status)


class Locked(WorkflowError):
    code = "locked"
