"""Value fields: the text between one row label and the next, cut into fields.

A field is a stretch of value text that is one cell (a table cell, a value alone on its
line, a no-break space standing for an empty cell) or may hold several cells run together
(a word of running text, `splittable`). Label text left between values is a field too,
marked as text, so that it separates runs: `value_runs` cuts a segment's fields into the
runs of values that a row's readings are made from (readings.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .document import Flat
from .labels import LONE_VALUE
from .rowloops import NATIVE as _LOOPS
from .rowloops import new as _new
from .splitting import VALUE_WORD, Field

# Fields are made by tuple.__new__ (rowloops.new: in C where built): Field's own __new__
# is a Python call, and a report's tables make thousands of fields.


def segment_fields(flat: Flat, a: int, b: int, next_start: int | None) -> list[Field]:
    """Value fields between a label's end `a` and the next label's start `b`."""
    out: list[Field] = []
    append = out.append
    text = flat.text
    this_block = flat.block_at(max(a - 1, 0))
    next_block = flat.block_at(next_start) if next_start is not None and next_start < len(text) else None
    # label-area cells in front of the next row's label: the next label's row's, where
    # that row is not this label's (-1: no such cells)
    skipped = -1
    if next_block is not None and next_block != this_block and flat.doc.blocks[next_block].kind == "row":
        skipped = next_block
    if _LOOPS is not None:  # the same loop in C (rowloops.py)
        return _LOOPS.segment_fields(text, flat.cells_in(a, b), a, b, skipped, Field, is_value_text, _glued_parts)
    for s_start, s_end, s_block, kind in flat.cells_in(a, b):
        if kind == "row":
            if s_start < a or s_end > b:
                # The label's own cell, or the next label's: only the part between the
                # two labels is read, as running text (a scraper may leave a label and its
                # values in one cell, or a stray tab may make a whole page one "row").
                lo, hi = max(a, s_start), min(b, s_end)
                if hi > lo:
                    out += _text_fields(text, lo, hi)
                continue
            if s_block == skipped:
                continue
            cell = text[s_start:s_end].strip()
            parts = _glued_parts(text, cell, s_start) if cell and cell[-1] in _DIGITS else None
            if parts is not None:
                out += parts
            else:
                append(_new(Field, (cell, s_start, False)))
        else:
            lo, hi = max(a, s_start), min(b, s_end)
            whole = text[s_start:s_end].strip()
            if lo == s_start and hi == s_end and (whole == "" or is_value_text(whole)):
                # a value alone on its line (one cell per line): exactly one cell
                append(_new(Field, (whole, s_start, False)))
                continue
            out += _text_fields(text, lo, hi)
    return out


def inside_fields(flat: Flat, a: int, b: int) -> list[Field]:
    """Values printed inside a label's extent a..b: PDF-to-text tools print a row's values
    between the lines of its wrapped label ("2.没有现成信息" / "1 0 0 1" / "需要另行制作"),
    so a row label is its whole wrapped extent, and values inside it are its own."""
    out = []
    text = flat.text
    if _LOOPS is not None:  # the same search in C (rowloops.py); most extents hold no value
        for s, e in _LOOPS.lone_values(text, a, b):
            out.append(Field(text[s:e], s, flat.doc.blocks[flat.block_at(s)].kind != "row"))
        return out
    for m in LONE_VALUE.finditer(text, a, b):
        out.append(Field(m.group(0), m.start(), flat.doc.blocks[flat.block_at(m.start())].kind != "row"))
    return out


# A word of running text, or one no-break space: HTML tables mark an empty cell with
# &nbsp;, and text taken from such a page keeps one U+00A0 per empty cell, between
# spaced-out or run-together values ("82135\xa0\xa021859": 821|35, two blanks, 2|1|859).
_WORD = re.compile(r"[^\s\u3000]+|\xa0")


_GLUED_VALUE = re.compile(r"[^\W\d_][0-9０-９]+$")
# a glued value ends its cell (stripped, the cell has no final line break for $ to pass)
_DIGITS = frozenset("0123456789０１２３４５６７８９")


def _glued_parts(text: str, cell: str, start: int) -> list[Field] | None:
    """The fields of a table cell (`cell`, stripped, of the cell at `start`) whose value is
    glued to the text before it: a line break lost between a header cell and the first
    value ("总计0"); None for any other cell."""
    if is_value_text(cell) or not _GLUED_VALUE.search(cell):
        return None
    return _cell_parts(cell, text.index(cell, start))


def _cell_parts(cell: str, offset: int) -> list[Field]:
    """A table cell that ends in a value glued to text: the text, then the value, each
    one field (the cell's own separators still delimit the value)."""
    m = _GLUED_VALUE.search(cell)
    return [Field(cell[: m.start() + 1], offset, False), Field(cell[m.start() + 1 :], offset + m.start() + 1, False)]


def _text_fields(text: str, lo: int, hi: int) -> list[Field]:
    """Value and text fields of the running text text[lo:hi]."""
    if _LOOPS is not None:  # the same loop in C, _word_fields too (rowloops.py)
        return _LOOPS.text_fields(text, lo, hi, Field)
    out: list[Field] = []
    for m in _WORD.finditer(text, lo, hi):
        w = m.group(0)
        if w == "\xa0":
            out.append(_new(Field, ("", m.start(), False)))
        elif w.isdigit() and w.isascii():  # plain digits, most words of a table: one value field
            out.append(_new(Field, (w, m.start(), True)))
        else:
            out += _word_fields(w, m.start())
    return out


_VALUE_PART = re.compile(r"(?:[+\-]?[0-9０-９][0-9０-９.,．，]*)+(?:万元|元|件|项|条|%|％)?|[—–]+|／|/|无")


def _word_fields(word: str, offset: int) -> list[Field]:
    """A word of running text as value fields and text fields.

    Values glued to the text after them ("2020年", "无收取") are prose, not cells; values
    glued to a label before them ("总计000000") are cells."""
    out: list[Field] = []
    pos = 0
    for m in _VALUE_PART.finditer(word):
        if m.start() > pos:
            out.append(_new(Field, (word[pos : m.start()], offset + pos, True)))
        after = word[m.end() : m.end() + 1]
        if after and ("\u4e00" <= after <= "\u9fff" or after.isalpha()):
            out.append(Field(word[m.start() : m.end()] + "·", offset + m.start(), True))  # marked as text
        else:
            out.append(_new(Field, (m.group(0), offset + m.start(), True)))
        pos = m.end()
    if pos < len(word):
        out.append(_new(Field, (word[pos:], offset + pos, True)))
    return out


@lru_cache(maxsize=4096)
def is_value_text(text: str) -> bool:
    # memoised: the same few cell texts (0, 1, 无 …) come up again and again
    if text == "":
        return True
    t = text.replace("，", ",").replace("．", ".").strip("*")
    return bool(VALUE_WORD.match(t))


def value_runs(fields: list[Field], flat: Flat | None = None) -> list[list[Field]]:
    """Fields split into runs of value fields; words (leftover label text) and the
    boundary between two table rows separate runs."""
    runs: list[list[Field]] = []
    run: list[Field] = []  # the run being read (kept once it holds a field)
    prev_block = None
    block_at = flat.block_at if flat is not None else None
    is_value = is_value_text
    for f in fields:
        text, offset, splittable = f
        if block_at is not None and not splittable:
            b = block_at(offset)
            if (
                prev_block is not None
                and b != prev_block
                and run
                and any([x.text for x in run])
                and flat.doc.blocks[b].kind == "row"
            ):
                runs.append(run)
                run = []
            prev_block = b
        if is_value(text):
            if splittable and ("，" in text or "．" in text):
                f = _new(Field, (text.replace("，", ",").replace("．", "."), offset, True))
            run.append(f)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    # A run made only of blank padding fields is still a (blank) row; keep it.
    return runs


def runs_with_values(fields: list[Field], flat: Flat) -> int:
    return sum(1 for r in value_runs(fields, flat) if any(f.text for f in r))
