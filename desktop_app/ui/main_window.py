"""The main window: the check screen, the clerk's history, (by role) audit and admin, the
batch check and the alerts of re-checks.

The title and the status bar say who works for which department, on which data: catalog
version, list versions, and 演示数据 while the bundled synthetic lists are the only ones; and
how many alerts wait. After a list import the re-check of stored checks runs on a worker,
its progress in the status bar.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QPushButton, QTabWidget

from desktop_app import APP_NAME, __version__
from desktop_app.errors import AppError
from desktop_app.models.labels import ROLE_TEXT
from desktop_app.services import accounts
from desktop_app.services.screening.check import only_demo_lists
from desktop_app.ui.check_view import CheckView, Session
from desktop_app.ui.history_view import HistoryView, local_time
from desktop_app.ui.workers import CheckRunner, TaskRunner

ALERTS_TIP = "名单更新后自动复查发现的变化（Ctrl+6）"

SHORTCUTS = (
    ("Ctrl+L", "光标移到核查输入框"),
    ("Enter", "核查"),
    ("Esc", "清除输入和结果"),
    ("Ctrl+F", "筛选措施"),
    ("Alt+1 / Alt+2 / Alt+3", "结果反馈：已实施 / 不适用 / 已移送"),
    ("Ctrl+Enter", "登记所选措施的反馈"),
    ("Alt+Q / Alt+X", "确认 / 排除所选的疑似匹配"),
    ("Ctrl+P", "打印核查记录（预览、打印）"),
    ("Ctrl+S", "保存核查记录 PDF"),
    ("Ctrl+C", "复制所选行（纯文本）"),
    (
        "Ctrl+1 … Ctrl+7",
        "切换到 核查 / 我的记录 / 审计 / 管理 / 批量核查 / 待处理提醒 / 信用办汇总",
    ),
    ("Ctrl+Enter（批量核查）", "开始核查所选文件"),
    ("F5", "刷新记录列表或审计统计"),
    ("Ctrl+E", "导出审计报告"),
    ("Ctrl+I", "导入名单（管理）"),
    ("Ctrl+Shift+K", "修改本人密码"),
    ("F1", "显示本快捷键列表"),
    ("Ctrl+Q", "退出"),
)


def data_versions_text(ctx: Any, jurisdiction: str | None = None) -> tuple[str, str]:
    """(short, full) description of the catalog version in force today (of `jurisdiction`)
    and the list versions for the status bar."""
    if jurisdiction is not None:
        used = ctx.catalog.version_info(jurisdiction)
        catalog, content_hash = used["label"], used["content_hash"]
    else:
        catalog, content_hash = ctx.catalog.version[:8], ctx.catalog.version
    lists = ctx.lists.data_versions()
    short = f"措施目录 {catalog}｜名单 {len(lists)} 个"
    if lists:
        short += "（" + "、".join(f"v{item['version']}" for item in lists) + "）"
    full = "\n".join(
        [f"措施目录：{catalog}，内容校验值 {content_hash}"]
        + [
            f"{item['list']}：第 {item['version']} 版，导入于 {local_time(item['imported_at'])}"
            for item in lists
        ]
    )
    return short, full


class MainWindow(QMainWindow):
    def __init__(self, session: Session, checks: CheckRunner, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.checks = checks
        self.tasks = tasks
        user = session.user
        role = ROLE_TEXT[user.role]
        self.setWindowTitle(
            f"{APP_NAME} {__version__} — {session.jurisdiction} {session.department}"
            f" — {user.display_name}（{role}）"
        )
        self.tabs = QTabWidget()
        self.check_view = CheckView(session, checks, tasks)
        self.history_view = HistoryView(session)
        self.tabs.addTab(self.check_view, "核查 (Ctrl+1)")
        self.tabs.addTab(self.history_view, "我的记录 (Ctrl+2)")
        self.audit_view: Any = None
        self.admin_view: Any = None
        if accounts.can(user, "audit.read"):
            from desktop_app.ui.audit_view import AuditView

            self.audit_view = AuditView(session, tasks)
            self.tabs.addTab(self.audit_view, "审计 (Ctrl+3)")
            self.audit_view.open_record.connect(self.open_record)
        self.office_view: Any = None
        if session.ctx.config.is_credit_office and accounts.can(user, "feedback.read"):
            from desktop_app.ui.feedback_view import CreditOfficeView

            self.office_view = CreditOfficeView(session, tasks)
        if accounts.can(user, "users.manage"):
            from desktop_app.ui.admin_view import AdminView

            self.admin_view = AdminView(session, tasks)
            self.tabs.addTab(self.admin_view, "管理 (Ctrl+4)")
            self.admin_view.lists.lists_changed.connect(self.refresh_status)
        self._add_batch_and_alerts(session, tasks)
        if self.office_view is not None:
            self.tabs.addTab(self.office_view, "信用办汇总 (Ctrl+7)")
        self.setCentralWidget(self.tabs)
        self.history_view.open_record.connect(self.open_record)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.who = QLabel(
            f"{session.jurisdiction} {session.department}　{user.display_name}（{role}）"
        )
        self.versions = QLabel()
        self.demo_badge = QLabel("演示数据")
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setToolTip(
            "当前名单是程序自带的合成演示数据（非真实人员或单位）。导入正式名单后不再显示。"
        )
        self.message = QLabel()
        self.password_button = QPushButton("修改密码…")
        self.password_button.setFlat(True)
        self.password_button.setToolTip("修改本人的登录密码（Ctrl+Shift+K）")
        self.password_button.clicked.connect(self.change_password)
        self.password_dialog: Any = None
        bar = self.statusBar()
        bar.addWidget(self.who)
        bar.addWidget(self.password_button)
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.rescreens.bar)
        bar.addPermanentWidget(self.alerts_button)
        bar.addPermanentWidget(self.demo_badge)
        bar.addPermanentWidget(self.versions)
        self.refresh_status()

        for number in range(1, 8):
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, lambda n=number: self.show_tab(n - 1))
        QShortcut(QKeySequence("F1"), self, self.show_shortcuts)
        QShortcut(QKeySequence("Ctrl+Shift+K"), self, self.change_password)
        QShortcut(QKeySequence("Ctrl+Q"), self, self.close)
        self.setAcceptDrops(True)
        self.resize(1366, 768)
        self.check_view.record_changed.connect(lambda _: self.refresh_status())
        self.refresh_alerts()

    # -- status ---------------------------------------------------------------------------
    def refresh_status(self) -> None:
        ctx = self.session.ctx
        short, full = data_versions_text(ctx, self.session.jurisdiction)
        self.versions.setText(short)
        self.versions.setToolTip(full)
        lists = ctx.lists.data_versions()
        self.session.demo = only_demo_lists(lists)
        self.demo_badge.setVisible(self.session.demo)

    def say(self, text: str) -> None:
        self.message.setText(text)

    # -- batch check, re-checks and alerts --------------------------------------------------
    def _add_batch_and_alerts(self, session: Session, tasks: TaskRunner) -> None:
        from desktop_app.ui.alerts_view import AlertsView, RescreenRunner
        from desktop_app.ui.batch_view import BatchView

        self.batch_view = BatchView(session, tasks)
        self.alerts_view = AlertsView(session)
        self.tabs.addTab(self.batch_view, "批量核查 (Ctrl+5)")
        self.tabs.addTab(self.alerts_view, "待处理提醒 (Ctrl+6)")
        self.batch_view.open_record.connect(self.open_record)
        self.alerts_view.open_record.connect(self.open_record)
        self.alerts_view.alerts_changed.connect(self.refresh_alerts)
        self.rescreens = RescreenRunner(session, tasks)
        self.rescreens.finished.connect(self._rescreened)
        self.rescreens.failed.connect(
            lambda error: self.say(f"自动复查未完成：{getattr(error, 'message', error)}")
        )
        self.alerts_button = QPushButton()
        self.alerts_button.setFlat(True)
        self.alerts_button.setToolTip(ALERTS_TIP)
        self.alerts_button.clicked.connect(lambda: self.tabs.setCurrentWidget(self.alerts_view))
        if self.admin_view is not None:
            self.admin_view.lists.lists_changed.connect(self.rescreens.start)

    def refresh_alerts(self) -> None:
        """The number of open alerts of the department, in the status bar."""
        from desktop_app.services.screening import alerts

        try:
            count = alerts.open_count(self.session.ctx, self.session.user)
        except AppError as error:  # e.g. the office database server cannot be reached
            self.alerts_button.setText("待处理提醒（暂时无法读取）")
            self.alerts_button.setToolTip(error.message)
            self.alerts_button.setStyleSheet("")
            return
        self.alerts_button.setToolTip(ALERTS_TIP)
        self.alerts_button.setText(f"待处理提醒 {count} 条" if count else "没有待处理的提醒")
        # Open alerts stand out in red; none: the look of the status bar's other button.
        self.alerts_button.setStyleSheet(
            "color: #ffffff; font-weight: bold; background: #a61b1b; padding: 1px 8px;"
            if count
            else ""
        )

    def _rescreened(self, outcome: dict[str, Any]) -> None:
        from desktop_app.services.screening.rescreen import outcome_text

        self.refresh_alerts()
        if self.tabs.currentWidget() is self.alerts_view:
            self.alerts_view.refresh()
        self.say(outcome_text(outcome))

    # -- navigation ----------------------------------------------------------------------
    def show_tab(self, index: int) -> None:
        """Ctrl+1 … Ctrl+7: check, history, audit, admin, batch, alerts, the credit office's
        summary (those the role and the PC have)."""
        order = (
            self.check_view,
            self.history_view,
            self.audit_view,
            self.admin_view,
            self.batch_view,
            self.alerts_view,
            self.office_view,
        )
        if 0 <= index < len(order) and order[index] is not None:
            self.tabs.setCurrentWidget(order[index])

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.history_view:
            self.history_view.refresh()
        elif widget is self.audit_view and self.audit_view.report is None:
            self.audit_view.refresh()
        elif widget is self.admin_view:
            self.admin_view.refresh()
        elif widget is self.office_view and self.office_view.report is None:
            self.office_view.refresh()
        elif widget is self.check_view:
            self.check_view.focus_search()
        elif widget is self.alerts_view:
            self.alerts_view.refresh()
        elif widget is self.batch_view:
            self.batch_view.refresh_earlier()

    def open_record(self, record: dict[str, Any], editable: bool) -> None:
        """Show a record from the history or the audit list in the check screen."""
        self.tabs.setCurrentWidget(self.check_view)
        self.check_view.show_record(record, editable)
        self.say(f"已打开核查记录 {record['record_number']} 第 {record['version']} 版")

    def bring_to_front(self) -> None:
        """Another start on the same data folder asked for this window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
        self.say("信用核查台已在运行：已切换到此窗口。")

    def change_password(self) -> None:
        """The logged-in user changes their own password (the old one first)."""
        from desktop_app.ui.dialogs import PasswordDialog

        user = self.session.user
        self.password_dialog = PasswordDialog(self.session.ctx, user, user.name, self)
        self.password_dialog.accepted.connect(lambda: self.say("密码已修改，下次登录请用新密码。"))
        self.password_dialog.open()

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        box = QMessageBox(self)
        box.setWindowTitle("快捷键")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<table cellspacing='6'>{rows}</table>")
        box.open()

    # -- dropping a PDF: verify it ---------------------------------------------------------
    def dragEnterEvent(self, event: Any) -> None:
        if self._dropped_pdf(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        path = self._dropped_pdf(event)
        if path is not None:
            event.acceptProposedAction()
            self.verify_pdf(path)

    @staticmethod
    def _dropped_pdf(event: Any) -> Path | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".pdf"):
                return Path(url.toLocalFile())
        return None

    def verify_pdf(self, path: Path) -> None:
        """Verify a printed check record: signature, whole file, the audit trail."""
        from desktop_app.ui.audit_view import verify_pdf_file

        verify_pdf_file(self, self.tasks, path, self.say)

    # -- closing -------------------------------------------------------------------------
    def closeEvent(self, event: Any) -> None:
        self.checks.stop()
        self.tasks.wait()
        # Printed PDFs were kept only for preview and saving; the saved copies stay.
        shutil.rmtree(self.session.print_dir, ignore_errors=True)
        super().closeEvent(event)
