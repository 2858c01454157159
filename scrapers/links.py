"""Which links are annual reports, and which year they report on.

Pure functions on strings, shared by every CMS family:

* :func:`classify_title` — report title or look-alike (notices about writing reports,
  guides, catalogues, interpretations, budgets …);
* :func:`year_from_title`, :func:`year_from_body`, :func:`guess_year` — the report year
  from the title, else the 统计期限 sentence of the body, else publication year − 1;
* :func:`is_attachment_url`, :func:`is_article_url`, :func:`is_list_category` — URL shapes.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_WS = re.compile(r"\s+")

POSITIVE = re.compile(r"(?:政府|政务)?信息公开.{0,6}(?:年度报告|年报|工作报告)|(?:政府|政务)信息公开工作\d{4}年度?报告")
NEGATIVE = re.compile(
    r"通知|格式|制度|办法|规定|指南|目录|要点|考核|评议|测评|印发|关于做好|编制|报送|解读|预算|决算"
    r"|模板|范本|样本|培训|会议|征集|意见"
)
COLUMN_HINT = re.compile(r"nb|ndbg|gknb|xxgknb|zfxxgknb|zfxxgkndbg|zfnbhz", re.I)
# "2021年年报", "2020年度报告" as list categories (sub-columns, not reports)
CATEGORY = re.compile(
    r"^(?:(?:19|20)\d{2})年度?(?:年报|年度报告|报告)?$|^(?:年报|年度报告|政府信息公开年报|信息公开年报)$"
)


def normalize_title(s: str | None) -> str:
    """Full-width → half-width (NFKC), whitespace removed, ellipses kept."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s)
    return _WS.sub("", s)


@dataclass(frozen=True)
class TitleVerdict:
    is_report: bool
    reason: str  # "report", "lookalike:<word>", "no_match", "empty", "category"
    boosted: bool = False


def classify_title(title: str | None, column_url: str | None = None, column_name: str | None = None) -> TitleVerdict:
    t = normalize_title(title)
    if not t:
        return TitleVerdict(False, "empty")
    t = t.rstrip("…").rstrip(".").rstrip("…")
    if CATEGORY.match(t):
        return TitleVerdict(False, "category")
    boosted = bool(column_url and COLUMN_HINT.search(urlsplit(column_url).path)) or bool(
        column_name and re.search(r"年报|年度报告", column_name)
    )
    m = NEGATIVE.search(t)
    if m:
        return TitleVerdict(False, f"lookalike:{m.group(0)}", boosted)
    if POSITIVE.search(t):
        return TitleVerdict(True, "report", boosted)
    # truncated anchors like "XX镇2019年政府信息公开工作年度…" in a report column
    if boosted and re.search(r"信息公开.{0,8}(?:年度?|工作)$", t):
        return TitleVerdict(True, "report_truncated", True)
    return TitleVerdict(False, "no_match", boosted)


def is_report_title(title: str | None, column_url: str | None = None) -> bool:
    return classify_title(title, column_url).is_report


def is_truncated(s: str | None) -> bool:
    return bool(s) and (s.rstrip().endswith(("…", "...", "..")))


# ----------------------------------------------------------------------------- year

_YEAR_BEFORE_NIAN = re.compile(r"((?:19|20)\d{2})\s*年")
_WORK_YEAR = re.compile(r"工作\s*((?:19|20)\d{2})\s*年度?报告")
_BODY_PERIOD = re.compile(
    r"(?:数据)?统计(?:期限|时限|时间|区间|期间|范围)[^0-9]{0,6}((?:19|20)\d{2})\s*年\s*0?1\s*月\s*0?1\s*日"
)
_BODY_REPORT_YEAR = re.compile(
    r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*[至到\-—~]+\s*(?:\1)\s*年\s*12\s*月\s*31\s*日"
)


def _plausible(y: int) -> bool:
    return 1990 <= y <= _dt.date.today().year


def year_from_title(title: str | None) -> int | None:
    t = normalize_title(title)
    if not t:
        return None
    m = _WORK_YEAR.search(t)
    if m and _plausible(int(m.group(1))):
        return int(m.group(1))
    years = [(int(m.group(1)), m.start()) for m in _YEAR_BEFORE_NIAN.finditer(t) if _plausible(int(m.group(1)))]
    if not years:
        return None
    distinct = {y for y, _ in years}
    if len(distinct) == 1:
        return years[0][0]
    # several years: take the last one before 信息公开 (e.g. "关于2021年…2020年政府信息公开…")
    pos = t.find("信息公开")
    if pos >= 0:
        before = [(y, p) for y, p in years if p < pos]
        if before:
            return before[-1][0]
    return None


def year_from_body(text: str | None) -> int | None:
    if not text:
        return None
    t = unicodedata.normalize("NFKC", text)
    for rx in (_BODY_PERIOD, _BODY_REPORT_YEAR):
        m = rx.search(t)
        if m and _plausible(int(m.group(1))):
            return int(m.group(1))
    return None


_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def parse_date(s: str | None) -> str | None:
    """First date in ``s`` as ``YYYY-MM-DD``."""
    if not s:
        return None
    m = _DATE.search(unicodedata.normalize("NFKC", s))
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(?:t|[0-9a-f]{32})"),
)


def date_from_url(url: str) -> str | None:
    for rx in _URL_DATES:
        m = rx.search(url)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            d = (
                int(m.group(3))
                if len(m.groups()) >= 3 and m.group(3) and m.group(3).isdigit() and len(m.group(3)) <= 2
                else 1
            )
            try:
                return _dt.date(y, mo, d).isoformat()
            except ValueError:
                continue
    return None


def guess_year(
    title: str | None = None,
    body: str | None = None,
    published: str | None = None,
    extra_titles: tuple[str | None, ...] = (),
) -> tuple[int | None, str | None]:
    """(year, source) with source in ``title``, ``body``, ``published``; (None, None) if nothing."""
    for t in (title, *extra_titles):
        y = year_from_title(t)
        if y:
            return y, "title"
    y = year_from_body(body)
    if y:
        return y, "body"
    d = parse_date(published)
    if d:
        return int(d[:4]) - 1, "published"
    return None, None


# ----------------------------------------------------------------------- URL shapes

ATTACHMENT_EXT = (
    "pdf",
    "doc",
    "docx",
    "wps",
    "xls",
    "xlsx",
    "et",
    "ofd",
    "zip",
    "rar",
    "7z",
    "txt",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "bmp",
    "tif",
    "tiff",
)
IMAGE_EXT = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff")
_ATT_EXT_RX = re.compile(r"\.(" + "|".join(ATTACHMENT_EXT) + r")$", re.I)
_ATT_MARKERS = re.compile(
    r"downfile\.jsp|download\.jsp|DownloadAttachUrl|/attachment/|/P0\d{8,}|filedownload|downloadfile"
    r"|attachDownload|/upload/files?/",
    re.I,
)
ARTICLE = re.compile(
    r"/art/|art_\d+_\d+|art_[0-9a-f]{32}|t\d{8}_\d+|post_\d+|content_\d+|/info/\d+/\d+\.htm"
    r"|/c\d{4,7}/\d{6}/[0-9a-f]{32}|/c\d{4,7}/\d{4}/\d{1,2}/\d{1,2}/[0-9a-f]+|c01_\d+\.shtml|show/\d+\.html"
    r"|/content/[0-9a-f\-]{32,36}\.html|article_\d+|/\d{6}/\d+\.s?html?$|/\d{4}-\d{2}/\d{2}/",
    re.I,
)
LISTLIKE = re.compile(
    r"(?:^|/)(?:index(?:_\d+)?|list(?:_\d+)?|default|zfxxgk\w*List|xxgk_lists?|xxgk_navs)\.(?:s?html?|jsp|aspx?)$"
    r"|/$|/col/col\d+/|/col\d+/index",
    re.I,
)


def url_ext(url: str) -> str:
    path = unquote(urlsplit(url).path)
    m = re.search(r"\.([A-Za-z0-9]{1,5})$", path)
    return m.group(1).lower() if m else ""


def is_attachment_url(url: str) -> bool:
    p = urlsplit(url)
    path = unquote(p.path)
    if _ATT_EXT_RX.search(path):
        return True
    q = unquote(p.query)
    if re.search(r"(?:filename|file|name|showname)=[^&]*\.(" + "|".join(ATTACHMENT_EXT) + r")(?:&|$)", q, re.I):
        return True
    return bool(_ATT_MARKERS.search(p.path + "?" + p.query))


def is_article_url(url: str) -> bool:
    p = urlsplit(url)
    path = p.path
    if LISTLIKE.search(path) and not ARTICLE.search(path):
        return False
    if ARTICLE.search(path):
        return True
    return bool(re.search(r"\.s?html?$", path, re.I)) and not LISTLIKE.search(path)


def is_list_category(title: str | None) -> bool:
    return bool(CATEGORY.match(normalize_title(title)))


def column_prefix(column_url: str) -> str:
    """Path prefix shared by a column's own pages: the directory of the column URL."""
    path = urlsplit(column_url).path or "/"
    if not path.endswith("/"):
        path = path.rsplit("/", 1)[0] + "/"
    return path


def unescape_percent_u(s: str) -> str:
    """gkmlpt titles may come ``%uXXXX``-escaped."""
    if "%u" not in s and "\\u" not in s:
        return s
    s = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s)
    s = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s)
    return unquote(s)


def desktop_url(url: str) -> str:
    """``…/t20210315_1_wap.html`` → ``…/t20210315_1.html`` (mobile copies duplicate the desktop page)."""
    return re.sub(r"_wap(\.s?html?)$", r"\1", url)
