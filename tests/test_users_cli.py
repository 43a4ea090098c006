"""`users …` and the acting-user options, run in-process as `python -m desktop_app` would."""

from __future__ import annotations

import io
import json

import pytest
from office_helpers import DEPARTMENT, FAST_SCRYPT, JURISDICTION

from desktop_app.cli import main
from desktop_app.services import accounts


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def run(tmp_path, monkeypatch, capsys, office_engine):
    """run(*argv, stdin="") -> (exit code, stdout, stderr) on a fresh data folder, with the
    office database on SQLite and on PostgreSQL."""
    data = tmp_path / "data"

    def runner(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(data), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return runner


@pytest.fixture
def office_run(run):
    """The data folder with admin and clerk zhang."""
    code, _, err = run(
        "users",
        "init-admin",
        "admin",
        "--display-name",
        "信息科管理员",
        "--jurisdiction",
        JURISDICTION,
        "--department",
        DEPARTMENT,
        "--password-stdin",
        stdin="admin-pass-1\n",
    )
    assert code == 0, err
    code, _, err = run(
        "users",
        "add",
        "zhang",
        "--role",
        "clerk",
        "--department",
        DEPARTMENT,
        "--display-name",
        "张三",
        "--user",
        "admin",
        "--password-stdin",
        stdin="admin-pass-1\nzhang-pass-1\n",
    )
    assert code == 0, err
    return run


def _users(run) -> list[dict]:
    code, out, err = run(
        "users", "list", "--user", "admin", "--password-stdin", "--json", stdin="admin-pass-1\n"
    )
    assert code == 0, err
    return json.loads(out)


def test_init_admin_then_add_and_list(office_run) -> None:
    users = _users(office_run)
    assert [(u["name"], u["role"], u["display_name"]) for u in users] == [
        ("admin", "admin", "信息科管理员"),
        ("zhang", "clerk", "张三"),
    ]
    assert users[1]["jurisdiction"] == JURISDICTION and users[1]["locked"] is False
    assert "password_hash" not in users[0]
    code, out, _ = office_run(
        "users", "list", "--user", "admin", "--password-stdin", stdin="admin-pass-1\n"
    )
    assert code == 0 and "zhang\t张三\t科员\t柳州市" in out


def test_second_init_admin_is_refused(office_run) -> None:
    code, _, err = office_run(
        "users", "init-admin", "boss", "--password-stdin", stdin="boss-pass-1\n"
    )
    assert code == 2
    assert "已有管理员账户（admin），不能再次初始化" in err
    assert [u["name"] for u in _users(office_run)] == ["admin", "zhang"]


def test_add_needs_the_new_password_on_the_second_line(office_run) -> None:
    code, _, err = office_run(
        "users", "add", "li", "--role", "clerk", "--department", DEPARTMENT,
        "--user", "admin", "--password-stdin", stdin="admin-pass-1\n",
    )  # fmt: skip
    assert code == 2 and "标准输入的第 2 行没有密码" in err
    assert [u["name"] for u in _users(office_run)] == ["admin", "zhang"]


def test_a_clerk_cannot_add_users(office_run) -> None:
    code, _, err = office_run(
        "users", "add", "li", "--role", "clerk", "--department", DEPARTMENT,
        "--user", "zhang", "--password-stdin", stdin="zhang-pass-1\nli-pass-123\n",
    )  # fmt: skip
    assert code == 7 and "无权管理用户" in err
    assert [u["name"] for u in _users(office_run)] == ["admin", "zhang"]


def test_unknown_department_is_a_usage_error_with_suggestions(office_run) -> None:
    code, _, err = office_run(
        "users", "add", "li", "--role", "clerk", "--department", "市场监管",
        "--user", "admin", "--password-stdin", stdin="admin-pass-1\nli-pass-123\n",
    )  # fmt: skip
    assert code == 2 and "未找到部门“市场监管”" in err and "您是否要找" in err


def test_lockout_and_unlock_through_the_cli(office_run) -> None:
    for _ in range(4):
        code, _, err = office_run(
            "records", "list", "--user", "zhang", "--password-stdin", stdin="bad-pass-1\n"
        )
        assert code == 7 and "用户名或密码错误" in err
    code, _, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="bad-pass-1\n"
    )
    assert code == 7 and "用户名或密码错误" in err
    # Locked now: even the right password gets the same answer as a wrong one.
    code, _, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="zhang-pass-1\n"
    )
    assert code == 7 and "用户名或密码错误，或者账户已停用或已锁定" in err
    assert next(u for u in _users(office_run) if u["name"] == "zhang")["locked"] is True
    code, out, err = office_run(
        "users", "unlock", "zhang", "--user", "admin", "--password-stdin", stdin="admin-pass-1\n"
    )
    assert code == 0 and "已解除用户“zhang”的锁定" in out
    code, out, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="zhang-pass-1\n"
    )
    assert code == 0, err
    assert "共 0 条核查记录" in out


def test_commands_need_a_user_once_accounts_exist(run, office_run) -> None:
    code, _, err = office_run("audit", "verify")
    assert code == 7 and "此操作需要登录：请加上 --user 用户名" in err


def test_before_any_account_audit_verify_runs_and_records_need_an_admin(run) -> None:
    code, out, _ = run("audit", "verify")
    assert code == 0 and "审计日志完好：0 条" in out
    code, _, err = run("records", "list")
    assert code == 7 and "请先用 users init-admin 创建管理员账户" in err


def test_passwords_are_prompted_without_echo(run, monkeypatch) -> None:
    answers = iter(["admin-pass-1", "admin-pass-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run("users", "init-admin", "admin")
    assert code == 2 and "两次输入的密码不一致" in err
    answers = iter(["admin-pass-1", "admin-pass-1", "admin-pass-1"])
    code, _, err = run("users", "init-admin", "admin")
    assert code == 0, err
    code, out, _ = run("users", "list", "--user", "admin", "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "admin"


def test_passwd_changes_ones_own_password_with_the_old_one(office_run) -> None:
    code, _, err = office_run(
        "users", "passwd", "zhang", "--password-stdin", stdin="bad-pass-1\nnew-pass-12\n"
    )
    assert code == 7 and "用户名或密码错误" in err
    code, out, err = office_run(
        "users", "passwd", "zhang", "--password-stdin", stdin="zhang-pass-1\nnew-pass-12\n"
    )
    assert code == 0 and "已修改密码" in out, err
    code, _, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="zhang-pass-1\n"
    )
    assert code == 7
    code, _, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="new-pass-12\n"
    )
    assert code == 0, err


def test_passwd_by_an_admin_resets_and_a_clerk_cannot(office_run) -> None:
    code, _, err = office_run(
        "users", "passwd", "admin", "--user", "zhang", "--password-stdin",
        stdin="zhang-pass-1\ntaken-over-1\n",
    )  # fmt: skip
    assert code == 7 and "无权管理用户" in err
    code, out, err = office_run(
        "users", "passwd", "zhang", "--user", "admin", "--password-stdin",
        stdin="admin-pass-1\nreset-pass-1\n",
    )  # fmt: skip
    assert code == 0 and "已重置密码" in out, err
    code, _, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="reset-pass-1\n"
    )
    assert code == 0, err


def test_set_disable_and_enable_through_the_cli(office_run) -> None:
    admin = ("--user", "admin", "--password-stdin")
    code, _, err = office_run("users", "set", "zhang", *admin, stdin="admin-pass-1\n")
    assert code == 2 and "请指定要修改的内容" in err
    code, out, err = office_run(
        "users", "set", "zhang", "--role", "supervisor", "--display-name", "张科长", "--json",
        *admin, stdin="admin-pass-1\n",
    )  # fmt: skip
    assert code == 0, err
    assert (json.loads(out)["role"], json.loads(out)["display_name"]) == ("supervisor", "张科长")
    code, out, err = office_run("users", "disable", "zhang", *admin, stdin="admin-pass-1\n")
    assert code == 0 and "已停用用户“zhang”" in out
    assert next(u for u in _users(office_run) if u["name"] == "zhang")["disabled"] is True
    code, _, err = office_run(
        "records", "list", "--user", "zhang", "--password-stdin", stdin="zhang-pass-1\n"
    )
    assert code == 7 and "已停用" in err
    code, out, _ = office_run("users", "enable", "zhang", *admin, stdin="admin-pass-1\n")
    assert code == 0 and "已启用用户“zhang”" in out
    code, _, err = office_run("users", "disable", "admin", *admin, stdin="admin-pass-1\n")
    assert code == 2 and "唯一在用的管理员" in err
    code, _, err = office_run(
        "users", "set", "admin", "--role", "clerk", *admin, stdin="admin-pass-1\n"
    )
    assert code == 2 and "唯一在用的管理员" in err
