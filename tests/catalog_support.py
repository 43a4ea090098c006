"""Measure list files for catalog import tests, made from the committed catalog."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import openpyxl

LIUZHOU_HEADER = ["序号", "发起部门", "联合惩戒对象", "实施部门", "实施措施", "实施依据"]
BASIC_HEADER = ["序号", "措施类型", "措施内容", "适用对象/失信行为", "实施依据", "实施主体"]

# The revision of 市市场监管局's list in the tests: (三) of the 失信被执行人 entry removed, (五)
# reworded, a new (六) added.
REMOVED = "将失信被执行人信息通过“信用中国”网站、企业信用信息公示系统向社会公布"
REWORDED_FROM = "依法限制失信被执行人作为供应商参加政府采购活动"
REWORDED_TO = "依法限制失信被执行人作为供应商参加政府采购活动，限制期限为三年"
ADDED = "对失信被执行人申请食品经营许可的，从严审核并在许可系统中标注"


def numeral(number: int) -> str:
    """一 … 九十九."""
    digits = "一二三四五六七八九"
    tens, ones = divmod(number, 10)
    text = ("" if tens < 2 else digits[tens - 1]) + ("十" if tens else "")
    return text + (digits[ones - 1] if ones else "")


def department_rows(
    catalog: Any,
    jurisdiction: str,
    department: str,
    change: Callable[[dict[str, Any]], str | None] | None = None,
    extra: Iterable[tuple[str, str]] = (),
) -> list[list[str]]:
    """A department's list in the six-column 柳州 layout: the first measure of an entry on
    its numbered row, the others on continuation rows (only 实施措施). `change(measure)` gives
    a measure's new text, or None to leave it out; `extra` adds (category, text) measures at
    the end of the entry of that category."""
    rows = [list(LIUZHOU_HEADER)]
    entries: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for measure in catalog.measures(jurisdiction, department):
        key = (measure["entry_no"], measure["initiator"], measure["category"], measure["basis"])
        entries.setdefault(key, []).append(measure)
    additions = list(extra)
    for (entry_no, initiator, category, basis), measures in entries.items():
        texts = []
        for measure in measures:
            text = measure["text"] if change is None else change(measure)
            if text is not None:
                texts.append(text)
        for wanted, text in additions:
            if wanted == category:
                texts.append(text)
                additions.remove((wanted, text))
                break
        for index, text in enumerate(texts):
            cell = f"({numeral(index + 1)}){text}"
            if index == 0:
                rows.append([entry_no, initiator, category, department, cell, basis])
            else:
                rows.append(["", "", "", "", cell, ""])
    return rows


def revised_market_rows(catalog: Any) -> list[list[str]]:
    """市市场监管局's list with one measure removed, one reworded and one added."""

    def change(measure: dict[str, Any]) -> str | None:
        if measure["category"] == "失信被执行人" and measure["text"] == REMOVED:
            return None
        if measure["category"] == "失信被执行人" and measure["text"] == REWORDED_FROM:
            return REWORDED_TO
        return measure["text"]

    return department_rows(
        catalog, "柳州市", "市市场监管局", change, extra=[("失信被执行人", ADDED)]
    )


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for cells in rows:
            sheet.append(cells)
    workbook.save(path)
    return path


def basic_list_rows() -> list[list[str]]:
    """A piece of a 全国失信惩戒措施基础清单 style list for 柳州: one measure a row, the basis
    with its article numbers, the implementing body by its short name."""
    return [
        list(BASIC_HEADER),
        [
            "1",
            "限制参与政府采购",
            "依法限制失信被执行人作为供应商参加政府采购活动",
            "失信被执行人",
            "《中华人民共和国政府采购法》第二十二条、第七十七条",
            "财政局",
        ],
        [
            "2",
            "限制招标投标",
            "限制失信被执行人参与依法必须进行招标的工程建设项目招标投标",
            "失信被执行人",
            "《中华人民共和国招标投标法实施条例》第二十条",
            "市发展改革委",
        ],
        [
            "3",
            "限制高消费",
            "限制乘坐飞机、列车软卧等高消费行为",
            "失信被执行人",
            "最高人民法院关于限制被执行人高消费及有关消费的若干规定第三条第一款",
            "市交通运输局",
        ],
    ]
