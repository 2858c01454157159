"""Transparency indicators: named rates over the panel, with their formulas.

    from pipeline.transparency import INDICATORS, rates, region_rates
    panel = pandas.read_parquet("data/clean/panel")   # a folder of one file per report year
    rates(panel)                                  # one column per indicator, per panel row
    region_rates(panel, by=["province", "year"])  # ratio of sums, aggregate reports left out

Every indicator is a ratio of sums of panel columns (the names of `pipeline.indicators`:
``granted_total``, ``results_total`` …), in percent (hence ``_pct``). What a reader needs to
know about the arithmetic:

* **Denominators.** The application outcomes (予以公开, 部分公开, 不予公开, 无法提供, 不予处理,
  其他处理) are shares of ``results_total`` (（七）总计, the applications the body finished
  this year); the template's identities make them add up to 100. Review and litigation
  rates are cases per 100 finished applications; the corrected shares are corrected cases
  per 100 *decided* cases (total minus 尚未审结).
* **Zero and missing.** A zero denominator gives NA, never 0 or infinity: a body that
  finished no application has no grant rate. A missing input (a blank total, an unresolved
  cell, a table the report lacks: NA in the panel) gives NA for that row; sums take only
  the rows where every input of the indicator is known, and say how many they took.
* **Aggregate reports.** A report whose ``scope`` is ``aggregate`` (a county's summary of its
  units) repeats its units' figures: `region_rates` leaves such rows out of its sums (and
  counts them), so that a region's rate is never computed over the same application twice.
  A panel without ``scope`` is taken as it is.
* **Templates.** The 2019 and 2021 templates share these rows and columns (the 2019 template's
  single （六）其他处理 row and the 2021 template's three add up to ``other_total``), so the
  series run across 2019–2024. Pre-2019 reports have no table 三; their indicators are NA.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Indicator:
    name: str
    numerator: tuple[str, ...]  # panel columns, summed
    denominator: tuple[str, ...]  # panel columns; a leading "-" subtracts
    en: str
    zh: str

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.lstrip("-") for c in self.numerator + self.denominator)

    @property
    def formula(self) -> str:
        return f"100 × ({_expr(self.numerator)}) / ({_expr(self.denominator)})"


def _expr(cols: tuple[str, ...]) -> str:
    out = ""
    for c in cols:
        out += (" − " + c[1:]) if c.startswith("-") else ((" + " if out else "") + c)
    return out


FINISHED = ("results_total",)
DECIDED_REVIEW = ("review_total", "-review_pending")
DECIDED_LIT = ("lit_direct_total", "lit_after_review_total", "-lit_direct_pending", "-lit_after_review_pending")

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "granted_pct",
        ("granted_total",),
        FINISHED,
        "Applications granted in full (予以公开) per 100 finished.",
        "予以公开占办结申请的百分比",
    ),
    Indicator(
        "partly_granted_pct",
        ("partly_granted_total",),
        FINISHED,
        "Applications granted in part (部分公开) per 100 finished.",
        "部分公开占办结申请的百分比",
    ),
    Indicator(
        "disclosed_pct",
        ("granted_total", "partly_granted_total"),
        FINISHED,
        "Applications granted in full or in part per 100 finished.",
        "予以公开与部分公开合计占办结申请的百分比",
    ),
    Indicator(
        "denied_pct",
        ("denied_total",),
        FINISHED,
        "Applications refused (不予公开, all reasons) per 100 finished.",
        "不予公开占办结申请的百分比",
    ),
    Indicator(
        "unable_pct",
        ("unable_total",),
        FINISHED,
        "Applications the body could not answer (无法提供) per 100 finished.",
        "无法提供占办结申请的百分比",
    ),
    Indicator(
        "notproc_pct",
        ("notproc_total",),
        FINISHED,
        "Applications not handled (不予处理) per 100 finished.",
        "不予处理占办结申请的百分比",
    ),
    Indicator(
        "other_handling_pct",
        ("other_total",),
        FINISHED,
        "Applications closed otherwise (其他处理) per 100 finished.",
        "其他处理占办结申请的百分比",
    ),
    Indicator(
        "carried_forward_pct",
        ("carried_forward_total",),
        ("received_total", "carried_over_total"),
        "Applications carried into next year per 100 on hand (received + carried over).",
        "结转下年度占本年新收与上年结转之和的百分比",
    ),
    Indicator(
        "review_pct",
        ("review_total",),
        FINISHED,
        "Administrative reviews (行政复议) per 100 finished applications.",
        "行政复议案件数与办结申请数之比（百分比）",
    ),
    Indicator(
        "litigation_pct",
        ("lit_direct_total", "lit_after_review_total"),
        FINISHED,
        "Lawsuits (行政诉讼, direct or after review) per 100 finished applications.",
        "行政诉讼案件数（未经复议直接起诉与复议后起诉）与办结申请数之比（百分比）",
    ),
    Indicator(
        "review_corrected_pct",
        ("review_corrected",),
        DECIDED_REVIEW,
        "Reviews that corrected the body (结果纠正) per 100 decided reviews (total − pending).",
        "行政复议结果纠正占已审结复议的百分比",
    ),
    Indicator(
        "litigation_corrected_pct",
        ("lit_direct_corrected", "lit_after_review_corrected"),
        DECIDED_LIT,
        "Lawsuits that corrected the body per 100 decided lawsuits (total − pending).",
        "行政诉讼结果纠正占已审结诉讼的百分比",
    ),
)
BY_NAME = {i.name: i for i in INDICATORS}


def _sum(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.Series:
    """Row sums of `cols` ("-" subtracts); NA where any is NA or missing from the frame."""
    out = pd.Series(0.0, index=frame.index)
    for c in cols:
        name = c.lstrip("-")
        v = (
            pd.to_numeric(frame[name], errors="coerce").astype("Float64")
            if name in frame
            else pd.Series(pd.NA, index=frame.index, dtype="Float64")
        )
        out = out - v if c.startswith("-") else out + v
    return out.astype("Float64")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    r = (100 * num / den.where(den != 0)).astype("Float64")
    return r.where(num.notna() & den.notna() & (den != 0))


def rates(panel: pd.DataFrame, names: list[str] | None = None) -> pd.DataFrame:
    """One column per indicator (all, or `names`), one row per panel row, same index."""
    out = {}
    for ind in (BY_NAME[n] for n in names) if names else INDICATORS:
        out[ind.name] = _ratio(_sum(panel, ind.numerator), _sum(panel, ind.denominator))
    return pd.DataFrame(out, index=panel.index)


def is_aggregate(panel: pd.DataFrame) -> pd.Series:
    """Rows of aggregate reports (``scope == "aggregate"``); none when the panel has no scope."""
    if "scope" not in panel:
        return pd.Series(False, index=panel.index)
    return panel["scope"].astype("string").eq("aggregate").fillna(False).astype(bool)


def region_rates(panel: pd.DataFrame, by: list[str] | str, names: list[str] | None = None) -> pd.DataFrame:
    """Each indicator as a ratio of sums over the own reports of each group of `by`.

    For indicator X the frame has ``X`` (the rate), ``X_n`` (the rows summed: own reports
    with every input known) and, for all indicators, ``n_rows`` and ``n_aggregate`` (rows
    of the group left out as aggregate reports)."""
    by = [by] if isinstance(by, str) else list(by)
    agg = is_aggregate(panel)
    own = panel[~agg]
    cols: dict[str, pd.Series] = {}
    for ind in (BY_NAME[n] for n in names) if names else INDICATORS:
        num, den = _sum(own, ind.numerator), _sum(own, ind.denominator)
        ok = num.notna() & den.notna()
        g = pd.DataFrame({"num": num.where(ok), "den": den.where(ok), "ok": ok}).groupby(
            [own[b] for b in by], dropna=False
        )
        sums = g.agg(num=("num", "sum"), den=("den", "sum"), n=("ok", "sum"))
        cols[ind.name] = _ratio(sums["num"].astype("Float64").where(sums["n"] > 0), sums["den"].astype("Float64"))
        cols[f"{ind.name}_n"] = sums["n"].astype("Int64")
    out = pd.DataFrame(cols)
    counts = pd.DataFrame(
        {
            "n_rows": panel.groupby([panel[b] for b in by], dropna=False).size(),
            "n_aggregate": agg.groupby([panel[b] for b in by], dropna=False).sum(),
        }
    )
    out = counts.join(out, how="left")
    out["n_aggregate"] = out["n_aggregate"].astype("Int64")
    out["n_rows"] = out["n_rows"].astype("Int64")
    for c in out.columns:
        if c.endswith("_n"):
            out[c] = out[c].fillna(0).astype("Int64")
    return out


def formulas() -> list[dict]:
    """name, formula, English and Chinese description of every indicator (for the data
    dictionary)."""
    return [{"name": i.name, "formula": i.formula, "en": i.en, "zh": i.zh} for i in INDICATORS]


def dictionary_section() -> str:
    """The markdown section of the data dictionary that lists the indicators."""
    lines = [
        "## 透明度指标 / Transparency indicators (`pipeline.transparency`)",
        "",
        "Computed by `pipeline.transparency.rates(panel)` (per row) and `region_rates(panel, by)` (ratio of sums "
        "over own reports: aggregate reports are left out). A zero denominator or a missing input gives NA. "
        "分母为零或输入缺失时结果为空；地区汇总不计汇总型报告。",
        "",
        "| indicator 指标 | formula 公式 | description | 说明 |",
        "|---|---|---|---|",
    ]
    for f in formulas():
        lines.append(f"| `{f['name']}` | {f['formula']} | {f['en']} | {f['zh']} |")
    return "\n".join(lines) + "\n"
