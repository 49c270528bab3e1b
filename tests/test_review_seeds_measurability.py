"""Measurability (JX2xx), units (JX302–JX305) and format (JX7xx) on the two seeds: the exact findings.

Every finding below was checked by hand against the seed text (notes by each group). The rules
that find nothing in the seeds (JX201, JX203, JX204, JX207, JX304, JX305, JX702, JX706) are
exercised by their fixtures in tests/fixtures/rules/.
"""

from __future__ import annotations

import pytest

import jixiao
from jixiao.review import ReviewConfig, Reviewer
from jixiao.review.rules.format import repeated_word, unbalanced_mark
from jixiao.review.rules.measurability import attempted_number
from jixiao.review.rules.units import name_units
from tests.conftest import SEED_2020, SEED_2024

CODES = ["JX201", "JX202", "JX203", "JX204", "JX205", "JX206", "JX207", "JX208",
         "JX302", "JX303", "JX304", "JX305",
         "JX701", "JX702", "JX703", "JX704", "JX705", "JX706", "JX707"]
REVIEWER = Reviewer(ReviewConfig(select=CODES))


def findings(path) -> list[tuple[str | None, str, str | None]]:
    out = []
    for d in jixiao.read(path):
        report = REVIEWER.review(d)
        out += [(d.name, f.code, f.indicator.name if f.indicator else f.field) for f in report.findings]
    return out


def messages(path, code: str) -> list[str]:
    return [f.message for d in jixiao.read(path) for f in REVIEWER.review(d).findings if f.code == code]


RATE_QUOTE = "“博爱家园(街镇)红十字工作者培训覆盖率"

SEED_2024_FINDINGS = [
    # The project name has the English word "and" in it (遗体和人体器官捐献).
    ("遗体 and 人体器官捐献工作专项经费", "JX703", "name"),
    # Direction words with no end value: 提升 ×8, 提高, 逐步提高, 基本提升.
    ("红十字宣传传播工作专项经费", "JX202", "红十字文化进一步传播"),
    ("信息化建设项目", "JX202", "提升市民应急救护能力"),
    ("学校红十字应急救护培训工作专项经费", "JX202", "提升红十字应急救护在校园的影响力"),
    # LaTeX left in the value: $\geq 90.00\%$.
    ("学校红十字应急救护培训工作专项经费", "JX701", "培训人员满意度"),
    ("红十字医疗机构专项经费", "JX202", "加强红十字医疗机构管理工作"),
    ("红十字医疗机构专项经费", "JX202", "冠名医疗机构组织建设和能力建设"),
    # =2(人次), ≥95(%), ≥95(%): no decimals.
    ("机关服务费", "JX701", "后勤服务人次"),
    ("机关服务费", "JX701", "后勤服务人员到岗率"),
    ("机关服务费", "JX701", "服务对象满意度"),
    ("网络安全保护及数据治理工作专项经费", "JX202", "提高数据使用效率"),
    ("红十字救护工作专项经费", "JX202", "提升群众防灾避险、自救互救能力"),
    ("红十字志愿服务工作专项经费", "JX202", "各级红十字会开展志愿服务活动"),
    # 参加人数 counted in 人次.
    ("组织建设工作专项经费", "JX302", "学习教育活动参加人数"),
    ("红十字救灾工作专项经费", "JX202", "提升受灾群众获得感"),
    ("红十字救灾工作专项经费", "JX701", "受灾地区满意度"),
    ("中华骨髓库建设工作专项经费", "JX202", "造血干细胞捐献知识普及程度"),
    ("中华骨髓库建设工作专项经费", "JX701", "志愿者满意度"),
    ("学校红十字组织建设工作专项经费", "JX202", "红十字校园影响力"),
    # 宣传人次 counted in 人 (the goal itself says 人次数不少于10000人次).
    ("学校红十字组织建设工作专项经费", "JX302", "防艾反歧视知识普及宣传人次"),
    # ≥100.00(%) on a coverage rate is =100.00(%); the opening quote is never closed.
    ("社区红十字工作专项经费", "JX205", RATE_QUOTE),
    ("社区红十字工作专项经费", "JX704", RATE_QUOTE),
]

_TRAINING = "红十字培训项目管理"
_PLATFORM = "上海市少儿住院互助基金医疗费用结算与监督管理平台(运维)"
_FUND = "少儿住院互住基金工作"

SEED_2020_FINDINGS = [
    # 增加, 提升, 减少.
    (_TRAINING, "JX202", "救护师资参与教研活动频率"),
    (_TRAINING, "JX202", "救护师资业务水平"),
    (_TRAINING, "JX202", "救护师资流失率"),
    # 参与人次 counted in 人.
    (_TRAINING, "JX302", "全年培训参与人次"),
    # The 2020 form's ASCII style (>=95%, >=10人, >350万元 …): info under the 2020 profile.
    *[(_TRAINING, "JX701", name) for name in (
        "预算执行率", "获奖人数", "被督导人数", "注册考核人数", "教研活动次数", "救护宣传品覆盖人数",
        "项目完成率", "全年培训项目收益", "全年培训参与人次", "参与者满意度")],
    # A satisfaction target of 基本满意.
    (_PLATFORM, "JX206", "参保人员医疗费结算"),
    # Rates with words for values: 规范, 相符.
    (_PLATFORM, "JX208", "信息公开实现率"),
    (_PLATFORM, "JX208", "系统功能优化相符度"),
    *[(_PLATFORM, "JX701", name) for name in (
        "预算执行率", "预算执行率", "预算资金到位率", "系统功能优化率", "当年基金使用率",
        "住院费用医疗记账结算率")],
    (_FUND, "JX206", "参保人员医疗费结算"),
    # >11万: 11 万 what? (JX701 leaves it to JX303.)
    (_FUND, "JX303", "受基金报销待遇人次"),
    *[(_FUND, "JX701", name)
      for name in ("预算执行率", "学年度参保人数", "当年基金使用率", "全市集中参保率")],
    # 互住 for 互助: the overview and the necessity both say 少儿住院互助基金.
    (_FUND, "JX705", "name"),
    # 按规定时间、时间受理.
    (_FUND, "JX707", "学年中途补缴参保"),
]


def test_the_2024_seed():
    assert findings(SEED_2024) == SEED_2024_FINDINGS
    assert sum(code == "JX202" for _, code, _ in SEED_2024_FINDINGS) == 11


def test_the_2020_seed():
    assert findings(SEED_2020) == SEED_2020_FINDINGS


def test_severity_of_non_canonical_values_is_info_in_both_profiles():
    for path in (SEED_2024, SEED_2020):
        for d in jixiao.read(path):
            assert {f.severity for f in REVIEWER.review(d).findings if f.code == "JX701"} <= {"info"}


def test_messages_name_the_actual_values_and_the_fix():
    assert messages(SEED_2020, "JX705") == [
        "项目名称「少儿住院互住基金工作」中的「住院互住基金」，"
        "申报表其他处写作「住院互助基金」（2 处），疑为笔误"
    ]
    [fund] = [d for d in jixiao.read(SEED_2020) if d.name == _FUND]
    [hit] = [f for f in REVIEWER.review(fund).findings if f.code == "JX705"]
    assert hit.hint == "核对后改为「少儿住院互助基金工作」"
    [jx303] = [f for f in REVIEWER.review(fund).findings if f.code == "JX303"]
    assert jx303.hint == "写出完整数值和计量单位，例如「>110000.00(人次)」"
    assert messages(SEED_2024, "JX302") == [
        "指标「学习教育活动参加人数」按名称应以「人、名」计，指标值「≥60.00(人次)」的单位却是「人次」",
        "指标「防艾反歧视知识普及宣传人次」按名称应以「人次」计，指标值「≥10000.00(人)」的单位却是「人」",
    ]
    assert messages(SEED_2024, "JX701")[0] == (
        "指标「培训人员满意度」的指标值「$\\geq 90.00\\%$」不是规范写法，应写作「≥90.00(%)」"
    )
    assert messages(SEED_2024, "JX704") == [f"指标名称「{RATE_QUOTE}」中的「“」没有配对"]


@pytest.mark.parametrize(("text", "expected"), [
    ("≥abc", True), ("80%左右", True), ("约3000份", True), ("3200人份", True), ("3个工作日内", True),
    ("100%完成", True),
    ("做到0投诉", False), ("2023年完成", False), ("9月1日前", False), ("达到", False),
    ("达到国家3级标准", False), ("提升", False), ("按规定时间、时间受理", False),
])
def test_what_counts_as_an_attempted_number(text, expected):
    assert attempted_number(text) is expected


@pytest.mark.parametrize(("text", "mark"), [
    (RATE_QUOTE, "“"), ("《上海红十字出版期数", "《"), ("培训人数)", ")"), ('培训"人数', '"'),
    ("传递“生命在奉献中延续”的理念", None), ("资格审核（含复审)规范性", None), ("「甲」《乙》(丙)", None),
])
def test_unbalanced_marks(text, mark):
    assert unbalanced_mark(text) == mark


@pytest.mark.parametrize(("text", "word"), [
    ("按规定时间、时间受理", "时间"), ("开展宣传、宣传", "宣传"),
    ("完成培训，培训人数不少于200人", None), ("市、区联动", None), ("红会、教育、卫生", None),
])
def test_repeated_words(text, word):
    assert repeated_word(text) == word


@pytest.mark.parametrize(("name", "units"), [
    ("学习教育活动参加人数", ("人", "名")), ("防艾反歧视知识普及宣传人次", ("人次",)),
    ("宣传人次数", ("人次",)), ("微信推送次数", ("次",)), ("采购金额(万元)", ("元",)),
    ("培训人数（含线上）", ("人", "名")), ("培训合格率", None), ("制作宣传资料", None),
])
def test_units_a_name_implies(name, units):
    assert name_units(name) == units
