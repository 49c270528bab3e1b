"""Why a report was refused, beside the workflow's reasons it shares (:mod:`jixiao.workflow.errors`:
``NotFound`` 404, ``ActionNotAllowed`` 403, ``WrongStatus`` 409).

::

    WorkflowError
    ├── ReportConflict   someone saved the report since the revision the user saw                409
    └── NotReady         submission refused: something the rules require is missing            422

Actuals that do not fit their declaration are :class:`jixiao.actuals.ActualsError` (422).
"""

from __future__ import annotations

from jixiao.workflow.errors import WorkflowError

__all__ = ["NotReady", "ReportConflict"]


class ReportConflict(WorkflowError):
    """The report's latest revision is not the one the user started from (``expected``)."""

    code = "conflict"

    def __init__(self, message: str, *, declaration_id: int, expected: int | None, latest: int):
        self.expected, self.latest = expected, latest
        super().__init__(message, declaration_id=declaration_id)


class NotReady(WorkflowError):
    """The report cannot be submitted yet; ``missing`` lists what is missing, one item per row."""

    code = "not_ready"

    def __init__(self, message: str, *, declaration_id: int, missing: list[str]):
        self.missing = missing
        super().__init__(message, declaration_id=declaration_id)
