"""Copy detection (pipeline.similarity) on constructed cases: generated reports with varied
prose, copies with figures changed, shared passages, and which pairs a build compares."""
from __future__ import annotations

import random
import re

import pytest

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
    scores = [S.jaccard(a, b) for i, a in enumerate(fps) for b in fps[i + 1:]]
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
    shared = ("我局坚持把政务公开作为转变政府职能的重要抓手，围绕群众关心关注的热点难点问题，"
              "深入推进决策、执行、管理、服务、结果公开，切实保障人民群众的知情权、参与权和监督权。")
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
    items = _items(("a2020", "A", "甲县", 2020), ("a2021", "A", "甲县", 2021), ("b2021", "B", "甲县", 2021),
                   ("c2021", "C", "甲县", 2021), ("d2021", "D", "乙县", 2021), ("e2019", "A", "甲县", 2019))
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
