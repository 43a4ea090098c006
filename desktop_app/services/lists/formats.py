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
import os
import queue
import threading
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


def file_changed(path: Path) -> ListFileError:
    """The error of a file that changed while its import read it."""
    return ListFileError(
        f"文件“{path.name}”在导入过程中被改动了（大小或修改时间已变），"
        "名单未作任何更改。请等文件复制或保存完成后重新导入。"
    )


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
            self.identity = file_identity(os.fstat(handle.fileno()))
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
        # The lines the csv module took for the record being read, and how many it took.
        self._lines: list[str] = []
        self._lines_read = 0
        self._digest: str | None = None
        self.texts: list[str] = []

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet(None, self.read, self.estimated_rows)

    def read(self, count: int) -> list[list[str]]:
        """The cells of the next `count` records (fewer at the end of the file); `texts`
        then holds the text of each (`record_text`).

        Records are taken from the csv module a block at a time; an error names the row
        where it occurred, and a row with too many columns is refused before any later one.
        """
        self.texts = []
        if self._complete:
            return []
        if self._reader is None:
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed at the end or on error
            self._reader = _HashingReader(self._raw, refuse_nul=not self.codec.startswith("utf-16"))
            self._text = io.TextIOWrapper(
                io.BufferedReader(self._reader, 1 << 20), encoding=self.codec, newline=""
            )
            self._records = csv.reader(self._taken_lines(self._text), delimiter=self.delimiter)
        rows: list[list[str]] = []
        texts = self.texts
        lines = self._lines
        previous_limit = csv.field_size_limit(MAX_CELL_CHARS)
        try:
            # The csv module reads no line beyond the record it returns.
            for cells in itertools.islice(self._records, count):
                rows.append(cells)
                texts.append(record_text("".join(lines)))
                lines.clear()
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

    def _taken_lines(self, text: io.TextIOWrapper) -> Iterator[str]:
        """The file's lines as the csv module takes them, kept until its record is read."""
        lines = self._lines
        for line in text:
            self._lines_read += 1
            lines.append(line)
            yield line

    def blocks(self, lines: int) -> Iterator[tuple[Block, bool]]:
        """The rest of the file as blocks of about `lines` lines: (block, is the last).

        For worker processes that parse the records themselves (`workers.build_block`),
        after `read` has taken the first records. Lines are as the csv module sees them
        (ending in LF, CR LF or CR). A block ends after a line that leaves an even number
        of quote characters in it, so a quoted cell that spans lines stays in one block as
        long as the file quotes in the usual way; after `8 × lines` lines it ends anyway.
        A UTF-8 or GB18030 file (its lines end in the same bytes whatever the characters)
        is cut here and each block given as (offset, length) of the file's bytes, read by
        the worker itself, in the encoding `block_codec` names; a UTF-16 file is decoded
        here and each block given as UTF-8 bytes. Raises `StartOver` on anything `read`
        would report as an error, ListFileError when the file changes meanwhile.
        """
        if self._complete or self._text is None:
            return
        if self.codec.startswith("utf-16"):
            yield from self._text_blocks(lines)
            return
        # Take the file again as bytes from the end of the records read (hashed again
        # from its start): the text reader has read ahead.
        self._close()
        with open(self.path, "rb") as handle:
            if file_identity(os.fstat(handle.fileno())) != self.identity:
                raise file_changed(self.path)
            reader = _ByteLines(handle)
            last = False
            while not last:
                try:
                    if reader.lines_skipped < self._lines_read:
                        reader.skip_lines(self._lines_read)
                    offset, length, last = reader.take(lines)
                except ListFileError:  # a NUL byte, a block too long: reported by `read`
                    raise StartOver from None
                if last:
                    # Workers read the blocks themselves: the file must not have changed.
                    if file_identity(os.stat(self.path)) != self.identity:
                        raise file_changed(self.path)
                    self._complete = True
                    self._digest = reader.sha256.hexdigest()
                if length:
                    yield (offset, length), last

    @property
    def block_codec(self) -> str:
        """The encoding of the bytes `blocks` gives."""
        return "gb18030" if self.codec == "gb18030" else "utf-8"

    def _text_blocks(self, lines: int) -> Iterator[tuple[Block, bool]]:
        """`blocks` of a file decoded here (UTF-16)."""
        assert self._text is not None
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
                    yield "".join(block).encode("utf-8", "surrogatepass"), last
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
        return self._digest or self._reader.sha256.hexdigest()


def record_text(lines: str) -> str:
    """The text of a record from the lines it takes: without the line break that ends it
    (a line's text holds no line break before its end)."""
    return lines.rstrip("\r\n")


# Bytes read at a time when a file is cut into blocks, and the most one block may hold
# (far beyond a list's rows: a longer one is read record by record, which reports it).
_READ_BYTES = 1 << 22
_MAX_BLOCK_BYTES = 1 << 28


class _ByteLines:
    """The bytes of an ASCII-compatible file (UTF-8, GB18030) taken a number of lines at a
    time, hashed and checked for NUL bytes as they are read.

    Lines end as the csv module sees them: LF, CR LF or a CR alone, bytes that no character
    of these encodings holds. Blocks are cut after an LF, which always ends a line; a file
    whose lines end in CR alone is cut after those (a CR alone inside a block is a line
    break all the same to whoever reads the block).
    """

    def __init__(self, handle: io.BufferedReader) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.buffer = b""
        self.at = 0
        self.eof = False
        self.cr_only = False
        self.line_bytes = 256  # the usual length of a line so far
        self.taken = 0  # bytes of the file before `at`
        self.lines_skipped = 0

    def _fill(self) -> None:
        """Read more of the file (`eof` at its end)."""
        chunk = self.handle.read(_READ_BYTES)
        if not chunk:
            self.eof = True
            return
        if b"\x00" in chunk:
            raise _nul_bytes()
        self.sha256.update(chunk)
        self.buffer = self.buffer[self.at :] + chunk
        self.at = 0
        self.cr_only = b"\n" not in self.buffer and b"\r" in self.buffer

    def _line_end(self, start: int, exact: bool) -> int:
        """Where the line starting at `start` ends (after its line break), -1 when the
        buffer does not hold all of it yet; `exact`: a CR alone ends it too."""
        buffer = self.buffer
        lf = buffer.find(b"\n", start)
        if exact:
            cr = buffer.find(b"\r", start, len(buffer) if lf < 0 else lf)
            if cr >= 0:
                if cr + 1 < len(buffer):
                    return cr + 2 if cr + 1 == lf else cr + 1
                return cr + 1 if self.eof else -1
        if lf >= 0:
            return lf + 1
        return len(buffer) if self.eof and start < len(buffer) else -1

    def _next_line(self, offset: int, exact: bool) -> int:
        """Where the line starting `offset` bytes into what is not yet taken ends (as such an
        offset), reading on as needed; `offset` itself at the end of the file."""
        while True:
            end = self._line_end(self.at + offset, exact)
            if end >= 0:
                return end - self.at
            if self.eof:
                return offset
            if len(self.buffer) - self.at > _MAX_BLOCK_BYTES:
                raise ListFileError("block too long")  # read record by record instead
            self._fill()

    def skip_lines(self, count: int) -> None:
        """Pass over the next `count` lines, as the csv module counts them (hashing them)."""
        for _ in range(count):
            length = self._next_line(0, exact=True)
            self.at += length
            self.taken += length
        self.lines_skipped += count

    def take(self, lines: int) -> tuple[int, int, bool]:
        """The next `lines` lines, more while they leave an odd number of quote characters
        (up to `8 × lines`): (their offset in the file, their length, whether they are the
        file's last)."""
        offset = taken = 0
        last = False
        while taken < lines:
            if not self.cr_only:  # the usual: lines end in LF, found with few calls
                buffer, position = self.buffer, self.at + offset
                # LFs counted up to where `lines` lines of the usual length would end,
                # then the few missing ones found, or the extra ones stepped back over.
                guess = position + (lines - taken) * self.line_bytes
                if guess < len(buffer):
                    found = buffer.count(b"\n", position, guess)
                    if found >= lines - taken:
                        for _ in range(found - (lines - taken) + 1):
                            guess = buffer.rfind(b"\n", position, guess)
                        position, taken = guess + 1, lines
                    else:
                        position, taken = guess, taken + found
                find = buffer.find
                while taken < lines:
                    lf = find(b"\n", position)
                    if lf < 0:
                        break
                    position = lf + 1
                    taken += 1
                offset = position - self.at
                if taken == lines:
                    break
            end = self._next_line(offset, self.cr_only)
            if end == offset:
                last = True
                break
            offset, taken = end, taken + 1
        odd = not last and self.buffer.count(b'"', self.at, self.at + offset) % 2 == 1
        while odd and taken < 8 * lines:
            end = self._next_line(offset, self.cr_only)
            if end == offset:
                last = True
                break
            odd = odd != (self.buffer.count(b'"', self.at + offset, self.at + end) % 2 == 1)
            offset, taken = end, taken + 1
        if not last and self._next_line(offset, self.cr_only) == offset:
            last = True  # nothing after these lines
        start = self.taken
        self.at += offset
        self.taken += offset
        if taken:
            self.line_bytes = max(1, offset // taken)
        return start, offset, last


# A block of a CSV file for a worker: its bytes, or (offset, length) of the file's bytes.
Block = bytes | tuple[int, int]


def file_identity(status: os.stat_result) -> tuple[int, int, int, int]:
    """What tells whether a file is still the one first read (device, inode, size, time
    of its last change)."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


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
        return file_sha256(self.path)


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read on a thread of its own while this one hashes (both let go of
    the interpreter), so that a large file costs the slower of reading and hashing, not
    both (a 4 GB list: about 2 seconds of hashing)."""
    chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=4)

    def read() -> None:
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(_READ_BYTES):
                    chunks.put(chunk)
            chunks.put(b"")
        except BaseException as error:  # handed to the hashing thread
            chunks.put(error)

    threading.Thread(target=read, daemon=True).start()
    digest = hashlib.sha256()
    while True:
        chunk = chunks.get()
        if isinstance(chunk, BaseException):
            raise chunk
        if not chunk:
            return digest.hexdigest()
        digest.update(chunk)


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
