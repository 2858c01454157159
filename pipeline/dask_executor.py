"""``xxgk build --executor dask``: the documents parsed as Dask tasks, on a cluster or a
`LocalCluster`, with the same outputs, byte for byte, as the local pool.

    run_dask(tasks, on_result, workers=2, timeout=120, memory_mb=3072, scheduler=None)

It has the contract of `pipeline.build.run_pool`: `on_result(sha, work)` is called in the
build's process once for every task (`pipeline.buildstore.Task`), whatever happens to it,
and each `pipeline.build.Work` comes from `pipeline.build.parse_and_normalize`, the one
function that parses and normalizes a document for both executors, or from
`pipeline.build.normalize_cached` for a task whose parse is cached (so the cache and the
datasets cannot tell which executor parsed a document, and the build process only stores
what comes back).

* **Bytes travel, paths do not.** The build process reads each document and sends its bytes
  with the task (and those of its cached parse, for a task that may reuse one), with its
  provenance (`pipeline.normalize.Provenance`, side files included):
  Dask workers need no access to the raw folder (a cluster of other machines) and the
  results come back to the one process that writes the datasets. A worker loads the region
  index once (`pipeline.regions`, per process) and keeps it for the tasks that follow.
* **Bounded in flight.** At most `window` tasks (default: four per worker thread) are
  submitted at a time and each result is released once handed over, so neither the build
  process nor the scheduler holds the corpus, whatever its size.
* **Limits.** A Dask worker runs many documents in one long-lived process, so a document
  cannot be killed alone as the local pool kills its worker. A task that runs past
  `timeout` becomes a timeout row (cancelled; its thread finishes in the background);
  memory is bounded by the workers' own limit (``memory_limit`` of the cluster: the nanny
  restarts a worker over it and the task becomes a crash row after Dask's retries).
  With no `scheduler`, the `LocalCluster` gets `memory_mb` per worker on top of its start.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def _task(sha: str, data: bytes, parse: Callable | None, memory_mb: int, prov, cached: bytes | None, timeout: float):
    """One document in a Dask worker: the `pipeline.build.Work` the local pool would make of
    it (its `cached` parse normalized when usable, else `data` parsed)."""
    from pipeline.build import normalize_cached, parse_and_normalize

    if cached is not None:
        work = normalize_cached(sha, cached, timeout, memory_mb, prov)
        if work is not None:
            return work
    if parse is None:
        from parsers.report import parse_bytes as parse
    return parse_and_normalize(sha, data, parse, memory_mb, prov)


def _client(scheduler: str | None, workers: int, memory_mb: int):
    """A client of the cluster at `scheduler`, or of a new LocalCluster (closed with it)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    with dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.worker-ttl": None}):
        cluster = LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            memory_limit=f"{1024 + memory_mb}MiB",
            silence_logs=40,
        )  # logging.ERROR: the build's progress bar is the output
    return Client(cluster), cluster


def run_dask(
    tasks,
    on_result: Callable,
    *,
    workers: int,
    timeout: float,
    memory_mb: int,
    parse: Callable | None = None,
    scheduler: str | None = None,
    window: int | None = None,
    provenance: Callable | None = None,
) -> None:
    """Parse (and, given `provenance(sha)`, normalize) `tasks` (`pipeline.buildstore.Task`s)
    as Dask tasks, or normalize their cached parse; see the module docstring."""
    if not tasks:
        return
    from distributed import wait

    from pipeline.build import Work, _encode, _payload

    client, cluster = _client(scheduler, workers, memory_mb)
    try:
        threads = sum(client.nthreads().values()) or max(1, workers)
        window = window or 4 * threads
        queue = iter(tasks)
        running: dict = {}  # future -> [sha, when a worker started it (monotonic) or None]

        def submit() -> bool:
            task = next(queue, None)
            if task is None:
                return False
            sha = task.sha
            try:
                cached = Path(task.reuse).read_bytes() if task.reuse is not None else None
            except OSError:  # the entry went away: the file is parsed
                cached = None
            try:
                data = Path(task.path).read_bytes()
            except OSError as e:
                on_result(
                    sha, Work(False, _encode(_payload("exception", None, f"{type(e).__name__}: {e}"[:500])), None)
                )
                return True
            prov = provenance(sha) if provenance else None
            f = client.submit(
                _task,
                sha,
                data,
                parse,
                memory_mb,
                prov,
                cached,
                timeout,
                key=f"xxgk-parse-{sha}",
                pure=False,
                retries=0,
            )
            running[f] = [sha, None]
            return True

        while len(running) < window and submit():
            pass
        checked = time.monotonic()
        while running:
            try:
                finished = wait(list(running), timeout=1.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                finished = set()
            if time.monotonic() - checked >= 1.0:  # the clocks are read once a second, not per result
                finished |= _late(client, running, timeout)
                checked = time.monotonic()
            finished = sorted(finished, key=lambda f: running[f][0])
            for f in finished:
                sha, _ = running.pop(f)
                on_result(sha, _outcome(f, timeout))
                f.release()
                while len(running) < window and submit():
                    pass
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _late(client, running: dict, timeout: float) -> set:
    """Tasks that a worker has run for longer than `timeout` (cancelled: their result is a
    timeout). A task's clock starts when the scheduler is first seen to have handed it to a
    worker, so time spent waiting in the queue does not count."""
    waiting = [f for f, (_, since) in running.items() if since is None and not f.done()]
    now = time.monotonic()
    if waiting:
        try:
            states = client.run_on_scheduler(_states, [f.key for f in waiting])
        except Exception:  # noqa: BLE001 - states unknown: no clock starts now, none is stopped early
            states = {}
        for f in waiting:
            if states.get(f.key) == "processing":
                running[f][1] = now
    late = {f for f, (_, since) in running.items() if since is not None and now - since > timeout and not f.done()}
    for f in late:
        f.cancel()
    return late


def _states(keys, dask_scheduler=None) -> dict:
    out = {}
    for k in keys:
        ts = dask_scheduler.tasks.get(k)
        out[k] = ts.state if ts is not None else None
    return out


def _outcome(f, timeout: float):
    """The `pipeline.build.Work` of a finished task; a timeout or failure row with no summary."""
    from pipeline.build import Work, _encode, _payload

    if f.status == "finished":
        return f.result()
    if f.status == "cancelled":
        why = f"timed out: parsing took longer than {timeout:g} s"
        return Work(False, _encode(_payload("timeout", None, why, timeout, timeout)), None)
    try:
        f.result()
        why = f"the Dask task ended as {f.status}"
    except Exception as e:  # noqa: BLE001 - a killed worker or a lost task becomes this document's error row
        why = f"the Dask task failed: {type(e).__name__}: {e}"[:500]
    return Work(False, _encode(_payload("crash", None, why, None)), None)
