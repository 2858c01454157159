"""Raw store with provenance.

Layout of a store directory (``xxgk crawl --out DIR``, default ``data/raw``)::

    DIR/objects/<sha[:2]>/<sha256>.<ext>   every fetched body, byte for byte, content-addressed,
                                           written once (temp file + rename), never modified
    DIR/crawl.sqlite                       the crawl database (WAL): portals, runs, frontier,
                                           fetches, documents, rejected links, HTTP validators
                                           (and shard_merges after a Dask crawl: scrapers.crawl_dask)
    DIR/shards/<run>-<n>/                  a Dask crawl's per-task databases, until merged

``ext`` is sniffed from the bytes (pdf, docx, doc, xlsx, zip, html, json, xml, txt, jpg …), so
the file name still depends on the content only. The objects hold list pages, API answers,
robots.txt and challenge pages too (provenance); **the reports are the rows of
``documents``** — use :func:`iter_documents` to walk them::

    for doc in iter_documents("data/raw"):
        doc["path"], doc["url"], doc["title"], doc["year_guess"], doc["portal_name"] ...

Crash safety: each frontier item is finished in one SQLite transaction (fetch log, document
row, new frontier items, item state) after its body file is already in place, so killing the
process at any moment loses at most the item in flight, which is simply done again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS portals (
  id INTEGER PRIMARY KEY,
  name TEXT, province TEXT, city TEXT, county TEXT, level TEXT,
  column_url TEXT NOT NULL UNIQUE,
  cms_family TEXT,            -- from the portal list (a hint)
  family_detected TEXT,       -- from the column page
  verify_tls INTEGER NOT NULL DEFAULT 1,
  domains TEXT,               -- extra allowed domains, space separated
  crawl_state TEXT NOT NULL DEFAULT 'new',   -- new | running | complete
  status TEXT,                -- ok | blocked | failed | empty
  reason TEXT,                -- why blocked/failed
  first_seen REAL, last_started REAL, last_completed REAL
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  started REAL, finished REAL,
  args TEXT, summary TEXT
);
CREATE TABLE IF NOT EXISTS frontier (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,   -- method + url + body
  url TEXT NOT NULL,
  method TEXT NOT NULL DEFAULT 'GET',
  body TEXT,                  -- urlencoded form for POST
  headers TEXT,               -- JSON
  kind TEXT NOT NULL,         -- list | detail | attachment
  portal_id INTEGER REFERENCES portals(id),
  parent_url TEXT,
  depth INTEGER NOT NULL DEFAULT 0,
  meta TEXT,                  -- JSON: title, anchor, list_url, family, pagination state …
  state TEXT NOT NULL DEFAULT 'pending',  -- pending | done | failed | blocked | skipped
  reason TEXT,
  tries INTEGER NOT NULL DEFAULT 0,
  added REAL, updated REAL, run_id INTEGER
);
CREATE INDEX IF NOT EXISTS frontier_pending ON frontier(state, portal_id);
CREATE TABLE IF NOT EXISTS fetches (
  id INTEGER PRIMARY KEY,
  run_id INTEGER, frontier_id INTEGER,
  url TEXT NOT NULL, method TEXT, final_url TEXT,
  status INTEGER, headers TEXT, started REAL, elapsed REAL,
  error TEXT, detail TEXT, challenge TEXT,
  sha256 TEXT, size INTEGER, redirects TEXT, attempts INTEGER,
  attempt_log TEXT            -- JSON: every try of this fetch (status, error, start, seconds), retries included
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  final_url TEXT,
  sha256 TEXT NOT NULL,
  path TEXT NOT NULL,         -- relative to the store directory
  kind TEXT NOT NULL,         -- detail | attachment
  content_type TEXT, ext TEXT, size INTEGER,
  title TEXT, anchor_text TEXT,
  list_url TEXT, detail_url TEXT,
  portal_id INTEGER REFERENCES portals(id),
  published TEXT,
  year_guess INTEGER, year_source TEXT,
  fetched REAL, run_id INTEGER
);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS rejected (
  url TEXT NOT NULL, list_url TEXT, portal_id INTEGER, title TEXT, reason TEXT, run_id INTEGER,
  PRIMARY KEY (url, portal_id)
);
CREATE TABLE IF NOT EXISTS validators (
  key TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, sha256 TEXT, status INTEGER, headers TEXT, updated REAL
);
"""


def sniff_ext(data: bytes, content_type: str = "", url: str = "") -> str:
    head = data[:2048]
    low = head.lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or b"[Content_Types].xml" in head and b"word" in data[:200000]:
            return "docx"
        if b"xl/" in data[:65536]:
            return "xlsx"
        if b"ppt/" in data[:65536]:
            return "pptx"
        if b"mimetypeapplication/ofd" in head or b"OFD.xml" in data[:65536]:
            return "ofd"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        u = url.lower().split("?")[0]
        for e in ("wps", "et", "xls", "doc"):
            if u.endswith("." + e):
                return e
        if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data[:200000]:
            return "xls"
        return "doc"
    if head.startswith(b"Rar!"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf"):
        return "7z"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tif"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    stripped = low.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")) and (
        "json" in content_type or "javascript" in content_type or not content_type
    ):
        return "json"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<datastore"):
        return "html" if b"<html" in low else "xml"
    if b"<html" in low or b"<!doctype html" in low or b"<head" in low or b"<body" in low or "html" in content_type:
        return "html"
    if url.lower().split("?")[0].endswith("robots.txt"):
        return "txt"
    return "txt" if "text" in content_type or not content_type else "bin"


class Store:
    """One crawl database and its objects folder (``root/objects`` unless `objects` names another
    one: the shards of ``xxgk crawl --executor dask`` write into the main store's objects, see
    `scrapers.crawl_dask`; such a store does not own the folder and leaves others' temp files alone)."""

    def __init__(self, root: str | os.PathLike, objects: str | os.PathLike | None = None):
        self.root = Path(root)
        self.owns_objects = objects is None
        self.objects = self.root / "objects" if objects is None else Path(objects)
        self.objects.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "crawl.sqlite"
        self.db = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._in_tx = False

    # ------------------------------------------------------------------ objects
    def put(self, data: bytes, content_type: str = "", url: str = "") -> tuple[str, str]:
        """Store ``data``; returns (sha256, path relative to the store). Idempotent."""
        sha = hashlib.sha256(data).hexdigest()
        ext = sniff_ext(data, content_type, url)
        rel = f"objects/{sha[:2]}/{sha}.{ext}"
        path = self.objects / sha[:2] / f"{sha}.{ext}"
        if path.exists():
            return sha, rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return sha, rel

    def object_path(self, sha: str) -> Path | None:
        d = self.objects / sha[:2]
        if d.is_dir():
            for p in d.glob(sha + ".*"):
                return p
        return None

    @staticmethod
    def relpath(path: Path) -> str:
        """An object's path as the documents table records it: relative to the store directory
        (``objects/<sha[:2]>/<sha>.<ext>``), wherever this store's objects folder is."""
        return f"objects/{path.parent.name}/{path.name}"

    def remove_partial_objects(self) -> None:
        """Delete the temp files of objects being written when an earlier crawl was killed. Only
        the store that owns the objects folder does this, with the crawl lock held: a shard
        sharing the folder would delete files that other shards are writing."""
        if not self.owns_objects:
            return
        for p in self.objects.glob("*/.tmp-*"):
            try:
                p.unlink()
            except OSError:
                pass  # gone already, or not ours to delete: the objects themselves are untouched

    def get(self, sha: str) -> bytes | None:
        p = self.object_path(sha)
        return p.read_bytes() if p else None

    # ------------------------------------------------------------- transactions
    def begin(self):
        if not self._in_tx:
            self.db.execute("BEGIN")
            self._in_tx = True

    def commit(self):
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    def close(self):
        self.commit()
        self.db.close()

    # ------------------------------------------------------------------ portals
    def upsert_portal(self, row: dict) -> int:
        now = time.time()
        cur = self.db.execute("SELECT id FROM portals WHERE column_url=?", (row["column_url"],)).fetchone()
        fields = ("name", "province", "city", "county", "level", "cms_family", "verify_tls", "domains")
        vals = [row.get(f) for f in fields]
        vals[fields.index("verify_tls")] = 0 if not row.get("verify_tls", True) else 1
        if cur:
            self.db.execute(f"UPDATE portals SET {', '.join(f + '=?' for f in fields)} WHERE id=?", (*vals, cur[0]))
            return cur[0]
        c = self.db.execute(
            f"INSERT INTO portals (column_url, first_seen, {', '.join(fields)}) VALUES (?, ?, {', '.join('?' for _ in fields)})",
            (row["column_url"], now, *vals),
        )
        return c.lastrowid

    def portal(self, pid: int) -> sqlite3.Row:
        return self.db.execute("SELECT * FROM portals WHERE id=?", (pid,)).fetchone()

    def set_portal(self, pid: int, **kw):
        if kw:
            self.db.execute(f"UPDATE portals SET {', '.join(k + '=?' for k in kw)} WHERE id=?", (*kw.values(), pid))

    # -------------------------------------------------------------------- runs
    def start_run(self, args: dict, run_id: int | None = None) -> int:
        """A new run; with `run_id`, that run (a shard's crawl is part of the main store's run)."""
        c = self.db.execute(
            "INSERT OR IGNORE INTO runs (id, started, args) VALUES (?, ?, ?)",
            (run_id, time.time(), json.dumps(args, ensure_ascii=False)),
        )
        return run_id if run_id is not None else c.lastrowid

    def finish_run(self, run_id: int, summary: dict):
        self.db.execute(
            "UPDATE runs SET finished=?, summary=? WHERE id=?",
            (time.time(), json.dumps(summary, ensure_ascii=False, default=str), run_id),
        )

    # ----------------------------------------------------------------- frontier
    @staticmethod
    def key(method: str, url: str, body: str | None) -> str:
        return f"{method.upper()} {url}" + (f" {body}" if body else "")

    def add(
        self,
        url: str,
        kind: str,
        portal_id: int,
        method: str = "GET",
        body: str | None = None,
        headers: dict | None = None,
        parent_url: str | None = None,
        depth: int = 0,
        meta: dict | None = None,
        run_id: int | None = None,
    ) -> int | None:
        """Insert a frontier item unless its key is known; returns the new id or None."""
        now = time.time()
        c = self.db.execute(
            "INSERT OR IGNORE INTO frontier (key, url, method, body, headers, kind, portal_id, parent_url, depth, meta,"
            " state, added, updated, run_id) VALUES (?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?, ?)",
            (
                self.key(method, url, body),
                url,
                method.upper(),
                body,
                json.dumps(headers) if headers else None,
                kind,
                portal_id,
                parent_url,
                depth,
                json.dumps(meta or {}, ensure_ascii=False),
                now,
                now,
                run_id,
            ),
        )
        return c.lastrowid if c.rowcount else None

    def pending(self, portal_ids: list[int]) -> list[sqlite3.Row]:
        if not portal_ids:
            return []
        q = ",".join("?" for _ in portal_ids)
        return self.db.execute(
            f"SELECT * FROM frontier WHERE state='pending' AND portal_id IN ({q}) ORDER BY id", portal_ids
        ).fetchall()

    def finish_item(self, fid: int, state: str, reason: str | None = None, meta: dict | None = None):
        if meta is not None:
            self.db.execute(
                "UPDATE frontier SET state=?, reason=?, tries=tries+1, updated=?, meta=? WHERE id=?",
                (state, reason, time.time(), json.dumps(meta, ensure_ascii=False), fid),
            )
        else:
            self.db.execute(
                "UPDATE frontier SET state=?, reason=?, tries=tries+1, updated=? WHERE id=?",
                (state, reason, time.time(), fid),
            )

    def reopen_for_new_crawl(self, pid: int):
        """A completed portal crawled again: list pages are re-checked (conditionally), failed and
        blocked items retried; fetched details and attachments stay done (known items are skipped)."""
        self.db.execute(
            "UPDATE frontier SET state='pending', reason=NULL WHERE portal_id=? AND "
            "(kind='list' OR state IN ('failed','blocked'))",
            (pid,),
        )

    # ------------------------------------------------------------------ fetches
    def log_fetch(self, run_id: int, frontier_id: int | None, r, sha: str | None = None, size: int | None = None):
        self.db.execute(
            "INSERT INTO fetches (run_id, frontier_id, url, method, final_url, status, headers, started, elapsed, error,"
            " detail, challenge, sha256, size, redirects, attempts, attempt_log) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                frontier_id,
                r.url,
                r.method,
                r.final_url,
                r.status,
                json.dumps(r.headers, ensure_ascii=False),
                r.started,
                r.elapsed,
                r.error,
                r.detail,
                r.challenge,
                sha,
                size,
                json.dumps(r.redirects) if r.redirects else None,
                len(r.attempts),
                json.dumps(
                    [
                        {
                            "url": a.url,
                            "status": a.status,
                            "error": a.error,
                            "started": round(a.started, 3),
                            "seconds": round(a.elapsed, 3),
                        }
                        for a in r.attempts
                    ]
                )
                if r.attempts
                else None,
            ),
        )

    # --------------------------------------------------------------- validators
    def validators(self, key: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM validators WHERE key=?", (key,)).fetchone()

    def set_validators(
        self, key: str, etag: str | None, last_modified: str | None, sha: str, status: int, headers: dict
    ):
        self.db.execute(
            "INSERT OR REPLACE INTO validators (key, etag, last_modified, sha256, status, headers, updated)"
            " VALUES (?,?,?,?,?,?,?)",
            (key, etag, last_modified, sha, status, json.dumps(headers, ensure_ascii=False), time.time()),
        )

    # ---------------------------------------------------------------- documents
    def add_document(self, **d) -> bool:
        cols = ",".join(d)
        c = self.db.execute(
            f"INSERT OR IGNORE INTO documents ({cols}) VALUES ({','.join('?' for _ in d)})", tuple(d.values())
        )
        return bool(c.rowcount)

    def reject(self, url: str, list_url: str, portal_id: int, title: str, reason: str, run_id: int) -> bool:
        """Record a link that is not a report; True when it was not known yet."""
        c = self.db.execute(
            "INSERT OR IGNORE INTO rejected (url, list_url, portal_id, title, reason, run_id) VALUES (?,?,?,?,?,?)",
            (url, list_url, portal_id, title, reason, run_id),
        )
        return bool(c.rowcount)


def iter_documents(root: str | os.PathLike) -> Iterator[dict]:
    """The stored reports (detail pages and attachments) with their provenance and absolute path."""
    root = Path(root)
    db = sqlite3.connect(f"file:{root / 'crawl.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        rows = db.execute(
            "SELECT d.*, p.name AS portal_name, p.province, p.city, p.county, p.level, p.column_url"
            " FROM documents d LEFT JOIN portals p ON p.id=d.portal_id ORDER BY d.id"
        ).fetchall()
    finally:
        db.close()
    for r in rows:
        d = dict(r)
        d["path"] = str(root / d["path"])
        yield d
