"""Random, valid 政府信息公开工作年度报告 (2019 and 2021 formats), rendered as scraped text.

Used by property tests, the benchmark and the offline demo. Everything is driven by one
`random.Random`, so a seed always gives the same report, byte for byte.

* `generate_values` draws the numbers of tables 二/三/四 so that every hard identity of the
  template holds (row totals, results total, balance, table 四 group totals, signs), with a
  mix of all-zero township reports, small counts and city-scale numbers, and optional blank
  cells under the template's blank policy (a blank applicant/component cell is 0, a blank
  总计 is just missing).
* `render_text` writes a whole report around them (title, preface, six sections with prose,
  the three tables, signature) in one of the flattening `STYLES` seen in scraped text:

  - ``tab``: table cells joined by TAB, merged label cells leaving empty fields;
  - ``pipe``: ``a | b | c``; ``markdown``: ``| a | b |`` with ``|---|`` rule lines;
  - ``cell_per_line``: every cell on its own line, cells and rows separated by runs of
    blank lines (sometimes bare CR line ends);
  - ``run_together``: a crawler header, then the whole article on ONE line with table
    cells concatenated without separators;
  - ``spaced``: like run_together, but a random subset of cell boundaries gets a space
    or U+3000;
  - ``web_text``: the text of a web page taken with one separator between all text nodes
    (a space, nothing, or a line break), where an empty table cell leaves the &nbsp; it
    held: one U+00A0.

  - ``detached``: tables as PDF-to-text and PDF-to-markdown tools often print them, the
    row labels apart from the value rows: all labels then all value rows, value rows then
    labels, or blocks of each; labels split over lines, group labels a character or two
    per line among them; value rows as TAB-separated or markdown lines where an empty cell
    is an empty field (a wholly empty TAB row prints nothing). Table 四 is printed as in
    ``tab``. Asked for by name only (``generate(seed, style="detached")``); its choices come
    from a random stream of its own, the rest of the report is the base style's.
  - ``detached_vanished``: the same report as ``detached`` for the same seed, but its value
    rows print no trace of an empty cell, as pdftotext prints a table whose empty cells
    hold no glyph: a row's values one per line, or on one line separated by single spaces
    (a wholly empty row prints nothing). How, table by table, comes from a random stream
    of its own (``generate(seed, style="detached_vanished")``).

  With ``noise=True`` it adds what real text has: spaces inside CJK words, markdown bold,
  page footers inside prose and tables (tables continued across pages, headers repeated),
  words split across a page join, half-width brackets, numbering variants, 合计 for 总计,
  signed changes, units inside cells, and (in `generate`) GB18030 encoding.

Blank cells are printed only in styles that leave a trace of them (tab, pipe, markdown,
cell_per_line, web_text); in run_together/spaced every cell is printed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from parsers.templates import Template, definitions, template, versions

STYLES = ("tab", "pipe", "markdown", "cell_per_line", "run_together", "spaced", "web_text")
SEPARATED_STYLES = ("tab", "pipe", "markdown", "cell_per_line")
LINE_STYLES = SEPARATED_STYLES
BLANK_STYLES = SEPARATED_STYLES + ("web_text",)  # the styles that can print an empty cell
# Row labels apart from their values (see _detached_lines): a style of its own, drawn only
# when asked for, so that no seed of STYLES changes its report.
DETACHED = "detached"
DETACHED_BASES = ("tab", "markdown")  # how its value rows print their cells
# The detached style's value rows with their empty cells vanished (see _vanished_lines): a
# sub-option of its own, so that every seed of ``detached`` keeps its report.
DETACHED_VANISHED = "detached_vanished"
DETACHED_STYLES = (DETACHED, DETACHED_VANISHED)

APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
T3_COLUMNS = APPLICANTS + ("total",)
T4_ROWS = ("review", "lit_direct", "lit_after_review")
T4_PARTS = ("upheld", "corrected", "other", "pending")
T4_COLUMNS = T4_PARTS + ("total",)
# Rows of table 三 whose 总计 stays printed when a reporter blanks the others (Shanghai 2019).
T3_KEY_ROWS = ("new_received", "carried_over", "results_total", "carried_forward")


@dataclass(frozen=True)
class GeneratedReport:
    text: str  # the rendered report; .data gives the bytes
    encoding: str  # "utf-8" or "gb18030"
    version: str  # a template version (parsers.templates.versions())
    year: int
    agency: str
    style: str
    values: dict = field(repr=False)  # address -> int | float | None (None = blank cell)

    @property
    def data(self) -> bytes:
        return self.text.encode(self.encoding)

    @property
    def single_other(self) -> bool:
        """True for the variant that prints one （六）其他处理 row (t3/other/<col>) where the
        template has its sub-rows (2021: `Template.printed_alone`)."""
        return _single_other(self.version, self.values)


def _single_other(version: str, values: dict) -> bool:
    return "other" in template(version).printed_alone and "t3/other/total" in values


# ---------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------


def _split(rng: random.Random, n: int, weights: list[float]) -> list[int]:
    """Split the integer n into len(weights) non-negative parts, roughly by weight."""
    k = len(weights)
    parts = [0] * k
    if n <= 0 or k == 0:
        return parts
    w = [max(0.0, x) * rng.uniform(0.3, 1.7) for x in weights]
    tot = sum(w)
    if tot <= 0:
        w, tot = [1.0] * k, float(k)
    if n <= 40:  # small: one by one, so zeros and ones come out naturally
        cum = []
        acc = 0.0
        for x in w:
            acc += x
            cum.append(acc)
        for _ in range(n):
            r = rng.random() * tot
            i = 0
            while i < k - 1 and cum[i] < r:
                i += 1
            parts[i] += 1
        return parts
    raw = [n * x / tot for x in w]
    parts = [int(x) for x in raw]
    rest = n - sum(parts)
    order = sorted(range(k), key=lambda i: (raw[i] - parts[i]) + rng.random() * 0.5, reverse=True)
    positive = [i for i in order if w[i] > 0] or order
    for j in range(rest):
        parts[positive[j % len(positive)]] += 1
    return parts


def _money(rng: random.Random, lo: float, hi: float, decimals_p: float) -> int | float:
    """A money amount; with probability decimals_p it has one or two decimals."""
    whole = int(rng.uniform(lo, hi))
    if rng.random() < decimals_p:
        cents = rng.randint(1, 99)
        if rng.random() < 0.3:
            cents = (cents // 10) * 10 or 50
        return round(whole + cents / 100, 2)
    return whole


def _scale(rng: random.Random) -> str:
    return rng.choices(("zero", "small", "medium", "city"), weights=(30, 35, 15, 20))[0]


def _t2_values(rng: random.Random, t: Template, scale: str) -> dict:
    out: dict = {}
    big = {"zero": 0, "small": 1, "medium": 2, "city": 3}[scale]

    def count(levels: tuple[int, int, int, int], zero_p: float = 0.3) -> int:
        if rng.random() < zero_p:
            return 0
        return rng.randint(0, levels[big])

    for b in t.table2:
        for r in b.rows:
            a = f"t2/{b.key}.{r.key}/"
            keys = [c.key for c in b.columns]
            if b.key == "art20_1":
                regs = r.key == "regulations"
                if regs and (big < 3 or rng.random() < 0.5):
                    for k in keys:
                        out[a + k] = 0
                    continue
                lv = (3, 12, 40, 300) if not regs else (0, 0, 5, 30)
                if "made_new" in keys:  # 2019
                    made = count(lv, 0.35)
                    pub = made if rng.random() < 0.7 else rng.randint(0, made)
                    total = pub + count((20, 80, 300, 3000), 0.2)
                    out[a + "made_new"], out[a + "published_new"], out[a + "published_total"] = made, pub, total
                else:  # 2021
                    issued = count(lv, 0.35)
                    repealed = count((2, 5, 20, 120), 0.6)
                    in_force = issued + count((10, 60, 250, 2500), 0.2)
                    out[a + "issued"], out[a + "repealed"], out[a + "in_force"] = issued, repealed, in_force
                continue
            for k in keys:
                if k == "items_prev_year":
                    out[a + k] = count((5, 40, 200, 1500), 0.35)
                elif k == "items_change":
                    prev = out[a + "items_prev_year"]
                    if rng.random() < 0.5:
                        out[a + k] = 0
                    elif rng.random() < 0.5 and prev:
                        out[a + k] = -rng.randint(1, max(1, min(prev, 60)))
                    else:
                        out[a + k] = rng.randint(1, (3, 10, 50, 1100)[big])
                elif k == "decisions":
                    out[a + k] = count((10, 300, 5000, 80000), 0.35)
                elif k == "fee_amount":
                    out[a + k] = 0 if rng.random() < 0.5 or big == 0 else _money(rng, 0, (1, 50, 800, 20000)[big], 0.8)
                elif k == "procurement_items":
                    out[a + k] = count((3, 20, 120, 800), 0.4)
                elif k == "procurement_amount":
                    items = out[a + "procurement_items"]
                    out[a + k] = 0 if items == 0 else _money(rng, 1000 * items, 400000 * items, 0.3)
                else:  # a column this generator does not know: a plain count
                    out[a + k] = count((5, 20, 100, 1000))
    return out


def _t3_rows(t: Template, single_other: bool) -> list[str]:
    rows = [r.key for r in t.t3_rows]
    if single_other:
        first = next(i for i, k in enumerate(rows) if k.startswith("other."))
        rows = [k for k in rows if not k.startswith("other.")]
        rows.insert(first, "other")
    return rows


def _t3_values(rng: random.Random, t: Template, scale: str, single_other: bool) -> dict:
    rows = _t3_rows(t, single_other)
    parts = [k for k in rows if k not in T3_KEY_ROWS]
    n_new = {"zero": 0, "small": rng.randint(0, 15), "medium": rng.randint(8, 150), "city": rng.randint(100, 6000)}[
        scale
    ]
    n_carried = 0
    if scale != "zero" and rng.random() < 0.5:
        n_carried = rng.randint(0, max(1, n_new // 6))
    col_w = [
        1.0,
        0.25 * rng.random(),
        0.03 * rng.random(),
        0.04 * rng.random(),
        0.06 * rng.random(),
        0.1 * rng.random(),
    ]
    for i in range(1, 6):
        if rng.random() < 0.45:
            col_w[i] = 0.0
    new = _split(rng, n_new, col_w)
    carried = _split(rng, n_carried, col_w)
    base = {
        "granted": 0.35,
        "partially_granted": 0.08,
        "unable.not_held": 0.2,
        "unable.needs_creation": 0.04,
        "unable.still_unclear": 0.03,
        "not_processed.complaint": 0.05,
        "not_processed.duplicate": 0.04,
        "not_processed.publication": 0.005,
        "not_processed.excessive": 0.01,
        "not_processed.confirm_reissue": 0.01,
        "other": 0.08,
        "other.no_correction": 0.03,
        "other.unpaid_fee": 0.003,
        "other.other": 0.05,
    }
    row_w = []
    for k in parts:
        w = base.get(k, 0.012)
        if k not in ("granted", "unable.not_held") and rng.random() < 0.35:
            w = 0.0
        row_w.append(w)
    vals: dict = {}
    cf_share = 0.0 if rng.random() < 0.5 else rng.uniform(0.0, 0.2)
    for ci, c in enumerate(APPLICANTS):
        avail = new[ci] + carried[ci]
        cf = int(round(avail * cf_share * rng.uniform(0.5, 1.5)))
        cf = min(cf, avail)
        split = _split(rng, avail - cf, row_w)
        vals[f"t3/new_received/{c}"] = new[ci]
        vals[f"t3/carried_over/{c}"] = carried[ci]
        vals[f"t3/carried_forward/{c}"] = cf
        vals[f"t3/results_total/{c}"] = avail - cf
        for k, v in zip(parts, split):
            vals[f"t3/{k}/{c}"] = v
    for k in rows:
        vals[f"t3/{k}/total"] = sum(vals[f"t3/{k}/{c}"] for c in APPLICANTS)
    return {f"t3/{k}/{c}": vals[f"t3/{k}/{c}"] for k in rows for c in T3_COLUMNS}


def _t4_values(rng: random.Random, scale: str) -> dict:
    out: dict = {}
    hi = {"zero": 0, "small": 2, "medium": 8, "city": 60}[scale]
    for g in T4_ROWS:
        active = hi and rng.random() < (0.35 if g == "lit_after_review" else 0.55)
        for p in T4_PARTS:
            v = 0
            if active and rng.random() < (0.7 if p == "upheld" else 0.35):
                v = rng.randint(0, hi)
            out[f"t4/{g}/{p}"] = v
        out[f"t4/{g}/total"] = sum(out[f"t4/{g}/{p}"] for p in T4_PARTS)
    return out


def _apply_blanks(rng: random.Random, vals: dict, mode: str) -> None:
    """Blank some cells under the blank policy: applicant/component cells only where the value
    is 0; 总计 of component rows (Shanghai 2019). Table 二 is never blanked; the first cell of
    table 四 neither (a bare row of 15 numbers must keep its first field)."""
    for a in list(vals):
        table, row, col = a.split("/")
        v = vals[a]
        if table == "t3":
            if col in APPLICANTS and v == 0:
                if mode in ("shanghai", "applicants") or (mode == "zeros" and rng.random() < 0.4):
                    vals[a] = None
            elif col == "total" and mode == "shanghai" and row not in T3_KEY_ROWS:
                vals[a] = None
        elif (
            table == "t4"
            and a != "t4/review/upheld"
            and col != "total"
            and v == 0
            and (mode in ("shanghai", "applicants") or (mode == "zeros" and rng.random() < 0.3))
        ):
            vals[a] = None


def generate_values(rng: random.Random, version: str, *, blanks: bool = True, single_other: bool | None = None) -> dict:
    """Values of every cell of tables 二/三/四 of `version`, keyed by address in template order.

    Every hard identity holds (blank component = 0). `blanks=False` gives no blank cells
    (what run_together/spaced styles need). `single_other` (2021 only; None = random) gives
    the variant with one （六）其他处理 row: t3/other/<col> instead of the three t3/other.* rows.
    """
    if version not in versions():
        raise ValueError(f"unknown template version {version!r}")
    t = template(version)
    scale = _scale(rng)
    so = rng.random() < 0.15
    if single_other is not None:
        so = single_other
    so = so and "other" in t.printed_alone
    vals = _t2_values(rng, t, scale)
    vals.update(_t3_values(rng, t, scale, so))
    vals.update(_t4_values(rng, scale))
    mode = rng.choices((None, "shanghai", "zeros", "applicants"), weights=(82, 7, 6, 5))[0]
    if blanks and mode:
        _apply_blanks(rng, vals, mode)
    return vals


# ---------------------------------------------------------------------------------------
# names and prose
# ---------------------------------------------------------------------------------------

_SYL = (
    "清河安平东西南北长新兴永宁德丰江山阳城云松林桥石泉溪龙凤金玉白青华明和福庆宝台源川岭坪塘浦沙"
    "湖滨柳梅竹兰桂茶杨柏枫荷莲柘黎岑屏岚霞鹤鸣嘉禾泰恒顺昌盛隆升"
)
_DEPTS = (
    "教育局",
    "财政局",
    "民政局",
    "生态环境局",
    "自然资源局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "市场监督管理局",
    "审计局",
    "统计局",
    "医疗保障局",
    "信访局",
    "应急管理局",
    "司法局",
    "住房和城乡建设局",
    "人力资源和社会保障局",
    "人民政府办公室",
    "发展和改革局",
    "林业局",
    "退役军人事务局",
    "行政审批局",
)
_TOWN = ("镇人民政府", "乡人民政府", "街道办事处")


def _place(rng: random.Random, n: int = 2) -> str:
    s = "".join(rng.choice(_SYL) for _ in range(n))
    return s


def make_agency(rng: random.Random) -> str:
    """A plausible (made-up) agency name."""
    city, county, town = _place(rng), _place(rng), _place(rng)
    kind = rng.random()
    if kind < 0.35:
        return f"{city}市{county}{rng.choice('县区')}{town}{rng.choice(_TOWN)}"
    if kind < 0.5:
        return f"{county}县{town}{rng.choice(_TOWN)}"
    if kind < 0.75:
        return f"{county}{rng.choice('县区')}{rng.choice(_DEPTS)}"
    if kind < 0.9:
        return f"{city}市{rng.choice(_DEPTS)}"
    return f"{city}市{county}{rng.choice('县区')}人民政府"


def _short(agency: str) -> str:
    """How the report refers to its own agency in prose (大湖镇, 我局, 本机关 ...)."""
    for tail, rep in (("镇人民政府", "镇"), ("乡人民政府", "乡"), ("街道办事处", "街道")):
        if agency.endswith(tail):
            return agency[: -len(tail)][-2:] + rep
    if agency.endswith("局"):
        return "我局"
    if agency.endswith("委员会"):
        return "我委"
    if agency.endswith("办公室"):
        return "我办"
    return "本机关"


_CHANNELS = ("政府门户网站", "政务新媒体", "政务公开栏", "政府信息公开专栏", "微信公众号")
_CATS = (
    "机构职能",
    "规划计划",
    "财政预决算",
    "重大建设项目",
    "民生保障",
    "应急管理",
    "乡村振兴",
    "行政执法",
    "人事信息",
    "扶贫救灾",
    "安全生产",
)


_POOL_PROACTIVE = (
    "坚持以公开为常态、不公开为例外，围绕中心工作和群众关切，及时公开重大决策、重要政策和重点领域信息。",
    "聚焦财政预决算、重大建设项目、公共资源配置、社会公益事业等重点领域，细化公开内容，规范公开流程。",
    "严格落实重大行政决策预公开制度，对涉及群众切身利益的决策事项，通过座谈会、网上征求意见等方式广泛听取意见。",
    "围绕稳就业、保民生、优化营商环境等工作，及时发布惠企利民政策，并同步开展政策解读，提高政策知晓度。",
    "加强政策解读工作，坚持政策性文件与解读方案、解读材料同步组织、同步审签、同步部署，采用图解、问答等多种形式解读政策。",
    "及时回应社会关切，对群众关注的热点问题主动发声，积极引导社会预期。",
)
_POOL_REQUEST = (
    "进一步规范依申请公开受理、登记、办理、答复等环节，严格按照法定时限答复申请人。",
    "完善依申请公开工作机制，加强与申请人的沟通，提高答复的规范性和准确性。",
    "对疑难复杂申请实行集体研究、法律顾问审核制度，有效降低行政复议和行政诉讼风险。",
)
_POOL_MGMT = (
    "严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，确保公开内容合法合规。",
    "及时开展规范性文件清理，动态更新政府信息公开指南和政府信息公开目录。",
    "明确专人负责信息公开工作，建立信息收集、审核、发布工作流程。",
    "加强公文公开属性源头认定，在公文办理过程中同步明确公开属性，做到应公开尽公开。",
    "建立政府信息公开台账，定期对已公开信息进行梳理，及时更新过时信息，纠正错误信息。",
)
_POOL_PLATFORM = (
    "完善政务公开栏、便民服务中心等线下公开场所，方便群众查阅。",
    "加强政务新媒体日常管理，严格落实信息发布审核制度，确保发布内容准确、规范。",
    "优化政府网站栏目设置，推进政府信息公开专栏标准化建设，提升网站集约化水平。",
    "在档案馆、图书馆、便民服务中心设立政府信息查阅点，为公众查阅政府信息提供便利。",
)
_POOL_OVERSIGHT = (
    "将政府信息公开工作纳入年度绩效考核内容，定期开展自查自纠，及时整改发现的问题。",
    "主动接受社会公众和新闻媒体监督，畅通意见反馈渠道，认真对待社会评议意见。",
    "对照上级政务公开工作考核指标，逐项查漏补缺，推动政务公开工作规范化、标准化。",
    "严格执行政府信息公开责任追究制度，本年度未发生因政府信息公开工作受到责任追究的情况。",
)
_POOL_PROBLEMS = (
    "一是公开内容的深度和广度还有待拓展；二是政策解读形式较为单一；三是工作人员业务能力有待进一步提升。",
    "主要表现为：部分信息公开不够及时，主动公开的全面性有待加强；政务新媒体互动回应不够充分；基层政务公开标准化规范化水平有待提升。",
    "存在的问题：一是对政务公开工作重视程度不够均衡；二是公开信息更新不够及时；三是公开渠道建设有待加强。",
)
_POOL_IMPROVE = (
    "加强业务培训，持续提升政府信息公开工作质量。",
    "不断完善工作机制，推动政务公开工作提质增效，切实保障人民群众的知情权、参与权、表达权和监督权。",
    "继续深化重点领域信息公开，丰富政策解读形式，提高解读回应实效。",
    "加强对政务新媒体的监督管理，提高信息发布的及时性和准确性。",
)


# Prose is composed from these parts (lead-in, adverb, action of the topic, purpose), drawn
# from a stream of its own (`_prose_rng`): reports of different agencies or years share few
# phrases, as real ones do, and the main stream (hence every table) is what it always was.
_LEADS = (
    "",
    "",
    "今年以来，",
    "一年来，",
    "全年",
    "报告期内，",
    "同时，",
    "此外，",
    "与此同时，",
    "按照上级部署，",
    "为进一步做好相关工作，",
    "在日常工作中，",
    "围绕年度工作要点，",
    "结合本单位实际，",
)
_ADVERBS = ("进一步", "持续", "不断", "着力", "切实", "全面", "扎实", "积极", "认真", "大力", "稳步", "深入")
_PURPOSES = (
    "确保各项工作落到实处",
    "推动政务公开工作规范有序开展",
    "提升政府工作透明度",
    "增强群众的获得感和满意度",
    "保障人民群众的知情权和监督权",
    "营造公开透明的良好氛围",
    "为经济社会发展提供有力支撑",
    "切实提高公开实效",
    "不断提升公开质量和水平",
    "形成一级抓一级、层层抓落实的工作格局",
    "做到应公开尽公开",
    "使公开工作更加贴近群众需求",
)
_ACTIONS = {
    "proactive": (
        "推进重点领域信息公开",
        "公开财政预决算和“三公”经费信息",
        "发布惠企利民政策并同步解读",
        "落实重大行政决策预公开制度",
        "回应社会关切和热点问题",
        "公开重大建设项目批准和实施信息",
        "做好公共资源配置领域信息公开",
        "推进民生领域信息公开",
        "丰富政策解读形式",
        "及时公开行政执法信息",
    ),
    "on_request": (
        "规范依申请公开受理和答复流程",
        "加强与申请人的沟通协调",
        "严格按照法定时限答复申请",
        "完善依申请公开工作机制",
        "对疑难申请开展集体研究",
        "提高答复文书的规范性",
    ),
    "info_management": (
        "落实信息公开保密审查制度",
        "开展规范性文件清理",
        "更新政府信息公开指南和目录",
        "做好公文公开属性源头认定",
        "建立政府信息公开台账",
        "明确专人负责信息发布审核",
    ),
    "platform": (
        "加强政府网站信息公开专栏建设",
        "规范政务新媒体管理",
        "完善政务公开栏等线下公开场所",
        "优化网站栏目设置",
        "设立政府信息查阅点",
        "推进政务公开专区标准化建设",
    ),
    "oversight": (
        "将政务公开纳入年度绩效考核",
        "开展政务公开自查自纠",
        "主动接受社会监督",
        "落实政府信息公开责任追究制度",
        "对照考核指标查漏补缺",
        "畅通意见反馈渠道",
    ),
    "problems": (
        "公开内容的深度和广度有待拓展",
        "政策解读形式较为单一",
        "工作人员业务能力有待提升",
        "部分信息公开不够及时",
        "政务新媒体互动回应不够充分",
        "基层政务公开规范化水平有待提高",
        "公开渠道建设有待加强",
        "信息发布审核机制有待完善",
    ),
    "improve": (
        "加强业务培训",
        "完善工作机制",
        "深化重点领域信息公开",
        "加强对政务新媒体的监督管理",
        "强化考核督导",
        "丰富政策解读形式",
        "健全信息发布协调机制",
    ),
}
_POOL_TOPIC = {}  # filled below: pool -> topic of _ACTIONS


_POOL_TOPIC.update(
    {
        _POOL_PROACTIVE: "proactive",
        _POOL_REQUEST: "on_request",
        _POOL_MGMT: "info_management",
        _POOL_PLATFORM: "platform",
        _POOL_OVERSIGHT: "oversight",
        _POOL_IMPROVE: "improve",
    }
)


def _prose_rng(agency: str, year: int, version: str) -> random.Random:
    return random.Random(f"prose {agency} {year} {version}")


def _compose(vr: random.Random, topic: str) -> str:
    """One sentence of `topic`: lead-in, adverb, one or two actions, purpose."""
    acts = vr.sample(_ACTIONS[topic], vr.choice((1, 1, 2)))
    if topic == "problems":
        return f"{vr.choice(('一是', '主要是', '表现为', '同时，', ''))}{'，'.join(acts)}。"
    body = "，".join(f"{vr.choice(_ADVERBS)}{a}" for a in acts)
    return f"{vr.choice(_LEADS)}{body}，{vr.choice(_PURPOSES)}。"


def _sections_prose(
    rng: random.Random, vals: dict, version: str, year: int, agency: str, vr: random.Random | None = None
) -> dict:
    """The prose of each part; with `vr` (varied prose) its sentences are composed from
    `_ACTIONS` by vr, in the same number, so the main stream `rng` draws what it always drew."""
    me = _short(agency)
    total_new = vals.get("t3/new_received/total") or 0
    carried = vals.get("t3/carried_over/total") or 0
    done = vals.get("t3/results_total/total") or 0
    cf = vals.get("t3/carried_forward/total") or 0
    granted = vals.get("t3/granted/total")
    n_pub = rng.randint(0, 60) if rng.random() < 0.4 else rng.randint(30, 4000)
    nd = vals.get("t2/art20_1.normative_docs/made_new", vals.get("t2/art20_1.normative_docs/issued", 0))
    cats = rng.sample(_CATS, 3)
    c1, c2 = rng.randint(0, n_pub // 3 + 1), rng.randint(0, n_pub // 4 + 1)

    def pick(pool, lo, hi):
        got = rng.sample(pool, rng.randint(lo, min(hi, len(pool))))
        return [_compose(vr, _POOL_TOPIC[pool]) for _ in got] if vr else got

    variants = vr.choice if vr else (lambda options: options[0])
    proactive = [
        f"{year}年，{me}通过{rng.choice(_CHANNELS)}等渠道主动公开政府信息{n_pub}条，其中{cats[0]}类信息{c1}条，"
        f"{cats[1]}类信息{c2}条，其他信息{max(0, n_pub - c1 - c2)}条。",
        f"全年制发规范性文件{nd}件，"
        + variants(
            (
                "均按规定在政府信息公开平台公开，并同步发布政策解读。",
                "已全部在门户网站规范性文件栏目发布。",
                "均已依法公开。",
            )
        ),
    ] + pick(_POOL_PROACTIVE, 1, 4)
    if total_new or carried:
        req = [
            f"全年共收到政府信息公开申请{total_new}件，上年结转{carried}件，办结{done}件，结转下年度继续办理{cf}件。"
        ]
        if granted:
            req.append(f"其中予以公开{granted}件，其余均依法作出答复，未发生逾期答复情况。")
        else:
            req.append("所有申请均在法定期限内答复。")
    else:
        req = [f"{year}年度{me}未收到政府信息公开申请，无上年结转申请。"]
    req += pick(_POOL_REQUEST, 0, 2)
    mgmt = pick(_POOL_MGMT, 1, 4)
    plat = [
        variants(("持续加强政府网站信息公开专栏建设，", "优化门户网站公开专栏，", "", "依托政府网站和政务新媒体，"))
        + f"全年更新栏目{rng.randint(3, 40)}个，通过政务新媒体发布信息{rng.randint(0, 900)}条。"
    ] + pick(_POOL_PLATFORM, 1, 3)
    r4 = vals.get("t4/review/total") or 0
    l4 = (vals.get("t4/lit_direct/total") or 0) + (vals.get("t4/lit_after_review/total") or 0)
    over = pick(_POOL_OVERSIGHT, 1, 3) + [
        f"组织开展政府信息公开业务培训{rng.randint(1, 12)}次，"
        + variants(("不断提高工作人员业务水平。", "参训人员覆盖各科室。", "重点学习新修订的《条例》。")),
        (
            f"全年因政府信息公开工作被申请行政复议{r4}件，提起行政诉讼{l4}件。"
            if r4 or l4
            else "全年未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
        ),
    ]
    problem = rng.choice(_POOL_PROBLEMS)
    if vr:
        problem = "".join(_compose(vr, "problems") for _ in range(vr.randint(1, 3)))
    problems = [
        problem,
        f"{year + 1}年，{me}"
        + variants(("将进一步加强组织领导，完善工作机制，", "将重点做好以下工作：", "将针对上述问题认真整改，"))
        + "".join(pick(_POOL_IMPROVE, 1, 3)),
    ]
    if any(r.key == "other.unpaid_fee" for r in template(version).t3_rows):  # templates with 信息处理费 (2021)
        other = rng.choice(
            [
                f"{year}年度{me}未收取信息处理费。",
                "本年度无其他需要报告的事项。依据《政府信息公开信息处理费管理办法》，未收取信息处理费。",
                f"本年度{me}依申请公开未产生信息处理费。",
                f"根据《政府信息公开信息处理费管理办法》，{year}年度{me}收取信息处理费{rng.randint(1, 9) * 100}元。",
            ]
        )
    else:
        other = rng.choice(["无。", "本年度无其他需要报告的事项。", f"{year}年度{me}无其他需要报告的事项。"])
    out = {"proactive": proactive, "on_request": req, "info_management": mgmt, "platform": plat, "oversight": over}
    for topic, paras in out.items():  # real reports write more than the fixed sentences
        paras += [_compose(vr, topic) for _ in range(vr.randint(1, 4))] if vr else []
    return out | {"problems": problems, "other_matters": [other]}


# ---------------------------------------------------------------------------------------
# tables as grids
# ---------------------------------------------------------------------------------------


@dataclass
class _C:
    text: str
    kind: str  # label | head | value | fill ("fill" = a position covered by a merged cell)


@dataclass
class _Row:
    cells: list
    role: str  # caption | header | data | break
    key: str = ""
    group: tuple = ()  # table 三: the group labels this row sits under (for re-printing after a page break)


@dataclass
class _Table:
    key: str
    rows: list
    has_blank: bool


class _Noise:
    """Per-report noise decisions, all drawn once from the report's rng."""

    def __init__(self, rng: random.Random, on: bool, style: str):
        r = rng.random
        self.on = on
        self.halfwidth = on and r() < 0.2  # (一) instead of （一）, : instead of ：
        self.numbering = rng.choice(("1.", "1.", "1．", "1、", "1. ")) if on else "1."
        self.heyi = on and r() < 0.1  # 合计 for 总计
        self.cjk_spaces = on and r() < 0.35  # "2019 年", "本年新 制作数量"
        self.bold = on and r() < 0.3 and style in LINE_STYLES
        self.footers = on and r() < 0.6 and style in LINE_STYLES
        # page breaks inside tables: with footers in line styles; in one-line styles they
        # only show as group labels printed again (the HTML came from a split table)
        self.breaks = self.footers or (on and style not in LINE_STYLES and r() < 0.25)
        self.split_word = on and r() < 0.35 and style in LINE_STYLES
        self.partial_label = on and r() < 0.25  # （二）部分公开 without its parenthetical
        self.quotes = rng.choice(("“”", "“”", '""', "‘’", "")) if on else "“”"
        self.sign_plus = on and r() < 0.35
        self.proc_unit = rng.choice(("header", "cell", "none", "wanyuan", "header")) if on else "none"
        self.fee_label = on and r() < 0.2  # half-width 本年收费金额(单位:万元)
        self.zero_decimals = on and r() < 0.3  # fee 0 printed 0.00
        self.total_first = on and r() < 0.3  # 总计 on the first header row of table 三 (PDF)
        self.no_note = on and r() < 0.2  # 勾稽 note missing
        self.group_repeat = on and r() < 0.4  # group labels re-printed after a page break
        self.header_repeat = on and r() < 0.4 and style in ("tab", "pipe")
        self.grid = (not on) or r() < 0.6  # empty fields for merged positions (tab/pipe/markdown)
        self.lead_tab = on and r() < 0.3 and style == "tab"
        self.trail_tab = on and r() < 0.3 and style == "tab"
        self.blank_rows = on and r() < 0.2 and style == "tab"
        self.crlf = on and r() < 0.15 and style in ("tab", "pipe", "markdown")
        self.cr_only = on and style == "cell_per_line" and r() < 0.5
        self.cell_break = on and style == "cell_per_line" and r() < 0.15  # "商业\r企业"
        self.heading_dot = on and r() < 0.1  # 一. instead of 一、
        self.other_comma = on and r() < 0.2  # ，行政机关 instead of 、行政机关


def _hw(s: str, nz: _Noise) -> str:
    if not nz.halfwidth:
        return s
    return s.replace("（", "(").replace("）", ")").replace("：", ":")


def _cjk_space(rng: random.Random, s: str, nz: _Noise, p: float = 0.3) -> str:
    """Maybe put one space inside a CJK label ("本年新 制作数量")."""
    if not nz.cjk_spaces or len(s) < 4 or rng.random() >= p:
        return s
    cands = [i for i in range(2, len(s) - 1) if "\u4e00" <= s[i - 1] <= "\u9fff" and "\u4e00" <= s[i] <= "\u9fff"]
    if not cands:
        return s
    i = rng.choice(cands)
    return s[:i] + " " + s[i:]


def _renumber(label: str, nz: _Noise) -> str:
    """'1.属于国家秘密' with the report's numbering style."""
    if len(label) > 2 and label[0].isdigit() and label[1] == ".":
        sep = nz.numbering[1:]
        return label[0] + sep + label[2:]
    return label


def _fmt(v, col: str, nz: _Noise, rng: random.Random) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        s = f"{v:.2f}"
        if s.endswith("0") and nz.on and rng.random() < 0.5:
            s = s[:-1]  # 2792220.8
    else:
        s = str(v)
        if col == "fee_amount" and v == 0 and nz.zero_decimals:
            s = "0.00"
    if col == "items_change" and isinstance(v, int) and v > 0 and nz.sign_plus:
        s = "+" + s
    if col == "procurement_amount" and nz.proc_unit == "cell" and v:
        s += "元"
    return s


def _table2(rng: random.Random, vals: dict, t: Template, nz: _Noise) -> _Table:
    width = 1 + max(len(b.columns) for b in t.table2)
    rows = []
    for b in t.table2:
        cap = _hw(b.caption, nz)
        rows.append(_Row([_C(cap, "label")] + [_C("", "fill")] * (width - 1), "caption", key=b.key))
        head = [_C("信息内容", "head")]
        for c in b.columns:
            lab = c.label
            if c.key == "fee_amount" and nz.fee_label:
                lab = "本年收费金额(单位:万元)"
            elif c.key == "procurement_amount":
                lab = {"header": "采购总金额（元）", "wanyuan": "采购总金额（万元）"}.get(nz.proc_unit, lab)
                lab = _hw(lab, nz)
            head.append(_C(_cjk_space(rng, lab, nz), "head"))
        head += [_C("", "fill")] * (width - len(head))
        rows.append(_Row(head, "header", key=b.key))
        for r in b.rows:
            label = r.label
            cells = [_C(_cjk_space(rng, label, nz, 0.1), "label")]
            for c in b.columns:
                cells.append(_C(_fmt(vals[f"t2/{b.key}.{r.key}/{c.key}"], c.key, nz, rng), "value"))
            cells += [_C("", "fill")] * (width - len(cells))
            rows.append(_Row(cells, "data", key=f"{b.key}.{r.key}"))
    return _Table("t2", rows, False)


_T3_GROUPS = {
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}
_RESULTS = "三、本年度办理结果"
_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _t3_label(t: Template, key: str, nz: _Noise) -> str:
    if key == "other":
        return "（六）其他处理"
    lab = next(r.label for r in t.t3_rows if r.key == key)
    if key == "partially_granted" and nz.partial_label:
        lab = "（二）部分公开"
    if key == "denied.security_stability":
        q = nz.quotes
        lab = lab.replace("“", q[:1]).replace("”", q[1:2])
    if key.startswith("other.") and nz.other_comma:
        lab = lab.replace("、行政机关", "，行政机关")
    if key == "results_total" and nz.heyi:
        lab = "（七）合计"
    return _renumber(lab, nz)


def _table3(rng: random.Random, vals: dict, t: Template, nz: _Noise, single_other: bool) -> _Table:
    total = "合计" if nz.heyi else "总计"
    lp = "法人或其他组织" if not nz.on or rng.random() < 0.9 else "法人或者其他组织"
    note = "" if nz.no_note else _hw(_NOTE, nz)
    F = _C("", "fill")
    h1 = [_C(note, "head") if note else F, F, F, _C("申请人情况", "head")] + [F] * 6
    h2 = [F, F, F, _C("自然人", "head"), _C(lp, "head"), F, F, F, F, _C(total, "head")]
    if nz.total_first:
        h1[-1], h2[-1] = _C(total, "head"), F
    subs = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    h3 = [F, F, F, F] + [_C(_cjk_space(rng, s, nz), "head") for s in subs] + [F]
    rows = [_Row(h1, "header"), _Row(h2, "header"), _Row(h3, "header")]
    keys = _t3_rows(t, single_other)
    seen_group: set = set()
    results_seen = False
    for k in keys:
        cells_v = [_C(_fmt(vals[f"t3/{k}/{c}"], c, nz, rng), "value") for c in T3_COLUMNS]
        label = _hw(_t3_label(t, k, nz), nz)
        if k in ("new_received", "carried_over", "carried_forward"):
            lab = [_C(label, "label"), F, F]
            group: tuple = ()
        else:
            first_results = not results_seen
            results_seen = True
            c0 = _C(_hw(_RESULTS, nz), "label") if first_results else F
            g = k.split(".")[0] if "." in k else None
            if g:
                first_group = g not in seen_group
                seen_group.add(g)
                glab = _hw(_T3_GROUPS[g], nz)
                lab = [c0, _C(glab, "label") if first_group else F, _C(label, "label")]
                group = (_hw(_RESULTS, nz), glab)
            else:
                lab = [c0, _C(label, "label"), F]
                group = (_hw(_RESULTS, nz),)
        rows.append(_Row(lab + cells_v, "data", key=k, group=group))
    has_blank = any(vals[f"t3/{k}/{c}"] is None for k in keys for c in T3_COLUMNS)
    return _Table("t3", rows, has_blank)


def _table4(rng: random.Random, vals: dict, nz: _Noise) -> _Table:
    F = _C("", "fill")
    total = "合计" if nz.heyi else "总计"
    parts = ["结果维持", "结果纠正", "其他结果", "尚未审结", total]

    def sp(s):
        return _C(_cjk_space(rng, s, nz, 0.5), "head")

    h1 = [_C("行政复议", "head")] + [F] * 4 + [_C("行政诉讼", "head")] + [F] * 9
    h2 = [sp(p) for p in parts] + [_C("未经复议直接起诉", "head")] + [F] * 4 + [_C("复议后起诉", "head")] + [F] * 4
    h3 = [F] * 5 + [sp(p) for p in parts] * 2
    data = [_C(_fmt(vals[f"t4/{g}/{c}"], c, nz, rng), "value") for g in T4_ROWS for c in T4_COLUMNS]
    rows = [_Row(h1, "header"), _Row(h2, "header"), _Row(h3, "header"), _Row(data, "data", key="t4")]
    has_blank = any(vals[f"t4/{g}/{c}"] is None for g in T4_ROWS for c in T4_COLUMNS)
    return _Table("t4", rows, has_blank)


def _insert_breaks(rng: random.Random, table: _Table, nz: _Noise, p: float) -> None:
    """Mark a page break between two data rows (the table continues on the next page)."""
    if not nz.breaks or rng.random() >= p:
        return
    idx = [i for i, r in enumerate(table.rows) if r.role == "data" and i > 0]
    if len(idx) < 3:
        return
    i = rng.choice(idx[1:])
    table.rows.insert(i, _Row([], "break"))


# ---------------------------------------------------------------------------------------
# serializers
# ---------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, rng: random.Random, style: str, nz: _Noise, first_page: int):
        self.rng, self.style, self.nz = rng, style, nz
        self.page = first_page

    def footer(self) -> str:
        self.page += 1
        n = self.page - 1
        return self.rng.choice((f"— {n} —", f"— {n} —", f"- {n} -", f"－{n}－", f"第 {n} 页", f"第{n}页 共{n + 2}页"))


def _row_fields(row: _Row, table: _Table, style: str, nz: _Noise, rng: random.Random, grid: bool) -> list[str]:
    out = []
    for c in row.cells:
        if c.kind == "fill":
            if grid:
                out.append("")
            continue
        out.append(c.text)
    if style == "pipe":
        while out and out[0] == "" and row.role != "data":
            out.pop(0)
        if row.role == "data" and table.key == "t3":
            while out and out[0] == "":
                out.pop(0)
    return out


def _render_table_lines(w: _Writer, table: _Table) -> list[str]:
    """Table -> lines for tab / pipe / markdown (page footers come out as their own lines,
    surrounded by blank lines)."""
    rng, nz, style = w.rng, w.nz, w.style
    lines: list[str] = []
    headers = [r for r in table.rows if r.role == "header"]
    md_rule_pending = style == "markdown"

    def emit(fields: list[str], role: str):
        nonlocal md_rule_pending
        if style == "tab":
            s = "\t".join(fields)
            if nz.lead_tab and rng.random() < 0.15:
                s = "\t" + s
            if nz.trail_tab and not table.has_blank and rng.random() < 0.3:
                s += "\t"
        elif style == "pipe":
            s = " | ".join(fields)
        else:
            s = "| " + " | ".join(fields) + " |"
        lines.append(s)
        if md_rule_pending:
            lines.append("|" + "|".join("---" for _ in fields) + "|")
            md_rule_pending = False
        if nz.blank_rows and rng.random() < 0.06:
            lines.append("")

    after_break = False
    for row in table.rows:
        if row.role == "break":
            lines += ["", w.footer(), ""]
            after_break = True
            if nz.header_repeat and headers and table.key != "t2":
                for h in headers:
                    emit(_row_fields(h, table, style, nz, rng, nz.grid), "header")
            if style == "markdown":
                md_rule_pending = True
            continue
        cells_row = row
        if after_break and row.role == "data" and row.group and nz.group_repeat:
            cells_row = _regroup(row)
        emit(_row_fields(cells_row, table, style, nz, rng, nz.grid), row.role)
        after_break = False
    return lines


def _detached_lines(w: _Writer, table: _Table, drng: random.Random, vanish: random.Random | None = None) -> list[str]:
    """Table -> lines with the row labels apart from the value rows (the ``detached``
    style): each stretch of data rows (a table 二 block, table 三 between page breaks)
    prints its labels and its value rows separately — labels first, values first, or in
    blocks of a few rows — labels split over lines, the group labels among them; a value
    row keeps its empty cells as empty fields. Every choice is drawn from `drng`. With
    `vanish` (``detached_vanished``), the value rows leave no trace of an empty cell
    (_vanished_lines), the other choices as without it."""
    md = w.style == "markdown"
    one_per_line = vanish is not None and vanish.random() < 0.5

    def line(fields: list[str]) -> str:
        return "| " + " | ".join(fields) + " |" if md else "\t".join(fields)

    def value_lines(fields: list[str]) -> list[str]:
        if vanish is None:
            return [line(fields)]
        return _vanished_lines(fields, one_per_line)

    out: list[str] = []
    stretch: list[_Row] = []
    footers: list[str] = []

    def flush():
        if stretch:
            out.extend(_detached_stretch(stretch, drng, line, value_lines, md, md and vanish is None))
            stretch.clear()
        out.extend(footers)
        footers.clear()

    for row in table.rows:
        if row.role == "data":
            stretch.append(row)
        elif row.role == "break":
            footers += ["", w.footer(), ""]
        else:
            flush()
            out.append(line([c.text for c in row.cells if c.kind != "fill"]))
    flush()
    return out


def _detached_stretch(rows: list[_Row], drng: random.Random, line, value_lines, md: bool, md_values: bool) -> list[str]:
    """Label lines and value lines of consecutive data rows, arranged apart (`value_lines`:
    a row's value fields -> its lines; `md`: the base style is markdown, `md_values`: the
    value rows are a markdown table)."""
    arrangement = drng.choice(("labels first", "values first", "blocks"))
    size = len(rows) if arrangement != "blocks" else drng.randint(2, 6)
    values_first = arrangement == "values first" or (arrangement == "blocks" and drng.random() < 0.3)
    out: list[str] = []
    for k in range(0, len(rows), size):
        chunk = rows[k : k + size]
        labels = [part for r in chunk for c in r.cells if c.kind == "label" for part in _split_label(drng, c.text)]
        if md and drng.random() < 0.5:
            labels = [f"| {x} |" for x in labels]  # a broken markdown table of labels alone
        values = [x for r in chunk for x in value_lines([c.text for c in r.cells if c.kind == "value"])]
        if md_values:
            values[1:1] = ["|" + "|".join("---" for _ in range(values[0].count(" | ") + 1)) + "|"]
        out += values + labels if values_first else labels + values
    return out


def _vanished_lines(fields: list[str], one_per_line: bool) -> list[str]:
    """A value row whose empty cells left no trace: its values one per line, or on one
    line separated by single spaces; nothing for a wholly empty row."""
    printed = [f for f in fields if f]
    if one_per_line:
        return printed
    return [" ".join(printed)] if printed else []


def _split_label(drng: random.Random, label: str) -> list[str]:
    """A label over one to three lines, as a narrow cell wraps it; a group label (三、本年度
    办理结果) sometimes a character or two per line, as a tall merged cell prints it."""
    if len(label) >= 6 and label[0] in "一二三四五六七八九（(" and drng.random() < 0.3:
        step = drng.choice((1, 2))
        return [label[i : i + step] for i in range(0, len(label), step)]
    cuts = sorted(drng.sample(range(2, len(label) - 1), min(drng.randint(0, 2), max(len(label) - 3, 0))))
    return [label[a:b] for a, b in zip([0] + cuts, cuts + [len(label)])]


def _regroup(row: _Row) -> _Row:
    """A row that starts a new page re-prints the group labels its merged cells carry."""
    cells = list(row.cells)
    for i, g in enumerate(row.group):
        if cells[i].kind == "fill":
            cells[i] = _C(g, "label")
    return _Row(cells, row.role, row.key, row.group)


def _render_table_cells(w: _Writer, table: _Table) -> list[list[str]]:
    """Table -> rows of cell strings (fills dropped, page breaks as ["\x00footer"]) for
    cell_per_line / run_together / spaced."""
    out: list[list[str]] = []
    after_break = False
    for row in table.rows:
        if row.role == "break":
            out.append(["\x00" + w.footer()])
            after_break = True
            continue
        r = row
        if after_break and row.role == "data" and row.group and w.nz.group_repeat:
            r = _regroup(row)
        after_break = False
        out.append([c.text for c in r.cells if c.kind != "fill"])
    return out


def _prose_split(rng: random.Random, text: str, repeat: bool) -> tuple[str, str] | None:
    """Split a paragraph at a CJK-CJK boundary (a word broken across a page join)."""
    cands = [
        i
        for i in range(30, len(text) - 8)
        if "\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff" and text[i - 1] != text[i]
    ]
    if not cands:
        return None
    i = rng.choice(cands)
    return (text[:i], text[i - 1 :] if repeat else text[i:])


def _space_digits(rng: random.Random, s: str) -> str:
    """PDF-style spaces around Latin digit runs inside prose ("2019 年", "共 43 条")."""
    out = []
    i = 0
    while i < len(s):
        if s[i].isdigit() and s[i].isascii():
            j = i
            while j < len(s) and (s[j].isdigit() or s[j] == "."):
                j += 1
            num = s[i:j]
            pre = " " if out and "\u4e00" <= out[-1][-1:] <= "\u9fff" else ""
            post = " " if j < len(s) and "\u4e00" <= s[j] <= "\u9fff" else ""
            out.append(pre + num + post)
            i = j
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _decorate_para(rng: random.Random, s: str, nz: _Noise) -> str:
    if nz.cjk_spaces and rng.random() < 0.6:
        s = _space_digits(rng, s)
    if nz.bold and rng.random() < 0.3 and "。" in s[:-1]:
        j = s.index("。") + 1
        s = "**" + s[:j] + "**" + s[j:]
    return s


def render_text(
    values: dict,
    version: str,
    year: int,
    agency: str,
    style: str,
    rng: random.Random,
    noise: bool = True,
    vary_prose: bool = False,
    detached: random.Random | None = None,
    vanish: random.Random | None = None,
) -> str:
    """Render a whole report holding `values` in flattening `style`. With `vary_prose` the
    prose is composed afresh for the agency and year (reports then share few phrases, as real
    ones do: what copy detection needs); without it, the sentences come from small fixed pools,
    which keeps the layout of every seed that tests pin. `detached`: the random stream of the
    ``detached`` style's choices (by default one of the agency, year and version); `vanish`:
    that of ``detached_vanished``'s own (the same default with its name)."""
    drng = vrng = None
    if style in DETACHED_STYLES:
        drng = detached or random.Random(f"{DETACHED} {agency} {year} {version}")
        if style == DETACHED_VANISHED:
            vrng = vanish or random.Random(f"{DETACHED_VANISHED} {agency} {year} {version}")
        style = drng.choice(DETACHED_BASES)  # the base style prints everything but the tables' rows
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    if style not in BLANK_STYLES and any(v is None for v in values.values()):
        raise ValueError(f"style {style!r} cannot print blank cells: generate values with blanks=False")
    t = template(version)
    nz = _Noise(rng, noise, style)
    single_other = _single_other(version, values)
    vr = _prose_rng(agency, year, version) if vary_prose else None
    prose = _sections_prose(rng, values, version, year, agency, vr)

    # --- the document as a list of items -------------------------------------------------
    items: list[tuple] = []  # ("title"|"para"|"head"|"table"|"sig", payload)
    y = str(year)
    title = f"{agency}{y}年政府信息公开工作年度报告"
    if nz.cjk_spaces and rng.random() < 0.5:
        title = f"{agency} {y} 年政府信息公开工作{rng.choice(('', ' '))}年度报告"
    items.append(("title", title))
    doc = definitions()[version]["document"]
    period = rng.choice(
        (
            f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
            f"本报告中所列数据的统计期限为{y}年1月1日至{y}年12月31日。",
            f"报告中所列数据的统计时限自{y}年1月1日起至{y}年12月31日止。",
        )
    )
    dom = "".join(rng.choice("abcdefghjklmnpqrstwxyz") for _ in range(rng.randint(3, 6)))
    phone = f"0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"
    variants = vr.choice if vr else (lambda options: options[0])
    basis = variants(
        (
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开"
            f"办公室关于政府信息公开工作年度报告有关事项的通知》（{doc}）要求编制。",
            f"依据《中华人民共和国政府信息公开条例》和{doc}文件要求，{_short(agency)}编制了本年度报告。",
            f"按照《条例》规定和{doc}的格式要求，现公布{agency}{y}年度政府信息公开工作情况。",
        )
    )
    parts = variants(
        (
            "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和"
            "行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
            "报告由总体情况、主动公开、依申请公开、复议诉讼、问题与改进、其他事项六部分组成。",
            "",
        )
    )
    where = variants(
        (
            f"本报告电子版可在{agency}门户网站（http://www.{dom}.gov.cn）查阅或下载。"
            f"如对本报告有疑问，请与{agency}办公室联系（电话：{phone}）。",
            f"报告全文已在门户网站（http://www.{dom}.gov.cn）发布，咨询电话：{phone}。",
            f"如有疑问，请致电{phone}，或访问http://www.{dom}.gov.cn查阅。",
        )
    )
    items.append(("para", basis + parts + period + where))

    sec = {s.key: s for s in t.sections}
    dot = "." if nz.heading_dot else "、"

    def heading(key: str) -> str:
        s = sec[key]
        title_ = s.title if not noise or rng.random() < 0.7 else rng.choice(s.variants)
        return f"{s.number}{dot}{title_}"

    items.append(("head", heading("overview")))
    items.append(
        (
            "para",
            f"{y}年，{_short(agency)}"
            + variants(
                (
                    "坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》和上级关于政务公开工作的部署要求，扎实推进政府信息公开工作。",
                    "紧紧围绕中心工作，认真落实政务公开各项任务，政府信息公开工作取得新进展。",
                    "在上级政务公开部门的指导下，按照年度工作要点稳步推进各项工作。",
                    "高度重视政务公开工作，主要领导亲自过问，分管领导具体负责，各项工作有序开展。",
                )
            ),
        )
    )
    subs = {
        "proactive": "主动公开",
        "on_request": "依申请公开",
        "info_management": "政府信息管理",
        "platform": "政府信息公开平台建设",
        "oversight": "监督保障",
    }
    sub_variants = {
        "proactive": ("主动公开情况", "主动公开方面"),
        "on_request": ("依申请公开情况", "依申请公开方面"),
        "info_management": ("政府信息管理情况", "政府信息管理方面"),
        "platform": ("平台建设情况", "平台建设方面"),
        "oversight": ("监督保障情况", "监督保障方面"),
    }
    for n, (k, name) in zip("一二三四五", subs.items()):
        if noise and rng.random() < 0.4:
            name = rng.choice(sub_variants[k])
        items.append(("head", _hw(f"（{n}）{name}", nz)))
        paras = prose[k]
        if rng.random() < 0.5:
            items.append(("para", "".join(paras)))
        else:
            for p in paras:
                items.append(("para", p))

    t2 = _table2(rng, values, t, nz)
    t3 = _table3(rng, values, t, nz, single_other)
    t4 = _table4(rng, values, nz)
    _insert_breaks(rng, t2, nz, 0.25)
    _insert_breaks(rng, t3, nz, 0.6)
    items.append(("head", heading("active_disclosure")))
    items.append(("table", t2))
    items.append(("head", heading("applications")))
    items.append(("table", t3))
    items.append(("head", heading("review_litigation")))
    items.append(("table", t4))
    items.append(("head", heading("problems")))
    for p in prose["problems"]:
        items.append(("para", p))
    items.append(("head", heading("other_matters")))
    for p in prose["other_matters"]:
        items.append(("para", p))
    month = rng.randint(1, 3)
    items.append(("sig", agency))
    items.append(("sig", f"{year + 1}年{month}月{rng.randint(1, 28 if month == 2 else 31)}日"))

    if style in LINE_STYLES:
        return _render_lines(rng, items, style, nz, year, drng, vrng)
    return _render_one_line(rng, items, style, nz, year, title)


def _render_lines(
    rng: random.Random,
    items: list,
    style: str,
    nz: _Noise,
    year: int,
    detached: random.Random | None = None,
    vanish: random.Random | None = None,
) -> str:
    w = _Writer(rng, style, nz, first_page=2)
    nl = "\n"
    if style == "cell_per_line":
        nl = "\r" if nz.cr_only else ("\r\n" if nz.on and rng.random() < 0.2 else "\n")
    elif nz.crlf:
        nl = "\r\n"
    # lines of the document; "" is a blank line
    out: list[str] = []
    para_gap = 1 if style != "cell_per_line" or rng.random() < 0.5 else 0
    # cells of a row are separated by `cell_gap` blank lines, rows by cell_gap + 2; an empty
    # cell adds cell_gap + 1 lines to a run, so runs inside a row are cell_gap (mod cell_gap + 1)
    # and runs between rows are not: blank cells stay decodable (111.txt: 2 and 4)
    cell_gap = rng.choice((2, 2, 3)) if nz.on else 2
    row_gap = cell_gap + 2
    since_footer = 0

    def para(text: str):
        nonlocal since_footer, out
        text = _decorate_para(rng, text, nz)
        if nz.split_word and rng.random() < 0.25 and len(text) > 60:
            sp = _prose_split(rng, text, repeat=rng.random() < 0.4)
            if sp:
                out.append(sp[0])
                out += [""] * max(1, para_gap)
                if rng.random() < 0.5 and nz.footers:
                    out += [w.footer(), ""]
                out.append(sp[1])
                out += [""] * para_gap
                since_footer = 0
                return
        out.append(text)
        out += [""] * para_gap
        since_footer += len(text)
        if nz.footers and since_footer > 700 and rng.random() < 0.5:
            out += [w.footer(), ""]
            since_footer = 0

    for kind, payload in items:
        if kind == "title":
            out += ["", payload, ""] if style != "cell_per_line" else [payload, ""]
        elif kind == "head":
            out.append(payload if not nz.cjk_spaces or rng.random() < 0.8 else _cjk_space(rng, payload, nz, 1.0))
            out += [""] * para_gap
        elif kind in ("para", "sig"):
            if kind == "sig":
                out.append(payload)
            else:
                para(payload)
        elif kind == "table":
            if style == "cell_per_line":
                out += [""] * row_gap
                rows = _render_table_cells(w, payload)
                for ri, cells in enumerate(rows):
                    if ri:
                        out += [""] * row_gap
                    if len(cells) == 1 and cells[0].startswith("\x00"):
                        out.append(cells[0][1:])
                        continue
                    for ci, c in enumerate(cells):
                        if ci:
                            out += [""] * cell_gap
                        if nz.cell_break and len(c) == 4 and not c[0].isdigit() and rng.random() < 0.5:
                            out += [c[:2], c[2:]]
                        else:
                            out.append(c)
                out += [""] * row_gap
            else:
                if out and out[-1] != "":
                    out.append("")
                if detached is not None and payload.key != "t4":
                    out += _detached_lines(w, payload, detached, vanish)
                else:
                    out += _render_table_lines(w, payload)
                out.append("")
    return nl.join(out) + nl


def _render_one_line(rng: random.Random, items: list, style: str, nz: _Noise, year: int, title: str) -> str:
    w = _Writer(rng, style, nz, first_page=2)
    spaced = style == "spaced"
    web = style == "web_text"
    node_sep = rng.choice((" ", "", "\n")) if web else ""  # between every two text nodes

    def sep() -> str:
        if web:
            return node_sep
        if not spaced:
            return ""
        r = rng.random()
        return "" if r < 0.45 else ("\u3000" if r < 0.52 else " ")

    parts: list[str] = []
    for kind, payload in items:
        if web:
            if kind == "table":
                parts += [
                    c or "\xa0"
                    for cells in _render_table_cells(w, payload)
                    for c in cells
                    if not (len(cells) == 1 and c.startswith("\x00"))
                ]
            else:
                parts.append(payload.strip())
            continue
        if kind == "title":
            if rng.random() < 0.6 or not nz.on:
                parts.append(payload)
                parts.append(" " if nz.on and rng.random() < 0.5 else "")
        elif kind == "head":
            parts.append(payload)
            if nz.on and rng.random() < 0.2:
                parts.append(" ")
        elif kind == "para":
            p = payload
            if nz.cjk_spaces and rng.random() < 0.3:
                p = _space_digits(rng, p)
            parts.append(p)
            if nz.on and rng.random() < 0.15:
                parts.append(" ")
        elif kind == "sig":
            parts.append(" " + payload)
        elif kind == "table":
            rows = _render_table_cells(w, payload)
            chunks = []
            for cells in rows:
                if len(cells) == 1 and cells[0].startswith("\x00"):
                    continue  # no page footers on a web page
                row_s = ""
                for ci, c in enumerate(cells):
                    row_s += (sep() if ci else "") + c
                chunks.append(row_s)
            parts.append("".join((sep() if i else "") + c for i, c in enumerate(chunks)))
            if nz.on and rng.random() < 0.5:
                parts.append(" ")
    if web:
        parts = [node_sep.join(parts)]
    body = "".join(parts)
    pub = (
        f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    )
    slug = f"{year + 1}{rng.randint(1, 3):02d}/t{year + 1}{rng.randint(101, 331):04d}_{rng.randint(10000, 99999)}"
    header = [
        f"标题: {title.replace(' ', '')}",
        f"发布时间: {pub}",
        "文号: ",
        "发布机构: ",
        "栏目: 政府信息公开年报",
        f"原文链接: https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/{slug}.htm",
        f"本地目录: zwgk/zfxxgk/zfxxgknb/{slug.split('/')[-1]}",
        "页面链接与图片详见 links.tsv(同目录)",
        "==================== 正文 ====================",
    ]
    return "\n".join(header) + "\n" + body + "\n"


# ---------------------------------------------------------------------------------------
# one call
# ---------------------------------------------------------------------------------------


def generate(
    seed: int, version: str | None = None, style: str | None = None, vary_prose: bool = False, agency: str | None = None
) -> GeneratedReport:
    """A random report for `seed` (deterministic); version/style random unless given; see
    `render_text` for `vary_prose`. `agency` names the publisher instead of a made-up one
    (the portal simulator's sites publish for their own division's bodies)."""
    rng = random.Random(seed)
    v = rng.choice(versions())
    s = rng.choice(STYLES[:6])
    # web_text came later: drawn from a stream of its own, so that every seed of the six
    # first styles keeps its report (tests pin some by seed)
    if random.Random(f"web_text {seed}").random() < 1 / len(STYLES):
        s = "web_text"
    version = version or v
    style = style or s
    # detached_vanished is detached's report for the seed, its value rows printed by a stream of its own
    detached = random.Random(f"{DETACHED} {seed}") if style in DETACHED_STYLES else None
    vanish = random.Random(f"{DETACHED_VANISHED} {seed}") if style == DETACHED_VANISHED else None
    if version == "pre2019":
        return _generate_pre2019(rng, style, agency)
    if version not in versions():
        raise ValueError(f"unknown template version {version!r}")
    if style not in STYLES and style not in DETACHED_STYLES:
        raise ValueError(f"unknown style {style!r}")
    years = template(version).years  # a closed range, or the first four years of an open one
    year = rng.choice(range(years.start, years.end + 1)) if years.end else rng.randint(years.start, years.start + 3)
    drawn = make_agency(rng)  # drawn even when given: the later draws (values, encoding) stay the seed's
    agency = agency or drawn
    values = generate_values(rng, version, blanks=style in BLANK_STYLES or style in DETACHED_STYLES)
    encoding = "gb18030" if rng.random() < 0.15 else "utf-8"
    text = render_text(
        values, version, year, agency, style, rng, noise=True, vary_prose=vary_prose, detached=detached, vanish=vanish
    )
    return GeneratedReport(
        text=text, encoding=encoding, version=version, year=year, agency=agency, style=style, values=values
    )


def _generate_pre2019(rng: random.Random, style: str, agency: str | None = None) -> GeneratedReport:
    """A pre-2019 report (`synth.generator_pre2019`); only asked for by name, so that the
    seeds of the 2019/2021 reports keep their reports."""
    from synth.generator_pre2019 import render

    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    year = rng.randint(2008, 2018)
    drawn = make_agency(rng)
    agency = agency or drawn
    text, values = render(rng, style, year, agency)
    encoding = "gb18030" if rng.random() < 0.15 else "utf-8"
    return GeneratedReport(
        text=text, encoding=encoding, version="pre2019", year=year, agency=agency, style=style, values=values
    )
