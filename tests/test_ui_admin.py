"""The administrator's screens: list import (report, export, cancel), users, certificate,
and the catalog browser."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from signing_helpers import make_p12
from ui_helpers import (
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app import paths
from desktop_app.services import audit
from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows
from desktop_app.services.records import signing
from desktop_app.ui.admin_view import ImportDialog
from desktop_app.ui.measures_model import COL_TEXT, MEASURE_ROLE


def _list_with_three_bad_rows(tmp_path: Path) -> Path:
    """The demo tax list with a wrong check digit (row 4), an empty name (row 8) and a name
    that starts like a spreadsheet formula (row 13)."""
    source = paths.resources_dir() / "demo" / "tax_violations.csv"
    rows = list(csv.reader(source.read_text(encoding="gbk").splitlines()))
    name = rows[0].index("失信被执行人姓名/名称")
    identifier = rows[0].index("身份证号码/组织机构代码")
    last = rows[3][identifier][-1]
    rows[3][identifier] = rows[3][identifier][:-1] + ("1" if last == "0" else "0")
    rows[7][name] = ""
    rows[12][name] = '=HYPERLINK("http://example.invalid")'
    target = tmp_path / "tax_batch3.csv"
    with open(target, "w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return target


def _open_import(qtbot: QtBot, window) -> ImportDialog:
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    panel = window.admin_view.lists
    assert window.tabs.currentWidget() is window.admin_view
    assert panel.model.rowCount() == 4  # the demo lists
    qtbot.keyClick(panel.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_an_import_with_rejected_rows_reports_each_and_exports_them(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "admin")
    dialog = _open_import(qtbot, window)
    qtbot.keyClicks(dialog.file, str(_list_with_three_bad_rows(tmp_path)))
    dialog.category.lineEdit().clear()
    type_text(qtbot, dialog.category.lineEdit(), "重大税收违法案件当事人")
    type_text(qtbot, dialog.list_name.lineEdit(), "税务局第3批")
    with qtbot.waitSignal(dialog.imported, timeout=30000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    model = dialog.rejections_model
    assert [model.item(r, 0).text() for r in range(model.rowCount())] == ["4", "8", "13"]
    reasons = [model.item(r, 1).text() for r in range(model.rowCount())]
    assert "校验位错误" in reasons[0]
    assert "姓名/名称为空" in reasons[1]
    assert "公式" in reasons[2]
    assert "读取 45 行，新增 42" in dialog.summary.text()
    assert dialog.message.text() == "导入完成，3 行被拒绝（见下表）。"

    assert dialog.export_button.text() == "导出被拒绝的行(&E)…"
    out = tmp_path / "rejected.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    sheet = openpyxl.load_workbook(out)["被拒绝的行"]
    exported = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [row[0] for row in exported[1:]] == [4, 8, 13]
    name_at = exported[0].index("失信被执行人姓名/名称")
    assert exported[3][name_at] == '=HYPERLINK("http://example.invalid")'  # text, as read

    panel = window.admin_view.lists
    names = [panel.model.item(r, 0).text() for r in range(panel.model.rowCount())]
    assert "税务局第3批" in names
    assert not window.demo_badge.isVisible()  # a real list is loaded now
    entry = audit.entries(office.launcher.ctx, action="list_import")[-1]
    assert (entry["user_name"], entry["details"]["rejected"]) == ("admin", 3)


def test_a_cancelled_import_leaves_the_lists_unchanged(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    big = tmp_path / "national.csv"
    with open(big, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STANDARD_FIELDS)
        writer.writerows(bulk_rows(10000, seed=3))
    window = office.open(qtbot, "admin")
    ctx = office.launcher.ctx
    before = ctx.lists.data_versions()
    imports_before = len(audit.entries(ctx, action="list_import"))
    dialog = _open_import(qtbot, window)
    qtbot.keyClicks(dialog.file, str(big))
    dialog.category.lineEdit().clear()
    type_text(qtbot, dialog.category.lineEdit(), "失信被执行人")

    def cancel_on_first_progress(value: int) -> None:
        if dialog.cancel_button.isEnabled():
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    dialog.progress.valueChanged.connect(cancel_on_first_progress)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.task is not None and dialog.progress.isVisible()
    assert not dialog.close_button.isEnabled()  # the dialog stays until the import ends
    qtbot.waitUntil(lambda: dialog.task is None, timeout=60000)
    assert dialog.message.text() == "导入已取消，名单未作任何更改。"
    assert dialog.report is None
    assert ctx.lists.data_versions() == before
    assert len(audit.entries(ctx, action="list_import")) == imports_before


def test_roles_decide_the_tabs(qtbot: QtBot, office) -> None:  # noqa: F811
    clerk = office.open(qtbot, "zhang")
    assert (clerk.audit_view, clerk.admin_view) == (None, None)
    # check, history, batch check, alerts
    assert [clerk.tabs.widget(i) for i in range(clerk.tabs.count())] == [
        clerk.check_view,
        clerk.history_view,
        clerk.batch_view,
        clerk.alerts_view,
    ]
    office.close()
    supervisor = office.open(qtbot, "wang")
    assert supervisor.audit_view is not None and supervisor.admin_view is None


def test_users_added_and_unlocked(qtbot: QtBot, office) -> None:  # noqa: F811
    from desktop_app.errors import AuthenticationError
    from desktop_app.services import accounts

    window = office.open(qtbot, "admin")
    ctx = office.launcher.ctx
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(ctx, "zhang", "wrong-password")
    window.admin_view.setCurrentWidget(window.admin_view.users)
    panel = window.admin_view.users
    rows = range(panel.model.rowCount())
    states = {panel.model.item(r, 0).text(): panel.model.item(r, 5).text() for r in rows}
    assert set(states) == {"admin", "zhang", "wang"}
    assert states["zhang"].startswith("已锁定") and states["wang"] == "正常"
    row = next(r for r in range(panel.model.rowCount()) if panel.model.item(r, 0).text() == "zhang")
    panel.table.selectRow(row)
    qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    assert panel.model.item(row, 5).text() == "正常"

    panel.add()
    dialog = panel.dialog
    qtbot.keyClicks(dialog.name, "liu")
    type_text(qtbot, dialog.display_name, "刘科员")
    qtbot.keyClicks(dialog.password, "liu-pass-12")
    qtbot.keyClicks(dialog.password2, "liu-pass-1")
    dialog.submit()
    assert dialog.error.text() == "两次输入的密码不一致，请重新输入。"
    dialog.password2.clear()
    qtbot.keyClicks(dialog.password2, "liu-pass-12")
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    added = ctx.office.users.get("liu")
    assert (added.role, added.department, added.display_name) == ("clerk", "市市场监管局", "刘科员")


def test_certificate_import_and_a_wrong_password(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "admin")
    window.admin_view.setCurrentWidget(window.admin_view.certificate)
    panel = window.admin_view.certificate
    before = signing.active_certificate(office.data_dir)
    assert "CN=市市场监管局" in panel.facts.toPlainText()
    p12 = tmp_path / "dept.p12"
    certificate = make_p12(p12, b"right-password")
    said: list[str] = []
    monkeypatch.setattr(
        "desktop_app.ui.admin_view.show_error", lambda parent, e: said.append(e.message)
    )
    assert not panel.import_file(p12, "wrong")
    assert "密码" in said[0]
    assert signing.active_certificate(office.data_dir) == before
    assert panel.import_file(p12, "right-password")
    assert signing.active_certificate(office.data_dir) == certificate
    assert "柳州市市场监督管理局" in panel.facts.toPlainText()
    assert (
        audit.entries(office.launcher.ctx, action="certificate_import")[-1]["user_name"] == "admin"
    )


def test_certificate_export_from_the_window_is_audited(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    window = office.open(qtbot, "admin")
    panel = window.admin_view.certificate
    out = tmp_path / "部门签名证书.pem"
    facts = panel.export_to(out)
    assert facts is not None and out.read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    [entry] = audit.entries(office.launcher.ctx, action="certificate_export")
    assert entry["user_name"] == "admin"
    assert entry["details"]["file"] == "部门签名证书.pem"
    assert entry["details"]["fingerprint_sha256"] == facts["fingerprint_sha256"]


def test_catalog_browser_lists_departments_measures_and_anomalies(
    qtbot: QtBot,
    office,  # noqa: F811
) -> None:
    window = office.open(qtbot, "admin")
    window.show_tab(3)
    window.admin_view.setCurrentWidget(window.admin_view.catalog)
    browser = window.admin_view.catalog
    catalog = office.launcher.ctx.catalog
    qtbot.waitUntil(lambda: browser.tree.topLevelItemCount() > 0)
    departments = catalog.departments("柳州市")
    assert browser.tree.topLevelItemCount() == len(departments)
    node = next(
        browser.tree.topLevelItem(i)
        for i in range(browser.tree.topLevelItemCount())
        if browser.tree.topLevelItem(i).text(0) == "市委编办"
    )
    browser.tree.setCurrentItem(node)
    expected = catalog.measures("柳州市", "市委编办")
    assert browser.measures.measures_model.measure_count() == len(expected) == 51
    categories = {m["category"] for m in expected}
    assert node.childCount() == len(categories)
    first = browser.measures.filter.index(1, 0)
    assert first.data(MEASURE_ROLE)["id"] == expected[0]["id"]
    assert browser.measures.filter.index(1, COL_TEXT).data() == expected[0]["text"]
    browser.measures.setCurrentIndex(first)
    assert "000_ce4ba07254956390.txt 第75行" in browser.detail.toPlainText()
    browser.tree.setCurrentItem(node.child(0))
    assert browser.measures.measures_model.measure_count() == int(node.child(0).text(1))

    browser.jurisdiction.setCurrentText("内蒙古自治区")
    assert browser.tree.topLevelItemCount() == 23
    # The 23 signatories apply the memorandum's measures within their remit.
    assert browser.title.text().endswith("（185 项措施）")
    assert "各签署部门按职责实施" in browser.measures.filter.index(1, COL_TEXT).data()

    type_text(qtbot, browser.search, "政府采购")
    visible = browser.measures.filter.rowCount()
    shown = [
        browser.measures.filter.index(r, 1).data()
        for r in range(visible)
        if not browser.measures.is_heading(r)
    ]
    assert shown and all("政府采购" in text for text in shown)

    assert browser.anomalies_model.rowCount() == len(catalog.anomalies())
    type_text(qtbot, browser.anomaly_filter, "004_d43bcd94c9f07f23.txt")
    rows = browser.anomalies_model.rowCount()
    assert 0 < rows < len(catalog.anomalies())
    assert all(browser.anomalies_model.item(r, 1).text().startswith("004_") for r in range(rows))


def _select_user(panel, name: str) -> int:
    row = next(r for r in range(panel.model.rowCount()) if panel.model.item(r, 0).text() == name)
    panel.table.selectRow(row)
    return row


def test_users_changed_reset_disabled_and_enabled(
    qtbot: QtBot,
    office,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui_helpers import PASSWORD

    from desktop_app.errors import AuthenticationError
    from desktop_app.services import accounts

    window = office.open(qtbot, "admin")
    ctx = office.launcher.ctx
    window.admin_view.setCurrentWidget(window.admin_view.users)
    panel = window.admin_view.users

    _select_user(panel, "zhang")
    panel.edit()
    dialog = panel.dialog
    assert dialog.name.isReadOnly() and dialog.name.text() == "zhang"
    dialog.role.setCurrentIndex(dialog.role.findData("supervisor"))
    dialog.display_name.clear()
    type_text(qtbot, dialog.display_name, "张科长")
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    changed = ctx.office.users.get("zhang")
    assert (changed.role, changed.display_name) == ("supervisor", "张科长")

    _select_user(panel, "zhang")
    panel.reset_password()
    dialog = panel.dialog
    assert not dialog.own
    qtbot.keyClicks(dialog.new, "short")
    qtbot.keyClicks(dialog.repeat, "short")
    dialog.submit()
    assert "密码太短" in dialog.error.text()
    dialog.new.clear()
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.new, "zhang-new-pass")
    qtbot.keyClicks(dialog.repeat, "zhang-new-pass")
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert accounts.authenticate(ctx, "zhang", "zhang-new-pass").name == "zhang"

    row = _select_user(panel, "zhang")
    assert panel.disable_button.text() == "停用(&T)"
    qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert panel.model.item(row, 5).text() == "已停用"
    with pytest.raises(AuthenticationError, match="已停用"):
        accounts.authenticate(ctx, "zhang", "zhang-new-pass")
    _select_user(panel, "zhang")
    assert panel.disable_button.text() == "启用(&T)"
    qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert panel.model.item(row, 5).text() == "正常"

    # The only admin cannot disable themselves: the service's message, nothing changed.
    shown = []
    monkeypatch.setattr("desktop_app.ui.admin_view.show_error", lambda _, e: shown.append(e))
    _select_user(panel, "admin")
    qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert "唯一在用的管理员" in shown[0].message
    assert not ctx.office.users.get("admin").disabled
    changes = ("user_changed", "password_reset", "user_disabled", "user_enabled")
    assert [e["action"] for e in audit.entries(ctx) if e["action"] in changes] == list(changes)

    # Anyone changes their own password from the main window, old password first.
    window.change_password()
    own = window.password_dialog
    assert own.own
    qtbot.keyClicks(own.old, "not-the-password")
    qtbot.keyClicks(own.new, "admin-new-pass")
    qtbot.keyClicks(own.repeat, "admin-new-pass")
    own.submit()
    assert "原密码不正确" in own.error.text()
    own.old.clear()
    qtbot.keyClicks(own.old, PASSWORD)
    own.submit()
    assert own.result() == own.DialogCode.Accepted
    assert accounts.authenticate(ctx, "admin", "admin-new-pass").name == "admin"


def _demo_debtors_cut_to(tmp_path: Path, share: float) -> Path:
    """The demo 失信被执行人 list's file with only its first `share` of data rows."""
    source = paths.resources_dir() / "demo" / "dishonest_debtors.csv"
    rows = list(csv.reader(source.read_text(encoding="gbk").splitlines()))
    kept = rows[: 1 + int((len(rows) - 1) * share)]
    target = tmp_path / "debtors_short.csv"
    with open(target, "w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(kept)
    return target


def _fill_import(qtbot: QtBot, dialog: ImportDialog, path: Path, list_name: str) -> None:
    qtbot.keyClicks(dialog.file, str(path))
    dialog.category.lineEdit().clear()
    type_text(qtbot, dialog.category.lineEdit(), "失信被执行人")
    type_text(qtbot, dialog.list_name.lineEdit(), list_name)


def test_an_import_revoking_most_of_a_list_asks_and_cancel_leaves_it_unchanged(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    from desktop_app.ui.admin_view import RevocationConfirmDialog

    window = office.open(qtbot, "admin")
    ctx = office.launcher.ctx
    name = "柳州市失信被执行人名单（演示数据）"
    before = (ctx.lists.data_versions(), ctx.lists.status())
    dialog = _open_import(qtbot, window)
    _fill_import(qtbot, dialog, _demo_debtors_cut_to(tmp_path, 0.1), name)
    assert dialog.modes["full"].isChecked() and "文件中没有的有效记录将被撤销" in (
        dialog.modes["full"].text()
    )
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.confirm_dialog is not None, timeout=30000)
    confirm = dialog.confirm_dialog
    assert isinstance(confirm, RevocationConfirmDialog) and confirm.isVisible()
    assert confirm.defaultButton() is confirm.cancel_button
    assert confirm.escapeButton() is confirm.cancel_button
    revocations = confirm.revocations
    assert revocations > 100
    assert f"将撤销名单“{name}”中 {revocations} 条有效记录" in confirm.text()
    assert "将被撤销的有：" in confirm.informativeText()
    qtbot.mouseClick(confirm.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.confirm_dialog is None)
    assert dialog.task is None
    assert dialog.message.text() == "已取消导入，名单未作任何更改。"
    assert (ctx.lists.data_versions(), ctx.lists.status()) == before
    refused = audit.entries(ctx, action="list_import_refused")[-1]
    assert refused["details"]["revoked"] == revocations

    # Asked again, the administrator confirms: the import goes ahead, audited with the count.
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.confirm_dialog is not None, timeout=30000)
    with qtbot.waitSignal(dialog.imported, timeout=30000):
        qtbot.mouseClick(dialog.confirm_dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.report.confirmed_revocations == revocations
    assert "管理员已确认撤销" in dialog.summary.text()
    entry = audit.entries(ctx, action="list_import")[-1]
    assert entry["details"]["confirmed_revocations"] == revocations
    assert entry["details"]["revoked"] == revocations


def test_a_preview_changes_nothing_and_shows_what_would_change(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    window = office.open(qtbot, "admin")
    ctx = office.launcher.ctx
    before = ctx.lists.status()
    dialog = _open_import(qtbot, window)
    _fill_import(
        qtbot, dialog, _demo_debtors_cut_to(tmp_path, 0.5), "柳州市失信被执行人名单（演示数据）"
    )
    dialog.modes["incremental"].setChecked(True)
    with qtbot.waitSignal(dialog.previewed, timeout=30000):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text().startswith("预览完成：名单未作任何更改。")
    assert "增量更新" in dialog.summary.text() and "这只是预览" in dialog.summary.text()
    assert dialog.report.dry_run and dialog.report.revoked_absent == 0
    assert ctx.lists.status() == before
    assert audit.entries(ctx, action="list_preview")[-1]["details"]["mode"] == "incremental"


def test_a_list_package_says_which_list_it_updates_before_importing(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.services.exchange import update_package
    from desktop_app.ui.admin_view import PackageImportDialog

    public = update_package.generate_keypair(tmp_path / "office.pem")
    key = update_package.load_private_key(tmp_path / "office.pem")
    config = tmp_path / "machine.toml"  # this test's machine configuration (see isolate)
    previous = config.read_text("utf-8") if config.exists() else ""
    config.write_text(
        previous + f'\n[[trusted_publishers]]\nname = "柳州市信用办"\npublic_key = "{public}"\n',
        "utf-8",
    )
    package = tmp_path / "名单-2026-05.xyhc"
    source = paths.resources_dir() / "demo" / "dishonest_debtors.csv"  # version 1 again
    update_package.make_package(
        "list",
        source,
        key,
        package,
        "柳州市信用办",
        category="失信被执行人",
        list_name="柳州市失信被执行人名单（演示数据）",
    )
    window = office.open(qtbot, "admin")
    panel = window.admin_view.lists
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(panel.package_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, PackageImportDialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(package), ""))
    dialog.browse()
    assert "将更新名单“柳州市失信被执行人名单（演示数据）”" in dialog.target.text()
    assert "当前第 2 版 → 第 3 版（完整名单" in dialog.target.text()
    with qtbot.waitSignal(dialog.imported, timeout=30000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.report.version == 3 and dialog.report.file == "dishonest_debtors.csv"
    names = [panel.model.item(r, 0).text() for r in range(panel.model.rowCount())]
    assert len(names) == 4 and "dishonest_debtors" not in names  # no list named by the file
