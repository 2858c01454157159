"""A rebuild from the cache copies a report year's files of the row datasets (cells,
sections, checks, values) when that year's reports and their rows are unchanged, instead of
decoding every report's cached rows and encoding them again (`pipeline.datasets.RowFeed`,
`PartCache`); a year with a changed report is written from its rows, and the outputs are
the same bytes as a fresh build's either way."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline import datasets as D
from pipeline.build import build
from pipeline.datasets import dataset_files, datasets
from synth.generator import generate

N = 30


def _outputs(out: Path) -> dict[str, bytes]:
    files = [p for d in datasets() for p in dataset_files(out, d)]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files} | {
        n: (out / n).read_bytes() for n in ("datapackage.json", "data_dictionary.md")
    }


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    base = tmp_path_factory.mktemp("parts")
    raw, out = base / "raw", base / "out"
    raw.mkdir()
    for i in range(N):
        (raw / f"r{i:03d}.txt").write_bytes(generate(i).data)
    res = build(raw, out, workers=2, progress=False)
    return {"base": base, "raw": raw, "out": out, "res": res, "bytes": _outputs(out)}


def _counting(monkeypatch) -> Counter:
    """How often a report's cached rows are decoded (`RowCache.get`), and its parse loaded."""
    seen = Counter()
    get = D.RowCache.get

    def counted(p):
        seen["rows"] += 1
        return get(p)

    monkeypatch.setattr(D.RowCache, "get", staticmethod(counted))
    return seen


def _copy(first, tmp_path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(first["out"], out)
    return out


def test_an_unchanged_rebuild_decodes_no_rows_and_writes_the_same_bytes(first, tmp_path, monkeypatch):
    out = _copy(first, tmp_path)
    seen = _counting(monkeypatch)
    res = build(first["raw"], out, workers=2, progress=False)
    assert res.parsed == 0 and res.kept == first["res"].kept >= N - 2
    assert seen["rows"] == 0
    assert _outputs(out) == first["bytes"]
    years = pd.read_parquet(out / "reports.parquet").query("status == 'kept'").year.nunique()
    assert len(list((out / ".cache" / "parts").rglob("*.parquet"))) == 4 * years  # no year file left over


def test_a_changed_report_writes_its_year_again_and_copies_the_others(first, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(first["raw"], raw)
    out = _copy(first, tmp_path)
    reports = pd.read_parquet(first["out"] / "reports.parquet").query("status == 'kept'")
    year = reports.year.value_counts().idxmax()  # a year with several reports
    changed = reports[reports.year == year].paths.iloc[0]
    (raw / changed).write_bytes(generate(N + 7).data)  # another report in its place
    (raw / changed).rename(raw / "zz-changed.txt")
    seen = _counting(monkeypatch)
    res = build(raw, out, workers=2, progress=False)
    assert res.parsed == 1
    again = pd.read_parquet(out / "reports.parquet").query("status == 'kept'")
    touched = set(again[again.paths == "zz-changed.txt"].year) | {year}
    # only the reports of the changed years had their cached rows read
    assert 0 < seen["rows"] <= int(again.year.isin(touched).sum())
    fresh = tmp_path / "fresh"
    build(raw, fresh, workers=2, progress=False)
    assert _outputs(out) == _outputs(fresh)


def test_a_held_row_file_that_cannot_be_read_back_has_its_rows_made_again(first, tmp_path, monkeypatch, capsys):
    out = _copy(first, tmp_path)
    shutil.rmtree(out / ".cache" / "parts")  # every year is held, then fed from the row files
    get = D.RowCache.get
    failed = []

    def once_bad(p):
        if not failed:
            failed.append(p)
            return None
        return get(p)

    monkeypatch.setattr(D.RowCache, "get", staticmethod(once_bad))
    res = build(first["raw"], out, workers=2, progress=False)
    assert res.parsed == 0 and failed and failed[0].is_file()  # the bad entry was removed, then made again
    assert "could not be read back" in capsys.readouterr().err
    assert _outputs(out) == first["bytes"]


class _Recorder:
    """A partitioned writer that notes what it is given (`RowFeed`'s builders)."""

    def __init__(self, seen: list):
        self.seen = seen

    def at(self, year) -> None:
        self.seen.append(("at", year))

    def add_batch(self, batch) -> None:
        self.seen.append(("rows", batch))


def test_a_held_year_keeps_32_bytes_a_report_and_feeds_them_in_order(tmp_path, monkeypatch):
    # a year of a million reports must not hold a Path object each (560 bytes) until its end
    rowcache, parts = D.RowCache(tmp_path), D.PartCache(tmp_path)
    seen: list = []
    feed = D.RowFeed({"cells": _Recorder(seen)}, rowcache, parts)
    files = [rowcache.path({"sha256": f"{i:064x}", "report_id": f"r{i}"}, None, None) for i in range(1000)]
    monkeypatch.setattr(D.RowCache, "get", staticmethod(lambda p: ({"cells": p}, {})))
    feed.at(2020)
    for p in files:
        feed.hold(p)
    assert feed.holding and len(feed.held) == 1000 * D.KEY_BYTES
    feed.add(None, {"cells": "own rows"})  # a report not in the row cache: the held ones are fed first
    assert not feed.holding
    assert seen == [("at", 2020), *(("rows", p) for p in files), ("rows", "own rows")]


def test_a_row_file_head_is_read_whole_at_any_read_size_and_a_short_file_has_none(tmp_path, monkeypatch):
    rowcache = D.RowCache(tmp_path)
    p = rowcache.path({"sha256": "0" * 64, "report_id": "r"}, None, None)
    head = {"counts": [3, 1], "values": {f"v{i}": [i, "number"] for i in range(200)}}
    D.RowCache.put(p, {ds.name: D._empty_batch(ds.name) for ds in D.ROW_DATASETS}, head)
    whole = D.RowCache.meta(p)
    assert whole["counts"] == [3, 1] and whole["values"] == head["values"]
    monkeypatch.setattr(D.RowCache, "HEAD_READ", 16)  # a head longer than the first read
    assert D.RowCache.meta(p) == whole
    data = p.read_bytes()
    p.write_bytes(data[:-1])  # the rows cut short: the head does not describe this file
    assert D.RowCache.meta(p) is None
    p.write_bytes(data[:100])  # the head itself cut short
    assert D.RowCache.meta(p) is None
