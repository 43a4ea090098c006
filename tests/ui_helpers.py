"""Helpers for the window tests: an office data folder with users and the demo lists, made
once per test session and copied for each test, and typing like a person."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from office_helpers import FAST_SCRYPT
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.context import AppContext
from desktop_app.services import accounts, admin
from desktop_app.services.lists.demo_lists import ensure_demo_lists

PASSWORD = "test-pass-1"
JURISDICTION = "柳州市"
DEPARTMENT = "市市场监管局"
LISTED_ID = "450202198501019919"  # 韦小宝 of the demo lists
MISTYPED_ID = "450202198501019913"  # the same with a wrong check digit
NOT_LISTED_ID = "450202199001011237"  # valid, on no demo list
HOMOPHONE = "黄荣"  # the demo list has 黄蓉: a possible match


def isolate(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Keys' secrets, machine configuration and user settings in `root`, fast scrypt."""
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    monkeypatch.setenv("XYHC_SECRET_DIR", str(root / "secrets"))
    monkeypatch.setenv("XYHC_CONFIG", str(root / "machine.toml"))
    monkeypatch.setenv("XYHC_SETTINGS", str(root / "settings.toml"))


def build_office(data_dir: Path) -> None:
    """admin (with the department's certificate), clerk zhang, supervisor wang, the demo
    lists."""
    ctx = AppContext(data_dir)
    try:
        boss, _ = admin.first_start(
            ctx,
            jurisdiction=JURISDICTION,
            department=DEPARTMENT,
            admin_name="admin",
            password=PASSWORD,
            display_name="管理员",
        )
        for name, role, display in (("zhang", "clerk", "张三"), ("wang", "supervisor", "王科长")):
            accounts.add_user(
                ctx, boss, name, PASSWORD, role=role, department=DEPARTMENT, display_name=display
            )
        ensure_demo_lists(ctx)
    finally:
        ctx.close()


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type `text` into `widget`: ASCII with qtbot.keyClicks, other characters as the key
    events with text that an input method delivers (QTest only knows ASCII keys)."""
    widget.setFocus()
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )


@dataclass
class Office:
    """A copied office data folder and the started application for one test."""

    data_dir: Path
    launcher: Any = None
    window: Any = None

    def open(self, qtbot: QtBot, user_name: str) -> Any:
        """Log `user_name` in and show the main window (as the start-up sequence does)."""
        from desktop_app.ui import app as app_module

        application = app_module.create_application([])
        self.launcher = app_module.Launcher(application, self.data_dir)
        self.launcher.instance.acquire()
        user = accounts.authenticate(self.launcher.ctx, user_name, PASSWORD)
        self.window = self.launcher.open_window(user, JURISDICTION, DEPARTMENT)
        qtbot.addWidget(self.window)
        with qtbot.waitActive(self.window):
            self.window.activateWindow()
        return self.window

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
        if self.launcher is not None:
            self.launcher.close()


def copy_office(template: Path, tmp_path: Path) -> Office:
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    return Office(data_dir)


def check(qtbot: QtBot, view: Any, query: str, name: str | None = None) -> dict[str, Any]:
    """Type a query into the search field, press Enter and wait for the stored record."""
    view.search.clear()
    type_text(qtbot, view.search, query)
    if name:
        type_text(qtbot, view.name, name)
    with qtbot.waitSignal(view.record_changed, timeout=20000) as blocker:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    return blocker.args[0]


@pytest.fixture(scope="session")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: copying a data folder is much faster than importing lists per test."""
    root = tmp_path_factory.mktemp("office")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root)
        build_office(root / "data")
    return root


@pytest.fixture
def office(office_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh copy of the template office for one test (its own settings and config)."""
    isolate(monkeypatch, tmp_path)
    # The keys' secrets belong to the template's data folder.
    monkeypatch.setenv("XYHC_SECRET_DIR", str(office_template / "secrets"))
    copied = copy_office(office_template / "data", tmp_path)
    yield copied
    copied.close()
