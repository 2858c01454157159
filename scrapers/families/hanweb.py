"""Hanweb (大汉) JCMS: records embedded as ``<datastore>`` XML in the column page, more pages
from ``/module/web/jpage/dataproxy.jsp`` (POST, windows of ``perpage × groupsize``), the JPaaS
``unitbuild`` JSON endpoint, and the ``xxgkAnnualReport.jsp`` module (a report rendered inline)."""

from __future__ import annotations

import html as _html
import json
import re
from urllib.parse import urlencode, urljoin, urlsplit

from . import generic
from .base import Link, ListResult, Page, Request, anchors, page_numbers

NAME = "hanweb_jcms"
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)


def _js(name: str, text: str) -> str | None:
    m = re.search(name + r"""\s*[:=]\s*['"]?([^'",;\s}]+)""", text)
    return m.group(1) if m else None


def _js_int(name: str, text: str, default: int) -> int:
    """A positive number set in the page's script (``perPage: 15``, ``var perPage = 15;``);
    the default when it is missing, not a number or zero."""
    m = re.match(r"\d+", _js(name, text) or "")
    return int(m.group(0)) or default if m else default


def detect(url: str, html: str) -> bool:
    return (
        "dataproxy.jsp" in html
        or "<datastore>" in html
        or "/module/xxgk/" in html
        or "unitbuild.js" in html
        or "jpaas-publish-server" in html
        or "xxgkAnnualReport.jsp" in url
        or bool(re.search(r"/col/col\d+/", url))
    )


def is_annual_report_module(url: str) -> bool:
    return "xxgkAnnualReport.jsp" in url


def records(text: str) -> list[str]:
    return [_html.unescape(r) if "&lt;" in r[:20] else r for r in _RECORD.findall(text)]


def record_links(page: Page, recs: list[str]) -> list[Link]:
    out = []
    for r in recs:
        sub = Page(url=page.base, body=r.encode("utf-8"), headers={"content-type": "text/html; charset=utf-8"})
        for l in anchors(sub):
            if "dataproxy.jsp" in l.url:
                continue
            out.append(l)
    return out


def _params(page: Page) -> dict:
    text = page.text
    p = {}
    ng = _NEXTGROUP.search(text)
    src = ng.group(1) if ng else ""
    for key in ("webid", "columnid", "unitid"):
        m = re.search(key + r"=(\d+)", src, re.I) or re.search(key + r"""\s*[:=]\s*['"]?(\d+)""", text, re.I)
        if m:
            p[key] = m.group(1)
    if "columnid" not in p:
        m = re.search(r"/col/col(\d+)/", page.base)
        if m:
            p["columnid"] = m.group(1)
    if "unitid" not in p:
        m = re.search(r"""<div\s+id=['"]?(\d+)['"]?\s*>\s*<script\s+type=['"]text/xml""", text)
        if m:
            p["unitid"] = m.group(1)
    p["proxy"] = _js("proxyUrl", text) or "/module/web/jpage/dataproxy.jsp"
    p["perpage"] = _js_int("perPage", text, 15)
    p["group"] = _js_int("groupSize", text, 3)
    total = _TOTAL.search(text) or re.search(r"""totalRecord\s*[:=]\s*['"]?(\d+)""", text)
    p["total"] = int(total.group(1)) if total else None
    wn = re.search(r"""webname\s*[:=]\s*['"]([^'"]*)['"]""", text) or re.search(
        r"""<meta\s+name=['"]SiteName['"]\s+content=['"]([^'"]*)""", text
    )
    p["webname"] = wn.group(1) if wn else ""
    return p


def _proxy_request(page: Page, p: dict, start: int, end: int, chain: bool) -> Request:
    q = urlencode({"startrecord": start, "endrecord": end, "perpage": p["perpage"]})
    url = urljoin(page.base, p["proxy"]) + ("&" if "?" in p["proxy"] else "?") + q
    form = {
        "col": "1",
        "appid": "1",
        "webid": p.get("webid", "1"),
        "path": "/",
        "columnid": p.get("columnid", ""),
        "sourceContentType": "1",
        "unitid": p.get("unitid", ""),
        "webname": p.get("webname", ""),
        "permissiontype": "0",
    }
    column = page.meta.get("column") or page.base
    meta = {
        "family": NAME,
        "column": column,
        "hanweb": {k: v for k, v in p.items() if k != "total"},
        "start": start,
        "end": end,
        "chain": chain,
        "api": True,
    }
    return Request(url=url, method="POST", data=form, headers={"Referer": column.split("#")[0]}, meta=meta)


def _jpaas_requests(page: Page, n: int) -> list[Request]:
    m = re.search(r"<script[^>]*unitbuild\.js[^>]*>", page.text)
    if not m:
        return []
    tag = m.group(0)
    qd = re.search(r"""querydata\s*=\s*(['"])(.*?)\1""", tag, re.I)
    try:
        params = json.loads(_html.unescape(qd.group(2))) if qd else {}
    except ValueError:
        params = {}
    params = {k: v for k, v in params.items() if k != "paramJson"}
    params["paramJson"] = json.dumps({"pageNo": n, "pageSize": 15}, separators=(",", ":"))
    url = urljoin(page.base, "/api-gateway/jpaas-publish-server/front/page/build/unit?" + urlencode(params))
    column = page.meta.get("column") or page.base
    return [
        Request(
            url=url,
            headers={"Referer": column.split("#")[0]},
            meta={"family": NAME, "column": column, "jpaas": n, "jpaas_tag": tag},
        )
    ]


def parse_list(page: Page) -> ListResult:
    meta = page.meta
    if meta.get("jpaas"):
        try:
            html = page.json().get("data", {}).get("html", "")
        except (ValueError, AttributeError):
            return ListResult(notes=["jpaas: not JSON"])
        sub = Page(url=page.base, body=html.encode("utf-8"), headers={"content-type": "text/html; charset=utf-8"})
        links = [l for l in anchors(sub) if "/art/" in l.url or "art_" in l.url]
        res = ListResult(links=links)
        if links:
            fake = Page(url=meta["column"], body=meta["jpaas_tag"].encode(), meta=meta)
            res.requests += _jpaas_requests(fake, meta["jpaas"] + 1)
        return res
    recs = records(page.text)
    if meta.get("api"):
        links = record_links(page, recs)
        res = ListResult(links=links)
        p = dict(meta["hanweb"])
        window = meta["end"] - meta["start"] + 1
        if meta.get("chain") and len(recs) >= window:
            res.requests.append(_proxy_request(page, p, meta["end"] + 1, meta["end"] + window, True))
        return res
    if recs or "<datastore>" in page.text:
        links = record_links(page, recs)
        res = ListResult(links=links)
        p = _params(page)
        window = p["perpage"] * p["group"]
        n = len(recs)
        if p["total"] is not None:
            for s in page_numbers(page, res, n + 1, p["total"] + 1, window, claim=f"totalrecord {p['total']}"):
                res.requests.append(_proxy_request(page, p, s, min(s + window - 1, p["total"]), False))
        elif n >= window or _NEXTGROUP.search(page.text):
            res.requests.append(_proxy_request(page, p, n + 1, n + window, True))
        return res
    jp = _jpaas_requests(page, 1)
    if jp:
        return ListResult(requests=jp)
    return generic.parse_list(page)


def attachments(page: Page) -> list[Link]:
    out = []
    for l in anchors(page, with_dates=False):
        if "downfile.jsp" in l.url or "jcms_files" in l.url or "/attach/" in l.url:
            out.append(l)
    return out


def annual_report_year(url: str) -> int | None:
    m = re.search(r"fbtime=(\d{4})", urlsplit(url).query)
    return int(m.group(1)) if m else None
