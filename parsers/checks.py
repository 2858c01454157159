"""The template's arithmetic identities, evaluated under its blank policy.

Blank policy (templates.json `blank_policy`): inside a table that has at least one
number, an empty component cell counts as 0 and an empty total is missing (the check
is then `ok: null`, not a failure). A wholly empty table is not reported: its checks are
null. Where a report prints a group row instead of its parts (one （六）其他处理 row in
a 2021 report), the group row stands in for the parts.
"""
from __future__ import annotations

from functools import lru_cache

from .model import Check
from .templates import Template, spec, template

TOTAL_COLS = {"total"}
TOTAL_ROWS = {"results_total"}


def _scan(cells: dict) -> tuple[bool, bool, bool, bool, set[str]]:
    """One pass over the cells: whether tables 三 and 四 have cells, and numbers, and the
    row keys r with at least one t3/<r>/<col> cell (row keys hold no "/")."""
    t3 = t3n = t4 = t4n = False
    printed = set()
    for a, c in cells.items():
        if a.startswith("t3/"):
            t3 = True
            t3n = t3n or c.status == "number"
            row, sep, _ = a[3:].partition("/")
            if sep:
                printed.add(row)
        elif a.startswith("t4/"):
            t4 = True
            t4n = t4n or c.status == "number"
    return t3, t3n, t4, t4n, printed


def _rows_present(printed: set[str], rows: list[str]) -> list[str]:
    """Replace parts that are absent by their printed group row (`printed`: see _scan)."""
    out = []
    for r in rows:
        group = r.split(".")[0] if "." in r else None
        if group and r not in printed and group in printed:
            if group not in out:
                out.append(group)
        else:
            out.append(r)
    return out


def _n(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def evaluate(tpl: Template, cells_list) -> list[Check]:
    cells = {c.address: c for c in cells_list}
    t3, t3n, t4, t4n, printed = _scan(cells)
    has_number = {"table3": t3n, "table4": t4n}
    # A term is known when its cell is a number, or when it is a blank, dash or 无
    # component (not a total) in a table that has numbers: that counts as 0.
    numbers = {a: c.value for a, c in cells.items() if c.status == "number"}
    unprinted = {a for a, c in cells.items() if c.status not in ("number", "unresolved")}
    out = []
    for id_, subject, hard, table, lhs, rhs in _plan(tpl.version, t3, t4, frozenset(printed)):
        zero_ok = has_number[table]
        sums = []
        for side in (lhs, rhs):
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
            out.append(Check(id_, subject, None, lsum, rsum, "a total is blank or a cell is unresolved", hard))
            continue
        ok = abs(lsum - rsum) < 1e-6
        out.append(Check(id_, subject, ok, _n(lsum), _n(rsum), "" if ok else f"differs by {_n(lsum - rsum)}", hard))
    out += _t2_checks(tpl, cells)
    out += _not_single_report(tpl)
    return out


_ABSENT = object()


@lru_cache(maxsize=512)
def _plan(version: str, t3: bool, t4: bool, printed: frozenset) -> tuple:
    """The identities of tables 三 and 四 as (id, subject, hard, table, lhs, rhs), each
    side a tuple of (cell address, whether the cell is a total). Which identities apply
    and over which rows depends only on the version, the tables present and the t3 rows
    printed (a group row standing in for its parts), so it is worked out once per kind
    of report rather than once per report."""
    tpl = template(version)
    out = []
    for ident in tpl.identities:
        if ident.table == "table3" and not t3 or ident.table == "table4" and not t4:
            continue

        def add(subject, lhs, rhs):
            out.append((ident.id, subject, ident.hard, ident.table, tuple(lhs), tuple(rhs)))
        if ident.id == "t3_row_total":
            for r in _rows_present(printed, list(ident.each)):
                add(r, [(f"t3/{r}/{ident.lhs[0]}", True)], [(f"t3/{r}/{c}", False) for c in ident.rhs])
        elif ident.id == "t3_results_total":
            parts = _rows_present(printed, list(ident.rhs))
            for c in ident.each:
                add(c, [(f"t3/{ident.lhs[0]}/{c}", True)], [(f"t3/{p}/{c}", c in TOTAL_COLS) for p in parts])
        elif ident.id == "t3_balance":
            for c in ident.each:
                add(c, [(f"t3/{r}/{c}", c in TOTAL_COLS) for r in ident.lhs],
                    [(f"t3/{r}/{c}", c in TOTAL_COLS or r in TOTAL_ROWS) for r in ident.rhs])
        elif ident.id == "t4_group_total":
            for g in ident.each:
                add(g, [(f"t4/{g}/{ident.lhs[0]}", True)], [(f"t4/{g}/{c}", False) for c in ident.rhs])
    return tuple(out)


def _t2_checks(tpl: Template, cells: dict) -> list[Check]:
    out = []
    t2 = {a: c for a, c in cells.items() if a.startswith("t2/")}
    if not t2:
        return out
    neg = [a for a, c in t2.items() if c.status == "number" and c.value < 0 and not tpl.column(a).signed]
    out.append(Check("t2_nonneg", "table2", not neg, len(neg), 0, ("negative: " + ", ".join(neg)) if neg else "", True))
    if tpl.version == "2019":
        for r in ("regulations", "normative_docs"):
            a, b = cells.get(f"t2/art20_1.{r}/published_new"), cells.get(f"t2/art20_1.{r}/published_total")
            if a and b and a.status == "number" and b.status == "number":
                out.append(Check("t2_published_le_total", r, a.value <= b.value, a.value, b.value, "", False))
            else:
                out.append(Check("t2_published_le_total", r, None, None, None, "a cell is blank or unresolved", False))
    return out


def _not_single_report(tpl: Template) -> list[Check]:
    """Identities that need another report (cross-year) or the prose: listed, not evaluated here."""
    return list(_listed_only(tpl.version))


@lru_cache(maxsize=None)
def _listed_only(version: str) -> tuple[Check, ...]:
    ids = [d["id"] for d in spec()["versions"][version]["identities"]]
    return tuple(Check(i, "report", None, None, None, "needs the previous year's report: evaluated in the datasets" if "cross_year" in i
                  else "narrative check: not evaluated by parse", False)
            for i in ids if "cross_year" in i or i == "narrative_vs_table")


def cross_year_checks(prev_cells, cur_cells, prev_year: int, cur_year: int) -> list[Check]:
    """t3[y]/carried_over = t3[y-1]/carried_forward (and 2021's in_force stock) for one agency;
    pre-2019 历年累计 (`parsers.pre2019_checks`)."""
    if cur_year != prev_year + 1:
        return []
    p = {c.address: c for c in prev_cells}
    c = {x.address: x for x in cur_cells}
    out = []
    for col in ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"):
        a, b = c.get(f"t3/carried_over/{col}"), p.get(f"t3/carried_forward/{col}")
        if a is None or b is None:
            continue
        av = a.value if a.status == "number" else (0 if a.status == "blank" and col != "total" else None)
        bv = b.value if b.status == "number" else (0 if b.status == "blank" and col != "total" else None)
        ok = None if av is None or bv is None else av == bv
        out.append(Check("t3_carry_cross_year", col, ok, av, bv, f"{cur_year} carried_over vs {prev_year} carried_forward", False))
    for r in ("regulations", "normative_docs"):
        cur = {k: c.get(f"t2/art20_1.{r}/{k}") for k in ("in_force", "issued", "repealed")}
        prev = p.get(f"t2/art20_1.{r}/in_force")
        if prev and all(cur.values()) and all(x.status == "number" for x in [prev, *cur.values()]):
            rhs = prev.value + cur["issued"].value - cur["repealed"].value
            out.append(Check("t2_in_force_cross_year", r, cur["in_force"].value == rhs, cur["in_force"].value, rhs, "", False))
    from .pre2019_checks import cumulative_cross_year

    return out + cumulative_cross_year(prev_cells, cur_cells, prev_year, cur_year)


def cross_year_splits(prev_cells, cur_cells, prev_year: int, cur_year: int) -> dict[str, dict]:
    """What the earlier report lets the build read in the later one: address -> the fields
    that change (pre-2019 历年累计 digits run together: `pre2019_checks.split_by_cumulative`)."""
    from .pre2019_checks import split_by_cumulative

    return {c.address: {"value": c.value, "raw": c.raw, "status": "resolved_cross_year"}
            for c in split_by_cumulative(prev_cells, cur_cells, prev_year, cur_year)}
