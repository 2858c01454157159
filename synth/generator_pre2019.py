"""Random pre-2019 reports (2008–2018): prose, and often a 政府信息公开情况统计表.

The pre-2019 side of `synth.generator` (`generate(seed, version="pre2019")`): the same
flattening styles, rendered by the generator's own writers, so the property tests hold
the parser to the no-wrong-value rule here too.

* Two table families: the early annex tables (莆田/定西 wording, 2008–2013) and the
  national statistics table of 国办发〔2014〕32号 (2014–2018, group rows 一、…九、).
* Every table shape: one value column (本年度, 2016年度, 年末统计, 数量, 本期实际) or two
  (with 历年累计/累计) in either order; with or without a 计量单位 column (a row's unit
  then stands in its label: ``政府信息公开专项经费（万元）``); units per row (条 件 人 人次 万元 元 %).
* The arithmetic holds in both columns: channels add up to 收到申请数, reply types to
  申请答复数, reasons to 不同意公开答复数, outcomes to their case counts, 专职 + 兼职 to the
  staff; 历年累计 = last year's 历年累计 + 本年度. A rate has no 历年累计 (a blank cell,
  which leaves no trace in one-line styles).
* Prose states some figures for the whole body (the truth, equal to the table where both
  give them) and, as decoys, figures for one office, one channel or one category, which
  are never the body's value. Some reports have no table at all.

`values` holds what the report states, address -> value (None = a blank cell the table
prints); decoy figures are not in it.
"""

from __future__ import annotations

import random

from synth import generator as G

# (address key, labels, unit); a label starting with "  " is a 其中 sub-row of the row above
_EARLY_ROWS = (
    ("proactive_items", ("主动公开政府信息数", "主动公开信息数"), "条"),
    ("  proactive_fulltext_items", ("全文电子化的主动公开信息数",), "条"),
    ("proactive_fulltext_rate", ("全文电子化率",), "%"),
    ("proactive_normative_docs", ("新增的行政规范性文件数",), "件"),
    ("applications_received", ("受理依申请公开信息总数", "申请总数", "收到申请数"), "件"),
    ("  applications_by_channel.in_person", ("当面申请数",), "件"),
    ("  applications_by_channel.fax", ("传真申请数",), "件"),
    ("  applications_by_channel.email", ("电子邮件申请数",), "件"),
    ("  applications_by_channel.online", ("网上申请数",), "件"),
    ("  applications_by_channel.letter", ("信函申请数",), "件"),
    ("  applications_by_channel.other", ("其他形式申请数",), "件"),
    ("replies_total", ("对申请的答复总数",), "件"),
    ("  replies_granted", ("同意公开答复数",), "件"),
    ("  replies_partial", ("同意部分公开答复数",), "件"),
    ("  replies_denied", ("否决公开答复总数", "不同意公开答复数"), "件"),
    ("admin_review_cases", ("行政复议数",), "件"),
    ("admin_litigation_cases", ("行政诉讼数",), "件"),
    ("admin_appeals", ("行政申诉数",), "件"),
    ("fees_charged", ("依申请公开信息收取的费用",), "元"),
    ("consultations.site_visits", ("网站专栏页面访问量",), "人次"),
    ("consultations.in_person", ("现场接待人数",), "人次"),
    ("consultations.online", ("网上咨询数",), "人次"),
    ("consultations.phone", ("咨询电话接听数",), "人次"),
    ("budget.litigation", ("与诉讼有关的费用支出",), "元"),
)
# national 2014 table: (group caption or None, rows)
_NATIONAL_ROWS = (
    (
        "一、主动公开情况",
        (
            (
                "proactive_items",
                ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "主动公开政府信息数"),
                "条",
            ),
            ("  proactive_normative_docs", ("其中：主动公开规范性文件数",), "条"),
            ("  normative_docs_issued", ("制发规范性文件总数",), "件"),
            ("  proactive_by_channel.gazette", ("1.政府公报公开政府信息数",), "条"),
            ("  proactive_by_channel.website", ("2.政府网站公开政府信息数",), "条"),
            ("  proactive_by_channel.weibo", ("3.政务微博公开政府信息数",), "条"),
            ("  proactive_by_channel.wechat", ("4.政务微信公开政府信息数",), "条"),
            ("  proactive_by_channel.other", ("5.其他方式公开政府信息数",), "条"),
        ),
    ),
    (
        "二、回应解读情况",
        (
            ("responses.hot_topics", ("（一）回应公众关注热点或重大舆情数",), "次"),
            ("responses.press_conferences", ("1.参加或举办新闻发布会总次数",), "次"),
            ("responses.online_interviews", ("2.政府网站在线访谈次数",), "次"),
            ("responses.policy_interpretations", ("3.政策解读稿件发布数",), "篇"),
            ("responses.weibo_wechat", ("4.微博微信回应事件数",), "次"),
            ("responses.other", ("5.其他方式回应事件数",), "次"),
        ),
    ),
    (
        "三、依申请公开情况",
        (
            ("applications_received", ("（一）收到申请数",), "件"),
            ("  applications_by_channel.in_person", ("1.当面申请数",), "件"),
            ("  applications_by_channel.fax", ("2.传真申请数",), "件"),
            ("  applications_by_channel.online", ("3.网络申请数",), "件"),
            ("  applications_by_channel.letter", ("4.信函申请数",), "件"),
            ("applications_closed", ("（二）申请办结数",), "件"),
            ("  applications_closed.on_time", ("1.按时办结数",), "件"),
            ("  applications_closed.extended", ("2.延期办结数",), "件"),
            ("replies_total", ("（三）申请答复数",), "件"),
            ("  replies_already_public", ("1.属于已主动公开范围数",), "件"),
            ("  replies_granted", ("2.同意公开答复数",), "件"),
            ("  replies_partial", ("3.同意部分公开答复数",), "件"),
            ("  replies_denied", ("4.不同意公开答复数",), "件"),
            ("  denied_reasons.state_secret", ("其中：涉及国家秘密",), "件"),
            ("  denied_reasons.commercial_secret", ("涉及商业秘密",), "件"),
            ("  denied_reasons.privacy", ("涉及个人隐私",), "件"),
            ("  denied_reasons.security_stability", ("危及国家安全、公共安全、经济安全和社会稳定",), "件"),
            ("  denied_reasons.not_gov_info", ("不是《条例》所指政府信息",), "件"),
            ("  denied_reasons.other_law", ("法律法规规定的其他情形",), "件"),
            ("  not_held_by_agency", ("5.不属于本行政机关公开数",), "件"),
            ("  info_not_exist", ("6.申请信息不存在数",), "件"),
            ("  unclear_request", ("7.告知作出更改补充数",), "件"),
            ("  referred_elsewhere", ("8.告知通过其他途径办理数",), "件"),
        ),
    ),
    (
        None,
        (
            ("admin_review_cases", ("四、行政复议数量",), "件"),
            ("  admin_review_cases.upheld", ("（一）维持具体行政行为数",), "件"),
            ("  admin_review_cases.corrected", ("（二）被依法纠错数",), "件"),
            ("  admin_review_cases.other", ("（三）其他情形数",), "件"),
            ("admin_litigation_cases", ("五、行政诉讼数量",), "件"),
            ("  admin_litigation_cases.upheld", ("（一）维持具体行政行为或者驳回原告诉讼请求数",), "件"),
            ("  admin_litigation_cases.corrected", ("（二）被依法纠错数",), "件"),
            ("  admin_litigation_cases.other", ("（三）其他情形数",), "件"),
            ("complaints", ("六、举报投诉数量",), "件"),
            ("  complaints.upheld", ("（一）维持具体行政行为数",), "件"),
            ("  complaints.corrected", ("（二）被依法纠错数",), "件"),
            ("  complaints.other", ("（三）其他情形数",), "件"),
            ("fees_charged", ("七、依申请公开信息收取的费用",), "万元"),
        ),
    ),
    (
        "八、机构建设和保障经费情况",
        (
            ("org_units.dedicated", ("（一）政府信息公开工作专门机构数",), "个"),
            ("org_units.reading_points", ("（二）设置政府信息公开查阅点数",), "个"),
            ("staff.total", ("（三）从事政府信息公开工作人员数",), "人"),
            ("  staff.full_time", ("1.专职人员数",), "人"),
            ("  staff.part_time", ("2.兼职人员数",), "人"),
            ("budget.funds", ("（四）政府信息公开专项经费",), "万元"),
        ),
    ),
    (
        "九、政府信息公开会议和培训情况",
        (
            ("meetings_training.meetings", ("（一）召开政府信息公开工作会议或专题会议数",), "次"),
            ("meetings_training.trainings", ("（二）举办各类培训班数",), "次"),
            ("meetings_training.trainees", ("（三）接受培训人员数",), "人次"),
        ),
    ),
)
# total -> its parts (the sums the values keep, in both columns)
_SUMS = {
    "applications_received": "applications_by_channel.",
    "applications_closed": "applications_closed.",
    "replies_denied": "denied_reasons.",
    "admin_review_cases": "admin_review_cases.",
    "admin_litigation_cases": "admin_litigation_cases.",
    "complaints": "complaints.",
    "staff.total": ("staff.full_time", "staff.part_time"),
}
_REPLY_TYPES = (
    "replies_already_public",
    "replies_granted",
    "replies_partial",
    "replies_denied",
    "not_held_by_agency",
    "info_not_exist",
    "unclear_request",
    "referred_elsewhere",
)
_STOCKS = {"org_units.dedicated", "org_units.reading_points", "staff.total", "staff.full_time", "staff.part_time"}
_VALUE_HEADS = ("本年度", "{y}年度", "年末统计", "数量", "本期实际", "本年")
_CUM_HEADS = ("历年累计", "累计")


def _layout(rng: random.Random, family: str) -> list[tuple[str | None, str, str, str]]:
    """(group caption or None, key, label, unit) of the rows a report prints, sub-rows
    flagged by a key starting with two spaces."""
    out = []
    if family == "early":
        for key, labels, unit in _EARLY_ROWS:
            if key.startswith("  applications_by_channel.") and rng.random() < 0.3:
                continue
            if (
                not key.startswith(" ")
                and key not in ("proactive_items", "applications_received")
                and rng.random() < 0.25
            ):
                continue
            out.append((None, key, rng.choice(labels), unit))
        return _drop_orphans(out)
    for cap, rows in _NATIONAL_ROWS:
        if cap == "二、回应解读情况" and rng.random() < 0.5:
            continue  # a later addition: absent from the early years' tables
        if cap:
            out.append((cap, "", "", ""))
        for key, labels, unit in rows:
            out.append((None, key, rng.choice(labels), unit))
    return out


def _drop_orphans(rows: list) -> list:
    """Sub-rows whose parent row was left out go too."""
    out, parent = [], None
    for r in rows:
        if not r[1].startswith(" "):
            parent = r[1]
            out.append(r)
        elif parent is not None and out and (out[-1][1] == parent or out[-1][1].startswith(" ")):
            out.append(r)
    return out


def _leaf(rng: random.Random, key: str, unit: str, big: bool):
    if unit == "万元":
        return rng.choice((0, round(rng.uniform(0.5, 30), rng.choice((1, 2)))))
    if unit == "元":
        return rng.choice((0, 0, rng.randint(10, 3000)))
    hi = {"proactive_items": 3000 if big else 300, "consultations.site_visits": 90000}.get(key, 40 if big else 6)
    if key.startswith(("admin_", "complaints", "denied_reasons", "not_", "info_", "unclear", "referred")):
        hi = 3 if big else 1
    return rng.randint(0, hi) if rng.random() < 0.8 else 0


def _year_values(rng: random.Random, rows: list, big: bool) -> dict:
    """One column's figures (this year's or last year's cumulative) keeping every sum."""
    keys = [k.strip() for _, k, _, _ in rows if k]
    units = {k.strip(): u for _, k, _, u in rows if k}
    v = {k: _leaf(rng, k, units[k], big) for k in keys}
    for total, parts in _SUMS.items():
        ps = [k for k in keys if (k.startswith(parts) if isinstance(parts, str) else k in parts)]
        if total in v and ps:
            v[total] = sum(v[p] for p in ps)
    ps = [k for k in _REPLY_TYPES if k in v]
    if "replies_total" in v and ps:
        v["replies_total"] = sum(v[p] for p in ps)
    if "proactive_items" in v:
        for k in keys:  # parts of the proactive total (channels overlap: each at most the total)
            if k.startswith(("proactive_by_channel.", "proactive_normative", "proactive_fulltext_items")):
                v[k] = min(v[k], v["proactive_items"]) if k != "proactive_by_channel.website" else v["proactive_items"]
    if "proactive_fulltext_rate" in v:
        v["proactive_fulltext_rate"] = rng.choice((100, 100, 98.5, 95, rng.randint(60, 99)))
    return v


def generate_values(rng: random.Random, family: str, columns: tuple[str, ...]) -> tuple[list, dict]:
    """(printed rows, values by address)."""
    rows = _layout(rng, family)
    big = rng.random() < 0.5
    this = _year_values(rng, rows, big)
    before = _year_values(rng, rows, big)
    values = {}
    for k, v in this.items():
        values[f"p/{k}/value"] = v
        if "cumulative" not in columns:
            continue
        if k == "proactive_fulltext_rate":
            values[f"p/{k}/cumulative"] = None  # a rate has no 历年累计
        elif k in _STOCKS:
            values[f"p/{k}/cumulative"] = v  # a stock's running figure is this year's
        elif isinstance(v, float) or isinstance(before[k], float):
            values[f"p/{k}/cumulative"] = round(v + before[k], 2)
        else:
            values[f"p/{k}/cumulative"] = v + before[k]
    return rows, values


def _fmt(v) -> str:
    if v is None:
        return ""
    return f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _table(rng: random.Random, rows: list, values: dict, columns: tuple[str, ...], year: int) -> G._Table:
    unit_col = rng.random() < 0.75
    name = rng.choice(("指标名称", "指标名称", "统计指标", "项目"))
    heads = {"value": rng.choice(_VALUE_HEADS).format(y=year), "cumulative": rng.choice(_CUM_HEADS)}
    head = (
        [G._C(name, "head")]
        + ([G._C("计量单位", "head")] if unit_col else [])
        + [G._C(heads[c], "head") for c in columns]
    )
    out = [G._Row(head, "header")]
    width = len(head)
    for cap, key, label, unit in rows:
        if cap:
            out.append(G._Row([G._C(cap, "label")] + [G._C("", "fill")] * (width - 1), "caption"))
            continue
        k = key.strip()
        lab = label if unit_col else f"{label}（{unit}）"
        cells = [G._C(lab, "label")] + ([G._C(unit, "value")] if unit_col else [])
        cells += [G._C(_fmt(values.get(f"p/{k}/{c}")), "value") for c in columns]
        out.append(G._Row(cells, "data", key=k))
    has_blank = any(values.get(f"p/{k.strip()}/{c}") is None for _, k, _, _ in rows if k for c in columns)
    return G._Table("p", out, has_blank)


_OFFICES = ("办公室", "法规科", "信息中心", "综合股", "政策法规处", "某某街道", "下属事业单位")
_CATEGORIES = ("机构职能", "规划计划", "财政预决算", "人事信息", "行政执法")


def _prose(rng: random.Random, values: dict, me: str, year: int) -> tuple[dict, dict]:
    """Paragraphs by section number (1 主动公开, 2 依申请, 3 复议诉讼, 5 其他), and the
    whole-body figures they state (address -> value)."""
    said: dict = {}

    def whole(addr: str, fmt: str, fallback) -> str:
        v = values.get(addr)
        if v is None:
            if rng.random() < 0.5:
                return ""
            v = fallback
        said[addr] = v
        return fmt.format(v=_fmt(v))

    office = rng.choice(_OFFICES)
    n = values.get("p/proactive_items/value")
    part = rng.randint(1, max(1, (n or 50) - 1))
    proactive = [
        whole("p/proactive_items/value", f"{year}年，{me}主动公开政府信息{{v}}条。", rng.randint(1, 900)),
        # decoys: one office on one channel, one category with its share
        f"其中{office}通过政府网站公开信息{part}条。"
        if rng.random() < 0.5
        else f"{me}{office}通过政府网站主动公开政府信息{part}条。",
        f"{rng.choice(_CATEGORIES)}类信息{rng.randint(1, 60)}条，占{rng.randint(1, 40)}%。",
    ]
    request = [
        whole("p/applications_received/value", "全年共受理政府信息公开申请{v}件。", rng.randint(0, 30))
        if values.get("p/applications_received/value") or rng.random() < 0.5
        else f"{year}年度{me}未收到政府信息公开申请。",
        f"{office}受理申请{rng.randint(1, 9)}件。" if rng.random() < 0.5 else "",
    ]
    review = [whole("p/admin_review_cases/value", "发生行政复议{v}件。", 0)]
    staff = [whole("p/staff.part_time/value", "本机关有兼职人员{v}人。", rng.randint(1, 4))]
    paras = {1: proactive, 2: request, 3: review, 5: staff}
    return {i: [p for p in ps if p] for i, ps in paras.items()}, said


_SECTIONS = (
    "一、概述",
    "二、主动公开政府信息情况",
    "三、依申请公开政府信息情况",
    "四、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "五、存在的主要问题和改进措施",
    "六、其他需要报告的事项",
)


def render(rng: random.Random, style: str, year: int, agency: str) -> tuple[str, dict]:
    """A whole pre-2019 report in `style`; returns (text, values)."""
    family = rng.choice(("early", "national")) if year >= 2014 else "early"
    shape = rng.choice((("value",), ("value", "cumulative"), ("value", "cumulative"), ("cumulative", "value")))
    with_table = rng.random() < 0.85
    rows, values = generate_values(rng, family, shape)
    me = G._short(agency)
    paras, said = _prose(rng, values if with_table else {}, me, year)
    # the pre-2019 contract has cells for figures only: a blank cell (the rate's 历年累计) is no cell
    truth = {a: v for a, v in values.items() if v is not None} if with_table else {}
    for a, v in said.items():
        truth.setdefault(a, v)  # the table's value stands where it has one (they agree here)
    nz = G._Noise(rng, True, style)
    items: list[tuple] = [
        ("title", f"{agency}{year}年政府信息公开工作年度报告"),
        (
            "para",
            "根据《中华人民共和国政府信息公开条例》要求，特向社会公布本年度政府信息公开工作年度报告。"
            f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        ),
    ]
    fixed = {0: ["本机关高度重视政府信息公开工作，健全工作机制。"], 4: ["公开内容有待丰富。"]}
    for i, head in enumerate(_SECTIONS):
        items.append(("head", head))
        items += [("para", p) for p in (paras.get(i) or fixed.get(i) or ["无。"])]
    if with_table:
        items.append(("head", "七、附表" if rng.random() < 0.5 else "七、政府信息公开情况统计表"))
        items.append(("table", _table(rng, rows, values, shape, year)))
    items.append(("sig", agency))
    items.append(("sig", f"{year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日"))
    if style in G.LINE_STYLES:
        return G._render_lines(rng, items, style, nz, year), truth
    return G._render_one_line(rng, items, style, nz, year, items[0][1]), truth
