"""Pre-2019 reports (report years 2008–2018): sections and `p/<indicator>/<col>` cells.

Pre-2019 reports follow no national template: 4–9 parts with free numbering and a few
statistics, printed in an old annex table, in sentences, or both.

Sections
--------
Headings are found anywhere in the flat text (crawler text glues them to the previous
sentence). A heading needs a Chinese numeral (``二、`` / ``二.`` / ``（二）``) or, without
a numeral, the start of a line. Titles come from ``pre2019()['section_patterns']``;
a numbered heading whose title is not a listed variant gets its key from a few
keywords (`_TITLE_KEYWORDS`, e.g. ``…复议…诉讼…`` -> review_litigation) or, failing
those, ``other_section``. Numbers must increase; among the possible chains the one
with the most recognised titles wins (so a sub-list ``一、…二、…`` inside a section never
splits the report), and an unrecognised heading is only accepted as the next number
of the chain. Text before the first heading is the ``preface`` section. Headings inside
a statistics table (``一、主动公开情况`` group rows) are ignored.

Statistics
----------
(a) Annex tables: a header ``指标名称 | 计量单位 | 2017年度 | 历年累计`` (also ``数量``,
``本年度``, ``年末统计``, ``本期实际``, ``累计``, ``代码``, ``备注``), one value column or two, in
either order, followed by rows in any flattening (tab rows, pipes, one cell per line,
spaces, or run together without separators: ``主动公开文件数条212210037``). A unit comes from
the 计量单位 column or the label (``专项经费（万元）``, ``全文电子化率%``), row by row.
Run-together digits of a two-column row are split only where exactly one split survives
these rules: no leading zeros; this year ≤ 历年累计; a sub-row ≤ its parent row where it
counts a part of it (`part_of`: a 其中 row is not always a part); a percentage ≤ 100; the
table's sums (`pre2019.identities` in the template definitions: channels add up to
收到申请数 …) where one combination of readings adds up; and, when a sentence of the report
states the same indicator, the split that agrees with it. Otherwise the row's cells are
``unresolved`` (raw: its digits) with a ``PRE2019_AMBIGUOUS_DIGITS`` warning naming it. A
run-together count row is taken to print both of its cells (a vanished blank leaves no
trace in the digits); a rate row (``%``) may also be read as this year's value alone.
Values printed in separate cells are read as printed, even when they break these rules.
A row numbering glued to the digits (``…条002、网上申请数``) is cut when it is the expected
next number; digits at the start of a piece close the row before (``件38 77传真申请数``). A
header ``本年累计`` alone may be one column or ``本年`` + ``累计``: rows printed apart decide.

(b) Sentences: ``主动公开政府信息45条``, ``受理政府信息公开申请3件``, ``同意公开2件``,
``行政复议0件``, ``兼职人员1人``, ``政府信息公开费用1万元`` … (`_SENTENCE_RULES`).
Approximate figures (约/近/多/余/左右) are never read; a total followed by ``占x%`` or
after ``其中`` in its sentence is a breakdown and not the total; a phrase naming an office
or a lower unit (``办公室``, ``法规科``, ``各乡镇``) is about part of the body, and for a total
neither one channel (``通过政府网站``, unless a list ending in 等) nor a category (``…类``)
may be named (`_whole_body`); differing statements of one indicator are all skipped
(``PRE2019_SENTENCE_CONFLICT``).

Table before prose: an address a table row prints is the table's, read or unresolved; a
sentence only picks among the row's readings or confirms it (``PRE2019_TABLE_SENTENCE_MISMATCH``
when they differ). Sentences fill only what no table prints, with ``via = sentence``.
Sums that do not add up give ``PRE2019_SUM_MISMATCH`` (checks: `parsers.pre2019_checks`).

Addresses
---------
``p/<key>/<col>`` with ``<key>`` from national.json ``pre2019.indicators`` and ``<col>``
``value`` (the report year) or ``cumulative`` (历年累计 / 累计). ``proactive_items_cumulative``
is folded into ``p/proactive_items/cumulative`` (cumulative is a column of the contract).
Indicators that are groups of figures take a sub-key ``p/<key>.<slug>/<col>``, named with
their labels in national.json (``subkeys``; ``group_only`` where the group has no figure
of its own), e.g. ``p/proactive_by_channel.website/value``, ``p/staff.part_time/value``,
``p/complaints.upheld/value``, ``p/denied_reasons.exempt_3/value``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .document import Flat, Warning
from .model import ReportCell, Section
from .templates import norm_label, pre2019

# --------------------------------------------------------------------------- sub-keys

# Sub-keys of the group indicators: named in the template definitions (national.json
# pre2019.indicators[].subkeys), so that users, scorers and this module address the same cells.
SUBKEYS: dict[str, tuple[str, ...]] = {
    i["key"]: tuple(i["subkeys"]) for i in pre2019()["indicators"] if i.get("subkeys")
}
# Groups whose figures all carry a sub-key (the others also have a value of their own).
PURE_GROUPS = {i["key"] for i in pre2019()["indicators"] if i.get("group_only")}
COLUMNS = ("value", "cumulative")


def valid_address(address: str) -> bool:
    """True when `address` is a p/ address this module may emit."""
    m = re.fullmatch(r"p/([a-z_]+)(?:\.([a-z_0-9]+))?/(value|cumulative)", address)
    if not m:
        return False
    key, sub = m.group(1), m.group(2)
    if key not in {i["key"] for i in pre2019()["indicators"]} or key == "proactive_items_cumulative":
        return False
    if sub is None:
        return key not in PURE_GROUPS
    return sub in SUBKEYS.get(key, ())


# --------------------------------------------------------------------------- numbers

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九", 0)}


def cn_int(s: str) -> int | None:
    """一 … 九十九 -> int."""
    if not s:
        return None
    if "十" in s:
        a, _, b = s.partition("十")
        if len(b) > 1 or len(a) > 1:
            return None
        tens = _CN_DIGITS.get(a) if a else 1
        ones = _CN_DIGITS.get(b) if b else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in _CN_DIGITS and s != "零":
        return _CN_DIGITS[s]
    return None


def _num(s: str) -> int | float:
    s = s.replace(",", "")
    return float(s) if "." in s else int(s)


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


# =========================================================================== sections

_SP = r"[ \t\u3000\xa0]*"
_HEAD_A = re.compile(rf"(?<![一二三四五六七八九十百零〇两第（(、])([一二三四五六七八九十]{{1,3}}){_SP}[、.．]{_SP}")
_HEAD_B = re.compile(rf"[（(]{_SP}([一二三四五六七八九十]{{1,3}}){_SP}[)）]{_SP}[、.．]?{_SP}")
_LINE_START = re.compile(r"(?:^|(?<=\n))[ \t\u3000\xa0]*")
_TITLE_STOP = re.compile(r"[\s，,。；;：:！!？?\d０-９（(“\"]")
_TITLE_END = re.compile(r"(?:情况|措施|事项|打算|概述|概况|统计表|附表|附件|说明|建议|问题|计划|思路|方向|工作)")
# (regex on the normalised title, key): used when no listed variant matches.
_TITLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"复议|诉讼", "review_litigation"),
    (r"问题.*(?:改进|措施|打算|建议|计划|方向)|(?:改进|努力)方向|下一步", "problems"),
    (r"依申请", "on_request"),
    (r"主动公开", "proactive"),
    (r"咨询", "consultation"),
    (r"收费|减免|支出|经费", "fees"),
    (r"回应|解读", "response_interpretation"),
    (r"机构建设|培训|会议", "organisation"),
    (r"概述|概况|基本情况|总体情况|工作情况$", "overview"),
    (r"其他需要|其它需要|附表|附件|统计表|说明", "other"),
)
_W_VARIANT, _W_KEYWORD, _W_UNKNOWN = 10, 5, 1


def _loose(text: str) -> str:
    return _SP.join(re.escape(c) for c in text)


def _variant_regexes() -> list[tuple[re.Pattern, str]]:
    out = []
    for pat in pre2019()["section_patterns"]:
        for v in pat["variants"]:
            out.append((len(v), re.compile(_loose(v)), pat["key"]))
    out.sort(key=lambda x: -x[0])
    return [(r, k) for _, r, k in out]


_VARIANTS = _variant_regexes()


@dataclass
class _Head:
    start: int  # start of the numbering (or of the title)
    title_start: int
    title_end: int
    number: str
    n: int | None
    key: str
    weight: int


def _title_at(text: str, pos: int, numbered: bool) -> tuple[str, int, int] | None:
    """(key, title_end, weight) of a heading title starting at pos, or None."""
    for rx, key in _VARIANTS:
        m = rx.match(text, pos)
        if m:
            return key, m.end(), _W_VARIANT
    if not numbered:
        return None
    head = text[pos : pos + 40]
    stop = _TITLE_STOP.search(head)
    cut = stop.start() if stop else len(head)
    cand = head[:cut]
    if len(cand) < 2 or cand[0] in "一二三四五六七八九十、，。.．":
        return None
    ends = [m.end() for m in _TITLE_END.finditer(cand)]
    if ends:
        title = cand[: max(ends)]
    elif stop and cut <= 20 and (stop.group().isspace() or stop.group() in "：:"):
        title = cand
    else:
        return None
    norm = norm_label(title)
    for rx, key in _TITLE_KEYWORDS:
        if re.search(rx, norm):
            return key, pos + len(title), _W_KEYWORD
    return "other_section", pos + len(title), _W_UNKNOWN


def _candidates(text: str, rx: re.Pattern, blocked) -> list[_Head]:
    out = []
    for m in rx.finditer(text):
        if blocked(m.start()):
            continue
        n = cn_int(m.group(1))
        if n is None:
            continue
        t = _title_at(text, m.end(), True)
        if t is None:
            continue
        key, end, w = t
        out.append(_Head(m.start(), m.end(), end, m.group(1), n, key, w))
    return out


def _best_chain(cands: list[_Head]) -> tuple[int, list[_Head]]:
    """Highest-weight chain with strictly increasing numbers; an unrecognised title only
    as the next number of the chain (or 一 at its start)."""
    n = len(cands)
    best: list[int] = [0] * n
    prev: list[int] = [-1] * n
    for i, c in enumerate(cands):
        best[i] = c.weight if (c.weight > _W_UNKNOWN or c.n == 1) else -(10**6)
        for j in range(i):
            p = cands[j]
            if p.title_end > c.start or p.n >= c.n or best[j] < 0:
                continue
            if c.weight == _W_UNKNOWN and c.n != p.n + 1:
                continue
            if best[j] + c.weight > best[i]:
                best[i], prev[i] = best[j] + c.weight, j
    if not n or max(best) <= 0:
        return 0, []
    i = max(range(n), key=lambda k: (best[k], -k))
    score = best[i]
    chain = []
    while i >= 0:
        chain.append(cands[i])
        i = prev[i]
    return score, chain[::-1]


def _headings(flat: Flat) -> list[_Head]:
    text = flat.text
    regions = [(s, e) for s, e in _table_regions(flat)]

    def blocked(pos: int) -> bool:
        return any(s <= pos < e for s, e in regions)

    chains = [_best_chain(_candidates(text, _HEAD_A, blocked)), _best_chain(_candidates(text, _HEAD_B, blocked))]
    unnumbered = []
    for m in _LINE_START.finditer(text):
        if blocked(m.end()):
            continue
        t = _title_at(text, m.end(), False)
        if t is None:
            continue
        key, end, w = t
        if end < len(text) and not re.match(r"[\s:：]", text[end]):
            continue
        unnumbered.append(_Head(m.end(), m.end(), end, "", None, key, w))
    score_u = sum(h.weight for h in unnumbered)
    score, chain = max(chains, key=lambda c: c[0])
    if score_u > score:
        return unnumbered
    if chain:
        chain = chain + [h for h in unnumbered if h.start >= chain[-1].title_end]
    return chain


def split_pre2019_sections(flat: Flat) -> list[Section]:
    """Sections of a pre-2019 report in document order; text before the first is `preface`."""
    text = flat.text
    heads = _headings(flat)
    out: list[Section] = []
    first = heads[0].start if heads else len(text)
    pre = text[:first].strip()
    if pre:
        lead = len(text[:first]) - len(text[:first].lstrip())
        out.append(Section("preface", "", "", pre, flat.loc(lead).line))
    for i, h in enumerate(heads):
        end = heads[i + 1].start if i + 1 < len(heads) else len(text)
        body = text[h.title_end : end].strip().lstrip("：:").strip()
        title = text[h.title_start : h.title_end].strip()
        out.append(Section(h.key, h.number, title, body, flat.loc(h.start).line))
    return out


# =========================================================================== tables

_UNIT_WORDS = (
    "万人次",
    "万元",
    "人次",
    "条",
    "件",
    "个",
    "人",
    "次",
    "元",
    "篇",
    "项",
    "期",
    "场",
    "份",
    "名",
    "户",
    "宗",
    "起",
    "%",
)
_UNIT_SET = set(_UNIT_WORDS)
_RUN_UNIT = r"万人次|万元|人次|条|件|个|人|次|元|篇|项|%|％|[)）]"
# digits with every decimal point that follows (0.146.1 is 0.1 | 46.1 or 0.14 | 6.1, never 0.1 | 46)
_RUN = re.compile(rf"(?P<u>{_RUN_UNIT})(?P<d>\d+(?:\.\d+)*)")
_RUN_NOUNIT = re.compile(rf"(?P<u>{_RUN_UNIT}|数|率|量|额)(?P<d>\d+(?:\.\d+)*)")
_LEAD_DIGITS = re.compile(r"\d+(?:\.\d+)*(?![年月日号])(?=[\u4e00-\u9fff“\"《（(])|\d+(?=[、.．][\u4e00-\u9fff])")
_NUMTOK = re.compile(r"^(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?P<f>\.\d+)?(?P<u>万人次|万元|人次|条|件|个|人|次|元|篇|项|%)?$")
_DASHES = {"-", "—", "–", "/", "——", "--", "\\", "无", "-—", "—-"}


def _wrapped(words: str) -> str:
    """An alternation of header words where a four-character word may be wrapped in its
    cell (``指标\\n名称``: a PDF prints a narrow cell on two lines)."""
    return (
        "(?:"
        + "|".join(w[:2] + r"(?:\r?\n|\r)?" + w[2:] if len(w) == 4 and "\\" not in w else w for w in words.split("|"))
        + ")"
    )


_HDR_NAME = _wrapped("指标名称|统计指标|项目名称|统计项目|指标|项目")
# longer words first: 本年累计 is one column, not 本年 + 累计
_HDR_COL = _wrapped(
    r"计量单位|单位|代码|序号|\d{4}年度|\d{4}年|本年累计|本年度|本年数|本年|当年|今年|年末统计数|年末统计|"
    r"年末数|年度统计|统计数|数量|数值|本期实际|本期|历年累计|累计数|累计|备注"
)
_HDR_SEP = r"[\s|]*"
# column words that prose does not use, unlike 数量 ("项目数量" in a sentence is no header)
_TABLE_ONLY_COL = re.compile(_wrapped(r"年末统计|本年度|本期实际|历年累计|本年累计") + r"|\d{4}年度")
_HEADER = re.compile(rf"(?:序号{_HDR_SEP})?{_HDR_NAME}(?:{_HDR_SEP}{_HDR_COL})+")


def _roles(header: str) -> list[str] | None:
    """Column roles after the name column: unit / code / value / cumulative / remark / ignore."""
    body = re.sub(rf"^(?:序号{_HDR_SEP})?{_HDR_NAME}", "", header)
    words = [re.sub(r"\s", "", w) for w in re.findall(_HDR_COL, body)]
    roles = []
    for w in words:
        if w in ("计量单位", "单位"):
            roles.append("unit")
        elif w in ("代码", "序号"):
            roles.append("code")
        elif w in ("历年累计", "累计", "累计数"):
            roles.append("cumulative")
        elif w == "本年累计":
            roles.append("year_cum")
        elif w == "备注":
            roles.append("remark")
        else:
            roles.append("value")
    if "year_cum" in roles:
        has_value = "value" in roles
        # alone, 本年累计 may also be two columns, 本年 and 累计, printed without a space
        roles = [("ignore" if has_value else "value?") if r == "year_cum" else r for r in roles]
        if "value?" in roles:
            return roles
    if roles.count("value") != 1 or roles.count("cumulative") > 1:
        return None
    return roles


@dataclass
class _Tok:
    kind: str  # TEXT UNIT NUM DASH BLANK RUN ROWEND
    text: str
    start: int
    unit: str | None = None
    after: str = ""  # RUN: the character right after the digits
    lead: bool = False  # RUN: digits at the start of a piece, before a label


def _classify(piece: str, start: int, no_unit_col: bool) -> list[_Tok]:
    s = _nfkc(piece).strip("*")
    if not s:
        return []
    if s in _DASHES:
        return [_Tok("DASH", piece, start)]
    m = _NUMTOK.match(s)
    if m and len(s) == len(piece):
        return [_Tok("NUM", m.group("n") + (m.group("f") or ""), start, m.group("u"))]
    if m:
        # width-changed by NFKC (full-width digits): keep offsets of the piece start
        return [_Tok("NUM", m.group("n") + (m.group("f") or ""), start, m.group("u"))]
    su = re.sub(r"^[(（](.+)[)）]$", r"\1", s)
    if su in _UNIT_SET:
        return [_Tok("UNIT", piece, start, su)]
    # label text, possibly with run-together unit+digits inside
    out: list[_Tok] = []
    last = 0
    lead = _LEAD_DIGITS.match(piece)
    if lead:
        # a piece that starts with digits glued to the next label ("77传真申请数"): the
        # digits close the row before, as digits glued after a unit do
        out.append(_Tok("RUN", lead.group(), start, after=piece[lead.end() : lead.end() + 2], lead=True))
        last = lead.end()
    rx = _RUN_NOUNIT if no_unit_col else _RUN
    for m in rx.finditer(piece):
        u = m.group("u")
        is_unit = _nfkc(u) in _UNIT_SET
        pre_end = m.start() if is_unit else m.end("u")
        if pre_end > last:
            out.append(_Tok("TEXT", piece[last:pre_end], start + last))
        if is_unit:
            out.append(_Tok("UNIT", u, start + m.start(), _nfkc(u)))
        after = piece[m.end() : m.end() + 2]
        out.append(_Tok("RUN", m.group("d"), start + m.start("d"), after=after))
        last = m.end()
    if last < len(piece):
        out.append(_Tok("TEXT", piece[last:], start + last))
    return out


def _tokens(text: str, start: int, no_unit_col: bool) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = start
    for line in text[start:].split("\n"):
        if "\t" in line:
            cells = line.split("\t")
            # leading/trailing empty cells carry no position information
            lo, hi = 0, len(cells)
            while lo < hi and not cells[lo].strip():
                lo += 1
            while hi > lo and not cells[hi - 1].strip():
                hi -= 1
            off = pos
            for i, c in enumerate(cells):
                if lo <= i < hi:
                    if c.strip():
                        lead = len(c) - len(c.lstrip())
                        toks.extend(_classify(c.strip(), off + lead, no_unit_col))
                    else:
                        toks.append(_Tok("BLANK", "", off))
                off += len(c) + 1
            toks.append(_Tok("ROWEND", "", pos + len(line)))
        else:
            pieces = [(m.group(), pos + m.start()) for m in re.finditer(r"[^\s|\u3000\xa0]+", line)]
            for p, off in pieces:
                toks.extend(_classify(p, off, no_unit_col))
            if len(pieces) >= 2:
                toks.append(_Tok("ROWEND", "", pos + len(line)))
        pos += len(line) + 1
    return toks


@dataclass
class _Row:
    parts: list[_Tok] = field(default_factory=list)
    toks: list[_Tok] = field(default_factory=list)
    number: int | None = None  # arabic row numbering ("2、")
    label: str = ""
    key: str | None = None
    col_override: str | None = None
    child: bool = False
    parent: _Row | None = None
    unit: str | None = None
    cands: list[dict] = field(default_factory=list)  # col -> (value, raw, offset)
    problem: str | None = None

    @property
    def start(self) -> int:
        return self.parts[0].start if self.parts else 0

    @property
    def end(self) -> int:
        last = self.toks[-1] if self.toks else self.parts[-1]
        return last.start + len(last.text)


def _sentence_like(tok: _Tok) -> bool:
    s = _nfkc(tok.text)
    return bool(re.search(r"[。；;！!？?]", s)) or len(s) > 60


def _group_rows(toks: list[_Tok]) -> tuple[list[_Row], int]:
    rows: list[_Row] = []
    cur: _Row | None = None
    for tok in toks:
        if tok.lead and cur is None:
            tok = _Tok("TEXT", tok.text, tok.start)  # no row before it: the label's own numbering
        if tok.kind == "TEXT":
            if _sentence_like(tok):
                break
            if cur is not None and cur.toks:
                rows.append(cur)
                cur = None
            if cur is None:
                cur = _Row()
            cur.parts.append(tok)
        elif tok.kind == "ROWEND":
            if cur is not None and cur.toks:
                rows.append(cur)
                cur = None
        elif cur is not None:
            cur.toks.append(tok)
    if cur is not None and cur.toks:
        rows.append(cur)
    rows = [r for r in rows if any(t.kind in ("NUM", "RUN", "DASH") for t in r.toks)]
    end = rows[-1].end if rows else 0
    return rows, end


# ----------------------------------------------------------------- table labels

_Q = r"[“”\"'‘’]?"
# (regex on the normalised label, key[, column override]); keys starting with "@" are
# outcomes resolved through the parent row.
_TABLE_LABELS: tuple[tuple[str, str, str | None], ...] = (
    (r"(?:历年)?累计主动公开(?:政府)?(?:信息|文件)(?:总)?数?", "proactive_items", "cumulative"),
    (r"主动公开(?:政府)?(?:信息|文件)(?:总数|数量|数)", "proactive_items", None),
    (r"全文电子化率", "proactive_fulltext_rate", None),
    (r"全文电子化的?主动公开(?:政府)?信息数", "proactive_fulltext_items", None),
    (r"(?:主动公开|新增的?)(?:行政)?规范性文件数", "proactive_normative_docs", None),
    (r"制发(?:行政)?规范性文件(?:总数|数)", "normative_docs_issued", None),
    (r"政府公报公开(?:政府信息|信息)?数", "proactive_by_channel.gazette", None),
    (r"政府网站公开(?:政府信息|信息)?数", "proactive_by_channel.website", None),
    (r"政务微博公开(?:政府信息|信息)?数", "proactive_by_channel.weibo", None),
    (r"政务微信公开(?:政府信息|信息)?数", "proactive_by_channel.wechat", None),
    (r"其他方式公开(?:政府信息|信息)?数", "proactive_by_channel.other", None),
    (r"回应公众关注热点或重大舆情数", "responses.hot_topics", None),
    (r"(?:参加或)?举办新闻发布会(?:总)?次数", "responses.press_conferences", None),
    (r"(?:政府网站)?在线访谈次数", "responses.online_interviews", None),
    (r"政策解读稿件(?:发布)?数", "responses.policy_interpretations", None),
    (r"微博微信回应事件数", "responses.weibo_wechat", None),
    (r"其他方式回应事件数", "responses.other", None),
    (
        r"(?:受理|收到)(?:政府信息)?(?:依申请公开|公开申请|申请)(?:信息)?(?:总数|数)|申请总数",
        "applications_received",
        None,
    ),
    (r"(?:当面|现场)申请数", "applications_by_channel.in_person", None),
    (r"传真申请数", "applications_by_channel.fax", None),
    (r"电子邮件申请数", "applications_by_channel.email", None),
    (r"(?:网上|网络)申请数", "applications_by_channel.online", None),
    (r"信函申请数", "applications_by_channel.letter", None),
    (r"信函[、,]?传真申请数|传真[、,]?信函申请数", "applications_by_channel.letter_fax", None),
    (r"电话申请数", "applications_by_channel.phone", None),
    (r"其他形式申请数", "applications_by_channel.other", None),
    (r"申请办结数", "applications_closed", None),
    (r"按时办结数", "applications_closed.on_time", None),
    (r"延期办结数", "applications_closed.extended", None),
    # the total of all replies: a bare 答复数 only at the start of the label (其他类型答复数 is a part)
    (
        r"(?:对申请的?|依申请公开(?:申请)?的?)答复(?:总数|数)|申请答复(?:总数|数)|答复申请(?:总数|数)|(?:^|[)）、.．:：])答复(?:总数|数)|"
        r"(?<![类型意开])答复总数",
        "replies_total",
        None,
    ),
    (r"属于已主动公开范围数", "replies_already_public", None),
    (r"同意公开答复数", "replies_granted", None),
    (r"同意部分公开答复数|部分公开答复数", "replies_partial", None),
    (r"(?:不同意公开|不予公开|否决公开)答复(?:总)?数", "replies_denied", None),
    (r"涉及国家秘密", "denied_reasons.state_secret", None),
    (r"涉及商业秘密", "denied_reasons.commercial_secret", None),
    (r"涉及个人隐私", "denied_reasons.privacy", None),
    (r"危及国家安全[、,]公共安全[、,]经济安全和社会稳定", "denied_reasons.security_stability", None),
    (r"不是《条例》所指政府信息", "denied_reasons.not_gov_info", None),
    (r"法律法规规定的其他情形", "denied_reasons.other_law", None),
    (r"其[它他]原因", "denied_reasons.other", None),
    (r"非《(?:条例|规定)》所指政府信息数?", "not_gov_info", None),
    (r"信息不存在数?", "info_not_exist", None),
    (r"非本部门掌握数?|不属于本行政机关公开数", "not_held_by_agency", None),
    (r"申请内容不明确数?|告知作出更改补充数", "unclear_request", None),
    (r"告知通过其他途径办理数", "referred_elsewhere", None),
    (r"依申请公开信息收取的费用|检索[、,]复制[、,]邮寄等费用|收取费用(?:总额|数)?", "fees_charged", None),
    (r"减免(?:费用|金额)(?:总额|数)?", "fees_waived", None),
    (r"行政复议(?:数量|案件数|数)", "admin_review_cases", None),
    (r"行政诉讼(?:数量|案件数|数)", "admin_litigation_cases", None),
    (r"行政申诉数", "admin_appeals", None),
    (r"举报投诉(?:数量|数)", "complaints", None),
    (r"维持具体行政行为(?:或者驳回原告诉讼请求)?数", "@upheld", None),
    (r"被依法纠错数", "@corrected", None),
    (r"其他情形数", "@other", None),
    (r"(?:咨询(?:总)?(?:数|量|人次)|受理咨询数)", "consultations.total", None),
    (r"现场(?:接待|咨询)(?:人数|数|人次)", "consultations.in_person", None),
    (r"(?:网上|网络|在线)咨询(?:数|人次)", "consultations.online", None),
    (r"咨询电话接听数|电话咨询(?:数|人次)", "consultations.phone", None),
    (r"(?:网站|专栏)(?:专栏)?(?:页面)?访问量", "consultations.site_visits", None),
    (r"从事政府信息公开工作(?:的)?人员数", "staff.total", None),
    (r"(?:专职|全职)(?:工作)?人员数?", "staff.full_time", None),
    (r"兼职(?:工作)?人员数?", "staff.part_time", None),
    (r"政府信息公开工作专门机构数", "org_units.dedicated", None),
    (r"(?:设置)?政府信息公开查阅点数", "org_units.reading_points", None),
    (r"政府信息公开专项经费", "budget.funds", None),
    (r"与诉讼有关的费用支出", "budget.litigation", None),
    (r"召开政府信息公开工作会议或专题会议数", "meetings_training.meetings", None),
    (r"举办各类培训班数", "meetings_training.trainings", None),
    (r"接受培训人员数", "meetings_training.trainees", None),
)
_TABLE_LABEL_RX = [(re.compile(r), k, c) for r, k, c in _TABLE_LABELS]
_OUTCOME_OWNERS = ("admin_review_cases", "admin_litigation_cases", "complaints")
_NUMBERED = re.compile(r"^(?:其中[:：]?)?(\d{1,2})[、.．]|^(?:其中[:：]?)?[(（](\d{1,2})[)）]")
_EXEMPT = re.compile(r"(免予|不予)公开范围(\d)")


def _norm_row_label(s: str) -> str:
    s = _nfkc(s)
    s = re.sub(r"\s+", "", s)
    return re.sub(r"[“”\"'‘’「」『』]", "", s)


def _match_label(label: str) -> tuple[str | None, str | None]:
    best = None
    for rx, key, col in _TABLE_LABEL_RX:
        for m in rx.finditer(label):
            cand = (m.end(), m.end() - m.start(), key, col)
            if best is None or cand[:2] > best[:2]:
                best = cand
    m = None
    for m2 in _EXEMPT.finditer(label):
        m = m2
    if m is not None and (best is None or m.end() >= best[0]):
        key = ("denied_reasons.exempt_" if m.group(1) == "免予" else "denied_reasons.nondisclosure_") + m.group(2)
        return key, None
    return (best[2], best[3]) if best else (None, None)


def _valid_num(s: str) -> bool:
    return bool(re.fullmatch(r"(?:0|[1-9]\d*)(?:\.\d+)?", s)) and not s.endswith(".")


def _splits(d: str, n: int) -> list[tuple[str, ...]]:
    if n == 1:
        return [(d,)] if _valid_num(d) else []
    out = []
    for i in range(1, len(d)):
        a = d[:i]
        if not _valid_num(a):
            continue
        for rest in _splits(d[i:], n - 1):
            out.append((a,) + rest)
    return out


@dataclass
class _Table:
    start: int
    end: int
    roles: list[str]
    rows: list[_Row]


def _parse_tables(flat: Flat) -> tuple[list[_Table], list[Warning]]:
    text = flat.text
    tables: list[_Table] = []
    warnings: list[Warning] = []
    pos = 0
    while True:
        m = _HEADER.search(text, pos)
        if not m:
            break
        roles = _roles(m.group())
        distinctive = re.match(rf"(?:序号{_HDR_SEP})?{_wrapped('指标名称|统计指标|项目名称')}", m.group())
        if roles is not None and len(roles) < 2 and not distinctive and not _TABLE_ONLY_COL.search(m.group()):
            roles = None  # "项目数量" in prose is no table header
        if roles is None:
            pos = m.end()
            continue
        toks = _tokens(text, m.end(), "unit" not in roles)
        rows, end = _group_rows(toks)
        if not rows:
            pos = m.end()
            continue
        t = _Table(m.start(), end, roles, rows)
        if "value?" in roles:
            _settle_columns(t)
        tables.append(t)
        pos = max(end, m.end())
    for t in tables:
        _prepare_rows(t, warnings)
    return tables, warnings


def _row_full(r: _Row, but: _Tok, roles: list[str]) -> bool:
    """Whether the row already has a figure for every column besides the token `but`."""
    figures = sum(k.kind in ("NUM", "RUN", "DASH", "BLANK") for k in r.toks if k is not but)
    return figures >= sum(x in ("value", "cumulative", "code") for x in roles)


def _settle_columns(t: _Table) -> None:
    """A header 本年累计 alone: one column, or 本年 + 累计. Rows whose cells stand apart say
    which (one figure in every row, or two in some); run-together digits cannot, and stay unread."""
    rows = [r for r in t.rows if _match_label(_norm_row_label("".join(p.text for p in r.parts)))[0]]
    counts = {sum(k.kind in ("NUM", "DASH", "BLANK") for k in r.toks) for r in rows} or {0}
    runs = any(
        k.kind == "RUN" and not (k.lead and k.after[:1] and k.after[:1] in "、.．") for r in rows for k in r.toks
    )
    if not runs and counts == {1}:
        t.roles = ["value" if x == "value?" else x for x in t.roles]
        return
    if not runs and max(counts) == 2:  # a row with one figure lost a blank cell
        t.roles = [y for x in t.roles for y in (("value", "cumulative") if x == "value?" else (x,))]
        return
    t.roles = ["value" if x == "value?" else x for x in t.roles]
    for r in t.rows:
        r.problem = "the header 本年累计 may be one column or two (本年, 累计)"


def _prepare_rows(t: _Table, warnings: list[Warning]) -> None:
    value_roles = [r for r in t.roles if r in ("value", "cumulative")]
    # 1. numbering glued to the previous row's digits ("…条002、网上申请数")
    for i, r in enumerate(t.rows):
        last_part = _norm_row_label(r.parts[-1].text) if r.parts else ""
        m = _NUMBERED.match(last_part) if last_part else None
        if m and r.number is None:
            r.number = int(m.group(1) or m.group(2))
        runs = [k for k in r.toks if k.kind == "RUN"]
        glued = runs and runs[-1].after[:1] in ("、", ".", "．") and not runs[-1].after[1:].isdigit()
        if glued and i + 1 < len(t.rows):
            tok = runs[-1]
            expected = (r.number + 1) if r.number is not None else 1
            s = str(expected)
            nxt = t.rows[i + 1]
            if tok.text.endswith(s) and len(tok.text) > len(s):
                tok.text = tok.text[: -len(s)]
                nxt.number = expected
            elif tok.lead and (tok.text == s or _row_full(r, tok, t.roles) and len(tok.text) <= 2):
                # the next label's numbering, standing apart from the digits (a list may
                # start at any number: 5.不属于本行政机关公开数 after 其中 rows)
                r.toks.remove(tok)
                nxt.number = int(tok.text)
            else:
                r.problem = f"digits '{tok.text}' end in a row number that is not the expected {expected}"
    # 2. labels, keys, parents
    parent: _Row | None = None
    done: list[_Row] = []
    for r in t.rows:
        r.label = _norm_row_label("".join(p.text for p in r.parts))
        if r.number is not None and r.label[:1] in ("、", ".", "．"):
            r.label = f"{r.number}{r.label}"
        last_part = _norm_row_label(r.parts[-1].text)
        r.child = "其中" in r.label or r.number is not None or bool(_NUMBERED.match(last_part))
        key, col = _match_label(r.label)
        if r.child:
            r.parent = parent
        else:
            parent = r
        if key and key.startswith("@"):
            # outcome rows (维持/纠错/其他情形) belong to the nearest case-count row above
            owner = next((q for q in reversed(done) if q.key in _OUTCOME_OWNERS), None)
            key = f"{owner.key}.{key[1:]}" if owner is not None else None
            if owner is not None:
                r.child, r.parent = True, owner
                parent = owner
        r.key, r.col_override = key, col
        done.append(r)
    # 3. candidate values
    for r in t.rows:
        _row_candidates(r, t.roles, value_roles)


@dataclass
class _ValueCells:
    """A row's value tokens and the columns they fill, once the unit column is read."""

    toks: list[_Tok]
    roles: list[str]  # the table's column roles left for them (no unit column)
    unit: str | None  # from the unit column, else from the label's (万元)/%


def _row_candidates(r: _Row, roles: list[str], value_roles: list[str]) -> None:
    """The readings of a row's values (r.cands) and its unit (r.unit), or r.problem."""
    if not r.toks or r.problem:
        return  # a caption row whose only digits were the next row's number, or a row already in doubt
    cells = _value_cells(r, roles)
    if len(cells.toks) == 1 and cells.toks[0].kind == "RUN" and len(cells.roles) > 1:
        if "code" in cells.roles:
            r.problem = "run-together digits in a table with a code column"
            return
        r.unit = cells.unit
        r.cands = _split_readings(r, cells.toks[0], value_roles)
    else:
        r.cands, r.unit = _printed_readings(r, cells)  # printed in separate cells: read as printed


def _value_cells(r: _Row, roles: list[str]) -> _ValueCells:
    toks = list(r.toks)
    label_unit = re.search(r"[(（](万人次|万元|人次|条|件|个|人|次|元|篇|项|%)[)）]$|(%|％)$", r.label)
    unit = _nfkc(label_unit.group(1) or label_unit.group(2)) if label_unit else None
    rest_roles = list(roles)
    if "unit" in rest_roles:
        i = 0
        while i < len(toks) and toks[i].kind == "BLANK" and i + 1 < len(toks) and toks[i + 1].kind != "NUM":
            i += 1
        if i < len(toks) and toks[i].kind == "UNIT":
            unit = toks[i].unit
            toks = toks[i + 1 :]
        elif len(toks) == len(rest_roles) and toks and toks[0].kind == "BLANK":
            toks = toks[1:]
        rest_roles.remove("unit")
    toks = [k for k in toks if k.kind != "UNIT"] if any(k.kind == "UNIT" for k in toks) else toks
    if rest_roles and rest_roles[-1] == "remark" and len(toks) < len(rest_roles):
        rest_roles = rest_roles[:-1]
    return _ValueCells(toks, rest_roles, unit)


def _split_readings(r: _Row, tok: _Tok, value_roles: list[str]) -> list[dict]:
    """Readings of one run of digits as the table's value columns (r.unit already set),
    those that a rate's bound and this year ≤ 历年累计 allow."""
    n = len(value_roles)
    cands: list[dict] = []
    for parts in _splits(tok.text, n):
        c, off = {}, tok.start
        for role, p in zip(value_roles, parts):
            c[role] = (_num(p), p, off)
            off += len(p)
        cands.append(c)
    if (r.unit == "%" or re.search(r"率[%％]?$", r.label)) and _valid_num(tok.text):
        # a rate usually has no 历年累计: the blank cell may have vanished
        cands.append({"value": (_num(tok.text), tok.text, tok.start)})
    if not cands:
        r.problem = f"digits '{tok.text}' cannot be read as {n} values"
    if r.unit == "%":
        cands = [c for c in cands if all(v[0] <= 100 for v in c.values())]
    elif "value" in value_roles and "cumulative" in value_roles:
        cands = [c for c in cands if not ("value" in c and "cumulative" in c) or c["value"][0] <= c["cumulative"][0]]
    if not cands and not r.problem:
        r.problem = "no reading satisfies this year ≤ 历年累计"
    return cands


def _printed_readings(r: _Row, cells: _ValueCells) -> tuple[list[dict], str | None]:
    """The one reading of values printed in their own cells, and the row's unit; or none
    and r.problem when the cells do not fit the columns."""
    toks, roles, unit = cells.toks, cells.roles, cells.unit
    if len(toks) > len(roles):
        while len(toks) > len(roles) and toks[0].kind == "BLANK":
            toks = toks[1:]
        while len(toks) > len(roles) and toks[-1].kind == "BLANK":
            toks = toks[:-1]
    if len(toks) == len(roles):
        c = {}
        for role, tok in zip(roles, toks):
            if role in ("value", "cumulative") and tok.kind in ("NUM", "RUN"):
                if tok.kind == "RUN" and not _valid_num(tok.text):
                    continue
                c[role] = (_num(tok.text.replace(",", "")), tok.text, tok.start)
                unit = unit or tok.unit
        return [c], unit
    if (
        len(toks) < len(roles)
        and len(toks) == 1
        and toks[0].kind in ("NUM", "RUN")
        and (unit == "%" or toks[0].unit == "%")
    ):
        tok = toks[0]
        if _valid_num(tok.text.replace(",", "")):
            return [{"value": (_num(tok.text), tok.text, tok.start)}], "%"
        return [], unit
    shown = " ".join(k.text or "·" for k in toks)
    r.problem = f"{len(toks)} values ({shown}) for {len(roles)} columns"
    return [], unit


def part_of(child: str | None, parent: str | None) -> bool:
    """Whether indicator `child` counts a part of what `parent` counts (so child ≤ parent).
    A 其中 row is not always one: in the national table 新闻发布会 rows follow 回应热点 rows."""
    if not child or not parent:
        return False
    if child.startswith(parent + ".") or (parent.endswith(".total") and child.startswith(parent[:-5])):
        return True
    if parent == "proactive_items":
        return child.startswith(("proactive_by_channel.", "proactive_normative_docs", "proactive_fulltext_items"))
    return any(lhs == parent and child in sum_parts([child], rhs) for _, lhs, rhs in sum_identities())


def _resolve(t: _Table, sentence: dict[str, int | float]) -> None:
    """Narrow run-together candidates: sentence agreement, child ≤ parent, to a fixpoint."""
    for r in t.rows:
        if len(r.cands) > 1 and r.key:
            for col in COLUMNS:
                addr = f"p/{r.key}/{r.col_override or col}"
                if addr in sentence:
                    keep = [c for c in r.cands if col in c and c[col][0] == sentence[addr]]
                    if keep:
                        r.cands = keep
    for _ in range(20):
        changed = False
        for r in t.rows:
            p = r.parent
            if p is None or not p.cands or not r.cands or not part_of(r.key, p.key):
                continue
            for col in COLUMNS:
                hi = max((c[col][0] for c in p.cands if col in c), default=None)
                if hi is not None and all(col in c for c in p.cands):
                    keep = [c for c in r.cands if col not in c or c[col][0] <= hi]
                    if keep and len(keep) < len(r.cands):
                        r.cands, changed = keep, True
                lo = min((c[col][0] for c in r.cands if col in c), default=None)
                if lo is not None and all(col in c for c in r.cands):
                    keep = [c for c in p.cands if col not in c or c[col][0] >= lo]
                    if keep and len(keep) < len(p.cands):
                        p.cands, changed = keep, True
        if not changed:
            break


def sum_identities() -> list[tuple[str, str, tuple[str, ...] | str]]:
    """(id, total key, part keys or a group prefix "<group>.") of the template's pre-2019 sums."""
    out = []
    for i in pre2019().get("identities", []):
        if i.get("cross_year"):
            continue
        out.append((i["id"], i["lhs"], tuple(i["rhs"]) if "rhs" in i else i["rhs_group"] + "."))
    return out


def sum_parts(keys, rhs) -> list[str]:
    """The keys among `keys` that are parts of a sum whose right side is `rhs`."""
    if isinstance(rhs, str):
        return [k for k in keys if k.startswith(rhs)]
    return [k for k in keys if k in rhs]


_MAX_COMBOS = 4096


def _resolve_sums(t: _Table) -> None:
    """Narrow run-together readings with the table's sums (sub-items add up to their total):
    where exactly one combination of the rows' readings adds up in every column, it
    stands. Where none does (old tables often do not add up) nothing is narrowed."""
    rows = {}
    for r in t.rows:
        if r.key and not r.problem:
            rows.setdefault(r.key, []).append(r)
    for _, lhs, rhs in sum_identities():
        parts = sum_parts(rows, rhs)
        group = [lhs] + parts
        if lhs not in rows or not parts or any(len(rows[k]) != 1 or not rows[k][0].cands for k in group):
            continue
        members = [rows[k][0] for k in group]
        n = 1
        for m in members:
            n *= len(m.cands)
        if n == 1 or n > _MAX_COMBOS:
            continue
        fits = [combo for combo in _combos([m.cands for m in members]) if _adds_up(combo)]
        if len(fits) == 1:
            for m, c in zip(members, fits[0]):
                m.cands = [c]


def _combos(lists):
    if not lists:
        yield ()
        return
    for c in lists[0]:
        for rest in _combos(lists[1:]):
            yield (c,) + rest


def _adds_up(combo) -> bool:
    total, parts = combo[0], combo[1:]
    checked = 0
    for col in COLUMNS:
        if col not in total or any(col not in p for p in parts):
            continue
        if abs(total[col][0] - sum(p[col][0] for p in parts)) > 1e-6:
            return False
        checked += 1
    return checked > 0


def _table_regions(flat: Flat) -> list[tuple[int, int]]:
    tables, _ = _parse_tables(flat)
    return [(t.start, t.end) for t in tables]


def _row_addresses(r: _Row, t: _Table) -> list[str]:
    """The addresses a keyed table row stands for: one per value column of its table."""
    if r.col_override:
        return [f"p/{r.key}/{r.col_override}"]
    return [f"p/{r.key}/{col}" for col in COLUMNS if col in t.roles]


def _unresolved(flat: Flat, r: _Row, t: _Table) -> list[tuple[ReportCell, int]]:
    """Cells of a row the table prints but that cannot be read: unresolved, with the
    row's digits as raw (a later step, e.g. the build's cross-year split, may read them)."""
    digits = [k for k in r.toks if k.kind in ("NUM", "RUN")]
    raw = " ".join(k.text for k in digits)
    off = digits[0].start if digits else r.start
    return [(ReportCell(a, None, raw, "unresolved", flat.loc(off), r.unit, "table"), off) for a in _row_addresses(r, t)]


def _table_cells(
    flat: Flat, tables: list[_Table], sentence: dict
) -> tuple[list[tuple[ReportCell, int]], list[Warning]]:
    """Cells of the tables' keyed rows; a row that cannot be read gives unresolved cells,
    so that no sentence stands in for what the table prints."""
    cells: list[tuple[ReportCell, int]] = []
    warnings: list[Warning] = []
    unmapped: list[str] = []
    for t in tables:
        _resolve(t, sentence)
        _resolve_sums(t)
        for r in t.rows:
            name = r.label[:40] or "?"
            if r.problem:
                warnings.append(Warning("PRE2019_TABLE_ROW_SKIPPED", f"table row '{name}': {r.problem}; skipped"))
                if r.key:
                    cells += _unresolved(flat, r, t)
                continue
            if not r.key:
                if any(v for c in r.cands for v in c):
                    unmapped.append(name)
                continue
            if len(r.cands) > 1:
                shown = "; ".join("/".join(c[k][1] for k in COLUMNS if k in c) for c in r.cands[:5])
                warnings.append(
                    Warning(
                        "PRE2019_AMBIGUOUS_DIGITS",
                        f"table row '{name}': run-together digits admit {len(r.cands)} readings ({shown}); skipped",
                    )
                )
                cells += _unresolved(flat, r, t)
                continue
            if not r.cands:
                continue
            for col, (v, raw, off) in r.cands[0].items():
                col_out = r.col_override or col
                if r.col_override and col == "cumulative":
                    continue
                cells.append(
                    (
                        ReportCell(
                            f"p/{r.key}/{col_out}", v, raw, "number", flat.loc(off), r.unit, "table", offset=off
                        ),
                        off,
                    )
                )
    if unmapped:
        warnings.append(
            Warning("PRE2019_ROW_UNMAPPED", "table rows with no pre-2019 indicator key: " + "、".join(unmapped))
        )
    return cells, warnings


# =========================================================================== sentences

_N = r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_FILL = r"[的了]?(?:总数|数量|数)?(?:共计|总计|合计|共|计|为|有|达到|达|是)?[了]?\s*"


def _u(units: str) -> str:
    return rf"\s*(?P<u>{units})"


_CNT = "件|条|个|份|宗|起"
# (regex, key, kind) — kind "total": a breakdown (占x%, after 其中) is not this figure;
# "part": fine after 其中/占; "pair": two indicators sharing one figure.
_SENTENCE_RULES: tuple[tuple[str, str, str], ...] = (
    (
        rf"(?P<cum>(?:历年)?累计)?(?:共|共计)?(?:新增)?(?<![同予意请部不])(?:主动)?公开(?:了)?(?:各类|各项|相关)?政府信息"
        rf"{_FILL}{_N}{_u('条|件|项')}",
        "proactive_items",
        "total",
    ),
    (
        rf"(?P<cum>(?:历年)?累计)?(?:共|共计)?(?:新增)?主动公开(?:了)?(?:各类|各项|相关)?信息{_FILL}{_N}{_u('条|件|项')}",
        "proactive_items",
        "total",
    ),
    (rf"全文电子化率{_FILL}{_N}{_u('%|％')}", "proactive_fulltext_rate", "part"),
    (rf"全文电子化的?主动公开(?:政府)?信息{_FILL}{_N}{_u('条|件')}", "proactive_fulltext_items", "part"),
    (
        rf"(?:主动公开(?:了)?|新增的?)(?:行政)?规范性文件{_FILL}{_N}{_u('件|条|份|个')}",
        "proactive_normative_docs",
        "total",
    ),
    (rf"制发(?:了)?(?:行政)?规范性文件{_FILL}{_N}{_u('件|份|个')}", "normative_docs_issued", "total"),
    (
        rf"(?:政府|门户)网站(?:上)?(?:主动)?(?:公开|发布)(?:了)?(?:政府)?信息{_FILL}{_N}{_u('条')}",
        "proactive_by_channel.website",
        "part",
    ),
    (
        rf"政府公报(?:上)?(?:主动)?(?:公开|发布|刊登)(?:了)?(?:政府)?(?:信息|文件){_FILL}{_N}{_u('条|件')}",
        "proactive_by_channel.gazette",
        "part",
    ),
    (rf"政务微博(?:主动)?(?:公开|发布)(?:了)?(?:政府)?信息{_FILL}{_N}{_u('条')}", "proactive_by_channel.weibo", "part"),
    (
        rf"政务微信(?:主动)?(?:公开|发布)(?:了)?(?:政府)?信息{_FILL}{_N}{_u('条')}",
        "proactive_by_channel.wechat",
        "part",
    ),
    (
        rf"(?:召开|举办|参加或举办)(?:了)?(?:各类)?新闻发布会{_FILL}{_N}{_u('次|场|期')}",
        "responses.press_conferences",
        "part",
    ),
    (rf"在线访谈{_FILL}{_N}{_u('次|期|场')}", "responses.online_interviews", "part"),
    (
        rf"(?:发布|刊发)(?:了)?政策解读(?:稿件|材料|文章)?{_FILL}{_N}{_u('篇|份|件')}",
        "responses.policy_interpretations",
        "part",
    ),
    (
        rf"回应(?:了)?(?:公众|社会)关注(?:的)?(?:热点|问题)(?:或重大舆情)?{_FILL}{_N}{_u('次|个|件')}",
        "responses.hot_topics",
        "part",
    ),
    (
        rf"(?:受理|收到|接到|接收)(?:了)?(?:各类|群众|公众|公民、法人(?:或者|和|或)其他组织(?:提出)?的?)?"
        rf"(?:政府信息公开|信息公开|依申请公开(?:政府信息)?)?(?:的)?申请{_FILL}{_N}{_u(_CNT + '|次')}",
        "applications_received",
        "total",
    ),
    (rf"(?:受理)?依申请公开(?:信息)?总数{_FILL}{_N}{_u(_CNT)}", "applications_received", "total"),
    (
        rf"(?P<ch>当面|现场|网上|网络|互联网|电子邮件|传真|信函|电话|其他形式|其他方式)(?:提出|提交)?(?:的)?申请"
        rf"{_FILL}{_N}{_u(_CNT)}",
        "applications_by_channel",
        "part",
    ),
    (
        rf"(?:申请办结|办结(?:了)?(?:政府信息公开|依申请公开)?申请){_FILL}{_N}{_u('件|条')}",
        "applications_closed",
        "total",
    ),
    (rf"按时办结{_FILL}{_N}{_u('件|条')}", "applications_closed.on_time", "part"),
    (rf"延期办结{_FILL}{_N}{_u('件|条')}", "applications_closed.extended", "part"),
    (rf"(?:对申请的?答复|申请答复|已答复|共答复|答复申请){_FILL}{_N}{_u('件|条')}", "replies_total", "total"),
    (rf"属于已主动公开(?:范围|的)?(?:信息)?{_FILL}{_N}{_u('件|条')}", "replies_already_public", "part"),
    (
        rf"(?<!部分)(?<!不)(?:同意|予以)(?:全部)?公开(?:答复)?(?:的)?(?:申请)?{_FILL}{_N}{_u('件|条')}",
        "replies_granted",
        "part",
    ),
    (
        rf"(?:同意部分公开|部分同意公开|部分予以公开|予以部分公开|(?<![同意])部分公开)(?:答复)?(?:的)?(?:申请)?"
        rf"{_FILL}{_N}{_u('件|条')}",
        "replies_partial",
        "part",
    ),
    (
        rf"(?:不予公开|不同意公开|否决公开|不予以公开)(?:答复)?(?:的)?(?:申请)?{_FILL}{_N}{_u('件|条')}",
        "replies_denied",
        "part",
    ),
    (rf"涉及国家秘密(?:的)?{_FILL}{_N}{_u('件|条')}", "denied_reasons.state_secret", "part"),
    (rf"涉及商业秘密(?:的)?{_FILL}{_N}{_u('件|条')}", "denied_reasons.commercial_secret", "part"),
    (rf"涉及个人隐私(?:的)?{_FILL}{_N}{_u('件|条')}", "denied_reasons.privacy", "part"),
    (rf"非{_Q}?《(?:条例|规定)》所指(?:的)?政府信息{_Q}?{_FILL}{_N}{_u('件|条')}", "not_gov_info", "part"),
    (rf"(?:申请的?)?(?:政府)?信息不存在{_Q}?{_FILL}{_N}{_u('件|条')}", "info_not_exist", "part"),
    (
        rf"(?:非本(?:部门|机关|单位)掌握|不属于本(?:部门|机关|单位|行政机关)(?:公开|掌握)(?:范围)?(?:的)?(?:信息)?)"
        rf"{_Q}?{_FILL}{_N}{_u('件|条')}",
        "not_held_by_agency",
        "part",
    ),
    (rf"(?:申请内容不明确|告知作出更改补充){_Q}?{_FILL}{_N}{_u('件|条')}", "unclear_request", "part"),
    (rf"告知通过其他途径办理{_FILL}{_N}{_u('件|条')}", "referred_elsewhere", "part"),
    (
        rf"(?<!减免)(?<!免)(?:收取|收费)(?:了)?(?:检索、复制、邮寄(?:等)?)?(?:相关)?(?:的)?(?:费用|成本费)?(?:金额)?"
        rf"{_FILL}{_N}{_u('万元|元')}",
        "fees_charged",
        "total",
    ),
    (rf"减免(?:了)?(?:检索、复制、邮寄(?:等)?)?(?:收费|费用){_FILL}{_N}{_u('万元|元')}", "fees_waived", "part"),
    (
        rf"行政复议(?:[和、及与]|以及)(?:提起)?行政诉讼(?:案件)?(?:各|均为|均|都是|都为){_N}{_u('件|起|宗')}",
        "admin_review_cases+admin_litigation_cases",
        "pair",
    ),
    (rf"(?<!诉讼[和、及与])行政复议(?:申请)?(?:案件)?{_FILL}{_N}{_u('件|起|宗|个')}", "admin_review_cases", "part"),
    (
        rf"(?<!复议[和、及与])(?<!提起)(?:提起)?行政诉讼(?:案件)?{_FILL}{_N}{_u('件|起|宗|个')}",
        "admin_litigation_cases",
        "part",
    ),
    (rf"(?<!诉讼[和、及与])(?<!行政)(?:行政)?申诉(?:案件)?{_FILL}{_N}{_u('件|起|宗')}", "admin_appeals", "part"),
    (rf"举报投诉(?:案件)?{_FILL}{_N}{_u('件|起|次')}", "complaints", "part"),
    (
        rf"(?:接受|受理|接待|处理)(?:了)?(?:群众|公众|社会公众|各类)?(?:的)?(?:政府信息公开)?(?:的)?咨询{_FILL}{_N}"
        rf"{_u('人次|次|件|个|条')}",
        "consultations.total",
        "total",
    ),
    (rf"现场(?:咨询|接待)(?:人数)?{_FILL}{_N}{_u('人次|次|人|件')}", "consultations.in_person", "part"),
    (
        rf"(?:电话咨询|咨询电话(?:接听)?(?:数)?|接听(?:咨询)?电话){_FILL}{_N}{_u('人次|次|个|件|通')}",
        "consultations.phone",
        "part",
    ),
    (rf"(?:网上|网络|在线)咨询{_FILL}{_N}{_u('人次|次|件|条|个')}", "consultations.online", "part"),
    (
        rf"(?:网站|专栏|栏目)(?:页面)?(?:的)?(?:访问量|访问人次|浏览量){_FILL}{_N}{_u('万人次|人次|次')}",
        "consultations.site_visits",
        "part",
    ),
    (rf"从事政府信息公开工作(?:的)?(?:工作)?人员{_FILL}{_N}{_u('人|名')}", "staff.total", "total"),
    (rf"(?:专职|全职)(?:工作)?人员{_FILL}{_N}{_u('人|名')}", "staff.full_time", "part"),
    (rf"兼职(?:工作)?人员{_FILL}{_N}{_u('人|名')}", "staff.part_time", "part"),
    (rf"(?:政府信息公开)?(?:工作)?专门机构{_FILL}{_N}{_u('个')}", "org_units.dedicated", "part"),
    (
        rf"(?:设置|设立)(?:了)?(?:政府信息公开)?查阅(?:点|场所){_FILL}{_N}{_u('个|处')}",
        "org_units.reading_points",
        "part",
    ),
    (
        rf"(?<!收取)(?<!收)政府信息公开(?:工作)?(?:事务)?(?:专项)?(?:经费|费用|支出)(?:支出)?{_FILL}{_N}{_u('万元|元')}",
        "budget.funds",
        "total",
    ),
    (rf"与诉讼有关的费用(?:支出)?{_FILL}{_N}{_u('万元|元')}", "budget.litigation", "part"),
    (
        rf"召开(?:了)?(?:政府信息公开)?(?:工作)?(?:专题会议|工作会议|会议){_FILL}{_N}{_u('次|场|期')}",
        "meetings_training.meetings",
        "part",
    ),
    (
        rf"举办(?:了)?(?:各类)?(?:政府信息公开)?(?:业务)?(?:培训班|培训){_FILL}{_N}{_u('次|期|场|个')}",
        "meetings_training.trainings",
        "part",
    ),
    (rf"(?:接受培训|参训|培训)(?:人员|干部)?{_FILL}{_N}{_u('人次')}", "meetings_training.trainees", "part"),
)
_SENTENCE_RX = [(re.compile(r), k, kind) for r, k, kind in _SENTENCE_RULES]
_CHANNEL = {
    "当面": "in_person",
    "现场": "in_person",
    "网上": "online",
    "网络": "online",
    "互联网": "online",
    "电子邮件": "email",
    "传真": "fax",
    "信函": "letter",
    "电话": "phone",
    "其他形式": "other",
    "其他方式": "other",
}
_APPROX_BEFORE = re.compile(r"(?:约|近|超过|逾|大约|将近|上)$")
_APPROX_AFTER = re.compile(r"^(?:多|余|左右|以上|以内|以下)")
_CLAUSE_BREAK = re.compile(r"[。；;！!？?\n]")
_PHRASE_BREAK = re.compile(r"[。；;！!？?\n，,：:]")
# A figure for part of the body is not the body's: a sentence whose subject is an office,
# a unit below the body or a place in it ...
_PART_SUBJECT = re.compile(
    r"(?<![本我该全])(?:办公室|科室|中心|分局|支队|大队|街道|社区|乡镇|村|部门|单位|下属|直属|所属|基层|各[乡镇街区县市局委办])"
    r"|[\u4e00-\u9fff](?:科|股)(?![学技研])|[\u4e00-\u9fff]处(?![理置罚分])"
)
# ... and a total given for one channel or one category is not the total.
_CHANNEL_WORD = re.compile(r"网站|公报|微博|微信|公开栏|客户端|报刊|报纸|电视|广播|媒体|显示屏|APP|热线")
_CATEGORY = re.compile(r"(?<!各)类")


def _mask(text: str, regions: list[tuple[int, int]]) -> str:
    if not regions:
        return text
    chars = list(text)
    for s, e in regions:
        for i in range(s, min(e, len(chars))):
            chars[i] = "\n"
    return "".join(chars)


@dataclass
class _Hit:
    address: str
    value: int | float
    raw: str
    offset: int
    unit: str


def _sentence_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    seen: set[tuple[str, int]] = set()
    for rx, key, kind in _SENTENCE_RX:
        for m in rx.finditer(text):
            n0 = m.start("n")
            if _APPROX_BEFORE.search(text[max(0, n0 - 2) : n0]) or _APPROX_AFTER.match(text[m.end() : m.end() + 2]):
                continue
            if n0 > 0 and (text[n0 - 1].isdigit() or text[n0 - 1] == "."):
                continue
            unit = _nfkc(m.group("u"))
            if not _whole_body(text, m.start(), kind):
                continue
            if kind == "total":
                clause_start = max((b.end() for b in _CLAUSE_BREAK.finditer(text, 0, m.start())), default=0)
                if "其中" in text[clause_start : m.start()]:
                    continue
                if re.match(r"\s*[,，]?\s*(?:占|约占)", text[m.end() : m.end() + 6]):
                    continue
            col = "value"
            gd = m.groupdict()
            if gd.get("cum"):
                before = text[max(0, m.start("cum") - 4) : m.start("cum")]
                if not (gd["cum"] == "累计" and re.search(r"(?:[今本全当]年度?|\d{4}年度?|年内|年)$", before)):
                    col = "cumulative"
            k = key
            if gd.get("ch"):
                k = f"{key}.{_CHANNEL[gd['ch']]}"
            raw = m.group("n") + m.group("u")
            value = _num(m.group("n"))
            for kk in k.split("+"):
                addr = f"p/{kk}/{col}"
                if (addr, n0) in seen:
                    continue
                seen.add((addr, n0))
                hits.append(_Hit(addr, value, raw, n0, unit))
    hits.sort(key=lambda h: h.offset)
    return hits


def _whole_body(text: str, start: int, kind: str) -> bool:
    """Whether the phrase before a figure leaves the whole body as its subject: no office or
    lower unit named, and for a total no single channel (a list ending in 等 is all of them)
    and no category."""
    phrase_start = max(
        (b.end() for b in _PHRASE_BREAK.finditer(text, max(0, start - 60), start)), default=max(0, start - 60)
    )
    phrase = text[phrase_start:start]
    if _PART_SUBJECT.search(phrase):
        return False
    if kind == "total":
        if _CHANNEL_WORD.search(phrase) and "等" not in phrase:
            return False
        if _CATEGORY.search(phrase):
            return False
    return True


def _sentence_values(flat: Flat, regions: list[tuple[int, int]]) -> tuple[dict[str, _Hit], list[Warning]]:
    text = _mask(flat.text, regions)
    by_addr: dict[str, list[_Hit]] = {}
    for h in _sentence_hits(text):
        by_addr.setdefault(h.address, []).append(h)
    out: dict[str, _Hit] = {}
    warnings: list[Warning] = []
    for addr, hs in by_addr.items():
        values = {_comparable(h.value, h.unit) for h in hs}
        if len(values) == 1:
            out[addr] = hs[0]
        else:
            shown = ", ".join(h.raw for h in hs)
            warnings.append(
                Warning("PRE2019_SENTENCE_CONFLICT", f"{addr}: sentences state different figures ({shown}); none kept")
            )
    return out, warnings


def _comparable(value, unit: str | None):
    if unit == "万元":
        return round(value * 10000, 2)
    if unit == "万人次":
        return round(value * 10000, 2)
    return value


# =========================================================================== entry point


def extract_pre2019(flat: Flat) -> tuple[list[ReportCell], list[Warning]]:
    """`p/<indicator>/<col>` cells from annex tables and sentences, one per address.

    The table comes first: an address its rows print is the table's, read or unresolved;
    a sentence only picks among a row's readings or confirms it. Sentences fill the rest."""
    tables, warnings = _parse_tables(flat)
    regions = [(t.start, t.end) for t in tables]
    sentence, w = _sentence_values(flat, regions)
    warnings += w
    tcells, w = _table_cells(flat, tables, {a: h.value for a, h in sentence.items()})
    warnings += w
    claimed = {a for t in tables for r in t.rows if r.key for a in _row_addresses(r, t)}
    out: dict[str, ReportCell] = {}
    where: dict[str, int] = {}
    for c, off in tcells:
        if c.address in out:
            first = out[c.address]
            if first.status != c.status or first.value != c.value:
                warnings.append(
                    Warning(
                        "PRE2019_TABLE_DUPLICATE",
                        f"{c.address}: two table rows give {first.raw or '?'} and {c.raw or '?'}; left unresolved",
                    )
                )
                out[c.address] = ReportCell(c.address, None, first.raw, "unresolved", first.loc, first.unit, "table")
            continue
        out[c.address] = c
        where[c.address] = off
    for addr, h in sentence.items():
        t = out.get(addr)
        if t is not None and t.status == "number":
            if _comparable(t.value, t.unit) != _comparable(h.value, h.unit):
                warnings.append(
                    Warning(
                        "PRE2019_TABLE_SENTENCE_MISMATCH",
                        f"{addr}: table {t.raw}{t.unit or ''} (line {t.loc.line}) but sentence "
                        f"{h.raw} (line {flat.loc(h.offset).line}); the table is kept",
                    )
                )
            continue
        if addr in claimed:
            continue  # the table prints this figure: a sentence never stands in for it
        out[addr] = ReportCell(addr, h.value, h.raw, "number", flat.loc(h.offset), h.unit, "sentence", offset=h.offset)
        where[addr] = h.offset
    cells = sorted(out.values(), key=lambda c: (where[c.address], c.address))
    warnings += _sum_warnings(cells)
    return cells, warnings


def _sum_warnings(cells: list[ReportCell]) -> list[Warning]:
    from .pre2019_checks import sum_checks

    return [
        Warning("PRE2019_SUM_MISMATCH", f"{c.subject}: the parts add up to {c.rhs}, the total is {c.lhs} ({c.id})")
        for c in sum_checks(cells)
        if c.ok is False
    ]
