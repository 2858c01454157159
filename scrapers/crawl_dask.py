"""``xxgk crawl --executor dask``: portals crawled as Dask tasks, one crawl database per task
(a *shard*), merged into the one crawl store with the content a local crawl gives.

    crawl_dask(rows, out, config, args, workers=2, scheduler=None, processes=True) -> summary

* **Groups, for politeness.** Portals that may share a host go to one task
  (:func:`portal_groups`): same host and port as the local crawler's per-host queues count
  them, same registrable domain (a portal follows links over its whole domain) and the
  registrable domains of the domains a portal declares. Each task runs the ordinary local crawler on its group, with
  its per-host delay and concurrency, so two workers never hit one host of those domains at
  once. Hosts outside them (a file CDN two portals both link to) may see one request stream
  per worker.
* **Shards.** ``<out>/shards/<run>-<n>/crawl.sqlite`` is seeded from the main store with the
  group's rows (portals, frontier, validators, documents, rejected links) and the main run's
  id, so the crawler inside the task sees what a local crawl would see: done items are not
  fetched again, list pages are re-checked conditionally, an interrupted portal resumes.
  Objects go straight into the main store's ``objects/`` (content-addressed, written via
  temp file + rename, so concurrent writers cannot clash); the workers therefore need the
  ``--out`` folder at the same path (the local machine, or a filesystem the cluster shares).
* **Merge.** When a task ends, its shard is merged into the main store in one transaction
  (:func:`merge_shard`), then removed. Rows are matched on their natural keys (portal column
  URL, frontier key, document URL, validator key), so ids are remapped and a merge done twice
  changes nothing; fetches, which have no key, are appended past a per-shard watermark kept
  in ``shard_merges``. A URL that two groups both reached keeps the first merged portal's
  row, as a local crawl keeps the first portal that found it.
* **Interruptions.** A shard left by a crawl that was killed holds every item finished before
  the kill; the next crawl of the store, local or Dask, merges it first
  (:func:`merge_leftovers`) and then resumes from the main store. Each task holds
  ``<shard>/.lock`` while it writes, so a shard still written by a task of a cluster that
  outlived its client is never merged under it.
* **Errors.** Portal errors are recorded by the crawler inside the task, as locally. A task
  that fails as a whole (a worker lost) leaves its shard's progress to be merged and its
  portals in ``crawl_state='running'``, to resume on the next run; the summary lists it
  under ``task_errors`` and the other groups go on.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .client import host_of, is_ip, netloc_of, registrable_domain
from .crawl import CrawlConfig, Crawler, store_summary
from .store import Store

SHARDS = "shards"
# In the main store: how far each shard's fetch log has been merged (fetches have no natural key).
MERGE_SQL = (
    "CREATE TABLE IF NOT EXISTS shard_merges (shard TEXT PRIMARY KEY, fetches_upto INTEGER NOT NULL, merged REAL)"
)


class ShardBusy(RuntimeError):
    """A shard is still locked by a task that writes to it."""


# ----------------------------------------------------------------------- groups


def portal_groups(rows: list[dict]) -> list[list[dict]]:
    """The portals in groups that share no host key (see the module docstring), in the order
    of their first portal in `rows`."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    keys_of = []
    for r in rows:
        url = r["column_url"]
        host = host_of(url)
        keys = {"netloc:" + netloc_of(url)}
        if not is_ip(host):
            keys.add("domain:" + registrable_domain(host))
        # a declared domain's hosts also belong to its registrable domain, which another portal may crawl
        keys |= {"domain:" + registrable_domain(d.strip()) for d in (r.get("domains") or "").split() if d.strip()}
        keys_of.append(sorted(keys))
        for k in keys:
            parent[find(k)] = find(keys_of[-1][0])
    groups: dict[str, list[dict]] = {}
    for r, keys in zip(rows, keys_of):
        groups.setdefault(find(keys[0]), []).append(r)
    return list(groups.values())


# ----------------------------------------------------------------- seed, merge


def _columns(db: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA {schema}.table_info({table})")]


@contextmanager
def _attached(db: sqlite3.Connection, shard: Path, *temp_tables: str):
    """`shard`'s database attached as ``s`` for one transaction: committed when the block
    ends, rolled back when it raises; detached (and `temp_tables` dropped) either way."""
    db.execute("ATTACH DATABASE ? AS s", (str(shard / "crawl.sqlite"),))
    try:
        db.execute("BEGIN")
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        for t in temp_tables:
            db.execute(f"DROP TABLE IF EXISTS temp.{t}")
        db.execute("DETACH DATABASE s")


def seed_shard(main: Store, shard: Path, pids: list[int], run_id: int) -> None:
    """Create `shard` holding the main store's rows for portals `pids` and the run `run_id`."""
    Store(shard, objects=main.objects).close()  # the schema, in the shard's own database
    db = main.db
    with _attached(db, shard):
        ids = ",".join(str(int(p)) for p in pids) or "NULL"
        for table, where in (
            ("portals", f"id IN ({ids})"),
            ("frontier", f"portal_id IN ({ids})"),
            ("documents", f"portal_id IN ({ids})"),
            ("rejected", f"portal_id IN ({ids})"),
            ("validators", "key IN (SELECT key FROM s.frontier)"),
            ("runs", f"id = {int(run_id)}"),
        ):
            cols = ",".join(c for c in _columns(db, "main", table) if c in set(_columns(db, "s", table)))
            db.execute(f"INSERT INTO s.{table} ({cols}) SELECT {cols} FROM main.{table} WHERE {where}")


def _upsert(db, table: str, key: str, mapped: dict[str, str], update: str, source: str) -> None:
    """INSERT INTO main.`table` every row of shard `source` (a FROM clause aliased `x`),
    columns taken from `x` unless `mapped` gives another expression; `update` is the ON
    CONFLICT action on `key`."""
    cols = [c for c in _columns(db, "main", table) if c != "id" and c in set(_columns(db, "s", table))]
    exprs = ",".join(mapped.get(c, f"x.{c}") for c in cols)
    db.execute(
        f"INSERT INTO main.{table} ({','.join(cols)}) SELECT {exprs} FROM {source} WHERE true "
        f"ON CONFLICT({key}) {update}"
    )


def _set_all(db, table: str, skip: tuple[str, ...]) -> str:
    cols = [c for c in _columns(db, "main", table) if c not in skip]
    return "DO UPDATE SET " + ",".join(f"{c}=excluded.{c}" for c in cols)


def merge_shard(main: Store, shard: Path) -> None:
    """Merge `shard` into the main store in one transaction; merging it again changes nothing."""
    db = main.db
    db.execute(MERGE_SQL)
    with _attached(db, shard, "pmap", "fmap"):
        _merge_rows(db, shard.name)


def _merge_rows(db: sqlite3.Connection, name: str) -> None:
    # portals: the shard's state of its portals wins; first_seen stays the earliest
    _upsert(
        db,
        "portals",
        "column_url",
        {},
        _set_all(db, "portals", ("id", "column_url", "first_seen")),
        "s.portals x",
    )
    db.execute(
        "CREATE TEMP TABLE pmap AS SELECT x.id sid, m.id mid FROM s.portals x JOIN main.portals m USING(column_url)"
    )
    # frontier: a key is the portal's that found it first; the shard updates only its own rows
    _upsert(
        db,
        "frontier",
        "key",
        {"portal_id": "p.mid"},
        _set_all(db, "frontier", ("id", "key")) + " WHERE frontier.portal_id IS excluded.portal_id",
        "s.frontier x LEFT JOIN temp.pmap p ON p.sid = x.portal_id",
    )
    db.execute("CREATE TEMP TABLE fmap AS SELECT x.id sid, m.id mid FROM s.frontier x JOIN main.frontier m USING(key)")
    db.execute("CREATE UNIQUE INDEX temp.fmap_sid ON fmap(sid)")
    pid = {"portal_id": "p.mid"}
    joined = "LEFT JOIN temp.pmap p ON p.sid = x.portal_id"
    _upsert(db, "documents", "url", pid, "DO NOTHING", f"s.documents x {joined}")
    _upsert(db, "rejected", "url, portal_id", pid, "DO NOTHING", f"s.rejected x {joined}")
    _upsert(
        db,
        "validators",
        "key",
        {},
        _set_all(db, "validators", ("key",)) + " WHERE excluded.updated >= validators.updated",
        "s.validators x",
    )
    row = db.execute("SELECT fetches_upto FROM main.shard_merges WHERE shard=?", (name,)).fetchone()
    upto = row[0] if row else 0
    cols = [c for c in _columns(db, "main", "fetches") if c != "id" and c in set(_columns(db, "s", "fetches"))]
    exprs = ",".join("f.mid" if c == "frontier_id" else f"x.{c}" for c in cols)
    db.execute(
        f"INSERT INTO main.fetches ({','.join(cols)}) SELECT {exprs} FROM s.fetches x "
        f"LEFT JOIN temp.fmap f ON f.sid = x.frontier_id WHERE x.id > ? ORDER BY x.id",
        (upto,),
    )
    last = db.execute("SELECT COALESCE(MAX(id), 0) FROM s.fetches").fetchone()[0]
    db.execute(
        "INSERT INTO main.shard_merges (shard, fetches_upto, merged) VALUES (?, ?, ?) "
        "ON CONFLICT(shard) DO UPDATE SET fetches_upto=MAX(fetches_upto, excluded.fetches_upto), merged=excluded.merged",
        (name, max(upto, last), time.time()),
    )


def _lock(shard: Path, blocking: bool):
    """The shard's lock file, held (flock) by the task that writes the shard; None when busy."""
    f = open(shard / ".lock", "w")  # noqa: SIM115 - held as long as the caller needs it
    try:
        fcntl.flock(f, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        f.close()
        return None
    return f


def _retire(shard: Path) -> None:
    """Remove a merged shard: renamed first (one atomic step), so a removal cut short leaves a
    ``.merged`` folder that is only deleted, never merged again as a half-deleted shard."""
    done = shard.with_name(shard.name + ".merged")
    os.replace(shard, done)
    shutil.rmtree(done)


def merge_leftovers(main: Store, *, strict: bool = True) -> list[str]:
    """Merge and remove the shards an interrupted crawl left in the store (names returned). A
    shard whose task still holds its lock raises ShardBusy (`strict`) or is left for later."""
    root = main.root / SHARDS
    if not root.is_dir():
        return []
    merged = []
    for shard in sorted(root.iterdir()):
        if shard.name.endswith(".merged"):
            shutil.rmtree(shard)
            continue
        if shard.name.startswith(".probe-"):  # a check of an interrupted start
            shard.unlink()
            continue
        if not (shard / "crawl.sqlite").is_file():  # cut short before its database was made
            shutil.rmtree(shard)
            continue
        lock = _lock(shard, blocking=False)
        if lock is None:
            if strict:
                raise ShardBusy(f"{shard}: a crawl task still writes to this shard; run again when it has ended")
            continue
        try:
            merge_shard(main, shard)
        finally:
            lock.close()
        _retire(shard)
        merged.append(shard.name)
    return merged


# --------------------------------------------------------------------- the task


def crawl_shard(shard: str, objects: str, rows: list[dict], config: CrawlConfig, run_id: int, args: dict) -> dict:
    """One group in a Dask worker: the local crawler on the shard; returns its summary."""
    import asyncio

    path = Path(shard)
    if not (path / "crawl.sqlite").is_file():
        raise FileNotFoundError(f"{shard} is not visible on this worker: --out must be on a filesystem it shares")
    lock = _lock(path, blocking=True)
    try:
        store = Store(path, objects=objects)
        try:
            return asyncio.run(Crawler(store, config).run(rows, args, run_id=run_id))
        finally:
            store.close()
    finally:
        lock.close()


# ------------------------------------------------------------------- the driver


def _client(scheduler: str | None, workers: int, processes: bool):
    """A client of the cluster at `scheduler`, or of a new LocalCluster (closed with it)."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=max(1, workers),
        threads_per_worker=1,
        processes=processes,
        dashboard_address=":0",
        silence_logs=40,  # logging.ERROR: the crawl's summary is the output
    )
    return Client(cluster), cluster


class NotShared(RuntimeError):
    """Workers of the cluster do not see the store's folder."""


def _check_shared(client, root: Path) -> None:
    """Every worker must see the store at `root`, the folder itself and not another one at the
    same path (a worker machine's own empty ``data/raw``): a file written here must be there."""
    probe = root / SHARDS / f".probe-{os.getpid()}-{time.time_ns()}"
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text("xxgk", encoding="utf-8")
    try:
        seen = client.run(os.path.exists, str(probe))
    finally:
        probe.unlink()
    blind = sorted(w for w, ok in seen.items() if not ok)
    if blind:
        raise NotShared(
            f"{root} is not visible at the same path on Dask workers {', '.join(blind)}: "
            "--out must be on a filesystem the workers share"
        )


def combine(summaries: list[dict], store: Store, pids: list[int], run_id: int, seconds: float) -> dict:
    """One summary for the run: the tasks' counts of this run added up, the store's figures
    (portal status, documents in store) read from the merged store."""
    out: dict = {"run_id": run_id, **store_summary(store.db, pids)}
    for key in ("new_report_links", "lookalikes_rejected", "documents_stored_this_run", "details_stored_this_run"):
        out[key] = sum(s[key] for s in summaries)
    for key in ("attachments_stored_this_run", "requests", "pages_ok", "not_modified"):
        out[key] = sum(s[key] for s in summaries)
    for key in ("blocked", "failed", "skipped"):
        total: dict[str, int] = {}
        for s in summaries:
            for k, n in s[key].items():
                total[k] = total.get(k, 0) + n
        out[key] = total
    out["seconds"] = round(seconds, 2)
    out["pages_per_second"] = round(out["pages_ok"] / seconds, 1) if seconds > 0 else None
    return out


@dataclasses.dataclass
class _Run:
    """One Dask crawl as its groups see it: the main store, the run's id, what every task gets,
    and what the tasks have returned so far."""

    main: Store
    run_id: int
    pid_of: dict[str, int]  # column URL -> portal id in the main store
    config: CrawlConfig
    args: dict
    summaries: list[dict] = dataclasses.field(default_factory=list)
    errors: dict[str, str] = dataclasses.field(default_factory=dict)  # shard -> why its task failed


def crawl_dask(
    rows: list[dict],
    out: str | os.PathLike,
    config: CrawlConfig | None = None,
    args: dict | None = None,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    processes: bool = True,
    on_group: Callable[[int, int], None] | None = None,
) -> dict:
    """Crawl `rows` into the store `out` as Dask tasks; the summary of the run (see the module
    docstring). `on_group(done, total)` is called as groups finish."""
    t0 = time.monotonic()
    main = Store(Path(out).resolve())
    try:
        merge_leftovers(main)
        main.remove_partial_objects()
        client, cluster = _client(scheduler, workers, processes)
        try:
            _check_shared(client, main.root)
            main.begin()
            pid_of = {r["column_url"]: main.upsert_portal(r) for r in rows}
            run_id = main.start_run({**(args or {}), "executor": "dask"})
            main.commit()
            task_config = dataclasses.replace(config or CrawlConfig(), progress=False)  # workers have no terminal
            run = _Run(main, run_id, pid_of, task_config, args or {})
            _run_groups(run, client, portal_groups(rows), on_group)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            merge_leftovers(main, strict=False)  # an interrupted run: what its tasks finished
        summary = combine(run.summaries, main, list(pid_of.values()), run_id, time.monotonic() - t0)
        if run.errors:
            summary["task_errors"] = run.errors
        main.begin()
        main.finish_run(run_id, summary)
        main.commit()
        return summary
    finally:
        main.close()


def _run_groups(run: _Run, client, groups: list[list[dict]], on_group) -> None:
    """Seed, submit and merge the groups, a bounded number in flight (two per worker thread),
    so that the shards on disk stay few whatever the number of portals."""
    from distributed import wait

    window = 2 * max(1, sum(client.nthreads().values()))
    queue = iter(enumerate(groups))
    running: dict = {}  # future -> shard folder
    done = 0

    def submit() -> bool:
        nxt = next(queue, None)
        if nxt is None:
            return False
        n, group = nxt
        shard = run.main.root / SHARDS / f"{run.run_id}-{n:05d}"
        seed_shard(run.main, shard, [run.pid_of[r["column_url"]] for r in group], run.run_id)
        running[_submit(run, client, shard, group)] = shard
        return True

    while len(running) < window and submit():
        pass
    while running:
        finished = wait(list(running), return_when="FIRST_COMPLETED").done
        for fut in sorted(finished, key=lambda f: running[f].name):
            shard = running.pop(fut)
            try:
                run.summaries.append(fut.result())
            except Exception as e:  # noqa: BLE001 - one group's failure is reported; the others go on
                run.errors[shard.name] = f"{type(e).__name__}: {e}"[:500]
            fut.release()
            lock = _lock(shard, blocking=False)
            if lock is not None:  # else a task of a lost worker still writes: merged by a later run
                try:
                    merge_shard(run.main, shard)
                finally:
                    lock.close()
                _retire(shard)
            done += 1
            if on_group:
                on_group(done, len(groups))
            while len(running) < window and submit():
                pass


def _submit(run: _Run, client, shard: Path, group: list[dict]):
    """The group's task (a unique key: a rerun's tasks are new tasks, whatever the scheduler remembers)."""
    return client.submit(
        crawl_shard,
        str(shard),
        str(run.main.objects),
        group,
        run.config,
        run.run_id,
        run.args,
        key=f"xxgk-crawl-{shard.name}-{time.time_ns()}",
        pure=False,
        retries=0,
    )
