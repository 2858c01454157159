"""The arithmetic of the old statistics table, over plain cells (soft identities).

* Within a report (`sum_checks`): sub-items add up to their 总数 rows — channels to 收到申请数,
  reply types to 申请答复数, reasons to 不同意公开答复数, outcomes to their case counts,
  专职 + 兼职 to the staff (national.json ``pre2019.identities``). Pre-2019 tables often do
  not add up, so a sum is evaluated over the parts the report prints, in each column, and
  a failure is a warning, never a change of value.
* Across the same publisher's consecutive years (`cumulative_cross_year`, at build time):
  历年累计(t) = 历年累计(t−1) + 本年度(t) for every flow indicator both reports print.
  `split_by_cumulative` uses the same identity to read a row whose two cells ran together
  (``1297`` = 12 | 97) where the parser left it unresolved: a reading stands only when it is
  the one split that fits.
"""

from __future__ import annotations

from .model import Check, ReportCell
from .pre2019 import COLUMNS, sum_identities, sum_parts

# Figures whose 历年累计 is no running sum: a rate, and stocks (people, offices); money may
# change unit from one year to the next.
_NOT_ADDITIVE = ("proactive_fulltext_rate", "staff", "org_units", "fees_", "budget")


def _key_col(address: str) -> tuple[str, str] | None:
    parts = address.split("/")
    if len(parts) != 3 or parts[0] != "p":
        return None
    return parts[1], parts[2]


def _numbers(cells) -> dict[tuple[str, str], float]:
    out = {}
    for c in cells:
        kc = _key_col(c.address)
        if kc and c.status == "number" and c.value is not None:
            out[kc] = c.value
    return out


def sum_checks(cells) -> list[Check]:
    """One check per sum and column where the report gives the total and at least one part."""
    present = {kc for c in cells if (kc := _key_col(c.address))}
    nums = _numbers(cells)
    keys = {k for k, _ in present}
    out = []
    for id_, lhs, rhs in sum_identities():
        parts = sorted(sum_parts(keys, rhs))
        for col in COLUMNS:
            printed = [p for p in parts if (p, col) in present]
            if (lhs, col) not in present or not printed:
                continue
            subject = f"{lhs}/{col}"
            if (lhs, col) not in nums or any((p, col) not in nums for p in printed):
                out.append(Check(id_, subject, None, nums.get((lhs, col)), None, "a figure is unresolved", False))
                continue
            total, s = nums[(lhs, col)], sum(nums[(p, col)] for p in printed)
            ok = abs(total - s) < 1e-6
            note = "" if ok else f"{' + '.join(printed)} differ from the total by {_n(total - s)}"
            out.append(Check(id_, subject, ok, _n(total), _n(s), note, False))
    return out


def _n(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _additive(key: str) -> bool:
    return not key.startswith(_NOT_ADDITIVE)


def cumulative_cross_year(prev_cells, cur_cells, prev_year: int, cur_year: int) -> list[Check]:
    """历年累计(t) = 历年累计(t−1) + 本年度(t), one check per indicator both reports print."""
    if cur_year != prev_year + 1:
        return []
    prev, cur = _numbers(prev_cells), _numbers(cur_cells)
    out = []
    for (key, col), cum in sorted(cur.items()):
        if col != "cumulative" or not _additive(key):
            continue
        before, this = prev.get((key, "cumulative")), cur.get((key, "value"))
        if before is None or this is None:
            continue
        rhs = before + this
        ok = abs(cum - rhs) < 1e-6
        out.append(
            Check(
                "p_cumulative_cross_year",
                key,
                ok,
                _n(cum),
                _n(rhs),
                f"{cur_year} 历年累计 vs {prev_year} 历年累计 + {cur_year} 本年度",
                False,
            )
        )
    return out


def split_by_cumulative(prev_cells, cur_cells, prev_year: int, cur_year: int) -> list[ReportCell]:
    """Cells of `cur_cells` that the parser left unresolved because their digits ran together,
    read with 历年累计(t) = 历年累计(t−1) + 本年度(t) where exactly one split fits (either
    column order)."""
    if cur_year != prev_year + 1:
        return []
    prev = _numbers(prev_cells)
    unresolved = {kc: c for c in cur_cells if (kc := _key_col(c.address)) and c.status == "unresolved"}
    out = []
    for (key, col), c in sorted(unresolved.items()):
        if col != "value" or not _additive(key) or (key, "cumulative") not in unresolved:
            continue
        before = prev.get((key, "cumulative"))
        digits = c.raw
        if before is None or not digits.isdigit() or digits != unresolved[(key, "cumulative")].raw:
            continue
        fits = set()
        for i in range(1, len(digits)):
            a, b = digits[:i], digits[i:]
            if (len(a) > 1 and a[0] == "0") or (len(b) > 1 and b[0] == "0"):
                continue
            for value, cum in ((a, b), (b, a)):
                if int(cum) == before + int(value):
                    fits.add((value, cum))
        if len(fits) != 1:
            continue
        ((value, cum),) = fits
        cc = unresolved[(key, "cumulative")]
        out.append(ReportCell(c.address, int(value), value, "number", c.loc, c.unit, c.via))
        out.append(ReportCell(cc.address, int(cum), cum, "number", cc.loc, cc.unit, cc.via))
    return out


def report_checks(cells) -> list[Check]:
    """A pre-2019 report's checks: its sums, and the cross-year identity listed for the build
    to evaluate (as the templates' cross-year identities are) where it prints a 历年累计."""
    out = sum_checks(cells)
    if any(c.address.endswith("/cumulative") for c in cells):
        out.append(
            Check(
                "p_cumulative_cross_year",
                "report",
                None,
                None,
                None,
                "needs the previous year's report: evaluated in the datasets",
                False,
            )
        )
    return out
