"""Many files, one report.

The same report reaches the raw store in several ways:

* the same bytes at several URLs or paths: they have one sha256, hence one report_id, and
  are merged before this module is reached (``reports.urls`` / ``reports.paths``);
* the same report in several forms, typically an HTML page and its PDF (or Word)
  attachment, or a re-upload with different bytes: same agency, year and template, and
  near-identical cells. `dedupe` finds these and keeps the best parse (fewest failed checks,
  most cells read, most numbers, most sections; the report_id breaks ties), recording for
  every other file which report it duplicates and why;
* a detail page that only introduces its attachment (no numbers of its own): the
  attachment is the report, the page a duplicate of it.

Reports of the same agency and year whose numbers differ (a corrected re-publication, two
departments that the parser named alike) are not merged: both stay kept, and the panel
takes the best one for that agency-year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MIN_COMMON = 10  # numbers both files print, for a comparison by cells
AGREE = 0.95  # share of those that must be equal
AGREE_LINKED = 0.80  # ... when one file is an attachment of the other's page
TEXT_SIMILAR = 0.80  # shingle Jaccard of the section text, for reports with few numbers
TEXT_SIMILAR_LINKED = 0.60


@dataclass(frozen=True)
class Candidate:
    report_id: str
    agency_id: str | None
    year: int | None
    template: str
    n_failed: int = 0
    n_resolved: int = 0
    n_numbers: int = 0
    n_sections: int = 0
    urls: tuple[str, ...] = ()
    detail_urls: tuple[str, ...] = ()  # pages that link these bytes as an attachment

    def rank(self) -> tuple:
        """Lower is better: fewest failed checks, most cells read, most numbers, most sections."""
        return (self.n_failed, -self.n_resolved, -self.n_numbers, -self.n_sections, self.report_id)

    @property
    def key(self) -> tuple | None:
        if not self.agency_id or self.year is None or self.template == "unknown":
            return None
        return (self.agency_id, self.year, self.template)


@dataclass(frozen=True)
class Fingerprint:
    numbers: dict  # address -> value, cells with status "number"
    shingles: frozenset = field(default_factory=frozenset)  # of the section text


@dataclass(frozen=True)
class Decision:
    status: str  # kept | duplicate
    duplicate_of: str | None = None
    reason: str | None = None
    duplicates: tuple[str, ...] = ()


def normalize_agency(name: str | None) -> str:
    """NFKC, no whitespace, no quotes: how two spellings of one agency name are compared."""
    s = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"[\s\"'“”‘’「」]+", "", s)


def agency_key(agency: str | None, region: dict | None) -> str | None:
    """The agency's identity across files and years.

    With a resolved division code: ``<code>:<name>`` where <name> is the agency name without
    the leading names of its divisions (淮安市洪泽区人民政府 and 洪泽区人民政府 → 320813:人民政府),
    so that a report naming its city and one that does not meet. Without a code: the
    normalised name."""
    name = normalize_agency(agency)
    if not name:
        return None
    region = region or {}
    code = region.get("code") or region.get("division_code")
    if not code:
        return name
    rest = name
    for part in ("province", "city", "county", "township"):
        p = normalize_agency(region.get(part))
        if p and rest.startswith(p) and len(rest) > len(p):
            rest = rest[len(p) :]
    return f"{code}:{rest}"


def shingles(text: str, n: int = 4, limit: int = 20000) -> frozenset:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))[:limit]
    return frozenset(s[i : i + n] for i in range(max(0, len(s) - n + 1)))


def _jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _linked(a: Candidate, b: Candidate) -> bool:
    return bool(set(a.urls) & set(b.detail_urls) or set(b.urls) & set(a.detail_urls))


def same_report(a: Candidate, fa: Fingerprint, b: Candidate, fb: Fingerprint) -> str | None:
    """Why a and b (same agency, year and template) are one report, or None."""
    linked = _linked(a, b)
    via = "; one is an attachment of the other's page" if linked else ""
    common = fa.numbers.keys() & fb.numbers.keys()
    agree = sum(1 for k in common if abs(fa.numbers[k] - fb.numbers[k]) < 1e-6)
    if len(common) >= MIN_COMMON:
        if agree / len(common) >= (AGREE_LINKED if linked else AGREE):
            return f"same agency, year and template; {agree} of {len(common)} numbers both print are equal{via}"
        return None
    if agree < len(common):
        return None
    sim = _jaccard(fa.shingles, fb.shingles)
    if sim >= (TEXT_SIMILAR_LINKED if linked else TEXT_SIMILAR):
        return f"same agency, year and template; text {sim:.0%} alike and no number differs{via}"
    return None


def dedupe(cands: Iterable[Candidate], fingerprint: Callable[[str], Fingerprint]) -> dict[str, Decision]:
    """One Decision per candidate. `fingerprint(report_id)` is called only for reports that
    share agency, year and template with another one."""
    cands = list(cands)
    # a page without numbers whose attachment is a report with numbers: the attachment is the report
    attached: dict[str, list[Candidate]] = {}
    for c in cands:
        if c.n_numbers:
            for u in c.detail_urls:
                attached.setdefault(u, []).append(c)
    containers: dict[str, Candidate] = {}
    for c in cands:
        if not c.n_numbers:
            atts = [a for u in c.urls for a in attached.get(u, ()) if a.report_id != c.report_id]
            if atts:
                containers[c.report_id] = min(atts, key=Candidate.rank)
    groups: dict[tuple, list[Candidate]] = {}
    out: dict[str, Decision] = {}
    for c in cands:
        if c.report_id in containers:
            continue
        k = c.key
        if k is None:
            out[c.report_id] = Decision("kept")
        else:
            groups.setdefault(k, []).append(c)
    for k in sorted(groups, key=lambda k: (k[0], k[1], k[2])):
        members = sorted(groups[k], key=Candidate.rank)
        if len(members) == 1:
            out[members[0].report_id] = Decision("kept")
            continue
        fps = {c.report_id: fingerprint(c.report_id) for c in members}
        clusters: list[list[tuple[Candidate, str | None]]] = []
        for c in members:
            for cl in clusters:
                best = cl[0][0]
                why = same_report(best, fps[best.report_id], c, fps[c.report_id])
                if why:
                    cl.append((c, why))
                    break
            else:
                clusters.append([(c, None)])
        for cl in clusters:
            best = cl[0][0]
            dups = tuple(c.report_id for c, _ in cl[1:])
            out[best.report_id] = Decision("kept", duplicates=dups)
            for c, why in cl[1:]:
                out[c.report_id] = Decision(
                    "duplicate", best.report_id, f"{why}; kept {best.report_id}: {_score(best)} vs {_score(c)}"
                )
    extra: dict[str, list[str]] = {}
    for rid, att in sorted(containers.items()):
        kept = out[att.report_id].duplicate_of or att.report_id
        out[rid] = Decision("duplicate", kept, f"a page without tables whose report is its attachment {att.report_id}")
        extra.setdefault(kept, []).append(rid)
    for kept, rids in extra.items():
        d = out[kept]
        out[kept] = Decision(d.status, d.duplicate_of, d.reason, tuple(sorted(d.duplicates + tuple(rids))))
    return out


def _score(c: Candidate) -> str:
    return f"{c.n_failed} failed checks, {c.n_resolved} cells"
