"""Benchmark: copy detection (pipeline.similarity) on generated reports, the build's step on one core.

    .venv/bin/python benchmarks/similarity.py [--n 2000,5000,10000] [--per-county 60] [--years 6]
                                              [--seed 0] [--code DIR] [--keep DIR]

For each N it writes a dataset folder shaped like a national corpus (``reports.parquet`` with
the kept reports' publisher, county and year, ``sections/`` with each report's text cut
into eight sections at line ends): counties of `--per-county` publishers, each publishing every year for `--years`
years. A publisher's first report is a generated report with varied prose (`generate(...,
vary_prose=True)`, tables included as sections hold them); one in five copies its county's
model report instead. Each later year either copies the previous one with its figures changed
and a few sentences rewritten (half of them) or is written afresh. Texts are written as they
are made, and generation is not measured.

Then a fresh process runs the build's step, `pipeline.similarity.write(folder, workers=1)`
(texts stored, shard by shard: fingerprints, each report against its publisher's earlier
years, LSH among the publishers of a county-year, exact comparison of candidates, rows
sorted and written, boilerplate_share filled), pinned to one CPU and timed in CPU seconds.
`--code DIR` runs the step from another checkout (e.g. the main branch, to compare before and
after a change). It prints, per N:

* pairs in scope (every pair the rule covers: decided by LSH or compared exactly) per CPU
  second, reports per second, and the cost of a fingerprint (the first 500 reports);
* peak memory: the step's process at its largest (max RSS), and what the step added to the
  process once its libraries were loaded (jieba's dictionary, pyarrow, pandas);
* at the end, the memory that grows with N (MiB between the two largest N, per report) and
  the projection for a million reports on 64 cores: CPU time per report × 1,000,000 / 64
  (shards are independent: `write(..., workers=64)`), each worker at the measured peak, the
  main process at that plus the bytes per report that remain.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import datasets as D  # noqa: E402
from synth.generator import generate  # noqa: E402

# the measured step, in a fresh process (argv: folder)
STEP = r"""
import json, os, resource, sys, time
from pathlib import Path
if hasattr(os, "sched_setaffinity"):
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except OSError:
        pass
import pyarrow.compute, pyarrow.dataset, pyarrow.parquet as pq
from pipeline import datasets as D, similarity as S
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
S.fingerprint("预热：加载分词词典。")  # jieba's dictionary and the template words: once per process
D.arrow_schema("similarity"), D.arrow_schema("reports")  # pandas, imported for the schemas
rss0 = rss()
folder = Path(sys.argv[1])
c0, w0 = time.process_time(), time.perf_counter()
S.write(folder, workers=1)
cpu, wall, rss1 = time.process_time() - c0, time.perf_counter() - w0, rss()
first = next(pq.ParquetFile(D.dataset_files(folder, D.SECTIONS)[0]).iter_batches(batch_size=4000, columns=["report_id", "text"]))
parts = {}
for rid, t in zip(*(c.to_pylist() for c in first.columns)):
    parts.setdefault(rid, []).append(t or "")
texts = ["\n".join(p) for p in list(parts.values())[:-1]]  # whole reports (the last may be cut)
c0 = time.process_time()
for t in texts:
    S.fingerprint(t)
fp = (time.process_time() - c0) / len(texts)
print(json.dumps({"cpu": cpu, "wall": wall, "rss_loaded": rss0, "rss_peak": rss1, "fp": fp, "module": S.__file__}))
"""


def _refigure(rng: random.Random, text: str) -> str:
    return re.sub(r"\d+", lambda m: str(rng.randint(0, 5000)) if rng.random() < 0.7 else m.group(), text)


def _rewrite(rng: random.Random, text: str, donor: str, share: float) -> str:
    """Replace about `share` of the sentences of text by sentences of donor."""
    sents = re.split(r"(?<=。)", text)
    other = [s for s in re.split(r"(?<=。)", donor) if s]
    for i in range(len(sents)):
        if sents[i] and rng.random() < share:
            sents[i] = rng.choice(other)
    return "".join(sents)


def reports(n: int, per_county: int, years: int, seed: int):
    """(report_id, publisher, county number, year, text) for n reports, one at a time."""
    rng = random.Random(seed)
    k = seed * 1_000_003
    made = 0
    for p in range(-(-n // years)):
        county = p // per_county
        if p % per_county == 0:
            k += 1
            model = generate(k, vary_prose=True).text
        k += 1
        text = _refigure(rng, model) if rng.random() < 0.2 else generate(k, vary_prose=True).text
        for y in range(years):
            if made == n:
                return
            if y:
                k += 1
                fresh = generate(k, vary_prose=True).text
                text = _rewrite(rng, _refigure(rng, text), fresh, 0.15) if rng.random() < 0.5 else fresh
            yield f"r{made:07d}", f"p{p}", county, 2019 + y, text
            made += 1


def _sections(text: str, n: int = 8) -> list[str]:
    """The text cut at line ends into about n parts, as a parsed report's sections are (their
    texts joined by a newline give the text back)."""
    lines = text.split("\n")
    step = -(-len(lines) // n)
    return ["\n".join(lines[i : i + step]) for i in range(0, len(lines), step)]


def write_folder(folder: Path, n: int, per_county: int, years: int, seed: int) -> dict:
    """The dataset folder the step reads; returns what the figures need (counts, not texts)."""
    folder.mkdir(parents=True, exist_ok=True)
    rep = D.TableBuilder(D.REPORTS, path=folder / D.REPORTS.path)
    sec: dict[int, D.TableBuilder] = {}  # one file per year, as the build writes them
    by_pub: dict[str, int] = {}
    by_region: dict[tuple, int] = {}
    chars = 0
    for rid, pub, county, year, text in reports(n, per_county, years, seed):
        r = {
            "report_id": rid,
            "status": "kept",
            "publisher_id": pub,
            "agency_id": pub,
            "province": "某省",
            "city": f"某市{county // 10}",
            "county": f"某县{county}",
            "year": year,
        }
        rep.add([r.get(f) for f in D.REPORTS.names()])
        if year not in sec:
            part_dir = folder / D.SECTIONS.path / D.partition_folder(year)
            part_dir.mkdir(parents=True, exist_ok=True)
            sec[year] = D.TableBuilder(D.SECTIONS, D.SECTIONS_ROW_GROUP, part_dir / D.PART_FILE)
        for seq, part in enumerate(_sections(text), 1):
            s = {"report_id": rid, "year": year, "seq": seq, "text": part}
            sec[year].add([s.get(f) for f in D.SECTIONS.names()])
        by_pub[pub] = by_pub.get(pub, 0) + 1
        by_region[(county, year)] = by_region.get((county, year), 0) + 1
        chars += len(text)
    rep.close()
    for b in sec.values():
        b.close()
    scope = sum(c * (c - 1) // 2 for c in by_pub.values()) + sum(c * (c - 1) // 2 for c in by_region.values())
    return {"n": n, "chars": chars / n, "scope": scope}


def measure(folder: Path, code: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    p = subprocess.run(
        [sys.executable, "-c", STEP, str(folder)], env=env, cwd=code, capture_output=True, text=True, check=False
    )
    if p.returncode:
        sys.exit(f"the step failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def written(folder: Path) -> tuple[int, int]:
    import pyarrow.parquet as pq

    rel = pq.read_table(folder / D.SIMILARITY.path, columns=["relation"]).column(0).to_pylist()
    return len(rel), sum(r == "same_publisher" for r in rel)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n", default="2000,5000,10000", help="numbers of reports, comma-separated (default 2000,5000,10000)"
    )
    ap.add_argument("--per-county", type=int, default=60, help="publishers per county (default 60)")
    ap.add_argument("--years", type=int, default=6, help="years per publisher (default 6)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--code", type=Path, default=ROOT, help="checkout whose pipeline.similarity is measured (default this one)"
    )
    ap.add_argument("--keep", type=Path, help="write the folders here and keep them (default: a temporary folder)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.n.split(",")]
    if min(sizes) < 2:
        ap.error("--n must be at least 2")
    base = args.keep or Path(tempfile.mkdtemp(prefix="xxgk-simbench-"))
    runs = []
    for n in sizes:
        folder = base / f"n{n}"
        info = write_folder(folder, n, args.per_county, args.years, args.seed)
        m = measure(folder, args.code.resolve())
        rows, same_pub = written(folder)
        runs.append({**info, **m})
        print(
            f"{n:>7,} reports ({info['chars']:,.0f} characters on average; {args.per_county} publishers per county, "
            f"{args.years} years): {info['scope'] / m['cpu']:,.0f} pairs in scope/s, {n / m['cpu']:,.1f} reports/s "
            f"(CPU {m['cpu']:.1f} s, wall {m['wall']:.1f} s; a fingerprint {1000 * m['fp']:.1f} ms); "
            f"{info['scope']:,} pairs in scope, {rows:,} written ({same_pub:,} same_publisher); "
            f"peak {m['rss_peak']:,.0f} MiB, +{m['rss_peak'] - m['rss_loaded']:,.0f} MiB over the loaded libraries"
        )
    print(f"measured: {runs[0]['module']}")
    if len(runs) > 1:
        a, b = runs[-2], runs[-1]
        per_report = max(0.0, (b["rss_peak"] - a["rss_peak"]) * 2**20 / (b["n"] - a["n"]))
        print(
            f"memory growth {a['n']:,} -> {b['n']:,} reports: {b['rss_peak'] - a['rss_peak']:+,.1f} MiB "
            f"({100 * (b['rss_peak'] / a['rss_peak'] - 1):+.1f} %), {per_report:,.0f} bytes per report"
        )
        last = runs[-1]
        proj = last["cpu"] / last["n"] * 1_000_000 / 64
        print(
            f"projected for 1,000,000 reports on 64 cores (shards in parallel, same county sizes): "
            f"{proj / 60:,.1f} min (target: under 60 min); memory: 64 workers at ~{last['rss_peak']:,.0f} MiB, "
            f"the main process at most ~{last['rss_peak'] + per_report * 1e6 / 2**20:,.0f} MiB (the growth measured "
            f"taken as per report, though part of it is buffers that row-group sizes bound)"
        )
    if not args.keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
