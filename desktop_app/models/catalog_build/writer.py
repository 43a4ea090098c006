"""Write the catalog file deterministically: the same content always gives the same bytes.

Rows go into an in-memory database in a fixed order (ids follow the order of the sources),
indexes are created afterwards, and `VACUUM INTO` writes a compact copy with a fixed page
size. Nothing time-dependent is stored; `meta` holds the schema version, the content hash
(`catalog.content_hash`) and the sha256 of each source file. The copy is written next to the
target and renamed over it, so a failed build leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.errors import DataError
from desktop_app.models.catalog import SCHEMA_VERSION, content_hash, name_key
from desktop_app.models.catalog_build.documents import Anomaly
from desktop_app.models.catalog_build.reconcile import JURISDICTIONS
from desktop_app.models.catalog_build.schema import INDEXES, PAGE_SIZE, TABLES


@dataclass(frozen=True)
class AliasRow:
    alias: str
    seen: dict[str, list[int]]


@dataclass(frozen=True)
class NameRow:
    name: str
    aliases: list[AliasRow]
    doc_no: str | None = None


@dataclass(frozen=True)
class DepartmentRow:
    name: str
    kind: str
    by_remit: bool


@dataclass(frozen=True)
class MeasureRow:
    id: str
    jurisdiction: str
    category: str
    basis: str
    initiator: str
    departments: list[str]
    entry_no: str | None
    label: str
    text: str
    applies_to: str
    document: str
    lines: tuple[int, ...]
    group: str | None
    by_remit: bool
    note: str | None
    as_written: dict[str, Any]


@dataclass(frozen=True)
class LayoutRow:
    position: int
    name: str
    optional: bool
    document: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class MemberRow:
    jurisdiction: str
    position: int
    written: str
    department: str
    line: int


@dataclass(frozen=True)
class DefinitionRow:
    category: str
    jurisdiction: str
    definition: str
    document: str
    lines: tuple[int, ...]


@dataclass
class CatalogContent:
    """Everything the catalog file holds, in the order it is written."""

    jurisdictions: list[str]
    jurisdiction_aliases: dict[str, list[str]] = field(default_factory=dict)
    departments: dict[str, list[DepartmentRow]] = field(default_factory=dict)
    department_aliases: dict[str, dict[str, list[AliasRow]]] = field(default_factory=dict)
    categories: list[NameRow] = field(default_factory=list)
    definitions: list[DefinitionRow] = field(default_factory=list)
    bases: dict[str, list[NameRow]] = field(default_factory=dict)
    initiators: dict[str, list[NameRow]] = field(default_factory=dict)
    measures: list[MeasureRow] = field(default_factory=list)
    layout: list[LayoutRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    liuzhou_rows: dict[str, int] = field(default_factory=dict)  # reported, not stored


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def write(content: CatalogContent, output: Path) -> str:
    """Write the catalog to `output`; returns its content hash."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.executescript(TABLES)
        with conn:
            _insert(conn, content)
        conn.executescript(INDEXES)
        digest = content_hash(conn)
        with conn:
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("content_hash", digest),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("sources", _json(content.sources)),
                ],
            )
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".building")
        temporary.unlink(missing_ok=True)
        try:
            conn.execute("VACUUM INTO ?", (str(temporary),))
            os.replace(temporary, output)
        except (OSError, sqlite3.Error) as problem:
            temporary.unlink(missing_ok=True)
            raise DataError(
                f"无法写入措施目录“{output}”（{problem}）。请检查目录权限和磁盘空间。"
            ) from problem
    finally:
        conn.close()
    return digest


def _row(conn: sqlite3.Connection, table: str, **values: Any) -> int:
    """Insert one row (column names from the keywords); returns its rowid."""
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
    )
    return int(cursor.lastrowid or 0)


def _insert(conn: sqlite3.Connection, content: CatalogContent) -> None:
    jurisdiction_ids = {}
    for index, jurisdiction in enumerate(JURISDICTIONS, 1):
        jurisdiction_ids[jurisdiction.name] = index
        _row(
            conn,
            "jurisdictions",
            id=index,
            name=jurisdiction.name,
            document=jurisdiction.document,
            id_prefix=jurisdiction.id_prefix,
            local_prefix=jurisdiction.local_prefix,
        )
        for alias in content.jurisdiction_aliases[jurisdiction.name]:
            _row(
                conn,
                "jurisdiction_aliases",
                alias_key=name_key(alias),
                jurisdiction_id=index,
                alias=alias,
            )

    department_ids: dict[tuple[str, str], int] = {}
    for jurisdiction in content.jurisdictions:
        scope = jurisdiction_ids[jurisdiction]
        for row in content.departments[jurisdiction]:
            department_ids[(jurisdiction, row.name)] = _row(
                conn,
                "departments",
                jurisdiction_id=scope,
                name=row.name,
                kind=row.kind,
                by_remit=int(row.by_remit),
            )
        for name, aliases in content.department_aliases[jurisdiction].items():
            for alias in aliases:
                _row(
                    conn,
                    "department_aliases",
                    jurisdiction_id=scope,
                    alias_key=name_key(alias.alias),
                    department_id=department_ids[(jurisdiction, name)],
                    alias=alias.alias,
                    seen=_json(alias.seen),
                )

    category_ids = {}
    for index, row in enumerate(content.categories, 1):
        category_ids[row.name] = _row(conn, "categories", id=index, name=row.name)
        for alias in row.aliases:
            _row(
                conn,
                "category_aliases",
                alias_key=name_key(alias.alias),
                category_id=index,
                alias=alias.alias,
                seen=_json(alias.seen),
            )
    for definition in content.definitions:
        _row(
            conn,
            "category_definitions",
            category_id=category_ids[definition.category],
            jurisdiction_id=jurisdiction_ids[definition.jurisdiction],
            definition=definition.definition,
            document=definition.document,
            lines=_json(list(definition.lines)),
        )

    basis_ids = _insert_names(conn, "basis", content.bases, jurisdiction_ids)
    initiator_ids = _insert_names(conn, "initiator", content.initiators, jurisdiction_ids)

    for seq, measure in enumerate(content.measures, 1):
        _row(
            conn,
            "measures",
            id=measure.id,
            seq=seq,
            jurisdiction_id=jurisdiction_ids[measure.jurisdiction],
            category_id=category_ids[measure.category],
            basis_id=basis_ids[(measure.jurisdiction, measure.basis)],
            initiator_id=initiator_ids[(measure.jurisdiction, measure.initiator)],
            entry_no=measure.entry_no,
            label=measure.label,
            text=measure.text,
            applies_to=measure.applies_to,
            document=measure.document,
            lines=_json(list(measure.lines)),
            grp=measure.group,
            by_remit=int(measure.by_remit),
            note=measure.note,
            as_written=_json(measure.as_written),
        )
        for position, name in enumerate(measure.departments, 1):
            _row(
                conn,
                "measure_departments",
                department_id=department_ids[(measure.jurisdiction, name)],
                measure_id=measure.id,
                position=position,
            )

    for layout in content.layout:
        _row(
            conn,
            "list_layout",
            position=layout.position,
            name=layout.name,
            optional=int(layout.optional),
            document=layout.document,
            lines=_json(list(layout.lines)),
        )
    documents = {j.name: j.document for j in JURISDICTIONS}
    for member in content.members:
        _row(
            conn,
            "member_units",
            jurisdiction_id=jurisdiction_ids[member.jurisdiction],
            position=member.position,
            written=member.written,
            department_id=department_ids[(member.jurisdiction, member.department)],
            document=documents[member.jurisdiction],
            line=member.line,
        )
    for index, anomaly in enumerate(content.anomalies, 1):
        _row(
            conn,
            "anomalies",
            id=index,
            kind=anomaly.kind,
            document=anomaly.document,
            lines=_json(list(anomaly.lines)),
            message=anomaly.message,
            detail=_json(anomaly.detail),
        )


def _insert_names(
    conn: sqlite3.Connection,
    kind: str,
    rows: dict[str, list[NameRow]],
    jurisdiction_ids: dict[str, int],
) -> dict[tuple[str, str], int]:
    """Bases or initiators with their aliases; returns (jurisdiction, name) → id."""
    ids = {}
    for jurisdiction, names in rows.items():
        scope = jurisdiction_ids[jurisdiction]
        for row in names:
            if kind == "basis":
                owner = _row(
                    conn, "bases", jurisdiction_id=scope, title=row.name, doc_no=row.doc_no
                )
            else:
                owner = _row(conn, "initiators", jurisdiction_id=scope, name=row.name)
            ids[(jurisdiction, row.name)] = owner
            for alias in row.aliases:
                _row(
                    conn,
                    f"{kind}_aliases",
                    jurisdiction_id=scope,
                    alias_key=name_key(alias.alias),
                    **{f"{kind}_id": owner},
                    alias=alias.alias,
                    seen=_json(alias.seen),
                )
    return ids
