"""Generated reports that once tripped the table matcher: every cell must come back,
and none may be wrong. Each case names the layout that caused the trouble."""
import pytest

from parsers.report import parse_bytes
from pipeline.generator import generate

CASES = [
    (2611, "2021", "pipe"),           # blank 总计 cells and a merged-label filler: only the column sums tell the alignment
    (1668, "2019", "tab"),            # the same with tabs
    (2865, "2021", "cell_per_line"),  # six blank applicant cells as extra empty lines, modal gap is the row gap
    (1041, "2021", "cell_per_line"),  # blank cells around a page footer, lines of a one-line gap elsewhere
    (105, "2021", "cell_per_line"),
    (2251, "2021", "pipe"),           # a single （六）其他处理 row whose cells are all blank
    (282, "2021", "tab"),             # header rows repeated after a page break inside table 三
    (96, "2019", "tab"),
    (19, "2021", "pipe"),
    (31, "2019", "cell_per_line"),  # a value line followed by a repeated value: not a page number
]


@pytest.mark.parametrize("seed,version,style", CASES)
def test_every_cell_back_and_none_wrong(seed, version, style):
    g = generate(seed, version=version, style=style)
    got = {c.address: c for c in parse_bytes(g.data).cells}
    wrong = [(a, v, got[a].value) for a, v in g.values.items()
             if a in got and got[a].status != "unresolved" and got[a].value != v]
    missing = [a for a, v in g.values.items() if a not in got or got[a].status == "unresolved"]
    assert not wrong
    assert not missing, missing[:10]


def _t3_row(version="2021"):
    from parsers.tables import RowSpec
    from parsers.templates import template

    cols = template(version).t3_columns
    return RowSpec("x", cols, ((len(cols) - 1, tuple(range(len(cols) - 1))),))


def _run(*texts):
    """Fields of running text: words split at will, "" a blank cell that kept its &nbsp;."""
    from parsers.splitting import Field

    return [Field(t, 3 * i, bool(t)) for i, t in enumerate(texts)]


def test_every_reading_of_split_digits_adds_up_even_when_the_last_part_is_a_kept_blank():
    from parsers.tables import rank_readings

    for r, _ in rank_readings(_t3_row(), _run("2636", "", "", "", "", "2636"), vanish=False):
        values = [int(t) if t else 0 for t, _ in r]
        assert sum(values[:-1]) == values[-1], r


def test_kept_blanks_stay_cells_when_others_vanished():
    from parsers.tables import rank_readings

    readings = {tuple(t for t, _ in r) for r, _ in rank_readings(_t3_row(), _run("2636", "", "", "", "", "2636"), True)}
    assert ("2636", "", "", "", "", "", "2636") in readings


def test_a_split_search_cut_short_gives_no_reading():
    # 15 cells without identities run together into 40 digits: far more cuts than are
    # searched, so what the first ones agree on proves nothing
    from parsers.tables import RowSpec, rank_readings
    from parsers.templates import Column

    spec = RowSpec("", tuple(Column(f"c{i}", f"c{i}") for i in range(15)), ())
    assert rank_readings(spec, _run("1234567891" * 4), vanish=False) == []
