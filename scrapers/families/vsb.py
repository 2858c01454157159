"""VSB (博达): ``<name>.htm`` then ``<name>/<T-k+1>.htm`` (page numbers run backwards)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from .base import ListResult, Page, Request, clean, column_items, page_numbers

NAME = "vsb"
_MARKERS = (
    "_newscontent_fromname",
    "vsb_content",
    "p_next p_fun",
    "/system/_content/download.jsp",
    "pb_sys_common",
    "VSB",
    "vsbscreen",
)


def detect(url: str, html: str) -> bool:
    return any(m in html for m in _MARKERS)


def total_pages(page: Page) -> int | None:
    for n in page.tree.css("span.p_t, .p_t"):
        m = re.search(r"\d+\s*/\s*(\d+)", clean(n.text()))
        if m:
            return int(m.group(1))
    m = re.search(r"共\s*\d+\s*条\s*(?:&nbsp;|\s)*\d+\s*/\s*(\d+)", page.text)
    return int(m.group(1)) if m else None


def parse_list(page: Page) -> ListResult:
    meta = page.meta
    items = column_items(page)
    res = ListResult(links=items)
    path = urlsplit(page.base).path
    is_first = not re.search(r"/\d+\.htm$", path)
    T = total_pages(page)
    if is_first and T and T > 1:
        name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for n in page_numbers(page, res, 1, T, claim=f"{T} pages"):  # page k>=2 lives at <name>/<T-k+1>.htm
            res.requests.append(
                Request(
                    url=urljoin(page.base, f"{name}/{n}.htm"),
                    meta={"family": NAME, "column": meta.get("column"), "page_no": T - n + 1},
                )
            )
    for a in page.tree.css("span.p_next a, a.Next, .p_next a"):
        href = (a.attributes.get("href") or "").strip()
        if href and not href.startswith("javascript"):
            res.requests.append(
                Request(url=urljoin(page.base, href), meta={"family": NAME, "column": meta.get("column")})
            )
    return res
