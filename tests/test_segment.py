"""The on-disk segmenter cuts agency names exactly as the jieba tokenizer it was written from."""
from pipeline.regions import _index
from pipeline.segment import Segmenter, write_table


def test_segmenter_table_cuts_like_jieba(tmp_path):
    idx = _index()
    tok = idx._tokenizer()  # jieba with the register's names, as the table is built on first use
    path = tmp_path / "segment.sqlite"
    write_table(path, tok.FREQ, tok.total)
    seg = Segmenter(path)
    names = sorted(idx.full)[::25]
    samples = names + [a + b for a, b in zip(names, names[7:])][:400] + [
        "淮安市洪泽区人民政府办公室", "平潭综合实验区金井片区管理局", "中共永安市委 宣传部", "路北果园镇人民政府",
        "上海市浦东新区 2022年度 abc12 信息公开", "河北省教育厅（本级）", "x", ""]
    for s in samples:
        assert list(seg.cut(s, HMM=False)) == list(tok.cut(s, HMM=False)), s


def test_the_region_index_uses_the_table_on_disk():
    assert isinstance(_index().tok, Segmenter)


def test_parse_starts_without_the_crawler_or_jieba(tmp_path):
    import subprocess
    import sys

    _index()  # the table exists from here on, as after a machine's first run
    f = tmp_path / "r.txt"
    f.write_text("永安市大湖镇人民政府2022年政府信息公开工作年度报告\n一、总体情况\n全年收到申请3件。\n", encoding="utf-8")
    code = ("import sys, io, contextlib; from pipeline.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    main(['parse', {str(f)!r}, '--json'])\n"
            "print(sorted(m for m in ('jieba', 'scrapers.crawl', 'httpx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
