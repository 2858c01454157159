"""Report metadata on constructed text: scope (own / aggregate), agency from the whole document."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.report import parse_bytes
from parsers.scope import report_scope

BODY = (
    "本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n一、总体情况\n{prose}\n"
    "五、存在的主要问题及改进情况\n公开质量有待提高。\n六、其他需要报告的事项\n无。\n"
)


@pytest.mark.parametrize(
    "prose,needle",
    [
        ("本报告由某县政府办公室汇总全县各乡镇、县直各部门政府信息公开工作情况编制而成。", "汇总全县各乡镇"),
        ("本报告根据各有关单位报送的材料汇总编制。", "各有关单位报送的材料汇总"),
        ("2022年，全县共收到政府信息公开申请37件，均按期答复。", "全县共收到政府信息公开申请37件"),
        ("2022年全市各级行政机关共受理政府信息公开申请 120 件。", "全市各级行政机关共受理"),
        ("2022年全区主动公开政府信息1,204条。", "全区主动公开政府信息1,204条"),
        ("其中，区政府办公室收到申请5件，区教育局3件，某某镇2件。", "区教育局3件"),
        ("其中，区管委会及区直各部门主动公开政府信息409条。", "区直各部门"),
    ],
)
def test_a_report_that_sums_several_bodies_is_aggregate_with_its_sentence(prose, needle):
    scope, evidence = report_scope(BODY.format(prose=prose))
    assert scope == "aggregate" and needle in evidence


@pytest.mark.parametrize(
    "prose",
    [
        "2022年，本机关共收到政府信息公开申请5件。全县政务公开工作稳步推进，各部门公开意识进一步提升。",
        "加强对典型案例的研究、梳理和汇总。截至目前，全市在运维政务新媒体共计95个。",
        "指导各部门采取自行办理、协同办理相结合的方式。2022年，我局收到申请3件。",
        "全县政府信息公开工作取得一定成绩。",
    ],
)
def test_a_report_of_its_own_work_is_own_without_evidence(prose):
    assert report_scope(BODY.format(prose=prose)) == ("own", None)


def test_scope_is_a_report_field_and_the_evidence_is_cut_around_the_decision():
    long_head = "根据《中华人民共和国政府信息公开条例》和上级文件的有关要求，结合本地实际，" * 3
    text = "某县人民政府2022年政府信息公开工作年度报告\n" + BODY.format(
        prose=long_head + "汇总全县各有关单位政府信息公开工作情况编制而成。"
    )
    r = parse_bytes(text.encode())
    d = r.as_dict()
    assert d["scope"] == "aggregate" and "汇总全县各有关单位" in d["scope_evidence"]
    assert len(d["scope_evidence"]) <= 122
    own = parse_bytes(
        ("某县人民政府2022年政府信息公开工作年度报告\n" + BODY.format(prose="全年收到申请3件。")).encode()
    )
    assert own.as_dict()["scope"] == "own" and own.as_dict()["scope_evidence"] is None


def _report(head: str = "", tail: str = "", prose: str = "全年收到申请3件。") -> str:
    return head + BODY.format(prose=prose) + tail


@pytest.mark.parametrize(
    "head,tail,agency,source",
    [
        ("## **某省某某厅**2022年政府信息公开工作年度报告\n", "", "某省某某厅", "title"),  # markdown stripped
        ("| 某县某某局2022年政府信息公开工作年度报告 |\n", "", "某县某某局", "title"),
        # the first sentence is not a name: the signature is
        (
            "根据《条例》要求，现将本机关2022年政府信息公开工作年度报告公布如下\n",
            "某县某某局\n2023年1月20日\n",
            "某县某某局",
            "signature",
        ),
        ("", "附件：某县某某局2022年政府信息公开工作年度报告\n", "某县某某局", "title at the end"),
        ("发布机构：某县某某局\n来源：某县人民政府网\n\n", "", "某县某某局", "header"),
        ("来源：某县人民政府网\n\n", "", None, None),  # a website is not a body
    ],
)
def test_agency_from_title_signature_or_header_never_a_sentence(head, tail, agency, source):
    r = parse_bytes(_report(head, tail, prose="全年收到申请3件。" + "持续推进政务公开。" * 40).encode())
    assert (r.agency, r.agency_source) == (agency, source)
    assert r.year == 2022


def test_agency_from_the_prose_takes_the_place_the_text_cites():
    prose = (
        "本报告根据《中华人民共和国政府信息公开条例》和《山西省政府信息公开规定》编制。2022年，省卫生健康委员会"
        "坚持依法公开。我委全年收到申请4件，均按时答复。"
    )
    r = parse_bytes(_report(prose=prose).encode())
    assert (r.agency, r.agency_source) == ("山西省卫生健康委员会", "prose")
    w = [x for x in r.warnings if x.code == "AGENCY_FROM_PROSE"]
    assert w and "山西省" in w[0].message
    # two provinces cited: the place is not settled, the name stays as printed
    prose2 = prose.replace("《山西省政府信息公开规定》", "《山西省政府信息公开规定》《河南省政府信息公开规定》")
    assert parse_bytes(_report(prose=prose2).encode()).agency == "省卫生健康委员会"


def test_a_township_that_names_itself_gets_its_government():
    prose = "2022年，青石镇深入推进政务公开。本镇全年主动公开信息56条，我镇未收到申请。"
    r = parse_bytes(_report(prose=prose).encode())
    assert (r.agency, r.agency_source) == ("青石镇人民政府", "prose")


def test_without_agency_or_year_the_report_parses_and_says_what_is_missing():
    text = BODY.format(prose="全年收到政府信息公开申请3件。").replace(
        "本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。", ""
    )
    r = parse_bytes(text.encode())
    codes = {w.code for w in r.warnings}
    assert r.error is None and r.agency is None and r.year is None
    assert {"AGENCY_MISSING", "YEAR_MISSING"} <= codes


@pytest.mark.parametrize(
    "s,name",
    [
        ("# 某县人民政府", "某县人民政府"),
        ("**某市某某局**", "某市某某局"),
        ("附件：某县某某局", "某县某某局"),
        ("根据某县某某局", None),
        ("全年主动公开政府信息，某县某某局", None),
        ("某某公司总经理办公会议决定", None),
        ("某" * 45 + "局", None),
    ],
)
def test_agency_name_strips_markup_and_refuses_clauses(s, name):
    from parsers.agency import agency_name

    assert agency_name(s) == name


_DATES = st.builds(
    lambda y, m, d, gap: f"{y}{gap}年{gap}{m}{gap}月{d}{gap}日",
    st.integers(1985, 2035),
    st.integers(1, 12),
    st.integers(1, 31),
    st.sampled_from(["", " ", "\n  "]),
)
_TAIL_PIECES = st.one_of(
    _DATES,
    st.text(alphabet=st.sampled_from("某市局厅（）日月年"), max_size=80),
    st.sampled_from(["。", "，", " ", "\n", "\n\n   ", "12", "2020"]),
)


@settings(max_examples=300)
@given(st.lists(_TAIL_PIECES, max_size=8).map("".join))
def test_the_signature_search_from_the_first_date_finds_what_a_search_of_the_whole_tail_finds(tail):
    """signature_agency searches from a little before the tail's first date: the last match
    there is the last match of a search of the whole tail."""
    from parsers import agency

    found = None
    for m in agency._DATED_NAME.finditer(tail):
        found = m
    got = agency._dated_name(tail)
    assert (got.span(), got.groups()) == (found.span(), found.groups()) if found else got is None
