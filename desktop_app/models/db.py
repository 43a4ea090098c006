"""SQLite connections and schema migrations for the working data.

Each storage module (lists, records, audit, users) owns its tables and passes its ordered
list of migration scripts to `migrate`; the version of each aggregate is kept in
`schema_version`. The SQL stays plain so that the same statements can later run on
PostgreSQL, and no other module calls `sqlite3` directly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from desktop_app.errors import DamagedDatabaseError, DataError

# What a database engine raises when a file or server fails under a statement (a page that
# is damaged, a disk that fails): the CLI and the window report these in Chinese.
DATABASE_FAILURES: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)


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
    except sqlite3.DatabaseError as error:
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


def migrate(conn: sqlite3.Connection, aggregate: str, migrations: Sequence[str]) -> int:
    """Bring `aggregate`'s tables up to date; returns the schema version reached.

    `migrations[i]` takes the schema from version i to i+1. Each step runs in its own
    transaction together with the version bump, so a failed step leaves the previous version.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " aggregate TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    row = conn.execute(
        "SELECT version FROM schema_version WHERE aggregate = ?", (aggregate,)
    ).fetchone()
    current = row[0] if row else 0
    if current > len(migrations):
        raise DataError(
            f"数据库中“{aggregate}”的结构版本（{current}）比本程序支持的（{len(migrations)}）新，"
            "请升级信用核查台后再打开此数据目录。"
        )
    for version in range(current, len(migrations)):
        with conn:
            conn.executescript("BEGIN;" + migrations[version] + ";")
            conn.execute(
                "INSERT INTO schema_version (aggregate, version) VALUES (?, ?)"
                " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
                (aggregate, version + 1),
            )
    return len(migrations)


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
