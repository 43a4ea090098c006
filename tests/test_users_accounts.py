"""Accounts: scrypt hashes, roles and the one permission check, lockout, first admin."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from office_helpers import (
    DEPARTMENT,
    FAST_SCRYPT,
    JURISDICTION,
    PASSWORDS,
    make_users,
    office,
    office_bytes,
)

from desktop_app.errors import (
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
    UnknownNameError,
    UsageError,
    UserExistsError,
)
from desktop_app.services import accounts, audit


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def ctx(tmp_path, office_engine):
    """On SQLite and on PostgreSQL."""
    context = office(tmp_path)
    yield context
    context.close()


@pytest.fixture
def users(ctx):
    return make_users(ctx)


def _actions(ctx) -> list[str]:
    return [entry["action"] for entry in audit.entries(ctx)]


def test_default_scrypt_cost_is_stored_with_the_hash() -> None:
    stored = accounts.hash_password("正确的密码-1", accounts.ScryptParams())
    scheme, n, r, p, salt, key = stored.split("$")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(key)) == 32
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**16, 8, 1)
    assert accounts.check_password("正确的密码-1", stored)
    assert not accounts.check_password("正确的密码-2", stored)
    # A fresh salt each time: the same password never gives the same hash.
    assert accounts.hash_password("正确的密码-1", FAST_SCRYPT) != accounts.hash_password(
        "正确的密码-1", FAST_SCRYPT
    )


def test_password_is_never_stored_or_logged_in_clear(ctx, users) -> None:
    accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    with pytest.raises(AuthenticationError):
        accounts.authenticate(ctx, "zhang", "zhang-wrong-1")
    raw = office_bytes(ctx)
    for password in (*PASSWORDS.values(), "zhang-wrong-1"):
        assert password.encode() not in raw
    assert b"scrypt$1024$8$1$" in raw


def test_init_admin_refuses_when_an_admin_exists(ctx, users) -> None:
    with pytest.raises(UserExistsError, match="已有管理员账户（admin）"):
        accounts.init_admin(ctx, "admin2", "another-pass-1")
    assert ctx.office.users.get("admin2") is None
    assert ctx.office.users.count("admin") == 1


def test_new_users_get_canonical_department_and_the_admins_jurisdiction(ctx, users) -> None:
    canonical = ctx.catalog.resolve_department(JURISDICTION, DEPARTMENT)
    assert users["zhang"].jurisdiction == JURISDICTION
    assert users["zhang"].department == canonical
    assert users["zhang"].display_name == "张三"
    assert users["zhang"].role == "clerk"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"role": "boss", "department": DEPARTMENT}, InvalidInputError, "角色“boss”不存在"),
        (
            {"role": "clerk", "department": "市不存在局"},
            UnknownNameError,
            "未找到部门“市不存在局”",
        ),
        ({"role": "clerk", "department": None}, InvalidInputError, "必须属于一个部门"),
        (
            {"role": "clerk", "department": DEPARTMENT, "password": "short"},
            InvalidInputError,
            "密码太短",
        ),
        (
            {"role": "clerk", "department": DEPARTMENT, "name": "has space"},
            InvalidInputError,
            "用户名“has space”不可用",
        ),
        (
            {"role": "clerk", "department": DEPARTMENT, "name": "zhang"},
            UserExistsError,
            "用户名“zhang”已被使用",
        ),
    ],
)
def test_bad_new_user_is_refused_and_nothing_written(ctx, users, kwargs, error, message) -> None:
    before_users, before_log = ctx.office.users.count(), len(_actions(ctx))
    kwargs = dict(kwargs)  # the parameter is shared by the runs on both engines
    name = kwargs.pop("name", "newbie")
    password = kwargs.pop("password", "good-pass-1")
    with pytest.raises(error, match=message):
        accounts.add_user(ctx, users["admin"], name, password, **kwargs)
    assert ctx.office.users.count() == before_users
    assert len(_actions(ctx)) == before_log


def test_only_admins_manage_users(ctx, users) -> None:
    for name in ("zhang", "wang"):
        with pytest.raises(PermissionDeniedError, match="无权管理用户"):
            accounts.add_user(
                ctx, users[name], "x1", "good-pass-1", role="clerk", department=DEPARTMENT
            )
        with pytest.raises(PermissionDeniedError):
            accounts.unlock_user(ctx, users[name], "li")
        with pytest.raises(PermissionDeniedError):
            accounts.list_users(ctx, users[name])
    assert ctx.office.users.get("x1") is None
    listed = accounts.list_users(ctx, users["admin"])
    assert [u["name"] for u in listed] == ["admin", "li", "wang", "zhang", "zhao"]
    assert all("password" not in key for u in listed for key in u)


def test_permission_matrix() -> None:
    from desktop_app.models.users_store import User

    def user(role: str) -> User:
        return User(name=role, display_name=role, role=role, jurisdiction=None, department=None)

    expected = {
        "clerk": {"check"},
        "supervisor": {
            "check",
            "records.read_all",
            "audit.read",
            "exclusions.manage",
            "records.rescreen",
            "feedback.export",
            "feedback.read",
        },
        "admin": set(accounts.PERMISSIONS),
    }
    for role, allowed in expected.items():
        granted = {p for p in accounts.PERMISSIONS if accounts.can(user(role), p)}
        assert granted == allowed
    with pytest.raises(PermissionDeniedError, match="无权导入失信名单。此操作只能由管理员进行"):
        accounts.require(user("supervisor"), "lists.import")
    with pytest.raises(PermissionDeniedError, match="未登录用户无权"):
        accounts.require(None, "check")


def test_five_wrong_passwords_lock_the_account(ctx, users) -> None:
    start = audit.now()
    for _ in range(1, 6):
        with pytest.raises(AuthenticationError, match="用户名或密码错误"):
            accounts.authenticate(ctx, "zhang", "wrong-pass-1", at=start)
    assert ctx.office.users.get("zhang").locked_until is not None
    # The right password is refused while the lock lasts.
    with pytest.raises(AuthenticationError, match="用户名或密码错误"):
        accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"], at=start + timedelta(minutes=14))
    # Other accounts are not affected.
    assert accounts.authenticate(ctx, "li", PASSWORDS["li"], at=start).name == "li"
    # After 15 minutes the right password works again.
    later = start + timedelta(minutes=15, seconds=1)
    assert accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"], at=later).name == "zhang"
    assert ctx.office.users.get("zhang").failed_attempts == 0
    log = _actions(ctx)
    assert log.count("login_failed") == 5
    assert log.count("account_locked") == 1
    assert log.count("login_refused_locked") == 1


def test_admin_unlocks_a_locked_account(ctx, users) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(ctx, "li", "wrong-pass-1")
    with pytest.raises(AuthenticationError):
        accounts.authenticate(ctx, "li", PASSWORDS["li"])
    unlocked = accounts.unlock_user(ctx, users["admin"], "li")
    assert unlocked.locked_until is None
    assert accounts.authenticate(ctx, "li", PASSWORDS["li"]).name == "li"
    with pytest.raises(UsageError, match="用户“nobody”不存在"):
        accounts.unlock_user(ctx, users["admin"], "nobody")


def test_a_successful_login_resets_the_failure_count(ctx, users) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(ctx, "zhang", "wrong-pass-1")
    accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(ctx, "zhang", "wrong-pass-1")
    assert ctx.office.users.get("zhang").locked_until is None


def test_unknown_user_is_refused_and_audited(ctx, users) -> None:
    with pytest.raises(AuthenticationError, match="用户名或密码错误"):
        accounts.authenticate(ctx, "ghost", "whatever-1")
    last = audit.entries(ctx)[-1]
    assert (last["action"], last["user_name"], last["details"]) == (
        "login_failed",
        "ghost",
        {"reason": "unknown_user"},
    )


def test_refused_logins_do_not_tell_whether_the_account_exists(ctx, users) -> None:
    """Unknown name, wrong password, disabled and locked accounts get one message and one
    error kind; only the audit log says which it was."""
    answers = {}

    def refusal(name: str, password: str) -> tuple[str, dict]:
        with pytest.raises(AuthenticationError) as caught:
            accounts.authenticate(ctx, name, password)
        return caught.value.to_json()

    answers["unknown"] = refusal("ghost", "whatever-1")
    answers["wrong"] = refusal("zhang", "wrong-pass-1")
    accounts.set_user_disabled(ctx, users["admin"], "li", True)
    answers["disabled"] = refusal("li", PASSWORDS["li"])
    for _ in range(5):
        refusal("wang", "wrong-pass-1")
    answers["locked"] = refusal("wang", PASSWORDS["wang"])
    assert len({json.dumps(a, sort_keys=True) for a in answers.values()}) == 1, answers
    assert answers["unknown"]["kind"] == "AuthenticationError"
    assert "再错" not in answers["unknown"]["error"] and "ghost" not in answers["unknown"]["error"]
    assert "连续 5 次输错密码，账户将锁定 15 分钟" in answers["unknown"]["error"]
    reasons = [(e["action"], e["user_name"]) for e in audit.entries(ctx)[-11:]]
    assert reasons[:2] == [("login_failed", "ghost"), ("login_failed", "zhang")]
    assert ("login_refused_disabled", "li") in reasons
    assert reasons[-2:] == [("account_locked", "wang"), ("login_refused_locked", "wang")]


def test_an_unknown_name_costs_a_password_hash_like_a_real_one(ctx, users, monkeypatch) -> None:
    checked = []
    real = accounts.check_password
    monkeypatch.setattr(
        accounts, "check_password", lambda pw, stored: checked.append(stored) or real(pw, stored)
    )
    for name in ("ghost", "zhang"):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(ctx, name, "wrong-pass-1")
    assert len(checked) == 2 and all(h.startswith("scrypt$1024$8$1$") for h in checked)


def test_user_changes_are_audited(ctx, users) -> None:
    log = audit.entries(ctx)
    assert [e["action"] for e in log] == ["admin_created", *["user_added"] * 4]
    assert [e["details"]["name"] for e in log] == ["admin", "zhang", "li", "wang", "zhao"]
    assert all(e["user_name"] == "admin" for e in log)


def _hash(ctx, name: str) -> str:
    return ctx.office.users.password_hash(name)


def test_a_user_changes_their_own_password_with_the_old_one(ctx, users) -> None:
    before = _hash(ctx, "zhang")
    with pytest.raises(AuthenticationError, match="原密码不正确，密码未修改"):
        accounts.change_password(
            ctx, users["zhang"], "zhang", "new-zhang-pass", old_password="wrong-pass-1"
        )
    with pytest.raises(InvalidInputError, match="密码太短"):
        accounts.change_password(ctx, users["zhang"], "zhang", "short", old_password="x")
    assert _hash(ctx, "zhang") == before
    accounts.change_password(
        ctx, users["zhang"], "zhang", "new-zhang-pass", old_password=PASSWORDS["zhang"]
    )
    with pytest.raises(AuthenticationError):
        accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    assert accounts.authenticate(ctx, "zhang", "new-zhang-pass").name == "zhang"
    entry = audit.entries(ctx, action="password_changed")[-1]
    assert (entry["user_name"], entry["details"]) == ("zhang", {"name": "zhang"})


def test_an_admin_resets_a_password_and_lifts_the_lock(ctx, users) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(ctx, "li", "wrong-pass-1")
    accounts.change_password(ctx, users["admin"], "li", "reset-li-pass")
    assert accounts.authenticate(ctx, "li", "reset-li-pass").name == "li"
    entry = audit.entries(ctx, action="password_reset")[-1]
    assert entry["user_name"] == "admin" and entry["details"]["name"] == "li"
    assert entry["details"]["was_locked_until"] is not None
    # No password is ever in the log.
    assert "reset-li-pass" not in str(audit.entries(ctx))


def test_only_an_admin_resets_someone_elses_password(ctx, users) -> None:
    before = _hash(ctx, "li")
    for actor in ("zhang", "wang"):
        with pytest.raises(PermissionDeniedError, match="无权管理用户"):
            accounts.change_password(ctx, users[actor], "li", "stolen-pass-1")
    with pytest.raises(UsageError, match="用户“nobody”不存在"):
        accounts.change_password(ctx, users["admin"], "nobody", "whatever-pass")
    assert _hash(ctx, "li") == before
    assert audit.entries(ctx, action="password_reset") == []


def test_an_admin_changes_role_department_and_name(ctx, users) -> None:
    changed = accounts.update_user(
        ctx,
        users["admin"],
        "zhang",
        role="supervisor",
        department="市税务局",
        display_name="张科长",
    )
    assert (changed.role, changed.department, changed.display_name) == (
        "supervisor",
        "市税务局",
        "张科长",
    )
    assert ctx.office.users.get("zhang") == changed
    entry = audit.entries(ctx, action="user_changed")[-1]
    assert entry["details"]["changes"]["role"] == ["clerk", "supervisor"]
    assert entry["details"]["changes"]["display_name"] == ["张三", "张科长"]
    # Another jurisdiction: the department is looked up there.
    moved = accounts.update_user(
        ctx, users["admin"], "li", jurisdiction="昆山", department="市场监督管理局"
    )
    assert (moved.jurisdiction, moved.department) == ("昆山市", "市市场监督管理局")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"role": "boss"}, InvalidInputError, "角色“boss”不存在"),
        ({"department": "市场监管"}, UnknownNameError, "未找到部门“市场监管”"),
        ({"display_name": "张三"}, UsageError, "资料没有变化"),
    ],
)
def test_a_bad_user_change_is_refused_and_nothing_written(
    ctx, users, kwargs, error, message
) -> None:
    before = ctx.office.users.get("zhang")
    entries = len(audit.entries(ctx))
    with pytest.raises(error, match=message):
        accounts.update_user(ctx, users["admin"], "zhang", **kwargs)
    assert ctx.office.users.get("zhang") == before
    assert len(audit.entries(ctx)) == entries
    with pytest.raises(PermissionDeniedError):
        accounts.update_user(ctx, users["wang"], "zhang", role="admin")
    assert ctx.office.users.get("zhang") == before


def test_a_disabled_user_cannot_log_in_until_enabled(ctx, users) -> None:
    disabled = accounts.set_user_disabled(ctx, users["admin"], "zhang", True)
    assert disabled.disabled is True
    with pytest.raises(AuthenticationError, match="用户名或密码错误"):
        accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    with pytest.raises(UsageError, match="已停用，未作修改"):
        accounts.set_user_disabled(ctx, users["admin"], "zhang", True)
    with pytest.raises(PermissionDeniedError):
        accounts.set_user_disabled(ctx, users["wang"], "zhang", False)
    assert next(u for u in accounts.list_users(ctx, users["admin"]) if u["name"] == "zhang")[
        "disabled"
    ]
    accounts.set_user_disabled(ctx, users["admin"], "zhang", False)
    assert accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"]).name == "zhang"
    log = _actions(ctx)
    assert tuple(
        a for a in log if a in ("user_disabled", "login_refused_disabled", "user_enabled")
    ) == ("user_disabled", "login_refused_disabled", "user_enabled")


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(ctx, users) -> None:
    admin = users["admin"]
    with pytest.raises(UsageError, match="唯一在用的管理员，不能停用"):
        accounts.set_user_disabled(ctx, admin, "admin", True)
    with pytest.raises(UsageError, match="唯一在用的管理员，不能改为其他角色"):
        accounts.update_user(ctx, admin, "admin", role="clerk", department="市市场监管局")
    assert ctx.office.users.get("admin").role == "admin"
    # A second admin who is disabled does not count; once enabled, the first may step down.
    accounts.update_user(ctx, admin, "wang", role="admin")
    accounts.set_user_disabled(ctx, admin, "wang", True)
    with pytest.raises(UsageError, match="唯一在用的管理员"):
        accounts.set_user_disabled(ctx, admin, "admin", True)
    accounts.set_user_disabled(ctx, admin, "wang", False)
    accounts.update_user(ctx, admin, "admin", role="clerk", department="市市场监管局")
    assert ctx.office.users.get("admin").role == "clerk"
    assert ctx.office.users.count("admin", active_only=True) == 1
