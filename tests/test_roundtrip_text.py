"""Round trip: generated report -> scraped text (every flattening style) -> parser -> cells.

(a) the parser never states a wrong value: every cell it resolves (status != "unresolved")
    has exactly the generated value (a blank cell: value None, status "blank"), in every
    style and in the ``detached`` ones (row labels apart from their values, empty cells
    kept as empty fields or vanished);
(b) over a fixed batch of reports of all styles and both versions it recovers at least 99%
    of the generated cells exactly;
(c) it finds the template version and the report year.
"""

from __future__ import annotations

import collections
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parsers.report import parse_bytes
from synth.generator import DETACHED, DETACHED_STYLES, DETACHED_VANISHED, STYLES, GeneratedReport, generate
from tests.conftest import n_examples

VERSIONS = ("2019", "2021")
BATCH = 350  # reports in the fixed recovery batch (50 per style, both versions)
MIN_RECOVERY = 0.99


def _same(want, got) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if isinstance(want, float) or isinstance(got, float):
        return math.isclose(want, got, rel_tol=1e-12, abs_tol=1e-9)
    return want == got


def _cell_ok(want, cell) -> bool:
    if want is None:
        return cell.status == "blank" and cell.value is None
    return cell.status == "number" and _same(want, cell.value)


def parse(gen: GeneratedReport, seed: int):
    return parse_bytes(gen.data, name=f"gen-{seed}.txt")


def wrong_cells(gen: GeneratedReport, report) -> list[str]:
    """Resolved cells that contradict the generated report (or are duplicated / unknown)."""
    out = []
    seen = collections.Counter(c.address for c in report.cells)
    for a, n in seen.items():
        if n > 1:
            out.append(f"{a}: appears {n} times")
    for c in report.cells:
        if c.status == "unresolved":
            continue
        if c.address not in gen.values:
            out.append(f"{c.address}: not in the report (got {c.value!r}, {c.status}, raw {c.raw!r})")
        elif not _cell_ok(gen.values[c.address], c):
            out.append(f"{c.address}: generated {gen.values[c.address]!r}, got {c.value!r} ({c.status}, raw {c.raw!r})")
    return out


def recovered(gen: GeneratedReport, report) -> tuple[int, list[str]]:
    cells = {c.address: c for c in report.cells}
    ok, misses = 0, []
    for a, want in gen.values.items():
        c = cells.get(a)
        if c is not None and c.status != "unresolved" and _cell_ok(want, c):
            ok += 1
        else:
            misses.append(
                f"{a}: generated {want!r}, got "
                + ("nothing" if c is None else f"{c.value!r} ({c.status}, raw {c.raw!r})")
            )
    return ok, misses


@settings(max_examples=n_examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    style=st.sampled_from(STYLES + DETACHED_STYLES),
    version=st.sampled_from(VERSIONS),
)
# table 二's value under its caption, the row's label after it, then a blank line: no blank cell
@example(seed=190881909, style=DETACHED, version="2021")
# table 三's labels in a block, then four totals one per line: the rows before the last are not blank
@example(seed=7, style=DETACHED_VANISHED, version="2019")
# the one （六）其他处理 row printed without its value: the values after （七）总计 may hold it
@example(seed=4857, style=DETACHED_VANISHED, version="2021")
# "265 1 266" for seven columns: cutting both three-digit words into digits is not what was printed
@example(seed=11339, style=DETACHED_VANISHED, version="2019")
def test_parser_never_states_a_wrong_value(seed, style, version):
    gen = generate(seed, version=version, style=style)
    report = parse(gen, seed)
    assert report.template == gen.version, (seed, style, version)
    assert report.year == gen.year, (seed, style, version)
    wrong = wrong_cells(gen, report)
    assert not wrong, f"generate({seed}, version={version!r}, style={style!r}): " + "; ".join(wrong[:10])


def test_recovery_over_a_fixed_batch():
    total = collections.Counter()
    ok = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    meta_bad = []
    for i in range(BATCH):
        style = STYLES[i % len(STYLES)]
        version = VERSIONS[(i // len(STYLES)) % 2]
        gen = generate(i, version=version, style=style)
        report = parse(gen, i)
        if (report.template, report.year) != (gen.version, gen.year):
            meta_bad.append(
                f"seed {i} {style}: template {report.template} year {report.year}, generated {gen.version} {gen.year}"
            )
        n_ok, misses = recovered(gen, report)
        total[style] += len(gen.values)
        ok[style] += n_ok
        for m in misses:
            if len(examples[style]) < 8:
                examples[style].append(f"generate({i}, version={version!r}, style={style!r}) {m}")
    n_ok, n_all = sum(ok.values()), sum(total.values())
    lines = [f"recovered {n_ok}/{n_all} cells ({n_ok / n_all:.2%}) over {BATCH} reports"]
    lines += [f"  {s:14s} {ok[s]}/{total[s]} ({ok[s] / total[s]:.2%})" for s in STYLES]
    print("\n".join(lines))
    assert not meta_bad, meta_bad[:10]
    if n_ok < MIN_RECOVERY * n_all:
        detail = [e for s in STYLES for e in examples[s]]
        raise AssertionError("\n".join(lines + ["examples of misses:"] + detail))


DETACHED_BATCH = 60  # reports of each detached style (both versions)
# share of their cells recovered: detached measured 53.0 % on 1,000 reports; detached_vanished
# (empty cells vanished) 56.7 % with 721 cells wrong in 84 of 3,000 reports while a row with no
# value after its label was read blank wherever it stood, 54.8 % and none since (51.6 % here)
DETACHED_FLOOR = {DETACHED: 0.45, DETACHED_VANISHED: 0.45}


@pytest.mark.parametrize("style", DETACHED_STYLES)
def test_recovery_of_labels_detached_from_their_values(style):
    """Tables printed with their row labels apart from the value rows: table 三 is read by
    aligning its value rows in template order where its identities confirm it (all-zero
    tables, blank totals and table 二, which has no identity, stay unresolved); where
    empty cells vanished, a row with no value after its label is not read blank."""
    total = ok = 0
    for i in range(DETACHED_BATCH):
        gen = generate(i, version=VERSIONS[i % 2], style=style)
        report = parse(gen, i)
        assert not wrong_cells(gen, report), i
        n_ok, _ = recovered(gen, report)
        total += len(gen.values)
        ok += n_ok
    print(f"\n{style}: recovered {ok}/{total} cells ({ok / total:.1%}) over {DETACHED_BATCH} reports")
    assert ok >= DETACHED_FLOOR[style] * total
