"""Benchmark: parse generated scraped-text reports on one core.

    .venv/bin/python benchmarks/parse_text.py [--n N] [--seed S] [--tracemalloc]

Generates N reports (mixed flattening styles and both template versions; generation is not
timed), then parses them one after another in this one process (each report is scored
against what was generated and dropped, untimed), pinned to one CPU where the OS allows,
and prints reports per second, total cells, cells recovered exactly, and peak memory
(max RSS of the process; with --tracemalloc also the Python heap peak of the parse loop,
which slows the loop down, so its timing is reported separately).

Times are CPU time of this process (time.process_time), so that a machine shared with
other work gives comparable figures; wall time is printed beside. The figure is shown
against the target (issue 12: 500 reports/s on one core) and against a floor measured in
the same run: decoding the same bytes to text (the reader's decode), which any parse
must do, so that the ratio shows how far the parse is from that floor on any machine.
It also says how many of the hot modules run as their compiled twins (parsers.twins:
built by the install); XXGK_PURE=1 measures the Python modules alone.
The garbage collector is set as a build's parser workers set it after their start-up
(`parsers.report.tune_gc`: what start-up made frozen, a higher young-generation
threshold), so the figure is the one a build's worker parses at.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.readers.text import decode  # noqa: E402
from parsers.report import parse_bytes, tune_gc  # noqa: E402
from parsers.twins import MODULES as TWIN_MODULES  # noqa: E402
from parsers.twins import loaded as loaded_twins  # noqa: E402
from synth.generator import STYLES, generate  # noqa: E402

TARGET = 500  # reports/s on one core (issue 12)


def _maxrss_mib() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024


def _same(want, cell) -> bool:
    if want is None:
        return cell.status == "blank"
    if cell.status != "number" or cell.value is None:
        return False
    return math.isclose(want, cell.value, rel_tol=1e-12, abs_tol=1e-9)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="number of reports (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap peak (slower)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")

    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        except OSError:
            pass
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    t0 = time.perf_counter()
    gens = [generate(args.seed + i) for i in range(args.n)]
    datas = [g.data for g in gens]
    t_gen = time.perf_counter() - t0
    n_bytes = sum(len(d) for d in datas)
    styles = Counter(g.style for g in gens)
    versions = Counter(g.version for g in gens)
    rss_before = _maxrss_mib()

    # Parsed one at a time and dropped once scored, as `xxgk build` does: only the
    # parse_bytes calls are timed. (Holding all the reports would time the garbage
    # collector walking them, about 0.5 ms a report at this size, not the parser.)
    tune_gc()  # as a build's parser worker sets the collector after its start-up
    t_parse = 0.0
    wall0 = time.perf_counter()
    slowest = (0.0, None)  # one pathological report would hide in the mean
    n_cells = n_ok = n_err = 0
    n_gen_cells = sum(len(g.values) for g in gens)
    for i, (g, d) in enumerate(zip(gens, datas)):
        t0 = time.process_time()
        r = parse_bytes(d, name=f"gen-{args.seed + i}.txt")
        dt = time.process_time() - t0
        t_parse += dt
        slowest = max(slowest, (dt, f"seed {args.seed + i} ({g.style}, {g.version})"))
        n_cells += len(r.cells)
        n_err += bool(r.error)
        cells = {c.address: c for c in r.cells}
        n_ok += sum(
            1 for a, v in g.values.items() if a in cells and cells[a].status != "unresolved" and _same(v, cells[a])
        )
    wall = time.perf_counter() - wall0
    t0 = time.process_time()
    for d in datas:
        decode(d)
    t_floor = time.process_time() - t0
    rss_after = _maxrss_mib()

    print(f"reports        {args.n}  ({n_bytes / 1e6:.1f} MB of text; generated in {t_gen:.2f} s, not timed)")
    print("styles         " + ", ".join(f"{s} {styles[s]}" for s in STYLES))
    print("versions       " + ", ".join(f"{v} {n}" for v, n in sorted(versions.items())))
    print(f"cpu            {cpus} (one process)")
    twins = loaded_twins()
    print(
        f"compiled       {len(twins)} of {len(TWIN_MODULES)} hot modules run as compiled twins (parsers.twins"
        + ("; XXGK_PURE=1: none" if os.environ.get("XXGK_PURE") else "")
        + ")"
    )
    young = gc.get_threshold()[0]
    print(f"collector      frozen after start-up, young generation every {young} (tune_gc, as a build's workers)")
    print(
        f"parse time     {t_parse:.2f} s CPU  ->  {args.n / t_parse:.1f} reports/s, "
        f"{t_parse / args.n * 1000:.2f} ms/report, {n_bytes / 1e6 / t_parse:.2f} MB/s "
        f"(target >= {TARGET} reports/s: {args.n / t_parse / TARGET:.2f}x; wall time of the loop {wall:.2f} s)"
    )
    print(
        f"floor          decoding the bytes: {t_floor:.3f} s CPU, {args.n / t_floor:.0f} reports/s; "
        f"the parse takes {t_parse / t_floor:.0f}x the floor"
    )
    print(f"slowest report {slowest[0] * 1000:.1f} ms: {slowest[1]}")
    print(
        f"cells          {n_cells} parsed ({n_cells / args.n:.1f}/report); "
        f"{n_ok}/{n_gen_cells} generated cells recovered exactly ({n_ok / n_gen_cells:.2%})"
    )
    print(f"errors         {n_err} reports with an error")
    print(f"peak memory    max RSS {rss_after:.1f} MiB (before parsing {rss_before:.1f} MiB)")

    if args.tracemalloc:
        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        for i, d in enumerate(datas):
            parse_bytes(d, name=f"gen-{args.seed + i}.txt")  # results dropped: per-report working set
        t_tm = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"heap peak      {peak / 2**20:.1f} MiB traced while parsing one report at a time "
            f"(loop took {t_tm:.2f} s under tracemalloc)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
