"""The declaration model: one performance-target declaration (绩效目标申报表) as exact data.

Every field holds what the form says, under the label it says it, with nothing derived.
Money is ``Decimal`` yuan; absent fields are ``None``. The JSON projection used by
``jixiao parse --json`` lives in :mod:`jixiao.jsonformat`.

The self-evaluation (绩效自评) adds what a unit reports after the year: per indicator the actual value
(``actual_raw`` and ``actual``, read with the target grammar), its weight, whether it applies and the
explanation of a deviation; per project the money spent (``funds.executed``) and the level weights
(``weights``). The monitoring during the year (绩效运行监控) reads the same fields as figures to date
and adds per indicator ``likelihood`` (完成目标可能性) and ``deviation_cause`` (the class of the
偏差原因; its text is ``deviation_reason``). These fields are left out of the JSON while unset, so a
declaration without them has the same JSON (and the same stored content hash) as before they existed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Op = Literal["=", "≥", "≤", ">", "<"]
Layout = Literal["shanghai-2024", "shanghai-2020", "unknown"]
#: 完成目标可能性 and 偏差原因 of the monitoring form (绩效运行监控, 财预〔2019〕136号 annex [K]).
Likelihood = Literal["确定能", "有可能", "完全不可能"]
DeviationCause = Literal["经费", "制度", "人员", "硬件", "其他"]
LIKELIHOODS: tuple[str, ...] = get_args(Likelihood)
DEVIATION_CAUSES: tuple[str, ...] = get_args(DeviationCause)
#: The column of each 偏差原因 class on the monitoring form (财预〔2019〕136号): 经费保障 …
CAUSE_TITLES: dict[str, str] = {"经费": "经费保障", "制度": "制度保障", "人员": "人员保障",
                                "硬件": "硬件条件保障", "其他": "其他"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False)


def _is_none(value: object) -> bool:
    return value is None


def _is_true(value: object) -> bool:
    return value is True


def _unset(**kwargs: object) -> object:
    """A self-evaluation field: ``None`` by default and left out of the JSON while it is."""
    return Field(default=None, exclude_if=_is_none, **kwargs)  # type: ignore[call-overload]


class Target(_Model):
    """A parsed target value (指标值).

    Quantitative: ``op`` + ``value`` (+ ``unit``), number and unit as written
    (``>350万元`` is 350 with unit ``万元``). A range such as ``80%-90%`` is ``op="≥"``,
    ``value=80``, ``upper=90``. Qualitative: ``text`` only (``正常运行``, ``做到0投诉``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Op | None = None
    value: Decimal | None = None
    unit: str | None = None
    text: str | None = None
    upper: Decimal | None = None

    @property
    def is_quantitative(self) -> bool:
        return self.value is not None


class Indicator(_Model):
    """A level-3 indicator (三级指标) with the level-1 and level-2 groups it sits in."""

    level1: str | None = None
    level2: str | None = None
    name: str
    target_raw: str
    target: Target
    # Self-evaluation (绩效自评); see docs/evaluation.md. Left out of the JSON while unset.
    actual_raw: str | None = _unset(description="实际完成值 as written")
    actual: Target | None = _unset(description="actual_raw read with the target grammar (jixiao.targets)")
    weight: Decimal | None = _unset(ge=0, description="分值; unset: the level's weight split evenly")
    applicable: bool = Field(default=True, exclude_if=_is_true, description="false: 不适用, dropped")
    deviation_reason: str | None = _unset(description="偏差原因分析")
    measures: str | None = _unset(description="改进措施")
    # Monitoring (绩效运行监控); see docs/monitoring.md. Left out of the JSON while unset.
    likelihood: Likelihood | None = _unset(description="完成目标可能性: 确定能 / 有可能 / 完全不可能")
    deviation_cause: DeviationCause | None = _unset(
        description="偏差原因 class: 经费 / 制度 / 人员 / 硬件 / 其他 (the text goes in deviation_reason)")
    forecast_raw: str | None = _unset(description="全年预计完成情况 as written (monitoring)")
    line: int | None = Field(default=None, exclude=True, description="source line of the row, 1-based")

    @model_validator(mode="after")
    def _read_actual(self) -> Indicator:
        """``actual`` from ``actual_raw`` when only the raw text is given (as ``target`` is read)."""
        if self.actual is None and self.actual_raw is not None:
            from jixiao.targets import parse_actual  # jixiao.targets imports this module

            self.actual = parse_actual(self.actual_raw)
        return self


class Funds(_Model):
    """项目资金, in yuan, as the form states it."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    current_year: Decimal | None = None
    carryover: Decimal | None = None
    other: Decimal | None = None
    previous_year_budget: Decimal | None = None
    previous_year_spent: Decimal | None = None
    executed: Decimal | None = _unset(
        description="执行数: for the year (self-evaluation) or to date (monitoring)")
    budget: Decimal | None = _unset(
        description="全年预算数 when the budget was adjusted during the year; unset: the declared total")
    forecast: Decimal | None = _unset(description="全年预计执行数 (monitoring)")

    @property
    def year_budget(self) -> Decimal | None:
        """全年预算数: ``budget`` when given, else the declared ``total``, else ``current_year``."""
        for amount in (self.budget, self.total, self.current_year):
            if amount is not None:
                return amount
        return None


class Weights(_Model):
    """分值 of the self-evaluation's level-1 parts; ``None``: the profile's default (10/50/30/10)."""

    budget: Decimal | None = Field(default=None, ge=0)
    output: Decimal | None = Field(default=None, ge=0)
    benefit: Decimal | None = Field(default=None, ge=0)
    satisfaction: Decimal | None = Field(default=None, ge=0)


class Texts(_Model):
    """Narrative blocks of the 2020 form (and 项目总目标 of the 2024 form)."""

    overview: str | None = None
    basis: str | None = None
    necessity: str | None = None
    safeguards: str | None = None
    plan: str | None = None
    total_goal: str | None = None


class ReadWarning(_Model):
    """Something the reader had to guess about, with where it was."""

    file: str | None = None
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        return f"{where}: {self.message}" if where else self.message


class UnitRow(BaseModel):
    """One indicator row of a self-evaluation table as the unit filled it in: which indicator (1-based
    ``index`` or ``name``), and its 分值 and 得分."""

    model_config = ConfigDict(extra="forbid")
    index: int | None = None
    name: str | None = None
    weight: Decimal | None = None
    score: Decimal | None = None


class UnitTable(BaseModel):
    """The unit's own figures in its self-evaluation table (any may be left out): execution rate in %,
    the scores, the total, the grade; ``jixiao check`` recomputes them (:mod:`jixiao.evaluation.check`)."""

    model_config = ConfigDict(extra="forbid")
    budget_rate: Decimal | None = None
    budget_score: Decimal | None = None
    indicators: list[UnitRow] = []
    total: Decimal | None = None
    grade: str | None = None


class Declaration(_Model):
    """One project's performance-target declaration."""

    name: str | None = None
    year: int | None = None
    department: str | None = None
    unit: str | None = None
    nature: str | None = None
    category: str | None = None
    performance_type: str | None = None
    government_purchase: bool | None = None
    start: date | None = None
    end: date | None = None
    funds: Funds = Field(default_factory=Funds)
    goal: str | None = None
    texts: Texts = Field(default_factory=Texts)
    indicators: list[Indicator] = Field(default_factory=list)
    layout: Layout = "unknown"
    weights: Weights | None = _unset(description="self-evaluation weights of this declaration")
    goal_result: str | None = _unset(description="总体目标实际完成情况 (self-evaluation)")
    unit_scores: UnitTable | None = _unset(
        description="the unit's own figures, as read from its filled-in self-evaluation table")
    # Where it came from; kept out of the JSON projection (see jixiao.jsonformat).
    source: str | None = Field(default=None, exclude=True)
    line: int | None = Field(default=None, exclude=True)
    warnings: list[ReadWarning] = Field(default_factory=list, exclude=True)
