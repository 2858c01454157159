"""Indicator names for people, derived once from the template definitions.

Every panel column (one per template address, `pipeline.datasets.panel_columns`) gets an
ASCII snake_case name of at most 32 characters that pandas attribute access, SQL, R and
Stata all accept (``^[a-z][a-z0-9_]{0,31}$``). The name is built from the address by
rule, never listed per column:

* table 三 (applications): ``<row>_<col>``, e.g. ``received_total``,
  ``denied_secret_natural_person``; the row and column keys are shortened by the word
  lists below (``new_received`` → ``received``, ``not_processed`` → ``notproc``);
* table 四 (review and litigation): ``<row>_<col>`` (``review_corrected``,
  ``lit_direct_total``);
* table 二 (proactive disclosure): ``<row>_<col>`` without the article block
  (``regulations_issued``, ``admin_fees_amount_wan_yuan``);
* pre-2019 statistics: ``pre_<indicator>[_<sub>]`` and ``_cum`` for 历年累计
  (``pre_apps_received``, ``pre_apps_received_cum``).

Units: a count carries no unit in its name (件, 项, 条 …: the dictionary gives it); money
ends in ``_yuan`` or ``_wan_yuan`` (the unit the panel converts to), a rate in ``_pct``.

The `indicators` dataset maps each name to its template address under pre-2019, 2019 and
2021 reports (a few table 三 and 四 series continue into pre-2019 reports: `PRE2019_SERIES`;
their values there come from the pre-2019 statistic, which also keeps its own ``pre_``
column), its Chinese label, its formula (for values xxgk derives) and whether it means
the same under both national templates (`comparable`): table 三 and 四 and the table 二
cells the two templates share are the same series; table 二 cells that only one template
prints (the 2019 ``made_new`` vs the 2021 ``issued`` …) are not comparable and say why
(the template file's 2019 ↔ 2021 crosswalk); pre-2019 statistics follow no national
template and are never comparable with them.
"""

from __future__ import annotations

import re
from functools import cache

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# Series continued into pre-2019 reports: a national-template indicator and the pre-2019
# statistic that counts the same thing, with what differs. Only one-to-one concepts are
# listed (pre-2019 litigation cases, for one, are 2019's two litigation rows together).
PRE2019_SERIES = {
    "t3/new_received/total": (
        "p/applications_received/value",
        "approximate: pre-2019 收到申请数 (some reports count the applications accepted, 受理)",
    ),
    "t3/granted/total": ("p/replies_granted/value", "approximate: pre-2019 同意公开答复数"),
    "t3/partially_granted/total": ("p/replies_partial/value", "approximate: pre-2019 同意部分公开答复数"),
    "t3/denied/total": (
        "p/replies_denied/value",
        "approximate: pre-2019 不同意公开答复数 (grounds such as 非政府信息 "
        "and 信息不存在 are rows of their own before 2019, partly 无法提供 or 不予处理 after)",
    ),
    "t4/review/total": ("p/admin_review_cases/value", "same: 行政复议数"),
    "t4/review/upheld": ("p/admin_review_cases.upheld/value", "same: 行政复议 维持"),
    "t4/review/corrected": ("p/admin_review_cases.corrected/value", "same: 行政复议 纠错"),
    "t4/review/other": ("p/admin_review_cases.other/value", "same: 行政复议 其他"),
}

# whole dotted row keys (or their segments) -> short form; anything not listed is kept
ROW_WORDS = {
    # table 三
    "new_received": "received",
    "partially_granted": "partly_granted",
    "results_total": "results",
    "denied.state_secret": "denied_secret",
    "denied.law_prohibited": "denied_law",
    "denied.security_stability": "denied_security",
    "denied.third_party": "denied_3rd_party",
    "denied.internal_affairs": "denied_internal",
    "denied.process_info": "denied_process",
    "denied.enforcement_file": "denied_enforce",
    "denied.admin_query": "denied_query",
    "unable.needs_creation": "unable_create",
    "unable.still_unclear": "unable_unclear",
    "not_processed": "notproc",
    "publication": "published",
    "confirm_reissue": "reissue",
    "other.no_correction": "other_uncorrected",
    # table 二 (the article block is dropped: row keys are unique across blocks)
    "other_admin_services": "other_services",
    "gov_procurement": "procurement",
    # pre-2019
    "applications_received": "apps_received",
    "applications_closed": "apps_closed",
    "applications_by_channel": "apps_via",
    "proactive_by_channel": "proactive_via",
    "admin_review_cases": "review",
    "admin_litigation_cases": "litigation",
    "denied_reasons": "denied",
    "meetings_training": "training",
    "proactive_fulltext_rate": "proactive_fulltext",
    "security_stability": "security",
    "nondisclosure": "nondisc",
    "online_interviews": "interviews",
    "policy_interpretations": "policy_interp",
    "press_conferences": "press_conf",
    "replies_already_public": "replies_public",
    "consultations": "consult",
    "budget.litigation": "budget_lit",
    "proactive_normative_docs": "proactive_norm_docs",
}
COL_WORDS = {"fee_amount": "amount", "procurement_amount": "amount", "procurement_items": "items"}


def _short(key: str, words: dict) -> str:
    if key in words:
        return words[key]
    parts = key.split(".")
    return "_".join(words.get(p, p) for p in parts)


def unit_suffix(kind: str, unit: str) -> str:
    if kind == "money":
        return "_wan_yuan" if unit == "万元" else "_yuan"
    if "%" in (unit or ""):
        return "_pct"
    return ""


def indicator_name(address: str, kind: str, unit: str) -> str:
    """The column name of a template address (see the module docstring)."""
    table, rest = address.split("/", 1)
    row, _, col = rest.rpartition("/")
    suffix = unit_suffix(kind, unit)
    if table == "p":
        base = "pre_" + _short(row, ROW_WORDS).replace(".", "_").strip("_")
        name = base + suffix + ("_cum" if col == "cumulative" else "")
    else:
        if table == "t2":
            row = row.split(".", 1)[1]
        name = f"{_short(row, ROW_WORDS)}_{_short(col, COL_WORDS)}{suffix}".replace(".", "_")
    name = re.sub(r"_+", "_", name)
    if not NAME_RE.match(name):
        raise ValueError(f"indicator name {name!r} of {address} breaks {NAME_RE.pattern}: add a short form")
    return name


@cache
def crosswalk_notes() -> dict[tuple[str, str], str]:
    """(block, column key) -> the crosswalk's comparability note, for table 二 columns that
    only one template prints."""
    from parsers.templates import spec

    out = {}
    for c in spec().get("crosswalk_2019_2021") or []:
        if c.get("table") != "table2":
            continue
        for v in ("2019", "2021"):
            for key in re.findall(r"[a-z_]+(?= \(|,|$)", (c.get(v) or "").split(" (")[0]):
                for block in (c.get("block") or "").split("/"):
                    out.setdefault((block, key), c.get("comparability") or "")
    return out


def comparability(address: str, versions: tuple[str, ...]) -> tuple[bool, str]:
    """Whether an indicator means the same under the national templates that print it, and why."""
    table, rest = address.split("/", 1)
    if table == "p":
        return False, "pre-2019 statistics follow no national template; not comparable with tables 二–四"
    from parsers.templates import versions as national

    printed = [v for v in national() if v in versions]
    if len(printed) > 1:  # one series across the templates that print it
        pre = PRE2019_SERIES.get(address)
        said = ", ".join(printed[:-1]) + " and " + printed[-1]
        return True, f"same under the {said} templates" + (f"; pre-2019 {pre[0]}: {pre[1]}" if pre else "")
    only = printed[0] if printed else "?"
    if table == "t2":
        block = rest.split(".", 1)[0]
        col = rest.rpartition("/")[2]
        note = crosswalk_notes().get((block, col))
        if note:
            return False, f"{only} template only: {note}"
    return False, f"{only} template only"
