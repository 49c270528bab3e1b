"""The audit log's tables, its action codes, the hash of an entry, and :func:`record`.

Each entry's ``hash`` is the SHA-256 of :func:`canonical_json` of every other field, ``id`` and
``prev_hash`` included; ``prev_hash`` is the previous entry's ``hash`` (:data:`GENESIS` for the
first). ``audit_anchor`` (one row) holds the number of entries and the last hash: :func:`record`
chains each new entry on it and moves it on in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import is_dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Index, Integer, String, Text, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from jixiao.errors import JixiaoError
from jixiao.roles import Actor
from jixiao.store.models import Base
from jixiao.store.types import UTCDateTime

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64
#: The key of the PostgreSQL advisory lock that serialises appends ("JXAUDIT1" in ASCII).
LOCK_KEY = 0x4A58_4155_4449_5431
#: The fields an entry's hash covers, in the order exports list them (``hash`` comes last).
HASHED_FIELDS = ("id", "at", "actor", "user_id", "address", "action", "object_type", "object_id",
                 "outcome", "details", "prev_hash")
FIELDS = (*HASHED_FIELDS, "hash")
OUTCOMES = ("ok", "denied", "failed")


class Action(NamedTuple):
    code: str
    title: str  # Chinese, for the audit administrator's page
    meaning: str  # English, for the docs


ACTIONS: dict[str, Action] = {a.code: a for a in [
    Action("login", "登录", "a user logged in"),
    Action("login_failed", "登录失败", "a login was refused (details.reason: unknown_user, bad_password, "
                                     "locked, inactive)"),
    Action("logout", "退出登录", "a user logged out (or the session was ended)"),
    Action("declaration.create", "新建申报", "a declaration was created in the web editor"),
    Action("declaration.update", "修改申报", "a declaration was changed: a new version was saved"),
    Action("declaration.import", "导入申报", "a file was imported (details: file, new, updated, unchanged)"),
    Action("declaration.transition", "申报流转", "a workflow step: submitted, returned, approved, published"),
    Action("declaration.export", "导出申报", "declarations were exported or downloaded"),
    Action("report.save", "填报实际完成情况",
           "the actuals of a monitoring round or self-evaluation were saved (details: period, revision)"),
    Action("report.submit", "提交监控/自评", "a monitoring round or self-evaluation was submitted"),
    Action("user.create", "新建用户", "a user account was created"),
    Action("user.password", "修改密码", "a password was changed or reset"),
    Action("user.roles", "变更角色", "a user's roles or organisation were changed"),
    Action("user.disable", "停用用户", "a user account was deactivated"),
    Action("user.enable", "启用用户", "a user account was activated again"),
    Action("user.unlock", "解锁用户", "a locked account was unlocked by an administrator"),
    Action("policy.change", "修改安全策略", "the security policy was changed"),
    Action("token.create", "创建令牌", "an API token was created"),
    Action("token.revoke", "吊销令牌", "an API token was revoked"),
    Action("audit.export", "导出审计日志", "the audit log was exported"),
]}


class AuditError(JixiaoError):
    """The audit log cannot be written: its anchor row is missing (a database not migrated, or
    tampered with)."""


class AuditEntry(Base):
    """One event. Never updated or deleted (the database refuses it: migration 0005's triggers)."""

    __tablename__ = "audit_entry"

    # Given by record(): the anchor's count + 1, so that ids have no gaps (a sequence would leave
    # one for every rolled-back transaction) and two entries can never share a place in the chain.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(Text, index=True)  # the username, kept if the user goes
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key, for the same reason
    address: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[str | None] = mapped_column(Text)  # canonical JSON: before, after, anything else
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def fields(self) -> dict[str, Any]:
        """The entry as :data:`FIELDS` → value (``at`` as a datetime)."""
        return {name: getattr(self, name) for name in FIELDS}

    def details_value(self) -> dict[str, Any]:
        """``details`` parsed (an empty dict when there are none)."""
        return json.loads(self.details) if self.details else {}

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} by {self.actor} ({self.outcome})>"

    @property
    def action_title(self) -> str:
        found = ACTIONS.get(self.action)
        return found.title if found else self.action


Index("ix_audit_entry_object", AuditEntry.object_type, AuditEntry.object_id)


class AuditAnchor(Base):
    """One row (``id`` 1): how many entries the log has and the hash of the last one. Without it,
    removing entries from the end would leave a shorter chain that is still intact."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry_count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


def utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if value.tzinfo is None:
        raise ValueError(f"a naive datetime is ambiguous: {value!r} (give it a time zone)")
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    """The form of ``at`` that is hashed and exported: UTC, microseconds, ``Z``."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: 12.30 stays "12.30"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=canonical_json)
    if hasattr(value, "model_dump"):  # a pydantic model
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    raise TypeError(f"cannot record a {type(value).__name__} in the audit log: {value!r}")


def canonical_json(value: Any) -> str:
    """One text for one value: keys sorted, no spaces, non-ASCII as is, ``Decimal`` as a string,
    datetimes in ISO form (aware ones in UTC), sets sorted. NaN and infinity are refused."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=_json_value)


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of :data:`HASHED_FIELDS`; ``at`` may be a datetime or its
    :func:`format_time` text (as in an export)."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    if isinstance(payload["at"], datetime):
        payload["at"] = format_time(payload["at"])
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def record(session: Session, actor: Actor, action: str, *, object_type: str | None = None,
           object_id: str | int | None = None, outcome: str = "ok", before: Any = None, after: Any = None,
           details: Mapping[str, Any] | None = None, now: datetime | None = None) -> AuditEntry:
    """Append one entry inside the caller's transaction: it commits or rolls back with the change it
    records. Returns the entry (flushed; ``id`` and ``hash`` set).

    ``before`` and ``after`` (any JSON-able value: ``Decimal``, datetimes, sets and pydantic models
    are converted) go into ``details`` beside the other keys given there. From this call until the
    transaction ends, other transactions that record wait: call it late in a long transaction.

    Raises ``ValueError`` for an unknown action or outcome, ``TypeError`` for a value that cannot be
    written as JSON, :class:`AuditError` when the anchor row is missing.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}; one of: {', '.join(OUTCOMES)}")
    body = dict(details or {})
    for key, value in (("before", before), ("after", after)):
        if value is not None:
            if key in body:
                raise ValueError(f"{key!r} given both as an argument and in details")
            body[key] = value
    details_text = canonical_json(body) if body else None
    at = utc(now) if now is not None else datetime.now(UTC)

    # The head of the chain is read under a lock that only the end of this transaction releases:
    # on PostgreSQL an advisory lock; on both databases the UPDATE of the anchor row itself, which
    # on SQLite takes the database's write lock before it reads (a no-op UPDATE … RETURNING).
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    head = session.execute(
        update(AuditAnchor).where(AuditAnchor.id == 1)
        .values(entry_count=AuditAnchor.entry_count)
        .returning(AuditAnchor.entry_count, AuditAnchor.last_hash)
        .execution_options(synchronize_session=False)).one_or_none()
    if head is None:
        raise AuditError("审计日志锚点缺失, 无法记录 / the audit anchor is missing: the audit log cannot be "
                         "written (run `jixiao db upgrade`, then `jixiao audit verify`)")
    count, prev_hash = head
    entry = AuditEntry(id=count + 1, at=at, actor=actor.username, user_id=actor.user_id,
                       address=actor.address, action=action, object_type=object_type,
                       object_id=None if object_id is None else str(object_id), outcome=outcome,
                       details=details_text, prev_hash=prev_hash)
    entry.hash = entry_hash(entry.fields())
    session.add(entry)
    session.flush()
    session.execute(update(AuditAnchor).where(AuditAnchor.id == 1)
                    .values(entry_count=entry.id, last_hash=entry.hash)
                    .execution_options(synchronize_session=False))
    return entry
