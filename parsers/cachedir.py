"""The user's cache folder: tables derived from code and bundled data that make a process
start fast (compiled template regexes, `parsers.regex_cache`; the region index and word
table, `pipeline.region_store`).

Everything in it can be rebuilt: a file's name carries a key of what it was made from
(format, code, data, Python), so a file of another format or version is never read, and a
process that writes a new file removes files of the same kind that nothing has used for a
day (`prune`; readers `touch` theirs when they open it, so a file in use by another
checkout or another Python stays). The folder is ``$XXGK_CACHE_DIR``, else
``$XDG_CACHE_HOME/xxgk``, else ``~/.cache/xxgk``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STALE_SECONDS = 24 * 3600


def cache_dir() -> Path:
    base = os.environ.get("XXGK_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "xxgk"


def touch(path: Path) -> None:
    """Mark a cache file as in use (its mtime), so that `prune` keeps it; a read-only cache
    folder is fine."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(keep: Path, *patterns: str) -> list[Path]:
    """Remove files matching `patterns` beside `keep` (not `keep`) unused for a day; the
    files removed. A file that vanished or cannot be removed is left to the next writer."""
    now = time.time()
    gone = []
    for pattern in patterns:
        for p in keep.parent.glob(pattern):
            if p == keep:
                continue
            try:
                if now - p.stat().st_mtime > STALE_SECONDS:
                    p.unlink()
                    gone.append(p)
            except OSError:
                continue
    return gone
