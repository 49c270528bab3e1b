"""The merged level cells of an indicator table, as the official forms print them: a 一级指标 cell spans the
run of rows with the same level 1, a 二级指标 cell the run with the same level 2 inside it. One mechanism
for the web page's rowspans (:func:`jixiao.web.pages.indicator_rows`) and the XLSX writer's merged
ranges (:meth:`jixiao.export.xlsxkit.Grid.levels`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["runs"]


def runs(values: Sequence[Any], within: Sequence[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """(first, last) of each run of equal neighbours in ``values``; a run never crosses the end of one
    of ``within`` (a level-2 cell ends where its level-1 cell ends)."""
    if within is None:
        within = [(0, len(values) - 1)] if values else []
    found: list[tuple[int, int]] = []
    for start, end in within:
        first = start
        for index in range(start + 1, end + 2):
            if index > end or values[index] != values[first]:
                found.append((first, index - 1))
                first = index
    return found
