"""TRS 海云-style sites: ``c<colid>/list.shtml``, ``list_2.shtml`` …; details ``c<colid>/YYYYMM/<hex>.shtml``."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from . import generic
from .base import (
    ListResult,
    Page,
    Request,
    column_items,
    item_digest,
    next_links,
    page_numbers,
    probe_next,
    probe_start,
)

NAME = "trs_hexmon"
_COL = re.compile(r"/c\d{5,6}(?:/|$)")
_COUNT = re.compile(r"(?:countPage|pageCount|totalPage|page_count|totalPages)\s*[:=]\s*['\"]?(\d+)", re.I)


def detect(url: str, html: str) -> bool:
    return bool(_COL.search(urlsplit(url).path)) or bool(re.search(r"/c\d{5,6}/\d{6}/[0-9a-f]{32}\.shtml", html))


def _list_base(url: str) -> str:
    path = urlsplit(url).path
    if path.endswith("/"):
        return url
    return urljoin(url, "./")


def parse_list(page: Page) -> ListResult:
    items = column_items(page)
    dig = item_digest(items)
    meta = page.meta
    res = ListResult(links=items)
    path = urlsplit(page.base).path
    if "probe" in meta:
        hit = bool(items) and dig != meta.get("prev")
        res.requests += probe_next(page, hit, dig)
        if not hit:
            res.links = []
        return res
    if not items and path.endswith("/") and not meta.get("resolved"):
        # the column folder itself is a nav page: the list is list.shtml
        res.requests.append(
            Request(
                url=urljoin(page.base, "list.shtml"),
                meta={"family": NAME, "column": meta.get("column"), "resolved": True},
            )
        )
        res.requests += [Request(url=u, meta={"column": u}) for u in generic.iframe_requests(page)]
        return res
    nxt = next_links(page)
    if nxt:
        res.requests += [Request(url=u, meta={"family": NAME, "column": meta.get("column")}) for u in nxt]
        return res
    m = _COUNT.search(page.text)
    base = _list_base(page.base)
    if m:
        for k in page_numbers(page, res, 2, int(m.group(1)) + 1, claim=m.group(0)):
            res.requests.append(
                Request(
                    url=urljoin(base, f"list_{k}.shtml"),
                    meta={"family": NAME, "column": meta.get("column"), "page_no": k},
                )
            )
        return res
    if items and re.search(r"/list\.shtml$|/$", path):
        page.meta.setdefault("family", NAME)
        res.requests += probe_start(page, [(urljoin(base, "list_{n}.shtml"), 2, 0)], dig)
    return res
