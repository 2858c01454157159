"""Ambiguous rows settled across years: the parser keeps a row's competing readings, the
build keeps the one reading the publisher's neighbouring year admits."""

from __future__ import annotations

import random

import pandas as pd

from parsers.report import parse_bytes
from pipeline.crossyear import settle
from synth.generator import generate_values, render_text

ROW = "t2/art20_1.normative_docs"
OPTIONS = [
    {f"{ROW}/made_new": a, f"{ROW}/published_new": b, f"{ROW}/published_total": c}
    for a, b, c in ((7, 7, 77166), (77, 77, 166), (777, 7, 166), (7, 77, 7166))
]


def _report(year: int, options=OPTIONS) -> dict:
    cells = [{"address": a, "value": None, "raw": "", "status": "unresolved"} for a in options[0]]
    return {
        "report_id": f"r{year}",
        "year": year,
        "template": "2019",
        "cells": cells,
        "warnings": [],
        "readings": [{"row": ROW, "options": options}],
    }


def _prev(total: int, template: str = "2019") -> dict:
    return {2019: ("r2019", template, {f"{ROW}/published_total": total})}


def test_the_one_reading_the_previous_year_admits_is_kept_and_names_that_report():
    out = settle(_report(2020), _prev(89))  # 89 + 77 = 166
    got = {c["address"]: (c["value"], c["status"], c.get("resolved_by")) for c in out["cells"]}
    assert got == {
        f"{ROW}/made_new": (77, "resolved_cross_year", "r2019"),
        f"{ROW}/published_new": (77, "resolved_cross_year", "r2019"),
        f"{ROW}/published_total": (166, "resolved_cross_year", "r2019"),
    }
    assert out["readings"] == [] and out["warnings"][-1]["code"] == "RESOLVED_CROSS_YEAR"
    assert "r2019" in out["warnings"][-1]["message"]


def test_nothing_is_settled_without_a_deciding_neighbour():
    rep = _report(2020)
    assert settle(rep, {}) is rep  # no neighbour
    assert settle(rep, _prev(89, template="2021")) is rep  # another template: the identity does not apply
    assert settle(rep, _prev(5)) is rep  # no reading fits (the source or a merger breaks the link)
    two = OPTIONS + [{f"{ROW}/made_new": 1, f"{ROW}/published_new": 77, f"{ROW}/published_total": 166}]
    assert settle(_report(2020, two), _prev(89)) == _report(2020, two)  # two readings fit: still unresolved


def test_parse_output_keeps_the_competing_readings_of_an_ambiguous_row():
    values = _values(166)
    report = parse_bytes(
        render_text(values, "2019", 2020, "测试县交通运输局", "run_together", random.Random(1), noise=False).encode(),
        name="r.txt",
    )
    row = next(r for r in report.readings if r["row"] == ROW)
    assert {f"{ROW}/made_new": 77, f"{ROW}/published_new": 77, f"{ROW}/published_total": 166} in row["options"]
    assert len(row["options"]) > 1 and report.as_dict()["readings"] == list(report.readings)


def _values(total: int) -> dict:
    values = generate_values(random.Random(3), "2019", blanks=False)
    values.update({f"{ROW}/made_new": 77, f"{ROW}/published_new": 77, f"{ROW}/published_total": total})
    return values


def test_build_settles_a_row_from_the_publishers_previous_year(tmp_path):
    from pipeline.build import build

    raw = tmp_path / "raw"
    raw.mkdir()
    agency = "测试县交通运输局"
    (raw / "2020.txt").write_text(
        render_text(_values(166), "2019", 2020, agency, "run_together", random.Random(1), noise=False), encoding="utf-8"
    )
    (raw / "2019.txt").write_text(
        render_text(_values(89), "2019", 2019, agency, "tab", random.Random(1), noise=False), encoding="utf-8"
    )
    build(raw, tmp_path / "clean", workers=1, progress=False)
    cells = pd.read_parquet(tmp_path / "clean" / "cells")
    reports = pd.read_parquet(tmp_path / "clean" / "reports.parquet").set_index("report_id")
    row = cells[cells.address.str.startswith(ROW + "/") & (cells.year == 2020)].set_index("col")
    assert row.loc[["made_new", "published_new", "published_total"], "value"].tolist() == [77, 77, 166]
    assert set(row.status) == {"resolved_cross_year"}
    (prev_id,) = reports.index[reports.year == 2019]
    assert set(row.resolved_by) == {prev_id}


def test_a_settled_report_s_rows_come_from_the_row_cache_only_beside_the_same_neighbours(tmp_path):
    """A rebuild takes a settled report's rows from the row cache; once the next year's
    report that settled it is gone (its own cross-year checks, which read the previous year,
    unchanged), the cached rows no longer serve: the row is left as the parser left it,
    never the value the missing neighbour decided."""
    from pipeline.build import build

    raw, out = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    agency = "测试县交通运输局"
    v2020 = _values(77166)
    v2020.update({f"{ROW}/made_new": 7, f"{ROW}/published_new": 7})  # run together: 7777166 again
    (raw / "2020.txt").write_text(
        render_text(v2020, "2019", 2020, agency, "run_together", random.Random(1), noise=False), encoding="utf-8"
    )
    (raw / "2021.txt").write_text(  # 对外公开总数量 2021 = 77166 + 77: of 2020's readings, only 7/7/77166 fits
        render_text(_values(77243), "2019", 2021, agency, "tab", random.Random(1), noise=False), encoding="utf-8"
    )

    def row_2020():
        cells = pd.read_parquet(out / "cells")
        return cells[cells.address.str.startswith(ROW + "/") & (cells.year == 2020)].set_index("col")

    build(raw, out, workers=1, progress=False)
    assert row_2020().loc[["made_new", "published_new", "published_total"], "value"].tolist() == [7, 7, 77166]
    first = {p.relative_to(out): p.read_bytes() for p in (out / "cells").rglob("*.parquet")}
    assert len(list((out / ".cache" / "rows").rglob("*.rows"))) == 2  # the settled report's rows are cached too
    build(raw, out, workers=1, progress=False)
    assert {p.relative_to(out): p.read_bytes() for p in (out / "cells").rglob("*.parquet")} == first
    (raw / "2021.txt").unlink()
    build(raw, out, workers=1, progress=False)
    row = row_2020()
    assert set(row.loc[["made_new", "published_new", "published_total"], "status"]) == {"unresolved"}
