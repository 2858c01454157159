"""A report's checks: its template's identities (evaluated by `parsers.identities`, the one
engine for them and for the blank policy), and the identities that span two reports of
one agency (`cross_year_checks`), evaluated when the datasets are built.
"""

from __future__ import annotations

from .identities import cross_year
from .identities import evaluate as _evaluate
from .model import Check
from .templates import Template


def evaluate(tpl: Template, cells_list) -> list[Check]:
    """Every identity of the report's template, in the order the definition file lists them
    (those needing another report or the prose: listed, not evaluated)."""
    return _evaluate(tpl, cells_list)


def cross_year_checks(prev_cells, cur_cells, prev_year: int, cur_year: int, version: str | None = None) -> list[Check]:
    """The cross-year identities of the later report's template (`version`: its
    ``template``; `identities.cross_year`) for one agency, then pre-2019 历年累计
    (`parsers.pre2019_checks`)."""
    if cur_year != prev_year + 1:
        return []
    from .pre2019_checks import cumulative_cross_year

    return cross_year(prev_cells, cur_cells, prev_year, cur_year, version) + cumulative_cross_year(
        prev_cells, cur_cells, prev_year, cur_year
    )


def cross_year_splits(prev_cells, cur_cells, prev_year: int, cur_year: int) -> dict[str, dict]:
    """What the earlier report lets the build read in the later one: address -> the fields
    that change (pre-2019 历年累计 digits run together: `pre2019_checks.split_by_cumulative`)."""
    from .pre2019_checks import split_by_cumulative

    return {
        c.address: {"value": c.value, "raw": c.raw, "status": "resolved_cross_year"}
        for c in split_by_cumulative(prev_cells, cur_cells, prev_year, cur_year)
    }
