"""Place names one similar-looking glyph off the register are read with a warning."""

import pytest

from pipeline.place_typos import fix_place_typo, similar_glyphs
from pipeline.regions import resolve_region


@pytest.mark.parametrize(
    "a,b,alike",
    [
        ("潭", "谭", True),
        ("湖", "胡", True),
        ("泽", "择", True),
        ("阳", "阴", True),
        ("大", "平", False),
        ("潭", "圩", False),
        ("安", "按", False),
        ("潭", "潭", False),
    ],
)
def test_similar_glyphs(a, b, alike):
    assert similar_glyphs(a, b) is alike


@pytest.mark.parametrize(
    "agency,code,wrong,right",
    [
        ("永安市大胡镇人民政府", "350481104", "大胡镇", "大湖镇"),  # the county given decides among the 大湖镇
        ("平谭综合实验区管委会", "350128", "平谭", "平潭"),  # a zone named after a misspelt county
    ],
)
def test_a_misspelt_place_is_matched_with_a_warning_naming_both_spellings(agency, code, wrong, right):
    r = resolve_region(agency)
    assert r.code == code
    (w,) = [m for c, m in r.warnings if c == "PLACE_NAME_FUZZY"]
    assert wrong in w and right in w
    assert r.as_dict()["warnings"][0]["code"] == "PLACE_NAME_FUZZY"


def test_a_correct_or_unknown_name_gets_no_fuzzy_reading():
    assert resolve_region("永安市大湖镇人民政府").warnings == ()
    r = resolve_region("永安市青石坳镇人民政府")  # not one glyph off any township of 永安市
    assert r.code == "350481" and r.warnings == ()


def test_a_piece_with_several_lookalike_readings_is_not_fixed():
    # 胡 looks like 湖, 明 and 同 (the 月 side): with no county to choose, 大胡镇 has several readings
    assert fix_place_typo("大胡镇") is None
