"""The columns of a measure list file, and saved column mappings for other layouts.

Two layouts are recognised by their header row:

* the 柳州 list (`LIUZHOU`): 序号 发起部门 联合惩戒对象 实施部门 实施措施 实施依据 — a numbered
  row starts an entry, a row with only 实施措施 adds measures to it, one cell may hold several
  measures `(一)…(二)…`;
* the national basic list (`BASIC`, 全国失信惩戒措施基础清单): 序号 措施类型 措施内容
  适用对象/失信行为 实施依据 实施主体 — one measure per row, the basis with its article numbers
  (`《中华人民共和国政府采购法》第二十二条`).

Any other layout is read through a column mapping (field → the file's column header) that an
administrator saves once (`catalog mapping save`); mappings live in the data folder
(`<data folder>/catalog/mappings.json`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop_app.errors import DataError, UsageError
from desktop_app.models.installed_catalog import installed_catalog_dir
from desktop_app.services.lists.header import header_key

# field → its name in mappings and messages, and the headers that name it in known layouts
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "entry_no": ("序号", ("序号", "编号")),
    "initiator": ("发起部门", ("发起部门", "发起单位")),
    "category": (
        "联合惩戒对象",
        (
            "联合惩戒对象",
            "惩戒对象",
            "失信联合惩戒对象",
            "适用对象",
            "失信行为",
            "适用对象/失信行为",
            "适用对象(失信行为)",
            "失信行为/适用对象",
        ),
    ),
    "department": ("实施部门", ("实施部门", "实施主体", "实施单位")),
    "measure": ("实施措施", ("实施措施", "措施内容", "惩戒措施", "失信惩戒措施", "措施")),
    "basis": (
        "实施依据",
        ("实施依据", "设定依据", "依据", "法律依据", "实施依据(含条款)", "实施依据及条款"),
    ),
    "articles": ("条款", ("条款", "依据条款", "具体条款")),
    "measure_type": ("措施类型", ("措施类型", "惩戒措施类型", "类型", "措施类别")),
}
REQUIRED = ("category", "department", "measure", "basis")
LIUZHOU = "liuzhou"
BASIC = "basic"
MAPPED = "mapped"
LAYOUT_TEXT = {
    LIUZHOU: "柳州市联合惩戒措施清单（六列）",
    BASIC: "全国失信惩戒措施基础清单格式",
    MAPPED: "按列映射",
}
MAPPINGS_FILE = "mappings.json"


@dataclass(frozen=True)
class Header:
    """Where the fields are in a sheet: 0-based columns, found on row `row` (1-based)."""

    row: int
    positions: dict[str, int]
    cells: list[str]
    layout: str


def field_by_label(label: str) -> str:
    """The field a mapping names (序号, 实施措施 … or the English field name)."""
    key = header_key(label)
    for field, (name, _) in FIELDS.items():
        if key in (header_key(name), field):
            return field
    names = "、".join(name for name, _ in FIELDS.values())
    raise UsageError(f"“{label}”不是措施清单的字段。可映射的字段有：{names}。")


def find_header(rows: list[list[Any]], mapping: Mapping[str, str] | None) -> Header | None:
    """The row among `rows` that names every required field (through `mapping` when given)."""
    wanted: dict[str, str] = {}
    if mapping:
        wanted = {header_key(column): field for field, column in mapping.items()}
    else:
        for field, (_, headers) in FIELDS.items():
            for header in headers:
                wanted.setdefault(header_key(header), field)
    for index, cells in enumerate(rows, 1):
        positions: dict[str, int] = {}
        for column, cell in enumerate(cells):
            field = wanted.get(header_key(cell))
            if field and field not in positions:
                positions[field] = column
        if all(field in positions for field in REQUIRED):
            texts = [str(cell or "").strip() for cell in cells]
            if mapping:
                layout = MAPPED
            elif "initiator" in positions and header_key(texts[positions["measure"]]) == "实施措施":
                layout = LIUZHOU
            else:
                layout = BASIC
            return Header(index, positions, texts, layout)
    return None


def header_hint() -> str:
    return (
        "措施清单的表头应为“序号 发起部门 联合惩戒对象 实施部门 实施措施 实施依据”（柳州格式）"
        "或“序号 措施类型 措施内容 适用对象/失信行为 实施依据 实施主体”（基础清单格式）；"
        "其他格式请先用 catalog mapping save 保存列映射。"
    )


# -- saved mappings --------------------------------------------------------------------------


def _mappings_path(data_dir: Path) -> Path:
    return installed_catalog_dir(data_dir) / MAPPINGS_FILE


def load_mappings(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Saved mappings: name → {"columns": {field: column header}, "saved_at"}."""
    path = _mappings_path(data_dir)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as problem:
        raise DataError(f"措施清单列映射文件“{path}”无法读取（{problem}）。") from problem
    return data if isinstance(data, dict) else {}


def mapping_columns(data_dir: Path, name: str) -> dict[str, str]:
    """The columns of a saved mapping (field → column header)."""
    saved = load_mappings(data_dir).get(name)
    if saved is None:
        known = "、".join(load_mappings(data_dir)) or "（尚无）"
        raise UsageError(f"没有名为“{name}”的措施清单列映射。已保存的有：{known}。")
    return dict(saved["columns"])


def validate_columns(columns: Mapping[str, str]) -> dict[str, str]:
    """field → column header, from labels as typed (序号=编号 …); every required field must be
    mapped, and no column twice."""
    result: dict[str, str] = {}
    for label, column in columns.items():
        field = field_by_label(label)
        if not str(column).strip():
            raise UsageError(f"字段“{label}”映射到的列名是空的。")
        result[field] = str(column).strip()
    missing = [FIELDS[f][0] for f in REQUIRED if f not in result]
    if missing:
        raise UsageError(f"列映射缺少必需的字段：{'、'.join(missing)}。")
    seen: dict[str, str] = {}
    for field, column in result.items():
        if header_key(column) in seen:
            raise UsageError(
                f"文件列“{column}”同时映射到了“{FIELDS[seen[header_key(column)]][0]}”"
                f"和“{FIELDS[field][0]}”。"
            )
        seen[header_key(column)] = field
    return result


def save_mapping(data_dir: Path, name: str, columns: Mapping[str, str]) -> dict[str, str]:
    """Save (or replace) a mapping; returns its columns by field."""
    if not name.strip():
        raise UsageError("请为列映射起一个名称。")
    checked = validate_columns(columns)
    mappings = load_mappings(data_dir)
    mappings[name.strip()] = {
        "columns": checked,
        "saved_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path = _mappings_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(mappings, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, path)
    return checked
