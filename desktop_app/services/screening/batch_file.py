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

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.errors import (
    BatchColumnChoiceError,
    BatchSheetChoiceError,
    ListFileError,
    UsageError,
)
from desktop_app.models.text import clean_text
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
    "被核查人",
    "被核查人姓名",
    "被核查人名称",
    "被核查对象",
    "核查对象",
    "人员姓名",
    "职工姓名",
    "学生姓名",
    "借款人",
    "借款人姓名",
    "借款人名称",
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
    "身份证件号码",
    "身份证件号",
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

# Headings of a column with a person who is not the subject (the company's legal
# representative, a contact): never taken as the subject's name, whatever they end with.
NOT_SUBJECT_NAME_WORDS = (
    "法定代表人",
    "法人",
    "负责人",
    "联系人",
    "经办人",
    "代理人",
    "填表人",
    "审核人",
    "录入人",
)
# A note in brackets after a heading (姓名（必填）, 身份证号码（18位）) is not part of it.
_HEADING_NOTE_RE = re.compile(r"\([^()]*\)|【[^【】]*】|\[[^\[\]]*\]")
# Sheets that explain how to fill the workbook in, by their name.
INSTRUCTION_SHEET_WORDS = ("说明", "填表", "须知", "示例", "样例", "模板")

_ROLE_HEADERS = {
    "name": NAME_HEADERS,
    "id": ID_HEADERS,
    "serial": SERIAL_HEADERS,
    "note": NOTE_HEADERS,
}
ROLE_TEXT = {"name": "名称", "id": "证件号码", "serial": "序号", "note": "备注"}

NO_SUBJECT = "本行没有名称，也没有证件号码，无法核查。"
# An ID cell with no digit (暂无, 同上, 见附件, NULL, ——, the heading itself): no ID.
FILLER_ID_NOTE = "证件号码栏为{cell}，不是证件号码；本行按名称“{name}”核查。"
FILLER_ID_NO_NAME = (
    "证件号码栏为{cell}，不是证件号码，本行也没有名称，无法核查。"
    "请在原文件中填写证件号码或名称后重新核查。"
)
# An ID that a spreadsheet program kept as a number: Excel keeps 15 significant digits, so
# the last digits of an 18-digit ID are lost (…019919 becomes …019900 or 4.50202E+17) and
# what is left may be another person's valid ID.
NUMBER_ID_PROBLEM = (
    "证件号码{cell}在电子表格中被保存成了数字，电子表格只保留 15 位有效数字，"
    "末几位已经丢失（剩下的号码可能是另一个人的），无法核查。"
    "请在原文件中把证件号码列设为文本格式后重新录入，或从原系统重新导出，再核查。"
)
NUMBER_TEXT_PROBLEM = (
    "证件号码{cell}是电子表格按数字格式显示的号码（科学计数法或带小数点），"
    "末几位可能已经丢失，无法核查。"
    "请在原文件中把证件号码列设为文本格式后重新录入，或从原系统重新导出，再核查。"
)
ZEROED_ID_PROBLEM = (
    "证件号码{cell}的末三位都是 0，像是电子表格把号码当作数字保存后丢掉了末几位"
    "（剩下的号码可能是另一个人的），未作核查。"
    "请在原文件中把证件号码列设为文本格式后重新录入，或从原系统重新导出，再核查；"
    "如与证件核对后号码确实如此，请用单个核查核查此人。"
)
# 18 digits ending in 000: what a spreadsheet leaves of an ID it kept as a number (15
# significant digits), written out as text (a CSV saved from Excel).
_ZEROED_ID_RE = re.compile(r"^\d{15}000$")
_NUMBER_TEXT_RE = re.compile(r"^[+]?\d{12,}\.\d*$|^[+]?\d+(?:\.\d+)?[eE][+]?\d+$")
# Digits of an ID kept as a number beyond which a spreadsheet has lost precision.
EXACT_NUMBER_DIGITS = 15


@dataclass(frozen=True)
class BatchMapping:
    """Columns named by the clerk (their headings as in the file) instead of detection; the
    ID may come from several columns (the first one filled in a row counts)."""

    name: str | None = None
    ids: tuple[str, ...] = ()
    # The sheet of a workbook to read (by its name), when the clerk chose one.
    sheet: str | None = None
    # The mapping names every column to use (the window's pickers): a role it does not name
    # is not used. Otherwise (the CLI) a role it does not name is detected by its heading.
    complete: bool = False

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
    # What the clerk should know of how the row was read (an ID cell that held no ID).
    note: str | None = None


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
    # The workbook's other sheets, not read, each with the reason (`{"sheet", "reason"}`).
    other_sheets: list[dict[str, str]] = field(default_factory=list)

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
            "other_sheets": list(self.other_sheets),
            "first_rows": [
                {"row": r.row, "cells": r.cells, "problem": r.problem, "note": r.note}
                for r in self.rows[:count]
            ],
        }


def _headers(role: str) -> frozenset[str]:
    return frozenset(header_key(text) for text in _ROLE_HEADERS[role])


def heading_key(text: object) -> str:
    """A heading as roles compare it: `header_key` without a note in brackets (姓名（必填） →
    姓名) or a trailing colon."""
    key = header_key(text)
    bare = _HEADING_NOTE_RE.sub("", key).rstrip(":：")
    return bare or key


def is_name_heading(text: object) -> bool:
    """Whether a heading names the subject's name: a known one (名称, 姓名, 投标人, 被核查人
    …), or any heading ending with 姓名, but never that of another person (法定代表人,
    负责人, 联系人 …)."""
    key = heading_key(text)
    if not key or any(word in key for word in NOT_SUBJECT_NAME_WORDS):
        return False
    return key in _headers("name") or key.endswith("姓名")


def _role_of(text: object) -> str | None:
    key = heading_key(text)
    if not key:
        return None
    if is_name_heading(text):
        return "name"
    for role in ("id", "serial", "note"):
        if key in _headers(role):
            return role
    return None


def detect_columns(
    cells: Sequence[str], mapping: BatchMapping | None = None
) -> dict[str, Any] | None:
    """The roles the cells of one row name as headings (None when it names no subject
    column): `name`, `ids`, `serial`, `note` as 0-based columns, and `names`: every column
    whose heading could be the name (more than one: the clerk must choose, `name` is None)."""
    keys = [header_key(cell) for cell in cells]
    roles = [_role_of(cell) for cell in cells]
    found: dict[str, Any] = {"name": None, "ids": [], "serial": None, "note": None, "names": []}
    if mapping is not None and mapping.given:
        wanted_name = header_key(mapping.name) if mapping.name else None
        wanted_ids = [header_key(column) for column in mapping.ids]
        if wanted_name is not None and wanted_name in keys:
            found["name"] = keys.index(wanted_name)
            found["names"] = [found["name"]]
        found["ids"] = [keys.index(k) for k in wanted_ids if k in keys]
        if (wanted_name is not None and found["name"] is None) or len(found["ids"]) < len(
            wanted_ids
        ):
            return None
    if mapping is None or not mapping.given or not mapping.complete:
        if mapping is None or mapping.name is None:
            found["names"] = [index for index, role in enumerate(roles) if role == "name"]
            found["name"] = found["names"][0] if len(found["names"]) == 1 else None
        if mapping is None or not mapping.ids:
            found["ids"] = [
                index
                for index, role in enumerate(roles)
                if role == "id" and index not in found["names"]
            ]
    for role in ("serial", "note"):
        for index, role_found in enumerate(roles):
            if role_found == role and index not in found["names"] and index not in found["ids"]:
                found[role] = index
                break
    if not found["names"] and not found["ids"]:
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


def _shown_number(text: str) -> str:
    """A number-like ID cell as a message quotes it: personal, so masked as every output
    masks a resident ID (the first 6 and the last 4 characters kept)."""
    cleaned = clean_text(text).strip()
    if len(cleaned) <= 10:
        return quoted(cleaned)
    return quoted(cleaned[:6] + "*" * (len(cleaned) - 10) + cleaned[-4:])


def _number_problem(raw: object, text: str) -> str | None:
    """Why an ID cell cannot be an ID as a spreadsheet kept it: a number of 16 digits or
    more (its last digits lost), or text that a spreadsheet wrote for such a number
    (4.50202E+17, 450202198501019900.0, 18 digits ending in 000)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw != raw or abs(raw) == float("inf"):  # NaN or infinite: no ID either
            return NUMBER_ID_PROBLEM.format(cell=quoted(text))
        if len(str(int(abs(raw)))) > EXACT_NUMBER_DIGITS:
            return NUMBER_ID_PROBLEM.format(cell=_shown_number(text))
        return None
    cleaned = clean_text(text).strip()
    if _NUMBER_TEXT_RE.match(cleaned):
        shown = quoted(cleaned) if "e" in cleaned.lower() else _shown_number(cleaned)
        return NUMBER_TEXT_PROBLEM.format(cell=shown)
    if _ZEROED_ID_RE.match(cleaned):
        return ZEROED_ID_PROBLEM.format(cell=_shown_number(cleaned))
    return None


def _has_digit(text: str) -> bool:
    return any("0" <= char <= "9" for char in clean_text(text))


def subject_of(
    cells: Sequence[str], columns: BatchColumns, raw: Sequence[Any] | None = None
) -> tuple[str | None, str | None, str | None, str | None]:
    """(query, name, problem, note) of a row: an ID (with the name, when given) or a name.

    `raw`: the cells as the file holds them (numbers as numbers), to refuse an ID that a
    spreadsheet kept as a number. An ID cell without any digit (暂无, 同上, NULL, ——) holds
    no ID: the row is checked by its name, with a `note` saying so, or, without a name,
    reported as not checkable; the filler is never searched."""
    name = (
        _clean(cells[columns.name])
        if columns.name is not None and columns.name < len(cells)
        else ""
    )
    id_text = ""
    id_raw: Any = None
    fillers: list[str] = []
    for index in columns.ids:
        if index < len(cells) and _clean(cells[index]):
            text = _clean(cells[index])
            # A formula is refused below, unless it is only dashes (--, ——: filler).
            formula = text.startswith(FORMULA_PREFIXES) and any(c.isalnum() for c in text)
            if _has_digit(text) or formula:
                id_text = text
                id_raw = raw[index] if raw is not None and index < len(raw) else None
                break
            fillers.append(text)
    problem = _formula_problem(id_text, "证件号码") or _formula_problem(name, "名称")
    if problem:
        return None, None, problem, None
    if id_text:
        problem = _number_problem(id_raw, id_text)
        if problem:
            # The name names the row in the outputs (not the number, which is personal).
            return None, name or None, problem, None
        return id_text, name or None, None, None
    filler = "、".join(quoted(text) for text in fillers)
    if name:
        note = FILLER_ID_NOTE.format(cell=filler, name=name) if fillers else None
        return name, None, None, note
    if fillers:
        return None, None, FILLER_ID_NO_NAME.format(cell=filler), None
    return None, None, NO_SUBJECT, None


@dataclass
class _SheetHeader:
    """A sheet's header row as found among its first rows, with the rows read after it."""

    sheet: Any
    number: int
    cells: list[str]
    found: dict[str, Any]
    after: list[list[Any]]

    @property
    def name(self) -> str | None:
        return self.sheet.name

    @property
    def both(self) -> bool:
        """The header names both a name column and an ID column."""
        return bool(self.found["names"]) and bool(self.found["ids"])

    def data_rows(self) -> int:
        return sum(1 for cells in self.after if any(cell_text(c) for c in cells))

    def looks_like_instructions(self) -> bool:
        """A sheet that explains the workbook (填表说明): named so, or its "rows" are the
        headings themselves (姓名 | 填写申请人姓名)."""
        if self.name and any(word in self.name for word in INSTRUCTION_SHEET_WORDS):
            return not self.both
        columns = [*self.found["names"], *self.found["ids"]]
        values = [
            cell_text(cells[index])
            for cells in self.after
            for index in columns
            if index < len(cells) and cell_text(cells[index])
        ]
        return bool(values) and all(_role_of(value) is not None for value in values)


def _find_header(head: list[list[Any]], mapping: BatchMapping | None) -> tuple[int, Any] | None:
    """The header row among `head`: the first naming both a name and an ID column, else the
    first naming either (1-based row, what `detect_columns` found)."""
    first: tuple[int, Any] | None = None
    for number, cells in enumerate(head, start=1):
        found = detect_columns([cell_text(c) for c in cells], mapping)
        if found is None:
            continue
        if found["names"] and found["ids"]:
            return number, found
        if first is None:
            first = number, found
    return first


def _visible(source: Any) -> dict[str, bool]:
    """Sheet name → whether the workbook shows it (hidden sheets are old or helper data)."""
    import python_calamine

    if not isinstance(source, XlsxFile):
        return {}
    return {
        meta.name: meta.visible == python_calamine.SheetVisibleEnum.Visible
        for meta in source.workbook.sheets_metadata
    }


def _sheet_list(headers: Sequence[_SheetHeader]) -> str:
    return "、".join(f"“{h.name}”（表头在第 {h.number} 行）" for h in headers)


def _choose_sheet(
    source: Any, mapping: BatchMapping | None
) -> tuple[_SheetHeader | None, list[dict[str, str]], list[str]]:
    """The sheet to read and its header, the other sheets with why they are not read, and
    the first row seen (for the message when no sheet has a header).

    A hidden sheet is never read unless the clerk names it; a sheet that explains the
    workbook is not read; when more than one sheet holds subjects the clerk chooses
    (BatchSheetChoiceError): none is picked for them."""
    visible = _visible(source)
    wanted = mapping.sheet if mapping is not None else None
    if wanted is not None and isinstance(source, XlsxFile) and wanted not in source.sheet_names:
        raise UsageError(
            f"工作簿中没有名为“{wanted}”的工作表。工作簿中的工作表有："
            f"{'、'.join(f'“{n}”' for n in source.sheet_names)}。请核对工作表名称。"
        )
    headers: list[_SheetHeader] = []
    others: list[dict[str, str]] = []
    first_row: list[str] = []
    for sheet in source.sheets():
        if wanted is not None and sheet.name != wanted:
            continue
        if sheet.name is not None and wanted is None and not visible.get(sheet.name, True):
            others.append({"sheet": sheet.name, "reason": "隐藏的工作表，未核查"})
            continue
        head = sheet.read(HEADER_SCAN_ROWS)
        if not first_row and head:
            first_row = [t for t in (cell_text(c) for c in head[0]) if t]
        header = _find_header(head, mapping)
        if header is None:
            if sheet.name is not None:
                others.append({"sheet": sheet.name, "reason": "没有可识别的表头，未核查"})
            continue
        number, found = header
        after = head[number:]
        if not any(any(cell_text(c) for c in cells) for cells in after):
            after += sheet.read(HEADER_SCAN_ROWS)
        headers.append(
            _SheetHeader(sheet, number, [cell_text(c) for c in head[number - 1]], found, after)
        )
    if not headers:
        return None, others, first_row
    with_rows = [h for h in headers if h.data_rows()]
    subjects = [h for h in with_rows if not h.looks_like_instructions()]
    for h in with_rows:
        if h not in subjects:
            others.append({"sheet": h.name or "", "reason": "像是填表说明，不是核查对象，未核查"})
    if len(subjects) > 1:
        raise BatchSheetChoiceError(
            f"工作簿中有 {len(subjects)} 张工作表都列有核查对象：{_sheet_list(subjects)}。"
            "一次只核查一张工作表，程序不替您选择。请指定要核查的工作表"
            "（命令行用 --sheet 工作表名称，窗口中在“工作表”处选择），逐张核查；"
            "或把各表的行合并到一张工作表后再核查。",
            [h.name or "" for h in subjects],
        )
    chosen = subjects[0] if subjects else (with_rows or headers)[0]
    for h in headers:
        if h is not chosen and h not in with_rows:
            others.append({"sheet": h.name or "", "reason": "表头下没有数据行，未核查"})
    return chosen, others, first_row


def _name_choice(header: _SheetHeader) -> BatchColumnChoiceError:
    headings = [header.cells[i] for i in header.found["names"]]
    listed = "、".join(f"“{h}”" for h in headings)
    where = f"工作表“{header.name}”" if header.name else "文件"
    return BatchColumnChoiceError(
        f"{where}第 {header.number} 行的表头中有 {len(headings)} 列都可能是要核查的名称：{listed}"
        "（例如一列是单位名称，一列是人员姓名）。程序不替您选择，以免把每个人都按单位核查。"
        f"请指定名称列（命令行用 --name-column 列名，例如 --name-column {headings[-1]}；"
        "窗口中在“名称列”处选择）后重新核查；若两列各记有一部分核查对象，"
        "请把这些行分到两个文件分别核查。",
        headings,
        list(header.cells),
        [header.cells[i] for i in header.found["ids"]],
        header.name,
    )


def read_batch_file(
    path: Path | str,
    mapping: BatchMapping | None = None,
    *,
    max_rows: int = MAX_BATCH_ROWS,
) -> BatchFile:
    """Read a file of subjects (see the module doc). Raises ListFileError for a file that
    cannot be read or has no recognisable header, UsageError for a mapping that names
    columns the file lacks or for more than `max_rows` subject rows,
    BatchSheetChoiceError when several sheets hold subjects and BatchColumnChoiceError when
    several columns could hold the name (the clerk chooses)."""
    path = Path(path)
    source = open_list_file(path)
    header, others, headers_seen = _choose_sheet(source, mapping)
    if header is None:
        raise _no_header(source, mapping, headers_seen)
    if len(header.found["names"]) > 1 and header.found["name"] is None:
        raise _name_choice(header)
    found = {key: value for key, value in header.found.items() if key != "names"}
    columns = BatchColumns(header.name, header.number, header.cells, **found)
    batch = BatchFile(
        path=path,
        file_name=path.name,
        sha256="",
        size=path.stat().st_size,
        encoding=source.encoding_label,
        columns=columns,
        other_sheets=others,
    )
    number = columns.header_row
    pending = header.after
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
            query, name, problem, note = subject_of(texts, columns, cells)
            batch.rows.append(BatchRow(number, texts, query, name, problem, note))
        pending = header.sheet.read(READ_BLOCK)
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
    where = "工作簿中未隐藏的各张工作表" if isinstance(source, XlsxFile) else "文件"
    return ListFileError(
        f"在{where}的前 {HEADER_SCAN_ROWS} 行中没有找到表头：需要一列“名称”或“姓名”，"
        "和/或一列“证件号码”“统一社会信用代码”或“身份证号码”。"
        f"{seen}请在表头写上这些列名，或指定名称列和证件号码列。"
    )
