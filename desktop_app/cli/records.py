"""`records list | show | feedback | confirm | reject | print | rescreen`: check records, as a
user (`rescreen`: see `desktop_app.cli.alerts`).

Also the hook the `check` command uses to store its result as a record and print it
(`add_record_options`, `store_check`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_VERSION, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.errors import AuthenticationError
from desktop_app.models.labels import RELATED_MATCH_TEXT, feedback_action
from desktop_app.models.record_types import CheckResult, feedback_text, hit_role, masked_query
from desktop_app.models.users_store import User
from desktop_app.services import records


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("records", help="核查记录：列出、查看、结果反馈、打印")
    commands = parser.add_subparsers(dest="records_command", metavar="<records-command>")
    commands.required = True

    listing = commands.add_parser("list", help="列出核查记录（科员只看到自己的）")
    listing.add_argument("--from", dest="date_from", metavar="D1", help="开始日期 YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="D2", help="结束日期 YYYY-MM-DD（含）")
    listing.add_argument("--department", metavar="D", help="只列此部门的记录")
    listing.add_argument("--by", metavar="NAME", help="只列此用户的记录（科长、管理员）")
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_list)

    show = commands.add_parser("show", help="查看一条核查记录（默认最新版本）")
    show.add_argument("number", metavar="NUMBER", help="核查记录编号")
    show.add_argument(
        "--version", type=whole_number(1, MAX_VERSION), metavar="N", help="查看第 N 版"
    )
    add_user_options(show)
    add_json_flag(show)
    show.set_defaults(func=_show)

    feedback = commands.add_parser("feedback", help="登记一项措施的结果反馈（生成记录的新版本）")
    feedback.add_argument("number", metavar="NUMBER", help="核查记录编号")
    feedback.add_argument("--measure", required=True, metavar="ID", help="措施编号")
    feedback.add_argument(
        "--action",
        required=True,
        metavar="ACTION",
        help="已实施（applied）/ 不适用（not_applicable，须填理由）/ 已移送（referred）",
    )
    feedback.add_argument("--reason", help="不适用的理由")
    feedback.add_argument("--note", help="备注")
    add_user_options(feedback)
    add_json_flag(feedback)
    feedback.set_defaults(func=_feedback)

    confirm = commands.add_parser(
        "confirm", help="确认一条疑似匹配为命中（更正，生成记录的新版本）"
    )
    confirm.add_argument("number", metavar="NUMBER", help="核查记录编号")
    confirm.add_argument("--hit", required=True, metavar="HIT_ID", help="疑似匹配的编号")
    add_user_options(confirm)
    add_json_flag(confirm)
    confirm.set_defaults(func=_decide, decide=records.confirm_possible_match, done="已确认为命中")

    reject = commands.add_parser(
        "reject", help="排除一条疑似匹配（不是同一主体；更正，生成记录的新版本）"
    )
    reject.add_argument("number", metavar="NUMBER", help="核查记录编号")
    reject.add_argument("--hit", required=True, metavar="HIT_ID", help="疑似匹配的编号")
    reject.add_argument(
        "--reason",
        metavar="TEXT",
        help="排除理由（按证件号码核查时记住排除，以后核查同一号码不再提示）",
    )
    add_user_options(reject)
    add_json_flag(reject)
    reject.set_defaults(func=_decide, decide=records.reject_possible_match, done="已排除")

    printing = commands.add_parser("print", help="打印（生成并签名）核查记录 PDF")
    printing.add_argument("number", metavar="NUMBER", help="核查记录编号")
    printing.add_argument("--pdf", required=True, type=Path, metavar="OUT.pdf", help="输出文件")
    printing.add_argument(
        "--version",
        type=whole_number(1, MAX_VERSION),
        metavar="N",
        help="打印第 N 版（默认最新）",
    )
    add_user_options(printing)
    add_json_flag(printing)
    printing.set_defaults(func=_print)

    from desktop_app.cli.alerts import register_rescreen

    register_rescreen(commands)


def add_record_options(parser: argparse.ArgumentParser) -> None:
    """For `check`: the acting user, and `--pdf` to print the stored record."""
    add_user_options(parser)
    parser.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="保存核查记录并打印为签名 PDF")


def store_check(
    args: argparse.Namespace, ctx: AppContext, user: User | None, result: CheckResult
) -> dict[str, Any]:
    """After a check: store it as a record when a user acts (and print it with `--pdf`).

    Returns the result's JSON with `record_number` (and `pdf`) added for the command's
    output. A check with invalid input is not recorded.
    """
    if user is None:
        if getattr(args, "pdf", None):
            raise AuthenticationError(
                "打印核查记录需要登录：请先用 users init-admin 创建管理员，再以 --user 核查。"
            )
        return result.to_json()
    if result.invalid:
        return result.to_json()
    record = records.record_check(ctx, user, result)
    output = {**result.to_json(), "record_number": record["record_number"]}
    if getattr(args, "pdf", None):
        printed = records.print_record(ctx, user, record["record_number"], args.pdf)
        output["pdf"] = printed["pdf"]
    return output


def _summary_line(record: dict[str, Any]) -> str:
    return (
        f"{record['record_number']}\t第{record['version']}版\t"
        f"{record['created_at'].replace('T', ' ')[:16]}\t{record['user']['display_name']}\t"
        f"{masked_query(record)}\t{record['status_text']}"
    )


def record_text(record: dict[str, Any]) -> str:
    """A record for reading in a terminal."""
    previous = record.get("previous_version")
    lines = [
        f"核查记录 {record['record_number']}（第 {record['version']} 版"
        + (f"，上一版：第 {previous['version']} 版" if previous else "")
        + "）",
        f"时间：{record['created_at'].replace('T', ' ')}（核查于 "
        f"{str(record['checked_at']).replace('T', ' ')}）",
        f"核查人：{record['user']['display_name']}（{record['user']['name']}）",
        f"部门：{record['jurisdiction']} {record['department']}",
        f"查询：{masked_query(record)}"
        + (f"，姓名：{record['name']}" if record.get("name") else ""),
        f"结果：{record['status_text']}",
    ]
    for hit in record["hits"]:
        state = "有效" if hit.get("active") else "已撤销/已过期"
        role = hit_role(hit)
        if role == "related":
            # Never the subject checked: a listed head office or branch, or an organisation
            # whose legal representative has the person's name.
            label = f"相关（{RELATED_MATCH_TEXT.get(hit.get('match') or '', '不是同一主体')}）"
        else:
            label = "命中" if role == "hit" else "历史记录（不计为命中）"
        lines.append(
            f"  {label}：{hit['name']} {hit.get('id') or ''}｜{hit['category']}｜{hit['list']}｜"
            f"列入 {hit.get('listed_on') or '—'}｜{state}"
        )
    for possible in record.get("possible", []):
        lines.append(
            f"  疑似（编号 {possible['hit_id']}，records confirm 确认 / records reject 排除）："
            f"{possible['name']} {possible.get('id') or ''}｜{possible['list']}"
        )
    for rejected in record.get("rejected", []):
        lines.append(
            f"  已排除（编号 {rejected['hit_id']}，{rejected['rejected_by']} "
            f"{rejected['rejected_at'].replace('T', ' ')[:16]}）：{rejected['name']}"
            f"｜{rejected['list']}"
        )
    if record["measures"]:
        lines.append("措施（编号｜内容｜结果反馈）：")
    for measure in record["measures"]:
        lines.append(
            f"  {measure['id']}｜{measure.get('label') or ''}{measure['text']}｜"
            f"{feedback_text(measure.get('feedback'))}"
        )
    lines.append(f"记录哈希：{record['record_hash']}")
    return "\n".join(lines)


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    found = records.list_records(
        ctx,
        user,
        date_from=args.date_from,
        date_to=args.date_to,
        user_name=args.by,
        department=args.department,
    )
    emit(
        args,
        found,
        lambda: "\n".join([f"共 {len(found)} 条核查记录", *(_summary_line(r) for r in found)]),
    )
    return 0


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    record = records.get_record(ctx, user, args.number, args.version)
    emit(args, record, lambda: record_text(record))
    return 0


def _feedback(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    item = records.FeedbackInput(
        measure_id=args.measure,
        action=feedback_action(args.action),
        reason=args.reason,
        note=args.note,
    )
    record = records.add_feedback(ctx, user, args.number, [item])
    emit(
        args,
        record,
        f"已登记反馈，核查记录 {record['record_number']} 现为第 {record['version']} 版。",
    )
    return 0


def _decide(args: argparse.Namespace, ctx: AppContext) -> int:
    """`records confirm` and `records reject`: the clerk's decision on a possible match."""
    user = login(args, ctx)
    if getattr(args, "reason", None) is not None:
        record = args.decide(ctx, user, args.number, args.hit, args.reason)
    else:
        record = args.decide(ctx, user, args.number, args.hit)
    emit(
        args,
        record,
        f"疑似匹配 {args.hit} {args.done}，核查记录 {record['record_number']} "
        f"现为第 {record['version']} 版（{record['status_text']}）。",
    )
    return 0


def _print(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    printed = records.print_record(ctx, user, args.number, args.pdf, version=args.version)
    emit(
        args,
        printed,
        f"已打印核查记录 {printed['record_number']} 第 {printed['version']} 版：{printed['pdf']}",
    )
    return 0
