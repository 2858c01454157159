"""Report metadata on constructed text: scope (own / aggregate), agency from the whole document."""
import pytest

from parsers.report import parse_bytes
from parsers.scope import report_scope

BODY = ("本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n一、总体情况\n{prose}\n"
        "五、存在的主要问题及改进情况\n公开质量有待提高。\n六、其他需要报告的事项\n无。\n")


@pytest.mark.parametrize("prose,needle", [
    ("本报告由某县政府办公室汇总全县各乡镇、县直各部门政府信息公开工作情况编制而成。", "汇总全县各乡镇"),
    ("本报告根据各有关单位报送的材料汇总编制。", "各有关单位报送的材料汇总"),
    ("2022年，全县共收到政府信息公开申请37件，均按期答复。", "全县共收到政府信息公开申请37件"),
    ("2022年全市各级行政机关共受理政府信息公开申请 120 件。", "全市各级行政机关共受理"),
    ("2022年全区主动公开政府信息1,204条。", "全区主动公开政府信息1,204条"),
    ("其中，区政府办公室收到申请5件，区教育局3件，某某镇2件。", "区教育局3件"),
    ("其中，区管委会及区直各部门主动公开政府信息409条。", "区直各部门"),
])
def test_a_report_that_sums_several_bodies_is_aggregate_with_its_sentence(prose, needle):
    scope, evidence = report_scope(BODY.format(prose=prose))
    assert scope == "aggregate" and needle in evidence


@pytest.mark.parametrize("prose", [
    "2022年，本机关共收到政府信息公开申请5件。全县政务公开工作稳步推进，各部门公开意识进一步提升。",
    "加强对典型案例的研究、梳理和汇总。截至目前，全市在运维政务新媒体共计95个。",
    "指导各部门采取自行办理、协同办理相结合的方式。2022年，我局收到申请3件。",
    "全县政府信息公开工作取得一定成绩。",
])
def test_a_report_of_its_own_work_is_own_without_evidence(prose):
    assert report_scope(BODY.format(prose=prose)) == ("own", None)


def test_scope_is_a_report_field_and_the_evidence_is_cut_around_the_decision():
    long_head = "根据《中华人民共和国政府信息公开条例》和上级文件的有关要求，结合本地实际，" * 3
    text = "某县人民政府2022年政府信息公开工作年度报告\n" + BODY.format(
        prose=long_head + "汇总全县各有关单位政府信息公开工作情况编制而成。")
    r = parse_bytes(text.encode())
    d = r.as_dict()
    assert d["scope"] == "aggregate" and "汇总全县各有关单位" in d["scope_evidence"]
    assert len(d["scope_evidence"]) <= 122
    own = parse_bytes(("某县人民政府2022年政府信息公开工作年度报告\n" + BODY.format(prose="全年收到申请3件。")).encode())
    assert own.as_dict()["scope"] == "own" and own.as_dict()["scope_evidence"] is None
