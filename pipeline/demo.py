"""``xxgk demo``: offline end to end on generated sample reports.

Starts the portal simulator on 127.0.0.1 (one site per CMS family, with look-alikes, GBK
pages, long pagination and faults switched on), crawls it into ``--out``/raw (default: a
temporary directory), parses every stored report document with ``parsers.report.parse_file``
and prints a summary table. Nothing leaves the machine.
"""
from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path


def _primary_documents(docs: list[dict]) -> list[dict]:
    """One document per report: its attachments when it has any, else its page."""
    by_detail: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        by_detail[d.get("detail_url") or d["url"]].append(d)
    out = []
    for group in by_detail.values():
        atts = [d for d in group if d["kind"] == "attachment"]
        out.extend(atts or group)
    return out


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
    try:
        from parsers.report import parse_file
    except ImportError as e:  # the parser is another part of the project
        err.print(f"[yellow]parser not available ({e}); crawl only[/yellow]")
        parse_file = None

    rows: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        rows[families.get(d["column_url"], "?")]["documents"] += 1
    for url, n in found.items():
        rows[families.get(url, "?")]["found"] += n
    for url, n in blocked.items():
        rows[families.get(url, "?")]["blocked"] += n
    if parse_file is not None:
        for d in _primary_documents(docs):
            fam = families.get(d["column_url"], "?")
            try:
                rep = parse_file(Path(d["path"]), url=d["url"])
            except TypeError:
                rep = parse_file(Path(d["path"]))
            except Exception as e:  # noqa: BLE001 - a demo reports, it does not crash
                rows[fam]["errors"] += 1
                err.print(f"  parse error {d['url']}: {e}")
                continue
            if getattr(rep, "error", None) or not rep.cells:
                rows[fam]["errors"] += 1
                continue
            rows[fam]["parsed"] += 1
            rows[fam]["cells"] += len(rep.cells)
            rows[fam]["failed_checks"] += sum(1 for c in rep.checks if c.ok is False)
            if rep.year is not None and d.get("year_guess") == rep.year:
                rows[fam]["year_agrees"] += 1

    t = Table(title="xxgk demo: simulated portals → crawl → parse", header_style="bold")
    cols = ("found", "documents", "blocked", "parsed", "cells", "failed_checks", "errors")
    heads = ("links", "fetched", "blocked", "parsed", "cells", "failed checks", "unparsed")
    t.add_column("CMS family")
    for h in heads:
        t.add_column(h, justify="right")
    total = Counter()
    for fam in sorted(rows):
        total.update(rows[fam])
        t.add_row(fam, *(str(rows[fam][c]) for c in cols))
    t.add_row("[bold]total[/bold]", *(f"[bold]{total[c]}[/bold]" for c in cols))
    Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else 100).print(t)
    if parse_file is not None:
        print(f"report year from the crawler agrees with the parser for {total['year_agrees']} of {total['parsed']} parsed reports")
    print(f"raw store: {raw}  (documents: {raw / 'crawl.sqlite'} table documents)")
    ok = len(docs) > 0 and (parse_file is None or total["parsed"] > 0)
    return 0 if ok else 1
