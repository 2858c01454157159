"""Readings of a row from web text whose cells ran together, where an empty cell may or
may not have left a trace.

BeautifulSoup's get_text() with no separator (and any scraper that keeps a page's text
nodes as they are) runs a table's cells together: "96535715\\xa0461931576\\xa0". A page
writes an empty cell as `&nbsp;` or as nothing, often both in one table, so in such text:

- a no-break space is exactly one empty cell: of the row, or one of the next row's label
  cells (a page whose editor split merged label cells prints them empty, up to
  LABEL_PAD of them before a row's label, so they close the run before that label);
- any cell may have vanished without a trace, wherever it stood, and the text does not
  tell how many did: a reading with vanished cells is not ranked below one without;
- the digits of neighbouring cells run together.

A row's readings are every way to take its run so, and its identities (a total is the
sum of its parts) rank them. A total that repeats its only non-zero part, or 0 over
blank parts, confirms nothing where a cell vanished or a trailing blank was given to the
next row: the same text reads as that part with a blank total. A blank total (a no-break
space or a vanished cell where the total stands) is read only where no printed total
adds up; where blank totals must be read and the text is long, the readings are too many
to list and the row is left unresolved (`None`). Readings with a blank total all rank
alike, whichever groups of the row add up: a printed total read among them is a guess.

A table that leaves a total blank (a row of table 三 is stated with a blank total) may
leave others blank too (reporters who blank the total of component rows): there, a
printed total that adds up is found by chance as easily as not, in digits run together
with cells that may have vanished, so it is not preferred to a blank one
(TRACED_BLANK_TOTALS; the report reads the tables again so, see report.py).

The caller (readings._rank_readings) turns the ranked readings into cells as for any other
text: a cell is stated only where all best readings agree.
"""

from __future__ import annotations

from collections.abc import Callable

from .splitting import Cell, Field, _piece_ends

TRACED = 1  # Context.traced: text of this kind (bit flags)
TRACED_BLANK_TOTALS = 2  # and its table 三 states a blank total: printed totals are not preferred
TRACED_CELLS = 4  # and a line break stands between cells: a value alone on its line is one cell
LABEL_PAD = 2  # empty label cells that may stand before a row's label (part | group | row)
TRACED_LIMIT = 20000  # readings of one row searched before giving up on it

BLANK: Cell = ("", None)


def _fewest(f: Field, pos: int = 0) -> int:
    """The fewest cells field f (from pos on) can be read as: one, but a splittable run of
    digits whose zeros start cells ("0005": 0|0|0|5) needs one per leading zero."""
    if not f.splittable:
        return 1
    s = f.text[pos:]
    if not s.isdigit():
        return 1
    zeros = len(s) - len(s.lstrip("0"))
    return zeros + (zeros < len(s))


def _search(
    fields: list[Field],
    n: int,
    totals: dict,
    valid: Callable,
    num: Callable,
    blank_totals: bool,
    vanish: bool,
    limit: int,
    bound: int | None = None,
) -> tuple[dict, bool]:
    """{reading: vanished cells} of `fields` as n cells, with cells vanished anywhere;
    every total printed is the sum of its parts (`totals`: total index -> part indices),
    and may be blank only with `blank_totals`. The second value is False when the search
    was cut at `limit`.

    `bound`: the value of the last field, read as the row's one total (the last cell):
    the parts before it then add up to it, so a part past it, or characters left that
    parts of its width cannot hold, end the branch (long runs of digits stay cheap)."""
    out: dict = {}
    nf = len(fields)
    need = [0] * (nf + 1)  # fewest cells the fields from i on make
    chars = [0] * (nf + 1)  # characters in the fields from i on, a one-cell field counting one
    for i in range(nf - 1, -1, -1):
        need[i] = need[i + 1] + _fewest(fields[i])
        chars[i] = chars[i + 1] + (len(fields[i].text) if fields[i].splittable else 1)
    width = len(fields[-1].text) if bound is not None else 0
    cells: list[Cell] = []
    nums: list = []
    complete = [True]

    def take(cell: Cell, v, fi: int, pos: int, col: int, gaps: int) -> None:
        cells.append(cell)
        nums.append(v)
        rec(fi, pos, col + 1, gaps)
        cells.pop()
        nums.pop()

    def rec(fi: int, pos: int, col: int, gaps: int) -> None:
        if len(out) >= limit:
            complete[0] = False
            return
        if col == n:
            if fi == nf:
                r = tuple(cells)
                out[r] = min(gaps, out.get(r, gaps))
            return
        left = n - col
        rest = need[fi + 1] + _fewest(fields[fi], pos) if fi < nf else 0
        if rest > left:
            return
        if bound is not None:
            acc = sum(v or 0 for v in nums)
            # the parts' characters left (all but the total's field) in the columns left
            if acc > bound or (chars[fi] - pos - 1) > (left - 1) * width:
                return
        f = fields[fi] if fi < nf else None
        parts = totals.get(col)
        if parts is not None:
            s = sum(nums[p] or 0 for p in parts)
            want = str(int(s)) if float(s).is_integer() else None
            if f is not None and f.text and want is not None:
                if f.splittable:
                    end = pos + len(want)
                    if f.text.startswith(want, pos) and end in _piece_ends(f.text, pos) and valid(col, want):
                        done = end == len(f.text)
                        take((want, f.offset + pos), s, fi + done, 0 if done else end, col, gaps)
                elif valid(col, f.text) and num(f.text) == s:
                    take((f.text, f.offset), s, fi + 1, 0, col, gaps)
            if blank_totals:
                if vanish and rest <= left - 1:
                    take(BLANK, None, fi, pos, col, gaps + 1)
                if f is not None and not f.text and not f.splittable:
                    take(BLANK, None, fi + 1, 0, col, gaps)
            return
        if vanish and rest <= left - 1:
            take(BLANK, None, fi, pos, col, gaps + 1)  # a cell that vanished
        if f is None:
            return
        if not f.splittable:
            if valid(col, f.text):
                take((f.text, f.offset) if f.text else BLANK, num(f.text) if f.text else None, fi + 1, 0, col, gaps)
            return
        for end in _piece_ends(f.text, pos):
            piece = f.text[pos:end]
            if valid(col, piece):
                done = end == len(f.text)
                take((piece, f.offset + pos), num(piece), fi + done, 0 if done else end, col, gaps)

    rec(0, 0, 0, 0)
    return out, complete[0]


def traced_readings(
    run: list[Field], n: int, groups: tuple, valid: Callable, num: Callable, blank_totals: bool, vanish: bool
) -> dict | None:
    """{reading: gapped} of `run` as n cells under the model above; gapped is True where
    the reading needs a vanished cell or gives trailing blanks to the next row. None when
    the readings are too many to list."""
    totals = {t: parts for t, parts in groups}
    if any(p >= t for t, parts in groups for p in parts):
        raise ValueError("a total must follow its parts")
    trailing = 0
    while trailing < len(run) and not run[-1 - trailing].text and not run[-1 - trailing].splittable:
        trailing += 1
    out: dict = {}
    for drop in range(min(trailing, LABEL_PAD) + 1):
        fields = run[: len(run) - drop]
        if not fields:
            break
        for found, complete in _searches(fields, n, groups, totals, valid, num, blank_totals, vanish):
            if not complete:
                return None
            for r, gaps in found.items():
                gapped = bool(gaps or drop)
                out[r] = out.get(r, gapped) and gapped
    return out


def _searches(
    fields: list[Field],
    n: int,
    groups: tuple,
    totals: dict,
    valid: Callable,
    num: Callable,
    blank_totals: bool,
    vanish: bool,
):
    """_search's results for `fields`. A row whose one total is its last cell, printed at
    the end of a run of digits, is searched total first: each tail of the digits that may
    be the total, then the parts that add up to it."""
    last = fields[-1]
    if blank_totals or len(groups) != 1 or groups[0][0] != n - 1 or not (last.splittable and last.text.isdigit()):
        yield _search(fields, n, totals, valid, num, blank_totals, vanish, TRACED_LIMIT)
        return
    for cut in range(len(last.text) - 1, -1, -1):
        tail = last.text[cut:]
        if (tail[0] == "0" and tail != "0") or not valid(n - 1, tail):
            continue
        head = fields[:-1] + ([Field(last.text[:cut], last.offset, True)] if cut else [])
        yield _search(
            head + [Field(tail, last.offset + cut, False)],
            n,
            totals,
            valid,
            num,
            False,
            vanish,
            TRACED_LIMIT,
            bound=int(tail),
        )
