"""`package keygen|make|verify|import`: signed offline update packages (catalog or list)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_COUNT, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
from desktop_app.services.exchange import update_package


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("package", help="离线更新包：生成密钥、制作、验证、导入")
    commands = parser.add_subparsers(dest="package_command", metavar="<子命令>")
    commands.required = True

    keygen = commands.add_parser("keygen", help="（信用办）生成发布者签名密钥")
    keygen.add_argument("--out", type=Path, required=True, help="私钥文件（PEM），请妥善保管")
    keygen.add_argument(
        "--password-stdin", action="store_true", help="从标准输入第一行读取口令，加密私钥"
    )
    add_json_flag(keygen)
    keygen.set_defaults(func=run_keygen)

    make = commands.add_parser("make", help="（信用办）制作签名的目录更新包或名单包")
    make.add_argument("payload", type=Path, metavar="FILE", help="measures.db 或名单 .csv/.xlsx")
    make.add_argument("--kind", choices=sorted(update_package.KINDS), required=True)
    make.add_argument("--key", type=Path, required=True, help="发布者私钥（package keygen 生成）")
    make.add_argument("--out", type=Path, required=True, help="输出的更新包文件")
    make.add_argument("--publisher", required=True, help="发布单位名称，例如 柳州市信用办")
    make.add_argument("--category", help="名单包：联合惩戒对象类别，例如 失信被执行人")
    make.add_argument(
        "--list-name", help="名单包：要更新的名单名称（默认与对象类别同名，与 lists import 相同）"
    )
    make.add_argument(
        "--mode",
        choices=("full", "incremental"),
        default="full",
        help="名单包：导入方式，full 完整名单（包中没有的记录被撤销，默认）或 incremental 增量",
    )
    make.add_argument("--password-stdin", action="store_true", help="私钥口令从标准输入读取")
    add_json_flag(make)
    make.set_defaults(func=run_make)

    verify = commands.add_parser("verify", help="验证更新包的签名与内容（不导入）")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument("--kind", choices=sorted(update_package.KINDS), help="要求的包类型")
    add_json_flag(verify)
    verify.set_defaults(func=run_verify)

    imp = commands.add_parser("import", help="（管理员）验证并导入更新包")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--kind", choices=sorted(update_package.KINDS), help="要求的包类型")
    imp.add_argument(
        "--dry-run", action="store_true", help="名单包：预览将新增、更新、撤销的记录，不作更改"
    )
    imp.add_argument(
        "--confirm-revocations",
        type=whole_number(0, MAX_COUNT),
        metavar="N",
        help="名单包：确认撤销 N 条有效记录（N 须等于拒绝导入时报告的条数）",
    )
    add_user_options(imp)
    add_json_flag(imp)
    imp.set_defaults(func=run_import)


def _passphrase(args: argparse.Namespace) -> bytes | None:
    if not args.password_stdin:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError("标准输入的第一行应为私钥口令，但它是空的。")
    return line.encode("utf-8")


def run_keygen(args: argparse.Namespace, ctx: AppContext) -> int:
    public_key = update_package.generate_keypair(args.out, _passphrase(args))
    data = {"private_key": str(args.out), "public_key": public_key}
    text = (
        f"已生成私钥：{args.out}（只有信用办保管，切勿拷到各部门电脑）\n"
        f"公钥：{public_key}\n\n"
        "各部门电脑须先信任此公钥，才能验证和导入更新包。在每台电脑上由管理员运行一次：\n"
        f"  xinyong-hechatai config trust （发布单位名称） {public_key}\n"
        "或在配置文件中加入：\n"
        "[[trusted_publishers]]\n"
        'name = "（发布单位名称）"\n'
        f'public_key = "{public_key}"'
    )
    emit(args, data, text)
    return 0


def run_make(args: argparse.Namespace, ctx: AppContext) -> int:
    key = update_package.load_private_key(args.key, _passphrase(args))
    category = args.category
    if args.kind == "list" and category:
        category = ctx.catalog.resolve_category(category)
    manifest = update_package.make_package(
        args.kind,
        args.payload,
        key,
        args.out,
        publisher=args.publisher,
        category=category,
        list_name=args.list_name,
        mode=args.mode,
    )
    data: dict[str, Any] = {"file": str(args.out), "manifest": manifest}
    what = update_package.KINDS[args.kind]
    text = f"已制作{what}：{args.out}（{manifest['created_at']}，{args.publisher}）"
    if args.kind == "list":
        info = manifest["list"]
        mode = "完整名单" if info["mode"] == "full" else "增量更新"
        text += f"\n导入后更新名单“{info['name']}”（{info['category']}，{mode}）。"
    emit(args, data, text)
    return 0


def run_verify(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.exchange.catalog_package import describe_changes, preview_package

    info = update_package.verify_package(args.file, ctx.config.trusted_publishers, args.kind)
    data = info.to_json()
    changes = None
    target = None
    if info.kind == "catalog":
        # what importing it would change on this PC, before anything is changed
        info, changes = preview_package(ctx, args.file)
        data["changes"] = changes
    else:
        target = update_package.list_target(ctx, info)
        data["target"] = target
    emit(
        args,
        data,
        lambda: _describe(info, target) + (f"\n\n{describe_changes(changes)}" if changes else ""),
    )
    return 0


def run_import(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)

    def announce(target: dict[str, Any]) -> None:
        print(update_package.describe_target(target), file=sys.stderr)

    outcome = update_package.import_package(
        ctx,
        args.file,
        user=user,
        expected_kind=args.kind,
        dry_run=args.dry_run,
        confirm_revocations=args.confirm_revocations,
        announce=announce,
    )
    info = outcome["package"]
    result = outcome["result"]

    def text() -> str:
        if info["kind"] == "catalog" and "versions" in result:
            from desktop_app.services.exchange.catalog_package import describe_changes

            return (
                f"已安装措施目录版本（{info['created_at']}，{info['publisher']}）\n"
                + describe_changes(result)
            )
        if info["kind"] == "catalog":
            return (
                f"已安装措施目录（{info['created_at']}，{info['publisher']}）\n"
                f"目录版本：{result['version'][:16]}（原为 {str(result['previous_version'])[:16]}）"
            )
        done = "已预览" if args.dry_run else "已导入"
        return f"{done}名单包（{info['created_at']}，{info['publisher']}）\n{result['summary']}"

    emit(args, {"package": info, "result": result}, text)
    return 0


def _describe(info: update_package.PackageInfo, target: dict[str, Any] | None) -> str:
    lines = [
        f"签名有效：{info.path.name} 是{update_package.KINDS[info.kind]}",
        f"发布者：{info.publisher}（本机信任的公钥）",
        f"制作时间：{info.created_at}",
    ]
    if target is not None:
        lines.append(f"名单：{info.list_name}（{info.list_category}）")
        lines.append(update_package.describe_target(target))
    elif info.catalog_version:
        lines.append(f"目录版本：{info.catalog_version}")
    else:
        versions = (info.manifest.get("catalog") or {}).get("versions") or []
        lines.append(
            "措施目录版本："
            + "；".join(
                f"{v['jurisdiction']}第{v['number']}版（{v['effective']}起）" for v in versions
            )
        )
    for entry in info.files:
        lines.append(f"文件：{entry['name']}，{entry['size']} 字节，SHA-256 {entry['sha256']}")
    return "\n".join(lines)
