"""Parser rules on small hand-made inputs: page-break repeats, label checks, cells, wording."""

from __future__ import annotations

import pytest

from desktop_app.errors import DataError
from desktop_app.models.catalog_build import kunshan, liuzhou
from desktop_app.models.catalog_build.applies_to import applies_to
from desktop_app.models.catalog_build.documents import (
    SourceDocument,
    chinese_numeral,
    join_cjk_spaces,
)

HEADER = "序号\t发起部门\t联合惩戒对象\t实施部门\t实施措施\t实施依据"
ENTRY = "1\t市中级人民法院\t失信被执行人\t市委编办\t{}\t对失信被执行人实施联合惩戒的合作备忘录"
MORE = "\t\t\t\t{}\t"


def _doc(*lines: str) -> SourceDocument:
    return SourceDocument("000_test.txt", ("## 市委编办联合惩戒措施清单", "", *lines), "0" * 64)


def test_measure_repeated_across_a_page_break_is_kept_once() -> None:
    doc = _doc(
        HEADER,
        ENTRY.format("(一) 甲措施"),
        MORE.format("(二) 乙措施"),
        "",
        HEADER,
        ENTRY.format("(二) 乙措施"),
        MORE.format("(三) 丙措施"),
    )
    result = liuzhou.parse(doc)
    assert [(m.label, m.text, m.lines) for m in result.measures] == [
        ("(一)", "甲措施", (4,)),
        ("(二)", "乙措施", (4, 5)),
        ("(三)", "丙措施", (4, 9)),
    ]
    kinds = [(a.kind, a.lines) for a in result.anomalies]
    assert ("merged_row", (4, 8)) in kinds and ("merged_measure", (5, 8)) in kinds
    counts = (result.entries, result.numbered_rows, result.continuation_rows, result.header_rows)
    assert counts == (1, 2, 2, 2)


def test_same_text_with_another_label_is_kept_and_reported() -> None:
    result = liuzhou.parse(_doc(HEADER, ENTRY.format("(一) 甲措施 (二) 甲措施")))
    assert [m.label for m in result.measures] == ["(一)", "(二)"]
    assert [a.kind for a in result.anomalies] == ["duplicate_measure"]


def test_inline_and_paragraph_wrapped_measures_are_split() -> None:
    assert liuzhou.split_measure_cell("<p>(一) 甲</p> <p>(二) 乙（丙）</p>") == [
        ("(一)", "甲"),
        ("(二)", "乙（丙）"),
    ]
    assert liuzhou.split_measure_cell("（十一）甲 （十二）乙") == [
        ("（十一）", "甲"),
        ("（十二）", "乙"),
    ]
    with pytest.raises(ValueError):
        liuzhou.split_measure_cell("没有编号的措施")


def test_row_without_a_label_stops_the_parse() -> None:
    with pytest.raises(DataError) as caught:
        liuzhou.parse(_doc(HEADER, ENTRY.format("没有编号")))
    assert "第4行：“实施措施”不以“(一)”之类的编号开头" in caught.value.message


def test_continuation_row_with_other_cells_stops_the_parse() -> None:
    with pytest.raises(DataError) as caught:
        liuzhou.parse(_doc(HEADER, ENTRY.format("(一) 甲"), "\t市财政局\t\t\t(二) 乙\t"))
    assert "第5行：续行除“实施措施”外应为空" in caught.value.message


def test_kunshan_department_cells() -> None:
    cell = kunshan.split_department_cell(
        "市发改委、经信委、人民银行、银监办等具有金融机构任职资格核准职能的部门"
    )
    assert cell.names == ("市发改委", "经信委", "人民银行", "银监办")
    assert cell.generic == "具有金融机构任职资格核准职能的部门"
    whole = kunshan.split_department_cell("市各市场监管、行业主管部门")
    assert (whole.names, whole.generic) == ((), "市各市场监管、行业主管部门")
    groups = kunshan.split_department_cell("市委组织部、统战部，市财政局、人社局、国资办")
    assert (
        groups.names == ("市委组织部", "统战部", "市财政局", "人社局", "国资办")
        and groups.generic is None
    )
    assert kunshan.split_department_cell("市发改委、科技局、商务局等").generic == "其他有关单位"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("失信责任主体为个人的, 依法限制登记为事业单位法定代表人", "person"),
        ("对严重失信的自然人，依法限制其担任董事", "person"),
        ("失信责任主体是机构的, 该机构法定代表人依法限制登记", "organization"),
        ("限制失信企业的法定代表人在食品药品领域担任法定代表人", "organization"),
        ("对企业和个人给予表彰奖励时参考其信用状况", "any"),
        ("当事人为个人的，限制甲；当事人为单位的，限制乙", "any"),
    ],
)
def test_applies_to_wording(text: str, expected: str) -> None:
    assert applies_to(text)[0] == expected
    assert applies_to("当事人为个人的，限制甲；当事人为单位的，限制乙")[1] == [
        "为个人的",
        "为单位的",
    ]


def test_numerals_and_spaces() -> None:
    assert [chinese_numeral(n) for n in ("一", "十", "十三", "二十", "四十七")] == [
        1,
        10,
        13,
        20,
        47,
    ]
    with pytest.raises(ValueError):
        chinese_numeral("百")
    assert join_cjk_spaces(" 参与政府采购活 动 ") == "参与政府采购活动"
    assert join_cjk_spaces("当事人, 依法限制 5%以上") == "当事人, 依法限制 5%以上"
