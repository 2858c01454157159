"""A hostile world: bombs, drip-feeding servers, page-count claims, odd file names, concurrent
and interrupted builds, operational errors. Every case of issue 11 has a test here.

The servers run on 127.0.0.1 inside the test process and every loop is bounded: a drip
feeder stops after a few seconds whatever happens, the gzip bomb is generated lazily (only
what the client reads is ever compressed), and crawls that measure memory run in a child
process with a time limit and an address-space ceiling."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import socketserver
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from functools import cache
from pathlib import Path

import pytest

from scrapers.client import ClientConfig, PoliteClient
from scrapers.families import gkmlpt, hanweb, trs, trs_hexmon, vsb
from scrapers.families.base import Page

ROOT = Path(__file__).resolve().parents[1]
GIB = 1 << 30


# ------------------------------------------------------------------------ the server


class _Handler(socketserver.BaseRequestHandler):
    """Reads one request head, then sends what the route yields: bytes are sent, a float is
    a pause. The connection is closed after each response."""

    def handle(self):
        self.request.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = self.request.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        path = data.split(b" ", 2)[1].decode("latin-1")
        self.server.log.append(path)
        plain = path.split("?")[0]
        route = self.server.routes.get(plain)
        if route is None:  # a prefix route answers every path under it
            route = next(
                (fn for pre, fn in self.server.routes.items() if pre.endswith("*") and plain.startswith(pre[:-1])), None
            )
        parts = route() if route else [response(404, b"not found")]
        try:
            for part in parts:
                if isinstance(part, float):
                    time.sleep(part)
                else:
                    self.request.sendall(part)
        except OSError:  # the client hung up (it should, on a bomb)
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


@pytest.fixture
def server():
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.routes, srv.log = {}, []
    srv.routes["/robots.txt"] = lambda: [response(404, b"")]
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


def response(status: int, body: bytes, headers: dict | None = None, length: bool = True) -> bytes:
    head = [f"HTTP/1.1 {status} X", "Connection: close"]
    head += [f"{k}: {v}" for k, v in {"Content-Type": "text/html; charset=utf-8", **(headers or {})}.items()]
    if length:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@cache
def _zero_block() -> tuple[bytes, bytes]:
    """Deflate of 1 MiB of zeros ending on a full flush (so it repeats byte for byte), and
    the stream's end."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(bytes(1 << 20)) + z.flush(zlib.Z_FULL_FLUSH)
    return block, z.flush(zlib.Z_FINISH)


def gzip_bomb(size: int = GIB):
    """A gzip body of about 1 MB that inflates to `size` bytes of zeros, with its exact
    Content-Length; the compressed blocks are produced only as the client reads them."""
    block, end = _zero_block()
    n = size >> 20
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    length = len(header) + n * len(block) + len(end) + 8
    yield response(200, b"", {"Content-Encoding": "gzip", "Content-Length": str(length)}, length=False)
    yield header
    for _ in range(n):
        yield block
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(n):  # only a client that read everything gets here
        crc = zlib.crc32(zeros, crc)
    yield end + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


def run(coro):
    return asyncio.run(coro)


def cfg(**kw) -> ClientConfig:
    base = dict(
        delay=0.0, per_host=2, retries=2, backoff=0.01, read_timeout=2, connect_timeout=2, contact="tests@example.org"
    )
    base.update(kw)
    return ClientConfig(**base)


async def _get(config, url):
    async with PoliteClient(config) as c:
        return await c.fetch(url)


# ------------------------------------------------------------------ 1. the client


def test_gzip_bomb_stops_at_the_cap_and_nothing_is_returned(server):
    server.routes["/bomb"] = gzip_bomb
    r = run(_get(cfg(max_bytes=4 << 20), server.base + "/bomb"))
    assert r.error == "too_large" and "decoded" in r.detail and not r.ok
    assert r.content == b""  # never a body that hit the cap
    # a body that fits the cap is decoded as before, also a raw-deflate one
    page = "<html><body>政府信息公开工作年度报告</body></html>".encode()
    server.routes["/gz"] = lambda: [response(200, gzip.compress(page), {"Content-Encoding": "gzip"})]
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = raw_deflate.compress(page) + raw_deflate.flush()
    server.routes["/deflate"] = lambda: [response(200, deflated, {"Content-Encoding": "deflate"})]
    server.routes["/liar"] = lambda: [response(200, page, {"Content-Encoding": "gzip"})]  # plain bytes labelled gzip
    for path in ("/gz", "/deflate", "/liar"):
        r = run(_get(cfg(max_bytes=4 << 20), server.base + path))
        assert r.ok and r.content == page, path


def test_total_deadline_stops_a_drip_feeding_server(server):
    def drip_headers():
        head = response(200, b"<html>late</html>")
        for i in range(min(len(head), 60)):  # one byte every 0.1 s for 6 s at most, then the rest
            yield head[i : i + 1]
            yield 0.1
        yield head[60:]

    def drip_body():
        yield response(200, b"", {"Content-Length": "100"}, length=False)
        for _ in range(60):
            yield b"x"
            yield 0.1
        yield b"x" * 40

    server.routes["/drip-headers"] = drip_headers
    server.routes["/drip-body"] = drip_body
    config = cfg(read_timeout=1.0)
    config.total_timeout = 0.6
    for path in ("/drip-headers", "/drip-body"):
        r = run(_get(config, server.base + path))
        assert r.error == "deadline" and r.content == b"" and not r.ok, (path, r.error)
        assert len(r.attempts) == 1  # retrying a drip feeder would only wait as long again


def test_a_body_cut_short_is_never_returned(server):
    page = ("<html><body>" + "政府信息公开工作年度报告" * 200 + "</body></html>").encode()
    cut = gzip.compress(page)[:-30]
    # no Content-Length, the connection closes: only the gzip stream shows the cut
    server.routes["/cut-gzip"] = lambda: [response(200, cut, {"Content-Encoding": "gzip"}, length=False)]
    server.routes["/cut-plain"] = lambda: [
        response(200, b"", {"Content-Length": str(len(page))}, length=False),
        page[:100],
    ]
    for path in ("/cut-gzip", "/cut-plain"):
        r = run(_get(cfg(retries=1), server.base + path))
        assert r.error == "truncated" and r.content == b"" and len(r.attempts) == 2, (path, r.error)


# ------------------------------------------------------------------ 2. the crawler

REPORT_TITLE = "某某县人民政府2020年政府信息公开工作年度报告"
CHILD = textwrap.dedent("""
    import asyncio, json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a safety net, far above the 600 MiB asserted
    from scrapers.client import ClientConfig
    from scrapers.crawl import CrawlConfig, crawl, load_portals
    base, out = sys.argv[1], sys.argv[2]
    cc = ClientConfig(delay=0.0, per_host=2, retries=2, backoff=0.01, read_timeout=5, connect_timeout=5)
    cc.total_timeout = 30.0
    rows = load_portals(None, [base + "/bomb/", base + "/trs/"])
    summary = asyncio.run(crawl(rows, out, CrawlConfig(client=cc, max_pages=30, progress=False)))
    # VmHWM, the peak since exec: ru_maxrss would count the test runner this was forked from
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps({"summary": summary, "peak_mib": hwm / 1024}))
""")


def _list_page(href: str, script: str = "") -> bytes:
    return (
        f'<html><head><meta charset="utf-8"></head><body><ul><li><a href="{href}">{REPORT_TITLE}</a>'
        f"<span>2021-01-15</span></li></ul><script>{script}</script></body></html>"
    ).encode()


def test_crawler_memory_stays_bounded_against_a_gzip_bomb_and_a_page_count_bomb(server, tmp_path):
    """The crawler in a child process: a report link that serves 1 GiB of gzip, and a TRS
    column claiming 100,000,000 pages. Both portals finish, nothing over the cap is stored,
    the claim is recorded as capped, and the child's peak memory stays under 600 MiB."""
    server.routes["/bomb/"] = lambda: [response(200, _list_page("./202101/t20210115_1.html"))]
    server.routes["/bomb/202101/t20210115_1.html"] = gzip_bomb
    trs_page = _list_page("./202101/t20210115_2.html", 'createPageHTML(100000000, 0, "index", "html");')
    server.routes["/trs/*"] = lambda: [response(200, trs_page)]
    out = tmp_path / "raw"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, server.base, str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["peak_mib"] < 600, got["peak_mib"]
    db = sqlite3.connect(out / "crawl.sqlite")
    bomb = server.base + "/bomb/202101/t20210115_1.html"
    assert db.execute("SELECT error, sha256 FROM fetches WHERE url=?", (bomb,)).fetchall() == [("too_large", None)]
    assert db.execute("SELECT COUNT(*) FROM documents WHERE url=?", (bomb,)).fetchone()[0] == 0
    assert max(p.stat().st_size for p in (out / "objects").rglob("*.*")) < 1 << 20
    trs_lists = db.execute(
        "SELECT COUNT(*) FROM frontier f JOIN portals p ON p.id=f.portal_id "
        "WHERE p.column_url LIKE '%/trs/' AND f.kind='list'"
    ).fetchone()[0]
    assert trs_lists <= 31  # the column and at most max_pages more
    notes = json.loads(db.execute("SELECT meta FROM frontier WHERE url=?", (server.base + "/trs/",)).fetchone()[0])[
        "notes"
    ]
    assert any(n.startswith("page_count_capped") and "100000000" in n for n in notes), notes
    assert got["summary"]["skipped"].get("page_count_capped", 0) >= 1
    assert got["summary"]["portal_status"] == {"ok": 2}


CLAIM = 200_000  # large enough that building every request shows, small enough to fail fast before the cap


def _capped(res, budget: int) -> None:
    n = len(res.requests)
    assert n <= budget, n
    assert any(n.startswith("page_count_capped") for n in res.notes), res.notes


@pytest.mark.parametrize(
    "family, url, body",
    [
        (
            trs,
            "http://a.gov.cn/xxgk/ndbg/",
            _list_page("./202101/t20210115_1.html", f'createPageHTML({CLAIM}, 0, "index", "html");'),
        ),
        (
            trs_hexmon,
            "http://a.gov.cn/c123456/list.shtml",
            _list_page("/c123456/202101/0123456789abcdef0123456789abcdef.shtml", f"var countPage = {CLAIM};"),
        ),
        (
            vsb,
            "http://a.gov.cn/xxgk/ndbg.htm",
            _list_page("/info/1011/2345.htm").replace(b"</ul>", f'</ul><span class="p_t">1/{CLAIM}</span>'.encode()),
        ),
        (
            hanweb,
            "http://a.gov.cn/col/col123/index.html",
            b"<html><body><script type='text/xml'><datastore><totalrecord>%d</totalrecord><recordset>"
            b"<record><![CDATA[<a href='/art/2021/1/15/art_123_1.html'>x</a>]]></record></recordset></datastore>"
            b"</script></body></html>" % (CLAIM * 45),
        ),
    ],
)
def test_page_count_claims_are_capped_lazily(family, url, body):
    page = Page(url=url, body=body, headers={"content-type": "text/html; charset=utf-8"}, meta={"column": url})
    page.page_budget = 20
    _capped(family.parse_list(page), 20)


def test_gkmlpt_record_total_is_capped_lazily():
    api = "http://a.gov.cn/gkmlpt/api/all/123?page=1&sid=7"
    body = json.dumps({"total": CLAIM, "articles": [{"url": "/gkmlpt/content/1/1/post_1.html", "title": REPORT_TITLE}]})
    page = Page(url=api, body=body.encode(), meta={"gk_api": True, "n": 1, "cat": "123", "sid": "7", "column": api})
    page.page_budget = 20
    _capped(gkmlpt.parse_list(page), 20)


def _hanweb_column(script: str) -> bytes:
    return (
        f"<html><head><meta charset='utf-8'></head><body><div id='4321'><script type='text/xml'><datastore>"
        f"<nextgroup><![CDATA[<a href='/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=123'>]]></nextgroup>"
        f"<recordset><record><![CDATA[<li><a href='/art/2021/1/15/art_123_1.html'>{REPORT_TITLE}</a></li>]]></record>"
        f"</recordset></datastore></script></div><script>{script}</script></body></html>"
    ).encode()


def test_hanweb_per_page_written_as_a_statement_is_read():
    page = Page(
        url="http://a.gov.cn/col/col123/index.html",
        body=_hanweb_column("var perPage = 15; var groupSize = 3;"),
        meta={"column": "http://a.gov.cn/col/col123/index.html"},
    )
    res = hanweb.parse_list(page)
    assert [l.url for l in res.links] == ["http://a.gov.cn/art/2021/1/15/art_123_1.html"]


def _crawl(base: str, urls: list[str], out: Path) -> dict:
    from scrapers.crawl import CrawlConfig, crawl, load_portals

    cc = cfg(retries=0)
    cc.total_timeout = 10.0
    return run(crawl(load_portals(None, urls), out, CrawlConfig(client=cc, progress=False)))


def test_a_family_that_fails_on_a_page_costs_that_page_only(server, tmp_path, monkeypatch):
    # Hanweb's `var perPage = 15;` used to drop the whole portal as "column page not found"
    server.routes["/col/col123/index.html"] = lambda: [response(200, _hanweb_column("var perPage = 15;"))]
    server.routes["/art/*"] = lambda: [response(200, f"<html><body><h1>{REPORT_TITLE}</h1></body></html>".encode())]
    summary = _crawl(server.base, [server.base + "/col/col123/index.html"], tmp_path / "a")
    assert summary["portal_status"] == {"ok": 1} and summary["details_stored_this_run"] == 1
    # a family parser that raises: the page's error is recorded and the page is read generically
    server.routes["/trs/*"] = lambda: [response(200, _list_page("./202101/t20210115_2.html", "createPageHTML(1, 0);"))]

    def broken(page):
        raise RuntimeError("unexpected page")

    monkeypatch.setattr(trs, "parse_list", broken)
    summary = _crawl(server.base, [server.base + "/trs/"], tmp_path / "b")
    assert summary["portal_status"] == {"ok": 1} and summary["details_stored_this_run"] == 1
    assert summary["failed"] == {"family_error:trs_wcm:RuntimeError": 1}
    meta = json.loads(
        sqlite3.connect(tmp_path / "b" / "crawl.sqlite")
        .execute("SELECT meta FROM frontier WHERE url=?", (server.base + "/trs/",))
        .fetchone()[0]
    )
    assert meta["family_error"] == "trs_wcm: RuntimeError: unexpected page"


# ------------------------------------------------------------------ 3. the build


def _reports_raw(folder: Path, seeds=(61, 62, 63)) -> Path:
    from synth.generator import generate

    folder.mkdir(parents=True, exist_ok=True)
    for s in seeds:
        (folder / f"r{s}.txt").write_bytes(generate(s).data)
    return folder


def _rows(out: Path) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(out / "reports.parquet").num_rows


def _described_rows(out: Path) -> int:
    return json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["x_xxgk"]["reports"]


def test_outputs_are_never_read_back_as_reports(tmp_path):
    from pipeline.build import build

    raw = _reports_raw(tmp_path / "x")
    first = build(raw, raw, workers=1, progress=False, csv=True)
    second = build(raw, raw, workers=1, progress=False, csv=True)  # --raw X --out X, again
    assert first.documents == second.documents == 3
    assert second.parsed == 0 and _rows(raw) == 3


def test_an_interrupted_build_leaves_the_last_complete_one(tmp_path, monkeypatch):
    """Killed while the datasets are written (reports.parquet already new, the descriptor not):
    the folder keeps the previous build's files, all of them."""
    import pipeline.datasets as ds
    from pipeline.build import build

    raw, out = _reports_raw(tmp_path / "raw", (61, 62)), tmp_path / "out"
    build(raw, out, workers=1, progress=False)
    _reports_raw(raw, (63,))

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ds, "write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        build(raw, out, workers=1, progress=False)
    assert _rows(out) == _described_rows(out) == 2
    assert not list(out.glob(".staging-*")) and not list(out.glob(".*.tmp"))
    monkeypatch.undo()
    build(raw, out, workers=1, progress=False)
    assert _rows(out) == _described_rows(out) == 3


def test_a_build_killed_while_publishing_says_the_folder_is_incomplete(tmp_path, monkeypatch, capsys):
    import pipeline.publishing as pub
    from pipeline.cli import main

    raw, out = _reports_raw(tmp_path / "raw", (61, 62)), tmp_path / "out"
    assert main(["build", "--raw", str(raw), "--out", str(out), "--workers", "1"]) == 0
    _reports_raw(raw, (63,))
    real, moves = os.replace, []

    def replace_then_die(src, dst):  # killed after two files of the new build are in place
        if Path(dst).parent == out:
            if len(moves) == 2:
                raise KeyboardInterrupt
            moves.append(dst)
        real(src, dst)

    monkeypatch.setattr(pub.os, "replace", replace_then_die)
    assert main(["build", "--raw", str(raw), "--out", str(out), "--workers", "1"]) == 130
    monkeypatch.undo()
    problems = pub.check(out)
    assert problems and "interrupted" in problems[0]
    capsys.readouterr()
    main(["summary", str(out)])  # a reader of the folder says it too
    assert "warning" in capsys.readouterr().err
    assert main(["build", "--raw", str(raw), "--out", str(out), "--workers", "1"]) == 0
    assert "interrupted" in capsys.readouterr().err
    assert pub.check(out) == [] and _rows(out) == _described_rows(out) == 3


def slow_parse(data: bytes, name=None):
    """A parser for the build's workers that holds the build until the test lets it go (the
    file named on the report's last line appears)."""
    from parsers.report import parse_bytes

    flag = Path(data.rsplit(b"\n", 1)[-1].decode())
    (flag.parent / "parsing").touch()
    for _ in range(300):  # 30 s at most
        if flag.exists():
            break
        time.sleep(0.1)
    return parse_bytes(data, name)


def test_a_second_build_into_the_same_out_refuses(tmp_path, capsys):
    from pipeline.build import build
    from pipeline.cli import main
    from pipeline.publishing import check

    raw, out = _reports_raw(tmp_path / "raw", (61,)), tmp_path / "out"
    flag = tmp_path / "go"
    report = raw / "r61.txt"
    report.write_bytes(report.read_bytes().rstrip(b"\n") + b"\n" + str(flag).encode())
    first: dict = {}
    t = threading.Thread(target=lambda: first.update(res=build(raw, out, workers=1, parse=slow_parse, progress=False)))
    t.start()
    try:
        for _ in range(1200):  # until the first build is parsing (it holds the lock by then)
            if (tmp_path / "parsing").exists() or not t.is_alive():
                break
            time.sleep(0.05)
        assert (tmp_path / "parsing").exists()
        assert main(["build", "--raw", str(raw), "--out", str(out), "--workers", "1"]) == 1
        err = capsys.readouterr().err
        assert "another xxgk build is writing to" in err and "Traceback" not in err
    finally:
        flag.touch()
        t.join(60)
    assert first["res"].kept == 1 and check(out) == [] and _rows(out) == 1


# ------------------------------------------------------------------ 4. names, bytes, operational errors


def _xxgk(*args, timeout=60) -> subprocess.CompletedProcess:
    def limit():  # a regression must not read /dev/zero into all the machine's memory
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, timeout=timeout, preexec_fn=limit
    )


def _one_line_error(stderr: str) -> None:
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert "Traceback" not in stderr and len(lines) == 1 and "error" in lines[0], stderr[-2000:]


def test_any_file_name_any_bytes(tmp_path):
    import pandas as pd

    from pipeline.build import build
    from synth.generator import generate

    raw = tmp_path / "raw"
    raw.mkdir()
    gbk = "2020年报告".encode("gbk") + b".txt"  # a name from a zip made on Windows
    path = os.path.join(os.fsencode(raw), gbk)
    with open(path, "wb") as f:
        f.write(generate(64).data)
    build(raw, tmp_path / "out", workers=1, progress=False)
    r = pd.read_parquet(tmp_path / "out" / "reports.parquet")
    assert r.status.tolist() == ["kept"]
    shown = gbk.decode("utf-8", "backslashreplace")  # 2020\xc4걨\xb8\xe6.txt: valid UTF-8 kept, the rest escaped
    assert r.paths[0] == shown and bytes.fromhex(r.paths_bytes[0]) == gbk
    p = _xxgk("parse", os.fsdecode(path), "--json", "--no-region")
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout.decode("utf-8"))  # valid UTF-8, strictly
    assert got["source"]["path"].endswith(shown)
    assert bytes.fromhex(got["source"]["path_bytes"]).endswith(gbk)
    p = _xxgk("parse", os.fsdecode(path), "--no-region")
    p.stdout.decode("utf-8")
    assert p.returncode == 0 and b"cells" in p.stdout


def test_fifo_and_devices_are_refused_in_one_line(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    for target, what in ((fifo, "a FIFO"), ("/dev/zero", "a character device")):
        p = _xxgk("parse", str(target), timeout=20)  # before: waited for a writer forever / read without end
        assert p.returncode == 1 and f"not a regular file ({what})" in p.stderr.decode(), p.stderr
        _one_line_error(p.stderr.decode())


def test_a_fifo_or_unreadable_file_in_the_raw_folder_is_named_not_passed_over(tmp_path, capsys):
    from pipeline.build import _folder_sources

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("一、总体情况", encoding="utf-8")
    os.mkfifo(raw / "pipe.txt")
    found = _folder_sources(raw, None)  # before: the pipe was passed over without a word
    assert [s.rel for s in found] == ["a.txt"]
    err = capsys.readouterr().err
    assert "pipe.txt: not read: not a regular file" in err


def test_operational_errors_are_one_line_and_a_non_zero_exit(tmp_path, monkeypatch, capsys):
    import errno

    import pipeline.datasets as ds
    from pipeline.cli import main

    raw = _reports_raw(tmp_path / "raw", (61,))
    (tmp_path / "file").write_text("x")
    assert main(["build", "--raw", str(raw), "--out", str(tmp_path / "file" / "out")]) == 1  # cannot be created
    _one_line_error(capsys.readouterr().err)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "reports.parquet"))

    monkeypatch.setattr(ds, "write_parquet", full)
    assert main(["build", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err.splitlines()[-1] and "Traceback" not in err


def test_a_crawl_database_that_cannot_be_used_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    from pipeline.cli import main

    out = tmp_path / "raw"
    out.mkdir()
    (out / "crawl.sqlite").write_bytes(b"not a database" * 512)  # damaged (or on a full disk)
    assert main(["crawl", "http://127.0.0.1:9/col/col1/", "--out", str(out)]) == 1  # before: a traceback
    _one_line_error(capsys.readouterr().err)


def test_an_unusable_cache_entry_is_parsed_again(tmp_path):
    from pipeline.build import build

    raw, out = _reports_raw(tmp_path / "raw", (61, 62)), tmp_path / "out"
    build(raw, out, workers=1, progress=False)
    entry = sorted((out / ".cache").rglob("*.json.gz"))[0]
    entry.write_bytes(gzip.compress(b"[1, 2]"))  # a JSON list where an object belongs
    res = build(raw, out, workers=1, progress=False)
    assert res.parsed == 1 and res.kept == 2


REPORT_SEED = 65


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16-le"),  # no BOM
        lambda t: t.encode("utf-16-be"),
        lambda t: t.encode("utf-32"),  # with a BOM (which begins like UTF-16-LE's)
        lambda t: t.encode("utf-32-le"),
        lambda t: b"\n".join(l.encode("utf-8" if i % 2 else "gb18030") for i, l in enumerate(t.split("\n"))),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32-bom", "utf-32-le", "mixed-utf8-gb18030"],
)
def test_encodings_are_found_before_a_text_is_called_binary(encode):
    from parsers.report import parse_bytes
    from synth.generator import generate

    text = generate(REPORT_SEED, style="tab").data.decode("utf-8")
    want = parse_bytes(text.encode("utf-8"))
    got = parse_bytes(encode(text))
    assert got.error is None, got.error
    assert [(c.address, c.value) for c in got.cells] == [(c.address, c.value) for c in want.cells]


def test_big5_is_told_from_gb18030():
    from parsers.readers.text import decode

    traditional = (
        "政府信息公開工作年度報告\n一、總體情況\n本機關依據《中華人民共和國政府信息公開條例》規定，現公布本年度報告。\n"
    )
    assert decode(traditional.encode("big5")) == (traditional, [])  # it decodes as GB18030 too, to rare characters
    simplified = (
        "政府信息公开工作年度报告\n一、总体情况\n本机关依据《中华人民共和国政府信息公开条例》规定，现公布本年度报告。\n"
    )
    assert decode(simplified.encode("gb18030")) == (simplified, [])


def test_an_output_folder_whose_name_is_not_utf8_is_refused_before_the_parse(tmp_path, capsys):
    from pipeline.cli import main

    raw = _reports_raw(tmp_path / "raw", (61,))
    out = os.fsdecode(os.fsencode(tmp_path) + b"/out\xb2\xe2")  # a GBK name unpacked on Linux
    assert main(["build", "--raw", str(raw), "--out", out]) == 1  # before: a pyarrow traceback after parsing
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "out\\xb2\\xe2" in err and "not valid UTF-8" in err
    assert not os.path.exists(out)
