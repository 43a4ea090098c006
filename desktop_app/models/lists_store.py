"""Storage of the dishonesty lists (aggregate "lists" in lists.db).

Tables:

* `lists`: one row per list (a name and its catalog category).
* `list_versions`: every import that changed a list, with the file's SHA-256, name, time and
  the counts of the import report.
* `listings`: one row per entry of a list, never deleted. A revocation sets `revoked_on` and
  `revoked_version_id`; an update of an entry first copies its previous state into
  `listing_changes`, so the history of every listing can be shown.
* `fuzzy_keys`: the near-miss index. One row per (key, name core) from
  `names.fuzzy_keys`, filed by name core rather than by listing: a national list repeats
  common person names tens of thousands of times, and a candidate core leads back to its
  listings through the name indexes.
* `column_mappings`: column mappings of non-standard layouts, saved by name.

Names are stored normalised for matching: `name_norm` is `names.normalize_name`, `name_core`
is `names.name_core` only where it differs from `name_norm` (organisations with a region or a
company suffix); for persons the core is the normalised name itself, which keeps the core
index small. `id_key` is the identifier lookup key: the resident ID, or the 9-character
organisation code of a USCC or an organisation code, so one index answers a USCC query with
listings stored under its embedded organisation code and the reverse; a masked identifier is
filed under a key of its visible characters (`identifiers.masked_lookup_key`, starting with
`*`, which no full identifier does).

All SQL of this aggregate lives here, in statements PostgreSQL would accept too, except for
the bulk-load index handling (`sqlite_master`), which is SQLite's way of doing what
PostgreSQL's COPY would do.
"""

from __future__ import annotations

import datetime
import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.errors import UsageError
from desktop_app.models import db, identifiers, names

AGGREGATE = "lists"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE lists (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        category TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE list_versions (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES lists (id),
        version_no INTEGER NOT NULL,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        sheet TEXT,
        mapping_name TEXT,
        field_names TEXT NOT NULL,
        rows_read INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        revoked INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        UNIQUE (list_id, version_no)
    );
    CREATE TABLE listings (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL,
        record_key TEXT NOT NULL,
        name TEXT NOT NULL,
        name_norm TEXT NOT NULL,
        name_core TEXT,
        subject_type TEXT NOT NULL,
        id_kind TEXT NOT NULL,
        id_value TEXT,
        id_key TEXT,
        legal_rep_norm TEXT,
        case_no TEXT,
        court TEXT,
        listed_on TEXT,
        revoked_on TEXT,
        source_row INTEGER NOT NULL,
        row_hash INTEGER NOT NULL,
        formula_flag INTEGER NOT NULL,
        fields TEXT NOT NULL,
        added_version_id INTEGER NOT NULL,
        changed_version_id INTEGER,
        revoked_version_id INTEGER
    );
    CREATE UNIQUE INDEX listings_record ON listings (list_id, record_key);
    CREATE INDEX listings_id_key ON listings (id_key) WHERE id_key IS NOT NULL;
    CREATE INDEX listings_name_norm ON listings (name_norm, revoked_on);
    CREATE INDEX listings_name_core ON listings (name_core) WHERE name_core IS NOT NULL;
    CREATE INDEX listings_legal_rep ON listings (legal_rep_norm)
        WHERE legal_rep_norm IS NOT NULL;
    CREATE TABLE listing_changes (
        id INTEGER PRIMARY KEY,
        listing_id INTEGER NOT NULL REFERENCES listings (id),
        version_id INTEGER NOT NULL REFERENCES list_versions (id),
        change TEXT NOT NULL,
        previous TEXT NOT NULL
    );
    CREATE INDEX listing_changes_listing ON listing_changes (listing_id);
    CREATE TABLE fuzzy_keys (
        fuzzy_key TEXT NOT NULL,
        name_core TEXT NOT NULL
    );
    CREATE INDEX fuzzy_keys_key ON fuzzy_keys (fuzzy_key);
    CREATE TABLE column_mappings (
        name TEXT PRIMARY KEY,
        columns TEXT NOT NULL,
        saved_at TEXT NOT NULL
    )
    """,
    # Counts taken at import time (`status` without a scan), backfilled for the latest
    # version of each list; the name index also covers `listed_on` (counts of a name).
    """
    ALTER TABLE list_versions ADD COLUMN listings INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE list_versions ADD COLUMN in_force INTEGER NOT NULL DEFAULT 0;
    UPDATE list_versions SET
        listings = (SELECT count(*) FROM listings l WHERE l.list_id = list_versions.list_id),
        in_force = (SELECT count(*) FROM listings l WHERE l.list_id = list_versions.list_id
            AND (l.revoked_on IS NULL OR l.revoked_on > CURRENT_DATE)
            AND (l.listed_on IS NULL OR l.listed_on <= CURRENT_DATE))
    WHERE version_no = (SELECT max(w.version_no) FROM list_versions w
        WHERE w.list_id = list_versions.list_id);
    DROP INDEX listings_name_norm;
    CREATE INDEX listings_name_norm ON listings (name_norm, revoked_on, listed_on)
    """,
    # Masked identifiers filed in the ID index under the key of their visible characters
    # (`identifiers.masked_lookup_key`, a function of every connection of this store).
    """
    UPDATE listings SET id_key = masked_lookup_key(id_value)
    WHERE id_kind IN ('masked_resident_id', 'masked_other') AND id_value IS NOT NULL
    """,
)

# Tables whose secondary indexes a bulk load drops and rebuilds in the same transaction.
BULK_TABLES = ("listings", "fuzzy_keys")

# Columns a caller provides for each row of an import, in this order.
ROW_COLUMNS = (
    "record_key",
    "name",
    "name_norm",
    "name_core",
    "subject_type",
    "id_kind",
    "id_value",
    "id_key",
    "legal_rep_norm",
    "case_no",
    "court",
    "listed_on",
    "revoked_on",
    "source_row",
    "row_hash",
    "formula_flag",
    "fields",
)

LISTED_AT, REVOKED_AT = ROW_COLUMNS.index("listed_on"), ROW_COLUMNS.index("revoked_on")
# The values an import inserts for its rows: `ROW_COLUMNS`, with the row offset of the batch
# (one more parameter, after them) added to `source_row`.
_ROW_VALUES = ", ".join(
    f"?{i + 1} + ?{len(ROW_COLUMNS) + 1}" if column == "source_row" else f"?{i + 1}"
    for i, column in enumerate(ROW_COLUMNS)
)

# Columns that a listing dict returned by the lookups carries.
LISTING_SELECT = (
    "SELECT l.id, l.list_id, li.name AS list, li.category, l.record_key, l.name, l.name_norm,"
    " COALESCE(l.name_core, l.name_norm) AS name_core, l.subject_type, l.id_kind, l.id_value,"
    " l.legal_rep_norm, l.case_no, l.court, l.listed_on, l.revoked_on, l.source_row,"
    " l.formula_flag, l.fields, fv.field_names, l.added_version_id, l.changed_version_id,"
    " l.revoked_version_id"
    " FROM listings l JOIN lists li ON li.id = l.list_id"
    " JOIN list_versions fv ON fv.id = COALESCE(l.changed_version_id, l.added_version_id)"
)

# Separates the values of `listings.fields`, in the order of the writing version's
# `field_names` (the standard layout when the list was imported). Values the listing keeps
# in columns of its own may be left empty there (see `listing_fields`).
FIELD_SEPARATOR = "\x1f"

# The standard fields (附件1) with a role in matching and history, as named there.
FIELD_RECORD_KEY = "信息唯一标识"
FIELD_CASE_NO = "案号"
FIELD_NAME = "失信被执行人姓名/名称"
FIELD_ID = "身份证号码/组织机构代码"
FIELD_LEGAL_REP = "企业法定代表人姓名"
FIELD_COURT = "执行法院"
FIELD_SUBJECT_TYPE = "标识自然人或企业法人"
FIELD_LISTED_ON = "发布时间"
FIELD_FILED_ON = "立案时间"
FIELD_REVOKED_ON = "撤销时间"
# Fields stored in columns of `listings` (→ column), left empty in its `fields` text.
COLUMN_FIELDS = {
    FIELD_NAME: "name",
    FIELD_ID: "id_value",
    FIELD_CASE_NO: "case_no",
    FIELD_COURT: "court",
    FIELD_LISTED_ON: "listed_on",
    FIELD_REVOKED_ON: "revoked_on",
}

# A listing in force on a date (both parameters: the date).
_IN_FORCE = (
    "(l.revoked_on IS NULL OR l.revoked_on > ?) AND (l.listed_on IS NULL OR l.listed_on <= ?)"
)

# The order of the `listings_name_norm` index: a query on one name pages through it without
# sorting all of that name's listings first (those in force, revoked_on NULL, come first).
_BY_NAME_ORDER = "l.revoked_on, l.listed_on, l.id"

# How many rows go to SQLite per executemany call.
BATCH_ROWS = 5000

WAL_SIZE_LIMIT = 64 * 1024 * 1024
# Page cache while importing (KiB): a staged merge looks up every row of the file in the
# list's indexes.
IMPORT_CACHE_KIB = 256 * 1024
# Page cache of a bulk load (KiB), and threads for sorting its index builds. Measured on
# 3 M listings: with the large cache the commit writes hundreds of MB at once and the index
# builds sort in one thread, 65 s in all; with a small one pages go to the WAL as they fill
# and the sorter merges runs from temporary files on two threads, 45 s.
BULK_CACHE_KIB = 2000
BULK_SORT_THREADS = 2

# `fuzzy_keys` rows inserted by one statement during an import.
FUZZY_ROWS_PER_INSERT = 100

# Bound on the set of name cores whose fuzzy keys an import has already written: repeated
# common names are skipped; past the bound a core may be filed twice, which lookups absorb.
SEEN_CORES_LIMIT = 2_000_000


@dataclass
class ImportCounts:
    """What an import did to a list; `duplicates` are (row, first row with the same key)."""

    added: int = 0
    updated: int = 0
    revoked: int = 0
    unchanged: int = 0
    duplicates: list[tuple[int, int]] | None = None
    version_no: int | None = None
    same_as_version: int | None = None
    bulk_load: bool = False
    listings: int = 0
    in_force: int = 0


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def is_active(listing: Mapping[str, Any], as_of: str) -> bool:
    """True when a listing is in force on `as_of` (ISO date): listed by then, not revoked."""
    return in_force(listing.get("listed_on"), listing.get("revoked_on"), as_of)


def in_force(listed_on: str | None, revoked_on: str | None, as_of: str) -> bool:
    """`is_active` of a listing's two dates (ISO dates or None)."""
    if listed_on and listed_on > as_of:
        return False
    return not (revoked_on and revoked_on <= as_of)


def listing_fields(listing: Mapping[str, Any]) -> dict[str, str]:
    """The standard fields of a stored listing (name → text, empty ones left out)."""
    field_names = json.loads(listing["field_names"])
    values = listing["fields"].split(FIELD_SEPARATOR)
    fields = dict(zip(field_names, values, strict=False))
    for name, column in COLUMN_FIELDS.items():
        fields[name] = listing[column] or ""
    return {name: value for name, value in fields.items() if value}


def needs_upgrade(path: Path) -> bool:
    """Whether opening the lists.db at `path` will migrate it (which can take a while: a
    migration may rewrite every listing)."""
    version = db.schema_version_of(path, AGGREGATE)
    return version is not None and version < len(MIGRATIONS)


class ListStore:
    """Lists, versions, listings and their lookups on one lists.db connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.create_function(
            "masked_lookup_key", 1, identifiers.masked_lookup_key, deterministic=True
        )
        db.migrate(conn, AGGREGATE, MIGRATIONS)
        # Autocommit outside explicit transactions: every write below is a single statement
        # or runs inside BEGIN IMMEDIATE … COMMIT.
        conn.isolation_level = None

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> ListStore:
        """Open (creating and migrating if needed) the lists database at `path`. With
        `create=False` a missing file is not created: the store is then empty, in memory, and
        refuses writes (what a command that only reads sees of a new data folder)."""
        if not create and not Path(path).exists():
            store = cls(db.connect_empty())
            db.refuse_writes(store.conn)
            return store
        conn = db.connect(path)
        # A national list is imported in one transaction, which grows the WAL to the size
        # of the data: let the checkpoint after it shrink the file again.
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    # Lists and versions -----------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no list has been imported yet."""
        return self.conn.execute("SELECT 1 FROM lists LIMIT 1").fetchone() is None

    def list_category(self, list_name: str) -> str | None:
        row = self.conn.execute("SELECT category FROM lists WHERE name = ?", (list_name,))
        found = row.fetchone()
        return found[0] if found else None

    def latest_version(self, list_name: str) -> dict[str, Any] | None:
        """The newest version of a list, as a dict of its `list_versions` row."""
        row = self.conn.execute(
            "SELECT v.* FROM list_versions v JOIN lists li ON li.id = v.list_id"
            " WHERE li.name = ? ORDER BY v.version_no DESC LIMIT 1",
            (list_name,),
        ).fetchone()
        return dict(row) if row else None

    def versions(self, list_name: str) -> list[dict[str, Any]]:
        """Every version of a list, oldest first."""
        rows = self.conn.execute(
            "SELECT v.* FROM list_versions v JOIN lists li ON li.id = v.list_id"
            " WHERE li.name = ? ORDER BY v.version_no",
            (list_name,),
        ).fetchall()
        return [dict(r) for r in rows]

    def status(self) -> list[dict[str, Any]]:
        """Every list with its latest version and its listing counts.

        The counts were taken when that version was imported (`in_force`: listings in force
        on the import date), so that the status of a national list needs no scan of it.
        """
        rows = self.conn.execute(
            "SELECT li.name AS list, li.category, li.created_at, v.version_no, v.file_name,"
            " v.sha256, v.imported_at, v.listings, v.in_force, v.rows_read, v.added, v.updated,"
            " v.revoked, v.unchanged, v.rejected"
            " FROM lists li JOIN list_versions v ON v.list_id = li.id"
            " WHERE v.version_no = (SELECT max(w.version_no) FROM list_versions w"
            " WHERE w.list_id = li.id) ORDER BY li.name"
        ).fetchall()
        return [
            {
                "list": r["list"],
                "category": r["category"],
                "created_at": r["created_at"],
                "version": r["version_no"],
                "file_name": r["file_name"],
                "sha256": r["sha256"],
                "imported_at": r["imported_at"],
                "listings": r["listings"],
                "active": r["in_force"],
                "inactive": r["listings"] - r["in_force"],
                "last_import": {
                    key: r[key]
                    for key in ("rows_read", "added", "updated", "revoked", "unchanged", "rejected")
                },
            }
            for r in rows
        ]

    def data_versions(self) -> list[dict[str, Any]]:
        """The latest version of every list: what a check ran against."""
        rows = self.conn.execute(
            "SELECT li.name AS list, v.version_no AS version, v.sha256, v.imported_at"
            " FROM lists li JOIN list_versions v ON v.list_id = li.id"
            " WHERE v.version_no = (SELECT max(w.version_no) FROM list_versions w"
            " WHERE w.list_id = li.id) ORDER BY li.name"
        ).fetchall()
        return [dict(r) for r in rows]

    # Column mappings -----------------------------------------------------------------------

    def save_mapping(self, name: str, columns: Mapping[str, str]) -> None:
        """Save (or replace) a column mapping: standard field name → column name in files."""
        with self._transaction():
            self.conn.execute(
                "INSERT INTO column_mappings (name, columns, saved_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET columns = excluded.columns,"
                " saved_at = excluded.saved_at",
                (name, json.dumps(dict(columns), ensure_ascii=False), _now()),
            )

    def mapping(self, name: str) -> dict[str, str] | None:
        row = self.conn.execute(
            "SELECT columns FROM column_mappings WHERE name = ?", (name,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def mappings(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT name, columns, saved_at FROM column_mappings ORDER BY name"
        ).fetchall()
        return [
            {"name": r["name"], "columns": json.loads(r["columns"]), "saved_at": r["saved_at"]}
            for r in rows
        ]

    # Import ------------------------------------------------------------------------------

    @contextmanager
    def importing(
        self,
        *,
        list_name: str,
        category: str,
        file_name: str,
        field_names: Sequence[str],
        mapping_name: str | None = None,
    ) -> Iterator[ImportSession]:
        """One import as one transaction: `start`, then `add` rows, then `finish`.

        Whatever escapes the block (an error, a cancel, a kill) leaves the database as it was.
        """
        existing = self.list_category(list_name)
        if existing is not None and existing != category:
            raise UsageError(
                f"名单“{list_name}”已按联合惩戒对象“{existing}”导入，不能再作为“{category}”导入。"
                "请核对对象类别，或用 --list-name 另起一个名单名称。"
            )
        cache_size = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        threads = self.conn.execute("PRAGMA threads").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            session = ImportSession(
                self,
                list_name=list_name,
                category=category,
                file_name=file_name,
                field_names=field_names,
                mapping_name=mapping_name,
            )
            yield session
            if session.rolled_back:
                self.conn.rollback()
            else:
                self.conn.commit()
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            self.conn.execute("DROP TABLE IF EXISTS temp.import_rows")
            self.conn.execute(f"PRAGMA cache_size = {cache_size}")
            self.conn.execute(f"PRAGMA threads = {threads}")

    def listing_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM listings").fetchone()[0]

    # Lookups -----------------------------------------------------------------------------

    def _listings(
        self,
        where: str,
        params: Sequence[Any],
        limit: int | None = None,
        order: str = "l.id",
    ) -> list[dict[str, Any]]:
        sql = f"{LISTING_SELECT} WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def listing(self, listing_id: int) -> dict[str, Any] | None:
        """One listing by its id (the `hit_id` of a check)."""
        found = self._listings("l.id = ?", (listing_id,))
        return found[0] if found else None

    def listing_history(self, listing_id: int) -> list[dict[str, Any]]:
        """Earlier states of a listing, oldest first, with the version that changed each."""
        rows = self.conn.execute(
            "SELECT c.change, c.previous, v.version_no, v.imported_at, v.file_name"
            " FROM listing_changes c JOIN list_versions v ON v.id = c.version_id"
            " WHERE c.listing_id = ? ORDER BY c.id",
            (listing_id,),
        ).fetchall()
        return [
            {
                "change": r["change"],
                "previous": json.loads(r["previous"]),
                "version": r["version_no"],
                "imported_at": r["imported_at"],
                "file_name": r["file_name"],
            }
            for r in rows
        ]

    def find_by_id_key(self, id_key: str, limit: int = 500) -> list[dict[str, Any]]:
        """Listings filed under a resident ID or an organisation code (see module doc)."""
        return self._listings("l.id_key = ?", (id_key,), limit)

    def count_by_name(self, name_norm: str, as_of: str) -> tuple[int, int]:
        """(all, active on `as_of`) listings with exactly this normalised name."""
        row = self.conn.execute(
            "SELECT count(*), sum(CASE WHEN (revoked_on IS NULL OR revoked_on > ?)"
            " AND (listed_on IS NULL OR listed_on <= ?) THEN 1 ELSE 0 END)"
            " FROM listings WHERE name_norm = ?",
            (as_of, as_of, name_norm),
        ).fetchone()
        return row[0], row[1] or 0

    def find_by_name(self, name_norm: str, as_of: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` listings with exactly this normalised name, those in force first."""
        params = (name_norm, as_of, as_of)
        found = self._listings(f"l.name_norm = ? AND {_IN_FORCE}", params, limit, _BY_NAME_ORDER)
        if len(found) < limit:
            found += self._listings(
                f"l.name_norm = ? AND NOT ({_IN_FORCE})", params, limit - len(found), _BY_NAME_ORDER
            )
        return found

    def find_by_core(self, core: str, limit: int, other_than: str = "") -> list[dict[str, Any]]:
        """Listings whose name core is `core` (whatever their region or suffix), except those
        named exactly `other_than` (a normalised name: the query's own exact hits)."""
        found = self._listings("l.name_core = ? AND l.name_norm <> ?", (core, other_than), limit)
        if len(found) < limit and core != other_than:
            found += self._listings(
                "l.name_norm = ? AND l.name_core IS NULL",
                (core,),
                limit - len(found),
                _BY_NAME_ORDER,
            )
        return found

    def count_by_core(self, core: str, other_than: str = "") -> int:
        """How many listings `find_by_core` would find without a limit.

        Listings named exactly `core` are counted on the name index alone, without reading
        them to rule out the rare one whose own core differs: a common name has tens of
        thousands of listings, and this count is only shown, never decides anything.
        """
        sql = "SELECT (SELECT count(*) FROM listings WHERE name_core = ? AND name_norm <> ?)"
        params: tuple[str, ...] = (core, other_than)
        if core != other_than:
            sql += " + (SELECT count(*) FROM listings WHERE name_norm = ?)"
            params += (core,)
        return self.conn.execute(sql, params).fetchone()[0]

    def masked_like(self, full_id: str, limit: int = 5000) -> list[dict[str, Any]]:
        """(`id_value`, `listed_on`, `revoked_on`) of listings with a masked ID filed under a
        key `full_id` could have (their visible characters may still differ: see
        `identifiers.masked_matches`)."""
        keys = identifiers.masked_lookup_keys(full_id)
        marks = ", ".join("?" for _ in keys)
        rows = self.conn.execute(
            "SELECT id_value, listed_on, revoked_on FROM listings"
            f" WHERE id_key IN ({marks}) LIMIT {int(limit)}",
            keys,
        ).fetchall()
        return [dict(r) for r in rows]

    def find_masked(self, name_norm: str, limit: int = 2000) -> list[dict[str, Any]]:
        """Listings with a masked ID and exactly this normalised name."""
        return self._listings(
            "l.name_norm = ? AND l.id_kind IN ('masked_resident_id', 'masked_other')",
            (name_norm,),
            limit,
            _BY_NAME_ORDER,
        )

    def find_by_legal_rep(self, name_norm: str, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(count, first listings) of organisations whose legal representative has this name."""
        total = self.conn.execute(
            "SELECT count(*) FROM listings WHERE legal_rep_norm = ?", (name_norm,)
        ).fetchone()[0]
        return total, self._listings("l.legal_rep_norm = ?", (name_norm,), limit)

    def fuzzy_cores(self, name: str, core: str, limit: int = 300) -> list[str]:
        """Name cores filed under any fuzzy key of `name` (its own `core` excluded).

        One bucket at a time, each capped at a third of `limit`: the sound-alike key first,
        then the whole-core key, then the one-character deletions, so that a huge bucket
        (a common industry word) cannot crowd out the others.
        """
        keys = sorted(names.fuzzy_keys(name), key=lambda k: (not k.startswith("p:"), -len(k)))
        found: dict[str, None] = {}
        for key in keys:
            rows = self.conn.execute(
                "SELECT DISTINCT name_core FROM fuzzy_keys WHERE fuzzy_key = ? AND name_core <> ?"
                " LIMIT ?",
                (key, core, max(limit // 3, 1)),
            ).fetchall()
            found.update((r[0], None) for r in rows)
            if len(found) >= limit:
                break
        return list(found)[:limit]


class ImportSession:
    """The rows of one import inside its transaction (see `ListStore.importing`).

    A list seen for the first time in a database that holds fewer listings than the file
    brings is bulk-loaded: secondary indexes are dropped, rows go straight into `listings`,
    and the indexes are rebuilt at the end (an order of magnitude faster than maintaining
    them row by row). Every other import stages its rows in a temporary table and merges them
    with set-based statements: added, changed (history kept), unchanged, and revoked for
    listings missing from the new version.
    """

    def __init__(
        self,
        store: ListStore,
        *,
        list_name: str,
        category: str,
        file_name: str,
        field_names: Sequence[str],
        mapping_name: str | None,
    ) -> None:
        self.store = store
        self.conn = store.conn
        self.rolled_back = False
        self._seen_cores: set[str] = set()
        conn = self.conn
        row = conn.execute("SELECT id FROM lists WHERE name = ?", (list_name,)).fetchone()
        if row is None:
            self.list_id = conn.execute(
                "INSERT INTO lists (name, category, created_at) VALUES (?, ?, ?) RETURNING id",
                (list_name, category, _now()),
            ).fetchone()[0]
            has_listings = False
        else:
            self.list_id = row[0]
            has_listings = (
                conn.execute(
                    "SELECT 1 FROM listings WHERE list_id = ? LIMIT 1", (self.list_id,)
                ).fetchone()
                is not None
            )
        self.has_listings = has_listings
        self.previous = store.latest_version(list_name)
        self.version_no = (self.previous["version_no"] if self.previous else 0) + 1
        # The SHA-256 is known once the file has been read: `finish` records it.
        self.version_id = conn.execute(
            "INSERT INTO list_versions (list_id, version_no, file_name, sha256, imported_at,"
            " mapping_name, field_names) VALUES (?, ?, ?, '', ?, ?, ?) RETURNING id",
            (
                self.list_id,
                self.version_no,
                file_name,
                _now(),
                mapping_name,
                json.dumps(list(field_names), ensure_ascii=False),
            ),
        ).fetchone()[0]
        self.bulk = False
        self.today = ""
        self._bulk_not_in_force = 0
        self._dropped_indexes: list[str] = []
        self._insert_sql = ""

    def start(self, expected_rows: int, today: str) -> None:
        """Choose bulk load or staged merge (see the class doc) before the first `add`.

        `today` is the import's date: what "in force" means for the counts it records.
        """
        self.today = today
        conn = self.conn
        self.bulk = not self.has_listings and self.store.listing_count() < max(expected_rows, 1)
        if self.bulk:
            conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            conn.execute(f"PRAGMA threads = {BULK_SORT_THREADS}")
            self._drop_indexes()
            # Rows that arrive revoked are marked revoked by this version as they are stored.
            self._insert_sql = (
                f"INSERT INTO listings ({', '.join(ROW_COLUMNS)}, list_id, added_version_id,"
                f" revoked_version_id) VALUES ({_ROW_VALUES}, {self.list_id}, {self.version_id},"
                f" CASE WHEN ?{REVOKED_AT + 1} IS NULL THEN NULL ELSE {self.version_id} END)"
            )
        else:
            conn.execute("DROP TABLE IF EXISTS temp.import_rows")
            conn.execute(
                "CREATE TEMP TABLE import_rows ("
                + ", ".join(ROW_COLUMNS)
                + ", listing_id INTEGER, change TEXT)"
            )
            self._insert_sql = (
                f"INSERT INTO temp.import_rows ({', '.join(ROW_COLUMNS)}) VALUES ({_ROW_VALUES})"
            )

    # Loading ---------------------------------------------------------------------------

    def _drop_indexes(self) -> None:
        placeholders = ", ".join("?" for _ in BULK_TABLES)
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({placeholders})",
            BULK_TABLES,
        ).fetchall()
        for name, sql in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
            self._dropped_indexes.append(sql)

    def add(
        self,
        rows: Sequence[tuple[Any, ...]],
        fuzzy: Sequence[tuple[str, str]] | None = None,
        not_in_force: int | None = None,
        row_offset: int = 0,
    ) -> None:
        """Store a batch of accepted rows (tuples in the order of `ROW_COLUMNS`).

        `fuzzy` are the `fuzzy_keys` rows (key, name core) of the rows' name cores, when the
        caller computed them (worker processes do); the rows of a core this import has
        filed already are left out. Otherwise a bulk load computes them here, and a staged
        merge files the keys of new names only, when it finishes. `not_in_force` is how many
        of the rows are not in force on the import's date, when the caller counted them.
        `row_offset` is added to each row's `source_row` (rows numbered within a part of the
        file).
        """
        self.conn.executemany(
            self._insert_sql, map(operator.add, rows, itertools.repeat((row_offset,)))
        )
        if not self.bulk:
            return
        if not_in_force is None:
            not_in_force = sum(
                1 for r in rows if not in_force(r[LISTED_AT], r[REVOKED_AT], self.today)
            )
        self._bulk_not_in_force += not_in_force
        if fuzzy is None:
            self._file_fuzzy_keys((r[3] or r[2], r[1]) for r in rows)
            return
        # Set operations on the batch's cores: a common name arrives in many batches.
        seen = self._seen_cores
        cores = set(map(operator.itemgetter(1), fuzzy))
        filed = cores & seen
        if filed:
            fuzzy = [pair for pair in fuzzy if pair[1] not in filed]
        if len(seen) >= SEEN_CORES_LIMIT:
            seen.clear()
        seen |= cores
        self._insert_fuzzy(fuzzy)

    def _file_fuzzy_keys(self, cores: Iterable[tuple[str, str]]) -> None:
        """File the fuzzy keys of each (core, name) whose core this import has not filed."""
        seen = self._seen_cores
        batch: list[tuple[str, str]] = []
        for core, name in cores:
            if core in seen:
                continue
            if len(seen) >= SEEN_CORES_LIMIT:
                seen.clear()
            seen.add(core)
            batch += [(key, core) for key in names.fuzzy_keys(name)]
        self._insert_fuzzy(batch)

    def _insert_fuzzy(self, rows: Sequence[tuple[str, str]]) -> None:
        """Insert `fuzzy_keys` rows, `FUZZY_ROWS_PER_INSERT` to a statement: a pair costs
        half as much as with one statement per row."""
        per = FUZZY_ROWS_PER_INSERT
        whole = len(rows) - len(rows) % per
        if whole:
            flat = list(itertools.chain.from_iterable(rows[:whole]))
            self.conn.executemany(
                "INSERT INTO fuzzy_keys (fuzzy_key, name_core) VALUES "
                + ", ".join(["(?, ?)"] * per),
                [flat[i : i + 2 * per] for i in range(0, len(flat), 2 * per)],
            )
        if whole < len(rows):
            self.conn.executemany(
                "INSERT INTO fuzzy_keys (fuzzy_key, name_core) VALUES (?, ?)", rows[whole:]
            )

    # Finishing -------------------------------------------------------------------------

    def rollback(self) -> None:
        """Leave everything as it was when the session's transaction ends."""
        self.rolled_back = True

    def finish(
        self, *, sha256: str, rows_read: int, rejected: int, sheet: str | None
    ) -> ImportCounts:
        """Merge the rows, rebuild indexes, record the counts on the version.

        `rejected` counts the rows the caller refused; rows repeating an earlier row's key
        are refused here and returned in `duplicates`. When the file is the same as the
        list's latest version and nothing changed, the session rolls back (nothing written).
        """
        counts = self._finish_bulk() if self.bulk else self._finish_merge(self.today)
        counts.version_no = self.version_no
        changed = counts.added or counts.updated or counts.revoked
        if self.previous and not changed and self.previous["sha256"] == sha256:
            counts.same_as_version = self.previous["version_no"]
            counts.version_no = self.previous["version_no"]
            self.rollback()
            return counts
        self.conn.execute(
            "UPDATE list_versions SET sha256 = ?, sheet = ?, rows_read = ?, added = ?,"
            " updated = ?, revoked = ?, unchanged = ?, rejected = ?, listings = ?, in_force = ?"
            " WHERE id = ?",
            (
                sha256,
                sheet,
                rows_read,
                counts.added,
                counts.updated,
                counts.revoked,
                counts.unchanged,
                rejected + len(counts.duplicates or ()),
                counts.listings,
                counts.in_force,
                self.version_id,
            ),
        )
        return counts

    def _duplicates(self, table: str, where: str, params: Sequence[Any]) -> list[tuple[int, int]]:
        """(row, first row) of every row whose record key an earlier row of the file used."""
        result = []
        for (key,) in self.conn.execute(
            f"SELECT record_key FROM {table} WHERE {where} GROUP BY record_key HAVING count(*) > 1",
            params,
        ).fetchall():
            rows = [
                r[0]
                for r in self.conn.execute(
                    f"SELECT source_row FROM {table} WHERE {where} AND record_key = ?"
                    " ORDER BY source_row",
                    (*params, key),
                ).fetchall()
            ]
            result.extend((row, rows[0]) for row in rows[1:])
        return sorted(result)

    def _remove_duplicates(self, table: str, where: str, params: Sequence[Any]) -> list:
        duplicates = self._duplicates(table, where, params)
        self.conn.executemany(
            f"DELETE FROM {table} WHERE {where} AND source_row = ?",
            [(*params, row) for row, _first in duplicates],
        )
        return duplicates

    def _finish_bulk(self) -> ImportCounts:
        where, params = "list_id = ?", (self.list_id,)
        counts = ImportCounts(bulk_load=True)
        counts.duplicates = []
        for sql in self._dropped_indexes:
            try:
                self.conn.execute(sql)
            except sqlite3.IntegrityError:
                # Only the unique (list, record key) index can fail: drop the later rows that
                # repeat a key, report them, and build it again.
                counts.duplicates = self._remove_duplicates("listings", where, params)
                self.conn.execute(sql)
        counts.added = counts.listings = self.conn.execute(
            "SELECT count(*) FROM listings WHERE list_id = ?", (self.list_id,)
        ).fetchone()[0]
        not_in_force = self._bulk_not_in_force
        if counts.duplicates:  # counted as they came: recount the (few) rows left
            not_in_force = self.conn.execute(
                f"SELECT count(*) FROM listings l WHERE l.list_id = ? AND NOT ({_IN_FORCE})",
                (self.list_id, self.today, self.today),
            ).fetchone()[0]
        counts.in_force = counts.listings - not_in_force
        return counts

    def _finish_merge(self, today: str) -> ImportCounts:
        conn = self.conn
        counts = ImportCounts()
        try:
            conn.execute("CREATE UNIQUE INDEX temp.import_rows_key ON import_rows (record_key)")
            counts.duplicates = []
        except sqlite3.IntegrityError:
            counts.duplicates = self._remove_duplicates("temp.import_rows", "1 = ?", (1,))
            conn.execute("CREATE UNIQUE INDEX temp.import_rows_key ON import_rows (record_key)")
        conn.execute(
            "UPDATE temp.import_rows SET listing_id = (SELECT l.id FROM listings l"
            " WHERE l.list_id = ? AND l.record_key = import_rows.record_key)",
            (self.list_id,),
        )
        conn.execute("CREATE INDEX temp.import_rows_listing ON import_rows (listing_id)")
        conn.execute(
            "UPDATE temp.import_rows SET change = CASE"
            " WHEN listing_id IS NULL THEN 'added'"
            " WHEN (SELECT l.row_hash = import_rows.row_hash"
            " AND COALESCE(l.revoked_on, '') = COALESCE(import_rows.revoked_on, '')"
            " FROM listings l WHERE l.id = import_rows.listing_id) THEN 'unchanged'"
            " ELSE 'changed' END"
        )
        for change, number in conn.execute(
            "SELECT change, count(*) FROM temp.import_rows GROUP BY change"
        ).fetchall():
            if change == "added":
                counts.added = number
            elif change == "unchanged":
                counts.unchanged = number

        # History first: the previous state of every listing this version changes or revokes.
        changed_sql = (
            "SELECT l.*, s.revoked_on AS new_revoked_on FROM listings l"
            " JOIN temp.import_rows s ON s.listing_id = l.id WHERE s.change = 'changed'"
        )
        for batch in self._batches(changed_sql, ()):
            history = []
            for row in batch:
                was_active = row["revoked_on"] is None or row["revoked_on"] > today
                now_revoked = row["new_revoked_on"] is not None and row["new_revoked_on"] <= today
                if was_active and now_revoked:
                    change = "revoked"
                    counts.revoked += 1
                else:
                    change = "reinstated" if not was_active and not now_revoked else "updated"
                    counts.updated += 1
                history.append((row["id"], change, _listing_json(row)))
            self._record_history(history)
        missing_where = (
            "l.list_id = ? AND (l.revoked_on IS NULL OR l.revoked_on > ?)"
            " AND NOT EXISTS (SELECT 1 FROM temp.import_rows s WHERE s.listing_id = l.id)"
        )
        for batch in self._batches(
            f"SELECT l.* FROM listings l WHERE {missing_where}", (self.list_id, today)
        ):
            counts.revoked += len(batch)
            self._record_history([(row["id"], "revoked", _listing_json(row)) for row in batch])

        self._file_fuzzy_keys(self._new_cores())
        conn.execute(
            "UPDATE listings SET revoked_on = ?, revoked_version_id = ? WHERE id IN"
            f" (SELECT l.id FROM listings l WHERE {missing_where})",
            (today, self.version_id, self.list_id, today),
        )
        assignments = ", ".join(
            f"{column} = s.{column}" for column in ROW_COLUMNS if column != "record_key"
        )
        conn.execute(
            f"UPDATE listings SET {assignments}, changed_version_id = ?,"
            " revoked_version_id = CASE WHEN s.revoked_on IS NULL THEN NULL"
            " WHEN listings.revoked_on IS NULL THEN ? ELSE listings.revoked_version_id END"
            " FROM temp.import_rows s WHERE s.listing_id = listings.id AND s.change = 'changed'",
            (self.version_id, self.version_id),
        )
        conn.execute(
            f"INSERT INTO listings ({', '.join(ROW_COLUMNS)}, list_id, added_version_id,"
            f" revoked_version_id) SELECT {', '.join(ROW_COLUMNS)}, ?, ?,"
            " CASE WHEN revoked_on IS NULL THEN NULL ELSE ? END"
            " FROM temp.import_rows WHERE change = 'added' ORDER BY source_row",
            (self.list_id, self.version_id, self.version_id),
        )
        counts.listings, counts.in_force = conn.execute(
            f"SELECT count(*), sum(CASE WHEN {_IN_FORCE} THEN 1 ELSE 0 END)"
            " FROM listings l WHERE l.list_id = ?",
            (today, today, self.list_id),
        ).fetchone()
        counts.in_force = counts.in_force or 0
        return counts

    def _new_cores(self) -> list[tuple[str, str]]:
        """(core, a name) of added or changed rows whose core no stored listing has yet."""
        cores = self.conn.execute(
            "SELECT COALESCE(name_core, name_norm), min(name) FROM temp.import_rows"
            " WHERE change IN ('added', 'changed') GROUP BY COALESCE(name_core, name_norm)"
        ).fetchall()
        return [
            (core, name)
            for core, name in cores
            if self.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM listings WHERE name_core = ?)"
                " OR EXISTS (SELECT 1 FROM listings WHERE name_norm = ? AND name_core IS NULL)",
                (core, core),
            ).fetchone()[0]
            == 0
        ]

    def _batches(self, sql: str, params: Sequence[Any]) -> Iterator[list[sqlite3.Row]]:
        cursor = self.conn.execute(sql, params)
        while True:
            batch = cursor.fetchmany(BATCH_ROWS)
            if not batch:
                return
            yield batch

    def _record_history(self, entries: list[tuple[int, str, str]]) -> None:
        self.conn.executemany(
            "INSERT INTO listing_changes (listing_id, version_id, change, previous)"
            f" VALUES (?, {self.version_id}, ?, ?)",
            entries,
        )


def _listing_json(row: sqlite3.Row) -> str:
    """A listing's stored state, for `listing_changes.previous`."""
    keep = (*ROW_COLUMNS, "added_version_id", "changed_version_id", "revoked_version_id")
    return json.dumps({key: row[key] for key in keep}, ensure_ascii=False)
