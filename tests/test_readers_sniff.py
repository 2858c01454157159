"""sniff() decides the form by content, and read_document() dispatches on it."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.readers import UnsupportedInput, read_document
from parsers.readers.sniff import sniff
from tests.conftest import n_examples, need_corpus


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in members.items():
            z.writestr(name, blob)
    return buf.getvalue()


def _docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _word97() -> bytes:
    from tests.test_readers_docx import word97

    return word97(["一、总体情况"])


OLE_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000 + "Workbook".encode("utf-16-le") + b"\0" * 100
REPORT = "一、总体情况\n本年度，本机关依据《中华人民共和国政府信息公开条例》<第二十条>的规定……\n规章\t0\t1\n"

CASES = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "pdf_after_junk": b"\r\n\r\n%PDF-1.4\n1 0 obj",
    "docx": _docx(),
    "docx_truncated": _docx()[:1500],
    "doc": None,  # built lazily (needs the test helper)
    "xls": OLE_XLS,
    "rtf": b"{\\rtf1\\ansi\\ansicpg936 \\'d2\\'bb}",
    "rtf_bom": b"\xef\xbb\xbf  {\\rtf1 x}",
    "html_doctype": b"<!DOCTYPE html><html><body><p>x</p></body></html>",
    "html_fragment": "<p style='text-align:center'>报告</p>\t<p>正文</p>".encode(),
    "html_word": b'<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w="urn:schemas-microsoft-com:office:word"><body></body></html>',
    "html_gbk": "<html><head><meta charset=gb2312></head><body>政府</body></html>".encode("gb18030"),
    "html_utf16": "\ufeff<html><body><p>政府信息公开</p></body></html>".encode("utf-16"),
    "html_late_markup": (
        "标题：某镇年报\n\n" + "<p>段落</p><div>x</div><table><tr><td>1</td></tr></table>" * 3
    ).encode(),
    "datastore": b"<?xml version='1.0' encoding='UTF-8'?><datastore><recordset><record><![CDATA[<p>x</p>]]></record></recordset></datastore>",
    "mht": b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--',
    "text": REPORT.encode("utf-8"),
    "text_gbk": REPORT.encode("gb18030"),
    "text_markdown_br": "| 规章 | 0<br>1 | 2 |\n| --- | --- | --- |\n一、总体情况<br>\n".encode(),
    "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    "jpeg": b"\xff\xd8\xff\xe0\0\x10JFIF" + b"\0" * 64,
    "gif": b"GIF89a" + b"\0" * 64,
    "tiff": b"II*\0" + b"\0" * 64,
    "zip": _zip({"a.pdf": b"%PDF-1.4", "b.txt": b"x"}),
    "xlsx": _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
    "ofd": _zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<x/>"}),
    "empty": b"",
    "whitespace": b" \r\n\t \xef\xbb\xbf\n",
    "binary": bytes(range(256)) * 4,
    "gzip": b"\x1f\x8b\x08\x00" + bytes(range(200)),
}
EXPECTED = {
    "pdf": "pdf",
    "pdf_after_junk": "pdf",
    "docx": "docx",
    "docx_truncated": "docx",
    "doc": "doc",
    "xls": "xls",
    "rtf": "rtf",
    "rtf_bom": "rtf",
    "html_doctype": "html",
    "html_fragment": "html",
    "html_word": "html",
    "html_gbk": "html",
    "html_utf16": "html",
    "html_late_markup": "html",
    "datastore": "html",
    "mht": "html",
    "text": "text",
    "text_gbk": "text",
    "text_markdown_br": "text",
    "png": "image",
    "jpeg": "image",
    "gif": "image",
    "tiff": "image",
    "zip": "zip",
    "xlsx": "xlsx",
    "ofd": "ofd",
    "empty": "empty",
    "whitespace": "empty",
    "binary": "binary",
    "gzip": "binary",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sniff_by_content(case):
    data = CASES[case] if CASES[case] is not None else _word97()
    assert sniff(data) == EXPECTED[case]


def test_corpus_files_sniff_as_their_form():
    corpus = need_corpus()
    want = {".pdf": "pdf", ".html": "html", ".txt": "text", ".md": "text"}
    seen = 0
    for path in sorted(corpus.iterdir()):
        if path.suffix in want and not path.name.endswith(".json"):
            assert sniff(path.read_bytes()) == want[path.suffix], path.name
            seen += 1
    assert seen >= 10


@pytest.mark.parametrize(
    "case,fmt",
    [
        ("text", "text"),
        ("html_fragment", "html"),
        ("docx", "docx"),
        ("rtf", "doc"),
        ("datastore", "html"),
        ("mht", "html"),
    ],
)
def test_read_document_dispatches(case, fmt):
    assert read_document(CASES[case]).format == fmt


@pytest.mark.parametrize(
    "case,message",
    [
        ("empty", "empty"),
        ("whitespace", "empty"),
        ("binary", "unrecognised binary"),
        ("gzip", "gzip"),
        ("zip", "zip archive"),
        ("xlsx", "spreadsheet"),
        ("xls", "spreadsheet"),
        ("ofd", "OFD"),
        ("docx_truncated", "truncated or corrupt"),
    ],
)
def test_unreadable_input_raises_unsupported_input_naming_the_problem(case, message):
    with pytest.raises(UnsupportedInput, match=message):
        read_document(CASES[case])


def test_images_without_ocr_raise_naming_the_extra(monkeypatch):
    from parsers.readers import ocr

    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    with pytest.raises(UnsupportedInput, match=r"xxgk\[ocr\]"):
        read_document(CASES["png"])


def test_unsupported_input_is_one_class_and_a_value_error():
    from parsers.readers import errors

    assert UnsupportedInput is errors.UnsupportedInput
    assert issubclass(UnsupportedInput, ValueError)


_ENCODED = st.builds(
    lambda text, enc, junk, cut: (text.encode(enc, "replace") + junk)[cut:],
    st.text(alphabet="政府信息公开年度报告一二三四ab1 \n\x00"),
    st.sampled_from(["utf-8", "gb18030", "big5hkscs", "utf-16-le", "utf-16-be", "utf-32-le", "utf-8-sig"]),
    st.binary(max_size=3),
    st.integers(0, 2),
)


@given(st.one_of(st.binary(max_size=64), _ENCODED))
@settings(max_examples=n_examples(300))
def test_whether_bytes_are_text_is_whether_decode_text_reads_them(data):
    from parsers.readers import sniff as sniff_mod

    assert sniff_mod._is_text(data) == (sniff_mod.decode_text(data) is not None)
