"""The HTML reader: decoding, article body, paragraphs, tables with spans, malformed input,
the real 108.html, and the HTML round trip through the whole parser."""

from __future__ import annotations

import math
import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.document import Block
from parsers.readers import UnsupportedInput, read_document
from parsers.readers import html as html_reader
from parsers.readers.grid import grid, grid_texts, tables
from parsers.readers.html import decode_html, read_html
from tests.conftest import n_examples, need_corpus


def rows_of(doc, table=0) -> list[list[tuple[str, int, int]]]:
    return [[(c.text, c.colspan, c.rowspan) for c in b.cells] for b in tables(doc)[table]]


def paras(doc) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == "para"]


# --------------------------------------------------------------------------- tables

SPAN_TABLE = """<table border=1>
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和）</td><td colspan="2">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td>总计</td></tr>
<tr><td>商业企业</td></tr>
<tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>5</td><td>&nbsp;</td></tr>
<tr><td rowspan="1">（三）不予公开</td><td>1.属于国家秘密</td><td><p>&nbsp;</p></td><td> 7 </td></tr>
</table>"""


def test_spans_are_kept_and_covered_positions_have_no_cell():
    doc = read_html(SPAN_TABLE.encode())
    assert rows_of(doc) == [
        [("（本列数据的勾稽关系为：第一项加第二项之和）", 3, 3), ("申请人情况", 2, 1)],
        [("自然人", 1, 2), ("总计", 1, 1)],
        [("商业企业", 1, 1)],
        [("三、本年度办理结果", 1, 2), ("（一）予以公开", 2, 1), ("5", 1, 1), ("", 1, 1)],
        [("（三）不予公开", 1, 1), ("1.属于国家秘密", 1, 1), ("", 1, 1), ("7", 1, 1)],
    ]
    assert all(b.kind == "row" and b.table == 0 for b in doc.blocks)
    g = grid_texts(tables(doc)[0])
    assert [len(r) for r in g] == [5] * 5
    assert g[3] == ["三、本年度办理结果", "（一）予以公开", "", "5", ""]
    assert g[4] == ["", "（三）不予公开", "1.属于国家秘密", "", "7"]
    # the expanded grid repeats the spanning cell object at every covered position
    cells = grid(tables(doc)[0])
    assert cells[2][0] is cells[0][0] and cells[2][3] is cells[1][3]


def test_rowspan_is_clamped_and_rowspan_zero_runs_to_the_end():
    html = (
        "<table><tr><td rowspan=9>a</td><td>1</td></tr><tr><td>2</td></tr></table>"
        "<table><tr><td rowspan=0>b</td><td colspan='2px'>1</td><td colspan=junk>x</td></tr>"
        "<tr><td>2</td></tr><tr><td>3</td></tr></table>"
    )
    doc = read_html(html.encode())
    assert rows_of(doc, 0) == [[("a", 1, 2), ("1", 1, 1)], [("2", 1, 1)]]
    assert rows_of(doc, 1)[0] == [("b", 1, 3), ("1", 2, 1), ("x", 1, 1)]


def test_rows_without_cells_are_dropped_and_spans_shrink():
    html = "<table><tr><td rowspan=3>g</td><td>1</td></tr><tr></tr><tr><td>2</td></tr></table>"
    assert rows_of(read_html(html.encode())) == [[("g", 1, 2), ("1", 1, 1)], [("2", 1, 1)]]


def test_br_and_paragraphs_inside_cells_join_without_space_for_cjk():
    html = (
        "<table><tr><td>本年新<br />制作数量</td><td><p>本年新</p><p>公开数量</p></td>"
        "<td>Total<br>count</td><td>本年\n   增/减</td><td>采购总金额<br/>(元)</td></tr>"
        "<tr><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td></tr></table>"
    )
    assert rows_of(read_html(html.encode()))[0] == [
        ("本年新制作数量", 1, 1),
        ("本年新公开数量", 1, 1),
        ("Total count", 1, 1),
        ("本年增/减", 1, 1),
        ("采购总金额(元)", 1, 1),
    ]


def test_nested_data_table_inside_a_layout_table_gets_its_own_number():
    # rule (a): the outer table holds a table of 2+ cells, so it is layout and read as flow
    html = """<table width=100%><tr><td>左栏导航</td><td>
      <p>一、总体情况</p><p>本机关认真落实条例。</p>
      <table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>0</td></tr></table>
      <p>三、收到和处理政府信息公开申请情况</p>
      <table><tr><td>自然人</td><td>总计</td></tr><tr><td>1</td><td>1</td></tr></table>
    </td></tr></table>"""
    doc = read_html(html.encode())
    assert paras(doc) == ["左栏导航", "一、总体情况", "本机关认真落实条例。", "三、收到和处理政府信息公开申请情况"]
    assert rows_of(doc, 0) == [[("信息内容", 1, 1), ("本年制发件数", 1, 1)], [("规章", 1, 1), ("0", 1, 1)]]
    assert rows_of(doc, 1) == [[("自然人", 1, 1), ("总计", 1, 1)], [("1", 1, 1), ("1", 1, 1)]]
    assert set(tables(doc)) == {0, 1}
    kinds = [(b.kind, b.table) for b in doc.blocks]
    assert kinds.index(("row", 1)) > kinds.index(("para", None), 3)  # body order kept


def test_one_cell_wrapper_table_inside_a_data_cell_is_flattened_into_the_cell():
    html = (
        "<table><tr><td>规章</td><td><table><tr><td>1<br>2</td></tr></table></td></tr>"
        "<tr><td>行政<table><tr><td>许可</td></tr></table></td><td>3</td></tr></table>"
    )
    doc = read_html(html.encode())
    assert rows_of(doc) == [[("规章", 1, 1), ("1 2", 1, 1)], [("行政许可", 1, 1), ("3", 1, 1)]]
    assert set(tables(doc)) == {0}


def test_one_column_tables_and_article_cells_are_layout():
    long = "本机关坚持以人民为中心，" * 40
    html = (
        f"<table><tr><td><p>标题</p></td></tr><tr><td><p>第一段。</p><p>第二段。</p></td></tr></table>"
        f"<table><tr><td>附件</td><td><p>{long}</p><p>结束。</p></td></tr></table>"
    )
    doc = read_html(html.encode())
    assert not tables(doc)
    assert paras(doc) == ["标题", "第一段。", "第二段。", "附件", long, "结束。"]


def test_tables_drawn_in_pre_split_on_two_spaces_and_box_characters():
    html = (
        "<html><body><div id='zoom'><pre>\n"
        "信息内容        本年制发件数   本年废止件数\n"
        "规章            0              1\n"
        "----------------------------------\n"
        "一段说明文字\n"
        "│行政许可│  │5│\n"
        "</pre></div></body></html>"
    )
    doc = read_html(html.encode())
    assert rows_of(doc, 0) == [
        [("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年废止件数", 1, 1)],
        [("规章", 1, 1), ("0", 1, 1), ("1", 1, 1)],
    ]
    assert rows_of(doc, 1) == [[("行政许可", 1, 1), ("", 1, 1), ("5", 1, 1)]]
    assert paras(doc) == ["一段说明文字"]
    lines = {b.text.split("\t")[0]: b.loc.line for b in doc.blocks}
    assert lines["信息内容"] == 2 and lines["规章"] == 3 and lines["一段说明文字"] == 5 and lines["行政许可"] == 6


# --------------------------------------------------------------------------- paragraphs, body, lines

PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>某镇2020年政府信息公开工作年度报告_某县人民政府</title>
<meta name="PubDate" content="2021-01-20 10:00">
<script>document.write('<p>脚本文字</p>');</script><style>p {color: red}</style></head>
<body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>
<nav><a href="/x">导航</a></nav>
<h1>某镇2020年政府信息公开工作年度报告</h1>
<div class="TRS_Editor">
<p>一、总体情况</p>
<p>　　本镇认真贯彻落实《条例》，
持续推进政务公开。</p>
<div>第一行<br>第二行<span>续</span></div>
<ul><li>要点一</li><li>要点二</li></ul>
<script>var x = "<p>不是正文</p>";</script>
</div>
<div class="footer">版权所有 某县人民政府</div>
</body>
</html>
"""


def test_cms_container_paragraphs_lines_and_header():
    doc = read_html(PAGE.encode())
    assert doc.format == "html"
    assert doc.header_value("标题") == "某镇2020年政府信息公开工作年度报告"
    assert doc.header_value("发布时间") == "2021-01-20 10:00"
    got = [(b.text, b.loc.line) for b in doc.blocks]
    assert got == [
        ("某镇2020年政府信息公开工作年度报告", 9),  # the title outside the container, from its <h1>
        ("一、总体情况", 11),
        ("本镇认真贯彻落实《条例》，持续推进政务公开。", 12),  # source wrap next to CJK removed
        ("第一行", 14),
        ("第二行续", 14),
        ("要点一", 15),
        ("要点二", 15),
    ]


def test_text_density_fallback_skips_link_lists():
    links = "".join(f'<li><a href="/a{i}">新闻标题第{i}条很长很长的链接文字</a></li>' for i in range(40))
    html = (
        f"<html><body><div class='side'><ul>{links}</ul></div>"
        "<div class='wrap'><div class='main'><p>一、总体情况</p><p>本机关全年主动公开政府信息。</p>"
        "<table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>0</td></tr></table>"
        "</div></div><div class='foot'>联系我们</div></body></html>"
    )
    doc = read_html(html.encode())
    assert paras(doc) == ["一、总体情况", "本机关全年主动公开政府信息。"]
    assert rows_of(doc) == [[("信息内容", 1, 1), ("本年制发件数", 1, 1)], [("规章", 1, 1), ("0", 1, 1)]]


def test_density_fallback_never_leaves_a_data_table_behind():
    long = "本机关认真贯彻落实《条例》，持续推进政务公开工作。" * 10
    html = (
        f"<html><body><div class='text'><p>一、总体情况</p><p>{long}</p></div>"
        "<table><tr><td>规章</td><td>3</td></tr><tr><td>行政规范性文件</td><td>4</td></tr></table></body></html>"
    )
    doc = read_html(html.encode())
    assert paras(doc) == ["一、总体情况", long]
    assert rows_of(doc) == [[("规章", 1, 1), ("3", 1, 1)], [("行政规范性文件", 1, 1), ("4", 1, 1)]]


WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><title>某县教育局2021年政府信息公开工作年度报告</title>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]-->
<style><!-- p.MsoNormal {margin:0cm} --></style></head>
<body lang=ZH-CN style='tab-interval:21.0pt'><h1>某县人民政府门户网站</h1>
<div class=WordSection1>
<p class=MsoNormal><![if !supportLists]><span>一、</span><![endif]><span>总体情况<o:p></o:p></span></p>
<table class=MsoNormalTable border=1 cellspacing=0>
 <tr><td width=100 valign=top><p class=MsoNormal align=center><span>规章<o:p></o:p></span></p></td>
  <td width=100><p class=MsoNormal align=center><span lang=EN-US>0<o:p></o:p></span></p></td></tr>
 <tr><td><p class=MsoNormal><span>行政规范性文件</span></p></td><td><p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p></td></tr>
</table>
</div></body></html>"""


def test_word_saved_html_page():
    doc = read_document(WORD_HTML.encode("gb18030"))
    assert doc.header_value("标题") == "某县教育局2021年政府信息公开工作年度报告"
    assert paras(doc) == ["某县教育局2021年政府信息公开工作年度报告", "一、总体情况"]
    assert rows_of(doc) == [[("规章", 1, 1), ("0", 1, 1)], [("行政规范性文件", 1, 1), ("", 1, 1)]]


def test_container_that_is_a_table_keeps_its_rows():
    html = (
        "<html><body><div class='nav'><a href='/'>首页</a></div><table id='zoom'>"
        "<tr><td>规章</td><td>3</td></tr><tr><td>行政规范性文件</td><td>4</td></tr></table></body></html>"
    )
    assert rows_of(read_html(html.encode())) == [[("规章", 1, 1), ("3", 1, 1)], [("行政规范性文件", 1, 1), ("4", 1, 1)]]


def test_fragment_is_its_own_body():
    doc = read_html("<p>标题</p>\t<p>正文</p><div><a href='x'>附件下载</a></div>".encode())
    assert paras(doc) == ["标题", "正文", "附件下载"]
    assert doc.header == ()


def test_hanweb_datastore_records_are_unwrapped():
    page = """<html><body><div id="4412">
<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1">]]></nextgroup>
<recordset><record><![CDATA[
<p>一、总体情况</p>
<table><tr><td>规章</td><td>3</td></tr><tr><td>行政规范性文件</td><td>4</td></tr></table>
]]></record><record><![CDATA[<p>二、主动公开政府信息情况</p>]]></record></recordset></datastore></script>
</div></body></html>"""
    doc = read_html(page.encode())
    assert paras(doc) == ["一、总体情况", "二、主动公开政府信息情况"]
    assert rows_of(doc) == [[("规章", 1, 1), ("3", 1, 1)], [("行政规范性文件", 1, 1), ("4", 1, 1)]]
    assert doc.blocks[0].loc.line == 4 and doc.blocks[1].loc.line == 5
    # a bare dataproxy.jsp XML answer
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>1</totalrecord><recordset>'
        "<record><![CDATA[<li><a href='/art/2021/1/1/art_1_2.html'>某镇2020年年报</a></li>]]></record>"
        "</recordset></datastore>"
    )
    assert paras(read_document(xml.encode())) == ["某镇2020年年报"]


def test_mht_web_archive_html_part_is_read():
    html_part = "<html><body><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table></body></html>"
    qp = html_part.encode("gb18030")
    mht = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
        b'------=_NextPart_01\r\nContent-Type: text/html; charset="gb2312"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + qp + b"\r\n------=_NextPart_01--\r\n"
    )
    doc = read_document(mht)
    assert doc.format == "html"
    assert paras(doc) == ["一、总体情况"] and rows_of(doc) == [[("规章", 1, 1), ("0", 1, 1)]]


# --------------------------------------------------------------------------- decoding

TEXT = "<html><body><p>收到和处理政府信息公开申请情况：“三安全一稳定”，镕</p></body></html>"


def test_gbk_without_any_charset_declaration():
    doc = read_document(TEXT.encode("gb18030"))
    assert paras(doc) == ["收到和处理政府信息公开申请情况：“三安全一稳定”，镕"]
    assert doc.warnings == ()


@pytest.mark.parametrize(
    "meta", ['<meta charset="gb2312">', '<meta http-equiv="Content-Type" content="text/html; charset=GBK">']
)
def test_meta_charset_gb2312_and_gbk_read_as_gb18030(meta):
    # 镕 is outside GB2312: pages declared gb2312 carry GBK/GB18030 characters all the time
    page = f"<html><head>{meta}</head><body><p>朱镕基 €</p></body></html>"
    doc = read_html(page.encode("gb18030"))
    assert paras(doc) == ["朱镕基 €"]


def test_header_charset_beats_wrong_meta_and_valid_utf8_beats_a_gb_declaration():
    page = '<html><head><meta charset="utf-8"></head><body><p>依申请公开</p></body></html>'
    assert paras(read_html(page.encode("gb18030"), charset="GBK")) == ["依申请公开"]
    # the meta is wrong and no header: strict UTF-8 fails, GB18030 follows
    assert paras(read_html(page.encode("gb18030"))) == ["依申请公开"]
    gb_declared = page.replace("utf-8", "gb2312").encode("utf-8")
    doc = read_html(gb_declared)
    assert paras(doc) == ["依申请公开"]
    assert any(w.code == "CHARSET_MISMATCH" for w in doc.warnings)


def test_latin1_header_does_not_turn_chinese_into_mojibake():
    assert paras(read_html(TEXT.encode("utf-8"), charset="ISO-8859-1"))[0].startswith("收到和处理")


def test_undecodable_bytes_warn():
    text, warnings = decode_html(b"<p>\x81\x20\xff\xfe\x80\x80 abc \xc3\x28 \xe4\xb8</p>" * 50)
    assert "abc" in text
    assert warnings and warnings[-1].code in ("UNKNOWN_ENCODING", "GUESSED_ENCODING", "DECODE_ERRORS")


def test_utf16_with_bom():
    doc = read_document(b"\xff\xfe" + TEXT.encode("utf-16-le"))
    assert paras(doc)[0].startswith("收到和处理")


# --------------------------------------------------------------------------- malformed input


def test_ten_thousand_levels_of_nesting_do_not_crash():
    deep = "<html><body>" + "<div>" * 10000 + "<p>深层正文</p>" + "</div>" * 10000 + "</body></html>"
    t = time.monotonic()
    doc = read_html(deep.encode())
    assert time.monotonic() - t < 10
    assert paras(doc) == ["深层正文"]
    tables_deep = "<table><tr><td>" * 3000 + "深" + "</td></tr></table>" * 3000
    t = time.monotonic()
    doc = read_html(tables_deep.encode())
    assert time.monotonic() - t < 10 and "深" in paras(doc)


def test_pathological_nesting_degrades_to_text_with_a_warning():
    deep = "<html><body>" + "<span><b>" * 60000 + "正文<br>第二行" + "</b></span>" * 60000
    t = time.monotonic()
    doc = read_html(deep.encode())
    assert time.monotonic() - t < 10
    assert paras(doc) == ["正文", "第二行"]
    assert [w.code for w in doc.warnings] == ["HTML_TOO_DEEP"]


def test_truncated_page_keeps_what_is_there():
    page = (
        "<html><body><div class='TRS_Editor'><p>一、总体情况</p><table><tr><td>规章</td><td>3</td></tr>"
        "<tr><td>行政规范性文件</td><td>4"
    )
    doc = read_html(page.encode())
    assert paras(doc) == ["一、总体情况"]
    assert rows_of(doc) == [[("规章", 1, 1), ("3", 1, 1)], [("行政规范性文件", 1, 1), ("4", 1, 1)]]


def test_garbage_markup_does_not_crash():
    rng = random.Random(7)
    atoms = [
        "<table>",
        "</table>",
        "<tr>",
        "<td colspan=3>",
        "<td rowspan=99>",
        "</td>",
        "<p>",
        "<br>",
        "</div>",
        "<div>",
        "文字",
        "1",
        "&nbsp;",
        "<pre>",
        "a  b",
        "\n",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "<script>",
        "<",
    ]
    for _ in range(200):
        page = "".join(rng.choice(atoms) for _ in range(rng.randrange(1, 80)))
        doc = read_html(page.encode())
        for b in doc.blocks:
            assert b.cells and all(c.colspan >= 1 and c.rowspan >= 1 for c in b.cells)
        for rows in tables(doc).values():  # every rowspan stays inside its table
            for i, b in enumerate(rows):
                assert all(i + c.rowspan <= len(rows) for c in b.cells)


def test_a_pdf_or_binary_is_not_read_as_html():
    with pytest.raises(UnsupportedInput):
        read_document(b"\x00\x01\x02\x03" * 100)


# --------------------------------------------------------------------------- the real 108.html


def test_corpus_108_html_tables():
    path = need_corpus() / "108.html"
    doc = read_document(path.read_bytes())
    assert doc.format == "html"
    t = tables(doc)
    assert sorted(t) == [0, 1, 2]
    assert [len(t[i]) for i in range(3)] == [18, 26, 4]
    # table 二: caption rows span the 5 grid columns; one header cell spans two
    assert [(c.text, c.colspan) for c in t[0][0].cells] == [("第二十条第（一）项", 5)]
    assert [c.text for c in t[0][1].cells] == ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    assert [c.colspan for c in t[0][1].cells] == [1, 1, 2, 1]
    assert [c.text for c in t[0][17].cells] == ["政府集中采购", "6", "251000元"]
    # table 三: 3 header rows, 23 data rows, 10 grid columns
    assert [len(b.cells) for b in t[1][:3]] == [2, 3, 5]
    assert (t[1][0].cells[0].colspan, t[1][0].cells[0].rowspan) == (3, 3)
    g = grid_texts(t[1])
    assert all(len(r) == 10 for r in g)
    assert g[3] == ["一、本年新收政府信息公开申请数量", "", "", "821", "35", "", "", "2", "1", "859"]
    results = t[1][5].cells[0]
    assert (results.text, results.rowspan) == ("三、本年度办理结果", 20)
    assert [(c.text, c.rowspan) for c in t[1][7].cells[:2]] == [("（三）不予公开", 8), ("1.属于国家秘密", 1)]
    assert g[25] == ["四、结转下年度继续办理", "", "", "72", "", "", "", "", "", "72"]
    blanks = [c.text for b in t[1][3:] for c in b.cells if not c.text]
    assert len(blanks) > 100 and set(blanks) == {""}  # &nbsp; cells are empty strings
    # table 四: two header rows with spans, 15 values
    assert [(c.text, c.colspan) for c in t[2][0].cells] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [c.text for c in t[2][3].cells] == ["5", "", "", "2", "7", "8", "", "", "1", "9", "", "", "", "", ""]
    headings = [p for p in paras(doc) if p[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert len(headings) == 6


# --------------------------------------------------------------------------- round trip


def _values(rng: random.Random, version: str) -> dict:
    from synth.generator import generate_values

    return generate_values(rng, version)


def _parse_bytes():
    from parsers.report import parse_bytes

    return parse_bytes


def _ok(want, cell) -> bool:
    if want is None:
        return cell.status == "blank" and cell.value is None
    return (
        cell.status == "number"
        and isinstance(cell.value, (int, float))
        and math.isclose(cell.value, want, abs_tol=1e-9)
    )


def round_trip(render, n: int, seed0: int) -> tuple[int, int, list[str]]:
    """Render n generated reports, parse them back; return (cells, recovered, wrong)."""
    from synth.generator import make_agency

    parse_bytes = _parse_bytes()
    total = good = 0
    wrong: list[str] = []
    for seed in range(seed0, seed0 + n):
        rng = random.Random(seed)
        version = rng.choice(("2019", "2021"))
        values = _values(rng, version)
        year = rng.choice((2019, 2020) if version == "2019" else (2021, 2022, 2023))
        agency = make_agency(rng)
        data = render(values, version, year, agency, rng)
        report = parse_bytes(data, name=f"roundtrip-{seed}")
        assert report.error is None, report.error
        assert (report.template, report.year) == (version, year)
        cells = {c.address: c for c in report.cells}
        for a, want in values.items():
            total += 1
            c = cells.get(a)
            if c is None or c.status == "unresolved":
                continue
            if _ok(want, c):
                good += 1
            else:
                wrong.append(f"seed {seed} {a}: generated {want!r}, got {c.value!r} ({c.status}, raw {c.raw!r})")
    return total, good, wrong


def test_html_round_trip_through_the_parser():
    from synth.render_forms import render_html

    def render(values, version, year, agency, rng):
        return render_html(values, version, year, agency, encoding=rng.choice(("utf-8", "gb18030")), rng=rng)

    total, good, wrong = round_trip(render, 60, 1000)
    assert wrong == []
    assert good / total >= 0.99, f"recovered {good}/{total}"


def test_canonical_html_rendering_reads_back_the_template_structure():
    from parsers.templates import template
    from synth.render_forms import render_html

    for version in ("2019", "2021"):
        tpl = template(version)
        values = {a: i for i, a in enumerate(tpl.addresses())}
        doc = read_html(render_html(values, version, 2022, "某县某镇人民政府"))
        t = tables(doc)
        assert len(t) == 3
        t3 = grid_texts(t[1])
        assert len(t3) == 3 + len(tpl.t3_rows) and all(len(r) == 10 for r in t3)
        first = next(b for b in t[1] if b.cells[0].text == "三、本年度办理结果").cells[0]
        assert first.rowspan == sum(1 for r in tpl.t3_rows if r.path[:1] == ("三、本年度办理结果",))
        assert [c.text for c in t[2][-1].cells] == [
            str(values[f"t4/{r.key}/{c.key}"]) for r in tpl.t4_rows for c in tpl.t4_columns
        ]
        assert isinstance(doc.blocks[0], Block)


def _page_keeping_footers(text: str) -> bytes:
    """A web page made of report text as a Word or PDF conversion leaves it: TAB lines are
    table rows, other lines paragraphs, page footers included (a table continued across a
    page break becomes two tables with the footer between them)."""
    import html as _html

    parts, rows = [], []
    for line in text.splitlines() + [""]:
        if "\t" in line:
            rows.append("<tr>" + "".join(f"<td>{_html.escape(c)}</td>" for c in line.split("\t")) + "</tr>")
            continue
        if rows:
            parts.append("<table>" + "".join(rows) + "</table>")
            rows = []
        if line.strip():
            parts.append(f"<p>{_html.escape(line.strip())}</p>")
    return ("<html><body>" + "\n".join(parts) + "</body></html>").encode("utf-8")


def test_a_page_footer_paragraph_between_two_parts_of_a_table_is_not_content():
    from parsers.readers.text import PAGE_FOOTER
    from parsers.report import parse_bytes
    from synth.generator import generate
    from tests.test_roundtrip_text import _cell_ok

    doc = read_html(
        "<html><body><table><tr><td>甲</td><td>1</td></tr></table><p>- 3 -</p><p>第 3 页 共 5 页</p>"
        "<table><tr><td>乙</td><td>2</td></tr></table></body></html>".encode()
    )
    assert not any(b.kind == "para" and PAGE_FOOTER.match(b.text) for b in doc.blocks)
    with_footers = 0
    for seed in range(60):
        gen = generate(seed, style="tab")
        lines = gen.text.splitlines()
        if not any(PAGE_FOOTER.match(l) for l in lines):
            continue
        with_footers += 1
        got = {c.address: c for c in parse_bytes(_page_keeping_footers(gen.text), name=f"gen-{seed}.html").cells}
        bad = [a for a, want in gen.values.items() if not _cell_ok(want, got[a])]
        assert bad == [], f"seed {seed}: {bad[:10]}"  # before: '- 3 -' joined the rows around it
    assert with_footers >= 10


# --------------------------------------------------------------------------- the reader's shortcuts

_SOME_TEXT = st.text(
    alphabet=st.sampled_from(list("ab1 \n\t\r\x0b\x1c\u3000\u00a0\u2028\u205f\u200b\u00ad\ufeff中文。（）—")),
    max_size=40,
)


def _norm_text_reference(s: str) -> str:
    """norm_text as its docstring defines it, without its shortcuts."""
    s = html_reader._INVISIBLE.sub("", s)
    if "\n" in s:
        s = html_reader._NL_RUN.sub(
            lambda m: "" if html_reader.is_cjk(m.group(1)) or html_reader.is_cjk(m.group(2)) else " ", s
        )
    return re.sub(r"\s+", " ", s).strip()


@given(_SOME_TEXT)
@settings(max_examples=n_examples(300))
def test_norm_text_shortcuts_give_what_the_regular_expressions_give(s):
    assert html_reader.norm_text(s) == _norm_text_reference(s)
    assert html_reader._no_space(s) == re.sub(r"\s+", "", s)


_START = re.compile(r"<([A-Za-z][A-Za-z0-9:_-]*)(?=[\s/>])")


@given(
    st.lists(
        st.sampled_from(
            ["<p>", "<td ", "<a\u3000", "<x-y/>", "</p>", "\n", "字", "<", "<b", "<o:p>", "<1>", "<pre>", "<PRE "]
        )
    )
)
@settings(max_examples=n_examples(300))
def test_every_start_tag_is_given_its_line_and_a_pre_its_offset(pieces):
    text = "".join(pieces)
    starts = [m for m in _START.finditer(text)]
    numbers = iter(range(len(starts)))

    def attrs(m: re.Match) -> str:
        i = next(numbers)
        line = text.count("\n", 0, m.start()) + 1
        return m.group(0) + f' data-xxgk-n="{line}"' + (f' data-xxgk-i="{i}"' if m.group(1).lower() == "pre" else "")

    injected, tags = html_reader._inject_lines(text)
    assert injected == _START.sub(attrs, text)
    assert [tags.offset(i) for i in range(len(starts))] == [m.start() for m in starts]


def test_lines_beyond_the_kept_attribute_strings_are_given_too():
    n = html_reader._LINE_ATTRS_KEPT + 5
    injected, _ = html_reader._inject_lines("<b>\n" * n)
    assert injected.endswith(f'<b data-xxgk-n="{n}">\n')


def test_the_cms_container_is_known_by_its_class_as_parsed():
    # the class is written with a character reference: only the parsed value names it
    nav = "".join(f"<p>栏目导航第{i}项的很长很长的链接文字说明</p>" for i in range(30))
    page = (
        f"<html><body><div class='nav'>{nav}</div>"
        "<div class='TRS&#95;Editor'><p>一、总体情况</p><table><tr><td>规章</td><td>3</td></tr></table></div>"
        "</body></html>"
    )
    doc = read_html(page.encode())
    assert paras(doc) == ["一、总体情况"]
    assert rows_of(doc) == [[("规章", 1, 1), ("3", 1, 1)]]


def test_only_selectors_of_a_known_shape_are_left_out_when_no_class_names_them():
    from selectolax.lexbor import LexborHTMLParser

    page = html_reader._Page(
        LexborHTMLParser("<div id='main' class='a b'><form name='f'></form></div>"), frozenset({"div", "form"})
    )
    assert not page.may_match(".TRS_Editor") and not page.may_match("[id^=vsb_content_]")
    assert page.may_match("#MAIN") and page.may_match(".B") and page.may_match("form[name=f]")
    assert page.may_match("div[data-role=article]")  # a shape the filter does not know: asked
    assert page.may_match("div") and not page.may_match("article")  # a tag no start tag names


def test_a_page_is_a_fragment_only_where_the_search_finds_no_document_tag():
    def fragment(text: str) -> bool:
        injected, tags = html_reader._inject_lines(text)
        names = frozenset(n[1:].lower() for n in tags.names)
        answer = html_reader._is_fragment(injected, names)
        assert answer == (html_reader._DOCUMENT_TAG.search(injected) is None)
        return answer

    assert fragment("<p>一、总体情况</p><table><tr><td>1</td></tr></table>")
    assert not fragment("<BODY><p>x</p>") and not fragment("<body/><p>x</p>")
    assert not fragment("<frame\u017fet ><p>x</p>")  # a long s is an s to the search, ignoring case
    assert fragment("<p>&lt;html&gt;</p>") and not fragment("<!-- <html> --><p>x</p>")
