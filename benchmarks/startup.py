"""Start-up cost of the command line as a whole process: `xxgk --help`, `xxgk parse` of one
small text file (with and without region resolution), best of N runs, wall and CPU time.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--xxgk .venv/bin/xxgk]

The first `xxgk parse` on a machine writes the region store and the compiled template
regexes to the cache folder (`pipeline.region_store`, `parsers.regex_cache`) and Python's
bytecode beside the sources; it is run once before timing, as a user's second run would be,
and that first run is also timed alone with an empty cache folder. PYTHONDONTWRITEBYTECODE is
removed from the children's environment (an installed package has its bytecode).
Target (issue 13): `xxgk parse` of a small file under 0.3 s wall on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

SMALL = (
    "某县某某镇人民政府2022年政府信息公开工作年度报告\n"
    "本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n一、总体情况\n全年收到申请3件。\n"
)


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env or ENV)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--xxgk", default=str(Path(".venv/bin/xxgk")))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.txt"
        small.write_text(SMALL, encoding="utf-8")
        cases = {
            "xxgk --help": [args.xxgk, "--help"],
            "xxgk parse small.txt --no-region": [args.xxgk, "parse", str(small), "--no-region"],
            "xxgk parse small.txt": [args.xxgk, "parse", str(small)],
        }
        _run(cases["xxgk parse small.txt"])  # writes the cache (and bytecode) on a fresh machine
        first = _run(cases["xxgk parse small.txt"], {**ENV, "XXGK_CACHE_DIR": str(Path(tmp) / "cache")})
        print(f"load average {os.getloadavg()[0]:.1f}; best of {args.runs} runs")
        for name, cmd in cases.items():
            runs = [_run(cmd) for _ in range(args.runs)]
            wall = min(w for w, _ in runs)
            print(
                f"{name:36s} wall {wall:6.3f} s   cpu {min(c for _, c in runs):6.3f} s"
                + (f"   (target 0.3 s: {wall / 0.3:.2f}x)" if name == "xxgk parse small.txt" else "")
            )
        print(f"{'first parse, empty cache folder':36s} wall {first[0]:6.3f} s   cpu {first[1]:6.3f} s")


if __name__ == "__main__":
    main()
