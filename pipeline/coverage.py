"""Which expected reports exist: one row per expected publisher × year, and a summary per
county and year with the list of publishers that did not publish.

Expected publishers of a county (every county that holds a kept report):

* from the register (``regions.expected_publishers``, as of ``regions.REGISTER_DATE``):
  the county's government and every township, town and street office under it; a
  township merged or created in another year is judged against the register's list;
* revealed by the reports: zones and sub-zones, and townships the register lacks, whose
  reports are placed in the county (平潭综合实验区 and its 片区管理局 at 平潭县); like
  departments, a zone's bodies (its tax bureau) are not expected.

Matching is by ``publisher_id`` (`pipeline.entities`), so a report is found whatever
spelling of the name it prints and at whichever division it is placed.

Expected years: the years asked (``xxgk build --years 2019-2024``) for every publisher;
without them, a register publisher is expected from the first year any report of its
county is in the build, and a revealed publisher from its own first report year (its
parent zone from its first unit's), up to the build's last year. A county does not get the
build's whole year span because another county's reports reach further back.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import regions
from .entities import register_publisher

REVEALED_TYPES = ("zone", "township", "street", "government")  # not departments, nor a zone's bodies


def _county(code: str | None) -> str | None:
    return regions.county_of(code)


def _register(county: str) -> list[dict]:
    try:
        pubs = regions.expected_publishers(county)
    except ValueError:  # not a county-level division with townships
        return []
    out = []
    for p in pubs:
        pub = register_publisher(p["code"], p["name"])
        if pub:
            out.append(pub | {"county_name": pubs[0]["division"]})
    return out


def _revealed(p: dict) -> bool:
    """A publisher the reports reveal that coverage expects: a zone, a sub-zone's
    administration (its name holds a second zone: 平潭综合实验区金井片区管理局), a township
    or government the register lacks; not a department, nor a zone's other bodies."""
    t = p.get("publisher_type")
    if t == "zone_agency":
        return len(regions.zones(p.get("publisher"))) > 1
    return t in REVEALED_TYPES


def coverage(kept: list[dict], publishers: list[dict], years: tuple[int, int] | None = None) -> list[dict]:
    """One row per (expected publisher, year) with ``found`` and ``report_ids``; see `iter_coverage`."""
    return list(iter_coverage(kept, publishers, years))


def iter_coverage(kept, publishers: list[dict], years: tuple[int, int] | None = None) -> Iterator[dict]:
    """The rows of `coverage`, one at a time, by county, publisher and year (a national build
    has hundreds of thousands: the build writes them as they come).

    `kept`: kept report rows with ``publisher_id``, ``year``, ``division_code`` and
    ``report_id``; `publishers`: the publishers dataset's rows (`entities.publisher_rows`)."""
    found: dict[tuple, list[str]] = {}
    first: dict[str, int] = {}
    last = None
    for r in kept:
        y = r.get("year")
        if y is None:
            continue
        last = y if last is None else max(last, y)
        c = _county(r.get("division_code"))
        if c:
            first[c] = min(first.get(c, y), y)
        if r.get("publisher_id"):
            found.setdefault((r["publisher_id"], y), []).append(r["report_id"])
    if last is None:
        return
    by_id = {p["publisher_id"]: p for p in publishers}
    in_county: dict[str, list[dict]] = {}  # the revealed publishers of each county, in the publishers' order
    for p in publishers:
        if _revealed(p):
            in_county.setdefault(_county(p.get("division_code")), []).append(p)
    for county in sorted(first):
        expected = {p["publisher_id"]: (p, "register", first[county]) for p in _register(county)}
        if not expected:
            continue
        name = next(iter(expected.values()))[0]["county_name"]
        for p in in_county.get(county, ()):
            if p["publisher_id"] not in expected:
                start = p.get("first_year") or _child_first(p["publisher_id"], publishers) or first[county]
                expected[p["publisher_id"]] = (p, "first_report", start)
        for pid in sorted(expected):
            p, why, start = expected[pid]
            span = range(years[0], years[1] + 1) if years else range(start, last + 1)
            for y in span:
                ids = sorted(found.get((pid, y), []))
                yield (
                    {
                        "county_code": county,
                        "county": name,
                        "publisher_id": pid,
                        "publisher": p.get("publisher") or by_id.get(pid, {}).get("publisher"),
                        "publisher_type": p.get("publisher_type"),
                        "division_code": p.get("division_code"),
                        "year": y,
                        "expected_because": why,
                        "found": bool(ids),
                        "report_ids": ";".join(ids) or None,
                    }
                )


def _child_first(pid: str, publishers: list[dict]) -> int | None:
    ys = [p["first_year"] for p in publishers if p.get("parent_id") == pid and p.get("first_year") is not None]
    return min(ys) if ys else None


def summary(rows: list[dict], sep: str = ";") -> list[dict]:
    """Per county and year: expected, found, the share found and the publishers missing."""
    acc: dict[tuple, list] = {}
    for r in rows:
        a = acc.setdefault((r["county_code"], r["county"], r["year"]), [0, 0, []])
        a[0] += 1
        a[1] += bool(r["found"])
        if not r["found"]:
            a[2].append(r["publisher"])
    return [
        {
            "county_code": c,
            "county": n,
            "year": y,
            "expected": e,
            "found": f,
            "share_found": round(f / e, 3) if e else None,
            "missing": sep.join(m) or None,
        }
        for (c, n, y), (e, f, m) in sorted(acc.items())
    ]
