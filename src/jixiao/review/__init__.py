"""The review (绩效目标审核): ``review(declaration) -> Report``, pure, no I/O.

Rules live in :mod:`jixiao.review.rules` (one module per family), each a small unit with a
permanent code; :mod:`jixiao.review.engine` runs the registry; :mod:`jixiao.review.profiles`
holds the thresholds (``profiles.toml``) and the user's configuration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cached_property
from typing import NamedTuple

from jixiao.model import Declaration
from jixiao.review import rules as _rules  # noqa: F401 - registers every rule
from jixiao.review.engine import CATEGORIES, RULES, Context, RawFinding, Rule, Selection, run_rules
from jixiao.review.profiles import Profile, ReviewConfig, load_config, load_profile, profile_for
from jixiao.review.report import Finding, IndicatorRef, Report, ScoreItem, Suppressed

__all__ = ["CATEGORIES", "RULES", "Finding", "Report", "ReviewConfig", "Reviewer", "Rule", "Summary",
           "load_config", "review", "summary"]


class Reviewer:
    """Reviews many declarations with one configuration (profiles and rule lists worked out once)."""

    def __init__(self, config: ReviewConfig | None = None):
        self.config = config or ReviewConfig()
        self._profiles: dict[str, tuple[Profile, list[Rule]]] = {}

    @cached_property
    def selection(self) -> Selection:
        return Selection(self.config.select, self.config.ignore)

    def _profile(self, name: str) -> tuple[Profile, list[Rule]]:
        if name not in self._profiles:
            profile = load_profile(name, self.config)
            self._profiles[name] = (profile, self.selection.rules(name))
        return self._profiles[name]

    def review(self, declaration: Declaration, profile: str | None = None) -> Report:
        name, prof, kept, suppressed = self._run(declaration, profile)
        findings = [_finding(raw) for raw in kept]
        score, breakdown = _score([(raw.rule.code, raw.severity) for raw in kept], prof)
        grade = next(g for g in prof.grades if score >= g.minimum)
        return Report(name=declaration.name, profile=name, score=score, grade=grade.name,
                      outcome=grade.outcome, findings=findings, breakdown=breakdown,
                      suppressed=[Suppressed(finding=_finding(raw), reason=reason)
                                  for raw, reason in suppressed])

    def summary(self, declaration: Declaration, profile: str | None = None) -> Summary:
        """What :meth:`review` gives, but only the profile, score, grade and each finding's code,
        severity and indicator: what the store keeps, without rendering any message."""
        name, prof, kept, _ = self._run(declaration, profile)
        score, _ = _score([(raw.rule.code, raw.severity) for raw in kept], prof)
        grade = next(g for g in prof.grades if score >= g.minimum)
        return Summary(name, score, grade.name, [
            (raw.rule.code, raw.severity, raw.hit.indicator.index if raw.hit.indicator else None)
            for raw in kept])

    def _run(self, declaration: Declaration, profile: str | None
             ) -> tuple[str, Profile, list[RawFinding], list[tuple[RawFinding, str]]]:
        """The profile, the findings kept and those suppressed (with the reason)."""
        name = profile or profile_for(declaration.layout, self.config)
        prof, rules = self._profile(name)
        kept: list[RawFinding] = []
        suppressed: list[tuple[RawFinding, str]] = []
        for raw in run_rules(Context(declaration, prof), rules, prof.severity):  # type: ignore[arg-type]
            reason = self._suppressed(declaration, raw) if self.config.suppress else None
            if reason is None:
                kept.append(raw)
            else:
                suppressed.append((raw, reason))
        return name, prof, kept, suppressed

    def _suppressed(self, declaration: Declaration, raw: RawFinding) -> str | None:
        for s in self.config.suppress:
            if not raw.rule.code.startswith(s.code):
                continue
            if s.project is not None and s.project != declaration.name:
                continue
            if s.indicator is not None:
                ref = raw.hit.indicator
                if ref is None or s.indicator not in (ref.index, ref.name):
                    continue
            return s.reason
        return None


class Summary(NamedTuple):
    """A review in brief (:meth:`Reviewer.summary`): findings as (code, severity, indicator index)."""

    profile: str
    score: float
    grade: str
    findings: list[tuple[str, str, int | None]]


def _finding(raw: RawFinding) -> Finding:
    rule, hit = raw.rule, raw.hit
    ref = IndicatorRef(index=hit.indicator.index, name=hit.indicator.name) if hit.indicator else None
    field = hit.field
    if field is None and hit.indicator is not None:
        field = f"indicators[{hit.indicator.index}]"
    return Finding(code=rule.code, category=rule.category, severity=raw.severity, field=field,
                   indicator=ref, message=raw.render(rule.message), hint=raw.render(rule.hint),
                   basis=rule.basis)


def _score(findings: list[tuple[str, str]], profile: Profile) -> tuple[float, list[ScoreItem]]:
    """100 less each finding's penalty by severity, one rule costing at most ``max_per_rule``."""
    counts: Counter[tuple[str, str]] = Counter(findings)
    per_rule: dict[str, float] = defaultdict(float)
    items = []
    for (code, severity), count in sorted(counts.items()):
        points = min(count * profile.penalty[severity], profile.max_per_rule - per_rule[code])
        per_rule[code] += points
        items.append(ScoreItem(code=code, severity=severity, count=count,  # type: ignore[arg-type]
                               points=points))
    return max(0.0, 100.0 - sum(per_rule.values())), items


_default = Reviewer()


def review(declaration: Declaration, profile: str | None = None,
           config: ReviewConfig | None = None) -> Report:
    """Review one declaration under ``profile`` (default: chosen by its layout)."""
    reviewer = _default if config is None else Reviewer(config)
    return reviewer.review(declaration, profile)


def summary(declaration: Declaration, profile: str | None = None) -> Summary:
    """:meth:`Reviewer.summary` with the default configuration (its profiles worked out once)."""
    return _default.summary(declaration, profile)
