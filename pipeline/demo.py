"""``xxgk demo``: offline end to end on generated sample reports.

Starts the portal simulator on 127.0.0.1 (one site per CMS family, with look-alikes, GBK
pages, long pagination and faults switched on), crawls it into ``--out``/raw (default: a
temporary directory), builds the datasets from that raw store with ``pipeline.build.build``
(into ``--out``/clean) and prints a summary. Nothing leaves the machine.

The sites stand for real bodies (永安市人民政府, 会昌县中村乡人民政府 …) and publish for
their own division's government, departments and townships, named after the register
(`scrapers.simulator.sites`), so the datasets read as a user's would: publishers placed at
register divisions, coverage of the simulated counties. One more site is fictitious
(模拟县): its reports name no division the register knows and stay unsettled, which the
summary says, so that a reader sees what an unsettled publisher looks like.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path


def main(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from scrapers.client import ClientConfig
    from scrapers.crawl import CrawlConfig, crawl, print_summary
    from scrapers.simulator import FAMILY_NAMES, Simulator
    from scrapers.store import iter_documents

    out = Path(getattr(args, "out", None) or tempfile.mkdtemp(prefix="xxgk-demo-"))
    raw = out / "raw"
    err = Console(stderr=True)
    err.print(f"[bold]xxgk demo[/bold]: simulated portals on 127.0.0.1 → crawl → parse  (work dir {out})")
    with Simulator(
        families=(*FAMILY_NAMES, "generic_offpath"), reports=8, per_page=5, faults=True, timeout_sleep=1.0
    ) as sim:
        for s in sim.sites:
            err.print(f"  {s.family:12} {s.column_url}")
        cfg = CrawlConfig(
            client=ClientConfig(
                delay=0.0,
                per_host=4,
                retries=3,
                backoff=0.05,
                read_timeout=0.5,
                connect_timeout=1.0,
                max_bytes=300_000,
                contact="xxgk demo (offline)",
            ),
            progress=sys.stderr.isatty(),
        )
        summary = asyncio.run(crawl(sim.portals(), raw, cfg))
        families = {s.column_url: _site_label(s) for s in sim.sites}
        fictitious = [s.name for s in sim.sites if s.division is None]
    print_summary(summary)

    docs = list(iter_documents(raw))
    db = sqlite3.connect(raw / "crawl.sqlite")
    blocked = Counter(
        r[0]
        for r in db.execute(
            "SELECT p.column_url FROM frontier f JOIN portals p ON p.id=f.portal_id WHERE f.state='blocked'"
        )
    )
    found = Counter(
        r[0]
        for r in db.execute(
            "SELECT p.column_url FROM frontier f JOIN portals p ON p.id=f.portal_id WHERE f.kind!='list' "
            "AND f.meta NOT LIKE '%\"detail_url\"%'"
        )
    )
    db.close()
    from pipeline.build import build

    clean = out / "clean"
    res = build(raw, clean, progress=sys.stderr.isatty(), console=err)
    import pandas as pd

    reports = pd.read_parquet(clean / "reports.parquet")
    rows = _site_rows(docs, found, blocked, families, reports)
    Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else 120).print(_table(rows, Table))
    _print_datasets(clean, res, reports, fictitious)
    print(f"raw store: {raw}  (documents: {raw / 'crawl.sqlite'} table documents)")
    return 0 if len(docs) > 0 and res.kept > 0 else 1


def _site_label(site) -> str:
    """The site's place as the table shows it (永安市, 竹山县城关镇) and, after a tab, its CMS
    family; a fictitious site is marked *."""
    place = site.name.removesuffix("人民政府")
    if site.level == "township" and site.county and not place.startswith(site.county):
        place = site.county + place
    return f"{place}{' *' if site.division is None else ''}\t{site.family}"


COLUMNS = (
    ("found", "links"),
    ("documents", "fetched"),
    ("blocked", "blocked"),
    ("parsed", "reports"),
    ("settled", "placed"),
    ("duplicates", "duplicates"),
    ("cells", "cells"),
    ("failed_checks", "failed checks"),
    ("skipped", "skipped"),
)


def _site_rows(docs, found, blocked, sites: dict, reports) -> dict[str, Counter]:
    """Per site: links found, documents fetched and blocked, and what the build made of them."""
    import pandas as pd

    site_of = {d["sha256"]: sites.get(d["column_url"], "?") for d in docs}
    rows: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        rows[sites.get(d["column_url"], "?")]["documents"] += 1
    for url, n in found.items():
        rows[sites.get(url, "?")]["found"] += n
    for url, n in blocked.items():
        rows[sites.get(url, "?")]["blocked"] += n
    for r in reports.itertuples():
        row = rows[site_of.get(r.sha256, "?")]
        if r.status == "kept":
            row["parsed"] += 1
            row["settled"] += int(pd.isna(r.unsettled))
            row["cells"] += int(r.n_cells)
            row["failed_checks"] += int(r.n_checks_failed)
        elif r.status == "duplicate":
            row["duplicates"] += 1
        else:
            row["skipped"] += 1
    return rows


def _table(rows: dict[str, Counter], Table):
    t = Table(
        title="xxgk demo: simulated portals → crawl → build",
        header_style="bold",
        caption="placed: reports placed at a register division; * a fictitious county the register does not know",
    )
    t.add_column("site", no_wrap=True, min_width=12)
    t.add_column("CMS", no_wrap=True)
    for _, head in COLUMNS:
        t.add_column(head, justify="right")
    total = Counter()
    for site in sorted(rows):
        total.update(rows[site])
        t.add_row(*site.split("\t", 1), *(str(rows[site][c]) for c, _ in COLUMNS))
    t.add_row("[bold]total[/bold]", "", *(f"[bold]{total[c]}[/bold]" for c, _ in COLUMNS))
    return t


def _print_datasets(clean: Path, res, reports, fictitious: list[str]) -> None:
    """What the datasets hold, in the words of their data dictionary, and what in them is
    the simulation's doing rather than the pipeline's (a fictitious site, figures drawn
    report by report)."""
    import pandas as pd

    cov = pd.read_parquet(clean / "coverage.parquet")
    panel = pd.read_parquet(clean / "panel")  # a folder of one file per year, as checks
    checks = pd.read_parquet(clean / "checks")  # a folder of one file per year
    failed = checks[checks.ok == False]  # noqa: E712 - nullable boolean column
    hard = int((failed.strength == "hard").sum())
    cross = int((failed.scope == "cross_year").sum())
    kept = reports[reports.status == "kept"]
    print(
        f"datasets in {clean}: {len(reports)} documents -> {res.kept} reports ({res.duplicates} duplicates merged, "
        f"{res.skipped} skipped: pages that hold no report, e.g. 详见附件 whose attachment is not fetched; "
        f"{res.errors} errors); {int(kept.n_cells.sum())} cells; panel {len(panel)} publisher-years; "
        f"failed checks: {hard} hard, {len(failed) - hard} soft"
    )
    if cross:
        print(
            f"  {cross} of the failed checks compare one publisher's consecutive years (applications carried over, "
            f"documents in force …): the simulator draws each report's figures on their own"
        )
    unsettled = kept[kept.unsettled.notna()]
    odd = unsettled[
        ~unsettled.publisher.fillna("").str.startswith(tuple(n.removesuffix("人民政府") for n in fictitious))
    ]
    print(
        f"places: {len(kept) - len(unsettled)} of {len(kept)} reports placed at a register division; "
        f"{len(unsettled)} unsettled"
        + (
            f", from {'、'.join(fictitious)}, a fictitious site whose county the register does not know (on purpose)"
            if len(unsettled) and not len(odd)
            else ""
        )
    )
    if len(odd):
        print(f"  unsettled beyond the fictitious site: {', '.join(sorted(set(odd.publisher.fillna('?'))))}")
    if len(cov):
        counties = cov.groupby("county").agg(expected=("found", "size"), found=("found", "sum"))
        years = f"{int(cov.year.min())}–{int(cov.year.max())}"
        print(
            f"coverage: {int(cov.found.sum())} of {len(cov)} expected publisher-years found in "
            f"{len(counties)} counties ({'、'.join(f'{c} {int(r.found)}/{int(r.expected)}' for c, r in counties.iterrows())}): "
            f"each county's government and townships in the register, {years}; a simulated site serves "
            f"a few reports, departments are not expected"
        )
