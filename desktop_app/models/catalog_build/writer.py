"""Write a catalog database deterministically: the same content always gives the same bytes.

The tables are created with sqlite-utils (`schema.TABLES`: columns, primary and foreign keys)
in an in-memory database; rows go in with `insert_all` in a fixed order (ids follow the order
of the sources), then the unique and lookup indexes and the FTS5 trigram tables
(`enable_fts`, then `optimize` so that each index is one segment), and `VACUUM INTO` writes a
compact copy with a fixed page size. Nothing time-dependent is stored by a build (an import
stores its own date, which is part of that version); `meta` holds the schema version, the
content hash (`catalog.content_hash`) and the sha256 of each source file. The copy is written
next to the target and renamed over it, so a failed write leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop_app.errors import DataError
from desktop_app.models.catalog import SCHEMA_VERSION, content_hash, name_key
from desktop_app.models.catalog_build.documents import Anomaly
from desktop_app.models.catalog_build.schema import (
    APPLIES_TO_VALUES,
    DEPARTMENT_KINDS,
    FTS,
    FTS_TOKENIZER,
    INDEXES,
    PAGE_SIZE,
    TABLES,
)


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
class JurisdictionRow:
    name: str
    document: str
    id_prefix: str
    local_prefix: str


@dataclass(frozen=True)
class VersionRow:
    """Which version of a jurisdiction's catalog the file holds (see `catalog_versions`)."""

    number: int
    source_name: str
    source_sha256: str
    scope: str = "built_in"  # built_in | departments | all
    effective: str | None = None  # None: in force since always (the built-in catalog)
    replaces: int | None = None
    departments: tuple[str, ...] = ()
    importer: str | None = None
    imported_at: str | None = None
    parent_hash: str | None = None


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
    initiator: str | None
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
    basis_articles: str | None = None
    measure_type: str | None = None


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

    jurisdictions: list[JurisdictionRow]
    jurisdiction_aliases: dict[str, list[str]] = field(default_factory=dict)
    versions: dict[str, VersionRow] = field(default_factory=dict)
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
        db = sqlite_utils.Database(conn)
        for spec in TABLES:
            db.create_table(
                spec.name,
                spec.columns,
                pk=spec.pk,
                not_null=spec.not_null,
                foreign_keys=list(spec.foreign_keys),
            )
        with conn:
            for table, rows in _rows(content):
                db[table].insert_all(rows, batch_size=500)
        for spec in TABLES:
            for columns in spec.unique:
                db[spec.name].create_index(
                    columns, index_name=f"{spec.name}_unique_{'_'.join(columns)}", unique=True
                )
        for name, table, columns in INDEXES:
            db[table].create_index(columns, index_name=name)
        for table, columns in FTS:
            db[table].enable_fts(columns, tokenize=FTS_TOKENIZER)
            db[table].optimize()
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise DataError(f"措施目录内部引用不一致（{problems[:3]}），未写入。")
        digest = content_hash(conn)
        with conn:
            db["meta"].insert_all(
                [
                    {"key": "content_hash", "value": digest},
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                    {"key": "sources", "value": _json(content.sources)},
                ]
            )
        _vacuum_into(conn, Path(output))
    finally:
        conn.close()
    return digest


def _vacuum_into(conn: sqlite3.Connection, output: Path) -> None:
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


def _rows(content: CatalogContent) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) in insert order; ids are positions, so the same content gives the same
    ids."""
    jurisdiction_ids = {row.name: index for index, row in enumerate(content.jurisdictions, 1)}
    yield (
        "jurisdictions",
        [
            {
                "id": jurisdiction_ids[row.name],
                "name": row.name,
                "document": row.document,
                "id_prefix": row.id_prefix,
                "local_prefix": row.local_prefix,
            }
            for row in content.jurisdictions
        ],
    )
    yield (
        "jurisdiction_aliases",
        [
            {
                "alias_key": name_key(alias),
                "jurisdiction_id": jurisdiction_ids[row.name],
                "alias": alias,
            }
            for row in content.jurisdictions
            for alias in content.jurisdiction_aliases[row.name]
        ],
    )
    yield (
        "catalog_versions",
        [
            {
                "jurisdiction_id": jurisdiction_ids[name],
                "number": version.number,
                "effective": version.effective,
                "replaces": version.replaces,
                "scope": version.scope,
                "departments": _json(list(version.departments)),
                "source_name": version.source_name,
                "source_sha256": version.source_sha256,
                "importer": version.importer,
                "imported_at": version.imported_at,
                "parent_hash": version.parent_hash,
            }
            for name, version in sorted(
                content.versions.items(), key=lambda item: jurisdiction_ids[item[0]]
            )
        ],
    )

    department_ids: dict[tuple[str, str], int] = {}
    departments, department_aliases = [], []
    for jurisdiction in content.jurisdictions:
        scope = jurisdiction_ids[jurisdiction.name]
        for row in content.departments[jurisdiction.name]:
            if row.kind not in DEPARTMENT_KINDS:
                raise DataError(f"实施部门“{row.name}”的种类“{row.kind}”无效，措施目录未写入。")
            department_ids[(jurisdiction.name, row.name)] = len(department_ids) + 1
            departments.append(
                {
                    "id": len(department_ids),
                    "jurisdiction_id": scope,
                    "name": row.name,
                    "kind": row.kind,
                    "by_remit": int(row.by_remit),
                }
            )
        for name, aliases in content.department_aliases[jurisdiction.name].items():
            department_aliases += [
                {
                    "jurisdiction_id": scope,
                    "alias_key": name_key(alias.alias),
                    "department_id": department_ids[(jurisdiction.name, name)],
                    "alias": alias.alias,
                    "seen": _json(alias.seen),
                }
                for alias in aliases
            ]
    yield "departments", departments
    yield "department_aliases", department_aliases

    category_ids = {row.name: index for index, row in enumerate(content.categories, 1)}
    yield (
        "categories",
        [{"id": category_ids[row.name], "name": row.name} for row in content.categories],
    )
    yield (
        "category_aliases",
        [
            {
                "alias_key": name_key(alias.alias),
                "category_id": category_ids[row.name],
                "alias": alias.alias,
                "seen": _json(alias.seen),
            }
            for row in content.categories
            for alias in row.aliases
        ],
    )
    yield (
        "category_definitions",
        [
            {
                "category_id": category_ids[definition.category],
                "jurisdiction_id": jurisdiction_ids[definition.jurisdiction],
                "definition": definition.definition,
                "document": definition.document,
                "lines": _json(list(definition.lines)),
            }
            for definition in content.definitions
        ],
    )

    basis_ids, bases, basis_aliases = _names("basis", content.bases, jurisdiction_ids)
    yield "bases", bases
    yield "basis_aliases", basis_aliases
    initiator_ids, initiators, initiator_aliases = _names(
        "initiator", content.initiators, jurisdiction_ids
    )
    yield "initiators", initiators
    yield "initiator_aliases", initiator_aliases

    measures, measure_departments = [], []
    for seq, measure in enumerate(content.measures, 1):
        if measure.applies_to not in APPLIES_TO_VALUES:
            raise DataError(f"措施 {measure.id} 的适用对象“{measure.applies_to}”无效，未写入。")
        measures.append(
            {
                "seq": seq,
                "id": measure.id,
                "jurisdiction_id": jurisdiction_ids[measure.jurisdiction],
                "category_id": category_ids[measure.category],
                "basis_id": basis_ids[(measure.jurisdiction, measure.basis)],
                "basis_articles": measure.basis_articles,
                "initiator_id": (
                    initiator_ids[(measure.jurisdiction, measure.initiator)]
                    if measure.initiator is not None
                    else None
                ),
                "entry_no": measure.entry_no,
                "label": measure.label,
                "text": measure.text,
                "measure_type": measure.measure_type,
                "applies_to": measure.applies_to,
                "document": measure.document,
                "lines": _json(list(measure.lines)),
                "grp": measure.group,
                "by_remit": int(measure.by_remit),
                "note": measure.note,
                "as_written": _json(measure.as_written),
            }
        )
        measure_departments += [
            {
                "department_id": department_ids[(measure.jurisdiction, name)],
                "measure_id": measure.id,
                "position": position,
            }
            for position, name in enumerate(measure.departments, 1)
        ]
    yield "measures", measures
    yield "measure_departments", measure_departments

    yield (
        "list_layout",
        [
            {
                "position": layout.position,
                "name": layout.name,
                "optional": int(layout.optional),
                "document": layout.document,
                "lines": _json(list(layout.lines)),
            }
            for layout in content.layout
        ],
    )
    documents = {row.name: row.document for row in content.jurisdictions}
    yield (
        "member_units",
        [
            {
                "jurisdiction_id": jurisdiction_ids[member.jurisdiction],
                "position": member.position,
                "written": member.written,
                "department_id": department_ids[(member.jurisdiction, member.department)],
                "document": documents[member.jurisdiction],
                "line": member.line,
            }
            for member in content.members
        ],
    )
    yield (
        "anomalies",
        [
            {
                "id": index,
                "kind": anomaly.kind,
                "document": anomaly.document,
                "lines": _json(list(anomaly.lines)),
                "message": anomaly.message,
                "detail": _json(anomaly.detail),
            }
            for index, anomaly in enumerate(content.anomalies, 1)
        ],
    )


def _names(
    kind: str, rows: dict[str, list[NameRow]], jurisdiction_ids: dict[str, int]
) -> tuple[dict[tuple[str, str], int], list[dict[str, Any]], list[dict[str, Any]]]:
    """Bases or initiators and their aliases: ((jurisdiction, name) → id, rows, alias rows)."""
    ids: dict[tuple[str, str], int] = {}
    owners, aliases = [], []
    for jurisdiction, names in rows.items():
        scope = jurisdiction_ids[jurisdiction]
        for row in names:
            owner = ids[(jurisdiction, row.name)] = len(ids) + 1
            if kind == "basis":
                owners.append(
                    {"id": owner, "jurisdiction_id": scope, "title": row.name, "doc_no": row.doc_no}
                )
            else:
                owners.append({"id": owner, "jurisdiction_id": scope, "name": row.name})
            aliases += [
                {
                    "jurisdiction_id": scope,
                    "alias_key": name_key(alias.alias),
                    f"{kind}_id": owner,
                    "alias": alias.alias,
                    "seen": _json(alias.seen),
                }
                for alias in row.aliases
            ]
    return ids, owners, aliases
