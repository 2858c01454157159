"""The build's working store answers its per-report and per-group lookups from an index: a
lookup that scans a table once per report or per group makes a step quadratic in the corpus
(the duplicate search read the whole ``docs`` table once per group of candidates, which cost a
cached rebuild two to six times more per report at 30,000 reports than at 10,000)."""

from __future__ import annotations

from pipeline.build import DOCS_OF_KEY
from pipeline.buildstore import BuildStore


def _plans(store: BuildStore, run) -> list[str]:
    """The query plan of every statement `run` makes the store execute."""
    seen: list[str] = []
    store.db.set_trace_callback(seen.append)
    try:
        run()
    finally:
        store.db.set_trace_callback(None)
    plans = []
    for sql in seen:
        if sql.lstrip().upper().startswith("SELECT"):
            plans += [row[-1] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql)]
    return plans


def test_a_duplicate_group_s_documents_come_from_an_index(tmp_path):
    store = BuildStore(tmp_path / "build.sqlite")
    try:
        plans = _plans(store, lambda: list(store.docs(DOCS_OF_KEY, ("a", 2021, "2021"))))
        assert plans and all("USING INDEX docs_by_key" in p for p in plans), plans
        plans = _plans(store, lambda: list(store.duplicate_groups()))
        assert plans and not any(p.startswith("SCAN docs") for p in plans), plans
    finally:
        store.close()
