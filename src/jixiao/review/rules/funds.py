"""Rules JX5xx: funds and dates (资金与实施期) agree with each other and with the budget year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from jixiao.review.engine import Context, Hit, Rule, register
from jixiao.review.rules.completeness import B88, is_2020_form
from jixiao.text import yuan as format_yuan

FORM = "无"  # the rule rests on the form's own arithmetic, not on a regulation; see the 依据 section

FUND_LABELS = {
    "total": "年度资金申请总额",
    "fiscal": "财政资金",
    "current_year": "当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
    "previous_year_budget": "同名项目上年预算额",
    "previous_year_spent": "同名项目上年预算执行数",
}
FUND_LABELS_2020 = {**FUND_LABELS, "total": "项目总预算", "current_year": "项目当年预算"}
DATE_LABELS = {"start": "计划开始日期", "end": "计划完成日期"}


def yuan(amount: Decimal | None) -> str:
    """``1400400`` → ``1,400,400.00``; None → ``未填``."""
    return format_yuan(amount, "未填")


@register
class FundsDoNotAddUp(Rule):
    """
    规则说明
        资金数额互相矛盾。2024 版式（及国家版式）：年度资金申请总额应等于当年财政拨款、上年结转
        资金与其他资金之和（至少填了一项组成部分时才核对，未填的部分按 0 计）。2020 版式：
        项目当年预算不应大于项目总预算。

    为什么重要
        资金数额是判断目标与资金是否匹配的基础。合计不符说明至少有一个数填错了，审核人不知道
        项目究竟申请多少钱，批复、监控和自评的执行率都会算错。

    示例
        年度资金申请总额 500,000.00 元，当年财政拨款 450,000.00 元，上年结转资金 0.00 元，
        其他资金 0.00 元（合计 450,000.00 元，相差 50,000.00 元）。

    应改为
        核对各项资金，使 年度资金申请总额 = 当年财政拨款 + 上年结转资金 + 其他资金，例如
        500,000.00 = 450,000.00 + 50,000.00 + 0.00。

    依据
        无专门条文：这是申报表自身的勾稽关系（年度资金申请总额 = 当年财政拨款 + 上年结转资金 +
        其他资金；当年预算是总预算的一部分）。财预〔2015〕88号要求绩效目标与预算资金相匹配，
        资金数额本身必须一致。
    """

    code = "JX501"
    name = "funds-do-not-add-up"
    title = "资金数额合计不符"
    category = "consistency"
    severity = "error"
    message = "资金数额不符：{detail}"
    hint = "核对资金各栏，使{relation}"
    basis = FORM

    def check(self, ctx: Context) -> Iterator[Hit]:
        f = ctx.declaration.funds
        if f.total is None:
            return
        if is_2020_form(ctx):
            if f.current_year is not None and f.current_year > f.total:
                yield self.on("funds.current_year", detail=(
                    f"项目当年预算 {yuan(f.current_year)} 元大于项目总预算 {yuan(f.total)} 元"),
                    relation="项目当年预算不大于项目总预算")
            return
        parts = (f.current_year, f.carryover, f.other)
        if all(p is None for p in parts):
            return
        total = sum((p for p in parts if p is not None), Decimal(0))
        if total != f.total:
            yield self.on("funds.total", detail=(
                f"年度资金申请总额 {yuan(f.total)} 元，而当年财政拨款 {yuan(f.current_year)} + "
                f"上年结转资金 {yuan(f.carryover)} + 其他资金 {yuan(f.other)} = {yuan(total)} 元"
                f"（相差 {yuan(f.total - total)} 元）"),
                relation="年度资金申请总额 = 当年财政拨款 + 上年结转资金 + 其他资金")


@register
class FiscalExceedsTotal(Rule):
    """
    规则说明
        "其中：财政资金"大于资金总额。财政资金是总额的一部分，不可能比总额大。

    为什么重要
        财政资金是绩效目标审核和批复的对象。比总额还大，说明有一栏填错（常见是单位写错，
        或把多年累计数填进了年度栏），审核人无法确定财政实际安排多少。

    示例
        年度资金申请总额 500,000.00 元，其中：财政资金 600,000.00 元。

    应改为
        其中：财政资金 ≤ 年度资金申请总额，例如 500,000.00 元中财政资金 450,000.00 元、
        其他资金 50,000.00 元。

    依据
        无专门条文：申报表自身的勾稽关系（"其中"项不大于总额）。
    """

    code = "JX502"
    name = "fiscal-exceeds-total"
    title = "财政资金大于资金总额"
    category = "consistency"
    severity = "error"
    message = "其中：财政资金 {fiscal} 元大于{total_label} {total} 元"
    hint = "核对财政资金和资金总额两栏：财政资金是总额的一部分"
    basis = FORM

    def check(self, ctx: Context) -> Iterator[Hit]:
        f = ctx.declaration.funds
        if f.fiscal is not None and f.total is not None and f.fiscal > f.total:
            label = (FUND_LABELS_2020 if is_2020_form(ctx) else FUND_LABELS)["total"]
            yield self.on("funds.fiscal", fiscal=yuan(f.fiscal), total=yuan(f.total), total_label=label)


@register
class NegativeAmount(Rule):
    """
    规则说明
        某个资金数额是负数（年度资金申请总额、财政资金、当年财政拨款、上年结转资金、其他资金、
        同名项目上年预算额或执行数）。每个负数报告一次。

    为什么重要
        申请、拨款和结转的金额都不会是负数。负数多半是录入或导出错误（把减少额写成负数、
        符号错位），会让合计和执行率都算错。

    示例
        上年结转资金 -100.00 元。

    应改为
        填写实际金额；没有结转就填 0.00。

    依据
        无专门条文：金额栏的填写要求（以元为单位的非负数额）。
    """

    code = "JX503"
    name = "negative-amount"
    title = "资金数额为负数"
    category = "consistency"
    severity = "error"
    message = "「{label}」为负数：{amount} 元"
    hint = "填写实际金额（元），没有就填 0.00"
    basis = FORM

    def check(self, ctx: Context) -> Iterator[Hit]:
        f = ctx.declaration.funds
        labels = FUND_LABELS_2020 if is_2020_form(ctx) else FUND_LABELS
        for key, label in labels.items():
            amount = getattr(f, key)
            if amount is not None and amount < 0:
                yield self.on(f"funds.{key}", label=label, amount=yuan(amount))


@register
class DatesReversed(Rule):
    """
    规则说明
        计划完成日期早于计划开始日期。

    为什么重要
        实施期是时效指标、年中监控和年终自评的时间基准。完成早于开始说明两栏填反或写错了年份，
        按这样的实施期无法判断进度。

    示例
        计划开始日期 2024-12-31，计划完成日期 2024-01-01。

    应改为
        计划开始日期 2024-01-01，计划完成日期 2024-12-31。

    依据
        无专门条文：实施期的起止顺序是申报表的基本要求。
    """

    code = "JX504"
    name = "dates-reversed"
    title = "计划完成日期早于开始日期"
    category = "consistency"
    severity = "error"
    message = "计划完成日期 {end} 早于计划开始日期 {start}"
    hint = "核对两个日期，是否填反或写错年份"
    basis = FORM

    def check(self, ctx: Context) -> Iterator[Hit]:
        d = ctx.declaration
        if d.start is not None and d.end is not None and d.end < d.start:
            yield self.on("end", start=d.start.isoformat(), end=d.end.isoformat())


@register
class DatesOutsideBudgetYear(Rule):
    """
    规则说明
        计划开始日期或计划完成日期不在申报表的预算年度内（只在预算年度已知时检查）。每个日期
        报告一次。

    为什么重要
        申报的是年度资金和年度绩效目标，年终按预算年度自评。实施期伸出预算年度，说明年份写错，
        或者是跨年度项目却没有说明本年度完成哪一部分，年终无法对照年度指标值打分。

    示例
        2024 年度申报表：计划完成日期 2025-06-30。

    应改为
        计划完成日期 2024-12-31；确属跨年度项目的，年度指标值只写本年度应完成的部分，并在
        年度总体目标中说明。

    依据
        财预〔2015〕88号：绩效目标分为中长期目标和年度目标，年度目标对应当年预算。
    """

    code = "JX505"
    name = "dates-outside-budget-year"
    title = "实施期超出预算年度"
    category = "consistency"
    severity = "warning"
    message = "{label} {date} 不在预算年度 {year} 年内"
    hint = "核对年份；跨年度项目请在年度指标值中只写本年度应完成的部分"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        d = ctx.declaration
        if d.year is None:
            return
        for key, label in DATE_LABELS.items():
            day = getattr(d, key)
            if day is not None and day.year != d.year:
                yield self.on(key, label=label, date=day.isoformat(), year=d.year)


@register
class ZeroFunds(Rule):
    """
    规则说明
        资金总额为 0，且各组成部分也都没有金额。资金总额为 0 而组成部分有金额时，由 JX501 报告。

    为什么重要
        不申请资金的项目不需要财政支出绩效目标；总额为 0 多半是漏填或导出时金额丢失，
        目标与资金是否匹配也就无从审核。

    示例
        年度资金申请总额 0.00 元，当年财政拨款 0.00 元。

    应改为
        填写实际申请金额，例如年度资金申请总额 500,000.00 元；确实不需要资金的，不必申报。

    依据
        财预〔2015〕88号：绩效目标是预算安排的前提，目标须与申请的预算资金相匹配。
    """

    code = "JX506"
    name = "zero-funds"
    title = "资金总额为零"
    category = "completeness"
    severity = "warning"
    message = "{label}为 0.00 元"
    hint = "填写实际申请金额；不需要财政资金的项目不必申报绩效目标"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        f = ctx.declaration.funds
        if f.total is None or f.total != 0:
            return
        if any(p is not None and p > 0 for p in (f.fiscal, f.current_year, f.carryover, f.other)):
            return
        yield self.on("funds.total", label=(FUND_LABELS_2020 if is_2020_form(ctx) else FUND_LABELS)["total"])


@register
class NoPreviousYearFunds(Rule):
    """
    规则说明
        2020 年上海版式的经常性项目（项目类别或性质为"经常性专项业务费"）没有填写"本项目上年度
        市级财政资金使用情况"中的同名项目上年预算额或上年预算执行数。一次性项目不检查。

    为什么重要
        经常性项目每年都安排资金，上年的预算额和执行数是判断今年申请额是否合理、资金与目标是否
        匹配的基本依据（历史标准）。留空就无法看出项目是扩大还是收缩、上年钱是否用完。

    示例
        红十字培训项目管理（经常性专项业务费）：同名项目上年预算额（元）、同名项目上年预算执行数
        （元）两栏均空白。

    应改为
        同名项目上年预算额（元）：430,000；同名项目上年预算执行数（元）：421,500（按上年实际填写）。

    依据
        无国家条文明文规定；这是 2020 年上海市财政项目支出绩效目标表本身设置的栏目。财预〔2015〕88号
        把历史标准列为确定指标值的依据之一。
    """

    code = "JX507"
    name = "no-previous-year-funds"
    title = "经常性项目未填上年资金使用情况"
    category = "completeness"
    severity = "warning"
    message = "经常性项目未填写{missing}"
    hint = "按上年批复和决算填写同名项目上年预算额和上年预算执行数（元）"
    basis = FORM

    def check(self, ctx: Context) -> Iterator[Hit]:
        d = ctx.declaration
        if not is_2020_form(ctx) or "经常性" not in f"{d.category or ''}{d.nature or ''}":
            return
        missing = [FUND_LABELS[k] for k in ("previous_year_budget", "previous_year_spent")
                   if getattr(d.funds, k) is None]
        if missing:
            field = "funds.previous_year_budget" if d.funds.previous_year_budget is None else \
                "funds.previous_year_spent"
            yield self.on(field, missing="、".join(f"「{m}」" for m in missing))
