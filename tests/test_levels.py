"""The merged level cells (jixiao.levels), as the web page lays them out: for every seed declaration the
rowspans of 一级指标 and 二级指标 are the runs of equal neighbours, level 2 never crossing level 1."""

from __future__ import annotations

from itertools import groupby

import pytest

import jixiao
from jixiao.levels import runs
from jixiao.web.pages import indicator_rows

from .conftest import SEED_2020, SEED_2024

SEEDS = jixiao.read(SEED_2024) + jixiao.read(SEED_2020)


def spans(keys: list) -> list[int]:
    """Rowspan per row from groupby, independently of jixiao.levels: the run's length on its first row."""
    out: list[int] = []
    for _key, group in groupby(keys):
        size = len(list(group))
        out += [size] + [0] * (size - 1)
    return out


@pytest.mark.parametrize("declaration", SEEDS, ids=[d.name for d in SEEDS])
def test_the_page_merges_the_runs_of_each_level(declaration):
    rows = indicator_rows(declaration.indicators, [])
    levels = [(i.level1, i.level2) for i in declaration.indicators]
    assert [r.level1_span for r in rows] == spans([l1 for l1, _ in levels])
    assert [r.level2_span for r in rows] == spans(levels)  # a level-2 run ends with its level-1 run


def test_runs_within_runs():
    assert runs(["产出", "产出", "效益", "效益", "效益"]) == [(0, 1), (2, 4)]
    assert runs(["数量", "数量", "数量", "社会", "社会"], [(0, 1), (2, 4)]) == [(0, 1), (2, 2), (3, 4)]
    assert runs([]) == []
