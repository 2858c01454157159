"""Lay out a whole annual report as a PDF, the way agencies export them from WPS/Word.

`render_pdf(values, version, year, agency)` draws a title, the six sections (一 … 六)
and the standard tables 二, 三 and 四 as ruled tables with merged cells, from the labels
of `parsers.templates.template(version)`; `values` maps cell addresses
(`t3/granted/natural_person`, see `Template.addresses()`) to numbers (None or a missing
address = a blank cell). Table 三 always crosses a page break, with its group labels
printed one character per line in a narrow column, as real reports do.

An `rng` (random.Random) varies what real reports vary: ruling style (outlined cell
rectangles or single lines), header rows repeated on the continuation page or not, page
number style, a running header, a leading "+" on signed values. The text uses
reportlab's built-in CID font STSong-Light (no font file needed; both PDFium and
pdfminer extract its characters exactly).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from parsers.templates import Row, Template, template

PAGE_W, PAGE_H = 595.27, 841.89
FONT = "STSong-Light"

_fonts_ready: dict[str | None, str] = {}


def _font(font_file: str | None = None) -> str:
    """The name of the font the text is drawn in: the built-in CID font, or a TrueType
    font file (.ttf/.ttc, first face) embedded as a subset, as most exported reports
    embed theirs (poppler without its language pack reads only embedded CJK fonts)."""
    if font_file not in _fonts_ready:
        from reportlab.pdfbase import pdfmetrics

        if font_file is None:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont(FONT))
            _fonts_ready[None] = FONT
        else:
            from reportlab.pdfbase.ttfonts import TTFont

            name = f"Embedded{len(_fonts_ready)}"
            pdfmetrics.registerFont(TTFont(name, font_file, subfontIndex=0))
            _fonts_ready[font_file] = name
    return _fonts_ready[font_file]


def _width(text: str, size: float, font: str = FONT) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def _wrap(text: str, width: float, size: float, font: str = FONT) -> list[str]:
    """Break text into lines no wider than `width` (CJK text breaks anywhere)."""
    lines: list[str] = []
    cur = ""
    cur_w = 0.0
    for ch in text:
        if ch == "\n":
            lines.append(cur)
            cur, cur_w = "", 0.0
            continue
        w = _width(ch, size, font)
        if cur and cur_w + w > width:
            lines.append(cur)
            cur, cur_w = "", 0.0
        cur += ch
        cur_w += w
    if cur or not lines:
        lines.append(cur)
    return lines


def fmt_value(v, *, signed: bool = False, plus: bool = False) -> str:
    """How a value is printed in a cell."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return f"+{v}" if signed and plus and v > 0 else str(v)
    if isinstance(v, float):
        s = f"{v:.6f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
        return f"+{s}" if signed and plus and v > 0 else s
    return str(v)


# ---------------------------------------------------------------- tables


@dataclass
class TCell:
    col: int
    text: str
    colspan: int = 1
    rowspan: int = 1
    size: float = 9.0
    align: str = "center"  # center | left


class _Doc:
    def __init__(self, rng: random.Random, agency: str, year: int, font: str):
        from reportlab.pdfgen import canvas

        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=(PAGE_W, PAGE_H), invariant=1)
        self.rng = rng
        self.left = 72.0 + rng.uniform(-8, 8)
        self.right = PAGE_W - 72.0 + rng.uniform(-8, 8)
        self.top = PAGE_H - 72.0
        self.bottom = 72.0
        self.y = self.top
        self.page = 1
        self.page_style = rng.choice(["- {n} -", "— {n} —", "第 {n} 页", "{n}"])
        self.running = f"{agency}{year}年政府信息公开工作年度报告" if rng.random() < 0.4 else None
        self.rule_style = rng.choice(["rects", "lines"])
        self.repeat_header = rng.random() < 0.5
        self.body = 15.0 + rng.choice([0.0, 0.5, 1.0])
        self.leading = self.body * 1.75
        self.font = font

    @property
    def width(self) -> float:
        return self.right - self.left

    def _furniture(self):
        c = self.c
        c.setFont(self.font, 10)
        c.drawCentredString(PAGE_W / 2, 40, self.page_style.format(n=self.page))
        if self.running:
            c.setFont(self.font, 9)
            c.drawCentredString(PAGE_W / 2, PAGE_H - 40, self.running)

    def new_page(self):
        self._furniture()
        self.c.showPage()
        self.page += 1
        self.y = self.top

    def finish(self) -> bytes:
        self._furniture()
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()

    # text
    def text_line(self, text: str, size: float, x: float):
        if self.y - size * 1.2 < self.bottom:
            self.new_page()
        self.y -= self.leading if size == self.body else size * 1.9
        self.c.setFont(self.font, size)
        self.c.drawString(x, self.y, text)

    def para(self, text: str, *, indent: bool = True, size: float | None = None):
        size = size or self.body
        first_indent = 2 * size if indent else 0.0
        lines = _wrap(text, self.width - first_indent, size, self.font)
        if len(lines) > 1:  # later lines use the full width
            rest = "".join(lines[1:])
            lines = lines[:1] + _wrap(rest, self.width, size, self.font)
        for i, ln in enumerate(lines):
            self.text_line(ln, size, self.left + (first_indent if i == 0 else 0.0))

    def centered(self, text: str, size: float):
        if self.y - size * 2 < self.bottom:
            self.new_page()
        self.y -= size * 1.8
        self.c.setFont(self.font, size)
        self.c.drawCentredString((self.left + self.right) / 2, self.y, text)

    def space_left(self) -> float:
        return self.y - self.bottom

    # tables
    def table(self, widths: list[float], rows: list[list[TCell]], header_rows: int, pad: float = 3.0):
        """Draw a ruled table, breaking it across pages between rows."""
        scale = self.width / sum(widths)
        widths = [w * scale for w in widths]
        xs = [self.left]
        for w in widths:
            xs.append(xs[-1] + w)
        heights = self._row_heights(widths, rows, pad)
        n = len(rows)
        carry: dict = {}
        i = 0
        while i < n:
            avail = self.y - self.bottom
            j = i
            used = 0.0
            while j < n and used + heights[j] <= avail:
                used += heights[j]
                j += 1
            if j == i:
                if self.y < self.top - 1 and i == 0:
                    self.new_page()
                    continue
                j = i + 1 if j == i and self.y >= self.top - 1 else j
            if j == i:  # nothing fits below the repeated header: next page
                self.new_page()
                continue
            carry = self._draw_rows(xs, rows, heights, i, j, pad, carry)
            i = j
            if i < n:
                self.new_page()
                if self.repeat_header and header_rows:
                    self._draw_rows(xs, rows, heights, 0, header_rows, pad, {})

    def _cell_lines(self, cell: TCell, width: float, pad: float) -> list[str]:
        return _wrap(cell.text, max(width - 2 * pad, cell.size), cell.size, self.font)

    def _row_heights(self, widths, rows, pad) -> list[float]:
        n = len(rows)
        heights = [0.0] * n
        for r, row in enumerate(rows):
            for cell in row:
                if cell.rowspan == 1:
                    w = sum(widths[cell.col : cell.col + cell.colspan])
                    need = len(self._cell_lines(cell, w, pad)) * cell.size * 1.3 + 2 * pad + 4
                    heights[r] = max(heights[r], need)
            heights[r] = max(heights[r], 18.0)
        for r, row in enumerate(rows):
            for cell in row:
                if cell.rowspan > 1:
                    w = sum(widths[cell.col : cell.col + cell.colspan])
                    need = len(self._cell_lines(cell, w, pad)) * cell.size * 1.3 + 2 * pad
                    have = sum(heights[r : r + cell.rowspan])
                    if need > have:
                        heights[r + cell.rowspan - 1] += need - have
        return heights

    def _draw_rows(self, xs, rows, heights, i, j, pad, carry: dict) -> dict:
        """Rows i..j-1 at the current y. A cell spanning past row j is cut at the page
        end; its text lines that do not fit go on with the next part (returned carry:
        col -> (cell, end row, lines left))."""
        tops = [self.y]
        for r in range(i, j):
            tops.append(tops[-1] - heights[r])
        parts = []  # (cell, x0, x1, y_top, y_bottom, lines, end row)
        for cell, r_end, lines in carry.values():
            parts.append((cell, tops[0], tops[min(r_end, j) - i], lines, r_end))
        for r in range(i, j):
            for cell in rows[r]:
                r_end = r + cell.rowspan
                w = xs[cell.col + cell.colspan] - xs[cell.col]
                parts.append((cell, tops[r - i], tops[min(r_end, j) - i], self._cell_lines(cell, w, pad), r_end))
        new_carry: dict = {}
        c = self.c
        for cell, yt, yb, lines, r_end in parts:
            x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]
            self._rule(x0, yt, x1, yb)
            lh = cell.size * 1.3
            split = r_end > j
            if split:
                fit = max(0, int((yt - yb - 2 * pad) // lh))
                shown = lines[:fit]
                new_carry[cell.col] = (cell, r_end, lines[fit:])
                y = yt - pad - cell.size
            else:
                shown = lines
                y = (yt + yb) / 2 + len(shown) * lh / 2 - cell.size
            c.setFont(self.font, cell.size)
            for ln in shown:
                if cell.align == "left":
                    c.drawString(x0 + pad, y, ln)
                else:
                    c.drawCentredString((x0 + x1) / 2, y, ln)
                y -= lh
        self.y = tops[-1]
        return new_carry

    def _rule(self, x0, yt, x1, yb):
        c = self.c
        c.setLineWidth(0.5)
        if self.rule_style == "rects":
            c.rect(x0, yb, x1 - x0, yt - yb, stroke=1, fill=0)
        else:
            c.line(x0, yt, x1, yt)
            c.line(x0, yb, x1, yb)
            c.line(x0, yb, x0, yt)
            c.line(x1, yb, x1, yt)


# ---------------------------------------------------------------- the report


def _table2(tpl: Template, values: dict, plus, narrow: bool = False) -> tuple[list[float], list[list[TCell]]]:
    rows: list[list[TCell]] = []
    for b in tpl.table2:
        rows.append([TCell(0, b.caption, 4, size=10)])
        k = len(b.columns)
        spans = {1: [3], 2: [1, 2], 3: [1, 1, 1]}.get(k, [1] * k)
        hdr = [TCell(0, "信息内容", size=10)]
        col = 1
        for c, s in zip(b.columns, spans):
            hdr.append(TCell(col, c.label, s, size=10))
            col += s
        rows.append(hdr)
        for r in b.rows:
            row = [TCell(0, r.label, size=10, align="left")]
            col = 1
            for c, s in zip(b.columns, spans):
                v = values.get(f"t2/{b.key}.{r.key}/{c.key}")
                row.append(TCell(col, fmt_value(v, signed=c.signed, plus=plus()), s, size=10))
                col += s
            rows.append(row)
    return [18 if narrow else 30, 23, 23, 24], rows


T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _table3(tpl: Template, values: dict, narrow: bool = False) -> tuple[list[float], list[list[TCell]]]:
    cols = tpl.t3_columns
    org = [c for c in cols if c.key not in ("natural_person", "total")]
    rows: list[list[TCell]] = [
        [TCell(0, T3_NOTE, 3, 3, size=8, align="left"), TCell(3, "申请人情况", 7)],
        [
            TCell(3, cols[0].label, 1, 2, size=8),
            TCell(4, "法人或其他组织", len(org), size=8),
            TCell(9, cols[-1].label, 1, 2, size=8),
        ],
        [TCell(4 + i, c.label, size=8) for i, c in enumerate(org)],
    ]
    seen: set = set()
    t3 = list(tpl.t3_rows)
    if (
        any(r.key.startswith("other.") for r in t3)
        and any(k.startswith("t3/other/") for k in values)
        and not any(k.startswith("t3/other.") for k in values)
    ):
        # a 2021 report that prints a single （六）其他处理 row, as some do
        first = next(i for i, r in enumerate(t3) if r.key.startswith("other."))
        t3 = [r for r in t3 if not r.key.startswith("other.")]
        t3.insert(first, Row("other", "（六）其他处理", (t3[first].path[0],)))
    for r in t3:
        row: list[TCell] = []
        if not r.path:
            row.append(TCell(0, r.label, 3, size=8, align="left"))
        else:
            g = r.path[0]
            if g not in seen:
                seen.add(g)
                n = sum(1 for x in t3 if x.path[:1] == (g,))
                row.append(TCell(0, g, 1, n, size=9))
            if len(r.path) == 1:
                row.append(TCell(1, r.label, 2, size=8, align="left"))
            else:
                sub = r.path[:2]
                if sub not in seen:
                    seen.add(sub)
                    n = sum(1 for x in t3 if x.path[:2] == sub)
                    row.append(TCell(1, sub[1], 1, n, size=8))
                row.append(TCell(2, r.label, size=8, align="left"))
        for i, c in enumerate(cols):
            row.append(TCell(3 + i, fmt_value(values.get(f"t3/{r.key}/{c.key}")), size=9))
        rows.append(row)
    return ([10, 22, 34] if narrow else [14, 36, 86]) + [26] * 7, rows


def _table4(tpl: Template, values: dict) -> tuple[list[float], list[list[TCell]]]:
    cols = tpl.t4_columns
    review, direct, after = tpl.t4_rows
    rows: list[list[TCell]] = [
        [TCell(0, review.label, 5, size=9), TCell(5, "行政诉讼", 10, size=9)],
        [TCell(i, c.label, 1, 2, size=8) for i, c in enumerate(cols)]
        + [TCell(5, direct.label, 5, size=8), TCell(10, after.label, 5, size=8)],
        [TCell(5 + i, c.label, size=8) for i, c in enumerate(cols)]
        + [TCell(10 + i, c.label, size=8) for i, c in enumerate(cols)],
    ]
    data = []
    k = 0
    for r in tpl.t4_rows:
        for c in cols:
            data.append(TCell(k, fmt_value(values.get(f"t4/{r.key}/{c.key}")), size=9))
            k += 1
    rows.append(data)
    return [1] * 15, rows


_FILLER = [
    "坚持以公开为常态、不公开为例外，持续深化政务公开。",
    "围绕中心工作，及时发布政策文件和解读信息。",
    "规范依申请公开办理流程，答复均在法定期限内完成。",
    "加强政府网站和政务新媒体日常监管。",
    "严格落实信息发布审核制度，确保信息准确规范。",
    "定期开展业务培训，提升工作人员业务能力。",
]


def render_pdf(
    values: dict,
    version: str,
    year: int,
    agency: str,
    *,
    rng=None,
    font_file: str | None = None,
    narrow_labels: bool = False,
) -> bytes:
    """A full report as PDF bytes; table 三 always crosses a page break.

    `font_file`: a TrueType CJK font to embed instead of the built-in CID font.
    `narrow_labels`: label columns so narrow that most row labels wrap over two or three
    lines, with the row's values beside the middle of them, as many reports print."""
    rng = rng if rng is not None else random.Random(0)
    tpl = template(version)
    d = _Doc(rng, agency, year, _font(font_file))

    def plus() -> bool:
        return rng.random() < 0.5

    titles = [f"{s.number}、{s.title}" for s in tpl.sections]

    d.centered(agency, 20)
    d.centered(f"{year}年政府信息公开工作年度报告", 20)
    d.y -= 10
    d.para(
        f"本报告由{agency}办公室根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。"
        f"报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"如对本报告有疑问，请与{agency}办公室联系。"
    )
    d.para(titles[0], indent=True)
    for _ in range(rng.randint(2, 4)):
        d.para(f"{year}年，" + "".join(rng.sample(_FILLER, 3)))
    d.para(titles[1], indent=True)
    w, rows = _table2(tpl, values, plus, narrow_labels)
    d.table(w, rows, 0)

    # 三: make sure the table does not fit on the page it starts on
    d.para(titles[2], indent=True)
    w3, rows3 = _table3(tpl, values, narrow_labels)
    scale = d.width / sum(w3)
    heights = d._row_heights([x * scale for x in w3], rows3, 3.0)
    total = sum(heights)
    head = sum(heights[:3]) + sum(heights[3:6])
    while True:
        room = d.space_left()
        if room < head + 4:
            d.new_page()
            continue
        if room > total - 2 * heights[-1] or room > d.top - d.bottom - 60:
            d.para(rng.choice(_FILLER), indent=True)
            continue
        break
    d.table(w3, rows3, 3)

    d.para(titles[3], indent=True)
    w4, rows4 = _table4(tpl, values)
    d.table(w4, rows4, 3)
    d.para(titles[4], indent=True)
    d.para(f"{year}年，我单位政府信息公开工作取得一定成效，但仍存在一些不足。" + "".join(rng.sample(_FILLER, 2)))
    d.para(titles[5], indent=True)
    d.para("无。" if rng.random() < 0.5 else f"{year}年未收取信息处理费。")
    return d.finish()
