"""``python -m scrapers.simulator [--reports N] [--no-faults] [--families a,b] [--json]``: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import sys
import time

from .server import Simulator
from .sites import FAMILY_NAMES


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scrapers.simulator", description=__doc__)
    ap.add_argument("--reports", type=int, default=12, help="reports per site")
    ap.add_argument("--per-page", type=int, default=5)
    ap.add_argument("--no-faults", action="store_true")
    ap.add_argument("--no-lookalikes", action="store_true")
    ap.add_argument("--families", default=",".join(FAMILY_NAMES))
    ap.add_argument("--portals", help="write a portal CSV here")
    ap.add_argument("--json", action="store_true", help="print one JSON line with the sites, then serve")
    a = ap.parse_args(argv)
    sim = Simulator(
        families=[f for f in a.families.split(",") if f],
        reports=a.reports,
        per_page=a.per_page,
        faults=not a.no_faults,
        lookalikes=not a.no_lookalikes,
    ).start()
    if a.portals:
        sim.portals_csv(a.portals)
    info = [
        {"family": s.family, "column_url": s.column_url, "base": s.base, "expected": len(s.expected)} for s in sim.sites
    ]
    if a.json:
        print(json.dumps(info), flush=True)
    else:
        for i in info:
            print(f"{i['family']:12} {i['column_url']}  ({i['expected']} report documents)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
