"""Table rows with spans <-> an expanded grid.

Readers emit each source cell once, in the row where it starts, with its colspan and
rowspan; covered grid positions have no cell of their own. `grid` expands such rows into
a rectangle on demand. `finish_table` is the shared last step of every reader that builds
tables (HTML, DOCX, RTF): it clamps spans the way browsers do and removes rows that hold
no cell of their own, so that spans and rows always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..document import Block, Cell, Document, Location

MAX_COLSPAN = 1000  # the HTML limit
MAX_ROWSPAN = 65534


@dataclass(slots=True)
class RawCell:
    """A cell while a reader is still building its table."""

    text: str
    line: int | None = None
    colspan: int = 1
    rowspan: int = 1


def span_value(raw: str | int | None, limit: int) -> int:
    """An HTML-ish span attribute -> 1..limit ("2", " 3 ", "2px" -> 2; junk, 0, negatives -> 1).
    rowspan="0" (to the end of the row group) is handled by the caller; here it becomes 1."""
    if raw is None:
        return 1
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 6:
        return min(max(int(raw), 1), limit)  # the usual "2": what the walk below makes of it
    if isinstance(raw, int):
        n = raw
    else:
        s = raw.strip()
        digits = ""
        for ch in s:
            if ch.isascii() and ch.isdigit():
                digits += ch
                if len(digits) > 6:
                    break
            else:
                break
        n = int(digits) if digits else 1
    return min(max(n, 1), limit)


def finish_table(rows: list[list[RawCell]], table: int) -> list[Block]:
    """Raw rows -> row blocks: rowspans clamped to the rows that exist, rows without any
    cell of their own dropped (the spans that crossed them shrink accordingly)."""
    n = len(rows)
    for r, cells in enumerate(rows):
        left = n - r
        for c in cells:
            if not 1 <= c.colspan <= MAX_COLSPAN:
                c.colspan = min(max(c.colspan, 1), MAX_COLSPAN)
            if not 1 <= c.rowspan <= left:
                c.rowspan = min(max(c.rowspan, 1), left)
    for i in range(n - 1, -1, -1):
        if rows[i]:
            continue
        for r in range(i):
            for c in rows[r]:
                if r + c.rowspan > i:
                    c.rowspan -= 1
        del rows[i]
    # a table has a few hundred cells on a few dozen lines: one Location per line, and
    # cells made by Cell._make (Cell(...) goes through a Python-level __new__)
    locs: dict[int | None, Location] = {}
    make = Cell._make
    out: list[Block] = []
    for cells in rows:
        row: list[Cell] = []
        for c in cells:
            loc = locs.get(c.line)
            if loc is None:
                loc = locs[c.line] = Location(line=c.line)
            row.append(make((c.text, loc, c.colspan, c.rowspan)))
        out.append(Block("row", tuple(row), table))
    return out


def tables(doc: Document | Iterable[Block]) -> dict[int, list[Block]]:
    """Row blocks grouped by table number, in document order."""
    blocks = doc.blocks if isinstance(doc, Document) else doc
    out: dict[int, list[Block]] = {}
    for b in blocks:
        if b.kind == "row" and b.table is not None:
            out.setdefault(b.table, []).append(b)
    return out


def grid(rows: Iterable[Block]) -> list[list[Cell | None]]:
    """Rows of one table -> a rectangular grid. A spanning cell appears at every position it
    covers (the same object); positions no cell covers are None (ragged source rows).
    Rowspans reaching past the last given row are cut off."""
    rows = list(rows)
    out: list[list[Cell | None]] = [[] for _ in rows]

    def put(r: int, c: int, cell: Cell) -> None:
        line = out[r]
        if len(line) <= c:
            line.extend([None] * (c + 1 - len(line)))
        line[c] = cell

    for r, b in enumerate(rows):
        c = 0
        for cell in b.cells:
            while c < len(out[r]) and out[r][c] is not None:
                c += 1
            for dr in range(min(cell.rowspan, len(rows) - r)):
                for dc in range(cell.colspan):
                    rr, cc = r + dr, c + dc
                    if cc >= len(out[rr]) or out[rr][cc] is None:  # overlapping spans: first wins
                        put(rr, cc, cell)
            c += cell.colspan
    width = max((len(x) for x in out), default=0)
    for line in out:
        line.extend([None] * (width - len(line)))
    return out


def grid_texts(rows: Iterable[Block], *, repeat: bool = False) -> list[list[str]]:
    """The grid as text: a spanning cell's text at its top-left position only, "" elsewhere
    (or at every covered position with repeat=True). Uncovered positions are ""."""
    g = grid(rows)
    seen: set[int] = set()
    out: list[list[str]] = []
    for line in g:
        row: list[str] = []
        for cell in line:
            if cell is None:
                row.append("")
            elif repeat or id(cell) not in seen:
                row.append(cell.text)
                seen.add(id(cell))
            else:
                row.append("")
        out.append(row)
    return out
