"""Synthetic dishonesty lists for demos, tests and benchmarks.

`write_demo_data(out_dir, subjects, seed)` writes several lists in the 22-field push-record
layout of 昆办发〔2017〕135号 附件1 (`STANDARD_FIELDS`), each as a GBK-encoded CSV and as an
.xlsx with the same rows, a "v2" of the 失信被执行人 list (some rows revoked or dropped,
some changed, some added) and `manifest.json` describing them. `bulk_rows(count, seed)`
streams rows of the same layout fast enough for a 10-million-row benchmark file.

Nothing in the output is a real person or organisation, and it is marked so:

* every resident ID has the sequence digits 15–16 fixed to "99" (positions 15–17 are the
  order code; 99x is used here only), birth dates lie in 1950–1999 and the area codes are
  county codes of 广西, 江苏 and 内蒙古 that were valid in the birth year;
* organisation codes all start with "MA" + two letters followed by random characters;
* every 信息唯一标识 starts with "DEMO-" and every list name ends with "（演示数据）";
* the memorable subjects (`MEMORABLE`) carry names of characters from 金庸's novels.

Check digits are right (python-stdnum / GB 11714), so the data exercises the real paths.
Deterministic for a seed.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import itertools
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from stdnum.cn import ric, uscc

from desktop_app.errors import UsageError
from desktop_app.models import identifiers, regions

# The 22 fields of 附件1 失信被执行人信息推送表, as written there (the * marks included).
STANDARD_FIELDS: tuple[str, ...] = (
    "信息唯一标识",
    "案号",
    "失信被执行人姓名/名称",
    "性别",
    "年龄*",
    "身份证号码/组织机构代码",
    "多证件列表",
    "企业法定代表人姓名",
    "执行法院",
    "地域ID*",
    "地域名称*",
    "标识自然人或企业法人",
    "执行依据文号",
    "作出执行依据单位",
    "法律生效文书确定的义务",
    "被执行人的履行情况",
    "失信被执行人具体情形",
    "发布时间",
    "立案时间",
    "已履行部分*",
    "未履行部分",
    "撤销时间",
)
MIN_SUBJECTS = 20
PERSON = "自然人"
ORGANIZATION = "企业法人"

# --- name material ------------------------------------------------------------------------

# The commonest surnames with rough weights (per mille), plus surnames frequent in 广西.
_SURNAMES = (
    "王72 李71 张69 刘54 陈45 杨31 黄23 赵22 吴20 周19 徐16 孙15 马14 朱13 胡12 郭11 何11 "
    "林10 高10 罗9 郑9 梁8 谢7 宋7 唐7 许6 韩6 冯6 邓6 曹6 彭5 曾5 肖5 田5 董5 袁5 潘4 "
    "于4 蒋4 蔡4 余4 杜4 叶4 程4 苏4 魏4 吕4 丁4 任3 沈3 姚3 卢3 姜3 崔3 钟3 谭3 陆3 "
    "汪3 范3 金3 石3 廖3 贾3 夏3 韦5 覃3 莫3 蒙2 付2 方2 白2 邹2 孟2 熊2 秦2 邱2 江2 "
    "尹2 薛2 闫2 段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 覃2 "
    "欧阳1 司马1 诸葛1 上官1"
)
_MALE_GIVEN = (
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 "
    "林 洋 文 东 海 亮 成 峰 建 国 志 永 春 晨 阳 毅 坤 锋 昊 博 睿 杨 振 兵 德 荣 彬 江"
)
_FEMALE_GIVEN = (
    "芳 娜 敏 静 丽 艳 娟 霞 秀 英 慧 巧 美 玲 婷 雪 琳 丹 萍 红 燕 玉 兰 梅 莉 倩 颖 欣 "
    "悦 佳 晶 妍 月 凤 琴 云 洁 蓉 薇 璐 珊 琪 露 瑶 怡 婉 蕾 媛 嘉 晓 春 桂 金 翠"
)
# Mongolian names written in Chinese characters, used now and then in 内蒙古.
_MONGOLIAN_NAMES = ("巴特尔", "其木格", "乌力吉", "斯琴", "额尔敦", "那日苏", "萨仁", "朝鲁")
_SHOP_NAME_CHARS = [
    "鑫",
    "源",
    "华",
    "盛",
    "达",
    "恒",
    "泰",
    "丰",
    "隆",
    "兴",
    "宏",
    "远",
    "佳",
    "利",
    "通",
    "顺",
    "嘉",
    "金",
    "瑞",
    "祥",
    "荣",
    "成",
    "昌",
    "永",
    "新",
    "创",
    "凯",
    "博",
    "信",
    "德",
    "诚",
    "福",
    "安",
    "海",
    "明",
    "万",
    "元",
    "和",
    "正",
    "天",
    "宇",
    "辉",
    "润",
    "广",
    "中",
    "汇",
    "景",
    "益",
    "联",
    "鼎",
    "优",
    "锦",
    "富",
    "腾",
    "旺",
]
_INDUSTRIES = [
    "贸易",
    "商贸",
    "建筑工程",
    "建筑劳务",
    "装饰工程",
    "房地产开发",
    "物流",
    "运输",
    "科技",
    "网络科技",
    "机械设备",
    "电子",
    "餐饮管理",
    "汽车销售",
    "农业开发",
    "食品",
    "化工",
    "建材",
    "医药",
    "实业",
    "投资",
    "置业",
    "环保工程",
    "钢铁",
]
_INNER_MONGOLIA_INDUSTRIES = ("煤业", "矿业", "能源", "畜牧", "乳业", "稀土")
_LEGAL_FORMS = (
    ("有限公司", 60),
    ("有限责任公司", 12),
    ("股份有限公司", 5),
    ("集团有限公司", 4),
    ("合伙企业（有限合伙）", 3),
    ("农民专业合作社", 3),
)
_SMALL_BUSINESS_FORMS = ("商行", "经营部", "五金店", "建材店", "饭店", "汽车修理厂")

# Places the lists come from: (code of the prefecture, county codes with courts).
_GUANGXI = ("450200", ("450202", "450203", "450204", "450205", "450206", "450222"))
_NANNING = ("450100", ("450102", "450103", "450105", "450107"))
_KUNSHAN = ("320500", ("320583", "320505", "320506", "320507"))
_INNER_MONGOLIA = ("150200", ("150202", "150203", "150204", "150206"))
_ORDOS = ("150600", ("150602", "150603"))
_PROVINCE_SHORT = {"45": ("桂", "广西"), "32": ("苏", "江苏"), "15": ("内", "内蒙古")}

_DEBTOR_SITUATIONS = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    "无正当理由拒不履行执行和解协议",
)
_PERFORMANCE = ("全部未履行", "部分未履行")


@dataclass(frozen=True)
class CategorySpec:
    """One synthetic list: its category (as in the catalog), file stem and make-up."""

    key: str
    category: str
    list_name: str
    share: float  # of all subjects
    person_share: float
    places: tuple[tuple[str, tuple[str, ...]], ...]
    authority: str  # "court" or the kind of administrative authority
    obligation: str


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "dishonest_debtors",
        "失信被执行人",
        "柳州市失信被执行人名单（演示数据）",
        0.55,
        0.7,
        (_GUANGXI, _NANNING, _KUNSHAN, _INNER_MONGOLIA),
        "court",
        "支付{kind}人民币{amount}元及利息",
    ),
    CategorySpec(
        "tax_violations",
        "重大税收违法案件当事人",
        "内蒙古自治区重大税收违法案件当事人名单（演示数据）",
        0.15,
        0.25,
        (_INNER_MONGOLIA, _ORDOS),
        "tax",
        "补缴税款人民币{amount}元并缴纳滞纳金、罚款",
    ),
    CategorySpec(
        "wage_arrears",
        "严重拖欠农民工工资用人单位及其有关人员",
        "昆山市拖欠农民工工资失信联合惩戒对象名单（演示数据）",
        0.15,
        0.35,
        (_KUNSHAN,),
        "labour",
        "支付拖欠的农民工工资人民币{amount}元",
    ),
    CategorySpec(
        "procurement",
        "政府采购领域严重违法失信主体",
        "柳州市政府采购严重违法失信行为记录名单（演示数据）",
        0.15,
        0.1,
        (_GUANGXI, _NANNING),
        "procurement",
        "缴纳罚款人民币{amount}元，{years}年内禁止参加政府采购活动",
    ),
)
V2_OF = "dishonest_debtors"

# Subjects the README and tests can rely on, whatever the seed. Names are characters from
# 金庸's novels; IDs are built with the synthetic 99x order code.
MEMORABLE: dict[str, dict[str, str]] = {
    "person": {"name": "韦小宝", "body": "45020219850101991"},
    "legal_rep_company": {"name": "柳州市鑫源贸易有限公司", "legal_rep": "韦小宝"},
    "masked": {"name": "令狐冲", "body": "45020519870315991"},
    "revoked": {"name": "段誉", "body": "45020319900520993"},
    "org_code_only": {"name": "昆山市恒达机械有限公司", "legal_rep": "郭靖"},
    "homophone": {"name": "黄蓉", "body": "32058319920808992", "typed": "黄荣"},
    "tax_company": {"name": "包头市鑫盛煤业有限公司", "legal_rep": "乔峰"},
}


_BIRTH_START = datetime.date(1950, 1, 1)
_WEIGHTED_RE = re.compile(r"(\D+?)(\d+)\s*")
# Revocation dates never go past this day, so the output does not depend on today's date.
_LAST_REVOCATION = datetime.date(2025, 6, 30)


def _revocation(published: datetime.date, rng: random.Random) -> datetime.date:
    return min(published + datetime.timedelta(days=rng.randrange(30, 900)), _LAST_REVOCATION)


class _FastRandom(random.Random):
    """`random.Random` with `randrange`/`choice` from one `random()` call each.

    About three times faster than the stdlib's exact-uniform versions, which matters for a
    10-million-row file; the tiny bias of `int(random() * n)` is irrelevant here.
    """

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]


class _Weighted:
    """Fast weighted choice: bisect on cumulative weights."""

    def __init__(self, items: list[tuple[str, float]]) -> None:
        self.values = [value for value, _weight in items]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in items))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _parse_weighted(text: str) -> _Weighted:
    """'王72 李71 …' → weighted choice."""
    return _Weighted([(name, float(weight)) for name, weight in _WEIGHTED_RE.findall(text)])


def with_check_digit(body17: str) -> str:
    """An 18-digit resident ID from its first 17 digits (python-stdnum's check digit)."""
    return body17 + ric.calc_check_digit(body17 + "0")


class SubjectFactory:
    """Random but plausible persons, organisations and list rows, deterministic per seed."""

    def __init__(self, seed: int, first_serial: int = 1, national: bool = False) -> None:
        """`national`: persons' IDs come from every province, not only the list's."""
        self.rng = _FastRandom(seed)
        self.national = _whole_period_provinces() if national else None
        self.surnames = _parse_weighted(_SURNAMES)
        # Zipf-like weights: the first given-name characters are far more common.
        self.male = _Weighted([(c, 1 / (i + 3)) for i, c in enumerate(_MALE_GIVEN.split())])
        self.female = _Weighted([(c, 1 / (i + 3)) for i, c in enumerate(_FEMALE_GIVEN.split())])
        self.legal_forms = _Weighted([(form, float(w)) for form, w in _LEGAL_FORMS])
        self._serial = itertools.count(first_serial)

    # -- persons ---------------------------------------------------------------------------

    def person_name(self, male: bool, province: str = "45") -> str:
        rng = self.rng
        if province == "15" and rng.random() < 0.08:
            return rng.choice(_MONGOLIAN_NAMES)
        given = self.male if male else self.female
        name = self.surnames.pick(rng) + given.pick(rng)
        if rng.random() < 0.7:
            name += given.pick(rng)
        return name

    def area_code(self, province: str, year: int) -> str:
        return self.rng.choice(_codes_valid_in(province, year))

    def resident_id(self, province: str, male: bool) -> str:
        rng = self.rng
        if self.national:
            province = rng.choice(self.national)
        born = _BIRTH_START + datetime.timedelta(days=rng.randrange(18262))
        order = 2 * rng.randrange(5) + (1 if male else 0)
        area = self.area_code(province, born.year)
        return with_check_digit(f"{area}{born.year}{born.month:02d}{born.day:02d}99{order}")

    # -- organisations ---------------------------------------------------------------------

    def org_code(self) -> str:
        rng = self.rng
        letters = "ABCDEFGHJKLMNPQRTUWXY"
        body = "MA" + rng.choice(letters) + rng.choice(letters)
        body += "".join(rng.choice("0123456789" + letters) for _ in range(4))
        return body + identifiers.org_code_check_char(body)

    def uscc(self, county_code: str, org_code: str) -> str:
        body17 = "91" + county_code + org_code
        return body17 + uscc.calc_check_digit(body17)

    def company_name(self, prefecture: str, county: str) -> str:
        rng = self.rng
        city = _current_name(prefecture)
        province = prefecture[:2]
        shop = rng.choice(_SHOP_NAME_CHARS) + rng.choice(_SHOP_NAME_CHARS)
        industries = _INDUSTRIES
        if province == "15" and rng.random() < 0.4:
            industries = _INNER_MONGOLIA_INDUSTRIES
        industry = rng.choice(industries)
        form = self.legal_forms.pick(rng)
        if form == "农民专业合作社":
            industry = rng.choice(("种植", "养殖", "果蔬", "茶叶"))
        roll = rng.random()
        if roll < 0.55:
            return f"{city}{shop}{industry}{form}"
        if roll < 0.7:
            return f"{city[:-1]}{shop}{industry}{form}"
        if roll < 0.8:
            return f"{shop}（{city[:-1]}）{industry}{form}"
        if roll < 0.9:
            return f"{_PROVINCE_SHORT[province][1]}{shop}{industry}{form}"
        return f"{city}{_current_name(county)}{shop}{rng.choice(_SMALL_BUSINESS_FORMS)}"

    # -- rows ------------------------------------------------------------------------------

    def _dates(self) -> tuple[datetime.date, datetime.date]:
        rng = self.rng
        filed = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(2900))
        published = filed + datetime.timedelta(days=rng.randrange(30, 400))
        return filed, published

    def _authority(self, spec: CategorySpec, prefecture: str, county: str) -> tuple[str, str]:
        """(执行法院 column: the court or listing authority, its case number prefix)."""
        city = _current_name(prefecture)
        county_name = _current_name(county)
        if spec.authority == "court":
            court = (
                f"{county_name}人民法院"
                if county_name.endswith("市")
                else f"{city}{county_name}人民法院"
            )
            return court, _PROVINCE_SHORT[county[:2]][0] + county[2:]
        short = city[0]
        if spec.authority == "tax":
            return f"国家税务总局{city}税务局稽查局", f"{short}税稽罚"
        if spec.authority == "labour":
            return f"{county_name}人力资源和社会保障局", f"{county_name[0]}人社监"
        return f"{city}财政局", f"{short}财采处"

    def row(
        self,
        spec: CategorySpec,
        is_person: bool,
        name: str | None = None,
        id_value: str | None = None,
        legal_rep: str = "",
        male: bool | None = None,
    ) -> dict[str, Any]:
        """One list row as a dict keyed by `STANDARD_FIELDS` (dates as `datetime.date`)."""
        rng = self.rng
        prefecture, counties = rng.choice(spec.places)
        county = rng.choice(counties)
        filed, published = self._dates()
        authority, case_prefix = self._authority(spec, prefecture, county)
        amount = rng.randrange(5, 5000) * 1000 + rng.randrange(1000)
        paid = rng.randrange(amount // 2) if rng.random() < 0.3 else 0
        gender = age = None
        if is_person:
            male = rng.random() < 0.65 if male is None else male
            name = name or self.person_name(male, prefecture[:2])
            id_value = id_value or self.resident_id(prefecture[:2], male)
            gender = "男" if male else "女"
            if id_value[:6].isdigit() and id_value[6:10].isdigit():
                age = published.year - int(id_value[6:10])
        else:
            name = name or self.company_name(prefecture, county)
            id_value = id_value or self.uscc(county, self.org_code())
            legal_rep = legal_rep or self.person_name(rng.random() < 0.8, prefecture[:2])
        if spec.authority == "court":
            case_no = f"（{filed.year}）{case_prefix}执{rng.randrange(1, 9999)}号"
            basis_no = f"（{filed.year - 1}）{case_prefix}民初{rng.randrange(1, 9999)}号"
            basis_unit = authority
            situation = rng.choice(_DEBTOR_SITUATIONS)
        else:
            case_no = f"{case_prefix}〔{filed.year}〕{rng.randrange(1, 300)}号"
            basis_no = case_no
            basis_unit = authority
            situation = spec.category
        obligation = spec.obligation.format(
            kind=rng.choice(("货款", "借款", "工程款", "租金")),
            amount=f"{amount:,}",
            years=rng.choice((1, 2, 3)),
        )
        return {
            "信息唯一标识": f"DEMO-{spec.key[:3].upper()}-{next(self._serial):08d}",
            "案号": case_no,
            "失信被执行人姓名/名称": name,
            "性别": gender,
            "年龄*": age,
            "身份证号码/组织机构代码": id_value,
            "多证件列表": None,
            "企业法定代表人姓名": None if is_person else legal_rep,
            "执行法院": authority,
            "地域ID*": county,
            "地域名称*": _full_place(county),
            "标识自然人或企业法人": PERSON if is_person else ORGANIZATION,
            "执行依据文号": basis_no,
            "作出执行依据单位": basis_unit,
            "法律生效文书确定的义务": obligation,
            "被执行人的履行情况": _PERFORMANCE[1] if paid else _PERFORMANCE[0],
            "失信被执行人具体情形": situation,
            "发布时间": published,
            "立案时间": filed,
            "已履行部分*": paid or None,
            "未履行部分": amount - paid,
            "撤销时间": None,
        }


@cache
def _codes_valid_in(province: str, year: int) -> list[str]:
    return regions.area_codes(province, year)


@cache
def _whole_period_provinces() -> list[str]:
    """Provinces with county codes in every birth year used (not 海南, 重庆, 台湾, …)."""
    provinces = sorted({code[:2] for code in regions.area_codes()})
    return [p for p in provinces if all(regions.area_codes(p, y) for y in (1950, 1988, 1999))]


@cache
def _current_name(code: str) -> str:
    return regions.area_names(code)[-1].name


@cache
def _full_place(county: str) -> str:
    province = regions.province_name(county) or ""
    return province + _current_name(county[:4] + "00") + _current_name(county)


def mask_public_style(id18: str, rng: random.Random) -> str:
    """An ID masked the ways public lists do it."""
    style = rng.randrange(3)
    if style == 0:
        return id18[:4] + "*" * 10 + id18[14:]
    if style == 1:
        return id18[:10] + "****" + id18[14:]
    return id18[:6] + "*" * 8 + id18[14:]


# --- a demo set -------------------------------------------------------------------------


@dataclass
class DemoList:
    """One list of the demo set: its rows in the standard layout."""

    spec: CategorySpec
    rows: list[dict[str, Any]]
    version: int = 1
    changes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.spec.key if self.version == 1 else f"{self.spec.key}_v{self.version}"


@dataclass
class DemoSet:
    """Every list of a demo set, and the memorable subjects' facts."""

    lists: list[DemoList]
    memorable: dict[str, dict[str, str]]
    seed: int
    subjects: int


def _split(subjects: int) -> list[int]:
    counts = [max(4, round(subjects * spec.share)) for spec in CATEGORIES]
    counts[0] += subjects - sum(counts)
    return counts


def _memorable_rows(
    factory: SubjectFactory, specs: dict[str, CategorySpec]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, str]]]:
    """The fixed subjects, by category key, and what the README/tests need to know."""
    debtors, tax = specs["dishonest_debtors"], specs["tax_violations"]
    facts: dict[str, dict[str, str]] = {}
    rows: dict[str, list[dict[str, Any]]] = {key: [] for key in specs}

    def person(key: str, male: bool) -> dict[str, Any]:
        info = MEMORABLE[key]
        full = with_check_digit(info["body"])
        row = factory.row(debtors, True, info["name"], full, male=male)
        facts[key] = {"name": info["name"], "id": full, "category": debtors.category}
        rows["dishonest_debtors"].append(row)
        return row

    person("person", male=True)
    masked_row = person("masked", male=True)
    masked_row["身份证号码/组织机构代码"] = (
        facts["masked"]["id"][:6] + "*" * 8 + facts["masked"]["id"][14:]
    )
    facts["masked"]["masked_id"] = masked_row["身份证号码/组织机构代码"]
    revoked = person("revoked", male=True)
    revoked["撤销时间"] = revoked["发布时间"] + datetime.timedelta(days=200)
    facts["revoked"]["revoked_on"] = revoked["撤销时间"].isoformat()
    person("homophone", male=False)
    facts["homophone"]["typed"] = MEMORABLE["homophone"]["typed"]

    company = MEMORABLE["legal_rep_company"]
    code = factory.uscc("450202", factory.org_code())
    rows["dishonest_debtors"].append(
        factory.row(debtors, False, company["name"], code, legal_rep=company["legal_rep"])
    )
    facts["legal_rep_company"] = {
        **company,
        "uscc": code,
        "org_code": identifiers.org_code_of_uscc(code),
        "category": debtors.category,
    }
    org_only = MEMORABLE["org_code_only"]
    org = factory.org_code()
    rows["dishonest_debtors"].append(
        factory.row(debtors, False, org_only["name"], f"{org[:8]}-{org[8]}", org_only["legal_rep"])
    )
    facts["org_code_only"] = {**org_only, "org_code": org, "category": debtors.category}
    tax_company = MEMORABLE["tax_company"]
    tax_code = factory.uscc("150203", factory.org_code())
    rows["tax_violations"].append(
        factory.row(tax, False, tax_company["name"], tax_code, tax_company["legal_rep"])
    )
    facts["tax_company"] = {**tax_company, "uscc": tax_code, "category": tax.category}
    return rows, facts


def generate_demo_set(subjects: int, seed: int = 1) -> DemoSet:
    """Build the rows of every demo list (nothing is written)."""
    if subjects < MIN_SUBJECTS:
        raise UsageError(
            f"演示数据至少需要{MIN_SUBJECTS}个主体，请把 --subjects 设为{MIN_SUBJECTS}或更多。"
        )
    factory = SubjectFactory(seed)
    rng = factory.rng
    specs = {spec.key: spec for spec in CATEGORIES}
    fixed, memorable = _memorable_rows(factory, specs)
    fixed_ids = {row["信息唯一标识"] for row in fixed["dishonest_debtors"]}
    lists = []
    # Legal representatives are drawn partly from the persons listed so far.
    # (Of the memorable persons only 韦小宝: a revoked or masked one would muddle the demo.)
    listed_people = [memorable["person"]["name"]]
    for spec, count in zip(CATEGORIES, _split(subjects), strict=True):
        rows = fixed[spec.key]
        while len(rows) < count:
            is_person = rng.random() < spec.person_share
            legal_rep = ""
            if not is_person and listed_people and rng.random() < 0.3:
                legal_rep = rng.choice(listed_people)
            row = factory.row(spec, is_person, legal_rep=legal_rep)
            if is_person:
                listed_people.append(row["失信被执行人姓名/名称"])
                if rng.random() < 0.1:
                    row["身份证号码/组织机构代码"] = mask_public_style(
                        row["身份证号码/组织机构代码"], rng
                    )
            elif rng.random() < 0.2:
                code = identifiers.org_code_of_uscc(row["身份证号码/组织机构代码"])
                row["多证件列表"] = f"统一社会信用代码:{row['身份证号码/组织机构代码']}"
                row["身份证号码/组织机构代码"] = f"{code[:8]}-{code[8]}"
            if rng.random() < 0.08:
                row["撤销时间"] = _revocation(row["发布时间"], rng)
            rows.append(row)
        lists.append(DemoList(spec, rows))
    lists.append(_version_2(factory, lists[0], fixed_ids))
    return DemoSet(lists, memorable, seed, subjects)


def _version_2(factory: SubjectFactory, first: DemoList, keep: set[str]) -> DemoList:
    """A later version of a list: some rows revoked, some dropped, some changed, some added.

    Rows whose 信息唯一标识 is in `keep` (the memorable subjects) stay as they are.
    """
    rng = factory.rng
    rows = [dict(row) for row in first.rows]
    candidates = [
        i
        for i, row in enumerate(rows)
        if row["撤销时间"] is None and row["信息唯一标识"] not in keep
    ]
    rng.shuffle(candidates)
    share = max(1, len(rows) // 20)
    revoked, dropped, changed = (
        candidates[:share],
        candidates[share : 2 * share],
        candidates[2 * share : 3 * share],
    )
    changes: dict[str, list[str]] = {"revoked": [], "dropped": [], "changed": [], "added": []}
    for i in revoked:
        rows[i]["撤销时间"] = _revocation(rows[i]["发布时间"], rng)
        changes["revoked"].append(rows[i]["信息唯一标识"])
    for i in changed:
        paid = rows[i]["未履行部分"] // 2
        rows[i]["已履行部分*"] = (rows[i]["已履行部分*"] or 0) + paid
        rows[i]["未履行部分"] -= paid
        rows[i]["被执行人的履行情况"] = _PERFORMANCE[1]
        changes["changed"].append(rows[i]["信息唯一标识"])
    for i in sorted(dropped, reverse=True):
        changes["dropped"].append(rows.pop(i)["信息唯一标识"])
    for _ in range(share):
        row = factory.row(first.spec, rng.random() < first.spec.person_share)
        rows.append(row)
        changes["added"].append(row["信息唯一标识"])
    return DemoList(first.spec, rows, version=2, changes=changes)


# --- writing ----------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, rows: list[dict[str, Any]], encoding: str = "gbk") -> None:
    """Write rows in the standard layout as CSV (GBK by default, as Excel in China saves)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STANDARD_FIELDS)
        writer.writerows([_cell_text(row[f]) for f in STANDARD_FIELDS] for row in rows)


def write_xlsx(path: Path, rows: list[dict[str, Any]], sheet: str) -> None:
    """Write rows as .xlsx: identifiers as text, dates as date cells, amounts as numbers."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(STANDARD_FIELDS))
    for row in rows:
        worksheet.append([row[f] for f in STANDARD_FIELDS])
    workbook.save(path)


def _readme(demo: DemoSet) -> str:
    facts = demo.memorable
    company = facts["legal_rep_company"]
    return (
        "# 演示数据（合成数据，非真实人员或单位）\n\n"
        "Synthetic demo lists: no real person or organisation. Generated by "
        f"`python -m desktop_app demo-data --subjects {demo.subjects} --seed {demo.seed}`.\n\n"
        "本目录中的所有姓名、名称、身份证号码和统一社会信用代码均为程序随机生成。"
        "身份证号码第15–16位固定为“99”，出生日期在1950–1999年之间；组织机构代码均以“MA”开头；"
        "信息唯一标识均以“DEMO-”开头；名单名称均带“（演示数据）”。\n\n"
        "便于演示的主体（金庸小说人物名）：\n\n"
        f"- 在册自然人：{facts['person']['name']}，身份证号码 {facts['person']['id']}\n"
        f"- 在册企业：{company['name']}，统一社会信用代码 "
        f"{company['uscc']}，法定代表人 {company['legal_rep']}（也是在册自然人）\n"
        f"- 名单上遮蔽号码的自然人：{facts['masked']['name']}，名单上为 "
        f"{facts['masked']['masked_id']}，完整号码 {facts['masked']['id']}\n"
        f"- 已撤销：{facts['revoked']['name']}，身份证号码 {facts['revoked']['id']}，"
        f"撤销时间 {facts['revoked']['revoked_on']}\n"
        f"- 只有组织机构代码的企业：{facts['org_code_only']['name']}，"
        f"{facts['org_code_only']['org_code']}\n"
        f"- 同音字：名单上为“{facts['homophone']['name']}”，输入“{facts['homophone']['typed']}”"
        "应得到“可能匹配”\n"
        f"- 重大税收违法：{facts['tax_company']['name']}，统一社会信用代码 "
        f"{facts['tax_company']['uscc']}\n\n"
        "文件说明见 manifest.json（每个名单都有 GBK 编码的 CSV 和内容相同的 xlsx）。\n"
    )


def write_demo_data(out_dir: Path, subjects: int, seed: int = 1) -> dict[str, Any]:
    """Write the demo set to `out_dir` and return its manifest (also in manifest.json)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"输出位置“{out_dir}”是一个文件，不是文件夹。请换一个文件夹。")
    demo = generate_demo_set(subjects, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for demo_list in demo.lists:
        csv_name, xlsx_name = f"{demo_list.stem}.csv", f"{demo_list.stem}.xlsx"
        write_csv(out_dir / csv_name, demo_list.rows)
        write_xlsx(out_dir / xlsx_name, demo_list.rows, demo_list.spec.category[:31])
        revoked = sum(1 for row in demo_list.rows if row["撤销时间"] is not None)
        entries.append(
            {
                "list_name": demo_list.spec.list_name,
                "category": demo_list.spec.category,
                "version": demo_list.version,
                "csv": csv_name,
                "csv_encoding": "gbk",
                "xlsx": xlsx_name,
                "rows": len(demo_list.rows),
                "revoked_rows": revoked,
                "changes": {key: len(ids) for key, ids in demo_list.changes.items()},
            }
        )
    manifest = {
        "synthetic": True,
        "seed": seed,
        "subjects": subjects,
        "fields": list(STANDARD_FIELDS),
        "lists": entries,
        "memorable": demo.memorable,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / "README.md").write_text(_readme(demo), encoding="utf-8")
    return manifest


# --- bulk rows for benchmarks -------------------------------------------------------------


def bulk_rows(count: int, seed: int = 1, first_serial: int = 1) -> Iterator[list[str]]:
    """`count` rows of a national 失信被执行人 list as lists of strings (`STANDARD_FIELDS`).

    For benchmark files: persons' IDs from every province, 5 % of the rows a further case
    of a person listed just before (same name and ID, as real lists repeat a debtor per
    case), no legal-representative links or versions. `first_serial` numbers the
    信息唯一标识 so that chunks made in parallel do not collide.
    """
    factory = SubjectFactory(seed, first_serial, national=True)
    rng = factory.rng
    spec = CATEGORIES[0]
    recent: list[tuple[str, str, bool]] = []
    for _ in range(count):
        is_person = rng.random() < spec.person_share
        if is_person and recent and rng.random() < 0.05:
            name, id_value, male = rng.choice(recent)
            row = factory.row(spec, True, name, id_value, male=male)
        else:
            row = factory.row(spec, is_person)
            if is_person:
                recent.append(
                    (
                        row["失信被执行人姓名/名称"],
                        row["身份证号码/组织机构代码"],
                        row["性别"] == "男",
                    )
                )
                if len(recent) > 1000:
                    recent = recent[500:]
        if row["性别"] and rng.random() < 0.05:
            row["身份证号码/组织机构代码"] = mask_public_style(row["身份证号码/组织机构代码"], rng)
        if rng.random() < 0.05:
            row["撤销时间"] = _revocation(row["发布时间"], rng)
        yield [_cell_text(row[f]) for f in STANDARD_FIELDS]
