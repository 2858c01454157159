"""Builds at scale: the Dask executor gives the local pool's outputs byte for byte."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.datasets import datasets
from synth.generator import generate


def _corpus(raw: Path, n: int) -> None:
    raw.mkdir(parents=True)
    for i in range(n):
        (raw / f"r{i:05d}.txt").write_bytes(generate(i).data)


def _outputs(out: Path) -> dict[str, bytes]:
    names = [d.path for d in datasets()] + ["datapackage.json", "data_dictionary.md"]
    return {n: (out / n).read_bytes() for n in names}


def test_dask_and_local_executors_write_the_same_bytes(tmp_path):
    pytest.importorskip("distributed")
    raw = tmp_path / "raw"
    _corpus(raw, 24)
    (raw / "same-bytes-again.txt").write_bytes(generate(3).data)  # a duplicate source
    (raw / "notes.txt").write_text("采购清单：纸张若干。", encoding="utf-8")  # not a report
    (raw / "garbage.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)  # an error row
    local = build(raw, tmp_path / "local", workers=2, progress=False)
    dask = build(raw, tmp_path / "dask", workers=2, progress=False, executor="dask")
    assert (dask.parsed, dask.kept, dask.errors, dask.skipped) == (local.parsed, local.kept, local.errors, local.skipped)
    assert local.kept >= 24 and local.errors + local.skipped >= 2
    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "local")
