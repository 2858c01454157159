"""Copy detection: which reports repeat another report's text, and where.

Annual reports are often written by editing last year's report, or by filling in a model
text that a county hands to its townships and departments. This module finds both:

* **same_publisher**: every kept report is compared with each earlier report of the same
  publisher (all earlier years; the pairs are few, so every one is compared exactly and
  written, a low score included: it says the text was rewritten);
* **same_region**: every kept report is compared with the other publishers' reports of the
  same year and region (the county; for a body above county level, its city or province).
  These groups can hold hundreds of reports, so candidates come from MinHash signatures
  with LSH banding (`BANDS` × `ROWS`) and only candidates are compared exactly; pairs
  scoring at least `MIN_SCORE` are written.

No pair crosses a *shard* (`shards`: the reports linked by publisher or by region-year, in
practice a county and its units over all years), so shards are compared one at a time, in
parallel in a large build, and a rebuild compares again only the shards that changed.

**Memory does not grow with the corpus.** The build's step (`write`) holds nothing per
report: the reports to compare (`Item`: id, publisher, region, year) and their shares wait in
an `ItemStore`, the texts and their places and digests in a `TextStore` (files beside the
datasets; SQLite for what is looked up by id). Shards are found by a union-find over the
reports' row numbers (8 bytes a report), joined in SQLite's sort orders by publisher and by
region-year, and read back one at a time, their
order paged from the same file; only the shard being compared is in memory, as `Item`s, and
of the others one byte each (whether it is compared again: `shard_results`); the shard cache
entries a build used are noted in the build's working store. A shard reads its texts one
at a time, segments each once and keeps of it in memory only its signature (`NUM_PERM` × 8
bytes); the token arrays wait in a temporary file
(`FingerprintSpill`) from which the pairs reload them, at most `FP_LOADED` at once, and a
report's covered text is a list of token ranges until its share is taken. Rows go to
temporary files by report id range (`RowSpill`), each sorted and written in turn;
``reports.parquet`` is rewritten one row group at a time. Signatures are made per shard rather
than as the sections are read so that a shard found in the cache is never segmented.

**What is compared.** A report's text is its sections' texts in order, joined by a newline
(``"\\n".join(sections.text)`` of `sections/` sorted by ``seq``): every offset below
counts characters of that string. It is segmented with jieba; punctuation and spaces are
dropped; every number and date is masked (digits, full-width digits, Chinese numerals
before 年/月/日/件/条…) and a run of masked tokens becomes one ``#`` — so a report copied
with its figures changed compares as a copy. Text the template prescribes is not copying:
a run of at least `TEMPLATE_RUN` tokens made only of words of the template's labels (the
flattened tables 二, 三, 四 that sections hold) and masked numbers is left out.

**Scores.** Shingles are `SHINGLE` consecutive tokens, hashed to 64 bits (blake2b per
distinct word, then a splitmix64 chain). ``score`` is the exact Jaccard similarity of the
two reports' shingle sets. A *passage* is a run of consecutive shingles that the other
report has in the same order, at least `MIN_PASSAGE` tokens long; ``share`` is the part of
a report's compared characters that lie in passages shared with the other report.
``boilerplate_share`` of a report (in `reports.parquet`) is the part of its compared
characters that lie in passages shared with its own publisher's *earlier* reports or with
another publisher's report of the same region and year: text it did not write for itself.
A report is never counted as copying from its successors.

Why our own MinHash rather than `datasketch`: our shingles are already 64-bit integers in
numpy arrays, so a signature is one vectorised min over `NUM_PERM` mixed hashes, and LSH
banding is a dictionary of band hashes; datasketch would re-hash every shingle in Python
and add a dependency for twenty lines.

    write(out)  # a step of the build (`pipeline.datasets.write_all`, once the parquet files
                # are written, before the exports): reads reports and sections, writes
                # similarity.parquet and fills reports.boilerplate_share
    similar_texts(a, b)  # two texts directly: .score, .passages, .share_a, .share_b
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import zlib
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pipeline.cachefiles import prune_unused
from pipeline.memory import release
from pipeline.scratch import insert, scratch_db

SHINGLE = 5  # tokens per shingle
MIN_PASSAGE = 8  # tokens: a shared passage shorter than this is a common phrase, not copying
TEMPLATE_RUN = 6  # tokens of template words (and numbers) in a row: a flattened table
NUM_PERM = 120
BANDS, ROWS = 40, 3  # LSH: pairs with Jaccard 0.4 become candidates with probability 0.93, 0.5: 0.99
MIN_SCORE = 0.4  # same_region pairs written from this score
POOL_MIN = 2000  # kept reports from which the build compares shards in parallel (a pool costs seconds to start)
WINDOW = 8  # shard tasks a worker may have queued or running: results come back as fast as they are written
NUMBER = "#"

_U64 = np.uint64
_M1, _M2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
_SEEDS = np.frombuffer(hashlib.blake2b(b"xxgk minhash", digest_size=64).digest() * 15, dtype="<u8")[:NUM_PERM].copy()
_SEEDS ^= np.arange(NUM_PERM, dtype=np.uint64) * _U64(0x9E3779B97F4A7C15)

_DIGITS = re.compile(r"[0-9０-９]+")
_NUMERALS = re.compile(r"[〇零一二三四五六七八九十百千万亿两]+")
_NUMERAL_TOKEN = re.compile(r"^[〇零一二三四五六七八九十百千万亿两]+[年月日号时分秒件条个项次人份家万亿元]?$")
_WORD = re.compile(r"\w")


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 arithmetic wraps, as it must)."""
    z = (z ^ (z >> _U64(30))) * _M1
    z = (z ^ (z >> _U64(27))) * _M2
    return z ^ (z >> _U64(31))


# =============================================================================== tokens


@cache
def _tokenizer():
    import jieba

    log = logging.getLogger("jieba")
    old = log.level
    log.setLevel(logging.WARNING)  # jieba announces its dictionary on stderr
    try:
        tok = jieba.Tokenizer()
        tok.initialize()
    finally:
        log.setLevel(old)
    return tok


def mask(word: str) -> str | None:
    """The comparable form of one jieba token: None for punctuation and spaces, ``#`` for a
    number or date (2021, １２, 12.5, 二〇二一, 十二月), digits inside a word masked."""
    w = unicodedata.normalize("NFKC", word)
    if not _WORD.search(w):
        return None
    if _NUMERAL_TOKEN.match(w):
        return NUMBER
    w = _DIGITS.sub(NUMBER, w)
    return NUMBER if not w.strip(NUMBER + ".,%") else w


@cache
def template_words() -> frozenset[str]:
    """Every word of the template definitions' labels, captions and notes (national,
    variants, pre-2019): the vocabulary of the flattened tables."""
    from parsers.templates import pre2019, spec, variants

    words: set[str] = set()

    def walk(x):
        if isinstance(x, str):
            if re.search(r"[\u4e00-\u9fff]", x):
                words.update(m for w in _tokenizer().lcut(x) if (m := mask(w)))
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(k)
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    for d in (spec(), variants(), pre2019()):
        walk(d)
    words.discard(NUMBER)
    return frozenset(words)


@dataclass(frozen=True)
class Tokens:
    """A text's comparable tokens with their character spans in the text."""

    words: tuple[str, ...]
    start: np.ndarray  # int64, character offset of each token
    end: np.ndarray

    @property
    def n_chars(self) -> int:
        return int((self.end - self.start).sum())


def tokenize(text: str) -> Tokens:
    """Segment, mask numbers, merge runs of numbers, drop template runs (see the module doc)."""
    words: list[str] = []
    spans: list[list[int]] = []
    for w, s, e in _tokenizer().tokenize(text or "", HMM=False):
        m = mask(w)
        if m is None:
            continue
        if m == NUMBER and words and words[-1] == NUMBER:
            spans[-1][1] = e  # 2 0 2 1 / 12 . 5: one number
            continue
        words.append(m)
        spans.append([s, e])
    keep = _outside_template_runs(words)
    words = [w for w, k in zip(words, keep) if k]
    spans = [s for s, k in zip(spans, keep) if k]
    arr = np.array(spans, dtype=np.int64).reshape(-1, 2)
    return Tokens(tuple(words), arr[:, 0].copy(), arr[:, 1].copy())


def _outside_template_runs(words: list[str]) -> list[bool]:
    vocab = template_words()
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        if words[i] in vocab or words[i] == NUMBER:
            j = i
            while j < len(words) and (words[j] in vocab or words[j] == NUMBER):
                j += 1
            if j - i >= TEMPLATE_RUN:
                keep[i:j] = [False] * (j - i)
            i = j
        else:
            i += 1
    return keep


# =============================================================================== fingerprints

_WORD_HASH: dict[str, int] = {}


def _word_hash(w: str) -> int:
    h = _WORD_HASH.get(w)
    if h is None:
        h = int.from_bytes(hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest(), "little")
        if len(_WORD_HASH) < 2_000_000:
            _WORD_HASH[w] = h
    return h


@dataclass(frozen=True)
class Fingerprint:
    """What a report is compared by: its tokens' character spans (not the words: a million
    fingerprints must fit in memory), the hash of the shingle starting at each token (in
    order), the sorted distinct shingles and their MinHash signature."""

    start: np.ndarray  # int32, character offset of each token
    end: np.ndarray
    seq: np.ndarray  # uint64, one per shingle position
    shingles: np.ndarray  # uint64, sorted, distinct
    signature: np.ndarray  # uint64, NUM_PERM

    @property
    def empty(self) -> bool:
        return len(self.shingles) == 0

    @property
    def n_tokens(self) -> int:
        return len(self.start)

    def share(self, covered: np.ndarray) -> float:
        """Part of the compared characters inside the tokens marked `covered`."""
        lengths = self.end - self.start
        n = int(lengths.sum())
        return float(lengths[covered].sum() / n) if n else 0.0


def fingerprint(text: str) -> Fingerprint:
    toks = tokenize(text)
    hs = np.fromiter((_word_hash(w) for w in toks.words), dtype=np.uint64, count=len(toks.words))
    n = len(hs) - SHINGLE + 1
    start, end = toks.start.astype(np.int32), toks.end.astype(np.int32)
    if n <= 0:
        empty = np.zeros(0, dtype=np.uint64)
        return Fingerprint(start, end, empty, empty, np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64))
    seq = np.zeros(n, dtype=np.uint64)
    for j in range(SHINGLE):
        seq = _mix(seq ^ hs[j : j + n])
    shingles = np.unique(seq)
    return Fingerprint(start, end, seq, shingles, _signature(shingles))


def _signature(shingles: np.ndarray, chunk: int = 4096) -> np.ndarray:
    sig = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for i in range(0, len(shingles), chunk):  # bounded memory for very long texts
        part = _mix(shingles[None, i : i + chunk] ^ _SEEDS[:, None]).min(axis=1)
        np.minimum(sig, part, out=sig)
    return sig


# =============================================================================== comparison


@dataclass(frozen=True)
class Comparison:
    score: float  # Jaccard of the shingle sets
    passages: tuple[tuple[int, int, int, int], ...]  # token ranges (a_start, a_end, b_start, b_end), end exclusive
    share_a: float
    share_b: float
    covered_a: np.ndarray  # bool per token of a: inside a shared passage
    covered_b: np.ndarray


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    if a.empty or b.empty:
        return 0.0
    inter = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    return inter / (len(a.shingles) + len(b.shingles) - inter)


def compare(a: Fingerprint, b: Fingerprint) -> Comparison:
    """Exact score and shared passages of two fingerprints."""
    passages = tuple(_passages(a, b)) if not (a.empty or b.empty) else ()
    ca = np.zeros(a.n_tokens, dtype=bool)
    cb = np.zeros(b.n_tokens, dtype=bool)
    for i0, i1, j0, j1 in passages:
        ca[i0:i1] = True
        cb[j0:j1] = True
    return Comparison(jaccard(a, b), passages, a.share(ca), b.share(cb), ca, cb)


def _passages(a: Fingerprint, b: Fingerprint) -> Iterator[tuple[int, int, int, int]]:
    """Greedy left-to-right alignment: from each shingle of a that b has, follow both texts
    while their shingles agree (b from its first occurrence of that shingle)."""
    hits = np.flatnonzero(np.isin(a.seq, b.shingles, assume_unique=False))
    if not len(hits):
        return
    first: dict[int, int] = {}
    for j, h in enumerate(b.seq.tolist()):
        first.setdefault(h, j)
    aseq, bseq = a.seq.tolist(), b.seq.tolist()
    na, nb = len(aseq), len(bseq)
    done = 0
    for i in hits.tolist():
        if i < done:
            continue
        j = first[aseq[i]]
        n = 1
        while i + n < na and j + n < nb and aseq[i + n] == bseq[j + n]:
            n += 1
        done = i + n
        if n + SHINGLE - 1 >= MIN_PASSAGE:
            yield (i, i + n + SHINGLE - 1, j, j + n + SHINGLE - 1)


def char_passages(a: Fingerprint, b: Fingerprint, c: Comparison) -> str | None:
    """The passages as character offsets in each report's text:
    ``a_start-a_end:b_start-b_end`` joined by ``;`` (end exclusive)."""
    out = [f"{a.start[i0]}-{a.end[i1 - 1]}:{b.start[j0]}-{b.end[j1 - 1]}" for i0, i1, j0, j1 in c.passages]
    return ";".join(out) or None


# =============================================================================== which pairs


@dataclass(frozen=True, slots=True)
class Item:
    """One kept report as the comparison needs it (a million of them are held: no dict)."""

    report_id: str
    publisher: str | None
    region: tuple | None  # (province, city, county) names, the last set ones only
    year: int | None


def lsh_candidates(sigs: list[np.ndarray]) -> set[tuple[int, int]]:
    """Index pairs (i < j) that agree on at least one band of their signatures."""
    out: set[tuple[int, int]] = set()
    if len(sigs) < 2:
        return out
    m = np.stack(sigs)
    for b in range(BANDS):
        band = m[:, b * ROWS : (b + 1) * ROWS]
        buckets: dict[bytes, list[int]] = {}
        for i, row in enumerate(band):
            buckets.setdefault(row.tobytes(), []).append(i)
        for members in buckets.values():
            if len(members) > 1:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        out.add((members[x], members[y]))
    return out


def pairs(items: list[Item], signatures: Mapping[str, np.ndarray | None]) -> Iterator[tuple[str, str, str]]:
    """(report_id, other_report_id, relation) for every pair to compare exactly: each report
    with its publisher's earlier reports, and the LSH candidates among other publishers'
    reports of its region and year. `signatures`: each item's MinHash signature, None where
    its text has nothing to compare. Sorted, so the output is deterministic."""
    by_pub: dict[str, list[Item]] = {}
    by_region: dict[tuple, list[Item]] = {}
    for it in items:
        if it.year is None or signatures[it.report_id] is None:
            continue
        if it.publisher:
            by_pub.setdefault(it.publisher, []).append(it)
        if it.region:
            by_region.setdefault((it.region, it.year), []).append(it)
    out = []
    for pub in sorted(by_pub):
        group = sorted(by_pub[pub], key=lambda i: (i.year, i.report_id))
        for x in group:
            out += [(x.report_id, y.report_id, "same_publisher") for y in group if y.year < x.year]
    for key in sorted(by_region, key=repr):
        group = sorted(by_region[key], key=lambda i: i.report_id)
        for i, j in sorted(lsh_candidates([signatures[g.report_id] for g in group])):
            a, b = group[i], group[j]
            if a.publisher is None or a.publisher != b.publisher:
                out.append((a.report_id, b.report_id, "same_region"))
    yield from out


def region_of(province, city, county) -> tuple | None:
    """The group a publisher is compared within: its county, or for a body above county
    level its city, or its province."""
    parts = tuple(x if isinstance(x, str) and x else None for x in (province, city, county))
    if not any(parts):
        return None
    return parts


def shards(items: list[Item]) -> list[list[Item]]:
    """The items split into groups that no compared pair crosses: the connected components of
    "same publisher" and "same region and year" (in practice a county with its units, all
    years). Each is compared on its own (`compare_shard`), so shards run in parallel and a
    rebuild compares only the shards that changed."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, it in enumerate(items):
        keys = ([("p", it.publisher)] if it.publisher else []) + ([("r", it.region, it.year)] if it.region else [])
        for k in keys:
            j = first.setdefault(k, i)
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Item]] = {}
    for i, it in enumerate(items):
        groups.setdefault(find(i), []).append(it)
    return sorted((sorted(g, key=lambda it: it.report_id) for g in groups.values()), key=lambda g: g[0].report_id)


# =============================================================================== one shard

FP_LOADED = 64  # whole fingerprints a shard keeps in memory at once (the least recently used go)


class FingerprintSpill:
    """A shard's fingerprints in an unnamed temporary file, read back pair by pair. Memory
    holds each report's signature (`NUM_PERM` × 8 bytes) and at most `FP_LOADED` whole
    fingerprints, however large the shard: a county's hundreds of reports over fifteen years
    are compared without their token arrays all in memory, and each text is segmented once."""

    def __init__(self, directory: Path | str | None = None, loaded: int | None = None):
        self._f = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed by close()
        self._where: dict[str, tuple[int, int, int, int]] = {}  # id -> offset, tokens, shingle positions, shingles
        self.signatures: dict[str, np.ndarray | None] = {}  # None: fewer tokens than a shingle
        self._loaded: OrderedDict[str, Fingerprint] = OrderedDict()
        self._keep = loaded or FP_LOADED

    def add(self, rid: str, fp: Fingerprint) -> None:
        self._f.seek(0, 2)
        self._where[rid] = (self._f.tell(), fp.n_tokens, len(fp.seq), len(fp.shingles))
        for a in (fp.start, fp.end, fp.seq, fp.shingles):
            self._f.write(np.ascontiguousarray(a).tobytes())
        self.signatures[rid] = None if fp.empty else fp.signature

    def __getitem__(self, rid: str) -> Fingerprint:
        fp = self._loaded.get(rid)
        if fp is not None:
            self._loaded.move_to_end(rid)
            return fp
        off, n, m, k = self._where[rid]
        self._f.seek(off)
        buf = self._f.read(8 * n + 8 * m + 8 * k)
        sig = self.signatures[rid]
        fp = Fingerprint(
            np.frombuffer(buf, np.int32, n, 0),
            np.frombuffer(buf, np.int32, n, 4 * n),
            np.frombuffer(buf, np.uint64, m, 8 * n),
            np.frombuffer(buf, np.uint64, k, 8 * n + 8 * m),
            sig if sig is not None else _NO_SIGNATURE,
        )
        self._loaded[rid] = fp
        if len(self._loaded) > self._keep:
            self._loaded.popitem(last=False)
        return fp

    def close(self) -> None:
        self._loaded.clear()
        self._f.close()

    def __enter__(self) -> FingerprintSpill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_NO_SIGNATURE = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
_NO_SIGNATURE.flags.writeable = False


def compare_shard(
    items: list[Item], texts: Mapping[str, str], spill_dir: Path | str | None = None
) -> tuple[list[dict], dict[str, float]]:
    """Similarity rows (see `SIMILARITY` in pipeline.datasets) and each compared report's
    boilerplate_share, for the items of one shard (or any set of items: pairs never leave it).
    Each text is read from `texts` once, fingerprinted and let go; the fingerprints wait in a
    `FingerprintSpill` (a temporary file in `spill_dir`); a report's covered text is kept as
    token ranges until its share is taken."""
    year = {it.report_id: it.year for it in items}
    with FingerprintSpill(spill_dir) as fps:
        for it in items:
            fps.add(it.report_id, fingerprint(texts.get(it.report_id) or ""))
        sig = fps.signatures
        covered: dict[str, list[tuple[int, int]]] = {}
        rows = []
        for a, b, rel in pairs(items, sig):
            if rel == "same_region" and _estimate(sig[a], sig[b]) < MIN_SCORE - 0.15:
                continue  # the signatures say far below the threshold: skip the exact comparison
            fa, fb = fps[a], fps[b]
            c = compare(fa, fb)
            if rel == "same_region" and c.score < MIN_SCORE:
                continue
            covered.setdefault(a, []).extend((p[0], p[1]) for p in c.passages)
            if rel == "same_region":
                covered.setdefault(b, []).extend((p[2], p[3]) for p in c.passages)
            rows.append(
                {
                    "report_id": a,
                    "other_report_id": b,
                    "relation": rel,
                    "year": year[a],
                    "other_year": year[b],
                    "score": round(c.score, 6),
                    "share": round(c.share_a, 6),
                    "other_share": round(c.share_b, 6),
                    "n_passages": len(c.passages),
                    "passages": char_passages(fa, fb, c),
                }
            )
        share = {rid: _share(fps, rid, covered.get(rid)) for rid, s in sig.items() if s is not None}
    return rows, share


def _share(fps: FingerprintSpill, rid: str, ranges: list[tuple[int, int]] | None) -> float:
    if not ranges:
        return 0.0  # nothing covered: 0 characters of a text that has some
    fp = fps[rid]
    mask_ = np.zeros(fp.n_tokens, dtype=bool)
    for i0, i1 in ranges:
        mask_[i0:i1] = True
    return round(fp.share(mask_), 6)


def _estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


# =============================================================================== texts on disk


class TextStore(Mapping):
    """Report texts in a file on disk, by report id: the similarity step reads them one at a
    time, so that a build never holds the corpus's text in memory. Where each text lies (offset,
    length) and its digest (the shard cache's key) are kept in a SQLite file beside it, not in
    memory either. A worker process reads its shard's texts from the same file."""

    BATCH = 4096  # index rows inserted at once

    def __init__(self, path: Path):
        self.path = Path(path)
        self._f = open(self.path, "w+b")  # noqa: SIM115 - open for the store's life, closed by close()
        self._db_path = self.path.with_name(self.path.name + ".sqlite")
        self.db = scratch_db(self._db_path)
        self.db.execute(
            "CREATE TABLE texts (rid TEXT PRIMARY KEY, off INTEGER, len INTEGER, digest TEXT) WITHOUT ROWID"
        )
        self._held: list[tuple] = []

    def add(self, rid: str, text: str) -> None:
        """A report's text; a report met twice is an error (ValueError)."""
        b = text.encode("utf-8")
        self._f.seek(0, 2)
        self._held.append((rid, self._f.tell(), len(b), hashlib.blake2b(b, digest_size=12).hexdigest()))
        self._f.write(b)
        if len(self._held) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self._held:
            self._f.flush()
            try:
                insert(self.db, "INSERT INTO texts VALUES (?, ?, ?, ?)", self._held)
            except sqlite3.IntegrityError:
                raise ValueError(
                    f"{self.path}: a report's text was added twice (its sections are not consecutive rows)"
                ) from None
            self._held = []

    def where(self, rid: str) -> tuple[int, int] | None:
        """(offset, length in bytes) of a report's text in the file."""
        self.flush()
        got = self.db.execute("SELECT off, len FROM texts WHERE rid = ?", (rid,)).fetchone()
        return tuple(got) if got else None

    def digest(self, rid: str) -> str | None:
        self.flush()
        got = self.db.execute("SELECT digest FROM texts WHERE rid = ?", (rid,)).fetchone()
        return got[0] if got else None

    def __contains__(self, rid: object) -> bool:
        return self.where(rid) is not None  # type: ignore[arg-type]

    def __getitem__(self, rid: str) -> str:
        at = self.where(rid)
        if at is None:
            raise KeyError(rid)
        self._f.seek(at[0])
        return self._f.read(at[1]).decode("utf-8")

    def __iter__(self):
        self.flush()
        return (rid for (rid,) in self.db.execute("SELECT rid FROM texts ORDER BY rid").fetchall())

    def __len__(self) -> int:
        self.flush()
        return self.db.execute("SELECT count(*) FROM texts").fetchone()[0]

    def close(self) -> None:
        self._f.close()
        self.db.close()
        self.path.unlink(missing_ok=True)
        self._db_path.unlink(missing_ok=True)


class _FileTexts(Mapping):
    """A shard's texts in a worker process: read from a `TextStore`'s file one at a time."""

    def __init__(self, path: str, where: dict[str, tuple[int, int]]):
        self._f = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._where = where

    def __getitem__(self, rid: str) -> str:
        off, n = self._where[rid]
        self._f.seek(off)
        return self._f.read(n).decode("utf-8")

    def __iter__(self):
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def close(self) -> None:
        self._f.close()


def _shard_job(job: tuple) -> tuple[int, tuple[list[dict], dict[str, float]]]:
    i, shard, texts, spill_dir = job
    if isinstance(texts, tuple):  # (path of a TextStore, offsets): read here, not shipped
        texts = _FileTexts(*texts)
        try:
            return i, compare_shard(shard, texts, spill_dir)
        finally:
            texts.close()
    return i, compare_shard(shard, texts, spill_dir)


# =============================================================================== all shards


@cache
def version() -> str:
    """What decides a shard's result besides its texts: this module's code, the template
    words (the parser's template files) and jieba's dictionary."""
    import jieba

    from pipeline.build import parser_version

    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"{parser_version()}|{getattr(jieba, '__version__', '?')}".encode())
    return h.hexdigest()[:16]


class ShardCache:
    """Shard results (rows and shares) by a digest of the shard (its items and their texts'
    digests) under ``<cache>/similarity/<version>/``: a rebuild compares only the shards
    that changed. Entries of shards no longer met are removed at `prune`."""

    def __init__(self, base: Path, used=None):
        self.dir = Path(base) / "similarity" / version()
        self.used = set() if used is None else used  # a build's `buildstore.UsedSet`: held on disk

    def key(self, shard: list[Item], digest: Callable[[str], str | None]) -> Path:
        items = [
            [it.report_id, it.publisher, list(it.region) if it.region else None, it.year, digest(it.report_id)]
            for it in shard
        ]
        k = hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()
        p = self.dir / k[:2] / f"{k}.json.gz"
        self.used.add(p)
        return p

    @staticmethod
    def get(p: Path):
        try:
            rows, share = json.loads(gzip.decompress(p.read_bytes()))
            return rows, share
        except (OSError, ValueError, EOFError, zlib.error, TypeError):
            return None

    @staticmethod
    def put(p: Path, result) -> None:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        tmp.write_bytes(gzip.compress(json.dumps(result, ensure_ascii=False).encode(), compresslevel=3, mtime=0))
        os.replace(tmp, p)

    def prune(self) -> None:
        prune_unused(self.dir, self.used, "*/*.json.gz")


def shard_results(
    items: list[Item],
    texts: Mapping[str, str],
    workers: int = 1,
    cache_dir: Path | None = None,
    spill_dir: Path | str | None = None,
    used=None,
) -> Iterator[tuple[list[dict], dict[str, float]]]:
    """`compare_shard`'s result for every shard, one at a time as they are ready (in no set
    order), in `workers` processes. `texts`: any mapping, or a `TextStore` (each worker then
    reads its shard's texts from the file); `cache_dir` (with a TextStore): shard results are
    kept there and reused, `used` (a set, or one on disk) collecting the entries this build
    used; `spill_dir`: where the shards' fingerprints wait (a temporary file).

    Nothing here is held per shard but one byte (whether it is compared again): a fresh
    national build has hundreds of thousands of shards, and a cache path each grew the build
    by about 40 MiB per 100,000 reports. A compared shard's cache key is made again when the
    shard is read the second time, and travels with its job (`_compare_shards`)."""
    groups = items if isinstance(items, ItemStore) else shards(items)
    store = texts if isinstance(texts, TextStore) else None
    cache_ = ShardCache(cache_dir, used) if cache_dir is not None and store is not None else None
    again = bytearray()  # per shard in order: 1 when it is compared (no usable cache entry)
    for shard in groups:
        if cache_ is not None:
            p = cache_.key(shard, store.digest)
            got = cache_.get(p)
            if got is not None:
                again.append(0)
                yield got
                continue
        again.append(1)
    todo = (  # the shards read again, lazily, each with its cache entry's path (None: no cache)
        ((cache_.key(shard, store.digest) if cache_ is not None else None), shard)
        for i, shard in enumerate(groups)
        if again[i]
    )
    for key, result in _compare_shards(todo, texts, store, workers, spill_dir):
        if key is not None:
            ShardCache.put(key, result)
        yield result
    if cache_ is not None:
        cache_.prune()


def _compare_shards(
    todo: Iterable[tuple[object, list[Item]]],
    texts: Mapping[str, str],
    store: TextStore | None,
    workers: int,
    spill_dir,
) -> Iterator[tuple[object, tuple[list[dict], dict[str, float]]]]:
    """`compare_shard` of each `(tag, shard)` of `todo`, as `(tag, result)`: in this process,
    or in a pool of `workers`, in order either way."""
    todo = iter(todo)  # read as the pool takes shards: they may come from a store on disk
    head = list(itertools.islice(todo, 2))
    todo = itertools.chain(head, todo)
    if not (workers > 1 and len(head) > 1):
        for i, shard in todo:  # texts read one at a time from the mapping itself
            yield i, compare_shard(shard, texts, spill_dir)
        return
    import multiprocessing as mp

    def job(i, shard: list[Item]) -> tuple:
        if store is not None:
            where = {it.report_id: at for it in shard if (at := store.where(it.report_id)) is not None}
            return i, shard, (str(store.path), where), spill_dir
        return i, shard, {it.report_id: texts.get(it.report_id) or "" for it in shard}, spill_dir

    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    n = workers
    with ctx.Pool(n) as pool:
        # at most WINDOW tasks a worker in flight: Pool.imap_unordered would make every job
        # (its shard's items and text index) at once and queue results without a bound
        jobs = (job(i, sh) for i, sh in todo)
        pending = deque(pool.apply_async(_shard_job, (j,)) for j in itertools.islice(jobs, WINDOW * n))
        while pending:
            result = pending.popleft().get()
            pending.extend(pool.apply_async(_shard_job, (j,)) for j in itertools.islice(jobs, 1))
            yield result


def compare_all(
    items: list[Item], texts: Mapping[str, str], workers: int = 1, cache_dir: Path | None = None
) -> tuple[list[dict], dict[str, float]]:
    """Every shard's rows (sorted by pair) and shares at once, for users and tests; the
    build streams them instead (`write`)."""
    rows: list[dict] = []
    share: dict[str, float] = {}
    for r, s in shard_results(items, texts, workers=workers, cache_dir=cache_dir):
        rows += r
        share.update(s)
    return sorted(rows, key=lambda r: (r["report_id"], r["other_report_id"])), share


# =============================================================================== the build's hook


def store_texts(sections_path: Path, store: TextStore, batch: int = 2048) -> None:
    """Each report's text into `store`, read from a sections file (or folder of files) batch by
    batch: the build writes a report's sections together, in seq order, so they are
    consecutive rows."""
    import pyarrow.dataset as pads

    from pipeline import datasets as D

    run_id, run = None, []

    def flush():
        if run_id is not None:  # a report met twice: TextStore.flush raises ValueError
            store.add(run_id, "\n".join(t for _, t in sorted(run)))

    def batches():  # file by file, row group by row group (a dataset scanner reads ahead several)
        for path in pads.dataset(str(sections_path), format="parquet").files:
            with D.row_group_reader(path) as f:
                yield from f.iter_batches(batch_size=batch, columns=["report_id", "seq", "text"], use_threads=False)

    for n, b in enumerate(batches()):
        if n % 4 == 3:
            release()  # the texts freed: glibc's heap kept them, more the more texts (`pipeline.memory`)
        for rid, seq, text in zip(*(b.column(i).to_pylist() for i in range(3))):
            if rid != run_id:
                flush()
                run_id, run = rid, []
            run.append((seq, text if isinstance(text, str) else ""))
    flush()
    store.flush()


def read_items(reports_path: Path, batch: int = 8192) -> list[Item]:
    """The kept reports of a reports file as comparison items (publisher: publisher_id where
    the build has it, else agency_id), read batch by batch; a publisher's name and a region
    are one object however many reports share them."""
    return list(iter_items(reports_path, batch))


def iter_items(reports_path: Path, batch: int = 8192) -> Iterator[Item]:
    """`read_items` one at a time."""
    from pipeline import datasets as D

    f = D.row_group_reader(reports_path)
    present = set(f.schema_arrow.names)
    pub = "publisher_id" if "publisher_id" in present else "agency_id"
    cols = ["report_id", "status", pub, "province", "city", "county", "year"]
    try:
        # no Arrow threads: what glibc's arenas kept of their buffers grew with the file (`pipeline.memory`)
        for b in f.iter_batches(batch_size=batch, columns=[c for c in cols if c in present], use_threads=False):
            col = {c: b.column(c).to_pylist() if c in present else [None] * b.num_rows for c in cols}
            one: dict = {}  # a publisher's name and a region: one object for a batch's reports
            for k in range(b.num_rows):
                if col["status"][k] != "kept":
                    continue
                p, y = col[pub][k], col["year"][k]
                region = region_of(col["province"][k], col["city"][k], col["county"][k])
                yield Item(
                    col["report_id"][k],
                    one.setdefault(p, p) if isinstance(p, str) else None,
                    one.setdefault(region, region),
                    None if y is None else int(y),
                )
    finally:
        f.close()


class RowSpill:
    """The similarity rows in `report_id, other_report_id` order without holding them all:
    rows go to temporary files by report id range (`BUCKET` reports each, as arrow batches);
    at the end each file is read back, sorted and written out in turn."""

    BUCKET = 8192  # reports per file: their rows are what is sorted in memory at once
    BUFFER = 2048  # rows held (as dicts) before they go to their files

    def __init__(self, directory: Path, bounds: list[str]):
        """`bounds`: the first report id of each file but the first (every `BUCKET`-th id in
        order: `ItemStore.bounds`)."""
        from pipeline import datasets as D

        self.dir = Path(tempfile.mkdtemp(prefix=".similarity-rows-", dir=directory))
        self.bounds = bounds
        self.schema = D.arrow_schema(D.SIMILARITY.name)
        self.held: dict[int, list[dict]] = {}
        self.n_held = 0
        self.files: dict[int, tuple] = {}  # bucket -> (file, arrow stream writer)

    def add(self, rows: list[dict]) -> None:
        for r in rows:
            self.held.setdefault(bisect.bisect_right(self.bounds, r["report_id"]), []).append(r)
        self.n_held += len(rows)
        if self.n_held >= self.BUFFER:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        for b, rows in self.held.items():
            if b not in self.files:
                f = open(self.dir / f"{b}.arrow", "w+b")  # noqa: SIM115 - closed in write()/close()
                self.files[b] = (f, pa.ipc.new_stream(f, self.schema))
            self.files[b][1].write_batch(pa.RecordBatch.from_pylist(rows, schema=self.schema))
        self.held, self.n_held = {}, 0

    def write(self, path: Path) -> Path:
        """similarity.parquet, as `TableBuilder` writes it (rows in order, row groups full)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from pipeline import datasets as D

        self._flush()
        out = D.TableBuilder(D.SIMILARITY, path=path)
        names = D.SIMILARITY.names()
        for b in sorted(self.files):
            f, w = self.files.pop(b)
            w.close()
            f.seek(0)
            t = pa.ipc.open_stream(f).read_all()
            f.close()
            t = t.take(pc.sort_indices(t, [("report_id", "ascending"), ("other_report_id", "ascending")]))
            for batch in t.to_batches(max_chunksize=out.BATCH):
                for row in zip(*(batch.column(n).to_pylist() for n in names)):
                    out.add(row)
            del t
        return out.close()

    def close(self) -> None:
        for f, _ in self.files.values():
            f.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RowSpill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _fill_boilerplate(reports_path: Path, share: Callable[[list[str]], list[float | None]]) -> None:
    """reports.boilerplate_share from `share` (report ids -> their shares, None: none),
    rewritten one row group at a time with the same row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline import datasets as D

    def column(report_ids: list[str]) -> pa.Array:
        return pa.array(share(report_ids), type=pa.float64())

    f = D.row_group_reader(reports_path)
    tmp = reports_path.with_name(f".{reports_path.name}.tmp")
    writer = None
    try:
        for g in range(f.num_row_groups):
            release()
            t = f.read_row_group(g, use_threads=False)
            i = t.schema.get_field_index("boilerplate_share")
            t = t.set_column(i, t.schema.field(i), column(t.column("report_id").to_pylist()))
            if writer is None:
                writer = pq.ParquetWriter(tmp, t.schema, **D.PARQUET_OPTIONS)
            writer.write_table(t, row_group_size=D.REPORTS.row_group)
        if writer is None:  # no row group: no report
            D.write_parquet(f.schema_arrow.empty_table(), tmp)
    finally:
        if writer is not None:
            writer.close()
        f.close()
    os.replace(tmp, reports_path)


class ItemStore:
    """The kept reports to compare, and their shares once compared, in a SQLite file (the
    build's similarity step: a national build has a million). `shards` are found as `shards`
    finds them (`_find_shards`, with no Python object per publisher), and read back one at a
    time; iterating the store gives
    them, in the order `shards` gives them, as often as asked."""

    def __init__(self, path: Path, items: Iterable[Item]):
        self.path = Path(path)
        self.db = scratch_db(self.path)
        self.db.execute(
            "CREATE TABLE items (rid TEXT UNIQUE NOT NULL, publisher TEXT, region TEXT, year INTEGER, shard INTEGER, "
            "share REAL)"
        )
        rows = []
        for it in items:
            region = json.dumps(it.region, ensure_ascii=False) if it.region else None
            rows.append((it.report_id, it.publisher, region, it.year))
            if len(rows) >= 4096:
                insert(self.db, "INSERT INTO items (rid, publisher, region, year) VALUES (?, ?, ?, ?)", rows)
                rows = []
        insert(self.db, "INSERT INTO items (rid, publisher, region, year) VALUES (?, ?, ?, ?)", rows)
        self._find_shards()
        self.db.execute("CREATE INDEX items_by_shard ON items (shard, rid)")
        # the shards in order, numbered: read a page at a time (a list of them grows with the corpus)
        self.db.execute("CREATE TABLE shards (n INTEGER PRIMARY KEY, shard INTEGER)")
        self.db.execute("BEGIN")
        self.db.execute("INSERT INTO shards (shard) SELECT shard FROM items GROUP BY shard ORDER BY min(rid)")
        self.db.execute("COMMIT")

    def _find_shards(self) -> None:
        """items.shard: the root of each item's component (a rowid), by a union-find over the
        items' rowids in an array of 8 bytes a report. SQLite sorts the items by publisher and
        by region-year, and each item is joined to the one before it in either order when they
        share that key; a dict of the keys would hold every publisher's name, one per report
        in a corpus of made-up publishers (tens of MB at 100,000 reports, kept by the
        allocator after they are freed)."""
        n = self.db.execute("SELECT max(rowid) FROM items").fetchone()[0] or 0
        parent = array("q", range(n + 1))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for q in (
            "SELECT rowid, publisher FROM items WHERE publisher <> '' ORDER BY publisher",
            "SELECT rowid, region, year FROM items WHERE region IS NOT NULL ORDER BY region, year",
        ):
            last, prev = None, 0
            for rowid, *key in self.db.execute(q):
                if key == last:
                    a, b = find(rowid), find(prev)
                    parent[max(a, b)] = min(a, b)
                last, prev = key, rowid
        self.db.execute("BEGIN")
        self.db.executemany("UPDATE items SET shard = ? WHERE rowid = ?", ((find(i), i) for i in range(1, n + 1)))
        self.db.execute("COMMIT")

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM items").fetchone()[0]

    def __iter__(self) -> Iterator[list[Item]]:
        """The shards, each sorted by report id, in the order of their first report id."""
        for shard in self._shards():
            q = "SELECT rid, publisher, region, year FROM items WHERE shard = ? ORDER BY rid"
            regions: dict[str, tuple] = {}  # one object per region, as `read_items` gives them
            group = []
            for rid, pub, reg, year in self.db.execute(q, (shard,)).fetchall():
                region = None if reg is None else regions.setdefault(reg, tuple(json.loads(reg)))
                group.append(Item(rid, pub, region, year))
            yield group

    def _shards(self, page: int = 1024) -> Iterator[int]:
        last = 0
        while True:
            got = self.db.execute("SELECT n, shard FROM shards WHERE n > ? ORDER BY n LIMIT ?", (last, page)).fetchall()
            yield from (shard for _, shard in got)
            if len(got) < page:
                return
            last = got[-1][0]

    def bounds(self, every: int) -> list[str]:
        """Every `every`-th report id in order, from the `every`-th on (`RowSpill`'s files)."""
        q = "SELECT rid FROM (SELECT rid, row_number() OVER (ORDER BY rid) AS n FROM items) WHERE n % ? = 1 AND n > 1"
        return [rid for (rid,) in self.db.execute(q, (every,))]

    def put_shares(self, share: dict[str, float]) -> None:
        insert(self.db, "UPDATE items SET share = ? WHERE rid = ?", [(v, k) for k, v in share.items()])

    def shares(self, report_ids: list[str]) -> list[float | None]:
        """The shares of reports (None: not compared, or not a kept report)."""
        q = "SELECT share FROM items WHERE rid = ?"
        return [(got[0] if (got := self.db.execute(q, (rid,)).fetchone()) else None) for rid in report_ids]

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


def write(out: str | Path, workers: int = 1, cache_dir: Path | None = None, used=None) -> Path:
    """Compare the reports of a built dataset folder: write ``similarity.parquet`` and fill
    ``boilerplate_share`` in ``reports.parquet``. Returns the path of similarity.parquet.
    Memory holds one shard's items at a time and its signatures (see the module doc); the
    reports to compare (`ItemStore`), their texts (`TextStore`), fingerprints and rows wait in
    temporary files there, removed at the end. `cache_dir`: where shard results are kept
    between builds (`ShardCache`), `used`: where the entries this build used are noted (a
    set, or the build's `buildstore.UsedSet`)."""
    from pipeline import datasets as D

    out = Path(out)
    rep_path = out / D.REPORTS.path
    items = ItemStore(out / ".similarity-items.tmp", iter_items(rep_path))
    store = TextStore(out / ".similarity-texts.tmp")
    try:
        store_texts(out / D.SECTIONS.path, store)
        n = len(items)
        release()  # the pool's workers run beside this process: what the writers and readers freed goes back first
        with RowSpill(out, items.bounds(RowSpill.BUCKET)) as spill:
            for rows, got in shard_results(
                items, store, workers=workers if n >= POOL_MIN else 1, cache_dir=cache_dir, spill_dir=out, used=used
            ):
                spill.add(rows)
                items.put_shares(got)
            sim_path = spill.write(out / D.SIMILARITY.path)
        _fill_boilerplate(rep_path, items.shares)
    finally:
        store.close()
        items.close()
    return sim_path


def similar_texts(a: str, b: str) -> Comparison:
    """Compare two texts directly (for users and tests)."""
    return compare(fingerprint(a), fingerprint(b))
