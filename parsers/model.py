"""Plain data a parsed report is made of (what `parse_report` returns)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from .document import Location, Warning


class ReportCell(NamedTuple):
    """One template cell of a report. A named tuple (immutable, like the dataclasses
    here) because a report has hundreds and they are made on the parser's hot path."""

    address: str  # t2/<block>.<row>/<col>, t3/<row>/<col>, t4/<row>/<col>, p/<indicator>/<col>
    value: int | float | None
    raw: str
    status: str  # number | blank | dash | text | unresolved
    loc: Location = Location()
    unit: str | None = None  # money columns and pre-2019 indicators: the unit found
    via: str | None = None  # pre-2019 cells: "table" or "sentence"
    char: int | None = None  # offset of the value inside its source line or cell
    offset: int | None = None  # offset of the value in the reader's text (`Flat.text`)
    context: str | None = None  # the reader's text around the value (see report.with_context)

    def as_dict(self) -> dict:
        d = {"address": self.address, "value": self.value, "raw": self.raw, "status": self.status}
        d["page"] = self.loc.page
        d["line"] = self.loc.line
        if self.char is not None:
            d["char"] = self.char
        if self.offset is not None:
            d["char_start"] = self.offset
            d["char_end"] = self.offset + len(self.raw)
        if self.context:
            d["context"] = self.context
        if self.loc.via:
            d["source_via"] = self.loc.via
        if self.unit:
            d["unit"] = self.unit
        if self.via:
            d["via"] = self.via
        return d


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    subject: str
    ok: bool | None
    lhs: float | int | None
    rhs: float | int | None
    note: str = ""
    hard: bool = True

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "subject": self.subject,
            "ok": self.ok,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "note": self.note,
            "strength": "hard" if self.hard else "soft",
        }


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    number: str
    title: str
    text: str
    line: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    report_id: str
    source: dict
    agency: str | None
    year: int | None
    template: str  # 2019 | 2021 | pre2019 | unknown
    sections: tuple[Section, ...] = ()
    cells: tuple[ReportCell, ...] = ()
    checks: tuple[Check, ...] = ()
    warnings: tuple[Warning, ...] = ()
    region: dict | None = None
    published: str | None = None
    error: str | None = None
    meta: dict = field(default_factory=dict)
    agency_source: str | None = None  # title | title at the end | signature | header | prose (parsers/agency.py)
    scope: str = "own"  # own | aggregate (parsers/scope.py)
    scope_evidence: str | None = None  # the sentence that made it aggregate
    # rows left ambiguous: {"row": "t2/art20_1.normative_docs", "options": [{address: value, ...}, ...]},
    # the values of the row's unresolved cells in each reading the template admits
    readings: tuple = ()

    def as_dict(self) -> dict:
        d = {
            "report_id": self.report_id,
            "source": self.source,
            "agency": self.agency,
            "agency_source": self.agency_source,
            "year": self.year,
            "template": self.template,
            "region": self.region,
            "published": self.published,
            "scope": self.scope,
            "scope_evidence": self.scope_evidence,
            "sections": [s.as_dict() for s in self.sections],
            "cells": [c.as_dict() for c in self.cells],
            "checks": [c.as_dict() for c in self.checks],
            "warnings": [w.as_dict() for w in self.warnings],
        }
        if self.readings:
            d["readings"] = list(self.readings)
        if self.meta:
            d["meta"] = self.meta
        if self.error:
            d["error"] = self.error
        return d
