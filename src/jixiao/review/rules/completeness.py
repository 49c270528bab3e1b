"""Rules JX1xx: the required parts of a declaration are there (完整性)."""

from __future__ import annotations

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
