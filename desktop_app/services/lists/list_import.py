"""Import of dishonesty lists from the files courts and credit offices hand out.

`import_list` reads an `.xlsx` workbook or a `.csv` file (UTF-8, UTF-8 with BOM, UTF-16 with
BOM, or GBK/GB18030, detected), finds the header row of the standard 22-field push record of
`004…txt` 附件1 (the catalog's `list_layout()`) or of a saved column mapping, validates and
normalises every row (identifiers with `identifiers.classify_id_cell`, names with `names`,
dates in the usual written forms or as Excel serial numbers) and hands the accepted rows to
`ListStore.importing`, which writes them in one transaction. Every refused row is reported
with its row number (as a spreadsheet program shows it) and a Chinese reason.

Hostile files are refused before anything is written: binary data renamed `.xlsx`/`.csv`,
zip bombs (member sizes and compression ratios are checked before any XML is parsed),
sheets whose cell range would make the spreadsheet reader allocate gigabytes (python-calamine
aborts the whole process on such a file, so the sheet XML is scanned first), rows with
thousands of columns, gigantic cells and NUL bytes. Cells that a spreadsheet would run as a
formula (`=`, `+`, `-`, `@` …) are stored as text, never evaluated, and the listing is flagged
so that exports can neutralise them; a name that starts like a formula is refused.
"""

from __future__ import annotations

import codecs
import collections
import concurrent.futures
import csv
import datetime
import functools
import gc
import hashlib
import io
import itertools
import json
import multiprocessing
import operator
import os
import re
import sys
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from desktop_app.errors import ImportCancelledError, ListFileError, UsageError
from desktop_app.models import identifiers, names
from desktop_app.models.lists_store import (
    FIELD_SEPARATOR,
    LISTED_AT,
    REVOKED_AT,
    SEEN_CORES_LIMIT,
    ListStore,
    in_force,
)

# The standard fields with a role in matching and history, as named in 附件1.
FIELD_RECORD_KEY = "信息唯一标识"
FIELD_CASE_NO = "案号"
FIELD_NAME = "失信被执行人姓名/名称"
FIELD_ID = "身份证号码/组织机构代码"
FIELD_LEGAL_REP = "企业法定代表人姓名"
FIELD_COURT = "执行法院"
FIELD_SUBJECT_TYPE = "标识自然人或企业法人"
FIELD_LISTED_ON = "发布时间"
FIELD_FILED_ON = "立案时间"
FIELD_REVOKED_ON = "撤销时间"
# Fields stored in columns of `listings` (→ column), left empty in its `fields` text.
COLUMN_FIELDS = {
    FIELD_NAME: "name",
    FIELD_ID: "id_value",
    FIELD_CASE_NO: "case_no",
    FIELD_COURT: "court",
    FIELD_LISTED_ON: "listed_on",
    FIELD_REVOKED_ON: "revoked_on",
}
ROLE_FIELDS = (
    FIELD_RECORD_KEY,
    FIELD_CASE_NO,
    FIELD_NAME,
    FIELD_ID,
    FIELD_LEGAL_REP,
    FIELD_COURT,
    FIELD_SUBJECT_TYPE,
    FIELD_LISTED_ON,
    FIELD_FILED_ON,
    FIELD_REVOKED_ON,
)
# Limits on what a list file may contain (a real list is far below each).
MAX_COLUMNS = 1000
MAX_CELL_CHARS = 32767  # Excel's own limit for one cell
MAX_XLSX_UNCOMPRESSED = 3 * 1024**3
MAX_ZIP_RATIO = 500  # sheet XML compresses 5–30×; zip bombs 1000× and more
ZIP_RATIO_MIN_SIZE = 1024**2
MAX_SHEET_CELLS = 60_000_000  # 1,048,576 rows × 57 columns
HEADER_SCAN_ROWS = 50
# Rows per chunk: the unit of progress reports, cancel checks and worker tasks.
CHUNK_ROWS = 1000
# Files estimated at this many rows or more are built by worker processes (CSV only).
PARALLEL_MIN_ROWS = 50_000
MAX_WORKERS = 4
# Set by a frozen program's entry point once it has called multiprocessing.freeze_support().
FROZEN_WORKERS = False

# First characters with which a spreadsheet program would run a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NAME_FORMULA_PREFIXES = ("=", "+", "-", "@")

_SPACES_RE = re.compile(r"\s+")
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]+\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


@dataclass
class Rejection:
    """A row that was not imported: its row number as a spreadsheet shows it, and why."""

    row: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason}


@dataclass
class ImportReport:
    """What an import did, for the CLI, the window and the audit log."""

    file: str
    list: str
    category: str
    sha256: str
    file_format: str
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    version: int | None = None
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    revoked: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    formula_rows: list[int] = field(default_factory=list)
    same_as_version: int | None = None
    bulk_load: bool = False
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "list": self.list,
            "category": self.category,
            "version": self.version,
            "sha256": self.sha256,
            "format": self.file_format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "added": self.added,
            "updated": self.updated,
            "revoked": self.revoked,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": [r.to_json() for r in self.rejections],
            "warnings": self.warnings,
            "formula_rows": self.formula_rows,
            "same_as_version": self.same_as_version,
            "bulk_load": self.bulk_load,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_read / self.seconds) if self.seconds else None,
        }

    def audit_details(self) -> dict[str, Any]:
        """What the audit log keeps of an import (no personal data)."""
        data = self.to_json()
        keys = ("file", "list", "category", "version", "sha256", "rows_read", "added")
        keys += ("updated", "revoked", "unchanged", "rejected", "same_as_version")
        return {key: data[key] for key in keys}

    def summary(self) -> str:
        """A few Chinese lines for a person."""
        lines = [
            f"名单“{self.list}”（{self.category}）：读取 {self.rows_read} 行，新增 {self.added}，"
            f"更新 {self.updated}，撤销 {self.revoked}，未变 {self.unchanged}，"
            f"拒绝 {self.rejected}。"
        ]
        if self.same_as_version is not None:
            lines.append(f"该文件与第 {self.same_as_version} 版相同，名单未作任何更改。")
        elif self.version is not None:
            lines.append(f"已保存为第 {self.version} 版（SHA-256 {self.sha256[:16]}…）。")
        lines.extend(f"注意：{w}" for w in self.warnings)
        lines.extend(f"第 {r.row} 行：{r.reason}" for r in self.rejections)
        return "\n".join(lines)


# --- dates ----------------------------------------------------------------------------


def parse_list_date(value: object) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date cell, None for an empty cell.

    Accepts date/datetime objects, Excel serial numbers, `2019-01-02`, `2019/1/2`,
    `2019.1.2`, `2019年1月2日` (each optionally with a time), `20190102` and full-width
    digits. Raises ValueError for anything else, or a date before 1900 or after 2100.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return _checked(value.date())
    if isinstance(value, datetime.date):
        return _checked(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(value)
    text = str(value).strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return _checked(datetime.date.fromisoformat(text))
        except ValueError:
            pass
    text = unicodedata.normalize("NFKC", text)
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _checked(datetime.date(year, month, day))
    if _SERIAL_RE.match(text):
        return _from_number(float(text))
    raise ValueError(text)


def _from_number(number: float) -> str:
    if 19000101 <= number <= 21001231 and float(number).is_integer():
        digits = str(int(number))
        return _checked(datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    if 1 <= number < 73051:  # Excel serials up to 2099-12-31
        return _checked(_EXCEL_EPOCH + datetime.timedelta(days=int(number)))
    raise ValueError(str(number))


def _checked(day: datetime.date) -> str:
    if not 1900 <= day.year <= 2100:
        raise ValueError(day.isoformat())
    return day.isoformat()


# --- cells ----------------------------------------------------------------------------


def header_key(text: object) -> str:
    """How header cells are compared: NFKC, no spaces, no `*` marks."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES_RE.sub("", text).replace("*", "").replace("※", "")


def _cell_text(value: object) -> str:
    """A cell as text, trimmed; integral numbers without `.0`, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


# --- reading files ------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """A binary file that hashes what is read and refuses NUL bytes on the way."""

    def __init__(self, raw: io.BufferedReader, refuse_nul: bool) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.refuse_nul = refuse_nul

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        if count:
            chunk = bytes(memoryview(buffer)[:count])
            if self.refuse_nul and b"\x00" in chunk:
                raise ListFileError(
                    "文件中含有空字符（NUL），不是正常的文本文件，可能已损坏或被改了扩展名。"
                    "请重新导出为 .csv 或 .xlsx 后再导入。"
                )
            self.sha256.update(chunk)
        return count


@dataclass
class _Sheet:
    """One sheet (or the CSV file): `read(count)` gives the cells of its next `count` rows
    (fewer at its end), the rows numbered from 1 in the order they are read."""

    name: str | None
    read: Callable[[int], list[list[Any]]]
    estimated_rows: int


def _csv_encoding(sample: bytes) -> tuple[str, str]:
    """(codec, label) of a CSV file from its first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8（带BOM）"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    if b"\x00" in sample:
        raise ListFileError(
            "文件中含有空字符（NUL），不是正常的文本文件，可能已损坏或被改了扩展名。"
            "请重新导出为 .csv 或 .xlsx 后再导入。"
        )
    for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030（GBK）")):
        try:
            text = codecs.getincrementaldecoder(codec)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
        if controls > max(8, len(text) // 100):
            break
        return codec, label
    raise ListFileError(
        "无法识别文件的文字编码，或文件不是文本文件。请在 Excel 或 WPS 中另存为"
        "“CSV UTF-8”或 .xlsx 后再导入。"
    )


def _csv_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _CsvFile:
    """A CSV list file, read in one pass that also hashes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as handle:
            sample = handle.read(65536)
        self.codec, self.encoding_label = _csv_encoding(sample)
        head = codecs.getincrementaldecoder(self.codec)(errors="replace").decode(sample)
        self.delimiter = _csv_delimiter(head.lstrip("\ufeff"))
        lines = max(head.count("\n"), 1)
        self.estimated_rows = max(1, int(path.stat().st_size / max(len(sample) / lines, 1)))
        self._raw: io.BufferedReader | None = None
        self._reader: _HashingReader | None = None
        self._text: io.TextIOWrapper | None = None
        self._records: Iterator[list[str]] = iter(())
        self._rows_read = 0
        self._complete = False

    def sheets(self) -> Iterator[_Sheet]:
        yield _Sheet(None, self.read, self.estimated_rows)

    def read(self, count: int) -> list[list[str]]:
        """The cells of the next `count` records (fewer at the end of the file).

        Records are taken from the csv module a block at a time; an error names the row
        where it occurred, and a row with too many columns is refused before any later one.
        """
        if self._complete:
            return []
        if self._reader is None:
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed at the end or on error
            self._reader = _HashingReader(self._raw, refuse_nul=not self.codec.startswith("utf-16"))
            self._text = io.TextIOWrapper(
                io.BufferedReader(self._reader, 1 << 20), encoding=self.codec, newline=""
            )
            self._records = csv.reader(self._text, delimiter=self.delimiter)
        rows: list[list[str]] = []
        previous_limit = csv.field_size_limit(MAX_CELL_CHARS)
        try:
            rows.extend(itertools.islice(self._records, count))
        except (csv.Error, UnicodeDecodeError) as error:
            self._check_columns(rows)
            self._close()
            row_no = self._rows_read + len(rows) + 1
            if isinstance(error, csv.Error):
                raise _csv_error(row_no, error) from None
            raise ListFileError(
                f"第 {row_no} 行附近的文字不是 {self.encoding_label} 编码，"
                "文件编码前后不一致。请用 Excel 或 WPS 重新另存为“CSV UTF-8”后再导入。"
            ) from None
        except BaseException:
            self._close()
            raise
        finally:
            csv.field_size_limit(previous_limit)
        self._check_columns(rows)
        self._rows_read += len(rows)
        if len(rows) < count:
            self._complete = True
            self._close()
        return rows

    def blocks(self, lines: int) -> Iterator[tuple[str, bool]]:
        """The rest of the file as text blocks of about `lines` lines: (text, is the last).

        For worker processes that parse the records themselves (`_build_text_block`),
        after `read` has taken the first records. Lines are as the csv module sees them
        (ending in LF, CR LF or CR). A block ends after a line that leaves an even number
        of quote characters in it, so a quoted cell that spans lines stays in one block as
        long as the file quotes in the usual way; after `8 × lines` lines it ends anyway.
        Raises `_StartOver` on anything `read` would report as an error.
        """
        if self._complete or self._text is None:
            return
        text = self._text
        try:
            while True:
                block = list(itertools.islice(text, lines))
                last = len(block) < lines
                odd = not last and "".join(block).count('"') % 2 == 1
                while odd and len(block) < 8 * lines:
                    line = text.readline()
                    if not line:
                        last = True
                        break
                    block.append(line)
                    odd = odd != (line.count('"') % 2 == 1)
                if last:
                    self._complete = True
                    self._close()
                if block:
                    yield "".join(block), last
                if last:
                    return
        except (ListFileError, UnicodeDecodeError):
            self._close()
            raise _StartOver from None

    def _check_columns(self, rows: list[list[str]]) -> None:
        if rows and max(map(len, rows)) > MAX_COLUMNS:
            self._close()
            at = next(i for i, cells in enumerate(rows) if len(cells) > MAX_COLUMNS)
            raise _too_many_columns(self._rows_read + at + 1, len(rows[at]))

    def _close(self) -> None:
        if self._raw is not None:
            self._raw.close()

    def sha256(self) -> str:
        """The file's SHA-256, hashed while the rows were read (all of them first)."""
        if self._reader is None or not self._complete:
            raise RuntimeError("read every row first")
        return self._reader.sha256.hexdigest()


def _csv_error(row_no: int, error: csv.Error) -> ListFileError:
    if "field larger than field limit" in str(error):
        return ListFileError(
            f"第 {row_no} 行有超过 {MAX_CELL_CHARS} 个字符的单元格，不像是名单数据，"
            "文件可能已损坏或被篡改。请核对后重新导出。"
        )
    if "NUL" in str(error):
        return ListFileError(
            f"第 {row_no} 行含有空字符（NUL），文件可能已损坏。请重新导出后再导入。"
        )
    return ListFileError(f"第 {row_no} 行不是有效的 CSV 格式（{error}）。请重新导出后再导入。")


def _too_many_columns(row_no: int, count: int) -> ListFileError:
    return ListFileError(
        f"第 {row_no} 行有 {count} 列，超过上限 {MAX_COLUMNS} 列，不像是名单文件，"
        "可能已损坏或被篡改。请核对后重新导出。"
    )


# Cell references (`r="AB12"` of a `<c>`) in a sheet's XML: columns AA and beyond, rows
# from 1,000,000, any row. The patterns start with a literal ` r="` so that the regular
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


def _check_xlsx_zip(path: Path) -> None:
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


class _XlsxFile:
    """An .xlsx workbook read with python-calamine (merged cells filled from their anchor)."""

    encoding_label = None

    def __init__(self, path: Path) -> None:
        import python_calamine

        _check_xlsx_zip(path)
        self.path = path
        try:
            self.workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        except Exception as error:  # calamine raises several unrelated error types
            raise ListFileError(
                f"无法读取工作簿“{path.name}”（{error}）。请用 Excel 或 WPS 打开后另存为 .xlsx。"
            ) from None
        self.sheet_names = [
            m.name
            for m in self.workbook.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]

    def sheets(self) -> Iterator[_Sheet]:
        for name in self.sheet_names:
            try:
                sheet = self.workbook.get_sheet_by_name(name)
            except Exception as error:
                raise ListFileError(
                    f"无法读取工作表“{name}”（{error}）。请用 Excel 或 WPS 重新另存为 .xlsx。"
                ) from None
            yield _Sheet(name, functools.partial(_take, self._rows(sheet)), sheet.height)

    @staticmethod
    def _rows(sheet: Any) -> Iterator[list[Any]]:
        first_col = sheet.start[1] if sheet.start else 0
        # Merged ranges: every covered cell takes the value of the range's top-left cell.
        covered: dict[int, list[tuple[int, int, int]]] = {}
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
            for r in range(r0, r1 + 1):
                covered.setdefault(r, []).append((c0 - first_col, c1 - first_col, r0))
        anchors: dict[tuple[int, int], Any] = {}
        for index, cells in enumerate(sheet.iter_rows()):
            if len(cells) > MAX_COLUMNS:
                raise _too_many_columns(index + 1, len(cells))
            spans = covered.get(index)
            if spans:
                cells = list(cells)
                for c0, c1, r0 in spans:
                    if r0 == index:
                        anchors[(r0, c0)] = cells[c0] if c0 < len(cells) else None
                    value = anchors.get((r0, c0))
                    for c in range(max(c0, 0), min(c1 + 1, len(cells))):
                        if cells[c] in ("", None):
                            cells[c] = value
            yield cells

    def sha256(self) -> str:
        with open(self.path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()


def _take(rows: Iterator[list[Any]], count: int) -> list[list[Any]]:
    return list(itertools.islice(rows, count))


def _open_list_file(path: Path) -> _CsvFile | _XlsxFile:
    if not path.is_file():
        raise UsageError(f"找不到文件“{path}”。请检查路径是否正确。")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _XlsxFile(path)
    if suffix in (".csv", ".txt"):
        return _CsvFile(path)
    if suffix in (".xls", ".et"):
        raise ListFileError(
            f"不支持旧版 Excel 格式（{suffix}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。"
        )
    raise ListFileError(f"不支持的文件类型“{suffix or path.name}”：请导入 .xlsx 或 .csv 文件。")


# --- header and columns -------------------------------------------------------------


@dataclass
class _Columns:
    """Where each standard field is in a sheet (0-based column), found on `header_row`."""

    header_row: int
    positions: dict[str, int]
    header_cells: list[str]


def _resolve_mapping(mapping: Mapping[str, str], layout_names: Sequence[str]) -> dict[str, str]:
    """Standard field (as in the layout) → header key of the file column."""
    by_key = {header_key(name): name for name in layout_names}
    resolved = {}
    for standard, column in mapping.items():
        name = by_key.get(header_key(standard))
        if name is None:
            raise UsageError(
                f"列映射中的“{standard}”不是标准字段。标准字段有：{'、'.join(layout_names)}。"
            )
        resolved[name] = header_key(column)
    return resolved


def validate_mapping(columns: Mapping[str, str], catalog: Any) -> dict[str, str]:
    """A column mapping with its standard fields spelled as in the layout (UsageError for a
    field that is not standard, or for two fields mapped to one column)."""
    layout_names = _layout_names(catalog)
    by_key = {header_key(name): name for name in layout_names}
    _resolve_mapping(columns, layout_names)
    result = {by_key[header_key(standard)]: column for standard, column in columns.items()}
    seen: dict[str, str] = {}
    for standard, column in result.items():
        if header_key(column) in seen:
            raise UsageError(
                f"文件列“{column}”同时映射到了“{seen[header_key(column)]}”和“{standard}”。"
            )
        seen[header_key(column)] = standard
    return result


def _find_header(
    rows: list[tuple[int, list[Any]]],
    layout_names: Sequence[str],
    mapped: Mapping[str, str],
) -> _Columns | None:
    """The row among `rows` that names the most standard fields (the name field required)."""
    wanted = {header_key(name): name for name in layout_names}
    # A mapped column takes precedence over a file column that happens to carry the
    # standard name of another field.
    wanted.update({column: standard for standard, column in mapped.items()})
    best: _Columns | None = None
    for row_no, cells in rows:
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells):
            standard = wanted.get(header_key(cell))
            if standard and standard not in positions:
                positions[standard] = index
        # Without a mapping a lone cell reading like the name header is no header yet.
        if (
            FIELD_NAME in positions
            and (len(positions) >= 2 or mapped)
            and (best is None or len(positions) > len(best.positions))
        ):
            best = _Columns(row_no, positions, [_cell_text(c) for c in cells])
    return best


# --- rows -----------------------------------------------------------------------------

_PERSON_MARKS = ("自然人", "个人")
_ORGANIZATION_MARKS = ("法人", "组织", "企业", "单位", "公司", "个体")


_PERSON_ID_KINDS = ("resident_id", "masked_resident_id")
_ORGANIZATION_ID_KINDS = ("uscc", "org_code", "masked_other")


def _subject_type(mark: str, is_organization: bool) -> str:
    """The subject type of a listing without an identifier that tells it."""
    if any(word in mark for word in _PERSON_MARKS):
        return "person"
    if any(word in mark for word in _ORGANIZATION_MARKS):
        return "organization"
    return "organization" if is_organization else "person"


def _id_key(kind: str, value: str | None) -> str | None:
    if kind == "resident_id" or kind == "org_code":
        return value
    if kind == "uscc" and value:
        return identifiers.org_code_of_uscc(value)
    if (kind == "masked_resident_id" or kind == "masked_other") and value:
        return identifiers.masked_lookup_key(value)
    return None


def _row_hash(fields: str) -> int:
    digest = hashlib.blake2b(fields.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# A formula-like first character of any of the joined fields but the first (a pattern that
# starts with a literal is searched several times faster than one starting with `^|`).
_FORMULA_RE = re.compile(f"{FIELD_SEPARATOR}[{re.escape(''.join(FORMULA_PREFIXES))}]")

# Bound on each memo of a row builder (names, dates): past it the memo starts again empty,
# so a file of millions of distinct values holds this many of them at most (~200 bytes a
# name). A national list has a few million distinct names; most rows name a common one.
MEMO_LIMIT = 200_000


class _NotADate:
    """What the dates memo holds for a cell that is not a date."""


_UNSEEN = object()


class _RowBuilder:
    """Turns the cells of one data row into a row for `ListStore.importing` (the columns of
    `ROW_COLUMNS`, in that order), or a rejection reason.

    Written for speed (it runs once per row of lists with millions of rows): the cells of
    the standard fields are picked with one itemgetter; the stored `fields` text, the formula
    check and the row hash all work on joined strings; what a row takes from its name and
    from its date cells is remembered per distinct text (a national list names the same
    persons and days over and over), in memos bounded by `MEMO_LIMIT`.
    """

    def __init__(self, columns: _Columns, layout_names: Sequence[str], text_cells: bool) -> None:
        self.columns = columns
        self.layout_names = list(layout_names)
        positions = [columns.positions.get(name) for name in self.layout_names]
        self.width = max(p for p in positions if p is not None) + 1
        # A field the file lacks reads the empty cell appended to every row (index -1).
        self.getter = operator.itemgetter(*(-1 if p is None else p for p in positions))
        # CSV cells are all text (stripped with one map call).
        self.text_cells = text_cells
        at = {name: i for i, name in enumerate(self.layout_names)}
        self.at = (
            at[FIELD_RECORD_KEY] if FIELD_RECORD_KEY in columns.positions else None,
            at[FIELD_CASE_NO],
            at[FIELD_NAME],
            at[FIELD_ID],
            at[FIELD_LEGAL_REP],
            at[FIELD_COURT],
            at[FIELD_SUBJECT_TYPE],
            at[FIELD_LISTED_ON],
            at[FIELD_FILED_ON],
            at[FIELD_REVOKED_ON],
        )
        # The stored `fields`: every field in layout order, those kept in columns of their
        # own left empty (they read the empty text appended after the last field).
        in_columns = {at[name] for name in COLUMN_FIELDS}
        count = len(self.layout_names)
        self.stored_getter = operator.itemgetter(
            *(count if i in in_columns else i for i in range(count))
        )
        # Birth dates in resident IDs may not lie after this (see identifiers.classify_id_cell).
        self.today = datetime.date.today()
        self._names: dict[str, tuple[str, str, str | None, bool] | str] = {}
        self._dates: dict[str, str | type[_NotADate] | None] = {}

    def _name(self, text: str) -> tuple[str, str, str | None, bool] | str:
        """(name, matching form, core if it differs from it, is an organisation) of a name
        cell, or why it is refused."""
        if not text:
            found: tuple[str, str, str | None, bool] | str = "姓名/名称为空。"
        elif text.startswith(_NAME_FORMULA_PREFIXES):
            found = f"姓名/名称以“{text[0]}”开头，像是表格公式，已拒绝（防止公式注入）。"
        else:
            name = names.clean_display(text)
            name_norm = names.normalize_name(name)
            if len(name_norm) < 2:
                found = f"姓名/名称“{name}”不完整（少于两个字）。"
            else:
                parts = names.name_parts(name)
                core = parts.core if parts.core != name_norm else None
                found = (name, name_norm, core, parts.is_organization)
        if len(self._names) >= MEMO_LIMIT:
            self._names.clear()
        self._names[text] = found
        return found

    def _date(self, value: Any) -> str | type[_NotADate] | None:
        """`parse_list_date` of a date cell not in the memo, or `_NotADate`."""
        try:
            found = parse_list_date(value)
        except ValueError:
            found = _NotADate
        if value.__class__ is str:  # other cell types are few and not all hashable alike
            if len(self._dates) >= MEMO_LIMIT:
                self._dates.clear()
            self._dates[value] = found
        return found

    def build(
        self, row_no: int, cells: list[Any]
    ) -> tuple[tuple[Any, ...] | None, str | None, bool]:
        """(row, None, formula) for an accepted row, (None, reason, formula) otherwise."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        cells.append("")
        raw = self.getter(cells)
        if self.text_cells:
            texts = list(map(str.strip, raw))
        else:
            texts = [v.strip() if v.__class__ is str else _cell_text(v) for v in raw]
        i_key, i_case, i_name, i_id, i_rep, i_court, i_mark, i_listed, i_filed, i_revoked = self.at
        joined = FIELD_SEPARATOR.join(texts)
        if len(joined) > MAX_CELL_CHARS and max(map(len, texts)) > MAX_CELL_CHARS:
            raise ListFileError(
                f"第 {row_no} 行有超过 {MAX_CELL_CHARS} 个字符的单元格，不像是名单数据，"
                "文件可能已损坏或被篡改。请核对后重新导出。"
            )
        formula = texts[0].startswith(FORMULA_PREFIXES) or _FORMULA_RE.search(joined) is not None
        name_text = texts[i_name]
        named = self._names.get(name_text) or self._name(name_text)
        if named.__class__ is str:
            return None, named, formula  # type: ignore[return-value]
        name, name_norm, core, is_organization = named  # type: ignore[misc]
        kind, id_value, id_error = identifiers.classify_id_cell(raw[i_id], self.today)
        if kind == "invalid":
            return None, f"证件号码“{id_value}”无效：{id_error}", formula
        # The dates memo, inline: three lookups on every row.
        dates = self._dates
        value = raw[i_listed]
        listed_on = dates.get(value, _UNSEEN) if value.__class__ is str else _UNSEEN
        if listed_on is _UNSEEN:
            listed_on = self._date(value)
        if listed_on is _NotADate:
            return None, f"{FIELD_LISTED_ON}“{texts[i_listed]}”不是有效日期。", formula
        value = raw[i_revoked]
        revoked_on = dates.get(value, _UNSEEN) if value.__class__ is str else _UNSEEN
        if revoked_on is _UNSEEN:
            revoked_on = self._date(value)
        if revoked_on is _NotADate:
            return None, f"{FIELD_REVOKED_ON}“{texts[i_revoked]}”不是有效日期。", formula
        # 立案时间 decides nothing: kept as written when it is not a date.
        value = raw[i_filed]
        filed_on = dates.get(value, _UNSEEN) if value.__class__ is str else _UNSEEN
        if filed_on is _UNSEEN:
            filed_on = self._date(value)
        if filed_on is not _NotADate:
            texts[i_filed] = filed_on or ""
        if kind in _PERSON_ID_KINDS:
            subject_type = "person"
        elif kind in _ORGANIZATION_ID_KINDS:
            subject_type = "organization"
        else:
            subject_type = _subject_type(texts[i_mark], is_organization)
        legal_rep = texts[i_rep]
        legal_rep_norm = None
        if legal_rep and subject_type == "organization":
            legal_rep_norm = names.normalize_name(legal_rep) or None
        case_no = texts[i_case] or None
        texts[i_name] = name
        texts[i_id] = id_value or ""
        texts[i_listed] = listed_on or ""
        texts[i_revoked] = revoked_on or ""
        record_key = texts[i_key] if i_key is not None else ""
        if not record_key:
            record_key = f"{id_value or name_norm}|{case_no or ''}"
        fields = FIELD_SEPARATOR.join(texts)
        if fields.count(FIELD_SEPARATOR) != len(texts) - 1:
            texts = [t.replace(FIELD_SEPARATOR, " ") for t in texts]
            fields = FIELD_SEPARATOR.join(texts)
        texts.append("")
        row = (
            record_key,
            name,
            name_norm,
            core,
            subject_type,
            kind,
            id_value,
            _id_key(kind, id_value),
            legal_rep_norm,
            case_no,
            texts[i_court] or None,
            listed_on,
            revoked_on,
            row_no,
            _row_hash(fields),
            int(formula),
            FIELD_SEPARATOR.join(self.stored_getter(texts)),
        )
        return row, None, formula


@dataclass
class _ChunkResult:
    """What processing one chunk of rows gave (picklable, for worker processes).

    `fuzzy` holds the `fuzzy_keys` rows (key, name core) of the cores new to the processor;
    `not_in_force` counts the accepted rows not in force on the import's date.
    """

    rows: list[tuple[Any, ...]]
    fuzzy: list[tuple[str, str]]
    rejections: list[tuple[int, str]]
    formula_rows: list[int]
    read: int
    not_in_force: int


class _ChunkProcessor:
    """Builds the rows of a chunk and the fuzzy keys of the name cores new to it.

    Runs in the importing process for small files and in worker processes for large CSV
    files; each instance keeps its own bounded set of name cores already keyed.
    """

    def __init__(
        self, columns: _Columns, layout_names: Sequence[str], text_cells: bool, today: str
    ) -> None:
        self.builder = _RowBuilder(columns, layout_names, text_cells)
        self.header_keys = [header_key(c) for c in columns.header_cells]
        self.name_at = columns.positions[FIELD_NAME]
        self.name_header = columns.header_cells[self.name_at]
        self.text_cells = text_cells
        self.today = today
        self.seen_cores: set[str] = set()

    def _is_blank_or_header(self, cells: list[Any]) -> bool:
        """True for a blank row, and for the header repeated on every printed page."""
        if not any(c not in ("", None) for c in cells):
            return True
        return (
            len(cells) > self.name_at
            and _cell_text(cells[self.name_at]) == self.name_header
            and [header_key(c) for c in cells[: len(self.header_keys)]] == self.header_keys
        )

    def process(self, first_row: int, chunk: list[list[Any]]) -> _ChunkResult:
        """Build the rows of `chunk`, whose first row is row number `first_row`."""
        rows: list[tuple[Any, ...]] = []
        fuzzy: list[tuple[str, str]] = []
        rejections: list[tuple[int, str]] = []
        formula_rows: list[int] = []
        read = not_in_force = 0
        build, seen, today = self.builder.build, self.seen_cores, self.today
        self.builder.today = datetime.date.today()
        text_cells, name_at, name_header = self.text_cells, self.name_at, self.name_header
        for row_no, cells in enumerate(chunk, first_row):
            # CSV cells are text: a row with a character in some cell, whose name cell does
            # not read like the header, is neither blank nor a repeated header (the usual).
            if not (
                text_cells
                and any(cells)
                and (len(cells) <= name_at or cells[name_at].strip() != name_header)
            ) and self._is_blank_or_header(cells):
                continue
            read += 1
            row, reason, formula = build(row_no, cells)
            if row is None:
                rejections.append((row_no, reason or ""))
                continue
            if formula:
                formula_rows.append(row_no)
            rows.append(row)
            if not in_force(row[LISTED_AT], row[REVOKED_AT], today):
                not_in_force += 1
            core = row[3] or row[2]
            if core not in seen:
                if len(seen) >= SEEN_CORES_LIMIT:
                    seen.clear()
                seen.add(core)
                fuzzy += [(key, core) for key in names.fuzzy_keys(row[1])]
        return _ChunkResult(rows, fuzzy, rejections, formula_rows, read, not_in_force)


def _chunks(
    sheet: _Sheet, head: list[list[Any]], header_row: int
) -> Iterator[tuple[int, list[list[Any]]]]:
    """(first row number, cells of `CHUNK_ROWS` rows) after the header, to the sheet's end."""
    first_row, rows = header_row + 1, head[header_row:]
    while True:
        if len(rows) < CHUNK_ROWS:
            rows += sheet.read(CHUNK_ROWS - len(rows))
        if not rows:
            return
        yield first_row, rows
        first_row, rows = first_row + len(rows), []


class _StartOver(Exception):
    """Reading a CSV file in text blocks met something only the csv module's own reading
    reports exactly (an error, or quotes that do not pair up as usual): the import starts
    again and reads the file record by record."""


# A line appended to every text block but the last: it parses as a record of its own, one
# cell holding this text, only when the block ends where a record ends. (A cell can hold a
# NUL character only in a UTF-16 file; even there a block that ends inside a quoted cell
# makes the sentinel part of that cell, after at least the line break.)
_SENTINEL = "\x00end of block\x00"
_SENTINEL_LINE = _SENTINEL + "\n"


class _TextBlockResult(NamedTuple):
    """A worker's result for one text block: None when the block must be read again
    record by record (see `_StartOver`), else the result (rows numbered from 1 within the
    block) and how many records the block held."""

    result: _ChunkResult | None
    records: int


_worker: _ChunkProcessor | None = None
_worker_delimiter = ","


def _start_worker(
    columns: _Columns, layout_names: Sequence[str], today: str, delimiter: str
) -> None:
    global _worker, _worker_delimiter
    _worker = _ChunkProcessor(columns, layout_names, text_cells=True, today=today)
    _worker_delimiter = delimiter
    csv.field_size_limit(MAX_CELL_CHARS)
    # Millions of short-lived objects and no reference cycles (see import_list).
    gc.disable()
    # A worker holds both ends of its task queue, so it would wait forever for tasks if the
    # importing process were killed: follow the parent instead.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()
    os._exit(1)


def _build_text_block(block: str, last: bool) -> _TextBlockResult:
    """Parse and build one text block of the file (in a worker process)."""
    assert _worker is not None
    text = block if last else block + _SENTINEL_LINE
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_worker_delimiter))
    except csv.Error:
        return _TextBlockResult(None, 0)
    # The sentinel parsed on its own: the block ended where a record ends, so its records
    # are those the csv module reads from the whole file.
    if not last and (not rows or rows.pop() != [_SENTINEL]):
        return _TextBlockResult(None, 0)
    if rows and max(map(len, rows)) > MAX_COLUMNS:
        return _TextBlockResult(None, 0)
    return _TextBlockResult(_worker.process(1, rows), len(rows))


def _workers(parallel: bool) -> int:
    """How many worker processes build rows: 0 to build them in this process."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    # A frozen (PyInstaller) program can only start workers if its entry point calls
    # multiprocessing.freeze_support(); without that a worker would start the program again.
    frozen = getattr(sys, "frozen", False)
    if not parallel or workers < 2 or (frozen and not FROZEN_WORKERS):
        return 0
    return workers


def _built_here(
    processor: _ChunkProcessor, chunks: Iterator[tuple[int, list[list[Any]]]]
) -> Iterator[tuple[_ChunkResult, int]]:
    """(result, row offset 0) of each chunk, built in this process."""
    for first_row, rows in chunks:
        yield processor.process(first_row, rows), 0


def _built_by_workers(
    processor: _ChunkProcessor,
    source: _CsvFile,
    head: list[list[Any]],
    header_row: int,
    workers: int,
) -> Iterator[tuple[_ChunkResult, int]]:
    """(result, row offset) of the rows after the header, in file order, built by workers.

    Reading, parsing and building a row cost several times what storing it does, so a large
    CSV file goes to `workers` processes in text blocks of `CHUNK_ROWS` lines: this process
    only decodes the file (hashing it and refusing NUL bytes on the way) and writes the
    database. A worker numbers its block's rows from 1; the offset gives their row numbers
    in the file, known once the blocks before have been parsed. At most a few blocks per
    worker are in flight, so memory stays flat whatever the file's size. Raises
    `_StartOver` when a block cannot be read this way.
    """
    first_row = header_row + 1
    rest = head[header_row:]
    if rest:
        yield processor.process(first_row, rest), 0
        first_row += len(rest)
    builder = processor.builder
    context = multiprocessing.get_context("spawn")  # safe beside Qt threads; as on Windows
    with concurrent.futures.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(builder.columns, builder.layout_names, processor.today, source.delimiter),
    ) as pool:
        pending: collections.deque[concurrent.futures.Future[_TextBlockResult]] = (
            collections.deque()
        )

        def next_result() -> tuple[_ChunkResult, int]:
            nonlocal first_row
            built, records = pending.popleft().result()
            if built is None:
                raise _StartOver
            offset, first_row = first_row - 1, first_row + records
            return built, offset

        try:
            for block, last in source.blocks(CHUNK_ROWS):
                pending.append(pool.submit(_build_text_block, block, last))
                if len(pending) >= 3 * workers:
                    yield next_result()
            while pending:
                yield next_result()
        finally:
            for future in pending:
                future.cancel()


def listing_fields(listing: Mapping[str, Any]) -> dict[str, str]:
    """The standard fields of a stored listing (name → text, empty ones left out)."""
    field_names = json.loads(listing["field_names"])
    values = listing["fields"].split(FIELD_SEPARATOR)
    fields = dict(zip(field_names, values, strict=False))
    for name, column in COLUMN_FIELDS.items():
        fields[name] = listing[column] or ""
    return {name: value for name, value in fields.items() if value}


# --- the import -----------------------------------------------------------------------


def _layout_names(catalog: Any) -> list[str]:
    layout = sorted(catalog.list_layout(), key=lambda f: f["position"])
    layout_names = [f["name"] for f in layout]
    keys = {header_key(n): n for n in layout_names}
    missing = [f for f in ROLE_FIELDS if header_key(f) not in keys]
    if missing:
        raise ListFileError(
            f"目录中的名单标准格式缺少字段：{'、'.join(missing)}。请更新信用核查台。"
        )
    # Use the role names exactly as this module spells them.
    by_key = {header_key(f): f for f in ROLE_FIELDS}
    return [by_key.get(header_key(n), n) for n in layout_names]


def _default_catalog() -> Any:
    from desktop_app import paths
    from desktop_app.models.catalog import Catalog

    return Catalog.open(paths.catalog_path())


def import_list(
    store: ListStore,
    path: Path | str,
    category: str,
    list_name: str | None = None,
    mapping: str | Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    catalog: Any = None,
    today: datetime.date | None = None,
) -> ImportReport:
    """Import one list file as one transaction and report what happened.

    `category` is resolved through the catalog (any alias; unknown → UnknownNameError).
    `list_name` defaults to the canonical category, so that the next file of the same list
    updates it. `mapping` is the name of a saved column mapping or a dict (standard field →
    file column). `progress(done, total)` is called every `CHUNK_ROWS` rows (total is an
    estimate until the end) and `cancel()` at the same points: when it returns True the
    import stops with ImportCancelledError and nothing is written. Raises ListFileError for a
    file that cannot be read (nothing written).
    """
    # Millions of short-lived rows and no reference cycles: the cyclic collector would only
    # walk them again and again (a quarter of the import's time), so it pauses meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    started = time.perf_counter()
    arguments = (store, Path(path), category, list_name, mapping, progress, cancel, catalog)
    try:
        try:
            return _import_list(*arguments, today, started, workers_allowed=True)
        except _StartOver:
            # Rolled back: read the file again record by record, which reports exactly.
            return _import_list(*arguments, today, started, workers_allowed=False)
    finally:
        if collecting:
            gc.enable()


def _import_list(
    store: ListStore,
    path: Path,
    category: str,
    list_name: str | None,
    mapping: str | Mapping[str, str] | None,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
    catalog: Any,
    today: datetime.date | None,
    started: float,
    workers_allowed: bool,
) -> ImportReport:
    own_catalog = catalog is None
    catalog = catalog or _default_catalog()
    try:
        category = catalog.resolve_category(category)
        layout_names = _layout_names(catalog)
    finally:
        if own_catalog:
            catalog.close()
    mapping_name = mapping if isinstance(mapping, str) else None
    if isinstance(mapping, str):
        saved = store.mapping(mapping)
        if saved is None:
            known = "、".join(m["name"] for m in store.mappings()) or "（尚未保存任何映射）"
            raise UsageError(f"没有名为“{mapping}”的列映射。已保存的映射：{known}。")
        mapping = saved
    mapped = _resolve_mapping(mapping or {}, layout_names)
    list_name = " ".join(list_name.split()) if list_name else category
    if not list_name:
        raise UsageError("名单名称不能为空。")

    source = _open_list_file(path)
    report = ImportReport(
        file=path.name,
        list=list_name,
        category=category,
        sha256="",
        file_format="xlsx" if isinstance(source, _XlsxFile) else "csv",
        encoding=source.encoding_label,
    )
    today_iso = (today or datetime.date.today()).isoformat()
    total = done = 0

    def tick() -> None:
        if cancel is not None and cancel():
            raise ImportCancelledError("导入已取消，名单未作任何更改。")
        if progress is not None:
            progress(done, max(total, done))

    with store.importing(
        list_name=list_name,
        category=category,
        file_name=path.name,
        field_names=layout_names,
        mapping_name=mapping_name,
    ) as session:
        sheet, columns, head = _pick_sheet(source, layout_names, mapped, report)
        total = sheet.estimated_rows
        session.start(expected_rows=total, today=today_iso)
        if FIELD_ID not in columns.positions:
            report.warnings.append("文件中没有证件号码列，这些名单只能按名称核查。")
        is_csv = isinstance(source, _CsvFile)
        processor = _ChunkProcessor(columns, layout_names, text_cells=is_csv, today=today_iso)
        workers = _workers(workers_allowed and is_csv and total >= PARALLEL_MIN_ROWS)
        if workers:
            assert isinstance(source, _CsvFile)
            results = _built_by_workers(processor, source, head, columns.header_row, workers)
        else:
            results = _built_here(processor, _chunks(sheet, head, columns.header_row))
        for result, offset in results:
            session.add(result.rows, result.fuzzy, result.not_in_force, offset)
            report.rows_read += result.read
            report.rejections.extend(
                Rejection(r + offset, reason) for r, reason in result.rejections
            )
            report.formula_rows.extend(r + offset for r in result.formula_rows)
            done += result.read
            tick()
        report.sha256 = source.sha256()
        tick()
        counts = session.finish(
            sha256=report.sha256,
            rows_read=report.rows_read,
            rejected=len(report.rejections),
            sheet=sheet.name,
        )
    for row_no, first in counts.duplicates or ():
        report.rejections.append(Rejection(row_no, f"与第 {first} 行是同一条记录（重复）。"))
    report.rejections.sort(key=lambda r: r.row)
    report.added, report.updated = counts.added, counts.updated
    report.revoked, report.unchanged = counts.revoked, counts.unchanged
    report.version = counts.version_no
    report.same_as_version = counts.same_as_version
    report.bulk_load = counts.bulk_load
    if report.formula_rows:
        report.warnings.append(
            f"有 {len(report.formula_rows)} 行含有以 = + - @ 开头的单元格，"
            "已按文本保存（不会执行），导出时会加上前导单引号。"
        )
    report.formula_rows.sort()
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(done, done)
    return report


def _pick_sheet(
    source: _CsvFile | _XlsxFile,
    layout_names: Sequence[str],
    mapped: Mapping[str, str],
    report: ImportReport,
) -> tuple[_Sheet, _Columns, list[list[Any]]]:
    """The first sheet with a list header among its first rows, its columns and those rows."""
    skipped = []
    for sheet in source.sheets():
        head = sheet.read(HEADER_SCAN_ROWS)
        columns = _find_header(list(enumerate(head, 1)), layout_names, mapped)
        if columns is None:
            skipped.append(sheet.name)
            continue
        missing = _missing_mapped(columns, mapped)
        if missing:
            raise UsageError(
                f"列映射中的列“{'、'.join(missing)}”在文件"
                f"{f'的工作表“{sheet.name}”' if sheet.name else ''}中找不到。"
                f"文件表头为：{'、'.join(c for c in columns.header_cells if c)}。"
            )
        if sheet.name is not None:
            report.sheet = sheet.name
            others = len(source.sheet_names) - 1
            report.warnings.append(
                f"导入工作表“{sheet.name}”（第 {columns.header_row} 行为表头）"
                + (f"；其余 {others} 张工作表未导入。" if others else "。")
            )
        report.header_row = columns.header_row
        return sheet, columns, head
    raise ListFileError(_no_header_message(source, mapped))


def _missing_mapped(columns: _Columns, mapped: Mapping[str, str]) -> list[str]:
    present = {header_key(c) for c in columns.header_cells}
    return [column for column in mapped.values() if column not in present]


def _no_header_message(source: _CsvFile | _XlsxFile, mapped: Mapping[str, str]) -> str:
    where = (
        f"工作簿的 {len(source.sheet_names)} 张工作表（{'、'.join(source.sheet_names)}）"
        if isinstance(source, _XlsxFile)
        else "文件"
    )
    hint = (
        "请检查列映射是否与文件表头一致。"
        if mapped
        else "标准表头为附件1《失信被执行人信息推送表》的字段（如“失信被执行人姓名/名称”"
        "“身份证号码/组织机构代码”）；其他格式请先用 lists mapping save 保存列映射。"
    )
    return f"在{where}的前 {HEADER_SCAN_ROWS} 行中没有找到名单表头。{hint}"


def ensure_demo_lists(ctx: Any) -> list[ImportReport]:
    """First start: import the bundled synthetic demo lists if no list is loaded yet.

    The lists of `resources/demo/manifest.json` are imported in its order (a later version
    of a list updates the earlier one, so history shows from the start); each import is
    audited as done by the program (no user). Returns the reports, empty when lists exist.
    """
    from desktop_app import paths
    from desktop_app.services import audit

    store = ctx.lists
    if not store.is_empty():
        return []
    demo = paths.resources_dir() / "demo"
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    reports = []
    for entry in manifest["lists"]:
        report = import_list(
            store,
            demo / entry["csv"],
            entry["category"],
            list_name=entry["list_name"],
            catalog=ctx.catalog,
        )
        audit.log_event(ctx, None, "list_import", details={**report.audit_details(), "demo": True})
        reports.append(report)
    return reports
