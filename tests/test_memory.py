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

import numpy as np
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


READ_CHILD = textwrap.dedent("""
    import json, sys
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pipeline import datasets as D

    def held_while_reading(f) -> int:
        base, most = pa.total_allocated_bytes(), 0
        with f:
            for _ in f.iter_batches(batch_size=256, columns=["text"], use_threads=False):
                most = max(most, pa.total_allocated_bytes() - base)
        return most

    path = sys.argv[1]
    print(json.dumps({"parquet_file": held_while_reading(pq.ParquetFile(path)),
                      "row_group_reader": held_while_reading(D.row_group_reader(path))}))
""")


def test_a_row_group_reader_holds_one_row_group_of_a_long_file(tmp_path):
    """Copy detection and the CSV and SQLite forms read files of a national build's size row
    group by row group: `row_group_reader` holds about one row group's columns, where
    pyarrow's ParquetFile, reading ahead, held the whole file's. Measured in a fresh process
    whose every Arrow buffer comes from one pool that counts them (the read-ahead takes its
    buffers from Arrow's C++ default pool, not from the one pyarrow's calls use)."""
    rnd = np.random.default_rng(3)
    path = tmp_path / "long.parquet"
    texts = pa.array([rnd.bytes(2000).hex() for _ in range(1000)])  # incompressible: 4 MB a row group
    with pq.ParquetWriter(path, pa.schema([("text", pa.string())]), compression="zstd") as w:
        for _ in range(20):
            w.write_table(pa.table({"text": texts}), row_group_size=1000)
    p = subprocess.run(
        [sys.executable, "-c", READ_CHILD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "ARROW_DEFAULT_MEMORY_POOL": "system"},
        check=True,
    )
    got = json.loads(p.stdout.strip().splitlines()[-1])
    one_group = 4_000_000
    # about 50 MB (the 20 groups' compressed columns, read ahead) against 11
    assert got["parquet_file"] > 8 * one_group, got
    assert got["row_group_reader"] < 4 * one_group, got


MMAP_CHILD = textwrap.dedent("""
    import ctypes, json, sys
    from pipeline.memory import fix_mmap_threshold

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                    "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallinfo2.restype = Info
    if sys.argv[1] == "fixed":
        fix_mmap_threshold()
    libc.free(libc.malloc(8 << 20))  # a large block freed: glibc's threshold would rise to its size
    held = [libc.malloc(1 << 20) for _ in range(32)]
    print(json.dumps({"mapped": libc.mallinfo2().hblkhd}))
""")


def _glibc() -> tuple[int, ...]:
    name, version = platform.libc_ver()
    return tuple(int(x) for x in version.split(".")) if name == "glibc" else ()


@pytest.mark.skipif(_glibc() < (2, 33), reason="glibc's malloc, read by mallinfo2 (glibc 2.33)")
def test_large_blocks_stay_mapped_on_their_own_after_a_larger_one_was_freed():
    """`fix_mmap_threshold`: a block of 1 MiB is mapped on its own (given back when freed)
    even after a block of 8 MiB was freed, which makes glibc serve such blocks from its heap."""

    def mapped(how: str) -> int:
        p = subprocess.run(
            [sys.executable, "-c", MMAP_CHILD, how],
            cwd=ROOT,
            capture_output=True,
            text=True,
            # glibc's malloc settings, which end the threshold's adjustment too (Dask's nanny sets
            # MALLOC_TRIM_THRESHOLD_ in the environment of the process that starts a cluster)
            env={**{k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        return json.loads(p.stdout.strip().splitlines()[-1])["mapped"]

    assert mapped("dynamic") < 8 << 20  # glibc's own behaviour: the blocks came from the heap
    assert mapped("fixed") >= 32 << 20
