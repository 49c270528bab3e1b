"""The errors of accounts and logging in, part of the :class:`jixiao.errors.JixiaoError` tree.

::

    JixiaoError
    └── AccountError            an account operation was refused (bad role for the organisation,
        │                       unknown user or organisation, bad policy value …); Chinese message
        ├── PasswordRejected    the password breaks the security policy (``problems``: one line each)
        └── LoginFailed         always ``用户名或密码错误``, whatever the reason (``reason`` says it,
                                for the audit log only, never for the person logging in)
"""

from __future__ import annotations

from datetime import datetime

from jixiao.errors import JixiaoError


class AccountError(JixiaoError):
    """An account operation was refused; ``str(err)`` explains it in Chinese."""


class PasswordRejected(AccountError):
    """The password breaks the security policy; ``problems`` lists each broken rule."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("密码不符合安全策略：" + "；".join(problems))


LOGIN_FAILED = "用户名或密码错误"


class LoginFailed(AccountError):
    """Logging in failed. The message is the same for every reason, so that nobody can learn which
    usernames exist or which accounts are locked from it.

    ``reason`` (``unknown_user``, ``bad_password``, ``locked``, ``inactive``), ``username`` and
    ``address`` are for the audit log; ``locked_until`` is set when this attempt found or caused a lock.
    """

    def __init__(self, reason: str, username: str, locked_until: datetime | None = None,
                 address: str | None = None):
        self.reason = reason
        self.username = username
        self.locked_until = locked_until
        self.address = address
        super().__init__(LOGIN_FAILED)
