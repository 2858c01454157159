/* The PDF reader's per-glyph and per-object PDFium loops, in C (optional).

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

static PyMethodDef methods[] = {
    {"rulings", rulings, METH_VARARGS, "Rulings of the path objects of an unrotated page, appended to two lists."},
    {"char_boxes", char_boxes, METH_VARARGS, "Loose boxes of the given characters of a text page, as packed floats."},
    {"glyphs", glyphs, METH_VARARGS, "Glyph tuples, kept indices and heights of the given characters of a text page."},
    {"int_calls", int_calls, METH_VARARGS, "An int-valued PDFium function of (handle, index) for each index, packed."},
    {"objects", objects, METH_VARARGS, "Handles and types of a range of page or form objects, packed."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdfloops", "The PDF reader's PDFium loops in C (see _pdfloops.c).", -1, methods,
};

/* The version of the functions above: pdf.py uses a build of this file only when the
   build says the version it expects (a build left from an older checkout is passed over). */
#define PDFLOOPS_API 2

PyMODINIT_FUNC PyInit__pdfloops(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "API", PDFLOOPS_API) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
