"""The compiled twins of the hot modules (parsers.twins, setup.py) give the output of the
Python modules byte for byte, and a twin is loaded only for the source it was made from."""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from parsers import twins
from synth.generator import generate

ROOT = Path(__file__).resolve().parent.parent


def test_a_twin_is_loaded_only_for_its_source(tmp_path):
    package, folder = tmp_path / "pkg", tmp_path / "pkg" / "_compiled"
    folder.mkdir(parents=True)
    (package / "mod.py").write_text("X = 1\n")
    so = folder / ("mod" + importlib.machinery.EXTENSION_SUFFIXES[0])
    so.write_bytes(b"not really a shared object")
    assert twins.twin_path("mod", folder, package) is None  # no hash beside it
    (folder / "mod.sha256").write_text(hashlib.sha256(b"X = 1\n").hexdigest() + "\n")
    assert twins.twin_path("mod", folder, package) == so
    (package / "mod.py").write_text("X = 2\n")  # edited since the build: the twin is stale
    assert twins.twin_path("mod", folder, package) is None
    (package / "mod.py").unlink()
    assert twins.twin_path("mod", folder, package) is None


def _built() -> list[str]:
    built = [m for m in twins.MODULES if twins.twin_path(m) is not None]
    if not built:
        if os.environ.get("CI"):
            pytest.fail("the install built no compiled twin (setup.py: Cython and a C compiler are needed in CI)")
        pytest.skip("no compiled twin built here (pip install -e . builds them)")
    return built


def _run(args: list[str], pure: bool, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "XXGK_PURE"}
    env["PYTHONPATH"] = str(ROOT)
    if pure:
        env["XXGK_PURE"] = "1"
    p = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout


def test_twins_are_loaded_where_built():
    built = _built()
    code = (
        "import importlib, parsers.twins as t\n"
        "for m in t.MODULES: importlib.import_module('parsers.' + m)\n"
        "print(' '.join(t.loaded()))"
    )
    assert set(_run(["-c", code], pure=False, cwd=ROOT).split()) == {f"parsers.{m}" for m in built}
    assert _run(["-c", code], pure=True, cwd=ROOT).split() == []


def test_twins_parse_as_python_does(tmp_path):
    """Generated reports of both templates, every text style, and pre-2019 ones, and
    generated web pages (every page shape and encoding render_html draws), parsed by the
    CLI with the twins and with XXGK_PURE=1: the same JSON lines."""
    import random

    from synth.generator import generate_values
    from synth.render_forms import render_html

    _built()
    names = []
    for seed, version in [(s, None) for s in range(120)] + [(500_000 + s, "pre2019") for s in range(10)]:
        g = generate(seed, version=version)
        name = f"gen-{seed:06d}.txt"
        (tmp_path / name).write_bytes(g.data)
        names.append(name)
    rng = random.Random(7)
    for i in range(40):
        version = rng.choice(["2019", "2021"])
        page = render_html(
            generate_values(rng, version),
            version,
            2022,
            f"测试县第{i}局",
            rng=rng,
            encoding=rng.choice(["utf-8", "gb18030"]),
            merged=rng.random() < 0.8,
        )
        name = f"page-{i:03d}.html"
        (tmp_path / name).write_bytes(page)
        names.append(name)
    args = ["-m", "pipeline.cli", "parse", "--json", *names]
    compiled, pure = _run(args, pure=False, cwd=tmp_path), _run(args, pure=True, cwd=tmp_path)
    assert len(pure.splitlines()) == len(names)
    differ = [json.loads(a)["source"]["path"] for a, b in zip(compiled.splitlines(), pure.splitlines()) if a != b]
    assert not differ, f"the compiled twins read {len(differ)} reports otherwise than Python: {differ[:5]}"


def test_pdf_twin_reads_as_python_does(tmp_path):
    """The PDF reader's twin (its layout: ruled tables, lines, furniture, page joins) reads
    generated PDFs (every layout option render_pdf draws) and the corpus PDFs into the
    same Documents as parsers/readers/pdf.py run as Python: the Documents' reprs (every
    block, cell, span, location and warning) compared file by file. Both runs make their
    PDFium calls through the C loops where built, so that only the twin differs."""
    import random

    from synth.generator import generate_values
    from synth.render_pdf import render_pdf

    if "readers.pdf" not in _built():
        pytest.skip("parsers.readers.pdf has no compiled twin here")
    rng = random.Random(11)
    names = []
    for i in range(12):
        version = rng.choice(["2019", "2021"])
        data = render_pdf(generate_values(rng, version), version, 2022, f"测试县第{i}局", rng=random.Random(i))
        (tmp_path / f"gen-{i:02d}.pdf").write_bytes(data)
        names.append(str(tmp_path / f"gen-{i:02d}.pdf"))
    names += sorted(str(p) for p in CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []
    code = (
        "import sys, hashlib, parsers.twins as t\n"
        "if sys.argv[1] == 'pure': t.MODULES = tuple(m for m in t.MODULES if m != 'readers.pdf')\n"
        "from parsers.readers.pdf import read_pdf\n"
        "assert ('parsers.readers.pdf' in t.loaded()) == (sys.argv[1] == 'twin'), t.loaded()\n"
        "for n in sys.argv[2:]:\n"
        "    print(n, hashlib.sha256(repr(read_pdf(open(n, 'rb').read())).encode()).hexdigest())\n"
    )
    twin = _run(["-c", code, "twin", *names], pure=False, cwd=ROOT)
    pure = _run(["-c", code, "pure", *names], pure=False, cwd=ROOT)
    assert len(pure.splitlines()) == len(names)
    differ = [a.split()[0] for a, b in zip(twin.splitlines(), pure.splitlines()) if a != b]
    assert not differ, f"the PDF reader's twin reads {len(differ)} PDFs otherwise than Python: {differ[:5]}"


def test_a_c_module_is_used_only_when_built_from_this_source(monkeypatch):
    """`c_module`: a module built from another version of its C source (its API differs) is
    passed over with a warning that names the slower path; XXGK_PURE and a module that was
    never built give None quietly."""
    monkeypatch.delenv("XXGK_PURE", raising=False)
    with pytest.warns(RuntimeWarning, match="older math.c: the loops run as Python"):
        assert twins.c_module("math", 1, "the loops run as Python") is None  # no API: not ours
    assert twins.c_module("parsers._no_such_module", 1, "x") is None
    from parsers import rowloops

    if rowloops.NATIVE is not None:
        assert twins.c_module("parsers._rowloops", rowloops.API, "x") is rowloops.NATIVE
    monkeypatch.setenv("XXGK_PURE", "1")
    assert twins.c_module("parsers._rowloops", rowloops.API, "x") is None
