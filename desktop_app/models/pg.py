"""The PostgreSQL side of the dialect seam (see `desktop_app.models.db` for the rules).

`PgConnection` wraps a psycopg 3 connection so that a storage module written for SQLite runs
on it unchanged: `?` placeholders, `execute`/`executemany`/`executescript`, rows readable by
index and by column name (`dict(row)` works), `in_transaction`, `commit`/`rollback`, and
`BEGIN IMMEDIATE` taking the office write lock. Migration scripts are translated by
`translate_ddl` (INTEGER PRIMARY KEY → identity column, INTEGER → BIGINT, BLOB → BYTEA,
REAL → DOUBLE PRECISION, TEXT compared byte by byte as in SQLite). Failures a person can meet
become the named errors of `desktop_app.errors`; a lost server never falls back to a local
database.

This module imports psycopg, so it is imported only when a database server is configured.
"""

from __future__ import annotations

import datetime
import itertools
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader

from desktop_app import APP_ID
from desktop_app.errors import (
    DatabaseAccessError,
    DatabaseBusyError,
    DatabaseServerError,
    DatabaseUnavailableError,
)

# pg_advisory_xact_lock key of the office write lock: every write transaction of the office
# database holds it (as SQLite's BEGIN IMMEDIATE holds the file's write lock), so record
# numbers and audit appends are allocated one transaction after another, never interleaved.
WRITE_LOCK_KEY = 0x78796863_6F666669  # "xyhcoffi"
# How long a write waits for that lock before giving up (another PC storing a large batch).
LOCK_TIMEOUT = "60s"
# A PC that stops talking inside a transaction (frozen, unplugged) loses it and the lock.
IDLE_IN_TRANSACTION_TIMEOUT = "120s"
# libpq settings unless the URL names its own: give up connecting after 10 s, notice a dead
# server or network within about half a minute instead of waiting for TCP's hours.
_CONNECT_DEFAULTS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "15",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "30000",
}
_STREAM_BATCH = 2000


class IntegrityError(sqlite3.IntegrityError):
    """A unique, foreign-key, not-null or check constraint refused a row on PostgreSQL. A
    subclass of sqlite3's, so that a store catching `db.IntegrityError` (sqlite3.IntegrityError)
    handles both engines."""


# -- translating SQL ---------------------------------------------------------------------------

_SEGMENT = re.compile(
    r"""('(?:[^']|'')*'?)"""  # a string literal
    r"""|("(?:[^"]|"")*"?)"""  # a quoted identifier
    r"""|(--[^\n]*)"""  # a line comment
    r"""|(/\*.*?(?:\*/|$))""",  # a block comment
    re.DOTALL,
)


def _split(sql: str) -> list[tuple[bool, str]]:
    """`sql` as (is_code, text) pieces: code outside literals, quoted names and comments."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _SEGMENT.finditer(sql):
        if match.start() > position:
            pieces.append((True, sql[position : match.start()]))
        pieces.append((False, match.group(0)))
        position = match.end()
    if position < len(sql):
        pieces.append((True, sql[position:]))
    return pieces


_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(\w+)\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_SQLITE_ONLY = re.compile(
    r"\b(PRAGMA|ATTACH|DETACH|VACUUM\s+INTO|sqlite_master|sqlite_schema|last_insert_rowid"
    r"|ifnull|group_concat|strftime|julianday|json_extract|GLOB)\b",
    re.IGNORECASE,
)


class NotPortableError(ValueError):
    """SQL that the dialect seam cannot run on PostgreSQL; the message names the rule."""


@lru_cache(maxsize=2048)
def translate_query(sql: str) -> str:
    """A statement with `?` placeholders as psycopg wants it: `%s`, and `%` doubled (psycopg
    reads `%` as the start of a placeholder everywhere, literals included).

    `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`; other SQLite
    spellings with no PostgreSQL twin raise `NotPortableError` naming the portable form.
    """
    pieces = _split(sql)
    code = " ".join(text for is_code, text in pieces if is_code)
    sqlite_only = _SQLITE_ONLY.search(code)
    if sqlite_only:
        raise NotPortableError(
            f"“{sqlite_only.group(0)}” is SQLite only; see the rules in desktop_app.models.db"
            f" (statement: {sql.strip()[:120]})"
        )
    on_conflict = ""
    insert_or = _INSERT_OR.match(sql)
    if insert_or:
        if insert_or.group(1).upper() != "IGNORE":
            raise NotPortableError(
                f"INSERT OR {insert_or.group(1).upper()} is SQLite only: write"
                " INSERT … ON CONFLICT (columns) DO UPDATE SET … (desktop_app.models.db)"
            )
        on_conflict = " ON CONFLICT DO NOTHING"
    out: list[str] = []
    for is_code, text in pieces:
        text = text.replace("%", "%%")
        out.append(text.replace("?", "%s") if is_code else text)
    translated = "".join(out)
    if insert_or:
        translated = _INSERT_OR.sub("INSERT INTO", translated, count=1)
        returning = _last_code_match(_split(translated), _RETURNING)
        if returning is None:
            translated = translated.rstrip().rstrip(";") + on_conflict
        else:
            translated = (
                translated[:returning] + on_conflict.lstrip() + " " + translated[returning:]
            )
    return translated


def _last_code_match(pieces: list[tuple[bool, str]], pattern: re.Pattern[str]) -> int | None:
    """Offset in the joined text of `pattern`'s last match outside literals, or None."""
    found, offset = None, 0
    for is_code, text in pieces:
        if is_code:
            for match in pattern.finditer(text):
                found = offset + match.start()
        offset += len(text)
    return found


_DDL_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"\bINTEGER\s+PRIMARY\s+KEY(?:\s+AUTOINCREMENT)?\b", re.IGNORECASE),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
    (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"),
    (re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE), ""),
    # Text compares byte by byte (code point order), as SQLite's BINARY collation, whatever
    # the server's locale; `CAST(x AS TEXT)` stays as it is.
    (
        re.compile(r"(\bAS\s+)?\bTEXT\b", re.IGNORECASE),
        lambda m: m.group(0) if m.group(1) else 'TEXT COLLATE "C"',
    ),
)


def translate_ddl(script: str) -> str:
    """A migration script in SQLite's spelling as PostgreSQL runs it (see the module doc)."""
    out = []
    for is_code, text in _split(script):
        if is_code:
            if re.search(r"\b(PRAGMA|COLLATE\s+NOCASE|STRICT)\b", text, re.IGNORECASE):
                raise NotPortableError(
                    "PRAGMA, COLLATE NOCASE and STRICT tables are SQLite only"
                    " (desktop_app.models.db)"
                )
            for pattern, replacement in _DDL_RULES:
                text = pattern.sub(replacement, text)  # type: ignore[arg-type]
        out.append(text)
    return "".join(out)


def _param(value: Any) -> Any:
    """A parameter as SQLite would have stored it: booleans as 0/1, dates as ISO text."""
    if value is True or value is False:
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _params(params: Sequence[Any] | None) -> tuple[Any, ...]:
    if params is None:
        return ()
    if isinstance(params, dict):
        raise NotPortableError("named parameters are SQLite only: use ? placeholders")
    return tuple(_param(value) for value in params)


# -- rows --------------------------------------------------------------------------------------


class Row(tuple):
    """A result row as sqlite3.Row reads: `row[0]`, `row["name"]`, `row.keys()`, `dict(row)`,
    unpacking; compares as a tuple."""

    __slots__ = ()
    _keys: tuple[str, ...] = ()
    _index: dict[str, int] = {}  # noqa: RUF012 - replaced per column set

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._index[key])
            except KeyError:
                lowered = key.lower()
                if lowered in self._index:
                    return tuple.__getitem__(self, self._index[lowered])
                raise IndexError(f"No item with that key: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._keys)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    index = {name: position for position, name in enumerate(names)}
    return type("Row", (Row,), {"__slots__": (), "_keys": names, "_index": index})


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    description = cursor.description
    if description is None:
        return tuple
    row_class = _row_class(tuple(column.name for column in description))
    return row_class


class _NumericLoader(Loader):
    """numeric (what sum() and avg() of integers give on PostgreSQL) as int or float, as
    SQLite returns them, instead of Decimal."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode("ascii")
        if "." in text or "e" in text.lower() or "n" in text.lower():
            return float(text)
        return int(text)


# -- the connection ----------------------------------------------------------------------------


def server_label(url: str) -> str:
    """`host:port/database` of a URL, for messages (never a user or password)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    host = parts.hostname or query.get("host") or "localhost"
    port = parts.port or query.get("port") or 5432
    database = parts.path.lstrip("/") or query.get("dbname") or ""
    return f"{host}:{port}/{database}"


# libpq's words for a lost or refused connection, in the message a clerk reads.
_REASONS = (
    ("terminating connection due to administrator command", "服务器已关闭或重启"),
    ("server closed the connection unexpectedly", "连接被意外断开"),
    ("connection refused", "服务器没有响应连接，数据库服务可能没有运行"),
    ("no such file or directory", "服务器没有响应连接，数据库服务可能没有运行"),
    ("timeout expired", "连接超时"),
    ("timed out", "连接超时"),
    ("could not translate host name", "找不到服务器名称"),
    ("name or service not known", "找不到服务器名称"),
    ("no route to host", "网络不通"),
    ("network is unreachable", "网络不通"),
    ("connection reset", "连接被重置"),
    ("ssl", "加密连接失败"),
)


def _reason(error: BaseException) -> str:
    """A short Chinese reason for a connection failure (libpq's own words otherwise)."""
    text = str(error).strip()
    lowered = text.lower()
    for phrase, reason in _REASONS:
        if phrase in lowered:
            return reason
    first = text.splitlines()[0] if text else type(error).__name__
    return first[:160]


def _is_access_refused(error: psycopg.Error) -> bool:
    text = str(error).lower()
    return any(
        phrase in text
        for phrase in (
            "authentication failed",
            "password",
            "no pg_hba.conf entry",
            "does not exist",
            "permission denied",
            "role",
        )
    )


class PgCursor:
    """A psycopg cursor as a sqlite3 cursor reads (fetchone/fetchall/fetchmany/iteration)."""

    def __init__(self, connection: PgConnection, cursor: Any) -> None:
        self._connection = connection
        self._cursor = cursor

    def _rows_or_none(self) -> bool:
        return self._cursor.description is not None

    def fetchone(self) -> Any:
        if not self._rows_or_none():
            return None
        return self._connection._guard(self._cursor.fetchone)

    def fetchall(self) -> list[Any]:
        if not self._rows_or_none():
            return []
        return self._connection._guard(self._cursor.fetchall)

    def fetchmany(self, size: int = 1) -> list[Any]:
        if not self._rows_or_none():
            return []
        return self._connection._guard(lambda: self._cursor.fetchmany(size))

    def __iter__(self) -> Iterator[Any]:
        if not self._rows_or_none():
            return iter(())
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def lastrowid(self) -> Any:
        raise NotPortableError("lastrowid is SQLite only: use INSERT … RETURNING id")

    def close(self) -> None:
        self._cursor.close()


class PgConnection:
    """A PostgreSQL connection with the surface of sqlite3.Connection the stores use.

    In autocommit mode between transactions, as OfficeDatabase runs SQLite (isolation_level
    None): a statement outside `BEGIN … COMMIT` commits on its own. `apply_migrations` says
    whether `db.migrate` may change the schema (only `office migrate` does) or only checks
    that it is the program's.
    """

    dialect = "postgresql"

    def __init__(
        self, url: str, *, password: str | None = None, apply_migrations: bool = False
    ) -> None:
        self.url = url
        self.server = server_label(url)
        self.apply_migrations = apply_migrations
        self.schema_versions: dict[str, int] | None = None  # cache for db.migrate
        self._password = password
        self._tx_open = False
        self._raw: Any = None
        self._connect()

    # connection management --------------------------------------------------------------

    def _connect(self) -> None:
        query = dict(parse_qsl(urlsplit(self.url).query))
        extra = {key: value for key, value in _CONNECT_DEFAULTS.items() if key not in query}
        if self._password is not None:
            extra["password"] = self._password
        try:
            raw = psycopg.connect(
                self.url,
                autocommit=True,
                row_factory=_row_factory,
                application_name=APP_ID,
                **extra,
            )
        except psycopg.OperationalError as error:
            if _is_access_refused(error):
                raise DatabaseAccessError(
                    f"数据库服务器 {self.server} 拒绝了连接（{_reason(error)}）。请信息科核对"
                    "本机配置中的 database_url（用户名、数据库名）与 database_password_file，"
                    "以及服务器的 pg_hba.conf。",
                    server=self.server,
                ) from error
            raise DatabaseUnavailableError.lost(self.server, _reason(error)) from error
        raw.adapters.register_loader("numeric", _NumericLoader)
        raw.execute(
            f"SET lock_timeout = '{LOCK_TIMEOUT}';"
            f" SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
        )
        self._raw = raw

    @property
    def broken(self) -> bool:
        return self._raw is None or self._raw.closed or self._raw.broken

    def _ready(self) -> Any:
        """The live psycopg connection; reconnects after a lost one unless a transaction was
        open on it (its caller must see the failure and roll back first)."""
        if self.broken:
            if self._tx_open:
                raise DatabaseUnavailableError.lost(self.server, "连接已中断", what="本次操作")
            self._connect()
        return self._raw

    def _failure(self, error: psycopg.Error) -> Exception:
        """The named error (desktop_app.errors) for a psycopg error."""
        if isinstance(error, pg_errors.IntegrityError):
            mapped: Exception = IntegrityError(str(error))
        elif isinstance(error, pg_errors.InsufficientPrivilege):
            mapped = DatabaseAccessError(
                f"数据库服务器 {self.server} 拒绝了本程序的操作（{_reason(error)}）："
                "本程序所用的数据库角色没有这项权限，没有写入任何内容。请信息科按 README 的"
                "“One office database for several PCs”一节检查授权"
                "（office grants），或用 office migrate 升级数据库结构。",
                server=self.server,
            )
        elif isinstance(error, pg_errors.LockNotAvailable):
            mapped = DatabaseBusyError.lost(self.server, f"等待超过 {LOCK_TIMEOUT}")
        elif self.broken:
            mapped = DatabaseUnavailableError.lost(self.server, _reason(error), what="本次操作")
        else:
            mapped = DatabaseServerError(
                f"数据库服务器 {self.server} 执行时出错（{_reason(error)}），本次操作没有完成，"
                "没有保存任何内容。请联系信息科检查服务器（office migrate、服务器日志）。",
                server=self.server,
                sqlstate=getattr(error, "sqlstate", None),
            )
        mapped.__cause__ = error
        return mapped

    def _guard(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except psycopg.Error as error:
            raise self._failure(error) from error

    # sqlite3.Connection's surface ---------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self._tx_open

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> PgCursor:
        keyword = sql.lstrip()[:10].upper()
        if keyword.startswith(("BEGIN", "COMMIT", "END", "ROLLBACK")) and not keyword.startswith(
            "ROLLBACK T"
        ):
            return self._transaction_statement(sql)
        raw = self._ready()
        cursor = raw.cursor()
        try:
            cursor.execute(translate_query(sql), _params(params))
        except pg_errors.InFailedSqlTransaction as error:
            raise NotPortableError(
                "a statement failed earlier in this transaction and PostgreSQL refuses every"
                " later one: do not catch database errors to go on inside a transaction (use"
                " INSERT … ON CONFLICT instead; desktop_app.models.db)"
            ) from error
        except psycopg.Error as error:
            raise self._failure(error) from error
        return PgCursor(self, cursor)

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> PgCursor:
        raw = self._ready()
        cursor = raw.cursor()
        try:
            cursor.executemany(translate_query(sql), [_params(p) for p in seq_of_params])
        except psycopg.Error as error:
            raise self._failure(error) from error
        return PgCursor(self, cursor)

    def executescript(self, script: str) -> None:
        """Run several statements (a migration script, already in SQLite's spelling)."""
        raw = self._ready()
        try:
            raw.execute(translate_ddl(script))
        except psycopg.Error as error:
            raise self._failure(error) from error

    def stream(
        self, sql: str, params: Sequence[Any] = (), size: int = _STREAM_BATCH
    ) -> Iterator[Any]:
        """Rows of a large result, fetched from a server-side cursor `size` at a time."""
        raw = self._ready()
        name = f"stream_{id(self)}_{next(_cursor_numbers)}"
        cursor = raw.cursor(name=name, withhold=not self._tx_open)
        try:
            self._guard(lambda: cursor.execute(translate_query(sql), _params(params)))
            while True:
                rows = self._guard(lambda: cursor.fetchmany(size))
                if not rows:
                    break
                yield from rows
        finally:
            if not self.broken:
                cursor.close()

    def _transaction_statement(self, sql: str) -> PgCursor:
        words = sql.upper().split()
        if words[0] == "BEGIN":
            self.begin(write=len(words) > 1 and words[1] in ("IMMEDIATE", "EXCLUSIVE"))
        elif words[0] in ("COMMIT", "END"):
            self.commit()
        else:
            self.rollback()
        return PgCursor(self, self._raw.cursor())

    def begin(self, *, write: bool = False, snapshot: bool = False) -> None:
        """Open a transaction; `write` takes the office write lock first (SQLite's BEGIN
        IMMEDIATE), `snapshot` reads one consistent state (REPEATABLE READ, read-only)."""
        raw = self._ready()
        if snapshot:
            statement = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        elif write:
            statement = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
        else:
            statement = "BEGIN"
        self._tx_open = True
        try:
            raw.execute(statement)
        except psycopg.Error as error:
            self._tx_open = False
            if not self.broken:
                raw.execute("ROLLBACK")
            raise self._failure(error) from error

    def commit(self) -> None:
        if not self._tx_open:
            return
        try:
            self._raw.execute("COMMIT")
        except psycopg.Error as error:
            self._tx_open = False
            failure = self._failure(error)
            if isinstance(failure, DatabaseUnavailableError):
                # The server may have committed before the connection broke.
                raise DatabaseUnavailableError.lost(
                    self.server, failure.reason, unknown=True
                ) from error
            raise failure from error
        self._tx_open = False

    def rollback(self) -> None:
        was_open, self._tx_open = self._tx_open, False
        if not was_open or self.broken:
            return  # a broken connection's transaction died with it on the server
        try:
            self._raw.execute("ROLLBACK")
        except psycopg.Error as error:
            if not self.broken:
                raise self._failure(error) from error

    def close(self) -> None:
        if self._raw is not None and not self._raw.closed:
            self._raw.close()
        self._tx_open = False

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    # for the seam's own helpers ------------------------------------------------------------

    def current_user_is_superuser(self) -> bool:
        row = self.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(row.fetchone()[0])

    def table_names(self) -> list[str]:
        """The tables of the schema the connection works in, in name order."""
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            " ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]


_cursor_numbers = itertools.count(1)
