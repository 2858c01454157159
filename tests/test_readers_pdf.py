"""PDF reader: generated PDFs (tables across pages, furniture, provenance, spans,
undecodable text, malformed files) and the corpus PDFs 101/106/107."""

from __future__ import annotations

import io
import json
import random
import re
import zlib
from pathlib import Path

import pytest

from parsers.readers.errors import UnsupportedInput
from parsers.readers.pdf import MAX_PAGES, read_pdf
from parsers.templates import template
from synth.generator import generate_values
from synth.render_pdf import render_pdf
from tests.conftest import CORPUS, need_corpus

PAGE_NO = re.compile(r"^[\s\-—–－·]*(第\s*)?\d{1,4}(\s*页)?[\s\-—–－·]*$")


def values_for(version: str, seed: int) -> dict:
    """Valid values from the generator: table 三 and 四 add up, blanks and zeros included."""
    return generate_values(random.Random(seed), version)


def t3_rows(version: str, vals: dict) -> list:
    """The table 三 rows a rendering of `vals` prints (2021 reports may print one （六） row)."""
    from parsers.templates import Row

    rows = list(template(version).t3_rows)
    if any(r.key.startswith("other.") for r in rows) and "t3/other/total" in vals:
        i = next(k for k, r in enumerate(rows) if r.key.startswith("other."))
        rows = [r for r in rows if not r.key.startswith("other.")]
        rows.insert(i, Row("other", "（六）其他处理", ("三、本年度办理结果",)))
    return rows


def tables_of(doc) -> dict[int, list]:
    out: dict[int, list] = {}
    for b in doc.blocks:
        if b.kind == "row":
            out.setdefault(b.table, []).append(b)
    return out


def table_with(doc, needle: str) -> list:
    for rows in tables_of(doc).values():
        if any(needle in c.text for r in rows for c in r.cells):
            return rows
    raise AssertionError(f"no table contains {needle!r}")


def is_num(t: str) -> bool:
    return bool(re.fullmatch(r"[+\-]?\d+(\.\d+)?", t.strip()))


def data_rows(rows: list) -> list[tuple[str, list[str]]]:
    """(label, values) of rows that end in 7 (table 三) value cells."""
    out = []
    for r in rows:
        texts = [c.text for c in r.cells]
        vals = texts[-7:]
        if len(texts) >= 8 and all(is_num(t) or t == "" for t in vals) and any(is_num(t) for t in vals):
            label = "".join(t for t in texts[:-7] if t and not is_num(t))
            out.append((label, vals))
    return out


def fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != int(v):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return str(int(v)) if isinstance(v, float) else str(v)


# ------------------------------------------------------------- generated reports


@pytest.fixture(scope="module")
def rendered():
    out = {}
    for seed, version in ((1, "2019"), (2, "2021"), (3, "2021")):
        vals = values_for(version, seed)
        data = render_pdf(vals, version, 2022, "某某县人民政府", rng=random.Random(seed))
        out[seed] = (version, vals, data, read_pdf(data))
    return out


def test_render_is_a_pdf_whose_table_three_crosses_a_page(rendered):
    for _version, _vals, data, doc in rendered.values():
        assert data.startswith(b"%PDF-")
        rows = table_with(doc, "本年新收政府信息公开申请数量")
        assert len({c.loc.page for r in rows for c in r.cells}) >= 2, "table 三 should cross a page break"


def test_table_three_is_one_merged_table_with_the_values(rendered):
    for version, vals, _data, doc in rendered.values():
        tpl = template(version)
        rows = table_with(doc, "本年新收政府信息公开申请数量")
        got = data_rows(rows)
        expected = t3_rows(version, vals)
        assert len(got) == len(expected)
        for (label, cells), r in zip(got, expected):
            assert re.sub(r"\s", "", label).endswith(re.sub(r"\s", "", r.label)), (label, r.label)
            want = [fmt(vals.get(f"t3/{r.key}/{c.key}")) for c in tpl.t3_columns]
            assert cells == want, (r.key, cells, want)


def test_header_rows_spans_and_group_cells(rendered):
    for version, vals, _data, doc in rendered.values():
        rows = table_with(doc, "本年新收政府信息公开申请数量")
        first = rows[0].cells
        assert first[0].text.startswith("（本列数据的勾稽关系为") and (first[0].colspan, first[0].rowspan) == (3, 3)
        assert first[1].text == "申请人情况" and first[1].colspan == 7
        assert [(c.text, c.colspan, c.rowspan) for c in rows[1].cells] == [
            ("自然人", 1, 2),
            ("法人或其他组织", 5, 1),
            ("总计", 1, 2),
        ]
        # repeated header rows on the continuation page are dropped
        assert sum(1 for r in rows if r.cells[0].text.startswith("（本列数据")) == 1
        groups = {c.text: c.rowspan for r in rows for c in r.cells if c.rowspan > 1}
        n3 = sum(1 for r in t3_rows(version, vals) if r.path[:1] == ("三、本年度办理结果",))
        assert groups.get("三、本年度办理结果") == n3
        assert groups.get("（三）不予公开") == 8 and groups.get("（五）不予处理") == 5
        # every row of the table has the same width once spans are counted
        widths = _row_widths(rows)
        assert set(widths) == {10}, widths


def _row_widths(rows) -> list[int]:
    """Covered columns per row (cells starting in the row plus rowspans from above)."""
    widths = []
    pending: list[tuple[int, int]] = []
    for r in rows:
        w = sum(c.colspan for c in r.cells) + sum(cs for left, cs in pending)
        widths.append(w)
        pending = [(left - 1, cs) for left, cs in pending if left > 1]
        pending += [(c.rowspan - 1, c.colspan) for c in r.cells if c.rowspan > 1]
    return widths


def test_tables_two_and_four_values(rendered):
    for version, vals, _data, doc in rendered.values():
        tpl = template(version)
        t4 = table_with(doc, "未经复议直接起诉")
        last = [c.text for c in t4[-1].cells]
        want = [fmt(vals.get(f"t4/{r.key}/{c.key}")) for r in tpl.t4_rows for c in tpl.t4_columns]
        assert last == want
        t2 = table_with(doc, tpl.table2[0].caption)
        for b in tpl.table2:
            for r in b.rows:
                row = next(x for x in t2 if x.cells[0].text == r.label)
                got = [c.text for c in row.cells[1:]]
                want = [fmt(vals.get(f"t2/{b.key}.{r.key}/{c.key}")) for c in b.columns]
                assert [g.lstrip("+") for g in got] == want, (b.key, r.key)


def test_page_furniture_dropped_and_sections_in_order(rendered):
    for version, _vals, _data, doc in rendered.values():
        tpl = template(version)
        paras = [b.text for b in doc.blocks if b.kind == "para"]
        assert not [p for p in paras if PAGE_NO.match(p)], "page numbers leaked into the text"
        assert not [p for p in paras if p.startswith("某某县人民政府2022年政府信息公开工作年度报告")], (
            "running header leaked"
        )
        heads = [f"{s.number}、{s.title}" for s in tpl.sections]
        pos = [paras.index(h) for h in heads]
        assert pos == sorted(pos)


def test_page_provenance_matches_the_page_the_text_is_on(rendered):
    import pypdfium2 as pdfium

    for version, _vals, data, doc in rendered.values():
        pdf = pdfium.PdfDocument(data)
        texts = [re.sub(r"\s", "", pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
        tpl = template(version)
        for s in tpl.sections:
            head = f"{s.number}、{s.title}"
            block = next(b for b in doc.blocks if b.kind == "para" and b.text == head)
            pages = [i + 1 for i, t in enumerate(texts) if head in t]
            assert block.loc.page in pages
            assert block.loc.line and block.loc.line >= 1
        # line numbers increase down a page
        by_page: dict[int, list[int]] = {}
        for b in doc.blocks:
            if b.kind == "para":
                by_page.setdefault(b.loc.page, []).append(b.loc.line)
        for lines in by_page.values():
            assert lines == sorted(lines)


def _blocks(doc) -> list:
    """What two readings of one PDF must agree on: each block's cells, spans and pages."""
    return [
        (b.kind, b.table, tuple((re.sub(r"\s", "", c.text), c.colspan, c.rowspan, c.loc.page) for c in b.cells))
        for b in doc.blocks
    ]


def _rows(doc) -> list:
    return [b[1:] for b in _blocks(doc) if b[0] == "row"]


def test_both_engines_agree_on_a_generated_report(rendered):
    version, vals, data, doc = rendered[2]
    other = read_pdf(data, engine="pdfplumber")
    assert _blocks(doc) == _blocks(other)


# ------------------------------------------------------------- hand-made PDFs


def raw_pdf(
    pages_content: list[bytes], *, fonts: str = "helv", n_pages: int | None = None, extra_objects: dict | None = None
) -> bytes:
    """A minimal PDF written by hand. `pages_content` are content streams; with n_pages,
    every page shares the first stream (a cheap huge PDF)."""
    objs: dict[int, bytes] = {}
    n = n_pages or len(pages_content)
    font_obj = 3
    if fonts == "helv":
        objs[font_obj] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    else:  # a CID font with no ToUnicode and no embedded program: characters cannot be decoded
        objs[font_obj] = (
            b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [6 0 R] >>"
        )
        objs[6] = (
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            b"/FontDescriptor 7 0 R /DW 600 >>"
        )
        objs[7] = (
            b"<< /Type /FontDescriptor /FontName /NoMap /Flags 4 /FontBBox [0 -200 1000 900] "
            b"/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>"
        )
    objs[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    first_page = 10
    streams = pages_content if not n_pages else pages_content[:1]
    stream_ids = []
    for k, content in enumerate(streams):
        sid = first_page + n + k
        body = zlib.compress(content)
        objs[sid] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
        stream_ids.append(sid)
    kids = []
    for i in range(n):
        pid = first_page + i
        sid = stream_ids[0] if n_pages else stream_ids[i]
        objs[pid] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R /F2 4 0 R >> >> >>" % (sid, font_obj)
        )
        kids.append(b"%d 0 R" % pid)
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % n
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    maxid = max(objs)
    for oid in range(1, maxid + 1):
        if oid not in objs:
            continue
        offsets[oid] = out.tell()
        out.write(b"%d 0 obj\n" % oid + objs[oid] + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n" % (maxid + 1))
    out.write(b"0000000000 65535 f \n")
    for oid in range(1, maxid + 1):
        if oid in offsets:
            out.write(b"%010d 00000 n \n" % offsets[oid])
        else:
            out.write(b"0000000000 65535 f \n")
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (maxid + 1, xref))
    return out.getvalue()


def test_undecodable_characters_become_markers_not_numbers():
    content = b"BT /F2 12 Tf 72 760 Td (Total 12 and 34) Tj ET\nBT /F1 12 Tf 72 700 Td <0011001200130014> Tj ET\n"
    doc = read_pdf(raw_pdf([content], fonts="nomap"))
    codes = {w.code: w.message for w in doc.warnings}
    assert "UNDECODED_TEXT" in codes and "1" in codes["UNDECODED_TEXT"]
    text = "\n".join(b.text for b in doc.blocks)
    assert "Total 12 and 34" in text
    # the undecodable run gives no digits, only the marker
    bad = [b.text for b in doc.blocks if "Total" not in b.text]
    assert bad and all(not re.search(r"\d", t) for t in bad)
    assert any("\ufffd" in t for t in bad)


def test_private_use_glyphs_are_flagged():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 12)
    c.drawString(72, 760, "Count 7")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")) if Path(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    ).exists() else pytest.skip("no DejaVu font to draw private-use glyphs with")
    c.setFont("DejaVu", 12)
    c.drawString(72, 700, "A\ue0015\ue002B")
    c.save()
    doc = read_pdf(buf.getvalue())
    assert any(w.code == "UNDECODED_TEXT" for w in doc.warnings)
    line = next(b.text for b in doc.blocks if b.text.startswith("A"))
    assert "5" not in line and "\ufffd" in line


def test_text_aligned_table_without_rulings():
    rows = [
        ("Label", "Alpha", "Beta", "Total"),
        ("first row", "12", "0", "12"),
        ("second row", "7", "", "7"),
        ("third row", "1", "2", "3"),
    ]
    content = b""
    y = 700
    for r in rows:
        for x, t in zip((72, 260, 360, 460), r):
            if t:
                content += b"BT /F2 11 Tf %d %d Td (%s) Tj ET\n" % (x, y, t.encode())
        y -= 20
    content = b"BT /F2 11 Tf 72 760 Td (Some text before the table.) Tj ET\n" + content
    doc = read_pdf(raw_pdf([content]))
    got = [[c.text for c in b.cells] for b in doc.blocks if b.kind == "row"]
    assert ["first row", "12", "0", "12"] in got
    assert ["second row", "7", "", "7"] in got
    assert len({b.table for b in doc.blocks if b.kind == "row"}) == 1


def test_huge_page_count_is_capped():
    content = b"BT /F2 12 Tf 72 700 Td (Same page again 5) Tj ET\n"
    data = raw_pdf([content], n_pages=10_000)
    doc = read_pdf(data)
    assert any(w.code == "PAGES_CAPPED" and "10000" in w.message for w in doc.warnings)
    pages = {b.loc.page for b in doc.blocks}
    assert max(pages) <= MAX_PAGES and len(doc.blocks) == MAX_PAGES


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body>not a pdf</body></html>", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"%PDF-1.4\n" + b"garbage " * 50],
)
def test_not_a_pdf(data):
    with pytest.raises(UnsupportedInput):
        read_pdf(data)


def test_encrypted_pdf_is_unsupported():
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("user-secret", "owner-secret", strength=128))
    c.drawString(72, 700, "locked 123")
    c.save()
    with pytest.raises(UnsupportedInput, match="encrypted"):
        read_pdf(buf.getvalue())


def test_owner_only_encryption_is_read():
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("", "owner-secret", canPrint=0))
    c.drawString(72, 700, "readable 123")
    c.save()
    doc = read_pdf(buf.getvalue())
    assert any("readable 123" in b.text for b in doc.blocks)


def test_truncated_pdf_is_unsupported_or_warned(rendered):
    version, vals, data, doc = rendered[1]
    for cut in (len(data) // 2, len(data) - 40, 200):
        try:
            part = read_pdf(data[:cut])
        except UnsupportedInput:
            continue
        assert any(w.code == "TRUNCATED_PDF" for w in part.warnings)
        # what was read is a subset of the full text, never invented
        full = {c.text for b in doc.blocks for c in b.cells}
        assert {c.text for b in part.blocks for c in b.cells} <= full | {""}


def test_image_only_pdf_without_ocr_warns_and_invents_nothing():
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (400, 560), "white")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    for _ in range(2):
        c.drawImage(ImageReader(img), 0, 0, 595, 842)
        c.showPage()
    c.save()
    doc = read_pdf(buf.getvalue(), ocr=False)
    w = [x for x in doc.warnings if x.code == "IMAGE_ONLY_PDF"]
    assert w and "xxgk[ocr]" in w[0].message and "1-2" in w[0].message
    assert doc.blocks == ()


def test_rotated_page_reads_upright():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.setPageRotation(90)
    # content drawn so that it reads upright once the viewer turns the page by 90°
    c.translate(595, 0)
    c.rotate(90)
    c.setFont("Helvetica", 12)
    c.drawString(72, 500, "First line on a landscape page")
    c.drawString(72, 480, "Second line 42")
    c.save()
    doc = read_pdf(buf.getvalue())
    texts = [b.text for b in doc.blocks]
    assert texts[:2] == ["First line on a landscape page", "Second line 42"]


# ------------------------------------------------------------- corpus PDFs

CORPUS_PDFS = ["101", "106", "107"]


@pytest.mark.parametrize("name", CORPUS_PDFS)
def test_corpus_table_three_merged_across_pages(name):
    need_corpus()
    doc = read_pdf((CORPUS / f"{name}.pdf").read_bytes())
    truth = json.loads((CORPUS / f"{name}.truth.json").read_text(encoding="utf-8"))["table3"]
    rows = table_with(doc, "本年新收政府信息公开申请数量")
    assert len({c.loc.page for r in rows for c in r.cells}) == 2, "table 三 spans two pages in the source"
    got = data_rows(rows)
    assert len(got) == len(truth)
    cols = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    for (label, cells), (key, want) in zip(got, truth.items()):
        assert label, f"row {key} has no label"
        assert cells == [fmt(want[c]) for c in cols], key
    labels = {c.text for r in rows for c in r.cells}
    assert "三、本年度办理结果" in labels  # the one-character-per-line group label, whole


@pytest.mark.parametrize("name", CORPUS_PDFS)
def test_corpus_furniture_and_tables(name):
    need_corpus()
    doc = read_pdf((CORPUS / f"{name}.pdf").read_bytes())
    assert doc.format == "pdf"
    paras = [b for b in doc.blocks if b.kind == "para"]
    assert not [p.text for p in paras if PAGE_NO.match(p.text)]
    assert any(p.text.startswith("六、其他需要报告的事项") for p in paras)
    t4 = table_with(doc, "未经复议直接起诉")
    assert len(t4[-1].cells) == 15 and all(is_num(c.text) for c in t4[-1].cells)
    assert len(tables_of(doc)) == 3  # table 二 (also split over two pages), 三, 四
    for b in doc.blocks:
        for c in b.cells:
            assert c.loc.page and c.loc.line and c.loc.via is None


@pytest.mark.parametrize("name", CORPUS_PDFS)
def test_corpus_engines_agree(name):
    need_corpus()
    data = (CORPUS / f"{name}.pdf").read_bytes()
    a, b = read_pdf(data), read_pdf(data, engine="pdfplumber")
    assert _rows(a) == _rows(b)


# ------------------------------------------------------------- full round trip


def test_round_trip_through_parse_bytes():
    from parsers.report import parse_bytes as parse

    problems = []
    total = resolved = 0
    for seed, version in ((11, "2019"), (12, "2021"), (13, "2021"), (14, "2019"), (15, "2021"), (16, "2019")):
        if version == "2021":
            vals = generate_values(random.Random(seed), version, single_other=seed % 2 == 1)
        else:
            vals = values_for(version, seed)
        data = render_pdf(vals, version, 2022, "某某县人民政府", rng=random.Random(seed))
        rep = parse(data, name="report.pdf")
        got = {c.address: c for c in rep.cells}
        for addr in vals:
            total += 1
            c = got.get(addr)
            if c is None or c.status == "unresolved":
                continue
            resolved += 1
            if c.value != vals.get(addr):
                problems.append((seed, addr, c.value, vals.get(addr)))
    assert not problems, problems[:10]
    assert resolved >= 0.99 * total, f"only {resolved}/{total} cells resolved"


def test_pages_pdfium_cannot_see_are_read_through_pdfminer(rendered, monkeypatch):
    """A CJK font neither embedded nor installed: PDFium drops its one-character text
    objects, so such pages are read through pdfminer. Forced here, since whether PDFium
    finds a substitute font depends on the machine."""
    from parsers.readers import pdf as pdfmod

    version, vals, data, doc = rendered[3]
    original = pdfmod._PdfiumSource._glyphs

    def glyphs_without_font(page, rp, *args):
        original(page, rp, *args)
        rp.font_missing = True

    monkeypatch.setattr(pdfmod._PdfiumSource, "_glyphs", staticmethod(glyphs_without_font))
    other = read_pdf(data)
    assert _blocks(other) == _blocks(doc)


# ------------------------------------------------------------- fast paths


def test_plain_ctypes_bindings_read_the_same(rendered, monkeypatch):
    """The per-glyph and per-object loops call PDFium through bindings without argtypes
    (_FastApi); the plain pypdfium2 bindings, used where those cannot be built, give
    the same document."""
    from parsers.readers import pdf as pdfmod

    assert pdfmod._fast_api() is not None
    version, vals, data, doc = rendered[3]
    monkeypatch.setattr(pdfmod, "_FAST_API", [None])
    other = read_pdf(data)
    assert other.blocks == doc.blocks and other.warnings == doc.warnings
    if CORPUS.is_dir():
        data = (CORPUS / "101.pdf").read_bytes()
        plain = read_pdf(data)
        monkeypatch.setattr(pdfmod, "_FAST_API", [])
        assert read_pdf(data).blocks == plain.blocks


def _drawn_page(rotation: int) -> bytes:
    """A page of everything the object walk reads: rulings inside a form XObject (drawn
    twice, once moved by a matrix), an outlined rectangle, a white and a transparent box,
    a curve, a closed polyline of more than five segments, an image, and text."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.setPageRotation(rotation)
    c.beginForm("grid")
    for k in range(5):
        c.line(50, 700 - 20 * k, 300, 700 - 20 * k)
    for x in (50, 150, 300):
        c.line(x, 700, x, 620)
    c.endForm()
    c.doForm("grid")
    c.saveState()
    c.translate(10, -300)
    c.doForm("grid")
    c.restoreState()
    c.rect(320, 600, 100, 50, stroke=1, fill=0)
    c.setFillColorRGB(1, 1, 1)
    c.rect(320, 500, 100, 2, stroke=0, fill=1)
    c.setFillColorRGB(0.2, 0.2, 0.2, alpha=0)
    c.rect(320, 450, 100, 2, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.circle(450, 300, 30)
    path = c.beginPath()
    path.moveTo(100, 200)
    for x, y in ((200, 200), (200, 150), (150, 150), (150, 120), (100, 120), (100, 160)):
        path.lineTo(x, y)
    path.close()
    c.drawPath(path, stroke=1, fill=0)
    img = io.BytesIO()
    pytest.importorskip("PIL").Image.new("L", (40, 40), 128).save(img, format="PNG")
    c.drawImage(ImageReader(img), 400, 700, 80, 80)
    c.setFont("Helvetica", 10)
    c.drawString(60, 705, "table 12 34")
    c.drawString(60, 100, "Total 1,234")
    c.save()
    return buf.getvalue()


def _raw_pages(data: bytes) -> list:
    from parsers.readers.pdf import _PdfiumSource

    src = _PdfiumSource(data)
    try:
        pages = [src.page(i) for i in range(src.npages)]
    finally:
        src.close()
    return [(p.glyphs, p.hsegs, p.vsegs, p.image_cover, p.font_missing, p.notes) for p in pages]


def test_c_loops_read_what_the_ctypes_loops_read(rendered, monkeypatch):
    """The C loops (parsers/readers/_pdfloops.c, built by `pip install -e .`) make the
    PDFium calls of the ctypes loops, which stay as the fallback where the module is not
    built: both give the same glyphs, rulings, image cover and document."""
    import os

    from parsers.readers import pdf as pdfmod

    if pdfmod._native_loops() is None:
        if os.environ.get("CI"):
            pytest.fail("CI builds the C loops: `pip install -e .` did not build parsers/readers/_pdfloops")
        pytest.skip("parsers/readers/_pdfloops is not built (pip install -e . builds it)")
    # digits and control codes without a Unicode mapping
    unmapped = b"BT /F2 12 Tf 72 760 Td (Total 12) Tj ET\nBT /F1 12 Tf 72 700 Td <001100120031> Tj ET\n"
    files = [raw_pdf([unmapped], fonts="nomap"), *(rendered[k][2] for k in (1, 2))]
    files += [_drawn_page(r) for r in (0, 90, 180)]
    if CORPUS.is_dir():
        files += [(CORPUS / f"{name}.pdf").read_bytes() for name in ("101", "107")]
    native = [(_raw_pages(d), read_pdf(d)) for d in files]
    assert any(p[1] and p[2] for raws, _ in native for p in raws)  # rulings were read
    assert [g[5] for g in native[0][0][0][0]] == [False] * 7 + [True] * 3  # and map errors
    monkeypatch.setattr(pdfmod, "_NATIVE", [None])
    for d, (raws, doc) in zip(files, native):
        assert _raw_pages(d) == raws
        other = read_pdf(d)
        assert other.blocks == doc.blocks and other.warnings == doc.warnings


def _native_or_skip():
    import os

    from parsers.readers import pdf as pdfmod

    native = pdfmod._native_loops()
    if native is None:
        if os.environ.get("CI"):
            pytest.fail("CI builds the C loops: `pip install -e .` did not build parsers/readers/_pdfloops")
        pytest.skip("parsers/readers/_pdfloops is not built (pip install -e . builds it)")
    return native


def _random_line(rng: random.Random) -> list:
    """Glyphs of a table cell as the layout sees them: digits, CJK and Latin characters
    with gaps from none to wide, fake-bold doubles, now and then a second line, an
    undecoded glyph or one out of x order."""
    out = []
    x = rng.uniform(0, 400)
    top = rng.uniform(0, 700)
    size = rng.choice([9.0, 10.5, 12.0, rng.uniform(4, 20)])
    for _ in range(rng.randint(2, 12)):
        ch = rng.choice("0123456789一二三总计申请abc（）、 ") if rng.random() < 0.97 else "\ufffd"
        w = size * (1.0 if ord(ch) > 0x2000 else 0.55)
        t = top + rng.choice([0.0, 0.0, 0.3, -0.4, 1.5 * size if rng.random() < 0.1 else 0.0])
        g = (ch, x, t, x + w, t + size * rng.choice([1.0, 1.0, 0.9, 1.2]), ch == "\ufffd")
        out.append(g)
        if rng.random() < 0.1:  # fake bold: the same glyph again, a little to the right
            out.append((ch, x + rng.choice([0.0, 0.2, 0.5]), t + rng.choice([0.0, 0.1, 3.0]), x + w, t + size, g[5]))
        x += w + rng.choice([0.0, 0.0, 0.1 * size, 0.3 * size, 1.5 * size, -0.5 * size])
    if rng.random() < 0.05:
        out[0] = (out[0][0], int(out[0][1]), *out[0][2:])  # not a float: Python decides
    return out


def test_c_line_cell_reads_as_cell_text():
    """_pdfloops.line_cell gives _cell_text()'s text and top wherever it answers (glyphs
    on one line, left to right, none undecoded), and answers for most such cells."""
    from parsers.readers.pdf import _cell_text

    native = _native_or_skip()
    rng = random.Random(5)
    answered = 0
    for _ in range(3000):
        glyphs = _random_line(rng)
        one = native.line_cell(glyphs)
        if one is None:
            continue
        answered += 1
        text, top, tops = _cell_text(glyphs)
        assert (one[0].strip(), one[1]) == (text, top) and tops == [top], glyphs
    assert answered > 300


def test_c_lines_group_as_python_does():
    """_pdfloops.lines groups glyphs into the lines _iter_lines() makes, each in the same
    order, wherever it answers: several lines a page, glyphs at the same place (the sort
    then compares the glyph tuples), lines that touch."""
    from parsers.readers.pdf import _iter_lines

    native = _native_or_skip()
    rng = random.Random(3)
    answered = 0
    for _ in range(600):
        glyphs = [g for _ in range(rng.randint(1, 8)) for g in _random_line(rng)]
        if rng.random() < 0.3:  # the same glyph twice, and another character at its place
            g = rng.choice(glyphs)
            glyphs += [g, ("x", *g[1:])]
        rng.shuffle(glyphs)
        lines = native.lines(glyphs)
        if lines is None:
            continue
        answered += 1
        assert lines == list(_iter_lines(glyphs))
    assert answered > 300


def test_c_cluster_and_merge_as_python_does(monkeypatch):
    """_pdfloops.cluster and merge_segments give _cluster()'s means and _merge_segments()'s
    rulings (and _rulings()'s filtered ones): positions that tie, snap or just miss, drawn
    pieces that overlap, touch or leave gaps, a segment given twice."""
    from parsers.readers import pdf as pdfmod

    native = _native_or_skip()
    rng = random.Random(13)
    for _ in range(400):
        grid = [round(rng.uniform(0, 800), 1) for _ in range(rng.randint(1, 12))]
        segs = []
        for _ in range(rng.randint(0, 80)):
            pos = rng.choice(grid) + rng.choice([0.0, 0.0, 0.5, -1.9, 2.0, 2.1, rng.uniform(-3, 3)])
            lo = rng.choice([0.0, 100.0, 250.5]) + rng.uniform(-3, 300)
            segs.append((pos, lo, lo + rng.choice([0.5, 1.99, 2.0, 3.0, 4.0, rng.uniform(0, 200)])))
        segs += rng.sample(segs, min(3, len(segs)))
        values = [p for p, _, _ in segs]
        tol = rng.choice([2.0, 3.0])
        got = (
            pdfmod._cluster(values, tol),
            pdfmod._merge_segments(segs),
            pdfmod._rulings(segs),
        )
        assert native.cluster(values, tol) is not None and native.merge_segments(segs, 2.0, 2.0, 2.0, 4.0) is not None
        monkeypatch.setattr(pdfmod, "_NATIVE", [None])
        want = (pdfmod._cluster(values, tol), pdfmod._merge_segments(segs), pdfmod._rulings(segs))
        monkeypatch.undo()
        assert got == want


def test_c_assign_places_glyphs_as_python_does(monkeypatch):
    """_pdfloops.assign puts each glyph into the cell _assign_glyphs() puts it in, in the
    same order, and leaves the same glyphs over (tables side by side and overlapping,
    glyphs on lines and edges, invalid cells)."""
    from parsers.readers import pdf as pdfmod

    _native_or_skip()
    rng = random.Random(9)

    class Part:  # the fields of _Grid that _assign_glyphs reads
        def __init__(self, x0, top, nc, nr, w, h):
            self.xs = [x0 + w * k for k in range(nc + 1)]
            self.ys = [top + h * k for k in range(nr + 1)]
            self.x0, self.x1, self.top, self.bottom = self.xs[0], self.xs[-1], self.ys[0], self.ys[-1]
            nreg = max(1, nr * nc - rng.randint(0, 3))
            self.unit_region = [min(u, nreg - 1) for u in range(nr * nc)]
            self.valid = [rng.random() < 0.8 for _ in range(nreg)]
            self.glyphs = [[] for _ in range(nreg)]

    for _ in range(300):
        shape = [(rng.uniform(0, 300), rng.uniform(0, 500), rng.randint(1, 6), rng.randint(1, 8)) for _ in range(3)]
        sizes = [(rng.choice([20.0, 33.5]), rng.choice([12.0, 18.25])) for _ in range(3)]
        glyphs = []
        for _ in range(rng.randint(0, 60)):
            x, y = rng.choice([rng.uniform(0, 600), float(rng.randint(0, 30) * 10)]), rng.uniform(0, 700)
            glyphs.append(("字", x - 3.0, y - 5.0, x + 3.0, y + 5.0, False))
        placed = []
        for native in (True, False):
            if not native:
                monkeypatch.setattr(pdfmod, "_NATIVE", [None])
            rng_state = rng.getstate()
            parts = [Part(x0, top, nc, nr, w, h) for (x0, top, nc, nr), (w, h) in zip(shape, sizes)]
            rng.setstate(rng_state)
            if native:  # the C loop answers for these (else Python would run twice)
                spec = [(p.x0, p.x1, p.top, p.bottom, p.ys, p.xs, p.unit_region, p.valid, []) for p in parts]
                assert pdfmod._native_loops().assign([], spec) == []
            left = pdfmod._assign_glyphs(glyphs, parts)
            placed.append((left, [p.glyphs for p in parts]))
        monkeypatch.undo()
        assert placed[0] == placed[1]


def test_coverage_in_bulk_matches_covered():
    from parsers.readers.pdf import _coverage, _covered, _drawn

    rng = random.Random(7)
    for _ in range(300):
        levels = sorted(rng.uniform(0, 100) for _ in range(rng.randint(2, 8)))
        if rng.random() < 0.2:
            levels.insert(1, levels[0])  # an empty interval
        ivs = [(a, a + rng.uniform(0, 60)) for a in (rng.uniform(-10, 100) for _ in range(rng.randint(0, 4)))]
        cov = _coverage(ivs, levels)
        for share in (0.5, 0.6):
            want = [_covered(ivs, levels[k], levels[k + 1], share) for k in range(len(levels) - 1)]
            assert _drawn(cov, [b - a for a, b in zip(levels, levels[1:])], share) == want


def test_line_text_matches_line_of():
    from parsers.readers.pdf import BAD, _line_of, _line_text

    rng = random.Random(3)
    for _ in range(300):
        x, line = 50.0, []
        for _ in range(rng.randint(1, 12)):
            ch = rng.choice("政府信息公开12345abc.（）")
            w = rng.uniform(4, 11)
            top = 100 + rng.uniform(-1, 1)
            bad = rng.random() < 0.05
            line.append((BAD if bad else ch, x, top, x + w, top + rng.uniform(9, 12), bad))
            if rng.random() < 0.1:  # fake bold: the same character drawn twice
                line.append((line[-1][0], x + 0.3, top + 0.2, x + w + 0.3, top + 11, bad))
            x += w + rng.choice((0.0, 0.5, 3.0, 20.0))
        ln = _line_of(line)
        assert _line_text(line) == (ln.text, ln.top)


def test_mojibake_counts_by_regex_as_by_glyph():
    """_mojibake() counts scripts by regex, only as far as its answer depends on them: the
    same answer as counting every glyph (_script_counts) on pages of every mixture."""
    from parsers.readers.pdf import _COMMON, _mojibake, _script_counts

    rng = random.Random(11)
    pools = ["".join(sorted(_COMMON))[:200], "龘鬱齉麤鸞爨驫", "ÀÉÎÕÜàéîõüĀŁŒŽ", "abc123 ,.", "（）、。：一二三"]
    for _ in range(400):
        weights = [rng.random() for _ in pools]
        text = "".join(rng.choice(rng.choices(pools, weights)[0]) for _ in range(rng.randint(0, 160)))
        glyphs = [(ch, 0.0, 0.0, 1.0, 1.0, False) for ch in text]
        cjk, common, latin1, ascii_ = _script_counts(glyphs)
        want = (cjk >= 40 and common < 0.15 * cjk) or (latin1 >= 20 and latin1 > 0.3 * (latin1 + ascii_ + cjk))
        assert _mojibake(glyphs) == want
