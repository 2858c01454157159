"""A build's caches drop what a rebuild would never read: other versions' folders and the
entries this build did not look up."""

from __future__ import annotations

from pipeline.cachefiles import prune_unused


def test_other_versions_and_unused_entries_go_used_ones_stay(tmp_path):
    current, old = tmp_path / "rows" / "v2", tmp_path / "rows" / "v1"
    (current / "ab").mkdir(parents=True)
    (old / "ab").mkdir(parents=True)
    used, unused, other_kind = current / "ab" / "x.arrow", current / "ab" / "y.arrow", current / "ab" / "z.json"
    for p in (used, unused, other_kind, old / "ab" / "x.arrow"):
        p.write_bytes(b"x")
    prune_unused(current, {used}, "*/*.arrow")
    assert not old.exists()
    assert used.exists() and not unused.exists()
    assert other_kind.exists()  # only the entries of this cache's own kind are judged


def test_a_cache_never_written_is_nothing_to_prune(tmp_path):
    prune_unused(tmp_path / "similarity" / "v1", set(), "*/*.json.gz")
    assert not (tmp_path / "similarity").exists()
