"""The standard layout of a list file and where a file has it: the fields with a role in
matching and history, the header row among a sheet's first rows, and column mappings for
files in another layout."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.errors import ListFileError, UsageError
from desktop_app.models.lists_store import (
    FIELD_CASE_NO,
    FIELD_COURT,
    FIELD_FILED_ON,
    FIELD_FORMER_NAMES,
    FIELD_ID,
    FIELD_LEGAL_REP,
    FIELD_LISTED_ON,
    FIELD_NAME,
    FIELD_RECORD_KEY,
    FIELD_REVOKED_ON,
    FIELD_SUBJECT_TYPE,
    FORMER_HEADERS,
)
from desktop_app.models.text import clean_text
from desktop_app.services.lists.cells import cell_text
from desktop_app.services.lists.formats import CsvFile, Sheet, XlsxFile
from desktop_app.services.lists.report import ImportReport

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
HEADER_SCAN_ROWS = 50

_SPACES_RE = re.compile(r"\s+")


def header_key(text: object) -> str:
    """How header cells are compared: the text rule (`text.clean_text`), no spaces, no `*`
    marks."""
    text = clean_text(str(text or ""))
    return _SPACES_RE.sub("", text).replace("*", "").replace("※", "")


def standard_field_names(catalog: Any) -> list[str]:
    """The field names of the catalog's standard layout in order, the role fields spelled as
    this package spells them (ListFileError when the catalog lacks one)."""
    layout = sorted(catalog.list_layout(), key=lambda f: f["position"])
    layout_names = [f["name"] for f in layout]
    keys = {header_key(n): n for n in layout_names}
    missing = [f for f in ROLE_FIELDS if header_key(f) not in keys]
    if missing:
        raise ListFileError(
            f"目录中的名单标准格式缺少字段：{'、'.join(missing)}。请更新信用核查台。"
        )
    # Use the role names exactly as this package spells them.
    by_key = {header_key(f): f for f in ROLE_FIELDS}
    return [by_key.get(header_key(n), n) for n in layout_names]


@dataclass
class Columns:
    """Where each standard field is in a sheet (0-based column), found on `header_row`."""

    header_row: int
    positions: dict[str, int]
    header_cells: list[str]


def resolve_mapping(mapping: Mapping[str, str], layout_names: Sequence[str]) -> dict[str, str]:
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
    layout_names = standard_field_names(catalog)
    by_key = {header_key(name): name for name in layout_names}
    resolve_mapping(columns, layout_names)
    result = {by_key[header_key(standard)]: column for standard, column in columns.items()}
    seen: dict[str, str] = {}
    for standard, column in result.items():
        if header_key(column) in seen:
            raise UsageError(
                f"文件列“{column}”同时映射到了“{seen[header_key(column)]}”和“{standard}”。"
            )
        seen[header_key(column)] = standard
    return result


def find_header(
    rows: list[tuple[int, list[Any]]],
    layout_names: Sequence[str],
    mapped: Mapping[str, str],
) -> Columns | None:
    """The row among `rows` that names the most standard fields (the name field required)."""
    wanted = {header_key(name): name for name in layout_names}
    # A column of former names (曾用名) is read wherever a file has one.
    wanted.update(dict.fromkeys(map(header_key, FORMER_HEADERS), FIELD_FORMER_NAMES))
    # A mapped column takes precedence over a file column that happens to carry the
    # standard name of another field.
    wanted.update({column: standard for standard, column in mapped.items()})
    best: Columns | None = None
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
            best = Columns(row_no, positions, [cell_text(c) for c in cells])
    return best


def pick_sheet(
    source: CsvFile | XlsxFile,
    layout_names: Sequence[str],
    mapped: Mapping[str, str],
    report: ImportReport,
) -> tuple[Sheet, Columns, list[list[Any]]]:
    """The first sheet with a list header among its first rows, its columns and those rows."""
    skipped = []
    for sheet in source.sheets():
        head = sheet.read(HEADER_SCAN_ROWS)
        columns = find_header(list(enumerate(head, 1)), layout_names, mapped)
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
        report.header_cells = list(columns.header_cells)
        return sheet, columns, head
    raise ListFileError(_no_header_message(source, mapped))


def _missing_mapped(columns: Columns, mapped: Mapping[str, str]) -> list[str]:
    present = {header_key(c) for c in columns.header_cells}
    return [column for column in mapped.values() if column not in present]


def _no_header_message(source: CsvFile | XlsxFile, mapped: Mapping[str, str]) -> str:
    where = (
        f"工作簿的 {len(source.sheet_names)} 张工作表（{'、'.join(source.sheet_names)}）"
        if isinstance(source, XlsxFile)
        else "文件"
    )
    hint = (
        "请检查列映射是否与文件表头一致。"
        if mapped
        else "标准表头为附件1《失信被执行人信息推送表》的字段（如“失信被执行人姓名/名称”"
        "“身份证号码/组织机构代码”）；其他格式请先用 lists mapping save 保存列映射。"
    )
    return f"在{where}的前 {HEADER_SCAN_ROWS} 行中没有找到名单表头。{hint}"
