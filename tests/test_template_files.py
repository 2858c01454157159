"""A template is a file: a fictitious 2031 template (tests/fixtures/templates/2031.json: a
renamed row, an added row and a new identity) is parsed, checked and built into datasets
with no code change, through $XXGK_TEMPLATES.

The reports are written here from the template file itself (tab-separated text, as a web
page's text comes out), with values that satisfy its identities; the parse and the build
run in child processes so that the environment variable is read as a user would set it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "templates"
NEW_ROW = "not_processed.automated"


def _env() -> dict:
    return {**os.environ, "XXGK_TEMPLATES": str(FIXTURES), "PYTHONPATH": str(ROOT)}


def _definition() -> dict:
    return json.loads((FIXTURES / "2031.json").read_text(encoding="utf-8"))


def _values(d: dict, rng: random.Random, issued_over: bool) -> dict:
    """Cell address -> value for every cell of the template, its sums adding up."""
    t = d["tables"]
    vals = {}
    for b in t["table2"]["blocks"]:
        for r in b["rows"]:
            for c in b["columns"]:
                vals[f"t2/{b['key']}.{r['key']}/{c['key']}"] = rng.randint(0, 40)
    for r in ("regulations", "normative_docs"):  # the new identity: issued <= in_force
        a = f"t2/art20_1.{r}/"
        vals[a + "in_force"] = vals[a + "issued"] + rng.randint(1, 30)
    if issued_over:
        vals["t2/art20_1.regulations/in_force"] = vals["t2/art20_1.regulations/issued"] - 1
    cols = [c["key"] for c in t["table3"]["columns"]]
    parts = next(i["rhs"] for i in d["identities"] if i["id"] == "t3_results_total")
    for r in parts:
        row = [rng.randint(0, 9) for _ in cols[:-1]]
        vals.update({f"t3/{r}/{c}": v for c, v in zip(cols, row + [sum(row)])})
    for c in cols[:-1]:
        res = vals[f"t3/results_total/{c}"] = sum(vals[f"t3/{r}/{c}"] for r in parts)
        co = vals[f"t3/carried_over/{c}"] = res // 3
        cf = vals[f"t3/carried_forward/{c}"] = res // 4
        vals[f"t3/new_received/{c}"] = res + cf - co
    for r in ("results_total", "carried_over", "carried_forward", "new_received"):
        vals[f"t3/{r}/{cols[-1]}"] = sum(vals[f"t3/{r}/{c}"] for c in cols[:-1])
    for r in t["table4"]["tidy_rows"]:
        row = [rng.randint(0, 5) for _ in range(4)]
        vals.update({f"t4/{r['key']}/{c['key']}": v for c, v in zip(t["table4"]["tidy_columns"], row + [sum(row)])})
    return vals


def _table2(t: dict, vals: dict) -> list[str]:
    out = []
    for b in t["blocks"]:
        out.append(b["caption"])
        out.append("\t".join(["信息内容"] + [c["label"] for c in b["columns"]]))
        for r in b["rows"]:
            out.append(
                "\t".join([r["label"]] + [str(vals[f"t2/{b['key']}.{r['key']}/{c['key']}"]) for c in b["columns"]])
            )
    return out


def _table3(t: dict, vals: dict, wording: dict) -> list[str]:
    cols = t["columns"]
    out = ["\t".join(["申请人情况"] + [c["label"] for c in cols])]
    shown: set = set()
    for r in t["rows"]:
        path = [p for p in r.get("path", []) if p not in shown]
        shown.update(path)
        label = wording.get(r["key"], r["label"])
        out.append("\t".join(path + [label] + [str(vals[f"t3/{r['key']}/{c['key']}"]) for c in cols]))
    return out


def _table4(t: dict, vals: dict) -> list[str]:
    cols = t["tidy_columns"]
    return [
        "行政复议\t行政诉讼",
        "\t".join(c["label"] for c in cols) + "\t未经复议直接起诉\t复议后起诉",
        "\t".join(str(vals[f"t4/{r['key']}/{c['key']}"]) for r in t["tidy_rows"] for c in cols),
    ]


def _render(d: dict, vals: dict, year: int, wording: dict) -> str:
    """A report on template `d` as tab-separated text: its sections in order, each table
    under the section the file places it in; `wording`: row key -> the label printed."""
    t = d["tables"]
    tables = {
        t["table2"]["section"]: _table2(t["table2"], vals),
        t["table3"]["section"]: _table3(t["table3"], vals, wording),
        t["table4"]["section"]: _table4(t["table4"], vals),
    }
    out = [
        f"示例市示例区人民政府办公室{year}年政府信息公开工作年度报告",
        "",
        f"本报告统计时限自{year}年1月1日起至{year}年12月31日止。",
        "",
    ]
    for sec in d["sections"]:
        if sec["key"] == "preface":
            continue
        out += [f"{sec['number']}、{sec['title']}", ""]
        out += tables.get(sec["key"], ["本年度该项工作稳步推进。"])
        out.append("")
    return "\n".join(out)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw2031")
    d = _definition()
    for i, (year, over) in enumerate(((2031, False), (2032, False), (2033, True))):
        vals = _values(d, random.Random(i), issued_over=over)
        # the last report prints the added row in the wording the file lists as a variant
        wording = {k: label for label, k in d["label_variants"]["table3_rows"].items()} if over else {}
        (raw / f"r{year}.txt").write_text(_render(d, vals, year, wording), encoding="utf-8")
        (raw / f"r{year}.values.json").write_text(json.dumps(vals), encoding="utf-8")
    return raw


def _parse(path: Path, env: dict) -> dict:
    p = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "parse", "--json", "--no-region", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(p.stdout)


def test_a_template_file_alone_parses_and_checks_its_reports(reports):
    for year in (2031, 2032, 2033):
        d = _parse(reports / f"r{year}.txt", _env())
        assert d["template"] == "2031" and d["year"] == year
        assert not [
            w
            for w in d["warnings"]
            if w["code"] in ("VERSION_YEAR_MISMATCH", "TABLE_MISSING", "ROW_NOT_FOUND", "ROWS_BY_ORDER")
        ]
        want = json.loads((reports / f"r{year}.values.json").read_text())
        cells = {c["address"]: c for c in d["cells"]}
        assert set(want) == set(cells)  # every cell of the file's template, the added row's too
        assert all(cells[a]["status"] == "number" and cells[a]["value"] == v for a, v in want.items())
        checks = {(c["id"], c["subject"]): c["ok"] for c in d["checks"]}
        assert [k for k, ok in checks.items() if ok is False] == (
            [("t2_issued_le_in_force", "regulations")] if year == 2033 else []
        )
        assert checks[("t3_row_total", NEW_ROW)] is True
        assert all(checks[("t3_results_total", c)] for c in ("natural_person", "total"))
        assert checks[("t2_issued_le_in_force", "normative_docs")] is True
        # the file's new identity is evaluated: the 2033 report breaks it
        assert checks[("t2_issued_le_in_force", "regulations")] is (year != 2033)


def test_without_the_folder_the_same_report_is_read_on_the_2021_template(reports):
    env = {k: v for k, v in _env().items() if k != "XXGK_TEMPLATES"}
    d = _parse(reports / "r2031.txt", env)
    assert d["template"] == "2021"
    assert f"t3/{NEW_ROW}/total" not in {c["address"] for c in d["cells"]}


def test_a_template_file_alone_builds_into_the_datasets(reports, tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    raw = tmp_path / "raw"
    raw.mkdir()
    for p in reports.glob("r*.txt"):
        (raw / p.name).write_bytes(p.read_bytes())
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "build", "--raw", str(raw), "--out", str(out), "--workers", "1"],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    reps = pq.read_table(out / "reports.parquet").to_pylist()
    assert {r["template"] for r in reps} == {"2031"}
    values = pq.read_table(out / "values").to_pylist()
    new = [v for v in values if v["address"] == f"t3/{NEW_ROW}/total"]
    assert len(new) == 3 and all(v["status"] == "number" for v in new)
    checks = pq.read_table(out / "checks").to_pylist()
    assert any(c["id"] == "t2_issued_le_in_force" and c["ok"] is False for c in checks)
    # the file's cross-year identities link consecutive years (2031 -> 2032 -> 2033)
    carry = [c for c in checks if c["id"] == "t3_carry_cross_year" and c["subject"] != "report"]
    assert len(carry) == 2 * 7 and all(c["ok"] is not None for c in carry)
    # the indicators get the file's address column; its new row is that template's alone
    indicators = {r["indicator"]: r for r in pq.read_table(out / "indicators.parquet").to_pylist()}
    added = next(r for r in indicators.values() if r["address_2031"] == f"t3/{NEW_ROW}/total")
    assert added["address_2019"] is added["address_2021"] is None
    assert (added["comparable"], added["comparability"]) == (False, "2031 template only")
    kept = indicators["received_total"]
    assert kept["address_2019"] == kept["address_2021"] == kept["address_2031"] == "t3/new_received/total"
    assert kept["comparability"].startswith("same under the 2019, 2021 and 2031 templates")


_GENERATED = """
import json
from parsers.report import parse_bytes
from synth.generator import STYLES, generate
out = []
for seed in range(24):
    g = generate(seed, version="2031", style=STYLES[seed % len(STYLES)])
    r = parse_bytes(g.data, name=f"gen-{seed}.txt")
    cells = {c.address: c for c in r.cells}
    out.append({"template": r.template, "n": len(g.values),
                "read": sum(1 for a in g.values if a in cells and cells[a].status in ("number", "blank")),
                "wrong": [a for a, v in g.values.items() if a in cells and cells[a].status == "number" and cells[a].value != v]})
print(json.dumps(out))
"""


def test_the_generator_writes_reports_in_a_template_file_alone_and_none_is_misread():
    """synth.generator draws rows, years and variants from the template definitions: it
    writes the 2031 template's reports in every style, and the parser states no wrong cell."""
    p = subprocess.run(
        [sys.executable, "-c", _GENERATED], env=_env(), capture_output=True, text=True, check=True, cwd=ROOT
    )
    got = json.loads(p.stdout)
    assert {g["template"] for g in got} == {"2031"}
    assert not [g["wrong"] for g in got if g["wrong"]]
    assert sum(g["read"] for g in got) > 0.9 * sum(g["n"] for g in got)


def test_a_broken_template_file_is_one_error_line_naming_it(reports, tmp_path):
    d = _definition()
    d["version"], d["years"] = "2041", {"from": 2041}
    d["identities"][0]["for_each"]["r"].append("not_processed.typo")  # a typo would leave a check unverifiable
    (tmp_path / "2041.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    env = {**_env(), "XXGK_TEMPLATES": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "parse", "--no-region", str(reports / "r2031.txt")],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert p.returncode == 1
    assert p.stderr.strip().splitlines() == [
        f"xxgk parse: error: template file {tmp_path / '2041.json'}: identity t3_row_total: unknown keys not_processed.typo"
    ]


def test_cross_year_identities_are_the_files_and_the_build_keeps_their_cells():
    """The checks across years are the template's cross_year identities: 2019's
    t2_items_cross_year over its five rows (the build keeps those cells for it), never the
    identity its file marks report: false, which only settles readings."""
    from parsers.checks import cross_year_checks
    from parsers.report import parse_bytes
    from pipeline.normalize import _xcell
    from synth.generator import generate

    prev, cur = (parse_bytes(generate(s, version="2019", style="tab").data, name=f"g{s}.txt") for s in (1, 2))
    xs = cross_year_checks(prev.cells, cur.cells, 2019, 2020, "2019")
    items = [x for x in xs if x.id == "t2_items_cross_year"]
    assert [x.subject for x in items] == [
        "art20_5.admin_license",
        "art20_5.other_admin_services",
        "art20_6.admin_penalty",
        "art20_6.admin_coercion",
        "art20_8.admin_fees",
    ]
    assert not [x for x in xs if x.id == "t2_published_cross_year"]
    assert {x.id for x in xs} >= {"t3_carry_cross_year"}
    assert all(_xcell(f"t2/{x.subject}/items_change") for x in items)
    assert not _xcell("t2/art20_1.regulations/made_new")


VARIANTS = ROOT / "tests" / "fixtures" / "variants"


def test_a_variant_file_is_chosen_by_its_labels_never_by_the_year(tmp_path):
    """A province's variant of the 2021 template (tests/fixtures/variants: a third row in
    table 二's block 第二十条第（六）项) reads the reports that print that row, with the
    row's cells; a 2021 report of the same year stays on the 2021 template, no warning."""
    env = {**_env(), "XXGK_TEMPLATES": os.pathsep.join((str(FIXTURES), str(VARIANTS)))}
    d = json.loads((VARIANTS / "2021-example.json").read_text(encoding="utf-8"))
    vals = _values(d, random.Random(7), issued_over=False)
    (tmp_path / "variant.txt").write_text(_render(d, vals, 2023, {}), encoding="utf-8")
    got = _parse(tmp_path / "variant.txt", env)
    assert got["template"] == "2021-example" and got["year"] == 2023
    assert not [w for w in got["warnings"] if w["code"] in ("VERSION_YEAR_MISMATCH", "ROW_NOT_FOUND", "ROWS_BY_ORDER")]
    cells = {c["address"]: c for c in got["cells"]}
    assert cells["t2/art20_6.admin_inspection/decisions"]["value"] == vals["t2/art20_6.admin_inspection/decisions"]
    assert all(cells[a]["value"] == v for a, v in vals.items())
    national = json.loads((ROOT / "parsers" / "templates" / "national" / "2021.json").read_text(encoding="utf-8"))
    plain = _values(national, random.Random(8), issued_over=False)
    (tmp_path / "plain.txt").write_text(_render(national, plain, 2023, {}), encoding="utf-8")
    got = _parse(tmp_path / "plain.txt", env)
    assert got["template"] == "2021" and not [w for w in got["warnings"] if w["code"] == "VERSION_YEAR_MISMATCH"]
