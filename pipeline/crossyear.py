"""Settle ambiguous rows across years: the build step between parsing and the datasets.

A run such as `规范性文件7777166` admits several splits that one report cannot decide; the
parser keeps them (`readings` of the parse output: for each ambiguous row, the values of
its unresolved cells in every reading the template admits). The same publisher's other
years often decide, through the identities that link a report to its neighbours:

The identities are the templates' ``cross_year`` identities (their definition files'
``terms``), for instance:

* 2019 template: 对外公开总数量(y) = 对外公开总数量(y−1) + 本年新公开(y) (t2 art20_1 rows,
  `t2_published_cross_year`, used here only);
* 2021 template: 现行有效件数(y) = 现行有效件数(y−1) + 本年制发(y) − 本年废止(y)
  (the template's `t2_in_force_cross_year`);
* 2019 template: 上一年项目数量(y) = 上一年项目数量(y−1) + 本年增/减(y−1)
  (`t2_items_cross_year`, art20_5/6/8 rows);
* both: 上年结转(y) = 结转下年度(y−1), every applicant column (`t3_carry_cross_year`).

A reading is kept when it is the only one that no evaluable identity rejects and at
least one evaluable identity (all its other terms printed numbers of the neighbouring
report, of the same publisher, `agency_id`, and the adjacent year) confirms it. Its cells
get status ``resolved_cross_year`` with the value, ``resolved_by`` naming the report that
decided, and a RESOLVED_CROSS_YEAR warning. Anything less (no neighbour, several
publishers' reports for one year, a neighbour whose own cells are unresolved, two
readings admitted) leaves the row as the parser left it: never a guess.

`settling(key_of, kept_of, load)` wraps the build's `load(report_id) -> parse dict`; reports without
readings pass through untouched, so the step costs one extra load per neighbour of an
ambiguous report only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from parsers.identities import cross_year_equations
from parsers.templates import versions


def _instances(template: str):
    """Every cross-year identity of the template (`parsers.identities.cross_year_equations`,
    from the template's definition file) as its terms (year offset, address, coefficient)."""
    for eq in cross_year_equations(template):
        yield tuple((t.dy, t.address, t.coef) for t in eq.terms)


def _numbers(report: dict) -> dict:
    return {
        c["address"]: c["value"]
        for c in report.get("cells") or ()
        if c.get("status") in ("number", "resolved_cross_year") and isinstance(c.get("value"), (int, float))
    }


def judge(option: dict, year: int, template: str, own: dict, neighbours: dict) -> tuple[bool, list[str]]:
    """(rejected, report ids that confirm) for one reading of a row of the report of `year`.
    `own`: the report's printed numbers; `neighbours`: year -> (report id, template, numbers)."""
    rejected, confirmed = False, []
    for anchor in (year, year + 1):  # the report as the later year, then as the earlier one
        for terms in _instances(template):
            if not any(anchor + dy == year and a in option for dy, a, _ in terms):
                continue
            total, others, ok = 0, set(), True
            for dy, a, k in terms:
                y = anchor + dy
                if y == year:
                    v = option[a] if a in option else own.get(a)
                else:
                    n = neighbours.get(y)
                    v = None if n is None or n[1] != template else n[2].get(a)
                    if n is not None:
                        others.add(n[0])
                if v is None:
                    ok = False
                    break
                total += k * v
            if not ok:
                continue
            if abs(total) > 1e-6:
                rejected = True
            else:
                confirmed += sorted(others)
    return rejected, confirmed


def settle(report: dict, neighbours: dict) -> dict:
    """The report with the rows its neighbouring years decide set (a copy), else itself."""
    year, template = report.get("year"), report.get("template")
    if not report.get("readings") or not isinstance(year, int) or template not in versions():
        return report
    own = _numbers(report)
    decided = []
    for row in report["readings"]:
        verdicts = [(o, *judge(o, year, template, own, neighbours)) for o in row["options"]]
        admitted = [(o, conf) for o, rejected, conf in verdicts if not rejected]
        if len(admitted) == 1 and admitted[0][1]:
            decided.append((row["row"], admitted[0][0], admitted[0][1][0]))
    if not decided:
        return report
    out = copy.deepcopy(report)
    cells = {c["address"]: c for c in out["cells"]}
    for row, option, by in decided:
        for a, v in option.items():
            if a in cells and cells[a].get("status") == "unresolved":
                cells[a].update(value=v, status="resolved_cross_year", resolved_by=by)
        out.setdefault("warnings", []).append(
            {
                "code": "RESOLVED_CROSS_YEAR",
                "message": f"{row}: of its readings, only one fits the publisher's "
                f"report of the neighbouring year ({by}); that one was kept",
            }
        )
    out["readings"] = [r for r in out["readings"] if r["row"] not in {d[0] for d in decided}]
    return out


def settling(
    key_of: Callable[[str], tuple[str, int] | None],
    kept_of: Callable[[str, int], list[str]],
    load: Callable[[str], dict],
) -> Callable[[str], dict]:
    """`load` with each kept report's ambiguous rows settled from its publisher's neighbouring
    years. `key_of(report_id)`: (agency_id, year) of a kept report that has both, else None;
    `kept_of(agency_id, year)`: the kept reports of that agency and year (the build's
    working store answers both, so nothing here grows with the corpus). The function returned
    has ``.context(report_id)``: the neighbours its settling reads (`neighbours`), all that a
    settled report depends on besides the parses (the datasets' row cache keys on it)."""

    def neighbours(rid: str) -> dict[int, str] | None:
        """Year -> the one kept report of that adjacent year, which settling `rid` reads;
        None when nothing settles it (no key, or several reports for its own year)."""
        key = key_of(rid)
        if key is None or len(kept_of(*key)) > 1:
            return None
        agency_id, year = key
        return {y: rids[0] for y in (year - 1, year + 1) if len(rids := kept_of(agency_id, y)) == 1}

    def settled(rid: str) -> dict:
        rep = load(rid)
        if not rep.get("readings"):
            return rep
        near = {}
        for y, n in (neighbours(rid) or {}).items():
            other = load(n)
            near[y] = (n, other.get("template"), _numbers(other))
        return settle(rep, near) if near else rep

    settled.context = neighbours
    return settled
