"""The build's one step beyond pyproject.toml: the compiled twins of parsers.twins.MODULES,
the PDF reader's C loops (parsers/readers/_pdfloops.c, see its header) and the table
machinery's (parsers/_rowloops.c, see parsers/rowloops.py).

Each listed module is compiled, unchanged, with Cython into parsers/_compiled/, with the
SHA-256 of its source beside it, so that parsers.twins loads a twin only for the source it
was made from. The twins are an optimisation, never a requirement: where Cython or a C
compiler is missing, or a module fails to compile, the build says so and goes on, and that
module runs as Python.

The C loops are plain C extensions, optional in the same way: without them the PDF reader
makes the same PDFium calls through ctypes, and the table machinery runs its Python loops
(slower, the same output).

A twin is compiled under the module's own name (parsers.readings), so that its functions
and classes are those of parsers.readings (pickles, reprs, tracebacks), and built as the
extension parsers._compiled.readings, so that setuptools puts it in parsers/_compiled/
(in the wheel, or beside the source for an editable install) rather than beside the .py.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def _twins():
    """parsers/twins.py, loaded by path (importing the package would need its dependencies)."""
    spec = importlib.util.spec_from_file_location("_xxgk_twins", ROOT / "parsers" / "twins.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TWINS = _twins()
DIRECTIVES = {
    "language_level": 3,
    "binding": True,  # functions keep Python's introspection (functools.cache, keywords, __wrapped__)
    "annotation_typing": False,  # annotations stay documentation: every value a Python object, as in CPython
    "infer_types": False,  # no C types inferred either: integers never overflow, arithmetic as in Python
}
PREFIX = "parsers._compiled."


class BuildTwins(build_ext):
    """build_ext that cythonizes each twin under its module's name, builds on without a
    twin that fails, and writes each twin's source hash beside it (copied beside the
    in-place twin too, for an editable install)."""

    def build_extension(self, ext: Extension) -> None:
        if not ext.name.startswith(PREFIX):  # a plain C extension (optional=True: a failure is a warning)
            if self.compiler.compiler_type == "unix":
                # a * b + c rounded twice, as Python computes it (the layout loops must match pdf.py)
                ext.extra_compile_args = ["-ffp-contract=off"]
            super().build_extension(ext)
            return
        name = ext.name[len(PREFIX) :]
        source = ROOT / ext.sources[0]
        try:
            from Cython.Build import cythonize

            digest = TWINS.source_hash(source)
            module = Extension("parsers." + name, [ext.sources[0]])
            (compiled,) = cythonize([module], compiler_directives=DIRECTIVES, build_dir="build/cython", quiet=True)
            ext.sources = compiled.sources
            if self.compiler.compiler_type == "unix":
                ext.extra_compile_args = ["-g0"]  # no debug information: a fifth of the size, a faster build
            super().build_extension(ext)
        except Exception as e:  # no Cython, a Cython or a compiler error: this module runs as Python
            print(f"xxgk: parsers.{name} not compiled ({type(e).__name__}: {e}); it runs as Python", flush=True)
            return
        Path(self._stamp(ext.name)).write_text(digest + "\n")

    def _stamp(self, ext_name: str) -> str:
        name = ext_name[len(PREFIX) :]
        return str(Path(self.get_ext_fullpath(ext_name)).parent / (name.rsplit(".", 1)[-1] + ".sha256"))

    def copy_extensions_to_source(self) -> None:
        for ext in self.extensions:  # (the in-place folders do not exist in a fresh checkout)
            inplace = Path(self.get_ext_fullpath(ext.name))
            inplace.parent.mkdir(parents=True, exist_ok=True)
            # The copy would rewrite the file it finds, which a process running the old
            # build (a test, a build's workers) has mapped: it would crash. Unlinked, the old
            # file lives on for those processes, and the copy makes a new one.
            built = Path(self.build_lib) / self.get_ext_filename(self.get_ext_fullname(ext.name))
            if built.is_file():
                inplace.unlink(missing_ok=True)
        super().copy_extensions_to_source()
        self.inplace, inplace = 0, self.inplace
        twins = [ext for ext in self.extensions if ext.name.startswith(PREFIX)]
        built = {ext.name: self._stamp(ext.name) for ext in twins}
        self.inplace = inplace
        for ext in twins:
            if Path(built[ext.name]).is_file():
                shutil.copyfile(built[ext.name], self._stamp(ext.name))


def _extensions() -> list[Extension]:
    # optional: a twin that was not built is not copied in place (build_extension says why)
    return [Extension(PREFIX + name, [f"parsers/{name.replace('.', '/')}.py"], optional=True) for name in TWINS.MODULES]


PDF_LOOPS = Extension("parsers.readers._pdfloops", ["parsers/readers/_pdfloops.c"], optional=True)
ROW_LOOPS = Extension("parsers._rowloops", ["parsers/_rowloops.c"], optional=True)

setup(ext_modules=[*_extensions(), PDF_LOOPS, ROW_LOOPS], cmdclass={"build_ext": BuildTwins})
