"""Benchmark: `xxgk build` of N generated reports, with 1 and with 2 workers.

    .venv/bin/python benchmarks/build.py [--n 10000] [--seed 0] [--workers 1,2] [--keep DIR]

Writes N generated scraped-text reports (mixed flattening styles, both template versions;
not timed) into a raw folder, then runs a complete build (parse in the worker pool,
regions, duplicates, every dataset) into an empty output folder once per worker count, each
in a fresh process, and prints reports per second, and peak memory: of the build's own
process, and of the whole process tree (build + forkserver + workers, resident sizes added
up, sampled every 50 ms from /proc), and the build process's own CPU time per report (what
stays serial however many workers parse: storing results, duplicates, the datasets). A last run rebuilds the 2-worker output unchanged
(everything from the cache).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _tree_rss_mib(root: int) -> float | None:
    """Resident memory of `root` and all its descendants, MiB (Linux /proc)."""
    parts = _tree_parts(root)
    return None if parts is None else sum(parts.values())


def _tree_parts(root: int) -> dict[str, float] | None:
    """Resident memory of `root` and all its descendants by role, MiB (Linux /proc): the
    build process itself, its direct children (forkserver, resource tracker, Dask scheduler
    and nannies) and the processes below those (parser, copy-detection and Dask workers)."""
    try:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    parts = f.read().rsplit(")", 1)[1].split()
                pid, ppid = int(d), int(parts[1])
                children.setdefault(ppid, []).append(pid)
                rss[pid] = int(parts[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
    except OSError:
        return None
    parts = {"build": 0.0, "helpers": 0.0, "workers": 0.0}
    stack = [(root, 0)]
    while stack:
        p, depth = stack.pop()
        parts[("build", "helpers", "workers")[min(depth, 2)]] += rss.get(p, 0) / (1 << 20)
        stack.extend((c, depth + 1) for c in children.get(p, ()))
    return parts


def child(args) -> int:
    """One build in this process; prints a JSON line of figures."""
    from pipeline.build import build

    peak = [0.0, {}]  # the tree's peak, and its parts then
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            parts = _tree_parts(os.getpid())
            if parts is not None and sum(parts.values()) > peak[0]:
                peak[:] = [sum(parts.values()), parts]
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0, c0 = time.perf_counter(), time.process_time()
    res = build(args.raw, args.out, workers=args.workers, progress=False, executor=getattr(args, "executor", "local"))
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0  # this process only: the workers are other processes
    stop.set()
    th.join()
    # VmHWM, this process's peak since exec (ru_maxrss would count the process it was forked from)
    status = Path("/proc/self/status").read_text().splitlines()
    self_mib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
    print(
        json.dumps(
            {
                "workers": args.workers,
                "seconds": secs,
                "cpu_ms": 1000 * cpu / max(1, res.reports),
                "reports": res.reports,
                "parsed": res.parsed,
                "cached": res.cached,
                "kept": res.kept,
                "errors": res.errors,
                "self_mib": self_mib,
                "tree_mib": peak[0],
                "tree_parts": {k: round(v) for k, v in peak[1].items()},  # who held the tree's peak
            }
        )
    )
    return 0


def _parts(r: dict) -> str:
    """Who held the process tree's peak, in words."""
    p = r.get("tree_parts") or {}
    return f"then build {p.get('build', 0)}, forkserver and helpers {p.get('helpers', 0)}, workers {p.get('workers', 0)} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of generated reports (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default 1,2)")
    ap.add_argument("--keep", help="use this folder (raw/ and out-<w>/) and keep it")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--raw", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args(argv)
    if args.child:
        args.workers = int(args.workers)
        return child(args)
    if args.n < 1:
        ap.error("--n must be at least 1")
    from synth.generator import generate

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xxgk-bench-build-"))
    raw = base / "raw"
    t0 = time.perf_counter()
    if not (raw.is_dir() and len(list(raw.iterdir())) == args.n):
        shutil.rmtree(raw, ignore_errors=True)
        raw.mkdir(parents=True)
        for i in range(args.n):
            (raw / f"r{args.seed + i:06d}.txt").write_bytes(generate(args.seed + i).data)
    print(
        f"{args.n} generated reports in {raw} ({time.perf_counter() - t0:.1f} s to write, not timed); "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    rows = []
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    runs = [(w, False) for w in counts] + ([(counts[-1], True)] if counts else [])
    for w, again in runs:
        out = base / f"out-{w}"
        if not again:
            shutil.rmtree(out, ignore_errors=True)
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--workers",
            str(w),
            "--raw",
            str(raw),
            "--out",
            str(out),
        ]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
        if p.returncode != 0:
            print(p.stdout, p.stderr, file=sys.stderr)
            return 1
        r = json.loads(p.stdout.strip().splitlines()[-1])
        r["label"] = f"{w} worker{'s' if w > 1 else ''}" + (" (rebuild, cached)" if again else "")
        rows.append(r)
        print(
            f"  {r['label']:28} {r['seconds']:8.1f} s  {r['reports'] / r['seconds']:8.1f} reports/s  "
            f"parsed {r['parsed']}, cached {r['cached']}, kept {r['kept']}, errors {r['errors']}; "
            f"peak RSS build process {r['self_mib']:.0f} MiB, process tree {r['tree_mib']:.0f} MiB "
            f"({_parts(r)}); "
            f"build process CPU {r['cpu_ms']:.2f} ms/report",
            flush=True,
        )
    print()
    print(
        "| run | reports | seconds | reports/s | peak RSS build (MiB) | peak RSS tree (MiB) | build CPU (ms/report) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['label']} | {r['reports']} | {r['seconds']:.1f} | {r['reports'] / r['seconds']:.1f} | "
            f"{r['self_mib']:.0f} | {r['tree_mib']:.0f} | {r['cpu_ms']:.2f} |"
        )
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
