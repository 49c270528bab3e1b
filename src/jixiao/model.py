"""The declaration model: one performance-target declaration (绩效目标申报表) as exact data.

Every field holds what the form says, under the label it says it, with nothing derived.
Money is ``Decimal`` yuan; absent fields are ``None``. The JSON projection used by
``jixiao parse --json`` lives in :mod:`jixiao.jsonformat`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Op = Literal["=", "≥", "≤", ">", "<"]
Layout = Literal["shanghai-2024", "shanghai-2020", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False)


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
    line: int | None = Field(default=None, exclude=True, description="source line of the row, 1-based")


class Funds(_Model):
    """项目资金, in yuan, as the form states it."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    current_year: Decimal | None = None
    carryover: Decimal | None = None
    other: Decimal | None = None
    previous_year_budget: Decimal | None = None
    previous_year_spent: Decimal | None = None


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
    # Where it came from; kept out of the JSON projection (see jixiao.jsonformat).
    source: str | None = Field(default=None, exclude=True)
    line: int | None = Field(default=None, exclude=True)
    warnings: list[ReadWarning] = Field(default_factory=list, exclude=True)
