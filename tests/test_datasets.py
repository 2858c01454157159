"""Dataset definitions, panel values, duplicates and the data dictionary (no build)."""

from __future__ import annotations

import pandas as pd
import pytest

from parsers.checks import Check
from parsers.templates import spec, template, versions
from pipeline import datasets as D
from pipeline.dedupe import Candidate, Fingerprint, agency_key, dedupe, same_report, shingles
from pipeline.dictionary import render

# ----------------------------------------------------------------------------- panel columns


def test_panel_has_a_column_for_every_template_address():
    names = [pc.name for pc in D.panel_columns()]
    assert len(names) == len(set(names))
    for v in versions():
        for a in template(v).addresses():
            assert D.column_name(a) in names, (v, a)
    from parsers import pre2019

    for pc in D.panel_columns():
        if pc.address.startswith("p/"):
            assert pre2019.valid_address(pc.address), pc.address
    assert "received_total" in names and "pre_proactive_items" in names and "pre_proactive_items_cum" in names


def test_derived_panel_columns_come_from_the_template_file():
    by = {pc.address: pc for pc in D.panel_columns()}
    for v in versions():
        t3 = spec()["versions"][v]["tables"]["table3"]
        for d in t3["derived_rows"]:
            pc = by[f"t3/{d['key']}/total"]
            assert pc.derived[0] == template(v).t3_derived[d["key"]]
            assert "Derived by xxgk" in pc.field.en
        for d in t3["derived_columns"]:
            pc = by[f"t3/new_received/{d['key']}"]
            assert " + ".join(pc.derived[1]) == d["derived"]
    # 2019 prints （六）其他处理 as one row; 2021 splits it: one column, both templates
    other = by["t3/other/total"]
    assert "2019, 2021" in other.field.en and other.derived[0] == template("2021").t3_derived["other"]


def test_panel_dtypes_and_units_follow_the_template():
    by = {pc.address: pc for pc in D.panel_columns()}
    fee = by["t2/art20_8.admin_fees/fee_amount"]
    assert fee.field.kind == "money" and fee.money_unit == "万元" and "万元" in fee.field.description
    proc = by["t2/art20_9.gov_procurement/procurement_amount"]
    assert proc.field.kind == "money" and proc.money_unit == "元"
    assert by["t2/art20_5.admin_license/items_change"].field.kind == "int"
    assert by["t3/granted/total"].field.kind == "int" and by["t3/granted/total"].field.unit == "件"
    assert by["p/proactive_fulltext_rate/value"].field.kind == "float"
    assert by["p/budget.funds/value"].field.kind == "money"
    assert by["p/proactive_items/cumulative"].field.kind == "int"


# ----------------------------------------------------------------------------- panel values


def _c(address, value=None, status="number", unit=None, raw=""):
    return {"address": address, "value": value, "status": status, "unit": unit, "raw": raw}


def _values(cells) -> dict:
    """indicator -> (value, status) as the values dataset and the panel get them."""
    rv = D.report_values(cells)
    return {
        pc.name: (D.typed(pc, rv.get(pc.address, pc.money_unit)[0]), rv.get(pc.address, pc.money_unit)[1])
        for pc in D.panel_columns()
    }


def _row(cells) -> dict:
    return {k: v for k, (v, _) in _values(cells).items()}


def test_panel_blank_policy_and_derived_values():
    apps = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
    cells = [_c(f"t3/new_received/{c}", i) for i, c in enumerate(apps, 1)] + [_c("t3/new_received/total", 21)]
    cells += [_c("t3/granted/natural_person", None, "blank"), _c("t3/granted/total", None, "blank")]
    cells += [_c("t3/denied.state_secret/natural_person", 2), _c("t3/denied.third_party/natural_person", 3)]
    cells += [
        _c(f"t3/denied.{k}/natural_person", None, "dash")
        for k in (
            "law_prohibited",
            "security_stability",
            "internal_affairs",
            "process_info",
            "enforcement_file",
            "admin_query",
        )
    ]
    cells += [_c("t3/other/total", 4), _c("t3/carried_forward/total", None, "unresolved", raw="7 | 77")]
    cells += [_c("t2/art20_8.admin_fees/fee_amount", 380, unit="元")]
    cells += [_c("t2/art20_9.gov_procurement/procurement_amount", 12.5, unit="unknown")]
    r = _row(cells)
    assert r["received_total"] == 21
    assert r["received_legal_person"] == 2 + 3 + 4 + 5 + 6
    assert r["granted_natural_person"] == 0  # blank component in a table with numbers
    assert r["granted_total"] is None  # blank total: missing
    assert r["denied_natural_person"] == 5  # derived group row; dashes count 0
    assert r["denied_total"] is None  # its parts' totals are absent
    assert r["other_total"] == 4  # the printed group row
    assert r["carried_forward_total"] is None  # unresolved
    assert r["admin_fees_amount_wan_yuan"] == pytest.approx(0.038)  # 380 元 in 万元
    assert r["procurement_amount_yuan"] is None  # unit unknown
    assert r["review_total"] is None  # table absent
    assert r["regulations_issued"] is None


def test_table_without_numbers_is_not_reported():
    cells = [_c("t4/review/upheld", None, "blank"), _c("t4/review/total", None, "text", raw="无")]
    r = _row(cells)
    assert r["review_upheld"] is None and r["review_total"] is None


def test_money_conversion():
    assert D.convert_money(1.5, "万元", "元") == 15000.0
    assert D.convert_money(380, "元", "万元") == pytest.approx(0.038)
    assert D.convert_money(7, "万元", "万元") == 7.0
    assert D.convert_money(7, None, "元") is None


# ----------------------------------------------------------------------------- checks


def test_cross_year_placeholders_are_replaced():
    b = D.TableBuilder(D.CHECKS)
    parser_checks = [
        {"id": "t3_balance", "subject": "total", "ok": True, "lhs": 3, "rhs": 3, "note": "", "strength": "hard"},
        {
            "id": "t3_carry_cross_year",
            "subject": "report",
            "ok": None,
            "lhs": None,
            "rhs": None,
            "note": "x",
            "strength": "soft",
        },
        {
            "id": "t2_in_force_cross_year",
            "subject": "report",
            "ok": None,
            "lhs": None,
            "rhs": None,
            "note": "x",
            "strength": "soft",
        },
    ]
    xs = [Check("t3_carry_cross_year", "total", False, 4, 5, "2023 vs 2022", False)]
    n, failed = D._emit_checks(b, {"report_id": "r2023", "year": 2023}, parser_checks, ("r2022", xs, 2023))
    t = b.table().to_pandas()
    assert n == 3 and failed == 1
    assert list(t.id) == ["t3_balance", "t3_carry_cross_year", "t2_in_force_cross_year"]
    assert list(t.scope) == ["report", "cross_year", "cross_year"]
    assert t.iloc[1].subject == "total" and t.iloc[1].other_report_id == "r2022"
    assert pd.isna(t.iloc[2].ok) and "r2022" in t.iloc[2].note
    b = D.TableBuilder(D.CHECKS)
    D._emit_checks(b, {"report_id": "r2019", "year": 2019}, parser_checks, (None, [], 2019))
    t = b.table().to_pandas()
    assert "no 2018 report" in t.iloc[1].note


# ----------------------------------------------------------------------------- duplicates


def _cand(rid, failed=0, resolved=200, urls=(), detail=()):
    return Candidate(rid, "350481:人民政府", 2020, "2019", failed, resolved, resolved, 6, tuple(urls), tuple(detail))


def _fp(n=40, diff=0, text="总体情况" * 50):
    nums = {f"t3/r{i}/total": i for i in range(n)}
    for i in range(diff):
        nums[f"t3/r{i}/total"] = -1
    return Fingerprint(nums, shingles(text))


def test_same_report_thresholds():
    a, b = _cand("a"), _cand("b")
    assert same_report(a, _fp(), b, _fp(diff=1))  # 39 of 40 equal
    assert not same_report(a, _fp(), b, _fp(diff=4))  # 36 of 40
    linked = _cand("b", urls=("http://x/1.pdf",), detail=("http://x/1.html",))
    page = _cand("a", urls=("http://x/1.html",))
    why = same_report(page, _fp(), linked, _fp(diff=4))
    assert why and "attachment" in why
    few = Fingerprint({"p/x/value": 1}, shingles("本机关全年主动公开政府信息一百条" * 20))
    assert same_report(a, few, b, few)
    other = Fingerprint({"p/x/value": 2}, few.shingles)
    assert not same_report(a, few, b, other)  # a number differs


def test_dedupe_keeps_the_best_parse_and_says_why():
    cands = [
        _cand("c", failed=2),
        _cand("a", failed=0, resolved=180),
        _cand("b", failed=0, resolved=200),
        Candidate("z", None, 2020, "2019"),
    ]
    fps = {"a": _fp(), "b": _fp(), "c": _fp(diff=1)}
    out = dedupe(cands, lambda rid: fps[rid])
    assert out["b"].status == "kept" and sorted(out["b"].duplicates) == ["a", "c"]
    assert out["a"].duplicate_of == "b" and out["c"].duplicate_of == "b"
    assert "kept b: 0 failed checks, 200 cells vs 0 failed checks, 180 cells" in out["a"].reason
    assert out["z"].status == "kept"  # no agency: never merged


def test_differing_versions_both_stay():
    out = dedupe([_cand("a"), _cand("b")], lambda rid: _fp(diff=10) if rid == "b" else _fp())
    assert out["a"].status == out["b"].status == "kept"


def test_agency_key():
    reg = {"code": "320813", "province": "江苏省", "city": "淮安市", "county": "洪泽区"}
    assert agency_key("淮安市洪泽区人民政府", reg) == agency_key("洪泽区人民政府", reg) == "320813:人民政府"
    assert agency_key("江苏省 淮安市洪泽区财政局", reg) == "320813:财政局"
    assert agency_key("某某 局", {}) == "某某局"
    assert agency_key(None, reg) is None


# ----------------------------------------------------------------------------- files


def test_parquet_dtypes_and_determinism(tmp_path):
    b = D.TableBuilder(D.SECTIONS, chunk=2)
    for i in range(5):
        b.add(("r1", 2020, i + 1, "overview", "一", "总体情况", "文本" * i, None if i % 2 else i))
    t = b.table()
    D.write_parquet(t, tmp_path / "a.parquet")
    D.write_parquet(t, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    df = pd.read_parquet(tmp_path / "a.parquet")
    assert str(df["seq"].dtype) == "Int64" and str(df["line"].dtype) == "Int64"
    assert isinstance(df["text"].dtype, pd.StringDtype)
    assert df["line"].isna().sum() == 2


def test_descriptor_is_derived_from_the_definitions():
    pkg = D.descriptor("0+test", ("REG", "2025-12-31"))
    res = {r["name"]: r for r in pkg["resources"]}
    assert set(res) == {
        "reports",
        "cells",
        "sections",
        "checks",
        "indicators",
        "values",
        "panel",
        "panel_status",
        "publishers",
        "region_year",
        "coverage",
        "coverage_summary",
        "similarity",
    }
    panel = res["panel"]["schema"]
    assert panel["primaryKey"] == ["report_id"]
    fks = {(tuple(fk["fields"]), fk["reference"]["resource"]) for fk in panel["foreignKeys"]}
    assert fks == {(("report_id",), "reports"), (("publisher_id",), "publishers")}
    assert res["checks"]["schema"]["primaryKey"] == ["report_id", "id", "subject"]
    types = {f["name"]: f["type"] for f in panel["fields"]}
    assert types["received_total"] == "integer" and types["admin_fees_amount_wan_yuan"] == "number"
    assert len(panel["fields"]) == len(D.PANEL_KEY_FIELDS) + len(D.panel_columns())
    status = next(f for f in res["reports"]["schema"]["fields"] if f["name"] == "status")
    assert status["constraints"]["enum"] == list(D.STATUS_VALUES)
    assert pkg["x_xxgk"]["region_register"] == {"name": "REG", "date": "2025-12-31"}


def test_dictionary_is_bilingual_and_complete():
    md = render(("某区划名录", "2025-12-31"))
    assert "某区划名录" in md and "2025-12-31" in md
    assert "数据字典" in md and "Data dictionary" in md
    for ds in D.datasets():
        assert f"`{ds.path}`" in md
        for f in ds.fields:
            assert f"`{f.name}`" in md, (ds.name, f.name)
    assert "t3_carry_cross_year" in md and "本年制发件数" in md
    assert render(("某区划名录", "2025-12-31")) == md


def test_dictionary_names_the_real_register():
    regions = pytest.importorskip("pipeline.regions", reason="pipeline.regions not in this checkout")
    from pipeline.build import region_register

    md = render(region_register())
    assert regions.REGISTER_NAME in md and regions.REGISTER_DATE in md


def test_a_page_that_only_links_its_attachment_is_a_duplicate_of_it():
    page = Candidate("page", None, 2021, "2021", 0, 0, 0, 2, ("http://x/1.html",), ())
    att = Candidate("att", "1:局", 2021, "2021", 0, 200, 200, 6, ("http://x/1.pdf",), ("http://x/1.html",))
    lone = Candidate("lone", None, 2021, "2021", 0, 0, 0, 2, ("http://x/2.html",), ())
    out = dedupe([page, att, lone], lambda rid: _fp())
    assert out["page"].status == "duplicate" and out["page"].duplicate_of == "att"
    assert "attachment att" in out["page"].reason
    assert out["att"].status == "kept" and out["att"].duplicates == ("page",)
    assert out["lone"].status == "kept"


# ----------------------------------------------------------------------------- indicators


def test_indicator_names_are_for_people():
    from pipeline.indicators import NAME_RE

    for pc in D.panel_columns():
        assert NAME_RE.match(pc.name), pc.name
    for ds in D.datasets():
        for f in ds.fields:
            assert NAME_RE.match(f.name), (ds.name, f.name)
    by = {pc.address: pc.name for pc in D.panel_columns()}
    assert by["t2/art20_8.admin_fees/fee_amount"] == "admin_fees_amount_wan_yuan"  # unit in the name
    assert by["t2/art20_9.gov_procurement/procurement_amount"] == "procurement_amount_yuan"
    assert by["p/proactive_fulltext_rate/value"].endswith("_pct")
    assert by["t3/denied.state_secret/natural_person"] == "denied_secret_natural_person"


def test_indicators_table_maps_names_to_template_addresses():
    rows = {r["indicator"]: r for r in D.indicator_rows()}
    assert len(rows) == len(D.panel_columns())
    r = rows["received_total"]
    assert r["address_2019"] == r["address_2021"] == "t3/new_received/total"
    assert rows["granted_natural_person"]["address_pre2019"] is None
    assert r["comparable"] is True and "本年新收" in r["label_zh"]
    made, issued = rows["regulations_made_new"], rows["regulations_issued"]
    assert made["address_2021"] is None and issued["address_2019"] is None
    assert made["comparable"] is False and "approximate" in made["comparability"]
    assert "t3/denied.state_secret/total" in rows["denied_total"]["formula"]
    assert "commercial" in rows["received_legal_person"]["formula"]
    pre = rows["pre_apps_received"]
    assert pre["address_pre2019"] == "p/applications_received/value" and pre["comparable"] is False
    # a few series continue into pre-2019 reports, from the statistic that counts the same thing
    from parsers import pre2019
    from pipeline.indicators import PRE2019_SERIES

    assert r["address_pre2019"] == "p/applications_received/value" and "approximate" in r["comparability"]
    assert all(pre2019.valid_address(p) for p, _ in PRE2019_SERIES.values())
    v = D.report_values([_c("p/applications_received/value", 12), _c("p/admin_review_cases/value", None, "blank")])
    by = {pc.name: pc for pc in D.template_columns("pre2019")}
    assert v.get(by["received_total"].address_for("pre2019")) == (12, "number")
    assert v.get(by["review_total"].address_for("pre2019")) == (None, "blank")
    assert "granted_natural_person" not in by  # only the listed series


# ----------------------------------------------------------------------------- value status


def test_blank_zero_unresolved_and_absent_are_told_apart():
    apps = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
    cells = [_c(f"t3/new_received/{c}", i) for i, c in enumerate(apps, 1)] + [_c("t3/new_received/total", 21)]
    cells += [_c("t3/granted/natural_person", 0), _c("t3/granted/commercial", None, "blank")]
    cells += [_c(f"t3/granted/{c}", 1) for c in apps[2:]] + [_c("t3/granted/total", None, "blank")]
    cells += [_c("t3/carried_forward/total", None, "unresolved", raw="7 | 77")]
    cells += [_c("t3/partially_granted/total", None, "blank")]
    cells += [_c("t2/art20_9.gov_procurement/procurement_amount", 12.5, unit="unknown")]
    v = _values(cells)
    assert v["granted_natural_person"] == (0, "number")  # a printed 0
    assert v["granted_commercial"] == (0, "blank_as_zero")  # a blank counted 0 by the policy
    assert v["granted_total"] == (4, "derived")  # a blank total whose parts are printed
    assert v["partly_granted_total"] == (None, "blank")  # a blank total with no printed part
    assert v["carried_forward_total"] == (None, "unresolved")
    assert v["review_total"] == (None, "absent")  # table 四 missing
    assert v["procurement_amount_yuan"] == (None, "unit_unknown")
    assert v["received_legal_person"] == (20, "derived")
    assert set(D.VALUE_STATUS) >= {s for _, s in v.values()}


# ----------------------------------------------------------------------------- region totals


def test_region_year_never_adds_an_aggregate_report_to_its_units():
    from pipeline.entities import region_year_rows

    base = {"province_code": "350000", "city_code": "350100", "county_code": "350128", "year": 2022}
    panel = [
        {**base, "report_id": "county-wide", "scope": "aggregate", "received_total": 100, "denied_total": 10},
        {**base, "report_id": "gov", "scope": "own", "received_total": 60, "denied_total": 6},
        {
            **base,
            "report_id": "town",
            "scope": "own",
            "received_total": 40,
            "denied_total": None,
            "township_code": "350128100",
        },
    ]
    rows = {(r["level"], r["region_code"]): r for r in region_year_rows(panel)}
    c = rows[("county", "350128")]
    assert c["received_total_own"] == 100 and c["received_total_aggregate"] == 100
    assert c["n_own_reports"] == 2 and c["n_aggregate_reports"] == 1 and c["aggregate_report_ids"] == "county-wide"
    assert c["denied_total_own"] == 6 and c["denied_total_n_missing"] == 1
    assert rows[("province", "350000")]["received_total_own"] == 100  # not 200


def test_publishers_are_named_once_whatever_the_report_prints():
    from pipeline.entities import publisher_of

    reg = {
        "province": "江苏省",
        "city": "淮安市",
        "county": "洪泽区",
        "code": "320813",
        "level": "county",
        "agency_type": "government",
    }
    a, b = publisher_of("淮安市洪泽区人民政府", reg), publisher_of("洪泽区人民政府", reg)
    assert a == b and a["publisher_id"] == "320813-淮安市洪泽区人民政府" and a["publisher_type"] == "government"
    assert a["parent_id"] == "320800-淮安市人民政府" and a["county_code"] == "320813" and a["city_code"] == "320800"
    zreg = {"province": "福建省", "city": "福州市", "county": "平潭县", "code": "350128", "level": "county"}
    z = publisher_of("平潭综合实验区金井片区管理局", zreg | {"agency_type": "government"})
    assert z["publisher_id"] == "350128-平潭综合实验区金井片区管理局" and z["publisher_type"] == "zone_agency"
    assert z["parent_id"] == "350128-平潭综合实验区管理委员会"
    tax = publisher_of("平潭综合实验区地方税务局", zreg | {"agency_type": "department"})
    assert tax["publisher_type"] == "zone_agency" and tax["parent_id"] == "350128-平潭综合实验区管理委员会"
    assert publisher_of(None, reg) is None


# ----------------------------------------------------------------------------- a build of the corpus


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory):
    from pipeline.build import build
    from tests.conftest import need_corpus

    corpus = need_corpus()
    out = tmp_path_factory.mktemp("corpus") / "clean"
    res = build(corpus, out, workers=2, csv=True, sqlite=True, progress=False)
    first = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }
    build(corpus, out, workers=2, csv=True, sqlite=True, progress=False)  # from the parse cache
    second = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }
    data = {ds.name: pd.read_parquet(out / ds.path, partitioning=None) for ds in D.datasets()}
    return {"out": out, "res": res, "first": first, "second": second, **data}


def test_rebuild_is_byte_identical_in_every_form(corpus_build):
    first, second = corpus_build["first"], corpus_build["second"]
    assert {"xxgk.sqlite", "csv/panel.csv", "csv/datapackage.json", "datapackage.json"} <= set(first)
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []
    assert [n for n in first if ".tmp" in n] == []  # the steps' scratch files are gone


def test_region_year_sums_as_a_person_would(tmp_path):
    """`RegionYear` (SQLite's sums, in a scratch file) against the sums done by hand in
    Python, over random panels: own figures summed, blanks counted and never made 0, aggregate
    reports beside, rows in region code order; the scratch file is gone once closed."""
    import random

    from pipeline.entities import LEVEL_CODES, REGION_INDICATORS, RegionYear

    rnd = random.Random(5)
    places = [("350128", "350100", "350000"), ("350102", "350100", "350000"), ("441900", "441900", "440000")]
    for _ in range(25):
        panel = []
        for _i in range(rnd.randrange(60)):
            county, city, prov = rnd.choice(places)
            r = {"report_id": f"r{rnd.randrange(10**6)}", "year": rnd.choice([None, 2020, 2021, 2021])}
            r |= {"scope": rnd.choice(["own", "own", "aggregate", None]), "county_code": rnd.choice([county, None])}
            r |= {"city_code": city, "province_code": prov}
            r |= {ind: rnd.choice([None, 0, rnd.randrange(10**12)]) for ind in REGION_INDICATORS}
            panel.append(r)
        ry = RegionYear(tmp_path / "ry.tmp")
        for r in panel:
            ry.add(r)
        got = list(ry.rows())
        ry.close()
        assert not (tmp_path / "ry.tmp").exists()
        keys = sorted({(r[k], level, r["year"]) for r in panel for level, k in LEVEL_CODES if r[k] and r["year"]})
        assert [(g["region_code"], g["level"], g["year"]) for g in got] == keys
        for g in got:
            rows = [r for r in panel if r["year"] == g["year"] and r[dict(LEVEL_CODES)[g["level"]]] == g["region_code"]]
            own = [r for r in rows if r["scope"] != "aggregate"]
            agg = [r for r in rows if r["scope"] == "aggregate"]
            assert (g["n_own_reports"], g["n_aggregate_reports"]) == (len(own), len(agg))
            assert g["n_scope_unknown"] == sum(r["scope"] is None for r in own)
            assert g["aggregate_report_ids"] == (";".join(sorted(r["report_id"] for r in agg)) or None)
            for ind in REGION_INDICATORS:
                figures = [r[ind] for r in own if r[ind] is not None]
                assert g[f"{ind}_own"] == (sum(figures) if figures else None)
                assert g[f"{ind}_n_missing"] == len(own) - len(figures)
                figures = [r[ind] for r in agg if r[ind] is not None]
                assert g[f"{ind}_aggregate"] == (sum(figures) if figures else None)


def test_every_kept_report_is_in_the_panel_and_values(corpus_build):
    r, p, v = corpus_build["reports"], corpus_build["panel"], corpus_build["values"]
    kept = r[r.status == "kept"]
    assert set(kept.report_id) == set(p.report_id) | set(v.report_id)
    assert p.n_reports.sum() == len(kept)
    flagged = kept[kept.unsettled.notna()]
    assert corpus_build["res"].unsettled == len(flagged)
    assert set(flagged.report_id) <= set(p.report_id)  # kept with its flag, never dropped
    assert (p.loc[p.publisher_id.isna(), "unsettled"].notna()).all()


def test_a_readme_beside_the_reports_is_skipped_by_content(corpus_build):
    r = corpus_build["reports"]
    readme = r[r.paths == "README.md"].iloc[0]
    assert readme.status == "skipped" and "not an annual report" in readme.error


def test_panel_columns_work_in_every_tool(corpus_build):
    import re

    for name in ("panel", "panel_status", "region_year", "values", "publishers"):
        for c in corpus_build[name].columns:
            assert re.match(r"^[a-z][a-z0-9_]{0,31}$", c), (name, c)


def test_panel_status_tells_every_value_apart(corpus_build):
    p, s = corpus_build["panel"], corpus_build["panel_status"]
    assert list(s.report_id) == list(p.report_id)
    seen = set()
    for pc in D.panel_columns():
        st, val = s[pc.name], p[pc.name]
        seen |= set(st.dropna())
        assert (val.notna() == st.isin(["number", "blank_as_zero", "derived", "resolved_cross_year"])).all(), pc.name
    assert {"number", "blank_as_zero", "blank", "derived", "unresolved", "absent"} <= seen


def test_coverage_finds_publishers_placed_at_their_division(corpus_build):
    cov = corpus_build["coverage"]
    zone = cov[cov.publisher_id == "350128-平潭综合实验区管理委员会"]
    assert set(zone.loc[zone.found, "year"]) == {2017, 2020, 2022, 2025}
    assert set(zone.expected_because) == {"first_report"}
    summ = corpus_build["coverage_summary"]
    row = summ[(summ.county_code == "350128") & (summ.year == 2022)].iloc[0]
    assert "平潭综合实验区管理委员会" not in row.missing.split(";")
    assert "福州市平潭县人民政府" in row.missing.split(";")
    assert "平潭综合实验区地方税务局" not in set(cov.publisher)  # a zone's department is not expected
    jj = cov[cov.publisher_id == "350128-平潭综合实验区金井片区管理局"]  # a sub-zone's administration is
    assert set(jj.loc[jj.found, "year"]) == {2019, 2021}
    assert set(cov.publisher_id) <= set(corpus_build["publishers"].publisher_id)


def test_one_publisher_across_its_names(corpus_build):
    pubs = corpus_build["publishers"].set_index("publisher_id")
    hz = pubs.loc["320813-淮安市洪泽区人民政府"]
    assert (
        hz.n_reports == 2 and "淮安市洪泽区人民政府" in hz.names_by_year and "2023: 洪泽区人民政府" in hz.names_by_year
    )
    assert set(pubs.parent_id.dropna()) <= set(pubs.index)


def test_cell_units_are_units(corpus_build):
    units = set(corpus_build["cells"].unit.dropna())
    assert units and all(len(u) <= 7 and " " not in u for u in units), units


def test_checks_are_keyed_by_report_id_and_subject(corpus_build):
    ch = corpus_build["checks"]
    assert not ch.duplicated(["report_id", "id", "subject"]).any()


def test_csv_and_sqlite_hold_the_same_values_as_parquet(corpus_build):
    import sqlite3

    out = corpus_build["out"]
    con = sqlite3.connect(out / "xxgk.sqlite")
    for ds in D.datasets():
        want = corpus_build[ds.name]
        raw = (out / "csv" / f"{ds.name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), ds.name
        dtypes = {f.name: D._PANDAS[f.kind] for f in ds.fields if f.kind != "bool"}
        got = pd.read_csv(
            out / "csv" / f"{ds.name}.csv", encoding="utf-8-sig", dtype=dtypes, keep_default_na=False, na_values=[""]
        )
        for f in ds.fields:
            if f.kind == "bool":
                got[f.name] = (
                    got[f.name].map({True: True, False: False, "true": True, "false": False}).astype("boolean")
                )
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"csv {ds.name}")
        rows = con.execute(f'SELECT * FROM "{ds.name}"').fetchall()
        sq = pd.DataFrame(rows, columns=[f.name for f in ds.fields]).astype(
            {f.name: ("boolean" if f.kind == "bool" else D._PANDAS[f.kind]) for f in ds.fields}
        )
        pd.testing.assert_frame_equal(sq, want, check_dtype=False, obj=f"sqlite {ds.name}")
    con.close()


def test_datapackage_validates_with_frictionless(corpus_build):
    frictionless = pytest.importorskip("frictionless", reason="frictionless is in the test extra")
    import json

    out = corpus_build["out"]
    pkg = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    # a partitioned dataset is a multipart resource (`path`: its files, as Data Package v1 has
    # it); frictionless reads that form into its own (`path` and `extrapaths`) before validating
    assert list(frictionless.Package.metadata_validate(frictionless.Package.from_descriptor(pkg).to_descriptor())) == []
    assert pkg["licenses"] and pkg["sources"] and pkg["version"] and pkg["created"]
    fks = {r["name"]: r["schema"].get("foreignKeys", []) for r in pkg["resources"]}
    assert {"publishers", "reports"} <= {fk["reference"]["resource"] for fk in fks["panel"]}
    # the data themselves, through the CSV twin (frictionless reads wide parquet files slowly)
    report = frictionless.validate(str(out / "csv" / "datapackage.json"))
    errors = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors][:10]
    assert report.valid, errors
    twin = json.loads((out / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["schema"] for r in twin["resources"]] == [r["schema"] for r in pkg["resources"]]


def _readme_snippets() -> list[tuple[str, str]]:
    import re
    from pathlib import Path

    md = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    part = md[md.index("## Datasets") :]
    part = part[: part.index("\n## ", 3)]
    return re.findall(r"```(python|sql)\n(.*?)```", part, re.S)


def test_readme_answers_the_journalists_questions(corpus_build):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra")
    snippets = _readme_snippets()
    assert [k for k, _ in snippets] == ["python", "sql"] * 4
    out = corpus_build["out"].as_posix()
    answers = []
    for (_, py), (_, sql) in zip(snippets[0::2], snippets[1::2]):
        ns: dict = {}
        exec(py.replace("data/clean", out), ns)
        got_pd = ns["answer"]
        got_sql = duckdb.sql(sql.replace("data/clean", out)).df()
        assert len(got_pd) == len(got_sql) > 0
        assert list(got_pd.iloc[:, 0]) == list(got_sql.iloc[:, 0])
        answers.append(got_sql)
    towns, refused, missing, received = answers
    assert "永安市大湖镇人民政府" in set(towns.publisher)
    hz = refused[(refused.region == "洪泽区") & (refused.year == 2024)].iloc[0]
    p = corpus_build["panel"].set_index("report_id")
    row = p[(p.publisher_id == "320813-淮安市洪泽区人民政府") & (p.year == 2024)].iloc[0]
    assert hz.share_refused == pytest.approx(row.denied_total / row.results_total)
    assert "福州市平潭县人民政府" in set(missing.publisher)
    v = corpus_build["values"]  # the partitioned folder read year by year: the same rows
    want = v[(v.year == 2021) & (v.indicator == "received_total")].sort_values("report_id")
    assert list(received.report_id) == list(want.report_id) and list(received.status) == list(want.status)
