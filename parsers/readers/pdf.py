"""PDF -> Document.

What a page gives is glyphs with boxes and the ruling lines drawn on it; everything
else is rebuilt here:

* **Glyphs and rulings come from PDFium** (pypdfium2): one pass over the text page for
  characters and their boxes, one pass over the page objects for paths and images.
  This is an order of magnitude faster than pdfminer/pdfplumber, which stays available
  as a second engine (`engine="pdfplumber"`, and the fallback when PDFium refuses a file).
* **Ruled tables** are rebuilt from the rulings (a lattice): collinear segments are
  merged, connected segments grouped into tables, the grid of all row and column lines
  laid out, and grid units not separated by a drawn line merged into one cell. Each
  source cell appears once, in the row where it starts, with its colspan/rowspan.
  Filled rectangles count as rulings only when thin (WPS and Word draw white cell and
  line backgrounds as filled rectangles; they are no borders).
* **Tables without rulings** are found by text alignment: runs of lines made of several
  gap-separated chunks, most of them numbers, aligned on common columns.
* **A table continued on the next page** (last thing on one page, first on the next,
  same width) is merged into one table: repeated header rows are dropped, and a merged
  label cell cut by the page break (`（四）无` / `法提供`) is joined again.
* **Page furniture** (page numbers like `- 3 -`, `第 3 页`, running headers) is dropped;
  wrapped paragraph lines are joined, also across a page break.
* **Provenance**: every cell has Location(page, line) — line is the visual line on the page.
* **Text that did not decode** (no ToUnicode map, private-use glyphs, `(cid:12)`,
  whole pages of mojibake) is never passed on as digits: the affected tokens become
  U+FFFD and an UNDECODED_TEXT warning names the pages.
* **Scanned pages** (no text layer, a page-sized image) are read by OCR when the
  optional extra is installed (`parsers.readers.ocr`), otherwise reported with
  IMAGE_ONLY_PDF / IMAGE_PAGES warnings and no invented text.
* **Bounds**: at most MAX_PAGES pages are read (warning PAGES_CAPPED), and glyphs and
  paths per page are capped, so time and memory stay bounded on hostile input.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..document import Block, Cell, Document, Location, Warning
from .errors import UnsupportedInput

MAX_PAGES = 200
MAX_GLYPHS_PER_PAGE = 60_000
MAX_PATHS_PER_PAGE = 20_000
MAX_SEGMENTS_PER_PATH = 5_000
MAX_GRID_UNITS = 40_000
MAX_OCR_PAGES = 60
OCR_SCALE = 2.5  # 180 dpi

BAD = "\ufffd"  # what an undecodable token becomes

__all__ = ["read_pdf", "UnsupportedInput", "MAX_PAGES"]


# ================================================================ raw page content

@dataclass(slots=True)
class RawPage:
    number: int  # 1-based
    width: float
    height: float
    # glyph: (char, x0, top, x1, bottom, bad) in display coordinates (y grows downwards)
    glyphs: list = field(default_factory=list)
    hsegs: list = field(default_factory=list)  # (y, x0, x1)
    vsegs: list = field(default_factory=list)  # (x, y0, y1)
    image_cover: float = 0.0  # share of the page area covered by images
    notes: list = field(default_factory=list)  # per-page problems, as Warning codes + text
    via: str | None = None  # "ocr" when the glyphs (chunks) came from OCR
    line_groups: list | None = None  # glyphs grouped into lines, when no ruled table claimed any
    font_missing: bool = False  # PDFium lacks a font's glyphs and may have dropped characters
    chunks: list | None = None  # OCR: (text, x0, top, x1, bottom) word boxes instead of glyphs


def _is_bad_code(u: int) -> bool:
    return (u < 32 or 0xE000 <= u <= 0xF8FF or 0xD800 <= u <= 0xDFFF or u in (0xFFFD, 0xFFFF)
            or 0xF0000 <= u)


_SKIP_CODES = frozenset((0x20, 0x0A, 0x0D, 0x09, 0xA0, 0x3000, 0xFFFE, 0x02, 0x00AD, 0x200B, 0xFEFF))


def _disp_box(rot: int, left: float, bottom: float, right: float, top: float):
    """Page-space box -> function mapping (l, b, r, t) to display (x0, top, x1, bottom)."""
    if rot == 90:
        return lambda l, b, r, t: (b - bottom, l - left, t - bottom, r - left)
    if rot == 180:
        return lambda l, b, r, t: (right - r, b - bottom, right - l, t - bottom)
    if rot == 270:
        return lambda l, b, r, t: (top - t, right - r, top - b, right - l)
    return lambda l, b, r, t: (l - left, top - t, r - left, top - b)


class _PdfiumSource:
    """Glyphs, rulings and images of each page, through PDFium."""

    def __init__(self, data: bytes):
        import pypdfium2 as pdfium

        self._pdfium = pdfium
        self._data = data
        try:
            self.doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            if getattr(e, "err_code", None) == 4:
                raise UnsupportedInput("encrypted PDF: a password is needed to open it") from None
            raise _LoadFailed(str(e)) from None
        self.npages = len(self.doc)

    def close(self):
        try:
            self.doc.close()
            if self._plumber is not None:
                self._plumber.close()
        except Exception:  # pragma: no cover - closing never matters for the result
            pass

    def page(self, index: int) -> RawPage:
        import ctypes

        import pypdfium2.raw as R

        page = self.doc[index]
        try:
            left, bottom, right, top = page.get_bbox()
            rot = page.get_rotation() % 360
            w, h = right - left, top - bottom
            if rot in (90, 270):
                w, h = h, w
            rp = RawPage(index + 1, w, h)
            box = _disp_box(rot, left, bottom, right, top)
            self._glyphs(page, rp, box, rot, left, top, R, ctypes)
            if rp.font_missing:
                self._glyphs_elsewhere(rp, index, rot)
            rp.line_groups = _group_lines(rp.glyphs)
            if len(rp.glyphs) < 20 or _may_have_table(rp.line_groups, rp.height):
                missing = rp.font_missing
                self._objects(page, rp, box, R, ctypes)
                if rp.font_missing and not missing:
                    self._glyphs_elsewhere(rp, index, rot)
                    rp.line_groups = None
            return rp
        finally:
            page.close()

    @staticmethod
    def _glyphs(page, rp: RawPage, box, rot, left, top, R, ctypes):
        tp = page.get_textpage()
        try:
            raw = tp.raw
            n = R.FPDFText_CountChars(raw)
            if n > MAX_GLYPHS_PER_PAGE:
                rp.notes.append(("GLYPHS_CAPPED", f"page {rp.number}: {n} characters, only the first {MAX_GLYPHS_PER_PAGE} were read"))
                n = MAX_GLYPHS_PER_PAGE
            if n <= 0:
                return
            get_u = R.FPDFText_GetUnicode
            # the whole text in one call; per-character calls only if it does not line up
            text = tp.get_text_range(0, n)
            if len(text) != n or any(ord(text[i]) != get_u(raw, i) for i in range(0, n, 37)):
                text = None
            rect = R.FS_RECTF()
            ref = ctypes.byref(rect)
            get_box = R.FPDFText_GetLooseCharBox
            map_err = R.FPDFText_HasUnicodeMapError
            skip = _SKIP_CODES
            items = []  # (index, code, l, t, r, b)
            add = items.append
            for i in range(n):
                u = ord(text[i]) if text is not None else get_u(raw, i)
                if u in skip:
                    continue
                get_box(raw, i, ref)
                l, t, r, b = rect.left, rect.top, rect.right, rect.bottom
                if r <= l or t <= b:
                    continue
                add((i, u, l, t, r, b))
            if not items:
                return
            # PDFium's loose box is sometimes far too big (seen with WPS's vertical
            # one-character-per-line labels): rebuild those around the glyph's ink
            hs = sorted(it[3] - it[5] for it in items)
            med = hs[len(hs) // 2]
            lim = 3 * med + 6
            tl, tr, tb, tt = (ctypes.c_double() for _ in range(4))
            trefs = (ctypes.byref(tl), ctypes.byref(tr), ctypes.byref(tb), ctypes.byref(tt))
            # A CJK font that is neither embedded nor installed has no glyph outlines:
            # its characters have empty ink boxes, and PDFium silently drops every text
            # object of one such character. Sample a few ideographs to notice.
            cjk = [it[0] for it in items if it[1] >= 0x2E80]
            for i in cjk[:: max(1, len(cjk) // 24)][:25]:
                R.FPDFText_GetCharBox(raw, i, *trefs)
                if tr.value - tl.value < 0.01 and tt.value - tb.value < 0.01:
                    rp.font_missing = True
                    break
            out = rp.glyphs
            append = out.append
            fast = rot == 0
            for i, u, l, t, r, b in items:
                if (r - l) > lim and (t - b) > lim:
                    R.FPDFText_GetCharBox(raw, i, *trefs)
                    cx, cy = (tl.value + tr.value) / 2, (tb.value + tt.value) / 2
                    hw = max(tr.value - tl.value, 0.5 * med) / 2
                    l, r, b, t = cx - hw, cx + hw, cy - med / 2, cy + med / 2
                # a glyph without a Unicode mapping: checked where a wrong character would
                # do harm (digits, and anything outside CJK and Latin letters); a page of
                # wrongly mapped ideographs is caught as a whole by _mojibake()
                if u < 32 or u >= 0xD800 and _is_bad_code(u) or (
                        (48 <= u <= 57 or 0x7F <= u < 0x3000) and map_err(raw, i) == 1):
                    ch = BAD
                    bad = True
                else:
                    bad = False
                    if 0x2E80 <= u <= 0x2FDF or 0xF900 <= u <= 0xFAFF:  # radicals, compatibility ideographs
                        ch = unicodedata.normalize("NFKC", chr(u))
                    else:
                        ch = chr(u)
                if fast:
                    append((ch, l - left, top - t, r - left, top - b, bad))
                else:
                    x0, y0, x1, y1 = box(l, b, r, t)
                    append((ch, x0, y0, x1, y1, bad))
        finally:
            tp.close()

    def _objects(self, page, rp: RawPage, box, R, ctypes):
        fl, fb, fr, ft = (ctypes.c_float() for _ in range(4))
        bl, bb, br, bt = (ctypes.byref(fl), ctypes.byref(fb), ctypes.byref(fr), ctypes.byref(ft))
        fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
        cr, cg, cb, ca = (ctypes.c_uint() for _ in range(4))
        cref = (ctypes.byref(cr), ctypes.byref(cg), ctypes.byref(cb), ctypes.byref(ca))
        px, py = ctypes.c_float(), ctypes.c_float()
        mat = R.FS_MATRIX()
        get_type = R.FPDFPageObj_GetType
        PATH, IMAGE, FORM, TEXT = R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_IMAGE, R.FPDF_PAGEOBJ_FORM, R.FPDF_PAGEOBJ_TEXT
        area = rp.width * rp.height or 1.0
        image_area = 0.0
        paths = 0
        texts = 0
        # stack of (count, getter, container, form matrix or None)
        stack = [(R.FPDFPage_CountObjects(page.raw), R.FPDFPage_GetObject, page.raw, None)]
        depth = 0
        while stack and depth < 10_000:
            depth += 1
            count, getter, container, fm = stack.pop()
            for i in range(count):
                obj = getter(container, i)
                ty = get_type(obj)
                if ty == PATH:
                    paths += 1
                    if paths > MAX_PATHS_PER_PAGE:
                        continue
                    R.FPDFPageObj_GetBounds(obj, bl, bb, br, bt)
                    l, b, r, t = fl.value, fb.value, fr.value, ft.value
                    if fm is not None:
                        l, b, r, t = _apply_box(fm, l, b, r, t)
                    R.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke))
                    stroked = bool(stroke.value)
                    filled = fill_mode.value != 0
                    if not stroked and not filled:
                        continue
                    if stroked:
                        R.FPDFPageObj_GetStrokeColor(obj, *cref)
                    else:
                        R.FPDFPageObj_GetFillColor(obj, *cref)
                    if ca.value == 0 or (cr.value > 235 and cg.value > 235 and cb.value > 235):
                        continue  # invisible or white: no ruling
                    nseg = R.FPDFPath_CountSegments(obj)
                    if nseg <= 5:
                        self._rect_edges(rp, box(l, b, r, t), stroked, nseg)
                    elif nseg <= MAX_SEGMENTS_PER_PATH:
                        R.FPDFPageObj_GetMatrix(obj, ctypes.byref(mat))
                        m = (mat.a, mat.b, mat.c, mat.d, mat.e, mat.f)
                        if fm is not None:
                            m = _mul(m, fm)
                        subpaths: list[list] = []
                        closed: list[bool] = []
                        for k in range(nseg):
                            seg = R.FPDFPath_GetPathSegment(obj, k)
                            R.FPDFPathSegment_GetPoint(seg, ctypes.byref(px), ctypes.byref(py))
                            x, y = px.value, py.value
                            x, y = m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]
                            st = R.FPDFPathSegment_GetType(seg)
                            if st == R.FPDF_SEGMENT_MOVETO or not subpaths:
                                subpaths.append([(x, y)])
                                closed.append(False)
                            elif st == R.FPDF_SEGMENT_LINETO:
                                subpaths[-1].append((x, y))
                            else:  # bezier: a curve is no ruling; break the run
                                subpaths.append([(x, y)])
                                closed.append(False)
                            if R.FPDFPathSegment_GetClose(seg):
                                closed[-1] = True
                        for pts, cl in zip(subpaths, closed):
                            self._poly_edges(rp, box, pts, cl, stroked)
                elif ty == TEXT:
                    texts += 1
                    if texts <= 24 and not rp.font_missing:
                        # a font without glyphs gives text objects no height (and single
                        # characters no width: PDFium's text page drops those)
                        R.FPDFPageObj_GetBounds(obj, bl, bb, br, bt)
                        if fr.value - fl.value < 0.01 or ft.value - fb.value < 0.01:
                            rp.font_missing = True
                elif ty == IMAGE:
                    R.FPDFPageObj_GetBounds(obj, bl, bb, br, bt)
                    l, b, r, t = fl.value, fb.value, fr.value, ft.value
                    if fm is not None:
                        l, b, r, t = _apply_box(fm, l, b, r, t)
                    x0, y0, x1, y1 = box(l, b, r, t)
                    x0, x1 = max(0.0, x0), min(rp.width, x1)
                    y0, y1 = max(0.0, y0), min(rp.height, y1)
                    if x1 > x0 and y1 > y0:
                        image_area += (x1 - x0) * (y1 - y0)
                elif ty == FORM:
                    R.FPDFPageObj_GetMatrix(obj, ctypes.byref(mat))
                    m = (mat.a, mat.b, mat.c, mat.d, mat.e, mat.f)
                    if fm is not None:
                        m = _mul(m, fm)
                    stack.append((R.FPDFFormObj_CountObjects(obj), R.FPDFFormObj_GetObject, obj, m))
        if paths > MAX_PATHS_PER_PAGE:
            rp.notes.append(("PATHS_CAPPED", f"page {rp.number}: {paths} drawn paths, only the first {MAX_PATHS_PER_PAGE} were looked at for table rulings"))
        rp.image_cover = min(1.0, image_area / area)

    @staticmethod
    def _rect_edges(rp: RawPage, b, stroked: bool, nseg: int):
        x0, y0, x1, y1 = b
        w, h = x1 - x0, y1 - y0
        if h <= 3.0 and w > h:
            rp.hsegs.append(((y0 + y1) / 2, x0, x1))
        elif w <= 3.0 and h > w:
            rp.vsegs.append(((x0 + x1) / 2, y0, y1))
        elif stroked and nseg >= 3:  # an outlined rectangle: four rulings
            rp.hsegs.append((y0, x0, x1))
            rp.hsegs.append((y1, x0, x1))
            rp.vsegs.append((x0, y0, y1))
            rp.vsegs.append((x1, y0, y1))
        # a filled, unstroked box (cell or line background) is no ruling

    @staticmethod
    def _poly_edges(rp: RawPage, box, pts: list, closed: bool, stroked: bool):
        if len(pts) < 2:
            return
        if not stroked:  # a filled subpath is a ruling when thin
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            _PdfiumSource._rect_edges(rp, box(min(xs), min(ys), max(xs), max(ys)), False, 0)
            return
        seq = pts + [pts[0]] if closed else pts
        for (ax, ay), (bx, by) in zip(seq, seq[1:]):
            x0, y0, x1, y1 = box(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
            if y1 - y0 <= 1.0 and x1 - x0 > 1.0:
                rp.hsegs.append(((y0 + y1) / 2, x0, x1))
            elif x1 - x0 <= 1.0 and y1 - y0 > 1.0:
                rp.vsegs.append(((x0 + x1) / 2, y0, y1))

    _plumber = None

    def _glyphs_elsewhere(self, rp: RawPage, index: int, rot: int) -> None:
        """The page's characters through pdfminer, which needs no glyph outlines."""
        if rot != 0:
            rp.notes.append(("MISSING_FONT", f"page {rp.number}: a font is neither embedded nor installed; some characters may be missing (install a CJK font, e.g. fonts-wqy-microhei)"))
            return
        try:
            if self._plumber is None:
                self._plumber = _PlumberSource(self._data)
            alt = self._plumber.page(index, glyphs_only=True)
        except Exception:
            rp.notes.append(("MISSING_FONT", f"page {rp.number}: a font is neither embedded nor installed; some characters may be missing (install a CJK font, e.g. fonts-wqy-microhei)"))
            return
        dx = (rp.width - alt.width) / 2 if abs(rp.width - alt.width) > 1 else 0.0
        rp.glyphs = [(g[0], g[1] + dx, g[2], g[3] + dx, g[4], g[5]) for g in alt.glyphs]

    def render(self, index: int, scale: float):
        page = self.doc[index]
        try:
            return page.render(scale=scale).to_pil()
        finally:
            page.close()


class _LoadFailed(Exception):
    pass


def _mul(m, n):
    """Matrix product m·n for PDF matrices (a, b, c, d, e, f): apply m first, then n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply_box(m, l, b, r, t):
    pts = [(l, b), (l, t), (r, b), (r, t)]
    xs = [m[0] * x + m[2] * y + m[4] for x, y in pts]
    ys = [m[1] * x + m[3] * y + m[5] for x, y in pts]
    return min(xs), min(ys), max(xs), max(ys)


class _PlumberSource:
    """The same page content through pdfplumber (pdfminer): slower, used when PDFium
    is missing or refuses a file, and to cross-check the PDFium path in tests."""

    _CID = re.compile(r"\(cid:\d+\)")

    def __init__(self, data: bytes):
        import io

        import pdfplumber

        try:
            self.pdf = pdfplumber.open(io.BytesIO(data))
            self.npages = len(self.pdf.pages)
        except Exception as e:
            msg = str(e) or type(e).__name__
            if "password" in msg.lower() or type(e).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError"):
                raise UnsupportedInput("encrypted PDF: a password is needed to open it") from None
            raise _LoadFailed(msg) from None

    def close(self):
        try:
            self.pdf.close()
        except Exception:  # pragma: no cover
            pass

    def page(self, index: int, glyphs_only: bool = False) -> RawPage:
        p = self.pdf.pages[index]
        rp = RawPage(index + 1, float(p.width), float(p.height))
        chars = p.chars
        if len(chars) > MAX_GLYPHS_PER_PAGE:
            rp.notes.append(("GLYPHS_CAPPED", f"page {rp.number}: {len(chars)} characters, only the first {MAX_GLYPHS_PER_PAGE} were read"))
            chars = chars[:MAX_GLYPHS_PER_PAGE]
        for c in chars:
            t = c["text"]
            if not t or t.isspace():
                continue
            bad = bool(self._CID.search(t)) or any(_is_bad_code(ord(x)) for x in t)
            if bad:
                t = BAD
            elif len(t) == 1 and (0x2E80 <= ord(t) <= 0x2FDF or 0xF900 <= ord(t) <= 0xFAFF):
                t = unicodedata.normalize("NFKC", t)
            if c["x1"] <= c["x0"] or c["bottom"] <= c["top"]:
                continue
            rp.glyphs.append((t, float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"]), bad))
        if glyphs_only:
            p.flush_cache()
            return rp
        objs = p.objects
        n = 0
        for kind in ("line", "rect", "curve"):
            for o in objs.get(kind, ()):
                n += 1
                if n > MAX_PATHS_PER_PAGE:
                    break
                stroked, filled = bool(o.get("stroke")), bool(o.get("fill"))
                col = o.get("stroking_color") if stroked else o.get("non_stroking_color")
                if _is_white(col) or not (stroked or filled):
                    continue
                b = (float(o["x0"]), float(o["top"]), float(o["x1"]), float(o["bottom"]))
                if kind == "curve":
                    pts = [(float(x), float(y)) for x, y in o.get("pts", [])]
                    if stroked:
                        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
                            if abs(ay - by) <= 1 and abs(ax - bx) > 1:
                                rp.hsegs.append(((ay + by) / 2, min(ax, bx), max(ax, bx)))
                            elif abs(ax - bx) <= 1 and abs(ay - by) > 1:
                                rp.vsegs.append(((ax + bx) / 2, min(ay, by), max(ay, by)))
                    continue
                _PdfiumSource._rect_edges(rp, b, stroked and kind == "rect", 4 if kind == "rect" else 2)
        if n > MAX_PATHS_PER_PAGE:
            rp.notes.append(("PATHS_CAPPED", f"page {rp.number}: too many drawn paths, only the first {MAX_PATHS_PER_PAGE} were looked at"))
        area = rp.width * rp.height or 1.0
        cover = 0.0
        for im in objs.get("image", ()):
            x0, x1 = max(0.0, float(im["x0"])), min(rp.width, float(im["x1"]))
            y0, y1 = max(0.0, float(im["top"])), min(rp.height, float(im["bottom"]))
            if x1 > x0 and y1 > y0:
                cover += (x1 - x0) * (y1 - y0)
        rp.image_cover = min(1.0, cover / area)
        p.flush_cache()
        return rp

    def render(self, index: int, scale: float):
        return self.pdf.pages[index].to_image(resolution=72 * scale).original


def _is_white(col) -> bool:
    if col is None:
        return False
    if isinstance(col, (int, float)):
        return col >= 0.93
    try:
        vals = [float(v) for v in col]
    except (TypeError, ValueError):
        return False
    if len(vals) == 1:
        return vals[0] >= 0.93
    if len(vals) == 3:
        return min(vals) >= 0.93
    if len(vals) == 4:  # CMYK
        return max(vals) <= 0.05
    return False


# ================================================================ lines and text

@dataclass(slots=True)
class Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    chunks: list  # [(text, x0, x1)] parts separated by wide gaps
    nbad: int = 0
    ocr: bool = False

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


_VALUE_CHUNK = re.compile(r"^(?:[+\-－]?[0-9０-９][0-9０-９,，.．]*(?:%|％|万元|元|件|项|条)?|[—\-–/／]{1,3}|无|/)$")
_NUMLIKE = set("0123456789０１２３４５６７８９.,，．+-%" + BAD)


def _group_lines(glyphs: list) -> list[list]:
    """Glyphs -> visual lines (each a list of glyphs sorted left to right)."""
    if not glyphs:
        return []
    dec = [(g[2] + g[4], g[1], g) for g in glyphs]  # 2 x centre y
    dec.sort()
    lines: list[list] = []
    g = dec[0][2]
    cur = [(g[1], g)]
    c2 = dec[0][0]  # running mean of 2 x centre y
    hmin = g[4] - g[2]
    n = 1
    for gc2, _, g in dec[1:]:
        gh = g[4] - g[2]
        if gc2 - c2 <= 0.9 * (hmin if hmin < gh else gh):
            cur.append((g[1], g))
            n += 1
            c2 += (gc2 - c2) / n
            if gh < hmin:
                hmin = gh
        else:
            cur.sort()
            lines.append([x[1] for x in cur])
            cur, c2, hmin, n = [(g[1], g)], gc2, gh, 1
    cur.sort()
    lines.append([x[1] for x in cur])
    return lines


def _may_have_table(groups: list, height: float) -> bool:
    """Could this page hold a table? Prose pages (every line starting at the margin or a
    paragraph indent, no wide gaps inside a line) are spared the scan for rulings."""
    lo, hi = 0.08 * height, 0.92 * height  # page numbers and running heads do not count
    groups = [ln for ln in groups if ln[0][4] > lo and ln[0][2] < hi]
    if not groups:
        return True
    left = min(ln[0][1] for ln in groups)
    for ln in groups:
        g0 = ln[0]
        size = g0[4] - g0[2]
        if g0[1] > left + 3.5 * size:
            return True
        prev_x1 = g0[3]
        for g in ln[1:]:
            if g[1] - prev_x1 > size:
                return True
            prev_x1 = g[3]
    return False


def _dedupe(glyphs: list) -> list:
    """Drop doubled glyphs (fake bold: the same character drawn twice, slightly offset)."""
    out = []
    for g in glyphs:
        if out:
            p = out[-1]
            if p[0] == g[0] and abs(p[1] - g[1]) < 0.35 * max(p[3] - p[1], 1.0) and abs(p[2] - g[2]) < 2:
                continue
        out.append(g)
    return out


def _is_cjk(ch: str) -> bool:
    o = ord(ch[0])
    return 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFF0F or 0x3400 <= o <= 0x4DBF \
        or o in (0x201C, 0x201D, 0xFF1A, 0xFF1B, 0xFF1F)


def _mark_bad(chars: list[str], bad: list[bool]) -> str:
    """Join characters; a number-like token touching an undecoded glyph becomes one U+FFFD."""
    if not any(bad):
        return "".join(chars)
    n = len(chars)
    out: list[str] = []
    i = 0
    while i < n:
        if chars[i] in _NUMLIKE or bad[i]:
            j = i
            has_bad = False
            while j < n and (chars[j] in _NUMLIKE or bad[j]):
                has_bad = has_bad or bad[j]
                j += 1
            if has_bad:
                if not out or out[-1] != BAD:
                    out.append(BAD)
            else:
                out.extend(chars[i:j])
            i = j
        else:
            out.append(chars[i])
            i += 1
    return "".join(out)


def _line_of(glyphs: list, chunk_gap: float = 1.2) -> Line:
    """One visual line (glyphs sorted by x) -> Line with text, spaces from gaps, chunks."""
    g0 = glyphs[0]
    if len(glyphs) == 1:
        t = g0[0]
        return Line(t, g0[1], g0[2], g0[3], g0[4], g0[4] - g0[2], [(t, g0[1], g0[3])], int(g0[5]))
    glyphs = _dedupe(glyphs)
    heights = [g[4] - g[2] for g in glyphs]
    heights.sort()
    size = heights[len(heights) // 2]
    big = chunk_gap * size
    small = 0.22 * size
    chars: list[str] = []
    bad: list[bool] = []
    chunks: list = []
    chunk_start = 0
    chunk_x0 = g0[1]
    top, bottom = g0[2], g0[4]
    nbad = 0
    prev = None
    for g in glyphs:
        if prev is not None:
            gap = g[1] - prev[3]
            if gap > small:
                if gap > big:
                    chunks.append((_mark_bad(chars[chunk_start:], bad[chunk_start:]) if nbad else "".join(chars[chunk_start:]),
                                   chunk_x0, prev[3]))
                    chars.append(" ")
                    bad.append(False)
                    chunk_start = len(chars)
                    chunk_x0 = g[1]
                elif not (_is_cjk(prev[0]) and _is_cjk(g[0])):
                    chars.append(" ")
                    bad.append(False)
        chars.append(g[0])
        bad.append(g[5])
        if g[5]:
            nbad += 1
        if g[2] < top:
            top = g[2]
        if g[4] > bottom:
            bottom = g[4]
        prev = g
    if nbad:
        chunks.append((_mark_bad(chars[chunk_start:], bad[chunk_start:]), chunk_x0, prev[3]))
        text = _mark_bad(chars, bad)
    else:
        chunks.append(("".join(chars[chunk_start:]), chunk_x0, prev[3]))
        text = "".join(chars)
    x1 = max(g[3] for g in glyphs[-3:])
    return Line(text, g0[1], top, x1, bottom, size, chunks, nbad)


def _lines_from_chunks(chunks: list) -> list[Line]:
    """OCR word boxes (text, x0, top, x1, bottom) -> lines."""
    boxes = [(t, x0, y0, x1, y1, False) for t, x0, y0, x1, y1 in chunks if t.strip()]
    out = []
    for ln in _group_lines(boxes):
        parts = [(b[0].strip(), b[1], b[3]) for b in ln]
        size = sorted(b[4] - b[2] for b in ln)[len(ln) // 2]
        out.append(Line(" ".join(p[0] for p in parts), ln[0][1], min(b[2] for b in ln), max(b[3] for b in ln),
                        max(b[4] for b in ln), size, parts, 0, True))
    return out


def _cell_text(glyphs: list) -> tuple[str, float | None, list[float]]:
    """Text of a table cell: its lines joined by "" (CJK labels wrap mid-word)."""
    if not glyphs:
        return "", None, []
    lines = [_line_of(ln) for ln in _group_lines(glyphs)]
    if len(lines) == 1:
        ln = lines[0]
        return ln.text.strip(), ln.top, [ln.top]
    text = "".join(ln.text.strip() for ln in lines)
    if BAD in text:
        text = re.sub(BAD + "+", BAD, text)
    return text, lines[0].top, [ln.top for ln in lines]


# ================================================================ tables

@dataclass(slots=True)
class TCell:
    row: int  # row index within its table part (then within the merged table)
    rowspan: int
    x0: float
    x1: float
    text: str
    page: int
    top: float  # where its text starts (or the cell's top when empty)
    line: int = 0
    ocr: bool = False


@dataclass(slots=True)
class TablePart:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    nrows: int
    cells: list  # [TCell]
    kind: str  # "lattice" | "aligned"
    line_tops: list = field(default_factory=list)


def _cluster(values: list[float], tol: float) -> list[float]:
    if not values:
        return []
    vs = sorted(values)
    out: list[list[float]] = [[vs[0]]]
    for v in vs[1:]:
        if v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _merge_segments(segs: list, snap: float = 2.0, join: float = 2.0) -> list:
    """Collinear segments (pos, lo, hi) that touch or overlap become one."""
    if not segs:
        return []
    segs = sorted(segs)
    groups: list[list] = [[segs[0]]]
    for s in segs[1:]:
        if s[0] - groups[-1][-1][0] <= snap:
            groups[-1].append(s)
        else:
            groups.append([s])
    out = []
    for g in groups:
        pos = sum(s[0] for s in g) / len(g)
        ivs = sorted((s[1], s[2]) for s in g)
        lo, hi = ivs[0]
        for a, b in ivs[1:]:
            if a <= hi + join:
                if b > hi:
                    hi = b
            else:
                out.append((pos, lo, hi))
                lo, hi = a, b
        out.append((pos, lo, hi))
    return out


class _UF:
    __slots__ = ("p",)

    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, a: int) -> int:
        p = self.p
        while p[a] != a:
            p[a] = p[p[a]]
            a = p[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[rb] = ra


def _covered(ivs: list, a: float, b: float, share: float) -> bool:
    if b <= a:
        return False
    tot = 0.0
    for lo, hi in ivs:
        o = min(hi, b) - max(lo, a)
        if o > 0:
            tot += o
    return tot >= share * (b - a)


def _lattice(rp: RawPage, notes: list) -> tuple[list[TablePart], list]:
    """Ruled tables of a page, and the glyphs that are in none of their cells."""
    tol = 3.0
    hs = [s for s in _merge_segments([s for s in rp.hsegs if s[2] - s[1] >= 2.0]) if s[2] - s[1] >= 4.0]
    vs = [s for s in _merge_segments([s for s in rp.vsegs if s[2] - s[1] >= 2.0]) if s[2] - s[1] >= 4.0]
    if len(hs) < 2 or len(vs) < 2:
        return [], rp.glyphs
    if len(hs) * len(vs) > 4_000_000:
        notes.append(("TOO_MANY_RULINGS", f"page {rp.number}: too many ruling lines to rebuild tables from"))
        return [], rp.glyphs
    nh = len(hs)
    uf = _UF(nh + len(vs))
    vs_sorted = sorted(range(len(vs)), key=lambda j: vs[j][0])
    vxs = [vs[j][0] for j in vs_sorted]
    for i, (y, x0, x1) in enumerate(hs):
        lo = bisect_left(vxs, x0 - tol)
        hi = bisect_right(vxs, x1 + tol)
        for k in range(lo, hi):
            j = vs_sorted[k]
            _, y0, y1 = vs[j]
            if y0 - tol <= y <= y1 + tol:
                uf.union(i, nh + j)
    comps: dict[int, tuple[list, list]] = {}
    for i in range(nh):
        comps.setdefault(uf.find(i), ([], []))[0].append(hs[i])
    for j in range(len(vs)):
        comps.setdefault(uf.find(nh + j), ([], []))[1].append(vs[j])
    parts: list = []
    for ch, cv in comps.values():
        if len(ch) < 2 or len(cv) < 2:
            continue
        part = _grid(rp, ch, cv, tol)
        if part is not None:
            parts.append(part)
    if not parts:
        return [], rp.glyphs
    # assign glyphs
    leftover = []
    for g in rp.glyphs:
        cx, cy = (g[1] + g[3]) / 2, (g[2] + g[4]) / 2
        for part in parts:
            if part.x0 <= cx <= part.x1 and part.top <= cy <= part.bottom:
                if part._assign(g, cx, cy):  # type: ignore[attr-defined]
                    break
        else:
            leftover.append(g)
    done = []
    for part in parts:
        p = part._finish()  # type: ignore[attr-defined]
        if p is None:
            leftover.extend(part._glyphs_all())  # type: ignore[attr-defined]
        else:
            done.append(p)
    return done, leftover


class _Grid:
    """A ruled table being built: grid levels, merged units, glyphs per cell."""

    def __init__(self, rp, xs, ys, regions, unit_region, valid):
        self.rp = rp
        self.xs, self.ys = xs, ys
        self.regions = regions  # [(r0, r1, c0, c1)]
        self.unit_region = unit_region  # unit index -> region index
        self.valid = valid  # region index -> bool
        self.glyphs: list[list] = [[] for _ in regions]
        self.x0, self.x1, self.top, self.bottom = xs[0], xs[-1], ys[0], ys[-1]

    def _assign(self, g, cx, cy) -> bool:
        i = bisect_right(self.ys, cy) - 1
        j = bisect_right(self.xs, cx) - 1
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        if not (0 <= i < nr and 0 <= j < nc):
            return False
        reg = self.unit_region[i * nc + j]
        if not self.valid[reg]:
            return False
        self.glyphs[reg].append(g)
        return True

    def _glyphs_all(self):
        return [g for gl in self.glyphs for g in gl]

    def _finish(self) -> TablePart | None:
        keep = [k for k, ok in enumerate(self.valid) if ok and (self.glyphs[k] or self._sides(k) >= 3)]
        if len(keep) < 2:
            return None
        rows = sorted({self.regions[k][0] for k in keep})
        cells = []
        tops: list[float] = []
        for k in keep:
            r0, r1, c0, c1 = self.regions[k]
            text, top, ltops = _cell_text(self.glyphs[k])
            tops.extend(ltops)
            ri = bisect_left(rows, r0)
            rspan = max(1, bisect_left(rows, r1 + 1) - ri)
            cells.append(TCell(ri, rspan, self.xs[c0], self.xs[c1 + 1], text, self.rp.number,
                               top if top is not None else self.ys[r0]))
        cells.sort(key=lambda c: (c.row, c.x0))
        return TablePart(self.rp.number, self.x0, self.top, self.x1, self.bottom, len(rows), cells, "lattice", tops)

    def _sides(self, k) -> int:
        return self.side_count[k]


def _grid(rp: RawPage, hs: list, vs: list, tol: float):
    xs = _cluster([v[0] for v in vs] + [min(h[1] for h in hs), max(h[2] for h in hs)], tol)
    ys = _cluster([h[0] for h in hs] + [min(v[1] for v in vs), max(v[2] for v in vs)], tol)
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr < 1 or nc < 1 or nr * nc > MAX_GRID_UNITS:
        return None
    vcov: list[list] = [[] for _ in xs]
    for x, y0, y1 in vs:
        j = min(range(len(xs)), key=lambda k: abs(xs[k] - x)) if len(xs) < 8 else _nearest(xs, x)
        vcov[j].append((y0, y1))
    hcov: list[list] = [[] for _ in ys]
    for y, x0, x1 in hs:
        hcov[_nearest(ys, y)].append((x0, x1))
    uf = _UF(nr * nc)
    for i in range(nr):
        ya, yb = ys[i], ys[i + 1]
        for j in range(nc):
            u = i * nc + j
            if j + 1 < nc and not _covered(vcov[j + 1], ya, yb, 0.6):
                uf.union(u, u + 1)
            if i + 1 < nr and not _covered(hcov[i + 1], xs[j], xs[j + 1], 0.6):
                uf.union(u, u + nc)
    bounds: dict[int, list[int]] = {}
    for i in range(nr):
        for j in range(nc):
            r = uf.find(i * nc + j)
            b = bounds.get(r)
            if b is None:
                bounds[r] = [i, i, j, j]
            else:
                if i < b[0]:
                    b[0] = i
                if i > b[1]:
                    b[1] = i
                if j < b[2]:
                    b[2] = j
                if j > b[3]:
                    b[3] = j
    roots = list(bounds)
    index = {r: k for k, r in enumerate(roots)}
    regions = [tuple(bounds[r]) for r in roots]
    unit_region = [index[uf.find(u)] for u in range(nr * nc)]
    sides = []
    for r0, r1, c0, c1 in regions:
        s = 0
        s += _covered(hcov[r0], xs[c0], xs[c1 + 1], 0.5)
        s += _covered(hcov[r1 + 1], xs[c0], xs[c1 + 1], 0.5)
        s += _covered(vcov[c0], ys[r0], ys[r1 + 1], 0.5)
        s += _covered(vcov[c1 + 1], ys[r0], ys[r1 + 1], 0.5)
        sides.append(s)
    valid = [s >= 2 for s in sides]
    g = _Grid(rp, xs, ys, regions, unit_region, valid)
    g.side_count = sides  # type: ignore[attr-defined]
    return g


def _nearest(levels: list[float], v: float) -> int:
    k = bisect_left(levels, v)
    if k == 0:
        return 0
    if k >= len(levels):
        return len(levels) - 1
    return k if levels[k] - v < v - levels[k - 1] else k - 1


def _aligned_tables(lines: list[Line], page: int) -> tuple[list[TablePart], list[Line]]:
    """Tables without rulings: runs of lines whose gap-separated chunks are mostly values."""
    def is_row(ln: Line) -> bool:
        vals = sum(1 for c in ln.chunks if _VALUE_CHUNK.match(c[0].strip()))
        return len(ln.chunks) >= 3 and vals >= 2

    flags = [is_row(ln) for ln in lines]
    if sum(flags) < 2:
        return [], lines
    parts: list[TablePart] = []
    used: set[int] = set()
    i = 0
    n = len(lines)
    while i < n:
        if not flags[i]:
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n:
            prev = lines[run[-1]]
            gap = lines[j].top - prev.bottom
            if gap > 2.5 * max(prev.size, lines[j].size):
                break
            if flags[j]:
                run.append(j)
                j += 1
                continue
            # a wrapped label line between two rows
            if len(lines[j].chunks) == 1 and j + 1 < n and flags[j + 1] and \
                    lines[j].x1 < _first_value_x(lines[j + 1]) - 2:
                run.append(j)
                j += 1
                continue
            break
        rows = [k for k in run if flags[k]]
        if len(rows) >= 2:
            parts.append(_aligned_part([lines[k] for k in run], [flags[k] for k in run], page))
            used.update(run)
        i = j if j > i else i + 1
    rest = [ln for k, ln in enumerate(lines) if k not in used]
    return parts, rest


def _first_value_x(ln: Line) -> float:
    for t, x0, _ in ln.chunks:
        if _VALUE_CHUNK.match(t.strip()):
            return x0
    return ln.x1


def _aligned_part(lines: list[Line], flags: list[bool], page: int) -> TablePart:
    rows = [ln for ln, f in zip(lines, flags) if f]
    # value columns: overlapping value-chunk intervals across rows
    ivs = sorted((x0, x1) for ln in rows for t, x0, x1 in ln.chunks[1:] if _VALUE_CHUNK.match(t.strip()))
    cols: list[list[float]] = []
    for a, b in ivs:
        if cols and a <= cols[-1][1] + 1.0:
            cols[-1][1] = max(cols[-1][1], b)
        else:
            cols.append([a, b])
    first_col = cols[0][0] if cols else min(ln.x1 for ln in rows)
    labels: dict[int, list[tuple[float, str]]] = {k: [] for k in range(len(rows))}
    for ln, f in zip(lines, flags):
        if not f:  # wrapped label text: to the nearest row
            k = min(range(len(rows)), key=lambda r: abs(rows[r].cy - ln.cy))
            labels[k].append((ln.top, ln.text.strip()))
    x_left = min(ln.x0 for ln in lines)
    x_right = max(max(ln.x1 for ln in lines), cols[-1][1] if cols else 0.0)
    cells: list[TCell] = []
    tops = []
    for r, ln in enumerate(rows):
        label = [(ln.top, " ".join(t for t, x0, x1 in ln.chunks if x1 <= first_col + 1.0))]
        label += labels[r]
        label.sort()
        cells.append(TCell(r, 1, x_left, first_col, "".join(t for _, t in label if t), page, ln.top, ocr=ln.ocr))
        tops.append(ln.top)
        for a, b in cols:
            texts = [t for t, x0, x1 in ln.chunks if x1 > first_col + 1.0 and min(x1, b) - max(x0, a) > 0]
            cells.append(TCell(r, 1, a, b, " ".join(texts), page, ln.top, ocr=ln.ocr))
    return TablePart(page, x_left, min(ln.top for ln in lines), x_right, max(ln.bottom for ln in lines),
                     len(rows), cells, "aligned", tops)


# ================================================================ page furniture

_PAGE_NO = re.compile(
    r"^[\s\-—–－_·•.]*(?:第\s*)?[0-9０-９]{1,4}(?:\s*页)?"
    r"(?:\s*[/／]\s*[0-9]{1,4}|\s*[,，]?\s*共\s*[0-9]{1,4}\s*页)?[\s\-—–－_·•.]*$"
    r"|^\s*(?:page|Page|PAGE)\s*\d+(?:\s*(?:of|/)\s*\d+)?\s*$")


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


# ================================================================ the reader

@dataclass
class _PageResult:
    number: int
    height: float
    width: float
    lines: list  # [Line]
    tables: list  # [TablePart]
    ocr: bool = False


def _pages_str(nums) -> str:
    nums = sorted(set(nums))
    out = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ", ".join(out)


_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相"
    "全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果"
    "料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
    "任取据处府研质信息申请予以办理保护监督收费项目工作报告情况人民政府依法规章规范行政许可处罚强制复议诉讼维持纠正尚未审结单位万元"
    "县市省镇乡街道委员会局厅办公室网站平台发布主动公开依申请数量本年上年结转继续商业企业科研机构社会益组织律服务其他总计不予掌握相关现成"
    "需要另行制作补正后内容仍明确访举投诉类重复出版物无当由大反确认或具已获取改进问题存在主要加强推进落实完善提升制度群众建设会议解读"
    "《》（），。、；：“”！？—…·年月日")


def _mojibake(glyphs: list) -> bool:
    """A page whose text decoded to the wrong characters (a broken ToUnicode map)."""
    cjk = 0
    common = 0
    latin1 = 0
    ascii_ = 0
    for g in glyphs:
        c = g[0]
        o = ord(c[0])
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            cjk += 1
            if c in _COMMON:
                common += 1
        elif 0xC0 <= o <= 0x24F:
            latin1 += 1
        elif o < 0x80:
            ascii_ += 1
    if cjk >= 40 and common < 0.15 * cjk:
        return True
    if latin1 >= 20 and latin1 > 0.3 * (latin1 + ascii_ + cjk):
        return True
    return False


def read_pdf(data: bytes, *, max_pages: int = MAX_PAGES, ocr: bool | None = None, engine: str = "pdfium") -> Document:
    """PDF bytes -> Document (format "pdf").

    ocr: None = use OCR for scanned pages when the optional extra is installed; False = never.
    engine: "pdfium" (default, falls back to pdfplumber when PDFium refuses the file) or "pdfplumber".
    Raises UnsupportedInput for bytes that are not a PDF, a locked PDF, or one too damaged to open.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError("read_pdf wants bytes")
    if b"%PDF-" not in data[:1024]:
        raise UnsupportedInput("not a PDF: no %PDF- header in the first 1024 bytes")
    warnings: list[Warning] = []
    if b"%%EOF" not in data[-4096:]:
        warnings.append(Warning("TRUNCATED_PDF", "the PDF has no %%EOF at its end: it may be truncated, and content may be missing"))
    src = _open(data, engine)
    try:
        total = src.npages
        if total <= 0:
            raise UnsupportedInput("PDF has no readable pages (damaged or truncated)")
        n = min(total, max_pages)
        if total > max_pages:
            warnings.append(Warning("PAGES_CAPPED", f"the PDF has {total} pages; only the first {max_pages} were read"))
        raws: list[RawPage] = []
        failed = []
        for i in range(n):
            try:
                raws.append(src.page(i))
            except UnsupportedInput:
                raise
            except Exception:
                failed.append(i + 1)
                raws.append(RawPage(i + 1, 595.0, 842.0))
        if failed:
            warnings.append(Warning("PAGE_UNREADABLE", f"page(s) {_pages_str(failed)} could not be read"))
        if len(failed) == n:
            raise UnsupportedInput("no page of the PDF could be read (damaged or truncated)")
        for rp in raws:
            for code, msg in rp.notes:
                warnings.append(Warning(code, msg))
        _ocr_and_checks(src, raws, warnings, ocr)
    finally:
        src.close()
    pages = [_layout_page(rp) for rp in raws]
    blocks = _assemble(pages)
    return Document(tuple(blocks), "pdf", (), tuple(warnings))


def _open(data: bytes, engine: str):
    if engine == "pdfplumber":
        try:
            return _PlumberSource(data)
        except _LoadFailed as e:
            raise UnsupportedInput(f"not a readable PDF: {e}") from None
    try:
        return _PdfiumSource(data)
    except ImportError:
        pass
    except _LoadFailed as e:
        first = str(e)
        if len(data) > 50_000_000:
            raise UnsupportedInput(f"not a readable PDF: {first}") from None
        try:
            return _PlumberSource(data)
        except _LoadFailed:
            raise UnsupportedInput(f"not a readable PDF: {first}") from None
    try:
        return _PlumberSource(data)
    except _LoadFailed as e:
        raise UnsupportedInput(f"not a readable PDF: {e}") from None


def _ocr_and_checks(src, raws: list[RawPage], warnings: list[Warning], ocr: bool | None) -> None:
    image_pages = []
    garbled = []
    partly = []
    for rp in raws:
        real = [g for g in rp.glyphs if not g[5]]
        if len(real) < 5 and rp.image_cover >= 0.15:
            image_pages.append(rp)
        elif rp.glyphs and (len(real) < 0.5 * len(rp.glyphs) or _mojibake(real)):
            garbled.append(rp)
        elif len(real) < len(rp.glyphs):
            partly.append(rp.number)
    todo = image_pages + garbled
    use_ocr = False
    if todo and ocr is not False:
        from . import ocr as ocr_mod

        use_ocr = ocr_mod.ocr_available()
    done: set[int] = set()
    if use_ocr:
        from . import ocr as ocr_mod

        for rp in todo[:MAX_OCR_PAGES]:
            try:
                img = src.render(rp.number - 1, OCR_SCALE)
                chunks = ocr_mod.ocr_chunks(img)
            except Exception as e:  # OCR is best effort: say so, invent nothing
                warnings.append(Warning("OCR_FAILED", f"page {rp.number}: OCR failed ({type(e).__name__}: {e})"))
                continue
            s = 1.0 / OCR_SCALE
            rp.chunks = [(t, x0 * s, y0 * s, x1 * s, y1 * s) for t, x0, y0, x1, y1 in chunks]
            rp.glyphs, rp.line_groups = [], None
            rp.hsegs, rp.vsegs = [], []
            rp.via = "ocr"
            done.add(rp.number)
        if done:
            warnings.append(Warning("OCR_USED", f"page(s) {_pages_str(done)} were read by OCR (no usable text layer); their cells are marked via=ocr"))
        if len(todo) > MAX_OCR_PAGES:
            warnings.append(Warning("OCR_CAPPED", f"only the first {MAX_OCR_PAGES} scanned pages were read by OCR"))
    left_img = [rp.number for rp in image_pages if rp.number not in done]
    left_bad = [rp for rp in garbled if rp.number not in done]
    for rp in left_bad:
        rp.glyphs, rp.line_groups = [], None  # wrong characters are worse than none
    if left_img:
        how = "install xxgk[ocr] (rapidocr-onnxruntime) to read them by OCR" if not use_ocr else "OCR could not read them"
        if len(image_pages) * 2 >= len(raws):
            warnings.append(Warning("IMAGE_ONLY_PDF", f"scanned PDF: page(s) {_pages_str(left_img)} have no text layer, so no text was read from them; {how}"))
        else:
            warnings.append(Warning("IMAGE_PAGES", f"page(s) {_pages_str(left_img)} are scanned images without a text layer; no text was read from them; {how}"))
    if left_bad:
        warnings.append(Warning("UNDECODED_TEXT", f"page(s) {_pages_str(rp.number for rp in left_bad)}: the text layer does not decode to real characters (broken font encoding); their text was left out"
                                + ("" if use_ocr else "; install xxgk[ocr] to read such pages by OCR")))
    if partly:
        warnings.append(Warning("UNDECODED_TEXT", f"page(s) {_pages_str(partly)}: some characters could not be decoded (no Unicode mapping); the numbers and words they touch are given as U+FFFD"))


def _layout_page(rp: RawPage) -> _PageResult:
    notes: list = []
    if rp.chunks is not None:
        tables: list[TablePart] = []
        lines = _lines_from_chunks(rp.chunks)
    else:
        tables, rest = _lattice(rp, notes)
        groups = rp.line_groups if (not tables and rp.line_groups is not None) else _group_lines(rest)
        lines = [_line_of(ln) for ln in groups]
    return _PageResult(rp.number, rp.height, rp.width, lines, tables, rp.via == "ocr")


def _drop_furniture(pages: list[_PageResult]) -> None:
    def in_band(ln: Line, p: _PageResult) -> bool:
        return ln.bottom < 0.09 * p.height or ln.top > 0.92 * p.height

    counts: dict[str, int] = {}
    for p in pages:
        seen = set()
        for ln in p.lines:
            if in_band(ln, p):
                k = _furniture_key(ln.text)
                if k and k not in seen:
                    seen.add(k)
                    counts[k] = counts.get(k, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    repeated = {k for k, c in counts.items() if c >= need}
    for p in pages:
        keep = []
        for ln in p.lines:
            top_band = ln.bottom < 0.12 * p.height
            bottom_band = ln.top > 0.85 * p.height
            if (top_band or bottom_band) and _PAGE_NO.match(ln.text):
                continue
            if in_band(ln, p) and _furniture_key(ln.text) in repeated:
                continue
            keep.append(ln)
        p.lines = keep


def _assemble(pages: list[_PageResult]) -> list[Block]:
    _drop_furniture(pages)
    # tables without rulings, once furniture is gone
    for p in pages:
        if len(p.lines) >= 2:
            aligned, rest = _aligned_tables(sorted(p.lines, key=lambda ln: ln.top), p.number)
            if aligned:
                for t in aligned:
                    for c in t.cells:
                        c.ocr = p.ocr
                p.tables.extend(aligned)
                p.lines = rest
    # page items in reading order
    items_by_page: list[list] = []
    for p in pages:
        items = [(ln.top, 0, ln) for ln in p.lines] + [(t.top, 1, t) for t in p.tables]
        items.sort(key=lambda it: (it[0], it[1]))
        items_by_page.append([it[2] for it in items])
    # line numbers: every visual line on the page, paragraph lines and cell lines alike
    line_no: list = []
    for p in pages:
        tops = [ln.top for ln in p.lines]
        for t in p.tables:
            tops.extend(t.line_tops)
        levels = _cluster(tops, 2.0)
        line_no.append(levels)

    def number(page_idx: int, top: float) -> int:
        levels = line_no[page_idx]
        if not levels:
            return 1
        return _nearest(levels, top) + 1

    # body margins for joining wrapped lines
    body = [ln for p in pages for ln in p.lines if len(ln.text) >= 8 and not ln.ocr]
    if body:
        x0s = sorted(ln.x0 for ln in body)
        x1s = sorted(ln.x1 for ln in body)
        left = x0s[len(x0s) // 10]
        right = x1s[(len(x1s) * 9) // 10]
    else:
        left = right = None

    blocks: list[Block] = []
    open_table = None  # (merged part, table index) waiting for its continuation
    pending_tables: list = []  # merged tables to emit, in order, as (index, [parts])
    out_items: list = []  # ("para", text, page, line, ocr, lastline) | ("table", idx)
    prev_line: Line | None = None
    prev_page = -1
    for pi, (p, items) in enumerate(zip(pages, items_by_page)):
        for k, it in enumerate(items):
            if isinstance(it, TablePart):
                prev_line = None
                if open_table is not None and k == 0 and _continues(open_table[-1], it):
                    open_table.append(it)
                else:
                    open_table = [it]
                    pending_tables.append(open_table)
                    out_items.append(("table", len(pending_tables) - 1))
                continue
            open_table = None
            ln: Line = it
            new_page = pi != prev_page
            if new_page and prev_line is not None and not (
                    prev_line.bottom > 0.7 * pages[prev_page].height and ln.top < 0.3 * p.height
                    and prev_line.text.rstrip()[-1:] not in _TERMINAL):
                prev_line = None  # a page break joins only a sentence cut at the page end
            if prev_line is not None and left is not None and right - left >= 0.45 * p.width and _joins(prev_line, ln, left, right, new_page):
                kind, text, pg, lno, ocr_flag, _ = out_items[-1]
                sep = " " if (text[-1:].isascii() and text[-1:].isalnum() and ln.text[:1].isascii() and ln.text[:1].isalnum()) else ""
                out_items[-1] = (kind, text + sep + ln.text.strip(), pg, lno, ocr_flag, ln)
            else:
                out_items.append(("para", ln.text.strip(), p.number, number(pi, ln.top), ln.ocr, ln))
            prev_line = ln
            prev_page = pi
        # a table open at the end of a page stays open only if it was the page's last item
        if items and not isinstance(items[-1], TablePart):
            open_table = None
        elif not items:
            open_table = None
    page_index = {p.number: i for i, p in enumerate(pages)}
    for it in out_items:
        if it[0] == "para":
            _, text, pg, lno, ocr_flag, _ = it
            if text:
                blocks.append(Block("para", (Cell(text, Location(line=lno, page=pg, via="ocr" if ocr_flag else None)),)))
        else:
            parts = pending_tables[it[1]]
            blocks.extend(_emit_table(parts, it[1], lambda pg, top: number(page_index[pg], top)))
    return blocks


_TERMINAL = set("。；;！!？?：:）)】」》”\"…")


def _joins(prev: Line, ln: Line, left, right, new_page: bool) -> bool:
    if left is None or prev.ocr or ln.ocr:
        return False
    size = max(prev.size, ln.size)
    if abs(prev.size - ln.size) > 0.35 * size:
        return False
    if prev.x1 < right - 1.5 * prev.size:
        return False
    if ln.x0 > left + 0.6 * ln.size:
        return False
    if not new_page and ln.top - prev.bottom > 1.2 * size:
        return False
    t = ln.text.lstrip()
    if re.match(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d))", t):
        return False
    return True


def _row_texts(part: TablePart, r: int) -> list[str]:
    return [re.sub(r"\s+", "", c.text) for c in part.cells if c.row == r]


def _continues(prev: TablePart, nxt: TablePart) -> bool:
    """Is `nxt` (first item of a page) the continuation of `prev` (last item of the page before)?"""
    if nxt.page != prev.page + 1:
        return False
    w = max(prev.x1 - prev.x0, nxt.x1 - nxt.x0)
    return abs(prev.x0 - nxt.x0) <= max(12.0, 0.03 * w) and abs(prev.x1 - nxt.x1) <= max(12.0, 0.03 * w)


# a cell whose text starts with its own number ("（六）", "2.", "三、") starts a new label
_ENUMERATED = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}\s*[.．、](?!\d))")


def _is_value_text(t: str) -> bool:
    t = re.sub(r"\s+", "", t)
    return bool(t) and bool(_VALUE_CHUNK.match(t))


def _emit_table(parts: list[TablePart], index: int, number) -> list[Block]:
    """Merge a table's page parts into rows of cells with spans, then blocks."""
    first = parts[0]
    cells: list[TCell] = [TCell(c.row, c.rowspan, c.x0, c.x1, c.text, c.page, c.top, 0, c.ocr) for c in first.cells]
    nrows = first.nrows
    for part in parts[1:]:
        pc = [TCell(c.row, c.rowspan, c.x0, c.x1, c.text, c.page, c.top, 0, c.ocr) for c in part.cells]
        # repeated header rows
        drop = 0
        for k in range(min(5, first.nrows - 1, part.nrows - 1), 0, -1):
            if all(_row_texts(first, r) == _row_texts(part, r) for r in range(k)) and any(
                    any(_row_texts(first, r)) for r in range(k)):
                drop = k
                break
        if drop:
            pc = [c for c in pc if c.row >= drop]
            for c in pc:
                c.row -= drop
        # a label cell cut by the page break continues in the first row
        last = nrows
        tol = 3.0
        for c in [c for c in pc if c.row == 0]:
            for a in cells:
                if a.row + a.rowspan != last or abs(a.x0 - c.x0) > tol or abs(a.x1 - c.x1) > tol:
                    continue
                if (a.rowspan > 1 or c.rowspan > 1) and not _is_value_text(a.text) and not _is_value_text(c.text) \
                        and not (a.text and _ENUMERATED.match(c.text)):
                    a.text = a.text + c.text
                    a.rowspan += c.rowspan
                    c.row = -1  # absorbed
                break
        pc = [c for c in pc if c.row >= 0]
        for c in pc:
            c.row += nrows
        cells.extend(pc)
        nrows += max(0, part.nrows - drop)
    # columns from where cells start; spans from the boundaries a cell covers
    bounds = _cluster([c.x0 for c in cells], 3.0)
    rows_used = sorted({c.row for c in cells})
    by_row: dict[int, list] = {}
    for c in cells:
        col = _nearest(bounds, c.x0)
        span = max(1, bisect_left(bounds, c.x1 - 3.0) - col)
        r = bisect_left(rows_used, c.row)
        rspan = max(1, bisect_left(rows_used, c.row + c.rowspan) - r)
        by_row.setdefault(r, []).append((col, span, rspan, c))
    blocks = []
    for r in sorted(by_row):
        row = sorted(by_row[r], key=lambda x: x[0])
        line_of_row = None
        for col, span, rspan, c in row:
            if c.text:
                line_of_row = number(c.page, c.top)
                break
        out = []
        for col, span, rspan, c in row:
            ln = number(c.page, c.top) if c.text else (line_of_row if line_of_row is not None else number(c.page, c.top))
            out.append(Cell(c.text, Location(line=ln, page=c.page, via="ocr" if c.ocr else None), span, rspan))
        blocks.append(Block("row", tuple(out), index))
    return blocks
