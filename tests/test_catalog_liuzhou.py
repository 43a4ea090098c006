"""柳州 (000_….txt): every department, entry and measure, checked against the document."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app import paths
from desktop_app.models.catalog import Catalog
from desktop_app.models.catalog_build.documents import LIUZHOU_DOCUMENT

# (department, entries, measures), counted by reading the document: an entry is a numbered
# row (minus the rows a page break repeated, see PAGE_BREAK_REPEATS), a measure a label
# `(一)`… in the measure column (cells with several measures count each).
EXPECTED = [
    ("市委组织部", 2, 9),
    ("市委宣传部", 34, 50),
    ("市委编办", 35, 51),
    ("市委统战部", 30, 32),
    ("市委文明办", 36, 65),
    ("市委网信办", 34, 49),
    ("市中级人民法院", 31, 44),
    ("市人民检察院", 30, 31),
    ("市发展改革委", 36, 132),
    ("市工业和信息化局", 32, 42),
    ("市教育局", 30, 34),
    ("市科技局", 34, 53),
    ("市公安局", 33, 51),
    ("市民政局", 31, 39),
    ("市司法局", 30, 34),
    ("市财政局", 36, 153),
    ("市人力资源社会保障局", 37, 94),
    ("市自然资源和规划局", 32, 52),
    ("市生态环境局", 32, 44),
    ("市住房城乡建设局", 33, 90),
    ("市交通运输局", 34, 92),
    ("市水利局", 32, 79),
    ("市商务局", 31, 49),
    ("市文化广电旅游局", 31, 63),
    ("市卫生健康委", 32, 50),
    ("市应急局", 31, 55),
    ("市市场监管局", 36, 223),
    ("市体育局", 30, 31),
    ("市统计局", 31, 32),
    ("市林业和园林局", 31, 56),
    ("市国资委", 35, 93),
    ("人民银行柳州市中心支行", 34, 70),
    ("柳州银保监分局", 36, 96),
    ("市税务局", 36, 100),
    ("柳州海关", 34, 109),
    ("市国安局", 30, 34),
    ("市总工会", 36, 65),
    ("团市委", 33, 51),
    ("市妇联", 35, 62),
    ("市工商联", 32, 41),
    ("市贸促会", 30, 32),
    ("市机关事务管理局", 30, 30),
    ("市供销社", 30, 34),
    ("市行政审批局", 36, 114),
    ("市城管执法局", 30, 34),
    ("市农业农村局", 30, 31),
    ("市公积金管理中心", 30, 31),
    ("市医保局", 30, 42),
]

# Numbered rows that repeat the entry above them (same 序号, initiator, category, department
# and basis) because a page break split the entry; found by reading around each header row.
PAGE_BREAK_REPEATS = {
    953: 947,
    1013: 1009,
    1104: 1100,
    1423: 1415,
    1692: 1686,
    1828: 1821,
    1831: 1821,
    1834: 1821,
    1837: 1821,
    1840: 1821,
    1843: 1821,
    1912: 1906,
    1929: 1923,
    2427: 2423,
    2451: 2449,
    2584: 2577,
    3295: 3291,
    3298: 3291,
    3301: 3291,
}

_LABEL = re.compile(r"(?:^|(?<=\s)|(?<=<p>))[（(][一二三四五六七八九十]+[)）]")


def _rows() -> Iterator[tuple[str, int, list[str]]]:
    """(section, line, cells) of every table row except headers: a plain reading of the file."""
    section = ""
    text = (paths.sources_dir() / LIUZHOU_DOCUMENT).read_text("utf-8")
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("## "):
            section = line[3:].removesuffix("联合惩戒措施清单")
        cells = line.split("\t")
        if len(cells) == 6 and cells[0] != "序号":
            yield section, number, cells


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    with Catalog.open(paths.catalog_path()) as opened:
        yield opened


@pytest.fixture(scope="module")
def measures(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    return {name: catalog.measures("柳州市", name) for name, _, _ in EXPECTED}


def test_the_48_departments_in_document_order(catalog: Catalog) -> None:
    assert [d["name"] for d in catalog.departments("柳州")] == [name for name, _, _ in EXPECTED]


def test_raw_count_of_the_document_agrees_with_the_expected_table() -> None:
    entries: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    for section, number, cells in _rows():
        if cells[0] and number not in PAGE_BREAK_REPEATS:
            entries[section] += 1
        labels[section] += len(_LABEL.findall(cells[4]))
    assert [(name, entries[name], labels[name]) for name, _, _ in EXPECTED] == EXPECTED
    assert sum(entries.values()) == 1534 and sum(labels.values()) == 2948


def test_each_department_has_the_entries_and_measures_counted(
    measures: dict[str, list[dict[str, Any]]],
) -> None:
    found = []
    for name, _, _ in EXPECTED:
        rows = measures[name]
        # a measure's first source line is the line of its entry's numbered row
        found.append((name, len({m["source"]["lines"][0] for m in rows}), len(rows)))
    assert found == EXPECTED


def test_every_table_row_is_accounted_for(
    catalog: Catalog, measures: dict[str, list[dict[str, Any]]]
) -> None:
    per_line: Counter[int] = Counter()
    for rows in measures.values():
        for m in rows:
            per_line[int(m["id"].split("-L")[1].split("-")[0])] += 1
    numbered = continuation = 0
    for _, number, cells in _rows():
        numbered += bool(cells[0])
        continuation += not cells[0]
        assert per_line.pop(number) == len(_LABEL.findall(cells[4])), f"line {number}"
    assert not per_line, "measures that come from no table row"
    assert (numbered, continuation) == (1553, 1156)
    merged = {
        a["lines"][1]: a["lines"][0] for a in catalog.anomalies() if a["kind"] == "merged_row"
    }
    assert merged == PAGE_BREAK_REPEATS
    assert [a for a in catalog.anomalies() if a["kind"] == "merged_measure"] == []


def _by_id(catalog: Catalog, measure_id: str) -> dict[str, Any]:
    found = catalog.measure(measure_id)
    assert found is not None, measure_id
    return found


@pytest.mark.parametrize(
    ("measure_id", "expected"),
    [
        (
            "LZ-000-L0006-1",
            {
                "department": "市委组织部",
                "entry_no": "1",
                "label": "(一)",
                "category": "保险领域违法失信相关责任主体",
                "initiator": "柳州银保监分局",
                "basis": "关于对保险领域违法失信相关责任主体实施联合惩戒的合作备忘录",
                "applies_to": "person",
                "lines": [6],
                "text": "保险领域违法失信当事人为自然人的, "
                "将其违法失信记录作为被聘任为国有独资公司董事、"
                "监事及国有资本控股或参股公司董事、监事及国有企业高级管理人员的重要参考。"
                "已担任相关职务的, 按照规定程序要求变更",
            },
        ),
        (
            "LZ-000-L0024-1",
            {
                "department": "市委宣传部",
                "entry_no": "3",
                "category": "国内贸易流通领域严重违法失信主体",
                "initiator": "市商务局",
                "lines": [24],
                "text": "按程序及时撤销相关荣誉称号。取消惩戒对象参加评先评优资格, "
                "不得向惩戒对象授予“文明单位”、“道德模范”等荣誉",
            },
        ),
        (
            "LZ-000-L0083-1",
            {
                "department": "市委编办",
                "entry_no": "4",
                "label": "(二)",
                "category": "统计领域严重失信企业及其有关人员",
                "basis": "关于对统计领域严重失信企业及其有关人员开展联合惩戒的合作备忘录（修订版）",
                "applies_to": "organization",
                "lines": [82, 83],
                "text": "失信责任主体是机构的, 该机构法定代表人依法限制登记为事业单位法定代表人",
            },
        ),
        (
            "LZ-000-L0271-1",
            {
                "department": "市委网信办",
                "label": "(一)",
                "category": "慈善捐赠领域失信相关主体",
                "lines": [270, 271],
                "text": "依法限制作为供应商参加政府采购活动",
            },
        ),
        (
            "LZ-000-L0360-2",
            {
                "department": "市中级人民法院",
                "label": "(二)",
                "category": "严重违法失信超限超载运输车辆相关责任主体",
                "basis": "关于对严重违法失信超限超载运输车辆相关责任主体实施联合惩戒的合作备忘录",
                "lines": [360],
            },
        ),
        (
            "LZ-000-L0953-1",
            {
                "department": "市财政局",
                "entry_no": "13",
                "label": "(五)",
                "category": "失信被执行人",
                "initiator": "市中级人民法院",
                "basis": "关于对失信被执行人实施联合惩戒的合作备忘录",
                "applies_to": "person",
                "lines": [947, 953],
            },
        ),
        (
            "LZ-000-L1354-1",
            {
                "department": "市住房城乡建设局",
                "entry_no": "26",
                "category": "农资领域严重失信生产经营单位及其有关人员",
                "initiator": "农业农村部",
                "text": "依法限制失信企业参与政府采购活动",
            },
        ),
        (
            "LZ-000-L1618-1",
            {
                "department": "市文化广电旅游局",
                "label": "(四)",
                "category": "失信被执行人",
                "text": "依法限制失信被执行人作为供应商参加政府采购活动",
                "lines": [1615, 1618],
            },
        ),
        (
            "LZ-000-L1771-1",
            {
                "department": "市应急局",
                "entry_no": "8",
                "label": "(三)",
                "category": "严重违法失信超限超载运输车辆相关责任主体",
            },
        ),
        (
            "LZ-000-L1834-1",
            {
                "department": "市市场监管局",
                "entry_no": "3",
                "label": "(三十三)",
                "category": "列入经营异常名录或严重违法失信企业名单的失信主体",
                "basis": "关于失信企业协同监管和联合惩戒合作备忘录",
                "lines": [1821, 1834],
            },
        ),
        (
            "LZ-000-L2144-1",
            {
                "department": "市林业和园林局",
                "entry_no": "6",
                "category": "知识产权（专利）领域严重失信主体",
                "initiator": "市市场监管局",
                "basis": "关于对知识产权（专利）领域严重失信主体开展联合惩戒的合作备忘录",
                "text": "作为重点监管对象, 加大日常监管力度, 提高抽查比例和频次",
            },
        ),
        (
            "LZ-000-L2343-1",
            {
                "department": "人民银行柳州市中心支行",
                "entry_no": "21",
                "category": "旅游领域严重失信相关责任主体",
                "initiator": "文化和旅游部",
            },
        ),
        (
            "LZ-000-L2586-1",
            {
                "department": "市税务局",
                "entry_no": "25",
                "label": "(八)",
                "category": "重大税收违法案件当事人",
                "basis": "关于对重大税收违法案件当事人实施联合惩戒措施的合作备忘录（2016版）",
                "lines": [2577, 2586],
            },
        ),
        (
            "LZ-000-L2614-1",
            {
                "department": "柳州海关",
                "category": "海关失信企业",
                "initiator": "柳州海关",
                "basis": "关于对海关失信企业实施联合惩戒的合作备忘录",
                "text": "进出口货物平均查验率在80%以上",
            },
        ),
        (
            "LZ-000-L2893-2",
            {
                "department": "团市委",
                "label": "（二）",
                "category": "农资领域严重失信生产经营单位及其有关人员",
                "basis": "关于对农资领域严重失信生产经营单位及其有关人员开展联合惩戒的合作备忘录",
                "text": "依法限制失信企业参与政府采购活动",
            },
        ),
        (
            "LZ-000-L3108-1",
            {
                "department": "市机关事务管理局",
                "category": "国内贸易流通领域严重违法失信主体",
                "text": "在一定期限内依法禁止其作为供应商参与政府采购活动",
            },
        ),
        (
            "LZ-000-L3304-1",
            {
                "department": "市行政审批局",
                "entry_no": "27",
                "label": "(十五)",
                "lines": [3291, 3304],
                "text": "对当事人在一定期限内依法限制其参与政府采购活动",
            },
        ),
        (
            "LZ-000-L3482-6",
            {
                "department": "市医保局",
                "label": "(六)",
                "category": "社会保险领域严重失信企业及其有关人员",
                "initiator": "市人力资源社会保障局、市医保局",
            },
        ),
    ],
)
def test_spot_checks_across_departments(
    catalog: Catalog, measure_id: str, expected: dict[str, Any]
) -> None:
    found = _by_id(catalog, measure_id)
    assert found["jurisdiction"] == "柳州市"
    assert found["source"]["document"] == LIUZHOU_DOCUMENT
    actual = {**found, "lines": found["source"]["lines"]}
    assert {key: actual[key] for key in expected} == expected


def test_written_names_are_kept_beside_the_canonical_ones(catalog: Catalog) -> None:
    found = _by_id(catalog, "LZ-000-L2144-1")["as_written"]
    assert found["initiator"] == "市市场监 管局"
    assert found["departments"] == ["市林业和 园林局"]
    assert found["category"] == "知识产权(专 利)领域严重 失信主体"
    repaired = _by_id(catalog, "LZ-000-L1618-1")
    assert repaired["as_written"]["text"] == "依法限制失信被执行人作为供应商参加政府采购活"


def test_inline_measures_are_split_and_labels_kept_as_written(catalog: Catalog) -> None:
    labels = [
        m["label"]
        for m in catalog.measures("柳州", "市市场监管局")
        if m["id"].startswith("LZ-000-L1814-")
    ]
    assert labels == [
        "(一)",
        "(二)",
        "(三)",
        "(四)",
        "(五)",
        "(六)",
        "(九)",
        "(十)",
        "(十一)",
        "(十二)",
        "(十三)",
        "(十四)",
        "(十五)",
    ]
    entry = [
        m["label"]
        for m in catalog.measures("柳州", "市市场监管局")
        if m["source"]["lines"][0] == 1821
    ]
    assert len(entry) == 48 and Counter(entry)["(三十三)"] == 2  # (一)…(四十七), (三十三) twice


def test_numbering_anomalies_are_reported_with_their_lines(catalog: Catalog) -> None:
    found = {
        tuple(a["lines"]): a["message"] for a in catalog.anomalies() if a["kind"] == "numbering"
    }
    assert "序号3出现两次" in found[(22, 24)]
    assert "没有序号29" in found[(427, 428)]
    assert "没有序号19" in found[(490, 495)]
    assert "没有序号33" in found[(1021, 1024)]
    assert "没有序号10" in found[(1874, 1878)]
    assert "没有序号35" in found[(2008, 2014)]
    assert "没有序号29、30" in found[(2782, 2783)]
    assert "从(六)跳到(九)" in found[(1814,)]
    assert "从(三)跳到(五)" in found[(2661,)]
    assert "从(三)开始" in found[(1771,)] and "接续上一条目（序号7" in found[(1771,)]
    assert "(三十三)重复" in found[(1837,)]
    for line in (271, 273, 283, 285, 477, 729):
        assert "措施编号(一)重复" in found[(line,)]
    assert len(found) == 19  # (1834,) holds two messages: the jump to (三十三) and the reversal


def test_variant_names_are_reported_with_every_line_where_seen(catalog: Catalog) -> None:
    aliases = defaultdict(list)
    for a in catalog.anomalies():
        if a["kind"] == "alias" and a["document"] == LIUZHOU_DOCUMENT:
            aliases[(a["detail"]["written"], a["detail"]["canonical"])] += a["lines"]
    assert aliases[("市住房和城乡建设局", "市住房城乡建设局")] == [
        1354,
        1355,
        1356,
        1357,
        1358,
        1359,
    ]
    assert aliases[("市机关事 务管理局", "市机关事务管理局")] == [
        3103,
        3104,
        3105,
        3106,
        3107,
        3108,
        3109,
    ]
    assert aliases[("人民银行的柳州市中心支行", "人民银行柳州市中心支行")] == [2343]
    assert aliases[
        ("列入经营异常名录或严重违法失信企业名", "列入经营异常名录或严重违法失信企业名单的失信主体")
    ] == [2687]
    assert aliases[
        ("严重违法失信超限超载运输车辆的相关责任主体", "严重违法失信超限超载运输车辆相关责任主体")
    ][:3] == [80, 147, 229]
    assert aliases[
        ("市住房城乡建设局、市交通运输局、", "市住房城乡建设局、市交通运输局、市水利局")
    ] == [314, 686]
    assert aliases[
        ("证监会、银监会、保监会、最高人民", "银监会、证监会、保监会、最高人民法院")
    ] == [299]
    assert (
        len(
            aliases[
                (
                    "关于对失信被执行人实施联合惩戒措施合作备忘录的通知",
                    "关于对失信被执行人实施联合惩戒的合作备忘录",
                )
            ]
        )
        == 43
    )


def test_text_repairs_are_reported(catalog: Catalog) -> None:
    repairs = {
        a["lines"][0]: a["detail"] for a in catalog.anomalies() if a["kind"] == "text_repair"
    }
    assert sorted(repairs) == [1617, 1618, 1627, 3105, 3107, 3108, 3109]
    assert repairs[3108]["written"] == "在一定期限内依法禁止其作为供应商参与政府采购活 动"
    assert repairs[1617]["repaired"].endswith("试行消费限额控制")


def test_entries_with_an_unusual_initiator_are_reported_and_kept(catalog: Catalog) -> None:
    found = {
        tuple(a["lines"]): (a["detail"]["usual"], a["detail"]["initiator"])
        for a in catalog.anomalies()
        if a["kind"] == "initiator_differs"
    }
    assert found[(3283, 3344)] == ("民政部", "市民政局")
    assert found[(2364,)] == (
        "工业和信息化部、国家市场监督管理总局",
        "国家发展改革委、国家市场监督管理总局",
    )
    assert found[(1348, 3288, 3346)] == ("市住房城乡建设局、市商务局", "市住房城乡建设局")
    assert len(found) == 7
    assert _by_id(catalog, "LZ-000-L2364-1")["initiator"] == "国家发展改革委、国家市场监督管理总局"
