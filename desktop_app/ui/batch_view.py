"""批量核查: a whole file of subjects checked at once.

Choose an .xlsx or CSV file: it is read on a worker (the list import's hostile-file checks
included) and the screen shows the columns it found for the name and the ID (the clerk may
pick others) and the first rows. 开始核查 checks every row with a progress bar and 取消
(a cancelled batch stores nothing); then the results table shows one row per input row,
listed and possible matches first, filtered by result. The possible matches of the
selected row are reviewed here (确认 / 排除, the rules of a single check) until none is
pending; a double-click opens the row's check record in the check screen with its measures
and feedback. The results workbook and the signed batch record PDF are made on a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.errors import (
    AppError,
    BatchCancelledError,
    BatchColumnChoiceError,
    BatchSheetChoiceError,
)
from desktop_app.ui.check_view import Session
from desktop_app.ui.result_widgets import PossiblePanel
from desktop_app.ui.widgets import CopyableTableView, error_text, hint, section_title, show_error
from desktop_app.ui.workers import Task, TaskRunner

Index = QModelIndex | QPersistentModelIndex

RESULT_COLUMNS = (
    "行号",
    "姓名或名称",
    "证件号码",
    "结果",
    "命中名单 / 疑似匹配",
    "措施",
    "核查记录编号",
)
PREVIEW_ROWS = 20
# The order rows are shown in: what needs the clerk first.
STATUS_ORDER = {"listed": 0, "possible_match": 1, "invalid_input": 2, "not_listed": 3}
FILTERS = (
    ("全部", None),
    ("发现失信记录", "listed"),
    ("疑似匹配（待复核）", "possible_match"),
    ("无法核查", "invalid_input"),
    ("未发现失信记录", "not_listed"),
)
STATUS_FILL = {
    "listed": "#fbeded",
    "possible_match": "#fdf5e6",
    "invalid_input": "#f0f0f0",
}


class BatchRowsModel(QAbstractTableModel):
    """The rows of a batch (its summaries), one per input row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def replace_row(self, position: int, row: dict[str, Any]) -> None:
        self.rows[position] = row
        self.dataChanged.emit(
            self.index(position, 0), self.index(position, len(RESULT_COLUMNS) - 1)
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RESULT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return RESULT_COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, column)
        if role == Qt.ItemDataRole.UserRole:  # the sort key: what needs the clerk first
            return STATUS_ORDER.get(row["status"], 9) * 10_000_000 + row["row"]
        if role == Qt.ItemDataRole.BackgroundRole and row["status"] in STATUS_FILL:
            return QBrush(QColor(STATUS_FILL[row["status"]]))
        if role == Qt.ItemDataRole.ToolTipRole:
            notes = [row["error"]] if row.get("error") else []
            notes += row.get("notes") or []
            return "\n".join(notes) or None
        return None


def _cell(row: dict[str, Any], column: int) -> str:
    if column == 0:
        return str(row["row"])
    if column == 1:
        if row.get("name"):
            return str(row["name"])
        return "" if row.get("id") else "、".join(c for c in row["cells"] if c)[:40]
    if column == 2:
        return row.get("id") or ""
    if column == 3:
        if row["status"] == "invalid_input":
            return f"无法核查：{row.get('error') or ''}"
        return row["status_text"] + ("（待复核）" if row["status"] == "possible_match" else "")
    if column == 4:
        if row["status"] == "possible_match":
            return "；".join(row.get("possible_named") or [])
        return "；".join(row.get("lists") or [])
    if column == 5:
        return str(len(row["measures"])) if row["measures"] else ""
    return row.get("record_number") or ""


class BatchRowsFilter(QSortFilterProxyModel):
    """Rows of one result (or all), listed and possible matches first, then by row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_status(self, status: str | None) -> None:
        self.beginFilterChange()
        self.status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self.status is None:
            return True
        model = self.sourceModel()
        return model.rows[source_row]["status"] == self.status  # type: ignore[attr-defined]


class BatchView(QWidget):
    """The batch screen. `open_record(record, editable)` on a double-clicked row."""

    open_record = Signal(object, bool)
    batch_changed = Signal()

    def __init__(self, session: Session, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks
        self.source: Any = None  # the BatchFile read
        self.batch: dict[str, Any] | None = None
        self.task: Task | None = None
        self.printed: dict[str, Any] | None = None
        self.preview: Any = None
        # The file the sheet and column pickers were filled for (None: detect afresh).
        self.pickers_for: Path | None = None
        self._build()
        self._show_state()

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.file = QLineEdit()
        self.file.setPlaceholderText("每行一个主体的 .xlsx 或 .csv 文件（名称和/或证件号码）")
        self.file.returnPressed.connect(self.read_file)
        browse = QPushButton("选择文件(&O)…")
        browse.clicked.connect(self.browse)
        self.earlier = QComboBox()
        self.earlier.setMinimumWidth(260)
        self.earlier.setToolTip("打开以前的批量核查，继续复核其疑似匹配或重新打印")
        self.earlier.activated.connect(self._open_earlier)
        top = QHBoxLayout()
        top.addWidget(QLabel("文件(&F)："))
        top.itemAt(0).widget().setBuddy(self.file)
        top.addWidget(self.file, 1)
        top.addWidget(browse)
        top.addSpacing(16)
        top.addWidget(QLabel("以前的批量核查："))
        top.addWidget(self.earlier)

        self.sheet = QComboBox()
        self.sheet.setMinimumWidth(140)
        self.sheet.setToolTip("工作簿中要核查的工作表（一次核查一张）")
        self.sheet.activated.connect(lambda _: self.read_sheet())
        self.sheet_label = QLabel("工作表：")
        self.sheet.hide()  # shown for a workbook with more than one sheet
        self.sheet_label.hide()
        self.name_column = QComboBox()
        self.id_column = QComboBox()
        for combo in (self.name_column, self.id_column):
            combo.setMinimumWidth(180)
            combo.activated.connect(lambda _: self.read_file())
        self.columns_text = hint("")
        self.columns_text.setWordWrap(True)
        self.preview_model = _PlainModel()
        self.preview_table = CopyableTableView()
        self.preview_table.setModel(self.preview_model)
        self.run_button = QPushButton("开始核查 (Ctrl+Enter)")
        self.run_button.setProperty("primary", True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(280)
        columns = QHBoxLayout()
        columns.addWidget(self.sheet_label)
        columns.addWidget(self.sheet)
        columns.addWidget(QLabel("名称列："))
        columns.addWidget(self.name_column)
        columns.addWidget(QLabel("证件号码列："))
        columns.addWidget(self.id_column)
        columns.addWidget(self.columns_text, 1)
        columns.addWidget(self.progress)
        columns.addWidget(self.run_button)
        columns.addWidget(self.cancel_button)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("batchSummary")
        self.filter = QComboBox()
        for text, status in FILTERS:
            self.filter.addItem(text, status)
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.export_button = QPushButton("导出结果表(&E)…")
        self.export_button.clicked.connect(self.export_dialog)
        self.print_button = QPushButton("打印批量核查记录(&P)…")
        self.print_button.clicked.connect(self.print_batch)
        results_bar = QHBoxLayout()
        results_bar.addWidget(section_title("核查结果"))
        results_bar.addWidget(QLabel("显示："))
        results_bar.addWidget(self.filter)
        results_bar.addStretch(1)
        results_bar.addWidget(self.export_button)
        results_bar.addWidget(self.print_button)

        self.rows_model = BatchRowsModel(self)
        self.rows_filter = BatchRowsFilter(self)
        self.rows_filter.setSourceModel(self.rows_model)
        self.results = CopyableTableView()
        self.results.setModel(self.rows_filter)
        self.results.setSelectionMode(CopyableTableView.SelectionMode.SingleSelection)
        self.results.doubleClicked.connect(lambda _: self.open_current())
        self.results.selectionModel().currentRowChanged.connect(lambda *_: self._row_selected())
        self.possible_title = section_title("疑似匹配复核")
        self.possible_hint = hint("选择一行“疑似匹配”的结果，在这里逐条确认或排除。")
        self.possible = PossiblePanel()
        self.possible.confirm_requested.connect(lambda hit: self._decide(hit, confirm=True))
        self.possible.reject_requested.connect(lambda hit: self._decide(hit, confirm=False))
        review = QWidget()
        review_layout = QVBoxLayout(review)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.addWidget(self.possible_title)
        review_layout.addWidget(self.possible_hint)
        review_layout.addWidget(self.possible, 1)
        self.open_button = QPushButton("打开核查记录（措施与结果反馈）")
        self.open_button.clicked.connect(self.open_current)
        review_layout.addWidget(self.open_button)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.results)
        lower.addWidget(review)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([880, 460])

        self.upper = QWidget()
        upper_layout = QVBoxLayout(self.upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(section_title("文件的前几行"))
        upper_layout.addWidget(self.preview_table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.upper)
        results_box = QWidget()
        results_layout = QVBoxLayout(results_box)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(results_bar)
        results_layout.addWidget(self.summary)
        results_layout.addWidget(lower, 1)
        split.addWidget(results_box)
        split.setSizes([180, 460])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addLayout(top)
        layout.addLayout(columns)
        layout.addWidget(split, 1)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.run)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.run)

    # -- choosing and reading the file ----------------------------------------------------
    def browse(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择要批量核查的文件", str(Path.home()), "表格文件 (*.xlsx *.csv);;所有文件 (*)"
        )
        if target:
            self.file.setText(target)
            self.read_file(detect=True)

    def _mapping(self, detect: bool, columns: bool = True) -> Any:
        """What the pickers say: the sheet, and the columns (all of them: a role set to
        （无） is not used), or None to detect everything."""
        from desktop_app.services.screening.batch_file import BatchMapping

        if detect:
            return None
        sheet = self.sheet.currentData() if self.sheet.count() else None
        name = self.name_column.currentData() if columns else None
        ident = self.id_column.currentData() if columns else None
        if name is None and ident is None:
            return BatchMapping(sheet=sheet) if sheet is not None else None
        return BatchMapping(name, () if ident is None else (ident,), sheet=sheet, complete=True)

    def read_sheet(self) -> None:
        """Read the sheet chosen in the picker, its columns detected afresh."""
        self.read_file(columns=False)

    def read_file(self, detect: bool = False, columns: bool = True) -> None:
        """Read the chosen file on a worker and show its columns and first rows."""
        from desktop_app.services.screening.batch_file import read_batch_file

        text = self.file.text().strip()
        if not text or self.task is not None:
            return
        path = Path(text)
        detect = detect or self.pickers_for != path
        if detect:
            self.sheet.clear()
        mapping = self._mapping(detect, columns)

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return read_batch_file(path, mapping)

        self.source = None
        self.columns_text.setText("正在读取文件……")
        self._start(job, self._file_read, self._file_failed)

    def _file_read(self, source: Any) -> None:
        self.task = None
        self.source = source
        self.pickers_for = source.path
        self.batch = None
        self.printed = None
        preview = source.preview(PREVIEW_ROWS)
        columns = preview["columns"]
        sheets = [columns["sheet"], *(o["sheet"] for o in source.other_sheets)]
        self._fill_sheets(sheets if columns["sheet"] else [], columns["sheet"])
        self._fill_columns(self.name_column, columns["header_cells"], columns["name"])
        self._fill_columns(
            self.id_column, columns["header_cells"], columns["ids"][0] if columns["ids"] else None
        )
        empty = f"，跳过 {source.skipped_empty} 个空行" if source.skipped_empty else ""
        others = "".join(f"工作表“{o['sheet']}”{o['reason']}。" for o in source.other_sheets)
        self.columns_text.setText(
            f"{preview['columns_text']}；共 {len(source.rows):,} 行要核查{empty}。{others}"
        )
        self.columns_text.setToolTip(f"SHA-256 {source.sha256}")
        headings = ["行号", *columns["header_cells"]]
        self.preview_model.set_rows(
            headings, [[str(r["row"]), *r["cells"]] for r in preview["first_rows"]]
        )
        self.preview_table.fit_columns(widest=220)
        self.rows_model.set_rows([])
        self._show_state()

    @staticmethod
    def _fill_columns(
        combo: QComboBox, headings: list[str], chosen: str | None, ask: bool = False
    ) -> None:
        combo.clear()
        combo.addItem("（请选择）" if ask else "（无）", None)
        for heading in headings:
            if heading:
                combo.addItem(heading, heading)
        index = combo.findData(chosen) if chosen else 0
        combo.setCurrentIndex(max(index, 0))

    def _fill_sheets(self, sheets: list[str], chosen: str | None) -> None:
        self.sheet.clear()
        if chosen is None:
            self.sheet.addItem("（请选择）", None)
        for name in sheets:
            self.sheet.addItem(name, name)
        self.sheet.setCurrentIndex(max(self.sheet.findData(chosen), 0) if chosen else 0)
        shown = len(sheets) > 1
        self.sheet.setVisible(shown)
        self.sheet_label.setVisible(shown)

    def _ask(self, error: AppError, text: str) -> None:
        """A choice the clerk must make before the file can be checked: the message in view,
        the pickers ready, nothing to run until they choose."""
        self.task = None
        self.source = None
        self.pickers_for = Path(self.file.text().strip())
        self.columns_text.setText(f"<b style='color:#a05a00'>{text}</b>{error.message}")
        self.preview_model.set_rows([], [])
        self._show_state()

    def _file_failed(self, error: BaseException) -> None:
        if isinstance(error, BatchSheetChoiceError):
            self._fill_sheets(error.sheets, None)
            self.name_column.clear()
            self.id_column.clear()
            self._ask(error, "请选择要核查的工作表：")
            self.sheet.setFocus()
            return
        if isinstance(error, BatchColumnChoiceError):
            self._fill_columns(self.name_column, error.header_cells, None, ask=True)
            self._fill_columns(
                self.id_column, error.header_cells, error.ids[0] if error.ids else None
            )
            if error.sheet and self.sheet.findData(error.sheet) < 0:
                self._fill_sheets([error.sheet], error.sheet)
            self._ask(error, "请选择名称列：")
            self.name_column.setFocus()
            return
        self.task = None
        self.source = None
        self.pickers_for = None
        self.columns_text.setText("")
        self.preview_model.set_rows([], [])
        self._show_state()
        show_error(self, error, "无法读取文件")

    # -- running ----------------------------------------------------------------------------
    def run(self) -> None:
        """Check every row of the file read (on a worker, with progress and 取消)."""
        from desktop_app.services.screening import batch as batch_service

        if self.source is None or self.task is not None:
            return
        source, user = self.source, self.session.user
        jurisdiction, department = self.session.jurisdiction, self.session.department

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return batch_service.run_batch(
                ctx,
                user,
                source.path,
                jurisdiction,
                department,
                batch_file=source,
                progress=progress,
                cancel=cancelled,
            )

        self.progress.setRange(0, max(len(source.rows) * 2, 1))
        self.progress.setValue(0)
        self.progress.setFormat("正在核查……")
        self._start(job, self._finished, self._failed, self._progress)

    def _start(self, job: Any, done: Any, failed: Any, progress: Any = None) -> None:
        self.task = self.tasks.start(job, done, failed, progress)
        self._show_state()

    def _progress(self, done: int, total: int) -> None:
        half = max(total // 2, 1)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if done <= half:
            self.progress.setFormat(f"正在核查 {done:,} / {half:,} 行")
        else:
            self.progress.setFormat(f"正在保存核查记录 {done - half:,} / {half:,}")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("正在取消……")

    def _finished(self, batch: dict[str, Any]) -> None:
        self.task = None
        self.show_batch(batch)
        self.refresh_earlier()
        self.batch_changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self._show_state()
        if isinstance(error, BatchCancelledError):
            self.summary.setText(error.message)
            return
        # What became of the batch stays in view after the dialog (e.g. a server lost while
        # storing: nothing of it was stored).
        self.summary.setText(f"批量核查未完成：{error_text(error)}")
        show_error(self, error, "批量核查未完成")

    # -- results ----------------------------------------------------------------------------
    def show_batch(self, batch: dict[str, Any]) -> None:
        """Show a batch's rows (just checked, or an earlier one reopened)."""
        self.batch = batch
        self.printed = None
        self.rows_model.set_rows(batch["rows"])
        self.rows_filter.sort(0)
        self.results.fit_columns(stretch=4, widest=200)
        self._update_summary()
        self._show_state()
        if self.rows_filter.rowCount():
            self.results.selectRow(0)

    def _update_summary(self) -> None:
        batch = self.batch
        if batch is None:
            self.summary.setText("")
            return
        from desktop_app.services.screening.batch import counts_of

        counts = counts_of(self.rows_model.rows, batch["counts"].get("skipped_empty", 0))
        batch["counts"] = counts
        number = batch.get("batch_number") or "（未保存）"
        state = (
            f"<b style='color:#a05a00'>尚有 {counts['pending']} 条疑似匹配待复核</b>，"
            "复核完成前本批核查未完成。"
            if counts["pending"]
            else "<b style='color:#1b6e37'>本批核查已完成</b>（没有待复核的疑似匹配）。"
        )
        warnings = "".join(f"<br>注意：{w}" for w in batch.get("warnings") or [])
        self.summary.setText(
            f"批量核查记录 <b>{number}</b>：{batch['file']['name']}，{counts['rows']:,} 行；"
            f"发现失信记录 <b>{counts['listed']}</b>，疑似匹配 {counts['possible']}，"
            f"未发现 {counts['not_listed']}，无法核查 {counts['invalid']}。{state}{warnings}"
        )

    def _filter_changed(self) -> None:
        self.rows_filter.set_status(self.filter.currentData())
        self.rows_filter.sort(0)

    def _current_position(self) -> int | None:
        index = self.results.currentIndex()
        if not index.isValid():
            return None
        return self.rows_filter.mapToSource(index).row()

    def _row_selected(self) -> None:
        position = self._current_position()
        row = self.rows_model.rows[position] if position is not None else None
        self.open_button.setEnabled(bool(row and row.get("record_number")))
        if row is None or not row.get("record_number"):
            self.possible.set_possible([], editable=False)
            self.possible_hint.setText(
                "选择一行“疑似匹配”的结果，在这里逐条确认或排除。"
                if row is None or row["status"] != "invalid_input"
                else f"第 {row['row']} 行无法核查：{row.get('error') or ''}"
            )
            return
        record = self._record(row["record_number"])
        if record is None:
            return
        possible, rejected = record["possible"], record.get("rejected") or []
        self.possible.set_possible(possible, editable=bool(possible), rejected=rejected)
        if possible:
            self.possible_hint.setText(
                f"第 {row['row']} 行：{len(possible)} 条相似的名单记录，请逐条确认或排除。"
            )
        else:
            self.possible_hint.setText(
                f"第 {row['row']} 行：{record['status_text']}；没有待复核的疑似匹配。"
                "双击可打开核查记录，登记措施的结果反馈。"
            )

    def _record(self, number: str) -> dict[str, Any] | None:
        from desktop_app.services import records

        try:
            return dict(records.get_record(self.session.ctx, self.session.user, number))
        except AppError as error:
            show_error(self, error)
            return None

    def _decide(self, hit_id: Any, confirm: bool) -> None:
        """Confirm or reject a possible match of the selected row's record (a new version of
        the record, as in a single check), then show the row as it is now."""
        from desktop_app.services import records
        from desktop_app.services.screening.batch import row_summary

        position = self._current_position()
        if position is None:
            return
        row = self.rows_model.rows[position]
        decide = records.confirm_possible_match if confirm else records.reject_possible_match
        try:
            record = decide(self.session.ctx, self.session.user, row["record_number"], hit_id)
        except AppError as error:
            show_error(self, error)
            return
        self.rows_model.replace_row(
            position, row_summary(record, row["row"], row["cells"], row.get("input_note"))
        )
        self.printed = None
        self._update_summary()
        self._row_selected()
        self.batch_changed.emit()

    def open_current(self) -> None:
        position = self._current_position()
        if position is None:
            return
        number = self.rows_model.rows[position].get("record_number")
        if not number:
            return
        record = self._record(number)
        if record is not None:
            self.open_record.emit(record, record["user"]["name"] == self.session.user.name)

    # -- earlier batches ------------------------------------------------------------------------
    def refresh_earlier(self) -> None:
        from desktop_app.services.screening.batch import list_batches

        self.earlier.clear()
        self.earlier.addItem("（选择以前的批量核查）", None)
        try:
            found = list_batches(self.session.ctx, self.session.user)
        except AppError:
            found = []
        for item in found[:50]:
            pending = f"，待复核 {item['pending']}" if item["pending"] else ""
            day, rows = item["first_created_at"][:10], item["row_count"]
            self.earlier.addItem(
                f"{day} {item['file_name']}（{rows} 行{pending}）", item["batch_number"]
            )

    def _open_earlier(self) -> None:
        from desktop_app.services.screening.batch import batch_state

        number = self.earlier.currentData()
        if not number:
            return
        try:
            state = batch_state(self.session.ctx, self.session.user, number)
        except AppError as error:
            show_error(self, error)
            return
        state.pop("changed", None)
        self.source = None
        self.show_batch(state)

    # -- outputs ------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        if self.batch is None or not self.batch.get("batch_number"):
            return
        suggested = str(Path.home() / f"{Path(self.batch['file']['name']).stem}_核查结果.xlsx")
        target, _ = QFileDialog.getSaveFileName(
            self, "导出结果表", suggested, "Excel 工作簿 (*.xlsx)"
        )
        if target:
            if not target.lower().endswith(".xlsx"):
                target += ".xlsx"
            self.export_to(Path(target))

    def export_to(self, path: Path) -> None:
        """Write the results workbook of the batch as it stands now (on a worker)."""
        from desktop_app.services.screening import batch as batch_service

        assert self.batch is not None
        number, user = self.batch["batch_number"], self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return batch_service.export_batch(ctx, user, number, path)

        def done(exported: dict[str, Any]) -> None:
            self.task = None
            self._show_state()
            self.summary.setText(self.summary.text() + f"<br>已导出结果表：{exported['xlsx']}")

        self._start(job, done, self._output_failed)

    def print_batch(self) -> None:
        """Bring the batch record up to date, render and sign it (on a worker), preview it."""
        from desktop_app.services.screening import batch as batch_service

        if self.batch is None or not self.batch.get("batch_number"):
            return
        number, user = self.batch["batch_number"], self.session.user
        target = self.session.print_dir / f"{number}.pdf"

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return batch_service.print_batch(ctx, user, number, target)

        self.progress.setRange(0, 0)
        self.progress.setFormat("正在生成并签名批量核查记录……")
        self._start(job, self._printed, self._output_failed)

    def _printed(self, printed: dict[str, Any]) -> None:
        from desktop_app.ui.record_preview import RecordPreviewDialog

        self.task = None
        self.printed = printed
        self._show_state()
        self.preview = RecordPreviewDialog(
            Path(printed["pdf"]), printed["batch_number"], printed["version"], self
        )
        self.preview.setWindowTitle(
            f"批量核查记录 {printed['batch_number']}（第 {printed['version']} 版）"
        )
        self.preview.open()

    def _output_failed(self, error: BaseException) -> None:
        self.task = None
        self._show_state()
        show_error(self, error_text(error), "批量核查记录")

    # -- state --------------------------------------------------------------------------------
    def _show_state(self) -> None:
        busy = self.task is not None
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.run_button.setEnabled(not busy and self.source is not None)
        stored = self.batch is not None and bool(self.batch.get("batch_number"))
        self.export_button.setEnabled(stored and not busy)
        self.print_button.setEnabled(stored and not busy)
        self.filter.setEnabled(self.batch is not None)
        self.upper.setVisible(self.source is not None or self.batch is None)
        if self.batch is None:
            self.open_button.setEnabled(False)
            self.summary.setText(
                "选择文件后，这里显示每一行的核查结果；每个主体都保存为一份核查记录，"
                "整批另有一份批量核查记录。"
            )


class _PlainModel(QAbstractTableModel):
    """Rows of text under headings (the file's first rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.rows: list[list[str]] = []

    def set_rows(self, headings: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.headings = headings
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headings)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headings[section] if section < len(self.headings) else ""
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        cells = self.rows[index.row()]
        return cells[index.column()] if index.column() < len(cells) else ""
