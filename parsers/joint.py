"""The joint solver: table 三's rows narrowed together by its column sums.

Each row's own arithmetic (readings.py) leaves some rows with several readings. Table 三
also adds up down its columns (`identities.column_sums`): the results total is the sum of
the result rows, and the balance identity ties that total to the rows around it. A
reading of a row survives only if some whole table made of surviving readings satisfies
those sums in every column that can be checked.

The part rows add up column-wise, so instead of trying every combination the solver
sweeps partial sums forward and backward over the rows (`_sweep`): a reading of a row
fits when some prefix sum, the reading and some suffix sum reach a total reading. A
column is checked only where the total reading fills it (a blank in the total row is
missing, not 0): the total's readings are grouped by the columns they fill and each
group is swept in its own columns (a total reading that prints 2 where the part rows can
only hold 1s is ruled out though another reading leaves that column blank); with more
than MASK_GROUPS groups, or past the budget, in the columns every reading fills. The
search is bounded (JOINT_WORK partial sums, STATE_LIMIT states at a row); past that, or
when no combination fits (the source does not add up), the answer is None and the caller
tie-breaks nothing: cells stay unresolved rather than guessed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import partial
from itertools import product

from .identities import ColumnSums, column_sums
from .readings import Reading, cell_value
from .templates import Column, Template

STATE_LIMIT = 200000  # partial-sum states of the joint check before it gives up (unresolved, never a guess)
JOINT_WORK = 1_000_000  # partial sums the joint check may form for one table before it gives up
JOINT_LIMIT = 20000  # combinations of the balance rows' readings tried against the totals
MASK_GROUPS = 32  # sets of checkable columns the total's readings are swept by, at most (else their common columns)

Vector = tuple  # a reading's values, one per column (None: blank)
Narrow = Callable[[dict[str, list[Reading]]], "dict[str, list[Reading]] | None"]


def t3_joint(tpl: Template, cols: tuple[Column, ...]) -> Narrow:
    """narrow(readings) -> the readings of each row that fit a whole table satisfying
    table 三's column identities (the results total and the balance) in every column, or
    None when no combination fits or the search would be too large."""
    sums = column_sums(tpl.version)
    if sums is None:
        return lambda readings: None
    return partial(narrow_t3, tpl.t3_derived, cols, sums)


def narrow_t3(
    derived: dict, cols: tuple[Column, ...], sums: ColumnSums, readings: dict[str, list[Reading]]
) -> dict[str, list[Reading]] | None:
    """See t3_joint; `derived`: group row -> its part rows (a group row printed beside
    its parts is not added in again)."""
    total = sums.total
    if total not in readings:
        return None
    n = len(cols)
    bal = [k for k in sums.balance_rows if k != total]  # the balance's rows besides the total
    parts = [
        k
        for k in readings
        if k not in sums.balance_rows and not (k in derived and any(p in readings for p in derived[k]))
    ]
    vecs = {k: [_vec(r) for r in readings[k]] for k in readings}
    targets = [t for t in vecs[total] if _balanced(sums, bal, vecs, t, n)]
    if not targets:
        return None
    part_vecs = [x for k in parts for x in vecs[k]]
    common = tuple(_checked_columns(cols, sums, targets, part_vecs))
    by_mask: dict[tuple, list[Vector]] = {}  # the columns each total reading lets be checked
    for t in targets:
        by_mask.setdefault(tuple(_checked_columns(cols, sums, [t], part_vecs)), []).append(t)
    fits = _fits_by_mask(parts, readings, vecs, by_mask) if 1 < len(by_mask) <= MASK_GROUPS else None
    if fits is None:  # one set of columns, or too many, or too large a search: the common columns
        fits = _fits_by_mask(parts, readings, vecs, {common: targets})
    if fits is None:
        return None
    ok_targets, keep = fits
    if not ok_targets:
        return None
    out = {k: list(r) for k, r in readings.items()}
    out[total] = [r for r, v in zip(readings[total], vecs[total]) if v in ok_targets]
    _keep_balancing(out, readings, vecs, sums, bal, ok_targets, n)
    for k in parts:
        if not keep[k]:
            return None
        out[k] = [r for i, r in enumerate(readings[k]) if i in keep[k]]
    return out


def _fits_by_mask(
    parts: list[str], readings: dict, vecs: dict, by_mask: dict[tuple, list[Vector]]
) -> tuple[list[Vector], dict[str, set[int]]] | None:
    """The total readings some choice of part readings reaches and the indices of the part
    readings that reach one, each group of total readings checked in its own columns
    (`by_mask`: checked columns -> total readings); None when the search is too large."""
    budget = _Budget(JOINT_WORK)
    ok_targets: list[Vector] = []
    keep: dict[str, set[int]] = {k: set() for k in parts}
    for mask, group in by_mask.items():
        fits = _fits_group(parts, readings, vecs, list(mask), group, budget)
        if fits is None:
            return None
        ok, kept = fits
        ok_targets += ok
        for k in parts:
            keep[k] |= kept[k]
    return ok_targets, keep


def _fits_group(
    parts: list[str], readings: dict, vecs: dict, mask: list[int], targets: list[Vector], budget: _Budget
) -> tuple[list[Vector], dict[str, set[int]]] | None:
    """The total readings of `targets` (which let the same columns `mask` be checked) that
    some choice of part readings reaches, and the indices of the part readings that reach
    one; None when the search is too large."""
    # Each part row's distinct steps: its readings projected, blank = 0 (readings
    # that differ only outside the mask, or in blank against 0, step alike).
    steps = {k: {_step(x, mask) for x in vecs[k]} for k in parts}
    tset = {_project(t, mask) for t in targets}
    sweeps = _sweeps(parts, steps, tset, len(mask), budget)
    if sweeps is None:
        return None
    fwd, bwd = sweeps
    ok_targets = [t for t in targets if _project(t, mask) in fwd[-1]]
    if not ok_targets:
        return [], {k: set() for k in parts}
    tset = {_project(t, mask) for t in ok_targets}
    kept = {}
    for i, k in enumerate(parts):
        rs = _fitting(list(range(len(readings[k]))), vecs[k], mask, fwd[i], tset, bwd[i + 1])
        kept[k] = set(rs)
    return ok_targets, kept


def _vec(r: Reading) -> Vector:
    return tuple(cell_value(c[0]) for c in r)


def _project(v: Vector, mask: list[int]) -> tuple:
    return tuple(v[c] for c in mask)


def _step(v: Vector, mask: list[int]) -> tuple:
    """What a reading adds to the checked columns' sums: a blank adds 0."""
    return tuple(y or 0 for y in _project(v, mask))


def _fits_balance(sums: ColumnSums, rows: dict, t: Vector, n: int) -> bool:
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


def _balanced(sums: ColumnSums, bal: list[str], vecs: dict, t: Vector, n: int) -> bool:
    """Whether the balance identity allows the total reading t with some readings of
    its other rows (always, where its first row was not read)."""
    lead = sums.lhs[:1]
    if not lead or lead[0] not in vecs:
        return True
    return any(
        _fits_balance(sums, dict(zip(bal, combo)), t, n) for combo in product(*(vecs.get(k, [None]) for k in bal))
    )


def _checked_columns(
    cols: tuple[Column, ...], sums: ColumnSums, targets: list[Vector], part_vecs: list[Vector]
) -> list[int]:
    """The columns the sums are checked in: those every total reading fills, less a
    total column some part leaves blank (a blank part there is missing, not zero: that
    column can't be checked)."""
    return [
        c
        for c in range(len(cols))
        if all(t[c] is not None for t in targets)
        and not (cols[c].key in sums.total_columns and any(x[c] is None for x in part_vecs))
    ]


class _Budget:
    """Partial sums still to form, over both sweeps: past it the check gives up (None)."""

    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left


def _sweeps(
    parts: list[str], steps: dict, tset: set, width: int, budget: _Budget
) -> tuple[list[set], list[set]] | None:
    """The partial sums reachable before each part row (fwd[i]: rows before parts[i]) and
    after it (bwd[i]: rows from parts[i] on), or None when the search is too large."""
    zero = tuple(0 for _ in range(width))
    # Sums only grow when no step is negative: a prefix or suffix sum above every
    # total in some column then reaches no total and fits no reading, and is dropped.
    cap = None
    if all(y >= 0 for k in parts for x in steps[k] for y in x):
        cap = tuple(max(t[c] for t in tset) for c in range(width))
    fwd = _sweep(parts, steps, zero, cap, budget)
    if fwd is None:
        return None
    bwd = _sweep(list(reversed(parts)), steps, zero, cap, budget)
    if bwd is None:
        return None
    bwd.reverse()
    return fwd, bwd


def _sweep(order: list[str], steps: dict, zero: tuple, cap: tuple | None, budget: _Budget) -> list[set] | None:
    """[{zero}, sums after order[0], sums after order[:2], …], or None past the limits."""
    out = [{zero}]
    for k in order:
        states, ks = out[-1], steps[k]
        budget.left -= len(states) * len(ks)
        if budget.left < 0:
            return None
        nxt = {tuple(map(operator.add, f, x)) for f in states for x in ks}
        if cap is not None:
            nxt = {f for f in nxt if all(map(operator.le, f, cap))}
        if len(nxt) > STATE_LIMIT:
            return None
        out.append(nxt)
    return out


def _keep_balancing(
    out: dict, readings: dict, vecs: dict, sums: ColumnSums, bal: list[str], ok_targets: list[Vector], n: int
) -> None:
    """The balance rows: keep (in `out`) the readings that balance with some reachable
    total, where their combinations are few enough to try."""
    read = [k for k in bal if k in readings]
    combos = 1
    for k in read:
        combos *= len(readings[k])
    if not read or combos > JOINT_LIMIT:
        return
    keep: dict[str, set] = {k: set() for k in read}
    for combo in product(*(range(len(readings[k])) for k in read)):
        rows = dict(zip(read, (vecs[k][i] for k, i in zip(read, combo))))
        for t in ok_targets:
            if not rows.get(sums.lhs[0]) or _fits_balance(sums, rows, t, n):
                for k, i in zip(read, combo):
                    keep[k].add(i)
                break
    for k in read:
        if keep[k]:
            out[k] = [r for i, r in enumerate(readings[k]) if i in keep[k]]


def _fitting(
    rs: list[Reading], vecs: list[Vector], mask: list[int], before: set, tset: set, after: set
) -> list[Reading]:
    """The readings of one part row that fit: total - prefix - reading is a reachable
    suffix. total - prefix is the same for every reading of the row: computed once."""
    room = {tuple(map(operator.sub, tt, ff)) for ff in before for tt in tset}
    fits: dict[tuple, bool] = {}  # by step: readings that step alike fit alike
    keep = []
    for r, x in zip(rs, vecs):
        px = _step(x, mask)
        if px not in fits:
            fits[px] = any(tuple(map(operator.sub, d, px)) in after for d in room)
        if fits[px]:
            keep.append(r)
    return keep
