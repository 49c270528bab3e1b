"""Listing declarations: the latest version of each, filtered, searched, sorted, paged and summed in SQL.

Used by the web pages, the dashboard and the REST API alike (:func:`list_latest`, :func:`latest_query`).
Everything is read from the ``declaration`` table, which repeats what the list shows of each latest
version, so one indexed table serves 100,000 declarations. The funds total is the sum over every
declaration that matches the filters, not only the page shown; money stays exact (integer fen on
SQLite, ``NUMERIC`` on PostgreSQL).

Search (``q``) finds the declarations whose latest version holds ``q`` in its project name, its
年度绩效目标 or 项目总目标, or the name of one of its indicators, through the search index
(:mod:`jixiao.store.search`: Chinese by character pairs, Latin letters and digits by words). A query
with no letter or digit at all (``%``, ``-``) matches the project name as a substring instead.

Sorting by name (``sort=name`` / ``-name``) is in pinyin order, computed in Python with ``pypinyin``
when at most :data:`PINYIN_LIMIT` declarations match; above that the database's own order of the
names (code points) is used instead.

The count and funds total of a filter are kept until the store changes (:mod:`jixiao.store.cache`):
paging through a search, or coming back to the list, does not count and sum again.

Who sees what: every function takes a :class:`Scope`, the condition keeping what the caller may read
(:func:`jixiao.access.declaration_visibility`) and a key naming it (``("public",)``, ``("unit", 7)`` …),
which is part of every cache key, so that no caller is ever given counts worked out for another. The
default, :data:`EVERYTHING`, is for the operator's own tools (the CLI), never for a web request.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import JSON, ColumnElement, Integer, Select, cast, func, or_, select, text
from sqlalchemy.orm import Session

from jixiao.store import search
from jixiao.store.cache import cached
from jixiao.store.models import Declaration, DeclarationVersion, Indicator
from jixiao.store.types import Money

MAX_PAGE_SIZE = 200
MAX_QUERY_LENGTH = 200
PINYIN_LIMIT = 5000
# A search matching at least this many declarations is paged in the list's own order by walking
# that order's index (SQLite), which finds a page of a common word's matches in a few ms instead
# of sorting all of them; fewer matches are sorted.
WALK_MIN_MATCHES = 1000
SORTS = ("year", "-year", "name", "-name", "funds", "-funds")
GRADES = ("优", "良", "中", "差")


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
    grade: str | None = None
    score: float | None = None
    status: str | None = None  # where it stands in the workflow (jixiao.workflow)


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
    grade: str | None = None


@dataclass(frozen=True)
class Scope:
    """The declarations a caller may see: ``condition`` (a WHERE clause on ``declaration``, ``None`` for
    all) and ``key``, which names it in cache keys (two callers with the same key must see the same)."""

    key: tuple[Hashable, ...]
    condition: ColumnElement[bool] | None = field(default=None, compare=False, hash=False)


#: Every declaration: the operator's tools, never a web request (see the module docstring).
EVERYTHING = Scope(("everything",))


@lru_cache(maxsize=65536)
def pinyin_key(name: str | None) -> tuple[int, tuple[str, ...], str]:
    """The sort key of a name in pinyin order (tone numbers break ties); names missing sort last."""
    if not name:
        return (1, (), "")
    return (0, tuple(s.lower() for s in lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)),
            name)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(q: str, dialect: str, *, walk: bool = False) -> ColumnElement[bool]:
    """Declarations whose latest version holds ``q`` (see the module's docstring).

    ``walk``: phrased so that SQLite reads the declarations in the order of an ``ORDER BY`` index and
    checks each against the matches (``id + 0`` cannot use the primary key), not the other way round.
    """
    phrase = search.query_terms(q)
    if not phrase:
        return _substring_condition(q, dialect)
    if dialect == "postgresql":
        found = text("SELECT declaration_id FROM declaration_search WHERE terms @@ CAST(:tsquery AS tsquery)"
                     ).bindparams(tsquery=search.postgres_tsquery(phrase))
    else:
        found = text("SELECT rowid FROM declaration_search WHERE declaration_search MATCH :match"
                     ).bindparams(match=search.sqlite_match(phrase))
    column = Declaration.id + 0 if walk else Declaration.id
    return column.in_(found.columns(id=Integer))


def _substring_condition(q: str, dialect: str) -> ColumnElement[bool]:
    """A ``LIKE '%q%'`` over the same texts as the index, for a query the index has no terms for:
    it reads every latest version, which is fine for the rare search for ``%`` or ``-``."""
    pattern = _like(q)
    content = DeclarationVersion.content
    if dialect == "postgresql":
        goals = [func.json_extract_path_text(cast(content, JSON), *path) for path in (["goal"],
                                                                                    ["texts", "total_goal"])]
    else:
        goals = [func.json_extract(content, "$.goal"), func.json_extract(content, "$.texts.total_goal")]
    indicator = select(Indicator.id).where(Indicator.version_id == DeclarationVersion.id,
                                           Indicator.name.ilike(pattern, escape="\\")).exists()
    found = select(DeclarationVersion.id).where(or_(
        DeclarationVersion.name.ilike(pattern, escape="\\"),
        *[g.ilike(pattern, escape="\\") for g in goals], indicator))
    return Declaration.latest_version_id.in_(found)


def latest_query(filters: Filters, dialect: str, *, walk: bool = False, scope: Scope = EVERYTHING
                 ) -> Select[tuple[Declaration]]:
    """The declarations (with their latest version's summary) matching ``filters`` that ``scope`` lets
    the caller see; ``walk``: see :func:`search_condition`."""
    query = select(Declaration)  # every committed declaration has a latest version
    if scope.condition is not None:
        query = query.where(scope.condition)
    if filters.year is not None:
        query = query.where(Declaration.year == filters.year)
    if filters.department:
        query = query.where(Declaration.department == filters.department)
    if filters.unit:
        query = query.where(Declaration.unit == filters.unit)
    if filters.nature:
        query = query.where(or_(Declaration.nature == filters.nature, Declaration.category == filters.nature))
    if filters.grade:
        query = query.where(Declaration.grade == filters.grade)
    q = (filters.q or "").strip()
    if q:
        query = query.where(search_condition(q, dialect, walk=walk))
    return query


def _order(sort: str | None) -> list[Any]:
    d = Declaration
    match sort:
        case "year":
            return [d.year.asc().nulls_last(), d.name, d.id]
        case "funds":
            return [d.funds_total.asc().nulls_last(), d.name, d.id]
        case "-funds":
            return [d.funds_total.desc().nulls_last(), d.name, d.id]
        case "name":
            return [d.name.asc().nulls_last(), d.id]
        case "-name":
            return [d.name.desc().nulls_last(), d.id]
        case _:  # None, "-year": newest first, then by name
            return [d.year.desc().nulls_last(), d.name, d.id]


def _row(d: Declaration) -> Row:
    return Row(id=d.id, version=d.latest_version, name=d.name, year=d.year, department=d.department,
               unit=d.unit, funds_total=d.funds_total, indicator_count=d.indicator_count, nature=d.nature,
               category=d.category, grade=d.grade, score=d.score, status=d.status)


def list_latest(session: Session, year: int | None = None, unit: str | None = None, page: int = 1,
                size: int = 50, *, department: str | None = None, nature: str | None = None,
                q: str | None = None, sort: str | None = None, grade: str | None = None,
                scope: Scope = EVERYTHING) -> Listing:
    """Page ``page`` (1-based) of ``size`` declarations, latest versions, filtered, searched and sorted,
    of those ``scope`` lets the caller see.

    ``sort`` is one of :data:`SORTS` (``-`` for descending) or ``None``: by year (newest first) and name.
    """
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be ≥ 1 and size between 1 and {MAX_PAGE_SIZE}")
    if sort is not None and sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    dialect = session.get_bind().dialect.name
    filters = Filters(year=year, department=department, unit=unit, nature=nature, q=q, grade=grade)
    matching = latest_query(filters, dialect, scope=scope)
    base = matching.subquery()
    totals = select(func.count(), func.coalesce(func.sum(base.c.funds_total, type_=Money()), 0))
    count, total = cached(session, ("listing.count", scope.key, filters),
                          lambda: tuple(session.execute(totals).one()))
    offset = (page - 1) * size
    if sort in ("name", "-name") and count <= PINYIN_LIMIT:
        names = session.execute(select(base.c.id, base.c.name)).all()
        names.sort(key=lambda r: (pinyin_key(r[1]), r[0]))
        if sort == "-name":
            named = [r for r in names if r[1]]
            names = named[::-1] + [r for r in names if not r[1]]
        ids = [r[0] for r in names[offset:offset + size]]
        found = {d.id: d for d in session.scalars(select(Declaration).where(Declaration.id.in_(ids)))}
        rows = [_row(found[i]) for i in ids]
    elif count:
        if dialect == "sqlite" and filters.q and sort in (None, "-year") and count >= WALK_MIN_MATCHES:
            matching = latest_query(filters, dialect, walk=True, scope=scope)
        rows = [_row(d) for d in session.scalars(matching.order_by(*_order(sort)).offset(offset).limit(size))]
    else:
        rows = []
    return Listing(rows=rows, count=count, funds_total=Decimal(total).quantize(Decimal("0.01")), page=page,
                   size=size)


@dataclass
class Choices:
    """The values that occur in latest versions, for the filter menus."""

    years: list[int]
    departments: list[str]
    units: list[str]
    natures: list[str]
    grades: list[str] = field(default_factory=lambda: list(GRADES))


def choices(session: Session, scope: Scope = EVERYTHING) -> Choices:
    """The filter menus of what ``scope`` lets the caller see, in pinyin order (kept until the store
    changes: :mod:`jixiao.store.cache`)."""
    return cached(session, ("choices", scope.key), lambda: _choices(session, scope))


def _choices(session: Session, scope: Scope) -> Choices:
    def distinct(column: Any) -> list[Any]:
        query = select(column).where(column.is_not(None))
        if scope.condition is not None:
            query = query.where(scope.condition)
        return list(session.scalars(query.distinct()))

    natures = set(distinct(Declaration.nature)) | set(distinct(Declaration.category))
    return Choices(years=sorted(distinct(Declaration.year), reverse=True),
                   departments=sorted(distinct(Declaration.department), key=pinyin_key),
                   units=sorted(distinct(Declaration.unit), key=pinyin_key),
                   natures=sorted(natures, key=pinyin_key))
