"""The review engine: a registry of small rules, each with a permanent code, run over one
declaration at a time. Pure: no I/O, no global state but the registry itself.

A rule is a subclass of :class:`Rule` with class attributes (code, category, severity, message
and hint templates, basis) and a ``check(ctx)`` generator that yields :class:`Hit` objects. The
engine renders a hit's message only when the finding survives select/ignore/suppression.

Writing a rule::

    @register
    class RateInCountUnit(Rule):
        \"\"\"规则说明 …  (the docstring, in fixed sections, is the rule's doc page)\"\"\"
        code = "JX301"
        name = "rate-in-count-unit"
        title = "比率类指标使用了计数单位"
        category = "measurability"
        severity = "error"
        message = "指标「{name}」是比率，但指标值「{target}」的单位是「{unit}」"
        hint = "改用百分比，例如 ≥90.00(%)；或把指标名改为数量"
        basis = "…"

        def check(self, ctx):
            for ind in ctx.indicators:
                if …:
                    yield self.at(ind, unit=ind.target.unit)
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal

from jixiao.model import Declaration, Indicator, Target
from jixiao.targets import base_value
from jixiao.vocabulary import canonical_level1, canonical_level2

Severity = Literal["error", "warning", "info"]
Category = Literal["completeness", "relevance", "appropriateness", "feasibility", "measurability",
                   "consistency", "format"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
CATEGORIES: dict[str, str] = {
    "completeness": "完整性",
    "relevance": "相关性",
    "appropriateness": "适当性",
    "feasibility": "可行性",
    "measurability": "可衡量",
    "consistency": "一致性",
    "format": "规范性",
}
DOC_SECTIONS = ("规则说明", "为什么重要", "示例", "应改为", "依据")
_CODE = re.compile(r"^JX[1-9]\d\d$")


@dataclass(frozen=True, slots=True)
class IndicatorView:
    """An indicator with what rules ask of it worked out once: canonical level keys, base value."""

    index: int  # 1-based position in the declaration's indicator list
    indicator: Indicator
    level1: str | None  # canonical key: 产出, 效益, 满意度, 成本, 投入与管理, 影响力
    level2: str | None  # canonical key: 数量, 质量, 时效, 社会效益, 服务对象满意度 …
    name: str  # the indicator's name, target and target as written, copied for speed
    target: Target
    raw: str

    @property
    def base(self) -> tuple[Any, str] | None:
        """The target's value in base units (``350 万元`` → 3,500,000 元); None if qualitative."""
        return base_value(self.indicator.target)


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a rule fired and the values its message needs."""

    field: str | None
    indicator: IndicatorView | None
    values: dict[str, Any]


class Context:
    """What rules read: the declaration, the profile, and views worked out once per declaration."""

    def __init__(self, declaration: Declaration, profile: Any):
        self.declaration = declaration
        self.profile = profile
        self.thresholds: dict[str, Any] = profile.thresholds
        self.indicators = [
            IndicatorView(i, ind, canonical_level1(ind.level1), canonical_level2(ind.level2), ind.name,
                          ind.target, ind.target_raw)
            for i, ind in enumerate(declaration.indicators, 1)
        ]

    @cached_property
    def level1_keys(self) -> set[str | None]:
        return {v.level1 for v in self.indicators}

    @cached_property
    def level2_keys(self) -> set[str | None]:
        return {v.level2 for v in self.indicators}

    @cached_property
    def texts(self) -> list[tuple[str, str]]:
        """Every free text of the declaration as (field, text): goal first, then the 2020 blocks."""
        d = self.declaration
        pairs = [("goal", d.goal), *((f"texts.{k}", v) for k, v in d.texts)]
        return [(k, v) for k, v in pairs if v]


class Rule:
    """Base class of every review rule; see the module docstring."""

    code: ClassVar[str]
    name: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    message: ClassVar[str]
    hint: ClassVar[str]
    basis: ClassVar[str | None] = None
    profiles: ClassVar[frozenset[str] | None] = None  # the profiles it runs under; None = all

    def check(self, ctx: Context) -> Iterable[Hit]:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    # helpers for check()
    def at(self, indicator: IndicatorView, **values: Any) -> Hit:
        """A hit on an indicator; ``name`` and ``target`` are filled in for the templates."""
        values.setdefault("name", indicator.name)
        values.setdefault("target", indicator.raw)
        return Hit(None, indicator, values)

    def on(self, field: str | None, **values: Any) -> Hit:
        """A hit on a field of the declaration (``funds.total``, ``goal``), or on the whole of it."""
        return Hit(field, None, values)

    @classmethod
    def doc(cls) -> dict[str, str]:
        """The docstring's sections: 规则说明, 为什么重要, 示例, 应改为, 依据."""
        return parse_doc(inspect.getdoc(cls) or "")


def parse_doc(text: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        head = line.strip().rstrip("：:")
        if head in DOC_SECTIONS:
            current = head
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {k: textwrap.dedent("\n".join(v)).strip() for k, v in sections.items()}


RULES: dict[str, Rule] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule to the registry. Codes are permanent and never reused."""
    if not _CODE.match(cls.code):
        raise ValueError(f"{cls.__name__}: code {cls.code!r} is not JXnnn")
    if cls.code in RULES:
        raise ValueError(f"{cls.__name__}: code {cls.code} is taken by {type(RULES[cls.code]).__name__}")
    if cls.category not in CATEGORIES or cls.severity not in SEVERITIES:
        raise ValueError(f"{cls.code}: unknown category or severity")
    RULES[cls.code] = cls()
    return cls


@dataclass(slots=True)
class RawFinding:
    """A hit of a rule, before its message is rendered."""

    rule: Rule
    severity: Severity
    hit: Hit
    suppressed: str | None = None  # the reason, when suppressed

    def render(self, template: str) -> str:
        try:
            return template.format_map(_Values(self.hit.values))
        except (ValueError, IndexError):  # a brace in a value must not break the report
            return template


class _Values(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def run_rules(ctx: Context, rules: Iterable[Rule], severity: dict[str, Severity]) -> Iterator[RawFinding]:
    """Every hit of ``rules`` on the declaration in ``ctx``, in rule order."""
    for rule in rules:
        level = severity.get(rule.code, rule.severity)
        for hit in rule.check(ctx):
            yield RawFinding(rule, level, hit)


@dataclass
class Selection:
    """Which rules run: ``select`` and ``ignore`` take codes (JX301), prefixes (JX3) or categories."""

    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)

    @staticmethod
    def _matches(rule: Rule, token: str) -> bool:
        token = token.strip()
        return token == "ALL" or rule.code.startswith(token.upper()) or token == rule.category

    def rules(self, profile_name: str, disabled: Iterable[str] = ()) -> list[Rule]:
        off = set(disabled)
        return [
            r for code, r in sorted(RULES.items())
            if code not in off
            and (r.profiles is None or profile_name in r.profiles)
            and any(self._matches(r, t) for t in self.select)
            and not any(self._matches(r, t) for t in self.ignore)
        ]
