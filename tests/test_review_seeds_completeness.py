"""Required parts (JX1xx) and funds and dates (JX5xx) on the two seeds: the exact findings.

Every finding below was checked by hand against the seed text; see the notes by each group.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import jixiao
from jixiao.review import ReviewConfig, Reviewer, load_config
from tests.conftest import SEED_2020, SEED_2024
from tests.rulefixtures import declaration

CODES = ["JX101", "JX103", "JX104", "JX105", "JX106", "JX107", "JX108", "JX109", "JX110", "JX111",
         "JX501", "JX502", "JX503", "JX504", "JX505", "JX506", "JX507"]
REVIEWER = Reviewer(ReviewConfig(select=CODES))

# No 2024 project has a cost indicator (成本指标), as 101号 and 沪府办发〔2023〕16号 expect.
NO_COST_2024 = [
    "遗体 and 人体器官捐献工作专项经费", "红十字宣传传播工作专项经费", "信息化建设项目",
    "学校红十字应急救护培训工作专项经费", "红十字医疗机构专项经费", "机关服务费",
    "网络安全保护及数据治理工作专项经费", "红十字救护工作专项经费", "红十字志愿服务工作专项经费",
    "组织建设工作专项经费", "红十字历史文化和理论研究工作专项经费", "红十字救灾工作专项经费",
    "中华骨髓库建设工作专项经费", "学校红十字组织建设工作专项经费", "社区红十字工作专项经费",
    "红十字救助工作专项经费",
]
# Only 遗体…捐献 (及时参与器官捐献见证), 机关服务费 (到岗率), 骨髓库 (采集及送检样本量 按时) have a
# 时效指标; 救助 files "救助款发放及时 / 及时" under 质量指标, which still measures timeliness.
HAS_TIMELINESS_2024 = {"遗体 and 人体器官捐献工作专项经费", "机关服务费", "中华骨髓库建设工作专项经费",
                       "红十字救助工作专项经费"}
# Projects with no 满意度指标 at all.
NO_SATISFACTION_2024 = {"信息化建设项目", "网络安全保护及数据治理工作专项经费", "组织建设工作专项经费",
                        "红十字历史文化和理论研究工作专项经费"}


def findings(path) -> list[tuple[str | None, str, str | None]]:
    out = []
    for d in jixiao.read(path):
        report = REVIEWER.review(d)
        out += [(d.name, f.code, f.indicator.name if f.indicator else f.field) for f in report.findings]
    return out


def test_the_2024_seed():
    expected = []
    for name in NO_COST_2024:
        if name in NO_SATISFACTION_2024:
            expected.append((name, "JX104", "indicators"))
        if name not in HAS_TIMELINESS_2024:
            expected.append((name, "JX107", "indicators"))
        expected.append((name, "JX108", "indicators"))
    assert findings(SEED_2024) == expected
    assert len(expected) == 4 + 12 + 16


def test_the_2020_seed():
    # Both 经常性专项业务费 projects leave 同名项目上年预算额 and 上年预算执行数 blank; the third is
    # 其他一次性项目. No project has a cost indicator: under the 2020 profile that is an info (the
    # table has no cost group), and every project has 效果目标, 满意度, 数量, 质量 and 时效.
    assert findings(SEED_2020) == [
        ("红十字培训项目管理", "JX108", "indicators"),
        ("红十字培训项目管理", "JX507", "funds.previous_year_budget"),
        ("上海市少儿住院互助基金医疗费用结算与监督管理平台(运维)", "JX108", "indicators"),
        ("少儿住院互住基金工作", "JX108", "indicators"),
        ("少儿住院互住基金工作", "JX507", "funds.previous_year_budget"),
    ]
    reports = [Reviewer(ReviewConfig(select=["JX108"])).review(d) for d in jixiao.read(SEED_2020)]
    assert {(f.severity, r.score) for r in reports for f in r.findings} == {("info", 100.0)}


def test_require_cost_false_turns_the_cost_check_off(tmp_path):
    config = tmp_path / "jixiao.toml"
    config.write_text("[review]\nselect = [\"JX108\"]\n[review.thresholds]\nrequire_cost = false\n",
                      encoding="utf-8")
    reviewer = Reviewer(load_config(config))
    assert [r.findings for r in map(reviewer.review, jixiao.read(SEED_2024))] == [[]] * 16


def test_the_2020_seed_under_the_national_profile_still_wants_a_cost_indicator():
    reviewer = Reviewer(ReviewConfig(profile="national-2021", select=["JX108"]))
    assert [len(reviewer.review(d).findings) for d in jixiao.read(SEED_2020)] == [1, 1, 1]


def test_messages_name_the_actual_values():
    d = jixiao.read(SEED_2024)[0]
    (finding,) = Reviewer(ReviewConfig(select=["JX108"])).review(d).findings
    assert finding.message == "没有成本指标（共 10 个三级指标，均不考核成本）"
    d = declaration({"funds": {"total": "1400400.00", "current_year": "1400000.00"}})
    (finding,) = Reviewer(ReviewConfig(select=["JX501"])).review(d).findings
    assert finding.message == (
        "资金数额不符：年度资金申请总额 1,400,400.00 元，而当年财政拨款 1,400,000.00 + 上年结转资金 0.00 + "
        "其他资金 0.00 = 1,400,000.00 元（相差 400.00 元）"
    )


# What the fixtures cannot say (TOML has no null): fields that are absent altogether.


def _codes(d, profile=None) -> list[tuple[str, str | None]]:
    return [(f.code, f.field) for f in REVIEWER.review(d, profile).findings]


def test_absent_funds_total_and_dates_are_missing_fields():
    d = declaration()
    d.funds.total = None
    d.start = d.end = None
    d.year = None
    assert _codes(d) == [("JX101", "funds.total"), ("JX111", "year"), ("JX111", "start"), ("JX111", "end")]


def test_the_2020_form_has_no_department():
    d = declaration({"layout": "shanghai-2020", "department": ""})
    d.texts.overview = d.texts.basis = d.texts.necessity = d.texts.safeguards = d.texts.plan = "有"
    d.funds.previous_year_budget = d.funds.previous_year_spent = Decimal("430000")
    assert _codes(d, "shanghai-2020") == []


@pytest.mark.parametrize(("funds", "expected"), [
    ({"current_year": None, "carryover": None, "other": None}, []),  # nothing to add up
    ({"carryover": None, "other": None}, []),  # 500,000 = 500,000 + 0 + 0
    ({"current_year": None, "carryover": Decimal("100")}, [("JX501", "funds.total")]),
    ({"total": None}, [("JX101", "funds.total")]),
])
def test_funds_with_absent_parts(funds, expected):
    d = declaration()
    for key, value in funds.items():
        setattr(d.funds, key, value)
    assert _codes(d) == expected


def test_dates_are_not_checked_against_an_unknown_year():
    d = declaration({"end": "2025-06-30"})
    d.year = None
    assert [c for c in _codes(d) if c[0] == "JX505"] == []
    d = declaration({"start": "2024-12-31"})
    d.end = date(2024, 1, 1)
    assert _codes(d) == [("JX504", "end")]
