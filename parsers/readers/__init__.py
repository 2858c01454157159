"""Readers: bytes of any form -> Document. `read_document` picks the reader by content."""

from __future__ import annotations

from ..document import Document
from .errors import UnsupportedInput  # one class for every reader


def read_document(data: bytes, *, charset: str | None = None) -> Document:
    """Read a report of any supported form. `charset` is the HTTP header charset, if any
    (used for HTML only). Raises UnsupportedInput for content no reader takes."""
    from .sniff import describe, sniff

    kind = sniff(data)
    if kind == "text":
        from .text import read_text

        return read_text(data)
    if kind == "html":
        from .html import read_html

        return read_html(data, charset)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data)
    if kind == "doc":
        from .doc import read_doc

        return read_doc(data)
    if kind == "rtf":
        from .doc import read_rtf

        return read_rtf(data)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(data)
    if kind == "image":
        hint = "the file is an image (a scanned report); reading it needs OCR: pip install 'xxgk[ocr]'"
        from . import ocr

        if not ocr.ocr_available():  # the OCR extra (rapidocr) is not installed or does not load
            raise UnsupportedInput(hint)
        return ocr.read_image(data)
    if kind == "empty":
        raise UnsupportedInput("the file is empty (no bytes, or only whitespace)")
    if kind in ("xlsx", "xls"):
        raise UnsupportedInput(f"the file is a spreadsheet ({kind}); spreadsheet reports are not supported")
    if kind == "ofd":
        raise UnsupportedInput(
            "the file is an OFD document (GB/T 33190 fixed layout); OFD is not supported, convert it to PDF"
        )
    if kind == "zip":
        raise UnsupportedInput("the file is a zip archive that is not a Word document; unpack it and read its members")
    raise UnsupportedInput(f"the file is not a report form this package reads: {describe(data)}")


__all__ = ["UnsupportedInput", "read_document"]
