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
parallel in a large build, and memory holds one shard's fingerprints.

**What is compared.** A report's text is its sections' texts in order, joined by a newline
(``"\\n".join(sections.text)`` of `sections.parquet` sorted by ``seq``): every offset below
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

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

SHINGLE = 5  # tokens per shingle
MIN_PASSAGE = 8  # tokens: a shared passage shorter than this is a common phrase, not copying
TEMPLATE_RUN = 6  # tokens of template words (and numbers) in a row: a flattened table
NUM_PERM = 120
BANDS, ROWS = 40, 3  # LSH: pairs with Jaccard 0.4 become candidates with probability 0.93, 0.5: 0.99
MIN_SCORE = 0.4  # same_region pairs written from this score
POOL_MIN = 2000  # kept reports from which the build compares shards in parallel (a pool costs seconds to start)
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
        seq = _mix(seq ^ hs[j:j + n])
    shingles = np.unique(seq)
    return Fingerprint(start, end, seq, shingles, _signature(shingles))


def _signature(shingles: np.ndarray, chunk: int = 4096) -> np.ndarray:
    sig = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for i in range(0, len(shingles), chunk):  # bounded memory for very long texts
        part = _mix(shingles[None, i:i + chunk] ^ _SEEDS[:, None]).min(axis=1)
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

@dataclass(frozen=True)
class Item:
    """One kept report as the comparison needs it."""
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
        band = m[:, b * ROWS:(b + 1) * ROWS]
        buckets: dict[bytes, list[int]] = {}
        for i, row in enumerate(band):
            buckets.setdefault(row.tobytes(), []).append(i)
        for members in buckets.values():
            if len(members) > 1:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        out.add((members[x], members[y]))
    return out


def pairs(items: list[Item], fps: dict[str, Fingerprint]) -> Iterator[tuple[str, str, str]]:
    """(report_id, other_report_id, relation) for every pair to compare exactly: each report
    with its publisher's earlier reports, and the LSH candidates among other publishers'
    reports of its region and year. Sorted, so the output is deterministic."""
    by_pub: dict[str, list[Item]] = {}
    by_region: dict[tuple, list[Item]] = {}
    for it in items:
        if it.year is None or fps[it.report_id].empty:
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
        for i, j in sorted(lsh_candidates([fps[g.report_id].signature for g in group])):
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
    years). Each is compared on its own, so memory holds one shard's fingerprints at a time
    and shards run in parallel."""
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


def compare_shard(items: list[Item], texts: dict[str, str]) -> tuple[list[dict], dict[str, float]]:
    """Similarity rows (see `SIMILARITY` in pipeline.datasets) and each compared report's
    boilerplate_share, for the items of one shard (or any set of items: pairs never leave it)."""
    fps = {it.report_id: fingerprint(texts.get(it.report_id) or "") for it in items}
    year = {it.report_id: it.year for it in items}
    covered = {rid: np.zeros(fp.n_tokens, dtype=bool) for rid, fp in fps.items()}
    rows = []
    for a, b, rel in pairs(items, fps):
        fa, fb = fps[a], fps[b]
        if rel == "same_region" and _estimate(fa, fb) < MIN_SCORE - 0.15:
            continue  # the signatures say far below the threshold: skip the exact comparison
        c = compare(fa, fb)
        if rel == "same_region" and c.score < MIN_SCORE:
            continue
        covered[a] |= c.covered_a
        if rel == "same_region":
            covered[b] |= c.covered_b
        rows.append({"report_id": a, "other_report_id": b, "relation": rel, "year": year[a], "other_year": year[b],
                     "score": round(c.score, 6), "share": round(c.share_a, 6), "other_share": round(c.share_b, 6),
                     "n_passages": len(c.passages), "passages": char_passages(fa, fb, c)})
    share = {rid: round(fps[rid].share(cov), 6) for rid, cov in covered.items() if not fps[rid].empty}
    return rows, share


class TextStore(Mapping):
    """Report texts in a file on disk, by report id: the similarity step reads them shard by
    shard, so that a build never holds the corpus's text in memory (only an offset and a
    digest per report). A worker process opens the same file and reads its shard's texts."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._f = open(self.path, "w+b")  # noqa: SIM115 - open for the store's life, closed by close()
        self.index: dict[str, tuple[int, int]] = {}  # report id -> (offset, length in bytes)
        self.digest: dict[str, str] = {}  # report id -> blake2b of the text (the shard cache's key)

    def add(self, rid: str, text: str) -> None:
        b = text.encode("utf-8")
        self._f.seek(0, 2)
        self.index[rid] = (self._f.tell(), len(b))
        self.digest[rid] = hashlib.blake2b(b, digest_size=12).hexdigest()
        self._f.write(b)

    def __getitem__(self, rid: str) -> str:
        off, n = self.index[rid]
        self._f.flush()
        self._f.seek(off)
        return self._f.read(n).decode("utf-8")

    def __iter__(self):
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def close(self) -> None:
        self._f.close()
        self.path.unlink(missing_ok=True)


def _read_texts(path: str, where: dict[str, tuple[int, int]]) -> dict[str, str]:
    with open(path, "rb") as f:
        out = {}
        for rid, (off, n) in where.items():
            f.seek(off)
            out[rid] = f.read(n).decode("utf-8")
        return out


def _shard_job(job: tuple) -> tuple[list[dict], dict[str, float]]:
    shard, texts = job
    if isinstance(texts, tuple):  # (path of a TextStore, offsets): read here, not shipped
        texts = _read_texts(*texts)
    return compare_shard(shard, texts)


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

    def __init__(self, base: Path):
        self.dir = Path(base) / "similarity" / version()
        self.used: set[Path] = set()

    def key(self, shard: list[Item], digest: dict[str, str]) -> Path:
        items = [[it.report_id, it.publisher, list(it.region) if it.region else None, it.year, digest.get(it.report_id)]
                 for it in shard]
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
        base = self.dir.parent
        if base.is_dir():
            for d in base.iterdir():
                if d != self.dir:
                    shutil.rmtree(d, ignore_errors=True)
        if self.dir.is_dir():
            for p in self.dir.glob("*/*.json.gz"):
                if p not in self.used:
                    p.unlink(missing_ok=True)


def compare_all(items: list[Item], texts: Mapping[str, str], workers: int = 1,
                cache_dir: Path | None = None) -> tuple[list[dict], dict[str, float]]:
    """`compare_shard` over every shard, in `workers` processes; rows sorted by pair. `texts`:
    a dict, or a `TextStore` (each worker then reads its shard's texts from the file).
    `cache_dir` (with a TextStore): shard results are kept there and reused."""
    store = texts if isinstance(texts, TextStore) else None
    cache_ = ShardCache(cache_dir) if cache_dir is not None and store is not None else None
    results: dict[int, tuple] = {}
    todo: list[tuple[int, list[Item]]] = []
    keys: dict[int, Path] = {}
    for i, shard in enumerate(shards(items)):
        if cache_ is not None:
            keys[i] = cache_.key(shard, store.digest)
            got = cache_.get(keys[i])
            if got is not None:
                results[i] = got
                continue
        todo.append((i, shard))

    def job(shard: list[Item]):
        if store is not None:
            store._f.flush()
            return shard, (str(store.path), {it.report_id: store.index[it.report_id] for it in shard
                                             if it.report_id in store.index})
        return shard, {it.report_id: texts.get(it.report_id) or "" for it in shard}

    if workers > 1 and len(todo) > 1:
        import multiprocessing as mp

        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        with ctx.Pool(min(workers, len(todo))) as pool:
            got = pool.imap(_shard_job, (job(sh) for _, sh in todo), chunksize=max(1, len(todo) // (8 * workers)))
            for (i, _), r in zip(todo, got):
                results[i] = r
    else:
        for i, sh in todo:
            results[i] = _shard_job(job(sh))
    if cache_ is not None:
        for i, _ in todo:
            ShardCache.put(keys[i], results[i])
        cache_.prune()
    rows: list[dict] = []
    share: dict[str, float] = {}
    for i in sorted(results):
        r, s = results[i]
        rows += r
        share.update(s)
    return sorted(rows, key=lambda r: (r["report_id"], r["other_report_id"])), share


def _estimate(a: Fingerprint, b: Fingerprint) -> float:
    return float(np.mean(a.signature == b.signature))


# =============================================================================== the build's hook

def report_texts(sections) -> dict[str, str]:
    """report_id -> its sections' texts in order joined by a newline (a pandas frame with
    report_id, seq, text)."""
    out: dict[str, list[str]] = {}
    for rid, _, text in sorted(zip(sections["report_id"], sections["seq"], sections["text"]),
                               key=lambda r: (r[0], r[1])):
        out.setdefault(rid, []).append(text if isinstance(text, str) else "")
    return {rid: "\n".join(parts) for rid, parts in out.items()}


def store_texts(sections_path: Path, store: TextStore, batch: int = 2048) -> None:
    """Each report's text into `store`, read from a sections file (or folder of files) batch by
    batch: the build writes sections in report_id then seq order, so a report's sections are
    consecutive rows."""
    import pyarrow.dataset as pads

    run_id, run = None, []

    def flush():
        if run_id is not None:
            if run_id in store.index:
                raise ValueError(f"{sections_path}: the sections of {run_id} are not consecutive rows")
            store.add(run_id, "\n".join(t for _, t in sorted(run)))

    for b in pads.dataset(str(sections_path), format="parquet").to_batches(columns=["report_id", "seq", "text"],
                                                                         batch_size=batch):
        for rid, seq, text in zip(*(b.column(i).to_pylist() for i in range(3))):
            if rid != run_id:
                flush()
                run_id, run = rid, []
            run.append((seq, text if isinstance(text, str) else ""))
    flush()


def items_of(reports) -> list[Item]:
    """The kept reports of a reports frame as comparison items (publisher: publisher_id
    where the build has it, else agency_id)."""
    pub = "publisher_id" if "publisher_id" in reports.columns else "agency_id"
    kept = reports[reports["status"] == "kept"]
    out = []
    for r in kept.to_dict("records"):
        y = r.get("year")
        p = r.get(pub)
        out.append(Item(r["report_id"], p if isinstance(p, str) else None,
                        region_of(r.get("province"), r.get("city"), r.get("county")),
                        None if y is None or y != y else int(y)))
    return out


def write(out: str | Path, workers: int = 1, cache_dir: Path | None = None) -> Path:
    """Compare the reports of a built dataset folder: write ``similarity.parquet`` and fill
    ``boilerplate_share`` in ``reports.parquet``. Returns the path of similarity.parquet.
    Texts go through a `TextStore` beside the files (removed at the end); `cache_dir`: where
    shard results are kept between builds (`ShardCache`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline import datasets as D

    out = Path(out)
    rep_path = out / D.REPORTS.path
    cols = ["report_id", "status", "publisher_id", "agency_id", "province", "city", "county", "year"]
    present = set(pq.read_schema(rep_path).names)
    reports = pq.read_table(rep_path, columns=[c for c in cols if c in present]).to_pandas()
    items = items_of(reports)
    del reports
    store = TextStore(out / ".similarity-texts.tmp")
    try:
        store_texts(out / D.SECTIONS.path, store)
        rows, share = compare_all(items, store, workers=workers if len(items) >= POOL_MIN else 1,
                                  cache_dir=cache_dir)
    finally:
        store.close()
    b = D.TableBuilder(D.SIMILARITY)
    names = D.SIMILARITY.names()
    for r in rows:
        b.add([r.get(n) for n in names])
    sim_path = out / D.SIMILARITY.path
    D.write_parquet(b.table(), sim_path)
    table = pq.read_table(rep_path)
    i = table.schema.get_field_index("boilerplate_share")
    col = pa.array([share.get(rid) for rid in table.column("report_id").to_pylist()], type=pa.float64())
    D.write_parquet(table.set_column(i, table.schema.field(i), col), rep_path)
    return sim_path


def similar_texts(a: str, b: str) -> Comparison:
    """Compare two texts directly (for users and tests)."""
    return compare(fingerprint(a), fingerprint(b))
