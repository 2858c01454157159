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

#define ROWLOOPS_API 5
#define MAX_PARTS 32   /* parts_to_total: at most this many parts (a row's columns) */
#define MAX_WIDTH 18   /* parts_to_total: a total of at most 18 digits (< 10**18) */

static int append_new(PyObject *list, PyObject *obj);

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

/* the end of LONE_VALUE's match at text[i], searched within text[:hi] (the look-behind
   sees text[i - 1] whatever the search's start, as the regex engine's does; the
   look-ahead sees hi as the text's end); i when there is none */
static Py_ssize_t lone_value_at(int kind, const void *data, Py_ssize_t hi, Py_ssize_t i) {
    if (i > 0 && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i - 1)))
        return i;
    Py_ssize_t j = i;
    Py_UCS4 c = PyUnicode_READ(kind, data, j);
    if (c == '+' || c == '-')
        j++;
    if (j >= hi || !Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, j)))
        return i;
    Py_ssize_t r = j + 1;
    while (r < hi) {
        c = PyUnicode_READ(kind, data, r);
        if (!(Py_UNICODE_ISDECIMAL(c) || c == ',' || c == '.'))
            break;
        r++;
    }
    if (!Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, r - 1)) ||
        (r < hi && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, r))))
        return i;
    return r;
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
        Py_ssize_t r = lone_value_at(kind, data, n, i);
        if (r == i)
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

/* lone_values(text, lo, hi) -> [(start, end)] of LONE_VALUE.finditer(text, lo, hi) */
static PyObject *lone_values(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t lo, hi;
    if (!PyArg_ParseTuple(args, "Unn", &text, &lo, &hi))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    /* (as the regex engine clamps pos and endpos) */
    if (hi > n)
        hi = n;
    if (hi < 0)
        hi = 0;
    if (lo < 0)
        lo = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = lo; out != NULL && i < hi; i++) {
        Py_ssize_t r = lone_value_at(kind, data, hi, i);
        if (r == i)
            continue;
        if (append_new(out, Py_BuildValue("(nn)", i, r)) < 0)
            Py_CLEAR(out);
        i = r - 1;
    }
    return out;
}


/* whether `s` is a non-empty str of ASCII digits (str.isdigit() and str.isascii()) */
static int plain_digits(PyObject *s) {
    if (!PyUnicode_CheckExact(s) || !PyUnicode_IS_ASCII(s))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    const Py_UCS1 *d = PyUnicode_1BYTE_DATA(s);
    for (Py_ssize_t i = 0; i < n; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    return n > 0;
}

/* a new instance of the tuple subclass `cls` holding the n items given (references stolen;
   NULL items: an error is set, the others are released) */
static PyObject *make(PyTypeObject *cls, Py_ssize_t n, PyObject **items) {
    PyObject *obj = NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        if (items[i] == NULL)
            goto fail;
    obj = cls->tp_alloc(cls, n);
    if (obj == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++)
        PyTuple_SET_ITEM(obj, i, items[i]);
    return obj;
fail:
    for (Py_ssize_t i = 0; i < n; i++)
        Py_XDECREF(items[i]);
    return NULL;
}

/* append `obj` (a new reference, or NULL for an error already set) to `list`: 0, or -1 */
static int append_new(PyObject *list, PyObject *obj) {
    if (obj == NULL)
        return -1;
    int r = PyList_Append(list, obj);
    Py_DECREF(obj);
    return r;
}

static int is_d(Py_UCS4 c) { return (c >= '0' && c <= '9') || (c >= 0xff10 && c <= 0xff19); } /* [0-9０-９] */
static int is_dp(Py_UCS4 c) { return is_d(c) || c == '.' || c == ',' || c == 0xff0e || c == 0xff0c; } /* [0-9０-９.,．，] */

/* the end of fields._VALUE_PART's match at word[i] (i when none):
   (?:[+\-]?D[DP]*)+(?:万元|元|件|项|条|%|％)?|[—–]+|／|/|无  (D, DP: is_d, is_dp). The
   repeated group takes what it can (nothing after it can fail), then the first unit
   that follows; the other alternatives are tried only where the first matches nothing. */
static Py_ssize_t value_part(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    Py_ssize_t j = i;
    for (;;) {
        Py_ssize_t k = j;
        Py_UCS4 c = PyUnicode_READ(kind, data, k);
        if ((c == '+' || c == '-') && k + 1 < n)
            c = PyUnicode_READ(kind, data, ++k);
        if (!is_d(c))
            break;
        for (k++; k < n && is_dp(PyUnicode_READ(kind, data, k)); k++)
            ;
        j = k;
        if (j >= n)
            break;
    }
    if (j > i) {
        if (j < n) {
            Py_UCS4 u = PyUnicode_READ(kind, data, j);
            if (u == 0x4e07 && j + 1 < n && PyUnicode_READ(kind, data, j + 1) == 0x5143) /* 万元 */
                return j + 2;
            if (u == 0x5143 || u == 0x4ef6 || u == 0x9879 || u == 0x6761 || u == '%' || u == 0xff05) /* 元件项条%％ */
                return j + 1;
        }
        return j;
    }
    Py_UCS4 c = PyUnicode_READ(kind, data, i);
    if (c == 0x2014 || c == 0x2013) { /* [—–]+ */
        for (j = i + 1; j < n; j++) {
            Py_UCS4 d = PyUnicode_READ(kind, data, j);
            if (d != 0x2014 && d != 0x2013)
                break;
        }
        return j;
    }
    return c == 0xff0f || c == '/' || c == 0x65e0 ? i + 1 : i; /* ／ / 无 */
}

/* a splittable Field(word[a:b] (+ "·" when marked), offset + a, True) appended to out */
static int append_part(PyObject *out, PyTypeObject *cls, PyObject *word, Py_ssize_t a, Py_ssize_t b, Py_ssize_t offset,
                       int marked) {
    PyObject *text = PyUnicode_Substring(word, a, b);
    if (text != NULL && marked) {
        PyObject *dot = PyUnicode_FromOrdinal(0xb7);
        PyObject *both = dot == NULL ? NULL : PyUnicode_Concat(text, dot);
        Py_XDECREF(dot);
        Py_SETREF(text, both);
    }
    PyObject *items[3] = {text, PyLong_FromSsize_t(offset + a), Py_NewRef(Py_True)};
    return append_new(out, make(cls, 3, items));
}

/* fields._word_fields(word, offset): the values in a word (_VALUE_PART's matches) and
   the text between them, each a splittable field; a value glued to a CJK ideograph or a
   letter after it is prose, marked with "·" (so that it is no value). */
static int word_fields_into(PyObject *out, PyTypeObject *cls, PyObject *word, Py_ssize_t offset) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    Py_ssize_t pos = 0, i = 0;
    while (i < n) {
        Py_ssize_t j = value_part(kind, data, n, i);
        if (j == i) {
            i++;
            continue;
        }
        if (i > pos && append_part(out, cls, word, pos, i, offset, 0) < 0)
            return -1;
        int marked = 0;
        if (j < n) {
            Py_UCS4 after = PyUnicode_READ(kind, data, j);
            marked = (after >= 0x4e00 && after <= 0x9fff) || Py_UNICODE_ISALPHA(after);
        }
        if (append_part(out, cls, word, i, j, offset, marked) < 0)
            return -1;
        pos = i = j;
    }
    return pos < n ? append_part(out, cls, word, pos, n, offset, 0) : 0;
}

/* word_fields(word, offset, field_cls) -> fields._word_fields(word, offset) */
static PyObject *word_fields(PyObject *self, PyObject *args) {
    PyObject *word, *cls;
    Py_ssize_t offset;
    if (!PyArg_ParseTuple(args, "UnO!", &word, &offset, &PyType_Type, &cls))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "word_fields: field_cls must be a subclass of tuple");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out != NULL && word_fields_into(out, (PyTypeObject *)cls, word, offset) < 0)
        Py_CLEAR(out);
    return out;
}

/* text_fields(text, lo, hi, field_cls) -> fields._text_fields(text, lo, hi)

   The words of text[lo:hi] as _WORD ([^\s\u3000]+|\xa0) finds them: runs of characters
   that are not whitespace (Py_UNICODE_ISSPACE, as the regex engine's \s; U+3000 is
   one), and each no-break space alone. A no-break space is a blank one-cell field, a
   word of ASCII digits a splittable field; any other word gives _word_fields' fields
   (word_fields_into). */
/* the fields of text[lo:hi] appended to out (text_fields): 0, or -1 on error */
static int text_fields_into(PyObject *out, PyTypeObject *cls, PyObject *text, Py_ssize_t lo, Py_ssize_t hi) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (lo < 0)
        lo = 0;
    if (hi > n)
        hi = n;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t i = lo;
    while (i < hi) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c)) {
            if (c == 0xa0) { /* a blank cell's trace: a one-cell field "" */
                PyObject *items[3] = {PyUnicode_New(0, 0), PyLong_FromSsize_t(i), Py_NewRef(Py_False)};
                if (append_new(out, make(cls, 3, items)) < 0)
                    return -1;
            }
            i++;
            continue;
        }
        Py_ssize_t j = i + 1;
        int digits = c >= '0' && c <= '9';
        while (j < hi) {
            Py_UCS4 d = PyUnicode_READ(kind, data, j);
            if (Py_UNICODE_ISSPACE(d))
                break;
            digits = digits && d >= '0' && d <= '9';
            j++;
        }
        PyObject *word = PyUnicode_Substring(text, i, j);
        if (word == NULL)
            return -1;
        if (digits) { /* plain digits, most words of a table: one splittable field */
            PyObject *items[3] = {word, PyLong_FromSsize_t(i), Py_NewRef(Py_True)};
            if (append_new(out, make(cls, 3, items)) < 0)
                return -1;
        } else {
            int r = word_fields_into(out, cls, word, i);
            Py_DECREF(word);
            if (r < 0)
                return -1;
        }
        i = j;
    }
    return 0;
}

static int tuple_class(PyObject *cls, const char *who) {
    if (PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type))
        return 0;
    PyErr_Format(PyExc_TypeError, "%s: field_cls must be a subclass of tuple", who);
    return -1;
}

static PyObject *text_fields(PyObject *self, PyObject *args) {
    PyObject *text, *cls;
    Py_ssize_t lo, hi;
    if (!PyArg_ParseTuple(args, "UnnO!", &text, &lo, &hi, &PyType_Type, &cls) || tuple_class(cls, "text_fields") < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out != NULL && text_fields_into(out, (PyTypeObject *)cls, text, lo, hi) < 0)
        Py_CLEAR(out);
    return out;
}

static PyObject *str_row; /* "row" (made at import) */

/* whether c may end a value glued to a cell's text (fields._DIGITS: [0-9０-９]) */
static int glued_digit(Py_UCS4 c) { return (c >= '0' && c <= '9') || (c >= 0xff10 && c <= 0xff19); }

/* one cell (start, end, block, kind) of segment_fields' loop, its fields appended to out */
static int segment_cell(PyObject *out, PyTypeObject *cls, PyObject *text, PyObject *item, Py_ssize_t a, Py_ssize_t b,
                        PyObject *skipped, PyObject *is_value, PyObject *glued) {
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 4) {
        PyErr_SetString(PyExc_TypeError, "segment_fields: cells are (start, end, block, kind)");
        return -1;
    }
    PyObject *start_obj = PyTuple_GET_ITEM(item, 0);
    Py_ssize_t s0 = PyLong_AsSsize_t(start_obj), s1 = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
    if ((s0 == -1 || s1 == -1) && PyErr_Occurred())
        return -1;
    int row = PyUnicode_Compare(PyTuple_GET_ITEM(item, 3), str_row) == 0;
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t lo = a > s0 ? a : s0, hi = b < s1 ? b : s1;
    if (row && (s0 < a || s1 > b)) /* a label's own cell, or the next's: the part between them as running text */
        return hi > lo ? text_fields_into(out, cls, text, lo, hi) : 0;
    if (row) {
        int skip = PyObject_RichCompareBool(PyTuple_GET_ITEM(item, 2), skipped, Py_EQ);
        if (skip != 0)
            return skip < 0 ? -1 : 0;
    }
    /* text[s0:s1].strip() */
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), t0 = s0 < 0 ? 0 : s0, t1 = s1 > n ? n : s1;
    while (t0 < t1 && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, t0)))
        t0++;
    while (t1 > t0 && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, t1 - 1)))
        t1--;
    PyObject *cell = PyUnicode_Substring(text, t0, t1 > t0 ? t1 : t0);
    if (cell == NULL)
        return -1;
    if (row && t1 > t0 && glued_digit(PyUnicode_READ(kind, data, t1 - 1))) {
        PyObject *parts = PyObject_CallFunctionObjArgs(glued, text, cell, start_obj, NULL);
        if (parts == NULL || parts != Py_None) {
            int r = -1;
            if (parts != NULL) {
                Py_ssize_t at = PyList_GET_SIZE(out);
                r = PyList_SetSlice(out, at, at, parts);
                Py_DECREF(parts);
            }
            Py_DECREF(cell);
            return r;
        }
        Py_DECREF(parts);
    }
    if (!row) { /* a value alone on its line is one cell; anything else running text */
        int whole = lo == s0 && hi == s1;
        if (whole && t1 > t0) {
            PyObject *v = PyObject_CallOneArg(is_value, cell);
            whole = v == NULL ? -1 : PyObject_IsTrue(v);
            Py_XDECREF(v);
        }
        if (whole <= 0) {
            Py_DECREF(cell);
            return whole < 0 ? -1 : text_fields_into(out, cls, text, lo, hi);
        }
    }
    PyObject *items[3] = {cell, Py_NewRef(start_obj), Py_NewRef(Py_False)};
    return append_new(out, make(cls, 3, items));
}

/* segment_fields(text, cells, a, b, skipped, field_cls, is_value, glued) -> fields

   fields.segment_fields' loop over the cells (start, end, block, kind) that
   Flat.cells_in(a, b) gives: a row's cell between the labels is one field (its text
   stripped), unless it ends in a digit and glued(text, cell, start) gives its parts (a
   value glued to the cell's text); a label's own cell, or the next's, and running text
   are read as text_fields reads them; a line that is one value (is_value(text)) or
   blank is one field. Cells of block `skipped` are the next row's label cells. */
static PyObject *segment_fields(PyObject *self, PyObject *args) {
    PyObject *text, *cells, *skipped, *cls, *is_value, *glued;
    Py_ssize_t a, b;
    if (!PyArg_ParseTuple(args, "UOnnOO!OO", &text, &cells, &a, &b, &skipped, &PyType_Type, &cls, &is_value, &glued) ||
        tuple_class(cls, "segment_fields") < 0)
        return NULL;
    PyObject *it = PyObject_GetIter(cells);
    if (it == NULL)
        return NULL;
    PyObject *out = PyList_New(0), *item;
    while (out != NULL && (item = PyIter_Next(it)) != NULL) {
        int r = segment_cell(out, (PyTypeObject *)cls, text, item, a, b, skipped, is_value, glued);
        Py_DECREF(item);
        if (r < 0)
            Py_CLEAR(out);
    }
    Py_DECREF(it);
    if (out != NULL && PyErr_Occurred())
        Py_CLEAR(out);
    return out;
}

#define PLAIN_CELLS 64   /* plain_row: at most this many cells */
#define PLAIN_DIGITS 17  /* plain_row: values of at most 17 digits (64 of them add up in int64) */

/* an index of a row's cells given as a Python int: 0 <= index < n, or -1 with an error */
static Py_ssize_t cell_index(PyObject *o, Py_ssize_t n) {
    Py_ssize_t i = PyLong_AsSsize_t(o);
    if (i == -1 && PyErr_Occurred())
        return -1;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, "plain_row: a cell index outside the row");
        return -1;
    }
    return i;
}

/* the sums (total index, part indices) and inequalities (a, b) of a row, counted over
   its values (blank: has[i] == 0): out[0] violated, out[1] soft, out[2] unverifiable */
static int count_faults(PyObject *groups, PyObject *le, Py_ssize_t n, const long long *val, const char *has,
                        long long out[3]) {
    out[0] = out[1] = out[2] = 0;
    for (Py_ssize_t g = 0; g < PyTuple_GET_SIZE(groups); g++) {
        PyObject *grp = PyTuple_GET_ITEM(groups, g);
        if (!PyTuple_Check(grp) || PyTuple_GET_SIZE(grp) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(grp, 1))) {
            PyErr_SetString(PyExc_TypeError, "plain_row: a group is (total index, (part indices))");
            return -1;
        }
        Py_ssize_t t = cell_index(PyTuple_GET_ITEM(grp, 0), n);
        if (t < 0)
            return -1;
        PyObject *parts = PyTuple_GET_ITEM(grp, 1);
        long long sum = 0;
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(parts); k++) {
            Py_ssize_t i = cell_index(PyTuple_GET_ITEM(parts, k), n);
            if (i < 0)
                return -1;
            sum += has[i] ? val[i] : 0;
        }
        if (!has[t])
            out[2]++;
        else if (sum != val[t])
            out[0]++;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(le); k++) {
        PyObject *pair = PyTuple_GET_ITEM(le, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "plain_row: an inequality is (a, b)");
            return -1;
        }
        Py_ssize_t a = cell_index(PyTuple_GET_ITEM(pair, 0), n), b = a < 0 ? -1 : cell_index(PyTuple_GET_ITEM(pair, 1), n);
        if (b < 0)
            return -1;
        out[1] += has[a] && has[b] && val[a] > val[b];
    }
    return 0;
}

/* plain_row(run, n, groups, le) -> (cells, violated, soft, unverifiable), or None

   readings._plain_row's work for a run (a list of Field tuples: text, offset,
   splittable) of n one-cell fields, each blank or plain ASCII digits of at most 17
   digits: the reading ((text, offset), or ("", None) for a blank) and the counts of its
   rank. None for any other run (readings._plain_row then reads it in Python). */
static PyObject *plain_row(PyObject *self, PyObject *args) {
    PyObject *run, *groups, *le;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!nO!O!", &PyList_Type, &run, &n, &PyTuple_Type, &groups, &PyTuple_Type, &le))
        return NULL;
    if (PyList_GET_SIZE(run) != n || n > PLAIN_CELLS || n < 1)
        Py_RETURN_NONE;
    long long val[PLAIN_CELLS];
    char has[PLAIN_CELLS];
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *f = PyList_GET_ITEM(run, i);
        if (!PyTuple_Check(f) || PyTuple_GET_SIZE(f) != 3)
            Py_RETURN_NONE;
        PyObject *text = PyTuple_GET_ITEM(f, 0);
        int split = PyObject_IsTrue(PyTuple_GET_ITEM(f, 2));
        if (split < 0)
            return NULL;
        if (split || !PyUnicode_CheckExact(text))
            Py_RETURN_NONE;
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        has[i] = len > 0;
        val[i] = 0;
        if (!has[i])
            continue;
        if (len > PLAIN_DIGITS || !plain_digits(text))
            Py_RETURN_NONE;
        const Py_UCS1 *d = PyUnicode_1BYTE_DATA(text);
        for (Py_ssize_t k = 0; k < len; k++)
            val[i] = val[i] * 10 + (d[k] - '0');
    }
    long long faults[3];
    if (count_faults(groups, le, n, val, has, faults) < 0)
        return NULL;
    PyObject *cells = PyTuple_New(n);
    if (cells == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *f = PyList_GET_ITEM(run, i);
        PyObject *cell = has[i] ? PyTuple_Pack(2, PyTuple_GET_ITEM(f, 0), PyTuple_GET_ITEM(f, 1))
                                : Py_BuildValue("(NO)", PyUnicode_New(0, 0), Py_None);
        if (cell == NULL) {
            Py_DECREF(cells);
            return NULL;
        }
        PyTuple_SET_ITEM(cells, i, cell);
    }
    return Py_BuildValue("(NLLL)", cells, faults[0], faults[1], faults[2]);
}

static PyObject *str_key, *str_number; /* "key", "number" (made at import) */

/* int(raw) of a str of ASCII digits (plain_digits) */
static PyObject *digits_value(PyObject *raw) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    if (n > 18)
        return PyLong_FromUnicodeObject(raw, 10);
    const Py_UCS1 *d = PyUnicode_1BYTE_DATA(raw);
    long long v = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        v = v * 10 + (d[i] - '0');
    return PyLong_FromLongLong(v);
}

/* the ReportCell (`cls`) of a cell (raw, off) printed as plain digits at `off`, stored
   under `addr` (a new reference): 0, or -1 on error */
static int plain_cell(PyObject *cells, PyObject *addr, PyObject *raw, PyObject *off, PyObject *loc_and_start,
                      PyTypeObject *cls) {
    PyObject *at = PyObject_CallOneArg(loc_and_start, off);
    if (at == NULL)
        return -1;
    if (!PyTuple_Check(at) || PyTuple_GET_SIZE(at) != 2) {
        Py_DECREF(at);
        PyErr_SetString(PyExc_TypeError, "one_reading: loc_and_start must give (loc, start)");
        return -1;
    }
    PyObject *items[10] = {
        Py_NewRef(addr), digits_value(raw), Py_NewRef(raw), Py_NewRef(str_number),
        Py_NewRef(PyTuple_GET_ITEM(at, 0)), Py_NewRef(Py_None), Py_NewRef(Py_None),
        PyNumber_Subtract(off, PyTuple_GET_ITEM(at, 1)), Py_NewRef(off), Py_NewRef(Py_None),
    };
    Py_DECREF(at);
    PyObject *cell = make(cls, 10, items);
    if (cell == NULL)
        return -1;
    int r = PyDict_SetItem(cells, addr, cell);
    Py_DECREF(cell);
    return r;
}

/* one_reading(cells, prefix, cols, reading, loc_and_start, cell_cls, money, other)

   tables._one_reading's loop: for each column and cell of the reading (as zip gives
   them), the cell at prefix + col.key into the dict `cells`, in order. A cell printed as
   plain digits (raw ASCII digits, an offset) in a column whose key is not in `money` is
   made here as _one_reading makes it: cell_cls(addr, int(raw), raw, "number", loc, None,
   None, offset - start, offset, None), (loc, start) = loc_and_start(offset); any other
   is other(addr, index)'s. */
static PyObject *one_reading(PyObject *self, PyObject *args) {
    PyObject *cells, *prefix, *cols, *reading, *loc_and_start, *cls, *money, *other;
    if (!PyArg_ParseTuple(args, "O!UO!O!OO!O!O", &PyDict_Type, &cells, &prefix, &PyTuple_Type, &cols, &PyTuple_Type,
                          &reading, &loc_and_start, &PyType_Type, &cls, &PyTuple_Type, &money, &other))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "one_reading: cell_cls must be a subclass of tuple");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(cols) < PyTuple_GET_SIZE(reading) ? PyTuple_GET_SIZE(cols) : PyTuple_GET_SIZE(reading);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyObject_GetAttr(PyTuple_GET_ITEM(cols, i), str_key);
        if (key == NULL)
            return NULL;
        PyObject *addr = PyUnicode_Concat(prefix, key);
        int in_money = addr == NULL ? -1 : PySequence_Contains(money, key);
        Py_DECREF(key);
        if (in_money < 0) {
            Py_XDECREF(addr);
            return NULL;
        }
        PyObject *cell = PyTuple_GET_ITEM(reading, i);
        int r;
        if (!in_money && PyTuple_Check(cell) && PyTuple_GET_SIZE(cell) == 2 && PyTuple_GET_ITEM(cell, 1) != Py_None &&
            plain_digits(PyTuple_GET_ITEM(cell, 0))) {
            r = plain_cell(cells, addr, PyTuple_GET_ITEM(cell, 0), PyTuple_GET_ITEM(cell, 1), loc_and_start,
                           (PyTypeObject *)cls);
        } else {
            PyObject *index = PyLong_FromSsize_t(i);
            PyObject *made = index == NULL ? NULL : PyObject_CallFunctionObjArgs(other, addr, index, NULL);
            Py_XDECREF(index);
            r = made == NULL ? -1 : PyDict_SetItem(cells, addr, made);
            Py_XDECREF(made);
        }
        Py_DECREF(addr);
        if (r < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"one_reading", one_reading, METH_VARARGS, "tables._one_reading's cells of a row read one way."},
    {"plain_row", plain_row, METH_VARARGS, "readings._plain_row's reading and counts, or None."},
    {"segment_fields", segment_fields, METH_VARARGS, "fields.segment_fields' loop over a segment's cells."},
    {"text_fields", text_fields, METH_VARARGS, "fields._text_fields(text, lo, hi)."},
    {"word_fields", word_fields, METH_VARARGS, "fields._word_fields(word, offset)."},
    {"lone_values", lone_values, METH_VARARGS, "(start, end) of each of LONE_VALUE.finditer(text, lo, hi)."},
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
    str_key = PyUnicode_InternFromString("key");
    str_number = PyUnicode_InternFromString("number");
    str_row = PyUnicode_InternFromString("row");
    if (str_key == NULL || str_number == NULL || str_row == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "API", ROWLOOPS_API) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
