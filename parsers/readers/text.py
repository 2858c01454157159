"""Scraped text -> Document.

Tolerates how scrapers flatten reports: tab-separated rows, `|` pipes and markdown
tables, one cell per line, crawler headers before the body, bare CR line ends, markdown
bold, page footers and words split across page joins. Cells run together with no
separator stay as they are: splitting them is the table matcher's job, because only the
template's arithmetic can tell where one number ends.

html2text writes a table row as its cells joined by "| " with no outer pipes (an empty
first cell leaves the line starting with "|"), and a rule of "---" joined by "|" under a
table's first row. Where such a rule stands, every pipe of a line is a cell boundary:
the row is read cell for cell, its empty cells kept as blank cells. (A cell holding a
line break continues the row on the next line; the label search reads across lines.)
The flattening recognised is named in a FLATTENING warning.
"""

from __future__ import annotations

import re

from ..document import Block, Cell, Document, Location, Warning, para
from ..rowloops import new as _new  # tuple.__new__ (in C where built): Location, Cell, Block

_HEADER_LINE = re.compile(
    r"^\s*(标题|发布时间|发文日期|成文日期|文号|发布机构|来源|栏目|原文链接|链接|URL|url|本地目录|索引号|发布日期)\s*[:：]\s*(.*)$"
)
_BODY_MARK = re.compile(r"^\s*[=＝\-]{3,}\s*正文\s*[=＝\-]{3,}\s*$")
# a line that is only a page footer or page number (— 3 —, - 3 -, 第 3 页, 第3页 共5页, 3/5)
PAGE_FOOTER = re.compile(
    r"^\s*(?:[—\-－]\s*\d{1,3}\s*[—\-－]|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$"
)
_KEY_LINE = re.compile(r"^\S{1,12}\s*[:：]")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
# html2text's rule: exactly three dashes per column, joined by "|", no outer pipes
_H2T_RULE = re.compile(r"^-{3}(?:\|-{3})*[ \t]*$")
# The line patterns below are also searched over the whole text with a line start at
# each line (re.M), once instead of once a line: they cannot run across a line break,
# so the text has a match where a line has one.
_H2T_RULE_ANY = re.compile(_H2T_RULE.pattern, re.M)
_SKIPPED = re.compile(f"(?:{PAGE_FOOTER.pattern})|(?:{_MD_RULE.pattern})")  # footers and markdown rules


def _lines_pattern(*patterns: re.Pattern) -> re.Pattern:
    """What finds, in a text with a line break put before it, a line that one of the line
    patterns (each "^…$", its \\s outside any class) matches: each pattern after a line
    break, $ at each line's end (re.M), its \\s made whitespace other than a line break,
    so that it finds a match where a line of the text has one and nowhere else (a \\s run
    across line breaks would try the lines after a break again at each break before
    them). Starting with a line break, it is searched from line break to line break
    instead of being tried at every position of the text."""
    assert all(p.pattern.startswith("^") for p in patterns)
    inline = [p.pattern[1:].replace(r"\s", r"[^\S\n]") for p in patterns]
    return re.compile("\n(?:" + "|".join(f"(?:{p})" for p in inline) + ")", re.M)


# Where this finds nothing in the text, no line is skipped, and the lines are not matched
# one by one.
_SKIPPED_ANY = _lines_pattern(PAGE_FOOTER, _MD_RULE)
_TERMINAL = set('。；;！!？?：:）)】」》”"…')
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}\s*[.．、]|第[一二三四五六七八九十]+)"
)


def decode(data: bytes) -> tuple[str, list[Warning]]:
    """Bytes -> text, the encoding found by `sniff.decode_text` (BOMs, UTF-32/16 without one,
    UTF-8, GB18030 or Big5, UTF-8 and GB18030 mixed line by line)."""
    from .sniff import decode_text

    warnings: list[Warning] = []
    got = decode_text(data)
    if got is not None:
        text, enc = got
        if enc == "utf-8+gb18030":
            warnings.append(
                Warning("MIXED_ENCODING", "lines in UTF-8 and lines in GB18030: each line decoded in its own")
            )
        return text, warnings
    text = data.decode("utf-8", errors="replace")
    warnings.append(Warning("UNKNOWN_ENCODING", "text is neither UTF-8 nor GB18030; undecodable bytes were replaced"))
    return text, warnings


def _split_header(lines: list[str]) -> tuple[list[tuple[str, str]], int]:
    """Crawler key: value lines at the top, optionally closed by a ==== 正文 ==== line."""
    header: list[tuple[str, str]] = []
    # (a body mark holds 正文: where the first 60 lines have none, no line is one)
    marked = "正文" in "\n".join(lines[:60])
    i = 0
    while i < len(lines) and i < 40:
        line = lines[i]
        if marked and _BODY_MARK.match(line):
            return header, i + 1
        m = _HEADER_LINE.match(line) if ":" in line or "：" in line else None  # (a key line holds a colon)
        if m:
            header.append((m.group(1), m.group(2).strip()))
        elif line.strip() and header and not _KEY_LINE.match(line):
            break
        i += 1
    if header and marked and any(_BODY_MARK.match(x) for x in lines[:60]):
        for j, x in enumerate(lines[:60]):
            if _BODY_MARK.match(x):
                return header, j + 1
    return header, (i if header else 0)


def _cells_of(line: str, html2text: bool = False) -> list[str] | None:
    if html2text and "|" in line:
        return [c.strip() for c in line.split("|")]
    if "\t" in line:
        return line.split("\t")
    s = line.strip()
    if s.startswith("|") and s.count("|") >= 2:
        inner = s[1:-1] if s.endswith("|") else s[1:]
        return [c.strip() for c in inner.split("|")]
    if " | " in line:
        return [c.strip() for c in line.split(" | ")]
    return None


def _joinable(prev: str, nxt: str) -> bool:
    """A paragraph broken by a page join: the first ends mid-sentence, the next is no heading."""
    p, n = prev.rstrip(), nxt.lstrip()
    if len(p) < 60 or not n or p[-1] in _TERMINAL or _HEADING_START.match(n):
        return False
    return "\u4e00" <= p[-1] <= "\u9fff" and "\u4e00" <= n[0] <= "\u9fff"


_VALUE_LINE = re.compile(r"^\s*(?:[+\-]?\d[\d,.]*(?:万元|元|%)?|[—\-–/]+|无)\s*$")
# (over the whole text: where it finds nothing, no line is a value line)
_VALUE_LINE_ANY = _lines_pattern(_VALUE_LINE)
_VALUE_STARTS = "+-—–/无"  # what a value line starts with, but a digit


def _blank_cells(lines: list[str], start: int, body: str) -> dict[int, int]:
    """Blank cells encoded as extra empty lines in one-cell-per-line text.

    Such text separates cells by a fixed number of line breaks (g) and rows by another
    (r); an empty cell adds g more. Returns {line index: blank cells before it}, only
    when the layout is regular enough to read. `body` is the lines from `start` on, joined."""
    body_lines = lines[start:]
    nbsp = "\xa0" in body
    if not nbsp and not _VALUE_LINE_ANY.search("\n" + body):
        return {}  # no value line (nor an empty cell's no-break space): no gap next to a value, below
    stripped = list(map(str.strip, body_lines))
    if nbsp:  # (a no-break space alone on its line is an empty cell, not an empty line)
        stripped = [st or ("\xa0" if "\xa0" in x else "") for st, x in zip(stripped, body_lines)]
    # Fewer than four empty lines cannot make a cell gap frequent enough (below).
    if stripped.count("") < 4:
        return {}
    value_line = _VALUE_LINE.match
    # (line, short, short and a value) of each non-empty line, judged once; a short line
    # (40 characters at most) is a cell, a label or a heading; a value line starts with
    # one of _VALUE_STARTS or a digit (str.isdigit holds every \d), other lines are not
    # matched, and a line of digits alone (str.isdecimal: \d, the stripped whitespace \s)
    # is one without the match
    items = [
        (
            i,
            True,
            st == "\xa0"
            or st.isdecimal()
            or ((st[0] in _VALUE_STARTS or st[0].isdigit()) and value_line(lines[i]) is not None),
        )
        if len(st) <= 40
        else (i, False, False)
        for i, st in enumerate(stripped, start)
        if st
    ]
    # (line, gap, prev is value, next is value)
    gaps = [(i1, i1 - i0, v0, v1) for (i0, s0, v0), (i1, s1, v1) in zip(items, items[1:]) if s0 and s1]
    if len(gaps) < 20 or not any(nv for *_, nv in gaps):
        return {}
    from collections import Counter

    def frequent(counts: Counter) -> list[int]:
        top = max(counts.values())
        return sorted(gp for gp, c in counts.items() if c >= top / 4 and gp >= 2)

    # Between cells: the smallest frequent gap next to a value (short lines of prose — a
    # heading, then a short sentence — are spaced as paragraphs are and may outnumber a
    # table's cell gaps); between rows: the next frequent gap of all (rows start with a
    # label, so fewer row gaps touch a value).
    near = frequent(Counter([gp for _, gp, pv, nv in gaps if pv or nv]))
    if not near:
        return {}
    g = near[0]
    wider = [gp for gp in frequent(Counter([gp for _, gp, _, _ in gaps])) if gp > g]
    vl = [gp for _, gp, pv, nv in gaps if pv and not nv and gp != g]
    r = wider[0] if wider else (Counter(vl).most_common(1)[0][0] if vl else g)
    blanks = {}  # gap -> the blank cells it holds, where it holds a whole number of them
    for gp in {gp for _, gp, _, _ in gaps}:
        ks = {(gp - base) // g for base in {g, r} if gp - base >= g and (gp - base) % g == 0}
        if len(ks) == 1:
            blanks[gp] = ks.pop()
    return {i1: blanks[gp] for i1, gp, _, _ in gaps if gp in blanks}


_BARE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_BARE_NUMBER_ANY = _lines_pattern(_BARE_NUMBER)  # (as _SKIPPED_ANY: found if a line is one)
# what a page of a report starts with again: the running title, or table 三's header
_PAGE_HEAD_WORDS = ("年度报告", "年报", "申请人情况", "勾稽关系")
_PAGE_HEAD = re.compile("|".join(_PAGE_HEAD_WORDS))


def _page_numbers(lines: list[str], start: int, body: str) -> set[int]:
    """Lines that are a bare page number, as text taken from a PDF prints them: a number
    alone on its line right before a page break (a form feed) or before a line that
    repeats the running title or table 三's header seen earlier, as the next page
    prints them again. A value alone on its line is followed by other text. `body` is
    the lines from `start` on, joined."""
    out: set[int] = set()
    if not _BARE_NUMBER_ANY.search("\n" + body):
        return out  # no line is a bare number
    if "\f" not in body and not _repeated_head(body):
        return out  # no page break, and no line of a page's head printed again
    seen: set[str] = set()
    pending: int | None = None  # a bare number waiting for the next non-empty line
    for n in range(start, len(lines)):
        line = lines[n]
        if "\f" in line and pending is not None:
            out.add(pending)
        key = line.strip()
        if not key:
            continue
        if pending is not None and key in seen and _PAGE_HEAD.search(key):
            out.add(pending)
        pending = n if _BARE_NUMBER.match(line) else None
        seen.add(key)
    return out


def _repeated_head(body: str) -> bool:
    """Whether a line that _PAGE_HEAD finds in may stand twice in `body`: its text (stripped)
    is found twice (a line the same as an earlier one holds its text twice). The lines are
    found by their words with str.find, a tenth of what a regex scan of the text costs."""
    for word in _PAGE_HEAD_WORDS:
        at = body.find(word)
        while at >= 0:
            end = body.find("\n", at)
            if end < 0:
                end = len(body)
            if body.count(body[body.rfind("\n", 0, at) + 1 : end].strip()) >= 2:
                return True
            at = body.find(word, end)
    return False


def _flattening(lines: list[str], html2text: bool, text: str) -> str | None:
    """How a tool flattened the page, where its traces show: html2text's rules, markdown
    pipe tables, or the whole report on a few long lines with one space between all
    words (BeautifulSoup's get_text(" ", strip=True) and the like). `text` is the lines
    joined."""
    if html2text:
        return (
            "text recognised as html2text markdown (rows of cells joined by '| ', '---|---' rules): "
            "every pipe read as a cell boundary"
        )
    if "|" in text and any(x.lstrip().startswith("|") and _MD_RULE.match(x) for x in lines):
        return "text recognised as markdown pipe tables ('| a | b |' rows, '|---|' rules): cells read between pipes"
    body: list[str] = []  # the non-empty lines, stripped: up to four, which is one too many
    for x in lines:
        x = x.strip()
        if x:
            body.append(x)
            if len(body) > 3:
                break
    if 0 < len(body) <= 3 and max(map(len, body)) >= 500 and all("  " not in x and "\t" not in x for x in body):
        return (
            "text recognised as one line with one space between all words (as BeautifulSoup's "
            "get_text(' ', strip=True) makes of a page): empty cells leave no trace, rows are found "
            "by their labels and the template's column count"
        )
    if "\xa0" in text and len(_GLUED_ROW_ANY.findall(text)) >= 3:
        return JOINED_WEB_TEXT
    if lines.count("\xa0") >= 3 and sum(1 for x in lines if _VALUE_LINE.match(x)) >= 10:
        return LINED_WEB_TEXT
    return None


# a row label glued to its values, which end the line or meet a no-break space: a page's
# table cells run together ("（一）予以公开96535715\xa0461931576")
_GLUED_ROW = re.compile(r"[\u4e00-\u9fff）)”][\d\xa0]*\d(?:\xa0|\s*$)")
# (over the whole text, $ at each line's end: \s* may reach past a line break, but never
# into the next match, which starts with no space, so the count is the lines' count)
_GLUED_ROW_ANY = re.compile(_GLUED_ROW.pattern, re.M)
JOINED_WEB_TEXT = (
    "text recognised as a page's text with no separator between cells (as BeautifulSoup's "
    "get_text() makes): digits of neighbouring cells run together, an empty cell left a no-break "
    "space or nothing, and a row may end in the next row's empty label cells"
)


LINED_WEB_TEXT = (
    "text recognised as a page's text with a line break between text nodes (as BeautifulSoup's "
    "get_text('\\n') makes): a value alone on its line is one cell, an empty cell left a no-break "
    "space alone on its line or nothing, and a row may end in the next row's empty label cells"
)


# a line of a table as pdftotext -layout prints it: three values or more, each set off by
# two spaces or more (columns kept by position), after an optional label
_LAYOUT_ROW = re.compile(r"^[^\t|]*?(?:[ \u3000]{2,}[+\-]?\d[\d,.]*){3,}[ \u3000]*$")


def pdf_tool_pattern(text: str) -> str | None:
    """The PDF-to-text tool whose output `text` looks like: page ends marked by form feeds
    (pdftotext, pdfminer) and table rows kept in columns by spaces ("pdftotext -layout"),
    or not ("reading order": a table comes out column by column, or its labels apart
    from its values). None for text no PDF tool is recognised in."""
    if "\f" not in text:
        return None
    rows = sum(1 for line in text.split("\n") if _LAYOUT_ROW.match(line))
    return "pdftotext -layout" if rows >= 3 else "reading order"


PDF_TEXT_WARNINGS = {
    "pdftotext -layout": (
        "PDF_TEXT_LAYOUT",
        "the text looks like pdftotext -layout output (a PDF's pages, table "
        "rows kept in columns by spaces): a row's values may stand between the lines of its "
        "wrapped label and are read as that row's",
    ),
    "reading order": (
        "PDF_TEXT_READING_ORDER",
        "the text looks like a PDF's text in reading order (pdftotext "
        "without -layout, pdfminer: pages ended by form feeds, no columns): its tables may come "
        "out column by column, so a table's values are stated only where its identities confirm them",
    ),
}


# The Location of each line, made once per process and shared by the documents read (a
# Location is an immutable value): lines 0 .. len - 1, up to _LINE_LOCATIONS_KEPT lines.
_LINE_LOCATIONS: list[Location] = []
_LINE_LOCATIONS_KEPT = 1 << 14


def _line_locations(n: int) -> list[Location]:
    """The kept Locations, of lines 0 .. n at least where n is under the cap (never
    extended in place: a thread reading the list sees a whole one)."""
    global _LINE_LOCATIONS
    kept = _LINE_LOCATIONS
    upto = min(n, _LINE_LOCATIONS_KEPT) + 1
    if len(kept) < upto:
        kept = _LINE_LOCATIONS = kept + [_new(Location, (i, None, None)) for i in range(len(kept), upto)]
    return kept


def read_text(data: bytes) -> Document:
    text, warnings = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pattern = pdf_tool_pattern(text)
    if pattern is not None:
        warnings.append(Warning(*PDF_TEXT_WARNINGS[pattern]))
    if "&nbsp;" in text:  # a page's text saved without decoding its entities
        text = text.replace("&nbsp;", "\xa0")
    lines = text.split("\n")
    header, body_start = _split_header(lines)
    blocks: list[Block] = []
    body = "\n".join(lines[body_start:])
    blanks = _blank_cells(lines, body_start, body)
    page_numbers = _page_numbers(lines, body_start, body)
    html2text = "---" in body and _H2T_RULE_ANY.search(body) is not None  # (a rule is three dashes at least)
    flattening = _flattening(lines[body_start:], html2text, body)
    if flattening:
        warnings.append(Warning("FLATTENING", flattening))
    # (the lines are matched with markdown bold taken out, so the text is searched so too)
    bold = "**" in text
    any_skipped = _SKIPPED_ANY.search("\n" + (text.replace("**", "") if bold else text)) is not None
    pending_blank = False
    last_para: str | None = None  # the last block's text where it is a paragraph
    append = blocks.append
    locations = _line_locations(len(lines))
    kept = len(locations)
    for n in range(body_start, len(lines)):
        line = lines[n]
        if not line:  # (most empty lines: one-cell-per-line text has hundreds)
            pending_blank = True
            continue
        if bold and "**" in line:
            line = line.replace("**", "")
        right = line.rstrip()  # (empty where line.strip() is: the paragraph's text below)
        if not right:
            if "\xa0" in line:  # a no-break space alone: an empty table cell of a web page
                loc = locations[n + 1] if n + 1 < kept else _new(Location, (n + 1, None, None))
                append(Block("para", (Cell("", loc),)))
                pending_blank, last_para = False, ""
            else:
                pending_blank = True
            continue
        loc = locations[n + 1] if n + 1 < kept else _new(Location, (n + 1, None, None))
        if blanks and blanks.get(n):
            for _ in range(blanks[n]):
                append(para("", loc))
            last_para = ""
        if (any_skipped and _SKIPPED.match(line)) or n in page_numbers:
            continue
        cells = _cells_of(line, html2text) if "\t" in line or "|" in line else None
        if cells is not None:
            append(_new(Block, ("row", tuple([_new(Cell, (c, loc, 1, 1)) for c in cells]), None)))
            last_para = None
        elif pending_blank and last_para is not None and len(last_para) >= 60 and _joinable(last_para, line):
            head = last_para.rstrip()
            tail = line.lstrip()
            if head[-1] == tail[0]:  # a character repeated across the page join
                tail = tail[1:]
            last_para = head + tail
            blocks[-1] = Block("para", (Cell(last_para, blocks[-1].loc),))
        else:
            last_para = right
            append(_new(Block, ("para", (_new(Cell, (last_para, loc, 1, 1)),), None)))
        pending_blank = False
    return Document(tuple(blocks), "text", tuple(header), tuple(warnings))
