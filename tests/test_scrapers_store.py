"""The raw store: content-addressed objects and the crawl database."""

from __future__ import annotations

import hashlib
import io
import zipfile

from scrapers.store import Store, iter_documents, sniff_ext


def test_put_is_content_addressed_idempotent_and_read_only(tmp_path):
    st = Store(tmp_path)
    data = b"%PDF-1.4 hello"
    sha, rel = st.put(data, "application/pdf", "http://a.gov.cn/x.pdf")
    assert sha == hashlib.sha256(data).hexdigest() and rel == f"objects/{sha[:2]}/{sha}.pdf"
    p = tmp_path / rel
    assert p.read_bytes() == data and not (p.stat().st_mode & 0o222)
    mtime = p.stat().st_mtime_ns
    assert st.put(data, "text/html", "http://b.gov.cn/other") == (sha, rel)  # never rewritten
    assert p.stat().st_mtime_ns == mtime
    assert st.get(sha) == data and st.get("0" * 64) is None
    assert [x for x in tmp_path.rglob("*") if x.is_file() and x.name.startswith(".tmp")] == []
    st.close()


def test_sniff_ext():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert sniff_ext(buf.getvalue()) == "docx"
    assert sniff_ext(b"%PDF-1.7") == "pdf"
    assert sniff_ext(b"\xd0\xcf\x11\xe0rest", url="http://a/x.wps") == "wps"
    assert sniff_ext(b"\xd0\xcf\x11\xe0rest") == "doc"
    assert sniff_ext("<html><body>年报</body></html>".encode("gbk"), "text/html") == "html"
    assert sniff_ext(b'{"total": 1}', "application/json") == "json"
    assert sniff_ext(b"<?xml version='1.0'?><datastore/>", "text/xml") == "xml"
    assert sniff_ext(b"\x89PNG\r\n") == "png"


def test_frontier_keys_documents_and_iteration(tmp_path):
    st = Store(tmp_path)
    st.begin()
    pid = st.upsert_portal(
        {"name": "X镇", "column_url": "http://a.gov.cn/nb/", "verify_tls": False, "level": "township"}
    )
    assert st.upsert_portal({"name": "X镇人民政府", "column_url": "http://a.gov.cn/nb/"}) == pid
    assert st.portal(pid)["name"] == "X镇人民政府"
    a = st.add("http://a.gov.cn/nb/1.html", "detail", pid, meta={"title": "t"})
    assert a and st.add("http://a.gov.cn/nb/1.html", "detail", pid) is None
    assert st.add("http://a.gov.cn/api", "list", pid, method="POST", body="start=1")
    assert st.add("http://a.gov.cn/api", "list", pid, method="POST", body="start=46")  # another window
    sha, rel = st.put(b"<html>report</html>", "text/html")
    assert st.add_document(
        url="http://a.gov.cn/nb/1.html",
        sha256=sha,
        path=rel,
        kind="detail",
        portal_id=pid,
        title="X镇2020年政府信息公开工作年度报告",
        year_guess=2020,
        year_source="title",
    )
    assert not st.add_document(url="http://a.gov.cn/nb/1.html", sha256=sha, path=rel, kind="detail", portal_id=pid)
    st.finish_item(a, "done")
    st.commit()
    assert [r["url"] for r in st.pending([pid])] == ["http://a.gov.cn/api", "http://a.gov.cn/api"]
    # a new crawl of a completed portal re-opens list pages only
    st.begin()
    st.db.execute("UPDATE frontier SET state='done'")
    st.reopen_for_new_crawl(pid)
    st.commit()
    assert {r["kind"] for r in st.pending([pid])} == {"list"}
    st.close()
    (doc,) = list(iter_documents(tmp_path))
    assert doc["portal_name"] == "X镇人民政府" and doc["year_guess"] == 2020
    with open(doc["path"], "rb") as f:
        assert f.read() == b"<html>report</html>"
