"""Rows whose labels stand apart from their values, aligned in order where the identities confirm it.

Text that PDF-to-text tools (pdftotext in reading order, pdfminer, PDF-to-markdown) make
of a report often prints a table's value rows in order but its row labels apart from
them: all labels first and then all value rows, labels after the values, a label block
broken by a page, or several labels and then their rows. The template matcher
(`tables`) reads a row from the values that follow its label, so such rows come out
empty, unreadable or shifted, and are left unresolved.

Here table 三 is read a second way: the template's rows in template order (a group row
printed alone standing for its parts where only its label was found), against every
value row of the table in text order — a run of one-cell values cut into rows of the
column count, wherever it stands (before the first label, inside or after any label). A
run that does not cut evenly (cells that vanished, digits run together) is one opaque
row that only the matcher reads, and it may only stay with its own label. Where there
are exactly as many value rows as template rows, the i-th row takes the i-th value row:
the tools keep the order of rows within the values. That reading is a guess until the
table's arithmetic backs it, so it is kept only where

* it differs from the matcher's (otherwise there is nothing to add),
* every hard identity of the table then holds — rows add to 总计, 一+二 = 三+四, the
  results add to （七）总计 (`identities.evaluate`, the template's own identities) — with
  none left unverifiable but the own sum of a wholly blank row (its place in the
  sequence is taken like any other's; the column sums count it 0),
* and the table is not all zero and blank: zeros add up in any order and under any
  count, so they confirm nothing.

The identities cannot tell two result rows apart (both add into the same totals); what
they do catch is a wrong count — a value row too many or too few, a row cut in the
wrong place, values taken column by column — which is what turns an order-preserving
pairing wrong; a count that fits is the evidence that no row vanished. Cells placed this
way keep the offsets of their own characters, and a warning (ROWS_ALIGNED_BY_ORDER)
names the table and the rows. Where the order gives other rows than the matcher's, the
matcher's reading is in doubt (values stood where no label precedes them) and the
arithmetic does not single out the order's, the differing cells are left unresolved.

The matcher reads a row label with no value after it as a blank row. Where value rows
stand apart that is a guess as well: its values may stand before it or after a later
label, and where empty cells vanish (pdftotext prints an empty cell as nothing) no count
says how many rows a run of values holds, nor can the identities tell a blank row from a
row of zeros. So such a row is blank only where the table shows that its rows carry their
values with their labels — most runs of values begin on their label's line or stand
inside its wrapped extent or are placed by the columns' positions, and no value stands
before the first label or beyond a label's rows (`undecided_blank_rows`); otherwise it is
unresolved, and so are the rows read from the runs standing apart next to it, unless the
alignment above places them.

Table 二 has no identity to confirm an order with, and table 四 is one row: neither is
aligned here (table 二's rows stay unresolved where values stand apart, `tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .document import Flat, Warning
from .model import ReportCell
from .readings import valid_for
from .rowloops import new as _new  # tuple.__new__, in C where built
from .splitting import Field

ALIGNED = "ROWS_ALIGNED_BY_ORDER"
# warnings about a row that an accepted alignment makes moot
_ROW_WARNINGS = ("ROW_UNREADABLE", "ROW_NOT_FOUND", "ROW_TOO_SHORT", "AMBIGUOUS_ROW")


@dataclass(frozen=True)
class Alignment:
    """Template row key -> its value row (n fields, in column order); the opaque rows,
    which keep the matcher's reading, are not in it."""

    rows: dict


def label_word(run: list[Field], n: int) -> bool:
    """A short run of 无 or dashes in running text: a word of a label broken by a value
    column ("（四）无" / "法提供"), not a row."""
    return len(run) < n and all(f.splittable and f.text and not any(ch.isdigit() for ch in f.text) for f in run)


class ValueRow(NamedTuple):
    """A row of values in text order: its n fields, the label in whose extent it stands
    (None before the first label), and whether it is `opaque`: a run that does not cut
    into rows (cells that vanished, digits run together), which only the matcher reads
    and which may only stay with its own label."""

    fields: tuple[Field, ...]
    owner: str | None
    opaque: bool = False


def cut_rows(runs: list[tuple[str | None, list[Field]]], n: int, words_are_cells: bool) -> list[ValueRow] | None:
    """(owner, run) pairs cut into rows of n one-cell values; a run that does not cut
    evenly, or holds digits that may be several cells run together, is one opaque row
    where it is its label's only run, else None (where its rows end is not known)."""
    out: list[ValueRow] = []
    per_owner: dict = {}
    for owner, run in runs:
        if not label_word(run, n):
            per_owner[owner] = per_owner.get(owner, 0) + 1
    for owner, run in runs:
        if label_word(run, n):
            continue
        if len(run) % n or any(f.splittable and not words_are_cells for f in run):
            if owner is None or per_owner[owner] > 1:
                return None
            out.append(ValueRow(tuple(run), owner, True))
            continue
        out += [ValueRow(tuple(run[i : i + n]), owner) for i in range(0, len(run), n)]
    return out


def template_rows(tpl, found: set[str]) -> tuple[str, ...] | None:
    """The t3 row keys the report prints, in template order: a group row that reports may
    print instead of its parts (`printed_alone`: 2021's （六）其他处理) stands for them where
    its label was found and none of theirs; None where the labels do not tell which."""
    keys = [r.key for r in tpl.t3_rows]
    for group in sorted(tpl.printed_alone):
        parts = tpl.t3_derived.get(group, ())
        if not parts or any(k in found for k in parts):
            continue
        if group not in found:
            return None
        i = keys.index(parts[0])
        keys = keys[:i] + [group] + [k for k in keys[i:] if k not in parts]
    return tuple(keys)


def align_in_order(rows: list[ValueRow], keys: tuple[str, ...]) -> Alignment | None:
    """Pair the template's rows `keys` with the value rows `rows` in order; None where the
    counts differ or an opaque row would leave its own label."""
    if len(rows) != len(keys) or not keys:
        return None
    if any(r.opaque and r.owner != k for k, r in zip(keys, rows)):
        return None
    return Alignment({k: r.fields for k, r in zip(keys, rows) if not r.opaque})


def confirmed(tpl, cells: dict, placed: dict, table: str) -> bool:
    """True when every hard identity of `table` holds over `cells` with `placed` put in,
    none left unverifiable, and the table is not all zero and blank."""
    from .identities import evaluate, table_of

    merged = {**cells, **placed}
    if not any(c.status == "number" and c.value for a, c in merged.items() if a.startswith(table + "/")):
        return False
    along_rows = {i.id for i in tpl.identities if table_of(i) == table and i.axis == "row"}
    ids = {i.id for i in tpl.identities if table_of(i) == table}
    blank = _blank_rows(merged, table)
    # a wholly blank row's own sum is unverifiable and says nothing: its place in the
    # sequence is taken like any other's, and the column sums count it 0
    hard = [
        c
        for c in evaluate(tpl, list(merged.values()))
        if c.hard and c.id in ids and not (c.ok is None and c.id in along_rows and c.subject in blank)
    ]
    return bool(hard) and all(c.ok for c in hard)


def _blank_rows(cells: dict, table: str) -> set[str]:
    """Rows of `table` whose every cell is blank."""
    status: dict[str, set] = {}
    for a, c in cells.items():
        t, row, _ = a.split("/")
        if t == table:
            status.setdefault(row, set()).add(c.status)
    return {r for r, st in status.items() if st == {"blank"}}


def replace_rows(res, table: str, placed: dict, keys: list[str]) -> None:
    """Put the aligned cells into `res` (a TableResult), drop the warnings and competing
    readings of those rows, and say what was done."""
    res.cells.update(placed)
    heads = tuple(f"{table} row {k}:" for k in keys) + tuple(f"{table} row {k} " for k in keys)
    res.warnings = [w for w in res.warnings if not (w.code in _ROW_WARNINGS and w.message.startswith(heads))]
    res.readings = {k: v for k, v in res.readings.items() if k.split("/", 1)[-1] not in keys}
    res.warnings.append(
        Warning(
            ALIGNED,
            f"{table}: the row labels stand apart from the value rows (rows "
            f"{', '.join(keys)}); the value rows were taken in order, one per label, as "
            "the table's identities confirm",
        )
    )


def row_cells(table: str, key: str, row: tuple[Field, ...], cols, flat: Flat, cell_out) -> dict | None:
    """The cells of one aligned row (`cell_out`: tables.cell_out), or None where a value
    does not fit its column."""
    valid = valid_for(tuple(cols))
    if not all(valid(i, f.text) for i, f in enumerate(row)):
        return None
    out = {}
    for f, col in zip(row, cols):
        addr = f"{table}/{key}/{col.key}"
        cell = (f.text, f.offset if f.text else None)
        out[addr] = cell_out(addr, cell, col, flat, None, flat.loc(row[0].offset))
    return out


def align_table3(ctx, res, cols, head_runs: list, extents: list, cell_out, suspect: bool) -> bool:
    """Table 三 read as the template's row sequence against the value-row sequence (see
    the module docstring); `head_runs`: value runs before the first label; `extents`:
    (Label, runs) of every label in text order. Puts the rows whose cells change into
    `res` and returns True where the alignment is accepted. Where it is not, but the
    matcher's reading is `suspect` (values stood where no label precedes them) and the
    order gives other rows that add up as well as the matcher's, those rows are left
    unresolved: two readings fit, the text decides neither."""
    n = len(cols)
    words = ctx.layout or ctx.spaced or ctx.reading_order
    runs = [(None, r) for r in head_runs if any(f.text for f in r)]
    runs += [(None if lab.group else lab.key, r) for lab, rs in extents for r in rs]
    rows = cut_rows(runs, n, words)
    keys = template_rows(ctx.tpl, {lab.key for lab, _ in extents})
    al = align_in_order(rows, keys) if rows is not None and keys is not None else None
    if al is None:
        return False
    order = set(keys)  # the rows of the sequence, opaque ones (read by the matcher) too
    placed: dict = {}
    changed = []
    for key, row in al.rows.items():
        cells = row_cells("t3", key, row, cols, ctx.flat, cell_out)
        if cells is None:
            return False
        if any(_differs(res.cells.get(a), c) for a, c in cells.items()):
            placed.update(cells)
            changed.append(key)
    # rows the matcher read from a group label (a subtotal, a lone （六） row) are rows of
    # the sequence now: their values were placed with the template's rows
    kept = {a: c for a, c in res.cells.items() if a.split("/")[1] in order}
    if not changed:
        return False
    if confirmed(ctx.tpl, kept, placed, "t3"):
        res.cells = kept
        replace_rows(res, "t3", placed, changed)
        return True
    if suspect:
        for a, new in placed.items():
            c = res.cells.get(a)
            if c is not None and c.status != "unresolved" and _differs(c, new):
                res.cells[a] = c._replace(value=None, status="unresolved")
        res.warnings.append(
            Warning(
                "TABLE_UNALIGNED",
                f"t3: values stand where no row label precedes them, and "
                f"taken in order they give rows {', '.join(changed)} other values that the "
                "identities do not rule out; those rows are left unresolved",
            )
        )
    return False


class RunAt(NamedTuple):
    """A run of values as it stands to its label: the row it was read for (None where the
    matcher reads nothing from it: a group label's), whether it is `bound` to that label
    (inside the label's extent, begun on the label's own line, or placed by the columns'
    positions, `columns`) rather than on lines of its own after the label, whether it
    holds a value at all, and whether, holding none, it is the `trace` of a blank row:
    empty cells on the label's line, the no-break spaces a web page's empty cells leave,
    or several empty cells in a row (one cell per line) — not one blank line, which may
    only part paragraphs or pages."""

    row: str | None
    bound: bool
    values: bool
    trace: bool


def run_at(text: str, label_end: int, run: list[Field], row: str | None, placed: bool) -> RunAt:
    first = run[0].offset
    bound = placed or first < label_end or text.find("\n", label_end, first) < 0
    values = any([f.text for f in run])
    marks = "\xa0" in text and any([text.startswith("\xa0", f.offset) for f in run])
    return _new(RunAt, (row, bound, values, not values and (bound or marks or len(run) > 1)))


def printed(runs: list[RunAt]) -> bool:
    """Whether a label's runs print anything of its row: a value or a blank row's trace."""
    return any(r.values or r.trace for r in runs)


def undecided_blank_rows(sequence: list[tuple[str | None, list[RunAt]]], stray: int) -> tuple[list[str], list[str]]:
    """(rows read blank, rows read from values beside them) that the text leaves open.

    `sequence`: each label of the table in text order, as (its row, or None for a group
    label, and its runs). A row label with no value after it, nor the trace of a blank
    row (`RunAt`), is a blank row only where the table shows that its rows carry their
    values with their labels: most runs of values stand on their label's line or inside
    its extent (a wrapped label), as pdftotext -layout, PDFium, pdfplumber and
    table-keeping tools print them. Where value rows stand apart — values before the
    first label or more than a label's rows take (`stray`), or as many runs begun on lines
    of their own after their label as not (a label block then a value block: pdftotext in
    reading order, PDF-to-markdown) — a row's values may stand anywhere, and where empty
    cells vanish a run does not say how many rows it holds: a label with no value after
    it may be a blank row or a row whose values went elsewhere. Such rows are left
    unresolved, not blank, and so are the rows read from the runs standing apart next to
    them (the nearest before and after), which may hold their values; the alignment in
    template order may still place them where every identity confirms it."""
    empty = [i for i, (row, runs) in enumerate(sequence) if row is not None and not printed(runs)]
    filled = [[r for r in rs if r.values] for _, rs in sequence]
    runs = [r for rs in filled for r in rs]
    bound = sum(r.bound for r in runs)
    if not empty or (not stray and bound > len(runs) - bound):
        return [], []
    apart = set()
    for i in empty:
        before = next((rs[-1] for rs in reversed(filled[:i]) if rs), None)
        after = next((rs[0] for rs in filled[i + 1 :] if rs), None)
        apart.update(r.row for r in (before, after) if r is not None and r.row is not None and not r.bound)
    blank = [sequence[i][0] for i in empty]
    return blank, sorted(apart - set(blank))


def _differs(old: ReportCell | None, new: ReportCell) -> bool:
    return old is None or (old.status, old.value) != (new.status, new.value)
