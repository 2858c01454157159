"""Cell text -> value and status, as the output contract defines them.

status: "number" (value set), "blank" (empty cell), "dash" (—, -, / : not applicable),
"text" (无 and other words). Zero only ever comes from a literal 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

DASHES = {"-", "—", "–", "－", "/", "／", "——", "--", "－－", "\\", "—-", "-—"}
_UNIT = r"(?:万元|元|件|项|条|个|人次|人|次|%|％)"
NUMBER = re.compile(rf"^(?P<sign>[+\-])?(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)(?P<frac>\.\d+)?(?P<unit>{_UNIT})?$")
_WORD_SIGN = re.compile(r"^(增加|增|新增|减少|减)(.*)$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Value:
    value: int | float | None
    status: str  # number | blank | dash | text
    unit: str | None = None


def clean(raw: str) -> str:
    s = unicodedata.normalize("NFKC", raw or "")
    s = s.replace("\u00a0", " ").replace("&nbsp;", " ")
    return _SPACE.sub("", s)


def parse_value(raw: str, *, signed: bool = False, decimal: bool = False) -> Value:
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return Value(int(raw), "number")  # plain digits, most cells: what the steps below give
    return _parse(raw)


@lru_cache(maxsize=4096)
def _parse(raw: str) -> Value:
    """parse_value of a text other than plain digits, memoised: the same few (blank, 无,
    dashes) make most of them, and the matcher reads each cell's text many times."""
    s = clean(raw).strip("*")
    if not s:
        return Value(None, "blank")
    if s in DASHES:
        return Value(None, "dash")
    sign = 1
    m = _WORD_SIGN.match(s)
    if m and m.group(2):
        sign = -1 if m.group(1).startswith("减") else 1
        s = m.group(2)
    m = NUMBER.match(s)
    if not m:
        return Value(None, "text")
    if m.group("sign") == "-":
        sign = -sign
    digits = m.group("num").replace(",", "")
    frac = m.group("frac")
    unit = m.group("unit")
    if frac:
        try:
            v: int | float = float(Decimal(digits + frac)) * sign
        except InvalidOperation:
            return Value(None, "text")
    else:
        v = int(digits) * sign
    return Value(v, "number", unit)


def is_valueish(token: str) -> bool:
    """True when a whole token reads as a cell value (number, dash or 无)."""
    s = clean(token)
    return bool(s) and (s in DASHES or s == "无" or bool(NUMBER.match(s)))
