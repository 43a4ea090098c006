"""The supervisor's screen: checks by period, user, department, result and category, with
totals and a chart; open any record; export the report (PDF + Excel); verify a printed PDF
(button or drop it on the window); verify the audit chain, alone or against witnesses kept
outside the data folder (record PDFs, audit reports, backups, witness texts: which is the
first the chain no longer contains). The same services as `audit …`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QPainter,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.errors import AppError
from desktop_app.models.labels import (
    STATUS_TEXT,
    WITNESS_KIND_TEXT,
    WITNESS_STATE_TEXT,
    text_of,
)
from desktop_app.ui import theme
from desktop_app.ui.check_view import Session
from desktop_app.ui.exclusions_view import ExclusionsView
from desktop_app.ui.history_view import local_time
from desktop_app.ui.widgets import (
    CopyableTableView,
    SearchableComboBox,
    WrappingTableView,
    error_text,
    hint,
    section_title,
    show_error,
)
from desktop_app.ui.workers import TaskRunner

CHECK_COLUMNS = (
    "核查时间",
    "记录编号",
    "核查人",
    "部门",
    "查询内容",
    "主体",
    "结果",
    "命中",
    "措施",
    "已实施",
    "待反馈",
)
LOG_COLUMNS = ("序号", "时间", "用户", "操作", "记录编号", "说明")
WITNESS_COLUMNS = ("见证文件", "类型", "审计链位置", "结果", "说明")
WITNESS_FILTER = (
    "见证文件 (*.pdf *.txt *.json *.xyhcbak);;PDF 文件 (*.pdf);;文本 (*.txt *.json);;所有文件 (*)"
)
ANY = "（全部）"


class BarChart(QWidget):
    """Horizontal bars with their labels and values: hits and measures by category."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.series: list[tuple[str, list[tuple[str, int, str]]]] = []
        self.setMinimumSize(300, 200)

    def set_data(self, title: str, rows: list[tuple[str, list[tuple[str, int, str]]]]) -> None:
        """`rows`: (label, [(name, value, colour), …]) — one group of bars per label."""
        self.title, self.series = title, rows
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.PAPER))
        metrics = painter.fontMetrics()
        line = metrics.height()
        painter.setPen(QColor(theme.NAVY))
        painter.drawText(8, line, self.title)
        if not self.series:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(8, line * 3, "所选范围内没有核查记录。")
            return
        names = [(name, colour) for name, _, colour in self.series[0][1]]
        x = 8
        for name, colour in names:  # legend
            painter.fillRect(QRectF(x, line * 1.6, 12, 12), QColor(colour))
            painter.setPen(QColor(theme.INK))
            painter.drawText(x + 16, int(line * 1.6 + 11), name)
            x += 16 + metrics.horizontalAdvance(name) + 16
        top = line * 3
        label_width = min(
            self.width() * 0.45, max(metrics.horizontalAdvance(r[0]) for r in self.series) + 12
        )
        width = self.width() - label_width - 60
        largest = max((v for _, bars in self.series for _, v, _ in bars), default=1) or 1
        bar = max(
            8, min(16, (self.height() - top - 8) // max(1, len(self.series) * len(names)) - 2)
        )
        y = top
        for label, bars in self.series:
            if y + bar * len(bars) > self.height():
                break
            painter.setPen(QColor(theme.INK))
            text = metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, int(label_width) - 8)
            painter.drawText(
                QRectF(0, y, label_width - 8, bar * len(bars)),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                text,
            )
            for _, value, colour in bars:
                length = width * value / largest
                painter.fillRect(
                    QRectF(label_width, y + 1, max(length, 1), bar - 2), QColor(colour)
                )
                painter.drawText(int(label_width + length + 4), int(y + bar - 3), str(value))
                y += bar
            y += 6


def _item(value: Any, data: Any = None) -> QStandardItem:
    item = QStandardItem("" if value is None else str(value))
    item.setEditable(False)
    if data is not None:
        item.setData(data, Qt.ItemDataRole.UserRole)
    return item


def verify_pdf_file(
    parent: QWidget, tasks: TaskRunner, path: Path, say: Callable[[str], None]
) -> None:
    """Verify a printed check record off the GUI thread (signature, coverage of the whole
    file, the audit trail) and show the findings; `say` shows progress in a status line."""
    from desktop_app.services.records.verification import verify_record_pdf

    def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, Any]:
        return verify_record_pdf(ctx, path)

    def done(result: dict[str, Any]) -> None:
        say("")
        parent.last_verification = result  # type: ignore[attr-defined]
        if result["ok"]:
            signer = (result["signature"].get("signer") or {}).get("subject", "")
            QMessageBox.information(
                parent,
                "核验通过",
                f"{path.name}\n\n核验通过：核查记录 {result['record_number']} 第 "
                f"{result['record_version']} 版，签名有效且覆盖整个文件，与审计日志一致。\n"
                f"签名者：{signer}",
            )
        else:
            problems = "\n".join(f"· {p}" for p in result["problems"])
            QMessageBox.warning(parent, "核验未通过", f"{path.name}\n\n核验未通过：\n{problems}")

    def failed(error: BaseException) -> None:
        say("")
        show_error(parent, error)

    say(f"正在核验 {path.name}……")
    tasks.start(job, done, failed)


class WitnessReport(QDialog):
    """`verify_chain`'s answer with witnesses: a summary that names the first witness the
    chain no longer contains, one row per witness (that one marked), unreadable files and
    the chain's other problems."""

    def __init__(self, parent: QWidget | None, result: dict[str, Any]) -> None:
        from desktop_app.services.audit import first_missing_witness_text

        super().__init__(parent)
        self.setWindowTitle("审计日志校验（含见证）")
        self.resize(980, 460)
        checked = result["witnesses"] or {"witnesses": [], "unreadable": []}
        rows, unreadable = checked["witnesses"], checked["unreadable"]
        if result["ok"]:
            summary = (
                f"审计日志完好：{result['entries']} 条日志环环相扣；"
                f"{len(rows)} 个见证均仍在审计日志中。"
            )
        else:
            summary = first_missing_witness_text(checked) or (
                f"审计日志校验未通过，发现 {len(result['problems'])} 处问题。"
            )
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        colour = theme.OK if result["ok"] else theme.ERROR
        self.summary.setStyleSheet(f"font-size: 15px; font-weight: bold; color: {colour};")
        first = checked.get("first_not_contained")
        self.model = QStandardItemModel(0, len(WITNESS_COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(WITNESS_COLUMNS))
        self.first_row: int | None = None
        for row in rows:
            witness = row["witness"]
            cells = [
                _item(row["source"]),
                _item(text_of(WITNESS_KIND_TEXT, row["kind"])),
                _item(f"第 {witness['seq']} 条，链头 {witness['head_hash'][:12]}…"),
                _item(text_of(WITNESS_STATE_TEXT, row["state"])),
                _item(" ".join([row["message"], *row.get("notes", [])])),
            ]
            if first is not None and (row["source"], witness) == (
                first["source"],
                first["witness"],
            ):
                self.first_row = self.model.rowCount()
                cells[3].setText("第一个不再包含的见证：" + cells[3].text())
                for cell in cells:
                    cell.setBackground(QColor("#fbe3e1"))
                    cell.setForeground(QColor(theme.ERROR))
            elif not row["contained"]:
                cells[3].setForeground(QColor(theme.ERROR))
            else:
                cells[3].setForeground(QColor(theme.OK))
            self.model.appendRow(cells)
        for item in unreadable:
            self.model.appendRow(
                [
                    _item(item["source"]),
                    _item(text_of(WITNESS_KIND_TEXT, item["kind"])),
                    _item("—"),
                    _item("无法读取"),
                    _item(item["problem"]),
                ]
            )
        self.table = WrappingTableView()
        self.table.setModel(self.model)
        self.table.fit_columns(4, widest=240)
        others = [p["message"] for p in result["problems"] if p["kind"] not in ("witness",)]
        self.problems = QLabel(
            "审计日志的其他问题：\n" + "\n".join(f"{i}. {m}" for i, m in enumerate(others, 1))
            if others
            else ""
        )
        self.problems.setWordWrap(True)
        self.problems.setVisible(bool(others))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems)
        layout.addWidget(
            hint(
                "见证是审计日志某一时刻的位置和链头哈希，印在核查记录、审计报告上，也记在备份中。"
                "本机日志若被改写、截断或回退，之后留存的见证就不再被包含。"
            )
        )
        layout.addWidget(buttons)


class AuditView(QWidget):
    """`open_record(record, editable)` when a record is opened from the list."""

    open_record = Signal(object, bool)

    def __init__(self, session: Session, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks
        self.report: dict[str, Any] | None = None
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-30))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.user_filter = QComboBox()
        self.user_filter.addItem(ANY, None)
        self.department_filter = SearchableComboBox()
        catalog = session.ctx.catalog
        self.department_filter.set_entries(
            [
                (ANY, []),
                *((d["name"], d["aliases"]) for d in catalog.departments(session.jurisdiction)),
            ]
        )
        self.status_filter = QComboBox()
        self.status_filter.addItem(ANY, None)
        for code, text in STATUS_TEXT.items():
            if code != "invalid_input":
                self.status_filter.addItem(text, code)
        self.category_filter = SearchableComboBox()
        self.category_filter.set_entries(
            [(ANY, []), *((c["name"], c["aliases"]) for c in catalog.categories())]
        )
        self.query_button = QPushButton("查询 (F5)")
        self.query_button.setProperty("primary", True)
        self.user_filter.setMinimumWidth(120)
        self.department_filter.setMinimumWidth(170)
        self.status_filter.setMinimumWidth(120)
        self.category_filter.setMinimumWidth(220)
        for combo in (self.department_filter, self.category_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        filters = QHBoxLayout()
        for caption, widget in (
            ("从(&F)", self.date_from),
            ("至", self.date_to),
            ("核查人", self.user_filter),
            ("部门", self.department_filter),
            ("结果", self.status_filter),
            ("对象类别", self.category_filter),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.query_button)

        self.totals = QLabel()
        self.totals.setObjectName("totals")
        self.totals.setWordWrap(True)
        self.totals.setStyleSheet(f"font-size: 15px; color: {theme.NAVY};")
        self.checks_model = QStandardItemModel(0, len(CHECK_COLUMNS), self)
        self.checks_model.setHorizontalHeaderLabels(list(CHECK_COLUMNS))
        self.checks = CopyableTableView()
        self.checks.setModel(self.checks_model)
        self.checks.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.checks.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.chart = BarChart()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.checks)
        split.addWidget(self.chart)
        split.setSizes([860, 420])

        self.log_model = QStandardItemModel(0, len(LOG_COLUMNS), self)
        self.log_model.setHorizontalHeaderLabels(list(LOG_COLUMNS))
        self.log = CopyableTableView()
        self.log.setModel(self.log_model)
        self.log.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.log.horizontalHeader().setStretchLastSection(True)
        tabs = QTabWidget()
        tabs.addTab(split, "核查统计")
        tabs.addTab(self.log, "审计日志")
        self.exclusions = ExclusionsView(session)
        tabs.addTab(self.exclusions, "排除记录")
        tabs.currentChanged.connect(
            lambda index: (
                self.exclusions.refresh() if tabs.widget(index) is self.exclusions else None
            )
        )

        self.export_button = QPushButton("导出报告 PDF 和 Excel (Ctrl+E)")
        self.verify_pdf_button = QPushButton("核验记录 PDF…")
        self.verify_pdf_button.setToolTip("也可以把核查记录 PDF 拖放到窗口上核验")
        self.chain_button = QPushButton("校验审计日志")
        self.witness_button = QPushButton("用见证校验审计日志…")
        self.witness_button.setToolTip(
            "选择留存的核查记录 PDF、审计报告 PDF、备份文件或见证文本，"
            "证明审计日志仍包含它们记录的链头；指出第一个不再被包含的见证"
        )
        self.feedback_button = QPushButton("导出反馈包…")
        self.feedback_button.setToolTip("本部门的核查记录和结果反馈，签名并加密后报送信用办")
        self.feedback_dialog: Any = None
        self.status = hint("")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.verify_pdf_button)
        buttons.addWidget(self.chain_button)
        buttons.addWidget(self.witness_button)
        buttons.addWidget(self.feedback_button)
        buttons.addWidget(self.export_button)

        frame = QFrame()
        frame_layout = QVBoxLayout(frame)
        frame_layout.setContentsMargins(0, 0, 0, 0)
        frame_layout.addLayout(filters)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addWidget(section_title("核查审计"))
        layout.addWidget(frame)
        layout.addWidget(self.totals)
        layout.addWidget(tabs, 1)
        layout.addLayout(buttons)

        self.query_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_dialog)
        self.verify_pdf_button.clicked.connect(self.verify_pdf_dialog)
        self.chain_button.clicked.connect(lambda: self.verify_chain())
        self.witness_button.clicked.connect(self.witness_dialog)
        self.feedback_button.clicked.connect(self.export_feedback_dialog)
        self.checks.activated.connect(self._open_selected)
        for keys, slot in (("F5", self.refresh), ("Ctrl+E", self.export_dialog)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)

    # -- the report ----------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        department = self.department_filter.value()
        category = self.category_filter.value()
        return {
            "date_from": self.date_from.date().toString("yyyy-MM-dd"),
            "date_to": self.date_to.date().toString("yyyy-MM-dd"),
            "user_name": self.user_filter.currentData(),
            "department": None if department in (None, ANY) else department,
            "status": self.status_filter.currentData(),
            "category": None if category in (None, ANY) else category,
        }

    def refresh(self) -> None:
        """Build the report for the filters (off the GUI thread) and show it."""
        from desktop_app.services import accounts, audit
        from desktop_app.services.audit import audit_report

        user, wanted = self.session.user, self.filters()

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> tuple[dict, list]:
            accounts.require(user, "audit.read")
            report = audit_report.build_report(ctx, user, **wanted)
            log = audit.entries(
                ctx,
                date_from=wanted["date_from"],
                date_to=wanted["date_to"],
                user_name=wanted["user_name"],
            )
            return report, log

        self.query_button.setEnabled(False)
        self.status.setText("正在统计……")
        self.tasks.start(job, self._show, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.query_button.setEnabled(True)
        self.status.setText("")
        show_error(self, error)

    def _show(self, outcome: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
        report, log = outcome
        self.query_button.setEnabled(True)
        self.report = report
        totals = report["totals"]
        feedback = totals["feedback"]
        self.totals.setText(
            f"核查 <b>{totals['checks']}</b> 次　发现失信 <b>{totals['hits']}</b> 次"
            f"　疑似 <b>{totals['possible']}</b> 次　未发现 <b>{totals['not_listed']}</b> 次"
            f"　命中率 <b>{totals['hit_rate_text']}</b>　｜　措施 <b>{totals['measures']}</b> 项："
            f"已实施 {feedback['applied']}，不适用 {feedback['not_applicable']}，"
            f"已移送 {feedback['referred']}，待反馈 {feedback['pending']}"
        )
        self.checks_model.removeRows(0, self.checks_model.rowCount())
        for check in reversed(report["checks"]):
            self.checks_model.appendRow(
                [
                    _item(local_time(check["checked_at"]), check["record_number"]),
                    _item(check["record_number"]),
                    _item(check["display_name"]),
                    _item(check["department"]),
                    _item(check["query"]),
                    _item(check["subject"]),
                    _item(check["status_text"]),
                    # Related subjects beside the hits, never added to them.
                    _item(
                        f"{check['hits']}（关联 {check['related']}）"
                        if check["related"]
                        else check["hits"]
                    ),
                    _item(check["measures"]),
                    _item(check["applied"]),
                    _item(check["pending"]),
                ]
            )
        self.checks.fit_columns(5, widest=220)
        known = {self.user_filter.itemData(i) for i in range(self.user_filter.count())}
        for person in report["by_user"]:
            if person["user"] not in known:
                self.user_filter.addItem(
                    f"{person['display_name']}（{person['user']}）", person["user"]
                )
        self.chart.set_data(
            "按联合惩戒对象：命中次数与应实施措施",
            [
                (
                    row["category"],
                    [
                        ("命中", row["hits"], theme.STATUS_LOOK["listed"].background),
                        ("措施", row["measures"], theme.NAVY),
                        ("已实施", row["applied"], theme.OK),
                    ],
                )
                for row in report["by_category"]
            ],
        )
        self.log_model.removeRows(0, self.log_model.rowCount())
        for entry in reversed(log):
            details = entry.get("details") or {}
            summary = "，".join(
                f"{k}={v}" for k, v in details.items() if not isinstance(v, dict | list)
            )
            self.log_model.appendRow(
                [
                    _item(entry["seq"]),
                    _item(local_time(entry["at"])),
                    _item(entry["user_name"] or "（程序）"),
                    _item(entry["action_text"]),
                    _item(entry["record_number"] or ""),
                    _item(summary),
                ]
            )
        self.status.setText(
            f"统计范围：{report['date_from']} 至 {report['date_to']}，{len(log)} 条审计日志"
        )

    def _open_selected(self) -> None:
        from desktop_app.services import records

        index = self.checks.currentIndex()
        if not index.isValid():
            return
        number = self.checks_model.item(index.row(), 0).data(Qt.ItemDataRole.UserRole)
        try:
            record = records.get_record(self.session.ctx, self.session.user, number)
        except AppError as error:
            show_error(self, error)
            return
        self.open_record.emit(record, True)

    # -- export and verification ---------------------------------------------------------
    def export_dialog(self) -> None:
        wanted = self.filters()
        suggested = str(Path.home() / f"审计报告_{wanted['date_from']}_{wanted['date_to']}.pdf")
        target, _ = QFileDialog.getSaveFileName(self, "导出审计报告", suggested, "PDF 文件 (*.pdf)")
        if target:
            self.export(Path(target))

    def export(self, pdf: Path) -> None:
        """Write the report as `pdf` and, beside it, the Excel workbook (same name, .xlsx)."""
        from desktop_app.services.audit import audit_report

        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_name(pdf.name + ".pdf")
        xlsx = pdf.with_suffix(".xlsx")
        user, wanted = self.session.user, self.filters()

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, str]:
            report = audit_report.build_report(ctx, user, **wanted)
            return audit_report.write_report(ctx, user, report, pdf=pdf, xlsx=xlsx)

        self.export_button.setEnabled(False)
        self.status.setText("正在生成审计报告……")

        def done(written: dict[str, str]) -> None:
            self.export_button.setEnabled(True)
            self.exported = written
            self.status.setText("已导出：" + "；".join(written.values()))

        def failed(error: BaseException) -> None:
            self.export_button.setEnabled(True)
            self._failed(error)

        self.tasks.start(job, done, failed)

    def export_feedback_dialog(self) -> None:
        """审计 › 导出反馈包 (see `ui.feedback_view`)."""
        from desktop_app.ui.feedback_view import FeedbackExportDialog

        self.feedback_dialog = FeedbackExportDialog(self.session, self.tasks, self)
        self.feedback_dialog.open()

    def verify_pdf_dialog(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "核验核查记录", str(Path.home()), "PDF 文件 (*.pdf)"
        )
        if target:
            self.verify_pdf(Path(target))

    def verify_pdf(self, path: Path) -> None:
        verify_pdf_file(self, self.tasks, path, self.status.setText)

    def witness_dialog(self) -> None:
        targets, _ = QFileDialog.getOpenFileNames(
            self, "选择审计见证（可多选）", str(Path.home()), WITNESS_FILTER
        )
        if targets:
            self.verify_chain([Path(t) for t in targets])

    def verify_chain(self, witness_files: list[Path] | None = None) -> None:
        """Verify the chain (off the GUI thread); with `witness_files`, also that it still
        contains every witness in them, shown in a `WitnessReport`."""
        from desktop_app.services import accounts, audit
        from desktop_app.services.audit.witness import witnesses_in_file
        from desktop_app.services.records import signing

        user = self.session.user
        files = list(witness_files or [])

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, Any]:
            accounts.require(user, "audit.read")
            found = None
            if files:
                trusted = signing.trusted_certificates(ctx.data_dir)
                found = [w for path in files for w in witnesses_in_file(path, trusted)]
            return audit.verify_chain(ctx, found)

        for button in (self.chain_button, self.witness_button):
            button.setEnabled(False)
        self.status.setText(
            f"正在用 {len(files)} 个文件中的见证校验审计日志……" if files else "正在校验审计日志链……"
        )

        def done(result: dict[str, Any]) -> None:
            for button in (self.chain_button, self.witness_button):
                button.setEnabled(True)
            self.status.setText("")
            self.last_chain = result
            if files:
                self.witness_report = WitnessReport(self, result)
                self.witness_report.open()
                return
            if result["ok"]:
                QMessageBox.information(
                    self,
                    "审计日志完好",
                    f"审计日志完好：{result['entries']} 条日志环环相扣，"
                    f"{result['records']} 个核查记录版本与其哈希和登记一致。",
                )
            else:
                problems = "\n".join(
                    f"{i}. {p['message']}" for i, p in enumerate(result["problems"], 1)
                )
                QMessageBox.warning(self, "审计日志校验未通过", problems)

        def failed(error: BaseException) -> None:
            for button in (self.chain_button, self.witness_button):
                button.setEnabled(True)
            self.status.setText("")
            show_error(self, error_text(error))

        self.tasks.start(job, done, failed)
