"""Actuals: what a unit reports against its targets in one reporting period, apart from the targets.

A declaration's targets are fixed once approved; what is reported against them comes later and more
than once: the monitoring rounds during the year (1–6月, 1–7月 …, 绩效运行监控) and the year end
(绩效自评). :class:`Actuals` is one such report as data, the rows of the actuals table that the web
page, the API and the XLSX template share:

- money: 全年预算数 (``budget``, when adjusted; unset: the declared total), 执行数 (``executed``),
  全年预计执行数 (``forecast``);
- per indicator, by its 1-based ``index`` in the declaration (and its ``name``, checked): 实际完成值
  (``actual_raw``, the target grammar), 分值 (``weight``), 是否适用 (``applicable``), 完成目标可能性
  (``likelihood``), 偏差原因 class and text (``deviation_cause``, ``deviation_reason``), 改进措施
  (``measures``), 全年预计完成情况 (``forecast_raw``);
- the goal's actual completion (``goal_result``) and the level weights (``weights``).

:func:`apply_actuals` lays a report over a declaration, giving the declaration with its actuals that
:func:`jixiao.evaluation.evaluate` and :func:`jixiao.monitoring.monitor` take; :func:`actuals_of` is the
inverse (a Jixiao JSON file that carries actuals → its report). Pure functions, no I/O.

:class:`Period` names a reporting period: ``M1`` … ``M11`` for a monitoring round on January to that
month's figures (``M7`` is 1–7月), ``final`` for the year-end self-evaluation.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jixiao.errors import JixiaoError
from jixiao.model import Declaration, DeviationCause, Likelihood, Weights
from jixiao.store.types import MONEY_LIMIT
from jixiao.targets import parse_actual
from jixiao.validation import json_path, message

__all__ = ["Actuals", "ActualsError", "FundsActual", "IndicatorActual", "Period", "actuals_of",
           "apply_actuals", "read_actuals", "rebase"]

#: The per-indicator fields an actuals row carries, in the order of the actuals table.
INDICATOR_FIELDS = ("actual_raw", "forecast_raw", "weight", "applicable", "likelihood", "deviation_cause",
                    "deviation_reason", "measures")


class ActualsError(JixiaoError):
    """Actuals that do not fit their declaration or are not well formed; the message names the row
    or field and what was expected."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """An empty cell or form field is no value."""
        return None if isinstance(value, str) and not value.strip() else value


def _money(description: str) -> Any:
    """Yuan, exact to the fen, as the store keeps money."""
    return Field(default=None, ge=0, lt=MONEY_LIMIT, decimal_places=2, description=description)


class FundsActual(_Row):
    """The money of one report, in yuan (at most two decimal places)."""

    budget: Decimal | None = _money("全年预算数; unset: the declared total")
    executed: Decimal | None = _money("执行数 to date (全年执行数 at year end)")
    forecast: Decimal | None = _money("全年预计执行数 (monitoring)")


class IndicatorActual(_Row):
    """One indicator's row: the 1-based ``index`` of the indicator in the declaration, its name (to
    check that the row is the one meant) and what is reported."""

    index: int = Field(ge=1)
    name: str | None = None
    actual_raw: str | None = None
    forecast_raw: str | None = None
    weight: Decimal | None = Field(default=None, ge=0)
    applicable: bool = True
    likelihood: Likelihood | None = None
    deviation_cause: DeviationCause | None = None
    deviation_reason: str | None = None
    measures: str | None = None

    @field_validator("applicable", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        """是/否 as written in a table; an empty cell applies."""
        if value is None:
            return True
        if isinstance(value, str):
            text = value.strip()
            if text in ("是", "适用", ""):
                return True
            if text in ("否", "不适用"):
                return False
        return value

    @property
    def is_empty(self) -> bool:
        reported = (getattr(self, f) for f in INDICATOR_FIELDS if f != "applicable")
        return self.applicable and all(value is None for value in reported)


class Actuals(_Row):
    """One report's actuals (see the module docstring)."""

    funds: FundsActual = Field(default_factory=FundsActual)
    goal_result: str | None = None
    weights: Weights | None = None
    indicators: list[IndicatorActual] = Field(default_factory=list)

    @field_validator("indicators")
    @classmethod
    def _one_row_per_indicator(cls, rows: list[IndicatorActual]) -> list[IndicatorActual]:
        seen: set[int] = set()
        for row in rows:
            if row.index in seen:
                raise ValueError(f"指标 {row.index} 出现了两次（每个指标只能有一行）")
            seen.add(row.index)
        return sorted(rows, key=lambda r: r.index)


def read_actuals(data: Any, *, source: str = "actuals") -> Actuals:
    """``data`` (parsed JSON, a form's values …) as :class:`Actuals`, or :class:`ActualsError` naming
    each field that is wrong and what it should be."""
    try:
        return Actuals.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{json_path(e['loc']) or '(整体)'}: {message(e)}"
                             for e in error.errors(include_url=False))
        raise ActualsError(f"{source}: {problems}") from None


def _indicator_name(declaration: Declaration, index: int) -> str:
    return declaration.indicators[index - 1].name


def apply_actuals(declaration: Declaration, actuals: Actuals) -> Declaration:
    """A copy of ``declaration`` carrying ``actuals`` (any actuals it had are replaced).

    Each row goes to the indicator at its ``index``; a row whose index is beyond the declaration, or
    whose ``name`` is not that indicator's, is an :class:`ActualsError` naming the row.
    """
    count = len(declaration.indicators)
    for row in actuals.indicators:
        if row.index > count:
            raise ActualsError(f"指标 {row.index}: 本申报只有 {count} 个三级指标")
        if row.name is not None and row.name != _indicator_name(declaration, row.index):
            raise ActualsError(f"指标 {row.index}: 名称为“{row.name}”，但申报的第 {row.index} 个指标是"
                               f"“{_indicator_name(declaration, row.index)}”")
    rows = {row.index: row for row in actuals.indicators}
    indicators = []
    for number, indicator in enumerate(declaration.indicators, start=1):
        row = rows.get(number)
        fields: dict[str, Any] = {f: None for f in INDICATOR_FIELDS}
        fields["applicable"] = True
        fields["actual"] = None
        if row is not None:
            fields.update({f: getattr(row, f) for f in INDICATOR_FIELDS})
            if row.actual_raw is not None:
                fields["actual"] = parse_actual(row.actual_raw)
        indicators.append(indicator.model_copy(update=fields))
    funds = declaration.funds.model_copy(update=actuals.funds.model_dump())
    return declaration.model_copy(update={"indicators": indicators, "funds": funds,
                                          "weights": actuals.weights, "goal_result": actuals.goal_result})


def actuals_of(declaration: Declaration) -> Actuals:
    """The actuals a declaration carries (a Jixiao JSON file with the self-evaluation fields), as one
    report: a row for each indicator with anything reported."""
    rows = []
    for number, indicator in enumerate(declaration.indicators, start=1):
        row = IndicatorActual(index=number, name=indicator.name,
                              **{f: getattr(indicator, f) for f in INDICATOR_FIELDS})
        if not row.is_empty:
            rows.append(row)
    funds = declaration.funds
    return Actuals(funds=FundsActual(budget=funds.budget, executed=funds.executed, forecast=funds.forecast),
                   goal_result=declaration.goal_result, weights=declaration.weights, indicators=rows)


def _key(declaration: Declaration, index: int) -> tuple[str | None, str | None, str]:
    indicator = declaration.indicators[index - 1]
    return indicator.level1, indicator.level2, indicator.name


def rebase(actuals: Actuals, old: Declaration, new: Declaration) -> tuple[Actuals, list[str]]:
    """``actuals`` entered against ``old`` moved onto ``new`` (a later version of the declaration):
    each row follows its indicator by level 1, level 2 and name. Rows whose indicator is gone are
    dropped and named in the returned list."""
    where = {}
    for number in range(1, len(new.indicators) + 1):
        where.setdefault(_key(new, number), number)
    moved, dropped = [], []
    for row in actuals.indicators:
        if row.index > len(old.indicators):
            dropped.append(f"指标 {row.index}")
            continue
        number = where.get(_key(old, row.index))
        if number is None:
            dropped.append(f"指标 {row.index}（{_indicator_name(old, row.index)}）")
            continue
        moved.append(row.model_copy(update={"index": number, "name": _indicator_name(new, number)}))
    return actuals.model_copy(update={"indicators": moved}), dropped


_PERIOD = re.compile(r"^M(?P<month>[1-9]|1[01])$", re.IGNORECASE)
_PERIOD_WORDS = re.compile(r"^1\s*[-–—~至到]\s*(?P<month>[1-9]|1[01])\s*月?$")


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a monitoring round through ``month`` (1–11), or the year end (``month`` 12)."""

    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """``M7``, ``1-7月``, ``1–7`` → the 1–7月 round; ``final``, ``全年``, ``自评`` → the year end."""
        cleaned = text.strip()
        if cleaned.casefold() in ("全年", "年度", "自评", "年终", "final"):
            return cls(12)
        match = _PERIOD.match(cleaned) or _PERIOD_WORDS.match(cleaned)
        if match is None:
            raise ActualsError(f"报告期“{text}”无法识别：应为 M1 … M11（1–N月的监控）或 final（年度自评），"
                               "如 M7、1-7月、final")
        return cls(int(match.group("month")))

    @property
    def code(self) -> str:
        return "final" if self.is_final else f"M{self.month}"

    @property
    def is_final(self) -> bool:
        return self.month == 12

    @property
    def kind(self) -> str:
        return "self_evaluation" if self.is_final else "monitoring"

    @property
    def label(self) -> str:
        return "年度自评" if self.is_final else f"1–{self.month}月监控"

    @property
    def months(self) -> str:
        """The column heading of the figures: ``1–7月``, ``全年``."""
        return "全年" if self.is_final else f"1–{self.month}月"

    def as_of(self, year: int | None) -> date:
        """The last day of the period in ``year`` (this year when the declaration names none)."""
        y = year if year is not None else date.today().year
        return date(y, self.month, calendar.monthrange(y, self.month)[1])

    def __str__(self) -> str:
        return self.code
