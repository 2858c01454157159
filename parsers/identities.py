"""The one engine for a template's identities and its blank policy.

The identities are data (the ``identities`` of each template definition file,
`parsers.templates`); this module is the only code that reads them:

* `evaluate` turns them into the report's checks (`parsers.checks`);
* `column_sums` and `row_inequalities` give the matcher the sums and bounds that confirm
  readings of run-together digits (`parsers.tables`);
* `blank_is_total` and `row_sums` give the panel the blank policy and the row sums that
  derive a blank total (`pipeline.values`).

Blank policy (national.json ``blank_policy``; which cells are totals: each definition's
``blank_policy.totals``): inside a table that has at least one number, an empty component
cell counts as 0 and an empty total is missing (the check is then ``ok: null``, not a
failure). A wholly empty table is not reported: its checks are null. Along a row (axis
``row``) a cell is a total when its column is a total column; down a column (axis
``column``) also when its row is a total row (the 总计 row is the sum there, while its
applicant cells are parts of its own row's total). An identity with ``blank: missing``
counts no blank as 0. Where a report prints a group row instead of its parts (one
（六）其他处理 row in a 2021 report), the group row stands in for the parts.
"""
from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

from .model import Check
from .templates import Identity, Template, template


class Term(NamedTuple):
    address: str
    total: bool  # a total under the blank policy: blank means missing, never 0


class Equation(NamedTuple):
    """One instance of an identity: lhs (=|<=) rhs over cells."""
    id: str
    subject: str  # the for_each value (row or column) it is about
    hard: bool
    table: str  # address table: "t2", "t3", "t4"
    check: str  # "sum" or "le"
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]
    zero_blanks: bool  # blank components count 0 (in a table with numbers)


def table_of(ident: Identity) -> str:
    """ "table3" -> "t3": the identity's table as addresses write it."""
    return "t" + ident.table[len("table"):]


def blank_is_total(tpl: Template, table: str, row: str, col: str, axis: str = "row") -> bool:
    """Whether a blank cell is a missing total (not a component that counts 0) for a sum
    along `axis`; the panel reads cells along rows."""
    if col in tpl.total_columns.get(table, ()):
        return True
    return axis == "column" and row in tpl.total_rows.get(table, ())


def _rows_present(printed: frozenset, rows) -> list[str]:
    """Replace parts that are absent by their printed group row (`printed`: the t3 row
    keys with at least one cell)."""
    out = []
    for r in rows:
        group = r.split(".")[0] if "." in r else None
        if group and r not in printed and group in printed:
            if group not in out:
                out.append(group)
        else:
            out.append(r)
    return out


def _cell(table: str, block: str, row: str, col: str) -> str:
    return f"{table}/{block}.{row}/{col}" if block else f"{table}/{row}/{col}"


def _equations(tpl: Template, ident: Identity, printed: frozenset) -> list[Equation]:
    t = table_of(ident)
    zero = ident.blank == "zero_components"
    out = []

    def term(row: str, col: str) -> Term:
        return Term(_cell(t, ident.block, row, col), blank_is_total(tpl, t, row, col, ident.axis))
    if ident.axis == "row":
        rows = _rows_present(printed, ident.each) if t == "t3" else ident.each
        for r in rows:
            out.append(Equation(ident.id, r, ident.hard, t, ident.check, tuple(term(r, c) for c in ident.lhs),
                                tuple(term(r, c) for c in ident.rhs), zero))
    else:
        lhs = _rows_present(printed, ident.lhs) if t == "t3" else ident.lhs
        rhs = _rows_present(printed, ident.rhs) if t == "t3" else ident.rhs
        for c in ident.each:
            out.append(Equation(ident.id, c, ident.hard, t, ident.check, tuple(term(r, c) for r in lhs),
                                tuple(term(r, c) for r in rhs), zero))
    return out


@lru_cache(maxsize=512)
def plan(version: str, tables: frozenset, printed: frozenset) -> tuple:
    """What a report of `version` is checked for, in the order reports list it: for each
    identity of a table the report has (`tables`: "t2", "t3", "t4"), its equations, a
    "nonneg" identity, or an identity listed only (cross-year, narrative). Depends only on
    the version, the tables present and the t3 rows printed (a group row standing in for
    its parts), so it is worked out once per kind of report rather than once per report."""
    tpl = template(version)
    out = []
    for ident in tpl.checks:
        if ident.check in ("cross_year", "narrative"):
            out.append(ident)
        elif table_of(ident) in tables:
            out += _equations(tpl, ident, printed) if ident.check in ("sum", "le") else [ident]
    return tuple(out)


def _scan(cells: dict) -> tuple[frozenset, dict, frozenset]:
    """One pass over the cells: the tables with cells, whether each has a number, and the
    t3 row keys with at least one cell (row keys hold no "/")."""
    tables, numbers, printed = set(), {}, set()
    for a, c in cells.items():
        t, sep, rest = a.partition("/")
        tables.add(t)
        if c.status == "number":
            numbers[t] = True
        if t == "t3":
            row, sep, _ = rest.partition("/")
            if sep:
                printed.add(row)
    return frozenset(tables), numbers, frozenset(printed)


_ABSENT = object()


def _n(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def evaluate(tpl: Template, cells_list) -> list[Check]:
    """The report's checks: every identity of its template, under the blank policy."""
    cells = {c.address: c for c in cells_list}
    tables, has_number, printed = _scan(cells)
    numbers = {a: c.value for a, c in cells.items() if c.status == "number"}
    # a blank, dash or 无 cell: 0 where it is a component of a table that has numbers
    unprinted = {a for a, c in cells.items() if c.status not in ("number", "unresolved")}
    out = []
    for item in plan(tpl.version, tables, printed):
        if isinstance(item, Equation):
            out.append(_sum_check(item, numbers, unprinted, has_number) if item.check == "sum"
                       else _le_check(item, numbers))
        elif item.check == "nonneg":
            out.append(_nonneg_check(tpl, item, cells))
        else:
            out.append(Check(item.id, "report", None, None, None,
                             "needs the previous year's report: evaluated in the datasets" if item.check == "cross_year"
                             else "narrative check: not evaluated by parse", item.hard))
    return out


def _sum_check(eq: Equation, numbers: dict, unprinted: set, has_number: dict) -> Check:
    zero_ok = eq.zero_blanks and has_number.get(eq.table, False)
    sums = []
    for side in (eq.lhs, eq.rhs):
        total, known = 0, True
        for a, is_total in side:
            v = numbers.get(a, _ABSENT)
            if v is not _ABSENT:
                total += v
            elif not (zero_ok and not is_total and a in unprinted):
                known = False
        sums.append(total if known else None)
    lsum, rsum = sums
    if lsum is None or rsum is None:
        return Check(eq.id, eq.subject, None, lsum, rsum, "a total is blank or a cell is unresolved", eq.hard)
    ok = abs(lsum - rsum) < 1e-6
    return Check(eq.id, eq.subject, ok, _n(lsum), _n(rsum), "" if ok else f"differs by {_n(lsum - rsum)}", eq.hard)


def _le_check(eq: Equation, numbers: dict) -> Check:
    """lhs <= rhs, one cell a side; a blank cell leaves it unverifiable (blank: missing)."""
    a, b = numbers.get(eq.lhs[0].address, _ABSENT), numbers.get(eq.rhs[0].address, _ABSENT)
    if a is _ABSENT or b is _ABSENT:
        return Check(eq.id, eq.subject, None, None, None, "a cell is blank or unresolved", eq.hard)
    return Check(eq.id, eq.subject, a <= b, a, b, "", eq.hard)


def _nonneg_check(tpl: Template, ident: Identity, cells: dict) -> Check:
    """No number of the table below 0, but in its signed columns."""
    prefix = table_of(ident) + "/"
    neg = [a for a, c in cells.items() if a.startswith(prefix) and c.status == "number" and c.value < 0
           and not tpl.column(a).signed]
    return Check(ident.id, ident.table, not neg, len(neg), 0, ("negative: " + ", ".join(neg)) if neg else "", ident.hard)


# ------------------------------------------------------------------ for the matcher


class ColumnSums(NamedTuple):
    """Table 三's sums down each column: `total` row = sum of `parts` rows (the results
    identity), and lhs rows = total + the other rhs rows (the balance identity)."""
    total: str
    parts: tuple[str, ...]
    lhs: tuple[str, ...]  # balance: left side (its first row must be read for the balance to count)
    rhs: tuple[str, ...]  # balance: right side, without the total row
    total_columns: frozenset  # columns whose blank is missing, not 0

    @property
    def balance_rows(self) -> tuple[str, ...]:
        return (*self.lhs, self.total, *self.rhs)


@cache
def column_sums(version: str) -> ColumnSums | None:
    """The column identities of table 三 the joint solver confirms readings with: the one
    whose left side is one total row, and the one that balances that total with other
    rows. None when the template has no such pair."""
    tpl = template(version)
    down = [i for i in tpl.identities if i.table == "table3" and i.axis == "column"]
    total = next((i for i in down if len(i.lhs) == 1), None)
    if total is None:
        return None
    t = total.lhs[0]
    bal = next((i for i in down if i is not total and t in i.rhs), None)
    return ColumnSums(t, total.rhs, bal.lhs if bal else (), tuple(r for r in bal.rhs if r != t) if bal else (),
                      tpl.total_columns.get("t3", frozenset()))


@cache
def row_inequalities(version: str, block: str) -> tuple[tuple[int, int], ...]:
    """(lhs column index, rhs column index) of each lhs <= rhs identity on the rows of a
    table 二 block, for the matcher's readings of that block."""
    tpl = template(version)
    cols = [c.key for c in tpl.block(block).columns]
    return tuple((cols.index(i.lhs[0]), cols.index(i.rhs[0])) for i in tpl.checks
                 if i.check == "le" and i.table == "table2" and i.block == block)


# ------------------------------------------------------------------ for the panel


@cache
def row_sums(version: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Address table -> (total column, part columns) of its row identity: a blank total
    whose parts are printed is their sum."""
    out = {}
    for i in template(version).identities:
        if i.axis == "row" and len(i.lhs) == 1 and not i.block:
            out.setdefault(table_of(i), (i.lhs[0], i.rhs))
    return out
