"""Scoring one indicator, or the budget execution rate, against its weight: the formulas.

Every function is pure and returns a :class:`Scored`: the exact score (``None`` when it cannot be
scored), how the target was met, the flags, and the formula with the numbers filled in (rendered
when read). ``w`` is the indicator's weight, ``a`` the actual in the target's unit
(:mod:`jixiao.evaluation.units`), ``t`` the target value.

=====================  =====================================================================================
target                 score
=====================  =====================================================================================
``≥ t``, ``> t``       ``a ÷ t × w``, at most ``w`` (``>`` is scored as ``≥``, as the tables do); ``t ≤ 0``
                       and not met: ``target-not-positive``, not scored; below 0 counts as 0
``≤ t``, ``< t``       ``w`` when ``a ≤ t`` (``a = 0`` included), else ``t ÷ a × w``
``= t``                ``a < t``: ``a ÷ t × w``; ``a = t``: ``w``; ``a > t``: ``w`` (``above-target``,
                       ``over-achieved`` from the threshold) or, with ``equal_above = "reverse"``,
                       ``t ÷ a × w``
range ``lo-hi``        ``lo ≤ a ≤ hi``: ``w``; below: ``a ÷ lo × w``; above: as ``=`` with ``hi``
qualitative            the tier's share of ``w``: 达成 [80 %, 100 %], 部分达成 [60 %, 80 %),
                       未达成 [0 %, 60 %);
                       the share the unit wrote (``部分达成（70%）``) if it lies in the band, else the
                       tier's default (100 %, 70 %, 30 %); an actual equal to the target's text is 达成
budget execution       ``rate = executed ÷ budget``; ``w × min(rate ÷ full_at, 1)`` (``full_at`` 100 %)
=====================  =====================================================================================

Met or not (``status``): ``met``; ``missed`` (below a ``≥``/``=``/range target, above a ``≤`` one, a tier
below 达成); ``over`` (a ``≥``, ``=`` or range target beaten by ``over_achievement`` % or more, default 120);
``above`` (an ``=`` or range target beaten by less). ``missed`` and ``over`` need an explanation.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Literal, NamedTuple

from jixiao.evaluation.config import Settings, Tier
from jixiao.evaluation.flags import Flag, flag
from jixiao.evaluation.numbers import plain, points
from jixiao.evaluation.units import conversion, normal_unit
from jixiao.model import Funds, Indicator, Target

__all__ = ["Formula", "Scored", "Status", "score_budget", "score_indicator"]

Status = Literal["met", "missed", "over", "above"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_SHARE = re.compile(r"(?P<word>.+?)\(?(?P<share>[0-9]+(?:\.[0-9]+)?)%\)?")


class Formula(NamedTuple):
    """A formula's kind and numbers; :attr:`text` renders it (``3150 ÷ 3000 × 12.5 = 13.13，封顶 12.50``)."""

    kind: str
    values: tuple[object, ...] = ()

    @property
    def text(self) -> str:
        return _RENDER[self.kind](*self.values)


class Scored(NamedTuple):
    """An indicator's (or the budget's) score: exact, ``None`` when it cannot be scored."""

    score: Decimal | None
    formula: Formula
    status: Status | None = None
    ratio: Decimal | None = None  # completion in % (a ÷ t × 100; t ÷ a × 100 for a reverse target)
    flags: tuple[Flag, ...] = ()


def _wt(w: str | Decimal) -> str:
    """A weight in a formula: its own text (``(50 ÷ 7)``) or the number."""
    return w if isinstance(w, str) else plain(w)


def _ratio_text(num: Decimal, den: Decimal, w: str | Decimal, raw: Decimal, cap: Decimal) -> str:
    text = f"{plain(num)} ÷ {plain(den)} × {_wt(w)} = {points(raw)}"
    if raw > cap:
        return f"{text}，封顶 {points(cap)}"
    return f"{text}，按 0 计" if raw < 0 else text


_WHY = {
    "equal": "{a} = {t}",
    "at-most": "{a} ≤ {t}",
    "at-least": "{a} ≥ {t}",
    "zero": "实际 0",
    "range": "{t} ≤ {a} ≤ {u}",
    "above-equal": "{a} > {t}（指标值为 =）",
    "above-range": "{a} > {u}（区间上限）",
}


def _full_text(why: str, a: Decimal, t: Decimal, w: Decimal, u: Decimal | None = None) -> str:
    numbers = {"a": plain(a), "t": plain(t), "u": plain(u) if u is not None else ""}
    return f"{_WHY[why].format(**numbers)}，满分 {points(w)}"


def _tier_text(tier: Tier, share: Decimal, given: bool, w: str | Decimal, score: Decimal) -> str:
    how = f"填写 {plain(share)}%" if given else f"取 {plain(share)}%"
    return f"{tier.name}（档内 {tier.band}），{how}：{_wt(w)} × {plain(share)}% = {points(score)}"


def _budget_text(executed: Decimal, budget: Decimal, rate: Decimal, w: str, full_at: Decimal,
                 raw: Decimal) -> str:
    rate_text = f"执行率 {plain(executed)} ÷ {plain(budget)} = {points(rate)}%"
    scale = "" if full_at == _HUNDRED else f" ÷ {plain(full_at)}%"
    text = f"{rate_text}；{w} × {points(rate)}%{scale} = {points(raw)}"
    return f"{text}，封顶 {w}" if raw > Decimal(w) else text


_RENDER = {
    "ratio": _ratio_text,
    "full": _full_text,
    "tier": _tier_text,
    "budget": _budget_text,
    "not-applicable": lambda: "不适用，不计分",
    "zero-weight": lambda: "分值为 0，不计分",
    "unscored": lambda why: f"无法计分：{why}",
}


def _unscored(*flags: Flag) -> Scored:
    return Scored(None, Formula("unscored", (flags[0].message,)), flags=flags)


def score_indicator(ind: Indicator, w: Decimal, w_text: str | None, settings: Settings) -> Scored:
    """Score ``ind`` against its weight ``w`` (printed as ``w_text``, or as the number when ``None``);
    not for inapplicable ones."""
    if w == 0:
        return Scored(_ZERO, Formula("zero-weight"), flags=(flag("zero-weight"),))
    actual = ind.actual
    if actual is None:
        return _unscored(flag("no-actual"))
    target = ind.target
    wt: str | Decimal = w if w_text is None else w_text
    if target.value is None:
        return _qualitative(ind, target, actual, w, wt, settings)
    if actual.value is None:
        return _unscored(flag("not-number", actual=actual.text or ind.actual_raw or ""))
    a = actual.value
    if actual.unit == target.unit and actual.upper is None:  # the common case: nothing to reconcile
        return _quantitative(target, a, w, wt, settings)
    conv = conversion(target, actual, settings.period_table)
    if conv.factor is None:
        return _unscored(conv.flag)  # type: ignore[arg-type]
    notes: list[Flag] = [conv.flag] if conv.flag else []
    if actual.upper is not None:
        notes.append(flag("actual-range", low=a, unit=actual.unit or ""))
    if conv.converted:
        notes.append(flag("unit-converted", actual=a, actual_unit=normal_unit(actual.unit),
                          converted=a * conv.factor, unit=normal_unit(target.unit)))
        a = a * conv.factor
    scored = _quantitative(target, a, w, wt, settings)
    return scored._replace(flags=(*notes, *scored.flags)) if notes else scored


def _quantitative(target: Target, a: Decimal, w: Decimal, wt: str | Decimal, settings: Settings) -> Scored:
    t = target.value
    assert t is not None
    op = target.op or "="
    if target.upper is not None:
        if a < t:
            return _positive(a, t, w, wt)
        if a <= target.upper:
            return Scored(w, Formula("full", ("range", a, t, w, target.upper)), "met",
                          a / t * _HUNDRED if t > 0 else None)
        return _above(a, target.upper, w, wt, settings, "above-range")
    if op in ("≥", ">"):
        scored = _positive(a, t, w, wt)
        if scored.status == "met" and scored.ratio is not None and scored.ratio >= settings.over_achievement:
            return scored._replace(status="over", flags=(_over(scored.ratio, settings),))
        return scored
    if op in ("≤", "<"):
        if a <= t:
            return Scored(w, Formula("full", ("zero" if a == 0 else "at-most", a, t, w)), "met")
        raw = t / a * w
        return Scored(max(raw, _ZERO), Formula("ratio", (t, a, wt, raw, w)), "missed", t / a * _HUNDRED,
                      (flag("missed", ratio=t / a * _HUNDRED),))
    # "="
    if a < t:
        return _positive(a, t, w, wt)
    if a == t:
        return Scored(w, Formula("full", ("equal", a, t, w)), "met", _HUNDRED if t else None)
    return _above(a, t, w, wt, settings, "above-equal")


def _positive(a: Decimal, t: Decimal, w: Decimal, wt: str | Decimal) -> Scored:
    """``a ÷ t × w``, capped at ``w``; met when ``a ≥ t``."""
    if t <= 0:
        if a >= t:
            return Scored(w, Formula("full", ("at-least", a, t, w)), "met")
        return _unscored(flag("target-not-positive", target=plain(t)))
    q = a / t
    raw, ratio = q * w, q * _HUNDRED
    if a >= t:
        return Scored(w, Formula("ratio", (a, t, wt, raw, w)), "met", ratio)
    return Scored(max(raw, _ZERO), Formula("ratio", (a, t, wt, raw, w)), "missed", ratio,
                  (flag("missed", ratio=ratio),))


def _above(a: Decimal, t: Decimal, w: Decimal, wt: str | Decimal, settings: Settings, why: str) -> Scored:
    """An ``=`` target (or a range's upper end ``t``) beaten (``why``: above-equal, above-range)."""
    ratio = a / t * _HUNDRED if t > 0 else None
    if settings.equal_above == "reverse" and t > 0:
        raw = t / a * w
        return Scored(raw, Formula("ratio", (t, a, wt, raw, w)), "missed", ratio,
                      (flag("missed", ratio=t / a * _HUNDRED),))
    if ratio is not None and ratio >= settings.over_achievement:
        return Scored(w, Formula("full", (why, a, t, w, t)), "over", ratio, (_over(ratio, settings),))
    info = (flag("above-target", ratio=ratio),) if ratio is not None else ()
    return Scored(w, Formula("full", (why, a, t, w, t)), "above", ratio, info)


def _over(ratio: Decimal, settings: Settings) -> Flag:
    return flag("over-achieved", ratio=ratio, threshold=settings.over_achievement)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _qualitative(ind: Indicator, target: Target, actual: Target, w: Decimal, wt: str | Decimal,
                 settings: Settings) -> Scored:
    key = (ind.actual_raw if ind.actual_raw is not None else (actual.text or ""), target.text or "")
    found = settings.tier_cache.get(key)
    if found is None:
        found = _tier(_fold(key[0]), _fold(key[1]), settings)
        if len(settings.tier_cache) < 4096:  # the words of the tiers repeat; a flood of odd ones is not kept
            settings.tier_cache[key] = found
    tier, share = found
    if tier is None:
        return _unscored(flag("tier-unknown", actual=ind.actual_raw or actual.text or ""))
    if share is not None and not tier.holds(share):
        return _unscored(flag("share-outside-band", tier=tier.name, band=tier.band, share=plain(share)))
    taken = tier.default if share is None else share
    score = w * taken / _HUNDRED
    formula = Formula("tier", (tier, taken, share is not None, wt, score))
    if tier is settings.tiers[0]:
        return Scored(score, formula, "met", taken)
    return Scored(score, formula, "missed", taken, (flag("tier-missed", tier=tier.name),))


def _tier(written: str, target_text: str, settings: Settings) -> tuple[Tier | None, Decimal | None]:
    """The tier a folded actual names, and the share written with it (``部分达成(70%)``), if any."""
    if written and written == target_text:
        return settings.tiers[0], None
    tier = settings.tier(written)
    if tier is not None:
        return tier, None
    m = _SHARE.fullmatch(written)
    if m is None:
        return None, None
    word = m["word"]
    tier = settings.tiers[0] if word == target_text else settings.tier(word)
    return tier, Decimal(m["share"])


def score_budget(funds: Funds, w: Decimal, settings: Settings) -> Scored:
    """The budget execution rate's score: ``w × min(executed ÷ budget ÷ full_at, 1)``; the budget is
    :attr:`Funds.year_budget` (全年预算数: ``funds.budget`` when adjusted, else the declared total)."""
    if w == 0:
        return Scored(_ZERO, Formula("zero-weight"))
    if funds.executed is None:
        return _unscored(flag("no-executed"))
    budget = funds.year_budget
    if budget is None or budget <= 0:
        return _unscored(flag("no-budget"))
    rate = funds.executed / budget * _HUNDRED
    raw = w * rate / settings.budget_full_at
    status: Status = "met" if rate >= settings.budget_full_at else "missed"
    formula = Formula("budget", (funds.executed, budget, rate, plain(w), settings.budget_full_at, raw))
    return Scored(min(max(raw, _ZERO), w), formula, status, rate)
