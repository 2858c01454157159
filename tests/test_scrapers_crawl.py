"""End to end: crawl the portal simulator (every CMS family, faults switched on)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from argparse import Namespace
from collections import Counter
from pathlib import Path

import pytest

from scrapers.client import ClientConfig
from scrapers.crawl import CrawlConfig, crawl, load_portals
from scrapers.simulator import FAMILY_NAMES, Simulator
from scrapers.store import iter_documents
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]


def fast(**kw) -> CrawlConfig:
    cc = dict(
        delay=0.0,
        per_host=4,
        retries=3,
        backoff=0.01,
        read_timeout=0.5,
        connect_timeout=0.5,
        max_bytes=300_000,
        contact="tests@example.org",
    )
    cc.update(kw)
    return CrawlConfig(client=ClientConfig(**cc), progress=False)


def served(sim: Simulator, url: str) -> bytes:
    for s in sim.sites:
        if url.startswith(s.base + "/"):
            path = url[len(s.base) :]
            return s.routes[path].body
    raise KeyError(url)


def db(out) -> sqlite3.Connection:
    c = sqlite3.connect(Path(out) / "crawl.sqlite")
    c.row_factory = sqlite3.Row
    return c


@pytest.fixture(scope="module")
def sim():
    with Simulator(reports=10, per_page=5, faults=True, timeout_sleep=1.0) as s:
        yield s


@pytest.fixture(scope="module")
def crawled(sim, tmp_path_factory):
    out = tmp_path_factory.mktemp("raw")
    summary = asyncio.run(crawl(sim.portals(), out, fast()))
    return out, summary


def test_every_report_found_and_stored_exactly_once(sim, crawled):
    out, summary = crawled
    docs = list(iter_documents(out))
    urls = Counter(d["url"] for d in docs)
    assert set(urls) == set(sim.expected), (set(sim.expected) - set(urls), set(urls) - set(sim.expected))
    assert max(urls.values()) == 1
    for d in docs:
        assert d["kind"] == sim.expected[d["url"]]
        assert Path(d["path"]).read_bytes() == served(sim, d["url"]), d["url"]
    # every family contributed detail pages and attachments
    per_family = Counter()
    for d in docs:
        fam = next(s.family for s in sim.sites if d["url"].startswith(s.base + "/"))
        per_family[(fam, d["kind"])] += 1
    for fam in FAMILY_NAMES:
        assert per_family[(fam, "detail")] >= 10 and per_family[(fam, "attachment")] >= 4, per_family
    assert summary["documents_stored_this_run"] == len(docs)


def test_raw_store_is_content_addressed_and_complete(sim, crawled):
    out, _ = crawled
    import hashlib

    files = [p for p in (Path(out) / "objects").rglob("*") if p.is_file()]
    assert files and not [p for p in files if p.name.startswith(".tmp-")]
    for p in files:
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name.split(".")[0]
        assert not os.access(p, os.W_OK) or os.geteuid() == 0  # written read-only
    c = db(out)
    # every fetch with a body points at a stored object
    shas = {p.name.split(".")[0] for p in files}
    for row in c.execute("SELECT sha256 FROM fetches WHERE sha256 IS NOT NULL"):
        assert row["sha256"] in shas


def test_families_detected_from_the_column_page(sim, crawled):
    out, _ = crawled
    got = {r["column_url"]: r["family_detected"] for r in db(out).execute("SELECT * FROM portals")}
    for s in sim.sites:
        assert got[s.column_url] == s.family


def test_lookalikes_are_never_stored(sim, crawled):
    out, summary = crawled
    stored = {d["url"] for d in iter_documents(out)}
    for s in sim.sites:
        assert not (s.lookalikes & stored)
    rejected = db(out).execute("SELECT COUNT(*) FROM rejected").fetchone()[0]
    assert rejected >= len(sim.sites) * 7
    assert summary["lookalikes_rejected"] == rejected


def test_robots_disallow_is_respected(sim, crawled):
    out, _ = crawled
    c = db(out)
    n = 0
    for s in sim.sites:
        asked = {r[1] for r in s.requests}
        for path in s.disallowed:
            n += 1
            assert path not in asked, f"{s.family} fetched {path} although robots.txt disallows it"
            row = c.execute("SELECT state, reason FROM frontier WHERE url=?", (s.base + path,)).fetchone()
            assert tuple(row) == ("skipped", "robots")
        assert "/robots.txt" in asked
    assert n >= len(sim.sites)


def test_challenges_are_recorded_as_blocked_never_stored(sim, crawled):
    out, summary = crawled
    c = db(out)
    stored = {d["url"] for d in iter_documents(out)}
    kinds = set()
    for url, reason in sim.outcomes.items():
        if not reason.startswith("challenge:"):
            continue
        kinds.add(reason)
        row = c.execute("SELECT state, reason FROM frontier WHERE url=?", (url,)).fetchone()
        assert tuple(row) == ("blocked", reason)
        f = c.execute("SELECT challenge FROM fetches WHERE url=? ORDER BY id DESC", (url,)).fetchone()
        assert f["challenge"] == reason.split(":")[1]
        assert url not in stored
        # never retried: one request for the page
        site = next(s for s in sim.sites if url.startswith(s.base))
        assert sum(1 for r in site.requests if r[1] == url[len(site.base) :]) == 1
    assert kinds == {"challenge:ruishu", "challenge:wzws", "challenge:jsl", "challenge:aliyun"}
    assert sum(summary["blocked"].values()) == len([r for r in sim.outcomes.values() if r.startswith("challenge")])


def test_failures_are_recorded_with_their_reason(sim, crawled):
    out, summary = crawled
    c = db(out)
    for url, reason in sim.outcomes.items():
        if reason.startswith("challenge:") or reason == "robots":
            continue
        row = c.execute("SELECT state, reason FROM frontier WHERE url=?", (url,)).fetchone()
        assert tuple(row) == ("failed", reason), url
    assert summary["failed"] == {"offsite_redirect": 6, "redirect_loop": 6, "too_large": 6}


def test_transient_faults_were_met_and_overcome(sim, crawled):
    out, _ = crawled
    c = db(out)
    for s in sim.sites:
        assert all(not v for v in s.transient.values()), f"{s.family}: faults not consumed {s.transient}"
    errors = Counter(r[0] for r in c.execute("SELECT error FROM fetches"))
    # the fetch log keeps the final outcome per item; retried items end well
    assert not [e for e in errors if e and e.startswith(("timeout", "reset", "truncated", "http_5", "http_429"))]
    attempts = c.execute("SELECT MAX(attempts) FROM fetches").fetchone()[0]
    assert attempts >= 3  # the list page that answered 500 twice
    tries = Counter()
    for (log,) in c.execute("SELECT attempt_log FROM fetches WHERE attempts > 1"):
        tries.update(a["error"] for a in json.loads(log) if a["error"])
    # every kind of transient fault shows in the per-try log, once per site at least
    for reason in ("timeout", "reset", "truncated", "http_500", "http_503", "http_429"):
        assert tries[reason] >= len(sim.sites) - 1, (reason, tries)


def test_retry_after_is_honoured(sim, crawled):
    for s in sim.sites:
        lp = s.list_paths()
        if len(lp) < 2:
            continue
        times = [r[3] for r in s.requests if r[1] == lp[1]]
        assert len(times) == 2, (s.family, lp[1])
        assert times[1] - times[0] >= 0.95, (s.family, times)


def test_year_title_and_provenance(sim, crawled):
    out, _ = crawled
    docs = {d["url"]: d for d in iter_documents(out)}
    for s in sim.sites:
        for e in s.entries:
            d = docs.get(s.base + e.detail)
            if d is None:
                continue
            assert d["year_guess"] == e.report.year, (d["title"], d["year_source"])
            assert d["title"] == e.title
            assert d["list_url"] and d["portal_id"]
            for p, *_ in e.files:
                a = docs.get(s.base + p)
                if a is not None:
                    assert a["detail_url"] == s.base + e.detail
                    assert a["year_guess"] == e.report.year
                    assert a["ext"] in ("pdf", "docx")
    c = db(out)
    row = c.execute("SELECT * FROM fetches WHERE status=200 LIMIT 1").fetchone()
    assert json.loads(row["headers"])["content-type"] and row["started"] > 0 and row["final_url"]


# ---------------------------------------------------------------- incremental


def test_later_runs_are_incremental(tmp_path):
    with Simulator(families=("trs_wcm", "vsb", "hanweb_jcms"), reports=6, faults=False) as sim:
        rows = sim.portals()
        s1 = asyncio.run(crawl(rows, tmp_path, fast()))
        n1 = len(list(iter_documents(tmp_path)))
        assert n1 == len(sim.expected) and s1["documents_stored_this_run"] == n1
        marks = {s.family: len(s.requests) for s in sim.sites}
        # nothing changed: list pages answer 304, nothing else is fetched
        s2 = asyncio.run(crawl(rows, tmp_path, fast()))
        assert s2["documents_stored_this_run"] == 0 and s2["not_modified"] > 0
        for s in sim.sites:
            later = s.requests[marks[s.family] :]
            assert later, s.family
            assert all(
                r[1].endswith((".htm", ".html", "/")) or "dataproxy" in r[1] or r[1] == "/robots.txt" for r in later
            )
            conditional = [r for r in later if "if-none-match" in r[2]]
            assert conditional, f"{s.family}: no conditional requests"
            assert not [r for r in later if "/info/" in r[1] or "/art/" in r[1] or "/t20" in r[1]]
        # a new report appears: only it is fetched
        new = {s.family: s.add_report() for s in sim.sites}
        marks = {s.family: len(s.requests) for s in sim.sites}
        s3 = asyncio.run(crawl(rows, tmp_path, fast()))
        docs = Counter(d["url"] for d in iter_documents(tmp_path))
        assert set(docs) == set(sim.expected) and max(docs.values()) == 1
        assert s3["documents_stored_this_run"] == 2 * len(sim.sites)  # page + PDF each
        for s in sim.sites:
            later = {r[1] for r in s.requests[marks[s.family] :]}
            details = {
                p
                for p in later
                if p.startswith(("/info/", "/art/"))
                or "/t20" in p
                or "downfile" in p
                or "download.jsp" in p
                or "/P0" in p
            }
            assert details == {new[s.family].detail, new[s.family].files[0][0]}, (s.family, details)


# -------------------------------------------------------------- kill and resume


def _count(out: Path, sql: str) -> int:
    try:
        c = sqlite3.connect(f"file:{out / 'crawl.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return c.execute(sql).fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return 0


def test_sigkill_mid_crawl_then_resume_loses_and_duplicates_nothing(tmp_path):
    out = tmp_path / "raw"
    with Simulator(reports=8, per_page=5, faults=True, timeout_sleep=1.0) as sim:
        portals = sim.portals_csv(tmp_path / "portals.csv")
        cmd = [
            sys.executable,
            "-m",
            "scrapers.crawl",
            "--portals",
            str(portals),
            "--out",
            str(out),
            "--quiet",
            "--delay",
            "0.03",
            "--per-host",
            "1",
            "--retries",
            "3",
            "--backoff",
            "0.01",
            "--timeout",
            "0.5",
            "--max-bytes",
            "300000",
            "--contact",
            "tests@example.org",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(out, "SELECT COUNT(*) FROM documents") < 12:
            time.sleep(0.02)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        killed_at = time.time()
        assert p.returncode == -signal.SIGKILL
        c = sqlite3.connect(out / "crawl.sqlite")
        before_docs = {r[0] for r in c.execute("SELECT url FROM documents")}
        before_done = {r[0] for r in c.execute("SELECT url FROM frontier WHERE state!='pending'")}
        unfinished = c.execute("SELECT COUNT(*) FROM runs WHERE finished IS NULL").fetchone()[0]
        c.close()
        assert 12 <= len(before_docs) < len(sim.expected), "the kill should land mid-crawl"
        assert unfinished == 1

        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr.decode()[-2000:]

        docs = Counter(d["url"] for d in iter_documents(out))
        assert set(docs) == set(sim.expected) and max(docs.values()) == 1
        # nothing that was finished before the kill was fetched again
        for s in sim.sites:
            again = {s.base + q[1] for q in s.requests if q[3] > killed_at}
            assert not (again & before_docs), again & before_docs
            assert not (again & {u for u in before_done if u.startswith(s.base)})
        c = sqlite3.connect(out / "crawl.sqlite")
        assert c.execute("SELECT COUNT(*) FROM runs WHERE finished IS NULL").fetchone()[0] == 1  # the killed one
        assert c.execute("SELECT COUNT(*) FROM frontier WHERE state='pending'").fetchone()[0] == 0
        assert c.execute("SELECT COUNT(DISTINCT url) = COUNT(*) FROM documents").fetchone()[0] == 1
        c.close()
        assert not list((out / "objects").rglob(".tmp-*"))


# ---------------------------------------------------------------------- CLI


def _cli(argv, monkeypatch, capsys, **env):
    from pipeline.cli import main

    for k, v in {
        "XXGK_PROGRESS": "0",
        "XXGK_DELAY": "0",
        "XXGK_RETRIES": "0",
        "XXGK_TIMEOUT": "0.5",
        "XXGK_BACKOFF": "0.01",
        **env,
    }.items():
        monkeypatch.setenv(k, v)
    code = main(argv)
    return code, capsys.readouterr()


def test_cli_usage_errors_exit_2(tmp_path, monkeypatch, capsys):
    code, cap = _cli(["crawl", "ftp://example.gov.cn/x", "--out", str(tmp_path)], monkeypatch, capsys)
    assert code == 2 and "not an http(s) URL" in cap.err
    code, cap = _cli(["crawl", "--portals", str(tmp_path / "nope.csv"), "--out", str(tmp_path)], monkeypatch, capsys)
    assert code == 2 and "not found" in cap.err
    bad = tmp_path / "bad.csv"
    bad.write_text("name,url\nx,http://a.gov.cn/\n", encoding="utf-8")
    code, cap = _cli(["crawl", "--portals", str(bad), "--out", str(tmp_path)], monkeypatch, capsys)
    assert code == 2 and "column_url" in cap.err


def test_cli_exit_1_when_everything_failed(tmp_path, monkeypatch, capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more
    code, cap = _cli(["crawl", f"http://127.0.0.1:{port}/zfxxgknb/", "--out", str(tmp_path)], monkeypatch, capsys)
    assert code == 1
    assert "failed" in cap.out
    row = db(tmp_path).execute("SELECT status, reason FROM portals").fetchone()
    assert row["status"] == "failed" and row["reason"].startswith("robots_unreachable")


def test_cli_crawl_ok_prints_summary(tmp_path, monkeypatch, capsys):
    with Simulator(families=("vsb",), reports=4, faults=False, lookalikes=False) as sim:
        code, cap = _cli(["crawl", sim.sites[0].column_url, "--out", str(tmp_path)], monkeypatch, capsys)
        assert code == 0, cap.err
        assert "crawl summary" in cap.out and "documents" in cap.out
        assert {d["url"] for d in iter_documents(tmp_path)} == set(sim.expected)
        ua = sim.sites[0].requests[0][2]["user-agent"]
        assert ua.startswith("xxgk/")


def test_bundled_portal_list_is_the_seed_list():
    rows = load_portals(ROOT / "scrapers" / "portal_seeds.csv")
    spec = SHARED / "spec" / "portal_seeds.csv"
    assert len(rows) >= 50
    assert all(r["column_url"].startswith("http") for r in rows)
    assert {"trs_wcm", "hanweb_jcms", "trs_hexmon", "gd_post"} <= {r["cms_family"] for r in rows}
    if spec.exists():
        assert spec.read_bytes() == (ROOT / "scrapers" / "portal_seeds.csv").read_bytes()
    from scrapers.crawl import bundled_portals_path

    assert bundled_portals_path().is_file()


def test_demo_runs_offline(tmp_path, capsys):
    pytest.importorskip("parsers.report")
    from pipeline.demo import main

    assert main(Namespace(out=str(tmp_path))) == 0
    out = capsys.readouterr().out
    assert "crawl summary" in out and "reports" in out and "failed checks: 0 hard" in out
    assert list(iter_documents(tmp_path / "raw"))
    for name in ("reports", "coverage"):
        assert (tmp_path / "clean" / f"{name}.parquet").is_file()
    for name in ("cells", "sections", "checks", "panel", "panel_status"):  # partitioned by year
        assert list((tmp_path / "clean" / name).glob("year_part=*/part-0.parquet"))
    assert "publisher-years" in out and "agency-years" not in out
    assert "unsettled, from 模拟县人民政府, a fictitious site" in out
    _demo_reports_are_placed_at_their_sites(tmp_path / "clean")


def _demo_reports_are_placed_at_their_sites(clean: Path):
    """Every kept report of the demo is placed at a register division within its site's own
    (the county, or the township of a township's site), its publisher id named after that
    division; only the fictitious site's reports stay unsettled, and coverage expects the
    simulated counties alone."""
    import pandas as pd

    from pipeline.regions import county_of, expected_publishers
    from scrapers.simulator import SITE_CLASSES

    sites = {f"{c.name}({c.family})": c for c in SITE_CLASSES.values()}
    kept = pd.read_parquet(clean / "reports.parquet").query("status == 'kept'")
    assert len(kept) >= 40
    counties = set()
    for r in kept.itertuples():
        site = sites[r.portal]
        if site.division is None:
            assert not pd.isna(r.unsettled) and pd.isna(r.division_code), (r.publisher_id, r.region_evidence)
            continue
        assert pd.isna(r.unsettled), (r.agency, r.region_evidence)
        code = r.division_code
        assert code == site.division if site.level == "township" else county_of(code) == site.division, (r.agency, code)
        assert r.publisher_id.startswith(f"{code}-"), r.publisher_id
        counties.add(county_of(code))
        if len(code) == 9:  # a township publishes under its register name
            names = {p["name"] for p in expected_publishers(county_of(code)) if p["code"] == code}
            assert any(r.publisher.endswith(n) for n in names), (r.publisher, names)
    assert any(sites[p].division is None for p in kept.portal)  # the fictitious site is there, on purpose
    cov = pd.read_parquet(clean / "coverage.parquet")
    assert set(cov.county_code) == counties and cov.found.any()


def test_hanweb_annual_report_module_is_a_document(tmp_path):
    with Simulator(families=("hanweb_jcms",), reports=2, faults=False, lookalikes=False) as sim:
        site = sim.sites[0]
        path, rep = site.annual_report()
        rows = load_portals(urls=[site.base + path])
        asyncio.run(crawl(rows, tmp_path, fast()))
        (doc,) = list(iter_documents(tmp_path))
        assert doc["url"] == site.base + path and doc["kind"] == "detail"
        assert doc["year_guess"] == rep.year and doc["year_source"] == "url"
        assert Path(doc["path"]).read_bytes() == site.routes[path].body


def test_portal_rows_carry_tls_opt_out_and_domains(tmp_path):
    csv_path = tmp_path / "p.csv"
    csv_path.write_text(
        "name,level,column_url,verify_tls,domains\n"
        "甲镇,township,https://self-signed.example.gov.cn/nb/,0,files.example.com\n"
        "乙镇,township,https://ok.example.gov.cn/nb/,,\n",
        encoding="utf-8",
    )
    rows = load_portals(csv_path)
    assert [r["verify_tls"] for r in rows] == [False, True]
    from scrapers.crawl import Crawler
    from scrapers.store import Store

    st = Store(tmp_path / "raw")
    c = Crawler(st, fast())
    c._prepare(rows, {})
    cc = c._client_config()
    assert cc.insecure_hosts == frozenset({"self-signed.example.gov.cn"})
    assert "files.example.com" in c.portals[1]["domain_set"] and c.portals[1]["domain_set"] >= {"example.gov.cn"}
    st.close()


def test_reports_listed_off_the_column_path_are_found(tmp_path):
    """The column lists reports at /art/…, /content/…, /zwgk/…/t2024…_N.html: the generic
    family follows them by their titles, and leaves look-alikes and navigation alone."""
    with Simulator(families=("generic_offpath",), reports=9, per_page=5, faults=False) as sim:
        (site,) = sim.sites
        asyncio.run(crawl(sim.portals(), tmp_path, fast()))
        stored = Counter(d["url"] for d in iter_documents(tmp_path))
        assert set(stored) == set(sim.expected) and max(stored.values()) == 1
        assert {u.split("/")[3] for u, kind in sim.expected.items() if kind == "detail"} == {"art", "content", "zwgk"}
        fetched = {site.base + r[1] for r in site.requests}
        assert site.lookalikes and not site.lookalikes & fetched
        assert not {"/", "/xxgk/", "/xxgk/zn/"} & {r[1] for r in site.requests}
