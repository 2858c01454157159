import os
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis: CI draws the same examples on every run (a red CI is reproducible, a green one
# is not luck; .ci/run sets HYPOTHESIS_PROFILE=ci, as does CI=1); `dev` (the default outside
# CI) draws fresh examples each run; `HYPOTHESIS_PROFILE=search pytest tests/test_roundtrip_text.py`
# runs a random search 20 times longer (README, "Testing").
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.register_profile("search", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def n_examples(n: int) -> int:
    """`n` examples under the ci and dev profiles (100 by default), scaled by the loaded
    profile's max_examples: a test's own ``@settings(max_examples=...)`` would otherwise
    override the profile, and the search profile would search no longer."""
    return max(1, n * settings.default.max_examples // 100)


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
