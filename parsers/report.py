"""parse_report: bytes in, Report out — the one entry point of the parser.

Reader (form-specific) -> Document -> Flat text -> metadata, sections, tables, checks.

Where the time goes (2026-12, benchmarks/parse_text.py, compiled twins, CPU per generated
text report, about 2.3 ms): table 三 42 %, table 二 13 %, the text reader 12 %, with_context
7 %, the checks (`parsers.identities.evaluate`, a third of it making the Check objects)
6 %, table 四 4 %, then sections, scope, Flat, the version and the metadata about 2 % each.
Across all of it the cyclic garbage collector runs about 5 % of the instructions (mostly
young-generation passes while table 三's readings are made), and regex matching a tenth.
A web page (benchmarks/parse_forms.py) spends 40 % of its parse in read_html. Per report
stage times: wrap this module's globals (read_any, extract_t3, with_context, …) with
timers; instruction counts under valgrind's callgrind are steadier than CPU time on a
shared machine, but attribute time inside compiled twins to the wrong callees at times.
"""

from __future__ import annotations

import gc
import hashlib
import re
from functools import cache
from pathlib import Path

from . import checks as checks_mod
from .document import Document, Flat, Warning
from .extract_t2 import extract_t2
from .extract_t3 import extract_t3
from .extract_t4 import extract_t4
from .metadata import detect_version, report_metadata
from .model import Report, ReportCell
from .readers.text import JOINED_WEB_TEXT, LINED_WEB_TEXT
from .rowloops import new as _new  # tuple.__new__, in C where built
from .scope import report_scope
from .sections import GENERIC_HEADING, split_sections
from .tables import Context, find_anchors
from .templates import latest, table_addresses, template
from .traces import TRACED, TRACED_BLANK_TOTALS, TRACED_CELLS

TABLE_NAMES = {
    "t2": "table 二 (主动公开政府信息情况)",
    "t3": "table 三 (收到和处理政府信息公开申请情况)",
    "t4": "table 四 (行政复议、行政诉讼情况)",
}


class ParseError(Exception):
    pass


# the youngest generation's threshold in a process that parses report after report
GC_YOUNG_THRESHOLD = 5000


def tune_gc() -> None:
    """Set the cyclic garbage collector for a process that parses many reports, once, after
    its imports (a build's worker, `xxgk parse`, the benchmarks; never per report): what
    start-up made (modules, templates, compiled patterns) is collected once and frozen,
    so that no later collection walks it again, and the youngest generation is collected
    after 5,000 allocations net instead of 700. A parse makes some hundred thousand
    tuples and lists, nearly all freed by reference counting, so most young collections
    find nothing; they cost about 3 % of a text report's parse with the default
    threshold, and the older generations' walks over what a process holds come on top.
    Nothing in a parse depends on when the collector runs."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, GC_YOUNG_THRESHOLD), middle, old)


def read_any(data: bytes) -> Document:
    from .readers import read_document

    return read_document(data)


def parse_file(path: Path, url: str | None = None) -> Report:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        return Report(
            "",
            {"path": str(path), "url": url, "sha256": None, "format": None},
            None,
            None,
            "unknown",
            error=f"cannot read {path}: {e.strerror or e}",
        )
    return parse_bytes(data, name=str(path), url=url)


def parse_bytes(data: bytes, name: str | None = None, url: str | None = None) -> Report:
    sha = hashlib.sha256(data).hexdigest()
    source = {"path": name, "url": url, "sha256": sha, "format": None}
    rid = sha[:16]
    if not data.strip():
        return Report(rid, source, None, None, "unknown", error="empty file: no bytes to parse")
    try:
        doc = read_any(data)
    except Exception as e:  # any reader failure becomes this report's error line
        return Report(rid, source, None, None, "unknown", error=f"cannot read {name or 'input'}: {e}")
    source["format"] = doc.format
    if doc.header_value("原文链接", "链接", "URL", "url") and not url:
        source["url"] = doc.header_value("原文链接", "链接", "URL", "url")
    try:
        return _parse_document(doc, rid, source)
    except RecursionError:
        return Report(rid, source, None, None, "unknown", error="document too deeply nested to parse")


def _regions(flat: Flat, heads: list) -> dict:
    text = flat.text
    pos = {k: (s, e) for k, _, s, e in heads}
    n = len(text)

    def first(pattern: str, start: int = 0) -> int | None:
        m = re.search(pattern, text[start:])
        return start + m.start() if m else None

    t2s = pos["active_disclosure"][1] if "active_disclosure" in pos else (first(r"第\s*二\s*十\s*条") or 0)
    t3s = (
        pos["applications"][1]
        if "applications" in pos
        else (first(r"申\s*请\s*人\s*情\s*况|本\s*年\s*新\s*收", t2s) or t2s)
    )
    t2e = pos["applications"][0] if "applications" in pos else t3s
    t4s = (
        pos["review_litigation"][1]
        if "review_litigation" in pos
        else (first(r"结\s*转\s*下\s*一?\s*年\s*度[^\n]{0,40}?", t3s) or n)
    )
    t3e = pos["review_litigation"][0] if "review_litigation" in pos else (first(r"行\s*政\s*复\s*议", t4s) or n)
    later = [s for k, (s, e) in pos.items() if k in ("problems", "other_matters") and s > t4s]
    t4e = min(later) if later else n
    m = GENERIC_HEADING.search(text, t4s, t4e)
    while m:
        if m.group(1) in "五六七八九":
            t4e = m.start()
            break
        m = GENERIC_HEADING.search(text, m.end(), t4e)
    return {"t2": (t2s, max(t2s, t2e)), "t3": (t3s, max(t3s, t3e)), "t4": (t4s, max(t4s, t4e))}


def _prose(text: str, regions: dict) -> str:
    """The report's text outside the table regions."""
    out, pos = [], 0
    for s, e in sorted(regions.values()):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return "\n".join(out)


# two values with only spaces between them, as text taken from a page or a PDF prints a
# row: found from the space after the first value's last digit (a class the regex engine
# scans fast; a pattern starting with \d is tried at every position), so the search
# starts one character on, that digit standing at the region's start at the earliest
_SPACED_VALUES = re.compile(r"[ \u3000](?<=\d[ \u3000])[ \u3000]*[+\-]?\d")


def _extract_tables(flat: Flat, tpl, regions: dict, vanish: bool, blank_totals: bool = False):
    t3_start, t3_end = regions["t3"]
    spaced = _SPACED_VALUES.search(flat.text, t3_start + 1, t3_end) is not None
    codes = {w.code for w in flat.doc.warnings}
    ctx = Context(
        flat,
        tpl,
        vanish,
        find_anchors(_prose(flat.text, regions)),
        spaced,
        reading_order="PDF_TEXT_READING_ORDER" in codes,
        layout="PDF_TEXT_LAYOUT" in codes,
        traced=_traced(flat, blank_totals),
    )
    out = {}
    for key, fn in (("t2", extract_t2), ("t3", extract_t3), ("t4", extract_t4)):
        s, e = regions[key]
        out[key] = fn(ctx, s, e)
    return out


def _parse_document(doc: Document, rid: str, source: dict) -> Report:
    warnings: list[Warning] = list(doc.warnings)
    flat = Flat(doc)
    if not flat.text.strip():
        return Report(
            rid, source, None, None, "unknown", warnings=tuple(warnings), error="no text found in the document"
        )
    agency, agency_source, year = report_metadata(flat, warnings)
    scope, scope_evidence = report_scope(flat.text)
    # what the report is, beside its cells
    about = {"agency_source": agency_source, "scope": scope, "scope_evidence": scope_evidence}
    version = detect_version(flat, year, warnings)
    if version == "pre2019":
        from .pre2019 import extract_pre2019, split_pre2019_sections
        from .pre2019_checks import report_checks

        sections = split_pre2019_sections(flat)
        cells, w = extract_pre2019(flat)
        warnings += w
        return Report(
            rid,
            source,
            agency,
            year,
            "pre2019",
            tuple(sections),
            with_context(cells, flat.text),
            tuple(report_checks(cells)),
            tuple(warnings),
            published=doc.header_value("发布时间", "发布日期"),
            **about,
        )
    if version == "unknown":
        if "信息公开" not in flat.text:
            return Report(
                rid,
                source,
                agency,
                year,
                "unknown",
                warnings=tuple(warnings),
                **about,
                error="not a government information-disclosure annual report (no 信息公开 text, no template labels)",
            )
        tpl = template(latest())
        warnings.append(
            Warning("VERSION_UNKNOWN", f"no template labels and no report year: assuming the {tpl.version} template")
        )
    else:
        tpl = template(version)
    sections, heads = split_sections(flat, tpl)
    regions = _regions(flat, heads)
    tables = _extract_tables(flat, tpl, regions, vanish=False)
    if _blanks_vanish(tables):
        tables = _extract_tables(flat, tpl, regions, vanish=True)
        warnings.append(
            Warning(
                "BLANKS_VANISHED",
                "some rows print fewer values than columns: empty cells left no trace, so every row was read allowing vanished blanks",
            )
        )
    elif _joined_web_text(flat) and _rows_unread(tables):
        tables = _extract_tables(flat, tpl, regions, vanish=True)
        warnings.append(
            Warning(
                "BLANKS_VANISHED",
                "some rows of a page's text whose cells ran together fit no "
                "reading with every cell kept: empty cells may have left no trace, so every row "
                "was read allowing vanished blanks anywhere",
            )
        )
    if _joined_web_text(flat) and _blank_total_stated(tables["t3"]):
        tables = _extract_tables(flat, tpl, regions, vanish=_vanished(warnings), blank_totals=True)
        warnings.append(
            Warning(
                "BLANKS_VANISHED",
                "table 三 of a page's text whose cells ran together leaves a "
                "total blank: in every row a printed total that adds up was not preferred to a "
                "blank one",
            )
        )
    cells: list[ReportCell] = []
    for key, res in tables.items():
        warnings += res.warnings
        if not res.found:
            warnings.append(
                Warning("TABLE_MISSING", f"{TABLE_NAMES[key]} not found in the document; its cells are absent")
            )
            continue
        cells += _complete(tpl, key, res.cells, flat, regions[key][0])
    found_keys = {s.key for s in sections}
    missing = [s.number for s in tpl.sections if s.key not in found_keys]
    if missing:
        warnings.append(Warning("SECTIONS_MISSING", f"section headings not found: {'、'.join(missing)}"))
    if not cells and len(found_keys - {"preface"}) <= 1 and version == "unknown":
        return Report(
            rid,
            source,
            agency,
            year,
            "unknown",
            tuple(sections),
            (),
            (),
            tuple(warnings),
            **about,
            error="not an annual report: no template sections or tables found",
        )
    checks = checks_mod.evaluate(tpl, cells) if cells else []
    competing = tuple(
        {"row": row, "options": options}
        for key, res in tables.items()
        if res.found
        for row, options in sorted(res.readings.items())
    )
    return Report(
        rid,
        source,
        agency,
        year,
        tpl.version if version != "unknown" else "unknown",
        tuple(sections),
        with_context(cells, flat.text),
        tuple(checks),
        tuple(warnings),
        published=doc.header_value("发布时间", "发布日期"),
        readings=competing,
        **about,
    )


CONTEXT_CHARS = 24  # of the reader's text on each side of a value


def with_context(cells, text: str) -> tuple[ReportCell, ...]:
    """The cells, each with a short snippet of the text around it, the value in brackets
    (``…属于行政查询事项 0 0 [3] 0…``; tabs and line breaks shown as spaces), so that a
    person can find the number in the source.

    Every cell of a report gets one, and the snippets overlap (48 characters around each
    of some 200 values: nearly four times the text), so the whitespace is worked on in
    the text, once: each whitespace character becomes a space there (`_spaced`: the
    offsets stay), and the snippets are cut from that. Only runs of two spaces or more
    are left to collapse, and only where the text has one: then in one pass over all the
    snippets, joined by a character that is no whitespace (collapsing the whole equals
    collapsing each side of each value, as the brackets and the joints stand between
    them). A value holding whitespace (the rare one) is done apart."""
    out = list(cells)
    n = len(text)
    spaced = _spaced(text)
    todo: list[int] = []
    snippets: list[str] = []
    for i, c in enumerate(out):
        off, raw = c.offset, c.raw
        if off is not None and raw:
            end = off + len(raw)
            a = off - CONTEXT_CHARS if off > CONTEXT_CHARS else 0
            b = end + CONTEXT_CHARS if end + CONTEXT_CHARS < n else n
            head, tail = "…" if a else "", "…" if b < n else ""
            if raw.isdigit() or not _SPACES.search(raw):
                todo.append(i)
                snippets.append(f"{head}{spaced[a:off]}[{raw}]{spaced[end:b]}{tail}")
            else:
                context = f"{head}{_SPACES.sub(' ', text[a:off])}[{raw}]{_SPACES.sub(' ', text[end:b])}{tail}"
                out[i] = _with(c, context)
    if "  " in spaced:  # runs to collapse: in one pass where no joint is in the text
        if _JOINT in text:
            snippets = [_halve_spaces(s) for s in snippets]
        else:
            snippets = _halve_spaces(_JOINT + _JOINT.join(snippets) + _JOINT).split(_JOINT)[1:-1]
    new = _new  # (with every field: ReportCell's own __new__ is a Python call)
    for i, context in zip(todo, snippets):
        out[i] = new(ReportCell, out[i][:9] + (context,))
    return tuple(out)


_JOINT = "\x00"  # joins the snippets for one pass (not whitespace)
# whitespace (str.isspace, the regex's \s) other than the space, tab and line feed, listed
# (a class the engine tests by table; "[^\S \t\n]" costs three times as much)
_RARE_SPACE = re.compile("[\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def _spaced(s: str) -> str:
    """`s` with each whitespace character (the regex's \\s) a space, by whole-string
    replacements (a regex substitution makes one object per match): tabs and line
    breaks, then any other whitespace found."""
    if "\t" in s:
        s = s.replace("\t", " ")
    if "\n" in s:
        s = s.replace("\n", " ")
    if _RARE_SPACE.search(s):
        for c in set(_RARE_SPACE.findall(s)):
            s = s.replace(c, " ")
    return s


def _halve_spaces(s: str) -> str:
    """Each run of spaces in `s` as one space: runs halved until none is left."""
    while "  " in s:
        s = s.replace("  ", " ")
    return s


def _with(c: ReportCell, context: str) -> ReportCell:
    # (tuple.__new__ with every field: ReportCell's own __new__ is a Python call)
    return _new(ReportCell, (*c[:9], context))


_SPACES = re.compile(r"\s+")


def _blanks_vanish(tables) -> bool:
    return any(w.code == "ROW_TOO_SHORT" for t in tables.values() for w in t.warnings)


def _joined_web_text(flat: Flat) -> bool:
    return any(w.code == "FLATTENING" and w.message in (JOINED_WEB_TEXT, LINED_WEB_TEXT) for w in flat.doc.warnings)


def _traced(flat: Flat, blank_totals: bool) -> int:
    """Context.traced for the text: a page's text whose empty cells left a no-break space
    or nothing (traces.py), its cells run together or one per line."""
    if not _joined_web_text(flat):
        return 0
    lined = any(w.code == "FLATTENING" and w.message == LINED_WEB_TEXT for w in flat.doc.warnings)
    return TRACED | (TRACED_BLANK_TOTALS if blank_totals else 0) | (TRACED_CELLS if lined else 0)


def _vanished(warnings) -> bool:
    return any(w.code == "BLANKS_VANISHED" for w in warnings)


def _blank_total_stated(t3) -> bool:
    """A row of table 三 read with its total blank: the table leaves totals blank."""
    return any(a.endswith("/total") and c.status == "blank" for a, c in t3.cells.items())


def _rows_unread(tables) -> bool:
    return any(w.code == "ROW_UNREADABLE" for t in tables.values() for w in t.warnings)


@cache
def _wanted(version: str, table: str) -> frozenset[str]:
    return frozenset(table_addresses(version, table))


def _complete(tpl, table: str, cells: dict, flat: Flat, start: int) -> list[ReportCell]:
    """Every template cell of a found table exactly once, in template order, then the
    table's cells the template does not list (a printed group row's)."""
    want = table_addresses(tpl.version, table)
    out = list(map(cells.get, want))
    missing = out.count(None)
    # (all of the cells are the template's where as many were found as there are cells)
    extra = (
        []
        if len(out) - missing == len(cells)
        else [c for a, c in cells.items() if a not in _wanted(tpl.version, table)]
    )
    if not missing:
        return out + extra
    # group rows printed instead of their parts (only table 三 has them)
    group_printed = set()
    if table == "t3":
        derived = tpl.t3_derived
        for a in cells:
            parts = a.split("/")
            if len(parts) == 3 and parts[1] in derived:
                group_printed.add(parts[1])
    missing_loc = None
    found = out
    out = []
    for a, c in zip(want, found):
        if c is not None:
            out.append(c)
        elif table == "t3" and a.split("/")[1].split(".")[0] in group_printed and "." in a.split("/")[1]:
            continue  # a printed group row stands for its parts
        else:
            if missing_loc is None:
                missing_loc = flat.loc(start)
            out.append(ReportCell(a, None, "", "unresolved", missing_loc))
    return out + extra
