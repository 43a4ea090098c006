"""`backup create OUT` / `backup restore FILE [--data-dir DIR]`: the data folder as one file."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_app.cli import add_json_flag, emit
from desktop_app.context import AppContext
from desktop_app.services.exchange import backup


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("backup", help="备份与恢复数据目录")
    commands = parser.add_subparsers(dest="backup_command", metavar="<子命令>")
    commands.required = True

    create = commands.add_parser("create", help="把数据目录备份为一个文件")
    create.add_argument(
        "out", type=Path, metavar="OUT", help="备份文件，例如 E:/备份/2026-05-01.xyhcbak"
    )
    create.add_argument(
        "--with-key-secrets",
        action="store_true",
        help="同时备份签名密钥的口令文件（换电脑后可继续签名；此备份须像私钥一样保管）",
    )
    add_json_flag(create)
    create.set_defaults(func=run_create)

    restore = commands.add_parser("restore", help="校验备份后用它替换数据目录（原目录保留副本）")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--data-dir",
        dest="target_dir",
        type=Path,
        default=None,
        help="恢复到此目录（默认为当前数据目录）",
    )
    add_json_flag(restore)
    restore.set_defaults(func=run_restore)


def run_create(args: argparse.Namespace, ctx: AppContext) -> int:
    manifest = backup.create_backup(ctx.data_dir, args.out, args.with_key_secrets)
    size = sum(f["size"] for f in manifest["files"])
    data = {"file": str(args.out), **manifest}
    count = len(manifest["files"])
    text = (
        f"已备份 {ctx.data_dir} → {args.out}\n"
        f"共 {count} 个文件，{size / 2**20:.1f} MB（压缩前），{manifest['created_at']}"
    )
    if args.with_key_secrets:
        text += "\n注意：此备份含签名密钥口令，请像保管私钥一样保管。"
    emit(args, data, text)
    return 0


def run_restore(args: argparse.Namespace, ctx: AppContext) -> int:
    target = args.target_dir or ctx.data_dir
    result = backup.restore_backup(args.file, target)

    def text() -> str:
        lines = [f"已从 {args.file} 恢复到 {target}（备份时间 {result['backup_created_at']}）"]
        if result["audit"]:
            lines.append(f"审计日志校验通过：{result['audit']['entries']} 条")
        if result["replaced_kept_at"]:
            lines.append(f"原数据目录已保留为 {result['replaced_kept_at']}")
        if result["key_secrets_installed"]:
            lines.append(f"已安装签名密钥口令文件 {len(result['key_secrets_installed'])} 个")
        return "\n".join(lines)

    emit(args, result, text)
    return 0
