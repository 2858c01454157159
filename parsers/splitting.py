"""Cells from value text whose separators were lost.

Scrapers run table cells together ("6000017" may be 6,0,0,0,0,1,7). A run of text is
split into candidate cell sequences; the template's arithmetic (passed in as `check`)
decides which candidates survive. Nothing here guesses: callers keep every survivor and
resolve only the cells on which all of them agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from typing import Callable, Iterator

# One cell's text: optional sign, integer without leading zeros (or 0), optional
# decimals, optional unit; or a dash / 无.
_CELL = re.compile(r"[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?|[—\-–/]+|无")
VALUE_WORD = re.compile(r"^(?:[+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|项|条|%)?|[—\-–/]+|无)+$")


@dataclass(frozen=True, slots=True)
class Field:
    text: str  # "" = an explicit blank cell (only from tables with real separators)
    offset: int  # position in Flat.text
    splittable: bool  # True when the field may hold several cells run together


Cell = tuple[str, int | None]  # (raw text, offset) ; ("", None) = blank


def _pieces(s: str, start: int) -> Iterator[int]:
    """End positions of every valid cell starting at s[start]."""
    if s[start] == "0" and (start + 1 == len(s) or s[start + 1].isdigit()):
        yield start + 1  # a cell never starts with a leading zero
        return
    for m_end in range(start + 1, len(s) + 1):
        piece = s[start:m_end]
        if _CELL.fullmatch(piece):
            yield m_end


def split_fields(fields: list[Field], n: int, valid: Callable[[int, str], bool],
                 check: Callable[[list[Cell]], bool] | None = None,
                 prune: Callable[[list[Cell], int], bool] | None = None,
                 limit: int = 20000) -> list[tuple[Cell, ...]]:
    """All ways to read `fields` as exactly n cells.

    valid(col, text) tells whether a text may stand in column col; check(cells) is applied
    to complete sequences; prune(partial, remaining_chars) may cut a branch early."""
    out: list[tuple[Cell, ...]] = []
    texts = [f.text for f in fields]

    def rec(fi: int, pos: int, cells: list[Cell]) -> None:
        if len(out) >= limit:
            return
        if fi == len(fields):
            if len(cells) == n and (check is None or check(cells)):
                out.append(tuple(cells))
            return
        col = len(cells)
        if col >= n:
            return
        f = fields[fi]
        s = texts[fi]
        if prune is not None:
            rest = len(s) - pos + sum(len(t) for t in texts[fi + 1:])
            if prune(cells, rest):
                return
        if not f.splittable:
            if valid(col, s):
                cells.append((s, f.offset if s else None))
                rec(fi + 1, 0, cells)
                cells.pop()
            return
        for end in _pieces(s, pos):
            piece = s[pos:end]
            if not valid(col, piece):
                continue
            cells.append((piece, f.offset + pos))
            if end == len(s):
                rec(fi + 1, 0, cells)
            else:
                rec(fi, end, cells)
            cells.pop()

    rec(0, 0, [])
    return out


def place_with_gaps(seq: tuple[Cell, ...], n: int) -> Iterator[tuple[Cell, ...]]:
    """Every way to put k < n cells in n columns, order kept, the rest blank (vanished)."""
    k = len(seq)
    for cols in combinations(range(n), k):
        row: list[Cell] = [("", None)] * n
        for c, cell in zip(cols, seq):
            row[c] = cell
        yield tuple(row)


def window_fits(fields: list[Field], n: int) -> list[list[Field]]:
    """Atomic fields with extra blank padding: windows of n fields that drop only blanks at the edges."""
    if len(fields) <= n:
        return [fields]
    out = []
    extra = len(fields) - n
    for lead in range(extra + 1):
        dropped = fields[:lead] + fields[lead + n:]
        if all(f.text == "" for f in dropped):
            out.append(fields[lead:lead + n])
    return out
