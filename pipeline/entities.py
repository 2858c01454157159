"""Publishers as entities, and region totals that never count a body twice.

A publisher is the body that publishes a report: a government (province, city, county),
a township or street office, a department, a development zone or an agency of a zone.
`publisher_of(agency, region)` gives its identity from the name a report prints and the
division the region resolver placed it at:

* ``publisher`` — the canonical name: the most specific division's name plus what the
  printed name says after its place names (淮安市洪泽区人民政府 and 洪泽区人民政府 are both
  ``洪泽区人民政府``; a zone's name stands alone, without the word for its administration:
  ``平潭综合实验区``, ``平潭综合实验区金井片区`` for 平潭综合实验区金井片区管理局);
* ``publisher_id`` — ``<civil-affairs division code>-<canonical name>``
  (``320813-洪泽区人民政府``): readable, and stable as long as the register and the name are;
* ``publisher_type`` — government, township, street, department, zone (a zone, or a
  sub-zone's administration such as 金井片区管理局), zone_agency (a body of a zone, such as
  its tax bureau), other;
* ``parent_id`` — the body above it: a township's county government, a department's
  government, a zone agency's or a sub-zone's zone, a zone's and a government's
  next-higher government.

A report whose publisher cannot be named (no agency found) has no publisher_id; the
report row says why in ``unsettled``. Parents without a report of their own are publishers
too (``n_reports`` 0), so that every ``parent_id`` is a key of the dataset.

`region_year_rows` sums the main indicators per county, city and province and year over
the reports whose ``scope`` is not ``aggregate`` (a body's own work: a township's report
and its county government's report count different applications), and shows the
aggregate reports (summaries of several bodies: 汇总…) beside them, never added in.
"""
from __future__ import annotations

from . import regions
from .dedupe import normalize_agency

PARTS = ("province", "city", "county", "township")
ZONE_ADMIN = ("", "管委会", "管理委员会", "管理局", "党工委管委会", "党工委", "工作委员会")
GOV_TAILS = {"政府": "人民政府", "街道办": "街道办事处", "办事处": "办事处", "人民政府": "人民政府"}
# the indicators summed per region and year (panel names, see pipeline.indicators)
REGION_INDICATORS = ("received_total", "granted_total", "partly_granted_total", "denied_total", "results_total",
                     "review_total", "lit_direct_total", "lit_after_review_total")
LEVEL_CODES = (("county", "county_code"), ("city", "city_code"), ("province", "province_code"))


def region_codes(code: str | None) -> dict:
    """province_code, city_code, county_code, township_code (civil-affairs codes) of a division."""
    out = {"province_code": None, "city_code": None, "county_code": None, "township_code": None}
    path = regions._index().paths.get(str(code)) if code else None
    for d in path or ():
        out[f"{regions.LEVELS[d.level]}_code"] = d.code
    return out


def _gov_id(code: str) -> str | None:
    div = regions._index().by_code.get(code)
    return f"{code}-{regions.publisher_name(div)}" if div else None


def _parent_gov(code: str) -> str | None:
    path = regions._index().paths.get(code) or ()
    return _gov_id(path[-2].code) if len(path) > 1 else None


def publisher_of(agency: str | None, region: dict | None) -> dict | None:
    """The publisher of a report (see the module docstring), or None without a name."""
    name = normalize_agency(agency)
    if not name:
        return None
    region = region or {}
    code = region.get("code") or region.get("division_code")
    rest = name
    anchor = None
    for part in PARTS:
        p = normalize_agency(region.get(part))
        if p:
            anchor = p
            if rest.startswith(p) and len(rest) > len(p):
                rest = rest[len(p):]
    zs = regions.zones(rest)
    atype = region.get("agency_type") or regions.agency_type(name)
    if rest in GOV_TAILS and atype in ("government", "street_office"):
        rest = GOV_TAILS[rest]
    canonical = rest if (zs and rest.startswith(zs[0])) or not anchor or rest.startswith(anchor) else anchor + rest
    if zs and canonical.startswith(zs[0]):
        # the zone itself or a sub-zone's administration (…片区管理局) is a zone; a body of a zone
        # (its tax bureau …) is a zone_agency
        end = canonical.rfind(zs[-1]) + len(zs[-1])
        ptype = "zone" if canonical[end:] in ZONE_ADMIN else "zone_agency"
        if ptype == "zone":  # XX开发区 and XX开发区管委会 are one publisher
            canonical = canonical[:end]
    elif atype == "street_office":
        ptype = "street"
    elif atype == "government":
        ptype = "township" if region.get("level") == "township" else "government"
    elif atype == "department":
        ptype = "department"
    else:
        ptype = "other"
    pid = f"{code}-{canonical}" if code else canonical
    parent = None
    if code:
        if ptype == "zone_agency" or (ptype == "zone" and len(zs) > 1):
            parent = f"{code}-{zs[0]}"
        elif ptype in ("zone", "department", "other"):
            parent = _gov_id(code)
        elif ptype in ("township", "street") and len(code) == 6:  # a township the register lacks
            parent = _gov_id(code)
        else:
            parent = _parent_gov(code)
    if parent == pid:
        parent = None
    return {"publisher_id": pid, "publisher": canonical, "publisher_type": ptype, "parent_id": parent,
            "division_code": code, **region_codes(code)}


def _register_publisher(pid: str) -> dict | None:
    """A government publisher known from the register only (a parent without a report)."""
    code, _, name = pid.partition("-")
    div = regions._index().by_code.get(code)
    if div is None:
        return None
    if name == regions.publisher_name(div):
        lvl = regions.LEVELS[div.level]
        ptype = "street" if name.endswith("办事处") and lvl == "township" else ("township" if lvl == "township" else "government")
        return {"publisher_id": pid, "publisher": name, "publisher_type": ptype, "parent_id": _parent_gov(code),
                "division_code": code, **region_codes(code)}
    zs = regions.zones(name)
    if zs and name == zs[0]:
        return {"publisher_id": pid, "publisher": name, "publisher_type": "zone", "parent_id": _gov_id(code),
                "division_code": code, **region_codes(code)}
    return None


def publisher_rows(kept: list[dict], sep: str = ";", also: list[str] = ()) -> list[dict]:
    """One row per publisher of the kept reports (`publisher_id` set by the build), with the
    names it printed per year, plus `also` (the publishers coverage expects) and every
    parent up the chain; sorted by id."""
    pubs: dict[str, dict] = {}
    names: dict[str, dict] = {}
    for r in kept:
        pid = r.get("publisher_id")
        if not pid:
            continue
        p = pubs.setdefault(pid, {k: r.get(k) for k in ("publisher_id", "publisher", "publisher_type", "parent_id",
                                                          "division_code", "province_code", "city_code",
                                                          "county_code", "township_code")} | {"n_reports": 0})
        p["n_reports"] += 1
        names.setdefault(pid, {}).setdefault(r.get("year"), set()).add(r.get("agency") or "")
    todo = sorted({p["parent_id"] for p in pubs.values() if p.get("parent_id")} | set(also))
    while todo:
        pid = todo.pop()
        if pid in pubs:
            continue
        p = _register_publisher(pid)
        if p is None:  # a parent the register cannot describe: name it only
            p = {"publisher_id": pid, "publisher": pid.partition("-")[2], "publisher_type": None, "parent_id": None,
                 "division_code": pid.partition("-")[0], **region_codes(pid.partition("-")[0])}
        pubs[pid] = p | {"n_reports": 0}
        if p.get("parent_id") and p["parent_id"] not in pubs:
            todo.append(p["parent_id"])
    out = []
    for pid in sorted(pubs):
        p = pubs[pid]
        by_year = names.get(pid, {})
        years = sorted(y for y in by_year if y is not None)
        p["names_by_year"] = sep.join(f"{y}: {'、'.join(sorted(by_year[y]))}" for y in years) or None
        p["first_year"] = years[0] if years else None
        p["last_year"] = years[-1] if years else None
        out.append(p)
    return out


def region_year_rows(panel: list[dict]) -> list[dict]:
    """Per county, city and province and year: sums of REGION_INDICATORS over the panel rows
    that are not aggregate reports, and the aggregate reports' own figures beside them."""
    acc: dict[tuple, dict] = {}
    for r in panel:
        if r.get("year") is None:
            continue
        aggregate = r.get("scope") == "aggregate"
        for level, key in LEVEL_CODES:
            code = r.get(key)
            if not code:
                continue
            a = acc.setdefault((level, code, r["year"]), {"n_own": 0, "n_aggregate": 0, "n_scope_unknown": 0,
                                                          "own": {}, "agg": {}, "agg_ids": [], "missing": {}})
            if aggregate:
                a["n_aggregate"] += 1
                a["agg_ids"].append(r["report_id"])
            else:
                a["n_own"] += 1
                a["n_scope_unknown"] += r.get("scope") is None
            for ind in REGION_INDICATORS:
                v = r.get(ind)
                bucket = a["agg"] if aggregate else a["own"]
                if v is None:
                    if not aggregate:
                        a["missing"][ind] = a["missing"].get(ind, 0) + 1
                    continue
                bucket[ind] = bucket.get(ind, 0) + v
    idx = regions._index()
    out = []
    for (level, code, year) in sorted(acc, key=lambda k: (k[1], k[0], k[2])):
        a = acc[(level, code, year)]
        div = idx.by_code.get(code)
        row = {"level": level, "region_code": code, "region": div.name if div else None, "year": year,
               "n_own_reports": a["n_own"], "n_scope_unknown": a["n_scope_unknown"],
               "n_aggregate_reports": a["n_aggregate"], "aggregate_report_ids": ";".join(sorted(a["agg_ids"])) or None}
        for ind in REGION_INDICATORS:
            row[f"{ind}_own"] = a["own"].get(ind) if a["n_own"] else None
            row[f"{ind}_n_missing"] = a["missing"].get(ind, 0)
            row[f"{ind}_aggregate"] = a["agg"].get(ind) if a["n_aggregate"] else None
        out.append(row)
    return out
