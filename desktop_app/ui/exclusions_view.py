"""排除记录: the possible matches reviewers excluded for an ID, for a supervisor to see and undo
(the audit screen's tab; `python -m desktop_app exclusions list | undo` does the same)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import AppError
from desktop_app.ui.check_view import Session
from desktop_app.ui.history_view import local_time
from desktop_app.ui.widgets import hint, show_error

COLUMNS = ("编号", "证件号码", "核查的名称", "排除的名单记录", "排除人", "排除时间", "理由", "状态")


class ExclusionsView(QWidget):
    """Exclusions in force (or all), newest first, and 撤销排除 with a reason."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.rows: list[dict[str, Any]] = []
        self.model = QStandardItemModel(0, len(COLUMNS))
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.include_undone = QCheckBox("显示已撤销的")
        self.include_undone.toggled.connect(lambda _: self.refresh())
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("撤销理由（必填，如：经复核为同一主体）")
        self.undo_button = QPushButton("撤销排除")
        self.undo_button.setToolTip("该名单记录以后核查同一证件号码时重新作为疑似匹配提示")
        self.undo_button.clicked.connect(self.undo_selected)
        self.status = hint("")
        bar = QHBoxLayout()
        bar.addWidget(self.include_undone)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.reason, 1)
        bar.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(
            hint(
                "核查人员按证件号码核查后排除的疑似匹配：同一证件号码再次核查时折叠显示为“已排除”，"
                "不再提示。撤销后重新提示。排除从不隐藏证件号码一致的命中。"
            )
        )
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._buttons())
        self._buttons()

    def refresh(self) -> None:
        """Read the exclusions again (a quick query of office.db)."""
        from desktop_app.services import exclusions

        try:
            self.rows = exclusions.list_exclusions(
                self.session.ctx, self.session.user, include_undone=self.include_undone.isChecked()
            )
        except AppError as error:
            show_error(self, error)
            return
        self.model.removeRows(0, self.model.rowCount())
        for item in self.rows:
            state = "有效"
            if not item["in_force"]:
                when = local_time(item["undone_at"])
                state = f"已撤销：{item['undone_by']} {when}，{item['undo_reason']}"
            cells = (
                str(item["id"]),
                item["subject"],
                item["subject_name"] or "",
                f"{item['listing_name']}（{item['list']}）",
                item["excluded_by"],
                local_time(item["excluded_at"]),
                item["reason"],
                state,
            )
            self.model.appendRow([QStandardItem(text) for text in cells])
        self.status.setText(f"{len(self.rows)} 条")
        self._buttons()

    def _selected(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None

    def _buttons(self) -> None:
        selected = self._selected()
        self.undo_button.setEnabled(bool(selected and selected["in_force"]))

    def undo_selected(self) -> None:
        from desktop_app.services import exclusions

        selected = self._selected()
        if selected is None:
            return
        try:
            exclusions.undo(self.session.ctx, self.session.user, selected["id"], self.reason.text())
        except AppError as error:
            show_error(self, error)
            return
        self.reason.clear()
        self.refresh()
