"""Template definitions: the one source of truth for sections, tables, cells and checks.

`national.json` is the national template file (keys are the project's contract);
`variants.json` adds label variants seen in real reports. Everything that lists rows,
columns, units or identities derives from the objects built here.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


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
    table: str
    hard: bool
    axis: str  # "row" (t3_row_total, t4_group_total) or "column"
    each: tuple[str, ...]  # the for_each values
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]


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
    identities: tuple[Identity, ...]

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


@cache
def spec() -> dict:
    return _load("national.json")


@cache
def variants() -> dict:
    return _load("variants.json")


def _columns(items) -> tuple[Column, ...]:
    return tuple(Column(c["key"], c["label"], c.get("unit", ""), bool(c.get("signed")), bool(c.get("decimal")))
                 for c in items)


def _identity(d: dict) -> Identity | None:
    fe = d.get("for_each") or {}
    if "lhs" not in d or not fe:
        return None  # cross-year and narrative checks are evaluated elsewhere
    each = tuple(next(iter(fe.values())))
    lhs = d["lhs"]
    return Identity(
        id=d["id"], table=d["table"], hard=str(d.get("strength", "")).startswith("hard"),
        axis=d.get("axis", "row"), each=each,
        lhs=tuple(lhs) if isinstance(lhs, list) else (lhs,), rhs=tuple(d["rhs"]),
    )


@cache
def template(version: str) -> Template:
    v = spec()["versions"][version]
    t = v["tables"]
    blocks = tuple(
        Block(b["key"], b["caption"], tuple(Row(r["key"], r["label"]) for r in b["rows"]), _columns(b["columns"]))
        for b in t["table2"]["blocks"]
    )
    t3 = t["table3"]
    derived = {}
    for d in t3.get("derived_rows", []):
        parts = tuple(r["key"] for r in t3["rows"] if r["key"].startswith(d["key"] + "."))
        if parts:
            derived[d["key"]] = parts
    t4 = t["table4"]
    ids = tuple(i for i in (_identity(d) for d in v["identities"]) if i)
    return Template(
        version=version,
        sections=tuple(Section(s["key"], s["number"], s["title"], tuple(s["variants"])) for s in v["sections"]),
        table2=blocks,
        t3_rows=tuple(Row(r["key"], r["label"], tuple(r.get("path", ()))) for r in t3["rows"]),
        t3_columns=_columns(t3["columns"]),
        t3_derived=derived,
        t4_rows=tuple(Row(r["key"], r["label"]) for r in t4["tidy_rows"]),
        t4_columns=_columns(t4["tidy_columns"]),
        identities=ids,
    )


@cache
def table_addresses(version: str, table: str) -> tuple[str, ...]:
    """template(version).addresses() of one table ("t2", "t3", "t4"), in printed order."""
    return tuple(a for a in template(version).addresses() if a.startswith(table + "/"))


VERSIONS = ("2019", "2021")

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）][、.．]?|\d{1,2}\s*[.．、](?!\d))")
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


def version_markers() -> dict[str, list[str]]:
    base = spec()["version_selection"]["by_labels"]
    extra = variants()["version_markers_extra"]
    return {v: [norm_label(x) for x in base[v] + extra.get(v, [])] for v in VERSIONS}


def pre2019() -> dict:
    return spec()["pre2019"]
