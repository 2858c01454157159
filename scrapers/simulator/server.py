"""Serve simulated sites on 127.0.0.1 (one threaded HTTP server per site, port 0), with
conditional requests (ETag / Last-Modified → 304), faults and a request log."""

from __future__ import annotations

import csv
import hashlib
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from .sites import FAMILY_NAMES, SITE_CLASSES, Resp, Site

LAST_MODIFIED = "Wed, 01 Jan 2020 00:00:00 GMT"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):  # resets and timeouts are the point here
        pass

    def __init__(self, site: Site, timeout_sleep: float, slow_chunk_delay: float):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.timeout_sleep = timeout_sleep
        self.slow_chunk_delay = slow_chunk_delay


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SimCMS/1.0"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self._serve("GET")

    def do_HEAD(self):
        self._serve("HEAD")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str):
        site: Site = self.server.site
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        p = urlsplit(self.path)
        path, query = p.path, p.query
        full = path + ("?" + query if query else "")
        headers = {k.lower(): v for k, v in self.headers.items()}
        with site.lock:
            site.requests.append((method, full, headers, time.time()))
            fault = None
            for key in (full, path):
                q = site.transient.get(key)
                if q:
                    fault = q.pop(0)
                    break
            always = site.always.get(full) or site.always.get(path)
        resp = site.dynamic(method, path, query, headers, body)
        if resp is None:
            resp = site.routes.get(full)
            if resp is None and query:
                resp = site.routes.get(path)  # unknown query parameters are ignored, as real servers do
        if resp is None:
            resp = Resp(404, b"<html><head><title>404</title></head><body>Not Found</body></html>")
        if fault and self._fault(fault, resp, method):
            return
        self._send(resp, method, headers, slow=always == "slow")

    # -- faults
    def _fault(self, fault: str, resp: Resp, method: str) -> bool:
        if fault in ("500", "503"):
            self._send(Resp(int(fault), f"<html><body>{fault} Server Error</body></html>".encode()), method, {})
            return True
        if fault == "429":
            self._send(
                Resp(429, b"<html><body>Too Many Requests</body></html>", headers={"Retry-After": "1"}), method, {}
            )
            return True
        if fault == "timeout":
            time.sleep(self.server.timeout_sleep)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        if fault == "truncated":
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.ctype)
            self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            self.wfile.write(resp.body[: max(1, len(resp.body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        return False

    def _send(self, resp: Resp, method: str, req_headers: dict, slow: bool = False):
        body = resp.body
        status = resp.status
        etag = None
        if status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            inm = req_headers.get("if-none-match")
            if inm and inm == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(status)
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if method == "HEAD":
            return
        if slow:
            step = max(1, len(body) // 5)
            for i in range(0, len(body), step):
                self.wfile.write(body[i : i + step])
                self.wfile.flush()
                time.sleep(self.server.slow_chunk_delay)
        else:
            self.wfile.write(body)


class Simulator:
    """Portal sites in each CMS family on 127.0.0.1.

    ``with Simulator(reports=12, faults=True) as sim: sim.sites[...].column_url``; ``sim.portals_csv(path)``
    writes a portal list for ``xxgk crawl --portals``."""

    def __init__(
        self,
        families=FAMILY_NAMES,
        reports: int = 12,
        per_page: int = 5,
        faults: bool = True,
        seed: int = 1,
        lookalikes: bool = True,
        timeout_sleep: float = 1.0,
        slow_chunk_delay: float = 0.02,
        big_bytes: int = 400_000,
    ):
        self.sites: list[Site] = []
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        for i, fam in enumerate(families):
            cls = SITE_CLASSES[fam]
            site = cls(
                index=i,
                reports=reports,
                per_page=per_page,
                faults=faults,
                seed=seed,
                lookalikes=lookalikes,
                big_bytes=big_bytes,
            )
            self.sites.append(site)
        self.timeout_sleep = timeout_sleep
        self.slow_chunk_delay = slow_chunk_delay

    def start(self) -> Simulator:
        for site in self.sites:
            srv = _Server(site, self.timeout_sleep, self.slow_chunk_delay)
            site.base = f"http://127.0.0.1:{srv.server_address[1]}"
            site.build_entries()
            site.build()
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            t.start()
            self._servers.append(srv)
            self._threads.append(t)
        return self

    def stop(self):
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        self._servers.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def site(self, family: str) -> Site:
        return next(s for s in self.sites if s.family == family)

    @property
    def expected(self) -> dict[str, str]:
        out = {}
        for s in self.sites:
            out.update(s.expected)
        return out

    @property
    def outcomes(self) -> dict[str, str]:
        out = {}
        for s in self.sites:
            out.update(s.outcomes)
        return out

    def portals(self) -> list[dict]:
        """The portal list, each site where it sits (a fictitious site: its county's name alone)."""
        return [
            {
                "name": f"{s.name}({s.family})",
                "province": s.province,
                "city": s.city,
                "county": s.county or s.name.removesuffix("人民政府"),
                "level": s.level,
                "column_url": s.column_url,
                "cms_family": s.family,
                "status": "simulated",
            }
            for s in self.sites
        ]

    def portals_csv(self, path: str | Path) -> Path:
        path = Path(path)
        rows = self.portals()
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return path

    def request_log(self) -> list[tuple]:
        out = []
        for s in self.sites:
            with s.lock:
                out += [(s.base + r[1], *r) for r in s.requests]
        return out
