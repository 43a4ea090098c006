"""The machine configuration, the per-user settings and the data folder's priority."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from desktop_app import paths
from desktop_app.config import (
    MachineConfig,
    TrustedPublisher,
    UserSettings,
    load_machine_config,
    load_user_settings,
    machine_config_path,
    save_machine_config,
    save_user_settings,
    with_trusted_publisher,
)
from desktop_app.context import AppContext
from desktop_app.errors import ConfigError

KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def _no_machine_env(monkeypatch) -> None:
    monkeypatch.delenv("XYHC_DATA_DIR", raising=False)
    monkeypatch.delenv("XYHC_CONFIG", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_documented_defaults(tmp_path) -> None:
    config = load_machine_config(tmp_path / "absent.toml")
    assert config == MachineConfig()
    assert config.lock_department is False
    assert config.data_dir is None and config.trusted_publishers == ()


def test_full_file_is_read(tmp_path) -> None:
    path = write(
        tmp_path,
        f"""
jurisdiction = "柳州市"
department = "市市场监督管理局"
lock_department = true
data_dir = "数据"
certificate = '/etc/xyhc/dept.p12'

[[trusted_publishers]]
name = "柳州市信用办"
public_key = "{KEY}"
""",
    )
    config = load_machine_config(path)
    assert config.jurisdiction == "柳州市"
    assert config.department == "市市场监督管理局"
    assert config.lock_department is True
    assert config.data_dir == tmp_path / "数据"  # relative to the config file
    assert config.certificate == Path("/etc/xyhc/dept.p12")
    assert config.trusted_publishers == (TrustedPublisher("柳州市信用办", bytes(range(32))),)
    assert config.source == path


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ('jurisdiction = "柳州市"\ndepartment = 市场监管局\n', 2, "格式有误"),
        ('jurisdiction = "柳州市"\n\nlock_department = "yes"\n', 3, "true 或 false"),
        ("# c\njurisdicton = '柳州市'\n", 2, "未知的配置项“jurisdicton”"),
        ('data_dir = ""\n', 1, "data_dir"),
        (
            f'[[trusted_publishers]]\nname = "甲"\npublic_key = "{KEY}"\n\n'
            '[[trusted_publishers]]\nname = "乙"\npublic_key = "abc"\n',
            7,
            "public_key",
        ),
        ('[[trusted_publishers]]\npublic_key = "' + KEY + '"\n', 1, "name"),
    ],
)
def test_bad_file_names_file_and_line(tmp_path, text, line, phrase) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_machine_config(path)
    assert str(path) in caught.value.message
    assert f"第 {line} 行" in caught.value.message
    assert phrase in caught.value.message
    assert caught.value.details["line"] == line


def test_non_utf8_file_is_refused_with_line(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('jurisdiction = "x"\ndepartment = "市场"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="第 2 行不是 UTF-8"):
        load_machine_config(path)


def test_writer_round_trips_and_is_the_only_writer(tmp_path) -> None:
    config = MachineConfig(
        jurisdiction='柳州"市\\',
        department="市市场监督管理局",
        lock_department=True,
        data_dir=Path("/srv/信用 数据"),
        trusted_publishers=(TrustedPublisher("信用办", bytes(32)),),
    )
    path = save_machine_config(config, tmp_path / "sub" / "config.toml")
    again = load_machine_config(path)
    assert again.jurisdiction == '柳州"市\\'
    assert again.data_dir == Path("/srv/信用 数据")
    assert again.trusted_publishers == config.trusted_publishers
    assert again.lock_department is True
    assert not list(path.parent.glob("*.tmp"))


def test_with_trusted_publisher_replaces_same_key_and_rejects_bad_key() -> None:
    config = with_trusted_publisher(MachineConfig(), "甲", KEY)
    config = with_trusted_publisher(config, "乙", KEY)
    assert [p.name for p in config.trusted_publishers] == ["乙"]
    with pytest.raises(ConfigError, match="公钥格式不对"):
        with_trusted_publisher(config, "丙", "not base64!")


def test_config_path_env_override(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "c.toml"))
    assert machine_config_path() == tmp_path / "c.toml"
    monkeypatch.delenv("XYHC_CONFIG")
    assert machine_config_path() == Path("/etc/xinyong-hechatai/config.toml")


def test_data_dir_priority(monkeypatch, tmp_path) -> None:
    config = write(tmp_path, "data_dir = '/srv/from-config'\n")
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert AppContext().data_dir == Path("/srv/from-config")
    monkeypatch.setenv("XYHC_DATA_DIR", str(tmp_path / "env"))
    assert AppContext().data_dir == tmp_path / "env"
    assert AppContext(data_dir=tmp_path / "flag").data_dir == tmp_path / "flag"
    monkeypatch.delenv("XYHC_DATA_DIR")
    config.unlink()
    assert paths.default_data_dir() == tmp_path / "xdg" / "xinyong-hechatai"


def test_broken_config_stops_the_context_with_its_line(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XYHC_CONFIG", str(write(tmp_path, "lock_department = 1\n")))
    with pytest.raises(ConfigError, match="第 1 行"):
        AppContext()


def test_user_settings_round_trip_and_validation(tmp_path) -> None:
    path = tmp_path / "settings.toml"
    assert load_user_settings(path) == UserSettings()
    save_user_settings(UserSettings(last_user="张三", font_scale=1.25), path)
    assert load_user_settings(path) == UserSettings(last_user="张三", font_scale=1.25)
    path.write_text("font_scale = 9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"第 1 行.*font_scale"):
        load_user_settings(path)


def test_shipped_example_means_all_defaults_and_each_example_line_parses(tmp_path) -> None:
    example = Path(__file__).resolve().parent.parent / "packaging" / "config.example.toml"
    assert load_machine_config(example) == MachineConfig(source=example)
    # Uncomment every example assignment (last one of each key wins) except the placeholder key.
    lines = [
        line[2:]
        for line in example.read_text(encoding="utf-8").splitlines()
        if line.startswith("# ")
        and " = " in line
        and "public_key" not in line
        and not line.startswith("# name")
    ]
    chosen = {line.split(" = ")[0]: line for line in lines}
    config = load_machine_config(write(tmp_path, "\n".join(chosen.values()) + "\n"))
    assert config.jurisdiction == "柳州市"
    assert config.lock_department is True
    assert config.data_dir is not None
