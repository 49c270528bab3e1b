"""The security policy: password rules, lockout, session timeouts, API token lifetime.

Kept in ``security_setting`` (one row per field, by field name; a missing row is the default) and
changed by the 安全管理员 (:func:`jixiao.access.can_manage_roles_and_policy`). Every field is an
integer with a Chinese label and a range :meth:`SecurityPolicy.problems` checks; there is no
"off" for lockout or timeouts (a level-3 system needs both).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jixiao.accounts.errors import AccountError
from jixiao.accounts.models import SecuritySetting


@dataclass(frozen=True)
class SecurityPolicy:
    min_length: int = 12
    min_classes: int = 3  # of: upper case, lower case, digits, other characters (符号)
    max_failed_logins: int = 5  # consecutive failures that lock the account
    lockout_minutes: int = 15
    session_idle_minutes: int = 30
    session_max_hours: int = 12  # a session ends this long after login, however busy
    token_days: int = 90  # an API token's lifetime unless a shorter one is asked for
    password_max_days: int = 0  # 0: passwords do not expire

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_max(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(days=self.token_days)

    def problems(self) -> list[str]:
        """What is out of range, one Chinese sentence each (empty when the policy is valid)."""
        found = []
        for name, value in asdict(self).items():
            low, high = POLICY_RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                found.append(f"{POLICY_LABELS[name]}（{name}）须是 {low} 到 {high} 之间的整数，"
                             f"不能是 {value!r}")
        return found

    def with_values(self, values: dict[str, str]) -> SecurityPolicy:
        """A copy with ``values`` (field name → integer text) applied; unknown names and non-integers
        are an :class:`AccountError` naming the fields there are."""
        changes: dict[str, int] = {}
        for name, text in values.items():
            if name not in POLICY_LABELS:
                raise AccountError(f"没有安全策略设置「{name}」；可设置：{'、'.join(POLICY_LABELS)}")
            try:
                changes[name] = int(text.strip())
            except ValueError:
                raise AccountError(f"{POLICY_LABELS[name]}（{name}）须是整数，不能是「{text}」") from None
        return replace(self, **changes)


POLICY_LABELS: dict[str, str] = {
    "min_length": "密码最短长度",
    "min_classes": "密码至少包含的字符类别数",
    "max_failed_logins": "连续登录失败锁定次数",
    "lockout_minutes": "锁定时长（分钟）",
    "session_idle_minutes": "会话空闲超时（分钟）",
    "session_max_hours": "会话最长时间（小时）",
    "token_days": "API 令牌有效期（天）",
    "password_max_days": "密码有效期（天，0 为不过期）",
}

POLICY_RANGES: dict[str, tuple[int, int]] = {
    "min_length": (8, 128),
    "min_classes": (1, 4),
    "max_failed_logins": (1, 100),
    "lockout_minutes": (1, 24 * 60),
    "session_idle_minutes": (1, 24 * 60),
    "session_max_hours": (1, 7 * 24),
    "token_days": (1, 3650),
    "password_max_days": (0, 3650),
}

assert set(POLICY_LABELS) == set(POLICY_RANGES) == {f.name for f in fields(SecurityPolicy)}


def load_policy(session: Session) -> SecurityPolicy:
    """The stored policy: the defaults with what ``security_setting`` changes.

    A stored value that is not valid (written by hand) is an :class:`AccountError`, not ignored:
    falling back to a default could weaken what the security administrator set.
    """
    stored = {row.key: row.value for row in session.scalars(select(SecuritySetting))}
    policy = SecurityPolicy().with_values({k: v for k, v in stored.items() if k in POLICY_LABELS})
    problems = policy.problems()
    if problems:
        raise AccountError("保存的安全策略无效：" + "；".join(problems))
    return policy


def save_policy(session: Session, policy: SecurityPolicy) -> None:
    """Store ``policy`` (refused, with every problem named, when a value is out of range)."""
    problems = policy.problems()
    if problems:
        raise AccountError("安全策略无效：" + "；".join(problems))
    session.execute(delete(SecuritySetting))
    session.add_all(SecuritySetting(key=name, value=str(value)) for name, value in asdict(policy).items())
    session.flush()
