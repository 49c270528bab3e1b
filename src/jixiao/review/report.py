"""What a review returns: findings located on a field or an indicator, a score and a grade."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from jixiao.review.engine import Category, Severity


class IndicatorRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    index: int  # 1-based position in the declaration's indicator list
    name: str


class Finding(BaseModel):
    """One defect: where, what is wrong with the actual values, how to fix it, what rule it rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    category: Category
    severity: Severity
    field: str | None = None
    indicator: IndicatorRef | None = None
    message: str
    hint: str
    basis: str | None = None


class Suppressed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    finding: Finding
    reason: str


class ScoreItem(BaseModel):
    """What one rule's findings cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    severity: Severity
    count: int
    points: float


class Report(BaseModel):
    """The review of one declaration."""

    model_config = ConfigDict(extra="forbid")
    name: str | None
    profile: str
    score: float
    grade: str
    outcome: str  # 通过 / 修改 / 不通过
    findings: list[Finding]
    breakdown: list[ScoreItem]
    suppressed: list[Suppressed] = []

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)
