"""The expected progress at a date (序时进度): how far, in % of the year's target, a project should be.

=========  ========================================================================================
rule       expected progress at ``as_of`` in the year ``Y``
=========  ========================================================================================
``time``   days from 1 January to ``as_of``, both included, ÷ days in ``Y`` × 100:
           2024-07-31 → 213 ÷ 366 = 58.20 %; 12-31 → 100 %; before ``Y`` 0 %, after ``Y`` 100 %
``plan``   the budget execution plan: the cumulative % at the end of the previous month plus this
           month's share in proportion to its days elapsed (plan 50 → 58.33: 07-16 → 50 + 8.33 × 16 ÷ 31)
``flat``   the same number at any date (``flat``, default 60)
=========  ========================================================================================

The year is the declaration's (``year``), else the as-of date's.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from jixiao.evaluation.numbers import plain, points
from jixiao.monitoring.config import MonitorSettings

__all__ = ["Expected", "expected_progress"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class Expected(NamedTuple):
    """The expected progress in % (exact) and how it was found, in Chinese with the numbers."""

    percent: Decimal
    text: str


def expected_progress(as_of: date, year: int | None, settings: MonitorSettings) -> Expected:
    """The expected progress at ``as_of`` of a project of ``year`` (see the module docstring)."""
    year = year or as_of.year
    if settings.progress == "flat":
        return Expected(settings.flat, f"序时进度按固定值 {plain(settings.flat)}%")
    if as_of.year < year:
        return Expected(_ZERO, f"{as_of.isoformat()} 早于 {year} 年，序时进度 0%")
    if as_of.year > year:
        return Expected(_HUNDRED, f"{as_of.isoformat()} 已过 {year} 年，序时进度 100%")
    if settings.progress == "plan":
        return _plan(as_of, settings.plan)
    elapsed = as_of.timetuple().tm_yday
    days = 366 if calendar.isleap(year) else 365
    percent = Decimal(elapsed) / Decimal(days) * _HUNDRED
    return Expected(percent, f"序时进度 {elapsed} ÷ {days} = {points(percent)}%")


def _plan(as_of: date, plan: tuple[Decimal, ...]) -> Expected:
    month = as_of.month
    before = plan[month - 2] if month > 1 else _ZERO
    days = calendar.monthrange(as_of.year, month)[1]
    step = plan[month - 1] - before
    percent = before + step * Decimal(as_of.day) / Decimal(days)
    text = (f"预算执行计划：{month - 1} 月末 {plain(before)}% + {month} 月 {plain(step)}%"
            f" × {as_of.day} ÷ {days} = {points(percent)}%")
    return Expected(percent, text)
