"""Browse a build without code: Datasette over ``xxgk.sqlite``.

``xxgk build --sqlite`` writes ``xxgk.sqlite`` (`pipeline.exports`) and, beside it,
``metadata.json`` for Datasette (`write_metadata`): every table and column described as the
data dictionary describes it (`pipeline.datasets`, the schema's one source), facets on the
columns people filter by (province, county, year, template, scope, status where a table
has them), the licence and the sources. Foreign keys are declared in the database, so a
cell links to its report, and a report's ``url`` (a link in Datasette) to the source file
on its portal.

    xxgk serve data/clean            # = datasette serve data/clean/xxgk.sqlite -m data/clean/metadata.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FACETS = ("province", "county", "year", "template", "scope", "status", "relation", "publisher_type")
DATABASE = "xxgk"  # Datasette names the database after the file


def metadata() -> dict:
    """Datasette metadata for every dataset of the build."""
    from pipeline import datasets as D

    tables = {}
    for ds in D.datasets():
        names = ds.names()
        facets = [c for c in FACETS if c in names]
        t: dict = {
            "title": f"{ds.title_en} / {ds.title_zh}",
            "description": f"One row per {ds.row}.",
            "columns": {f.name: f"{f.zh} — {f.description}" for f in ds.fields},
        }
        if facets:
            t["facets"] = facets
        if len(names) > 60:  # the panel: show its keys first, not 500 indicator columns
            t["description"] += " Wide table: pick columns with ?_col=… (see the data dictionary)."
        tables[ds.name] = t
    return {
        "title": "xxgk: 政府信息公开工作年度报告 datasets",
        "description": "Government information-disclosure annual reports parsed into tables; "
        "the columns are described in data_dictionary.md.",
        "license": "MIT",
        "source": "xxgk build",
        "databases": {DATABASE: {"tables": tables}},
    }


def write_metadata(out: str | Path) -> Path:
    p = Path(out) / "metadata.json"
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(json.dumps(metadata(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, p)
    return p


def serve_command(folder: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    folder = Path(folder)
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(folder / f"{DATABASE}.sqlite"),
        "-m",
        str(folder / "metadata.json"),
        "--host",
        host,
        "--port",
        str(port),
    ]


def main(args) -> int:
    folder = Path(args.dir)
    if not (folder / f"{DATABASE}.sqlite").is_file():
        print(f"xxgk serve: {folder}: no {DATABASE}.sqlite — run xxgk build --sqlite --out {folder}", file=sys.stderr)
        return 2
    try:
        import datasette  # noqa: F401
    except ImportError:
        print("xxgk serve: datasette is not installed: pip install 'xxgk[browse]'", file=sys.stderr)
        return 2
    if not (folder / "metadata.json").is_file():
        write_metadata(folder)
    return subprocess.call(serve_command(folder, args.host, args.port))
