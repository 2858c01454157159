"""The table machinery's C loops (parsers/_rowloops.c, built by `pip install -e .`) give what
their Python stand-ins give (parsers/rowloops.py): the same named tuples, and the same
readings of a t3 row's run-together digits, in the same order, cut at the same limit.
(tests/test_twins.py compares whole parses with and without them.)"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import readings, rowloops
from parsers.model import ReportCell
from parsers.splitting import Field
from tests.conftest import n_examples


@pytest.fixture(scope="module")
def loops():
    if rowloops.NATIVE is None:
        if os.environ.get("CI") and not os.environ.get("XXGK_PURE"):
            pytest.fail("CI builds the C loops: `pip install -e .` did not build parsers/_rowloops")
        pytest.skip("parsers/_rowloops is not built (pip install -e . builds it), or XXGK_PURE is set")
    return rowloops.NATIVE


def _python_parts(head, m, total, width, limit):
    return readings._parts_to_total(head, m, total, width, _valid, limit)


def _valid(i, text):
    return True  # (plain digits are valid in every column; the C search takes only those)


words = st.lists(st.text("0123456789", min_size=1, max_size=9), min_size=1, max_size=4)


@settings(max_examples=n_examples(300), deadline=None)
@given(words=words, m=st.integers(1, 8), total=st.integers(0, 10**6), limit=st.sampled_from([1, 3, 20000]))
def test_parts_to_total_in_c_as_in_python(loops, words, m, total, limit):
    """Random words of digits, part counts, totals and limits: the same readings."""
    head = [Field(w, 3 + 11 * i, True) for i, w in enumerate(words)]
    width = len(str(total))
    texts = tuple(words)
    offsets = tuple(f.offset for f in head)
    c = loops.parts_to_total(texts, offsets, m, total, width, limit, 4300)
    assert c == _python_parts(head, m, total, width, limit)
    assert readings._native_parts(head, m, total, width, limit) == c


@settings(max_examples=n_examples(200), deadline=None)
@given(data=st.data(), m=st.integers(2, 7))
def test_parts_to_total_of_rows_that_add_up(loops, data, m):
    """Rows whose parts do add up to their total (so that readings are found), with zeros
    and large numbers, as digits run together in one word or a few (the parts printed
    are among the readings)."""
    parts = data.draw(st.lists(st.integers(0, 10**5).map(lambda v: v // 7 if v % 3 else 0), min_size=m, max_size=m))
    digits = "".join(map(str, parts))
    bounds = [len("".join(map(str, parts[:k]))) for k in range(1, m)]  # a word holds whole parts
    cuts = sorted(data.draw(st.sets(st.sampled_from(bounds), max_size=3)))
    words = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)]) if digits[a:b]]
    head = [Field(w, 100 * i, True) for i, w in enumerate(words)]
    total = sum(parts)
    width = len(str(total))
    c = loops.parts_to_total(tuple(words), tuple(f.offset for f in head), m, total, width, 20000, 4300)
    assert c == _python_parts(head, m, total, width, 20000)
    assert tuple((str(v), None) for v in parts) in [tuple((t, None) for t, _ in r) for r in c]


def test_parts_to_total_at_the_edges(loops):
    """18-digit totals, words longer than 18 digits, leading zeros, one part."""
    cases = [
        (["999999999999999999"], 1, 999999999999999999),
        (["1" * 30], 2, 10**17),
        (["0" * 12], 4, 0),
        (["00", "1000000000000000000"[:18]], 3, 10**17),
        (["123456789012345678901234"], 3, 999999999999999999),
        (["5", "05", "0"], 3, 10),
    ]
    for words, m, total in cases:
        head = [Field(w, 7 * i, True) for i, w in enumerate(words)]
        width = len(str(total))
        c = loops.parts_to_total(tuple(words), tuple(f.offset for f in head), m, total, width, 20000, 4300)
        assert c == _python_parts(head, m, total, width, 20000), words


def test_parts_to_total_refuses_what_it_does_not_handle(loops):
    with pytest.raises(ValueError):
        loops.parts_to_total(("12a",), (0,), 2, 3, 1, 10, 4300)
    with pytest.raises(ValueError):
        loops.parts_to_total(("12",), (0,), 2, 10**18, 19, 10, 4300)
    with pytest.raises(ValueError):
        loops.parts_to_total(("",), (0,), 1, 0, 1, 10, 4300)


@given(items=st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), min_size=3, max_size=3))
def test_new_makes_what_tuple_new_makes(loops, items):
    made = loops.new(Field, tuple(items))
    want = tuple.__new__(Field, tuple(items))
    assert (
        type(made) is Field
        and made == want
        and made.text == want.text
        and made._replace(offset=1) == want._replace(offset=1)
    )
    cell = loops.new(ReportCell, ("t3/x/y", 1, "1", "number", None, None, None, 0, 5, None))
    assert cell == tuple.__new__(ReportCell, ("t3/x/y", 1, "1", "number", None, None, None, 0, 5, None))
    assert type(cell) is ReportCell


def test_new_refuses_what_tuple_new_refuses(loops):
    with pytest.raises(TypeError):
        loops.new(list, (1, 2))
    with pytest.raises(TypeError):
        loops.new(Field, [1, 2, 3])


lone_text = st.text(
    st.sampled_from(
        list("0123456789０１٣,.+-") + list(" \t\n\u3000\xa0\u2028") + list("a元个（)、x") + ["😀", "\u0660"]
    ),
    max_size=40,
)


@settings(max_examples=n_examples(400))
@given(text=lone_text)
def test_blank_lone_values_as_the_regex(loops, text):
    """Random text of digits (ASCII and others), commas, points, signs, Unicode spaces,
    words and characters of every width: the lone values blanked as LONE_VALUE.sub blanks
    them, into the same str."""
    from parsers.labels import LONE_VALUE, without_values

    want = LONE_VALUE.sub(lambda m: " " * len(m.group(0)), text)
    got = loops.blank_lone_values(text)
    assert got == want and type(got) is str
    assert without_values(text) == want
    for cut in (text[: len(text) // 2], "一、" + text + " 12", " -1,2.3\u30004 5a 6"):
        assert loops.blank_lone_values(cut) == LONE_VALUE.sub(lambda m: " " * len(m.group(0)), cut)


@settings(max_examples=n_examples(300), deadline=None)
@given(data=st.data(), version=st.sampled_from(["2019", "2021"]))
def test_plain_rows_ranked_as_the_search_ranks_them(data, version):
    """readings._plain_row, the direct reading of a row of one-cell plain-digit or blank
    fields, gives what _rank_readings gives for it, under random sums and inequalities."""
    from parsers.templates import template

    cols = template(version).t3_columns
    n = len(cols)
    groups = tuple(
        (t, tuple(sorted(data.draw(st.sets(st.integers(0, n - 1).filter(lambda i, t=t: i != t), min_size=1)))))
        for t in sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=2)))
    )
    le = tuple(data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2)))
    spec = readings.RowSpec("x", cols, groups, le)
    texts = data.draw(st.lists(st.sampled_from(["", "0", "1", "2", "3", "10", "12", "007"]), min_size=n, max_size=n))
    run = [Field(t, 5 + 4 * i, False) for i, t in enumerate(texts)]
    got = readings._plain_row(spec, run)
    assert got == readings._rank_readings(spec, run, False)
    with pytest.MonkeyPatch.context() as mp:  # (in Python where the C loops are built)
        mp.setattr(readings, "_LOOPS", None)
        assert readings._plain_row(spec, run) == got
    assert readings.rank_readings(spec, run, False) == got
    assert readings._plain_row(spec, [run[0]._replace(splittable=True), *run[1:]]) is None


words_text = st.text(
    st.sampled_from(list("0123456789０٣,.+-") + list(" \t\n\u3000\xa0\xa0") + list("a元个（)、x一") + ["😀"]),
    max_size=40,
)


@settings(max_examples=n_examples(300))
@given(text=words_text, lo=st.integers(0, 45), span=st.integers(0, 45))
def test_text_fields_in_c_as_in_python(loops, text, lo, span):
    """Random running text (digits of every kind, no-break spaces, Unicode spaces, glued
    words), read from random bounds: the same fields, of the same type."""
    from parsers import fields

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fields, "_LOOPS", None)
        want = fields._text_fields(text, lo, lo + span)
    got = loops.text_fields(text, lo, lo + span, Field)
    assert got == want and [type(f) for f in got] == [type(f) for f in want]
    assert fields._text_fields(text, lo, lo + span) == want


@settings(max_examples=n_examples(300), deadline=None)
@given(data=st.data(), version=st.sampled_from(["2019", "2021"]))
def test_cells_of_one_reading_in_c_as_in_python(loops, data, version):
    """tables._one_reading in C and in Python: the same cells, in the same order, for
    readings of plain digits, blanks, dashes, signed and money values."""
    from parsers import tables
    from parsers.document import Block, Document, Flat, Location
    from parsers.document import Cell as DocCell
    from parsers.templates import template

    tpl = template(version)
    cols = data.draw(st.sampled_from([tpl.t3_columns, *(b.columns for b in tpl.table2)]))
    raws = data.draw(
        st.lists(
            st.sampled_from(["", "0", "12", "007", "—", "无", "1.5", "-3", "3万元"]),
            min_size=len(cols),
            max_size=len(cols),
        )
    )
    line = " ".join(r or "x" for r in raws)
    flat = Flat(Document((Block("para", (DocCell(line, Location(line=3), 1, 1),), None),), "text"))
    reading, at = [], 0
    for r in raws:
        reading.append((r, at) if r else ("", None))
        at += len(r or "x") + 1
    reading = tuple(reading)
    blank = Location(line=2)
    got: dict = {}
    tables._one_reading(got, "t3/x/", cols, reading, flat, "万元", blank)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tables, "_LOOPS", None)
        want: dict = {}
        tables._one_reading(want, "t3/x/", cols, reading, flat, "万元", blank)
    assert list(got.items()) == list(want.items())
    assert all(type(c) is ReportCell for c in got.values())


value_words = st.text(
    st.sampled_from(list("0123456789０９+-.,．，") + list("万元件项条%％—–／/无") + list("a一龥個（）x·") + ["😀"]),
    min_size=1,
    max_size=16,
)


@settings(max_examples=n_examples(500))
@given(word=value_words, offset=st.integers(0, 10**6))
def test_word_fields_in_c_as_in_python(loops, word, offset):
    """Random words of values (signs, both digit widths, points and commas of both widths,
    units, dashes, slashes, 无) glued to text and letters: the same fields."""
    from parsers import fields

    want = fields._word_fields(word, offset)
    got = loops.word_fields(word, offset, Field)
    assert got == want and [type(f) for f in got] == [type(f) for f in want]


@settings(max_examples=n_examples(400))
@given(text=lone_text, lo=st.integers(-2, 45), span=st.integers(-3, 45))
def test_lone_values_as_the_regex_finds_them(loops, text, lo, span):
    """LONE_VALUE.finditer(text, lo, hi) and lone_values: the same spans, from any bounds
    (the look-behind sees before lo, the look-ahead stops at hi)."""
    from parsers.labels import LONE_VALUE

    want = [(m.start(), m.end()) for m in LONE_VALUE.finditer(text, lo, lo + span)]
    assert loops.lone_values(text, lo, lo + span) == want


cell_text = st.text(st.sampled_from(list("0123456789０９ \xa0\u3000a总计元-一")), max_size=8)


@settings(max_examples=n_examples(300), deadline=None)
@given(data=st.data())
def test_segment_fields_in_c_as_in_python(loops, data):
    """Random documents of table rows (cells of values, blanks, text, values glued to
    text) and lines, cut at random label bounds: segment_fields gives the same fields
    with its loop in C and in Python."""
    from parsers import fields
    from parsers.document import Block, Document, Flat, Location
    from parsers.document import Cell as DocCell

    blocks = []
    for line in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(["row", "para"]))
        texts = data.draw(st.lists(cell_text, min_size=1, max_size=4 if kind == "row" else 1))
        blocks.append(Block(kind, tuple(DocCell(t, Location(line=line + 1)) for t in texts), None))
    flat = Flat(Document(tuple(blocks), "text"))
    n = len(flat.text)
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    nxt = data.draw(st.one_of(st.none(), st.integers(b, n + 1)))
    got = fields.segment_fields(flat, a, b, nxt)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fields, "_LOOPS", None)
        want = fields.segment_fields(flat, a, b, nxt)
    assert got == want and [type(f) for f in got] == [type(f) for f in want]
