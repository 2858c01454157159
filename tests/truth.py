"""Map the corpus truth files' Chinese labels to cell addresses (for tests only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from parsers.templates import norm_label, template


def _n(s: str) -> str:
    s = norm_label(s)
    return re.sub(r"[（(](区分处理|单位|元|万元).*$", "", s)


def truth_cells(path: Path, version: str) -> dict:
    truth = json.loads(path.read_text(encoding="utf-8"))
    tpl = template(version)
    out = {}
    t3cols = {_n(c.label): c.key for c in tpl.t3_columns}
    t3rows = {}
    for r in tpl.t3_rows:
        group = [_n(p) for p in r.path if not p.startswith("三")]
        t3rows["/".join(group + [_n(r.label)])] = r.key
        t3rows.setdefault(_n(r.label), r.key)
    t3rows[_n("其他处理")] = "other"
    t3rows[_n("总计")] = "results_total"
    for row, cols in (truth.get("table3") or {}).items():
        key = t3rows["/".join(_n(p) for p in row.split("/"))]
        for col, v in cols.items():
            out[f"t3/{key}/{t3cols[_n(col)]}"] = v
    t4rows = {_n(r.label): r.key for r in tpl.t4_rows}
    t4cols = {_n(c.label): c.key for c in tpl.t4_columns}
    for k, v in (truth.get("table4") or {}).items():
        r, c = k.split("/")
        out[f"t4/{t4rows[_n(r)]}/{t4cols[_n(c)]}"] = v
    for k, v in (truth.get("table2") or {}).items():
        cap, row, col = (p.strip() for p in k.split(" / "))
        b = next(b for b in tpl.table2 if _n(b.caption) == _n(cap))
        rk = next((r.key for r in b.rows if _n(r.label) == _n(row)), None)
        if rk is None:  # 规范性文件 / 行政规范性文件 are one row
            rk = next(r.key for r in b.rows if _n(r.label).endswith(_n(row)) or _n(row).endswith(_n(r.label)))
        ck = next(c.key for c in b.columns if _n(c.label) == _n(col) or _n(col).startswith(_n(c.label)))
        out[f"t2/{b.key}.{rk}/{ck}"] = v
    return out


def compare(report, want: dict) -> list[str]:
    got = {c.address: c for c in report.cells}
    diffs = []
    for a, v in want.items():
        c = got.get(a)
        gv = c.value if c is not None else "absent"
        same = (v is None and gv is None and c is not None) or (
            v is not None and isinstance(gv, (int, float)) and abs(gv - v) < 1e-6
        )
        if not same:
            diffs.append(f"{a}: want {v!r}, got {gv!r} ({c.status if c else 'absent'}, raw {c.raw if c else ''!r})")
    return diffs
