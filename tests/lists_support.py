"""Helpers for the list and check tests: valid synthetic IDs and list files in the standard
22-field layout (CSV in any encoding, xlsx with title rows, merged cells, extra sheets)."""

from __future__ import annotations

import csv
import sqlite3
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from stdnum.cn import ric, uscc

from desktop_app import paths
from desktop_app.models import identifiers

# The 22 fields of 附件1 as the catalog stores them (position order).
FIELDS = (
    "信息唯一标识",
    "案号",
    "失信被执行人姓名/名称",
    "性别",
    "年龄",
    "身份证号码/组织机构代码",
    "多证件列表",
    "企业法定代表人姓名",
    "执行法院",
    "地域ID",
    "地域名称",
    "标识自然人或企业法人",
    "执行依据文号",
    "作出执行依据单位",
    "法律生效文书确定的义务",
    "被执行人的履行情况",
    "失信被执行人具体情形",
    "发布时间",
    "立案时间",
    "已履行部分",
    "未履行部分",
    "撤销时间",
)
# As 附件1 writes them (optional ones marked with *), which files often copy.
HEADER_AS_WRITTEN = tuple(
    f"{name}*" if name in ("年龄", "地域ID", "地域名称", "已履行部分") else name for name in FIELDS
)


def resident_id(area: str = "450102", birth: str = "19850101", seq: str = "123") -> str:
    """A resident ID with a valid check digit (synthetic)."""
    body = area + birth + seq
    return body + ric.calc_check_digit(body + "0")


def org_code(body: str) -> str:
    """A 9-character organisation code with a valid check character."""
    return body + identifiers.org_code_check_char(body)


def uscc_for(org: str, prefix: str = "91450102") -> str:
    """A USCC embedding organisation code `org` (synthetic)."""
    body = prefix + org
    return body + uscc.calc_check_digit(body)


def row(name: str, id_value: Any = "", **fields: Any) -> dict[str, Any]:
    """A list row: name and ID, plus any other standard field by its name."""
    data: dict[str, Any] = {"失信被执行人姓名/名称": name, "身份证号码/组织机构代码": id_value}
    case = fields.pop("case_no", f"(2019)桂0202执{zlib.crc32(name.encode()) % 9000}号")
    data.setdefault("案号", case)
    data.setdefault("执行法院", fields.pop("court", "柳州市城中区人民法院"))
    data.setdefault("发布时间", fields.pop("listed_on", "2019-03-01"))
    data.update(fields)
    return data


def table(rows: Iterable[Mapping[str, Any]], header: Sequence[str] = FIELDS) -> list[list[Any]]:
    """Header plus rows as lists, a field missing from a row left empty.

    A 22-column header takes the rows' values by standard field position (so that a header
    written differently still gets them); any other header by its own names.
    """
    keys = FIELDS if len(header) == len(FIELDS) else tuple(header)
    return [list(header)] + [[item.get(key, "") for key in keys] for item in rows]


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    *,
    encoding: str = "utf-8",
    header: Sequence[str] = FIELDS,
    before: Sequence[Sequence[str]] = (),
    delimiter: str = ",",
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerows(before)
        writer.writerows(table(rows, header))
    return path


def write_xlsx(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    *,
    header: Sequence[str] = FIELDS,
    sheet: str = "名单",
    before: Sequence[Sequence[Any]] = (),
    extra_sheets: Sequence[str] = (),
) -> Path:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = extra_sheets[0] if extra_sheets else sheet
    if extra_sheets:
        first.append(["说明：本工作簿由某法院导出"])
        for name in extra_sheets[1:]:
            workbook.create_sheet(name).append(["统计", 1])
        target = workbook.create_sheet(sheet)
    else:
        target = first
    for line in before:
        target.append(list(line))
    for line in table(rows, header):
        target.append(line)
    # Strings that look like formulas must stay strings (openpyxl would write a formula).
    for cells in target.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    workbook.save(path)
    return path


def table_counts(db_path: Path) -> dict[str, int]:
    """Row counts of every table of a lists.db (to prove nothing was written)."""
    if not db_path.exists():
        return {}
    conn = sqlite3.connect(db_path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def demo_dir() -> Path:
    return paths.resources_dir() / "demo"


def office_copy(name: str, folder: Path) -> Path:
    """A bundled demo list as an office would receive a real one: the same GBK rows, saved
    again with other line ends, so it is not the bundled file (which imports as demo data)."""
    text = (demo_dir() / name).read_bytes().replace(b"\r\n", b"\n")
    target = folder / name
    target.write_bytes(text)
    return target


def undo_lists_migration_4(conn) -> None:
    """Take a lists.db back to schema version 3 (before raw row hashes, import modes and
    import intents, and the former names of migration 5), as an older program left it."""
    conn.executescript(
        """
        DROP TABLE former_names;
        ALTER TABLE listings DROP COLUMN former_names;
        DROP INDEX listings_raw_hash;
        DROP INDEX listings_state;
        ALTER TABLE listings DROP COLUMN raw_hash;
        ALTER TABLE list_versions DROP COLUMN mode;
        ALTER TABLE list_versions DROP COLUMN file_size;
        ALTER TABLE list_versions DROP COLUMN row_rules;
        ALTER TABLE list_versions DROP COLUMN revoked_absent;
        ALTER TABLE list_versions DROP COLUMN confirmed_revocations;
        DROP TABLE import_intents;
        UPDATE schema_version SET version = 3 WHERE aggregate = 'lists';
        """
    )


def table_digests(db_path: Path) -> dict[str, str]:
    """SHA-256 of the whole content of every table of a database, row by row in rowid order
    (to prove that every table is exactly as it was)."""
    import hashlib

    conn = sqlite3.connect(db_path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        digests = {}
        for name in tables:
            digest = hashlib.sha256()
            for values in conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                digest.update(repr(values).encode())
            digests[name] = digest.hexdigest()
        return digests
    finally:
        conn.close()


def numbered_rows(count: int, start: int = 0, **fields: Any) -> list[dict[str, Any]]:
    """`count` distinct person rows with valid IDs and record keys K{n}."""
    return [
        row(
            f"测试{n:05d}",
            resident_id("450102", f"19{60 + n // 1000 % 40:02d}0101", f"{n % 1000:03d}"),
            信息唯一标识=f"K{n}",
            **fields,
        )
        for n in range(start, start + count)
    ]


def names_list(tmp_path: Path, catalog: Any, listed_names: Sequence[str]) -> Any:
    """A lists.db in `tmp_path` holding one listing of 失信被执行人 per name, imported whole
    (the caller closes it)."""
    from desktop_app.models.lists_store import ListStore
    from desktop_app.services.lists.session import import_list

    rows = [row(name, 信息唯一标识=f"N{number}") for number, name in enumerate(listed_names)]
    path = write_csv(tmp_path / "list.csv", rows, header=FIELDS)
    store = ListStore.open(tmp_path / "lists.db")
    assert import_list(store, path, "失信被执行人", catalog=catalog).rejected == 0
    return store
