"""API tokens: ``jx_`` + 43 URL-safe random characters, sent as ``Authorization: Bearer jx_…``.

A token is shown once when created; the database keeps its sha256 only. Its scopes
(:data:`jixiao.access.SCOPES`: read, write, import, review) are checked against the user's roles
when it is created and again each time it is used (:func:`jixiao.access.scopes_for`): a token never
allows more than its user's current roles do. Every token expires (the policy's ``token_days`` at
most); deactivating the user revokes its tokens, a password change does not.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from jixiao.access import SCOPES, scopes_for
from jixiao.accounts.errors import AccountError
from jixiao.accounts.models import ApiToken, UserAccount, clock
from jixiao.accounts.policy import SecurityPolicy, load_policy
from jixiao.accounts.sessions import TOUCH_EVERY
from jixiao.accounts.users import actor_columns, actor_for, actor_from_row
from jixiao.roles import Actor
from jixiao.store.models import Organisation

PREFIX = "jx_"
_MAX_TOKEN = 256


def token_hash(token: str) -> str:
    """The stored form of a token (sha256 hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(values: Iterable[str] | str) -> frozenset[str]:
    """Scopes from names, each maybe comma- or space-separated; an unknown one is an :class:`AccountError`."""
    if isinstance(values, str):
        values = [values]
    found = frozenset(part for value in values for part in value.replace(",", " ").split())
    unknown = sorted(found - set(SCOPES))
    if unknown:
        raise AccountError(f"没有令牌权限「{'、'.join(unknown)}」；可选：{'、'.join(SCOPES)}")
    if not found:
        raise AccountError(f"令牌至少要有一个权限：{'、'.join(SCOPES)}")
    return found


class IssuedToken(NamedTuple):
    """A new token: ``token`` is shown to the user once and is nowhere else."""

    id: int
    token: str
    expires_at: datetime


def create_token(session: Session, user: UserAccount, name: str, scopes: Iterable[str] | str, *,
                 expires_at: datetime | None = None, now: datetime | None = None,
                 policy: SecurityPolicy | None = None) -> IssuedToken:
    """A token for ``user`` named ``name`` (what it is for) with ``scopes``, expiring at
    ``expires_at`` (default and longest: the policy's ``token_days`` from now)."""
    now = clock(now)
    policy = policy or load_policy(session)
    if not user.active:
        raise AccountError(f"用户「{user.username}」已停用，不能创建令牌")
    label = name.strip()
    if not label or len(label) > 100:
        raise AccountError("令牌须有一个 1 到 100 字的名称，说明它的用途")
    wanted = parse_scopes(scopes)
    allowed = scopes_for(actor_for(user))
    beyond = sorted(wanted - allowed)
    if beyond:
        raise AccountError(f"用户「{user.username}」的角色不允许令牌权限「{'、'.join(beyond)}」"
                           f"（可授予：{'、'.join(s for s in SCOPES if s in allowed) or '无'}）")
    longest = now + policy.token_lifetime
    expires_at = expires_at or longest
    if expires_at <= now or expires_at > longest:
        raise AccountError(f"令牌的有效期须在现在之后、{policy.token_days} 天以内")
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_hash(raw), user_id=user.id, name=label,
                   scopes=" ".join(s for s in SCOPES if s in wanted), created_at=now, expires_at=expires_at)
    session.add(row)
    session.flush()
    return IssuedToken(row.id, raw, expires_at)


class TokenGrant(NamedTuple):
    """A valid token's actor, its scopes (never beyond the actor's roles) and its id (for the audit log)."""

    actor: Actor
    scopes: frozenset[str]
    token_id: int


@cache
def _token_query() -> Select[Any]:
    """The token with its user's actor columns, built once (it runs on every API request)."""
    return (select(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at,
                   ApiToken.scopes, *actor_columns())
            .join(UserAccount, UserAccount.id == ApiToken.user_id)
            .outerjoin(Organisation, Organisation.id == UserAccount.organisation_id)
            .where(ApiToken.token_hash == bindparam("digest")))


def resolve_token(session: Session, token: str | None, now: datetime | None = None,
                  address: str | None = None) -> TokenGrant | None:
    """What ``token`` allows, or ``None`` when it is unknown, revoked, expired, or its user deactivated."""
    if not token or not token.startswith(PREFIX) or len(token) > _MAX_TOKEN:
        return None
    row = session.execute(_token_query(), {"digest": token_hash(token)}).first()
    if row is None:
        return None
    token_id, revoked_at, expires_at, last_used_at, scopes, _, _, active = row[:8]
    now = clock(now)
    if revoked_at is not None or (expires_at is not None and expires_at <= now) or not active:
        return None
    if last_used_at is None or now - last_used_at >= TOUCH_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    actor = actor_from_row(row, address)
    return TokenGrant(actor, frozenset(scopes.split()) & scopes_for(actor), token_id)


def revoke_token(session: Session, token_id: int, user: UserAccount | None = None,
                 now: datetime | None = None) -> bool:
    """Revoke token ``token_id`` (only if it is ``user``'s, when given); whether it was valid until now."""
    row = session.get(ApiToken, token_id)
    if row is None or (user is not None and row.user_id != user.id) or row.revoked_at is not None:
        return False
    row.revoked_at = clock(now)
    session.flush()
    return True


def list_tokens(session: Session, user: UserAccount | None = None) -> list[ApiToken]:
    """The tokens of ``user`` (or everyone's), newest first, revoked and expired ones included."""
    query = select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))
