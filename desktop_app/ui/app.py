"""The window: for now a minimal catalog browser (jurisdiction → department → measures).

`main(argv)` accepts the CLI's global options (`--data-dir DIR`); the rest of `argv` goes to
Qt. The full window of the GUI issue replaces `CatalogWindow`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase, QResizeEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, __version__, paths
from desktop_app.context import AppContext
from desktop_app.errors import AppError
from desktop_app.models.catalog import Catalog

COLUMNS = ("联合惩戒对象", "编号", "措施", "适用对象", "实施依据", "出处")
COLUMN_WIDTHS = (220, 70, 0, 110, 300, 150)  # 0: the measure text takes the rest
APPLIES_TO = {"person": "自然人", "organization": "法人和非法人组织", "any": "均适用"}
SUBJECT_TYPES = (("全部主体", None), ("自然人", "person"), ("法人和非法人组织", "organization"))


class CatalogWindow(QMainWindow):
    """Pick a jurisdiction and a department; the table lists the measures it applies."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.setWindowTitle(f"{APP_NAME} {__version__}")
        self.jurisdiction = QComboBox()
        self.department = QComboBox()
        self.category = QComboBox()
        self.subject_type = QComboBox()
        for label, value in SUBJECT_TYPES:
            self.subject_type.addItem(label, value)
        self.model = QStandardItemModel(0, len(COLUMNS))
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        for column, width in enumerate(COLUMN_WIDTHS):
            if width:
                self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        pickers = QHBoxLayout()
        for caption, box in (
            ("地区", self.jurisdiction),
            ("实施部门", self.department),
            ("联合惩戒对象", self.category),
            ("主体", self.subject_type),
        ):
            pickers.addWidget(QLabel(caption))
            pickers.addWidget(box, 1)
        layout = QVBoxLayout()
        layout.addLayout(pickers)
        layout.addWidget(self.table)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        self.resize(1280, 720)

        for row in catalog.jurisdictions():
            self.jurisdiction.addItem(row["name"])
        self.jurisdiction.currentTextChanged.connect(self.show_departments)
        self.department.currentTextChanged.connect(self.show_measures)
        self.category.currentIndexChanged.connect(self.show_measures)
        self.subject_type.currentIndexChanged.connect(self.show_measures)
        self.show_departments(self.jurisdiction.currentText())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Wrapped rows need new heights once the stretched text column has its width."""
        super().resizeEvent(event)
        QTimer.singleShot(0, self.table, self.table.resizeRowsToContents)

    def show_departments(self, jurisdiction: str) -> None:
        """Fill the department and category pickers for a jurisdiction."""
        for box in (self.department, self.category):
            box.blockSignals(True)
            box.clear()
        for row in self.catalog.departments(jurisdiction):
            self.department.addItem(row["name"])
        self.category.addItem("全部联合惩戒对象", None)
        for row in self.catalog.categories(jurisdiction):
            self.category.addItem(row["name"], row["name"])
        for box in (self.department, self.category):
            box.blockSignals(False)
        self.show_measures()

    def show_measures(self) -> None:
        """List the measures of the picked department (filtered by category and subject)."""
        self.model.removeRows(0, self.model.rowCount())
        jurisdiction, department = self.jurisdiction.currentText(), self.department.currentText()
        if not department:
            return
        rows = self.catalog.measures(
            jurisdiction, department, self.category.currentData(), self.subject_type.currentData()
        )
        for row in rows:
            basis = row["basis"] + (f"（{row['basis_doc_no']}）" if row["basis_doc_no"] else "")
            text = f"{row['group']}\n{row['text']}" if row["group"] else row["text"]
            if row["note"]:
                text += f"\n（{row['note']}）"
            lines = "、".join(str(n) for n in row["source"]["lines"])
            cells = (
                row["category"],
                row["label"],
                text,
                APPLIES_TO[row["applies_to"]],
                basis,
                f"{row['source']['document']} 第{lines}行",
            )
            items = [QStandardItem(cell) for cell in cells]
            items[0].setData(row["id"])
            self.model.appendRow(items)
        self.table.resizeRowsToContents()
        self.statusBar().showMessage(
            f"共 {len(rows)} 项措施 · 措施目录版本 {self.catalog.version[:12]}"
        )


def _use_bundled_font(app: QApplication) -> None:
    """Chinese text needs the bundled font on machines without a CJK font."""
    font_id = QFontDatabase.addApplicationFont(str(paths.cjk_font_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        app.setFont(QFont(families[0]))


def main(argv: list[str]) -> int:
    """Start the window; `argv` without the program name (global CLI options, then Qt's)."""
    parser = argparse.ArgumentParser(
        prog="main.py", description=f"{APP_NAME}：失信联合惩戒核查（离线）"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="工作数据目录（名单、核查记录、审计日志、用户）"
    )
    args, qt_args = parser.parse_known_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    _use_bundled_font(app)
    ctx = AppContext(data_dir=args.data_dir)
    try:
        window = CatalogWindow(ctx.catalog)
    except AppError as error:
        QMessageBox.critical(None, APP_NAME, error.message)
        ctx.close()
        return error.exit_code
    window.show()
    try:
        return app.exec()
    finally:
        ctx.close()
