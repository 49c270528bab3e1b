"""The reports' tables (migration 0008): one report per declaration and period, and its revisions.

::

    declaration
        └── report            one per reporting period (M1 … M11, final): its status and, copied from
            │                 its latest revision, what the lists show (light, money at stake, score …)
            └── report_revision   every save: the actuals as JSON (jixiao.actuals.Actuals), never changed

A report is entered against the declaration's latest version at the time (``version``); it is a
draft until submitted, then it is fixed. ``report_revision`` rows are never updated: as with
declaration versions, nothing typed is lost.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jixiao.actuals import Actuals, Period
from jixiao.store.models import Base, Declaration, ImmutableVersionError, _now
from jixiao.store.types import ExactDecimal, Money, UTCDateTime

__all__ = ["Report", "ReportRevision"]

DRAFT, SUBMITTED = "draft", "submitted"
STATUS_TITLES = {DRAFT: "草稿", SUBMITTED: "已提交"}


class Report(Base):
    """One declaration's report for one period, with the summary of its latest revision."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("declaration_id", "period", name="uq_report_declaration_id_period"),
        # The list at risk: a period's yellow and red reports, the largest money at stake first.
        Index("ix_report_period_light_at_stake", "period", "light", "at_stake"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # Period.code: M1 … M11, final
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # the latest revision's number
    version: Mapped[int] = mapped_column(Integer)  # the declaration version it was entered against
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(Text)
    # The latest revision's figures: its monitoring at as_of, and at the year end its score.
    light: Mapped[str | None] = mapped_column(String(4))  # 绿, 黄, 红
    budget_light: Mapped[str | None] = mapped_column(String(4))
    target_light: Mapped[str | None] = mapped_column(String(4))  # the worst indicator's
    at_stake: Mapped[Decimal | None] = mapped_column(Money)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    executed: Mapped[Decimal | None] = mapped_column(Money)
    score: Mapped[Decimal | None] = mapped_column(ExactDecimal)  # rounded to two places
    grade: Mapped[str | None] = mapped_column(String(8))
    missing_explanations: Mapped[int] = mapped_column(Integer, default=0)

    declaration: Mapped[Declaration] = relationship()
    revisions: Mapped[list[ReportRevision]] = relationship(
        back_populates="report", order_by="ReportRevision.number", passive_deletes=True)

    @property
    def period_value(self) -> Period:
        return Period.parse(self.period)

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, self.status)

    @property
    def submitted(self) -> bool:
        return self.status == SUBMITTED


class ReportRevision(Base):
    """One save of a report: the actuals as entered, by whom, against which declaration version."""

    __tablename__ = "report_revision"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_report_revision_report_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # Actuals as JSON
    source: Mapped[str | None] = mapped_column(Text)  # web, api, the file's name …
    author: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    report: Mapped[Report] = relationship(back_populates="revisions")

    @property
    def actuals(self) -> Actuals:
        return Actuals.model_validate_json(self.content)


def _refuse_update(_mapper: object, _connection: object, target: object) -> None:
    raise ImmutableVersionError(f"{type(target).__name__} rows are immutable; save a new revision instead")


event.listen(ReportRevision, "before_update", _refuse_update)
