"""`audit verify | list | report`: the hash-chained audit trail (supervisors and admins)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.services import accounts, audit
from desktop_app.services.audit import audit_report
from desktop_app.services.records import parse_day


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="审计日志：校验、查询、审计报告")
    commands = parser.add_subparsers(dest="audit_command", metavar="<audit-command>")
    commands.required = True

    verify = commands.add_parser(
        "verify", help="校验审计日志链和核查记录，指出第一处被改动、删除或调换的记录"
    )
    add_user_options(verify)
    add_json_flag(verify)
    verify.set_defaults(func=_verify, read_only=True)

    listing = commands.add_parser("list", help="查询审计日志")
    listing.add_argument("--from", dest="date_from", metavar="D1", help="开始日期 YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="D2", help="结束日期 YYYY-MM-DD（含）")
    listing.add_argument("--by", metavar="NAME", help="只列此用户的操作")
    listing.add_argument("--action", help="只列此类操作，如 check、login_failed、print")
    listing.add_argument("--limit", type=int, metavar="N", help="最多列出 N 条")
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
    user = login(args, ctx, required=False)
    if user is not None:
        accounts.require(user, "audit.read")
    result = audit.verify_chain(ctx)

    def text() -> str:
        if result["ok"]:
            return (
                f"审计日志完好：{result['entries']} 条日志环环相扣，"
                f"{result['records']} 个核查记录版本与其哈希和登记一致。"
            )
        lines = [f"审计日志校验未通过，发现 {len(result['problems'])} 处问题："]
        lines += [f"  {i}. {p['message']}" for i, p in enumerate(result["problems"], 1)]
        if result["truncated"]:
            lines.append("  ……（问题过多，只列出前面的部分）")
        return "\n".join(lines)

    emit(args, result, text)
    return 0 if result["ok"] else 1


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
