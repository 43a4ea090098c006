"""What a list file may contain (a real list is far below each limit), and the messages that
refuse a file going past one."""

from __future__ import annotations

from desktop_app.errors import ListFileError

MAX_COLUMNS = 1000
MAX_CELL_CHARS = 32767  # Excel's own limit for one cell


def too_many_columns(row_no: int, count: int) -> ListFileError:
    return ListFileError(
        f"第 {row_no} 行有 {count} 列，超过上限 {MAX_COLUMNS} 列，不像是名单文件，"
        "可能已损坏或被篡改。请核对后重新导出。"
    )


def cell_too_long(row_no: int) -> ListFileError:
    return ListFileError(
        f"第 {row_no} 行有超过 {MAX_CELL_CHARS} 个字符的单元格，不像是名单数据，"
        "文件可能已损坏或被篡改。请核对后重新导出。"
    )
