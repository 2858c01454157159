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
from dataclasses import dataclass, field
from functools import cache

from .alignment import align_table3, label_word, run_at, undecided_blank_rows
from .columns import page_columns, place
from .document import Warning
from .fields import inside_fields, segment_fields, value_runs
from .identities import evaluate, row_groups
from .joint import t3_joint
from .labels import compile_alternatives, label_number, without_values
from .model import ReportCell
from .readings import Rank, Reading, RowSpec, solve_run, valid_for, violations
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
from .templates import Column, Template, template, variants


@cache
def _t3_label_rows(version: str) -> tuple[tuple[str, re.Pattern, str | None], ...]:
    """(row key, label pattern, row number) of each t3 row of template(version), built
    once per version: the patterns depend only on the template files."""
    tpl = template(version)
    extra = {
        **variants()["table3_rows"],
        **national_aliases("table3_rows"),
        **tpl.label_variants.get("table3_rows", {}),
    }
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


@cache
def _t3_specs(version: str) -> dict[str, RowSpec]:
    """The RowSpec of each t3 row of template(version), built once per version: a table
    reads its rows' specs and never changes one (it copies this dict to add or drop rows)."""
    tpl = template(version)
    cols, g = tpl.t3_columns, row_groups(version, "t3")
    return {r.key: RowSpec(r.key, cols, g) for r in tpl.t3_rows}


_NO_FAULT = Rank(0, 0, 0, 0, 0, 0)  # the rank of a reading none was kept for (a row with no values)


def extract_t3(ctx: Context, start: int, end: int) -> TableResult:
    res = TableResult()
    # labels are searched with the values blanked out, so that a label wrapped around
    # its row's values is found whole (its extent then holds them)
    label_text = label_text_between(ctx.flat.text, start, end)
    found = find_labels(label_text, start, end, list(_t3_label_rows(ctx.tpl.version)))
    if len(found) < 3:
        return res
    res.found = True
    labels = _labels_in_order(label_text, start, end, ctx.tpl.version, found)
    t3 = _Table3.of(ctx, res)
    # runs of values no row label precedes: before the first label, or more in a segment
    # than the rows it can hold
    head_runs = (
        value_runs(segment_fields(ctx.flat, start, labels[0].start, labels[0].start), ctx.flat) if labels else []
    )
    t3.stray = len([r for r in head_runs if any(f.text for f in r)])
    extents = _read_rows(t3, labels, found, start, end)
    _drop_unread(t3, found, start)
    _settle(t3, head_runs, extents)
    return res


@dataclass(slots=True)
class _Table3:
    """Table 三 as it is read: each row's spec, its kept readings (with their ranks, for
    the whole table to choose among) and where its label stands, and how many runs of
    values stand where no row label precedes them (`stray`)."""

    ctx: Context
    res: TableResult
    cols: tuple[Column, ...]
    groups: tuple  # the row identity: 总计 = the applicant columns
    specs: dict[str, RowSpec]
    readings: dict[str, list[Reading]] = field(default_factory=dict)
    ranks: dict[Reading, Rank] = field(default_factory=dict)
    locs: dict = field(default_factory=dict)
    stray: int = 0
    sequence: list = field(default_factory=list)  # (row or None, [RunAt]) per label in text order

    @classmethod
    def of(cls, ctx: Context, res: TableResult) -> _Table3:
        tpl = ctx.tpl
        cols, g = tpl.t3_columns, row_groups(tpl.version, "t3")
        return cls(ctx, res, cols, g, dict(_t3_specs(tpl.version)))

    def spec(self, key: str) -> RowSpec:
        return RowSpec(key, self.cols, self.groups)

    def solve(self, spec: RowSpec, run: list[Field]) -> list[Reading]:
        """The readings of `run` the row's own arithmetic admits (their ranks kept)."""
        ctx = self.ctx
        return solve_run(spec, run, ctx.vanish, self.ranks, ctx.spaced, ctx.traced).readings

    def keep(self, key: str, spec: RowSpec, rs: list[Reading], loc) -> None:
        self.specs[key] = spec
        self.readings[key] = rs
        self.locs[key] = loc

    def note(self, lab: Label, row: str | None, runs: list, rows: list[str], placed: set) -> None:
        """Where the runs after `lab` stand to it, for alignment.undecided_blank_rows (`row`:
        the label's row, None for a group label; `rows`: the rows read from its runs)."""
        text, n = self.ctx.flat.text, len(self.cols)
        self.sequence.append(
            (
                row,
                [
                    run_at(text, lab.end, r, rk, r[0].offset in placed)
                    for r, rk in zip(runs, rows + [None] * len(runs))
                    if not label_word(r, n)
                ],
            )
        )


def _labels_in_order(label_text: str, start: int, end: int, version: str, found: dict[str, Label]) -> list[Label]:
    """The row labels found and the group labels (（二）不予公开 …) in text order, less the
    group matches that overlap row labels (e.g. 不予公开 inside another label)."""
    groups = group_labels(label_text, start, end, _t3_group_patterns(version))
    labels = sorted(list(found.values()) + groups, key=lambda l: l.start)
    clean: list[Label] = []
    for l in labels:
        if clean and l.start < clean[-1].end:
            if l.group:
                continue
            if clean[-1].group:
                clean.pop()
        clean.append(l)
    return clean


def _missing_after(tpl: Template, found: dict[str, Label]) -> dict[str, list[str]]:
    """Rows whose label was not found, by the found row before them: their values are
    the runs after that row's own, in template order."""
    out: dict[str, list[str]] = {}
    prev = None
    for r in tpl.t3_rows:
        if r.key in found:
            prev = r.key
        elif prev is not None:
            out.setdefault(prev, []).append(r.key)
    return out


def _read_rows(t3: _Table3, labels: list[Label], found: dict[str, Label], start: int, end: int) -> list:
    """Read the rows after each label; returns (label, its value runs) in text order, for
    alignment.align_table3."""
    flat = t3.ctx.flat
    missing_after = _missing_after(t3.ctx.tpl, found)
    positions = page_columns(flat.text, start, end, len(t3.cols)) if t3.ctx.layout else []
    extents = []
    for i, lab in enumerate(labels):
        nxt = labels[i + 1].start if i + 1 < len(labels) else None
        fields = segment_fields(flat, lab.end, end if nxt is None else nxt, nxt)
        inside = inside_fields(flat, lab.start, lab.end)
        runs = (value_runs(inside, flat) if inside else []) + value_runs(fields, flat)
        extents.append((lab, runs))
        if lab.group:
            _read_group_row(t3, lab, runs, found)
        else:
            _read_row(t3, lab, fields, runs, [lab.key] + missing_after.get(lab.key, []), positions)
    return extents


def _read_group_row(t3: _Table3, lab: Label, runs: list, found: dict[str, Label]) -> None:
    """A group's own row (a subtotal, or 2021's （六）其他处理 printed alone), kept apart
    from its parts so that it is not added into the identities twice."""
    key, derived = lab.key, t3.ctx.tpl.t3_derived
    if key not in derived:
        t3.note(lab, None, runs, [], set())
        return
    lone_other = key == "other" and not any(k in found for k in derived.get("other", ()))
    alone = key if lone_other else None  # a row label: the one （六） row stands for its parts
    if not runs or (all(f.text == "" for f in runs[0]) and not lone_other):
        t3.note(lab, alone, runs, [], set())
        return
    spec = t3.spec(key)
    rs = t3.solve(spec, runs[0])
    t3.note(lab, alone, runs, [key] if rs else [], set())
    if not rs:
        return
    t3.keep(key, spec, rs, t3.ctx.flat.loc(lab.start))
    if key == "other":
        t3.res.warnings.append(
            Warning(
                "GROUP_ROW_ONLY",
                "t3: the report prints one （六）其他处理 row; its values are t3/other/*, the three sub-rows are absent",
            )
        )
    else:
        t3.res.warnings.append(
            Warning(
                "SUBTOTAL_ROW",
                f"t3: the report prints a subtotal row for group {key}; kept as t3/{key}/*, not added into identities twice",
            )
        )


def _read_row(t3: _Table3, lab: Label, fields: list[Field], runs: list, targets: list[str], positions: list) -> None:
    """The rows `targets` (the label's own, then those whose labels are missing) from the
    runs after the label, in order."""
    key, flat, n = lab.key, t3.ctx.flat, len(t3.cols)
    t3.locs[key] = flat.loc(lab.start)
    runs = _read_subtotal(t3, key, fields, runs)
    if not runs:
        t3.readings[key] = [tuple(("", None) for _ in t3.cols)]
        t3.note(lab, key, [], [], set())
        return
    t3.stray += sum(1 for r in runs[len(targets) :] if any(f.text for f in r) and not label_word(r, n))
    if len(runs) > 1 and len(runs) <= len(targets):
        t3.res.warnings.append(
            Warning(
                "ROWS_BY_ORDER",
                f"t3: rows {', '.join(targets[1 : len(runs)])} have no readable label; their values were taken in template order",
            )
        )
    placed = set()
    for tk, run in zip(targets, runs):
        rs = _by_position(t3.ctx, positions, t3.specs[tk], run, t3.ranks)
        if rs:
            placed.add(run[0].offset)
        else:
            rs = t3.solve(t3.specs[tk], run)
        if rs:
            t3.readings[tk] = rs
            t3.locs.setdefault(tk, flat.loc(run[0].offset))
        else:
            t3.res.warnings.append(unreadable("t3", tk, run, n))
            t3.readings[tk] = []
            t3.stray += sum(1 for f in run if f.text) > n  # values of several rows in one run
    t3.note(lab, key, runs, targets, placed)


def _read_subtotal(t3: _Table3, key: str, fields: list[Field], runs: list) -> list:
    """A 小计 row the reporter added under a group: its values are the group's, kept
    apart. Returns the row's own runs (those before 小计)."""
    sub = next((j for j, f in enumerate(fields) if "计" in f.text and "小计" in f.text.replace(" ", "")), None)
    group = key.split(".")[0] if "." in key else None
    if sub is None or group not in t3.ctx.tpl.t3_derived or group in t3.readings:
        return runs
    flat = t3.ctx.flat
    sub_runs = value_runs(fields[sub + 1 :], flat)
    spec = t3.spec(group)
    rs = t3.solve(spec, sub_runs[0]) if sub_runs else []
    if rs:
        t3.keep(group, spec, rs, flat.loc(fields[sub].offset))
        t3.res.warnings.append(
            Warning(
                "SUBTOTAL_ROW",
                f"t3: the report prints a 小计 row for group {group}; kept as t3/{group}/*, not added into identities twice",
            )
        )
    return value_runs(fields[:sub], flat)


def _drop_unread(t3: _Table3, found: dict[str, Label], start: int) -> None:
    """Rows with no readings leave the table; a row of the template that was not read is
    stated unresolved, and the parts of a group row printed alone are absent."""
    tpl, readings, specs = t3.ctx.tpl, t3.readings, t3.specs
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
                t3.res.warnings.append(
                    Warning("ROW_NOT_FOUND", f"t3 row {k}: label or values not found; its cells are unresolved")
                )
                for c in t3.cols:
                    a = f"t3/{k}/{c.key}"
                    t3.res.cells[a] = ReportCell(a, None, "", "unresolved", t3.ctx.flat.loc(start))
            specs.pop(k, None)


class _JointCheck:
    """The table's column sums (joint.py) as resolve_rows asks them, noting whether they
    admitted the readings (None: not asked)."""

    __slots__ = ("narrow", "admitted")

    def __init__(self, tpl: Template, cols: tuple[Column, ...]) -> None:
        self.narrow = t3_joint(tpl, cols)
        self.admitted: bool | None = None

    def __call__(self, sets: dict) -> dict | None:
        narrowed = self.narrow(sets)
        self.admitted = narrowed is not None
        return narrowed


def _settle(t3: _Table3, head_runs: list, extents: list) -> None:
    """The table's cells from the rows' readings: narrowed by the column sums, assembled,
    re-aligned where values stand away from their labels, and left unresolved where
    nothing confirms the rows."""
    ctx, res, tpl, ranks = t3.ctx, t3.res, t3.ctx.tpl, t3.ranks
    if ctx.layout:
        # pdftotext -layout prints an empty cell as spaces: where cells vanished, a blank
        # 总计 (component rows may leave it blank) is as likely as a filled one, so a
        # reading with a verified total is not preferred to one with a blank total.
        # (Elsewhere the preference stays: most reports print every total.)
        for r, k in ranks.items():
            if k.vanished:
                ranks[r] = k._replace(unverifiable=0)
    joint_check = _JointCheck(tpl, t3.cols)
    res.cells.update(
        resolve_rows(
            ctx, "t3", t3.specs, t3.readings, t3.locs, joint_check, res.warnings, ranks=ranks, competing=res.readings
        )
    )
    _doubt_blank_rows(t3)
    stray = t3.stray
    if (stray or any(c.status == "unresolved" for c in res.cells.values())) and align_table3(
        ctx, res, t3.cols, head_runs, extents, cell_out, bool(stray or ctx.reading_order)
    ):
        stray = 0  # every value row has its label
    if stray or ctx.reading_order:
        _distrust_unaligned(tpl, res, stray)
    readings = t3.readings
    unconfirmed = [k for k, rs in readings.items() if rs and all(ranks.get(r, _NO_FAULT).unconfirmed for r in rs)]
    if unconfirmed:
        if joint_check.admitted is None:  # every row had one reading: the sums were not asked yet
            joint_check({k: rs for k, rs in readings.items() if rs})
        if not joint_check.admitted:
            _unresolve_rows(res, unconfirmed)


def _doubt_blank_rows(t3: _Table3) -> None:
    """Rows read blank because no value follows their label, where value rows stand apart
    from their labels, and the rows read from the values beside them: unresolved
    (alignment.undecided_blank_rows), until the alignment places them."""
    blank, apart = undecided_blank_rows(t3.sequence, t3.stray)
    if blank:
        unresolve(
            t3.res,
            tuple(f"t3/{k}/" for k in blank + apart),
            Warning(
                "TABLE_UNALIGNED",
                f"t3: rows {', '.join(blank)} print no value after their label while value rows of "
                "the table stand apart from their labels: their values may stand elsewhere, so they are not read as "
                "blank"
                + (f"; rows {', '.join(apart)}, read from values beside them, may hold theirs" if apart else "")
                + "; their cells are left unresolved",
            ),
        )


LABEL_LOOKBACK = 8  # characters before a label's match that numbering_before reads


def label_text_between(text: str, start: int, end: int) -> str:
    """without_values(text) where table 三's labels are searched: from a little before
    `start` (numbering_before reads up to LABEL_LOOKBACK characters before a label) to
    `end` (the label patterns never read past it); elsewhere, where nothing reads it, the
    text keeps its values. (The table is about a third of a report: blanking only there
    saves most of a pass of LONE_VALUE over the whole text.)

    The stretch blanked is whole lines: it begins after a line break (or at the text's
    start) and ends at one (or at its end). A lone value holds no whitespace, so none
    crosses those ends, and LONE_VALUE's look-arounds see whitespace, or the text's ends,
    at them either way: the stretch is blanked exactly as in without_values of the whole
    text (a test compares both)."""
    lo = text.rfind("\n", 0, max(start - LABEL_LOOKBACK, 0)) + 1  # (0 where no line break precedes)
    hi = text.find("\n", min(end, len(text)))
    if hi < 0:
        hi = len(text)
    return text[:lo] + without_values(text[lo:hi]) + text[hi:]


def _unresolve_rows(res: TableResult, rows: list[str]) -> None:
    """Rows whose digits were cut while their total is blank stand only if table 三's
    column sums (results, balance) admit them; these did not."""
    unresolve(
        res,
        tuple(f"t3/{k}/" for k in rows),
        Warning(
            "AMBIGUOUS_ROW",
            f"t3 rows {', '.join(rows)}: their digits had to be cut while their total "
            "is blank, and the table's column sums do not admit the cut; their cells are left unresolved",
        ),
    )


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
    why = (
        f"{stray} run(s) of values stand where no row label precedes them"
        if stray
        else "the text is a PDF's text in reading order, where a table may come out column by column,"
    )
    unresolve(
        res,
        ("t3/",),
        Warning(
            "TABLE_UNALIGNED",
            f"t3: {why} and the identities do not confirm the rows "
            "read after the labels; its cells are left unresolved",
        ),
    )


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
