"""TRS WCM: ``createPageHTML(count, current, "index", "htm")`` pagination, ``./YYYYMM/t…`` items,
``./P0…`` attachments next to the detail page."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from . import generic
from .base import ListResult, Page, Request, column_items, item_digest, page_numbers, subcolumns

NAME = "trs_wcm"
_CPH = re.compile(r"createPageHTML\s*\(([^)]*)\)")


def detect(url: str, html: str) -> bool:
    return "createPageHTML(" in html or "TRS_Editor" in html or "trs_editor_view" in html


def page_call(text: str) -> tuple[int, int, str, str] | None:
    """(pageCount, current0, prefix, ext) of the first createPageHTML call with literal args."""
    for m in _CPH.finditer(text):
        args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
        nums = [i for i, a in enumerate(args) if re.fullmatch(r"\d+", a)]
        if len(nums) < 2:
            continue
        i = nums[0]
        if nums[1] != i + 1:
            continue
        strs = [a for a in args[i + 2 :] if a and not re.fullmatch(r"\d+", a)]
        prefix = strs[0] if strs else "index"
        ext = strs[1] if len(strs) > 1 else "html"
        return int(args[i]), int(args[i + 1]), prefix, ext
    return None


def parse_list(page: Page) -> ListResult:
    call = page_call(page.text)
    if call is None:
        return generic.parse_list(page)
    count, cur, prefix, ext = call
    items = column_items(page)
    res = ListResult(links=items)
    # every page from this one's count: page k (k>=2) is prefix_{k-1}.ext in the same folder
    for k in page_numbers(page, res, 1, count, claim=f"createPageHTML({count})"):
        res.requests.append(
            Request(
                url=urljoin(page.base_href, f"{prefix}_{k}.{ext}"),
                meta={"family": NAME, "column": page.meta.get("column"), "page_no": k + 1, "prev": item_digest(items)},
            )
        )
    if page.meta.get("page_no", 1) == 1:
        for l in subcolumns(page):
            res.requests.append(Request(url=l.url, meta={"column": l.url, "subcolumn": l.title}))
    return res
