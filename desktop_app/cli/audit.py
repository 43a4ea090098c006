"""`audit verify | list | report`: the hash-chained audit trail (supervisors and admins)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_COUNT, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.services import accounts, audit
from desktop_app.services.audit import audit_report, verify_text
from desktop_app.services.audit.witness import current_witness, witnesses_in_file
from desktop_app.services.output import write_output
from desktop_app.services.records import parse_day, signing


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="审计日志：校验、查询、审计报告")
    commands = parser.add_subparsers(dest="audit_command", metavar="<audit-command>")
    commands.required = True

    verify = commands.add_parser(
        "verify",
        help="校验审计日志链和核查记录，指出第一处被改动、删除或调换的记录",
        description="--witness 给出留存在外的见证（核查记录 PDF、审计报告 PDF、"
        "备份或 audit witness 写下的文本），证明审计日志仍包含每个见证时的链头；"
        "若日志被改写（并重新计算哈希）、截断或回退，指出第一个不再包含的见证。",
    )
    verify.add_argument(
        "--witness",
        nargs="+",
        type=Path,
        default=None,
        metavar="FILE",
        help="见证文件：核查记录 PDF、审计报告 PDF，或含 XYHC-AUDIT-WITNESS 行的文本",
    )
    add_user_options(verify)
    add_json_flag(verify)
    verify.set_defaults(func=_verify, read_only=True)

    witness = commands.add_parser(
        "witness",
        help="显示审计日志当前的见证（链的位置和链头哈希），可抄录或存为文件留存",
    )
    witness.add_argument("--out", type=Path, metavar="FILE", help="同时写入此文本文件")
    add_user_options(witness)
    add_json_flag(witness)
    witness.set_defaults(func=_witness)

    repair = commands.add_parser(
        "repair-head",
        help="链尾记录（audit_head）缺失或损坏时，按最后一条日志重建（管理员，记入审计日志）",
    )
    add_user_options(repair)
    add_json_flag(repair)
    repair.set_defaults(func=_repair_head)

    listing = commands.add_parser("list", help="查询审计日志")
    listing.add_argument("--from", dest="date_from", metavar="D1", help="开始日期 YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="D2", help="结束日期 YYYY-MM-DD（含）")
    listing.add_argument("--by", metavar="NAME", help="只列此用户的操作")
    listing.add_argument("--action", help="只列此类操作，如 check、login_failed、print")
    listing.add_argument(
        "--limit", type=whole_number(1, MAX_COUNT), metavar="N", help="最多列出 N 条"
    )
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_list, read_only=True)

    report = commands.add_parser(
        "report",
        help="审计报告：统计、图表、核查清单和结果反馈表（PDF 和 Excel）",
        description="--user 为执行报告的用户；科员的报告只含本人的核查，"
        "科长和管理员可用 --by 指定某个用户，或用 --department 指定部门。",
    )
    report.add_argument("--from", dest="date_from", required=True, metavar="D1", help="开始日期")
    report.add_argument("--to", dest="date_to", required=True, metavar="D2", help="结束日期（含）")
    report.add_argument("--department", metavar="D", help="只统计此部门")
    report.add_argument("--by", metavar="NAME", help="只统计此用户的核查")
    report.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="PDF 报告")
    report.add_argument("--xlsx", type=Path, metavar="OUT.xlsx", help="Excel 报告")
    add_user_options(report)
    add_json_flag(report)
    report.set_defaults(func=_report)


def _verify(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False, audit_may_be_broken=True)
    if user is not None:
        accounts.require(user, "audit.read")
    found = None
    if args.witness:
        trusted = signing.trusted_certificates(ctx.data_dir)
        found = [w for path in args.witness for w in witnesses_in_file(path, trusted)]
    result = audit.verify_chain(ctx, found)
    emit(args, result, lambda: verify_text(result))
    return 0 if result["ok"] else 1


def _witness(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    if user is not None:
        accounts.require(user, "audit.read")
    witness = current_witness(ctx)
    line = witness.to_text()
    if args.out:
        write_output(args.out, (line + "\n").encode("utf-8"))
    emit(
        args,
        {**witness.to_dict(), "text": line, "file": str(args.out) if args.out else None},
        f"{line}\n（{witness.visible_text()}）" + (f"\n已写入：{args.out}" if args.out else ""),
    )
    return 0


_FOUND_TEXT = {"missing": "缺失", "damaged": "已损坏", "behind": "落后于日志"}


def _repair_head(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, audit_may_be_broken=True)
    assert user is not None
    result = audit.repair_head(ctx, user)
    emit(
        args,
        result,
        f"已按最后一条日志重建审计日志的链尾（原链尾{_FOUND_TEXT[result['found']]}），"
        f"并记入审计日志第 {result['entry']} 条。请运行 audit verify --witness 核对留存的见证。",
    )
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    accounts.require(user, "audit.read")
    found = audit.entries(
        ctx,
        date_from=parse_day(args.date_from, "开始日期"),
        date_to=parse_day(args.date_to, "结束日期"),
        user_name=args.by,
        action=args.action,
        limit=args.limit,
    )

    def line(entry: dict[str, Any]) -> str:
        subject = entry["record_number"] or ""
        return (
            f"{entry['seq']}\t{entry['at'].replace('T', ' ')}\t{entry['user_name'] or '—'}\t"
            f"{entry['action_text']}\t{subject}"
        )

    emit(args, found, lambda: "\n".join([f"共 {len(found)} 条", *(line(e) for e in found)]))
    return 0


def _report(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    report = audit_report.build_report(
        ctx,
        user,
        date_from=args.date_from,
        date_to=args.date_to,
        department=args.department,
        user_name=args.by,
    )
    written = audit_report.write_report(ctx, user, report, pdf=args.pdf, xlsx=args.xlsx)
    totals = report["totals"]
    emit(
        args,
        {**report, "files": written},
        f"审计报告（{report['date_from']} 至 {report['date_to']}）：核查 {totals['checks']} 次，"
        f"命中 {totals['hits']} 次，命中率 {totals['hit_rate_text']}。\n"
        + "\n".join(f"已写入：{path}" for path in written.values()),
    )
    return 0
