"""`config show|set|trust|trust-office|trust-department`: read and change the machine
configuration (docs/CONFIG.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.auth import add_user_options, login
from desktop_app.config import OFFICE_KINDS, MachineConfig, machine_config_path
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
from desktop_app.services import admin

SETTABLE = (
    "jurisdiction",
    "department",
    "lock_department",
    "data_dir",
    "certificate",
    "rescreen_days",
    "office_kind",
    "feedback_overdue_days",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="本机配置：查看、修改、添加可信发布者")
    commands = parser.add_subparsers(dest="config_command", metavar="<子命令>")
    commands.required = True

    show = commands.add_parser("show", help="显示本机配置（含默认值）")
    add_json_flag(show)
    show.set_defaults(func=run_show)

    change = commands.add_parser("set", help="（管理员）修改一项配置")
    change.add_argument("key", choices=SETTABLE)
    change.add_argument("value", help="新值；lock_department 为 true/false；空字符串表示恢复默认")
    add_user_options(change)
    add_json_flag(change)
    change.set_defaults(func=run_set)

    trust = commands.add_parser("trust", help="（管理员）添加可信发布者公钥")
    trust.add_argument("name", help="发布单位名称")
    trust.add_argument("public_key", help="package keygen 输出的公钥")
    add_user_options(trust)
    add_json_flag(trust)
    trust.set_defaults(func=run_trust)

    office = commands.add_parser(
        "trust-office",
        help="（部门，管理员）配置信用办的加密证书：反馈包加密给它",
    )
    office.add_argument("certificate", type=Path, metavar="CERT", help="信用办导出的证书文件")
    office.add_argument("--name", help="信用办名称（默认取证书中的单位名称）")
    add_user_options(office)
    add_json_flag(office)
    office.set_defaults(func=run_trust_office)

    department = commands.add_parser(
        "trust-department",
        help="（信用办，管理员）信任某部门的签名证书：接收其签名的反馈包",
    )
    department.add_argument("certificate", type=Path, metavar="CERT", help="部门导出的证书文件")
    department.add_argument("--department", help="该证书所属的部门（默认取证书中的名称）")
    department.add_argument("--jurisdiction", help="部门所属地区（默认本机地区）")
    add_user_options(department)
    add_json_flag(department)
    department.set_defaults(func=run_trust_department)


def run_show(args: argparse.Namespace, ctx: AppContext) -> int:
    data = {**ctx.config.to_json(), "file": str(ctx.config.source or machine_config_path())}
    lines = [
        f"配置文件：{data['file']}" + ("" if ctx.config.source else "（不存在，全部为默认值）")
    ]
    for key in SETTABLE:
        lines.append(f"{key} = {data[key] if data[key] is not None else '（默认）'}")
    for key in ("database_url", "database_password_file"):
        default = "（默认：数据目录中的 office.db）" if key == "database_url" else "（无）"
        lines.append(f"{key} = {data[key] if data[key] is not None else default}")
    for publisher in data["trusted_publishers"]:
        lines.append(f"可信发布者：{publisher['name']}  {publisher['public_key']}")
    if data["trusted_office"]:
        office = data["trusted_office"]
        lines.append(f"信用办加密证书：{office['name']}  指纹 {office['fingerprint'][:16]}…")
    for department in data["trusted_departments"]:
        lines.append(
            f"可信部门证书：{department['jurisdiction']} {department['department']}"
            f"  指纹 {department['fingerprint'][:16]}…"
        )
    emit(args, data, "\n".join(lines))
    return 0


def _value(key: str, text: str) -> object:
    if key == "lock_department":
        if text not in ("true", "false"):
            raise UsageError("lock_department 只能是 true 或 false。")
        return text == "true"
    if key == "rescreen_days":
        if not text.strip():
            return MachineConfig.rescreen_days
        if not text.strip().isdigit() or not 1 <= int(text) <= 3650:
            raise UsageError("rescreen_days 应为 1 到 3650 之间的天数，例如 365。")
        return int(text)
    if key == "office_kind":
        if text not in OFFICE_KINDS:
            choices = "、".join(f"{kind}（{name}）" for kind, name in OFFICE_KINDS.items())
            raise UsageError(f"office_kind 只能是 {choices}。")
        return text
    if key == "feedback_overdue_days":
        if not text.strip().isdigit() or not 1 <= int(text) <= 365:
            raise UsageError("feedback_overdue_days 应为 1 到 365 之间的整数（天）。")
        return int(text)
    if not text.strip():
        return None
    return Path(text).absolute() if key in ("data_dir", "certificate") else text.strip()


def run_set(args: argparse.Namespace, ctx: AppContext) -> int:
    value = _value(args.key, args.value)
    path = admin.save_machine_settings(ctx, login(args, ctx, required=False), **{args.key: value})
    emit(args, {"file": str(path), "key": args.key, "value": str(value)}, f"已写入 {path}")
    return 0


def run_trust(args: argparse.Namespace, ctx: AppContext) -> int:
    path = admin.trust_publisher(ctx, login(args, ctx, required=False), args.name, args.public_key)
    data = {"file": str(path), "trusted_publisher": args.name, "public_key": args.public_key}
    emit(args, data, f"已写入 {path}")
    return 0


def run_trust_office(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    result = admin.trust_office(ctx, user, args.certificate, args.name)
    facts = result["certificate"]
    emit(
        args,
        result,
        f"已写入 {result['file']}：反馈包将加密给 {result['name']}"
        f"（{facts['subject']}，指纹 {facts['fingerprint_sha256'][:16]}…）。",
    )
    return 0


def run_trust_department(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    result = admin.trust_department(
        ctx, user, args.certificate, jurisdiction=args.jurisdiction, department=args.department
    )
    facts = result["certificate"]
    emit(
        args,
        result,
        f"已写入 {result['file']}：接收 {result['jurisdiction']} {result['department']} 签名的"
        f"反馈包（{facts['subject']}，指纹 {facts['fingerprint_sha256'][:16]}…）。",
    )
    return 0
