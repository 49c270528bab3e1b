"""The account tables (migration 0004), on the store's :class:`~jixiao.store.models.Base`.

::

    user_account (username unique, argon2id hash, organisation_id → organisation, lockout state)
        ├── user_role     (user_id, role code): unique pair
        ├── user_session  (id = sha256 hex of the browser's token; the token itself is never stored)
        └── api_token     (token_hash = sha256 hex of ``jx_…``; scopes, expiry, revocation)
    security_setting      (key → value: the :class:`~jixiao.accounts.policy.SecurityPolicy`)

Users are never deleted (the audit log names them): they are deactivated. Times are
timezone-aware UTC on both databases (:class:`UTCDateTime`: SQLite keeps no time zone).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jixiao.roles import Role
from jixiao.store.models import Base, Organisation
from jixiao.store.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def clock(now: datetime | None) -> datetime:
    """``now``, or the current time when ``None``; a naive datetime is refused (which zone would it be?)."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, not {now!r}")
    return now


class UserAccount(Base):
    """A person who logs in. ``organisation`` is the unit (填报人, 单位审核人) or the department
    (主管部门审核人) the roles act in; finance reviewers and administrators have none."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Consecutive failed logins since the last success or lock; reset to 0 when the account locks.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserRole.role")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


class UserRole(Base):
    """One role of one user (a :class:`jixiao.roles.Role` code)."""

    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_role_user_id_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[UserAccount] = relationship(back_populates="role_rows")


class UserSession(Base):
    """A logged-in browser. ``id`` is the sha256 hex of the cookie's token, so that a copy of the
    database lets nobody act as the user; ``csrf_token`` is compared with what forms send back."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[UserAccount] = relationship()


class ApiToken(Base):
    """A token for the REST API (``Authorization: Bearer jx_…``), shown once when created; only its
    sha256 is kept. ``scopes`` is space-separated (``read write``)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[UserAccount] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class SecuritySetting(Base):
    """One setting of the security policy, by its field name (``min_length`` → ``"12"``)."""

    __tablename__ = "security_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
