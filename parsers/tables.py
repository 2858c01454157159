"""Template matcher: the standard tables 二, 三, 四 out of a flattened document.

Works on `Flat` text, so it never knows which reader produced it. For each table it
finds the template's row labels in order, takes the value text between one label and
the next, reads it as cells (splitting run-together digits into every possible
sequence), and keeps only the readings the template's identities allow. A cell is
resolved when all surviving readings agree on it; otherwise it is reported as
"unresolved" with a warning naming the row: a value is never put in a cell by guess.
"""
from __future__ import annotations

import operator
import re
import sys
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import product

from .alignment import align_table3, label_word
from .columns import page_columns, place
from .document import Flat, Warning
from .fields import inside_fields, runs_with_values, segment_fields, value_runs
from .identities import column_sums, evaluate, row_groups, row_inequalities
from .labels import (TRAILING_PAREN, compile_alternatives, label_number, loose, loose_core,
                     numbering_before, without_values)
from .model import ReportCell
from .splitting import Cell, Field, _piece_ends, place_with_gaps, split_fields, window_fits
from .templates import Column, Template, norm_label, quoted_words, template, variants
from .traces import traced_readings
from .values import parse_value

JOINT_LIMIT = 20000
SPLIT_LIMIT = 20000  # readings of one row's digits searched before giving up on the row
VANISH_LIMIT = 5000  # the same, allowing vanished blank cells


@dataclass
class Label:
    key: str
    start: int
    end: int
    group: bool = False


@dataclass(frozen=True)
class Context:
    """What every table extractor needs: the text, the template, and facts about the
    whole report — whether empty cells vanished, the numbers its prose quotes, and
    whether its tables separate values by spaces."""
    flat: Flat
    tpl: Template
    vanish: bool = False
    anchors: dict = field(default_factory=dict)  # column key -> numbers quoted next to its keyword
    spaced: bool = False  # table 三's values are separated by spaces: a word is one cell
    reading_order: bool = False  # a PDF's text in reading order: rows stand only where identities confirm them
    layout: bool = False  # pdftotext -layout text: an empty cell is spaces
    traced: bool = False  # web text, cells run together: an empty cell is a no-break space or nothing (traces.py)


@dataclass
class TableResult:
    cells: dict = field(default_factory=dict)  # address -> ReportCell
    warnings: list = field(default_factory=list)
    found: bool = False
    readings: dict = field(default_factory=dict)  # ambiguous row -> its competing readings (see _resolve_rows)


# ---------------------------------------------------------------- per-row readings

def _num(raw: str, col: Column | None = None):
    if raw.isdigit() and raw.isascii():
        return int(raw)
    v = parse_value(raw, signed=bool(col and col.signed), decimal=bool(col and col.decimal))
    return v.value


_DASH_RUN = re.compile(r"[—\-–/]+")
_GROUPED = re.compile(r"[+\-]?\d{1,3}(,\d{3})+(\.\d+)?(万元|元)?")  # 1,234 / 1,234.5万元


def _valid_for(cols: tuple[Column, ...]):
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
        if "," in t and not _GROUPED.fullmatch(t):
            return False
        return True
    return valid


def sum_status(values: list, total_index: int, parts: list[int]) -> int:
    """0 verified, 1 unverifiable (blank total), 2 violated — under the blank policy."""
    total = values[total_index]
    if total is None:
        return 1
    s = sum(values[i] or 0 for i in parts)
    return 0 if abs(s - total) < 1e-6 else 2


@dataclass
class RowSpec:
    key: str  # row key as in addresses (t3: "granted"; t2: "art20_1.regulations"; t4: "" )
    cols: tuple[Column, ...]
    groups: tuple[tuple[int, tuple[int, ...]], ...]  # (total index, part indices) sum identities
    le: tuple[tuple[int, int], ...] = ()  # soft a <= b pairs


def rank_readings(spec: RowSpec, run: list[Field], vanish: bool, spaced: bool = False,
                  traced: bool = False) -> list[tuple[tuple[Cell, ...], tuple]]:
    """Readings of one row's value run, each with its rank (lower is better).

    The same value text recurs across rows and reports (0000000 …), and the readings
    depend only on the fields' texts and spacing and on the row's columns and
    identities, not on where the run stands: they are worked out once for the run
    moved to offset 0 (_ranked_at_zero, memoised) and moved back here."""
    base = run[0].offset if run else 0
    fields = tuple((f.text, f.splittable, f.offset - base) for f in run)
    ranked = _ranked_at_zero(spec.cols, spec.groups, spec.le, fields, vanish, spaced, traced)
    return [(tuple((t, None if o is None else o + base) for t, o in r), k) for r, k in ranked]


@lru_cache(maxsize=4096)
def _ranked_at_zero(cols: tuple[Column, ...], groups: tuple, le: tuple, fields: tuple, vanish: bool,
                    spaced: bool, traced: bool = False) -> tuple:
    """_rank_readings of the run `fields` ((text, splittable, offset) each).

    In a report whose tables separate values by spaces (`spaced`), words are first read
    as one cell each, and cut into several only when that gives no reading the row's
    arithmetic accepts: "33" with a blank total is 33, not 3 and a total of 3. (Where
    values run together, as in "一、本年新收…11", the cut is the reading.)"""
    spec = RowSpec("", cols, groups, le)
    run = [Field(text, offset, splittable) for text, splittable, offset in fields]
    if traced:
        return tuple(_rank_traced(spec, run, vanish))
    if spaced and any(f.splittable for f in run):
        whole = _rank_readings(spec, [f._replace(splittable=False) for f in run], vanish, keep_blanks=True)
        if whole and min(k[:2] for _, k in whole) == (0, 0):
            return tuple(whole)
    return tuple(_rank_readings(spec, run, vanish, spaced=spaced))


def _rank_readings(spec: RowSpec, run: list[Field], vanish: bool,
                   keep_blanks: bool | None = None, spaced: bool = False) -> list[tuple[tuple[Cell, ...], tuple]]:
    """Readings of `run` with their ranks. `keep_blanks`: whether an empty field is a cell
    that kept its trace (a no-break space in running text) rather than padding; by
    default, when the run comes from running text."""
    n = len(spec.cols)
    valid = _valid_for(spec.cols)
    readings: list[tuple[Cell, ...]] = []
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
                return digits <= 0 or sum(v or 0 for v in nums) >= 10 ** digits
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
            readings = split_fields(run, n, valid, prune=prune, num=_num, forced=forced, limit=SPLIT_LIMIT)
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
        vals = [_num(c[0], spec.cols[i]) for i, c in enumerate(r)]
        states = [sum_status(vals, t, list(p)) for t, p in spec.groups]
        if r in alt or (vanished.get(r) and not splittable):
            # Printed cells placed around vanished or doubtful blanks: a total that only
            # repeats one part ("1 1") confirms nothing, as the same text reads as two
            # parts and a blank total.
            states = [1 if st == 0 and sum(1 for i in p if vals[i]) <= 1 else st
                      for st, (_, p) in zip(states, spec.groups)]
        violated = sum(1 for s in states if s == 2)
        unverifiable = sum(1 for s in states if s == 1)
        unconfirmed = int(bool(unverifiable) and words is not None and sum(1 for c in r if c[0]) > words)
        if unconfirmed and (spaced or vanish):
            continue
        soft = sum(1 for a, b in spec.le if vals[a] is not None and vals[b] is not None and vals[a] > vals[b])
        neg = sum(1 for i, v in enumerate(vals) if v is not None and v < 0 and not spec.cols[i].signed)
        ranked.append((r, (neg, violated, soft, unverifiable, vanished.get(r, 0), unconfirmed)))
    return ranked


def _rank_traced(spec: RowSpec, run: list[Field], vanish: bool) -> list[tuple[tuple[Cell, ...], tuple]]:
    """Readings of a run of web text whose empty cells left a no-break space or nothing
    (traces.py), ranked as _rank_readings ranks: the number of vanished cells is no
    evidence, so it does not rank them; a blank total is read only where no printed one
    adds up."""
    valid = _valid_for(spec.cols)
    # a value alone on its line is no one cell here: the cells of a row run together
    run = [f._replace(splittable=True) if f.text else f for f in run]
    ranked = []
    for blank_totals in (False, True):
        readings = traced_readings(run, len(spec.cols), spec.groups, valid, _num, blank_totals, vanish)
        if readings is None:
            return []  # too many to list: what they agree on proves nothing
        ranked = []
        for r, gapped in readings.items():
            vals = [_num(c[0], spec.cols[i]) for i, c in enumerate(r)]
            states = [sum_status(vals, t, list(p)) for t, p in spec.groups]
            if gapped:  # the same text reads as the one part and a blank total
                states = [1 if st == 0 and sum(1 for i in p if vals[i]) <= 1 else st
                          for st, (_, p) in zip(states, spec.groups)]
            soft = sum(1 for a, b in spec.le if vals[a] is not None and vals[b] is not None and vals[a] > vals[b])
            neg = sum(1 for i, v in enumerate(vals) if v is not None and v < 0 and not spec.cols[i].signed)
            ranked.append((r, (neg, sum(1 for x in states if x == 2), soft, sum(1 for x in states if x == 1), 0, 0)))
        if any(k[:4] == (0, 0, 0, 0) for _, k in ranked):
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


def _total_first(run: list[Field], n: int, valid) -> list[tuple[Cell, ...]]:
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
        for parts in _parts_to_total(head, n - 1, total, len(t_text), valid):
            out.append(parts + ((t_text, last.offset + cut),))
    return out


def _parts_to_total(head: list[Field], m: int, total: int, width: int, valid,
                    limit: int = SPLIT_LIMIT) -> list[tuple[Cell, ...]]:
    """All readings of `head` as m parts adding up to `total` (a `width`-digit number).

    This is split_fields(head, m, valid, prune, num=_num, forced) with the prune and
    forced of a t3 row written into the search, as these rows make it the parser's
    hottest loop: a branch is cut when the characters left cannot make the parts still
    to read (fewer than one each, more than `width` each) or when the parts so far
    exceed the total; the last part must be what the total leaves. `acc` carries the
    sum of the parts so far (blank and text parts count 0). Readings come out in
    split_fields' order, cut at the same `limit`."""
    out: list[tuple[Cell, ...]] = []
    texts = [f.text for f in head]
    nf = len(head)
    # characters in the fields after each one, a field that is one cell whatever its
    # text (a blank cell of a table with separators) counting one
    after = [0] * (nf + 1)
    for i in range(nf - 1, -1, -1):
        after[i] = after[i + 1] + (len(texts[i]) if head[i].splittable else 1)
    cells: list[Cell] = []
    nums: list = []  # _num of each part so far
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
                v = _num(s)
                take(s, f.offset if s else None, v, fi + 1, 0, plus(acc, v))
            return
        if col == m - 1:  # the last part: the total fixes it
            want = str(total - acc)
            end = pos + len(want)
            if s.startswith(want, pos) and end in _piece_ends(s, pos) and valid(col, want):
                v = _num(want)
                take(want, f.offset + pos, v, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end,
                     plus(acc, v))
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
                take(s[pos:end], f.offset + pos, v, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end,
                     acc + v)
            return
        for end in _piece_ends(s, pos):
            piece = s[pos:end]
            if valid(col, piece):
                v = _num(piece)
                take(piece, f.offset + pos, v, fi + 1 if end == len(s) else fi, 0 if end == len(s) else end,
                     plus(acc, v))

    rec(0, 0, 0)
    return out


def best(ranked):
    if not ranked:
        return []
    top = min(k for _, k in ranked)
    return [r for r, k in ranked if k == top], top


# ---------------------------------------------------------------- label search

def _row_alternatives(key: str, label: str, extra: dict) -> tuple[str, ...]:
    base = re.sub(r"[（(][^（(]*[)）]$", "", norm_label(label)) or norm_label(label)
    alts = {base}
    alts |= {a for a, k in extra.items() if k == key}
    return tuple(alts)


_CLOSE_QUOTE = re.compile(r"[“”\"'‘’」』]+")


def find_labels(text: str, start: int, end: int, rows: list[tuple[str, re.Pattern, str | None]]) -> dict[str, Label]:
    """Row labels in template order; a row whose label is missing does not swallow later rows."""
    found: dict[str, Label] = {}
    cursor = start
    for i, (key, pat, number) in enumerate(rows):
        m = pat.search(text, cursor, end)
        if not m:
            continue
        # If one of the next rows' labels comes first, this row's label is missing here.
        skip = False
        for _, p2, _n in rows[i + 1:i + 4]:
            m2 = p2.search(text, cursor, m.start())
            if m2:
                skip = True
                break
        if skip:
            continue
        s = numbering_before(text, m.start(), number)
        e = m.end()
        q = _CLOSE_QUOTE.match(text, e, end)
        if q:
            e = q.end()
        t = TRAILING_PAREN.match(text, e, end)
        if t:
            e = t.end()
        found[key] = Label(key, s, e)
        cursor = e
    return found


_GROUP_NUMBER = re.compile(r"(?:[（(]\s*[一二三四五六七八九十]\s*[)）]|[一二三四五六七八九十]\s*[、.．])\s*$")


def _group_labels(text: str, start: int, end: int, groups: dict[str, re.Pattern]) -> list[Label]:
    out = []
    for key, pat in groups.items():
        for m in pat.finditer(text, start, end):
            s = m.start()
            pm = _GROUP_NUMBER.search(text[max(start, s - 6):s])
            if pm:
                s = max(start, s - 6) + pm.start()
            out.append(Label(key, s, m.end(), group=True))
    return out


# ---------------------------------------------------------------- assembling a table

def _cell_out(address: str, cell: Cell | None, col: Column, flat: Flat, unit_hint: str | None, blank_loc) -> ReportCell:
    raw, off = cell if cell else ("", None)
    if raw.isascii() and raw.isdigit():  # most cells: parse_value's reading, without its cost
        value, status, found_unit = int(raw), "number", None
    else:
        v = parse_value(raw, signed=col.signed, decimal=col.decimal)
        value, status, found_unit = v.value, v.status, v.unit
    if off is not None:
        loc, cell_start = flat.loc_and_start(off)
        char = off - cell_start
    else:
        loc, char = blank_loc, None
    unit = None
    if col.key in ("procurement_amount", "fee_amount"):
        unit = found_unit or unit_hint or ("万元" if col.key == "fee_amount" else "unknown")
    if isinstance(value, float) and value.is_integer() and not col.decimal and col.key != "procurement_amount":
        value = int(value)
    return ReportCell(address, value, raw, status, loc, unit, char=char, offset=off)


def _resolve_rows(ctx: Context, table: str, specs: dict[str, RowSpec], readings: dict[str, list],
                  label_locs: dict, joint_check=None, warnings: list | None = None,
                  unit_hint: str | None = None, ranks: dict | None = None, competing: dict | None = None) -> dict:
    """Pick readings per row (jointly when identities span rows) and emit cells. The
    readings of a row left ambiguous go into `competing` (row address -> the values of
    its differing cells in each reading, at most READINGS_KEPT of them), so that a later
    step (the build, with the publisher's other years) may settle them."""
    flat = ctx.flat
    cells: dict = {}
    chosen_sets: dict[str, list] = {k: list(r) for k, r in readings.items()}
    joint_failed = False
    if joint_check and any(len(r) > 1 for r in readings.values()):
        narrowed = joint_check(chosen_sets)
        if narrowed:
            chosen_sets = narrowed
        else:
            joint_failed = True  # the table does not add up: no tie-breaking by preference
    if ranks and not joint_failed:
        for k, rs in chosen_sets.items():
            if len(rs) > 1:
                top = min(ranks.get(r, ()) for r in rs)
                chosen_sets[k] = [r for r in rs if ranks.get(r, ()) == top]
    for key, spec in specs.items():
        rs = chosen_sets.get(key)
        blank_loc = label_locs.get(key)
        if rs is None:
            continue
        if len(rs) > 1 and ctx.anchors:
            rs = _by_quoted_numbers(rs, table, key, spec.cols, ctx.anchors, warnings)
        ambiguous = False
        for i, col in enumerate(spec.cols):
            addr = f"{table}/{key}/{col.key}" if key else f"{table}/{col.key}"
            if len(rs) == 1:  # the usual case: one reading, nothing to compare
                cells[addr] = _cell_out(addr, rs[0][i], col, flat, unit_hint, blank_loc)
                continue
            vals = {r[i][0] for r in rs}
            if len(vals) == 1:
                cells[addr] = _cell_out(addr, rs[0][i], col, flat, unit_hint, blank_loc)
            else:
                ambiguous = ambiguous or len(vals) > 1
                loc = flat.loc(next(c[1] for r in rs for c in [r[i]] if c[1] is not None)) if any(r[i][1] is not None for r in rs) else blank_loc
                raw = " | ".join(sorted(v or "(blank)" for v in vals))
                cells[addr] = ReportCell(addr, None, raw, "unresolved", loc)
        if ambiguous and warnings is not None:
            warnings.append(Warning("AMBIGUOUS_ROW", f"{table} row {key or 'values'}: {len(rs)} readings fit the template; differing cells left unresolved"))
        if ambiguous and competing is not None:
            options = _competing(table, key, spec, rs, flat, unit_hint, blank_loc)
            if options:
                competing[f"{table}/{key}" if key else table] = options
    return cells


READINGS_KEPT = 20  # a row with more readings is not worth settling from other years


def _competing(table: str, key: str, spec: RowSpec, rs: list, flat: Flat, unit_hint, blank_loc) -> list[dict]:
    """The distinct readings of an ambiguous row as {address: value} of its differing cells."""
    differ = [i for i in range(len(spec.cols)) if len({r[i][0] for r in rs}) > 1]
    options: list[dict] = []
    for r in rs:
        o = {}
        for i in differ:
            addr = f"{table}/{key}/{spec.cols[i].key}" if key else f"{table}/{spec.cols[i].key}"
            o[addr] = _cell_out(addr, r[i], spec.cols[i], flat, unit_hint, blank_loc).value
        if o not in options:
            options.append(o)
    return options if 1 < len(options) <= READINGS_KEPT else []


def _unreadable(table: str, key: str, run: list[Field], n: int) -> Warning:
    chars = sum(len(f.text) for f in run if f.splittable)
    if run and all(f.splittable for f in run) and chars < n:
        return Warning("ROW_TOO_SHORT", f"{table} row {key}: {' '.join(f.text for f in run)!r} has fewer digits than its {n} columns: empty cells left no trace")
    if run and not any(f.splittable for f in run) and len(run) < n and any(f.text for f in run):
        return Warning("ROW_TOO_SHORT", f"{table} row {key}: {' '.join(f.text or '(blank)' for f in run)!r} has fewer cells than its {n} columns: empty cells left no trace")
    return Warning("ROW_UNREADABLE", f"{table} row {key}: values {' '.join(f.text for f in run)!r} do not fit {n} columns")


def find_anchors(prose: str) -> dict:
    """Numbers the report's prose quotes next to a column's keyword (soft identity 9:
    the text of 一 quotes the tables), e.g. 本年度制发行政规范性文件88件."""
    out: dict = {}
    for col, pat in _anchor_patterns():
        for m in pat.finditer(prose):
            out.setdefault(col, set()).add(float(m.group(1)))
    return out


@cache
def _anchor_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(column key, pattern) of each word prose quotes a table 二 column by (the template
    files' ``quoted_as``), compiled once."""
    return tuple((col, re.compile(loose(w) + r"[^。；;，,\d]{0,14}?(\d+(?:\.\d+)?)\s*(?:件|项|条|个|份)"))
                 for col, words in quoted_words().items() for w in words)


def _by_quoted_numbers(rs: list, table: str, key: str, cols, anchors: dict, warnings: list | None) -> list:
    """Keep the one reading whose anchored columns all match the prose (at least two)."""
    anchored_cols = [i for i, c in enumerate(cols) if c.key in anchors]
    if len(anchored_cols) < 2:
        return rs
    fits = [r for r in rs if all(_num(r[i][0]) is not None and float(_num(r[i][0])) in anchors[cols[i].key]
                                 for i in anchored_cols)]
    if len(fits) == 1:
        if warnings is not None:
            warnings.append(Warning("RESOLVED_BY_TEXT", f"{table} row {key}: of {len(rs)} readings, one matches the numbers the report's text quotes for {', '.join(cols[i].key for i in anchored_cols)}; that one was kept"))
        return fits
    return rs


def _only_split(spec: RowSpec, run: list[Field]) -> tuple[Cell, ...] | None:
    """The one way to read `run` as the row's cells, arithmetic aside, if there is one."""
    readings = split_fields(run, len(spec.cols), _valid_for(spec.cols), limit=2)
    return readings[0] if len(readings) == 1 else None


def _violations(spec: RowSpec, r: tuple[Cell, ...]) -> tuple:
    """A rank (as _rank_readings gives) for a reading the row's arithmetic did not choose."""
    vals = [_num(c[0], spec.cols[i]) for i, c in enumerate(r)]
    states = [sum_status(vals, t, list(p)) for t, p in spec.groups]
    soft = sum(1 for a, b in spec.le if vals[a] is not None and vals[b] is not None and vals[a] > vals[b])
    neg = sum(1 for i, v in enumerate(vals) if v is not None and v < 0 and not spec.cols[i].signed)
    return (neg, sum(1 for x in states if x == 2), soft, sum(1 for x in states if x == 1), 0, 0)


def _by_position(ctx: Context, pages: list, spec: RowSpec, run: list[Field], ranks: dict) -> list:
    """[the reading that the columns' positions give a row with vanished cells]
    (`pages`: columns.page_columns of pdftotext -layout text), where its values stand
    one per column and the row's own sums do not fail; else []."""
    if not (pages and ctx.vanish) or len(run) >= len(spec.cols):
        return []  # (only once the report is known to lose empty cells: BLANKS_VANISHED)
    r = place(ctx.flat.text, run, pages, len(spec.cols))
    if r is None or not all(_valid_for(spec.cols)(i, c[0]) for i, c in enumerate(r)):
        return []
    rank = _violations(spec, r)
    if rank[0] or rank[1]:
        return []
    ranks[r] = rank
    return [r]


def _solve_run(spec: RowSpec, run: list[Field], vanish: bool, ranks: dict | None = None, spaced: bool = False,
               traced: bool = False):
    """The best readings of a run. With `ranks` (a dict to fill), keep every reading the
    row's own arithmetic admits and leave the finer preference (a verified total over
    a blank one, fewer vanished cells) until the whole table has been checked."""
    ranked = rank_readings(spec, run, vanish, spaced, traced)
    floor = min(k[:3] for _, k in ranked) if ranked else None
    if any(f.splittable for f in run) and (floor is None or floor[:2] != (0, 0)):
        # Every way of cutting the digits breaks the row's own total (or makes a count
        # negative). Where the text admits one cut only (seven digits for seven columns),
        # that cut is what was printed: the values stand and the failed check says the
        # source does not add up, as for a row printed with separators. Otherwise the cut
        # is not known, so no cell of the row is. Only runs of printed values count: a
        # blank's trace (a no-break space) may belong to a label cell or the next row, so
        # a run holding one does not fix the cut; nor where blanks may have vanished.
        only = None if vanish or not all(f.text for f in run) else _only_split(spec, run)
        if only is None:
            return [], None
        ranked = [(only, _violations(spec, only))]
        floor = ranked[0][1][:3]
    elif not ranked:
        return [], None
    if ranks is None:
        return best(ranked)
    kept = [(r, k) for r, k in ranked if k[:3] == floor]
    ranks.update(kept)
    return [r for r, _ in kept], floor


# ---------------------------------------------------------------- table 三

@cache
def _t3_label_rows(version: str) -> tuple[tuple[str, re.Pattern, str | None], ...]:
    """(row key, label pattern, row number) of each t3 row of template(version), built
    once per version: the patterns depend only on the template files."""
    tpl = template(version)
    extra = {**variants()["table3_rows"], **_national_aliases("table3_rows"), **tpl.label_variants.get("table3_rows", {})}
    rows = []
    for r in tpl.t3_rows:
        alts = _row_alternatives(r.key, r.label, extra)
        if r.key == "other.other":
            pat = re.compile(rf"(?:[3３]\s*[.．、]|[（(]\s*3\s*[)）])\s*其\s*他(?!\s*(?:法律|处理|对外|组织))")
            rows.append((r.key, pat, None))
            continue
        if r.key == "results_total":
            # bare 总计 is also a column header: without its numbering it must be followed by a value
            pat = re.compile(r"[（(]\s*七\s*[)）]\s*(?:总\s*计|合\s*计)|(?:总\s*计|合\s*计)(?=[\s|]*[0-9０-９])")
            rows.append((r.key, pat, None))
            continue
        if r.key == "other":  # a printed row where the template has no sub-rows (2019)
            alts = ("其他处理",)
        rows.append((r.key, compile_alternatives(alts), label_number(r.label)))
    return tuple(rows)


@cache
def _t3_group_patterns(version: str) -> dict[str, re.Pattern]:
    """Group row key -> label pattern (（二）不予公开 …) for template(version); not for a key
    the template prints as a row of its own (2019's （六）其他处理)."""
    rows = {r.key for r in template(version).t3_rows}
    return {k: compile_alternatives((lab,)) for lab, k in variants()["table3_groups"].items() if k not in rows}


def extract_t3(ctx: Context, start: int, end: int) -> TableResult:
    flat, tpl, vanish = ctx.flat, ctx.tpl, ctx.vanish
    res = TableResult()
    text = flat.text
    # labels are searched with the values blanked out, so that a label wrapped around
    # its row's values is found whole (its extent then holds them)
    label_text = _label_text(flat)
    found = find_labels(label_text, start, end, list(_t3_label_rows(tpl.version)))
    if len(found) < 3:
        return res
    res.found = True
    group_pats = _t3_group_patterns(tpl.version)
    groups = [gl for gl in _group_labels(label_text, start, end, group_pats)]
    labels = sorted(list(found.values()) + groups, key=lambda l: l.start)
    # drop group matches that overlap row labels (e.g. 不予公开 inside another label)
    clean: list[Label] = []
    for l in labels:
        if clean and l.start < clean[-1].end:
            if l.group:
                continue
            if clean[-1].group:
                clean.pop()
        clean.append(l)
    labels = clean
    cols = tpl.t3_columns
    g = row_groups(tpl.version, "t3")  # the row identity: 总计 = the applicant columns
    specs = {r.key: RowSpec(r.key, cols, g) for r in tpl.t3_rows}
    readings: dict[str, list] = {}
    ranks: dict = {}
    label_locs = {}
    order = [r.key for r in tpl.t3_rows]
    missing_after: dict[str, list[str]] = {}
    # runs of values no row label precedes: before the first label, or more in a segment
    # than the rows it can hold
    head_runs = value_runs(segment_fields(flat, start, labels[0].start, labels[0].start), flat) if labels else []
    stray = len([r for r in head_runs if any(f.text for f in r)])
    extents = []  # (label, its value runs) in text order, for alignment.align_table3
    positions = page_columns(text, start, end, len(cols)) if ctx.layout else []
    prev = None
    for k in order:
        if k in found:
            prev = k
        elif prev is not None:
            missing_after.setdefault(prev, []).append(k)
    for i, lab in enumerate(labels):
        nxt = labels[i + 1].start if i + 1 < len(labels) else end
        fields = segment_fields(flat, lab.end, nxt, labels[i + 1].start if i + 1 < len(labels) else None)
        runs = value_runs(inside_fields(flat, lab.start, lab.end), flat) + value_runs(fields, flat)
        extents.append((lab, runs))
        if lab.group:
            key = lab.key
            if key not in tpl.t3_derived:
                continue
            lone_other = key == "other" and not any(k in found for k in tpl.t3_derived.get("other", ()))
            if not runs or (all(f.text == "" for f in runs[0]) and not lone_other):
                continue
            spec = RowSpec(key, cols, g)
            rs, _ = _solve_run(spec, runs[0], vanish, ranks, ctx.spaced, ctx.traced)
            if rs:
                specs[key] = spec
                readings[key] = rs
                label_locs[key] = flat.loc(lab.start)
                if key == "other":
                    res.warnings.append(Warning("GROUP_ROW_ONLY", "t3: the report prints one （六）其他处理 row; its values are t3/other/*, the three sub-rows are absent"))
                else:
                    res.warnings.append(Warning("SUBTOTAL_ROW", f"t3: the report prints a subtotal row for group {key}; kept as t3/{key}/*, not added into identities twice"))
            continue
        key = lab.key
        label_locs[key] = flat.loc(lab.start)
        sub = next((j for j, f in enumerate(fields) if "小计" in f.text.replace(" ", "")), None)
        group = key.split(".")[0] if "." in key else None
        if sub is not None and group in tpl.t3_derived and group not in readings:
            # a 小计 row the reporter added under a group: its values are the group's, kept apart
            sub_runs = value_runs(fields[sub + 1:], flat)
            runs = value_runs(fields[:sub], flat)
            rs, _ = _solve_run(RowSpec(group, cols, g), sub_runs[0], vanish, ranks, ctx.spaced, ctx.traced) if sub_runs else ([], None)
            if rs:
                specs[group] = RowSpec(group, cols, g)
                readings[group] = rs
                label_locs[group] = flat.loc(fields[sub].offset)
                res.warnings.append(Warning("SUBTOTAL_ROW", f"t3: the report prints a 小计 row for group {group}; kept as t3/{group}/*, not added into identities twice"))
        targets = [key] + missing_after.get(key, [])
        if not runs:
            readings[key] = [tuple(("", None) for _ in cols)]
            continue
        stray += sum(1 for r in runs[len(targets):] if any(f.text for f in r) and not label_word(r, len(cols)))
        if len(runs) > 1 and len(runs) <= len(targets):
            res.warnings.append(Warning("ROWS_BY_ORDER", f"t3: rows {', '.join(targets[1:len(runs)])} have no readable label; their values were taken in template order"))
        for tk, run in zip(targets, runs):
            rs = _by_position(ctx, positions, specs[tk], run, ranks)
            if not rs:
                rs, _ = _solve_run(specs[tk], run, vanish, ranks, ctx.spaced, ctx.traced)
            if rs:
                readings[tk] = rs
                label_locs.setdefault(tk, flat.loc(run[0].offset))
            else:
                res.warnings.append(_unreadable("t3", tk, run, len(cols)))
                readings[tk] = []
                stray += sum(1 for f in run if f.text) > len(cols)  # values of several rows in one run
    # a group row printed alone (one （六） row in a 2021 report): its parts are absent, not blank
    for group in tpl.printed_alone & readings.keys():
        for k in tpl.t3_derived[group]:
            if k not in found:
                readings.pop(k, None)
                specs.pop(k, None)
    for k in list(specs):
        if k not in readings or not readings[k]:
            readings.pop(k, None)
            if k in specs and k not in tpl.t3_derived:
                res.warnings.append(Warning("ROW_NOT_FOUND", f"t3 row {k}: label or values not found; its cells are unresolved"))
                for c in cols:
                    a = f"t3/{k}/{c.key}"
                    res.cells[a] = ReportCell(a, None, "", "unresolved", flat.loc(start))
            specs.pop(k, None)
    if ctx.layout:
        # pdftotext -layout prints an empty cell as spaces: where cells vanished, a blank
        # 总计 (component rows may leave it blank) is as likely as a filled one, so a
        # reading with a verified total is not preferred to one with a blank total.
        # (Elsewhere the preference stays: most reports print every total.)
        for r, k in ranks.items():
            if k[4]:
                ranks[r] = k[:3] + (0,) + k[4:]
    joint, admitted = _t3_joint(tpl, cols), {}

    def joint_check(sets):  # the table's column sums, noting whether they admitted the readings
        narrowed = joint(sets)
        admitted["all"] = narrowed is not None
        return narrowed
    res.cells.update(_resolve_rows(ctx, "t3", specs, readings, label_locs, joint_check, res.warnings, ranks=ranks,
                                   competing=res.readings))
    if (stray or any(c.status == "unresolved" for c in res.cells.values())) \
            and align_table3(ctx, res, cols, head_runs, extents, _cell_out, bool(stray or ctx.reading_order)):
        stray = 0  # every value row has its label
    if stray or ctx.reading_order:
        _distrust_unaligned(tpl, res, stray)
    unconfirmed = [k for k, rs in readings.items() if rs and all(ranks.get(r, (0,) * 6)[5] for r in rs)]
    if unconfirmed:
        if "all" not in admitted:  # every row had one reading: the sums were not asked yet
            joint_check({k: rs for k, rs in readings.items() if rs})
        if not admitted["all"]:
            _unresolve_rows(res, unconfirmed)
    return res


_label_texts: dict[int, tuple[Flat, str]] = {}


def _label_text(flat: Flat) -> str:
    """without_values(flat.text), worked out once per document (tables 二 and 三 ask)."""
    hit = _label_texts.get(id(flat))
    if hit is None or hit[0] is not flat:
        _label_texts.clear()
        hit = _label_texts[id(flat)] = (flat, without_values(flat.text))
    return hit[1]


def _unresolve(res: TableResult, prefixes: tuple[str, ...], warning: Warning) -> None:
    """State no value in the cells whose addresses start with one of `prefixes`."""
    for a, c in res.cells.items():
        if a.startswith(prefixes) and c.status != "unresolved":
            res.cells[a] = c._replace(value=None, status="unresolved")
    res.readings = {k: v for k, v in res.readings.items() if not (k + "/").startswith(prefixes)}  # nor their readings
    res.warnings.append(warning)


def _unresolve_rows(res: TableResult, rows: list[str]) -> None:
    """Rows whose digits were cut while their total is blank stand only if table 三's
    column sums (results, balance) admit them; these did not."""
    _unresolve(res, tuple(f"t3/{k}/" for k in rows),
               Warning("AMBIGUOUS_ROW", f"t3 rows {', '.join(rows)}: their digits had to be cut while their total "
                       "is blank, and the table's column sums do not admit the cut; their cells are left unresolved"))


def _distrust_unaligned(tpl: Template, res: TableResult, stray: int) -> None:
    """Values stood where no row label precedes them: PDF-to-text tools print a wrapped
    label's values between its lines or before it, some print the table column by
    column. Each row was read from the values after its label, so a row may hold the
    next row's values or look empty while its values are elsewhere. The reading stands
    only if every identity of table 三 then holds (and none is left unverifiable);
    otherwise no cell of the table is stated."""
    t3 = {i.id for i in tpl.identities if i.table == "table3"}
    hard = [c for c in evaluate(tpl, list(res.cells.values())) if c.hard and c.id in t3]
    if hard and all(c.ok for c in hard):
        return
    why = (f"{stray} run(s) of values stand where no row label precedes them" if stray else
           "the text is a PDF's text in reading order, where a table may come out column by column,")
    _unresolve(res, ("t3/",), Warning("TABLE_UNALIGNED", f"t3: {why} and the identities do not confirm the rows "
                                      "read after the labels; its cells are left unresolved"))


STATE_LIMIT = 200000  # partial-sum states of the joint check before it gives up (unresolved, never a guess)
JOINT_WORK = 1_000_000  # partial sums the joint check may form for one table before it gives up


def _t3_joint(tpl: Template, cols):
    """Narrow each row's readings to those that fit a whole table satisfying table 三's
    column identities (`identities.column_sums`: the results total and the balance) in
    every column.

    The parts add up column-wise, so reachable partial sums are propagated forward and
    backward over the rows (a reading survives when some prefix sum, itself and some
    suffix sum reach a total reading). Returns None when no combination fits (the source
    does not add up) or the search would be too large."""
    sums = column_sums(tpl.version)
    if sums is None:
        return lambda readings: None
    total, lead, balance_rows = sums.total, sums.lhs[:1], sums.balance_rows
    bal = [k for k in balance_rows if k != total]  # the balance's rows besides the total

    def vec(r):
        return tuple(_num(c[0]) for c in r)

    def fits_balance(rows: dict, t, n: int) -> bool:
        """lhs rows = total + other rhs rows in every column where the first lhs row and
        the total are read (a blank or missing other row counts 0)."""
        first = rows[sums.lhs[0]]
        for c in range(n):
            if first[c] is None or t[c] is None:
                continue
            left = sum((rows[k][c] if rows.get(k) else 0) or 0 for k in sums.lhs)
            right = t[c] + sum((rows[k][c] if rows.get(k) else 0) or 0 for k in sums.rhs)
            if left != right:
                return False
        return True

    def narrow(readings: dict) -> dict | None:
        if total not in readings:
            return None
        n = len(cols)
        groups = tpl.t3_derived
        parts = [k for k in readings if k not in balance_rows
                 and not (k in groups and any(p in readings for p in groups[k]))]
        V = {k: [vec(r) for r in readings[k]] for k in readings}

        def balanced(t):  # total readings allowed by the balance identity
            if not lead or lead[0] not in V:
                return True
            return any(fits_balance(dict(zip(bal, combo)), t, n) for combo in product(*(V.get(k, [None]) for k in bal)))
        targets = [t for t in V[total] if balanced(t)]
        if not targets:
            return None
        # A blank part in a total column is missing, not zero: that column can't be checked.
        mask = [c for c in range(n) if all(t[c] is not None for t in targets)
                and not (cols[c].key in sums.total_columns and any(x[c] is None for k in parts for x in V[k]))]
        proj = lambda v: tuple(v[c] for c in mask)  # noqa: E731
        zero = tuple(0 for _ in mask)
        # Each part row's distinct steps: its readings projected, blank = 0 (readings
        # that differ only outside the mask, or in blank against 0, step alike).
        steps = {k: {tuple(y or 0 for y in proj(x)) for x in V[k]} for k in parts}
        tset = {proj(t) for t in targets}
        # Sums only grow when no step is negative: a prefix or suffix sum above every
        # total in some column then reaches no total and fits no reading, and is dropped.
        cap = None
        if all(y >= 0 for k in parts for x in steps[k] for y in x):
            cap = tuple(max(t[c] for t in tset) for c in range(len(mask)))

        budget = [JOINT_WORK]  # sums still to form: past it the check gives up (None)

        def reachable(states: set, k: str) -> set | None:
            budget[0] -= len(states) * len(steps[k])
            if budget[0] < 0:
                return None
            nxt = {tuple(map(operator.add, f, x)) for f in states for x in steps[k]}
            if cap is not None:
                nxt = {f for f in nxt if all(map(operator.le, f, cap))}
            return nxt if len(nxt) <= STATE_LIMIT else None
        fwd = [{zero}]
        for k in parts:
            nxt = reachable(fwd[-1], k)
            if nxt is None:
                return None
            fwd.append(nxt)
        bwd = [{zero}]
        for k in reversed(parts):
            nxt = reachable(bwd[-1], k)
            if nxt is None:
                return None
            bwd.append(nxt)
        bwd.reverse()
        ok_targets = [t for t in targets if proj(t) in fwd[-1]]
        if not ok_targets:
            return None
        out = {k: list(r) for k, r in readings.items()}
        out[total] = [r for r, v in zip(readings[total], V[total]) if v in ok_targets]
        # the balance rows: keep readings that balance with some reachable total
        read = [k for k in bal if k in readings]
        combos = 1
        for k in read:
            combos *= len(readings[k])
        if read and combos <= 20000:
            keep = {k: set() for k in read}
            for combo in product(*(range(len(readings[k])) for k in read)):
                rows = dict(zip(read, (V[k][i] for k, i in zip(read, combo))))
                for t in ok_targets:
                    if not rows.get(sums.lhs[0]) or fits_balance(rows, t, n):
                        for k, i in zip(read, combo):
                            keep[k].add(i)
                        break
            for k in read:
                if keep[k]:
                    out[k] = [r for i, r in enumerate(readings[k]) if i in keep[k]]
        for i, k in enumerate(parts):
            # a reading x of row k fits when total - prefix - x is a reachable suffix;
            # total - prefix is the same for every reading of the row: computed once
            room = {tuple(map(operator.sub, tt, ff)) for ff in fwd[i] for tt in tset}
            fits: dict[tuple, bool] = {}  # by step: readings that step alike fit alike
            keep = []
            for r, x in zip(readings[k], V[k]):
                px = tuple(v or 0 for v in proj(x))
                if px not in fits:
                    fits[px] = any(tuple(map(operator.sub, d, px)) in bwd[i + 1] for d in room)
                if fits[px]:
                    keep.append(r)
            if not keep:
                return None
            out[k] = keep
        return out
    return narrow


@cache
def _national_aliases(section: str) -> dict:
    from .templates import spec
    al = spec()["label_aliases"].get(section, {})
    return {k: v for k, v in al.items() if re.fullmatch(r"[a-z_.]+", v)}


@cache
def _t2_label_rows(version: str, block: str) -> tuple[tuple[str, re.Pattern, None], ...]:
    """(row key, label pattern, None) of each row of a table 二 block, built once."""
    tpl = template(version)
    extra = {**variants()["table2_rows"], **_national_aliases("table2"), **tpl.label_variants.get("table2_rows", {})}
    b = tpl.block(block)
    return tuple((r.key, compile_alternatives(_row_alternatives(r.key, r.label, extra)), None) for r in b.rows)


# ---------------------------------------------------------------- table 四

@cache
def _t4_header() -> re.Pattern:
    return re.compile(loose("行政复议") + "|" + loose("行政诉讼") + "|" + loose("尚未审结") + "|" + loose("复议后起诉"))


def extract_t4(ctx: Context, start: int, end: int) -> TableResult:
    flat, tpl, vanish = ctx.flat, ctx.tpl, ctx.vanish
    res = TableResult()
    text = flat.text
    cols4 = tpl.t4_columns
    # Header words mark the table; values are the run after the last header word.
    hm = list(_t4_header().finditer(text, start, end))
    if not hm:
        return res
    fields = segment_fields(flat, hm[0].end(), end, None)
    runs = value_runs(fields, flat)
    flat_cols = tuple(Column(f"{r.key}/{c.key}", c.label, c.unit) for r in tpl.t4_rows for c in cols4)
    n5 = len(cols4)
    # the row identity in each of the groups printed side by side (总计 = its four results)
    groups = tuple((gi * n5 + t, tuple(gi * n5 + i for i in parts))
                   for gi in range(len(tpl.t4_rows)) for t, parts in row_groups(tpl.version, "t4"))
    spec = RowSpec("", flat_cols, groups)
    chosen, best_rank = None, None
    header_end = hm[-1].end()
    with_values = [r for r in runs if any(f.text for f in r)]
    # Values split by header words (a PDF's text in reading order prints the table's
    # header and values interleaved): one run is then not known to be the table, so a
    # reading stands only where all three groups add up with no vanished cell and not
    # every value is 0; the runs joined in order are one more candidate.
    strict = len(with_values) > 1 or ctx.reading_order
    candidates = runs + ([[f for r in with_values for f in r]] if len(with_values) > 1 else [])
    for run in candidates:
        if len(run) == 1 and not run[0].splittable:
            # one line of digits alone, the table's values: its cells ran together (a
            # page's text with no separator between cells), it is not one cell
            run = [run[0]._replace(splittable=True)]
        if sum(len(f.text) or 1 for f in run) < len(flat_cols) and not vanish:
            continue
        if run[0].offset < header_end and not any(f.text for f in run):
            # Empty cells among the header's words (a header broken into fragments, or
            # cells of its merged labels) have the table's shape but are no values row.
            continue
        rs, top = _solve_run(spec, run, vanish and not strict, spaced=ctx.spaced, traced=ctx.traced)
        if rs and strict and (any(top[:5]) or all(_num(c[0]) in (0, None) for r in rs for c in r)):
            continue  # (all zeros add up whatever their order: they confirm nothing)
        key = (top, not any(f.text for f in run))  # of equal readings, a run that prints values
        if rs and (best_rank is None or key < best_rank):
            chosen, best_rank = rs, key
    if chosen is None:
        if runs:
            res.found = True
            res.warnings.append(Warning("ROW_UNREADABLE", "t4: the values do not fit the 15 cells of table 四"))
            for r in tpl.t4_rows:
                for c in cols4:
                    a = f"t4/{r.key}/{c.key}"
                    res.cells[a] = ReportCell(a, None, "", "unresolved", flat.loc(hm[0].start()))
        return res
    res.found = True
    cells = _resolve_rows(ctx, "t4", {"": spec}, {"": chosen}, {"": flat.loc(hm[-1].start())}, None, res.warnings,
                          competing=res.readings)
    res.cells.update(cells)
    return res


# ---------------------------------------------------------------- table 二

_CAPTION = re.compile(r"第\s*二\s*十\s*条\s*第\s*[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*项")
_CN = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def extract_t2(ctx: Context, start: int, end: int) -> TableResult:
    flat, tpl = ctx.flat, ctx.tpl
    res = TableResult()
    text = flat.text
    caps = list(_CAPTION.finditer(text, start, end))
    if not caps:
        return res
    blocks = {b.key: b for b in tpl.table2}
    keys = [f"art20_{_CN[m.group(1)]}" if m.group(1) in _CN else None for m in caps]
    moved = _moved_headers(text, end, tpl.version, caps, keys)
    cuts = sorted([m.start() for m in caps] + [hs for hs, _ in moved.values()] + [end])
    seen = set()
    stray, empty = 0, []
    for m, bkey in zip(caps, keys):
        if bkey not in blocks or bkey in seen:
            continue
        seen.add(bkey)
        res.found = True
        b = blocks[bkey]
        bend = next(c for c in cuts if c > m.start())
        rows = list(_t2_label_rows(tpl.version, bkey))
        found = find_labels(text, m.end(), bend, rows)
        above = None
        if not found and bkey in moved:
            # The block's table stands away from its caption (a PDF-to-text tool moved
            # it): read the rows under its own column header, and keep what was left
            # under the caption, which may be cells the tool pulled out of the table.
            above = (m.end(), bend)
            hs, he = moved[bkey]
            found = find_labels(text, he, next(c for c in cuts if c > hs), rows)
            bend = next(c for c in cuts if c > hs)
        n, rows_empty = _read_t2_block(ctx, res, b, m, bend, found, above)
        stray += n
        empty += rows_empty
    if stray and empty:
        # Values stand away from every label (text taken column by column, or a row's
        # values printed before its label): a row with none after its label may have its
        # values elsewhere, so it is not stated blank.
        _unresolve(res, tuple(f"t2/{rk}/" for rk in empty),
                   Warning("TABLE_UNALIGNED", f"t2: {stray} run(s) of values stand where no row label precedes "
                           f"them; rows {', '.join(empty)} print no value, or several rows' values, after their "
                           "label and are left unresolved"))
    return res


def _read_t2_block(ctx: Context, res: TableResult, b, m: re.Match, bend: int, found: dict, above) -> tuple[int, list]:
    """Read one block of table 二 into `res`; returns the number of value runs that no row
    label precedes and the rows whose values are in doubt when such runs exist: read as
    blank because no value follows their label, or, beside such a row, followed by
    several rows' values."""
    flat, tpl, vanish = ctx.flat, ctx.tpl, ctx.vanish
    text = flat.text
    bkey = b.key
    unit_hint = None
    um = _AMOUNT_UNIT.search(text, m.end(), bend)
    if um:
        unit_hint = um.group(1)
    # Column headers end where the first row label starts; they are not values.
    labels = sorted(found.values(), key=lambda l: l.start)
    specs, readings, locs = {}, {}, {}
    le = row_inequalities(tpl.version, bkey)
    runs_of = {}
    for j, lab in enumerate(labels):
        nxt = labels[j + 1].start if j + 1 < len(labels) else bend
        fields = segment_fields(flat, lab.end, nxt, labels[j + 1].start if j + 1 < len(labels) else None)
        rk = f"{bkey}.{lab.key}"
        specs[rk] = RowSpec(rk, b.columns, (), le)
        locs[rk] = flat.loc(lab.start)
        runs_of[rk] = value_runs(fields, flat)
    displaced = _displaced_readings(ctx, res, b, specs, runs_of, above) if above else {}
    # runs of values no row label precedes: under the caption (unless placed above), or a
    # second run after a row's own
    head_end = labels[0].start if labels else bend
    stray = 0 if displaced or above else runs_with_values(segment_fields(flat, m.end(), head_end, head_end), flat)
    empty_rows, crowded = [], []
    for rk, runs in runs_of.items():
        spec = specs[rk]
        if rk in displaced:
            readings[rk] = displaced[rk]
            continue
        extra = sum(1 for r in runs[1:] if any(f.text for f in r))
        stray += extra
        stray += bool(runs) and sum(1 for f in runs[0] if f.text) > len(b.columns)  # several rows' values
        if extra:
            crowded.append(rk)
        if not runs:
            readings[rk] = [tuple(("", None) for _ in b.columns)]
            empty_rows.append(rk)
            continue
        rs, top = _solve_run(spec, runs[0], vanish, spaced=ctx.spaced, traced=ctx.traced)
        if not rs:
            res.warnings.append(_unreadable("t2", rk, runs[0], len(b.columns)))
            readings[rk] = []
        else:
            readings[rk] = rs
    for r in b.rows:
        rk = f"{bkey}.{r.key}"
        if rk not in readings or not readings[rk]:
            specs.pop(rk, None)
            readings.pop(rk, None)
            res.warnings.append(Warning("ROW_NOT_FOUND", f"t2 row {rk}: label or values not found; its cells are unresolved"))
            for c in b.columns:
                a = f"t2/{rk}/{c.key}"
                res.cells[a] = ReportCell(a, None, "", "unresolved", flat.loc(m.start()))
    res.cells.update(_resolve_rows(ctx, "t2", specs, readings, locs, None, res.warnings, unit_hint,
                                   competing=res.readings))
    if empty_rows:
        # a row with no value after its label beside one followed by several rows' values
        # (the block's labels, then its values): the first of them is not known to be
        # this row's
        empty_rows += crowded
    return stray, empty_rows



_AMOUNT_UNIT = re.compile(r"采\s*购\s*总\s*金\s*额\s*[（(]\s*(万元|元)\s*[)）]")
_NOTE = re.compile(r"[（(][^（()）]*[)）]")
_LONE_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _moved_headers(text: str, end: int, version: str, caps: list, keys: list) -> dict:
    """{block key: (start, end)} of a block's column header printed away from the
    block's caption — after another block's caption — where the header names that
    block alone (table 二's blocks 五 and 六 share theirs, so those never count)."""
    out = {}
    for bkey, pat in _own_headers(version):
        if bkey not in keys:
            continue
        own = keys.index(bkey)
        own_end = caps[own + 1].start() if own + 1 < len(caps) else end
        h = pat.search(text, own_end, end)
        if h:
            out[bkey] = (h.start(), h.end())
    return out


@cache
def _own_headers(version: str) -> tuple[tuple[str, re.Pattern], ...]:
    """(block key, pattern of its column header) of each table 二 block whose header
    no other block's header begins with."""
    heads = {b.key: tuple(norm_label(TRAILING_PAREN.sub("", c.label)) for c in b.columns)
             for b in template(version).table2}
    return tuple((k, re.compile(r"(?:\s|[|｜])*".join(loose(c) for c in cols))) for k, cols in heads.items()
                 if not any(o[:len(cols)] == cols for j, o in heads.items() if j != k))


def _displaced_readings(ctx: Context, res: TableResult, b, specs: dict, runs_of: dict, above: tuple) -> dict:
    """Readings of rows that print one value fewer than the block has columns while the
    same number of values — one per row, in row order — stand under the caption, away
    from the table (PDF-to-text tools pull out a cell that wraps onto several lines,
    typically a number with a note such as （含自然失效 29 件）). The pulled-out values
    fill one column, the same in every row; the columns a note's words name (失效 ->
    repealed) and the block's inequalities narrow which. Rows whose readings still
    differ are left to _resolve_rows, which leaves differing cells unresolved."""
    text = ctx.flat.text
    a, z = above
    bare = _NOTE.sub(lambda n: " " * len(n.group(0)), text[a:z])
    numbers = list(_LONE_NUMBER.finditer(bare))
    n = len(b.columns)
    rows = list(runs_of)
    if not numbers or len(numbers) != len(rows) or re.sub(r"[\s|｜]", "", _LONE_NUMBER.sub("", bare)):
        return {}
    if any(not r or len(r[0]) != n - 1 or len(r) > 1 or any(f.splittable or not f.text for f in r[0])
           for r in runs_of.values()):
        return {}
    named, naming = set(range(n)), []
    for i, num in enumerate(numbers):
        note = text[a + num.end():a + (numbers[i + 1].start() if i + 1 < len(numbers) else len(bare))]
        cols = {j for j, c in enumerate(b.columns) for w in quoted_words().get(c.key, ()) if loose_core(w) in loose_core(note)}
        if cols:
            named &= cols
            naming.append(note.strip())
    valid = _valid_for(b.columns)
    fits = {}
    for col in sorted(named):
        filled = {}
        for rk, num in zip(rows, numbers):
            cells = [(f.text, f.offset) for f in runs_of[rk][0]]
            cells.insert(col, (num.group(0), a + num.start()))
            vals = [_num(t, b.columns[j]) for j, (t, _) in enumerate(cells)]
            if not all(valid(j, t) for j, (t, _) in enumerate(cells)) or \
                    any(vals[p] > vals[q] for p, q in specs[rk].le if vals[p] is not None and vals[q] is not None):
                break
            filled[rk] = tuple(cells)
        else:
            fits[col] = filled
    if not fits:
        return {}
    where = ", ".join(b.columns[c].key for c in fits)
    res.warnings.append(Warning("DISPLACED_CELLS", f"t2 block {b.key}: its rows print {n - 1} values for {n} columns and {len(rows)} values stand under the caption, away from the table; they fill column {where}"
                                + (f" (named by the note {'、'.join(naming)})" if naming else "")
                                + ("" if len(fits) == 1 else " (undecided: differing cells left unresolved)")))
    return {rk: [f[rk] for f in fits.values()] for rk in rows}
