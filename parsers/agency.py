"""The body that publishes a report, read from the whole document.

Where a name can come from, most trusted first:

1. the title (the crawler's 标题 line, or title-like text at the start), and a title printed
   again at the end (附件：某某厅2022年政府信息公开工作年度报告);
2. the signature above the date at the end (落款);
3. header lines a crawler or CMS wrote (发布机构, 发文机关, 来源 when it names a body and not a
   website);
4. the prose's self-references: a report that says 我厅/我局/本镇/我区 names itself somewhere
   in full or in part (省教育厅, 《河北省教育厅政务公开实施办法》); the longest printed name of
   that kind of body is taken, and a name that starts with a bare level (省教育厅) gets the
   place the text names at that level (《河北省实施…办法》 → 河北省教育厅) when only one is named.

Every candidate goes through `agency_name`, which strips markup (`#`, `**`, `|`, list
numbers) and refuses what is not a name: a clause (punctuation such as ，。, words such as
根据/按照/本报告), text too long for a name, or a name without the ending of a body or a
place. A report whose body none of these settles has no agency and a warning saying so.
"""

from __future__ import annotations

import re
from collections import Counter

from .document import Flat, Warning

NAME_MAX = 40
# the end of a body's name (a department, an office, a government, a zone) or of a place
_TAIL = re.compile(
    r"(?:人民政府|政府|管委会|管理委员会|办公室|办公厅|行政公署|管理局|街道办事处|办事处|委员会|"
    r"[局厅委办署院所站镇乡处中心区县市旗州盟省]|街道|公司|支行|分行|中心)$"
)
# what a name never contains: clause punctuation and the words that open or join clauses
_CLAUSE = re.compile(
    r"[，,。；;！!？?：:、“”\"]|根据|按照|依据|依照|本报告|本年度|以下简称|现将|特此|坚持|加强|认真|"
    r"进一步|贯彻|落实|要求|编制|年度报告|工作报告|关于|通知"
)
_MARKUP = re.compile(r"\*\*|__|`|^\s*(?:#{1,6}|>|[-*+]\s|\|)+\s*|\s*\|+\s*$")
_LIST_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、])")

PROVINCES = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)


def agency_name(s: str | None) -> str | None:
    """`s` as a body's name (markup, list numbers, quotes and 关于… stripped), or None when
    it is not one: a clause, too long or too short, or without the ending of a body or place."""
    if not s:
        return None
    s = _MARKUP.sub("", s.strip())
    s = "".join(s.split())  # (no whitespace: str.split splits where the regex \s matches)
    s = _LIST_NUMBER.sub("", s)
    s = _LABEL_PREFIX.sub("", s)
    s = _ABOUT_SUFFIX.sub("", s)
    s = s.strip("《》“”\"'：:，,。*#| ")
    if not 3 <= len(s) <= NAME_MAX or _CLAUSE.search(s) or not _TAIL.search(s):
        return None
    if not _NAME_CHARS.fullmatch(s):
        return None
    return s


# (compiled once: agency_name is asked a few times a report)
_LABEL_PREFIX = re.compile(r"^(?:标题|附件\d*|发布机构|发文机关|来源)[:：]")
_ABOUT_SUFFIX = re.compile(r"(?:关于报送|关于印发|关于公布|关于)$")
_NAME_CHARS = re.compile(r"[\u4e00-\u9fff（）()]+")


# ----------------------------------------------------------------------------- header lines
_WEBSITE = re.compile(r"(?:网|网站|门户|平台|本站|客户端|公众号|微信|微博)$")


def header_agency(flat: Flat) -> str | None:
    """The body a crawler's header names (发布机构, 发文机关, 来源 that is not a website)."""
    for key in ("发布机构", "发文机关", "发文单位", "来源"):
        v = flat.doc.header_value(key)
        if v and not _WEBSITE.search(v.strip()):
            name = agency_name(v)
            if name:
                return name
    return None


# ----------------------------------------------------------------------------- self-references
# 我厅 / 本局 / 我区 …: the kind of body the report speaks for (not 本办法, 本市场, 我区域)
_SELF = re.compile(r"(?:我|本)(厅|局|委|办(?![法理事公])|署|镇|乡|街道|区(?![域别间])|县|市(?![场民])|旗)")
_GOVERNMENT_KINDS = {"镇", "乡", "街道", "区", "县", "市", "旗"}
# a printed name begins after punctuation, a digit, a bracket, or a one-character preposition
_LEFT = r"(?:(?<=[^\u4e00-\u9fff])|(?<=^)|(?<=[由经向对在据与和及是为将]))"
_PLACE_AT = {
    "省": r"[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}自治区",
    "市": r"[\u4e00-\u9fff]{2,4}市",
    "县": r"[\u4e00-\u9fff]{2,4}县",
    "区": r"[\u4e00-\u9fff]{2,4}区",
    "州": r"[\u4e00-\u9fff]{2,8}州",
    "旗": r"[\u4e00-\u9fff]{2,4}旗",
}
_GOV_BODY = {"街道": "办事处"}
_ZONE_END = re.compile(
    r"(?:开发|实验|试验|示范|园|新|片|合作|功能|管理|保税|高新)区$"
)  # a zone's body has no fixed name


def self_named_agency(text: str) -> tuple[str | None, str | None]:
    """(agency, how it was found) from the prose's self-references, or (None, None)."""
    kinds = Counter(m.group(1) for m in _SELF.finditer(text))
    if not kinds:
        return None, None
    kind = kinds.most_common(1)[0][0]
    names = _printed_names(text, kind)
    if not names:
        return None, None
    name = _longest_family(names)
    how = f"the report calls itself 我{kind}/本{kind}; it prints {name}"
    if (
        kind in _GOVERNMENT_KINDS
        and not name.endswith(("人民政府", "政府", "办事处", "管委会", "管理委员会"))
        and not _ZONE_END.search(name)
    ):
        name = name + _GOV_BODY.get(kind, "人民政府")
        how += f", whose government is {name}"
    if name[0] in _PLACE_AT and not name.startswith(PROVINCES):
        place = _named_place(text, name[0])
        if place:
            how += f"; the text names one {name[0]}, {place}"
            name = place + name[1:]
    return (name, how) if agency_name(name) else (None, None)


_LEAD_WORDS = re.compile(
    r"^(?:请与|请|与|和|及|由|经|向|对|在|据|是|为|将|联系|咨询|致电|拨打|通过|登录|访问|前往|报送|提交|"
    r"年度|年|月|日|度)+"
)
# a body's printed name starts with a place (河北省…, 平潭综合实验区…) or a bare level (省教育厅)
_STARTS_WITH_PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{1,8}?(?:省|市|县|区|州|旗|盟|镇|乡|街道)|[省市县区州旗])")


def _printed_names(text: str, kind: str) -> Counter:
    """Names of bodies of this kind printed in the text, with how often."""
    if kind in _GOVERNMENT_KINDS:
        ending = rf"{kind}(?:人民政府|政府|办事处|管委会|管理委员会)?"
    else:
        ending = "委(?:员会)?" if kind == "委" else kind
    found = Counter()
    for m in re.finditer(rf"{_LEFT}([\u4e00-\u9fff]{{1,16}}?{ending})(?![\u4e00-\u9fff]?[长员])", text):
        name = _LEAD_WORDS.sub("", m.group(1))
        if len(name) < 3 or _CLAUSE.search(name) or re.search(r"[我本全各该贵此]", name):
            continue
        if not _STARTS_WITH_PLACE.match(name):
            continue
        found[name] += 1
    return found


def _longest_family(names: Counter) -> str:
    """The name most printed, counting a short form (省教育厅) towards a longer one that ends
    with it (河北省教育厅); among equals the longest."""

    def support(n: str) -> int:
        return sum(k for other, k in names.items() if n.endswith(other) or n.startswith(other))

    return max(names, key=lambda n: (support(n), len(n), n))


def _named_place(text: str, level: str) -> str | None:
    """The one place of this level the text names: in a cited title (《河北省实施…办法》) or
    as a province of the register's list; None when none or several are named."""
    pat = _PLACE_AT[level]
    cited = {p for p in re.findall(rf"《({pat})", text) if not _CLAUSE.search(p)}
    named = set()
    if level == "省":
        cited = {p for p in cited if p in PROVINCES}
        named = {p for p in PROVINCES if p in text and p.endswith(("省", "自治区"))}
    for places in (cited, named):
        if len(places) == 1:
            return next(iter(places))
        if places:
            return None
    return None


# ----------------------------------------------------------------------------- signature
_DATE = r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_DATED_NAME = re.compile(r"([\u4e00-\u9fff（）()]{4,60}?)\s*" + _DATE)
_DATE_ALONE = re.compile(_DATE)
_NAME_CUT = re.compile(r"事项(?:暂?无)?|情况|[。；：，、\s]")


def signature_agency(flat: Flat) -> str | None:
    """The issuing body printed above the date near the end of the report."""
    found = _dated_name(flat.text[-400:])
    if found:
        # the run may start with the last words of the text: cut after them
        name = _NAME_CUT.split(found.group(1))[-1]
        if len(name) >= 4:
            return agency_name(name)
    return None


def _dated_name(tail: str) -> re.Match | None:
    """The last _DATED_NAME match of `tail`. A name and its date start no earlier than 60
    characters (the longest name) before the spaces before the tail's first date:
    searched from there, the matches are the same, without trying each character before
    with up to 60 lengths of name."""
    date = _DATE_ALONE.search(tail)
    if date is None:
        return None
    lo = date.start()
    while lo > 0 and tail[lo - 1].isspace():
        lo -= 1
    found = None
    for m in _DATED_NAME.finditer(tail, max(0, lo - 60)):
        found = m
    return found


def missing(agency: str | None, year: int | None) -> list[Warning]:
    out = []
    if agency is None:
        out.append(
            Warning("AGENCY_MISSING", "no title, signature, header line or self-reference names the publishing body")
        )
    if year is None:
        out.append(Warning("YEAR_MISSING", "no title, statistics period or publication date gives the report year"))
    return out
