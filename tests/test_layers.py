"""The packages' layers, read from the source: who may import whom, and no swallowed import
of the project's own modules.

    parsers  <-  synth  <-  scrapers.simulator  <-  pipeline
    parsers  <-  scrapers (crawling)            <-  pipeline

`parsers` reads one report and imports nothing of the project above it; `synth` (test
tooling: the generator and renderers) builds on `parsers` alone; the crawler does not need
`synth` or `pipeline`; only the portal simulator serves generated reports. A failed import
of one of the project's own modules is a bug to see, so no ``except ImportError`` may wrap
one (optional third-party extras may be guarded).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("parsers", "synth", "scrapers", "pipeline")
# package (or module prefix) -> the project's packages it may import
ALLOWED = {
    "parsers": {"parsers"},
    "synth": {"parsers", "synth"},
    "scrapers.simulator": {"parsers", "synth", "scrapers"},
    "scrapers": {"parsers", "scrapers"},
    "pipeline": {"parsers", "scrapers", "pipeline"},
}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for pkg in PROJECT:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out.append((".".join(p for p in parts if p != "__init__"), path))
    return out


def _imported(module: str, path: Path, node: ast.AST) -> list[str]:
    """Absolute names of what an import statement imports (relative ones resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if not node.level:
            return [node.module or ""]
        base = module.split(".")
        if path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return [".".join(base + ([node.module] if node.module else []))]
    return []


def _rule(module: str) -> set[str]:
    key = max((k for k in ALLOWED if module == k or module.startswith(k + ".")), key=len)
    return ALLOWED[key]


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = []
    t = handler.type
    for e in t.elts if isinstance(t, ast.Tuple) else [t]:
        if isinstance(e, ast.Name):
            names.append(e.id)
    return t is None or bool({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"} & set(names))


MODULES = _modules()


def test_the_packages_are_found():
    names = {m for m, _ in MODULES}
    assert {"parsers.report", "synth.generator", "scrapers.simulator.content", "pipeline.cli"} <= names


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_layers(module, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = _rule(module)
    wrong = []
    for node in ast.walk(tree):
        for name in _imported(module, path, node):
            top = name.split(".")[0]
            if top in PROJECT and top not in allowed:
                wrong.append(f"line {node.lineno}: {name}")
    assert not wrong, f"{module} may import only {sorted(allowed)} of the project: {wrong}"


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_import_of_the_project_is_swallowed(module, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    swallowed = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try) or not any(_catches_import_error(h) for h in node.handlers):
            continue
        for stmt in node.body:
            for sub in ast.walk(stmt):
                for name in _imported(module, path, sub):
                    if name.split(".")[0] in PROJECT:
                        swallowed.append(f"line {sub.lineno}: {name}")
    assert not swallowed, f"{module} guards an import of its own project: {swallowed}"
