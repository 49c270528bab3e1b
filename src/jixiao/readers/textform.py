"""Forms as plain text: cells separated by tabs (text pulled from a PDF table, the 2024
Shanghai declaration form), rows of cells between pipes (``| 项目名称 | 红十字培训 |``, a table
converted to Markdown), or hard-wrapped lines with ``标签：`` labels and space-separated
table rows (the 2020 Shanghai target table), a table printed one cell a line among them.

The text is streamed: forms are cut apart at their titles (or at a second 项目名称) and each
is read as soon as it ends, so memory stays flat however long the file is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from jixiao.errors import ReadError
from jixiao.model import Declaration
from jixiao.readers.form import FormBuilder
from jixiao.text import is_markdown_rule
from jixiao.vocabulary import FIELD_LABELS, SECTION_LABELS

# A form's title: Shanghai's (财政项目支出绩效目标申报表, …目标表) and other places' (项目支出绩效目标表,
# 2024年度XX市项目绩效目标表), the whole line, perhaps with its year after it (…申报表（2024年度）).
_TITLE = re.compile(r"^\s*(?:\d{4}\s*年度?)?\s*[\u4e00-\u9fff（）()]{0,20}?"
                    r"项目(?:支出)?绩效目标(?:申报)?表\s*(?:[（(]\s*\d{4}\s*年度?\s*[)）])?\s*$")
_NAME = "项目名称"
_PIPES = re.compile(r"[|｜]")

# "项目名称：" and friends inside a line, for layouts that write label and value on one line.
# 项目总目标 and 年度总体目标 are words inside the 2020 总目标及阶段性目标 text, not labels there.
_colon_labels = sorted({*FIELD_LABELS, *SECTION_LABELS} - {"项目总目标", "年度总体目标"}, key=len,
                       reverse=True)
_INLINE_LABEL = re.compile("(" + "|".join(re.escape(lb) for lb in _colon_labels) + ")\\s*[：:]")


def split_tabbed(line: str) -> list[str]:
    return line.split("\t")


def is_piped(line: str) -> bool:
    """A row of a table between pipes: ``| 产出指标 | 数量指标 | 培训人次 | ≥500人次 |``."""
    text = line.strip()
    return text[:1] in ("|", "｜") and len(_PIPES.findall(text)) >= 2


def split_piped(line: str) -> list[str]:
    """``| a | | b |`` → ``[a, "", b]`` (empty cells kept: a merged cell's others)."""
    text = line.strip()
    cells = _PIPES.split(text[1:])
    return cells[:-1] if cells and not cells[-1].strip() else cells


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
    piped = not tabbed and any(is_piped(text) for _, text in lines)
    builder = FormBuilder(file, lines[0][0] if lines else 1, wrapped=not (tabbed or piped))
    for number, text in lines:
        if not text or text.isspace():
            continue
        if tabbed:
            cells = split_tabbed(text)
        elif piped and is_piped(text):
            if is_markdown_rule(text):
                continue
            cells = split_piped(text)
        elif builder.in_table:
            cells = [text] if piped or builder.vertical else text.split()
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
            ("绩效目标" in text and _TITLE.match(text.strip(" \t|｜#")) is not None)
            or (_NAME in text and _is_name_row(text))
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
    """Whether a line (or a row's first cell) starts with 项目名称: a form starts there."""
    if "\t" in text:
        head = text.split("\t", 1)[0]
    elif is_piped(text):
        head = next((c for c in split_piped(text) if c.strip()), "")
    else:
        head = text
    return "".join(head.split()).startswith(_NAME)


def _read_block(block: list[tuple[int, str]], file: str | None) -> Declaration | ReadError:
    try:
        return read_form_lines(block, file)
    except ReadError as err:
        return err
