"""OCR (optional extra xxgk[ocr]): scanned images and image-only PDFs.

Tests that need the recogniser skip when rapidocr-onnxruntime is not installed — in CI
too, since the extra is optional and `make test` installs only `.[test]`. The tests of
what happens *without* the extra always run.
"""

from __future__ import annotations

import io

import pytest

from parsers.readers import ocr
from parsers.readers.errors import UnsupportedInput
from parsers.readers.pdf import read_pdf

needs_ocr = pytest.mark.skipif(
    not ocr.ocr_available(),
    reason="optional extra xxgk[ocr] (rapidocr-onnxruntime) not installed; OCR is optional, so this may skip in CI too",
)

ROWS = [("Received", "95", "40", "135"), ("Granted", "50", "31", "81"), ("Refused", "12", "27", "39")]


def _font(size: int):
    from PIL import ImageFont

    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def table_image():
    """A page image: a title line and a small table of numbers (labels in Latin letters:
    no CJK font is needed to draw it)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1000, 1400), "white")  # a page, A4-like
    d = ImageDraw.Draw(img)
    f = _font(30)
    d.text((40, 30), "Annual report 2023", fill="black", font=f)
    for r, row in enumerate(ROWS):
        for c, t in enumerate(row):
            d.text((40 if c == 0 else 300 + (c - 1) * 220, 140 + r * 80), t, fill="black", font=f)
    return img


def png_bytes(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def image_pdf(img, pages: int = 1) -> bytes:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    w = 595
    h = img.size[1] * w / img.size[0]
    for _ in range(pages):
        c.drawImage(ImageReader(img), 0, 842 - h - 40, w, h)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_without_the_extra_nothing_is_invented(monkeypatch):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    doc = ocr.read_image(png_bytes(table_image()))
    assert doc.blocks == ()
    assert doc.warnings[0].code == "OCR_UNAVAILABLE" and "xxgk[ocr]" in doc.warnings[0].message
    pdf = read_pdf(image_pdf(table_image(), pages=2))
    assert pdf.blocks == ()
    w = [x for x in pdf.warnings if x.code == "IMAGE_ONLY_PDF"]
    assert w and "xxgk[ocr]" in w[0].message
    assert ocr.ocr_pdf_pages(image_pdf(table_image())).warnings[0].code == "OCR_UNAVAILABLE"


def test_an_unreadable_image_is_unsupported():
    with pytest.raises(UnsupportedInput):
        ocr.read_image(b"\x89PNG\r\n\x1a\n not really a png")


def _check_table(doc):
    rows = [b for b in doc.blocks if b.kind == "row"]
    got = {tuple(c.text for c in b.cells) for b in rows}
    for row in ROWS:
        assert row in got, (row, got)
    for b in doc.blocks:
        for c in b.cells:
            assert c.loc.via == "ocr"


@needs_ocr
def test_read_image_by_ocr():
    doc = ocr.read_image(png_bytes(table_image()))
    _check_table(doc)
    assert any(w.code == "OCR_USED" for w in doc.warnings)


@needs_ocr
def test_image_only_pdf_is_read_by_ocr():
    doc = read_pdf(image_pdf(table_image(), pages=1))
    _check_table(doc)
    assert all(b.loc.page == 1 for b in doc.blocks)
    assert any(w.code == "OCR_USED" for w in doc.warnings)
    assert not any(w.code == "IMAGE_ONLY_PDF" for w in doc.warnings)


@needs_ocr
def test_ocr_pdf_pages_reads_chosen_pages():
    data = image_pdf(table_image(), pages=2)
    doc = ocr.ocr_pdf_pages(data, pages=[2])
    _check_table(doc)
    assert {b.loc.page for b in doc.blocks} == {2}
