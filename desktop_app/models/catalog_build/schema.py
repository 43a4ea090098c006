"""Tables of a catalog database (version `catalog.SCHEMA_VERSION`), created with sqlite-utils.

The bundled `resources/measures.db` and every imported catalog version are databases of this
schema, so that one reader (`desktop_app.models.catalog.Catalog`) serves both and IT can look
into either with the sqlite-utils CLI (`sqlite-utils tables measures.db --counts`,
`sqlite-utils search measures.db measures 政府采购`).

Names: each canonical jurisdiction, department, category, basis and initiator has one row,
and every accepted spelling one alias row keyed by `catalog.name_key` (`seen` holds the
documents and lines where the sources write that spelling, `{}` for table short forms).
Measures: one row each (`seq`, the rowid, gives document order), with the departments that
implement it in `measure_departments` (none for 内蒙古, whose signatories implement every
measure within their remit: `by_remit`). `catalog_versions` says which version of each
jurisdiction's catalog the file holds (the built-in catalog is version 1; an import is a new
version with its effective date, source file and importer). `measures_fts` and `bases_fts`
are FTS5 trigram indexes (sqlite-utils `enable_fts`) over the measure texts, the article
numbers of their bases, and the basis titles.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_SIZE = 4096


@dataclass(frozen=True)
class TableSpec:
    """One table: columns in order (type `str` → TEXT, `int` → INTEGER), its primary key,
    the columns that may not be NULL, foreign keys (column, table, column) and unique
    column sets (created as unique indexes after the rows are in)."""

    name: str
    columns: dict[str, type]
    pk: str | tuple[str, ...]
    not_null: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()


def _ref(column: str, table: str) -> tuple[str, str, str]:
    return (column, table, "id")


_JURISDICTION = _ref("jurisdiction_id", "jurisdictions")

TABLES: tuple[TableSpec, ...] = (
    TableSpec("meta", {"key": str, "value": str}, "key", ("value",)),
    TableSpec(
        "jurisdictions",
        {"id": int, "name": str, "document": str, "id_prefix": str, "local_prefix": str},
        "id",
        ("name", "document", "id_prefix", "local_prefix"),
        unique=(("name",),),
    ),
    TableSpec(
        "jurisdiction_aliases",
        {"alias_key": str, "jurisdiction_id": int, "alias": str},
        "alias_key",
        ("jurisdiction_id", "alias"),
        (_JURISDICTION,),
    ),
    TableSpec(
        "catalog_versions",
        {
            "jurisdiction_id": int,
            "number": int,
            "effective": str,
            "replaces": int,
            "scope": str,
            "departments": str,
            "source_name": str,
            "source_sha256": str,
            "importer": str,
            "imported_at": str,
            "parent_hash": str,
        },
        "jurisdiction_id",
        ("number", "scope", "departments", "source_name", "source_sha256"),
        (_JURISDICTION,),
    ),
    TableSpec(
        "departments",
        {"id": int, "jurisdiction_id": int, "name": str, "kind": str, "by_remit": int},
        "id",
        ("jurisdiction_id", "name", "kind", "by_remit"),
        (_JURISDICTION,),
        (("jurisdiction_id", "name"),),
    ),
    TableSpec(
        "department_aliases",
        {
            "jurisdiction_id": int,
            "alias_key": str,
            "department_id": int,
            "alias": str,
            "seen": str,
        },
        ("jurisdiction_id", "alias_key"),
        ("department_id", "alias", "seen"),
        (_JURISDICTION, _ref("department_id", "departments")),
    ),
    TableSpec("categories", {"id": int, "name": str}, "id", ("name",), unique=(("name",),)),
    TableSpec(
        "category_aliases",
        {"alias_key": str, "category_id": int, "alias": str, "seen": str},
        "alias_key",
        ("category_id", "alias", "seen"),
        (_ref("category_id", "categories"),),
    ),
    TableSpec(
        "category_definitions",
        {
            "category_id": int,
            "jurisdiction_id": int,
            "definition": str,
            "document": str,
            "lines": str,
        },
        ("category_id", "jurisdiction_id"),
        ("definition", "document", "lines"),
        (_ref("category_id", "categories"), _JURISDICTION),
    ),
    TableSpec(
        "bases",
        {"id": int, "jurisdiction_id": int, "title": str, "doc_no": str},
        "id",
        ("jurisdiction_id", "title"),
        (_JURISDICTION,),
        (("jurisdiction_id", "title"),),
    ),
    TableSpec(
        "basis_aliases",
        {"jurisdiction_id": int, "alias_key": str, "basis_id": int, "alias": str, "seen": str},
        ("jurisdiction_id", "alias_key"),
        ("basis_id", "alias", "seen"),
        (_JURISDICTION, _ref("basis_id", "bases")),
    ),
    TableSpec(
        "initiators",
        {"id": int, "jurisdiction_id": int, "name": str},
        "id",
        ("jurisdiction_id", "name"),
        (_JURISDICTION,),
        (("jurisdiction_id", "name"),),
    ),
    TableSpec(
        "initiator_aliases",
        {
            "jurisdiction_id": int,
            "alias_key": str,
            "initiator_id": int,
            "alias": str,
            "seen": str,
        },
        ("jurisdiction_id", "alias_key"),
        ("initiator_id", "alias", "seen"),
        (_JURISDICTION, _ref("initiator_id", "initiators")),
    ),
    TableSpec(
        "measures",
        {
            "seq": int,
            "id": str,
            "jurisdiction_id": int,
            "category_id": int,
            "basis_id": int,
            "basis_articles": str,
            "initiator_id": int,
            "entry_no": str,
            "label": str,
            "text": str,
            "measure_type": str,
            "applies_to": str,
            "document": str,
            "lines": str,
            "grp": str,
            "by_remit": int,
            "note": str,
            "as_written": str,
        },
        "seq",
        (
            "id",
            "jurisdiction_id",
            "category_id",
            "basis_id",
            "label",
            "text",
            "applies_to",
            "document",
            "lines",
            "by_remit",
            "as_written",
        ),
        (
            _JURISDICTION,
            _ref("category_id", "categories"),
            _ref("basis_id", "bases"),
            _ref("initiator_id", "initiators"),
        ),
        (("id",),),
    ),
    TableSpec(
        "measure_departments",
        {"department_id": int, "measure_id": str, "position": int},
        ("department_id", "measure_id"),
        ("position",),
        (_ref("department_id", "departments"), ("measure_id", "measures", "id")),
    ),
    TableSpec(
        "list_layout",
        {"position": int, "name": str, "optional": int, "document": str, "lines": str},
        "position",
        ("name", "optional", "document", "lines"),
    ),
    TableSpec(
        "member_units",
        {
            "jurisdiction_id": int,
            "position": int,
            "written": str,
            "department_id": int,
            "document": str,
            "line": int,
        },
        ("jurisdiction_id", "position"),
        ("written", "department_id", "document", "line"),
        (_JURISDICTION, _ref("department_id", "departments")),
    ),
    TableSpec(
        "anomalies",
        {
            "id": int,
            "kind": str,
            "document": str,
            "lines": str,
            "message": str,
            "detail": str,
        },
        "id",
        ("kind", "document", "lines", "message", "detail"),
    ),
)

# Created after the rows are in (faster, and the file does not depend on insert order).
INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("measures_by_jurisdiction", "measures", ("jurisdiction_id", "by_remit", "seq")),
    ("measures_by_category", "measures", ("category_id", "jurisdiction_id")),
    ("measure_departments_by_measure", "measure_departments", ("measure_id", "position")),
    ("departments_by_jurisdiction", "departments", ("jurisdiction_id",)),
)

# Full-text search (FTS5, trigram tokenizer: Chinese has no spaces between words, so every
# run of three characters is a term; shorter queries are answered by a plain scan).
FTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("measures", ("text", "basis_articles")),
    ("bases", ("title", "doc_no")),
)
FTS_TOKENIZER = "trigram"
APPLIES_TO_VALUES = ("person", "organization", "any")
DEPARTMENT_KINDS = ("department", "signatory", "generic")
