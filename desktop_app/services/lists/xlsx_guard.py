"""Checks of an .xlsx workbook before python-calamine sees it.

calamine inflates whole parts and allocates the full rectangle of a sheet's cells, and a
failed allocation aborts the whole process: a file that is not a zip, a zip bomb (member
sizes and compression ratios), or a sheet whose cell range would need gigabytes is refused
here first, reading the sheet XML in pieces.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from desktop_app.errors import ListFileError
from desktop_app.services.lists.limits import MAX_COLUMNS

MAX_XLSX_UNCOMPRESSED = 3 * 1024**3
MAX_ZIP_RATIO = 500  # sheet XML compresses 5–30×; zip bombs 1000× and more
ZIP_RATIO_MIN_SIZE = 1024**2
MAX_SHEET_CELLS = 60_000_000  # 1,048,576 rows × 57 columns

# expression engine can skip ahead; other whitespace before `r=` is turned into spaces first.
_WIDE_CELL_RE = re.compile(rb' r="([A-Z]{2,7})[0-9]')
_FAR_ROW_RE = re.compile(rb' r="[A-Z]{1,7}([0-9]{7,10})"')
_CELL_ROW_RE = re.compile(rb' r="[A-Z]{1,7}([0-9]{1,10})"')
_OTHER_SPACE_BEFORE_R = (b'\tr="', b'\nr="', b'\rr="')
# Cells (`<c …>`, `<x:c/>`), and those that say where they are: a sheet may leave out a
# cell's reference, and the reader then places it after the previous one (and a row without
# `r` after the previous row), which only a walk through the rows and cells can follow.
_UNPLACED_CELL_RE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])(?![^>]*?\sr=")')
_PREFIXED_CELL_RE = re.compile(rb":c[^\w.-]")
_ROW_OR_CELL_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_ROW_ATTR_RE = re.compile(rb'(?:^|\s)r="([0-9]{1,10})"')
_CELL_ATTR_RE = re.compile(rb'(?:^|\s)r="([A-Z]{1,7})([0-9]{1,10})"')
# A piece of sheet XML ends after a `>`; a piece longer than this without one is cut anyway.
_MAX_CARRY = 1 << 24


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_xlsx_zip(path: Path) -> None:
    """Refuse a workbook that is not a zip, is a zip bomb, or has an oversized sheet range.

    Runs before python-calamine sees the file: calamine inflates whole parts and allocates
    the full rectangle of a sheet's cells, and a failed allocation aborts the process.
    """
    not_xlsx = ListFileError(
        f"“{path.name}”不是有效的 Excel 工作簿（.xlsx），可能是其他文件改了扩展名或已损坏。"
        "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。"
    )
    if not zipfile.is_zipfile(path):
        raise not_xlsx
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise not_xlsx from None
    with archive:
        members = archive.infolist()
        if not any(m.filename == "[Content_Types].xml" for m in members):
            raise not_xlsx
        total = sum(m.file_size for m in members)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise _bomb(path, f"解压后共 {total / 1024**3:.1f} GB")
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > ZIP_RATIO_MIN_SIZE and ratio > MAX_ZIP_RATIO:
                raise _bomb(path, f"其中“{member.filename}”压缩比达 {ratio:.0f} 倍")
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                _check_sheet_range(path, archive, member)


def _bomb(path: Path, detail: str) -> ListFileError:
    return ListFileError(
        f"“{path.name}”解压后异常巨大（{detail}），像是恶意构造的压缩炸弹，已拒绝导入，"
        "未写入任何数据。请向提供方索取正常导出的文件。"
    )


def _sheet_chunks(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A sheet's XML in pieces that each end after a `>`, so that no tag is cut (and with
    tabs and line breaks as spaces where they come before an `r=`)."""
    carry = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 22):
                data = carry + chunk
                end = data.rfind(b">") + 1
                if end == 0 and len(data) < _MAX_CARRY:
                    carry = data
                    continue
                data, carry = (data[:end], data[end:]) if end else (data, b"")
                yield _spaces_before_r(data)
            if carry:
                yield _spaces_before_r(carry)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ListFileError(
            f"“{path.name}”中的工作表已损坏（{error}）。请用 Excel 或 WPS 重新另存为 .xlsx。"
        ) from None


def _spaces_before_r(data: bytes) -> bytes:
    if any(mark in data for mark in _OTHER_SPACE_BEFORE_R):
        return data.replace(b"\t", b" ").replace(b"\n", b" ").replace(b"\r", b" ")
    return data


def _check_sheet_range(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a sheet whose cells span a rectangle too large to allocate.

    python-calamine allocates width × height cells for the rectangle from A1 (at most) to
    the farthest cell. Up to column Z and row 999,999 that is safely small, so a sheet of a
    usual list, whose cells all carry their reference, needs only a few quick searches; a
    wider sheet is scanned for its last row, and a sheet with cells that do not say where
    they are is walked row by row.
    """
    max_col, far_row, wide, unplaced = 26, 0, False, False
    for data in _sheet_chunks(path, archive, member):
        columns = set(_WIDE_CELL_RE.findall(data))
        if columns:
            wide = True
            max_col = max(max_col, max(map(_column_number, columns)))
        far = _FAR_ROW_RE.findall(data)
        if far:
            far_row = max(far_row, max(map(int, far)))
        unplaced = unplaced or not _all_cells_placed(data)
    if unplaced:
        max_row, walked_col = _walk_sheet_extent(path, archive, member)
        max_col = max(max_col, walked_col)
    elif wide and not far_row:
        # A wide sheet ending before row 1,000,000: its last row decides.
        max_row = max(
            (
                max(map(int, found), default=0)
                for found in map(_CELL_ROW_RE.findall, _sheet_chunks(path, archive, member))
            ),
            default=0,
        )
    else:
        max_row = max(far_row, 999_999)
    _refuse_range(path, max_row, max_col)


def _all_cells_placed(data: bytes) -> bool:
    """Whether every cell tag in a piece of sheet XML carries its reference. Excel, WPS and
    openpyxl write `<c r="A1" …>` (and `<col …>` for widths): counts tell, when no tag has
    a namespace prefix; anything else is searched tag by tag."""
    tags = data.count(b"<c") - data.count(b"<col")
    if tags == data.count(b'<c r="') and not _PREFIXED_CELL_RE.search(data):
        return True
    return _UNPLACED_CELL_RE.search(data) is None


def _refuse_range(path: Path, max_row: int, max_col: int) -> None:
    if max_col > MAX_COLUMNS:
        raise ListFileError(
            f"“{path.name}”的工作表有 {max_col} 列，超过上限 {MAX_COLUMNS} 列，不像是名单文件，"
            "可能已损坏或被篡改，已拒绝导入。"
        )
    if max_col * max_row > MAX_SHEET_CELLS:
        raise ListFileError(
            f"“{path.name}”的工作表范围过大（{max_row} 行 × {max_col} 列），已拒绝导入。"
            "请删除表格中远离数据的空单元格或格式后重新保存，或改用 CSV。"
        )


def _walk_sheet_extent(
    path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo
) -> tuple[int, int]:
    """(last row, last column) of a sheet, 1-based, placing each row and cell without a
    reference after the previous one, as the reader does; refuses as soon as the range is
    too large."""
    row = col = max_row = max_col = 0
    for data in _sheet_chunks(path, archive, member):
        for tag, attrs in _ROW_OR_CELL_RE.findall(data):
            if tag == b"row":
                found = _ROW_ATTR_RE.search(attrs)
                row = int(found.group(1)) if found else row + 1
                col = 0
                max_row = max(max_row, row)
                continue
            found = _CELL_ATTR_RE.search(attrs)
            if found:
                col = _column_number(found.group(1))
                max_row = max(max_row, int(found.group(2)))
            else:
                col += 1
            if col > max_col:
                max_col = col
                if max_col > MAX_COLUMNS:
                    _refuse_range(path, max_row, max_col)
        if max_row * max_col > MAX_SHEET_CELLS:
            _refuse_range(path, max_row, max_col)
    return max_row, max_col
