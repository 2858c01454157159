"""The build's memory: `pipeline.memory.release` gives back what Arrow's pool keeps of freed
buffers (per row group written, and before copy detection starts its workers), and a
streaming `TableBuilder` keeps its next row group on disk (`BatchSpill`)."""

import json
import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import datasets as D

ROOT = Path(__file__).resolve().parents[1]

# A fresh process: 20,000 buffers of 8 KiB (about the size of a report's column in a record
# batch), written to so that they are resident, then freed. Arrow's pool (mimalloc) keeps
# their pages after the buffers are gone; release() must hand them back.
CHILD = textwrap.dedent("""
    import ctypes, json
    import pyarrow as pa
    from pipeline.memory import release

    def anon():
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("RssAnon:")) >> 10

    bufs = [pa.allocate_buffer(8192) for _ in range(20000)]
    for b in bufs:
        ctypes.memset(b.address, 1, b.size)
    held = anon()
    del bufs
    freed = anon()
    release()
    print(json.dumps({"backend": pa.default_memory_pool().backend_name, "held": held, "freed": freed, "released": anon()}))
""")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads resident sizes from /proc")
def test_release_gives_back_what_arrows_pool_kept_of_freed_buffers():
    p = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    got = json.loads(p.stdout.strip().splitlines()[-1])
    # 156 MiB were written; the pool kept them once freed (about 210 MiB with Arrow's mimalloc:
    # without release the build carried them into copy detection); release leaves a few MiB
    assert got["freed"] - got["released"] >= 100, got


def _cells_batch(rows: int, tag: int) -> pa.RecordBatch:
    schema = D.arrow_schema(D.CELLS.name)
    cols = []
    for f in schema:
        if pa.types.is_string(f.type):
            cols.append(pa.array([f"{f.name}-{tag}-{i}" * 4 for i in range(rows)], type=f.type))
        elif pa.types.is_boolean(f.type):
            cols.append(pa.array([i % 2 == 0 for i in range(rows)], type=f.type))
        elif pa.types.is_floating(f.type):
            cols.append(pa.array([i / 7 for i in range(rows)], type=f.type))
        else:
            cols.append(pa.array([tag * 100_000 + i for i in range(rows)], type=f.type))
    return pa.RecordBatch.from_arrays(cols, schema=schema)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_release_finds_glibcs_trim_where_there_is_glibc():
    """Where the C library is glibc, `release` trims its heap too: the lookup finds
    malloc_trim among the symbols the interpreter already loaded."""
    from pipeline.memory import _malloc_trim

    assert _malloc_trim() is not None


def test_a_streaming_builder_keeps_its_next_row_group_on_disk(tmp_path):
    """The batches of a row group wait in the builder's spill file, not in memory: the build
    writes five datasets at once, and held, their row groups added up to its peak."""
    b = D.TableBuilder(D.CELLS, chunk=1 << 30, path=tmp_path / "cells.parquet")
    one = _cells_batch(500, 0)
    size = one.nbytes
    before = pa.total_allocated_bytes()
    for _ in range(20):  # a copy that only the builder holds, 20 times
        b.add_batch(pa.RecordBatch.from_pylist(one.to_pylist(), schema=one.schema))
    assert 20 * size > 4 << 20
    # the spill's write buffer (1 MiB) and no batch: held in memory, they were 20 * size
    assert pa.total_allocated_bytes() - before < (1 << 20) + size
    assert not b.batches
    b.abandon()


def test_a_streaming_builder_writes_the_file_the_same_batches_give_at_once(tmp_path):
    """Spilled and read back, the batches reach the parquet writer as they were given (empty
    ones included): the file is the same byte for byte."""
    schema = D.arrow_schema(D.CELLS.name)
    batches = [_cells_batch(n, i) for i, n in enumerate([500, 0, 700, 300, 0, 900, 400])]
    b = D.TableBuilder(D.CELLS, chunk=1000, path=tmp_path / "cells.parquet")
    for batch in batches:
        b.add_batch(batch)
    b.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cells.parquet"]  # no spill or temporary file left
    want = tmp_path / "want.parquet"
    w = pq.ParquetWriter(want, schema, **D.PARQUET_OPTIONS)
    for group in (batches[:3], batches[3:6], batches[6:]):  # written at 1,200 rows, at 1,200 again, at close
        w.write_table(pa.Table.from_batches(group, schema=schema), row_group_size=1000)
    w.close()
    assert (tmp_path / "cells.parquet").read_bytes() == want.read_bytes()


def test_an_abandoned_streaming_builder_leaves_no_spill(tmp_path):
    b = D.TableBuilder(D.CELLS, chunk=1000, path=tmp_path / "cells.parquet")
    b.add_batch(_cells_batch(10, 0))
    b.abandon()
    assert not list(tmp_path.iterdir())


SYSTEM_POOL_CHILD = textwrap.dedent("""
    import json, sys
    import pyarrow as pa
    from pipeline.build import build

    before = pa.default_memory_pool().backend_name
    build(sys.argv[1], sys.argv[2], workers=1, progress=False)
    print(json.dumps({"before": before, "after": pa.default_memory_pool().backend_name}))
""")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the build keeps Arrow's default pool off glibc")
@pytest.mark.parametrize("chosen", [None, "jemalloc"])
def test_a_build_takes_arrows_buffers_from_the_heap_release_trims_unless_the_user_chose_a_pool(tmp_path, chosen):
    """mimalloc keeps a heap per thread that `release` cannot empty (pipeline.memory); a
    build switches Arrow to the system allocator, unless ARROW_DEFAULT_MEMORY_POOL says otherwise."""
    raw = tmp_path / "raw"
    raw.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    p = subprocess.run(
        [sys.executable, "-c", SYSTEM_POOL_CHILD, str(raw), str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert got["after"] == (chosen or "system"), got
