"""Reading a file of subjects for a batch check: which columns hold the name and the ID, and
the rows, each one subject.

The file is read by the list import's readers (`services.lists.formats`: `.xlsx` through the
zip-bomb and sheet-range checks of `xlsx_guard`, CSV in UTF-8, GBK/GB18030 or UTF-16 with
its delimiter detected; too many columns, gigantic cells and NUL bytes refused), so a
hostile file is refused before anything is checked or stored. The header row is found among
the first rows by the usual headings (名称/姓名, 证件号码/统一社会信用代码/身份证号码, and the
optional 序号 and 备注, kept as written) or given by the clerk (`BatchMapping`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.errors import ListFileError, UsageError
from desktop_app.services.lists.cells import FORMULA_PREFIXES, cell_text, quoted
from desktop_app.services.lists.formats import XlsxFile, open_list_file
from desktop_app.services.lists.header import HEADER_SCAN_ROWS, header_key

# How many rows one batch may hold: a village's households or a recruitment's applicants fit
# many times over; a bigger file is a list, not a batch, and would hold the office database's
# write lock for minutes when stored.
MAX_BATCH_ROWS = 100_000
# Rows read per block while reading the file.
READ_BLOCK = 5000

# The headings recognised per role, compared as `header_key` compares them (NFKC, no spaces).
NAME_HEADERS = (
    "名称",
    "姓名",
    "姓名/名称",
    "姓名或名称",
    "名称/姓名",
    "主体名称",
    "单位名称",
    "企业名称",
    "公司名称",
    "机构名称",
    "组织名称",
    "投标人",
    "投标人名称",
    "投标单位",
    "供应商",
    "供应商名称",
    "申请人",
    "申请人姓名",
    "申请人名称",
    "申请单位",
    "户主姓名",
    "当事人",
    "当事人名称",
    "失信被执行人姓名/名称",
)
ID_HEADERS = (
    "证件号码",
    "证件号",
    "身份证号码",
    "身份证号",
    "身份证",
    "公民身份号码",
    "居民身份证号码",
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "组织机构代码",
    "身份证号码/组织机构代码",
    "证件号码/统一社会信用代码",
    "统一社会信用代码/身份证号码",
    "身份证号码/统一社会信用代码",
)
SERIAL_HEADERS = ("序号", "编号", "行号")
NOTE_HEADERS = ("备注", "说明")

_ROLE_HEADERS = {
    "name": NAME_HEADERS,
    "id": ID_HEADERS,
    "serial": SERIAL_HEADERS,
    "note": NOTE_HEADERS,
}
ROLE_TEXT = {"name": "名称", "id": "证件号码", "serial": "序号", "note": "备注"}

NO_SUBJECT = "本行没有名称，也没有证件号码，无法核查。"


@dataclass(frozen=True)
class BatchMapping:
    """Columns named by the clerk (their headings as in the file) instead of detection; the
    ID may come from several columns (the first one filled in a row counts)."""

    name: str | None = None
    ids: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return self.name is not None or bool(self.ids)


@dataclass
class BatchColumns:
    """Where the subject's fields are: 0-based columns of the header row `header_row` (as a
    spreadsheet numbers rows), in the sheet `sheet` (None for CSV)."""

    sheet: str | None
    header_row: int
    header_cells: list[str]
    name: int | None
    ids: list[int]
    serial: int | None = None
    note: int | None = None

    def to_json(self) -> dict[str, Any]:
        def heading(index: int | None) -> str | None:
            return self.header_cells[index] if index is not None else None

        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "header_cells": list(self.header_cells),
            "name": heading(self.name),
            "ids": [self.header_cells[i] for i in self.ids],
            "serial": heading(self.serial),
            "note": heading(self.note),
        }

    def describe(self) -> str:
        """In words: 名称列“投标人”，证件号码列“统一社会信用代码”（第 1 行为表头）."""
        parts = []
        data = self.to_json()
        if data["name"]:
            parts.append(f"名称列“{data['name']}”")
        if data["ids"]:
            parts.append("证件号码列" + "、".join(f"“{c}”" for c in data["ids"]))
        for role in ("serial", "note"):
            if data[role]:
                parts.append(f"{ROLE_TEXT[role]}列“{data[role]}”")
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        return "，".join(parts) + f"（{where}第 {self.header_row} 行为表头）"


@dataclass
class BatchRow:
    """One data row: its row number in the file, its cells as text, and the subject in it
    (`query` and `name` for the check), or why it cannot be checked (`problem`)."""

    row: int
    cells: list[str]
    query: str | None
    name: str | None
    problem: str | None = None


@dataclass
class BatchFile:
    """A file of subjects as read: its identity, its columns and its subject rows (empty rows
    left out)."""

    path: Path
    file_name: str
    sha256: str
    size: int
    encoding: str | None
    columns: BatchColumns
    rows: list[BatchRow] = field(default_factory=list)
    skipped_empty: int = 0

    def preview(self, count: int = 20) -> dict[str, Any]:
        """What the window shows before the run: the columns and the first rows."""
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "columns": self.columns.to_json(),
            "columns_text": self.columns.describe(),
            "rows": len(self.rows),
            "skipped_empty": self.skipped_empty,
            "first_rows": [
                {"row": r.row, "cells": r.cells, "problem": r.problem} for r in self.rows[:count]
            ],
        }


def _headers(role: str) -> frozenset[str]:
    return frozenset(header_key(text) for text in _ROLE_HEADERS[role])


def detect_columns(
    cells: Sequence[str], mapping: BatchMapping | None = None
) -> dict[str, Any] | None:
    """The roles the cells of one row name as headings (None when it names no subject
    column): `name`, `ids`, `serial`, `note` as 0-based columns."""
    keys = [header_key(cell) for cell in cells]
    found: dict[str, Any] = {"name": None, "ids": [], "serial": None, "note": None}
    if mapping is not None and mapping.given:
        wanted_name = header_key(mapping.name) if mapping.name else None
        wanted_ids = [header_key(column) for column in mapping.ids]
        if wanted_name is not None and wanted_name in keys:
            found["name"] = keys.index(wanted_name)
        found["ids"] = [keys.index(k) for k in wanted_ids if k in keys]
        if (wanted_name is not None and found["name"] is None) or len(found["ids"]) < len(
            wanted_ids
        ):
            return None
    else:
        for index, key in enumerate(keys):
            if key in _headers("name") and found["name"] is None:
                found["name"] = index
            elif key in _headers("id"):
                found["ids"].append(index)
    for role in ("serial", "note"):
        for index, key in enumerate(keys):
            if key in _headers(role) and index != found["name"] and index not in found["ids"]:
                found[role] = index
                break
    if found["name"] is None and not found["ids"]:
        return None
    return found


def _clean(text: str) -> str:
    """A cell as a subject field: trimmed, with the zero-width and direction marks that come
    with text pasted from web pages removed (the check cleans the rest)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def _formula_problem(text: str, what: str) -> str | None:
    if text.startswith(FORMULA_PREFIXES):
        return (
            f"{what}{quoted(text)}以“{text[0]}”开头，像是电子表格公式，未作核查。"
            "请核对原文件中的内容。"
        )
    return None


def subject_of(
    cells: Sequence[str], columns: BatchColumns
) -> tuple[str | None, str | None, str | None]:
    """(query, name, problem) of a row: an ID (with the name, when given) or a name."""
    name = (
        _clean(cells[columns.name])
        if columns.name is not None and columns.name < len(cells)
        else ""
    )
    id_text = ""
    for index in columns.ids:
        if index < len(cells) and _clean(cells[index]):
            id_text = _clean(cells[index])
            break
    problem = _formula_problem(id_text, "证件号码") or _formula_problem(name, "名称")
    if problem:
        return None, None, problem
    if id_text:
        return id_text, name or None, None
    if name:
        return name, None, None
    return None, None, NO_SUBJECT


def read_batch_file(
    path: Path | str,
    mapping: BatchMapping | None = None,
    *,
    max_rows: int = MAX_BATCH_ROWS,
) -> BatchFile:
    """Read a file of subjects (see the module doc). Raises ListFileError for a file that
    cannot be read or has no recognisable header, UsageError for a mapping that names
    columns the file lacks or for more than `max_rows` subject rows."""
    path = Path(path)
    source = open_list_file(path)
    columns: BatchColumns | None = None
    sheet_rows: list[list[Any]] = []
    headers_seen: list[str] = []
    for sheet in source.sheets():
        head = sheet.read(HEADER_SCAN_ROWS)
        for number, cells in enumerate(head, start=1):
            texts = [cell_text(c) for c in cells]
            found = detect_columns(texts, mapping)
            if found is not None:
                columns = BatchColumns(sheet.name, number, texts, **found)
                sheet_rows = head[number:]
                break
            if number == 1 and any(texts):
                headers_seen = [t for t in texts if t]
        if columns is not None:
            rest = sheet
            break
    if columns is None:
        raise _no_header(source, mapping, headers_seen)
    batch = BatchFile(
        path=path,
        file_name=path.name,
        sha256="",
        size=path.stat().st_size,
        encoding=source.encoding_label,
        columns=columns,
    )
    number = columns.header_row
    pending = sheet_rows
    while True:
        for cells in pending:
            number += 1
            texts = [cell_text(c) for c in cells]
            if not any(texts):
                batch.skipped_empty += 1
                continue
            if len(batch.rows) >= max_rows:
                raise UsageError(
                    f"文件中要核查的行超过 {max_rows:,} 行。请把文件拆分为几个较小的文件分批核查。"
                )
            query, name, problem = subject_of(texts, columns)
            batch.rows.append(BatchRow(number, texts, query, name, problem))
        pending = rest.read(READ_BLOCK)
        if not pending:
            break
    # The CSV reader hashed the file while it was read to the end; a workbook is hashed now.
    batch.sha256 = source.sha256()
    if not batch.rows:
        raise ListFileError(
            f"文件“{path.name}”在表头（第 {columns.header_row} 行）之下没有要核查的行。"
            "请检查文件内容。"
        )
    return batch


def _no_header(source: Any, mapping: BatchMapping | None, first_row: list[str]) -> Exception:
    seen = f"文件第一行为：{'、'.join(quoted(c) for c in first_row[:12])}。" if first_row else ""
    if mapping is not None and mapping.given:
        wanted = [c for c in (mapping.name, *mapping.ids) if c]
        return UsageError(
            f"在文件的前 {HEADER_SCAN_ROWS} 行中找不到指定的列"
            f"（{'、'.join(f'“{c}”' for c in wanted)}）。{seen}请核对列名。"
        )
    where = "工作簿的各张工作表" if isinstance(source, XlsxFile) else "文件"
    return ListFileError(
        f"在{where}的前 {HEADER_SCAN_ROWS} 行中没有找到表头：需要一列“名称”或“姓名”，"
        "和/或一列“证件号码”“统一社会信用代码”或“身份证号码”。"
        f"{seen}请在表头写上这些列名，或指定名称列和证件号码列。"
    )
