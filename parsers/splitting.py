"""Cells from value text whose separators were lost.

Scrapers run table cells together ("6000017" may be 6,0,0,0,0,1,7). A run of text is
split into candidate cell sequences; the template's arithmetic (passed in as `check`)
decides which candidates survive. Nothing here guesses: callers keep every survivor and
resolve only the cells on which all of them agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import combinations
from math import comb
from typing import NamedTuple

# One cell's text: optional sign, integer without leading zeros (or 0), optional
# decimals, optional unit; or a dash / 无.
_CELL = re.compile(r"[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?|[—\-–/]+|无")
VALUE_WORD = re.compile(r"^(?:[+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|项|条|%)?|[—\-–/]+|无)+$")


class Field(NamedTuple):
    """A stretch of value text between two labels (a named tuple: the matcher makes
    one per cell of every row)."""

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


@lru_cache(maxsize=4096)
def _piece_ends(s: str, start: int) -> tuple[int, ...]:
    """tuple(_pieces(s, start)), memoised: a split search reaches the same position by
    many paths, and the same digit runs ("0000000") recur across rows and reports."""
    return tuple(_pieces(s, start))


def split_fields(
    fields: list[Field],
    n: int,
    valid: Callable[[int, str], bool],
    check: Callable[[list[Cell]], bool] | None = None,
    prune: Callable[[list, int], bool] | None = None,
    num: Callable[[str], float | None] | None = None,
    forced: Callable[[list], str | None] | None = None,
    limit: int = 20000,
) -> list[tuple[Cell, ...]]:
    """All ways to read `fields` as exactly n cells.

    valid(col, text) tells whether a text may stand in column col; check(cells) is applied
    to complete sequences; prune(values so far, characters left) may cut a branch early,
    where values are num(text) of the cells taken so far; forced(values) may name the
    only text the next cell can have (a total the identities fix).

    A depth-first search; the readings come out in a fixed order (shorter first cells
    first), which `limit` cuts. It is the parser's innermost loop, so taking a cell is
    written out in place and num() is asked once per distinct text."""
    out: list[tuple[Cell, ...]] = []
    texts = [f.text for f in fields]
    nf = len(fields)
    after = [0] * (nf + 1)  # characters in the fields after each one
    for i in range(nf - 1, -1, -1):
        after[i] = after[i + 1] + len(texts[i])
    # The most cells the fields from each one on can give: a cell of a splittable field
    # takes a character at least, an atomic field is one cell. A branch that can no
    # longer make its n cells gives no reading, and is not searched.
    most = [0] * (nf + 1)
    for i in range(nf - 1, -1, -1):
        most[i] = most[i + 1] + (len(texts[i]) if fields[i].splittable else 1)
    cells: list[Cell] = []
    nums: list = []
    num_of: dict[str, float | None] = {}  # num() of each text taken so far

    def value(piece: str):
        if num is None:
            return None
        v = num_of.get(piece, num_of)
        if v is num_of:
            v = num_of[piece] = num(piece)
        return v

    def rec(fi: int, pos: int) -> None:
        if len(out) >= limit:
            return
        if fi == nf:
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
        if n - col > most[fi] - pos:  # (pos > 0 only inside a splittable field)
            return
        if not f.splittable:
            if valid(col, s):
                cells.append((s, f.offset if s else None))
                nums.append(value(s))
                rec(fi + 1, 0)
                cells.pop()
                nums.pop()
            return
        want = forced(nums) if forced is not None else None
        if want is not None:
            end = pos + len(want)
            if not (s.startswith(want, pos) and end in _piece_ends(s, pos) and valid(col, want)):
                return
            ends: tuple[int, ...] = (end,)
        else:
            ends = _piece_ends(s, pos)
        last = len(s)
        for end in ends:
            piece = s[pos:end]
            if want is None and not valid(col, piece):
                continue
            cells.append((piece, f.offset + pos))
            nums.append(value(piece))
            if end == last:
                rec(fi + 1, 0)
            else:
                rec(fi, end)
            cells.pop()
            nums.pop()

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


PADDING_CHOICES = 200  # ways to drop padding blanks tried at most


def window_fits(fields: list[Field], n: int) -> list[list[Field]]:
    """Atomic fields with extra blank padding: the n fields left when blanks are dropped.

    Blanks at the edges may be neighbouring rows' label cells: windows that drop only
    those are the readings. Where no such window fits, a blank inside is padding a tool
    printed after a cell that spans two columns (trafilatura writes "| 0 |  | 0 | 0 |" for
    a value whose cell spans two of the header's): every way to drop the extra blanks is
    then a reading, so a value is placed only where all of them put it."""
    if len(fields) <= n:
        return [fields]
    out = []
    extra = len(fields) - n
    for lead in range(extra + 1):
        dropped = fields[:lead] + fields[lead + n :]
        if all(f.text == "" for f in dropped):
            out.append(fields[lead : lead + n])
    blanks = [i for i, f in enumerate(fields) if f.text == ""]
    if out or len(blanks) < extra or comb(len(blanks), extra) > PADDING_CHOICES:
        return out
    seen = set()
    for drop in combinations(blanks, extra):
        kept = [f for i, f in enumerate(fields) if i not in drop]
        key = tuple((f.text, f.offset if f.text else None) for f in kept)
        if key not in seen:
            seen.add(key)
            out.append(kept)
    return out
