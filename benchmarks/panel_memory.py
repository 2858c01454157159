"""Benchmark: the memory of writing the panel (`datasets.PanelWriter`) against its rows.

    .venv/bin/python benchmarks/panel_memory.py [--rows 40000 400000] [--years 6]

For each row count, a fresh process drives the panel writer alone with that many synthetic
publisher-year rows (every indicator of the 2021 template filled, `number` status), spread
evenly over `--years` years in panel order, into a temporary folder, and prints its peak
resident memory (VmHWM), its anonymous resident memory just before the files are closed
(what the parquet writers hold then: among it every written row group's metadata, about
400 KiB per 484-column row group, which a single file kept for the whole corpus), the files
and row groups written, and the CPU time. Compare the lines: what grows from the smaller
count to the larger is what the panel costs a larger corpus.

Measured (2026-12-05, 2-core machine): one file per dataset, peak 175 MiB at 40,000 rows and
271 MiB at 400,000 (196 row groups' metadata held to the end); a file per year (12 files),
168 and 183 MiB.

Run under `nice` on a shared machine; CPU is `time.process_time` of the child, so it holds
on a loaded machine where wall time does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, random, sys, tempfile, time
    from pathlib import Path
    import pyarrow.parquet as pq
    from pipeline import datasets as D
    from pipeline.memory import release

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) >> 10

    rows, years = int(sys.argv[1]), int(sys.argv[2])
    names = [pc.name for pc in D.template_columns("2021")]
    rng = random.Random(0)
    out = Path(tempfile.mkdtemp(dir=sys.argv[3]))
    t0 = time.process_time()
    w = D.PanelWriter(out)
    for i in range(rows):
        year = 2019 + i * years // rows
        pick = {"report_id": f"r{i:08d}", "publisher_id": f"320813-p{i}", "year": year, "template": "2021",
                "scope": "own", "county_code": "320813", "agency": f"机关{i}"}
        values = {n: (rng.randrange(1000), "number") for n in names}
        w.add(D.PanelGroup((pick["publisher_id"], year), (pick,), pick), values)
    release()
    before_close = status("RssAnon")
    files = w.close()
    files = [p for ps in (files.values() if isinstance(files, dict) else [files]) for p in ps]
    groups = sum(pq.read_metadata(p).num_row_groups for p in files)
    print(json.dumps({"rows": rows, "years": years, "peak_mib": status("VmHWM"), "anon_before_close_mib": before_close,
                      "files": len(files), "row_groups": groups, "cpu_s": round(time.process_time() - t0, 1)}))
""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[40_000, 400_000])
    ap.add_argument("--years", type=int, default=6)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory(prefix="panel-memory-") as tmp:
        for n in args.rows:
            got = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(args.years), tmp],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(got.stdout.strip().splitlines()[-1])
            print(
                f"{r['rows']:>8,} rows / {r['years']} years: peak {r['peak_mib']} MiB, anon before close "
                f"{r['anon_before_close_mib']} MiB, {r['files']} files, {r['row_groups']} row groups, "
                f"CPU {r['cpu_s']} s"
            )


if __name__ == "__main__":
    main()
