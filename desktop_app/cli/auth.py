"""The acting user of a command: `--user NAME` and `--password-stdin`, shared by every group.

With `--password-stdin` the passwords are the lines of standard input, in the order the
command documents (the acting user's first); otherwise they are asked for without echo.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from desktop_app.context import AppContext
from desktop_app.errors import AuthenticationError, UsageError
from desktop_app.models.users_store import User
from desktop_app.services import accounts


def add_user_options(parser: argparse.ArgumentParser) -> None:
    """Add `--user NAME` and `--password-stdin` to a command that acts as a user."""
    parser.add_argument("--user", metavar="NAME", help="以此用户身份操作（需要密码）")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="从标准输入读取密码（每行一个，当前用户的在第一行），不提示",
    )


def read_password(args: argparse.Namespace, line: int, prompt: str) -> str:
    """Password number `line` (0-based) of standard input, or asked for without echo."""
    if getattr(args, "password_stdin", False):
        lines = getattr(args, "_stdin_lines", None)
        if lines is None:
            lines = sys.stdin.read().splitlines()
            args._stdin_lines = lines
        if line >= len(lines) or not lines[line]:
            raise UsageError(f"标准输入的第 {line + 1} 行没有密码（{prompt.rstrip('：: ')}）。")
        return lines[line]
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise UsageError(
            f"无法读取密码（{prompt.rstrip('：: ')}）：请在终端中运行，或用 --password-stdin。"
        ) from None


def read_new_password(args: argparse.Namespace, line: int, prompt: str) -> str:
    """A new password: from stdin line `line`, or asked for twice without echo."""
    password = read_password(args, line, prompt)
    if not getattr(args, "password_stdin", False) and password != read_password(
        args, line, "再次输入以确认："
    ):
        raise UsageError("两次输入的密码不一致，请重新运行命令。")
    return password


def login(
    args: argparse.Namespace,
    ctx: AppContext,
    *,
    required: bool = True,
    audit_may_be_broken: bool = False,
) -> User | None:
    """Log the acting user in (audited). Returns None only when no account exists yet and
    the command may run without one (`required=False`). With `audit_may_be_broken` a login
    still works (unaudited) when the audit log's head row is missing or damaged: for the
    commands that examine, repair or rescue such a log."""
    if not args.user:
        if not required and not accounts.accounts_exist(ctx):
            return None
        if not accounts.accounts_exist(ctx):
            raise AuthenticationError(
                "尚未建立任何用户账户。请先用 users init-admin 创建管理员账户。"
            )
        raise AuthenticationError(
            "此操作需要登录：请加上 --user 用户名（密码在提示时输入，或用 --password-stdin 提供）。"
        )
    if not accounts.accounts_exist(ctx):
        raise AuthenticationError("尚未建立任何用户账户。请先用 users init-admin 创建管理员账户。")
    password = read_password(args, 0, f"用户 {args.user} 的密码：")
    return accounts.authenticate(
        ctx, args.user, password, unaudited_if_log_broken=audit_may_be_broken
    )
