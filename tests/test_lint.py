"""The code passes `ruff check` under the configuration in pyproject.toml (rules, line
length, mccabe complexity 25) and is as `ruff format` leaves it, so that CI holds every
change to the same habits (`make lint` runs both)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs ruff (the test extra installs it)")
        pytest.skip("ruff is not installed: pip install -e '.[test]'")
    return [exe]


def test_ruff_check_passes():
    p = subprocess.run(
        [*_ruff(), "check", "--no-cache", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]


def test_ruff_format_leaves_the_code_as_it_is():
    p = subprocess.run(
        [*_ruff(), "format", "--check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert p.returncode == 0, "run `ruff format .`:\n" + p.stdout[-4000:] + p.stderr[-2000:]
