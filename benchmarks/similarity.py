"""Benchmark: copy detection (pipeline.similarity) on generated reports, on one core.

    .venv/bin/python benchmarks/similarity.py [--n 10000] [--per-county 60] [--years 6] [--seed 0]

Makes N report texts shaped like a national corpus: counties of `--per-county` publishers,
each publishing every year for `--years` years. A publisher's first report is a generated
report with varied prose (`generate(..., vary_prose=True)`, tables included as sections
hold them); one in five copies its county's model report instead. Each later year either
copies the previous one with its figures changed and a few sentences rewritten (half of
them) or is written afresh. Generation is not timed.

Then, pinned to one CPU and timed in CPU seconds (the wall time is printed too), it runs
`pipeline.similarity.compare_all` in one process: shard by shard (a county and its units),
fingerprints (jieba, masking, shingles, MinHash), each report against its publisher's
earlier years, LSH among the publishers of a county-year, exact comparison of candidates.
It prints:

* pairs in scope (every pair the rule covers: decided by LSH or compared exactly) per
  second, and the cost of a fingerprint (on the first 1,000 texts);
* peak memory (max RSS of the process);
* the projected time for a million reports on 64 cores: the measured CPU time per report
  (which stays constant as N grows with county sizes fixed) × 1,000,000 / 64, shards being
  independent (`compare_all(..., workers=64)`).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import similarity as S  # noqa: E402
from synth.generator import generate  # noqa: E402


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


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


def corpus(n: int, per_county: int, years: int, seed: int) -> tuple[list[S.Item], dict[str, str]]:
    rng = random.Random(seed)
    items, texts = [], {}
    k = seed * 1_000_003
    n_pub = -(-n // years)
    for p in range(n_pub):
        county = p // per_county
        if p % per_county == 0:
            k += 1
            model = generate(k, vary_prose=True).text
        k += 1
        text = _refigure(rng, model) if rng.random() < 0.2 else generate(k, vary_prose=True).text
        for y in range(years):
            if len(items) == n:
                break
            if y:
                k += 1
                fresh = generate(k, vary_prose=True).text
                text = _rewrite(rng, _refigure(rng, text), fresh, 0.15) if rng.random() < 0.5 else fresh
            rid = f"r{len(items):07d}"
            items.append(S.Item(rid, f"p{p}", ("某省", f"某市{county // 10}", f"某县{county}"), 2019 + y))
            texts[rid] = text
    return items, texts


def in_scope(items: list[S.Item]) -> int:
    by_pub, by_region = {}, {}
    for it in items:
        by_pub[it.publisher] = by_pub.get(it.publisher, 0) + 1
        by_region[(it.region, it.year)] = by_region.get((it.region, it.year), 0) + 1
    return sum(c * (c - 1) // 2 for c in by_pub.values()) + sum(c * (c - 1) // 2 for c in by_region.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000, help="number of reports (default 10000)")
    ap.add_argument("--per-county", type=int, default=60, help="publishers per county (default 60)")
    ap.add_argument("--years", type=int, default=6, help="years per publisher (default 6)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.n < 2:
        ap.error("--n must be at least 2")
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        except OSError:
            pass

    t = time.perf_counter()
    items, texts = corpus(args.n, args.per_county, args.years, args.seed)
    gen_s = time.perf_counter() - t
    chars = sum(len(x) for x in texts.values())
    print(f"{len(items)} generated reports ({chars / len(items):.0f} characters on average), "
          f"{args.per_county} publishers per county, {args.years} years; generated in {gen_s:.1f} s (not timed)")

    S.fingerprint("预热：加载分词词典。")  # jieba's dictionary and the template words: once per process
    clock = time.process_time  # CPU time of this process: the machine may be shared
    sample = [texts[it.report_id] for it in items[:1000]]
    t0 = clock()
    for x in sample:
        S.fingerprint(x)
    fp_each = (clock() - t0) / len(sample)
    shards = S.shards(items)
    w0, t0 = time.perf_counter(), clock()
    rows, share = S.compare_all(items, texts)
    total, wall = clock() - t0, time.perf_counter() - w0

    scope = in_scope(items)
    same_pub = sum(r["relation"] == "same_publisher" for r in rows)
    print(f"fingerprints: {1 / fp_each:,.0f} reports/s ({1000 * fp_each:.1f} ms each; sample of {len(sample)})")
    print(f"shards: {len(shards)} (largest {max(len(s) for s in shards)} reports)")
    print(f"pairs: {scope:,} in scope (each report with its publisher's earlier years, every pair of a county-year), "
          f"{len(rows):,} written ({same_pub:,} same_publisher)")
    print(f"compare_all: {scope / total:,.0f} pairs in scope/s, {len(items) / total:,.1f} reports/s on one core "
          f"(CPU {total:.1f} s, of which fingerprints ~{fp_each * len(items):.0f} s; wall {wall:.1f} s)")
    print(f"peak memory: {_maxrss_mib():,.0f} MiB max RSS (texts of all reports included)")
    print(f"boilerplate_share: mean {sum(share.values()) / max(1, len(share)):.2f} over {len(share)} reports")
    proj = total / len(items) * 1_000_000 / 64
    print(f"projected for 1,000,000 reports on 64 cores (shards in parallel, same county sizes): "
          f"{proj / 60:,.1f} min (target: under 60 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
