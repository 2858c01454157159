"""``xxgk summary DIR``: a built dataset folder at a glance, in the terminal.

Reads the parquet files `xxgk build` wrote (nothing else, nothing from the raw files) and
prints, each as a small table:

1. the documents by status, and the kept reports by year and template;
2. coverage by province: expected publisher-years (``coverage.parquet``), found, share —
   the province is the first two digits of the county code, named as the reports name it;
3. failed checks: the identities that fail most, hard ones first, and how many reports
   fail at least one hard identity;
4. unresolved cells (the parser would not guess): how many, in how many reports, the
   addresses most often unresolved;
5. the most copied reports: highest ``boilerplate_share``, with the report each copies most
   (``similarity.parquet``).

A file the folder lacks (an older build, no similarity yet) leaves its table out with a
note; an empty folder is an error. `summarize(dir)` returns the text, `main` prints it.
"""

from __future__ import annotations

import io
from pathlib import Path

TOP = 10


def _read(folder: Path, name: str, columns: list[str] | None = None):
    import pandas as pd

    from pipeline.datasets import datasets

    ds = next(d for d in datasets() if d.name == name)
    p = folder / ds.path
    if not (p.is_dir() if ds.partitioned else p.is_file()):
        return None
    # partitioning=None: the files' own columns, not the partition folders' key besides them
    try:
        return pd.read_parquet(p, columns=columns, partitioning=None)
    except (ValueError, KeyError):  # a column this build does not have
        return pd.read_parquet(p, partitioning=None)


def _table(title: str, heads: list[str], rows: list[list], right_from: int = 1, right: tuple = ()):
    """A rich table: columns from `right_from` (or those in `right`) right-aligned."""
    from rich.table import Table

    t = Table(header_style="bold", show_edge=False, pad_edge=False)
    for i, h in enumerate(heads):
        t.add_column(h, justify="right" if (i in right if right else i >= right_from) else "left", overflow="fold")
    for r in rows:
        t.add_row(*(str(x) for x in r))
    return title, t  # the title on a line of its own: rich would wrap it to the table's width


def _by_year_template(reports) -> list:
    kept = reports[reports["status"] == "kept"]
    out = []
    status = reports["status"].value_counts()
    out.append(
        "documents: " + ", ".join(f"{int(status.get(s, 0))} {s}" for s in ("kept", "duplicate", "skipped", "error"))
    )
    if not len(kept):
        return out
    years = kept["year"].astype("Int64").astype(object).where(kept["year"].notna(), "?")
    tab = kept.assign(_y=years.astype(str)).pivot_table(
        index="_y", columns="template", values="report_id", aggfunc="count", fill_value=0
    )
    heads = ["year"] + [str(c) for c in tab.columns] + ["total"]
    rows = [[y] + [int(v) for v in tab.loc[y]] + [int(tab.loc[y].sum())] for y in tab.index]
    rows.append(["total"] + [int(tab[c].sum()) for c in tab.columns] + [int(tab.values.sum())])
    out.append(_table("kept reports by year and template", heads, rows))
    return out


def _coverage(cov, reports) -> list:
    if cov is None:
        return ["coverage: no coverage.parquet in this folder"]
    if not len(cov):
        return ["coverage: no expected publishers (no county was resolved)"]
    names: dict[str, str] = {}
    for code, prov in zip(reports.get("division_code", []), reports.get("province", [])):
        if isinstance(code, str) and isinstance(prov, str) and len(code) >= 2:
            names.setdefault(code[:2], prov)
    prov = cov["county_code"].astype("string").str[:2]
    g = cov.assign(_p=prov.map(lambda c: names.get(c, f"{c}xxxx") if isinstance(c, str) else "?")).groupby("_p")
    rows = []
    for p, grp in sorted(g, key=lambda kv: str(kv[0])):
        n, found = len(grp), int(grp["found"].fillna(False).astype(bool).sum())
        rows.append([p, grp["county_code"].nunique(), n, found, f"{100 * found / n:.0f}%"])
    return [
        _table("coverage by province (publisher-years)", ["province", "counties", "expected", "found", "share"], rows)
    ]


def _checks(checks, reports) -> list:
    if checks is None:
        return ["failed checks: no checks dataset in this folder"]
    failed = checks[checks["ok"].fillna(True).eq(False)]
    if not len(failed):
        return [f"failed checks: none of {len(checks)} checks fails"]
    hard = failed[failed["strength"] == "hard"]
    kept = int((reports["status"] == "kept").sum())
    head = (
        f"failed checks: {len(failed)} of {len(checks)} ({len(hard)} hard); {hard['report_id'].nunique()} of "
        f"{kept} kept reports fail a hard identity"
    )
    g = failed.groupby(["strength", "id"]).agg(n=("report_id", "size"), reports=("report_id", "nunique")).reset_index()
    g = g.sort_values(["strength", "n", "id"], ascending=[True, False, True]).head(TOP)
    rows = [[r.id, r.strength, int(r.n), int(r.reports)] for r in g.itertuples()]
    return [head, _table("identities failing most", ["check", "strength", "failures", "reports"], rows, right_from=2)]


def _unresolved(cells, reports) -> list:
    if cells is None:
        return ["unresolved cells: no cells dataset in this folder"]
    un = cells[cells["status"] == "unresolved"]
    kept = int((reports["status"] == "kept").sum())
    without = kept - cells["report_id"].nunique()  # a page that only links its attachment has no cells
    head = (
        f"unresolved cells: {len(un)} of {len(cells)} cells, in {un['report_id'].nunique()} of "
        f"{kept} kept reports"
        + (f" ({without} with no cells)" if without > 0 else "")
        + " (left unresolved rather than guessed)"
    )
    if not len(un):
        return [head]
    top = un.groupby("address").agg(n=("report_id", "size"), reports=("report_id", "nunique")).reset_index()
    top = top.sort_values(["n", "address"], ascending=[False, True]).head(TOP)
    return [
        head,
        _table(
            "addresses most often unresolved",
            ["address", "cells", "reports"],
            [[r.address, int(r.n), int(r.reports)] for r in top.itertuples()],
        ),
    ]


def _copied(reports, sim) -> list:
    if "boilerplate_share" not in reports or sim is None:
        return ["copied text: this build has no similarity (built before copy detection)"]
    kept = reports[(reports["status"] == "kept") & reports["boilerplate_share"].notna()]
    if not len(kept):
        return ["copied text: no report with text to compare"]
    head = (
        f"copied text: {len(sim)} similar pairs; mean boilerplate share "
        f"{100 * float(kept['boilerplate_share'].mean()):.0f}% over {len(kept)} reports"
    )
    top = (
        kept[kept["boilerplate_share"] > 0]
        .sort_values(["boilerplate_share", "report_id"], ascending=[False, True])
        .head(TOP)
    )
    if not len(top):
        return [head]
    best: dict[str, tuple] = {}  # report -> (share of its text, other report, relation, score)
    for r in sim.itertuples():
        sides = [(r.report_id, r.share, r.other_report_id)]
        if r.relation == "same_region":  # both copy each other; same_publisher: only the later one
            sides.append((r.other_report_id, r.other_share, r.report_id))
        for rid, share, other in sides:
            if share == share and (rid not in best or (share, other) > best[rid][:2]):
                best[rid] = (share, other, r.relation, r.score)
    agency = dict(zip(reports["report_id"], reports["agency"]))
    rows = []
    for r in top.itertuples():
        b = best.get(r.report_id)
        what = "" if b is None else f"{b[1]} {agency.get(b[1]) or '?'} ({b[2]}, {100 * b[0]:.0f}% of its text)"
        rows.append(
            [
                r.report_id,
                r.agency if isinstance(r.agency, str) else "?",
                "?" if r.year is None or r.year != r.year else int(r.year),
                f"{100 * r.boilerplate_share:.0f}%",
                what,
            ]
        )
    return [
        head,
        _table("most copied reports", ["report", "agency", "year", "copied", "copies most from"], rows, right=(2, 3)),
    ]


def summarize(folder: str | Path, width: int = 110) -> str:
    """The summary of a built dataset folder as text."""
    from rich.console import Console

    folder = Path(folder)
    reports = _read(folder, "reports")
    if reports is None:
        raise FileNotFoundError(f"{folder}: no reports.parquet (not a folder `xxgk build` wrote)")
    cov = _read(folder, "coverage")
    checks = _read(folder, "checks", ["report_id", "id", "ok", "strength"])
    cells = _read(folder, "cells", ["report_id", "address", "status"])
    sim = _read(folder, "similarity", ["report_id", "other_report_id", "relation", "score", "share", "other_share"])
    buf = io.StringIO()
    con = Console(file=buf, width=width, highlight=False, color_system=None, soft_wrap=False)
    con.print(f"xxgk summary of {folder}")
    for part in (
        _by_year_template(reports),
        _coverage(cov, reports),
        _checks(checks, reports),
        _unresolved(cells, reports),
        _copied(reports, sim),
    ):
        con.print()
        for x in part:
            for y in x if isinstance(x, tuple) else (x,):
                con.print(y)
    return buf.getvalue()


def main(args) -> int:
    import shutil
    import sys

    try:
        text = summarize(args.dir, width=max(80, shutil.get_terminal_size((110, 20)).columns))
    except FileNotFoundError as e:
        print(f"xxgk summary: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0
