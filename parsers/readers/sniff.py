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
_STRUCT_TAG = re.compile(
    rb"<(?:p|div|table|tr|td|th|html|body|head|meta|h[1-6]|ul|ol|li|span|font|center|section|article)\b[^<>]{0,400}>",
    re.I,
)
_LEADING_MARKUP = re.compile(
    rb"^\s*<(?:!doctype\s+html|html|head|body|meta|title|p|div|table|span|font|h[1-6]|center|section|article|style|script|link|br|strong|b|a|img|!--)[\s/>]",
    re.I,
)


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


# ------------------------------------------------------------------ text encodings

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)  # UTF-32-LE's BOM begins like UTF-16-LE's


def _zero_share(head: bytes, start: int, step: int) -> float:
    part = head[start::step]
    return part.count(0) / max(1, len(part))


def wide_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) of UTF-32 or UTF-16 text, with or without a BOM. Without one, the
    zero bytes tell: UTF-32 of Chinese text has two zero bytes in every four at fixed places,
    UTF-16 has many zero bytes on one side (digits, spaces and line ends), few on the other."""
    for bom, enc in _BOMS[1:]:
        if data.startswith(bom):
            return enc, len(bom)
    head = data[:4096]
    if len(head) < 16 or 0 not in head:
        return None  # (no zero byte: every share below is 0, no candidate)
    z = [_zero_share(head, i, 4) for i in range(4)]
    cands = []
    if z[2] > 0.95 and z[3] > 0.95 and z[0] < 0.5:
        cands.append("utf-32-le")
    if z[0] > 0.95 and z[1] > 0.95 and z[3] < 0.5:
        cands.append("utf-32-be")
    even, odd = _zero_share(head, 0, 2), _zero_share(head, 1, 2)
    if odd > 0.05 and even < odd / 3:  # 一 (U+4E00) and its kin have a zero byte too: a few
        cands.append("utf-16-le")
    if even > 0.05 and odd < even / 3:
        cands.append("utf-16-be")
    for enc in cands:
        unit = 4 if "32" in enc else 2
        try:
            text = head[: len(head) - len(head) % unit].decode(enc)
        except UnicodeDecodeError:
            continue
        if sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f") <= len(text) // 100:
            return enc, 0
    return None


def _common_share(text: str, enc: str) -> float:
    """Share of the Han characters of `text` that are among the common ones of `enc`'s
    character set: GB2312 level 1 (rows B0-D7) or Big5's frequent characters (A440-C67E).
    Big5 bytes read as GB18030 (or GB bytes as Big5) decode, but mostly to rare characters."""
    han = [ch for ch in text[:4000] if "\u4e00" <= ch <= "\u9fff"][:1500]
    if not han:
        return 0.0
    common = 0
    for ch in han:
        try:
            b = ch.encode("gb2312" if enc == "gb18030" else "big5")
        except UnicodeEncodeError:
            continue
        code = int.from_bytes(b[:2], "big")
        common += (0xB0A1 <= code <= 0xD7FE) if enc == "gb18030" else (0xA440 <= code <= 0xC67E)
    return common / len(han)


def _by_line(data: bytes) -> str | None:
    """Text whose lines are each UTF-8 or GB18030 (files pasted together from two sources)."""
    out = []
    for line in data.split(b"\n"):
        for enc in ("utf-8", "gb18030"):
            try:
                out.append(line.decode(enc))
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    return "\n".join(out)


def decode_text(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of bytes that are text, or None. In order: a BOM; UTF-32/UTF-16 by
    their zero bytes; UTF-8; GB18030 or Big5, whichever reads as common characters (GB18030 on
    a tie: the mainland's encoding); UTF-8 and GB18030 line by line ("utf-8+gb18030")."""
    if data.startswith(_BOMS[0][0]):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    wide = wide_encoding(data)
    if wide:
        enc, skip = wide
        return data[skip:].decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    readings = []
    for enc in ("gb18030", "big5hkscs"):
        try:
            readings.append((data.decode(enc), enc))
        except UnicodeDecodeError:
            continue
    if len(readings) == 2:
        gb, big5 = readings
        return big5 if _common_share(big5[0], "big5") > _common_share(gb[0], "gb18030") else gb
    if readings:
        return readings[0]
    mixed = _by_line(data)
    return (mixed, "utf-8+gb18030") if mixed is not None else None


def _is_text(data: bytes) -> bool:
    """decode_text(data) is not None, without choosing between the encodings that read it."""
    if data.startswith(_BOMS[0][0]) or wide_encoding(data):
        return True
    for enc in ("utf-8", "gb18030", "big5hkscs"):
        try:
            data.decode(enc)
            return True
        except UnicodeDecodeError:
            continue
    return _by_line(data) is not None


def _wide_text(data: bytes) -> bytes | None:
    """UTF-32/UTF-16 text re-encoded as UTF-8 for the markup checks below."""
    wide = wide_encoding(data)
    if wide is None:
        return None
    enc, skip = wide
    unit = 4 if "32" in enc else 2
    body = data[skip:]
    return body[: len(body) - len(body) % unit].decode(enc, errors="replace").encode("utf-8")


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
        _sig, _ver, flags, method, _time, _date, _crc, csize, _usize, nlen, elen = struct.unpack_from(
            "<4s5H3I2H", data, pos
        )
        name = data[pos + 30 : pos + 30 + nlen].decode("utf-8", "replace")
        names.append(name)
        start = pos + 30 + nlen + elen
        blob = data[start : start + csize] if csize and not flags & 8 else data[start : start + 65536]
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
    if "word/document.xml" in lower or any(
        n.startswith("word/") and n.endswith(".xml") and "document" in n for n in lower
    ):
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
    return (
        head.lstrip().startswith((b"mime-version:", b"from:", b"content-type: multipart", b"subject:", b"date:"))
        and b"multipart/related" in head
        and b"boundary" in head
    )


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
    # Text must decode in some encoding (decode_text); a sample cut from a longer file ends
    # at its last line end, so that no character is cut in two.
    sample = data[:65536]
    if len(data) > len(sample) and b"\n" in sample[-4096:]:
        sample = sample[: sample.rindex(b"\n")]
    if _is_text(sample):
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
    if (
        data[:2] == b"BM"
        and len(data) > 26
        and int.from_bytes(data[2:6], "little") in range(26, len(data) + 1)
        and data[6:10] == b"\x00\x00\x00\x00"
    ):
        return "image"
    for magic in BINARY_MAGIC:
        if data.startswith(magic):
            return "binary"
    wide = _wide_text(data[:65536])
    text = wide if wide is not None else _strip_bom(data)
    if text.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if wide is None and _looks_binary(text):
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
