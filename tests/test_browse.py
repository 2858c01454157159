"""Browsing without code: `xxgk build --sqlite` writes xxgk.sqlite and Datasette metadata;
Datasette serves it on 127.0.0.1 with the facets and descriptions; a headless Chromium
(Debian's chromium, from scripts/system-deps.sh) loads the faceted page."""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import time

import httpx
import pytest

from pipeline.browse import metadata, serve_command
from pipeline.build import build
from synth.generator import generate_values, render_text

pytest.importorskip("datasette", reason="datasette is in the test and browse extras")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("browse")
    raw, out = base / "raw", base / "clean"
    raw.mkdir()
    rng = random.Random(4)
    for i, (agency, year) in enumerate(
        (("岚川市清河县人民政府", 2022), ("岚川市清河县人民政府", 2023), ("岚川市松溪县教育局", 2020))
    ):
        v = generate_values(rng, "2021" if year > 2020 else "2019", blanks=False)
        text = render_text(v, "2021" if year > 2020 else "2019", year, agency, "tab", random.Random(i), noise=False)
        (raw / f"r{i}.txt").write_text(text, encoding="utf-8")
    build(raw, out, workers=1, sqlite=True, progress=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(serve_command(out, port=port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/-/versions.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("datasette did not start: " + proc.stderr.read1(4000).decode(errors="replace"))
        yield url, out
    finally:
        proc.terminate()
        proc.wait(10)


def test_build_writes_metadata_from_the_schema(served):
    _, out = served
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta == metadata()
    reports = meta["databases"]["xxgk"]["tables"]["reports"]
    assert reports["facets"][:3] == ["province", "county", "year"] and "status" in reports["facets"]
    assert "报告编号" in reports["columns"]["report_id"]


def test_datasette_serves_the_faceted_table(served):
    url, _ = served
    page = httpx.get(url + "/xxgk/reports", timeout=30).text
    assert "Reports / 报告" in page
    assert 'class="facet-info' in page and "2022" in page and "2023" in page  # the year facet with its values
    data = httpx.get(url + "/xxgk/reports.json?_facet=year&_shape=objects", timeout=30).json()
    years = {r["value"]: r["count"] for r in data["facet_results"]["year"]["results"]}
    assert years == {2020: 1, 2022: 1, 2023: 1}
    cell = httpx.get(url + "/xxgk/cells.json?_shape=objects&_size=1&_labels=on", timeout=30).json()["rows"][0]
    assert cell["report_id"]["value"]  # a cell links to its report (foreign key)


def test_headless_chromium_shows_the_facets(served):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        pytest.skip("Debian's chromium package is not installed (scripts/system-deps.sh installs it as root)")
    url, _ = served
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url + "/xxgk/reports"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "Reports / 报告" in dom and "facet-info" in dom and "2023" in dom
