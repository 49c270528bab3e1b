"""Saving and loading declarations: functions over a :class:`~sqlalchemy.orm.Session`.

The caller owns the transaction. ``save_declaration`` stores a new declaration as version 1, stores
a changed one as the next version (earlier versions are never touched) and does nothing when the
content is the same as the latest version's, compared by a hash of its canonical JSON.
``save_prepared`` does the same for many declarations at once (an imported file) in a handful of
statements, whatever their number: that is what lets 100,000 declarations import in about a minute.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session, defer

from jixiao.model import Declaration as DeclarationModel
from jixiao.review import Reviewer
from jixiao.store import search
from jixiao.store.models import (
    Declaration,
    DeclarationVersion,
    Finding,
    Indicator,
    Organisation,
    StoreState,
    _now,
)
from jixiao.store.prepared import (
    FINDING_COLUMNS,
    INDICATOR_COLUMNS,
    Prepared,
    StoreError,
    canonical_json,
    identity_key,
    prepare,
)

__all__ = ["Outcome", "Saved", "StoreError", "VersionConflict", "canonical_json", "content_hash",
           "get_declaration", "identity_key", "list_versions", "load_version", "save_declaration",
           "save_prepared"]

Outcome = Literal["new", "updated", "unchanged"]


class Saved(NamedTuple):
    """What :func:`save_prepared` did with one declaration, and where it is now."""

    outcome: Outcome
    id: int
    version: int  # the latest version's number
    name: str | None


class VersionConflict(StoreError):
    """Someone saved a newer version since the editor loaded version ``expected``: nothing was stored."""

    def __init__(self, declaration_id: int, expected: int, latest: int):
        self.declaration_id, self.expected, self.latest = declaration_id, expected, latest
        super().__init__(f"项目 {declaration_id} 已被他人保存为第 {latest} 版（您编辑的是第 {expected} 版）；"
                         "您的修改尚未保存，请核对最新版本后再保存")


def content_hash(declaration: DeclarationModel) -> str:
    """SHA-256 of the canonical JSON; where the form came from (file, line) does not count."""
    return prepare(declaration).content_hash


def get_declaration(session: Session, unit: str | None, year: int | None, name: str | None
                    ) -> Declaration | None:
    """The stored declaration of project ``name`` of ``unit`` (or department, when the form names
    no unit) in ``year``."""
    key = identity_key(unit, year, name)
    return session.scalar(select(Declaration).where(Declaration.identity_key == key))


def list_versions(session: Session, declaration: Declaration | int) -> list[DeclarationVersion]:
    """The versions of a declaration (object or id), oldest first."""
    declaration_id = declaration if isinstance(declaration, int) else declaration.id
    query = (select(DeclarationVersion).where(DeclarationVersion.declaration_id == declaration_id)
             .order_by(DeclarationVersion.number).options(defer(DeclarationVersion.content)))
    return list(session.scalars(query))


def load_version(session: Session, declaration: Declaration | int, number: int | None = None
                 ) -> DeclarationModel:
    """Version ``number`` (default: the latest) as the :class:`jixiao.model.Declaration` it was saved from."""
    declaration_id = declaration if isinstance(declaration, int) else declaration.id
    query = select(DeclarationVersion).where(DeclarationVersion.declaration_id == declaration_id)
    if number is None:
        query = query.order_by(DeclarationVersion.number.desc()).limit(1)
    else:
        query = query.where(DeclarationVersion.number == number)
    version = session.scalar(query)
    if version is None:
        raise StoreError(f"no version {number or 'at all'} of declaration {declaration_id}")
    loaded = DeclarationModel.model_validate(json.loads(version.content))
    loaded.source = version.source
    return loaded


def save_declaration(session: Session, decl: DeclarationModel, source: str | None = None, *,
                     declaration_id: int | None = None, expected_version: int | None = None,
                     reviewer: Reviewer | None = None) -> Outcome:
    """Store ``decl``: ``"new"`` (version 1), ``"updated"`` (a new version) or ``"unchanged"``.

    Without ``declaration_id`` the declaration is found by its identity (unit, year, project name),
    as an import does. With it (an edit) the new version goes to that declaration, whose identity
    follows the edited unit, year and name; :class:`StoreError` if another declaration has it.
    With ``expected_version``, :class:`VersionConflict` unless that is still the latest version
    (optimistic locking: the second of two concurrent edits is refused, not merged).
    """
    prepared = prepare(decl, source, reviewer)
    return save_prepared(session, [prepared], declaration_id=declaration_id,
                         expected_version=expected_version)[0].outcome


@dataclass
class _Latest:
    """A stored declaration as the batch sees it (updated as the batch adds versions)."""

    id: int | None
    number: int
    content_hash: str | None


def _existing(session: Session, keys: set[str], declaration_id: int | None,
              expected_version: int | None) -> dict[str, _Latest]:
    query = (select(Declaration.id, Declaration.identity_key, Declaration.latest_version,
                    DeclarationVersion.content_hash)
             .outerjoin(DeclarationVersion, DeclarationVersion.id == Declaration.latest_version_id))
    if declaration_id is None:
        found = session.execute(query.where(Declaration.identity_key.in_(keys))).all()
        return {key: _Latest(ident, number, digest) for ident, key, number, digest in found}
    # An edit: the declaration by id, locked until the transaction ends (PostgreSQL).
    query = query.where(Declaration.id == declaration_id).with_for_update(of=Declaration)
    row = session.execute(query).first()
    if row is None:
        raise StoreError(f"no declaration {declaration_id}")
    ident, key, number, digest = row
    if expected_version is not None and number != expected_version:
        raise VersionConflict(ident, expected_version, number)
    (new_key,) = keys
    if new_key != key:
        other = session.scalar(select(Declaration.id).where(Declaration.identity_key == new_key))
        if other is not None:
            unit, year, name = json.loads(new_key)
            raise StoreError(f"另一个项目（编号 {other}）已是 {unit or '-'} {year or '-'} 年的"
                             f"「{name or ''}」；项目名称、年度和单位合起来不能与它相同")
    return {new_key: _Latest(ident, number, digest)}


def save_prepared(session: Session, items: Sequence[Prepared], *, declaration_id: int | None = None,
                  expected_version: int | None = None) -> list[Saved]:
    """Store each of ``items`` in order, like :func:`save_declaration`, in a few statements in all.

    Two items with the same identity become two versions (or one, if they are the same).
    ``declaration_id`` and ``expected_version`` are for one item, an edit.
    """
    if declaration_id is not None and len(items) != 1:
        raise ValueError("declaration_id is for saving one declaration")
    latest = _existing(session, {p.key for p in items}, declaration_id, expected_version)
    outcomes: list[Outcome] = []
    writes: list[tuple[Prepared, int]] = []  # (item, version number)
    for item in items:
        state = latest.get(item.key)
        if state is not None and state.content_hash == item.content_hash:
            outcomes.append("unchanged")
            continue
        outcomes.append("updated" if state is not None else "new")
        if state is None:
            state = latest[item.key] = _Latest(None, 0, None)
        state.number += 1
        state.content_hash = item.content_hash
        writes.append((item, state.number))
    if writes:
        _write(session, writes, latest)
    return [Saved(outcome, latest[item.key].id, latest[item.key].number, item.name)  # type: ignore[arg-type]
            for outcome, item in zip(outcomes, items, strict=True)]


def _write(session: Session, writes: list[tuple[Prepared, int]], latest: dict[str, _Latest]) -> None:
    """Insert the planned versions, each new declaration already pointing at its last one, and point
    the declarations that were there at theirs.

    The ids are taken first, so that a new declaration row is written once, complete: its ten indexes
    are not written twice (an insert, then an update of the same columns)."""
    # The first write: on SQLite it takes the database's write lock, under which _take_ids reads.
    session.execute(update(StoreState).where(StoreState.id == 1).values(generation=StoreState.generation + 1))
    session.info.pop("jixiao.generation", None)  # what jixiao.store.cache read of it before
    organisations = _organisations(session, [item for item, _ in writes])
    now = _now()
    fresh = [key for key, state in latest.items() if state.id is None]
    for key, ident in zip(fresh, _take_ids(session, Declaration.__table__, len(fresh)), strict=True):
        latest[key].id = ident
    version_ids = _take_ids(session, DeclarationVersion.__table__, len(writes))
    last: dict[str, tuple[Prepared, int, int]] = {}  # each declaration's last version in this batch
    for (item, number), vid in zip(writes, version_ids, strict=True):
        last[item.key] = (item, number, vid)

    summary = tuple(writes[0][0].summary)
    columns = ("identity_key", "unit", "year", "name", "organisation_id", "latest_version",
               "latest_version_id", "updated_at", *summary)

    def row(key: str) -> tuple[Any, ...]:
        item, number, vid = last[key]
        organisation = organisations.get((item.department, item.unit_name))
        return (latest[key].id, key, item.unit, item.year, item.name, organisation, number, vid, now,
                *item.summary.values())

    new = set(fresh)
    _insert(session, Declaration.__table__, ("id", *columns, "created_at"),
            [(*row(key), now) for key in fresh])
    _insert(session, DeclarationVersion.__table__, ("id", "declaration_id", "number", "created_at",
                                                    *writes[0][0].version), [
        (vid, latest[item.key].id, number, now, *item.version.values())
        for (item, number), vid in zip(writes, version_ids, strict=True)])
    written = list(zip((item for item, _ in writes), version_ids, strict=True))
    _insert(session, Indicator.__table__, ("version_id", *INDICATOR_COLUMNS),
            [(vid, *row) for item, vid in written for row in item.indicators], bound=True)
    _insert(session, Finding.__table__, ("version_id", *FINDING_COLUMNS),
            [(vid, *row) for item, vid in written for row in item.findings], bound=True)
    _update(session, Declaration.__table__, columns, [row(key) for key in last if key not in new])
    _index(session, [(latest[key].id, item.terms) for key, (item, _, _) in last.items()],
           replacing=[latest[key].id for key in last if key not in new])
    session.expire_all()  # the ORM's copies of what these statements changed


def _take_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new ids of ``table``, for rows inserted with them. PostgreSQL: from the table's
    sequence. SQLite: after the largest, which is safe once the transaction holds the write lock."""
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                                         "FROM generate_series(1, :n)"), {"n": count}))
    start = session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table.name}"))
    return list(range(start + 1, start + 1 + count))


def _insert(session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]], *,
            bound: bool = False) -> None:
    """Insert many rows of ``columns`` straight through the driver: PostgreSQL's COPY (an order of
    magnitude faster than INSERTs), SQLite's executemany. Values go through their column types'
    own processing (Money exact, datetimes as SQLAlchemy writes them), unless ``bound`` says the
    rows hold only what the driver takes as it is (:data:`jixiao.store.prepared.INDICATOR_COLUMNS`)."""
    if not rows:
        return
    if not bound:
        rows = _bound(session, table, columns, rows)
    driver = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        cursor = driver.cursor()  # psycopg's own
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    _executemany(driver, f"INSERT INTO {table.name} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})", rows)


def _update(session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Set ``columns`` of many rows, each row ``(id, *values)``, straight through the driver."""
    if not rows:
        return
    rows = _bound(session, table, ("id", *columns), rows)
    dialect = session.get_bind().dialect
    mark = "%s" if dialect.name == "postgresql" else "?"
    _executemany(session.connection().connection.driver_connection,
                 f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE id = {mark}",
                 [(*row[1:], row[0]) for row in rows])


def _executemany(driver: Any, statement: str, rows: list[tuple[Any, ...]]) -> None:
    cursor = driver.cursor()
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()


def _bound(session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
           ) -> list[tuple[Any, ...]]:
    """``rows`` with each value as its column's type hands it to the driver (what an INSERT would send)."""
    dialect = session.get_bind().dialect
    binds = [(i, process) for i, name in enumerate(columns)
             if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))]
    return [_bind(row, binds) for row in rows] if binds else rows


def _bind(row: tuple[Any, ...], binds: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, process in binds:
        if values[i] is not None:
            values[i] = process(values[i])
    return tuple(values)


def _organisations(session: Session, items: list[Prepared]) -> dict[tuple[str | None, str | None], int]:
    """The organisation id of each (department, unit) pair of ``items``, creating what is missing."""
    names = {n for item in items for n in (item.department, item.unit_name) if n}
    known: dict[tuple[str, int | None, str], int] = {
        (kind, parent, name): ident for ident, kind, parent, name in session.execute(
            select(Organisation.id, Organisation.kind, Organisation.parent_id, Organisation.name)
            .where(Organisation.name.in_(names)))} if names else {}

    def get(kind: str, parent: int | None, name: str) -> int:
        if (kind, parent, name) not in known:
            known[(kind, parent, name)] = session.scalars(insert(Organisation).returning(Organisation.id),
                                                          [{"kind": kind, "parent_id": parent, "name": name}]
                                                          ).one()
        return known[(kind, parent, name)]

    result: dict[tuple[str | None, str | None], int] = {}
    for item in items:
        department = get("department", None, item.department) if item.department else None
        unit = get("unit", department, item.unit_name) if item.unit_name else None
        if unit or department:
            result[(item.department, item.unit_name)] = unit or department  # type: ignore[assignment]
    return result


def _index(session: Session, documents: list[tuple[int | None, list[str]]],
           replacing: list[int | None]) -> None:
    """Index these declarations under the search terms of their latest version, in place of the terms
    of those in ``replacing`` (already indexed)."""
    if session.get_bind().dialect.name == "postgresql":
        if replacing:
            session.execute(text("DELETE FROM declaration_search WHERE declaration_id = ANY(:ids)"),
                            {"ids": replacing})
        session.execute(text("INSERT INTO declaration_search (declaration_id, terms) "
                             "VALUES (:id, CAST(:terms AS tsvector))"),
                        [{"id": ident, "terms": search.postgres_tsvector(terms)}
                         for ident, terms in documents])
    else:
        if replacing:
            session.execute(text("DELETE FROM declaration_search WHERE rowid IN "
                                 "(SELECT value FROM json_each(:ids))"), {"ids": json.dumps(replacing)})
        session.execute(text("INSERT INTO declaration_search (rowid, terms) VALUES (:id, :terms)"),
                        [{"id": ident, "terms": " ".join(terms)} for ident, terms in documents])
