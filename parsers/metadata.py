"""Agency, report year and template version of a report (the agency's sources: `parsers.agency`)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from . import regex_cache
from .agency import agency_name, header_agency, missing, self_named_agency, signature_agency
from .document import Flat, Warning
from .labels import loose
from .templates import template, version_for_year, version_markers, versions

# the title from its year on: 2019年度政府信息公开工作报告
_YEAR_TITLE = r"((?:19|20)\d{2})\s*[)）]?\s*年\s*度?\s*(?:的)?\s*(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?报\s*告"
_TITLE = re.compile(r"([^\n。；]{2,60}?)\s*(?:关于(?:报送|印发|公布)?)?\s*[（(]?\s*" + _YEAR_TITLE)
# Every _TITLE match holds one of these: a text without it has no _TITLE match, which this
# finds in linear time, while _TITLE, trying up to 60 characters before a year at every
# position, takes a millisecond or two to fail on 600 characters of one long line (text
# whose line breaks were lost, where 关于政府信息公开工作年度报告 in the preface passes
# _TITLE_END below).
_YEAR_TITLE_ANY = re.compile(_YEAR_TITLE)
_PERIOD = re.compile(r"统计(?:期限|时限|时间|区间|周期)[^。\n]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_PERIOD2 = re.compile(
    r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*((?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日"
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_TITLE_YEAR_FIRST = re.compile(
    r"((?:19|20)\d{2})\s*年\s*度?\s*([\u4e00-\u9fff（）()]{2,40}?)\s*(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
TITLE_SPAN = 600  # how much of the start (and of the end, for a repeated title) is searched for the title


# How both title patterns end (_TITLE_YEAR_FIRST's ending is one of these): a text without it
# has no title, which this finds in linear time while the title patterns, trying up to 60
# characters before a year at every position, take milliseconds to fail on 600 characters.
_TITLE_END = re.compile(r"信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?报\s*告")


def find_title(text: str) -> tuple[str | None, int | None, str | None]:
    """(agency, year, title text) of the first title-like text of `text`."""
    if not _TITLE_END.search(text):
        return None, None, None
    m = _TITLE.search(text) if _YEAR_TITLE_ANY.search(text) else None
    y = _TITLE_YEAR_FIRST.search(text)
    y_agency = agency_name(y.group(2)) if y else None
    m_agency = agency_name(m.group(1).split("\n")[-1]) if m else None
    if y_agency and (not m_agency or y.start() < m.start()):
        return y_agency, int(y.group(1)), y.group(0)  # 2019年上海市…办公厅政府信息公开…
    if m:
        lines = [x for x in m.group(1).split("\n") if x.strip()]
        name = "".join(lines[-2:]) if len(lines) > 1 and len(lines[-1].strip()) < 3 else (lines[-1] if lines else "")
        return agency_name(name), int(m.group(2)), m.group(0)
    return None, None, None


def _title_candidates(flat: Flat) -> list[tuple[str, str]]:
    title = flat.doc.header_value("标题")
    out = [("title", title)] if title else []
    out.append(("title", flat.text[: min(TITLE_SPAN, max(200, len(flat.text) // 2))]))
    out.append(("title at the end", flat.text[-TITLE_SPAN:]))
    return out


def report_metadata(flat: Flat, warnings: list) -> tuple[str | None, str | None, int | None]:
    """(agency, where the agency was read, report year); warnings say what is missing.

    The year comes from the title, else the statistics period, else a title repeated at the
    end, else the publication date (minus one) or the year most mentioned, with a warning."""
    agency = source = year = tail_year = None
    for where, text in _title_candidates(flat):
        a, y, _ = find_title(text)
        if where == "title" and year is None:
            year = y
        if where != "title" and a:
            tail_year = y
        if agency is None and a:
            agency, source = a, where
    year = year or _period_year(flat) or tail_year or _late_year(flat, warnings)
    if agency is None:
        agency = signature_agency(flat)
        source = "signature" if agency else None
    if agency is None:
        agency = header_agency(flat)
        source = "header" if agency else None
    if agency is None:
        agency, how = self_named_agency(flat.text)
        if agency:
            source = "prose"
            warnings.append(Warning("AGENCY_FROM_PROSE", f"no title, signature or header names the body: {how}"))
    warnings += missing(agency, year)
    return agency, source, year


def _period_year(flat: Flat) -> int | None:
    m = _PERIOD.search(flat.text) or _PERIOD2.search(flat.text)
    return int(m.group(1)) if m else None


def _late_year(flat: Flat, warnings: list) -> int | None:
    """The year from the publication date or, last, the year most mentioned (with a warning)."""
    pub = flat.doc.header_value("发布时间", "发布日期", "成文日期", "发文日期")
    m = _DATE.search(pub or "")
    if m:
        warnings.append(Warning("YEAR_FROM_PUBLICATION", f"report year taken as publication year minus one ({pub})"))
        return int(m.group(1)) - 1
    years = Counter(int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", flat.text[:5000]) if 2007 <= int(y) <= 2035)
    if years:
        year = years.most_common(1)[0][0]
        warnings.append(
            Warning(
                "YEAR_GUESSED",
                f"no title or statistics period; report year guessed as the year most mentioned ({year})",
            )
        )
        return year
    return None


@cache
def _marker_patterns() -> dict[str, tuple[re.Pattern, ...]]:
    """Template version -> one compiled pattern per distinct label marker (built once)."""
    return {v: tuple(regex_cache.compile(loose(mk)) for mk in set(markers)) for v, markers in version_markers().items()}


def detect_version(flat: Flat, year: int | None, warnings: list) -> str:
    text = flat.text
    scores = {}
    for v, patterns in _marker_patterns().items():
        scores[v] = sum(1 for p in patterns if p.search(text))
    by_year = version_for_year(year)
    if max(scores.values()) == 0:
        return by_year or "unknown"
    if by_year == "pre2019" and max(scores.values()) < 3:
        # one or two template words (政府集中采购 …) also occur in old free-form reports
        return by_year
    # the most markers found; on a tie the year's template, else the earliest
    by_labels = max(versions(), key=lambda v: (scores[v], v == by_year))
    if by_year and by_year != by_labels and template(by_labels).variant_of != by_year:
        warnings.append(
            Warning(
                "VERSION_YEAR_MISMATCH",
                f"labels say the {by_labels} template but the report year {year} implies {by_year}; labels trusted",
            )
        )
    return by_labels
