"""The text path end to end on small reports written here, one flattening at a time."""

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.model import ReportCell
from parsers.report import CONTEXT_CHARS, parse_bytes, with_context
from parsers.templates import template

T3_ROWS_2021 = [
    ("一、本年新收政府信息公开申请数量", [5, 1, 0, 0, 0, 0, 6]),
    ("二、上年结转政府信息公开申请数量", [1, 0, 0, 0, 0, 0, 1]),
    ("（一）予以公开", [3, 1, 0, 0, 0, 0, 4]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [1, 0, 0, 0, 0, 0, 1]),
    ("1.属于国家秘密", [0] * 7),
    ("2.其他法律行政法规禁止公开", [0] * 7),
    ("3.危及“三安全一稳定”", [0] * 7),
    ("4.保护第三方合法权益", [0] * 7),
    ("5.属于三类内部事务信息", [0] * 7),
    ("6.属于四类过程性信息", [0] * 7),
    ("7.属于行政执法案卷", [0] * 7),
    ("8.属于行政查询事项", [0] * 7),
    ("1.本机关不掌握相关政府信息", [1, 0, 0, 0, 0, 0, 1]),
    ("2.没有现成信息需要另行制作", [0] * 7),
    ("3.补正后申请内容仍不明确", [0] * 7),
    ("1.信访举报投诉类申请", [0] * 7),
    ("2.重复申请", [0] * 7),
    ("3.要求提供公开出版物", [0] * 7),
    ("4.无正当理由大量反复申请", [0] * 7),
    ("5.要求行政机关确认或重新出具已获取信息", [0] * 7),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [0] * 7),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0] * 7),
    ("3.其他", [0] * 7),
    ("（七）总计", [5, 1, 0, 0, 0, 0, 6]),
    ("四、结转下年度继续办理", [1, 0, 0, 0, 0, 0, 1]),
]
T4 = [1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]


def report_2021(sep: str, t3_rows=T3_ROWS_2021, header: str = "") -> str:
    j = lambda xs: sep.join(str(x) for x in xs)  # noqa: E731
    lines = [
        header + "某县某某镇人民政府2022年政府信息公开工作年度报告",
        "本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。",
        "一、总体情况",
        "（一）主动公开",
        "全年主动公开信息120条。",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        j(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]),
        j(["规章", 0, 0, 0]),
        j(["行政规范性文件", 2, 1, 12]),
        "第二十条第（五）项",
        j(["信息内容", "本年处理决定数量"]),
        j(["行政许可", 35]),
        "第二十条第（六）项",
        j(["信息内容", "本年处理决定数量"]),
        j(["行政处罚", 4]),
        j(["行政强制", 0]),
        "第二十条第（八）项",
        j(["信息内容", "本年收费金额（单位：万元）"]),
        j(["行政事业性收费", "1.25"]),
        "三、收到和处理政府信息公开申请情况",
    ]
    for label, vals in t3_rows:
        lines.append(j([label] + vals))
    lines += [
        "四、政府信息公开行政复议、行政诉讼情况",
        j(["行政复议", "行政诉讼"]),
        j(T4),
        "五、存在的主要问题及改进情况",
        "公开质量有待提高。",
        "六、其他需要报告的事项",
        "无。",
    ]
    return ("\n" if sep != "" else "").join(lines)


def cells(report):
    return {c.address: c for c in report.cells}


@pytest.mark.parametrize("sep", ["\t", " | "])
def test_separated_report_gives_every_cell_with_location(sep):
    r = parse_bytes(report_2021(sep).encode("utf-8"), name="x.txt")
    assert r.error is None and r.template == "2021" and r.year == 2022
    assert r.agency == "某县某某镇人民政府"
    c = cells(r)
    assert set(template("2021").addresses()) <= set(c)
    assert c["t3/new_received/natural_person"].value == 5
    assert c["t3/carried_forward/total"].value == 1
    assert c["t2/art20_8.admin_fees/fee_amount"].value == 1.25
    assert c["t2/art20_8.admin_fees/fee_amount"].unit == "万元"
    assert c["t4/lit_direct/total"].value == 1
    assert all(x.loc.line for x in r.cells), "every cell carries its source line"
    assert all(ch.ok is not False for ch in r.checks)
    assert [s.key for s in r.sections] == [
        "preface",
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    ]


def test_run_together_digits_are_split_by_the_identities():
    text = report_2021("").replace("\n", "")
    r = parse_bytes(
        (
            "标题: 某县某某镇人民政府2022年政府信息公开工作年度报告\n发布时间: 2023-01-10\n"
            "==================== 正文 ====================\n" + text
        ).encode("utf-8")
    )
    c = cells(r)
    assert c["t3/new_received/natural_person"].value == 5
    assert c["t3/new_received/total"].value == 6
    assert [c[f"t4/review/{k}"].value for k in ("upheld", "corrected", "other", "pending", "total")] == [1, 0, 0, 0, 1]
    # 行政规范性文件 '2112' has several readings (2/1/12, 21/1/2, ...): never guessed
    assert c["t2/art20_1.normative_docs/in_force"].status == "unresolved"
    assert any(w.code == "AMBIGUOUS_ROW" for w in r.warnings)


def test_gbk_bytes_and_single_other_row_2021():
    rows = [x for x in T3_ROWS_2021 if not x[0].startswith(("1.申请人", "2.申请人", "3.其他"))]
    i = [x[0] for x in rows].index("（七）总计")
    rows.insert(i, ("（六）其他处理", [0] * 7))
    r = parse_bytes(report_2021("\t", rows).encode("gb18030"))
    c = cells(r)
    assert c["t3/other/total"].value == 0
    assert not any(a.startswith("t3/other.") for a in c)
    assert any(w.code == "GROUP_ROW_ONLY" for w in r.warnings)
    assert all(ch.ok is not False for ch in r.checks)


def test_failed_identity_is_reported():
    rows = list(T3_ROWS_2021)
    rows[2] = ("（一）予以公开", [3, 1, 0, 0, 0, 0, 5])  # 3+1 != 5
    r = parse_bytes(report_2021("\t", rows).encode())
    bad = [ch for ch in r.checks if ch.ok is False]
    assert any(ch.id == "t3_row_total" and ch.subject == "granted" for ch in bad)


@pytest.mark.parametrize(
    "data,needle",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (bytes(range(256)) * 20, "binary"),
        ("这是一则关于春季植树活动的通知，请各单位积极参加。".encode(), "not"),
    ],
)
def test_bad_input_gives_an_error_not_a_traceback(data, needle):
    r = parse_bytes(data, name="bad.txt")
    assert r.error and needle in r.error
    assert json.dumps(r.as_dict(), ensure_ascii=False)


def test_truncated_report_warns_about_missing_parts():
    text = report_2021("\t")
    r = parse_bytes(text[: text.index("三、收到和处理")].encode())
    codes = {w.code for w in r.warnings}
    assert "TABLE_MISSING" in codes and "SECTIONS_MISSING" in codes
    assert not any(c.address.startswith("t3/") for c in r.cells)


def test_cli_json_lines_and_exit_codes(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(report_2021("\t"), encoding="utf-8")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    cmd = [sys.executable, "-m", "pipeline.cli", "parse", str(good), str(bad), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(lines) == 2 and lines[0]["template"] == "2021" and "error" in lines[1]
    assert len(lines[0]["report_id"]) == 16
    assert set(lines[0]["region"]) >= {"province", "city", "county", "township", "code", "level"}
    p = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "parse", str(bad), "--json"], capture_output=True, text=True
    )
    assert p.returncode == 1 and "empty" in p.stderr
    p = subprocess.run([sys.executable, "-m", "pipeline.cli", "parse"], capture_output=True, text=True)
    assert p.returncode == 2


@pytest.mark.parametrize(
    "head,tail,agency,year",
    [
        ("2021年某市人民政府办公室政府信息公开工作年度报告", "", "某市人民政府办公室", 2021),  # year before agency
        ("", "某某省某某厅\n2021年1月27日", "某某省某某厅", 2020),  # no title: signature, statistics period
        ("某县某局关于报送2020年度政府信息公开工作年度报告的函", "", "某县某局", 2020),  # a covering letter
        ("某县教育局2020年政府信息公开工作年度报告", "", "某县教育局", 2020),  # not "政府" from 2020年政府信息公开
    ],
)
def test_agency_and_year_from_title_or_signature(head, tail, agency, year):
    text = (
        head + "\n本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n一、总体情况\n全年主动公开信息。\n"
        "六、其他需要报告的事项\n无。\n" + tail
    )
    r = parse_bytes(text.encode())
    assert (r.agency, r.year) == (agency, year)


def test_subtotal_rows_are_kept_apart_and_not_counted_twice():
    rows = list(T3_ROWS_2021)
    i = [x[0] for x in rows].index("1.本机关不掌握相关政府信息")
    rows.insert(i, ("小计", [0] * 7))  # after 8.属于行政查询事项: the 不予公开 group's subtotal
    j = [x[0] for x in rows].index("1.信访举报投诉类申请")
    rows.insert(j, ("小计", [1, 0, 0, 0, 0, 0, 1]))  # the 无法提供 group's subtotal
    r = parse_bytes(report_2021("\t", rows).encode())
    c = cells(r)
    assert c["t3/unable/total"].value == 1 and c["t3/denied/total"].value == 0
    assert c["t3/unable.not_held/total"].value == 1
    assert sum(w.code == "SUBTOTAL_ROW" for w in r.warnings) == 2
    assert all(ch.ok is not False for ch in r.checks)


def _move_art20_1(text: str, above: list[str], rows: list[str]) -> str:
    """The report with table 二's first block printed after the last block (as PDF-to-text
    tools do with a table that breaks across pages), `above` left under its caption."""
    lines = text.split("\n")
    cap = lines.index("第二十条第（一）项")
    block = lines[cap + 1 : cap + 4]
    rest = lines[: cap + 1] + above + lines[cap + 4 :]
    at = rest.index("三、收到和处理政府信息公开申请情况")
    return "\n".join(rest[:at] + ["— 4 —", block[0]] + rows + rest[at:])


def test_table_printed_away_from_its_caption_is_read_under_its_own_header():
    text = _move_art20_1(report_2021(" | "), [], ["规章 | 0 | 0 | 0", "行政规范性文件 | 2 | 1 | 12"])
    c = cells(parse_bytes(text.encode("utf-8"), name="x.txt"))
    assert [c[f"t2/art20_1.normative_docs/{k}"].value for k in ("issued", "repealed", "in_force")] == [2, 1, 12]
    assert c["t2/art20_8.admin_fees/fee_amount"].value == 1.25  # the moved table is not read as its values


def test_cells_pulled_out_above_the_table_go_to_the_column_their_note_names():
    above = ["0", "1", "（含自然失效 1 件）"]
    text = _move_art20_1(report_2021(" | "), above, ["规章 | 0 | 0", "行政规范性文件 | 2 | 12"])
    r = parse_bytes(text.encode("utf-8"), name="x.txt")
    c = cells(r)
    assert [c[f"t2/art20_1.normative_docs/{k}"].value for k in ("issued", "repealed", "in_force")] == [2, 1, 12]
    assert c["t2/art20_1.normative_docs/repealed"].loc.line == text.split("\n").index("1") + 1
    w = [x.message for x in r.warnings if x.code == "DISPLACED_CELLS"]
    assert w and "repealed" in w[0] and "自然失效" in w[0]


def test_pulled_out_cells_without_a_note_are_never_placed_by_guess():
    text = _move_art20_1(report_2021(" | "), ["0", "1"], ["规章 | 0 | 0", "行政规范性文件 | 2 | 12"])
    c = cells(parse_bytes(text.encode("utf-8"), name="x.txt"))
    # every column could hold the pulled-out values: only what all readings share is kept
    assert [c[f"t2/art20_1.regulations/{k}"].value for k in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert {c[f"t2/art20_1.normative_docs/{k}"].status for k in ("issued", "repealed", "in_force")} == {"unresolved"}


def test_pulled_out_cells_whose_notes_disagree_stay_unresolved():
    above = ["0", "（其中制发 0 件）", "1", "（含自然失效 1 件）"]
    text = _move_art20_1(report_2021(" | "), above, ["规章 | 0 | 0", "行政规范性文件 | 2 | 12"])
    c = cells(parse_bytes(text.encode("utf-8"), name="x.txt"))
    assert {c[f"t2/art20_1.normative_docs/{k}"].status for k in ("issued", "repealed", "in_force")} == {"unresolved"}


def test_a_page_on_one_line_with_a_stray_tab_is_still_read_as_text():
    # one line for the whole article (crawler text), where one tab happens to sit in the title
    text = report_2021(" ").replace("\n", " ").replace("工作年度报告", "工作年度报告\t", 1)
    c = cells(parse_bytes(text.encode("utf-8"), name="x.txt"))
    assert [c[f"t3/new_received/{k}"].value for k in ("natural_person", "commercial", "total")] == [5, 1, 6]
    assert c["t4/review/upheld"].value == 1


@pytest.mark.parametrize("sep", [" ", "", "\n"])
def test_no_break_spaces_of_a_web_page_are_empty_cells(sep):
    rows = [(label, [("\xa0" if v == 0 else v) for v in vals]) for label, vals in T3_ROWS_2021]
    c = cells(parse_bytes(report_2021(sep, t3_rows=rows).encode("utf-8"), name="x.txt"))
    row = [c[f"t3/new_received/{k.key}"] for k in template("2021").t3_columns]
    assert [x.value for x in row] == [5, 1, None, None, None, None, 6]
    assert [x.status for x in row][2:6] == ["blank"] * 4


def test_nbsp_entities_left_in_scraped_text_are_empty_cells():
    rows = [(label, [("&nbsp;" if v == 0 else v) for v in vals]) for label, vals in T3_ROWS_2021]
    c = cells(parse_bytes(report_2021(" ", t3_rows=rows).encode("utf-8"), name="x.txt"))
    assert [c[f"t3/granted/{k}"].value for k in ("natural_person", "commercial", "research", "total")] == [
        3,
        1,
        None,
        4,
    ]


def test_a_table_taken_column_by_column_is_not_read_as_blank_rows():
    # Some PDF-to-text tools print every row label first, then the values column by column.
    text = report_2021("\t")
    lines = text.split("\n")
    i, j = lines.index("三、收到和处理政府信息公开申请情况"), lines.index("四、政府信息公开行政复议、行政诉讼情况")
    labels = [line.split("\t")[0] for line in lines[i + 1 : j]]
    columns = [str(vals[k]) for k in range(7) for _, vals in T3_ROWS_2021]
    r = parse_bytes("\n".join(lines[: i + 1] + labels + columns + lines[j:]).encode("utf-8"), name="x.txt")
    t3 = [c for c in r.cells if c.address.startswith("t3/")]
    assert t3 and all(c.status == "unresolved" for c in t3)
    assert any(w.code == "TABLE_UNALIGNED" for w in r.warnings)


def test_table_two_rows_without_values_are_unresolved_when_values_stand_elsewhere():
    text = report_2021("\t").replace(
        "规章\t0\t0\t0\n行政规范性文件\t2\t1\t12", "规章\n行政规范性文件\n0\n2\n0\n1\n0\n12"
    )
    c = cells(parse_bytes(text.encode("utf-8"), name="x.txt"))
    assert {c[f"t2/art20_1.regulations/{k}"].status for k in ("issued", "repealed", "in_force")} == {"unresolved"}
    assert c["t2/art20_5.admin_license/decisions"].value == 35


def test_run_together_digits_that_no_cut_makes_add_up_are_not_stated():
    # A page's text with no separator where one empty cell kept its &nbsp; and another left
    # no trace (1571, 64, -, -, 48, 27 | 1710); a short row elsewhere makes every row be
    # read allowing vanished blanks. No cut adds up, so no cell of the row is stated.
    rows = [
        (label, ["157164\xa048271710"] if i == 0 else (["1"] if i == 1 else vals))
        for i, (label, vals) in enumerate(T3_ROWS_2021)
    ]
    r = parse_bytes(report_2021("", t3_rows=rows).encode("utf-8"), name="x.txt")
    c = cells(r)
    assert any(w.code == "BLANKS_VANISHED" for w in r.warnings)
    assert {c[f"t3/new_received/{k.key}"].status for k in template("2021").t3_columns} == {"unresolved"}


def test_a_row_printed_with_separators_is_kept_as_printed_even_if_it_does_not_add_up():
    rows = [(label, vals if i else [5, 1, 0, 0, 0, 0, 7]) for i, (label, vals) in enumerate(T3_ROWS_2021)]
    r = parse_bytes(report_2021("\t", t3_rows=rows).encode("utf-8"), name="x.txt")
    assert [cells(r)[f"t3/new_received/{k}"].value for k in ("natural_person", "total")] == [5, 7]
    assert any(ch.id == "t3_row_total" and ch.subject == "new_received" and ch.ok is False for ch in r.checks)


def test_a_blank_that_kept_its_no_break_space_stays_where_it_stands_among_vanished_ones():
    # Empty cells printed as &nbsp; except one that left no trace (5, 1, -, -, -, -, 6) and
    # a row with no trace of its blanks (1 … 1): every row is read allowing vanished
    # blanks, the no-break spaces stay cells, and nothing is stated wrong.
    printed = {0: ["5 1 \xa0 \xa0 \xa0 6"], 1: ["1 1"]}
    rows = [(label, printed.get(i, vals)) for i, (label, vals) in enumerate(T3_ROWS_2021)]
    r = parse_bytes(report_2021(" ", t3_rows=rows).encode("utf-8"), name="x.txt")
    c = cells(r)
    assert any(w.code == "BLANKS_VANISHED" for w in r.warnings)
    assert c["t3/new_received/total"].value == 6 and c["t3/carried_over/total"].value == 1
    want = dict(zip([k.key for k in template("2021").t3_columns], T3_ROWS_2021[0][1]))
    for k, v in want.items():
        got = c[f"t3/new_received/{k}"]
        assert got.status == "unresolved" or (got.value or 0) == v, (k, got)


def test_in_a_spaced_out_table_a_word_is_one_cell():
    # Values separated by spaces, empty cells and some totals left out (a PDF's text):
    # "33" is 33 in some applicant column, not 3 there and a total of 3.
    printed = {2: ["3 1 4"], 3: ["1 1"], 6: ["33"]}
    rows = [(label, printed.get(i, vals)) for i, (label, vals) in enumerate(T3_ROWS_2021)]
    c = cells(parse_bytes(report_2021(" ", t3_rows=rows).encode("utf-8"), name="x.txt"))
    row = {k.key: c[f"t3/denied.security_stability/{k.key}"] for k in template("2021").t3_columns}
    assert all(x.value in (None, 33) for x in row.values()), row
    assert row["total"].status == "blank"


@pytest.mark.parametrize("granted,stated", [("31", True), ("40", False)])
def test_digits_cut_beside_a_blank_total_stand_only_if_the_column_sums_admit_them(granted, stated):
    # A page's text without separators, empty cells as &nbsp; and the total of （一） left
    # out: "31" must be cut (3 | 1) to fill the row; the columns of the whole table admit
    # 3 and 1, not 4 and 0.
    printed = {2: [granted + "\xa0" * 5]}
    rows = [(label, printed.get(i, vals)) for i, (label, vals) in enumerate(T3_ROWS_2021)]
    c = cells(parse_bytes(report_2021("", t3_rows=rows).encode("utf-8"), name="x.txt"))
    got = [c[f"t3/granted/{k}"] for k in ("natural_person", "commercial", "total")]
    if stated:
        assert [x.value for x in got] == [3, 1, None] and got[2].status == "blank"
    else:
        assert {x.status for x in got} == {"unresolved"}


def test_a_cut_beside_a_blank_total_is_not_stated_where_empty_cells_may_have_vanished():
    # "11" for a row of 1 … 1 shows that empty cells left no trace in this text, so "31"
    # followed by five &nbsp; may as well be 31 and a vanished blank as 3 and 1.
    printed = {1: ["11"], 2: ["31" + "\xa0" * 5]}
    rows = [(label, printed.get(i, vals)) for i, (label, vals) in enumerate(T3_ROWS_2021)]
    r = parse_bytes(report_2021("", t3_rows=rows).encode("utf-8"), name="x.txt")
    c = cells(r)
    assert any(w.code == "BLANKS_VANISHED" for w in r.warnings)
    assert {c[f"t3/granted/{k}"].status for k in ("natural_person", "commercial")} == {"unresolved"}


@pytest.mark.parametrize("page_break", ["\f", "running title"])
def test_a_bare_page_number_before_a_page_break_is_not_a_value(page_break):
    # Text taken from a PDF: the page number sits alone on its line after the row that
    # ends the page; then a form feed, or the next page repeats the title line.
    text = report_2021("\t")
    title = text.split("\n")[0]
    last = "5.要求行政机关确认或重新出具已获取信息\t0\t0\t0\t0\t0\t0\t0"
    after = "\f" if page_break == "\f" else title
    r = parse_bytes(
        text.replace(last, "5.要求行政机关确认或重新出具已获取信息 0\n2\n" + after).encode("utf-8"), name="x.txt"
    )
    c = cells(r)
    assert c["t3/not_processed.confirm_reissue/total"].value == 0
    assert c["t3/not_processed.confirm_reissue/natural_person"].status in ("blank", "unresolved")


def test_a_value_before_a_caption_split_like_an_earlier_one_is_kept():
    text = report_2021("\n").replace("第二十条第（", "第二十条第\n（")
    c = cells(parse_bytes(text.encode("utf-8"), name="x.txt"))
    assert c["t2/art20_5.admin_license/decisions"].value == 35
    assert c["t2/art20_6.admin_coercion/decisions"].value == 0


_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000"


@settings(max_examples=200)
@given(
    text=st.text(alphabet=st.sampled_from("ab数字0123456789[]…\x00" + _WHITESPACE), max_size=120),
    spans=st.lists(st.tuples(st.integers(0, 119), st.integers(1, 6)), max_size=8),
)
def test_each_value_context_is_its_text_around_it_with_whitespace_runs_as_one_space(text, spans):
    """with_context's snippets equal the text's around each value with each whitespace run
    made one space, side by side, whatever whitespace (or joint character) the text holds."""
    spaces = re.compile(r"\s+")
    cells, want = [], []
    for off, length in spans:
        raw = text[off : off + length]
        if off >= len(text) or not raw:
            continue
        cells.append(ReportCell("t3/x/y", None, raw, "number", offset=off))
        a, b = max(off - CONTEXT_CHARS, 0), min(off + len(raw) + CONTEXT_CHARS, len(text))
        left, right = spaces.sub(" ", text[a:off]), spaces.sub(" ", text[off + len(raw) : b])
        want.append(("…" if a else "") + f"{left}[{raw}]{right}" + ("…" if b < len(text) else ""))
    assert [c.context for c in with_context(cells, text)] == want


@settings(max_examples=300)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("0123-—|:/第页共 \t\xa0\u3000ab"), max_size=12),
        min_size=1,
        max_size=8,
    )
)
def test_the_whole_text_line_patterns_find_a_match_where_a_line_has_one(lines):
    """The text reader's searches over the whole text (_SKIPPED_ANY, _VALUE_LINE_ANY,
    _BARE_NUMBER_ANY) find a match exactly where one of its lines matches line by line."""
    from parsers.readers import text as reader

    text = "\n".join(lines)
    for whole, line_pattern in (
        (reader._SKIPPED_ANY, reader._SKIPPED),
        (reader._VALUE_LINE_ANY, reader._VALUE_LINE),
        (reader._BARE_NUMBER_ANY, reader._BARE_NUMBER),
    ):
        assert (whole.search("\n" + text) is not None) == any(line_pattern.match(x) for x in lines)


@settings(max_examples=300)
@given(
    text=st.text(alphabet=st.sampled_from("+-,.0123456789１ab其他（）、" + _WHITESPACE), max_size=80),
    a=st.integers(0, 90),
    b=st.integers(0, 90),
)
def test_table_three_labels_are_searched_in_text_blanked_as_the_whole_text(text, a, b):
    """extract_t3 blanks lone values only around table 三 (label_text_between): where its
    labels are searched, from LABEL_LOOKBACK characters before the table, the text is
    what without_values makes of the whole text."""
    from parsers.extract_t3 import LABEL_LOOKBACK, label_text_between
    from parsers.labels import without_values

    start, end = sorted((min(a, len(text)), min(b, len(text))))
    got = label_text_between(text, start, end)
    lo = max(start - LABEL_LOOKBACK, 0)
    assert len(got) == len(text)
    assert got[lo:end] == without_values(text)[lo:end]


def test_tune_gc_freezes_start_up_and_leaves_the_parse_alone():
    """`tune_gc` (a build worker's and `xxgk parse`'s start-up) freezes what start-up made
    and raises the young generation's threshold; a report parses the same after it."""
    code = (
        "import gc, json\n"
        "from parsers.report import GC_YOUNG_THRESHOLD, parse_bytes, tune_gc\n"
        "from synth.generator import generate\n"
        "datas = [generate(i).data for i in range(3)]\n"
        "before = [parse_bytes(d, name='g.txt').as_dict() for d in datas]\n"
        "tune_gc()\n"
        "assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == GC_YOUNG_THRESHOLD\n"
        "assert [parse_bytes(d, name='g.txt').as_dict() for d in datas] == before\n"
        "print('ok')\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert p.stdout.strip() == "ok", p.stderr[-2000:]
