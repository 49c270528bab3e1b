"""Rules JX3xx: units of target values fit what the indicator measures."""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.review.engine import Context, Hit, Rule, register

# Units that count things (a rate or a degree must not be measured in them).
COUNT_UNITS = frozenset(
    "个 个区 所 家 人 人次 名 次 场 期 份 件 册 部 本 套 台 条 条次 项 篇 户 处 座 辆 批 课时 学时 天 小时".split()
)


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
            unit = ind.target.unit
            if unit in COUNT_UNITS and ind.name.rstrip("）)").endswith(("率", "度")):
                yield self.at(ind, unit=unit)
