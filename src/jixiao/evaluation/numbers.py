"""Rounding and printing the scoring's numbers, in one place.

Scores and rates are computed exactly (``Decimal``, the default context: 28 significant digits) and
rounded once, at the end, to two places *half up* (四舍五入, as the tables are filled in by hand):
``round2(Decimal("7.145")) == Decimal("7.15")``. A total is the rounded sum of the exact scores, not
the sum of the rounded ones, so the rows of a table may add up to a cent more or less than its total.
A number too large to carry two places within the context (beyond 10^25) is left as it is.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

__all__ = ["CENT", "plain", "points", "round2"]

CENT = Decimal("0.01")
_PLAIN_PLACES = Decimal("0.000001")
_ROUNDABLE = 25  # adjusted exponent up to which two places fit in 28 digits


def round2(d: Decimal) -> Decimal:
    """``d`` rounded half up to two places."""
    return d.quantize(CENT, rounding=ROUND_HALF_UP) if d.adjusted() < _ROUNDABLE else d


def points(d: Decimal) -> str:
    """A score, weight or rate as printed: two places (``12.50``, ``95.00``)."""
    if d.adjusted() >= _ROUNDABLE:
        return format(d, "f")
    rounded = d.quantize(CENT, rounding=ROUND_HALF_UP)  # exponent -2: str() never writes an exponent
    return str(rounded) if rounded else "0.00"  # never "-0.00"


@lru_cache(maxsize=8192)
def plain(d: Decimal) -> str:
    """A number as a person writes it: no trailing zeros, no exponent (``3000.00`` → ``3000``,
    ``0.50`` → ``0.5``); at most six decimals (``365/12`` → ``30.416667``). Cached by value (targets
    and weights repeat; equal values print alike)."""
    if not d:
        return "0"
    text = format(d, "f")
    whole, dot, frac = text.partition(".")
    if not dot:
        return text
    if len(frac) > 6 and d.adjusted() < _ROUNDABLE:
        frac = format(d.quantize(_PLAIN_PLACES, rounding=ROUND_HALF_UP), "f").partition(".")[2]
    frac = frac.rstrip("0")
    return f"{whole}.{frac}" if frac else ("0" if whole == "-0" else whole)
