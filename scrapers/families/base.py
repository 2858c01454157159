"""Plain data and HTML helpers every CMS family shares.

A family module exposes::

    NAME: str
    def detect(url: str, html: str) -> bool
    def parse_list(page: Page) -> ListResult       # report candidates + further list requests
    def attachments(page: Page) -> list[Link]      # optional: family-specific attachment rules

Everything here is pure: bytes and URLs in, links and requests out. The crawler decides
what to fetch, in which order, and what is a report.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from ..client import decode_html, host_of, registrable_domain
from ..links import (
    ARTICLE,
    ATTACHMENT_EXT,
    IMAGE_EXT,
    LISTLIKE,
    classify_title,
    column_prefix,
    date_from_url,
    desktop_url,
    is_article_url,
    is_attachment_url,
    is_list_category,
    parse_date,
    url_ext,
    year_from_title,
)


@dataclass
class Page:
    url: str
    body: bytes
    headers: dict = field(default_factory=dict)
    status: int = 200
    final_url: str | None = None
    meta: dict = field(default_factory=dict)
    page_budget: int | None = None  # list requests the crawler still takes from this portal (None: the default)

    @property
    def base(self) -> str:
        return self.final_url or self.url

    @cached_property
    def text(self) -> str:
        return decode_html(self.body, self.headers)

    @cached_property
    def tree(self) -> LexborHTMLParser:
        return LexborHTMLParser(self.text)

    @cached_property
    def base_href(self) -> str:
        node = self.tree.css_first("base[href]")
        if node is not None:
            href = (node.attributes.get("href") or "").strip()
            if href:
                return urljoin(self.base, href)
        return self.base

    def json(self):
        t = self.text.strip()
        m = re.match(r"^[\w$.]+\((.*)\)\s*;?\s*$", t, re.S)  # JSONP
        if m:
            t = m.group(1)
        return json.loads(t)


@dataclass
class Link:
    url: str
    title: str = ""  # best title: the title attribute, else the anchor text
    anchor: str = ""  # the visible anchor text
    date: str | None = None


@dataclass
class Request:
    url: str
    kind: str = "list"  # list | detail | attachment
    method: str = "GET"
    data: dict | None = None
    headers: dict | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class ListResult:
    links: list[Link] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Detail:
    title: str | None
    published: str | None
    body_text: str
    attachments: list[Link]


# ------------------------------------------------------------------- page counts

DEFAULT_PAGE_BUDGET = 2000  # the crawler's default max_pages


def page_numbers(page: Page, res: ListResult, start: int, stop: int, step: int = 1, claim: str = "") -> range:
    """``range(start, stop, step)`` cut to the page's budget. A page count or record total is
    whatever the page claims (``createPageHTML(100000000)``): the requests it implies are never
    built past the budget, and a cut claim is noted in ``res.notes`` as ``page_count_capped``."""
    budget = DEFAULT_PAGE_BUDGET if page.page_budget is None else max(0, page.page_budget)
    step = max(1, step)
    wanted = max(0, -(-(stop - start) // step))  # ceil, without building the range's len (it may overflow)
    if wanted > budget:
        res.notes.append(
            f"page_count_capped: {claim or 'the page'} implies {wanted} list requests, "
            f"{budget} left in this portal's budget"
        )
        stop = start + budget * step
    return range(start, stop, step)


# ------------------------------------------------------------------------ anchors

_SKIP_HREF = ("javascript:", "mailto:", "tel:", "#", "data:", "about:")


def clean(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def _near_date(node) -> str | None:
    parent = node.parent
    for _ in range(2):
        if parent is None:
            break
        txt = parent.text(deep=True, separator=" ")
        if len(txt) < 400:
            d = parse_date(txt)
            if d:
                return d
        parent = parent.parent
    return None


def anchors(page: Page, root=None, base: str | None = None, with_dates: bool = True) -> list[Link]:
    base = base or page.base_href
    out: list[Link] = []
    nodes = (root if root is not None else page.tree).css("a")
    for a in nodes:
        attrs = a.attributes
        href = (attrs.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_HREF):
            alt = (attrs.get("oldsrc") or attrs.get("OLDSRC") or "").strip()
            if not alt:
                continue
            href = alt
        try:
            url = urljoin(base, href)
        except ValueError:
            continue
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = clean(a.text(deep=True))
        title = clean(attrs.get("title")) or text
        out.append(
            Link(
                url=url.split("#")[0] if "#" in url and not url.endswith("#") else url.rstrip("#"),
                title=title,
                anchor=text,
                date=_near_date(a) if with_dates else None,
            )
        )
    return out


_NEXT_TEXT = re.compile(r"^(?:下一?页|后一?页|下页|next|>|»|›|>>)$", re.I)


def next_links(page: Page) -> list[str]:
    out = []
    for a in page.tree.css("a"):
        t = clean(a.text(deep=True)).replace(" ", "")
        if _NEXT_TEXT.match(t) or (a.attributes.get("class") or "").find("next") >= 0:
            href = (a.attributes.get("href") or "").strip()
            if href and not href.lower().startswith(_SKIP_HREF):
                u = urljoin(page.base_href, href)
                if u.split("#")[0] != page.base.split("#")[0]:
                    out.append(u)
    return out


_IFRAME_SKIP = re.compile(r"login|tree|visit|count|stat|search|weather|share|map|video|player|baidu|qq\.com", re.I)


def iframes(page: Page) -> list[str]:
    out = []
    host = host_of(page.base)
    for f in page.tree.css("iframe, frame"):
        src = (f.attributes.get("src") or "").strip()
        if not src or src.lower().startswith(_SKIP_HREF) or _IFRAME_SKIP.search(src):
            continue
        u = urljoin(page.base_href, src)
        if host_of(u) == host:
            out.append(u)
    return out


def item_digest(links: list[Link]) -> str:
    return hashlib.sha1("\n".join(sorted({l.url for l in links})).encode()).hexdigest()[:16]


def column_items(page: Page, column_url: str | None = None, links: list[Link] | None = None) -> list[Link]:
    """Article-like (or attachment) links that belong to this column: same path prefix on
    the same host, or on another government host (city columns list county reports)."""
    column_url = column_url or page.meta.get("column") or page.base
    prefix = column_prefix(column_url)
    host = host_of(page.base)
    seen, out = set(), []
    for l in links if links is not None else anchors(page):
        u = desktop_url(l.url)
        if u in seen or _PAGER_TEXT.match(l.anchor.replace(" ", "")):
            continue
        h = host_of(u)
        path = urlsplit(u).path
        if h == host:
            if not path.startswith(prefix) and not _loose_prefix(path, prefix):
                continue
        elif not (h.endswith(".gov.cn") or h == host):
            continue
        if is_attachment_url(u) or is_article_url(u):
            if _is_pager_url(u, page.base):
                continue
            seen.add(u)
            l.url = u
            out.append(l)
    return out


def off_column_reports(page: Page, known: list[Link] = ()) -> list[Link]:
    """Links of the same site (this host or a sibling host of its registrable domain) that
    lie off the column's path but whose title or anchor text reads as a report and carries
    its year or a date beside it: many portals list reports at ``/xxgk/nb/`` and serve them
    at ``/art/…``, ``/content/…``, ``/zwgk/…/t2024…_1.html`` or on another host of the site.
    Look-alikes stay out by the crawler's own title rules (a lookalike word in either text
    rejects the link), and so do list-like URLs (navigation to columns named like reports)."""
    column = page.meta.get("column") or page.base
    site = registrable_domain(host_of(page.base))
    have = {l.url for l in known}
    out = []
    for l in anchors(page):
        u = desktop_url(l.url)
        path = urlsplit(u).path
        if u in have or registrable_domain(host_of(u)) != site or _is_pager_url(u, page.base):
            continue
        if LISTLIKE.search(path) and not ARTICLE.search(path):
            continue
        verdicts = [classify_title(t, column) for t in {l.title, l.anchor} if t]
        if not any(v.is_report for v in verdicts) or any(v.reason.startswith("lookalike") for v in verdicts):
            continue
        if not (l.date or year_from_title(l.title) or year_from_title(l.anchor)):
            continue
        have.add(u)
        l.url = u
        out.append(l)
    return out


_PAGER_TEXT = re.compile(
    r"^(?:首页|尾页|末页|上一?页|下一?页|前一?页|后一?页|\d{1,4}|[<>«»‹›]{1,2}|GO|跳转|确定)$", re.I
)


def _loose_prefix(path: str, prefix: str) -> bool:
    # Hanweb: /art/YYYY/.../art_<col>_<id>.html lives outside /col/col<col>/;
    # VSB: /info/<col>/<id>.htm is site-global; gkmlpt: /gkmlpt/content/…/post_<id>.html
    return (
        ("/art/" in path and "/col/col" in prefix)
        or bool(re.match(r"/(?:[^/]+/)?info/\d+/\d+\.htm", path))
        or "/gkmlpt/content/" in path
    )


def _is_pager_url(u: str, base: str) -> bool:
    return bool(re.search(r"(?:index|list|default)_\d+\.s?html?$", urlsplit(u).path))


def subcolumns(page: Page, column_url: str | None = None) -> list[Link]:
    """Links to sub-columns: list-like URLs deeper than the column, or anchors named like a
    year category (``2021年年报``)."""
    column_url = column_url or page.meta.get("column") or page.base
    prefix = column_prefix(column_url)
    host = host_of(page.base)
    out, seen = [], set()
    for l in anchors(page, with_dates=False):
        u = l.url
        if host_of(u) != host or u in seen or is_attachment_url(u):
            continue
        path = urlsplit(u).path
        cat = is_list_category(l.title) or is_list_category(l.anchor)
        deeper = (
            path.startswith(prefix)
            and len(path.rstrip("/").rsplit("/", 1)[0] + "/") > len(prefix)
            and (path.endswith("/") or re.search(r"/(?:index|list|default)\.s?html?$", path))
            and not is_article_url_strict(u)
        )
        if cat or deeper:
            seen.add(u)
            out.append(l)
    return out


def is_article_url_strict(u: str) -> bool:
    from ..links import ARTICLE

    return bool(ARTICLE.search(urlsplit(u).path))


# ------------------------------------------------------------------------- detail

CONTENT_SELECTORS = (
    ".TRS_Editor",
    ".trs_editor_view",
    "#UCAP-CONTENT",
    "td#td_DocContent",
    "#zoom",
    "#vsb_content",
    ".v_news_content",
    "form[name=_newscontent_fromname]",
    ".article-content",
    ".ewb-article-detail",
    ".pages_content",
    ".xl_content",
    "#content",
    ".content",
    "article",
)
APPENDIX_SELECTORS = (
    "#id_tblAppendix",
    ".appendix",
    "p.insertfileTag",
    "[appendix=true]",
    ".fujian",
    "#fujian",
    ".attachment",
    ".attach",
    ".fj",
    ".xgfj",
)


def content_node(page: Page):
    best, best_len = None, 0
    for sel in CONTENT_SELECTORS:
        for node in page.tree.css(sel):
            n = len(node.text(deep=True, strip=True))
            if n > best_len:
                best, best_len = node, n
        if best is not None and best_len > 0 and sel in (".TRS_Editor", "#zoom", "#vsb_content", ".article-content"):
            break
    return best


def page_title(page: Page) -> str | None:
    t = page.tree
    for sel in ("meta[name=ArticleTitle]", "meta[name=articletitle]", "meta[name=title]", "meta[property='og:title']"):
        n = t.css_first(sel)
        if n is not None and clean(n.attributes.get("content")):
            return clean(n.attributes.get("content"))
    for sel in ("h1", ".article-title", ".title", "h2"):
        for n in t.css(sel):
            s = clean(n.text(deep=True))
            if 4 <= len(s) <= 200:
                return s
    n = t.css_first("title")
    if n is not None:
        s = clean(n.text())
        parts = [p for p in re.split(r"\s*(?:[-_|－—]{1,2})\s*", s) if p]
        if parts:
            with_kw = [p for p in parts if "信息公开" in p or "年报" in p]
            return (with_kw or parts)[0]
    return None


_PUB_TEXT = re.compile(
    r"(?:发布|成文|生成|公开)(?:时间|日期)\s*[:：]?\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)


def published(page: Page) -> str | None:
    for sel in ("meta[name=PubDate]", "meta[name=pubdate]", "meta[name=publishdate]", "meta[name=firstpublishedtime]"):
        n = page.tree.css_first(sel)
        if n is not None:
            d = parse_date(n.attributes.get("content"))
            if d:
                return d
    body = page.tree.body
    txt = body.text(deep=True, separator=" ") if body is not None else page.text
    m = _PUB_TEXT.search(txt)
    if m:
        d = parse_date(m.group(1))
        if d:
            return d
    return date_from_url(page.base) or page.meta.get("date")


def generic_attachments(page: Page, scope=None) -> list[Link]:
    roots = []
    node = scope if scope is not None else content_node(page)
    if node is not None:
        roots.append(node)
        for sel in APPENDIX_SELECTORS:
            roots.extend(page.tree.css(sel))
    else:
        roots.append(page.tree.body or page.tree.root)
    out, seen = [], set()
    for root in roots:
        for l in anchors(page, root=root, with_dates=False):
            if l.url in seen:
                continue
            name_ext = url_ext(l.anchor) if "." in l.anchor else ""
            if is_attachment_url(l.url) or name_ext in ATTACHMENT_EXT:
                if urlsplit(l.url).path.rstrip("/") in ("", urlsplit(page.base).path.rstrip("/")):
                    continue
                seen.add(l.url)
                out.append(l)
    # anchors anywhere whose text names a file ("附件：xx.pdf")
    for l in anchors(page, with_dates=False):
        if l.url in seen:
            continue
        if re.search(r"\.(" + "|".join(ATTACHMENT_EXT) + r")\s*$", l.anchor, re.I) or (
            l.anchor.startswith("附件") and is_attachment_url(l.url)
        ):
            seen.add(l.url)
            out.append(l)
    if node is not None:
        for img in node.css("img"):
            src = (img.attributes.get("src") or "").strip()
            if not src or src.startswith("data:"):
                continue
            u = urljoin(page.base_href, src)
            if u in seen or url_ext(u) not in IMAGE_EXT:
                continue
            if re.search(r"icon|logo|qrcode|ewm|erweima|share|banner|spacer|blank|print|close", u, re.I):
                continue
            seen.add(u)
            out.append(
                Link(
                    url=u,
                    title=clean(img.attributes.get("alt")) or clean(img.attributes.get("title")),
                    anchor=clean(img.attributes.get("alt")),
                )
            )
    return out


def parse_detail(page: Page, family=None) -> Detail:
    node = content_node(page)
    body_text = (
        node.text(deep=True, separator="\n")
        if node is not None
        else (page.tree.body.text(deep=True, separator="\n") if page.tree.body is not None else "")
    )
    atts = generic_attachments(page, node)
    extra = getattr(family, "attachments", None) if family is not None else None
    if extra is not None:
        known = {a.url for a in atts}
        for a in extra(page):
            if a.url not in known:
                known.add(a.url)
                atts.append(a)
    return Detail(title=page_title(page), published=published(page), body_text=body_text, attachments=atts)


# ----------------------------------------------------------------------- probing


PROBE_MIN_ITEMS = 5  # a first page with fewer items is the only page


def _probe_req(meta: dict, t: str, n: int, skip: int, rest: list, prev: str | None) -> Request:
    return Request(
        url=t.format(n=n),
        meta={
            "probe": t,
            "n": n,
            "skip": skip,
            "rest": rest,
            "prev": prev,
            "column": meta.get("column"),
            "family": meta.get("family"),
        },
    )


def probe_start(page: Page, templates: list[tuple[str, int, int]], digest: str) -> list[Request]:
    """First probe of a chain of page-2 candidates: ``(template with {n}, first n, extra numbers
    to try on a miss)``. Each probe that returns new links continues with n+1; a miss moves on
    to the next candidate."""
    if not templates:
        return []
    (t, n, skip), rest = templates[0], [list(x) for x in templates[1:]]
    return [_probe_req(page.meta, t, n, skip, rest, digest)]


def probe_next(page: Page, hit: bool, digest: str | None) -> list[Request]:
    m = page.meta
    if hit:
        return [_probe_req(m, m["probe"], m["n"] + 1, 0, [], digest)]
    if m.get("skip"):
        return [_probe_req(m, m["probe"], m["n"] + 1, m["skip"] - 1, m.get("rest") or [], m.get("prev"))]
    rest = m.get("rest") or []
    if not rest:
        return []
    (t, n, skip), rest = rest[0], rest[1:]
    return [_probe_req(m, t, n, skip, rest, m.get("prev"))]


def page2_templates(url: str, links: list[Link] | None = None) -> list[tuple[str, int, int]]:
    """Candidate page-N URL templates for a list page (spec §3.8 order): ``index_1``/``index_2``,
    ``list_2``, ``<name>/2``, ``page_2``, ``?page=2`` … as ``(template, first n, extra tries)``."""
    p = urlsplit(url)
    path = p.path or "/"
    if path.endswith("/"):
        d, stem = path, "index"
        seen = Counter(url_ext(l.url) for l in links or [] if url_ext(l.url) in ("htm", "html", "shtml"))
        exts = [seen.most_common(1)[0][0]] if seen else ["html", "htm", "shtml"]
    else:
        d, fname = path.rsplit("/", 1)
        d += "/"
        stem, _, ext = fname.partition(".")
        exts = [ext or "html"]
    mk = lambda pth, q="": urlunsplit((p.scheme, p.netloc, pth, q, ""))  # noqa: E731
    out: list[tuple[str, int, int]] = []
    for e in exts:
        out.append((mk(f"{d}{stem}_{{n}}.{e}"), 1, 1))  # index_1 (TRS: page 2) then index_2 (others: page 2)
    if stem != "list":
        out.append((mk(f"{d}list_{{n}}.{exts[0]}"), 2, 0))
    out.append((mk(f"{d}{stem}/{{n}}.{exts[0]}"), 2, 0))
    out.append((mk(f"{d}page_{{n}}.html"), 2, 0))
    base_q = (p.query + "&") if p.query else ""
    for key in ("page", "pageNum", "cur_page", "currpage"):
        out.append((mk(path, f"{base_q}{key}={{n}}"), 2, 0))
    return out
