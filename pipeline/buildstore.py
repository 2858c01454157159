"""The build's working store: what a build knows of each document, on disk, not in memory.

A national corpus is about a million reports. Whatever a build keeps per document for the
whole run (its sources, its summary `pipeline.normalize.Doc`, its report row, the cache entries
it used) would grow its memory with the corpus: about 20 KiB a report held as Python objects,
20 GiB for a million. So each of these goes into one SQLite file for the duration of the
build, ``<out>/.cache/build.sqlite`` (the build holds the output folder's lock, so the file
is its own), and every step reads back only what it works on, in the order it needs:

* documents by sha256 (``docs``), with the few columns the duplicate search groups by;
* the documents still to parse or to normalize from their cached parse (``todo``);
* report rows by report_id (``rows``) and the kept ones in panel order, one publisher's
  reports at a time (`publisher_rows`: the cross-year checks need a publisher's other years);
* the kept reports of one agency and year (cross-year settling);
* the publishers of the kept reports with the names they printed per year, their parents
  and the publishers coverage expects (``publishers``, ``publisher_names``, ``expected``):
  coverage reads them one county at a time, the publishers dataset in id order;
* check counts per report, and the cache files a build used (`UsedSet`, for pruning).

Reads are paged by key (`PAGE` rows a query), never one long cursor, so writes may go on
between pages. Values are pickled: the file is written and read by one build process and
deleted when the build ends, never shared. Durability is off (no journal, no sync): a
crashed build leaves a file the next build deletes.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

PAGE = 1024

SCHEMA = """
CREATE TABLE sources (
    seq INTEGER PRIMARY KEY, sha TEXT NOT NULL, url TEXT NOT NULL, rel TEXT NOT NULL, att_of TEXT, blob BLOB
);
CREATE INDEX sources_by_sha ON sources (sha, url, rel, seq);
CREATE INDEX sources_by_page ON sources (att_of) WHERE att_of IS NOT NULL;
CREATE TABLE docs (
    sha TEXT PRIMARY KEY, report_id TEXT, status TEXT, agency_id TEXT, year INTEGER, template TEXT,
    n_numbers INTEGER, blob BLOB
);
CREATE INDEX docs_by_rid ON docs (report_id);
CREATE INDEX docs_by_key ON docs (agency_id, year, template, sha) WHERE status = 'kept';
CREATE TABLE todo (sha TEXT PRIMARY KEY, path TEXT, reuse TEXT);
CREATE TABLE linked (report_id TEXT PRIMARY KEY);
CREATE TABLE decisions (report_id TEXT PRIMARY KEY, blob BLOB);
CREATE TABLE rows (
    report_id TEXT PRIMARY KEY, status TEXT, agency_id TEXT, year INTEGER,
    p0 INTEGER, p1 INTEGER, gk0 TEXT, gk1 TEXT, r0, r1, r2, r3,
    unsettled INTEGER, n_checks INTEGER, n_failed INTEGER, division TEXT, blob BLOB
);
CREATE INDEX rows_by_agency_year ON rows (agency_id, year) WHERE status = 'kept';
CREATE INDEX rows_in_panel_order ON rows (p0, p1, gk0, gk1, report_id) WHERE status = 'kept';
CREATE INDEX rows_by_publisher_year ON rows (gk0, year, r0, r1, r2, r3, report_id) WHERE status = 'kept';
CREATE TABLE used (kind TEXT, path TEXT, PRIMARY KEY (kind, path)) WITHOUT ROWID;
CREATE TABLE publishers (pid TEXT PRIMARY KEY, county TEXT, revealed INTEGER, parent TEXT, n_reports INTEGER, blob BLOB);
CREATE INDEX publishers_revealed ON publishers (county, pid) WHERE revealed;
CREATE INDEX publishers_by_parent ON publishers (parent) WHERE parent IS NOT NULL;
CREATE TABLE publisher_names (pid TEXT, year INTEGER, name TEXT, PRIMARY KEY (pid, year, name)) WITHOUT ROWID;
CREATE TABLE expected (pid TEXT PRIMARY KEY) WITHOUT ROWID;
"""


def _name(path: str) -> bytes:
    """A file name as the store keeps it: names that are not UTF-8 (a zip made on Windows
    gives GBK bytes, which Python holds as lone surrogates) cannot be SQLite text, so every
    name is kept as bytes that sort as Python sorts the strings (code point order)."""
    return path.encode("utf-8", "surrogatepass")


class BuildStore:
    """One build's working file (see the module docstring); `close()` deletes it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for p in (self.path, self.path.with_name(self.path.name + "-journal")):
            p.unlink(missing_ok=True)  # a crashed build's file
        self.db = sqlite3.connect(self.path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-8192", "temp_store=FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)

    def _many(self, sql: str, rows: Iterable[tuple], batch: int = 4096) -> None:
        """Insert in transactions of `batch` rows (one transaction a row is slow even unsynced)."""
        buf = []
        for r in rows:
            buf.append(r)
            if len(buf) >= batch:
                self._commit(sql, buf)
                buf = []
        if buf:
            self._commit(sql, buf)

    def _commit(self, sql: str, buf: list[tuple]) -> None:
        self.db.execute("BEGIN")
        try:
            self.db.executemany(sql, buf)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _paged(self, select: str, keys: tuple[str, ...], where: str = "1", args: tuple = ()) -> Iterator[tuple]:
        """Rows of `select` ... WHERE `where`, in the order of the unique `keys`, one page a query;
        the key columns come first in each row."""
        order = ", ".join(keys)
        last = None
        while True:
            cond, extra = where, args
            if last is not None:
                cond = f"({where}) AND ({order}) > ({', '.join('?' * len(keys))})"
                extra = (*args, *last)
            page = self.db.execute(f"{select} WHERE {cond} ORDER BY {order} LIMIT {PAGE}", extra).fetchall()
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1][: len(keys)]

    # ------------------------------------------------------------------ sources and documents

    def add_sources(self, sources: Iterable) -> None:
        """`sources`: `pipeline.build.Source`s, in any order."""
        self._many(
            "INSERT INTO sources (sha, url, rel, att_of, blob) VALUES (?, ?, ?, ?, ?)",
            (
                (s.sha256, s.url or "", _name(s.rel), s.detail_url if s.kind == "attachment" else None, pickle.dumps(s))
                for s in sources
            ),
        )

    def count_sources(self) -> tuple[int, int]:
        """(documents, distinct documents)."""
        return self.db.execute("SELECT count(*), count(DISTINCT sha) FROM sources").fetchone()

    def shas(self) -> Iterator[str]:
        """The distinct documents' sha256, sorted."""
        for (sha,) in self._paged("SELECT DISTINCT sha FROM sources", ("sha",)):
            yield sha

    def sources(self, sha: str) -> list:
        """A document's sources in the order of `Source.sort_key` (the first is its primary)."""
        q = "SELECT blob FROM sources WHERE sha = ? ORDER BY url, rel, seq"
        return [pickle.loads(b) for (b,) in self.db.execute(q, (sha,))]

    def put_doc(self, doc, status: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.sha256,
                doc.report_id,
                status,
                doc.agency_id,
                doc.year,
                doc.template,
                doc.n_numbers,
                pickle.dumps(doc),
            ),
        )

    def docs(self, where: str = "1", args: tuple = ()) -> Iterator:
        """The documents' `Doc`s (summaries), by sha256."""
        for _sha, b in self._paged("SELECT sha, blob FROM docs", ("sha",), where, args):
            yield pickle.loads(b)

    def sha_of(self, report_id: str) -> str | None:
        got = self.db.execute("SELECT sha FROM docs WHERE report_id = ?", (report_id,)).fetchone()
        return got[0] if got else None

    def add_todo(self, sha: str, path: str, reuse: str | None = None) -> None:
        """A document for the executor: its file, and `reuse`, the path of a cached parse to
        normalize instead of parsing (`Task`)."""
        self.db.execute(
            "INSERT OR REPLACE INTO todo VALUES (?, ?, ?)", (sha, _name(path), None if reuse is None else _name(reuse))
        )

    def todo(self) -> Todo:
        return Todo(self)

    # ------------------------------------------------------------------ duplicates

    def duplicate_groups(self) -> Iterator[tuple]:
        """(agency_id, year, template) of every group of two or more kept documents (the
        candidates `pipeline.dedupe` compares)."""
        q = (
            "SELECT agency_id, year, template FROM docs WHERE status = 'kept' AND agency_id IS NOT NULL "
            "AND year IS NOT NULL AND template != 'unknown' GROUP BY 1, 2, 3 HAVING count(*) > 1 ORDER BY 1, 2, 3"
        )
        yield from self.db.execute(q).fetchall()

    def linked_documents(self) -> set[str]:
        """Report ids of the kept pages without numbers whose URL a kept report with numbers
        names as the page it is attached to, and of those attachments (`pipeline.dedupe`'s
        containers); also left in the table ``linked``."""
        pairs = (
            "FROM docs p JOIN sources ps ON ps.sha = p.sha AND ps.url != '' JOIN sources s ON s.att_of = ps.url "
            "JOIN docs a ON a.sha = s.sha WHERE p.status = 'kept' AND p.n_numbers = 0 AND a.status = 'kept' "
            "AND a.n_numbers > 0"
        )
        self.db.execute(f"INSERT OR IGNORE INTO linked SELECT p.report_id {pairs} UNION SELECT a.report_id {pairs}")
        return {rid for (rid,) in self.db.execute("SELECT report_id FROM linked")}

    def put_decisions(self, decisions: dict) -> None:
        self._many(
            "INSERT OR REPLACE INTO decisions VALUES (?, ?)", ((k, pickle.dumps(v)) for k, v in decisions.items())
        )

    def decision(self, report_id: str):
        got = self.db.execute("SELECT blob FROM decisions WHERE report_id = ?", (report_id,)).fetchone()
        return pickle.loads(got[0]) if got else None

    # ------------------------------------------------------------------ report rows

    def put_rows(self, rows: Iterable[dict]) -> None:
        """Report rows (publisher settled, `pipeline.datasets.settle_publishers`)."""

        def record(r: dict) -> tuple:
            year = r.get("year")
            settled = bool(r.get("publisher_id")) and year is not None
            gk = (r["publisher_id"], str(year)) if settled else ("", r["report_id"])
            rank = r.get("_rank") or (0, 0, 0, 0, r["report_id"])  # `datasets._rank`
            part = (year is None, year or 0)  # `datasets._partition_order`
            row = (r["report_id"], r["status"], r.get("agency_id"), year, *part, *gk, *rank[:4])
            return (*row, bool(r.get("unsettled")), None, None, r.get("division_code"), pickle.dumps(r))

        self._many(f"INSERT OR REPLACE INTO rows VALUES ({', '.join('?' * 17)})", map(record, rows))

    def rows(self, kept: bool = False) -> Iterator[dict]:
        """Report rows by report_id (the kept ones only with `kept`), with the check counts
        `put_counts` gave."""
        where = "status = 'kept'" if kept else "1"
        q = "SELECT report_id, n_checks, n_failed, blob FROM rows"
        for _rid, n, failed, b in self._paged(q, ("report_id",), where):
            r = pickle.loads(b)
            if n is not None:
                r["n_checks"], r["n_checks_failed"] = n, failed
            yield r

    def count_rows(self, where: str = "1") -> int:
        return self.db.execute(f"SELECT count(*) FROM rows WHERE {where}").fetchone()[0]

    def panel_rows(self) -> Iterator[list[dict]]:
        """The kept rows in the panel's order (`datasets._panel_groups`: year, publisher,
        report), the reports of one panel row (publisher and year) at a time; a row whose
        publisher or year is unsettled comes alone."""
        group: list[dict] = []
        key = None
        q = "SELECT p0, p1, gk0, gk1, report_id, blob FROM rows"
        for p0, p1, gk0, gk1, _rid, b in self._paged(q, ("p0", "p1", "gk0", "gk1", "report_id"), "status = 'kept'"):
            if group and (p0, p1, gk0, gk1) != key:
                yield group
                group = []
            key = (p0, p1, gk0, gk1)
            group.append(pickle.loads(b))
        if group:
            yield group

    def pick(self, publisher_id: str, year: int) -> dict | None:
        """The panel's pick of a publisher and year (the kept report of least `datasets._rank`)."""
        q = (
            "SELECT blob FROM rows WHERE status = 'kept' AND gk0 = ? AND year = ? "
            "ORDER BY r0, r1, r2, r3, report_id LIMIT 1"
        )
        got = self.db.execute(q, (publisher_id, year)).fetchone()
        return pickle.loads(got[0]) if got else None

    def kept_of(self, agency_id: str, year: int) -> list[str]:
        """The kept reports of an agency and year."""
        q = "SELECT report_id FROM rows WHERE status = 'kept' AND agency_id = ? AND year = ? ORDER BY report_id"
        return [rid for (rid,) in self.db.execute(q, (agency_id, year))]

    def key_of(self, report_id: str) -> tuple[str, int] | None:
        """(agency_id, year) of a kept report that has both."""
        q = "SELECT agency_id, year FROM rows WHERE report_id = ? AND status = 'kept'"
        got = self.db.execute(q, (report_id,)).fetchone()
        return (got[0], got[1]) if got and got[0] and isinstance(got[1], int) else None

    def kept_years(self) -> Iterator[tuple[str | None, int, int]]:
        """(division code, first year, last year) of the kept reports that have a year."""
        q = "SELECT division, min(year), max(year) FROM rows WHERE status = 'kept' AND year IS NOT NULL GROUP BY 1"
        yield from self.db.execute(q).fetchall()

    def found(self, publisher_id: str, year: int) -> list[str]:
        """The kept reports of a settled publisher and year."""
        q = "SELECT report_id FROM rows WHERE status = 'kept' AND gk0 = ? AND year = ? ORDER BY report_id"
        return [rid for (rid,) in self.db.execute(q, (publisher_id, year))]

    def put_counts(self, counts: dict[str, tuple[int, int]]) -> None:
        """(checks, failed checks) of reports, as the datasets counted them."""
        self._many(
            "UPDATE rows SET n_checks = ?, n_failed = ? WHERE report_id = ?",
            ((n, f, k) for k, (n, f) in counts.items()),
        )

    # ------------------------------------------------------------------ publishers

    def add_publishers(self, reports: Iterable[tuple[dict, str | None, bool, int | None, str]]) -> None:
        """The publishers of kept reports, one tuple a report in report order: (its publisher's
        `entities.publisher_entry`, county, revealed (`coverage.place`), the report's year and
        the name it prints). The first report of a publisher gives its entry; each counts."""
        pubs, names = [], []
        upsert = (
            "INSERT INTO publishers VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (pid) DO UPDATE SET n_reports = n_reports + 1"
        )
        for entry, county, revealed, year, name in reports:
            pid = entry["publisher_id"]
            pubs.append((pid, county, revealed, entry.get("parent_id"), pickle.dumps(entry)))
            if year is not None:  # names are listed by report year
                names.append((pid, year, name))
            if len(pubs) >= 4096:
                self._commit(upsert, pubs)
                self._commit("INSERT OR IGNORE INTO publisher_names VALUES (?, ?, ?)", names)
                pubs, names = [], []
        self._commit(upsert, pubs)
        self._commit("INSERT OR IGNORE INTO publisher_names VALUES (?, ?, ?)", names)

    def add_bare_publishers(self, entries: Iterable[tuple[dict, str | None, bool]]) -> None:
        """Publishers without a report of their own (parents, expected by coverage):
        (`entities.parent_entry`, county, revealed); ids already there are left as they are."""
        self._many(
            "INSERT OR IGNORE INTO publishers VALUES (?, ?, ?, ?, 0, ?)",
            ((e["publisher_id"], c, rv, e.get("parent_id"), pickle.dumps(e)) for e, c, rv in entries),
        )

    def missing_parents(self) -> list[str]:
        """Parents of publishers that are not publishers themselves yet, sorted."""
        q = (
            "SELECT DISTINCT parent FROM publishers WHERE parent IS NOT NULL "
            "AND parent NOT IN (SELECT pid FROM publishers) ORDER BY 1"
        )
        return [pid for (pid,) in self.db.execute(q)]

    def add_expected(self, pids: Iterable[str]) -> None:
        self._many("INSERT OR IGNORE INTO expected VALUES (?)", ((p,) for p in pids))

    def missing_expected(self) -> Iterator[str]:
        """Publishers coverage expects that are not publishers yet, by id."""
        for (pid,) in self._paged("SELECT pid FROM expected", ("pid",), "pid NOT IN (SELECT pid FROM publishers)"):
            yield pid

    def publisher(self, pid: str) -> dict | None:
        got = self.db.execute("SELECT blob FROM publishers WHERE pid = ?", (pid,)).fetchone()
        return pickle.loads(got[0]) if got else None

    def revealed_in(self, county: str) -> list[dict]:
        """A county's publishers that coverage expects beyond the register (`coverage.Publishers`),
        by id, with their ``first_year``."""
        q = (
            "SELECT pid, blob, (SELECT min(year) FROM publisher_names n WHERE n.pid = p.pid) FROM publishers p "
            "WHERE revealed AND county = ? ORDER BY pid"
        )
        return [pickle.loads(b) | {"first_year": y} for _pid, b, y in self.db.execute(q, (county,))]

    def child_first(self, pid: str) -> int | None:
        q = "SELECT min(n.year) FROM publishers p JOIN publisher_names n ON n.pid = p.pid WHERE p.parent = ?"
        return self.db.execute(q, (pid,)).fetchone()[0]

    def publishers(self) -> Iterator[tuple[dict, dict[int, list[str]]]]:
        """Every publisher by id: (its entry with ``n_reports``, the names it printed by year)."""
        for _pid, n, b in self._paged("SELECT pid, n_reports, blob FROM publishers", ("pid",)):
            by_year: dict[int, list[str]] = {}
            for y, name in self.db.execute("SELECT year, name FROM publisher_names WHERE pid = ?", (_pid,)):
                by_year.setdefault(y, []).append(name)
            yield pickle.loads(b) | {"n_reports": n}, by_year

    # ------------------------------------------------------------------ cache files used

    def used(self, kind: str) -> UsedSet:
        return UsedSet(self, kind)


class Task(NamedTuple):
    """One document for an executor (`pipeline.build.run_pool`, `pipeline.dask_executor`):
    parse the file at `path`, or, given `reuse` (the path of its parse cache entry), normalize
    that entry where it is usable, and parse the file only where it is not."""

    sha: str
    path: str
    reuse: str | None = None


class Todo:
    """The documents to parse or normalize, `Task`s in sha order, read a page at a time."""

    def __init__(self, store: BuildStore):
        self.store = store

    def __len__(self) -> int:
        return self.store.db.execute("SELECT count(*) FROM todo").fetchone()[0]

    def __iter__(self) -> Iterator[Task]:
        for sha, path, reuse in self.store._paged("SELECT sha, path, reuse FROM todo", ("sha",)):
            yield Task(sha, path.decode("utf-8", "surrogatepass"), reuse and reuse.decode("utf-8", "surrogatepass"))


class UsedSet:
    """The cache files of one kind a build used (`pipeline.cachefiles.prune_unused` keeps
    them): a set on disk, as a build may use a million of them."""

    def __init__(self, store: BuildStore, kind: str):
        self.db, self.kind = store.db, kind

    def add(self, path: Path) -> None:
        self.db.execute("INSERT OR IGNORE INTO used VALUES (?, ?)", (self.kind, _name(str(path))))

    def __contains__(self, path: object) -> bool:
        q = "SELECT 1 FROM used WHERE kind = ? AND path = ?"
        return self.db.execute(q, (self.kind, _name(str(path)))).fetchone() is not None


def rows_view(store: BuildStore, kept: bool = False, extra: Callable[[dict], dict] | None = None) -> RowsView:
    return RowsView(store, kept, extra)


class RowsView:
    """Report rows that can be read any number of times without being held (what the
    datasets' descriptor and derived tables iterate)."""

    def __init__(self, store: BuildStore, kept: bool = False, extra: Callable[[dict], dict] | None = None):
        self.store, self.kept, self.extra = store, kept, extra

    def __len__(self) -> int:
        return self.store.count_rows("status = 'kept'" if self.kept else "1")

    def __iter__(self) -> Iterator[dict]:
        rows = self.store.rows(self.kept)
        return map(self.extra, rows) if self.extra else rows
