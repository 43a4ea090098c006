"""Screenshots of every main screen, from the real windows on an X server at 1366×768.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/screenshots/make_screenshots.py

(without a display it starts itself under `xvfb-run`). Everything happens in a temporary data
folder with the bundled synthetic demo lists: first-start setup, login, a listed subject, a
subject not listed, a mistyped ID, a possible match, feedback and the signed record's
preview, the clerk's history, the audit screen, an import with rejected rows, the catalog
browser and the user management. Main-window shots grab the whole 1366×768 screen; the two
start-up dialogs are grabbed alone (there is nothing behind them).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
SIZE = (1366, 768)


def _restart_under_xvfb() -> None:
    if os.environ.get("DISPLAY") or not shutil.which("xvfb-run"):
        return
    command = ["xvfb-run", "-a", "-s", f"-screen 0 {SIZE[0]}x{SIZE[1]}x24", sys.executable]
    sys.exit(subprocess.call([*command, *sys.argv]))


_restart_under_xvfb()
os.environ["QT_QPA_PLATFORM"] = "xcb"
SCRATCH = Path(tempfile.mkdtemp(prefix="xyhc-shots-"))
os.environ["XYHC_SECRET_DIR"] = str(SCRATCH / "secrets")
os.environ["XYHC_CONFIG"] = str(SCRATCH / "machine.toml")
os.environ["XYHC_SETTINGS"] = str(SCRATCH / "settings.toml")
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QKeyEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from desktop_app import paths  # noqa: E402
from desktop_app.services import accounts  # noqa: E402
from desktop_app.ui import app as app_module  # noqa: E402

PASSWORD = "shot-pass-1"
LISTED_ID = "450202198501019919"  # 韦小宝 of the demo set
NOT_LISTED_ID = "45020219900101123" + ric.calc_check_digit("450202199001011230")
MISTYPED_ID = "450202198501019913"


def wait_until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def settle() -> None:
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.01)


def save(image, name: str) -> None:
    path = OUT / f"{name}.png"
    image.save(str(path), "PNG", 0)  # quality 0 = strongest PNG compression
    if shutil.which("convert"):
        # A 256-colour palette (ImageMagick) keeps flat UI colours and text sharp: 2-3x smaller.
        subprocess.run(["convert", str(path), "-colors", "256", f"PNG8:{path}"], check=True)
    size = f"{image.width()}×{image.height()}"
    print(f"{path.relative_to(ROOT)}  {size}  {path.stat().st_size // 1024} KB")


def screen_shot(name: str) -> None:
    settle()
    save(QGuiApplication.primaryScreen().grabWindow(0).toImage(), name)


def widget_shot(widget: QWidget, name: str) -> None:
    settle()
    save(widget.grab().toImage(), name)


def type_into(widget: QWidget, text: str) -> None:
    """Type like a person: ASCII with QTest, other characters as key events carrying text
    (what an input method delivers); QTest.keyClicks only knows ASCII."""
    widget.setFocus()
    widget.clear()
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(widget, event)


def check(view, query: str, name: str = "") -> None:
    type_into(view.search, query)
    type_into(view.name, name) if name and view.name.isEnabled() else None
    before = view.record
    QTest.keyClick(view.search, Qt.Key.Key_Return)
    wait_until(lambda: view.record is not before or view.banner.status == "invalid_input")
    settle()


def select_measures(view, count: int) -> None:
    table = view.measures
    table.setFocus()
    rows = [r for r in range(table.model().rowCount()) if not table.is_heading(r)][:count]
    table.clearSelection()
    table.selectionModel().setCurrentIndex(
        table.model().index(rows[0], 1), table.selectionModel().SelectionFlag.NoUpdate
    )
    for row in rows:
        table.selectionModel().select(
            table.model().index(row, 0),
            table.selectionModel().SelectionFlag.Select | table.selectionModel().SelectionFlag.Rows,
        )


def open_window(launcher, user):
    """The main window filling the screen, active (keyboard shortcuts need an active window;
    Xvfb has no window manager to activate it)."""
    window = launcher.open_window(user, "柳州市", "市市场监管局")
    window.setGeometry(0, 0, *SIZE)
    window.activateWindow()
    wait_until(window.isActiveWindow, 5)
    return window


def rejected_rows_file() -> Path:
    """A copy of a demo list with three broken rows, for the import report."""
    source = paths.resources_dir() / "demo" / "tax_violations.csv"
    rows = list(csv.reader(source.read_text(encoding="gbk").splitlines()))
    header = rows[0]
    name, identifier = (
        header.index("失信被执行人姓名/名称"),
        header.index("身份证号码/组织机构代码"),
    )
    rows[3][identifier] = rows[3][identifier][:-1] + (
        "0" if rows[3][identifier][-1] != "0" else "1"
    )
    rows[7][name] = ""
    rows[12][name] = '=HYPERLINK("http://example.invalid")'
    target = SCRATCH / "税务局推送_2024年第3批.csv"
    with open(target, "w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return target


def main() -> int:
    app = app_module.create_application([])
    launcher = app_module.Launcher(app, SCRATCH / "data")
    launcher.instance.acquire()

    setup = launcher.setup_dialog()
    setup.show()
    setup.department.setCurrentText("市市场监管局")
    type_into(setup.display_name, "信息科 李工")
    type_into(setup.password, PASSWORD)
    type_into(setup.password2, PASSWORD)
    widget_shot(setup, "01_setup")
    setup.submit()
    admin = setup.user
    accounts.add_user(
        launcher.ctx,
        admin,
        "zhangsan",
        PASSWORD,
        role="clerk",
        department="市市场监管局",
        display_name="张三",
    )
    accounts.add_user(
        launcher.ctx,
        admin,
        "wangke",
        PASSWORD,
        role="supervisor",
        department="市市场监管局",
        display_name="王科长",
    )

    login = launcher.login_dialog("zhangsan")
    login.show()
    type_into(login.password, PASSWORD)
    widget_shot(login, "02_login")
    login.submit()

    window = open_window(launcher, login.user)
    view = window.check_view

    check(view, LISTED_ID)
    select_measures(view, 1)
    screen_shot("03_check_listed")

    check(view, NOT_LISTED_ID)
    screen_shot("04_check_not_listed")

    check(view, MISTYPED_ID)
    screen_shot("05_invalid_input")

    check(view, "黄荣")
    screen_shot("06_possible_match")

    check(view, LISTED_ID)
    select_measures(view, 3)
    view.feedback.choose("applied")
    type_into(view.feedback.note, "已在审批中作为重点审查对象")
    view.feedback.submit()
    wait_until(lambda: view.record["version"] == 2)
    select_measures(view, 1)
    view.feedback.choose("not_applicable")
    type_into(view.feedback.reason, "本次申请事项不涉及政府采购")
    view.feedback.submit()
    wait_until(lambda: view.record["version"] == 3)
    QTest.keyClick(view.search, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    wait_until(lambda: view.preview is not None and view.preview.isVisible(), 60)
    view.preview.setGeometry(90, 20, 1180, 730)
    screen_shot("07_record_preview")
    view.preview.accept()

    window.show_tab(1)
    wait_until(lambda: window.history_view.records_model.rowCount() > 0)
    screen_shot("08_history")
    window.close()
    launcher.close()

    launcher = app_module.Launcher(app, SCRATCH / "data")
    launcher.instance.acquire()
    supervisor = accounts.authenticate(launcher.ctx, "wangke", PASSWORD)
    window = open_window(launcher, supervisor)
    window.show_tab(2)
    wait_until(lambda: window.audit_view.report is not None)
    screen_shot("09_audit")
    window.close()
    launcher.close()

    launcher = app_module.Launcher(app, SCRATCH / "data")
    launcher.instance.acquire()
    administrator = accounts.authenticate(launcher.ctx, "admin", PASSWORD)
    window = open_window(launcher, administrator)
    window.show_tab(3)
    panel = window.admin_view.lists
    panel.open_import()
    dialog = panel.dialog
    dialog.file.setText(str(rejected_rows_file()))
    dialog.category.setCurrentText("重大税收违法案件当事人")
    dialog.list_name.setCurrentText("柳州市重大税收违法案件当事人名单")
    dialog.start()
    wait_until(lambda: dialog.report is not None)
    dialog.move(QPoint(160, 60))
    screen_shot("10_import_report")
    dialog.accept()

    window.admin_view.setCurrentWidget(window.admin_view.catalog)
    browser = window.admin_view.catalog
    wait_until(lambda: browser.tree.topLevelItemCount() > 0)
    type_into(browser.search, "政府采购")
    browser.tree.setCurrentItem(browser.tree.topLevelItem(0))
    settle()
    for i in range(browser.tree.topLevelItemCount()):
        if not browser.tree.topLevelItem(i).isHidden():
            browser.tree.setCurrentItem(browser.tree.topLevelItem(i))
            break
    screen_shot("11_catalog_browser")
    browser.tabs.setCurrentIndex(1)
    type_into(browser.anomaly_filter, "004_d43bcd94c9f07f23.txt")
    screen_shot("12_catalog_anomalies")

    window.admin_view.setCurrentWidget(window.admin_view.users)
    users = window.admin_view.users
    wait_until(lambda: users.model.rowCount() == 3)
    accounts.set_user_disabled(launcher.ctx, administrator, "wangke", True)
    users.refresh()
    users.table.selectRow(2)
    screen_shot("13_users")
    window.close()
    launcher.close()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
