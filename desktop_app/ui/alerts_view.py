"""待处理提醒: what the re-checks after list imports found changed, for the department.

Clerks see their department's open alerts; supervisors also the handled ones (all alerts of
the department, with their ages); administrators those of every department. Selecting an
alert shows the earlier record, what changed and the new result with the department's
measures. The clerk either checks the subject again as a new record (重新核查: the record
opens in the check screen, ready for feedback) or marks the alert handled with a reason;
both close it and are audited. The status bar says how many alerts are open.

`RescreenRunner` runs the re-check after a list import on a worker, with its progress in
the status bar, so that the window never waits for it.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.errors import AppError
from desktop_app.models.labels import ALERT_KIND_TEXT, ALERT_RESOLUTION_TEXT, ALERT_STATE_TEXT
from desktop_app.models.record_types import active_hits
from desktop_app.services import accounts
from desktop_app.ui.check_view import Session
from desktop_app.ui.history_view import local_time
from desktop_app.ui.widgets import CopyableTableView, hint, section_title, show_error
from desktop_app.ui.workers import Task, TaskRunner

ALERT_COLUMNS = ("编号", "提醒", "主体", "原核查记录", "提醒时间", "已过", "状态")
STATES = (("待处理", "open"), ("已处理", "closed"), ("全部", None))


def alert_html(alert: dict[str, Any] | None) -> str:
    """The alert for the detail pane: what changed, the earlier record, the new result and
    the measures of the department."""
    if alert is None:
        return "<p style='color:#5b6573'>选择一条提醒，这里显示原核查记录、变化和新的核查结果。</p>"
    esc = html.escape
    change, earlier, result = alert["change"], alert["earlier"], alert["result"]
    parts = [
        f"<h3 style='color:#a61b1b'>{esc(ALERT_KIND_TEXT.get(alert['kind'], alert['kind']))}："
        f"{esc(alert['subject'])}</h3>",
        f"<p>原核查记录 <b>{esc(earlier['record_number'])}</b> 第 {earlier['version']} 版，"
        f"{esc(local_time(earlier['checked_at'])) if earlier.get('checked_at') else ''} 核查，"
        f"结果：{esc(earlier.get('status_text') or '—')}。<br>"
        f"{esc(local_time(alert['created_at']))} 自动复查：<b>{esc(result['status_text'])}</b>"
        f"（按 {esc(result.get('as_of') or '')} 的名单）。</p>",
    ]
    rows = []
    for hit in active_hits(result):
        new = hit["hit_id"] in change["new_hits"]
        mark = "<b style='color:#a61b1b'>新列入</b>" if new else "在册"
        rows.append(
            f"<tr><td>{mark}</td><td>{esc(hit['name'])} {esc(hit.get('id') or '')}</td>"
            f"<td>{esc(hit['list'])}</td><td>{esc(hit['category'])}</td>"
            f"<td>列入 {esc(hit.get('listed_on') or '—')}</td></tr>"
        )
    for hit_id in change["gone_hits"]:
        rows.append(
            f"<tr><td><b style='color:#1b6e37'>已撤销</b></td><td colspan='4'>名单记录 {hit_id}"
            "（已撤销或已失效，见名单记录的历史）</td></tr>"
        )
    for item in result.get("possible") or []:
        if item["hit_id"] in change["new_possible"]:
            rows.append(
                f"<tr><td><b style='color:#a05a00'>新疑似</b></td><td>{esc(item['name'])} "
                f"{esc(item.get('id') or '')}</td><td>{esc(item['list'])}</td>"
                f"<td colspan='2'>相似度 {item['score']:.0f}：{esc(item['reason'])}</td></tr>"
            )
    if rows:
        parts.append("<table cellspacing='4'>" + "".join(rows) + "</table>")
    measures = result.get("measures") or []
    if measures:
        parts.append(f"<p><b>{esc(alert['department'])}应实施的措施（{len(measures)} 项）</b></p>")
        parts.append(
            "<ol>"
            + "".join(
                f"<li>{esc(m.get('label') or '')}{esc(m['text'])}"
                f"<br><span style='color:#5b6573'>依据：{esc(m['basis'])}</span></li>"
                for m in measures
            )
            + "</ol>"
        )
    if alert["state"] == "closed":
        how = ALERT_RESOLUTION_TEXT.get(alert.get("resolution") or "", "")
        extra = alert.get("new_record_number") or alert.get("reason") or ""
        parts.append(
            f"<p style='color:#1b6e37'>已由 {esc(alert['closed_by'])} 于 "
            f"{esc(local_time(alert['closed_at']))} 处理：{esc(how)} {esc(extra)}</p>"
        )
    return "".join(parts)


def _item(value: Any, data: Any = None) -> QStandardItem:
    item = QStandardItem("" if value is None else str(value))
    item.setEditable(False)
    if data is not None:
        item.setData(data, Qt.ItemDataRole.UserRole)
    return item


class AlertsView(QWidget):
    """The alerts of the department. `open_record(record, editable)` opens a record in the
    check screen; `alerts_changed` after an alert was closed."""

    open_record = Signal(object, bool)
    alerts_changed = Signal()

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.alert: dict[str, Any] | None = None
        self.state = QComboBox()
        for text, state in STATES:
            self.state.addItem(text, state)
        may_see_closed = accounts.can(session.user, "records.read_all")
        self.state.setEnabled(may_see_closed)
        self.state.setToolTip(
            "科长和管理员可查看已处理的提醒" if not may_see_closed else "显示哪些提醒"
        )
        self.state.currentIndexChanged.connect(lambda _: self.refresh())
        refresh = QPushButton("刷新 (F5)")
        refresh.clicked.connect(self.refresh)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(section_title("待处理提醒"))
        top.addWidget(self.count)
        top.addStretch(1)
        top.addWidget(QLabel("显示："))
        top.addWidget(self.state)
        top.addWidget(refresh)
        self.model = QStandardItemModel(0, len(ALERT_COLUMNS))
        self.model.setHorizontalHeaderLabels(list(ALERT_COLUMNS))
        self.table = CopyableTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(CopyableTableView.SelectionMode.SingleSelection)
        self.table.set_empty_text(
            "没有待处理的提醒。导入名单或名单更新包后，程序会自动复查近期核查过的主体。"
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        self.table.doubleClicked.connect(lambda _: self.open_earlier())
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.new_record_button = QPushButton("重新核查，生成核查记录(&N)")
        self.new_record_button.setProperty("primary", True)
        self.new_record_button.setToolTip(
            "按现在的名单重新核查该主体，生成新的核查记录并打开，以登记措施的结果反馈"
        )
        self.new_record_button.clicked.connect(self.new_record)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("处理说明，如：该主体的申请已办结，无须处理")
        self.handled_button = QPushButton("标记为已处理(&H)")
        self.handled_button.clicked.connect(self.mark_handled)
        self.earlier_button = QPushButton("打开原核查记录(&R)")
        self.earlier_button.clicked.connect(self.open_earlier)
        self.message = hint("")
        actions = QHBoxLayout()
        actions.addWidget(self.new_record_button)
        actions.addWidget(self.earlier_button)
        actions.addStretch(1)
        handled = QHBoxLayout()
        handled.addWidget(self.reason, 1)
        handled.addWidget(self.handled_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(actions)
        right_layout.addLayout(handled)
        right_layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setSizes([800, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addLayout(top)
        layout.addWidget(
            hint(
                "每次导入名单或名单更新包后，程序按新名单自动复查近期核查过的主体；"
                "新列入、已撤销或出现新的疑似匹配的，在这里提醒本部门处理。"
            )
        )
        layout.addWidget(split, 1)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        self._selected()

    def refresh(self) -> None:
        """Read the alerts again (keeping the selected one selected when it is still there)."""
        from desktop_app.services.screening import alerts

        keep = self.alert["alert_id"] if self.alert else None
        try:
            found = alerts.list_alerts(
                self.session.ctx, self.session.user, state=self.state.currentData()
            )
            open_count = alerts.open_count(self.session.ctx, self.session.user)
        except AppError as error:
            show_error(self, error)
            return
        self.model.removeRows(0, self.model.rowCount())
        for alert in found:
            state = ALERT_STATE_TEXT.get(alert["state"], alert["state"])
            if alert["state"] == "closed":
                state += f"（{ALERT_RESOLUTION_TEXT.get(alert['resolution'] or '', '')}）"
            self.model.appendRow(
                [
                    _item(alert["alert_id"], alert["alert_id"]),
                    _item(ALERT_KIND_TEXT.get(alert["kind"], alert["kind"])),
                    _item(alert["subject"]),
                    _item(alert["record_number"]),
                    _item(local_time(alert["created_at"])[5:]),
                    _item(f"{alert['age_days']} 天"),
                    _item(state),
                ]
            )
        self.table.fit_columns(stretch=2, widest=220)
        self.count.setText(f"待处理 {open_count} 条")
        rows = [self.model.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(len(found))]
        if keep in rows:
            self.table.selectRow(rows.index(keep))
        elif rows:
            self.table.selectRow(0)
        else:
            self.alert = None
            self._selected()

    def _selected(self) -> None:
        from desktop_app.services.screening import alerts

        index = self.table.currentIndex()
        self.alert = None
        if index.isValid():
            alert_id = self.model.item(index.row(), 0).data(Qt.ItemDataRole.UserRole)
            try:
                self.alert = alerts.get_alert(self.session.ctx, self.session.user, alert_id)
            except AppError as error:
                self.message.setText(error.message)
        self.detail.setHtml(alert_html(self.alert))
        usable = self.alert is not None and self.alert["state"] == "open"
        self.new_record_button.setEnabled(usable)
        self.handled_button.setEnabled(usable)
        self.reason.setEnabled(usable)
        self.earlier_button.setEnabled(self.alert is not None)

    def new_record(self) -> None:
        """Check the subject again as a new record and open it for feedback."""
        from desktop_app.services.screening import alerts

        if self.alert is None:
            return
        try:
            record, alert = alerts.record_from_alert(
                self.session.ctx, self.session.user, self.alert["alert_id"]
            )
        except AppError as error:
            show_error(self, error)
            return
        self.message.setText(
            f"已生成核查记录 {record['record_number']}，提醒 {alert['alert_id']} 已关闭。"
        )
        self.refresh()
        self.alerts_changed.emit()
        self.open_record.emit(dict(record), True)

    def mark_handled(self) -> None:
        from desktop_app.services.screening import alerts

        if self.alert is None:
            return
        try:
            alert = alerts.close_alert(
                self.session.ctx, self.session.user, self.alert["alert_id"], self.reason.text()
            )
        except AppError as error:
            self.message.setText(error.message)
            self.reason.setFocus()
            return
        self.reason.clear()
        self.message.setText(f"提醒 {alert['alert_id']} 已标记为已处理。")
        self.refresh()
        self.alerts_changed.emit()

    def open_earlier(self) -> None:
        from desktop_app.services import records

        if self.alert is None:
            return
        try:
            record = records.get_record(
                self.session.ctx,
                self.session.user,
                self.alert["record_number"],
                self.alert["record_version"],
            )
        except AppError as error:
            show_error(self, error)
            return
        self.open_record.emit(dict(record), False)


class RescreenRunner(QObject):
    """The re-check after a list import, on a worker, with its progress in a status-bar
    widget. `finished(outcome)` when it is done (an error is reported through `failed`)."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, session: Session, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks
        self.task: Task | None = None
        self.again = False
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(240)
        self.bar.setVisible(False)

    def start(self) -> None:
        """Run a re-check now (or once more after the running one: the lists changed again)."""
        from desktop_app.services.screening.rescreen import rescreen

        if not accounts.can(self.session.user, "records.rescreen"):
            return
        if self.task is not None:
            self.again = True
            return
        user = self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return rescreen(ctx, user, progress=progress, cancel=cancelled)

        self.bar.setRange(0, 0)
        self.bar.setFormat("自动复查……")
        self.bar.setVisible(True)
        self.task = self.tasks.start(job, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.setFormat(f"自动复查 {done:,}/{total:,}")

    def _done(self, outcome: dict[str, Any]) -> None:
        self._ended()
        self.finished.emit(outcome)

    def _failed(self, error: BaseException) -> None:
        self._ended()
        self.failed.emit(error)

    def _ended(self) -> None:
        self.task = None
        self.bar.setVisible(False)
        if self.again:
            self.again = False
            self.start()
