"""The office database as IT sees it: where it is, its schema (`office migrate`), the
program's role on a server (`office grants`, selftest) and moving an office.db onto a server
(`office migrate --from-sqlite DATA_DIR --to URL`).

A server's schema changes only here, run by IT with the database owner's rights: the
program on the PCs connects with a role that cannot change the schema (or alter records and
the audit log), and refuses a schema that is not exactly its own.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import DataError, UsageError
from desktop_app.models import db
from desktop_app.models.office_db import MOVED_MARKER, OfficeDatabase

if TYPE_CHECKING:
    from desktop_app.context import AppContext

# (table, rows done, rows in the table)
Progress = Callable[[str, int, int], None]


def _require_server_url(url: str) -> str:
    if not url.startswith(("postgresql://", "postgres://")):
        raise UsageError(
            f"“{url}”不是数据库服务器地址：应为 postgresql://用户@服务器:5432/数据库。"
        )
    return url


def where(ctx: AppContext) -> dict[str, Any]:
    """Where `ctx`'s office database is: `{"engine", "location"}` (never a password)."""
    url = ctx.database_url
    if url is None:
        return {"engine": "sqlite", "location": str(ctx.data_dir / "office.db")}
    from desktop_app.models.pg import server_label

    return {"engine": "postgresql", "location": server_label(url)}


def migrate_schema(
    ctx: AppContext, url: str | None = None, password: str | None = None
) -> dict[str, Any]:
    """Bring the office database's schema up to this program's: the server at `url`, else
    the one `ctx` uses (configured server or office.db). Refuses a newer schema. Returns
    `{"engine", "location", "before", "after"}` (schema version per aggregate)."""
    if url is not None:
        _require_server_url(url)
    target = url if url is not None else ctx.database_url
    if target is None:
        path = ctx.data_dir / "office.db"
        before = _sqlite_versions(path)
        OfficeDatabase.open(path).close()
        return {**where(ctx), "before": before, "after": _sqlite_versions(path)}
    if password is None and url is None:
        password = ctx.config.database_password()
    conn = db.connect_server(target, password=password, apply_migrations=True)
    try:
        before = db.schema_versions(conn) or {}
        OfficeDatabase(conn)
        after = db.schema_versions(conn) or {}
    finally:
        conn.close()
    from desktop_app.models.pg import server_label

    return {"engine": "postgresql", "location": server_label(target), "before": before,
            "after": after}  # fmt: skip


def _sqlite_versions(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    conn = db.connect(path, readonly=True)
    try:
        return db.schema_versions(conn) or {}
    finally:
        conn.close()


def grants(
    ctx: AppContext, role: str, url: str | None = None, password: str | None = None,
    *, apply: bool = False,
) -> list[str]:  # fmt: skip
    """The GRANT statements for the program's `role` on the server (`url`, else the
    configured one); with `apply`, also run them (needs the owner's rights)."""
    from desktop_app.models import office_server

    target = url or ctx.database_url
    if target is None:
        raise UsageError(
            "没有数据库服务器：请用 --url 指定，或在本机配置中设置 database_url。"
            "数据目录中的 office.db 没有角色和授权。"
        )
    _require_server_url(target)
    if password is None and url is None:
        password = ctx.config.database_password()
    conn = db.connect_server(target, password=password)
    try:
        OfficeDatabase(conn)  # the schema must be this program's: its tables are the ones
        statements = office_server.grant_statements(conn, role)
        if apply:
            conn.begin()
            try:
                for statement in statements:
                    conn.execute(statement)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
    finally:
        conn.close()
    return statements


def check_server(ctx: AppContext) -> str:
    """For selftest: the office database opens, its schema is this program's, and (on a
    server) the role has exactly the rights it needs. Raises a named error otherwise."""
    place = where(ctx)
    office = ctx.office
    versions = db.schema_versions(office.conn) or {}
    shown = "、".join(f"{name} {version}" for name, version in sorted(versions.items()))
    if office.engine == "sqlite":
        if not versions:
            return f"本机 SQLite：{place['location']}（尚未创建，首次使用时创建）"
        return f"本机 SQLite：{place['location']}；结构版本 {shown}"
    from desktop_app.models import office_server

    server_version = office.conn.execute("SHOW server_version").fetchone()[0]
    report = office_server.privilege_report(office.conn)
    if report.superuser or report.excess:
        what = "是超级用户" if report.superuser else "可以修改或删除：" + "、".join(report.excess)
        raise DataError(
            f"连接数据库服务器 {place['location']} 所用的角色“{report.role}”{what}。"
            "核查记录和审计日志应当只能追加：请信息科按 README 的“One office database for"
            " several PCs”一节为本程序建立只有所需权限的角色（office grants 角色名），"
            "并在 database_url 中使用它。"
        )
    if report.missing:
        raise DataError(
            f"数据库服务器 {place['location']} 上的角色“{report.role}”缺少权限："
            + "、".join(report.missing)
            + "。请信息科运行 office grants 角色名 --apply（或按其输出授权）。"
        )
    return (
        f"数据库服务器 {place['location']}（PostgreSQL {server_version.split()[0]}）；"
        f"结构版本 {shown}，与本程序一致；角色“{report.role}”权限正确"
        "（核查记录和审计日志只能追加）"
    )


def move_from_sqlite(
    source_dir: Path,
    url: str,
    password: str | None = None,
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Copy the office.db of `source_dir` (users, records, audit, every store's tables) into
    the office database on the server at `url`, then verify the audit chain on the server,
    all in one transaction: a refusal or a failed verification leaves the server as it was.

    The server's schema is brought up to this program's first; the source is read from a
    consistent copy (the PC may keep working) migrated to the same version, and must verify.
    Into a database that already holds data, only the continuation of the same chain is
    copied (`office_server.join_mode`); another chain is `MergeRefusedError`. Afterwards a
    marker beside the source office.db stops it from being used again (no local fork).
    Returns `{"mode", "copied", "verify", "server", "source", "marker"}`.
    """
    from desktop_app.context import AppContext
    from desktop_app.models import office_server
    from desktop_app.models.pg import server_label
    from desktop_app.services import audit

    _require_server_url(url)
    source_dir = Path(source_dir)
    source_db = source_dir / "office.db"
    if not db.is_sqlite_file(source_db):
        raise DataError(
            f"{source_dir} 中没有 office.db（或它不是 SQLite 数据库），没有可迁移的内容。"
        )
    scratch = Path(tempfile.mkdtemp(prefix="xyhc-move-"))
    try:
        copy = scratch / "office.db"
        db.backup_to(source_db, copy)
        OfficeDatabase.open(copy).close()  # the source at this program's schema version
        source_ctx = AppContext(data_dir=scratch, database_url=None, read_only=True)
        try:
            checked = audit.verify_chain(source_ctx)
        finally:
            source_ctx.close()
        if not checked["ok"]:
            raise DataError(
                f"{source_db} 的审计日志未通过核验（{checked['first_problem']}），没有迁移。"
                "请先在该电脑上运行 audit verify 查明原因（必要时从备份恢复），再迁移。",
                problems=checked["problems"],
            )
        server_conn = db.connect_server(url, password=password, apply_migrations=True)
        try:
            target = OfficeDatabase(server_conn)
            source = db.connect(copy, readonly=True)
            try:
                with target.transaction():
                    plan = office_server.join_mode(source, target.conn)  # type: ignore[arg-type]
                    copied = {}
                    if plan.mode != "same":
                        copied = office_server.copy_office(
                            source,
                            target.conn,
                            progress=progress,  # type: ignore[arg-type]
                        )
                    server_ctx = AppContext(data_dir=scratch, database_url=url, read_only=True)
                    server_ctx.cached("office", lambda: target, close=None)
                    verified = audit.verify_chain(server_ctx)
                    if not verified["ok"]:
                        raise DataError(
                            "复制到数据库服务器后审计日志未通过核验（"
                            f"{verified['first_problem']}），已全部撤销，服务器保持原样。",
                            problems=verified["problems"],
                        )
            finally:
                source.close()
        finally:
            server_conn.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    server = server_label(url)
    marker = _leave_marker(source_dir, server, verified["current_witness"])
    return {
        "mode": plan.mode,
        "source": str(source_db),
        "server": server,
        "source_entries": plan.source_entries,
        "server_entries_before": plan.server_entries,
        "copied": copied,
        "verify": {key: verified[key] for key in ("ok", "entries", "records", "current_witness")},
        "marker": marker,
    }


def _leave_marker(source_dir: Path, server: str, witness: dict[str, Any] | None) -> str | None:
    """Mark the moved office.db so that no PC keeps writing into it; None when the folder
    is not writable (the move itself stands)."""
    marker = source_dir / MOVED_MARKER
    try:
        marker.write_text(
            json.dumps(
                {
                    "server": server,
                    "at": datetime.now().astimezone().isoformat(timespec="seconds"),
                    "audit_witness": witness,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    except OSError:
        return None
    return str(marker)
