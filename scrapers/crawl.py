"""The crawler: portals → list pages → detail pages → attachments, resumable and incremental.

``xxgk crawl [COLUMN_URL ...] [--portals FILE] [--out DIR]`` calls :func:`main`. The full
set of options is available as ``python -m scrapers.crawl --help``; ``xxgk crawl`` reads the
same settings from the environment:

==================  =====================================================  ==========
variable            meaning                                                default
==================  =====================================================  ==========
XXGK_CONTACT        contact (e-mail/URL) shown in the User-Agent            none
XXGK_DELAY          seconds between requests to one host                   1.0
XXGK_PER_HOST       concurrent requests per host                            1
XXGK_CONCURRENCY    concurrent requests overall                             16
XXGK_ROBOTS         0 to ignore robots.txt                                  1
XXGK_PROXY          proxy URL (HTTP(S)_PROXY are honoured too)              none
XXGK_TIMEOUT        seconds allowed between two reads                       30
XXGK_DEADLINE       seconds allowed for one whole request                   600
XXGK_RETRIES        retries after the first attempt                         3
XXGK_BACKOFF        base of the exponential backoff in seconds              1.0
XXGK_MAX_BYTES      size limit per response                                 64 MiB
XXGK_INSECURE_HOSTS hosts whose TLS certificate is not verified             none
XXGK_MAX_PAGES      list pages per portal                                   2000
==================  =====================================================  ==========

A portal list is a CSV with at least ``column_url`` (the seed columns: ``name, province, city,
county, level, column_url, cms_family, status``); optional ``verify_tls`` (0/no to opt out of
certificate checks for that portal) and ``domains`` (extra allowed domains, space separated).

Resume: each frontier item is finished in one transaction; a killed crawl restarted on the
same ``--out`` continues where it stopped. A later crawl of a completed portal re-checks its
list pages with conditional requests and fetches only links it has not stored yet.

``--executor dask`` runs this crawler in Dask tasks, one group of portals per task, each on
its own database merged into ``--out`` (`scrapers.crawl_dask`); :func:`crawl` merges what
such a crawl left unmerged before it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import heapq
import io
import itertools
import json
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import families
from .client import (
    ClientConfig,
    FetchResult,
    PoliteClient,
    detect_challenge,
    host_of,
    is_ip,
    netloc_of,
    normalize_url,
    registrable_domain,
    same_site,
)
from .families.base import Page, parse_detail
from .links import classify_title, guess_year, is_attachment_url, is_truncated, normalize_title, year_from_title
from .store import Store, sniff_ext

FILE_HOSTS = ("aliyuncs.com",)  # attachment CDNs used by provincial CMS platforms
PRIORITY = {"attachment": 0, "detail": 1, "list": 2}
CONNECT_ERRORS = ("connect", "refused", "reset", "connect_timeout", "tls", "dns", "robots_unreachable")


@dataclass
class CrawlConfig:
    client: ClientConfig = field(default_factory=ClientConfig)
    concurrency: int = 16
    max_pages: int = 2000  # list pages per portal and run
    max_depth: int = 4  # nested sub-columns / iframes
    suspend_after: int = 3  # consecutive challenges on a host before it is left alone for this run
    progress: bool = True
    attachments: bool = True


# ---------------------------------------------------------------------- portals


def bundled_portals_path() -> Path:
    return Path(str(resources.files("scrapers") / "portal_seeds.csv"))


def _truthy(v) -> bool:
    return str(v).strip().lower() not in ("0", "false", "no", "off", "n")


def load_portals(path: str | os.PathLike | None = None, urls: list[str] | tuple = ()) -> list[dict]:
    """Rows of configuration; raises ValueError with a readable message on bad input."""
    rows: list[dict] = []
    if path:
        p = Path(path)
        if not p.is_file():
            raise ValueError(f"portal list not found: {p}")
        text = p.read_text(encoding="utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "column_url" not in reader.fieldnames:
            raise ValueError(f"{p}: needs a column_url column (got {reader.fieldnames})")
        for i, r in enumerate(reader, start=2):
            url = (r.get("column_url") or "").strip()
            if not url:
                continue
            _check_url(url, f"{p}:{i}")
            rows.append(_portal_row(url, r))
    for u in urls:
        _check_url(u, "COLUMN_URL")
        rows.append(_portal_row(u, {}))
    seen, out = set(), []
    for r in rows:
        if r["column_url"] not in seen:
            seen.add(r["column_url"])
            out.append(r)
    return out


def _check_url(u: str, where: str):
    p = urlsplit(u)
    if p.scheme not in ("http", "https") or not p.hostname:
        raise ValueError(f"{where}: not an http(s) URL: {u!r}")


def _portal_row(url: str, r: dict) -> dict:
    return {
        "name": (r.get("name") or "").strip() or host_of(url),
        "province": r.get("province") or None,
        "city": r.get("city") or None,
        "county": r.get("county") or None,
        "level": r.get("level") or None,
        "column_url": normalize_url(url, keep_fragment=True),
        "cms_family": (r.get("cms_family") or "").strip() or None,
        "verify_tls": _truthy(r.get("verify_tls", "1") or "1"),
        "domains": (r.get("domains") or "").strip() or None,
    }


# -------------------------------------------------------------------- the item


@dataclass
class Item:
    id: int
    url: str
    kind: str
    portal_id: int
    method: str = "GET"
    body: str | None = None
    headers: dict | None = None
    parent_url: str | None = None
    depth: int = 0
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, r) -> Item:
        return cls(
            id=r["id"],
            url=r["url"],
            kind=r["kind"],
            portal_id=r["portal_id"],
            method=r["method"],
            body=r["body"],
            headers=json.loads(r["headers"]) if r["headers"] else None,
            parent_url=r["parent_url"],
            depth=r["depth"],
            meta=json.loads(r["meta"] or "{}"),
        )


class _Scheduler:
    """Per-host queues so that one slow or rate-limited host never holds the others up."""

    def __init__(self, per_host: int, limit: int, process):
        self.per_host = max(1, per_host)
        self.queues: dict[str, list] = defaultdict(list)
        self.active: Counter = Counter()
        self.sem = asyncio.Semaphore(limit)
        self.process = process
        self.outstanding = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.tasks: set[asyncio.Task] = set()
        self._n = itertools.count()

    def push(self, item: Item):
        host = netloc_of(item.url)
        heapq.heappush(self.queues[host], (PRIORITY.get(item.kind, 3), item.depth, next(self._n), item))
        self.outstanding += 1
        self.idle.clear()
        if self.active[host] < self.per_host:
            self.active[host] += 1
            t = asyncio.ensure_future(self._worker(host))
            self.tasks.add(t)
            t.add_done_callback(self.tasks.discard)

    async def _worker(self, host: str):
        try:
            q = self.queues[host]
            while q:
                item = heapq.heappop(q)[-1]
                try:
                    async with self.sem:
                        await self.process(item)
                finally:
                    self.outstanding -= 1
                    if self.outstanding == 0:
                        self.idle.set()
        finally:
            self.active[host] -= 1

    async def wait(self):
        await self.idle.wait()

    def cancel(self):
        for t in list(self.tasks):
            t.cancel()


# ------------------------------------------------------------------ the crawler


class Crawler:
    def __init__(self, store: Store, config: CrawlConfig | None = None):
        self.store = store
        self.cfg = config or CrawlConfig()
        self.stats: Counter = Counter()
        self.reasons: dict[str, Counter] = {"blocked": Counter(), "failed": Counter(), "skipped": Counter()}
        self.portals: dict[int, dict] = {}
        self.host_challenges: Counter = Counter()
        self.suspended: dict[str, str] = {}
        self.list_pages: Counter = Counter()
        self.portal_ok: set[int] = set()
        self.run_id: int | None = None
        self._progress = None
        self._task = None
        self.client: PoliteClient | None = None
        self.sched: _Scheduler | None = None

    # -- setup
    def _prepare(self, rows: list[dict], args: dict, run_id: int | None = None) -> list[int]:
        st = self.store
        st.remove_partial_objects()
        st.begin()
        self.run_id = st.start_run(args, run_id)
        pids = []
        for r in rows:
            pid = st.upsert_portal(r)
            pids.append(pid)
            row = dict(st.portal(pid))
            if row["crawl_state"] != "running":  # new or complete: a fresh crawl of this portal
                st.reopen_for_new_crawl(pid)
                st.set_portal(pid, crawl_state="running", last_started=time.time(), status=None, reason=None)
            domains = {registrable_domain(host_of(row["column_url"]))}
            if row.get("domains"):
                domains |= {d.strip().lower() for d in row["domains"].split() if d.strip()}
            row["domain_set"] = domains
            self.portals[pid] = row
            meta = {"column": row["column_url"], "root": True}
            if families.hanweb.is_annual_report_module(row["column_url"]):
                st.add(
                    row["column_url"],
                    "detail",
                    pid,
                    meta={**meta, "list_url": None, "annual_module": True},
                    run_id=self.run_id,
                )
            else:
                st.add(row["column_url"], "list", pid, meta=meta, run_id=self.run_id)
        st.commit()
        return pids

    def _client_config(self) -> ClientConfig:
        cc = self.cfg.client
        insecure = set(cc.insecure_hosts)
        for p in self.portals.values():
            if not p["verify_tls"]:
                insecure.add(host_of(p["column_url"]))
        cc.insecure_hosts = frozenset(insecure)
        return cc

    async def run(self, rows: list[dict], args: dict | None = None, run_id: int | None = None) -> dict:
        pids = self._prepare(rows, args or {}, run_id)
        self.t0 = time.monotonic()
        self.client = PoliteClient(self._client_config())
        self.sched = _Scheduler(self.cfg.client.per_host, self.cfg.concurrency, self._process)
        for r in self.store.pending(pids):
            self.sched.push(Item.from_row(r))
        self._start_progress()
        finished = False
        try:
            await self.sched.wait()
            finished = True
        finally:
            self.sched.cancel()
            await self.client.aclose()
            self._stop_progress()
            summary = self.summary(pids)
            self.store.commit()
            if finished:
                self.store.begin()
                now = time.time()
                for pid in pids:
                    self._finish_portal(pid)
                    self.store.set_portal(pid, crawl_state="complete", last_completed=now)
                self.store.finish_run(self.run_id, summary)
                self.store.commit()
                summary = self.summary(pids)
        return summary

    def _finish_portal(self, pid: int):
        row = self.store.portal(pid)
        if row["status"] in ("blocked", "failed"):
            return
        db = self.store.db
        listed = db.execute(
            "SELECT COUNT(*) FROM frontier WHERE portal_id=? AND kind='list' AND state='done' AND reason IS NULL",
            (pid,),
        ).fetchone()[0]
        if not listed and not families.hanweb.is_annual_report_module(row["column_url"]):
            root = db.execute(
                "SELECT reason FROM frontier WHERE portal_id=? AND url=?", (pid, row["column_url"])
            ).fetchone()
            self.store.set_portal(pid, status="failed", reason=f"column page not found ({root[0] if root else '?'})")
            return
        n = self.store.db.execute(
            "SELECT COUNT(*) FROM frontier WHERE portal_id=? AND kind!='list'", (pid,)
        ).fetchone()[0]
        self.store.set_portal(
            pid,
            status="ok" if n else "empty",
            reason=None if n else "no report links found (JS-rendered list or unsupported CMS?)",
        )

    # -- progress
    def _start_progress(self):
        if not self.cfg.progress:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]crawl"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            refresh_per_second=4,
        )
        self._progress.start()
        self._task = self._progress.add_task("", total=1)

    def _tick(self):
        if self._progress is None:
            return
        done = self.stats["items"]
        s = self.stats
        desc = (
            f"docs {s['documents']} · found {s['found']} · blocked {sum(self.reasons['blocked'].values())}"
            f" · failed {sum(self.reasons['failed'].values())}"
        )
        self._progress.update(self._task, completed=done, total=done + self.sched.outstanding, description=desc)

    def _stop_progress(self):
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # -- processing
    def _domains(self, item: Item) -> set[str]:
        return self.portals[item.portal_id]["domain_set"] | {registrable_domain(host_of(item.url))}

    def _link_allowed(self, url: str, pid: int, kind: str) -> bool:
        if urlsplit(url).scheme not in ("http", "https"):
            return False
        if same_site(url, self.portals[pid]["domain_set"]):
            return True
        h = host_of(url)
        if kind == "list":
            return False
        if kind == "attachment" and any(h == f or h.endswith("." + f) for f in FILE_HOSTS):
            return True
        return h.endswith(".gov.cn") or is_ip(h) and h == host_of(self.portals[pid]["column_url"])

    async def _process(self, item: Item):
        host = netloc_of(item.url)
        if host in self.suspended:
            self.reasons["skipped"][f"host_suspended:{self.suspended[host]}"] += 1
            self.stats["items"] += 1
            self._tick()
            return  # left pending: a later run tries again
        fetch_url = item.url.split("#")[0]
        headers = dict(item.headers or {})
        if item.parent_url and not any(k.lower() == "referer" for k in headers):
            headers["Referer"] = item.parent_url.split("#")[0]
        vkey = self.store.key(item.method, item.url, item.body)
        validators = self.store.validators(vkey) if item.kind == "list" else None
        if validators is not None:
            if validators["etag"]:
                headers["If-None-Match"] = validators["etag"]
            if validators["last_modified"]:
                headers["If-Modified-Since"] = validators["last_modified"]
        data = None
        if item.body:
            from urllib.parse import parse_qsl

            data = dict(parse_qsl(item.body, keep_blank_values=True))
        r = await self.client.fetch(
            fetch_url, method=item.method, data=data, headers=headers, domains=self._domains(item)
        )
        # ---- everything below runs without an await: one transaction per item
        st = self.store
        st.begin()
        try:
            for rf in self.client.robots_fetches:
                self._log(rf, None)
            self.client.robots_fetches.clear()
            sha = self._log(r, item.id)
            self.stats["items"] += 1
            try:
                state, reason = self._handle(item, r, sha, validators, vkey)
            except Exception as e:  # noqa: BLE001 - one odd page must not stop the crawl
                state, reason = "failed", f"internal_error:{type(e).__name__}"
                item.meta["error"] = f"{type(e).__name__}: {e}"[:500]
            st.finish_item(item.id, state, reason, item.meta)
            if state == "failed":
                self.reasons["failed"][reason or "unknown"] += 1
            elif state == "blocked":
                self.reasons["blocked"][reason or "unknown"] += 1
            elif state == "skipped":
                self.reasons["skipped"][reason or "unknown"] += 1
            st.commit()
        except BaseException:
            st.db.execute("ROLLBACK") if st._in_tx else None
            st._in_tx = False
            raise
        self._tick()

    def _log(self, r: FetchResult, fid: int | None) -> str | None:
        sha = None
        self.stats["requests"] += len(r.attempts)
        if r.status is not None and r.content:
            sha, _ = self.store.put(r.content, r.content_type, r.final_url or r.url)
        self.store.log_fetch(self.run_id, fid, r, sha, len(r.content) if r.content else None)
        if fid is not None and r.status is not None and (200 <= r.status < 300 or r.status == 304) and not r.challenge:
            self.stats["pages_ok"] += 1
        return sha

    def _handle(self, item: Item, r: FetchResult, sha: str | None, validators, vkey: str) -> tuple[str, str | None]:
        pid = item.portal_id
        portal = self.portals[pid]
        root = bool(item.meta.get("root"))
        host = netloc_of(item.url)
        if r.challenge:
            self.host_challenges[host] += 1
            reason = f"challenge:{r.challenge}"
            if self.host_challenges[host] >= self.cfg.suspend_after:
                self.suspended[host] = reason
            if root:
                self.store.set_portal(pid, status="blocked", reason=f"{reason} (HTTP {r.status})")
            return "blocked", reason
        self.host_challenges[host] = 0
        if r.error == "robots":
            if root:
                self.store.set_portal(pid, status="blocked", reason="robots.txt disallows the column")
            return "skipped", "robots"
        if r.status == 304 and validators is not None:
            body = self.store.get(validators["sha256"])
            if body is None:
                self.store.db.execute("DELETE FROM validators WHERE key=?", (vkey,))
                return "failed", "cache_missing"
            self.stats["not_modified"] += 1
            r.content = body
            r.headers = {
                **json.loads(validators["headers"] or "{}"),
                **{k: v for k, v in r.headers.items() if k.startswith("x-")},
            }
            r.status = 200
            r.error = None
            sha = validators["sha256"]
        if r.error or r.status is None or not (200 <= r.status < 300):
            reason = r.error or f"http_{r.status}"
            if item.meta.get("probe") or item.meta.get("optional"):
                if item.kind == "list" and item.meta.get("probe"):
                    self._enqueue_requests(
                        item, families.base.probe_next(Page(url=item.url, body=b"", meta=item.meta), False, None)
                    )
                return "done", f"probe_miss:{reason}"
            if root:
                override = self._root_failed(item, r, reason)
                if override:
                    return override
            return "failed", reason
        if item.kind == "list":
            if r.headers.get("etag") or r.headers.get("last-modified"):
                self.store.set_validators(
                    vkey, r.headers.get("etag"), r.headers.get("last-modified"), sha or "", r.status, r.headers
                )
            self.portal_ok.add(pid)
            if root and portal.get("status") is None:
                self.store.set_portal(pid, status="ok", reason=None)
            return self._handle_list(item, r)
        if item.kind == "detail":
            return self._handle_detail(item, r, sha)
        return self._handle_attachment(item, r, sha)

    def _root_failed(self, item: Item, r: FetchResult, reason: str) -> tuple[str, str] | None:
        """Try the usual index files of a column folder, or the other scheme; else mark the portal failed."""
        pid = item.portal_id
        url = item.url.split("#")[0]
        p = urlsplit(url)
        if r.status == 404 and p.path.endswith("/") and not item.meta.get("resolved"):
            for name in ("index.html", "index.htm", "index.shtml", "list.shtml", "list.html"):
                self._add(item, url + name, "list", meta={**item.meta, "resolved": True, "optional": True})
            return "done", f"resolving_index:{reason}"
        if reason in CONNECT_ERRORS and not item.meta.get("scheme_fallback"):
            other = "https" if p.scheme == "http" else "http"
            self._add(
                item,
                urlunsplit((other, p.netloc, p.path, p.query, "")),
                "list",
                meta={**item.meta, "scheme_fallback": True},
            )
            return None
        if not item.meta.get("optional"):
            self.store.set_portal(pid, status="failed", reason=f"{reason}: {r.detail or ''}"[:300])
        return None

    # -- lists
    def _page(self, item: Item, r: FetchResult) -> Page:
        meta = dict(item.meta)
        meta.setdefault("column", self.portals[item.portal_id]["column_url"])
        return Page(
            url=item.url,
            body=r.content,
            headers=r.headers,
            status=r.status or 200,
            final_url=r.final_url or item.url.split("#")[0],
            meta=meta,
        )

    def _handle_list(self, item: Item, r: FetchResult) -> tuple[str, str | None]:
        pid = item.portal_id
        portal = self.portals[pid]
        page = self._page(item, r)
        fam = families.get(item.meta.get("family"))
        if fam is None:
            fam = families.detect_family(page.base, page.text, portal.get("cms_family"))
            page.meta["family"] = fam.NAME
            if item.meta.get("root") or not portal.get("family_detected"):
                self.store.set_portal(pid, family_detected=fam.NAME)
                portal["family_detected"] = fam.NAME
        page.page_budget = max(0, self.cfg.max_pages - self.list_pages[pid])
        res = self._parse_list(item, fam, page)
        column = page.meta.get("column")
        new = 0
        for l in res.links:
            url = normalize_url(l.url)
            kind = "attachment" if is_attachment_url(url) else "detail"
            if not self._link_allowed(url, pid, kind):
                continue
            verdict = classify_title(l.title, column)
            if not verdict.is_report and l.anchor and l.anchor != l.title:
                v2 = classify_title(l.anchor, column)
                if v2.is_report:
                    verdict = v2
            confirm = False
            if not verdict.is_report:
                if verdict.reason == "no_match" and verdict.boosted and is_truncated(l.title):
                    confirm = True
                else:
                    if not verdict.reason.startswith("category") and self.store.reject(
                        url, item.url, pid, l.title, verdict.reason, self.run_id
                    ):
                        self.stats["rejected"] += 1
                    continue
            meta = {"title": l.title, "anchor": l.anchor, "list_url": page.base, "date": l.date, "column": column}
            if confirm:
                meta["confirm"] = True
            if self._add(item, url, kind, meta=meta):
                new += 1
                self.stats["found"] += 1
            else:
                self.stats["known"] += 1
        self._enqueue_requests(item, res.requests, page)
        item.meta["links"] = len(res.links)
        item.meta["new_reports"] = new
        return "done", None

    def _parse_list(self, item: Item, fam, page: Page):
        """The family's reading of a list page, its notes kept on the item. A family that fails
        on this page (an odd script value, a broken JSON answer) costs this page's special
        reading only: the error is recorded and the page is read as a generic one, so a
        portal is never dropped for one page its family did not expect."""
        try:
            res = fam.parse_list(page)
        except Exception as e:  # noqa: BLE001 - recorded on the item and in the summary
            if fam is families.generic:
                raise
            item.meta["family_error"] = f"{fam.NAME}: {type(e).__name__}: {e}"[:500]
            self.reasons["failed"][f"family_error:{fam.NAME}:{type(e).__name__}"] += 1
            res = families.generic.parse_list(page)
        if res.notes:
            item.meta["notes"] = res.notes
            for n in res.notes:
                if n.startswith("page_count_capped"):
                    self.reasons["skipped"]["page_count_capped"] += 1
        return res

    def _enqueue_requests(self, item: Item, requests, page: Page | None = None):
        pid = item.portal_id
        for req in requests:
            url = req.url if "#" in req.url and req.url == self.portals[pid]["column_url"] else normalize_url(req.url)
            if not self._link_allowed(url, pid, "list"):
                continue
            depth = item.depth + (1 if (req.meta.get("subcolumn") or req.meta.get("iframe")) else 0)
            if depth > self.cfg.max_depth:
                continue
            if self.list_pages[pid] >= self.cfg.max_pages:
                self.reasons["skipped"]["max_pages"] += 1
                continue
            meta = dict(req.meta)
            if "family" not in meta and not (req.meta.get("subcolumn") or req.meta.get("iframe")):
                meta["family"] = item.meta.get("family") or (page.meta.get("family") if page else None)
            meta.setdefault("column", item.meta.get("column"))
            body = urlencode(req.data) if req.data else None
            if self._add(
                item, url, req.kind, meta=meta, method=req.method, body=body, headers=req.headers, depth=depth
            ):
                self.list_pages[pid] += 1

    def _add(
        self,
        parent: Item,
        url: str,
        kind: str,
        meta: dict,
        method: str = "GET",
        body: str | None = None,
        headers: dict | None = None,
        depth: int | None = None,
    ) -> bool:
        depth = parent.depth if depth is None else depth
        fid = self.store.add(
            url,
            kind,
            parent.portal_id,
            method=method,
            body=body,
            headers=headers,
            parent_url=parent.url,
            depth=depth,
            meta=meta,
            run_id=self.run_id,
        )
        if fid is None:
            return False
        self.sched.push(
            Item(
                id=fid,
                url=url,
                kind=kind,
                portal_id=parent.portal_id,
                method=method,
                body=body,
                headers=headers,
                parent_url=parent.url,
                depth=depth,
                meta=meta,
            )
        )
        return True

    # -- details and attachments
    def _handle_detail(self, item: Item, r: FetchResult, sha: str) -> tuple[str, str | None]:
        if not r.content:
            return "failed", "empty_body"
        ext = sniff_ext(r.content, r.content_type, r.final_url or item.url)
        if ext != "html":  # the list linked straight to a file
            return self._handle_attachment(item, r, sha)
        pid = item.portal_id
        page = self._page(item, r)
        fam = families.get(item.meta.get("family")) or families.get(self.portals[pid].get("family_detected"))
        det = parse_detail(page, fam)
        list_title = item.meta.get("title") or ""
        title = list_title
        if det.title and (
            not list_title
            or is_truncated(list_title)
            or len(normalize_title(det.title)) > len(normalize_title(list_title))
        ):
            title = det.title if classify_title(det.title).is_report or not list_title else list_title
        if det.title:
            v = classify_title(det.title)
            lookalike = v.reason.startswith("lookalike")
            if lookalike or (item.meta.get("confirm") and not v.is_report):
                if self.store.reject(
                    item.url, item.meta.get("list_url"), pid, det.title, f"detail:{v.reason}", self.run_id
                ):
                    self.stats["rejected"] += 1
                return "skipped", f"not_a_report:{v.reason}"
        if item.meta.get("annual_module"):
            y = families.hanweb.annual_report_year(item.url)
            year, src = (y, "url") if y else guess_year(title, det.body_text, det.published)
        else:
            year, src = guess_year(
                title,
                det.body_text,
                det.published or item.meta.get("date"),
                extra_titles=(det.title, item.meta.get("anchor")),
            )
        rel = self.store.object_path(sha)
        self.store.add_document(
            url=item.url,
            final_url=r.final_url,
            sha256=sha,
            path=self.store.relpath(rel),
            kind="detail",
            content_type=r.content_type,
            ext="html",
            size=len(r.content),
            title=title,
            anchor_text=item.meta.get("anchor"),
            list_url=item.meta.get("list_url"),
            detail_url=item.url,
            portal_id=pid,
            published=det.published or item.meta.get("date"),
            year_guess=year,
            year_source=src,
            fetched=time.time(),
            run_id=self.run_id,
        )
        self.stats["documents"] += 1
        self.stats["details"] += 1
        if self.cfg.attachments:
            for a in det.attachments:
                url = normalize_url(a.url)
                if url == normalize_url(item.url) or not self._link_allowed(url, pid, "attachment"):
                    continue
                self._add(
                    item,
                    url,
                    "attachment",
                    meta={
                        "title": title,
                        "anchor": a.anchor or a.title,
                        "list_url": item.meta.get("list_url"),
                        "detail_url": item.url,
                        "year": year,
                        "year_source": src,
                        "published": det.published or item.meta.get("date"),
                        "column": item.meta.get("column"),
                    },
                )
        return "done", None

    def _handle_attachment(self, item: Item, r: FetchResult, sha: str) -> tuple[str, str | None]:
        ext = sniff_ext(r.content, r.content_type, r.final_url or item.url)
        if not r.content:
            return "failed", "empty_body"
        if ext == "html" and item.kind == "attachment":
            if detect_challenge(r.status, r.headers, r.content, item.url):
                return "blocked", "challenge:html"
            return "failed", "html_instead_of_file"
        m = item.meta
        title = m.get("title")
        year, src = m.get("year"), m.get("year_source")
        if not year:
            year, src = guess_year(title, None, m.get("published") or m.get("date"), extra_titles=(m.get("anchor"),))
        elif src != "title":
            y2 = year_from_title(m.get("anchor"))
            if y2:
                year, src = y2, "anchor"
        rel = self.store.object_path(sha)
        self.store.add_document(
            url=item.url,
            final_url=r.final_url,
            sha256=sha,
            path=self.store.relpath(rel),
            kind="attachment",
            content_type=r.content_type,
            ext=ext,
            size=len(r.content),
            title=title,
            anchor_text=m.get("anchor"),
            list_url=m.get("list_url"),
            detail_url=m.get("detail_url"),
            portal_id=item.portal_id,
            published=m.get("published") or m.get("date"),
            year_guess=year,
            year_source=src,
            fetched=time.time(),
            run_id=self.run_id,
        )
        self.stats["documents"] += 1
        self.stats["attachments"] += 1
        return "done", None

    # -- summary
    def summary(self, pids: list[int]) -> dict:
        elapsed = time.monotonic() - getattr(self, "t0", time.monotonic())
        return {
            "run_id": self.run_id,
            **store_summary(self.store.db, pids),
            "new_report_links": self.stats["found"],
            "lookalikes_rejected": self.stats["rejected"],
            "documents_stored_this_run": self.stats["documents"],
            "details_stored_this_run": self.stats["details"],
            "attachments_stored_this_run": self.stats["attachments"],
            "requests": self.stats["requests"],
            "pages_ok": self.stats["pages_ok"],
            "not_modified": self.stats["not_modified"],
            "blocked": dict(self.reasons["blocked"]),
            "failed": dict(self.reasons["failed"]),
            "skipped": dict(self.reasons["skipped"]),
            "seconds": round(elapsed, 2),
            "pages_per_second": round(self.stats["pages_ok"] / elapsed, 1) if elapsed > 0 else None,
        }


def store_summary(db, pids: list[int]) -> dict:
    """The summary's figures that the store states, whatever run made them: the portals' status
    and reasons, report links known, documents stored (also for the Dask executor, which reads
    them from the merged store)."""
    q = ",".join("?" for _ in pids) or "NULL"
    portals = db.execute(
        f"SELECT status, reason, COUNT(*) n FROM portals WHERE id IN ({q}) GROUP BY status, reason", pids
    ).fetchall()
    pst = Counter()
    preasons = Counter()
    for status, reason, n in portals:
        pst[status or "pending"] += n
        if status in ("blocked", "failed", "empty"):
            preasons[f"{status}: {(reason or '')[:60]}"] += n
    found = db.execute(
        f"SELECT COUNT(*) FROM frontier WHERE portal_id IN ({q}) AND kind!='list' AND "
        f"(meta NOT LIKE '%\"detail_url\"%')",
        pids,
    ).fetchone()[0]
    docs = db.execute(f"SELECT kind, COUNT(*) FROM documents WHERE portal_id IN ({q}) GROUP BY kind", pids).fetchall()
    return {
        "portals": len(pids),
        "portal_status": dict(pst),
        "portal_reasons": dict(preasons),
        "report_links_found": found,
        "documents_in_store": {k: n for k, n in docs},
    }


async def crawl(
    rows: list[dict], out: str | os.PathLike, config: CrawlConfig | None = None, args: dict | None = None
) -> dict:
    from .crawl_dask import merge_leftovers

    store = Store(out)
    try:
        merge_leftovers(store)  # what an interrupted Dask crawl of this store finished
        return await Crawler(store, config).run(rows, args)
    finally:
        store.close()


# -------------------------------------------------------------------- command line


def _env(name: str, default, cast=str):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    return cast(v)


def config_from_args(args) -> CrawlConfig:
    def g(name, env, default, cast=str):  # the command line's value, else the environment's, else the default
        given = getattr(args, name, None)
        return given if given is not None else _env(env, default, cast)

    insecure = g("insecure_host", "XXGK_INSECURE_HOSTS", "", str)
    if isinstance(insecure, (list, tuple)):
        insecure = " ".join(insecure)
    cc = ClientConfig(
        contact=g("contact", "XXGK_CONTACT", None),
        delay=g("delay", "XXGK_DELAY", 1.0, float),
        per_host=g("per_host", "XXGK_PER_HOST", 1, int),
        robots=not getattr(args, "ignore_robots", False) and _truthy(_env("XXGK_ROBOTS", "1")),
        proxy=g("proxy", "XXGK_PROXY", None),
        read_timeout=g("timeout", "XXGK_TIMEOUT", 30.0, float),
        connect_timeout=min(10.0, g("timeout", "XXGK_TIMEOUT", 30.0, float)),
        total_timeout=g("deadline", "XXGK_DEADLINE", 600.0, float),
        retries=g("retries", "XXGK_RETRIES", 3, int),
        backoff=g("backoff", "XXGK_BACKOFF", 1.0, float),
        max_bytes=g("max_bytes", "XXGK_MAX_BYTES", 64 * 1024 * 1024, int),
        insecure_hosts=frozenset(h.strip().lower() for h in insecure.replace(",", " ").split() if h.strip()),
    )
    return CrawlConfig(
        client=cc,
        concurrency=g("concurrency", "XXGK_CONCURRENCY", 16, int),
        max_pages=g("max_pages", "XXGK_MAX_PAGES", 2000, int),
        progress=not getattr(args, "quiet", False) and _truthy(_env("XXGK_PROGRESS", "1")),
    )


def add_arguments(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    ap.add_argument("column_urls", nargs="*", metavar="COLUMN_URL", help="report column URLs to crawl")
    ap.add_argument("--portals", help="CSV of portals (default: the bundled seed list)")
    ap.add_argument("--out", default="data/raw", help="raw store directory (default data/raw)")
    ap.add_argument("--contact", help="your e-mail or URL, shown in the User-Agent (env XXGK_CONTACT)")
    ap.add_argument("--delay", type=float, help="seconds between requests to one host (default 1.0)")
    ap.add_argument("--per-host", dest="per_host", type=int, help="concurrent requests per host (default 1)")
    ap.add_argument("--concurrency", type=int, help="concurrent requests overall (default 16)")
    ap.add_argument("--ignore-robots", dest="ignore_robots", action="store_true", help="do not honour robots.txt")
    ap.add_argument("--proxy", help="proxy URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--timeout", type=float, help="seconds allowed between two reads (default 30)")
    ap.add_argument(
        "--deadline", type=float, help="seconds allowed for one whole request: connect, headers and body (default 600)"
    )
    ap.add_argument("--retries", type=int, help="retries after the first attempt (default 3)")
    ap.add_argument("--backoff", type=float, help="base of the exponential backoff in seconds (default 1)")
    ap.add_argument("--max-bytes", dest="max_bytes", type=int, help="size limit per response in bytes")
    ap.add_argument("--max-pages", dest="max_pages", type=int, help="list pages per portal (default 2000)")
    ap.add_argument(
        "--insecure-host",
        dest="insecure_host",
        action="append",
        help="do not verify TLS for this host (repeatable); per portal: verify_tls=0 in the CSV",
    )
    ap.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="crawl here (default) or as Dask tasks, portals grouped by host, one crawl database per task "
        "merged into --out (pip install 'xxgk[dask]'); the store's content is the same",
    )
    ap.add_argument(
        "--scheduler",
        help="with --executor dask: address of a Dask scheduler (tcp://host:8786), whose workers see --out "
        "at the same path; default: a local cluster of --workers processes",
    )
    ap.add_argument("--workers", type=int, help="with --executor dask and no --scheduler: processes (default 2)")
    ap.add_argument("--quiet", action="store_true", help="no progress display")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON to stdout")
    return ap


def print_summary(summary: dict, file=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, highlight=False)
    t = Table(title="crawl summary", show_header=True, header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    ps = summary["portal_status"]
    t.add_row("portals", f"{summary['portals']} (" + ", ".join(f"{k} {v}" for k, v in sorted(ps.items())) + ")")
    t.add_row("report links found", f"{summary['report_links_found']} ({summary['new_report_links']} new)")
    t.add_row("look-alikes rejected", str(summary["lookalikes_rejected"]))
    dis = summary["documents_in_store"]
    t.add_row(
        "documents fetched this run",
        f"{summary['documents_stored_this_run']} "
        f"({summary['details_stored_this_run']} pages, {summary['attachments_stored_this_run']} attachments)",
    )
    t.add_row(
        "documents in store", f"{sum(dis.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(dis.items())) + ")"
    )
    t.add_row(
        "HTTP requests / ok / not modified",
        f"{summary['requests']} / {summary['pages_ok']} / {summary['not_modified']}",
    )
    for key in ("blocked", "failed", "skipped"):
        d = summary[key]
        t.add_row(
            key, f"{sum(d.values())}" + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(d.items())) + ")" if d else "")
        )
    for k, v in sorted(summary["portal_reasons"].items()):
        t.add_row(f"  portal {k}", str(v))
    t.add_row("time", f"{summary['seconds']} s, {summary['pages_per_second']} pages/s")
    console.print(t)


def main(args) -> int:
    """Entry point for ``xxgk crawl``: 0 ok, 2 usage error, 1 when everything failed."""
    urls = list(getattr(args, "column_urls", None) or [])
    portals_path = getattr(args, "portals", None)
    out = getattr(args, "out", None) or "data/raw"
    try:
        if not urls and not portals_path:
            portals_path = bundled_portals_path()
        rows = load_portals(portals_path, urls)
        if not rows:
            raise ValueError("no portals to crawl")
        cfg = config_from_args(args)
    except ValueError as e:
        print(f"xxgk crawl: error: {e}", file=sys.stderr)
        return 2
    out_path = Path(out)
    try:
        out_path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"xxgk crawl: error: cannot create {out}: {e}", file=sys.stderr)
        return 2
    lock = _lock(out_path)
    if lock is None:
        print(f"xxgk crawl: error: another crawl is using {out}", file=sys.stderr)
        return 1
    run_args = {"column_urls": urls, "portals": str(portals_path or ""), "out": str(out)}
    from .crawl_dask import ShardBusy

    try:
        summary = _run(args, rows, out_path, cfg, run_args)
    except _Unavailable as e:
        print(f"xxgk crawl: error: {e}", file=sys.stderr)
        return 2
    except ShardBusy as e:  # a Dask task of an earlier crawl still writes into this store
        print(f"xxgk crawl: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xxgk crawl: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        lock.close()
    if getattr(args, "json", False):
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_summary(summary)
    for shard, why in (summary.get("task_errors") or {}).items():
        print(f"xxgk crawl: Dask task {shard} failed (its portals resume on the next run): {why}", file=sys.stderr)
    everything_failed = summary["pages_ok"] == 0 and (summary["requests"] > 0 or summary.get("task_errors"))
    return 1 if everything_failed else 0


class _Unavailable(Exception):
    """The executor asked for cannot run here (Dask is not installed, workers that do not see --out)."""


def _run(args, rows: list[dict], out: Path, cfg: CrawlConfig, run_args: dict) -> dict:
    """The crawl on the executor `args` asks for."""
    if getattr(args, "executor", "local") != "dask":
        return asyncio.run(crawl(rows, out, cfg, args=run_args))
    try:
        import distributed  # noqa: F401 - only to say early that the extra is missing
    except ImportError as e:
        raise _Unavailable("--executor dask needs Dask: pip install 'xxgk[dask]'") from e
    from .crawl_dask import NotShared, crawl_dask

    progress = _GroupProgress() if cfg.progress else None
    try:
        return crawl_dask(
            rows,
            out,
            cfg,
            run_args,
            workers=getattr(args, "workers", None) or 2,
            scheduler=getattr(args, "scheduler", None),
            on_group=progress.update if progress else None,
        )
    except NotShared as e:
        raise _Unavailable(str(e)) from e
    finally:
        if progress:
            progress.stop()


class _GroupProgress:
    """The Dask crawl's progress: portal groups merged into the store (the tasks have no terminal)."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]crawl (dask): portal groups"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("", total=None)

    def update(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def stop(self) -> None:
        self.bar.stop()


def _lock(out: Path):
    import fcntl

    f = open(out / ".lock", "w")  # noqa: SIM115 - the lock lives as long as the crawl; the caller closes it
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    return f


if __name__ == "__main__":
    sys.exit(
        main(
            add_arguments(
                argparse.ArgumentParser(prog="python -m scrapers.crawl", description=__doc__.split("\n\n")[0])
            ).parse_args()
        )
    )
