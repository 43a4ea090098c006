"""Start 信用核查台's window: `main(argv)`, called by `main.py`.

Start-up sequence: Qt application (high-DPI follows the system), the bundled fonts and the
style, the data folder of the CLI's global options (`--data-dir DIR`), one instance per data
folder (an OS lock plus a local socket that brings the running window to the front), the
catalog, first-start setup when no administrator exists (which logs the new administrator in)
or else login, the bundled demo lists when no list is loaded yet, then the main window.
pyHanko, reportlab and openpyxl are imported only when a record is printed or a report
exported.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QMessageBox, QProgressDialog

from desktop_app import APP_ID, APP_NAME, __version__, paths
from desktop_app.context import AppContext
from desktop_app.errors import AppError, InstanceLockedError
from desktop_app.models import lists_store
from desktop_app.models.users_store import User
from desktop_app.services.instance_lock import InstanceLock
from desktop_app.ui import theme
from desktop_app.ui.check_view import Session
from desktop_app.ui.dialogs import LoginDialog, SetupDialog
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.workers import CheckRunner, TaskRunner

EXIT_ALREADY_RUNNING = InstanceLockedError.exit_code


def build_parser() -> argparse.ArgumentParser:
    """The CLI's global options (`python -m desktop_app --help`); the rest goes to Qt."""
    from desktop_app.cli import add_global_options

    parser = argparse.ArgumentParser(
        prog="main.py", description=f"{APP_NAME} {__version__}：失信联合惩戒核查（离线）"
    )
    add_global_options(parser)
    return parser


def server_name(data_dir: Path) -> str:
    """The local socket name of the instance that holds `data_dir` (one per data folder)."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()
    return f"{APP_ID}-{digest[:20]}"


class SingleInstance(QObject):
    """One window per data folder: the OS lock (shared with backup/restore) decides, and a
    local socket lets a second start ask the first window to come to the front."""

    activated = Signal()

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.name = server_name(data_dir)
        self.lock = InstanceLock(data_dir)
        self.server: QLocalServer | None = None

    def acquire(self) -> None:
        """Hold the data folder or raise `InstanceLockedError`."""
        self.lock.acquire()
        # We hold the lock, so a socket left under this name is from a crashed instance.
        QLocalServer.removeServer(self.name)
        self.server = QLocalServer(self)
        self.server.listen(self.name)
        self.server.newConnection.connect(self._connected)

    def _connected(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
            connection.disconnectFromServer()
            self.activated.emit()

    def ask_first_to_show(self) -> bool:
        """From the second start: ask the running window to come to the front."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(2000):
            return False
        socket.write(b"show\n")
        socket.waitForBytesWritten(1000)
        socket.disconnectFromServer()
        return True

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.release()


class Launcher:
    """The start-up steps, each usable on its own (the tests drive them one by one)."""

    def __init__(self, app: QApplication, data_dir: Path | None) -> None:
        self.app = app
        self.ctx = AppContext(data_dir=data_dir)
        self.instance = SingleInstance(self.ctx.data_dir)
        self.instance.activated.connect(self.bring_to_front)
        self.window: MainWindow | None = None
        self.checks: CheckRunner | None = None
        self.tasks: TaskRunner | None = None

    def needs_setup(self) -> bool:
        """First start: no administrator exists in this data folder yet (asking creates
        nothing: a setup that is quit leaves no file behind)."""
        if not self.ctx.office_exists():
            return True
        return self.ctx.office.users.count("admin") == 0

    def setup_dialog(self) -> SetupDialog:
        return SetupDialog(self.ctx)

    def login_dialog(self, last_user: str | None = None) -> LoginDialog:
        return LoginDialog(self.ctx, last_user or _last_user())

    def place_of(self, user: User) -> tuple[str, str] | None:
        """The jurisdiction and department the user checks for: their own, else the
        machine's; an administrator without either picks one."""
        config = self.ctx.config
        jurisdiction = user.jurisdiction or config.jurisdiction
        department = user.department or config.department
        if jurisdiction and department:
            return jurisdiction, department
        catalog = self.ctx.catalog
        names = [row["name"] for row in catalog.jurisdictions()]
        jurisdiction, ok = QInputDialog.getItem(
            None, APP_NAME, "您的账户没有指定地区，请选择：", names, 0, False
        )
        if not ok:
            return None
        departments = [row["name"] for row in catalog.departments(jurisdiction)]
        department, ok = QInputDialog.getItem(
            None, APP_NAME, f"请选择以哪个部门的名义核查（{jurisdiction}）：", departments, 0, False
        )
        return (jurisdiction, department) if ok else None

    def open_window(self, user: User, jurisdiction: str, department: str) -> MainWindow:
        """Load the demo lists if no list exists yet, then build and show the main window."""
        from desktop_app.services.lists.demo_lists import ensure_demo_lists

        self._upgrade_lists()
        if self.ctx.lists.is_empty():
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                ensure_demo_lists(self.ctx)
            finally:
                QGuiApplication.restoreOverrideCursor()
        session = Session(self.ctx, user, jurisdiction, department)
        self.checks = CheckRunner(self.ctx.data_dir, self.ctx.catalog_path)
        self.tasks = TaskRunner(self.ctx.data_dir, self.ctx.catalog_path)
        self.window = MainWindow(session, self.checks, self.tasks)
        self.window.show()
        self.window.check_view.focus_search()
        return self.window

    def _upgrade_lists(self) -> None:
        """Bring a lists.db of an earlier version up to date off the GUI thread, behind a
        busy dialog: a migration may rewrite every listing (about 20 s for 10 million)."""
        path = self.ctx.data_dir / "lists.db"
        if not lists_store.needs_upgrade(path):
            return
        failure: list[BaseException] = []

        def upgrade() -> None:
            try:
                lists_store.ListStore.open(path).close()
            except BaseException as error:  # raised again in the GUI thread
                failure.append(error)

        text = "程序已升级，正在更新名单数据库的结构（只需一次），请稍候……"
        dialog = QProgressDialog(text, "", 0, 0)
        dialog.setWindowTitle(APP_NAME)
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(0)
        dialog.show()
        worker = threading.Thread(target=upgrade, name="lists-upgrade", daemon=True)
        worker.start()
        while worker.is_alive():
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            worker.join(0.05)
        dialog.close()
        dialog.deleteLater()
        if failure:
            raise failure[0]

    def bring_to_front(self) -> None:
        """A second start asked for this instance: show the window, or the open dialog."""
        if self.window is not None:
            self.window.bring_to_front()
            return
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()

    def close(self) -> None:
        if self.checks is not None:
            self.checks.stop()
        self.instance.release()
        self.ctx.close()


def _last_user() -> str | None:
    from desktop_app.config import load_user_settings

    try:
        return load_user_settings().last_user
    except AppError:
        return None


def _remember_user(name: str) -> None:
    from desktop_app.config import load_user_settings, save_user_settings

    # A preference only: never stop a login over it.
    with contextlib.suppress(AppError, OSError):
        save_user_settings(replace(load_user_settings(), last_user=name))


def _font_scale() -> float:
    from desktop_app.config import load_user_settings

    try:
        return load_user_settings().font_scale
    except AppError:
        return 1.0


def _use_chinese_qt_texts(app: QApplication) -> None:
    """Qt's own words (确定, 取消, the file and print dialogs) in Chinese, from the
    translations that ship with Qt."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder
    ):
        app.installTranslator(translator)


def create_application(qt_args: list[str]) -> QApplication:
    """The QApplication with the bundled fonts and the style (reused if one exists)."""
    app = QApplication.instance()
    if app is None:
        # Fractional scale factors (125 %, 150 %) as the system sets them, not rounded.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    _use_chinese_qt_texts(app)
    icon = paths.project_root() / "packaging" / "icons" / f"{APP_ID}.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    theme.apply(app, theme.load_bundled_fonts(), _font_scale())
    return app  # type: ignore[return-value]


def main(argv: list[str]) -> int:
    """Start the window; `argv` without the program name (global CLI options, then Qt's)."""
    args, qt_args = build_parser().parse_known_args(argv)
    app = create_application(qt_args)
    try:
        launcher = Launcher(app, args.data_dir)
    except AppError as error:  # e.g. a broken machine configuration
        QMessageBox.critical(None, APP_NAME, error.message)
        return error.exit_code
    try:
        launcher.instance.acquire()
    except InstanceLockedError:
        shown = launcher.instance.ask_first_to_show()
        QMessageBox.information(
            None,
            APP_NAME,
            f"信用核查台已经在运行（数据目录 {launcher.ctx.data_dir}）。"
            + ("已切换到正在运行的窗口。" if shown else "请切换到正在运行的窗口。"),
        )
        launcher.ctx.close()
        return EXIT_ALREADY_RUNNING
    try:
        return _run(app, launcher)
    except AppError as error:
        QMessageBox.critical(None, APP_NAME, error.message)
        return error.exit_code
    finally:
        launcher.close()


def _run(app: QApplication, launcher: Launcher) -> int:
    launcher.ctx.catalog  # noqa: B018 (a missing or broken catalog is said before anything else)
    if launcher.needs_setup():
        # After the first-start setup the administrator is logged in already.
        setup = launcher.setup_dialog()
        if setup.exec() != QDialog.DialogCode.Accepted:
            return 0
        user = setup.user
    else:
        login = launcher.login_dialog()
        if login.exec() != QDialog.DialogCode.Accepted:
            return 0
        user = login.user
    _remember_user(user.name)
    place = launcher.place_of(user)
    if place is None:
        return 0
    launcher.open_window(user, *place)
    return app.exec()
