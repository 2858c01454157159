"""The report generator: its values satisfy the template, its text has the right shape.

The identities are evaluated here straight from `parsers.templates.template(v).identities`
(not from the generator), under the template's blank policy: a blank component cell is 0,
a blank 总计 makes that identity unverifiable.
"""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from parsers.templates import template
from synth.generator import (
    BLANK_STYLES,
    DETACHED,
    DETACHED_VANISHED,
    SEPARATED_STYLES,
    STYLES,
    GeneratedReport,
    generate,
    generate_values,
    render_text,
)

VERSIONS = ("2019", "2021")
APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")


def expected_addresses(version: str, single_other: bool) -> list[str]:
    addrs = template(version).addresses()
    if not single_other:
        return addrs
    out, done = [], False
    for a in addrs:
        if a.startswith("t3/other."):
            if not done:
                out += [f"t3/other/{c.key}" for c in template(version).t3_columns]
                done = True
            continue
        out.append(a)
    return out


def _rows(keys, single_other: bool) -> list[str]:
    out: list[str] = []
    for k in keys:
        if single_other and k.startswith("other."):
            k = "other"
        if k not in out:
            out.append(k)
    return out


def identity_failures(values: dict, version: str) -> list[str]:
    """Every hard identity of the template, evaluated on `values`; returns the failures."""
    t = template(version)
    single = "t3/other/total" in values
    fails: list[str] = []

    def term(addr: str):
        if addr not in values:
            raise KeyError(f"identity needs {addr}, which the values lack")
        v = values[addr]
        if v is None:
            return None if addr.endswith("/total") else 0  # blank total: unverifiable; blank part: 0
        return v

    for ident in t.identities:
        if not ident.hard:
            continue
        tab = {"table3": "t3", "table4": "t4"}[ident.table]
        for e in ident.each:
            if ident.axis == "row":
                if single and e.startswith("other."):
                    if e != ident.each[[x.startswith("other.") for x in ident.each].index(True)]:
                        continue
                    e = "other"
                lhs = [f"{tab}/{e}/{c}" for c in ident.lhs]
                rhs = [f"{tab}/{e}/{c}" for c in ident.rhs]
            else:
                lhs = [f"{tab}/{r}/{e}" for r in _rows(ident.lhs, single)]
                rhs = [f"{tab}/{r}/{e}" for r in _rows(ident.rhs, single)]
            lv = [term(a) for a in lhs]
            rv = [term(a) for a in rhs]
            if None in lv or None in rv:
                continue
            if sum(lv) != sum(rv):
                fails.append(f"{ident.id}[{e}]: {sum(lv)} != {sum(rv)}")
    return fails


def other_failures(values: dict, version: str) -> list[str]:
    """Signs, types and the blank policy."""
    t = template(version)
    fails = []
    for a, v in values.items():
        table, row, col = a.split("/")
        if v is None:
            if table == "t2":
                fails.append(f"{a}: table 二 cell blank")
            elif col == "total" and table == "t4":
                fails.append(f"{a}: table 四 total blank")
            continue
        c = t.column(a) if not (table == "t3" and row == "other") else t.t3_columns[0]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            fails.append(f"{a}: {v!r} is not a number")
            continue
        if v < 0 and not c.signed:
            fails.append(f"{a}: negative {v}")
        if isinstance(v, float):
            if col not in ("fee_amount", "procurement_amount"):
                fails.append(f"{a}: decimal {v} in a count column")
            elif abs(round(v, 2) - v) > 1e-9:
                fails.append(f"{a}: more than two decimals: {v}")
    return fails


# --------------------------------------------------------------------------------------


def test_identity_checker_can_fail():
    vals = generate_values(random.Random(5), "2019", blanks=False)
    assert identity_failures(vals, "2019") == []
    for addr in (
        "t3/granted/natural_person",
        "t3/results_total/total",
        "t4/lit_direct/pending",
        "t3/carried_forward/commercial",
    ):
        bad = dict(vals)
        bad[addr] += 1
        assert identity_failures(bad, "2019"), f"changing {addr} went unnoticed"


@pytest.mark.parametrize("version", VERSIONS)
def test_values_satisfy_every_hard_identity(version):
    for seed in range(400):
        rng = random.Random(seed)
        vals = generate_values(rng, version)
        single = "t3/other/total" in vals
        assert list(vals) == expected_addresses(version, single), seed
        assert identity_failures(vals, version) == [], seed
        assert other_failures(vals, version) == [], seed


@pytest.mark.parametrize("version", VERSIONS)
def test_blank_cells_only_where_the_policy_allows(version):
    """A blank applicant/component cell must be a 0 of the underlying table: re-filling every
    blank with the generator's own numbers (same seed, blanks off) keeps identities, and
    blank cells are 0 there."""
    n_blank = 0
    for seed in range(300):
        with_blanks = generate_values(random.Random(seed), version, blanks=True)
        n_blank += sum(v is None for v in with_blanks.values())
        for a, v in with_blanks.items():
            if v is None and not a.endswith("/total"):
                # a blank part counts as 0: the identities above already verify it; check directly too
                row_total = with_blanks.get(a.rsplit("/", 1)[0] + "/total")
                if row_total is not None and a.startswith("t3/"):
                    parts = [with_blanks[a.rsplit("/", 1)[0] + "/" + c] or 0 for c in APPLICANTS]
                    assert sum(parts) == row_total, (seed, a)
    assert n_blank > 0, "no blank cells generated at all"


def test_value_mix():
    """Township all-zero reports, small counts, city-scale numbers, blanks, decimals, signs."""
    seen = {
        "all_zero_t3": 0,
        "city": 0,
        "small": 0,
        "blank": 0,
        "single_other": 0,
        "fee_decimal": 0,
        "negative_change": 0,
        "procurement_decimal": 0,
        "shanghai_total_blank": 0,
    }
    for seed in range(400):
        version = VERSIONS[seed % 2]
        vals = generate_values(random.Random(seed), version)
        t3 = [v for a, v in vals.items() if a.startswith("t3/")]
        nt = vals["t3/new_received/total"]
        if all(v in (0, None) for v in t3):
            seen["all_zero_t3"] += 1
        if nt is not None and nt >= 100:
            seen["city"] += 1
        if nt is not None and 0 < nt < 20:
            seen["small"] += 1
        if any(v is None for v in vals.values()):
            seen["blank"] += 1
        if "t3/other/total" in vals:
            seen["single_other"] += 1
        if isinstance(vals.get("t2/art20_8.admin_fees/fee_amount"), float):
            seen["fee_decimal"] += 1
        if isinstance(vals.get("t2/art20_9.gov_procurement/procurement_amount"), float):
            seen["procurement_decimal"] += 1
        if any(a.endswith("items_change") and v is not None and v < 0 for a, v in vals.items()):
            seen["negative_change"] += 1
        if vals.get("t3/granted/total", 0) is None and vals["t3/results_total/total"] is not None:
            seen["shanghai_total_blank"] += 1
    missing = [k for k, n in seen.items() if n == 0]
    assert not missing, seen
    assert seen["all_zero_t3"] >= 60 and seen["city"] >= 40, seen


def test_no_blanks_when_asked():
    for seed in range(200):
        vals = generate_values(random.Random(seed), VERSIONS[seed % 2], blanks=False)
        assert None not in vals.values()


def test_single_other_switch():
    v = generate_values(random.Random(1), "2021", single_other=True)
    assert "t3/other/total" in v and not any(a.startswith("t3/other.") for a in v)
    v = generate_values(random.Random(1), "2021", single_other=False)
    assert "t3/other.other/total" in v and "t3/other/total" not in v
    v = generate_values(random.Random(1), "2019", single_other=True)  # 2019 has one row anyway
    assert "t3/other/total" in v and list(v) == template("2019").addresses()


# --------------------------------------------------------------------------------------
# rendering


def test_generate_is_deterministic():
    for seed in (0, 1, 17, 123456, 2**31 + 5):
        a, b = generate(seed), generate(seed)
        assert a == b
        assert a.data == b.data
    assert generate(3).text != generate(4).text


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_style_renders(style, version):
    for seed in range(25):
        g = generate(seed, version=version, style=style)
        assert isinstance(g, GeneratedReport)
        assert (g.style, g.version) == (style, version)
        assert g.year in ((2019, 2020) if version == "2019" else range(2021, 2025))
        assert g.data.decode(g.encoding) == g.text
        assert list(g.values) == expected_addresses(version, g.single_other)
        if style not in BLANK_STYLES:
            assert None not in g.values.values()
        flat = _flat(g.text)
        assert f"{g.agency}{g.year}年政府信息公开工作" in flat
        assert _has(flat, "统计期限") or _has(flat, "统计时限")
        for head in ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "其他"):
            assert _has(flat, head)
        for label in (
            "信息内容",
            "申请人情况",
            "自然人",
            "行政复议",
            "未经复议直接起诉",
            "复议后起诉",
            "结转下年度继续办理",
            "本年新收政府信息公开申请数量",
        ):
            assert label in flat, (seed, label)
        if style == "tab":
            assert "\t" in g.text
        elif style == "pipe":
            assert " | " in g.text and "\t" not in g.text
        elif style == "markdown":
            assert re.search(r"^\|(?:---\|)+\r?$", g.text, re.M) and "\t" not in g.text
        elif style == "cell_per_line":
            assert "\t" not in g.text and " | " not in g.text
        else:
            head, body = g.text.split("==================== 正文 ====================\n")
            assert head.startswith("标题: ")
            assert "原文链接: " in head and "发布时间: " in head
            if style == "web_text":  # one separator between all text nodes, an empty cell as U+00A0
                assert ("\xa0" in body) == (None in g.values.values())
            else:
                assert body.count("\n") == 1 and body.endswith("\n"), "body is not one line"


_FOOTER = re.compile(r"^\s*(?:[—\-－]\s*\d+\s*[—\-－]|第\s*\d+\s*页.*)\s*$", re.M)


def _flat(text: str) -> str:
    """NFKC, page-footer lines dropped, no whitespace."""
    text = _FOOTER.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _has(flat: str, word: str) -> bool:
    """`word` in `flat`, allowing one character repeated across a page join (人民政府府信息)."""
    return bool(re.search("".join(re.escape(c) + "{1,2}" for c in word), flat))


def _t3_label(version: str, key: str) -> str:
    if key == "other":
        return "（六）其他处理"
    return next(r.label for r in template(version).t3_rows if r.key == key)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("version", VERSIONS)
def test_clean_render_puts_every_value_after_its_label(style, version):
    """noise=False: each table 三 row prints its label then exactly its 7 values in order;
    table 四 prints its 15 values in order; table 二 rows print their values in order.
    One-line styles print them concatenated right after the label."""
    t = template(version)
    one_line = style not in SEPARATED_STYLES
    blank = "\xa0" if style == "web_text" else ""  # how an empty cell prints in one-line text
    n_blank = 0
    for seed in range(30):
        rng = random.Random(seed)
        vals = generate_values(rng, version, blanks=style in BLANK_STYLES)
        n_blank += sum(v is None for v in vals.values())
        text = render_text(
            vals, version, 2019 if version == "2019" else 2022, "某某县某某镇人民政府", style, rng, noise=False
        )
        if one_line:
            text = text.split("正文 ====================\n")[1]
            if style in ("spaced", "web_text"):  # separators between cells are the style itself, not noise
                text = re.sub(r"[ \u3000\n]", "", text)
        rows = [(_t3_label(version, k), [vals[f"t3/{k}/{c.key}"] for c in t.t3_columns]) for k in _t3_row_keys(vals)]
        rows += [(r.label, [vals[f"t2/{b.key}.{r.key}/{c.key}"] for c in b.columns]) for b in t.table2 for r in b.rows]
        t4 = [vals[a] for a in vals if a.startswith("t4/")]
        for label, want in rows:
            if one_line:
                if not any(isinstance(v, float) for v in want):
                    assert label + _concat(want, blank) in text, (seed, label)
            else:
                got = _row_values(text, style, label, len(want))
                assert got == want, (seed, label)
        if one_line:
            assert "尚未审结总计" + _concat(t4, blank) + "五、" in text, seed
        else:
            assert _t4_values(text, style) == t4, seed
    assert style not in BLANK_STYLES or n_blank > 0, "no blank cell was exercised"


def _t3_row_keys(vals: dict) -> list[str]:
    out = []
    for a in vals:
        if a.startswith("t3/"):
            k = a.split("/")[1]
            if k not in out:
                out.append(k)
    return out


def _num(s: str):
    s = s.strip().removesuffix("元")
    if s == "":
        return None
    return float(s) if "." in s else int(s)


def _row_values(text: str, style: str, label: str, n: int) -> list:
    """The n values printed after `label` (the row label is unique enough to find its row)."""
    if style in ("tab", "pipe", "markdown"):
        for line in text.splitlines():
            if style == "tab":
                fields = line.split("\t")
            elif style == "pipe":
                fields = [f.strip() for f in line.split(" | ")]
            else:
                fields = [f.strip() for f in line.strip().strip("|").split("|")]
            if label in fields:
                i = fields.index(label)
                vals = [f for f in fields[i + 1 :]]
                # merged label cells leave empty fields right after the label; values are
                # aligned from the right, table 二 rows may have empty fields after them
                return _align(vals, n)
        raise AssertionError(f"row {label!r} not found")
    if style == "cell_per_line":
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        i = lines.index(label)
        # cells are separated by one run of blank lines; a blank cell is an extra empty line
        # inside a longer run: walk the runs.
        out, j = [], i + 1
        gap = _cell_gap(lines)
        while len(out) < n:
            run = 0
            while lines[j] == "":
                run += 1
                j += 1
            blanks = (run - gap) // (gap + 1) if run > gap else 0
            out += [None] * blanks
            if len(out) >= n:
                break
            out.append(_num(lines[j]))
            j += 1
        return out[:n]
    raise AssertionError(f"no row reader for {style}")


def _align(fields: list[str], n: int) -> list:
    vals = [f for f in fields]
    while vals and vals[0] == "" and len(vals) > n:
        vals.pop(0)
    while len(vals) > n and vals[-1] == "":
        vals.pop()
    assert len(vals) == n, fields
    return [_num(v) for v in vals]


def _cell_gap(lines: list[str]) -> int:
    """Blank lines between two cells of a row: the shortest run between two numbers."""
    best = 99
    run, prev_num = 0, False
    for ln in lines:
        if ln == "":
            run += 1
            continue
        is_num = bool(re.fullmatch(r"[0-9.+\-]+元?", ln))
        if is_num and prev_num and run:
            best = min(best, run)
        prev_num, run = is_num, 0
    return best


def _t4_values(text: str, style: str) -> list:
    if style in ("tab", "pipe", "markdown"):
        for line in text.splitlines():
            if style == "tab":
                f = line.split("\t")
            elif style == "pipe":
                f = [x.strip() for x in line.split(" | ")]
            else:
                f = [x.strip() for x in line.strip().strip("|").split("|")]
            if len(f) == 15 and all(re.fullmatch(r"\d*", x) for x in f) and any(f):
                return [_num(x) for x in f]
        raise AssertionError("table 四 value row not found")
    if style == "cell_per_line":
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        gap = _cell_gap(lines)
        last_head = max(i for i, ln in enumerate(lines) if ln in ("总计", "合计"))
        out, j = [], last_head + 1
        while len(out) < 15:
            run = 0
            while lines[j] == "":
                run += 1
                j += 1
            if out:
                out += [None] * ((run - gap) // (gap + 1) if run > gap else 0)
            if len(out) >= 15:
                break
            out.append(_num(lines[j]))
            j += 1
        return out[:15]
    raise AssertionError(f"no row reader for {style}")


def _concat(vals: list, blank: str = "") -> str:
    return "".join(blank if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v)) for v in vals)


def test_spaced_style_separates_some_cells():
    hits = 0
    for seed in range(30):
        g = generate(seed, style="spaced")
        body = g.text.split("正文 ====================\n")[1]
        t3 = body[body.index("本年新收政府信息公开申请数量") : body.rindex("结转下年度继续办理")]
        if re.search(r"\d[ \u3000]\d", t3):
            hits += 1
        assert "\t" not in body
    assert hits >= 25


def test_noise_features_show_up():
    """Across a sample of reports each kind of noise appears at least once."""
    feats = {
        k: 0
        for k in (
            "footer_in_table",
            "footer_in_prose",
            "split_word",
            "heji",
            "halfwidth",
            "plus_sign",
            "yuan_cell",
            "bold",
            "cjk_space",
            "gb18030",
            "cr_only",
            "header_repeat",
            "group_repeat",
            "numbering",
            "single_other",
            "blank_cell",
            "lead_tab",
        )
    }
    for seed in range(400):
        g = generate(seed)
        t = g.text
        lines = t.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if g.style in ("tab", "pipe", "markdown"):
            tables = [i for i, ln in enumerate(lines) if ("\t" in ln or "|" in ln)]
            if tables and any(
                re.fullmatch(r"(— \d+ —|- \d+ -|－\d+－|第 ?\d+ ?页.*)", lines[i]) for i in range(tables[0], tables[-1])
            ):
                feats["footer_in_table"] += 1
            if sum("申请人情况" in ln for ln in lines) > 1:
                feats["header_repeat"] += 1
        if any(re.fullmatch(r"— \d+ —", ln) for ln in lines[:30]):
            feats["footer_in_prose"] += 1
        feats["split_word"] += any(ln and "\u4e00" <= ln[-1] <= "\u9fff" and len(ln) > 30 for ln in lines)
        feats["heji"] += "（七）合计" in t or "(七)合计" in t
        feats["halfwidth"] += "第二十条第(一)项" in t
        feats["plus_sign"] += bool(re.search(r"[\t|] ?\+\d", t))
        feats["yuan_cell"] += bool(re.search(r"\d元", t))
        feats["bold"] += "**" in t
        feats["cjk_space"] += bool(re.search(r"\d \u5e74", t)) or "本年新 " in t
        feats["gb18030"] += g.encoding == "gb18030"
        feats["cr_only"] += "\r" in t and "\r\n" not in t
        feats["group_repeat"] += t.count("三、本年度办理结果") + t.count("三、本年度办理结果".replace("（", "(")) > 1
        feats["numbering"] += "1、属于国家秘密" in t or "1．属于国家秘密" in t
        feats["single_other"] += g.single_other
        feats["blank_cell"] += None in g.values.values()
        feats["lead_tab"] += bool(re.search(r"^\t\t?[一二三四（]", t, re.M))
    missing = [k for k, n in feats.items() if n == 0]
    assert not missing, feats


def test_render_refuses_blank_cells_in_one_line_styles():
    rng = random.Random(0)
    vals = generate_values(rng, "2019", blanks=False)
    vals["t3/granted/commercial"] = None
    with pytest.raises(ValueError):
        render_text(vals, "2019", 2019, "某某县人民政府", "run_together", rng)
    render_text(vals, "2019", 2019, "某某县人民政府", "tab", rng)  # fine there


@pytest.mark.parametrize("version", VERSIONS)
def test_detached_labels_stand_apart_from_their_values(version):
    """The detached style prints every value row of tables 二 and 三 as one line with its
    empty cells as empty fields, in template order, but not after its own label: labels
    come first, last or in blocks, some split over lines."""
    t = template(version)
    apart = split = 0
    for seed in range(25):
        g = generate(seed, version=version, style=DETACHED)
        assert g.style == DETACHED and list(g.values) == expected_addresses(version, g.single_other)
        assert g.data.decode(g.encoding) == g.text and g == generate(seed, version=version, style=DETACHED)
        lines = g.text.replace("\r\n", "\n").split("\n")
        cells = [[c.strip() for c in x.strip()[1:-1].split("|")] if x.startswith("|") else x.split("\t") for x in lines]
        want = [
            ["" if g.values[f"t3/{k}/{c.key}"] is None else str(g.values[f"t3/{k}/{c.key}"]) for c in t.t3_columns]
            for k in _t3_row_keys(g.values)
        ]
        printed = [c for c in cells if len(c) == len(t.t3_columns) and all(re.fullmatch(r"\d*", x) for x in c)]
        assert [r for r in printed if any(r)] == [r for r in want if any(r)], seed  # a blank TAB row prints nothing
        label_lines = [i for i, x in enumerate(lines) if x.strip("| ").startswith(("一、本年新收", "一、本年"))]
        after = lines[label_lines[0] + 1] if label_lines else ""
        apart += not re.match(r"^\|?\s*[\d\t|]", after)
        split += "本年新收政府信息公开申请数量" not in g.text.replace("| ", "").replace(" |", "")
    assert apart >= 10 and split >= 3, (apart, split)


@pytest.mark.parametrize("seed", [3, 11, 42])
def test_a_named_publisher_leaves_the_report_as_drawn(seed):
    """`generate(seed, agency=…)` names the publisher and keeps everything else the seed
    draws (the portal simulator publishes reports for its own division's bodies)."""
    for version in (None, "pre2019"):
        a, b = generate(seed, version), generate(seed, version, agency="永安市教育局")
        assert (a.values, a.year, a.version, a.style, a.encoding) == (b.values, b.year, b.version, b.style, b.encoding)
        assert b.agency == "永安市教育局" and "永安市教育局" in b.text and a.agency not in b.text


@pytest.mark.parametrize("version", VERSIONS)
def test_detached_vanished_prints_no_trace_of_an_empty_cell(version):
    """detached_vanished is the detached report of the same seed, but its value rows leave
    out their empty cells: table 三's values one per line or separated by single spaces,
    in row order, and nothing at all for a wholly empty row."""
    t = template(version)
    per_line = spaced = 0
    for seed in range(25):
        g, d = generate(seed, version=version, style=DETACHED_VANISHED), generate(seed, version=version, style=DETACHED)
        assert (g.style, g.values, g.year, g.agency) == (DETACHED_VANISHED, d.values, d.year, d.agency)
        assert g == generate(seed, version=version, style=DETACHED_VANISHED)
        lines = g.text.replace("\r\n", "\n").split("\n")
        bare = [re.sub(r"\s", "", x) for x in lines]
        head = next(i for i, x in enumerate(bare) if "申请人情况" in x)  # table 三's header
        tail = next(i for i, x in enumerate(bare) if i > head and "行政复议" in x)  # table 四's
        printed = [w for x in lines[head:tail] if re.fullmatch(r"\d+( \d+)*", x) for w in x.split(" ")]
        want = [
            str(g.values[f"t3/{k}/{c.key}"])
            for k in _t3_row_keys(g.values)
            for c in t.t3_columns
            if g.values[f"t3/{k}/{c.key}"] is not None
        ]
        assert printed == want, seed
        value_lines = [x for x in lines[head:tail] if re.fullmatch(r"\d+( \d+)*", x)]
        per_line += all(" " not in x for x in value_lines)
        spaced += any(" " in x for x in value_lines)
        # no value row with empty fields (TAB or markdown), as the detached style prints them
        assert not any(
            re.fullmatch(r"[\d\t]*\t[\d\t]*|\|[\d |]*\|", x) and re.search(r"\d", x) for x in lines[head:tail]
        ), seed
    assert per_line >= 5 and spaced >= 5, (per_line, spaced)
