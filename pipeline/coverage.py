"""Which expected reports exist: one row per county × year × expected publisher.

A county is expected to publish one annual report from its own government and one from
every township, town and street office under it (the register's level-4 children). Each
expected report is a row with ``found`` true or false, so missing reports are counted,
not invisible. Publishers come from the division register as of ``regions.REGISTER_DATE``:
a township merged or created in another year is judged against today's list.
"""
from __future__ import annotations

from collections import defaultdict

from . import regions

GOV_TYPES = ("government", "street_office")


def _region_of(report: dict) -> dict:
    reg = report.get("region")
    if reg and reg.get("code"):
        if not reg.get("agency_type"):
            reg = {**reg, "agency_type": regions.agency_type(report.get("agency"))}
        return reg
    return regions.resolve_region(report.get("agency")).as_dict()


def _report_id(report: dict, i: int) -> str:
    for key in ("report_id", "id", "sha256"):
        if report.get(key):
            return str(report[key])
    return f"#{i}"


def coverage(reports: list[dict], years: list[int], counties: list[str] | None = None) -> list[dict]:
    """One row per (county_code, year, expected publisher), with ``found`` and ``report_ids``.

    ``reports`` are dicts with at least ``agency``, ``year`` and ``region`` (as
    ``Region.as_dict()``; resolved from ``agency`` when missing). ``counties`` are county
    codes; without them, the counties of the resolved reports are in scope. A report
    counts for a publisher when its region's code and level are the publisher's and the
    agency is a government or street office (not a department, nor a development zone's
    管委会 placed at the county).
    """
    years = sorted({int(y) for y in years})
    found: dict[tuple, list[str]] = defaultdict(list)
    scope: list[str] = []
    for i, r in enumerate(reports):
        reg = _region_of(r)
        county = regions.county_of(reg.get("code"))
        if county and county not in scope:
            scope.append(county)
        if r.get("year") is None or reg.get("agency_type") not in GOV_TYPES:
            continue
        if regions.zone_name(r.get("agency")):
            continue
        found[(reg.get("code"), reg.get("level"), int(r["year"]))].append(_report_id(r, i))
    if counties is not None:
        scope = [str(c) for c in counties]
    rows = []
    for county in sorted(scope):
        pubs = regions.expected_publishers(county)
        county_name = pubs[0]["division"]
        for year in years:
            for p in pubs:
                ids = found.get((p["code"], p["level"], year), [])
                rows.append({"county_code": county, "county": county_name, "publisher_code": p["code"],
                             "publisher_name": p["name"], "publisher_level": p["level"], "year": year,
                             "found": bool(ids), "report_ids": list(ids)})
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """Per county and year: expected, found, missing and the share found."""
    acc: dict[tuple, list[int]] = {}
    for r in rows:
        a = acc.setdefault((r["county_code"], r["county"], r["year"]), [0, 0])
        a[0] += 1
        a[1] += bool(r["found"])
    return [{"county_code": c, "county": n, "year": y, "expected": e, "found": f, "missing": e - f,
             "share": round(f / e, 3) if e else None}
            for (c, n, y), (e, f) in sorted(acc.items())]
