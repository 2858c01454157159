"""PDF -> Document.

What a page gives is glyphs with boxes and the ruling lines drawn on it; everything
else is rebuilt here:

* **Glyphs and rulings come from PDFium** (pypdfium2): one pass over the text page for
  characters and their boxes, one pass over the page objects for paths and images.
  This is an order of magnitude faster than pdfminer/pdfplumber, which stays available
  as a second engine (`engine="pdfplumber"`, and the fallback when PDFium refuses a file).
  The per-glyph and per-object calls (thousands a page) are made by a small C module
  where the install built it (`_pdfloops.c`, given the addresses of the PDFium functions
  pypdfium2 loaded), else through ctypes: the same calls, the same output. The same
  module holds the layout's hottest loops (grouping glyphs into lines, placing them in
  ruled cells, a one-line cell's text, merging rulings, clustering grid levels), which
  answer None where their input is not plain tuples of finite floats; Python does the
  rest, and all of it where the module is not built. This module itself is compiled as a
  twin (parsers.twins). On a generated report's page the layout takes about 0.63 ms of
  CPU (1.25 as Python alone), reading glyphs and rulings 2.0 ms, PDFium's own text
  extraction 1.45 ms (benchmarks/parse_forms.py).
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
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import compress, islice, repeat
from operator import attrgetter, eq, itemgetter, le, not_, sub

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
    return u < 32 or 0xE000 <= u <= 0xF8FF or 0xD800 <= u <= 0xDFFF or u in (0xFFFD, 0xFFFF) or u >= 0xF0000


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


class _FastApi:
    """The PDFium calls of the per-glyph and per-object loops, bound without argtypes.

    These loops make thousands of calls per page, and ctypes' per-argument conversion
    (argtypes) and pointer results cost more than the C functions themselves. Every
    argument passed to these is already a ctypes object of the C type (handles as
    c_void_p, outputs as byref() or pointer(); indices are Python ints for C `int`, and
    c_ulong for FPDFFormObj_GetObject), so the calls are the same C calls. Results that
    are handles come back as a c_void_p subclass (which ctypes returns as is) and go
    straight into the next call. Only for use with such arguments: a bare int where a
    pointer is expected would be passed as a C int."""

    _NAMES = {
        "count_objects": "FPDFPage_CountObjects",
        "get_object": "FPDFPage_GetObject",
        "obj_type": "FPDFPageObj_GetType",
        "obj_bounds": "FPDFPageObj_GetBounds",
        "draw_mode": "FPDFPath_GetDrawMode",
        "stroke_color": "FPDFPageObj_GetStrokeColor",
        "fill_color": "FPDFPageObj_GetFillColor",
        "count_segments": "FPDFPath_CountSegments",
        "obj_matrix": "FPDFPageObj_GetMatrix",
        "path_segment": "FPDFPath_GetPathSegment",
        "segment_point": "FPDFPathSegment_GetPoint",
        "segment_type": "FPDFPathSegment_GetType",
        "segment_close": "FPDFPathSegment_GetClose",
        "form_count": "FPDFFormObj_CountObjects",
        "form_object": "FPDFFormObj_GetObject",  # its index is an unsigned long: pass c_ulong
        "loose_char_box": "FPDFText_GetLooseCharBox",
        "char_box": "FPDFText_GetCharBox",
        "map_error": "FPDFText_HasUnicodeMapError",
    }

    def __init__(self):
        import ctypes

        import pypdfium2.raw as R

        vp = ctypes.c_void_p

        class Handle(vp):
            pass

        for attr, name in self._NAMES.items():
            fn = getattr(R, name)
            res = fn.restype
            if isinstance(res, type) and issubclass(res, (ctypes._Pointer, vp)):
                res = Handle
            elif res not in (ctypes.c_int, ctypes.c_uint, ctypes.c_ulong):
                raise TypeError(f"{name}: unexpected result type {res}")
            f = ctypes.CFUNCTYPE(res)(ctypes.cast(fn, vp).value)
            f.argtypes = None
            setattr(self, attr, f)
        self.Handle = Handle  # a handle from its address (an int), for these calls
        # the functions' addresses, for the C loops (_native_loops)
        self.addr = {attr: ctypes.cast(getattr(R, name), vp).value for attr, name in self._NAMES.items()}


_FAST_API: list = []


def _same(x):
    return x


_NATIVE: list = []


def _native_loops():
    """The C loops (parsers/readers/_pdfloops.c) where the install built them and the fast
    bindings exist (they give the functions' addresses), else None: then the same PDFium
    calls are made through ctypes, as with XXGK_PURE=1 (everything as Python, see
    parsers.twins). A module that is there but fails to load raises; one built from an
    older _pdfloops.c (its API is not _LOOPS_API) is passed over with a warning to rebuild it."""
    if not _NATIVE:
        from ..twins import c_module

        mod = None
        if _fast_api() is not None:
            mod = c_module(f"{__package__}._pdfloops", _LOOPS_API, "PDF reading uses ctypes (slower)")
        _NATIVE.append(mod)
    return _NATIVE[0]


_LOOPS_API = 3  # the version of _pdfloops.c's functions this file calls (PDFLOOPS_API there)


def _fast_api():
    """The shared _FastApi, or None where it cannot be built (the plain bindings are used then)."""
    if not _FAST_API:
        try:
            _FAST_API.append(_FastApi())
        except Exception:  # pragma: no cover - depends on the ctypes build
            _FAST_API.append(None)
    return _FAST_API[0]


@dataclass(frozen=True)
class _ObjectCalls:
    """The PDFium calls that walk a page's objects: _FastApi's, or pypdfium2's own bindings."""

    handle: object  # page.raw -> the page handle the calls take
    count_objects: object
    get_object: object
    obj_type: object
    obj_bounds: object
    draw_mode: object
    stroke_color: object
    fill_color: object
    count_segments: object
    obj_matrix: object
    path_segment: object
    segment_point: object
    segment_type: object
    segment_close: object
    form_count: object
    form_object: object  # (form, index) with a Python int index


def _object_calls(R, ctypes) -> _ObjectCalls:
    api = _fast_api()
    if api is None:
        return _ObjectCalls(
            lambda raw: raw,
            R.FPDFPage_CountObjects,
            R.FPDFPage_GetObject,
            R.FPDFPageObj_GetType,
            R.FPDFPageObj_GetBounds,
            R.FPDFPath_GetDrawMode,
            R.FPDFPageObj_GetStrokeColor,
            R.FPDFPageObj_GetFillColor,
            R.FPDFPath_CountSegments,
            R.FPDFPageObj_GetMatrix,
            R.FPDFPath_GetPathSegment,
            R.FPDFPathSegment_GetPoint,
            R.FPDFPathSegment_GetType,
            R.FPDFPathSegment_GetClose,
            R.FPDFFormObj_CountObjects,
            R.FPDFFormObj_GetObject,
        )

    def form_object(obj, i, _get=api.form_object, _ulong=ctypes.c_ulong):
        return _get(obj, _ulong(i))

    return _ObjectCalls(
        lambda raw: ctypes.cast(raw, ctypes.c_void_p),
        api.count_objects,
        api.get_object,
        api.obj_type,
        api.obj_bounds,
        api.draw_mode,
        api.stroke_color,
        api.fill_color,
        api.count_segments,
        api.obj_matrix,
        api.path_segment,
        api.segment_point,
        api.segment_type,
        api.segment_close,
        api.form_count,
        form_object,
    )


class _ObjectWalk:
    """One page's objects, form XObjects included, read for what the layout needs: rulings
    from drawn paths (rp.hsegs, rp.vsegs), the share of the page images cover
    (rp.image_cover), and whether text objects have no size (rp.font_missing: a font
    without glyphs). Objects and their types are read in bulk; text objects (often one per
    character) are only counted. PDFium writes its outputs into ctypes arrays made once here
    and read at once with [:], through typed pointers to their items."""

    TEXT_CHECKED = 24  # text objects looked at for a font without glyphs

    def __init__(self, calls: _ObjectCalls, R, ctypes):
        self.c = calls

        def item_pointers(arr, ctype):
            return [ctypes.pointer(ctype.from_buffer(arr, k * ctypes.sizeof(ctype))) for k in range(len(arr))]

        self.fbox = (ctypes.c_float * 4)()  # l, b, r, t
        self.fbox_refs = tuple(item_pointers(self.fbox, ctypes.c_float))
        self.fbox_bytes = memoryview(self.fbox).cast("B").tobytes
        self.modes = (ctypes.c_int * 2)()  # fill mode, stroke
        self.mode_refs = tuple(item_pointers(self.modes, ctypes.c_int))
        self.mode_bytes = memoryview(self.modes).cast("B").tobytes
        self.col = (ctypes.c_uint * 4)()  # r, g, b, a
        self.col_refs = tuple(item_pointers(self.col, ctypes.c_uint))
        self.col_bytes = memoryview(self.col).cast("B").tobytes
        self.px, self.py = ctypes.c_float(), ctypes.c_float()
        self.pxref, self.pyref = ctypes.byref(self.px), ctypes.byref(self.py)
        self.mat = R.FS_MATRIX()
        self.matref = ctypes.byref(self.mat)
        self.PATH, self.IMAGE, self.FORM, self.TEXT = (
            R.FPDF_PAGEOBJ_PATH,
            R.FPDF_PAGEOBJ_IMAGE,
            R.FPDF_PAGEOBJ_FORM,
            R.FPDF_PAGEOBJ_TEXT,
        )
        self.MOVETO, self.LINETO = R.FPDF_SEGMENT_MOVETO, R.FPDF_SEGMENT_LINETO
        api = _fast_api()
        self.native = _native_loops() if api is not None else None  # the C loops, or None
        self.addr = api.addr if api is not None else {}
        self.wrap = api.Handle if self.native is not None else _same

    def start(self, rp: RawPage, box, rot: int | None, left: float, top: float) -> None:
        """Set up for the objects of one page (the buffers above serve every page of a document)."""
        self.rp, self.box = rp, box
        self.fast = rot == 0  # display box = page box shifted (see _disp_box)
        self.left, self.top = left, top
        self.image_area = 0.0
        self.paths = 0
        self.texts = 0

    def run(self, count: int, praw) -> None:
        rp, TEXT, PATH, IMAGE, FORM = self.rp, self.TEXT, self.PATH, self.IMAGE, self.FORM
        wrap = self.wrap
        # stack of (count, in a form?, container, form matrix or None)
        stack = [(count, False, praw if self.native is None else praw.value, None)]
        depth = 0
        while stack and depth < 10_000:
            depth += 1
            count, in_form, container, fm = stack.pop()
            for start in range(0, count, 4096):  # in slices, to bound memory
                objs, types = self._slice(in_form, container, start, min(count, start + 4096))
                ntext = types.count(TEXT)
                if ntext:
                    if self.texts < self.TEXT_CHECKED and not rp.font_missing:
                        want = self.TEXT_CHECKED - self.texts
                        self._check_font(list(map(wrap, islice(compress(objs, map(eq, types, repeat(TEXT))), want))))
                    self.texts += ntext
                    if ntext == len(objs):
                        continue
                npath = types.count(PATH)
                if npath:
                    self._paths(objs if npath == len(objs) else list(compress(objs, map(eq, types, repeat(PATH)))), fm)
                    if npath + ntext == len(objs):
                        continue
                for obj, ty in zip(objs, types):
                    if ty == IMAGE:
                        self._image(wrap(obj), fm)
                    elif ty == FORM:
                        form = wrap(obj)
                        stack.append((self.c.form_count(form), True, obj, self._matrix(form, fm)))
        if self.paths > MAX_PATHS_PER_PAGE:
            rp.notes.append(
                (
                    "PATHS_CAPPED",
                    f"page {rp.number}: {self.paths} drawn paths, only the first {MAX_PATHS_PER_PAGE} were looked at for table rulings",
                )
            )
        rp.image_cover = min(1.0, self.image_area / (rp.width * rp.height or 1.0))

    def _slice(self, in_form: bool, container, start: int, stop: int) -> tuple[list, list]:
        """The objects start..stop-1 of the page or of a form XObject, and their types: as
        handles through ctypes (map() keeps the loop over the C calls in C), or as
        addresses (ints) from the C loops, which self.wrap turns into handles."""
        native = self.native
        if native is not None:
            a = self.addr
            get = a["form_object"] if in_form else a["get_object"]
            hb, tb = native.objects(get, a["obj_type"], container, start, stop, in_form)
            handles, types = array("Q"), array("i")
            handles.frombytes(hb)
            types.frombytes(tb)
            return handles.tolist(), types.tolist()
        getter = self.c.form_object if in_form else self.c.get_object
        objs = list(map(getter, repeat(container), range(start, stop)))
        return objs, list(map(self.c.obj_type, objs))

    def _check_font(self, text_objs: list) -> None:
        """A font without glyphs gives text objects no height (and single characters no
        width: PDFium's text page drops those): the first text objects tell."""
        for obj in text_objs[: self.TEXT_CHECKED - self.texts]:
            l, b, r, t = self._bounds(obj)
            if r - l < 0.01 or t - b < 0.01:
                self.rp.font_missing = True
                break

    def _bounds(self, obj) -> tuple[float, float, float, float]:
        self.c.obj_bounds(obj, *self.fbox_refs)
        l, b, r, t = self.fbox[:]
        return l, b, r, t

    def _matrix(self, obj, fm) -> tuple:
        """The object's matrix, within its form's matrix `fm` (None on the page itself)."""
        self.c.obj_matrix(obj, self.matref)
        mat = self.mat
        m = (mat.a, mat.b, mat.c, mat.d, mat.e, mat.f)
        return m if fm is None else _mul(m, fm)

    def _paths(self, objs: list, fm) -> None:
        """Rulings from path objects (those within MAX_PATHS_PER_PAGE of the page).

        A table page has hundreds of paths, and the Python steps around each C call cost
        more than the call: so each PDFium call is made for the whole list at once (a list
        comprehension whose outputs, written into one ctypes buffer, are collected as bytes
        and read back at once), and only the paths still in play go on to the next call.
        A path counts when it is stroked or filled in a visible colour (not transparent,
        not white); a line or rectangle (up to 5 segments) is read from its bounds, a longer
        path segment by segment (see _subpaths). _pdfloops.rulings() decides the same in C
        on an unrotated page outside forms (keep the two alike: tests/test_readers_pdf.py
        compares them); elsewhere the C loops' objects (addresses) are made handles for
        the calls below."""
        room = MAX_PATHS_PER_PAGE - self.paths
        self.paths += len(objs)
        if room <= 0:
            return
        if len(objs) > room:
            objs = objs[:room]
        if self.native is not None:
            if fm is None and self.fast:
                self._native_paths(objs)
                return
            objs = list(map(self.wrap, objs))
        c = self.c
        m0, m1 = self.mode_refs
        draw_mode, mode_bytes = c.draw_mode, self.mode_bytes
        modes = array("i")
        modes.frombytes(b"".join([mode_bytes() for o in objs if draw_mode(o, m0, m1) is not None]))
        mv = modes.tolist()
        fills, strokes = mv[0::2], mv[1::2]
        # inked: stroked, or filled when not stroked; the colour that shows is asked for
        ink = [k for k in range(len(objs)) if strokes[k] or fills[k]]
        if not ink:
            return
        q0, q1, q2, q3 = self.col_refs
        sc, fc, col_bytes = c.stroke_color, c.fill_color, self.col_bytes
        cols = array("I")
        cols.frombytes(
            b"".join([col_bytes() for k in ink if (sc if strokes[k] else fc)(objs[k], q0, q1, q2, q3) is not None])
        )
        cl = cols.tolist()
        # invisible (transparent) or white: no ruling
        vis = [
            k
            for k, r, g, b, a in zip(ink, cl[0::4], cl[1::4], cl[2::4], cl[3::4])
            if a != 0 and not (r > 235 and g > 235 and b > 235)
        ]
        count_segments = c.count_segments
        nsegs = list(map(count_segments, map(objs.__getitem__, vis)))
        f0, f1, f2, f3 = self.fbox_refs
        obj_bounds, box_bytes = c.obj_bounds, self.fbox_bytes
        fb = array("f")
        fb.frombytes(
            b"".join(
                [
                    box_bytes()
                    for k, ns in zip(vis, nsegs)
                    if ns <= 5 and obj_bounds(objs[k], f0, f1, f2, f3) is not None
                ]
            )
        )
        bl = fb.tolist()
        boxes = list(zip(bl[0::4], bl[1::4], bl[2::4], bl[3::4]))  # (l, b, r, t) of each short path
        rp, fast, left, top, box = self.rp, self.fast, self.left, self.top, self.box
        hadd, vadd = rp.hsegs.append, rp.vsegs.append
        q = 0
        for k, nseg in zip(vis, nsegs):
            stroked = strokes[k] != 0
            if nseg > 5:
                if nseg <= MAX_SEGMENTS_PER_PATH:
                    for pts, closed in self._subpaths(objs[k], fm, nseg):
                        _PdfiumSource._poly_edges(rp, box, pts, closed, stroked)
                continue
            l, b, r, t = boxes[q]
            q += 1
            if fm is not None:
                l, b, r, t = _apply_box(fm, l, b, r, t)
            if fast:
                x0, y0, x1, y1 = l - left, top - t, r - left, top - b
            else:
                x0, y0, x1, y1 = box(l, b, r, t)
            # as _PdfiumSource._rect_edges
            w, h = x1 - x0, y1 - y0
            if h <= 3.0 and w > h:
                hadd(((y0 + y1) / 2, x0, x1))
            elif w <= 3.0 and h > w:
                vadd(((x0 + x1) / 2, y0, y1))
            elif stroked and nseg >= 3:  # an outlined rectangle: four rulings
                hadd((y0, x0, x1))
                hadd((y1, x0, x1))
                vadd((x0, y0, y1))
                vadd((x1, y0, y1))
            # a filled, unstroked box (cell or line background) is no ruling

    def _native_paths(self, objs: list) -> None:
        """_paths() for paths on an unrotated page outside any form, in C (_pdfloops.rulings);
        a path of more than 5 segments comes back here at its turn."""
        rp, box, wrap = self.rp, self.box, self.wrap

        def long_path(k: int, nseg: int, stroked: int) -> None:
            if nseg <= MAX_SEGMENTS_PER_PATH:
                for pts, closed in self._subpaths(wrap(objs[k]), None, nseg):
                    _PdfiumSource._poly_edges(rp, box, pts, closed, stroked)

        a = self.addr
        self.native.rulings(
            a["draw_mode"],
            a["stroke_color"],
            a["fill_color"],
            a["count_segments"],
            a["obj_bounds"],
            array("Q", objs).tobytes(),
            self.left,
            self.top,
            rp.hsegs,
            rp.vsegs,
            long_path,
        )

    def _subpaths(self, obj, fm, nseg: int) -> list[tuple[list, bool]]:
        """A path's straight runs as (points in page space, closed); a curve breaks a run."""
        c, px, py, pxref, pyref = self.c, self.px, self.py, self.pxref, self.pyref
        m = self._matrix(obj, fm)
        subpaths: list[list] = []
        closed: list[bool] = []
        for k in range(nseg):
            seg = c.path_segment(obj, k)
            c.segment_point(seg, pxref, pyref)
            x, y = px.value, py.value
            x, y = m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]
            st = c.segment_type(seg)
            if st == self.MOVETO or not subpaths:
                subpaths.append([(x, y)])
                closed.append(False)
            elif st == self.LINETO:
                subpaths[-1].append((x, y))
            else:  # bezier: a curve is no ruling; break the run
                subpaths.append([(x, y)])
                closed.append(False)
            if c.segment_close(seg):
                closed[-1] = True
        return list(zip(subpaths, closed))

    def _image(self, obj, fm) -> None:
        l, b, r, t = self._bounds(obj)
        if fm is not None:
            l, b, r, t = _apply_box(fm, l, b, r, t)
        x0, y0, x1, y1 = self.box(l, b, r, t)
        x0, x1 = max(0.0, x0), min(self.rp.width, x1)
        y0, y1 = max(0.0, y0), min(self.rp.height, y1)
        if x1 > x0 and y1 > y0:
            self.image_area += (x1 - x0) * (y1 - y0)


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
            native = _native_loops()
            if len(rp.glyphs) < 20:
                rp.line_groups = _group_lines(rp.glyphs)
                scan = True
            elif native is not None and (groups := native.lines(rp.glyphs)) is not None:
                # every line at once in C (a fraction of what the first few cost in Python)
                rp.line_groups = groups
                scan = _may_have_table(groups, rp.height)
            else:  # group lines only as far as needed to tell (the layout groups the rest)
                seen: list = []
                whole: list = []

                def lines():
                    for ln in _iter_lines(rp.glyphs):
                        seen.append(ln)
                        yield ln
                    whole.append(True)

                scan = _may_have_table(lines(), rp.height)
                rp.line_groups = seen if whole else None
            if scan:
                missing = rp.font_missing
                self._objects(page, rp, box, R, ctypes, rot, left, top)
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
                rp.notes.append(
                    (
                        "GLYPHS_CAPPED",
                        f"page {rp.number}: {n} characters, only the first {MAX_GLYPHS_PER_PAGE} were read",
                    )
                )
                n = MAX_GLYPHS_PER_PAGE
            if n <= 0:
                return
            get_u = R.FPDFText_GetUnicode
            # the whole text in one call; per-character calls only if it does not line up
            text = tp.get_text_range(0, n)
            if len(text) != n or any(ord(text[i]) != get_u(raw, i) for i in range(0, n, 37)):
                text = None
                codes = [get_u(raw, i) for i in range(n)]
            else:
                codes = list(map(ord, text))
            api = _fast_api()
            if api is not None:
                traw = ctypes.cast(raw, ctypes.c_void_p)
                get_box, map_err, char_box = api.loose_char_box, api.map_error, api.char_box
            else:
                traw = raw
                get_box, map_err, char_box = (
                    R.FPDFText_GetLooseCharBox,
                    R.FPDFText_HasUnicodeMapError,
                    R.FPDFText_GetCharBox,
                )
            rect = R.FS_RECTF()  # left, top, right, bottom: four floats
            ref = ctypes.byref(rect)
            fl = (ctypes.c_float * 4).from_buffer(rect)
            skip = _SKIP_CODES
            # text page index of each glyph (map and compress keep the loop in C)
            keep = list(compress(range(n), map(not_, map(skip.__contains__, codes))))
            if text is None:  # one character per code (codes beyond Unicode are undecodable, below)
                text = "".join([chr(u) if u <= 0x10FFFF else BAD for u in codes])
            native = _native_loops() if api is not None else None
            if native is not None and rot == 0:
                out, kept, hts = native.glyphs(
                    api.addr["loose_char_box"], traw.value, text, array("i", keep).tobytes(), left, top
                )
                ka = array("i")
                ka.frombytes(kept)
                keep = ka.tolist()
            else:
                keep, out, hts = _boxed_glyphs(
                    native, api, traw, (get_box, rect, ref), text, keep, (rot, box, left, top)
                )
            if not keep:
                return
            fast = rot == 0
            # a glyph without a Unicode mapping: checked where a wrong character would
            # do harm (digits, and anything outside CJK and Latin letters); a page of
            # wrongly mapped ideographs is caught as a whole by _mojibake()
            us = list(map(codes.__getitem__, keep))
            check = [k for k, u in enumerate(us) if not (0x3000 <= u < 0xD800 or 57 < u < 0x7F or 32 <= u < 48)]
            if check:  # mostly digits: their map errors asked at once
                ask = [k for k in check if 48 <= (u := us[k]) <= 57 or 0x7F <= u < 0x3000]
                if native is not None:
                    errs = array("i")
                    errs.frombytes(
                        native.int_calls(
                            api.addr["map_error"], traw.value, array("i", [keep[k] for k in ask]).tobytes()
                        )
                    )
                    mapped = set(compress(ask, map(eq, errs, repeat(1))))
                else:
                    mapped = {k for k in ask if map_err(traw, keep[k]) == 1}
                bad = [k for k in check if (u := us[k]) < 32 or u >= 0xD800 and _is_bad_code(u) or k in mapped]
                for k in bad:
                    out[k] = (BAD,) + out[k][1:5] + (True,)
                bad_set = set(bad)
                for k in check:  # radicals, compatibility ideographs
                    if (0x2E80 <= us[k] <= 0x2FDF or 0xF900 <= us[k] <= 0xFAFF) and k not in bad_set:
                        out[k] = (unicodedata.normalize("NFKC", out[k][0]),) + out[k][1:]
            tl, tr, tb, tt = (ctypes.c_double() for _ in range(4))
            trefs = (ctypes.byref(tl), ctypes.byref(tr), ctypes.byref(tb), ctypes.byref(tt))
            # A CJK font that is neither embedded nor installed has no glyph outlines:
            # its characters have empty ink boxes, and PDFium silently drops every text
            # object of one such character. Sample a few ideographs to notice.
            cjk = list(compress(keep, map(le, repeat(0x2E80), us)))
            for i in cjk[:: max(1, len(cjk) // 24)][:25]:
                char_box(traw, i, *trefs)
                if tr.value - tl.value < 0.01 and tt.value - tb.value < 0.01:
                    rp.font_missing = True
                    break
            # PDFium's loose box is sometimes far too big (seen with WPS's vertical
            # one-character-per-line labels): rebuild those around the glyph's ink
            med = sorted(hts)[len(hts) // 2]
            lim = 3 * med + 6
            if max(hts) > lim:
                for k, h in enumerate(hts):
                    if h <= lim:
                        continue
                    i = keep[k]
                    get_box(traw, i, ref)
                    l, t, r, b = fl[:]
                    if (r - l) > lim and (t - b) > lim:
                        char_box(traw, i, *trefs)
                        cx, cy = (tl.value + tr.value) / 2, (tb.value + tt.value) / 2
                        hw = max(tr.value - tl.value, 0.5 * med) / 2
                        l, r, b, t = cx - hw, cx + hw, cy - med / 2, cy + med / 2
                        g = out[k]
                        if fast:
                            out[k] = (g[0], l - left, top - t, r - left, top - b, g[5])
                        else:
                            x0, y0, x1, y1 = box(l, b, r, t)
                            out[k] = (g[0], x0, y0, x1, y1, g[5])
            rp.glyphs.extend(out)
        finally:
            tp.close()

    def _objects(self, page, rp: RawPage, box, R, ctypes, rot: int | None = None, left: float = 0.0, top: float = 0.0):
        """The page's drawn objects: table rulings, the share covered by images, and a
        font without glyphs (see _ObjectWalk)."""
        if self._walk is None:
            self._walk = _ObjectWalk(_object_calls(R, ctypes), R, ctypes)
        walk = self._walk
        walk.start(rp, box, rot, left, top)
        praw = walk.c.handle(page.raw)
        walk.run(walk.c.count_objects(praw), praw)

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
    _walk: _ObjectWalk | None = None  # made for the first page with objects to walk

    def _glyphs_elsewhere(self, rp: RawPage, index: int, rot: int) -> None:
        """The page's characters through pdfminer, which needs no glyph outlines."""
        if rot != 0:
            rp.notes.append(
                (
                    "MISSING_FONT",
                    f"page {rp.number}: a font is neither embedded nor installed; some characters may be missing (install a CJK font, e.g. fonts-wqy-microhei)",
                )
            )
            return
        try:
            if self._plumber is None:
                self._plumber = _PlumberSource(self._data)
            alt = self._plumber.page(index, glyphs_only=True)
        except Exception:
            rp.notes.append(
                (
                    "MISSING_FONT",
                    f"page {rp.number}: a font is neither embedded nor installed; some characters may be missing (install a CJK font, e.g. fonts-wqy-microhei)",
                )
            )
            return
        dx = (rp.width - alt.width) / 2 if abs(rp.width - alt.width) > 1 else 0.0
        rp.glyphs = [(g[0], g[1] + dx, g[2], g[3] + dx, g[4], g[5]) for g in alt.glyphs]

    def render(self, index: int, scale: float):
        page = self.doc[index]
        try:
            return page.render(scale=scale).to_pil()
        finally:
            page.close()


def _boxed_glyphs(native, api, traw, fetch: tuple, text: str, keep: list, place: tuple) -> tuple[list, list, list]:
    """The characters of text page indices `keep` that have a box (a loose box of no area
    is no glyph): (the indices kept, their glyphs (char, x0, top, x1, bottom, False) in
    display space, each loose box's height in page space). The boxes are read by the C
    loops when built, else get_box() fills `rect` for each, whose bytes are collected and
    read back as floats at once (columns l, t, r, b in page space). native.glyphs() makes
    all of this in C for an unrotated page."""
    get_box, rect, ref = fetch
    rot, box, left, top = place
    floats = array("f")
    if native is not None:
        floats.frombytes(native.char_boxes(api.addr["loose_char_box"], traw.value, array("i", keep).tobytes()))
    else:
        rect_bytes = memoryview(rect).cast("B").tobytes
        floats.frombytes(b"".join([rect_bytes() for i in keep if get_box(traw, i, ref) is not None]))
    vals = floats.tolist()
    L, T, Rt, B = vals[0::4], vals[1::4], vals[2::4], vals[3::4]
    if any(map(le, Rt, L)) or any(map(le, T, B)):  # empty boxes (r <= l or t <= b): no glyph
        ok = [not (r <= l or t <= b) for l, t, r, b in zip(L, T, Rt, B)]
        keep, L, T, Rt, B = ([v for v, k in zip(col, ok) if k] for col in (keep, L, T, Rt, B))
    if rot == 0:
        out = [(text[i], l - left, top - t, r - left, top - b, False) for i, l, t, r, b in zip(keep, L, T, Rt, B)]
    else:
        out = [(text[i], *box(l, b, r, t), False) for i, l, t, r, b in zip(keep, L, T, Rt, B)]
    return keep, out, list(map(sub, T, B))


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
            rp.notes.append(
                (
                    "GLYPHS_CAPPED",
                    f"page {rp.number}: {len(chars)} characters, only the first {MAX_GLYPHS_PER_PAGE} were read",
                )
            )
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
            rp.notes.append(
                (
                    "PATHS_CAPPED",
                    f"page {rp.number}: too many drawn paths, only the first {MAX_PATHS_PER_PAGE} were looked at",
                )
            )
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
    if len(glyphs) <= 1:
        return [list(glyphs)] if glyphs else []
    native = _native_loops()
    if native is not None and (lines := native.lines(glyphs)) is not None:  # _iter_lines() in C
        return lines
    return list(_iter_lines(glyphs))


def _iter_lines(glyphs: list):
    """The lines of _group_lines(), top to bottom, one at a time."""
    if not glyphs:
        return
    dec = [(g[2] + g[4], g[1], g) for g in glyphs]  # 2 x centre y
    dec.sort()
    it = iter(dec)
    c2, x, g = next(it)  # c2: running mean of 2 x centre y
    cur = [(x, g)]
    hmin = g[4] - g[2]
    n = 1
    for gc2, x, g in it:
        gh = g[4] - g[2]
        if gc2 - c2 <= 0.9 * (hmin if hmin < gh else gh):
            cur.append((x, g))
            n += 1
            c2 += (gc2 - c2) / n
            if gh < hmin:
                hmin = gh
        else:
            if n > 1:
                cur.sort()
            yield [x[1] for x in cur]
            cur, c2, hmin, n = [(x, g)], gc2, gh, 1
    if n > 1:
        cur.sort()
    yield [x[1] for x in cur]


def _may_have_table(groups, height: float) -> bool:
    """Could this page hold a table? Prose pages (every line starting at the margin or a
    paragraph indent, no wide gaps inside a line) are spared the scan for rulings.
    `groups` may be an iterator of lines: it is read no further than a line with a gap."""
    lo, hi = 0.08 * height, 0.92 * height  # page numbers and running heads do not count
    inband = []
    for ln in groups:
        g0 = ln[0]
        if not (g0[4] > lo and g0[2] < hi):
            continue
        inband.append(ln)
        size = g0[4] - g0[2]
        prev_x1 = g0[3]
        for g in ln[1:]:
            if g[1] - prev_x1 > size:  # a wide gap inside the line
                return True
            prev_x1 = g[3]
    if not inband:
        return True
    left = min(ln[0][1] for ln in inband)
    for ln in inband:
        g0 = ln[0]
        if g0[1] > left + 3.5 * (g0[4] - g0[2]):  # a line starting well right of the margin
            return True
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
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFF0F
        or 0x3400 <= o <= 0x4DBF
        or o in (0x201C, 0x201D, 0xFF1A, 0xFF1B, 0xFF1F)
    )


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
    kept = _dedupe(glyphs)
    heights = [g[4] - g[2] for g in kept]
    heights.sort()
    size = heights[len(heights) // 2]
    big = chunk_gap * size
    small = 0.22 * size
    chars: list[str] = []
    add = chars.append
    chunks: list = []
    chunk_start = 0
    chunk_x0 = g0[1]
    top, bottom = g0[2], g0[4]
    prev_x1 = prev_ch = None
    for ch, x0, t, x1, b, bad in kept:
        if bad:  # an undecoded glyph: the numbers it touches are masked
            return _line_of_marked(glyphs, chunk_gap)
        if prev_x1 is not None:
            gap = x0 - prev_x1
            if gap > small:
                if gap > big:
                    chunks.append(("".join(chars[chunk_start:]), chunk_x0, prev_x1))
                    add(" ")
                    chunk_start = len(chars)
                    chunk_x0 = x0
                elif not (_is_cjk(prev_ch) and _is_cjk(ch)):
                    add(" ")
        add(ch)
        if t < top:
            top = t
        if b > bottom:
            bottom = b
        prev_x1 = x1
        prev_ch = ch
    chunks.append(("".join(chars[chunk_start:]), chunk_x0, prev_x1))
    x1 = max(g[3] for g in kept[-3:])
    return Line("".join(chars), g0[1], top, x1, bottom, size, chunks, 0)


def _line_text(glyphs: list) -> tuple[str, float]:
    """(text, top) of _line_of(glyphs), without the chunks and the Line."""
    g0 = glyphs[0]
    if len(glyphs) == 1:
        return g0[0], g0[2]
    kept = _dedupe(glyphs)
    heights = [g[4] - g[2] for g in kept]
    heights.sort()
    size = heights[len(heights) // 2]
    big = 1.2 * size  # _line_of's default chunk_gap
    small = 0.22 * size
    chars: list[str] = []
    add = chars.append
    top = g0[2]
    prev_x1 = prev_ch = None
    for ch, x0, t, x1, _b, bad in kept:
        if bad:
            ln = _line_of_marked(glyphs, 1.2)
            return ln.text, ln.top
        if prev_x1 is not None:
            gap = x0 - prev_x1
            if gap > small and (gap > big or not (_is_cjk(prev_ch) and _is_cjk(ch))):
                add(" ")
        add(ch)
        if t < top:
            top = t
        prev_x1 = x1
        prev_ch = ch
    return "".join(chars), top


def _line_of_marked(glyphs: list, chunk_gap: float) -> Line:
    """_line_of() for a line with undecoded glyphs (marked with U+FFFD, see _mark_bad)."""
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
                    chunks.append(
                        (
                            _mark_bad(chars[chunk_start:], bad[chunk_start:]) if nbad else "".join(chars[chunk_start:]),
                            chunk_x0,
                            prev[3],
                        )
                    )
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
        out.append(
            Line(
                " ".join(p[0] for p in parts),
                ln[0][1],
                min(b[2] for b in ln),
                max(b[3] for b in ln),
                max(b[4] for b in ln),
                size,
                parts,
                0,
                True,
            )
        )
    return out


def _cell_text(glyphs: list) -> tuple[str, float | None, list[float]]:
    """Text of a table cell: its lines joined by "" (CJK labels wrap mid-word)."""
    if not glyphs:
        return "", None, []
    g0 = glyphs[0]
    if len(glyphs) == 1:  # as _line_of() of the one glyph
        return g0[0].strip(), g0[2], [g0[2]]
    c2s = [g[2] + g[4] for g in glyphs]  # 2 x centre y, as _iter_lines()
    if max(c2s) - min(c2s) < 0.9 * min([g[4] - g[2] for g in glyphs]) - 1e-6:
        # one line: _iter_lines() joins a glyph to the line when its centre is within 0.9
        # glyph heights of the line's mean centre, which holds for every glyph when all
        # centres lie closer than that (the margin covers the mean's rounding); the line's
        # glyphs are then in (x, glyph) order
        if not all(a[1] < b[1] for a, b in zip(glyphs, glyphs[1:])):
            glyphs = [g for _, g in sorted([(g[1], g) for g in glyphs])]
        text, top = _line_text(glyphs)
        return text.strip(), top, [top]
    groups = _group_lines(glyphs)
    if len(groups) == 1:
        text, top = _line_text(groups[0])
        return text.strip(), top, [top]
    lines = [_line_text(ln) for ln in groups]
    text = "".join([t.strip() for t, _ in lines])
    if BAD in text:
        text = re.sub(BAD + "+", BAD, text)
    return text, lines[0][1], [top for _, top in lines]


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
    """The means of the groups of values (sorted) whose neighbours lie within tol."""
    if not values:
        return []
    native = _native_loops()
    if native is not None and (means := native.cluster(values, tol)) is not None:  # the same in C
        return means
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
    native = _native_loops()
    if native is not None and (merged := native.merge_segments(segs, snap, join, -_INF, -_INF)) is not None:
        return merged  # the same in C
    # by position only (float keys sort much faster than tuples): a group's positions come
    # out in the same order whatever the order of ties, and its intervals are sorted below
    segs = sorted(segs, key=_first)
    ps = [s[0] for s in segs]
    # a group ends where the next position is more than `snap` further
    cuts = [k for k in range(1, len(ps)) if not ps[k] - ps[k - 1] <= snap]
    groups = [segs[a:b] for a, b in zip([0, *cuts], [*cuts, len(segs)])]
    out = []
    add = out.append
    for g in groups:
        if len(g) == 1:
            p, lo, hi = g[0]
            add((0.0 + p, lo, hi))  # as sum([p]) / 1
            continue
        pos = sum([s[0] for s in g]) / len(g)
        ivs = sorted([(s[1], s[2]) for s in g])
        lo, hi = ivs[0]
        for a, b in ivs[1:]:
            if a <= hi + join:
                if b > hi:
                    hi = b
            else:
                add((pos, lo, hi))
                lo, hi = a, b
        add((pos, lo, hi))
    return out


_INF = float("inf")


def _rulings(segs: list) -> list:
    """The rulings of a page in one direction: its segments at least 2 long, merged, and of
    those the ones at least 4 long (all in C where built)."""
    native = _native_loops()
    if native is not None and (merged := native.merge_segments(segs, 2.0, 2.0, 2.0, 4.0)) is not None:
        return merged
    return [s for s in _merge_segments([s for s in segs if s[2] - s[1] >= 2.0]) if s[2] - s[1] >= 4.0]


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


def _coverage(ivs: list, levels: list) -> list:
    """For each interval levels[k]..levels[k + 1], the drawn length that _covered() sums
    (None where the interval is empty)."""
    if not ivs:
        return [None if levels[k + 1] <= levels[k] else 0.0 for k in range(len(levels) - 1)]
    if len(ivs) == 1:  # the loop below for one interval (a ruling drawn in one piece)
        lo, hi = ivs[0]
        return [
            None if b <= a else (o if (o := (b if b < hi else hi) - (a if a > lo else lo)) > 0 else 0.0)
            for a, b in zip(levels, levels[1:])
        ]
    # each drawn interval adds to the grid intervals it can overlap (found by bisection:
    # levels are sorted), in the order of `ivs`, as _covered() sums them
    out = [None if b <= a else 0.0 for a, b in zip(levels, levels[1:])]
    m = len(out)
    for lo, hi in ivs:
        k = bisect_right(levels, lo) - 1
        if k < 0:
            k = 0
        end = bisect_left(levels, hi)
        if end > m:
            end = m
        while k < end:
            a, b = levels[k], levels[k + 1]
            o = (b if b < hi else hi) - (a if a > lo else lo)  # min(hi, b) - max(lo, a)
            if o > 0:  # never for an empty interval (None)
                out[k] += o
            k += 1
    return out


def _drawn(cov: list, widths: list, share: float) -> list[bool]:
    """[_covered(ivs, levels[k], levels[k + 1], share) for each k], from cov = _coverage(ivs, levels)
    and widths[k] = levels[k + 1] - levels[k]."""
    return [t is not None and t >= share * w for t, w in zip(cov, widths)]


def _lattice(rp: RawPage, notes: list) -> tuple[list[TablePart], list]:
    """Ruled tables of a page, and the glyphs that are in none of their cells."""
    tol = 3.0
    hs, vs = _rulings(rp.hsegs), _rulings(rp.vsegs)
    if len(hs) < 2 or len(vs) < 2:
        return [], rp.glyphs
    if len(hs) * len(vs) > 4_000_000:
        notes.append(("TOO_MANY_RULINGS", f"page {rp.number}: too many ruling lines to rebuild tables from"))
        return [], rp.glyphs
    comps = _components(hs, vs, tol)
    parts: list = []
    for ch, cv in comps:
        if len(ch) < 2 or len(cv) < 2:
            continue
        part = _grid(rp, ch, cv, tol)
        if part is not None:
            parts.append(part)
    if not parts:
        return [], rp.glyphs
    leftover = _assign_glyphs(rp.glyphs, parts)
    done = []
    for part in parts:
        p = part._finish()  # type: ignore[attr-defined]
        if p is None:
            leftover.extend(part._glyphs_all())  # type: ignore[attr-defined]
        else:
            done.append(p)
    return done, leftover


def _components(hs: list, vs: list, tol: float) -> list[tuple[list, list]]:
    """The groups of rulings that cross or touch (within tol), each as (its horizontal
    rulings, its vertical rulings) in input order; groups in the order of their first
    horizontal ruling, then groups of vertical rulings alone. A walk over the crossings
    (built in one pass, vertical rulings sorted by x) rather than a union-find: one list
    append per crossing instead of two finds."""
    nh = len(hs)
    vs_sorted = sorted(range(len(vs)), key=lambda j: vs[j][0])
    vxs = [vs[j][0] for j in vs_sorted]
    vspans = [(vs[j][1] - tol, vs[j][2] + tol, nh + j) for j in vs_sorted]  # in vxs order
    adj: list[list] = [[] for _ in range(nh + len(vs))]
    for i, (y, x0, x1) in enumerate(hs):
        touch = [jj for y0, y1, jj in vspans[bisect_left(vxs, x0 - tol) : bisect_right(vxs, x1 + tol)] if y0 <= y <= y1]
        if touch:
            adj[i] = touch
            for jj in touch:
                adj[jj].append(i)
    label = [-1] * len(adj)
    comps: list[tuple[list, list]] = []
    for start in range(len(adj)):
        if label[start] >= 0:
            continue
        k = len(comps)
        comps.append(([], []))
        label[start] = k
        todo = [start]
        while todo:
            for w in adj[todo.pop()]:
                if label[w] < 0:
                    label[w] = k
                    todo.append(w)
    for i in range(nh):
        comps[label[i]][0].append(hs[i])
    for j in range(len(vs)):
        comps[label[nh + j]][1].append(vs[j])
    return comps


def _assign_glyphs(glyphs: list, parts: list) -> list:
    """Each glyph to the first table with a valid cell (merged grid units) at its centre
    (appended to that cell's glyphs, in page order); returns the glyphs in no cell."""
    native = _native_loops()
    if native is not None:  # the same loop in C (_pdfloops.assign), where built
        left = native.assign(
            glyphs, [(p.x0, p.x1, p.top, p.bottom, p.ys, p.xs, p.unit_region, p.valid, p.glyphs) for p in parts]
        )
        if left is not None:
            return left
    leftover: list = []
    keep = leftover.append
    if len(parts) == 1:  # the loop below for one table, without the loop over tables
        p = parts[0]
        x0, x1, top, bottom = p.x0, p.x1, p.top, p.bottom
        ys, xs, unit_region, valid, cell_glyphs = p.ys, p.xs, p.unit_region, p.valid, p.glyphs
        nr, nc = len(ys) - 1, len(xs) - 1
        for g in glyphs:
            cx, cy = (g[1] + g[3]) / 2, (g[2] + g[4]) / 2
            if x0 <= cx <= x1 and top <= cy <= bottom:
                i = bisect_right(ys, cy) - 1
                j = bisect_right(xs, cx) - 1
                if 0 <= i < nr and 0 <= j < nc:
                    reg = unit_region[i * nc + j]
                    if valid[reg]:
                        cell_glyphs[reg].append(g)
                        continue
            keep(g)
    else:
        boxes = [
            (p.x0, p.x1, p.top, p.bottom, (p.ys, p.xs, len(p.ys) - 1, len(p.xs) - 1, p.unit_region, p.valid, p.glyphs))
            for p in parts
        ]
        for g in glyphs:
            cx, cy = (g[1] + g[3]) / 2, (g[2] + g[4]) / 2
            for x0, x1, top, bottom, grid in boxes:
                if x0 <= cx <= x1 and top <= cy <= bottom:
                    ys, xs, nr, nc, unit_region, valid, cell_glyphs = grid
                    i = bisect_right(ys, cy) - 1
                    j = bisect_right(xs, cx) - 1
                    if 0 <= i < nr and 0 <= j < nc:
                        reg = unit_region[i * nc + j]
                        if valid[reg]:
                            cell_glyphs[reg].append(g)
                            break
            else:
                keep(g)
    return leftover


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

    def _glyphs_all(self):
        return [g for gl in self.glyphs for g in gl]

    def _finish(self) -> TablePart | None:
        sides = self.side_count
        keep = [k for k, ok in enumerate(self.valid) if ok and (self.glyphs[k] or sides[k] >= 3)]
        if len(keep) < 2:
            return None
        regions, glyphs, xs, ys, page = self.regions, self.glyphs, self.xs, self.ys, self.rp.number
        rows = sorted({regions[k][0] for k in keep})
        native = _native_loops()
        line_cell = native.line_cell if native is not None else _no_line_cell
        cells = []
        add = cells.append
        tops: list[float] = []
        for k in keep:
            r0, r1, c0, c1 = regions[k]
            gl = glyphs[k]
            if len(gl) == 1:  # _cell_text() of one glyph, inline (most cells hold one digit)
                g0 = gl[0]
                text, top = g0[0].strip(), g0[2]
                tops.append(top)
            elif (one := line_cell(gl)) is not None:  # _cell_text() of a one-line cell, in C
                text, top = one
                text = text.strip()
                tops.append(top)
            else:
                text, top, ltops = _cell_text(gl)
                tops.extend(ltops)
                if top is None:
                    top = ys[r0]
            ri = bisect_left(rows, r0)
            rspan = bisect_left(rows, r1 + 1) - ri
            add(TCell(ri, rspan if rspan > 1 else 1, xs[c0], xs[c1 + 1], text, page, top))
        cells.sort(key=attrgetter("row", "x0"))
        return TablePart(self.rp.number, self.x0, self.top, self.x1, self.bottom, len(rows), cells, "lattice", tops)


def _no_line_cell(glyphs: list) -> None:
    """_pdfloops.line_cell's stand-in where the C loops are not built: Python reads every cell."""
    return None


def _grid(rp: RawPage, hs: list, vs: list, tol: float):
    xs = _cluster([v[0] for v in vs] + [min(h[1] for h in hs), max(h[2] for h in hs)], tol)
    ys = _cluster([h[0] for h in hs] + [min(v[1] for v in vs), max(v[2] for v in vs)], tol)
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr < 1 or nc < 1 or nr * nc > MAX_GRID_UNITS:
        return None
    vcov: list[list] = [[] for _ in xs]
    few = len(xs) < 8
    for x, y0, y1 in vs:
        if few:  # min(range(len(xs)), key=lambda k: abs(xs[k] - x)): the first nearest
            j, d = 0, abs(xs[0] - x)
            for k in range(1, len(xs)):
                dk = abs(xs[k] - x)
                if dk < d:
                    j, d = k, dk
        else:
            j = _nearest(xs, x)
        vcov[j].append((y0, y1))
    hcov: list[list] = [[] for _ in ys]
    for y, x0, x1 in hs:
        hcov[_nearest(ys, y)].append((x0, x1))
    uf = _UF(nr * nc)
    # how much of each grid interval along each line is drawn (see _coverage)
    hc = [_coverage(c, xs) for c in hcov]  # hc[i][j]: row line i, between columns j and j+1
    vc = [_coverage(c, ys) for c in vcov]  # vc[j][i]: column line j, between rows i and i+1
    xw, yw = list(map(sub, xs[1:], xs)), list(map(sub, ys[1:], ys))  # grid interval widths
    h6 = [_drawn(c, xw, 0.6) for c in hc]  # h6[i][j] = _covered(hcov[i], xs[j], xs[j + 1], 0.6)
    v6 = [_drawn(c, yw, 0.6) for c in vc]
    union = uf.union
    for i in range(nr):
        below = h6[i + 1] if i + 1 < nr else None
        for j in range(nc):
            u = i * nc + j
            if j + 1 < nc and not v6[j + 1][i]:
                union(u, u + 1)
            if below is not None and not below[j]:
                union(u, u + nc)
    find = uf.find
    root_of = [find(u) for u in range(nr * nc)]
    bounds: dict[int, list[int]] = {}
    u = 0
    for i in range(nr):
        for j in range(nc):
            r = root_of[u]
            u += 1
            b = bounds.get(r)
            if b is None:
                bounds[r] = [i, i, j, j]
            else:
                b[1] = i  # units are visited row by row: i never decreases
                if j < b[2]:
                    b[2] = j
                if j > b[3]:
                    b[3] = j
    index = {r: k for k, r in enumerate(bounds)}
    regions = [tuple(b) for b in bounds.values()]
    unit_region = [index[r] for r in root_of]
    h5 = [_drawn(c, xw, 0.5) for c in hc]
    v5 = [_drawn(c, yw, 0.5) for c in vc]
    sides = []
    for r0, r1, c0, c1 in regions:
        if c0 == c1:
            s = h5[r0][c0] + h5[r1 + 1][c0]
        else:
            s = _covered(hcov[r0], xs[c0], xs[c1 + 1], 0.5) + _covered(hcov[r1 + 1], xs[c0], xs[c1 + 1], 0.5)
        if r0 == r1:
            s += v5[c0][r0] + v5[c1 + 1][r0]
        else:
            s += _covered(vcov[c0], ys[r0], ys[r1 + 1], 0.5) + _covered(vcov[c1 + 1], ys[r0], ys[r1 + 1], 0.5)
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
            if (
                len(lines[j].chunks) == 1
                and j + 1 < n
                and flags[j + 1]
                and lines[j].x1 < _first_value_x(lines[j + 1]) - 2
            ):
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
    return TablePart(
        page,
        x_left,
        min(ln.top for ln in lines),
        x_right,
        max(ln.bottom for ln in lines),
        len(rows),
        cells,
        "aligned",
        tops,
    )


# ================================================================ page furniture

_PAGE_NO = re.compile(
    r"^[\s\-—–－_·•.]*(?:第\s*)?[0-9０-９]{1,4}(?:\s*页)?"
    r"(?:\s*[/／]\s*[0-9]{1,4}|\s*[,，]?\s*共\s*[0-9]{1,4}\s*页)?[\s\-—–－_·•.]*$"
    r"|^\s*(?:page|Page|PAGE)\s*\d+(?:\s*(?:of|/)\s*\d+)?\s*$"
)


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
    "《》（），。、；：“”！？—…·年月日"
)


# runs of each kind of character, counted as the length they take out of the text
_CJK_RUNS = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]+")
_COMMON_CJK_RUNS = re.compile("[" + "".join(sorted(c for c in _COMMON if _CJK_RUNS.fullmatch(c))) + "]+")
_LATIN1_RUNS = re.compile("[\u00c0-\u024f]+")
_ASCII_RUNS = re.compile("[\u0000-\u007f]+")


def _mojibake(glyphs: list) -> bool:
    """A page whose text decoded to the wrong characters (a broken ToUnicode map)."""
    text = "".join(map(_first, glyphs))
    n = len(text)
    if n == len(glyphs):  # one character a glyph (always so from PDFium): counted by regex,
        # each count only where the answer still depends on it
        cjk = n - len(_CJK_RUNS.sub("", text))
        if cjk >= 40 and n - len(_COMMON_CJK_RUNS.sub("", text)) < 0.15 * cjk:
            return True
        latin1 = n - len(_LATIN1_RUNS.sub("", text))
        if latin1 < 20:
            return False
        ascii_ = n - len(_ASCII_RUNS.sub("", text))
        return latin1 > 0.3 * (latin1 + ascii_ + cjk)
    cjk, common, latin1, ascii_ = _script_counts(glyphs)
    if cjk >= 40 and common < 0.15 * cjk:
        return True
    return latin1 >= 20 and latin1 > 0.3 * (latin1 + ascii_ + cjk)


def _script_counts(glyphs: list) -> tuple[int, int, int, int]:
    """(CJK, common CJK, Latin-1 letters, ASCII) glyphs, a glyph counted by its first character."""
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
    return cjk, common, latin1, ascii_


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
        warnings.append(
            Warning("TRUNCATED_PDF", "the PDF has no %%EOF at its end: it may be truncated, and content may be missing")
        )
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
        real = [g for g in rp.glyphs if not g[5]] if True in map(_bad_flag, rp.glyphs) else rp.glyphs
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
            warnings.append(
                Warning(
                    "OCR_USED",
                    f"page(s) {_pages_str(done)} were read by OCR (no usable text layer); their cells are marked via=ocr",
                )
            )
        if len(todo) > MAX_OCR_PAGES:
            warnings.append(Warning("OCR_CAPPED", f"only the first {MAX_OCR_PAGES} scanned pages were read by OCR"))
    left_img = [rp.number for rp in image_pages if rp.number not in done]
    left_bad = [rp for rp in garbled if rp.number not in done]
    for rp in left_bad:
        rp.glyphs, rp.line_groups = [], None  # wrong characters are worse than none
    if left_img:
        how = (
            "install xxgk[ocr] (rapidocr-onnxruntime) to read them by OCR" if not use_ocr else "OCR could not read them"
        )
        if len(image_pages) * 2 >= len(raws):
            warnings.append(
                Warning(
                    "IMAGE_ONLY_PDF",
                    f"scanned PDF: page(s) {_pages_str(left_img)} have no text layer, so no text was read from them; {how}",
                )
            )
        else:
            warnings.append(
                Warning(
                    "IMAGE_PAGES",
                    f"page(s) {_pages_str(left_img)} are scanned images without a text layer; no text was read from them; {how}",
                )
            )
    if left_bad:
        warnings.append(
            Warning(
                "UNDECODED_TEXT",
                f"page(s) {_pages_str(rp.number for rp in left_bad)}: the text layer does not decode to real characters (broken font encoding); their text was left out"
                + ("" if use_ocr else "; install xxgk[ocr] to read such pages by OCR"),
            )
        )
    if partly:
        warnings.append(
            Warning(
                "UNDECODED_TEXT",
                f"page(s) {_pages_str(partly)}: some characters could not be decoded (no Unicode mapping); the numbers and words they touch are given as U+FFFD",
            )
        )


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
    line_no: dict[int, list] = {}  # page number -> line levels
    for p in pages:
        tops = [ln.top for ln in p.lines]
        for t in p.tables:
            tops.extend(t.line_tops)
        line_no[p.number] = _cluster(tops, 2.0)

    memo: dict = {}

    def number(page: int, top: float) -> int:
        """The line number of a text top on a page (by page number)."""
        key = (page, top)
        n = memo.get(key)
        if n is None:
            levels = line_no[page]
            n = memo[key] = _nearest(levels, top) + 1 if levels else 1
        return n

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
            if (
                new_page
                and prev_line is not None
                and not (
                    prev_line.bottom > 0.7 * pages[prev_page].height
                    and ln.top < 0.3 * p.height
                    and prev_line.text.rstrip()[-1:] not in _TERMINAL
                )
            ):
                prev_line = None  # a page break joins only a sentence cut at the page end
            if (
                prev_line is not None
                and left is not None
                and right - left >= 0.45 * p.width
                and _joins(prev_line, ln, left, right, new_page)
            ):
                kind, text, pg, lno, ocr_flag, _ = out_items[-1]
                sep = (
                    " "
                    if (text[-1:].isascii() and text[-1:].isalnum() and ln.text[:1].isascii() and ln.text[:1].isalnum())
                    else ""
                )
                out_items[-1] = (kind, text + sep + ln.text.strip(), pg, lno, ocr_flag, ln)
            else:
                out_items.append(("para", ln.text.strip(), p.number, number(p.number, ln.top), ln.ocr, ln))
            prev_line = ln
            prev_page = pi
        # a table open at the end of a page stays open only if it was the page's last item
        if not items or not isinstance(items[-1], TablePart):
            open_table = None
    for it in out_items:
        if it[0] == "para":
            _, text, pg, lno, ocr_flag, _ = it
            if text:
                blocks.append(
                    Block("para", (Cell(text, Location(line=lno, page=pg, via="ocr" if ocr_flag else None)),))
                )
        else:
            parts = pending_tables[it[1]]
            blocks.extend(_emit_table(parts, it[1], number))
    return blocks


_TERMINAL = set('。；;！!？?：:）)】」》”"…')


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
    return not re.match(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d))", t)


_SPACES = re.compile(r"\s+")


def _rows_texts(part: TablePart, k: int) -> list[list[str]]:
    """The texts of each of the first k rows of a table part, without whitespace."""
    out: list[list[str]] = [[] for _ in range(max(0, k))]
    for c in part.cells:
        if 0 <= c.row < k:
            out[c.row].append(_SPACES.sub("", c.text))
    return out


def _continues(prev: TablePart, nxt: TablePart) -> bool:
    """Is `nxt` (first item of a page) the continuation of `prev` (last item of the page before)?"""
    if nxt.page != prev.page + 1:
        return False
    w = max(prev.x1 - prev.x0, nxt.x1 - nxt.x0)
    return abs(prev.x0 - nxt.x0) <= max(12.0, 0.03 * w) and abs(prev.x1 - nxt.x1) <= max(12.0, 0.03 * w)


# a cell whose text starts with its own number ("（六）", "2.", "三、") starts a new label
_ENUMERATED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}\s*[.．、](?!\d))"
)


def _is_value_text(t: str) -> bool:
    t = re.sub(r"\s+", "", t)
    return bool(t) and bool(_VALUE_CHUNK.match(t))


def _emit_table(parts: list[TablePart], index: int, number) -> list[Block]:
    """Merge a table's page parts into rows of cells with spans, then blocks."""
    first = parts[0]
    # the parts' cells are changed in place (rows renumbered, a label cut by a page break
    # joined): a part belongs to one table and is emitted once
    cells: list[TCell] = list(first.cells)
    nrows = first.nrows
    first_rows = _rows_texts(first, min(5, first.nrows - 1)) if len(parts) > 1 else []
    for part in parts[1:]:
        pc = list(part.cells)
        # repeated header rows
        drop = 0
        kmax = min(5, first.nrows - 1, part.nrows - 1)
        part_rows = _rows_texts(part, kmax)
        for k in range(kmax, 0, -1):
            if all(first_rows[r] == part_rows[r] for r in range(k)) and any(any(first_rows[r]) for r in range(k)):
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
                if (
                    (a.rowspan > 1 or c.rowspan > 1)
                    and not _is_value_text(a.text)
                    and not _is_value_text(c.text)
                    and not (a.text and _ENUMERATED.match(c.text))
                ):
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
    nb = len(bounds)
    rows_used = sorted({c.row for c in cells})
    rank = {row: k for k, row in enumerate(rows_used)}  # as bisect_left(rows_used, row)
    by_row: list[list] = [[] for _ in rows_used]
    for c in cells:
        x0 = c.x0
        col = bisect_left(bounds, x0)  # _nearest(bounds, x0), inline
        if col >= nb:
            col = nb - 1
        elif col and not bounds[col] - x0 < x0 - bounds[col - 1]:
            col -= 1
        span = bisect_left(bounds, c.x1 - 3.0) - col
        if span < 1:
            span = 1
        r = rank[c.row]
        rspan = bisect_left(rows_used, c.row + c.rowspan) - r
        if rspan < 1:
            rspan = 1
        by_row[r].append((col, span, rspan, c))
    blocks = []
    locs: dict = {}  # one (immutable) Location per distinct place
    for row in by_row:
        row.sort(key=_first)
        # an empty cell gets the line of the row's first cell with text
        lines = [number(c.page, c.top) if c.text else None for col, span, rspan, c in row]
        line_of_row = lines[0] if lines[0] is not None else next((ln for ln in lines if ln is not None), None)
        out = []
        for (_col, span, rspan, c), ln in zip(row, lines):
            if ln is None:
                ln = line_of_row if line_of_row is not None else number(c.page, c.top)
            key = (ln, c.page, c.ocr)
            loc = locs.get(key)
            if loc is None:
                loc = locs[key] = Location(ln, c.page, "ocr" if c.ocr else None)
            out.append(_new_tuple(Cell, (c.text, loc, span, rspan)))  # Cell(...) without its Python __new__
        blocks.append(Block("row", tuple(out), index))
    return blocks


_new_tuple = tuple.__new__


_first = itemgetter(0)
_bad_flag = itemgetter(5)  # a glyph's "undecoded" flag
