"""`users init-admin | add | list | unlock | passwd | set | disable | enable`: local accounts.

Everything but `passwd` for one's own account is for admins (after the first admin exists).
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.auth import add_user_options, login, read_new_password, read_password
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
from desktop_app.models.labels import ROLE_TEXT
from desktop_app.services import accounts


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("users", help="用户账户：初始化管理员、添加、列出、解锁")
    commands = parser.add_subparsers(dest="users_command", metavar="<users-command>")
    commands.required = True

    init = commands.add_parser(
        "init-admin",
        help="首次使用：创建管理员账户（已有管理员时拒绝）",
        description="密码：--password-stdin 时为标准输入第一行，否则提示输入两次。",
    )
    init.add_argument("name", metavar="NAME", help="管理员用户名")
    _add_profile_options(init, department_required=False)
    init.add_argument(
        "--password-stdin", action="store_true", help="从标准输入第一行读取管理员密码"
    )
    add_json_flag(init)
    init.set_defaults(func=_init_admin)

    add = commands.add_parser(
        "add",
        help="添加用户（管理员）",
        description="--password-stdin 时标准输入第一行为当前管理员的密码，第二行为新用户的密码。",
    )
    add.add_argument("name", metavar="NAME", help="新用户名")
    add.add_argument(
        "--role", required=True, help="角色：clerk 科员 / supervisor 科长 / admin 管理员"
    )
    _add_profile_options(add, department_required=True)
    add_user_options(add)
    add_json_flag(add)
    add.set_defaults(func=_add)

    listing = commands.add_parser("list", help="列出用户（管理员）")
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_list)

    unlock = commands.add_parser("unlock", help="解除账户锁定（管理员）")
    unlock.add_argument("name", metavar="NAME", help="要解锁的用户名")
    add_user_options(unlock)
    add_json_flag(unlock)
    unlock.set_defaults(func=_unlock)

    passwd = commands.add_parser(
        "passwd",
        help="修改本人密码，或由管理员重置他人密码",
        description="以 --user 指定的用户操作（默认即 NAME 本人，须输入原密码）；"
        "--password-stdin 时标准输入第一行为操作者的密码（本人即原密码），第二行为新密码。",
    )
    passwd.add_argument("name", metavar="NAME", help="要修改密码的用户名")
    add_user_options(passwd)
    add_json_flag(passwd)
    passwd.set_defaults(func=_passwd)

    change = commands.add_parser("set", help="修改用户的角色、部门、地区或姓名（管理员）")
    change.add_argument("name", metavar="NAME", help="要修改的用户名")
    change.add_argument("--role", help="角色：clerk 科员 / supervisor 科长 / admin 管理员")
    _add_profile_options(change, department_required=False)
    add_user_options(change)
    add_json_flag(change)
    change.set_defaults(func=_set)

    for command, disabled, text in (
        ("disable", True, "停用账户：不能再登录，记录和日志保留（管理员）"),
        ("enable", False, "重新启用已停用的账户（管理员）"),
    ):
        toggle = commands.add_parser(command, help=text)
        toggle.add_argument("name", metavar="NAME", help="用户名")
        add_user_options(toggle)
        add_json_flag(toggle)
        toggle.set_defaults(func=_toggle, disabled=disabled)


def _add_profile_options(parser: argparse.ArgumentParser, *, department_required: bool) -> None:
    parser.add_argument(
        "--department", required=department_required, metavar="D", help="所属部门（实施部门）"
    )
    parser.add_argument(
        "--jurisdiction", metavar="J", help="所属地区（默认与当前管理员相同，其次取本机配置）"
    )
    parser.add_argument("--display-name", metavar="X", help="打印在核查记录上的姓名（默认用户名）")


def _describe(user: dict[str, Any]) -> str:
    place = f"{user['jurisdiction'] or ''} {user['department'] or ''}".strip() or "（未指定部门）"
    state = "，已锁定至 " + user["locked_until"].replace("T", " ")[:16] if user["locked"] else ""
    if user["disabled"]:
        state += "，已停用"
    return f"{user['name']}\t{user['display_name']}\t{user['role_text']}\t{place}{state}"


def _profile_text(user: Any) -> str:
    place = f"{user.jurisdiction or ''} {user.department or ''}".strip() or "未指定部门"
    return f"{user.display_name}（{ROLE_TEXT[user.role]}，{place}）"


def _init_admin(args: argparse.Namespace, ctx: AppContext) -> int:
    password = read_new_password(args, 0, f"为管理员 {args.name} 设置密码：")
    user = accounts.init_admin(
        ctx,
        args.name,
        password,
        display_name=args.display_name,
        jurisdiction=args.jurisdiction,
        department=args.department,
    )
    emit(args, user.to_dict(), f"已创建管理员账户“{user.name}”。")
    return 0


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    actor = login(args, ctx)
    accounts.require(actor, "users.manage")
    password = read_new_password(args, 1, f"为新用户 {args.name} 设置密码：")
    user = accounts.add_user(
        ctx,
        actor,
        args.name,
        password,
        role=args.role,
        department=args.department,
        jurisdiction=args.jurisdiction,
        display_name=args.display_name,
    )
    emit(
        args,
        user.to_dict(),
        f"已添加用户“{user.name}”：{_profile_text(user)}。",
    )
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    actor = login(args, ctx)
    users = accounts.list_users(ctx, actor)
    emit(
        args,
        users,
        lambda: "\n".join(["用户名\t姓名\t角色\t部门", *(_describe(u) for u in users)]),
    )
    return 0


def _unlock(args: argparse.Namespace, ctx: AppContext) -> int:
    actor = login(args, ctx)
    user = accounts.unlock_user(ctx, actor, args.name)
    emit(args, user.to_dict(), f"已解除用户“{user.name}”的锁定。")
    return 0


def _passwd(args: argparse.Namespace, ctx: AppContext) -> int:
    acting = args.user or args.name
    own = acting == args.name
    # Read here rather than through `login`: for one's own account it is the old password.
    password = read_password(args, 0, f"用户 {acting} 的{'原' if own else ''}密码：")
    actor = accounts.authenticate(ctx, acting, password)
    new_password = read_new_password(args, 1, f"为用户 {args.name} 设置新密码：")
    user = accounts.change_password(ctx, actor, args.name, new_password, old_password=password)
    done = "已修改密码" if own else "已重置密码（并解除锁定）"
    emit(args, user.to_dict(), f"用户“{user.name}”{done}。")
    return 0


def _set(args: argparse.Namespace, ctx: AppContext) -> int:
    if all(
        value is None
        for value in (args.role, args.department, args.jurisdiction, args.display_name)
    ):
        raise UsageError(
            "请指定要修改的内容：--role、--department、--jurisdiction 或 --display-name。"
        )
    actor = login(args, ctx)
    user = accounts.update_user(
        ctx,
        actor,
        args.name,
        role=args.role,
        department=args.department,
        jurisdiction=args.jurisdiction,
        display_name=args.display_name,
    )
    emit(args, user.to_dict(), f"已修改用户“{user.name}”：{_profile_text(user)}。")
    return 0


def _toggle(args: argparse.Namespace, ctx: AppContext) -> int:
    actor = login(args, ctx)
    user = accounts.set_user_disabled(ctx, actor, args.name, args.disabled)
    emit(args, user.to_dict(), f"已{'停用' if user.disabled else '启用'}用户“{user.name}”。")
    return 0
