"""Which cells of a generated page the text a scraper tool makes of it still decides.

A test helper, independent of the parser: it reads the page's tables from the HTML (which
cell printed a number, which an `&nbsp;`, which nothing), derives what each tool's text
keeps of every row, and enumerates every filling of that text consistent with the
template's shape and hard identities. A cell is *decidable* when all such fillings give it
the same value (a blank differs from 0); the parser can be asked to state exactly those.

What each tool's text keeps of a table row (`Flattening`):

- html2text, trafilatura: every cell, empty ones included (one filling).
- get_text(' ', strip=True): the printed values, one word each; an empty cell (`&nbsp;`
  is stripped too) leaves nothing, so a row of k words in n columns is any placement of
  them among n - k blanks.
- get_text('\\n'): each printed value alone on a line, a no-break space alone on a line
  for an `&nbsp;` cell, nothing for an empty one; the rows of a page whose HTML breaks
  the line after `</tr>` are set apart by an empty line.
- get_text(): the same, with neighbouring values' digits run together ("2828323"): a
  run is cut every way a cell can be written (no leading zero, splitting._CELL), and the
  rows are set apart by a line break where the HTML has one.

A blank that left nothing is read only where the text needs one, as the parser's rule is
(README, BLANKS_VANISHED): when every row of the page reads with all its cells kept and
adds up, no blank vanished; otherwise any blank of any row may have.

A page that splits merged label cells (no rowspan) prints empty label cells before a
row's label: they trail the previous row's values, up to LABEL_PAD of them, and where no
row break sets them apart, the text does not say whether a trailing no-break space is
the row's empty cell or the next row's label cell; both are fillings.

Identities, under the blank policy (parsers.identities): a row's total (table 三, each
group of table 四) is the sum of its parts, an empty part counting 0 and an empty total
being missing (no check); down table 三's columns, the results total is the sum of the
result rows, and 新收 + 上年结转 = 总计 + 结转下年度, a blank in the 总计 row or in the
total column being missing. Table 二 has no hard identity: its rows are decided by their
text alone.

The enumeration is exact: each row's fillings are listed (ROW_LIMIT at most; past it the
row's cells are counted `unlisted`, never decidable), then table 三's column sums are
swept forward and backward over the result rows for each reading of its total row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import product
from typing import NamedTuple

from parsers.readings import cell_value, valid_for
from parsers.splitting import _CELL
from parsers.templates import spec, template

LABEL_PAD = 2  # empty label cells a page with split label cells prints before a row's label
ROW_LIMIT = 20_000  # fillings of one row listed before it is given up as unlisted
JOINT_LIMIT = 100_000  # states of table 三's column sums searched before it is given up as unlisted

TRACE = "\xa0"  # an `&nbsp;` cell in the text
BREAK = "\n"  # a row break the text keeps


class Obs(NamedTuple):
    """What the text keeps of one table row: `items` (a printed value's text, TRACE for an
    empty cell's no-break space; with `joined`, neighbouring values' texts are one item
    whose digits run together), then what stands after it before the next row's label
    (`after`: BREAK and TRACEs of the next row's empty label cells)."""

    items: tuple[str, ...]
    after: tuple[str, ...]


class Verdict(NamedTuple):
    decidable: dict  # address -> the one value every filling gives (None: blank)
    undecidable: set  # addresses whose fillings differ
    unlisted: set  # addresses of rows whose fillings were too many to list


# ------------------------------------------------------------------- the page's cells


class PageCell(NamedTuple):
    text: str  # the printed value, TRACE for &nbsp;, "" for an empty cell


class PageRow(NamedTuple):
    address_prefix: str  # "t3/granted", "t2/art20_1.regulations", "t4" (one row of 15 cells)
    keys: tuple[str, ...]  # column keys, in order (t4: "review/upheld", …)
    cells: tuple[PageCell, ...]
    pads: tuple[PageCell, ...]  # empty label cells before the row's label (unmerged pages)
    cols: tuple = ()  # the template's columns (parsers.templates.Column): what a cell may hold


def page_rows(html: str, values: dict, version: str) -> list[PageRow]:
    """The value rows of the page's tables 二, 三 and 四, read from its HTML."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    tables = soup.find_all("table")
    t2, t3, t4 = tables[:3]
    tpl = template(version)
    out: list[PageRow] = []

    def cell(td) -> PageCell:
        t = td.get_text()
        return PageCell(TRACE if t and not t.strip() else t.strip())

    trs = t2.find_all("tr")
    i = 0
    for b in tpl.table2:
        i += 2  # caption, header
        for r in b.rows:
            tds = trs[i].find_all("td")
            keys = tuple(c.key for c in b.columns)
            out.append(PageRow(f"t2/{b.key}.{r.key}", keys, tuple(map(cell, tds[1:])), (), tuple(b.columns)))
            i += 1
    head = len(spec()["versions"][version]["tables"]["table3"]["header"]["header_rows"])
    rows = [r.key for r in tpl.t3_rows]
    subs = [k for k in rows if k.startswith("other.")]
    if subs and any(a.startswith("t3/other/") for a in values):  # one （六）其他处理 row for its parts
        j = rows.index(subs[0])
        rows = [k for k in rows if not k.startswith("other.")]
        rows.insert(j, "other")
    cols = tuple(c.key for c in tpl.t3_columns)
    for key, tr in zip(rows, t3.find_all("tr")[head:]):
        tds = tr.find_all("td")
        labels = tds[: len(tds) - len(cols)]
        pads = []
        for td in labels:
            if td.get_text().strip():
                break
            pads.append(cell(td))
        out.append(PageRow(f"t3/{key}", cols, tuple(map(cell, tds[-len(cols) :])), tuple(pads), tpl.t3_columns))
    keys = tuple(f"{r.key}/{c.key}" for r in tpl.t4_rows for c in tpl.t4_columns)
    t4_cols = tuple(c for _ in tpl.t4_rows for c in tpl.t4_columns)
    out.append(PageRow("t4", keys, tuple(map(cell, t4.find_all("tr")[-1].find_all("td"))), (), t4_cols))
    return out


# ------------------------------------------------------------------- what a tool keeps

KEPT = "kept"
WORDS = "words"  # get_text(' ', strip=True)
LINES = "lines"  # get_text('\n')
JOINED = "joined"  # get_text()
FLATTENING = {
    "get_text()": JOINED,
    "get_text(' ', strip=True)": WORDS,
    "get_text('\\n')": LINES,
    "html2text": KEPT,
    "trafilatura": KEPT,
}


def observe(row: PageRow, next_row: PageRow | None, kind: str, breaks: bool) -> Obs:
    """What text of `kind` keeps of `row` (`breaks`: the HTML breaks the line after each
    row, so LINES and JOINED text set rows apart)."""
    items: list[str] = []
    for c in row.cells:
        if c.text == TRACE:
            if kind in (LINES, JOINED):
                items.append(TRACE)
        elif c.text:
            if kind == JOINED and items and items[-1] != TRACE:
                items[-1] += c.text
            else:
                items.append(c.text)
    after: list[str] = []
    if kind in (LINES, JOINED) and next_row is not None and next_row.address_prefix.startswith("t3/"):
        if breaks and row.address_prefix.startswith("t3/"):
            after.append(BREAK)
        after += [TRACE for c in next_row.pads if c.text == TRACE]
    return Obs(tuple(items), tuple(after))


# ------------------------------------------------------------------- fillings of a row


def _pieces(s: str, pos: int) -> list[int]:
    """Ends of every cell text starting at s[pos] (no leading zero)."""
    if s[pos] == "0" and pos + 1 < len(s) and s[pos + 1].isdigit():
        return [pos + 1]
    return [e for e in range(pos + 1, len(s) + 1) if _CELL.fullmatch(s[pos:e])]


class TooMany(Exception):
    pass


def row_fillings(obs: Obs, cols: tuple, kind: str, vanish: bool = True) -> set[tuple]:
    """Every way to read the row's text as its n cells (values: cell_value of the text,
    None for a blank): a cell is a printed value, a trace, or a blank that left nothing;
    trailing traces may be the next row's label cells unless a row break sets them apart."""
    items = list(obs.items)
    tails = [items]
    if BREAK not in obs.after and kind in (LINES, JOINED):
        # trailing traces before the next label: this row's or the next row's label cells
        k = 0
        while k < LABEL_PAD and k < len(items) and items[-1 - k] == TRACE:
            k += 1
            tails.append(items[: len(items) - k])
    out: set[tuple] = set()
    for its in tails:
        _fill(its, cols, kind, out, vanish)
    return out


def _fill(items: list[str], cols: tuple, kind: str, out: set, vanish: bool) -> None:
    n = len(cols)
    valid = valid_for(cols)
    cells: list = []
    splittable = kind == JOINED

    def rec(ii: int, pos: int) -> None:
        if len(out) > ROW_LIMIT:
            raise TooMany
        col = len(cells)
        if col == n:
            if ii == len(items):
                out.add(tuple(cells))
            return
        # cells left must hold what is left: each item at least one cell
        if len(items) - ii - (1 if pos else 0) > n - col:
            return
        if vanish:  # a blank that left nothing
            cells.append(None)
            rec(ii, pos)
            cells.pop()
        if ii == len(items):
            return
        it = items[ii]
        if it == TRACE:
            cells.append(None)
            rec(ii + 1, 0)
            cells.pop()
            return
        ends = _pieces(it, pos) if splittable else [len(it)]
        for e in ends:
            if not valid(col, it[pos:e]):
                continue
            cells.append(cell_value(it[pos:e], cols[col]))
            if e == len(it):
                rec(ii + 1, 0)
            else:
                rec(ii, e)
            cells.pop()

    rec(0, 0)


# ------------------------------------------------------------------- identities


def _row_ok(vals: tuple, groups: tuple) -> bool:
    return all(not (vals[t] is not None and vals[t] != sum(vals[p] or 0 for p in parts)) for t, parts in groups)


def _t3_groups(cols: tuple[str, ...]) -> tuple:
    return ((cols.index("total"), tuple(i for i, c in enumerate(cols) if c != "total")),)


def _t4_groups(keys: tuple[str, ...]) -> tuple:
    out = []
    for i, k in enumerate(keys):
        if k.endswith("/total"):
            row = k.split("/")[0]
            out.append((i, tuple(j for j, x in enumerate(keys) if x.startswith(row + "/") and j != i)))
    return tuple(out)


def verdict(rows: list[PageRow], kind: str, breaks: bool, version: str) -> Verdict:
    """The decidable cells of the page's tables under text of `kind`."""
    decided: dict = {}
    undecided: set = set()
    unlisted: set = set()
    if kind == KEPT:  # every cell kept: the one filling is the page's
        for row in rows:
            for k, c, col in zip(row.keys, row.cells, row.cols):
                decided[_addr(row, k)] = cell_value(c.text, col) if c.text not in ("", TRACE) else None
        return Verdict(decided, undecided, unlisted)
    vanish = not all(_row_fits(row, _observe_at(rows, i, kind, breaks), kind) for i, row in enumerate(rows))
    t3: dict[str, set | None] = {}
    t3_cols: tuple = ()
    for i, row in enumerate(rows):
        try:
            fills = {f for f in row_fillings(_observe_at(rows, i, kind, breaks), row.cols, kind, vanish)}
        except TooMany:
            unlisted |= {_addr(row, k) for k in row.keys}
            if row.address_prefix.startswith("t3/"):
                t3[row.address_prefix[3:]] = None
            continue
        fills = {f for f in fills if _row_ok(f, _groups(row))}
        if row.address_prefix.startswith("t3/"):
            t3_cols = row.keys
            t3[row.address_prefix[3:]] = fills
        else:
            _agree(row.address_prefix, row.keys, fills, decided, undecided)
    if t3:
        if any(v is None for v in t3.values()):
            # one row unlisted: the column sums cannot narrow the others; each row alone
            for key, fills in t3.items():
                if fills is not None:
                    _agree(f"t3/{key}", t3_cols, fills, decided, undecided)
        else:
            try:
                for key, fills in _t3_joint(t3, t3_cols, version).items():
                    _agree(f"t3/{key}", t3_cols, fills, decided, undecided)
            except TooMany:
                unlisted |= {f"t3/{key}/{k}" for key in t3 for k in t3_cols}
    return Verdict(decided, undecided, unlisted)


def _observe_at(rows: list[PageRow], i: int, kind: str, breaks: bool) -> Obs:
    return observe(rows[i], rows[i + 1] if i + 1 < len(rows) else None, kind, breaks)


def _groups(row: PageRow) -> tuple:
    if row.address_prefix.startswith("t3/"):
        return _t3_groups(row.keys)
    return _t4_groups(row.keys) if row.address_prefix == "t4" else ()


def _row_fits(row: PageRow, obs: Obs, kind: str) -> bool:
    """Whether the row reads with every cell kept (no blank vanished) and adds up."""
    try:
        return any(_row_ok(f, _groups(row)) for f in row_fillings(obs, row.cols, kind, vanish=False))
    except TooMany:
        return True  # readings with every cell kept exist


def _addr(row: PageRow, key: str) -> str:
    return f"{row.address_prefix}/{key}"


def _agree(prefix: str, keys: tuple, fills: set, decided: dict, undecided: set) -> None:
    for j, k in enumerate(keys):
        vals = {f[j] for f in fills}
        if len(vals) == 1:
            decided[f"{prefix}/{k}"] = vals.pop()
        else:  # no filling (the text fits nothing) decides nothing either
            undecided.add(f"{prefix}/{k}")


# ------------------------------------------------------------------- table 三's columns

MISSING = "missing"  # a sum with a blank total term: its check is null


def _t3_joint(fills: dict[str, set], cols: tuple, version: str) -> dict[str, set]:
    """The fillings of each row that belong to some whole table satisfying the column
    identities (results total, balance) under the blank policy."""
    tpl = template(version)
    ids = {i.id: i for i in tpl.identities if i.table == "table3" and i.axis == "column"}
    res, bal = ids["t3_results_total"], ids["t3_balance"]
    total_row = res.lhs[0]
    groups = {p.split(".")[0] for p in res.rhs}
    parts = [k for k in fills if k in res.rhs or k in groups]  # a group row printed instead of its parts
    lhs, rhs = list(bal.lhs), [k for k in bal.rhs if k != total_row]
    tc = cols.index("total")
    n = len(cols)
    keep: dict[str, set] = defaultdict(set)
    for t in fills[total_row]:
        mask = [c for c in range(n) if t[c] is not None]
        part_keep = _results_fit(parts, fills, t, mask, tc)
        if part_keep is None:
            continue
        balanced = _balance_fits(fills, lhs, rhs, t, tc, n)
        if balanced is None:
            continue
        keep[total_row].add(t)
        for k, fs in {**part_keep, **balanced}.items():
            keep[k] |= fs
    return {k: keep.get(k, set()) for k in fills}


def _vec(f: tuple, mask: list[int], tc: int) -> tuple:
    """What a part row adds to the checked columns: a blank part counts 0, a blank in the
    total column makes that column's sum missing."""
    return tuple((MISSING if f[c] is None else f[c]) if c == tc else (f[c] or 0) for c in mask)


def _results_fit(parts: list[str], fills: dict, t: tuple, mask: list[int], tc: int) -> dict | None:
    """For the total row's filling t: the fillings of each part row that some whole
    choice of part rows summing to t (in the checked columns) uses; None if none does.

    A depth-first search over the rows with what is left to reach (a missing total
    column leaves that column free), memoised, cut where the rows left cannot reach what
    is left in some column; then the feasible steps are collected from the start."""
    steps = [sorted({_vec(f, mask, tc) for f in fills[k]}, key=repr) for k in parts]
    m = len(mask)
    lo = [[0] * m for _ in range(len(parts) + 1)]  # least and most the rows from i on add
    hi = [[0] * m for _ in range(len(parts) + 1)]
    free = [[False] * m for _ in range(len(parts) + 1)]  # a row from i on may leave the column missing
    for i in range(len(parts) - 1, -1, -1):
        for j in range(m):
            vals = [x[j] for x in steps[i] if x[j] != MISSING]
            free[i][j] = free[i + 1][j] or len(vals) < len(steps[i])
            lo[i][j] = lo[i + 1][j] + (min(vals) if vals else 0)
            hi[i][j] = hi[i + 1][j] + (max(vals) if vals else 0)
    memo: dict = {}

    def fits(i: int, rem: tuple) -> bool:
        key = (i, rem)
        got = memo.get(key)
        if got is None:
            if len(memo) > JOINT_LIMIT:
                raise TooMany
            if i == len(parts):
                got = all(r is None or r == 0 for r in rem)
            elif any(r is not None and not (lo[i][j] <= r <= hi[i][j] or free[i][j]) for j, r in enumerate(rem)):
                got = False
            else:
                got = any(fits(i + 1, _less(rem, x)) for x in steps[i])
            memo[key] = got
        return got

    start = tuple(t[c] for c in mask)
    if not fits(0, start):
        return None
    usable = [set() for _ in parts]
    level = {start}
    for i in range(len(parts)):
        nxt = set()
        for rem in level:
            for x in steps[i]:
                r2 = _less(rem, x)
                if fits(i + 1, r2):
                    usable[i].add(x)
                    nxt.add(r2)
        level = nxt
    return {k: {f for f in fills[k] if _vec(f, mask, tc) in usable[i]} for i, k in enumerate(parts)}


def _less(rem: tuple, x: tuple) -> tuple:
    return tuple(None if r is None or v == MISSING else r - v for r, v in zip(rem, x))


def _balance_fits(fills: dict, lhs: list[str], rhs: list[str], t: tuple, tc: int, n: int) -> dict | None:
    """The balance rows' fillings that balance with the total row's filling t."""
    rows = lhs + rhs
    if any(k not in fills for k in rows):
        return {k: fills[k] for k in rows if k in fills}
    keep: dict[str, set] = {k: set() for k in rows}
    combos = 1
    for k in rows:
        combos *= len(fills[k])
    if combos > JOINT_LIMIT:
        raise TooMany
    for combo in product(*(sorted(fills[k], key=repr) for k in rows)):
        got = dict(zip(rows, combo))
        if all(_balanced_in(got, lhs, rhs, t, c, c == tc) for c in range(n)):
            for k, f in got.items():
                keep[k].add(f)
    if not all(keep.values()):
        return None
    return keep


def _balanced_in(got: dict, lhs: list[str], rhs: list[str], t: tuple, c: int, total_col: bool) -> bool:
    if t[c] is None:
        return True
    terms = [got[k][c] for k in lhs + rhs]
    if total_col and any(v is None for v in terms):
        return True
    left = sum(got[k][c] or 0 for k in lhs)
    right = t[c] + sum(got[k][c] or 0 for k in rhs)
    return left == right


def page_verdict(html: str, values: dict, version: str, tool: str) -> Verdict:
    kind = FLATTENING[tool]
    breaks = bool(re.search(r"</tr>\n", html))
    return verdict(page_rows(html, values, version), kind, breaks, version)
