"""The tables: organisations, declarations, their immutable versions and the versions' indicators.

::

    organisation (主管部门 → 实施单位, parent_id)
        └── declaration (identity: unit, year, project name; unique)
                └── declaration_version (1, 2, 3 …; never changed once written)
                        ├── indicator (one row per level-3 indicator, in form order)
                        └── finding (the review's findings, worked out when the version was saved)

A version keeps the whole declaration as JSON text (:func:`jixiao.jsonformat.declaration_json`),
which is what :func:`jixiao.store.repository.load_version` reads back; the other columns are
copies of it for searching, filtering and summing. The declaration row repeats what the list
shows of its latest version (``latest_version_id``, funds, grade …), so that listing, filtering,
sorting and summing 100,000 declarations reads one table. The search index (``declaration_search``,
an FTS5 table on SQLite, a ``tsvector`` on PostgreSQL: :mod:`jixiao.store.search`) holds the terms of
each declaration's latest version and is written with raw SQL, so it has no class here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from jixiao.store.types import ExactDecimal, Money

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    """A 主管部门 (``kind="department"``, no parent) or a 实施单位 (``kind="unit"``, under its department)."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("kind", "parent_id", "name", name="uq_organisation_kind_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent")


class Declaration(Base):
    """One project of one unit in one year, across all its versions, with its latest version's summary."""

    __tablename__ = "declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    # json.dumps([unit or department, year, name]): unique even where a part is missing (NULL).
    identity_key: Mapped[str] = mapped_column(Text, unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    unit: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str | None] = mapped_column(Text)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # The latest version and copies of what the list shows of it (no foreign key: the two tables
    # refer to each other, and the version is written after the declaration).
    latest_version_id: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    department: Mapped[str | None] = mapped_column(Text)
    nature: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    funds_total: Mapped[Decimal | None] = mapped_column(Money, index=True)
    indicator_count: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(8))
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    # Where it stands in the approval workflow (jixiao.workflow): draft, submitted, returned,
    # department_approved, finance_approved, published. Only published ones are public.
    status: Mapped[str] = mapped_column(String(24), default="draft", server_default="draft", index=True)

    organisation: Mapped[Organisation | None] = relationship()
    versions: Mapped[list[DeclarationVersion]] = relationship(
        back_populates="declaration", order_by="DeclarationVersion.number")


# The list's default order, newest year first (migration 0002 writes it per database), and its
# filters, each with the funds so that counting and summing what matches reads an index alone.
Index("ix_declaration_list_order", Declaration.year.desc(), Declaration.name, Declaration.id)
Index("ix_declaration_department", Declaration.department, Declaration.year, Declaration.funds_total)
Index("ix_declaration_year_funds", Declaration.year, Declaration.funds_total)
Index("ix_declaration_grade", Declaration.grade, Declaration.funds_total)
# The same for the public, who sees published declarations only (migration 0007).
Index("ix_declaration_status_list_order", Declaration.status, Declaration.year.desc(), Declaration.name,
      Declaration.id)
Index("ix_declaration_status_funds", Declaration.status, Declaration.funds_total)


class DeclarationVersion(Base):
    """One immutable state of a declaration: the full JSON plus searchable copies of its fields."""

    __tablename__ = "declaration_version"
    __table_args__ = (UniqueConstraint("declaration_id", "number", name="uq_declaration_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    source: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    department: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    nature: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    funds_total: Mapped[Decimal | None] = mapped_column(Money)
    layout: Mapped[str] = mapped_column(String(32))
    indicator_count: Mapped[int] = mapped_column(Integer)
    quantitative_count: Mapped[int] = mapped_column(Integer, default=0)
    # The review of this version when it was saved, under the profile its layout chose.
    profile: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(8))
    finding_count: Mapped[int] = mapped_column(Integer, default=0)

    declaration: Mapped[Declaration] = relationship(back_populates="versions")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="version", order_by="Indicator.position", cascade="all, delete-orphan")
    findings: Mapped[list[Finding]] = relationship(order_by="Finding.position", cascade="all, delete-orphan")


class Indicator(Base):
    """A level-3 indicator of one version, at its position (0-based) in the form."""

    __tablename__ = "indicator"
    __table_args__ = (
        UniqueConstraint("version_id", "position", name="uq_indicator_version_position"),
        Index("ix_indicator_level1_level2", "level1", "level2"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("declaration_version.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    level1: Mapped[str | None] = mapped_column(Text)
    level2: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    target_raw: Mapped[str] = mapped_column(Text)
    op: Mapped[str | None] = mapped_column(String(8))
    value: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    upper: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    unit: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)

    version: Mapped[DeclarationVersion] = relationship(back_populates="indicators")


class Finding(Base):
    """One review finding of one version: its rule, severity and (1-based) indicator, if any."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("declaration_version.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    indicator: Mapped[int | None] = mapped_column(Integer)


class StoreState(Base):
    """One row: ``generation`` goes up by one in every transaction that saves anything, so that
    results kept until the store changes (:mod:`jixiao.store.cache`) can tell, at the cost of one row."""

    __tablename__ = "store_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class ImmutableVersionError(RuntimeError):
    """A stored version or its indicators were about to be changed: a bug, never allowed."""


def _refuse_update(_mapper: Mapper[object], _connection: object, target: object) -> None:
    raise ImmutableVersionError(f"{type(target).__name__} rows are immutable; save a new version instead")


event.listen(DeclarationVersion, "before_update", _refuse_update)
event.listen(Indicator, "before_update", _refuse_update)
event.listen(Finding, "before_update", _refuse_update)
