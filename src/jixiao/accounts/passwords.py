"""Password hashing (argon2id), the password rules, and strong generated passwords.

Hashes are argon2-cffi's ``PasswordHasher`` with ``Type.ID`` and its default cost (RFC 9106's
low-memory profile: 64 MiB, 3 passes, measured about 0.25 s on this kind of machine). The encoded
hash carries its own parameters, so raising the cost later only needs :func:`needs_rehash` at the
next login. Tests may replace :data:`HASHER` with a cheaper one.
"""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from jixiao.accounts.policy import SecurityPolicy

HASHER = PasswordHasher(type=Type.ID)
MAX_LENGTH = 128  # longer is refused: nobody types more, and hashing megabytes is a cheap attack

_dummy: dict[int, str] = {}


def hash_password(password: str) -> str:
    """The argon2id hash (``$argon2id$v=19$m=…``) of ``password``, with a fresh salt."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; ``False`` also for a malformed hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than :data:`HASHER`'s (then hash again)."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def dummy_verify(password: str) -> None:
    """Spend the time of one verification, for an unknown user, so that the answer's delay does
    not tell which usernames exist."""
    key = id(HASHER)
    if key not in _dummy:
        _dummy[key] = HASHER.hash(secrets.token_urlsafe(16))
    verify_password(_dummy[key], password)


CLASSES = ("大写字母", "小写字母", "数字", "符号")


def character_classes(password: str) -> set[str]:
    """Which of :data:`CLASSES` ``password`` uses; any character that is not a letter with a case
    or a digit (punctuation, a Chinese character) counts as a 符号."""
    found = set()
    for char in password:
        if char.isupper():
            found.add("大写字母")
        elif char.islower():
            found.add("小写字母")
        elif char.isdigit():
            found.add("数字")
        elif not char.isspace():
            found.add("符号")
    return found


def check_password(password: str, policy: SecurityPolicy, username: str | None = None) -> list[str]:
    """What is wrong with ``password`` under ``policy``, one Chinese sentence each; empty when it is
    acceptable. The username may not appear in it (letter case ignored)."""
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"密码至少要 {policy.min_length} 个字符，现在只有 {len(password)} 个")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码不能超过 {MAX_LENGTH} 个字符")
    classes = character_classes(password)
    if len(classes) < policy.min_classes:
        problems.append(f"密码要包含大写字母、小写字母、数字、符号中的至少 {policy.min_classes} 类，"
                        f"现在只有 {len(classes)} 类")
    if username and username.casefold() in password.casefold():
        problems.append("密码不能包含用户名")
    if any(not char.isprintable() for char in password):
        problems.append("密码不能包含控制字符")
    return problems


# No look-alikes (0/O, 1/l/I) and no characters a shell or a form would treat specially.
_UPPER = "".join(c for c in string.ascii_uppercase if c not in "IO")
_LOWER = "".join(c for c in string.ascii_lowercase if c not in "l")
_DIGITS = "23456789"
_SYMBOLS = "-_.+=@%^"


def generate_password(policy: SecurityPolicy | None = None, username: str | None = None,
                      length: int = 20) -> str:
    """A random password (``secrets``) with all four character classes, ``length`` long or the
    policy's minimum if that is longer, that :func:`check_password` accepts."""
    policy = policy or SecurityPolicy()
    length = min(max(length, policy.min_length, 4), MAX_LENGTH)
    rng = secrets.SystemRandom()
    everything = _UPPER + _LOWER + _DIGITS + _SYMBOLS
    while True:
        chars = [rng.choice(group) for group in (_UPPER, _LOWER, _DIGITS, _SYMBOLS)]
        chars += [rng.choice(everything) for _ in range(length - len(chars))]
        rng.shuffle(chars)
        password = "".join(chars)
        if not check_password(password, policy, username):
            return password
