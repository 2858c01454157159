"""DOCX (Office Open XML) -> Document, with python-docx.

Body order: the body XML is walked, so paragraphs and tables come interleaved as written
(content controls, custom XML and mc:AlternateContent are looked through; text boxes follow
the paragraph that anchors them; altChunk parts holding HTML, MHT or text are read in place).
Paragraphs: one block per paragraph (a soft line break starts a new block with the same
line); a paragraph with tabs between words becomes a row block with table=None, like the
text reader's tab-separated lines. Deleted (tracked) text, field instructions and the VML
fallbacks of drawings are left out.

Tables: merged cells become spans like HTML: gridSpan (and legacy hMerge) -> colspan;
vMerge restart/continue -> rowspan on the first cell, covered cells omitted. Nested tables
follow the HTML reader's rule (see html.py): layout tables are read as flow.

`line` is the ordinal of the paragraph or table row in body order (1-based).

Safety: zip members are checked before anything is decompressed (more than 200 MB in
total, a member expanding more than 200 times, or more than 10,000 members -> rejected);
XML is parsed without entity expansion or network access.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..document import Block, Cell, Document, Location, Warning, para
from . import UnsupportedInput
from .grid import MAX_COLSPAN, RawCell, finish_table, span_value
from .html import join_pieces, norm_text

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 1024 * 1024  # ratios of small members say nothing
MAX_MEMBERS = 10000
MAX_TABLE_DEPTH = 30
LAYOUT_CELL_CHARS = 300


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, TBL, TR, TC, T, SDT, SDT_CONTENT = q("p"), q("tbl"), q("tr"), q("tc"), q("t"), q("sdt"), q("sdtContent")
CUSTOM_XML, SMART_TAG, HYPERLINK = q("customXml"), q("smartTag"), q("hyperlink")
ALT_CONTENT, MC_CHOICE, MC_FALLBACK = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice", f"{{{MC}}}Fallback"
TXBX = q("txbxContent")
_SKIP_IN_PARA = {
    q("del"),
    q("moveFrom"),
    q("pPr"),
    q("rPr"),
    q("instrText"),
    q("delText"),
    q("delInstrText"),
    MC_FALLBACK,
    q("fldData"),
    q("footnoteReference"),
    q("endnoteReference"),
    q("commentReference"),
}
_WRAPPERS = {SDT, SDT_CONTENT, CUSTOM_XML, SMART_TAG, q("ins"), q("moveTo"), ALT_CONTENT, MC_CHOICE}
_TABS = re.compile(r"\t+")


def check_zip(data: bytes) -> None:
    """Reject zip bombs and broken zips before any member is decompressed."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise UnsupportedInput(f"DOCX is not a readable zip archive (truncated or corrupt): {e}") from e
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnsupportedInput(
                f"DOCX has {len(infos)} zip members (limit {MAX_MEMBERS}); refusing a possible zip bomb"
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise UnsupportedInput(
                f"DOCX expands to {total:,} bytes (limit {MAX_UNCOMPRESSED:,}); refusing a possible zip bomb"
            )
        for i in infos:
            if i.file_size >= RATIO_MIN_SIZE and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise UnsupportedInput(
                    f"DOCX member {i.filename} expands {i.file_size / max(i.compress_size, 1):.0f}x "
                    f"(limit {MAX_RATIO}x); refusing a possible zip bomb"
                )
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names:
            raise UnsupportedInput("zip archive without [Content_Types].xml: not an Office document")


def _safe_parser():
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )


def _raw_body(data: bytes):
    """The main document part's <w:body> without python-docx (macro-enabled files, templates)."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = etree.fromstring(z.read("_rels/.rels"), _safe_parser())
        target = None
        for rel in rels:
            if str(rel.get("Type", "")).endswith("/officeDocument"):
                target = rel.get("Target", "").lstrip("/")
        if not target:
            raise UnsupportedInput("Office package without a main document part")
        root = etree.fromstring(z.read(target), _safe_parser())
    body = root.find(q("body"))
    if body is None:
        raise UnsupportedInput("the main document part has no body (not a Word document)")
    return body


def _val(el, name: str) -> str | None:
    return None if el is None else el.get(q(name))


class _Reader:
    def __init__(self, part=None):
        self.part = part
        self.blocks: list[Block] = []
        self.line = 0
        self.ntables = 0
        self.warnings: list[Warning] = []

    # ---------------------------------------------------------------- paragraphs
    def para_text(self, p) -> tuple[str, list]:
        out: list[str] = []
        boxes: list = []
        stack = [iter(p)]
        while stack:
            for el in stack[-1]:
                tag = el.tag
                if tag in _SKIP_IN_PARA or not isinstance(tag, str):
                    break
                if tag == TXBX:
                    boxes.append(el)
                    break
                if tag == T:
                    out.append(el.text or "")
                elif tag in (q("tab"), q("ptab")):
                    out.append("\t")
                elif tag in (q("br"), q("cr")):
                    out.append("\n")
                elif tag == q("noBreakHyphen"):
                    out.append("-")
                elif tag == q("sym"):
                    code = el.get(q("char")) or ""
                    try:
                        ch = int(code, 16)
                        if not 0xE000 <= ch <= 0xF8FF:
                            out.append(chr(ch))
                    except ValueError:
                        pass
                elif len(el):
                    stack.append(iter(el))
                break
            else:
                stack.pop()
        return "".join(out), boxes

    def paragraph(self, p, depth: int) -> None:
        text, boxes = self.para_text(p)
        self.line += 1
        loc = Location(line=self.line)
        for seg in text.split("\n"):
            seg = seg.strip(" \t\u3000\u00a0")
            if "\t" in seg:
                cells = [norm_text(c) for c in _TABS.split(seg)]
                cells = [c for c in cells if c]
                if len(cells) >= 2:
                    self.blocks.append(Block("row", tuple(Cell(c, loc) for c in cells)))
                    continue
                seg = " ".join(cells)
            s = norm_text(seg)
            if s:
                self.blocks.append(para(s, loc))
        for box in boxes:
            self.body(box, depth)

    # ---------------------------------------------------------------- body
    def body(self, el, depth: int = 0) -> None:
        for child in el:
            tag = child.tag
            if tag == P:
                self.paragraph(child, depth)
            elif tag == TBL:
                self.table(child, depth)
            elif tag == ALT_CONTENT:
                choice = child.find(MC_CHOICE)
                if choice is None:
                    choice = child.find(MC_FALLBACK)
                if choice is not None:
                    self.body(choice, depth)
            elif tag in _WRAPPERS:
                self.body(child, depth)
            elif tag == q("altChunk"):
                self.alt_chunk(child)

    def alt_chunk(self, el) -> None:
        rid = el.get(f"{{{R}}}id")
        if self.part is None or not rid:
            return
        try:
            chunk = self.part.related_parts[rid]
        except KeyError:
            return
        ctype = getattr(chunk, "content_type", "") or ""
        blob = chunk.blob
        if "html" in ctype or "rfc822" in ctype or "mhtml" in ctype:
            from .html import read_html

            doc = read_html(blob)
        elif ctype.startswith("text/"):
            from .text import read_text

            doc = read_text(blob)
        else:
            self.warnings.append(Warning("DOCX_ALTCHUNK", f"embedded {ctype or 'unknown'} chunk not read"))
            return
        offset = self.ntables
        top = 0
        for b in doc.blocks:
            self.line += 1
            loc = Location(line=self.line)
            table = None if b.table is None else b.table + offset
            if table is not None:
                top = max(top, b.table + 1)
            self.blocks.append(Block(b.kind, tuple(Cell(c.text, loc, c.colspan, c.rowspan) for c in b.cells), table))
        self.ntables += top
        self.warnings.extend(doc.warnings)

    # ---------------------------------------------------------------- tables
    @staticmethod
    def _children(el, tag: str) -> list:
        out = []
        stack = [iter(el)]
        while stack:
            for child in stack[-1]:
                if child.tag == tag:
                    out.append(child)
                elif child.tag in _WRAPPERS:
                    stack.append(iter(child))
                break
            else:
                stack.pop()
        return out

    def rows(self, tbl) -> list[tuple[object, list]]:
        return [(tr, self._children(tr, TC)) for tr in self._children(tbl, TR)]

    def cell_text(self, tc) -> str:
        pieces: list[str] = []
        stack = [iter(tc)]
        while stack:
            for el in stack[-1]:
                if el.tag == P:
                    text, boxes = self.para_text(el)
                    pieces.extend(norm_text(s.replace("\t", " ")) for s in text.split("\n"))
                    for box in boxes:
                        stack.append(iter(box))
                elif el.tag in (TBL, TR, TC) or el.tag in _WRAPPERS:
                    stack.append(iter(el))
                break
            else:
                stack.pop()
        return join_pieces(pieces)

    def is_layout(self, tbl, rows) -> bool:
        if max((len(cells) for _, cells in rows), default=0) <= 1:
            return True
        for _, cells in rows:
            for tc in cells:
                for inner in tc.iter(TBL):
                    if sum(len(c) for _, c in self.rows(inner)) >= 2:
                        return True
                if len(self.cell_text(tc)) > LAYOUT_CELL_CHARS:
                    return True
        return False

    def table(self, tbl, depth: int) -> None:
        rows = self.rows(tbl)
        if not rows:
            return
        if depth >= MAX_TABLE_DEPTH or self.is_layout(tbl, rows):
            for _, cells in rows:
                for tc in cells:
                    self.body(tc, depth + 1)
            return
        raw: list[list[RawCell]] = []
        open_v: dict[int, RawCell] = {}
        for tr, cells in rows:
            self.line += 1
            trpr = tr.find(q("trPr"))
            gb = trpr.find(q("gridBefore")) if trpr is not None else None
            col = span_value(_val(gb, "val"), MAX_COLSPAN) if gb is not None else 0
            out: list[RawCell] = []
            for tc in cells:
                tcpr = tc.find(q("tcPr"))
                span = span_value(_val(tcpr.find(q("gridSpan")) if tcpr is not None else None, "val"), MAX_COLSPAN)
                vm = tcpr.find(q("vMerge")) if tcpr is not None else None
                hm = tcpr.find(q("hMerge")) if tcpr is not None else None
                if hm is not None and _val(hm, "val") != "restart" and out:
                    out[-1].colspan += span
                    col += span
                    continue
                if vm is not None and _val(vm, "val") != "restart":
                    start = open_v.get(col)
                    if start is not None:
                        start.rowspan += 1
                        col += span
                        continue
                cell = RawCell(self.cell_text(tc), self.line, span, 1)
                out.append(cell)
                for c in range(col, col + span):
                    open_v.pop(c, None)
                if vm is not None and _val(vm, "val") == "restart":
                    open_v[col] = cell
                col += span
            raw.append(out)
        self.blocks.extend(finish_table(raw, self.ntables))
        self.ntables += 1


def read_docx(data: bytes) -> Document:
    check_zip(data)
    part = None
    try:
        import docx  # python-docx

        try:
            d = docx.Document(io.BytesIO(data))
            body = d.element.body
            part = d.part
        except ValueError as e:
            if "content type" not in str(e):
                raise
            body = _raw_body(data)  # .docm / .dotx / .dotm: same body, other content type
    except UnsupportedInput:
        raise
    except Exception as e:  # noqa: BLE001 - corrupt packages raise anything from KeyError to XMLSyntaxError
        raise UnsupportedInput(f"cannot read the DOCX file (truncated or corrupt): {type(e).__name__}: {e}") from e
    if body is None:
        raise UnsupportedInput("the DOCX main part has no body")
    reader = _Reader(part)
    try:
        reader.body(body)
    except RecursionError as e:
        raise UnsupportedInput("DOCX nesting too deep") from e
    if not reader.blocks:
        reader.warnings.append(Warning("NO_TEXT", "the Word document has no text (images only?)"))
    return Document(tuple(reader.blocks), "docx", (), tuple(reader.warnings))
