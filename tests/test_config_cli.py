"""`config show|set|trust`: the program's only writer of the machine configuration."""

from __future__ import annotations

import argparse
import base64
import io
import json
from pathlib import Path

import pytest

from desktop_app.cli import ChineseArgumentParser
from desktop_app.cli import config as config_cli
from desktop_app.config import load_machine_config
from desktop_app.context import AppContext
from desktop_app.errors import ConfigError, PermissionDeniedError, UsageError
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit

KEY = base64.b64encode(bytes(range(32))).decode()


def call(ctx: AppContext, *argv: str) -> int:
    parser = ChineseArgumentParser(prog="test")
    config_cli.register(parser.add_subparsers(dest="command"))
    args: argparse.Namespace = parser.parse_args(list(argv))
    return args.func(args, ctx)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    path = tmp_path / "etc" / "config.toml"
    monkeypatch.setenv("XYHC_CONFIG", str(path))
    ctx = AppContext(data_dir=tmp_path / "data")
    yield ctx, path
    ctx.close()


def test_set_and_trust_write_the_file_and_are_audited(setup, capsys) -> None:
    ctx, path = setup
    assert call(ctx, "config", "set", "jurisdiction", "柳州市") == 0
    ctx.close()  # the next command reads the file again, as a new process would
    assert call(ctx, "config", "set", "lock_department", "true") == 0
    ctx.close()
    assert call(ctx, "config", "trust", "柳州市信用办", KEY) == 0
    config = load_machine_config(path)
    assert config.jurisdiction == "柳州市"
    assert config.lock_department is True
    assert [p.name for p in config.trusted_publishers] == ["柳州市信用办"]
    actions = [e["action"] for e in audit.entries(AppContext(data_dir=ctx.data_dir))]
    assert actions == ["setting_change"] * 3
    capsys.readouterr()
    call(ctx, "config", "show", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert shown["file"] == str(path) and shown["lock_department"] is True


def test_bad_values_are_refused_and_nothing_is_written(setup) -> None:
    ctx, path = setup
    with pytest.raises(UsageError, match="true 或 false"):
        call(ctx, "config", "set", "lock_department", "yes")
    with pytest.raises(ConfigError, match="公钥格式不对"):
        call(ctx, "config", "trust", "某单位", "abc")
    assert not path.exists()
    assert not (ctx.data_dir / "office.db").exists()


def test_only_an_admin_changes_settings_once_accounts_exist(setup, monkeypatch) -> None:
    ctx, path = setup
    at = audit.timestamp()
    clerk = User(
        "clerk", "科员", "clerk", "柳州市", "市市场监督管理局", created_at=at, updated_at=at
    )
    ctx.office.users.add(
        clerk, accounts.hash_password("password123", accounts.ScryptParams(n=2**10))
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("password123\n"))
    with pytest.raises(PermissionDeniedError, match="修改设置"):
        call(
            ctx, "config", "set", "department", "市场监管局", "--user", "clerk", "--password-stdin"
        )
    assert not Path(path).exists()
