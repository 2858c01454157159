"""Row labels printed apart from their values (parsers/alignment.py): value rows taken in
the template's row order where the counts fit and table 三's identities confirm it."""

from parsers.report import parse_bytes
from parsers.templates import template
from synth.generator import T3_COLUMNS, generate
from tests.test_parse_text import T3_ROWS_2021, cells, report_2021
from tests.test_roundtrip_text import wrong_cells

T3_HEAD, T4_HEAD = "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"


def detached(arrange, rows=T3_ROWS_2021) -> bytes:
    """report_2021 with table 三's labels and value rows rearranged by `arrange(labels,
    value_lines)` -> lines."""
    lines = report_2021("\t", rows).split("\n")
    i, j = lines.index(T3_HEAD), lines.index(T4_HEAD)
    labels = [x.split("\t")[0] for x in lines[i + 1 : j]]
    values = ["\t".join(x.split("\t")[1:]) for x in lines[i + 1 : j]]
    return "\n".join(lines[: i + 1] + arrange(labels, values) + lines[j:]).encode("utf-8")


def t3_of(report) -> dict:
    return {a: c for a, c in cells(report).items() if a.startswith("t3/")}


def expected(rows=T3_ROWS_2021) -> dict:
    keys = [r.key for r in template("2021").t3_rows]
    return {f"t3/{k}/{c}": v for k, (_, vals) in zip(keys, rows) for c, v in zip(T3_COLUMNS, vals)}


def test_a_label_block_then_a_value_block_is_read_in_order():
    data = detached(lambda labels, values: labels + values)
    r = parse_bytes(data, name="x.txt")
    got = t3_of(r)
    assert {a: c.value for a, c in got.items()} == expected()
    assert all(c.status == "number" for c in got.values())
    assert any(w.code == "ROWS_ALIGNED_BY_ORDER" and w.message.startswith("t3:") for w in r.warnings)
    # each value points to its own characters in the text
    text = data.decode("utf-8")
    granted = got["t3/granted/natural_person"]
    assert text.split("\n")[granted.loc.line - 1].split("\t")[0] == "3"


def test_values_printed_before_their_labels_are_read_in_order():
    r = parse_bytes(detached(lambda labels, values: values + labels), name="x.txt")
    assert {a: c.value for a, c in t3_of(r).items()} == expected()


def test_several_label_blocks_each_followed_by_its_rows():
    def arrange(labels, values):
        out = []
        for k in range(0, len(labels), 4):
            out += labels[k : k + 4] + values[k : k + 4]
        return out

    r = parse_bytes(detached(arrange), name="x.txt")
    assert {a: c.value for a, c in t3_of(r).items()} == expected()


def test_zeros_confirm_nothing():
    zero = [(label, [0] * 7) for label, _ in T3_ROWS_2021]
    r = parse_bytes(detached(lambda labels, values: labels + values, zero), name="x.txt")
    got = t3_of(r)
    assert not any(w.code == "ROWS_ALIGNED_BY_ORDER" for w in r.warnings)
    # rows whose order-reading differs from the one after their labels are not stated
    assert got["t3/granted/total"].status == "unresolved"
    assert all(c.status == "unresolved" or c.value == 0 for c in got.values())


def test_a_value_row_too_few_leaves_the_rows_unresolved():
    # a blank row that left no trace: the count no longer fits, no row is placed by order
    def arrange(labels, values):
        return labels + values[:5] + values[6:]

    r = parse_bytes(detached(arrange), name="x.txt")
    assert not any(w.code == "ROWS_ALIGNED_BY_ORDER" for w in r.warnings)
    want = expected()
    assert all(c.status == "unresolved" or c.value == want[a] for a, c in t3_of(r).items())


def test_cell_per_line_gaps_are_found_next_to_values():
    # short prose lines spaced as paragraphs outnumbered the table's cell gaps, so blank
    # cells were decoded with the wrong gap and a row's value went into its 总计
    gen = generate(710, version="2021", style="cell_per_line")
    report = parse_bytes(gen.data, name="gen-710.txt")
    assert not wrong_cells(gen, report)
    assert cells(report)["t3/granted/legal_service"].value == 1


def test_a_group_label_broken_by_the_value_column_is_no_stray_value():
    # pdftotext prints a tall group label a few characters per line beside the row labels:
    # its 无 (（四）无 / 法提供) is a word of the label, not values standing apart from their
    # label, so a table with a blank row is still read
    rows = [(label, [""] * 7 if label.startswith("3.补正") else vals) for label, vals in T3_ROWS_2021]
    text = report_2021("\t", rows)
    text = text.replace("1.本机关不掌握相关政府信息", "（四）无 1.本机关不掌握相关政府信息")
    text = text.replace("2.没有现成信息需要另行制作", "法提供 2.没有现成信息需要另行制作")
    r = parse_bytes(text.encode("utf-8"), name="x.txt")
    got = t3_of(r)
    assert not any(w.code == "TABLE_UNALIGNED" for w in r.warnings)
    assert got["t3/unable.not_held/total"].value == 1 and got["t3/unable.still_unclear/total"].status == "blank"


LAYOUT_PAGE = "\n".join(
    [
        "一、本年新收政府信息公开申请",
        "                    372    126     5          25    48   7    583",
        "二、上年结转",
        "                     3     1                        0         4",
        "（一）予以公开",
        "                    145    61                 10    22        238",
    ]
)


def test_columns_of_pdftotext_layout_text_come_from_value_positions():
    from parsers.columns import page_columns, place
    from parsers.splitting import Field

    pages = page_columns(LAYOUT_PAGE, 0, len(LAYOUT_PAGE), 7)
    assert len(pages) == 1 and len(pages[0].ranges) == 7
    line = LAYOUT_PAGE.split("\n")[3]
    at = LAYOUT_PAGE.index(line)
    run = [Field(w, at + line.index(f" {w} ") + 1, True) for w in ("3", "1")]
    run += [Field(w, at + line.rindex(f" {w}") + 1, True) for w in ("0", "4")]
    cells = place(LAYOUT_PAGE, run, pages, 7)
    assert [c[0] for c in cells] == ["3", "1", "", "", "0", "", "4"]
    assert all(LAYOUT_PAGE[o : o + len(t)] == t for t, o in cells if o is not None)
    # a value with text before it on its line is not placed by position: the text shifts it
    shifted = LAYOUT_PAGE.replace("\n                     3     1", "\n确认或重新出具         3     1")
    line = shifted.split("\n")[3]
    at = shifted.index(line)
    assert (
        place(shifted, [Field("3", at + line.index(" 3 ") + 1, True)], page_columns(shifted, 0, len(shifted), 7), 7)
        is None
    )
    # fewer clean columns than the table has: no columns at all
    assert page_columns(LAYOUT_PAGE, 0, len(LAYOUT_PAGE), 8) == []


def test_a_row_only_the_matcher_reads_stays_with_its_label():
    # the first two labels stand above their values; granted's digits run together after
    # its own label: that row is the matcher's (its cut), the others are taken in order
    def arrange(labels, values):
        out = labels[:2] + values[:2] + [labels[2] + " " + values[2].replace("\t", "")]
        return out + [f"{a}\t{v}" for a, v in zip(labels[3:], values[3:])]

    r = parse_bytes(detached(arrange), name="x.txt")
    assert {a: c.value for a, c in t3_of(r).items()} == expected()
    assert any(w.code == "ROWS_ALIGNED_BY_ORDER" for w in r.warnings)


def vanished(line: str) -> str:
    """A TAB value row as pdftotext prints it where empty cells hold no glyph."""
    return " ".join(v for v in line.split("\t") if v)


def test_a_row_with_no_value_after_its_label_is_not_blank_where_value_rows_stand_apart():
    # only the four totals that every report prints, 0; the labels in a block, then the
    # values, one per line: the rows before the last label have no value after them, but
    # they are not blank rows (the matcher read them blank: 0 stated as blank)
    keys = [r.key for r in template("2021").t3_rows]
    kept = ("new_received", "carried_over", "results_total", "carried_forward")
    rows = [(label, [""] * 6 + [0] if key in kept else [""] * 7) for key, (label, _) in zip(keys, T3_ROWS_2021)]
    data = detached(lambda labels, values: labels + [v for x in values for v in vanished(x).split(" ") if v], rows)
    r = parse_bytes(data, name="x.txt")
    got = t3_of(r)
    want = expected(rows)
    assert all(c.status == "unresolved" or c.value == (want[a] if want[a] != "" else None) for a, c in got.items())
    assert got["t3/new_received/total"].status == "unresolved"
    assert got["t3/granted/total"].status == "unresolved"
    assert any(w.code == "TABLE_UNALIGNED" and "new_received" in w.message for w in r.warnings)


def test_a_row_with_no_value_after_its_label_is_blank_where_rows_carry_their_values():
    # the same vanished cells, but each row's values on its label's line: the row
    # printed without values is a blank row
    rows = [(label, [""] * 7 if label.startswith("2.没有现成") else vals) for label, vals in T3_ROWS_2021]
    rows[0] = (rows[0][0], [5, 1, "", "", "", "", 6])
    data = detached(lambda labels, values: [(a + " " + vanished(v)).strip() for a, v in zip(labels, values)], rows)
    r = parse_bytes(data, name="x.txt")
    got = t3_of(r)
    assert got["t3/unable.needs_creation/total"].status == "blank"
    assert got["t3/new_received/total"].value == 6 and got["t3/granted/natural_person"].value == 3
    assert not any(w.code == "TABLE_UNALIGNED" for w in r.warnings)
