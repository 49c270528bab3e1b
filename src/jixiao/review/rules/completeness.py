"""Rules JX1xx: the required parts of a declaration are there (完整性)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from jixiao.review.engine import Context, Hit, Rule, register

B88 = "财预〔2015〕88号《中央部门预算绩效目标管理办法》"
B101 = "财预〔2021〕101号《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》"


@register
class NoOutputIndicator(Rule):
    """
    规则说明
        指标体系中没有任何产出指标（一级指标"产出指标"，2020 版式为"产出目标"）。

    为什么重要
        产出指标是绩效目标的核心：说明项目用这笔钱提供多少、多好、多快的公共产品或服务。
        没有产出指标，审核人无法判断资金与工作量是否匹配，年终也无法自评。

    示例
        一级指标只有"效益指标"和"满意度指标"。

    应改为
        至少增加一个产出指标，通常是数量指标和质量指标，例如
        产出指标 / 数量指标 / 举办培训期数 / =20.00(期)。

    依据
        财预〔2015〕88号第九条；财预〔2021〕101号。
    """

    code = "JX102"
    name = "no-output-indicator"
    title = "缺少产出指标"
    category = "completeness"
    severity = "error"
    message = "没有产出指标（共 {count} 个三级指标，均不在产出指标下）"
    hint = "增加产出指标：数量、质量、时效指标各至少一个，例如「举办培训期数 =20.00(期)」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        if "产出" not in ctx.level1_keys:
            yield self.on("indicators", count=len(ctx.indicators))


B10 = "财预〔2020〕10号《项目支出绩效评价管理办法》"
SH16 = "沪府办发〔2023〕16号《上海市加强成本预算绩效管理的实施方案》"

# What each field is called on the form, 2024 (and national) form first, then the 2020 form's own labels.
LABELS = {
    "name": "项目名称",
    "goal": "年度总体目标",
    "funds.total": "年度资金申请总额",
    "year": "预算年度",
    "department": "主管部门",
    "unit": "实施单位",
    "start": "计划开始日期",
    "end": "计划完成日期",
}
LABELS_2020 = {
    **LABELS,
    "goal": "总目标及阶段性目标",
    "funds.total": "项目总预算",
    "unit": "申报单位名称",
    "texts.overview": "项目概况",
    "texts.basis": "立项依据",
    "texts.necessity": "项目设立的必要性",
    "texts.safeguards": "保证项目实施的制度、措施",
    "texts.plan": "项目实施计划",
}
ESSENTIAL_FIELDS = ("name", "goal", "funds.total")
ADVICE = {
    "name": "写明项目的全称，与预算项目名称一致",
    "goal": "写明本年度要完成的主要产出和效果，尽量量化",
    "funds.total": "写明申请的资金总额（元），并与各组成部分相符",
}
OTHER_FIELDS = ("year", "department", "unit", "start", "end")
OTHER_FIELDS_2020 = ("year", "unit", "start", "end", "texts.overview", "texts.basis", "texts.necessity",
                     "texts.safeguards", "texts.plan")

BENEFIT_L2 = frozenset({"经济效益", "社会效益", "生态效益"})
COST_L2 = frozenset({"成本", "经济成本", "社会成本", "生态环境成本"})
MONEY_UNITS = frozenset({"元", "千元", "万元", "亿元"})
# A timeliness indicator filed under another group still says so: 救助款发放及时 / 及时.
_TIMELY = re.compile(r"及时|按时|按期|如期|准时|时效|进度|完成时间|时限|期限|时间节点|按计划完成")


def is_2020_form(ctx: Context) -> bool:
    """The 2020 Shanghai form (its own field labels; no 主管部门; a previous-year funds block)."""
    return ctx.declaration.layout == "shanghai-2020" or ctx.profile.tree == "shanghai-2020"


def field_value(ctx: Context, path: str) -> object:
    obj: object = ctx.declaration
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing(ctx: Context, fields: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    labels = LABELS_2020 if is_2020_form(ctx) else LABELS
    for path in fields:
        if _blank(field_value(ctx, path)):
            yield path, labels[path]


@register
class MissingField(Rule):
    """
    规则说明
        申报表缺少最基本的内容：项目名称、年度总体目标（2020 版式为"总目标及阶段性目标"）
        或资金总额（年度资金申请总额；2020 版式为"项目总预算"）。每缺一项报告一次。

    为什么重要
        没有名称就无法识别项目；没有总体目标，三级指标无从对照；没有资金数额，无法判断
        目标与资金是否匹配。这样的申报表不能进入审核。

    示例
        年度总体目标一栏空白；年度资金申请总额未填写。

    应改为
        填写项目名称、年度总体目标（写明本年度要完成的主要产出和效果，尽量量化）和资金数额，
        例如"年度资金申请总额 500,000.00 元"。

    依据
        财预〔2015〕88号：绩效目标是预算安排的前提，申报预算须同时申报绩效目标（完整性审核）。
    """

    code = "JX101"
    name = "missing-field"
    title = "缺少项目名称、总体目标或资金总额"
    category = "completeness"
    severity = "error"
    message = "未填写「{label}」"
    hint = "补填「{label}」：{advice}"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        for path, label in _missing(ctx, ESSENTIAL_FIELDS):
            yield self.on(path, label=label, advice=ADVICE[path])


@register
class MissingFormField(Rule):
    """
    规则说明
        申报表的其他必填信息项为空：预算年度、主管部门、实施单位、计划开始日期、计划完成日期。
        2020 年上海版式没有"主管部门"，但要求填写申报单位名称以及项目概况、立项依据、
        项目设立的必要性、保证项目实施的制度措施和项目实施计划。每缺一项报告一次。

    为什么重要
        这些信息决定由谁负责、何时完成、按哪一年的预算审核。缺少实施期就无法判断时效指标，
        也无法按期监控和自评；2020 版式的文字说明是判断项目必要性和可行性的依据。

    示例
        实施单位一栏空白；计划完成日期未填写。

    应改为
        补填对应信息项，例如"实施单位 上海市红十字会""计划完成日期 2024-12-31"。

    依据
        财预〔2015〕88号：绩效目标申报表的各项内容应填写完整；2020 年上海版式的文字说明
        是该表的组成部分。
    """

    code = "JX111"
    name = "missing-form-field"
    title = "申报表信息项未填写"
    category = "completeness"
    severity = "warning"
    message = "未填写「{label}」"
    hint = "补填「{label}」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        fields = OTHER_FIELDS_2020 if is_2020_form(ctx) else OTHER_FIELDS
        for path, label in _missing(ctx, fields):
            yield self.on(path, label=label)


@register
class NoBenefitIndicator(Rule):
    """
    规则说明
        指标体系中没有效益指标（一级指标"效益指标"，2020 版式为"效果目标"；或经济效益、
        社会效益、生态效益、可持续影响等二级指标）。没有任何三级指标时由 JX109 报告。

    为什么重要
        效益指标说明项目花钱之后带来了什么变化。只有产出没有效益，绩效目标就只是一份
        工作清单，无法回答"这笔钱值不值"。

    示例
        一级指标只有"产出指标"和"满意度指标"。

    应改为
        增加至少一个效益指标，例如 效益指标 / 社会效益指标 / 居民应急救护知识知晓率 / ≥80.00(%)。

    依据
        财预〔2015〕88号第九条：绩效目标包括预期效果（经济效益、社会效益、生态效益、可持续影响）；
        财预〔2021〕101号。
    """

    code = "JX103"
    name = "no-benefit-indicator"
    title = "缺少效益指标"
    category = "completeness"
    severity = "error"
    message = "没有效益指标（共 {count} 个三级指标，均不在效益指标下）"
    hint = "增加效益指标，例如「社会效益指标 / 居民应急救护知识知晓率 ≥80.00(%)」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not ctx.indicators:
            return
        for ind in ctx.indicators:
            if ind.level1 == "效益" or ind.level2 in BENEFIT_L2 or (
                ind.level2 == "可持续影响" and ind.level1 != "影响力"
            ):
                return
        yield self.on("indicators", count=len(ctx.indicators))


@register
class NoSatisfactionIndicator(Rule):
    """
    规则说明
        没有服务对象满意度指标：既没有一级指标"满意度指标"，也没有二级指标"服务对象满意度指标"
        （2020 版式为效果目标下的"满意度"），也没有名称中带"满意"的三级指标。
        阈值 require_satisfaction = false 时不检查。没有任何三级指标时由 JX109 报告。

    为什么重要
        服务对象的评价是公共服务效果最直接的检验。有明确服务对象的项目（培训、救助、志愿服务、
        系统用户）缺少满意度指标，年终自评就少了"群众是否认可"这一项。

    示例
        信息化建设项目：指标只有"信息化项目建设 =1.00(个)""达到信息化项目建设目标 达成"
        "提升市民应急救护能力 提升"。

    应改为
        满意度指标 / 服务对象满意度指标 / 系统使用人员满意度 / ≥90.00(%)。

    依据
        财预〔2015〕88号第九条：绩效目标包括服务对象或项目受益人满意程度；财预〔2021〕101号；
        财预〔2020〕10号自评表的"满意度指标"。
    """

    code = "JX104"
    name = "no-satisfaction-indicator"
    title = "缺少满意度指标"
    category = "completeness"
    severity = "warning"
    message = "没有服务对象满意度指标（共 {count} 个三级指标）"
    hint = "增加满意度指标，例如「服务对象满意度指标 / 培训学员满意度 ≥90.00(%)」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not ctx.thresholds.get("require_satisfaction", True) or not ctx.indicators:
            return
        for ind in ctx.indicators:
            if ind.level1 == "满意度" or ind.level2 == "服务对象满意度" or "满意" in ind.name:
                return
        yield self.on("indicators", count=len(ctx.indicators))


def _has_output(ctx: Context) -> bool:
    """Whether the declaration has an output part at all (when not, JX102 says so and we stay quiet)."""
    return "产出" in ctx.level1_keys


@register
class NoQuantityIndicator(Rule):
    """
    规则说明
        产出指标下没有数量指标。完全没有产出指标时由 JX102 报告，本规则不重复。

    为什么重要
        数量指标说明这笔钱买到多少产品或服务（培训多少期、多少人，制作多少份）。没有数量，
        资金与工作量是否匹配无从判断，年终也无法按完成数自评。

    示例
        产出指标只有"培训合格率 ≥90.00(%)"和"培训计划按期完成率 ≥95.00(%)"。

    应改为
        增加数量指标，例如 产出指标 / 数量指标 / 举办社区应急救护培训期数 / =20.00(期)。

    依据
        财预〔2015〕88号第九条：预期产出包括提供公共产品和服务的数量、质量、时效；
        财预〔2021〕101号。
    """

    code = "JX105"
    name = "no-quantity-indicator"
    title = "缺少数量指标"
    category = "completeness"
    severity = "warning"
    message = "产出指标下没有数量指标（二级指标有：{groups}）"
    hint = "增加数量指标，写明提供多少产品或服务，例如「举办培训期数 =20.00(期)」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        if _has_output(ctx) and "数量" not in ctx.level2_keys:
            yield self.on("indicators", groups=_groups(ctx))


@register
class NoQualityIndicator(Rule):
    """
    规则说明
        产出指标下没有质量指标。完全没有产出指标时由 JX102 报告，本规则不重复。

    为什么重要
        只考核数量会鼓励"做够次数"而不问做得好不好。质量指标（合格率、达标率、验收通过）
        说明产出应达到的标准，是年终判断产出是否合格的依据。

    示例
        产出指标只有"举办培训期数 =20.00(期)"和"培训居民人数 ≥1000.00(人)"。

    应改为
        增加质量指标，例如 产出指标 / 质量指标 / 培训合格率 / ≥90.00(%)。

    依据
        财预〔2015〕88号第九条：预期产出包括提供公共产品和服务的数量、质量、时效；
        财预〔2021〕101号。
    """

    code = "JX106"
    name = "no-quality-indicator"
    title = "缺少质量指标"
    category = "completeness"
    severity = "warning"
    message = "产出指标下没有质量指标（二级指标有：{groups}）"
    hint = "增加质量指标，写明产出应达到的标准，例如「培训合格率 ≥90.00(%)」"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        if _has_output(ctx) and "质量" not in ctx.level2_keys:
            yield self.on("indicators", groups=_groups(ctx))


@register
class NoTimelinessIndicator(Rule):
    """
    规则说明
        没有时效指标：二级指标中没有"时效指标"（或"进度指标"），也没有名称或指标值说明完成时间
        的三级指标（如"救助款发放及时 / 及时"，虽放错了组，但已考核时效）。
        阈值 require_timeliness = false 时不检查；完全没有产出指标时由 JX102 报告。

    为什么重要
        时效指标说明产出在什么时间完成。没有它，年中监控无法判断进度是否滞后，年终也无法
        判断是否按期完成。

    示例
        红十字救护工作专项经费：产出只有"开展宣传活动 ≥1.00(次)"和"围绕世界急救日主题开展
        宣传、演练 有效"。

    应改为
        产出指标 / 时效指标 / 宣传活动按期完成率 / =100.00(%)，或"世界急救日宣传活动完成时间
        ≤2024-09-30"这类写明时间节点的指标。

    依据
        财预〔2015〕88号第九条：预期产出包括时效；财预〔2021〕101号；财预〔2020〕10号自评表
        的"时效指标"。
    """

    code = "JX107"
    name = "no-timeliness-indicator"
    title = "缺少时效指标"
    category = "completeness"
    severity = "warning"
    message = "没有时效指标（产出下的二级指标有：{groups}）"
    hint = "增加时效指标，例如「培训计划按期完成率 ≥95.00(%)」或写明完成时间节点"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not ctx.thresholds.get("require_timeliness", True) or not _has_output(ctx):
            return
        for ind in ctx.indicators:
            if ind.level2 == "时效" or _TIMELY.search(ind.name) or _TIMELY.search(ind.target.text or ""):
                return
        yield self.on("indicators", groups=_groups(ctx))


@register
class NoCostIndicator(Rule):
    """
    规则说明
        没有成本指标：既没有一级指标"成本指标"，也没有二级指标"成本指标"（经济成本、社会成本、
        生态环境成本），也没有名称带"成本"或以金额上限（≤ … 元）表示的三级指标。
        阈值 require_cost = false 时不检查。2020 上海版式没有成本指标组，该档案把本规则降为
        "提示"：指出缺少成本控制，但不扣分。
        没有任何三级指标时由 JX109 报告。

    为什么重要
        财预〔2021〕101号把成本指标列为一级指标，要求绩效目标包含相应的成本控制要求；上海市
        推行成本预算绩效管理，要求核定项目成本。没有成本指标，就无法判断单位产出花了多少钱、
        是否节约。

    示例
        2024 年上海市红十字会 16 个项目都没有成本指标，例如机关服务费 120,000.00 元，
        指标只有后勤服务人次、到岗率、队伍稳定和满意度。

    应改为
        成本指标 / 经济成本指标 / 人均培训成本 / ≤500.00(元)，或"项目总成本 ≤120,000.00(元)"。

    依据
        财预〔2021〕101号：项目绩效目标包括相应的成本控制要求，成本指标含经济成本、社会成本、
        生态环境成本；沪府办发〔2023〕16号《上海市加强成本预算绩效管理的实施方案》。
    """

    code = "JX108"
    name = "no-cost-indicator"
    title = "缺少成本指标"
    category = "completeness"
    severity = "warning"
    message = "没有成本指标（共 {count} 个三级指标，均不考核成本）"
    hint = "增加成本指标，例如「经济成本指标 / 人均培训成本 ≤500.00(元)」"
    basis = f"{B101}；{SH16}"

    def check(self, ctx: Context) -> Iterator[Hit]:
        if not ctx.thresholds.get("require_cost", True) or not ctx.indicators:
            return
        for ind in ctx.indicators:
            t = ind.target
            if ind.level1 == "成本" or ind.level2 in COST_L2 or "成本" in ind.name or (
                t.unit in MONEY_UNITS and t.op in ("≤", "<")
            ):
                return
        yield self.on("indicators", count=len(ctx.indicators))


@register
class TooFewIndicators(Rule):
    """
    规则说明
        三级指标总数少于阈值 min_indicators（默认 3 个）。

    为什么重要
        两三个指标无法同时覆盖产出的数量、质量、时效和效益、满意度，绩效目标难以细化量化，
        年终自评也缺少可比较的依据。

    示例
        只有"信息化项目建设 =1.00(个)"和"提升市民应急救护能力 提升"两个指标。

    应改为
        按产出（数量、质量、时效、成本）、效益、满意度分别设置指标，一般不少于 3 个，
        资金量大的项目应更细。

    依据
        地方规定"绩效指标总数不得少于3个"（见 domain-rules LOC-D）；财预〔2015〕88号要求绩效目标
        细化量化。国家文件未规定最少个数，故阈值可配置。
    """

    code = "JX109"
    name = "too-few-indicators"
    title = "三级指标过少"
    category = "completeness"
    severity = "warning"
    message = "只有 {count} 个三级指标，少于 {minimum} 个"
    hint = "按产出、效益、满意度分别补充指标，使三级指标不少于 {minimum} 个"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        minimum = ctx.thresholds.get("min_indicators", 3)
        if len(ctx.indicators) < minimum:
            yield self.on("indicators", count=len(ctx.indicators), minimum=minimum)


@register
class EmptyIndicatorPart(Rule):
    """
    规则说明
        某个三级指标的名称或指标值为空（只有空白也算空）。

    为什么重要
        没有名称的指标不知道考核什么，没有指标值的指标不知道考核到什么程度；这一行既不能审核，
        也不能在年终自评中打分。

    示例
        产出指标 / 数量指标 / 培训人数 / （指标值空白）。

    应改为
        补全名称和指标值，例如 产出指标 / 数量指标 / 培训人数 / ≥200.00(人)；如果这一行是多余的，
        删除它。

    依据
        财预〔2015〕88号：绩效指标应细化、量化，每个指标都应有明确的指标值。
    """

    code = "JX110"
    name = "empty-indicator-part"
    title = "指标名称或指标值为空"
    category = "completeness"
    severity = "error"
    message = "第 {index} 个三级指标（{levels}）的{part}为空：名称「{name}」，指标值「{target}」"
    hint = "补全{part}，或删除这一行"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        for ind in ctx.indicators:
            no_name = not ind.name.strip()
            no_value = not ind.raw.strip()
            if no_name or no_value:
                part = "名称和指标值" if no_name and no_value else ("名称" if no_name else "指标值")
                raw = ind.indicator
                levels = "/".join(x for x in (raw.level1, raw.level2) if x) or "未分级"
                yield self.at(ind, index=ind.index, part=part, levels=levels)


def _groups(ctx: Context) -> str:
    """The level-2 groups under 产出, as written, for messages."""
    seen = dict.fromkeys(
        (v.indicator.level2 or "").replace(" ", "") for v in ctx.indicators if v.level1 == "产出"
    )
    return "、".join(g for g in seen if g) or "无"


@register
class NoTotalGoal(Rule):
    """
    规则说明
        2024 年申报表的"项目总目标"一栏为空（只填了"年度总体目标"）。只在表中有这一栏的版式
        （2024 上海申报表）检查；2020 版式的"总目标及阶段性目标"是一栏，由 JX101 检查。

    为什么重要
        绩效目标分中长期目标和年度目标：项目总目标说明项目在整个实施期要达到的产出和效果，
        年度目标是它在本年度的分解。只写年度目标，审核人无法判断本年度目标在整个项目中的位置，
        经常性项目也看不出逐年要推进到什么程度。

    示例
        项目总目标：（空）；年度总体目标：大力开展应急救护培训……

    应改为
        项目总目标：到 2026 年，全市社区应急救护培训覆盖率达到 80%，……；年度总体目标按年分解。

    依据
        财预〔2015〕88号第八条：绩效目标按时效性分为中长期绩效目标和年度绩效目标。
    """

    code = "JX112"
    name = "no-total-goal"
    title = "未填写项目总目标"
    category = "completeness"
    severity = "info"
    message = "「项目总目标」一栏为空，只填写了年度总体目标"
    hint = "填写项目在整个实施期要达到的总目标，年度总体目标是它在本年度的分解"
    basis = B88

    def check(self, ctx: Context) -> Iterator[Hit]:
        d = ctx.declaration
        if d.layout == "shanghai-2024" and not d.texts.total_goal and d.goal:
            yield self.on("texts.total_goal")
