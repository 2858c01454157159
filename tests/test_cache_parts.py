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
