"""``xxgk crawl --executor dask`` against the portal simulator: the store it leaves has the
content of a local crawl of the same portals, a rerun is as incremental as a local one, a
killed Dask crawl resumes, merging a shard twice changes nothing, and one group's failure
leaves the others' portals crawled.

"Same content" compares every row of the crawl database on its natural key (ids differ:
they are given in merge order) and the objects byte for byte, ignoring only what records
when things happened: the portals' first_seen / last_started / last_completed, the
frontier's added / updated, the fetches' started / elapsed and the start and seconds of each
try in attempt_log, the documents' fetched, the validators' updated, and the Date header of
the responses (the servers' clock)."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scrapers.client import ClientConfig
from scrapers.crawl import CrawlConfig, crawl
from scrapers.simulator import Simulator
from scrapers.store import Store, iter_documents

pytest.importorskip("distributed")

from scrapers import crawl_dask  # noqa: E402 - after the skip: it is only useful with Dask
from scrapers.crawl_dask import crawl_dask as run_dask  # noqa: E402
from scrapers.crawl_dask import merge_shard, portal_groups, seed_shard  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TIMES = {"first_seen", "last_started", "last_completed", "added", "updated", "started", "elapsed", "fetched"}


def fast() -> CrawlConfig:
    cc = ClientConfig(
        delay=0.0,
        per_host=4,
        retries=3,
        backoff=0.01,
        # the simulator's timeouts sleep 6 s; 3 s is margin enough for a loaded machine (at 1 s a
        # page of a CI run under load once timed out in one crawl only, and the stores differed)
        read_timeout=3.0,
        connect_timeout=1.0,
        max_bytes=300_000,
        contact="tests@example.org",
    )
    return CrawlConfig(client=cc, progress=False)


def content(out: Path) -> dict[str, Counter]:
    """Every row of the store on natural keys, times left out (see the module docstring), and
    every object's path and bytes."""
    db = sqlite3.connect(out / "crawl.sqlite")
    db.row_factory = sqlite3.Row
    column = dict(db.execute("SELECT id, column_url FROM portals").fetchall())
    key = dict(db.execute("SELECT id, key FROM frontier").fetchall())

    def rows(table: str, **fix) -> Counter:
        out = Counter()
        for r in db.execute(f"SELECT * FROM {table}"):
            d = {k: v for k, v in dict(r).items() if k not in TIMES and k != "id"}
            for k, f in fix.items():
                d[k] = f(d[k])
            out[json.dumps(d, sort_keys=True, ensure_ascii=False)] += 1
        return out

    def headers(h):
        return {k: v for k, v in json.loads(h or "{}").items() if k != "date"}

    def tries(log):
        return [(a["url"], a["status"], a["error"]) for a in json.loads(log or "[]")]

    got = {
        "portals": rows("portals"),
        "frontier": rows("frontier", portal_id=column.get),
        "documents": rows("documents", portal_id=column.get),
        "rejected": rows("rejected", portal_id=column.get),
        "validators": rows("validators", headers=headers),
        "fetches": rows("fetches", frontier_id=key.get, headers=headers, attempt_log=tries),
        "objects": Counter(
            f"{p.relative_to(out)} {hashlib.sha256(p.read_bytes()).hexdigest()}"
            for p in (out / "objects").rglob("*")
            if p.is_file()
        ),
    }
    db.close()
    return got


def assert_same(a: dict, b: dict) -> None:
    for table in a:
        assert a[table] == b[table], (table, list(a[table] - b[table])[:2], list(b[table] - a[table])[:2])


def dead_portal() -> dict:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more: the portal fails, as it would locally
    return {"name": "无人应答", "column_url": f"http://127.0.0.1:{port}/zfxxgknb/", "verify_tls": True}


# ------------------------------------------------------------------------ groups


def test_portals_that_may_share_a_host_are_one_group():
    rows = [
        {"column_url": "http://www.a.gov.cn/gk/nb/"},
        {"column_url": "http://b.gov.cn/nb/"},
        {"column_url": "https://zwgk.a.gov.cn/ndbg/"},  # a's registrable domain
        {"column_url": "http://c.gov.cn/nb/", "domains": "files.b.gov.cn"},  # declares b's domain
        {"column_url": "http://127.0.0.1:8001/nb/"},  # addresses: host and port, as the local queues
        {"column_url": "http://127.0.0.1:8002/nb/"},
        {"column_url": "http://127.0.0.1:8001/other/"},
        {"column_url": "http://d.gov.cn/nb/"},
    ]
    groups = [[r["column_url"] for r in g] for g in portal_groups(rows)]
    assert groups == [
        ["http://www.a.gov.cn/gk/nb/", "https://zwgk.a.gov.cn/ndbg/"],
        ["http://b.gov.cn/nb/", "http://c.gov.cn/nb/"],
        ["http://127.0.0.1:8001/nb/", "http://127.0.0.1:8001/other/"],
        ["http://127.0.0.1:8002/nb/"],
        ["http://d.gov.cn/nb/"],
    ]


# ------------------------------------------------------- same store as local


def test_dask_crawl_leaves_the_local_crawls_store_and_reruns_alike(tmp_path):
    """Every family with its faults, and a portal that does not answer; then a second run of
    each (list pages re-checked conditionally, nothing else fetched)."""
    with Simulator(reports=5, per_page=5, faults=True, timeout_sleep=6.0) as sim:
        rows = [*sim.portals(), dead_portal()]
        faults = [copy.deepcopy(s.transient) for s in sim.sites]
        local, dask = tmp_path / "local", tmp_path / "dask"
        s_local = asyncio.run(crawl(rows, local, fast()))
        for s, f in zip(sim.sites, faults):  # the same transient faults for the second crawl
            s.transient = copy.deepcopy(f)
        s_dask = run_dask(rows, dask, fast(), workers=2, processes=False)
        assert {d["url"] for d in iter_documents(dask)} == set(sim.expected)
        assert_same(content(local), content(dask))
        for k in ("portal_status", "documents_stored_this_run", "requests", "pages_ok", "blocked", "failed"):
            assert s_dask[k] == s_local[k], k
        assert s_dask["portal_status"] == {"ok": len(sim.sites), "failed": 1}
        assert not list((dask / "shards").iterdir())

        marks = {s.family: len(s.requests) for s in sim.sites}
        r_local = asyncio.run(crawl(rows, local, fast()))
        again_local = Counter(r[1] for s in sim.sites for r in s.requests[marks[s.family] :])
        marks = {s.family: len(s.requests) for s in sim.sites}
        r_dask = run_dask(rows, dask, fast(), workers=2, processes=False)
        again_dask = Counter(r[1] for s in sim.sites for r in s.requests[marks[s.family] :])
        assert again_dask == again_local and r_dask["documents_stored_this_run"] == 0
        assert r_dask["not_modified"] == r_local["not_modified"] > 0
        assert_same(content(local), content(dask))


def test_two_workers_never_hit_one_host_at_once(tmp_path):
    """Two portals on one site (a second column URL on it) and one on another, two workers:
    each site is crawled by one crawler, whose per-host pacing the local tests pin. The sign
    is robots.txt, which a crawler asks once per host and run: two crawlers on one host would
    ask it twice. (The servers' clocks of request starts are no sign on a loaded machine: a
    request that waits for a thread shortens the next gap.)"""
    with Simulator(families=("trs_wcm", "vsb"), reports=4, faults=False) as sim:
        trs = sim.site("trs_wcm")
        rows = [*sim.portals(), {**sim.portals()[0], "column_url": trs.column_url + "?from=2"}]
        assert len(portal_groups(rows)) == 2
        run_dask(rows, tmp_path, fast(), workers=2, processes=False)
        for site in sim.sites:
            asked = Counter(r[1] for r in site.requests)
            assert asked["/robots.txt"] == 1 and len(site.requests) > 10, (site.family, asked["/robots.txt"])
        assert {d["url"] for d in iter_documents(tmp_path)} == set(sim.expected)


# ------------------------------------------------------------------ the merge


def test_merging_a_shard_twice_changes_nothing(tmp_path):
    with Simulator(families=("trs_wcm", "vsb"), reports=4, faults=True) as sim:
        rows = sim.portals()
        main = Store(tmp_path / "raw")
        main.begin()
        pids = [main.upsert_portal(r) for r in rows]
        run_id = main.start_run({})
        main.commit()
        shard = main.root / "shards" / "1-00000"
        seed_shard(main, shard, pids, run_id)
        summary = crawl_dask.crawl_shard(str(shard), str(main.objects), rows, fast(), run_id, {})
        assert summary["documents_stored_this_run"] == len(sim.expected)
        merge_shard(main, shard)
        once = content(main.root)
        merge_shard(main, shard)
        assert content(main.root) == once
        assert sum(once["fetches"].values()) == main.db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0] > 0
        # a shard seeded from the merged store and merged back unchanged changes nothing either
        again = main.root / "shards" / "1-00001"
        seed_shard(main, again, pids, run_id)
        merge_shard(main, again)
        assert content(main.root) == once
        main.close()


def test_a_local_crawl_first_merges_what_a_dask_crawl_left(tmp_path):
    with Simulator(families=("vsb",), reports=4, faults=False) as sim:
        (site,) = sim.sites
        rows, raw = sim.portals(), tmp_path / "raw"
        main = Store(raw)
        main.begin()
        pids = [main.upsert_portal(r) for r in rows]
        run_id = main.start_run({})
        main.commit()
        seed_shard(main, raw / "shards" / f"{run_id}-00000", pids, run_id)
        crawl_dask.crawl_shard(str(raw / "shards" / f"{run_id}-00000"), str(main.objects), rows, fast(), run_id, {})
        main.close()  # as a killed Dask crawl leaves it: the shard crawled, never merged
        mark = len(site.requests)
        summary = asyncio.run(crawl(rows, raw, fast()))
        assert not list((raw / "shards").iterdir())
        assert summary["documents_stored_this_run"] == 0 and summary["documents_in_store"]
        assert Counter(d["url"] for d in iter_documents(raw)) == Counter(set(sim.expected))
        again = {site.base + r[1] for r in site.requests[mark:]}
        assert again and not again & set(sim.expected)  # list pages re-checked, no report fetched again


def test_one_groups_failure_leaves_the_others_crawled_and_resumes(tmp_path, monkeypatch):
    real = crawl_dask.crawl_shard

    def failing(shard, objects, rows, *a):
        if any(r["cms_family"] == "vsb" for r in rows):
            raise RuntimeError("worker lost")
        return real(shard, objects, rows, *a)

    monkeypatch.setattr(crawl_dask, "crawl_shard", failing)
    with Simulator(families=("trs_wcm", "vsb", "gd_post"), reports=4, faults=False) as sim:
        out = tmp_path / "raw"
        summary = run_dask(sim.portals(), out, fast(), workers=2, processes=False)
        (err,) = summary["task_errors"].values()
        assert "worker lost" in err
        states = dict(sqlite3.connect(out / "crawl.sqlite").execute("SELECT cms_family, crawl_state FROM portals"))
        assert states == {"trs_wcm": "complete", "vsb": "new", "gd_post": "complete"}
        vsb = sim.site("vsb").base
        assert {d["url"] for d in iter_documents(out)} == {u for u in sim.expected if not u.startswith(vsb)}
        monkeypatch.setattr(crawl_dask, "crawl_shard", real)
        summary = run_dask(sim.portals(), out, fast(), workers=2, processes=False)
        assert "task_errors" not in summary and summary["documents_stored_this_run"] == len(
            [u for u in sim.expected if u.startswith(vsb)]
        )
        assert Counter(d["url"] for d in iter_documents(out)) == Counter(set(sim.expected))


# --------------------------------------------------------- kill and resume


def _shard_documents(out: Path) -> int:
    n = 0
    for db in (out / "shards").glob("*/crawl.sqlite"):
        try:
            c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                n += c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            finally:
                c.close()
        except sqlite3.Error:
            pass  # a shard being created or retired: counted on the next look
    return n


def _wait_gone(pgid: int) -> None:
    """Until no process of the killed group is left (the cluster's workers die with it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes of group {pgid} outlived the kill")


def test_sigkill_mid_dask_crawl_then_resume_on_two_process_workers(tmp_path):
    """`xxgk crawl --executor dask` on a LocalCluster of two processes, killed (client and
    workers) mid-crawl; the same command resumes: every report once, nothing finished before
    the kill fetched again, no shard left."""
    out = tmp_path / "raw"
    with Simulator(families=("trs_wcm", "hanweb_jcms", "vsb"), reports=8, per_page=5, faults=False) as sim:
        portals = sim.portals_csv(tmp_path / "portals.csv")
        cmd = [sys.executable, "-m", "pipeline.cli", "crawl", "--portals", str(portals), "--out", str(out)]
        cmd += ["--executor", "dask", "--workers", "2", "--quiet", "--delay", "0.05", "--retries", "1"]
        cmd += ["--timeout", "2", "--contact", "tests@example.org"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        p = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _shard_documents(out) < 8 and p.poll() is None:
            time.sleep(0.02)
        os.killpg(p.pid, signal.SIGKILL)  # the client and the cluster's processes, all at once
        p.wait()
        killed_at = time.time()
        assert p.returncode == -signal.SIGKILL, p.stderr.read().decode()[-2000:]
        _wait_gone(p.pid)
        assert list((out / "shards").iterdir()), "the kill should leave the running tasks' shards"
        before = set()
        for db in (out / "shards").glob("*/crawl.sqlite"):
            c = sqlite3.connect(db)
            before |= {r[0] for r in c.execute("SELECT url FROM frontier WHERE state!='pending'")}
            c.close()
        assert before

        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=180)
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        docs = Counter(d["url"] for d in iter_documents(out))
        assert set(docs) == set(sim.expected) and max(docs.values()) == 1
        for s in sim.sites:
            again = {s.base + q[1] for q in s.requests if q[3] > killed_at}
            assert not (again & {u for u in before if u.startswith(s.base)}), again & before
        c = sqlite3.connect(out / "crawl.sqlite")
        assert c.execute("SELECT COUNT(*) FROM frontier WHERE state='pending'").fetchone()[0] == 0
        assert {r[0] for r in c.execute("SELECT crawl_state FROM portals")} == {"complete"}
        assert c.execute("SELECT COUNT(*) FROM runs WHERE finished IS NULL").fetchone()[0] == 1  # the killed one
        c.close()
        assert not list((out / "shards").iterdir())
        assert not list((out / "objects").rglob(".tmp-*"))


def test_workers_that_do_not_see_the_store_are_named_before_anything_is_crawled(tmp_path):
    class TwoWorkers:  # Client.run's contract: the function's result per worker address
        def run(self, f, path):
            return {"tcp://10.0.0.1:1": f(path), "tcp://10.0.0.2:1": f(path.replace(str(tmp_path), "/elsewhere"))}

    with pytest.raises(crawl_dask.NotShared, match=r"10\.0\.0\.2.*--out must be on a filesystem the workers share"):
        crawl_dask._check_shared(TwoWorkers(), tmp_path)
    assert not list((tmp_path / "shards").iterdir())  # the probe is gone
