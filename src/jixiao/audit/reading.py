"""Reading the audit log: the audit administrator's filtered pages, the walk in id order that
:func:`~jixiao.audit.checking.verify` and :func:`export` share, and the export to CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, Text, func, select, type_coerce
from sqlalchemy.orm import Session

from jixiao.audit.log import FIELDS, AuditEntry, format_time, utc
from jixiao.errors import UsageError

ExportFormat = Literal["csv", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")
BATCH = 5000
_COLUMNS = [getattr(AuditEntry, name) for name in FIELDS]


def _filtered(statement: Select[Any], *, actor: str | None, action: str | None, object_type: str | None,
              object_id: str | int | None, outcome: str | None, since: datetime | None,
              until: datetime | None) -> Select[Any]:
    if actor is not None:
        statement = statement.where(AuditEntry.actor == actor)
    if action is not None:
        if action.endswith("*"):
            statement = statement.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
        else:
            statement = statement.where(AuditEntry.action == action)
    if object_type is not None:
        statement = statement.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        statement = statement.where(AuditEntry.object_id == str(object_id))
    if outcome is not None:
        statement = statement.where(AuditEntry.outcome == outcome)
    if since is not None:
        statement = statement.where(AuditEntry.at >= utc(since))
    if until is not None:
        statement = statement.where(AuditEntry.at < utc(until))
    return statement


def entries(session: Session, *, actor: str | None = None, action: str | None = None,
            object_type: str | None = None, object_id: str | int | None = None, outcome: str | None = None,
            since: datetime | None = None, until: datetime | None = None, limit: int = 100,
            offset: int = 0) -> list[AuditEntry]:
    """Entries matching every filter given, newest first: ``actor`` is a username, ``action`` a code
    or a prefix ending in ``*`` (``declaration.*``), ``since`` inclusive and ``until`` exclusive
    (aware datetimes)."""
    statement = _filtered(select(AuditEntry), actor=actor, action=action, object_type=object_type,
                          object_id=object_id, outcome=outcome, since=since, until=until)
    return list(session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


def count_entries(session: Session, *, actor: str | None = None, action: str | None = None,
                  object_type: str | None = None, object_id: str | int | None = None,
                  outcome: str | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> int:
    """How many entries :func:`entries` would page through with the same filters."""
    statement = _filtered(select(func.count()).select_from(AuditEntry), actor=actor, action=action,
                          object_type=object_type, object_id=object_id, outcome=outcome, since=since,
                          until=until)
    return int(session.scalar(statement) or 0)


def rows(session: Session, batch_size: int = BATCH) -> Iterator[dict[str, Any]]:
    """Every entry in id order as a dict of :data:`~jixiao.audit.log.FIELDS`, read ``batch_size`` at a
    time (by id, not by offset): memory stays flat whatever the size of the log.

    On SQLite, which stores times as text, ``at`` is read as text and parsed here: a time altered
    into something that is not one stays text (and fails its hash) instead of stopping the walk.
    """
    columns: list[Any] = list(_COLUMNS)
    if session.connection().dialect.name == "sqlite":
        columns[FIELDS.index("at")] = type_coerce(AuditEntry.at, Text)
    after: int | None = None
    while True:
        statement = select(*columns).order_by(AuditEntry.id).limit(batch_size)
        if after is not None:
            statement = statement.where(AuditEntry.id > after)
        batch = session.execute(statement).all()
        if not batch:
            return
        for values in batch:
            row = dict(zip(FIELDS, values, strict=True))
            if isinstance(row["at"], str):
                row["at"] = _parse_time(row["at"])
            yield row
        after = batch[-1][0]


def _parse_time(value: str) -> datetime | str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def exported(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as it is exported: ``at`` as :func:`~jixiao.audit.log.format_time` text, ``details``
    as the stored JSON text (what was hashed)."""
    return row | {"at": format_time(row["at"]) if isinstance(row["at"], datetime) else row["at"]}


def export(session: Session, fmt: str = "jsonl", *, batch_size: int = BATCH) -> Iterator[str]:
    """The whole log in id order, one string per entry (CSV: a header first, starting with a UTF-8
    byte order mark so that Excel reads the Chinese). JSON Lines keep every field and hash, so that
    :func:`~jixiao.audit.checking.verify_export` can check a copy offline. An unknown format is
    refused at once (:class:`~jixiao.errors.UsageError`), before anything is read."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; one of: {', '.join(FORMATS)}")
    return _jsonl(session, batch_size) if fmt == "jsonl" else _csv(session, batch_size)


def _jsonl(session: Session, batch_size: int) -> Iterator[str]:
    for row in rows(session, batch_size):
        yield json.dumps(exported(row), ensure_ascii=False) + "\n"


def _csv(session: Session, batch_size: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield "\ufeff" + line(list(FIELDS))
    for row in rows(session, batch_size):
        yield line(["" if value is None else value for value in exported(row).values()])
