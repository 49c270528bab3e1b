"""Listing declarations: the latest version of each, filtered, searched, sorted, paged and summed in SQL.

Used by the web pages and the REST API alike (:func:`list_latest`). The funds total is the sum over
every declaration that matches the filters, not only the page shown; money stays exact (integer fen
on SQLite, ``NUMERIC`` on PostgreSQL).

Search (``q``) is a case-insensitive substring match (``LIKE``/``ILIKE '%q%'``, ``%`` and ``_`` escaped)
over the latest version's project name, its 年度绩效目标 and 项目总目标 (read from the version's JSON)
and the names of its indicators. No index serves it yet: a trigram (pg_trgm) or FTS5 index is a later
optimisation.

Sorting by name (``sort=name`` / ``-name``) is in pinyin order, computed in Python with ``pypinyin``
when at most :data:`PINYIN_LIMIT` declarations match; above that the database's own order of the
names (code points) is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import JSON, ColumnElement, Select, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from jixiao.store.models import Declaration, DeclarationVersion, Indicator
from jixiao.store.types import Money

MAX_PAGE_SIZE = 200
MAX_QUERY_LENGTH = 200
PINYIN_LIMIT = 5000
SORTS = ("year", "-year", "name", "-name", "funds", "-funds")


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
    nature: str | None = None
    category: str | None = None


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


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; ``None`` or empty means any. ``nature`` matches 项目性质 or 项目类别."""

    year: int | None = None
    department: str | None = None
    unit: str | None = None
    nature: str | None = None
    q: str | None = None


def pinyin_key(name: str | None) -> tuple[int, list[str], str]:
    """The sort key of a name in pinyin order (tone numbers break ties); names missing sort last."""
    if not name:
        return (1, [], "")
    return (0, [s.lower() for s in lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)], name)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _goal_columns(dialect: str) -> list[ColumnElement[Any]]:
    content = DeclarationVersion.content
    if dialect == "postgresql":
        as_json = cast(content, JSON)
        return [func.json_extract_path_text(as_json, "goal"),
                func.json_extract_path_text(as_json, "texts", "total_goal")]
    return [func.json_extract(content, "$.goal"), func.json_extract(content, "$.texts.total_goal")]


def latest_query(filters: Filters, dialect: str) -> Select[Any]:
    """``(declaration id, latest DeclarationVersion)`` rows matching ``filters``."""
    query = select(Declaration.id, DeclarationVersion).join(DeclarationVersion, and_(
        DeclarationVersion.declaration_id == Declaration.id,
        DeclarationVersion.number == Declaration.latest_version))
    if filters.year is not None:
        query = query.where(DeclarationVersion.year == filters.year)
    if filters.department:
        query = query.where(DeclarationVersion.department == filters.department)
    if filters.unit:
        query = query.where(DeclarationVersion.unit == filters.unit)
    if filters.nature:
        query = query.where(or_(DeclarationVersion.nature == filters.nature,
                                DeclarationVersion.category == filters.nature))
    q = (filters.q or "").strip()
    if q:
        pattern = _like(q)
        indicator = (select(Indicator.id).where(Indicator.version_id == DeclarationVersion.id,
                                                Indicator.name.ilike(pattern, escape="\\")).exists())
        query = query.where(or_(DeclarationVersion.name.ilike(pattern, escape="\\"),
                                *[c.ilike(pattern, escape="\\") for c in _goal_columns(dialect)],
                                indicator))
    return query


def _order(sort: str | None) -> list[Any]:
    v = DeclarationVersion
    match sort:
        case "year":
            return [v.year.asc().nulls_last(), v.name, Declaration.id]
        case "funds":
            return [v.funds_total.asc().nulls_last(), v.name, Declaration.id]
        case "-funds":
            return [v.funds_total.desc().nulls_last(), v.name, Declaration.id]
        case "name":
            return [v.name.asc().nulls_last(), Declaration.id]
        case "-name":
            return [v.name.desc().nulls_last(), Declaration.id]
        case _:  # None, "-year": newest first, then by name
            return [v.year.desc().nulls_last(), v.name, Declaration.id]


def _row(ident: int, v: DeclarationVersion) -> Row:
    return Row(id=ident, version=v.number, name=v.name, year=v.year, department=v.department, unit=v.unit,
               funds_total=v.funds_total, indicator_count=v.indicator_count, nature=v.nature,
               category=v.category)


def list_latest(session: Session, year: int | None = None, unit: str | None = None, page: int = 1,
                size: int = 50, *, department: str | None = None, nature: str | None = None,
                q: str | None = None, sort: str | None = None) -> Listing:
    """Page ``page`` (1-based) of ``size`` declarations, latest versions, filtered, searched and sorted.

    ``sort`` is one of :data:`SORTS` (``-`` for descending) or ``None``: by year (newest first) and name.
    """
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be ≥ 1 and size between 1 and {MAX_PAGE_SIZE}")
    if sort is not None and sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    dialect = session.get_bind().dialect.name
    filters = Filters(year=year, department=department, unit=unit, nature=nature, q=q)
    base = latest_query(filters, dialect).subquery()
    count, total = session.execute(select(
        func.count(), func.coalesce(func.sum(base.c.funds_total, type_=Money()), 0))).one()
    offset = (page - 1) * size
    if sort in ("name", "-name") and count <= PINYIN_LIMIT:
        names = session.execute(select(base.c[0], base.c.name)).all()
        names.sort(key=lambda r: (pinyin_key(r[1]), r[0]))
        if sort == "-name":
            named = [r for r in names if r[1]]
            names = named[::-1] + [r for r in names if not r[1]]
        ids = [r[0] for r in names[offset:offset + size]]
        found = {ident: _row(ident, v) for ident, v in session.execute(
            latest_query(filters, dialect).where(Declaration.id.in_(ids)))} if ids else {}
        rows = [found[i] for i in ids]
    else:
        query = latest_query(filters, dialect).order_by(*_order(sort)).offset(offset).limit(size)
        rows = [_row(ident, v) for ident, v in session.execute(query)]
    return Listing(rows=rows, count=count, funds_total=Decimal(total).quantize(Decimal("0.01")), page=page,
                   size=size)


@dataclass
class Choices:
    """The values that occur in latest versions, for the list page's filter menus."""

    years: list[int]
    departments: list[str]
    units: list[str]
    natures: list[str]


def choices(session: Session) -> Choices:
    base = latest_query(Filters(), session.get_bind().dialect.name).subquery()

    def distinct(column: Any) -> list[Any]:
        return list(session.scalars(select(column).where(column.is_not(None)).distinct()))

    natures = set(distinct(base.c.nature)) | set(distinct(base.c.category))
    return Choices(years=sorted(distinct(base.c.year), reverse=True),
                   departments=sorted(distinct(base.c.department), key=pinyin_key),
                   units=sorted(distinct(base.c.unit), key=pinyin_key),
                   natures=sorted(natures, key=pinyin_key))
