"""Every corpus report that has a truth file parses with every truth cell equal."""

import json
import subprocess

import pytest

from parsers.report import parse_file
from tests.conftest import CORPUS, need_corpus
from tests.truth import compare, truth_cells

TEXT_FORMS = (
    "000_dahu.txt",
    "102.txt",
    "103.txt",
    "104.txt",
    "109.md",
    "111.txt",
    "112.txt",
    "114.txt",
    "115.txt",
    "116.txt",
    "117.txt",
)
OTHER_FORMS = ("101.pdf", "106.pdf", "107.pdf", "108.html")


def _case(name):
    need_corpus()
    stem = name.rsplit(".", 1)[0]
    meta = json.loads((CORPUS / f"{stem}.meta.json").read_text(encoding="utf-8"))
    return CORPUS / name, meta, CORPUS / f"{stem}.truth.json"


# Cells the source does not let anyone place without outside knowledge: they must stay
# unresolved (never wrong). 102 prints 规范性文件 as '7777166' (the truth uses the
# previous year's report to split it).
KNOWN_UNPLACEABLE = {
    "102.txt": {f"t2/art20_1.normative_docs/{c}" for c in ("made_new", "published_new", "published_total")},
}


@pytest.mark.parametrize("name", TEXT_FORMS + OTHER_FORMS)
def test_report_matches_truth(name):
    raw, meta, truth = _case(name)
    report = parse_file(raw)
    assert report.error is None, report.error
    assert report.template == meta["template"]
    assert report.year == meta["year"]
    want = truth_cells(truth, meta["template"])
    unplaceable = KNOWN_UNPLACEABLE.get(name, set())
    got = {c.address: c for c in report.cells}
    for a in unplaceable:
        assert got[a].status == "unresolved", f"{a} should be unresolved, got {got[a]}"
    diffs = compare(report, {a: v for a, v in want.items() if a not in unplaceable})
    assert not diffs, f"{name}: {len(diffs)} cells differ:\n" + "\n".join(diffs)


# The same reports flattened to text by other common tools, as a crawler or a user might
# have done before handing them over. Read from ../shared at test time, never stored.
def _pdfium_text(path):
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _plumber_text(path):
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _pdfminer_text(path):
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def _poppler_text(path, layout):
    from tests.test_reflatten_pdf import need_pdftotext

    args = [need_pdftotext()] + (["-layout"] if layout else []) + ["-enc", "UTF-8", str(path), "-"]
    return subprocess.run(args, capture_output=True, check=True, timeout=60).stdout.decode("utf-8")


def _page_text(path, separator):
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(path.read_bytes().decode("utf-8"))
    for node in tree.css("script, style"):
        node.decompose()
    return tree.body.text(separator=separator)


REFLATTENED = [  # (file, tool, share of the truth cells that must come back)
    ("101.pdf", _pdfium_text, 1.0),
    ("106.pdf", _pdfium_text, 0.9),
    ("107.pdf", _pdfium_text, 1.0),
    ("101.pdf", _plumber_text, 0.0),
    ("106.pdf", _plumber_text, 0.0),
    ("107.pdf", _plumber_text, 0.0),
    ("101.pdf", _pdfminer_text, 0.0),
    ("107.pdf", _pdfminer_text, 0.0),
    ("101.pdf", lambda p: _poppler_text(p, True), 0.95),
    ("106.pdf", lambda p: _poppler_text(p, True), 0.88),
    ("107.pdf", lambda p: _poppler_text(p, True), 0.12),
    ("101.pdf", lambda p: _poppler_text(p, False), 0.04),
    ("106.pdf", lambda p: _poppler_text(p, False), 0.04),
    ("107.pdf", lambda p: _poppler_text(p, False), 0.05),
    ("108.html", lambda p: _page_text(p, "\n"), 1.0),
    ("108.html", lambda p: _page_text(p, " "), 1.0),
    ("108.html", lambda p: _page_text(p, ""), 0.95),  # some table 二 digits run together ambiguously
]


@pytest.mark.parametrize("name,tool,share", REFLATTENED, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(REFLATTENED)])
def test_text_from_other_extraction_tools_is_never_read_wrong(name, tool, share):
    from parsers.report import parse_bytes

    raw, meta, truth = _case(name)
    report = parse_bytes(tool(raw).encode("utf-8"), name=f"{raw.stem}.txt")
    want = truth_cells(truth, meta["template"])
    got = {c.address: c for c in report.cells}
    diffs = compare(report, want)
    wrong = [d for d in diffs if got.get(d.split(":")[0]) is not None and got[d.split(":")[0]].status != "unresolved"]
    assert not wrong, f"{name}: {len(wrong)} cells stated wrong:\n" + "\n".join(wrong)
    assert len(want) - len(diffs) >= share * len(want), f"{name}: {len(diffs)} cells not recovered:\n" + "\n".join(
        diffs
    )


@pytest.mark.parametrize("name", TEXT_FORMS + OTHER_FORMS + ("105.txt", "110.txt", "113.txt"))
def test_every_corpus_report_gets_its_agency(name):
    raw, meta, _ = _case(name)
    report = parse_file(raw)
    assert report.agency and report.agency in meta["agency"], (report.agency, meta["agency"])


def test_a_report_that_names_itself_only_in_its_prose_gets_its_agency():
    """111 (a crawler's text body) without the title it repeats at its end: 省教育厅, 我厅 and
    the cited 《河北省…》 decide."""
    raw, meta, _ = _case("111.txt")
    text = raw.read_text(encoding="utf-8")
    body = text[: text.rindex("附件")]
    from parsers.report import parse_bytes

    report = parse_bytes(body.encode("utf-8"))
    assert (report.agency, report.agency_source) == (meta["agency"], "prose")
