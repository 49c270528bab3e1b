"""Rules JX3xx: units of target values fit what the indicator measures."""

from __future__ import annotations

import re
from collections.abc import Iterator

from jixiao.model import Target
from jixiao.review.engine import Context, Hit, IndicatorView, Rule, register
from jixiao.targets import base_value, format_target

# Units that count things (a rate or a degree must not be measured in them).
COUNT_UNITS = frozenset((
    "个", "个区", "所", "家", "人", "人次", "名", "次", "场", "期", "份", "件", "册", "部", "本", "套",
    "台", "条", "条次", "项", "篇", "户", "处", "座", "辆", "批", "课时", "学时", "天", "小时",
))  # fmt: skip


@register
class RateInCountUnit(Rule):
    """
    规则说明
        指标名称以"率"或"度"结尾（参与率、覆盖率、满意度），是一个比率，但指标值的单位是
        计数单位（所、个区、人、次 …）。

    为什么重要
        比率与计数不可比：「参与率 ≥26所」既不能按比率考核，也看不出分母。年终自评时
        实际完成值无从计算，监控也无法判断进度。

    示例
        高校应急救护比赛学校红十字会参与率 ≥26.00(所)

    应改为
        高校应急救护比赛学校红十字会参与率 ≥80.00(%)，或改为计数指标
        「参赛高校红十字会数 ≥26.00(所)」。

    依据
        财预〔2021〕101号：指标值应细化量化、可衡量；比率类指标以百分比计。
    """

    code = "JX301"
    name = "rate-in-count-unit"
    title = "比率类指标使用了计数单位"
    category = "measurability"
    severity = "error"
    message = "指标「{name}」是比率，指标值「{target}」却以「{unit}」计"
    hint = "比率用百分比表示，例如 ≥80.00(%)；若要考核数量，把名称改为「…数」"
    basis = "财预〔2021〕101号"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            unit = ind.indicator.target.unit
            if unit in COUNT_UNITS and ind.name.rstrip("）)").endswith(("率", "度")):
                yield self.at(ind, unit=unit)


B101 = "财预〔2021〕101号《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》"
MONEY = ("元",)

# What a name ending in a counting word is counted in (base units, after 万/亿 are taken off);
# the first is the one to suggest. Longer endings first.
NAME_UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("课时数", ("课时", "学时")), ("学时数", ("学时", "课时")), ("人员数", ("人", "名")),
    ("学校数", ("所", "个")), ("人次数", ("人次",)), ("人次", ("人次",)), ("人数", ("人", "名")),
    ("场次", ("场次", "场", "次")),
    ("次数", ("次",)), ("期数", ("期",)), ("个数", ("个",)), ("份数", ("份",)), ("件数", ("件",)),
    ("户数", ("户",)), ("家数", ("家",)), ("篇数", ("篇",)), ("册数", ("册", "本")),
    ("天数", ("天", "日", "个工作日", "工作日")), ("项数", ("项",)), ("台数", ("台",)),
    ("场数", ("场", "场次")), ("条数", ("条",)), ("所数", ("所",)),
    ("金额", MONEY), ("资金", MONEY), ("经费", MONEY), ("费用", MONEY), ("收入", MONEY), ("收益", MONEY),
    ("成本", MONEY),
)  # fmt: skip
_NAME_BRACKET_UNIT = re.compile(r"[(（]([^()（）]{1,6})[)）]\s*$")  # 培训人数（人）, 采购金额(万元)
_UNITLESS_NAMES = ("比", "系数", "指数", "倍数")  # a ratio or an index has no unit: 投入产出比 ≥1.5


def bare_name(name: str) -> str:
    """The name without trailing white space and closing brackets: ``培训覆盖率）`` → ``培训覆盖率``."""
    return name.rstrip().rstrip(")）")


_MULTIPLIER_PREFIXES = ("千万", "百万", "亿", "万")
BARE_MULTIPLIERS = frozenset(_MULTIPLIER_PREFIXES)  # 11万: a multiplier, no unit


def base_unit(unit: str) -> str:
    """The unit with its multiplier taken off, as :func:`jixiao.targets.base_value` does:
    ``万元`` → ``元``, ``千元`` → ``元``, ``万人次`` → ``人次``, ``万`` → ``""``."""
    if unit == "千元":
        return "元"
    if unit.startswith(_MULTIPLIER_PREFIXES):
        for prefix in _MULTIPLIER_PREFIXES:
            if unit.startswith(prefix):
                return unit[len(prefix) :]
    return unit


_SUFFIXES = tuple(suffix for suffix, _ in NAME_UNITS)


def name_units(name: str) -> tuple[str, ...] | None:
    """The units the name says the value is counted in: ``培训人数`` → ``("人", "名")``; None if it
    does not say. A unit in brackets at the end wins: ``采购金额(万元)`` → ``("元",)``."""
    name = name.rstrip()
    if name[-1:] in (")", "）"):
        m = _NAME_BRACKET_UNIT.search(name)
        if m:
            unit = base_unit(m[1].strip())
            if unit in COUNT_UNITS or unit in MONEY:
                return (unit,)
            name = name[: m.start()].rstrip()  # 培训人数（含线上）: not a unit
    if not name.endswith(_SUFFIXES):
        return None
    for suffix, units in NAME_UNITS:
        if name.endswith(suffix):
            return units
    return None  # pragma: no cover - endswith(_SUFFIXES) said one matches


def guess_unit(ind: IndicatorView) -> str | None:
    """The unit an indicator's name implies, for hints: ``%`` for a rate, ``人次`` for ``…人次``."""
    if bare_name(ind.name).endswith(("率", "度")):
        return "%"
    units = name_units(ind.name)
    return units[0] if units else None


@register
class UnitDiffersFromName(Rule):
    """
    规则说明
        指标名称说明了计量单位（……人次、……人数、……次数、……期数、……份数、……金额，或名称末尾
        括号里的单位），指标值却用了另一个单位。人数对应"人"，人次对应"人次"，次数对应"次"
        （"次/周"也算），金额对应"元"（含万元、千元）。百分比由 JX305 报告，只写"万"由 JX303 报告。

    为什么重要
        "人数"与"人次"是不同的量：一人参加三次活动是 1 人、3 人次。单位与名称不一致，年终统计
        实际完成值时不知道该数人还是数人次，目标也就无法核实。

    示例
        防艾反歧视知识普及宣传人次 ≥10000.00(人)；学习教育活动参加人数 ≥60.00(人次)。

    应改为
        防艾反歧视知识普及宣传人次 ≥10000.00(人次)；学习教育活动参加人次 ≥60.00(人次)
        （或参加人数 ≥60.00(人)）。

    依据
        财预〔2021〕101号：指标值应细化量化、计量口径明确。
    """

    code = "JX302"
    name = "unit-differs-from-name"
    title = "单位与指标名称不一致"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」按名称应以「{expected}」计，指标值「{target}」的单位却是「{unit}」"
    hint = "统一名称和单位：改为「{fixed}」，或把名称改为按「{unit}」计的说法"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            t = ind.indicator.target
            if t.value is None or not t.unit or t.unit in ("%", "‰"):
                continue
            units = name_units(ind.indicator.name)
            if units is None:
                continue
            base = base_unit(t.unit)
            if not base or base.partition("/")[0] in units:
                continue
            prefix = t.unit[: -len(base)] if t.unit.endswith(base) else ""
            fixed = format_target(t.model_copy(update={"unit": prefix + units[0]}))
            yield self.at(ind, expected="、".join(units), unit=t.unit, fixed=fixed)


@register
class BareMultiplier(Rule):
    """
    规则说明
        指标值只写了数量级"万"（或"亿""百万""千万"），没有计量单位，例如"受基金报销待遇人次 >11万"：
        11 万什么？单位要从名称去猜。

    为什么重要
        没有单位的数值无法核实，也无法与其他年度、其他项目比较；"万"只是倍数，不是单位。
        写出完整数值和单位，年终统计时口径才确定。

    示例
        受基金报销待遇人次 >11万。

    应改为
        受基金报销待遇人次 >110000.00(人次)，或 >11.00(万人次)。

    依据
        财预〔2021〕101号：指标值应量化、计量单位明确。
    """

    code = "JX303"
    name = "bare-multiplier"
    title = "指标值只写了“万”没有单位"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」的指标值「{target}」只写了倍数「{unit}」，没有计量单位"
    hint = "写出完整数值和计量单位，例如「{suggestion}」"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            t = ind.indicator.target
            if t.value is None or t.unit not in BARE_MULTIPLIERS:
                continue
            value, _ = base_value(t)  # type: ignore[misc]
            unit = guess_unit(ind) or "单位"
            suggestion = format_target(Target(op=t.op, value=value, unit=unit))
            yield self.at(ind, unit=t.unit, suggestion=suggestion)


@register
class NumberWithoutUnit(Rule):
    """
    规则说明
        数值目标没有计量单位，例如"举办培训期数 =20"。比值、系数、指数（名称以"比""系数"
        "指数""倍数"结尾）本来没有单位，不在此列。

    为什么重要
        20 是 20 期、20 次还是 20%？没有单位的数值无法核实，年终统计时口径也无法确定。

    示例
        举办社区应急救护培训期数 =20；培训合格率 ≥90。

    应改为
        举办社区应急救护培训期数 =20.00(期)；培训合格率 ≥90.00(%)。

    依据
        财预〔2021〕101号：指标值应量化、计量单位明确。
    """

    code = "JX304"
    name = "number-without-unit"
    title = "数值目标没有单位"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」的指标值「{target}」没有计量单位"
    hint = "写明计量单位，例如「{suggestion}」"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            t = ind.indicator.target
            if t.value is None or t.unit or bare_name(ind.name).endswith(_UNITLESS_NAMES):
                continue
            suggestion = format_target(t.model_copy(update={"unit": guess_unit(ind) or "单位"}))
            yield self.at(ind, suggestion=suggestion)


@register
class CountNameInPercent(Rule):
    """
    规则说明
        指标名称是一个计数（……人数、……人次、……次数、……期数、……份数 …），指标值却是百分比，
        例如"培训人数 ≥95.00(%)"。这是 JX301（比率用了计数单位）的反面。金额类名称不在此列。

    为什么重要
        百分比需要分母："培训人数 95%"是计划人数的 95%，还是报名人数的 95%？名称与数值说的
        不是同一个量，年终无法计算完成值。

    示例
        举办培训期数 =100.00(%)；培训居民人数 ≥95.00(%)。

    应改为
        举办培训期数 =20.00(期)；或把名称改为比率："培训计划完成率 ≥95.00(%)"。

    依据
        财预〔2021〕101号：指标值应细化量化、计量口径明确。
    """

    code = "JX305"
    name = "count-name-in-percent"
    title = "计数类指标使用了百分比"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」按名称是计数（以「{expected}」计），指标值「{target}」却是百分比"
    hint = "写明数量，例如「=20.00({expected})」；若要考核比例，把名称改为「…率」"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            t = ind.indicator.target
            if t.value is None or t.unit not in ("%", "‰"):
                continue
            units = name_units(ind.name)
            if units is None or units == MONEY or bare_name(ind.name).endswith(("率", "度")):
                continue
            yield self.at(ind, expected=units[0])
