"""Small widgets shared by the screens: copyable tables, searchable pickers, messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QResizeEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.errors import AppError


def error_text(error: BaseException) -> str:
    """The Chinese message of an error; anything unexpected says so and what to do."""
    if isinstance(error, AppError):
        return error.message
    return (
        f"发生了意外错误（{type(error).__name__}：{error}）。请重试；如果再次出现，请联系信息科。"
    )


def show_error(parent: QWidget | None, error: BaseException | str, title: str = "") -> None:
    text = error if isinstance(error, str) else error_text(error)
    QMessageBox.warning(parent, title or APP_NAME, text)


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class CopyableTableView(QTableView):
    """A read-only table whose Ctrl+C copies the selected rows as tab-separated plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab moves on to the next control
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setHighlightSections(False)
        self.empty_text = ""

    def fit_columns(self, stretch: int | None = None, widest: int = 360) -> None:
        """Columns as wide as their contents (at most `widest` px); `stretch` takes the rest.

        Called after the rows are filled: a header in ResizeToContents mode does not follow
        rows appended later.
        """
        header = self.horizontalHeader()
        model = self.model()
        if model is None:
            return
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.resizeColumnsToContents()
        for column in range(model.columnCount()):
            if header.sectionSize(column) > widest:
                header.resizeSection(column, widest)
        if stretch is not None:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def set_empty_text(self, text: str) -> None:
        """What the empty table says (e.g. 未发现名单记录) instead of blank space."""
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        model = self.model()
        if self.empty_text and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#5b6573"))
            area = self.viewport().rect().adjusted(12, 12, -12, -12)
            flags = (
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            )
            painter.drawText(area, int(flags), self.empty_text)

    def keyPressEvent(self, event: Any) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def selected_rows(self) -> list[int]:
        model = self.selectionModel()
        if model is None:
            return []
        return sorted({index.row() for index in model.selectedIndexes()})

    def copy_selection(self) -> str:
        """Put the selected rows (visible columns, display text) on the clipboard."""
        model = self.model()
        if model is None:
            return ""
        rows = self.selected_rows() or (
            [self.currentIndex().row()] if self.currentIndex().isValid() else []
        )
        columns = [c for c in range(model.columnCount()) if not self.isColumnHidden(c)]
        lines = []
        for row in rows:
            cells = []
            for column in columns:
                value = model.index(row, column).data(Qt.ItemDataRole.DisplayRole)
                cells.append(" ".join(str(value).split()) if value is not None else "")
            lines.append("\t".join(cells).rstrip("\t"))
        text = "\n".join(lines)
        QGuiApplication.clipboard().setText(text)
        return text


class WrappingTableView(CopyableTableView):
    """A table with wrapped long texts; rows grow to fit, heading rows span every column.

    Row heights are measured for the rows on screen only (and for more as they scroll into
    view): a common name can bring hundreds of measures, and measuring every wrapped row at
    once would cost the clerk a noticeable pause after each check.
    """

    # Rows below the visible ones measured in advance, so that scrolling rarely jumps.
    LOOKAHEAD_PX = 400

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._fitted: set[int] = set()
        self._resize = QTimer(self)
        self._resize.setSingleShot(True)
        self._resize.setInterval(0)
        self._resize.timeout.connect(self.fit_rows)
        self.horizontalHeader().sectionResized.connect(lambda *_: self._resize.start())
        self.verticalScrollBar().valueChanged.connect(lambda _: self._fit_visible())

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            for signal in (
                model.modelReset,
                model.layoutChanged,
                model.rowsInserted,
                model.rowsRemoved,
            ):
                signal.connect(lambda *_: self._resize.start())

    def is_heading(self, row: int) -> bool:
        """Override: whether view row `row` is a heading spanning all columns."""
        return False

    def fit_rows(self) -> None:
        """Span the heading rows and size the rows on screen to their wrapped text."""
        model = self.model()
        if model is None:
            return
        self.clearSpans()
        columns = model.columnCount()
        for row in range(model.rowCount()):
            if self.is_heading(row):
                self.setSpan(row, 0, 1, columns)
        self._fitted = set()
        self._fit_visible()

    def _fit_visible(self) -> None:
        model = self.model()
        if model is None:
            return
        row = max(self.rowAt(0), 0)
        bottom = self.viewport().height() + self.LOOKAHEAD_PX
        top = self.rowViewportPosition(row)
        while row < model.rowCount() and self.rowViewportPosition(row) - top < bottom:
            if row not in self._fitted:
                self._fitted.add(row)
                self.resizeRowToContents(row)
            row += 1

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._resize.start()


class SearchableComboBox(QComboBox):
    """A picker one can type into: the list narrows to entries containing the typed text.

    `value()` is the chosen entry's name when the text is an entry or one of its aliases (so
    `市场监督管理局` picks `市市场监管局`), and None for a half-typed name.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        self._aliases: dict[str, str] = {}
        completer = QCompleter(self._model, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)

    def set_entries(
        self,
        entries: Iterable[tuple[str, Sequence[str]]],
        current: str | None = None,
        *,
        select_first: bool = True,
    ) -> None:
        """`entries`: (name, aliases) pairs, e.g. a department and its other spellings.
        Without `current` the first entry is selected, or none with `select_first=False`
        (the field is then empty and shows its placeholder: a choice the user must make)."""
        self.blockSignals(True)
        self._model.clear()
        self._aliases = {}
        for name, aliases in entries:
            item = QStandardItem(name)
            if aliases:
                item.setToolTip("又称：" + "、".join(aliases))
            self._model.appendRow(item)
            for alias in aliases:
                self._aliases.setdefault(alias, name)
        self.blockSignals(False)
        index = self.findText(current) if current else -1
        fallback = 0 if self.count() and select_first else -1
        self.setCurrentIndex(index if index >= 0 else fallback)
        self.currentIndexChanged.emit(self.currentIndex())

    def value(self) -> str | None:
        text = self.currentText().strip()
        if self.findText(text, Qt.MatchFlag.MatchExactly) >= 0:
            return text
        return self._aliases.get(text)


class FittingLineEdit(QLineEdit):
    """A line edit whose placeholder is the longest of several that fits its width, so that
    it is never cut off with "…" on a small screen or with large fonts (the full text is the
    tooltip)."""

    def __init__(self, placeholders: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholders = tuple(placeholders)
        self.setToolTip(self.placeholders[0])
        self._fit()

    def placeholder_room(self) -> int:
        """The width the placeholder text may take (frame, margins and clear button off)."""
        margins = self.textMargins()
        room = self.contentsRect().width() - margins.left() - margins.right() - 8
        if self.isClearButtonEnabled():
            room -= self.height()
        return room

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        room = self.placeholder_room()
        fitting = next(
            (text for text in self.placeholders if metrics.horizontalAdvance(text) <= room),
            self.placeholders[-1],
        )
        if fitting != self.placeholderText():
            self.setPlaceholderText(fitting)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fit()
