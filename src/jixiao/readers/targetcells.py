"""A target value written over several cells, joined into one ``target_raw``.

Many published tables split the 指标值 column into three: 指标性质 (a sign ``≥ ≤ = > <``, a word
``大于等于 小于等于 等于 不低于 …``, or ``定性``/``定量``), 指标值 (the number, or the words of a
qualitative target) and 度量单位 (the unit), in the order the header gives. The cells are joined in the
order a Shanghai form writes a target in one cell, as written, with nothing between them:

==========================  ==================  ===============================================
cells (any header order)    ``target_raw``      why
==========================  ==================  ===============================================
``≥ | 95 | %``              ``≥95%``            sign, number, unit
``大于等于 | 95 | %``       ``大于等于95%``     the word is kept as written (it reads as ``≥``)
``≧ | ９５ | ％``           ``≧９５％``         look-alikes kept; :func:`parse_target` folds them
``定性 | 正常运行 |``       ``正常运行``        定性 and 定量 say what kind of value it is: not kept
``= | 1 | 次/周``           ``=1次/周``
``≥ | ≥80 | %``             ``≥80%``            the value's own sign wins over a repeated one
``95 | %`` (no 指标性质)    ``95%``             read by the grammar as ``=95 %``
==========================  ==================  ===============================================

Which cell is which is decided by the header's order *and* by what the cells hold, because a table
as extracted drops empty cells: an empty 度量单位 of a qualitative row is simply not there. So a cell
is the sign only if it is a sign, a word for one, or 定性/定量; a unit only after a number and only if
it reads as a unit; the value is anything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

from jixiao.targets import operator, parse_target
from jixiao.vocabulary import level_label, table_column

Part = Literal["op", "value", "unit"]

#: 指标性质 words that name the kind of value rather than an operator; they are not kept.
KINDS = frozenset({"定性", "定量", "定性指标", "定量指标"})
_NUMBER = re.compile(r"^\s*[-0-9.]")
_DIGIT = re.compile(r"\d")
_MAX_UNIT = 8
_VALUE_WORDS = frozenset({"达到", "为"})  # words for a sign that, alone in a cell, are a qualitative value
_PLACEHOLDER = re.compile(r"^\s*[-/—－─\\]*\s*$")  # an empty cell as tables print one: / — -


def target_parts(headings: Sequence[str]) -> tuple[Part, ...] | None:
    """The target's columns in header order, e.g. ``("op", "value", "unit")``; None when the table
    writes its target in one column (the Shanghai forms)."""
    parts = [kind for h in headings if (kind := table_column(h)) in ("op", "value", "unit")]
    if "op" not in parts and "unit" not in parts:
        return None
    return tuple(dict.fromkeys(parts))  # type: ignore[arg-type]


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def is_op_cell(cell: str) -> bool:
    """A 指标性质 cell: a sign, a word for one, or 定性/定量. (达到 and 为 alone are values, not signs.)"""
    folded = _fold(cell)
    return folded in KINDS or (operator(folded) is not None and folded not in _VALUE_WORDS)


def _is_unit(cell: str, value: str) -> bool:
    """Whether ``cell`` is the unit of ``value``: a number was written, and the cell is a unit the grammar
    knows (``1`` + cell reads as a number and a unit) or, after a bare number, any short word."""
    if not _DIGIT.search(value) or _DIGIT.search(cell) or is_op_cell(cell) or len(_fold(cell)) > _MAX_UNIT:
        return False
    known = parse_target("1" + cell.strip())
    if known.value is not None and known.upper is None:
        return True
    return parse_target(value).unit is None and len(_fold(cell)) <= 3


class TargetCells:
    """The cells of one target, offered one at a time in the order they come (:meth:`offer`)."""

    def __init__(self, parts: tuple[Part, ...], *, stream: bool = False):
        self.parts = parts
        self.stream = stream  # one cell a line: a level label is never a value
        self.got: dict[Part, str] = {}
        self._next = 0

    @property
    def complete(self) -> bool:
        return self._next >= len(self.parts)

    def offer(self, cell: str) -> bool:
        """Take ``cell`` as the next part it fits (parts it does not fit are left empty); False when it
        fits none of the parts still open. A placeholder (``/``, ``—``) is taken as an empty cell."""
        if _PLACEHOLDER.match(cell):
            return True
        for index in range(self._next, len(self.parts)):
            part = self.parts[index]
            if self._fits(part, cell):
                self.got[part] = cell.strip()
                self._next = index + 1
                return True
        return False

    def _fits(self, part: Part, cell: str) -> bool:
        if part == "op":
            return is_op_cell(cell)
        if part == "unit":
            return "value" in self.got and _is_unit(cell, self.got["value"])
        return not is_op_cell(cell) and not (self.stream and level_label(cell) is not None)

    def raw(self) -> str:
        """The cells as one target value (the module's table)."""
        op = self.got.get("op", "")
        value = self.got.get("value", "")
        unit = self.got.get("unit", "")
        if _fold(op) in KINDS or not _NUMBER.match(unicodedata.normalize("NFKC", value)):
            op = ""  # 定性/定量, or a value that has its own sign (or is words)
        if not unit or _fold(value).endswith(_fold(unit)):
            return op + value
        joined = op + value + unit
        if parse_target(joined).value is None and parse_target(f"{op}{value}({unit})").value is not None:
            return f"{op}{value}({unit})"  # a unit the grammar reads only in brackets: 个（次）
        return joined


def split_row(cells: list[str], parts: tuple[Part, ...]) -> tuple[list[str], str]:
    """A table row's cells (levels taken off) as its name's cells and the target joined from the rest:
    the fewest cells that make the whole tail a target, the name at least one cell."""
    for start in range(1, len(cells)):
        target = TargetCells(parts)
        if all(target.offer(cell) for cell in cells[start:]):
            return cells[:start], target.raw()
    return (cells[:-1], cells[-1]) if len(cells) > 1 else (cells, "")
