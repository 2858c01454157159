"""Report titles, look-alikes, years and URL shapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.links import (
    classify_title,
    date_from_url,
    desktop_url,
    guess_year,
    is_article_url,
    is_attachment_url,
    is_list_category,
    normalize_title,
    unescape_percent_u,
    year_from_body,
    year_from_title,
)
from tests.conftest import n_examples

REPORTS = [
    ("永安市大湖镇2019年政府信息公开工作年度报告", 2019),
    ("XX乡2020年度政府信息公开工作年度报告", 2020),
    ("2021年城关街道政府信息公开工作年度报告", 2021),
    ("XX街道办事处2021年政府信息公开年度报告", 2021),
    ("XX乡2020年信息公开年报", 2020),
    ("2022年政府信息公开工作年度报告", 2022),
    ("XX局政府信息公开工作2022年度报告", 2022),
    ("XX局2016年政务信息公开年度报告", 2016),
    ("XX省人民政府2017年政府信息公开工作报告", 2017),
    ("柳城县古砦仫佬族乡２０２１年政府信息公开工作年度报告", 2021),  # full-width digits
    ("XX苏木 2019 年政府信息公开工作年度报告", 2019),  # spaces as in PDF text
    ("关于2021年政府信息公开工作年度报告的公告2020", 2021),
]
LOOKALIKES = [
    "关于做好2021年政府信息公开工作年度报告编制和发布工作的通知",
    "XX县政府信息公开指南",
    "XX县政府信息公开目录",
    "2020年政府信息公开工作年度报告解读",
    "关于印发政府信息公开工作年度报告格式的通知",
    "XX县2021年政务公开工作要点",
    "2021年度政府信息公开工作考核结果",
    "关于报送2022年政府信息公开工作年度报告的通知",
    "XX镇2021年部门决算公开",
    "XX镇召开安全生产工作会议",
]


@pytest.mark.parametrize("title,year", REPORTS)
def test_report_titles_and_years(title, year):
    v = classify_title(title)
    assert v.is_report, (title, v)
    assert year_from_title(title) == year


@pytest.mark.parametrize("title", LOOKALIKES)
def test_lookalikes_rejected(title):
    assert not classify_title(title).is_report


def test_categories_and_truncated_anchors():
    assert classify_title("2021年年报").reason == "category"
    assert is_list_category("2020年度报告")
    cut = classify_title("河黎镇人民政府2019年政府信息公开工作年度…", column_url="http://a.gov.cn/zfxxgknb/")
    assert cut.is_report and cut.boosted
    # without a report column, a truncated anchor is not enough
    assert not classify_title("河黎镇人民政府2019年政府信息公开工作年度…", column_url="http://a.gov.cn/xwzx/").is_report


def test_year_from_body_then_publication_date():
    body = "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。"
    assert year_from_body(body) == 2020
    assert year_from_body("数据统计时限为 2018 年 1 月 1 日至 2018 年 12 月 31 日") == 2018
    assert guess_year("XX镇政府信息公开工作年度报告", body, "2021-02-03") == (2020, "body")
    assert guess_year("XX镇政府信息公开工作年度报告", "无", "2021-02-03") == (2020, "published")
    assert guess_year("XX镇2019年政府信息公开工作年度报告", body, "2021-02-03") == (2019, "title")
    assert guess_year(None, None, None) == (None, None)
    # URL dates are publication dates, never the report year
    assert date_from_url("http://a.gov.cn/zfxxgknb/202103/t20210315_1234.html") == "2021-03-15"
    assert date_from_url("http://a.gov.cn/art/2021/3/5/art_1_2.html") == "2021-03-05"


def test_url_shapes():
    assert is_attachment_url("http://a.gov.cn/x/202103/P020210315123456.pdf")
    assert is_attachment_url("http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12.pdf")
    assert is_attachment_url(
        "http://a.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=2"
    )
    assert is_attachment_url("http://a.gov.cn/attachment/0/12/12345.pdf")
    assert not is_attachment_url("http://a.gov.cn/zfxxgknb/index_1.html")
    for u in (
        "http://a.gov.cn/col/col1/art/2021/art_0123456789abcdef0123456789abcdef.html",
        "http://a.gov.cn/art/2021/3/5/art_1229_88.html",
        "http://a.gov.cn/x/202103/t20210315_1.html",
        "http://a.gov.cn/gkmlpt/content/2/41/post_41001.html",
        "http://a.gov.cn/info/1012/3456.htm",
        "http://a.gov.cn/hc/c109283/202103/0123456789abcdef0123456789abcdef.shtml",
    ):
        assert is_article_url(u), u
    for u in ("http://a.gov.cn/zfxxgknb/", "http://a.gov.cn/zfxxgknb/index_2.html", "http://a.gov.cn/c1/list.shtml"):
        assert not is_article_url(u), u
    assert desktop_url("http://a.gov.cn/x/t20210315_1_wap.html") == "http://a.gov.cn/x/t20210315_1.html"
    assert unescape_percent_u("%u5E74%u62A5") == "年报"
    assert normalize_title(" Ａ  B ") == "AB"


CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=12)
SHAPES = (
    "{a}{y}年政府信息公开工作年度报告",
    "{a}{y}年度政府信息公开工作年度报告",
    "{y}年{a}政府信息公开工作年度报告",
    "{a}{y}年信息公开年报",
    "{a}政府信息公开工作{y}年度报告",
    "{a}{y}年政务信息公开年度报告",
)
BAD_WORDS = (
    "通知",
    "格式",
    "制度",
    "办法",
    "规定",
    "指南",
    "目录",
    "要点",
    "考核",
    "评议",
    "测评",
    "印发",
    "编制",
    "报送",
    "解读",
    "预算",
    "决算",
    "模板",
    "范本",
    "样本",
    "培训",
    "会议",
    "征集",
    "意见",
    "年报",
    "年度",
    "报告",
    "信息公开",
)


@settings(max_examples=n_examples(200), deadline=None)
@given(agency=CJK, year=st.integers(2008, 2024), shape=st.sampled_from(SHAPES))
def test_any_agency_any_shape(agency, year, shape):
    if any(w in agency for w in BAD_WORDS) or "年" in agency:
        return
    title = shape.format(a=agency, y=year)
    assert classify_title(title).is_report
    assert year_from_title(title) == year
    assert guess_year(title, None, f"{year + 1}-03-01")[0] == year


@settings(max_examples=n_examples(100), deadline=None)
@given(agency=CJK, year=st.integers(2008, 2024), word=st.sampled_from(("通知", "指南", "目录", "解读", "要点", "编制")))
def test_lookalike_words_always_win(agency, year, word):
    assert not classify_title(f"关于{agency}{year}年政府信息公开工作年度报告{word}").is_report
