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


def _report_batches() -> dict:
    """One report's rows of the four datasets the row cache keeps (cells with a null, no checks)."""
    import pyarrow as pa

    from pipeline.datasets import ROW_DATASETS, arrow_schema

    out = {}
    for i, ds in enumerate(ROW_DATASETS):
        schema = arrow_schema(ds.name)
        n = (3, 2, 0, 5)[i]
        cols = [pa.array([None] * n, f.type) if j % 2 else _filled(f.type, n, j) for j, f in enumerate(schema)]
        out[ds.name] = pa.RecordBatch.from_arrays(cols, schema=schema)
    return out


def _filled(t, n: int, j: int):
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pa.array([f"值{j}-{k}" for k in range(n)], t)
    if pa.types.is_integer(t):
        return pa.array(list(range(j, j + n)), t)
    if pa.types.is_floating(t):
        return pa.array([k / 3 for k in range(n)], t)
    if pa.types.is_boolean(t):
        return pa.array([k % 2 == 0 for k in range(n)], t)
    return pa.array([None] * n, t)


def test_a_report_s_cached_rows_come_back_equal(tmp_path):
    from pipeline.datasets import RowCache

    batches, meta = _report_batches(), {"counts": [7, 1], "values": {"t3_total": [21, "number"]}}
    p = tmp_path / "ab" / "x.rows"
    RowCache.put(p, batches, meta)
    got, got_meta = RowCache.get(p)
    assert got.keys() == batches.keys()
    assert all(got[n].equals(batches[n]) for n in batches)
    assert (got_meta["counts"], got_meta["values"]) == (meta["counts"], meta["values"])


def test_a_damaged_rows_file_is_no_entry(tmp_path):
    from pipeline.datasets import RowCache

    p = tmp_path / "ab" / "x.rows"
    RowCache.put(p, _report_batches(), {"counts": [0, 0], "values": {}})
    data = p.read_bytes()
    for bad in (data[: len(data) // 2], data[:-1], data + b"\0", b"", b"\0\0\0\5{}"):
        p.write_bytes(bad)
        assert RowCache.get(p) is None
    assert RowCache.get(tmp_path / "missing.rows") is None
