"""One report's cells -> the value and the status of every indicator of its template.

The `values` dataset, the panel and the panel's companion status table all come from
`ReportValues.get`, so that a number in the panel can always say what it is:

==================  =====================================================================
status              value
==================  =====================================================================
``number``          printed in the cell (money converted to the indicator's unit)
``blank_as_zero``   0: the cell is blank, a dash or 无, it is a component (not a total),
                    and its table prints at least one number (the template's blank policy)
``blank``           null: a blank total, or a blank cell in a table that prints no number
``derived``         computed by xxgk from printed cells: a group row the report does not
                    print (the sum of its sub-rows), the legal-person column (the sum of its
                    five columns), or a blank total whose parts are printed (their sum,
                    the template's identity)
``unresolved``      null: the text admits several readings and the parser never guesses
``unit_unknown``    null: a money cell printed without a unit, so it cannot be converted
``absent``          null: the report has no such cell (its table is missing, or it prints
                    a group row instead of its parts)
==================  =====================================================================

``resolved_cross_year`` marks a value of a row the report alone left ambiguous, settled
by the build from the publisher's neighbouring year (`pipeline.crossyear`).
"""

from __future__ import annotations

from parsers.identities import blank_is_total, row_sums
from parsers.templates import latest, template, versions

STATUSES = (
    "number",
    "blank_as_zero",
    "blank",
    "derived",
    "unresolved",
    "unit_unknown",
    "absent",
    "resolved_cross_year",
)
# which status a derived value without a value takes from its parts: the first one found
_WORST = ("unresolved", "unit_unknown", "absent", "blank", "blank_as_zero")


def total_parts(version: str | None) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Table -> (total column, the columns whose sum it is) under the template's row
    identities (`parsers.identities.row_sums`); the latest template's for a report on none."""
    return row_sums(version if version in versions() else latest())


def convert_money(v, unit: str | None, target: str):
    if v is None:
        return None
    if unit == target:
        return float(v)
    if unit == "元" and target == "万元":
        return round(v / 10000, 10)
    if unit == "万元" and target == "元":
        return round(v * 10000, 6)
    return None  # unit unknown: not comparable


def split_address(address: str) -> tuple[str, str, str]:
    """'t3/denied.state_secret/total' -> ('t3', 'denied.state_secret', 'total')."""
    table, rest = address.split("/", 1)
    row, _, col = rest.rpartition("/")
    return table, row, col


class ReportValues:
    """The indicator values of one report, under its template's blank policy
    (`parsers.identities`: which blank cells are totals, and the row sums).

    `groups`: derived group row -> its part rows; `dcols`: derived column -> its part
    columns (both from the template file, see `pipeline.datasets._t3_derivations`);
    `version`: the report's template (pre-2019 and unknown reports: the latest's policy)."""

    def __init__(self, cells: list[dict], groups: dict, dcols: dict, version: str | None = None):
        self.by = {c["address"]: c for c in cells}
        self.groups, self.dcols = groups, dcols
        self.tpl = template(version if version in versions() else latest())
        self.sums = total_parts(self.tpl.version)
        self.memo: dict[tuple, tuple] = {}
        self.has_number = {t: False for t in ("t2", "t3", "t4")}
        for a, c in self.by.items():
            t = a.split("/", 1)[0]
            if t in self.has_number and c.get("status") == "number":
                self.has_number[t] = True

    def printed(self, address: str, money: str | None = None) -> tuple:
        """(value, status) of a cell the report has, under the blank policy."""
        c = self.by.get(address)
        if c is None:
            return None, "absent"
        st = c.get("status")
        if st == "number":
            v = c.get("value")
            if money:
                v = convert_money(v, c.get("unit"), money)
                return (None, "unit_unknown") if v is None else (v, "number")
            return v, "number"
        if st == "unresolved":
            return None, "unresolved"
        if st == "resolved_cross_year":  # settled by the publisher's neighbouring year (pipeline.crossyear)
            v = c.get("value")
            return (convert_money(v, c.get("unit"), money) if money else v), "resolved_cross_year"
        table, row, col = split_address(address)
        if table == "p":
            return None, "blank"
        if self.has_number.get(table) and not blank_is_total(self.tpl, table, row, col):
            return (0.0 if money else 0), "blank_as_zero"
        return None, "blank"

    def get(self, address: str, money: str | None = None) -> tuple:
        """(value, status) of an indicator's address for this report."""
        table, row, col = split_address(address)
        if table in self.sums:
            return self._table(table, row, col)
        return self.printed(address, money)

    def _table(self, table: str, row: str, col: str) -> tuple:
        key = (table, row, col)
        got = self.memo.get(key)
        if got is None:
            got = self._compute(table, row, col)
            self.memo[key] = got
        return got

    def _compute(self, table: str, row: str, col: str) -> tuple:
        a = f"{table}/{row}/{col}"
        if a in self.by:
            v, st = self.printed(a)
            total, parts = self.sums[table]
            if st == "blank" and col == total:
                # a blank total whose parts are printed is their sum (the row identity)
                d = self._sum([self._table(table, row, c) for c in parts], need_number=True)
                if d[1] == "derived":
                    return d
            return v, st
        if table == "t3" and col in self.dcols:
            return self._sum([self._table(table, row, c) for c in self.dcols[col]])
        if table == "t3" and row in self.groups:
            return self._sum([self._table(table, p, col) for p in self.groups[row]])
        return None, "absent"

    @staticmethod
    def _sum(parts: list[tuple], need_number: bool = False) -> tuple:
        if all(v is not None for v, _ in parts):
            if need_number and not any(st in ("number", "derived", "resolved_cross_year") for _, st in parts):
                return None, "blank"
            return sum(v for v, _ in parts), "derived"
        seen = {st for v, st in parts if v is None}
        return None, next(s for s in _WORST if s in seen)
