"""HTML report pages, fragments, Hanweb datastores and MHT archives -> Document.

Decoding: BOM; the HTTP header charset (`charset` argument), then <meta charset> /
<meta http-equiv content-type>; then strict UTF-8 and strict GB18030 (gb2312/gbk are read as
GB18030). One deliberate exception: bytes that are valid UTF-8 with non-ASCII characters are
read as UTF-8 even when a GB charset is declared, because GBK text is practically never valid
UTF-8 while UTF-8 text often decodes "strictly" as GB18030 mojibake. Then a declared charset
with a handful of bad bytes, then charset-normalizer if installed, else UTF-8 with replacement
and Warning("UNKNOWN_ENCODING").

The article body: a fragment without <html>/<body>/<head> is the body itself; otherwise the
CMS containers of portals.md (TRS, Hanweb, VSB, ...), longest text wins, then a text-density
descent from <body> that skips link-heavy blocks.

Blocks: paragraphs from block elements and <br>-separated lines; each data table row a row
block with one Cell per source cell (colspan/rowspan set, covered positions omitted).
Cell text: block pieces inside a cell are joined with "" when either side is CJK, else one
space; whitespace collapsed; &nbsp;-only cells are "".

Nested tables, the rule: a table is a LAYOUT table, read as flow (its cells become paragraphs
and the tables inside them get their own numbers), when
  (a) some table inside it has two or more cells of its own, or
  (b) no row has more than one cell (a one-column box), or
  (c) some cell holds more than 300 characters (an article in a cell, not a data cell).
Otherwise it is a DATA table; a table of at most one cell inside a data cell is a wrapper
and its text becomes part of the cell text.
Tables drawn with spaces or box characters inside <pre> become rows split on 2+ spaces
(or on │ | when present).

Lines: every start tag gets its source line (in the decoded text) before parsing; a block's
line is the line of the element its first text came after.

Speed (benchmarks/parse_forms.py --only html): most of a page's nodes are table cells and
paragraphs, so the per-node Python work is what costs. The tree is walked once, from a node
to its first child and next sibling (one node object per node), nodes told apart by lexbor's
tag ids; an element's attributes (its line) are read only when a text or a cell needs them;
a data table's cells are read in one pass and made as the finished rows; the whole-page
queries lexbor answers by trying every selector on every element are asked only where the
page can match them (its class, id and name values, the names of its start tags, its <meta>
elements read once). The lines of the tags are a regex split and C-level list work, not a
loop; the line as the attribute's value lets the cells of one source line share one lookup.
Where the time goes (generated pages, 2026-12): about a tenth of read_html is lexbor's
parse, a fifth the line attributes (finding the tags, and lexbor storing one attribute more
per element), a third the table cells (a third of that their node and attribute reads, the
rest the Python around them). Tried without gain: one query for the page-level lookups
(lexbor's cost is elements x selectors, grouped or not), finding the tags in the UTF-8
bytes (CJK text is longer there), LexborAttributes lookups instead of the attribute dict.
The module is one of the compiled twins (parsers/twins.py): read_html about 5 % faster.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from html import unescape
from itertools import accumulate, repeat
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..document import Block, Cell, Document, Location, Warning, para
from ..rowloops import new as _new_tuple
from . import UnsupportedInput
from .grid import MAX_COLSPAN, MAX_ROWSPAN, RawCell, finish_table, span_value
from .sniff import is_mht
from .text import PAGE_FOOTER

ATTR = "data-xxgk-n"  # the source line of the start tag
PRE_ATTR = "data-xxgk-i"  # the number of a <pre> start tag among the start tags
MAX_DEPTH = 20000  # estimated element nesting above which the page is read as tag-stripped text
MAX_TABLE_DEPTH = 30  # nested tables deeper than this are read as plain text
LAYOUT_CELL_CHARS = 300

# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,600}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_GB = {
    "gb2312",
    "gbk",
    "x-gbk",
    "gb_2312-80",
    "gb_2312",
    "cp936",
    "936",
    "euc-cn",
    "csgb2312",
    "gb18030",
    "x-euc-cn",
    "ms936",
    "windows-936",
}


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().strip("\"'").lower()
    if n in _GB:
        return "gb18030"
    if n in ("utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"):
        return "utf-8"
    if n in ("unicode", "utf-16", "ucs-2"):  # Word's "charset=unicode": only meaningful with a BOM
        return None
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:16384])
    return m.group(1).decode("ascii", "replace") if m else None


def decode_html(data: bytes, charset: str | None = None) -> tuple[str, list[Warning]]:
    warnings: list[Warning] = []
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), warnings
    declared: list[str] = []
    for raw in (charset, meta_charset(data)):
        enc = _norm_charset(raw)
        if not enc or enc in declared:
            continue
        if enc in ("iso8859-1", "ascii", "cp1252") and not data.isascii():
            warnings.append(
                Warning("CHARSET_MISMATCH", f"declared charset {raw!r} ignored: the page has non-ASCII bytes")
            )
            continue
        declared.append(enc)
    has_high = not data.isascii()
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and has_high:
        if declared and declared[0] not in ("utf-8",):
            warnings.append(
                Warning(
                    "CHARSET_MISMATCH", f"declared charset {declared[0]} but the bytes are valid UTF-8; read as UTF-8"
                )
            )
        return utf8, warnings
    for enc in declared:
        try:
            return data.decode(enc), warnings
        except (UnicodeDecodeError, LookupError):
            warnings.append(Warning("CHARSET_MISMATCH", f"declared charset {enc} does not decode the page"))
    if utf8 is not None:
        return utf8, warnings
    try:
        return data.decode("gb18030"), warnings
    except UnicodeDecodeError:
        pass
    # A few bad bytes (a cut-off page, one stray byte) under a plausible charset.
    limit = max(2, len(data) // 1000)
    for enc in declared + ["utf-8", "gb18030"]:
        try:
            text = data.decode(enc, errors="replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if bad <= limit:
            warnings.append(Warning("DECODE_ERRORS", f"{bad} undecodable byte sequence(s) under {enc} were replaced"))
            return text, warnings
    try:
        from charset_normalizer import from_bytes  # optional
    except ImportError:
        from_bytes = None
    if from_bytes is not None:
        best = from_bytes(data).best()
        if best is not None:
            warnings.append(Warning("GUESSED_ENCODING", f"encoding guessed as {best.encoding} by charset-normalizer"))
            return str(best), warnings
    warnings.append(Warning("UNKNOWN_ENCODING", "page is neither UTF-8 nor GB18030; undecodable bytes were replaced"))
    return data.decode("utf-8", errors="replace"), warnings


def _mht_html(data: bytes) -> tuple[bytes, str | None] | None:
    """The HTML part of an MHT ("web archive", also served as .doc by Word) file."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload, part.get_content_charset()
    return None


# --------------------------------------------------------------------------- preprocessing

_START_TAG = re.compile(r"(<[A-Za-z][A-Za-z0-9:_-]*)(?=[\s/>])")
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "basefont",
    "bgsound",
    "frame",
    "keygen",
    "isindex",
    "nextid",
    "spacer",
}
_IMPLIED_END = {
    "p",
    "li",
    "dt",
    "dd",
    "tr",
    "td",
    "th",
    "option",
    "optgroup",
    "tbody",
    "thead",
    "tfoot",
    "colgroup",
    "rb",
    "rt",
    "rtc",
    "rp",
    "html",
    "head",
    "body",
}


def nesting_depth(text: str, stop_at: int = MAX_DEPTH) -> int:
    """Estimated element nesting (tags with implied ends do not count); stops early past stop_at."""
    depth = best = 0
    for m in _ANY_TAG.finditer(text):
        name = m.group(2).lower()
        if name in _VOID or name in _IMPLIED_END or m.group(3):
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > best:
                best = depth
                if best > stop_at:
                    break
    return best


class _Tags(NamedTuple):
    """The start tags of the source, in order, with the source around them (to find a
    tag's offset, which only <pre> asks for)."""

    texts: list[str]  # the source before tag i (texts[i]) and after the last one
    names: list[str]  # "<name" of tag i

    def offset(self, i: int) -> int:
        """Where tag `i` (one that exists) starts in the source."""
        return sum(map(len, self.texts[: i + 1])) + sum(map(len, self.names[:i]))


def _inject_lines(text: str) -> tuple[str, _Tags]:
    """Give every start tag an attribute with its source line (and a <pre> one more with
    its number, for _Tags.offset); return the new text and where each tag stands in
    `text`. The work is done by C-level calls (one regex split, list slicing, str.count
    mapped over the pieces, the attribute strings of the lines looked up at once): a page
    has hundreds of tags. The line itself as the value, rather than the tag's number, lets
    the cells of one line share one lookup (see _Reader._read_cells)."""
    parts = _START_TAG.split(text)
    texts = parts[0::2]
    names = parts[1::2]
    n = len(names)
    out: list[str | None] = [None] * (3 * n + 1)
    out[0::3] = texts
    if n:
        lines = list(accumulate(map(str.count, texts[:n], repeat("\n")), initial=1))
        del lines[0]  # tag i's line: 1 + the newlines in texts[0..i]
        out[1::3] = names
        out[2::3] = _line_attrs(lines)
        pres = [name for name in set(names) if name.lower() == "<pre"]
        if pres:
            for i, name in enumerate(names):
                if name in pres:
                    out[3 * i + 2] += f' {PRE_ATTR}="{i}"'
    return "".join(out), _Tags(texts, names)


_LINE_ATTRS: list[str] = [""]
_LINE_ATTRS_KEPT = 1 << 14  # the strings of the first lines are made once per process


def _line_attrs(lines: list[int]) -> list[str]:
    """The injected attribute (' data-xxgk-n="12"') of each line in `lines` (non-empty,
    ascending)."""
    global _LINE_ATTRS
    kept = _LINE_ATTRS  # never extended in place: a thread reading it sees a whole list
    last = lines[-1]
    if len(kept) <= min(last, _LINE_ATTRS_KEPT):
        upto = min(last, _LINE_ATTRS_KEPT) + 1
        kept = _LINE_ATTRS = kept + [f' {ATTR}="{i}"' for i in range(len(kept), upto)]
    if last >= len(kept):
        kept = kept + [f' {ATTR}="{i}"' for i in range(len(kept), last + 1)]
    return list(map(kept.__getitem__, lines))


_DATASTORE = re.compile(r"(?:<script\b[^>]*>\s*)?<datastore\b.*?</datastore\s*>(?:\s*</script\s*>)?", re.S | re.I)
_RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record\s*>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup\b.*?</nextgroup\s*>", re.S | re.I)


# "<datastore" or "<record" in any letter case: what text.lower() would show (no other
# character lowers to one of these ASCII letters), without lowering the whole page
_DATASTORE_TAG = re.compile(r"<(?:[dD][aA][tT][aA][sS][tT][oO][rR][eE]|[rR][eE][cC][oO][rR][dD])")
_DATASTORE_HINT = re.compile(r"<[dDrR][aAeE][tTcC][aAoO]")  # what both begin with: half the cost to rule out


def _unwrap_datastore(text: str) -> str:
    """Hanweb <datastore><recordset><record><![CDATA[html]]></record>... -> the records' HTML."""
    if not _DATASTORE_HINT.search(text) or not _DATASTORE_TAG.search(text):
        return text

    def records(seg: str) -> str:
        seg = _NEXTGROUP.sub("", seg)
        parts = [(m.group(1) if m.group(1) is not None else m.group(2)) for m in _RECORD.finditer(seg)]
        return "".join(f"<div>{p}</div>" for p in parts)

    text = _DATASTORE.sub(lambda m: records(m.group(0)), text)
    if "<record" in text.lower():
        text = _RECORD.sub(lambda m: f"<div>{m.group(1) if m.group(1) is not None else m.group(2)}</div>", text)
        text = re.sub(r"</?(?:recordset|totalrecord|totalpage|nextgroup)\b[^>]*>", "", text, flags=re.I)
    return text


# --------------------------------------------------------------------------- text helpers

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u201c\u201d\u2018\u2019\u2014\u2026"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_NL_RUN = re.compile(r"(?<=(.))[ \t\r\f\v\u00a0\u3000]*\n\s*(?=(.))", re.S)
_WS = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK_CHAR.match(ch))


def norm_text(s: str) -> str:
    """Collapse whitespace: a line break next to CJK text disappears (source wrapping), any
    other run of whitespace (including &nbsp; and full-width spaces) becomes one space."""
    if s.isprintable() and " " not in s:
        # no whitespace, no invisible character (they are not printable; most cells and
        # many lines): nothing to do
        return s
    s = _INVISIBLE.sub("", s)
    if "\n" in s:
        s = _NL_RUN.sub(lambda m: "" if is_cjk(m.group(1)) or is_cjk(m.group(2)) else " ", s)
    # _WS.sub(" ", s).strip() in one C call: str.split() cuts at the characters \s matches
    return " ".join(s.split())


def join_pieces(pieces: list[str]) -> str:
    """Join the block pieces of one cell: "" next to CJK, else one space."""
    out = ""
    for p in pieces:
        if not p:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(p[0])):
            out += " "
        out += p
    return out


# --------------------------------------------------------------------------- structure

SKIP = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "svg",
    "math",
    "select",
    "option",
    "button",
    "input",
    "textarea",
    "map",
    "area",
    "audio",
    "video",
    "canvas",
    "head",
    "title",
    "meta",
    "link",
    "base",
    "nav",
    "applet",
    "param",
    "datalist",
}
BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "blockquote",
    "center",
    "address",
    "header",
    "footer",
    "main",
    "aside",
    "form",
    "fieldset",
    "figure",
    "figcaption",
    "hr",
    "caption",
    "legend",
    "details",
    "summary",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "pre",
    "body",
    "html",
    "dir",
    "menu",
    "listing",
    "xmp",
    "plaintext",
    "marquee",
}

CMS_SELECTORS = (
    ".TRS_Editor",
    ".trs_editor_view",
    ".TRS_UEDITOR",
    "#UCAP-CONTENT",
    "#td_DocContent",
    "#zoom",
    "#Zoom",
    "#vsb_content",
    "[id^=vsb_content_]",
    ".v_news_content",
    "form[name=_newscontent_fromname]",
    ".article-content",
    ".ewb-article-detail",
    ".pages_content",
    ".xl_content",
    "#xxgk_content",
    ".zwgk_content",
    ".bt_content",
    ".news_content",
    ".article_content",
    "#article_content",
    ".detail-content",
    ".detail_content",
)
GENERIC_SELECTORS = (".content", "#content", "article", "main")

_RULE_LINE = re.compile(r"^[\s\-─━=+┼┬┴├┤┌┐└┘│|┃┏┓┗┛┣┫┳┻╋═║╔╗╚╝╠╣╦╩╬_]+$")
_PRE_SPLIT = re.compile(r"(?:[ \t\u00a0]{2,}|\t|\u3000)+")
_BOX_SPLIT = re.compile(r"[│|┃║]")


def _node_id(node: LexborNode) -> int:
    return node.mem_id


# The walks below tell nodes apart by lexbor's tag id, one C call, rather than by name
# (`node.tag` makes a string) or by is_text_node/is_element_node. Ids 0..5 are lexbor's
# special nodes (text 2, comment 4, doctype 5); every element's id is above. A name the
# HTML standard knows has the same id in every document; a made-up name (<o:p>) gets an id
# of its own document, which can be in none of the sets here, as its name is in none of the
# name sets.
_TEXT = 2
_LAST_SPECIAL = 5


_ID_DOCS = (LexborHTMLParser(""), LexborHTMLParser("<x-y></x-y>"))  # two documents to ask


def _tag_ids(*names: str) -> frozenset[int]:
    ids = [_ID_DOCS[0].create_node(n).tag_id for n in names]
    again = [_ID_DOCS[1].create_node(n).tag_id for n in reversed(names)][::-1]
    if ids != again:  # a name lexbor does not know: its id would differ by document
        raise RuntimeError(f"lexbor has no fixed tag id for some of {names}")
    return frozenset(ids)


SKIP_IDS = _tag_ids(*sorted(SKIP))
BLOCK_IDS = _tag_ids(*sorted(BLOCK))
(_BR,) = _tag_ids("br")
(_IMG,) = _tag_ids("img")
(_TABLE,) = _tag_ids("table")
(_PRE,) = _tag_ids("pre")
(_TR,) = _tag_ids("tr")
(_CAPTION,) = _tag_ids("caption")
(_META,) = _tag_ids("meta")
_CELL_IDS = _tag_ids("td", "th")
_ROW_GROUP_IDS = _tag_ids("tbody", "thead", "tfoot")
_TABLE_PART_IDS = _tag_ids("table", "tbody", "thead", "tr")


def _own_rows(table: LexborNode) -> tuple[list[tuple[LexborNode, list[LexborNode]]], list[LexborNode]]:
    """The rows of `table` itself (not of tables inside it) with their cells, and its captions."""
    rows: list[tuple[LexborNode, list[LexborNode]]] = []
    captions: list[LexborNode] = []
    child = table.first_child
    while child is not None:
        tid = child.tag_id
        if tid == _TR:
            rows.append((child, _cells(child)))
        elif tid in _ROW_GROUP_IDS:
            tr = child.first_child
            while tr is not None:
                if tr.tag_id == _TR:
                    rows.append((tr, _cells(tr)))
                tr = tr.next
        elif tid == _CAPTION:
            captions.append(child)
        child = child.next
    return rows, captions


def _cells(tr: LexborNode) -> list[LexborNode]:
    cells: list[LexborNode] = []
    c = tr.first_child
    while c is not None:
        if c.tag_id in _CELL_IDS:
            cells.append(c)
        c = c.next
    return cells


# Cell(...) and Cell._make go through Python-level functions that end in tuple.__new__; a
# table's cells and rows are made by calling it directly (rowloops.new: in C where built)


class _Walk(NamedTuple):
    """A data cell that is more than one text, its text still to be read (cell_text)."""

    row: list[Cell | None]  # its row, where it stands at `index`
    index: int
    node: LexborNode
    loc: Location
    colspan: int
    rowspan: int


class _ReadTable(NamedTuple):
    """A table's cells as _Reader._read_cells reads them."""

    rows: list[list[Cell | None]]  # None where a _Walk is to be read
    walks: list[_Walk]
    long: list[LexborNode]  # cells of one text longer than LAYOUT_CELL_CHARS


class _Reader:
    """Blocks of one page, in document order. The walks go from a node to its first child
    and next sibling: one node object made per node visited, no lists of children."""

    def __init__(self, tags: _Tags, source: str, tree: LexborHTMLParser):
        self.tags = tags
        self.source = source
        self.tree = tree
        self._nested: bool | None = None  # whether the page has a table inside a table
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.buf_line: int | None = None
        self._cur_line: int | None = None
        # elements entered since the current line was last settled: the current line is
        # the line of the last of them that has one, looked up only when a text or a table
        # needs it (an element's attributes are the costliest thing read of it)
        self.pending: list[LexborNode] = []
        self.locs: dict[int | None, Location] = {}
        self.value_locs: dict[str, Location] = {}  # a digit value of ATTR -> its Location
        self.ntables = 0
        self.images = 0

    # -- lines
    def line_of(self, node: LexborNode) -> int | None:
        return self._line(node.attributes)

    def _line(self, attrs: dict | None) -> int | None:
        v = attrs.get(ATTR) if attrs else None
        if v is not None and v.isdigit():
            return int(v)
        return None

    @property
    def cur_line(self) -> int | None:
        """The line of the last element entered that has one (or the line last set)."""
        pending = self.pending
        while pending:
            line = self.line_of(pending.pop())
            if line is not None:
                self._cur_line = line
                break
        pending.clear()
        return self._cur_line

    @cur_line.setter
    def cur_line(self, line: int | None) -> None:
        self.pending.clear()
        self._cur_line = line

    # -- paragraphs
    def add_text(self, s: str | None) -> None:
        if not s:
            return
        if self.buf_line is None and s.strip():
            self.buf_line = self.cur_line
        self.buf.append(s)

    def flush(self) -> None:
        if not self.buf:  # then buf_line is None too (it is set with the first text)
            return
        text = norm_text("".join(self.buf))
        # a paragraph that is only a page footer (pages converted from Word or PDF, a CMS's
        # 第1页 共3页) is no content: between two parts of a table it would join their rows
        if text and not PAGE_FOOTER.match(text):
            self.blocks.append(para(text, self.location(self.buf_line)))
        self.buf = []
        self.buf_line = None

    def location(self, line: int | None) -> Location:
        """The Location of `line`, one per line of the page."""
        loc = self.locs.get(line)
        if loc is None:
            loc = self.locs[line] = Location(line=line)
        return loc

    # -- flow content
    def flow(self, root: LexborNode, depth: int = 0, tables: bool = True) -> None:
        # `stack` holds the elements whose children are being read, each followed by None
        # when it is a block (its end flushes the paragraph)
        stack: list[LexborNode | None] = []
        pending = self.pending
        node = root.first_child
        while True:
            if node is None:
                if not stack:
                    break
                node = stack.pop()
                if node is None:
                    if self.buf:  # (flush, when there is something to flush)
                        self.flush()
                    node = stack.pop()
                node = node.next
                continue
            tid = node.tag_id
            if tid == _TEXT:
                s = node.text_content
                if s:  # add_text, written out
                    if self.buf_line is not None:
                        self.buf.append(s)
                    elif s.strip():
                        self.buf_line = self.cur_line
                        self.buf.append(s)
                    elif self.buf:
                        self.buf.append(s)
                    # else whitespace before a paragraph's first text (between blocks):
                    # norm_text would strip it, and an empty buffer makes no paragraph
                node = node.next
                continue
            if tid <= _LAST_SPECIAL:
                node = node.next
                continue
            pending.append(node)
            if tid in SKIP_IDS:
                pass
            elif tid == _BR:
                self.flush()
            elif tid == _IMG:
                self.images += 1
            elif tid == _TABLE and tables:
                self.flush()
                self.table(node, depth)
            elif tid == _PRE:
                self.flush()
                self.pre(node)
            else:
                stack.append(node)
                if tid in BLOCK_IDS:
                    if self.buf:
                        self.flush()
                    stack.append(None)
                node = node.first_child
                continue
            node = node.next
        self.flush()

    # -- tables
    def table(self, node: LexborNode, depth: int) -> None:
        rows, captions = _own_rows(node)
        if depth >= MAX_TABLE_DEPTH:
            self.flow(node, depth, tables=False)
            return
        for cap in captions:
            self.cur_line = self.line_of(cap) or self.cur_line
            self.add_text(cell_text(cap))
            self.flush()
        if not rows:
            return
        # rule (b): a one-column box; else the cells are read as data, and thrown away
        # when rule (a) or (c) makes it a layout table after all (they are few then)
        if max(len(cells) for _, cells in rows) <= 1:
            self._layout(rows, depth)
            return
        read = self._read_cells(rows)
        if self._is_layout(node, captions, read):
            self._layout(rows, depth)
            return
        self.blocks.extend(self._data_rows(read))
        self.ntables += 1

    def _layout(self, rows, depth: int) -> None:
        """A layout table's cells, read as flow."""
        for tr, cells in rows:
            for c in cells:
                self.cur_line = self.line_of(c) or self.line_of(tr) or self.cur_line
                self.flow(c, depth + 1)

    def _is_layout(self, table: LexborNode, captions: list[LexborNode], read: _ReadTable) -> bool:
        """Rules (a) and (c) of the module docstring."""
        # A table inside this one stands in a cell or a caption (the parser puts nothing
        # else that holds content into a table). A cell of one text holds no table with
        # cells: only when some cell is more, or there is a caption, is the subtree searched.
        if (read.walks or captions) and self._has_inner_grid(table):
            return True
        # a cell of one text is no longer stripped than that text
        cells = [w.node for w in read.walks] + read.long
        return any(len(c.text(strip=True)) > LAYOUT_CELL_CHARS for c in cells)

    def _has_inner_grid(self, table: LexborNode) -> bool:
        """Whether some table inside `table` has two or more cells of its own."""
        if self._nested is None:  # one question of the whole page spares one of each table
            self._nested = self.tree.css_first("table table") is not None
        if not self._nested:
            return False
        me = _node_id(table)
        for inner in table.css("table"):
            if _node_id(inner) == me:
                continue
            inner_rows, _ = _own_rows(inner)
            if sum(len(c) for _, c in inner_rows) >= 2:
                return True
        return False

    def _read_cells(self, rows) -> _ReadTable:
        """The cells of a table's rows as a data table has them: each cell's text, line (its
        row's where the cell has none) and spans (rowspan="0": to the last row), spans
        clamped as finish_table clamps them. The cells of a page are most of its nodes: the
        line lookup and the one-text case are written out here; a cell that is more than
        one text is left as a _Walk, read once the table is known to be a data table."""
        n = len(rows)
        value_locs = self.value_locs
        out: list[list[Cell | None]] = []
        walks: list[_Walk] = []
        long: list[LexborNode] = []
        for r, (tr, cells) in enumerate(rows):
            tr_line: int | None = None
            left = n - r
            row: list[Cell | None] = []
            for c in cells:
                # _only_text, written out
                t = None
                child = c.first_child
                if child is not None and child.next is None:
                    tid = child.tag_id
                    if tid == _TEXT:
                        t = child.text_content
                    elif tid > _LAST_SPECIAL and tid not in SKIP_IDS:
                        inner = child.first_child
                        if inner is not None and inner.next is None and inner.tag_id == _TEXT:
                            t = inner.text_content
                attrs = c.attributes
                v = attrs.get(ATTR)
                loc = value_locs.get(v)  # (the cells of one source line share their value)
                if loc is None:
                    if v is not None and v.isdigit():
                        loc = value_locs[v] = self.location(int(v))
                    else:
                        loc = self.location(tr_line := tr_line or self.line_of(tr))
                if len(attrs) == 1 and v is not None:  # no other attribute: no spans
                    rs = cs = 1
                else:
                    rs = attrs.get("rowspan")
                    rs = 1 if rs is None else left if rs.strip() == "0" else min(span_value(rs, MAX_ROWSPAN), left)
                    cs = attrs.get("colspan")
                    cs = 1 if cs is None else span_value(cs, MAX_COLSPAN)
                if t is None:
                    walks.append(_Walk(row, len(row), c, loc, cs, rs))
                    row.append(None)
                    continue
                if len(t) > LAYOUT_CELL_CHARS:
                    long.append(c)
                if not (t.isprintable() and " " not in t):  # norm_text's own shortcut, without the call
                    t = norm_text(t)
                row.append(_new_tuple(Cell, (t, loc, cs, rs)))
            out.append(row)
        return _ReadTable(out, walks, long)

    def _data_rows(self, read: _ReadTable) -> list[Block]:
        """The row blocks of a data table read by _read_cells; finish_table drops the rows
        that have no cell of their own."""
        for w in read.walks:
            w.row[w.index] = _new_tuple(Cell, (_cell_walk(w.node), w.loc, w.colspan, w.rowspan))
        if all(read.rows):
            return [_new_tuple(Block, ("row", tuple(row), self.ntables)) for row in read.rows]
        raw = [[RawCell(c.text, c.loc.line, c.colspan, c.rowspan) for c in row] for row in read.rows]
        return finish_table(raw, self.ntables)

    def pre(self, node: LexborNode) -> None:
        start = self.line_of(node) or self.cur_line or 1
        v = node.attributes.get(PRE_ATTR)
        if v is not None and v.isdigit() and int(v) < len(self.tags.names):
            end = self.source.find(">", self.tags.offset(int(v)))
            if end >= 0 and self.source[end + 1 : end + 2] == "\n":
                start += 1
        text = node.text(deep=True)
        run: list[list[RawCell]] = []

        def end_run() -> None:
            if run:
                self.blocks.extend(finish_table(run[:], self.ntables))
                self.ntables += 1
                run.clear()

        for i, raw_line in enumerate(text.split("\n")):
            line = _INVISIBLE.sub("", raw_line).rstrip()
            if not line.strip() or _RULE_LINE.match(line):
                continue
            s = line.strip()
            if _BOX_SPLIT.search(s):
                cells = [c.strip() for c in _BOX_SPLIT.split(s.strip("│|┃║ "))]
            else:
                cells = [c for c in _PRE_SPLIT.split(s) if c]
            if len(cells) >= 2:
                run.append([RawCell(norm_text(c), start + i) for c in cells])
            else:
                end_run()
                self.blocks.append(para(norm_text(s), Location(line=start + i)))
        end_run()


def cell_text(cell: LexborNode) -> str:
    """Text of a data cell: block pieces joined (see join_pieces), <br> splits pieces."""
    only = _only_text(cell)
    if only is not None:
        return norm_text(only) if only else ""
    return _cell_walk(cell)


def _cell_walk(cell: LexborNode) -> str:
    """cell_text of a cell that is more than one text (see _only_text)."""
    pieces: list[str] = []
    cur: list[str] = []
    stack: list[LexborNode | None] = []  # as in _Reader.flow

    def cut() -> None:
        if cur:
            pieces.append(norm_text("".join(cur)))
            cur.clear()

    node = cell.first_child
    while True:
        if node is None:
            if not stack:
                break
            node = stack.pop()
            if node is None:
                cut()
                node = stack.pop()
            node = node.next
            continue
        tid = node.tag_id
        if tid == _TEXT:
            t = node.text_content
            if t:
                cur.append(t)
        elif tid == _BR:
            cut()
        elif tid > _LAST_SPECIAL and tid not in SKIP_IDS:
            stack.append(node)
            if tid in BLOCK_IDS:
                cut()
                stack.append(None)
            node = node.first_child
            continue
        node = node.next
    cut()
    return join_pieces(pieces)


def _only_text(cell: LexborNode) -> str | None:
    """The text of a cell that holds one text node, alone or as the only content of its only
    child element (<td>12</td>, <td><p>12</p></td>, <td><span>12</span></td>), as most data
    cells do; None for any other cell. Such a cell is one piece: its text, whitespace
    collapsed (what the walk in cell_text makes of it)."""
    child = cell.first_child
    if child is None or child.next is not None:
        return None
    tid = child.tag_id
    if tid == _TEXT:
        return child.text_content
    if tid <= _LAST_SPECIAL or tid in SKIP_IDS:
        return None
    inner = child.first_child
    if inner is None or inner.next is not None or inner.tag_id != _TEXT:
        return None
    return inner.text_content


# --------------------------------------------------------------------------- page level


def _text_len(node: LexborNode) -> int:
    return len(_no_space(node.text()))


def _no_space(s: str) -> str:
    """`s` without whitespace: _WS.sub("", s), in one C call (str.split() splits at the
    characters regex \\s matches, both being str.isspace)."""
    return "".join(s.split())


def _score(node: LexborNode) -> int:
    links = sum(_text_len(a) for a in node.css("a"))
    return _text_len(node) - links


_CONTAINERS = {
    "div",
    "section",
    "article",
    "main",
    "center",
    "form",
    "table",
    "tbody",
    "thead",
    "tr",
    "font",
    "span",
    "blockquote",
    "dd",
    "td",
}
_CONTAINER_IDS = _tag_ids(*sorted(_CONTAINERS))


def _has_data_table(node: LexborNode) -> bool:
    return node.css_first("td + td, th + td, td + th") is not None


def _density_container(body: LexborNode) -> LexborNode:
    """Descend from <body> into the child holding most (60%) of the non-link text, as long as
    no text-bearing sibling left behind has a multi-column table (the report's tables).
    A node's score is asked of lexbor once (the chosen child's is the next step's total)."""
    scores: dict[int, int] = {}

    def score(n: LexborNode) -> int:
        k = n.mem_id
        v = scores.get(k)
        if v is None:
            v = scores[k] = _score(n)
        return v

    node = body
    for _ in range(200):
        total = score(node)
        if total <= 0:
            break
        best = None
        children = [c for c in node.iter() if c.tag_id not in SKIP_IDS]
        for child in children:
            if child.tag_id in _CONTAINER_IDS and score(child) >= 0.6 * total:
                best = child
                break
        if best is None:
            break
        me = _node_id(best)
        if any(_node_id(c) != me and _has_data_table(c) and score(c) > 0 for c in children):
            break
        if best.tag_id in _TABLE_PART_IDS:
            table = best
            while table.tag_id != _TABLE and table.parent is not None:
                table = table.parent
            rows, _ = _own_rows(table)
            cell = None
            for _tr, cells in rows:
                for c in cells:
                    if score(c) >= 0.6 * total:
                        cell = c
            if cell is None:
                break
            if any(
                _node_id(c) != _node_id(cell) and _has_data_table(c) and score(c) > 0
                for _tr, cells in rows
                for c in cells
            ):
                break
            node = cell
        else:
            node = best
    return node


class _Page:
    """The parsed page with what the page-level lookups share: its <meta> elements, and the
    class, id and name attribute values of its elements (to tell which selectors of a group
    can match before asking lexbor, which tries every selector on every element), and the
    names of the start tags in its source (an element of a name no start tag has is made
    only for <html>, <head>, <body> and the table parts, so a query for any other name the
    source never opens is not asked)."""

    def __init__(self, tree: LexborHTMLParser, names: frozenset[str]):
        self.tree = tree
        self.names = names
        self._words: str | None = None
        self._metas: list[tuple[str, str | None, LexborNode]] | None = None
        self._headings: list[LexborNode] | None = None
        self._texts: dict[int, str] = {}

    def text(self, node: LexborNode) -> str:
        """node.text(), asked of lexbor once (the container's is asked twice)."""
        t = self._texts.get(node.mem_id)
        if t is None:
            t = self._texts[node.mem_id] = node.text()
        return t

    def words(self) -> str:
        """The class, id and name values, lowered, one per line."""
        if self._words is None:
            values: list[str] = []
            for node in self.tree.css("[class], [id], [name]"):
                attrs = node.attributes
                values.extend(v for v in (attrs.get("class"), attrs.get("id"), attrs.get("name")) if v)
            self._words = "\n".join(values).lower()
        return self._words

    def may_match(self, selector: str) -> bool:
        """False when no element can match `selector`: a class, id or [id^=]/[name=]
        selector whose word (the class, the id, the attribute's value) is in no class, id
        or name value, even ignoring case (as quirks mode does), or a tag selector whose
        name no start tag has. True for any other shape."""
        if _TAG_SELECTOR.match(selector):
            return selector in self.names
        if not _WORD_SELECTOR.match(selector):
            return True
        return _selector_word(selector) in self.words()

    def _ask_heads(self) -> None:
        """The <meta> elements and the h1, h2 and <title> ones, in one query (two lists)."""
        wanted = [n for n in ("meta", "h1", "h2", "title") if n in self.names]
        nodes = self.tree.css(", ".join(wanted)) if wanted else []
        self._metas = []
        self._headings = []
        for m in nodes:
            if m.tag_id != _META:
                self._headings.append(m)
                continue
            attrs = m.attributes
            name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
            self._metas.append((name, attrs.get("content"), m))

    def metas(self) -> list[tuple[str, str | None, LexborNode]]:
        """Each <meta>: its name (or property) lowered and stripped, its content, the node."""
        if self._metas is None:
            self._ask_heads()
        return self._metas

    def headings(self) -> list[LexborNode]:
        """The h1, h2 and <title> elements, in document order."""
        if self._headings is None:
            self._ask_heads()
        return self._headings


_WORD_SELECTOR = re.compile(r"(?:[.#][\w-]+|(?:[a-z]+)?\[(?:id\^?|name)=[\w-]+\])$")
_TAG_SELECTOR = re.compile(r"[a-z][a-z0-9]*$")


def _selector_word(selector: str) -> str:
    """'.TRS_Editor' -> 'trs_editor', '[id^=vsb_content_]' -> 'vsb_content_',
    'form[name=_newscontent_fromname]' -> '_newscontent_fromname'."""
    return re.findall(r"[\w-]+", selector)[-1].lower()


def _cms_container(page: _Page) -> LexborNode | None:
    cms = tuple(sel for sel in CMS_SELECTORS if page.may_match(sel))
    generic = tuple(sel for sel in GENERIC_SELECTORS if page.may_match(sel))
    for group in (cms, generic):
        found = _selected(page.tree, group) if group else []
        best = None
        best_len = 0
        for node in found:
            n = len(_no_space(page.text(node)))
            if n > best_len or (best is None and node.css_first("table, img") is not None):
                best, best_len = node, n
        if best is not None and (best_len > 0 or best.css_first("table") is not None):
            return best
    return None


def _selected(tree: LexborHTMLParser, group: tuple[str, ...]) -> list[LexborNode]:
    """The nodes each selector of `group` selects, selector by selector (a node may come
    twice). One query for the whole group first: a page matches one container or none, and
    then the order does not matter (one distinct node)."""
    try:
        nodes = tree.css(", ".join(group))
    except Exception:  # noqa: BLE001 - a selector lexbor does not support: one by one below
        nodes = None
    if nodes is not None and len(nodes) <= 1:
        return nodes
    found: list[LexborNode] = []
    for sel in group:
        try:
            found.extend(tree.css(sel))
        except Exception:  # noqa: BLE001 - a selector lexbor does not support
            continue
    return found


def _meta(page: _Page, *names: str) -> tuple[str, LexborNode] | None:
    wanted = {n.lower() for n in names}
    for name, content, m in page.metas():
        if name in wanted:
            content = norm_text(content or "")
            if content:
                return content, m
    return None


_REPORTISH = re.compile(r"报告|年报|报表")
_TITLE_SELECTORS = ("h1", ".title", "#title", "h2", "title")
_TITLE_TAGS = {"h1": _tag_ids("h1"), "h2": _tag_ids("h2"), "title": _tag_ids("title")}


def _title_nodes(page: _Page) -> list[tuple[str, list[LexborNode]]]:
    """Each of _TITLE_SELECTORS with the nodes it selects. Where no class or id says
    'title', the class and id selectors select nothing, and the three tag selectors are
    asked at once, their nodes told apart by tag."""
    if "title" in page.words():
        return [(sel, page.tree.css(sel)) for sel in _TITLE_SELECTORS]
    nodes = page.headings()
    return [
        (sel, [n for n in nodes if n.tag_id in _TITLE_TAGS[sel]] if sel in _TITLE_TAGS else [])
        for sel in _TITLE_SELECTORS
    ]


def _title(page: _Page) -> tuple[str, LexborNode, bool] | None:
    """The page's article title, where it was found, and whether it reads like a report
    title (only then is it also put before the body as a paragraph)."""
    candidates: list[tuple[str, LexborNode]] = []
    found = _meta(page, "ArticleTitle", "og:title", "title", "dc.title")
    if found:
        if _REPORTISH.search(found[0]):  # the first candidate: the one chosen whatever follows
            return found[0], found[1], True
        candidates.append(found)
    for sel, nodes in _title_nodes(page):
        for node in nodes[:20]:
            t = norm_text(node.text())
            if sel == "title" and t:
                t = re.split(r"\s*(?:[-_|－—]{1,2})\s*", t)[0]
            if 4 <= len(t) <= 200:
                candidates.append((t, node))
    for t, node in candidates:
        if _REPORTISH.search(t):
            return t, node, True
    meta_or_title = [c for c in candidates if c[1].tag in ("meta", "title")]
    if meta_or_title:
        return meta_or_title[0][0], meta_or_title[0][1], False
    return None


def _degraded(text: str, warnings: list[Warning], depth: int) -> Document:
    """Too deeply nested to build a tree: tags stripped, one paragraph per source line piece."""
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.I)
    blocks: list[Block] = []
    for n, line in enumerate(text.split("\n"), 1):
        for piece in re.split(r"<(?:br|/?p|/?div|/?tr|/?li|/?h[1-6]|/?table)\b[^>]*>", line, flags=re.I):
            s = norm_text(unescape(re.sub(r"<[^>]*>", "", piece)))
            if s:
                blocks.append(para(s, Location(line=n)))
    warnings.append(
        Warning("HTML_TOO_DEEP", f"element nesting of about {depth} levels; read as plain text without tables")
    )
    return Document(tuple(blocks), "html", (), tuple(warnings))


def _title_in(title: str, body: str) -> bool:
    """Whether the title, whitespace aside, is part of the body's text."""
    t = _no_space(title)
    # whitespace-free, the title found in the body as it is is found in it without whitespace
    return t in body or t in _no_space(body)


_STRIPPED = ("script", "style", "noscript", "template")  # elements whose text is no page text
_DOCUMENT_TAG = re.compile(r"<(?:html|body|head|frameset)[\s>]", re.I)


def _is_fragment(injected: str, names: frozenset[str]) -> bool:
    """Whether the page has none of <html>, <body>, <head>, <frameset>. The search is asked
    only when some start tag has one of these names, or may (a long s, U+017F, matches s
    ignoring case: "<frameſet " is found by the search and is no start tag of a name)."""
    if names.isdisjoint(("html", "body", "head", "frameset")) and "\u017f" not in injected:
        return True
    return _DOCUMENT_TAG.search(injected) is None


def html_to_document(text: str, warnings: list[Warning] | None = None) -> Document:
    """Decoded HTML -> Document (see the module docstring)."""
    warnings = list(warnings or [])
    if "\r" in text:  # (a scan for one character is much cheaper than a replace)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    # the nesting is at most the number of tags: only a page of that many is measured
    depth = nesting_depth(text) if text.count("<") > MAX_DEPTH else 0
    if depth > MAX_DEPTH:
        return _degraded(text, warnings, depth)
    injected, tags = _inject_lines(text)
    names = frozenset(n[1:].lower() for n in set(tags.names))  # the names of its start tags
    if _DATASTORE_HINT.search(text):  # (the source is shorter; the injection adds no "<")
        injected = _unwrap_datastore(injected)
    fragment = _is_fragment(injected, names)
    tree = LexborHTMLParser(injected)
    stripped = [n for n in _STRIPPED if n in names]
    if stripped:
        tree.strip_tags(stripped)
    body = tree.body
    if body is None:
        return Document((), "html", (), tuple(warnings + [Warning("NO_TEXT", "the page has no body")]))
    header: list[tuple[str, str]] = []
    page = _Page(tree, names)
    title = None if fragment else _title(page)
    if title:
        header.append(("标题", title[0]))
    if not fragment:
        for key, names in (
            ("发布时间", ("PubDate", "publishdate", "firstpublishedtime", "pubtime", "dc.date")),
            ("来源", ("ContentSource", "source")),
        ):
            found = _meta(page, *names)
            if found:
                header.append((key, found[0]))
    container = body if fragment else (_cms_container(page) or _density_container(body))
    reader = _Reader(tags, text, tree)
    if title and title[2] and not _title_in(title[0], page.text(container)):
        reader.cur_line = reader.line_of(title[1])
        reader.add_text(title[0])
        reader.flush()
    reader.cur_line = reader.line_of(container)
    if container.tag in ("table", "tbody", "thead", "tfoot", "tr"):
        while container.tag != "table" and container.parent is not None:
            container = container.parent
        reader.table(container, 0)
    else:
        reader.flow(container)
    if (
        reader.images
        and sum(len(b.text) for b in reader.blocks) < 200
        and not any(b.kind == "row" for b in reader.blocks)
    ):
        warnings.append(
            Warning(
                "IMAGE_CONTENT",
                f"the article body is {reader.images} image(s) and little text; the report may need OCR",
            )
        )
    elif not reader.blocks:
        warnings.append(Warning("NO_TEXT", "no text in the article body (rendered by JavaScript, or empty)"))
    return Document(tuple(reader.blocks), "html", tuple(header), tuple(warnings))


def read_html(data: bytes, charset: str | None = None) -> Document:
    if is_mht(data):
        part = _mht_html(data)
        if part is None:
            raise UnsupportedInput("MHT web archive without an HTML part")
        data, part_charset = part
        charset = part_charset or charset
    text, warnings = decode_html(data, charset)
    return html_to_document(text, warnings)
