"""The document model every reader produces and every later stage consumes.

A `Document` is an ordered list of blocks. A block is a paragraph (one cell) or a
table row (several cells). Every cell carries its `Location` in the source, so any
number taken from it can say where it came from. Nothing after the readers knows
which form (text, HTML, PDF, Word, OCR) the blocks came from.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from .rowloops import new as _new


# Location, Cell and Block are named tuples: immutable plain data like the dataclasses
# below, but a reader makes several per source line, and a tuple is made about twice
# as fast as a frozen dataclass.
class Location(NamedTuple):
    line: int | None = None  # 1-based line in the source (text, HTML, DOCX)
    page: int | None = None  # 1-based page (PDF)
    via: str | None = None  # "ocr" when the text came from character recognition

    def as_dict(self) -> dict:
        d: dict = {}
        if self.page is not None:
            d["page"] = self.page
        if self.line is not None:
            d["line"] = self.line
        if self.via:
            d["via"] = self.via
        return d


class Cell(NamedTuple):
    text: str
    loc: Location
    colspan: int = 1
    rowspan: int = 1


class Block(NamedTuple):
    kind: Literal["para", "row"]
    cells: tuple[Cell, ...]
    # Rows that came from one real table (HTML/PDF/DOCX) share a table number, so
    # later stages can tell a table boundary from a paragraph break.
    table: int | None = None

    @property
    def loc(self) -> Location:
        return self.cells[0].loc if self.cells else Location()

    @property
    def text(self) -> str:
        return "\t".join(c.text for c in self.cells) if self.kind == "row" else self.cells[0].text


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    format: str  # text | html | pdf | docx | doc
    # Key/value lines a crawler or CMS put before the body (标题, 发布时间, 原文链接 ...).
    header: tuple[tuple[str, str], ...] = ()
    warnings: tuple[Warning, ...] = field(default=())

    def header_value(self, *keys: str) -> str | None:
        for k, v in self.header:
            if k in keys and v:
                return v
        return None


def para(text: str, loc: Location) -> Block:
    # Block(...) and Cell(...) through their named tuples' Python-level __new__ cost more
    # than the rest of making a paragraph; tuple.__new__ is what both end in (rowloops.new:
    # the same, in C where built)
    return _new(Block, ("para", (_new(Cell, (text, loc, 1, 1)),), None))


def row(texts: list[str] | tuple[str, ...], loc: Location, table: int | None = None) -> Block:
    return Block("row", tuple(Cell(t, loc) for t in texts), table)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    block: int
    cell: int
    kind: str  # "para" | "row"


class Flat:
    """The document as one string (row cells joined by TAB, blocks by LF) with an index
    back to blocks and cells, so that text searches can report source locations.

    The index is kept as plain lists, one entry per cell in text order (start, end,
    block, cell, location), rather than as Span objects: a report has hundreds of cells, most
    lookups need one number of one of them, and the Spans callers ask for are made
    when asked.

    Its attributes are slots: the lookups below read three of them per call, and a slot
    is read without the instance dictionary's lookup."""

    __slots__ = ("doc", "text", "_starts", "_ends", "_blocks", "_cells", "_locs", "_at_start", "_kinds")

    def __init__(self, doc: Document):
        starts: list[int] = []
        ends: list[int] = []
        blocks: list[int] = []
        cells: list[int] = []
        locs: list[Location] = []
        kinds: list[str] = []
        lines: list[str] = []
        # one pass over the cells, the text's lines made on the way (a paragraph, most
        # blocks, is its one cell's text)
        pos = -1  # no separator before the first block
        for bi, b in enumerate(doc.blocks):
            pos += 1  # the LF (or nothing) before this block
            kind, bcells = b.kind, b.cells
            if len(bcells) == 1:
                c = bcells[0]
                t = c.text
                starts.append(pos)
                pos += len(t)
                ends.append(pos)
                blocks.append(bi)
                cells.append(0)
                locs.append(c.loc)
                kinds.append(kind)
                lines.append(t)
                continue
            texts = []
            for ci, c in enumerate(bcells):
                if ci:
                    pos += 1  # the TAB between cells
                t = c.text
                texts.append(t)
                starts.append(pos)
                pos += len(t)
                ends.append(pos)
                blocks.append(bi)
                cells.append(ci)
                locs.append(c.loc)
                kinds.append(kind)
            lines.append("\t".join(texts))
        self.doc = doc
        self.text = "\n".join(lines)
        self._starts, self._ends, self._blocks, self._cells, self._locs = starts, ends, blocks, cells, locs
        # the cell starting at each offset: most lookups are of a cell's start
        self._at_start = dict(zip(starts, range(len(starts))))
        self._kinds = kinds

    @property
    def spans(self) -> list[Span]:
        return [self._span(i) for i in range(len(self._starts))]

    def _span(self, i: int) -> Span:
        b = self._blocks[i]
        return Span(self._starts[i], self._ends[i], b, self._cells[i], self.doc.blocks[b].kind)

    def _index(self, offset: int) -> int:
        """The cell at `offset`: the last one starting at or before it."""
        i = self._at_start.get(offset)
        if i is None:
            i = bisect_right(self._starts, offset) - 1
        return i if i > 0 else 0

    def span_at(self, offset: int) -> Span:
        return self._span(self._index(offset))

    # block_at, loc and loc_and_start are asked hundreds of times a report (a cell's
    # start, mostly): _index is written out in them.

    def block_at(self, offset: int) -> int:
        """span_at(offset).block"""
        i = self._at_start.get(offset)
        if i is None:
            i = max(bisect_right(self._starts, offset) - 1, 0)
        return self._blocks[i]

    def loc(self, offset: int) -> Location:
        i = self._at_start.get(offset)
        if i is None:
            i = max(bisect_right(self._starts, offset) - 1, 0)
        return self._locs[i]

    def loc_and_start(self, offset: int) -> tuple[Location, int]:
        """(loc(offset), span_at(offset).start) in one lookup."""
        i = self._at_start.get(offset)
        if i is None:
            i = max(bisect_right(self._starts, offset) - 1, 0)
        return self._locs[i], self._starts[i]

    def spans_between(self, start: int, end: int) -> list[Span]:
        return [Span(s, e, b, c, k) for s, e, b, c, k in self.cells_between(start, end)]

    def cells_in(self, start: int, end: int) -> Iterator[tuple[int, int, int, str]]:
        """(start, end, block, kind) of the cells spans_between(start, end) gives, as an
        iterator over slices of the index (asked for every row of every table)."""
        starts = self._starts
        i = self._at_start.get(start)
        if i is None:
            i = max(bisect_right(starts, start) - 1, 0)
        j = bisect_left(starts, end)
        if i < j and not (self._ends[i] > start or starts[i] >= start):
            i += 1  # the cell before `start` ends before it
        return zip(starts[i:j], self._ends[i:j], self._blocks[i:j], self._kinds[i:j])

    def cells_between(self, start: int, end: int) -> list[tuple[int, int, int, int, str]]:
        """The spans_between(start, end) as plain (start, end, block, cell, kind) tuples."""
        i = self._index(start)
        j = bisect_left(self._starts, end)
        out = list(zip(self._starts[i:j], self._ends[i:j], self._blocks[i:j], self._cells[i:j], self._kinds[i:j]))
        if out and not (out[0][1] > start or out[0][0] >= start):
            del out[0]  # the cell before `start` ends before it
        return out
