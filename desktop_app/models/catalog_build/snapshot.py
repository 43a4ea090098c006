"""One jurisdiction of a catalog file read back as `writer.CatalogContent`.

An imported catalog version starts from the version it replaces: every row of that
jurisdiction (its names with all their aliases and where they were seen, its measures with
their provenance, its member units and definitions), every category (categories are shared
by all jurisdictions, and a list names them), and the build's anomalies about its documents.
The import then changes the measures of the departments its file contains and writes the
result as a new catalog file with `writer.write`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from desktop_app.models.catalog_build.documents import Anomaly
from desktop_app.models.catalog_build.writer import (
    AliasRow,
    CatalogContent,
    DefinitionRow,
    DepartmentRow,
    JurisdictionRow,
    LayoutRow,
    MeasureRow,
    MemberRow,
    NameRow,
    VersionRow,
)


def read_jurisdiction(path: Path, jurisdiction: str) -> CatalogContent:
    """The rows of `jurisdiction` (canonical name) in the catalog file at `path`."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return _read(conn, jurisdiction)
    finally:
        conn.close()


def _aliases(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> list[AliasRow]:
    return [AliasRow(row["alias"], json.loads(row["seen"])) for row in conn.execute(sql, args)]


def _read(conn: sqlite3.Connection, name: str) -> CatalogContent:
    place = conn.execute("SELECT * FROM jurisdictions WHERE name = ?", (name,)).fetchone()
    scope = place["id"]
    content = CatalogContent(
        jurisdictions=[
            JurisdictionRow(name, place["document"], place["id_prefix"], place["local_prefix"])
        ]
    )
    content.jurisdiction_aliases[name] = [
        alias
        for (alias,) in conn.execute(
            "SELECT alias FROM jurisdiction_aliases WHERE jurisdiction_id = ? ORDER BY rowid",
            (scope,),
        )
    ]
    version = conn.execute(
        "SELECT * FROM catalog_versions WHERE jurisdiction_id = ?", (scope,)
    ).fetchone()
    content.versions[name] = VersionRow(
        number=version["number"],
        source_name=version["source_name"],
        source_sha256=version["source_sha256"],
        scope=version["scope"],
        effective=version["effective"],
        replaces=version["replaces"],
        departments=tuple(json.loads(version["departments"])),
        importer=version["importer"],
        imported_at=version["imported_at"],
        parent_hash=version["parent_hash"],
    )

    departments = conn.execute(
        "SELECT * FROM departments WHERE jurisdiction_id = ? ORDER BY id", (scope,)
    ).fetchall()
    content.departments[name] = [
        DepartmentRow(row["name"], row["kind"], bool(row["by_remit"])) for row in departments
    ]
    content.department_aliases[name] = {
        row["name"]: _aliases(
            conn,
            "SELECT alias, seen FROM department_aliases WHERE department_id = ? ORDER BY rowid",
            (row["id"],),
        )
        for row in departments
    }
    content.categories = [
        NameRow(
            row["name"],
            _aliases(
                conn,
                "SELECT alias, seen FROM category_aliases WHERE category_id = ? ORDER BY rowid",
                (row["id"],),
            ),
        )
        for row in conn.execute("SELECT * FROM categories ORDER BY id").fetchall()
    ]
    content.definitions = [
        DefinitionRow(
            row["category"],
            name,
            row["definition"],
            row["document"],
            tuple(json.loads(row["lines"])),
        )
        for row in conn.execute(
            "SELECT c.name AS category, d.* FROM category_definitions d "
            "JOIN categories c ON c.id = d.category_id WHERE d.jurisdiction_id = ? "
            "ORDER BY c.id",
            (scope,),
        )
    ]
    for kind, table, column in (("basis", "bases", "title"), ("initiator", "initiators", "name")):
        target = content.bases if kind == "basis" else content.initiators
        target[name] = [
            NameRow(
                row[column],
                _aliases(
                    conn,
                    f"SELECT alias, seen FROM {kind}_aliases WHERE {kind}_id = ? ORDER BY rowid",
                    (row["id"],),
                ),
                row["doc_no"] if kind == "basis" else None,
            )
            for row in conn.execute(
                f"SELECT * FROM {table} WHERE jurisdiction_id = ? ORDER BY id", (scope,)
            ).fetchall()
        ]

    implementing: dict[str, list[str]] = defaultdict(list)
    for measure_id, department in conn.execute(
        "SELECT md.measure_id, d.name FROM measure_departments md "
        "JOIN departments d ON d.id = md.department_id WHERE d.jurisdiction_id = ? "
        "ORDER BY md.measure_id, md.position",
        (scope,),
    ):
        implementing[measure_id].append(department)
    content.measures = [
        MeasureRow(
            id=row["id"],
            jurisdiction=name,
            category=row["category"],
            basis=row["basis"],
            initiator=row["initiator"],
            departments=implementing.get(row["id"], []),
            entry_no=row["entry_no"],
            label=row["label"],
            text=row["text"],
            applies_to=row["applies_to"],
            document=row["document"],
            lines=tuple(json.loads(row["lines"])),
            group=row["grp"],
            by_remit=bool(row["by_remit"]),
            note=row["note"],
            as_written=json.loads(row["as_written"]),
            basis_articles=row["basis_articles"],
            measure_type=row["measure_type"],
        )
        for row in conn.execute(
            "SELECT m.*, c.name AS category, b.title AS basis, i.name AS initiator "
            "FROM measures m JOIN categories c ON c.id = m.category_id "
            "JOIN bases b ON b.id = m.basis_id LEFT JOIN initiators i ON i.id = m.initiator_id "
            "WHERE m.jurisdiction_id = ? ORDER BY m.seq",
            (scope,),
        )
    ]
    content.layout = [
        LayoutRow(
            row["position"],
            row["name"],
            bool(row["optional"]),
            row["document"],
            tuple(json.loads(row["lines"])),
        )
        for row in conn.execute("SELECT * FROM list_layout ORDER BY position")
    ]
    content.members = [
        MemberRow(name, row["position"], row["written"], row["department"], row["line"])
        for row in conn.execute(
            "SELECT u.*, d.name AS department FROM member_units u "
            "JOIN departments d ON d.id = u.department_id WHERE u.jurisdiction_id = ? "
            "ORDER BY u.position",
            (scope,),
        )
    ]
    documents = {m.document for m in content.measures} | {place["document"]}
    content.anomalies = [
        Anomaly(
            row["kind"],
            row["document"],
            tuple(json.loads(row["lines"])),
            row["message"],
            json.loads(row["detail"]),
        )
        for row in conn.execute("SELECT * FROM anomalies ORDER BY id")
        if row["document"] in documents
    ]
    sources = json.loads(
        (conn.execute("SELECT value FROM meta WHERE key = 'sources'").fetchone() or ["{}"])[0]
    )
    content.sources = {doc: digest for doc, digest in sources.items() if doc in documents}
    return content
