"""Readings of one row: every way to read a row's value run as its cells, ranked.

A run of value fields (fields.py) is read as the row's n cells: fields that are one cell
each are windowed, run-together digits are cut every way splitting.py allows (a t3 row,
whose last cell is the sum of the others, by `_parts_to_total`, the parser's hottest
loop), and where a report's empty cells may have vanished, the printed cells are placed
among blanks. Each reading gets a `Rank` from the row's own identities (its sums, soft
inequalities, counts that cannot be negative); lower ranks are better, compared field by
field. `solve_run` keeps the best readings of a run; whether the whole table adds up is
the joint solver's question (joint.py), and which cells are stated the assembly's
(tables.py): a cell is stated only where all kept readings agree.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .rowloops import NATIVE as _LOOPS
from .rowloops import new as _new  # tuple.__new__, in C where built
from .splitting import Cell, Field, _piece_ends, place_with_gaps, split_fields, window_fits
from .templates import Column
from .traces import TRACED_BLANK_TOTALS, TRACED_CELLS, traced_readings
from .values import parse_value

SPLIT_LIMIT = 20000  # readings of one row's digits searched before giving up on the row
VANISH_LIMIT = 5000  # the same, allowing vanished blank cells

Reading = tuple[Cell, ...]  # one cell (raw text, offset) per column; ("", None) is blank


class Rank(NamedTuple):
    """How well a reading fits its row's arithmetic; lower is better, compared field by
    field in this order (a named tuple: one is made for every reading of every row)."""

    negative: int  # counts read negative in a column that cannot be
    violated: int  # sums of the row that fail
    soft: int  # soft inequalities (a <= b) that fail
    unverifiable: int  # sums whose total is blank
    vanished: int  # cells read as vanished blanks
    unconfirmed: int  # 1: a printed word was cut while a total is blank; stands only if the table's sums admit it

    @property
    def hard(self) -> tuple[int, int, int]:
        """The part no later evidence overrides (negative, violated, soft): readings of a
        row that differ only after it are left for the whole table to choose among."""
        return self[:3]


# A reading and its rank. A plain pair, taken apart as `for reading, rank in ranked`: a
# named tuple would cost a Python call for each of the many readings of every row.
Ranked = tuple[Reading, Rank]


class Solved(NamedTuple):
    """The readings `solve_run` keeps for a run and the rank they share: a whole Rank, or,
    where the finer preference is left to the whole table, its first three fields
    (negative, violated, soft). ([], None) when the run cannot be read."""

    readings: list[Reading]
    rank: tuple | None


def cell_value(raw: str, col: Column | None = None):
    """The number a cell's text stands for (None: blank, a dash, 无), as parse_value reads it."""
    if raw.isdigit() and raw.isascii():
        return int(raw)
    v = parse_value(raw, signed=bool(col and col.signed), decimal=bool(col and col.decimal))
    return v.value


_DASH_RUN = re.compile(r"[—\-–/]+")
_GROUPED = re.compile(r"[+\-]?\d{1,3}(,\d{3})+(\.\d+)?(万元|元)?")  # 1,234 / 1,234.5万元


def valid_for(cols: tuple[Column, ...]):
    """valid(i, text): whether `text` may stand in column i (a sign only where the column
    is signed, decimals and 元 only in money columns, digit grouping only as 1,234)."""

    def valid(i: int, text: str) -> bool:
        if text == "" or (text.isdigit() and text.isascii()):
            return True
        c = cols[i]
        t = text
        if t in ("无",) or _DASH_RUN.fullmatch(t):
            return True
        if t[0] in "+-" and not c.signed:
            return False
        money = c.decimal or c.key in ("procurement_amount", "fee_amount")
        if not money and ("." in t or "元" in t):
            return False
        return "," not in t or bool(_GROUPED.fullmatch(t))

    return valid


def sum_status(values: list, total_index: int, parts: list[int]) -> int:
    """0 verified, 1 unverifiable (blank total), 2 violated — under the blank policy."""
    total = values[total_index]
    if total is None:
        return 1
    s = sum(values[i] or 0 for i in parts)
    return 0 if abs(s - total) < 1e-6 else 2


@dataclass(slots=True)
class RowSpec:
    """A row as its readings see it: its columns and the identities within it."""

    key: str  # row key as in addresses (t3: "granted"; t2: "art20_1.regulations"; t4: "" )
    cols: tuple[Column, ...]
    groups: tuple[tuple[int, tuple[int, ...]], ...]  # (total index, part indices) sum identities
    le: tuple[tuple[int, int], ...] = ()  # soft a <= b pairs


def rank_readings(spec: RowSpec, run: list[Field], vanish: bool, spaced: bool = False, traced: int = 0) -> list[Ranked]:
    """Readings of one row's value run, each with its rank (lower is better).

    The same value text recurs across rows and reports (0000000 …), and the readings
    depend only on the fields' texts and spacing and on the row's columns and
    identities, not on where the run stands: they are worked out once for the run
    moved to offset 0 (_ranked_at_zero, memoised) and moved back here."""
    if not (vanish or traced) and len(run) == len(spec.cols):
        plain = _plain_row(spec, run)
        if plain is not None:
            return plain
    base = run[0].offset if run else 0
    fields = tuple([(f.text, f.splittable, f.offset - base) for f in run])
    ranked = _ranked_at_zero(_shape(spec.cols, spec.groups, spec.le), fields, vanish, spaced, traced)
    if not base:
        return list(ranked)
    return [(tuple([(t, o if o is None else o + base) for t, o in r]), k) for r, k in ranked]


def _plain_row(spec: RowSpec, run: list[Field]) -> list[Ranked] | None:
    """_rank_readings(spec, run, vanish=False) of a run of n one-cell fields, each plain
    digits or blank (the usual row of a table with separators): its one reading,
    ranked, worked out directly (cheaper than the memo's lookup); None for any other run.

    As there: the reading is the fields; a cell's value is int(text) (None when blank),
    never negative; a sum is verified, unverifiable (blank total) or violated; no cell
    vanished and no word was cut. (In C where built, for values of at most 17 digits.)"""
    if _LOOPS is not None:
        got = _LOOPS.plain_row(run, len(spec.cols), spec.groups, spec.le)
        if got is not None:
            cells, violated, soft, unverifiable = got
            return [(cells, _new(Rank, (0, violated, soft, unverifiable, 0, 0)))]
    cells = []
    vals = []
    for text, offset, splittable in run:
        if splittable:
            return None
        if text:
            if not (text.isdigit() and text.isascii()):
                return None
            cells.append((text, offset))
            vals.append(int(text))
        else:
            cells.append(("", None))
            vals.append(None)
    violated = unverifiable = 0
    for t, parts in spec.groups:
        total = vals[t]
        if total is None:
            unverifiable += 1
        elif sum([vals[i] or 0 for i in parts]) != total:
            violated += 1
    soft = 0
    for a, b in spec.le:
        if vals[a] is not None and vals[b] is not None and vals[a] > vals[b]:
            soft += 1
    return [(tuple(cells), _new(Rank, (0, violated, soft, unverifiable, 0, 0)))]


class _Shape:
    """A row's columns and identities as the memo of readings keys them: one object for
    equal (cols, groups, le) (`_shape`), hashed and compared by identity, so that a
    lookup does not hash the columns (a Python __hash__ call for each) every time."""

    __slots__ = ("cols", "groups", "le", "spec")

    def __init__(self, cols: tuple[Column, ...], groups: tuple, le: tuple) -> None:
        self.cols, self.groups, self.le = cols, groups, le
        self.spec = RowSpec("", cols, groups, le)  # (the readings read it, never change it)


_SHAPES: dict[tuple, _Shape] = {}  # (cols, groups, le) -> its one _Shape
_SHAPE_OF: dict[tuple[int, int, int], tuple] = {}  # ids of (cols, groups, le) -> (cols, groups, le, _Shape)


def _shape(cols: tuple[Column, ...], groups: tuple, le: tuple) -> _Shape:
    """The _Shape of a row: found by the identity of its parts (the template's own tuples,
    the same objects for every report), else by their value. Past SHAPES_KEPT shapes
    both tables start again: new _Shape objects key new memo entries (never an old
    entry of other columns), and the old entries age out of the memo."""
    ids = (id(cols), id(groups), id(le))
    hit = _SHAPE_OF.get(ids)
    if hit is not None and hit[0] is cols and hit[1] is groups and hit[2] is le:
        return hit[3]
    value = (cols, groups, le)
    shape = _SHAPES.get(value)
    if shape is None:
        if len(_SHAPES) >= SHAPES_KEPT:
            _SHAPES.clear()
            _SHAPE_OF.clear()
        shape = _SHAPES[value] = _Shape(cols, groups, le)
    if len(_SHAPE_OF) >= SHAPES_KEPT:
        _SHAPE_OF.clear()
    _SHAPE_OF[ids] = (cols, groups, le, shape)  # (holding the parts: their ids stay theirs)
    return shape


SHAPES_KEPT = 256  # row shapes (templates × tables × blocks) remembered at most


@lru_cache(maxsize=4096)
def _ranked_at_zero(shape: _Shape, fields: tuple, vanish: bool, spaced: bool, traced: int = 0) -> tuple[Ranked, ...]:
    """_rank_readings of the run `fields` ((text, splittable, offset) each) in a row of
    `shape`.

    In a report whose tables separate values by spaces (`spaced`), words are first read
    as one cell each, and cut into several only when that gives no reading the row's
    arithmetic accepts: "33" with a blank total is 33, not 3 and a total of 3. (Where
    values run together, as in "一、本年新收…11", the cut is the reading.)"""
    spec = shape.spec
    run = [_new(Field, (text, offset, splittable)) for text, splittable, offset in fields]
    if traced:
        return tuple(_rank_traced(spec, run, vanish, bool(traced & TRACED_BLANK_TOTALS), bool(traced & TRACED_CELLS)))
    if spaced and any(f.splittable for f in run):
        whole = _rank_readings(spec, [f._replace(splittable=False) for f in run], vanish, keep_blanks=True)
        if whole and min((k.negative, k.violated) for _, k in whole) == (0, 0):
            return tuple(whole)
    return tuple(_rank_readings(spec, run, vanish, spaced=spaced))


def _rank_readings(
    spec: RowSpec, run: list[Field], vanish: bool, keep_blanks: bool | None = None, spaced: bool = False
) -> list[Ranked]:
    """Readings of `run` with their ranks. `keep_blanks`: whether an empty field is a cell
    that kept its trace (a no-break space in running text) rather than padding; by
    default, when the run comes from running text."""
    n = len(spec.cols)
    valid = valid_for(spec.cols)
    readings: list[Reading] = []
    splittable = any(f.splittable for f in run)
    if not splittable:
        for w in window_fits(run, n):
            if len(w) == n and all(valid(i, f.text) for i, f in enumerate(w)):
                readings.append(tuple((f.text, f.offset if f.text else None) for f in w))
    else:
        single_total = len(spec.groups) == 1 and spec.groups[0][0] == n - 1
        ends = {t + 1: (t, parts) for t, parts in spec.groups}

        # With a one-cell field (a blank cell between run-together values) a cell may
        # take no character, so the digit bound below holds only when every field splits.
        bound_digits = single_total and all(f.splittable for f in run)

        def prune(nums, rest, _n=n):
            k = len(nums)
            if k in ends:  # a group just finished: it must add up, unless its total is blank
                t, parts = ends[k]
                if nums[t] is not None and sum(nums[i] or 0 for i in parts) != nums[t]:
                    return True
            if bound_digits:
                # the total (last cell) is at most `rest - cells still needed` digits long
                digits = rest - (_n - k - 1)
                return digits <= 0 or sum(v or 0 for v in nums) >= 10**digits
            return False

        totals = {t: parts for t, parts in spec.groups}

        def forced(nums):
            parts = totals.get(len(nums))
            if parts is None:
                return None
            total = sum(nums[i] or 0 for i in parts)
            return str(int(total)) if float(total).is_integer() else None

        if single_total and run[-1].splittable and run[-1].text:
            readings = _total_first(run, n, valid)
        else:
            readings = split_fields(run, n, valid, prune=prune, num=cell_value, forced=forced, limit=SPLIT_LIMIT)
        if len(readings) >= SPLIT_LIMIT:
            return []  # the search was cut short: what its readings agree on proves nothing
    vanished = {r: 0 for r in readings}
    if vanish and not readings:
        # Cells that vanished leave no trace; a blank that kept one (a no-break space
        # between run-together values) is still a cell where it stands.
        if keep_blanks is None:
            keep_blanks = splittable
        kept = [f for f in run if f.text or (keep_blanks and not f.splittable)]
        for k in range(n - 1, 0, -1):
            seqs = split_fields(kept, k, lambda i, t: valid(0, t) and not t.startswith(("+", "-")))
            for seq in seqs:
                for r in place_with_gaps(seq, n):
                    if all(valid(i, c[0]) for i, c in enumerate(r)):
                        vanished[r] = n - k
                        readings.append(r)
            if len(readings) > VANISH_LIMIT:
                return []  # cut short, as above
    alt = _without_trailing_blanks(run, n, valid, vanished) if vanish and readings and not splittable else set()
    readings += alt
    ranked = []
    # A reading that cuts a printed word into several cells while a total of the row is
    # blank has nothing in the row to confirm the cut: "30" may be 30, or 3 and 0. In a
    # spaced-out table, or one whose empty cells may leave no trace (so that 30 and a
    # vanished blank read as well), it is dropped; where values run together it is
    # marked (last rank element) and stands only if the whole table's sums admit it.
    words = sum(1 for f in run if f.text) if splittable and spec.groups else None
    for r in readings:
        vals = [cell_value(c[0], spec.cols[i]) for i, c in enumerate(r)]
        states = [sum_status(vals, t, list(p)) for t, p in spec.groups]
        if r in alt or (vanished.get(r) and not splittable):
            # Printed cells placed around vanished or doubtful blanks: a total that only
            # repeats one part ("1 1") confirms nothing, as the same text reads as two
            # parts and a blank total.
            states = [
                1 if st == 0 and sum(1 for i in p if vals[i]) <= 1 else st for st, (_, p) in zip(states, spec.groups)
            ]
        violated = sum(1 for s in states if s == 2)
        unverifiable = sum(1 for s in states if s == 1)
        unconfirmed = int(bool(unverifiable) and words is not None and sum(1 for c in r if c[0]) > words)
        if unconfirmed and (spaced or vanish):
            continue
        soft = sum(1 for a, b in spec.le if vals[a] is not None and vals[b] is not None and vals[a] > vals[b])
        neg = sum(1 for i, v in enumerate(vals) if v is not None and v < 0 and not spec.cols[i].signed)
        ranked.append((r, _new(Rank, (neg, violated, soft, unverifiable, vanished.get(r, 0), unconfirmed))))
    return ranked


def _rank_traced(
    spec: RowSpec, run: list[Field], vanish: bool, blank_totals: bool = False, cells_apart: bool = False
) -> list[Ranked]:
    """Readings of a run of web text whose empty cells left a no-break space or nothing
    (traces.py), ranked as _rank_readings ranks: the number of vanished cells is no
    evidence, so it does not rank them; a blank total is read only where no printed one
    adds up (or, with `blank_totals`, in a table that leaves totals blank, everywhere,
    ranked alike with printed ones)."""
    valid = valid_for(spec.cols)
    if not cells_apart:
        # a value alone on its line is no one cell here: the cells of a row run together
        run = [f._replace(splittable=True) if f.text else f for f in run]
    ranked = []
    for phase in [True] if blank_totals else [False, True]:  # (lists: Cython types a tuple of constants)
        readings = traced_readings(run, len(spec.cols), spec.groups, valid, cell_value, phase, vanish)
        if readings is None:
            return []  # too many to list: what they agree on proves nothing
        ranked = []
        for r, gapped in readings.items():
            vals = [cell_value(c[0], spec.cols[i]) for i, c in enumerate(r)]
            states = [sum_status(vals, t, list(p)) for t, p in spec.groups]
            if gapped:  # the same text reads as the one part and a blank total
                states = [
                    1 if st == 0 and sum(1 for i in p if vals[i]) <= 1 else st
                    for st, (_, p) in zip(states, spec.groups)
                ]
            soft = sum(1 for a, b in spec.le if vals[a] is not None and vals[b] is not None and vals[a] > vals[b])
            neg = sum(1 for i, v in enumerate(vals) if v is not None and v < 0 and not spec.cols[i].signed)
            unverified = sum(1 for x in states if x == 1)
            if phase:  # blank totals read: no reading is surer than another for its other groups
                unverified = 0 if blank_totals else min(unverified, 1)
            ranked.append((r, Rank(neg, sum(1 for x in states if x == 2), soft, unverified, 0, 0)))
        if any(not (k.negative or k.violated or k.soft or k.unverifiable) for _, k in ranked):
            break
    return ranked


def _without_trailing_blanks(run: list[Field], n: int, valid, vanished: dict) -> set:
    """Readings of a row of one-cell fields that ends in blanks, read without one or two
    of them: in a table whose empty cells may leave no trace, the blanks before the next
    row's label may be that row's empty label cells (a page that prints its label
    columns unmerged), and a cell of this row may have vanished instead. These readings
    are not ranked below the printed count (vanished 0 in `vanished`): where they
    differ from it and the row's sum does not single one out, the cells stay
    unresolved."""
    out = set()
    for drop in (1, 2):
        if drop >= len(run) or run[-drop].text or run[-drop].splittable:
            break
        seq = tuple((f.text, f.offset if f.text else None) for f in run[:-drop])
        if len(seq) >= n:
            continue
        for r in place_with_gaps(seq, n):
            if r not in vanished and all(valid(i, c[0]) for i, c in enumerate(r)):
                vanished[r] = 0
                out.add(r)
    return out


def _total_first(run: list[Field], n: int, valid) -> list[Reading]:
    """Readings of a row whose last cell is the sum of the others (t3 rows): try each
    possible total at the end of the text, then split what precedes it into parts that
    add up to it — bounded by the total, so long digit runs stay cheap."""
    last = run[-1]
    out = []
    for cut in range(len(last.text) - 1, -1, -1):
        t_text = last.text[cut:]
        if not (t_text == "0" or (t_text[0] != "0" and t_text.isdigit())) or not valid(n - 1, t_text):
            continue
        total = int(t_text)
        head = run[:-1] + ([Field(last.text[:cut], last.offset, True)] if cut else [])
        if sum(len(f.text) if f.splittable else 1 for f in head) < n - 1:
            break  # too few characters (a one-cell field counting one) for the parts
        found = _native_parts(head, n - 1, total, len(t_text), SPLIT_LIMIT) if _LOOPS is not None else None
        for parts in _parts_to_total(head, n - 1, total, len(t_text), valid) if found is None else found:
            out.append(parts + ((t_text, last.offset + cut),))
    return out


def _parts_to_total(
    head: list[Field], m: int, total: int, width: int, valid, limit: int = SPLIT_LIMIT
) -> list[Reading]:
    """All readings of `head` as m parts adding up to `total` (a `width`-digit number).

    This is split_fields(head, m, valid, prune, num=cell_value, forced) with the prune and
    forced of a t3 row written into the search, as these rows make it the parser's
    hottest loop: a branch is cut when the characters left cannot make the parts still
    to read (fewer than one each, more than `width` each) or when the parts so far
    exceed the total; the last part must be what the total leaves. `acc` carries the
    sum of the parts so far (blank and text parts count 0). Readings come out in
    split_fields' order, cut at the same `limit`. (_native_parts: the same search in C.)"""
    out: list[Reading] = []
    texts = [f.text for f in head]
    nf = len(head)
    # characters in the fields after each one, a field that is one cell whatever its
    # text (a blank cell of a table with separators) counting one
    after = [0] * (nf + 1)
    for i in range(nf - 1, -1, -1):
        after[i] = after[i + 1] + (len(texts[i]) if head[i].splittable else 1)
    cells: list[Cell] = []
    nums: list = []  # cell_value of each part so far
    # int() refuses longer digit strings; a search that would try one must fail as before
    max_digits = sys.get_int_max_str_digits() or max(after[0], 1)
    plain_from = [True] * (nf + 1)  # the fields from each one on are all splittable plain digits
    for i in range(nf - 1, -1, -1):
        plain_from[i] = plain_from[i + 1] and head[i].splittable and texts[i].isascii() and texts[i].isdigit()

    def plus(acc, v):
        """The sum with one more part, as sum(x or 0 for x in nums + [v]) gives it:
        plain addition while all are integers (always, but for a cell such as "１．５"),
        else sum() itself, whose float rounding depends on the Python version."""
        if type(acc) is int and type(v or 0) is int:
            return acc + (v or 0)
        return sum(x or 0 for x in nums + [v])

    def hopeless(acc: int, rest: int, left: int) -> bool:
        """True when `left` parts cut from the `rest` plain digits left cannot add up to
        total - acc: they make at most one number of rest - left + 1 digits and single
        digits, and at least one number of ceil(rest / left) digits (only a lone 0
        starts with 0). Such a branch gives no reading and is not searched. (Asked
        only where int() takes every part, so no error of the full search is lost.)"""
        if acc + 10 ** (rest - left + 1) + 9 * (left - 1) <= total:
            return True
        longest = -(-rest // left)
        return longest >= 2 and acc + 10 ** (longest - 1) > total

    def take(piece: str, offset: int | None, v, fi: int, pos: int, acc) -> None:
        cells.append((piece, offset))
        nums.append(v)
        rec(fi, pos, acc)
        cells.pop()
        nums.pop()

    def rec(fi: int, pos: int, acc) -> None:
        if len(out) >= limit:
            return
        if fi == nf:
            # (a last part the total does not fix — a one-cell field — is checked here)
            if len(cells) == m and abs(acc - total) < 1e-9:
                out.append(tuple(cells))
            return
        col = len(cells)
        if col >= m:
            return
        f = head[fi]
        s = texts[fi]
        rest = (len(s) - pos if f.splittable else 1) + after[fi + 1]
        left = m - col  # parts still to read from `rest` characters
        if rest < left or rest > left * width or acc > total:
            return
        if plain_from[fi] and type(acc) is int and rest <= max_digits and hopeless(acc, rest, left):
            return
        if not f.splittable:
            if valid(col, s):
                v = cell_value(s)
                take(s, f.offset if s else None, v, fi + 1, 0, plus(acc, v))
            return
        if col == m - 1:  # the last part: the total fixes it
            want = str(total - acc)
            end = pos + len(want)
            if s.startswith(want, pos) and end in _piece_ends(s, pos) and valid(col, want):
                v = cell_value(want)
                take(
                    want, f.offset + pos, v, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end, plus(acc, v)
                )
            return
        if type(acc) is int and s.isascii() and s.isdigit() and len(s) - pos <= max_digits:
            # Plain digits: the cells starting here are s[pos:end] for every end (just
            # "0" when a 0 starts them), all valid, worth int(), and worth more the
            # longer they are. Branches the prune above would cut at once are not
            # opened (this is not the last part, so none of them is a reading): a
            # part ending before `lo` leaves more characters than the parts after it
            # can hold, one ending after `hi` too few for them, and once a part
            # passes the total so does every longer one.
            room = len(s) + after[fi + 1]  # characters left after a part ending at 0
            lo = max(pos + 1, room - (left - 1) * width)
            hi = min(len(s), room - (left - 1), pos + 1 if s[pos] == "0" else len(s))
            for end in range(lo, hi + 1):
                v = int(s[pos:end])
                if acc + v > total:
                    break
                rest2 = room - end
                if plain_from[fi] and rest2 <= max_digits and hopeless(acc + v, rest2, left - 1):
                    continue  # what the branch would find at once
                take(
                    s[pos:end], f.offset + pos, v, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end, acc + v
                )
            return
        for end in _piece_ends(s, pos):
            piece = s[pos:end]
            if valid(col, piece):
                v = cell_value(piece)
                take(
                    piece, f.offset + pos, v, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end, plus(acc, v)
                )

    rec(0, 0, 0)
    return out


def _native_parts(head: list[Field], m: int, total: int, width: int, limit: int) -> list[Reading] | None:
    """_parts_to_total(head, m, total, width, valid, limit), searched in C (rowloops.py)
    step for step, for a head of plain digit words, one splittable field each (valid in
    every column), m <= 32 parts and a total of at most 18 digits (the usual t3 row);
    None for any other head."""
    texts = [f.text for f in head]
    if not (width <= 18 and 0 <= total < 10**width and 1 <= m <= 32):
        return None
    if not all([f.splittable and t.isascii() and t.isdigit() for f, t in zip(head, texts)]):
        return None
    digits = sys.get_int_max_str_digits() or max(sum([len(t) for t in texts]), 1)  # (max_digits there)
    return _LOOPS.parts_to_total(tuple(texts), tuple([f.offset for f in head]), m, total, width, limit, digits)


def best(ranked: list[Ranked]) -> Solved:
    """The readings of the best rank, and that rank."""
    if not ranked:
        return _new(Solved, ([], None))
    top = min(k for _, k in ranked)
    return _new(Solved, ([r for r, k in ranked if k == top], top))


def _only_split(spec: RowSpec, run: list[Field]) -> Reading | None:
    """The one way to read `run` as the row's cells, arithmetic aside, if there is one."""
    readings = split_fields(run, len(spec.cols), valid_for(spec.cols), limit=2)
    return readings[0] if len(readings) == 1 else None


def _words_cut(run: list[Field], reading: Reading) -> int:
    """How many words of the run a reading cuts into several cells."""
    cut = 0
    for f in run:
        end = f.offset + len(f.text)
        if sum(1 for _, at in reading if at is not None and f.offset <= at < end) > 1:
            cut += 1
    return cut


def violations(spec: RowSpec, r: Reading) -> Rank:
    """A rank (as _rank_readings gives) for a reading the row's arithmetic did not choose."""
    vals = [cell_value(c[0], spec.cols[i]) for i, c in enumerate(r)]
    states = [sum_status(vals, t, list(p)) for t, p in spec.groups]
    soft = sum(1 for a, b in spec.le if vals[a] is not None and vals[b] is not None and vals[a] > vals[b])
    neg = sum(1 for i, v in enumerate(vals) if v is not None and v < 0 and not spec.cols[i].signed)
    return Rank(neg, sum(1 for x in states if x == 2), soft, sum(1 for x in states if x == 1), 0, 0)


def solve_run(
    spec: RowSpec, run: list[Field], vanish: bool, ranks: dict | None = None, spaced: bool = False, traced: int = 0
) -> Solved:
    """The best readings of a run. With `ranks` (a dict to fill), keep every reading the
    row's own arithmetic admits and leave the finer preference (a verified total over
    a blank one, fewer vanished cells) until the whole table has been checked."""
    ranked = rank_readings(spec, run, vanish, spaced, traced)
    # (the least rank has the least first fields; k[:3] is k.hard, inline: once per reading)
    floor = (ranked[0][1] if len(ranked) == 1 else min([k for _, k in ranked]))[:3] if ranked else None
    if (floor is None or floor[:2] != (0, 0)) and any([f.splittable for f in run]):  # (negative, violated)
        # Every way of cutting the digits breaks the row's own total (or makes a count
        # negative). Where the text admits one cut only (seven digits for seven columns),
        # that cut is what was printed: the values stand and the failed check says the
        # source does not add up, as for a row printed with separators. Otherwise the cut
        # is not known, so no cell of the row is. Only runs of printed values count: a
        # blank's trace (a no-break space) may belong to a label cell or the next row, so
        # a run holding one does not fix the cut; nor where blanks may have vanished.
        # Nor where the one cut breaks two or more of the run's words: the text set some
        # cells apart, so the digits run together in several words are more likely cells
        # whose blank neighbours left no trace ("265 1 266") than seven cells printed so.
        only = None if vanish or not all(f.text for f in run) else _only_split(spec, run)
        if only is not None and _words_cut(run, only) > 1:
            only = None
        if only is None:
            return _new(Solved, ([], None))
        rank = violations(spec, only)
        ranked, floor = [(only, rank)], rank.hard
    elif not ranked:
        return _new(Solved, ([], None))
    if ranks is None:
        return best(ranked)
    kept = [(r, k) for r, k in ranked if k[:3] == floor]
    ranks.update(kept)
    return _new(Solved, ([r for r, _ in kept], floor))
