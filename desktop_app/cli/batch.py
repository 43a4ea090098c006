"""`check --batch FILE …` and `batches list|show|print|export`: batch checks of a whole file.

`check --batch FILE --jurisdiction J --department D [--user U] [--xlsx OUT] [--pdf OUT]
[--json]` checks every row of an .xlsx or CSV file of subjects, stores each checked subject
as a check record and the batch as one batch record, and writes the results workbook and
the signed batch record PDF. Exit status 0 when every row was checked, 2 when some rows
could not be (each with its reason in the output), 3 when the lists cannot back the result
(none loaded, or only the demo lists), as for a single check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.errors import AuthenticationError, UsageError
from desktop_app.services.screening import batch as batch_service
from desktop_app.services.screening.batch_file import BatchMapping

EXIT_SOME_ROWS_INVALID = 2
EXIT_NOT_CONCLUSIVE = 3


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """The options `check` takes for a batch (besides `--pdf`, `--user`, `--json`)."""
    parser.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help="批量核查：.xlsx 或 .csv 文件，每行一个主体（按表头识别名称列和证件号码列）",
    )
    parser.add_argument(
        "--xlsx", type=Path, metavar="OUT.xlsx", help="批量核查：结果表（每个输入行一行）"
    )
    parser.add_argument(
        "--name-column", metavar="列名", help="批量核查：名称所在的列（不按表头自动识别时）"
    )
    parser.add_argument(
        "--sheet",
        metavar="工作表",
        help="批量核查：要核查的工作表名称（工作簿中有几张工作表都列有核查对象时必须指定）",
    )
    parser.add_argument(
        "--id-column",
        action="append",
        default=[],
        metavar="列名",
        help="批量核查：证件号码所在的列（可重复，每行取第一个非空的）",
    )


def _progress_printer(args: argparse.Namespace) -> Any:
    if args.json or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        half = total // 2
        if done <= half:
            sys.stderr.write(f"\r正在核查 {done}/{half} 行 …")
        else:
            sys.stderr.write(f"\r正在保存核查记录 {done - half}/{half} …")
        sys.stderr.flush()

    return show


def run_batch_command(args: argparse.Namespace, ctx: AppContext) -> int:
    """`check --batch FILE`."""
    if args.query:
        raise UsageError(
            "请只给出一个核查对象：单个主体（QUERY）或批量文件（--batch），不能同时给出。"
        )
    for option, suffix in ((args.xlsx, ".xlsx"), (args.pdf, ".pdf")):
        if option is not None and option.suffix.lower() != suffix:
            raise UsageError(f"输出文件“{option.name}”应以 {suffix} 结尾。")
    user = login(args, ctx, required=False)
    if user is None and args.pdf:
        raise AuthenticationError(
            "打印批量核查记录需要登录：请先用 users init-admin 创建管理员，再以 --user 核查。"
        )
    jurisdiction = args.jurisdiction or (user and user.jurisdiction) or ctx.config.jurisdiction
    department = args.department or (user and user.department) or ctx.config.department
    if not jurisdiction or not department:
        raise UsageError(
            "请用 --jurisdiction 和 --department 指定地区和实施部门（或由信息科在本机配置中设置）。"
        )
    mapping = BatchMapping(args.name_column, tuple(args.id_column), sheet=args.sheet)
    progress = _progress_printer(args)
    batch = batch_service.run_batch(
        ctx, user, args.batch, jurisdiction, department, mapping=mapping, progress=progress
    )
    if progress is not None:
        sys.stderr.write("\n")
    output = {**batch}
    if args.xlsx is not None:
        from desktop_app.services.screening.batch_xlsx import write_results_xlsx

        output["xlsx"] = str(write_results_xlsx(batch, args.xlsx))
    if args.pdf is not None and user is not None:
        printed = batch_service.print_batch(ctx, user, batch["batch_number"], args.pdf)
        output["pdf"] = printed["pdf"]
    emit(args, output, lambda: batch_text(output))
    if batch["counts"]["invalid"]:
        return EXIT_SOME_ROWS_INVALID
    return 0 if batch["conclusive"] else EXIT_NOT_CONCLUSIVE


def batch_text(batch: dict[str, Any]) -> str:
    """A batch for reading in a terminal: counts, then the rows that need attention."""
    counts = batch["counts"]
    number = batch.get("batch_number") or "（未保存：本机尚无用户账户）"
    lines = [
        f"批量核查记录 {number}：{batch['file']['name']}，{counts['rows']} 行"
        f"（{batch['jurisdiction']} {batch['department']}）",
        f"已核查 {counts['checked']} 行：发现失信记录 {counts['listed']}，"
        f"疑似匹配 {counts['possible']}，未发现 {counts['not_listed']}；"
        f"无法核查 {counts['invalid']} 行。",
    ]
    lines += [f"注意：{warning}" for warning in batch.get("warnings") or []]
    for other in batch["file"].get("other_sheets") or []:
        lines.append(
            f"只核查了工作表“{batch['file'].get('sheet')}”；工作表“{other['sheet']}”"
            f"{other['reason']}。"
        )
    if counts["pending"]:
        lines.append(
            f"尚有 {counts['pending']} 条疑似匹配待复核（records confirm / records reject），"
            "复核完成前本批核查未完成。"
        )
    for row in batch["rows"]:
        subject = batch_service.subject_label(row)
        number = row.get("record_number") or ""
        if row["status"] == "listed":
            lines.append(
                f"第 {row['row']} 行 {subject}：{row['status_text']}｜{'、'.join(row['lists'])}"
                f"｜应实施措施 {len(row['measures'])} 项｜{number}"
            )
        elif row["status"] == "possible_match":
            lines.append(
                f"第 {row['row']} 行 {subject}：疑似匹配 {'；'.join(row['possible_named'])}"
                f"｜{number}"
            )
        elif row["status"] == "invalid_input":
            lines.append(f"第 {row['row']} 行 无法核查：{row['error']}")
        elif row.get("related"):
            lines.append(
                f"第 {row['row']} 行 {subject}：{row['status_text']}｜"
                f"{batch_service.related_text(row)}｜{number}"
            )
        if row.get("input_note"):
            lines.append(f"第 {row['row']} 行 说明：{row['input_note']}")
    for key, words in (("xlsx", "结果表"), ("pdf", "批量核查记录 PDF")):
        if batch.get(key):
            lines.append(f"{words}：{batch[key]}")
    return "\n".join(lines)


# -- batches list | show | print | export ----------------------------------------------------


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("batches", help="批量核查记录：列出、查看、打印、导出结果表")
    commands = parser.add_subparsers(dest="batches_command", metavar="<batches-command>")
    commands.required = True

    listing = commands.add_parser("list", help="列出批量核查记录（科员只看到自己的）")
    listing.add_argument("--from", dest="date_from", metavar="D1", help="开始日期 YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="D2", help="结束日期 YYYY-MM-DD（含）")
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_list)

    show = commands.add_parser("show", help="查看一份批量核查记录：各行结果与待复核的疑似匹配")
    show.add_argument("number", metavar="NUMBER", help="批量核查记录编号")
    add_user_options(show)
    add_json_flag(show)
    show.set_defaults(func=_show)

    printing = commands.add_parser(
        "print", help="打印（生成并签名）批量核查记录 PDF；复核后的结果先保存为新版本"
    )
    printing.add_argument("number", metavar="NUMBER", help="批量核查记录编号")
    printing.add_argument("--pdf", required=True, type=Path, metavar="OUT.pdf", help="输出文件")
    add_user_options(printing)
    add_json_flag(printing)
    printing.set_defaults(func=_print)

    export = commands.add_parser("export", help="导出批量核查的结果表（.xlsx）")
    export.add_argument("number", metavar="NUMBER", help="批量核查记录编号")
    export.add_argument("--xlsx", required=True, type=Path, metavar="OUT.xlsx", help="输出文件")
    add_user_options(export)
    add_json_flag(export)
    export.set_defaults(func=_export)


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    found = batch_service.list_batches(ctx, user, date_from=args.date_from, date_to=args.date_to)

    def text() -> str:
        lines = [f"共 {len(found)} 份批量核查记录"]
        for item in found:
            pending = f"，待复核 {item['pending']}" if item["pending"] else ""
            lines.append(
                f"{item['batch_number']}\t第{item['version']}版\t"
                f"{item['first_created_at'].replace('T', ' ')[:16]}\t{item['user_name']}\t"
                f"{item['file_name']}\t{item['row_count']} 行{pending}"
            )
        return "\n".join(lines)

    emit(args, found, text)
    return 0


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    state = batch_service.batch_state(ctx, user, args.number)
    emit(args, state, lambda: batch_text(state))
    return 0


def _print(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    printed = batch_service.print_batch(ctx, user, args.number, args.pdf)
    pending = f"（尚有 {printed['pending']} 条疑似匹配待复核）" if printed["pending"] else ""
    emit(
        args,
        printed,
        f"已打印批量核查记录 {printed['batch_number']} 第 {printed['version']} 版："
        f"{printed['pdf']}{pending}",
    )
    return 0


def _export(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    exported = batch_service.export_batch(ctx, user, args.number, args.xlsx)
    emit(
        args,
        exported,
        f"已导出批量核查记录 {exported['batch_number']} 第 {exported['version']} 版的结果表："
        f"{exported['xlsx']}",
    )
    return 0
