"""The results of a batch check as an .xlsx workbook (结果表) that opens cleanly in Excel and
WPS.

Sheet 核查结果: one row per input row, in input order: the input cells under the file's own
headings, then 结果, 命中名单, 应实施措施数, 记录编号, 疑似匹配 and 说明 (why a row was not
checked, how it was read, the related subjects that are not hits, the warnings). Sheet 说明:
the batch record's number, the file, its SHA-256, the sheets not read and the counts, with
how many possible matches still wait for review. Every cell is written as text
(a number-like ID stays exactly as typed), never as a formula: a cell that a spreadsheet would
run as one also gets Excel's quote prefix. The file is written whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from desktop_app.errors import UsageError
from desktop_app.services.lists.cells import FORMULA_PREFIXES

RESULT_SHEET = "核查结果"
ABOUT_SHEET = "说明"
RESULT_HEADINGS = ("结果", "命中名单", "应实施措施数", "记录编号", "疑似匹配", "说明")


def result_cells(row: Mapping[str, Any]) -> list[str | int]:
    """The result columns of one row (`RESULT_HEADINGS`)."""
    status = row["status"]
    words = row["status_text"]
    if status == "possible_match":
        words = f"{words}（待复核）"
    from desktop_app.services.screening.batch import related_text

    notes = [row["error"]] if row.get("error") else []
    notes += [row["input_note"]] if row.get("input_note") else []
    notes += [related_text(row)] if row.get("related") else []
    notes += row.get("notes") or []
    lists = "；".join(row.get("lists") or [])
    if row.get("listed_names") and status == "listed":
        lists = f"{lists}（名单上为：{'、'.join(row['listed_names'])}）"
    return [
        words,
        lists,
        len(row.get("measures") or []),
        row.get("record_number") or "",
        "；".join(row.get("possible_named") or []),
        "；".join(notes),
    ]


def about_rows(batch: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The 说明 sheet: what the batch is and what it found."""
    counts = batch["counts"]
    state = (
        f"尚有 {counts['pending']} 条疑似匹配待复核，复核完成前本批核查未完成"
        if counts["pending"]
        else "已完成（没有待复核的疑似匹配）"
    )
    user = batch.get("user") or {}
    return [
        ("批量核查记录编号", batch.get("batch_number") or "（未保存：本机尚无用户账户）"),
        ("版本", batch.get("version")),
        ("地区", batch["jurisdiction"]),
        ("实施部门", batch["department"]),
        ("核查人", user.get("display_name") or "—"),
        ("核查时间", str(batch.get("checked_at") or "").replace("T", " ")),
        ("文件", batch["file"]["name"]),
        *(
            (("工作表", batch["file"]["sheet"]),)
            if batch["file"].get("other_sheets") and batch["file"].get("sheet")
            else ()
        ),
        *(
            ("未核查的工作表", f"“{other['sheet']}”：{other['reason']}")
            for other in batch["file"].get("other_sheets") or []
        ),
        ("文件 SHA-256", batch["file"]["sha256"]),
        ("行数", counts["rows"]),
        ("已核查", counts["checked"]),
        ("发现失信记录", counts["listed"]),
        ("疑似匹配", counts["possible"]),
        ("未发现失信记录", counts["not_listed"]),
        ("无法核查（见各行说明）", counts["invalid"]),
        ("状态", state),
        *(("注意", warning) for warning in batch.get("warnings") or []),
    ]


def write_results_xlsx(batch: Mapping[str, Any], path: Path) -> Path:
    """Write the results workbook of `batch` to `path` (replaced atomically); returns it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"结果表只能保存为 .xlsx 文件，“{path.name}”不是。")
    if not path.parent.is_dir():
        raise UsageError(f"输出目录“{path.parent}”不存在，请先创建或换一个位置。")
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(sheet: Any, value: object, heading: bool = False) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            item = WriteOnlyCell(sheet, value=value)
        else:
            text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", "" if value is None else str(value))
            item = WriteOnlyCell(sheet, value=text)
            item.data_type = "s"  # openpyxl would take a leading "=" for a formula
            if text.startswith(FORMULA_PREFIXES):
                item.quotePrefix = True
        if heading:
            item.font = bold
        return item

    results = workbook.create_sheet(RESULT_SHEET)
    headings = list(batch["columns"]["header_cells"])
    width = max([len(headings), *(len(row["cells"]) for row in batch["rows"])])
    headings += [""] * (width - len(headings))
    results.append([cell(results, text, True) for text in ["行号", *headings, *RESULT_HEADINGS]])
    for row in batch["rows"]:
        cells = list(row["cells"]) + [""] * (width - len(row["cells"]))
        results.append(
            [
                cell(results, row["row"]),
                *(cell(results, text) for text in cells),
                *(cell(results, value) for value in result_cells(row)),
            ]
        )
    results.freeze_panes = "A2"
    about = workbook.create_sheet(ABOUT_SHEET)
    for label, value in about_rows(batch):
        about.append([cell(about, label, True), cell(about, value)])
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise UsageError(
            f"无法写入“{path}”：{error.strerror or error}。请检查磁盘空间和写入权限。"
        ) from error
    finally:
        temporary.unlink(missing_ok=True)
    return path
