"""Regexes that find template labels in flattened text.

Labels are matched on their normalised core (see templates.norm_label) with any
whitespace or quotes allowed between characters, because scrapers and PDF text wrap
labels anywhere ("本年新 制作数量", "商业\n企业", "结 果 维 持").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from . import regex_cache
from .rowloops import NATIVE as _LOOPS
from .templates import norm_label

_GAP = r"[\s“”\"'‘’「」『』*]*"
_WIDTH = {
    "(": "(（",
    ")": ")）",
    ":": ":：",
    ",": ",，",
    "、": "、,，",
    ".": ".．",
    "/": "/／",
    "-": "-－",
    ";": ";；",
    "+": "+＋",
    "%": "%％",
}
NUM_CN = "一二三四五六七八九十"


def _char(c: str) -> str:
    if c in _WIDTH:
        return "[" + re.escape(_WIDTH[c]) + "]"
    if c.isdigit():
        return "[" + c + chr(ord(c) - ord("0") + ord("０")) + "]"
    return re.escape(c)


def loose_core(text: str) -> str:
    """The characters loose(text) matches, one after another: NFKC, no spaces or quotes."""
    core = unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))
    return re.sub(r"[“”\"'‘’「」『』]", "", core)


def loose(text: str, gap: str = _GAP) -> str:
    """Regex source for `text` (normalised) tolerating gaps between characters."""
    return gap.join(_char(c) for c in loose_core(text))


# A table label wrapped in its cell, as PDF-to-text tools print it with the cells beside
# it: the next line may start with a fragment of the label in the column to its left
# (a group label printed a few characters per line: "（四）无 1.本机关不掌握" /
# "法提供 相关政府信息"), before the label goes on.
_CELL_GAP = _GAP + r"(?:\n[ \t\u3000]*[^\s\d]{1,5}(?:[ \t\u3000]+|(?=\n))" + _GAP + ")?"


@cache
def compile_alternatives(alternatives: tuple[str, ...]) -> re.Pattern:
    """One pattern for the labels of a table row (or group): a label may wrap anywhere."""
    cores = sorted({norm_label(a) for a in alternatives if norm_label(a)}, key=len, reverse=True)
    return regex_cache.compile("|".join(f"(?:{loose(c, _CELL_GAP)})" for c in cores))


# A value standing alone between spaces (not a row's numbering such as "1." glued to it).
LONE_VALUE = re.compile(r"(?<!\S)[+\-]?\d(?:[\d,.]*\d)?(?!\S)")


def without_values(text: str) -> str:
    """`text` with every lone value blanked out, offsets kept: the text labels are searched
    in, so that a label wrapped over lines is found whole when a tool printed the row's
    values between its lines ("2.没有现成信息" / "1  0  0  1" / "需要另行制作")."""
    if _LOOPS is not None:  # the same substitution as a scan in C (rowloops.py)
        return _LOOPS.blank_lone_values(text)
    return LONE_VALUE.sub(lambda m: " " * len(m.group(0)), text)


# Trailing remarks some provinces add to labels: （区分处理的…）, （单位：万元）, （指2019年事项数）.
# A remark may wrap onto the next line, but never across a line of values; in the text
# labels are searched in (without_values below) such a line is blank, and the values a
# remark wraps around are the row's own. A row numbering ("（六）", "（六 ）" where a line
# break inside it became a space) is the next label's.
TRAILING_PAREN = re.compile(
    r"[ \t\u3000]*[（(](?!\s*[一二三四五六七八九十\d]{1,2}\s*[)）])(?:[^（()）\t\n]|\n(?![ \u3000]*[+\-]?[0-9０-９][0-9０-９.,， \u3000]*(?:\n|$))){0,60}[)）]"
)


def numbering_before(text: str, pos: int, number: str | None) -> int:
    """Start of the row numbering ("2.", "（2）", "（三）", "三、") right before `pos`, or `pos`.

    Only the template's own number is accepted, so that a number glued to the previous
    row's digits ("00000002.其他…") is cut at the right place."""
    lo = max(0, pos - 8)
    head = text[lo:pos]
    if number is None:
        return pos
    for p in _numbering_patterns(number):
        m = p.search(head)
        if m:
            return lo + m.start()
    return pos


@cache
def _numbering_patterns(number: str) -> tuple[re.Pattern, ...]:
    if number.isdigit():
        pats = [rf"{number}\s*[.．、]\s*$", rf"[（(]\s*{number}\s*[)）]\s*$"]
    else:
        pats = [rf"[（(]\s*{number}\s*[)）]\s*[、.．]?\s*$", rf"{number}\s*[、.．]\s*$"]
    return tuple(re.compile(p) for p in pats)


def label_number(label: str) -> str | None:
    s = unicodedata.normalize("NFKC", label).strip()
    m = re.match(r"^[（(]\s*([一二三四五六七八九十\d]+)\s*[)）]", s) or re.match(
        r"^([一二三四五六七八九十]+|\d+)\s*[、.．]", s
    )
    return m.group(1) if m else None
