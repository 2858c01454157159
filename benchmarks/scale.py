"""Benchmark: how `xxgk build` grows with the corpus, locally and on Dask.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000] [--executors local,dask] [--workers 2]
                                         [--mix text=70,html=15,pdf=10,docx=5] [--keep DIR] [--no-rebuild]

Writes a mixed-form corpus of generated reports once (plain text in the generator's styles,
web pages, PDFs and DOCX files rendered by `synth`; not timed; `--sizes` up to 100000 for the
large run), then for every size and executor runs a complete build into an empty output
folder in a fresh process and prints reports per second and peak resident memory: of the
build process, and of its whole process tree (build, forkserver, pool or Dask workers and
nannies, resident sizes added up, sampled every 50 ms from /proc, with what the build, the
forkserver and other helpers, and the workers held at the tree's peak), and the build process's
own CPU time per report (the serial part: more workers do not shrink it). Smaller sizes are the
first reports of the largest corpus (symbolic links), so every size reads the same mix.
After each local build, unless `--no-rebuild`, the same build is run again wholly from the
cache: the cached-rebuild ratio is the first build's time over the second's.

What to read: reports/s should stay level as sizes grow (time linear in reports) and the
peak memory of the build process should stay flat.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("bench_build", Path(__file__).with_name("build.py"))
_bench_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench_build)
tree_rss_mib = _bench_build._tree_rss_mib

FORMS = ("text", "html", "pdf", "docx")


def render(i: int, form: str) -> tuple[str, bytes]:
    """Report number `i` in `form`: (file name, bytes)."""
    from synth.generator import generate

    g = generate(i)
    if form == "text" or g.version not in ("2019", "2021"):  # pre-2019 reports exist as text only
        return f"r{i:06d}.txt", g.data
    rng = random.Random(i)
    if form == "html":
        from synth.render_forms import render_html

        return f"r{i:06d}.html", render_html(g.values, g.version, g.year, g.agency, rng=rng)
    if form == "docx":
        from synth.render_forms import render_docx

        return f"r{i:06d}.docx", render_docx(g.values, g.version, g.year, g.agency, rng=rng)
    from synth.render_pdf import render_pdf

    return f"r{i:06d}.pdf", render_pdf(g.values, g.version, g.year, g.agency, rng=rng)


def _write(job: tuple[int, str, str]) -> str:
    i, form, folder = job
    name, data = render(i, form)
    (Path(folder) / name).write_bytes(data)
    return name


def make_pool(pool: Path, n: int, mix: dict[str, int], workers: int) -> list[str]:
    """The first `n` reports in `pool` (written only when missing); their file names in order."""
    rng = random.Random(0)
    forms = [rng.choices(list(mix), weights=list(mix.values()))[0] for _ in range(n)]
    listing = pool / "listing.json"
    if listing.is_file():
        names = json.loads(listing.read_text())
        if len(names) >= n:
            return names[:n]
    pool.mkdir(parents=True, exist_ok=True)
    import multiprocessing as mp

    jobs = [(i, forms[i], str(pool)) for i in range(n)]
    with mp.get_context("forkserver").Pool(workers) as p:
        names = list(p.imap(_write, jobs, chunksize=64))
    listing.write_text(json.dumps(names))
    return names


def raw_of(base: Path, pool: Path, names: list[str]) -> Path:
    raw = base / f"raw-{len(names)}"
    if not (raw.is_dir() and len(os.listdir(raw)) == len(names)):
        shutil.rmtree(raw, ignore_errors=True)
        raw.mkdir(parents=True)
        for n in names:
            (raw / n).symlink_to(pool / n)
    return raw


child = _bench_build.child  # one build in this process, its figures as a JSON line


def run(raw: Path, out: Path, executor: str, workers: int) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--executor",
        executor,
        "--workers",
        str(workers),
        "--raw",
        str(raw),
        "--out",
        str(out),
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    if p.returncode != 0:
        raise RuntimeError(f"build failed:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes",
        default="1000,10000",
        help="corpus sizes, comma-separated (default 1000,10000; add 100000 for the large run)",
    )
    ap.add_argument("--executors", default="local,dask", help="local, dask or both (default)")
    ap.add_argument("--workers", type=int, default=2, help="parser processes or Dask workers (default 2)")
    ap.add_argument("--mix", default="text=70,html=15,pdf=10,docx=5", help="share of each form, in percent")
    ap.add_argument("--keep", help="use this folder (corpus and outputs) and keep it")
    ap.add_argument("--no-rebuild", action="store_true", help="skip the rebuild from cache after local builds")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--executor", default="local", help=argparse.SUPPRESS)
    ap.add_argument("--raw", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    mix = {k: int(v) for k, v in (p.split("=") for p in args.mix.split(","))}
    if set(mix) - set(FORMS):
        ap.error(f"--mix knows {', '.join(FORMS)}")
    sizes = sorted(int(s) for s in args.sizes.split(","))
    executors = [e.strip() for e in args.executors.split(",") if e.strip()]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xxgk-bench-scale-"))
    pool = base / "pool"
    t0 = time.perf_counter()
    names = make_pool(pool, sizes[-1], mix, args.workers)
    print(
        f"{sizes[-1]} generated reports in {pool} ({time.perf_counter() - t0:.0f} s to write, not timed; mix "
        f"{args.mix}); {os.cpu_count()} CPUs, {args.workers} workers",
        flush=True,
    )
    rows = []
    for n in sizes:
        raw = raw_of(base, pool, names[:n])
        for ex in executors:
            out = base / f"out-{n}-{ex}"
            shutil.rmtree(out, ignore_errors=True)
            runs = [("", run(raw, out, ex, args.workers))]
            if ex == "local" and not args.no_rebuild:
                runs.append((" (rebuild from cache)", run(raw, out, ex, args.workers)))
            for note, r in runs:
                r.update(size=n, label=f"{ex}{note}")
                rows.append(r)
                print(
                    f"  {n:>7} {r['label']:28} {r['seconds']:8.1f} s {r['reports'] / r['seconds']:8.1f} reports/s  "
                    f"build process {r['self_mib']:.0f} MiB and {r['cpu_ms']:.2f} ms CPU/report, "
                    f"process tree {r['tree_mib']:.0f} MiB ({_bench_build._parts(r)}; parsed {r['parsed']}, cached {r['cached']}, "
                    f"kept {r['kept']}, errors {r['errors']})",
                    flush=True,
                )
            if not args.keep:  # kept, a folder's outputs and caches serve `rebuild_phases.py`
                shutil.rmtree(out, ignore_errors=True)
    print()
    print(
        "| reports | run | seconds | reports/s | peak RSS build (MiB) | peak RSS tree (MiB) | KiB/report over the smallest "
        "| build CPU (ms/report) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    first = {}
    for r in rows:
        f = first.setdefault(r["label"], r)
        growth = ((r["self_mib"] - f["self_mib"]) * 1024 / (r["size"] - f["size"])) if r["size"] > f["size"] else None
        print(
            f"| {r['size']} | {r['label']} | {r['seconds']:.1f} | {r['reports'] / r['seconds']:.1f} | "
            f"{r['self_mib']:.0f} | {r['tree_mib']:.0f} | {'' if growth is None else f'{growth:.1f}'} | {r['cpu_ms']:.2f} |"
        )
    for n in sizes:
        a = [r for r in rows if r["size"] == n and r["label"] == "local"]
        b = [r for r in rows if r["size"] == n and r["label"] == "local (rebuild from cache)"]
        if a and b:
            print(f"cached rebuild of {n}: {a[0]['seconds'] / b[0]['seconds']:.1f}x faster than the first build")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
