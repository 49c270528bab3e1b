"""Jixiao's exceptions. Every error a user can cause is one of these; nothing else escapes.

::

    JixiaoError                 base; ``str(err)`` is a one-line message for a person
    ├── ReadError               a file could not be read as a form (file, line, what was expected)
    └── UsageError              a call was malformed (unknown profile, bad option value …)

Library exceptions (UnicodeDecodeError, json, pydantic …) are mapped to these at the
reader edge, so the CLI maps ``JixiaoError`` to exit status 2 and the web to HTTP 4xx.
"""

from __future__ import annotations


class JixiaoError(Exception):
    """Base class: a problem with the input or the call, explained for a person."""


class ReadError(JixiaoError):
    """A file, or one form in it, could not be read.

    ``file`` and ``line`` say where; ``expected`` says what the reader was looking for.
    """

    def __init__(self, file: str | None, expected: str, *, line: int | None = None, found: str | None = None):
        self.file = file
        self.line = line
        self.expected = expected
        self.found = found
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        text = f"expected {self.expected}"
        if self.found is not None:
            text += f", found {self.found}"
        return f"{where}: {text}" if where else text


class UsageError(JixiaoError):
    """The call itself was wrong: an unknown option value, a missing argument."""
