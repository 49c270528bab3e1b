"""Forms as plain text: cells separated by tabs (text pulled from a PDF table, the 2024
Shanghai declaration form) or hard-wrapped lines with ``标签：`` labels and space-separated
table rows (the 2020 Shanghai target table).

The text is streamed: forms are cut apart at their titles (or at a second 项目名称) and each
is read as soon as it ends, so memory stays flat however long the file is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.form import FormBuilder
from jixiao.vocabulary import FIELD_LABELS, SECTION_LABELS

_TITLE = re.compile(r"^\s*(财政)?项目支出绩效目标(申报)?表\s*$")
_NAME = "项目名称"

# "项目名称：" and friends inside a line, for layouts that write label and value on one line.
# 项目总目标 and 年度总体目标 are words inside the 2020 总目标及阶段性目标 text, not labels there.
_colon_labels = sorted({*FIELD_LABELS, *SECTION_LABELS} - {"项目总目标", "年度总体目标"}, key=len,
                       reverse=True)
_INLINE_LABEL = re.compile("(" + "|".join(re.escape(lb) for lb in _colon_labels) + ")\\s*[：:]")


def split_tabbed(line: str) -> list[str]:
    return line.split("\t")


def split_labelled(line: str) -> list[str]:
    """``项目名称： 红十字培训 项目类别： 经常性`` → ``[项目名称：, 红十字培训, 项目类别：, 经常性]``."""
    cells: list[str] = []
    pos = 0
    for m in _INLINE_LABEL.finditer(line):
        if line[pos:m.start()].strip():
            cells.append(line[pos:m.start()])
        cells.append(m.group(0))
        pos = m.end()
    cells.append(line[pos:])
    return cells


def read_form_lines(lines: list[tuple[int, str]], file: str | None) -> Declaration:
    """Read one form from its numbered lines (the layout is recognised from the lines)."""
    tabbed = any("\t" in text for _, text in lines)
    builder = FormBuilder(file, lines[0][0] if lines else 1, wrapped=not tabbed)
    for number, text in lines:
        if not text or text.isspace():
            continue
        if tabbed:
            cells = split_tabbed(text)
        elif builder.in_table:
            cells = text.split()
        else:
            cells = split_labelled(text)
        builder.add_row(number, cells)
    return builder.build()


def iter_forms(lines: Iterable[str], file: str | None) -> Iterator[Declaration | ReadError]:
    """Each form in ``lines``: a :class:`Declaration`, or the :class:`ReadError` that stopped it.

    Raises :class:`ReadError` itself only when the text holds no form at all.
    """
    block: list[tuple[int, str]] = []
    has_name = False
    forms = 0
    count = 0
    for count, raw in enumerate(lines, 1):
        text = raw.rstrip("\r\n")
        starts = has_name and (
            ("绩效目标" in text and _TITLE.match(text) is not None) or (_NAME in text and _is_name_row(text))
        )
        if starts:
            forms += 1
            yield _read_block(block, file)
            block, has_name = [], False
        block.append((count, text))
        if not has_name and _NAME in text and _is_name_row(text):
            has_name = True
    if has_name:
        forms += 1
        yield _read_block(block, file)
    if forms == 0:
        if count == 0 or not any(text.strip() for _, text in block):
            raise ReadError(file, "a performance-target form", found="an empty file")
        raise ReadError(file, "a performance-target form: a line with the label 项目名称", line=1,
                        found=f"no such label in {count} lines")


def _is_name_row(text: str) -> bool:
    head = text.split("\t", 1)[0] if "\t" in text else text
    return "".join(head.split()).startswith(_NAME)


def _read_block(block: list[tuple[int, str]], file: str | None) -> Declaration | ReadError:
    try:
        return read_form_lines(block, file)
    except ReadError as err:
        return err
