"""The measure catalog: read-only access to `resources/measures.db`.

`python -m desktop_app catalog build` writes the file from the three source documents
(`desktop_app.models.catalog_build`); this module only reads it. Every name argument
(jurisdiction, department, category) accepts the canonical name and every alias, after the
normalisation of `name_key`; an unknown name raises `UnknownNameError` with the closest
canonical names.

A measure is a dict::

    {"id": "LZ-000-L0075-1", "jurisdiction": "柳州市", "department": "市委编办",
     "departments": ["市委编办"], "category": "失信被执行人",
     "basis": "关于对失信被执行人实施联合惩戒的合作备忘录", "basis_doc_no": None,
     "initiator": "市中级人民法院", "entry_no": "1", "label": "(一)", "text": "…",
     "applies_to": "any", "source": {"document": "000_….txt", "lines": [75]},
     "group": None, "by_remit": False, "note": None,
     "as_written": {"category": …, "basis": …, "initiator": …, "departments": […], "text": …}}

`department` is the department asked for in `measures()`; in `measure()` it is the only
department that implements the measure, or None when several do (see `departments`) or when
the signatories implement it within their remit (`by_remit`, 内蒙古).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from desktop_app.errors import DataError, InvalidInputError, UnknownNameError
from desktop_app.models.text import clean_text

# The version of the catalog's tables; a build writes it into `meta`, `Catalog.open` refuses
# any other.
SCHEMA_VERSION = 2

SUBJECT_TYPES = {"person": ("person", "any"), "organization": ("organization", "any")}

_WHITESPACE_RE = re.compile(r"\s+")
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_QUOTES = "《》“”\"'「」"


def name_key(name: str) -> str:
    """The lookup form of a name: the text rule (`text.clean_text`: NFKC, invisible
    characters removed …), no whitespace, one kind of bracket, no outer quotes.

    NFKC makes full-width brackets and letters half-width (`（专利）` → `(专利)`); whitespace
    goes because the PDF conversion put spaces inside names (`市机关事 务管理局`).
    """
    text = clean_text(name)
    return _WHITESPACE_RE.sub("", text).translate(_BRACKETS).strip(_QUOTES)


def canonical_dump(conn: sqlite3.Connection) -> Iterator[str]:
    """Every row of every table except `meta` and the full-text indexes (derived from the
    measures and bases, and their bytes depend on the SQLite version), as JSON lines in a
    fixed order."""
    indexes = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'meta' ORDER BY name"
        )
        if not any(name == index or name.startswith(f"{index}_") for index in indexes)
    ]
    for table in tables:
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        order = ", ".join(f'"{column}"' for column in columns)
        yield json.dumps([table, columns], ensure_ascii=False, separators=(",", ":"))
        for row in conn.execute(f'SELECT {order} FROM "{table}" ORDER BY {order}'):
            yield json.dumps([table, list(row)], ensure_ascii=False, separators=(",", ":"))


def content_hash(conn: sqlite3.Connection) -> str:
    """sha256 of `canonical_dump`: the catalog's version, independent of the file's bytes."""
    digest = hashlib.sha256()
    for line in canonical_dump(conn):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def version_label(info: dict[str, Any]) -> str:
    """A version as a person reads it: 第1版（内置目录）, 第2版（2025-03-01起施行）."""
    if info.get("effective") is None:
        return f"第{info['number']}版（内置目录）"
    return f"第{info['number']}版（{info['effective']}起施行）"


# The trigram index answers terms of three characters or more; shorter ones are scanned
# (on SQLite 3.40 a trigram LIKE with two Chinese characters silently finds nothing).
TRIGRAM = 3
BY_REMIT_GROUP = "各签署部门（按职责实施）"
# A search is a few words a person types; a pasted page is refused, not searched word by word.
MAX_SEARCH_CHARS = 200
MAX_SEARCH_WORDS = 10


def search_terms(text: str) -> list[str]:
    """The words of a search: the text rule (`text.clean_text`: full-width letters and digits,
    invisible characters), split on whitespace, surrounding quotes dropped, each word once."""
    normalized = clean_text(text)
    words = (word.strip(_QUOTES) for word in _WHITESPACE_RE.split(normalized))
    return list(dict.fromkeys(word for word in words if word))


def highlight_spans(text: str | None, terms: list[str]) -> list[list[int]]:
    """[start, end) of every occurrence of any term in `text` (case-insensitive), merged."""
    return Highlighter(terms)(text)


class Highlighter:
    """Finds the occurrences of search terms, overlapping ones too, merged into spans."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = [term.lower() for term in terms if term]
        # Chinese has no case: the text is lowered only for terms with letters
        self.cased = any(term.lower() != term.upper() for term in terms)

    def __call__(self, text: str | None) -> list[list[int]]:
        if not text:
            return []
        lowered = text
        if self.cased:
            lowered = text.lower()
            if len(lowered) != len(text):  # a letter whose lower case is longer: exact case
                lowered = text
        found = []
        for term in self.terms:
            index = lowered.find(term)
            while index >= 0:
                found.append((index, index + len(term)))
                index = lowered.find(term, index + 1)
        if not found:
            return []
        if len(self.terms) > 1:
            found.sort()
        merged: list[list[int]] = []
        for begin, end in found:
            if merged and begin <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([begin, end])
        return merged


_MEASURE_COLUMNS = """
    m.id, j.name AS jurisdiction, c.name AS category, b.title AS basis, b.doc_no AS basis_doc_no,
    m.basis_articles, i.name AS initiator, m.entry_no, m.label, m.text, m.measure_type,
    m.applies_to, m.document, m.lines, m.grp, m.by_remit, m.note, m.as_written,
    (SELECT json_group_array(name) FROM (
        SELECT d.name FROM measure_departments md2 JOIN departments d ON d.id = md2.department_id
        WHERE md2.measure_id = m.id ORDER BY md2.position)) AS departments
"""
_MEASURE_JOINS = """
    JOIN jurisdictions j ON j.id = m.jurisdiction_id
    JOIN categories c ON c.id = m.category_id
    JOIN bases b ON b.id = m.basis_id
    LEFT JOIN initiators i ON i.id = m.initiator_id
"""


class Catalog:
    """Read-only access to one catalog file. Cheap to open; queries use indexes.

    The connection is opened read-only and may be used from any thread.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, version: str) -> None:
        self._conn = conn
        self.path = path
        self.version = version
        self._suggestion_pool: dict[tuple[str, int | None], dict[str, str]] = {}
        self._search_rows: dict[int, tuple[dict[str, Any], list[tuple[int, str]], int]] | None
        self._search_rows = None
        self._by_basis: dict[int, list[int]] | None = None

    @classmethod
    def open(cls, path: Path | str) -> Catalog:
        """Open a catalog read-only; `DataError` if the file is missing or not a catalog."""
        path = Path(path)
        if not path.is_file():
            raise DataError(
                f"找不到措施目录“{path}”。请重新安装信用核查台，"
                "或在程序目录中运行 python -m desktop_app catalog build 重新生成。"
            )
        try:
            # read-only, so one connection may serve the window's worker threads too
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as problem:
            raise DataError(
                f"“{path}”不是可用的措施目录（{problem}）。请重新安装或重新生成措施目录。"
            ) from problem
        if rows.get("schema_version") != str(SCHEMA_VERSION) or "content_hash" not in rows:
            conn.close()
            raise DataError(
                f"措施目录“{path}”的格式版本（{rows.get('schema_version')}）与本程序"
                f"（{SCHEMA_VERSION}）不符。请使用与本程序配套的措施目录。"
            )
        conn.row_factory = sqlite3.Row
        return cls(conn, path, rows["content_hash"])

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> bool:
        """True when the stored content still has the hash the build recorded."""
        return content_hash(self._conn) == self.version

    # -- versions ------------------------------------------------------------------------
    def version_info(self, jurisdiction: str) -> dict[str, Any]:
        """Which version of the jurisdiction's catalog this file holds (`catalog_versions`):
        {"jurisdiction", "number", "effective", "replaces", "scope", "departments",
        "source_name", "source_sha256", "importer", "imported_at", "parent_hash",
        "content_hash", "label"}. The built-in catalog is version 1, in force since always
        (`effective` None)."""
        row = self._conn.execute(
            "SELECT v.*, j.name AS jurisdiction FROM catalog_versions v "
            "JOIN jurisdictions j ON j.id = v.jurisdiction_id WHERE j.id = ?",
            (self._jurisdiction(jurisdiction)["id"],),
        ).fetchone()
        if row is None:
            raise DataError(f"措施目录“{self.path}”没有记录{jurisdiction}的目录版本，无法使用。")
        info = {
            key: row[key]
            for key in (
                "jurisdiction",
                "number",
                "effective",
                "replaces",
                "scope",
                "source_name",
                "source_sha256",
                "importer",
                "imported_at",
                "parent_hash",
            )
        }
        info["departments"] = json.loads(row["departments"])
        info["content_hash"] = self.version
        info["label"] = version_label(info)
        return info

    def versions(self) -> list[dict[str, Any]]:
        """`version_info` of every jurisdiction in the file."""
        return [self.version_info(j["name"]) for j in self.jurisdictions()]

    def in_force(self, jurisdiction: str, as_of: str | None = None) -> Catalog:
        """The catalog of `jurisdiction` in force on `as_of`: one file holds one version of
        each of its jurisdictions (`CatalogVersions` chooses among several)."""
        self._jurisdiction(jurisdiction)
        return self

    def by_hash(self, version: str) -> Catalog | None:
        """This catalog when its content hash is `version`, else None."""
        return self if version == self.version else None

    def has_department(self, jurisdiction: str, name: str) -> bool:
        """Whether the jurisdiction has a department of that name or alias (never raises for
        an unknown department)."""
        return self._department_row(self._jurisdiction(jurisdiction), name) is not None

    # -- names ---------------------------------------------------------------------------
    def jurisdictions(self) -> list[dict[str, Any]]:
        """Every jurisdiction: {"name", "aliases", "document"}."""
        result = []
        for row in self._conn.execute("SELECT id, name, document FROM jurisdictions ORDER BY id"):
            aliases = [
                alias
                for (alias,) in self._conn.execute(
                    "SELECT alias FROM jurisdiction_aliases WHERE jurisdiction_id = ? "
                    "ORDER BY rowid",
                    (row["id"],),
                )
                if alias != row["name"]
            ]
            result.append({"name": row["name"], "aliases": aliases, "document": row["document"]})
        return result

    def _jurisdiction(self, name: str) -> sqlite3.Row:
        row = self._conn.execute(
            "SELECT j.* FROM jurisdiction_aliases a "
            "JOIN jurisdictions j ON j.id = a.jurisdiction_id WHERE a.alias_key = ?",
            (name_key(name),),
        ).fetchone()
        if row is None:
            known = [j["name"] for j in self.jurisdictions()]
            raise UnknownNameError("地区", name, self._suggest("jurisdiction", name), known)
        return row

    def resolve_jurisdiction(self, name: str) -> str:
        """The canonical name of a jurisdiction (柳州 → 柳州市)."""
        return self._jurisdiction(name)["name"]

    def _department(self, jurisdiction: sqlite3.Row, name: str) -> sqlite3.Row:
        row = self._department_row(jurisdiction, name)
        if row is None:
            raise UnknownNameError(
                "部门", name, self._suggest("department", name, jurisdiction["id"])
            )
        return row

    def _department_row(self, jurisdiction: sqlite3.Row, name: str) -> sqlite3.Row | None:
        for key in self._department_keys(jurisdiction, name):
            row = self._conn.execute(
                "SELECT d.* FROM department_aliases a JOIN departments d ON d.id = a.department_id "
                "WHERE a.jurisdiction_id = ? AND a.alias_key = ?",
                (jurisdiction["id"], key),
            ).fetchone()
            if row is not None:
                return row
        return None

    def _department_keys(self, jurisdiction: sqlite3.Row, name: str) -> list[str]:
        """The name, and without a leading jurisdiction name (柳州市公安局 → 公安局, 市公安局)."""
        key = name_key(name)
        keys = [key]
        prefixes = sorted(
            (
                alias_key
                for (alias_key,) in self._conn.execute(
                    "SELECT alias_key FROM jurisdiction_aliases WHERE jurisdiction_id = ?",
                    (jurisdiction["id"],),
                )
            ),
            key=len,
            reverse=True,
        )
        for prefix in prefixes:
            if key.startswith(prefix) and len(key) > len(prefix):
                rest = key[len(prefix) :]
                keys += [rest, name_key(jurisdiction["local_prefix"]) + rest]
                break
        return keys

    def resolve_department(self, jurisdiction: str, name: str) -> str:
        """The canonical name of a department of that jurisdiction (内蒙古: 住建厅 →
        自治区住房和城乡建设厅)."""
        return self._department(self._jurisdiction(jurisdiction), name)["name"]

    def find_basis(self, jurisdiction: str, title: str) -> str | None:
        """The canonical basis title of the jurisdiction for any spelling, or None."""
        row = self._conn.execute(
            "SELECT b.title FROM basis_aliases a JOIN bases b ON b.id = a.basis_id "
            "WHERE a.jurisdiction_id = ? AND a.alias_key = ?",
            (self._jurisdiction(jurisdiction)["id"], name_key(title)),
        ).fetchone()
        return row[0] if row is not None else None

    def find_initiator(self, jurisdiction: str, name: str) -> str | None:
        """The canonical initiator of the jurisdiction for any spelling, or None."""
        row = self._conn.execute(
            "SELECT i.name FROM initiator_aliases a JOIN initiators i ON i.id = a.initiator_id "
            "WHERE a.jurisdiction_id = ? AND a.alias_key = ?",
            (self._jurisdiction(jurisdiction)["id"], name_key(name)),
        ).fetchone()
        return row[0] if row is not None else None

    def find_department(self, jurisdiction: str, name: str) -> str | None:
        """The canonical department of the jurisdiction for any spelling, or None."""
        row = self._department_row(self._jurisdiction(jurisdiction), name)
        return row["name"] if row is not None else None

    def suggest(self, kind: str, name: str, jurisdiction: str | None = None) -> list[str]:
        """Up to three canonical names (kind: department, category) closest to `name`."""
        scope = self._jurisdiction(jurisdiction)["id"] if jurisdiction is not None else None
        return self._suggest(kind, name, scope)

    def _category(self, name: str) -> sqlite3.Row | None:
        return self._conn.execute(
            "SELECT c.* FROM category_aliases a JOIN categories c ON c.id = a.category_id "
            "WHERE a.alias_key = ?",
            (name_key(name),),
        ).fetchone()

    def find_category(self, name: str) -> str | None:
        """The canonical category for any spelling, or None; never raises."""
        row = self._category(name)
        return row["name"] if row is not None else None

    def resolve_category(self, name: str, jurisdiction: str | None = None) -> str:
        """The global canonical category; with a jurisdiction it must have measures there."""
        jurisdiction_row = self._jurisdiction(jurisdiction) if jurisdiction is not None else None
        row = self._category(name)
        if row is not None and jurisdiction_row is not None:
            present = self._conn.execute(
                "SELECT 1 FROM measures WHERE category_id = ? AND jurisdiction_id = ? LIMIT 1",
                (row["id"], jurisdiction_row["id"]),
            ).fetchone()
            if present is None:
                row = None
        if row is None:
            scope = jurisdiction_row["id"] if jurisdiction_row is not None else None
            raise UnknownNameError("联合惩戒对象", name, self._suggest("category", name, scope))
        return row["name"]

    def _suggest(self, kind: str, name: str, scope: int | None = None) -> list[str]:
        """Up to three canonical names closest to `name` (character-level similarity)."""
        pool = self._suggestion_pool.get((kind, scope))
        if pool is None:
            pool = self._suggestion_pool[(kind, scope)] = self._suggestion_choices(kind, scope)
        query = name_key(name)
        if not query or not pool:
            return []
        found: list[str] = []
        for canonical, _score, _key in process.extract(
            query, pool, scorer=fuzz.WRatio, limit=30, score_cutoff=50
        ):
            if canonical not in found:
                found.append(canonical)
            if len(found) == 3:
                break
        return found

    def _suggestion_choices(self, kind: str, scope: int | None) -> dict[str, str]:
        if kind == "jurisdiction":
            sql, args = (
                "SELECT a.alias_key, j.name FROM jurisdiction_aliases a "
                "JOIN jurisdictions j ON j.id = a.jurisdiction_id",
                (),
            )
        elif kind == "department":
            sql, args = (
                "SELECT a.alias_key, d.name FROM department_aliases a "
                "JOIN departments d ON d.id = a.department_id WHERE a.jurisdiction_id = ?",
                (scope,),
            )
        elif scope is None:
            sql, args = (
                "SELECT a.alias_key, c.name FROM category_aliases a "
                "JOIN categories c ON c.id = a.category_id",
                (),
            )
        else:
            sql, args = (
                "SELECT a.alias_key, c.name FROM category_aliases a "
                "JOIN categories c ON c.id = a.category_id WHERE EXISTS (SELECT 1 FROM measures m "
                "WHERE m.category_id = c.id AND m.jurisdiction_id = ?)",
                (scope,),
            )
        return {key: name for key, name in self._conn.execute(sql, args)}

    # -- listings ------------------------------------------------------------------------
    def departments(self, jurisdiction: str | None = None) -> list[dict[str, Any]]:
        """Departments: {"jurisdiction", "name", "aliases", "measure_count", "by_remit", "kind"}."""
        where, args = "", ()
        if jurisdiction is not None:
            where, args = "WHERE d.jurisdiction_id = ?", (self._jurisdiction(jurisdiction)["id"],)
        rows = self._conn.execute(
            f"""SELECT d.id, d.name, d.kind, d.by_remit, j.name AS jurisdiction,
                   CASE WHEN d.by_remit THEN (SELECT count(*) FROM measures m
                            WHERE m.jurisdiction_id = d.jurisdiction_id AND (m.by_remit = 1
                            OR m.id IN (SELECT measure_id FROM measure_departments md
                                        WHERE md.department_id = d.id)))
                        ELSE (SELECT count(*) FROM measure_departments md
                              WHERE md.department_id = d.id)
                   END AS measure_count
                FROM departments d JOIN jurisdictions j ON j.id = d.jurisdiction_id {where}
                ORDER BY d.jurisdiction_id, d.id""",
            args,
        ).fetchall()
        return [
            {
                "jurisdiction": row["jurisdiction"],
                "name": row["name"],
                "aliases": self._aliases(
                    "department_aliases", "department_id", row["id"], row["name"]
                ),
                "measure_count": row["measure_count"],
                "by_remit": bool(row["by_remit"]),
                "kind": row["kind"],
            }
            for row in rows
        ]

    def categories(self, jurisdiction: str | None = None) -> list[dict[str, Any]]:
        """Categories: {"name", "aliases", "jurisdictions", "measure_count", "definition"}.

        With a jurisdiction: only the categories that have measures there, counted there,
        with that jurisdiction's definition of the category (内蒙古 defines its domains).
        """
        scope = self._jurisdiction(jurisdiction)["id"] if jurisdiction is not None else None
        rows = self._conn.execute(
            """SELECT c.id, c.name, count(m.id) AS measure_count
               FROM categories c JOIN measures m ON m.category_id = c.id
               WHERE (? IS NULL OR m.jurisdiction_id = ?)
               GROUP BY c.id ORDER BY c.id""",
            (scope, scope),
        ).fetchall()
        result = []
        for row in rows:
            present = [
                name
                for (name,) in self._conn.execute(
                    "SELECT j.name FROM jurisdictions j WHERE EXISTS (SELECT 1 FROM measures m "
                    "WHERE m.category_id = ? AND m.jurisdiction_id = j.id) ORDER BY j.id",
                    (row["id"],),
                )
            ]
            definition = None
            if scope is not None:
                found = self._conn.execute(
                    "SELECT definition FROM category_definitions "
                    "WHERE category_id = ? AND jurisdiction_id = ?",
                    (row["id"], scope),
                ).fetchone()
                definition = found[0] if found else None
            result.append(
                {
                    "name": row["name"],
                    "aliases": self._aliases(
                        "category_aliases", "category_id", row["id"], row["name"]
                    ),
                    "jurisdictions": present,
                    "measure_count": row["measure_count"],
                    "definition": definition,
                }
            )
        return result

    def _aliases(self, table: str, column: str, owner: int, name: str) -> list[str]:
        return [
            alias
            for (alias,) in self._conn.execute(
                f"SELECT alias FROM {table} WHERE {column} = ? ORDER BY rowid", (owner,)
            )
            if alias != name
        ]

    # -- measures ------------------------------------------------------------------------
    def measures(
        self,
        jurisdiction: str,
        department: str,
        category: str | None = None,
        subject_type: str | None = None,
    ) -> list[dict[str, Any]]:
        """The measures a department of a jurisdiction applies, in document order.

        `category` limits them to one category (any spelling); `subject_type` "person" keeps
        the measures for persons and for both, "organization" those for organisations and
        for both.
        """
        jurisdiction_row = self._jurisdiction(jurisdiction)
        department_row = self._department(jurisdiction_row, department)
        conditions, args = [], []
        if department_row["by_remit"]:
            # every measure implemented within the signatories' remit, and any a later
            # version gives this signatory by name
            conditions.append(
                "m.jurisdiction_id = ? AND (m.by_remit = 1 OR m.id IN (SELECT measure_id "
                "FROM measure_departments WHERE department_id = ?))"
            )
            args += [jurisdiction_row["id"], department_row["id"]]
            source = "measures m"
        else:
            source = "measure_departments md JOIN measures m ON m.id = md.measure_id"
            conditions.append("md.department_id = ?")
            args.append(department_row["id"])
        if category is not None:
            canonical = self.resolve_category(category, jurisdiction_row["name"])
            conditions.append("c.name = ?")
            args.append(canonical)
        if subject_type is not None:
            if subject_type not in SUBJECT_TYPES:
                raise InvalidInputError(
                    f"主体类型“{subject_type}”无效：请用 person（自然人）"
                    "或 organization（法人和非法人组织）。"
                )
            conditions.append("m.applies_to IN (?, ?)")
            args.extend(SUBJECT_TYPES[subject_type])
        rows = self._conn.execute(
            f"SELECT {_MEASURE_COLUMNS} FROM {source} {_MEASURE_JOINS} "
            f"WHERE {' AND '.join(conditions)} ORDER BY m.seq",
            args,
        ).fetchall()
        return [self._measure_dict(row, department_row["name"]) for row in rows]

    def measure(self, measure_id: str) -> dict[str, Any] | None:
        """One measure by its id, or None."""
        row = self._conn.execute(
            f"SELECT {_MEASURE_COLUMNS} FROM measures m {_MEASURE_JOINS} WHERE m.id = ?",
            (measure_id,),
        ).fetchone()
        if row is None:
            return None
        departments = json.loads(row["departments"])
        return self._measure_dict(row, departments[0] if len(departments) == 1 else None)

    def search(self, text: str, jurisdiction: str | None = None) -> dict[str, Any]:
        """Measures whose text, basis title, 文号 or article numbers contain every word of
        `text`, grouped by department (a measure implemented by several departments is in
        each of their groups; 内蒙古's, implemented by every signatory within its remit, in
        one group `BY_REMIT_GROUP`), in document order, with the matched words' positions
        (`highlights`: text, basis, basis_articles).

        Words of three characters or more use the FTS5 trigram index, shorter ones a plain
        scan (`method`: fts, scan or both).
        """
        terms = search_terms(text)
        if not terms:
            raise InvalidInputError("请输入要搜索的措施文字、依据或条款，例如“政府采购”。")
        if len(text) > MAX_SEARCH_CHARS or len(terms) > MAX_SEARCH_WORDS:
            raise InvalidInputError(
                f"搜索内容过长：请输入不超过 {MAX_SEARCH_WORDS} 个词、{MAX_SEARCH_CHARS} 个字。"
            )
        scope = self._jurisdiction(jurisdiction) if jurisdiction is not None else None
        index = self._search_index()
        by_basis = self._measures_by_basis()
        methods = set()
        found: set[int] | None = None
        for term in terms:
            if len(term) >= TRIGRAM:
                methods.add("fts")
                phrase = '"' + term.replace('"', '""') + '"'
                texts = "SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?"
                bases = "SELECT rowid FROM bases_fts WHERE bases_fts MATCH ?"
                args: tuple[Any, ...] = (phrase,)
            else:
                methods.add("scan")
                # lower() costs more than the scan on Chinese text: only for Latin letters
                lower = "lower" if term.lower() != term.upper() else ""
                texts = (
                    f"SELECT seq FROM measures WHERE instr({lower}(text), ?) "
                    f"OR instr({lower}(coalesce(basis_articles, '')), ?)"
                )
                bases = (
                    f"SELECT id FROM bases WHERE instr({lower}(title), ?) "
                    f"OR instr({lower}(coalesce(doc_no, '')), ?)"
                )
                args = (term.lower(), term.lower())
            hits = {seq for (seq,) in self._conn.execute(texts, args)}
            for (basis_id,) in self._conn.execute(bases, args):
                hits.update(by_basis.get(basis_id, ()))
            found = hits if found is None else found & hits
        seqs = sorted(
            seq
            for seq in found or ()
            if seq in index and (scope is None or index[seq][2] == scope["id"])
        )
        spans = Highlighter(terms)
        basis_spans: dict[str | None, list[list[int]]] = {}

        groups: dict[tuple[int, int, str], dict[str, Any]] = {}
        for seq in seqs:
            measure, departments, jurisdiction_id = index[seq]
            basis = measure["basis"]
            if basis not in basis_spans:
                basis_spans[basis] = spans(basis)
            highlights = {
                "text": spans(measure["text"]),
                "basis": basis_spans[basis],
                "basis_articles": spans(measure["basis_articles"]),
            }
            for order, name in departments:
                group = groups.get((jurisdiction_id, order, name))
                if group is None:
                    group = groups[(jurisdiction_id, order, name)] = {
                        "jurisdiction": measure["jurisdiction"],
                        "department": name,
                        "by_remit": name == BY_REMIT_GROUP,
                        "measures": [],
                    }
                group["measures"].append(
                    {
                        **measure,
                        "department": None if order == 0 else name,
                        "highlights": highlights,
                    }
                )
        return {
            "query": text,
            "terms": terms,
            "jurisdiction": scope["name"] if scope is not None else None,
            "method": "+".join(sorted(methods)),
            "count": len(seqs),
            "groups": [groups[key] for key in sorted(groups)],
        }

    def all_measures(self, jurisdiction: str) -> list[dict[str, Any]]:
        """Every measure of a jurisdiction in document order, as `search` shows them (no
        highlights; `departments` lists who implements it, empty with `by_remit`)."""
        scope = self._jurisdiction(jurisdiction)["id"]
        return [
            dict(measure)
            for measure, _, jurisdiction_id in self._search_index().values()
            if jurisdiction_id == scope
        ]

    def _measures_by_basis(self) -> dict[int, list[int]]:
        """basis id → the seqs of its measures; read once per catalog."""
        if self._by_basis is None:
            by_basis: dict[int, list[int]] = {}
            for seq, basis_id in self._conn.execute("SELECT seq, basis_id FROM measures"):
                by_basis.setdefault(basis_id, []).append(seq)
            self._by_basis = by_basis
        return self._by_basis

    def _search_index(self) -> dict[int, tuple[dict[str, Any], list[tuple[int, str]], int]]:
        """seq → (the measure as search shows it, its (department id, name) in order — or
        `BY_REMIT_GROUP` — and its jurisdiction id); read once per catalog."""
        if self._search_rows is None:
            departments: dict[str, list[tuple[int, str]]] = {}
            for measure_id, department_id, name in self._conn.execute(
                "SELECT md.measure_id, d.id, d.name FROM measure_departments md "
                "JOIN departments d ON d.id = md.department_id ORDER BY md.measure_id, md.position"
            ):
                departments.setdefault(measure_id, []).append((department_id, name))
            index = {}
            for row in self._conn.execute(
                f"""SELECT m.seq, m.jurisdiction_id, m.id, j.name AS jurisdiction,
                        c.name AS category, b.title AS basis, b.doc_no AS basis_doc_no,
                        m.basis_articles, i.name AS initiator, m.entry_no, m.label, m.text,
                        m.measure_type, m.applies_to, m.document, m.lines, m.grp, m.by_remit,
                        m.note
                    FROM measures m {_MEASURE_JOINS} ORDER BY m.seq"""
            ):
                own = departments.get(row["id"], [])
                groups = [(0, BY_REMIT_GROUP)] if row["by_remit"] or not own else own
                measure = {
                    "id": row["id"],
                    "jurisdiction": row["jurisdiction"],
                    "department": None,
                    "departments": [name for _, name in own],
                    "category": row["category"],
                    "basis": row["basis"],
                    "basis_doc_no": row["basis_doc_no"],
                    "basis_articles": row["basis_articles"],
                    "initiator": row["initiator"],
                    "entry_no": row["entry_no"],
                    "label": row["label"],
                    "text": row["text"],
                    "measure_type": row["measure_type"],
                    "applies_to": row["applies_to"],
                    "source": {"document": row["document"], "lines": json.loads(row["lines"])},
                    "group": row["grp"],
                    "by_remit": bool(row["by_remit"]),
                    "note": row["note"],
                }
                index[row["seq"]] = (measure, groups, row["jurisdiction_id"])
            self._search_rows = index
        return self._search_rows

    @staticmethod
    def _measure_dict(row: sqlite3.Row, department: str | None) -> dict[str, Any]:
        return {
            "id": row["id"],
            "jurisdiction": row["jurisdiction"],
            "department": department,
            "departments": json.loads(row["departments"]),
            "category": row["category"],
            "basis": row["basis"],
            "basis_doc_no": row["basis_doc_no"],
            "basis_articles": row["basis_articles"],
            "initiator": row["initiator"],
            "entry_no": row["entry_no"],
            "label": row["label"],
            "text": row["text"],
            "measure_type": row["measure_type"],
            "applies_to": row["applies_to"],
            "source": {"document": row["document"], "lines": json.loads(row["lines"])},
            "group": row["grp"],
            "by_remit": bool(row["by_remit"]),
            "note": row["note"],
            "as_written": json.loads(row["as_written"]),
        }

    # -- the rest of the sources ---------------------------------------------------------
    def list_layout(self) -> list[dict[str, Any]]:
        """The 22 fields of the 失信被执行人 push record (昆山 附件1):
        {"position", "name", "optional"}."""
        return [
            {"position": row["position"], "name": row["name"], "optional": bool(row["optional"])}
            for row in self._conn.execute(
                "SELECT position, name, optional FROM list_layout ORDER BY position"
            )
        ]

    def member_units(self, jurisdiction: str) -> list[dict[str, Any]]:
        """The joint punishment member units a jurisdiction's document lists (昆山 附件3)."""
        jurisdiction_row = self._jurisdiction(jurisdiction)
        return [
            {
                "position": row["position"],
                "written": row["written"],
                "department": row["department"],
            }
            for row in self._conn.execute(
                "SELECT u.position, u.written, d.name AS department FROM member_units u "
                "JOIN departments d ON d.id = u.department_id WHERE u.jurisdiction_id = ? "
                "ORDER BY u.position",
                (jurisdiction_row["id"],),
            )
        ]

    def anomalies(self) -> list[dict[str, Any]]:
        """Every repair, merge, alias and numbering oddity of the build, with document and lines."""
        return [
            {
                "kind": row["kind"],
                "document": row["document"],
                "lines": json.loads(row["lines"]),
                "message": row["message"],
                "detail": json.loads(row["detail"]),
            }
            for row in self._conn.execute("SELECT * FROM anomalies ORDER BY id")
        ]
