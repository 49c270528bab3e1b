"""Template instructions left in the cells of a filled-in form, told apart from what was filled in.

Blank forms come with instructions: ``（请填写项目全称）`` after a label or in the cell to fill, an example
row ``例：培训人次 | ≥100人次``, notes under the table ``注：1.指标值请填写…``. People leave them in. The
reader does not read them (with a warning); a note row also ends the indicator table, since what follows a
note is more note, not indicators.
"""

from __future__ import annotations

import re

# An instruction in brackets anywhere in a cell: （请填写…）, （填写…）, （注：…）, （例：…）, （示例…）.
_BRACKETED = re.compile(r"[（(]\s*(?:请|填写|注\s*[:：]|例\s*[:：]|示例|说明\s*[:：])[^（）()]*[)）]")
# A cell that is an instruction as a whole: 请填写… / 请选择…, or an example.
_WHOLE = re.compile(r"^\s*(?:请(?:填写|选择|输入|在此|根据|按照|参照)|例\s*[:：]|例如\s*[:：]|示例\s*[:：])")
# A note: 注：…, 说明：…, 填表说明…
_NOTE = re.compile(r"^\s*(?:注\s*\d?\s*[:：]|说明\s*[:：]|填表说明)")
_HINT = re.compile("请|填写|注|例|说明")  # in every instruction: a row without one has none


def may_hold(text: str) -> bool:
    """Whether ``text`` (a cell, or a row's cells joined) may hold an instruction at all: a cheap test."""
    return _HINT.search(text) is not None


def take_out(cell: str) -> tuple[str, list[str]]:
    """``cell`` without the instructions in it, and the instructions taken out:
    ``开展培训（请填写年度目标）`` → ``("开展培训", ["（请填写年度目标）"])``;
    ``请填写项目名称`` → ``("", ["请填写项目名称"])``."""
    if not may_hold(cell):  # the common case, cheaply
        return cell, []
    if _WHOLE.match(cell) or is_note(cell):
        return "", [cell.strip()]
    found = _BRACKETED.findall(cell)
    if not found:
        return cell, []
    return _BRACKETED.sub("", cell), found


def is_note(cell: str) -> bool:
    """Whether a cell is a note of the template (``注：…``, ``说明：…``, ``填表说明``)."""
    return _NOTE.match(cell) is not None


def is_example(cell: str) -> bool:
    """Whether a cell starts an example row of the template (``例：培训人次``)."""
    return _WHOLE.match(cell) is not None and not cell.lstrip().startswith("请")
