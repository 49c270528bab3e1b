"""A declaration with its actuals → its self-evaluation (:class:`Evaluation`): pure, no I/O.

1. Weights (:mod:`jixiao.evaluation.weights`): the parts' and each indicator's.
2. Scores (:mod:`jixiao.evaluation.scoring`): the budget execution rate and each applicable indicator.
3. The total: the sum of the exact scores of the budget and of the applicable indicators, over the
   weight they could have earned, × 100. While every indicator applies and the weights add up to 100
   this is the plain sum; an inapplicable indicator (``applicable: false``) or a part without
   indicators takes its weight out, and the rest is rescaled to 100 (``rescaled``). Rounded half up
   to two places once, at the end; the grade is read off the rounded total (优 ≥ 90, 良 ≥ 80,
   中 ≥ 60, 差).
4. When the budget or an applicable indicator with weight cannot be scored (a missing actual, units
   that cannot be reconciled …), there is no total and no grade (``unscored``): a figure is flagged,
   never scored wrongly.
5. Explanations: a missed target, or one beaten by ``over_achievement`` % or more, needs both a
   deviation reason (``deviation_reason``) and a measure (``measures``); without them,
   ``explanation-missing``. :attr:`Evaluation.can_submit` is false while any error flag remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from jixiao.evaluation.config import (
    GROUPS,
    PART_LABELS,
    EvaluationConfig,
    Settings,
    load_settings,
    settings_profile,
)
from jixiao.evaluation.flags import Flag, flag
from jixiao.evaluation.numbers import plain, points, round2
from jixiao.evaluation.scoring import Formula, Scored, Status, score_budget, score_indicator
from jixiao.evaluation.weights import assign
from jixiao.model import Declaration, Indicator

__all__ = ["Evaluation", "Evaluator", "IndicatorScore", "PartScore", "evaluate"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
# Weights split evenly (50 ÷ 7) add up to their part only within the 28 digits of the context;
# weight sums are taken to 18 places, so seven sevenths of 50 are 50 again.
_SUM_PLACES = Decimal("1e-18")
_NOT_APPLICABLE = Scored(None, Formula("not-applicable"), flags=(flag("not-applicable"),))
_EXPLAIN = frozenset(("missed", "over"))


class IndicatorScore(NamedTuple):
    """One indicator's row of the self-evaluation table."""

    index: int  # 1-based, as the review and the pages count
    indicator: Indicator
    group: str | None  # output, benefit, satisfaction; None: in no part
    weight: Decimal  # exact
    weight_label: str | None  # how formulas print the weight when not as the number: (50 ÷ 7)
    scored: Scored

    @property
    def weight_text(self) -> str:
        """The weight as formulas print it: ``12.5``, ``(50 ÷ 7)``."""
        return self.weight_label if self.weight_label is not None else plain(self.weight)

    @property
    def score(self) -> Decimal | None:
        """The exact score; ``None`` when not applicable or not scorable."""
        return self.scored.score

    @property
    def status(self) -> Status | None:
        return self.scored.status

    @property
    def flags(self) -> tuple[Flag, ...]:
        return self.scored.flags

    @property
    def formula(self) -> str:
        return self.scored.formula.text

    @property
    def applicable(self) -> bool:
        return self.indicator.applicable

    @property
    def explanation_required(self) -> bool:
        return self.scored.status in ("missed", "over")


class PartScore(NamedTuple):
    """A part's line: its weight, the weight of its applicable indicators, and their exact score."""

    part: str
    weight: Decimal
    applicable_weight: Decimal
    score: Decimal | None

    @property
    def label(self) -> str:
        return PART_LABELS[self.part]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A declaration's self-evaluation: scores exact; :attr:`total` and the JSON rounded."""

    declaration: Declaration
    profile: str
    budget_weight: Decimal
    budget: Scored
    indicators: tuple[IndicatorScore, ...]
    parts: tuple[PartScore, ...]
    applicable_weight: Decimal
    score: Decimal | None  # exact; None when something could not be scored
    grade: str | None
    flags: tuple[Flag, ...]  # the project's own; each indicator has its own

    @property
    def total(self) -> Decimal | None:
        """The total score as reported: rounded half up to two places."""
        return round2(self.score) if self.score is not None else None

    @property
    def budget_score(self) -> Decimal | None:
        return self.budget.score

    @property
    def budget_formula(self) -> str:
        return self.budget.formula.text

    @property
    def formula(self) -> str:
        """The total, with the numbers: ``9.50 + 48.21 + 27.50 + 10.00 = 95.21``; rescaled,
        ``(9.50 + 44.00 + 27.50 + 10.00) ÷ 95 × 100 = 95.79``."""
        terms = [self.budget_score] if self.budget_weight else []
        terms += [p.score for p in self.parts if p.applicable_weight]
        if self.score is None:
            return "无法计算总分"
        text = " + ".join(points(t) for t in terms if t is not None) or "0"
        if self.applicable_weight != _HUNDRED:
            text = f"({text}) ÷ {plain(self.applicable_weight)} × 100"
        return f"{text} = {points(self.score)}"

    def all_flags(self) -> list[tuple[IndicatorScore | None, Flag]]:
        """Every flag with the indicator it is about (``None``: the project or its budget)."""
        out: list[tuple[IndicatorScore | None, Flag]] = [(None, f) for f in (*self.budget.flags, *self.flags)]
        out += [(row, f) for row in self.indicators for f in row.flags]
        return out

    @property
    def can_submit(self) -> bool:
        """No error flag: every part scored and every deviation explained."""
        return not any(f.severity == "error" for _, f in self.all_flags())


class Evaluator:
    """Evaluates many declarations with one configuration (each profile's settings loaded once)."""

    def __init__(self, config: EvaluationConfig | None = None):
        self.config = config
        self._settings: dict[str, Settings] = {}

    def settings(self, declaration: Declaration) -> Settings:
        name = settings_profile(declaration.layout, self.config)
        found = self._settings.get(name)
        if found is None:
            found = self._settings[name] = load_settings(name, self.config)
        return found

    def evaluate(self, declaration: Declaration) -> Evaluation:
        return evaluate(declaration, self.settings(declaration))


def evaluate(declaration: Declaration, settings: Settings | None = None) -> Evaluation:
    """Score ``declaration`` (with its actuals) under ``settings`` (default: by its layout)."""
    if settings is None:
        settings = load_settings(settings_profile(declaration.layout))
    assigned = assign(declaration, settings)
    budget_weight = assigned.parts["budget"]
    budget = score_budget(declaration.funds, budget_weight, settings)
    rows: list[IndicatorScore] = []
    # One pass: each part's applicable weights and exact score (None once one of its rows is unscored).
    part_weights: dict[str | None, list[Decimal]] = {g: [] for g in GROUPS}
    part_scores: dict[str | None, Decimal | None] = dict.fromkeys(GROUPS, _ZERO)
    applicable = [budget_weight]
    earned = budget.score or _ZERO
    unscored = int(budget.score is None)
    for i, (ind, group, w, label) in enumerate(zip(declaration.indicators, assigned.groups, assigned.weights,
                                                   assigned.texts, strict=True)):
        if not ind.applicable:
            scored = _NOT_APPLICABLE
        else:
            scored = score_indicator(ind, w, label, settings)
            if scored.status in _EXPLAIN and (missing := _missing_explanation(ind)):
                scored = Scored(scored.score, scored.formula, scored.status, scored.ratio,
                                (*scored.flags, flag("explanation-missing", missing=missing)))
            applicable.append(w)
            score = scored.score
            if group is not None:
                part_weights[group].append(w)
            if score is None:
                unscored += w > 0
                part_scores[group] = None
            else:
                earned += score
                if group is not None and (total := part_scores[group]) is not None:
                    part_scores[group] = total + score
        if group is None and ind.weight is None:
            scored = scored._replace(flags=(flag("no-group", level1=ind.level1 or "（空）"), *scored.flags))
        rows.append(IndicatorScore(i + 1, ind, group, w, label, scored))
    parts = tuple(PartScore(g, assigned.parts[g], _weight_sum(part_weights[g]), part_scores[g])
                  for g in GROUPS)
    possible = _weight_sum(applicable)
    flags = list(assigned.flags)
    total: Decimal | None = None
    if unscored:
        flags.append(flag("unscored", count=unscored))
    elif possible <= 0:
        flags.append(flag("no-weight"))
    elif possible == _HUNDRED:
        total = earned
    else:
        total = earned / possible * _HUNDRED
        flags.append(flag("rescaled", weight=plain(possible)))
    grade = settings.grade(round2(total)) if total is not None else None
    return Evaluation(declaration, settings.profile, budget_weight, budget, tuple(rows), parts, possible,
                      total, grade, tuple(flags))


def _weight_sum(weights: list[Decimal]) -> Decimal:
    if not weights:
        return _ZERO
    total = sum(weights, _ZERO)
    return total.quantize(_SUM_PLACES).normalize() if total.adjusted() < 9 else total


def _missing_explanation(ind: Indicator) -> str | None:
    """What of the explanation a deviation needs is missing (``None``: both are there)."""
    has_reason = bool(ind.deviation_reason) and not ind.deviation_reason.isspace()  # type: ignore[union-attr]
    has_measures = bool(ind.measures) and not ind.measures.isspace()  # type: ignore[union-attr]
    if has_reason and has_measures:
        return None
    if not has_reason and not has_measures:
        return "偏差原因分析和改进措施"
    return "改进措施" if has_reason else "偏差原因分析"
