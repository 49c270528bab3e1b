"""Both seed documents read field by field as the hand-made answer key says.

The key (tests/fixtures/seeds_expected.json) was typed from the seed texts by hand, without
the reader; its judgement calls are listed in tests/fixtures/seeds_expected_notes.md.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import jixiao
from jixiao.jsonformat import declaration_json
from tests.conftest import SEED_2020, SEED_2024

SEEDS = {SEED_2024.name: SEED_2024, SEED_2020.name: SEED_2020}


def _expected_projects(expected_seeds, name):
    return next(d["projects"] for d in expected_seeds["documents"] if d["file"] == name)


@pytest.mark.parametrize("seed", list(SEEDS))
def test_every_field_of_every_project_matches_the_answer_key(seed, expected_seeds):
    got = [declaration_json(d) for d in jixiao.read(SEEDS[seed])]
    want = _expected_projects(expected_seeds, seed)
    assert [p["name"] for p in got] == [p["name"] for p in want]
    for g, w in zip(got, want, strict=True):
        for key in w:
            if key == "indicators":
                continue
            assert g[key] == w[key], f"{w['name']}: {key}"
        assert len(g["indicators"]) == len(w["indicators"]), w["name"]
        for i, (gi, wi) in enumerate(zip(g["indicators"], w["indicators"], strict=True)):
            assert gi == wi, f"{w['name']}: indicator {i + 1}"


def test_the_2024_seed_holds_16_projects_and_its_funds_add_up():
    projects = jixiao.read(SEED_2024)
    assert len(projects) == 16
    assert sum(p.funds.total for p in projects) == Decimal("13012181.00")
    assert {p.layout for p in projects} == {"shanghai-2024"}


def test_the_2020_seed_holds_3_projects_in_the_older_layout():
    projects = jixiao.read(SEED_2020)
    assert [p.funds.total for p in projects] == [Decimal("440382"), Decimal("297455"), Decimal("636080")]
    assert {p.layout for p in projects} == {"shanghai-2020"}
    assert projects[1].name == "上海市少儿住院互助基金医疗费用结算与监督管理平台(运维)"


def test_rows_printed_above_their_label_are_filed_under_it_with_a_warning():
    school = jixiao.read(SEED_2024)[13]
    assert school.name == "学校红十字组织建设工作专项经费"
    assert [(i.line, i.level1, i.level2) for i in school.indicators[:5]] == [
        (325, "产出指标", "数量指标"),
        (326, "产出指标", "数量指标"),
        (327, "产出指标", "数量指标"),
        (328, "产出指标", "数量指标"),
        (330, "产出指标", "数量指标"),
    ]
    assert [w.line for w in school.warnings] == [325, 326, 327, 328]
    assert "comes before its level label" in school.warnings[0].message


def test_no_other_row_of_the_seeds_needed_a_guess():
    guessed = [(d.name, w.line) for seed in SEEDS.values() for d in jixiao.read(seed) for w in d.warnings]
    assert {name for name, _ in guessed} == {"学校红十字组织建设工作专项经费"}


def test_level_labels_are_read_by_their_words_not_their_column():
    projects = {p.name: p for p in jixiao.read(SEED_2024)}
    # line 304: 可持续影响指标 printed in the level-1 column is a level 2 under 效益指标
    marrow = projects["中华骨髓库建设工作专项经费"]
    assert [(i.level1, i.level2, i.name) for i in marrow.indicators if i.line == 304] == [
        ("效益指标", "可持续影响指标", "志愿者队伍建设")
    ]
    # line 25: the page-broken fragment "指标" of "绩效 指标" is not an indicator
    body = projects["遗体 and 人体器官捐献工作专项经费"]
    assert [i.name for i in body.indicators if i.line == 25] == ["遗体捐献数据库正常运行"]
    # "服务对象满意度 指标" is the level name without its white space
    school = projects["学校红十字应急救护培训工作专项经费"]
    assert school.indicators[-1].level2 == "服务对象满意度指标"
    assert school.indicators[-1].target_raw == "$\\geq 90.00\\%$"


def test_the_same_indicator_listed_twice_stays_twice():
    platform = jixiao.read(SEED_2020)[1]
    assert [i.target_raw for i in platform.indicators if i.name == "预算执行率"] == ["=100%", ">=95%"]
