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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

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


def place(p: dict) -> tuple[str | None, bool]:
    """(county, revealed) of a publishers row: where coverage looks for it, and whether it
    expects it though the register lacks it (`_revealed`)."""
    return _county(p.get("division_code")), _revealed(p)


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


class Publishers(Protocol):
    """What coverage asks of the publishers dataset (`ListPublishers` over its rows, or the
    build's working store, `pipeline.buildstore.BuildStore`, so that a national build does
    not hold them)."""

    def publisher(self, pid: str) -> dict | None: ...

    def revealed_in(self, county: str) -> list[dict]:
        """The publishers of a county that coverage expects though the register lacks them
        (`_revealed`), by id."""
        ...

    def child_first(self, pid: str) -> int | None:
        """The first report year of any publisher whose parent is `pid`."""
        ...


class ListPublishers:
    """`Publishers` over the publishers dataset's rows (`entities.publisher_rows`)."""

    def __init__(self, publishers: list[dict]):
        self.by_id = {p["publisher_id"]: p for p in publishers}
        self.in_county: dict[str | None, list[dict]] = {}  # in the publishers' order
        self.first_of_children: dict[str, int] = {}
        for p in publishers:
            if _revealed(p):
                self.in_county.setdefault(_county(p.get("division_code")), []).append(p)
            parent, y = p.get("parent_id"), p.get("first_year")
            if parent and y is not None:
                self.first_of_children[parent] = min(self.first_of_children.get(parent, y), y)

    def publisher(self, pid: str) -> dict | None:
        return self.by_id.get(pid)

    def revealed_in(self, county: str) -> list[dict]:
        return self.in_county.get(county, [])

    def child_first(self, pid: str) -> int | None:
        return self.first_of_children.get(pid)


@dataclass(frozen=True)
class Spans:
    """The years coverage spans: each county's first report year, and the build's last."""

    first: dict[str, int]  # county code -> first year a kept report of it has
    last: int | None


def spans_of(years_by_division: Iterable[tuple[str | None, int, int]]) -> Spans:
    """`Spans` from (division code, first year, last year) of the kept reports."""
    first: dict[str, int] = {}
    last = None
    for code, y0, y1 in years_by_division:
        last = y1 if last is None else max(last, y1)
        c = _county(code)
        if c:
            first[c] = min(first.get(c, y0), y0)
    return Spans(first, last)


def iter_coverage(kept, publishers: list[dict], years: tuple[int, int] | None = None) -> Iterator[dict]:
    """The rows of `coverage`, one at a time, by county, publisher and year (`coverage_rows`).

    `kept`: kept report rows with ``publisher_id``, ``year``, ``division_code`` and
    ``report_id``; `publishers`: the publishers dataset's rows (`entities.publisher_rows`)."""
    found: dict[tuple, list[str]] = {}
    spans = []
    for r in kept:
        y = r.get("year")
        if y is None:
            continue
        spans.append((r.get("division_code"), y, y))
        if r.get("publisher_id"):
            found.setdefault((r["publisher_id"], y), []).append(r["report_id"])
    yield from coverage_rows(spans_of(spans), ListPublishers(publishers), lambda pid, y: found.get((pid, y), []), years)


def coverage_rows(
    spans: Spans, pubs: Publishers, found: Callable[[str, int], list[str]], years: tuple[int, int] | None = None
) -> Iterator[dict]:
    """The rows of `coverage`, one at a time, by county, publisher and year (a national build
    has hundreds of thousands: the build writes them as they come). `found(publisher_id,
    year)`: the kept reports of that publisher and year."""
    if spans.last is None:
        return
    for county in sorted(spans.first):
        expected = {p["publisher_id"]: (p, "register", spans.first[county]) for p in _register(county)}
        if not expected:
            continue
        name = next(iter(expected.values()))[0]["county_name"]
        for p in pubs.revealed_in(county):
            if p["publisher_id"] not in expected:
                start = p.get("first_year") or pubs.child_first(p["publisher_id"]) or spans.first[county]
                expected[p["publisher_id"]] = (p, "first_report", start)
        for pid in sorted(expected):
            p, why, start = expected[pid]
            span = range(years[0], years[1] + 1) if years else range(start, spans.last + 1)
            for y in span:
                ids = sorted(found(pid, y))
                yield (
                    {
                        "county_code": county,
                        "county": name,
                        "publisher_id": pid,
                        "publisher": p.get("publisher") or (pubs.publisher(pid) or {}).get("publisher"),
                        "publisher_type": p.get("publisher_type"),
                        "division_code": p.get("division_code"),
                        "year": y,
                        "expected_because": why,
                        "found": bool(ids),
                        "report_ids": ";".join(ids) or None,
                    }
                )


def summary(rows: list[dict], sep: str = ";") -> list[dict]:
    """Per county and year: expected, found, the share found and the publishers missing."""
    return list(iter_summary(sorted(rows, key=lambda r: r["county_code"]), sep))


def iter_summary(rows: Iterable[dict], sep: str = ";") -> Iterator[dict]:
    """`summary` of rows that come county by county (as `coverage_rows` gives them), one
    county's rows held at a time."""
    acc: dict[tuple, list] = {}
    done: set[str] = set()  # counties summed: one code each, however many counties
    for r in rows:
        if acc and r["county_code"] != next(iter(acc))[0]:
            done.add(next(iter(acc))[0])
            yield from _summed(acc, sep)
            acc = {}
        if r["county_code"] in done:
            raise ValueError(f"coverage rows of {r['county_code']} after another county's")
        a = acc.setdefault((r["county_code"], r["county"], r["year"]), [0, 0, []])
        a[0] += 1
        a[1] += bool(r["found"])
        if not r["found"]:
            a[2].append(r["publisher"])
    yield from _summed(acc, sep)


def _summed(acc: dict[tuple, list], sep: str) -> Iterator[dict]:
    for (c, n, y), (e, f, m) in sorted(acc.items()):
        yield {
            "county_code": c,
            "county": n,
            "year": y,
            "expected": e,
            "found": f,
            "share_found": round(f / e, 3) if e else None,
            "missing": sep.join(m) or None,
        }
