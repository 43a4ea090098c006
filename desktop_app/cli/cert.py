"""`cert show|export|import|new`: the department's signing certificate.

`cert import` loads the department's real certificate (a PKCS#12 file from IT); `cert new`
replaces the key with a freshly generated self-signed one; both keep the old certificate
trusted for verifying older records, need an admin once accounts exist, and are audited;
so is `cert export`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.auth import add_user_options, login, read_password
from desktop_app.context import AppContext
from desktop_app.services import admin
from desktop_app.services.records import signing


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("cert", help="部门签名证书：查看、导出、导入、重新生成")
    commands = parser.add_subparsers(dest="cert_command", metavar="<子命令>")
    commands.required = True

    show = commands.add_parser("show", help="显示本机签名证书和受信任的证书")
    add_json_flag(show)
    show.set_defaults(func=_show)

    export = commands.add_parser(
        "export",
        help="导出本机签名证书（供核验方使用；已建立账户后须管理员登录，记入审计日志）",
    )
    export.add_argument(
        "out", type=Path, metavar="OUT", help="输出文件：.pem 为 PEM 格式，.der/.cer 为 DER 格式"
    )
    add_user_options(export)
    add_json_flag(export)
    export.set_defaults(func=_export)

    importing = commands.add_parser("import", help="导入部门证书（PKCS#12：.p12/.pfx）")
    importing.add_argument("file", type=Path, metavar="FILE.p12", help="证书文件")
    add_user_options(importing)
    add_json_flag(importing)
    importing.set_defaults(func=_import)

    new = commands.add_parser("new", help="生成新的自签名部门证书，替换当前证书")
    new.add_argument("--jurisdiction", required=True, metavar="J", help="地区（证书的 O）")
    new.add_argument("--department", required=True, metavar="D", help="部门（证书的 CN）")
    add_user_options(new)
    add_json_flag(new)
    new.set_defaults(func=_new)


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    active = signing.active_certificate(ctx.data_dir)
    trusted = [signing.describe_certificate(c) for c in signing.trusted_certificates(ctx.data_dir)]
    data = {
        "certificate": signing.describe_certificate(active) if active else None,
        "trusted": trusted,
    }

    def text() -> str:
        if active is None:
            lines = [
                "本机还没有签名证书：首次打印核查记录时自动创建，或用 cert import 导入部门证书。"
            ]
        else:
            facts = data["certificate"]
            lines = [
                f"签名证书：{facts['subject']}",
                f"  颁发者：{facts['issuer']}{'（自签名）' if facts['self_signed'] else ''}",
                f"  有效期：{facts['not_before'][:10]} 至 {facts['not_after'][:10]}",
                f"  指纹（SHA-256）：{facts['fingerprint_sha256']}",
                f"  密钥：{facts['key_type']}",
            ]
        lines.append(f"受信任的证书（{len(trusted)} 个）：")
        lines += [f"  - {c['subject']}  {c['fingerprint_sha256'][:16]}…" for c in trusted]
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def _export(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    facts = admin.export_certificate(ctx, user, args.out)
    emit(args, facts, f"已导出签名证书：{facts['file']}")
    return 0


def _import(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    admin.certificate_file(args.file)
    password = read_password(args, 1 if args.user else 0, f"证书文件 {args.file.name} 的密码：")
    facts = admin.import_certificate(ctx, user, args.file, password)
    return _report_change(args, facts, "已导入部门证书")


def _new(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    facts = admin.new_certificate(ctx, user, args.jurisdiction, args.department)
    return _report_change(args, facts, "已生成新的部门证书")


def _report_change(args: argparse.Namespace, facts: dict[str, Any], done: str) -> int:
    emit(
        args,
        facts,
        f"{done}：{facts['subject']}\n  指纹（SHA-256）：{facts['fingerprint_sha256']}\n"
        f"  有效期至：{facts['not_after'][:10]}。原证书仍用于核验以前签发的记录。",
    )
    return 0
