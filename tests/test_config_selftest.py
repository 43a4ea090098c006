"""The self-test: every step reports, and a failing step fails the whole run."""

from __future__ import annotations

import argparse
import json
import sys

from desktop_app.cli import selftest
from desktop_app.context import AppContext
from desktop_app.models import names


def run(ctx: AppContext, steps: list[str]) -> dict:
    return selftest.run_selftest(ctx, steps)


def test_sign_and_verify_a_specimen_without_touching_real_keys(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XYHC_SECRET_DIR", str(tmp_path / "real-secrets"))
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "absent.toml"))
    data = tmp_path / "data"
    report = run(AppContext(data_dir=data), ["config", "data_dir", "font", "sign", "verify"])
    assert report["ok"] is True, report
    assert [s["step"] for s in report["steps"]] == ["config", "data_dir", "font", "sign", "verify"]
    assert "签名有效" in report["steps"][-1]["detail"]
    assert not (tmp_path / "real-secrets").exists()
    assert not (data / "keys").exists()  # the specimen key lived in a temporary folder


def test_verify_without_a_signed_record_fails(tmp_path) -> None:
    report = run(AppContext(data_dir=tmp_path), ["verify"])
    assert report["ok"] is False
    assert "没有可验证的记录" in report["steps"][0]["detail"]


def test_damaged_database_fails_the_data_step(tmp_path) -> None:
    (tmp_path / "office.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    report = run(AppContext(data_dir=tmp_path), ["data_dir"])
    assert report["ok"] is False
    assert "office.db" in report["steps"][0]["detail"]
    assert "从备份恢复" in report["steps"][0]["detail"]


def test_unusable_data_folder_fails_and_exit_status_is_non_zero(tmp_path, capsys) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    args = argparse.Namespace(steps="config,data_dir", json=True)
    code = selftest.run(args, AppContext(data_dir=blocker / "data"))
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["ok"] is False
    assert [s["ok"] for s in out["steps"]] == [True, False]


def test_window_step_loads_the_font_offscreen(tmp_path) -> None:
    report = run(AppContext(data_dir=tmp_path), ["window"])
    assert report["ok"] is True, report
    assert "Droid Sans Fallback" in report["steps"][0]["detail"]
    # Every module of the window's package, imported (19 with the credit office's).
    import pkgutil

    import desktop_app.ui

    screens = list(pkgutil.iter_modules(desktop_app.ui.__path__))
    assert len(screens) >= 19
    assert f"{len(screens)} 个界面模块可加载" in report["steps"][0]["detail"]


def test_window_step_fails_when_a_qt_module_the_window_imports_is_missing(
    tmp_path, monkeypatch
) -> None:
    # As in a bundle whose spec excluded PySide6.QtNetwork (the single-instance socket).
    monkeypatch.setitem(sys.modules, "PySide6.QtNetwork", None)
    monkeypatch.delitem(sys.modules, "desktop_app.ui.app")
    report = run(AppContext(data_dir=tmp_path), ["window"])
    assert report["ok"] is False
    assert "PySide6.QtNetwork" in report["steps"][0]["detail"]


def test_matching_step_recognises_ids_and_names(tmp_path, monkeypatch) -> None:
    report = run(AppContext(data_dir=tmp_path), ["matching"])
    assert report["ok"] is True, report
    assert "繁体转简体可用" in report["steps"][0]["detail"]
    # Without OpenCC's data a traditional name no longer finds its listing: said.
    monkeypatch.setattr(names, "normalize_name", lambda text: text)
    report = run(AppContext(data_dir=tmp_path), ["matching"])
    assert report["ok"] is False
    assert "OpenCC 数据缺失" in report["steps"][0]["detail"]


def test_configured_certificate_must_exist(tmp_path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"certificate = '{tmp_path / 'dept.p12'}'\n", encoding="utf-8")
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    report = run(AppContext(data_dir=tmp_path / "data"), ["config"])
    assert report["ok"] is False
    assert "dept.p12 不存在" in report["steps"][0]["detail"]
    (tmp_path / "dept.p12").write_bytes(b"x")
    assert run(AppContext(data_dir=tmp_path / "data"), ["config"])["ok"] is True


def test_cli_exit_statuses(tmp_path, monkeypatch, capsys) -> None:
    from desktop_app import cli

    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "absent.toml"))
    data = str(tmp_path / "data")
    assert cli.main(["--data-dir", data, "selftest", "--steps", "config,data_dir"]) == 0
    assert "自检通过" in capsys.readouterr().out
    assert cli.main(["--data-dir", data, "selftest", "--steps", "catalog,nonsense"]) == 2
    assert "未知的自检步骤：nonsense" in capsys.readouterr().err
    broken = tmp_path / "config.toml"
    broken.write_text("lock_department = 1\n", encoding="utf-8")
    monkeypatch.setenv("XYHC_CONFIG", str(broken))
    # The self-test reports the broken file as its failing step...
    assert cli.main(["--data-dir", data, "selftest", "--steps", "config"]) == 1
    assert f"[失败] 本机配置：配置文件 {broken} 第 1 行" in capsys.readouterr().out
    # ...and any command that needs the file for its data folder stops with the same message.
    monkeypatch.delenv("XYHC_DATA_DIR", raising=False)
    assert cli.main(["backup", "create", str(tmp_path / "b.xyhcbak")]) == 1
    assert f"错误：配置文件 {broken} 第 1 行" in capsys.readouterr().err
    assert not (tmp_path / "b.xyhcbak").exists()
