"""结果反馈: what the department did about the selected measure(s).

Alt+1 已实施, Alt+2 不适用 (a reason is required), Alt+3 已移送; Ctrl+Enter registers the
feedback for every selected measure at once (one new version of the check record).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop_app.models.labels import FEEDBACK_ACTION_TEXT
from desktop_app.ui import theme

# (action, radio text naming its Alt+digit shortcut; the check screen owns the shortcuts)
ACTIONS = tuple(
    (action, f"{text} (Alt+{number})")
    for number, (action, text) in enumerate(FEEDBACK_ACTION_TEXT.items(), start=1)
)


@dataclass(frozen=True)
class FeedbackChoice:
    action: str
    reason: str | None
    note: str | None


class FeedbackPanel(QGroupBox):
    """Choose the action, give the reason (for 不适用) and a note, then register."""

    submitted = Signal(object)  # FeedbackChoice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("结果反馈", parent)
        self.group = QButtonGroup(self)
        radios = QHBoxLayout()
        self.radios: dict[str, QRadioButton] = {}
        for action, text in ACTIONS:
            radio = QRadioButton(text)
            self.group.addButton(radio)
            self.radios[action] = radio
            radios.addWidget(radio)
            radio.toggled.connect(self._update)
        radios.addStretch(1)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("选“不适用”时必填，如：申请事项不在该措施范围内")
        self.note = QLineEdit()
        self.note.setPlaceholderText("选填，如：移送函编号")
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.target = QLabel("请先在措施表中选择一项或多项措施。")
        self.target.setObjectName("hint")
        self.target.setWordWrap(True)
        self.submit_button = QPushButton("登记反馈 (Ctrl+Enter)")
        self.submit_button.setProperty("primary", True)
        self.submit_button.clicked.connect(self.submit)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.submit)
        form = QFormLayout(self)
        form.addRow(self.target)
        form.addRow("处理结果", radios)
        form.addRow("理由(&Y)", self.reason)
        form.addRow("备注(&B)", self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.submit_button)
        form.addRow(buttons)
        self._count = 0
        self._update()

    def set_target(self, count: int, editable: bool, reason_if_not: str = "") -> None:
        """How many measures are selected; `editable` False shows why feedback is closed."""
        self._count = count if editable else 0
        if not editable:
            self.target.setText(reason_if_not)
        elif count == 0:
            self.target.setText("请在措施表中选择措施（按住 Ctrl 或 Shift 可多选）。")
        else:
            self.target.setText(f"为选中的 {count} 项措施登记反馈：")
        self.setEnabled(editable)
        self._update()

    def choose(self, action: str) -> None:
        self.radios[action].setChecked(True)

    def action(self) -> str | None:
        for action, radio in self.radios.items():
            if radio.isChecked():
                return action
        return None

    def clear(self) -> None:
        self.group.setExclusive(False)
        for radio in self.radios.values():
            radio.setChecked(False)
        self.group.setExclusive(True)
        self.reason.clear()
        self.note.clear()
        self.show_error("")

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        theme.set_state(self.reason, "error" if text and self.action() == "not_applicable" else "")

    def submit(self) -> None:
        if not self.isEnabled() or not self.submit_button.isEnabled():
            return
        action = self.action()
        if action is None:
            self.show_error("请选择处理结果：已实施（Alt+1）、不适用（Alt+2）或已移送（Alt+3）。")
            return
        # Whether the reason is required is the records service's rule; its message is shown.
        self.show_error("")
        self.submitted.emit(
            FeedbackChoice(
                action, self.reason.text().strip() or None, self.note.text().strip() or None
            )
        )

    def _update(self) -> None:
        self.reason.setEnabled(self.action() in (None, "not_applicable"))
        self.submit_button.setEnabled(self._count > 0)
