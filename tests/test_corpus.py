"""Every corpus report that has a truth file parses with every truth cell equal."""
import json

import pytest

from parsers.report import parse_file
from tests.conftest import CORPUS, need_corpus
from tests.truth import compare, truth_cells

TEXT_FORMS = ("000_dahu.txt", "102.txt", "103.txt", "104.txt", "109.md", "111.txt", "112.txt", "114.txt", "115.txt", "116.txt", "117.txt")


def _case(name):
    need_corpus()
    stem = name.rsplit(".", 1)[0]
    meta = json.loads((CORPUS / f"{stem}.meta.json").read_text(encoding="utf-8"))
    return CORPUS / name, meta, CORPUS / f"{stem}.truth.json"


@pytest.mark.parametrize("name", TEXT_FORMS)
def test_text_report_matches_truth(name):
    raw, meta, truth = _case(name)
    report = parse_file(raw)
    assert report.error is None, report.error
    assert report.template == meta["template"]
    assert report.year == meta["year"]
    diffs = compare(report, truth_cells(truth, meta["template"]))
    assert not diffs, f"{name}: {len(diffs)} cells differ:\n" + "\n".join(diffs)
