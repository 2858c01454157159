"""What is this file? Decided by content (magic bytes, zip members, markup), never by name.

Portals label files freely: a `.doc` link may serve RTF, DOCX, an HTML page saved by Word
or a real Word 97 file; a `.pdf` may be an HTML error page. `sniff` looks at the bytes.

Results: "pdf" | "docx" | "doc" (OLE2 Word 97-2003, also WPS files in that container) |
"rtf" | "html" (also MHT "web archive" files and Hanweb <datastore> XML) | "text" | "image" |
"zip" | "xlsx" | "xls" (OLE2 Excel) | "ofd" (the Chinese fixed-layout format, a zip) |
"empty" | "binary".
"""
from __future__ import annotations

import io
import re
import zipfile

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF little endian
    b"MM\x00*",  # TIFF big endian
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
)
# Other binary containers worth naming in an error message.
BINARY_MAGIC = {
    b"\x1f\x8b": "gzip-compressed data",
    b"Rar!\x1a\x07": "RAR archive",
    b"7z\xbc\xaf\x27\x1c": "7-Zip archive",
    b"MZ": "Windows executable",
    b"\x7fELF": "ELF executable",
}

# Tags that make up documents (not just inline markup that a markdown file may carry).
_STRUCT_TAG = re.compile(rb"<(?:p|div|table|tr|td|th|html|body|head|meta|h[1-6]|ul|ol|li|span|font|center|section|article)\b[^<>]{0,400}>", re.I)
_LEADING_MARKUP = re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|meta|title|p|div|table|span|font|h[1-6]|center|section|article|style|script|link|br|strong|b|a|img|!--)[\s/>]", re.I)


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _utf16_text(data: bytes) -> bytes | None:
    """UTF-16 text with a BOM, re-encoded as UTF-8 for the markup checks below."""
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            body = data[2:]
            body = body[: len(body) - len(body) % 2]
            return body.decode(enc, errors="replace").encode("utf-8")
    return None


_OOXML_KINDS = ((b"wordprocessingml", "docx"), (b"ms-word", "docx"), (b"spreadsheetml", "xlsx"), (b"ms-excel", "xlsx"))


def _local_members(data: bytes) -> tuple[list[str], bytes]:
    """Member names from the local headers of a (possibly truncated) zip, and the start of
    [Content_Types].xml when it is among them."""
    import struct
    import zlib

    names: list[str] = []
    types = b""
    pos = 0
    while len(names) < 200 and data.startswith(b"PK\x03\x04", pos) and pos + 30 <= len(data):
        _sig, _ver, flags, method, _time, _date, _crc, csize, _usize, nlen, elen = struct.unpack_from("<4s5H3I2H", data, pos)
        name = data[pos + 30:pos + 30 + nlen].decode("utf-8", "replace")
        names.append(name)
        start = pos + 30 + nlen + elen
        blob = data[start:start + csize] if csize and not flags & 8 else data[start:start + 65536]
        if name == "[Content_Types].xml":
            try:
                types = blob if method == 0 else zlib.decompressobj(-15).decompress(blob, 65536)
            except zlib.error:
                types = b""
        if flags & 8 or not csize:
            break  # sizes follow the data: the next header cannot be found cheaply
        pos = start + csize
    return names, types


def zip_kind(data: bytes) -> str:
    """docx | xlsx | ofd | zip, from member names (local headers and [Content_Types].xml when
    the zip is truncated)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        names, types = _local_members(data)
        lower = {n.lower() for n in names}
        if any(n.startswith("word/") for n in lower):
            return "docx"
        if any(n.startswith("xl/") for n in lower):
            return "xlsx"
        if "ofd.xml" in lower:
            return "ofd"
        for marker, kind in _OOXML_KINDS:
            if marker in types:
                return kind
        return "zip"
    lower = {n.lower() for n in names}
    if "word/document.xml" in lower or any(n.startswith("word/") and n.endswith(".xml") and "document" in n for n in lower):
        return "docx"
    if "xl/workbook.xml" in lower or "xl/workbook.bin" in lower:
        return "xlsx"
    if "ofd.xml" in lower:
        return "ofd"
    return "zip"


def ole_kind(data: bytes) -> str:
    """doc | xls | binary, from the stream names in the OLE2 directory (UTF-16LE)."""
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("WordDocument"):
        return "doc"
    if has("Workbook") or has("Book\x00"):
        return "xls"
    return "binary"


def is_mht(data: bytes) -> bool:
    head = data[:4096].lower()
    return (head.lstrip().startswith((b"mime-version:", b"from:", b"content-type: multipart", b"subject:", b"date:"))
            and b"multipart/related" in head and b"boundary" in head)


def looks_like_html(data: bytes) -> bool:
    body = data.lstrip()
    while body.startswith(b"\xef\xbb\xbf"):
        body = body[3:].lstrip()
    if _LEADING_MARKUP.match(body[:200]):
        return True
    low = body[:300].lower()
    if low.startswith(b"<?xml") and (b"<html" in data[:4096].lower() or b"<datastore" in data[:4096].lower()):
        return True
    if low.startswith(b"<datastore") or low.startswith(b"<recordset"):
        return True
    window = data[:65536]
    tags = _STRUCT_TAG.findall(window)
    return len(tags) >= 10 and len({t[:4].lower() for t in tags}) >= 3


_CONTROL = bytes(b for b in range(256) if b < 9 or 13 < b < 32 and b != 27)
_HIGH = bytes(range(0x80, 0x100))


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    ctrl = len(head) - len(head.translate(None, _CONTROL))
    if ctrl / max(1, len(head)) > 0.05:
        return True
    # Text must decode as UTF-8 or GB18030 (with a little slack for a cut-off last character).
    sample = data[:65536]
    for enc in ("utf-8", "gb18030"):
        try:
            sample.decode(enc)
            return False
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 4:
                return False
    bad = len(sample) - len(sample.translate(None, _HIGH))
    # Mostly ASCII with a few stray high bytes is still text (read_text replaces them).
    return bad / max(1, len(sample)) > 0.3


def sniff(data: bytes) -> str:
    if not data or not data.strip(b" \t\r\n\x0b\x0c").strip(b"\xef\xbb\xbf").strip():
        return "empty"
    if data.startswith(OLE2_MAGIC):
        return ole_kind(data)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return zip_kind(data)
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data[:2] == b"BM" and len(data) > 26 and int.from_bytes(data[2:6], "little") in range(26, len(data) + 1) and data[6:10] == b"\x00\x00\x00\x00":
        return "image"
    for magic in BINARY_MAGIC:
        if data.startswith(magic):
            return "binary"
    utf16 = _utf16_text(data[:65536])
    text = utf16 if utf16 is not None else _strip_bom(data)
    if text.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if utf16 is None and _looks_binary(text):
        return "binary"
    if is_mht(text):
        return "html"
    if looks_like_html(text):
        return "html"
    return "text"


def describe(data: bytes) -> str:
    """A short human description of content no reader takes, for error messages."""
    for magic, what in BINARY_MAGIC.items():
        if data.startswith(magic):
            return what
    if data.startswith(OLE2_MAGIC):
        return "an OLE2 compound file that is not a Word document (Excel, PowerPoint or another Office format)"
    return f"unrecognised binary data (first bytes {data[:8].hex(' ')})"
