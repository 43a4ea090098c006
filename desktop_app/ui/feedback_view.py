"""结果反馈 in the window: the department's export dialog (审计 › 导出反馈包) and the credit
office's screen (信用办汇总): the packages imported and the audit-chain problems found, the
imported records (read-only, with their origin), and the city report with its charts.

The same services as `feedback export | import | report | records | show`; every slow step
runs on the task runner with a progress bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.services import accounts
from desktop_app.services.feedback.city_report import shown_id
from desktop_app.ui import theme
from desktop_app.ui.audit_view import BarChart
from desktop_app.ui.check_view import Session
from desktop_app.ui.history_view import local_time
from desktop_app.ui.widgets import CopyableTableView, hint, section_title, show_error
from desktop_app.ui.workers import Task, TaskRunner

STATE_NAMES = (
    ("applied", "已实施", theme.OK),
    ("not_applicable", "不适用", "#9e9e9e"),
    ("referred", "已移送", "#1565c0"),
    ("pending", "待反馈", "#e0a526"),
)
PACKAGE_COLUMNS = (
    "导入时间",
    "部门",
    "编号",
    "统计期间",
    "核查记录",
    "新增版本",
    "导出人",
    "导出时间",
    "文件",
)
FINDING_COLUMNS = ("发现时间", "部门", "类型", "说明")
RECORD_COLUMNS = (
    "核查时间",
    "记录编号",
    "版本",
    "部门",
    "核查人",
    "主体",
    "证件号码",
    "结果",
    "措施",
    "来自反馈包",
)
DYNAMICS_COLUMNS = (
    "部门",
    "联合惩戒对象",
    "核查",
    "发现主体",
    "应实施措施",
    "已实施",
    "不适用",
    "已移送",
    "待反馈",
    "反馈中位天数",
)
PERFORMANCE_COLUMNS = (
    "部门",
    "报送情况",
    "本期反馈包",
    "最近一次报送",
    "应实施措施",
    "已反馈",
    "完成率",
    "超期待反馈",
    "逾期反馈",
    "审计链异常",
)
INITIATOR_COLUMNS = ("发起部门", "实施部门", "措施", "已实施", "不适用", "已移送", "待反馈")
MEASURE_COLUMNS = ("措施编号", "措施", "实施依据", "发起部门", "结果反馈", "理由/备注", "反馈时间")


def _model(columns: tuple[str, ...], parent: QWidget) -> QStandardItemModel:
    model = QStandardItemModel(0, len(columns), parent)
    model.setHorizontalHeaderLabels(list(columns))
    return model


def _table(columns: tuple[str, ...], parent: QWidget) -> tuple[CopyableTableView, Any]:
    model = _model(columns, parent)
    view = CopyableTableView()
    view.setModel(model)
    return view, model


def _row(values: list[Any], data: Any = None) -> list[QStandardItem]:
    items = []
    for value in values:
        item = QStandardItem("" if value is None else str(value))
        item.setEditable(False)
        if isinstance(value, int | float) and not isinstance(value, bool):
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        items.append(item)
    items[0].setData(data, Qt.ItemDataRole.UserRole)
    return items


def _fill(model: QStandardItemModel, rows: list[list[Any]], data: list[Any] | None = None) -> None:
    model.removeRows(0, model.rowCount())
    for index, values in enumerate(rows):
        model.appendRow(_row(values, data[index] if data else None))


def _period_edits(days: int = 30) -> tuple[QDateEdit, QDateEdit]:
    today = QDate.currentDate()
    edits = (QDateEdit(today.addDays(-days)), QDateEdit(today))
    for edit in edits:
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
    return edits


def _day(edit: QDateEdit) -> str:
    return edit.date().toString("yyyy-MM-dd")


# -- the department: 审计 › 导出反馈包 -----------------------------------------------------------


class FeedbackExportDialog(QDialog):
    """Export the department's feedback package for a period to a file for the USB stick."""

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.task: Task | None = None
        self.result: dict[str, Any] | None = None
        self.setWindowTitle("导出反馈包（报送信用办）")
        ctx = session.ctx
        office = ctx.config.trusted_office
        self.date_from, self.date_to = _period_edits()
        first = QDate.currentDate().addMonths(-1)
        self.date_from.setDate(QDate(first.year(), first.month(), 1))
        self.date_to.setDate(QDate(first.year(), first.month(), first.daysInMonth()))
        self.file = QLineEdit()
        self.file.setPlaceholderText("反馈包文件（.p7m），例如 U 盘上的位置")
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self.browse)
        self.date_from.dateChanged.connect(self._suggest)
        self.date_to.dateChanged.connect(self._suggest)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        period = QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(QLabel("至"))
        period.addWidget(self.date_to)
        period.addStretch(1)
        department = self.session.user.department or self.session.department
        recipient = (
            f"{office.name}（证书指纹 {office.fingerprint[:16]}…）"
            if office
            else "尚未配置：请由管理员导入信用办的加密证书（config trust-office）。"
        )
        form = QFormLayout()
        form.addRow("报送部门", QLabel(f"{self.session.jurisdiction} {department}"))
        form.addRow("统计期间(&P)", period)
        self.recipient = QLabel(recipient)
        self.recipient.setWordWrap(True)
        form.addRow("加密给", self.recipient)
        form.addRow("保存到(&F)", row)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton("导出(&E)")
        self.export_button.setProperty("primary", True)
        self.export_button.setEnabled(office is not None)
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "反馈包包含统计期间内本部门每条核查记录的最新版本及其结果反馈，用本部门的签名证书"
                "签名，并加密给信用办：U 盘丢失不会泄露内容，任何改动都会被信用办拒收。"
                "与此前导出的期间重叠时，新的反馈包带有之后的新版本。"
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.close_if_idle)
        self._suggest()
        self.setMinimumWidth(680)

    def _suggest(self) -> None:
        department = self.session.user.department or self.session.department
        name = f"反馈包_{department}_{_day(self.date_from)}_{_day(self.date_to)}.p7m"
        current = Path(self.file.text()) if self.file.text().strip() else Path.home() / name
        self.file.setText(str(current.with_name(name)))

    def browse(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self, "保存反馈包", self.file.text(), "反馈包 (*.p7m)"
        )
        if target:
            self.file.setText(target)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {'#a4161a' if error else theme.OK};")
        self.message.setText(text)
        # Room for the message: the form's rows must not be squeezed.
        self.adjustSize()

    def start(self) -> None:
        from desktop_app.services.feedback.export import export_feedback

        text = self.file.text().strip()
        if not text:
            self._say("请选择反馈包的保存位置。", error=True)
            return
        out = Path(text) if text.lower().endswith(".p7m") else Path(text + ".p7m")
        user, wanted = self.session.user, (_day(self.date_from), _day(self.date_to))

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, Any]:
            return export_feedback(
                ctx, user, date_from=wanted[0], date_to=wanted[1], out=out, progress=progress
            )

        self._say("")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.export_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.task = self.tasks.start(job, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"已整理 {min(done, total - 1)} / {total - 1} 条核查记录")

    def _finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.close_button.setEnabled(True)

    def _done(self, result: dict[str, Any]) -> None:
        self._finished()
        self.result = result
        self._say(
            f"已导出第 {result['sequence']} 号反馈包：{result['file']}\n"
            f"核查记录 {result['records']} 条，应实施措施 {result['measures']} 项次"
            f"（其中待反馈 {result['pending']} 项次），{result['bytes'] // 1024 + 1} KB。\n"
            f"签名：{result['signer']}；加密给：{result['recipient']}"
        )

    def _failed(self, error: BaseException) -> None:
        from desktop_app.ui.widgets import error_text

        self._finished()
        self._say(error_text(error), error=True)

    def close_if_idle(self) -> None:
        if self.task is None:
            self.accept()


# -- the credit office: 信用办汇总 --------------------------------------------------------------


class RecordDialog(QDialog):
    """One imported record: its origin, measures and feedback, versions. Read-only."""

    def __init__(self, shown: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        record, origin = shown["record"], shown["origin"]
        self.setWindowTitle(f"核查记录 {record['record_number']}（导入，只读）")
        header = QLabel(
            f"<b>{record['record_number']}</b> 第 {record['version']} 版　"
            f"{record['status_text']}<br>"
            f"核查时间 {local_time(record['checked_at'])}　核查人 "
            f"{record['user']['display_name']}　部门 {record['department']}<br>"
            f"来源：{origin['jurisdiction']} {origin['department']} 第 {origin['sequence']} 号"
            f"反馈包（导出于 {local_time(origin['exported_at'])}，导入于 "
            f"{local_time(origin['imported_at'])}），审计链 {origin['origin'][:12]}…"
        )
        header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.measures, model = _table(MEASURE_COLUMNS, self)
        from desktop_app.services.feedback.city_report import state_text

        _fill(
            model,
            [
                [
                    m["id"],
                    f"{m.get('label') or ''}{m['text']}",
                    m["basis"],
                    m.get("initiator") or "—",
                    state_text((m.get("feedback") or {}).get("action")),
                    "；".join(
                        x
                        for x in ((m.get("feedback") or {}).get(k) for k in ("reason", "note"))
                        if x
                    ),
                    local_time(m["feedback"]["at"]) if (m.get("feedback") or {}).get("at") else "",
                ]
                for m in record["measures"]
            ],
        )
        self.measures.fit_columns(1, widest=420)
        versions = "；".join(
            f"第 {v['version']} 版（第 {v['sequence']} 号反馈包）" for v in shown["versions"]
        )
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(
            hint(
                "此记录从部门报送的反馈包导入，在信用办只读：结果反馈由部门登记，"
                f"新的版本随下一个反馈包到达。已收到的版本：{versions}"
            )
        )
        layout.addWidget(self.measures, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(1100, 480)


class CreditOfficeView(QWidget):
    """The credit office's tab: 反馈包 (import, what was received, chain problems), 反馈记录
    (read-only, with their origin) and 联合惩戒动态 (the report, its charts, export)."""

    def __init__(self, session: Session, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks
        self.report: dict[str, Any] | None = None
        self.import_results: list[dict[str, Any]] | None = None
        self.exported: dict[str, str] | None = None
        self.record_dialog: RecordDialog | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._packages_page(), "反馈包")
        self.tabs.addTab(self._records_page(), "反馈记录（只读）")
        self.tabs.addTab(self._report_page(), "联合惩戒动态与绩效考核")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addWidget(section_title("信用办汇总：各部门的结果反馈"))
        layout.addWidget(self.tabs, 1)
        shortcut = QShortcut(QKeySequence("F5"), self)
        shortcut.activated.connect(self.refresh)

    # -- pages -------------------------------------------------------------------------------

    def _packages_page(self) -> QWidget:
        can_import = accounts.can(self.session.user, "feedback.import")
        self.import_button = QPushButton("导入反馈包(&I)…")
        self.import_button.setProperty("primary", True)
        self.import_button.setEnabled(can_import)
        if not can_import:
            self.import_button.setToolTip("只有管理员可以导入反馈包")
        self.certificate_button = QPushButton("导出本机加密证书…")
        self.certificate_button.setToolTip("交给各部门：部门用它加密反馈包（config trust-office）")
        self.packages_status = hint("")
        self.import_progress = QProgressBar()
        self.import_progress.setVisible(False)
        self.packages, self.packages_model = _table(PACKAGE_COLUMNS, self)
        self.packages.set_empty_text("还没有导入反馈包。")
        self.findings, self.findings_model = _table(FINDING_COLUMNS, self)
        self.findings.set_empty_text("各部门相继报送的反馈包之间，审计链均只增未改。")
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.certificate_button)
        buttons.addWidget(self.packages_status, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.packages)
        findings = QWidget()
        findings_layout = QVBoxLayout(findings)
        findings_layout.setContentsMargins(0, 4, 0, 0)
        findings_layout.addWidget(QLabel("审计链核对：相继两个反馈包之间部门审计链的异常"))
        findings_layout.addWidget(self.findings, 1)
        split.addWidget(findings)
        split.setSizes([420, 200])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(buttons)
        layout.addWidget(self.import_progress)
        layout.addWidget(split, 1)
        self.import_button.clicked.connect(self.import_dialog)
        self.certificate_button.clicked.connect(self.export_certificate_dialog)
        return page

    def _records_page(self) -> QWidget:
        self.records_from, self.records_to = _period_edits(90)
        self.records_department = QComboBox()
        self.records_department.addItem("（全部）", None)
        query = QPushButton("查询")
        query.clicked.connect(self.refresh_records)
        self.records_table, self.records_model = _table(RECORD_COLUMNS, self)
        self.records_table.set_empty_text("所选期间没有导入的核查记录。")
        self.records_table.activated.connect(self._open_record)
        filters = QHBoxLayout()
        for caption, widget in (
            ("核查日期", self.records_from),
            ("至", self.records_to),
            ("部门", self.records_department),
        ):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(query)
        filters.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(filters)
        layout.addWidget(
            hint("各部门报送的核查记录，只读；双击查看措施、结果反馈、来源和已收到的各版本。")
        )
        layout.addWidget(self.records_table, 1)
        return page

    def _report_page(self) -> QWidget:
        self.report_from, self.report_to = _period_edits()
        first = QDate.currentDate().addMonths(-1)
        self.report_from.setDate(QDate(first.year(), first.month(), 1))
        self.report_to.setDate(QDate.currentDate())
        self.overdue = QSpinBox()
        self.overdue.setRange(1, 365)
        self.overdue.setValue(self.session.ctx.config.feedback_overdue_days)
        self.overdue.setSuffix(" 天")
        self.overdue.setToolTip("待反馈超过这么多天计为超期（本机配置 feedback_overdue_days）")
        self.report_button = QPushButton("统计")
        self.report_button.setProperty("primary", True)
        self.export_button = QPushButton("导出报告 PDF 和 Excel…")
        self.export_button.setEnabled(False)
        self.report_status = hint("")
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setStyleSheet(f"font-size: 15px; color: {theme.NAVY};")
        self.dynamics, self.dynamics_model = _table(DYNAMICS_COLUMNS, self)
        self.performance, self.performance_model = _table(PERFORMANCE_COLUMNS, self)
        self.initiators, self.initiators_model = _table(INITIATOR_COLUMNS, self)
        self.department_chart = BarChart()
        self.month_chart = BarChart()
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.department_chart)
        charts.addWidget(self.month_chart)
        self.report_tabs = QTabWidget()
        self.report_tabs.addTab(self.dynamics, "联合惩戒动态")
        self.report_tabs.addTab(self.performance, "绩效考核")
        self.report_tabs.addTab(self.initiators, "发起部门")
        self.report_tabs.addTab(charts, "图表")
        filters = QHBoxLayout()
        for caption, widget in (
            ("核查日期", self.report_from),
            ("至", self.report_to),
            ("超期天数", self.overdue),
        ):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addWidget(self.report_button)
        filters.addStretch(1)
        filters.addWidget(self.export_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(filters)
        layout.addWidget(self.totals)
        layout.addWidget(self.report_tabs, 1)
        layout.addWidget(self.report_status)
        self.report_button.clicked.connect(self.refresh_report)
        self.export_button.clicked.connect(self.export_dialog)
        return page

    # -- refreshing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresh_packages()
        self.refresh_records()
        self.refresh_report()

    def refresh_packages(self) -> None:
        from desktop_app.services.feedback import city_report

        try:
            found = city_report.received_packages(self.session.ctx, self.session.user)
        except Exception as error:
            show_error(self, error)
            return
        packages = found["packages"]
        _fill(
            self.packages_model,
            [
                [
                    local_time(p["imported_at"]),
                    p["department"],
                    f"第 {p['sequence']} 号",
                    f"{p['period_from']} 至 {p['period_to']}",
                    p["record_count"],
                    p["new_versions"],
                    p["exported_by"],
                    local_time(p["exported_at"]),
                    p["file_name"],
                ]
                for p in packages
            ],
        )
        self.packages.fit_columns(8, widest=260)
        _fill(
            self.findings_model,
            [
                [local_time(f["found_at"]), f["department"], f["kind_text"], f["message"]]
                for f in found["findings"]
            ],
        )
        self.findings.fit_columns(3, widest=200)
        departments = sorted({p["department"] for p in packages})
        current = self.records_department.currentData()
        self.records_department.blockSignals(True)
        self.records_department.clear()
        self.records_department.addItem("（全部）", None)
        for name in departments:
            self.records_department.addItem(name, name)
        if current in departments:
            self.records_department.setCurrentIndex(departments.index(current) + 1)
        self.records_department.blockSignals(False)
        problems = len(found["findings"])
        self.packages_status.setText(
            f"已导入 {len(packages)} 个反馈包，来自 {len(departments)} 个部门"
            + (f"；审计链异常 {problems} 条，见下方。" if problems else "。")
        )

    def refresh_records(self) -> None:
        from desktop_app.services.feedback import city_report

        try:
            found = city_report.imported_records(
                self.session.ctx,
                self.session.user,
                date_from=_day(self.records_from),
                date_to=_day(self.records_to),
                department=self.records_department.currentData(),
                limit=2000,
            )
        except Exception as error:
            show_error(self, error)
            return
        _fill(
            self.records_model,
            [
                [
                    local_time(r["checked_at"]),
                    r["record_number"],
                    r["version"],
                    r["department"],
                    r["user_display"],
                    r["subject_name"] or "—",
                    shown_id(r["subject_id"]),
                    r["status_text"],
                    r["measure_count"],
                    f"第 {r['sequence']} 号（{local_time(r['imported_at'])} 导入）",
                ]
                for r in found
            ],
            [(r["origin"], r["record_number"]) for r in found],
        )
        self.records_table.fit_columns(5, widest=240)

    def _open_record(self) -> None:
        from desktop_app.services.feedback import city_report

        index = self.records_table.currentIndex()
        if not index.isValid():
            return
        origin, number = self.records_model.item(index.row(), 0).data(Qt.ItemDataRole.UserRole)
        try:
            shown = city_report.imported_record(
                self.session.ctx, self.session.user, number, origin=origin
            )
        except Exception as error:
            show_error(self, error)
            return
        self.record_dialog = RecordDialog(shown, self)
        self.record_dialog.open()

    def refresh_report(self) -> None:
        from desktop_app.services.feedback import city_report

        user = self.session.user
        wanted = (_day(self.report_from), _day(self.report_to), self.overdue.value())

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, Any]:
            return city_report.build_report(
                ctx, user, date_from=wanted[0], date_to=wanted[1], overdue_days=wanted[2]
            )

        self.report_button.setEnabled(False)
        self.report_status.setText("正在统计……")
        self.tasks.start(job, self._show_report, self._report_failed)

    def _report_failed(self, error: BaseException) -> None:
        self.report_button.setEnabled(True)
        self.report_status.setText("")
        show_error(self, error)

    def _show_report(self, report: dict[str, Any]) -> None:
        self.report = report
        self.report_button.setEnabled(True)
        self.export_button.setEnabled(True)
        totals = report["totals"]
        self.totals.setText(
            f"报送部门 <b>{totals['departments_reporting']}</b>/{totals['departments']}　"
            f"核查 <b>{totals['checks']}</b> 次　发现失信主体 <b>{totals['subjects_found']}</b> 个"
            f"　｜　措施 <b>{totals['measures']}</b> 项次：已实施 {totals['applied']}，"
            f"不适用 {totals['not_applicable']}，已移送 {totals['referred']}，待反馈 "
            f"{totals['pending']}　｜　反馈完成率 <b>{totals['completeness_text']}</b>　"
            f"超期 {totals['overdue']} 项次"
        )
        pairs: dict[str, list[dict[str, Any]]] = {}
        for row in report["by_department_category"]:
            pairs.setdefault(row["department"], []).append(row)
        rows = []
        for row in report["by_department"]:
            name = row["department"] + ("" if row["reported"] else "（本期未报送）")
            rows.append(_dynamics_row(name, "合计", row))
            rows += [_dynamics_row("", p["category"], p) for p in pairs.get(row["department"], [])]
        _fill(self.dynamics_model, rows)
        self.dynamics.fit_columns(1, widest=260)
        from desktop_app.services.feedback.city_report import last_package_text

        _fill(
            self.performance_model,
            [
                [
                    p["department"],
                    p["status_text"],
                    p["packages_in_period"],
                    last_package_text(p),
                    p["measures"],
                    p["with_feedback"],
                    p["completeness_text"],
                    p["overdue"],
                    p["late"],
                    p["chain_problems"],
                ]
                for p in report["performance"]
            ],
        )
        self.performance.fit_columns(3, widest=320)
        _fill(
            self.initiators_model,
            [
                [
                    item["initiator"],
                    row["department"],
                    row["measures"],
                    row["applied"],
                    row["not_applicable"],
                    row["referred"],
                    row["pending"],
                ]
                for item in report["by_initiator"]
                for row in item["departments"]
            ],
        )
        self.initiators.fit_columns(1, widest=260)
        self.department_chart.set_data(
            "各部门应实施措施及结果反馈（项次）",
            [
                (row["department"], [(name, row[key], colour) for key, name, colour in STATE_NAMES])
                for row in report["by_department"]
                if row["measures"]
            ],
        )
        self.month_chart.set_data(
            "按月：核查、应实施措施与已实施",
            [
                (
                    month["month"],
                    [
                        ("核查", month["checks"], theme.NAVY),
                        ("措施", month["measures"], "#e0a526"),
                        ("已实施", month["applied"], theme.OK),
                    ],
                )
                for month in report["by_month"]
            ],
        )
        self.report_status.setText(
            f"统计范围：{report['date_from']} 至 {report['date_to']}，超期以 "
            f"{report['as_of']} 为准（{report['overdue_days']} 天）。"
        )

    # -- actions -------------------------------------------------------------------------------

    def import_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "导入反馈包", str(Path.home()), "反馈包 (*.p7m);;所有文件 (*)"
        )
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, paths: list[Path]) -> None:
        """Import every file (each on its own: a refused one does not stop the others)."""
        from desktop_app.errors import AppError
        from desktop_app.services.feedback.office_import import import_package_file

        user = self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> list[dict[str, Any]]:
            results = []
            for index, path in enumerate(paths):

                def step(done: int, total: int, index: int = index) -> None:
                    progress(
                        index * 1000 + (1000 * done // total if total else 0), len(paths) * 1000
                    )

                try:
                    result = import_package_file(ctx, user, path, step)
                except AppError as error:
                    results.append({"file": str(path), "error": error.message})
                    continue
                results.append(result.to_json())
            return results

        self.import_button.setEnabled(False)
        self.import_progress.setRange(0, 0)
        self.import_progress.setVisible(True)
        self.packages_status.setText(f"正在导入 {len(paths)} 个反馈包……")
        self.tasks.start(job, self._imported, self._import_failed, self._import_progress)

    def _import_progress(self, done: int, total: int) -> None:
        if total:
            self.import_progress.setRange(0, total)
            self.import_progress.setValue(done)

    def _import_failed(self, error: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.import_progress.setVisible(False)
        show_error(self, error)

    def _imported(self, results: list[dict[str, Any]]) -> None:
        self.import_results = results
        self.import_button.setEnabled(True)
        self.import_progress.setVisible(False)
        self.refresh_packages()
        self.refresh_records()
        lines = []
        for item in results:
            name = Path(item["file"]).name
            if "error" in item:
                lines.append(f"✗ {name}：{item['error']}")
            elif item["already_imported"]:
                lines.append(
                    f"= {name}：{item['department']}第 {item['sequence']} 号，已导入过，未改变。"
                )
            else:
                lines.append(
                    f"✓ {name}：{item['department']}第 {item['sequence']} 号，核查记录 "
                    f"{item['records']} 条，新增版本 {item['new_versions']} 个。"
                )
            lines += [f"    ⚠ {f['kind_text']}：{f['message']}" for f in item.get("findings", [])]
        refused = any("error" in item for item in results)
        warned = any(item.get("findings") for item in results)
        box = QMessageBox.warning if refused or warned else QMessageBox.information
        box(self, "导入反馈包", "\n".join(lines))

    def export_certificate_dialog(self) -> None:
        from desktop_app.services import admin
        from desktop_app.services.exchange import office_key

        ctx, user = self.session.ctx, self.session.user
        if office_key.active_key_id(ctx.data_dir) is None:
            if not accounts.can(user, "certificates.import"):
                show_error(self, "本机还没有信用办加密证书，请由管理员生成。")
                return
            answer = QMessageBox.question(
                self,
                "生成加密证书",
                "本机还没有信用办加密证书（RSA）。现在生成并导出，交给各部门？",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            try:
                admin.new_office_key(ctx, user)
            except Exception as error:
                show_error(self, error)
                return
        target, _ = QFileDialog.getSaveFileName(
            self,
            "导出信用办加密证书",
            str(Path.home() / "信用办加密证书.cer"),
            "证书 (*.cer *.pem)",
        )
        if not target:
            return
        try:
            office_key.export_certificate(self.session.ctx.data_dir, Path(target))
        except Exception as error:
            show_error(self, error)
            return
        self.packages_status.setText(
            f"已导出加密证书：{target}（交给各部门用 config trust-office 导入）"
        )

    def export_dialog(self) -> None:
        if self.report is None:
            return
        suggested = str(
            Path.home() / f"联合惩戒动态_{self.report['date_from']}_{self.report['date_to']}.pdf"
        )
        target, _ = QFileDialog.getSaveFileName(self, "导出报告", suggested, "PDF 文件 (*.pdf)")
        if target:
            self.export(Path(target))

    def export(self, pdf: Path) -> None:
        """Write the report shown as `pdf` and, beside it, the workbook (same name, .xlsx)."""
        from desktop_app.services.feedback import city_report

        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_name(pdf.name + ".pdf")
        user, report = self.session.user, self.report
        assert report is not None

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, str]:
            return city_report.write_report(
                ctx, user, report, pdf=pdf, xlsx=pdf.with_suffix(".xlsx")
            )

        def done(written: dict[str, str]) -> None:
            self.export_button.setEnabled(True)
            self.exported = written
            self.report_status.setText("已导出：" + "；".join(written.values()))

        def failed(error: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.report_status.setText("")
            show_error(self, error)

        self.export_button.setEnabled(False)
        self.report_status.setText("正在生成报告……")
        self.tasks.start(job, done, failed)


def _dynamics_row(department: str, category: str, row: dict[str, Any]) -> list[Any]:
    days = row["median_days"]
    return [
        department,
        category,
        row["checks"],
        row["subjects_found"],
        row["measures"],
        row["applied"],
        row["not_applicable"],
        row["referred"],
        row["pending"],
        "—" if days is None else round(days, 1),
    ]
