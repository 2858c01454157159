"""Render a generated report as an HTML page or a DOCX file, for round-trip tests.

The layout follows the national template: title, sections 一..六, and tables 二, 三, 四 with
their real merged-cell structure (colspan/rowspan in HTML, gridSpan/vMerge in DOCX). Every
label comes from `parsers.templates` (rows, columns, group paths, header rows); nothing here
lists rows or columns.

`values` maps cell addresses (t2/<block>.<row>/<col>, t3/<row>/<col>, t4/<row>/<col>) to
int | float | None; None (or a missing address) is a blank cell.

With `rng` (a random.Random), cosmetic variants are drawn the way real pages differ: CMS
container or bare fragment, <p> inside cells, <br> inside long header labels, &nbsp; blanks,
"+" on positive signed changes, "元" after money amounts, meta charset declared or not.
Without it the output is one fixed, canonical layout.
"""

from __future__ import annotations

import html as _html
import io
import random
from dataclasses import dataclass

from parsers.templates import Row, spec, template

TableRows = list[list[tuple[str, int, int]]]  # rows of (text, colspan, rowspan), each source cell once


@dataclass(frozen=True)
class Item:
    kind: str  # "title" | "heading" | "para" | "table"
    text: str = ""
    rows: tuple = ()


# ----------------------------------------------------------------------------- values


def fmt_value(v, *, signed: bool = False, money: bool = False, rng: random.Random | None = None) -> str:
    if v is None:
        return ""
    s = f"{v:.6f}".rstrip("0").rstrip(".") if isinstance(v, float) and not v.is_integer() else str(int(v))
    if signed and rng is not None and isinstance(v, (int, float)) and v > 0 and rng.random() < 0.5:
        s = "+" + s
    if money and rng is not None and rng.random() < 0.3:
        s += "元"
    return s


# ----------------------------------------------------------------------------- layout


def _split(total: int, k: int, rng: random.Random | None) -> list[int]:
    """Spread k value columns over `total` grid columns."""
    if k >= total:
        return [1] * k
    if k == 1:
        return [total]
    spans = [1] * k
    extra = total - k
    for _ in range(extra):
        i = (k - 1) if rng is None else rng.randrange(k)
        spans[i] += 1
    return spans


def table2(version: str, values: dict, rng: random.Random | None = None) -> TableRows:
    t = template(version)
    width = 1 + max(len(b.columns) for b in t.table2)
    rows: TableRows = []
    for b in t.table2:
        spans = _split(width - 1, len(b.columns), rng)
        rows.append([(b.caption, width, 1)])
        rows.append([("信息内容", 1, 1)] + [(c.label, s, 1) for c, s in zip(b.columns, spans)])
        for r in b.rows:
            cells = [(r.label, 1, 1)]
            for c, s in zip(b.columns, spans):
                v = values.get(f"t2/{b.key}.{r.key}/{c.key}")
                cells.append((fmt_value(v, signed=c.signed, money=c.key == "procurement_amount", rng=rng), s, 1))
            rows.append(cells)
    return rows


def label_area(rows, depth: int) -> list[list[tuple[str, int, int]]]:
    """Merged label cells for rows with group paths: a group label starts where its path
    prefix first appears and spans the rows that share it; the row's own label fills the
    remaining label columns."""
    out = []
    for i, r in enumerate(rows):
        cells = []
        for lv in range(len(r.path)):
            prefix = r.path[: lv + 1]
            if i > 0 and rows[i - 1].path[: lv + 1] == prefix:
                continue
            n = 1
            while i + n < len(rows) and rows[i + n].path[: lv + 1] == prefix:
                n += 1
            cells.append((r.path[lv], 1, n))
        cells.append((r.label, depth - len(r.path), 1))
        out.append(cells)
    return out


def table3(version: str, values: dict, rng: random.Random | None = None) -> TableRows:
    t = template(version)
    head = spec()["versions"][version]["tables"]["table3"]["header"]
    depth = int(head.get("label_area_columns", 3))
    top = head["top_left_cell"]
    rows: TableRows = []
    for i, hr in enumerate(head["header_rows"]):
        cells = [(c["text"], int(c.get("colspan", 1)), int(c.get("rowspan", 1))) for c in hr]
        if i == 0:
            cells.insert(
                0, (top["text"], int(top.get("colspan", depth)), int(top.get("rowspan", len(head["header_rows"]))))
            )
        rows.append(cells)
    t3_rows = list(t.t3_rows)
    if any(a.startswith("t3/other/") for a in values) and any(r.key.startswith("other.") for r in t3_rows):
        # The 2021 variant that prints one （六）其他处理 row instead of its three sub-rows.
        subs = [r for r in t3_rows if r.key.startswith("other.")]
        i = t3_rows.index(subs[0])
        t3_rows = [r for r in t3_rows if not r.key.startswith("other.")]
        t3_rows.insert(i, Row("other", subs[0].path[-1], subs[0].path[:-1]))
    for r, labels in zip(t3_rows, label_area(t3_rows, depth)):
        vals = [(fmt_value(values.get(f"t3/{r.key}/{c.key}"), rng=rng), 1, 1) for c in t.t3_columns]
        rows.append(labels + vals)
    return rows


def table4(version: str, values: dict, rng: random.Random | None = None) -> TableRows:
    t = template(version)
    t4 = spec()["versions"][version]["tables"]["table4"]
    rows: TableRows = [
        [(c["text"], int(c.get("colspan", 1)), int(c.get("rowspan", 1))) for c in hr] for hr in t4["header_rows"]
    ]
    rows.append(
        [(fmt_value(values.get(f"t4/{r.key}/{c.key}"), rng=rng), 1, 1) for r in t.t4_rows for c in t.t4_columns]
    )
    return rows


def layout(values: dict, version: str, year: int, agency: str, rng: random.Random | None = None) -> list[Item]:
    t = template(version)
    title = f"{agency}{year}年政府信息公开工作年度报告"
    items = [Item("title", title)]
    items.append(
        Item(
            "para",
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》要求编制。"
            f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        )
    )
    body = {
        "一": [
            f"{year}年，{agency}坚持以人民为中心的发展思想，认真贯彻落实《条例》要求，持续推进政务公开工作。",
            "（一）主动公开",
            "围绕中心工作，及时主动公开各类政府信息，做好政策解读和回应关切。",
            "（二）依申请公开",
            "严格按照法定时限和程序办理政府信息公开申请，规范答复文书。",
            "（三）政府信息管理",
            "加强公文公开属性源头认定，落实保密审查机制。",
            "（四）平台建设",
            "优化政府门户网站政府信息公开专栏，提升平台服务能力。",
            "（五）监督保障",
            "将政务公开工作纳入年度绩效考核，加强业务培训。",
        ],
        "五": ["主要问题：政务公开工作的深度和广度还有待加强。改进措施：加强业务学习，完善工作机制。"],
        "六": ["本年度未收取信息处理费。"],
    }
    tables = {
        "二": table2(version, values, rng),
        "三": table3(version, values, rng),
        "四": table4(version, values, rng),
    }
    for s in t.sections:
        items.append(Item("heading", f"{s.number}、{s.title}"))
        for p in body.get(s.number, []):
            items.append(Item("para", p))
        if s.number in tables:
            items.append(Item("table", rows=tuple(tuple(r) for r in tables[s.number])))
    items.append(Item("para", agency))
    items.append(Item("para", f"{year + 1}年1月20日"))
    return items


# ----------------------------------------------------------------------------- HTML


def _esc(s: str) -> str:
    return _html.escape(s, quote=False)


def _html_cell_text(text: str, header: bool, rng: random.Random | None) -> str:
    if not text:
        return "&nbsp;" if rng is None or rng.random() < 0.7 else ""
    if header and rng is not None and len(text) >= 6 and rng.random() < 0.3:
        cut = rng.randrange(2, len(text) - 1)
        return _esc(text[:cut]) + "<br />" + _esc(text[cut:])
    return _esc(text)


def unmerged(rows) -> TableRows:
    """The same table with every rowspan undone: a merged cell's text stays in its first
    row and the rows it covered get an empty cell of its width, as a page whose editor
    split merged cells (or a spreadsheet saved as HTML) prints it."""
    placed, _ = _positions(rows)
    covered: dict[tuple[int, int], int] = {}  # (row, col) -> colspan of the merge passing there
    out: TableRows = []
    for r, row in enumerate(placed):
        cells = [(c, text, cs) for c, text, cs, _ in row]
        for c, _, cs, rs in row:
            for dr in range(1, rs):
                covered[(r + dr, c)] = cs
        cells += [(c, "", cs) for (rr, c), cs in covered.items() if rr == r]
        out.append([(text, cs, 1) for _, text, cs in sorted(cells)])
    return out


def _html_table(rows, rng: random.Random | None, merged: bool = True) -> str:
    if not merged:
        rows = unmerged(rows)
    wrap_p = rng is not None and rng.random() < 0.5
    nl = "\n" if rng is None or rng.random() < 0.7 else ""
    out = [f'<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;">{nl}<tbody>{nl}']
    for row in rows:
        out.append("<tr>")
        for text, cs, rs in row:
            attrs = (f' colspan="{cs}"' if cs > 1 else "") + (f' rowspan="{rs}"' if rs > 1 else "")
            is_value = text == "" or text.lstrip("+-").replace(".", "", 1).rstrip("元").isdigit()
            inner = _html_cell_text(text, not is_value, rng)
            if wrap_p:
                inner = f'<p style="text-align:center">{inner}</p>'
            out.append(f"<td{attrs}>{inner}</td>")
        out.append(f"</tr>{nl}")
    out.append(f"</tbody>{nl}</table>\n")
    return "".join(out)


def render_html(
    values: dict,
    version: str,
    year: int,
    agency: str,
    *,
    encoding: str = "utf-8",
    rng: random.Random | None = None,
    merged: bool = True,
) -> bytes:
    """The report as a web page; `merged=False` prints its tables without rowspans."""
    items = layout(values, version, year, agency, rng)
    title = items[0].text
    parts: list[str] = []
    for it in items[1:]:
        if it.kind == "heading":
            tag = "p" if rng is None or rng.random() < 0.7 else "h3"
            parts.append(f"<{tag}><strong>{_esc(it.text)}</strong></{tag}>\n")
        elif it.kind == "para":
            indent = "&nbsp;&nbsp;&nbsp;&nbsp;" if rng is not None and rng.random() < 0.3 else ""
            parts.append(f"<p>{indent}{_esc(it.text)}</p>\n")
        elif it.kind == "table":
            parts.append(_html_table(it.rows, rng, merged))
    body = "".join(parts)
    shape = "trs" if rng is None else rng.choice(["trs", "zoom", "vsb", "fragment", "plain"])
    is_gb = encoding.replace("-", "").lower() in ("gb18030", "gbk", "gb2312")
    if is_gb:
        declared = "gb2312" if rng is None else rng.choice(["gb2312", "gbk", None])
    else:
        declared = "utf-8" if rng is None else rng.choice(["utf-8", None])
    if shape == "fragment":
        page = f'<p style="text-align:center;font-weight:bold;">{_esc(title)}</p>\n{body}'
    else:
        container = {
            "trs": '<div class="TRS_Editor">',
            "zoom": '<div id="zoom">',
            "vsb": '<div id="vsb_content">',
            "plain": '<div class="main-text">',
        }[shape]
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if declared else ""
        nav = "".join(f'<li><a href="/col/{i}/">栏目{i}</a></li>' for i in range(1, 9))
        page = (
            "<!DOCTYPE html>\n<html>\n<head>\n"
            f"{meta}\n<title>{_esc(title)}_{_esc(agency)}</title>\n"
            f'<meta name="ArticleTitle" content="{_html.escape(title)}">\n'
            "<script>var a = '<p>not text</p>';</script>\n<style>p{margin:0}</style>\n"
            "</head>\n<body>\n"
            f'<div class="header"><ul class="nav">{nav}</ul></div>\n'
            f'<div class="article"><h1>{_esc(title)}</h1>\n'
            f'<div class="info">发布时间：{year + 1}-01-20 来源：{_esc(agency)}</div>\n'
            f"{container}\n{body}</div>\n</div>\n"
            '<div class="footer"><p>主办单位：人民政府办公室 <a href="/">网站地图</a></p></div>\n'
            "</body>\n</html>\n"
        )
    return page.encode(encoding)


# ----------------------------------------------------------------------------- DOCX


def _positions(rows) -> tuple[list[list[tuple[int, str, int, int]]], int]:
    """Grid columns of each source cell; returns rows of (col, text, colspan, rowspan) and the width."""
    taken: set[tuple[int, int]] = set()
    out = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        placed = []
        for text, cs, rs in row:
            while (r, c) in taken:
                c += 1
            placed.append((c, text, cs, rs))
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            c += cs
            width = max(width, c)
        out.append(placed)
    return out, width


def _docx_table(d, rows, rng: random.Random | None) -> None:
    """A table built directly in WordprocessingML: gridSpan for colspans, vMerge restart /
    continue for rowspans (covered positions get a continue cell, as Word writes them)."""
    from docx.oxml import OxmlElement

    placed, width = _positions(rows)
    table = d.add_table(rows=0, cols=width)
    try:
        table.style = "Table Grid"
    except (KeyError, ValueError):
        pass
    tbl = table._tbl
    covered: dict[tuple[int, int], int] = {}  # (row, col) -> colspan of the vertical merge passing there
    for r, row in enumerate(placed):
        tr = OxmlElement("w:tr")
        starts = {c: (text, cs, rs) for c, text, cs, rs in row}
        c = 0
        while c < width:
            if c in starts:
                text, cs, rs = starts[c]
                tc = _docx_tc(text, cs, "restart" if rs > 1 else None, rng)
                for dr in range(1, rs):
                    covered[(r + dr, c)] = cs
                tr.append(tc)
                c += cs
            elif (r, c) in covered:
                cs = covered[(r, c)]
                tr.append(_docx_tc("", cs, "continue", None))
                c += cs
            else:
                c += 1
        tbl.append(tr)


def _docx_tc(text: str, colspan: int, vmerge: str | None, rng: random.Random | None):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc = OxmlElement("w:tc")
    pr = OxmlElement("w:tcPr")
    if colspan > 1:
        gs = OxmlElement("w:gridSpan")
        gs.set(qn("w:val"), str(colspan))
        pr.append(gs)
    if vmerge:
        vm = OxmlElement("w:vMerge")
        if vmerge == "restart":
            vm.set(qn("w:val"), "restart")
        pr.append(vm)
    tc.append(pr)
    p = OxmlElement("w:p")
    parts = [text]
    if rng is not None and len(text) >= 6 and not any(ch.isdigit() for ch in text) and rng.random() < 0.3:
        cut = rng.randrange(2, len(text) - 1)
        parts = [text[:cut], text[cut:]]
    if text:
        run = OxmlElement("w:r")
        for i, part in enumerate(parts):
            if i:
                run.append(OxmlElement("w:br"))
            t = OxmlElement("w:t")
            t.text = part
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.append(t)
        p.append(run)
    tc.append(p)
    return tc


def render_docx(
    values: dict, version: str, year: int, agency: str, *, rng: random.Random | None = None, **_ignored
) -> bytes:
    """The report as a DOCX file (encoding is meaningless here and ignored)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    for it in layout(values, version, year, agency, rng):
        if it.kind == "title":
            p = d.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(it.text).bold = True
        elif it.kind == "heading":
            p = d.add_paragraph()
            p.add_run(it.text).bold = True
        elif it.kind == "para":
            d.add_paragraph(it.text)
        elif it.kind == "table":
            _docx_table(d, it.rows, rng)
            if rng is None or rng.random() < 0.5:
                d.add_paragraph("")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
