"""A polite asynchronous HTTP client for government portals.

What it does for every request:

* per-host politeness: at most ``per_host`` requests in flight and at least ``delay``
  seconds between request starts on one host (raised to the robots.txt Crawl-delay);
  a 429/503 with ``Retry-After`` pauses the whole host;
* robots.txt fetched once per host and honoured (RFC 9309: a 4xx robots.txt allows
  everything, an unreachable or 5xx one disallows everything for this run);
* retries with exponential backoff and full jitter on timeouts, connection errors and
  resets, truncated bodies, 5xx and 429 (honouring ``Retry-After``);
* a size limit per response (``Content-Length`` checked first, then while streaming and while
  decompressing: a gzip bomb stops at the cap); a body that hit the cap, was cut short or
  ran out of time is never returned;
* two timeouts: ``read_timeout`` between two reads and ``total_timeout`` for the whole
  request (connect + headers + body), so a server sending a byte every few seconds cannot
  hold a host; a request over its total deadline is not retried;
* redirects followed by hand, bounded, loops detected, and kept to the portal's domains;
* TLS verification on unless switched off for a host, optional proxy, a User-Agent that
  names the tool and the user's contact;
* challenge pages (瑞数/WZWS/jsl/Aliyun) detected, also behind a 200, and reported as
  such, never retried and never worked around.

It returns a :class:`FetchResult` for every call and never raises for network errors.
Decoding helpers (:func:`decode_html`) live here too because charset rules are about
HTTP, not about any CMS.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import random
import re
import time
import urllib.robotparser
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

try:  # httpcore tries `import sniffio` on every request; a failed import is not cached and costs a
    import sniffio  # noqa: F401  # path search each time, so remember the failure once
except ImportError:
    import sys as _sys

    _sys.modules.setdefault("sniffio", None)

from . import __version__ as _VERSION

TOOL_URL = "https://github.com/xxgk/xxgk"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 522, 523, 524})


# --------------------------------------------------------------------------- config


@dataclass
class ClientConfig:
    contact: str | None = None  # e-mail or URL shown in the User-Agent
    user_agent: str | None = None  # full override (the contact is still appended)
    per_host: int = 1  # concurrent requests per host
    delay: float = 1.0  # seconds between request starts per host
    robots: bool = True
    retries: int = 3  # extra attempts after the first
    backoff: float = 1.0  # base of the exponential backoff (seconds)
    backoff_max: float = 60.0
    retry_after_max: float = 300.0  # give up rather than wait longer than this
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 600.0  # seconds for one request: connect, headers and body (a drip-feeding server)
    max_bytes: int = 64 * 1024 * 1024  # per response, received and decoded
    max_redirects: int = 5
    proxy: str | None = None
    insecure_hosts: frozenset[str] = frozenset()  # hosts for which TLS is not verified
    max_connections: int = 64
    sleep: Callable[[float], asyncio.Future] | None = None  # injectable for tests

    def ua(self) -> str:
        base = self.user_agent or f"xxgk/{_VERSION} (+{TOOL_URL}; government information-disclosure report archiver)"
        if self.contact:
            base += f" contact: {self.contact}"
        return base


@dataclass
class Attempt:
    """One HTTP exchange (or failed try) as logged in the crawl database."""

    url: str
    method: str
    status: int | None
    headers: dict
    started: float
    elapsed: float
    error: str | None = None


@dataclass
class FetchResult:
    url: str
    method: str = "GET"
    final_url: str | None = None
    status: int | None = None
    headers: dict = field(default_factory=dict)
    content: bytes = b""
    error: str | None = None  # short reason code: timeout, reset, http_500, too_large, robots, ...
    detail: str | None = None  # human readable detail of the error
    challenge: str | None = None  # ruishu | wzws | jsl | aliyun | waf
    redirects: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    started: float = 0.0
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.challenge is None
            and self.status is not None
            and (200 <= self.status < 300 or self.status == 304)
        )

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()


# --------------------------------------------------------------------- domain rules

_MULTI_SUFFIXES = ("gov.cn", "com.cn", "org.cn", "net.cn", "edu.cn", "ac.cn")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def netloc_of(url: str) -> str:
    p = urlsplit(url)
    host = (p.hostname or "").lower()
    port = p.port
    if port and not ((p.scheme == "http" and port == 80) or (p.scheme == "https" and port == 443)):
        return f"{host}:{port}"
    return host


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def registrable_domain(host: str) -> str:
    """``www.ya.gov.cn`` → ``ya.gov.cn``; ``a.b.example.com`` → ``example.com``; IPs stay."""
    host = host.lower().rstrip(".")
    if not host or is_ip(host) or host == "localhost":
        return host
    labels = host.split(".")
    for suf in _MULTI_SUFFIXES:
        if host == suf or host.endswith("." + suf):
            n = suf.count(".") + 2
            return ".".join(labels[-n:])
    return ".".join(labels[-2:])


def same_site(url: str, domains: set[str] | frozenset[str]) -> bool:
    h = host_of(url)
    if not h:
        return False
    return registrable_domain(h) in domains or h in domains


def normalize_url(url: str, keep_fragment: bool = False) -> str:
    """Canonical form used as a frontier key: lower-case scheme/host, no default port,
    no fragment, ``/`` for an empty path."""
    p = urlsplit(url.strip())
    scheme = p.scheme.lower()
    host = (p.hostname or "").lower()
    netloc = host
    if p.port and not ((scheme == "http" and p.port == 80) or (scheme == "https" and p.port == 443)):
        netloc = f"{host}:{p.port}"
    if p.username:
        netloc = f"{p.username}{':' + p.password if p.password else ''}@{netloc}"
    path = p.path or "/"
    path = path.replace(" ", "%20")
    return urlunsplit((scheme, netloc, path, p.query, p.fragment if keep_fragment else ""))


# ----------------------------------------------------------------------- challenges

_RUISHU = re.compile(rb"\$_ts\s*=\s*window\[|\$_ts\.(?:nsd|cd)\b|<meta[^>]+\br=['\"]m['\"]", re.I)
_WZWS = re.compile(rb"wzwschallenge|WZWSREL|wzwsconfirm|wzwstemplate|wzwsvtime", re.I)
_JSL = re.compile(rb"__jsl_clearance|__jsluid[^\n]{0,200}location\.(?:reload|href)", re.I | re.S)
_ALIYUN = re.compile(rb"acw_sc__v2", re.I)
_SCRIPT = re.compile(rb"<script", re.I)


def detect_challenge(status: int | None, headers: dict, body: bytes, url: str = "") -> str | None:
    """Name of the anti-bot challenge this response is, or ``None``.

    Looks at body markers first (they are served with 200 too), then cookies and the
    redirect target, then the shape of a tiny scripted 412/521 stub."""
    head = body[:65536]
    if _RUISHU.search(head):
        return "ruishu"
    if _WZWS.search(head) or "wzws" in url.lower():
        return "wzws"
    if _JSL.search(head):
        return "jsl"
    if _ALIYUN.search(head):
        return "aliyun"
    cookies = " ".join(v for k, v in headers.items() if k.lower() == "set-cookie").lower()
    if cookies:
        if "wzws" in cookies:
            return "wzws"
        if "__jsl_clearance" in cookies:
            return "jsl"
        if "acw_sc__v2" in cookies:
            return "aliyun"
    loc = (headers.get("location") or "").lower()
    if "wzwsrel" in loc or "wzwschallenge" in loc:
        return "wzws"
    if status in (412, 521) and len(body) < 16384 and _SCRIPT.search(head):
        # 瑞数 answers 412 with a scripted stub whose cookie name ends in S/O
        if status == 412 and re.search(r"\b\w{10,}[so]=", cookies, re.I):
            return "ruishu"
        return "waf"
    return None


# -------------------------------------------------------------------------- charset

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*['\"]?\s*([A-Za-z0-9_\-]+)", re.I)
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "utf8": "utf-8",
    "unicode": "utf-8",
    "big5": "big5hkscs",
}


def _norm_charset(cs: str | None) -> str | None:
    if not cs:
        return None
    cs = cs.strip().strip("'\"").lower()
    cs = _ALIASES.get(cs, cs)
    try:
        import codecs

        codecs.lookup(cs)
    except LookupError:
        return None
    return cs


def sniff_charset(body: bytes, headers: dict | None = None) -> str:
    """BOM → Content-Type header → <meta> → utf-8 if it decodes → gb18030."""
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    ct = (headers or {}).get("content-type", "")
    m = re.search(r"charset\s*=\s*['\"]?([\w\-]+)", ct, re.I)
    header_cs = _norm_charset(m.group(1)) if m else None
    m2 = _META_CHARSET.search(body[:8192])
    meta_cs = _norm_charset(m2.group(1).decode("ascii", "ignore")) if m2 else None
    for cs in (header_cs, meta_cs):
        if cs:
            if cs in ("utf-8", "utf-8-sig"):
                try:
                    body.decode("utf-8")
                    return cs
                except UnicodeDecodeError:
                    continue  # declared utf-8 but is not: fall through to detection
            return cs
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def decode_html(body: bytes, headers: dict | None = None) -> str:
    return body.decode(sniff_charset(body, headers), errors="replace")


# --------------------------------------------------------------------------- robots


class _Robots:
    def __init__(self, allow_all: bool = False, disallow_all: bool = False, text: str = "", why: str | None = None):
        self.allow_all = allow_all
        self.disallow_all = disallow_all
        self.why = why  # set when robots.txt could not be read (server or network error)
        self.parser = urllib.robotparser.RobotFileParser()
        if text:
            self.parser.parse(text.splitlines())
        else:
            self.parser.parse([])

    def allowed(self, ua: str, url: str) -> bool:
        if self.allow_all:
            return True
        if self.disallow_all:
            return False
        return self.parser.can_fetch(ua, url)

    def crawl_delay(self, ua: str) -> float | None:
        try:
            d = self.parser.crawl_delay(ua)
        except Exception:  # noqa: BLE001 - robotparser raises on odd files
            return None
        return float(d) if d is not None else None


# ------------------------------------------------------------------------- the host


class _Host:
    def __init__(self, per_host: int):
        self.sem = asyncio.Semaphore(per_host)
        self.lock = asyncio.Lock()
        self.next_at = 0.0
        self.delay: float | None = None  # overrides the config when robots asks more
        self.robots: _Robots | None = None
        self.robots_lock = asyncio.Lock()


class RobotsDisallowed(Exception):
    pass


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if dt is None:
        return None
    return max(0.0, dt.timestamp() - time.time())


def _classify_exc(e: Exception) -> tuple[str, bool]:
    """(reason code, retryable)."""
    if isinstance(e, httpx.TimeoutException):
        return ("connect_timeout" if isinstance(e, httpx.ConnectTimeout) else "timeout"), True
    if isinstance(e, httpx.ConnectError):
        msg = str(e).lower()
        if "certificate" in msg or "ssl" in msg or "tls" in msg:
            return "tls", False
        if "name or service" in msg or "nodename" in msg or "getaddrinfo" in msg or "name resolution" in msg:
            return "dns", False
        if "refused" in msg:
            return "refused", True
        return "connect", True
    if isinstance(e, httpx.RemoteProtocolError):
        msg = str(e).lower()
        if "incomplete" in msg or "peer closed" in msg or "content-length" in msg:
            return "truncated", True
        return "protocol", True
    if isinstance(e, httpx.ReadError):
        return "reset", True
    if isinstance(e, httpx.WriteError):
        return "reset", True
    if isinstance(e, httpx.ProxyError):
        return "proxy", True
    if isinstance(e, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "bad_url", False
    if isinstance(e, httpx.TransportError):
        return "transport", True
    if isinstance(e, ConnectionError):
        return "reset", True
    return type(e).__name__.lower(), False


class _TooLarge(Exception):
    pass


class PoliteClient:
    """``async with PoliteClient(cfg) as c: r = await c.fetch(url, domains={...})``."""

    def __init__(
        self, config: ClientConfig | None = None, on_attempt: Callable[[Attempt, bytes | None], None] | None = None
    ):
        self.cfg = config or ClientConfig()
        self.on_attempt = on_attempt
        self._hosts: dict[str, _Host] = {}
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._sleep = self.cfg.sleep or asyncio.sleep
        self._rng = random.Random()
        self.robots_fetches: list[FetchResult] = []

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    async def aclose(self):
        for c in self._clients.values():
            await c.aclose()
        self._clients.clear()

    def _client(self, verify: bool) -> httpx.AsyncClient:
        c = self._clients.get(verify)
        if c is None:
            timeout = httpx.Timeout(self.cfg.read_timeout, connect=self.cfg.connect_timeout)
            limits = httpx.Limits(
                max_connections=self.cfg.max_connections, max_keepalive_connections=self.cfg.max_connections
            )
            kw = dict(
                timeout=timeout,
                limits=limits,
                follow_redirects=False,
                verify=verify,
                headers={
                    "User-Agent": self.cfg.ua(),
                    "Accept-Language": "zh-CN,zh;q=0.9",
                    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                    "Accept-Encoding": "gzip, deflate",
                },
            )
            if self.cfg.proxy:
                kw["proxy"] = self.cfg.proxy
            c = httpx.AsyncClient(**kw)
            self._clients[verify] = c
        return c

    def _host(self, url: str) -> _Host:
        key = f"{urlsplit(url).scheme}://{netloc_of(url)}"
        h = self._hosts.get(key)
        if h is None:
            h = self._hosts[key] = _Host(self.cfg.per_host)
        return h

    def pause_host(self, url: str, seconds: float) -> None:
        h = self._host(url)
        h.next_at = max(h.next_at, time.monotonic() + seconds)

    async def _wait_turn(self, h: _Host) -> None:
        async with h.lock:
            now = time.monotonic()
            if h.next_at > now:
                await self._sleep(h.next_at - now)
            delay = max(self.cfg.delay, h.delay or 0.0)
            h.next_at = time.monotonic() + delay

    # -- robots
    async def robots_allowed(self, url: str) -> bool:
        return (await self._robots_verdict(url))[0]

    async def _robots_verdict(self, url: str) -> tuple[bool, str | None]:
        if not self.cfg.robots:
            return True, None
        h = self._host(url)
        if h.robots is None:
            async with h.robots_lock:
                if h.robots is None:
                    h.robots = await self._load_robots(url, h)
        return h.robots.allowed(self.cfg.ua(), url), h.robots.why

    async def _load_robots(self, url: str, h: _Host) -> _Robots:
        p = urlsplit(url)
        robots_url = urlunsplit((p.scheme, p.netloc, "/robots.txt", "", ""))
        r = await self._fetch(
            robots_url,
            "GET",
            None,
            {},
            {registrable_domain(p.hostname or "")},
            robots_check=False,
            challenge_check=False,
            max_bytes=512 * 1024,
        )
        self.robots_fetches.append(r)
        if r.status is not None and 200 <= r.status < 300 and r.error is None:
            text = r.content.decode("utf-8", errors="replace")
            if "<html" in text[:2000].lower():  # a soft-404 HTML page is not a robots.txt
                return _Robots(allow_all=True)
            rb = _Robots(text=text)
            cd = rb.crawl_delay(self.cfg.ua())
            if cd:
                h.delay = min(cd, 60.0)
            return rb
        if r.status is not None and 400 <= r.status < 500:
            return _Robots(allow_all=True)
        if r.error in ("offsite_redirect", "redirect_loop", "too_many_redirects", "too_large"):
            return _Robots(allow_all=True)
        # 5xx, timeouts, resets: RFC 9309 says assume complete disallow
        return _Robots(disallow_all=True, why=r.error or f"http_{r.status}")

    # -- main entry
    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        data: dict | str | bytes | None = None,
        headers: dict | None = None,
        domains: set[str] | frozenset[str] | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """Fetch ``url``; redirects must stay inside ``domains`` (registrable domains or hosts;
        default: the registrable domain of ``url``)."""
        if domains is None:
            domains = {registrable_domain(host_of(url))}
        return await self._fetch(url, method.upper(), data, dict(headers or {}), set(domains), max_bytes=max_bytes)

    async def _fetch(
        self, url, method, data, headers, domains, robots_check=True, challenge_check=True, max_bytes=None
    ) -> FetchResult:
        cfg = self.cfg
        max_bytes = max_bytes or cfg.max_bytes
        res = FetchResult(url=url, method=method, started=time.time())
        t0 = time.monotonic()
        current = url
        cur_method, cur_data = method, data
        seen = {normalize_url(url)}
        hops = 0
        while True:
            if robots_check:
                allowed, why = await self._robots_verdict(current)
                if not allowed:
                    if why:
                        res.error, res.detail = "robots_unreachable", f"robots.txt unreadable ({why}): nothing fetched"
                    else:
                        res.error, res.detail = "robots", f"disallowed by robots.txt: {current}"
                    res.final_url = current
                    break
            one = await self._fetch_one(current, cur_method, cur_data, headers, max_bytes)
            res.attempts.extend(one.attempts)
            res.status, res.headers, res.content = one.status, one.headers, one.content
            res.error, res.detail, res.final_url = one.error, one.detail, current
            if one.error or one.status not in (301, 302, 303, 307, 308):
                break
            loc = one.headers.get("location")
            if not loc:
                break
            if challenge_check and detect_challenge(one.status, one.headers, one.content, loc):
                break
            nxt = urljoin(current, loc.strip())
            res.redirects.append(nxt)
            hops += 1
            if urlsplit(nxt).scheme not in ("http", "https"):
                res.error, res.detail = "bad_redirect", f"redirect to {nxt}"
                break
            if not same_site(nxt, domains):
                res.error, res.detail = "offsite_redirect", f"redirect to {nxt} leaves {sorted(domains)}"
                break
            key = normalize_url(nxt)
            if key in seen:
                res.error, res.detail = "redirect_loop", f"redirect loop at {nxt}"
                break
            if hops > cfg.max_redirects:
                res.error, res.detail = "too_many_redirects", f"more than {cfg.max_redirects} redirects"
                break
            seen.add(key)
            if one.status in (301, 302, 303) and cur_method == "POST":
                cur_method, cur_data = "GET", None
            current = nxt
        if challenge_check and res.status is not None and res.error is None:
            res.challenge = detect_challenge(res.status, res.headers, res.content, res.final_url or url)
            if res.challenge:
                res.error = f"challenge:{res.challenge}"
        if res.error is None and res.status is not None and not (200 <= res.status < 400):
            res.error = f"http_{res.status}"
        res.elapsed = time.monotonic() - t0
        return res

    async def _fetch_one(self, url, method, data, headers, max_bytes) -> FetchResult:
        """One URL, no redirects followed, with retries."""
        cfg = self.cfg
        h = self._host(url)
        verify = host_of(url) not in cfg.insecure_hosts and netloc_of(url) not in cfg.insecure_hosts
        client = self._client(verify)
        res = FetchResult(url=url, method=method)
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            async with h.sem:
                await self._wait_turn(h)
                started, t0 = time.time(), time.monotonic()
                body, err, detail, retryable = b"", None, None, False
                head: dict = {}  # status and headers, as soon as they arrived
                try:
                    req_kw = {"headers": headers}
                    if data is not None:
                        if isinstance(data, (bytes, str)):
                            req_kw["content"] = data
                        else:
                            req_kw["data"] = data
                    async with asyncio.timeout(cfg.total_timeout):  # connect + headers + body
                        body = await self._receive(client, method, url, req_kw, max_bytes, head)
                except _TooLarge as e:
                    err, detail = "too_large", str(e)
                except _Truncated as e:
                    err, retryable, detail = "truncated", True, str(e)
                except TimeoutError:  # a drip-feeding server: retrying would only wait as long again
                    err, detail = "deadline", f"no complete response within {cfg.total_timeout:g} s"
                except Exception as e:  # noqa: BLE001 - everything network-ish becomes a reason
                    err, retryable = _classify_exc(e)
                    detail = f"{type(e).__name__}: {e}"[:500]
                status, hdrs = head.get("status"), head.get("headers", {})
                elapsed = time.monotonic() - t0
            at = Attempt(
                url=url,
                method=method,
                status=status,
                headers=hdrs,
                started=started,
                elapsed=elapsed,
                error=err if err else (f"http_{status}" if status and status >= 400 else None),
            )
            res.attempts.append(at)
            if self.on_attempt:
                self.on_attempt(at, body if err is None else None)
            if err is None and status in RETRY_STATUSES:
                retryable = True
                if status in (429, 503):
                    retry_after = _parse_retry_after(hdrs.get("retry-after"))
            if err is None and status is not None and detect_challenge(status, hdrs, body, url):
                retryable = False  # never hammer a challenge
            res.status, res.headers, res.content, res.error, res.detail = status, hdrs, body, err, detail
            if not retryable or attempt > cfg.retries:
                return res
            if retry_after is not None and retry_after > cfg.retry_after_max:
                res.error = res.error or "rate_limited"
                res.detail = f"Retry-After {retry_after:.0f}s exceeds the {cfg.retry_after_max:.0f}s cap"
                return res
            backoff = min(cfg.backoff_max, cfg.backoff * (2 ** (attempt - 1)))
            wait = self._rng.uniform(backoff / 2, backoff)  # "equal jitter": never zero, never synchronized
            if retry_after is not None:
                wait = max(wait, retry_after)
                self.pause_host(url, retry_after)
            await self._sleep(wait)

    async def _receive(self, client, method, url, req_kw, max_bytes, head: dict) -> bytes:
        """Status and headers into `head`, then the body, decoded while it streams in: neither
        the bytes received nor the bytes decoded may pass `max_bytes` (a gzip bomb stops at
        the cap, it is never inflated whole)."""
        async with client.stream(method, url, **req_kw) as resp:
            hdrs = {k.lower(): v for k, v in resp.headers.multi_items() if k.lower() != "set-cookie"}
            cookies = resp.headers.get_list("set-cookie")
            if cookies:
                hdrs["set-cookie"] = "; ".join(cookies)
            head["status"], head["headers"] = resp.status_code, hdrs
            cl = resp.headers.get("content-length")
            if cl and cl.isdigit() and int(cl) > max_bytes:
                raise _TooLarge(f"Content-Length {cl} > {max_bytes}")
            decoder = _Decoder(resp.headers.get("content-encoding", ""), max_bytes)
            received = 0
            async for chunk in resp.aiter_raw():
                received += len(chunk)
                if received > max_bytes:
                    raise _TooLarge(f"body exceeds {max_bytes} bytes")
                decoder.feed(chunk)
            return decoder.finish()


class _Truncated(Exception):
    pass


class _Decoder:
    """Undo a gzip or deflate Content-Encoding chunk by chunk, never producing more than
    `limit` bytes (``max_length`` of zlib: the output is bounded whatever the ratio).

    A stream that ends before its end marker is truncated. A body whose first bytes are not
    the declared encoding at all (servers that label plain bytes gzip) is kept as received.
    Other codings (we ask for gzip and deflate only) are kept as received too."""

    def __init__(self, encoding: str, limit: int):
        enc = encoding.lower().strip()
        self.limit = limit
        self.wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": None}.get(enc, 0)
        self.z = None
        self.raw: list[bytes] | None = []  # kept until the first decoded byte, in case it is not encoded
        self.out: list[bytes] = []
        self.size = 0

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge(f"decoded body exceeds {self.limit} bytes")
        self.out.append(data)

    def feed(self, chunk: bytes) -> None:
        if self.wbits == 0:  # identity, or a coding passed through as received
            self._add(chunk)
            return
        if self.raw is not None:
            self.raw.append(chunk)
        if self.z is None:
            first = b"".join(self.raw or [chunk])
            if len(first) < 2:
                return
            # "deflate" is zlib-wrapped by the RFC, raw deflate by many servers: the header tells
            wbits = self.wbits or (
                zlib.MAX_WBITS
                if (first[0] & 0x0F == 8 and int.from_bytes(first[:2], "big") % 31 == 0)
                else -zlib.MAX_WBITS
            )
            self.z = zlib.decompressobj(wbits)
            chunk = first
        try:
            data = self.z.decompress(chunk, self.limit - self.size + 1)
        except zlib.error as e:
            if self.raw is None:
                raise _Truncated(f"corrupt {'gzip' if self.wbits else 'deflate'} stream: {e}") from e
            self.wbits, raw, self.raw = 0, self.raw, None  # not encoded after all: the bytes as received
            for part in raw:
                self._add(part)
            return
        if data or self.z.eof:
            self.raw = None
        self._add(data)

    def finish(self) -> bytes:
        if self.wbits != 0:
            if self.z is None:  # under two bytes (an empty 304, say): nothing was encoded
                return b"".join(self.raw or [])
            if not self.z.eof:
                raise _Truncated("the compressed body ends before its end marker")
            self._add(self.z.flush())
        return b"".join(self.out)
