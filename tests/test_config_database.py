"""`database_url` and `database_password_file` in the machine configuration: a server URL
without a password in it, and a password file that other users cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.config import load_machine_config, read_password_file, save_machine_config
from desktop_app.context import AppContext
from desktop_app.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_server_url_and_its_password_file_are_read(tmp_path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("s3cret-口令\n", encoding="utf-8")
    secret.chmod(0o640)
    config = load_machine_config(
        write(
            tmp_path,
            'jurisdiction = "柳州市"\n'
            'database_url = "postgresql://xyhc_app@db.example:5432/xyhc?sslmode=verify-full"\n'
            'database_password_file = "db-password"\n',
        )
    )
    assert config.database_url == "postgresql://xyhc_app@db.example:5432/xyhc?sslmode=verify-full"
    assert config.database_password_file == tmp_path / "db-password"  # relative to the file
    assert config.database_password() == "s3cret-口令"
    assert config.to_json()["database_url"] == config.database_url
    # A Unix socket instead of a host name is fine too.
    socket = load_machine_config(
        write(tmp_path, 'database_url = "postgresql://xyhc_app@/xyhc?host=/run/postgresql"\n')
    )
    assert socket.database_url.endswith("host=/run/postgresql")
    assert socket.database_password() is None


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("postgresql://xyhc_app:secret@db.example/xyhc", "密码不能写在配置文件里"),
        ("postgresql://xyhc_app@db.example/xyhc?password=secret", "密码不能写在配置文件里"),
        ("postgresql://xyhc_app@db.example/xyhc?passfile=/tmp/x", "密码不能写在配置文件里"),
        ("mysql://xyhc_app@db.example/xyhc", "应为 postgresql://"),
        ("D:/数据/office.db", "应为 postgresql://"),
        ("postgresql://xyhc_app@db.example:port/xyhc", "格式不对"),
    ],
)
def test_a_bad_database_url_is_refused_with_its_line(tmp_path, url, phrase) -> None:
    path = write(tmp_path, f'department = "市场监管局"\ndatabase_url = {json.dumps(url)}\n')
    with pytest.raises(ConfigError, match="第 2 行") as caught:
        load_machine_config(path)
    assert phrase in caught.value.message
    assert "secret" not in caught.value.message


def test_a_password_file_others_can_read_is_refused(tmp_path) -> None:
    secret = tmp_path / "db-password"
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 640"):
        read_password_file(secret)
    secret.chmod(0o600)
    assert read_password_file(secret) == "s3cret"
    secret.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="是空的"):
        read_password_file(secret)
    with pytest.raises(ConfigError, match="找不到数据库密码文件"):
        read_password_file(tmp_path / "missing")


def test_rewriting_the_configuration_keeps_the_server(tmp_path, monkeypatch, capsys) -> None:
    url = "postgresql://xyhc_app@db.example:5432/xyhc"
    path = write(tmp_path, f'database_url = "{url}"\ndatabase_password_file = "/etc/pw"\n')
    save_machine_config(load_machine_config(path))
    config = load_machine_config(path)
    assert (config.database_url, str(config.database_password_file)) == (url, "/etc/pw")
    monkeypatch.setenv("XYHC_CONFIG", str(path))
    assert main(["config", "show"]) == 0
    assert f"database_url = {url}" in capsys.readouterr().out
    assert AppContext(tmp_path / "data").database_url == url
    assert AppContext(tmp_path / "data", database_url=None).database_url is None
