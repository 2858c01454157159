"""Template regexes compiled once per machine, not once per process.

The label and heading patterns built from the templates (`labels.compile_alternatives`,
`sections`, `metadata`) are long (thousands of characters, a character class between every
two characters of a label) and Python's `re` takes about 0.25 s to compile the ones a report
needs — most of what `xxgk parse` of one file costs. The matching itself takes
milliseconds. `compile` keeps what `re`'s compiler makes of a pattern (the SRE code it hands
to the C engine) in one file in the cache folder (`parsers.cachedir`), and later processes
give that code to the engine directly.

Safety: an entry is stored only after the pattern built from it compared equal to
`re.compile` of the same pattern (`re.Pattern` equality compares flags, pattern and SRE
code); the file's name carries the interpreter's cache tag and the SRE engine's magic
number and code size, so code is only ever handed to the engine that made it; the engine
validates code it is given, and anything unexpected (another implementation, a changed
private API, a damaged file) falls back to `re.compile`. New entries are written when the
process exits, merged with the file's, atomically. Use it only for patterns made from the
program's own strings (templates), not from document text, so that the file stays small.
"""

from __future__ import annotations

import atexit
import marshal
import os
import re
import sys
from array import array
from pathlib import Path

from .cachedir import cache_dir, prune, touch

try:
    import _sre

    _ENGINE = f"{sys.implementation.cache_tag}-{_sre.MAGIC}-{_sre.CODESIZE}"
    _TYPECODE = next((t for t in "IL" if array(t).itemsize == _sre.CODESIZE), None)
except (ImportError, AttributeError):  # another implementation: plain re.compile
    _sre, _ENGINE, _TYPECODE = None, None, None

# A file past these starts over with this process's entries: checkouts of other versions
# add theirs (an entry is ~20 KB: a character class outside Latin-1 becomes a bitmap), and
# every process reads the whole file (about 1 ms per MB).
MAX_ENTRIES = 1000
MAX_BYTES = 12 * 2**20

_compiled: dict[tuple[str, int], re.Pattern] = {}
_stored: dict | None = None  # the file's entries, read on first use
_new: dict = {}


def path() -> Path:
    return cache_dir() / f"regex-{_ENGINE}.marshal"


def compile(pattern: str, flags: int = 0) -> re.Pattern:  # noqa: A001 - re.compile's name
    """`re.compile(pattern, flags)`, from the cache folder's SRE code when it has it."""
    flags = int(flags)
    key = (pattern, flags)
    got = _compiled.get(key)
    if got is None:
        got = _from_entry(pattern, _entries().get(key)) if _TYPECODE else None
        if got is None:
            got = re.compile(pattern, flags)
            entry = _entry_of(pattern, flags)
            if entry is not None and _from_entry(pattern, entry) == got:
                _new[key] = entry
                if len(_new) == 1:
                    atexit.register(save)
        _compiled[key] = got
    return got


def _entries() -> dict:
    global _stored
    if _stored is None:
        _stored = {}
        p = path()
        try:
            data = marshal.loads(p.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return _stored
        if isinstance(data, dict):
            _stored = data
            touch(p)
    return _stored


def _entry_of(pattern: str, flags: int) -> tuple | None:
    """What re's compiler hands the engine for `pattern`: (flags, code bytes, groups,
    groupindex, indexgroup); None where the private compiler API is not the one known."""
    if _TYPECODE is None or not isinstance(pattern, str):
        return None
    try:
        from re import _compiler, _parser

        p = _parser.parse(pattern, flags)
        code = _compiler._code(p, flags)
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for k, i in groupindex.items():
            indexgroup[i] = k
        return (
            flags | p.state.flags,
            array(_TYPECODE, code).tobytes(),
            p.state.groups - 1,
            groupindex,
            tuple(indexgroup),
        )
    except (ImportError, AttributeError, TypeError, ValueError, OverflowError):
        return None


def _from_entry(pattern: str, entry) -> re.Pattern | None:
    if not (isinstance(entry, tuple) and len(entry) == 5):
        return None
    flags, code, groups, groupindex, indexgroup = entry
    try:
        return _sre.compile(pattern, flags, array(_TYPECODE, code).tolist(), groups, groupindex, indexgroup)
    except (TypeError, ValueError, RuntimeError, OverflowError):  # RuntimeError: the engine refused the code
        return None


def save() -> None:
    """Write the entries this process compiled into the cache file (merged, atomically).
    Called at exit; a cache folder that cannot be written is left as it is."""
    if not _new:
        return
    p = path()
    try:
        merged = marshal.loads(p.read_bytes())
        if not isinstance(merged, dict) or len(merged) + len(_new) > MAX_ENTRIES:
            merged = {}
    except (OSError, EOFError, ValueError, TypeError):
        merged = {}
    merged.update(_new)
    data = marshal.dumps(merged)
    if len(data) > MAX_BYTES:
        data = marshal.dumps(_new)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, p)
    except OSError:
        tmp.unlink(missing_ok=True)
        return
    _new.clear()
    prune(p, "regex-*.marshal")
