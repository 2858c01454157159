"""Copy detection (pipeline.similarity) on constructed cases: generated reports with varied
prose, copies with figures changed, shared passages, and which pairs a build compares."""

from __future__ import annotations

import random
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import similarity as S
from synth.generator import generate, render_text


def _change_numbers(text: str, n: int) -> str:
    """Change the first n numbers of the text's prose (after its preface) to other numbers."""
    start = text.index("总体情况")
    out, done, pos = [], 0, 0
    for m in re.finditer(r"\d+", text[start:]):
        if done == n:
            break
        a, b = start + m.start(), start + m.end()
        out += [text[pos:a], str(int(m.group()) * 7 + 3)]
        pos, done = b, done + 1
    assert done == n
    return "".join(out) + text[pos:]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_copy_with_three_numbers_changed_scores_near_one(seed):
    text = generate(seed, vary_prose=True).text
    copy = _change_numbers(text, 3)
    assert copy != text
    c = S.similar_texts(copy, text)
    assert c.score >= 0.9
    assert c.share_a >= 0.9 and c.share_b >= 0.9


def test_unrelated_reports_score_low():
    reports = [generate(seed, vary_prose=True).text for seed in range(100, 112)]
    fps = [S.fingerprint(t) for t in reports]
    scores = [S.jaccard(a, b) for i, a in enumerate(fps) for b in fps[i + 1 :]]
    assert max(scores) <= 0.2, max(scores)


def test_template_tables_are_not_copying():
    """Two reports with the same tables (the same values in the same style) and their own
    prose: the flattened tables, which sections hold, do not make them alike."""
    a = generate(7, vary_prose=True)

    ta = render_text(a.values, a.version, a.year, "甲县人民政府", "tab", random.Random(1), noise=False, vary_prose=True)
    tb = render_text(a.values, a.version, a.year, "乙县教育局", "tab", random.Random(1), noise=False, vary_prose=True)
    assert S.similar_texts(ta, tb).score <= 0.2
    kept = S.tokenize(ta)
    assert kept.n_chars < 0.8 * len(re.sub(r"\s", "", ta))  # the tables were left out


def test_masking():
    assert S.mask("2021") == S.NUMBER
    assert S.mask("１２") == S.NUMBER
    assert S.mask("12.5") == S.NUMBER
    assert S.mask("十二月") == S.NUMBER and S.mask("三十一日") == S.NUMBER
    assert S.mask("一是") == "一是" and S.mask("统一") == "统一"
    assert S.mask("，") is None and S.mask(" ") is None
    assert S.mask("第3季度") == "第#季度"
    toks = S.tokenize("我镇举办培训班2021场，二〇二一年十二月起改为线上授课。")
    assert toks.words.count(S.NUMBER) == 2  # 2021 and 二〇二一年十二月 (a run of numbers is one)


def test_passage_offsets_point_at_the_shared_text():
    shared = (
        "我局坚持把政务公开作为转变政府职能的重要抓手，围绕群众关心关注的热点难点问题，"
        "深入推进决策、执行、管理、服务、结果公开，切实保障人民群众的知情权、参与权和监督权。"
    )
    a = "今年全镇共发布各类信息约五百条，主要集中在乡村振兴领域。" + shared + "下一步将完善考核。"
    b = "防汛抗旱期间及时发布预警信息，组织群众安全转移。" + shared + "其余事项无。"
    fa, fb = S.fingerprint(a), S.fingerprint(b)
    c = S.compare(fa, fb)
    spans = S.char_passages(fa, fb, c)
    assert spans and ";" not in spans  # one passage
    (sa, ea), (sb, eb) = [tuple(map(int, p.split("-"))) for p in spans.split(":")]
    assert a[sa:ea] == b[sb:eb]
    assert a[sa:ea] in shared and len(a[sa:ea]) >= 0.9 * len(shared)
    assert 0 < c.share_a < 1 and c.share_b > c.share_a  # b is shorter besides the passage


def _items(*rows):
    return [S.Item(rid, pub, S.region_of("某省", "某市", county), year) for rid, pub, county, year in rows]


def _county_case():
    base = generate(21, vary_prose=True).text
    other = generate(22, vary_prose=True).text
    far = generate(23, vary_prose=True).text
    texts = {
        "a2020": base,
        "a2021": _change_numbers(base, 3),  # the same publisher copies its previous year
        "b2021": _change_numbers(base, 5),  # another publisher of the county copies it too
        "c2021": other,  # another publisher of the county, its own text
        "d2021": base,  # the same text in another county: not compared
        "e2019": far,  # the publisher a, earlier, unrelated: compared and listed with a low score
    }
    items = _items(
        ("a2020", "A", "甲县", 2020),
        ("a2021", "A", "甲县", 2021),
        ("b2021", "B", "甲县", 2021),
        ("c2021", "C", "甲县", 2021),
        ("d2021", "D", "乙县", 2021),
        ("e2019", "A", "甲县", 2019),
    )
    rows, share = S.compare_all(items, texts)
    got = {(r["report_id"], r["other_report_id"]): r for r in rows}
    assert got[("a2021", "a2020")]["relation"] == "same_publisher" and got[("a2021", "a2020")]["score"] >= 0.9
    assert got[("a2020", "e2019")]["score"] <= 0.2  # every earlier year is listed, a low score too
    assert ("a2021", "e2019") in got
    assert got[("a2021", "b2021")]["relation"] == "same_region" and got[("a2021", "b2021")]["score"] >= 0.9
    assert not any("d2021" in k for k in got)  # another county
    assert ("b2021", "c2021") not in got and ("a2021", "c2021") not in got  # below the threshold
    assert share["a2021"] >= 0.9 and share["b2021"] >= 0.9
    assert share["a2020"] < 0.3  # copied by its successor, not a copier itself
    assert share["d2021"] == 0.0
    assert rows == S.compare_all(list(reversed(items)), texts)[0]  # order of the input does not matter
    assert [len(s) for s in S.shards(items)] == [5, 1]  # 甲县 with publisher A's years; 乙县
    assert S.compare_all(items, texts, workers=2) == (rows, share)  # shards in parallel: the same result
    return items, texts, (rows, share)


def test_which_pairs_are_compared_and_boilerplate_counts_only_what_came_before():
    _county_case()


def test_texts_on_disk_and_cached_shards_give_the_same_result(tmp_path, monkeypatch):
    items, texts, want = _county_case()
    store = S.TextStore(tmp_path / "texts")
    for rid in sorted(texts):
        store.add(rid, texts[rid])
    assert dict(store) == texts
    for workers in (1, 2):  # texts read from the file here, and by the pool's workers
        assert S.compare_all(items, store, workers=workers) == want
    assert S.compare_all(items, store, cache_dir=tmp_path / "cache") == want
    assert len(list((tmp_path / "cache").rglob("*.json.gz"))) == 2  # one entry per shard

    def boom(*a):
        raise AssertionError("a cached shard was compared again")

    monkeypatch.setattr(S, "compare_shard", boom)
    assert S.compare_all(items, store, cache_dir=tmp_path / "cache") == want  # every shard from the cache
    store.add("a2022", "另一份报告")  # a shard that changed is compared again
    with pytest.raises(AssertionError, match="compared again"):
        S.compare_all(items + _items(("a2022", "A", "甲县", 2022)), store, cache_dir=tmp_path / "cache")
    store.close()
    assert not (tmp_path / "texts").exists()


def test_empty_and_short_texts_compare_as_nothing():
    assert S.similar_texts("", "").score == 0.0
    assert S.similar_texts("无。", "无。").score == 0.0  # fewer words than a shingle
    rows, share = S.compare_all(_items(("x", "X", "甲县", 2020), ("y", "X", "甲县", 2021)), {"x": "", "y": "无"})
    assert rows == [] and share == {}


def test_lsh_finds_similar_signatures_and_skips_unrelated():
    a = S.fingerprint(generate(31, vary_prose=True).text)
    b = S.fingerprint(_change_numbers(generate(31, vary_prose=True).text, 4))
    c = S.fingerprint(generate(32, vary_prose=True).text)
    cands = S.lsh_candidates([a.signature, b.signature, c.signature])
    assert (0, 1) in cands and (0, 2) not in cands and (1, 2) not in cands


# --------------------------------------------------------------------------- memory: nothing holds the corpus


def _corpus(counties: int = 3, publishers: int = 4, years: int = 3):
    """Items and texts of a few counties: each publisher copies its previous year (figures
    changed) or writes afresh; the second publisher of a county copies the first."""
    items, texts = [], {}
    seed = 500
    for c in range(counties):
        first = None
        for p in range(publishers):
            seed += 1
            text = generate(seed, vary_prose=True).text if p != 1 else _change_numbers(first, 4)
            first = first or text
            for y in range(years):
                if y:
                    seed += 1
                    text = _change_numbers(text, 3) if (p + y) % 2 else generate(seed, vary_prose=True).text
                rid = f"c{c}p{p}y{y}"
                items.append(S.Item(rid, f"c{c}p{p}", S.region_of("某省", "某市", f"县{c}"), 2019 + y))
                texts[rid] = text
    return items, texts


class _Counted(str):
    """A text that counts how many of its kind are alive at once."""

    alive = peak = 0

    def __new__(cls, value):
        self = super().__new__(cls, value)
        cls.alive += 1
        cls.peak = max(cls.peak, cls.alive)
        return self

    def __del__(self):
        type(self).alive -= 1


def test_a_shard_reads_one_text_at_a_time_and_keeps_few_fingerprints(monkeypatch):
    """The texts of a shard are read, fingerprinted and let go one by one, and at most
    FP_LOADED whole fingerprints are in memory at once (the others wait on disk): a return to
    holding a shard's (or the corpus's) texts or fingerprints fails here."""
    import weakref
    from collections.abc import Mapping
    from dataclasses import dataclass

    items, texts = _corpus()
    want = S.compare_all(items, texts)

    class Source(Mapping):
        def __getitem__(self, rid):
            return _Counted(texts[rid])

        def __iter__(self):
            return iter(texts)

        def __len__(self):
            return len(texts)

    live = [0, 0]  # fingerprints alive, the most at once

    def gone():
        live[0] -= 1

    @dataclass(frozen=True)
    class Fp(S.Fingerprint):
        def __post_init__(self):
            live[0] += 1
            live[1] = max(live[1], live[0])
            weakref.finalize(self, gone)

    monkeypatch.setattr(S, "Fingerprint", Fp)
    monkeypatch.setattr(S, "FP_LOADED", 3)
    assert len(S.shards(items)[0]) == 12
    got = S.compare_all(items, Source())
    assert got == want
    assert _Counted.peak == 1 and _Counted.alive == 0
    assert live[1] <= 3 + 3  # the loaded ones, the last pair compared, the one being loaded (of 12)


def _build_folder(folder, items, texts, extra_reports=()):
    """reports.parquet and the sections folder as a build writes them (sections: a text cut at
    line ends, year by year)."""
    from pipeline import datasets as D

    folder.mkdir(exist_ok=True)
    rep = D.TableBuilder(D.REPORTS, path=folder / D.REPORTS.path)
    sec = D.PartitionedWriter(D.SECTIONS, D.SECTIONS_ROW_GROUP, folder / D.SECTIONS.path)
    rows = [
        {
            "report_id": it.report_id,
            "status": "kept",
            "publisher_id": it.publisher,
            "province": it.region[0],
            "city": it.region[1],
            "county": it.region[2],
            "year": it.year,
        }
        for it in items
    ]
    rows = sorted(rows + list(extra_reports), key=lambda r: r["report_id"])
    for r in rows:
        rep.add([r.get(f) for f in D.REPORTS.names()])
    for r in sorted(rows, key=lambda r: (r.get("year") is None, r.get("year") or 0, r["report_id"])):  # year by year
        sec.at(r.get("year"))
        lines = texts.get(r["report_id"], "").split("\n")
        for seq, i in enumerate(range(0, len(lines), 7), 1):
            s = {"report_id": r["report_id"], "year": r.get("year"), "seq": seq, "text": "\n".join(lines[i : i + 7])}
            sec.add([s.get(f) for f in D.SECTIONS.names()])
    rep.close()
    sec.close()


def test_the_build_step_streams_texts_rows_and_reports(tmp_path, monkeypatch):
    """`write` on a built folder: similarity.parquet holds what compare_all finds, in order,
    whatever the number of row files it sorts through; boilerplate_share is filled row group by
    row group with the same bytes as rewriting the whole table; the texts are read from the
    store one at a time."""
    import pyarrow.parquet as pq

    from pipeline import datasets as D

    items, texts = _corpus()
    rows, share = S.compare_all(items, texts)
    monkeypatch.setattr(D, "REPORTS", replace(D.REPORTS, row_group=5))  # reports in several row groups
    dup = {"report_id": "c0p0y1-dup", "status": "duplicate"}
    outs = []
    get = S.TextStore.__getitem__
    for bucket, buffer in ((8192, 8192), (4, 5)):  # one row file; many, filled a few rows at a time
        monkeypatch.setattr(S.RowSpill, "BUCKET", bucket)
        monkeypatch.setattr(S.RowSpill, "BUFFER", buffer)
        folder = tmp_path / f"b{bucket}"
        _build_folder(folder, items, texts, [dup])
        monkeypatch.setattr(S.TextStore, "__getitem__", lambda self, rid: _Counted(get(self, rid)))
        _Counted.peak = 0
        S.write(folder)
        monkeypatch.setattr(S.TextStore, "__getitem__", get)
        assert _Counted.peak == 1
        assert sorted(p.name for p in folder.iterdir()) == ["reports.parquet", "sections", "similarity.parquet"]
        sim = pq.read_table(folder / D.SIMILARITY.path).to_pylist()
        assert sim == [{n: r.get(n) for n in D.SIMILARITY.names()} for r in rows]
        rep = pq.ParquetFile(folder / D.REPORTS.path)
        assert rep.num_row_groups == 8  # 37 reports in row groups of 5, as they were written
        got = dict(zip(*(rep.read(columns=["report_id", "boilerplate_share"]).column(i).to_pylist() for i in (0, 1))))
        assert got == {**share, "c0p0y1-dup": None}
        whole = pq.read_table(folder / D.REPORTS.path)
        D.write_parquet(whole, tmp_path / "whole.parquet", D.REPORTS.row_group)
        assert (tmp_path / "whole.parquet").read_bytes() == (folder / D.REPORTS.path).read_bytes()
        outs.append((folder / D.SIMILARITY.path).read_bytes())
    assert outs[0] == outs[1]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "A", "B", "C", "D"]),
            st.sampled_from([None, "甲县", "乙县", "丙县"]),
            st.sampled_from([None, 2019, 2020, 2021]),
        ),
        max_size=40,
    )
)
@settings(max_examples=60, deadline=None)
def test_the_item_store_finds_the_same_shards_as_the_list(rows):
    """ItemStore (the build's, on disk) and `shards` (in memory) split the reports alike:
    same publisher or same region and year joins two reports, a report with neither is alone."""
    items = [
        S.Item(f"r{i:03d}", pub, S.region_of("某省", "某市", county) if county else None, year)
        for i, (pub, county, year) in enumerate(rows)
    ]
    with tempfile.TemporaryDirectory() as d:
        store = S.ItemStore(Path(d) / "items", items)
        try:
            assert list(store) == S.shards(items)
            assert len(store) == len(items)
        finally:
            store.close()
