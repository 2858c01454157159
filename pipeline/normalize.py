"""Normalizing a parsed document: what a build keeps of it besides its rows (`Doc`).

    normalize(doc, entry, provenance)   # counts, publisher, region, agency key
    summary_record(doc, entry, digest)  # the summary cache's file of it

A document's summary depends on its parse (the parse cache entry), its provenance
(`Provenance`: crawled title and link text, portal, side files) and the code of this module
and of the modules it imports, nothing else. That code sits here, apart from the build's
other code, because the summary cache (`pipeline.build.Summaries`) is keyed on it: its
version covers the parser's version and `code_files()` (this module and every ``pipeline``
module it imports, found in their import statements, at any depth and inside functions too),
so a change to the writers, the executors or the datasets leaves a national corpus's
summaries valid, and a change to anything normalization runs makes them again.
`tests/test_build.py` checks that every ``pipeline`` module normalizing a report loads is
among `code_files()`. Nothing here may read files of the ``pipeline`` package other than
its code (the region index's data comes from packages whose versions the key names) or
import ``pipeline.build``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from parsers.identities import cross_year_addresses

REGION_TEXT_SECTIONS = ("preface", "overview", "other_matters", "other")
REGION_TEXT_LIMIT = 3000
NOT_A_REPORT = re.compile(r"^not (a|an) ")
SUMMARY_FIELDS = (
    "outcome",
    "error",
    "agency",
    "year",
    "template",
    "format",
    "doc_url",
    "published",
    "n_cells",
    "n_resolved",
    "n_numbers",
    "n_sections",
    "n_failed",
    "n_checks",
    "warnings",
    "xcells",
    "readings",
    "region",
    "agency_id",
    "scope",
    "scope_evidence",
)


def summary_record(doc: Doc, entry: dict, digest: str | None) -> bytes:
    """The summary file of a normalized `doc`: its `SUMMARY_FIELDS` and what its parse entry
    was (outcome, limit, and `digest`, the sha256 of the cache file of that entry)."""
    d = {k: getattr(doc, k) for k in SUMMARY_FIELDS}
    d["entry"] = {"outcome": entry.get("outcome"), "limit": entry.get("limit"), "digest": digest}
    return json.dumps(d, ensure_ascii=False, default=str).encode("utf-8")


def _fill(doc: Doc, record: dict) -> None:
    """`doc`'s summary fields from a decoded `summary_record`."""
    for k in SUMMARY_FIELDS:
        setattr(doc, k, record[k])
    doc.xcells = [tuple(x) for x in doc.xcells]


@dataclass
class Doc:
    """One distinct document (sha256) and everything the datasets need to know about it
    without loading its cells again."""

    sha256: str
    sources: list  # `pipeline.build.Source`s, the primary first
    outcome: str = "ok"
    error: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str = "unknown"
    format: str | None = None
    doc_url: str | None = None
    published: str | None = None
    n_cells: int = 0
    n_resolved: int = 0
    n_numbers: int = 0
    n_sections: int = 0
    n_failed: int = 0
    n_checks: int = 0
    warnings: list[str] = field(default_factory=list)
    xcells: list = field(default_factory=list)  # cells the cross-year identities need
    readings: bool = False  # rows left ambiguous, which the publisher's other years may settle
    region: dict = field(default_factory=dict)
    agency_id: str | None = None
    scope: str | None = None  # own | aggregate, when the parser says (parsers.metadata)
    scope_evidence: str | None = None
    cached: bool = False

    @property
    def report_id(self) -> str:
        return self.sha256[:16]

    @property
    def primary(self):
        """The first of `sources`: the one whose provenance normalizing reads."""
        return self.sources[0]


def _xcell(address: str) -> bool:
    """A cell some cross-year identity reads: a term of the templates' (`parsers.identities`)
    or a pre-2019 statistic (历年累计, `parsers.pre2019_checks`)."""
    return address in cross_year_addresses() or address.startswith("p/")


def summarize(doc: Doc, entry: dict) -> str:
    """Fill `doc` from a cache entry; returns the text given to the region resolver."""
    doc.outcome = entry.get("outcome", "ok")
    rep = entry.get("report") or {}
    doc.error = rep.get("error") or entry.get("error")
    doc.agency = rep.get("agency")
    doc.year = rep.get("year")
    doc.template = rep.get("template") or "unknown"
    src = rep.get("source") or {}
    doc.format = src.get("format")
    doc.doc_url = src.get("url")
    doc.published = rep.get("published")
    cells = rep.get("cells") or []
    doc.n_cells = len(cells)
    doc.n_resolved = sum(1 for c in cells if c.get("status") != "unresolved")
    doc.n_numbers = sum(1 for c in cells if c.get("status") == "number")
    secs = rep.get("sections") or []
    doc.n_sections = len(secs)
    doc.n_failed = sum(1 for c in rep.get("checks") or [] if c.get("ok") is False)
    doc.n_checks = len(rep.get("checks") or [])
    doc.warnings = [w.get("code", "") for w in rep.get("warnings") or []]
    meta = rep.get("meta") or {}
    doc.scope = rep.get("scope") or meta.get("scope")
    ev = rep.get("scope_evidence") or meta.get("scope_evidence")
    doc.scope_evidence = "; ".join(map(str, ev)) if isinstance(ev, (list, tuple)) else ev
    doc.xcells = [
        (c["address"], c.get("value"), c.get("raw", ""), c.get("status")) for c in cells if _xcell(c["address"])
    ]
    doc.readings = bool(rep.get("readings"))
    parts, n = [], 0
    for s in secs:
        if s.get("key") in REGION_TEXT_SECTIONS and n < REGION_TEXT_LIMIT:
            t = (s.get("text") or "")[: REGION_TEXT_LIMIT - n]
            parts.append(t)
            n += len(t)
    return "\n".join(parts)


def status_of(doc: Doc) -> str:
    if doc.outcome != "ok":
        return "error"
    if doc.error:
        return "skipped" if NOT_A_REPORT.match(doc.error) else "error"
    if not doc.n_numbers and not doc.agency and doc.n_sections <= 1:
        # judged by content, not by file name: a README or a note beside the reports
        doc.error = f"not an annual report: no table numbers, no publisher and {doc.n_sections} report section(s) found"
        return "skipped"
    return "kept"


REGION_KEYS = (
    "province",
    "city",
    "county",
    "township",
    "code",
    "level",
    "agency_type",
    "confidence",
    "evidence",
    "warnings",
)


@dataclass(frozen=True)
class Provenance:
    """What normalizing a document needs besides its parse: the provenance of its primary
    source, side files included, read by the build process so that a worker on another
    machine (Dask) needs no access to the raw folder."""

    title: str | None
    anchor_text: str | None
    portal: dict | None
    sides: tuple[bytes | None, ...]  # <file>.meta.json, <stem>.meta.json: their bytes, None when unreadable


def provenance_of(src) -> Provenance:
    """`src`: a `pipeline.build.Source`."""
    p = Path(src.path)
    sides = []
    for side in (p.with_name(p.name + ".meta.json"), p.with_name(p.stem + ".meta.json")):
        try:
            sides.append(side.read_bytes())
        except OSError:
            sides.append(None)
    return Provenance(src.title, src.anchor_text, src.portal, tuple(sides))


def provenance_agency(prov: Provenance) -> str | None:
    """The publishing body that a report's provenance names when the report itself does not:
    the crawled title of its page or link, or the ``agency`` (or ``发布机构``, ``title``) of a
    ``<file>.meta.json`` / ``<stem>.meta.json`` written beside a raw file."""
    from parsers.agency import agency_name
    from parsers.metadata import find_title

    titles = [prov.title, prov.anchor_text]
    for side in prov.sides:
        if side is None:
            continue
        try:
            meta = json.loads(side.decode("utf-8"))
        except ValueError:
            continue
        if isinstance(meta, dict):
            name = agency_name(str(meta.get("agency") or meta.get("发布机构") or ""))
            if name:
                return name
            titles.append(meta.get("title") or meta.get("标题"))
        break
    for t in titles:
        if t:
            name = find_title(str(t))[0]
            if name:
                return name
    return None


def resolve(agency: str | None, text: str, portal: dict | None) -> dict:
    from pipeline.regions import resolve_region  # imported where used: the region index is loaded lazily

    try:
        r = resolve_region(agency or "", text=text, portal=portal)
        d = r.as_dict() if hasattr(r, "as_dict") else dict(r or {})
    except Exception as e:  # noqa: BLE001 - a resolver failure leaves the region empty, not the build
        return {"evidence": f"region resolution failed: {type(e).__name__}: {e}"}
    return {k: d.get(k) for k in REGION_KEYS}


def normalize(doc: Doc, entry: dict, prov: Provenance) -> None:
    """Fill `doc` from its parse `entry` and the provenance of its primary source: counts,
    publisher (from the provenance when the report names none), region, agency key,
    warnings. Depends on nothing else, so it runs where the document was parsed (a pool
    worker, a Dask task: `parse_and_normalize`), or in the build process for a cached parse
    or a row the executor made (timeout, crash)."""
    from pipeline.dedupe import agency_key

    text = summarize(doc, entry)
    if doc.agency is None and status_of(doc) == "kept":
        doc.agency = provenance_agency(prov)
        if doc.agency:
            doc.warnings = [w for w in doc.warnings if w != "AGENCY_MISSING"] + ["AGENCY_FROM_METADATA"]
    doc.region = resolve(doc.agency, text, prov.portal)
    doc.warnings += [w.get("code", "") for w in doc.region.get("warnings") or []]
    doc.agency_id = agency_key(doc.agency, doc.region)


@cache
def code_files() -> tuple[Path, ...]:
    """This module's file and those of every ``pipeline`` module it imports, transitively
    (read from their import statements, wherever they stand), sorted."""
    pkg = Path(__file__).resolve().parent
    seen: set[Path] = set()
    todo = [Path(__file__).resolve()]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            for name in _imported(node):
                parts = name.split(".")
                if parts[0] != "pipeline" or len(parts) < 2:
                    continue
                for n in range(len(parts), 1, -1):  # pipeline.a.b: the module a (or a's package)
                    cand = pkg.joinpath(*parts[1:n]).with_suffix(".py")
                    if cand.is_file():
                        todo.append(cand)
                        break
    return tuple(sorted(seen))


def _imported(node: ast.AST) -> list[str]:
    """The absolute module names an import statement names (``from pipeline import x``: the
    module ``pipeline.x`` too, as ``x`` may be one; relative imports: within ``pipeline``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        base = ("pipeline" + ("." + node.module if node.module else "")) if node.level else (node.module or "")
        return [base, *(f"{base}.{a.name}" for a in node.names)]
    return []
