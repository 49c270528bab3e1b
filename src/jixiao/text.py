"""Cleaning extracted text: markup left in cells, hard-wrapped lines, stray white space.

Pure string functions shared by every reader.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"\s+")
_MD_RULE = re.compile(r"^[\s|:\-]*-{2,}[\s|:\-]*$")


def strip_markup(text: str) -> str:
    """Remove HTML tags (``<p>``, ``<ol style=…>``, ``<br/>``) and decode entities (``&nbsp;``)."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def clean(text: str) -> str:
    """Markup removed, runs of white space folded to one space, ends stripped."""
    text = strip_markup(text)
    if " " in text or not text.isprintable():
        text = _SPACE.sub(" ", text)
    return text.strip()


def join_wrapped(lines: Iterable[str]) -> str:
    """Join hard-wrapped lines of one block of Chinese text into one string.

    Lines are joined with nothing between them (a wrap in Chinese text falls inside a word:
    ``红十字专业`` + ``业务培训``, ``〔201`` + ``6〕``); blank lines are skipped; the result is
    :func:`clean`-ed, so spaces written inside a line stay as one space.
    """
    if isinstance(lines, list) and len(lines) == 1:  # the common case: one cell
        return clean(lines[0])
    return clean("".join(line.strip() for line in lines if line.strip()))


def is_markdown_rule(line: str) -> bool:
    """A table rule such as ``--\\t-------\\t----`` or ``|---|---|`` left by a converter."""
    return bool(_MD_RULE.match(line))


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal columns, ending in ``…`` when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 1
    for ch in text:
        used += display_width(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


def yuan(amount: Decimal | None, missing: str = "-") -> str:
    """An amount for people: ``1400400`` → ``1,400,400.00``; ``missing`` when there is none."""
    return missing if amount is None else f"{amount:,.2f}"


def money_json(amount: Decimal | None) -> str | None:
    """An amount for JSON: exact digits with two decimals (``"1400400.00"``), never a float."""
    return None if amount is None else f"{amount:.2f}"


def has_nul(value: object) -> bool:
    """Whether a NUL character is in ``value`` or anything it holds (dict keys and values, lists).

    PostgreSQL text cannot hold one, no form has one, and JSON can carry it (``\\u0000``): input is
    checked for it where it comes in, so that it is refused by name rather than by the database."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False
