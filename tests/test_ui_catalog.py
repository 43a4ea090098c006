"""The catalog screens (管理 › 措施目录): the import of a revised measure list with its
reconciliation report, the diff of two versions, the search box, and a catalog update package
whose diff is shown before it is imported."""

from __future__ import annotations

from pathlib import Path

from catalog_support import ADDED, REMOVED, REWORDED_TO, revised_market_rows, write_csv
from PySide6.QtCore import QDate, Qt, QUrl
from pytestqt.qtbot import QtBot
from ui_helpers import (
    LISTED_ID,
    check,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app.context import AppContext
from desktop_app.services.catalog.catalog_import import import_catalog
from desktop_app.ui.catalog_view import CatalogImportDialog, DiffDialog

EFFECTIVE = "2025-07-01"
NEW_DEPARTMENT = "市大数据发展局"


def _browser(qtbot: QtBot, office) -> tuple:  # noqa: F811
    window = office.open(qtbot, "admin")
    window.show_tab(3)
    window.admin_view.setCurrentWidget(window.admin_view.catalog)
    browser = window.admin_view.catalog
    qtbot.waitUntil(lambda: browser.tree.topLevelItemCount() > 0)
    return window, browser


def _revised_file(tmp_path: Path, ctx: AppContext) -> Path:
    rows = revised_market_rows(ctx.catalog.base)
    basis = "关于对失信被执行人实施联合惩戒的合作备忘录"
    rows.append(
        ["1", "市中级人民法院", "失信被执行人", NEW_DEPARTMENT, "(一)限制申请数据开发项目", basis]
    )
    return write_csv(tmp_path / "柳州市联合惩戒措施清单（修订）.csv", rows)


def _wait_idle(qtbot: QtBot, dialog) -> None:
    qtbot.waitUntil(lambda: dialog.task is None and dialog.report is not None, timeout=60000)


def test_import_with_its_reconciliation_report(qtbot: QtBot, office, tmp_path) -> None:  # noqa: F811
    window, browser = _browser(qtbot, office)
    assert (
        browser.version.count() == 1
        and browser.version.currentText() == "第1版（内置目录） · 今天施行"
    )
    qtbot.mouseClick(browser.import_button, Qt.MouseButton.LeftButton)
    dialog = browser.dialog
    assert isinstance(dialog, CatalogImportDialog) and dialog.isVisible()
    dialog.file.setText(str(_revised_file(tmp_path, office.launcher.ctx)))
    dialog.effective.setDate(QDate.fromString(EFFECTIVE, "yyyy-MM-dd"))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, dialog)

    # the reconciliation report: the unknown department with its row, nothing written
    assert dialog.report.refused and not dialog.report.written
    assert "未导入，没有写入任何内容" in dialog.message.text()
    assert dialog.unknown.isVisible() and dialog.unknown.rowCount() == 1
    assert dialog.unknown.item(0, 0).text() == NEW_DEPARTMENT
    assert dialog.unknown.item(0, 2).text() == str(
        len(revised_market_rows(office.launcher.ctx.catalog.base)) + 1
    )
    assert not dialog.import_button.isEnabled()
    assert office.launcher.ctx.catalog.entries() == []

    # the administrator adds it: the import waits for a new check
    combo = dialog.unknown.cellWidget(0, 3)
    combo.setCurrentIndex(combo.findData("__add__"))
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None and not dialog.report.refused, timeout=60000)
    assert (
        "检查通过" in dialog.message.text()
        and "新增 2 项、删除 1 项、修改 1 项" in dialog.message.text()
    )
    assert dialog.import_button.isEnabled() and dialog.diff_button.isEnabled()
    assert dialog.unknown.rowCount() == 1  # the choice stays in the table
    qtbot.mouseClick(dialog.diff_button, Qt.MouseButton.LeftButton)
    assert dialog._diff_dialog.view.model.rowCount() == 4
    dialog._diff_dialog.accept()
    # a changed setting needs a new check before importing
    dialog.replace_all.setChecked(True)
    assert not dialog.import_button.isEnabled()
    dialog.replace_all.setChecked(False)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None and dialog.import_button.isEnabled(), timeout=60000)
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "已导入为柳州市措施目录第2版（2025-07-01起施行）" in dialog.message.text()
    dialog.accept()

    # the browser shows the new version, in force today; its versions tab lists both
    assert browser.version.count() == 2
    assert browser.version.currentText() == "第2版（2025-07-01起施行） · 今天施行"
    assert browser.versions_model.rowCount() == 2
    assert browser.versions_model.item(1, 2).text() == f"市市场监管局、{NEW_DEPARTMENT}"
    assert any(
        browser.tree.topLevelItem(i).text(0) == NEW_DEPARTMENT
        for i in range(browser.tree.topLevelItemCount())
    )
    # a check in this window now takes its measures from version 2, and says so
    window.show_tab(0)
    record = check(qtbot, window.check_view, LISTED_ID)
    assert record["data_versions"]["catalog_version"]["number"] == 2
    texts = {m["text"] for m in record["measures"]}
    assert ADDED in texts and REWORDED_TO in texts and REMOVED not in texts
    assert "第2版（2025-07-01起施行）" in window.versions.text()


def test_the_diff_view_and_its_export(qtbot: QtBot, office, tmp_path) -> None:  # noqa: F811
    ctx = AppContext(office.data_dir)
    try:
        path = write_csv(tmp_path / "r.csv", revised_market_rows(ctx.catalog.base))
        assert import_catalog(ctx.catalog, path, "柳州", EFFECTIVE).written
    finally:
        ctx.close()
    _window, browser = _browser(qtbot, office)
    qtbot.mouseClick(browser.diff_button, Qt.MouseButton.LeftButton)
    dialog = browser.dialog
    assert isinstance(dialog, DiffDialog)
    assert (dialog.old.currentData(), dialog.new.currentData()) == (1, 2)
    model = dialog.view.model
    assert model.rowCount() == 3
    kinds = [model.item(row, 2).text() for row in range(3)]
    assert kinds == ["修改", "删除", "新增"]
    assert model.item(0, 4).text().endswith(REWORDED_TO)
    assert "新增 1 项、删除 1 项、修改 1 项" in dialog.view.summary.text()
    dialog.department.setCurrentText("市公安局")
    assert model.rowCount() == 0
    dialog.department.setCurrentText("全部部门")
    assert model.rowCount() == 3
    dialog.old.setCurrentIndex(1)  # version 2 against itself
    assert model.rowCount() == 0
    dialog.old.setCurrentIndex(0)
    exported = dialog.view.export_to(tmp_path / "差异.xlsx")
    assert exported is not None and exported.stat().st_size > 0
    dialog.accept()


def test_the_search_box(qtbot: QtBot, office) -> None:  # noqa: F811
    _window, browser = _browser(qtbot, office)
    type_text(qtbot, browser.search, "乘坐")  # two characters: the plain scan
    qtbot.waitUntil(lambda: browser.pages.currentIndex() == 1, timeout=5000)
    found = browser._found
    assert found["method"] == "scan" and found["count"] == 10
    page = browser.results.toHtml()
    assert "background-color:#ffe58f" in page.replace(" ", "") and "乘坐" in page
    visible = [
        browser.tree.topLevelItem(i).text(0)
        for i in range(browser.tree.topLevelItemCount())
        if not browser.tree.topLevelItem(i).isHidden()
    ]
    assert visible == [group["department"] for group in found["groups"]]
    assert browser.title.text().startswith("“乘坐”：柳州市共 10 项措施")
    # while searching, the tree counts the matching measures, as the results do
    assert browser.tree.headerItem().text(1) == "匹配"
    counts = {
        browser.tree.topLevelItem(i).text(0): int(browser.tree.topLevelItem(i).text(1))
        for i in range(browser.tree.topLevelItemCount())
        if not browser.tree.topLevelItem(i).isHidden()
    }
    assert counts == {group["department"]: len(group["measures"]) for group in found["groups"]}

    browser.search.clear()
    type_text(qtbot, browser.search, "限制乘坐")
    qtbot.waitUntil(lambda: browser._found is not None and browser._found["method"] == "fts")
    first = browser._found["groups"][0]["measures"][0]
    browser._result_clicked(QUrl(f"measure:{first['id']}"))
    assert first["text"] in browser.detail.toPlainText()

    browser.search.clear()
    qtbot.waitUntil(lambda: browser.pages.currentIndex() == 0, timeout=5000)
    assert all(
        not browser.tree.topLevelItem(i).isHidden() for i in range(browser.tree.topLevelItemCount())
    )
    assert browser.tree.headerItem().text(1) == "措施"
    first_node = browser.tree.topLevelItem(0)
    assert int(first_node.text(1)) == len(
        browser._department_measures("柳州市", first_node.text(0))
    )


def test_a_catalog_package_shows_its_diff_before_import(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path,
) -> None:
    from desktop_app.services.exchange import update_package as up

    pem = tmp_path / "office.pem"
    public = up.generate_keypair(pem)
    (tmp_path / "machine.toml").write_text(
        f'[[trusted_publishers]]\nname = "柳州市信用办"\npublic_key = "{public}"\n', "utf-8"
    )
    credit_office = AppContext(tmp_path / "credit_office")
    try:
        path = write_csv(tmp_path / "r.csv", revised_market_rows(credit_office.catalog.base))
        assert import_catalog(credit_office.catalog, path, "柳州", EFFECTIVE).written
        package = tmp_path / "catalog.xyhc"
        up.make_catalog_versions_package(
            credit_office.catalog, up.load_private_key(pem), package, "柳州市信用办"
        )
    finally:
        credit_office.close()

    _window, browser = _browser(qtbot, office)
    qtbot.mouseClick(browser.package_button, Qt.MouseButton.LeftButton)
    dialog = browser.dialog
    dialog.file.setText(str(package))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None and dialog.changes is not None, timeout=60000)
    assert "签名有效：柳州市信用办" in dialog.facts.text()
    assert dialog.tabs.count() == 1 and dialog.tabs.tabText(0) == "柳州市"
    assert dialog.tabs.widget(0).model.rowCount() == 3
    assert office.launcher.ctx.catalog.entries() == []  # nothing changed yet
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "已导入目录更新包" in dialog.message.text()
    dialog.accept()
    assert [e.number for e in office.launcher.ctx.catalog.entries("柳州")] == [2]
    assert browser.version.count() == 2
