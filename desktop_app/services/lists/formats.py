"""Reading list files: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM or GBK/GB18030,
detected, the delimiter too) and .xlsx workbooks (python-calamine, after the checks of
`xlsx_guard`), each as sheets whose rows are read a block at a time while the file is hashed.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.errors import ListFileError, UsageError
from desktop_app.services.lists.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    cell_too_long,
    too_many_columns,
)
from desktop_app.services.lists.xlsx_guard import check_xlsx_zip


class StartOver(Exception):
    """Reading a CSV file in text blocks met something only the csv module's own reading
    reports exactly (an error, or quotes that do not pair up as usual): the import starts
    again and reads the file record by record."""


def _nul_bytes() -> ListFileError:
    return ListFileError(
        "文件中含有空字符（NUL），不是正常的文本文件，可能已损坏或被改了扩展名。"
        "请重新导出为 .csv 或 .xlsx 后再导入。"
    )


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
                raise _nul_bytes()
            self.sha256.update(chunk)
        return count


@dataclass
class Sheet:
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
        raise _nul_bytes()
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


class CsvFile:
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

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet(None, self.read, self.estimated_rows)

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

        For worker processes that parse the records themselves (`workers.build_text_block`),
        after `read` has taken the first records. Lines are as the csv module sees them
        (ending in LF, CR LF or CR). A block ends after a line that leaves an even number
        of quote characters in it, so a quoted cell that spans lines stays in one block as
        long as the file quotes in the usual way; after `8 × lines` lines it ends anyway.
        Raises `StartOver` on anything `read` would report as an error.
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
            raise StartOver from None

    def _check_columns(self, rows: list[list[str]]) -> None:
        if rows and max(map(len, rows)) > MAX_COLUMNS:
            self._close()
            at = next(i for i, cells in enumerate(rows) if len(cells) > MAX_COLUMNS)
            raise too_many_columns(self._rows_read + at + 1, len(rows[at]))

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
        return cell_too_long(row_no)
    if "NUL" in str(error):
        return ListFileError(
            f"第 {row_no} 行含有空字符（NUL），文件可能已损坏。请重新导出后再导入。"
        )
    return ListFileError(f"第 {row_no} 行不是有效的 CSV 格式（{error}）。请重新导出后再导入。")


class XlsxFile:
    """An .xlsx workbook read with python-calamine (merged cells filled from their anchor)."""

    encoding_label = None

    def __init__(self, path: Path) -> None:
        import python_calamine

        check_xlsx_zip(path)
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

    def sheets(self) -> Iterator[Sheet]:
        for name in self.sheet_names:
            try:
                sheet = self.workbook.get_sheet_by_name(name)
            except Exception as error:
                raise ListFileError(
                    f"无法读取工作表“{name}”（{error}）。请用 Excel 或 WPS 重新另存为 .xlsx。"
                ) from None
            yield Sheet(name, functools.partial(_take, self._rows(sheet)), sheet.height)

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
                raise too_many_columns(index + 1, len(cells))
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


def open_list_file(path: Path) -> CsvFile | XlsxFile:
    if not path.is_file():
        raise UsageError(f"找不到文件“{path}”。请检查路径是否正确。")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return XlsxFile(path)
    if suffix in (".csv", ".txt"):
        return CsvFile(path)
    if suffix in (".xls", ".et"):
        raise ListFileError(
            f"不支持旧版 Excel 格式（{suffix}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。"
        )
    raise ListFileError(f"不支持的文件类型“{suffix or path.name}”：请导入 .xlsx 或 .csv 文件。")
