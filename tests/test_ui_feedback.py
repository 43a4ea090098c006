"""The window's 结果反馈 screens: 审计 › 导出反馈包 at a department, and at the credit office the
setup choice, the import of packages, the read-only records and the report with its export."""

# The fixtures `city`, `sqlite_city` and `city_template` come from feedback_support; tests take
# them by name.
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

import pytest
from feedback_support import (
    DEBTORS,
    PASSWORD,
    WIDE,
    Pc,
    check,
    city,  # noqa: F401 (fixture)
    city_template,  # noqa: F401 (fixture)
    export,
    feedback,
    sqlite_city,  # noqa: F401 (fixture)
)
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_helpers import isolate, type_text

from desktop_app.config import load_machine_config
from desktop_app.context import AppContext
from desktop_app.services import accounts
from desktop_app.services.exchange import office_key
from desktop_app.services.feedback.office_import import import_package_file
from desktop_app.ui import app as app_module
from desktop_app.ui.dialogs import SetupDialog


def _messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    said: list[tuple[str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox, kind, lambda parent, title, text, k=kind: said.append((k, text))
        )
    return said


class Window:
    """The main window of one PC of the city, as `user`."""

    def __init__(self, qtbot: QtBot, pc: Pc, user: str, monkeypatch) -> None:
        monkeypatch.setenv("XYHC_CONFIG", str(pc.config))
        monkeypatch.setenv("XYHC_SECRET_DIR", str(pc.root / "secrets"))
        application = app_module.create_application([])
        self.launcher = app_module.Launcher(application, pc.data_dir)
        self.launcher.instance.acquire()
        who = accounts.authenticate(self.launcher.ctx, user, PASSWORD)
        self.window = self.launcher.open_window(who, who.jurisdiction, who.department)
        qtbot.addWidget(self.window)

    def close(self) -> None:
        self.window.close()
        self.launcher.close()


@pytest.fixture
def opened(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch):
    windows: list[Window] = []

    def open_window(pc: Pc, user: str) -> Window:
        window = Window(qtbot, pc, user, monkeypatch)
        windows.append(window)
        return window

    yield open_window
    for window in windows:
        window.close()


def _some_work(pc: Pc) -> list[dict]:
    with pc.context() as ctx:
        zhang = pc.user(ctx, "zhang")
        made = [check(ctx, zhang, query) for query in DEBTORS[:3]]
        made[0] = feedback(ctx, zhang, made[0], ["applied", "referred"])
    return made


def test_the_export_dialog_writes_a_package_the_office_imports(
    qtbot: QtBot, city, opened, tmp_path: Path
) -> None:
    a = city.department("dept-a")
    _some_work(a)
    window = opened(a, "wang").window
    view = window.audit_view
    qtbot.mouseClick(view.feedback_button, Qt.MouseButton.LeftButton)
    dialog = view.feedback_dialog
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    assert "柳州市信用办" in dialog.recipient.text()
    today = QDate.currentDate()
    dialog.date_from.setDate(today.addDays(-1))
    dialog.date_to.setDate(today)
    # The file name follows the period.
    assert dialog.file.text().endswith(
        f"反馈包_市市场监管局_{today.addDays(-1).toString('yyyy-MM-dd')}_"
        f"{today.toString('yyyy-MM-dd')}.p7m"
    )
    target = tmp_path / "U盘" / "反馈包.p7m"
    target.parent.mkdir()
    dialog.file.setText(str(target))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
    assert dialog.result["records"] == 3 and target.is_file()
    assert "已导出第 1 号反馈包" in dialog.message.text()
    with city.office.context() as ctx:
        imported = import_package_file(ctx, city.office.user(ctx, "admin"), target)
    assert imported.new_versions == 3


def test_without_the_offices_certificate_the_dialog_says_what_to_do(
    qtbot: QtBot, city, opened
) -> None:
    b = city.department("dept-b")
    b.config.write_text(b.config.read_text("utf-8").split("[trusted_office]")[0], encoding="utf-8")
    view = opened(b, "wang").window.audit_view
    view.export_feedback_dialog()
    dialog = view.feedback_dialog
    assert not dialog.export_button.isEnabled()
    assert "config trust-office" in dialog.recipient.text()


def test_the_credit_office_imports_reads_and_reports(
    qtbot: QtBot, city, opened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packages = []
    for pc in city.departments[:2]:
        _some_work(pc)
        with pc.context() as ctx:
            export(ctx, pc.user(ctx, "wang"), tmp_path / f"{pc.name}.p7m")
        packages.append(tmp_path / f"{pc.name}.p7m")
    damaged = tmp_path / "damaged.p7m"
    data = bytearray(packages[0].read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    said = _messages(monkeypatch)
    window = opened(city.office, "admin").window
    view = window.office_view
    assert view is not None and window.tabs.tabText(window.tabs.count() - 1).startswith("信用办")
    window.tabs.setCurrentWidget(view)
    view.import_files([*packages, damaged, packages[0]])
    qtbot.waitUntil(lambda: view.import_results is not None, timeout=60000)
    kinds = [
        "error" if "error" in r else "again" if r["already_imported"] else "new"
        for r in view.import_results
    ]
    assert kinds == ["new", "new", "error", "again"]
    assert said and said[-1][0] == "warning" and "✗ damaged.p7m：" in said[-1][1]
    assert view.packages_model.rowCount() == 2
    # The records, read-only, with their origin.
    view.records_from.setDate(QDate.fromString(WIDE[0], "yyyy-MM-dd"))
    view.refresh_records()
    assert view.records_model.rowCount() == 6
    masked = {view.records_model.item(r, 6).text() for r in range(6)}
    assert "450202********9919" in masked  # a resident ID masked on screen
    view.records_table.setCurrentIndex(view.records_model.index(0, 0))
    view._open_record()
    dialog = view.record_dialog
    assert dialog.isVisible() and "只读" in dialog.windowTitle()
    dialog.accept()
    # The report, its tables and charts, and its export.
    view.report_from.setDate(QDate.fromString(WIDE[0], "yyyy-MM-dd"))
    view.report_to.setDate(QDate.currentDate())
    qtbot.mouseClick(view.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: view.report is not None and view.report_button.isEnabled(), timeout=30000
    )
    report = view.report
    assert report["totals"]["checks"] == 6
    departments = {view.performance_model.item(r, 0).text() for r in range(3)}
    assert departments == {"市市场监管局", "市税务局", "市公安局"}
    silent = next(r for r in range(3) if view.performance_model.item(r, 0).text() == "市公安局")
    assert view.performance_model.item(silent, 1).text() == "本期未报送"
    assert view.dynamics_model.rowCount() >= 3 and view.initiators_model.rowCount() >= 1
    assert [label for label, _ in view.department_chart.series] == ["市市场监管局", "市税务局"]
    view.export(tmp_path / "动态.pdf")
    qtbot.waitUntil(lambda: view.exported is not None, timeout=60000)
    assert (tmp_path / "动态.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "动态.xlsx").is_file()


def test_a_supervisor_of_the_office_reads_but_cannot_import(qtbot: QtBot, city, opened) -> None:
    view = opened(city.office, "chen").window.office_view
    assert view is not None and not view.import_button.isEnabled()
    assert "管理员" in view.import_button.toolTip()


def test_a_department_has_no_credit_office_tab(qtbot: QtBot, city, opened) -> None:
    window = opened(city.department("dept-a"), "admin").window
    assert window.office_view is None
    assert all("信用办" not in window.tabs.tabText(i) for i in range(window.tabs.count()))


def test_setup_offers_the_credit_office(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    ctx = AppContext(tmp_path / "data")
    try:
        dialog = SetupDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.as_department.isChecked()  # the default
        type_text(qtbot, dialog.department.lineEdit(), "市发展改革委")
        dialog.as_credit_office.setChecked(True)
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClicks(dialog.password2, PASSWORD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == dialog.DialogCode.Accepted, dialog.error.text()
        assert load_machine_config(tmp_path / "machine.toml").office_kind == "credit_office"
        assert office_key.active_certificate(ctx.data_dir) is not None
    finally:
        ctx.close()
