"""The dialect seam: connections and schema migrations of the working data, on SQLite (the
default: a file in the data folder) or PostgreSQL (the office data on a shared server).

Each storage module (lists, records, audit, users, …) owns its tables and passes its ordered
list of migration scripts to `migrate`; the version of each aggregate is kept in
`schema_version`. A store receives a connection and never knows which engine is behind it:
SQLite's own `sqlite3.Connection`, or a `desktop_app.models.pg.PgConnection` that offers the
same surface and translates. No other module calls `sqlite3` or `psycopg` directly.

Rules for store authors (one module per aggregate under desktop_app/models/, joined in
office_db.py; the same SQL runs on both engines, tested on both by tests/test_pg_*.py and the
office tests' `office_engine` fixture):

- **Placeholders** `?` only (no `:name`, no `?1`); `%` may appear anywhere. Bind str, int,
  float, bytes or None; True/False are stored as 1/0 and datetimes as ISO text, as SQLite
  does. Bind what the column holds: PostgreSQL refuses `text_column = 5`.
- **Schema** only in the store's `MIGRATIONS`, run by `migrate(conn, "aggregate",
  MIGRATIONS)`; never edit a released step, add one. Types: `INTEGER` (64-bit on both),
  `TEXT` (compared byte by byte on both), `REAL`, `BLOB` (BYTEA on PostgreSQL). An
  `INTEGER PRIMARY KEY` the database fills in is an identity column on PostgreSQL. No
  PRAGMA, `COLLATE NOCASE`, `WITHOUT ROWID`, `STRICT`, triggers or views in a store.
  Tables whose rows must never change (history: records, the audit log) are named in
  `migrate(..., append_only=("table",))`: the program's database role may only read and
  insert them (`office grants`).
- **New ids**: `INSERT … RETURNING id`, never `cursor.lastrowid`. **Upserts**: `INSERT …
  ON CONFLICT (columns) DO UPDATE SET c = excluded.c` or `DO NOTHING` (`INSERT OR IGNORE` is
  translated; `INSERT OR REPLACE` / `REPLACE INTO` are refused).
- **Functions**: `coalesce` (not ifnull), `CASE` (not two-argument max/min), no
  group_concat, strftime, date('now'), json_extract or GLOB: pass times from Python as ISO
  text, keep JSON as TEXT and copy what you filter on into columns, join lists in Python.
  `LIKE` is case-sensitive on PostgreSQL and not on SQLite for ASCII: compare normalised
  columns. Flags: `WHERE flag = 1`, never a bare `WHERE flag`. Every selected column of a
  GROUP BY query is grouped or aggregated. Strings in single quotes (double quotes name
  columns). Say `NULLS FIRST`/`NULLS LAST` when NULLs are sorted. Do not name a column
  `user`, `order`, `limit` or another PostgreSQL reserved word. Alias computed columns
  (`count(*) AS n`) when reading them by name.
- **Transactions**: writes that belong together run inside `OfficeDatabase.transaction()`
  (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and the office write lock, so numbering and
  audit appends are serial on both); a store never commits. A failed statement ends a
  PostgreSQL transaction: do not catch a database error to carry on inside one (use ON
  CONFLICT). A unique or foreign-key violation is `IntegrityError` (below) on both engines.
- **Round trips**: on a server every statement is one, and a write transaction holds the
  office write lock that every other PC waits for: write many rows with one `executemany`
  and look many keys up with `IN (…)` in pieces of a few hundred (`RecordsStore.insert_many`,
  `AuditStore.append_many`, `ExclusionsStore.excluded_for_many`), not a statement per row
  of a batch.
- **Rows** read as sqlite3.Row: `row[0]`, `row["column"]`, `dict(row)`, unpacking; use
  `stream(conn, sql, params)` to walk a result too large for memory; `cursor.rowcount`
  and `executemany` work on both.
- A server that cannot be reached is `DatabaseUnavailableError` from any statement: the
  transaction is gone and nothing is stored locally instead. Never fall back to SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from desktop_app.errors import DamagedDatabaseError, DataError, SchemaVersionError

if TYPE_CHECKING:
    from desktop_app.models.pg import PgConnection

Connection: TypeAlias = "sqlite3.Connection | PgConnection"
# What a database engine raises when a file or server fails under a statement (a page that
# is damaged, a disk that fails): the CLI and the window report these in Chinese. (The
# PostgreSQL side raises named errors of desktop_app.errors instead.)
DATABASE_FAILURES: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)
# What a store catches for a unique, foreign-key or not-null violation on either engine (the
# PostgreSQL side raises a subclass of it).
IntegrityError = sqlite3.IntegrityError
# Every aggregate whose store has migrated in this process: its schema version and the
# tables whose rows are never updated or deleted (see `migrate`).
AGGREGATES: dict[str, tuple[int, tuple[str, ...]]] = {}


def dialect(conn: Connection) -> str:
    """`sqlite` or `postgresql`."""
    return getattr(conn, "dialect", "sqlite")


def connect_server(
    url: str, *, password: str | None = None, apply_migrations: bool = False
) -> PgConnection:
    """A connection to the office database on a PostgreSQL server (`postgresql://…`).

    `apply_migrations`: `migrate` may change the schema (`office migrate`); otherwise it only
    checks that the server's schema is this program's. Raises `DatabaseUnavailableError`
    when the server cannot be reached and `DatabaseAccessError` when it refuses the login.
    """
    from desktop_app.models.pg import PgConnection

    return PgConnection(url, password=password, apply_migrations=apply_migrations)


def stream(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
    """The rows of a large result one by one, without holding them all in memory."""
    if dialect(conn) == "postgresql":
        yield from conn.stream(sql, params)  # type: ignore[union-attr]
    else:
        yield from conn.execute(sql, params)


def versioned_body(
    conn: Connection, table: str, key_column: str, key: str, version: int | None
) -> dict[str, Any] | None:
    """The JSON `body` of one version of a versioned document (the latest when `version` is
    None) in a table keyed by (`key_column`, version): check records, batch records.
    `table` and `key_column` are the storage module's own names, never user input."""
    if version is None:
        row = conn.execute(
            f"SELECT body FROM {table} WHERE {key_column} = ? ORDER BY version DESC LIMIT 1",
            (key,),
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT body FROM {table} WHERE {key_column} = ? AND version = ?", (key, version)
        ).fetchone()
    return json.loads(row[0]) if row else None


def version_summaries(
    conn: Connection, table: str, key_column: str, key: str, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """The summary columns `fields` of every version of a versioned document, oldest first."""
    rows = conn.execute(
        f"SELECT {key_column}, version, {', '.join(fields)} FROM {table}"
        f" WHERE {key_column} = ? ORDER BY version",
        (key,),
    ).fetchall()
    return [dict(r) for r in rows]


def table_names(conn: Connection) -> list[str]:
    """The tables of the working database (not SQLite's own), in name order."""
    if dialect(conn) == "postgresql":
        return conn.table_names()  # type: ignore[union-attr]
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows]


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a working database in WAL mode with foreign keys and a generous busy timeout.

    A file SQLite cannot read (damaged, truncated, not a database) is `DamagedDatabaseError`
    with a message that says what to do, never a traceback.
    """
    if readonly:
        conn = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True, timeout=30)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
    try:
        # The first statements read the file's header: a damaged file fails here.
        conn.execute("PRAGMA schema_version").fetchone()
        if not readonly:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
    # A damaged page of the schema (sqlite_master grows past the first page as stores add
    # tables) can also come back as text that is not UTF-8.
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        conn.close()
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            raise
        raise DamagedDatabaseError(path) from error
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def connect_empty() -> sqlite3.Connection:
    """An empty working database in memory, for reading a data folder that has none yet:
    the store's migrations give it the schema, then `refuse_writes` locks it."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def refuse_writes(conn: sqlite3.Connection) -> None:
    """Make every later write fail loudly (a command meant only to read must not lose data
    it wrote into a database that stands in for a missing file)."""
    conn.execute("PRAGMA query_only = ON")


def columns(conn: Connection, table: str) -> list[tuple[str, bool]]:
    """(name, is part of the primary key) of each column of `table`, in table order."""
    if dialect(conn) == "postgresql":
        rows = conn.execute(
            "SELECT c.column_name, EXISTS (SELECT 1"
            "  FROM information_schema.table_constraints t"
            "  JOIN information_schema.key_column_usage k"
            "    ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema"
            "  WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema"
            "    AND t.table_name = c.table_name AND k.column_name = c.column_name)"
            " FROM information_schema.columns c"
            " WHERE c.table_schema = current_schema() AND c.table_name = ?"
            " ORDER BY c.ordinal_position",
            (table,),
        ).fetchall()
        return [(row[0], bool(row[1])) for row in rows]
    rows = conn.execute("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (table,))
    return [(row[0], row[1] > 0) for row in rows.fetchall()]


def identity_columns(conn: Connection, table: str) -> list[str]:
    """The columns of `table` that the server fills in (PostgreSQL identity columns)."""
    if dialect(conn) != "postgresql":
        return []
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'",
        (table,),
    ).fetchall()
    return [row[0] for row in rows]


def migrate(
    conn: Connection,
    aggregate: str,
    migrations: Sequence[str],
    *,
    append_only: Sequence[str] = (),
) -> int:
    """Bring `aggregate`'s tables up to date; returns the schema version reached.

    `migrations[i]` takes the schema from version i to i+1. Each step runs in its own
    transaction together with the version bump, so a failed step leaves the previous version.
    A schema newer than `migrations` is refused (an older program must not write into it).
    On a server connection not opened for `office migrate`, nothing is changed: a schema
    that is not exactly this program's is `SchemaVersionError`. `append_only` names the
    tables whose rows are never updated or deleted (the program's role only inserts them).
    """
    AGGREGATES[aggregate] = (len(migrations), tuple(append_only))
    if dialect(conn) == "postgresql":
        return _migrate_server(conn, aggregate, migrations)  # type: ignore[arg-type]
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " aggregate TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    row = conn.execute(
        "SELECT version FROM schema_version WHERE aggregate = ?", (aggregate,)
    ).fetchone()
    current = row[0] if row else 0
    _refuse_newer(aggregate, current, len(migrations))
    for version in range(current, len(migrations)):
        with conn:
            conn.executescript("BEGIN;" + migrations[version] + ";")
            conn.execute(
                "INSERT INTO schema_version (aggregate, version) VALUES (?, ?)"
                " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
                (aggregate, version + 1),
            )
    return len(migrations)


def _refuse_newer(
    aggregate: str, current: int, known: int, where: str = "数据库", what: str = "此数据目录"
) -> None:
    if current > known:
        raise SchemaVersionError(
            f"{where}中“{aggregate}”的结构版本（{current}）比本程序支持的（{known}）新，"
            f"请升级信用核查台后再打开{what}。",
            aggregate=aggregate,
            version=current,
            supported=known,
        )


def schema_versions(conn: Connection) -> dict[str, int] | None:
    """Every aggregate's schema version in the database (None when it has no schema yet)."""
    if "schema_version" not in table_names(conn):
        return None
    rows = conn.execute("SELECT aggregate, version FROM schema_version").fetchall()
    return {row[0]: row[1] for row in rows}


def _migrate_server(conn: PgConnection, aggregate: str, migrations: Sequence[str]) -> int:
    where = f"数据库服务器 {conn.server} 上的办公数据库"
    if conn.schema_versions is None:
        conn.schema_versions = schema_versions(conn) or {}
    current = conn.schema_versions.get(aggregate, 0)
    _refuse_newer(aggregate, current, len(migrations), where, "它")
    if current == len(migrations):
        return current
    if not conn.apply_migrations:
        what = (
            "尚未建立"
            if current == 0
            else f"结构版本（{current}）比本程序的（{len(migrations)}）旧"
        )
        raise SchemaVersionError(
            f"{where}中“{aggregate}”{what}。请信息科用数据库的所有者账户运行"
            f" office migrate --to {server_url_without_secrets(conn.url)}（见 README 信息科一节），"
            "然后重新启动本程序。",
            aggregate=aggregate,
            version=current,
            supported=len(migrations),
        )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        ' aggregate TEXT COLLATE "C" PRIMARY KEY, version BIGINT NOT NULL)'
    )
    for version in range(current, len(migrations)):
        conn.begin(write=True)
        try:
            row = conn.execute(
                "SELECT version FROM schema_version WHERE aggregate = ?", (aggregate,)
            ).fetchone()
            if (row[0] if row else 0) != version:
                raise SchemaVersionError(
                    f"{where}中“{aggregate}”的结构正被另一处同时升级，"
                    "请稍后重新运行 office migrate。"
                )
            conn.executescript(migrations[version])
            conn.execute(
                "INSERT INTO schema_version (aggregate, version) VALUES (?, ?)"
                " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
                (aggregate, version + 1),
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        conn.schema_versions[aggregate] = version + 1
    return len(migrations)


def server_url_without_secrets(url: str) -> str:
    """`url` as it may be printed: without a password, should one have been written in it."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + host))


def schema_version_of(path: Path | str, aggregate: str) -> int | None:
    """The schema version of `aggregate` in the database at `path` without changing it (None
    when the file or its version is missing)."""
    if not Path(path).exists():
        return None
    conn = connect(path, readonly=True)
    try:
        row = conn.execute(
            "SELECT version FROM schema_version WHERE aggregate = ?", (aggregate,)
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def is_sqlite_file(path: Path | str) -> bool:
    """True when `path` starts with SQLite's file header (whatever its name ends with)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def backup_to(source: Path | str, destination: Path | str) -> None:
    """Copy a working database consistently, while other processes may be writing to it.

    Uses SQLite's online backup API (a snapshot at one transaction boundary, WAL included), so
    the copy is a single self-contained file with no `-wal`/`-shm` companions. The copy is
    checked with `PRAGMA integrity_check` before this returns.
    """
    src = sqlite3.connect(f"file:{Path(source).as_posix()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(destination))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if problem != "ok":
        raise DataError(
            f"数据库 {Path(source).name} 的副本未通过完整性检查（{problem}），"
            "请先修复该数据库再备份。"
        )


def integrity_problem(path: Path | str) -> str | None:
    """None when the database at `path` passes `PRAGMA quick_check`, else SQLite's message."""
    try:
        conn = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True, timeout=30)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if result == "ok" else str(result)
