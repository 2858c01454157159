"""SQLite files for a build step's working data: what would otherwise grow in memory with
the corpus (the reports to compare, their texts, the region-year sums) waits on disk and is
read back in the order the step needs it, sorted by SQLite.

A scratch file has no journal and no sync (it is deleted at the end; a crash loses only a
step that is done again). Its page cache is small: a step reads each row once or twice, and
what a larger cache holds grows with the corpus until it is full (measured alone, copy
detection's store of items peaked 5.5 MiB higher with 4 MiB than with 1 MiB at 100,000
reports, and no higher at 10,000); the pages it misses are in the system's cache. Sorts and
groupings larger than the cache spill to temporary files (``temp_store=FILE``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def scratch_db(path: Path | None) -> sqlite3.Connection:
    """A fresh scratch database at `path` (an earlier file there is removed), or in memory
    for None (small inputs: tests, `entities.region_year_rows`)."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    db = sqlite3.connect(":memory:" if path is None else path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1024", "temp_store=FILE"):
        db.execute(f"PRAGMA {pragma}")
    return db


def insert(db: sqlite3.Connection, sql: str, rows: list[tuple]) -> None:
    """`sql` for every row, in one transaction."""
    db.execute("BEGIN")
    try:
        db.executemany(sql, rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
