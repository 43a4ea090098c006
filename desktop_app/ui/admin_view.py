"""The administrator's screen: lists (import with progress and cancel, the import report),
users, the signing certificate, settings, and the catalog browser (`catalog_view`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.errors import AppError, ImportCancelledError
from desktop_app.ui.catalog_view import CatalogBrowser
from desktop_app.ui.check_view import Session
from desktop_app.ui.history_view import local_time
from desktop_app.ui.widgets import (
    CopyableTableView,
    SearchableComboBox,
    error_text,
    hint,
    section_title,
    show_error,
)
from desktop_app.ui.workers import Task, TaskRunner


def _item(value: Any) -> QStandardItem:
    item = QStandardItem("" if value is None else str(value))
    item.setEditable(False)
    return item


def _table(columns: tuple[str, ...], stretch: int) -> tuple[CopyableTableView, QStandardItemModel]:
    model = QStandardItemModel(0, len(columns))
    model.setHorizontalHeaderLabels(list(columns))
    view = CopyableTableView()
    view.setModel(model)
    view.stretch_column = stretch  # type: ignore[attr-defined]
    view.fit_columns(stretch)
    return view, model


def _fill(view: CopyableTableView, rows: list[list[Any]]) -> None:
    model = view.model()
    assert isinstance(model, QStandardItemModel)
    model.removeRows(0, model.rowCount())
    for row in rows:
        model.appendRow([_item(value) for value in row])
    view.fit_columns(view.stretch_column)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- lists

REJECTION_COLUMNS = ("行号", "原因")
LIST_COLUMNS = ("名单", "联合惩戒对象", "版本", "导入时间", "文件", "条数", "有效")


MODE_CHOICES = (
    (
        "full",
        "完整名单",
        "文件是这份名单的全部：文件中没有的有效记录将被撤销（按月替换整份名单时用）。",
    ),
    (
        "incremental",
        "增量更新",
        "文件只含新增和变更的记录：只按“撤销时间”撤销，文件中没有的记录保持不变。",
    ),
)


class RevocationConfirmDialog(QMessageBox):
    """Asks an administrator to confirm an import that revokes many listings in force: the
    counts, the first names it would revoke; 取消 is the default (Enter and Esc cancel)."""

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        from desktop_app.services.lists.report import MODE_TEXT, sample_text

        super().__init__(parent)
        self.revocations = report.revoked
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("确认撤销有效记录")
        names = [sample_text(s) for s in report.samples.get("revoked", [])]
        self.setText(
            f"本次导入将撤销名单“{report.list}”中 {report.revoked} 条有效记录"
            f"（导入前共 {report.in_force_before} 条有效）。"
        )
        details = [
            f"导入方式：{MODE_TEXT.get(report.mode, report.mode)}。",
            f"导入将：{report.counts_text()}。",
        ]
        if names:
            details.append("将被撤销的有：" + "、".join(names) + "等。")
        details.append(
            "撤销后，核查这些对象将显示“未发现失信记录”。请先核对文件是否完整、是否选错；"
            "只有确认无误时才继续。"
        )
        self.setInformativeText("\n".join(details))
        self.confirm_button = self.addButton(
            f"确认撤销 {report.revoked} 条并导入", QMessageBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)

    def confirmed(self) -> bool:
        return self.clickedButton() is self.confirm_button


class ImportDialog(QDialog):
    """Pick a file, its category and the import mode, preview it or import it with a
    progress bar and a cancel button, then read the report with every rejected row
    (exportable as .xlsx). An import that would revoke many listings asks first."""

    imported = Signal(object)  # the ImportReport of a committed import
    previewed = Signal(object)  # the ImportReport of a preview

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.task: Task | None = None
        self.report: Any = None
        self.confirm_dialog: RevocationConfirmDialog | None = None
        self.setWindowTitle(self.title)
        form = self._form()
        self._build(form)

    title = "导入失信名单"

    def _form(self) -> QFormLayout:
        ctx = self.session.ctx
        self.file = QLineEdit()
        self.file.setPlaceholderText("名单文件：.xlsx 或 .csv（UTF-8 或 GBK）")
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.category = SearchableComboBox()
        self.category.set_entries((c["name"], c["aliases"]) for c in ctx.catalog.categories())
        self.list_name = QComboBox()
        self.list_name.setEditable(True)
        self.list_name.addItem("")
        for item in ctx.lists.data_versions():
            self.list_name.addItem(item["list"])
        self.list_name.lineEdit().setPlaceholderText(
            "留空则与联合惩戒对象同名；同名名单按新版本更新"
        )
        self.mapping = QComboBox()
        self.mapping.addItem("标准表头（附件1 的 22 个字段）", None)
        for mapping in ctx.lists.mappings():
            self.mapping.addItem(f"列映射：{mapping['name']}", mapping["name"])
        self.modes: dict[str, QRadioButton] = {}
        mode_box = QVBoxLayout()
        for code, label, explanation in MODE_CHOICES:
            button = QRadioButton(f"{label}：{explanation}")
            button.setToolTip(explanation)
            self.modes[code] = button
            mode_box.addWidget(button)
        self.modes["full"].setChecked(True)
        form = QFormLayout()
        form.addRow("文件(&F)", file_row)
        form.addRow("联合惩戒对象(&C)", self.category)
        form.addRow("名单名称(&N)", self.list_name)
        form.addRow("表头", self.mapping)
        form.addRow("导入方式", mode_box)
        return form

    def _build(self, form: QFormLayout) -> None:
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("formError")
        self.message.setVisible(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rejections, self.rejections_model = _table(REJECTION_COLUMNS, 1)
        self.rejections.setVisible(False)
        self.preview_button = QPushButton("预览(&P)")
        self.preview_button.setToolTip(
            "读取并校验整个文件，列出将新增、更新、撤销的记录，不作任何更改"
        )
        self.start_button = QPushButton("开始导入(&S)")
        self.start_button.setProperty("primary", True)
        self.cancel_button = QPushButton("取消导入")
        self.cancel_button.setEnabled(False)
        self.export_button = QPushButton("导出被拒绝的行(&E)…")
        self.export_button.setVisible(False)
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.rejections, 1)
        layout.addLayout(buttons)
        self.preview_button.clicked.connect(lambda: self.start(dry_run=True))
        self.start_button.clicked.connect(lambda: self.start())
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self.export_dialog)
        self.close_button.clicked.connect(self.close_if_idle)
        self.resize(900, 620)

    def browse(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择名单文件", str(Path.home()), "名单文件 (*.xlsx *.csv);;所有文件 (*)"
        )
        if target:
            self.file.setText(target)

    def mode(self) -> str:
        return next(code for code, button in self.modes.items() if button.isChecked())

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setObjectName("formError" if error else "hint")
        self.message.setStyleSheet("" if error else "color: #1b6e37; font-weight: bold;")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def start(self, dry_run: bool = False, confirm_revocations: int | None = None) -> None:
        job = self._job(dry_run, confirm_revocations)
        if job is None:
            return
        self._say("")
        self.summary.setText("")
        self._show_report(None)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        for button in (self.start_button, self.preview_button, self.close_button):
            button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.task = self.tasks.start(job, self._done, self._failed, self._progress)

    def _job(self, dry_run: bool, confirm_revocations: int | None) -> Any:
        """The import job for the task runner, or None (and a message) when the form is not
        complete."""
        from desktop_app.services import admin

        path = Path(self.file.text().strip())
        category = self.category.value()
        if not self.file.text().strip() or not path.is_file():
            self._say("请选择要导入的名单文件（.xlsx 或 .csv）。")
            return None
        if category is None:
            self._say("请从列表中选择联合惩戒对象（可输入关键词筛选）。")
            return None
        list_name = self.list_name.currentText().strip() or None
        mapping = self.mapping.currentData()
        mode = self.mode()
        user = self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            return admin.import_list_file(
                ctx,
                user,
                path,
                category,
                list_name=list_name,
                mapping=mapping,
                mode=mode,
                dry_run=dry_run,
                confirm_revocations=confirm_revocations,
                keep_rejected_rows=True,
                progress=progress,
                cancel=cancelled,
                rescreen=False,  # the main window re-checks on a worker of its own
            )

        return job

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress.setFormat(f"已处理 {done} / 约 {total} 行")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("正在取消……")

    def _finished(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        for button in (self.start_button, self.preview_button, self.close_button):
            button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _show_report(self, report: Any) -> None:
        previous = self.report
        if previous is not None and previous is not report and previous.rejected_rows is not None:
            previous.rejected_rows.discard()
        self.report = report
        if report is None:
            self.rejections.setVisible(False)
            self.export_button.setVisible(False)
            return
        lines = report.summary().splitlines()
        notes = [line for line in lines if not line.startswith(("第 ", "……其余"))]
        self.summary.setText("\n".join(notes))
        _fill(self.rejections, [[r.row, r.reason] for r in report.rejections])
        self.rejections.setVisible(bool(report.rejections))
        self.export_button.setVisible(bool(report.rejected))

    def _failed(self, error: BaseException) -> None:
        from desktop_app.errors import ImportRefusedError

        self._finished()
        if isinstance(error, ImportCancelledError):
            self._say(error.message, error=False)
            return
        if isinstance(error, ImportRefusedError) and error.report is not None:
            report: Any = error.report
            self._show_report(report)
            if error.details.get("reason") in ("revocations", "no_rows") and report.revoked:
                self._say("本次导入将撤销大量有效记录，需要您确认；名单尚未作任何更改。")
                self.ask_confirmation(report)
                return
        self._say(error_text(error))

    def ask_confirmation(self, report: Any) -> None:
        """The confirmation dialog; only its confirm button imports (with that number)."""
        self.confirm_dialog = RevocationConfirmDialog(report, self)
        self.confirm_dialog.finished.connect(lambda _: self._confirmation_answered(report))
        self.confirm_dialog.open()

    def _confirmation_answered(self, report: Any) -> None:
        dialog, self.confirm_dialog = self.confirm_dialog, None
        if dialog is not None and dialog.confirmed():
            self.start(confirm_revocations=dialog.revocations)
        else:
            self._say("已取消导入，名单未作任何更改。", error=False)

    def _done(self, report: Any) -> None:
        self._finished()
        self._show_report(report)
        if report.dry_run:
            self._say(
                f"预览完成：名单未作任何更改。{report.rejected} 行将被拒绝（见下表）。"
                if report.rejected
                else "预览完成：名单未作任何更改。核对无误后请点“开始导入”。",
                error=False,
            )
            self.previewed.emit(report)
            return
        self._say(
            f"导入完成，{report.rejected} 行被拒绝（见下表）。"
            if report.rejected
            else "导入完成。",
            error=bool(report.rejected),
        )
        self.imported.emit(report)

    def export_dialog(self) -> None:
        if self.report is None:
            return
        suggested = str(Path.home() / f"{Path(self.report.file).stem}_被拒绝的行.xlsx")
        target, _ = QFileDialog.getSaveFileName(
            self, "导出被拒绝的行", suggested, "Excel 工作簿 (*.xlsx)"
        )
        if target:
            if not target.lower().endswith(".xlsx"):
                target += ".xlsx"
            self.export_to(Path(target))

    def export_to(self, path: Path) -> Path | None:
        from desktop_app.services import admin

        try:
            return admin.write_rejections_xlsx(self.report, path)
        except AppError as error:
            show_error(self, error)
            return None

    def close_if_idle(self) -> None:
        if self.task is None:
            self.accept()

    def reject(self) -> None:  # Esc: cancel a running import first
        if self.task is not None:
            self.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._show_report(None)  # the refused rows' temporary file goes with the dialog
        super().done(result)


class PackageImportDialog(ImportDialog):
    """Import a signed list package (from the credit office, on a USB stick): once chosen,
    the package is verified and the dialog says which list and version it will update and
    how (its mode); then preview or import it as a list file, with the same confirmation."""

    title = "导入名单包"

    def _form(self) -> QFormLayout:
        self.info: Any = None
        self.file = QLineEdit()
        self.file.setPlaceholderText("信用办制作的名单包（.xyhc）")
        self.file.editingFinished.connect(self.verify)
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.target = QLabel("选择名单包后，这里会显示它将更新哪个名单的哪个版本。")
        self.target.setWordWrap(True)
        self.target.setObjectName("hint")
        form = QFormLayout()
        form.addRow("名单包(&F)", file_row)
        form.addRow("将更新", self.target)
        return form

    def browse(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择名单包", str(Path.home()), "更新包 (*.xyhc);;所有文件 (*)"
        )
        if target:
            self.file.setText(target)
            self.verify()

    def verify(self) -> None:
        """Check the package's signature and say which list and version it will update."""
        from desktop_app.errors import PackageError
        from desktop_app.services.exchange import update_package

        self.info = None
        path = Path(self.file.text().strip())
        if not self.file.text().strip():
            return
        ctx = self.session.ctx
        try:
            info = update_package.verify_package(path, ctx.config.trusted_publishers, "list")
        except PackageError as error:
            self.target.setText(error.message)
            self._say(error.message)
            return
        self.info = info
        described = update_package.describe_target(update_package.list_target(ctx, info))
        self.target.setText(
            f"{described}\n发布者：{info.publisher}，制作于 {info.created_at}，"
            f"文件 {info.manifest['list'].get('source_name')}。"
        )
        self._say("")

    def _job(self, dry_run: bool, confirm_revocations: int | None) -> Any:
        from desktop_app.services.exchange import update_package

        if self.info is None:
            self.verify()
        if self.info is None:
            if not self.message.text():
                self._say("请选择信用办制作的名单包（.xyhc）。")
            return None
        path, user = self.info.path, self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> Any:
            outcome = update_package.import_package(
                ctx,
                path,
                user=user,
                expected_kind="list",
                dry_run=dry_run,
                confirm_revocations=confirm_revocations,
                progress=progress,
                cancel=cancelled,
                rescreen=False,  # the main window re-checks on a worker of its own
            )
            return outcome["report"]

        return job


class ListsPanel(QWidget):
    lists_changed = Signal()

    def __init__(self, session: Session, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.tasks = tasks
        self.table, self.model = _table(LIST_COLUMNS, 0)
        self.import_button = QPushButton("导入名单(&I)… Ctrl+I")
        self.import_button.setProperty("primary", True)
        self.import_button.clicked.connect(self.open_import)
        self.package_button = QPushButton("导入名单包(&U)…")
        self.package_button.setToolTip("导入信用办制作、签名的名单包（.xyhc）")
        self.package_button.clicked.connect(self.open_package_import)
        self.dialog: ImportDialog | None = None
        top = QHBoxLayout()
        top.addWidget(section_title("已导入的失信名单"))
        top.addStretch(1)
        top.addWidget(self.package_button)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(
            hint(
                "每次导入是一个整体：要么全部成功，要么名单不变。同名名单的新文件按新版本更新：完整名单"
                "导入时，新文件中没有的或填写了撤销时间的记录转为历史记录；增量更新只按撤销时间撤销。"
                "会清空名单或撤销超过一成有效记录的导入须管理员确认。"
            )
        )
        layout.addWidget(self.table, 1)
        shortcut = QShortcut(QKeySequence("Ctrl+I"), self)
        shortcut.activated.connect(self.open_import)

    def refresh(self) -> None:
        rows = [
            [
                item["list"],
                item["category"],
                item["version"],
                local_time(item["imported_at"]),
                item["file_name"],
                item["listings"],
                item["active"],
            ]
            for item in self.session.ctx.lists.status()
        ]
        _fill(self.table, rows)

    def open_import(self) -> None:
        self._open(ImportDialog(self.session, self.tasks, self))

    def open_package_import(self) -> None:
        self._open(PackageImportDialog(self.session, self.tasks, self))

    def _open(self, dialog: ImportDialog) -> None:
        self.dialog = dialog
        dialog.imported.connect(lambda _: self.refresh())
        dialog.imported.connect(lambda _: self.lists_changed.emit())
        dialog.open()


# --------------------------------------------------------------------------------- users

USER_COLUMNS = ("用户名", "姓名", "角色", "地区", "部门", "状态")


class UserDialog(QDialog):
    """Add a user (name, display name, role, department, initial password), or change an
    existing one's display name, role and department (`existing`: a row of `list_users`)."""

    def __init__(
        self,
        session: Session,
        existing: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        from desktop_app.models.labels import ROLE_TEXT

        super().__init__(parent)
        self.session = session
        self.existing = existing
        self.user: Any = None
        self.jurisdiction = (existing or {}).get("jurisdiction") or session.jurisdiction
        self.setWindowTitle(f"修改用户“{existing['name']}”" if existing else "添加用户")
        self.name = QLineEdit((existing or {}).get("name", ""))
        self.name.setReadOnly(existing is not None)
        self.display_name = QLineEdit((existing or {}).get("display_name", ""))
        self.role = QComboBox()
        for code, text in ROLE_TEXT.items():
            self.role.addItem(text, code)
        if existing:
            self.role.setCurrentIndex(self.role.findData(existing["role"]))
        self.department = SearchableComboBox()
        self.department.set_entries(
            ((d["name"], d["aliases"]) for d in session.ctx.catalog.departments(self.jurisdiction)),
            current=(existing or {}).get("department") or session.department,
        )
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("用户名(&U)", self.name)
        form.addRow("姓名(&M)", self.display_name)
        form.addRow("角色(&R)", self.role)
        form.addRow(f"部门（{self.jurisdiction}）(&D)", self.department)
        if existing is None:
            form.addRow("初始密码(&P)", self.password)
            form.addRow("再次输入密码", self.password2)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存" if existing else "添加")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        from desktop_app.services import accounts

        ctx, actor = self.session.ctx, self.session.user
        department = self.department.value() or self.department.currentText().strip()
        display_name = self.display_name.text().strip() or None
        try:
            if self.existing is not None:
                self.user = accounts.update_user(
                    ctx,
                    actor,
                    self.existing["name"],
                    role=self.role.currentData(),
                    department=department,
                    jurisdiction=self.jurisdiction,
                    display_name=display_name,
                )
            elif self.password.text() != self.password2.text():
                self.error.setText("两次输入的密码不一致，请重新输入。")
                return
            else:
                self.user = accounts.add_user(
                    ctx,
                    actor,
                    self.name.text().strip(),
                    self.password.text(),
                    role=self.role.currentData(),
                    department=department,
                    jurisdiction=self.jurisdiction,
                    display_name=display_name,
                )
        except AppError as error:
            self.error.setText(error.message)
            return
        self.accept()


class UsersPanel(QWidget):
    """Every account with its role, department and state; add, change, reset a password,
    unlock, disable and enable (each through the accounts service, audited)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.table, self.model = _table(USER_COLUMNS, 4)
        self.users: list[dict[str, Any]] = []
        add = QPushButton("添加用户(&A)…")
        add.clicked.connect(self.add)
        self.edit_button = QPushButton("修改(&E)…")
        self.edit_button.clicked.connect(self.edit)
        self.password_button = QPushButton("重置密码(&R)…")
        self.password_button.clicked.connect(self.reset_password)
        self.unlock_button = QPushButton("解锁(&L)")
        self.unlock_button.clicked.connect(self.unlock)
        self.disable_button = QPushButton("停用(&T)")
        self.disable_button.clicked.connect(self.toggle_disabled)
        top = QHBoxLayout()
        top.addWidget(section_title("用户"))
        top.addStretch(1)
        for button in (
            add,
            self.edit_button,
            self.password_button,
            self.unlock_button,
            self.disable_button,
        ):
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(
            hint(
                "连续 5 次输错密码的账户锁定 15 分钟，管理员可提前解锁或重置密码。"
                "停用的账户不能登录，其核查记录和日志保留；至少要保留一个在用的管理员。"
            )
        )
        layout.addWidget(self.table, 1)
        self.dialog: QDialog | None = None
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def refresh(self) -> None:
        from desktop_app.services import accounts

        try:
            self.users = accounts.list_users(self.session.ctx, self.session.user)
        except AppError as error:
            show_error(self, error)
            return
        _fill(
            self.table,
            [
                [
                    u["name"],
                    u["display_name"],
                    u["role_text"],
                    u["jurisdiction"] or "",
                    u["department"] or "",
                    _user_state(u),
                ]
                for u in self.users
            ],
        )
        self._update_buttons()

    def selected(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.users):
            return None
        return self.users[index.row()]

    def _update_buttons(self) -> None:
        user = self.selected()
        for button in (self.edit_button, self.password_button, self.disable_button):
            button.setEnabled(user is not None)
        self.unlock_button.setEnabled(user is not None and user["locked"])
        self.disable_button.setText("启用(&T)" if user and user["disabled"] else "停用(&T)")

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.open()

    def add(self) -> None:
        self._open(UserDialog(self.session, None, self))

    def edit(self) -> None:
        user = self.selected()
        if user is not None:
            self._open(UserDialog(self.session, user, self))

    def reset_password(self) -> None:
        from desktop_app.ui.dialogs import PasswordDialog

        user = self.selected()
        if user is not None:
            self._open(PasswordDialog(self.session.ctx, self.session.user, user["name"], self))

    def unlock(self) -> None:
        from desktop_app.services import accounts

        user = self.selected()
        if user is None:
            return
        try:
            accounts.unlock_user(self.session.ctx, self.session.user, user["name"])
        except AppError as error:
            show_error(self, error)
            return
        self.refresh()

    def toggle_disabled(self) -> None:
        from desktop_app.services import accounts

        user = self.selected()
        if user is None:
            return
        try:
            accounts.set_user_disabled(
                self.session.ctx, self.session.user, user["name"], not user["disabled"]
            )
        except AppError as error:
            show_error(self, error)
            return
        self.refresh()


def _user_state(user: dict[str, Any]) -> str:
    if user["disabled"]:
        return "已停用"
    if user["locked"]:
        return f"已锁定（至 {local_time(user['locked_until'])}）"
    return "正常"


# --------------------------------------------------------------------------- certificate


class CertificatePanel(QWidget):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.facts = QTextBrowser()
        import_button = QPushButton("导入部门证书 PKCS#12(&P)…")
        new_button = QPushButton("生成新的自签名证书(&G)")
        export_button = QPushButton("导出证书(&X)…")
        import_button.clicked.connect(self.import_dialog)
        new_button.clicked.connect(self.new_certificate)
        export_button.clicked.connect(self.export_dialog)
        top = QHBoxLayout()
        top.addWidget(section_title("签名证书"))
        top.addStretch(1)
        for button in (import_button, new_button, export_button):
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(
            hint(
                "核查记录 PDF 用本部门证书签名。更换证书后，原证书仍用于核验以前签发的记录。"
                "导出的证书交给需要核验记录的单位。"
            )
        )
        layout.addWidget(self.facts, 1)

    def refresh(self) -> None:
        from desktop_app.services.records import signing

        data_dir = self.session.ctx.data_dir
        active = signing.active_certificate(data_dir)
        lines = []
        if active is None:
            lines.append("<p>本机还没有签名证书：首次打印核查记录时自动创建，或导入部门证书。</p>")
        else:
            facts = signing.describe_certificate(active)
            lines.append(
                f"<p><b>当前签名证书：</b>{facts['subject']}<br>"
                f"颁发者：{facts['issuer']}{'（自签名）' if facts['self_signed'] else ''}<br>"
                f"有效期：{facts['not_before'][:10]} 至 {facts['not_after'][:10]}<br>"
                f"指纹（SHA-256）：{facts['fingerprint_sha256']}<br>密钥：{facts['key_type']}</p>"
            )
        trusted = signing.trusted_certificates(data_dir)
        lines.append(f"<p><b>受信任的证书（{len(trusted)} 个）：</b></p><ul>")
        for certificate in trusted:
            facts = signing.describe_certificate(certificate)
            lines.append(f"<li>{facts['subject']}　{facts['fingerprint_sha256'][:16]}</li>")
        lines.append("</ul>")
        self.facts.setHtml("".join(lines))

    def import_dialog(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择部门证书", str(Path.home()), "PKCS#12 证书 (*.p12 *.pfx)"
        )
        if not target:
            return
        password, ok = QInputDialog.getText(
            self, "证书密码", f"证书文件 {Path(target).name} 的密码：", QLineEdit.EchoMode.Password
        )
        if ok:
            self.import_file(Path(target), password)

    def import_file(self, path: Path, password: str) -> bool:
        from desktop_app.services import admin

        try:
            admin.import_certificate(self.session.ctx, self.session.user, path, password)
        except AppError as error:
            show_error(self, error)
            return False
        self.refresh()
        return True

    def new_certificate(self) -> None:
        from desktop_app.services import admin

        answer = QMessageBox.question(
            self, "生成新证书", "用新生成的自签名证书替换当前签名证书？原证书仍用于核验以前的记录。"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            admin.new_certificate(self.session.ctx, self.session.user)
        except AppError as error:
            show_error(self, error)
            return
        self.refresh()

    def export_dialog(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self, "导出证书", str(Path.home() / "部门签名证书.pem"), "证书 (*.pem *.cer *.der)"
        )
        if target:
            self.export_to(Path(target))

    def export_to(self, path: Path) -> dict[str, Any] | None:
        """Write the certificate to `path` (admins only, audited); None when refused."""
        from desktop_app.services import admin

        try:
            return admin.export_certificate(self.session.ctx, self.session.user, path)
        except AppError as error:
            show_error(self, error)
            return None


# ------------------------------------------------------------------------------ settings


class SettingsPanel(QWidget):
    """The machine configuration (admins; needs write access to its file) and the user's
    own font size."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        ctx = session.ctx
        self.file = QLabel()
        self.file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_dir = QLabel(str(ctx.data_dir))
        self.data_dir.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.jurisdiction = QComboBox()
        for row in ctx.catalog.jurisdictions():
            self.jurisdiction.addItem(row["name"])
        self.department = SearchableComboBox()
        self.lock = QCheckBox("科员只能以本机部门核查（锁定部门）")
        self.jurisdiction.currentTextChanged.connect(self._departments)
        save = QPushButton("保存本机配置")
        save.clicked.connect(self.save)
        self.font_scale = QDoubleSpinBox()
        self.font_scale.setRange(0.8, 2.0)
        self.font_scale.setSingleStep(0.1)
        self.font_scale.setSuffix(" 倍")
        save_personal = QPushButton("保存个人设置（重新启动后生效）")
        save_personal.clicked.connect(self.save_personal)
        self.message = hint("")
        form = QFormLayout()
        form.addRow("配置文件", self.file)
        form.addRow("数据目录", self.data_dir)
        form.addRow("地区", self.jurisdiction)
        form.addRow("部门", self.department)
        form.addRow("", self.lock)
        form.addRow("", save)
        form.addRow(section_title("个人设置"))
        form.addRow("界面字号", self.font_scale)
        form.addRow("", save_personal)
        layout = QVBoxLayout(self)
        layout.addWidget(section_title("本机配置"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def _departments(self, jurisdiction: str) -> None:
        departments = self.session.ctx.catalog.departments(jurisdiction)
        self.department.set_entries((d["name"], d["aliases"]) for d in departments)

    def refresh(self) -> None:
        from desktop_app.config import load_machine_config, load_user_settings, machine_config_path

        config = load_machine_config()
        self.file.setText(
            str(config.source or machine_config_path()) + ("" if config.source else "（尚不存在）")
        )
        self.jurisdiction.setCurrentText(config.jurisdiction or self.session.jurisdiction)
        self._departments(self.jurisdiction.currentText())
        self.department.setCurrentText(config.department or self.session.department)
        self.lock.setChecked(config.lock_department)
        self.font_scale.setValue(load_user_settings().font_scale)

    def save(self) -> None:
        from desktop_app.services import admin

        try:
            path = admin.save_machine_settings(
                self.session.ctx,
                self.session.user,
                jurisdiction=self.jurisdiction.currentText(),
                department=self.department.value(),
                lock_department=self.lock.isChecked(),
            )
        except (AppError, OSError) as error:
            show_error(self, error)
            return
        self.message.setText(f"已保存：{path}")

    def save_personal(self) -> None:
        from dataclasses import replace

        from desktop_app.config import load_user_settings, save_user_settings

        try:
            path = save_user_settings(
                replace(load_user_settings(), font_scale=round(self.font_scale.value(), 2))
            )
        except (AppError, OSError) as error:
            show_error(self, error)
            return
        self.message.setText(f"已保存个人设置：{path}")


# ------------------------------------------------------------------------------- the tab


class AdminView(QTabWidget):
    """Lists, users, certificate, settings and the catalog browser (admins only)."""

    def __init__(self, session: Session, tasks: TaskRunner) -> None:
        super().__init__()
        self.lists = ListsPanel(session, tasks)
        self.users = UsersPanel(session)
        self.certificate = CertificatePanel(session)
        self.settings = SettingsPanel(session)
        self.catalog = CatalogBrowser(session, tasks)
        self.addTab(self.lists, "名单导入")
        self.addTab(self.users, "用户")
        self.addTab(self.certificate, "签名证书")
        self.addTab(self.settings, "设置")
        self.addTab(self.catalog, "措施目录")
        self.currentChanged.connect(lambda _: self.refresh())

    def refresh(self) -> None:
        panel = self.currentWidget()
        if hasattr(panel, "refresh"):
            panel.refresh()
