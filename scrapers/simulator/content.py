"""Generated report content for the simulator: report text (from ``synth.generator``),
HTML bodies, PDF and DOCX attachments, report titles in the shapes seen on real portals,
and look-alike items (notices, guides, catalogues) that must not be taken for reports."""

from __future__ import annotations

import datetime as _dt
import html
import io
import random
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from parsers.readers.text import PAGE_FOOTER
from synth.generator import generate

TITLE_SHAPES = (
    "{agency}{year}年政府信息公开工作年度报告",
    "{agency}{year}年度政府信息公开工作年度报告",
    "{year}年{agency}政府信息公开工作年度报告",
    "{agency}{year}年政府信息公开年度报告",
    "{agency}{year}年信息公开年报",
    "{agency}政府信息公开工作{year}年度报告",
    "{agency}{year}年政务信息公开年度报告",
    "{year}年政府信息公开工作年度报告",
    "{agency}政府信息公开工作年度报告",  # no year in the title: the body says 统计期限自YYYY年1月1日
)
LOOKALIKES = (
    "关于做好{y}年政府信息公开工作年度报告编制和发布工作的通知",
    "{agency}政府信息公开指南",
    "{agency}政府信息公开目录",
    "{y}年政府信息公开工作年度报告解读",
    "关于印发政府信息公开工作年度报告格式的通知",
    "{agency}{y}年政府信息公开工作要点",
    "{y}年度政府信息公开工作考核结果",
)
NEWS = (
    "{agency}召开安全生产工作会议",
    "{agency}开展防汛应急演练",
    "{agency}部署春季农业生产工作",
    "关于{y}年部门预算的公告",
    "{agency}组织开展文明城市创建活动",
    "{agency}召开党史学习教育动员会",
)


@dataclass
class SimReport:
    seed: int
    title: str
    year: int
    agency: str
    text: str
    published: str  # YYYY-MM-DD
    form: str  # html | html+pdf | pdf | html+docx | docx
    attachments: list = field(default_factory=list)  # [(name, ext, bytes)]


@lru_cache(maxsize=4096)
def report_text(seed: int, agency: str | None = None) -> tuple[str, int, str]:
    """(text, year, agency) of the generator's report for `seed`, tab style, published by
    `agency` (default: the generator's made-up name). The year and figures are the seed's
    whoever publishes it."""
    g = generate(seed, style="tab", agency=agency)
    return g.text, g.year, g.agency


def report_year(seed: int) -> int:
    return report_text(seed)[1]


def make_report(seed: int, form: str, agency: str | None = None) -> SimReport:
    text, year, agency = report_text(seed, agency)
    rng = random.Random(seed * 7919 + 1)
    shape = TITLE_SHAPES[seed % len(TITLE_SHAPES)]
    title = shape.format(agency=agency, year=year)
    pub = _dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28)).isoformat()
    r = SimReport(seed=seed, title=title, year=year, agency=agency, text=text, published=pub, form=form)
    if "pdf" in form:
        r.attachments.append((title, "pdf", pdf_bytes(seed, agency)))
    if "docx" in form:
        r.attachments.append((title, "docx", docx_bytes(seed, agency)))
    return r


def blocks(text: str) -> list[tuple[str, object]]:
    """[('p', line) | ('table', [[cells]])] from report text: tab-separated lines are table rows."""
    out: list = []
    rows: list = []
    for line in text.splitlines():
        if "\t" in line:
            rows.append(line.rstrip("\n").split("\t"))
            continue
        if rows:
            out.append(("table", rows))
            rows = []
        s = line.strip()
        if s and not PAGE_FOOTER.match(s):  # no page footers on a web page
            out.append(("p", s))
    if rows:
        out.append(("table", rows))
    return out


def html_body(text: str) -> str:
    parts = []
    for kind, v in blocks(text):
        if kind == "p":
            parts.append(f"<p>{html.escape(v)}</p>")
        else:
            trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in v)
            parts.append(f'<table border="1" cellspacing="0">{trs}</table>')
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _warn_no_reportlab() -> None:
    warnings.warn(
        "the portal simulator serves PDF attachments as plain text: reportlab is not installed "
        "(pip install 'xxgk[synth]')",
        RuntimeWarning,
        stacklevel=3,
    )


@lru_cache(maxsize=1024)
def pdf_bytes(seed: int, agency: str | None = None) -> bytes:
    text, year, agency = report_text(seed, agency)
    try:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
    except ImportError:  # reportlab is the synth extra's: without it an attachment is the report's text
        _warn_no_reportlab()
        return text.encode("utf-8")
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, invariant=1, title=f"{agency}{year}")
    st = ParagraphStyle("cn", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    cst = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9, wordWrap="CJK")
    story = []
    width = A4[0] - 144
    for kind, v in blocks(text):
        if kind == "p":
            story.append(Paragraph(html.escape(v), st))
            continue
        n = max(len(r) for r in v)
        weights = []
        for c in range(n):
            col = [r[c] for r in v if c < len(r)]
            weights.append(min(12, max(2, max((len(x) for x in col), default=2))))
        tot = sum(weights)
        data = [[Paragraph(html.escape(c), cst) for c in r] + [""] * (n - len(r)) for r in v]
        tb = Table(data, colWidths=[width * w / tot for w in weights])
        tb.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.black),
                    ("LEFTPADDING", (0, 0), (-1, -1), 1),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        story.append(tb)
    doc.build(story)
    return buf.getvalue()


_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def _w_par(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{html.escape(text, quote=False)}</w:t></w:r></w:p>'


@lru_cache(maxsize=1024)
def docx_bytes(seed: int, agency: str | None = None) -> bytes:
    """A minimal WordprocessingML package (paragraphs and tables), written directly: python-docx
    is far too slow for hundreds of simulated files, and this is byte-for-byte deterministic."""
    text, year, agency = report_text(seed, agency)
    body = []
    for kind, v in blocks(text):
        if kind == "p":
            body.append(_w_par(v))
            continue
        n = max(len(r) for r in v)
        rows = []
        for r in v:
            cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr>{_w_par(c)}</w:tc>'
                for c in r + [""] * (n - len(r))
            )
            rows.append(f"<w:tr>{cells}</w:tr>")
        grid = "".join('<w:gridCol w:w="800"/>' for _ in range(n))
        body.append(
            '<w:tbl><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/>'
            '<w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/>'
            '<w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
        )
        body.append("<w:p/>")
    doc = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{''.join(body)}<w:sectPr/></w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("word/document.xml", doc)):
            zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return out.getvalue()


def big_file(n: int) -> bytes:
    return b"%PDF-1.4\n" + random.Random(n).randbytes(n)
