"""内蒙古 (001_….txt): 8 domains, their measures (group headings are not measures), joined
lines, the repaired page-break fragment and the 23 signatories who apply every measure."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app import paths
from desktop_app.models.catalog import Catalog
from desktop_app.models.catalog_build.documents import NEIMENGGU_DOCUMENT

# domain (as the memorandum names it) → (category, numbered items, group headings, measures),
# counted by reading section 二: a numbered item `N.` with sub-items `（n）` is a group heading,
# without sub-items it is a measure.
EXPECTED = {
    "安全生产领域": ("安全生产领域失信生产经营单位及其有关人员", 24, 1, 29),
    "环境保护领域": ("环境保护领域失信生产经营单位及其有关人员", 4, 4, 25),
    "电力行业": ("电力行业严重违法失信市场主体及其有关人员", 14, 0, 14),
    "石油天然气行业": ("石油天然气行业严重违法失信主体", 6, 6, 33),
    "煤炭行业": ("煤炭行业失信生产经营单位及其有关人员", 6, 0, 6),
    "房屋建筑和市政基础设施工程（以下简称工程）建筑市场及质量领域": (
        "房屋建筑和市政基础设施工程建筑市场及质量领域严重失信生产经营单位及其有关人员",
        26,
        1,
        31,
    ),
    "房地产领域": ("房地产领域相关失信责任主体", 5, 5, 37),
    "人防工程建设领域": ("人防工程建设领域严重违法失信单位及其有关人员", 10, 0, 10),
}
SIGNATORIES = [
    "自治区发展和改革委员会",
    "自治区住房和城乡建设厅",
    "自治区科学技术厅",
    "自治区工业和信息化厅",
    "自治区司法厅",
    "自治区财政厅",
    "自治区人力资源和社会保障厅",
    "自治区自然资源厅",
    "自治区生态环境厅",
    "自治区水利厅",
    "自治区应急管理厅",
    "自治区市场监督管理局",
    "国家税务总局内蒙古自治区税务局",
    "自治区能源局",
    "自治区林业和草原局",
    "自治区地方金融监督管理局",
    "自治区人民防空办公室",
    "自治区政务服务局",
    "自治区档案局",
    "自治区文物局",
    "内蒙古自治区通信管理局",
    "内蒙古自治区地震局",
    "中国证券监督管理委员会内蒙古监管局",
]


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    with Catalog.open(paths.catalog_path()) as opened:
        yield opened


@pytest.fixture(scope="module")
def measures(catalog: Catalog) -> list[dict[str, Any]]:
    return catalog.measures("内蒙古", "住建厅")


def _section_two() -> list[tuple[int, str]]:
    lines = (paths.sources_dir() / NEIMENGGU_DOCUMENT).read_text("utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if "二、联合惩戒措施" in line)
    end = next(i for i, line in enumerate(lines) if "三、联合惩戒的实施方式" in line)
    return [(i + 1, lines[i].strip()) for i in range(start + 1, end) if lines[i].strip()]


def test_raw_count_of_section_two_agrees_with_the_expected_table() -> None:
    counts: dict[str, list[int]] = {}
    domain = ""
    previous_top = False
    for _, text in _section_two():
        heading = re.match(r"^#*\s*[（(][一二三四五六七八][)）]\s*(.+)$", text)
        if heading:
            domain = heading.group(1)
            counts[domain] = [0, 0, 0]
            previous_top = False
        elif re.match(r"^#*\s*\d+\.", text):
            counts[domain][0] += 1
            previous_top = True
        elif re.match(r"^(- )?[（(]\d+[)）]", text):
            counts[domain][1] += previous_top  # the first sub-item makes the item a heading
            counts[domain][2] += 1
            previous_top = False
    raw = {name: (n, groups, n - groups + subs) for name, (n, groups, subs) in counts.items()}
    assert raw == {name: (n, groups, total) for name, (_, n, groups, total) in EXPECTED.items()}
    assert sum(total for *_, total in EXPECTED.values()) == 185


def test_every_item_line_is_a_measure_or_a_group_heading(measures: list[dict[str, Any]]) -> None:
    items, headings, last_top = [], set(), 0
    for number, text in _section_two():
        if re.match(r"^#*\s*\d+\.", text):
            items.append(number)
            last_top = number
        elif re.match(r"^(- )?[（(]\d+[)）]", text):
            headings.add(last_top)  # an item with sub-items is a group heading
            items.append(number)
    first_lines = [m["source"]["lines"][0] for m in measures]
    assert sorted(first_lines) == sorted(set(items) - headings)
    assert len(first_lines) == len(set(first_lines)) == 185
    groups = {m["group"].split(".")[0] + "." for m in measures if m["group"]}
    assert groups == {"1.", "2.", "3.", "4.", "5.", "6."}


def test_each_domain_has_its_entries_and_measures(measures: list[dict[str, Any]]) -> None:
    per_category = Counter(m["category"] for m in measures)
    entries = Counter((m["category"], m["entry_no"]) for m in measures)
    for name, (category, items, headings, total) in EXPECTED.items():
        assert per_category[category] == total, name
        assert sum(1 for c, _ in entries if c == category) == items, name
        assert (
            len({m["group"] for m in measures if m["category"] == category and m["group"]})
            == headings
        ), name
    assert len(measures) == 185


def test_group_headings_are_structure_not_measures(measures: list[dict[str, Any]]) -> None:
    first = measures[0]
    assert (first["label"], first["text"], first["entry_no"]) == (
        "（1）",
        "加大执法检查频次；",
        "1.",
    )
    assert first["group"].startswith("1.加强安全监管监察。按照“管行业必须管安全")
    assert first["group"].endswith("制定并落实以下措施：")
    texts = {m["text"] for m in measures}
    assert "加强安全监管监察。" not in texts
    assert not any(
        t.startswith("其他惩戒措施") or t.startswith("限制或者禁止生产经营单位的市场准入")
        for t in texts
    )
    unnested = [m for m in measures if m["category"].startswith("电力行业")]
    assert [m["label"] for m in unnested] == [f"{n}." for n in range(1, 15)]
    assert all(m["group"] is None for m in unnested)


@pytest.mark.parametrize(
    ("lines", "ending"),
    [
        ([114, 116], "依法限制存在失信行为的生产经营单位参与政府采购活动。"),
        ([296, 298], "超能力生产煤矿，相关部门暂停办理申报、审批、核准及矿业权等手续。"),
        (
            [348, 350],
            "全国中小企业股份转让系统在审核企业挂牌时，将生产经营单位的失信行为作为重要参考。",
        ),
        ([370, 372], "对存在失信行为的生产经营单位和相关人员，不予颁发政府荣誉。"),
        ([406, 408], "在上市公司或者非上市公众公司收购的事中事后监管中予以关注；"),
        ([462, 464], "列为资质管理重点核查对象，对其资质申请、升级和增项依法予以限制；"),
    ],
)
def test_lines_broken_mid_sentence_are_joined(
    measures: list[dict[str, Any]], lines: list[int], ending: str
) -> None:
    found = [m for m in measures if m["source"]["lines"] == lines]
    assert len(found) == 1 and found[0]["text"].endswith(ending)


def test_page_break_fragment_is_repaired_and_reported(
    catalog: Catalog, measures: list[dict[str, Any]]
) -> None:
    found = next(m for m in measures if m["source"]["lines"] == [169, 171])
    assert found["label"] == "(19)" and found["entry_no"] == "3."
    assert found["text"] == (
        "对失信生产经营单位，不得授予文明单位等荣誉称号，已获得荣誉称号的予以撤销；"
        "对失信生产经营单位法定代表人、主要负责人和直接责任人，不得授予道德模范、五一劳动奖章等荣誉称号，"
        "已获得荣誉称号的予以撤销；"
    )
    repaired = [a for a in catalog.anomalies() if a["kind"] == "repaired_fragment"]
    assert [(a["document"], a["lines"]) for a in repaired] == [(NEIMENGGU_DOCUMENT, [169, 171])]
    joined = sorted(
        a["lines"]
        for a in catalog.anomalies()
        if a["kind"] == "joined_line" and a["document"] == NEIMENGGU_DOCUMENT
    )
    assert joined == [
        [38, 40],
        [52, 54],
        [114, 116],
        [296, 298],
        [348, 350],
        [370, 372],
        [406, 408],
        [462, 464],
    ]


def test_signatories_apply_every_measure_within_their_remit(
    catalog: Catalog, measures: list[dict[str, Any]]
) -> None:
    departments = catalog.departments("内蒙古自治区")
    assert [d["name"] for d in departments] == SIGNATORIES
    assert all(d["by_remit"] and d["measure_count"] == 185 for d in departments)
    assert all(
        m["by_remit"] and m["note"] == "各签署部门按职责实施" and m["departments"] == []
        for m in measures
    )
    assert {m["department"] for m in measures} == {"自治区住房和城乡建设厅"}
    by_证监局 = catalog.measures("内蒙古", "证监局")
    assert [m["id"] for m in by_证监局] == [m["id"] for m in measures]
    assert {m["department"] for m in by_证监局} == {"中国证券监督管理委员会内蒙古监管局"}
    assert catalog.measure(measures[0]["id"])["department"] is None


def test_basis_and_initiator(measures: list[dict[str, Any]]) -> None:
    assert {m["basis"] for m in measures} == {
        "内蒙古自治区关于对工程建设项目审批制度相关失信责任主体实施联合惩戒的合作备忘录"
    }
    assert {m["basis_doc_no"] for m in measures} == {"内社信办字〔2020〕3号"}
    assert {m["initiator"] for m in measures} == {
        "自治区发展改革委、住建厅、科技厅、工信厅、司法厅、财政厅、人社厅、自然资源厅、生态环境厅、水利厅、"
        "应急管理厅、市场监管局、税务局、能源局、林草局、地方金融监管局、人防办、政务服务局、档案局、"
        "文物局、通信管理局、地震局、证监局等23个部门"
    }


def test_domain_definitions_and_names(catalog: Catalog) -> None:
    categories = {c["name"]: c for c in catalog.categories("内蒙古")}
    assert sorted(categories) == sorted(category for category, *_ in EXPECTED.values())
    for domain, (category, *_) in EXPECTED.items():
        assert domain in categories[category]["aliases"]
        assert catalog.resolve_category(domain, "内蒙古") == category
    assert categories["环境保护领域失信生产经营单位及其有关人员"]["definition"] == (
        "在环境保护领域存在严重失信行为的生产经营单位及其法定代表人、主要负责人和负有直接责任的有关人员。"
    )
    assert categories["煤炭行业失信生产经营单位及其有关人员"]["definition"].endswith(
        "在煤炭申报、核准、审批、运行领域存在失信行为的生产经营单位，及其法定代表人、主要负责人和负有直接责任的有关人员。"
    )
    # shared with 柳州: one list of this category finds measures in both jurisdictions
    assert categories["安全生产领域失信生产经营单位及其有关人员"]["jurisdictions"] == [
        "柳州市",
        "内蒙古自治区",
    ]


def test_spot_checks(measures: list[dict[str, Any]]) -> None:
    by_line = {m["source"]["lines"][0]: m for m in measures}
    assert by_line[207]["applies_to"] == "person" and by_line[207]["text"].startswith(
        "对严重失信的自然人"
    )
    assert (by_line[233]["label"], by_line[233]["group"]) == (
        "(6)",
        "2.安全监管监察方面的惩戒措施：",
    )
    assert by_line[256]["group"] == "6.其他方面惩戒措施:"
    assert by_line[292]["category"] == "煤炭行业失信生产经营单位及其有关人员"
    assert by_line[380]["text"] == "限制取得政府供应的土地；"
    assert by_line[448]["label"] == "(37)" and by_line[448]["entry_no"] == "5."
    assert by_line[472]["text"] == "法律、法规、规章以及规范性文件规定的其他惩戒措施。"
