/* The PDF reader's per-glyph and per-object PDFium loops, and the hot loops of its
   layout, in C (optional).

   parsers/readers/pdf.py reads each glyph's box and each drawn path's mode, colour,
   segment count and bounds through PDFium: thousands of calls a page, where ctypes'
   cost per call is several times the C function's. These functions make the same calls
   in a C loop and hand the results back as packed bytes, which pdf.py reads with
   array.frombytes, as it reads the buffers of its pure-Python loops (the fallback when
   this module is not built; tests/test_readers_pdf.py checks both read the same).

   No PDFium header or library is needed to build this: pdf.py passes the addresses of
   the functions of the PDFium library pypdfium2 loaded (ctypes.cast(fn, c_void_p)),
   and the handles, as integers; the signatures below are PDFium's (fpdf_text.h,
   fpdf_edit.h; FPDF_BOOL is int). What is decided here (which glyph boxes count, which
   paths are rulings) is decided as in pdf.py's Python loops, which say so; a test reads
   PDFs both ways and compares. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

typedef struct {
    float left, top, right, bottom;
} rectf;

typedef int (*loose_char_box_fn)(void *text_page, int index, rectf *rect);
typedef int (*int_call_fn)(void *handle, int index);
typedef void *(*page_object_fn)(void *page, int index);
typedef void *(*form_object_fn)(void *form, unsigned long index);
typedef int (*object_type_fn)(void *obj);
typedef int (*draw_mode_fn)(void *path, int *fill_mode, int *stroke);
typedef int (*colour_fn)(void *obj, unsigned int *r, unsigned int *g, unsigned int *b, unsigned int *a);
typedef int (*count_segments_fn)(void *path);
typedef int (*bounds_fn)(void *obj, float *left, float *bottom, float *right, float *top);

#define ADDR(x) ((void *)(uintptr_t)(x))

/* char_boxes(get_loose_char_box, text_page, indices) -> bytes

   indices: packed int32 text page indices. Returns 4 float32 per index: the loose box
   (left, top, right, bottom in page space). As the Python loop, one box buffer serves
   every call: a call that fails leaves the previous values. */
static PyObject *char_boxes(PyObject *self, PyObject *args) {
    unsigned long long fn, text_page;
    Py_buffer idx;
    if (!PyArg_ParseTuple(args, "KKy*", &fn, &text_page, &idx))
        return NULL;
    Py_ssize_t n = idx.len / (Py_ssize_t)sizeof(int32_t);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(rectf));
    if (out != NULL) {
        loose_char_box_fn get_box = (loose_char_box_fn)ADDR(fn);
        const int32_t *ix = (const int32_t *)idx.buf;
        char *dst = PyBytes_AS_STRING(out);
        rectf r = {0, 0, 0, 0};
        for (Py_ssize_t k = 0; k < n; k++) {
            get_box(ADDR(text_page), ix[k], &r);
            memcpy(dst + k * sizeof(rectf), &r, sizeof(rectf));
        }
    }
    PyBuffer_Release(&idx);
    return out;
}

static int append_new(PyObject *list, PyObject *item) {
    if (item == NULL)
        return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* The glyph of text page index i with loose box r, on a page whose display box is the
   page box shifted by (left, top) (no rotation): (char, x0, top, x1, bottom, False),
   each coordinate computed in double from the float box as the Python loop does. */
static PyObject *glyph_tuple(PyObject *text, Py_ssize_t i, const rectf *r, double left, double top) {
    PyObject *t = PyTuple_New(6);
    if (t == NULL)
        return NULL;
    PyObject *items[5] = {
        PyUnicode_Substring(text, i, i + 1),
        PyFloat_FromDouble((double)r->left - left),
        PyFloat_FromDouble(top - (double)r->top),
        PyFloat_FromDouble((double)r->right - left),
        PyFloat_FromDouble(top - (double)r->bottom),
    };
    int ok = 1;
    for (int k = 0; k < 5; k++) {
        if (items[k] == NULL)
            ok = 0;
        PyTuple_SET_ITEM(t, k, items[k]); /* a NULL item is skipped by the tuple's dealloc */
    }
    Py_INCREF(Py_False);
    PyTuple_SET_ITEM(t, 5, Py_False);
    if (!ok) {
        Py_DECREF(t);
        return NULL;
    }
    return t;
}

/* glyphs(get_loose_char_box, text_page, text, indices, left, top) -> (glyphs, kept, heights)

   For an unrotated page: the loose box of each text page index (packed int32, each below
   len(text)); a box with no area (right <= left or top <= bottom) is no glyph. Returns
   the glyph tuples (see glyph_tuple), the indices kept (packed int32) and each kept
   box's height in page space (top - bottom), as the Python loop in pdf.py makes them. */
static PyObject *glyphs(PyObject *self, PyObject *args) {
    unsigned long long fn, text_page;
    PyObject *text;
    Py_buffer idx;
    double left, top;
    if (!PyArg_ParseTuple(args, "KKUy*dd", &fn, &text_page, &text, &idx, &left, &top))
        return NULL;
    Py_ssize_t n = idx.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0), *heights = PyList_New(0);
    PyObject *kept = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int32_t));
    if (out == NULL || heights == NULL || kept == NULL)
        goto fail;
    loose_char_box_fn get_box = (loose_char_box_fn)ADDR(fn);
    const int32_t *ix = (const int32_t *)idx.buf;
    int32_t *kv = (int32_t *)PyBytes_AS_STRING(kept);
    Py_ssize_t m = 0;
    rectf r = {0, 0, 0, 0};
    for (Py_ssize_t k = 0; k < n; k++) {
        int32_t i = ix[k];
        if (i < 0 || i >= len) {
            PyErr_SetString(PyExc_IndexError, "text page index beyond the text");
            goto fail;
        }
        get_box(ADDR(text_page), i, &r);
        if (r.right <= r.left || r.top <= r.bottom)
            continue;
        if (append_new(out, glyph_tuple(text, i, &r, left, top)) < 0 ||
            append_new(heights, PyFloat_FromDouble((double)r.top - (double)r.bottom)) < 0)
            goto fail;
        kv[m++] = i;
    }
    PyBuffer_Release(&idx);
    if (_PyBytes_Resize(&kept, m * (Py_ssize_t)sizeof(int32_t)) < 0) {
        Py_DECREF(out);
        Py_DECREF(heights);
        return NULL;
    }
    return Py_BuildValue("(NNN)", out, kept, heights);
fail:
    PyBuffer_Release(&idx);
    Py_XDECREF(out);
    Py_XDECREF(heights);
    Py_XDECREF(kept);
    return NULL;
}

/* int_calls(fn, handle, indices) -> bytes

   fn(handle, index) for each packed int32 index, a function of PDFium's that returns an
   int (FPDFText_HasUnicodeMapError): the results as packed int32. */
static PyObject *int_calls(PyObject *self, PyObject *args) {
    unsigned long long fn, handle;
    Py_buffer idx;
    if (!PyArg_ParseTuple(args, "KKy*", &fn, &handle, &idx))
        return NULL;
    Py_ssize_t n = idx.len / (Py_ssize_t)sizeof(int32_t);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int32_t));
    if (out != NULL) {
        int_call_fn call = (int_call_fn)ADDR(fn);
        const int32_t *ix = (const int32_t *)idx.buf;
        int32_t *dst = (int32_t *)PyBytes_AS_STRING(out);
        for (Py_ssize_t k = 0; k < n; k++)
            dst[k] = call(ADDR(handle), ix[k]);
    }
    PyBuffer_Release(&idx);
    return out;
}

/* objects(get_object, get_type, container, start, stop, in_form) -> (handles, types)

   The objects start..stop-1 of a page (FPDFPage_GetObject) or of a form XObject
   (in_form: FPDFFormObj_GetObject, whose index is an unsigned long), as packed uint64
   handles and packed int32 types (FPDFPageObj_GetType). */
static PyObject *objects(PyObject *self, PyObject *args) {
    unsigned long long get, get_type, container;
    int start, stop, in_form;
    if (!PyArg_ParseTuple(args, "KKKiip", &get, &get_type, &container, &start, &stop, &in_form))
        return NULL;
    Py_ssize_t n = stop > start ? (Py_ssize_t)stop - start : 0;
    PyObject *handles = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(uint64_t));
    PyObject *types = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int32_t));
    if (handles == NULL || types == NULL) {
        Py_XDECREF(handles);
        Py_XDECREF(types);
        return NULL;
    }
    uint64_t *h = (uint64_t *)PyBytes_AS_STRING(handles);
    int32_t *t = (int32_t *)PyBytes_AS_STRING(types);
    object_type_fn type_of = (object_type_fn)ADDR(get_type);
    for (Py_ssize_t k = 0; k < n; k++) {
        void *obj = in_form ? ((form_object_fn)ADDR(get))(ADDR(container), (unsigned long)(start + k))
                            : ((page_object_fn)ADDR(get))(ADDR(container), (int)(start + k));
        h[k] = (uint64_t)(uintptr_t)obj;
        t[k] = type_of(obj);
    }
    return Py_BuildValue("(NN)", handles, types);
}

static int add_seg(PyObject *list, double pos, double lo, double hi) {
    return append_new(list, Py_BuildValue("(ddd)", pos, lo, hi));
}

/* The rulings of one path whose display box is (x0, y0, x1, y1), as _paths() in pdf.py
   (and _PdfiumSource._rect_edges) decide them: a thin box is a line, an outlined
   rectangle four, a filled box no ruling. */
static int box_rulings(PyObject *h, PyObject *v, double x0, double y0, double x1, double y1, int stroked,
                       int nseg) {
    double w = x1 - x0, ht = y1 - y0;
    if (ht <= 3.0 && w > ht)
        return add_seg(h, (y0 + y1) / 2, x0, x1);
    if (w <= 3.0 && ht > w)
        return add_seg(v, (x0 + x1) / 2, y0, y1);
    if (stroked && nseg >= 3) {
        if (add_seg(h, y0, x0, x1) < 0 || add_seg(h, y1, x0, x1) < 0 || add_seg(v, x0, y0, y1) < 0)
            return -1;
        return add_seg(v, x1, y0, y1);
    }
    return 0;
}

/* rulings(draw_mode, stroke_colour, fill_colour, count_segments, bounds, handles, left, top,
           hsegs, vsegs, on_long) -> None

   The rulings of the path objects (packed uint64 handles) of an unrotated page, outside
   any form XObject (display box = page box shifted by left, top), appended to the lists
   hsegs (y, x0, x1) and vsegs (x, y0, y1) in the order of the paths, as _paths() does in
   Python: a path counts when stroked or filled in a colour that shows (alpha not 0, not
   near white); a path of more than 5 segments is handed to on_long(index, nseg, stroked)
   at its turn, which reads it segment by segment. */
static PyObject *rulings(PyObject *self, PyObject *args) {
    unsigned long long draw_mode, stroke_colour, fill_colour, count_segments, bounds;
    Py_buffer hb;
    double left, top;
    PyObject *hsegs, *vsegs, *on_long;
    if (!PyArg_ParseTuple(args, "KKKKKy*ddO!O!O", &draw_mode, &stroke_colour, &fill_colour, &count_segments, &bounds,
                          &hb, &left, &top, &PyList_Type, &hsegs, &PyList_Type, &vsegs, &on_long))
        return NULL;
    Py_ssize_t n = hb.len / (Py_ssize_t)sizeof(uint64_t);
    const uint64_t *hv = (const uint64_t *)hb.buf;
    int mode[2] = {0, 0};
    unsigned int col[4] = {0, 0, 0, 0};
    float box[4] = {0, 0, 0, 0}; /* left, bottom, right, top */
    for (Py_ssize_t k = 0; k < n; k++) {
        void *obj = ADDR(hv[k]);
        ((draw_mode_fn)ADDR(draw_mode))(obj, &mode[0], &mode[1]);
        if (!(mode[1] || mode[0]))
            continue;
        ((colour_fn)ADDR(mode[1] ? stroke_colour : fill_colour))(obj, &col[0], &col[1], &col[2], &col[3]);
        if ((int32_t)col[3] == 0 || ((int32_t)col[0] > 235 && (int32_t)col[1] > 235 && (int32_t)col[2] > 235))
            continue;
        int nseg = ((count_segments_fn)ADDR(count_segments))(obj);
        int stroked = mode[1] != 0;
        if (nseg > 5) {
            PyObject *r = PyObject_CallFunction(on_long, "nii", k, nseg, stroked);
            if (r == NULL)
                goto fail;
            Py_DECREF(r);
            continue;
        }
        ((bounds_fn)ADDR(bounds))(obj, &box[0], &box[1], &box[2], &box[3]);
        double l = box[0], b = box[1], r = box[2], t = box[3];
        if (box_rulings(hsegs, vsegs, l - left, top - t, r - left, top - b, stroked, nseg) < 0)
            goto fail;
    }
    PyBuffer_Release(&hb);
    Py_RETURN_NONE;
fail:
    PyBuffer_Release(&hb);
    return NULL;
}

/* ---------------------------------------------------------------- layout loops

   Loops of the layout: grouping glyphs into lines (_iter_lines), placing them in ruled
   cells (_assign_glyphs), the text of a one-line cell (_cell_text), merging ruling
   segments (_merge_segments) and clustering levels (_cluster). pdf.py's Python functions
   stay the reference, and the fallback where this module is not built;
   tests/test_readers_pdf.py compares both on random input and on whole PDFs. They read
   glyph tuples (char, x0, top, x1, bottom, undecoded) or segments (pos, lo, hi) and
   compute in double exactly what Python computes with floats (the build turns off
   contracting a * b + c into one rounding; a mean is taken by Python's own sum(), whose
   rounding differs between Python versions); where an input is not such a tuple of
   floats, or a value is not finite, they return None and Python decides. Together with
   the compiled twin of pdf.py they take the layout of a generated report's page from
   about 1.25 to 0.63 ms of CPU. */

typedef struct {
    PyObject *ch; /* borrowed */
    double x0, top, x1, bottom;
    int bad;
} glyph;

/* glyph g as C values; 1 if it is a tuple (str, 4 finite floats, flag), else 0; -1 on error */
static int read_glyph(PyObject *g, glyph *out) {
    if (!PyTuple_CheckExact(g) || PyTuple_GET_SIZE(g) != 6)
        return 0;
    PyObject *ch = PyTuple_GET_ITEM(g, 0);
    if (!PyUnicode_CheckExact(ch) || PyUnicode_GET_LENGTH(ch) < 1)
        return 0;
    double v[4];
    for (int k = 0; k < 4; k++) {
        PyObject *f = PyTuple_GET_ITEM(g, k + 1);
        if (!PyFloat_CheckExact(f))
            return 0;
        v[k] = PyFloat_AS_DOUBLE(f);
        if (!isfinite(v[k]))
            return 0;
    }
    int bad = PyObject_IsTrue(PyTuple_GET_ITEM(g, 5));
    if (bad < 0)
        return -1;
    out->ch = ch;
    out->x0 = v[0];
    out->top = v[1];
    out->x1 = v[2];
    out->bottom = v[3];
    out->bad = bad;
    return 1;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* pdf.py's _is_cjk of a non-empty string */
static int is_cjk(PyObject *ch) {
    Py_UCS4 o = PyUnicode_READ_CHAR(ch, 0);
    return (0x4E00 <= o && o <= 0x9FFF) || (0x3000 <= o && o <= 0x303F) || (0xFF00 <= o && o <= 0xFF0F) ||
           (0x3400 <= o && o <= 0x4DBF) || o == 0x201C || o == 0x201D || o == 0xFF1A || o == 0xFF1B || o == 0xFF1F;
}

/* The text of glyphs g[0..n-1] (one line, sorted by x, none undecoded, n >= 2) as
   _line_text() makes it: doubled glyphs dropped (_dedupe), a space where the gap to the
   glyph before is wider than 0.22 of the median height and either wider than 1.2 of it or
   not between two CJK characters. Sets *top to the least top of the glyphs kept. */
static PyObject *line_text_of(glyph *g, Py_ssize_t n, double *top) {
    Py_ssize_t m = 0; /* glyphs kept, compacted to the front */
    for (Py_ssize_t k = 0; k < n; k++) {
        if (m > 0) {
            glyph *p = &g[m - 1];
            double w = p->x1 - p->x0;
            int eq = PyUnicode_Compare(p->ch, g[k].ch);
            if (eq == -1 && PyErr_Occurred())
                return NULL;
            if (eq == 0 && fabs(p->x0 - g[k].x0) < 0.35 * (1.0 > w ? 1.0 : w) && fabs(p->top - g[k].top) < 2.0)
                continue;
        }
        g[m++] = g[k];
    }
    double *h = PyMem_Malloc((size_t)m * sizeof(double));
    if (h == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < m; k++)
        h[k] = g[k].bottom - g[k].top;
    qsort(h, (size_t)m, sizeof(double), cmp_double);
    double size = h[m / 2];
    PyMem_Free(h);
    double big = 1.2 * size, small = 0.22 * size;
    PyObject *parts = PyList_New(0);
    if (parts == NULL)
        return NULL;
    PyObject *space = PyUnicode_FromOrdinal(' ');
    if (space == NULL)
        goto fail;
    double t = g[0].top;
    for (Py_ssize_t k = 0; k < m; k++) {
        if (k > 0) {
            double gap = g[k].x0 - g[k - 1].x1;
            if (gap > small && (gap > big || !(is_cjk(g[k - 1].ch) && is_cjk(g[k].ch))))
                if (PyList_Append(parts, space) < 0)
                    goto fail;
        }
        if (PyList_Append(parts, g[k].ch) < 0)
            goto fail;
        if (g[k].top < t)
            t = g[k].top;
    }
    PyObject *empty = PyUnicode_New(0, 0);
    PyObject *text = empty == NULL ? NULL : PyUnicode_Join(empty, parts);
    Py_XDECREF(empty);
    Py_DECREF(space);
    Py_DECREF(parts);
    *top = t;
    return text;
fail:
    Py_XDECREF(space);
    Py_DECREF(parts);
    return NULL;
}

/* line_cell(glyphs) -> (text, top) | None

   _cell_text() of a cell's glyphs (two or more) that lie on one line, left to right, none
   undecoded: its text (not yet stripped) and top, as _line_text() gives them. None where
   the glyphs are on more than one line, out of x order, undecoded or not plain glyph
   tuples: Python reads those. */
static PyObject *line_cell(PyObject *self, PyObject *arg) {
    if (!PyList_CheckExact(arg) || PyList_GET_SIZE(arg) < 2)
        Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(arg);
    glyph *g = PyMem_Malloc((size_t)n * sizeof(glyph));
    if (g == NULL)
        return PyErr_NoMemory();
    PyObject *result = NULL;
    double cmax = 0, cmin = 0, hmin = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        int ok = read_glyph(PyList_GET_ITEM(arg, k), &g[k]);
        if (ok <= 0) {
            if (ok == 0)
                result = Py_NewRef(Py_None);
            goto done;
        }
        /* max(c2s) - min(c2s) < 0.9 * min(heights) - 1e-6, as in _cell_text() */
        double c2 = g[k].top + g[k].bottom, hk = g[k].bottom - g[k].top;
        if (k == 0 || c2 > cmax)
            cmax = c2;
        if (k == 0 || c2 < cmin)
            cmin = c2;
        if (k == 0 || hk < hmin)
            hmin = hk;
        if (g[k].bad || (k > 0 && !(g[k - 1].x0 < g[k].x0))) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    double lim = 0.9 * hmin;
    lim = lim - 1e-6;
    double spread = cmax - cmin;
    if (!(spread < lim)) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    double top = 0;
    PyObject *text = line_text_of(g, n, &top);
    if (text != NULL) {
        result = Py_BuildValue("(Nd)", text, top);
    }
done:
    PyMem_Free(g);
    return result;
}

/* a glyph in _iter_lines()'s sort: (2 x centre y, x, glyph), and its place in the input */
typedef struct {
    double c2;
    glyph g;
    PyObject *tuple; /* borrowed */
    Py_ssize_t index;
} placed;

static int cmp_d(double a, double b) {
    return a < b ? -1 : (a > b ? 1 : 0);
}

/* Python's comparison of two glyph tuples (str, 4 floats, bool), then their input order */
static int cmp_glyph(const placed *a, const placed *b) {
    int c = PyUnicode_Compare(a->g.ch, b->g.ch); /* two str: no error */
    if (c == 0)
        c = cmp_d(a->g.x0, b->g.x0);
    if (c == 0)
        c = cmp_d(a->g.top, b->g.top);
    if (c == 0)
        c = cmp_d(a->g.x1, b->g.x1);
    if (c == 0)
        c = cmp_d(a->g.bottom, b->g.bottom);
    if (c == 0)
        c = a->g.bad - b->g.bad;
    if (c == 0)
        c = a->index < b->index ? -1 : (a->index > b->index);
    return c;
}

/* the order of dec.sort() in _iter_lines(): (c2, x, glyph) */
static int cmp_dec(const void *pa, const void *pb) {
    const placed *a = pa, *b = pb;
    int c = cmp_d(a->c2, b->c2);
    if (c == 0)
        c = cmp_d(a->g.x0, b->g.x0);
    return c != 0 ? c : cmp_glyph(a, b);
}

/* the order of cur.sort() in _iter_lines(): (x, glyph) */
static int cmp_cur(const void *pa, const void *pb) {
    const placed *a = pa, *b = pb;
    int c = cmp_d(a->g.x0, b->g.x0);
    return c != 0 ? c : cmp_glyph(a, b);
}

/* glyphs p[0..n-1] (one line), sorted by x, appended to `lines` as a list of the tuples */
static int emit_line(PyObject *lines, placed *p, Py_ssize_t n) {
    if (n > 1)
        qsort(p, (size_t)n, sizeof(placed), cmp_cur);
    PyObject *line = PyList_New(n);
    if (line == NULL)
        return -1;
    for (Py_ssize_t k = 0; k < n; k++)
        PyList_SET_ITEM(line, k, Py_NewRef(p[k].tuple));
    return append_new(lines, line);
}

/* lines(glyphs) -> [[glyph, ...], ...] | None

   _group_lines() of two or more glyphs: sorted by centre, then x (then the glyph tuples,
   as Python compares them), a glyph joins the line when its centre is within 0.9 of the
   lesser of its height and the line's least height from the line's running mean centre;
   each line sorted by x. None where a glyph is not a tuple (str, 4 finite floats, bool). */
static PyObject *lines(PyObject *self, PyObject *arg) {
    if (!PyList_CheckExact(arg) || PyList_GET_SIZE(arg) < 2)
        Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(arg);
    placed *p = PyMem_Malloc((size_t)n * sizeof(placed));
    if (p == NULL)
        return PyErr_NoMemory();
    PyObject *out = NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *t = PyList_GET_ITEM(arg, k);
        int ok = read_glyph(t, &p[k].g);
        if (ok <= 0 || !PyBool_Check(PyTuple_GET_ITEM(t, 5))) {
            if (ok >= 0)
                out = Py_NewRef(Py_None);
            goto done;
        }
        p[k].c2 = p[k].g.top + p[k].g.bottom;
        p[k].tuple = t;
        p[k].index = k;
    }
    qsort(p, (size_t)n, sizeof(placed), cmp_dec);
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    double c2 = p[0].c2, hmin = p[0].g.bottom - p[0].g.top;
    Py_ssize_t start = 0, count = 1;
    for (Py_ssize_t k = 1; k < n; k++) {
        double gh = p[k].g.bottom - p[k].g.top;
        double d = p[k].c2 - c2;
        double lim = 0.9 * (hmin < gh ? hmin : gh);
        if (d <= lim) {
            count++;
            c2 += d / (double)count;
            if (gh < hmin)
                hmin = gh;
        } else {
            if (emit_line(out, p + start, count) < 0)
                goto fail;
            start = k, count = 1, c2 = p[k].c2, hmin = gh;
        }
    }
    if (emit_line(out, p + start, count) < 0)
        goto fail;
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(p);
    return out;
}

/* a value in a stable sort: ties keep their input order, as Python's sort does */
typedef struct {
    double v, lo, hi;
    PyObject *obj; /* borrowed: the float (or the segment's position) itself */
    Py_ssize_t index;
} keyed;

static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    int c = cmp_d(a->v, b->v);
    return c != 0 ? c : (a->index < b->index ? -1 : (a->index > b->index));
}

/* (lo, hi) pairs as Python sorts them (equal pairs are equal values) */
static int cmp_interval(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    int c = cmp_d(a->lo, b->lo);
    return c != 0 ? c : cmp_d(a->hi, b->hi);
}

static PyObject *builtin_sum; /* Python's sum(): the mean of a group is taken as Python takes it */

/* sum(objs[0..n-1]) / n, by Python's sum and true division */
static PyObject *py_mean(keyed *k, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t q = 0; q < n; q++)
        PyList_SET_ITEM(list, q, Py_NewRef(k[q].obj));
    PyObject *total = PyObject_CallOneArg(builtin_sum, list);
    Py_DECREF(list);
    if (total == NULL)
        return NULL;
    PyObject *count = PyLong_FromSsize_t(n);
    PyObject *mean = count == NULL ? NULL : PyNumber_TrueDivide(total, count);
    Py_XDECREF(count);
    Py_DECREF(total);
    return mean;
}

static int finite_float(PyObject *f, double *out) {
    if (!PyFloat_CheckExact(f))
        return 0;
    *out = PyFloat_AS_DOUBLE(f);
    return isfinite(*out);
}

/* cluster(values, tol) -> [mean, ...] | None: pdf.py's _cluster() of a list of finite floats */
static PyObject *cluster(PyObject *self, PyObject *args) {
    PyObject *values;
    double tol;
    if (!PyArg_ParseTuple(args, "Od", &values, &tol))
        return NULL;
    if (!PyList_CheckExact(values))
        Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(values);
    if (n == 0)
        return PyList_New(0);
    keyed *k = PyMem_Malloc((size_t)n * sizeof(keyed));
    if (k == NULL)
        return PyErr_NoMemory();
    PyObject *out = NULL;
    for (Py_ssize_t q = 0; q < n; q++) {
        k[q].obj = PyList_GET_ITEM(values, q);
        k[q].index = q;
        if (!finite_float(k[q].obj, &k[q].v)) {
            out = Py_NewRef(Py_None);
            goto done;
        }
    }
    qsort(k, (size_t)n, sizeof(keyed), cmp_keyed);
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    Py_ssize_t start = 0;
    for (Py_ssize_t q = 1; q <= n; q++) {
        if (q < n && k[q].v - k[q - 1].v <= tol)
            continue;
        if (append_new(out, py_mean(k + start, q - start)) < 0) {
            Py_CLEAR(out);
            goto done;
        }
        start = q;
    }
done:
    PyMem_Free(k);
    return out;
}

/* merge_segments(segs, snap, join, shortest_in, shortest_out) -> [(pos, lo, hi), ...] | None

   pdf.py's _merge_segments() of the segments of a list of (pos, lo, hi) tuples of finite
   floats at least shortest_in long (hi - lo), and of its result those at least
   shortest_out long: sorted by position (stable), a group ends where the next position is
   more than `snap` further; a group's position is the mean of its positions; its
   intervals, sorted, are joined where they overlap or lie within `join` of each other. */
static PyObject *merge_segments(PyObject *self, PyObject *args) {
    PyObject *segs;
    double snap, join, shortest_in, shortest_out;
    if (!PyArg_ParseTuple(args, "Odddd", &segs, &snap, &join, &shortest_in, &shortest_out))
        return NULL;
    if (!PyList_CheckExact(segs))
        Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(segs);
    keyed *k = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(keyed));
    if (k == NULL)
        return PyErr_NoMemory();
    PyObject *out = NULL;
    for (Py_ssize_t q = 0; q < n; q++) {
        PyObject *t = PyList_GET_ITEM(segs, q);
        if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) != 3 || !finite_float(PyTuple_GET_ITEM(t, 0), &k[q].v) ||
            !finite_float(PyTuple_GET_ITEM(t, 1), &k[q].lo) || !finite_float(PyTuple_GET_ITEM(t, 2), &k[q].hi)) {
            out = Py_NewRef(Py_None);
            goto done;
        }
        k[q].obj = PyTuple_GET_ITEM(t, 0);
        k[q].index = q;
    }
    Py_ssize_t kept = 0; /* the segments at least shortest_in long, in their order */
    for (Py_ssize_t q = 0; q < n; q++)
        if (k[q].hi - k[q].lo >= shortest_in)
            k[kept++] = k[q];
    n = kept;
    qsort(k, (size_t)n, sizeof(keyed), cmp_keyed);
    out = PyList_New(0);
    if (out == NULL)
        goto done;
    Py_ssize_t start = 0;
    for (Py_ssize_t q = 1; q <= n && n > 0; q++) {
        if (q < n && k[q].v - k[q - 1].v <= snap)
            continue;
        Py_ssize_t m = q - start;
        keyed *g = k + start;
        PyObject *pos = m == 1 ? PyFloat_FromDouble(0.0 + g[0].v) : py_mean(g, m); /* as sum([p]) / 1 */
        if (pos == NULL)
            goto fail;
        qsort(g, (size_t)m, sizeof(keyed), cmp_interval);
        double lo = g[0].lo, hi = g[0].hi;
        int rc = 0;
        for (Py_ssize_t r = 1; r < m && rc == 0; r++) {
            double a = g[r].lo, b = g[r].hi;
            if (a <= hi + join) {
                if (b > hi)
                    hi = b;
            } else {
                if (hi - lo >= shortest_out)
                    rc = append_new(out, Py_BuildValue("(Odd)", pos, lo, hi));
                lo = a, hi = b;
            }
        }
        if (rc == 0 && hi - lo >= shortest_out)
            rc = append_new(out, Py_BuildValue("(Odd)", pos, lo, hi));
        Py_DECREF(pos);
        if (rc < 0)
            goto fail;
        start = q;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(k);
    return out;
}

/* the levels of a grid (a list of floats, sorted) as doubles; 0 if not such a list */
static int read_levels(PyObject *list, double **out, Py_ssize_t *n) {
    if (!PyList_CheckExact(list))
        return 0;
    *n = PyList_GET_SIZE(list);
    *out = PyMem_Malloc((size_t)(*n ? *n : 1) * sizeof(double));
    if (*out == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < *n; k++) {
        PyObject *f = PyList_GET_ITEM(list, k);
        if (!PyFloat_CheckExact(f) || !isfinite(PyFloat_AS_DOUBLE(f))) {
            PyMem_Free(*out);
            *out = NULL;
            return 0;
        }
        (*out)[k] = PyFloat_AS_DOUBLE(f);
    }
    return 1;
}

/* bisect.bisect_right(a, x) on n sorted doubles */
static Py_ssize_t bisect_right_d(const double *a, Py_ssize_t n, double x) {
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (x < a[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

typedef struct {
    double x0, x1, top, bottom;
    double *ys, *xs;
    Py_ssize_t nr, nc;
    PyObject *unit_region, *valid, *cells; /* borrowed lists */
} table_box;

/* assign(glyphs, tables) -> leftover | None

   _assign_glyphs(): each glyph to the first table with a valid cell at its centre, that
   is appended to tables[t][8][region]; returns the glyphs in no cell. tables: a list of
   (x0, x1, top, bottom, ys, xs, unit_region, valid, cell glyph lists) per table. None
   (before any glyph is placed) where an input is not of these plain types. */
static PyObject *assign(PyObject *self, PyObject *args) {
    PyObject *glyphs, *tables;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &glyphs, &PyList_Type, &tables))
        return NULL;
    Py_ssize_t nt = PyList_GET_SIZE(tables), ng = PyList_GET_SIZE(glyphs);
    table_box *tb = PyMem_Calloc((size_t)(nt ? nt : 1), sizeof(table_box));
    double *centres = PyMem_Malloc((size_t)(ng ? ng : 1) * 2 * sizeof(double));
    PyObject *result = NULL, *leftover = NULL;
    if (tb == NULL || centres == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t < nt; t++) {
        PyObject *s = PyList_GET_ITEM(tables, t);
        if (!PyTuple_CheckExact(s) || PyTuple_GET_SIZE(s) != 9)
            goto none;
        double v[4];
        for (int k = 0; k < 4; k++) {
            PyObject *f = PyTuple_GET_ITEM(s, k);
            if (!PyFloat_CheckExact(f) || !isfinite(PyFloat_AS_DOUBLE(f)))
                goto none;
            v[k] = PyFloat_AS_DOUBLE(f);
        }
        tb[t].x0 = v[0], tb[t].x1 = v[1], tb[t].top = v[2], tb[t].bottom = v[3];
        Py_ssize_t ny, nx;
        int ok = read_levels(PyTuple_GET_ITEM(s, 4), &tb[t].ys, &ny);
        if (ok == 1)
            ok = read_levels(PyTuple_GET_ITEM(s, 5), &tb[t].xs, &nx);
        if (ok < 0)
            goto done;
        if (ok == 0)
            goto none;
        tb[t].nr = ny - 1, tb[t].nc = nx - 1;
        tb[t].unit_region = PyTuple_GET_ITEM(s, 6);
        tb[t].valid = PyTuple_GET_ITEM(s, 7);
        tb[t].cells = PyTuple_GET_ITEM(s, 8);
        if (!PyList_CheckExact(tb[t].unit_region) || !PyList_CheckExact(tb[t].valid) ||
            !PyList_CheckExact(tb[t].cells) || (tb[t].nr > 0 && tb[t].nc > 0 &&
            PyList_GET_SIZE(tb[t].unit_region) < tb[t].nr * tb[t].nc))
            goto none;
    }
    for (Py_ssize_t k = 0; k < ng; k++) {
        PyObject *g = PyList_GET_ITEM(glyphs, k);
        if (!PyTuple_CheckExact(g) || PyTuple_GET_SIZE(g) < 5)
            goto none;
        double v[4];
        for (int q = 0; q < 4; q++) {
            PyObject *f = PyTuple_GET_ITEM(g, q + 1);
            if (!PyFloat_CheckExact(f))
                goto none;
            v[q] = PyFloat_AS_DOUBLE(f);
        }
        centres[2 * k] = (v[0] + v[2]) / 2;
        centres[2 * k + 1] = (v[1] + v[3]) / 2;
    }
    leftover = PyList_New(0);
    if (leftover == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < ng; k++) {
        double cx = centres[2 * k], cy = centres[2 * k + 1];
        PyObject *g = PyList_GET_ITEM(glyphs, k);
        int placed = 0;
        for (Py_ssize_t t = 0; t < nt && !placed; t++) {
            table_box *b = &tb[t];
            if (!(b->x0 <= cx && cx <= b->x1 && b->top <= cy && cy <= b->bottom))
                continue;
            Py_ssize_t i = bisect_right_d(b->ys, b->nr + 1, cy) - 1;
            Py_ssize_t j = bisect_right_d(b->xs, b->nc + 1, cx) - 1;
            if (!(0 <= i && i < b->nr && 0 <= j && j < b->nc))
                continue;
            Py_ssize_t reg = PyLong_AsSsize_t(PyList_GET_ITEM(b->unit_region, i * b->nc + j));
            if (reg == -1 && PyErr_Occurred())
                goto done;
            if (reg < 0 || reg >= PyList_GET_SIZE(b->valid) || reg >= PyList_GET_SIZE(b->cells)) {
                PyErr_SetString(PyExc_IndexError, "assign: a unit's region is out of range");
                goto done;
            }
            int valid = PyObject_IsTrue(PyList_GET_ITEM(b->valid, reg));
            if (valid < 0)
                goto done;
            if (valid) {
                if (PyList_Append(PyList_GET_ITEM(b->cells, reg), g) < 0)
                    goto done;
                placed = 1;
            }
        }
        if (!placed && PyList_Append(leftover, g) < 0)
            goto done;
    }
    result = Py_NewRef(leftover);
    goto done;
none:
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(leftover);
    if (tb != NULL)
        for (Py_ssize_t t = 0; t < nt; t++) {
            PyMem_Free(tb[t].ys);
            PyMem_Free(tb[t].xs);
        }
    PyMem_Free(tb);
    PyMem_Free(centres);
    return result;
}

static PyMethodDef methods[] = {
    {"rulings", rulings, METH_VARARGS, "Rulings of the path objects of an unrotated page, appended to two lists."},
    {"char_boxes", char_boxes, METH_VARARGS, "Loose boxes of the given characters of a text page, as packed floats."},
    {"glyphs", glyphs, METH_VARARGS, "Glyph tuples, kept indices and heights of the given characters of a text page."},
    {"int_calls", int_calls, METH_VARARGS, "An int-valued PDFium function of (handle, index) for each index, packed."},
    {"objects", objects, METH_VARARGS, "Handles and types of a range of page or form objects, packed."},
    {"line_cell", line_cell, METH_O, "(text, top) of a table cell's glyphs on one line, or None (see pdf.py)."},
    {"lines", lines, METH_O, "The lines of a page's or a cell's glyphs, or None (see pdf.py's _group_lines)."},
    {"cluster", cluster, METH_VARARGS, "pdf.py's _cluster() of a list of floats, or None."},
    {"merge_segments", merge_segments, METH_VARARGS, "pdf.py's _merge_segments() of (pos, lo, hi) floats, filtered by length, or None."},
    {"assign", assign, METH_VARARGS, "Glyphs to the cells of ruled tables; the glyphs in none (see pdf.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdfloops", "The PDF reader's PDFium loops in C (see _pdfloops.c).", -1, methods,
};

/* The version of the functions above: pdf.py uses a build of this file only when the
   build says the version it expects (a build left from an older checkout is passed over). */
#define PDFLOOPS_API 3

PyMODINIT_FUNC PyInit__pdfloops(void) {
    PyObject *builtins = PyEval_GetBuiltins(); /* borrowed */
    builtin_sum = builtins == NULL ? NULL : PyDict_GetItemString(builtins, "sum");
    if (builtin_sum == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ImportError, "_pdfloops: no builtin sum");
        return NULL;
    }
    Py_INCREF(builtin_sum);
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "API", PDFLOOPS_API) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
