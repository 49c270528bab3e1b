"""The form reader: rows of cells in, one :class:`Declaration` out, driven by the labels users know.

A layout only decides how a line becomes cells (tabs, labels followed by a colon, spaces);
everything else is here, once: label cells name fields (``项目名称``, ``年度资金申请总额``),
the value is the next non-empty cell, a field with no value on its line takes the text of the
following rows (hard-wrapped blocks, a goal printed under its header), the indicator table
starts at its header row and its rows go to :class:`TreeBuilder`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from jixiao.errors import ReadError
from jixiao.model import Declaration, Funds, ReadWarning, Texts
from jixiao.readers.tree import TreeBuilder
from jixiao.text import clean, is_markdown_rule, join_wrapped
from jixiao.vocabulary import TEXT_FIELDS, cell_kind

_YEAR = re.compile(r"^[（(]\s*(\d{4})\s*年度?\s*[)）]$|^(\d{4})年(?:度)?绩效目标$")
_FORM_TITLE = re.compile(r"(财政)?项目支出绩效目标(申报)?表$|绩效目标(汇总|申报)?表$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONEY = re.compile(r"^-?\d+(\.\d+)?$")
_TABLE_HEADER = re.compile(r"一级(指标|目标).*三级(指标|目标)")


def _squeeze(text: str) -> str:
    return "".join(text.split())


class FormBuilder:
    """Collects one form's rows. Call :meth:`add_row` for every line, then :meth:`build`."""

    def __init__(self, file: str | None, first_line: int, *, wrapped: bool, layout: str = "unknown"):
        self.file = file
        self.first_line = first_line
        self.last_line = first_line
        self.layout = layout
        self.in_table = False
        self.header_line: int | None = None
        self.year: int | None = None
        self.values: dict[str, int] = {}  # field -> line of its label
        self.texts: dict[str, list[str]] = {}  # field -> its value, then continuation rows
        self.open: list[tuple[str, int]] = []  # fields taking following rows: (field, column)
        self.seen_label = False
        self.warnings: list[ReadWarning] = []
        self.tree = TreeBuilder(file=file, wrapped=wrapped)

    # -- rows -------------------------------------------------------------------------------

    def add_row(self, line: int, cells: list[str]) -> None:
        self.last_line = line
        if self.in_table:
            self._table_row(line, cells)
        else:
            self._form_row(line, cells)

    def _table_row(self, line: int, cells: list[str]) -> None:
        first = cells[0].lstrip() if len(cells) == 1 else ""
        if first[:1] in ("-", "|") and is_markdown_rule(first):
            return
        if any("一级" in c for c in cells) and _TABLE_HEADER.search(_squeeze("".join(cells))):
            return  # the header printed again after a page break
        if len(cells) > 1 and cells[0][:1] in ("-", "|") and is_markdown_rule("\t".join(cells)):
            return
        self.tree.add(line, cells)

    def _form_row(self, line: int, cells: list[str]) -> None:
        present = [(i, c.strip()) for i, c in enumerate(cells) if c and not c.isspace()]
        if not present:
            return
        kinds = [cell_kind(c) for _, c in present]
        if any(k is not None for k in kinds):
            self._label_row(line, present, kinds)
            return
        joined = _squeeze("".join(c for _, c in present))
        if (m := _YEAR.match(joined)) is not None:
            self.year = self.year or int(m.group(1) or m.group(2))
        elif _TABLE_HEADER.search(joined):
            self.in_table, self.header_line, self.open = True, line, []
            if self.layout == "unknown":
                self.layout = "shanghai-2024" if "一级指标" in joined else "shanghai-2020"
        elif self.open:
            self._continue(present)
        elif not self.seen_label and _FORM_TITLE.search(joined):
            if "申报表" in joined and self.layout == "unknown":
                self.layout = "shanghai-2024"
            elif joined.endswith("目标表") and self.layout == "unknown":
                self.layout = "shanghai-2020"
        elif not is_markdown_rule(" ".join(c for _, c in present)):
            text = clean(" ".join(c for _, c in present))[:40]
            self._warn(line, f"text「{text}」is under no label; ignored")

    def _label_row(self, line: int, present: list[tuple[int, str]], kinds: list[str | None]) -> None:
        self.seen_label = True
        self.open = []
        k, n = 0, len(present)
        while k < n:
            col, cell = present[k]
            kind = kinds[k]
            k += 1
            if kind is None:
                self._warn(line, f"cell「{cell}」follows no label; ignored")
                continue
            if not kind:  # a section label: no value of its own
                continue
            value = None
            if k < n and kinds[k] is None:
                value = present[k][1]
                k += 1
            if self.texts.get(kind):  # a label printed twice: the first one with a value wins
                continue
            self.values[kind] = line
            self.texts[kind] = [value] if value is not None else []
            if value is None or kind in TEXT_FIELDS:
                self.open.append((kind, col))

    def _continue(self, present: list[tuple[int, str]]) -> None:
        if len(self.open) == 1:
            self.texts[self.open[0][0]].append("".join(c for _, c in present))
            return
        for col, cell in present:  # several labels on the header row: the nearest column
            kind = min(self.open, key=lambda fc: (abs(fc[1] - col), -fc[1]))[0]
            self.texts[kind].append(cell)

    def _warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ReadWarning(file=self.file, line=line, message=message))

    # -- result -----------------------------------------------------------------------------

    def build(self) -> Declaration:
        """The declaration, or :class:`ReadError` naming the line and what was missing."""
        indicators = self.tree.finish()
        if "name" not in self.values:
            raise ReadError(self.file, "a 项目名称 (project name) label", line=self.first_line,
                            found="a form without one")
        if not self.in_table:
            raise ReadError(self.file, "the indicator table header (一级指标 二级指标 三级指标 指标值)",
                            line=self.last_line, found="the end of the form")
        if not indicators:
            raise ReadError(self.file, "indicator rows under the table header", line=self.header_line,
                            found="none")
        text = {kind: join_wrapped(parts) or None for kind, parts in self.texts.items()}
        get = text.get
        funds = {k[6:]: self._money(k, v) for k, v in text.items() if k.startswith("funds.") and v}
        texts = {k[6:]: v for k, v in text.items() if k.startswith("texts.")}
        return Declaration(
            name=get("name"), year=self.year, department=get("department"), unit=get("unit"),
            nature=get("nature"), category=get("category"), performance_type=get("performance_type"),
            government_purchase=self._bool("government_purchase", get("government_purchase")),
            start=self._date("start", get("start")), end=self._date("end", get("end")),
            funds=Funds(**funds), goal=get("goal"), texts=Texts(**texts), indicators=indicators,
            layout=self.layout, source=self.file, line=self.first_line,
            warnings=self.warnings + self.tree.warnings,
        )

    def _line(self, kind: str) -> int:
        return self.values.get(kind, self.first_line)

    def _money(self, kind: str, raw: str) -> Decimal:
        text = unicodedata.normalize("NFKC", raw).replace(",", "").replace(" ", "").removesuffix("元")
        if not _MONEY.match(text):
            raise ReadError(self.file, f"an amount in yuan such as 1,400,400.00 for {kind}",
                            line=self._line(kind), found=f"「{raw}」")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise ReadError(self.file, "an amount in yuan", line=self._line(kind), found=raw) from None

    def _date(self, kind: str, raw: str | None) -> date | None:
        if raw is None:
            return None
        m = _DATE.match(unicodedata.normalize("NFKC", raw))
        try:
            if m is None:
                raise ValueError
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ReadError(self.file, f"a date such as 2024-01-01 for {kind}", line=self._line(kind),
                            found=f"「{raw}」") from None

    def _bool(self, kind: str, raw: str | None) -> bool | None:
        if raw is None:
            return None
        if raw in ("是", "有", "Y", "y", "yes", "true"):
            return True
        if raw in ("否", "无", "N", "n", "no", "false"):
            return False
        raise ReadError(self.file, f"是 or 否 for {kind}", line=self._line(kind), found=f"「{raw}」")
