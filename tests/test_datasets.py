"""Dataset definitions, panel values, duplicates and the data dictionary (no build)."""
from __future__ import annotations

import pandas as pd
import pytest

from parsers.checks import Check
from parsers.templates import VERSIONS, spec, template
from pipeline import datasets as D
from pipeline.dedupe import Candidate, Fingerprint, agency_key, dedupe, same_report, shingles
from pipeline.dictionary import render


# ----------------------------------------------------------------------------- panel columns

def test_panel_has_a_column_for_every_template_address():
    names = [pc.name for pc in D.panel_columns()]
    assert len(names) == len(set(names))
    for v in VERSIONS:
        for a in template(v).addresses():
            assert D.column_name(a) in names, (v, a)
    from parsers import pre2019

    for pc in D.panel_columns():
        if pc.address.startswith("p/"):
            assert pre2019.valid_address(pc.address), pc.address
    assert "t3__new_received__total" in names and "p__proactive_items__value" in names


def test_derived_panel_columns_come_from_the_template_file():
    by = {pc.address: pc for pc in D.panel_columns()}
    for v in VERSIONS:
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


def _row(cells) -> dict:
    panel = {f.name: [None] for f in D.panel_dataset().fields}
    g, dc = D._t3_derivations()
    D.PanelRow(cells).fill(panel, 0, g, dc)
    return {k: v[0] for k, v in panel.items()}


def test_panel_blank_policy_and_derived_values():
    apps = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
    cells = [_c(f"t3/new_received/{c}", i) for i, c in enumerate(apps, 1)] + [_c("t3/new_received/total", 21)]
    cells += [_c("t3/granted/natural_person", None, "blank"), _c("t3/granted/total", None, "blank")]
    cells += [_c("t3/denied.state_secret/natural_person", 2), _c("t3/denied.third_party/natural_person", 3)]
    cells += [_c(f"t3/denied.{k}/natural_person", None, "dash") for k in (
        "law_prohibited", "security_stability", "internal_affairs", "process_info", "enforcement_file", "admin_query")]
    cells += [_c("t3/other/total", 4), _c("t3/carried_forward/total", None, "unresolved", raw="7 | 77")]
    cells += [_c("t2/art20_8.admin_fees/fee_amount", 380, unit="元")]
    cells += [_c("t2/art20_9.gov_procurement/procurement_amount", 12.5, unit="unknown")]
    r = _row(cells)
    assert r["t3__new_received__total"] == 21
    assert r["t3__new_received__legal_person"] == 2 + 3 + 4 + 5 + 6
    assert r["t3__granted__natural_person"] == 0  # blank component in a table with numbers
    assert r["t3__granted__total"] is None  # blank total: missing
    assert r["t3__denied__natural_person"] == 5  # derived group row; dashes count 0
    assert r["t3__denied__total"] is None  # its parts' totals are absent
    assert r["t3__other__total"] == 4  # the printed group row
    assert r["t3__carried_forward__total"] is None  # unresolved
    assert r["t2__art20_8.admin_fees__fee_amount"] == pytest.approx(0.038)  # 380 元 in 万元
    assert r["t2__art20_9.gov_procurement__procurement_amount"] is None  # unit unknown
    assert r["t4__review__total"] is None  # table absent
    assert r["t2__art20_1.regulations__issued"] is None


def test_table_without_numbers_is_not_reported():
    cells = [_c("t4/review/upheld", None, "blank"), _c("t4/review/total", None, "text", raw="无")]
    r = _row(cells)
    assert r["t4__review__upheld"] is None and r["t4__review__total"] is None


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
        {"id": "t3_carry_cross_year", "subject": "report", "ok": None, "lhs": None, "rhs": None, "note": "x", "strength": "soft"},
        {"id": "t2_in_force_cross_year", "subject": "report", "ok": None, "lhs": None, "rhs": None, "note": "x", "strength": "soft"},
    ]
    xs = [Check("t3_carry_cross_year", "total", False, 4, 5, "2023 vs 2022", False)]
    n, failed = D._emit_checks(b, "r2023", parser_checks, ("r2022", xs, 2023))
    t = b.table().to_pandas()
    assert n == 3 and failed == 1
    assert list(t.id) == ["t3_balance", "t3_carry_cross_year", "t2_in_force_cross_year"]
    assert list(t.scope) == ["report", "cross_year", "cross_year"]
    assert t.iloc[1].subject == "total" and t.iloc[1].other_report_id == "r2022"
    assert pd.isna(t.iloc[2].ok) and "r2022" in t.iloc[2].note
    b = D.TableBuilder(D.CHECKS)
    D._emit_checks(b, "r2019", parser_checks, (None, [], 2019))
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
    cands = [_cand("c", failed=2), _cand("a", failed=0, resolved=180), _cand("b", failed=0, resolved=200),
             Candidate("z", None, 2020, "2019")]
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
        b.add(("r1", i + 1, "overview", "一", "总体情况", "文本" * i, None if i % 2 else i))
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
    assert set(res) == {"reports", "cells", "sections", "checks", "panel", "coverage"}
    panel = res["panel"]["schema"]
    assert panel["primaryKey"] == ["agency_id", "year"]
    types = {f["name"]: f["type"] for f in panel["fields"]}
    assert types["t3__new_received__total"] == "integer" and types["t2__art20_8.admin_fees__fee_amount"] == "number"
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
