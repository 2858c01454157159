"""Putting a build's datasets into ``--out``: one build at a time, all files or a folder that says
it is incomplete, never a mix of two builds.

* ``lock(out)``: an exclusive flock on ``<out>/.xxgk-build.lock`` for the whole build. A second
  build refuses at once with :class:`BuildLocked`, naming the folder, rather than interleaving
  its files with the first one's. The lock file stays after the build: it marks the folder as
  a build output, whose datasets discovery never reads back as reports (``--raw X --out X``).
* ``stage(out)``: a fresh hidden folder ``<out>/.staging-<random>`` (a unique name per build)
  where the datasets are written; removed at the end whatever happens. Folders left by a
  killed build are removed when the next build takes the lock.
* ``publish(stage, out, files)``: seals the descriptor (the size and sha256 of every dataset
  file, each partition file of a partitioned dataset, and the dictionary in ``x_xxgk.files``
  of ``datapackage.json``; the exports derived from them, CSV, SQLite, DuckDB, are not
  hashed; Frictionless' own ``hash`` and ``bytes`` are not used because its parquet reader
  cannot check them), removes the old ``datapackage.json``, moves the earlier build's folders
  (``cells/`` …, ``csv/``) aside into the staging folder whole, so that no partition of a
  year the new build no longer has lingers, moves every other file into place
  (``os.replace``, atomic per file) and moves ``datapackage.json`` last. So at any instant, a folder whose ``datapackage.json`` is
  missing or whose files do not match its hashes is an unfinished build: :func:`check` says
  so, and the next build says so before replacing it.

The hashes depend on the bytes only, so reruns stay byte-identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

LOCK_NAME = ".xxgk-build.lock"
STAGING_PREFIX = ".staging-"
DESCRIPTOR = "datapackage.json"
UNSEALED = (DESCRIPTOR, "xxgk.duckdb", "xxgk.sqlite")  # the seal itself; databases derived from the sealed files
EXPORT_FOLDERS = ("csv",)
# Exports in sub-folders (csv/) are derived from the sealed files too, and are left out so that
# the descriptor does not depend on which exports a build was asked for. The partitioned
# datasets' folders (cells/year_part=2019/part-0.parquet …) are datasets: every file is sealed.


class BuildLocked(RuntimeError):
    """Another build holds the lock of this output folder."""


def output_names() -> frozenset[str]:
    """Names of the files a build writes into its output folder (a partitioned dataset: its
    folder; and the one file it was before it had a folder)."""
    from pipeline.datasets import datasets

    return frozenset(
        {d.path for d in datasets()}
        | {f"{d.name}.parquet" for d in datasets()}
        | {f"csv/{d.name}.csv" for d in datasets()}
        | {DESCRIPTOR, "data_dictionary.md", "xxgk.duckdb", "xxgk.sqlite", "csv/datapackage.json"}
    )


def outputs_in(folder: Path) -> frozenset[str]:
    """Paths (relative, posix) of the files a build wrote into `folder` (nothing when it is no
    build output): the usual ones and those its datapackage.json lists."""
    if not (folder / LOCK_NAME).is_file():
        return frozenset()
    try:
        listed = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))["x_xxgk"]["files"]
    except (OSError, ValueError, KeyError, TypeError):
        listed = {}
    return output_names() | frozenset(listed)


@contextlib.contextmanager
def lock(out: Path):
    import fcntl

    f = open(out / LOCK_NAME, "a+b")  # noqa: SIM115 - held for the build, closed in finally
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another xxgk build is writing to {out}; run this one when it has finished") from None
        for stale in out.glob(STAGING_PREFIX + "*"):  # left by a killed build: no one else can be using them now
            shutil.rmtree(stale, ignore_errors=True)
        yield
    finally:
        f.close()


@contextlib.contextmanager
def stage(out: Path):
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _seal(stage_dir: Path, files: list[Path]) -> None:
    from pipeline.datasets import write_json

    descriptor = stage_dir / DESCRIPTOR
    pkg = json.loads(descriptor.read_text(encoding="utf-8"))
    rels = sorted(p.relative_to(stage_dir).as_posix() for p in files)
    pkg.setdefault("x_xxgk", {})["files"] = {
        r: {"bytes": (stage_dir / r).stat().st_size, "sha256": _sha256(stage_dir / r)}
        for r in rels
        if r not in UNSEALED and r.split("/")[0] not in EXPORT_FOLDERS
    }
    write_json(pkg, descriptor)


def publish(stage_dir: Path, out: Path, files: list[Path]) -> list[Path]:
    """Move the staged `files` into `out`, the descriptor last; returns their new paths."""
    desc = stage_dir / DESCRIPTOR
    if desc.is_file():
        _seal(stage_dir, files)
    (out / DESCRIPTOR).unlink(missing_ok=True)  # from here on the folder says it is incomplete
    _clear_folders(stage_dir, out, files)
    moved = []
    for p in sorted(files, key=lambda p: p == desc):
        dest = out / p.relative_to(stage_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(p, dest)
        moved.append(dest)
    return moved


def _clear_folders(stage_dir: Path, out: Path, files: list[Path]) -> None:
    """A folder the build writes (a partitioned dataset's, csv/) replaces the earlier build's
    whole: the earlier one is moved into the staging folder, which goes at the end, so that a
    year no longer in the build leaves no file behind. The one file a partitioned dataset was
    before it had a folder (``cells.parquet`` beside ``cells/``) goes too."""
    tops = sorted({p.relative_to(stage_dir).parts[0] for p in files if len(p.relative_to(stage_dir).parts) > 1})
    for top in tops:
        old = out / top
        if old.is_dir() and not old.is_symlink():
            os.replace(old, Path(tempfile.mkdtemp(prefix=".old-", dir=stage_dir)) / top)
        (out / f"{top}.parquet").unlink(missing_ok=True)


def has_outputs(out: Path) -> bool:
    return any((out / n).exists() for n in output_names())


def check(out: Path) -> list[str]:
    """What is wrong with the datasets in `out`: nothing (an empty list) for a finished build."""
    desc = out / DESCRIPTOR
    if not desc.is_file():
        return [f"{out} holds no {DESCRIPTOR}: a build was interrupted before it finished"]
    try:
        pkg = json.loads(desc.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [f"{desc} cannot be read: {e}"]
    files = (pkg.get("x_xxgk") or {}).get("files")
    if not files:
        return [f"{desc} lists no file hashes: it was not written by a finished build of this version"]
    problems = []
    for name, want in sorted(files.items()):
        p = out / name
        if not p.is_file():
            problems.append(f"{name} is missing: a build was interrupted before it finished")
        elif want.get("sha256") != _sha256(p):
            problems.append(f"{name} does not match {DESCRIPTOR}: a build was interrupted or another one wrote it")
    return problems
