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
