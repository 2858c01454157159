"""Word 97 files with merged table cells, made by LibreOffice from the generator's DOCX
(both templates; vertical merges in tables 三 and 四), read through LibreOffice cell for
cell like the DOCX; through antiword they lose tables, and the reader says so."""

from __future__ import annotations

import os
import random
import shutil
import subprocess

import pytest

from parsers.readers import doc as doc_mod
from parsers.report import parse_bytes
from synth.generator import generate_values
from synth.render_forms import render_docx


def _need(tool: str, package: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {tool} (scripts/system-deps.sh installs {package})")
        pytest.skip(f"{tool} is not installed (Debian/Ubuntu: apt-get install {package})")
    return exe


@pytest.fixture(scope="module")
def word97_files(tmp_path_factory) -> dict[str, tuple[bytes, bytes]]:
    """version -> (DOCX bytes, the Word 97 file LibreOffice saved from it)."""
    soffice = _need("soffice", doc_mod.SOFFICE_PACKAGE)
    tmp = tmp_path_factory.mktemp("word97")
    rng = random.Random(97)
    docs = {}
    for version in ("2019", "2021"):
        data = render_docx(generate_values(rng, version), version, 2022, "测试县某局", rng=random.Random(3))
        (tmp / f"{version}.docx").write_bytes(data)
        docs[version] = data
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={doc_mod.profile_dir().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp / "out"),
            *(str(tmp / f"{v}.docx") for v in docs),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {v: (data, (tmp / "out" / f"{v}.doc").read_bytes()) for v, data in docs.items()}


def _cells(report) -> list[tuple]:
    return [(c.address, c.value, c.raw, c.status) for c in report.cells]


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_word97_with_merged_cells_reads_like_the_docx(word97_files, version):
    docx_bytes, doc_bytes = word97_files[version]
    from_docx = parse_bytes(docx_bytes, name="r.docx")
    from_doc = parse_bytes(doc_bytes, name="r.doc")
    assert from_doc.source["format"] == "doc" and from_docx.source["format"] == "docx"
    assert _cells(from_doc) == _cells(from_docx)
    numbers = {c.address.split("/")[0] for c in from_doc.cells if c.status == "number"}
    assert numbers == {"t2", "t3", "t4"}
    assert [w.code for w in from_doc.warnings] == [w.code for w in from_docx.warnings]


def test_antiword_text_of_merged_tables_warns_of_the_cells_it_lost(word97_files, monkeypatch):
    monkeypatch.setattr(doc_mod, "converters", lambda: {"antiword": _need("antiword", "antiword"), "soffice": None})
    d = doc_mod.read_doc(word97_files["2019"][1])
    lost = [w for w in d.warnings if w.code == "DOC_TABLE_CELLS_LOST"]
    assert len(lost) == 1 and doc_mod.SOFFICE_PACKAGE in lost[0].message
