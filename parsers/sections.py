"""Section headings 一 … 六 of the 2019/2021 templates, found anywhere in the flat text.

Crawler text puts a whole report on one line, so a heading may be glued to the end of
the previous sentence ("…改进。五、存在的主要问题…"). A heading therefore needs its
section numeral (or a line start), titles come from the template's variant lists, and
the chosen headings must follow the template order — so sub-heading runs such as
（一）…（四） that recur inside a section never split the report.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import NamedTuple

from . import regex_cache
from .document import Flat
from .labels import loose, loose_core
from .model import Section
from .templates import Template, norm_label

_NUM = "一二三四五六七八九十"


def _heading_num(number: str, title: str) -> str:
    # Long titles are specific enough to accept a report's own renumbering (an extra
    # section pushes 存在的主要问题 to 六、); short ones need their template numeral.
    return f"[{_NUM}]{{1,2}}" if len(norm_label(title)) >= 6 else number


def _heading_prefix(num: str) -> str:
    """What may stand before a title: its numeral and 、 (not in （四）), or a line start."""
    return rf"(?:(?<![（(]){num}\s*[、.．]\s*|(?:^|(?<=\n)))[ \t\u3000]*"


class _Heading(NamedTuple):
    """A section's heading pattern and, where every title starts with a Han character
    that is no numeral, the pattern of its titles alone (see `_search`)."""

    pattern: re.Pattern
    titles: re.Pattern | None


@cache
def _section_heading(number: str, titles: tuple[str, ...]) -> _Heading:
    han_start = all("\u4e00" <= c <= "\u9fff" and c not in _NUM for c in (loose_core(t)[:1] for t in titles))
    alone = regex_cache.compile("|".join(f"(?:{loose(t)})" for t in titles)) if han_start else None
    return _Heading(_section_regex(number, titles), alone)


# what a heading's prefix is made of (numerals, 、 . ．, spaces): _search backs up over them
_PREFIX_CHARS = frozenset(_NUM + "、.．\u3000")


def _search(heading: _Heading, text: str, cursor: int) -> re.Match | None:
    """heading.pattern.search(text, cursor), found from its titles.

    The heading pattern starts with a prefix the engine tries at every position of the
    text (a numeral after no bracket, or a line start); a title starts with a Han
    character, which the engine finds fast. Every match holds a title where the titles'
    pattern matches, and its prefix is only numerals, 、.． and spaces, which no title
    starts with: so the first match either holds the first title found at or after the
    cursor (and starts in the run of prefix characters right before it) or starts
    after that title. Each title found is tried with the run before it, the first
    match kept: the same match as the search, for a few positions tried per title."""
    if heading.titles is None:
        return heading.pattern.search(text, cursor)
    titles, match = heading.titles.search, heading.pattern.match
    pos = cursor
    while (t := titles(text, pos)) is not None:
        p = t.start()
        q = p
        while q > cursor and (text[q - 1] in _PREFIX_CHARS or text[q - 1].isspace()):
            q -= 1
        for s in range(q, p + 1):
            m = match(text, s)
            if m is not None:
                return m
        pos = p + 1
    return None


@cache
def _section_regex(number: str, titles: tuple[str, ...]) -> re.Pattern:
    """One pattern for all of a section's titles, tried longest first.

    Searching for each title's heading (prefix + title) alone and keeping the earliest
    match, the first title on a tie, gives the same match as one search for the
    alternation of those headings in that order — in one pass over the text instead
    of one per title. Titles that share their prefix share it in the pattern too
    (prefix (?:title1|title2…)), which leaves the engine one prefix to try at each
    position instead of one per title; that is still the same match because a title
    that starts with a Han character other than a numeral can follow a given prefix
    start at one place only (right after the prefix's spaces). Compiled once per
    template section (the arguments are the template's strings)."""
    cores = [loose(t) for t in titles]
    firsts = [loose_core(t)[:1] for t in titles]
    han_start = all("\u4e00" <= c <= "\u9fff" and c not in _NUM for c in firsts)
    if not han_start:  # some title could start inside a prefix: one heading per title
        return regex_cache.compile(
            "|".join(f"(?:{_heading_prefix(_heading_num(number, t))}(?:{c}))" for t, c in zip(titles, cores))
        )
    groups: list[tuple[str, list[str]]] = []  # runs of titles with the same numeral rule
    for t, c in zip(titles, cores):
        num = _heading_num(number, t)
        if groups and groups[-1][0] == num:
            groups[-1][1].append(c)
        else:
            groups.append((num, [c]))
    return regex_cache.compile(
        "|".join(f"(?:{_heading_prefix(num)}(?:{'|'.join(f'(?:{c})' for c in cs)}))" for num, cs in groups)
    )


def find_headings(flat: Flat, tpl: Template) -> list[tuple[str, str, int, int]]:
    """(key, number, start, end) of each template section found, in order."""
    text = flat.text
    out: list[tuple[str, str, int, int]] = []
    cursor = 0
    for sec in tpl.sections:
        best = _search(_heading_of(sec), text, cursor)
        if best is None:
            best = _fuzzy(text, cursor, sec)
        if best is None:
            continue
        # A later section found before this one means this match is spurious.
        out.append((sec.key, sec.number, best.start(), best.end()))
        cursor = best.end()
    return out


@cache
def _heading_of(sec) -> _Heading:
    """The heading of a template section: its titles, longest first (worked out once)."""
    titles = tuple(sorted(set(sec.variants) | {sec.title}, key=len, reverse=True))
    return _section_heading(sec.number, titles)


class _M:
    def __init__(self, s, e):
        self._s, self._e = s, e

    def start(self):
        return self._s

    def end(self):
        return self._e


def _fuzzy(text: str, cursor: int, sec) -> _M | None:
    """A numbered heading whose title is misspelt by a character or two."""
    targets = [norm_label(v) for v in sec.variants]
    for m in re.finditer(rf"(?<![（(]){sec.number}\s*[、.．]", text[cursor:]):
        s = cursor + m.start()
        e0 = cursor + m.end()
        for t in targets:
            window = re.sub(r"\s+", "", text[e0 : e0 + len(t) + 8])
            for ln in (len(t) - 1, len(t), len(t) + 1, len(t) + 2):
                cand = window[:ln]
                if len(t) >= 6 and difflib.SequenceMatcher(None, cand, t).ratio() >= 0.85:
                    # map the candidate length back to raw text (whitespace removed above)
                    raw_end, seen = e0, 0
                    while raw_end < len(text) and seen < ln:
                        if not text[raw_end].isspace():
                            seen += 1
                        raw_end += 1
                    return _M(s, raw_end)
    return None


def split_sections(flat: Flat, tpl: Template) -> tuple[list[Section], list[tuple[str, str, int, int]]]:
    heads = find_headings(flat, tpl)
    text = flat.text
    sections: list[Section] = []
    first = heads[0][2] if heads else len(text)
    pre = text[:first].strip()
    if pre:
        sections.append(Section("preface", "", "", pre, flat.loc(0).line))
    for i, (key, number, s, e) in enumerate(heads):
        nxt = heads[i + 1][2] if i + 1 < len(heads) else len(text)
        title = _numbering(number).sub("", text[s:e]).strip()
        sections.append(Section(key, number, title, text[e:nxt].strip(), flat.loc(s).line))
    return sections, heads


@cache
def _numbering(number: str) -> re.Pattern:
    """A heading's numbering (一、), taken off its title."""
    return re.compile(rf"^\s*{number}\s*[、.．]\s*")


GENERIC_HEADING = re.compile(rf"(?<![（(])([{_NUM}]{{1,2}})\s*[、.．]\s*(?=[\u4e00-\u9fff])")
