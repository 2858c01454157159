"""Compiled twins of the parser's hot modules: the same source, compiled, loaded only where
it is the source that is there now.

The text path spends its time in many small Python functions spread over a dozen
modules (row readings, table assembly, field segmentation, the text reader …), each
already written for the interpreter: no one loop dominates that a rewrite could win. So
the install (`pip install -e .`, or a wheel: setup.py) also compiles each module of
`MODULES`, unchanged, with Cython into ``parsers/_compiled/<name><suffix>``, and writes
beside it ``<name>.sha256``, the SHA-256 of the source it was made from. `install`, run by
``parsers/__init__``, puts a finder first on ``sys.meta_path`` that loads a module's
twin in its place only where that hash is the SHA-256 of the module's ``.py`` file now:
a module edited since the build runs as Python (slower, never its old compiled self)
until the next install compiles it again.

The Python modules stay the reference: where Cython or a C compiler is missing, or a
module does not compile, the build goes on without that twin. ``XXGK_PURE=1`` in the
environment loads no twin (tests/test_twins.py parses generated reports both ways and
requires the same output byte for byte); `loaded()` says which twins a process runs.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FOLDER = PACKAGE / "_compiled"

# the modules compiled (setup.py reads this tuple): dotted names under parsers
MODULES = (
    "alignment",
    "document",
    "extract_t2",
    "extract_t3",
    "extract_t4",
    "fields",
    "identities",
    "joint",
    "labels",
    "metadata",
    "readers.html",
    "readers.pdf",
    "readers.sniff",
    "readers.text",
    "readings",
    "report",
    "scope",
    "sections",
    "splitting",
    "tables",
    "traces",
    "values",
)


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def twin_path(name: str, folder: Path = FOLDER, package: Path = PACKAGE) -> Path | None:
    """The compiled twin of module `name` (a member of MODULES), if it was built from the
    module's source as it is now; else None."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    so = folder / (name.replace(".", "/") + suffix)
    stamp = folder / (name.replace(".", "/") + ".sha256")
    if not (so.is_file() and stamp.is_file()):
        return None
    source = package / (name.replace(".", "/") + ".py")
    try:
        return so if stamp.read_text().strip() == source_hash(source) else None
    except OSError:  # the source is gone: nothing to check the twin against
        return None


class _TwinFinder:
    """Finds parsers.<name> for the names of MODULES as their compiled twin (twin_path)."""

    def __init__(self) -> None:
        self.loaded: list[str] = []

    def find_spec(self, fullname: str, path=None, target=None):
        prefix = __package__ + "."
        if not fullname.startswith(prefix) or fullname[len(prefix) :] not in MODULES:
            return None
        so = twin_path(fullname[len(prefix) :])
        if so is None:
            return None
        self.loaded.append(fullname)
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(so))
        return importlib.util.spec_from_file_location(fullname, so, loader=loader)


_finder = _TwinFinder()


def install() -> None:
    """Put the twins' finder first on sys.meta_path (once), unless XXGK_PURE is set."""
    if os.environ.get("XXGK_PURE") or _finder in sys.meta_path:
        return
    sys.meta_path.insert(0, _finder)


def loaded() -> tuple[str, ...]:
    """The modules this process runs as compiled twins."""
    return tuple(_finder.loaded)


def c_module(name: str, api: int, fallback: str):
    """The hand-written C module `name` (parsers._rowloops, parsers.readers._pdfloops) where
    the install built it, else None: not built, ``XXGK_PURE`` set, or built from an older
    source (its ``API`` is not `api`), which warns that `fallback` runs until a rebuild. A
    module that is there but fails to load raises: a broken build is not a slow one."""
    if os.environ.get("XXGK_PURE") or importlib.util.find_spec(name) is None:
        return None
    import warnings

    mod = importlib.import_module(name)
    if getattr(mod, "API", None) != api:
        warnings.warn(
            f"{mod.__file__} was built from an older {name.rpartition('.')[2]}.c: {fallback} "
            "until `pip install -e .` rebuilds it",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return mod
