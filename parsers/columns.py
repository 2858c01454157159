"""Columns of a table in pdftotext -layout text, from where its values stand on the line.

pdftotext -layout keeps a PDF's columns by padding with spaces, and prints an empty cell
as nothing but spaces. A row with empty cells then prints fewer values than the table
has columns, and the values alone do not say which cells are empty ("0 0 0 0" for seven
columns). Where they stand does: every value of one column starts near the same
character position of its line, in every row of the page.

So the value positions of a table's rows on one page (a form feed starts the next, where
the table may stand elsewhere), on lines that hold nothing but values (text before a
value shifts it), are gathered and clustered; where they fall into exactly
as many tight, well separated clusters as the table has columns, each cluster is a
column. A row's values, on such lines, are then placed in the columns their positions
fall in, the other cells blank — one reading, as printed. Where the clusters are not clean (prose
numbers, a cell that wraps, columns too close), nothing is placed this way and the
matcher's readings stand.
"""

from __future__ import annotations

from dataclasses import dataclass

from .labels import LONE_VALUE
from .splitting import Field

MAX_WIDTH = 3.0  # spread of the value centres of one column, in characters
MIN_GAP = 2.5  # between the nearest centres of two neighbouring columns


@dataclass(frozen=True)
class Columns:
    """The columns of a table on one page: [start, end) of the page's text and each
    column's range of value centres (character positions from the line start)."""

    start: int
    end: int
    ranges: tuple[tuple[float, float], ...]


def _centre(text: str, start: int, end: int) -> float:
    return (start + end) / 2 - (text.rfind("\n", 0, start) + 1)


def page_columns(text: str, start: int, end: int, n: int) -> list[Columns]:
    """The columns of the table in text[start:end], page by page (see the module
    docstring); pages whose value positions do not make n clean columns are left out."""
    out = []
    pos = start
    while pos < end:
        page_end = text.find("\f", pos, end)
        page_end = end if page_end < 0 else page_end
        centres = []
        line_start = pos
        while line_start < page_end:
            line_end = text.find("\n", line_start, page_end)
            line_end = page_end if line_end < 0 else line_end
            line = text[line_start:line_end]
            if _values_only(line):
                centres += [(m.start() + m.end()) / 2 for m in LONE_VALUE.finditer(line)]
            line_start = line_end + 1
        ranges = _clusters(sorted(centres))
        if len(ranges) == n:
            out.append(Columns(pos, page_end, tuple(ranges)))
        pos = page_end + 1
    return out


def _values_only(line: str) -> bool:
    """A line of values and spaces alone. Text before a value shifts it: pdftotext counts
    a CJK character as one position where it takes two widths, so only such lines say
    where the columns stand."""
    return bool(line.strip()) and not LONE_VALUE.sub("", line).strip()


def _clusters(centres: list[float]) -> list[tuple[float, float]]:
    """Runs of sorted centres closer than MIN_GAP to the next; [] where a run is wider
    than MAX_WIDTH (no clean columns)."""
    out: list[tuple[float, float]] = []
    for c in centres:
        if out and c - out[-1][1] < MIN_GAP:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out if all(hi - lo <= MAX_WIDTH for lo, hi in out) else []


def place(text: str, run: list[Field], pages: list[Columns], n: int) -> tuple | None:
    """The row `run` read by position: a tuple of n (text, offset) cells, blanks ("",
    None) where no value stands, or None where a value falls in no column of its page,
    two in one, or the run is not all single values on one page."""
    if not run or len(run) > n or any(not f.text for f in run):
        return None
    page = next((p for p in pages if p.start <= run[0].offset < p.end), None)
    if page is None or not all(page.start <= f.offset < page.end for f in run):
        return None
    if not all(_values_only(_line_at(text, f.offset)) for f in run):
        return None
    cells: list = [("", None)] * n
    last = -1
    for f in run:
        m = LONE_VALUE.match(text, f.offset)
        if m is None or m.end() != f.offset + len(f.text):
            return None  # part of a word (a value glued to text), not a value standing alone
        c = _centre(text, f.offset, f.offset + len(f.text))
        col = next((i for i, (lo, hi) in enumerate(page.ranges) if lo - 0.5 <= c <= hi + 0.5), None)
        if col is None or col <= last:
            return None
        cells[col] = (f.text, f.offset)
        last = col
    return tuple(cells)


def _line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]
