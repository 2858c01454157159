"""The table machinery's innermost loops in C (parsers/_rowloops.c), where the install built
them, and their Python stand-ins.

Some costs of the text path are loops the interpreter (or a Cython twin, which still goes
through Python's objects and calls) runs many times slower than plain C: making the
thousands of named tuples a report's tables are read into (`new`: tuple.__new__, a
general constructor), the digit-cutting search of a t3 row whose digits run together
(readings._parts_to_total, the parser's hottest loop), and, per row or word, the
reading and ranking of a row of plain cells (readings._plain_row), the words of running
text and the values in them, cell by cell (fields.segment_fields, _text_fields,
_word_fields), a row's cells
(tables._one_reading), the text labels are searched in and the values inside a label
(labels.without_values, fields.inside_fields).
`_rowloops.c` does them with integers and string indices, where the input is of the
usual plain kind (ASCII digits, small enough for 64-bit integers), and hands anything
else back. The Python code stays the reference: where the module is not built, or
``XXGK_PURE=1`` (everything as Python, see parsers.twins), the same work is done in
Python, with the same output (tests/test_rowloops.py compares both on random inputs,
tests/test_twins.py the whole parse).

A module built from an older `_rowloops.c` (its API is not `API`) is passed over with a
warning to rebuild it; one that is there but fails to load raises.
"""

from __future__ import annotations

from .twins import c_module

API = 5  # the version of _rowloops.c's functions this code calls (ROWLOOPS_API there)


def native():
    """The C module, or None (not built, built from another version, or XXGK_PURE set)."""
    return c_module(f"{__package__}._rowloops", API, "the table loops run as Python (slower)")


NATIVE = native()

# tuple.__new__(cls, items) for a named tuple `cls`: the same object, made in C where built
new = NATIVE.new if NATIVE is not None else tuple.__new__
