"""`exclusions list | undo`: the possible matches reviewers excluded for an ID.

A clerk who rejects a possible match of a subject checked by an ID (`records reject`, the
window's 排除) excludes that listing for that ID: later checks show it collapsed as 已排除.
Supervisors see every exclusion and undo one with a reason; a clerk lists their own.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_ROW_ID, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.services import exclusions


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("exclusions", help="排除记录：列出、撤销（科长）")
    commands = parser.add_subparsers(dest="exclusions_command", metavar="<exclusions-command>")
    commands.required = True

    listing = commands.add_parser("list", help="列出排除记录（科长、管理员看全部，科员看自己的）")
    listing.add_argument(
        "--subject", metavar="ID", help="只列此身份证号码、统一社会信用代码或组织机构代码的"
    )
    listing.add_argument("--all", action="store_true", help="也列出已撤销的排除")
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_list, read_only=True)

    undo = commands.add_parser("undo", help="撤销一条排除（科长、管理员），该名单记录重新提示")
    undo.add_argument("id", type=whole_number(1, MAX_ROW_ID), metavar="ID", help="排除记录编号")
    undo.add_argument("--reason", required=True, metavar="TEXT", help="撤销理由")
    add_user_options(undo)
    add_json_flag(undo)
    undo.set_defaults(func=_undo)


def _line(item: dict[str, Any]) -> str:
    state = (
        "有效"
        if item["in_force"]
        else f"已撤销（{item['undone_by']} {item['undone_at']}：{item['undo_reason']}）"
    )
    return (
        f"[{item['id']}] {item['subject']} {item['subject_name'] or ''} ≠ 名单记录"
        f" {item['listing_id']} {item['listing_name']}｜{item['list']}｜{item['excluded_by']}"
        f" {item['excluded_at']}｜理由：{item['reason']}｜{state}"
    )


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    found = exclusions.list_exclusions(ctx, user, subject=args.subject, include_undone=args.all)
    emit(args, found, lambda: "\n".join(map(_line, found)) or "没有排除记录。")
    return 0


def _undo(args: argparse.Namespace, ctx: AppContext) -> int:
    user = login(args, ctx)
    done = exclusions.undo(ctx, user, args.id, args.reason)
    emit(args, done, f"已撤销排除 {done['id']}：{done['listing_name']} 将重新作为疑似匹配提示。")
    return 0
