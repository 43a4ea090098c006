"""The clerk's own recent checks: reopen one (latest or an earlier version) in the check screen."""

from __future__ import annotations

import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import AppError
from desktop_app.models.labels import STATUS_TEXT
from desktop_app.models.record_types import active_hits, masked_query
from desktop_app.ui.check_view import Session
from desktop_app.ui.widgets import CopyableTableView, hint, section_title, show_error

PERIODS = (("最近 7 天", 7), ("最近 30 天", 30), ("最近 90 天", 90), ("最近一年", 365))
RECORD_COLUMNS = ("核查时间", "核查记录编号", "查询内容", "结果", "有效命中", "措施", "版本")
VERSION_COLUMNS = ("版本", "生成时间", "操作人", "结果", "记录哈希")


def local_time(value: str) -> str:
    """ISO time with offset → local "YYYY-MM-DD HH:MM"."""
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _row(values: list[Any], data: Any = None) -> list[QStandardItem]:
    items = [QStandardItem("" if value is None else str(value)) for value in values]
    for item in items:
        item.setEditable(False)
    items[0].setData(data, Qt.ItemDataRole.UserRole)
    return items


class HistoryView(QWidget):
    """`open_record(record, editable)` when the clerk reopens a record (Enter / double-click)."""

    open_record = Signal(object, bool)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.period = QComboBox()
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
        refresh = QPushButton("刷新 (F5)")
        self.open_button = QPushButton("打开 (Enter)")
        self.open_button.setProperty("primary", True)
        top = QHBoxLayout()
        top.addWidget(section_title("我的核查记录"))
        top.addStretch(1)
        top.addWidget(QLabel("时间范围"))
        top.addWidget(self.period)
        top.addWidget(refresh)
        top.addWidget(self.open_button)

        self.records_model = QStandardItemModel(0, len(RECORD_COLUMNS), self)
        self.records_model.setHorizontalHeaderLabels(list(RECORD_COLUMNS))
        self.table = CopyableTableView()
        self.table.setModel(self.records_model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.versions_model = QStandardItemModel(0, len(VERSION_COLUMNS), self)
        self.versions_model.setHorizontalHeaderLabels(list(VERSION_COLUMNS))
        self.versions = CopyableTableView()
        self.versions.setModel(self.versions_model)
        self.versions.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.versions.horizontalHeader().setStretchLastSection(True)
        self.count = hint("")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(
            section_title("所选记录的各个版本（结果反馈、确认匹配都会生成新版本）")
        )
        lower_layout.addWidget(self.versions)
        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table)
        upper_layout.addWidget(self.count)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([420, 180])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        refresh.clicked.connect(self.refresh)
        self.period.currentIndexChanged.connect(lambda _: self.refresh())
        self.open_button.clicked.connect(self.open_current)
        self.table.activated.connect(lambda _: self.open_current())
        self.versions.activated.connect(lambda _: self.open_version())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_versions())
        # Window-wide, but only while this screen is shown (Qt skips hidden widgets).
        QShortcut(QKeySequence("F5"), self, self.refresh)

    def refresh(self) -> None:
        from desktop_app.services import records

        days = self.period.currentData()
        since = (datetime.date.today() - datetime.timedelta(days=days)).isoformat()
        user = self.session.user
        try:
            found = records.list_records(
                self.session.ctx, user, date_from=since, user_name=user.name
            )
        except AppError as error:
            show_error(self, error)
            return
        self.records_model.removeRows(0, self.records_model.rowCount())
        for record in reversed(found):  # newest first
            active = len(active_hits(record))
            self.records_model.appendRow(
                _row(
                    [
                        local_time(record["checked_at"]),
                        record["record_number"],
                        masked_query(record),
                        record["status_text"],
                        active,
                        len(record["measures"]),
                        record["version"],
                    ],
                    record["record_number"],
                )
            )
        self.table.fit_columns(2)
        self.count.setText(f"共 {len(found)} 条（仅显示本人的核查）")
        if found:
            self.table.selectRow(0)
        else:
            self.versions_model.removeRows(0, self.versions_model.rowCount())

    def _current_number(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.records_model.item(index.row(), 0).data(Qt.ItemDataRole.UserRole)

    def _show_versions(self) -> None:
        from desktop_app.services import records

        self.versions_model.removeRows(0, self.versions_model.rowCount())
        number = self._current_number()
        if number is None:
            return
        try:
            versions = records.record_versions(self.session.ctx, self.session.user, number)
        except AppError as error:
            show_error(self, error)
            return
        for version in reversed(versions):
            self.versions_model.appendRow(
                _row(
                    [
                        version["version"],
                        local_time(version["created_at"]),
                        version["user_name"],
                        version["status"],
                        version["record_hash"][:16],
                    ],
                    version["version"],
                )
            )
        for row in range(self.versions_model.rowCount()):
            status = self.versions_model.item(row, 3)
            status.setText(STATUS_TEXT.get(status.text(), status.text()))
        self.versions.fit_columns(4)

    def open_current(self) -> None:
        """Reopen the selected record's latest version (feedback and printing possible)."""
        number = self._current_number()
        if number is not None:
            self._open(number, None)

    def open_version(self) -> None:
        number = self._current_number()
        index = self.versions.currentIndex()
        if number is None or not index.isValid():
            return
        version = self.versions_model.item(index.row(), 0).data(Qt.ItemDataRole.UserRole)
        self._open(number, version)

    def _open(self, number: str, version: int | None) -> None:
        from desktop_app.services import records

        ctx, user = self.session.ctx, self.session.user
        try:
            record = records.get_record(ctx, user, number, version)
            latest = records.get_record(ctx, user, number)
        except AppError as error:
            show_error(self, error)
            return
        self.open_record.emit(record, record["version"] == latest["version"])
