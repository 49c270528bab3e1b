"""Rules JX4xx: the parts of a declaration agree with each other (一致性) and the goal is carried by
its indicators (相关性): goal numbers against indicator values, duplicates, the tree's levels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import ClassVar

from jixiao.model import Target
from jixiao.review.engine import Context, Hit, IndicatorView, Rule, register
from jixiao.review.goaltext import goal_links
from jixiao.targets import base_value
from jixiao.vocabulary import LEVEL2

B88 = "财预〔2015〕88号《中央部门预算绩效目标管理办法》"
B101 = "财预〔2021〕101号《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》"

_SPACE = re.compile(r"\s+")
_MAX_QUOTE = 60  # characters of a goal clause quoted in a message


def _quote(text: str) -> str:
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + "…"


def _threshold(ctx: Context) -> float:
    return float(ctx.thresholds.get("goal_match_similarity", 0.34))


@register
class GoalNumberDisagrees(Rule):
    """
    规则说明
        年度总体目标（或项目总目标）中写了一个带单位的数字，而说的正是某个指标（单位相同、
        名称相近），但该指标的指标值是另一个数字。只比较数值（换算万、‰ 等之后），不比较
        "不少于""≥"之类的写法；目标中有多个相近指标时，只要有一个数值相同就不算不一致。

    为什么重要
        绩效指标是绩效目标的细化和量化，两者应当一一对应。目标说 10 所、指标说 15 所，
        审核人无从知道哪一个才是承诺；年终自评按指标值打分，目标里的数字就成了空话。

    示例
        年度总体目标：高校红十字会现场初级急救技能普及学校数10所；
        指标：现场初级应急救护普及学校数 ≥15.00(所)。

    应改为
        两处写成同一个数：目标写"普及学校数不少于15所"，或把指标值改为 ≥10.00(所)。

    依据
        财预〔2015〕88号：绩效指标是绩效目标的细化和量化，应与绩效目标相对应。
    """

    code = "JX401"
    name = "goal-number-disagrees"
    title = "总体目标中的数字与指标值不一致"
    category = "consistency"
    severity = "warning"
    message = "总体目标写「{goal}」（{amount}），指标「{name}」的指标值却是「{target}」"
    hint = "把总体目标中的数字与指标值改成一致（确认实际计划后，改目标或改指标值）"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        links = goal_links(ctx)
        if not links:
            return
        threshold = _threshold(ctx)
        flagged: set[int] = set()
        for link in links:
            matches = link.matches(threshold)
            value = link.mention.base[0]
            if not matches or any(c.value == value for c in matches):
                continue
            best = matches[0].indicator
            if best.index not in flagged:
                flagged.add(best.index)
                yield self.at(best, goal=_quote(link.mention.context), amount=link.mention.text)


@register
class GoalCommitmentUnmeasured(Rule):
    """
    规则说明
        年度总体目标（或项目总目标）中的一条写了带单位的数量承诺（"培育特色项目不少于32项"），
        但没有任何指标衡量它：没有单位相同且名称相近的指标，也没有写着同一个数的同类指标。
        每条目标只报一次；"1期""1次"这类单次活动的表述、"安排资金50万元"这类金额不算数量承诺。

    为什么重要
        总体目标里的承诺若没有指标，年终自评和绩效监控都不会检查它，目标就成了口号；
        审核时也看不出资金与这些工作量是否匹配。相关性审核要求每项目标都有相应的指标。

    示例
        年度总体目标：3. 开展中小学校红十字特色项目申报及评选工作，培育特色项目不少于32项；
        指标中只有"举办红十字特色项目评选 =1.00(期)"。

    应改为
        增加指标"培育红十字特色项目数 ≥32.00(项)"；若该数字不是本年度的承诺，从总体目标中删去。

    依据
        财预〔2015〕88号：绩效指标是绩效目标的细化和量化；财预〔2021〕101号：指标应与项目的
        产出和效果高度关联。
    """

    code = "JX402"
    name = "goal-commitment-unmeasured"
    title = "总体目标中的数量承诺没有对应指标"
    category = "relevance"
    severity = "warning"
    message = "总体目标中的「{goal}」承诺了{amounts}，但没有指标衡量"
    hint = "为{amounts}增加对应的指标（单位相同，名称写明衡量的对象），或从总体目标中删去不属于本年度的数字"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        links = goal_links(ctx)
        if not links:
            return
        threshold = _threshold(ctx)
        items: dict[tuple[str, int], list] = {}
        for link in links:
            m = link.mention
            if m.value <= 1 and m.unit not in ("%", "‰"):
                continue  # "完成1期培训": an activity named, not a quantity promised
            if m.base[1] == "元":
                continue  # "安排资金50万元": the budget stated, not a result promised
            if not link.measured(threshold):
                items.setdefault((m.field, m.item), []).append(m)
        for (field, _), found in items.items():
            item = found[-1].context  # the item up to its last unmeasured number
            yield self.on(field, goal=_quote(item), amounts="、".join(f"「{m.text}」" for m in found))


@lru_cache(maxsize=8192)
def _folded_name(name: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", name))


def _target_key(t: Target) -> tuple[object, ...]:
    if t.value is None:
        return ("text", _SPACE.sub("", t.text or ""))
    return (t.op, base_value(t), t.upper)


def _duplicates(ctx: Context) -> list[list[IndicatorView]]:
    groups: dict[str, list[IndicatorView]] = {}
    for ind in ctx.indicators:
        key = _folded_name(ind.name)
        if key:
            groups.setdefault(key, []).append(ind)
    return [g for g in groups.values() if len(g) > 1]


@register
class DuplicateIndicatorConflict(Rule):
    """
    规则说明
        同一个三级指标名称列了两次（或更多次），而指标值不同。名称比较时忽略空白和全角半角差别。

    为什么重要
        同一个指标只能有一个目标值。两个值并存，年终自评不知道以哪个为准，也说明表格
        在修改时留下了旧的一行。

    示例
        投入与管理目标 / 投入管理 / 预算执行率 =100%，
        同一张表中又有 投入管理 / 预算执行率 >=95%。

    应改为
        只保留一行，填实际要考核的值，例如"预算执行率 ≥95%"，删去另一行。

    依据
        财预〔2015〕88号：绩效指标应清晰、可衡量；同一指标两个目标值无法考核。
    """

    code = "JX403"
    name = "duplicate-indicator-conflict"
    title = "同一指标重复列出且指标值不同"
    category = "consistency"
    severity = "error"
    message = "指标「{name}」出现了 {count} 次，指标值不同：{targets}"
    hint = "只保留一行「{name}」，写明要考核的那个指标值"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        for group in _duplicates(ctx):
            if len({_target_key(i.target) for i in group}) > 1:
                targets = "、".join(f"「{i.raw}」" for i in group)
                yield self.at(group[1], count=len(group), targets=targets)


@register
class DuplicateIndicator(Rule):
    """
    规则说明
        同一个三级指标名称和同一个指标值列了两次（或更多次）。名称比较时忽略空白和全角半角差别。

    为什么重要
        重复的行不增加任何信息，却让指标数量显得更多、评分时被重复计权，通常是复制粘贴
        留下的错误；也可能是本该写另一个指标而漏改了名称。

    示例
        产出指标 / 数量指标 / 制作宣传资料 =3200.00(份)，同一张表中又有一行
        产出指标 / 数量指标 / 制作宣传资料 =3200.00(份)。

    应改为
        删去重复的一行；若原意是另一项产出，改成它的名称和指标值。

    依据
        财预〔2021〕101号：指标应重点突出、简明清晰。
    """

    code = "JX404"
    name = "duplicate-indicator"
    title = "同一指标重复列出"
    category = "consistency"
    severity = "warning"
    message = "指标「{name}」（{target}）重复列出了 {count} 次"
    hint = "删去重复的「{name}」，或把它改成原本要写的另一个指标"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for group in _duplicates(ctx):
            if len({_target_key(i.target) for i in group}) == 1:
                yield self.at(group[1], count=len(group))


@register
class Level2UnderWrongLevel1(Rule):
    """
    规则说明
        二级指标放在了不属于它的一级指标下，例如社会效益指标放在产出指标下、数量指标放在
        满意度指标下。按国家指标体系（2020 年上海体系的投入管理、长效管理等也一样）判断
        二级指标可以挂在哪些一级指标下；同一组错位只报一次。

    为什么重要
        一级指标决定一项指标按产出、效益还是满意度计分（自评权重 50/30/10）。挂错了层级，
        评分就计错了类，审核人也无法按体系检查目标是否完整。

    示例
        产出指标 / 社会效益指标 / 居民应急救护知识知晓率 ≥80.00(%)。

    应改为
        效益指标 / 社会效益指标 / 居民应急救护知识知晓率 ≥80.00(%)。

    依据
        财预〔2015〕88号；财预〔2020〕10号《项目支出绩效评价管理办法》所附自评表的指标体系。
    """

    code = "JX405"
    name = "level2-under-wrong-level1"
    title = "二级指标放在了错误的一级指标下"
    category = "consistency"
    severity = "error"
    message = "二级指标「{level2}」不属于一级指标「{level1}」，应在「{home}」下（共 {count} 个指标）"
    hint = "把「{level2}」下的指标移到「{home}」下"
    basis = "财预〔2015〕88号；财预〔2020〕10号"

    _HOME_LABEL: ClassVar[dict[str, str]] = {
        "产出": "产出指标", "效益": "效益指标", "满意度": "满意度指标", "成本": "成本指标",
        "投入与管理": "投入与管理目标", "影响力": "影响力目标",
    }  # fmt: skip

    def check(self, ctx: Context) -> Iterator[Hit]:
        groups: dict[tuple[str, str], list[IndicatorView]] = {}
        for ind in ctx.indicators:
            if ind.level1 is None or ind.level2 is None or ind.level1 in LEVEL2[ind.level2][1]:
                continue
            groups.setdefault((ind.level1, ind.level2), []).append(ind)
        for (_, level2), inds in groups.items():
            first = inds[0]
            home = self._HOME_LABEL.get(LEVEL2[level2][1][0], LEVEL2[level2][1][0])
            yield self.at(first, level1=first.indicator.level1, level2=first.indicator.level2,
                          home=home, count=len(inds))


# Words that make an indicator a matter of time (时效).
_TIME_WORDS = re.compile(r"及时|按时|准时|按期|如期|限时|时限|完成时间|周期|按计划完成|进度")
# Units that count things (not time, money or rates).
_COUNT_UNITS = frozenset((
    "个", "个区", "所", "家", "人", "人次", "名", "次", "场", "期", "份", "件", "册", "部", "本", "套", "台",
    "条", "条次", "项", "篇", "户", "处", "座", "辆", "批", "届",
))  # fmt: skip


def _misfiled(ind: IndicatorView) -> str | None:
    """Why ``ind`` sits in the wrong level-2 group, or None."""
    t = ind.target
    timely = _TIME_WORDS.search(ind.name) or (t.value is None and _TIME_WORDS.search(t.text or ""))
    if ind.level2 in ("数量", "质量") and timely:
        return "是时效要求"
    if (ind.level2 in ("质量", "时效") and not timely and t.value is not None and t.value > 0
            and t.unit in _COUNT_UNITS and t.op in ("=", "≥", ">")
            and not ind.name.rstrip(")）").endswith(("率", "度"))):
            return "是计数目标"
    return None


@register
class MisfiledTimelinessOrQuantity(Rule):
    """
    规则说明
        指标放错了二级指标：
        一是时效要求（名称或指标值中有"及时、按时、准时、按期、时限、完成时间、周期"等）放在了
        数量指标或质量指标下；
        二是计数目标（单位为个、次、人、期、份等，≥ 或 = 一个数）放在了质量指标或时效指标下。
        名称以"率""度"结尾而单位是计数的，由 JX301 处理，这里不重复报告。

    为什么重要
        数量、质量、时效指标分别回答"做多少、做多好、多快完成"。放错了组，评分时权重计错，
        审核人按组检查也会以为缺少时效或质量要求；计数放在质量下，质量本身就没有被衡量。

    示例
        产出指标 / 质量指标 / 救助款发放及时 — 及时；
        产出指标 / 质量指标 / 2023年课题评审通过 ≥4.00(个)。

    应改为
        产出指标 / 时效指标 / 救助款发放及时率 ≥95.00(%)（或"救助款在审批后10个工作日内发放"）；
        产出指标 / 质量指标 / 2023年课题评审通过率 ≥80.00(%)，或把计数移到数量指标下。

    依据
        财预〔2015〕88号：产出指标分为数量、质量、时效、成本指标。
    """

    code = "JX406"
    name = "misfiled-timeliness-or-quantity"
    title = "时效或计数指标放错了二级指标"
    category = "consistency"
    severity = "warning"
    message = "指标「{name}」（{target}）{reason}，却放在「{level2}」下"
    hint = "时效要求放在时效指标下；计数放在数量指标下，质量指标改用合格率、通过率等比率"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            reason = _misfiled(ind)
            if reason is not None:
                yield self.at(ind, reason=reason, level2=ind.indicator.level2)


@register
class LegacyLevel1(Rule):
    """
    规则说明
        按国家指标体系审核的申报表中，出现了上海 2020 年版旧体系的一级目标"投入与管理""影响力
        目标"。每个旧分类只报一次。按 shanghai-2020 方案审核时不报。

    为什么重要
        现行申报表采用产出、效益、满意度（及成本）指标体系。旧分类下的指标（预算执行率、
        制度健全性、长效管理等）不是项目产出或效果，自评按 50/30/10 计分时无处归类。

    示例
        投入与管理目标 / 投入管理 / 预算执行率 >=95%；
        影响力目标 / 长效管理 / 救护师资流失率 — 减少。

    应改为
        删去投入与管理目标下的过程指标（预算执行另行考核）；影响力目标下的内容改写为
        效益指标 / 可持续影响指标，例如"救护师资流失率 ≤5.00(%)"。

    依据
        财预〔2015〕88号；财预〔2021〕101号（产出、效益、满意度、成本指标）。
    """

    code = "JX407"
    name = "legacy-level1"
    title = "使用了旧版一级指标"
    category = "format"
    severity = "info"
    message = "一级指标「{level1}」是上海2020年版旧体系的分类，现行指标体系中没有（其下 {count} 个指标）"
    hint = "改用产出、效益、满意度（及成本）指标；投入与管理类的过程指标删去，影响力类改为可持续影响指标"
    basis = B101

    _LEGACY: ClassVar[tuple[str, ...]] = ("投入与管理", "影响力")

    def check(self, ctx: Context) -> Iterator[Hit]:
        if getattr(ctx.profile, "tree", "national") != "national":
            return
        if not any(k in ctx.level1_keys for k in self._LEGACY):
            return
        for key in self._LEGACY:
            inds = [i for i in ctx.indicators if i.level1 == key]
            if inds:
                yield self.at(inds[0], level1=inds[0].indicator.level1, count=len(inds))
