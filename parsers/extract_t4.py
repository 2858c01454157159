"""Table 四 (administrative reconsideration and litigation) out of a flattened document.

Table 四 is one row of 15 cells, three groups of five printed side by side. Its header
words mark the table; its values are a run after them, read as one row whose groups each
add up (总计 = its four results). Where header and values interleave (a PDF's text in
reading order), a run is not known to be the table, so a reading stands only where every
group adds up and not every value is 0.
"""

from __future__ import annotations

import re
from functools import cache

from .document import Warning
from .fields import segment_fields, value_runs
from .identities import row_groups
from .labels import loose
from .model import ReportCell
from .readings import RowSpec, cell_value, solve_run
from .tables import Context, TableResult, resolve_rows
from .templates import Column, template


@cache
def _t4_header() -> re.Pattern:
    return re.compile(loose("行政复议") + "|" + loose("行政诉讼") + "|" + loose("尚未审结") + "|" + loose("复议后起诉"))


@cache
def _row_spec(version: str) -> RowSpec:
    """Table 四 as the one row its readings see: its 15 cells (group/column) and the row
    identity in each of the groups printed side by side (总计 = its four results). Built
    once per template (a report's readings only read it)."""
    tpl = template(version)
    cols4 = tpl.t4_columns
    flat_cols = tuple(Column(f"{r.key}/{c.key}", c.label, c.unit) for r in tpl.t4_rows for c in cols4)
    n5 = len(cols4)
    groups = tuple(
        (gi * n5 + t, tuple(gi * n5 + i for i in parts))
        for gi in range(len(tpl.t4_rows))
        for t, parts in row_groups(version, "t4")
    )
    return RowSpec("", flat_cols, groups)


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
    spec = _row_spec(tpl.version)
    flat_cols = spec.cols
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
        rs, top = solve_run(spec, run, vanish and not strict, spaced=ctx.spaced, traced=ctx.traced)
        if (
            rs
            and strict
            and (
                any((top.negative, top.violated, top.soft, top.unverifiable, top.vanished))
                or all(cell_value(c[0]) in (0, None) for r in rs for c in r)
            )
        ):
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
    cells = resolve_rows(
        ctx, "t4", {"": spec}, {"": chosen}, {"": flat.loc(hm[-1].start())}, None, res.warnings, competing=res.readings
    )
    res.cells.update(cells)
    return res
