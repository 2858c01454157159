"""Word segmentation of agency names, exactly as jieba cuts them (HMM off), from a table on disk.

The region resolver segments agency names with jieba's dictionary plus the register's
division names (`pipeline.regions`). Building that tokenizer costs about a second (jieba's
dictionary of 350,000 words, then 50,000 names added one by one), which `xxgk parse` of one
small file would pay before reading a byte. So the tokenizer's word table (every word and
every prefix of a word, with its frequency, and the total) is written once into the region
index's SQLite file in the user's cache folder (`pipeline.region_store`), and later
processes look words up there as they need them: opening it takes milliseconds, a name needs
a few hundred look-ups.

`Segmenter.cut` is jieba's ``Tokenizer.cut(sentence, HMM=False)``: the same blocks (runs of
Han characters, letters, digits and ``+#&._%-``; whitespace; anything else one character at
a time), the same word graph (DAG) and the same best route by log frequency, and single
letters or digits joined as jieba joins them. A test checks the two agree on register names.
"""

from __future__ import annotations

import re
import sqlite3
from math import log
from pathlib import Path

_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_ENG = re.compile(r"[a-zA-Z0-9]")


def create_word_table(db: sqlite3.Connection, freq: dict[str, int], total: int) -> None:
    """A tokenizer's word table (``word`` and the ``total`` in ``word_meta``) in `db`."""
    db.execute("CREATE TABLE word (w TEXT PRIMARY KEY, f INTEGER NOT NULL) WITHOUT ROWID")
    db.execute("CREATE TABLE word_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    db.executemany("INSERT INTO word VALUES (?, ?)", sorted(freq.items()))
    db.execute("INSERT INTO word_meta VALUES ('total', ?)", (total,))


def write_table(path: Path, freq: dict[str, int], total: int) -> None:
    """Write a tokenizer's word table alone into a new file."""
    db = sqlite3.connect(path)
    try:
        create_word_table(db, freq, total)
        db.commit()
    finally:
        db.close()


class Segmenter:
    """jieba's HMM-free cut over a word table made by `create_word_table` (a database or its file)."""

    def __init__(self, db: sqlite3.Connection | Path):
        if not isinstance(db, sqlite3.Connection):
            db = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        self._db = db
        self.total = self._db.execute("SELECT v FROM word_meta WHERE k = 'total'").fetchone()[0]
        self._logtotal = log(self.total)
        self._seen: dict[str, int | None] = {}

    SEEN_LIMIT = 1 << 18  # looked-up fragments remembered (~40 MB): a build reads a million texts

    def freq(self, word: str) -> int | None:
        """The word's frequency; 0 for a prefix of a word only; None when neither."""
        if word not in self._seen:
            if len(self._seen) >= self.SEEN_LIMIT:  # every text brings new fragments: memory would grow with the corpus
                self._seen.clear()
            row = self._db.execute("SELECT f FROM word WHERE w = ?", (word,)).fetchone()
            self._seen[word] = row[0] if row else None
        return self._seen[word]

    def _dag(self, s: str) -> dict[int, list[int]]:
        dag = {}
        n = len(s)
        for k in range(n):
            ends = []
            i = k
            frag = s[k]
            while i < n:
                f = self.freq(frag)
                if f is None:
                    break
                if f:
                    ends.append(i)
                i += 1
                frag = s[k : i + 1]
            dag[k] = ends or [k]
        return dag

    def _cut_block(self, s: str):
        dag = self._dag(s)
        n = len(s)
        route = {n: (0, 0)}
        for i in range(n - 1, -1, -1):
            route[i] = max((log(self.freq(s[i : x + 1]) or 1) - self._logtotal + route[x + 1][0], x) for x in dag[i])
        x, buf = 0, ""
        while x < n:
            y = route[x][1] + 1
            word = s[x:y]
            if len(word) == 1 and _ENG.match(word):
                buf += word
            else:
                if buf:
                    yield buf
                    buf = ""
                yield word
            x = y
        if buf:
            yield buf

    def cut(self, sentence: str, HMM: bool = False):  # noqa: N803 - jieba's keyword
        if HMM:
            raise ValueError("the on-disk segmenter cuts without the HMM only")
        for blk in _HAN.split(sentence):
            if not blk:
                continue
            if _HAN.match(blk):
                yield from self._cut_block(blk)
            else:
                for x in _SKIP.split(blk):
                    if _SKIP.match(x):
                        yield x
                    else:
                        yield from x
