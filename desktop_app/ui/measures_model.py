"""The measures table: measure dicts (from the catalog or a check record) grouped by category.

`MeasuresModel` is a flat table whose rows are either a group heading (one category of the
hits the measures come from: "失信被执行人 · 韦小宝（5 项）") or a measure. `MeasuresFilter`
keeps the measures whose text, basis, label, initiator or category contain the filter text,
and the headings of the groups that still have a measure. The view spans heading rows over
all columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from desktop_app.models.labels import APPLIES_TO_TEXT, text_of
from desktop_app.models.record_types import feedback_text
from desktop_app.ui import theme

COLUMNS = ("编号", "措施", "实施依据", "发起部门", "适用对象", "结果反馈")
COL_LABEL, COL_TEXT, COL_BASIS, COL_INITIATOR, COL_APPLIES, COL_FEEDBACK = range(len(COLUMNS))

MEASURE_ROLE = Qt.ItemDataRole.UserRole + 1  # the measure dict, None on a heading
POSITION_ROLE = Qt.ItemDataRole.UserRole + 2  # index of the measure in the record's list

Index = QModelIndex | QPersistentModelIndex


def basis_text(measure: dict[str, Any]) -> str:
    """The basis with its 文号 and article numbers when known."""
    doc_no = measure.get("basis_doc_no")
    text = f"{measure['basis']}（{doc_no}）" if doc_no else measure["basis"]
    articles = measure.get("basis_articles")
    return f"{text} {articles}" if articles else text


def measure_text(measure: dict[str, Any]) -> str:
    """The measure as a clerk reads it: its group heading, the text, and a note."""
    text = measure["text"]
    if measure.get("group"):
        text = f"{measure['group']}\n{text}"
    if measure.get("note"):
        text += f"\n（{measure['note']}）"
    return text


def source_text(measure: dict[str, Any]) -> str:
    source = measure.get("source") or {}
    lines = "、".join(str(n) for n in source.get("lines", []))
    return f"{source.get('document', '')} 第{lines}行" if lines else source.get("document", "")


@dataclass
class _Row:
    heading: str | None = None
    measure: dict[str, Any] | None = None
    position: int = -1
    group: int = 0


class MeasuresModel(QAbstractTableModel):
    """Measures grouped by (hits, category); the feedback column shows each measure's state."""

    def __init__(self, show_feedback: bool = True, parent: Any = None) -> None:
        super().__init__(parent)
        self.show_feedback = show_feedback
        self._rows: list[_Row] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_measures(
        self,
        measures: Sequence[dict[str, Any]],
        group_title: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        """Show `measures` (in their order, grouped by the hits they come from and category).

        `group_title(measure)` names a group; by default the category.
        """
        title_of = group_title or (lambda m: m["category"])
        groups: dict[tuple[Any, str], list[int]] = {}
        for position, measure in enumerate(measures):
            tied = tuple(measure.get("hit_ids") or [measure.get("hit_id")])
            groups.setdefault((tied, measure["category"]), []).append(position)
        self.beginResetModel()
        self._rows = []
        for number, positions in enumerate(groups.values()):
            first = measures[positions[0]]
            self._rows.append(
                _Row(heading=f"{title_of(first)}（{len(positions)} 项）", group=number)
            )
            for position in positions:
                self._rows.append(_Row(measure=measures[position], position=position, group=number))
        self.endResetModel()

    def measure_count(self) -> int:
        return sum(1 for row in self._rows if row.measure is not None)

    def is_heading(self, row: int) -> bool:
        return self._rows[row].heading is not None

    def group_of(self, row: int) -> int:
        return self._rows[row].group

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(COLUMNS) if self.show_feedback else len(COLUMNS) - 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].heading is not None:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if row.heading is not None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return row.heading
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(theme.NAVY_LIGHT))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(theme.NAVY))
            return None
        measure = row.measure
        assert measure is not None
        if role == MEASURE_ROLE:
            return measure
        if role == POSITION_ROLE:
            return row.position
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cell(measure, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_FEEDBACK:
            action = (measure.get("feedback") or {}).get("action")
            return QBrush(QColor(theme.FEEDBACK_COLOURS.get(action, theme.INK)))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_LABEL, COL_APPLIES):
            return int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return None

    @staticmethod
    def _cell(measure: dict[str, Any], column: int) -> str:
        if column == COL_LABEL:
            return measure.get("label") or ""
        if column == COL_TEXT:
            return measure_text(measure)
        if column == COL_BASIS:
            return basis_text(measure)
        if column == COL_INITIATOR:
            return measure.get("initiator") or ""
        if column == COL_APPLIES:
            return text_of(APPLIES_TO_TEXT, measure["applies_to"])
        return feedback_text(measure.get("feedback"))

    def search_text(self, row: int) -> str:
        """What the filter box searches in a measure row."""
        measure = self._rows[row].measure
        if measure is None:
            return ""
        return "\n".join(
            (
                measure.get("label") or "",
                measure_text(measure),
                basis_text(measure),
                measure.get("initiator") or "",
                measure["category"],
                measure["id"],
            )
        ).casefold()


class MeasuresFilter(QSortFilterProxyModel):
    """Keeps measures containing the filter text, and the headings of their groups."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._groups: set[int] = set()

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.strip().casefold()
        self._groups = self._matching_groups()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def invalidate_groups(self) -> None:
        """Recompute after the source model was reset."""
        self.set_text(self._needle)

    def _matching_groups(self) -> set[int]:
        model = self.sourceModel()
        if not isinstance(model, MeasuresModel) or not self._needle:
            return set()
        return {
            model.group_of(row)
            for row in range(model.rowCount())
            if not model.is_heading(row) and self._needle in model.search_text(row)
        }

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not self._needle or not isinstance(model, MeasuresModel):
            return True
        if model.is_heading(source_row):
            return model.group_of(source_row) in self._groups
        return self._needle in model.search_text(source_row)
