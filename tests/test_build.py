"""`xxgk build`: shared corpus + generated reports -> the datasets of the output contract.

One build (module fixture) of a raw folder holding the corpus reports, generated reports
(two agencies with consecutive years for the cross-year identity, the same bytes under two
names, one report as both a text file and an HTML page), a file that is not a report and
files the walk must ignore; then a rebuild, a fresh build, a crawl-store build and a build
with pathological parsers injected.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from parsers.report import parse_bytes
from pipeline.build import build, discover
from pipeline.datasets import column_name, dataset_files, datasets
from synth.generator import APPLICANTS, generate, generate_values, render_text
from synth.render_forms import render_html
from tests.conftest import CORPUS, need_corpus

CONTRACT = {  # key columns the output contract names, per file
    "reports": [
        "report_id",
        "agency",
        "agency_type",
        "level",
        "province",
        "city",
        "county",
        "township",
        "division_code",
        "year",
        "template",
        "format",
        "url",
        "sha256",
        "published_at",
        "n_cells",
        "n_checks_failed",
        "status",
    ],
    "cells": [
        "report_id",
        "year",
        "division_code",
        "agency",
        "table",
        "row",
        "col",
        "address",
        "value",
        "raw",
        "status",
        "page",
        "line",
    ],
    "sections": ["report_id", "key", "number", "title", "text"],
    "checks": ["report_id", "id", "subject", "ok", "lhs", "rhs"],
    "panel": ["agency", "publisher_id", "division_code", "level", "year", "received_total"],
}
OUTPUTS = [ds.path for ds in datasets()] + ["datapackage.json", "data_dictionary.md"]

AGENCY_OK = "岚川市清河县人民政府"  # consecutive years, carry-over consistent
AGENCY_BAD = "岚川市松溪县人民政府"  # consecutive years, carry-over differs


# ----------------------------------------------------------------------------- inputs


def _carry(prev: dict, cur: dict) -> None:
    """Make cur's 上年结转 equal prev's 结转下年度 while every hard identity of cur still holds."""
    for c in APPLICANTS:
        co = prev[f"t3/carried_forward/{c}"] or 0
        cur[f"t3/carried_over/{c}"] = co
        new = (cur[f"t3/results_total/{c}"] or 0) + (cur[f"t3/carried_forward/{c}"] or 0) - co
        if new < 0:
            cur[f"t3/carried_forward/{c}"] = (cur[f"t3/carried_forward/{c}"] or 0) - new
            new = 0
        cur[f"t3/new_received/{c}"] = new
    for r in ("new_received", "carried_over", "carried_forward"):
        cur[f"t3/{r}/total"] = sum(cur[f"t3/{r}/{c}"] or 0 for c in APPLICANTS)


def _pair(seed: int, agency: str, consistent: bool) -> list[tuple[int, dict, bytes]]:
    rng = random.Random(seed)
    v0 = generate_values(rng, "2021", blanks=False, single_other=False)
    v1 = generate_values(rng, "2021", blanks=False, single_other=False)
    if consistent:
        _carry(v0, v1)
    else:
        v1["t3/carried_over/natural_person"] = (v0["t3/carried_forward/natural_person"] or 0) + 5
        v1["t3/new_received/natural_person"] = max(0, (v1["t3/new_received/natural_person"] or 0) - 5)
        _fix_balance(v1)
    out = []
    for y, v in ((2022, v0), (2023, v1)):
        text = render_text(v, "2021", y, agency, "tab", random.Random(seed + y), noise=False)
        out.append((y, v, text.encode("utf-8")))
    return out


def _fix_balance(v: dict) -> None:
    for c in APPLICANTS:
        left = (v[f"t3/new_received/{c}"] or 0) + (v[f"t3/carried_over/{c}"] or 0)
        v[f"t3/carried_forward/{c}"] = left - (v[f"t3/results_total/{c}"] or 0)
        if v[f"t3/carried_forward/{c}"] < 0:
            v[f"t3/new_received/{c}"] -= v[f"t3/carried_forward/{c}"]
            v[f"t3/carried_forward/{c}"] = 0
    for r in ("new_received", "carried_over", "carried_forward"):
        v[f"t3/{r}/total"] = sum(v[f"t3/{r}/{c}"] or 0 for c in APPLICANTS)


def corpus_reports() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.iterdir()
        if not p.name.endswith(".json") and (CORPUS / f"{p.name.rsplit('.', 1)[0]}.meta.json").exists()
    )


def make_raw(raw: Path) -> dict:
    """Write the test inputs; returns what the tests need to know about them."""
    raw.mkdir(parents=True)
    info: dict = {"corpus": []}
    for p in corpus_reports():
        shutil.copy(p, raw / p.name)
        info["corpus"].append(p.name)
    gen = raw / "generated"
    gen.mkdir()
    for i in (11, 12, 13, 14, 15):
        (gen / f"g{i}.txt").write_bytes(generate(i).data)
    # the same bytes under two names
    dup = generate(21).data
    (gen / "same_a.txt").write_bytes(dup)
    (gen / "copies").mkdir()
    (gen / "copies" / "same_b.txt").write_bytes(dup)
    info["same_bytes"] = dup
    # one report as a text file and as an HTML page
    rng = random.Random(5)
    vals = generate_values(rng, "2019", blanks=False)
    agency = "岚川市清河县柳溪镇人民政府"
    (gen / "twin.txt").write_bytes(
        render_text(vals, "2019", 2020, agency, "pipe", random.Random(6), noise=False).encode()
    )
    (gen / "twin.html").write_bytes(render_html(vals, "2019", 2020, agency))
    info["twin"] = (agency, 2020)
    # consecutive years of two agencies
    info["pairs"] = {}
    for seed, agency, ok in ((31, AGENCY_OK, True), (32, AGENCY_BAD, False)):
        pair = _pair(seed, agency, ok)
        for y, _v, data in pair:
            (gen / f"{'ok' if ok else 'bad'}_{y}.txt").write_bytes(data)
        info["pairs"][agency] = pair
    # a report that names its body nowhere but in a metadata file beside it, and one whose
    # title misspells its township by a look-alike glyph
    vals = generate_values(random.Random(7), "2021", blanks=False)
    text = render_text(vals, "2021", 2022, "岚川市清河县审计局", "tab", random.Random(8), noise=False)
    (gen / "sidecar.txt").write_bytes(text.replace("岚川市清河县审计局", "").encode())
    (gen / "sidecar.txt.meta.json").write_text(json.dumps({"agency": "岚川市清河县审计局"}, ensure_ascii=False))
    text = render_text(vals, "2021", 2022, "永安市大胡镇人民政府", "tab", random.Random(9), noise=False)
    (gen / "typo.txt").write_bytes(text.encode())
    # not a report; and files the walk ignores
    (gen / "notes.txt").write_bytes("会议通知：请各单位于周五前报送材料。\n联系人：张三\n".encode())
    (gen / "meta.json").write_text("{}")
    (gen / ".hidden.txt").write_bytes(dup + b"x")
    (gen / ".cache").mkdir()
    (gen / ".cache" / "x.txt").write_bytes(generate(99).data)
    (gen / "crawl-copy.sqlite").write_bytes(b"SQLite format 3\0")
    return info


def _bytes_of(out: Path) -> dict[str, bytes]:
    """Every file the descriptor seals (a partitioned dataset's files one by one) and the descriptor."""
    sealed = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["x_xxgk"]["files"]
    return {n: (out / n).read_bytes() for n in [*sealed, "datapackage.json"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("build")
    raw, out = base / "raw", base / "clean"
    info = make_raw(raw)
    res = build(raw, out, workers=2, duckdb=True, csv=True, progress=False)
    first = _bytes_of(out)
    res2 = build(raw, out, workers=2, duckdb=True, csv=True, progress=False)  # unchanged input: nothing to parse
    second = _bytes_of(out)
    return {
        "raw": raw,
        "out": out,
        "info": info,
        "res": res,
        "res2": res2,
        "first": first,
        "second": second,
        **{ds.name: pd.read_parquet(out / ds.path, partitioning=None) for ds in datasets()},
    }


# ----------------------------------------------------------------------------- contract


def test_every_output_is_written(built):
    for n in OUTPUTS + ["xxgk.duckdb"]:
        assert (built["out"] / n).exists(), n
    for ds in datasets():  # the sealed files are every dataset's files
        assert ds.partitioned == (built["out"] / ds.path).is_dir(), ds.name
        assert all(p.relative_to(built["out"]).as_posix() in built["first"] for p in dataset_files(built["out"], ds))
    assert built["res"].kept >= 10


def test_outputs_validate_against_datapackage(built):
    frictionless = pytest.importorskip("frictionless", reason="frictionless is in the test extra")
    pkg = json.loads((built["out"] / "datapackage.json").read_text(encoding="utf-8"))
    # a partitioned dataset is a multipart resource (`path`: its files, as Data Package v1 has
    # it); frictionless reads that form into its own (`path` and `extrapaths`) before validating
    assert list(frictionless.Package.metadata_validate(frictionless.Package.from_descriptor(pkg).to_descriptor())) == []
    # the rows, keys and foreign keys through the CSV twin of the same schema: frictionless reads
    # a wide parquet file cell by cell through pandas, minutes for the panel
    report = frictionless.validate(str(built["out"] / "csv" / "datapackage.json"))
    errors = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors][:10]
    assert report.valid, errors
    assert len(report.tasks) == len(datasets())


def test_datapackage_describes_the_files_exactly(built):
    pkg = json.loads((built["out"] / "datapackage.json").read_text(encoding="utf-8"))
    for res in pkg["resources"]:
        df = built[res["name"]]
        assert [f["name"] for f in res["schema"]["fields"]] == list(df.columns), res["name"]
        for f in res["schema"]["fields"]:
            assert f["description"] and f["title"], (res["name"], f["name"])


def test_pandas_reads_contract_columns_and_dtypes(built):
    for name, cols in CONTRACT.items():
        df = built[name]
        missing = [c for c in cols if c not in df.columns]
        assert not missing, (name, missing)
    r, c, p = built["reports"], built["cells"], built["panel"]
    assert str(r["year"].dtype) == "Int64" and str(r["n_cells"].dtype) == "Int64"
    assert str(r["agency"].dtype).startswith("str") or r["agency"].dtype == "string"
    assert isinstance(r["agency"].dtype, pd.StringDtype)
    assert str(c["value"].dtype) == "float64" and str(c["line"].dtype) == "Int64"
    assert str(built["checks"]["ok"].dtype) == "boolean"
    assert str(p["received_total"].dtype) == "Int64"
    assert str(p["admin_fees_amount_wan_yuan"].dtype) == "float64"
    pkg = json.loads((built["out"] / "datapackage.json").read_text(encoding="utf-8"))
    panel = next(x for x in pkg["resources"] if x["name"] == "panel")
    fee = next(f for f in panel["schema"]["fields"] if f["name"] == "admin_fees_amount_wan_yuan")
    assert fee["type"] == "number" and "万元" in fee["description"]


def test_duckdb_reads_the_files_and_the_database(built):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra")
    out = built["out"]
    con = duckdb.connect()
    for ds in datasets():
        n = ds.name
        got = con.execute(f"SELECT count(*) FROM read_parquet('{out}/{ds.glob}')").fetchone()[0]
        assert got == len(built[n]), n
    db = duckdb.connect(str(out / "xxgk.duckdb"), read_only=True)
    for n in ("reports", "cells", "panel"):
        assert db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] == len(built[n])
    total = db.execute("SELECT sum(received_total) FROM panel").fetchone()[0]
    assert total == built["panel"]["received_total"].sum()


def test_cells_are_tidy_and_belong_to_kept_reports(built):
    c, r = built["cells"], built["reports"]
    assert (c["table"] + "/" + c["row"] + "/" + c["col"]).equals(c["address"])
    kept = set(r.loc[r.status == "kept", "report_id"])
    assert set(c["report_id"]) <= kept
    assert not c.duplicated(["report_id", "address"]).any()
    n = c.groupby("report_id").size()
    rk = r.set_index("report_id")
    assert (rk.loc[n.index, "n_cells"] == n).all()
    num = c[c.status == "number"]
    assert num["value"].notna().all() and c.loc[c.status != "number", "value"].isna().all()


# ----------------------------------------------------------------------------- panel


def test_panel_has_one_row_per_publisher_year(built):
    p, r = built["panel"], built["reports"]
    settled = p[p.publisher_id.notna()]
    assert not settled.duplicated(["publisher_id", "year"]).any()
    kept = r[r.status == "kept"]
    assert set(p["report_id"]) <= set(kept["report_id"])
    # every kept report is in the panel, as its publisher-year's row or counted in n_reports
    assert p["n_reports"].sum() == len(kept)


def test_panel_values_come_from_the_cells(built):
    p, c = built["panel"], built["cells"]
    agency, year = next(iter(built["info"]["pairs"].items()))[0], 2022
    row = p[(p.agency == agency) & (p.year == year)].iloc[0]
    cells = c[c.report_id == row.report_id].set_index("address")
    for a in ("t3/new_received/total", "t3/results_total/natural_person", "t4/review/total"):
        assert row[column_name(a)] == cells.loc[a, "value"], a
    parts = [
        f"t3/denied.{k}/total"
        for k in (
            "state_secret",
            "law_prohibited",
            "security_stability",
            "third_party",
            "internal_affairs",
            "process_info",
            "enforcement_file",
            "admin_query",
        )
    ]
    assert row["denied_total"] == cells.loc[parts, "value"].sum()
    lp = sum(cells.loc[f"t3/new_received/{k}", "value"] for k in APPLICANTS[1:])
    assert row["received_legal_person"] == lp


def test_panel_values_match_the_generated_numbers(built):
    p = built["panel"]
    for agency, pair in built["info"]["pairs"].items():
        for y, vals, _ in pair:
            row = p[(p.agency == agency) & (p.year == y)]
            assert len(row) == 1, (agency, y)
            row = row.iloc[0]
            for a, v in vals.items():
                got = row[column_name(a)]
                assert (pd.isna(got) and v is None) or got == pytest.approx(v), (agency, y, a, got, v)


# ----------------------------------------------------------------------------- duplicates


def test_same_bytes_under_two_names_is_one_report(built):
    r = built["reports"]
    sha = __import__("hashlib").sha256(built["info"]["same_bytes"]).hexdigest()
    rows = r[r.sha256 == sha]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row.n_sources == 2 and row.status == "kept"
    assert sorted(row.paths.split("\n")) == ["generated/copies/same_b.txt", "generated/same_a.txt"]


def test_text_and_html_of_one_report_are_merged(built):
    r = built["reports"]
    agency, year = built["info"]["twin"]
    rows = r[(r.agency == agency) & (r.year == year)]
    assert sorted(rows.format) == ["html", "text"]
    kept, dup = rows[rows.status == "kept"], rows[rows.status == "duplicate"]
    assert len(kept) == 1 and len(dup) == 1
    assert dup.iloc[0].duplicate_of == kept.iloc[0].report_id
    assert "numbers both print are equal" in dup.iloc[0].duplicate_reason
    assert kept.iloc[0].duplicates == dup.iloc[0].report_id
    assert dup.iloc[0].report_id not in set(built["cells"].report_id)
    p = built["panel"]
    assert len(p[(p.agency == agency) & (p.year == year)]) == 1


def test_not_a_report_is_skipped_and_ignored_files_are_not_read(built):
    r = built["reports"]
    notes = r[r.paths == "generated/notes.txt"]
    assert len(notes) == 1 and notes.iloc[0].status == "skipped" and notes.iloc[0].error
    paths = set("\n".join(r.paths).split("\n"))
    assert not any(p.endswith((".json", ".sqlite")) or "/." in p for p in paths), paths
    srcs = discover(built["raw"], exclude=built["out"])
    assert len(srcs) == built["res"].documents


# ----------------------------------------------------------------------------- checks


def test_cross_year_identity_per_agency(built):
    ch, r = built["checks"], built["reports"]
    x = ch[ch.id == "t3_carry_cross_year"]
    for agency, ok in ((AGENCY_OK, True), (AGENCY_BAD, False)):
        ids = r[(r.agency == agency) & (r.status == "kept")].set_index("year")["report_id"]
        cur = x[x.report_id == ids[2023]]
        assert len(cur) == len(APPLICANTS) + 1, cur
        assert (cur.scope == "cross_year").all() and (cur.other_report_id == ids[2022]).all()
        if ok:
            assert cur.ok.all()
        else:
            assert not cur.set_index("subject").loc["natural_person", "ok"]
            assert r.set_index("report_id").loc[ids[2023], "n_checks_failed"] >= 1
        first = x[x.report_id == ids[2022]]
        assert len(first) == 1 and pd.isna(first.iloc[0].ok) and "no 2021 report" in first.iloc[0].note


def test_similarity_compares_each_agency_with_its_earlier_years(built):
    """Copy detection ran in the build: the consecutive years of each generated agency are a
    same_publisher pair (their prose comes from the generator's small fixed pools, so the
    later report repeats much of the earlier one), and boilerplate_share is filled for the
    kept reports and only for them."""
    reps, sim = built["reports"], built["similarity"]
    kept = reps[reps.status == "kept"]
    for agency in (AGENCY_OK, AGENCY_BAD):
        ids = kept[kept.agency == agency].sort_values("year").report_id.tolist()
        assert len(ids) == 2
        row = sim[(sim.report_id == ids[1]) & (sim.other_report_id == ids[0])]
        assert len(row) == 1 and row.relation.iloc[0] == "same_publisher"
        assert row.score.iloc[0] > 0.3 and row.passages.iloc[0]
        share = kept.set_index("report_id").boilerplate_share
        assert share[ids[1]] > share[ids[0]]  # the earlier one copied nothing before it
    assert reps[reps.status != "kept"].boilerplate_share.isna().all()
    assert kept.boilerplate_share.notna().sum() >= len(kept) - 2  # reports without sections have none
    assert set(sim.report_id) | set(sim.other_report_id) <= set(kept.report_id)


def test_report_checks_are_the_parsers(built):
    ch = built["checks"]
    agency, pair = next(iter(built["info"]["pairs"].items()))
    y, _, data = pair[0]
    rep = parse_bytes(data)
    mine = ch[(ch.report_id == rep.report_id) & (ch.scope == "report")]
    assert list(mine.id) == [c.id for c in rep.checks if c.subject != "report" or "cross_year" not in c.id]


# ----------------------------------------------------------------------------- corpus


def test_corpus_rows(built):
    need_corpus()
    r = built["reports"].set_index("paths")
    assert built["info"]["corpus"], "no corpus report found"
    with_code = 0
    for name in built["info"]["corpus"]:
        meta = json.loads((CORPUS / f"{name.rsplit('.', 1)[0]}.meta.json").read_text(encoding="utf-8"))
        row = r.loc[name]
        assert row.status == "kept", (name, row.error)
        assert row.agency, name  # every kept corpus report has its publisher
        assert row.year == meta["year"] and row.template == meta["template"], name
        reg = meta.get("region") or {}
        if pd.notna(row.division_code):
            with_code += 1
            assert row.province == reg.get("province", row.province), name
    assert with_code >= len(built["info"]["corpus"]) // 2


def test_agency_from_metadata_beside_the_file_and_fuzzy_place_names_are_flagged(built):
    r = built["reports"].set_index("paths")
    side = r.loc["generated/sidecar.txt"]
    assert side.agency == "岚川市清河县审计局" and "AGENCY_FROM_METADATA" in side.warnings
    typo = r.loc["generated/typo.txt"]
    assert typo.division_code == "350481104" and "PLACE_NAME_FUZZY" in typo.warnings
    assert "大湖镇" in typo.region_evidence


# ----------------------------------------------------------------------------- incremental, deterministic


def test_unchanged_rebuild_parses_nothing_and_writes_the_same_bytes(built):
    assert built["res"].parsed == built["res"].reports > 0
    assert built["res2"].parsed == 0 and built["res2"].cached == built["res"].reports
    assert built["first"].keys() == built["second"].keys()
    assert [n for n in built["first"] if built["first"][n] != built["second"][n]] == []


def test_fresh_build_is_byte_identical(built, tmp_path):
    from pipeline.cli import main

    out = tmp_path / "clean"
    assert main(["build", "--raw", str(built["raw"]), "--out", str(out), "--workers", "1"]) == 0
    got = _bytes_of(out)
    assert got.keys() == built["first"].keys()
    assert [n for n in got if got[n] != built["first"][n]] == []


def test_a_new_file_is_the_only_one_parsed(built, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(built["raw"], raw)
    out = tmp_path / "clean"
    shutil.copytree(built["out"], out)
    (raw / "new.txt").write_bytes(generate(77).data)
    res = build(raw, out, workers=1, progress=False)
    assert res.parsed == 1 and res.cached == built["res"].reports
    r = pd.read_parquet(out / "reports.parquet")
    assert len(r) == len(built["reports"]) + 1


# ----------------------------------------------------------------------------- crawl store


def test_crawl_store_provenance_and_attachment_duplicate(tmp_path):
    from scrapers.store import Store

    raw = tmp_path / "raw"
    st = Store(raw)
    pid = st.upsert_portal(
        {
            "column_url": "http://127.0.0.1/xxgk/ndbg/",
            "name": "永安市人民政府",
            "province": "福建省",
            "city": "三明市",
            "county": "永安市",
            "level": "county",
        }
    )
    vals = generate_values(random.Random(8), "2021", blanks=False)
    agency = "大湖镇人民政府"  # no county in the name: the portal places it
    page = render_html(vals, "2021", 2022, agency)
    att = render_text(vals, "2021", 2022, agency, "markdown", random.Random(9), noise=False).encode()
    page_url, att_url = "http://127.0.0.1/xxgk/ndbg/1.html", "http://127.0.0.1/files/1.txt"
    for data, url, kind in ((page, page_url, "detail"), (att, att_url, "attachment")):
        sha, rel = st.put(data, "text/html" if kind == "detail" else "text/plain", url)
        st.add_document(
            url=url,
            final_url=url,
            sha256=sha,
            path=rel,
            kind=kind,
            content_type="text/html",
            ext=rel.rsplit(".", 1)[1],
            size=len(data),
            title=f"{agency}2022年政府信息公开工作年度报告",
            anchor_text="2022年年报",
            list_url="http://127.0.0.1/xxgk/ndbg/",
            detail_url=page_url,
            portal_id=pid,
            published="2023-01-20",
            year_guess=2022,
            year_source="title",
            fetched=0.0,
            run_id=1,
        )
    st.close()
    out = tmp_path / "clean"
    res = build(raw, out, workers=1, progress=False)
    assert res.documents == 2
    r = pd.read_parquet(out / "reports.parquet").set_index("url")
    for url in (page_url, att_url):
        row = r.loc[url]
        assert row.portal == "永安市人民政府" and row.list_url == "http://127.0.0.1/xxgk/ndbg/"
        assert row.title.endswith("年度报告") and row.year_guess == 2022 and row.published_at == "2023-01-20"
        assert row.county == "永安市" and row.township == "大湖镇", (row.region_evidence,)
    assert sorted(r.status) == ["duplicate", "kept"]
    dup = r[r.status == "duplicate"].iloc[0]
    assert "attachment" in dup.duplicate_reason
    assert "objects/" in r.iloc[0].paths


# ----------------------------------------------------------------------------- pathological files

MARK_SLEEP, MARK_HOG, MARK_CRASH, MARK_RAISE = (
    b"XXGK-TEST-SLEEP",
    b"XXGK-TEST-HOG",
    b"XXGK-TEST-CRASH",
    b"XXGK-TEST-RAISE",
)


def pathological_parse(data: bytes, name=None):
    """Sent to the build's workers by reference: misbehaves on marked files."""
    if MARK_SLEEP in data:
        time.sleep(600)
    if MARK_HOG in data:
        hog = bytearray(16 << 30)  # beyond the worker's RLIMIT_AS
        return hog
    if MARK_CRASH in data:
        os.kill(os.getpid(), signal.SIGKILL)
    if MARK_RAISE in data:
        raise ValueError("boom")
    return parse_bytes(data, name)


def pid_parse(data: bytes, name=None) -> dict:
    """Sent to the build's workers by reference: which process parsed the document."""
    return {"pid": os.getpid(), "data": data.decode()}


def test_a_worker_is_replaced_after_its_share_of_documents(tmp_path):
    """What a worker's lookups keep grows with the documents it has seen, so after `recycle`
    documents a fresh process takes its place; every document is still answered once."""
    import gzip

    from pipeline.build import run_pool
    from pipeline.buildstore import Task

    tasks = []
    for i in range(11):
        (tmp_path / f"{i}.txt").write_text(f"doc {i}")
        tasks.append(Task(f"sha{i}", str(tmp_path / f"{i}.txt"), None))
    got: dict[str, dict] = {}

    def on_result(sha, work):
        assert sha not in got
        got[sha] = json.loads(gzip.decompress(work.payload))["report"]

    run_pool(tasks, on_result, workers=2, timeout=60, memory_mb=1024, parse=pid_parse, recycle=3)
    assert {sha: r["data"] for sha, r in got.items()} == {f"sha{i}": f"doc {i}" for i in range(11)}
    per_pid: dict[int, int] = {}
    for r in got.values():
        per_pid[r["pid"]] = per_pid.get(r["pid"], 0) + 1
    assert max(per_pid.values()) <= 3 and len(per_pid) >= 4, per_pid


def test_pathological_files_become_error_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(4):
        (raw / f"ok{i}.txt").write_bytes(generate(40 + i).data)
    for m in (MARK_SLEEP, MARK_HOG, MARK_CRASH, MARK_RAISE):
        (raw / f"{m.decode().lower()}.txt").write_bytes(generate(50).data + m)
    out = tmp_path / "clean"
    # limits generous enough for a good report on a loaded machine (a worker's first parse
    # loads the templates and the region index), far below what the bad ones take
    limits = dict(workers=2, timeout=20, memory_mb=1024, parse=pathological_parse, progress=False)
    res = build(raw, out, **limits)
    r = pd.read_parquet(out / "reports.parquet").set_index("paths")
    ok = r.loc[[f"ok{i}.txt" for i in range(4)]]
    assert (ok["status"] == "kept").all(), ok["error"].tolist()
    errs = {p: r.loc[p, "error"] for p in r.index if p.startswith("xxgk-test")}
    assert r.loc[list(errs), "status"].eq("error").all()
    assert "timed out" in errs["xxgk-test-sleep.txt"]
    assert "memory" in errs["xxgk-test-hog.txt"]
    assert "died" in errs["xxgk-test-crash.txt"] and "SIGKILL" in errs["xxgk-test-crash.txt"]
    assert "boom" in errs["xxgk-test-raise.txt"]
    assert res.errors == 4 and res.kept == 4
    # failures are cached with their limits: the same build again parses nothing
    res2 = build(raw, out, **limits)
    assert res2.parsed == 0


def _sidecar_report(raw: Path, agency: str) -> None:
    """A report that names its publisher nowhere but in the metadata file beside it."""
    vals = generate_values(random.Random(7), "2021", blanks=False)
    text = render_text(vals, "2021", 2022, "岚川市清河县审计局", "tab", random.Random(8), noise=False)
    (raw / "sidecar.txt").write_bytes(text.replace("岚川市清河县审计局", "").encode())
    (raw / "sidecar.txt.meta.json").write_text(json.dumps({"agency": agency}, ensure_ascii=False))


def test_documents_are_normalized_in_the_worker_that_parsed_them(tmp_path, monkeypatch):
    """Counts, publisher, region and agency key of a parsed document come back from its
    worker: the build process, where normalizing refuses here, only stores them."""
    import pipeline.build as b

    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(3):
        (raw / f"r{i}.txt").write_bytes(generate(60 + i).data)
    _sidecar_report(raw, "岚川市清河县审计局")

    def refuse(*args, **kw):
        raise AssertionError("normalized in the build process")

    monkeypatch.setattr(b, "normalize", refuse)  # the build process's only: workers import their own
    res = build(raw, tmp_path / "out", workers=2, progress=False)
    assert res.parsed == 4 and res.kept == 4
    r = pd.read_parquet(tmp_path / "out" / "reports.parquet").set_index("paths")
    assert r.loc["sidecar.txt", "agency"] == "岚川市清河县审计局"
    assert "AGENCY_FROM_METADATA" in r.loc["sidecar.txt", "warnings"]
    assert r["division_code"].notna().any()


def test_a_rebuild_after_the_provenance_changed_normalizes_the_cached_parse_again(tmp_path):
    """A summary holds for the provenance it was made with: the same bytes with another
    metadata file beside them are not parsed again but normalized again."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "r0.txt").write_bytes(generate(70).data)
    _sidecar_report(raw, "岚川市清河县审计局")
    first = build(raw, out, workers=2, progress=False)
    _sidecar_report(raw, "岚川市清河县财政局")
    second = build(raw, out, workers=2, progress=False)
    assert (first.parsed, second.parsed, second.cached) == (2, 0, 2)
    r = pd.read_parquet(out / "reports.parquet").set_index("paths")
    assert r.loc["sidecar.txt", "agency"] == "岚川市清河县财政局"


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_stale_summaries_are_made_again_by_the_workers_from_the_cached_parses(tmp_path, monkeypatch, executor):
    """When the summaries no longer serve (the build's code changed, so their version differs),
    the rebuild parses nothing and the executor's workers normalize the cached parses: the
    build process, where normalizing refuses here, neither decodes nor normalizes them (a
    national corpus normalized serially there took hours and the region index's memory).
    The outputs are the same bytes."""
    import pipeline.build as b

    if executor == "dask":
        pytest.importorskip("distributed")
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for i in range(3):
        (raw / f"r{i}.txt").write_bytes(generate(80 + i).data)
    _sidecar_report(raw, "岚川市清河县审计局")
    first = build(raw, out, workers=2, progress=False, executor=executor)
    before = _bytes_of(out)

    def refuse(*args, **kw):
        raise AssertionError("normalized in the build process")

    monkeypatch.setattr(b, "normalize", refuse)  # the build process's only: workers import their own
    monkeypatch.setattr(b, "_summary_version", lambda version: "after-a-code-change")
    second = build(raw, out, workers=2, progress=False, executor=executor)
    assert (first.parsed, second.parsed, second.cached) == (4, 0, 4)
    assert _bytes_of(out) == before
    assert [p.name for p in (out / ".cache" / "summary").iterdir()] == ["after-a-code-change"]


NORMALIZE_IN_A_FRESH_PROCESS = """
import json, sys
from pathlib import Path
from parsers.report import parse_bytes
raw = Path(sys.argv[1])
entries = {f: json.loads(json.dumps({"outcome": "ok", "report": parse_bytes(f.read_bytes(), None).as_dict()},
                                    ensure_ascii=False, default=str)) for f in sorted(raw.glob("*.txt"))}
before = {n for n in sys.modules if n.startswith("pipeline.")}
from pipeline.normalize import Doc, code_files, normalize, provenance_of
codes = []
for f, entry in entries.items():
    src = type("Src", (), {"path": str(f), "title": None, "anchor_text": None, "portal": None})()
    doc = Doc("0" * 64, [src])
    normalize(doc, entry, provenance_of(src))
    assert doc.agency, f
    codes.append(doc.region.get("code"))
assert any(codes), codes
loaded = {n for n in sys.modules if n.startswith("pipeline.")} - before
files = {Path(sys.modules[n].__file__).resolve() for n in loaded}
print(json.dumps({"before": sorted(before), "loaded": sorted(map(str, files)), "covered": [str(p) for p in code_files()]}))
"""


def test_the_summary_version_covers_every_pipeline_module_normalizing_runs(tmp_path):
    """The summary cache is keyed on `pipeline.normalize.code_files()` only (the imports of
    the normalize module, followed), not on all of the build's code: in a fresh process,
    every ``pipeline`` module that normalizing reports loads (region index, place names,
    agency keys, a publisher from a side file) must be among them, or a change to it would
    leave stale summaries."""
    import subprocess
    import sys

    raw = tmp_path / "raw"
    raw.mkdir()
    vals = generate_values(random.Random(9), "2021", blanks=False)
    text = render_text(vals, "2021", 2022, "永安市大湖镇人民政府", "tab", random.Random(9), noise=False)
    (raw / "r0.txt").write_text(text, encoding="utf-8")  # a real place: the region index is read
    _sidecar_report(raw, "岚川市清河县审计局")
    p = subprocess.run(
        [sys.executable, "-c", NORMALIZE_IN_A_FRESH_PROCESS, str(raw)],
        capture_output=True,
        text=True,
        cwd=str(Path(__file__).resolve().parent.parent),
        timeout=600,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(p.stdout.strip().splitlines()[-1])
    loaded, covered = set(got["loaded"]), set(got["covered"])
    assert got["before"] == []  # parsing loads none: what normalizing loads is all there
    assert {Path(f).name for f in loaded} >= {"normalize.py", "regions.py", "dedupe.py"}  # what it surely runs
    assert loaded <= covered
    assert not {Path(f).name for f in covered} & {"build.py", "datasets.py", "similarity.py", "dask_executor.py"}


def test_a_workers_time_limit_counts_from_its_start_not_from_its_spawn():
    """A loaded machine can take seconds to start a parser process: its first task's time
    limit counts only from the worker's READY (before, four good reports of a CI run under
    load timed out while their workers were still starting)."""
    import pipeline.build as b

    w = b._Worker(b._context(), None, 1024, 5.0)
    try:
        t0 = time.monotonic()
        w.assign(b.Task("0" * 64, "none.txt", None), 5.0, None)
        assert w.deadline >= t0 + 5.0 + b.START_GRACE  # not started yet: the grace applies
        assert w.conn.poll(60) and w.conn.recv_bytes() == b.READY  # its first message
        w.started(5.0)
        assert w.ready and w.deadline <= time.monotonic() + 5.0
        assert w.conn.poll(60)  # the task's result: the file is missing, an error row, not a hang
        assert b._unpack(w.conn.recv_bytes()).payload
    finally:
        w.kill()


def test_a_worker_that_never_starts_is_not_held_against_the_document(tmp_path, monkeypatch):
    """A document whose worker never said READY times out as the machine's failure: its
    error says so and carries no limit, so the next build parses it again."""
    import gzip

    import pipeline.build as b

    monkeypatch.setattr(b, "START_GRACE", 0.0)
    monkeypatch.setattr(b._Worker, "started", lambda self, timeout: None)  # READY never taken
    doc = tmp_path / "slow.txt"
    doc.write_bytes(generate(50).data + MARK_SLEEP)
    got = {}
    b.run_pool(
        [b.Task("1" * 64, str(doc))], got.__setitem__, workers=1, timeout=1.0, memory_mb=1024, parse=pathological_parse
    )
    payload = json.loads(gzip.decompress(got["1" * 64].payload))
    assert "did not start" in payload["error"] and payload["limit"] is None
    assert not b._usable(payload, 1.0, 1024)  # retried by the next build


def test_the_build_names_what_it_wrote_as_a_reader_finds_it(tmp_path):
    """The last line of a build: top-level files by name, a year-partitioned dataset once by
    its folder with its count (all its files are called part-0.parquet)."""
    from pipeline.build import written_summary

    out = tmp_path / "clean"
    files = [
        out / "reports.parquet",
        out / "cells" / "year_part=2021" / "part-0.parquet",
        out / "cells" / "year_part=2022" / "part-0.parquet",
        out / "values" / "year_part=2022" / "part-0.parquet",
        out / "datapackage.json",
    ]
    assert written_summary(files, out) == "reports.parquet, cells/ (2 files), values/ (1 file), datapackage.json"
