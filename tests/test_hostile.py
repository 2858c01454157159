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
import socket
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
            route = next((fn for pre, fn in self.server.routes.items() if pre.endswith("*") and plain.startswith(pre[:-1])),
                         None)
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
    base = dict(delay=0.0, per_host=2, retries=2, backoff=0.01, read_timeout=2, connect_timeout=2,
                contact="tests@example.org")
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
            yield head[i:i + 1]
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
    server.routes["/cut-plain"] = lambda: [response(200, b"", {"Content-Length": str(len(page))}, length=False),
                                           page[:100]]
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
    cc = ClientConfig(delay=0.0, per_host=2, retries=0, backoff=0.01, read_timeout=5, connect_timeout=2)
    cc.total_timeout = 30.0
    rows = load_portals(None, [base + "/bomb/", base + "/trs/"])
    summary = asyncio.run(crawl(rows, out, CrawlConfig(client=cc, max_pages=30, progress=False)))
    print(json.dumps({"summary": summary, "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def _list_page(href: str, script: str = "") -> bytes:
    return (f'<html><head><meta charset="utf-8"></head><body><ul><li><a href="{href}">{REPORT_TITLE}</a>'
            f'<span>2021-01-15</span></li></ul><script>{script}</script></body></html>').encode()


def test_crawler_memory_stays_bounded_against_a_gzip_bomb_and_a_page_count_bomb(server, tmp_path):
    """The crawler in a child process: a report link that serves 1 GiB of gzip, and a TRS
    column claiming 100,000,000 pages. Both portals finish, nothing over the cap is stored,
    the claim is recorded as capped, and the child's peak memory stays under 600 MiB."""
    server.routes["/bomb/"] = lambda: [response(200, _list_page("./202101/t20210115_1.html"))]
    server.routes["/bomb/202101/t20210115_1.html"] = gzip_bomb
    trs_page = _list_page("./202101/t20210115_2.html", 'createPageHTML(100000000, 0, "index", "html");')
    server.routes["/trs/*"] = lambda: [response(200, trs_page)]
    out = tmp_path / "raw"
    proc = subprocess.run([sys.executable, "-c", CHILD, server.base, str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["maxrss_mib"] < 600, got["maxrss_mib"]
    db = sqlite3.connect(out / "crawl.sqlite")
    bomb = server.base + "/bomb/202101/t20210115_1.html"
    assert db.execute("SELECT error, sha256 FROM fetches WHERE url=?", (bomb,)).fetchall() == [("too_large", None)]
    assert db.execute("SELECT COUNT(*) FROM documents WHERE url=?", (bomb,)).fetchone()[0] == 0
    assert max(p.stat().st_size for p in (out / "objects").rglob("*.*")) < 1 << 20
    trs_lists = db.execute("SELECT COUNT(*) FROM frontier f JOIN portals p ON p.id=f.portal_id "
                           "WHERE p.column_url LIKE '%/trs/' AND f.kind='list'").fetchone()[0]
    assert trs_lists <= 31  # the column and at most max_pages more
    notes = json.loads(db.execute("SELECT meta FROM frontier WHERE url=?", (server.base + "/trs/",)).fetchone()[0])["notes"]
    assert any(n.startswith("page_count_capped") and "100000000" in n for n in notes), notes
    assert got["summary"]["skipped"].get("page_count_capped", 0) >= 1
    assert got["summary"]["portal_status"] == {"ok": 2}


CLAIM = 200_000  # large enough that building every request shows, small enough to fail fast before the cap


def _capped(res, budget: int) -> None:
    n = len(res.requests)
    assert n <= budget, n
    assert any(n.startswith("page_count_capped") for n in res.notes), res.notes


@pytest.mark.parametrize("family, url, body", [
    (trs, "http://a.gov.cn/xxgk/ndbg/", _list_page("./202101/t20210115_1.html", f'createPageHTML({CLAIM}, 0, "index", "html");')),
    (trs_hexmon, "http://a.gov.cn/c123456/list.shtml",
     _list_page("/c123456/202101/0123456789abcdef0123456789abcdef.shtml", f"var countPage = {CLAIM};")),
    (vsb, "http://a.gov.cn/xxgk/ndbg.htm",
     _list_page("/info/1011/2345.htm").replace(b"</ul>", f'</ul><span class="p_t">1/{CLAIM}</span>'.encode())),
    (hanweb, "http://a.gov.cn/col/col123/index.html",
     b"<html><body><script type='text/xml'><datastore><totalrecord>%d</totalrecord><recordset>"
     b"<record><![CDATA[<a href='/art/2021/1/15/art_123_1.html'>x</a>]]></record></recordset></datastore>"
     b"</script></body></html>" % (CLAIM * 45)),
])
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
    return (f"<html><head><meta charset='utf-8'></head><body><div id='4321'><script type='text/xml'><datastore>"
            f"<nextgroup><![CDATA[<a href='/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=123'>]]></nextgroup>"
            f"<recordset><record><![CDATA[<li><a href='/art/2021/1/15/art_123_1.html'>{REPORT_TITLE}</a></li>]]></record>"
            f"</recordset></datastore></script></div><script>{script}</script></body></html>").encode()


def test_hanweb_per_page_written_as_a_statement_is_read():
    page = Page(url="http://a.gov.cn/col/col123/index.html", body=_hanweb_column("var perPage = 15; var groupSize = 3;"),
                meta={"column": "http://a.gov.cn/col/col123/index.html"})
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
    server.routes["/trs/*"] = lambda: [response(200, _list_page("./202101/t20210115_2.html", 'createPageHTML(1, 0);'))]

    def broken(page):
        raise RuntimeError("unexpected page")

    monkeypatch.setattr(trs, "parse_list", broken)
    summary = _crawl(server.base, [server.base + "/trs/"], tmp_path / "b")
    assert summary["portal_status"] == {"ok": 1} and summary["details_stored_this_run"] == 1
    assert summary["failed"] == {"family_error:trs_wcm:RuntimeError": 1}
    meta = json.loads(sqlite3.connect(tmp_path / "b" / "crawl.sqlite").execute(
        "SELECT meta FROM frontier WHERE url=?", (server.base + "/trs/",)).fetchone()[0])
    assert meta["family_error"] == "trs_wcm: RuntimeError: unexpected page"
