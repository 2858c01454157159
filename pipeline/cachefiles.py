"""Entries of a build's caches (``<out>/.cache/<kind>/<version>/``) that no longer serve.

Each cache keeps one folder per version of the code that writes it, and files named by a
digest of what they were made from. After a build, the folders of other versions and the
files this build did not look up are dead weight: a rebuild would never read them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def prune_unused(current: Path, used: set[Path], pattern: str) -> None:
    """Remove the sibling folders of `current` (other versions) and the files in it that
    match `pattern` but are not in `used`."""
    base = current.parent
    if base.is_dir():
        for d in base.iterdir():
            if d != current:
                shutil.rmtree(d, ignore_errors=True)
    if current.is_dir():
        for p in current.glob(pattern):
            if p not in used:
                p.unlink(missing_ok=True)


def put_file(path: Path, data: bytes) -> None:
    """Write a cache entry whole or not at all (temp file + rename), so that a build killed
    mid-write, or another process writing the same entry, never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
