"""Reconciling the unit of an actual value with the unit of its target, or saying it cannot be done.

An actual is compared with its target in the *target's* unit, so a formula reads in the unit the
declaration promised (``315 ÷ 350 × 10`` for 350 万元, whatever unit the actual was written in).

=================================  ==========================================================================
units                              how
=================================  ==========================================================================
the same (``份`` / ``份``)           as written
scale prefixes                     ``万 亿 百万 千万`` before any unit, and ``千元``:
                                   ``3150000元`` → ``315万元``, ``11.2万`` → ``112000``
                                   (through :func:`jixiao.targets.base_value`)
``%`` and ``‰``                    ``5‰`` → ``0.5%``
rates ``X/period``                 ``次/周``, ``次/月``, ``次/年`` … through the days of each period
                                   (:attr:`Settings.periods`: 月 = 365/12 days, 周 = 7 …): 13 次/月 → 3 次/周
durations                          ``分钟 小时 天 日 周 月 个月 季度 年`` (the same table): 36 个月 → 3 年
the actual has no unit             the target's unit is assumed (flag ``unit-assumed``), except when that
                                   would guess a scale (target ``11万``: is ``112000`` 11.2 万 or 112000 万?)
                                   or a percentage written as a fraction (target ``95%``, actual ``0.97``):
                                   ``unit-ambiguous``, not scored
the target has no unit             the actual's unit is taken (``unit-assumed``), or its scale removed
                                   (target ``5000``, actual ``0.6万`` → ``6000``)
anything else                      ``unit-mismatch``, not scored (``人次`` is not ``次``, ``个`` not ``个区``)
=================================  ==========================================================================

Nothing here rounds: conversions are exact where the factors are (万, ‰) and carry the default
28 significant digits where they are not (a month is 365/12 days).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from jixiao.evaluation.flags import Flag, flag
from jixiao.evaluation.numbers import plain
from jixiao.model import Target
from jixiao.targets import base_value

__all__ = ["Conversion", "conversion", "normal_unit"]

_ONE = Decimal(1)
Periods = tuple[tuple[str, Decimal], ...]


class Conversion(NamedTuple):
    """How to read an actual in the target's unit: multiply by ``factor``. ``converted`` when the units
    differ and were converted (the scorer flags ``unit-converted`` with the numbers); ``flag`` says that
    a unit was assumed (``unit-assumed``) or, with ``factor`` None, why it cannot be done."""

    factor: Decimal | None
    flag: Flag | None = None
    converted: bool = False


@lru_cache(maxsize=1024)
def normal_unit(unit: str | None) -> str:
    """A unit as compared: NFKC-folded, no spaces, ``None`` → ``""``."""
    if not unit:
        return ""
    return "".join(unicodedata.normalize("NFKC", unit).split())


def conversion(target: Target, actual: Target, periods: Periods) -> Conversion:
    """The factor that turns ``actual.value`` into the unit of ``target`` (see the module docstring).

    Both must be quantitative; ``periods`` is ``(name, days)`` pairs (:attr:`Settings.period_table`).
    Cached by the two units and the periods.
    """
    t_unit, a_unit = normal_unit(target.unit), normal_unit(actual.unit)
    if t_unit == a_unit:
        return Conversion(_ONE)
    if not a_unit:
        return _unitless_actual(target, actual, t_unit)
    return _convert(t_unit, a_unit, periods)


def _unitless_actual(target: Target, actual: Target, t_unit: str) -> Conversion:
    scale, _ = _measure(t_unit, ())
    percent_as_fraction = (t_unit == "%" and actual.value is not None and target.value is not None
                           and 0 < actual.value <= 1 < target.value)
    if scale != 1 or percent_as_fraction:
        return Conversion(None, flag("unit-ambiguous", actual=plain(actual.value), target=t_unit))  # type: ignore[arg-type]
    return Conversion(_ONE, flag("unit-assumed", which="实际完成值", unit=t_unit))


@lru_cache(maxsize=1024)
def _convert(t_unit: str, a_unit: str, periods: Periods) -> Conversion:
    t_scale, t_dim = _measure(t_unit, periods)
    a_scale, a_dim = _measure(a_unit, periods)
    if t_dim == a_dim:
        return Conversion(a_scale / t_scale, converted=True)
    if not t_unit:  # the target gave no unit: take the actual's
        return Conversion(_ONE, flag("unit-assumed", which="指标值", unit=a_unit))
    return Conversion(None, flag("unit-mismatch", target=t_unit, actual=a_unit))


def _measure(unit: str, periods: Periods) -> tuple[Decimal, str]:
    """``(scale, dimension)``: the unit is ``scale`` of the dimension's base (``万元`` → 10000 of ``元``;
    ``次/月`` → 12/365 of ``次/天``; ``小时`` → 1/24 of ``天``)."""
    scale, base = base_value(Target(value=_ONE, unit=unit))  # type: ignore[misc]
    days = dict(periods)
    head, slash, per = base.partition("/")
    if slash and per in days:
        return scale / days[per], f"{head}/天"
    if base in days:
        return scale * days[base], "天"
    return scale, base


