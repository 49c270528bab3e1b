"""Whatever text it is given, the reader returns declarations or ReadErrors: nothing else escapes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.textform import iter_forms
from tests.conftest import SEED_2020, SEED_2024

SEED_LINES = (SEED_2024.read_text(encoding="utf-8").splitlines()
              + SEED_2020.read_text(encoding="utf-8").splitlines())
WORDS = [
    "项目名称", "项目名称：", "一级指标", "三级指标", "年度资金申请总额", "其他资金", "产出指标", "数量指标",
    "满意度", "≥80.00(%)", "1,000.00", "2024-13-01", "(2024年度)", "财政项目支出绩效目标申报表",
    "\t", " ", "：",
]

line = st.one_of(
    st.sampled_from(SEED_LINES),
    st.lists(st.sampled_from(WORDS), max_size=8).map("".join),
    st.text(max_size=40),
)


def read_all(lines: list[str]) -> list[Declaration | ReadError]:
    try:
        return list(iter_forms([ln + "\n" for ln in lines], "fuzz.txt"))
    except ReadError as err:
        return [err]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=60))
def test_any_text_reads_to_declarations_or_read_errors(lines):
    for item in read_all(lines):
        assert isinstance(item, Declaration | ReadError)
        if isinstance(item, ReadError):
            assert item.file == "fuzz.txt" and item.expected


LINES_2024 = SEED_2024.read_text(encoding="utf-8").splitlines()
TITLES = [i for i, ln in enumerate(LINES_2024) if ln.strip() == "财政项目支出绩效目标申报表"]
ORIGINALS = read_all(LINES_2024)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(LINES_2024)))
def test_a_seed_cut_anywhere_keeps_every_form_that_ended_before_the_cut(cut):
    items = read_all(LINES_2024[:cut])
    complete = sum(1 for t in TITLES[1:] if t < cut) + (cut == len(LINES_2024))
    got = [d for d in items if isinstance(d, Declaration)]
    assert [d.model_dump() for d in got[:complete]] == [d.model_dump() for d in ORIGINALS[:complete]]
    assert len(items) <= complete + 1  # at most the one form the cut went through besides them
