"""The one engine for a template's identities and its blank policy.

The identities are data (the ``identities`` of each template definition file,
`parsers.templates`); this module is the only code that reads them:

* `evaluate` turns them into the report's checks (`parsers.checks`);
* `row_groups`, `column_sums` and `row_inequalities` give the matcher the sums and bounds
  that confirm readings of run-together digits (`parsers.readings`, `parsers.joint`);
* `blank_is_total` and `row_sums` give the panel the blank policy and the row sums that
  derive a blank total (`pipeline.values`);
* `cross_year` evaluates the identities that link a report to the previous year's (the
  build's checks), `cross_year_equations` gives their terms to the build's settling of
  ambiguous rows (`pipeline.crossyear`) and `cross_year_addresses` the cells the build
  keeps for them.

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

from dataclasses import fields
from functools import cache, lru_cache
from typing import NamedTuple

from .model import Check
from .templates import Identity, Template, template


class Term(NamedTuple):
    address: str
    total: bool  # a total under the blank policy: blank means missing, never 0


class Equation(NamedTuple):
    """One instance of an identity: lhs (=|<=) rhs over cells; for the checks that are
    not equations ("nonneg", "cross_year", "narrative"), no terms."""

    check: str  # "sum", "le", "nonneg", "cross_year", "narrative"
    id: str
    subject: str  # the for_each value (row or column) it is about; the table or "report" for the others
    hard: bool
    table: str  # address table: "t2", "t3", "t4"
    lhs: tuple[Term, ...] = ()
    rhs: tuple[Term, ...] = ()
    zero_blanks: bool = False  # blank components count 0 (in a table with numbers)


def table_of(ident: Identity) -> str:
    """ "table3" -> "t3": the identity's table as addresses write it."""
    return "t" + ident.table[len("table") :]


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
            out.append(
                Equation(
                    ident.check,
                    ident.id,
                    r,
                    ident.hard,
                    t,
                    tuple(term(r, c) for c in ident.lhs),
                    tuple(term(r, c) for c in ident.rhs),
                    zero,
                )
            )
    else:
        lhs = _rows_present(printed, ident.lhs) if t == "t3" else ident.lhs
        rhs = _rows_present(printed, ident.rhs) if t == "t3" else ident.rhs
        for c in ident.each:
            out.append(
                Equation(
                    ident.check,
                    ident.id,
                    c,
                    ident.hard,
                    t,
                    tuple(term(r, c) for r in lhs),
                    tuple(term(r, c) for r in rhs),
                    zero,
                )
            )
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
        if not ident.reported:
            continue
        if ident.check in ("cross_year", "narrative"):  # listed, the same for every report
            out.append(
                Check(
                    ident.id,
                    "report",
                    None,
                    None,
                    None,
                    "needs the previous year's report: evaluated in the datasets"
                    if ident.check == "cross_year"
                    else "narrative check: not evaluated by parse",
                    ident.hard,
                )
            )
        elif table_of(ident) in tables:
            out += (
                _equations(tpl, ident, printed)
                if ident.check in ("sum", "le")
                else [Equation(ident.check, ident.id, ident.table, ident.hard, table_of(ident))]
            )
    return tuple(out)


_ABSENT = object()
_SHAPES: dict[tuple, tuple[frozenset, frozenset]] = {}


def _shape(addresses: tuple) -> tuple[frozenset, frozenset]:
    """The tables with cells (template tables are t2, t3, t4: an address's first two
    characters) and the t3 rows with a cell (row keys hold no "/"). Reports of one
    template mostly have the same addresses: worked out once per list of addresses."""
    got = _SHAPES.get(addresses)
    if got is None:
        if len(_SHAPES) > 256:
            _SHAPES.clear()
        got = _SHAPES[addresses] = (
            frozenset({a[:2] for a in addresses}),
            frozenset({a.split("/", 2)[1] for a in addresses if a.startswith("t3/")}),
        )
    return got


def _n(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


# A report's checks (some fifty) are made without Check's own __init__: a frozen
# dataclass's __init__ stores each field through object.__setattr__ in Python, which
# cost a few per cent of a text report's parse. _check makes the same object: a bare
# instance whose slots are stored by their own setters, in the order of Check's fields
# (the order of its positional arguments; Check has no __post_init__ to run).
_CHECK_FIELDS = ("id", "subject", "ok", "lhs", "rhs", "note", "hard")
if tuple(f.name for f in fields(Check)) != _CHECK_FIELDS or hasattr(Check, "__post_init__"):
    raise ImportError("identities._check no longer matches parsers.model.Check: update it")
_new_check = object.__new__
_set_id, _set_subject, _set_ok, _set_lhs, _set_rhs, _set_note, _set_hard = (
    getattr(Check, name).__set__ for name in _CHECK_FIELDS
)


def _check(id_: str, subject: str, ok, lhs, rhs, note: str, hard: bool) -> Check:
    """Check(id_, subject, ok, lhs, rhs, note, hard), made faster (see above)."""
    c = _new_check(Check)
    _set_id(c, id_)
    _set_subject(c, subject)
    _set_ok(c, ok)
    _set_lhs(c, lhs)
    _set_rhs(c, rhs)
    _set_note(c, note)
    _set_hard(c, hard)
    return c


@lru_cache(maxsize=512)
def _steps(version: str, tables: frozenset, printed: frozenset) -> tuple:
    """plan(version, tables, printed) as `evaluate` walks it: each equation a plain tuple
    (check, id, subject, hard, table, lhs, rhs, zero_blanks), its sides plain (address,
    total) pairs. A compiled twin unpacks a plain tuple directly but a named tuple through
    the iterator protocol, and evaluate unpacks some six hundred terms a report."""
    out = []
    for item in plan(version, tables, printed):
        if item.__class__ is Check:
            out.append(item)
            continue
        lhs = tuple([(t.address, t.total) for t in item.lhs])
        rhs = tuple([(t.address, t.total) for t in item.rhs])
        out.append((item.check, item.id, item.subject, item.hard, item.table, lhs, rhs, item.zero_blanks))
    return tuple(out)


def _index(cells_list) -> tuple[dict, dict, set]:
    """The cells by address, the numbers by address, and the addresses of the blank, dash
    and 无 cells, in one pass over the cells (the last cell of an address counts)."""
    if not isinstance(cells_list, (list, tuple)):
        cells_list = list(cells_list)
    cells: dict = {}
    numbers: dict = {}
    unprinted: set = set()
    for c in cells_list:
        a, value, _, status = c[:4]
        cells[a] = c
        if status == "number":
            numbers[a] = value
        elif status != "unresolved":
            unprinted.add(a)
    if len(cells) != len(cells_list):  # an address twice: its earlier cells must not count
        numbers = {a: c.value for a, c in cells.items() if c.status == "number"}
        unprinted = {a for a, c in cells.items() if c.status not in ("number", "unresolved")}
    return cells, numbers, unprinted


def evaluate(tpl: Template, cells_list) -> list[Check]:
    """The report's checks: every identity of its template, under the blank policy."""
    cells, numbers, unprinted = _index(cells_list)
    tables, printed = _shape(tuple(cells))
    has_number = None  # the tables with a number: asked only where a cell is blank
    # (a blank, dash or 无 cell, `unprinted`: 0 where it is a component of a table that has numbers)
    out = []
    number = numbers.get  # (bound once: a method lookup per term cost more than the lookup)
    negative = None
    for item in _steps(tpl.version, tables, printed):
        if item.__class__ is Check:
            out.append(item)
            continue
        check, id_, subject, hard, table, lhs, rhs, zero = item
        if check == "sum":  # inline: the one loop every report runs for each row and column
            sums = []
            for side in (lhs, rhs):
                total, known = 0, True
                for a, is_total in side:
                    v = number(a, _ABSENT)
                    if v is not _ABSENT:
                        total += v
                    elif zero and not is_total and a in unprinted:
                        if has_number is None:
                            has_number = {x[:2] for x in numbers}
                        if table not in has_number:
                            known = False
                    else:
                        known = False
                sums.append(total if known else None)
            lsum, rsum = sums
            if lsum is None or rsum is None:
                out.append(_check(id_, subject, None, lsum, rsum, "a total is blank or a cell is unresolved", hard))
                continue
            ok = abs(lsum - rsum) < 1e-6
            out.append(
                _check(id_, subject, ok, _n(lsum), _n(rsum), "" if ok else f"differs by {_n(lsum - rsum)}", hard)
            )
        elif check == "le":
            out.append(_le_check(id_, subject, hard, number(lhs[0][0], _ABSENT), number(rhs[0][0], _ABSENT)))
        else:
            if negative is None:  # the numbers below 0, in the cells' order (asked once, most have none)
                negative = [(a, c) for a, c in cells.items() if c.status == "number" and c.value < 0]
            out.append(_nonneg_check(tpl, id_, subject, hard, table, negative))
    return out


def _le_check(id_: str, subject: str, hard: bool, a, b) -> Check:
    """a <= b, the numbers of one cell a side (_ABSENT: blank or unresolved, which leaves
    it unverifiable)."""
    if a is _ABSENT or b is _ABSENT:
        return _check(id_, subject, None, None, None, "a cell is blank or unresolved", hard)
    return _check(id_, subject, a <= b, a, b, "", hard)


def _nonneg_check(tpl: Template, id_: str, subject: str, hard: bool, table: str, negative: list) -> Check:
    """No number of the table below 0, but in its signed columns (`negative`: the report's
    (address, cell) pairs whose number is below 0)."""
    prefix = table + "/"
    neg = [a for a, c in negative if a.startswith(prefix) and not tpl.column(a).signed]
    return _check(id_, subject, not neg, len(neg), 0, ("negative: " + ", ".join(neg)) if neg else "", hard)


# ------------------------------------------------------------------ across years


class CrossTerm(NamedTuple):
    dy: int  # 0: the report's own cell; -1: the previous year's report's
    address: str
    coef: int
    total: bool  # a total under the blank policy


class CrossEquation(NamedTuple):
    """One instance of a cross-year identity: sum of coef × value = 0."""

    id: str
    subject: str
    hard: bool
    terms: tuple[CrossTerm, ...]
    zero_blanks: bool
    note: str
    reported: bool  # False: for settling readings only (`pipeline.crossyear`), not a check


@cache
def cross_year_equations(version: str) -> tuple[CrossEquation, ...]:
    """The cross-year identities of a template, one equation per for_each value."""
    tpl = template(version)
    out = []
    for i in tpl.checks:
        if i.check != "cross_year" or not i.terms:
            continue
        for e in i.each:
            terms = []
            for dy, pattern, k in i.terms:
                a = pattern.replace("{" + i.var + "}", e)
                t, rest = a.split("/", 1)
                row, _, col = rest.rpartition("/")
                terms.append(CrossTerm(dy, a, k, blank_is_total(tpl, t, row, col)))
            out.append(CrossEquation(i.id, e, i.hard, tuple(terms), i.blank == "zero_components", i.note, i.reported))
    return tuple(out)


@cache
def cross_year_addresses() -> frozenset:
    """Every address a cross-year identity of some template reads."""
    from .templates import versions

    return frozenset(t.address for v in versions() for eq in cross_year_equations(v) for t in eq.terms)


def _known(cell, total: bool, zero: bool, has_number: bool):
    """A term's value under the blank policy, or None (blank total, unresolved, …)."""
    if cell.status == "number":
        return cell.value
    if zero and not total and has_number and cell.status in ("blank", "dash", "text"):
        return 0
    return None


def cross_year(prev_cells, cur_cells, prev_year: int, cur_year: int, version: str | None) -> list[Check]:
    """The cross-year identities of the later report's template (`version`; the latest
    template for a report on none) between two consecutive years' reports of one agency.
    An identity whose cells one of the reports lacks is not evaluated; one whose cell is
    blank where the policy does not count it 0, or unresolved, is unverifiable (ok null).
    lhs is the report's own first term, rhs what the other terms make it."""
    if cur_year != prev_year + 1:
        return []
    from .templates import latest, versions

    sides = ({c.address: c for c in cur_cells}, {c.address: c for c in prev_cells})
    numbers = tuple({a[:2] for a, c in side.items() if c.status == "number"} for side in sides)
    out = []
    for eq in cross_year_equations(version if version in versions() else latest()):
        if not eq.reported:
            continue
        cells = [sides[-t.dy].get(t.address) for t in eq.terms]
        if any(c is None for c in cells):
            continue
        vals = [_known(c, t.total, eq.zero_blanks, t.address[:2] in numbers[-t.dy]) for c, t in zip(cells, eq.terms)]
        lhs = vals[0]
        rest = [(t.coef, v) for t, v in zip(eq.terms[1:], vals[1:])]
        rhs = None if any(v is None for _, v in rest) else -sum(k * v for k, v in rest) * eq.terms[0].coef
        ok = None if lhs is None or rhs is None else abs(lhs - rhs) < 1e-6
        out.append(Check(eq.id, eq.subject, ok, lhs, rhs, eq.note.format(year=cur_year, prev_year=prev_year), eq.hard))
    return out


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
    return ColumnSums(
        t,
        total.rhs,
        bal.lhs if bal else (),
        tuple(r for r in bal.rhs if r != t) if bal else (),
        tpl.total_columns.get("t3", frozenset()),
    )


@cache
def row_inequalities(version: str, block: str) -> tuple[tuple[int, int], ...]:
    """(lhs column index, rhs column index) of each lhs <= rhs identity on the rows of a
    table 二 block, for the matcher's readings of that block."""
    tpl = template(version)
    cols = [c.key for c in tpl.block(block).columns]
    return tuple(
        (cols.index(i.lhs[0]), cols.index(i.rhs[0]))
        for i in tpl.checks
        if i.check == "le" and i.table == "table2" and i.block == block
    )


@cache
def row_groups(version: str, table: str) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """(total column index, part column indices) of the table's row identity, for the
    matcher's readings of one row of table 三 (or one group of table 四)."""
    tpl = template(version)
    cols = [c.key for c in (tpl.t3_columns if table == "t3" else tpl.t4_columns)]
    total, parts = row_sums(version).get(table, (None, ()))
    if total not in cols:
        return ()
    return ((cols.index(total), tuple(cols.index(p) for p in parts)),)


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
