"""管理 › 措施目录: the catalog browser with its versions, full-text search, the import of a
revised measure list with its reconciliation report, the diff of two versions, and the import
of a catalog update package (its diff shown before anything changes).

Everything here calls the same functions as `catalog import|versions|diff`, `measures
--search` and `package verify|import`; imports and package checks run off the GUI thread.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.errors import AppError
from desktop_app.models.catalog import BY_REMIT_GROUP
from desktop_app.ui.check_view import MeasuresView, Session, measure_detail_html
from desktop_app.ui.theme import MUTED, NAVY
from desktop_app.ui.widgets import (
    CopyableTableView,
    SearchableComboBox,
    WrappingTableView,
    error_text,
    hint,
    section_title,
    show_error,
)
from desktop_app.ui.workers import Task, TaskRunner

# Search results shown at once; the count says how many there are.
SHOWN_RESULTS = 300
SEARCH_DELAY_MS = 200
MARK = "background:#ffe58f;color:#1c2430;"
ALL_DEPARTMENTS = "全部部门"
KIND_COLOURS = {"added": "#e6f4ea", "removed": "#fde8e8", "changed": "#fff4d6"}


def _item(value: Any) -> QStandardItem:
    item = QStandardItem("" if value is None else str(value))
    item.setEditable(False)
    return item


def _table(columns: tuple[str, ...], view: CopyableTableView | None = None) -> tuple[Any, Any]:
    table = view or CopyableTableView()
    model = QStandardItemModel(0, len(columns), table)
    model.setHorizontalHeaderLabels(list(columns))
    table.setModel(model)
    return table, model


def marked_html(text: str | None, spans: list[list[int]]) -> str:
    """`text` as HTML with the `spans` (search matches) highlighted."""
    if not text:
        return ""
    out, position = [], 0
    for begin, end in spans:
        out.append(html.escape(text[position:begin]))
        out.append(f"<span style='{MARK}'>{html.escape(text[begin:end])}</span>")
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def search_html(found: dict[str, Any], limit: int = SHOWN_RESULTS) -> str:
    """Search results grouped by department, matched words highlighted; each measure links
    to its detail (`measure:<id>`)."""
    if not found["count"]:
        return (
            f"<p style='color:{MUTED}'>没有找到含“{html.escape(found['query'])}”的措施。"
            "可以换一个词，或少输入几个字。</p>"
        )
    how = "全文索引" if found["method"] == "fts" else "逐条查找"
    parts = [
        f"<p style='color:{MUTED}'>找到 <b>{found['count']}</b> 项措施，"
        f"分属 {len(found['groups'])} 个部门（{how}）。</p>"
    ]
    shown = 0
    for group in found["groups"]:
        if shown >= limit:
            break
        parts.append(
            f"<h3 style='color:{NAVY};margin:10px 0 4px 0'>{html.escape(group['department'])}"
            f"<span style='color:{MUTED};font-weight:normal'>（{len(group['measures'])} 项）"
            "</span></h3>"
        )
        for measure in group["measures"]:
            if shown >= limit:
                break
            shown += 1
            marks = measure["highlights"]
            basis = marked_html(measure["basis"], marks["basis"])
            if measure["basis_articles"]:
                basis += " " + marked_html(measure["basis_articles"], marks["basis_articles"])
            parts.append(
                f"<p style='margin:2px 0 0 12px'><a href='measure:{html.escape(measure['id'])}'"
                f" style='color:{NAVY};text-decoration:none'>{html.escape(measure['label'])}</a>"
                f"{marked_html(measure['text'], marks['text'])}<br>"
                f"<span style='color:{MUTED};font-size:small'>"
                f"{html.escape(measure['category'])} · 依据：{basis}</span></p>"
            )
    if shown < sum(len(g["measures"]) for g in found["groups"]):
        parts.append(f"<p style='color:{MUTED}'>只显示前 {limit} 项。请多输入几个字缩小范围。</p>")
    return "".join(parts)


def version_text(info: dict[str, Any]) -> str:
    text = info["label"]
    if info.get("in_force"):
        text += " · 今天施行"
    return text


# ------------------------------------------------------------------------------- the diff


class DiffView(QWidget):
    """A diff (`services.catalog.diff`): the summary, one coloured row per change, export."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diff: dict[str, Any] | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table, self.model = _table(
            ("实施部门", "联合惩戒对象", "变化", "原措施", "新措施", "变化内容"),
            WrappingTableView(),
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in ((0, 130), (1, 170), (2, 48), (5, 80)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.set_empty_text("两个版本的措施相同。")
        self.export_button = QPushButton("导出 Excel(&E)…")
        self.export_button.clicked.connect(self.export_dialog)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def set_diff(self, diff: dict[str, Any] | None) -> None:
        from desktop_app.services.catalog.diff import summary_text

        self.diff = diff
        self.model.removeRows(0, self.model.rowCount())
        self.export_button.setEnabled(diff is not None)
        if diff is None:
            self.summary.setText("")
            return
        where = f"（{diff['department']}）" if diff["department"] else ""
        self.summary.setText(
            f"<b>{html.escape(diff['jurisdiction'])}措施目录：{html.escape(diff['old']['label'])}"
            f" → {html.escape(diff['new']['label'])}</b>{html.escape(where)}<br>"
            + html.escape(summary_text(diff))
        )
        for change in diff["changes"]:
            old, new = change["old"], change["new"]
            cells = [
                change["department"],
                change["category"],
                change["kind_text"],
                f"{old['label']}{old['text']}" if old else "",
                f"{new['label']}{new['text']}" if new else "",
                change["fields_text"],
            ]
            items = [_item(cell) for cell in cells]
            for item in items:
                item.setBackground(QColor(KIND_COLOURS[change["kind"]]))
            if change["kind"] == "changed" and old and new:
                tip = (
                    f"原依据：{old['basis']} {old['basis_articles'] or ''}\n"
                    f"新依据：{new['basis']} {new['basis_articles'] or ''}"
                )
                for item in items:
                    item.setToolTip(tip)
            self.model.appendRow(items)
        self.table.fit_rows()

    def export_dialog(self) -> None:
        if self.diff is None:
            return
        name = f"{self.diff['jurisdiction']}措施目录差异_第{self.diff['old']['number']}版_第"
        name += f"{self.diff['new']['number']}版.xlsx"
        target, _ = QFileDialog.getSaveFileName(
            self, "导出差异", str(Path.home() / name), "Excel 文件 (*.xlsx)"
        )
        if target:
            self.export_to(Path(target))

    def export_to(self, path: Path) -> Path | None:
        from desktop_app.services.catalog.diff import diff_xlsx
        from desktop_app.services.output import write_output

        assert self.diff is not None
        try:
            return write_output(path, diff_xlsx(self.diff))
        except AppError as error:
            show_error(self, error)
            return None


class DiffDialog(QDialog):
    """Compare two versions of a jurisdiction's catalog, all departments or one."""

    def __init__(
        self,
        session: Session,
        jurisdiction: str,
        old: int | None = None,
        new: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.jurisdiction = session.ctx.catalog.resolve_jurisdiction(jurisdiction)
        self.setWindowTitle(f"比较措施目录版本 · {self.jurisdiction}")
        versions = session.ctx.catalog.versions(self.jurisdiction)
        self.old = QComboBox()
        self.new = QComboBox()
        for info in versions:
            self.old.addItem(version_text(info), info["number"])
            self.new.addItem(version_text(info), info["number"])
        numbers = [info["number"] for info in versions]
        current = next((i["number"] for i in versions if i["in_force"]), numbers[-1])
        new = new if new in numbers else current
        old = old if old in numbers else (numbers[numbers.index(new) - 1] if new != 1 else 1)
        self.old.setCurrentIndex(numbers.index(old))
        self.new.setCurrentIndex(numbers.index(new))
        self.department = SearchableComboBox()
        self.department.set_entries(
            [
                ("全部部门", []),
                *(
                    (d["name"], d["aliases"])
                    for d in session.ctx.catalog.departments(self.jurisdiction)
                ),
            ]
        )
        form = QFormLayout()
        pickers = QHBoxLayout()
        pickers.addWidget(self.old, 1)
        pickers.addWidget(QLabel("→"))
        pickers.addWidget(self.new, 1)
        form.addRow("版本(&V)", pickers)
        form.addRow("部门(&D)", self.department)
        self.message = QLabel()
        self.message.setObjectName("formError")
        self.view = DiffView()
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        for combo in (self.old, self.new):
            combo.currentIndexChanged.connect(lambda _: self.compare())
        self.department.currentTextChanged.connect(self._department_typed)
        self.resize(1100, 640)
        self.compare()

    def _department_typed(self, text: str) -> None:
        if not text.strip() or self.department.value() is not None:  # not half a name
            self.compare()

    def compare(self) -> None:
        from desktop_app.services.catalog.diff import diff_catalogs

        catalogs = self.session.ctx.catalog
        department = self.department.value()
        try:
            diff = diff_catalogs(
                catalogs.of_version(self.jurisdiction, self.old.currentData()),
                catalogs.of_version(self.jurisdiction, self.new.currentData()),
                self.jurisdiction,
                None if department in (None, ALL_DEPARTMENTS) else department,
            )
        except AppError as error:
            self.message.setText(error.message)
            return
        self.message.setText("")
        self.view.set_diff(diff)


def show_diff(parent: QWidget, diff: dict[str, Any], title: str) -> QDialog:
    """A dialog showing one diff (an import's or a package's)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    view = DiffView()
    view.set_diff(diff)
    close = QPushButton("关闭")
    close.clicked.connect(dialog.accept)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view, 1)
    buttons = QHBoxLayout()
    buttons.addStretch(1)
    buttons.addWidget(close)
    layout.addLayout(buttons)
    dialog.view = view  # type: ignore[attr-defined]
    dialog.resize(1100, 620)
    dialog.show()
    return dialog


# ----------------------------------------------------------------------------- the import

PROBLEM_COLUMNS = ("", "位置", "说明")
UNKNOWN_COLUMNS = ("文件中的写法", "种类", "行", "处理")
NOT_HANDLED = "（请选择）"
ADD_NEW = {"department": "新增为本地区的实施部门", "category": "新增为联合惩戒对象"}


class CatalogImportDialog(QDialog):
    """Check a revised measure list (a dry run with the reconciliation report and the diff),
    map or add the names the catalog does not know, then import it as a new version."""

    imported = Signal(object)  # the CatalogImportReport

    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        jurisdiction: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.task: Task | None = None
        self.report: Any = None
        self.checked: tuple[Any, ...] | None = None  # the settings the last check ran with
        self.setWindowTitle("导入措施清单（新的目录版本）")
        catalogs = session.ctx.catalog
        self.file = QLineEdit()
        self.file.setPlaceholderText(
            "措施清单：.xlsx 或 .csv（柳州六列格式、基础清单格式或已保存的列映射）"
        )
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.jurisdiction = QComboBox()
        for row in catalogs.jurisdictions():
            self.jurisdiction.addItem(row["name"])
        self.jurisdiction.setCurrentText(catalogs.resolve_jurisdiction(jurisdiction))
        self.effective = QDateEdit(QDate.currentDate())
        self.effective.setCalendarPopup(True)
        self.effective.setDisplayFormat("yyyy-MM-dd")
        self.replaces = QComboBox()
        self.replace_all = QCheckBox("替换该地区的全部措施（不选：只替换文件中出现的部门的措施）")
        self.mapping = QComboBox()
        self.mapping.addItem("自动识别（柳州六列格式或基础清单格式）", None)
        from desktop_app.services.catalog import layouts

        for name in layouts.load_mappings(session.ctx.data_dir):
            self.mapping.addItem(f"列映射：{name}", name)
        form = QFormLayout()
        form.addRow("文件(&F)", file_row)
        form.addRow("地区(&J)", self.jurisdiction)
        form.addRow("施行日期(&E)", self.effective)
        form.addRow("据以修订(&R)", self.replaces)
        form.addRow("", self.replace_all)
        form.addRow("表头(&H)", self.mapping)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("formError")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unknown_title = section_title("目录中没有的名称：请逐一对应到目录中的名称，或新增")
        self.unknown = QTableWidget(0, len(UNKNOWN_COLUMNS))
        self.unknown.setHorizontalHeaderLabels(list(UNKNOWN_COLUMNS))
        self.unknown.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.unknown.verticalHeader().setVisible(False)
        self.problems, self.problems_model = _table(PROBLEM_COLUMNS)
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.check_button = QPushButton("检查(&C)")
        self.import_button = QPushButton("导入(&I)")
        self.import_button.setProperty("primary", True)
        self.import_button.setEnabled(False)
        self.diff_button = QPushButton("查看差异(&D)…")
        self.diff_button.setEnabled(False)
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addWidget(self.diff_button)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(
            hint(
                "先“检查”：核对部门和联合惩戒对象的名称、损坏的行，并显示与现行版本的差异；"
                "没有问题后再“导入”。导入的清单成为该地区措施目录的新版本，自施行日期起用于核查，"
                "此前的核查记录不受影响。"
            )
        )
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.unknown_title)
        layout.addWidget(self.unknown)
        layout.addWidget(self.problems, 4)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.unknown_title.setVisible(False)
        self.unknown.setVisible(False)
        self.problems.setVisible(False)
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.diff_button.clicked.connect(self.show_diff)
        self.close_button.clicked.connect(self.close_if_idle)
        self.jurisdiction.currentTextChanged.connect(self._fill_versions)
        for signal in (
            self.file.textChanged,
            self.jurisdiction.currentTextChanged,
            self.effective.dateChanged,
            self.replaces.currentIndexChanged,
            self.replace_all.toggled,
            self.mapping.currentIndexChanged,
        ):
            signal.connect(lambda *_: self._settings_changed())
        self._fill_versions(self.jurisdiction.currentText())
        self.resize(980, 680)

    def _fill_versions(self, jurisdiction: str) -> None:
        self.replaces.clear()
        self.replaces.addItem("施行日期当天在用的版本", None)
        for info in self.session.ctx.catalog.versions(jurisdiction):
            self.replaces.addItem(version_text(info), info["number"])

    def browse(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择措施清单", str(Path.home()), "措施清单 (*.xlsx *.csv);;所有文件 (*)"
        )
        if target:
            self.file.setText(target)

    def _settings(self) -> tuple[Any, ...]:
        return (
            self.file.text().strip(),
            self.jurisdiction.currentText(),
            self.effective.date().toString("yyyy-MM-dd"),
            self.replaces.currentData(),
            self.replace_all.isChecked(),
            self.mapping.currentData(),
            repr(self._names()),
        )

    def _settings_changed(self) -> None:
        # an import must be what was checked
        self.import_button.setEnabled(
            self.report is not None and not self.report.refused and self.checked == self._settings()
        )

    def _names(self) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
        """The administrator's choices in the unknown-names table."""
        mapped: dict[str, dict[str, str]] = {"department": {}, "category": {}}
        added: dict[str, list[str]] = {"department": [], "category": []}
        for row in range(self.unknown.rowCount()):
            kind = self.unknown.item(row, 1).data(Qt.ItemDataRole.UserRole)
            written = self.unknown.item(row, 0).text()
            combo = self.unknown.cellWidget(row, 3)
            choice = combo.currentData() if combo is not None else None
            if choice == "__add__":
                added[kind].append(written)
            elif choice:
                mapped[kind][written] = choice
        return mapped, added

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setObjectName("formError" if error else "hint")
        self.message.setStyleSheet("" if error else "color: #1b6e37; font-weight: bold;")
        self.message.setText(text)

    def start(self, dry_run: bool) -> None:
        from desktop_app.services.catalog import layouts
        from desktop_app.services.catalog.catalog_import import import_catalog_file

        path = Path(self.file.text().strip())
        if not self.file.text().strip() or not path.is_file():
            self._say("请选择要导入的措施清单文件（.xlsx 或 .csv）。")
            return
        settings = self._settings()
        jurisdiction = self.jurisdiction.currentText()
        effective = self.effective.date().toString("yyyy-MM-dd")
        replaces = self.replaces.currentData()
        replace_all = self.replace_all.isChecked()
        mapping_name = self.mapping.currentData()
        map_names, add_names = self._names()
        user = self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            mapping = layouts.mapping_columns(ctx.data_dir, mapping_name) if mapping_name else None
            return import_catalog_file(
                ctx,
                user,
                path,
                jurisdiction,
                effective,
                replaces=replaces,
                replace_all=replace_all,
                mapping=mapping,
                map_names=map_names,
                add_names=add_names,
                dry_run=dry_run,
                progress=progress,
            )

        self._say("")
        self.progress.setRange(0, 0)
        self.progress.setFormat("正在读取并核对……" if dry_run else "正在导入……")
        self.progress.setVisible(True)
        for button in (self.check_button, self.import_button, self.close_button):
            button.setEnabled(False)
        self.task = self.tasks.start(
            job,
            lambda report: self._done(report, settings),
            self._failed,
            self._progress,
        )

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress.setFormat(f"已读取 {done} / 约 {total} 行")

    def _finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.check_button.setEnabled(True)
        self.close_button.setEnabled(True)

    def _failed(self, error: BaseException) -> None:
        self._finished()
        self.report = None
        self._settings_changed()
        self._say(error_text(error))

    def _done(self, report: Any, settings: tuple[Any, ...]) -> None:
        self._finished()
        previous = self._names()
        self.report = report
        self.checked = settings
        self.summary.setText(report.summary().split("\n\n")[0])
        self._fill_unknown(report, previous)
        rows = [p for p in report.problems if not p.kind.startswith("unknown_")]
        self.problems_model.removeRows(0, self.problems_model.rowCount())
        marks = {"error": "✗", "warning": "！", "info": "·"}
        for problem in rows:
            items = [_item(marks[problem.severity]), _item(problem.where()), _item(problem.message)]
            if problem.severity == "error":
                for item in items:
                    item.setForeground(QColor("#b3261e"))
            self.problems_model.appendRow(items)
        self.problems.fit_columns(stretch=2)
        self.problems.setVisible(bool(rows))
        self.diff_button.setEnabled(report.diff is not None)
        self.checked = self._settings()  # the table was refilled: the same choices
        self._settings_changed()
        if report.written:
            self._say(
                f"已导入为{report.jurisdiction}措施目录{report.version['label']}。", error=False
            )
            self.imported.emit(report)
        elif report.refused:
            errors = sum(1 for p in report.problems if p.severity == "error")
            self._say(f"有 {errors} 个问题，未导入，没有写入任何内容。请处理后重新检查。")
        else:
            diff = report.diff["summary"] if report.diff else None
            said = (
                f"检查通过：与第{report.replaces}版相比新增 {diff['added']} 项、删除 "
                f"{diff['removed']} 项、修改 {diff['changed']} 项。确认无误后点“导入”。"
                if diff
                else "检查通过。"
            )
            self._say(said, error=False)

    def _fill_unknown(self, report: Any, previous: tuple[Any, Any]) -> None:
        catalogs = self.session.ctx.catalog
        mapped, added = previous
        unknown = [p for p in report.problems if p.kind.startswith("unknown_")]
        # names already handled stay in the table with their choice
        kept: list[tuple[str, str, list[int], str | None]] = []
        for row in range(self.unknown.rowCount()):
            kind = self.unknown.item(row, 1).data(Qt.ItemDataRole.UserRole)
            written = self.unknown.item(row, 0).text()
            choice = mapped[kind].get(written) or ("__add__" if written in added[kind] else None)
            if choice and not any(p.written == written for p in unknown):
                kept.append(
                    (
                        kind,
                        written,
                        self.unknown.item(row, 2).data(Qt.ItemDataRole.UserRole),
                        choice,
                    )
                )
        rows = kept + [
            (p.kind.removeprefix("unknown_"), p.written or "", p.lines, None) for p in unknown
        ]
        self.unknown.setRowCount(0)
        jurisdiction = self.jurisdiction.currentText()
        for kind, written, lines, choice in rows:
            row = self.unknown.rowCount()
            self.unknown.insertRow(row)
            self.unknown.setItem(row, 0, QTableWidgetItem(written))
            kind_item = QTableWidgetItem("实施部门" if kind == "department" else "联合惩戒对象")
            kind_item.setData(Qt.ItemDataRole.UserRole, kind)
            self.unknown.setItem(row, 1, kind_item)
            where = "、".join(str(n) for n in lines[:6]) + ("等" if len(lines) > 6 else "")
            lines_item = QTableWidgetItem(where)
            lines_item.setData(Qt.ItemDataRole.UserRole, lines)
            self.unknown.setItem(row, 2, lines_item)
            combo = QComboBox()
            combo.addItem(NOT_HANDLED, None)
            combo.addItem(ADD_NEW[kind], "__add__")
            problem = next((p for p in unknown if p.written == written), None)
            names = (
                [d["name"] for d in catalogs.departments(jurisdiction)]
                if kind == "department"
                else [c["name"] for c in catalogs.categories()]
            )
            suggested = problem.suggestions if problem else []
            for name in [*suggested, *(n for n in names if n not in suggested)]:
                combo.addItem(f"对应到：{name}", name)
            if choice:
                combo.setCurrentIndex(max(combo.findData(choice), 0))
            combo.currentIndexChanged.connect(lambda *_: self._settings_changed())
            self.unknown.setCellWidget(row, 3, combo)
        self.unknown.resizeColumnsToContents()
        shown = min(len(rows), 8)
        self.unknown.setFixedHeight(
            self.unknown.horizontalHeader().height() + shown * 32 + 4 if rows else 0
        )
        self.unknown.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.unknown_title.setVisible(bool(rows))
        self.unknown.setVisible(bool(rows))

    def show_diff(self) -> None:
        if self.report is not None and self.report.diff is not None:
            self._diff_dialog = show_diff(self, self.report.diff, "与现行版本的差异")

    def close_if_idle(self) -> None:
        if self.task is None:
            self.accept()

    def reject(self) -> None:
        if self.task is None:
            super().reject()


# ------------------------------------------------------------------------- a catalog package


class CatalogPackageDialog(QDialog):
    """Verify a catalog update package, show what it would change here, then import it."""

    imported = Signal(object)

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.task: Task | None = None
        self.changes: dict[str, Any] | None = None
        self.setWindowTitle("导入目录更新包")
        self.file = QLineEdit()
        self.file.setPlaceholderText("信用办下发的目录更新包（.xyhc）")
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("formError")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget()
        self.tabs.setVisible(False)
        self.check_button = QPushButton("检查(&C)")
        self.import_button = QPushButton("导入(&I)")
        self.import_button.setProperty("primary", True)
        self.import_button.setEnabled(False)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("更新包(&F)", file_row)
        layout.addLayout(form)
        layout.addWidget(
            hint("先“检查”：验证签名，并列出导入后本机措施目录的变化；确认后再“导入”。")
        )
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.facts)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.install)
        self.file.textChanged.connect(lambda _: self.import_button.setEnabled(False))
        self.resize(1100, 680)

    def browse(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择目录更新包", str(Path.home()), "更新包 (*.xyhc);;所有文件 (*)"
        )
        if target:
            self.file.setText(target)

    def _run(self, job: Any, done: Any) -> None:
        self.message.setText("")
        self.progress.setVisible(True)
        self.check_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self.task = self.tasks.start(job, done, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.check_button.setEnabled(True)
        self.message.setObjectName("formError")
        self.message.setStyleSheet("")
        self.message.setText(error_text(error))

    def check(self) -> None:
        from desktop_app.services.exchange.catalog_package import preview_package

        path = Path(self.file.text().strip())
        if not self.file.text().strip() or not path.is_file():
            self.message.setText("请选择信用办下发的目录更新包。")
            return

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            info, changes = preview_package(ctx, path)
            return info.to_json(), changes

        self._run(job, self._checked)

    def _checked(self, outcome: tuple[dict[str, Any], dict[str, Any]]) -> None:
        from desktop_app.services.exchange.catalog_package import describe_changes

        self.task = None
        self.progress.setVisible(False)
        self.check_button.setEnabled(True)
        info, changes = outcome
        self.changes = changes
        self.facts.setText(
            f"签名有效：{html.escape(info['publisher'])}，"
            f"制作于 {html.escape(info['created_at'])}。<br>"
            + html.escape(describe_changes(changes)).replace("\n", "<br>")
        )
        self.tabs.clear()
        for item in changes["jurisdictions"]:
            view = DiffView()
            view.set_diff(item["diff"])
            self.tabs.addTab(view, item["jurisdiction"])
        self.tabs.setVisible(bool(changes["jurisdictions"]))
        self.import_button.setEnabled(True)

    def install(self) -> None:
        from desktop_app.services.exchange import update_package

        path = Path(self.file.text().strip())
        user = self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return update_package.import_package(ctx, path, user=user, expected_kind="catalog")

        self._run(job, self._installed)

    def _installed(self, outcome: dict[str, Any]) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.check_button.setEnabled(True)
        self.message.setObjectName("hint")
        self.message.setStyleSheet("color: #1b6e37; font-weight: bold;")
        self.message.setText("已导入目录更新包。核查自今天起按新的版本给出措施。")
        self.imported.emit(outcome)


# ----------------------------------------------------------------------------- the browser

ANOMALY_KIND_TEXT = {
    "alias": "名称变体",
    "numbering": "编号异常",
    "merged_row": "合并重复行",
    "generic_department": "泛指部门",
    "joined_line": "断行拼接",
    "text_repair": "文字修复",
    "shared_department_cell": "共用部门单元格",
    "source_note": "原文说明",
    "duplicate_department": "部门重复",
    "layout_marker": "版式标记",
    "duplicate_measure": "重复措施",
    "joined_paragraph": "段落拼接",
    "repaired_fragment": "片段修复",
    "applies_to_ambiguous": "适用对象不明",
    "initiator_differs": "发起部门不同",
}
ANOMALY_COLUMNS = ("类型", "文件", "行", "说明")
VERSION_COLUMNS = ("版本", "施行日期", "范围", "来源文件", "来源 SHA-256", "导入人", "导入时间")


class CatalogBrowser(QWidget):
    """Departments → categories → measures of a catalog version (the one in force today
    first), full-text search over every department's measures, the versions, and every
    reconciliation the catalog build made (anomalies), with the document and line."""

    def __init__(self, session: Session, tasks: TaskRunner | None = None) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks
        self.catalogs = session.ctx.catalog
        self.catalog = self.catalogs.base
        self.jurisdiction = QComboBox()
        for row in self.catalogs.jurisdictions():
            self.jurisdiction.addItem(row["name"])
        self.version = QComboBox()
        self.version.setToolTip("浏览的措施目录版本（默认今天施行的版本）")
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索措施内容、依据或条款，如 政府采购、限制乘坐")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["部门 / 联合惩戒对象", "措施"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.measures = MeasuresView(show_feedback=False)
        self.results = QTextBrowser()
        self.results.setOpenLinks(False)
        self.results.anchorClicked.connect(self._result_clicked)
        self.pages = QStackedWidget()
        self.detail = QTextBrowser()
        self.title = section_title("")
        self.import_button = QPushButton("导入措施清单(&I)…")
        self.diff_button = QPushButton("比较版本(&D)…")
        self.package_button = QPushButton("导入目录更新包(&P)…")
        for button in (self.import_button, self.package_button):
            button.setEnabled(tasks is not None)
        toolbar = QHBoxLayout()
        toolbar.addWidget(QLabel("地区"))
        toolbar.addWidget(self.jurisdiction)
        toolbar.addWidget(QLabel("版本"))
        toolbar.addWidget(self.version, 1)
        toolbar.addWidget(self.import_button)
        toolbar.addWidget(self.diff_button)
        toolbar.addWidget(self.package_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.tree, 1)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.measures, 1)
        self.pages.addWidget(table_box)
        self.pages.addWidget(self.results)
        right_top = QWidget()
        right_top_layout = QVBoxLayout(right_top)
        right_top_layout.setContentsMargins(0, 0, 0, 0)
        right_top_layout.addWidget(self.title)
        right_top_layout.addWidget(self.pages, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(right_top)
        right.addWidget(self.detail)
        right.setSizes([420, 150])
        browse = QSplitter(Qt.Orientation.Horizontal)
        browse.addWidget(left)
        browse.addWidget(right)
        browse.setSizes([380, 900])

        self.versions_table, self.versions_model = _table(VERSION_COLUMNS)
        versions = QWidget()
        versions_layout = QVBoxLayout(versions)
        versions_layout.addWidget(
            hint(
                "内置目录为第1版。信用办每导入一次修订的措施清单（或本机导入一次目录更新包），"
                "该地区便有一个新版本；核查按核查日期当天施行的版本给出措施，并记入核查记录。"
            )
        )
        versions_layout.addWidget(self.versions_table, 1)

        self.anomaly_filter = QLineEdit()
        self.anomaly_filter.setPlaceholderText("筛选：输入部门、文件名或类型")
        self.anomaly_filter.setClearButtonEnabled(True)
        self.anomalies, self.anomalies_model = _table(ANOMALY_COLUMNS)
        self.anomalies.setWordWrap(True)
        self.anomalies.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        anomalies = QWidget()
        anomalies_layout = QVBoxLayout(anomalies)
        anomalies_layout.addWidget(
            hint(
                "措施目录由三份原始文件生成。原文中的错字、断行、重复行和同一名称的不同写法"
                "在这里逐条列出，并注明所在文件和行号，供核对。"
            )
        )
        anomalies_layout.addWidget(self.anomaly_filter)
        anomalies_layout.addWidget(self.anomalies, 1)
        self._all_anomalies = self.catalogs.anomalies()
        self.tabs = QTabWidget()
        self.tabs.addTab(browse, "部门与措施")
        self.tabs.addTab(versions, "版本")
        self.tabs.addTab(anomalies, f"整理说明（{len(self._all_anomalies)} 条）")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toolbar)
        layout.addWidget(self.tabs)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._pause)
        self.jurisdiction.currentTextChanged.connect(self._jurisdiction_changed)
        self.version.currentIndexChanged.connect(lambda _: self._version_changed())
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(lambda: self._search(self.search.text()))
        self.tree.currentItemChanged.connect(lambda *_: self.show_selected())
        self.measures.selectionModel().currentChanged.connect(
            lambda *_: self.detail.setHtml(measure_detail_html(self.measures.current_measure()))
        )
        self.anomaly_filter.textChanged.connect(self._filter_anomalies)
        self.import_button.clicked.connect(self.open_import)
        self.diff_button.clicked.connect(self.open_diff)
        self.package_button.clicked.connect(self.open_package)
        self._measures: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self._found: dict[str, Any] | None = None
        self._shown = False
        self._place = ""
        self.dialog: QDialog | None = None

    def showEvent(self, event: Any) -> None:
        # Filled on first show: a clerk's window start never pays for the catalog browser.
        if not self._shown:
            self._shown = True
            self._filter_anomalies("")
            self._jurisdiction_changed(self.jurisdiction.currentText())
        super().showEvent(event)

    def refresh(self) -> None:
        if self._shown:
            self._jurisdiction_changed(self.jurisdiction.currentText(), keep=True)

    # -- versions -------------------------------------------------------------------------
    def _jurisdiction_changed(self, jurisdiction: str, keep: bool = False) -> None:
        chosen = self.version.currentData() if keep else None
        versions = self.catalogs.versions(jurisdiction)
        self.version.blockSignals(True)
        self.version.clear()
        for info in versions:
            self.version.addItem(version_text(info), info["number"])
        numbers = [info["number"] for info in versions]
        today = next((i["number"] for i in versions if i["in_force"]), 1)
        self.version.setCurrentIndex(numbers.index(chosen if chosen in numbers else today))
        self.version.blockSignals(False)
        self._fill_versions(versions)
        self._version_changed()

    def _fill_versions(self, versions: list[dict[str, Any]]) -> None:
        self.versions_model.removeRows(0, self.versions_model.rowCount())
        for info in versions:
            scope = {
                "built_in": "三份来源文件",
                "all": "全部措施",
            }.get(info["scope"], "、".join(info["departments"]))
            cells = [
                version_text(info),
                info["effective"] or "—（一直施行）",
                scope,
                info["source_name"],
                info["source_sha256"][:16] + "…",
                info["importer"] or "—",
                (info["imported_at"] or "—")[:19].replace("T", " "),
            ]
            items = [_item(cell) for cell in cells]
            if info["in_force"]:
                for item in items:
                    item.setBackground(QColor("#e8eef5"))
            items[4].setToolTip(info["source_sha256"])
            self.versions_model.appendRow(items)
        self.versions_table.fit_columns(stretch=2)

    def _version_changed(self) -> None:
        jurisdiction = self.jurisdiction.currentText()
        number = self.version.currentData()
        if number is None:
            return
        self.catalog = self.catalogs.of_version(jurisdiction, number)
        self.show_jurisdiction(jurisdiction)

    # -- departments and measures ---------------------------------------------------------
    def _department_measures(self, jurisdiction: str, department: str) -> list[dict[str, Any]]:
        key = (self.catalog.version, jurisdiction, department)
        if key not in self._measures:
            self._measures[key] = (
                self.catalog.measures(jurisdiction, department)
                if self.catalog.has_department(jurisdiction, department)
                else []
            )
        return self._measures[key]

    def show_jurisdiction(self, jurisdiction: str) -> None:
        self.tree.clear()
        for department in self.catalog.departments(jurisdiction):
            measures = self._department_measures(jurisdiction, department["name"])
            node = QTreeWidgetItem([department["name"], str(len(measures))])
            node.setData(0, Qt.ItemDataRole.UserRole, (department["name"], None))
            node.setData(1, Qt.ItemDataRole.UserRole, len(measures))
            if department["aliases"]:
                node.setToolTip(0, "又称：" + "、".join(department["aliases"]))
            counts: dict[str, int] = {}
            for measure in measures:
                counts[measure["category"]] = counts.get(measure["category"], 0) + 1
            for category, count in sorted(counts.items()):
                child = QTreeWidgetItem([category, str(count)])
                child.setData(0, Qt.ItemDataRole.UserRole, (department["name"], category))
                child.setData(1, Qt.ItemDataRole.UserRole, count)
                node.addChild(child)
            self.tree.addTopLevelItem(node)
        self._search(self.search.text())
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def show_selected(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        department, category = item.data(0, Qt.ItemDataRole.UserRole)
        jurisdiction = self.jurisdiction.currentText()
        measures = [
            m
            for m in self._department_measures(jurisdiction, department)
            if category is None or m["category"] == category
        ]
        self.measures.set_measures(measures)
        self._place = f"{jurisdiction} {department}" + (f" · {category}" if category else "")
        if self.search.text().strip():
            self.pages.setCurrentIndex(0)
        self.measures.set_filter(self.search.text())
        self._update_title()
        self.detail.setHtml(measure_detail_html(None))

    def _update_title(self) -> None:
        needle = self.search.text().strip()
        if needle and self.pages.currentIndex() == 1 and self._found is not None:
            self.title.setText(
                f"“{needle}”：{self.jurisdiction.currentText()}共 {self._found['count']} 项措施"
                f"（{self.version.currentText()}）"
            )
            return
        total = self.measures.measures_model.measure_count()
        text = f"{self._place}（{total} 项措施）"
        if needle:
            view = self.measures
            shown = sum(1 for row in range(view.filter.rowCount()) if not view.is_heading(row))
            text = f"{self._place}（{total} 项措施，含“{needle}”的 {shown} 项）"
        self.title.setText(text)

    # -- search ---------------------------------------------------------------------------
    def _pause(self) -> None:
        if self.isVisible():  # a closed window's stores are closed too
            self._search(self.search.text())

    def hideEvent(self, event: Any) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def _typed(self, text: str) -> None:
        # the table of the selected department narrows at once; the search waits for a pause
        self.measures.set_filter(text)
        self._timer.start()

    def _search(self, text: str) -> None:
        """Full-text search over the version's measures: the results grouped by department
        (matched words highlighted), and the tree narrowed to the departments and
        categories with a match or whose name contains the text."""
        self._timer.stop()
        needle = text.strip()
        jurisdiction = self.jurisdiction.currentText()
        self.measures.set_filter(text)
        if not needle:
            self._found = None
            self._show_counts(None)
            for i in range(self.tree.topLevelItemCount()):
                node = self.tree.topLevelItem(i)
                node.setHidden(False)
                for j in range(node.childCount()):
                    node.child(j).setHidden(False)
            self.pages.setCurrentIndex(0)
            self._update_title()
            return
        try:
            found = self.catalog.search(needle, jurisdiction)
        except AppError as error:
            self.results.setHtml(f"<p>{html.escape(error.message)}</p>")
            return
        self._found = found
        hits: dict[str, set[str]] = {}
        matched: dict[tuple[str, str | None], int] = {}
        for group in found["groups"]:
            department = group["department"]
            for measure in group["measures"]:
                hits.setdefault(department, set()).add(measure["category"])
                for key in ((department, None), (department, measure["category"])):
                    matched[key] = matched.get(key, 0) + 1
        self._show_counts(matched)
        everyone = hits.get(BY_REMIT_GROUP, set())
        folded = needle.casefold()
        for i in range(self.tree.topLevelItemCount()):
            node = self.tree.topLevelItem(i)
            department, _ = node.data(0, Qt.ItemDataRole.UserRole)
            own = folded in node.text(0).casefold() or folded in node.toolTip(0).casefold()
            categories = hits.get(department, set()) | everyone
            visible = own
            for j in range(node.childCount()):
                child = node.child(j)
                match = own or child.text(0) in categories or folded in child.text(0).casefold()
                child.setHidden(not match)
                visible = visible or match
            node.setHidden(not visible)
        self.results.setHtml(search_html(found))
        self.pages.setCurrentIndex(1)
        self._update_title()

    def _show_counts(self, matched: dict[tuple[str, str | None], int] | None) -> None:
        """The tree's second column: each department's and category's measures, or while
        searching the measures that match (so that the numbers agree with the results)."""
        self.tree.headerItem().setText(1, "措施" if matched is None else "匹配")
        for i in range(self.tree.topLevelItemCount()):
            node = self.tree.topLevelItem(i)
            for item in (node, *(node.child(j) for j in range(node.childCount()))):
                key = item.data(0, Qt.ItemDataRole.UserRole)
                total = item.data(1, Qt.ItemDataRole.UserRole)
                department, category = key
                # measures implemented within the remit are every signatory's too
                count = (
                    total
                    if matched is None
                    else matched.get((department, category), 0)
                    + matched.get((BY_REMIT_GROUP, category), 0)
                )
                item.setText(1, str(count))

    def _result_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if not text.startswith("measure:") or self._found is None:
            return
        wanted = text.removeprefix("measure:")
        for group in self._found["groups"]:
            for measure in group["measures"]:
                if measure["id"] == wanted:
                    full = self.catalog.measure(wanted) or measure
                    self.detail.setHtml(measure_detail_html(full))
                    return

    # -- dialogs --------------------------------------------------------------------------
    def open_import(self) -> None:
        assert self.tasks is not None
        dialog = CatalogImportDialog(
            self.session, self.tasks, self.jurisdiction.currentText(), self
        )
        dialog.imported.connect(
            lambda _: self._jurisdiction_changed(self.jurisdiction.currentText())
        )
        self.dialog = dialog
        dialog.show()

    def open_diff(self) -> None:
        self.dialog = DiffDialog(
            self.session,
            self.jurisdiction.currentText(),
            new=self.version.currentData(),
            parent=self,
        )
        self.dialog.show()

    def open_package(self) -> None:
        assert self.tasks is not None
        dialog = CatalogPackageDialog(self.session, self.tasks, self)
        dialog.imported.connect(
            lambda _: self._jurisdiction_changed(self.jurisdiction.currentText())
        )
        self.dialog = dialog
        dialog.show()

    # -- anomalies ------------------------------------------------------------------------
    def _filter_anomalies(self, text: str) -> None:
        needle = text.strip().casefold()
        self.anomalies_model.removeRows(0, self.anomalies_model.rowCount())
        for anomaly in self._all_anomalies:
            kind = ANOMALY_KIND_TEXT.get(anomaly["kind"], anomaly["kind"])
            lines = "、".join(str(n) for n in anomaly["lines"][:12])
            if len(anomaly["lines"]) > 12:
                lines += f" 等 {len(anomaly['lines'])} 处"
            row = [kind, anomaly["document"], lines, anomaly["message"]]
            if not needle or any(needle in str(cell).casefold() for cell in row):
                self.anomalies_model.appendRow([_item(cell) for cell in row])
        self.anomalies.fit_columns(stretch=3, widest=260)
