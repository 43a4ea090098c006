"""What a check found: the result banner, the hits table and the possible matches.

The banner is meant to be read from a metre away: large words on a strong colour, plus an
icon whose SHAPE differs per result (cross, tick, question mark, pencil), so that nothing
depends on telling red from green.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.models.labels import MATCH_TEXT, text_of
from desktop_app.models.record_types import hit_role
from desktop_app.ui import theme
from desktop_app.ui.widgets import WrappingTableView

Index = QModelIndex | QPersistentModelIndex

IDLE_TEXT = "请输入身份证号码、统一社会信用代码、组织机构代码或名称，按回车核查"


class StatusIcon(QWidget):
    """A round badge with a cross, a tick, a question mark or a pencil."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape = ""
        self.colour = QColor("#ffffff")
        self.setFixedSize(QSize(64, 64))

    def set_shape(self, shape: str, colour: str) -> None:
        self.shape, self.colour = shape, QColor(colour)
        self.update()

    def paintEvent(self, event: Any) -> None:
        if not self.shape:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 6
        box = QRectF(3, 3, side, side)
        pen = QPen(self.colour, 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawEllipse(box)
        inner = box.adjusted(side * 0.28, side * 0.28, -side * 0.28, -side * 0.28)
        path = QPainterPath()
        if self.shape == "cross":
            path.moveTo(inner.topLeft())
            path.lineTo(inner.bottomRight())
            path.moveTo(inner.topRight())
            path.lineTo(inner.bottomLeft())
        elif self.shape == "check":
            path.moveTo(QPointF(inner.left(), inner.center().y()))
            path.lineTo(QPointF(inner.left() + inner.width() * 0.38, inner.bottom()))
            path.lineTo(inner.topRight())
        elif self.shape == "pencil":
            path.moveTo(QPointF(inner.left(), inner.bottom()))
            path.lineTo(inner.topRight())
            path.moveTo(QPointF(inner.left(), inner.bottom()))
            path.lineTo(QPointF(inner.left() + inner.width() * 0.35, inner.bottom()))
        if self.shape == "question":
            font = QFont(self.font())
            font.setPixelSize(int(side * 0.62))
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "?")
        else:
            painter.drawPath(path)


class ResultBanner(QFrame):
    """The result of the check in large words: 发现失信记录 / 未发现失信记录 / …"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultBanner")
        self.setMinimumHeight(96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.icon = StatusIcon()
        self.title = QLabel()
        self.title.setObjectName("bannerTitle")
        self.detail = QLabel()
        self.detail.setObjectName("bannerDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.title)
        words.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 10, 18, 10)
        layout.setSpacing(16)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(words, 1)
        self.status = ""
        self.show_idle()

    def show_idle(self, text: str = IDLE_TEXT) -> None:
        self.status = ""
        self.icon.set_shape("", "#ffffff")
        self._paint(theme.NAVY_LIGHT, theme.NAVY, 20)
        self.title.setText(text)
        self.detail.setText("")
        self.detail.setVisible(False)

    def show_busy(self, query: str) -> None:
        self.status = "busy"
        self.icon.set_shape("", "#ffffff")
        self._paint(theme.NAVY_LIGHT, theme.NAVY, 20)
        self.title.setText(f"正在核查“{query}”，请稍候")
        self.detail.setVisible(False)

    def show_status(self, status: str, title: str, detail: str, warned: bool = False) -> None:
        """`status` is the engine's (listed, not_listed, possible_match, invalid_input);
        `warned`: the result carries warnings, so "not listed" is not shown as all clear."""
        look = theme.STATUS_LOOK[status]
        if warned and status == "not_listed":
            look = theme.UNRELIABLE_LOOK
        self.status = status
        self.icon.set_shape(look.icon, look.foreground)
        self._paint(look.background, look.foreground, 34)
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def _paint(self, background: str, foreground: str, title_px: int) -> None:
        self.setStyleSheet(
            f"QFrame#resultBanner {{ background: {background}; border-radius: 6px; }}"
            f"QLabel#bannerTitle {{ color: {foreground}; font-size: {title_px}px;"
            " font-weight: bold; }"
            f"QLabel#bannerDetail {{ color: {foreground}; font-size: 15px; }}"
        )


# Two lines per cell, so that a hit reads in one glance in a narrow column.
HIT_COLUMNS = ("状态 / 匹配方式", "主体", "名单记录", "日期")


def hit_state(hit: dict[str, Any]) -> str:
    """命中 / 关联 / 历史: what a row of the hits table means for the clerk."""
    if hit_role(hit) == "related":
        return "关联主体"
    if not hit["active"]:
        return "历史记录"
    return "命中"


def subject_cell(entry: dict[str, Any]) -> str:
    return f"{entry['name']}\n{entry.get('id') or '（名单中无证件号码）'}"


def listing_cell(entry: dict[str, Any]) -> str:
    return f"{entry['category']}\n{entry['list']}"


def dates_cell(hit: dict[str, Any]) -> str:
    lines = [f"列入 {hit.get('listed_on') or '日期不详'}"]
    if hit.get("revoked_on"):
        lines.append(f"撤销 {hit['revoked_on']}")
    elif not hit["active"]:
        lines.append("尚未生效")
    return "\n".join(lines)


def _notes(entry: dict[str, Any]) -> str:
    lines = []
    if entry.get("case_no"):
        lines.append(f"案号：{entry['case_no']}")
    if entry.get("court"):
        lines.append(f"执行法院：{entry['court']}")
    if entry.get("legal_rep"):
        lines.append(f"企业法定代表人：{entry['legal_rep']}")
    for note in (entry.get("note"), entry.get("catalog_note")):
        if note:
            lines.append(note)
    return "\n".join(lines)


class _TableModel(QAbstractTableModel):
    columns: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None


class HitsModel(_TableModel):
    """Hits in force first, then related subjects, then revoked or expired listings."""

    columns = HIT_COLUMNS

    @property
    def hits(self) -> list[dict[str, Any]]:
        return self.rows

    def set_hits(self, hits: Sequence[dict[str, Any]]) -> None:
        order = {"命中": 0, "关联主体": 1, "历史记录": 2}
        self.beginResetModel()
        self.rows = sorted(hits, key=lambda h: order[hit_state(h)])
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        hit = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{hit_state(hit)}\n{text_of(MATCH_TEXT, hit['match'])}"
            if column == 1:
                return subject_cell(hit)
            if column == 2:
                return listing_cell(hit)
            return dates_cell(hit)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _notes(hit)
        if role == Qt.ItemDataRole.ForegroundRole:
            state = hit_state(hit)
            if state == "历史记录":
                return QBrush(QColor(theme.MUTED))
            if state == "命中" and column == 0:
                return QBrush(QColor(theme.STATUS_LOOK["listed"].background))
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return None


def _two_line_table(table: WrappingTableView, model: QAbstractTableModel, stretch: int) -> None:
    table.setModel(model)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


class HitsTable(WrappingTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hits_model = HitsModel(self)
        _two_line_table(self, self.hits_model, 2)


POSSIBLE_COLUMNS = ("相似度", "主体", "名单记录", "理由")
_VERDICT_MARKS = {
    "same": "相同",
    "similar": "相近",
    "written_differently": "写法不同",
    "more_detail": "详略不同",
    "different": "不同",
    "missing": "未输入",
    "extra": "名单中没有",
}


def parts_line(entry: dict[str, Any]) -> str:
    """Which parts of the name agree, in one short line: 地区相同 · 字号相近 · 行业相同 …"""
    return " · ".join(
        f"{part['label']}{_VERDICT_MARKS.get(part['verdict'], part['verdict'])}"
        for part in entry.get("matched_parts") or []
    )


def excluded_note(entry: dict[str, Any]) -> str:
    """已排除：who, when and why (an exclusion remembered for the ID checked)."""
    return (
        f"已排除：{entry['excluded_by']} 于 {str(entry['excluded_at'])[:16].replace('T', ' ')}"
        f" 排除，理由：{entry['excluded_reason']}"
    )


class PossibleModel(_TableModel):
    """Near misses the clerk must confirm or reject; rejected ones (from the record's later
    versions) stay visible below them, greyed, and so do those excluded for this ID before
    (while the panel shows them)."""

    columns = POSSIBLE_COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rejected: set[Any] = set()
        self.excluded: set[Any] = set()

    def set_possible(
        self,
        possible: Sequence[dict[str, Any]],
        rejected: Sequence[dict[str, Any]] = (),
        excluded: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.beginResetModel()
        self.rows = [*possible, *rejected, *excluded]
        self.rejected = {row["hit_id"] for row in rejected}
        self.excluded = {row["hit_id"] for row in excluded}
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        excluded = row["hit_id"] in self.excluded and "excluded_by" in row
        rejected = row["hit_id"] in self.rejected or excluded
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{row['score']:.0f}" + ("\n已排除" if rejected else "")
            if column == 1:
                return subject_cell(row)
            if column == 2:
                return listing_cell(row)
            lines = [row.get("reason") or "", parts_line(row)]
            if excluded:
                lines.append(excluded_note(row))
            elif row.get("rejected_reason"):
                lines.append(f"排除理由：{row['rejected_reason']}")
            return "\n".join(line for line in lines if line)
        if role == Qt.ItemDataRole.ForegroundRole and rejected:
            return QBrush(QColor(theme.MUTED))
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = "\n".join(p["text"] for p in row.get("matched_parts") or [])
            return "\n".join(text for text in (parts, _notes(row)) if text)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return None


class PossiblePanel(QWidget):
    """Possible matches with 确认为同一主体 / 排除 for the selected one."""

    confirm_requested = Signal(object)  # hit_id
    reject_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PossibleModel(self)
        self.table = WrappingTableView()
        _two_line_table(self.table, self.model, 2)
        self.table.setSelectionMode(WrappingTableView.SelectionMode.SingleSelection)
        self.confirm_button = QPushButton("确认为同一主体(&Q)")
        self.confirm_button.setToolTip(
            "确认后该名单记录计为命中，并列出本部门应实施的措施（Alt+Q）"
        )
        self.reject_button = QPushButton("排除(&X)")
        self.reject_button.setToolTip(
            "不是同一主体（Alt+X）。按证件号码核查时记住排除：以后核查同一号码不再提示"
        )
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("排除理由，如：出生日期不符")
        self.reason.setMinimumWidth(150)
        self.reason.setClearButtonEnabled(True)
        self.excluded_toggle = QToolButton()
        self.excluded_toggle.setCheckable(True)
        self.excluded_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.excluded_toggle.setVisible(False)
        self.excluded_toggle.toggled.connect(lambda _: self._show_rows())
        self.confirm_button.clicked.connect(lambda: self._emit(self.confirm_requested))
        self.reject_button.clicked.connect(lambda: self._emit(self.reject_requested))
        self.table.doubleClicked.connect(lambda _: self.confirm_button.setFocus())
        buttons = QHBoxLayout()
        buttons.addWidget(self.excluded_toggle)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.reason, 1)
        buttons.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def set_possible(
        self,
        possible: Sequence[dict[str, Any]],
        editable: bool,
        rejected: Sequence[dict[str, Any]] = (),
        excluded: Sequence[dict[str, Any]] = (),
    ) -> None:
        """`excluded`: listings excluded for this ID before, shown collapsed (one toggle
        that says how many) until the clerk opens them."""
        self.model.set_possible(possible, rejected, excluded)
        self.editable = editable
        self.reason.clear()
        self.excluded_toggle.blockSignals(True)
        self.excluded_toggle.setChecked(False)
        self.excluded_toggle.blockSignals(False)
        self.excluded_toggle.setVisible(bool(excluded))
        self._show_rows()
        if possible or rejected:
            self.table.selectRow(0)
        self._update_buttons()

    def _show_rows(self) -> None:
        model = self.model
        count = len(model.excluded)
        shown = self.excluded_toggle.isChecked()
        self.excluded_toggle.setText(f"已排除 {count} 条 {'▾' if shown else '▸'}")
        self.excluded_toggle.setToolTip(
            "以前核查同一证件号码时已排除的名单记录（谁、何时、为何排除）"
        )
        for number, row in enumerate(model.rows):
            excluded = row["hit_id"] in model.excluded and "excluded_by" in row
            self.table.setRowHidden(number, excluded and not shown)

    def reject_reason(self) -> str:
        """The reason typed for the next 排除 (empty: the default reason)."""
        return self.reason.text().strip()

    def current_hit_id(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[index.row()]["hit_id"]

    def _update_buttons(self) -> None:
        hit_id = self.current_hit_id()
        usable = getattr(self, "editable", False) and hit_id is not None
        usable = usable and hit_id not in self.model.rejected | self.model.excluded
        self.confirm_button.setEnabled(usable)
        self.reject_button.setEnabled(usable)

    def _emit(self, signal: Any) -> None:
        hit_id = self.current_hit_id()
        if hit_id is not None:
            signal.emit(hit_id)
