"""Giving the memory a build step freed back to the system.

A build's resident size is not only what it holds: the allocators keep what was freed for
later. Arrow's pool (mimalloc) keeps the pages of the record batches a parquet row group was
made of, and glibc's malloc the top of its heap. Measured on 10,000 generated reports, the
build process went into copy detection holding some 220 MiB, 50 more than it needed, while
the step's two workers ran beside it (the process tree's peak, 526 MiB; 472 with `release`),
and what the allocators kept after the dataset writers grew with the corpus (by about
60 MiB from 10,000 to 30,000 reports). `release` hands those pages back: after each row
group a streaming writer writes (`pipeline.datasets.TableBuilder`), as copy detection reads
and rewrites (`pipeline.similarity`), and before copy detection starts its workers
(`pipeline.similarity.write`). It frees nothing in use, so outputs do not change; it costs
microseconds (Arrow's pool) to a millisecond or two (a trim of glibc's heap, about 2 ms on a
fragmented 100 MB heap).

**Arrow's buffers come from glibc's malloc in a build** (`use_system_allocator`), not from
mimalloc, pyarrow's default: mimalloc keeps a heap per thread, and `release` can only make
the calling thread's heap give back, while Arrow decodes parquet on its own threads. Measured
on a rebuild from cache of 10,000 and 100,000 generated reports: peak 236 and 312 MiB with
mimalloc, 201 and 258 with the system allocator (jemalloc: 202 and 266), in the same time.

**Large blocks are always mapped on their own** (`fix_mmap_threshold`): glibc serves a block
of 128 KiB or more from its own mapping, given back when freed, but it raises that threshold
to the size of every such block freed (up to 32 MiB), so after the first row groups Arrow's
buffers and long texts came from the heap, where what they leave between the blocks still in
use is not given back. Measured on a rebuild from cache (`benchmarks/rebuild_phases.py`) with
a fixed 256 KiB threshold: peak 230 -> 225 MiB at 100,000 generated reports (207 -> 204 at
10,000), in no more CPU time (115.9 s against 141.6 at 100,000, 14.3 against 14.4 at
10,000).

**The heap is trimmed after every row group written**, not only between steps: a build
allocates and frees texts and rows of every size report after report, and what glibc's heap
kept between them grew with the reports read (copy detection's reading of the texts held
35 MiB more at 100,000 reports than at 10,000 without a trim per batch, 14 with it).
"""

from __future__ import annotations

import ctypes
from functools import cache


@cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS). Looked up
    among the symbols the interpreter already loaded: `ctypes.util.find_library` would start
    a subprocess (ldconfig) to find the same library."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def use_system_allocator() -> None:
    """Arrow's default pool in this process becomes the system allocator (glibc's malloc),
    which `release` trims; left as it is where the C library is not glibc, or where the user
    chose a pool (ARROW_DEFAULT_MEMORY_POOL). glibc's mmap threshold is fixed either way
    (`fix_mmap_threshold`): Python's long texts come from glibc's malloc whatever Arrow's pool."""
    import os

    fix_mmap_threshold()
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or _malloc_trim() is None:
        return
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
MMAP_THRESHOLD = 256 << 10


def fix_mmap_threshold() -> None:
    """glibc maps every block of `MMAP_THRESHOLD` or more on its own, whatever blocks were
    freed before (setting the threshold ends its dynamic adjustment); left as it is where the
    user set one (MALLOC_MMAP_THRESHOLD_) or the C library has no mallopt."""
    import os

    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release() -> None:
    """Return freed memory to the system: Arrow's pool's, and glibc's heap's (malloc_trim
    walks the whole heap: a millisecond or two)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if (f := _malloc_trim()) is not None:
        f(0)
