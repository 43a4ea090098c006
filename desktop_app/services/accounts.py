"""Local user accounts: roles, scrypt password hashes, lockout, and the ONE permission check.

Roles: `clerk` (科员) checks and gives feedback on their own records; `supervisor` (科长/信用办)
also sees every user's checks and the audit trail; `admin` (管理员) also imports lists, manages
users, changes settings and imports certificates. Every other module asks `require(user,
permission)`; no role names are compared anywhere else.

Users change their own password with the old one; an admin resets anyone's, changes a user's
role, department, jurisdiction or display name, and disables or re-enables an account (a
disabled account cannot log in). The last active administrator can be neither disabled nor
demoted, so that someone can always manage the office. Every change is audited.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from desktop_app.errors import (
    AuditHeadError,
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
    UsageError,
    UserExistsError,
)
from desktop_app.models.labels import ROLE_TEXT
from desktop_app.models.users_store import User
from desktop_app.services import audit

if TYPE_CHECKING:
    from desktop_app.context import AppContext

ROLES = tuple(ROLE_TEXT)

# permission → (roles that hold it, what it allows, in Chinese for the refusal message)
PERMISSIONS: dict[str, tuple[frozenset[str], str]] = {
    "check": (frozenset(ROLES), "核查"),
    "records.read_all": (frozenset({"supervisor", "admin"}), "查看其他用户的核查记录"),
    "audit.read": (frozenset({"supervisor", "admin"}), "查看和校验审计日志"),
    "lists.import": (frozenset({"admin"}), "导入失信名单"),
    "users.manage": (frozenset({"admin"}), "管理用户"),
    "settings.change": (frozenset({"admin"}), "修改设置"),
    "certificates.import": (frozenset({"admin"}), "导入证书"),
    "certificates.export": (frozenset({"admin"}), "导出证书"),
    "backup": (frozenset({"admin"}), "备份或恢复数据"),
    "audit.repair": (frozenset({"admin"}), "重建审计日志链尾"),
    # issue 11: listings hold personal data; a clerk sees a hit's listing in the check itself
    "lists.read": (frozenset({"admin"}), "查看名单记录"),
    "lists.unmasked": (frozenset({"admin"}), "查看完整证件号码"),
    "exclusions.manage": (frozenset({"supervisor", "admin"}), "查看所有排除记录并撤销排除"),
    "records.rescreen": (frozenset({"supervisor", "admin"}), "运行自动复查"),
    "alerts.all_departments": (frozenset({"admin"}), "查看和处理其他部门的提醒"),
    "feedback.export": (frozenset({"supervisor", "admin"}), "导出反馈包"),
    "feedback.import": (frozenset({"admin"}), "导入各部门的反馈包"),
    "feedback.read": (frozenset({"supervisor", "admin"}), "查看各部门的反馈和联合惩戒动态"),
}

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost: memory 128·n·r bytes (64 MiB), 0.25–0.37 s a login here (bench_audit)."""

    n: int = 2**16
    r: int = 8
    p: int = 1


# The cost new hashes get; each stored hash carries its own, so raising it later is harmless.
SCRYPT = ScryptParams()
_SALT_BYTES = 16
_KEY_BYTES = 32


def hash_password(password: str, params: ScryptParams | None = None) -> str:
    """`scrypt$n$r$p$salt$key` (base64) with a fresh random salt."""
    params = params or SCRYPT
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, params.n, params.r, params.p)
    encode = base64.b64encode
    return (
        f"scrypt${params.n}${params.r}${params.p}$"
        f"{encode(salt).decode('ascii')}${encode(key).decode('ascii')}"
    )


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r * p + 2**20,
        dklen=_KEY_BYTES,
    )


def can(user: User | None, permission: str) -> bool:
    """Whether `user` holds `permission` (see `PERMISSIONS`)."""
    roles, _ = PERMISSIONS[permission]
    return user is not None and user.role in roles


def require(user: User | None, permission: str) -> None:
    """Raise `PermissionDeniedError` unless `user` holds `permission`."""
    if can(user, permission):
        return
    roles, what = PERMISSIONS[permission]
    allowed = "、".join(ROLE_TEXT[r] for r in ROLES if r in roles)
    who = f"用户“{user.name}”（{ROLE_TEXT[user.role]}）" if user else "未登录用户"
    raise PermissionDeniedError(
        f"{who}无权{what}。此操作只能由{allowed}进行，请联系管理员。",
        permission=permission,
    )


def require_once_accounts_exist(ctx: AppContext, user: User | None, permission: str) -> None:
    """`require(user, permission)` once any account exists. Before the first account IT sets
    a machine up (certificate, settings, lists) from the command line without a user."""
    if accounts_exist(ctx):
        require(user, permission)


def require_department(user: User, jurisdiction: str, department: str) -> None:
    """Clerks and supervisors act for their own department only; admins (IT) for any."""
    if user.role == "admin" or (user.jurisdiction, user.department) == (
        jurisdiction,
        department,
    ):
        return
    raise PermissionDeniedError(
        f"用户“{user.name}”属于{user.jurisdiction or ''} {user.department or '（未指定部门）'}，"
        f"不能以{jurisdiction} {department}的名义核查。请选择本部门，或由管理员调整您的部门。",
        permission="check.department",
    )


def require_record_access(user: User, record: Mapping[str, Any]) -> None:
    """A user reads and gives feedback on their own records; supervisors and admins on all."""
    if record["user"]["name"] == user.name:
        return
    require(user, "records.read_all")


def accounts_exist(ctx: AppContext) -> bool:
    """Once any account exists, checks, imports and audit commands need a logged-in user.

    A data folder without office.db has no account, and asking does not create the database.
    """
    if not ctx.office_exists():
        return False
    return ctx.office.users.count() > 0


_NAME_RE = re.compile(r"^[^\s/\\:*?\"<>|$]{1,32}$")


def _validate_new_user(
    ctx: AppContext,
    name: str,
    password: str,
    role: str,
    jurisdiction: str | None,
    department: str | None,
) -> tuple[str | None, str | None]:
    if not _NAME_RE.match(name):
        raise InvalidInputError(
            f'用户名“{name}”不可用：请用 1–32 个字符，不含空格和 / \\ : * ? " < > | $。'
        )
    _validate_role(role)
    _validate_password(password)
    jurisdiction, department = _place(ctx, role, jurisdiction, department)
    if ctx.office.users.get(name) is not None:
        raise UserExistsError(f"用户名“{name}”已被使用，请换一个用户名。", name=name)
    return jurisdiction, department


def _validate_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInputError(
            f"角色“{role}”不存在。请选择：" + "、".join(f"{r}（{t}）" for r, t in ROLE_TEXT.items())
        )


def _validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"密码太短：至少需要 {MIN_PASSWORD_LENGTH} 个字符，请重新设置。")


def _place(
    ctx: AppContext, role: str, jurisdiction: str | None, department: str | None
) -> tuple[str | None, str | None]:
    """The account's jurisdiction and department, canonical; only admins may have none. A
    department without a jurisdiction is in the machine's configured jurisdiction."""
    if department is not None and jurisdiction is None:
        jurisdiction = ctx.config.jurisdiction
    if department is not None and jurisdiction is None:
        known = "、".join(j["name"] for j in ctx.catalog.jurisdictions())
        raise InvalidInputError(
            "指定部门时也需要指定地区：请加上 --jurisdiction（可选：" + known + "），"
            "或由信息科在本机配置中设置 jurisdiction（见 docs/CONFIG.md）。"
        )
    if role != "admin" and department is None:
        raise InvalidInputError(
            f"{ROLE_TEXT[role]}账户必须属于一个部门："
            "请用 --department 指定（以及 --jurisdiction）。"
        )
    catalog = ctx.catalog
    if jurisdiction is not None:
        jurisdiction = catalog.resolve_jurisdiction(jurisdiction)
    if department is not None:
        department = catalog.resolve_department(jurisdiction, department)
    return jurisdiction, department


def _create(
    ctx: AppContext,
    actor: User | None,
    action: str,
    *,
    name: str,
    password: str,
    role: str,
    display_name: str | None,
    jurisdiction: str | None,
    department: str | None,
) -> User:
    at = audit.timestamp()
    user = User(
        name=name,
        display_name=(display_name or "").strip() or name,
        role=role,
        jurisdiction=jurisdiction,
        department=department,
        created_at=at,
        updated_at=at,
    )
    ctx.office.users.add(user, hash_password(password))
    audit.log_event(
        ctx,
        actor or user,
        action,
        details={
            "name": user.name,
            "display_name": user.display_name,
            "role": role,
            "jurisdiction": jurisdiction,
            "department": department,
        },
    )
    return user


def init_admin(
    ctx: AppContext,
    name: str,
    password: str,
    *,
    display_name: str | None = None,
    jurisdiction: str | None = None,
    department: str | None = None,
) -> User:
    """First start: create the administrator. Refused once any admin exists."""
    office = ctx.office
    with office.transaction():
        jurisdiction, department = _validate_new_user(
            ctx, name, password, "admin", jurisdiction, department
        )
        existing = [u.name for u in office.users.all() if u.role == "admin"]
        if existing:
            raise UserExistsError(
                f"已有管理员账户（{'、'.join(existing)}），不能再次初始化。"
                "如需添加用户，请以管理员身份使用 users add。"
            )
        return _create(
            ctx,
            None,
            "admin_created",
            name=name,
            password=password,
            role="admin",
            display_name=display_name,
            jurisdiction=jurisdiction,
            department=department,
        )


def add_user(
    ctx: AppContext,
    actor: User,
    name: str,
    password: str,
    *,
    role: str,
    department: str | None,
    jurisdiction: str | None = None,
    display_name: str | None = None,
) -> User:
    """An admin adds a user; the jurisdiction defaults to the admin's own, else the
    machine's."""
    require(actor, "users.manage")
    jurisdiction = jurisdiction or actor.jurisdiction
    with ctx.office.transaction():
        jurisdiction, department = _validate_new_user(
            ctx, name, password, role, jurisdiction, department
        )
        return _create(
            ctx,
            actor,
            "user_added",
            name=name,
            password=password,
            role=role,
            display_name=display_name,
            jurisdiction=jurisdiction,
            department=department,
        )


def list_users(ctx: AppContext, actor: User) -> list[dict[str, Any]]:
    """Every account (never with password hashes), with its role and lock state in Chinese."""
    require(actor, "users.manage")
    moment = audit.now()
    return [
        {
            **u.to_dict(),
            "role_text": ROLE_TEXT[u.role],
            "locked": _locked(u, moment),
        }
        for u in ctx.office.users.all()
    ]


def _existing_user(ctx: AppContext, name: str) -> User:
    user = ctx.office.users.get(name)
    if user is None:
        raise UsageError(f"用户“{name}”不存在。请用 users list 查看用户名。", name=name)
    return user


def _refuse_losing_the_last_admin(ctx: AppContext, user: User, what: str) -> None:
    if (
        user.role == "admin"
        and not user.disabled
        and ctx.office.users.count("admin", active_only=True) <= 1
    ):
        raise UsageError(
            f"“{user.name}”是唯一在用的管理员，不能{what}：请先添加或启用另一个管理员账户。",
            name=user.name,
        )


def change_password(
    ctx: AppContext,
    actor: User,
    name: str,
    new_password: str,
    *,
    old_password: str | None = None,
) -> User:
    """A user changes their own password (giving the old one); an admin resets another
    user's, which also lifts a lockout. Audited, never with a password in the details."""
    _validate_password(new_password)
    office = ctx.office
    with office.transaction():
        target = _existing_user(ctx, name)
        own = actor.name == name
        if own:
            if not check_password(old_password or "", office.users.password_hash(name) or ""):
                raise AuthenticationError("原密码不正确，密码未修改。请重新输入原密码。")
        else:
            require(actor, "users.manage")
        at = audit.timestamp()
        office.users.set_password_hash(name, hash_password(new_password), at)
        details: dict[str, Any] = {"name": name}
        if not own:
            office.users.clear_lock(name, at)
            details["was_locked_until"] = target.locked_until
        audit.log_event(
            ctx, actor, "password_changed" if own else "password_reset", details=details
        )
    return _existing_user(ctx, name)


def update_user(
    ctx: AppContext,
    actor: User,
    name: str,
    *,
    role: str | None = None,
    department: str | None = None,
    jurisdiction: str | None = None,
    display_name: str | None = None,
) -> User:
    """An admin changes a user's role, department, jurisdiction or display name (audited).

    A department is looked up in the new jurisdiction when one is given, else in the user's.
    """
    require(actor, "users.manage")
    office = ctx.office
    with office.transaction():
        user = _existing_user(ctx, name)
        new_role = role if role is not None else user.role
        _validate_role(new_role)
        new_jurisdiction, new_department = _place(
            ctx,
            new_role,
            jurisdiction if jurisdiction is not None else user.jurisdiction,
            department if department is not None else user.department,
        )
        new_display = (display_name or "").strip() or user.display_name
        changes = {
            field: [old, new]
            for field, old, new in (
                ("role", user.role, new_role),
                ("jurisdiction", user.jurisdiction, new_jurisdiction),
                ("department", user.department, new_department),
                ("display_name", user.display_name, new_display),
            )
            if old != new
        }
        if not changes:
            raise UsageError(f"用户“{name}”的资料没有变化，未作修改。", name=name)
        if "role" in changes:
            _refuse_losing_the_last_admin(ctx, user, "改为其他角色")
        office.users.update_profile(
            name,
            display_name=new_display,
            role=new_role,
            jurisdiction=new_jurisdiction,
            department=new_department,
            at=audit.timestamp(),
        )
        audit.log_event(ctx, actor, "user_changed", details={"name": name, "changes": changes})
    return _existing_user(ctx, name)


def set_user_disabled(ctx: AppContext, actor: User, name: str, disabled: bool) -> User:
    """An admin disables an account (it can no longer log in; its records and history stay)
    or enables it again (audited)."""
    require(actor, "users.manage")
    office = ctx.office
    with office.transaction():
        user = _existing_user(ctx, name)
        if user.disabled == disabled:
            state = "已停用" if disabled else "已在使用中"
            raise UsageError(f"用户“{name}”{state}，未作修改。", name=name)
        if disabled:
            _refuse_losing_the_last_admin(ctx, user, "停用")
        office.users.set_disabled(name, disabled, audit.timestamp())
        audit.log_event(
            ctx, actor, "user_disabled" if disabled else "user_enabled", details={"name": name}
        )
    return _existing_user(ctx, name)


def unlock_user(ctx: AppContext, actor: User, name: str) -> User:
    """An admin lifts a lockout (and forgets the failed attempts)."""
    require(actor, "users.manage")
    office = ctx.office
    with office.transaction():
        user = _existing_user(ctx, name)
        office.users.clear_lock(name, audit.timestamp())
        audit.log_event(
            ctx,
            actor,
            "user_unlocked",
            details={"name": name, "was_locked_until": user.locked_until},
        )
    unlocked = office.users.get(name)
    assert unlocked is not None
    return unlocked


def _locked(user: User, moment: datetime) -> bool:
    return user.locked_until is not None and moment < datetime.fromisoformat(user.locked_until)


def login_refused_message() -> str:
    """The one answer to every refused login: it never tells whether the account exists,
    is disabled or is locked (the audit log records which it was, for the administrator)."""
    minutes = int(LOCK_DURATION.total_seconds() // 60)
    return (
        "用户名或密码错误，或者账户已停用或已锁定，无法登录。请核对后重试；"
        f"连续 {MAX_FAILED_LOGINS} 次输错密码，账户将锁定 {minutes} 分钟。"
        "如仍无法登录，请联系管理员。"
    )


@functools.cache
def _stand_in_hash(params: ScryptParams) -> str:
    """A hash no password matches, checked for unknown names so that they take as long."""
    return hash_password(secrets.token_urlsafe(16), params)


def authenticate(
    ctx: AppContext,
    name: str,
    password: str,
    *,
    at: datetime | None = None,
    unaudited_if_log_broken: bool = False,
) -> User:
    """Log in: the user, or `AuthenticationError` with the same message whatever the reason
    (unknown name, wrong password, disabled or locked account). Always audited.

    Five consecutive wrong passwords lock the account for 15 minutes; while it is locked even
    the right password is refused, until the time passes or an admin unlocks it. Every
    attempt checks one scrypt hash (a stand-in for unknown names), so the time taken does not
    tell accounts apart either.

    When the audit log cannot be written (`AuditHeadError`: its head row is missing or
    damaged) the login fails with that error, unless `unaudited_if_log_broken`: then the same
    checks and lockout apply without audit entries. Only the commands that examine or repair
    a broken log (audit verify, audit repair-head, backup) ask for that.
    """
    moment = at or audit.now()
    try:
        return _authenticate(ctx, name, password, moment, audited=True)
    except AuditHeadError:
        if not unaudited_if_log_broken:
            raise
    return _authenticate(ctx, name, password, moment, audited=False)


def _authenticate(
    ctx: AppContext, name: str, password: str, moment: datetime, *, audited: bool
) -> User:
    office = ctx.office

    def log(who: User | str, action: str, details: dict[str, Any] | None = None) -> None:
        if audited:
            audit.log_event(ctx, who, action, details=details, at=moment)

    refused = False
    with office.transaction():
        user = office.users.get(name)
        stored = office.users.password_hash(name) if user is not None else None
        matches = check_password(password, stored or _stand_in_hash(SCRYPT)) and bool(stored)
        if user is None:
            log(name, "login_failed", {"reason": "unknown_user"})
            refused = True
        elif user.disabled:
            log(user, "login_refused_disabled")
            refused = True
        elif _locked(user, moment):
            log(user, "login_refused_locked")
            refused = True
        elif not matches:
            failures = office.users.add_failed_attempt(name, audit.timestamp(moment))
            log(user, "login_failed", {"reason": "wrong_password"})
            if failures >= MAX_FAILED_LOGINS:
                until = audit.timestamp(moment + LOCK_DURATION)
                office.users.lock(name, until, audit.timestamp(moment))
                log(user, "account_locked", {"until": until})
            refused = True
        else:
            office.users.clear_lock(name, audit.timestamp(moment))
            log(user, "login", {"role": user.role})
    # Raised after the commit: a refused login must still be recorded.
    if refused:
        raise AuthenticationError(login_refused_message())
    logged_in = office.users.get(name)
    assert logged_in is not None
    return logged_in


def confirm_password(ctx: AppContext, user: User, password: str, purpose: str) -> None:
    """The logged-in `user` types their password once more before a grave action (`purpose`
    in Chinese, e.g. "创建含签名密钥口令的备份"). A wrong password counts towards the lockout
    like a failed login and is audited (`password_confirm_failed`); raises
    `AuthenticationError`, and the action is not done."""
    moment = audit.now()
    office = ctx.office
    refused = None
    with office.transaction():
        current = office.users.get(user.name)
        stored = office.users.password_hash(user.name) if current is not None else None
        if current is None or stored is None or current.disabled or _locked(current, moment):
            refused = "unusable"
        elif not check_password(password, stored):
            failures = office.users.add_failed_attempt(user.name, audit.timestamp(moment))
            audit.log_event(
                ctx, current, "password_confirm_failed", details={"purpose": purpose}, at=moment
            )
            if failures >= MAX_FAILED_LOGINS:
                until = audit.timestamp(moment + LOCK_DURATION)
                office.users.lock(user.name, until, audit.timestamp(moment))
                audit.log_event(ctx, current, "account_locked", details={"until": until}, at=moment)
            refused = "wrong_password"
    if refused == "unusable":
        raise AuthenticationError(login_refused_message())
    if refused:
        raise AuthenticationError(
            f"再次输入的密码不对，未能{purpose}。"
            f"请重新运行命令，两次都输入用户 {user.name} 的密码；"
            f"连续 {MAX_FAILED_LOGINS} 次输错密码，账户将锁定。"
        )
