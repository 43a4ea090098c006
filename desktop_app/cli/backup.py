"""`backup create OUT` / `backup restore FILE [--data-dir DIR]`: the data folder as one file.

Once accounts exist both need an administrator (`--user`), and both are audited: a backup in
the folder's own chain, a restore in the restored chain. A backup with the signing keys'
secrets asks for the administrator's password twice (with `--password-stdin`: two lines). A
restore that would roll the audit log back is refused until `--confirm-rollback N`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_COUNT, whole_number
from desktop_app.cli.auth import add_user_options, login, read_password
from desktop_app.context import AppContext
from desktop_app.services import accounts, admin
from desktop_app.services.exchange import backup, rollback


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("backup", help="备份与恢复数据目录")
    commands = parser.add_subparsers(dest="backup_command", metavar="<子命令>")
    commands.required = True

    create = commands.add_parser(
        "create",
        help="把数据目录备份为一个文件",
        description="已建立用户账户后，须由管理员用 --user 登录，备份记入审计日志。"
        "含签名密钥口令（--with-key-secrets）时须再次输入管理员密码，"
        "用 --password-stdin 时写在第二行。",
    )
    create.add_argument(
        "out", type=Path, metavar="OUT", help="备份文件，例如 E:/备份/2026-05-01.xyhcbak"
    )
    create.add_argument(
        "--with-key-secrets",
        action="store_true",
        help="同时备份签名密钥的口令文件（换电脑后可继续签名；此备份须像私钥一样保管；"
        "须再次输入管理员密码）",
    )
    add_user_options(create)
    add_json_flag(create)
    create.set_defaults(func=run_create)

    restore = commands.add_parser(
        "restore",
        help="校验备份后用它替换数据目录（原目录保留副本）",
        description="已建立用户账户后，须由被替换的数据目录的管理员用 --user 登录。"
        "若恢复会使审计日志或核查记录回退（较早的备份、另一台电脑的备份），"
        "程序报告回退的条数并拒绝，须用 --confirm-rollback N 确认（N 为报告的审计日志条数）。"
        "恢复后的审计日志记下这次恢复：备份文件、其 SHA-256、备份的链头和被替换的链头。",
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--data-dir",
        dest="target_dir",
        type=Path,
        default=None,
        help="恢复到此目录（默认为当前数据目录）",
    )
    restore.add_argument(
        "--confirm-rollback",
        type=whole_number(0, MAX_COUNT),
        metavar="N",
        help="确认恢复后有 N 条审计日志不再在日志中（N 须等于拒绝恢复时报告的条数）",
    )
    add_user_options(restore)
    add_json_flag(restore)
    restore.set_defaults(func=run_restore)


def run_create(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    again = None
    if args.with_key_secrets and user is not None:
        again = read_password(args, 1, f"备份将含签名密钥口令，请再次输入用户 {user.name} 的密码：")
    result = admin.create_backup(
        ctx, user, args.out, with_key_secrets=args.with_key_secrets, password_again=again
    )
    size = sum(f["size"] for f in result["files"])
    count = len(result["files"])
    text = (
        f"已备份 {ctx.data_dir} → {args.out}\n"
        f"共 {count} 个文件，{size / 2**20:.1f} MB（压缩前），{result['created_at']}\n"
        f"SHA-256：{result['sha256']}"
    )
    if result["audit_entry"]:
        text += f"\n已记入审计日志第 {result['audit_entry']} 条。"
    if args.with_key_secrets:
        text += "\n注意：此备份含签名密钥口令，请像保管私钥一样保管。"
    if ctx.database_url is not None:
        result["office_data_on_server"] = True
        text += (
            "\n注意：本机的办公数据（用户、核查记录、审计日志）在数据库服务器上，不在此备份中；"
            "请信息科用 pg_dump 备份服务器（见 README 信息科一节）。"
        )
    emit(args, result, text)
    return 0


def run_restore(args: argparse.Namespace, ctx: AppContext) -> int:
    target = Path(args.target_dir or ctx.data_dir)
    if target.absolute() != ctx.data_dir.absolute():
        ctx.close()
        ctx = AppContext(data_dir=target, read_only=True)
    try:
        damaged = backup.office_problem(ctx.data_dir)
        if damaged:
            print(
                f"注意：{ctx.data_dir} 的 {damaged}，无法核对账户和审计日志；"
                "恢复不需登录，原数据目录将保留为副本。",
                file=sys.stderr,
            )
        # Before the login: its own audit entry is not part of the rollback to confirm.
        at_start = rollback.chain_length(ctx)
        # A new PC (no account in the target yet) restores without a login, --user or not.
        user = (
            login(args, ctx, required=False, audit_may_be_broken=True)
            if not damaged and accounts.accounts_exist(ctx)
            else None
        )
        result = admin.restore_backup(
            ctx, user, args.file, confirm_rollback=args.confirm_rollback, chain_at_start=at_start
        )
    finally:
        ctx.close()

    def text() -> str:
        lines = [f"已从 {args.file} 恢复到 {target}（备份时间 {result['backup_created_at']}）"]
        if result["audit"]:
            lines.append(f"审计日志校验通过：{result['audit']['entries']} 条")
        change = result["rollback"]
        if change["rolled_back_entries"] or change["rolled_back_records"]:
            own = f"，含本次登录的 {change['own_entries']} 条" if change["own_entries"] else ""
            lines.append(
                f"经确认回退：审计日志从 {change['current_entries']} 条回退到 "
                f"{change['backup_entries']} 条（{change['rolled_back_entries']} 条不再在日志中"
                f"{own}），核查记录从 {change['current_records']} 个"
                f"变为 {change['backup_records']} 个；它们保留在原数据目录的副本中。"
            )
        entry = result["restore_entry"]
        lines.append(
            f"恢复已记入审计日志第 {entry['seq']} 条（备份文件 SHA-256 "
            f"{entry['details']['sha256'][:16]}…）"
        )
        if result["replaced_kept_at"]:
            lines.append(f"原数据目录已保留为 {result['replaced_kept_at']}")
        if result["key_secrets_installed"]:
            lines.append(f"已安装签名密钥口令文件 {len(result['key_secrets_installed'])} 个")
        return "\n".join(lines)

    emit(args, result, text)
    return 0
