"""Table 三 (applications and their outcomes) out of a flattened document.

The template's row labels are found in order (with the values blanked out, so that a
label wrapped around its row's values is found whole), each row's values are the runs
between its label and the next (a missing label's row takes the next run in template
order), and each run is read by readings.py. The rows are then narrowed together by the
table's column sums (joint.py) and assembled into cells (tables.resolve_rows). Where
values stand away from every label, or the text is a PDF's in reading order, the rows are
re-aligned by alignment.py or, failing that, stated only if every identity confirms them.
"""

from __future__ import annotations

import re
from functools import cache

from .alignment import align_table3, label_word
from .columns import page_columns, place
from .document import Flat, Warning
from .fields import inside_fields, segment_fields, value_runs
from .identities import evaluate, row_groups
from .joint import t3_joint
from .labels import compile_alternatives, label_number, without_values
from .model import ReportCell
from .readings import Rank, RowSpec, solve_run, valid_for, violations
from .splitting import Field
from .tables import (
    Context,
    Label,
    TableResult,
    cell_out,
    find_labels,
    group_labels,
    national_aliases,
    resolve_rows,
    row_alternatives,
    unreadable,
    unresolve,
)
from .templates import Template, template, variants


@cache
def _t3_label_rows(version: str) -> tuple[tuple[str, re.Pattern, str | None], ...]:
    """(row key, label pattern, row number) of each t3 row of template(version), built
    once per version: the patterns depend only on the template files."""
    tpl = template(version)
    extra = {**variants()["table3_rows"], **national_aliases("table3_rows"), **tpl.label_variants.get("table3_rows", {})}
    rows = []
    for r in tpl.t3_rows:
        alts = row_alternatives(r.key, r.label, extra)
        if r.key == "other.other":
            pat = re.compile(r"(?:[3３]\s*[.．、]|[（(]\s*3\s*[)）])\s*其\s*他(?!\s*(?:法律|处理|对外|组织))")
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
    groups = [gl for gl in group_labels(label_text, start, end, group_pats)]
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
                res.warnings.append(unreadable("t3", tk, run, len(cols)))
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
    res.cells.update(resolve_rows(ctx, "t3", specs, readings, label_locs, joint_check, res.warnings, ranks=ranks,
                                   competing=res.readings))
    if (stray or any(c.status == "unresolved" for c in res.cells.values())) \
            and align_table3(ctx, res, cols, head_runs, extents, cell_out, bool(stray or ctx.reading_order)):
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


def _unresolve_rows(res: TableResult, rows: list[str]) -> None:
    """Rows whose digits were cut while their total is blank stand only if table 三's
    column sums (results, balance) admit them; these did not."""
    unresolve(res, tuple(f"t3/{k}/" for k in rows),
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
    unresolve(res, ("t3/",), Warning("TABLE_UNALIGNED", f"t3: {why} and the identities do not confirm the rows "
                                      "read after the labels; its cells are left unresolved"))


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
