"""Readers: bytes of any form -> Document. `read_document` picks the reader by content."""
from __future__ import annotations

from ..document import Document


try:  # one class for every reader (the PDF reader raises it from errors.py)
    from .errors import UnsupportedInput
except ImportError:  # pragma: no cover - errors.py is part of the package
    class UnsupportedInput(ValueError):  # type: ignore[no-redef]
        """The bytes are not a report this package can read; the message says why."""


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
        try:
            from .pdf import read_pdf
        except ImportError as e:
            raise UnsupportedInput(f"PDF input, but the PDF reader is not available ({e})") from e
        return read_pdf(data)
    if kind == "image":
        hint = "the file is an image (a scanned report); reading it needs OCR: pip install 'xxgk[ocr]'"
        try:
            from . import ocr
        except ImportError as e:
            raise UnsupportedInput(hint) from e
        available = getattr(ocr, "ocr_available", None)
        if available is not None and not available():
            raise UnsupportedInput(hint)
        try:
            return ocr.read_image(data)
        except ImportError as e:
            raise UnsupportedInput(f"{hint} ({e})") from e
    if kind == "empty":
        raise UnsupportedInput("the file is empty (no bytes, or only whitespace)")
    if kind in ("xlsx", "xls"):
        raise UnsupportedInput(f"the file is a spreadsheet ({kind}); spreadsheet reports are not supported")
    if kind == "ofd":
        raise UnsupportedInput("the file is an OFD document (GB/T 33190 fixed layout); OFD is not supported, convert it to PDF")
    if kind == "zip":
        raise UnsupportedInput("the file is a zip archive that is not a Word document; unpack it and read its members")
    raise UnsupportedInput(f"the file is not a report form this package reads: {describe(data)}")


__all__ = ["UnsupportedInput", "read_document"]
