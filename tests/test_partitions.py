"""The datasets partitioned by report year (cells, sections, checks, values, panel,
panel_status): what pandas and DuckDB read back from the folders, the files' layout, and that
a rebuild leaves no folder of a year the build no longer has (nor the single file of the
layout before partitions).

The build here is small (generated reports of two years and one whose year cannot be found),
so that each reader meets a ``year_part=unknown`` folder beside the year folders: the case in
which a folder key named ``year`` would break one reader or the other (docs/output.md)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline import datasets as D
from pipeline.build import build
from pipeline.publishing import check
from synth.generator import generate_values, render_text

PARTITIONED = [ds for ds in D.datasets() if ds.partitioned]


def _report(seed: int, year: int, agency: str, *, drop_year: bool = False) -> bytes:
    vals = generate_values(random.Random(seed), "2021", blanks=False)
    text = render_text(vals, "2021", year, agency, "tab", random.Random(seed + 1), noise=False)
    if drop_year:  # nothing left to read the year from: the report is kept, its year unknown
        text = text.replace(str(year), "").replace(str(year + 1), "")
    return text.encode()


def _raw(folder: Path, years=(2022, 2023)) -> Path:
    folder.mkdir(parents=True)
    for i, y in enumerate(years):
        for j, agency in enumerate(("岚川市清河县审计局", "岚川市清河县财政局")):
            (folder / f"r{y}_{j}.txt").write_bytes(_report(10 * i + j, y, agency))
    (folder / "noyear.txt").write_bytes(_report(99, 2022, "岚川市清河县统计局", drop_year=True))
    return folder


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory):
    base = tmp_path_factory.mktemp("partitions")
    raw, out = _raw(base / "raw"), base / "clean"
    res = build(raw, out, workers=1, duckdb=True, csv=True, progress=False)
    assert res.kept == 5 and res.unsettled == 1
    return {"raw": raw, "out": out}


def test_one_folder_per_year_and_one_for_no_year(partitioned):
    out = partitioned["out"]
    for ds in PARTITIONED:
        assert not (out / f"{ds.name}.parquet").exists()
        folders = sorted(p.name for p in (out / ds.path).iterdir())
        assert folders == ["year_part=2022", "year_part=2023", "year_part=unknown"], ds.name
        for f in folders:
            assert [p.name for p in (out / ds.path / f).iterdir()] == ["part-0.parquet"], (ds.name, f)
        # each file holds its year (the unknown folder: no year), as a column of its own
        for p in D.dataset_files(out, ds):
            years = set(pd.read_parquet(p).year.astype(object).where(lambda s: s.notna(), None))
            want = p.parent.name.split("=")[1]
            assert years == ({None} if want == "unknown" else {int(want)}), p


def test_pandas_reads_the_folder_and_a_glob_as_the_files_were_written(partitioned):
    out = partitioned["out"]
    for ds in PARTITIONED:
        written = D.read_table(out, ds).to_pandas()  # the files one by one, in year order
        assert written.columns.tolist() == ds.names()
        whole = pd.read_parquet(out / ds.path)  # the folder: the files' columns and the folders' key
        assert whole.columns.tolist() == [*ds.names(), D.PARTITION_KEY], ds.name
        assert str(whole.year.dtype) == "Int64" and whole.year.isna().any() and whole.year.notna().any()
        pd.testing.assert_frame_equal(whole[ds.names()], written, obj=ds.name)
        assert (whole[D.PARTITION_KEY].astype(str) == whole.year.astype(object).fillna("unknown").astype(str)).all()
        files = sorted(str(p) for p in (out / ds.path).glob("**/*.parquet"))
        pd.testing.assert_frame_equal(pd.read_parquet(files)[ds.names()], written, obj=f"{ds.name} glob")
        pd.testing.assert_frame_equal(pd.read_parquet(out / ds.path, partitioning=None), written, obj=ds.name)


def test_duckdb_reads_the_glob_with_hive_partitioning(partitioned):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the test extra")
    out = partitioned["out"]
    con = duckdb.connect()
    for ds in PARTITIONED:
        written = D.read_table(out, ds).to_pandas()
        rel = con.sql(f"SELECT * FROM read_parquet('{out}/{ds.name}/**/*.parquet', hive_partitioning=true)")
        assert rel.columns == [*ds.names(), D.PARTITION_KEY]
        assert dict(zip(rel.columns, map(str, rel.types)))["year"] == "BIGINT"
        got = rel.df()[ds.names()]
        got = got.astype({f.name: D._PANDAS[f.kind] for f in ds.fields})
        pd.testing.assert_frame_equal(got, written, check_dtype=False, obj=ds.name)
        n_2023 = con.execute(f"SELECT count(*) FROM read_parquet('{out}/{ds.glob}') WHERE year = 2023").fetchall()[0][0]
        assert n_2023 == int((written.year == 2023).sum()) > 0
    db = duckdb.connect(str(out / "xxgk.duckdb"), read_only=True)
    for ds in PARTITIONED:  # the database's tables: the files' columns, every row
        cols = [r[0] for r in db.execute(f'DESCRIBE "{ds.name}"').fetchall()]
        assert cols == ds.names()
        assert db.execute(f'SELECT count(*) FROM "{ds.name}"').fetchall()[0][0] == D.read_table(out, ds).num_rows


def test_the_descriptor_lists_and_seals_every_partition_file(partitioned):
    out = partitioned["out"]
    pkg = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in pkg["resources"]}
    sealed = pkg["x_xxgk"]["files"]
    for ds in PARTITIONED:
        files = [p.relative_to(out).as_posix() for p in D.dataset_files(out, ds)]
        assert sorted(res[ds.name]["path"]) == sorted(files) and len(files) == 3
        assert set(files) <= set(sealed)
    assert check(out) == []
    csv = json.loads((out / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"]: r["path"] for r in csv["resources"]}["cells"] == "cells.csv"
    assert "year_part" not in {r["name"]: r["description"] for r in csv["resources"]}["cells"]
    assert "year_part" in res["cells"]["description"]
    (out / "cells" / "year_part=2023" / "part-0.parquet").write_bytes(b"not the build's")
    assert any("cells/year_part=2023/part-0.parquet" in p for p in check(out))


def test_a_year_no_longer_built_leaves_no_folder(tmp_path):
    raw, out = _raw(tmp_path / "raw"), tmp_path / "clean"
    build(raw, out, workers=1, progress=False)
    for old in ("cells", "panel", "panel_status"):
        (out / f"{old}.parquet").write_bytes(b"a file of the layout before partitions")
    for p in raw.glob("r2023_*.txt"):
        p.unlink()
    build(raw, out, workers=1, progress=False)
    for ds in PARTITIONED:
        assert sorted(p.name for p in (out / ds.path).iterdir()) == ["year_part=2022", "year_part=unknown"]
    assert not [n for n in ("cells", "panel", "panel_status") if (out / f"{n}.parquet").exists()]
    assert check(out) == [] and not list(out.glob(".staging-*"))
    assert set(pd.read_parquet(out / "values").year.dropna()) == {2022}


def test_rows_out_of_year_order_are_refused(tmp_path):
    w = D.PartitionedWriter(D.SECTIONS, 4, tmp_path / "sections")
    w.at(2021)
    w.add(("r1", 2021, 1, "overview", "一", "总体情况", "x", 1))
    w.at(None)
    with pytest.raises(ValueError, match="year order"):
        w.at(2020)
    assert w.close() == [
        tmp_path / "sections" / "year_part=2021" / "part-0.parquet",
        tmp_path / "sections" / "year_part=unknown" / "part-0.parquet",
    ]
    empty = D.PartitionedWriter(D.SECTIONS, 4, tmp_path / "none").close()  # no rows: its schema still readable
    assert [p.relative_to(tmp_path).as_posix() for p in empty] == ["none/year_part=unknown/part-0.parquet"]
    assert pd.read_parquet(tmp_path / "none", partitioning=None).columns.tolist() == D.SECTIONS.names()
    assert pa.parquet.read_metadata(empty[0]).num_rows == 0


def test_partition_files_are_never_read_back_as_reports(tmp_path):
    """--raw X --out X: the year folders are the build's, even when an interrupted build left
    no descriptor to list them."""
    from pipeline.build import discover

    raw = _raw(tmp_path / "x")
    build(raw, raw, workers=1, progress=False)
    (raw / "datapackage.json").unlink()
    found = {Path(s.path).relative_to(raw).as_posix() for s in discover(raw)}
    assert found == {p.name for p in raw.glob("*.txt")}


def _panel_group(rid: str, year: int | None, received: int) -> tuple[D.PanelGroup, dict]:
    pick = {
        "report_id": rid,
        "publisher_id": f"320813-{rid}",
        "year": year,
        "template": "2021",
        "county_code": "320813",
    }
    values = {"received_total": (received, "number"), "admin_fees_amount_wan_yuan": (None, "unresolved")}
    return D.PanelGroup(("320813-" + rid, year), (pick,), pick), values


def test_the_panel_is_written_a_file_per_year_with_the_rows_it_was_given(tmp_path):
    """The panel writer's rows come back from the folder as given, each year in its own file
    (so the parquet writer's row-group metadata is one year's, not the corpus'), and a year
    met after a later one is refused, never a second file."""
    rows = [("a", 2020, 5), ("b", 2020, 0), ("c", 2021, 7), ("d", None, 3)]
    w = D.PanelWriter(tmp_path)
    for r in rows:
        w.add(*_panel_group(*r))
    files = w.close()
    for name in ("panel", "panel_status"):
        assert [p.relative_to(tmp_path).as_posix() for p in files[name]] == [
            f"{name}/year_part=2020/part-0.parquet",
            f"{name}/year_part=2021/part-0.parquet",
            f"{name}/year_part=unknown/part-0.parquet",
        ]
        assert [pa.parquet.read_metadata(p).num_rows for p in files[name]] == [2, 1, 1]
    panel = pd.read_parquet(tmp_path / "panel", partitioning=None)
    assert panel.columns.tolist() == D.panel_dataset().names()
    assert str(panel.year.dtype) == "Int64" and str(panel.received_total.dtype) == "Int64"
    assert str(panel.admin_fees_amount_wan_yuan.dtype) == "float64"
    assert panel.report_id.tolist() == [r[0] for r in rows]
    assert panel.year.tolist() == [2020, 2020, 2021, pd.NA]
    assert panel.received_total.tolist() == [5, 0, 7, 3] and panel.admin_fees_amount_wan_yuan.isna().all()
    assert panel.n_reports.tolist() == [1] * 4
    status = pd.read_parquet(tmp_path / "panel_status", partitioning=None)
    assert status.columns.tolist() == D.panel_status_dataset().names()
    assert status.report_id.tolist() == panel.report_id.tolist()
    assert set(status.received_total) == {"number"} and set(status.admin_fees_amount_wan_yuan) == {"unresolved"}
    late = D.PanelWriter(tmp_path / "late")
    late.add(*_panel_group("a", 2021, 1))
    with pytest.raises(ValueError, match="year order"):
        late.add(*_panel_group("b", 2020, 1))
    late.abandon()
