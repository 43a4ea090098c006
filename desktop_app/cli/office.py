"""`office migrate | grants | where`: the office database (IT, see README: For IT).

`office migrate` brings the schema up to this program's (office.db, or the server with the
database owner's rights); with `--from-sqlite DATA_DIR --to URL` it moves an office.db onto
the server and verifies the audit chain there. `office grants ROLE` prints (or applies) the
GRANT statements for the program's role. The database password comes from libpq's own
places (PGPASSWORD, ~/.pgpass, server authentication) or `--password-file`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.config import read_password_file
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
from desktop_app.services import office

_TABLE_NAMES = {
    "users": "用户",
    "records": "核查记录",
    "record_sequences": "记录编号",
    "audit_log": "审计日志",
    "audit_head": "审计链尾",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "office", help="办公数据库（用户、核查记录、审计日志）：结构升级、迁移到服务器、授权"
    )
    commands = parser.add_subparsers(dest="office_command", metavar="<子命令>")
    commands.required = True

    migrate = commands.add_parser(
        "migrate",
        help="把办公数据库的结构升级到本程序的版本；--from-sqlite 把 office.db 迁移到数据库服务器",
        description="不带 --to 时升级本机配置所指的办公数据库（database_url 或数据目录中的"
        " office.db）。--from-sqlite DATA_DIR --to URL 把 DATA_DIR 中的 office.db（用户、"
        "核查记录、审计日志）复制到服务器上的办公数据库，并在服务器上核验审计日志；"
        "服务器上已有另一条审计链时拒绝合并。",
    )
    migrate.add_argument(
        "--to",
        metavar="URL",
        help="数据库服务器，例如 postgresql://xyhc_owner@db.example:5432/xyhc",
    )
    migrate.add_argument(
        "--from-sqlite",
        type=Path,
        metavar="DATA_DIR",
        help="迁移此数据目录中的 office.db 到 --to 所指的服务器",
    )
    _add_password_file(migrate)
    add_json_flag(migrate)
    migrate.set_defaults(func=run_migrate)

    grants = commands.add_parser(
        "grants",
        help="本程序所用数据库角色的授权语句（核查记录和审计日志只能追加）",
        description="按服务器上现有的表列出 GRANT 语句；--apply 直接执行（需数据库所有者）。",
    )
    grants.add_argument("role", help="本程序连接服务器所用的角色，例如 xyhc_app")
    grants.add_argument(
        "--url", metavar="URL", help="数据库服务器（默认为本机配置的 database_url）"
    )
    grants.add_argument("--apply", action="store_true", help="执行这些语句")
    _add_password_file(grants)
    add_json_flag(grants)
    grants.set_defaults(func=run_grants)

    shown = commands.add_parser("where", help="本机的办公数据库在哪里（服务器或数据目录）")
    add_json_flag(shown)
    shown.set_defaults(func=run_where, read_only=True)


def _add_password_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="数据库密码文件（只有本人可读）；默认按 PGPASSWORD、~/.pgpass 或服务器的认证方式",
    )


def _password(args: argparse.Namespace) -> str | None:
    return read_password_file(args.password_file) if args.password_file else None


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(table: str, done: int, total: int) -> None:
        name = _TABLE_NAMES.get(table, table)
        sys.stderr.write(f"\r复制 {name}：{done}/{total} 行 …\033[K")
        sys.stderr.flush()

    return show


def run_migrate(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.from_sqlite is not None:
        if not args.to:
            raise UsageError("--from-sqlite 需要同时用 --to 指定数据库服务器。")
        return _move(args)
    result = office.migrate_schema(ctx, args.to, _password(args))
    changed = {k: v for k, v in result["after"].items() if result["before"].get(k, 0) != v}

    def text() -> str:
        where = "数据库服务器" if result["engine"] == "postgresql" else "本机"
        versions = "、".join(f"{k} {v}" for k, v in sorted(result["after"].items()))
        if not changed:
            return f"{where}办公数据库 {result['location']} 的结构已是最新（{versions}）。"
        steps = "、".join(
            f"{k} {result['before'].get(k, 0)}→{v}" for k, v in sorted(changed.items())
        )
        return f"已升级{where}办公数据库 {result['location']} 的结构：{steps}。"

    emit(args, {**result, "changed": changed}, text)
    return 0


def _move(args: argparse.Namespace) -> int:
    progress = None if args.json else _progress_printer()
    try:
        result = office.move_from_sqlite(
            args.from_sqlite, args.to, _password(args), progress=progress
        )
    finally:
        if progress is not None:
            sys.stderr.write("\n")

    def text() -> str:
        verify = result["verify"]
        before = result["server_entries_before"]
        lines = {
            "empty": [f"已把 {result['source']} 迁移到数据库服务器 {result['server']}。"],
            "extend": [
                f"服务器上已有这条审计链的前 {before} 条，已接上 {result['source']} 之后的"
                f" {result['source_entries'] - before} 条（{result['server']}）。"
            ],
            "same": [f"服务器 {result['server']} 上已有 {result['source']} 的全部内容，无须复制。"],
        }[result["mode"]]
        for table, rows in result["copied"].items():
            lines.append(f"  {_TABLE_NAMES.get(table, table)}（{table}）：{rows} 行")
        witness = verify["current_witness"] or {}
        lines.append(
            f"服务器上的审计日志核验通过：{verify['entries']} 条，"
            f"核查记录 {verify['records']} 个版本；"
            f"链标识 {witness.get('chain_id', '')}，链头第 {witness.get('seq', 0)} 条。"
        )
        if result["marker"]:
            lines.append(
                f"原 office.db 保留作存档，并已标记为已迁移（{Path(result['marker']).name}），"
                "使用它的电脑会提示改用服务器。"
            )
        else:
            lines.append("注意：无法在原数据目录留下“已迁移”标记，请勿再让电脑使用原 office.db。")
        lines.append(
            "接下来：在各台电脑的本机配置中设置 database_url（见 docs/CONFIG.md），"
            "再运行 selftest。"
        )
        return "\n".join(lines)

    emit(args, result, text)
    return 0


def run_grants(args: argparse.Namespace, ctx: AppContext) -> int:
    statements = office.grants(ctx, args.role, args.url, _password(args), apply=args.apply)
    data = {"role": args.role, "statements": statements, "applied": args.apply}
    text = "\n".join(statements)
    if args.apply:
        text += f"\n已执行：角色“{args.role}”的授权已更新。"
    emit(args, data, text)
    return 0


def run_where(args: argparse.Namespace, ctx: AppContext) -> int:
    data = office.where(ctx)
    text = (
        f"数据库服务器：{data['location']}"
        if data["engine"] == "postgresql"
        else f"本机 SQLite：{data['location']}"
    )
    emit(args, data, text)
    return 0
