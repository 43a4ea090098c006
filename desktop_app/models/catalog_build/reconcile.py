"""Reconciliation: the reviewed tables that map every name written in the sources to one
canonical name, and the corrections applied to damaged text.

How a written name finds its canonical name
-------------------------------------------
1. Normalisation (`desktop_app.models.catalog.name_key`, the same function the catalog uses
   for lookups): NFKC (full-width brackets and letters become half-width), all whitespace
   removed (the PDF conversion put spaces inside names: `市机关事 务管理局`), 〔〕【】[] read
   as (), surrounding 《》“” dropped. Two names with the same key are the same name.
2. The tables below: each canonical name lists the other spellings the sources use, each
   with the reason it is a variant (truncated, `的通知` added, a word missing…). Nothing else
   maps a name: there are no similarity guesses. A written name that is neither a canonical
   name nor a listed variant stops the build with its document and line, so a new spelling
   in an updated source is reviewed here instead of silently becoming a new category.
3. Short forms that clerks and lists use but the sources do not (`住建局`, `市场监督管理局`,
   `柳州`) are listed as aliases with the canonical name; lookups accept them too.

Categories are global (one 失信被执行人 for every jurisdiction); departments, bases and
initiators belong to one jurisdiction. A canonical basis is the memorandum's title: `…的通知`
(the notice that issued it), `(2016版)`-style bracket widths and `措施` wording differences
name the same memorandum and are variants of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from desktop_app.errors import DataError
from desktop_app.models.catalog import name_key
from desktop_app.models.catalog_build.documents import (
    KUNSHAN_DOCUMENT,
    LIUZHOU_DOCUMENT,
    NEIMENGGU_DOCUMENT,
    Anomaly,
    NameSeen,
    ParsedMeasure,
)

LIUZHOU = "柳州市"
NEIMENGGU = "内蒙古自治区"
KUNSHAN = "昆山市"

BY_REMIT_NOTE = "各签署部门按职责实施"


@dataclass(frozen=True)
class Jurisdiction:
    name: str
    document: str
    id_prefix: str  # measure ids: LZ-000-L0123-1
    # a department name may be written with the jurisdiction in front (柳州市公安局): the
    # lookup drops any of `aliases` and tries the rest alone and after `local_prefix`
    local_prefix: str
    aliases: tuple[str, ...]


JURISDICTIONS = (
    Jurisdiction(
        LIUZHOU,
        LIUZHOU_DOCUMENT,
        "LZ",
        "市",
        ("柳州", "柳州市", "广西壮族自治区柳州市", "广西柳州", "广西柳州市", "广西壮族自治区柳州"),
    ),
    Jurisdiction(NEIMENGGU, NEIMENGGU_DOCUMENT, "NM", "自治区", ("内蒙古", "内蒙古自治区", "内蒙")),
    Jurisdiction(
        KUNSHAN, KUNSHAN_DOCUMENT, "KS", "市", ("昆山", "昆山市", "江苏省昆山市", "江苏昆山")
    ),
)


def measure_text_key(text: str) -> str:
    """Two measure texts are the same text when these are equal (NFKC, no whitespace)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --------------------------------------------------------------------------------------
# Categories (联合惩戒对象): global. canonical → {variant as written: reason}
# --------------------------------------------------------------------------------------
TRUNCATED = "截断"

CATEGORIES: dict[str, dict[str, str]] = {
    "保险领域违法失信相关责任主体": {},
    "财政性资金管理使用领域相关失信责任主体": {"财政性资金管理使用领域": TRUNCATED},
    "会计领域违法失信相关责任主体": {},
    "房地产领域相关失信责任主体": {},
    "国内贸易流通领域严重违法失信主体": {
        "对国内贸易流通领域严重违法失信主体": "误带备忘录标题中的“对”",
    },
    "家政服务领域相关失信责任主体": {},
    "环境保护领域失信生产经营单位及其有关人员": {},
    "婚姻登记严重失信当事人": {},
    "科研领域相关失信责任主体": {},
    "社会保险领域严重失信企业及其有关人员": {},
    "涉金融严重失信人": {},
    "失信被执行人": {},
    "统计领域严重失信企业及其有关人员": {
        "统计领域严重违法失信企业及其有关人员": "多“违法”二字（备忘录标题为“严重失信”）",
    },
    "严重危害正常医疗秩序的失信行为责任人": {},
    "文化市场领域严重违法失信市场主体及有关人员": {},
    "严重违法失信超限超载运输车辆相关责任主体": {
        "严重违法失信超限超载运输车辆的相关责任主体": "多“的”字",
    },
    "知识产权（专利）领域严重失信主体": {
        "知识产权(专利)领域严重违法失信主体": "多“违法”二字（备忘录标题为“严重失信”）",
    },
    "对外经济合作领域严重失信主体": {},
    "公共资源交易领域严重失信主体": {},
    "严重拖欠农民工工资用人单位及其有关人员": {
        "严重拖欠农民工工资违法失信行为的用人单位及有关人员": "改写（备忘录标题为本名）",
    },
    "旅游领域严重失信相关责任主体": {},
    "农资领域严重失信生产经营单位及其有关人员": {
        "农资领域严重失信生产经营单位及其有关": TRUNCATED,
    },
    "列入经营异常名录或严重违法失信企业名单的失信主体": {
        "列入经营异常名录或严重违法失信企业": TRUNCATED,
        "列入经营异常名录或严重违法失信企业名": TRUNCATED,
    },
    "严重质量违法行为当事人": {
        "严重违法质量违法行为当事人": "多“违法”二字",
        "严重违法违法行为当事人": "“质量”误为“违法”",
        "重质量违法行为当事人": "缺“严”字",
    },
    "慈善捐赠领域失信相关主体": {
        "慈善捐赠领域相关失信主体": "词序不同",
        "慈善捐赠领域相关主体": "缺“失信”二字（取自备忘录标题）",
    },
    "电子认证服务行业失信责任主体": {"电子认证服务行业": TRUNCATED},
    "盐行业生产经营严重失信者": {},
    "石油天然气行业严重违法失信主体": {
        "石油天然气行业": TRUNCATED,
        "关于对石油天然气行业严重违法失信主体": "误带备忘录标题中的“关于对”",
    },
    "出入境检验检疫失信企业": {"出入境检验检疫企业": "缺“失信”二字（取自备忘录标题）"},
    "食品药品生产经营严重失信者": {},
    "重大税收违法案件当事人": {
        "重大税收违法案件信息中所列明的当事人": "改写（备忘录标题为本名）",
    },
    "安全生产领域失信生产经营单位及其有关人员": {
        "安全生产领域失信生产经营单位及有关人员": "缺“其”字",
    },
    "运输物流行业严重违法失信市场主体及其有关人员": {},
    "违法失信上市公司相关责任主体": {},
    "政府采购领域严重违法失信主体": {
        "对政府采购领域严重违法失信主体": "误带备忘录标题中的“对”",
    },
    "海关失信企业": {
        "海关失信企业及其法定代表人(负责人)、董事、监事、高级管理人员": "列出了惩戒对象的相关人员",
    },
    "电力行业严重违法失信市场主体及其有关人员": {
        "关于对电力行业严重违法失信市场主体及其有关人员": "误带备忘录标题中的“关于对”",
    },
    # 内蒙古 domains without a national category of their own (see NEIMENGGU_DOMAINS)
    "煤炭行业失信生产经营单位及其有关人员": {},
    "房屋建筑和市政基础设施工程建筑市场及质量领域严重失信生产经营单位及其有关人员": {},
    "人防工程建设领域严重违法失信单位及其有关人员": {},
}

# Short forms of categories that lists and clerks use; the sources do not write them.
CATEGORY_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "失信被执行人": ("失信被执行人名单",),
    "涉金融严重失信人": ("涉金融严重失信人名单",),
    "知识产权（专利）领域严重失信主体": ("知识产权领域严重失信主体",),
}


@dataclass(frozen=True)
class Domain:
    """A 内蒙古 domain: the heading as written, its category, and more aliases for it."""

    heading: str
    category: str
    aliases: tuple[str, ...]


# 内蒙古's eight domains. The memorandum defines each domain's target in section 一. Where that
# target is the subject of a national memorandum whose category 柳州's list also uses (same
# wording of the target: 安全生产, 环境保护, 电力, 石油天然气, 房地产), the domain shares that
# global category, so that one imported list finds its measures in both jurisdictions. The
# other three domains get a category named after their definition.
NEIMENGGU_DOMAINS = (
    Domain(
        "安全生产领域",
        "安全生产领域失信生产经营单位及其有关人员",
        ("安全生产", "安全生产领域严重失信生产经营单位及其有关人员"),
    ),
    Domain("环境保护领域", "环境保护领域失信生产经营单位及其有关人员", ("环境保护",)),
    Domain("电力行业", "电力行业严重违法失信市场主体及其有关人员", ("电力",)),
    Domain("石油天然气行业", "石油天然气行业严重违法失信主体", ("石油天然气",)),
    Domain("煤炭行业", "煤炭行业失信生产经营单位及其有关人员", ("煤炭", "煤炭领域")),
    Domain(
        "房屋建筑和市政基础设施工程（以下简称工程）建筑市场及质量领域",
        "房屋建筑和市政基础设施工程建筑市场及质量领域严重失信生产经营单位及其有关人员",
        (
            "房屋建筑和市政基础设施工程",
            "房屋建筑和市政基础设施工程建筑市场及质量领域",
            "建筑市场及工程质量领域",
        ),
    ),
    Domain("房地产领域", "房地产领域相关失信责任主体", ("房地产",)),
    Domain(
        "人防工程建设领域",
        "人防工程建设领域严重违法失信单位及其有关人员",
        ("人防工程", "人防工程建设"),
    ),
)

# --------------------------------------------------------------------------------------
# Bases (实施依据): per jurisdiction. canonical title → (文号 or None, {variant: reason})
# --------------------------------------------------------------------------------------
NOTICE = "带“的通知”（印发该备忘录的通知）"

BASES: dict[str, dict[str, tuple[str | None, dict[str, str]]]] = {
    LIUZHOU: {
        "关于对保险领域违法失信相关责任主体实施联合惩戒的合作备忘录": (
            None,
            {"关于对保险领域违法失信相关责任主体实施联合惩戒的合作备忘录的通知": NOTICE},
        ),
        "关于对财政性资金管理使用领域相关失信责任主体实施联合惩戒的合作备忘录": (
            None,
            {"关于对财政性资金管理使用领域相关失信责任主体实施联合惩戒的合作备忘录的通知": NOTICE},
        ),
        "关于对会计领域违法失信相关责任主体实施联合惩戒的合作备忘录": (None, {}),
        "关于对房地产领域相关失信责任主体实施联合惩戒的合作备忘录": (None, {}),
        "关于对国内贸易流通领域严重违法失信主体开展联合惩戒的合作备忘录": (None, {}),
        "关于对家政服务领域相关失信责任主体实施联合惩戒的合作备忘录": (None, {}),
        "关于对环境保护领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录": (
            None,
            {
                "关于对环境保护领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录的通知": NOTICE,  # noqa: E501
                "关于对环境保护领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录的": TRUNCATED,  # noqa: E501
            },
        ),
        "关于对婚姻登记严重失信当事人开展联合惩戒的合作备忘录": (None, {}),
        "关于对科研领域相关失信责任主体实施联合惩戒的合作备忘录": (None, {}),
        "关于对社会保险领域严重失信企业及其有关人员实施联合惩戒的合作备忘录": (None, {}),
        "关于对涉金融严重失信人实施联合惩戒的合作备忘录": (
            None,
            {"关于对涉金融严重失信人实施联合惩戒的合作备忘录的通知": NOTICE},
        ),
        "关于对失信被执行人实施联合惩戒的合作备忘录": (
            None,
            {
                "关于对失信被执行人实施联合惩戒措施合作备忘录的通知": "多“措施”、缺“的”，带“的通知”",  # noqa: E501
                "关于对失信被执行人实施联合惩戒措施合作备忘录": "多“措施”、缺“的”",
                "对失信被执行人实施联合惩戒的合作备忘录": "缺“关于”",
            },
        ),
        "关于对统计领域严重失信企业及其有关人员开展联合惩戒的合作备忘录（修订版）": (
            None,
            {
                "关于对统计领域严重失信企业及其有关人员开展联合惩戒的合作备忘录": "缺“（修订版）”",
                "关于对统计领域严重违法失信企业及其有关人员开展联合惩戒的合作备忘录(修订版)": "多“违法”二字",  # noqa: E501
            },
        ),
        "关于对严重危害正常医疗秩序的失信行为责任人实施联合惩戒合作备忘录": (None, {}),
        "关于对文化市场领域严重违法失信市场主体及有关人员开展联合惩戒的合作备忘录": (None, {}),
        "关于对严重违法失信超限超载运输车辆相关责任主体实施联合惩戒的合作备忘录": (
            None,
            {
                "关于对严重违法失信超限超载运输车辆相关责任主体实施联合惩戒的合作备忘录的通知": NOTICE,  # noqa: E501
                "关于对严重违法失信超限超载运输车辆相关责任主体实施联合惩戒的合作": TRUNCATED,
            },
        ),
        "关于对知识产权（专利）领域严重失信主体开展联合惩戒的合作备忘录": (
            None,
            {
                "关于对知识产权(专利)领域严重违法失信主体开展联合惩戒的合作备忘录": "多“违法”二字",
            },
        ),
        "关于对对外经济合作领域严重失信主体开展联合惩戒的合作备忘录": (None, {}),
        "关于对公共资源交易领域严重失信主体开展联合惩戒的备忘录": (
            None,
            {
                "关于对公共资源交易领域严重失信主体开展联合惩戒的合作备忘录": "多“合作”二字",
                "关于对公共资源交易领域严重失信主体开展联合惩戒的": TRUNCATED,
            },
        ),
        "关于对严重拖欠农民工工资用人单位及其有关人员开展联合惩戒的合作备忘录": (
            None,
            {"关于严重拖欠农民工工资用人单位及其有关人员开展联合惩戒的合作备忘录": "缺“对”字"},
        ),
        "关于对旅游领域严重失信相关责任主体实施联合惩戒的合作备忘录": (None, {}),
        "关于对农资领域严重失信生产经营单位及其有关人员开展联合惩戒的合作备忘录": (
            None,
            {
                "关于对农资领域严重失信生产经营单位及其有关人员开展联合惩戒的合作备忘录的通知": NOTICE,  # noqa: E501
                "关于对农资领域严重失信生产经营单位及其有关人员开展联合惩戒的合作备忘录的": TRUNCATED,  # noqa: E501
                "关于对农资领域严重失信生产经营单位及其有关人员开展联合": TRUNCATED,
            },
        ),
        "关于失信企业协同监管和联合惩戒合作备忘录": (
            None,
            {
                "关于失信企业协同监管和联合惩戒合作备忘录的通知": NOTICE,
                "失信企业协同监管和联合惩戒合作备忘录": "缺“关于”",
            },
        ),
        "关于对严重质量违法行为当事人实施联合惩戒的合作备忘录": (
            None,
            {
                "关于对严重质量违法行为当事人实施联合惩戒的合作备忘录的通知": NOTICE,
                "关于对严重违法质量违法行为当事人实施联合惩戒的合作备忘录的通知": "多“违法”二字，带“的通知”",  # noqa: E501
                "关于对严重违法违法行为当事人实施联合惩戒的合作备忘录的通知": "“质量”误为“违法”，带“的通知”",  # noqa: E501
            },
        ),
        "关于对慈善捐赠领域相关主体实施守信联合激励和失信联合惩戒的合作备忘录": (
            None,
            {"关于对慈善捐赠领域相关主体实施守信联合激励和失信联合惩戒": TRUNCATED},
        ),
        "关于在电子认证服务行业实施守信联合激励和失信联合惩戒的合作备忘录": (
            None,
            {"关于在电子认证服务行业实施守信联合激励和失信联合惩戒的": TRUNCATED},
        ),
        "关于对盐行业生产经营严重失信者开展联合惩戒的合作备忘录": (None, {}),
        "关于对石油天然气行业严重违法失信主体实施联合惩戒的合作备忘录": (
            None,
            {"关于对石油天然气行业严重违法失信主体": TRUNCATED},
        ),
        "关于对出入境检验检疫企业实施守信联合激励和失信联合惩戒的合作备忘录": (None, {}),
        "关于对食品药品生产经营严重失信者开展联合惩戒的合作备忘录": (
            None,
            {"关于对食品药品生产经营严重失信者开展联合惩戒的合作备忘录的通知": NOTICE},
        ),
        "关于对重大税收违法案件当事人实施联合惩戒措施的合作备忘录（2016版）": (
            None,
            {"关于对重大税收违法案件当事人实施联合惩戒措施的合作备忘录(2016版)的通知": NOTICE},
        ),
        "关于对安全生产领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录": (
            None,
            {
                "关于对安全生产领域失信生产经营单位及有关人员开展联合惩戒的合作备忘录的通知": "缺“其”字，带“的通知”",  # noqa: E501
            },
        ),
        "关于对运输物流行业严重违法失信市场主体及其有关人员实施联合惩戒的合作备忘录": (None, {}),
        "关于对违法失信上市公司相关责任主体实施联合惩戒措施合作备忘录": (
            None,
            {"关于对违法失信上市公司相关责任主体实施联合惩戒措施合作备忘录的通知": NOTICE},
        ),
        "关于对政府采购领域严重违法失信主体开展联合惩戒的合作备忘录": (None, {}),
        "关于对海关失信企业实施联合惩戒的合作备忘录": (
            None,
            {"关于对海关失信企业实施联合惩戒的合作备忘录的通知": NOTICE},
        ),
        "关于对电力行业严重违法失信市场主体及其有关人员实施联合惩戒的合作备忘录": (None, {}),
    },
    NEIMENGGU: {
        "内蒙古自治区关于对工程建设项目审批制度相关失信责任主体实施联合惩戒的合作备忘录": (
            "内社信办字〔2020〕3号",
            {},
        ),
    },
    KUNSHAN: {
        "关于落实对失信被执行人联合惩戒机制的实施意见（试行）": ("昆办发〔2017〕135号", {}),
    },
}

# --------------------------------------------------------------------------------------
# Initiators (发起部门): per jurisdiction. canonical → {variant: reason}. Cells that name
# several departments are one initiator, kept as written; an initiator that is one of the
# jurisdiction's own departments uses that department's canonical name.
# --------------------------------------------------------------------------------------
NEIMENGGU_INITIATOR = (
    "自治区发展改革委、住建厅、科技厅、工信厅、司法厅、财政厅、人社厅、自然资源厅、生态环境厅、"
    "水利厅、应急管理厅、市场监管局、税务局、能源局、林草局、地方金融监管局、人防办、政务服务局、"
    "档案局、文物局、通信管理局、地震局、证监局等23个部门"
)
KUNSHAN_INITIATOR = "中共昆山市委办公室、昆山市人民政府办公室"

INITIATORS: dict[str, dict[str, dict[str, str]]] = {
    LIUZHOU: {
        "柳州银保监分局": {},
        "市财政局": {},
        "市住房城乡建设局": {},
        "市商务局": {},
        "市生态环境局": {},
        "民政部": {},
        "市科技局": {},
        "市人力资源社会保障局、市医保局": {"市人力资源保障局、市医保局": "缺“社会”二字"},
        "银监会、证监会、保监会、最高人民法院": {
            "证监会、银监会、保监会、最高人民法院": "顺序不同",
            "银监会、保监会、证监会、最高人民法院": "顺序不同",
            "证监会、保监会、银监会、最高法院": "顺序不同，“最高人民法院”简称",
            "证监局、保监局、银监局、最高人民法院": "顺序不同，“会”写作“局”",
            "证监会、银监会、保监会、最高人民": "顺序不同，截断",
        },
        "市中级人民法院": {},
        "市统计局": {},
        "国家卫生健康委": {},
        "市文化广电旅游局": {
            "市文化广电和旅游局": "多“和”字",
            "市文化和旅游局": "缺“广电”二字",
            "市文化旅游局": "缺“广电”二字",
        },
        "市交通运输局": {},
        "市市场监管局": {},
        "商务部、外交部": {"商务部": "缺“外交部”（同一备忘录其余各行均为“商务部、外交部”）"},
        "市住房城乡建设局、市交通运输局、市水利局": {
            "市住房城乡建设局、市交通运输局、": TRUNCATED,
            "市住房城乡建设局、市交通运输局": "缺“市水利局”（同一备忘录其余各行均有）",
            "市住房城乡建设局、市交通运输局、市水利": TRUNCATED,
        },
        "市人力资源社会保障局": {},
        "文化和旅游部": {"文化和旅游局": "“部”误为“局”"},
        "农业农村部": {},
        "国家市场监督管理总局": {"国家市场监管总局": "简称"},
        "市民政局": {},
        "工业和信息化部": {
            "工业和信息化局": "“部”误为“局”（同一备忘录其余各行均为“工业和信息化部”）",
            "工业信息化部": "缺“和”字",
        },
        "工业和信息化部、国家市场监督管理总局": {},
        "国家发展改革委、国家市场监督管理总局": {},
        "中华人民共和国海关总署": {},
        "市税务局": {},
        "市应急局": {},
        "中国证监会及其派出机构": {},
        "财政部": {},
        "柳州海关": {},
        "市卫生健康委": {},
        "市住房城乡建设局、市商务局": {},
    },
    NEIMENGGU: {NEIMENGGU_INITIATOR: {}},
    KUNSHAN: {KUNSHAN_INITIATOR: {"市委办公室  市政府办公室": "发文机关简称（第3行）"}},
}

INITIATOR_SHORT_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    NEIMENGGU: {NEIMENGGU_INITIATOR: ("自治区发展改革委等23个部门", "23个部门")},
    KUNSHAN: {KUNSHAN_INITIATOR: ("市委办公室、市政府办公室", "昆山市委办公室、昆山市政府办公室")},
}


# --------------------------------------------------------------------------------------
# Departments (实施部门): per jurisdiction.
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Department:
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "department"  # department | signatory | generic
    # variants the sources write, with their reason (the lines come from the sources)
    variants: dict[str, str] = field(default_factory=dict)


def _d(name: str, *aliases: str) -> Department:
    return Department(name, aliases)


# 柳州: the 48 section headings are the canonical names.
LIUZHOU_DEPARTMENTS = (
    _d("市委组织部", "组织部", "中共柳州市委组织部"),
    _d("市委宣传部", "宣传部", "中共柳州市委宣传部"),
    _d("市委编办", "编办", "市编办", "市委机构编制委员会办公室"),
    _d("市委统战部", "统战部", "中共柳州市委统战部"),
    _d("市委文明办", "文明办", "市文明办"),
    _d("市委网信办", "网信办", "市网信办", "市互联网信息办公室"),
    _d("市中级人民法院", "中级人民法院", "市中院", "中院"),
    _d("市人民检察院", "人民检察院", "市检察院", "检察院"),
    _d("市发展改革委", "发展改革委", "市发改委", "发改委", "市发展和改革委员会"),
    _d("市工业和信息化局", "工业和信息化局", "市工信局", "工信局"),
    _d("市教育局", "教育局"),
    _d("市科技局", "科技局", "市科学技术局"),
    _d("市公安局", "公安局"),
    _d("市民政局", "民政局"),
    _d("市司法局", "司法局"),
    _d("市财政局", "财政局"),
    _d(
        "市人力资源社会保障局",
        "人力资源社会保障局",
        "市人力资源和社会保障局",
        "人力资源和社会保障局",
        "市人社局",
        "人社局",
    ),
    _d("市自然资源和规划局", "自然资源和规划局", "市自然资源局", "自然资源局"),
    _d("市生态环境局", "生态环境局"),
    Department(
        "市住房城乡建设局",
        ("住房城乡建设局", "住房和城乡建设局", "市住建局", "住建局"),
        variants={"市住房和城乡建设局": "多“和”字"},
    ),
    _d("市交通运输局", "交通运输局", "市交通局"),
    _d("市水利局", "水利局"),
    _d("市商务局", "商务局"),
    _d(
        "市文化广电旅游局", "文化广电旅游局", "市文化广电和旅游局", "文化广电和旅游局", "市文广旅局"
    ),
    _d("市卫生健康委", "卫生健康委", "市卫健委", "卫健委", "市卫生健康委员会"),
    _d("市应急局", "应急局", "市应急管理局", "应急管理局"),
    _d("市市场监管局", "市场监管局", "市场监督管理局", "市市场监督管理局"),
    _d("市体育局", "体育局"),
    _d("市统计局", "统计局"),
    _d("市林业和园林局", "林业和园林局"),
    _d("市国资委", "国资委"),
    Department(
        "人民银行柳州市中心支行",
        ("人民银行", "中国人民银行柳州市中心支行", "人民银行柳州中心支行"),
        variants={"人民银行的柳州市中心支行": "多“的”字"},
    ),
    _d("柳州银保监分局", "银保监分局", "中国银保监会柳州监管分局"),
    _d("市税务局", "税务局", "国家税务总局柳州市税务局"),
    _d("柳州海关", "海关"),
    _d("市国安局", "国安局", "市国家安全局"),
    _d("市总工会", "总工会"),
    _d("团市委", "共青团柳州市委"),
    _d("市妇联", "妇联"),
    _d("市工商联", "工商联"),
    _d("市贸促会", "贸促会"),
    _d("市机关事务管理局", "机关事务管理局", "市机关事务局"),
    _d("市供销社", "供销社"),
    _d("市行政审批局", "行政审批局"),
    _d("市城管执法局", "城管执法局"),
    _d("市农业农村局", "农业农村局"),
    _d("市公积金管理中心", "公积金管理中心", "市住房公积金管理中心"),
    _d("市医保局", "医保局", "市医疗保障局", "医疗保障局"),
)


def _s(name: str, written: str, *aliases: str) -> Department:
    return Department(name, (written, *aliases), "signatory")


# 内蒙古: the memorandum's 23 signatories in its own order (lines 15 and 28), with their full
# names; the short form the memorandum writes is the first alias.
NEIMENGGU_DEPARTMENTS = (
    _s("自治区发展和改革委员会", "发展改革委", "自治区发展改革委", "自治区发改委", "发改委"),
    _s("自治区住房和城乡建设厅", "住建厅", "自治区住建厅", "住房和城乡建设厅", "住房城乡建设厅"),
    _s("自治区科学技术厅", "科技厅", "自治区科技厅"),
    _s("自治区工业和信息化厅", "工信厅", "自治区工信厅", "工业和信息化厅"),
    _s("自治区司法厅", "司法厅"),
    _s("自治区财政厅", "财政厅"),
    _s(
        "自治区人力资源和社会保障厅",
        "人社厅",
        "自治区人社厅",
        "人力资源和社会保障厅",
        "人力资源社会保障厅",
    ),
    _s("自治区自然资源厅", "自然资源厅"),
    _s("自治区生态环境厅", "生态环境厅"),
    _s("自治区水利厅", "水利厅"),
    _s("自治区应急管理厅", "应急管理厅", "应急厅"),
    _s("自治区市场监督管理局", "市场监管局", "市场监督管理局", "自治区市场监管局"),
    _s("国家税务总局内蒙古自治区税务局", "税务局", "自治区税务局", "内蒙古自治区税务局"),
    _s("自治区能源局", "能源局"),
    _s("自治区林业和草原局", "林草局", "自治区林草局", "林业和草原局"),
    _s("自治区地方金融监督管理局", "地方金融监管局", "自治区地方金融监管局", "地方金融监督管理局"),
    _s("自治区人民防空办公室", "人防办", "自治区人防办", "人民防空办公室"),
    _s("自治区政务服务局", "政务服务局"),
    _s("自治区档案局", "档案局"),
    _s("自治区文物局", "文物局"),
    _s("内蒙古自治区通信管理局", "通信管理局", "自治区通信管理局"),
    _s("内蒙古自治区地震局", "地震局", "自治区地震局"),
    _s("中国证券监督管理委员会内蒙古监管局", "证监局", "内蒙古证监局"),
)

# 昆山: the units of 附件3 (the joint punishment member units) and the other units named in
# 附件2 and the body, under the fullest name the document gives them. A short name written
# after a `市…、` item in the same comma group is that `市` unit (`市法院、教育局` → 市教育局),
# so the 市 form counts as written; units that 附件3 lists in its group without 市 (人民银行,
# 海关, 出入境检验检疫局, 中国移动, 中国联通, 总工会, 团市委) keep the name as written.
KUNSHAN_DEPARTMENTS = (
    _d("市人大办公室", "市人大办", "人大办公室", "人大办"),
    _d("市人大各工委", "各工委", "人大各工委"),
    _d("市政协办公室", "市政协办", "政协办公室", "政协办"),
    _d("市政协各专委", "各专委", "政协各专委"),
    _d("市委组织部", "组织部"),
    _d(
        "市委宣传部（文明办）",
        "市委宣传部",
        "宣传部",
        "宣传部（文明办）",
        "市文明办",
        "文明办",
        "市委文明办",
    ),
    _d("市委统战部", "统战部"),
    _d("市委农办", "农办"),
    _d("市委编办", "市编办", "编办"),
    _d("市委机关工委", "机关工委"),
    _d("市人武部", "人武部", "市委人武部"),
    _d("市人民法院", "市法院", "法院", "人民法院"),
    _d("市人民检察院", "市检察院", "检察院", "人民检察院"),
    _d("市发改委", "发改委", "市发展改革委", "发展改革委"),
    _d("市经信委", "经信委"),
    _d("市教育局", "教育局"),
    _d("市科技局", "科技局"),
    _d("市公安局", "公安局"),
    _d("市民政局", "民政局"),
    _d("市司法局", "司法局"),
    _d("市财政局", "财政局"),
    _d("市人社局", "人社局", "市人力资源社会保障局", "人力资源社会保障局"),
    _d("市国土资源局", "国土资源局", "市国土局", "国土局"),
    _d(
        "市住建局",
        "住建局",
        "市住房城乡建设局",
        "住房城乡建设局",
        "市住房和城乡建设局",
        "住房和城乡建设局",
    ),
    _d("市交通运输局", "交通运输局"),
    _d("市水利局", "水利局"),
    _d("市农委", "农委"),
    _d("市商务局", "商务局"),
    _d("市文广新局", "文广新局"),
    _d("市体育局", "体育局"),
    _d("市卫计委", "卫计委"),
    _d("市环保局", "环保局"),
    _d("市旅游局", "旅游局"),
    _d("市安监局", "安监局"),
    _d("市市场监督管理局", "市场监督管理局", "市场监管局", "市市场监管局"),
    _d("市物价局", "物价局"),
    _d("市粮食局", "粮食局"),
    _d("市法制办", "法制办"),
    _d("市国资办", "国资办"),
    _d("市政务办", "政务办"),
    _d("市公共资源交易中心", "公共资源交易中心"),
    _d(
        "市信用办（市公共信用信息中心）",
        "市信用办",
        "信用办",
        "市公共信用信息中心",
        "公共信用信息中心",
    ),
    _d("总工会", "市总工会"),
    _d("团市委"),
    _d("市工商联", "工商联"),
    _d("昆山海关", "海关"),
    _d("出入境检验检疫局", "昆山出入境检验检疫局"),
    _d("人民银行"),
    _d("市银监办", "银监办"),
    _d("市国税局", "国税局"),
    _d("市地税局", "地税局"),
    _d("市电信局", "电信局"),
    _d("中国移动"),
    _d("中国联通"),
    # Generic holders: cells that name a kind of department instead of (or after) named
    # ones. Each is a department entry of its own, so that a clerk can find these measures.
    Department("市各市场监管、行业主管部门", ("各市场监管、行业主管部门",), "generic"),
    Department("具有金融机构任职资格核准职能的部门", (), "generic"),
    Department("各类财政和社会保障资金管理部门", (), "generic"),
    Department("其他有关单位", ("有关单位", "相关部门", "有关部门", "其他相关部门"), "generic"),
)

DEPARTMENTS = {
    LIUZHOU: LIUZHOU_DEPARTMENTS,
    NEIMENGGU: NEIMENGGU_DEPARTMENTS,
    KUNSHAN: KUNSHAN_DEPARTMENTS,
}


def _named(prefix: str, *names: str) -> tuple[str, ...]:
    """Each name as said alone and with the jurisdiction's level in front (工商局, 市工商局)."""
    return tuple(form for name in names for form in (name, prefix + name))


# Names of a department before or after an institutional reform (机构改革), so that a clerk
# who says 工商局 finds today's 市场监管局. Only renamings with one successor among the
# jurisdiction's departments: names whose functions went to several departments (物价局:
# 发展改革委 and 市场监管局) or to a department the catalog lists separately (昆山 市法制办 →
# 市司法局) are left out. 柳州 and 内蒙古 write today's names, so the former names lead there;
# 昆山's document (2017) writes the names before the 2019 reform, so today's names lead to
# the department as the document names it. Reforms: 2009–10 人力资源和社会保障 (人事 +
# 劳动和社会保障), 2013 卫生和计划生育, 2014–15 市场监管 (昆山) and 2018–19 (工商 + 质监 +
# 食药监 → 市场监管, 国税 + 地税 → 税务, 国土 + 规划 → 自然资源, 安监 → 应急管理, 环保 →
# 生态环境, 卫计 → 卫生健康, 法制办 → 司法, 出入境检验检疫 → 海关, 文广新 + 旅游 → 文化和旅游,
# 经信 → 工业和信息化, 农业 → 农业农村, 林业 → 林业和草原), 2023 银保监 → 金融监管总局, 2024
# 人民银行中心支行 → 分行.
RENAMED_DEPARTMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    LIUZHOU: {
        "市市场监管局": _named(
            "市",
            "工商局",
            "工商行政管理局",
            "质监局",
            "质量技术监督局",
            "食药监局",
            "食品药品监管局",
            "食品药品监督管理局",
        ),
        "市税务局": (
            *_named("市", "国税局", "国家税务局", "地税局", "地方税务局"),
            "柳州市国家税务局",
            "柳州市地方税务局",
        ),
        "市人力资源社会保障局": _named("市", "人事局", "劳动局", "劳动和社会保障局", "劳动保障局"),
        "市自然资源和规划局": _named("市", "国土资源局", "国土局", "规划局"),
        "市应急局": _named("市", "安监局", "安全生产监督管理局"),
        "市生态环境局": _named("市", "环保局", "环境保护局"),
        "市卫生健康委": _named("市", "卫计委", "卫生和计划生育委员会", "卫生局"),
        "市司法局": _named("市", "法制办", "政府法制办公室"),
        "柳州海关": ("出入境检验检疫局", "检验检疫局", "柳州出入境检验检疫局"),
        "市文化广电旅游局": _named(
            "市", "文广新局", "文化新闻出版广电局", "文化局", "旅游局", "旅游发展委员会"
        ),
        "市工业和信息化局": _named("市", "经信委", "工信委", "工业和信息化委员会"),
        "市农业农村局": _named("市", "农业局", "农委"),
        "市林业和园林局": _named("市", "林业局"),
        "柳州银保监分局": (
            "柳州银监分局",
            "银监分局",
            "国家金融监督管理总局柳州监管分局",
            "金融监管分局",
        ),
        "人民银行柳州市中心支行": ("中国人民银行柳州市分行", "人民银行柳州市分行"),
    },
    NEIMENGGU: {
        "自治区市场监督管理局": _named(
            "自治区",
            "工商局",
            "工商行政管理局",
            "质监局",
            "质量技术监督局",
            "食药监局",
            "食品药品监督管理局",
        ),
        "国家税务总局内蒙古自治区税务局": (
            "国税局",
            "地税局",
            "内蒙古自治区国家税务局",
            "内蒙古自治区地方税务局",
            "自治区国税局",
            "自治区地税局",
        ),
        "自治区人力资源和社会保障厅": _named(
            "自治区", "人事厅", "劳动厅", "劳动和社会保障厅", "劳动保障厅"
        ),
        "自治区自然资源厅": _named("自治区", "国土资源厅", "国土厅"),
        "自治区应急管理厅": _named("自治区", "安监局", "安全生产监督管理局"),
        "自治区生态环境厅": _named("自治区", "环保厅", "环境保护厅"),
        "自治区林业和草原局": _named("自治区", "林业厅"),
        "自治区工业和信息化厅": _named("自治区", "经信委", "经济和信息化委员会"),
        "自治区司法厅": _named("自治区", "法制办", "政府法制办公室"),
        "自治区住房和城乡建设厅": _named("自治区", "建设厅"),
    },
    KUNSHAN: {
        "市市场监督管理局": _named(
            "市",
            "工商局",
            "工商行政管理局",
            "质监局",
            "质量技术监督局",
            "食药监局",
            "食品药品监督管理局",
        ),
        "市国土资源局": _named("市", "自然资源和规划局", "自然资源局"),
        "市安监局": _named("市", "应急管理局", "应急局", "安全生产监督管理局"),
        "市环保局": (*_named("市", "生态环境局", "环境保护局"), "苏州市昆山生态环境局"),
        "市卫计委": _named("市", "卫生健康委", "卫健委", "卫生健康委员会", "卫生和计划生育委员会"),
        "市经信委": _named("市", "工业和信息化局", "工信局", "经济和信息化委员会"),
        "市农委": _named("市", "农业农村局", "农业委员会"),
        "市电信局": ("中国电信",),
    },
}

# 昆山 department cells end with a generic holder after `等`; the named units before it are
# kept and the tail becomes the generic department (longest tail first).
KUNSHAN_GENERIC_TAILS = (
    ("等市各市场监管、行业主管部门", "市各市场监管、行业主管部门"),
    ("等具有金融机构任职资格核准职能的部门", "具有金融机构任职资格核准职能的部门"),
    ("等各类财政和社会保障资金管理部门", "各类财政和社会保障资金管理部门"),
    ("等有关单位", "其他有关单位"),
    ("等相关部门", "其他有关单位"),
    ("等部门", "其他有关单位"),
    ("等", "其他有关单位"),
)
# A whole cell that is a generic holder (it contains `、`, so it must not be split).
KUNSHAN_GENERIC_CELLS = {"市各市场监管、行业主管部门": "市各市场监管、行业主管部门"}


# --------------------------------------------------------------------------------------
# Text corrections
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextRepair:
    expected: str  # the text as written (after removing conversion spaces)
    replacement: str
    reason: str


# (document, line, label) → repair of a measure text that the conversion cut short. Only
# completions that leave no doubt: the missing character finishes a phrase the same
# document writes in full elsewhere (参加政府采购活动, 消费实行限额控制).
TEXT_REPAIRS = {
    (LIUZHOU_DOCUMENT, 1617, "(三)"): TextRepair(
        "对失信被执行人在获得旅游等级评定的度假区内或旅游企业内消费实行限额控制。"
        "宣传告知获得旅游等级评定的度假区内或旅游企业对失信被执行人试行消费限额控",
        "对失信被执行人在获得旅游等级评定的度假区内或旅游企业内消费实行限额控制。"
        "宣传告知获得旅游等级评定的度假区内或旅游企业对失信被执行人试行消费限额控制",
        "末尾被截断（“限额控”缺“制”）",
    ),
    (LIUZHOU_DOCUMENT, 1618, "(四)"): TextRepair(
        "依法限制失信被执行人作为供应商参加政府采购活",
        "依法限制失信被执行人作为供应商参加政府采购活动",
        "末尾被截断（“采购活”缺“动”）",
    ),
    (LIUZHOU_DOCUMENT, 1627, "(九)"): TextRepair(
        "依法在一定时期内禁止作为供应商参加政府采购活",
        "依法在一定时期内禁止作为供应商参加政府采购活动",
        "末尾被截断（“采购活”缺“动”）",
    ),
}


@dataclass(frozen=True)
class FragmentRepair:
    """Lines whose text the conversion duplicated across a page break, and the one text."""

    document: str
    lines: tuple[int, ...]
    expected: tuple[str, ...]
    replacement: str
    reason: str


# 001 lines 169–171: item (19) ends on line 169 with `…五一劳动奖章等荣誉。`; the next page
# repeats the tail of that sentence, `动奖章等荣誉称号，已获得荣誉称号的予以撤销；`. The
# overlap `动奖章等荣誉` shows where the sentence continues; the full sentence is the
# national memorandum's (柳州's list quotes it at 000 line 2806).
FRAGMENT_REPAIRS = (
    FragmentRepair(
        NEIMENGGU_DOCUMENT,
        (169, 171),
        (
            "(19) 对失信生产经营单位，不得授予文明单位等荣誉称号，已获得荣誉称号的予以撤销；"
            "对失信生产经营单位法定代表人、主要负责人和直接责任人，不得授予道德模范、五一劳动奖章等荣誉。",
            "动奖章等荣誉称号，已获得荣誉称号的予以撤销；",
        ),
        "对失信生产经营单位，不得授予文明单位等荣誉称号，已获得荣誉称号的予以撤销；"
        "对失信生产经营单位法定代表人、主要负责人和直接责任人，不得授予道德模范、五一劳动奖章等"
        "荣誉称号，已获得荣誉称号的予以撤销；",
        "分页处重复了句子的后半部分（“动奖章等荣誉”），第169行的“荣誉。”与第171行接续为一句",
    ),
)

# Things noticed in the sources and deliberately left as written (reported, not repaired).
SOURCE_NOTES = (
    Anomaly(
        "source_note",
        LIUZHOU_DOCUMENT,
        (738,),
        "市公安局：统计领域条目措施(二)以“由人民法院依法限制或者通知”结尾，似被截断；"
        "补全方式不能确定，按原文保留",
    ),
    Anomaly(
        "source_note",
        LIUZHOU_DOCUMENT,
        (295,),
        "市委网信办：盐行业条目措施(一)的文字写的是“食品药品生产经营严重失信者名单”"
        "（与上一条目相同），疑为原文复制错误，按原文保留",
    ),
    Anomaly(
        "source_note",
        LIUZHOU_DOCUMENT,
        (3107,),
        "市机关事务管理局：婚姻登记条目措施为“作为政府采购供应商 的审慎性参考”，"
        "其他部门同一措施为“政府采购供应商、选聘评审专家的审慎性参考”，按原文保留（仅删除空格）",
    ),
)


# --------------------------------------------------------------------------------------
# The reconciler: written names → canonical names, with every alias and its lines
# --------------------------------------------------------------------------------------
@dataclass
class AliasRow:
    alias: str
    seen: dict[str, list[int]]  # document → lines; empty for table short forms


@dataclass
class Canonical:
    name: str
    aliases: dict[str, AliasRow] = field(default_factory=dict)  # alias key → row


class Namespace:
    """Canonical names of one kind (in one jurisdiction, or global for categories)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.canonical: dict[str, Canonical] = {}  # name → Canonical, in table order
        self.by_key: dict[str, str] = {}  # any accepted key → canonical name
        self.reasons: dict[str, str] = {}  # variant key → reason
        self.variant_keys: dict[str, str] = {}  # variant key → variant as listed
        self.used: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )  # canonical → written → document → lines

    def add(
        self, name: str, aliases: tuple[str, ...] = (), variants: dict[str, str] | None = None
    ) -> None:
        if name not in self.canonical:
            self.canonical[name] = Canonical(name)
        self._accept(name, name)
        for alias in aliases:
            self._accept(alias, name)
            self.canonical[name].aliases.setdefault(name_key(alias), AliasRow(alias, {}))
        for variant, reason in (variants or {}).items():
            self._accept(variant, name)
            self.reasons.setdefault(name_key(variant), reason)
            self.variant_keys[name_key(variant)] = variant

    def _accept(self, written: str, name: str) -> None:
        key = name_key(written)
        owner = self.by_key.get(key)
        if owner is not None and owner != name:
            raise DataError(
                f"对照表错误：{self.label}“{written}”同时对应“{owner}”和“{name}”，"
                "请修改 reconcile.py。"
            )
        self.by_key[key] = name

    def resolve(self, written: str) -> str | None:
        return self.by_key.get(name_key(written))

    def record(self, written: str, name: str, document: str, line: int) -> None:
        self.used[name][written][document].append(line)

    def unused_variants(self) -> list[str]:
        """Variants listed in the tables that no source writes (stale table rows)."""
        seen = {name_key(written) for forms in self.used.values() for written in forms}
        return [variant for key, variant in self.variant_keys.items() if key not in seen]

    def rows(self) -> dict[str, Canonical]:
        """Canonical names with their aliases: the name itself first, table short forms, then
        every written form with the documents and lines where it was seen."""
        for name, canonical in self.canonical.items():
            canonical.aliases = {name_key(name): AliasRow(name, {}), **canonical.aliases}
        for name, written_forms in self.used.items():
            canonical = self.canonical[name]
            for written, seen in written_forms.items():
                key = name_key(written)
                row = canonical.aliases.get(key)
                if row is None or (not row.seen and row.alias != name):
                    # the first written form of a key names the alias; its lines are merged
                    row = canonical.aliases[key] = AliasRow(written, {})
                for document, lines in seen.items():
                    row.seen.setdefault(document, []).extend(lines)
        return self.canonical


NAME_KINDS = {
    "department": "实施部门",
    "category": "联合惩戒对象",
    "basis": "实施依据",
    "initiator": "发起部门",
}


class Reconciler:
    """Maps written names to canonical ones and remembers where each spelling was seen."""

    def __init__(self) -> None:
        self.categories = Namespace("联合惩戒对象")
        for name, variants in CATEGORIES.items():
            self.categories.add(name, CATEGORY_SHORT_FORMS.get(name, ()), variants)
        for domain in NEIMENGGU_DOMAINS:
            if domain.category not in CATEGORIES:
                raise DataError(
                    f"对照表错误：领域“{domain.heading}”的对象“{domain.category}”"
                    "不在 CATEGORIES 中。"
                )
            self.categories.add(
                domain.category, domain.aliases, {domain.heading: "内蒙古备忘录的领域名称"}
            )
        self.departments: dict[str, Namespace] = {}
        self.bases: dict[str, Namespace] = {}
        self.initiators: dict[str, Namespace] = {}
        self.department_kinds: dict[tuple[str, str], str] = {}
        for jurisdiction in JURISDICTIONS:
            name = jurisdiction.name
            departments = self.departments[name] = Namespace(f"{name}实施部门")
            renamed = dict(RENAMED_DEPARTMENTS[name])
            for department in DEPARTMENTS[name]:
                aliases = department.aliases + renamed.pop(department.name, ())
                departments.add(department.name, aliases, department.variants)
                self.department_kinds[(name, department.name)] = department.kind
            if renamed:
                raise DataError(
                    f"对照表错误：RENAMED_DEPARTMENTS 中的“{'、'.join(renamed)}”"
                    f"不是{name}的实施部门，请修改 reconcile.py。"
                )
            bases = self.bases[name] = Namespace(f"{name}实施依据")
            for title, (_, variants) in BASES[name].items():
                bases.add(title, (), variants)
            initiators = self.initiators[name] = Namespace(f"{name}发起部门")
            for initiator, variants in INITIATORS[name].items():
                initiators.add(
                    initiator, INITIATOR_SHORT_FORMS.get(name, {}).get(initiator, ()), variants
                )

    def namespace(self, kind: str, jurisdiction: str) -> Namespace:
        if kind == "category":
            return self.categories
        return {"department": self.departments, "basis": self.bases, "initiator": self.initiators}[
            kind
        ][jurisdiction]

    def canonical(self, seen: NameSeen) -> str:
        """The canonical name of a written name; records where it was seen."""
        space = self.namespace(seen.kind, seen.jurisdiction)
        name = space.resolve(seen.written)
        if name is None:
            raise DataError(
                f"来源文件 {seen.document} 第{seen.line}行：{space.label}“{seen.written}”"
                "不在对照表中。措施目录未写入；若这是已知名称的另一种写法，"
                "请在 catalog_build/reconcile.py 中登记。"
            )
        space.record(seen.written, name, seen.document, seen.line)
        return name

    def lookup(self, kind: str, jurisdiction: str, written: str) -> str:
        """The canonical name of a written name, without recording where it was seen."""
        space = self.namespace(kind, jurisdiction)
        name = space.resolve(written)
        if name is None:
            raise DataError(
                f"{space.label}“{written}”不在对照表中。措施目录未写入；"
                "若这是已知名称的另一种写法，请在 catalog_build/reconcile.py 中登记。"
            )
        return name

    @staticmethod
    def error(measure: ParsedMeasure, problem: str) -> DataError:
        lines = "、".join(str(n) for n in measure.lines)
        return DataError(f"来源文件 {measure.document} 第{lines}行：{problem}。措施目录未写入。")

    @staticmethod
    def table_error(label: str, names: list[str]) -> DataError:
        return DataError(
            f"对照表中的{label}“{'、'.join(names)}”在来源文件中没有出现，"
            "请核对 catalog_build/reconcile.py 后再构建。措施目录未写入。"
        )

    def check_tables(self) -> None:
        """Every variant the tables list must occur in the sources."""
        spaces = [
            self.categories,
            *self.departments.values(),
            *self.bases.values(),
            *self.initiators.values(),
        ]
        for space in spaces:
            unused = space.unused_variants()
            if unused:
                raise self.table_error(f"{space.label}写法", unused)

    def alias_anomalies(self) -> list[Anomaly]:
        """One `alias` anomaly per written spelling that differs from its canonical name."""
        found = []
        spaces: list[tuple[str, str | None, Namespace]] = [("category", None, self.categories)]
        for jurisdiction in JURISDICTIONS:
            for kind in ("department", "basis", "initiator"):
                spaces.append((kind, jurisdiction.name, self.namespace(kind, jurisdiction.name)))
        for kind, jurisdiction, space in spaces:
            for name, written_forms in space.used.items():
                for written, seen in written_forms.items():
                    if written == name:
                        continue
                    for document, lines in seen.items():
                        reason = self._reason(space, written, name)
                        if kind == "category" and document == NEIMENGGU_DOCUMENT:
                            reason = "内蒙古备忘录的领域名称"
                        found.append(
                            Anomaly(
                                "alias",
                                document,
                                tuple(sorted(set(lines))),
                                f"{NAME_KINDS[kind]}“{written}”（{reason}）按“{name}”处理",
                                {
                                    "name_kind": kind,
                                    "jurisdiction": jurisdiction,
                                    "written": written,
                                    "canonical": name,
                                    "reason": reason,
                                },
                            )
                        )
        return found

    @staticmethod
    def _reason(space: Namespace, written: str, name: str) -> str:
        if re.sub(r"\s+", "", written) == name:
            return "转换造成的空格"
        if name_key(written) == name_key(name):
            return (
                "括号或全角/半角写法不同" if not re.search(r"\s", written) else "空格及括号写法不同"
            )
        reason = space.reasons.get(name_key(written))
        if reason is not None:
            return reason if not re.search(r"\s", written) else f"{reason}；转换造成的空格"
        for prefix in ("市委", "市"):
            if name == prefix + written:
                return f"承前省略“{prefix}”"
        return "简称"
