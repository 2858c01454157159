"""Scope of a report: the body's own work (`own`) or a summary of several bodies (`aggregate`).

A county government, a city or a zone often publishes one report that adds up its
departments, townships or zone units, while those units publish their own reports too; a sum
over both counts every application twice. The report says which it is in its prose, and only
there: the tables look the same. A report is `aggregate` when one sentence says so:

- it was compiled from its units (汇总 … 各有关单位 / 各部门 / 各乡镇 / 区直 …);
- it states the year's figures for the whole area (全区共收到政府信息公开申请21件,
  2017年全县主动公开政府信息2122条, 全区各级行政机关共受理 …);
- it lists units with their figures (区教育局5件，某某镇3件，某某街道2件 …, or
  区管委会及区直各部门主动公开政府信息1509条).

The deciding sentence is returned as evidence. Anything else is `own` without evidence: a
county government that speaks of 全县政务公开工作 in general words, or of guiding its
departments, still reports its own figures as far as the text can tell.
"""

from __future__ import annotations

import re

OWN = "own"
AGGREGATE = "aggregate"

# units a summary is made of
_UNITS = (
    r"(?:各有关单位|各单位|各部门|各乡镇|各镇|各乡|各街道|各县区|各县市区|各区县|各区|各县|各片区|各成员单位|"
    r"[区县市]直(?:各)?(?:部门|单位)|所属(?:各)?单位|下属(?:各)?单位|本系统各)"
)
_COMPILED = re.compile(rf"汇总[^。；]{{0,40}}?{_UNITS}|{_UNITS}[^。；]{{0,40}}?汇总")
# the whole area as the subject of the year's figures
_AREA = r"全(?:区|县|市|州|盟|旗|省|自治区|自治州|自治县)"
_FIGURE = r"\d[\d,，]*\s*(?:件|条)"
_AREA_FIGURES = re.compile(
    rf"{_AREA}(?:各级行政机关|各级政府|各部门|各单位|政务公开单位)?(?:共|累计|合计|总计)?\s*"
    rf"(?:(?:收到|受理|新收|办理|办结|接收)(?:各类|政府信息公开|依申请公开)*申请|(?:主动)?公开(?:各类)?政府信息)"
    rf"[^。；]{{0,12}}?{_FIGURE}"
)
# a unit name followed closely by its figure: 区教育局5件 / 某某镇收到申请3件
_UNIT_FIGURE = re.compile(
    r"([\u4e00-\u9fff]{2,12}?(?:局|委员会|委|办公室|镇|乡|街道|管委会|中心|片区))"
    r"[^，。；、\d]{0,10}?(\d+)\s*(?:件|条)"
)
# what _UNIT_FIGURE cannot match without (委员会 and 管委会 hold 委): a literal search
_UNIT_WORD = re.compile("局|委|办公室|镇|乡|街道|中心|片区")
_UNITS_AND_PARENT = re.compile(rf"(?:管委会|政府|本级)(?:及|和|与){_UNITS}[^。；]{{0,20}}?{_FIGURE}")
_SENTENCE_ENDS = "。；;！!？?"  # and the line break


def _sentences(text: str) -> list[str]:
    """The text's sentences (and empty strings between end marks that follow each other):
    what the regex [^。；;！!？?\n]+ finds, cut by string replacements and one split, which
    cost a tenth of a regex scan of the text."""
    for c in _SENTENCE_ENDS:
        if c in text:
            text = text.replace(c, "\n")
    return text.split("\n")


EVIDENCE_MAX = 120


def report_scope(text: str) -> tuple[str, str | None]:
    """(`aggregate`, the deciding sentence) or (`own`, None)."""
    # Each pattern is searched only where the words it cannot match without are in the
    # sentence: 汇总, or a figure's 件/条 (most of a report's lines, its tables' rows, have
    # none of them).
    for s in [s for s in _sentences(text) if "件" in s or "条" in s or "汇总" in s]:
        s = s.strip()
        if len(s) < 6:
            continue
        hit = (
            ("汇总" in s and _COMPILED.search(s))
            or ("全" in s and _AREA_FIGURES.search(s))
            or (("政府" in s or "本级" in s or "管委会" in s) and _UNITS_AND_PARENT.search(s))
            or (s.count("件") + s.count("条") >= 3 and _unit_list(s))  # three figures at least
        )
        if hit:
            return AGGREGATE, _evidence(s, hit.start(), hit.end())
    return OWN, None


def _unit_list(sentence: str) -> re.Match | None:
    """Three or more different units, each with its own figure, in one sentence (the first)."""
    if not _UNIT_WORD.search(sentence):
        return None
    found = list(_UNIT_FIGURE.finditer(sentence))
    return found[0] if len({m.group(1) for m in found}) >= 3 else None


def _evidence(s: str, start: int, end: int) -> str:
    """The sentence, or a window of it around the words that decided when it is long."""
    s = re.sub(r"\s+", " ", s)
    if len(s) <= EVIDENCE_MAX:
        return s
    lo = max(0, min(start, end - EVIDENCE_MAX // 2) - 30)
    hi = min(len(s), max(end + 30, lo + EVIDENCE_MAX))
    return ("…" if lo else "") + s[lo:hi] + ("…" if hi < len(s) else "")
