"""Agency, report year and template version of a report."""
from __future__ import annotations

import re
from collections import Counter
from functools import cache

from .document import Flat, Warning
from .labels import loose
from .templates import VERSIONS, version_markers

_TITLE = re.compile(r"([^\n。；]{2,60}?)\s*(?:关于(?:报送|印发|公布)?)?\s*[（(]?\s*((?:19|20)\d{2})\s*[)）]?\s*年\s*度?\s*(?:的)?\s*(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?报\s*告")
_PERIOD = re.compile(r"统计(?:期限|时限|时间|区间|周期)[^。\n]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_PERIOD2 = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*((?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_AGENCY_TAIL = re.compile(r"(人民政府|管委会|管理委员会|办公室|办公厅|管理局|街道办事处|办事处|委员会|[局厅委办署院所站镇乡街道处中心])$")


def _clean_agency(s: str) -> str | None:
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"^(?:标题[:：])", "", s)
    s = re.sub(r"(?:关于报送|关于印发|关于公布|关于)$", "", s)
    s = s.strip("《》“”\"'：:，,。 ")
    return s if 2 <= len(s) <= 40 else None


_TITLE_YEAR_FIRST = re.compile(r"((?:19|20)\d{2})\s*年\s*度?\s*([\u4e00-\u9fff（）()]{2,40}?)\s*(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告")


def find_title(flat: Flat) -> tuple[str | None, int | None, str | None]:
    """(agency, year, title text) from the crawler title or the first title-like text."""
    title = flat.doc.header_value("标题")
    cands = [title] if title else []
    cands.append(flat.text[:600])
    for c in cands:
        m = _TITLE.search(c)
        y = _TITLE_YEAR_FIRST.search(c)
        y_agency = _clean_agency(y.group(2)) if y else None
        if y_agency and (len(y_agency) < 3 or not _AGENCY_TAIL.search(y_agency)):
            y_agency = None  # "2019年政府信息公开…": the year-first reading has no agency
        m_agency = _clean_agency(m.group(1).split("\n")[-1]) if m else None
        if y_agency and (not m_agency or y.start() < m.start()):
            return y_agency, int(y.group(1)), y.group(0)  # 2019年上海市…办公厅政府信息公开…
        if m:
            lines = [x for x in m.group(1).split("\n") if x.strip()]
            agency = _clean_agency("".join(lines[-2:]) if len(lines) > 1 and len(lines[-1].strip()) < 3 else (lines[-1] if lines else ""))
            return agency, int(m.group(2)), m.group(0)
    return None, None, None


def report_year(flat: Flat, warnings: list) -> tuple[str | None, int | None]:
    agency, year, _ = find_title(flat)
    if year is None:
        m = _PERIOD.search(flat.text) or _PERIOD2.search(flat.text)
        if m:
            year = int(m.group(1))
    if year is None:
        pub = flat.doc.header_value("发布时间", "发布日期", "成文日期", "发文日期")
        m = _DATE.search(pub or "")
        if m:
            year = int(m.group(1)) - 1
            warnings.append(Warning("YEAR_FROM_PUBLICATION", f"report year taken as publication year minus one ({pub})"))
    if year is None:
        years = Counter(int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", flat.text[:5000]) if 2007 <= int(y) <= 2035)
        if years:
            year = years.most_common(1)[0][0]
            warnings.append(Warning("YEAR_GUESSED", f"no title or statistics period; report year guessed as the year most mentioned ({year})"))
    if agency is None:
        agency = _signature_agency(flat)
    return agency, year


def _signature_agency(flat: Flat) -> str | None:
    """The issuing body printed above the date near the end of the report."""
    tail = flat.text[-400:]
    found = None
    for m in re.finditer(r"([\u4e00-\u9fff（）()]{4,60}?)\s*((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", tail):
        found = m
    if found:
        # the run may start with the last words of the text: cut after them
        name = re.split(r"事项(?:暂?无)?|情况|[。；：，、\s]", found.group(1))[-1]
        if 4 <= len(name) and _AGENCY_TAIL.search(name):
            return name
    return None


@cache
def _marker_patterns() -> dict[str, tuple[re.Pattern, ...]]:
    """Template version -> one compiled pattern per distinct label marker (built once)."""
    return {v: tuple(re.compile(loose(mk)) for mk in set(markers)) for v, markers in version_markers().items()}


def detect_version(flat: Flat, year: int | None, warnings: list) -> str:
    text = flat.text
    scores = {}
    for v, patterns in _marker_patterns().items():
        scores[v] = sum(1 for p in patterns if p.search(text))
    by_year = None
    if year is not None:
        by_year = "pre2019" if year <= 2018 else ("2019" if year <= 2020 else "2021")
    if max(scores.values()) == 0:
        return by_year or "unknown"
    if by_year == "pre2019" and max(scores.values()) < 3:
        # one or two template words (政府集中采购 …) also occur in old free-form reports
        return by_year
    by_labels = max(VERSIONS, key=lambda v: (scores[v], v == by_year))
    if scores["2019"] == scores["2021"] and by_year in VERSIONS:
        by_labels = by_year
    if by_year and by_year != by_labels:
        warnings.append(Warning("VERSION_YEAR_MISMATCH", f"labels say the {by_labels} template but the report year {year} implies {by_year}; labels trusted"))
    return by_labels
