"""The review (绩效目标审核): ``review(declaration) -> Report``, pure, no I/O.

Rules live in :mod:`jixiao.review.rules` (one module per family), each a small unit with a
permanent code; :mod:`jixiao.review.engine` runs the registry; :mod:`jixiao.review.profiles`
holds the thresholds (``profiles.toml``) and the user's configuration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cached_property

from jixiao.model import Declaration
from jixiao.review import rules as _rules  # noqa: F401 - registers every rule
from jixiao.review.engine import CATEGORIES, RULES, Context, RawFinding, Rule, Selection, run_rules
from jixiao.review.profiles import Profile, ReviewConfig, load_config, load_profile, profile_for
from jixiao.review.report import Finding, IndicatorRef, Report, ScoreItem, Suppressed

__all__ = ["CATEGORIES", "RULES", "Finding", "Report", "ReviewConfig", "Reviewer", "Rule", "load_config",
           "review"]


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
        name = profile or profile_for(declaration.layout, self.config)
        prof, rules = self._profile(name)
        ctx = Context(declaration, prof)
        findings: list[Finding] = []
        suppressed: list[Suppressed] = []
        for raw in run_rules(ctx, rules, prof.severity):  # type: ignore[arg-type]
            finding = _finding(raw)
            reason = self._suppressed(declaration, finding)
            if reason is None:
                findings.append(finding)
            else:
                suppressed.append(Suppressed(finding=finding, reason=reason))
        score, breakdown = _score(findings, prof)
        grade = next(g for g in prof.grades if score >= g.minimum)
        return Report(name=declaration.name, profile=name, score=score, grade=grade.name,
                      outcome=grade.outcome, findings=findings, breakdown=breakdown, suppressed=suppressed)

    def _suppressed(self, declaration: Declaration, finding: Finding) -> str | None:
        for s in self.config.suppress:
            if not finding.code.startswith(s.code):
                continue
            if s.project is not None and s.project != declaration.name:
                continue
            if s.indicator is not None:
                ref = finding.indicator
                if ref is None or s.indicator not in (ref.index, ref.name):
                    continue
            return s.reason
        return None


def _finding(raw: RawFinding) -> Finding:
    rule, hit = raw.rule, raw.hit
    ref = IndicatorRef(index=hit.indicator.index, name=hit.indicator.name) if hit.indicator else None
    field = hit.field
    if field is None and hit.indicator is not None:
        field = f"indicators[{hit.indicator.index}]"
    return Finding(code=rule.code, category=rule.category, severity=raw.severity, field=field,
                   indicator=ref, message=raw.render(rule.message), hint=raw.render(rule.hint),
                   basis=rule.basis)


def _score(findings: list[Finding], profile: Profile) -> tuple[float, list[ScoreItem]]:
    """100 less each finding's penalty by severity, one rule costing at most ``max_per_rule``."""
    counts: Counter[tuple[str, str]] = Counter((f.code, f.severity) for f in findings)
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
