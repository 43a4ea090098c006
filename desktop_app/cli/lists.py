"""`lists import | status | show | mapping save | mapping list`: the dishonesty lists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_COUNT, MAX_ROW_ID, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.errors import ImportRefusedError, UsageError
from desktop_app.services import admin


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("lists", help="失信名单：导入、状态、版本、列映射")
    commands = parser.add_subparsers(dest="lists_command", metavar="<lists command>")
    commands.required = True

    importing = commands.add_parser(
        "import",
        help="导入一个名单文件（.xlsx 或 .csv），整体成功或不变；会清空名单或撤销过多记录时拒绝，"
        "须用 --confirm-revocations 确认",
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="名单文件")
    importing.add_argument(
        "--category", required=True, metavar="C", help="联合惩戒对象，如 失信被执行人"
    )
    importing.add_argument(
        "--list-name", metavar="NAME", help="名单名称（默认与对象类别同名；同名名单按新版本更新）"
    )
    importing.add_argument("--mapping", metavar="NAME", help="非标准表头时使用的已保存列映射")
    importing.add_argument(
        "--mode",
        choices=("full", "incremental"),
        default="full",
        help="full：文件是完整名单，文件中没有的记录被撤销（默认）；"
        "incremental：文件只含新增和变更，只按“撤销时间”撤销",
    )
    importing.add_argument(
        "--dry-run",
        action="store_true",
        help="预览：读取并校验整个文件，报告将新增、更新、撤销、未变和拒绝的记录，不作任何更改",
    )
    importing.add_argument(
        "--confirm-revocations",
        type=whole_number(0, MAX_COUNT),
        metavar="N",
        help="确认撤销 N 条有效记录（N 须等于拒绝导入时报告的条数）",
    )
    importing.add_argument(
        "--rejections-xlsx",
        type=Path,
        metavar="FILE",
        help="把全部被拒绝的行（行号、原因、原始单元格）写入此 .xlsx 文件",
    )
    add_user_options(importing)
    add_json_flag(importing)
    importing.set_defaults(func=run_import)

    status = commands.add_parser("status", help="列出已导入的名单、版本、条数和日期")
    add_json_flag(status)
    status.set_defaults(func=run_status, read_only=True)

    versions = commands.add_parser("versions", help="列出一个名单的各版本：导入方式、条数、确认")
    versions.add_argument("list_name", metavar="LIST", help="名单名称，如 失信被执行人")
    add_json_flag(versions)
    versions.set_defaults(func=run_versions)

    show = commands.add_parser(
        "show",
        help="查看一条名单记录（核查结果中的 hit_id）及其历史；身份证号码遮蔽显示",
        description="已建立用户账户后，须用 --user 登录，每次查看记入审计日志。"
        "身份证号码只显示前 6 位和后 4 位；管理员可用 --unmasked 查看完整号码（记入审计日志）。",
    )
    show.add_argument("hit_id", type=whole_number(1, MAX_ROW_ID), metavar="HIT_ID")
    show.add_argument(
        "--unmasked", action="store_true", help="显示完整的证件号码（仅管理员，记入审计日志）"
    )
    add_user_options(show)
    add_json_flag(show)
    show.set_defaults(func=run_show, read_only=True)

    mapping = commands.add_parser("mapping", help="非标准表头的列映射")
    mapping_commands = mapping.add_subparsers(dest="mapping_command", metavar="<mapping command>")
    mapping_commands.required = True
    save = mapping_commands.add_parser("save", help="保存（或替换）一个列映射")
    save.add_argument("name", metavar="NAME", help="映射名称")
    save.add_argument(
        "--column",
        action="append",
        required=True,
        metavar="标准字段=文件列",
        help="如 失信被执行人姓名/名称=企业名称（可重复）",
    )
    add_user_options(save)
    add_json_flag(save)
    save.set_defaults(func=run_mapping_save)
    listing = mapping_commands.add_parser("list", help="列出已保存的列映射")
    add_json_flag(listing)
    listing.set_defaults(func=run_mapping_list, read_only=True)


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r已处理 {done}/{total} 行 …")
        sys.stderr.flush()

    return show


def run_import(args: argparse.Namespace, ctx: AppContext) -> int:
    wanted = args.rejections_xlsx
    if wanted is not None and wanted.suffix.lower() != ".xlsx":
        raise UsageError(f"--rejections-xlsx 须为 .xlsx 文件，“{wanted.name}”不是。")
    try:
        report = admin.import_list_file(
            ctx,
            login(args, ctx, required=False),
            args.file,
            args.category,
            list_name=args.list_name,
            mapping=args.mapping,
            mode=args.mode,
            dry_run=args.dry_run,
            confirm_revocations=args.confirm_revocations,
            keep_rejected_rows=wanted is not None,
            progress=None if args.json else _progress_printer(),
        )
    except ImportRefusedError as refused:
        _end_progress(args)
        if wanted is not None and refused.report is not None:
            _write_rejections(refused.report, wanted)
        raise
    _end_progress(args)
    data = report.to_json()
    if wanted is not None:
        data["rejections_xlsx"] = str(_write_rejections(report, wanted))

    def text() -> str:
        lines = [report.summary()]
        if wanted is not None:
            lines.append(f"已将 {report.rejected} 行被拒绝的记录写入 {data['rejections_xlsx']}。")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def _end_progress(args: argparse.Namespace) -> None:
    if not args.json and sys.stderr.isatty():
        sys.stderr.write("\n")


def _write_rejections(report: Any, path: Path) -> Path:
    written = admin.write_rejections_xlsx(report, path)
    print(f"被拒绝的行已写入 {written}（共 {report.rejected} 行）。", file=sys.stderr)
    return written


def run_status(args: argparse.Namespace, ctx: AppContext) -> int:
    lists = ctx.lists.status()

    def text() -> str:
        if not lists:
            return "尚未导入任何名单。用 lists import FILE --category 对象类别 导入。"
        return "\n".join(
            f"{item['list']}（{item['category']}）：第 {item['version']} 版，"
            f"{item['imported_at']} 导入自 {item['file_name']}；"
            f"共 {item['listings']} 条，其中有效 {item['active']} 条"
            for item in lists
        )

    emit(args, {"lists": lists}, text)
    return 0


MODE_TEXT = {"full": "完整名单", "incremental": "增量更新"}


def run_versions(args: argparse.Namespace, ctx: AppContext) -> int:
    versions = ctx.lists.versions(args.list_name)
    if not versions:
        known = "、".join(item["list"] for item in ctx.lists.status()) or "（尚未导入任何名单）"
        raise UsageError(f"没有名为“{args.list_name}”的名单。已导入的名单：{known}。")
    shown = [
        {
            key: v[key]
            for key in (
                "version_no",
                "mode",
                "file_name",
                "sha256",
                "imported_at",
                "rows_read",
                "added",
                "updated",
                "revoked",
                "revoked_absent",
                "unchanged",
                "rejected",
                "listings",
                "in_force",
                "confirmed_revocations",
            )
        }
        for v in versions
    ]

    def text() -> str:
        lines = []
        for v in shown:
            mode = MODE_TEXT.get(v["mode"], v["mode"])
            line = (
                f"第 {v['version_no']} 版（{mode}）：{v['imported_at']}"
                f" 导入自 {v['file_name']}；新增 {v['added']}，更新 {v['updated']}，"
                f"撤销 {v['revoked']}，未变 {v['unchanged']}，拒绝 {v['rejected']}；"
                f"共 {v['listings']} 条，有效 {v['in_force']} 条"
            )
            if v["confirmed_revocations"] is not None:
                line += f"；管理员确认撤销 {v['confirmed_revocations']} 条"
            lines.append(line)
        return "\n".join(lines)

    emit(args, {"list": args.list_name, "versions": shown}, text)
    return 0


def run_show(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.lists.listing_view import show_listing

    user = login(args, ctx, required=False)
    data = show_listing(ctx, user, args.hit_id, unmasked=args.unmasked)

    def text() -> str:
        lines = [f"{data['name']}（{data['list']}，{data['category']}）"]
        lines += [f"  {key}：{value}" for key, value in data["fields"].items()]
        lines += [
            f"  第 {h['version']} 版（{h['imported_at']}，{h['file_name']}）：{h['change']}"
            for h in data["history"]
        ]
        if data["masked"]:
            lines.append("（身份证号码已遮蔽；管理员可用 --unmasked 查看完整号码，记入审计日志。）")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def run_mapping_save(args: argparse.Namespace, ctx: AppContext) -> int:
    columns: dict[str, str] = {}
    for item in args.column:
        standard, sep, column = item.partition("=")
        if not sep or not standard.strip() or not column.strip():
            raise UsageError(
                f"“{item}”格式不对：请写成 标准字段=文件列，如 失信被执行人姓名/名称=企业名称。"
            )
        columns[standard.strip()] = column.strip()
    columns = admin.save_list_mapping(ctx, login(args, ctx, required=False), args.name, columns)
    emit(
        args,
        {"name": args.name, "columns": columns},
        f"已保存列映射“{args.name}”：" + "；".join(f"{k} ← {v}" for k, v in columns.items()),
    )
    return 0


def run_mapping_list(args: argparse.Namespace, ctx: AppContext) -> int:
    mappings = ctx.lists.mappings()

    def text() -> str:
        if not mappings:
            return "尚未保存任何列映射。"
        return "\n".join(
            f"{m['name']}：" + "；".join(f"{k} ← {v}" for k, v in m["columns"].items())
            for m in mappings
        )

    emit(args, {"mappings": mappings}, text)
    return 0
