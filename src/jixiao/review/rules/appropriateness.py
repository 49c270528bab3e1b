"""Rules JX6xx: targets fit the money and the project (适当性), are results rather than inputs or
work items (相关性), and can be reached and verified (可行性)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from jixiao.review.engine import Context, Hit, IndicatorView, Rule, register
from jixiao.review.goaltext import bigrams
from jixiao.targets import base_value

B88 = "财预〔2015〕88号《中央部门预算绩效目标管理办法》"
B101 = "财预〔2021〕101号《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》"
B10 = "财预〔2020〕10号《项目支出绩效评价管理办法》"

_PROCUREMENT = re.compile(r"采购|购置")
_PROJECT_UNITS = frozenset(("个", "项"))
_PROJECT_SIMILARITY = 0.5  # Dice coefficient of bigrams: the indicator names the project itself


def _money(ind: IndicatorView) -> bool:
    base = base_value(ind.target)
    return base is not None and base[1] == "元"


def _names_project(ind: IndicatorView, project: frozenset[str]) -> bool:
    """A count of one 个/项 whose name is the project's own name (``信息化项目建设 =1.00(个)``)."""
    t = ind.target
    if t.value != 1 or t.unit not in _PROJECT_UNITS or t.op not in ("=", "≥") or not project:
        return False
    name = bigrams(ind.name)
    return bool(name) and 2 * len(name & project) / (len(name) + len(project)) >= _PROJECT_SIMILARITY


def _input_reason(ind: IndicatorView, project: frozenset[str]) -> str | None:
    if ind.level1 != "产出" or ind.target.value is None:
        return None
    if ind.level2 != "成本" and _money(ind):
        return "是一笔金额"
    if ind.level2 == "数量" and _PROCUREMENT.search(ind.name):
        return "是采购的数量"
    if _names_project(ind, project):
        return "只是项目本身"
    return None


@register
class InputAsOutput(Rule):
    """
    规则说明
        把投入当作产出：产出指标（成本指标除外）以金额（元、万元）为指标值；数量指标考核的是
        采购、购置了多少物资；或者数量指标只数项目本身（名称就是项目名称，指标值为 1 个/项）。

    为什么重要
        产出指标要说明花这笔钱提供了多少、多好的公共产品或服务。钱花了多少、买了多少东西、
        项目做没做，是投入和过程，不是产出：无论结果如何都能"完成"，考核不出绩效。

    示例
        产出指标 / 数量指标 / 物资采购 =1500.00(件)；
        产出指标 / 数量指标 / 信息化项目建设 =1.00(个)（项目名称：信息化建设项目）。

    应改为
        写这些投入带来的产出：救灾物资发放覆盖受灾群众 ≥3000.00(人)；
        平台上线功能模块 ≥6.00(个)、平台年度培训考核人数 ≥10000.00(人)。

    依据
        财预〔2015〕88号：绩效目标是预期达到的产出和效果；地方规定：资金、人力、物力等投入
        不得作为绩效目标。
    """

    code = "JX601"
    name = "input-as-output"
    title = "把投入当作产出"
    category = "appropriateness"
    severity = "warning"
    message = "产出指标「{name}」的指标值「{target}」{reason}，衡量的是投入而不是产出"
    hint = "改写为这些投入带来的产出：提供了多少服务、覆盖多少对象、达到什么质量"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        project = bigrams(ctx.declaration.name or "")
        for ind in ctx.indicators:
            reason = _input_reason(ind, project)
            if reason is not None:
                yield self.at(ind, reason=reason)


# Budget-process items: how the money is managed, not what it achieves.
_BUDGET_PROCESS = re.compile(
    r"预算执行|预算编制|预算调整|资金到位|资金拨付|资金使用|财务管理|财务监控|会计核算|制度健全|管理制度"
)


@register
class BudgetProcessAsTarget(Rule):
    """
    规则说明
        预算执行率、预算编制合理性、预算资金到位率、财务管理制度健全性、资金使用规范性、
        财务监控有效性等预算和财务管理过程，被列为绩效指标。按国家指标体系审核时报告；
        按上海 2020 年体系审核时，它们属于其"投入与管理目标"，只在放到别的一级目标下时报告。

    为什么重要
        绩效目标衡量项目的产出和效果。预算执行率在自评中单独计分（10 分），制度是否健全、
        资金是否规范由财务管理和监督检查，不是项目绩效；写进指标表只会挤占产出和效益指标，
        而且几乎总能"达成"。

    示例
        投入与管理 / 投入管理 / 预算执行率 >=95%；
        投入与管理 / 财务管理 / 财务管理制度健全性 — 健全。

    应改为
        删去这些行，预算执行另按执行率考核；改为写项目的产出和效果，例如
        "少儿住院互助基金参保人数 ≥2100000.00(人)"。

    依据
        财预〔2020〕10号：自评中预算执行率单独计分（10分），产出、效益、满意度指标另计；
        财预〔2021〕101号：指标应反映项目的产出和效果。
    """

    code = "JX602"
    name = "budget-process-as-target"
    title = "把预算和财务管理过程列为绩效指标"
    category = "appropriateness"
    severity = "warning"
    message = "指标「{name}」（{target}）是预算或财务管理过程，不是项目的产出或效果"
    hint = "删去这一行（预算执行率在自评中单独考核），改写项目的产出或效果指标"
    basis = B10

    def check(self, ctx: Context) -> Iterator[Hit]:
        national = getattr(ctx.profile, "tree", "national") == "national"
        for ind in ctx.indicators:
            if (national or ind.level1 != "投入与管理") and _BUDGET_PROCESS.search(ind.name):
                yield self.at(ind)


def _funds(value: Decimal) -> str:
    return f"{value:,.2f}"


@register
class FewIndicatorsForFunds(Rule):
    """
    规则说明
        三级指标的个数少于项目资金规模所要求的个数。阈值 indicators_for_funds 是
        "[资金（元）, 最少指标数]"的列表（默认：100万元 6个，500万元 10个，2000万元 15个）。
        指标总数已少于 min_indicators 时由 JX109 报告，这里不重复。

    为什么重要
        资金越多，项目的产出和效果越多，需要更多指标才能说清楚钱花在哪里、换来什么。
        几百万元的项目只有两三个指标，审核人无法判断目标与资金是否匹配，监控和自评也
        只能粗略进行。

    示例
        信息化建设项目：年度资金 3,718,900.00 元，只有 3 个三级指标。

    应改为
        按数量、质量、时效、成本、效益、满意度细化，例如增加"平台上线功能模块数""线上培训
        考核人数""系统可用率""考核数据上传及时率""用户满意度"等指标，至少 6 个。

    依据
        财预〔2015〕88号：绩效目标应细化量化，与资金量相匹配。
    """

    code = "JX603"
    name = "few-indicators-for-funds"
    title = "资金规模大而指标过少"
    category = "appropriateness"
    severity = "warning"
    message = "年度资金 {funds} 元，只有 {count} 个三级指标（该资金规模宜不少于 {minimum} 个）"
    hint = "把目标细化到数量、质量、时效、成本、效益和满意度，至少 {minimum} 个三级指标"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        total = ctx.declaration.funds.total
        if total is None:
            return
        count = len(ctx.indicators)
        if count < ctx.thresholds.get("min_indicators", 3):
            return  # JX109
        minimum = 0
        for funds, fewest in ctx.thresholds.get("indicators_for_funds", ()):
            if total >= Decimal(str(funds)):
                minimum = max(minimum, int(fewest))
        if count < minimum:
            yield self.on("funds.total", funds=_funds(total), count=count, minimum=minimum)


# An activity named as a target: a verb of doing at the start of the name.
_WORK_VERBS = re.compile(
    r"^(?:加强|推进|开展|做好|完善|扩大|围绕|落实|推动|抓好|深化|强化|组织|举办|召开|实施|传递|弘扬|提供|积极)"
)


@register
class WorkItemAsTarget(Rule):
    """
    规则说明
        指标名称是一项工作（以"加强、推进、开展、做好、完善、扩大、围绕、落实、组织、提供、
        传递"等动词开头），指标值又是文字（提升、有效、达到、持续稳定 …），没有数量。时效指标
        （"开展××工作 按时"）不在此列。

    为什么重要
        这是审核中常见的"形式化"：把要做的工作列成目标。工作做了就算"有效""提升"，看不出
        做到什么程度、带来什么结果，年终无法客观评价，也不能与资金对应。

    示例
        产出指标 / 质量指标 / 加强红十字医疗机构管理工作 — 提升；
        效益指标 / 社会效益指标 / 扩大项目宣传力度 — 有效。

    应改为
        写工作的结果，并给出数值：冠名医疗机构评估督导达标率 ≥90.00(%)；
        救助项目宣传覆盖人次 ≥10000.00(人次)。

    依据
        财预〔2021〕101号：指标应重点突出、量化易评，反映项目的产出和效果，而不是罗列工作。
    """

    code = "JX604"
    name = "work-item-as-target"
    title = "把工作事项当作目标"
    category = "relevance"
    severity = "warning"
    message = "指标「{name}」是一项工作，指标值「{target}」没有说明做到什么程度"
    hint = "写出工作带来的结果并量化，例如「××覆盖率 ≥90.00(%)」「××人次 ≥1000.00(人次)」"
    basis = B101

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            if (ind.target.value is None and ind.level2 != "时效" and (ind.target.text or "").strip()
                    and _WORK_VERBS.match(ind.name.strip())):
                yield self.at(ind)


@register
class Satisfaction100(Rule):
    """
    规则说明
        满意度（满意率）指标的指标值是 100%（=100% 或 ≥100%）。指标名称须以"满意度""满意率"
        结尾；"满意度调查覆盖率"之类不是满意度。

    为什么重要
        满意度调查几乎不可能人人满意：样本稍大就会有不满意的回答。100% 的目标要么无法达成，
        要么说明没有真正调查。审核看可行性时，目标应有依据、能够实现。

    示例
        满意度指标 / 服务对象满意度指标 / 参训人员满意度 =100.00(%)。

    应改为
        满意度指标 / 服务对象满意度指标 / 参训人员满意度 ≥90.00(%)（参照历年调查结果确定）。

    依据
        财预〔2015〕88号：绩效目标应合理可行，经过调查研究和科学论证，能在期限内实现。
    """

    code = "JX605"
    name = "satisfaction-100"
    title = "满意度目标为100%"
    category = "feasibility"
    severity = "info"
    message = "满意度指标「{name}」的指标值「{target}」要求人人满意，难以实现也难以核实"
    hint = "按历年调查结果定一个可实现的目标，例如 ≥90.00(%)"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            t = ind.target
            if (t.value is not None and t.upper is None and t.op in ("=", "≥")
                    and ind.name.rstrip(")） ").endswith(("满意度", "满意率"))):
                base = base_value(t)
                if base is not None and base[1] == "%" and base[0] == 100:
                    yield self.at(ind)


# Units of one event: a session, a meeting, a round.
_EVENT_UNITS = frozenset(("次", "期", "场", "届", "批", "轮"))
_COUNT_UNITS = _EVENT_UNITS | frozenset((
    "个", "个区", "所", "家", "人", "人次", "名", "份", "件", "册", "部", "本", "套", "台", "条", "条次",
    "项", "篇", "户", "处", "座", "辆",
))  # fmt: skip


@register
class SingleEventOutput(Rule):
    """
    规则说明
        数量指标只有"1次""1期"这样的单次活动（所有计数的数量指标都不超过 1，且单位是次、期、
        场、届、批），而年度资金达到 single_output_funds（默认 10 万元）以上。只数项目本身的
        指标（JX601）不计在内。

    为什么重要
        适当性审核看资金与目标是否匹配。几十万元的项目只承诺"开展宣传活动 ≥1次"，目标定得
        过低，几乎必然"达成"，看不出钱换来了多少服务；项目的主要产出（培训人数、服务人次、
        覆盖范围）也没有写出来。

    示例
        红十字救护工作专项经费：年度资金 468,000.00 元，数量指标只有"开展宣传活动 ≥1.00(次)"。

    应改为
        写出项目的主要产出量：应急救护培训人数 ≥5000.00(人)、开展宣传活动 ≥10.00(次)、
        宣传覆盖人次 ≥20000.00(人次)。

    依据
        财预〔2015〕88号：绩效目标应与计划工作量和申请的资金相匹配。
    """

    code = "JX606"
    name = "single-event-output"
    title = "产出只有一次活动，与资金不匹配"
    category = "appropriateness"
    severity = "warning"
    message = "年度资金 {funds} 元，数量指标只有{outputs}，产出与资金规模不匹配"
    hint = "写出项目的主要产出量（培训人数、服务人次、覆盖范围等），使目标与资金相称"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        total = ctx.declaration.funds.total
        if total is None or total < Decimal(str(ctx.thresholds.get("single_output_funds", 100_000))):
            return
        project = bigrams(ctx.declaration.name or "")
        counts = [i for i in ctx.indicators
                  if i.level2 == "数量" and i.target.value is not None and i.target.unit in _COUNT_UNITS
                  and not _names_project(i, project)]
        if counts and all(i.target.value <= 1 and i.target.op in ("=", "≥") and i.target.unit in _EVENT_UNITS
                              for i in counts):
            outputs = "、".join(f"「{i.name} {i.raw}」" for i in counts)
            yield self.on("funds.total", funds=_funds(total), outputs=outputs)
