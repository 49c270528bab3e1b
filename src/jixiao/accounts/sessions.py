"""Logging in and browser sessions.

A login is :func:`authenticate` then :func:`start_session`; the browser keeps the raw token (an
HttpOnly cookie) and the database only its sha256 (:func:`session_id`). Each request calls
:func:`resolve_session_info` (or :func:`resolve_session` for the actor alone)::

    with factory() as db:
        try:
            user = authenticate(db, username, password, address=ip)
        except LoginFailed as err:
            db.commit()          # keep the failure count: without it there is no lockout
            raise                # show str(err), always 用户名或密码错误
        issued = start_session(db, user, address=ip)
        db.commit()

Lockout, the safe way round: while an account is locked, :func:`authenticate` does not look at the
password at all (it spends the time of one verification, like for an unknown user) and fails with
the same message as a wrong password. Saying "locked until 10:15" would tell anyone that the
username exists; saying it only when the password is right would turn the lock into an oracle that
confirms a guessed password. The lock's end is on the :class:`LoginFailed` for the audit log, and
an administrator can lift it (:func:`jixiao.accounts.users.unlock`). Failures while locked do not
extend the lock (a stranger cannot keep someone out for ever by guessing).

A session ends when it is idle longer than the policy's ``session_idle_minutes``, when it is older
than ``session_max_hours``, at logout, when the user's password or roles change, or when the user is
deactivated. ``last_seen_at`` is written at most once a minute, not on every request. Pass the
``policy`` to :func:`resolve_session_info` to save the query that reads it on each request.

Start a new session at every login and end the one the browser had (session fixation); a password
change ends every session of the user, the one it was made in too, so start a new one after it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from jixiao.accounts.errors import AccountError, LoginFailed
from jixiao.accounts.models import UserAccount, UserSession, clock
from jixiao.accounts.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from jixiao.accounts.policy import SecurityPolicy, load_policy
from jixiao.accounts.users import actor_columns, actor_from_row, find_user, record_failed_login
from jixiao.roles import Actor
from jixiao.store.models import Organisation

TOUCH_EVERY = timedelta(minutes=1)
_MAX_TOKEN = 256  # longer is no token of ours: not even hashed


def authenticate(session: Session, username: str, password: str, address: str | None = None,
                 now: datetime | None = None, policy: SecurityPolicy | None = None) -> UserAccount:
    """The user whose ``username`` and ``password`` these are, or :class:`LoginFailed` with one
    message for every reason (unknown user, wrong password, locked, deactivated).

    A wrong password counts towards the lockout; reaching ``max_failed_logins`` locks the account
    for ``lockout_minutes``. Success resets the count and rehashes a password hashed with older
    parameters. Writes are flushed, not committed: commit also when :class:`LoginFailed` is raised.
    ``address`` (the client's) goes on the :class:`LoginFailed`, for the audit log.
    """
    now = clock(now)
    policy = policy or load_policy(session)
    user = find_user(session, username)
    if user is None or not user.active or user.locked_at(now):
        dummy_verify(password)
        if user is None:
            raise LoginFailed("unknown_user", username, address=address)
        if not user.active:
            raise LoginFailed("inactive", user.username, address=address)
        raise LoginFailed("locked", user.username, user.locked_until, address)
    if not verify_password(user.password_hash, password):
        locked_until = record_failed_login(session, user, now, policy)
        raise LoginFailed("bad_password", user.username, locked_until, address)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user


def session_id(token: str) -> str:
    """The stored id of a browser's session token (sha256 hex): safe to log, unlike the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedSession:
    """What the browser gets at login: ``token`` for the cookie, ``csrf_token`` for forms."""

    token: str
    csrf_token: str

    @property
    def id(self) -> str:
        return session_id(self.token)


def start_session(session: Session, user: UserAccount, address: str | None = None,
                  now: datetime | None = None) -> IssuedSession:
    """A new session for ``user`` (after :func:`authenticate`); the token is returned, never stored."""
    if not user.active:
        raise AccountError(f"用户「{user.username}」已停用")
    now = clock(now)
    issued = IssuedSession(token=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32))
    session.add(UserSession(id=issued.id, user_id=user.id, csrf_token=issued.csrf_token, created_at=now,
                            last_seen_at=now, address=address))
    session.flush()
    return issued


@dataclass(frozen=True)
class ActiveSession:
    """A session that is still valid: who acts, the token forms must send back, when it ends if idle."""

    actor: Actor
    csrf_token: str
    session_id: str
    expires_at: datetime

    def csrf_matches(self, submitted: str | None) -> bool:
        """Whether a form's CSRF field is this session's (compared in constant time)."""
        return submitted is not None and hmac.compare_digest(submitted.encode(), self.csrf_token.encode())


@cache
def _session_query() -> Select[Any]:
    """The session with its user's actor columns, built once: building it took most of the time."""
    return (select(UserSession.csrf_token, UserSession.created_at, UserSession.last_seen_at,
                   UserSession.revoked_at, UserSession.address, *actor_columns())
            .join(UserAccount, UserAccount.id == UserSession.user_id)
            .outerjoin(Organisation, Organisation.id == UserAccount.organisation_id)
            .where(UserSession.id == bindparam("ident")))


def resolve_session_info(session: Session, token: str | None, now: datetime | None = None,
                         address: str | None = None,
                         policy: SecurityPolicy | None = None) -> ActiveSession | None:
    """The session of ``token``, or ``None`` when it is unknown, ended, idle too long, too old or
    its user deactivated (the last three end it here). ``address`` is the request's, for the actor;
    without it the address of the login is used. One query (this runs on every request)."""
    if not token or len(token) > _MAX_TOKEN:
        return None
    ident = session_id(token)
    row = session.execute(_session_query(), {"ident": ident}).first()
    if row is None:
        return None
    csrf_token, created_at, last_seen_at, revoked_at, login_address, _, _, active = row[:8]
    if revoked_at is not None:
        return None
    now = clock(now)
    policy = policy or load_policy(session)
    if now - last_seen_at > policy.session_idle or now - created_at > policy.session_max or not active:
        session.execute(update(UserSession).where(UserSession.id == ident).values(revoked_at=now))
        return None
    if now - last_seen_at >= TOUCH_EVERY:
        last_seen_at = now
        session.execute(update(UserSession).where(UserSession.id == ident).values(last_seen_at=now))
    expires_at = min(last_seen_at + policy.session_idle, created_at + policy.session_max)
    return ActiveSession(actor=actor_from_row(row, address or login_address), csrf_token=csrf_token,
                         session_id=ident, expires_at=expires_at)


def resolve_session(session: Session, token: str | None, now: datetime | None = None,
                    address: str | None = None, policy: SecurityPolicy | None = None) -> Actor | None:
    """The :class:`~jixiao.roles.Actor` of a valid session token, else ``None`` (see
    :func:`resolve_session_info`)."""
    active = resolve_session_info(session, token, now, address, policy)
    return active.actor if active else None


def end_session(session: Session, token: str | None, now: datetime | None = None) -> bool:
    """Log out: end the session of ``token``; whether there was an open one."""
    if not token or len(token) > _MAX_TOKEN:
        return False
    row = session.get(UserSession, session_id(token))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock(now)
    session.flush()
    return True
