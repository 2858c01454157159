"""CMS families on their own: detection, list parsing, pagination, attachments (no network)."""

from __future__ import annotations

import json

import pytest

from scrapers import families
from scrapers.families import generic, gkmlpt, hanweb, trs, trs_hexmon, vsb
from scrapers.families.base import Page, page2_templates, parse_detail, probe_next, probe_start
from scrapers.simulator.sites import SITE_CLASSES

BASE = "http://www.sim.gov.cn"


@pytest.fixture(scope="module")
def sites():
    out = {}
    for fam, cls in SITE_CLASSES.items():
        s = cls(index=0, reports=12, per_page=5, faults=False)
        s.base = BASE
        s.build_entries()
        s.build()
        out[fam] = s
    return out


def page(site, path, meta=None, url=None):
    r = site.routes[path]
    headers = {"content-type": r.ctype}
    return Page(url=url or BASE + path, body=r.body, headers=headers, meta={"column": site.column_url, **(meta or {})})


@pytest.mark.parametrize(
    "fam,path",
    [
        ("trs_wcm", "/zfxxgkzl/zfxxgkndbg/"),
        ("trs_hexmon", "/hcxxxgk/c109283/list.shtml"),
        ("hanweb_jcms", "/col/col1229114055/index.html"),
        ("vsb", "/zfxxgknb.htm"),
        ("gd_post", "/gkmlpt/index"),
        ("generic", "/portal/zfxxgk/zfxxgknb/"),
    ],
)
def test_detection_from_the_column_page(sites, fam, path):
    p = page(sites[fam], path)
    assert fam == families.detect_family(p.url, p.text).NAME


def test_trs_createpagehtml_forms():
    assert trs.page_call('createPageHTML(10, 0, "index", "htm");') == (10, 0, "index", "htm")
    assert trs.page_call("createPageHTML('page_div', 7, 2, 'index', 'shtml', 100);") == (7, 2, "index", "shtml")
    assert trs.page_call("function createPageHTML(_nPageCount, _nCurrIndex){}") is None


def test_trs_list_gbk_items_and_all_pages(sites):
    s = sites["trs_wcm"]
    p = page(s, "/zfxxgkzl/zfxxgkndbg/")
    res = trs.parse_list(p)
    urls = [l.url for l in res.links]
    T = -(-len(s.entries) // 5)
    assert [r.url for r in res.requests] == [f"{BASE}/zfxxgkzl/zfxxgkndbg/index_{k}.html" for k in range(1, T)]
    assert all(u.startswith(BASE + "/zfxxgkzl/zfxxgkndbg/") for u in urls)  # the sidebar news link is not ours
    assert not any(u.endswith("_wap.html") for u in urls) and len(urls) == len(set(urls)) == 5
    first = s.entries[0]
    assert res.links[0].title == first.title and res.links[0].date == first.date  # title attribute, GBK decoded


def test_trs_detail_attachments_resolve_next_to_the_page(sites):
    s = sites["trs_wcm"]
    e = next(e for e in s.entries if e.kind == "report" and e.files)
    d = parse_detail(page(s, e.detail), trs)
    assert d.title == e.title and d.published == e.date
    assert [a.url for a in d.attachments] == [BASE + p for p, *_ in e.files]  # no "./P0…" from inside <script>
    assert "信息公开" in d.body_text or "详见附件" in d.body_text


def test_hexmon_probes_list_n(sites):
    s = sites["trs_hexmon"]
    p = page(s, "/hcxxxgk/c109283/list.shtml", meta={"family": "trs_hexmon"})
    res = trs_hexmon.parse_list(p)
    assert len(res.links) == 5
    assert [r.url for r in res.requests] == [f"{BASE}/hcxxxgk/c109283/list_2.shtml"]
    nxt = res.requests[0]
    hit = trs_hexmon.parse_list(page(s, "/hcxxxgk/c109283/list_2.shtml", meta=nxt.meta))
    assert len(hit.links) == 5 and hit.requests[0].url.endswith("list_3.shtml")
    # the folder itself has no list: go to list.shtml
    shell = Page(url=BASE + "/hcxxxgk/c109283/", body=b"<html><body>nav</body></html>", meta={"column": s.column_url})
    assert trs_hexmon.parse_list(shell).requests[0].url.endswith("/c109283/list.shtml")


def test_hanweb_datastore_and_dataproxy_windows(sites):
    s = sites["hanweb_jcms"]
    p = page(s, s.column_path)
    res = hanweb.parse_list(p)
    n = len(s.entries)
    assert len(res.links) == 15  # perPage 5 × groupSize 3 embedded
    assert all("/art/" in l.url for l in res.links)
    reqs = res.requests
    assert [(r.meta["start"], r.meta["end"]) for r in reqs] == [(s_, min(s_ + 14, n)) for s_ in range(16, n + 1, 15)]
    r0 = reqs[0]
    assert r0.method == "POST" and r0.data["columnid"] == str(s.C) and r0.data["unitid"] == str(s.U)
    assert r0.headers["Referer"] == s.column_url
    q = r0.url.split("?", 1)[1]
    resp = s.dynamic(
        "POST",
        "/module/web/jpage/dataproxy.jsp",
        q,
        {"referer": s.column_url},
        "&".join(f"{k}={v}" for k, v in r0.data.items()).encode(),
    )
    api = Page(url=r0.url, body=resp.body, headers={"content-type": resp.ctype}, meta=r0.meta)
    more = hanweb.parse_list(api)
    assert [l.url for l in more.links] == [BASE + e.detail for e in s.entries[15:30]]
    assert s.dynamic("POST", "/module/web/jpage/dataproxy.jsp", q, {}, b"").status == 404  # Referer required


def test_hanweb_chain_when_total_unknown():
    recs = "".join(
        f"<record><![CDATA[<li><a href='/art/2021/1/1/art_9_{i}.html'>x</a></li>]]></record>" for i in range(45)
    )
    body = (
        f"<div id='5'><script type='text/xml'><datastore><nextgroup><![CDATA[<a href='/module/web/jpage/dataproxy.jsp?"
        f"page=1&webid=2&columnid=9&unitid=5'></a>]]></nextgroup><recordset>{recs}</recordset></datastore></script></div>"
    )
    res = hanweb.parse_list(Page(url=BASE + "/col/col9/index.html", body=body.encode(), meta={}))
    assert len(res.links) == 45 and len(res.requests) == 1
    r = res.requests[0]
    assert (r.meta["start"], r.meta["end"], r.meta["chain"]) == (46, 90, True)
    assert r.data["webid"] == "2" and r.data["columnid"] == "9" and r.data["unitid"] == "5"


def test_hanweb_jpaas_unit_endpoint():
    tag = (
        '<script src="/js/unitbuild.js" url="/api-gateway/jpaas-publish-server/front/page/build/unit" '
        'querydata="{&quot;webId&quot;:&quot;3&quot;,&quot;pageId&quot;:&quot;77&quot;,&quot;tagId&quot;:&quot;list&quot;}">'
        "</script>"
    )
    res = hanweb.parse_list(Page(url=BASE + "/col/col1/index.html", body=tag.encode(), meta={}))
    (r,) = res.requests
    assert "jpaas-publish-server/front/page/build/unit" in r.url and "webId=3" in r.url and "pageNo%22%3A1" in r.url
    data = {"data": {"html": "<ul><li><a href='/art/2022/art_0123456789abcdef0123456789abcdef.html'>x</a></li></ul>"}}
    more = hanweb.parse_list(Page(url=r.url, body=json.dumps(data).encode(), meta=r.meta))
    assert len(more.links) == 1 and "pageNo%22%3A2" in more.requests[0].url
    empty = hanweb.parse_list(Page(url=r.url, body=b'{"data":{"html":""}}', meta=r.meta))
    assert not empty.links and not empty.requests


def test_vsb_reversed_page_numbers(sites):
    s = sites["vsb"]
    res = vsb.parse_list(page(s, "/zfxxgknb.htm"))
    T = -(-len(s.entries) // 5)
    urls = {r.url for r in res.requests}
    assert {f"{BASE}/zfxxgknb/{n}.htm" for n in range(1, T)} <= urls
    # page 2 is the highest number, the last page is 1.htm
    p2 = vsb.parse_list(page(s, f"/zfxxgknb/{T - 1}.htm"))
    assert [l.url for l in p2.links] == [BASE + e.detail for e in s.entries[5:10]]
    e = next(e for e in s.entries if e.kind == "report" and e.files)
    d = parse_detail(page(s, e.detail), vsb)
    assert [a.url for a in d.attachments] == [BASE + p for p, *_ in e.files]
    assert d.attachments[0].anchor.endswith((".pdf", ".docx"))  # the file name is only in the anchor text


def test_gkmlpt_api_and_detail_json(sites):
    s = sites["gd_post"]
    root = page(s, "/gkmlpt/index", url=BASE + "/gkmlpt/index#2345")
    (r,) = gkmlpt.parse_list(root).requests
    assert r.url == f"{BASE}/gkmlpt/api/all/2345?page=1&sid=755001"
    resp = s.dynamic("GET", "/gkmlpt/api/all/2345", "page=1&sid=755001", {}, b"")
    res = gkmlpt.parse_list(Page(url=r.url, body=resp.body, headers={"content-type": resp.ctype}, meta=r.meta))
    assert [l.title for l in res.links] == [e.title for e in s.entries[:5]]  # %uXXXX titles unescaped
    pages = -(-len(s.entries) // 5)
    assert [q.meta["n"] for q in res.requests] == list(range(2, pages + 1))
    e = next(e for e in s.entries if e.kind == "report" and e.files and e.id % 2)  # attachment only in the JSON
    d = parse_detail(page(s, e.detail), gkmlpt)
    assert [a.url for a in d.attachments] == [BASE + p for p, *_ in e.files]


def test_generic_iframe_shell_subcolumns_and_probes(sites):
    s = sites["generic"]
    shell = generic.parse_list(page(s, s.column_path))
    assert [r.url for r in shell.requests] == [BASE + s.column_path + "list.htm"]  # the visit counter is skipped
    cats = generic.parse_list(page(s, s.column_path + "list.htm", meta={"column": BASE + s.column_path + "list.htm"}))
    years = sorted({e.date[:4] for e in s.entries}, reverse=True)
    assert [r.url for r in cats.requests] == [f"{BASE}{s.column_path}{y}/" for y in years]
    tpls = page2_templates(BASE + "/a/b/")
    assert [t for t, *_ in tpls][:5] == [
        BASE + "/a/b/index_{n}.html",
        BASE + "/a/b/index_{n}.htm",
        BASE + "/a/b/index_{n}.shtml",
        BASE + "/a/b/list_{n}.html",
        BASE + "/a/b/index/{n}.html",
    ]
    p = Page(url=BASE + "/a/b/", body=b"", meta={"column": BASE + "/a/b/"})
    (first,) = probe_start(p, [(BASE + "/a/b/index_{n}.htm", 1, 1), (BASE + "/a/b/list_{n}.htm", 2, 0)], "d0")
    assert first.url.endswith("index_1.htm")
    miss = Page(url=first.url, body=b"", meta=first.meta)
    (second,) = probe_next(miss, False, None)
    assert second.url.endswith("index_2.htm")  # index_k sites: page 2 is index_2
    (third,) = probe_next(Page(url=second.url, body=b"", meta=second.meta), False, None)
    assert third.url.endswith("list_2.htm")
    (cont,) = probe_next(Page(url=second.url, body=b"", meta=second.meta), True, "d2")
    assert cont.url.endswith("index_3.htm")
    assert not probe_next(Page(url=third.url, body=b"", meta=third.meta), False, None)


def test_generic_follows_report_titles_off_the_column_path_on_the_same_site():
    col = "http://www.dl.example.cn/xxgk/nb/"
    items = [
        ("/xxgk/nb/2023/c_1.html", "东林县2023年政府信息公开工作年度报告", ""),  # on the path
        ("http://xxgk.dl.example.cn/content/post_2.html", "东林县2022年政府信息公开工作年度报告", ""),  # sibling host
        ("/zwgk/zfxxgk/202401/t20240115_3.html", "东林县政府信息公开工作年度报告", "2024-01-15"),  # the date beside it
        ("/zwgk/tz/t20240101_5.html", "关于做好2023年政府信息公开工作年度报告编制工作的通知", "2024-01-01"),
        ("/zwgk/zn/t20240101_6.html", "东林县政府信息公开指南", "2024-01-01"),
        ("/wzgl/t20240101_7.html", "东林县2023年度政府网站工作年度报表", "2024-01-01"),
        ("/xxgk/", "2023年政府信息公开年度报告", "2024-01-01"),  # a column, named like a report
        ("http://www.other.example.com/art/8.html", "东林县2020年政府信息公开工作年度报告", ""),  # another site
    ]
    lis = "".join(f'<li><a href="{h}">{t}</a><span>{d}</span></li>' for h, t, d in items)
    undated = '<div class="side"><p><a href="/zwgk/show.aspx?id=4">东林县政府信息公开工作年度报告</a></p></div>'
    p = Page(url=col, body=f"<html><body>{undated}<ul>{lis}</ul></body></html>".encode(), meta={"column": col})
    got = [l.url for l in generic.parse_list(p).links]
    assert got == [
        "http://www.dl.example.cn/xxgk/nb/2023/c_1.html",
        "http://xxgk.dl.example.cn/content/post_2.html",
        "http://www.dl.example.cn/zwgk/zfxxgk/202401/t20240115_3.html",
    ]
