"""A document's body (paragraphs and tables, tables inside tables) as :class:`~jixiao.readers.grid.Grid` s
that follow one another: what the DOCX and HTML readers share once they have parsed their format.

A reader builds :class:`Table` s (cells at their grid positions, merged ranges) and hands paragraphs and
tables to a :class:`Flow` in document order; the flow gives the grids, each ``follows=True`` so that a
form runs from a title paragraph into its table and from one table into the next.

Tables inside tables are flattened in reading order: a row whose cells hold tables is kept as a row (the
cells that hold tables empty in it), then what those cells hold, their paragraphs and tables in order,
follows as grids of their own, then the rest of the outer table. So a page laid out in one big table
reads like the page, and an indicator table nested in the cell of a form reads after the form's row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jixiao.readers.grid import Grid, Merge

__all__ = ["Block", "Cell", "Flow", "Table"]


@dataclass
class Cell:
    """A table cell: its text (line breaks are wrapped lines); or, for a cell that holds a table, no text
    and what it holds as blocks (paragraphs and tables, in order), read after its row."""

    text: str = ""
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Table:
    """Cells at their grid positions (``None``: no cell there, or one covered by a merge) and the merged
    ranges; ``lines`` is the line of each row for messages (None: the flow counts them)."""

    rows: list[list[Cell | None]]
    merges: list[Merge] = field(default_factory=list)
    lines: list[int] | None = None


#: A piece of a body or of a cell: a paragraph (its cells: one, or several where tabs separate them),
#: with its line (None: counted by the flow), or a table.
Block = tuple[list[str], int | None] | Table


class Flow:
    """Collects paragraphs and tables in document order into grids (:attr:`grids`).

    Lines are the reader's (the source line of an HTML row) or, where it gives none, a running count of
    the rows put in so far, one per paragraph and per table row."""

    def __init__(self, name: Callable[[int, tuple[int, ...]], str] | None = None) -> None:
        self.grids: list[Grid] = []
        self.count = 0  # paragraphs and table rows so far
        self.tables = 0  # tables at the top level so far
        self._text: list[list[str]] = []
        self._text_lines: list[int] = []
        self._name = name or (lambda number, path: "表 " + ".".join(map(str, (number, *path))))

    def paragraph(self, cells: list[str], line: int | None = None) -> None:
        """A paragraph outside tables: a row of one cell, or of several where tabs separate them."""
        if not any(c.strip() for c in cells):
            return
        self._text.append(cells)
        self._text_lines.append(self._next(line))

    def preformatted(self, rows: list[list[str]], lines: list[int]) -> None:
        """Text laid out in columns (a text form in an HTML ``<pre>``): rows read as a table's rows, not as
        text outside tables."""
        self._flush_text()
        self.count += len(rows)
        if rows:
            self.grids.append(Grid(None, rows, lines=lines, follows=True))

    def table(self, table: Table) -> None:
        """A table at the top level of the body: named ``表 N`` by its order."""
        self.tables += 1
        self._table(table, (self.tables,))

    def grids_so_far(self) -> list[Grid]:
        """The grids complete so far (call once more at the end: the last paragraphs are then out too)."""
        self._flush_text()
        grids, self.grids = self.grids, []
        return grids

    # -- inside ----------------------------------------------------------------------------------------

    def _next(self, line: int | None) -> int:
        self.count += 1
        return self.count if line is None else line

    def _flush_text(self) -> None:
        if self._text:
            self.grids.append(Grid(None, self._text, lines=self._text_lines, follows=True,
                                   outside_tables=True))
            self._text, self._text_lines = [], []

    def _table(self, table: Table, path: tuple[int, ...]) -> None:
        self._flush_text()
        name = self._name(path[0], path[1:])
        inner = 0
        start = 0
        rows: list[list[str]] = []
        lines: list[int] = []
        for index, cells in enumerate(table.rows):
            rows.append([cell.text if cell is not None else "" for cell in cells])
            lines.append(self._next(table.lines[index] if table.lines is not None else None))
            holders = [cell for cell in cells if cell is not None and cell.blocks]
            if not holders:
                continue
            self._segment(name, table, start, rows, lines)
            for cell in holders:
                for block in cell.blocks:
                    if isinstance(block, Table):
                        inner += 1
                        self._table(block, (*path, inner))
                    else:
                        self.paragraph(*block)
                self._flush_text()
            start, rows, lines = index + 1, [], []
        self._segment(name, table, start, rows, lines)

    def _segment(self, name: str, table: Table, start: int, rows: list[list[str]], lines: list[int]) -> None:
        """Rows ``start`` … of ``table`` as one grid, with the parts of the merges that fall in them."""
        if not rows:
            return
        end = start + len(rows) - 1
        # A merge from the rows above has its text there; the cells it covers here are empty already.
        merges = [(top - start, left, min(bottom, end) - start, right)
                  for top, left, bottom, right in table.merges if start <= top <= end]
        self.grids.append(Grid(name, rows, merges, lines=lines, follows=True))
