"""Fallback for unknown CMSs: article-like links under the column's path, and links of the
same site anywhere whose title reads as a report (`off_column_reports`); next-page anchors,
``index_N``/``list_N``/``?page=N`` probing, same-host iframes and year sub-columns."""

from __future__ import annotations

from .base import (
    PROBE_MIN_ITEMS,
    ListResult,
    Page,
    Request,
    column_items,
    iframes,
    item_digest,
    next_links,
    off_column_reports,
    page2_templates,
    probe_next,
    probe_start,
    subcolumns,
)

NAME = "generic"


def detect(url: str, html: str) -> bool:
    return True


def iframe_requests(page: Page) -> list[str]:
    return iframes(page)


def parse_list(page: Page) -> ListResult:
    meta = page.meta
    items = column_items(page)
    items += off_column_reports(page, items)
    dig = item_digest(items)
    res = ListResult(links=items)
    if "probe" in meta:
        hit = bool(items) and dig != meta.get("prev")
        res.requests += probe_next(page, hit, dig)
        if not hit:
            res.links = []
        return res
    fam = meta.get("family") or NAME
    nxt = next_links(page)
    if nxt:
        for u in nxt:
            res.requests.append(
                Request(
                    url=u, meta={"family": fam, "column": meta.get("column"), "page_no": meta.get("page_no", 1) + 1}
                )
            )
    first = meta.get("page_no", 1) == 1
    if first:
        for l in subcolumns(page):
            res.requests.append(Request(url=l.url, meta={"column": l.url, "subcolumn": l.title}))
        if not items:
            for u in iframes(page):
                res.requests.append(Request(url=u, meta={"column": u, "iframe": True}))
        if len(items) >= PROBE_MIN_ITEMS and not nxt:
            page.meta.setdefault("family", fam)
            res.requests += probe_start(page, page2_templates(page.base, items), dig)
    return res
