"""One identity for the spellings of one publishing body.

    canonical_publisher(agency, region) -> Publisher | None

A body prints its name with more or fewer of its divisions in front (淮安市洪泽区人民政府,
洪泽区人民政府), with short forms of its body (政府, 管委会, 街道办) or none at all (a report
titled 平潭综合实验区…). Given the agency as printed and the region the resolver placed it at
(`pipeline.regions.resolve_region`, as a `Region` or its dict), a `Publisher` splits the name
into the register divisions it starts with (`prefix`) and the rest (`body`, with its short
forms spelt out), and gives:

- `key`: ``<division code>:<body>``, the same for every spelling of one body at one division
  (320813:人民政府; 350128:平潭综合实验区管理委员会);
- `name`: a canonical readable name, the division names a reader expects (the city and
  county for a county's body, the county and township for a township's, the province for a
  province's; none for a zone, whose name says where it is) followed by the body;
- `kind`: government | township | street | zone | zone_agency | department | other;
- `parent_key`: the key of the body it answers to (a department's government, a township's
  county, a zone unit's zone, a county's city), when the register gives one.

Non-register zones (综合实验区, 开发区, 片区 …) stay at the division the resolver placed them at;
their bodies keep the zone's name in `body`, so that two zones at one county stay apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.dedupe import normalize_agency
from pipeline.regions import _index, short_name, zones

# short forms of a body's name, spelt out
_BODY_FORMS = (
    (re.compile(r"(?<!人民)政府$"), "人民政府"),
    (re.compile(r"管委会$"), "管理委员会"),
    (re.compile(r"街道办$"), "街道办事处"),
)
_GOVERNMENT_BODY = re.compile(r"^(?:人民政府|行政公署|办事处|街道办事处|管理委员会)$")
_PLACEHOLDER = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


@dataclass(frozen=True)
class Publisher:
    key: str  # <division code>:<body>, or the normalised name when the region has no code
    name: str  # canonical readable name
    body: str  # the name without its leading register divisions, short forms spelt out
    prefix: str  # the register division names the printed name started with ('' if none)
    division_code: str | None
    division: str | None  # the register name of that division
    level: str | None  # province | city | county | township (of the division)
    kind: str  # government | township | street | zone | zone_agency | department | other
    zone: str | None  # the outermost non-register zone named, if any
    parent_key: str | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _region_dict(region) -> dict:
    if region is None:
        return {}
    return region.as_dict() if hasattr(region, "as_dict") else dict(region)


def _strip_divisions(name: str, path: list) -> tuple[str, str]:
    """(prefix, rest): the register names of the division's path the name starts with."""
    prefix = ""
    rest = name
    changed = True
    while changed and rest:
        changed = False
        for d in path:
            forms = [d.name]
            s = short_name(d.name, d.level)
            if s:
                forms.append(s)
            for f in forms:
                after = rest[len(f) :]
                # a short form counts only before a body word (平潭 of 平潭综合实验区 is the zone's)
                if rest.startswith(f) and (f == d.name or re.match(r"(?:人民政府|政府|$)", after)):
                    prefix += f
                    rest = after
                    changed = True
                    break
            if changed:
                break
    return prefix, rest


def _spell_out(body: str) -> str:
    for pat, full in _BODY_FORMS:
        body = pat.sub(full, body)
    return body


def _readable_prefix(path: list) -> str:
    """The division names a reader expects before the body of a body at the path's end."""
    names = [d.name for d in path if d.name not in _PLACEHOLDER]
    if len(names) <= 1:
        return "".join(names)  # a province, or a municipality itself
    if len(names) == 2:
        # 上海市浦东新区; but 淮安市 (a city: no province) and 仙桃市 (a county under its province)
        return "".join(names) if names[0].endswith("市") else names[-1]
    return "".join(names[-2:])  # 淮安市洪泽区, 永安市大湖镇


def canonical_publisher(agency: str | None, region=None) -> Publisher | None:
    """The publisher an agency name and its resolved region stand for; None without a name.

    `region` is what `resolve_region` gives (a `Region` or its `as_dict()`): its `code`,
    `township` and `agency_type` are used. Without a code the key is the name itself."""
    name = normalize_agency(agency)
    if not name:
        return None
    reg = _region_dict(region)
    code = reg.get("code")
    idx = _index()
    if not code or code not in idx.paths:
        body = _spell_out(name)
        return Publisher(
            body, body, body, "", None, None, None, _kind(body, reg, None), (zones(name) or [None])[0], None
        )
    path = list(idx.paths[code])
    div = path[-1]
    prefix, rest = _strip_divisions(name, path)
    zone = (zones(rest) or [None])[0]
    township = reg.get("township")
    if zone and rest == zone:
        rest = zone + "管理委员会"  # a zone named bare: its management committee
    elif not rest or rest in ("政府",):
        rest = "街道办事处" if div.name.endswith("街道") else "人民政府"
    elif township and rest == township:
        rest = township + "人民政府"
    body = _spell_out(rest)
    kind = _kind(body, reg, zone)
    if zone and body.startswith(zone):
        readable = ""  # a zone's name says where it is
    elif kind in ("township", "street") and div.level < 4:
        readable = div.name  # a township the register lacks: its county, then its own name
    else:
        readable = _readable_prefix(path)
    return Publisher(
        f"{code}:{body}",
        readable + body,
        body,
        prefix,
        code,
        div.name,
        {1: "province", 2: "city", 3: "county", 4: "township"}[div.level],
        kind,
        zone,
        _parent_key(code, body, kind, zone, path),
    )


def _kind(body: str, reg: dict, zone: str | None) -> str:
    if zone:
        rest = body[body.find(zone) + len(zone) :] if zone in body else body
        return "zone" if _GOVERNMENT_BODY.match(rest) or rest in ("", "党工委") else "zone_agency"
    atype = reg.get("agency_type")
    if atype == "street_office" or body.endswith("街道办事处"):
        return "street"
    if atype == "government" or _GOVERNMENT_BODY.match(body) or re.search(r"[镇乡]人民政府$", body):
        return "township" if reg.get("level") == "township" or re.search(r"[镇乡]人民政府$", body) else "government"
    if atype == "department":
        return "department"
    return "other"


def _parent_key(code: str, body: str, kind: str, zone: str | None, path: list) -> str | None:
    gov = "人民政府"
    if kind == "zone_agency" and zone:
        return f"{code}:{zone}管理委员会"
    if kind in ("department", "zone", "other"):
        return f"{code}:{gov}"
    if kind in ("township", "street") and path[-1].level < 4:
        return f"{code}:{gov}"  # a township the register lacks, placed at its county
    up = [d for d in path[:-1] if d.name not in _PLACEHOLDER]
    if kind in ("township", "street", "government") and up:
        return f"{up[-1].code}:{gov}"
    return None
