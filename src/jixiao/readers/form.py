"""The form reader: rows of cells in, one :class:`Declaration` out, driven by the labels users know.

A layout only decides how a line becomes cells (tabs, labels followed by a colon, spaces);
everything else is here, once: label cells name fields (``项目名称``, ``年度资金申请总额``),
the value is the next non-empty cell, a field with no value on its line takes the text of the
following rows (hard-wrapped blocks, a goal printed under its header), the indicator table
starts at its header row and its rows go to :class:`TreeBuilder`.

What other layouts add, read the same way: a label glued to its value (``项目名称红十字培训``),
amounts in 万元 (the label, its block or a ``金额单位：万元`` line says so), a header printed one cell
a line (the table then is too), the target's columns 指标性质 / 指标值 / 度量单位, and the template's
instructions and notes left in cells (:mod:`jixiao.readers.instructions`), which are not read.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import get_args

from jixiao.errors import ReadError
from jixiao.model import Declaration, Funds, Layout, ReadWarning, Texts
from jixiao.readers import instructions
from jixiao.readers.glued import split_labels
from jixiao.readers.targetcells import target_parts
from jixiao.readers.tree import TreeBuilder
from jixiao.text import clean, is_markdown_rule, join_wrapped
from jixiao.vocabulary import TEXT_FIELDS, cell_kind, label_unit, table_column

_YEAR = re.compile(r"^[（(]\s*(\d{4})\s*年度?\s*[)）]$|^(\d{4})年(?:度)?绩效目标$")
_FORM_TITLE = re.compile(r"(?:项目(?:支出)?|)绩效目标(?:汇总|申报)?表(?:[（(]\d{4}年度?[)）])?$")
_TITLE_YEAR = re.compile(r"(\d{4})年度?")
_SHANGHAI_TITLE = "财政项目支出绩效目标"  # 财政项目支出绩效目标申报表 (2024), …目标表 (2020)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONEY = re.compile(r"^-?\d+(\.\d+)?$")
_TABLE_HEADER = re.compile(r"一级(指标|目标).*三级(指标|目标)")
_FIRST_HEADING = re.compile(r"^一级(指标|目标)$")  # a header printed one cell a line starts so
_TABLE_TITLES = frozenset({"绩效指标", "项目绩效指标"})  # the table's merged title cell, on a line of its own
# The unit of the amounts, stated apart from their labels: 金额单位：万元, （单位：万元）, 金额（万元）.
_STATED_UNIT = re.compile(r"(?:金额|资金|货币)?单位[:：](万元|元)|(?:金额|资金|预算数?)[（(](万元|元)[)）]")
_LABELLED_YEAR = re.compile(r"^\s*(\d{4})\s*年?度?\s*$")
_PLACEHOLDERS = frozenset({"-", "—", "－", "/", "——"})  # printed in a cell for "none"
_LAYOUTS: tuple[str, ...] = get_args(Layout)
_TEN_THOUSAND = Decimal(10000)
_FEN = Decimal("0.01")


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
        self.vertical = False  # the table printed one cell a line (its header was)
        self.headings: list[str] = []  # of the indicator table
        self._collecting = False  # a header printed one cell a line is still being read
        self.money_unit: str | None = None  # of amounts whose label states none (万元 or 元)
        self.units: dict[str, str] = {}  # field -> the money unit its label states
        self.other_title = False  # titled as a form of another layout than Shanghai's
        self.notes = False  # past a note of the template under the table: nothing more is read

    # -- rows -------------------------------------------------------------------------------

    def add_row(self, line: int, cells: list[str]) -> None:
        self.last_line = line
        joined = "".join(cells)
        if not joined or joined.isspace():
            return
        if self.notes or instructions.may_hold(joined):  # rarely: look closer
            first = next(c for c in cells if c and not c.isspace())
            if self.notes or (self.in_table and instructions.is_note(first)):
                self.notes = True
                self._warn(line, f"text「{_short(' '.join(c.strip() for c in cells if c.strip()))}」"
                                 "below the indicator table is not read")
                return
            if instructions.is_example(first):
                self._warn(line, f"example row「{_short(first.strip())}」of the template is not read")
                return
            cells = self._without_instructions(line, cells)
        if self.in_table:
            self._table_row(line, cells)
        else:
            self._form_row(line, cells)

    def _without_instructions(self, line: int, cells: list[str]) -> list[str]:
        out = []
        for cell in cells:
            kept, taken = instructions.take_out(cell)
            for text in taken:
                self._warn(line, f"template instruction「{_short(text)}」is not read")
            out.append(kept)
        return out

    def _table_row(self, line: int, cells: list[str]) -> None:
        first = cells[0].lstrip() if len(cells) == 1 else ""
        if first[:1] in ("-", "|") and is_markdown_rule(first):
            return
        if any("一级" in c for c in cells) and _TABLE_HEADER.search(_squeeze("".join(cells))):
            self._set_headings([c for c in cells if c.strip()])
            return  # the header printed again after a page break
        if len(cells) > 1 and cells[0][:1] in ("-", "|") and is_markdown_rule("\t".join(cells)):
            return
        if self.vertical:
            present = [c.strip() for c in cells if c.strip()]
            if len(present) == 1:
                self._vertical_cell(line, present[0])
                return
        self.tree.add(line, cells)

    def _vertical_cell(self, line: int, cell: str) -> None:
        """A cell of a table printed one cell a line: a heading while the header lasts, else the tree's."""
        if _FIRST_HEADING.match(_squeeze(cell)):  # the header again (a new page)
            self._collecting, self.headings = True, []
        if self._collecting and table_column(cell) is not None:
            self._set_headings([*self.headings, cell])
            return
        self._collecting = False
        self.tree.add_cell(line, cell)

    def _set_headings(self, headings: list[str]) -> None:
        self.headings = headings
        self.tree.parts = target_parts(headings)

    def _start_table(self, line: int, headings: list[str], *, vertical: bool = False) -> None:
        self.in_table, self.header_line, self.open = True, line, []
        self.vertical = self._collecting = vertical
        if vertical:
            self.tree.wrapped = False  # rows are gathered whole from their cells
        self._set_headings(headings)

    def _form_row(self, line: int, cells: list[str]) -> None:
        present = [(i, c.strip()) for i, c in enumerate(cells) if c and not c.isspace()]
        if not present:
            return
        narrative = any(kind == "goal" or kind.startswith("texts.") for kind, _ in self.open)
        if not narrative:
            present = self._unglue_labels(line, present)
        kinds = [cell_kind(c) for _, c in present]
        if any(k is not None for k in kinds):
            self._label_row(line, present, kinds)
            return
        joined = _squeeze("".join(c for _, c in present))
        stated = _STATED_UNIT.search(joined)
        if (m := _YEAR.match(joined)) is not None:
            self.year = self.year or int(m.group(1) or m.group(2))
        elif _TABLE_HEADER.search(joined):
            self._start_table(line, [c for _, c in present])
        elif len(present) == 1 and _FIRST_HEADING.match(joined):
            self._start_table(line, [joined], vertical=True)
        elif joined in _TABLE_TITLES:
            self.open = []  # the table's title cell above its header: the text above has ended
        elif stated is not None and (not narrative or not _STATED_UNIT.sub("", joined).strip("（）()")):
            self.money_unit = stated.group(1) or stated.group(2)
        elif is_markdown_rule(" ".join(c for _, c in present)):
            return
        elif self.open:
            self._continue(present)
        elif not self.seen_label and _FORM_TITLE.search(joined):
            self._title(joined)
        else:
            self._warn(line, f"text「{_short(clean(' '.join(c for _, c in present)))}」is under no label; "
                             "ignored")

    def _title(self, joined: str) -> None:
        """A form title: Shanghai's name their layout; another's says the layout is none of those."""
        if "汇总表" in joined:  # a summary's title heads the forms of any layout, of any year
            return
        if (m := _TITLE_YEAR.search(joined)) is not None:
            self.year = self.year or int(m.group(1))
        if self.layout != "unknown":
            return
        if _SHANGHAI_TITLE in joined:
            self.layout = "shanghai-2024" if "申报表" in joined else "shanghai-2020"
        else:
            self.other_title = True

    def _unglue_labels(self, line: int, present: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Cells that start with a field label glued to its value, taken apart (with a warning)."""
        out: list[tuple[int, str]] = []
        for col, cell in present:
            parts = split_labels(cell) if cell_kind(cell) is None else None
            if parts is None:
                out.append((col, cell))
                continue
            self._warn(line, f"label glued to its value「{_short(cell)}」read as "
                             + "".join(f"「{_short(p)}」" for p in parts))
            out.extend((col, p) for p in parts if p)
        return out

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
            unit = label_unit(cell)
            if not kind:  # a section label: no value of its own, perhaps the unit of its amounts
                self.money_unit = unit or self.money_unit
                continue
            if unit is not None and kind.startswith("funds."):
                self.units[kind] = unit
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
        text = {kind: _text(parts) for kind, parts in self.texts.items()}
        get = text.get
        funds = {k[6:]: self._money(k, v) for k, v in text.items() if k.startswith("funds.") and v}
        texts = {k[6:]: v for k, v in text.items() if k.startswith("texts.")}
        year, layout = self._year(get("year")), self._layout(get("layout"))
        return Declaration(
            name=get("name"), year=year, department=get("department"), unit=get("unit"),
            nature=get("nature"), category=get("category"), performance_type=get("performance_type"),
            government_purchase=self._bool("government_purchase", get("government_purchase")),
            start=self._date("start", get("start")), end=self._date("end", get("end")),
            funds=Funds(**funds), goal=get("goal"), texts=Texts(**texts), indicators=indicators,
            layout=layout, source=self.file, line=self.first_line,
            warnings=self.warnings + self.tree.warnings,
        )

    def _year(self, raw: str | None) -> int | None:
        """The year of the title line (``（2024年度）``), else of a 年度 label (Jixiao's own print)."""
        if self.year is None and raw is not None:
            if (m := _LABELLED_YEAR.match(raw)) is not None:
                return int(m.group(1))
            self._warn(self._line("year"), f"year「{_short(raw)}」is not a year such as 2024; ignored")
        return self.year

    def _layout(self, raw: str | None) -> Layout:
        """The layout a 表样 label names (Jixiao's own print), else the title's, else the header's."""
        if raw in _LAYOUTS:
            return raw  # type: ignore[return-value]
        if raw is not None:
            self._warn(self._line("layout"), f"layout「{_short(raw)}」is not one of {', '.join(_LAYOUTS)}; "
                                             "ignored")
        if self.layout != "unknown" or self.other_title or self.tree.parts is not None:
            return self.layout
        # no title said which: the header does (一级指标, the national tree, is the 2024 form's)
        return "shanghai-2024" if "一级指标" in _squeeze("".join(self.headings)) else "shanghai-2020"

    def _line(self, kind: str) -> int:
        return self.values.get(kind, self.first_line)

    def _money(self, kind: str, raw: str) -> Decimal:
        """An amount in yuan, exactly: in 万元 when its value, its label or the form says so."""
        text = unicodedata.normalize("NFKC", raw).replace(",", "").replace(" ", "")
        unit = self.units.get(kind) or self.money_unit or "元"
        for written in ("万元", "元"):
            if text.endswith(written):
                text, unit = text.removesuffix(written), written
                break
        if not _MONEY.match(text):
            written = "万元 such as 52.24" if unit == "万元" else "yuan such as 1,400,400.00"
            raise ReadError(self.file, f"an amount in {written} for {kind}", line=self._line(kind),
                            found=f"「{raw}」")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise ReadError(self.file, "an amount in yuan", line=self._line(kind), found=raw) from None
        return in_yuan(amount, unit)

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


def in_yuan(amount: Decimal, unit: str) -> Decimal:
    """``amount`` written in ``unit`` (``元`` or ``万元``) as yuan, exactly, with the fen as yuan are
    written: 52.24 万元 → 522400.00, 52.240000 → 522400.00, 0.000001 → 0.01; a fraction of a fen is kept
    (1.2345678 → 12345.678), never rounded away."""
    if unit != "万元":
        return amount
    yuan = amount * _TEN_THOUSAND
    fen = yuan.quantize(_FEN)
    return fen if fen == yuan else yuan.normalize()


def _text(parts: list[str]) -> str | None:
    """A field's text from its parts; None for none, or for a placeholder printed for none (``-``)."""
    text = join_wrapped(parts)
    return None if not text or text in _PLACEHOLDERS else text


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
