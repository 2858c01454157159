"""Guangdong gkmlpt: ``/gkmlpt/index#<catId>`` + ``SID`` → JSON ``/gkmlpt/api/all/<catId>?page=N&sid=S``;
details embed ``window._CONFIG.DETAIL`` with attachments. Non-gkmlpt ``post_`` columns go generic."""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..links import ATTACHMENT_EXT, unescape_percent_u
from . import generic
from .base import Link, ListResult, Page, Request, anchors, clean, page_numbers

NAME = "gd_post"
_SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\d+)""")


def detect(url: str, html: str) -> bool:
    return "/gkmlpt/" in url or "/gkmlpt/" in html or ("window._CONFIG" in html and _SID.search(html) is not None)


def _api_url(page_url: str, cat: str, n: int, sid: str) -> str:
    p = urlsplit(page_url)
    prefix = p.path.split("/gkmlpt/")[0] if "/gkmlpt/" in p.path else ""
    return urlunsplit((p.scheme, p.netloc, f"{prefix}/gkmlpt/api/all/{cat}", f"page={n}&sid={sid}", ""))


def _date(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (int, float)) or (isinstance(v, str) and v.isdigit()):
        ts = float(v)
        if ts > 1e11:
            ts /= 1000
        return _dt.datetime.fromtimestamp(ts, _dt.timezone(_dt.timedelta(hours=8))).date().isoformat()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", str(v))
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def parse_list(page: Page) -> ListResult:
    meta = page.meta
    if meta.get("gk_api"):
        try:
            j = page.json()
        except ValueError:
            return ListResult(notes=["gkmlpt: not JSON"])
        arts = j.get("articles") or j.get("data") or []
        links = []
        for a in arts:
            u = a.get("url") or a.get("post_url") or a.get("link")
            if not u:
                continue
            title = unescape_percent_u(clean(a.get("title") or ""))
            links.append(
                Link(
                    url=urljoin(page.base, u),
                    title=title,
                    anchor=title,
                    date=_date(a.get("created_at") or a.get("publish_time") or a.get("date")),
                )
            )
        res = ListResult(links=links)
        if meta.get("n") == 1 and arts:
            total = j.get("total") or (j.get("classify") or {}).get("post_count") or 0
            total = int(total) if str(total).isdigit() else 0
            pages = math.ceil(total / len(arts)) if total else 1
            for n in page_numbers(page, res, 2, pages + 1, claim=f"total {total}"):
                res.requests.append(
                    Request(url=_api_url(page.base, meta["cat"], n, meta["sid"]), meta={**meta, "n": n})
                )
        return res
    column = meta.get("column") or page.url
    cat = urlsplit(column).fragment or urlsplit(page.url).fragment
    sid = _SID.search(page.text)
    own = None
    if sid and not cat:
        # a post_ column page that carries the site-wide _CONFIG: keep its own list too
        own = generic.parse_list(page)
        for l in anchors(page, with_dates=False):
            frag = urlsplit(l.url).fragment if "#" in l.url else ""
            if re.fullmatch(r"\d+", frag or "") and re.search(r"年报|年度报告", l.anchor):
                cat = frag
                break
        if not cat:
            m = re.search(r"index#(\d+)[^<]{0,80}?>[^<]*(?:年报|年度报告)", page.text)
            cat = m.group(1) if m else None
    if sid and cat:
        res = own or ListResult()
        res.requests.append(
            Request(
                url=_api_url(page.base, cat, 1, sid.group(1)),
                headers={"Referer": column.split("#")[0]},
                meta={"family": NAME, "column": column, "gk_api": True, "n": 1, "cat": cat, "sid": sid.group(1)},
            )
        )
        return res
    return own or generic.parse_list(page)


_DETAIL = re.compile(r"window\._CONFIG\.DETAIL\s*=\s*(\{.*?\})\s*;?\s*(?:</script>|\n\s*window\.)", re.S)
_FILE_URL = re.compile(
    r"""["']((?:https?:)?(?:/|\./)[^"'\s]*?(?:/attachment/[^"'\s]+|\.(?:""" + "|".join(ATTACHMENT_EXT) + r""")))["']""",
    re.I,
)


def attachments(page: Page) -> list[Link]:
    out, seen = [], set()
    m = _DETAIL.search(page.text)
    if m:
        try:
            d = json.loads(m.group(1))
            for a in d.get("attachment") or d.get("attachments") or []:
                u = a.get("url") or a.get("link") or a.get("path")
                if u:
                    u = urljoin(page.base, u.replace("\\/", "/"))
                    if u not in seen:
                        seen.add(u)
                        name = unescape_percent_u(a.get("name") or a.get("title") or "")
                        out.append(Link(url=u, title=name, anchor=name))
        except ValueError:
            pass
    for s in page.tree.css("script"):
        txt = s.text() or ""
        if "_CONFIG" not in txt:
            continue
        for fm in _FILE_URL.finditer(txt.replace("\\/", "/")):
            u = urljoin(page.base, fm.group(1))
            if u not in seen and not u.endswith((".js", ".css")):
                seen.add(u)
                out.append(Link(url=u))
    return out
