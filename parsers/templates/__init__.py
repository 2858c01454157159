"""Template definitions: the one source of truth for sections, tables, cells and checks.

Each template is one definition file: `national/<version>.json` for the national templates
(2019 trial format, 2021 format), plus any ``*.json`` in the folders named by the
``XXGK_TEMPLATES`` environment variable (paths separated by ``os.pathsep``), so that a new
template year or a provincial variant is a file, not code. A definition gives

* ``version`` (the name reports carry in ``template``) and ``years``: ``{"from": Y}`` or
  ``{"from": Y, "to": Z}``, the report years it applies to; where two templates cover a
  year, the one with the later ``from`` takes it (a template for 2031 on need not close
  the 2021 template's range);
* ``markers``: labels only this template prints, which select it when the labels and the
  year disagree (the labels win, with a warning: `parsers.metadata.detect_version`);
* ``variant_of`` (optional): the template this one varies (a province's form of the 2021
  template, with a row of its own): never chosen by the year, only where its markers (its
  template's and its own) outnumber the template's;
* ``sections`` and ``tables``: rows and columns with their keys and labels, the derived
  (group) rows; ``derived_rows[].printed_alone`` marks a group row some reports print in
  place of its parts; ``quoted_as`` (table 二 column key -> the words prose quotes its
  figure by, for the soft narrative identity); ``label_variants`` (``table3_rows``, ``table2_rows``: label -> row
  key) adds wordings of this template's rows to those all templates share (variants.json);
* ``identities``: each with ``check`` (``sum``, ``le``, ``nonneg``; ``cross_year``, whose
  ``terms`` link a report to the previous year's and which the build evaluates; ``narrative``,
  listed only), ``strength``, ``axis``, ``for_each``, ``lhs``, ``rhs`` and ``blank``
  (``zero_components``: a blank part in a table that prints numbers counts 0; ``missing``:
  any blank leaves the check unverifiable), evaluated by `parsers.identities` for checks,
  the matcher, the panel and the build's cross-year checks and settling alike (``report:
  false``: used to settle readings across years only, not a check of the report);
* ``blank_policy.totals``: which columns (and, down a column, which rows) are totals,
  whose blank is missing rather than 0.

`national.json` keeps what all templates share (label aliases, the crosswalk, the blank
policy's wording, the pre-2019 indicators with their ``years``); `variants.json` adds label
variants seen in real reports. `spec()` puts them together in the shape of the national
template file (``versions`` from the definition files), for readers of that shape.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

TEMPLATE_DIRS_ENV = "XXGK_TEMPLATES"  # extra folders of template definition files


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = ""
    signed: bool = False
    decimal: bool = False

    def __post_init__(self):
        # Rows' columns key the matcher's memo of readings, hashed on every lookup.
        object.__setattr__(self, "_hash", hash((self.key, self.label, self.unit, self.signed, self.decimal)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    key: str
    caption: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    title: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    id: str
    table: str  # "table2", "table3", "table4"
    hard: bool
    axis: str  # "row": terms along a row (t3_row_total, t4_group_total); "column": down a column
    each: tuple[str, ...]  # the for_each values: rows (axis row) or columns (axis column)
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    check: str = "sum"  # "sum" (lhs = rhs), "le" (lhs <= rhs), "nonneg", "cross_year", "narrative"
    blank: str = "zero_components"  # "zero_components" or "missing" (see the module docstring)
    block: str = ""  # table 二: the block of the rows in `each`
    var: str = ""  # the for_each placeholder ("r", "c") of `terms`
    terms: tuple[tuple[int, str, int], ...] = ()  # cross_year: (year offset, address pattern, coefficient), sum = 0
    note: str = ""  # cross_year: the check's note, with {year} and {prev_year}
    reported: bool = True  # False: used by the build to settle readings, not a check of the report


@dataclass(frozen=True)
class Years:
    start: int
    end: int | None = None  # None: open

    def __contains__(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class Template:
    version: str
    sections: tuple[Section, ...]
    table2: tuple[Block, ...]
    t3_rows: tuple[Row, ...]
    t3_columns: tuple[Column, ...]
    t3_derived: dict  # group key -> tuple of part row keys (derived_rows)
    t4_rows: tuple[Row, ...]
    t4_columns: tuple[Column, ...]
    identities: tuple[Identity, ...]  # the arithmetic (check "sum"), in file order
    checks: tuple[Identity, ...] = ()  # every identity of the file, in the order reports list them
    years: Years = Years(0)
    markers: tuple[str, ...] = ()  # labels that select this template (normalised)
    printed_alone: frozenset = frozenset()  # derived group rows a report may print instead of its parts
    total_columns: dict = None  # address table ("t3") -> frozenset of total column keys
    total_rows: dict = None  # address table -> frozenset of total row keys (down a column)
    label_variants: dict = None  # "table3_rows" / "table2_rows" -> {label as printed: row key}
    variant_of: str | None = None  # a variant (a province's form) of that template: chosen by its labels only

    def addresses(self) -> list[str]:
        """Every cell address of the template, in printed order."""
        out = [f"t2/{b.key}.{r.key}/{c.key}" for b in self.table2 for r in b.rows for c in b.columns]
        out += [f"t3/{r.key}/{c.key}" for r in self.t3_rows for c in self.t3_columns]
        out += [f"t4/{r.key}/{c.key}" for r in self.t4_rows for c in self.t4_columns]
        return out

    def column(self, address: str) -> Column:
        table, row, col = address.split("/")
        if table == "t2":
            bkey = row.split(".")[0]
            for b in self.table2:
                if b.key == bkey:
                    return next(c for c in b.columns if c.key == col)
        cols = self.t3_columns if table == "t3" else self.t4_columns
        return next(c for c in cols if c.key == col)

    def block(self, key: str) -> Block:
        return next(b for b in self.table2 if b.key == key)


def _load(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def template_dirs() -> tuple[Path, ...]:
    """The extra folders of template definitions named in $XXGK_TEMPLATES."""
    return tuple(Path(p) for p in os.environ.get(TEMPLATE_DIRS_ENV, "").split(os.pathsep) if p)


class TemplateError(ValueError):
    """A template definition file that cannot be used: names the file and what is wrong."""


@cache
def definitions() -> dict[str, dict]:
    """Version -> its definition file's content: the national templates, then those of
    $XXGK_TEMPLATES, ordered by the first report year they apply to."""
    files = [
        (f.name, f.read_text(encoding="utf-8"))
        for f in sorted(resources.files(__package__).joinpath("national").iterdir(), key=lambda f: f.name)
        if f.name.endswith(".json")
    ]
    for d in template_dirs():
        if not d.is_dir():
            raise FileNotFoundError(f"{TEMPLATE_DIRS_ENV}: {d} is not a folder of template definitions")
        files += [(str(f), f.read_text(encoding="utf-8")) for f in sorted(d.glob("*.json"))]
    out: dict[str, dict] = {}
    for name, text in files:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise TemplateError(f"template file {name}: not JSON ({e})") from None
        problems = _problems(d)
        if problems:
            raise TemplateError(f"template file {name}: " + "; ".join(problems))
        if d["version"] in out:
            raise TemplateError(f"template file {name}: template {d['version']} is defined twice")
        out[d["version"]] = d
    for name, d in out.items():
        if d.get("variant_of") is not None and d["variant_of"] not in out:
            raise TemplateError(f"template {name}: variant_of {d['variant_of']!r} is no template")
    return dict(sorted(out.items(), key=lambda kv: _years(kv[1]).start))


CHECK_KINDS = ("sum", "le", "nonneg", "cross_year", "narrative")


def _problems(d: dict) -> list[str]:
    """What keeps a definition from being used: missing parts, unknown check kinds, and
    identities naming rows or columns the file does not have (a typo would otherwise
    leave a check quietly unverifiable)."""
    if not isinstance(d, dict):
        return ["not an object"]
    out = [f"no '{k}'" for k in ("version", "years", "sections", "tables", "identities") if k not in d]
    if out:
        return out
    y = d["years"]
    if not isinstance(y, dict) or not isinstance(y.get("from"), int) or not isinstance(y.get("to", 0) or 0, int):
        out.append('\'years\' must be {"from": YEAR} or {"from": YEAR, "to": YEAR}')
    try:
        t = d["tables"]
        rows = {
            "table3": {r["key"] for r in t["table3"]["rows"]} | {r["key"] for r in t["table3"].get("derived_rows", [])},
            "table4": {r["key"] for r in t["table4"]["tidy_rows"]},
        }
        cols = {
            "table3": {c["key"] for c in t["table3"]["columns"]},
            "table4": {c["key"] for c in t["table4"]["tidy_columns"]},
        }
        blocks = {
            b["key"]: ({r["key"] for r in b["rows"]}, {c["key"] for c in b["columns"]}) for b in t["table2"]["blocks"]
        }
    except (KeyError, TypeError) as e:
        return out + [f"tables: missing {e}"]
    for i in d["identities"]:
        out += _identity_problems(i, rows, cols, blocks)
    return out


def _identity_problems(i: dict, rows: dict, cols: dict, blocks: dict) -> list[str]:
    where = f"identity {i.get('id', '?')}"
    if i.get("check") not in CHECK_KINDS:
        return [f"{where}: 'check' must be one of {', '.join(CHECK_KINDS)}"]
    if i["check"] not in ("sum", "le"):
        return []
    fe = i.get("for_each") or {}
    each = next(iter(fe.values()), [])
    lhs = i.get("lhs", [])
    sides = [*(lhs if isinstance(lhs, list) else [lhs]), *i.get("rhs", [])]
    if i.get("block"):
        r, c = blocks.get(i["block"], (set(), set()))
    else:
        r, c = rows.get(i.get("table"), set()), cols.get(i.get("table"), set())
    if i.get("axis", "row") == "column":
        r, c = c, r  # for_each runs over columns, the sides over rows
    if not each or not sides:
        return [f"{where}: a {i['check']} identity needs for_each, lhs and rhs"]
    unknown = [x for x in each if x not in r] + [x for x in sides if x not in c]
    return [f"{where}: unknown keys {', '.join(unknown)}"] if unknown else []


def _years(d: dict) -> Years:
    y = d["years"]
    return Years(int(y["from"]), int(y["to"]) if y.get("to") is not None else None)


def versions() -> tuple[str, ...]:
    """The template versions, earliest first."""
    return tuple(definitions())


@cache
def spec() -> dict:
    """The shared file (national.json) with ``versions`` from the definition files."""
    sp = _load("national.json")
    sp["versions"] = {
        v: {k: x for k, x in d.items() if k not in ("version", "about", "years", "quoted_as")}
        for v, d in definitions().items()
    }
    return sp


@cache
def variants() -> dict:
    return _load("variants.json")


def _columns(items) -> tuple[Column, ...]:
    return tuple(
        Column(c["key"], c["label"], c.get("unit", ""), bool(c.get("signed")), bool(c.get("decimal"))) for c in items
    )


def _identity(d: dict) -> Identity:
    fe = d.get("for_each") or {}
    each = tuple(next(iter(fe.values()))) if fe else ()
    var = next(iter(fe)) if fe else ""
    lhs = d.get("lhs", ())
    return Identity(
        id=d["id"],
        table=d["table"],
        hard=str(d.get("strength", "")).startswith("hard"),
        axis=d.get("axis", "row"),
        each=each,
        lhs=tuple(lhs) if isinstance(lhs, list) else (lhs,),
        rhs=tuple(d.get("rhs", ())),
        check=d["check"],
        blank=d.get("blank", "zero_components"),
        block=d.get("block", ""),
        var=var,
        terms=tuple((int(dy), a, int(k)) for dy, a, k in d.get("terms", ())),
        note=d.get("note", ""),
        reported=d.get("report", True) is not False,
    )


def _totals(policy: dict, what: str) -> dict:
    return {"t" + table[len("table") :]: frozenset(t.get(what, ())) for table, t in policy.get("totals", {}).items()}


@cache
def template(version: str) -> Template:
    v = definitions()[version]
    t = v["tables"]
    blocks = tuple(
        Block(b["key"], b["caption"], tuple(Row(r["key"], r["label"]) for r in b["rows"]), _columns(b["columns"]))
        for b in t["table2"]["blocks"]
    )
    t3 = t["table3"]
    derived = {}
    alone = set()
    for d in t3.get("derived_rows", []):
        parts = tuple(r["key"] for r in t3["rows"] if r["key"].startswith(d["key"] + "."))
        if parts:
            derived[d["key"]] = parts
            if d.get("printed_alone"):
                alone.add(d["key"])
    t4 = t["table4"]
    checks = tuple(_identity(d) for d in v["identities"])
    return Template(
        version=version,
        sections=tuple(Section(s["key"], s["number"], s["title"], tuple(s["variants"])) for s in v["sections"]),
        table2=blocks,
        t3_rows=tuple(Row(r["key"], r["label"], tuple(r.get("path", ()))) for r in t3["rows"]),
        t3_columns=_columns(t3["columns"]),
        t3_derived=derived,
        t4_rows=tuple(Row(r["key"], r["label"]) for r in t4["tidy_rows"]),
        t4_columns=_columns(t4["tidy_columns"]),
        identities=tuple(i for i in checks if i.check == "sum"),
        checks=checks,
        years=_years(v),
        markers=tuple(norm_label(x) for x in v.get("markers", ())),
        printed_alone=frozenset(alone),
        total_columns=_totals(v.get("blank_policy", {}), "columns"),
        total_rows=_totals(v.get("blank_policy", {}), "rows"),
        label_variants={k: dict(x) for k, x in v.get("label_variants", {}).items()},
        variant_of=v.get("variant_of"),
    )


@cache
def table_addresses(version: str, table: str) -> tuple[str, ...]:
    """template(version).addresses() of one table ("t2", "t3", "t4"), in printed order."""
    return tuple(a for a in template(version).addresses() if a.startswith(table + "/"))


def version_for_year(year: int | None) -> str | None:
    """The template a report of `year` is on by its year: the definition whose years hold
    it (the latest-starting one where several do; never a variant, which its labels
    choose), "pre2019" for the years before the national templates (national.json
    ``pre2019.years``), else None."""
    if year is None:
        return None
    hit = [v for v in versions() if year in template(v).years and not template(v).variant_of]
    if hit:
        return hit[-1]
    last = spec()["pre2019"].get("years", {}).get("to")
    return "pre2019" if last is not None and year <= last else None


def latest() -> str:
    """The template assumed where neither labels nor year tell: the latest."""
    return versions()[-1]


_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）][、.．]?|\d{1,2}\s*[.．、](?!\d))"
)
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")


def norm_label(s: str) -> str:
    """Label text as matched: NFKC, no whitespace, no quotes, no leading numbering."""
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"\s+", "", s)
    s = _QUOTES.sub("", s)
    prev = None
    while prev != s:
        prev, s = s, _NUMBERING.sub("", s)
    return s


@cache
def quoted_words() -> dict[str, tuple[str, ...]]:
    """Table 二 column key -> the words a report's prose quotes its figure by (each
    definition's ``quoted_as``: 本年度制发行政规范性文件88件), over every template."""
    out: dict[str, tuple[str, ...]] = {}
    for d in definitions().values():
        for key, words in d.get("quoted_as", {}).items():
            out[key] = (*out.get(key, ()), *(w for w in words if w not in out.get(key, ())))
    return out


def version_markers() -> dict[str, list[str]]:
    return {v: list(template(v).markers) for v in versions()}


def pre2019() -> dict:
    return spec()["pre2019"]
