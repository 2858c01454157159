"""Benchmark: where a build's own CPU goes, step by step (most useful for a rebuild from cache).

    .venv/bin/python benchmarks/rebuild_phases.py RAW OUT [--workers 2]

Runs one `xxgk build` of RAW into OUT in this process (OUT of an earlier build: a rebuild
from its cache) with the build's steps wrapped, then prints the process's CPU time, wall
time and peak resident memory, and for every step its CPU time (inclusive: a step's line
counts the steps it calls), its CPU per report, its number of calls and the peak resident
memory (anonymous, file-backed) of the process while it was the innermost step running
(sampled every 20 ms from /proc: which step holds the build's peak). CPU is
`time.process_time` of the build process only (the parser workers are other processes), so
the figures hold on a loaded machine where wall time does not.

What to read: compare the lines per report between a small and a large corpus (e.g. the
10,000 and 100,000 report folders of `benchmarks/scale.py --keep`): a step whose CPU per
report grows with the corpus is what keeps a rebuild from being linear, and a step whose
peak grows is what keeps its memory from being flat.
"""

from __future__ import annotations

import argparse
import collections
import functools
import inspect
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _steps():
    import pipeline.build as B
    import pipeline.buildstore as BS
    import pipeline.datasets as D
    import pipeline.publishing as P
    import pipeline.similarity as S

    return [
        (BS.BuildStore, "add_sources"),
        (B, "_summarize_all"),
        (B.Summaries, "get"),
        (BS.BuildStore, "put_doc"),
        (B, "run_pool"),
        (B, "_decide_duplicates"),
        (B, "_report_rows_into"),
        (D, "write_all"),
        (D, "_write_rows"),
        (D, "_report_rows"),
        (D.RowCache, "path"),
        (D.RowCache, "meta"),
        (D.RowCache, "get"),
        (D.RowFeed, "_end_year"),
        (D.PanelWriter, "add"),
        (BS.BuildStore, "pick"),
        (D, "_cross_year"),
        (D.TableBuilder, "_write"),
        (D, "_derived_rows"),
        (S, "write"),
        (S.ItemStore, "__init__"),
        (S, "store_texts"),
        (S, "shard_results"),
        (S.RowSpill, "write"),
        (S, "_fill_boilerplate"),
        (D, "_write_descriptions"),
        (P, "publish"),
        (D.RowCache, "prune"),
        (D.PartCache, "prune"),
        (B.Summaries, "prune"),
    ]


RUNNING = ["(between steps)"]  # the steps running now, innermost last (the build's own thread)


def _rss() -> tuple[float, float]:
    """(anonymous, file-backed) resident memory of this process, MiB."""
    kb = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, v = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                kb[key] = int(v.split()[0])
    return kb.get("RssAnon", 0) / 1024, kb.get("RssFile", 0) / 1024


def _sample(peaks: dict, stop: threading.Event) -> None:
    """The highest resident memory seen while each step was the innermost one running."""
    while not stop.is_set():
        anon, file = _rss()
        p = peaks.setdefault(RUNNING[-1], [0.0, 0.0, 0.0])
        if anon + file > p[0]:
            p[:] = [anon + file, anon, file]
        stop.wait(0.02)


def _wrap(obj, name: str, label: str, acc: dict) -> None:
    f = getattr(obj, name)
    static = isinstance(inspect.getattr_static(obj, name), staticmethod)

    @functools.wraps(f)
    def timed(*a, **k):
        c0, t0 = time.process_time(), time.perf_counter()
        RUNNING.append(label)
        try:
            return f(*a, **k)
        finally:
            RUNNING.pop()
            x = acc[label]
            x[0] += time.process_time() - c0
            x[1] += time.perf_counter() - t0
            x[2] += 1

    setattr(obj, name, staticmethod(timed) if static else timed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw")
    ap.add_argument("out")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    acc: dict = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for obj, name in _steps():
        _wrap(obj, name, f"{getattr(obj, '__name__', '')}.{name}", acc)
    from pipeline.build import build

    peaks: dict = {}
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(peaks, stop), daemon=True)
    sampler.start()
    t0, c0 = time.perf_counter(), time.process_time()
    res = build(args.raw, args.out, workers=args.workers, progress=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    stop.set()
    sampler.join()
    status = Path("/proc/self/status").read_text().splitlines()
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    n = max(1, res.reports)
    print(
        f"{res.reports} reports (parsed {res.parsed}, cached {res.cached}): {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU ({1000 * cpu / n:.3f} ms/report), peak {peak:.0f} MiB"
    )
    for label, (c, w, calls) in sorted(acc.items(), key=lambda kv: -kv[1][0]):
        pk = peaks.get(label)
        held = f"  peak {pk[0]:4.0f} MiB ({pk[1]:.0f} anon, {pk[2]:.0f} file)" if pk else ""
        print(f"  {label:34} CPU {c:8.2f} s {1000 * c / n:7.3f} ms/report  wall {w:8.2f} s  calls {calls:6}{held}")
    if "(between steps)" in peaks:
        pk = peaks["(between steps)"]
        print(f"  {'(between steps)':34} peak {pk[0]:4.0f} MiB ({pk[1]:.0f} anon, {pk[2]:.0f} file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
