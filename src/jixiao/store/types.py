"""Exact column types.

``Money``: ``NUMERIC(20,2)`` on PostgreSQL, integer fen (分) on SQLite, whose ``NUMERIC`` goes
through a float (``12345678901234567.89`` came back ``…568.00``). Integers keep SQL ``SUM`` and
``ORDER BY`` exact. Both backends accept the same range, ``|value| < 9e16`` yuan, with at most two
decimal places; anything else is refused, never rounded. Python side: ``Decimal``.

``ExactDecimal``: any ``Decimal`` (target values such as ``99.95`` or ``1E+3``), kept as its text.

``UTCDateTime``: an aware datetime, stored as UTC and read back as aware UTC on both databases
(SQLite keeps no time zone); a naive one is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, DateTime, Numeric, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_LIMIT = Decimal("9E16")  # int64 fen on SQLite: 9.22e18 fen
_CENT = Decimal("0.01")


def money_problem(value: Any) -> str | None:
    """Why ``value`` cannot be stored as money, or ``None`` if it can."""
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        return f"money must be a Decimal, not {type(value).__name__}"
    try:
        value = Decimal(value)
    except InvalidOperation:
        return f"not a number: {value!r}"
    if not value.is_finite():
        return f"not a finite amount: {value}"
    # Before any arithmetic: abs() or quantize() of 1E+999999999 overflows the decimal context.
    if value.adjusted() > MONEY_LIMIT.adjusted() or abs(value) >= MONEY_LIMIT:
        return f"amount {value} is out of range (|amount| < {MONEY_LIMIT:f} yuan)"
    if value != value.quantize(_CENT):
        return f"amount {value} has more than two decimal places"
    return None


class Money(TypeDecorator[Decimal]):
    """Yuan as ``Decimal``, exact to the fen on SQLite and PostgreSQL."""

    impl = Numeric(20, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        problem = money_problem(value)
        if problem:
            raise ValueError(problem)
        value = Decimal(value)
        if dialect.name == "sqlite":
            return int(value.scaleb(2))
        return value.quantize(_CENT)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-2)
        return Decimal(value).quantize(_CENT)


def exact_text(value: Any) -> str | None:
    """What :class:`ExactDecimal` stores of ``value``: the exact text of the ``Decimal``."""
    if value is None:
        return None
    if isinstance(value, float):
        raise ValueError("ExactDecimal takes a Decimal, not a float")
    return str(Decimal(value))


class ExactDecimal(TypeDecorator[Decimal]):
    """Any finite ``Decimal``, stored as its exact text on every backend."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return exact_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that always gives back an aware UTC datetime.

    SQLite stores no time zone and returns naive datetimes: values are converted to UTC before they
    are written, so that naive ones read back can be taken as UTC. Naive values are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r} (give it a time zone)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
