"""Reports -> the tables of the output contract, their parquet files and the datapackage.

Every dataset is described once, here, as a list of `Field`s (name, kind, English and
Chinese description, unit). The parquet schemas, the pandas dtypes written into the files,
the Frictionless descriptor (`datapackage.json`) and the data dictionary
(`pipeline/dictionary.py`) are all derived from these lists; the panel's address columns
and their descriptions are derived from the template definitions (`parsers.templates`,
`parsers.pre2019`), never listed by hand.

Kinds and dtypes (as `pandas.read_parquet` returns them, with nothing of xxgk installed):

=========  ===============  ==========================  ===================
kind       parquet          pandas                       Table Schema type
=========  ===============  ==========================  ===================
``int``    int64            ``Int64`` (nullable)         integer
``money``  double           ``float64``                  number (unit in the description)
``float``  double           ``float64``                  number
``string`` string           ``string``                   string
``bool``   bool             ``boolean`` (nullable)       boolean
=========  ===============  ==========================  ===================

Files are written with fixed settings (zstd level 3, dictionary encoding, fixed row-group
size, no creation time anywhere), so the same rows always give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from parsers.templates import spec, template, versions

from .cachefiles import prune_unused, put_file
from .indicators import PRE2019_SERIES, comparability, indicator_name
from .memory import release
from .values import STATUSES, ReportValues, convert_money, total_parts  # noqa: F401 - convert_money is part of this module's API
from .values import split_address as _split

# Rows per parquet row group. A streaming writer gathers one row group of each file it writes
# (an open year of a partitioned dataset) until it is full, on disk (`BatchSpill`), and has
# it in memory only while writing it: no larger than a few tens of MB, so that the build's
# memory is the same for 10,000 reports as for a million. ROW_GROUP_SIZE: the long datasets
# (cells ~400 bytes a row in memory, values ~170, checks ~120: 15-50 MB) and the small
# derived tables.
ROW_GROUP_SIZE = 1 << 17
SECTIONS_ROW_GROUP = 1 << 13  # a section holds a page of text: 8,192 of them are already ~10 MB
REPORTS_ROW_GROUP = 1 << 13  # ~700 bytes a report row: 6 MB
PANEL_ROW_GROUP = 1 << 12  # hundreds of columns, ~4 KB a row: 16 MB (and as much for panel_status)
NARROW_ROW_GROUP = 1 << 15  # publishers, coverage and similarity rows, ~150-300 bytes each: 5-10 MB
COUNT_UNITS_NOTE = "count"
LIST_SEP = ";"  # report ids, warning codes
LINE_SEP = "\n"  # urls, paths

STATUS_VALUES = ("kept", "duplicate", "skipped", "error")
CELL_STATUS = ("number", "blank", "dash", "text", "unresolved", "resolved_cross_year")
TEMPLATES = (*versions(), "pre2019", "unknown")  # the template definition files, then the two others
TABLES = ("t2", "t3", "t4", "p")
TABLE_ZH = {
    "t2": "表二 主动公开政府信息情况",
    "t3": "表三 收到和处理政府信息公开申请情况",
    "t4": "表四 政府信息公开行政复议、行政诉讼情况",
    "p": "2019年以前报告的统计指标",
}
TABLE_EN = {
    "t2": "table 2 (proactive disclosure)",
    "t3": "table 3 (applications received and handled)",
    "t4": "table 4 (administrative review and litigation)",
    "p": "pre-2019 statistics",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # int | money | float | string | bool
    en: str
    zh: str
    unit: str = ""
    enum: tuple = ()

    @property
    def description(self) -> str:
        d = self.en
        if self.unit:
            d += f" Unit: {self.unit}."
        return d


@dataclass(frozen=True)
class Dataset:
    name: str
    title_en: str
    title_zh: str
    row: str  # what one row is
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()
    partitioned: bool = False  # a folder of one file per report year (`PartitionedWriter`), not one file
    row_group: int = ROW_GROUP_SIZE  # rows per parquet row group (see ROW_GROUP_SIZE)

    @property
    def path(self) -> str:
        """Relative to the output folder: the file, or the folder of a partitioned dataset."""
        return self.name if self.partitioned else f"{self.name}.parquet"

    @property
    def glob(self) -> str:
        """The files of the dataset, as DuckDB's `read_parquet` takes them."""
        return f"{self.name}/*/*.parquet" if self.partitioned else self.path

    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def F(name, kind, en, zh, unit="", enum=()):
    return Field(name, kind, en, zh, unit, tuple(enum))


# --------------------------------------------------------------------------- region columns

REGION_FIELDS = (
    F(
        "agency_type",
        "string",
        "Kind of publishing agency, from the region resolver: government, street_office, department or other.",
        "发布机关类型：government 人民政府、street_office 街道办事处、department 部门、other 其他",
    ),
    F(
        "level",
        "string",
        "Level of the division the agency is placed at, from the region resolver: province, city, county, township (governments and street offices), or department (a department of the division's government; see publisher_type for the kind of body).",
        "层级：province 省、city 市、county 县、township 乡镇（政府、街道），department 部门",
    ),
    F("province", "string", "Province (省级) of the agency.", "所属省级行政区"),
    F("city", "string", "Prefecture-level city (地级) of the agency.", "所属地级行政区"),
    F("county", "string", "County-level division (县级) of the agency.", "所属县级行政区"),
    F(
        "township",
        "string",
        "Township-level division (乡级) of the agency, when it is a township or street office.",
        "所属乡级行政区（乡镇、街道）",
    ),
    F(
        "division_code",
        "string",
        "Civil-affairs division code (民政部行政区划代码: 6 digits, 9 for a township) of the most specific division the agency is placed at (see the region register named in the data dictionary).",
        "民政部行政区划代码（乡级为 9 位）",
    ),
)
CODE_FIELDS = (
    F(
        "province_code",
        "string",
        "Civil-affairs code of the province (民政部行政区划代码).",
        "省级行政区划代码（民政部）",
    ),
    F("city_code", "string", "Civil-affairs code of the prefecture-level city, if any.", "地级行政区划代码（民政部）"),
    F(
        "county_code",
        "string",
        "Civil-affairs code of the county-level division, if any.",
        "县级行政区划代码（民政部）",
    ),
    F(
        "township_code",
        "string",
        "Civil-affairs code (9 digits) of the township or street, if any.",
        "乡级行政区划代码（民政部，9 位）",
    ),
)
PUBLISHER_TYPES = ("government", "township", "street", "department", "zone", "zone_agency", "other")
SCOPES = ("own", "aggregate")
PUBLISHER_REF_FIELDS = (
    F(
        "publisher_id",
        "string",
        "Publisher (publishers.publisher_id): civil-affairs division code and canonical name, e.g. 320813-淮安市洪泽区人民政府; null when the report names no publisher (see unsettled).",
        "发布机关标识：区划代码-规范名称",
    ),
    F(
        "publisher",
        "string",
        "Canonical name of the publisher (the same across years whatever the report prints).",
        "发布机关规范名称",
    ),
    F(
        "publisher_type",
        "string",
        "government (province, city, county), township, street, department, zone (a development or pilot zone, or a sub-zone administration such as 片区管理局), zone_agency (a body of a zone, such as its tax bureau) or other.",
        "发布机关类型",
        enum=PUBLISHER_TYPES,
    ),
)
SCOPE_FIELDS = (
    F(
        "scope",
        "string",
        "own: the report covers the publisher's own work; aggregate: it sums several bodies (汇总…, county-wide figures); null: not determined. Never add an aggregate report to the reports of the bodies it sums (region_year does this for you).",
        "报告范围：own 本机关；aggregate 汇总多个单位",
        enum=SCOPES,
    ),
    F("scope_evidence", "string", "What the scope rests on (the sentence or sign found).", "报告范围依据"),
)
REF_REPORT = ((("report_id",), "reports", ("report_id",)),)
REF_PUBLISHER = (("publisher_id",), "publishers", ("publisher_id",))
UNSETTLED_FIELD = F(
    "unsettled",
    "string",
    "For a kept report whose publisher or year could not be settled: why (the report is kept in every dataset, with this flag).",
    "发布机关或年度无法确定的原因",
)

REPORTS = Dataset(
    "reports",
    "Reports",
    "报告",
    "document (one row per distinct file content, sha256)",
    (
        F(
            "report_id",
            "string",
            "First 16 hex characters of the SHA-256 of the document's bytes.",
            "报告编号：文件内容 SHA-256 的前 16 位",
        ),
        F(
            "status",
            "string",
            "kept: the report's best source, whose cells, sections and checks are in the other datasets; duplicate: another file of the report named in duplicate_of; skipped: the file is not an annual report (e.g. a landing page); error: the file could not be parsed (see error).",
            "状态：kept 保留（其数据进入其他数据集）；duplicate 同一报告的另一文件；skipped 非年度报告；error 解析失败",
            enum=STATUS_VALUES,
        ),
        F(
            "duplicate_of",
            "string",
            "For a duplicate: the report_id of the kept file of the same report.",
            "重复文件所对应的保留报告编号",
        ),
        F(
            "duplicate_reason",
            "string",
            "For a duplicate: why it is the same report as duplicate_of.",
            "判定为重复的理由",
        ),
        F(
            "duplicates",
            "string",
            f"For a kept report: the report_ids of its other files, separated by '{LIST_SEP}'.",
            f"保留报告的其他文件编号，以“{LIST_SEP}”分隔",
        ),
        F("agency", "string", "Publishing agency as named in the report.", "报告中的发布机关名称"),
        F(
            "agency_id",
            "string",
            "Agency key used to find duplicates: division code and the agency name without the names of its higher divisions (or the normalised name when no division is known). Prefer publisher_id.",
            "机关标识：区划代码加去掉上级区划名称后的机关名",
        ),
        *PUBLISHER_REF_FIELDS,
        *REGION_FIELDS,
        *CODE_FIELDS,
        *SCOPE_FIELDS,
        UNSETTLED_FIELD,
        F("region_confidence", "float", "Confidence of the region resolution, 0 to 1.", "地区识别置信度（0–1）"),
        F("region_evidence", "string", "What the region resolution rests on.", "地区识别依据"),
        F("year", "int", "Report year (the statistics year, not the publication year).", "报告年度（统计年度）"),
        F(
            "template",
            "string",
            "Template version of the report: 2019 (国办公开办函〔2019〕60号), 2021 (国办公开办函〔2021〕30号), pre2019 (free form) or unknown.",
            "模板版本",
            enum=TEMPLATES,
        ),
        F("format", "string", "Form of the file: text, html, pdf, docx, doc ...", "文件格式"),
        F("url", "string", "URL of the report (the first of urls).", "报告网址"),
        F(
            "urls",
            "string",
            "Every URL at which these exact bytes were found, one per line.",
            "相同内容的全部网址（每行一个）",
        ),
        F(
            "paths",
            "string",
            "Paths of the files in the raw directory, one per line; bytes of a name that are not UTF-8 "
            "are written \\xHH.",
            "原始目录中的文件路径（每行一个；非UTF-8字节写作\\xHH）",
        ),
        F(
            "paths_bytes",
            "string",
            "Only when a path is not UTF-8: the bytes of each path of `paths` in hex, one per line "
            "(an empty line for a UTF-8 path).",
            "路径含非UTF-8字节时：各路径的原始字节（十六进制，每行一个）",
        ),
        F("n_sources", "int", "Number of files (URLs or paths) with these exact bytes.", "内容相同的文件数"),
        F("sha256", "string", "SHA-256 of the document's bytes.", "文件内容 SHA-256"),
        F(
            "published_at",
            "string",
            "Publication date (YYYY-MM-DD where known), from the page or the crawler.",
            "发布日期",
        ),
        F("title", "string", "Title of the document on the portal (crawler), if any.", "门户网站上的标题"),
        F("portal", "string", "Portal the document was crawled from, if any.", "来源门户网站"),
        F("list_url", "string", "List page on which the crawler found the document.", "列表页网址"),
        F(
            "detail_url",
            "string",
            "Detail page of the document (for attachments, the page that links it).",
            "详情页网址",
        ),
        F("year_guess", "int", "Report year guessed by the crawler from the title.", "爬虫根据标题推测的年度"),
        F(
            "n_cells",
            "int",
            "Number of cells the parse found (for a kept report, its rows in cells).",
            "解析出的单元格数",
        ),
        F("n_numbers", "int", "Number of its cells that hold a number.", "数值单元格数"),
        F("n_sections", "int", "Number of sections found.", "章节数"),
        F("n_checks", "int", "Number of checks evaluated (for a kept report, its rows in checks).", "校验数"),
        F(
            "n_checks_failed",
            "int",
            "Number of checks that fail (ok is false); for a kept report, cross-year ones included.",
            "未通过的校验数",
        ),
        F("n_warnings", "int", "Number of parser warnings.", "解析警告数"),
        F(
            "warnings",
            "string",
            f"Parser warning codes, separated by '{LIST_SEP}'.",
            f"解析警告代码，以“{LIST_SEP}”分隔",
        ),
        F("error", "string", "Why the file could not be parsed (status error or skipped).", "解析失败原因"),
        F(
            "parser_version",
            "string",
            "Version of the parser that produced the row (package version + hash of the parser's code).",
            "解析器版本",
        ),
        F(
            "boilerplate_share",
            "float",
            "Kept reports: share (0 to 1) of the report's compared text (sections, numbers masked, template tables left out) found in passages of its publisher's earlier reports or of another publisher's report of the same region and year (see similarity); null when the report has no text to compare.",
            "套用文字比例：报告正文（数字已屏蔽、模板表格除外）中与本机关往年报告或同地区同年度其他机关报告相同段落所占比例",
        ),
    ),
    primary_key=("report_id",),
    row_group=REPORTS_ROW_GROUP,
)

CELLS = Dataset(
    "cells",
    "Cells",
    "单元格",
    "table cell of a kept report (tidy, long)",
    (
        F("report_id", "string", "Report (reports.report_id).", "报告编号"),
        F("year", "int", "Report year.", "报告年度"),
        F("division_code", "string", "Division code of the agency.", "行政区划代码"),
        F("agency", "string", "Publishing agency.", "发布机关"),
        F("agency_id", "string", "Agency key (see reports.agency_id).", "机关标识"),
        F("publisher_id", "string", "Publisher (publishers.publisher_id).", "发布机关标识"),
        F("template", "string", "Template version of the report.", "模板版本", enum=TEMPLATES),
        F(
            "table",
            "string",
            "Table: t2, t3, t4 (2019 and 2021 templates) or p (pre-2019 statistics).",
            "表格：t2 表二、t3 表三、t4 表四、p 2019年以前统计指标",
            enum=TABLES,
        ),
        F("row", "string", "Row key of the template (t2 rows are <block>.<row>).", "行键"),
        F("col", "string", "Column key of the template.", "列键"),
        F("address", "string", "Cell address <table>/<row>/<col>.", "单元格地址"),
        F(
            "value",
            "money",
            "The number printed in the cell (counts are whole numbers; money columns are in the unit given in unit); null unless status is number or resolved_cross_year. As printed: blanks are not imputed here (see panel).",
            "单元格数值（仅当 status 为 number 时有值）",
        ),
        F(
            "unit",
            "string",
            "Unit of value: the template column's unit for counts; for money and pre-2019 cells the unit printed in the report (unknown when none was printed).",
            "单位",
        ),
        F("raw", "string", "The cell's text as found.", "原文"),
        F(
            "status",
            "string",
            "number, blank (empty cell), dash (—, -, /), text (无 or other words), unresolved (the text admits several readings; never guessed) or resolved_cross_year (of several readings, the only one the publisher's neighbouring year admits; resolved_by names that report).",
            "状态：number 数值、blank 空白、dash 横线、text 文字、unresolved 无法确定、resolved_cross_year 由相邻年度报告确定",
            enum=CELL_STATUS,
        ),
        F("page", "int", "Page of the PDF where the cell was found.", "所在页码（PDF）"),
        F(
            "line",
            "int",
            "Where the cell is, by the reader's count: text files: the line of the file (1-based); HTML: the line of the page's source where the text starts; PDF: the visual line on the page as xxgk's reader lays it out (other PDF tools may count differently: use page and context); DOCX/DOC: the paragraph or table row, in document order.",
            "所在行号（各格式计数方式见说明）",
        ),
        F(
            "char_start",
            "int",
            "Offset of the value in the reader's text of the document (the text `xxgk parse` reads: cells joined by tabs, blocks by line breaks); null for a cell not found in the text.",
            "数值在读取文本中的起始位置",
        ),
        F("char_end", "int", "Offset just after the value (char_start + length of raw).", "数值在读取文本中的结束位置"),
        F(
            "context",
            "string",
            "The reader's text around the value, the value in brackets (…属于行政查询事项 0 0 [3] 0…), to find it in the source.",
            "数值前后的原文（数值以方括号标出）",
        ),
        F(
            "via",
            "string",
            "Pre-2019 cells: table or sentence; ocr when the text came from character recognition.",
            "来源方式",
        ),
        F(
            "resolved_by",
            "string",
            "Status resolved_cross_year: the report of the neighbouring year (reports.report_id) whose identities decided the reading.",
            "确定该读数的相邻年度报告",
        ),
    ),
    primary_key=("report_id", "address"),
    partitioned=True,
    foreign_keys=REF_REPORT,
)

SECTIONS = Dataset(
    "sections",
    "Sections",
    "章节",
    "section of a kept report",
    (
        F("report_id", "string", "Report (reports.report_id).", "报告编号"),
        F("year", "int", "Report year (reports.year).", "报告年度"),
        F("seq", "int", "Position of the section in the report, from 1.", "章节序号"),
        F(
            "key",
            "string",
            "Section key of the template (overview, active_disclosure, applications, review_litigation, problems, other_matters; preface for text before the first heading).",
            "章节键",
        ),
        F("number", "string", "Section number as printed (一, 二 ...).", "章节编号"),
        F("title", "string", "Section heading as printed.", "章节标题"),
        F("text", "string", "Text of the section.", "章节正文"),
        F("line", "int", "Line where the section starts.", "起始行号"),
    ),
    primary_key=("report_id", "seq"),
    row_group=SECTIONS_ROW_GROUP,
    partitioned=True,
    foreign_keys=REF_REPORT,
)

CHECKS = Dataset(
    "checks",
    "Checks",
    "校验",
    "identity evaluated on a kept report",
    (
        F(
            "report_id",
            "string",
            "Report (reports.report_id); for a cross-year check, the later year's report.",
            "报告编号（跨年校验为后一年的报告）",
        ),
        F("year", "int", "Report year (reports.year).", "报告年度"),
        F(
            "seq",
            "int",
            "Position of the check among the report's checks, from 1 (for reading order only: the key is report_id, id, subject).",
            "序号",
        ),
        F(
            "id",
            "string",
            "Identity id from the template definitions (t3_row_total, t3_balance, t3_carry_cross_year ...).",
            "校验规则编号",
        ),
        F("subject", "string", "Row, column or block the identity was evaluated for.", "校验对象"),
        F(
            "ok",
            "bool",
            "true: holds; false: fails; null: cannot be evaluated (a total is blank or a cell unresolved, or no report of the previous year).",
            "是否成立（空值表示无法校验）",
        ),
        F("lhs", "money", "Value of the left-hand side.", "左边的值"),
        F("rhs", "money", "Value of the right-hand side.", "右边的值"),
        F("note", "string", "Explanation (difference, why not evaluable).", "说明"),
        F(
            "strength",
            "string",
            "hard (template identity) or soft (plausibility, cross-year, narrative).",
            "强度：hard 模板恒等式；soft 合理性",
            enum=("hard", "soft"),
        ),
        F(
            "scope",
            "string",
            "report: within the report; cross_year: against the same agency's report of the previous year.",
            "范围：report 报告内；cross_year 跨年",
            enum=("report", "cross_year"),
        ),
        F(
            "other_report_id",
            "string",
            "For a cross-year check: the previous year's report.",
            "跨年校验所对照的上一年报告",
        ),
    ),
    primary_key=("report_id", "id", "subject"),
    partitioned=True,
    foreign_keys=REF_REPORT,
)


COVERAGE = Dataset(
    "coverage",
    "Coverage",
    "覆盖情况",
    "expected publisher × year",
    (
        F("county_code", "string", "Civil-affairs code of the county-level division.", "县级行政区划代码"),
        F("county", "string", "County name.", "县级行政区名称"),
        F("publisher_id", "string", "Expected publisher (publishers.publisher_id).", "应发布机关标识"),
        F("publisher", "string", "Canonical name of the expected publisher.", "应发布机关"),
        F(
            "publisher_type",
            "string",
            "government, township, street, zone or zone_agency (zones and sub-zone administrations the reports reveal).",
            "应发布机关类型",
            enum=PUBLISHER_TYPES,
        ),
        F("division_code", "string", "Civil-affairs code of the publisher's division.", "应发布机关的区划代码"),
        F("year", "int", "Report year.", "报告年度"),
        F(
            "expected_because",
            "string",
            "Why a report of this year is expected: register (the county's governments, townships and streets in the register, over the years asked with --years, else from the first year the county has a report), first_report (a zone or zone agency the reports reveal, from its first report year).",
            "应发布的依据",
            enum=("register", "first_report"),
        ),
        F("found", "bool", "Whether a kept report of this publisher and year is in the build.", "是否找到该年度报告"),
        F(
            "report_ids",
            "string",
            f"The kept reports found, separated by '{LIST_SEP}'.",
            f"找到的报告编号，以“{LIST_SEP}”分隔",
        ),
    ),
    primary_key=("publisher_id", "year"),
    foreign_keys=(REF_PUBLISHER,),
    row_group=NARROW_ROW_GROUP,
)

COVERAGE_SUMMARY = Dataset(
    "coverage_summary",
    "Coverage by county and year",
    "分县年度覆盖情况",
    "county × year",
    (
        F("county_code", "string", "Civil-affairs code of the county-level division.", "县级行政区划代码"),
        F("county", "string", "County name.", "县级行政区名称"),
        F("year", "int", "Report year.", "报告年度"),
        F("expected", "int", "Publishers expected to report for the year.", "应发布数"),
        F("found", "int", "Of these, publishers with a kept report.", "已找到数"),
        F("share_found", "float", "found / expected.", "覆盖率"),
        F(
            "missing",
            "string",
            f"Canonical names of the expected publishers without a report, separated by '{LIST_SEP}'.",
            f"未找到报告的机关，以“{LIST_SEP}”分隔",
        ),
    ),
    primary_key=("county_code", "year"),
)

SIMILARITY = Dataset(
    "similarity",
    "Similarity",
    "文本相似度",
    "pair of kept reports compared for copied text",
    (
        F(
            "report_id",
            "string",
            "The report (reports.report_id); for same_publisher, the later one.",
            "报告编号（同一机关时为较晚年度的报告）",
        ),
        F("other_report_id", "string", "The report it was compared with.", "对比的报告编号"),
        F(
            "relation",
            "string",
            "same_publisher: the publisher's earlier report (every such pair is listed); same_region: another publisher of the same county (city or province for bodies above county level) and year, listed when score is at least 0.4.",
            "对比关系：same_publisher 同一机关的往年报告；same_region 同地区同年度的其他机关（相似度不低于0.4时列出）",
            enum=("same_publisher", "same_region"),
        ),
        F("year", "int", "Year of report_id.", "报告年度"),
        F("other_year", "int", "Year of other_report_id.", "对比报告年度"),
        F(
            "score",
            "float",
            "Jaccard similarity (0 to 1) of the two texts' 5-word shingles after segmentation with jieba, numbers and dates masked and template tables left out: a report copied with its figures changed scores 1.",
            "相似度（0–1）：分词、屏蔽数字日期并去除模板表格后五词片段集合的杰卡德系数",
        ),
        F(
            "share",
            "float",
            "Share of report_id's compared characters inside the shared passages.",
            "本报告文字中共同段落所占比例",
        ),
        F(
            "other_share",
            "float",
            "Share of other_report_id's compared characters inside the shared passages.",
            "对比报告文字中共同段落所占比例",
        ),
        F("n_passages", "int", "Number of shared passages (runs of at least 8 words in the same order).", "共同段落数"),
        F(
            "passages",
            "string",
            "Shared passages as character offsets 'start-end:other_start-other_end' (end exclusive), separated by ';'. Offsets count characters of a report's text: its sections' texts in seq order joined by a newline.",
            "共同段落位置（字符偏移，报告全文为各章节正文按序号以换行连接）",
        ),
    ),
    primary_key=("report_id", "other_report_id"),
    foreign_keys=((("report_id",), "reports", ("report_id",)), (("other_report_id",), "reports", ("report_id",))),
    row_group=NARROW_ROW_GROUP,
)

PANEL_KEY_FIELDS = (
    F(
        "report_id",
        "string",
        "The report whose cells fill the row: the best kept report of the publisher and year (fewest failed checks, most cells); reports.report_id.",
        "数据来源报告编号",
    ),
    *PUBLISHER_REF_FIELDS,
    F("agency", "string", "Publishing agency, as named in the chosen report.", "发布机关（报告所载）"),
    *REGION_FIELDS,
    *CODE_FIELDS,
    F("year", "int", "Report year.", "报告年度"),
    F("template", "string", "Template version of the chosen report.", "模板版本", enum=TEMPLATES),
    *SCOPE_FIELDS,
    F(
        "n_reports",
        "int",
        "Number of kept reports of this publisher and year (more than 1 when a publisher published differing versions; the others are in values).",
        "该机关该年度的保留报告数",
    ),
    UNSETTLED_FIELD,
)
PANEL_STATUS_KEY_FIELDS = (
    F("report_id", "string", "The panel row (panel.report_id).", "数据来源报告编号"),
    F("publisher_id", "string", "Publisher (publishers.publisher_id).", "发布机关标识"),
    F("year", "int", "Report year.", "报告年度"),
)
VALUE_STATUS = STATUSES  # the statuses pipeline.values gives, in its order
VALUE_STATUS_EN = (
    "number: printed; blank_as_zero: a blank, dash or 无 component in a table that prints numbers, "
    "counted 0 (the blank policy); blank: a blank total, or a table without numbers (null); derived: "
    "computed by xxgk from printed cells (group rows, the legal-person column, a blank total whose "
    "parts are printed); unresolved: the text admits several readings (null, never guessed); "
    "unit_unknown: money printed without a unit (null); absent: the report has no such cell (null); "
    "resolved_cross_year: one of several readings of the report's text, the only one the publisher's "
    "neighbouring year admits (cells.resolved_by names that report)."
)


def _template_address_fields() -> tuple[Field, ...]:
    return tuple(
        F(
            f"address_{v}",
            "string",
            f"Cell address in reports on the {v} template, if any (derived by xxgk where formula says so).",
            f"{v} 年模板中的单元格地址",
        )
        for v in versions()
    )


def indicators_dataset() -> Dataset:
    """The `indicators` dataset: one address column per national template (``address_<version>``,
    from the template files), so a new template file gives its own column."""
    return Dataset(
        "indicators",
        "Indicators",
        "指标",
        "indicator (a panel column)",
        (
            F(
                "indicator",
                "string",
                "Indicator name: the panel column (ASCII snake_case, at most 32 characters; unit in the name for money (_yuan, _wan_yuan) and rates (_pct), counts otherwise).",
                "指标名（面板列名）",
            ),
            F("table", "string", "t2, t3, t4 or p (pre-2019 statistics).", "表格", enum=TABLES),
            F("address_pre2019", "string", "Cell address in pre-2019 reports, if any.", "2019年以前报告中的单元格地址"),
            *_template_address_fields(),
            F("label_zh", "string", "Chinese label: table, row and column as the template prints them.", "中文名称"),
            F("description", "string", "What the indicator counts, in English.", "英文说明"),
            F("unit", "string", "Unit (counts: 件, 项, 条 …; money: 元 or 万元; rates: %).", "单位"),
            F("dtype", "string", "Panel dtype: Int64 (counts) or float64 (money, rates).", "数据类型"),
            F(
                "formula",
                "string",
                "For values xxgk derives when a report does not print them: the sum that gives them.",
                "推导公式",
            ),
            F(
                "comparable",
                "bool",
                "Whether the indicator means the same under the 2019 and 2021 templates (one series).",
                "2019 与 2021 年模板是否可比",
            ),
            F("comparability", "string", "Why (from the template file's 2019 ↔ 2021 crosswalk).", "可比性说明"),
        ),
        primary_key=("indicator",),
    )


VALUES = Dataset(
    "values",
    "Values",
    "指标值",
    "kept report × indicator of its template (long)",
    (
        F("report_id", "string", "Report (reports.report_id).", "报告编号"),
        F("publisher_id", "string", "Publisher (publishers.publisher_id).", "发布机关标识"),
        F("year", "int", "Report year.", "报告年度"),
        F("template", "string", "Template version of the report.", "模板版本", enum=TEMPLATES),
        F("indicator", "string", "Indicator (indicators.indicator).", "指标名"),
        F("address", "string", "The template address the value comes from.", "单元格地址"),
        F(
            "value",
            "money",
            "The value under the blank policy (counts are whole numbers; money in the indicator's unit); null unless status is number, blank_as_zero or derived.",
            "指标值",
        ),
        F("status", "string", "What the value is. " + VALUE_STATUS_EN, "取值状态", enum=VALUE_STATUS),
    ),
    primary_key=("report_id", "indicator"),
    partitioned=True,
    foreign_keys=(REF_REPORT[0], (("indicator",), "indicators", ("indicator",)), REF_PUBLISHER),
)

PUBLISHERS = Dataset(
    "publishers",
    "Publishers",
    "发布机关",
    "publisher (a body that publishes reports, or the parent of one)",
    (
        F(
            "publisher_id",
            "string",
            "Readable stable id: civil-affairs division code and canonical name (320813-淮安市洪泽区人民政府).",
            "发布机关标识",
        ),
        F("publisher", "string", "Canonical name.", "规范名称"),
        F(
            "publisher_type",
            "string",
            "government (province, city, county), township, street, department, zone, zone_agency or other.",
            "类型",
            enum=PUBLISHER_TYPES,
        ),
        F(
            "parent_id",
            "string",
            "The body above it (publishers.publisher_id): a township's county government, a department's government, a zone agency's zone, a government's next-higher government.",
            "上级机关标识",
        ),
        F(
            "division_code",
            "string",
            "Civil-affairs code of the division the publisher is placed at.",
            "所在区划代码（民政部）",
        ),
        *CODE_FIELDS,
        F(
            "names_by_year",
            "string",
            f"The names the publisher's reports print, per year ('2023: 洪泽区人民政府{LIST_SEP}2024: 淮安市洪泽区人民政府').",
            "各年度报告所载名称",
        ),
        F("first_year", "int", "First report year in the build.", "最早报告年度"),
        F("last_year", "int", "Last report year in the build.", "最近报告年度"),
        F(
            "n_reports",
            "int",
            "Kept reports of the publisher (0: a parent known from the register only).",
            "保留报告数",
        ),
    ),
    primary_key=("publisher_id",),
    foreign_keys=((("parent_id",), "publishers", ("publisher_id",)),),
    row_group=NARROW_ROW_GROUP,
)


def _region_year_fields():
    from .entities import REGION_INDICATORS

    out = [
        F("level", "string", "county, city or province.", "层级", enum=("county", "city", "province")),
        F("region_code", "string", "Civil-affairs code of the division.", "行政区划代码（民政部）"),
        F("region", "string", "Name of the division.", "行政区名称"),
        F("year", "int", "Report year.", "报告年度"),
        F(
            "n_own_reports",
            "int",
            "Panel rows of publishers in the division that are not aggregate reports: their figures are summed.",
            "计入合计的报告数（非汇总报告）",
        ),
        F(
            "n_scope_unknown",
            "int",
            "Of these, reports whose scope was not determined (summed as own).",
            "其中范围未确定的报告数",
        ),
        F(
            "n_aggregate_reports",
            "int",
            "Aggregate reports in the division (shown beside, never added).",
            "汇总报告数（单列，不计入合计）",
        ),
        F("aggregate_report_ids", "string", f"Their report ids, separated by '{LIST_SEP}'.", "汇总报告编号"),
    ]
    for ind in REGION_INDICATORS:
        out += [
            F(
                f"{ind}_own",
                "int",
                f"Sum of {ind} over the own reports (those that print it).",
                f"{ind} 合计（非汇总报告）",
            ),
            F(
                f"{ind}_n_missing",
                "int",
                f"Own reports without a value of {ind} (not in the sum).",
                f"{ind} 缺失的报告数",
            ),
            F(
                f"{ind}_aggregate",
                "int",
                f"Sum of {ind} over the aggregate reports, beside the own sum: never add the two.",
                f"{ind}（汇总报告）",
            ),
        ]
    return tuple(out)


# --------------------------------------------------------------------------- panel columns


def is_money(col) -> bool:
    """A template column holding amounts of money (float64), not counts (Int64)."""
    return bool(col.decimal) or "元" in (col.unit or "")


def money_unit(unit: str) -> str:
    """Canonical unit of a money column in the panel: the template's own unit when it is one
    money unit (万元 for fee_amount), else 元."""
    parts = [u.strip() for u in (unit or "").split("/")]
    return parts[0] if parts and parts[0] in ("元", "万元") else "元"


@dataclass(frozen=True)
class PanelColumn:
    address: str
    field: Field
    money_unit: str | None  # canonical unit for money columns (values are converted to it)
    derived: tuple = ()  # t3: (part rows of a derived group row, part columns of a derived column)
    versions: tuple = ()  # templates under which a report has (or xxgk derives) this cell
    pre2019_address: str | None = None  # a national-template series continued in pre-2019 reports

    def address_for(self, template_version: str | None) -> str:
        """The address that gives this indicator in a report of that template."""
        if template_version == "pre2019" and self.pre2019_address:
            return self.pre2019_address
        return self.address

    @property
    def name(self) -> str:
        return self.field.name


BLANK_POLICY_EN = (
    "Blank policy applied: inside a table with at least one number, a blank, dash or 无 component "
    "cell counts as 0 and a blank total is null; a table with no number is null."
)
BLANK_POLICY_ZH = (
    "按空白规则：表内至少有一个数字时，空白、横线或“无”的分项单元格计为 0，空白的总计为缺失；整表无数字为缺失。"
)


def column_name(address: str) -> str:
    """The panel column of a template address: its indicator name (`pipeline.indicators`)."""
    return _names()[address]


@cache
def _names() -> dict[str, str]:
    return {pc.address: pc.name for pc in panel_columns()}


def _t3_label(row) -> str:
    return " / ".join([*row.path, row.label]) if row.path else row.label


@cache
def panel_columns() -> tuple[PanelColumn, ...]:
    """Every panel value column, derived from the template definitions: table 二 of the 2019
    and 2021 templates (printed order, 2019's first), table 三's rows of both versions plus its
    derived group rows, each with its columns plus the derived legal-person column, table 四,
    then the pre-2019 indicators."""
    entries: dict[str, dict] = {}

    def add(address, kind, en, zh, unit, money, version, derived=()):
        e = entries.setdefault(
            address,
            {"kind": kind, "en": en, "zh": zh, "unit": unit, "money": money, "derived": derived, "versions": []},
        )
        if version and version not in e["versions"]:
            e["versions"].append(version)

    sp = spec()["versions"]
    for v in versions():
        tpl = template(v)
        for b in tpl.table2:
            for r in b.rows:
                for c in b.columns:
                    money = is_money(c)
                    unit = money_unit(c.unit) if money else c.unit
                    note = (
                        f" Converted to {unit} from the unit printed; null where the report printed none."
                        if money
                        else ""
                    )
                    add(
                        f"t2/{b.key}.{r.key}/{c.key}",
                        "money" if money else "int",
                        f"Table 2 block {b.key} ({b.caption}), row {r.key} ({r.label}), column {c.key} ({c.label}).{note}",
                        f"{TABLE_ZH['t2']}：{b.caption} / {r.label} / {c.label}",
                        unit,
                        unit if money else None,
                        v,
                    )
    # table 三
    rows: dict[str, tuple[str, list]] = {}  # key -> (label, versions printing it)
    groups: dict[str, tuple] = {}  # derived group row -> its part rows
    cols: dict[str, tuple[str, str, tuple]] = {}  # key -> (label, unit, parts of a derived column)
    for v in versions():
        tpl = template(v)
        t3 = sp[v]["tables"]["table3"]
        for r in tpl.t3_rows:
            rows.setdefault(r.key, (_t3_label(r), []))[1].append(v)
        for d in t3.get("derived_rows", []):
            if d["key"] in tpl.t3_derived:
                groups.setdefault(d["key"], tpl.t3_derived[d["key"]])
                rows.setdefault(d["key"], (d["label"], []))
        for c in tpl.t3_columns:
            cols.setdefault(c.key, (c.label, c.unit, ()))
        for d in t3.get("derived_columns", []):
            cols.setdefault(
                d["key"],
                (d["label"], cols.get("total", ("", "件", ()))[1], tuple(p.strip() for p in d["derived"].split("+"))),
            )
    for key, (label, printed_in) in rows.items():
        parts = groups.get(key, ())
        for ck, (clabel, unit, cparts) in cols.items():
            how = []
            if parts:
                how.append(
                    f"where the report does not print this group row, the sum of rows {', '.join(parts)}"
                    + ("" if printed_in else " (the template has no such row)")
                )
            if cparts:
                how.append(f"the sum of columns {' + '.join(cparts)} (the template has no such column)")
            derived = ("Derived by xxgk: " + "; ".join(how) + ".") if how else ""
            for v in [v for v in versions() if v in printed_in or key in template(v).t3_derived]:
                add(
                    f"t3/{key}/{ck}",
                    "int",
                    f"Table 3 row {key} ({label}), column {ck} ({clabel}). {derived}".strip(),
                    f"{TABLE_ZH['t3']}：{label} / {clabel}",
                    unit,
                    None,
                    v,
                    (parts, cparts),
                )
    for v in versions():
        tpl = template(v)
        for r in tpl.t4_rows:
            for c in tpl.t4_columns:
                head = r.label if not r.path or r.path[-1] == r.label else f"{'/'.join(r.path)}/{r.label}"
                add(
                    f"t4/{r.key}/{c.key}",
                    "int",
                    f"Table 4 row {r.key} ({r.label}), column {c.key} ({c.label}).",
                    f"{TABLE_ZH['t4']}：{head} / {c.label}",
                    c.unit,
                    None,
                    v,
                )
    out = []
    for a, e in entries.items():
        en = f"{e['en']} Address {a}; templates: {', '.join(e['versions'])}. {BLANK_POLICY_EN}"
        name = indicator_name(a, e["kind"], e["unit"])
        out.append(
            PanelColumn(
                a, Field(name, e["kind"], en, e["zh"], e["unit"]), e["money"], e["derived"], tuple(e["versions"])
            )
        )
    for a, ind, sub, col, unit in _pre2019_addresses():
        money = "元" in unit
        kind = "money" if money else ("float" if "%" in unit else "int")
        cu = money_unit(unit) if money else unit
        what = "this year's value" if col == "value" else "cumulative value (历年累计)"
        conv = f" Converted to {cu} from the unit printed; null where none was printed." if money else ""
        name = ind["key"] + (f".{sub}" if sub else "")
        out.append(
            PanelColumn(
                a,
                Field(
                    indicator_name(a, kind, cu),
                    kind,
                    f"Pre-2019 indicator {name} ({'、'.join(ind['labels'][:2])}), {what}, as printed.{conv} Address {a}.",
                    f"{TABLE_ZH['p']}：{name}（{'、'.join(ind['labels'])}）{'本年' if col == 'value' else '历年累计'}",
                    cu,
                ),
                cu if money else None,
                versions=("pre2019",),
            )
        )
    out = [_continued(pc) if pc.address in PRE2019_SERIES else pc for pc in out]
    names = [pc.name for pc in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"indicator names given to several addresses: {dup}")
    return tuple(out)


def _continued(pc: PanelColumn) -> PanelColumn:
    """A national-template series that pre-2019 reports continue (indicators.PRE2019_SERIES)."""
    a, note = PRE2019_SERIES[pc.address]
    field = replace(pc.field, en=f"{pc.field.en} In pre-2019 reports: {a} ({note}).")
    return replace(pc, field=field, versions=(*pc.versions, "pre2019"), pre2019_address=a)


def _pre2019_addresses():
    from parsers import pre2019 as p19
    from parsers.templates import pre2019

    for ind in pre2019()["indicators"]:
        key = ind["key"]
        subs = [None] if key not in p19.PURE_GROUPS else []
        subs += list(p19.SUBKEYS.get(key, ()))
        for sub in subs:
            for col in p19.COLUMNS:
                a = f"p/{key}{'.' + sub if sub else ''}/{col}"
                if p19.valid_address(a):
                    yield a, ind, sub, col, ind.get("unit", "")


@cache
def panel_dataset() -> Dataset:
    return Dataset(
        "panel",
        "Panel",
        "面板数据",
        "publisher × year (every kept report's publisher and year; a report whose publisher or year is unsettled has its own row)",
        PANEL_KEY_FIELDS + tuple(c.field for c in panel_columns()),
        primary_key=("report_id",),
        foreign_keys=(REF_REPORT[0], REF_PUBLISHER),
        partitioned=True,
        row_group=PANEL_ROW_GROUP,
    )


@cache
def panel_status_dataset() -> Dataset:
    cols = tuple(
        F(
            c.name,
            "string",
            f"Status of panel.{c.name} (see values.status); null where the report's template has no such indicator.",
            f"panel.{c.name} 的取值状态",
            enum=VALUE_STATUS,
        )
        for c in panel_columns()
    )
    return Dataset(
        "panel_status",
        "Panel value status",
        "面板数据取值状态",
        "panel row (the same rows and indicator columns as panel, holding each value's status)",
        PANEL_STATUS_KEY_FIELDS + cols,
        primary_key=("report_id",),
        foreign_keys=((("report_id",), "panel", ("report_id",)),),
        partitioned=True,
        row_group=PANEL_ROW_GROUP,
    )


@cache
def region_year_dataset() -> Dataset:
    return Dataset(
        "region_year",
        "Region totals by year",
        "地区年度合计",
        "division (county, city, province) × year: main indicators summed without double counting",
        _region_year_fields(),
        primary_key=("level", "region_code", "year"),
    )


def datasets() -> tuple[Dataset, ...]:
    return (
        REPORTS,
        CELLS,
        SECTIONS,
        CHECKS,
        indicators_dataset(),
        VALUES,
        panel_dataset(),
        panel_status_dataset(),
        PUBLISHERS,
        region_year_dataset(),
        COVERAGE,
        COVERAGE_SUMMARY,
        SIMILARITY,
    )


# --------------------------------------------------------------------------- arrow / parquet

_ARROW = {"int": pa.int64(), "money": pa.float64(), "float": pa.float64(), "string": pa.string(), "bool": pa.bool_()}
_PANDAS = {"int": "Int64", "money": "float64", "float": "float64", "string": "string", "bool": "boolean"}
_TS_TYPE = {"int": "integer", "money": "number", "float": "number", "string": "string", "bool": "boolean"}


@cache
def arrow_schema(ds_name: str) -> pa.Schema:
    """The parquet schema of a dataset, with the pandas metadata that makes `read_parquet`
    return Int64 / string / boolean columns (computed once from an empty frame)."""
    import pandas as pd

    ds = {d.name: d for d in datasets()}[ds_name]
    empty = pd.DataFrame({f.name: pd.Series([], dtype=_PANDAS[f.kind]) for f in ds.fields})
    meta = pa.Schema.from_pandas(empty, preserve_index=False).metadata
    return pa.schema([pa.field(f.name, _ARROW[f.kind]) for f in ds.fields], metadata=meta)


PARQUET_OPTIONS = dict(
    compression="zstd",
    compression_level=3,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="1.0",
    store_schema=True,
)


class TableBuilder:
    """Rows in, an arrow table (or a parquet file) out. Rows are turned into record batches
    every `batch` rows, so that millions of cells never sit in Python lists (an arrow column
    takes a fraction of the memory of its Python objects); with `path`, every `chunk` rows
    are written at once as one row group of that file (a streaming writer: memory stays
    bounded whatever the number of reports) and `close()` moves the finished file in place.

    A streaming builder keeps the batches of its next row group on disk (`BatchSpill`), not
    in memory (but for the last few MB): the build writes several datasets at once (cells, values, checks, sections,
    the panel), each row group tens of MB, and held in memory their sum was the build's peak,
    higher the more row groups coincide (the larger the corpus, the likelier); spilled, only
    the row group being written is in memory. The same batches in the same order reach the
    parquet writer, so the file is the same byte for byte."""

    BATCH = 8192

    def __init__(self, ds: Dataset, chunk: int | None = None, path: Path | None = None, batch: int | None = None):
        self.ds = ds
        self.schema = arrow_schema(ds.name)
        self.chunk = chunk or ds.row_group
        self.batch = min(self.chunk, batch or self.BATCH)
        self.cols: list[list] = [[] for _ in ds.fields]
        self.batches: list[pa.RecordBatch] = []
        self.pending = 0  # rows added and not yet written (streaming builder: in its spill)
        self.n = 0
        self.path = Path(path) if path else None
        self._tmp = self.path.with_name(f".{self.path.name}.tmp") if self.path else None
        self._writer = None
        self._spill: BatchSpill | None = None  # a streaming builder's next row group

    def add(self, row: tuple | list) -> None:
        for c, v in zip(self.cols, row):
            c.append(v)
        self.n += 1
        if len(self.cols[0]) >= self.batch:
            self._flush()

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Rows already made (a report's rows from the row cache)."""
        self._flush()
        self._put(batch)
        self.n += batch.num_rows

    def add_column_lists(self, cols: list[list]) -> None:
        """Rows given as one list per field, in the dataset's order: a report's hundreds of
        cells or values at once, without a call per row (the serial part of a build)."""
        n = len(cols[0]) if cols else 0
        if not n:
            return
        self._flush()
        arrays = [_array(c, self.schema.field(i).type) for i, c in enumerate(cols)]
        self._put(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self.n += n

    def add_columns(self, cols: dict[str, list]) -> None:
        """Whole columns at once."""
        self._flush()
        n = len(next(iter(cols.values()))) if cols else 0
        arrays = [_array(cols.get(f.name, [None] * n), self.schema.field(i).type) for i, f in enumerate(self.ds.fields)]
        self._put(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self.n += n

    def _flush(self) -> None:
        if not self.cols or not self.cols[0]:
            return
        arrays = [_array(c, self.schema.field(i).type) for i, c in enumerate(self.cols)]
        self.cols = [[] for _ in self.ds.fields]
        self._put(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def _put(self, batch: pa.RecordBatch) -> None:
        self.pending += batch.num_rows
        if self.path is None:
            self.batches.append(batch)
            return
        if self._spill is None:
            self._spill = BatchSpill(self.path.with_name(f".{self.path.name}.rows.tmp"), self.schema)
        self._spill.add(batch)
        if self.pending >= self.chunk:
            self._write()

    def _write(self) -> None:
        """The batches held as row groups of `chunk` rows (the last one may be shorter)."""
        batches = self._spill.take() if self._spill is not None else []
        if not batches:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, self.schema, **PARQUET_OPTIONS)
        self._writer.write_table(pa.Table.from_batches(batches, schema=self.schema), row_group_size=self.chunk)
        del batches
        self.pending = 0
        release()  # the row group's batches, and what the heap kept since the last: back to the system (`pipeline.memory`)

    def table(self) -> pa.Table:
        assert self.path is None, "a streaming builder writes its file: use close()"
        self._flush()
        return pa.Table.from_batches(self.batches, schema=self.schema)

    def abandon(self) -> None:
        """Streaming builder: stop, leaving no file (nothing was added yet, or it is not wanted)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
        self._close_spill()
        self.cols, self.batches, self.pending = [[] for _ in self.ds.fields], [], 0

    def _close_spill(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def close(self) -> Path:
        """Streaming builder: finish the file and move it in place."""
        assert self.path is not None
        self._flush()
        self._write()
        self._close_spill()
        if self._writer is None:
            write_parquet(pa.Table.from_batches([], schema=self.schema), self.path)
            return self.path
        self._writer.close()
        self._writer = None
        os.replace(self._tmp, self.path)
        return self.path


class BatchSpill:
    """Record batches waiting in a file (Arrow IPC stream) until they are taken back, in
    order, all at once (`TableBuilder`'s next row group). A report's batch is small and the
    stream's cost is per batch (about 0.6 ms written and read back), so batches are gathered
    in memory up to `GROUP_BYTES`, joined into one and written; taken back, the joined batch
    is cut into the batches given (zero-copy slices). The parquet writer's pages depend on the
    chunks of the table it is given, so it is given exactly those: the same lengths in the
    same order, batches with no rows included, and the file is the same byte for byte."""

    GROUP_BYTES = 4 << 20

    def __init__(self, path: Path, schema: pa.Schema):
        self.base, self.schema = Path(path), schema
        self.path = self.base  # the file being written: a new one per row group (`take`)
        self._taken = 0
        self._sink = None
        self._writer = None
        self._held: list[pa.RecordBatch] = []  # not yet written
        self._held_bytes = 0
        self._groups: list[list[int]] = []  # per batch written, the lengths of those it joins

    def add(self, batch: pa.RecordBatch) -> None:
        self._held.append(batch)
        self._held_bytes += batch.get_total_buffer_size()
        if self._held_bytes >= self.GROUP_BYTES:
            self._write_held()

    def _write_held(self) -> None:
        if not self._held:
            return
        if self._writer is None:
            self._sink = pa.OSFile(str(self.path), "wb")
            self._writer = pa.ipc.new_stream(self._sink, self.schema)
        self._writer.write_batch(_joined(self._held, self.schema))
        self._groups.append([b.num_rows for b in self._held])
        self._held, self._held_bytes = [], 0

    def take(self) -> list[pa.RecordBatch]:
        """The batches waiting, in order; the file is gone."""
        if self._writer is None:
            held, self._held, self._held_bytes = self._held, [], 0
            return held
        self._write_held()
        self._finish()
        # mapped, not read: the batches' buffers are the file's pages (no copy). The file is
        # removed now (its pages stay until the last buffer goes) and the next row group is
        # written to a new one, so a file is never cut short under a buffer still in use
        joined = list(pa.ipc.open_stream(pa.memory_map(str(self.path))))
        self.path.unlink()
        self._taken += 1
        self.path = self.base.with_name(f"{self.base.name}.{self._taken}")
        if len(joined) != len(self._groups):
            raise RuntimeError(f"{self.path}: {len(joined)} batches read back of {len(self._groups)} written")
        out = []
        for big, lengths in zip(joined, self._groups):
            at = 0
            for n in lengths:
                out.append(big.slice(at, n))
                at += n
        self._groups = []
        return out

    def _finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = self._sink = None

    def close(self) -> None:
        self._finish()
        self._held, self._held_bytes, self._groups = [], 0, []
        self.path.unlink(missing_ok=True)


def _joined(batches: list[pa.RecordBatch], schema: pa.Schema) -> pa.RecordBatch:
    """`batches` as one batch (their rows copied into one buffer per column)."""
    got = pa.Table.from_batches(batches, schema=schema).combine_chunks().to_batches()
    if len(got) == 1:
        return got[0]
    if not got or sum(b.num_rows for b in got) == 0:
        return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in schema], schema=schema)
    raise RuntimeError(f"combine_chunks gave {len(got)} batches")


PARTITION_KEY = "year_part"  # the folders' key; not `year`, which the files hold themselves (docs/output.md)
NO_YEAR = "unknown"  # the folder of the reports whose year is not known
PART_FILE = "part-0.parquet"


def partition_folder(year: int | None) -> str:
    return f"{PARTITION_KEY}={NO_YEAR if year is None else int(year)}"


def _partition_order(year: int | None) -> tuple:
    return (year is None, year or 0)  # the years, then the reports with no year


class PartitionedWriter:
    """A partitioned dataset: one streaming `TableBuilder` per report year, writing
    ``<folder>/year_part=YYYY/part-0.parquet`` (``year_part=unknown`` for the reports whose year
    is not known). Rows come year by year (`at` before each report's rows; the build goes
    through the reports in year order), so one file is open at a time and memory is that of one
    builder whatever the number of years; a year met again after another is an error, never a
    second file. A dataset with no rows is one empty file under ``year_part=unknown``, so that
    readers of the folder still find its schema."""

    def __init__(self, ds: Dataset, chunk: int, folder: Path, batch: int | None = None):
        self.ds, self.chunk, self.folder = ds, chunk, Path(folder)
        self.batch = batch  # rows per arrow batch (`TableBuilder`): fewer for wide rows (the panel)
        self.current: TableBuilder | None = None
        self.year: tuple | None = None  # _partition_order of the open file
        self.files: list[Path] = []

    def at(self, year: int | None) -> None:
        """The next rows belong to a report of `year`."""
        order = _partition_order(year)
        if order == self.year:
            return
        if self.year is not None and order < self.year:
            raise ValueError(
                f"{self.ds.name}: rows of {year} after those of a later year: rows must come in year order"
            )
        self._close_current()
        part = self.folder / partition_folder(year)
        part.mkdir(parents=True, exist_ok=True)
        self.current, self.year = TableBuilder(self.ds, self.chunk, part / PART_FILE, self.batch), order

    def add(self, row: tuple | list) -> None:
        self.current.add(row)

    def add_batch(self, batch: pa.RecordBatch) -> None:
        self.current.add_batch(batch)

    def adopt(self, year: int | None, src: Path) -> None:
        """The file of `year` is a copy of `src` (a file this writer made from the same rows
        in an earlier build: `PartCache`), in year order as `at` is."""
        self.at(year)
        self.current.abandon()
        self.current = None
        dst = self.folder / partition_folder(year) / PART_FILE
        tmp = dst.with_name(f".{dst.name}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        self.files.append(dst)

    def abandon(self) -> None:
        """Stop writing: the open year's file is not finished (`TableBuilder.abandon`)."""
        if self.current is not None:
            self.current.abandon()
            self.current = None

    def finish_year(self) -> Path | None:
        """Close the open year's file now (`at` would at the next year); its path."""
        if self.current is None:
            return None
        self._close_current()
        return self.files[-1]

    def _close_current(self) -> None:
        if self.current is not None:
            self.files.append(self.current.close())
            self.current = None

    def close(self) -> list[Path]:
        if self.year is None:  # no rows at all
            self.at(None)
        self._close_current()
        return self.files


def _array(values: list, typ: pa.DataType) -> pa.Array:
    if pa.types.is_floating(typ):
        values = [None if v is None else float(v) for v in values]
    elif pa.types.is_string(typ):  # an empty text is null: CSV and Table Schema cannot tell them apart
        values = [None if v == "" else v for v in values]
    return pa.array(values, type=typ)


def dataset_files(out: Path, ds: Dataset) -> list[Path]:
    """The files of a dataset in `out`, a partitioned one's in year order (the reports with no
    year last)."""
    if not ds.partitioned:
        return [Path(out) / ds.path]
    return sorted((Path(out) / ds.path).glob(f"*/{PART_FILE}"), key=lambda p: _folder_order(p.parent.name))


def row_group_reader(path: Path | str) -> pq.ParquetFile:
    """A parquet file to read a row group at a time, each column chunk read as it is decoded.
    pyarrow's ParquetFile reads ahead (`pre_buffer`, on by default) the column chunks of every
    row group it is asked for, so iterating a whole file held its compressed columns: reading
    a year's sections at 100,000 generated reports (43 row groups) held 17.8 MiB in Arrow's
    pool against 4.5 without, and that grows with the file."""
    return pq.ParquetFile(path, pre_buffer=False)


def read_table(out: Path, ds: Dataset, columns: list[str] | None = None) -> pa.Table:
    """A dataset's rows as written, with its own columns only: the partition folders' key is
    not one of them (each file is read alone, so no reader adds it)."""
    return pa.concat_tables([pq.read_table(p, columns=columns) for p in dataset_files(out, ds)])


def _folder_order(name: str) -> tuple:
    v = name.partition("=")[2]
    return _partition_order(None if v == NO_YEAR else int(v))


def write_parquet(table: pa.Table, path: Path, row_group: int | None = None) -> None:
    """Write with fixed settings, atomically (temp file + rename); `row_group`: rows per row
    group (the dataset's `Dataset.row_group`), else `ROW_GROUP_SIZE`."""
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, row_group_size=row_group or ROW_GROUP_SIZE, **PARQUET_OPTIONS)
    os.replace(tmp, path)


def write_json(obj, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- datapackage


def _ts_field(f: Field) -> dict:
    d = {"name": f.name, "type": _TS_TYPE[f.kind], "title": f.zh, "description": f.description}
    if f.enum:
        d["constraints"] = {"enum": list(f.enum)}
    return d


LICENSES = [
    {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0 (the datasets; the reports themselves are public government information)",
    }
]


def _created(rows: list[dict], register: tuple[str, str] | None) -> str | None:
    """The date of the newest input (a report's publication date, or the region register's
    date): a rebuild of the same inputs gives the same descriptor, byte for byte."""
    dates = (  # the rows are read once, not held: a national build has a million
        str(r["published_at"])[:10]
        for r in rows or ()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", str(r.get("published_at") or ""))
    )
    newest = max(dates, default=None)
    if register and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(register[1])):
        newest = max(newest or "", str(register[1]))
    return f"{newest}T00:00:00Z" if newest else None


def _sources(rows: list[dict], register: tuple[str, str] | None) -> list[dict]:
    portals = sorted({r["portal"] for r in rows or () if r.get("portal")})
    out = [
        {
            "title": "政府信息公开工作年度报告 (government information-disclosure annual reports): "
            f"{sum(1 for r in rows or () if r.get('status') == 'kept')} kept reports; each report's URL or "
            "file is in reports.url / reports.paths"
            + (f"; portals: {', '.join(portals[:20])}" + (" …" if len(portals) > 20 else "") if portals else "")
        },
        {
            "title": f"Template definitions (parsers/templates/national.json, schema {spec().get('schema_version', '?')})"
        },
    ]
    if register:
        out.append({"title": f"Region register: {register[0]} ({register[1]})"})
    return out


PARTITIONED_NOTE = (
    f" One file per report year: {{name}}/{PARTITION_KEY}=YYYY/{PART_FILE} ({PARTITION_KEY}={NO_YEAR} for the reports "
    "whose year is not known); the year is also a column of the files. Read the folder whole with "
    "pandas.read_parquet('{name}') or DuckDB read_parquet('{name}/*/*.parquet')."
)


def _resource_path(ds: Dataset, out: Path | None) -> str | list[str]:
    if not ds.partitioned:
        return ds.path
    if out is None:
        return ds.glob
    return sorted(p.relative_to(out).as_posix() for p in (Path(out) / ds.path).glob(f"*/{PART_FILE}"))


def descriptor(
    parser_version: str,
    register: tuple[str, str] | None = None,
    extra: dict | None = None,
    rows: list[dict] | None = None,
    out: Path | None = None,
) -> dict:
    """The Frictionless Data Package descriptor of every dataset (`datapackage.json`); `out`:
    the folder the datasets were written to, whose partition files a partitioned dataset's
    resource lists (a multipart resource: the files' rows in order are the dataset)."""
    resources = []
    for ds in datasets():
        schema: dict = {"fields": [_ts_field(f) for f in ds.fields]}
        if ds.primary_key:
            schema["primaryKey"] = list(ds.primary_key)
        if ds.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": list(a), "reference": {"resource": r, "fields": list(b)}} for a, r, b in ds.foreign_keys
            ]
        schema["missingValues"] = [""]
        resources.append(
            {
                "name": ds.name,
                "path": _resource_path(ds, out),
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "profile": "tabular-data-resource",
                "title": f"{ds.title_en} / {ds.title_zh}",
                "description": f"One row per {ds.row}."
                + (PARTITIONED_NOTE.format(name=ds.name) if ds.partitioned else ""),
                "schema": schema,
            }
        )
    tpl = spec()
    desc = (
        "Government information-disclosure annual reports (政府信息公开工作年度报告) parsed into tables. "
        "Cell addresses, row and column keys come from the template definitions "
        f"(templates.json schema {tpl.get('schema_version', '?')}); see data_dictionary.md."
    )
    pkg = {
        "profile": "tabular-data-package",
        "name": "xxgk",
        "title": "xxgk: 政府信息公开工作年度报告 datasets",
        "description": desc,
        "version": parser_version,
        **({"created": created} if (created := _created(rows, register)) else {}),
        "licenses": LICENSES,
        "sources": _sources(rows, register),
        "resources": resources,
        "x_xxgk": {
            "parser_version": parser_version,
            "templates_schema": tpl.get("schema_version"),
            "region_register": {"name": register[0], "date": register[1]} if register else None,
            **(extra or {}),
        },
    }
    return pkg


# --------------------------------------------------------------------------- cell values


@cache
def template_units() -> dict[str, str]:
    """Address -> unit of its template column, for the 2019 and 2021 templates; for a money
    column, "unknown": its unit is what the report prints (the template's note on it is
    not a unit)."""
    out = {}
    for v in versions():
        tpl = template(v)
        for a in tpl.addresses():
            col = tpl.column(a)
            out.setdefault(a, "unknown" if is_money(col) else col.unit)
    return out


_SPLIT: dict[str, tuple[str, str, str]] = {}


def split_address(address: str) -> tuple[str, str, str]:
    """'t3/denied.state_secret/total' -> ('t3', 'denied.state_secret', 'total')."""
    got = _SPLIT.get(address)
    if got is None:
        got = _split(address)
        if len(_SPLIT) < 100_000:
            _SPLIT[address] = got
    return got


def _as_int(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def typed(pc: PanelColumn, v):
    """A value in its panel column's dtype."""
    if pc.field.kind == "int":
        return _as_int(v)
    return None if v is None else float(v)


@cache
def _t3_derivations() -> tuple[dict, dict]:
    groups, dcols = {}, {}
    for pc in panel_columns():
        if pc.address.startswith("t3/") and pc.derived:
            parts, cparts = pc.derived
            _, row, col = split_address(pc.address)
            if parts:
                groups[row] = parts
            if cparts:
                dcols[col] = cparts
    return groups, dcols


def report_values(cells: list[dict], template_version: str | None = None) -> ReportValues:
    g, dc = _t3_derivations()
    return ReportValues(cells, g, dc, template_version)


@cache
def template_columns(template_version: str | None) -> tuple[PanelColumn, ...]:
    """The indicators a report of this template has (printed or derived)."""
    return tuple(pc for pc in panel_columns() if template_version in pc.versions)


def _formula(pc: PanelColumn) -> str | None:
    table, row, col = split_address(pc.address)
    out = []
    parts, cparts = pc.derived or ((), ())
    if parts:
        out.append(" + ".join(f"{table}/{p}/{col}" for p in parts) + " (where the report does not print this row)")
    if cparts:
        out.append(" + ".join(f"{table}/{row}/{c}" for c in cparts))
    sums = total_parts(next((v for v in pc.versions if v in versions()), None))
    if table in sums and col == sums[table][0]:
        out.append(
            " + ".join(f"{table}/{row}/{c}" for c in sums[table][1])
            + " (where the printed total is blank and its parts are printed)"
        )
    return "; ".join(out) or None


def indicator_rows() -> list[dict]:
    """The `indicators` dataset, from the panel column definitions."""
    rows = []
    for pc in panel_columns():
        ok, why = comparability(pc.address, pc.versions)
        rows.append(
            {
                "indicator": pc.name,
                "table": pc.address.split("/", 1)[0],
                "address_pre2019": pc.address_for("pre2019") if "pre2019" in pc.versions else None,
                **{f"address_{v}": pc.address if v in pc.versions else None for v in versions()},
                "label_zh": pc.field.zh,
                "description": pc.field.en,
                "unit": pc.field.unit,
                "dtype": _PANDAS[pc.field.kind],
                "formula": _formula(pc),
                "comparable": ok,
                "comparability": why,
            }
        )
    return rows


# --------------------------------------------------------------------------- the datasets


def _rank(r: dict) -> tuple:
    return r.get("_rank") or (0, 0, 0, 0, r["report_id"])


def _cells_of(xcells) -> list:
    from parsers.model import ReportCell

    return [ReportCell(a, v, raw or "", st) for a, v, raw, st in xcells]


def settle_publishers(rows: list[dict]) -> None:
    """Give every report row its publisher (pipeline.entities) and, for a kept report whose
    publisher or year cannot be settled, the reason in `unsettled`."""
    from .entities import publisher_of, region_codes

    for r in rows:
        reg = r.get("_region") or {}
        pub = publisher_of(r.get("agency"), reg) or {
            "publisher_id": None,
            "publisher": None,
            "publisher_type": None,
            **region_codes(reg.get("code")),
        }
        for k in (
            "publisher_id",
            "publisher",
            "publisher_type",
            "province_code",
            "city_code",
            "county_code",
            "township_code",
        ):
            r[k] = pub.get(k)
        r["_parent_id"] = pub.get("parent_id")
        why = []
        if r["status"] == "kept":
            if not r.get("agency"):
                why.append("no publisher name found in the report")
            elif not reg.get("code"):
                why.append("the publisher could not be placed at a division of the register")
            if r.get("year") is None:
                why.append("no report year found")
        r["unsettled"] = "; ".join(why) or None


@dataclass(frozen=True)
class PanelGroup:
    """One panel row: its key, the kept reports of the publisher and year, the best of them."""

    key: tuple
    reports: tuple  # report rows, by report_id
    pick: dict


def _panel_groups(kept: list[dict]) -> list[PanelGroup]:
    """The panel's rows in order (year, then publisher; the reports with no year last): one per
    publisher × year (the best kept report); a report whose publisher or year is unsettled has
    its own row."""
    groups: dict[tuple, list[dict]] = {}
    for r in kept:
        key = (
            (r["publisher_id"], r["year"])
            if r.get("publisher_id") and r.get("year") is not None
            else ("", r["report_id"])
        )
        groups.setdefault(key, []).append(r)
    # year first: the partitioned datasets are written in this order, one year's file at a time
    return [
        PanelGroup(k, tuple(sorted(groups[k], key=lambda r: r["report_id"])), min(groups[k], key=_rank))
        for k in sorted(groups, key=lambda k: (*_partition_order(groups[k][0].get("year")), k[0], str(k[1])))
    ]


class PanelWriter:
    """The panel and panel_status folders, row by row in panel order (`PanelGroup`: year, then
    publisher), one year's file of each open at a time (`PartitionedWriter`, as cells). A row
    has hundreds of columns, so rows become arrow batches every few hundred and row groups are
    smaller than the long datasets' (`PANEL_ROW_GROUP`). Partitioned for memory, not for
    readers: pyarrow's ParquetWriter keeps every written row group's column-chunk metadata
    until the file closes (406 KiB per 484-column row group), which in one file per dataset
    grew with the corpus (`benchmarks/panel_memory.py`, six years: the peak 96 MiB higher at
    400,000 rows than at 40,000; 15 MiB with a file per year); a year's file holds a year's
    rows only, so what the writers hold grows with the largest year, not with the years
    (no year file is adopted from `PartCache`: its digest, of the row files, does not
    cover the pick's publisher and region fields). Adds what region_year reads
    of each row to its sums (`entities.RegionYear`, a scratch file beside the datasets)."""

    BATCH = 512

    def __init__(self, out: Path):
        from .entities import REGION_INDICATORS, RegionYear

        pds, sds = panel_dataset(), panel_status_dataset()
        self.panel = PartitionedWriter(pds, pds.row_group, Path(out) / pds.path, batch=self.BATCH)
        self.status = PartitionedWriter(sds, sds.row_group, Path(out) / sds.path, batch=self.BATCH)
        self.col = {f.name: i for i, f in enumerate(pds.fields)}
        self.need = ("report_id", "year", "scope", "province_code", "city_code", "county_code", *REGION_INDICATORS)
        self.region_year = RegionYear(Path(out) / ".region-year.tmp")

    def add(self, g: PanelGroup, values: dict[str, Sequence]) -> None:
        """`values`: indicator -> (value, status) of the pick (a pair: a tuple, or a list as
        the row cache's JSON gives it). Rows come in panel order, so in year order."""
        row = [None] * len(self.col)
        for f in PANEL_KEY_FIELDS:
            row[self.col[f.name]] = g.pick.get(f.name)
        row[self.col["n_reports"]] = len(g.reports)
        st = [g.pick.get(f.name) for f in PANEL_STATUS_KEY_FIELDS] + [None] * (len(self.col) - len(PANEL_KEY_FIELDS))
        base = len(PANEL_STATUS_KEY_FIELDS) - len(PANEL_KEY_FIELDS)
        for name, (v, s) in values.items():
            i = self.col[name]
            row[i] = v
            st[i + base] = s
        year = row[self.col["year"]]
        self.panel.at(year)
        self.status.at(year)
        self.panel.add(row)
        self.status.add(st)
        self.region_year.add({k: row[self.col[k]] for k in self.need})

    def close(self) -> dict[str, list[Path]]:
        """The files written, by dataset name."""
        return {"panel": self.panel.close(), "panel_status": self.status.close()}

    def abandon(self) -> None:
        self.panel.abandon()
        self.status.abandon()
        self.region_year.close()


def _cross_year(picks: dict) -> dict[str, tuple[str | None, list, int]]:
    """Cross-year identities between the picks of consecutive years of each publisher."""
    from parsers.checks import cross_year_checks

    out: dict[str, tuple[str | None, list, int]] = {}
    for (pid, y), r in picks.items():
        if not pid:
            continue
        prev = picks.get((pid, y - 1))
        if prev is None:
            out[r["report_id"]] = (None, [], y)
            continue
        xs = cross_year_checks(_cells_of(prev["_xcells"]), _cells_of(r["_xcells"]), y - 1, y, r.get("template"))
        out[r["report_id"]] = (prev["report_id"], xs, y)
    return out


def _cross_year_splits(picks: dict) -> dict[str, dict]:
    """Cells of a pick that the previous year's pick lets the build read (pre-2019 历年累计
    digits run together), by report: address -> the fields that change."""
    from parsers.checks import cross_year_splits

    out = {}
    for (pid, y), r in picks.items():
        prev = picks.get((pid, y - 1)) if pid else None
        if prev is not None:
            splits = cross_year_splits(_cells_of(prev["_xcells"]), _cells_of(r["_xcells"]), y - 1, y)
            out[r["report_id"]] = {a: {**c, "resolved_by": prev["report_id"]} for a, c in splits.items()}
    return out


def _write_rows(store, load, out: Path, rowcache, parts, tick) -> tuple[dict, PanelWriter]:
    """The partitioned row datasets and the panel, report by report in panel order (year,
    publisher, report): every row of a report goes out before the next report is loaded, so
    memory does not grow with the corpus, and each partitioned dataset has one year's file
    open at a time (`RowFeed`, which also takes a year's files from `parts` when their rows
    are unchanged). The store gives one panel row's reports at a time, and the pick of the
    publisher's previous year, which the cross-year checks read. The writers, not closed."""
    builders = {x.name: PartitionedWriter(x, x.row_group, out / x.path) for x in ROW_DATASETS}
    feed = RowFeed(builders, rowcache, parts)
    panel = PanelWriter(out)
    counts: dict[str, tuple[int, int]] = {}
    try:
        for reports_of_row in store.panel_rows():
            (g,) = _panel_groups(reports_of_row)
            picks = {g.key: g.pick}
            pid, year = g.key
            prev = store.pick(pid, year - 1) if pid else None
            if prev is not None:
                picks[(pid, year - 1)] = prev
            xchecks, xsplits = _cross_year(picks), _cross_year_splits(picks)
            for r in g.reports:
                feed.at(r.get("year"))
                picked = _report_rows(feed, r, load, xsplits, xchecks, counts, rowcache)
                if r is g.pick:
                    panel.add(g, picked)
                if tick:
                    tick()
            if len(counts) >= 4096:
                store.put_counts(counts)
                counts = {}
        store.put_counts(counts)
        feed.at(_END)
    except RowsGone:  # the caller writes again: these writers leave no file behind
        for w in (*builders.values(), panel):
            w.abandon()
        raise
    return builders, panel


def write_all(
    store,
    load,
    out: Path,
    *,
    parser_version: str,
    register: tuple[str, str] | None = None,
    with_duckdb: bool = False,
    tick=None,
    years: tuple[int, int] | None = None,
    with_csv: bool = False,
    with_sqlite: bool = False,
    cache_dir: Path | None = None,
) -> list[Path]:
    """Write every dataset of the contract under `out` from the report rows of the build's
    working store (`pipeline.buildstore.BuildStore`: one row per distinct document, `status`
    decided, publisher settled by `settle_publishers`) and `load(report_id) -> parse dict`.
    `years` (first, last): the years every register publisher is expected to report;
    `cache_dir`: where the similarity step keeps its shard results between builds."""
    from .buildstore import rows_view

    out = Path(out)
    rowcache = RowCache(cache_dir, used=store.used("rows")) if cache_dir is not None else None
    parts = (
        PartCache(cache_dir, used=store.used("parts")) if rowcache is not None and hasattr(load, "context") else None
    )
    try:
        builders, panel = _write_rows(store, load, out, rowcache, parts, tick)
    except RowsGone as e:  # a row cache entry held for a year's files went bad: that year's rows are made again
        print(f"xxgk build: {e}; the rows are written again without the year files' cache", file=sys.stderr)
        builders, panel = _write_rows(store, load, out, rowcache, None, tick)
    streamed = {n: b.close() for n, b in builders.items()}
    streamed.update(panel.close())
    reports = TableBuilder(REPORTS, path=out / REPORTS.path)
    names = REPORTS.names()
    for r in store.rows():
        reports.add([r.get(n) for n in names])
    streamed["reports"] = [reports.close()]
    rows, kept = rows_view(store), rows_view(store, kept=True)
    try:
        files = _derived_rows(store, panel.region_year, years, out)
    finally:
        panel.region_year.close()
    del panel  # its writers' last state, before copy detection's workers start
    streamed.update((name, [p]) for name, p in files.items())

    if rowcache is not None:
        rowcache.prune()
    if parts is not None:
        parts.prune()
    written = []
    for ds in datasets():
        written += streamed.get(ds.name, [])  # similarity is written next
    from pipeline.build import default_workers
    from pipeline.similarity import write as write_similarity

    # copy detection reads the files above; it comes before the exports, which copy them
    used = store.used("similarity") if cache_dir is not None else None  # on disk: one entry per shard
    written.append(write_similarity(out, workers=default_workers(), cache_dir=cache_dir, used=used))
    return written + _write_descriptions(out, rows, kept, parser_version, register, with_duckdb, with_csv, with_sqlite)


ROW_DATASETS = (CELLS, SECTIONS, CHECKS, VALUES)


KEY_BYTES = 32  # a row cache file's digest (`RowCache.path`)


class RowCache:
    """A kept report's rows of cells, sections, checks and values as one file per report and
    build context, under ``<cache>/rows/<version>/``: a rebuild appends them as they are
    instead of decoding the whole report again and making every row in Python.

    A file is a 4-byte length, a JSON head (the report's check counts and indicator values,
    the byte size of each part), then one Arrow IPC stream per dataset, each with its own
    schema. A part is read from its own bytes, so its batch holds exactly its rows (zero
    copy): a builder keeps a report's batch until its row group is full (hundreds of
    reports), and a batch that shared one buffer with the report's other datasets would keep
    them all alive that long; copying them out instead (``take``) cost ten times the read.

    The context is everything besides the parse that the rows depend on: the report's row
    fields the datasets repeat (year, publisher, region code …), the cross-year checks and
    the cells the previous year's report reads (`_cross_year`, `_cross_year_splits`), and,
    for a report with ambiguous rows, the neighbouring years' reports that settle them at
    load time (`pipeline.crossyear.settling`: their ids name their parses; a `load` without
    that ``context`` leaves such a report uncached). `version` covers the code that makes
    the rows (cross-year settling included) and the parser's version. Files of contexts no
    longer met are removed at `prune`."""

    def __init__(self, base: Path, used=None):
        self.dir = Path(base) / "rows" / _rows_version()
        self.used = set() if used is None else used  # a build's `buildstore.UsedSet`: held on disk

    def path(self, r: dict, xsplit, xcheck, near: dict | None = None) -> Path:
        """`near`: the neighbours that settling the report's ambiguous rows reads
        (`pipeline.crossyear.settling`'s ``context``)."""
        ctx = json.dumps(
            [
                [r.get(k) for k in ROW_CONTEXT],
                sorted((xsplit or {}).items()),
                repr(xcheck),
                sorted((near or {}).items()),
            ],
            ensure_ascii=False,
            default=repr,
        )
        p = self.file_of(hashlib.sha256(f"{r['sha256']}|{ctx}".encode()).digest())
        self.used.add(p)
        return p

    def file_of(self, key: bytes) -> Path:
        """The file of a key (a file's name is the hex of its `KEY_BYTES`-byte digest):
        `RowFeed` holds a year's keys, not their paths."""
        k = key.hex()
        return self.dir / k[:2] / f"{k}.rows"

    @staticmethod
    def get(p: Path) -> tuple[dict[str, pa.RecordBatch], dict] | None:
        """(batch per dataset, meta), or None when there is no usable file."""
        try:
            data = p.read_bytes()
            n = int.from_bytes(data[:4], "big")
            meta = json.loads(data[4 : 4 + n])
            at, batches = 4 + n, {}
            for ds, size in zip(ROW_DATASETS, meta["sizes"], strict=True):
                part = data[at : at + size]  # its own bytes: see the class docstring
                at += size
                batch = pa.ipc.open_stream(part).read_next_batch()
                if batch.schema != arrow_schema(ds.name) or batch.num_rows != meta["rows"][ds.name]:
                    return None
                batches[ds.name] = batch
        except (OSError, ValueError, KeyError, TypeError, StopIteration, pa.ArrowException):
            return None
        return (batches, meta) if at == len(data) else None

    HEAD_READ = 16384  # bytes read at once for a head (about 11 KB): one read, most often

    @staticmethod
    def meta(p: Path) -> dict | None:
        """The head of a file (`get`'s meta) without its rows; None when there is no file of
        the length its head gives. A rebuild reads the head of every report's file, once, at
        random: the kernel is told not to read ahead (a buffered read of the head brought 80 KiB
        of a 150 KiB file into the page cache, 8 GB for 100,000 reports; now 16 KiB)."""
        try:
            fd = os.open(p, os.O_RDONLY)
            try:
                if hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
                data = os.pread(fd, RowCache.HEAD_READ, 0)
                n = int.from_bytes(data[:4], "big")
                if len(data) < 4 + n:
                    data += os.pread(fd, 4 + n - len(data), len(data))
                meta = json.loads(data[4 : 4 + n])
                if os.fstat(fd).st_size != 4 + n + sum(meta["sizes"]):
                    return None
            finally:
                os.close(fd)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return meta if isinstance(meta.get("counts"), list) and isinstance(meta.get("values"), dict) else None

    @staticmethod
    def put(p: Path, batches: dict[str, pa.RecordBatch], meta: dict) -> None:
        """The file of a report's batches and `meta` (see the class docstring)."""
        parts = []
        for ds in ROW_DATASETS:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, arrow_schema(ds.name)) as w:
                w.write_batch(batches[ds.name])
            parts.append(sink.getvalue().to_pybytes())
        rows = {ds.name: batches[ds.name].num_rows for ds in ROW_DATASETS}
        head = json.dumps(dict(meta, rows=rows, sizes=[len(x) for x in parts]), ensure_ascii=False).encode()
        put_file(p, len(head).to_bytes(4, "big") + head + b"".join(parts))

    def prune(self) -> None:
        prune_unused(self.dir, self.used, "*/*.rows")


ROW_CONTEXT = ("report_id", "year", "division_code", "agency", "agency_id", "publisher_id", "template")


@cache
def _rows_version() -> str:
    from pipeline.build import parser_version

    h = hashlib.sha256(parser_version().encode())
    for name in ("datasets.py", "values.py", "indicators.py", "crossyear.py"):
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()[:16]


def _report_rows(
    feed: RowFeed, r: dict, load, xsplits: dict, xchecks: dict, counts: dict, rowcache: RowCache | None
) -> dict[str, Sequence]:
    """A kept report's rows into the writers (`feed`), from the row cache when it holds them
    (only the file's head, its counts and values, while `feed` holds the year: `RowFeed`);
    returns its indicators' (value, status)."""
    rid = r["report_id"]
    p = None
    context = getattr(load, "context", None) if r.get("_readings") else None  # rows it settles: `settling`
    if rowcache is not None and (context is not None or not r.get("_readings")):
        p = rowcache.path(r, xsplits.get(rid), xchecks.get(rid), context(rid) if context else None)
        meta = rowcache.meta(p) if feed.holding else None
        if meta is not None:
            feed.hold(p)
        else:
            got = rowcache.get(p)
            if got is not None:
                batches, meta = got
                feed.add(p, batches)
        if meta is not None:
            counts[rid] = tuple(meta["counts"])
            return meta["values"]  # [value, status] pairs: only the panel reads them, of the picks
    own = {ds.name: TableBuilder(ds, chunk=1 << 30) for ds in ROW_DATASETS}
    values = _emit_report(own, r, load(rid), xsplits, xchecks, counts)
    batches = {n: b.table().combine_chunks().to_batches()[0] if b.n else _empty_batch(n) for n, b in own.items()}
    if p is not None:
        rowcache.put(p, batches, {"counts": list(counts[rid]), "values": {k: list(v) for k, v in values.items()}})
    feed.add(p, batches)
    return values


class RowsGone(Exception):
    """A row cache file that `RowFeed` held for a year went away or bad before it was read."""


_END = object()  # `RowFeed.at` after the last report


class PartCache:
    """The files of the partitioned row datasets (`ROW_DATASETS`) for one report year, as a
    build wrote them, under ``<cache>/parts/<version>/``, named by a digest of the row cache
    files of that year's reports in order (`RowFeed`): the same rows in the same order give
    the same file, so a rebuild copies it instead of reading and encoding every report's rows
    again. `version` is the row cache's (the code that makes rows and writes files) with the
    version of pyarrow, which writes the files."""

    def __init__(self, base: Path, used=None):
        self.dir = Path(base) / "parts" / f"{_rows_version()}-{pa.__version__}"
        self.used = set() if used is None else used  # a build's `buildstore.UsedSet`: held on disk

    def path(self, digest: str, ds: str) -> Path:
        p = self.dir / digest[:2] / f"{digest}.{ds}.parquet"
        self.used.add(p)
        return p

    def put(self, src: Path, dst: Path) -> None:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)

    def prune(self) -> None:
        prune_unused(self.dir, self.used, "*/*.parquet")


class RowFeed:
    """Reports' rows to the partitioned writers, year by year (`at` before each report's rows).

    With a `PartCache`, a year starts *held*: while every report's rows are in the row cache,
    only their files are noted (`hold`: the report's counts and values come from the file's
    head) and a digest of their names is kept. At the end of the year, when the part cache
    has files for that digest, they are copied; otherwise, or as soon as a report's rows are
    not in the row cache (`add`), the held reports' rows are read from their files and fed as
    usual, and the year's files, once written, are put in the part cache under the digest of
    all its reports' row files (a report not in the row cache leaves its year's files
    uncached). A held file that cannot be read when it is fed raises `RowsGone`.

    What is held is a year's row cache keys, one bytearray of `KEY_BYTES` bytes a report (a
    list of their paths took 560 bytes a report: 9 MiB for the largest year of 100,000
    reports): the only thing here that grows with the corpus, by the reports of the largest
    year."""

    def __init__(self, builders: dict, rowcache: RowCache | None, parts: PartCache | None):
        self.builders, self.rowcache, self.parts = builders, rowcache, parts
        self.year = _END
        self.digest = None  # of the year's row files so far; None once one report has none
        self.held: bytearray | None = None  # the year's reports' keys, none fed yet; None: feeding

    @property
    def holding(self) -> bool:
        return self.held is not None

    def at(self, year) -> None:
        """The next report is of `year` (`_END`: there is none)."""
        if year is self.year or (year is not _END and self.year is not _END and year == self.year):
            return
        if self.year is not _END:
            self._end_year()
        self.year = year
        if year is _END:
            return
        keyed = self.parts is not None
        self.digest = hashlib.sha256(f"{year}|{ROW_GROUP_SIZE}".encode()) if keyed else None
        self.held = bytearray() if keyed else None
        if not keyed:
            for b in self.builders.values():
                b.at(year)

    def hold(self, p: Path) -> None:
        """A report's rows are in its row cache file `p` (`RowCache.path`), read only if the
        year is not copied."""
        self.held += bytes.fromhex(p.name[: 2 * KEY_BYTES])
        self.digest.update(p.name.encode())

    def add(self, p: Path | None, batches: dict[str, pa.RecordBatch]) -> None:
        """A report's rows (`p`: its row cache file, None when it has none)."""
        self._release()
        if self.digest is not None:
            if p is None:
                self.digest = None
            else:
                self.digest.update(p.name.encode())
        for n, b in batches.items():
            self.builders[n].add_batch(b)

    def _release(self) -> None:
        """Feed the held reports' rows: the year is written, not copied."""
        if self.held is None:
            return
        held, self.held = self.held, None
        for b in self.builders.values():
            b.at(self.year)
        for at in range(0, len(held), KEY_BYTES):
            p = self.rowcache.file_of(bytes(held[at : at + KEY_BYTES]))
            got = self.rowcache.get(p)
            if got is None:
                p.unlink(missing_ok=True)
                raise RowsGone(f"{p}: a row cache file could not be read back")
            for n, b in got[0].items():
                self.builders[n].add_batch(b)

    def _end_year(self) -> None:
        digest = self.digest.hexdigest() if self.digest is not None else None
        if self.held is not None:
            cached = {n: self.parts.path(digest, n) for n in self.builders}
            if all(p.is_file() for p in cached.values()):
                for n, b in self.builders.items():
                    b.adopt(self.year, cached[n])
                self.held = None
                return
            self._release()
        for n, b in self.builders.items():
            done = b.finish_year()
            if digest is not None and done is not None:
                self.parts.put(done, self.parts.path(digest, n))


def _empty_batch(name: str) -> pa.RecordBatch:
    schema = arrow_schema(name)
    return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in schema], schema=schema)


def _emit_report(builders: dict, r: dict, d: dict, xsplits: dict, xchecks: dict, counts: dict) -> dict[str, tuple]:
    """The cells, sections, checks and values rows of one kept report (`d`: its parse);
    returns its indicators' (value, status), what the panel takes when the report is a pick."""
    rid = r["report_id"]
    cells = d.get("cells") or []
    if xsplits.get(rid):  # cells the previous year's 历年累计 reads
        cells = [{**c, **xsplits[rid].get(c["address"], {})} for c in cells]
    _emit_cells(builders["cells"], r, cells)
    for i, s in enumerate(d.get("sections") or [], 1):
        builders["sections"].add(
            (rid, r.get("year"), i, s.get("key"), s.get("number"), s.get("title"), s.get("text"), s.get("line"))
        )
    counts[rid] = _emit_checks(builders["checks"], r, d.get("checks") or [], xchecks.get(rid))
    rv = report_values(cells, r.get("template"))
    out = {}
    names, addrs, vals, sts = [], [], [], []
    for pc in template_columns(r.get("template")):
        a = pc.address_for(r.get("template"))
        v, st = rv.get(a, pc.money_unit)
        v = typed(pc, v)
        names.append(pc.name)
        addrs.append(a)
        vals.append(v)
        sts.append(st)
        out[pc.name] = (v, st)
    n = len(names)
    context = [[x] * n for x in (rid, r.get("publisher_id"), r.get("year"), r.get("template"))]
    builders["values"].add_column_lists([*context, names, addrs, vals, sts])
    return out


def _derived_rows(store, region_year, years, out: Path) -> dict[str, Path]:
    """The datasets made from the kept reports and the panel, written as their rows come (a
    national build has hundreds of thousands of publishers and coverage rows): publishers,
    coverage and coverage_summary from the build's working store (`store`: the kept report
    rows and the publishers table, `BuildStore.add_publishers`), not from lists held in
    memory; region_year from `region_year`, the panel's sums (`PanelWriter.region_year`);
    indicators. The files, by dataset name."""
    from .coverage import coverage_rows, iter_summary, place, spans_of
    from .entities import finish_publisher, parent_entry, publisher_entry

    def placed(p: dict) -> tuple[dict, str | None, bool]:
        return (p, *place(p))

    def close_parents() -> None:
        while missing := store.missing_parents():
            store.add_bare_publishers(placed(parent_entry(pid)) for pid in missing)

    store.add_publishers(
        (*placed(publisher_entry(r) | {"parent_id": r.get("_parent_id")}), r.get("year"), r.get("agency") or "")
        for r in store.rows(kept=True)
        if r.get("publisher_id")
    )
    close_parents()  # what coverage reads: the publishers of the reports and their parents
    cov = TableBuilder(COVERAGE, path=out / COVERAGE.path)
    cov_sum = TableBuilder(COVERAGE_SUMMARY, path=out / COVERAGE_SUMMARY.path)
    names, sum_names = COVERAGE.names(), COVERAGE_SUMMARY.names()
    expected: list[str] = []

    def written(rows):
        nonlocal expected
        for r in rows:
            cov.add([r.get(n) for n in names])
            expected.append(r["publisher_id"])
            if len(expected) >= 4096:
                store.add_expected(expected)
                expected = []
            yield r

    cov_rows = coverage_rows(spans_of(store.kept_years()), store, store.found, years)
    for r in iter_summary(written(cov_rows), LIST_SEP):
        cov_sum.add([r.get(n) for n in sum_names])
    store.add_expected(expected)
    store.add_bare_publishers(placed(parent_entry(pid)) for pid in store.missing_expected())
    close_parents()
    pubs = TableBuilder(PUBLISHERS, path=out / PUBLISHERS.path)
    pub_names = PUBLISHERS.names()
    for p, by_year in store.publishers():
        r = finish_publisher(p, by_year, LIST_SEP)
        pubs.add([r.get(n) for n in pub_names])
    files = {"coverage": cov.close(), "coverage_summary": cov_sum.close(), "publishers": pubs.close()}
    for ds, got in ((indicators_dataset(), indicator_rows()), (region_year_dataset(), region_year.rows())):
        b = TableBuilder(ds, path=out / ds.path)
        for row in got:
            b.add([row.get(f.name) for f in ds.fields])
        files[ds.name] = b.close()
    return files


def _write_descriptions(
    out: Path, rows, kept, parser_version, register, with_duckdb, with_csv, with_sqlite
) -> list[Path]:
    """datapackage.json, data_dictionary.md and the other forms asked for."""
    written = []
    extra = {
        "reports": len(rows),
        "kept": len(kept),
        "unsettled": sum(1 for r in kept if r.get("unsettled")),
        "years": sorted({r["year"] for r in kept if r.get("year") is not None}),
    }
    p = out / "datapackage.json"
    write_json(descriptor(parser_version, register, extra, rows, out), p)
    written.append(p)
    from pipeline.dictionary import render

    p = out / "data_dictionary.md"
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(render(register), encoding="utf-8")
    os.replace(tmp, p)
    written.append(p)
    if with_duckdb:
        written.append(write_duckdb(out))
    from . import exports

    if with_csv:
        written += exports.write_csv(out)
    if with_sqlite:
        from .browse import write_metadata

        written += [exports.write_sqlite(out), write_metadata(out)]
    return written


def _emit_cells(b: TableBuilder, r: dict, cells: list[dict]) -> None:
    """A report's cells rows, column by column (`TableBuilder.add_column_lists`)."""
    units = template_units()
    n = len(cells)
    base = (
        r["report_id"],
        r.get("year"),
        r.get("division_code"),
        r.get("agency"),
        r.get("agency_id"),
        r.get("publisher_id"),
        r.get("template"),
    )
    addrs = [c["address"] for c in cells]
    parts = [split_address(a) for a in addrs]
    unit = [c.get("unit") or units.get(a) or ("件" if p[0] == "t3" else None) for c, a, p in zip(cells, addrs, parts)]
    b.add_column_lists(
        [
            *([x] * n for x in base),
            [p[0] for p in parts],
            [p[1] for p in parts],
            [p[2] for p in parts],
            addrs,
            [c.get("value") for c in cells],
            unit,
            *(
                [c.get(k) for c in cells]
                for k in ("raw", "status", "page", "line", "char_start", "char_end", "context")
            ),
            [c.get("via") or c.get("source_via") for c in cells],
            [c.get("resolved_by") for c in cells],
        ]
    )


def _emit_checks(b: TableBuilder, r: dict, checks: list[dict], cross) -> tuple[int, int]:
    """The parser's checks of a report (`r`: its row), with its cross-year placeholders
    replaced by the evaluated cross-year identities where the previous year's report is in
    the build."""
    rid, report_year = r["report_id"], r.get("year")
    prev, xs, year = cross if cross else (None, [], None)
    by_id: dict[str, list] = {}
    for x in xs:
        by_id.setdefault(x.id, []).append(x)
    seq = failed = 0
    done = set()
    keys: dict[tuple, int] = {}

    def add(row):
        nonlocal seq, failed
        seq += 1
        failed += row[2] is False
        n = keys[row[:2]] = keys.get(row[:2], 0) + 1
        if n > 1:  # the key is (report, id, subject): a repeated evaluation is numbered
            row = (row[0], f"{row[1]}#{n}", *row[2:])
        b.add((rid, report_year, seq, *row))

    for c in checks:
        cid = c.get("id")
        if "cross_year" in (cid or "") and c.get("subject") == "report" and c.get("ok") is None:
            if by_id.get(cid):
                for x in by_id[cid]:
                    add((x.id, x.subject, x.ok, x.lhs, x.rhs, x.note, "hard" if x.hard else "soft", "cross_year", prev))
                done.add(cid)
                continue
            if prev:
                note = f"not evaluable against {prev}: the cells it needs are missing in one of the two reports"
            elif year is not None:
                note = f"no {year - 1} report of this agency in the build"
            else:
                note = c.get("note") or "no agency or year: cannot find the previous year's report"
            add((cid, c.get("subject"), None, None, None, note, c.get("strength") or "soft", "cross_year", prev))
            continue
        add(
            (
                cid,
                c.get("subject"),
                c.get("ok"),
                c.get("lhs"),
                c.get("rhs"),
                c.get("note"),
                c.get("strength"),
                "report",
                None,
            )
        )
    for cid, group in by_id.items():
        if cid not in done:
            for x in group:
                add((x.id, x.subject, x.ok, x.lhs, x.rhs, x.note, "hard" if x.hard else "soft", "cross_year", prev))
    return seq, failed


def write_duckdb(out: Path) -> Path:
    """xxgk.duckdb with one table per dataset (the same rows as the parquet files)."""
    import duckdb

    p = out / "xxgk.duckdb"
    tmp = out / ".xxgk.duckdb.tmp"
    for q in (tmp, tmp.with_name(tmp.name + ".wal")):
        if q.exists():
            q.unlink()
    con = duckdb.connect(str(tmp))
    try:
        for ds in datasets():
            path = str(out.resolve() / ds.glob).replace("'", "''")
            # the files' own columns: a partitioned dataset's folder key would be one more
            con.execute(f"CREATE TABLE \"{ds.name}\" AS SELECT * FROM read_parquet('{path}', hive_partitioning=false)")
            comment = f"{ds.title_en} / {ds.title_zh}: one row per {ds.row}".replace("'", "''")
            con.execute(f"COMMENT ON TABLE \"{ds.name}\" IS '{comment}'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, p)
    return p
