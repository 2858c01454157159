"""A place name one character off a register name by a similar-looking glyph (平谭 for 平潭).

Reports and crawlers misspell places by a glyph that looks alike (潭/谭, 湖/胡, 泽/择), most
often in a hand-typed title or a scan. When an agency's place does not match the register,
`fix_place_typo` looks for register names of the same length that differ from a piece of the
name in exactly one character (never the suffix 市/县/镇 …), where the two characters look
alike (found by key: each name is indexed once per character a typo may touch, with that
character blanked), and accepts a fix only when exactly one such name exists — among the places under the
other divisions the name gives (永安市大胡镇 → 永安市大湖镇), or nationally when it gives none.
The caller warns (PLACE_NAME_FUZZY) with both spellings.

"Look alike" is measured with four-corner codes (四角号码, from the ``four-corner-method``
package, a table of 20,000+ characters, kept in the region store with the register's names,
`pipeline.region_store`): two characters look alike when their codes agree on
both left corners or on both right corners (潭 31146 / 谭 31746 share the right side 覃). That
admits some pairs a reader would not confuse, so the extra corner (附角, the fifth digit) must
agree too and a shared side of two bare corners (0, 0) does not count; the uniqueness rule
above is what keeps a fix safe.
"""

from __future__ import annotations

MIN_FULL = 3  # full names shorter than this are too easily one glyph off something else


def _codes():
    """Four-corner codes by character (the package's table, kept in the region store)."""
    from pipeline.regions import _index

    return _index().glyphs


def similar_glyphs(a: str, b: str) -> bool:
    """Whether two different characters look alike (same left or right corners)."""
    if a == b:
        return False
    ca, cb = _codes().get(a), _codes().get(b)
    if not ca or not cb or len(ca) < 4 or len(cb) < 4:
        return False
    if len(ca) > 4 and len(cb) > 4 and ca[4] != cb[4]:
        return False  # the extra corner (附角) differs
    right, left = (ca[1], ca[3]), (ca[0], ca[2])
    return (right == (cb[1], cb[3]) and right != ("0", "0")) or (left == (cb[0], cb[2]) and left != ("0", "0"))


WILD = "\uffff"  # a noncharacter: in no register name


def typo_keys(name: str, kind: str) -> list[str]:
    """The name with one character replaced by WILD, for each character a typo may touch:
    not the suffix of a full name (市, 县, 镇 …); none for names too short to fix."""
    if len(name) < (MIN_FULL if kind == "full" else 2):
        return []
    return [name[:j] + WILD + name[j + 1 :] for j in range(len(name) - (kind == "full"))]


def _one_glyph_off(piece: str, kind: str) -> list[str]:
    """Register names (full or short) that differ from `piece` in one character a typo may
    touch, by a similar glyph (names sharing a typo key with it, `pipeline.region_store`)."""
    from pipeline.regions import _index

    db = _index().db
    found = []
    for key in typo_keys(piece, kind):
        j = key.index(WILD)
        for (n,) in db.execute("SELECT name FROM typo WHERE kind = ? AND k = ?", (kind, key)):
            if n[j] != piece[j] and similar_glyphs(piece[j], n[j]):
                found.append(n)
    return found


def fix_place_typo(name: str, within: frozenset = frozenset()) -> tuple[str, str, str] | None:
    """(fixed name, the piece as printed, the register name) when exactly one register name
    is one similar glyph off a piece of `name` that matches nothing; None otherwise.

    `within`: division codes the rest of the name settles (the fix must lie under one); full
    names are tried anywhere, short forms (平潭 of 平潭县) only at the start of the name."""
    from pipeline.regions import _index

    idx = _index()
    hits: set[tuple[int, str, str]] = set()
    for i in range(len(name)):
        for n in range(min(idx.maxlen, len(name) - i), 1, -1):
            piece = name[i : i + n]
            if piece in idx.full or piece in idx.short:
                continue
            kinds = ["full"] if n >= MIN_FULL else []
            if i == 0:
                kinds.append("short")
            for kind in kinds:
                for right in _one_glyph_off(piece, kind):
                    divs = idx.full.get(right, ()) if kind == "full" else idx.short.get(right, ())
                    if within:
                        divs = [d for d in divs if idx.path_codes[d.code] & within]
                    if divs:
                        hits.add((i, piece, right))
    if len({(i, right) for i, _, right in hits}) != 1:
        return None
    i, piece, right = next(iter(hits))
    return name[:i] + right + name[i + len(piece) :], piece, right
