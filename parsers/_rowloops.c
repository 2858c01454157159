/* The table machinery's innermost loops in C (optional): see parsers/rowloops.py.

   The text path's time is spread over many small functions; two of its costs are loops
   that C does many times faster than the interpreter, even compiled by Cython:

   - new(cls, items): tuple.__new__(cls, items) for a tuple subclass (a named tuple such
     as Field or ReportCell) and a tuple `items`. tuple.__new__ is a general constructor
     (argument checks, a copy of the argument tuple, the iterable protocol); a report
     makes thousands of fields and cells through it. The object made is the same: the
     class's own allocation, the items in order.

   - parts_to_total(texts, offsets, m, total, width, limit, max_digits): the readings of
     readings._parts_to_total for a head of plain ASCII digit words, each one splittable
     field (the usual t3 row: its digits run together), with a total of at most 18
     digits, so that every number of the search fits in a signed 64-bit integer. The
     search is the Python one step for step (its bounds, its `hopeless` cut, its order,
     its `limit`); readings.py keeps the Python loop as the reference and for every other
     head, and tests/test_rowloops.py compares both on random heads.

   - blank_lone_values(text): labels.without_values, the text table 三's labels are
     searched in, its lone values blanked out (a regex substitution with a Python
     callback per value there; a scan of the text here).

   Everything here is integers and string indices; no floating point. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define ROWLOOPS_API 1
#define MAX_PARTS 32   /* parts_to_total: at most this many parts (a row's columns) */
#define MAX_WIDTH 18   /* parts_to_total: a total of at most 18 digits (< 10**18) */

/* new(cls, items) -> tuple.__new__(cls, items) */
static PyObject *new_tuple(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "new(cls, items) takes 2 arguments");
        return NULL;
    }
    PyObject *cls = args[0], *items = args[1];
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type) ||
        (PyTypeObject *)cls == &PyTuple_Type) {
        PyErr_SetString(PyExc_TypeError, "new(cls, items): cls must be a subclass of tuple");
        return NULL;
    }
    if (!PyTuple_CheckExact(items)) {
        PyErr_SetString(PyExc_TypeError, "new(cls, items): items must be a tuple");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    /* as tuple_subtype_new: the class's tp_alloc (which tracks the object for the GC) */
    PyObject *obj = ((PyTypeObject *)cls)->tp_alloc((PyTypeObject *)cls, n);
    if (obj == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(items, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(obj, i, item);
    }
    return obj;
}

static const long long P10[MAX_WIDTH + 1] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

typedef struct {
    Py_ssize_t nf, m, width, limit, max_digits;
    long long total;
    PyObject *const *texts;    /* the head's words (str, ASCII digits) */
    const char **s;            /* their characters */
    Py_ssize_t *len, *offset;  /* their lengths and offsets */
    Py_ssize_t *after;         /* characters in the words after each one (nf + 1) */
    Py_ssize_t ncells;         /* the parts taken so far: word, start, end of each */
    Py_ssize_t cfi[MAX_PARTS], cpos[MAX_PARTS], cend[MAX_PARTS];
    PyObject *out;             /* the readings found (a list) */
} search;

/* readings._parts_to_total's hopeless(acc, rest, left): `left` parts cut from `rest`
   digits cannot add up to total - acc. (acc <= total < 10**18 and rest >= left >= 1.) */
static int hopeless(const search *p, long long acc, Py_ssize_t rest, Py_ssize_t left) {
    Py_ssize_t k = rest - left + 1; /* acc + 10**k + 9 * (left - 1) <= total */
    if (k <= MAX_WIDTH && acc + P10[k] + 9 * (long long)(left - 1) <= p->total)
        return 1;
    Py_ssize_t longest = (rest + left - 1) / left; /* -(-rest // left) */
    if (longest >= 2) {
        if (longest - 1 > MAX_WIDTH) /* 10 ** (longest - 1) > any total */
            return 1;
        if (acc + P10[longest - 1] > p->total)
            return 1;
    }
    return 0;
}

/* the reading of the parts taken, as ((text, offset), ...) appended to p->out */
static int emit(search *p) {
    PyObject *reading = PyTuple_New(p->m);
    if (reading == NULL)
        return -1;
    for (Py_ssize_t c = 0; c < p->m; c++) {
        Py_ssize_t fi = p->cfi[c];
        PyObject *cell = Py_BuildValue(
            "(Nn)", PyUnicode_Substring(p->texts[fi], p->cpos[c], p->cend[c]), p->offset[fi] + p->cpos[c]);
        if (cell == NULL) {
            Py_DECREF(reading);
            return -1;
        }
        PyTuple_SET_ITEM(reading, c, cell);
    }
    int r = PyList_Append(p->out, reading);
    Py_DECREF(reading);
    return r;
}

static int rec(search *p, Py_ssize_t fi, Py_ssize_t pos, long long acc);

/* take s[pos:end] of word fi as the next part, search on from its end */
static int take(search *p, Py_ssize_t fi, Py_ssize_t pos, Py_ssize_t end, long long acc) {
    Py_ssize_t c = p->ncells++;
    p->cfi[c] = fi, p->cpos[c] = pos, p->cend[c] = end;
    int r = end == p->len[fi] ? rec(p, fi + 1, 0, acc) : rec(p, fi, end, acc);
    p->ncells--;
    return r;
}

/* readings._parts_to_total's rec(fi, pos, acc) for plain digit words: 0, or -1 on error */
static int rec(search *p, Py_ssize_t fi, Py_ssize_t pos, long long acc) {
    if (PyList_GET_SIZE(p->out) >= p->limit)
        return 0;
    if (fi == p->nf)
        return p->ncells == p->m && acc == p->total ? emit(p) : 0;
    Py_ssize_t col = p->ncells;
    if (col >= p->m)
        return 0;
    const char *s = p->s[fi];
    Py_ssize_t L = p->len[fi];
    Py_ssize_t rest = (L - pos) + p->after[fi + 1];
    Py_ssize_t left = p->m - col;
    if (rest < left || rest > left * p->width || acc > p->total)
        return 0;
    if (rest <= p->max_digits && hopeless(p, acc, rest, left))
        return 0;
    if (col == p->m - 1) { /* the last part: the total fixes it */
        char want[24];
        int wl = snprintf(want, sizeof want, "%lld", p->total - acc);
        /* (a word of digits admits every end, but after a 0 only the next: "0" is the
           one want that starts with 0, so s.startswith(want, pos) is the whole test) */
        if (pos + wl <= L && memcmp(s + pos, want, (size_t)wl) == 0)
            return take(p, fi, pos, pos + wl, p->total);
        return 0;
    }
    Py_ssize_t room = L + p->after[fi + 1]; /* characters left after a part ending at 0 */
    Py_ssize_t lo = room - (left - 1) * p->width, hi = room - (left - 1);
    if (lo < pos + 1)
        lo = pos + 1;
    if (hi > L)
        hi = L;
    if (s[pos] == '0' && hi > pos + 1)
        hi = pos + 1;
    for (Py_ssize_t end = lo; end <= hi; end++) {
        if (end - pos > MAX_WIDTH) /* no leading 0 past one digit: v >= 10**18 > total */
            break;
        long long v = 0;
        for (Py_ssize_t i = pos; i < end; i++)
            v = v * 10 + (s[i] - '0');
        if (acc + v > p->total)
            break;
        Py_ssize_t rest2 = room - end;
        if (rest2 <= p->max_digits && hopeless(p, acc + v, rest2, left - 1))
            continue;
        if (take(p, fi, pos, end, acc + v) < 0)
            return -1;
    }
    return 0;
}

/* parts_to_total(texts, offsets, m, total, width, limit, max_digits) -> list of readings */
static PyObject *parts_to_total(PyObject *self, PyObject *args) {
    PyObject *texts, *offsets;
    search p;
    if (!PyArg_ParseTuple(args, "O!O!nLnnn", &PyTuple_Type, &texts, &PyTuple_Type, &offsets, &p.m, &p.total,
                          &p.width, &p.limit, &p.max_digits))
        return NULL;
    p.nf = PyTuple_GET_SIZE(texts);
    if (PyTuple_GET_SIZE(offsets) != p.nf || p.m < 1 || p.m > MAX_PARTS || p.width < 1 || p.width > MAX_WIDTH ||
        p.total < 0 || p.total >= P10[p.width]) {
        PyErr_SetString(PyExc_ValueError, "parts_to_total: arguments outside what the C search handles");
        return NULL;
    }
    Py_ssize_t *ints = PyMem_Malloc(sizeof(Py_ssize_t) * (3 * (size_t)p.nf + 1) + 1);
    const char **chars = PyMem_Malloc(sizeof(char *) * ((size_t)p.nf + 1));
    if (ints == NULL || chars == NULL) {
        PyMem_Free(ints);
        PyMem_Free(chars);
        return PyErr_NoMemory();
    }
    p.len = ints, p.offset = ints + p.nf, p.after = ints + 2 * p.nf, p.s = chars;
    p.texts = &PyTuple_GET_ITEM(texts, 0);
    p.after[p.nf] = 0;
    for (Py_ssize_t i = p.nf - 1; i >= 0; i--) {
        PyObject *t = PyTuple_GET_ITEM(texts, i);
        if (!PyUnicode_Check(t) || !PyUnicode_IS_READY(t) || !PyUnicode_IS_ASCII(t) || PyUnicode_GET_LENGTH(t) == 0) {
            PyErr_SetString(PyExc_ValueError, "parts_to_total: each text must be ASCII digits");
            goto fail;
        }
        p.s[i] = (const char *)PyUnicode_1BYTE_DATA(t);
        p.len[i] = PyUnicode_GET_LENGTH(t);
        for (Py_ssize_t j = 0; j < p.len[i]; j++)
            if (p.s[i][j] < '0' || p.s[i][j] > '9') {
                PyErr_SetString(PyExc_ValueError, "parts_to_total: each text must be ASCII digits");
                goto fail;
            }
        p.offset[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(offsets, i));
        if (p.offset[i] == -1 && PyErr_Occurred())
            goto fail;
        p.after[i] = p.after[i + 1] + p.len[i];
    }
    p.ncells = 0;
    p.out = PyList_New(0);
    if (p.out == NULL)
        goto fail;
    if (rec(&p, 0, 0, 0) < 0) {
        Py_CLEAR(p.out);
        goto fail;
    }
    PyMem_Free(ints);
    PyMem_Free(chars);
    return p.out;
fail:
    PyMem_Free(ints);
    PyMem_Free(chars);
    return NULL;
}

/* blank_lone_values(text) -> labels.LONE_VALUE.sub(lambda m: " " * len(m.group(0)), text)

   LONE_VALUE is (?<!\S)[+\-]?\d(?:[\d,.]*\d)?(?!\S): a value standing alone between
   whitespace (or the text's ends). Read as the regex engine reads it: \d is a Unicode
   decimal digit (Py_UNICODE_ISDECIMAL), \s Unicode whitespace (Py_UNICODE_ISSPACE). At a
   position after whitespace, a sign (optional) and a digit start the run of digits,
   commas and points that follows; as none of those is whitespace, the one end the
   look-ahead admits is the run's end, which must be a digit followed by whitespace or
   the text's end. The search goes on after a match, as re.sub's does. */
static PyObject *blank_lone_values(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text) || PyUnicode_READY(text) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "blank_lone_values(text): text must be a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *buf = NULL; /* made at the first match: a text with none is returned as it is */
    Py_ssize_t copied = 0; /* buf holds text[:copied] as it is to stand */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i > 0 && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i - 1)))
            continue;
        Py_ssize_t j = i;
        Py_UCS4 c = PyUnicode_READ(kind, data, j);
        if (c == '+' || c == '-')
            j++;
        if (j >= n || !Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, j)))
            continue;
        Py_ssize_t r = j + 1;
        while (r < n) {
            c = PyUnicode_READ(kind, data, r);
            if (!(Py_UNICODE_ISDECIMAL(c) || c == ',' || c == '.'))
                break;
            r++;
        }
        if (!Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, r - 1)) ||
            (r < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, r))))
            continue;
        if (buf == NULL && (buf = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)n)) == NULL)
            return PyErr_NoMemory();
        for (; copied < i; copied++)
            buf[copied] = PyUnicode_READ(kind, data, copied);
        for (; copied < r; copied++)
            buf[copied] = ' ';
        i = r - 1; /* (the loop's i++: on at the match's end) */
    }
    if (buf == NULL) {
        Py_INCREF(text);
        return text;
    }
    for (; copied < n; copied++)
        buf[copied] = PyUnicode_READ(kind, data, copied);
    /* (the narrowest kind that holds the result, as every str must be) */
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, n);
    PyMem_Free(buf);
    return out;
}

static PyMethodDef methods[] = {
    {"blank_lone_values", blank_lone_values, METH_O, "labels.without_values(text): lone values blanked out."},
    {"new", (PyCFunction)(void (*)(void))new_tuple, METH_FASTCALL, "tuple.__new__(cls, items) for a tuple subclass."},
    {"parts_to_total", parts_to_total, METH_VARARGS,
     "readings._parts_to_total for words of plain ASCII digits and a total of at most 18 digits."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rowloops", "The table machinery's innermost loops in C (see _rowloops.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__rowloops(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "API", ROWLOOPS_API) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
