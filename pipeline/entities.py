"""Publishers as entities, and region totals that never count a body twice.

A publisher is the body that publishes a report: a government (province, city, county),
a township or street office, a department, a development zone or a body of a zone.
`publisher_of(agency, region)` gives its identity from the name a report prints and the
division the region resolver placed it at, through `pipeline.publishers.canonical_publisher`
(one naming rule for the whole project):

* ``publisher`` — the canonical readable name, whatever spelling the report prints
  (淮安市洪泽区人民政府 for 洪泽区人民政府 and 洪泽区政府; 平潭综合实验区管理委员会 for
  平潭综合实验区);
* ``publisher_id`` — ``<civil-affairs division code>-<canonical name>``
  (``320813-淮安市洪泽区人民政府``): readable, and stable as long as the register and the
  naming rule are;
* ``publisher_type`` — government, township, street, department, zone, zone_agency (a body
  of a zone: its 片区管理局, its tax bureau), other;
* ``parent_id`` — the body above it: a township's county government, a department's
  government, a zone body's zone, a zone's and a government's next-higher government.

A report whose publisher cannot be named (no agency found) has no publisher_id; the
report row says why in ``unsettled``. Parents without a report of their own are publishers
too (``n_reports`` 0), so that every ``parent_id`` is a key of the dataset.

`region_year_rows` sums the main indicators per county, city and province and year over
the reports whose ``scope`` is not ``aggregate`` (a body's own work: a township's report
and its county government's report count different applications), and shows the
aggregate reports (summaries of several bodies: 汇总…) beside them, never added in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from . import regions
from .publishers import canonical_publisher

REGION_INDICATORS = (
    "received_total",
    "granted_total",
    "partly_granted_total",
    "denied_total",
    "results_total",
    "review_total",
    "lit_direct_total",
    "lit_after_review_total",
)
LEVEL_CODES = (("county", "county_code"), ("city", "city_code"), ("province", "province_code"))


def region_codes(code: str | None) -> dict:
    """province_code, city_code, county_code, township_code (civil-affairs codes) of a division."""
    out = {"province_code": None, "city_code": None, "county_code": None, "township_code": None}
    path = regions._index().paths.get(str(code)) if code else None
    for d in path or ():
        out[f"{regions.LEVELS[d.level]}_code"] = d.code
    return out


def _pid(key: str | None, name: str | None) -> str | None:
    """The readable id of a publisher key (`pipeline.publishers`): code-name."""
    if not key:
        return None
    code, sep, _ = key.partition(":")
    return f"{code}-{name}" if sep else key


def publisher_of(agency: str | None, region: dict | None) -> dict | None:
    """The publisher of a report (see the module docstring), or None without a name."""
    pub = canonical_publisher(agency, region or {})
    if pub is None:
        return None
    parent = None
    if pub.parent_key:
        code, _, body = pub.parent_key.partition(":")
        got = canonical_publisher(body, _register_region(code, body))
        parent = _pid(pub.parent_key, got.name if got else body)
    return {
        "publisher_id": _pid(pub.key, pub.name),
        "publisher": pub.name,
        "publisher_type": pub.kind,
        "parent_id": parent,
        "division_code": pub.division_code,
        **region_codes(pub.division_code),
    }


def _register_region(code: str, name: str) -> dict:
    """The region of a body at a register division, as the resolver would give it."""
    div = regions._index().by_code.get(code)
    level = regions.LEVELS.get(div.level) if div else None
    return {
        "code": code,
        "level": level,
        "agency_type": "street_office" if name.endswith("办事处") and level == "township" else None,
    }


def register_publisher(code: str, name: str) -> dict | None:
    """publisher_of for a government the register names (regions.expected_publishers)."""
    return publisher_of(name, _register_region(code, name))


def _parent_row(pid: str) -> dict:
    """A parent publisher known from its id only (no report of its own)."""
    code, _, name = pid.partition("-")
    p = register_publisher(code, name)
    if p is None or p["publisher_id"] != pid:  # a parent the register cannot describe: name it only
        return {
            "publisher_id": pid,
            "publisher": name,
            "publisher_type": None,
            "parent_id": None,
            "division_code": code,
            **region_codes(code),
        }
    return p


PUBLISHER_KEYS = (
    "publisher_id",
    "publisher",
    "publisher_type",
    "parent_id",
    "division_code",
    "province_code",
    "city_code",
    "county_code",
    "township_code",
)


def publisher_entry(r: dict) -> dict:
    """What the publishers dataset takes of a kept report row (`parent_id` set): its
    publisher's identity. The first report of a publisher (by report id) gives it."""
    return {k: r.get(k) for k in PUBLISHER_KEYS}


def parent_entry(pid: str) -> dict:
    """A publisher known only as another's parent or as expected by coverage (no report)."""
    return _parent_row(pid)


def finish_publisher(p: dict, by_year: dict, sep: str = ";") -> dict:
    """A publishers row: `p` (`publisher_entry` or `parent_entry`, with ``n_reports``) and the
    names it printed per report year (`by_year`: year -> names; no year: not listed)."""
    years = sorted(y for y in by_year if y is not None)
    p["names_by_year"] = sep.join(f"{y}: {'、'.join(sorted(by_year[y]))}" for y in years) or None
    p["first_year"] = years[0] if years else None
    p["last_year"] = years[-1] if years else None
    return p


def publisher_rows(kept: list[dict], sep: str = ";", also: list[str] = ()) -> list[dict]:
    """One row per publisher of the kept reports (`publisher_id` set by the build), with the
    names it printed per year, plus `also` (the publishers coverage expects) and every
    parent up the chain; sorted by id. (The build makes the same rows in its working store,
    `pipeline.buildstore.BuildStore.publishers`, rather than in memory.)"""
    pubs: dict[str, dict] = {}
    names: dict[str, dict] = {}
    for r in kept:
        pid = r.get("publisher_id")
        if not pid:
            continue
        p = pubs.setdefault(pid, publisher_entry(r) | {"n_reports": 0})
        p["n_reports"] += 1
        names.setdefault(pid, {}).setdefault(r.get("year"), set()).add(r.get("agency") or "")
    todo = sorted({p["parent_id"] for p in pubs.values() if p.get("parent_id")} | set(also))
    while todo:
        pid = todo.pop()
        if pid in pubs:
            continue
        p = parent_entry(pid)
        pubs[pid] = p | {"n_reports": 0}
        if p.get("parent_id") and p["parent_id"] not in pubs:
            todo.append(p["parent_id"])
    return [finish_publisher(pubs[pid], names.get(pid, {}), sep) for pid in sorted(pubs)]


def region_year_rows(panel: Iterable[dict]) -> list[dict]:
    """Per county, city and province and year: sums of REGION_INDICATORS over the panel rows
    that are not aggregate reports, and the aggregate reports' own figures beside them."""
    acc = RegionYear()
    try:
        for r in panel:
            acc.add(r)
        return list(acc.rows())
    finally:
        acc.close()


class RegionYear:
    """The sums of `region_year_rows`, one panel row at a time (the build adds each row as it
    is written). What is added waits in a scratch SQLite file at `path` (in memory without
    one) and SQLite sums it, region by region, as `rows` reads: a national build's
    region-years are tens of thousands with the aggregate reports' ids, and as Python dicts of
    sums they took about 1.6 KB each (12 MiB for the 7,800 of 100,000 generated reports), held
    by the build process through the dataset writers and, freed, fragmenting its heap.

    The figures are SQLite's sums of integers, which are exact, as Python's; a sum over no
    figure is NULL (None), as a sum the dicts never started was."""

    BATCH = 4096

    def __init__(self, path: Path | None = None):
        from .scratch import scratch_db

        self.path = path
        self.db = scratch_db(path)
        codes = ", ".join(f"{key} TEXT" for _, key in LEVEL_CODES)
        figures = ", ".join(f"{ind} INTEGER" for ind in REGION_INDICATORS)
        self.db.execute(
            f"CREATE TABLE added ({codes}, year INTEGER, aggregate INTEGER, scope_unknown INTEGER, "
            f"aggregate_id TEXT, {figures})"
        )
        self._held: list[tuple] = []

    def add(self, r: dict) -> None:
        if r.get("year") is None:
            return
        aggregate = r.get("scope") == "aggregate"
        self._held.append(
            (
                *(r.get(key) or None for _, key in LEVEL_CODES),
                r["year"],
                aggregate,
                r.get("scope") is None,
                r["report_id"] if aggregate else None,
                *(r.get(ind) for ind in REGION_INDICATORS),
            )
        )
        if len(self._held) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        from .scratch import insert

        marks = ", ".join("?" * (len(LEVEL_CODES) + 4 + len(REGION_INDICATORS)))
        insert(self.db, f"INSERT INTO added VALUES ({marks})", self._held)
        self._held = []

    def rows(self) -> Iterator[dict]:
        """The rows, one at a time, sorted by region code, level and year."""
        self._flush()
        sums = ", ".join(
            f"sum(CASE WHEN aggregate THEN NULL ELSE {ind} END), sum(NOT aggregate AND {ind} IS NULL), "
            f"sum(CASE WHEN aggregate THEN {ind} END)"
            for ind in REGION_INDICATORS
        )
        rest = ", ".join(("year", "aggregate", "scope_unknown", "aggregate_id", *REGION_INDICATORS))
        levels = " UNION ALL ".join(
            f"SELECT {key} AS code, '{level}' AS level, {rest} FROM added WHERE {key} IS NOT NULL"
            for level, key in LEVEL_CODES
        )
        q = (
            "SELECT code, level, year, sum(NOT aggregate), sum(scope_unknown), sum(aggregate), "
            f"group_concat(aggregate_id, char(31)), {sums} FROM ({levels}) GROUP BY code, level, year "
            "ORDER BY code, level, year"
        )
        idx = regions._index()
        for code, level, year, n_own, n_unknown, n_agg, agg_ids, *figures in self.db.execute(q):
            div = idx.by_code.get(code)
            row = {
                "level": level,
                "region_code": code,
                "region": div.name if div else None,
                "year": year,
                "n_own_reports": n_own,
                "n_scope_unknown": n_unknown,
                "n_aggregate_reports": n_agg,
                "aggregate_report_ids": ";".join(sorted(agg_ids.split("\x1f"))) if agg_ids else None,
            }
            for i, ind in enumerate(REGION_INDICATORS):
                own, missing, agg = figures[3 * i : 3 * i + 3]
                row[f"{ind}_own"] = own if n_own else None
                row[f"{ind}_n_missing"] = missing
                row[f"{ind}_aggregate"] = agg if n_agg else None
            yield row

    def close(self) -> None:
        self.db.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
