"""A report's checks: its template's identities (evaluated by `parsers.identities`, the one
engine for them and for the blank policy), and the identities that span two reports of
one agency (`cross_year_checks`), evaluated when the datasets are built.
"""
from __future__ import annotations

from .identities import evaluate as _evaluate
from .model import Check
from .templates import Template


def evaluate(tpl: Template, cells_list) -> list[Check]:
    """Every identity of the report's template, in the order the definition file lists them
    (those needing another report or the prose: listed, not evaluated)."""
    return _evaluate(tpl, cells_list)


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
