"""Template matcher: the standard tables 二, 三, 四 out of a flattened document.

Works on `Flat` text, so it never knows which reader produced it. For each table it
finds the template's row labels in order, takes the value text between one label and
the next, reads it as cells (splitting run-together digits into every possible
sequence), and keeps only the readings the template's identities allow. A cell is
resolved when all surviving readings agree on it; otherwise it is reported as
"unresolved" with a warning naming the row: a value is never put in a cell by guess.

The matcher is split by idea:

- fields.py: the value text between two labels, cut into fields and runs of values;
- readings.py: every reading of one row's run as its cells, ranked by the row's own
  identities (`Rank`), and the best of them (`solve_run`);
- joint.py: table 三's rows narrowed together by its column sums;
- extract_t2.py, extract_t3.py, extract_t4.py: each table's labels, rows and quirks;
- this module: what they share: the `Context` of a report, a table's `TableResult`, the
  search for row labels in template order, and the assembly of kept readings into cells
  (`resolve_rows`: a cell only where all readings agree, else unresolved with the
  competing readings kept for the build).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from .document import Flat, Warning
from .labels import TRAILING_PAREN, loose, numbering_before
from .model import ReportCell
from .readings import RowSpec, cell_value
from .rowloops import NATIVE as _LOOPS
from .rowloops import new as _new  # tuple.__new__, in C where built
from .splitting import Cell, Field
from .templates import Column, Template, norm_label, quoted_words
from .values import parse_value


class Label(NamedTuple):
    """A row (or group) label found in the text: its row key and extent. (A named tuple,
    made with rowloops.new: a report's tables find a hundred of them.)"""

    key: str
    start: int
    end: int
    group: bool = False


@dataclass(frozen=True)
class Context:
    """What every table extractor needs: the text, the template, and facts about the
    whole report — whether empty cells vanished, the numbers its prose quotes, and
    whether its tables separate values by spaces."""

    flat: Flat
    tpl: Template
    vanish: bool = False
    anchors: dict = field(default_factory=dict)  # column key -> numbers quoted next to its keyword
    spaced: bool = False  # table 三's values are separated by spaces: a word is one cell
    reading_order: bool = False  # a PDF's text in reading order: rows stand only where identities confirm them
    layout: bool = False  # pdftotext -layout text: an empty cell is spaces
    traced: int = 0  # web text, cells run together: an empty cell is a no-break space or nothing (traces.TRACED*)


@dataclass
class TableResult:
    cells: dict = field(default_factory=dict)  # address -> ReportCell
    warnings: list = field(default_factory=list)
    found: bool = False
    readings: dict = field(default_factory=dict)  # ambiguous row -> its competing readings (see resolve_rows)


# ---------------------------------------------------------------- label search


def row_alternatives(key: str, label: str, extra: dict) -> tuple[str, ...]:
    base = re.sub(r"[（(][^（(]*[)）]$", "", norm_label(label)) or norm_label(label)
    alts = {base}
    alts |= {a for a, k in extra.items() if k == key}
    return tuple(alts)


_CLOSE_QUOTE = re.compile(r"[“”\"'‘’」』]+")


def find_labels(text: str, start: int, end: int, rows: list[tuple[str, re.Pattern, str | None]]) -> dict[str, Label]:
    """Row labels in template order; a row whose label is missing does not swallow later rows."""
    found: dict[str, Label] = {}
    cursor = start
    for i, (key, pat, number) in enumerate(rows):
        m = pat.search(text, cursor, end)
        if not m:
            continue
        # If one of the next rows' labels comes first, this row's label is missing here.
        skip = False
        for _, p2, _n in rows[i + 1 : i + 4]:
            m2 = p2.search(text, cursor, m.start())
            if m2:
                skip = True
                break
        if skip:
            continue
        s = numbering_before(text, m.start(), number)
        e = m.end()
        q = _CLOSE_QUOTE.match(text, e, end)
        if q:
            e = q.end()
        t = TRAILING_PAREN.match(text, e, end)
        if t:
            e = t.end()
        found[key] = _new(Label, (key, s, e, False))
        cursor = e
    return found


_GROUP_NUMBER = re.compile(r"(?:[（(]\s*[一二三四五六七八九十]\s*[)）]|[一二三四五六七八九十]\s*[、.．])\s*$")


def group_labels(text: str, start: int, end: int, groups: dict[str, re.Pattern]) -> list[Label]:
    out = []
    for key, pat in groups.items():
        for m in pat.finditer(text, start, end):
            s = m.start()
            pm = _GROUP_NUMBER.search(text[max(start, s - 6) : s])
            if pm:
                s = max(start, s - 6) + pm.start()
            out.append(_new(Label, (key, s, m.end(), True)))
    return out


# ---------------------------------------------------------------- assembling a table


_MONEY = ("procurement_amount", "fee_amount")


def cell_out(address: str, cell: Cell | None, col: Column, flat: Flat, unit_hint: str | None, blank_loc) -> ReportCell:
    raw, off = cell if cell else ("", None)
    found_unit = None
    if raw.isdigit() and raw.isascii():  # most cells: parse_value's reading, without its cost
        value, status = int(raw), "number"
    else:
        v = parse_value(raw, signed=col.signed, decimal=col.decimal)
        value, status, found_unit = v.value, v.status, v.unit
    if off is not None:
        loc, cell_start = flat.loc_and_start(off)
        char = off - cell_start
    else:
        loc, char = blank_loc, None
    unit = None
    key = col.key
    if key in _MONEY:
        unit = found_unit or unit_hint or ("万元" if key == "fee_amount" else "unknown")
    if type(value) is float and value.is_integer() and not col.decimal and key != "procurement_amount":
        value = int(value)
    # (tuple.__new__ with every field: ReportCell's own __new__ is a Python call)
    return _new(ReportCell, (address, value, raw, status, loc, unit, None, char, off, None))


def _one_reading(cells: dict, prefix: str, cols, reading, flat: Flat, unit_hint, blank_loc) -> None:
    """The cells of a row read one way only, into `cells`: cell_out of each, written out
    for the usual cell (plain digits printed in the text, not money), as every report
    has some hundred of them. (The same loop in C where built: rowloops.py.)"""
    if _LOOPS is not None:
        _LOOPS.one_reading(
            cells,
            prefix,
            tuple(cols),
            tuple(reading),
            flat.loc_and_start,
            ReportCell,
            _MONEY,
            lambda addr, i: cell_out(addr, reading[i], cols[i], flat, unit_hint, blank_loc),
        )
        return
    loc_and_start = flat.loc_and_start
    new = _new
    for col, cell in zip(cols, reading):
        key = col.key
        addr = prefix + key
        raw, off = cell if cell else ("", None)
        if off is not None and raw.isdigit() and raw.isascii() and key not in _MONEY:
            loc, cell_start = loc_and_start(off)
            cells[addr] = new(ReportCell, (addr, int(raw), raw, "number", loc, None, None, off - cell_start, off, None))
        else:
            cells[addr] = cell_out(addr, cell, col, flat, unit_hint, blank_loc)


def resolve_rows(
    ctx: Context,
    table: str,
    specs: dict[str, RowSpec],
    readings: dict[str, list],
    label_locs: dict,
    joint_check=None,
    warnings: list | None = None,
    unit_hint: str | None = None,
    ranks: dict | None = None,
    competing: dict | None = None,
) -> dict:
    """Pick readings per row (jointly when identities span rows) and emit cells. The
    readings of a row left ambiguous go into `competing` (row address -> the values of
    its differing cells in each reading, at most READINGS_KEPT of them), so that a later
    step (the build, with the publisher's other years) may settle them."""
    flat = ctx.flat
    cells: dict = {}
    chosen_sets: dict[str, list] = {k: list(r) for k, r in readings.items()}
    joint_failed = False
    if joint_check and any(len(r) > 1 for r in readings.values()):
        narrowed = joint_check(chosen_sets)
        if narrowed:
            chosen_sets = narrowed
        else:
            joint_failed = True  # the table does not add up: no tie-breaking by preference
    if ranks and not joint_failed:
        for k, rs in chosen_sets.items():
            if len(rs) > 1:
                top = min(ranks.get(r, ()) for r in rs)
                chosen_sets[k] = [r for r in rs if ranks.get(r, ()) == top]
    for key, spec in specs.items():
        rs = chosen_sets.get(key)
        blank_loc = label_locs.get(key)
        if rs is None:
            continue
        if len(rs) > 1 and ctx.anchors:
            rs = _by_quoted_numbers(rs, table, key, spec.cols, ctx.anchors, warnings)
        if len(rs) == 1:  # the usual case: one reading, nothing to compare
            _one_reading(cells, f"{table}/{key}/" if key else f"{table}/", spec.cols, rs[0], flat, unit_hint, blank_loc)
            continue
        ambiguous = False
        for i, col in enumerate(spec.cols):
            addr = f"{table}/{key}/{col.key}" if key else f"{table}/{col.key}"
            vals = {r[i][0] for r in rs}
            if len(vals) == 1:
                cells[addr] = cell_out(addr, rs[0][i], col, flat, unit_hint, blank_loc)
            else:
                ambiguous = ambiguous or len(vals) > 1
                loc = (
                    flat.loc(next(c[1] for r in rs for c in [r[i]] if c[1] is not None))
                    if any(r[i][1] is not None for r in rs)
                    else blank_loc
                )
                raw = " | ".join(sorted(v or "(blank)" for v in vals))
                cells[addr] = ReportCell(addr, None, raw, "unresolved", loc)
        if ambiguous and warnings is not None:
            warnings.append(
                Warning(
                    "AMBIGUOUS_ROW",
                    f"{table} row {key or 'values'}: {len(rs)} readings fit the template; differing cells left unresolved",
                )
            )
        if ambiguous and competing is not None:
            options = _competing(table, key, spec, rs, flat, unit_hint, blank_loc)
            if options:
                competing[f"{table}/{key}" if key else table] = options
    return cells


READINGS_KEPT = 20  # a row with more readings is not worth settling from other years


def _competing(table: str, key: str, spec: RowSpec, rs: list, flat: Flat, unit_hint, blank_loc) -> list[dict]:
    """The distinct readings of an ambiguous row as {address: value} of its differing cells."""
    differ = [i for i in range(len(spec.cols)) if len({r[i][0] for r in rs}) > 1]
    options: list[dict] = []
    for r in rs:
        o = {}
        for i in differ:
            addr = f"{table}/{key}/{spec.cols[i].key}" if key else f"{table}/{spec.cols[i].key}"
            o[addr] = cell_out(addr, r[i], spec.cols[i], flat, unit_hint, blank_loc).value
        if o not in options:
            options.append(o)
    return options if 1 < len(options) <= READINGS_KEPT else []


def unreadable(table: str, key: str, run: list[Field], n: int) -> Warning:
    chars = sum(len(f.text) for f in run if f.splittable)
    if run and all(f.splittable for f in run) and chars < n:
        return Warning(
            "ROW_TOO_SHORT",
            f"{table} row {key}: {' '.join(f.text for f in run)!r} has fewer digits than its {n} columns: empty cells left no trace",
        )
    if run and not any(f.splittable for f in run) and len(run) < n and any(f.text for f in run):
        return Warning(
            "ROW_TOO_SHORT",
            f"{table} row {key}: {' '.join(f.text or '(blank)' for f in run)!r} has fewer cells than its {n} columns: empty cells left no trace",
        )
    return Warning(
        "ROW_UNREADABLE", f"{table} row {key}: values {' '.join(f.text for f in run)!r} do not fit {n} columns"
    )


def find_anchors(prose: str) -> dict:
    """Numbers the report's prose quotes next to a column's keyword (soft identity 9:
    the text of 一 quotes the tables), e.g. 本年度制发行政规范性文件88件."""
    out: dict = {}
    for col, pat in _anchor_patterns():
        for m in pat.finditer(prose):
            out.setdefault(col, set()).add(float(m.group(1)))
    return out


@cache
def _anchor_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(column key, pattern) of each word prose quotes a table 二 column by (the template
    files' ``quoted_as``), compiled once."""
    return tuple(
        (col, re.compile(loose(w) + r"[^。；;，,\d]{0,14}?(\d+(?:\.\d+)?)\s*(?:件|项|条|个|份)"))
        for col, words in quoted_words().items()
        for w in words
    )


def _by_quoted_numbers(rs: list, table: str, key: str, cols, anchors: dict, warnings: list | None) -> list:
    """Keep the one reading whose anchored columns all match the prose (at least two)."""
    anchored_cols = [i for i, c in enumerate(cols) if c.key in anchors]
    if len(anchored_cols) < 2:
        return rs
    fits = [
        r
        for r in rs
        if all(
            cell_value(r[i][0]) is not None and float(cell_value(r[i][0])) in anchors[cols[i].key]
            for i in anchored_cols
        )
    ]
    if len(fits) == 1:
        if warnings is not None:
            warnings.append(
                Warning(
                    "RESOLVED_BY_TEXT",
                    f"{table} row {key}: of {len(rs)} readings, one matches the numbers the report's text quotes for {', '.join(cols[i].key for i in anchored_cols)}; that one was kept",
                )
            )
        return fits
    return rs


def unresolve(res: TableResult, prefixes: tuple[str, ...], warning: Warning) -> None:
    """State no value in the cells whose addresses start with one of `prefixes`."""
    for a, c in res.cells.items():
        if a.startswith(prefixes) and c.status != "unresolved":
            res.cells[a] = c._replace(value=None, status="unresolved")
    res.readings = {k: v for k, v in res.readings.items() if not (k + "/").startswith(prefixes)}  # nor their readings
    res.warnings.append(warning)


@cache
def national_aliases(section: str) -> dict:
    from .templates import spec

    al = spec()["label_aliases"].get(section, {})
    return {k: v for k, v in al.items() if re.fullmatch(r"[a-z_.]+", v)}
