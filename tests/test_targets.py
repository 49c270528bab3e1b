"""Tests for jixiao.targets: the target-value grammar, the canonical form and base units."""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from jixiao.model import Op, Target
from jixiao.targets import (
    OPS,
    base_value,
    check_target,
    format_target,
    is_direction_word,
    operator,
    parse_target,
)

Row = tuple[str | None, str | None, str | None, str | None]  # (op, value as written, unit, text)


def row(t: Target) -> Row:
    """Project a Target for exact comparison: the value as written (``3000.00`` is not ``3000``)."""
    return (t.op, None if t.value is None else str(t.value), t.unit, t.text)


def q(text: str) -> Row:
    return (None, None, None, text)


# ---------------------------------------------------------------------------------------------
# Every target cell of the two seed files, listed by hand, project by project, in file order.

SEED_2024: tuple[tuple[str, ...], ...] = (
    # 遗体 and 人体器官捐献工作专项经费
    ("=3000.00(份)", "=1000.00(份)", "=1.00(个)", "=40000.00(份)", "正常运行", "正常运行", "及时",
     "达到", "达到", "≥80.00(%)"),
    # 红十字宣传传播工作专项经费
    ("=12.00(期)", "=1.00(期)", "=1.00(次)", "≥100000.00(条次)", "≥10000.00(个)", "≥20.00(条)",
     "≥3.00(次/周)", "=1.00(部)", "无事故", "无事故", "通过", "实时监测预警", "提升", "≥95.00(%)"),
    # 信息化建设项目
    ("=1.00(个)", "达成", "提升"),
    # 学校红十字应急救护培训工作专项经费
    ("≥200.00(人)", "≥30.00(人)", "≥26.00(所)", "≥15.00(所)", "≥80.00(%)", "≥80.00(%)", "提升",
     r"$\geq 90.00\%$"),
    # 红十字医疗机构专项经费
    ("≥1.00(次)", "提升", "提升", "≥80.00(%)"),
    # 机关服务费
    ("=2(人次)", "持续稳定", "≥95(%)", "稳定", "≥95(%)"),
    # 网络安全保护及数据治理工作专项经费
    ("=1.00(个)", "=5.00(个)", "=2.00(个)", "安全运行", "提高"),
    # 红十字救护工作专项经费
    ("≥1.00(次)", "有效", "提升", "≥80.00(%)"),
    # 红十字志愿服务工作专项经费
    ("≥30.00(个)", "=2500.00(份)", "≥1.00(次)", "≥5.00(次)", "有序推进", "逐步提高", "≥80.00(%)"),
    # 组织建设工作专项经费
    ("≥2.00(次)", "≥60.00(人次)", "=1.00(次)", "=1.00(次)", "≥3.00(次)", "=4.00(次)", "达标", "基本掌握"),
    # 红十字历史文化和理论研究工作专项经费
    ("=5.00(个)", "≥150.00(册)", "≥5.00(个)", "=1.00(次)", "≥4.00(个)", "合格", "有指导意义"),
    # 红十字救灾工作专项经费
    ("=1500.00(件)", "≥1.00(次)", "≥1.00(次)", "=1.00(次)", "符合标准", "符合标准", "有效", "提升",
     r"$\geq 90.00\%$"),
    # 中华骨髓库建设工作专项经费
    ("=3200.00(人)", "=3200.00(份)", "=3200.00(份)", "做到0投诉", "≥85.00(%)", "按时", "提升", "保持稳定",
     r"$\geq 80.00\%$"),
    # 学校红十字组织建设工作专项经费
    ("=2.00(期)", "=2.00(期)", "=1.00(期)", "=2.00(期)", "≥100.00(人次)", "≥1.00(次)", "=2.00(期)",
     "≥40.00(人)", "≥10000.00(人)", "≥20.00(所)", "≥8.00(个区)", "≥300.00(人)", "基本掌握", "基本掌握",
     "=100.00(%)", "基本掌握", "基本掌握", "基本了解", "纳入", "纳入", "基本提升", "≥90.00(%)"),
    # 社区红十字工作专项经费
    ("≥15.00(个)", "≥100.00(%)", "基本掌握", "基本知晓", "≥90.00(%)"),
    # 红十字救助工作专项经费
    ("=4.00(次)", "及时", "有效", "≥90.00(%)"),
)  # fmt: skip

SEED_2020: tuple[tuple[str, ...], ...] = (
    # 红十字培训项目管理
    ("合理", ">=95%", "健全", "有效", "规范", "健全", ">=10人", ">=150人", ">=80人", ">=10次", ">=5000人",
     "=100%", "增加", "提升", "及时", ">350万元", ">=18000人", ">=80%", "减少"),
    # 上海市少儿住院互助基金医疗费用结算与监督管理平台(运维)
    ("合理", "=100%", ">=95%", "=100%", "健全", "有效", "规范", "健全", "规范", "规范", "不低于80%", "相符",
     "及时", "不低于90%", "不低于90%", "基本满意", "相符", "补充保障"),
    # 少儿住院互住基金工作
    ("合理", ">=95%", "健全", "有效", "规范", "广覆盖", ">=2100000人", "完整", "按计划完成",
     "按规定时间、时间受理", "不低于90%", ">=96%", ">11万", "基本满意", "领先", "补充保障"),
)  # fmt: skip

SEED_QUALITATIVE: tuple[str, ...] = (
    "正常运行", "及时", "达到", "无事故", "通过", "实时监测预警", "提升", "达成", "持续稳定", "稳定",
    "安全运行", "提高", "有效", "有序推进", "逐步提高", "达标", "基本掌握", "合格", "有指导意义",
    "符合标准", "做到0投诉", "按时", "保持稳定", "基本了解", "纳入", "基本提升", "基本知晓", "合理",
    "健全", "规范", "增加", "减少", "相符", "基本满意", "补充保障", "广覆盖", "完整", "按计划完成",
    "按规定时间、时间受理", "领先",
)  # fmt: skip

SEED_EXPECTED: dict[str, Row] = {
    "=3000.00(份)": ("=", "3000.00", "份", None),
    "=1000.00(份)": ("=", "1000.00", "份", None),
    "=40000.00(份)": ("=", "40000.00", "份", None),
    "=2500.00(份)": ("=", "2500.00", "份", None),
    "=3200.00(份)": ("=", "3200.00", "份", None),
    "=3200.00(人)": ("=", "3200.00", "人", None),
    "=1500.00(件)": ("=", "1500.00", "件", None),
    "=1.00(个)": ("=", "1.00", "个", None),
    "=2.00(个)": ("=", "2.00", "个", None),
    "=5.00(个)": ("=", "5.00", "个", None),
    "=12.00(期)": ("=", "12.00", "期", None),
    "=1.00(期)": ("=", "1.00", "期", None),
    "=2.00(期)": ("=", "2.00", "期", None),
    "=1.00(次)": ("=", "1.00", "次", None),
    "=4.00(次)": ("=", "4.00", "次", None),
    "=1.00(部)": ("=", "1.00", "部", None),
    "=2(人次)": ("=", "2", "人次", None),
    "=100.00(%)": ("=", "100.00", "%", None),
    "≥100000.00(条次)": ("≥", "100000.00", "条次", None),
    "≥10000.00(个)": ("≥", "10000.00", "个", None),
    "≥30.00(个)": ("≥", "30.00", "个", None),
    "≥15.00(个)": ("≥", "15.00", "个", None),
    "≥5.00(个)": ("≥", "5.00", "个", None),
    "≥4.00(个)": ("≥", "4.00", "个", None),
    "≥20.00(条)": ("≥", "20.00", "条", None),
    "≥3.00(次/周)": ("≥", "3.00", "次/周", None),
    "≥1.00(次)": ("≥", "1.00", "次", None),
    "≥2.00(次)": ("≥", "2.00", "次", None),
    "≥3.00(次)": ("≥", "3.00", "次", None),
    "≥5.00(次)": ("≥", "5.00", "次", None),
    "≥200.00(人)": ("≥", "200.00", "人", None),
    "≥30.00(人)": ("≥", "30.00", "人", None),
    "≥40.00(人)": ("≥", "40.00", "人", None),
    "≥300.00(人)": ("≥", "300.00", "人", None),
    "≥10000.00(人)": ("≥", "10000.00", "人", None),
    "≥60.00(人次)": ("≥", "60.00", "人次", None),
    "≥100.00(人次)": ("≥", "100.00", "人次", None),
    "≥26.00(所)": ("≥", "26.00", "所", None),
    "≥15.00(所)": ("≥", "15.00", "所", None),
    "≥20.00(所)": ("≥", "20.00", "所", None),
    "≥8.00(个区)": ("≥", "8.00", "个区", None),
    "≥150.00(册)": ("≥", "150.00", "册", None),
    "≥80.00(%)": ("≥", "80.00", "%", None),
    "≥85.00(%)": ("≥", "85.00", "%", None),
    "≥90.00(%)": ("≥", "90.00", "%", None),
    "≥95.00(%)": ("≥", "95.00", "%", None),
    "≥100.00(%)": ("≥", "100.00", "%", None),
    "≥95(%)": ("≥", "95", "%", None),
    r"$\geq 90.00\%$": ("≥", "90.00", "%", None),
    r"$\geq 80.00\%$": ("≥", "80.00", "%", None),
    ">=95%": ("≥", "95", "%", None),
    ">=96%": ("≥", "96", "%", None),
    ">=80%": ("≥", "80", "%", None),
    "=100%": ("=", "100", "%", None),
    ">=10人": ("≥", "10", "人", None),
    ">=150人": ("≥", "150", "人", None),
    ">=80人": ("≥", "80", "人", None),
    ">=5000人": ("≥", "5000", "人", None),
    ">=18000人": ("≥", "18000", "人", None),
    ">=2100000人": ("≥", "2100000", "人", None),
    ">=10次": ("≥", "10", "次", None),
    ">350万元": (">", "350", "万元", None),
    ">11万": (">", "11", "万", None),
    "不低于80%": ("≥", "80", "%", None),
    "不低于90%": ("≥", "90", "%", None),
    **{text: q(text) for text in SEED_QUALITATIVE},
}

SEED_CELLS = sorted({cell for project in SEED_2024 + SEED_2020 for cell in project})


def _sample(name: str) -> str:
    return (files("jixiao") / "samples" / name).read_text(encoding="utf-8")


def test_hand_list_matches_the_samples() -> None:
    """The hand-made list is real (every cell occurs in its file) and complete (row counts of §6)."""
    text_2024 = _sample("shanghai-redcross-2024-targets.txt")
    text_2020 = _sample("shanghai-redcross-affairs-center-2020-targets.txt")
    assert all(cell in text_2024 for project in SEED_2024 for cell in project)
    assert all(cell in text_2020 for project in SEED_2020 for cell in project)
    cells_2024 = [cell for project in SEED_2024 for cell in project]
    assert (len(SEED_2024), len(SEED_2020)) == (16, 3)
    assert sum(SEED_EXPECTED[c][0] is not None for c in cells_2024) == 77
    assert sum(SEED_EXPECTED[c][0] is None for c in cells_2024) == 47
    assert sum(len(p) for p in SEED_2020) == 53
    assert set(SEED_CELLS) == set(SEED_EXPECTED)


@pytest.mark.parametrize("cell", SEED_CELLS)
def test_every_seed_cell(cell: str) -> None:
    t = parse_target(cell)
    assert row(t) == SEED_EXPECTED[cell]
    assert t.upper is None


# ---------------------------------------------------------------------------------------------
# Variants: every sign and word of the grammar.

VARIANTS: list[tuple[str, Row]] = [
    # signs, ASCII pairs, full-width, OCR and compatibility forms
    ("≥80%", ("≥", "80", "%", None)),
    (">=80%", ("≥", "80", "%", None)),
    ("=>80%", ("≥", "80", "%", None)),
    ("≧80%", ("≥", "80", "%", None)),
    ("⩾80%", ("≥", "80", "%", None)),
    ("≮80%", ("≥", "80", "%", None)),  # "not less than", as older tables write it
    ("＞＝８０％", ("≥", "80", "%", None)),
    ("≥８０．５％", ("≥", "80.5", "%", None)),
    ("≥80.00（%）", ("≥", "80.00", "%", None)),
    ("≤5%", ("≤", "5", "%", None)),
    ("<=5%", ("≤", "5", "%", None)),
    ("=<5%", ("≤", "5", "%", None)),
    ("≦5%", ("≤", "5", "%", None)),
    ("≯5%", ("≤", "5", "%", None)),  # "not more than"
    ("＜＝5%", ("≤", "5", "%", None)),
    (">5", (">", "5", None, None)),
    ("＞5", (">", "5", None, None)),
    ("<5", ("<", "5", None, None)),
    ("＜5", ("<", "5", None, None)),
    ("=5", ("=", "5", None, None)),
    ("＝5", ("=", "5", None, None)),
    ("═5", ("=", "5", None, None)),
    ("==5", ("=", "5", None, None)),
    # LaTeX
    (r"$\geq 90\%$", ("≥", "90", "%", None)),
    (r"\ge 90\%", ("≥", "90", "%", None)),
    (r"$\geqslant 90\%$", ("≥", "90", "%", None)),
    (r"$\leq 5\%$", ("≤", "5", "%", None)),
    (r"\le 5", ("≤", "5", None, None)),
    (r"\gt 5", (">", "5", None, None)),
    (r"\lt 5", ("<", "5", None, None)),
    (r"$\geq 3\text{次}$", ("≥", "3", "次", None)),
    # words before the number
    ("不低于80%", ("≥", "80", "%", None)),
    ("不少于200人", ("≥", "200", "人", None)),
    ("至少1期", ("≥", "1", "期", None)),
    ("不小于3次", ("≥", "3", "次", None)),
    ("大于等于3次", ("≥", "3", "次", None)),
    ("达到90%", ("≥", "90", "%", None)),
    ("不高于90万元", ("≤", "90", "万元", None)),
    ("不超过5%", ("≤", "5", "%", None)),
    ("至多2次", ("≤", "2", "次", None)),
    ("不大于2次", ("≤", "2", "次", None)),
    ("不多于2次", ("≤", "2", "次", None)),
    ("超过100人", (">", "100", "人", None)),
    ("高于80%", (">", "80", "%", None)),
    ("大于80%", (">", "80", "%", None)),
    ("多于10家", (">", "10", "家", None)),
    ("低于5%", ("<", "5", "%", None)),
    ("少于3次", ("<", "3", "次", None)),
    ("小于3次", ("<", "3", "次", None)),
    ("为100%", ("=", "100", "%", None)),
    ("等于1个", ("=", "1", "个", None)),
    # words after the number
    ("80%以上", ("≥", "80", "%", None)),
    ("10人以下", ("≤", "10", "人", None)),
    ("5%以内", ("≤", "5", "%", None)),
    ("80以上", ("≥", "80", None, None)),
    ("不少于80%以上", ("≥", "80", "%", None)),
    ("达到90%以上", ("≥", "90", "%", None)),
    # spaces anywhere, thousands separators, negatives
    (">= 95 %", ("≥", "95", "%", None)),
    ("≥ 80.00 (%)", ("≥", "80.00", "%", None)),
    ("  ≥80%\t", ("≥", "80", "%", None)),
    ("不 低 于 80 %", ("≥", "80", "%", None)),
    ("≥ 3.00 ( 次 / 周 )", ("≥", "3.00", "次/周", None)),
    ("1,000人", ("=", "1000", "人", None)),
    ("≥1,000,000.50元", ("≥", "1000000.50", "元", None)),
    ("≥-5%", ("≥", "-5", "%", None)),
    ("=-0.5", ("=", "-0.5", None, None)),
    ("≤0.125%", ("≤", "0.125", "%", None)),
    # a bare number (+ a plain unit) is "="
    ("100%", ("=", "100", "%", None)),
    ("3000份", ("=", "3000", "份", None)),
    ("12期", ("=", "12", "期", None)),
    ("5", ("=", "5", None, None)),
    ("3000(份)", ("=", "3000", "份", None)),
    ("3次/周", ("=", "3", "次/周", None)),
    ("2万人次", ("=", "2", "万人次", None)),
    # no sign, extra words, or not a real number: qualitative, text as written (stripped)
    ("做到0投诉", q("做到0投诉")),
    ("2023年完成", q("2023年完成")),
    ("0投诉", q("0投诉")),
    ("80%左右", q("80%左右")),
    ("约80%", q("约80%")),
    ("2024-01-01", q("2024-01-01")),
    ("≥", q("≥")),
    ("≥abc", q("≥abc")),
    ("≥%", q("≥%")),
    (".5", q(".5")),
    ("5.", q("5.")),
    ("+5", q("+5")),
    ("≥+5%", q("≥+5%")),
    ("[80,90]%", q("[80,90]%")),
    ("1,0000人", q("1,0000人")),
    ("≥80%以下", q("≥80%以下")),
    ("≥80%，且逐年提高", q("≥80%，且逐年提高")),
    ("  正常运行 ", q("正常运行")),
    ("提升", q("提升")),
    ("", q("")),
    (" \t\n", q("")),
    ("\x00≥80%", q("\x00≥80%")),
]


@pytest.mark.parametrize(("cell", "op"), [
    ("≥", "≥"), (">=", "≥"), ("≧", "≥"), ("＞＝", "≥"), (" 大于等于 ", "≥"), ("不低于", "≥"), ("≮", "≥"),
    ("≤", "≤"), ("≦", "≤"), ("小于等于", "≤"), ("=", "="), ("═", "="), ("＝", "="), ("等于", "="),
    (">", ">"), ("大于", ">"), ("<", "<"), ("小于", "<"),
    ("≥80", None), ("定性", None), ("正常运行", None), ("", None),
])
def test_operator_of_a_cell_that_holds_only_the_sign(cell: str, op: Op | None) -> None:
    """A 指标性质 cell: the sign written apart from the number, folded as in a target."""
    assert operator(cell) == op


@pytest.mark.parametrize(("raw", "expected"), VARIANTS)
def test_variant(raw: str, expected: Row) -> None:
    t = parse_target(raw)
    assert row(t) == expected
    assert t.upper is None


RANGES: list[tuple[str, tuple[str, str, str | None]]] = [
    ("80%-90%", ("80", "90", "%")),
    ("80-90%", ("80", "90", "%")),
    ("80%~90%", ("80", "90", "%")),
    ("80%～90%", ("80", "90", "%")),
    ("80%至90%", ("80", "90", "%")),
    ("80% – 90 %", ("80", "90", "%")),
    ("80.00-90.00(%)", ("80.00", "90.00", "%")),
    ("1-2(次/周)", ("1", "2", "次/周")),
    ("-5--3", ("-5", "-3", None)),
    ("5-5人", ("5", "5", "人")),
]


@pytest.mark.parametrize(("raw", "expected"), RANGES)
def test_range(raw: str, expected: tuple[str, str, str | None]) -> None:
    t = parse_target(raw)
    assert (t.op, str(t.value), str(t.upper), t.unit, t.text) == ("≥", *expected[:2], expected[2], None)


@pytest.mark.parametrize("raw", ["90%-80%", "80%-90人", "≥80%-90%", "80-90%以上", "2023-2024年完成"])
def test_malformed_range_is_qualitative(raw: str) -> None:
    assert row(parse_target(raw)) == q(raw)


def test_empty_is_qualitative_with_empty_text() -> None:
    assert parse_target("") == Target(text="")


def test_a_parsed_target_is_frozen_so_a_shared_cached_one_cannot_be_changed() -> None:
    first = parse_target("≥80.00(%)")
    with pytest.raises(ValidationError):
        first.value = Decimal("1")
    assert parse_target("≥80.00(%)") == Target(op="≥", value=Decimal("80.00"), unit="%")


def test_long_and_odd_inputs_do_not_raise() -> None:
    assert parse_target("正" * 1_000_000).text == "正" * 1_000_000
    assert parse_target("≥" + "9" * 1000).value is None  # longer than 200 characters: not matched
    assert parse_target(" " * 100_000 + "≥80%").value == Decimal("80")
    assert parse_target("\ud800").text == "\ud800"
    assert parse_target("≥8\ud800").unit is None


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (Target(op="≥", value=Decimal("80"), unit="%"), "≥80.00(%)"),
        (Target(op="=", value=Decimal("3000.00"), unit="份"), "=3000.00(份)"),
        (Target(op="≥", value=Decimal("3"), unit="次/周"), "≥3.00(次/周)"),
        (Target(op="≤", value=Decimal("0.125"), unit="%"), "≤0.125(%)"),
        (Target(op="≥", value=Decimal("5")), "≥5.00"),
        (Target(op="≥", value=Decimal("80"), unit="%", upper=Decimal("90")), "80.00-90.00(%)"),
        (Target(op=">", value=Decimal("350"), unit="万元"), ">350.00(万元)"),
        (Target(text="正常运行"), "正常运行"),
        (Target(text=""), ""),
    ],
)
def test_format(target: Target, text: str) -> None:
    assert format_target(target) == text


@pytest.mark.parametrize("cell", SEED_CELLS)
def test_format_of_seed_cells_is_canonical(cell: str) -> None:
    """Every seed cell prints in the 2024 form, and that form reads back the same."""
    text = format_target(parse_target(cell))
    op = SEED_EXPECTED[cell][0]
    if op is None:
        assert text == cell
    else:
        assert text.startswith(op) and "." in text
        assert parse_target(text) == parse_target(cell)


# ---------------------------------------------------------------------------------------------
# Properties

UNITS = [None, "%", "‰", "次/周", "万元", "万", "个区", "人次", "份", "个", "元", "万人次"]


def decimals(places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=-1_000_000, max_value=1_000_000, places=places, allow_nan=False,
                       allow_infinity=False)  # fmt: skip


values = st.integers(0, 4).flatmap(decimals)


def same_numbers(a: Target, b: Target) -> bool:
    return (a.op, a.value, a.unit, a.upper, a.text) == (b.op, b.value, b.unit, b.upper, b.text)


@given(op=st.sampled_from(OPS), value=values, unit=st.sampled_from(UNITS))
def test_format_then_parse_round_trips(op: Op, value: Decimal, unit: str | None) -> None:
    t = Target(op=op, value=value, unit=unit)
    assert same_numbers(parse_target(format_target(t)), t)  # Decimal ==: 80 equals 80.00


@given(a=values, b=values, unit=st.sampled_from(UNITS))
def test_format_then_parse_round_trips_ranges(a: Decimal, b: Decimal, unit: str | None) -> None:
    t = Target(op="≥", value=min(a, b), upper=max(a, b), unit=unit)
    assert same_numbers(parse_target(format_target(t)), t)


def check_consistent(raw: str) -> None:
    t = parse_target(raw)
    assert (t.value is None) == (t.text is not None)
    if t.value is None:
        assert (t.op, t.unit, t.upper, t.text) == (None, None, None, raw.strip())
    else:
        assert t.op in OPS and t.unit != ""
        assert t.upper is None or (t.op == "≥" and t.upper >= t.value)
    again = parse_target(format_target(t))  # printing is stable: parse(format(parse(x))) == parse(x)
    assert same_numbers(again, t)


GRAMMAR_BITS = st.sampled_from(
    ["≥", "≤", ">", "<", "=", ">=", "=<", "＞", "═", "≧", r"\geq", r"\le ", "$", r"\%", "不低于", "超过",
     "为", "达到", "以上", "以内", "至", "-", "~", "0", "1", "9", "80", ".", ",", "%", "％", "‰", "(", ")",
     "（", "万", "元", "人次", "次/周", "/", " ", "\t", "年", "完成", "正常运行", "\x00", "８"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.text())
def test_parse_never_raises_on_any_text(raw: str) -> None:
    check_consistent(raw)


@settings(max_examples=1000)
@given(st.lists(GRAMMAR_BITS, max_size=8).map("".join))
def test_parse_never_raises_on_grammar_like_text(raw: str) -> None:
    check_consistent(raw)


# ---------------------------------------------------------------------------------------------
# base_value and direction words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (">350万元", (Decimal("3500000"), "元")),
        ("≤1.5亿元", (Decimal("150000000"), "元")),
        ("≤20千元", (Decimal("20000"), "元")),
        (">11万", (Decimal("110000"), "")),
        ("≥2万人次", (Decimal("20000"), "人次")),
        ("≥3万份", (Decimal("30000"), "份")),
        ("≥1.2万人", (Decimal("12000"), "人")),
        ("≤5‰", (Decimal("0.5"), "%")),
        ("≥80.00(%)", (Decimal("80"), "%")),
        (">=2100000人", (Decimal("2100000"), "人")),
        ("≥5", (Decimal("5"), "")),
        ("80%-90%", (Decimal("80"), "%")),
        ("正常运行", None),
        ("", None),
    ],
)
def test_base_value(raw: str, expected: tuple[Decimal, str] | None) -> None:
    assert base_value(parse_target(raw)) == expected


def test_base_value_makes_units_comparable() -> None:
    money = base_value(parse_target(">350万元"))
    people = base_value(parse_target(">11万"))
    assert money is not None and people is not None
    assert money[0] > Decimal("3000000") and money[1] == "元"
    assert people[0] < Decimal("2100000")


@pytest.mark.parametrize(
    "word",
    ["提升", "提高", "增加", "减少", "降低", "逐步提高", "基本提升", "进一步提高", "明显改善",
     "有效促进", "增强", "改善", " 提升 "],
)  # fmt: skip
def test_direction_words(word: str) -> None:
    assert is_direction_word(word)


@pytest.mark.parametrize("text", ["正常运行", "有效", "稳定", "达到", "提升80%", "≥80%", "", "提升了很多"])
def test_not_direction_words(text: str) -> None:
    assert not is_direction_word(text)


# ---------------------------------------------------------------------------------------------
# check_target: what the editor refuses


def _seed_targets() -> list[str]:
    """Every target value of both seed files, as the reader gives it."""
    import jixiao

    samples = [str(p) for p in files("jixiao").joinpath("samples").iterdir() if p.name.endswith(".txt")]
    declarations = [decl for path in samples for decl in jixiao.read(path)]
    return sorted({ind.target_raw for decl in declarations for ind in decl.indicators})


def test_no_target_of_the_seeds_is_refused() -> None:
    targets = _seed_targets()
    assert len(targets) > 100 and set(SEED_CELLS) <= set(targets)
    assert {raw: check_target(raw) for raw in targets if check_target(raw)} == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "指标值不能为空"),
        ("   ", "指标值不能为空"),
        ("≥", "「≥」后应是数值，如 ≥80%"),
        ("≥abc", "「≥」后应是数值，如 ≥80%"),
        (">=", "「≥」后应是数值"),  # the sign as folded
        ("=", "「=」后应是数值"),
        ("≥.5", "「≥」后应是数值"),
        ("90-80%", "区间的下限 90 大于上限 80"),
        ("90%~80%", "区间的下限 90 大于上限 80"),
        ("80%-90人", "区间两端的单位不同（%、人）"),
        ("≥80-90%", "区间不能再带「≥」"),
        ("80-90%以上", "区间不能再带「以上」"),
        ("≥80%以下", "「≥」与「以下」方向相反"),
        ("≥80%，全年", "「80」后的「%,全年」不是单位"),
        ("80%%", "「80」后的「%%」不是单位"),
        ("80(%", "「80」后的「(%」不是单位"),
        ("≥80(", "「80」后的「(」不是单位"),
        ("80.5.3", "「80.5」后的「.3」不是单位"),
        ("x" * 201, "指标值过长（201 字），最多 200 字"),
    ],
)
def test_check_target_refuses(raw: str, expected: str) -> None:
    message = check_target(raw)
    assert message is not None and message.startswith(expected)


@pytest.mark.parametrize(
    "raw",
    ["≥80.00(%)", "=3000.00(份)", "≤5天", "80-90%", "80%~90%", "不低于80%", "5%以内", ">=95%", "≥ 80 %",
     "$\\geq 80.00\\%$", "100", "-5", "正常运行", "达成", "有所提升", "达到", "做到0投诉", "2023年完成",
     "2023-2024年完成", "1年-3年完成", "80分", "达到80%以下", "[80,90]%", "x" * 200],
)  # fmt: skip
def test_check_target_accepts(raw: str) -> None:
    assert check_target(raw) is None


@given(op=st.sampled_from(OPS), value=values, unit=st.sampled_from(UNITS))
def test_check_target_accepts_every_canonical_value(op: Op, value: Decimal, unit: str | None) -> None:
    assert check_target(format_target(Target(op=op, value=value, unit=unit))) is None


@settings(max_examples=500)
@given(st.one_of(st.text(), st.lists(GRAMMAR_BITS, max_size=8).map("".join)))
def test_check_target_never_raises_and_never_refuses_a_quantitative_value(raw: str) -> None:
    message = check_target(raw)
    assert message is None or (isinstance(message, str) and message)
    if parse_target(raw).value is not None:
        assert message is None
