"""The workflow's tables (migration 0006): each transition taken, and the reviewers' comments.

::

    declaration
        ├── transition       one row per step taken: who, when, from which status to which, why
        └── review_comment   a return's comments, on the whole declaration or on one indicator
                             (``transition_id``: the return it came with)

Both are written only by :mod:`jixiao.workflow.operations` and never updated, except a comment's
``resolved_at`` / ``resolved_by``. ``user_id`` has no foreign key: the accounts may be removed,
the record of what they did stays. Deleting a declaration deletes both (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jixiao.store.models import Base, _now
from jixiao.store.types import UTCDateTime
from jixiao.workflow.rules import action_label, status_title

__all__ = ["ReviewComment", "Transition"]


class Transition(Base):
    """One step of one declaration through the workflow, as it was taken."""

    __tablename__ = "transition"
    __table_args__ = (Index("ix_transition_declaration_id_id", "declaration_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)  # the declaration's latest version at the time
    action: Mapped[str] = mapped_column(String(16))  # an Action code, or "import"
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(Text)  # the username
    user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    comment: Mapped[str | None] = mapped_column(Text)

    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="transition", order_by="ReviewComment.id", passive_deletes=True)

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def from_title(self) -> str:
        return status_title(self.from_status)

    @property
    def to_title(self) -> str:
        return status_title(self.to_status)

    def __repr__(self) -> str:
        return (f"Transition(declaration={self.declaration_id}, v{self.version}, {self.action}: "
                f"{self.from_status} → {self.to_status}, by {self.actor})")


class ReviewComment(Base):
    """A reviewer's comment on one version of a declaration: on the whole (``indicator`` is ``None``)
    or on the indicator at 0-based ``indicator`` position (``Indicator.position``)."""

    __tablename__ = "review_comment"
    __table_args__ = (Index("ix_review_comment_declaration_id_version", "declaration_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)  # the username
    user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    transition_id: Mapped[int | None] = mapped_column(
        ForeignKey("transition.id", ondelete="CASCADE"), index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(Text)

    transition: Mapped[Transition | None] = relationship(back_populates="comments")

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def __repr__(self) -> str:
        where = "declaration" if self.indicator is None else f"indicator {self.indicator}"
        return f"ReviewComment(declaration={self.declaration_id}, v{self.version}, {where}: {self.text!r})"
