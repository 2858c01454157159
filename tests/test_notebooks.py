"""The notebooks run top to bottom on the demo's datasets, from their own folder, with their
parameters set as papermill would (a cell injected after the one tagged ``parameters``),
draw their figures with Chinese labels (no missing-glyph warning), and are committed
without outputs."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb"))
FIGURES = {
    "researcher_panel": ["panel_received_by_year", "panel_outcomes"],
    "county_profile": ["county_ranking", "county_coverage"],
}

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")
pytest.importorskip("matplotlib", reason="matplotlib is in the notebooks and test extras")


def run_notebook(path: Path, params: dict, cwd: Path):
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    src = "\n".join(f"{k} = {v!r}" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(at + 1, cell)
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return nb


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pipeline.demo import main

    out = tmp_path_factory.mktemp("demo")
    assert main(Namespace(out=str(out))) == 0
    return out / "clean"


def _texts(nb) -> str:
    out = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            out.append(o.get("text", "") + json.dumps(o.get("data", {}), ensure_ascii=False))
    return "\n".join(out)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_demo_and_draws_its_figures(path, demo, tmp_path):
    figures = tmp_path / "figures"
    nb = run_notebook(path, {"DATA": str(demo), "FIGURES": str(figures)}, cwd=path.parent)
    text = _texts(nb)
    assert "missing from" not in text and "Glyph" not in text, text[:2000]  # no tofu
    assert sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])) >= 2
    for name in FIGURES[path.stem]:
        png = figures / f"{name}.png"
        assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5000


def test_a_missing_dataset_says_how_to_make_it(tmp_path):
    from pipeline.plots import dataset_dir

    with pytest.raises(FileNotFoundError, match="xxgk demo"):
        dataset_dir(tmp_path / "nothing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_are_committed_without_outputs_and_with_parameters(path):
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, path.name
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), path.name
