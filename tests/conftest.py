import os
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis: CI draws the same examples on every run (a red CI is reproducible, a green one
# is not luck); `HYPOTHESIS_PROFILE=search pytest tests/test_roundtrip_text.py` runs a longer
# random search locally, and `dev` (the default outside CI) draws fresh examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.register_profile("search", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

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
