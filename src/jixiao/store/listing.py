"""Listing declarations: the latest version of each, filtered, paged and summed in SQL.

Used by the web pages and the REST API alike (:func:`list_latest`). The funds total is the sum over
every declaration that matches the filters, not only the page shown; money stays exact (integer fen
on SQLite, ``NUMERIC`` on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from jixiao.store.models import Declaration, DeclarationVersion
from jixiao.store.types import Money

MAX_PAGE_SIZE = 200


@dataclass
class Row:
    """One declaration as its latest version shows it."""

    id: int
    version: int
    name: str | None
    year: int | None
    department: str | None
    unit: str | None
    funds_total: Decimal | None
    indicator_count: int


@dataclass
class Listing:
    """A page of rows, how many match the filters in all, and their funds total."""

    rows: list[Row] = field(default_factory=list)
    count: int = 0
    funds_total: Decimal = Decimal("0.00")
    page: int = 1
    size: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))


def _latest(year: int | None, unit: str | None) -> Select[Any]:
    query = select(Declaration.id, DeclarationVersion).join(DeclarationVersion, and_(
        DeclarationVersion.declaration_id == Declaration.id,
        DeclarationVersion.number == Declaration.latest_version))
    if year is not None:
        query = query.where(DeclarationVersion.year == year)
    if unit:
        query = query.where(DeclarationVersion.unit == unit)
    return query


def list_latest(session: Session, year: int | None = None, unit: str | None = None, page: int = 1,
                size: int = 50) -> Listing:
    """Page ``page`` (1-based) of ``size`` declarations, latest versions, by year (newest first) and name."""
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be ≥ 1 and size between 1 and {MAX_PAGE_SIZE}")
    base = _latest(year, unit).subquery()
    count, total = session.execute(select(
        func.count(), func.coalesce(func.sum(base.c.funds_total, type_=Money()), 0))).one()
    query = (_latest(year, unit)
             .order_by(DeclarationVersion.year.desc(), DeclarationVersion.name, Declaration.id)
             .offset((page - 1) * size).limit(size))
    rows = [Row(id=ident, version=v.number, name=v.name, year=v.year, department=v.department, unit=v.unit,
                funds_total=v.funds_total, indicator_count=v.indicator_count)
            for ident, v in session.execute(query)]
    return Listing(rows=rows, count=count, funds_total=Decimal(total).quantize(Decimal("0.01")), page=page,
                   size=size)


def filter_choices(session: Session) -> tuple[list[int], list[str]]:
    """The years and units that occur in latest versions, for the list page's filter menus."""
    base = _latest(None, None).subquery()
    years = session.scalars(select(base.c.year).where(base.c.year.is_not(None)).distinct()
                            .order_by(base.c.year.desc()))
    units = session.scalars(select(base.c.unit).where(base.c.unit.is_not(None)).distinct()
                            .order_by(base.c.unit))
    return list(years), list(units)
