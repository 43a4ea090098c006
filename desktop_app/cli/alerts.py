"""`alerts list|show|close|record` and `records rescreen`: re-checks and their alerts (自动监督).

`records rescreen [--since DATE]` is what runs after every list import and list update
package: the subjects of the stored checks of the last `rescreen_days` days checked again
against the lists as they are now; each change becomes an alert. A clerk reads their
department's open alerts with `alerts list`, looks at one with `alerts show ID`, and either
checks the subject again as a new record (`alerts record ID`) or marks it handled
(`alerts close ID --reason R`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_ROW_ID, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.models.labels import ALERT_KIND_TEXT, ALERT_RESOLUTION_TEXT, ALERT_STATE_TEXT
from desktop_app.models.record_types import active_hits
from desktop_app.services.screening import alerts as alerts_service
from desktop_app.services.screening import rescreen as rescreen_service


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("alerts", help="自动监督的提醒：列出、查看、处理")
    commands = parser.add_subparsers(dest="alerts_command", metavar="<alerts-command>")
    commands.required = True

    listing = commands.add_parser(
        "list", help="列出本部门待处理的提醒（科长、管理员可加 --all 看全部）"
    )
    state = listing.add_mutually_exclusive_group()
    state.add_argument("--all", action="store_true", help="待处理和已处理的都列出（科长、管理员）")
    state.add_argument("--closed", action="store_true", help="只列已处理的（科长、管理员）")
    listing.add_argument("--department", metavar="D", help="（管理员）只列此部门的提醒")
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_list)

    show = commands.add_parser("show", help="查看一条提醒：原核查记录、变化和新的核查结果")
    show.add_argument("alert_id", type=whole_number(1, MAX_ROW_ID), metavar="ID", help="提醒编号")
    add_user_options(show)
    add_json_flag(show)
    show.set_defaults(func=_show)

    close = commands.add_parser("close", help="把提醒标记为已处理（须写处理说明）")
    close.add_argument("alert_id", type=whole_number(1, MAX_ROW_ID), metavar="ID", help="提醒编号")
    close.add_argument("--reason", required=True, metavar="R", help="处理说明")
    add_user_options(close)
    add_json_flag(close)
    close.set_defaults(func=_close)

    record = commands.add_parser(
        "record", help="根据提醒重新核查该主体，生成新的核查记录（可登记结果反馈），并关闭提醒"
    )
    record.add_argument("alert_id", type=whole_number(1, MAX_ROW_ID), metavar="ID", help="提醒编号")
    add_user_options(record)
    add_json_flag(record)
    record.set_defaults(func=_record)


def register_rescreen(records_commands: Any) -> None:
    """`records rescreen`, added to the `records` command group."""
    parser = records_commands.add_parser(
        "rescreen",
        help="自动复查：按现有名单重新核查近期核查过的主体，有变化的生成提醒（导入名单后自动运行）",
    )
    parser.add_argument(
        "--since",
        metavar="DATE",
        help="复查自此日期（YYYY-MM-DD）以来的核查（默认按 rescreen_days）",
    )
    parser.add_argument(
        "--full", action="store_true", help="逐一重新核查每个主体（默认只复查名单变化涉及的主体）"
    )
    add_user_options(parser)
    add_json_flag(parser)
    parser.set_defaults(func=_rescreen)


def _progress_printer(args: argparse.Namespace) -> Any:
    if args.json or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total:
            sys.stderr.write(f"\r正在复查 {done}/{total} …")
            sys.stderr.flush()

    return show


def run_rescreen(
    ctx: AppContext,
    user: Any,
    *,
    since: str | None = None,
    full: bool = False,
    progress: Any = None,
) -> dict[str, Any]:
    """The re-check, for `records rescreen` and after a list import on the command line."""
    return rescreen_service.rescreen(ctx, user, since=since, full=full, progress=progress)


def rescreen_text(outcome: dict[str, Any]) -> str:
    text = rescreen_service.outcome_text(outcome)
    return text + ("用 alerts list 查看待处理的提醒。" if outcome["alerts"] else "")


def _rescreen(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx, required=False)
    progress = _progress_printer(args)
    outcome = run_rescreen(ctx, user, since=args.since, full=args.full, progress=progress)
    if progress is not None:
        sys.stderr.write("\n")
    emit(args, outcome, lambda: rescreen_text(outcome))
    return 0


def _summary_line(alert: dict[str, Any]) -> str:
    state = ALERT_STATE_TEXT.get(alert["state"], alert["state"])
    if alert["state"] == "closed":
        state += f"（{ALERT_RESOLUTION_TEXT.get(alert['resolution'] or '', '')}）"
    return (
        f"[{alert['alert_id']}] {ALERT_KIND_TEXT.get(alert['kind'], alert['kind'])}\t"
        f"{alert['subject']}\t原记录 {alert['record_number']}\t"
        f"{alert['created_at'].replace('T', ' ')[:16]}（{alert['age_days']} 天）\t{state}"
    )


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    state = None if args.all else ("closed" if args.closed else "open")
    found = alerts_service.list_alerts(ctx, user, state=state, department=args.department)
    emit(
        args,
        found,
        lambda: "\n".join([f"共 {len(found)} 条提醒", *(_summary_line(a) for a in found)]),
    )
    return 0


def alert_text(alert: dict[str, Any]) -> str:
    """An alert for reading in a terminal."""
    change, earlier, result = alert["change"], alert["earlier"], alert["result"]
    lines = [
        _summary_line(alert),
        f"部门：{alert['jurisdiction']} {alert['department']}",
        f"原核查记录：{earlier['record_number']} 第 {earlier['version']} 版，"
        f"{str(earlier.get('checked_at') or '').replace('T', ' ')[:16]} 核查，"
        f"结果：{earlier.get('status_text') or '—'}",
        f"现在：{result['status_text']}（按 {result.get('as_of') or '今天'} 的名单）",
    ]
    for hit in active_hits(result):
        marker = "新" if hit["hit_id"] in change["new_hits"] else " "
        lines.append(
            f"  {marker} 命中 [{hit['hit_id']}] {hit['name']} {hit.get('id') or ''}"
            f"｜{hit['list']}｜{hit['category']}｜列入 {hit.get('listed_on') or '—'}"
        )
    for hit_id in change["gone_hits"]:
        lines.append(f"  已撤销或失效：名单记录 [{hit_id}]（lists show {hit_id} 查看历史）")
    for item in result.get("possible") or []:
        if item["hit_id"] in change["new_possible"]:
            lines.append(
                f"  新疑似 [{item['hit_id']}] {item['name']}｜{item['list']}"
                f"｜相似度 {item['score']}：{item['reason']}"
            )
    if result.get("measures"):
        lines.append(f"本部门应实施的措施（{len(result['measures'])} 项）：")
        for measure in result["measures"]:
            lines.append(f"  {measure['id']} {measure.get('label') or ''}{measure['text']}")
    if alert["state"] == "closed":
        done = ALERT_RESOLUTION_TEXT.get(alert.get("resolution") or "", "")
        extra = alert.get("new_record_number") or alert.get("reason") or ""
        lines.append(f"已由 {alert['closed_by']} 处理：{done} {extra}")
    else:
        lines.append(
            "处理：alerts record ID（重新核查，生成新的核查记录）或 alerts close ID --reason 说明"
        )
    return "\n".join(lines)


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    alert = alerts_service.get_alert(ctx, user, args.alert_id)
    emit(args, alert, lambda: alert_text(alert))
    return 0


def _close(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    alert = alerts_service.close_alert(ctx, user, args.alert_id, args.reason)
    emit(args, alert, f"提醒 {alert['alert_id']} 已标记为已处理。")
    return 0


def _record(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    record, alert = alerts_service.record_from_alert(ctx, user, args.alert_id)
    output = {"record": record, "alert": alert}
    emit(
        args,
        output,
        f"已重新核查并生成核查记录 {record['record_number']}（{record['status_text']}），"
        f"提醒 {alert['alert_id']} 已关闭。登记反馈：records feedback {record['record_number']} …",
    )
    return 0
