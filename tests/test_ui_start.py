"""Start-up through `desktop_app.ui.app.main`: first start, login, lockout, a second instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from ui_helpers import (
    PASSWORD,
    isolate,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app.context import AppContext
from desktop_app.services import audit
from desktop_app.services.instance_lock import lock_path
from desktop_app.services.records import signing
from desktop_app.ui import app as app_module
from desktop_app.ui.dialogs import LoginDialog, SetupDialog
from desktop_app.ui.main_window import MainWindow


class Driver:
    """Acts on whatever window `main()` shows next (its dialogs run their own event loop)."""

    def __init__(self, qtbot: QtBot, steps: dict[str, Any]) -> None:
        self.qtbot = qtbot
        self.steps = steps
        self.seen: dict[str, Any] = {}
        QTimer.singleShot(50, self.poll)

    def poll(self) -> None:
        modal = QApplication.activeModalWidget()
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        for kind, widget in (
            ("setup", modal if isinstance(modal, SetupDialog) else None),
            ("login", modal if isinstance(modal, LoginDialog) else None),
            ("window", next((w for w in windows if w.isVisible()), None)),
        ):
            if widget is not None and kind not in self.seen:
                self.seen[kind] = widget
                self.steps[kind](widget)
                break
        if "window" not in self.seen:
            QTimer.singleShot(50, self.poll)


def test_first_start_sets_up_and_goes_straight_in(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 items 15 and 16: no department is preselected, and after the setup the
    administrator is in the window without being asked for the password again."""
    isolate(monkeypatch, tmp_path)
    data_dir = tmp_path / "data"
    facts: dict[str, Any] = {}

    def setup(dialog: SetupDialog) -> None:
        assert dialog.jurisdiction.currentText() == "柳州市"
        facts["department_at_start"] = (dialog.department.currentText(), dialog.department.value())
        facts["department_placeholder"] = dialog.department.lineEdit().placeholderText()
        # Finishing without a department is refused.
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClicks(dialog.password2, PASSWORD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        facts["no_department"] = dialog.error.text()
        dialog.password.clear()
        dialog.password2.clear()
        type_text(qtbot, dialog.department.lineEdit(), "市市场监管局")
        type_text(qtbot, dialog.display_name, "信息科李工")
        # Two different passwords: said in red, nothing created.
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClicks(dialog.password2, PASSWORD + "x")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        facts["mismatch"] = dialog.error.text()
        facts["admins_after_mismatch"] = dialog.ctx.office.users.count("admin")
        dialog.password2.clear()
        qtbot.keyClicks(dialog.password2, PASSWORD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    def login(dialog: LoginDialog) -> None:
        facts["asked_to_log_in"] = True
        dialog.reject()

    def window(main_window: MainWindow) -> None:
        facts["title"] = main_window.windowTitle()
        facts["demo"] = main_window.demo_badge.isVisible()
        facts["versions"] = main_window.versions.text()
        facts["who"] = main_window.who.text()
        facts["focus"] = main_window.focusWidget() is main_window.check_view.search
        main_window.close()

    driver = Driver(qtbot, {"setup": setup, "login": login, "window": window})
    assert app_module.main(["--data-dir", str(data_dir)]) == 0

    assert list(driver.seen) == ["setup", "window"]
    assert "asked_to_log_in" not in facts
    assert facts["department_at_start"] == ("", None)
    assert facts["department_placeholder"] == "请选择本部门（可输入关键词筛选）"
    assert facts["no_department"] == "请从列表中选择部门（可输入关键词筛选）。"
    assert facts["mismatch"] == "两次输入的密码不一致，请重新输入。"
    assert facts["admins_after_mismatch"] == 0
    assert "柳州市 市市场监管局" in facts["title"] and "管理员" in facts["title"]
    assert facts["who"].startswith("柳州市 市市场监管局")
    assert facts["demo"] is True  # the bundled demo lists were loaded, and it says so
    assert facts["versions"].startswith("措施目录 ") and "名单 4 个" in facts["versions"]
    assert facts["focus"]
    ctx = AppContext(data_dir)
    try:
        admin = ctx.office.users.get("admin")
        assert (admin.role, admin.department, admin.display_name) == (
            "admin",
            "市市场监管局",
            "信息科李工",
        )
        assert signing.active_certificate(data_dir) is not None
        actions = [e["action"] for e in audit.entries(ctx)]
        assert actions[:3] == ["admin_created", "certificate_new", "login"]
        assert actions.count("login") == 1 and actions.count("list_import") == 5
    finally:
        ctx.close()


def test_setup_refuses_a_short_password_and_writes_nothing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    ctx = AppContext(tmp_path / "data")
    try:
        dialog = SetupDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        type_text(qtbot, dialog.department.lineEdit(), "市场监管局")
        qtbot.keyClicks(dialog.password, "short")
        qtbot.keyClicks(dialog.password2, "short")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert "密码太短" in dialog.error.text()
        assert dialog.result() != dialog.DialogCode.Accepted
        assert ctx.office.users.count() == 0
        assert audit.entries(ctx) == []
        assert signing.active_certificate(ctx.data_dir) is None
    finally:
        ctx.close()


def test_wrong_passwords_lock_the_account(qtbot: QtBot, office) -> None:  # noqa: F811
    ctx = AppContext(office.data_dir)
    try:
        dialog = LoginDialog(ctx, "zhang")
        qtbot.addWidget(dialog)
        dialog.show()
        for _ in range(5):
            qtbot.keyClicks(dialog.password, "wrong-password")
            qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
            assert "用户名或密码错误" in dialog.error.text()
            assert "再错" not in dialog.error.text()
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        # Even the right password is refused while locked, with the same words.
        assert "或者账户已停用或已锁定" in dialog.error.text()
        assert dialog.user is None and dialog.result() != dialog.DialogCode.Accepted
        assert [e["action"] for e in audit.entries(ctx)][-2:] == [
            "account_locked",
            "login_refused_locked",
        ]
    finally:
        ctx.close()


def test_a_second_instance_is_refused_and_brings_the_first_to_front(
    qtbot: QtBot,
    office,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "zhang")
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: said.append(text))
    with qtbot.waitSignal(office.launcher.instance.activated, timeout=5000):
        code = app_module.main(["--data-dir", str(office.data_dir)])
    assert code == 4
    assert said and "信用核查台已经在运行" in said[0] and "已切换到正在运行的窗口" in said[0]
    qtbot.waitUntil(lambda: "已切换到此窗口" in window.message.text())
    # The first instance still works.
    assert office.launcher.instance.lock.held


def test_quitting_the_first_start_setup_leaves_nothing_behind(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 item 8: no office.db, no lists.db, no `<folder>.lock`, not even the folder."""
    isolate(monkeypatch, tmp_path)
    data_dir = tmp_path / "new" / "data"
    seen: list[str] = []

    def setup(dialog: SetupDialog) -> None:
        seen.append("setup")
        assert lock_path(data_dir).exists()  # held while the dialog is open
        dialog.reject()

    QTimer.singleShot(50, lambda: _when_modal(qtbot, SetupDialog, setup))
    assert app_module.main(["--data-dir", str(data_dir)]) == 0
    assert seen == ["setup"]
    assert not (tmp_path / "new").exists(), sorted(map(str, (tmp_path / "new").rglob("*")))


def _when_modal(qtbot: QtBot, kind: type, act: Any) -> None:
    modal = QApplication.activeModalWidget()
    if isinstance(modal, kind):
        act(modal)
    else:
        QTimer.singleShot(50, lambda: _when_modal(qtbot, kind, act))


def test_setup_preselects_the_configured_department_only(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 item 16: the department is preselected only when the machine says which."""
    isolate(monkeypatch, tmp_path)
    (tmp_path / "machine.toml").write_text(
        'jurisdiction = "昆山市"\ndepartment = "市公安局"\n', encoding="utf-8"
    )
    ctx = AppContext(tmp_path / "data")
    try:
        dialog = SetupDialog(ctx)
        qtbot.addWidget(dialog)
        assert dialog.jurisdiction.currentText() == "昆山市"
        assert dialog.department.value() == "市公安局"
        dialog.jurisdiction.setCurrentText("柳州市")  # another jurisdiction: choose again
        assert (dialog.department.currentText(), dialog.department.value()) == ("", None)
    finally:
        ctx.close()
