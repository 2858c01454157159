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
                 prune: Callable[[list, int], bool] | None = None,
                 num: Callable[[str], float | None] | None = None,
                 forced: Callable[[list], str | None] | None = None,
                 limit: int = 20000) -> list[tuple[Cell, ...]]:
    """All ways to read `fields` as exactly n cells.

    valid(col, text) tells whether a text may stand in column col; check(cells) is applied
    to complete sequences; prune(values so far, characters left) may cut a branch early,
    where values are num(text) of the cells taken so far; forced(values) may name the
    only text the next cell can have (a total the identities fix)."""
    out: list[tuple[Cell, ...]] = []
    texts = [f.text for f in fields]
    after = [0] * (len(fields) + 1)  # characters in the fields after each one
    for i in range(len(fields) - 1, -1, -1):
        after[i] = after[i + 1] + len(texts[i])
    cells: list[Cell] = []
    nums: list = []

    def take(piece: str, offset: int | None, fi: int, pos: int) -> None:
        cells.append((piece, offset))
        nums.append(num(piece) if num else None)
        rec(fi, pos)
        cells.pop()
        nums.pop()

    def rec(fi: int, pos: int) -> None:
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
        if prune is not None and prune(nums, len(s) - pos + after[fi + 1]):
            return
        if not f.splittable:
            if valid(col, s):
                take(s, f.offset if s else None, fi + 1, 0)
            return
        want = forced(nums) if forced is not None else None
        if want is not None:
            end = pos + len(want)
            if s.startswith(want, pos) and end in set(_pieces(s, pos)) and valid(col, want):
                take(want, f.offset + pos, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end)
            return
        for end in _pieces(s, pos):
            piece = s[pos:end]
            if valid(col, piece):
                take(piece, f.offset + pos, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end)

    rec(0, 0)
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
