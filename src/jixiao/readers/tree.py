"""Building the ordered indicator tree from table rows, by the domain's vocabulary.

Rows arrive as lists of non-empty cells in the form's order. Leading cells that are level
labels (``产出指标``, ``数量``, ``服务对象满意度 指标``) set the level-1 and level-2 groups in
force; the remaining cells are the indicator's name and its target value. Column positions
are not used: real extractions shift cells, print a merged label in the middle of its group,
or put the level-2 name in the level-1 column.

What tables of other layouts add:

- a target written over several cells (指标性质 / 指标值 / 度量单位, :attr:`TreeBuilder.parts` from the
  header) is joined into one (:mod:`jixiao.readers.targetcells`);
- cells glued together (``产出指标数量指标培训人次≥500人次``) are taken apart (:mod:`jixiao.readers.glued`);
- a table flattened to one cell a line comes through :meth:`TreeBuilder.add_cell`, which gathers the
  cells into rows: level names, a name, then the cells of its target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.model import Indicator, ReadWarning
from jixiao.readers.glued import peel_levels, split_value
from jixiao.readers.targetcells import Part, TargetCells, split_row
from jixiao.targets import parse_target
from jixiao.vocabulary import LevelLabel, level_label

# Fragments of the table's own merged title cell ("绩效 指标", split over a page break).
_TABLE_TITLE = frozenset({"绩效", "指标", "绩效指标", "项目绩效指标", "绩效目标"})


def _squeeze(label: str) -> str:
    return "".join(label.split())


@dataclass
class TreeBuilder:
    """Feed it rows with :meth:`add`; read :attr:`indicators` and :attr:`warnings` at the end.

    ``wrapped`` is for hard-wrapped layouts, where a row holding one lone cell is the first
    part of the next row's indicator name rather than an indicator without a value.
    """

    file: str | None = None
    wrapped: bool = False
    parts: tuple[Part, ...] | None = None  # the target's columns when it spans several (指标性质 …)
    indicators: list[Indicator] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)
    _l1: str | None = None  # level-1 as written (white space removed)
    _l1_key: str | None = None
    _l2: str | None = None
    _l2_key: str | None = None
    _seen_label: bool = False
    _before_label: list[Indicator] = field(default_factory=list)
    _name_prefix: tuple[int, str] | None = None
    _written: dict[str, str] = field(default_factory=dict)  # level-1 key -> spelling seen
    _flat: _FlatRow | None = None  # the row being gathered from a table of one cell a line

    def add(self, line: int, cells: list[str]) -> None:
        self._end_flat_row()
        cells = [c.strip() for c in cells if c and c.strip()]
        while cells and _squeeze(cells[0]) in _TABLE_TITLE:
            cells.pop(0)
        if not cells:
            return
        cells = self._unglue(line, cells)
        labels = self._leading_labels(cells)
        rest = cells[len(labels):]
        if labels:
            self._apply_labels(line, labels)
        if rest:
            self._add_indicator(line, rest)

    @staticmethod
    def _leading_labels(cells: list[str]) -> list[tuple[str, LevelLabel]]:
        """The level labels a row starts with: all of a label-only row, else those followed by a
        name and a value (so an indicator named like a group, ``社会效益 显著``, stays a name)."""
        found = [level_label(c) for c in cells[:3]]
        if len(cells) <= 2 and all(found):
            return [(c, f) for c, f in zip(cells, found, strict=False) if f is not None]
        labels: list[tuple[str, LevelLabel]] = []
        for cell, label in zip(cells, found, strict=False):
            if label is None or len(labels) == 2:
                break
            pair = bool(labels) and labels[0][1].level1 is not None and label.fits_under(labels[0][1].level1)
            if len(cells) - len(labels) - 1 < 2 and not pair:
                break
            labels.append((cell, label))
        return labels

    def add_cell(self, line: int, cell: str) -> None:
        """One cell of a table printed one cell a line. Level names gather until a name comes; the
        cells after the name are its target's (:attr:`parts`, else one 指标值) while they fit; the row
        is added when its target is complete or a cell does not fit it (which then starts the next)."""
        cell = cell.strip()
        if not cell or (self._flat is None and _squeeze(cell) in _TABLE_TITLE):
            return
        row = self._flat
        if row is None or row.name is None:
            row = self._flat = row or _FlatRow(TargetCells(self.parts or ("value",), stream=True))
            row.line = row.line or line
            if level_label(cell) is not None:
                row.labels.append(cell)
            else:
                row.name, row.line = cell, line
            return
        if not row.target.offer(cell):
            self._end_flat_row()
            self.add_cell(line, cell)
        elif row.target.complete:
            self._end_flat_row()

    def _end_flat_row(self) -> None:
        row, self._flat = self._flat, None
        if row is None:
            return
        if row.name is None:
            self.add(row.line, row.labels)
            return
        value = row.target.raw()
        self.add(row.line, [*row.labels, row.name, *([value] if value else [])])

    def finish(self) -> list[Indicator]:
        """Close the table: flush a dangling name part and rows that never got a label."""
        self._end_flat_row()
        if self._name_prefix is not None:
            pline, text = self._name_prefix
            self._name_prefix = None
            self._emit(pline, text, "")
        if self._before_label:
            for ind in self._before_label:
                self._warn(ind.line, f"indicator「{ind.name}」has no level label anywhere in its table")
            self.indicators.extend(self._before_label)
            self._before_label = []
        return self.indicators

    def _unglue(self, line: int, cells: list[str]) -> list[str]:
        """Cells glued together taken apart (:mod:`jixiao.readers.glued`), with a warning: level names at
        the start of the leading cells, and a target at the end of a lone name."""
        out: list[str] = []
        peeled, leading = False, True  # leading: among the level names before the name
        count = 0  # level names before the first other cell
        for cell in cells:
            if not leading:
                out.append(cell)
            elif level_label(cell) is not None:
                out.append(cell)
                count += 1
            else:
                labels, rest = peel_levels(cell)
                peeled = peeled or bool(labels)
                out.extend(labels)
                count += len(labels)
                if rest:
                    out.append(rest)
                    leading = False
        if len(out) == count + 1 and (split := split_value(out[-1], row=peeled)) is not None:
            out = [*out[:-1], *split]
        if out != cells:
            read = "".join(f"「{c}」" for c in out)
            self._warn(line, f"cells glued together「{''.join(cells)}」read as {read}")
        return out

    # -- levels ---------------------------------------------------------------------------

    def _apply_labels(self, line: int, labels: list[tuple[str, LevelLabel]]) -> None:
        if len(labels) == 2:
            (w1, a), (w2, b) = labels
            # Both on one row: kept as written even when b does not belong under a (a review
            # rule reports that; the reader does not correct the form).
            if a.level1 is not None and b.level2 is not None:
                self._set_level1(w1, a.level1)
                self._set_level2(w2, b.level2)
                self._labelled(line)
                return
        for written, label in labels:
            self._apply_one(line, written, label)
        self._labelled(line)

    def _apply_one(self, line: int, written: str, label: LevelLabel) -> None:
        if label.level2 is not None and label.fits_under(self._l1_key):
            self._set_level2(written, label.level2)
        elif label.level1 is not None:
            self._set_level1(written, label.level1)
            self._l2 = self._l2_key = None
        else:
            home = label.home or ""
            self._set_level1(self._written.get(home, home + "指标"), home)
            self._set_level2(written, label.level2)
            self._warn(line, f"level-2「{_squeeze(written)}」stands under no level-1 of its kind; "
                             f"filed under「{self._l1}」")

    def _set_level1(self, written: str, key: str) -> None:
        self._l1, self._l1_key = _squeeze(written), key
        self._written.setdefault(key, self._l1)

    def _set_level2(self, written: str, key: str | None) -> None:
        self._l2, self._l2_key = _squeeze(written), key

    def _labelled(self, line: int) -> None:
        """The first label of the table: rows printed above it belong to its group."""
        if self._seen_label:
            return
        self._seen_label = True
        for ind in self._before_label:
            ind.level1, ind.level2 = self._l1, self._l2
            self._warn(ind.line, f"indicator「{ind.name}」comes before its level label; "
                                 f"filed under「{self._l1}/{self._l2}」printed on line {line}")
        self.indicators.extend(self._before_label)
        self._before_label = []

    # -- indicators -----------------------------------------------------------------------

    def _add_indicator(self, line: int, cells: list[str]) -> None:
        if self.wrapped and len(cells) > 2:
            cells = _split_value(cells)
        if len(cells) == 1:
            if self.wrapped:
                prefix = self._name_prefix[1] if self._name_prefix else ""
                start = self._name_prefix[0] if self._name_prefix else line
                self._name_prefix = (start, prefix + cells[0])
                return
            self._warn(line, f"row「{cells[0]}」has a name but no target value")
            self._emit(line, cells[0], "")
            return
        if self.parts is not None:
            name_cells, value = split_row(cells, self.parts)
            if not value:
                self._warn(line, f"row「{''.join(name_cells)}」has a name but no target value")
        else:
            name_cells, value = cells[:-1], cells[-1]
        sep = " " if self.wrapped else ""
        if len(name_cells) > 1 and not self.wrapped:
            expected = 1 + len(self.parts or ("value",))
            self._warn(line, f"row has {len(cells)} cells where {expected} were expected; "
                             f"name and value taken as「{sep.join(name_cells)}」「{value}」")
        name = sep.join(name_cells)
        if self._name_prefix is not None:
            pline, prefix = self._name_prefix
            self._warn(line, f"name「{prefix}」on line {pline} taken as the start of「{name}」")
            line, name = pline, prefix + name
            self._name_prefix = None
        self._emit(line, name, value)

    def _emit(self, line: int, name: str, value: str) -> None:
        ind = Indicator(
            level1=self._l1, level2=self._l2, name=name.strip(), target_raw=value,
            target=parse_target(value), line=line,
        )
        if self._seen_label:
            self.indicators.append(ind)
        else:
            self._before_label.append(ind)

    def _warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ReadWarning(file=self.file, line=line, message=message))


@dataclass
class _FlatRow:
    """A row being gathered from a table of one cell a line (:meth:`TreeBuilder.add_cell`)."""

    target: TargetCells
    labels: list[str] = field(default_factory=list)
    name: str | None = None
    line: int = 0  # of the name (of the first label while there is no name)


def _split_value(tokens: list[str]) -> list[str]:
    """Space-separated tokens → name tokens + one value: the longest tail that reads as a
    quantitative target (``>= 95 人``), else the last token."""
    for k in range(1, len(tokens) - 1):
        if parse_target("".join(tokens[k:])).value is not None:
            return [*tokens[:k], " ".join(tokens[k:])]
    return tokens
