"""Cells glued together with no separator, taken apart by the words they start and end with.

A table copied out of a PDF or a web page sometimes loses what separated its cells:
``产出指标数量指标培训人次≥500人次`` is four cells, ``项目名称红十字培训`` a label and its value. What
is known is taken off the front (field labels, level names written out in full, ending in 指标 or 目标,
so that the name 质量合格率 is never read as the level 质量 + 合格率) and the target off the end:

- a value led by a sign or a word for one (``≥500人次``, ``不低于95%``, ``为3000份``);
- where level names were glued to the cell (it is surely a whole row), also a bare number with its unit
  (``10次``) or a common qualitative value (``正常运行``, ``及时``).

Every split is a guess the reader reports.
"""

from __future__ import annotations

import re

from jixiao.targets import is_direction_word, parse_target
from jixiao.vocabulary import FIELD_LABELS, TEXT_FIELDS, field_label, level_label

# Where a level name written out in full may end inside a glued cell.
_LEVEL_END = re.compile(r"指标|目标")
# Where a value may start: a digit, a sign (ASCII, full width or a look-alike) or the first character of
# a word for one (不低于, 至少, 大于, 小于, 达到, 超过, 高于, 低于, 少于, 多于, 等于, 为).
_VALUE_START = re.compile(r"[0-9０-９=＝═≥≤≧≦≮≯><＞＜不至大小达超高低少多等为]")
_DIGIT_START = re.compile(r"[0-9０-９]")
# Qualitative values common in published tables (domain-rules §6), beside the direction words (提升 …).
COMMON_VALUES = frozenset((
    "正常运行", "安全运行", "持续稳定", "保持稳定", "符合标准", "有序推进", "基本掌握", "无事故", "及时",
    "达到", "达成", "达标", "合格", "有效", "稳定", "纳入", "按时", "通过", "完成",
))  # fmt: skip

# Labels of four characters or more: a shorter one (年度, 表样) begins too many words to be split off.
_LABELS = "|".join(re.escape(lb) for lb in sorted(FIELD_LABELS, key=len, reverse=True) if len(lb) >= 4)
# A field label (perhaps after 其中：) followed straight by more text (no colon, no space, no bracket).
_GLUED_LABEL = re.compile(f"((?:其中[：:]?)?(?:{_LABELS}))" + r"(?=[^\s：:（(])")


def peel_levels(cell: str) -> tuple[list[str], str]:
    """Level names at the start of ``cell`` and the text after them:
    ``产出指标数量指标培训人次≥500人次`` → ``(["产出指标", "数量指标"], "培训人次≥500人次")``."""
    labels: list[str] = []
    rest = cell.strip()
    if _LEVEL_END.search(rest) is None:  # the common case: a name, a value
        return labels, rest
    while rest and level_label(rest) is None:
        ends = [m.end() for m in _LEVEL_END.finditer(rest) if m.end() < len(rest)]
        end = next((e for e in reversed(ends) if level_label(rest[:e]) is not None), None)
        if end is None:
            break
        labels.append(rest[:end])
        rest = rest[end:].strip()
    if labels and rest and level_label(rest) is not None:  # 产出指标数量指标: labels only
        labels.append(rest)
        rest = ""
    return labels, rest


def split_value(text: str, *, row: bool) -> tuple[str, str] | None:
    """``text`` as a name and the target glued to its end, or None when no target is found there.

    ``row``: the text is surely a whole row (level names were glued to it), so a bare number with its
    unit and a common qualitative value are taken as the target too."""
    for m in _VALUE_START.finditer(text, 1):
        k = m.start()
        tail = text[k:]
        if _DIGIT_START.match(tail) and (not row or _DIGIT_START.match(text[k - 1]) or text[k - 1] in ".-"):
            continue  # a bare number: only in a whole row, and not from the middle of a number
        if parse_target(tail).value is not None:
            return text[:k], tail
    if row:  # the longest common value or direction word (提升, 明显提升) the text ends with
        for k in range(2, len(text)):
            if text[k:] in COMMON_VALUES or is_direction_word(text[k:]):
                return text[:k], text[k:]
    return None


def split_labels(cell: str) -> list[str] | None:
    """A cell that starts with a field label glued to its value, as the label and the value, the value
    split again at labels glued inside it unless the label takes a text (项目名称, 年度总体目标):
    ``主管部门上海市红十字会实施单位上海市红十字会`` →
    ``[主管部门, 上海市红十字会, 实施单位, 上海市红十字会]``. None when the cell does not start so."""
    first = _GLUED_LABEL.match(cell.strip())
    if first is None:
        return None
    cells: list[str] = []
    rest = cell.strip()
    while (m := _GLUED_LABEL.match(rest)) is not None:
        label = m.group(1)
        cells.append(label)
        rest = rest[m.end():]
        if field_label(label) in TEXT_FIELDS:
            break
        inner = _GLUED_LABEL.search(rest, 1)
        if inner is None:
            break
        cells.append(rest[: inner.start()])
        rest = rest[inner.start():]
    cells.append(rest)
    return cells
