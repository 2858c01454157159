"""Pre-2019 reports: sections and p/<indicator>/<col> cells (parsers.pre2019).

The small reports below are written here; every flattening of the same annex table must
give the same cells. The corpus tests read two real crawler files by path.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.document import Flat
from parsers.pre2019 import SUBKEYS, extract_pre2019, split_pre2019_sections, valid_address
from parsers.readers.text import read_text
from parsers.templates import pre2019
from synth.generator import STYLES, generate
from tests.conftest import n_examples, need_corpus


def parse(text: str):
    flat = Flat(read_text(text.encode("utf-8")))
    cells, warnings = extract_pre2019(flat)
    return split_pre2019_sections(flat), cells, warnings


def by_address(cells):
    out = {}
    for c in cells:
        assert c.address not in out, f"two cells for {c.address}"
        out[c.address] = c
    return out


def values(cells):
    """The figures stated (unresolved cells left out)."""
    return {c.address: c.value for c in cells if c.status != "unresolved"}


def unresolved(cells):
    return {c.address for c in cells if c.status == "unresolved"}


def codes(warnings):
    return [w.code for w in warnings]


# --------------------------------------------------------------------------- fixture

HEADER = ("指标名称", "计量单位", "本年度", "历年累计")
ROWS = [
    ("主动公开政府信息数", "条", "356", "4821"),
    ("其中：政府网站公开政府信息数", "条", "340", "4600"),
    ("全文电子化率", "%", "100", ""),
    ("收到申请数", "件", "12", "97"),
    ("其中：1.当面申请数", "件", "5", "40"),
    ("2.网上申请数", "件", "7", "57"),
    ("同意公开答复数", "件", "9", "80"),
    ("行政复议数", "件", "1", "3"),
    ("行政诉讼数", "件", "12", "25"),
    ("依申请公开信息收取的费用", "元", "0", "150"),
]
PARAS = [
    "某某县水利局2015年政府信息公开工作年度报告",
    "本报告根据《中华人民共和国政府信息公开条例》编制。",
    "一、概述",
    "本局高度重视政府信息公开工作，一、健全机制；二、完善平台。",
    "二、主动公开政府信息情况",
    "本年度主动公开政府信息356条，全文电子化率达到100%。网站专栏页面访问量达5230人次。",
    "三、依申请公开政府信息情况",
    "全年受理政府信息公开申请12件，其中当面申请5件，网上申请7件。同意公开9件。",
    "四、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "发生行政复议1件。",
    "五、人员队伍情况",
    "本局有兼职人员2人。",
    "六、其他需要报告的事项",
    "附表：",
]
TABLE_CELLS = {
    "p/proactive_items/value": (356, "条"),
    "p/proactive_items/cumulative": (4821, "条"),
    "p/proactive_by_channel.website/value": (340, "条"),
    "p/proactive_by_channel.website/cumulative": (4600, "条"),
    "p/proactive_fulltext_rate/value": (100, "%"),
    "p/applications_received/value": (12, "件"),
    "p/applications_received/cumulative": (97, "件"),
    "p/applications_by_channel.in_person/value": (5, "件"),
    "p/applications_by_channel.in_person/cumulative": (40, "件"),
    "p/applications_by_channel.online/value": (7, "件"),
    "p/applications_by_channel.online/cumulative": (57, "件"),
    "p/replies_granted/value": (9, "件"),
    "p/replies_granted/cumulative": (80, "件"),
    "p/admin_review_cases/value": (1, "件"),
    "p/admin_review_cases/cumulative": (3, "件"),
    "p/admin_litigation_cases/value": (12, "件"),
    "p/admin_litigation_cases/cumulative": (25, "件"),
    "p/fees_charged/value": (0, "元"),
    "p/fees_charged/cumulative": (150, "元"),
}
SENTENCE_ONLY = {"p/consultations.site_visits/value": (5230, "人次"), "p/staff.part_time/value": (2, "人")}


def report(flattening: str, paras=PARAS, rows=ROWS) -> str:
    table = [HEADER] + rows
    if flattening == "tab":
        body = list(paras) + ["\t".join(r) for r in table]
    elif flattening == "pipe":
        body = list(paras) + ["| " + " | ".join(r) + " |" for r in table]
    elif flattening == "line":  # one cell per line; empty cells leave no line
        body = list(paras) + [c for r in table for c in r if c]
    elif flattening == "space":
        body = list(paras) + [" ".join(c for c in r if c) for r in table]
    elif flattening == "crawler":  # whole body on one line, table cells run together
        head = [
            "标题: 某某县水利局2015年政府信息公开工作年度报告",
            "发布时间: 2016-03-01",
            "==================== 正文 ====================",
        ]
        return "\n".join(head + ["".join(paras) + "".join("".join(r) for r in table) + " 附件下载"])
    else:
        raise ValueError(flattening)
    return "\n".join(body)


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("flattening", ["tab", "pipe", "line", "space"])
def test_separated_tables_give_every_cell(flattening):
    _, cells, warnings = parse(report(flattening))
    got = by_address(cells)
    assert set(got) == set(TABLE_CELLS) | set(SENTENCE_ONLY)
    for addr, (v, unit) in TABLE_CELLS.items():
        c = got[addr]
        assert (c.value, c.unit, c.via, c.status) == (v, unit, "table", "number"), addr
        assert c.loc.line is not None
    for addr, (v, unit) in SENTENCE_ONLY.items():
        assert (got[addr].value, got[addr].unit, got[addr].via) == (v, unit, "sentence"), addr
    # the sentences agree with the table: no mismatch warning
    assert "PRE2019_TABLE_SENTENCE_MISMATCH" not in codes(warnings)
    assert all(valid_address(a) for a in got)


def test_table_cells_point_at_their_line():
    _, cells, _ = parse(report("line"))
    text = report("line").split("\n")
    got = by_address(cells)
    assert text[got["p/proactive_items/value"].loc.line - 1] == "356"
    assert text[got["p/proactive_items/cumulative"].loc.line - 1] == "4821"
    assert text[got["p/staff.part_time/value"].loc.line - 1] == "本局有兼职人员2人。"


def test_run_together_digits_split_only_when_one_reading_survives():
    _, cells, warnings = parse(report("crawler"))
    got = by_address(cells)
    # 3564821 splits three ways with 本年度 ≤ 历年累计; the sentence "主动公开政府信息356条" picks one,
    # and the 其中 row 3404600 then has one reading ≤ its parent (340/4600, not 3/404600).
    assert values(cells)["p/proactive_items/value"] == 356
    assert values(cells)["p/proactive_items/cumulative"] == 4821
    assert got["p/proactive_by_channel.website/cumulative"].raw == "4600"
    # 1225 reads 1/225 or 12/25 and nothing says which: skipped, and the warning names the row
    assert {"p/admin_litigation_cases/value", "p/admin_litigation_cases/cumulative"} == unresolved(cells)
    assert got["p/admin_litigation_cases/value"].raw == "1225"
    amb = [w.message for w in warnings if w.code == "PRE2019_AMBIGUOUS_DIGITS"]
    assert len(amb) == 1 and "行政诉讼数" in amb[0]
    expected = {a: v for a, v in TABLE_CELLS.items() if "admin_litigation" not in a}
    assert {a: got[a].value for a in expected} == {a: v for a, (v, _) in expected.items()}
    assert all(got[a].via == "table" and got[a].unit == u for a, (_, u) in expected.items())
    # "…当面申请数件5402.网上申请数": the row number 2 glued to the digits is cut off
    assert values(cells)["p/applications_by_channel.in_person/cumulative"] == 40
    assert set(values(cells)) == set(expected) | set(SENTENCE_ONLY)


def test_run_together_without_corroboration_is_skipped():
    paras = [p.replace("本年度主动公开政府信息356条，全文电子化率达到100%。", "") for p in PARAS]
    _, cells, warnings = parse(report("crawler", paras=paras))
    got = values(cells)
    for addr in ("p/proactive_items/value", "p/proactive_by_channel.website/value", "p/proactive_fulltext_rate/value"):
        assert addr not in got
    named = " ".join(w.message for w in warnings if w.code == "PRE2019_AMBIGUOUS_DIGITS")
    assert "主动公开政府信息数" in named and "政府网站公开政府信息数" in named and "全文电子化率" in named
    assert got["p/applications_received/cumulative"] == 97  # still corroborated by 受理…申请12件


def test_run_together_single_value_column():
    text = "一、概述\n本局依法公开。\n二、附表\n指标名称计量单位数量主动公开政府信息数条356收到申请数件12行政复议数件0"
    _, cells, warnings = parse(text)
    assert {(c.address, c.value, c.unit, c.via) for c in cells} == {
        ("p/proactive_items/value", 356, "条", "table"),
        ("p/applications_received/value", 12, "件", "table"),
        ("p/admin_review_cases/value", 0, "件", "table"),
    }
    assert warnings == []


def test_separate_cells_are_read_as_printed():
    # this year > 历年累计 is inconsistent, but printed in separate cells it is what the source says
    _, cells, warnings = parse("附表\n指标名称 | 计量单位 | 本年度 | 历年累计\n行政复议数 | 件 | 5 | 3\n")
    assert values(cells) == {"p/admin_review_cases/value": 5, "p/admin_review_cases/cumulative": 3}
    assert warnings == []


def test_glued_row_number_must_be_the_expected_one():
    text = "附表\n指标名称计量单位本年度历年累计收到申请数件1297其中：1.当面申请数件5405.网上申请数件757"
    _, cells, warnings = parse(text)
    got = values(cells)
    assert "p/applications_by_channel.in_person/value" not in got
    assert any(w.code == "PRE2019_TABLE_ROW_SKIPPED" and "当面申请数" in w.message for w in warnings)


NATIONAL = """某市某区2016年政府信息公开工作年度报告
（一）概述
本区推进政务公开。
（二）主动公开情况
全区主动公开政府信息1200条。
（三）依申请公开情况
共收到申请41件。
（四）存在问题及工作打算
1、宣传不够。2、队伍薄弱。
（五）附表
政府信息公开情况统计表
统计指标\t单位\t数量
一、主动公开情况\t\t
（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）\t条\t1200
其中：主动公开规范性文件数\t条\t15
制发规范性文件总数\t件\t18
三、依申请公开情况\t\t
（一）收到申请数\t件\t41
（三）申请答复数\t件\t41
1.属于已主动公开范围数\t件\t6
2.同意公开答复数\t件\t30
3.同意部分公开答复数\t件\t2
4.不同意公开答复数\t件\t3
其中：涉及国家秘密\t件\t1
涉及个人隐私\t件\t2
四、行政复议数量\t件\t2
其中：维持具体行政行为数\t件\t1
被依法纠错数\t件\t1
其他情形数\t件\t0
五、行政诉讼数量\t件\t1
其中：维持具体行政行为或者驳回原告诉讼请求数\t件\t1
被依法纠错数\t件\t—
八、机构建设和保障经费情况\t\t
（三）从事政府信息公开工作人员数\t人\t6
1.专职人员数\t人\t2
2.兼职人员数\t人\t4
（四）政府信息公开专项经费\t万元\t3.5
九、政府信息公开会议和培训情况\t\t
（二）举办各类培训班数\t次\t2
（三）接受培训人员数\t人次\t150
"""


def test_national_statistics_table():
    sections, cells, warnings = parse(NATIONAL)
    assert values(cells) == {
        "p/proactive_items/value": 1200,
        "p/proactive_normative_docs/value": 15,
        "p/normative_docs_issued/value": 18,
        "p/applications_received/value": 41,
        "p/replies_total/value": 41,
        "p/replies_already_public/value": 6,
        "p/replies_granted/value": 30,
        "p/replies_partial/value": 2,
        "p/replies_denied/value": 3,
        "p/denied_reasons.state_secret/value": 1,
        "p/denied_reasons.privacy/value": 2,
        "p/admin_review_cases/value": 2,
        "p/admin_review_cases.upheld/value": 1,
        "p/admin_review_cases.corrected/value": 1,
        "p/admin_review_cases.other/value": 0,
        "p/admin_litigation_cases/value": 1,
        "p/admin_litigation_cases.upheld/value": 1,
        "p/staff.total/value": 6,
        "p/staff.full_time/value": 2,
        "p/staff.part_time/value": 4,
        "p/budget.funds/value": 3.5,
        "p/meetings_training.trainings/value": 2,
        "p/meetings_training.trainees/value": 150,
    }
    got = by_address(cells)
    assert got["p/budget.funds/value"].unit == "万元" and got["p/meetings_training.trainees/value"].unit == "人次"
    assert all(c.via == "table" for c in cells)  # the two sentences agree with the table
    assert warnings == []
    # group rows 一、主动公开情况 … 九、 inside the table are not sections
    assert [(s.key, s.number) for s in sections] == [
        ("preface", ""),
        ("overview", "一"),
        ("proactive", "二"),
        ("on_request", "三"),
        ("problems", "四"),
        ("other", "五"),
    ]
    assert "统计指标" in sections[-1].text


def test_table_wins_over_a_disagreeing_sentence():
    text = (
        "一、行政复议和行政诉讼情况\n本年度发生行政复议2件。\n二、附表\n"
        "指标名称\t计量单位\t本年度\t历年累计\n行政复议数\t件\t1\t4\n"
    )
    _, cells, warnings = parse(text)
    got = by_address(cells)
    assert (got["p/admin_review_cases/value"].value, got["p/admin_review_cases/value"].via) == (1, "table")
    mism = [w.message for w in warnings if w.code == "PRE2019_TABLE_SENTENCE_MISMATCH"]
    assert len(mism) == 1 and "p/admin_review_cases/value" in mism[0]


# --------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "共受理政府信息公开申请8件，同意公开5件，同意部分公开2件，不予公开1件。行政复议和行政诉讼均为0件。"
            "收取检索、复制、邮寄等费用0元。",
            {
                "p/applications_received/value": (8, "件"),
                "p/replies_granted/value": (5, "件"),
                "p/replies_partial/value": (2, "件"),
                "p/replies_denied/value": (1, "件"),
                "p/admin_review_cases/value": (0, "件"),
                "p/admin_litigation_cases/value": (0, "件"),
                "p/fees_charged/value": (0, "元"),
            },
        ),
        (
            "2016年累计主动公开政府信息500条。截至2016年底，累计主动公开政府信息8000条。",
            {"p/proactive_items/value": (500, "条"), "p/proactive_items/cumulative": (8000, "条")},
        ),
        (
            "接待现场咨询15人次，电话咨询20人次，网上咨询31人次。召开政府信息公开工作会议2次，举办培训班3期，培训人员120人次。",
            {
                "p/consultations.in_person/value": (15, "人次"),
                "p/consultations.phone/value": (20, "人次"),
                "p/consultations.online/value": (31, "人次"),
                "p/meetings_training.meetings/value": (2, "次"),
                "p/meetings_training.trainings/value": (3, "期"),
                "p/meetings_training.trainees/value": (120, "人次"),
            },
        ),
        (
            "专职人员1名，兼职人员3名。政府信息公开工作经费2.5万元。全文电子化率为98.5%。",
            {
                "p/staff.full_time/value": (1, "名"),
                "p/staff.part_time/value": (3, "名"),
                "p/budget.funds/value": (2.5, "万元"),
                "p/proactive_fulltext_rate/value": (98.5, "%"),
            },
        ),
        (
            "全年主动公开规范性文件12件，制发规范性文件15件。通过政府网站公开信息300条，政府公报公开信息20条。"
            "信函申请4件，传真申请1件。",
            {
                "p/proactive_normative_docs/value": (12, "件"),
                "p/normative_docs_issued/value": (15, "件"),
                "p/proactive_by_channel.website/value": (300, "条"),
                "p/proactive_by_channel.gazette/value": (20, "条"),
                "p/applications_by_channel.letter/value": (4, "件"),
                "p/applications_by_channel.fax/value": (1, "件"),
            },
        ),
        (
            "共有行政诉讼案件1件、行政复议案件2件，均已结案。",
            {"p/admin_litigation_cases/value": (1, "件"), "p/admin_review_cases/value": (2, "件")},
        ),
    ],
)
def test_sentence_figures(text, expected):
    _, cells, warnings = parse(text)
    assert {c.address: (c.value, c.unit) for c in cells} == expected
    assert all(c.via == "sentence" and c.status == "number" for c in cells)
    assert warnings == []


@pytest.mark.parametrize(
    "text",
    [
        "主动公开政府信息约300条，网上咨询30余人次，解答咨询3000多人次。",  # approximations
        "各乡镇主动公开政府信息613条，占28.89%。",  # a share is a breakdown, not the total
        "本年度共公开信息。其中，教育局主动公开政府信息60条。",  # after 其中: a part
        "本年度未收到政府信息公开申请，未发生行政复议和行政诉讼，未收取任何费用。",  # no literal zero
        "今年累计主动公开采购信息25条，共受理审批事项117件，办结171件，减免金额2100.5元。",  # other matters
    ],
)
def test_sentences_that_give_nothing(text):
    _, cells, _ = parse(text)
    assert cells == []


def test_differing_sentences_are_all_dropped():
    _, cells, warnings = parse("一、主动公开\n主动公开政府信息100条。\n二、其他\n全年主动公开政府信息120条。")
    assert "p/proactive_items/value" not in values(cells)
    conflict = [w.message for w in warnings if w.code == "PRE2019_SENTENCE_CONFLICT"]
    assert len(conflict) == 1 and "100条" in conflict[0] and "120条" in conflict[0]


# --------------------------------------------------------------------------- sections


def test_sections_on_separate_lines():
    sections, _, _ = parse(report("tab"))
    assert [(s.key, s.number, s.title) for s in sections] == [
        ("preface", "", ""),
        ("overview", "一", "概述"),
        ("proactive", "二", "主动公开政府信息情况"),
        ("on_request", "三", "依申请公开政府信息情况"),
        ("review_litigation", "四", "因政府信息公开申请行政复议、提起行政诉讼的情况"),
        ("other_section", "五", "人员队伍情况"),
        ("other", "六", "其他需要报告的事项"),
        ("other", "", "附表"),
    ]
    assert sections[0].text.startswith("某某县水利局2015年") and sections[0].line == 1
    # the 一、…二、 list inside 概述 does not split it
    assert sections[1].text == "本局高度重视政府信息公开工作，一、健全机制；二、完善平台。"
    assert sections[5].text == "本局有兼职人员2人。" and sections[5].line == 11


def test_sections_glued_in_one_line():
    sections, _, _ = parse(report("crawler"))
    assert [(s.key, s.number) for s in sections] == [
        ("preface", ""),
        ("overview", "一"),
        ("proactive", "二"),
        ("on_request", "三"),
        ("review_litigation", "四"),
        ("other_section", "五"),
        ("other", "六"),
    ]
    assert sections[4].text == "发生行政复议1件。"
    assert sections[6].title == "其他需要报告的事项" and sections[6].text.startswith("附表：指标名称")


def test_sections_keyword_titles_bracket_numbers_and_unnumbered_lines():
    text = (
        "前言文字。（一）工作概况 本局推进公开。（二）依申请公开、不予公开及咨询情况 无申请。"
        "（三）申请行政复议、提起行政诉讼和申诉的情况 无。（四）工作人员及公开事务支出情况 兼职1人。"
    )
    sections, _, _ = parse(text)
    assert [(s.key, s.number, s.title) for s in sections] == [
        ("preface", "", ""),
        ("overview", "一", "工作概况"),
        ("on_request", "二", "依申请公开、不予公开及咨询情况"),
        ("review_litigation", "三", "申请行政复议、提起行政诉讼和申诉的情况"),
        ("fees", "四", "工作人员及公开事务支出情况"),
    ]
    unnumbered = "概述\n本局推进公开。\n主动公开政府信息情况\n全年公开。\n存在的主要问题和改进措施\n人手不足。"
    sections, _, _ = parse(unnumbered)
    assert [(s.key, s.title, s.text) for s in sections] == [
        ("overview", "概述", "本局推进公开。"),
        ("proactive", "主动公开政府信息情况", "全年公开。"),
        ("problems", "存在的主要问题和改进措施", "人手不足。"),
    ]


def test_no_heading_keeps_all_text_as_preface():
    sections, _, _ = parse("本局全年依法公开政府信息。")
    assert [(s.key, s.text) for s in sections] == [("preface", "本局全年依法公开政府信息。")]


def test_subkeys_belong_to_national_indicators():
    keys = {i["key"] for i in pre2019()["indicators"]}
    assert set(SUBKEYS) <= keys
    assert valid_address("p/staff.part_time/value") and valid_address("p/proactive_items/cumulative")
    assert not valid_address("p/staff/value") and not valid_address("p/staff.nobody/value")
    assert not valid_address("p/proactive_items/total") and not valid_address("p/unknown_key/value")


# --------------------------------------------------------------------------- corpus


def corpus_parse(name):
    corpus = need_corpus()
    flat = Flat(read_text((corpus / name).read_bytes()))
    cells, warnings = extract_pre2019(flat)
    return split_pre2019_sections(flat), cells, warnings


def test_corpus_105_department_report_in_prose():
    sections, cells, warnings = corpus_parse("105.txt")
    assert [(s.key, s.number) for s in sections] == [
        ("preface", ""),
        ("overview", "一"),
        ("proactive", "二"),
        ("on_request", "三"),
        ("other_section", "四"),
        ("review_litigation", "五"),
        ("fees", "六"),
    ]
    got = {c.address: (c.value, c.unit, c.via) for c in cells}
    assert got == {
        "p/proactive_items/value": (45, "条", "sentence"),  # 新增主动公开政府信息45条
        "p/admin_review_cases/value": (0, "件", "sentence"),  # 行政复议0件
        "p/staff.part_time/value": (1, "人", "sentence"),  # 兼职人员1人
        "p/budget.funds/value": (1, "万元", "sentence"),  # 政府信息公开费用1万元
        "p/consultations.in_person/value": (1600, "人次", "sentence"),  # 现场咨询1600人次
        "p/consultations.phone/value": (3200, "人次", "sentence"),  # 电话咨询3200人次
        "p/consultations.online/value": (100, "人次", "sentence"),  # 网上咨询100人次
    }
    # 未收到政府信息公开申请 is no literal 0; 约4900人次 and 3000多人次 are approximate
    assert warnings == []


def test_corpus_110_run_together_statistics_table():
    sections, cells, warnings = corpus_parse("110.txt")
    assert [(s.key, s.number) for s in sections] == [
        ("preface", ""),
        ("overview", "一"),
        ("proactive", "二"),
        ("on_request", "三"),
        ("review_litigation", "四"),
        ("problems", "五"),
        ("other", "六"),
    ]
    got = {c.address: (c.value, c.via) for c in cells}
    zero_rows = [
        "proactive_by_channel.gazette",
        "applications_received",
        "applications_by_channel.in_person",
        "applications_by_channel.online",
        "applications_by_channel.letter_fax",
        "replies_total",
        "replies_granted",
        "replies_partial",
        "replies_denied",
        "admin_review_cases",
        "admin_litigation_cases",
    ]
    expected = {f"p/{k}/{col}": (0, "table") for k in zero_rows for col in ("value", "cumulative")}
    expected.update(
        {
            # 主动公开文件数条212210037: 2122/10037, the split the sentence 主动公开政府信息2122条 agrees with
            "p/proactive_items/value": (2122, "table"),
            "p/proactive_items/cumulative": (10037, "table"),
            "p/proactive_by_channel.website/value": (2122, "table"),
            "p/proactive_by_channel.website/cumulative": (10037, "table"),
            "p/consultations.site_visits/value": (97402, "sentence"),  # 专栏访问量达97402人次
        }
    )
    assert got == expected
    assert codes(warnings) == ["PRE2019_ROW_UNMAPPED"]  # 其他类型答复数, 接受行政诉讼、举报数
    assert "其他类型答复数" in warnings[0].message


# --------------------------------------------------------------------------- table before prose


def table(header, rows, sep="\t"):
    return "\n".join(sep.join(r) for r in [header] + rows)


def test_a_prose_figure_for_an_office_or_channel_never_replaces_the_tables_total():
    prose = "一、主动公开\n本局办公室通过政府网站主动公开政府信息120条。\n二、附表\n"
    # the table's row runs together and cannot be split: unresolved, never the office's 120
    _, cells, warnings = parse(prose + "指标名称计量单位本年度历年累计主动公开政府信息数条12251")
    assert "p/proactive_items/value" not in values(cells)
    assert {"p/proactive_items/value", "p/proactive_items/cumulative"} <= unresolved(cells)
    assert any(w.code == "PRE2019_AMBIGUOUS_DIGITS" for w in warnings)
    # a table that reads: its value stands
    _, cells, _ = parse(prose + table(("指标名称", "计量单位", "本年度"), [("主动公开政府信息数", "条", "356")]))
    assert values(cells) == {"p/proactive_items/value": 356}
    # no table: the office's figure is no figure of the body either
    _, cells, _ = parse(prose)
    assert values(cells) == {}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("其中信息中心通过政府网站公开信息30条。", {}),  # one office on one channel
        (
            "通过政府网站主动公开政府信息80条。",
            {"p/proactive_by_channel.website/value": 80},
        ),  # a channel, not the total
        ("各乡镇主动公开政府信息613条。", {}),
        ("法规科受理政府信息公开申请3件。", {}),
        ("财政预决算类信息主动公开政府信息12条。", {}),  # a category
        ("通过政府网站、政务微博等渠道主动公开政府信息80条。", {"p/proactive_items/value": 80}),  # 等: all channels
        (
            "本单位全年主动公开政府信息80条，受理政府信息公开申请3件。",
            {"p/proactive_items/value": 80, "p/applications_received/value": 3},
        ),
    ],
)
def test_sentences_name_the_whole_body(text, expected):
    _, cells, _ = parse(text)
    assert values(cells) == expected
    assert all(c.via == "sentence" for c in cells)


# --------------------------------------------------------------------------- every table shape


@pytest.mark.parametrize("head", ["年末统计", "本年度", "2016年度", "数量", "本期实际"])
@pytest.mark.parametrize("sep", ["\t", " | ", " ", ""])
def test_one_column_tables(head, sep):
    rows = [("主动公开政府信息数", "条", "356"), ("收到申请数", "件", "12"), ("政府信息公开专项经费", "万元", "3.5")]
    _, cells, _ = parse("附表\n" + table(("指标名称", "计量单位", head), rows, sep))
    got = by_address(cells)
    assert values(cells) == {
        "p/proactive_items/value": 356,
        "p/applications_received/value": 12,
        "p/budget.funds/value": 3.5,
    }
    assert [
        got[a].unit for a in ("p/proactive_items/value", "p/applications_received/value", "p/budget.funds/value")
    ] == ["条", "件", "万元"]


def test_columns_in_either_order():
    rows = [("主动公开政府信息数", "条", "4821", "356"), ("行政复议数", "件", "3", "1")]
    want = {
        "p/proactive_items/value": 356,
        "p/proactive_items/cumulative": 4821,
        "p/admin_review_cases/value": 1,
        "p/admin_review_cases/cumulative": 3,
    }
    for sep in ("\t", " | ", " "):
        _, cells, _ = parse("附表\n" + table(("指标名称", "计量单位", "历年累计", "本年度"), rows, sep))
        assert values(cells) == want
    # run together: 历年累计 ≥ 本年度 reads 43 as 4 | 3 (cumulative first), not 4 ≤ 3
    _, cells, _ = parse("附表\n指标名称计量单位历年累计本年度行政复议数件43")
    assert values(cells) == {"p/admin_review_cases/value": 3, "p/admin_review_cases/cumulative": 4}


def test_units_per_row_in_the_label_or_glued():
    text = (
        "附表\n指标名称 本年度 历年累计\n政府信息公开专项经费（万元） 3.5 20.5\n全文电子化率% 98\n"
        "接受培训人员数（人次） 150 900\n"
    )
    _, cells, _ = parse(text)
    got = by_address(cells)
    assert values(cells) == {
        "p/budget.funds/value": 3.5,
        "p/budget.funds/cumulative": 20.5,
        "p/proactive_fulltext_rate/value": 98,
        "p/meetings_training.trainees/value": 150,
        "p/meetings_training.trainees/cumulative": 900,
    }
    assert (
        got["p/budget.funds/value"].unit,
        got["p/proactive_fulltext_rate/value"].unit,
        got["p/meetings_training.trainees/value"].unit,
    ) == ("万元", "%", "人次")


def test_a_header_benniánleijì_alone_is_one_column_or_two_by_its_rows():
    _, cells, _ = parse("附表\n指标名称 计量单位 本年累计\n行政复议数 件 3\n")
    assert values(cells) == {"p/admin_review_cases/value": 3}
    _, cells, _ = parse("附表\n指标名称 计量单位 本年累计\n行政复议数 件 1 3\n")
    assert values(cells) == {"p/admin_review_cases/value": 1, "p/admin_review_cases/cumulative": 3}
    _, cells, warnings = parse("附表\n指标名称计量单位本年累计行政复议数件13")  # 13 or 1 | 3: unread
    assert values(cells) == {} and unresolved(cells) == {"p/admin_review_cases/value"}
    assert any("本年累计" in w.message for w in warnings)


def test_digits_before_the_next_label_close_the_row():
    # spaced-out text: "件38 77传真申请数", "50 2.政务微博" and "条34 343.政务微信…" (row number 3 glued)
    text = (
        "附表\n指标名称计量单位本年度历年累计收到申请数件58 97当面申请数 件38 77传真申请数件20 20 "
        "主动公开政府信息数条90 90 1.政府网站公开政府信息数 条50 50 2.政务微博公开政府信息数 条34 343.政务微信"
        "公开政府信息数 条12 12"
    )
    _, cells, _ = parse(text)
    assert values(cells) == {
        "p/applications_received/value": 58,
        "p/applications_received/cumulative": 97,
        "p/applications_by_channel.in_person/value": 38,
        "p/applications_by_channel.in_person/cumulative": 77,
        "p/applications_by_channel.fax/value": 20,
        "p/applications_by_channel.fax/cumulative": 20,
        "p/proactive_items/value": 90,
        "p/proactive_items/cumulative": 90,
        "p/proactive_by_channel.website/value": 50,
        "p/proactive_by_channel.website/cumulative": 50,
        "p/proactive_by_channel.weibo/value": 34,
        "p/proactive_by_channel.weibo/cumulative": 34,
        "p/proactive_by_channel.wechat/value": 12,
        "p/proactive_by_channel.wechat/cumulative": 12,
    }


def test_replies_total_labels_and_complaint_outcomes():
    rows = [
        ("（三）对申请的答复数", "件", "5"),
        ("4.其他类型答复数", "件", "1"),
        ("五、行政诉讼数量", "件", "2"),
        ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件", "2"),
        ("六、举报投诉数量", "件", "1"),
        ("（一）维持具体行政行为数", "件", "1"),
        ("（二）被依法纠错数", "件", "0"),
    ]
    _, cells, warnings = parse("附表\n" + table(("统计指标", "单位", "数量"), rows))
    assert values(cells) == {
        "p/replies_total/value": 5,
        "p/admin_litigation_cases/value": 2,
        "p/admin_litigation_cases.upheld/value": 2,
        "p/complaints/value": 1,
        "p/complaints.upheld/value": 1,
        "p/complaints.corrected/value": 0,
    }
    assert [w.code for w in warnings] == ["PRE2019_ROW_UNMAPPED"] and "其他类型答复数" in warnings[0].message


# --------------------------------------------------------------------------- arithmetic


def test_sub_items_add_up_or_warn():
    from parsers.pre2019_checks import sum_checks

    rows = [
        ("收到申请数", "件", "12", "97"),
        ("其中：1.当面申请数", "件", "5", "40"),
        ("2.网上申请数", "件", "7", "50"),
    ]
    _, cells, warnings = parse("附表\n" + table(HEADER, rows))
    checks = {(c.id, c.subject): c for c in sum_checks(cells)}
    assert checks[("p_applications_by_channel", "applications_received/value")].ok is True
    bad = checks[("p_applications_by_channel", "applications_received/cumulative")]
    assert (bad.ok, bad.lhs, bad.rhs, bad.hard) == (False, 97, 90, False)
    mism = [w.message for w in warnings if w.code == "PRE2019_SUM_MISMATCH"]
    assert len(mism) == 1 and "applications_received/cumulative" in mism[0]
    assert values(cells)["p/applications_received/cumulative"] == 97  # a warning, never a change of value


def test_sums_split_run_together_digits_where_one_reading_adds_up():
    # 1.当面申请数 533 reads 5 | 33 or 53 | 3 (≤ its total 6 | 36 either way): only 5 | 33 adds up with 1 | 3
    text = "附表\n指标名称计量单位本年度历年累计收到申请数件636其中：1.当面申请数件5332.网上申请数件13"
    _, cells, _ = parse(text)
    assert values(cells) == {
        "p/applications_received/value": 6,
        "p/applications_received/cumulative": 36,
        "p/applications_by_channel.in_person/value": 5,
        "p/applications_by_channel.in_person/cumulative": 33,
        "p/applications_by_channel.online/value": 1,
        "p/applications_by_channel.online/cumulative": 3,
    }


def test_report_checks_list_the_cross_year_identity():
    from parsers.report import parse_bytes

    text = "某县水利局2016年政府信息公开工作年度报告\n一、概述\n依法公开。\n二、附表\n" + table(HEADER, ROWS[3:6])
    rep = parse_bytes(text.encode(), name="r.txt")
    assert rep.template == "pre2019"
    ids = [(c.id, c.subject, c.ok) for c in rep.checks]
    assert ("p_applications_by_channel", "applications_received/value", True) in ids
    assert ("p_cumulative_cross_year", "report", None) in ids


def _cells(**kv):
    from parsers.model import ReportCell

    return [ReportCell(f"p/{k.replace('__', '/').replace('_DOT_', '.')}", v, str(v), "number") for k, v in kv.items()]


def test_cumulative_cross_year_and_the_split_it_allows():
    from parsers.checks import cross_year_checks
    from parsers.model import ReportCell
    from parsers.pre2019_checks import split_by_cumulative

    prev = _cells(proactive_items__cumulative=4465, applications_received__cumulative=85, staff_DOT_total__cumulative=6)
    cur = _cells(
        proactive_items__value=356,
        proactive_items__cumulative=4821,
        applications_received__value=12,
        applications_received__cumulative=96,
        staff_DOT_total__value=6,
        staff_DOT_total__cumulative=6,
    )
    xs = {c.subject: c for c in cross_year_checks(prev, cur, 2015, 2016) if c.id == "p_cumulative_cross_year"}
    assert set(xs) == {"proactive_items", "applications_received"}  # a stock's 累计 is no running sum
    assert (xs["proactive_items"].ok, xs["applications_received"].ok) == (True, False)
    assert cross_year_checks(prev, cur, 2014, 2016) == []
    # 1297 (12 | 97 or 1 | 297 or 129 | 7 ...): only 12 | 97 continues last year's 85
    loose = [
        ReportCell("p/applications_received/value", None, "1297", "unresolved"),
        ReportCell("p/applications_received/cumulative", None, "1297", "unresolved"),
    ]
    got = split_by_cumulative(prev, loose, 2015, 2016)
    assert [(c.address, c.value, c.status) for c in got] == [
        ("p/applications_received/value", 12, "number"),
        ("p/applications_received/cumulative", 97, "number"),
    ]
    loose = [c._replace(raw="111") for c in loose]  # 1 | 11 and 11 | 1 ... none gives 85 + x
    assert split_by_cumulative(prev, loose, 2015, 2016) == []


# --------------------------------------------------------------------------- generated reports


def _wrong_and_recovered(gen):
    import math

    from parsers.report import parse_bytes

    rep = parse_bytes(gen.data, name="gen.txt")
    assert (rep.template, rep.year) == ("pre2019", gen.year)
    stated = {c.address: c for c in rep.cells if c.status != "unresolved"}
    wrong = [
        f"{a}: generated {gen.values.get(a)!r}, got {c.value!r} ({c.via}, raw {c.raw!r})"
        for a, c in stated.items()
        if a not in gen.values or not math.isclose(gen.values[a], c.value, abs_tol=1e-9)
    ]
    ok = sum(1 for a, v in gen.values.items() if a in stated and math.isclose(v, stated[a].value, abs_tol=1e-9))
    return wrong, ok


@settings(max_examples=n_examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), style=st.sampled_from(STYLES))
def test_generated_pre2019_reports_never_get_a_wrong_value(seed, style):
    gen = generate(seed, version="pre2019", style=style)
    wrong, _ = _wrong_and_recovered(gen)
    assert not wrong, f"generate({seed}, version='pre2019', style={style!r}): " + "; ".join(wrong[:8])


def test_generated_pre2019_recovery_by_style():
    # the share read of what the reports state, per style, over a fixed batch (a floor, not a target)
    floors = {
        "tab": 0.99,
        "pipe": 0.99,
        "markdown": 0.99,
        "cell_per_line": 0.99,
        "run_together": 0.6,
        "spaced": 0.7,
        "web_text": 0.88,
    }
    for style in STYLES:
        ok = n = 0
        for seed in range(25):
            gen = generate(seed, version="pre2019", style=style)
            wrong, k = _wrong_and_recovered(gen)
            assert not wrong, (seed, style, wrong[:5])
            ok, n = ok + k, n + len(gen.values)
        assert ok >= floors.get(style, 0.5) * n, f"{style}: {ok}/{n}"


def test_generated_pre2019_values_keep_the_tables_arithmetic():
    from parsers.model import ReportCell
    from parsers.pre2019_checks import cumulative_cross_year, sum_checks

    n_tables = 0
    for seed in range(40):
        gen = generate(seed, version="pre2019", style="tab")
        n_tables += "指标" in gen.text or "项目" in gen.text
        table_vals = gen.values
        cells = [ReportCell(a, v, str(v), "number") for a, v in table_vals.items()]
        assert [c for c in sum_checks(cells) if c.ok is False] == [], seed
        # 历年累计 ≥ 本年度 for every running sum
        for a, v in table_vals.items():
            cum = table_vals.get(a.replace("/value", "/cumulative"))
            if a.endswith("/value") and cum is not None and "rate" not in a:
                assert cum >= v, (seed, a)
        assert cumulative_cross_year(cells, cells, 2015, 2017) == []
    assert 25 <= n_tables < 40  # most reports print a table, some are prose only


def test_wrapped_header_words_lists_that_start_anywhere_and_a_date_after_the_table():
    # one cell per line; a PDF wrapped 指标名称 and 历年累计 in their cells; the numbering of
    # the reply reasons starts at 5 after 其中 rows; the signature's date closes nothing
    text = "\n".join(
        [
            "附表",
            "指标",
            "名称",
            "计量单位",
            "本年度",
            "历年",
            "累计",
            "不同意公开答复数",
            "件",
            "1",
            "2",
            "其中：涉及国家秘密",
            "件",
            "1",
            "2",
            "5.不属于本行政机关公开数",
            "件",
            "0",
            "3",
            "6.申请信息不存在数",
            "件",
            "2",
            "2",
            "某某县水利局",
            "2016年1月5日",
        ]
    )
    _, cells, warnings = parse(text)
    assert values(cells) == {
        "p/replies_denied/value": 1,
        "p/replies_denied/cumulative": 2,
        "p/denied_reasons.state_secret/value": 1,
        "p/denied_reasons.state_secret/cumulative": 2,
        "p/not_held_by_agency/value": 0,
        "p/not_held_by_agency/cumulative": 3,
        "p/info_not_exist/value": 2,
        "p/info_not_exist/cumulative": 2,
    }
    assert not [w for w in warnings if w.code == "PRE2019_TABLE_ROW_SKIPPED"]
    # 项目 | 年末统计: a header although its name column is a common word
    _, cells, _ = parse("附表\n项目\t年末统计\n行政复议数（件）\t2\n")
    assert values(cells) == {"p/admin_review_cases/value": 2}
    assert by_address(cells)["p/admin_review_cases/value"].unit == "件"


def test_the_build_checks_cumulative_across_years_and_reads_the_split_it_allows(tmp_path):
    import pandas as pd

    from pipeline.build import build

    def rep(year, table_text):
        return (
            f"标题: 某某县水利局{year}年政府信息公开工作年度报告\n某某县水利局{year}年政府信息公开工作年度报告\n"
            f"一、概述\n本局依法公开政府信息。\n二、附表\n{table_text}\n某某县水利局\n{year + 1}年2月1日\n"
        )

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a2015.txt").write_text(
        rep(2015, table(HEADER, [("主动公开政府信息数", "条", "300", "4465"), ("收到申请数", "件", "10", "85")])),
        encoding="utf-8",
    )
    # 2016, run together: 3564821 reads 356 | 4821 or 35 | 64821 …; 1297 reads 12 | 97 or 1 | 297 …
    (raw / "b2016.txt").write_text(
        rep(2016, "指标名称计量单位本年度历年累计主动公开政府信息数条3564821收到申请数件1297"), encoding="utf-8"
    )
    build(raw, tmp_path / "out", workers=1, progress=False)
    cells = pd.read_parquet(tmp_path / "out" / "cells")
    cur = cells[cells.year == 2016].set_index("address")
    assert (
        cur.loc["p/proactive_items/value", "value"] == 356 and cur.loc["p/proactive_items/cumulative", "value"] == 4821
    )
    assert cur.loc["p/applications_received/value", "value"] == 12
    assert (
        cur.loc[["p/proactive_items/value", "p/applications_received/cumulative"], "status"] == "resolved_cross_year"
    ).all()
    first = cells[cells.year == 2015].iloc[0].report_id
    assert (cur.loc[["p/proactive_items/value", "p/applications_received/cumulative"], "resolved_by"] == first).all()
    checks = pd.read_parquet(tmp_path / "out" / "checks")
    x = checks[checks.id == "p_cumulative_cross_year"]
    assert set(x.scope) == {"cross_year"} and len(x) >= 1


def test_the_data_dictionary_names_every_sub_key_and_the_pre2019_identities():
    from pipeline.dictionary import render

    text = render()
    for ind in pre2019()["indicators"]:
        assert f"| `{ind['key']}` |" in text
        for sub, label in (ind.get("subkeys") or {}).items():
            assert f"`{sub}` {label}" in text
    for i in pre2019()["identities"]:
        assert f"| `{i['id']}` | pre2019 | soft |" in text
