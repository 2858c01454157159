"""Table 二 (the government's own documents and actions) out of a flattened document.

Table 二 is printed as blocks, one per item of Article 20 of the regulations, each under
its caption (第二十条第（一）项) with its own column header and rows. Each block's row
labels are found under its caption and their value runs read as rows (readings.py) with
the block's soft inequalities; a block whose table a PDF-to-text tool moved away from its
caption is read under its own column header, and values pulled out of it (a wrapped cell
with a note) are put back where the note's words and the inequalities allow.
"""

from __future__ import annotations

import re
from functools import cache

from .alignment import printed, run_at
from .document import Warning
from .fields import runs_with_values, segment_fields, value_runs
from .identities import row_inequalities
from .labels import TRAILING_PAREN, compile_alternatives, loose, loose_core
from .model import ReportCell
from .readings import RowSpec, cell_value, solve_run, valid_for
from .tables import (
    Context,
    TableResult,
    find_labels,
    national_aliases,
    resolve_rows,
    row_alternatives,
    unreadable,
    unresolve,
)
from .templates import norm_label, quoted_words, template, variants


@cache
def _t2_label_rows(version: str, block: str) -> tuple[tuple[str, re.Pattern, None], ...]:
    """(row key, label pattern, None) of each row of a table 二 block, built once."""
    tpl = template(version)
    extra = {**variants()["table2_rows"], **national_aliases("table2"), **tpl.label_variants.get("table2_rows", {})}
    b = tpl.block(block)
    return tuple((r.key, compile_alternatives(row_alternatives(r.key, r.label, extra)), None) for r in b.rows)


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
        unresolve(
            res,
            tuple(f"t2/{rk}/" for rk in empty),
            Warning(
                "TABLE_UNALIGNED",
                f"t2: {stray} run(s) of values stand where no row label precedes "
                f"them; rows {', '.join(empty)} print no value, or several rows' values, after their "
                "label and are left unresolved",
            ),
        )
    return res


def _read_t2_block(ctx: Context, res: TableResult, b, m: re.Match, bend: int, found: dict, above) -> tuple[int, list]:
    """Read one block of table 二 into `res`; returns the number of value runs that no row
    label precedes and the rows whose values are in doubt when such runs exist: read as
    blank because no value follows their label (nor the trace of a blank row on its line:
    a blank line may only part paragraphs), or, beside such a row, followed by several
    rows' values."""
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
    runs_of, ends = {}, {}
    for j, lab in enumerate(labels):
        nxt = labels[j + 1].start if j + 1 < len(labels) else bend
        fields = segment_fields(flat, lab.end, nxt, labels[j + 1].start if j + 1 < len(labels) else None)
        rk = f"{bkey}.{lab.key}"
        specs[rk] = RowSpec(rk, b.columns, (), le)
        locs[rk] = flat.loc(lab.start)
        runs_of[rk] = value_runs(fields, flat)
        ends[rk] = lab.end
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
        if not printed([run_at(text, ends[rk], r, rk, False) for r in runs]):
            empty_rows.append(rk)  # no value after its label, nor a blank row's trace (a blank line is none)
        if not runs:
            readings[rk] = [tuple(("", None) for _ in b.columns)]
            continue
        rs, top = solve_run(spec, runs[0], vanish, spaced=ctx.spaced, traced=ctx.traced)
        if not rs:
            res.warnings.append(unreadable("t2", rk, runs[0], len(b.columns)))
            readings[rk] = []
        else:
            readings[rk] = rs
    for r in b.rows:
        rk = f"{bkey}.{r.key}"
        if rk not in readings or not readings[rk]:
            specs.pop(rk, None)
            readings.pop(rk, None)
            res.warnings.append(
                Warning("ROW_NOT_FOUND", f"t2 row {rk}: label or values not found; its cells are unresolved")
            )
            for c in b.columns:
                a = f"t2/{rk}/{c.key}"
                res.cells[a] = ReportCell(a, None, "", "unresolved", flat.loc(m.start()))
    res.cells.update(
        resolve_rows(ctx, "t2", specs, readings, locs, None, res.warnings, unit_hint, competing=res.readings)
    )
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
    heads = {
        b.key: tuple(norm_label(TRAILING_PAREN.sub("", c.label)) for c in b.columns) for b in template(version).table2
    }
    return tuple(
        (k, re.compile(r"(?:\s|[|｜])*".join(loose(c) for c in cols)))
        for k, cols in heads.items()
        if not any(o[: len(cols)] == cols for j, o in heads.items() if j != k)
    )


def _displaced_readings(ctx: Context, res: TableResult, b, specs: dict, runs_of: dict, above: tuple) -> dict:
    """Readings of rows that print one value fewer than the block has columns while the
    same number of values — one per row, in row order — stand under the caption, away
    from the table (PDF-to-text tools pull out a cell that wraps onto several lines,
    typically a number with a note such as （含自然失效 29 件）). The pulled-out values
    fill one column, the same in every row; the columns a note's words name (失效 ->
    repealed) and the block's inequalities narrow which. Rows whose readings still
    differ are left to resolve_rows, which leaves differing cells unresolved."""
    text = ctx.flat.text
    a, z = above
    bare = _NOTE.sub(lambda n: " " * len(n.group(0)), text[a:z])
    numbers = list(_LONE_NUMBER.finditer(bare))
    n = len(b.columns)
    rows = list(runs_of)
    if not numbers or len(numbers) != len(rows) or re.sub(r"[\s|｜]", "", _LONE_NUMBER.sub("", bare)):
        return {}
    if any(
        not r or len(r[0]) != n - 1 or len(r) > 1 or any(f.splittable or not f.text for f in r[0])
        for r in runs_of.values()
    ):
        return {}
    named, naming = set(range(n)), []
    for i, num in enumerate(numbers):
        note = text[a + num.end() : a + (numbers[i + 1].start() if i + 1 < len(numbers) else len(bare))]
        cols = {
            j
            for j, c in enumerate(b.columns)
            for w in quoted_words().get(c.key, ())
            if loose_core(w) in loose_core(note)
        }
        if cols:
            named &= cols
            naming.append(note.strip())
    valid = valid_for(b.columns)
    fits = {}
    for col in sorted(named):
        filled = {}
        for rk, num in zip(rows, numbers):
            cells = [(f.text, f.offset) for f in runs_of[rk][0]]
            cells.insert(col, (num.group(0), a + num.start()))
            vals = [cell_value(t, b.columns[j]) for j, (t, _) in enumerate(cells)]
            if not all(valid(j, t) for j, (t, _) in enumerate(cells)) or any(
                vals[p] > vals[q] for p, q in specs[rk].le if vals[p] is not None and vals[q] is not None
            ):
                break
            filled[rk] = tuple(cells)
        else:
            fits[col] = filled
    if not fits:
        return {}
    where = ", ".join(b.columns[c].key for c in fits)
    res.warnings.append(
        Warning(
            "DISPLACED_CELLS",
            f"t2 block {b.key}: its rows print {n - 1} values for {n} columns and {len(rows)} values stand under the caption, away from the table; they fill column {where}"
            + (f" (named by the note {'、'.join(naming)})" if naming else "")
            + ("" if len(fits) == 1 else " (undecided: differing cells left unresolved)"),
        )
    )
    return {rk: [f[rk] for f in fits.values()] for rk in rows}
