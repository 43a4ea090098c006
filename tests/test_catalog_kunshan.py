"""昆山 (004_….txt): 附件2's 41 measures and their departments, body section 三's 11 grouped
measures, 附件1's push-record layout and 附件3's member units."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app import paths
from desktop_app.models.catalog import Catalog
from desktop_app.models.catalog_build.documents import KUNSHAN_DOCUMENT

# Shared department cells, read from the document and expanded by hand: `市法院、教育局` means
# 市教育局; `…等有关单位` adds the generic holder 其他有关单位.
_C13_17 = [
    "市人大办公室",
    "市人大各工委",
    "市政协办公室",
    "市政协各专委",
    "市委组织部",
    "市委统战部",
    "市委机关工委",
    "市人武部",
    "市委编办",
    "市人社局",
]
_C22_27 = [
    "市人民法院",
    "市教育局",
    "市公安局",
    "市国土资源局",
    "市住建局",
    "市交通运输局",
    "市商务局",
    "市文广新局",
    "市旅游局",
    "市国资办",
    "市国税局",
    "市地税局",
]
_C31_33 = [
    "市发改委",
    "市经信委",
    "市民政局",
    "市住建局",
    "市安监局",
    "市市场监督管理局",
    "市粮食局",
]
_C34_37 = ["市民政局", "市司法局", "市交通运输局", "市农委", "市卫计委"]

ANNEX2 = {
    "（一）": (263, ["市银监办"]),
    "（二）": (
        266,
        [
            "市发改委",
            "市经信委",
            "市市场监督管理局",
            "人民银行",
            "市银监办",
            "具有金融机构任职资格核准职能的部门",
        ],
    ),
    "（三）": (269, ["市财政局", "市公共资源交易中心", "其他有关单位"]),
    "（四）": (272, ["市住建局", "市交通运输局", "市水利局", "市公共资源交易中心"]),
    "（五）": (275, ["市银监办"]),
    "（六）": (278, ["市国资办", "市财政局"]),
    "（七）": (281, ["人民银行", "市银监办"]),
    "（八）": (
        284,
        [
            "市委组织部",
            "市委农办",
            "市发改委",
            "市经信委",
            "市教育局",
            "市科技局",
            "市司法局",
            "市财政局",
            "市人社局",
            "市住建局",
            "市商务局",
            "市农委",
            "市水利局",
            "市文广新局",
            "市体育局",
            "市旅游局",
            "市卫计委",
            "市环保局",
            "市安监局",
            "市市场监督管理局",
            "市国资办",
            "各类财政和社会保障资金管理部门",
        ],
    ),
    "（九）": (
        287,
        [
            "市委农办",
            "市发改委",
            "市经信委",
            "市教育局",
            "市科技局",
            "市商务局",
            "市市场监督管理局",
            "市物价局",
            "昆山海关",
            "出入境检验检疫局",
            "市国税局",
            "市地税局",
            "其他有关单位",
        ],
    ),
    "（十）": (290, ["市各市场监管、行业主管部门"]),
    "（十一）": (293, ["市委组织部", "市市场监督管理局", "市国资办", "其他有关单位"]),
    "（十二）": (296, ["市委编办", "市民政局", "市安监局", "市市场监督管理局", "其他有关单位"]),
    "（十三）": (299, _C13_17),
    "（十四）": (301, _C13_17),
    "（十五）": (303, _C13_17),
    "（十六）": (305, _C13_17),
    "（十七）": (307, _C13_17),
    "（十八）": (310, ["市信用办（市公共信用信息中心）", "市人民法院", "市市场监督管理局"]),
    "（十九）": (313, ["市委宣传部（文明办）", "市文广新局"]),
    "（二十）": (
        316,
        ["市委宣传部（文明办）", "市民政局", "市市场监督管理局", "总工会", "团市委", "市工商联"],
    ),
    "（二十一）": (319, ["市发改委", "市科技局", "市商务局", "其他有关单位"]),
    "（二十二）": (322, _C22_27),
    "（二十三）": (324, _C22_27),
    "（二十四）": (326, _C22_27),
    "（二十五）": (328, _C22_27),
    "（二十六）": (330, _C22_27),
    "（二十七）": (332, _C22_27),
    "（二十八）": (335, ["市公安局"]),
    "（二十九）": (338, ["市发改委", "市国土资源局", "市农委"]),
    "（三十）": (341, ["昆山海关", "出入境检验检疫局"]),
    "（三十一）": (344, _C31_33),
    "（三十二）": (346, _C31_33),
    "（三十三）": (348, _C31_33),
    "（三十四）": (351, _C34_37),
    "（三十五）": (353, _C34_37),
    "（三十六）": (355, _C34_37),
    "（三十七）": (357, _C34_37),
    "（三十八）": (360, ["市公安局"]),
    "（三十九）": (363, ["市人民检察院", "市公安局", "市电信局", "中国移动", "中国联通"]),
    "（四十）": (366, ["市公安局", "市交通运输局"]),
    "（四十一）": (369, ["市人民法院", "市人民检察院", "市公安局"]),
}

BODY = {
    "（一）": (45, ["市发改委", "市经信委", "人民银行", "市银监办"]),
    "（二）": (
        46,
        [
            "市财政局",
            "市住建局",
            "市交通运输局",
            "市水利局",
            "市国资办",
            "市公共资源交易中心",
            "人民银行",
            "市银监办",
            "其他有关单位",
        ],
    ),
    "（三）": (
        47,
        [
            "市民政局",
            "市住建局",
            "市安监局",
            "市市场监督管理局",
            "昆山海关",
            "出入境检验检疫局",
            "其他有关单位",
        ],
    ),
    "（八）": (
        52,
        [
            "市委组织部",
            "市委统战部",
            "市委编办",
            "市委机关工委",
            "市人武部",
            "市财政局",
            "市人社局",
            "市国资办",
        ],
    ),
    "（十）": (54, ["市人民法院", "市人民检察院", "市公安局", "市交通运输局"]),
    "（十一）": (
        55,
        [
            "市委组织部",
            "市委统战部",
            "市委编办",
            "市委机关工委",
            "市人民法院",
            "市人民检察院",
            "市民政局",
            "市人社局",
            "市市场监督管理局",
            "市国资办",
        ],
    ),
}

TITLE = "关于落实对失信被执行人联合惩戒机制的实施意见（试行）"


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    with Catalog.open(paths.catalog_path()) as opened:
        yield opened


def _all(catalog: Catalog) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for department in catalog.departments("昆山"):
        for m in catalog.measures("昆山", department["name"]):
            seen[m["id"]] = catalog.measure(m["id"])  # type: ignore[assignment]
    return sorted(seen.values(), key=lambda m: m["source"]["lines"][0])


@pytest.fixture(scope="module")
def measures(catalog: Catalog) -> list[dict[str, Any]]:
    return _all(catalog)


def test_annex2_measures_and_their_departments(measures: list[dict[str, Any]]) -> None:
    annex2 = [m for m in measures if m["group"].startswith("附件2")]
    assert len(annex2) == 41
    found = {m["label"]: (m["source"]["lines"][0], m["departments"]) for m in annex2}
    assert found == ANNEX2


def test_body_section_three_measures_and_their_departments(measures: list[dict[str, Any]]) -> None:
    body = [m for m in measures if m["group"] == "三、加强对失信被执行人联合惩戒"]
    assert [m["label"] for m in body] == [f"（{n}）" for n in "一二三四五六七八九十"] + ["（十一）"]
    found = {m["label"]: (m["source"]["lines"][0], m["departments"]) for m in body}
    for label, expected in BODY.items():
        assert found[label] == expected, label
    assert body[0]["text"] == (
        "加大对失信被执行人设立金融类机构的限制措施。限制设立融资性担保（再担保）公司，限制发起设立新型金融组织；"
        "供设立银行业金融机构及其分支机构审批时审慎性参考等。"
    )
    # 宣传部 and 文明办 are one member unit (附件3: 宣传部（文明办）); the generic
    # 市各市场监管、行业主管部门 is kept as a department of its own
    assert found["（五）"][1].count("市委宣传部（文明办）") == 1 and len(found["（五）"][1]) == 26
    assert found["（九）"][1][-1] == "市各市场监管、行业主管部门" and len(found["（九）"][1]) == 31


def test_department_to_measures_mapping(catalog: Catalog) -> None:
    def labels(department: str) -> list[str]:
        return [
            ("正文" if m["group"].startswith("三") else "附件2") + m["label"]
            for m in catalog.measures("昆山", department)
        ]

    assert labels("公安局") == [
        "正文（六）",
        "正文（七）",
        "正文（九）",
        "正文（十）",
        *(
            f"附件2{label}"
            for label in (
                "（二十二）",
                "（二十三）",
                "（二十四）",
                "（二十五）",
                "（二十六）",
                "（二十七）",
                "（二十八）",
                "（三十八）",
                "（三十九）",
                "（四十）",
                "（四十一）",
            )
        ),
    ]
    assert labels("市银监办") == [
        "正文（一）",
        "正文（二）",
        "正文（四）",
        "正文（七）",
        "正文（九）",
        "附件2（一）",
        "附件2（二）",
        "附件2（五）",
        "附件2（七）",
    ]
    assert labels("文明办") == ["正文（五）", "附件2（十九）", "附件2（二十）"]
    assert labels("市各市场监管、行业主管部门") == ["正文（九）", "附件2（十）"]
    assert labels("各工委") == [f"附件2（{n}）" for n in ("十三", "十四", "十五", "十六", "十七")]
    assert labels("市体育局") == ["附件2（八）"]
    assert catalog.measures("昆山", "市政务办") == []  # a member unit with no measure


def test_basis_category_and_initiator(measures: list[dict[str, Any]]) -> None:
    assert len(measures) == 52
    assert {(m["basis"], m["basis_doc_no"]) for m in measures} == {(TITLE, "昆办发〔2017〕135号")}
    assert {m["category"] for m in measures} == {"失信被执行人"}
    assert {m["initiator"] for m in measures} == {"中共昆山市委办公室、昆山市人民政府办公室"}
    assert all(not m["by_remit"] and m["source"]["document"] == KUNSHAN_DOCUMENT for m in measures)


def test_push_record_layout(catalog: Catalog) -> None:
    layout = catalog.list_layout()
    assert [f["position"] for f in layout] == list(range(1, 23))
    assert [f["name"] for f in layout] == [
        "信息唯一标识",
        "案号",
        "失信被执行人姓名/名称",
        "性别",
        "年龄",
        "身份证号码/组织机构代码",
        "多证件列表",
        "企业法定代表人姓名",
        "执行法院",
        "地域ID",
        "地域名称",
        "标识自然人或企业法人",
        "执行依据文号",
        "作出执行依据单位",
        "法律生效文书确定的义务",
        "被执行人的履行情况",
        "失信被执行人具体情形",
        "发布时间",
        "立案时间",
        "已履行部分",
        "未履行部分",
        "撤销时间",
    ]
    assert [f["name"] for f in layout if f["optional"]] == [
        "年龄",
        "地域ID",
        "地域名称",
        "已履行部分",
    ]


def test_member_units(catalog: Catalog) -> None:
    members = catalog.member_units("昆山")
    assert len(members) == 50
    assert (members[0]["written"], members[0]["department"]) == ("市人大办", "市人大办公室")
    assert (members[3]["written"], members[3]["department"]) == (
        "宣传部（文明办）",
        "市委宣传部（文明办）",
    )
    assert [m["department"] for m in members[-3:]] == ["市电信局", "中国移动", "中国联通"]
    names = {d["name"] for d in catalog.departments("昆山")}
    assert {m["department"] for m in members} <= names


def test_cell_handling_is_reported(catalog: Catalog) -> None:
    anomalies = [a for a in catalog.anomalies() if a["document"] == KUNSHAN_DOCUMENT]
    duplicates = {
        a["lines"][0]: a["message"] for a in anomalies if a["kind"] == "duplicate_department"
    }
    assert "“交通运输局”重复列出" in duplicates[358]
    assert "“文明办”与“宣传部”是同一部门" in duplicates[49]
    generic = {
        a["lines"][0]: a["detail"]["generic"]
        for a in anomalies
        if a["kind"] == "generic_department"
    }
    assert generic[267] == "具有金融机构任职资格核准职能的部门"
    assert generic[285] == "各类财政和社会保障资金管理部门"
    assert generic[291] == generic[53] == "市各市场监管、行业主管部门"
    assert generic[320] == generic[270] == generic[288] == generic[297] == "其他有关单位"
    shared = sorted(a["lines"] for a in anomalies if a["kind"] == "shared_department_cell")
    assert shared == [[299, 308], [322, 333], [344, 349], [351, 358]]
    layout = sorted(a["lines"] for a in anomalies if a["kind"] == "layout_marker")
    assert layout == [[79, 80], [89, 90]]


def test_every_measure_line_of_the_document_is_one_measure(measures: list[dict[str, Any]]) -> None:
    text = (paths.sources_dir() / KUNSHAN_DOCUMENT).read_text("utf-8").split("\n")
    body = [n for n in range(45, 56) if text[n - 1].startswith("（")]
    annex2 = [
        n for n, line in enumerate(text, 1) if 257 < n < 373 and line.lstrip("\t").startswith("（")
    ]
    assert len(body) == 11 and len(annex2) == 41
    assert sorted(m["source"]["lines"][0] for m in measures) == body + annex2
