import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("XXGK_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


def need_corpus() -> Path:
    """The shared corpus, or a skip outside CI (in CI its absence is a failure)."""
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the shared corpus at {CORPUS}")
        pytest.skip(f"shared corpus not found at {CORPUS} (set XXGK_SHARED to the shared folder)")
    return CORPUS
