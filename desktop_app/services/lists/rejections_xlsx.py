"""The refused rows of a list import as an .xlsx workbook a person can read and correct.

One row per refused row: its row number in the file, the reason and the row's cells as
they were read, under the file's own header. Every cell is written as text, never as a
formula (a cell that would run as one in a spreadsheet program also gets Excel's quote
prefix), and characters a workbook cannot hold are shown as U+FFFD. The rows go out as
they are read from the report's temporary file, so memory stays flat; past the 1,048,576
rows a sheet holds they go on in a further sheet.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from desktop_app.errors import UsageError
from desktop_app.services.lists.cells import FORMULA_PREFIXES
from desktop_app.services.lists.report import MODE_TEXT, ImportReport

SHEET_ROWS = 1_048_576
SHEET_TITLE = "被拒绝的行"


def write_rejections_xlsx(report: ImportReport, path: Path) -> Path:
    """Write every refused row of `report` (imported with `keep_rejected_rows`) to `path`,
    replaced atomically; returns the path."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if report.rejected_rows is None:
        raise UsageError(
            "这次导入没有保留被拒绝的行，无法导出。请重新导入（或预览）该文件并要求导出。"
        )
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"被拒绝的行只能导出为 .xlsx 文件，“{path.name}”不是。")
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def text_cell(sheet: Any, value: object) -> Any:
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
        return cell

    about = workbook.create_sheet("说明")
    for label, value in (
        ("文件", report.file),
        ("名单", f"{report.list}（{report.category}）"),
        ("导入方式", MODE_TEXT.get(report.mode, report.mode)),
        ("读取行数", report.rows_read),
        ("被拒绝的行", report.rejected),
        ("SHA-256", report.sha256),
    ):
        about.append([text_cell(about, label), text_cell(about, value)])

    def new_sheet(number: int) -> Any:
        sheet = workbook.create_sheet(SHEET_TITLE if number == 1 else f"{SHEET_TITLE}（{number}）")
        heading = ["行号", "原因", *report.header_cells]
        cells = [text_cell(sheet, value) for value in heading]
        for cell in cells:
            cell.font = bold
        sheet.append(cells)
        return sheet

    sheets = 1
    sheet, rows_in_sheet = new_sheet(sheets), 1
    for row, reason, cells in report.rejected_rows.rows():
        if rows_in_sheet >= SHEET_ROWS:
            sheets += 1
            sheet, rows_in_sheet = new_sheet(sheets), 1
        sheet.append(
            [row, text_cell(sheet, reason), *(text_cell(sheet, value) for value in cells or ())]
        )
        rows_in_sheet += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
