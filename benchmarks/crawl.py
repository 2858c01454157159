"""Crawl throughput against the local portal simulator: xxgk vs Scrapy.

    python benchmarks/crawl.py [--reports 300] [--per-page 20] [--concurrency 16] [--rounds 3]

Starts one simulated TRS WCM site (GBK list pages with ``createPageHTML`` pagination, detail
pages, PDF/DOCX attachments, look-alike items; no faults) in a separate process, then crawls
it with politeness off (no delay, ``--concurrency`` requests in flight, robots.txt still
honoured) with

* xxgk: ``python -m scrapers.crawl`` (frontier + SQLite + content-addressed raw store), and
* Scrapy: an equivalent spider written below (same pagination, same report-title rule, same
  attachments, bodies written content-addressed to disk),

each in its own process, and prints pages per second (successful responses to list, detail
and attachment requests per second of crawling; robots.txt not counted). With Dask installed,
an ``xxgk-dask`` line crawls the same site with ``--executor dask --workers 1``: the site is one
portal group, so this is one task, and its seconds include what the executor adds (starting the
LocalCluster, seeding the shard, merging it into the store).

Scrapy is a benchmark-only dependency: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- scrapy


def scrapy_child(url: str, out: str, concurrency: int) -> None:
    import re

    import scrapy
    from scrapy.crawler import CrawlerProcess

    sys.path.insert(0, str(ROOT))
    from scrapers.links import classify_title

    os.makedirs(out, exist_ok=True)
    state = {"pages": 0, "t0": None, "t1": None}

    def store(body: bytes) -> None:
        sha = hashlib.sha256(body).hexdigest()
        d = os.path.join(out, sha[:2])
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, sha)
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(body)

    class TrsSpider(scrapy.Spider):
        name = "trs"
        start_urls = [url]

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            state["t0"] = time.perf_counter()

        def parse(self, response):
            state["pages"] += 1
            store(response.body)
            m = re.search(
                r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]", response.text
            )
            if (
                m
                and response.url.rstrip("/").endswith(("zfxxgkndbg", "index.html"))
                and "_" not in response.url.rsplit("/", 1)[-1]
            ):
                count, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
                for k in range(1, count):
                    yield response.follow(f"{prefix}_{k}.{ext}", self.parse)
            for a in response.css("ul.list li a"):
                title = a.attrib.get("title") or a.css("::text").get("")
                href = re.sub(r"_wap(\.html?)$", r"\1", a.attrib.get("href", ""))
                if classify_title(title, response.url).is_report:
                    yield response.follow(href, self.parse_detail)

        def parse_detail(self, response):
            state["pages"] += 1
            store(response.body)
            for href in response.css("#id_tblAppendix a::attr(href)").getall():
                yield response.follow(href, self.parse_file)

        def parse_file(self, response):
            state["pages"] += 1
            store(response.body)

        def closed(self, reason):
            state["t1"] = time.perf_counter()

    proc = CrawlerProcess(
        settings={
            "LOG_LEVEL": "ERROR",
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "RETRY_ENABLED": True,
            "TELNETCONSOLE_ENABLED": False,
            "USER_AGENT": "xxgk-bench-scrapy",
            "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        }
    )
    proc.crawl(TrsSpider)
    proc.start()
    print(json.dumps({"pages": state["pages"], "seconds": state["t1"] - state["t0"]}))


def run_scrapy(url: str, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run(
            [sys.executable, __file__, "--scrapy-child", url, d, str(concurrency)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if r.returncode != 0:
            raise RuntimeError(r.stderr[-2000:])
        return json.loads(r.stdout.strip().splitlines()[-1])


def run_xxgk(url: str, concurrency: int, executor: str = "local") -> dict:
    with tempfile.TemporaryDirectory() as d:
        cmd = [
            sys.executable,
            "-m",
            "scrapers.crawl",
            url,
            "--out",
            d,
            "--quiet",
            "--json",
            "--delay",
            "0",
            "--per-host",
            str(concurrency),
            "--concurrency",
            str(concurrency),
            "--retries",
            "1",
        ]
        if executor == "dask":  # the site is one portal group: one task on a one-process LocalCluster
            cmd += ["--executor", "dask", "--workers", "1"]
        r = subprocess.run(
            cmd, capture_output=True, text=True, timeout=600, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        if r.returncode != 0:
            raise RuntimeError(r.stderr[-2000:])
        s = json.loads(r.stdout.strip().splitlines()[-1])
        return {"pages": s["pages_ok"], "seconds": s["seconds"], "documents": sum(s["documents_in_store"].values())}


# ---------------------------------------------------------------------------- main


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--scrapy-child":
        scrapy_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--per-page", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    try:
        import scrapy  # noqa: F401

        have_scrapy = True
    except ImportError:
        have_scrapy = False
        print("scrapy is not installed: pip install -e '.[bench]'  (xxgk figures only)", file=sys.stderr)

    try:
        import distributed  # noqa: F401

        have_dask = True
    except ImportError:
        have_dask = False
        print("dask is not installed: pip install -e '.[dask]'  (no xxgk-dask line)", file=sys.stderr)

    t = time.perf_counter()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrapers.simulator",
            "--families",
            "trs_wcm",
            "--reports",
            str(a.reports),
            "--per-page",
            str(a.per_page),
            "--no-faults",
            "--json",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        info = json.loads(sim.stdout.readline())
        url = info[0]["column_url"]
        print(
            f"simulator: {info[0]['family']} site, {a.reports} reports, {info[0]['expected']} report documents, "
            f"ready in {time.perf_counter() - t:.1f} s: {url}"
        )
        print(f"politeness off: no delay, {a.concurrency} requests in flight, robots.txt honoured; {a.rounds} rounds\n")
        results: dict[str, list[dict]] = {"xxgk": [], "xxgk-dask": [], "scrapy": []}
        for _ in range(a.rounds):
            results["xxgk"].append(run_xxgk(url, a.concurrency))
            if have_dask:
                results["xxgk-dask"].append(run_xxgk(url, a.concurrency, "dask"))
            if have_scrapy:
                results["scrapy"].append(run_scrapy(url, a.concurrency))
        print(f"{'crawler':9} {'pages':>6} {'seconds (median)':>17} {'pages/s (median)':>17} {'pages/s (best)':>15}")
        for name, rs in results.items():
            if not rs:
                continue
            rates = [r["pages"] / r["seconds"] for r in rs]
            print(
                f"{name:9} {rs[0]['pages']:6d} {statistics.median(r['seconds'] for r in rs):17.2f} "
                f"{statistics.median(rates):17.1f} {max(rates):15.1f}"
            )
        if results["scrapy"]:
            ratio = statistics.median(r["pages"] / r["seconds"] for r in results["xxgk"]) / statistics.median(
                r["pages"] / r["seconds"] for r in results["scrapy"]
            )
            print(
                f"\nxxgk / scrapy throughput: {ratio:.2f}×  (xxgk also writes every fetch, frontier item and "
                f"document to SQLite in one transaction per item)"
            )
    finally:
        sim.terminate()
        sim.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
