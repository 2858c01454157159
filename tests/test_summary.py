"""`xxgk summary DIR` on a small build of generated reports: one agency whose next year's
report copies its previous one, two others with their own text, and a file that is not a
report."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from pipeline.build import build
from pipeline.cli import main
from pipeline.summary import summarize
from synth.generator import generate_values, render_text

COPIER = "岚川市清河县人民政府"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("summary")
    raw, out = base / "raw", base / "clean"
    raw.mkdir()
    rng = random.Random(3)
    vals = generate_values(rng, "2021", blanks=False, single_other=False)
    first = render_text(vals, "2021", 2022, COPIER, "tab", random.Random(1), noise=False, vary_prose=True)
    (raw / "copier_2022.txt").write_text(first, encoding="utf-8")
    (raw / "copier_2023.txt").write_text(first.replace("2022", "2023"), encoding="utf-8")  # last year's, re-dated
    for i, agency in enumerate(("岚川市松溪县教育局", "岚川市松溪县财政局")):
        v = generate_values(rng, "2019", blanks=False)
        (raw / f"other{i}.txt").write_text(
            render_text(v, "2019", 2020, agency, "pipe", random.Random(10 + i), noise=False, vary_prose=True),
            encoding="utf-8",
        )
    (raw / "notes.txt").write_text("会议通知：请各单位于周五前报送材料。\n", encoding="utf-8")
    build(raw, out, workers=1, progress=False)
    return out


def test_summary_shows_each_part(built):
    text = summarize(built)
    reports = pd.read_parquet(built / "reports.parquet")
    kept = reports[reports.status == "kept"]
    assert len(kept) == 4
    for part in (
        "kept reports by year and template",
        "failed checks",
        "unresolved cells",
        "copied text",
        "most copied reports",
    ):
        assert part in text, part
    assert "documents: 4 kept, 0 duplicate, 1 skipped, 0 error" in text
    assert "of 4 kept reports (left unresolved" in text  # counted over kept reports, not over those with cells
    year_rows = {line.split()[0]: line for line in text.splitlines() if line[:4] in ("2020", "2022", "2023")}
    assert set(year_rows) == {"2020", "2022", "2023"}
    assert year_rows["2020"].split()[-1] == "2" and year_rows["2023"].split()[-1] == "1"


def test_summary_names_the_copier_first(built):
    reports = pd.read_parquet(built / "reports.parquet").set_index("report_id")
    later = reports[(reports.agency == COPIER) & (reports.year == 2023)].index[0]
    earlier = reports[(reports.agency == COPIER) & (reports.year == 2022)].index[0]
    assert reports.loc[later, "boilerplate_share"] >= 0.9
    lines = summarize(built, width=200).splitlines()
    top = lines.index("most copied reports") + 3  # title, header, rule
    assert lines[top].startswith(later) and earlier in lines[top]


def test_summary_command_and_a_folder_that_is_not_a_build(built, tmp_path, capsys):
    assert main(["summary", str(built)]) == 0
    assert "kept reports by year and template" in capsys.readouterr().out
    assert main(["summary", str(tmp_path)]) == 2
    assert "no reports.parquet" in capsys.readouterr().err
