"""Weights (分值): of the four parts, and of each indicator inside its part.

* The parts: 预算执行率 ``budget``, 产出 ``output``, 效益 ``benefit``, 满意度 ``satisfaction``; the profile's
  weights (10/50/30/10), each replaced by the declaration's own ``weights`` where it gives one.
* An indicator's part: its level-2 class when :attr:`Settings.level2_groups` names it (服务对象满意度 →
  满意度, also under the 2020 form's 效果), else its level-1 class through :attr:`Settings.groups`
  (产出/成本/投入与管理 → output, 效益/影响力 → benefit, 满意度 → satisfaction). None of these: ``no-group``,
  weight 0 unless the unit gave one.
* Inside a part, an indicator's ``weight`` when the unit gave one; the rest of the part's weight is
  split evenly among the others. Inapplicable indicators take their share too, and are then dropped
  with it (the total is rescaled, :mod:`jixiao.evaluation.evaluate`), as the tables print them.
* Given weights above the part's: ``weights-exceed`` (the others get 0); all given and adding up to
  something else: ``weights-differ``. A part with weight and no indicator: ``group-empty``.

Weights stay exact (``50 ÷ 7``); :class:`Assignment` also carries how to print one, ``(50 ÷ 7)`` when it
has more than four decimals.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from jixiao.evaluation.config import GROUPS, PART_LABELS, PARTS, Settings
from jixiao.evaluation.flags import Flag, flag
from jixiao.evaluation.numbers import plain
from jixiao.model import Declaration, Indicator
from jixiao.vocabulary import canonical_level1, canonical_level2

__all__ = ["Assignment", "assign", "group_of", "part_weights"]

_ZERO = Decimal(0)
_FOUR_PLACES = Decimal("0.0001")


class Assignment(NamedTuple):
    """The weights of a declaration: per part, and per indicator (with its part, and how to print it
    when that is not simply the number: ``(50 ÷ 7)``)."""

    parts: dict[str, Decimal]
    groups: list[str | None]
    weights: list[Decimal]
    texts: list[str | None]
    flags: list[Flag]


def part_weights(declaration: Declaration, settings: Settings) -> dict[str, Decimal]:
    """The four parts' weights: the profile's, replaced by the declaration's own where given."""
    own = declaration.weights
    if own is None:
        return dict(settings.weights)
    return {p: w if (w := getattr(own, p)) is not None else settings.weights[p] for p in PARTS}


def group_of(ind: Indicator, settings: Settings) -> str | None:
    """The part an indicator counts in, or ``None``."""
    key = (ind.level1, ind.level2)
    cache = settings.group_cache
    if key in cache:
        return cache[key]
    group = _group(ind, settings)
    if len(cache) < 4096:  # labels as written repeat; a flood of odd ones is not kept
        cache[key] = group
    return group


def _group(ind: Indicator, settings: Settings) -> str | None:
    level2 = canonical_level2(ind.level2) if ind.level2 else None
    if level2 is not None and level2 in settings.level2_groups:
        return settings.level2_groups[level2]
    level1 = canonical_level1(ind.level1) if ind.level1 else None
    return settings.groups.get(level1) if level1 is not None else None


def assign(declaration: Declaration, settings: Settings) -> Assignment:
    """Every weight of ``declaration`` under ``settings`` (see the module docstring)."""
    parts = part_weights(declaration, settings)
    indicators = declaration.indicators
    groups: list[str | None] = []
    weights: list[Decimal] = []
    members: dict[str | None, list[int]] = {g: [] for g in GROUPS}
    cache = settings.group_cache
    for i, ind in enumerate(indicators):
        key = (ind.level1, ind.level2)
        group = cache[key] if key in cache else group_of(ind, settings)
        groups.append(group)
        weights.append(_ZERO if ind.weight is None else ind.weight)
        if group is not None:
            members[group].append(i)
    texts: list[str | None] = [None] * len(weights)
    flags: list[Flag] = []
    for group in GROUPS:
        _split(group, parts[group], members[group], indicators, weights, texts, flags)
    return Assignment(parts, groups, weights, texts, flags)


def _split(group: str, part: Decimal, idx: list[int], indicators: list[Indicator], weights: list[Decimal],
           texts: list[str | None], flags: list[Flag]) -> None:
    label = PART_LABELS[group]
    if not idx:
        if part:
            flags.append(flag("group-empty", group=label, weight=plain(part)))
        return
    unset = [i for i in idx if indicators[i].weight is None]
    given = sum((weights[i] for i in idx if indicators[i].weight is not None), _ZERO)
    rest = part - given
    if rest < 0:
        flags.append(flag("weights-exceed", group=label, given=plain(given), weight=plain(part)))
        return  # the unset ones keep 0
    if not unset:
        if rest:
            flags.append(flag("weights-differ", group=label, given=plain(given), weight=plain(part)))
        return
    share, text = _even_share(rest, len(unset))
    for i in unset:
        weights[i] = share
        texts[i] = text


@lru_cache(maxsize=1024)
def _even_share(rest: Decimal, count: int) -> tuple[Decimal, str | None]:
    """``rest`` split among ``count``, and how to print the share when four places do not hold it
    (``(50 ÷ 7)``); cached: a profile's part weights and the usual counts of indicators repeat."""
    share = rest / count
    return share, None if share == share.quantize(_FOUR_PLACES) else f"({plain(rest)} ÷ {count})"
