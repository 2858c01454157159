"""Report pages turned into text by the tools most scrapers use, then parsed.

A scraper seldom hands over a page's HTML: it keeps the text BeautifulSoup's `get_text()`
makes of it (no separator, one space with strip=True, or a line break), html2text's
markdown (pipe tables whose cells break over lines where the page had a <br>), or what
trafilatura extracts as the article. Each tool loses part of the table's structure in its
own way. The rule is the parser's rule: no cell is ever stated wrong (a blank is a
statement too: blank where the page prints a number is wrong); what the text no longer
tells stays unresolved. Recall is printed per tool and held at the figures reached, with
the share of the cells the tool's text still decides (tests.decidable: exactly one filling
of the text fits the template's shape and identities) and the recall of those: the text
of get_text() and get_text(' ', strip=True) loses about 7 % of a page with blank cells
for good (an empty cell that left no trace among others), so their recall is held on the
cells the text decides.

Pages: the corpus's HTML reports (read from ../shared at test time) and a fixed batch of
generated ones (synth.render_forms) in both templates, UTF-8 and GBK, with and without
blank cells, with and without rowspans.
"""

from __future__ import annotations

import json
import random
from functools import cache

import pytest

from parsers.report import parse_bytes
from tests.conftest import CORPUS, need_corpus
from tests.test_roundtrip_text import _cell_ok
from tests.truth import truth_cells

PAGES = 304  # generated pages per tool: 19 of each of the 16 kinds below


def _page_str(data: bytes) -> str:
    """The page as text, as a scraper that knows the page's charset decodes it (each tool
    is handed the decoded page, so that a tool's guess of the charset is not measured)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _soup_texts(page: str) -> dict[str, str]:
    """BeautifulSoup's get_text() as scrapers call it: no separator, one space with
    strip=True, a line break (one parse serves the three)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for node in soup(["script", "style"]):
        node.decompose()
    return {
        "get_text()": soup.get_text(),
        "get_text(' ', strip=True)": soup.get_text(" ", strip=True),
        "get_text('\\n')": soup.get_text("\n"),
    }


def _html2text(page: str) -> str:
    import html2text

    return html2text.html2text(page)


def _trafilatura(page: str) -> str:
    import trafilatura

    return trafilatura.extract(page, include_tables=True) or ""


TOOLS = ("get_text()", "get_text(' ', strip=True)", "get_text('\\n')", "html2text", "trafilatura")


def texts(data: bytes) -> dict[str, str]:
    """The text each tool makes of the page `data`."""
    page = _page_str(data)
    return {**_soup_texts(page), "html2text": _html2text(page), "trafilatura": _trafilatura(page)}


# Share of the cells that must come back, per tool: the figures reached (never lowered).
MIN_RECALL_GENERATED = {
    "get_text()": 0.935,  # 0.593 before empty cells were read as a no-break space or nothing
    "get_text(' ', strip=True)": 0.931,
    "get_text('\\n')": 0.968,  # 0.935 before a value alone on its line was read as one traced cell
    "html2text": 0.999,
    "trafilatura": 1.0,  # 0.994 before padding blanks inside a row were dropped
}
# Share of the cells the tool's text decides (tests.decidable: exactly one filling of the
# text fits the template's shape and identities) that must come back; the rest of the
# gap to 100 % above is cells the text no longer tells (a blank that left no trace
# among blanks, digits run together that cut several ways).
MIN_RECALL_DECIDABLE = {  # the text decides 93.0 %, 92.8 %, 97.1 %, 100 % and 100 % of the cells
    "get_text()": 0.995,
    "get_text(' ', strip=True)": 0.999,
    "get_text('\\n')": 0.997,
    "html2text": 1.0,
    "trafilatura": 1.0,
}
MIN_RECALL_CORPUS = {  # (page, tool) -> share of the truth cells
    ("108.html", "get_text()"): 0.95,
    ("108.html", "get_text(' ', strip=True)"): 0.45,
    ("108.html", "get_text('\\n')"): 1.0,
    ("108.html", "html2text"): 1.0,
    ("108.html", "trafilatura"): 1.0,  # 0.88 before padding blanks inside a row were dropped
}
# Wrong cells still made of some tools' text (the parser's rule is none: these counts
# only go down, to zero): (corpus page or "generated", tool) -> wrong cells allowed.
KNOWN_WRONG: dict[tuple[str, str], int] = {}  # get_text(): 96 on the generated pages before traces.py


def _score(want: dict, report) -> tuple[int, list[str]]:
    """(cells recovered, cells stated wrong) against `want` (address -> value, None = blank)."""
    got = {c.address: c for c in report.cells}
    ok, wrong = 0, []
    for a, v in want.items():
        c = got.get(a)
        if c is None or c.status == "unresolved":
            continue
        if _cell_ok(v, c):
            ok += 1
        else:
            wrong.append(f"{a}: page prints {v!r}, parsed {c.value!r} ({c.status}, raw {c.raw!r})")
    return ok, wrong


@cache
def _generated(i: int) -> tuple[dict, bytes, tuple[str, int]]:
    """Generated page i: (cell values, page bytes, (template, year)). The kind cycles
    through template x encoding x blank cells x rowspans."""
    from synth.generator import generate_values, make_agency
    from synth.render_forms import render_html

    rng = random.Random(f"scraper page {i}")
    version = ("2019", "2021")[i % 2]
    encoding = ("utf-8", "gb18030")[i // 2 % 2]
    blanks = i // 4 % 2 == 0
    merged = i // 8 % 2 == 0
    values = generate_values(rng, version, blanks=blanks)
    year = rng.choice((2019, 2020) if version == "2019" else (2021, 2022, 2023))
    agency = make_agency(rng)
    data = render_html(values, version, year, agency, encoding=encoding, rng=rng, merged=merged)
    return values, data, (version, year)


@cache
def _generated_texts(i: int) -> dict[str, str]:
    return texts(_generated(i)[1])


@cache
def _verdict(i: int, tool: str):
    """Which cells of generated page i the tool's text decides (tests.decidable)."""
    from tests.decidable import page_verdict

    values, data, (version, _) = _generated(i)
    return page_verdict(_page_str(data), values, version, tool)


@pytest.mark.parametrize("tool", TOOLS)
def test_generated_pages_through_scraper_tools(tool):
    total = ok = decidable = decided_ok = unlisted = preferred = 0
    wrong: list[str] = []
    meta_bad: list[str] = []
    for i in range(PAGES):
        values, _, (version, year) = _generated(i)
        report = parse_bytes(_generated_texts(i)[tool].encode("utf-8"), name=f"page-{i}.txt")
        if (report.template, report.year) != (version, year):
            meta_bad.append(f"page {i}: template {report.template} year {report.year}, generated {version} {year}")
        n_ok, w = _score(values, report)
        total += len(values)
        ok += n_ok
        wrong += [f"page {i}: {x}" for x in w]
        verdict = _verdict(i, tool)
        decidable += len(verdict.decidable)
        unlisted += len(verdict.unlisted)
        decided_ok += _score(verdict.decidable, report)[0]
        preferred += _score({a: values[a] for a in verdict.undecidable}, report)[0]
    print(
        f"{tool}: recovered {ok}/{total} cells ({ok / total:.2%}) of {PAGES} generated pages, {len(wrong)} wrong; "
        f"the text decides {decidable} ({decidable / total:.2%}; {unlisted} not enumerated), "
        f"recovered {decided_ok} of them ({decided_ok / max(decidable, 1):.2%}); "
        f"{preferred} cells it does not decide were stated right by the parser's preferences"
    )
    assert not meta_bad, meta_bad[:10]
    assert len(wrong) <= KNOWN_WRONG.get(("generated", tool), 0), "\n".join(wrong[:20])
    assert ok >= MIN_RECALL_GENERATED[tool] * total, f"{tool}: recovered {ok}/{total}"
    assert decided_ok >= MIN_RECALL_DECIDABLE[tool] * decidable, f"{tool}: recovered {decided_ok}/{decidable} decidable"


def _corpus_pages() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.html")) if CORPUS.is_dir() else ["108.html"]


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("name", _corpus_pages())
def test_corpus_pages_through_scraper_tools(name, tool):
    need_corpus()
    stem = name.rsplit(".", 1)[0]
    meta = json.loads((CORPUS / f"{stem}.meta.json").read_text(encoding="utf-8"))
    want = truth_cells(CORPUS / f"{stem}.truth.json", meta["template"])
    report = parse_bytes(texts((CORPUS / name).read_bytes())[tool].encode("utf-8"), name=f"{stem}.txt")
    ok, wrong = _score(want, report)
    print(f"{name} {tool}: recovered {ok}/{len(want)} cells, {len(wrong)} wrong")
    assert len(wrong) <= KNOWN_WRONG.get((name, tool), 0), "\n".join(wrong)
    assert ok >= MIN_RECALL_CORPUS.get((name, tool), 0.0) * len(want), f"recovered {ok}/{len(want)}"


def test_unmerged_tables_keep_the_grid_without_rowspans():
    from parsers.templates import template
    from synth.render_forms import table3, unmerged

    values = {a: 1 for a in template("2021").addresses()}
    rows = unmerged(table3("2021", values))
    assert all(rs == 1 for row in rows for _, _, rs in row)
    assert {sum(cs for _, cs, _ in row) for row in rows} == {10}
    first = next(i for i, row in enumerate(rows) if row[0][0] == "三、本年度办理结果")
    assert rows[first + 1][0] == ("", 1, 1)  # the merged group cell's text stays in its first row


def _t4_page(header_rows_after: str) -> str:
    """A generated page whose table 四 prints totals blank and two rows of empty cells
    after the header row that ends with `header_rows_after`."""
    from synth.generator import generate_values
    from synth.render_forms import render_html

    values = generate_values(random.Random(5), "2021")
    for r in ("review", "lit_direct", "lit_after_review"):
        for c in ("upheld", "corrected", "other", "pending"):
            values[f"t4/{r}/{c}"] = 1
        values[f"t4/{r}/total"] = None
    page = render_html(values, "2021", 2022, "某县某镇人民政府").decode()
    empty_row = "<tr>" + "<td>&nbsp;</td>" * 15 + "</tr>"
    cut = page.index("<tr>", page.index(header_rows_after))
    return page[:cut] + empty_row * 2 + page[cut:]


@pytest.mark.parametrize("after", ["行政诉讼</td>", "复议后起诉</td>"])
def test_html2text_table_4_with_a_fragmented_header_is_read_by_its_shape(after):
    """Empty cells among table 四's header rows have the shape of its values row; the
    values row that prints numbers is read, never 15 blanks."""
    report = parse_bytes(_html2text(_t4_page(after)).encode("utf-8"), name="page.md")
    t4 = {c.address: (c.value, c.status) for c in report.cells if c.address.startswith("t4/")}
    assert t4["t4/review/upheld"] == (1, "number")
    assert t4["t4/lit_after_review/total"] == (None, "blank")
    assert sum(1 for v, _ in t4.values() if v == 1) == 12
    assert any(w.code == "FLATTENING" and "html2text" in w.message for w in report.warnings)


def test_html2text_rows_are_read_cell_for_cell():
    from parsers.readers.text import read_text

    text = (
        "三、本年度\n办理结果| （一）予以公开| 3| 3| 0|  | 0| 0| 6  \n"
        "---|---  \n| （三）不  \n予公开| 1.属于国家秘密| 0\n"
    )
    rows = [[c.text for c in b.cells] for b in read_text(text.encode()).blocks if b.kind == "row"]
    assert rows == [
        ["办理结果", "（一）予以公开", "3", "3", "0", "", "0", "0", "6"],
        ["", "（三）不"],
        ["予公开", "1.属于国家秘密", "0"],
    ]
    # without html2text's rule, a line with a lone pipe is prose
    assert all(b.kind == "para" for b in read_text("价格 a| b\n".encode()).blocks)


@pytest.mark.parametrize(
    "tool,named,page",
    [
        ("html2text", "html2text", 0),
        ("get_text(' ', strip=True)", "one line", 0),
        ("get_text('\\n')", None, 0),
        ("get_text()", "no separator", 30),
        ("get_text('\\n')", "get_text('\\n')", 273),
    ],
)
def test_the_recognised_flattening_is_named(tool, named, page):
    report = parse_bytes(_generated_texts(page)[tool].encode("utf-8"), name="page.txt")
    said = [w.message for w in report.warnings if w.code == "FLATTENING"]
    assert (said[0] if said else None) is None if named is None else named in said[0]


def test_markdown_pipe_tables_are_named():
    from parsers.readers.text import read_text

    doc = read_text("表\n| 规章 | 1 | 2 |\n|---|---|---|\n| 规范性文件 | 3 | 4 |\n".encode())
    assert [w.code for w in doc.warnings] == ["FLATTENING"] and "markdown" in doc.warnings[0].message


def _traced(*texts):
    """Fields of get_text() text: a run of digits (several cells run together), or ""
    for a no-break space (one empty cell)."""
    from parsers.splitting import Field

    return [Field(t, 4 * i, bool(t)) for i, t in enumerate(texts)]


def _t3_spec():
    from parsers.readings import RowSpec
    from parsers.templates import template

    cols = template("2021").t3_columns
    return RowSpec("x", cols, ((len(cols) - 1, tuple(range(len(cols) - 1))),))


def _agreed(run, vanish):
    """The cells all best readings of `run` agree on (None where they differ)."""
    from parsers.readings import solve_run

    rs, _ = solve_run(_t3_spec(), run, vanish, traced=True)
    return [r[0][0] if len({x[i][0] for x in rs}) == 1 else None for i, r in enumerate(zip(*rs))] if rs else None


def test_get_text_row_followed_by_the_next_rows_empty_label_cell():
    # seven digits for seven columns, then the next row's empty label cell (&nbsp;)
    assert _agreed(_traced("0000000", ""), vanish=False) == ["0"] * 7


def test_get_text_trailing_blanks_may_be_the_next_rows_labels():
    # 21 5 _ _ _ 3 29 and two empty label cells: 215 _ _ _ 329 _ _ reads as well, but only
    # the first adds up (21 + 5 + 3 = 29)
    assert _agreed(_traced("215", "", "", "", "329", "", ""), vanish=True) == ["21", "5", "", "", "", "3", "29"]


def test_get_text_zero_among_blanks_is_not_placed_by_guess():
    # 0 may be the total (a cell vanished, two label cells follow) or other_org (one
    # label cell follows, the total blank): the text does not tell
    cells = _agreed(_traced("", "", "", "", "", "0", "", ""), vanish=True)
    assert cells[:4] == [""] * 4 and cells[5] is None and cells[6] is None


def test_get_text_digits_with_a_blank_total_stay_unresolved():
    # 61 and blanks, the total blank: 6|1 or 61, nothing adds up to tell
    cells = _agreed(_traced("61", "", "", "", "", ""), vanish=True)
    assert cells is None or cells[0] is None


def test_get_text_table_4_on_a_line_of_its_own_is_its_15_cells_run_together():
    values, _, _ = _generated(0)
    text = _generated_texts(0)["get_text()"]
    assert "\n000002000200000\n" in text  # the page's 15 cells of table 四, nothing between them
    got = {c.address: c for c in parse_bytes(text.encode("utf-8"), name="page.txt").cells}
    assert {a: got[a].value for a in values if a.startswith("t4/")} == {
        a: v for a, v in values.items() if a.startswith("t4/")
    }


def test_one_line_text_group_numbering_broken_by_a_space_is_the_next_label():
    # "（六<br/>）其他处理" on one line: "… 出具已获取信息 0 0 0 0 0 0 0 （六 ）其他处理 0 …"
    values, _, _ = _generated(147)
    text = _generated_texts(147)["get_text(' ', strip=True)"]
    assert "（六 ）其他处理" in text
    got = {c.address: c for c in parse_bytes(text.encode("utf-8"), name="page.txt").cells}
    assert all(
        got[a].status != "unresolved" and got[a].value == v for a, v in values.items() if a.startswith("t3/other/")
    )


def test_trafilatura_padding_after_a_spanning_cell_is_dropped():
    """trafilatura prints a cell that spans two columns as the cell and an empty one: the
    table 二 rows of a page whose value cells span differently from its header's."""
    text = (
        "二、主动公开政府信息情况\n| 第二十条第（五）项 |  |  |  |  | \n"
        "| 信息内容 | 上一年项目数量 | 本年增/减 |  | 处理决定数量 | \n"
        "| 行政许可 | 7 |  | 2 | 40 | \n| 其他对外管理服务事项 | 3 |  |  | 1 | 5 | \n"
        "三、收到和处理政府信息公开申请情况\n"
    )
    got = {c.address: (c.value, c.status) for c in parse_bytes(text.encode(), name="p.txt").cells}
    assert [got[f"t2/art20_5.admin_license/{k}"] for k in ("items_prev_year", "items_change", "decisions")] == [
        (7, "number"),
        (2, "number"),
        (40, "number"),
    ]
    assert [got[f"t2/art20_5.other_admin_services/{k}"] for k in ("items_prev_year", "items_change", "decisions")] == [
        (3, "number"),
        (1, "number"),
        (5, "number"),
    ]


def test_inner_padding_blanks_place_a_value_only_where_every_choice_does():
    from parsers.splitting import Field, window_fits

    fields = [Field(t, i, False) for i, t in enumerate(("7", "", "2", "", "40", "1"))]
    # two blanks, one too many for five columns: 7 2 _ 40 1 or 7 _ 2 40 1
    assert [[f.text for f in w] for w in window_fits(fields, 5)] == [
        ["7", "2", "", "40", "1"],
        ["7", "", "2", "40", "1"],
    ]


@pytest.mark.parametrize("page", [570, 635])
def test_get_text_table_that_leaves_totals_blank_takes_no_total_found_by_chance(page):
    """Pages whose component rows print no total (blank cells, some vanished): digits run
    together, a trailing blank given to the next row or a vanished cell let a printed total
    add up by chance ("411\xa0129\xa0": 4+1+1+1+2 = 9, printed 41 1 _ 1 2 9 and a blank)."""
    values, _, _ = _generated(page)
    assert any(v is None for a, v in values.items() if a.startswith("t3/") and a.endswith("/total"))
    report = parse_bytes(_generated_texts(page)["get_text()"].encode("utf-8"), name="page.txt")
    ok, wrong = _score(values, report)
    assert not wrong and ok > len(values) // 4


def test_table_3_total_reading_is_checked_in_the_columns_it_fills():
    """get_text('\\n') of a page whose 总计 row reads "1 1 _ 2" with cells vanished: a
    reading that puts the 2 in an applicant column is ruled out by the result rows (they
    hold only 1s) though another reading leaves that column blank, so the 2 is the total."""
    values, _, _ = _generated(32)
    report = parse_bytes(_generated_texts(32)["get_text('\\n')"].encode("utf-8"), name="page.txt")
    got = {c.address: c for c in report.cells}
    assert values["t3/results_total/total"] == 2
    assert (got["t3/results_total/total"].value, got["t3/results_total/total"].status) == (2, "number")
    assert not _score(values, report)[1]
