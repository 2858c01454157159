"""Template matcher: the standard tables 二, 三, 四 out of a flattened document.

Works on `Flat` text, so it never knows which reader produced it. For each table it
finds the template's row labels in order, takes the value text between one label and
the next, reads it as cells (splitting run-together digits into every possible
sequence), and keeps only the readings the template's identities allow. A cell is
resolved when all surviving readings agree on it; otherwise it is reported as
"unresolved" with a warning naming the row: a value is never put in a cell by guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .alignment import align_table3, label_word
from .columns import page_columns, place
from .document import Flat, Warning
from .fields import inside_fields, runs_with_values, segment_fields, value_runs
from .identities import evaluate, row_groups, row_inequalities
from .joint import t3_joint
from .labels import (TRAILING_PAREN, compile_alternatives, label_number, loose, loose_core,
                     numbering_before, without_values)
from .model import ReportCell
from .readings import Rank, RowSpec, cell_value, solve_run, valid_for, violations
from .readings import rank_readings, solve_run as _solve_run, valid_for as _valid_for  # noqa: F401 (imported from here by tests and alignment.py)
from .splitting import Cell, Field
from .templates import Column, Template, norm_label, quoted_words, template, variants
from .values import parse_value


@dataclass
class Label:
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
    traced: bool = False  # web text, cells run together: an empty cell is a no-break space or nothing (traces.py)


@dataclass
class TableResult:
    cells: dict = field(default_factory=dict)  # address -> ReportCell
    warnings: list = field(default_factory=list)
    found: bool = False
    readings: dict = field(default_factory=dict)  # ambiguous row -> its competing readings (see _resolve_rows)


# ---------------------------------------------------------------- label search

def _row_alternatives(key: str, label: str, extra: dict) -> tuple[str, ...]:
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
        for _, p2, _n in rows[i + 1:i + 4]:
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
        found[key] = Label(key, s, e)
        cursor = e
    return found


_GROUP_NUMBER = re.compile(r"(?:[（(]\s*[一二三四五六七八九十]\s*[)）]|[一二三四五六七八九十]\s*[、.．])\s*$")


def _group_labels(text: str, start: int, end: int, groups: dict[str, re.Pattern]) -> list[Label]:
    out = []
    for key, pat in groups.items():
        for m in pat.finditer(text, start, end):
            s = m.start()
            pm = _GROUP_NUMBER.search(text[max(start, s - 6):s])
            if pm:
                s = max(start, s - 6) + pm.start()
            out.append(Label(key, s, m.end(), group=True))
    return out


# ---------------------------------------------------------------- assembling a table

def _cell_out(address: str, cell: Cell | None, col: Column, flat: Flat, unit_hint: str | None, blank_loc) -> ReportCell:
    raw, off = cell if cell else ("", None)
    if raw.isascii() and raw.isdigit():  # most cells: parse_value's reading, without its cost
        value, status, found_unit = int(raw), "number", None
    else:
        v = parse_value(raw, signed=col.signed, decimal=col.decimal)
        value, status, found_unit = v.value, v.status, v.unit
    if off is not None:
        loc, cell_start = flat.loc_and_start(off)
        char = off - cell_start
    else:
        loc, char = blank_loc, None
    unit = None
    if col.key in ("procurement_amount", "fee_amount"):
        unit = found_unit or unit_hint or ("万元" if col.key == "fee_amount" else "unknown")
    if isinstance(value, float) and value.is_integer() and not col.decimal and col.key != "procurement_amount":
        value = int(value)
    return ReportCell(address, value, raw, status, loc, unit, char=char, offset=off)


def _resolve_rows(ctx: Context, table: str, specs: dict[str, RowSpec], readings: dict[str, list],
                  label_locs: dict, joint_check=None, warnings: list | None = None,
                  unit_hint: str | None = None, ranks: dict | None = None, competing: dict | None = None) -> dict:
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
        ambiguous = False
        for i, col in enumerate(spec.cols):
            addr = f"{table}/{key}/{col.key}" if key else f"{table}/{col.key}"
            if len(rs) == 1:  # the usual case: one reading, nothing to compare
                cells[addr] = _cell_out(addr, rs[0][i], col, flat, unit_hint, blank_loc)
                continue
            vals = {r[i][0] for r in rs}
            if len(vals) == 1:
                cells[addr] = _cell_out(addr, rs[0][i], col, flat, unit_hint, blank_loc)
            else:
                ambiguous = ambiguous or len(vals) > 1
                loc = flat.loc(next(c[1] for r in rs for c in [r[i]] if c[1] is not None)) if any(r[i][1] is not None for r in rs) else blank_loc
                raw = " | ".join(sorted(v or "(blank)" for v in vals))
                cells[addr] = ReportCell(addr, None, raw, "unresolved", loc)
        if ambiguous and warnings is not None:
            warnings.append(Warning("AMBIGUOUS_ROW", f"{table} row {key or 'values'}: {len(rs)} readings fit the template; differing cells left unresolved"))
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
            o[addr] = _cell_out(addr, r[i], spec.cols[i], flat, unit_hint, blank_loc).value
        if o not in options:
            options.append(o)
    return options if 1 < len(options) <= READINGS_KEPT else []


def _unreadable(table: str, key: str, run: list[Field], n: int) -> Warning:
    chars = sum(len(f.text) for f in run if f.splittable)
    if run and all(f.splittable for f in run) and chars < n:
        return Warning("ROW_TOO_SHORT", f"{table} row {key}: {' '.join(f.text for f in run)!r} has fewer digits than its {n} columns: empty cells left no trace")
    if run and not any(f.splittable for f in run) and len(run) < n and any(f.text for f in run):
        return Warning("ROW_TOO_SHORT", f"{table} row {key}: {' '.join(f.text or '(blank)' for f in run)!r} has fewer cells than its {n} columns: empty cells left no trace")
    return Warning("ROW_UNREADABLE", f"{table} row {key}: values {' '.join(f.text for f in run)!r} do not fit {n} columns")


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
    return tuple((col, re.compile(loose(w) + r"[^。；;，,\d]{0,14}?(\d+(?:\.\d+)?)\s*(?:件|项|条|个|份)"))
                 for col, words in quoted_words().items() for w in words)


def _by_quoted_numbers(rs: list, table: str, key: str, cols, anchors: dict, warnings: list | None) -> list:
    """Keep the one reading whose anchored columns all match the prose (at least two)."""
    anchored_cols = [i for i, c in enumerate(cols) if c.key in anchors]
    if len(anchored_cols) < 2:
        return rs
    fits = [r for r in rs if all(cell_value(r[i][0]) is not None and float(cell_value(r[i][0])) in anchors[cols[i].key]
                                 for i in anchored_cols)]
    if len(fits) == 1:
        if warnings is not None:
            warnings.append(Warning("RESOLVED_BY_TEXT", f"{table} row {key}: of {len(rs)} readings, one matches the numbers the report's text quotes for {', '.join(cols[i].key for i in anchored_cols)}; that one was kept"))
        return fits
    return rs


def _by_position(ctx: Context, pages: list, spec: RowSpec, run: list[Field], ranks: dict) -> list:
    """[the reading that the columns' positions give a row with vanished cells]
    (`pages`: columns.page_columns of pdftotext -layout text), where its values stand
    one per column and the row's own sums do not fail; else []."""
    if not (pages and ctx.vanish) or len(run) >= len(spec.cols):
        return []  # (only once the report is known to lose empty cells: BLANKS_VANISHED)
    r = place(ctx.flat.text, run, pages, len(spec.cols))
    if r is None or not all(valid_for(spec.cols)(i, c[0]) for i, c in enumerate(r)):
        return []
    rank = violations(spec, r)
    if rank.negative or rank.violated:
        return []
    ranks[r] = rank
    return [r]


# ---------------------------------------------------------------- table 三

@cache
def _t3_label_rows(version: str) -> tuple[tuple[str, re.Pattern, str | None], ...]:
    """(row key, label pattern, row number) of each t3 row of template(version), built
    once per version: the patterns depend only on the template files."""
    tpl = template(version)
    extra = {**variants()["table3_rows"], **_national_aliases("table3_rows"), **tpl.label_variants.get("table3_rows", {})}
    rows = []
    for r in tpl.t3_rows:
        alts = _row_alternatives(r.key, r.label, extra)
        if r.key == "other.other":
            pat = re.compile(rf"(?:[3３]\s*[.．、]|[（(]\s*3\s*[)）])\s*其\s*他(?!\s*(?:法律|处理|对外|组织))")
            rows.append((r.key, pat, None))
            continue
        if r.key == "results_total":
            # bare 总计 is also a column header: without its numbering it must be followed by a value
            pat = re.compile(r"[（(]\s*七\s*[)）]\s*(?:总\s*计|合\s*计)|(?:总\s*计|合\s*计)(?=[\s|]*[0-9０-９])")
            rows.append((r.key, pat, None))
            continue
        if r.key == "other":  # a printed row where the template has no sub-rows (2019)
            alts = ("其他处理",)
        rows.append((r.key, compile_alternatives(alts), label_number(r.label)))
    return tuple(rows)


@cache
def _t3_group_patterns(version: str) -> dict[str, re.Pattern]:
    """Group row key -> label pattern (（二）不予公开 …) for template(version); not for a key
    the template prints as a row of its own (2019's （六）其他处理)."""
    rows = {r.key for r in template(version).t3_rows}
    return {k: compile_alternatives((lab,)) for lab, k in variants()["table3_groups"].items() if k not in rows}


_NO_FAULT = Rank(0, 0, 0, 0, 0, 0)  # the rank of a reading none was kept for (a row with no values)


def extract_t3(ctx: Context, start: int, end: int) -> TableResult:
    flat, tpl, vanish = ctx.flat, ctx.tpl, ctx.vanish
    res = TableResult()
    text = flat.text
    # labels are searched with the values blanked out, so that a label wrapped around
    # its row's values is found whole (its extent then holds them)
    label_text = _label_text(flat)
    found = find_labels(label_text, start, end, list(_t3_label_rows(tpl.version)))
    if len(found) < 3:
        return res
    res.found = True
    group_pats = _t3_group_patterns(tpl.version)
    groups = [gl for gl in _group_labels(label_text, start, end, group_pats)]
    labels = sorted(list(found.values()) + groups, key=lambda l: l.start)
    # drop group matches that overlap row labels (e.g. 不予公开 inside another label)
    clean: list[Label] = []
    for l in labels:
        if clean and l.start < clean[-1].end:
            if l.group:
                continue
            if clean[-1].group:
                clean.pop()
        clean.append(l)
    labels = clean
    cols = tpl.t3_columns
    g = row_groups(tpl.version, "t3")  # the row identity: 总计 = the applicant columns
    specs = {r.key: RowSpec(r.key, cols, g) for r in tpl.t3_rows}
    readings: dict[str, list] = {}
    ranks: dict = {}
    label_locs = {}
    order = [r.key for r in tpl.t3_rows]
    missing_after: dict[str, list[str]] = {}
    # runs of values no row label precedes: before the first label, or more in a segment
    # than the rows it can hold
    head_runs = value_runs(segment_fields(flat, start, labels[0].start, labels[0].start), flat) if labels else []
    stray = len([r for r in head_runs if any(f.text for f in r)])
    extents = []  # (label, its value runs) in text order, for alignment.align_table3
    positions = page_columns(text, start, end, len(cols)) if ctx.layout else []
    prev = None
    for k in order:
        if k in found:
            prev = k
        elif prev is not None:
            missing_after.setdefault(prev, []).append(k)
    for i, lab in enumerate(labels):
        nxt = labels[i + 1].start if i + 1 < len(labels) else end
        fields = segment_fields(flat, lab.end, nxt, labels[i + 1].start if i + 1 < len(labels) else None)
        runs = value_runs(inside_fields(flat, lab.start, lab.end), flat) + value_runs(fields, flat)
        extents.append((lab, runs))
        if lab.group:
            key = lab.key
            if key not in tpl.t3_derived:
                continue
            lone_other = key == "other" and not any(k in found for k in tpl.t3_derived.get("other", ()))
            if not runs or (all(f.text == "" for f in runs[0]) and not lone_other):
                continue
            spec = RowSpec(key, cols, g)
            rs, _ = solve_run(spec, runs[0], vanish, ranks, ctx.spaced, ctx.traced)
            if rs:
                specs[key] = spec
                readings[key] = rs
                label_locs[key] = flat.loc(lab.start)
                if key == "other":
                    res.warnings.append(Warning("GROUP_ROW_ONLY", "t3: the report prints one （六）其他处理 row; its values are t3/other/*, the three sub-rows are absent"))
                else:
                    res.warnings.append(Warning("SUBTOTAL_ROW", f"t3: the report prints a subtotal row for group {key}; kept as t3/{key}/*, not added into identities twice"))
            continue
        key = lab.key
        label_locs[key] = flat.loc(lab.start)
        sub = next((j for j, f in enumerate(fields) if "小计" in f.text.replace(" ", "")), None)
        group = key.split(".")[0] if "." in key else None
        if sub is not None and group in tpl.t3_derived and group not in readings:
            # a 小计 row the reporter added under a group: its values are the group's, kept apart
            sub_runs = value_runs(fields[sub + 1:], flat)
            runs = value_runs(fields[:sub], flat)
            rs, _ = solve_run(RowSpec(group, cols, g), sub_runs[0], vanish, ranks, ctx.spaced, ctx.traced) if sub_runs else ([], None)
            if rs:
                specs[group] = RowSpec(group, cols, g)
                readings[group] = rs
                label_locs[group] = flat.loc(fields[sub].offset)
                res.warnings.append(Warning("SUBTOTAL_ROW", f"t3: the report prints a 小计 row for group {group}; kept as t3/{group}/*, not added into identities twice"))
        targets = [key] + missing_after.get(key, [])
        if not runs:
            readings[key] = [tuple(("", None) for _ in cols)]
            continue
        stray += sum(1 for r in runs[len(targets):] if any(f.text for f in r) and not label_word(r, len(cols)))
        if len(runs) > 1 and len(runs) <= len(targets):
            res.warnings.append(Warning("ROWS_BY_ORDER", f"t3: rows {', '.join(targets[1:len(runs)])} have no readable label; their values were taken in template order"))
        for tk, run in zip(targets, runs):
            rs = _by_position(ctx, positions, specs[tk], run, ranks)
            if not rs:
                rs, _ = solve_run(specs[tk], run, vanish, ranks, ctx.spaced, ctx.traced)
            if rs:
                readings[tk] = rs
                label_locs.setdefault(tk, flat.loc(run[0].offset))
            else:
                res.warnings.append(_unreadable("t3", tk, run, len(cols)))
                readings[tk] = []
                stray += sum(1 for f in run if f.text) > len(cols)  # values of several rows in one run
    # a group row printed alone (one （六） row in a 2021 report): its parts are absent, not blank
    for group in tpl.printed_alone & readings.keys():
        for k in tpl.t3_derived[group]:
            if k not in found:
                readings.pop(k, None)
                specs.pop(k, None)
    for k in list(specs):
        if k not in readings or not readings[k]:
            readings.pop(k, None)
            if k in specs and k not in tpl.t3_derived:
                res.warnings.append(Warning("ROW_NOT_FOUND", f"t3 row {k}: label or values not found; its cells are unresolved"))
                for c in cols:
                    a = f"t3/{k}/{c.key}"
                    res.cells[a] = ReportCell(a, None, "", "unresolved", flat.loc(start))
            specs.pop(k, None)
    if ctx.layout:
        # pdftotext -layout prints an empty cell as spaces: where cells vanished, a blank
        # 总计 (component rows may leave it blank) is as likely as a filled one, so a
        # reading with a verified total is not preferred to one with a blank total.
        # (Elsewhere the preference stays: most reports print every total.)
        for r, k in ranks.items():
            if k.vanished:
                ranks[r] = k._replace(unverifiable=0)
    joint, admitted = t3_joint(tpl, cols), {}

    def joint_check(sets):  # the table's column sums, noting whether they admitted the readings
        narrowed = joint(sets)
        admitted["all"] = narrowed is not None
        return narrowed
    res.cells.update(_resolve_rows(ctx, "t3", specs, readings, label_locs, joint_check, res.warnings, ranks=ranks,
                                   competing=res.readings))
    if (stray or any(c.status == "unresolved" for c in res.cells.values())) \
            and align_table3(ctx, res, cols, head_runs, extents, _cell_out, bool(stray or ctx.reading_order)):
        stray = 0  # every value row has its label
    if stray or ctx.reading_order:
        _distrust_unaligned(tpl, res, stray)
    unconfirmed = [k for k, rs in readings.items() if rs and all(ranks.get(r, _NO_FAULT).unconfirmed for r in rs)]
    if unconfirmed:
        if "all" not in admitted:  # every row had one reading: the sums were not asked yet
            joint_check({k: rs for k, rs in readings.items() if rs})
        if not admitted["all"]:
            _unresolve_rows(res, unconfirmed)
    return res


_label_texts: dict[int, tuple[Flat, str]] = {}


def _label_text(flat: Flat) -> str:
    """without_values(flat.text), worked out once per document (tables 二 and 三 ask)."""
    hit = _label_texts.get(id(flat))
    if hit is None or hit[0] is not flat:
        _label_texts.clear()
        hit = _label_texts[id(flat)] = (flat, without_values(flat.text))
    return hit[1]


def _unresolve(res: TableResult, prefixes: tuple[str, ...], warning: Warning) -> None:
    """State no value in the cells whose addresses start with one of `prefixes`."""
    for a, c in res.cells.items():
        if a.startswith(prefixes) and c.status != "unresolved":
            res.cells[a] = c._replace(value=None, status="unresolved")
    res.readings = {k: v for k, v in res.readings.items() if not (k + "/").startswith(prefixes)}  # nor their readings
    res.warnings.append(warning)


def _unresolve_rows(res: TableResult, rows: list[str]) -> None:
    """Rows whose digits were cut while their total is blank stand only if table 三's
    column sums (results, balance) admit them; these did not."""
    _unresolve(res, tuple(f"t3/{k}/" for k in rows),
               Warning("AMBIGUOUS_ROW", f"t3 rows {', '.join(rows)}: their digits had to be cut while their total "
                       "is blank, and the table's column sums do not admit the cut; their cells are left unresolved"))


def _distrust_unaligned(tpl: Template, res: TableResult, stray: int) -> None:
    """Values stood where no row label precedes them: PDF-to-text tools print a wrapped
    label's values between its lines or before it, some print the table column by
    column. Each row was read from the values after its label, so a row may hold the
    next row's values or look empty while its values are elsewhere. The reading stands
    only if every identity of table 三 then holds (and none is left unverifiable);
    otherwise no cell of the table is stated."""
    t3 = {i.id for i in tpl.identities if i.table == "table3"}
    hard = [c for c in evaluate(tpl, list(res.cells.values())) if c.hard and c.id in t3]
    if hard and all(c.ok for c in hard):
        return
    why = (f"{stray} run(s) of values stand where no row label precedes them" if stray else
           "the text is a PDF's text in reading order, where a table may come out column by column,")
    _unresolve(res, ("t3/",), Warning("TABLE_UNALIGNED", f"t3: {why} and the identities do not confirm the rows "
                                      "read after the labels; its cells are left unresolved"))


@cache
def _national_aliases(section: str) -> dict:
    from .templates import spec
    al = spec()["label_aliases"].get(section, {})
    return {k: v for k, v in al.items() if re.fullmatch(r"[a-z_.]+", v)}


@cache
def _t2_label_rows(version: str, block: str) -> tuple[tuple[str, re.Pattern, None], ...]:
    """(row key, label pattern, None) of each row of a table 二 block, built once."""
    tpl = template(version)
    extra = {**variants()["table2_rows"], **_national_aliases("table2"), **tpl.label_variants.get("table2_rows", {})}
    b = tpl.block(block)
    return tuple((r.key, compile_alternatives(_row_alternatives(r.key, r.label, extra)), None) for r in b.rows)


# ---------------------------------------------------------------- table 四

@cache
def _t4_header() -> re.Pattern:
    return re.compile(loose("行政复议") + "|" + loose("行政诉讼") + "|" + loose("尚未审结") + "|" + loose("复议后起诉"))


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
    flat_cols = tuple(Column(f"{r.key}/{c.key}", c.label, c.unit) for r in tpl.t4_rows for c in cols4)
    n5 = len(cols4)
    # the row identity in each of the groups printed side by side (总计 = its four results)
    groups = tuple((gi * n5 + t, tuple(gi * n5 + i for i in parts))
                   for gi in range(len(tpl.t4_rows)) for t, parts in row_groups(tpl.version, "t4"))
    spec = RowSpec("", flat_cols, groups)
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
        if rs and strict and (any((top.negative, top.violated, top.soft, top.unverifiable, top.vanished)) or all(cell_value(c[0]) in (0, None) for r in rs for c in r)):
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
    cells = _resolve_rows(ctx, "t4", {"": spec}, {"": chosen}, {"": flat.loc(hm[-1].start())}, None, res.warnings,
                          competing=res.readings)
    res.cells.update(cells)
    return res


# ---------------------------------------------------------------- table 二

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
        _unresolve(res, tuple(f"t2/{rk}/" for rk in empty),
                   Warning("TABLE_UNALIGNED", f"t2: {stray} run(s) of values stand where no row label precedes "
                           f"them; rows {', '.join(empty)} print no value, or several rows' values, after their "
                           "label and are left unresolved"))
    return res


def _read_t2_block(ctx: Context, res: TableResult, b, m: re.Match, bend: int, found: dict, above) -> tuple[int, list]:
    """Read one block of table 二 into `res`; returns the number of value runs that no row
    label precedes and the rows whose values are in doubt when such runs exist: read as
    blank because no value follows their label, or, beside such a row, followed by
    several rows' values."""
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
    runs_of = {}
    for j, lab in enumerate(labels):
        nxt = labels[j + 1].start if j + 1 < len(labels) else bend
        fields = segment_fields(flat, lab.end, nxt, labels[j + 1].start if j + 1 < len(labels) else None)
        rk = f"{bkey}.{lab.key}"
        specs[rk] = RowSpec(rk, b.columns, (), le)
        locs[rk] = flat.loc(lab.start)
        runs_of[rk] = value_runs(fields, flat)
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
        if not runs:
            readings[rk] = [tuple(("", None) for _ in b.columns)]
            empty_rows.append(rk)
            continue
        rs, top = solve_run(spec, runs[0], vanish, spaced=ctx.spaced, traced=ctx.traced)
        if not rs:
            res.warnings.append(_unreadable("t2", rk, runs[0], len(b.columns)))
            readings[rk] = []
        else:
            readings[rk] = rs
    for r in b.rows:
        rk = f"{bkey}.{r.key}"
        if rk not in readings or not readings[rk]:
            specs.pop(rk, None)
            readings.pop(rk, None)
            res.warnings.append(Warning("ROW_NOT_FOUND", f"t2 row {rk}: label or values not found; its cells are unresolved"))
            for c in b.columns:
                a = f"t2/{rk}/{c.key}"
                res.cells[a] = ReportCell(a, None, "", "unresolved", flat.loc(m.start()))
    res.cells.update(_resolve_rows(ctx, "t2", specs, readings, locs, None, res.warnings, unit_hint,
                                   competing=res.readings))
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
    heads = {b.key: tuple(norm_label(TRAILING_PAREN.sub("", c.label)) for c in b.columns)
             for b in template(version).table2}
    return tuple((k, re.compile(r"(?:\s|[|｜])*".join(loose(c) for c in cols))) for k, cols in heads.items()
                 if not any(o[:len(cols)] == cols for j, o in heads.items() if j != k))


def _displaced_readings(ctx: Context, res: TableResult, b, specs: dict, runs_of: dict, above: tuple) -> dict:
    """Readings of rows that print one value fewer than the block has columns while the
    same number of values — one per row, in row order — stand under the caption, away
    from the table (PDF-to-text tools pull out a cell that wraps onto several lines,
    typically a number with a note such as （含自然失效 29 件）). The pulled-out values
    fill one column, the same in every row; the columns a note's words name (失效 ->
    repealed) and the block's inequalities narrow which. Rows whose readings still
    differ are left to _resolve_rows, which leaves differing cells unresolved."""
    text = ctx.flat.text
    a, z = above
    bare = _NOTE.sub(lambda n: " " * len(n.group(0)), text[a:z])
    numbers = list(_LONE_NUMBER.finditer(bare))
    n = len(b.columns)
    rows = list(runs_of)
    if not numbers or len(numbers) != len(rows) or re.sub(r"[\s|｜]", "", _LONE_NUMBER.sub("", bare)):
        return {}
    if any(not r or len(r[0]) != n - 1 or len(r) > 1 or any(f.splittable or not f.text for f in r[0])
           for r in runs_of.values()):
        return {}
    named, naming = set(range(n)), []
    for i, num in enumerate(numbers):
        note = text[a + num.end():a + (numbers[i + 1].start() if i + 1 < len(numbers) else len(bare))]
        cols = {j for j, c in enumerate(b.columns) for w in quoted_words().get(c.key, ()) if loose_core(w) in loose_core(note)}
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
            if not all(valid(j, t) for j, (t, _) in enumerate(cells)) or \
                    any(vals[p] > vals[q] for p, q in specs[rk].le if vals[p] is not None and vals[q] is not None):
                break
            filled[rk] = tuple(cells)
        else:
            fits[col] = filled
    if not fits:
        return {}
    where = ", ".join(b.columns[c].key for c in fits)
    res.warnings.append(Warning("DISPLACED_CELLS", f"t2 block {b.key}: its rows print {n - 1} values for {n} columns and {len(rows)} values stand under the caption, away from the table; they fill column {where}"
                                + (f" (named by the note {'、'.join(naming)})" if naming else "")
                                + ("" if len(fits) == 1 else " (undecided: differing cells left unresolved)")))
    return {rk: [f[rk] for f in fits.values()] for rk in rows}
