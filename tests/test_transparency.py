"""Transparency indicators (pipeline.transparency) on constructed panels: exact values, zero
denominators, blanks, aggregate reports left out of sums."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import transparency as T


def _panel(rows: list[dict]) -> pd.DataFrame:
    cols = sorted({c for ind in T.INDICATORS for c in ind.columns})
    df = pd.DataFrame([{c: r.get(c, 0) for c in cols} | {k: v for k, v in r.items() if k not in cols} for r in rows])
    for c in cols:
        df[c] = df[c].astype("Int64")
    return df


def test_rates_of_one_report():
    p = _panel(
        [
            {
                "granted_total": 6,
                "partly_granted_total": 2,
                "denied_total": 1,
                "unable_total": 1,
                "results_total": 10,
                "received_total": 9,
                "carried_over_total": 3,
                "carried_forward_total": 2,
                "review_total": 2,
                "review_corrected": 1,
                "review_pending": 1,
                "lit_direct_total": 1,
                "lit_direct_pending": 1,
            }
        ]
    )
    r = T.rates(p).iloc[0]
    assert r["granted_pct"] == 60 and r["partly_granted_pct"] == 20 and r["disclosed_pct"] == 80
    assert r["denied_pct"] == 10 and r["unable_pct"] == 10 and r["notproc_pct"] == 0
    assert r["carried_forward_pct"] == pytest.approx(100 * 2 / 12)
    assert r["review_pct"] == 20 and r["litigation_pct"] == 10
    assert r["review_corrected_pct"] == 100  # one decided review (two minus one pending), corrected
    assert pd.isna(r["litigation_corrected_pct"])  # the only lawsuit is pending: nothing decided


def test_zero_denominator_is_na_never_zero_or_infinite():
    p = _panel([{"results_total": 0, "granted_total": 0}, {"results_total": 0, "granted_total": 3}])
    r = T.rates(p)
    assert r["granted_pct"].isna().all()


def test_a_blank_input_gives_na_for_that_row_and_is_left_out_of_sums():
    p = _panel(
        [
            {"county": "甲县", "year": 2021, "granted_total": 5, "results_total": 10},
            {"county": "甲县", "year": 2021, "granted_total": None, "results_total": 10},
            {"county": "甲县", "year": 2021, "granted_total": 1, "results_total": None},
        ]
    )
    r = T.rates(p)
    assert r["granted_pct"].tolist()[0] == 50 and r["granted_pct"].isna().tolist() == [False, True, True]
    g = T.region_rates(p, ["county", "year"]).loc[("甲县", 2021)]
    assert g["granted_pct"] == 50 and g["granted_pct_n"] == 1 and g["n_rows"] == 3


def test_aggregate_reports_are_left_out_of_region_sums():
    """A county's summary report repeats its units' figures: summing it with them would count
    every application twice."""
    p = _panel(
        [
            {"county": "甲县", "year": 2022, "scope": "own", "granted_total": 2, "results_total": 4},
            {"county": "甲县", "year": 2022, "scope": "own", "granted_total": 1, "results_total": 6},
            {"county": "甲县", "year": 2022, "scope": "aggregate", "granted_total": 3, "results_total": 10},
            {"county": "乙县", "year": 2022, "scope": "aggregate", "granted_total": 3, "results_total": 10},
            {"county": "乙县", "year": 2022, "scope": None, "granted_total": 1, "results_total": 1},
        ]
    )
    g = T.region_rates(p, ["county", "year"])
    jia, yi = g.loc[("甲县", 2022)], g.loc[("乙县", 2022)]
    assert jia["granted_pct"] == 30 and jia["granted_pct_n"] == 2 and jia["n_aggregate"] == 1 and jia["n_rows"] == 3
    assert yi["granted_pct"] == 100 and yi["n_aggregate"] == 1  # a report of unknown scope is counted as own
    # per row, an aggregate report still has its own rates
    assert T.rates(p)["granted_pct"].tolist()[2] == 30


def test_a_region_with_only_aggregate_reports_has_na_not_zero():
    p = _panel([{"county": "丙县", "year": 2023, "scope": "aggregate", "granted_total": 3, "results_total": 10}])
    g = T.region_rates(p, "county").loc["丙县"]
    assert pd.isna(g["granted_pct"]) and g["granted_pct_n"] == 0 and g["n_aggregate"] == 1


def test_a_panel_without_the_columns_gives_na():
    """A pre-2019 report has no table 三: its indicators are NA, not an error."""
    r = T.rates(pd.DataFrame({"pre_apps_received": [3]}))
    assert r.isna().all().all() and list(r.columns) == [i.name for i in T.INDICATORS]


def test_formulas_are_listed_for_the_dictionary():
    md = T.dictionary_section()
    for ind in T.INDICATORS:
        assert f"`{ind.name}`" in md and ind.formula in md
        assert ind.name.endswith("_pct") and len(ind.name) <= 32
    assert T.BY_NAME["review_corrected_pct"].formula == "100 × (review_corrected) / (review_total − review_pending)"
