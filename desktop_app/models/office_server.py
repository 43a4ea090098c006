"""What only an office database on a server has: the program's role and its rights, and
moving an office.db onto the server.

The program connects with a role that may read every office table and insert into all of
them, but may not update or delete the rows of the append-only tables (check records, the
audit log: `db.migrate(..., append_only=…)`); the other tables (users, record numbering,
the audit head) it may also change. `grant_statements` writes the GRANTs for the schema as
it stands (every store that has joined included), `privilege_problems` checks a connection's
role against them.

`copy_office` copies every table of a (migrated) office.db into the server's office database
inside the caller's transaction, after `join_mode` has decided whether that can be done
without rewriting history: into an empty database, or onto one whose audit chain is an
earlier state of the same chain (the same entries, fewer of them).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from desktop_app.errors import MergeRefusedError, UsageError
from desktop_app.models import db
from desktop_app.models.audit_store import AuditStore
from desktop_app.models.pg import PgConnection

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_BATCH = 1000
# Tables that are the schema's bookkeeping, not office data.
_BOOKKEEPING = ("schema_version",)


def _identifier(name: str) -> str:
    """A table or schema name as it may go into a statement (lower-case, unquoted)."""
    if not _ROLE.fullmatch(name):
        raise ValueError(f"unexpected name in the office schema: {name!r}")
    return name


def append_only_tables() -> set[str]:
    """The tables whose rows are never updated or deleted (every store that has migrated)."""
    return {table for _, tables in db.AGGREGATES.values() for table in tables}


def grant_statements(conn: PgConnection, role: str) -> list[str]:
    """The GRANT statements that give `role` what the program needs and nothing more, for
    the tables of the connection's schema as they are now."""
    if not _ROLE.fullmatch(role):
        raise UsageError(
            f"角色名“{role}”不可用：请用小写字母、数字和下划线（以字母开头），例如 xyhc_app。"
        )
    schema = _identifier(conn.execute("SELECT current_schema()").fetchone()[0])
    tables = [_identifier(t) for t in conn.table_names()]
    append_only = sorted(t for t in tables if t in append_only_tables())
    changing = sorted(t for t in tables if t not in append_only and t not in _BOOKKEEPING)
    statements = [f"GRANT USAGE ON SCHEMA {schema} TO {role};"]
    statements += [f"GRANT SELECT ON {t} TO {role};" for t in tables if t in _BOOKKEEPING]
    if append_only:
        names = ", ".join(append_only)
        statements += [
            f"GRANT SELECT, INSERT ON {names} TO {role};",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {names} FROM {role};",
        ]
    if changing:
        names = ", ".join(changing)
        statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {names} TO {role};")
    return statements


@dataclass(frozen=True)
class PrivilegeReport:
    """What the connection's role may do, against what the program needs."""

    role: str
    superuser: bool
    missing: list[str]  # "table: PRIVILEGE" the program needs and lacks
    excess: list[str]  # "table: PRIVILEGE" on append-only tables it must not have

    @property
    def ok(self) -> bool:
        return not self.superuser and not self.missing and not self.excess


def privilege_report(conn: PgConnection) -> PrivilegeReport:
    """Check the connection's role table by table (see the module doc)."""
    role, schema = conn.execute("SELECT current_user, current_schema()").fetchone()
    append_only = append_only_tables()
    missing, excess = [], []
    for table in conn.table_names():
        qualified = f"{_identifier(schema)}.{_identifier(table)}"
        needed = ["SELECT"]
        forbidden: list[str] = []
        if table in append_only:
            needed.append("INSERT")
            forbidden = ["UPDATE", "DELETE", "TRUNCATE"]
        elif table not in _BOOKKEEPING:
            needed += ["INSERT", "UPDATE"]
        for privilege in needed + forbidden:
            has = conn.execute(
                "SELECT has_table_privilege(current_user, ?, ?)", (qualified, privilege)
            ).fetchone()[0]
            if privilege in needed and not has:
                missing.append(f"{table}: {privilege}")
            if privilege in forbidden and has:
                excess.append(f"{table}: {privilege}")
    return PrivilegeReport(role, conn.current_user_is_superuser(), missing, excess)


# -- moving an office.db onto the server ---------------------------------------------------------


@dataclass(frozen=True)
class JoinPlan:
    """How a source chain meets the server's: `empty` (nothing there yet), `extend` (the
    server holds the first `server_entries` entries of the same chain) or `same`."""

    mode: str
    server_entries: int
    source_entries: int


def _counts(conn: db.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f"SELECT count(*) FROM {_identifier(table)}").fetchone()[0])
        for table in db.table_names(conn)
        if table not in _BOOKKEEPING
    }


def join_mode(source: sqlite3.Connection, target: PgConnection) -> JoinPlan:
    """How the source's audit chain can join the server's without rewriting history; raises
    `MergeRefusedError` when it cannot (another chain, or a server that went further)."""
    source_audit, target_audit = AuditStore(source), AuditStore(target)
    source_entries = source_audit.count()
    counts = _counts(target)
    data_rows = sum(n for table, n in counts.items() if table != "audit_head")
    if data_rows == 0:
        return JoinPlan("empty", 0, source_entries)
    server_entries = counts.get("audit_log", 0)
    first = target_audit.entry_at(1)
    source_first = source_audit.entry_at(1)
    if first is None or source_first is None or first.entry_hash != source_first.entry_hash:
        raise MergeRefusedError(
            "数据库服务器上的办公数据库不是空的，且其中的审计日志与要迁移的 office.db 不是"
            "同一条链（第 1 条不同）：合并两条链就要改写其中一条的历史，因此没有复制任何内容。"
            "每个审计日志只能迁入一个新建的空数据库；另一台电脑的 office.db 请保留原样存档"
            "（backup create），或为它另建一个数据库。",
            server_entries=server_entries,
            source_entries=source_entries,
        )
    chain = "SELECT seq, entry_hash FROM audit_log ORDER BY seq"
    with (
        closing(db.stream(target, chain)) as on_server,
        closing(db.stream(source, chain)) as in_source,
    ):
        position = _first_difference(on_server, in_source)
    if position is not None:
        raise MergeRefusedError(
            f"数据库服务器上的审计日志与要迁移的 office.db 从第 {position} 条起不同"
            "（两边在分开之后都有新的记录）：合并就要改写历史，因此没有复制任何内容。"
            "请先查明两边为何分开（例如迁移之后还有电脑在用本机的 office.db）。",
            server_entries=server_entries,
            source_entries=source_entries,
            first_difference=position,
        )
    if server_entries > source_entries:
        raise MergeRefusedError(
            f"数据库服务器上的审计日志（{server_entries} 条）比要迁移的 office.db"
            f"（{source_entries} 条）更长：服务器已经在这条链上继续工作，office.db 是较早的"
            "状态，没有可迁入的内容，没有复制任何内容。",
            server_entries=server_entries,
            source_entries=source_entries,
        )
    mode = "same" if server_entries == source_entries else "extend"
    return JoinPlan(mode, server_entries, source_entries)


def _first_difference(server: Iterator[Any], source: Iterator[Any]) -> int | None:
    """The first position where the server's (seq, hash) pairs differ from the source's
    (None when the shorter is a prefix of the longer)."""
    for position, (on_server, in_source) in enumerate(zip(server, source, strict=False), 1):
        if tuple(on_server) != tuple(in_source) or on_server[0] != position:
            return position
    return None


def copy_office(
    source: sqlite3.Connection,
    target: PgConnection,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Copy every office table of `source` into `target` inside the caller's transaction;
    returns the rows written per table. Rows the server has already (the same primary key)
    are kept in append-only tables and replaced by the source's in the others; identity
    sequences continue after the copied ids."""
    target_tables = set(target.table_names())
    append_only = append_only_tables()
    copied: dict[str, int] = {}
    for table in db.table_names(source):
        if table in _BOOKKEEPING:
            continue
        if table not in target_tables:
            raise MergeRefusedError(
                f"office.db 中有数据库服务器上没有的表“{table}”：它来自更新版本的程序，"
                "或不是本程序的表。没有复制任何内容。"
            )
        columns = db.columns(source, table)
        server_columns = {name for name, _ in db.columns(target, table)}
        if {name for name, _ in columns} != server_columns:
            raise MergeRefusedError(
                f"office.db 与数据库服务器上表“{table}”的列不同，没有复制任何内容。"
                "请确认两边是同一版本的程序（office migrate）。"
            )
        names = [name for name, _ in columns]
        keys = [name for name, key in columns if key]
        total = int(source.execute(f"SELECT count(*) FROM {_identifier(table)}").fetchone()[0])
        statement = (
            f"INSERT INTO {_identifier(table)} ({', '.join(names)})"
            f" VALUES ({', '.join('?' for _ in names)})"
        )
        if keys:
            others = [name for name in names if name not in keys]
            if table in append_only or not others:
                statement += f" ON CONFLICT ({', '.join(keys)}) DO NOTHING"
            else:
                updates = ", ".join(f"{name} = excluded.{name}" for name in others)
                statement += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        done = 0
        rows = source.execute(f"SELECT {', '.join(names)} FROM {_identifier(table)}")
        while True:
            batch = rows.fetchmany(_BATCH)
            if not batch:
                break
            target.executemany(statement, [tuple(row) for row in batch])
            done += len(batch)
            if progress:
                progress(table, done, total)
        if progress and total == 0:
            progress(table, 0, 0)
        copied[table] = done
        for column in db.identity_columns(target, table):
            target.execute(
                f"SELECT setval(pg_get_serial_sequence(?, ?),"
                f" coalesce(max({_identifier(column)}), 0) + 1, false) FROM {_identifier(table)}",
                (table, column),
            )
    return copied
