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
`*`, which no full identifier does). `masked_shapes` holds the shapes of those keys
(`identifiers.masked_key_shape`), kept by triggers on `listings` whatever path writes a row,
so a full ID is looked up only under keys of the shapes the list has.

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
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.errors import UsageError
from desktop_app.models import db, identifiers, names

AGGREGATE = "lists"

# The listings' name cores read again under the current rules, and the near-miss index
# (fuzzy keys of every core, former names' included) built again: the end of each migration
# that changes how names are read.
_CORES_AND_NEAR_MISS_INDEX_AGAIN = """
    UPDATE listings SET name_core = NULLIF(name_core_of(name), name_norm)
    WHERE (subject_type = 'organization' OR name_core IS NOT NULL OR length(name_norm) > 3)
        AND COALESCE(name_core, name_norm) IS NOT name_core_of(name);
    DROP INDEX fuzzy_keys_key;
    DELETE FROM fuzzy_keys;
    INSERT INTO fuzzy_keys (fuzzy_key, name_core)
    SELECT k.value, c.core FROM (
        SELECT COALESCE(name_core, name_norm) AS core, min(name) AS name FROM listings
        GROUP BY COALESCE(name_core, name_norm)
        UNION
        SELECT name_core, min(name) FROM former_names GROUP BY name_core
    ) c, json_each(fuzzy_keys_of(c.name)) k;
    CREATE INDEX fuzzy_keys_key ON fuzzy_keys (fuzzy_key)
"""

# `identifiers.masked_key_shape` of the masked ID key `{key}`, in SQL (`*18~4501|1234` →
# `18~4|4`).
MASKED_SHAPE_SQL = (
    "substr({key}, 2, instr({key}, '~') - 2) || '~'"
    " || (instr({key}, '|') - instr({key}, '~') - 1) || '|'"
    " || (length({key}) - instr({key}, '|'))"
)

_NEW_SHAPE = MASKED_SHAPE_SQL.format(key="NEW.id_key")
# Masked IDs' keys (they start with `*`; the character after it is `+`), written as the
# condition of the index on them and, the same words, in every query meant to use it.
_MASKED_ONLY = f"WHERE id_key >= '{identifiers.MASKED_KEY_MARK}' AND id_key < '+'"
_AND_MASKED = _MASKED_ONLY.replace("WHERE", "AND", 1)

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
    # Updates that cost what changed: every listing keeps the hash of the raw row it was
    # built from (`raw_hash`, NULL until the next import builds it again), so an update
    # recognises unchanged rows before any work on them; the list's state (in force or not)
    # is counted on an index of its own. Versions record the import mode, the file's size,
    # the row rules they were built with and a confirmation of revocations. An import
    # intent, written in the transaction of the version it describes, waits here until the
    # audit trail (office.db) has its entry.
    """
    ALTER TABLE listings ADD COLUMN raw_hash BLOB;
    CREATE INDEX listings_raw_hash ON listings (list_id, raw_hash);
    CREATE INDEX listings_state ON listings (list_id, revoked_on, listed_on);
    ALTER TABLE list_versions ADD COLUMN mode TEXT NOT NULL DEFAULT 'full';
    ALTER TABLE list_versions ADD COLUMN file_size INTEGER;
    ALTER TABLE list_versions ADD COLUMN row_rules TEXT;
    ALTER TABLE list_versions ADD COLUMN revoked_absent INTEGER;
    ALTER TABLE list_versions ADD COLUMN confirmed_revocations INTEGER;
    CREATE TABLE import_intents (
        intent_id TEXT PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES list_versions (id),
        at TEXT NOT NULL,
        user_name TEXT,
        details TEXT NOT NULL
    )
    """,
    # Former names (曾用名) of a listing, from a 曾用名 column or `（原名：…）` in the name cell:
    # kept as written on the listing and, normalised, in a table of their own that a check by
    # a former name looks up.
    """
    ALTER TABLE listings ADD COLUMN former_names TEXT;
    CREATE TABLE former_names (
        listing_id INTEGER NOT NULL REFERENCES listings (id),
        name_norm TEXT NOT NULL,
        name TEXT NOT NULL
    );
    CREATE INDEX former_names_norm ON former_names (name_norm);
    CREATE INDEX former_names_listing ON former_names (listing_id)
    """,
    # The one text rule (issue 11, `desktop_app.models.text`): matching forms of names
    # stored before it (an invisible character, a stray accent or a look-alike letter kept
    # in them, former names too) made again by today's rule, and the near-miss keys of the
    # cores that change.
    # Only names with a character other than printable ASCII and the CJK ideographs can
    # change; the GLOB finds them without a call into Python per listing. Displayed names
    # and row hashes stay: the next import of the list rebuilds its rows anyway (the rules
    # fingerprint changed).
    """
    INSERT INTO fuzzy_keys (fuzzy_key, name_core)
    SELECT DISTINCT k.value, name_core_of(l.name)
    FROM listings l, json_each(fuzzy_keys_of(l.name)) k
    WHERE l.name GLOB '*[^ -~㐀-鿿]*'
        AND name_core_of(l.name) <> COALESCE(l.name_core, l.name_norm);
    UPDATE listings SET
        name_norm = normalize_name(name),
        name_core = NULLIF(name_core_of(name), normalize_name(name))
    WHERE name GLOB '*[^ -~㐀-鿿]*'
        AND (name_norm <> normalize_name(name)
            OR COALESCE(name_core, name_norm) <> name_core_of(name));
    UPDATE listings SET legal_rep_norm = normalize_name(legal_rep_norm)
    WHERE legal_rep_norm GLOB '*[^ -~㐀-鿿]*'
        AND legal_rep_norm <> normalize_name(legal_rep_norm);
    UPDATE former_names SET name_norm = normalize_name(name)
    WHERE name GLOB '*[^ -~㐀-鿿]*' AND name_norm <> normalize_name(name)
    """,
    # Name matching's second round (issue 13): matching forms of names with 。 or a hyphen
    # for the middle dot (`text.middle_dots`), cores read by today's rules (legal forms and
    # regions read through a slip, more legal forms, branch and trade words, autonomous
    # prefectures, a place before the trade words), former names filed under their cores
    # for near misses, and the near-miss index built again (sound keys over the common
    # readings of polyphones, without the middle dot). Persons of two or three characters
    # keep their core (the whole name) and are not read again.
    """
    UPDATE listings SET name_norm = normalize_name(name)
    WHERE (instr(name, '.') OR instr(name, '。') OR instr(name, '-') OR instr(name, '‐')
            OR instr(name, '‒') OR instr(name, '–') OR instr(name, '—') OR instr(name, '―'))
        AND name_norm <> normalize_name(name);
    UPDATE listings SET legal_rep_norm = normalize_name(legal_rep_norm)
    WHERE (instr(legal_rep_norm, '。') OR instr(legal_rep_norm, '-')
            OR instr(legal_rep_norm, '‐') OR instr(legal_rep_norm, '‒')
            OR instr(legal_rep_norm, '–') OR instr(legal_rep_norm, '—')
            OR instr(legal_rep_norm, '―'))
        AND legal_rep_norm <> normalize_name(legal_rep_norm);
    UPDATE former_names SET name_norm = normalize_name(name)
    WHERE (instr(name, '.') OR instr(name, '。') OR instr(name, '-') OR instr(name, '‐')
            OR instr(name, '‒') OR instr(name, '–') OR instr(name, '—') OR instr(name, '―'))
        AND name_norm <> normalize_name(name);
    ALTER TABLE former_names ADD COLUMN name_core TEXT;
    UPDATE former_names SET name_core = name_core_of(name);
    CREATE INDEX former_names_core ON former_names (name_core);
"""
    + _CORES_AND_NEAR_MISS_INDEX_AGAIN,
    # Name matching's third round (issue 13, the second blind set): the middle dot's
    # look-alikes are all the Unicode dots drawn at mid height (ㆍ …), a legal form written
    # twice (有限有限公司) and an (个体工商户) annotation are read as legal forms, and the
    # near-miss index is built again (numbers in Arabic digits filed under their Chinese
    # writing, r/l and an/ang merged in the sound keys).
    """
    UPDATE listings SET name_norm = normalize_name(name)
    WHERE name GLOB '*[⦁ㆍᆞꞏ⸱⸳ᐧ᛫]*' AND name_norm <> normalize_name(name);
    UPDATE listings SET legal_rep_norm = normalize_name(legal_rep_norm)
    WHERE legal_rep_norm GLOB '*[⦁ㆍᆞꞏ⸱⸳ᐧ᛫]*'
        AND legal_rep_norm <> normalize_name(legal_rep_norm);
    UPDATE former_names SET name_norm = normalize_name(name), name_core = name_core_of(name)
    WHERE name_core IS NOT name_core_of(name) OR name_norm <> normalize_name(name);
"""
    + _CORES_AND_NEAR_MISS_INDEX_AGAIN,
    # Listings without an identifier, by name: an ID checked with its name must see every
    # same-name listing that no ID can rule out, not only those among the first rows of a
    # common name (the name index holds tens of thousands of rows for such a name, nearly
    # all with an ID).
    """
    CREATE INDEX IF NOT EXISTS listings_name_no_id ON listings (name_norm, revoked_on, listed_on)
    WHERE id_kind = 'empty'
    """,
    # The shapes of the masked IDs' keys (length, characters kept before and after the
    # mask): a full ID is looked up under keys of those shapes only, one or two reads of the
    # ID index instead of 25 (the cost of a listed ID's check on a cold disk). Kept by
    # triggers, so no import path, migration or later tool can file a masked ID whose shape
    # is missing; a shape is never removed (a key of a shape no listing has finds nothing).
    # And the masked listings' keys with what a full ID's check reads of them, so that the
    # other subjects filed under the same visible characters cost no read of their rows.
    f"""
    CREATE INDEX IF NOT EXISTS listings_masked_id
        ON listings (id_key, id_value, name_norm, listed_on, revoked_on) {_MASKED_ONLY};
    CREATE TABLE IF NOT EXISTS masked_shapes (shape TEXT PRIMARY KEY);
    CREATE TRIGGER IF NOT EXISTS listings_masked_shape_added AFTER INSERT ON listings
    WHEN substr(NEW.id_key, 1, 1) = '{identifiers.MASKED_KEY_MARK}'
    BEGIN
        INSERT OR IGNORE INTO masked_shapes (shape) VALUES ({_NEW_SHAPE});
    END;
    CREATE TRIGGER IF NOT EXISTS listings_masked_shape_changed AFTER UPDATE OF id_key ON listings
    WHEN substr(NEW.id_key, 1, 1) = '{identifiers.MASKED_KEY_MARK}'
    BEGIN
        INSERT OR IGNORE INTO masked_shapes (shape) VALUES ({_NEW_SHAPE});
    END;
    INSERT OR IGNORE INTO masked_shapes (shape)
        SELECT DISTINCT {MASKED_SHAPE_SQL.format(key="id_key")} FROM listings
        WHERE id_key >= '{identifiers.MASKED_KEY_MARK}' AND id_key < '+'
    """,
)

# Separates a listing's former names in `listings.former_names`.
FORMER_SEPARATOR = "；"

# Import modes: a full snapshot (listings missing from the file are revoked) or incremental
# (rows add or update listings; only their revocation dates revoke).
FULL, INCREMENTAL = "full", "incremental"
MODES = (FULL, INCREMENTAL)

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
    "raw_hash",
    "former_names",
)

LISTED_AT, REVOKED_AT = ROW_COLUMNS.index("listed_on"), ROW_COLUMNS.index("revoked_on")
FORMER_AT = ROW_COLUMNS.index("former_names")
# The values an import inserts for its rows: `ROW_COLUMNS`, with the row offset of the batch
# (one more parameter, after them) added to `source_row`.
_ROW_VALUES = ", ".join(
    f"?{i + 1} + ?{len(ROW_COLUMNS) + 1}" if column == "source_row" else f"?{i + 1}"
    for i, column in enumerate(ROW_COLUMNS)
)

# Columns derived from a listing's content by the row rules: rewritten in place, without a
# history entry, when a row comes back with the same content but other derived values (the
# rules changed, or the row was written differently).
DERIVED_COLUMNS = (
    "name_norm",
    "name_core",
    "subject_type",
    "id_kind",
    "id_key",
    "legal_rep_norm",
    "raw_hash",
    "former_names",
)

# Columns of `listings` that its indexes hold (besides `list_id` and `record_key`, which an
# update never changes), grouped by the indexes they are in: an UPDATE that sets a column
# rewrites its indexes' entries even when the value stays the same, so an import sets each
# group only for the listings where it differs (at 10 million listings, rewriting every
# index of every changed listing costs more than the rest of the update).
_INDEXED_GROUPS = (
    ("id_key",),
    ("name_norm",),
    ("revoked_on", "listed_on"),
    ("name_core",),
    ("legal_rep_norm",),
    ("raw_hash",),
)
_INDEXED_COLUMNS = frozenset(itertools.chain.from_iterable(_INDEXED_GROUPS))

# Columns that a listing dict returned by the lookups carries.
LISTING_SELECT = (
    "SELECT l.id, l.list_id, li.name AS list, li.category, l.record_key, l.name, l.name_norm,"
    " COALESCE(l.name_core, l.name_norm) AS name_core, l.subject_type, l.id_kind, l.id_value,"
    " l.legal_rep_norm, l.case_no, l.court, l.listed_on, l.revoked_on, l.source_row,"
    " l.formula_flag, l.fields, fv.field_names, l.added_version_id, l.changed_version_id,"
    " l.revoked_version_id, l.former_names"
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
# Not a field of 附件1: a column some lists add, read when a file has it (see `FORMER_HEADERS`).
FIELD_FORMER_NAMES = "曾用名"
FORMER_HEADERS = ("曾用名", "曾用名称", "原名称", "原名")
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
# Page cache of the staged rows (KiB): the new and changed rows of a national list's update
# (a few hundred MB at 10 million listings) go to a temporary file beyond it, which costs
# nothing measurable (1 M listings, 4 MB against 64 MB) and keeps the importing process's
# memory from growing with the file.
TEMP_CACHE_KIB = 8 * 1024
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


# Raw hashes looked up by one statement.
RAW_LOOKUP_BATCH = 500
# Hashes of a block from which `RawRowLookup` tries the listings stored around a sample of
# them (and the sample's size).
ORDERED_LOOKUP_MIN = 64
ORDERED_LOOKUP_SAMPLE = 16
# Listings named per kind of change in a plan (what a preview or a refusal shows).
SAMPLE_SIZE = 10


@dataclass
class ImportCounts:
    """What an import does to a list (`ImportSession.plan`) and did (`apply`).

    `revoked` counts every listing in force that the import revokes: `revoked_absent` of them
    because the file (a full snapshot) leaves them out, the others by their revocation date.
    `unchanged` includes `refreshed`: rows with the same content whose derived columns were
    rewritten. `duplicates` are (row, first row with the same key). `samples` name a few
    listings of each kind of change (see `ImportSession.plan`).
    """

    added: int = 0
    updated: int = 0
    revoked: int = 0
    revoked_absent: int = 0
    unchanged: int = 0
    refreshed: int = 0
    duplicates: list[tuple[int, int]] | None = None
    version_no: int | None = None
    same_as_version: int | None = None
    bulk_load: bool = False
    listings: int = 0
    in_force: int = 0
    listings_before: int = 0
    in_force_before: int = 0
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        """Data rows the list takes from the file (stored or recognised as unchanged)."""
        return self.added + self.updated + (self.revoked - self.revoked_absent) + self.unchanged

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated or self.revoked or self.refreshed)


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
        # What the migrations that make matching forms or read names again call (today's
        # rules).
        conn.create_function("normalize_name", 1, names.normalize_name, deterministic=True)
        conn.create_function("name_core_of", 1, names.name_core, deterministic=True)
        conn.create_function(
            "fuzzy_keys_of", 1, lambda name: json.dumps(names.fuzzy_keys(name)), deterministic=True
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
            " v.revoked, v.unchanged, v.rejected, v.mode, v.row_rules, v.revoked_absent,"
            " v.confirmed_revocations"
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
                "mode": r["mode"],
                "row_rules": r["row_rules"],
                "last_import": {
                    key: r[key]
                    for key in (
                        "rows_read",
                        "added",
                        "updated",
                        "revoked",
                        "unchanged",
                        "rejected",
                        "revoked_absent",
                        "confirmed_revocations",
                    )
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

    @property
    def path(self) -> Path:
        """The lists.db file this store is open on."""
        row = self.conn.execute("PRAGMA database_list").fetchone()
        return Path(row["file"])

    @contextmanager
    def importing(
        self,
        *,
        list_name: str,
        category: str,
        file_name: str,
        field_names: Sequence[str],
        mapping_name: str | None = None,
        mode: str = FULL,
    ) -> Iterator[ImportSession]:
        """One import as one transaction: `start`, `add` rows (and `add_seen` those recognised
        as unchanged), `plan`, then `apply`.

        Nothing is written unless `apply` was called: a session left without it (a preview,
        a refused import) and whatever escapes the block (an error, a cancel, a kill) leave
        the database as it was.
        """
        if mode not in MODES:
            raise UsageError(
                f"导入方式只能是 full（完整名单）或 incremental（增量），不能是“{mode}”。"
            )
        existing = self.list_category(list_name)
        if existing is not None and existing != category:
            raise UsageError(
                f"名单“{list_name}”已按联合惩戒对象“{existing}”导入，不能再作为“{category}”导入。"
                "请核对对象类别，或用 --list-name 另起一个名单名称。"
            )
        cache_size = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        temp_cache_size = self.conn.execute("PRAGMA temp.cache_size").fetchone()[0]
        threads = self.conn.execute("PRAGMA threads").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        self.conn.execute(f"PRAGMA temp.cache_size = -{TEMP_CACHE_KIB}")
        self.conn.execute("BEGIN IMMEDIATE")
        session: ImportSession | None = None
        try:
            session = ImportSession(
                self,
                list_name=list_name,
                category=category,
                file_name=file_name,
                field_names=field_names,
                mapping_name=mapping_name,
                mode=mode,
            )
            yield session
            if session.applied:
                self.conn.commit()
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                self.conn.rollback()
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            if session is not None:
                session.close()
            for table in _TEMP_TABLES:
                self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
            self.conn.execute(f"PRAGMA cache_size = {cache_size}")
            self.conn.execute(f"PRAGMA temp.cache_size = {temp_cache_size}")
            self.conn.execute(f"PRAGMA threads = {threads}")

    def listing_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM listings").fetchone()[0]

    # Import intents (see the last migration): the audit entries of committed imports, until the
    # audit trail has them.

    def pending_intents(self) -> list[dict[str, Any]]:
        """Import intents not yet carried into the audit trail, oldest first, with the list
        name and version number they describe."""
        rows = self.conn.execute(
            "SELECT i.intent_id, i.at, i.user_name, i.details, li.name AS list, v.version_no"
            " FROM import_intents i JOIN list_versions v ON v.id = i.version_id"
            " JOIN lists li ON li.id = v.list_id ORDER BY i.at, v.id"
        ).fetchall()
        return [{**dict(r), "details": json.loads(r["details"])} for r in rows]

    def has_pending_intents(self) -> bool:
        return self.conn.execute("SELECT 1 FROM import_intents LIMIT 1").fetchone() is not None

    def forget_intent(self, intent_id: str) -> None:
        """Drop an intent whose audit entry the audit trail now holds."""
        self.conn.execute("DELETE FROM import_intents WHERE intent_id = ?", (intent_id,))

    def all_versions(self) -> list[dict[str, Any]]:
        """Every version of every list (list name, number, file, SHA-256, time), in the order
        they were imported."""
        rows = self.conn.execute(
            "SELECT li.name AS list, v.version_no, v.file_name, v.sha256, v.imported_at"
            " FROM list_versions v JOIN lists li ON li.id = v.list_id ORDER BY v.id"
        ).fetchall()
        return [dict(r) for r in rows]

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
            "SELECT c.change, c.previous, v.version_no, v.imported_at, v.file_name, v.mode"
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
                "mode": r["mode"],
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

    def find_by_name_without_id(
        self, name_norm: str, as_of: str, limit: int
    ) -> list[dict[str, Any]]:
        """Up to `limit` listings with exactly this normalised name and no identifier, those
        in force first: the listings an ID cannot rule out. On their own index, so that a
        common name's listings with an ID are never read (nor crowd these out of a limit)."""
        found: list[dict[str, Any]] = []
        for state in (_IN_FORCE, f"NOT ({_IN_FORCE})"):
            ids = [
                row[0]
                for row in self.conn.execute(
                    "SELECT l.id FROM listings l INDEXED BY listings_name_no_id"
                    f" WHERE l.name_norm = ? AND l.id_kind = 'empty' AND {state}"
                    f" ORDER BY {_BY_NAME_ORDER} LIMIT {int(limit - len(found))}",
                    (name_norm, as_of, as_of),
                )
            ]
            if ids:
                found += self._listings(
                    f"l.id IN ({', '.join('?' for _ in ids)})", ids, None, _BY_NAME_ORDER
                )
            if len(found) >= limit:
                break
        return found

    def find_by_former_name(self, name_norm: str, limit: int) -> list[dict[str, Any]]:
        """Listings that once had this normalised name (曾用名), each with `former_name`: the
        former name as the list writes it."""
        rows = self.conn.execute(
            "SELECT listing_id, name FROM former_names WHERE name_norm = ? ORDER BY listing_id"
            f" LIMIT {int(limit)}",
            (name_norm,),
        ).fetchall()
        found = []
        for listing_id, former in rows:
            listing = self.listing(listing_id)
            if listing is not None:
                found.append({**listing, "former_name": former})
        return found

    def find_by_former_core(self, core: str, limit: int) -> list[dict[str, Any]]:
        """Listings with a former name whose core is `core` (whatever its region or legal
        form), each with `former_name` as the list writes it."""
        rows = self.conn.execute(
            "SELECT listing_id, name FROM former_names WHERE name_core = ? ORDER BY listing_id"
            f" LIMIT {int(limit)}",
            (core,),
        ).fetchall()
        found = []
        for listing_id, former in rows:
            listing = self.listing(listing_id)
            if listing is not None:
                found.append({**listing, "former_name": former})
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

    def masked_shapes(self) -> frozenset[str]:
        """The shapes of the keys the list's masked IDs are filed under (see module doc)."""
        return frozenset(r[0] for r in self.conn.execute("SELECT shape FROM masked_shapes"))

    def masked_like(self, full_id: str, limit: int | None = 5000) -> list[dict[str, Any]]:
        """(`id`, `id_value`, `name_norm`, `listed_on`, `revoked_on`) of listings with a
        masked ID filed under a key `full_id` could have (their visible characters may still
        differ: see `identifiers.masked_matches`), read from the index of masked IDs alone;
        all of them with `limit` None."""
        keys = identifiers.masked_lookup_keys(full_id, self.masked_shapes())
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        rows = self.conn.execute(
            "SELECT id, id_value, name_norm, listed_on, revoked_on FROM listings"
            f" WHERE id_key IN ({marks}) {_AND_MASKED}"
            + ("" if limit is None else f" LIMIT {int(limit)}"),
            keys,
        ).fetchall()
        return [dict(r) for r in rows]

    def listings_by_id(self, listing_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The listings with these ids, in force first (as names order them)."""
        if not listing_ids:
            return []
        marks = ", ".join("?" for _ in listing_ids)
        return self._listings(f"l.id IN ({marks})", list(listing_ids), None, _BY_NAME_ORDER)

    def find_masked(
        self,
        name_norm: str,
        full_id: str,
        limit: int = 2000,
        candidates: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """Up to `limit` listings with exactly this normalised name and a masked ID filed
        under a key `full_id` could have (their visible characters may still differ: see
        `identifiers.masked_matches`), those in force first. `candidates` are
        `masked_like(full_id, None)` when the caller has them already.

        Found on the ID index, the name compared on the few listings filed under those keys:
        on the name index, a common name's tens of thousands of listings would each be read
        to find its masked ones (0.5–1 s at 10 M listings when they are read from disk).
        """
        rows = self.masked_like(full_id, None) if candidates is None else candidates
        # The name is compared here, not in SQL: given the name too, SQLite takes the name
        # index (it yields `_BY_NAME_ORDER` without a sort). Sorted as that order sorts
        # (NULL first) before the limit.
        named = sorted(
            (r for r in rows if r["name_norm"] == name_norm),
            key=lambda r: (
                r["revoked_on"] is not None,
                r["revoked_on"] or "",
                r["listed_on"] is not None,
                r["listed_on"] or "",
                r["id"],
            ),
        )[:limit]
        return self.listings_by_id([r["id"] for r in named])

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
        keys = sorted(names.lookup_keys(name), key=lambda k: (not k.startswith("p:"), -len(k)))
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
        for prefix in names.prefix_keys(name):
            if len(found) >= limit:
                break
            # Cores that extend the query's (a brand typed alone, fewer trade words): one
            # range of the key index each.
            rows = self.conn.execute(
                "SELECT DISTINCT name_core FROM fuzzy_keys WHERE fuzzy_key > ? AND fuzzy_key < ?"
                " AND name_core <> ? LIMIT ?",
                (prefix, f"{prefix}\uffff", core, max(limit // 3, 1)),
            ).fetchall()
            found.update((r[0], None) for r in rows)
        return list(found)[:limit]

    # Changes since a version (re-checks of stored checks) ----------------------------------

    def latest_version_id(self) -> int:
        """The id of the newest version of any list (0 before the first import)."""
        return self.conn.execute("SELECT COALESCE(max(id), 0) FROM list_versions").fetchone()[0]

    def version_ids(self) -> dict[tuple[str, int], int]:
        """(list name, version number) → the version's id, for every version."""
        return {
            (r[0], r[1]): r[2]
            for r in self.conn.execute(
                "SELECT li.name, v.version_no, v.id FROM list_versions v"
                " JOIN lists li ON li.id = v.list_id"
            )
        }

    def change_bounds(self, version_id: int) -> tuple[int, int, int, int]:
        """Where the changes made by list versions from `version_id` on begin and end:
        (first listing id, last listing id, first history id, last history id).

        Listings are only ever appended and never deleted, and so are their history entries
        (`listing_changes`): the version that added a listing, and the version of a history
        entry, grow with the row id. A binary search on the row id finds the first of each
        written by `version_id` or later without a scan (ranges are empty when first > last).
        """
        last_listing = self.conn.execute("SELECT COALESCE(max(id), 0) FROM listings").fetchone()[0]
        last_change = self.conn.execute(
            "SELECT COALESCE(max(id), 0) FROM listing_changes"
        ).fetchone()[0]
        first_listing = self._first_row_from(
            "SELECT id, added_version_id FROM listings WHERE id >= ? ORDER BY id LIMIT 1",
            last_listing,
            version_id,
        )
        first_change = self._first_row_from(
            "SELECT id, version_id FROM listing_changes WHERE id >= ? ORDER BY id LIMIT 1",
            last_change,
            version_id,
        )
        return first_listing, last_listing, first_change, last_change

    def _first_row_from(self, sql: str, last: int, version_id: int) -> int:
        """The smallest row id whose version is `version_id` or later (`last` + 1 if none)."""
        low, high = 1, last + 1
        while low < high:
            middle = (low + high) // 2
            row = self.conn.execute(sql, (middle,)).fetchone()
            if row is None or row[1] >= version_id:
                high = middle
            else:
                low = row[0] + 1
        return low

    def core_rank(self, core: str, listing_id: int, other_than: str) -> int:
        """How many listings of organisation name core `core` come before listing
        `listing_id` in the order `find_by_core` examines them (by id, those named exactly
        `other_than` left out)."""
        return self.conn.execute(
            "SELECT count(*) FROM listings WHERE name_core = ? AND name_norm <> ? AND id < ?",
            (core, other_than, listing_id),
        ).fetchone()[0]

    def changed_listings(
        self, first_listing: int, first_change: int, batch: int = 5000
    ) -> Iterator[list[dict[str, Any]]]:
        """The listings added from row `first_listing` on, then those that history entries
        from row `first_change` on say were updated or revoked (see `change_bounds`), in
        batches: id, name, name_norm, name_core, id_key, former_names, listed_on, revoked_on,
        and for an
        updated or revoked one `previous` (its state before, as `listing_changes` keeps it:
        a changed name or ID concerned other subjects before)."""
        columns = (
            "l.id, l.name, l.name_norm, COALESCE(l.name_core, l.name_norm) AS name_core,"
            " l.id_key, l.former_names, l.listed_on, l.revoked_on"
        )
        for sql, params in (
            (
                f"SELECT {columns}, NULL AS previous FROM listings l WHERE l.id >= ? ORDER BY l.id",
                (first_listing,),
            ),
            (
                f"SELECT {columns}, c.previous FROM listing_changes c"
                " JOIN listings l ON l.id = c.listing_id"
                " WHERE c.id >= ? AND l.id < ? ORDER BY c.id",
                (first_change, first_listing),
            ),
        ):
            cursor = self.conn.execute(sql, params)
            while True:
                rows = cursor.fetchmany(batch)
                if not rows:
                    break
                found = [dict(r) for r in rows]
                for listing in found:
                    if listing["previous"] is not None:
                        listing["previous"] = json.loads(listing["previous"])
                yield found


class RawRowLookup:
    """The listings of one list by the hash of the raw row each was built from
    (`listings.raw_hash`), on a connection of its own.

    Worker processes read lists.db this way while the importing process holds its write
    transaction: until `apply`, that transaction writes only temporary tables, so they see
    the list exactly as it was before the import.

    A list's next file usually keeps the order of the rows (a court exports its list in
    the same order every month, new rows among them): the listings of a block of lines
    then lie together in the order they were stored. A few of the block's hashes are
    looked up in the index; when they lie together, the listings around them are read in
    one pass over the table (about a microsecond a row) instead of one index search per
    row (about five at 10 million listings); the rest are searched one by one.
    """

    def __init__(self, path: Path, list_id: int) -> None:
        self.conn = db.connect(path, readonly=True)
        self.conn.row_factory = None  # plain tuples: millions of (hash, id) pairs
        self.list_id = list_id

    def __call__(self, hashes: Sequence[bytes]) -> dict[bytes, int]:
        """raw hash → listing id of the list's listings among `hashes` (and maybe of
        listings stored around them)."""
        found = self._stored_together(hashes)
        rest = [h for h in hashes if h not in found] if found else hashes
        if rest:
            found.update(_by_raw_hash(self.conn, self.list_id, rest))
        return found

    def _stored_together(self, hashes: Sequence[bytes]) -> dict[bytes, int]:
        count = len(hashes)
        if count < ORDERED_LOOKUP_MIN:
            return {}
        step = count // ORDERED_LOOKUP_SAMPLE
        sample = [*hashes[::step], hashes[-1]]
        sampled = _by_raw_hash(self.conn, self.list_id, sample)
        ids = sorted(sampled.values())
        if len(ids) * 2 < len(sample) or ids[-1] - ids[0] > 3 * count:
            return {}
        # Room for the lines before the first and after the last found, unless the block's
        # first and last lines are among them.
        margin = step + step // 2
        low = ids[0] - (0 if hashes[0] in sampled else margin)
        high = ids[-1] + (0 if hashes[-1] in sampled else margin)
        return dict(
            self.conn.execute(
                "SELECT raw_hash, id FROM listings WHERE id BETWEEN ? AND ?"
                " AND +list_id = ? AND raw_hash IS NOT NULL",  # (+: by rowid, not an index)
                (low, high, self.list_id),
            ).fetchall()
        )

    def close(self) -> None:
        self.conn.close()


def _by_raw_hash(
    conn: sqlite3.Connection, list_id: int, hashes: Sequence[bytes]
) -> dict[bytes, int]:
    """raw hash → listing id of the listings of `list_id` among `hashes`."""
    found: dict[bytes, int] = {}
    for start in range(0, len(hashes), RAW_LOOKUP_BATCH):
        part = hashes[start : start + RAW_LOOKUP_BATCH]
        marks = ", ".join("?" * len(part))
        found.update(
            conn.execute(
                f"SELECT raw_hash, id FROM listings WHERE list_id = ? AND raw_hash IN ({marks})",
                (list_id, *part),
            ).fetchall()
        )
    return found


# Temporary tables of an import: built rows, listings left out.
_TEMP_TABLES = ("import_rows", "absent")


class _SeenListings:
    """The listings an import recognised as unchanged from their raw hash: one byte per
    listing id of the database (10 MB for 10 million listings, whatever the file's size),
    the few listings recognised more than once, and a log of every (listing, row) on disk,
    read only to find where a repeated listing was first recognised."""

    def __init__(self, top_id: int) -> None:
        self.marks = bytearray(top_id + 1)
        self.count = 0
        self.repeats: list[tuple[int, int]] = []  # (listing id, a later row)
        self.first: list[tuple[int, int]] = []  # the first (listing id, row), for samples
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()

    def add(self, ids: array[int], rows: array[int], row_offset: int) -> None:
        marks, before = self.marks, len(self.repeats)
        repeats = self.repeats
        for index, listing_id in enumerate(ids):
            if marks[listing_id]:
                repeats.append((listing_id, rows[index] + row_offset))
            else:
                marks[listing_id] = 1
        self.count += len(ids) - (len(repeats) - before)
        if len(self.first) < SAMPLE_SIZE:
            pairs = zip(ids, (row + row_offset for row in rows), strict=True)
            self.first += itertools.islice(pairs, SAMPLE_SIZE)
        self._log.write(array("q", (row_offset, len(ids))).tobytes())
        self._log.write(ids.tobytes())
        self._log.write(rows.tobytes())

    def unmark(self, listing_id: int) -> None:
        if self.marks[listing_id]:
            self.marks[listing_id] = 0
            self.count -= 1

    def first_rows(self, wanted: set[int]) -> dict[int, int]:
        """The row that first recognised each listing of `wanted` (from the log)."""
        found: dict[int, int] = {}
        log = self._log
        log.seek(0)
        while header := log.read(16):
            offset, count = array("q", header)
            ids, rows = array("q"), array("q")
            ids.frombytes(log.read(8 * count))
            rows.frombytes(log.read(8 * count))
            for listing_id, row in zip(ids, rows, strict=True):
                if listing_id in wanted and listing_id not in found:
                    found[listing_id] = row + offset
        log.seek(0, 2)
        return found

    def close(self) -> None:
        self._log.close()


class ImportSession:
    """The rows of one import inside its transaction (see `ListStore.importing`).

    A list seen for the first time in a database that holds fewer listings than the file
    brings is bulk-loaded: its version is created at once, secondary indexes are dropped,
    rows go straight into `listings`, and the indexes are rebuilt by `plan` (an order of
    magnitude faster than maintaining them row by row). Every other import stages its rows
    in temporary tables, and `plan` works out with set-based statements what would change,
    without touching the list: added, changed, unchanged, revoked by a revocation date, and,
    in a full import, revoked for listings missing from the file. `apply` then writes the
    version, the history of every listing it changes or revokes, the changes and the import
    intent.

    Rows recognised as unchanged from their raw hash (`known_raw_hashes`) are not built at
    all: `add_seen` marks only which listing they are (a byte per listing, see
    `_SeenListings`), so an update costs what changed, and the listings a full import
    revokes by absence are those in force that no row marked or matched, found by one
    statement.
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
        mode: str,
    ) -> None:
        self.store = store
        self.conn = store.conn
        self.list_name = list_name
        self.category = category
        self.file_name = file_name
        self.field_names = list(field_names)
        self.mapping_name = mapping_name
        self.mode = mode
        self.applied = False
        self._seen_cores: set[str] = set()
        # (record key, former names) of the rows of a bulk load that have former names.
        self._former: list[tuple[str, str]] = []
        conn = self.conn
        row = conn.execute("SELECT id FROM lists WHERE name = ?", (list_name,)).fetchone()
        self.list_id: int | None = row[0] if row else None
        self.has_listings = (
            self.list_id is not None
            and conn.execute(
                "SELECT 1 FROM listings WHERE list_id = ? LIMIT 1", (self.list_id,)
            ).fetchone()
            is not None
        )
        self.previous = store.latest_version(list_name)
        self.version_no = (self.previous["version_no"] if self.previous else 0) + 1
        self.version_id: int | None = None
        self.bulk = False
        self.today = ""
        self._bulk_not_in_force = 0
        self._bulk_after_id = 0  # the last listing id before a bulk load
        self._dropped_indexes: list[str] = []
        self._insert_sql = ""
        self._plan: ImportCounts | None = None
        self._seen: _SeenListings | None = None

    @property
    def recognises_raw_rows(self) -> bool:
        """Whether rows may be recognised from their raw hash (the list has listings)."""
        return self.has_listings

    def raw_row_lookup(self) -> RawRowLookup:
        """A lookup of this list's raw hashes for a worker process (see `RawRowLookup`)."""
        assert self.list_id is not None
        return RawRowLookup(self.store.path, self.list_id)

    def start(self, expected_rows: int, today: str, *, staged: bool = False) -> None:
        """Choose bulk load or staged merge (see the class doc) before the first `add`.

        `today` is the import's date: what "in force" means for the counts it records.
        `staged` rules out the bulk load (a preview writes nothing).
        """
        self.today = today
        conn = self.conn
        self.bulk = (
            not staged
            and not self.has_listings
            and self.store.listing_count() < max(expected_rows, 1)
        )
        if self.bulk:
            self._bulk_after_id = conn.execute(
                "SELECT COALESCE(max(id), 0) FROM listings"
            ).fetchone()[0]
            self._create_version()
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
            for table in _TEMP_TABLES:
                conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
            conn.execute(
                "CREATE TEMP TABLE import_rows ("
                + ", ".join(ROW_COLUMNS)
                + ", listing_id INTEGER, change TEXT)"
            )
            conn.execute(
                "CREATE TEMP TABLE absent (listing_id INTEGER PRIMARY KEY, in_force INTEGER)"
            )
            if self.has_listings:
                top = conn.execute("SELECT max(id) FROM listings").fetchone()[0]
                self._seen = _SeenListings(top)
            self._insert_sql = (
                f"INSERT INTO temp.import_rows ({', '.join(ROW_COLUMNS)}) VALUES ({_ROW_VALUES})"
            )

    def _create_version(self) -> None:
        """The list (when new) and this import's version row; the SHA-256 and the counts are
        recorded by `apply`."""
        conn = self.conn
        if self.list_id is None:
            self.list_id = conn.execute(
                "INSERT INTO lists (name, category, created_at) VALUES (?, ?, ?) RETURNING id",
                (self.list_name, self.category, _now()),
            ).fetchone()[0]
        self.version_id = conn.execute(
            "INSERT INTO list_versions (list_id, version_no, file_name, sha256, imported_at,"
            " mapping_name, field_names, mode) VALUES (?, ?, ?, '', ?, ?, ?, ?) RETURNING id",
            (
                self.list_id,
                self.version_no,
                self.file_name,
                _now(),
                self.mapping_name,
                json.dumps(self.field_names, ensure_ascii=False),
                self.mode,
            ),
        ).fetchone()[0]

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

    def known_raw_hashes(self, hashes: Sequence[bytes]) -> dict[bytes, int]:
        """raw hash → listing id of this list's listings among `hashes` (in this process)."""
        if not self.has_listings:
            return {}
        assert self.list_id is not None
        return _by_raw_hash(self.conn, self.list_id, hashes)

    def add_seen(self, ids: array[int], rows: array[int], row_offset: int = 0) -> None:
        """Record rows recognised as unchanged: the listing ids and row numbers (plus
        `row_offset`), in file order.

        A listing recognised again keeps its first row; the later ones are reported as
        duplicates by `plan`.
        """
        assert self._seen is not None, "rows are recognised only in a list with listings"
        self._seen.add(ids, rows, row_offset)

    def close(self) -> None:
        """Let go of what the session holds outside the database."""
        if self._seen is not None:
            self._seen.close()

    def add(
        self,
        rows: Sequence[tuple[Any, ...]],
        fuzzy: Sequence[tuple[str, str]] | None = None,
        not_in_force: int | None = None,
        row_offset: int = 0,
    ) -> None:
        """Store a batch of built rows (tuples in the order of `ROW_COLUMNS`).

        `fuzzy` are the `fuzzy_keys` rows (key, name core) of the rows' name cores, when the
        caller computed them (worker processes do); the rows of a core this import has
        filed already are left out. Otherwise a bulk load computes them here, and a staged
        merge files the keys of new names only, when it is applied. `not_in_force` is how
        many of the rows are not in force on the import's date, when the caller counted
        them. `row_offset` is added to each row's `source_row` (rows numbered within a part
        of the file).
        """
        self.conn.executemany(
            self._insert_sql, map(operator.add, rows, itertools.repeat((row_offset,)))
        )
        if not self.bulk:
            return
        self._former += [(r[0], r[FORMER_AT]) for r in rows if r[FORMER_AT]]
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

    # Planning --------------------------------------------------------------------------

    def plan(self) -> ImportCounts:
        """What applying this import would do, with a few listings named for each kind of
        change (`samples`: "added", "updated", "revoked", "unchanged", each a list of
        {"row", "name", "id_kind", "id_value"}; the row of a revoked listing missing from
        the file is the row it came from in its own version).

        Rows repeating an earlier row's key are dropped here and returned in `duplicates`.
        A staged merge writes nothing but temporary tables; a bulk load rebuilds its indexes.
        """
        self._plan = self._plan_bulk() if self.bulk else self._plan_merge()
        return self._plan

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

    def _plan_bulk(self) -> ImportCounts:
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
        self._dropped_indexes = []
        self._file_former_names(
            (listing_id, former)
            for key, former in self._former
            for (listing_id,) in self.conn.execute(
                "SELECT id FROM listings WHERE list_id = ? AND record_key = ?",
                (self.list_id, key),
            ).fetchall()
        )
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
        # The list's listings were stored in the file's order, after every listing before
        # (read by id: ordering the list by its rows took seconds a million listings).
        counts.samples = {
            "added": self._sample(
                "SELECT source_row AS row, name, id_kind, id_value FROM listings"
                " WHERE id > ? AND +list_id = ? ORDER BY id",
                (self._bulk_after_id, self.list_id),
            )
        }
        return counts

    def _plan_merge(self) -> ImportCounts:
        conn, today = self.conn, self.today
        counts = ImportCounts()
        try:
            conn.execute("CREATE UNIQUE INDEX temp.import_rows_key ON import_rows (record_key)")
            counts.duplicates = []
        except sqlite3.IntegrityError:
            counts.duplicates = self._remove_duplicates("temp.import_rows", "1 = ?", (1,))
            conn.execute("CREATE UNIQUE INDEX temp.import_rows_key ON import_rows (record_key)")
        if self.list_id is not None:
            conn.execute(
                "UPDATE temp.import_rows SET listing_id = (SELECT l.id FROM listings l"
                " WHERE l.list_id = ? AND l.record_key = import_rows.record_key)",
                (self.list_id,),
            )
        conn.execute("CREATE INDEX temp.import_rows_listing ON import_rows (listing_id)")
        counts.duplicates += self._seen_duplicates()
        counts.duplicates.sort()
        derived_same = " AND ".join(
            f"COALESCE(l.{c}, '') = COALESCE(import_rows.{c}, '')"
            for c in DERIVED_COLUMNS
            if c != "raw_hash"
        )
        conn.execute(
            "UPDATE temp.import_rows SET change = CASE"
            " WHEN listing_id IS NULL THEN 'added'"
            " WHEN (SELECT l.row_hash = import_rows.row_hash"
            " AND COALESCE(l.revoked_on, '') = COALESCE(import_rows.revoked_on, '')"
            " FROM listings l WHERE l.id = import_rows.listing_id) THEN"
            f" CASE WHEN (SELECT {derived_same} AND l.raw_hash = import_rows.raw_hash"
            " FROM listings l WHERE l.id = import_rows.listing_id) THEN 'unchanged'"
            " ELSE 'refresh' END"
            " ELSE 'changed' END"
        )
        for change, number in conn.execute(
            "SELECT change, count(*) FROM temp.import_rows GROUP BY change"
        ).fetchall():
            if change == "added":
                counts.added = number
            elif change in ("unchanged", "refresh"):
                counts.unchanged += number
                if change == "refresh":
                    counts.refreshed = number
        seen = self._seen
        counts.unchanged += seen.count if seen is not None else 0
        # Changed rows: revoked when a listing in force gets a revocation date by today.
        now_revoked = (
            "(l.revoked_on IS NULL OR l.revoked_on > ?1)"
            " AND s.revoked_on IS NOT NULL AND s.revoked_on <= ?1"
        )
        changed, revoked = conn.execute(
            f"SELECT count(*), COALESCE(sum(CASE WHEN {now_revoked} THEN 1 ELSE 0 END), 0)"
            " FROM temp.import_rows s JOIN listings l ON l.id = s.listing_id"
            " WHERE s.change = 'changed'",
            (today,),
        ).fetchone()
        counts.updated, counts.revoked = changed - revoked, revoked
        if self.list_id is not None:
            counts.listings_before, counts.in_force_before = conn.execute(
                f"SELECT count(*), COALESCE(sum(CASE WHEN {_IN_FORCE} THEN 1 ELSE 0 END), 0)"
                " FROM listings l WHERE l.list_id = ?",
                (today, today, self.list_id),
            ).fetchone()
            if self.mode == FULL:
                # Revocation by absence, one set operation: listings not yet revoked that no
                # row of the file recognised or matched.
                # (A listing's byte in the marks, `substr` of a blob, is 0 unless a row
                # recognised it.)
                marks = seen.marks if seen is not None else b""
                conn.execute(
                    "INSERT INTO temp.absent (listing_id, in_force)"
                    " SELECT l.id, (l.listed_on IS NULL OR l.listed_on <= ?2) FROM listings l"
                    " WHERE l.list_id = ?1 AND (l.revoked_on IS NULL OR l.revoked_on > ?2)"
                    " AND substr(?3, l.id + 1, 1) IS NOT ?4"
                    " AND NOT EXISTS (SELECT 1 FROM temp.import_rows s"
                    " WHERE s.listing_id = l.id)",
                    (self.list_id, today, marks, b"\x01"),
                )
                counts.revoked_absent = conn.execute("SELECT count(*) FROM temp.absent").fetchone()[
                    0
                ]
                counts.revoked += counts.revoked_absent
        staged = "SELECT s.source_row AS row, s.name, s.id_kind, s.id_value FROM temp.import_rows s"
        counts.samples = {
            "added": self._sample(f"{staged} WHERE s.change = 'added' ORDER BY s.source_row"),
            "updated": self._sample(
                f"{staged} JOIN listings l ON l.id = s.listing_id"
                f" WHERE s.change = 'changed' AND NOT ({now_revoked}) ORDER BY s.source_row",
                (today,),
            ),
            "revoked": self._sample(
                f"{staged} JOIN listings l ON l.id = s.listing_id"
                f" WHERE s.change = 'changed' AND {now_revoked} ORDER BY s.source_row",
                (today,),
            )
            + self._sample(
                "SELECT l.source_row AS row, l.name, l.id_kind, l.id_value FROM temp.absent a"
                " JOIN listings l ON l.id = a.listing_id ORDER BY a.listing_id"
            ),
            "unchanged": self._seen_sample()
            or self._sample(
                f"{staged} WHERE s.change IN ('unchanged', 'refresh') ORDER BY s.source_row"
            ),
        }
        return counts

    def _seen_duplicates(self) -> list[tuple[int, int]]:
        """(row, first row) of rows that name a listing an earlier row named: a row
        recognised again, or a recognised row and a built row with the same key. The first
        row of each listing stays; the others leave the staged rows and the marks."""
        seen = self._seen
        if seen is None:
            return []
        conn = self.conn
        marks = seen.marks
        crossing = [
            (rowid, built_row, listing_id)
            for rowid, built_row, listing_id in conn.execute(
                "SELECT rowid, source_row, listing_id FROM temp.import_rows"
                " WHERE listing_id IS NOT NULL"
            )
            if listing_id < len(marks) and marks[listing_id]
        ]
        if not seen.repeats and not crossing:
            return []
        first = seen.first_rows({i for i, _row in seen.repeats} | {c[2] for c in crossing})
        result = [(row, first[listing_id]) for listing_id, row in seen.repeats]
        for rowid, built_row, listing_id in crossing:
            seen_row = first[listing_id]
            if seen_row < built_row:
                conn.execute("DELETE FROM temp.import_rows WHERE rowid = ?", (rowid,))
                result.append((built_row, seen_row))
            else:
                seen.unmark(listing_id)
                later_rows = [row for i, row in seen.repeats if i == listing_id]
                result = [pair for pair in result if pair[1] != seen_row]
                result += [(row, built_row) for row in (seen_row, *later_rows)]
        return result

    def _seen_sample(self) -> list[dict[str, Any]]:
        """The first listings recognised as unchanged (`SAMPLE_SIZE` at most)."""
        seen = self._seen
        if seen is None:
            return []
        rows: dict[int, int] = {}
        for listing_id, row in seen.first:
            if seen.marks[listing_id]:
                rows.setdefault(listing_id, row)
        if not rows:
            return []
        marks = ", ".join("?" * len(rows))
        found = self.conn.execute(
            f"SELECT id, name, id_kind, id_value FROM listings WHERE id IN ({marks})",
            list(rows),
        ).fetchall()
        sample = [
            {
                "row": rows[r["id"]],
                "name": r["name"],
                "id_kind": r["id_kind"],
                "id_value": r["id_value"],
            }
            for r in found
        ]
        return sorted(sample, key=operator.itemgetter("row"))[:SAMPLE_SIZE]

    def _sample(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        rows = self.conn.execute(f"{sql} LIMIT {SAMPLE_SIZE}", params).fetchall()
        return [dict(r) for r in rows]

    # Applying --------------------------------------------------------------------------

    def apply(
        self,
        *,
        sha256: str,
        rows_read: int,
        rejected: int,
        sheet: str | None,
        file_size: int | None = None,
        row_rules: str | None = None,
        confirmed_revocations: int | None = None,
        intent: Mapping[str, Any] | None = None,
    ) -> ImportCounts:
        """Write what `plan` found as a new version of the list, committed when the session
        ends. `rejected` counts the rows the caller refused (duplicates are added).

        `intent` (`intent_id`, `at`, `user_name`, `details`) is the audit entry of the
        import: it is stored in the same transaction, so that a crash after the commit
        cannot leave the version without it (the audit trail takes it over, see
        `pending_intents`); its details get the version's number and counts.
        """
        counts = self._plan or self.plan()
        if not self.bulk:
            self._create_version()
            self._apply_merge(counts)
        counts.version_no = self.version_no
        self.conn.execute(
            "UPDATE list_versions SET sha256 = ?, sheet = ?, rows_read = ?, added = ?,"
            " updated = ?, revoked = ?, unchanged = ?, rejected = ?, listings = ?, in_force = ?,"
            " file_size = ?, row_rules = ?, revoked_absent = ?, confirmed_revocations = ?"
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
                file_size,
                row_rules,
                counts.revoked_absent,
                confirmed_revocations,
                self.version_id,
            ),
        )
        if intent is not None:
            self.conn.execute(
                "INSERT INTO import_intents (intent_id, version_id, at, user_name, details)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    intent["intent_id"],
                    self.version_id,
                    intent["at"],
                    intent.get("user_name"),
                    json.dumps(intent["details"], ensure_ascii=False, sort_keys=True),
                ),
            )
        self.applied = True
        return counts

    def _apply_merge(self, counts: ImportCounts) -> None:
        conn, today = self.conn, self.today
        # The counts after this version, from what changes (a count over a national list
        # takes seconds): listings in force gained or lost by the rows and by absence.
        in_force_new, in_force_old = (
            f"CASE WHEN ({table}.revoked_on IS NULL OR {table}.revoked_on > ?1)"
            f" AND ({table}.listed_on IS NULL OR {table}.listed_on <= ?1) THEN 1 ELSE 0 END"
            for table in ("s", "l")
        )
        gained = conn.execute(
            f"SELECT COALESCE(sum(CASE s.change WHEN 'added' THEN {in_force_new}"
            f" WHEN 'changed' THEN {in_force_new} - {in_force_old} ELSE 0 END), 0)"
            " FROM temp.import_rows s LEFT JOIN listings l ON l.id = s.listing_id",
            (today,),
        ).fetchone()[0]
        lost = conn.execute("SELECT COALESCE(sum(in_force), 0) FROM temp.absent").fetchone()[0]
        counts.listings = counts.listings_before + counts.added
        counts.in_force = counts.in_force_before + gained - lost
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
                else:
                    change = "reinstated" if not was_active and not now_revoked else "updated"
                history.append((row["id"], change, _listing_json(row)))
            self._record_history(history)
        for batch in self._batches(
            "SELECT l.* FROM temp.absent a JOIN listings l ON l.id = a.listing_id", ()
        ):
            self._record_history([(row["id"], "revoked", _listing_json(row)) for row in batch])

        self._file_fuzzy_keys(self._new_cores())
        # A listing revoked by absence no longer is what its raw row builds: the row coming
        # back must be built and matched again (it reinstates the listing).
        conn.execute(
            "UPDATE listings SET revoked_on = ?, revoked_version_id = ?, raw_hash = NULL"
            " WHERE id IN (SELECT listing_id FROM temp.absent)",
            (today, self.version_id),
        )
        # (`revoked_version_id` is set from the revocation date the listing had before.)
        self._update_staged(
            "changed",
            [column for column in ROW_COLUMNS if column != "record_key"],
            "changed_version_id = ?, revoked_version_id = CASE WHEN s.revoked_on IS NULL"
            " THEN NULL WHEN listings.revoked_on IS NULL THEN ?"
            " ELSE listings.revoked_version_id END",
            (self.version_id, self.version_id),
        )
        self._update_staged("refresh", DERIVED_COLUMNS)
        # New listings in the file's order (the staged rows were stored in it: read so, they
        # need no sort), so that the next update finds them together.
        conn.execute(
            f"INSERT INTO listings ({', '.join(ROW_COLUMNS)}, list_id, added_version_id,"
            f" revoked_version_id) SELECT {', '.join(ROW_COLUMNS)}, ?, ?,"
            " CASE WHEN revoked_on IS NULL THEN NULL ELSE ? END"
            " FROM temp.import_rows WHERE change = 'added' ORDER BY rowid",
            (self.list_id, self.version_id, self.version_id),
        )
        # Former names: those of the rows written again are filed anew.
        conn.execute(
            "DELETE FROM former_names WHERE listing_id IN (SELECT listing_id FROM"
            " temp.import_rows WHERE change IN ('changed', 'refresh'))"
        )
        # (Driven by the staged rows: a join could scan the list's index of record keys.)
        self._file_former_names(
            conn.execute(
                "SELECT COALESCE(s.listing_id, (SELECT l.id FROM listings l"
                " WHERE l.list_id = ? AND l.record_key = s.record_key)), s.former_names"
                " FROM temp.import_rows s"
                " WHERE s.change IN ('added', 'changed', 'refresh') AND s.former_names IS NOT NULL",
                (self.list_id,),
            ).fetchall()
        )

    def _update_staged(
        self,
        change: str,
        columns: Sequence[str],
        extra: str = "",
        params: Sequence[Any] = (),
    ) -> None:
        """Copy `columns` of the staged rows of kind `change` into their listings: the
        columns no index holds in one statement (with the `extra` assignments and their
        `params`), each group of indexed columns only where it differs."""
        staged = " FROM temp.import_rows s WHERE s.listing_id = listings.id AND s.change = ?"
        plain = [f"{column} = s.{column}" for column in columns if column not in _INDEXED_COLUMNS]
        if extra:
            plain.append(extra)
        if plain:
            self.conn.execute(f"UPDATE listings SET {', '.join(plain)}{staged}", (*params, change))
        groups = [[c for c in group if c in columns] for group in _INDEXED_GROUPS]
        groups = [group for group in groups if group]
        differs = [" OR ".join(f"{{t}}.{c} IS NOT s.{c}" for c in group) for group in groups]
        numbers = self.conn.execute(
            "SELECT "
            + ", ".join(f"COALESCE(sum({d.format(t='l')}), 0)" for d in differs)
            + " FROM temp.import_rows s JOIN listings l ON l.id = s.listing_id"
            " WHERE s.change = ?",
            (change,),
        ).fetchone()
        for group, condition, number in zip(groups, differs, numbers, strict=True):
            if number:
                assignments = ", ".join(f"{column} = s.{column}" for column in group)
                self.conn.execute(
                    f"UPDATE listings SET {assignments}{staged}"
                    f" AND ({condition.format(t='listings')})",
                    (change,),
                )

    def _file_former_names(self, listings: Iterable[tuple[int, str]]) -> None:
        """File each (listing id, former names as stored) under the normalised names and
        cores, and the cores under their fuzzy keys (a near miss of a former name finds the
        listing as a near miss of its name does)."""
        rows = [
            (listing_id, names.normalize_name(former), former, names.name_core(former))
            for listing_id, formers in listings
            for former in formers.split(FORMER_SEPARATOR)
            if former
        ]
        self.conn.executemany(
            "INSERT INTO former_names (listing_id, name_norm, name, name_core) VALUES (?, ?, ?, ?)",
            rows,
        )
        cores = {core: name for _id, _norm, name, core in rows}
        self._insert_fuzzy(
            [(key, core) for core, name in cores.items() for key in names.fuzzy_keys(name)]
        )

    def _new_cores(self) -> list[tuple[str, str]]:
        """(core, a name) of added rows, and of changed or refreshed rows whose core
        changed, that no stored listing has yet (new row rules may give a listing another
        core)."""
        core = "COALESCE(s.name_core, s.name_norm)"
        return self.conn.execute(
            f"SELECT c.core, c.name FROM (SELECT {core} AS core, min(s.name) AS name"
            " FROM temp.import_rows s LEFT JOIN listings l ON l.id = s.listing_id"
            " WHERE s.change = 'added' OR (s.change IN ('changed', 'refresh')"
            f" AND COALESCE(l.name_core, l.name_norm) IS NOT {core}) GROUP BY {core}) c"
            " WHERE NOT EXISTS (SELECT 1 FROM listings WHERE name_core = c.core)"
            " AND NOT EXISTS (SELECT 1 FROM listings WHERE name_norm = c.core"
            " AND name_core IS NULL)"
        ).fetchall()

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
    keep = [c for c in ROW_COLUMNS if c != "raw_hash"]
    keep += ["added_version_id", "changed_version_id", "revoked_version_id"]
    return json.dumps({key: row[key] for key in keep}, ensure_ascii=False)
