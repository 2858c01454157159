"""The polite client against a tiny programmable server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scrapers.client import (
    ClientConfig,
    PoliteClient,
    decode_html,
    detect_challenge,
    normalize_url,
    registrable_domain,
    same_site,
    sniff_charset,
)


class _H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.log.append((self.path, dict(self.headers), time.time()))
            srv.inflight += 1
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
            script = srv.scripts.get(self.path)
            step = script.pop(0) if script and len(script) > 1 else (script[0] if script else None)
        try:
            if step is None:
                step = (404, {}, b"not found")
            status, headers, body = step
            if status == "sleep":
                time.sleep(headers)
                status, headers, body = 200, {}, body
            self.send_response(status)
            chunked = headers.pop("_chunked", False) if isinstance(headers, dict) else False
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(body), 1000):
                    part = body[i : i + 1000]
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        finally:
            with srv.lock:
                srv.inflight -= 1


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _H)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.log, srv.scripts, srv.inflight, srv.max_inflight = [], {}, 0, 0
    srv.scripts["/robots.txt"] = [(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")]
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


class Sleeps:
    def __init__(self):
        self.calls = []

    async def __call__(self, s):
        self.calls.append(s)
        await asyncio.sleep(0)


def cfg(**kw):
    base = dict(
        delay=0.0, per_host=2, retries=3, backoff=0.5, read_timeout=2, connect_timeout=2, contact="me@example.org"
    )
    base.update(kw)
    return ClientConfig(**base)


def run(coro):
    return asyncio.run(coro)


async def _get(config, url, **kw):
    async with PoliteClient(config) as c:
        return await c.fetch(url, **kw)


def test_retries_5xx_with_backoff_then_succeeds(server):
    server.scripts["/a"] = [(500, {}, b"x"), (503, {}, b"x"), (200, {"Content-Type": "text/html"}, b"<p>ok</p>")]
    sl = Sleeps()
    r = run(_get(cfg(sleep=sl), server.base + "/a"))
    assert r.ok and r.status == 200 and r.content == b"<p>ok</p>"
    assert [a.status for a in r.attempts] == [500, 503, 200]
    backoffs = [s for s in sl.calls if s > 0]
    assert len(backoffs) == 2 and 0.25 <= backoffs[0] <= 0.5 and 0.5 <= backoffs[1] <= 1.0  # exponential, jittered


def test_gives_up_after_the_retry_budget(server):
    server.scripts["/a"] = [(500, {}, b"x")]
    r = run(_get(cfg(sleep=Sleeps(), retries=2), server.base + "/a"))
    assert not r.ok and r.error == "http_500" and len(r.attempts) == 3


def test_429_retry_after_is_honoured_and_pauses_the_host(server):
    server.scripts["/a"] = [(429, {"Retry-After": "3"}, b""), (200, {}, b"ok")]
    sl = Sleeps()
    r = run(_get(cfg(sleep=sl), server.base + "/a"))
    assert r.ok and max(sl.calls) >= 3
    server.scripts["/b"] = [(429, {"Retry-After": "9999"}, b"")]
    r = run(_get(cfg(sleep=Sleeps(), retry_after_max=60), server.base + "/b"))
    assert r.error == "rate_limited" and len(r.attempts) == 1


def test_no_retry_on_404_and_on_challenges(server):
    server.scripts["/a"] = [(404, {}, b"no")]
    r = run(_get(cfg(sleep=Sleeps()), server.base + "/a"))
    assert r.error == "http_404" and len(r.attempts) == 1
    server.scripts["/c"] = [(412, {"Set-Cookie": "FSSBBIl1UgzbN7N80S=x"}, b"<script>$_ts=window['$_ts'];</script>")]
    r = run(_get(cfg(sleep=Sleeps()), server.base + "/c"))
    assert r.challenge == "ruishu" and r.error == "challenge:ruishu" and len(r.attempts) == 1 and not r.ok
    server.scripts["/d"] = [(200, {}, b"<html><script>var wzwschallenge='x';</script></html>")]
    assert run(_get(cfg(), server.base + "/d")).challenge == "wzws"


def test_timeout_is_retried(server):
    server.scripts["/slow"] = [("sleep", 1.0, b"late"), (200, {}, b"fine")]
    r = run(_get(cfg(read_timeout=0.3, sleep=Sleeps()), server.base + "/slow"))
    assert r.ok and r.content == b"fine" and r.attempts[0].error == "timeout"


def test_size_limit(server):
    server.scripts["/big"] = [(200, {}, b"x" * 5000)]
    r = run(_get(cfg(max_bytes=1000), server.base + "/big"))
    assert r.error == "too_large" and not r.ok
    server.scripts["/bigchunked"] = [(200, {"_chunked": True}, b"y" * 5000)]
    r = run(_get(cfg(max_bytes=1000), server.base + "/bigchunked"))
    assert r.error == "too_large"
    server.scripts["/fine"] = [(200, {"_chunked": True}, b"z" * 900)]
    assert run(_get(cfg(max_bytes=1000), server.base + "/fine")).content == b"z" * 900


def test_redirects_bounded_looping_and_kept_on_site(server):
    server.scripts["/r1"] = [(302, {"Location": "/r2"}, b"")]
    server.scripts["/r2"] = [(301, {"Location": server.base + "/final"}, b"")]
    server.scripts["/final"] = [(200, {}, b"here")]
    r = run(_get(cfg(), server.base + "/r1"))
    assert r.ok and r.final_url == server.base + "/final" and len(r.redirects) == 2
    server.scripts["/loop"] = [(302, {"Location": "/loop2"}, b"")]
    server.scripts["/loop2"] = [(302, {"Location": "/loop"}, b"")]
    assert run(_get(cfg(), server.base + "/loop")).error == "redirect_loop"
    for i in range(10):
        server.scripts[f"/chain{i}"] = [(302, {"Location": f"/chain{i + 1}"}, b"")]
    assert run(_get(cfg(max_redirects=3), server.base + "/chain0")).error == "too_many_redirects"
    server.scripts["/away"] = [(302, {"Location": "http://casino.example.com/x"}, b"")]
    r = run(_get(cfg(), server.base + "/away"))
    assert r.error == "offsite_redirect" and not r.ok


def test_robots_txt_is_honoured(server):
    server.scripts["/private/x"] = [(200, {}, b"secret")]
    r = run(_get(cfg(), server.base + "/private/x"))
    assert r.error == "robots"
    assert "/private/x" not in [p for p, *_ in server.log]
    r = run(_get(cfg(robots=False), server.base + "/private/x"))
    assert r.ok


def test_robots_5xx_means_disallow_and_4xx_allow(server):
    server.scripts["/robots.txt"] = [(500, {}, b"")]
    server.scripts["/x"] = [(200, {}, b"x")]
    r = run(_get(cfg(sleep=Sleeps(), retries=0), server.base + "/x"))
    assert r.error == "robots_unreachable"
    server.scripts["/robots.txt"] = [(404, {}, b"")]
    assert run(_get(cfg(), server.base + "/x")).ok


def test_user_agent_names_tool_and_contact(server):
    server.scripts["/ua"] = [(200, {}, b"x")]
    run(_get(cfg(contact="ops@example.org"), server.base + "/ua"))
    ua = next(h for p, h, _ in server.log if p == "/ua")["User-Agent"]
    assert ua.startswith("xxgk/") and "ops@example.org" in ua


def test_per_host_concurrency_and_delay(server):
    server.scripts["/p"] = [("sleep", 0.1, b"x")]

    async def many(config):
        async with PoliteClient(config) as c:
            return await asyncio.gather(*(c.fetch(server.base + "/p") for _ in range(8)))

    rs = run(many(cfg(per_host=2)))
    assert all(r.ok for r in rs) and server.max_inflight == 2
    sl = Sleeps()
    server.scripts["/q"] = [(200, {}, b"x")]

    async def seq(config):
        async with PoliteClient(config) as c:
            for _ in range(4):
                await c.fetch(server.base + "/q")

    run(seq(cfg(per_host=1, delay=5.0, sleep=sl)))  # the injected sleep returns at once
    waits = [s for s in sl.calls if s > 0]
    assert len(waits) == 4 and all(
        4.0 <= w <= 5.0 for w in waits
    )  # robots + 4 pages: a delay before each but the first


def test_proxy_is_used(server):
    # the test server acts as a forward proxy: it receives the absolute URL in the request line
    server.scripts["http://portal.example.gov.cn/robots.txt"] = [(404, {}, b"")]
    server.scripts["http://portal.example.gov.cn/x"] = [(200, {}, b"via proxy")]
    r = run(_get(cfg(proxy=server.base), "http://portal.example.gov.cn/x"))
    assert r.ok and r.content == b"via proxy"
    assert "http://portal.example.gov.cn/x" in [p for p, *_ in server.log]


def test_insecure_hosts_get_an_unverified_client():
    c = PoliteClient(cfg(insecure_hosts=frozenset({"bad-cert.gov.cn"})))
    try:
        assert c._client(False) is not c._client(True)
        assert "bad-cert.gov.cn" in c.cfg.insecure_hosts
    finally:
        run(c.aclose())


def test_challenge_detection_markers():
    assert detect_challenge(412, {}, b"<html><meta id='x' content='y' r='m'><script>$_ts.nsd=1</script>") == "ruishu"
    assert detect_challenge(200, {}, b"<script>$_ts=window['$_ts'];</script>") == "ruishu"
    assert detect_challenge(200, {"set-cookie": "wzwstemplate=NQ=="}, b"<html></html>") == "wzws"
    assert detect_challenge(302, {"location": "/WZWSREL2luZGV4?wzwschallenge=x"}, b"") == "wzws"
    assert detect_challenge(521, {}, b"<script>document.cookie='__jsl_clearance=1;';location.href=x</script>") == "jsl"
    assert detect_challenge(200, {}, b"<script>setCookie('acw_sc__v2', x)</script>") == "aliyun"
    assert detect_challenge(521, {}, b"<script>var a=1;</script>") == "waf"
    assert detect_challenge(200, {}, "<html><body>政府信息公开年报</body></html>".encode()) is None
    assert detect_challenge(412, {}, b"<html><body>Precondition failed</body></html>") is None


def test_charset_decoding():
    html = "<html><head><meta charset=gb2312></head><body>政府信息公开年报</body></html>"
    gbk = html.encode("gb18030")
    assert "政府信息公开年报" in decode_html(gbk, {"content-type": "text/html"})
    bare = "<html><body>政府信息公开工作年度报告</body></html>".encode("gbk")
    assert sniff_charset(bare, {}) == "gb18030" and "年度报告" in decode_html(bare, {})
    # header says utf-8 but the bytes are GBK
    assert "年度报告" in decode_html(bare, {"content-type": "text/html; charset=utf-8"})
    assert decode_html("\ufeff年报".encode("utf-8"), {}) == "年报"
    assert sniff_charset(b"x", {"content-type": "text/html; charset=GBK"}) == "gb18030"


def test_domains():
    assert registrable_domain("www.ya.gov.cn") == "ya.gov.cn"
    assert registrable_domain("hjq.huaihua.gov.cn") == "huaihua.gov.cn"
    assert registrable_domain("122.137.242.24") == "122.137.242.24"
    assert registrable_domain("a.b.example.com") == "example.com"
    assert same_site("http://xxgk.ya.gov.cn/x", {"ya.gov.cn"})
    assert not same_site("http://ya.gov.cn.evil.com/x", {"ya.gov.cn"})
    assert normalize_url("HTTP://WWW.A.gov.cn:80/x#frag") == "http://www.a.gov.cn/x"
    assert normalize_url("http://a.gov.cn/gkmlpt/index#12", keep_fragment=True).endswith("#12")
