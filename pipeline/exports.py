"""The datasets in other forms, from the same schema definitions (`pipeline.datasets`).

* ``--csv``: ``csv/<dataset>.csv``, UTF-8 with a byte-order mark (so that spreadsheet
  programs read the Chinese text right), a header of column names, empty for null,
  ``true``/``false`` for booleans; and ``csv/datapackage.json``, the Frictionless descriptor
  of these files (the same fields, keys and foreign keys as the parquet one).
* ``--sqlite``: ``xxgk.sqlite``, one table per dataset with the columns' SQL types, primary
  keys and foreign keys declared.

Both are written from the parquet files just written, so they hold the same values; both
are deterministic (same rows, same bytes). A dataset partitioned by year (a folder of one
file per year) is one CSV file and one table, its files' rows in year order.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pyarrow.csv as pcsv

from . import datasets as D

BOM = b"\xef\xbb\xbf"
# rows read at once: the files are read a row group at a time (`datasets.row_group_reader`),
# never whole, since a year of cells of a national build is millions of rows
BATCH = 10_000
SQL_TYPE = {"int": "INTEGER", "money": "REAL", "float": "REAL", "string": "TEXT", "bool": "INTEGER"}


def _batches(out: Path, ds: D.Dataset):
    """A dataset's rows in batches of at most `BATCH`, its files in year order."""
    for part in D.dataset_files(out, ds):
        with D.row_group_reader(part) as f:
            yield from f.iter_batches(batch_size=BATCH, use_threads=False)


def write_csv(out: Path) -> list[Path]:
    """csv/<dataset>.csv for every dataset, and csv/datapackage.json."""
    out = Path(out)
    folder = out / "csv"
    folder.mkdir(exist_ok=True)
    written = []
    for ds in D.datasets():
        p = folder / f"{ds.name}.csv"
        tmp = p.with_name(f".{p.name}.tmp")
        with open(tmp, "wb") as f:
            f.write(BOM)
            writer = None  # made at the first file: its header is the file's (none without a file)
            for part in D.dataset_files(out, ds):  # a partitioned dataset: one file, year by year
                with D.row_group_reader(part) as pf:
                    if writer is None:
                        writer = pcsv.CSVWriter(
                            f, pf.schema_arrow, write_options=pcsv.WriteOptions(quoting_style="needed")
                        )
                    for batch in pf.iter_batches(batch_size=BATCH, use_threads=False):
                        writer.write_batch(batch)
            if writer is not None:
                writer.close()
        os.replace(tmp, p)
        written.append(p)
    pkg = __import__("json").loads((out / "datapackage.json").read_text(encoding="utf-8"))
    by_name = {ds.name: ds for ds in D.datasets()}
    for res in pkg["resources"]:
        res.update(
            {
                "path": f"{res['name']}.csv",
                "description": f"One row per {by_name[res['name']].row}.",  # one file, whether partitioned or not
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": {"csv": {"delimiter": ",", "quoteChar": '"', "header": True}},
            }
        )
    p = folder / "datapackage.json"
    D.write_json(pkg, p)
    written.append(p)
    return written


def _create(ds: D.Dataset) -> str:
    cols = [f'"{f.name}" {SQL_TYPE[f.kind]}' for f in ds.fields]
    if ds.primary_key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in ds.primary_key) + ")")
    for a, ref, b in ds.foreign_keys:
        cols.append(
            "FOREIGN KEY ("
            + ", ".join(f'"{k}"' for k in a)
            + f') REFERENCES "{ref}" ('
            + ", ".join(f'"{k}"' for k in b)
            + ")"
        )
    return f'CREATE TABLE "{ds.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def write_sqlite(out: Path) -> Path:
    """xxgk.sqlite with one table per dataset (the same rows as the parquet files)."""
    out = Path(out)
    p = out / "xxgk.sqlite"
    tmp = out / ".xxgk.sqlite.tmp"
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    try:
        for ds in D.datasets():
            con.execute(_create(ds))
            marks = ", ".join("?" for _ in ds.fields)
            for batch in _batches(out, ds):
                cols = [c.to_pylist() for c in batch.columns]
                con.executemany(f'INSERT INTO "{ds.name}" VALUES ({marks})', zip(*cols))
        con.commit()
    finally:
        con.close()
    os.replace(tmp, p)
    return p
