"""``xxgk demo``: offline end to end on generated sample reports.

Starts the portal simulator on 127.0.0.1 (one site per CMS family, with look-alikes, GBK
pages, long pagination and faults switched on), crawls it into ``--out``/raw (default: a
temporary directory), builds the datasets from that raw store with ``pipeline.build.build``
(into ``--out``/clean) and prints a summary. Nothing leaves the machine.
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
    from scrapers.simulator import Simulator
    from scrapers.store import iter_documents

    out = Path(getattr(args, "out", None) or tempfile.mkdtemp(prefix="xxgk-demo-"))
    raw = out / "raw"
    err = Console(stderr=True)
    err.print(f"[bold]xxgk demo[/bold]: simulated portals on 127.0.0.1 → crawl → parse  (work dir {out})")
    with Simulator(reports=8, per_page=5, faults=True, timeout_sleep=1.0) as sim:
        for s in sim.sites:
            err.print(f"  {s.family:12} {s.column_url}")
        cfg = CrawlConfig(client=ClientConfig(delay=0.0, per_host=4, retries=3, backoff=0.05, read_timeout=0.5,
                                              connect_timeout=1.0, max_bytes=300_000, contact="xxgk demo (offline)"),
                          progress=sys.stderr.isatty())
        summary = asyncio.run(crawl(sim.portals(), raw, cfg))
        families = {s.column_url: s.family for s in sim.sites}
    print_summary(summary)

    docs = list(iter_documents(raw))
    db = sqlite3.connect(raw / "crawl.sqlite")
    blocked = Counter(r[0] for r in db.execute(
        "SELECT p.column_url FROM frontier f JOIN portals p ON p.id=f.portal_id WHERE f.state='blocked'"))
    found = Counter(r[0] for r in db.execute(
        "SELECT p.column_url FROM frontier f JOIN portals p ON p.id=f.portal_id WHERE f.kind!='list' "
        "AND f.meta NOT LIKE '%\"detail_url\"%'"))
    db.close()
    from pipeline.build import build

    clean = out / "clean"
    res = build(raw, clean, progress=sys.stderr.isatty(), console=err)
    import pandas as pd

    reports = pd.read_parquet(clean / "reports.parquet")
    family_of = {d["sha256"]: families.get(d["column_url"], "?") for d in docs}
    rows: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        rows[families.get(d["column_url"], "?")]["documents"] += 1
    for url, n in found.items():
        rows[families.get(url, "?")]["found"] += n
    for url, n in blocked.items():
        rows[families.get(url, "?")]["blocked"] += n
    for r in reports.itertuples():
        fam = family_of.get(r.sha256, "?")
        if r.status == "kept":
            rows[fam]["parsed"] += 1
            rows[fam]["cells"] += int(r.n_cells)
            rows[fam]["failed_checks"] += int(r.n_checks_failed)
        elif r.status == "duplicate":
            rows[fam]["duplicates"] += 1
        else:
            rows[fam]["errors"] += 1

    t = Table(title="xxgk demo: simulated portals → crawl → build", header_style="bold")
    cols = ("found", "documents", "blocked", "parsed", "duplicates", "cells", "failed_checks", "errors")
    heads = ("links", "fetched", "blocked", "reports", "duplicates", "cells", "failed checks", "not reports")
    t.add_column("CMS family")
    for h in heads:
        t.add_column(h, justify="right")
    total = Counter()
    for fam in sorted(rows):
        total.update(rows[fam])
        t.add_row(fam, *(str(rows[fam][c]) for c in cols))
    t.add_row("[bold]total[/bold]", *(f"[bold]{total[c]}[/bold]" for c in cols))
    Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else 100).print(t)
    cov = pd.read_parquet(clean / "coverage.parquet")
    panel = pd.read_parquet(clean / "panel.parquet")
    checks = pd.read_parquet(clean / "checks.parquet")
    failed = checks[checks.ok == False]  # noqa: E712 - nullable boolean column
    hard = int((failed.strength == "hard").sum())
    kept = reports[reports.status == "kept"]
    print(f"datasets in {clean}: {len(reports)} documents -> {res.kept} reports ({res.duplicates} duplicates merged, "
          f"{res.skipped} not reports, {res.errors} errors); {int(kept.n_cells.sum())} cells; "
          f"panel {len(panel)} agency-years; failed checks: {hard} hard, {len(failed) - hard} soft")
    if len(cov):
        print(f"coverage: {int(cov.found.sum())} of {len(cov)} expected publisher-years found")
    print(f"raw store: {raw}  (documents: {raw / 'crawl.sqlite'} table documents)")
    return 0 if len(docs) > 0 and res.kept > 0 else 1
