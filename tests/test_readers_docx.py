"""Word forms: the DOCX reader (python-docx, merged cells, body order, zip bombs), the RTF
reader, the .doc converters (antiword / LibreOffice, real and faked), and the DOCX round
trip through the whole parser."""

from __future__ import annotations

import io
import os
import random
import shutil
import stat
import struct
import sys
import time
import zipfile

import docx
import pytest
from docx.oxml import parse_xml

from parsers.readers import UnsupportedInput, read_document
from parsers.readers import doc as doc_mod
from parsers.readers.doc import read_doc, read_rtf
from parsers.readers.docx import read_docx
from parsers.readers.grid import grid_texts, tables

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def save(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def rows_of(doc, table=0):
    return [[(c.text, c.colspan, c.rowspan) for c in b.cells] for b in tables(doc)[table]]


def paras(doc):
    return [b.text for b in doc.blocks if b.kind == "para"]


def body_xml(d, xml: str) -> None:
    """Append raw WordprocessingML to the body (before the final sectPr)."""
    body = d.element.body
    body.insert(len(body) - 1, parse_xml(xml))


# --------------------------------------------------------------------------- DOCX


def test_body_order_spans_and_line_ordinals():
    d = docx.Document()
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=4, cols=4)
    a = t.cell(0, 0).merge(t.cell(1, 1))  # colspan 2, rowspan 2
    a.text = "（本列数据的勾稽关系为：第一项加第二项之和）"
    t.cell(0, 2).merge(t.cell(0, 3)).text = "申请人情况"
    t.cell(1, 2).text = "自然人"
    t.cell(1, 3).text = "总计"
    t.cell(2, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"
    t.cell(2, 1).text = "（一）予以公开"
    t.cell(2, 2).text = "5"
    t.cell(3, 1).text = "（二）部分公开"
    t.cell(3, 3).text = "7"
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    doc = read_document(save(d))
    assert doc.format == "docx"
    assert [(b.kind, b.loc.line) for b in doc.blocks] == [
        ("para", 1),
        ("row", 2),
        ("row", 3),
        ("row", 4),
        ("row", 5),
        ("para", 6),
    ]
    assert rows_of(doc) == [
        [("（本列数据的勾稽关系为：第一项加第二项之和）", 2, 2), ("申请人情况", 2, 1)],
        [("自然人", 1, 1), ("总计", 1, 1)],
        [("三、本年度办理结果", 1, 2), ("（一）予以公开", 1, 1), ("5", 1, 1), ("", 1, 1)],
        [("（二）部分公开", 1, 1), ("", 1, 1), ("7", 1, 1)],
    ]
    g = grid_texts(tables(doc)[0])
    assert g[3] == ["", "（二）部分公开", "", "7"] and all(len(r) == 4 for r in g)


def test_cell_paragraphs_and_breaks_join_without_space_for_cjk():
    d = docx.Document()
    t = d.add_table(rows=1, cols=3)
    t.cell(0, 0).text = "本年新"
    t.cell(0, 0).add_paragraph("制作数量")
    run = t.cell(0, 1).paragraphs[0].add_run("Total")
    run.add_break()
    run.add_text("count")
    t.cell(0, 2).text = "  "
    assert rows_of(read_docx(save(d))) == [[("本年新制作数量", 1, 1), ("Total count", 1, 1), ("", 1, 1)]]


def test_tabs_make_rows_and_soft_breaks_make_paragraphs():
    d = docx.Document()
    d.add_paragraph("\t　　一、总体情况\t")
    d.add_paragraph("规章\t\t0\t1")
    p = d.add_paragraph()
    r = p.add_run("第一行")
    r.add_break()
    r.add_text("第二行")
    doc = read_docx(save(d))
    got = [(b.kind, b.table, b.text, b.loc.line) for b in doc.blocks]
    assert got == [
        ("para", None, "一、总体情况", 1),
        ("row", None, "规章\t0\t1", 2),
        ("para", None, "第一行", 3),
        ("para", None, "第二行", 3),
    ]


def test_tracked_changes_fields_content_controls_and_text_boxes():
    d = docx.Document()
    body_xml(
        d,
        f"""<w:p {W_NS}><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
      <w:r><w:t>本年</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>
      <w:ins w:id="2" w:author="a"><w:r><w:t>新收</w:t></w:r></w:ins>
      <w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>申请</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
      <w:hyperlink><w:r><w:t>数量</w:t></w:r></w:hyperlink></w:p>""",
    )
    body_xml(
        d,
        f"""<w:sdt {W_NS}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>控件内段落</w:t></w:r></w:p></w:sdtContent></w:sdt>""",
    )
    body_xml(
        d,
        f"""<w:p {W_NS} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
        xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><w:r><w:t>锚定段落</w:t></w:r>
      <w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>
        <w:p><w:r><w:t>文本框文字</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>
        <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框文字</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>
      </mc:AlternateContent></w:r></w:p>""",
    )
    assert paras(read_docx(save(d))) == ["本年新收申请数量", "控件内段落", "锚定段落", "文本框文字"]


def test_vmerge_continue_without_restart_and_gridbefore():
    d = docx.Document()
    body_xml(
        d,
        f"""<w:tbl {W_NS}><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
      <w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc>
            <w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p><w:r><w:t>orphan</w:t></w:r></w:p></w:tc></w:tr>
      <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc><w:tcPr><w:vMerge w:val="continue"/></w:tcPr><w:p/></w:tc>
            <w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr>
      <w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:hMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>d</w:t></w:r></w:p></w:tc>
            <w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>""",
    )
    assert rows_of(read_docx(save(d))) == [[("a", 1, 1), ("b", 1, 2), ("orphan", 1, 1)], [("c", 1, 1)], [("d", 3, 1)]]


def test_nested_tables_follow_the_layout_rule():
    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "导航"
    inner_cell = outer.cell(0, 1)
    inner_cell.text = "一、总体情况"
    inner = inner_cell.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "信息内容", (0, 1): "本年制发件数", (1, 0): "规章", (1, 1): "0"}.items():
        inner.cell(r, c).text = text
    doc = read_docx(save(d))
    assert paras(doc) == ["导航", "一、总体情况"]
    assert rows_of(doc) == [[("信息内容", 1, 1), ("本年制发件数", 1, 1)], [("规章", 1, 1), ("0", 1, 1)]]
    # a one-column box is read as paragraphs
    d = docx.Document()
    box = d.add_table(rows=2, cols=1)
    box.cell(0, 0).text = "标题"
    box.cell(1, 0).text = "正文"
    doc = read_docx(save(d))
    assert paras(doc) == ["标题", "正文"] and not tables(doc)


def test_alt_chunk_html_is_read_in_place():
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    d = docx.Document()
    d.add_paragraph("前")
    html = "<html><body><p>块内段落</p><table><tr><td>规章</td><td>0</td></tr></table></body></html>"
    part = Part(PackURI("/word/afchunk1.htm"), "text/html", html.encode(), d.part.package)
    rid = d.part.relate_to(part, RT.A_F_CHUNK)
    body_xml(
        d,
        f'<w:altChunk {W_NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="{rid}"/>',
    )
    d.add_paragraph("后")
    doc = read_docx(save(d))
    assert [(b.kind, b.table, b.text, b.loc.line) for b in doc.blocks] == [
        ("para", None, "前", 1),
        ("para", None, "块内段落", 2),
        ("row", 0, "规章\t0", 3),
        ("para", None, "后", 4),
    ]


def _rezip(data: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    change(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in members.items():
            z.writestr(name, blob)
    return out.getvalue()


def _simple_docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    return save(d)


def test_macro_enabled_content_type_is_still_read():
    def docm(m):
        m["[Content_Types].xml"] = m["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml",
        )

    assert paras(read_docx(_rezip(_simple_docx(), docm))) == ["一、总体情况"]


def test_zip_bomb_by_ratio_is_refused_before_decompression():
    bomb = _rezip(_simple_docx(), lambda m: m.__setitem__("word/media/image1.bin", b"\0" * (8 << 20)))
    assert len(bomb) < 200_000
    with pytest.raises(UnsupportedInput, match="zip bomb"):
        read_document(bomb)


def test_zip_bomb_by_declared_size_is_refused():
    data = bytearray(_simple_docx())
    i = data.find(b"PK\x01\x02")  # first central directory entry: claim 300 MB uncompressed
    assert i > 0
    struct.pack_into("<I", data, i + 24, 300 << 20)
    with pytest.raises(UnsupportedInput, match="zip bomb"):
        read_docx(bytes(data))


@pytest.mark.parametrize("damage", ["truncated", "bad_xml", "no_document", "not_zip", "entities"])
def test_damaged_docx_raises_unsupported_input(damage):
    good = _simple_docx()
    if damage == "truncated":
        data = good[: len(good) // 2]
    elif damage == "bad_xml":
        data = _rezip(good, lambda m: m.__setitem__("word/document.xml", b"<w:document><w:body><w:p>"))
    elif damage == "no_document":
        data = _rezip(good, lambda m: m.pop("word/document.xml"))
    elif damage == "not_zip":
        data = b"PK\x03\x04" + os.urandom(2000)
    else:  # billion laughs: entities are not expanded
        lol = (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + k]), (b"&" + bytes([97 + k]) + b";") * 10) for k in range(8))
            + b"]><w:document "
            + W_NS.encode()
            + b"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
        )
        data = _rezip(good, lambda m: m.__setitem__("word/document.xml", lol))
    t = time.monotonic()
    try:
        doc = read_docx(data)
    except UnsupportedInput:
        pass
    else:
        assert damage == "entities" and sum(len(b.text) for b in doc.blocks) < 1000
    assert time.monotonic() - t < 5


def test_docx_round_trip_through_the_parser():
    from synth.render_forms import render_docx
    from tests.test_readers_html import round_trip

    def render(values, version, year, agency, rng):
        return render_docx(values, version, year, agency, rng=rng)

    total, good, wrong = round_trip(render, 60, 2000)
    assert wrong == []
    assert good / total >= 0.99, f"recovered {good}/{total}"


# --------------------------------------------------------------------------- RTF

RTF = rb"""{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}{\f1\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}
{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}{\info{\title \'b1\'ea\'cc\'e2}{\author x}}
{\header \pard header text\par}{\footer \pard footer text\par}
{\*\generator Riched20 10.0;}\viewkind4\uc1
\pard\f1\fs24 \'d2\'bb\'a1\'a2\'d7\'dc\'cc\'e5\'c7\'e9\'bf\'f6\par
\pard\f0 \u25919?\u24220?\u20844?\u24320? ok {\*\bkmkstart b1}{\pict\pngblip 89504e47}\u8220?x\u8221?\par
\pard\f1 \'b9\'e6\'d5\'c2\tab 13\tab\tab 524\par
\trowd\trgaph108\trleft0\clvmgf\cellx1000\cellx3000\cellx4000
\pard\intbl\f1 \'c8\'fd\'a1\'a2\'b1\'be\'c4\'ea\'b6\'c8\cell \'d3\'e8\'d2\'d4\'b9\'ab\'bf\'aa\cell 5\cell\row
\trowd\trgaph108\trleft0\clvmrg\cellx1000\cellx2000\cellx3000\cellx4000
\pard\intbl \cell 1.\line \'b9\'fa\'bc\'d2\cell \cell 7\cell\row
\trowd\trgaph108\trleft0\clmgf\cellx1000\clmrg\cellx2000\cellx4000
\pard\intbl A\cell\cell B\par C\cell\row
\pard {\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt \'bd\'e1\'ca\'f8}}\par
{\bin3 {}}\par
}"""


def test_rtf_text_encodings_destinations_and_tables():
    doc = read_document(RTF)
    assert doc.format == "doc"
    assert paras(doc) == ["一、总体情况", "政府公开 ok “x”", "结束"]
    row = next(b for b in doc.blocks if b.kind == "row" and b.table is None)
    assert [c.text for c in row.cells] == ["规章", "13", "524"]
    assert rows_of(doc) == [
        [("三、本年度", 1, 2), ("予以公开", 2, 1), ("5", 1, 1)],
        [("1.国家", 1, 1), ("", 1, 1), ("7", 1, 1)],
        [("A", 2, 1), ("B C", 2, 1)],
    ]
    assert "header" not in " ".join(b.text for b in doc.blocks)
    assert [b.loc.line for b in doc.blocks] == list(range(1, len(doc.blocks) + 1))


def test_rtf_broken_input_does_not_crash():
    for data in (RTF[: len(RTF) // 2], RTF.replace(b"}", b""), b"{\\rtf1 \\'zz \\u \\'", b"{\\rtf1" + b"{" * 5000):
        read_rtf(data)
    with pytest.raises(UnsupportedInput):
        read_rtf(b"plain text")


def test_doc_link_serving_rtf_or_docx_is_read_by_content():
    assert paras(read_doc(RTF))[0] == "一、总体情况"
    assert paras(read_doc(_simple_docx())) == ["一、总体情况"]


# --------------------------------------------------------------------------- .doc (OLE2 Word 97)


def word97(paragraphs: list[str]) -> bytes:
    """A minimal but valid Word 97 file: a compound file with a WordDocument stream (FIB +
    UTF-16 text) and a 1Table stream holding a one-piece table and an empty style sheet."""
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    text = "\r".join(paragraphs) + "\r"
    fib = bytearray(1472)
    struct.pack_into("<HHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x0804, 0)
    struct.pack_into("<HH", fib, 10, 0x1200, 0x00BF)  # fWhichTblStm + fExtChar; nFibBack
    struct.pack_into("<H", fib, 32, 14)  # csw
    struct.pack_into("<H", fib, 62, 22)  # cslw
    struct.pack_into("<i", fib, 76, len(text))  # ccpText
    struct.pack_into("<H", fib, 152, 93)  # cbRgFcLcb
    plcpcd = struct.pack("<2IHIH", 0, len(text), 0, len(fib), 0)
    clx = b"\x02" + struct.pack("<I", len(plcpcd)) + plcpcd
    struct.pack_into("<II", fib, 154 + 33 * 8, 0, len(clx))  # fcClx / lcbClx
    stsh = struct.pack("<10H", 18, 0, 10, 1, 0, 0, 0, 0, 0, 0)  # an empty style sheet (antiword reads it)
    struct.pack_into("<II", fib, 154 + 1 * 8, len(clx), len(stsh))  # fcStshf / lcbStshf
    wd = (bytes(fib) + text.encode("utf-16-le")).ljust(4096, b"\0")
    assert len(wd) == 4096
    streams = {"1Table": (clx + stsh).ljust(4096, b"\0"), "WordDocument": wd}
    fat = [0xFFFFFFFD, end] + [free] * 126
    sector, data, dirs = 2, b"", b""
    entries = []
    for i, (name, blob) in enumerate(streams.items()):
        n = len(blob) // 512
        fat[sector : sector + n] = [sector + k + 1 for k in range(n - 1)] + [end]
        entries.append((name, 2, free, (i + 2) if i + 1 < len(streams) else free, free, sector, len(blob)))
        sector += n
        data += blob
    for name, typ, left, right, child, start, size in [("Root Entry", 5, free, free, 1, end, 0)] + entries:
        raw = name.encode("utf-16-le") + b"\0\0"
        dirs += raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), typ, 1, left, right, child)
        dirs += b"\0" * 36 + struct.pack("<IQ", start, size)
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<9I", 0, 1, 1, 0, 0x1000, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108)
    return header + struct.pack("<128I", *fat) + dirs.ljust(512, b"\0") + data


def _script(path, body: str) -> None:
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_word97_builder_is_sniffed_as_doc():
    from parsers.readers.sniff import sniff

    assert sniff(word97(["一、总体情况"])) == "doc"


def test_doc_without_converters_names_the_packages(monkeypatch):
    monkeypatch.setattr(doc_mod, "converters", lambda: {"antiword": None, "soffice": None})
    with pytest.raises(UnsupportedInput, match="libreoffice-writer-nogui.*antiword"):
        read_document(word97(["一、总体情况"]))


def test_doc_through_a_fake_antiword(tmp_path, monkeypatch):
    _script(
        tmp_path / "antiword",
        "import sys\nassert sys.argv[1:4] == ['-w', '0', '-m'] and sys.argv[4] == 'UTF-8.txt'\n"
        "sys.stdout.buffer.write('一、总体情况\\n|信息内容 |本年制发件数 |\\n|规章 |0 |\\n'.encode())\n",
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = read_document(word97(["x"]))
    assert doc.format == "doc"
    assert paras(doc) == ["一、总体情况"]
    assert [[c.text for c in b.cells] for b in doc.blocks if b.kind == "row"] == [
        ["信息内容", "本年制发件数"],
        ["规章", "0"],
    ]
    assert doc.warnings == ()  # the file has no table: no cell is lost


def test_doc_libreoffice_failure_falls_back_to_antiword(tmp_path, monkeypatch):
    _script(
        tmp_path / "soffice",
        "import sys\nargs = sys.argv[1:]\n"
        "assert any(a.startswith('-env:UserInstallation=file://') for a in args) and '--headless' in args\n"
        "sys.stderr.write('source file could not be loaded')\nsys.exit(1)\n",
    )
    _script(tmp_path / "antiword", "import sys\nsys.stdout.buffer.write('来自antiword\\n'.encode())\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = read_document(word97(["x"]))
    assert doc.format == "doc" and paras(doc) == ["来自antiword"]
    assert [w.code for w in doc.warnings] == ["DOC_CONVERTER_FAILED"]
    assert "could not be loaded" in doc.warnings[0].message
    (tmp_path / "antiword").unlink()
    with pytest.raises(UnsupportedInput, match="LibreOffice produced no DOCX.*could not be loaded"):
        read_document(word97(["x"]))


def test_doc_through_a_fake_libreoffice_keeps_one_profile_per_process(tmp_path, monkeypatch):
    d = docx.Document()
    d.add_paragraph("来自LibreOffice")
    converted = tmp_path / "converted.docx"
    converted.write_bytes(save(d))
    seen = tmp_path / "profiles.txt"
    _script(
        tmp_path / "soffice",
        "import sys, shutil, pathlib\nargs = sys.argv[1:]\n"
        f"open({str(seen)!r}, 'a').write([a for a in args if a.startswith('-env:')][0] + '\\n')\n"
        "out = pathlib.Path(args[args.index('--outdir') + 1]); out.mkdir(parents=True, exist_ok=True)\n"
        f"shutil.copy({str(converted)!r}, out / (pathlib.Path(args[-1]).stem + '.docx'))\n",
    )
    _script(tmp_path / "antiword", "raise SystemExit('LibreOffice comes first')\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    for _ in range(2):
        doc = read_document(word97(["x"]))
        assert doc.format == "doc" and paras(doc) == ["来自LibreOffice"] and doc.warnings == ()
    used = seen.read_text().split()
    assert len(used) == 2 and used[0] == used[1] == f"-env:UserInstallation={doc_mod.profile_dir().as_uri()}"


def test_profiles_of_processes_that_are_gone_are_removed(tmp_path, monkeypatch):
    import subprocess
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{doc_mod.PROFILE_PREFIX}{gone.stdout.strip()}-abc"
    live = tmp_path / f"{doc_mod.PROFILE_PREFIX}{os.getppid()}-def"
    for d in (stale, live):
        (d / "user").mkdir(parents=True)
    monkeypatch.setattr(doc_mod, "_profile", None)
    mine = doc_mod.profile_dir()
    assert mine.parent == tmp_path and mine.name.startswith(f"{doc_mod.PROFILE_PREFIX}{os.getpid()}-")
    assert not stale.exists() and live.exists()


def test_a_libreoffice_that_hangs_is_killed_with_its_children(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    _script(
        tmp_path / "soffice",
        "import subprocess, time\n"
        f"p = subprocess.Popen(['sleep', '60']); open({str(pidfile)!r}, 'w').write(str(p.pid))\ntime.sleep(60)\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(doc_mod, "converters", lambda: {"antiword": None, "soffice": str(tmp_path / "soffice")})
    monkeypatch.setattr(doc_mod, "SOFFICE_TIMEOUT", 1)
    with pytest.raises(UnsupportedInput, match="LibreOffice timed out after 1s"):
        read_document(word97(["x"]))
    child = int(pidfile.read_text())
    for _ in range(50):  # the kill is delivered; the process may take a moment to be reaped
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as f:
            if f.read().split(") ")[1].startswith("Z"):
                break
        time.sleep(0.1)
    else:
        pytest.fail("the converter's child process outlived the timeout")


def test_word97_text_reads_the_piece_table():
    assert doc_mod.word97_text(word97(["一、总体情况", "规章\t0"])) == "一、总体情况\r规章\t0\r"
    assert doc_mod.word97_text(b"\xd0\xcf\x11\xe0" + b"\0" * 600) is None


def _need_antiword() -> None:
    if shutil.which("antiword") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs antiword (apt-get install -y antiword)")
        pytest.skip("antiword is not installed (Debian/Ubuntu: apt-get install antiword)")


def test_real_antiword_reads_a_word97_file(monkeypatch):
    _need_antiword()
    monkeypatch.setattr(doc_mod, "converters", lambda: {"antiword": shutil.which("antiword"), "soffice": None})
    doc = read_document(word97(["一、总体情况", "本机关认真贯彻落实《条例》。", "规章\t0\t1"]))
    assert doc.format == "doc"
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("para", "一、总体情况"),
        ("para", "本机关认真贯彻落实《条例》。"),
        ("row", "规章\t0\t1"),
    ]


def test_real_antiword_failure_is_unsupported_input(monkeypatch):
    _need_antiword()
    monkeypatch.setattr(doc_mod, "converters", lambda: {"antiword": shutil.which("antiword"), "soffice": None})
    broken = word97(["一、总体情况"])
    broken = broken.replace(struct.pack("<HH", 0xA5EC, 0x00C1), struct.pack("<HH", 0xA5EC, 0x0020), 1)
    with pytest.raises(UnsupportedInput, match="antiword"):
        read_document(broken)


def test_rendered_docx_variants_read_back_identically():
    from parsers.templates import template
    from parsers.values import parse_value

    def cells(d):
        return [
            [parse_value(c.text).value if parse_value(c.text).status == "number" else c.text for c in b.cells]
            for b in d.blocks
            if b.kind == "row"
        ]

    from synth.render_forms import render_docx, render_html

    rng = random.Random(5)
    for version in ("2019", "2021"):
        values = {a: (None if rng.random() < 0.2 else rng.randint(0, 99)) for a in template(version).addresses()}
        html_doc = read_document(render_html(values, version, 2022, "某县某局"))
        for seed in range(3):
            docx_doc = read_document(render_docx(values, version, 2022, "某县某局", rng=random.Random(seed)))
            assert paras(docx_doc) == [p for p in paras(html_doc)]
            assert cells(docx_doc) == cells(html_doc)  # same values: variants only add "+" / "元"
