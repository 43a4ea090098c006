"""`lists import | status | show | mapping save | mapping list`: the dishonesty lists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
from desktop_app.services import admin


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("lists", help="失信名单：导入、状态、列映射")
    commands = parser.add_subparsers(dest="lists_command", metavar="<lists command>")
    commands.required = True

    importing = commands.add_parser(
        "import", help="导入一个名单文件（.xlsx 或 .csv），整体成功或不变"
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="名单文件")
    importing.add_argument(
        "--category", required=True, metavar="C", help="联合惩戒对象，如 失信被执行人"
    )
    importing.add_argument(
        "--list-name", metavar="NAME", help="名单名称（默认与对象类别同名；同名名单按新版本更新）"
    )
    importing.add_argument("--mapping", metavar="NAME", help="非标准表头时使用的已保存列映射")
    add_user_options(importing)
    add_json_flag(importing)
    importing.set_defaults(func=run_import)

    status = commands.add_parser("status", help="列出已导入的名单、版本、条数和日期")
    add_json_flag(status)
    status.set_defaults(func=run_status, read_only=True)

    show = commands.add_parser("show", help="查看一条名单记录（核查结果中的 hit_id）及其历史")
    show.add_argument("hit_id", type=int, metavar="HIT_ID")
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
    report = admin.import_list_file(
        ctx,
        login(args, ctx, required=False),
        args.file,
        args.category,
        list_name=args.list_name,
        mapping=args.mapping,
        progress=None if args.json else _progress_printer(),
    )
    if not args.json and sys.stderr.isatty():
        sys.stderr.write("\n")
    emit(args, report.to_json(), report.summary)
    return 0


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


def run_show(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.models.lists_store import listing_fields

    store = ctx.lists
    listing = store.listing(args.hit_id)
    if listing is None:
        raise UsageError(f"没有编号为 {args.hit_id} 的名单记录。编号见核查结果的 hit_id。")
    data = {
        "hit_id": listing["id"],
        "list": listing["list"],
        "category": listing["category"],
        "name": listing["name"],
        "id_kind": listing["id_kind"],
        "subject_type": listing["subject_type"],
        "listed_on": listing["listed_on"],
        "revoked_on": listing["revoked_on"],
        "case_no": listing["case_no"],
        "court": listing["court"],
        "source_row": listing["source_row"],
        "formula_flag": bool(listing["formula_flag"]),
        "fields": listing_fields(listing),
        "history": store.listing_history(listing["id"]),
    }

    def text() -> str:
        lines = [f"{data['name']}（{data['list']}，{data['category']}）"]
        lines += [f"  {key}：{value}" for key, value in data["fields"].items()]
        lines += [
            f"  第 {h['version']} 版（{h['imported_at']}，{h['file_name']}）：{h['change']}"
            for h in data["history"]
        ]
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
