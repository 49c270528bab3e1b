"""Accounts, logging in and API tokens of a level-3 (等保2.0 三级) system.

- :mod:`~jixiao.accounts.models`: the tables (migration 0004).
- :mod:`~jixiao.accounts.policy`: the security policy (password rules, lockout, timeouts).
- :mod:`~jixiao.accounts.passwords`: argon2id hashes, password checks, generated passwords.
- :mod:`~jixiao.accounts.users`: users, roles and organisations, the first three administrators.
- :mod:`~jixiao.accounts.sessions`: logging in (lockout) and browser sessions (idle timeout).
- :mod:`~jixiao.accounts.tokens`: API tokens with scopes.
- :mod:`~jixiao.accounts.cli`: ``jixiao user …``.

Who may do what is :mod:`jixiao.access`. Functions take a SQLAlchemy session and flush; the caller
commits. Times are aware UTC datetimes; ``now`` can be passed to every function that looks at the
clock (tests never sleep).

The names below are imported on first use (``from jixiao.accounts import authenticate`` works), so
that ``jixiao parse`` does not load SQLAlchemy and argon2 for the ``jixiao user`` commands it has.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "errors": ["AccountError", "LoginFailed", "PasswordRejected"],
    "models": ["ApiToken", "SecuritySetting", "UserAccount", "UserRole", "UserSession"],
    "passwords": ["check_password", "generate_password", "hash_password", "verify_password"],
    "policy": ["SecurityPolicy", "load_policy", "save_policy"],
    "sessions": ["ActiveSession", "IssuedSession", "authenticate", "end_session", "resolve_session",
                 "resolve_session_info", "start_session"],
    "tokens": ["IssuedToken", "TokenGrant", "create_token", "list_tokens", "resolve_token", "revoke_token"],
    "users": ["NewAccount", "actor_for", "bootstrap_admins", "change_password", "create_user", "deactivate",
              "find_organisation", "find_user", "get_user", "list_users", "password_expired", "reactivate",
              "revoke_sessions", "set_password", "set_roles", "unlock"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from jixiao.accounts.errors import AccountError, LoginFailed, PasswordRejected
    from jixiao.accounts.models import ApiToken, SecuritySetting, UserAccount, UserRole, UserSession
    from jixiao.accounts.passwords import check_password, generate_password, hash_password, verify_password
    from jixiao.accounts.policy import SecurityPolicy, load_policy, save_policy
    from jixiao.accounts.sessions import (
        ActiveSession,
        IssuedSession,
        authenticate,
        end_session,
        resolve_session,
        resolve_session_info,
        start_session,
    )
    from jixiao.accounts.tokens import (
        IssuedToken,
        TokenGrant,
        create_token,
        list_tokens,
        resolve_token,
        revoke_token,
    )
    from jixiao.accounts.users import (
        NewAccount,
        actor_for,
        bootstrap_admins,
        change_password,
        create_user,
        deactivate,
        find_organisation,
        find_user,
        get_user,
        list_users,
        password_expired,
        reactivate,
        revoke_sessions,
        set_password,
        set_roles,
        unlock,
    )

__all__ = [
    "AccountError",
    "ActiveSession",
    "ApiToken",
    "IssuedSession",
    "IssuedToken",
    "LoginFailed",
    "NewAccount",
    "PasswordRejected",
    "SecurityPolicy",
    "SecuritySetting",
    "TokenGrant",
    "UserAccount",
    "UserRole",
    "UserSession",
    "actor_for",
    "authenticate",
    "bootstrap_admins",
    "change_password",
    "check_password",
    "create_token",
    "create_user",
    "deactivate",
    "end_session",
    "find_organisation",
    "find_user",
    "generate_password",
    "get_user",
    "hash_password",
    "list_tokens",
    "list_users",
    "load_policy",
    "password_expired",
    "reactivate",
    "resolve_session",
    "resolve_session_info",
    "resolve_token",
    "revoke_sessions",
    "revoke_token",
    "save_policy",
    "set_password",
    "set_roles",
    "start_session",
    "unlock",
    "verify_password",
]
