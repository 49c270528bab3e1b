"""Numbers in goal texts (年度总体目标 / 项目总目标) and the indicators they speak of.

Rules JX401 (a goal number disagrees with its indicator) and JX402 (a quantified goal
commitment no indicator measures) read a goal the same way:

1. The goal is cut into *items* at ``；;。``, line breaks and list numbers (``1.`` ``2、``), and
   each item into *clauses* at ``，,：:``.
2. A *mention* is a number with a unit in a clause, with an optional comparison word before it
   (不少于 至少 不低于 超过 达 ＞ …) or after it (以上 以下 以内): ``培训人数不少于200人``,
   ``满意率达80%以上``, ``超过210万人`` (``万`` multiplies: 2100000 人). Ordinals, years and
   per-unit rates are not mentions: ``第十次``, ``2023年``, ``120周年``, ``每次3人``.
3. A mention's *context* is its item up to and including its clause (``…救护员培训，培训人数
   不少于200人``: the subject of a short clause is often named in the clause before it).
4. A *candidate* is an indicator with a compatible unit: the same base unit after
   :func:`jixiao.targets.base_value`; 人/人次/人份/名 count people alike; 个/项 are the generic
   counters; a target with no unit (``>11万``) fits any count, but not % or money.
5. A candidate's *score* is the share of its name's character bigrams found in the context,
   each bigram weighted by 1/(how many of the declaration's indicator names contain it): words
   every name shares (红十字, 培训, 人数) count for little, the words that set an indicator apart
   count for much. A candidate *speaks of* the mention when its score reaches
   ``goal_match_similarity`` (profiles.toml) and half the best candidate's score.
6. A mention is *measured* when a candidate speaks of it, or when a candidate states the same
   number and shares (unweighted) at least half the threshold of its bigrams with the context
   (``志愿者3200人份样本`` is measured by ``完成新招募入库志愿者人数 =3200人``).

Everything here is computed on demand: nothing runs at import beyond compiling the patterns.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jixiao.model import Target
from jixiao.targets import base_value

__all__ = ["Candidate", "Link", "Mention", "bigrams", "goal_links", "link_goal", "mentions", "similarity",
           "units_compatible"]

_ITEM_SPLIT = re.compile(r"[；;。\n]+|(?:(?<=^)|(?<=[\s；;。]))\s*\d{1,2}\s*[.、)）](?!\d)\s*")
_CLAUSE_SPLIT = re.compile(r"[，,：:]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

# Comparison words before a number: op. 达/达到 "reaches" reads as ≥.
_PRE_OPS = {
    "不少于": "≥", "不低于": "≥", "不小于": "≥", "至少": "≥", "达到": "≥", "达": "≥",
    "不超过": "≤", "不高于": "≤", "不多于": "≤", "至多": "≤",
    "超过": ">", "高于": ">", "大于": ">", "多于": ">", "少于": "<", "低于": "<", "小于": "<",
    ">": ">", "<": "<", "≥": "≥", "≤": "≤", ">=": "≥", "<=": "≤", "=": "=",
}  # fmt: skip
_SUF_OPS = {"以上": "≥", "以下": "≤", "以内": "≤"}
# Units a goal number may carry (longest first in the pattern).
_UNITS = (
    "%", "‰", "万元", "千元", "亿元", "元", "人次", "人份", "人", "名", "个区", "个工作日", "个月", "个",
    "项", "家", "所", "次", "期", "场", "届", "份", "册", "件", "条", "部", "篇", "本", "套", "台", "户",
    "处", "座", "批", "课时", "学时", "工作日", "天", "小时", "门", "支", "队",
)  # fmt: skip
_MENTION = re.compile(
    r"(?P<op>" + "|".join(sorted(map(re.escape, _PRE_OPS), key=len, reverse=True)) + r")?"
    r"(?<![\d.])(?P<n>\d+(?:\.\d+)?)(?P<mult>万|亿)?"
    r"(?P<unit>" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")"
    r"(?P<suf>以上|以下|以内)?"
)
# A number right after these is an ordinal or a per-unit rate, not an amount.
_NOT_AMOUNT_BEFORE = ("第", "每", "每次", "每人", "每期", "每年", "每月", "每周", "每天")

# Units that count people alike, and the generic counters.
_UNIT_GROUPS = ({"人", "人次", "人份", "名"}, {"个", "项"})

_NOT_COUNTS = frozenset(("%", "元"))

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Mention:
    """A number with a unit in a goal text, e.g. ``不少于200人`` in ``培训人数不少于200人``."""

    field: str  # where the text is: "goal" or "texts.total_goal"
    item: int  # 0-based item of that text
    text: str  # the mention as written (after folding), e.g. "不少于200人"
    clause: str  # the clause it stands in
    context: str  # its item up to and including its clause
    op: str
    value: Decimal  # 万 and 亿 applied: 210万人 is 2100000 人
    unit: str
    base: tuple[Decimal, str]  # value and unit in base units (万元 → 元, ‰ → %)


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    return _THOUSANDS.sub("", s) if "," in s else s


def _items(text: str) -> list[str]:
    return [part.strip() for part in _ITEM_SPLIT.split(text) if part and part.strip()]


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1024)
def mentions(text: str, field: str = "goal") -> tuple[Mention, ...]:
    """Every number-with-unit in ``text`` (see the module docstring)."""
    found: list[Mention] = []
    if _DIGIT.search(text) is None:  # \d also matches full-width digits
        return ()
    folded = _fold(text)
    for i, item in enumerate(_items(folded)):
        clauses = [c.strip() for c in _CLAUSE_SPLIT.split(item)]
        for j, clause in enumerate(clauses):
            for m in _MENTION.finditer(clause):
                head = clause[: m.start("n") if m["op"] is None else m.start()]
                if head.endswith(_NOT_AMOUNT_BEFORE):
                    continue
                value = Decimal(m["n"])
                if m["mult"] == "万":
                    value *= 10_000
                elif m["mult"] == "亿":
                    value *= 100_000_000
                op = _PRE_OPS[m["op"]] if m["op"] else _SUF_OPS.get(m["suf"] or "", "=")
                context = "，".join(clauses[: j + 1])
                unit = m["unit"]
                base = base_value(Target(op=op, value=value, unit=unit))  # type: ignore[arg-type]
                found.append(Mention(field, i, m[0], clause, context, op, value, unit, base))  # type: ignore[arg-type]
    return tuple(found)


@lru_cache(maxsize=8192)
def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the Chinese (and Latin-word) runs of ``text``; digits and signs split runs."""
    out: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1 or run.isascii():
            out.add(run)
        else:
            out.update(run[k : k + 2] for k in range(len(run) - 1))
    return frozenset(out)


def units_compatible(a: str, b: str) -> bool:
    """Whether two base units measure the same kind of thing (``人`` ~ ``人次``, ``个`` ~ ``项``)."""
    if a == b or any(a in g and b in g for g in _UNIT_GROUPS):
        return True
    # No unit (``>11万``): the counted thing is implied by the name; any count fits, not % or money.
    return (a == "" or b == "") and not {a, b} & _NOT_COUNTS


def similarity(name: frozenset[str], context: frozenset[str], weight: dict[str, float]) -> float:
    """The weighted share of ``name``'s bigrams that occur in ``context`` (0 … 1)."""
    total = sum(weight.get(b, 1.0) for b in name)
    if not total:
        return 0.0
    return sum(weight.get(b, 1.0) for b in name if b in context) / total


@dataclass(frozen=True, slots=True)
class Candidate:
    """An indicator whose unit is compatible with a mention, and how alike their words are."""

    score: float  # weighted share of the name's bigrams found in the mention's context
    plain: float  # the same share, unweighted
    value: Decimal  # the indicator's value in base units
    indicator: Any  # the IndicatorView


@dataclass(frozen=True, slots=True)
class Link:
    """A goal mention and the indicators of a compatible unit, best first."""

    mention: Mention
    candidates: tuple[Candidate, ...]

    def matches(self, threshold: float) -> list[Candidate]:
        """The candidates that speak of the mention: alike enough, and at least half as alike as
        the best (a name sharing only the goal's common words does not compete with the one
        that names the same thing)."""
        if not self.candidates:
            return []
        floor = max(threshold, self.candidates[0].score / 2)
        return [c for c in self.candidates if c.score >= floor]

    def measured(self, threshold: float) -> bool:
        """Some indicator measures the mention: one is alike enough, or one states the same number
        and shares at least half the threshold of its (unweighted) words with the context."""
        value = self.mention.base[0]
        return any(c.score >= threshold or (c.value == value and c.plain >= threshold / 2)
                   for c in self.candidates)


GOAL_FIELDS = ("goal", "texts.total_goal")


def link_goal(texts: Iterable[tuple[str, str]], indicators: Sequence[Any]) -> list[Link]:
    """Each number in ``texts`` with the indicators of a compatible unit, scored by name."""
    found: list[Mention] = []
    seen: set[str] = set()
    for field, text in texts:
        if text not in seen:
            seen.add(text)
            found.extend(mentions(text, field))
    if not found:
        return []
    names = [bigrams(v.name) for v in indicators]
    df: Counter[str] = Counter(b for n in names for b in n)
    weight = {b: 1.0 / c for b, c in df.items()}
    bases = [base_value(v.target) for v in indicators]
    links = []
    for m in found:
        context = bigrams(m.context)
        unit = m.base[1]
        scored = []
        for v, name, base in zip(indicators, names, bases, strict=True):
            if base is not None and units_compatible(base[1], unit) and name:
                shared = name & context
                score = sum(weight[b] for b in shared) / sum(weight[b] for b in name)
                scored.append(Candidate(score, len(shared) / len(name), base[0], v))
        scored.sort(key=lambda c: -c.score)
        links.append(Link(m, tuple(scored)))
    return links


_LAST: tuple[object, list[Link]] = (None, [])


def goal_links(ctx: Any) -> list[Link]:
    """:func:`link_goal` over the goal texts of ``ctx`` (a review Context), worked out once per
    context: JX401 and JX402 both read it. The one cached context is held strongly, so a new
    context can never be mistaken for it."""
    global _LAST
    last_ctx, links = _LAST
    if last_ctx is ctx:
        return links
    links = link_goal([(f, t) for f, t in ctx.texts if f in GOAL_FIELDS], ctx.indicators)
    _LAST = (ctx, links)
    return links
