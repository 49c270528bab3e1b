"""Rules JX2xx: each target value can be measured (可衡量): a number where a number is due, in a
unit and a range that make sense, and no vague direction words.

One defect, one finding: a qualitative value is judged by the first of these that applies, in
order — a failed attempt at a number (JX201), a direction word (JX202), then what the indicator
is: a satisfaction (JX206), a quantity (JX203) or a rate (JX208).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from jixiao.review.engine import Context, Hit, IndicatorView, Rule, register
from jixiao.review.rules.units import COUNT_UNITS, bare_name
from jixiao.targets import is_direction_word

B88 = "财预〔2015〕88号《中央部门预算绩效目标管理办法》"
B101 = "财预〔2021〕101号《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》"

# What a writer of a number target starts or ends with (on the NFKC-folded, space-free text):
# a sign, an operator word or 约 right before a digit, a percentage, or a number that is not a
# date (2023年, 9月1日) — `≥abc`, `不少于3000份左右`, `约3000份`, `80%左右`, `3个工作日内`.
_OP_WORDS = ("不低于|不少于|至少|不小于|大于等于|大于或等于|达到|不高于|不超过|至多|不大于|不多于|小于等于|"
             "小于或等于|超过|高于|大于|多于|低于|少于|小于|等于|大约|约为|约")
_ATTEMPT = re.compile(
    rf"^\$?(?:[=≥≤<>≧≦⩾⩽]|\\(?:geq?|leq?|gt|lt|geqslant|leqslant)(?![A-Za-z]))"
    rf"|^(?:{_OP_WORDS})-?\d"
    r"|\d%"
    r"|^-?\d+(?:\.\d+)?(?![\d.年月日号A-Za-z])"
)
_SPACE = re.compile(r"\s+")
_MAX_ATTEMPT_LEN = 40  # longer texts are sentences, not values


def attempted_number(text: str) -> bool:
    """True when a qualitative value looks like a number target the grammar could not read.

    ``做到0投诉``, ``2023年完成`` and ``达到`` are plain qualitative values (False).
    """
    if not text or len(text) > _MAX_ATTEMPT_LEN:
        return False
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    return _ATTEMPT.search(folded) is not None


ATTEMPT, DIRECTION, PLAIN = "attempt", "direction", "plain"


@lru_cache(maxsize=4096)
def _kind(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if attempted_number(text):
        return ATTEMPT
    return DIRECTION if is_direction_word(text) else PLAIN


def value_kind(ind: IndicatorView) -> str | None:
    """What a qualitative value is: ATTEMPT (a number the grammar could not read, JX201),
    DIRECTION (提升, JX202) or PLAIN (正常运行); None for a number or an empty value (JX110).
    Values repeat a lot, so the answer is cached by text."""
    t = ind.indicator.target
    if t.value is not None or not t.text:
        return None
    return _kind(t.text)


def is_satisfaction(ind: IndicatorView) -> bool:
    """Under 服务对象满意度 / 满意度, or named so (参与者满意度, 满意率)."""
    return ind.level2 == "服务对象满意度" or ind.level1 == "满意度" or "满意" in ind.name


# 度 names that are rates (the part of a whole), unlike 程度, 力度, 进度, 制度, 年度.
RATE_DU = ("知晓度", "覆盖度", "完成度", "参与度", "相符度", "符合度", "匹配度", "准确度", "完好度",
           "达标度", "满意度", "认可度", "满足度", "普及度")  # fmt: skip


def is_rate_name(name: str) -> bool:
    """A name that measures a rate: ends in 率 (覆盖率, 完成率) or a rate-like 度 (知晓度)."""
    name = bare_name(name)
    return name.endswith("率") or name.endswith(RATE_DU)


# Rates that may leave 0–100 %: growth and change (增长率 120%, 下降率 -5%).
_CHANGE = re.compile(
    r"增长|增幅|增速|增加|提高|提升|下降|降低|减少|减幅|同比|环比|较上年|比上年|变化|变动|超额|溢价|倍"
)


def percent(ind: IndicatorView) -> tuple[Decimal, Decimal | None] | None:
    """(value, upper) in % for a target in % or ‰; None otherwise."""
    t = ind.indicator.target
    if t.value is None or t.unit not in ("%", "‰"):
        return None
    if t.unit == "‰":
        return t.value / 10, (t.upper / 10 if t.upper is not None else None)
    return t.value, t.upper


def is_change(ind: IndicatorView) -> bool:
    """A rate of change (增长率, 同比下降率), which may leave 0–100 %."""
    return _CHANGE.search(ind.name) is not None


@register
class UnparsableTarget(Rule):
    """
    规则说明
        指标值看上去是一个数值目标（以 ≥、>、= 等符号或"不少于""约"开头，含百分数，或以数字开头），
        但不能按"符号 数值 (单位)"读出：符号后面不是数字（≥abc）、数字后带"左右""完成"等字样
        （80%左右、100%完成）、写了"约"（约3000份）、单位不是计量单位（3个工作日内）。
        "做到0投诉""2023年完成"这类本来就是定性描述的指标值不在此列。

    为什么重要
        读不出数值的目标无法在监控和自评中与实际完成值比较：80%左右到底 79% 算不算完成？
        "约"和"左右"让目标失去了考核边界。

    示例
        宣传资料发放 约3000份；培训合格率 80%左右；故障响应 3个工作日内。

    应改为
        宣传资料发放 ≥3000.00(份)；培训合格率 ≥80.00(%)；故障响应时间 ≤3.00(个工作日)。

    依据
        财预〔2021〕101号：指标值应量化易评，有明确的评判标准；财预〔2015〕88号：绩效目标应细化量化。
    """

    code = "JX201"
    name = "unparsable-target"
    title = "指标值像数值却读不出数值"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」的指标值「{target}」像是数值目标，但不是「符号 数值(单位)」的写法，读不出数值"
    hint = "写成「符号 数值(单位)」，例如 ≥80.00(%)、=3000.00(份)；去掉「约」「左右」等字样"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            if value_kind(ind) == ATTEMPT:
                yield self.at(ind)


@register
class VagueDirectionWord(Rule):
    """
    规则说明
        指标值只是一个表示变化方向的词（提升、提高、增加、减少、逐步提高、基本提升、明显改善 …），
        既没有基期值，也没有要达到的目标值。

    为什么重要
        "提升"提升多少、从多少提升到多少？这样的目标无论结果如何都可以说"完成了"，年终自评
        无法打分，是审核中最常见的"目标模糊化"问题。

    示例
        红十字文化进一步传播 提升；救护师资流失率 减少；各级红十字会开展志愿服务活动 逐步提高。

    应改为
        写明可以核实的数值，例如"红十字文化宣传覆盖人次 ≥100000.00(人次)""救护师资流失率
        ≤5.00(%)"；确实要考核变化时，写明基期值和目标值（"知晓率由2023年的60%提高到 ≥70.00(%)"，
        指标值填 ≥70.00(%)）。

    依据
        财预〔2021〕101号：指标应细化量化，定性指标应可衡量、可考核；财预〔2015〕88号第十二条
        "细化量化"。
    """

    code = "JX202"
    name = "vague-direction-word"
    title = "指标值只写了变化方向"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」的指标值「{target}」只说明变化方向，没有基期值和目标值"
    hint = "写明要达到的数值，例如「≥80.00(%)」「≥1000.00(人次)」；考核增幅时写明基期值和目标值"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            if value_kind(ind) == DIRECTION:
                yield self.at(ind)


@register
class QualitativeQuantity(Rule):
    """
    规则说明
        数量指标（产出指标下的"数量指标"）的指标值是文字，不是数值。指标值像数值却读不出时
        由 JX201 报告，只写了"提升""增加"时由 JX202 报告，本规则不重复。

    为什么重要
        数量指标回答"提供了多少产品或服务"，只能用数值回答。"广覆盖""若干"无法与资金和
        工作量对照，年终也无法按完成数自评。

    示例
        数量指标 / 宣传资料发放 / 广覆盖。

    应改为
        数量指标 / 宣传资料发放份数 / ≥5000.00(份)。

    依据
        财预〔2015〕88号第九条：预期产出包括提供公共产品和服务的数量；财预〔2021〕101号：指标值
        应量化。
    """

    code = "JX203"
    name = "qualitative-quantity"
    title = "数量指标的指标值不是数值"
    category = "measurability"
    severity = "warning"
    message = "数量指标「{name}」的指标值「{target}」是文字，不是数值"
    hint = "写明数量和单位，例如「≥5000.00(份)」「=20.00(期)」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            if ind.level2 == "数量" and value_kind(ind) == PLAIN and not is_satisfaction(ind):
                yield self.at(ind)


@register
class PercentOutOfRange(Rule):
    """
    规则说明
        以百分比（或千分比）表示的比率，指标值不可能达到：小于 0%、大于 100%，区间上限大于 100%，
        或要求"大于 100%""小于 0%"。增长率、增幅、同比、较上年等表示变化的指标可以超过 100%
        或为负数，不在此列。

    为什么重要
        比率是部分占整体的比例，只能在 0%–100% 之间。写出不可能的目标值，说明指标名称或数值
        写错了（常见的是把计数写成了百分数），年终无法自评。

    示例
        培训覆盖率 ≥120.00(%)；项目完成率 >100.00(%)。

    应改为
        培训覆盖率 =100.00(%)；若要考核超额完成，写成数量指标，例如"培训人数 ≥1200.00(人)"。

    依据
        财预〔2021〕101号：指标值应合理、可衡量。比率的取值范围是数学事实。
    """

    code = "JX204"
    name = "percent-out-of-range"
    title = "百分比超出 0%–100%"
    category = "measurability"
    severity = "error"
    message = "指标「{name}」的指标值「{target}」{reason}，比率不可能达到"
    hint = "比率写在 0%–100% 之间，例如「=100.00(%)」；若要考核超出计划的数量，改为数量指标"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            pct = percent(ind)
            if pct is None:
                continue
            value, upper = pct
            op = ind.indicator.target.op
            if value < 0:
                reason = "小于 0%"
            elif value > 100 or (upper is not None and upper > 100):
                reason = "大于 100%"
            elif op == ">" and value >= 100:
                reason = "要求大于 100%"
            elif op == "<" and value <= 0:
                reason = "要求小于 0%"
            else:
                continue
            if not is_change(ind):
                yield self.at(ind, reason=reason)


@register
class PercentAtBound(Rule):
    """
    规则说明
        比率的指标值写成"≥100%"（或"≤0%"）。比率不会超过 100%（也不会低于 0%），所以它的实际
        含义就是"=100%"（"=0%"）。增长率、同比等表示变化的指标不在此列。

    为什么重要
        "≥100%"暗示还可以超过，读者会误以为目标有余量；规范写法"=100.00(%)"清楚地说明目标是
        全部完成。这是写法问题，不影响考核，但公开的绩效目标表应当准确。

    示例
        "博爱家园(街镇)红十字工作者培训覆盖率 ≥100.00(%)。

    应改为
        "博爱家园"(街镇)红十字工作者培训覆盖率 =100.00(%)。

    依据
        无专门条文：比率的上限是 100%，"≥100%"与"=100%"同义；规范写法参照上海市绩效目标申报表
        的"符号 数值(单位)"格式。
    """

    code = "JX205"
    name = "percent-at-bound"
    title = "比率写成 ≥100%"
    category = "format"
    severity = "warning"
    message = "指标「{name}」的指标值「{target}」：比率不会超过 100%，含义就是「{exact}」"
    hint = "改为「{exact}」"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            pct = percent(ind)
            if pct is None or pct[1] is not None:
                continue
            op, value = ind.indicator.target.op, pct[0]
            if op == "≥" and value == 100 and not is_change(ind):
                yield self.at(ind, exact="=100.00(%)")
            elif op == "≤" and value == 0 and not is_change(ind):
                yield self.at(ind, exact="=0.00(%)")


_SCORE_NAMES = ("得分", "评分", "分值", "分数")


@register
class SatisfactionNotPercent(Rule):
    """
    规则说明
        满意度指标（二级指标"服务对象满意度指标"、一级指标"满意度指标"，或名称中含"满意"）的指标值
        不是百分比：是文字（基本满意）或其他单位。名称写明是得分（满意度测评得分 ≥90分）时可以用
        "分"。满意度用计数单位（人、次）时由 JX301 报告，只写了"提升"时由 JX202 报告，本规则不重复。

    为什么重要
        满意度来自问卷调查，结果是满意人数占调查人数的比例。"基本满意"无法与调查结果比较，
        年终自评只能凭感觉打分。

    示例
        效果目标 / 满意度 / 参保人员医疗费结算 / 基本满意。

    应改为
        效果目标 / 满意度 / 参保人员医疗费结算满意度 / ≥85.00(%)。

    依据
        财预〔2015〕88号第九条：绩效目标包括服务对象满意程度；财预〔2021〕101号：满意度指标
        一般通过问卷调查取得，以百分比表示。
    """

    code = "JX206"
    name = "satisfaction-not-percent"
    title = "满意度指标不是百分比"
    category = "measurability"
    severity = "warning"
    message = "满意度指标「{name}」的指标值「{target}」不是百分比"
    hint = "按满意度调查结果以百分比表示，例如「≥90.00(%)」；名称写明调查对象，如「参保人员满意度」"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            if not is_satisfaction(ind):
                continue
            t = ind.indicator.target
            if t.value is None:
                if value_kind(ind) == PLAIN:
                    yield self.at(ind)
            elif (
                t.unit not in ("%", "‰")
                and "满意" in ind.name
                and not (t.unit == "分" and bare_name(ind.name).endswith(_SCORE_NAMES))  # 满意度评分 ≥90分
                and not (t.unit in COUNT_UNITS and ind.name.rstrip("）)").endswith(("率", "度")))  # JX301
            ):
                yield self.at(ind)


@register
class SatisfactionBelowFloor(Rule):
    """
    规则说明
        满意度（名称含"满意"，不含"不满意"）的目标值以百分比表示，但低于阈值 satisfaction_floor
        （默认 80%）。只看"≥""＞""="三种写法。

    为什么重要
        满意度目标定得过低（如 ≥60%），等于事先接受四成服务对象不满意，目标缺乏约束力；
        也可能是把"不满意率"或"回收率"误写成了满意度。

    示例
        培训学员满意度 ≥60.00(%)。

    应改为
        培训学员满意度 ≥85.00(%)，或按历史调查结果设定不低于上年实际的目标。

    依据
        无全国统一的下限：常见做法是满意度目标不低于 80%～90%。阈值 satisfaction_floor 可在
        jixiao.toml 中按地区或部门调整。
    """

    code = "JX207"
    name = "satisfaction-below-floor"
    title = "满意度目标偏低"
    category = "appropriateness"
    severity = "warning"
    message = "满意度指标「{name}」的指标值「{target}」低于 {floor}%"
    hint = "满意度目标一般不低于 {floor}%，可参考上年调查结果设定，例如「≥90.00(%)」"
    basis = "无"

    def check(self, ctx: Context) -> Iterator[Hit]:
        floor = ctx.thresholds.get("satisfaction_floor", 80)
        for ind in ctx.indicators:
            t = ind.indicator.target
            if (
                t.value is not None and t.unit == "%" and t.op in ("≥", ">", "=")
                and t.value < floor and "满意" in ind.name and "不满意" not in ind.name
            ):
                yield self.at(ind, floor=floor)


@register
class QualitativeRate(Rule):
    """
    规则说明
        名称是一个比率（以"率"结尾，或知晓度、覆盖度、相符度这类表示比例的"度"），指标值却是文字
        （规范、相符、较高）。满意度由 JX206 报告，指标值像数值却读不出时由 JX201 报告，只写了
        "提升""减少"时由 JX202 报告，本规则不重复。

    为什么重要
        比率天然是一个数：分子除以分母。"信息公开实现率 规范"说不清要达到多少，年终也无法
        计算实际完成值与目标比较。

    示例
        信息公开实现率 规范；系统功能优化相符度 相符。

    应改为
        信息公开实现率 =100.00(%)；系统功能优化需求实现率 ≥90.00(%)。

    依据
        财预〔2021〕101号：指标应量化易评；比率类指标以百分比计（见 JX301）。
    """

    code = "JX208"
    name = "qualitative-rate"
    title = "比率类指标的指标值是文字"
    category = "measurability"
    severity = "warning"
    message = "指标「{name}」是比率，指标值「{target}」却是文字"
    hint = "给出百分比目标，例如「=100.00(%)」「≥90.00(%)」；频率类指标写成「≥1.00(次/月)」"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            if value_kind(ind) == PLAIN and is_rate_name(ind.name) and not is_satisfaction(ind):
                yield self.at(ind)
