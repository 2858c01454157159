"""Canonical publishers: the spellings of one body meet at one key with a readable name."""

import pytest

from pipeline.publishers import canonical_publisher
from pipeline.regions import resolve_region


def pub(agency, text=""):
    return canonical_publisher(agency, resolve_region(agency, text=text))


@pytest.mark.parametrize(
    "spellings,key,name,kind,parent",
    [
        (
            ["淮安市洪泽区人民政府", "洪泽区人民政府", "洪泽区政府", "江苏省淮安市洪泽区人民政府"],
            "320813:人民政府",
            "淮安市洪泽区人民政府",
            "government",
            "320800:人民政府",
        ),
        (
            ["平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区管理委员会"],
            "350128:平潭综合实验区管理委员会",
            "平潭综合实验区管理委员会",
            "zone",
            "350128:人民政府",
        ),
        (
            ["洪泽区教育局", "淮安市洪泽区教育局"],
            "320813:教育局",
            "淮安市洪泽区教育局",
            "department",
            "320813:人民政府",
        ),
        (["河北省教育厅"], "130000:教育厅", "河北省教育厅", "department", "130000:人民政府"),
        (
            ["上海市浦东新区人民政府", "浦东新区人民政府"],
            "310115:人民政府",
            "上海市浦东新区人民政府",
            "government",
            "310000:人民政府",
        ),
    ],
)
def test_spellings_of_one_body_share_key_and_canonical_name(spellings, key, name, kind, parent):
    for s in spellings:
        p = pub(s)
        assert (p.key, p.name, p.kind, p.parent_key) == (key, name, kind, parent), s


def test_parts_prefix_body_and_division():
    p = pub("淮安市洪泽区人民政府")
    assert (p.prefix, p.body, p.division_code, p.division, p.level) == (
        "淮安市洪泽区",
        "人民政府",
        "320813",
        "洪泽区",
        "county",
    )


def test_units_of_a_zone_are_placed_at_its_division_and_answer_to_the_zone():
    p = pub("平潭综合实验区金井片区管理局")
    assert (p.division_code, p.kind, p.zone) == ("350128", "zone_agency", "平潭综合实验区")
    assert p.parent_key == "350128:平潭综合实验区管理委员会"
    assert pub("平潭综合实验区苏平片区管理局").key != p.key


def test_townships_registered_or_not():
    p = pub("永安市大湖镇人民政府")
    assert (p.key, p.name, p.kind, p.parent_key) == (
        "350481104:人民政府",
        "永安市大湖镇人民政府",
        "township",
        "350481:人民政府",
    )
    q = pub("永安市青石坳镇人民政府")  # not in the register: kept in the body, at its county
    assert (q.key, q.name, q.kind, q.parent_key) == (
        "350481:青石坳镇人民政府",
        "永安市青石坳镇人民政府",
        "township",
        "350481:人民政府",
    )


def test_without_a_division_the_name_is_the_key():
    p = canonical_publisher("某某局", {"code": None})
    assert (p.key, p.division_code, p.parent_key) == ("某某局", None, None)
    assert canonical_publisher(None, None) is None and canonical_publisher("  ", None) is None
