"""First start (setup), login, and changing or resetting a password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, __version__
from desktop_app.context import AppContext
from desktop_app.errors import AppError
from desktop_app.ui.widgets import SearchableComboBox, hint, section_title


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("formError")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def _say(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SetupDialog(QDialog):
    """First start: the office's jurisdiction and department, what the PC is for (a
    department's, or the credit office's: then its encryption key for feedback packages is
    created too), the administrator, and the certificate that signs check records (created
    here, or loaded from a PKCS#12 file).

    The department is an explicit choice (none is preselected unless the machine
    configuration names one): checks list the measures of this department. Once set up, the
    administrator is logged in with the password just typed (`user`), with no second login.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user: Any = None
        self.setWindowTitle(f"{APP_NAME} {__version__} · 首次设置")
        config = ctx.config
        self.jurisdiction = QComboBox()
        for row in ctx.catalog.jurisdictions():
            self.jurisdiction.addItem(row["name"])
        if config.jurisdiction:
            self.jurisdiction.setCurrentText(config.jurisdiction)
        self.department = SearchableComboBox()
        self.department.lineEdit().setPlaceholderText("请选择本部门（可输入关键词筛选）")
        self.department.setToolTip("核查时列出本部门应实施的联合惩戒措施")
        self.jurisdiction.currentTextChanged.connect(self._departments)
        self._departments(self.jurisdiction.currentText(), config.department)
        # What this PC is for: a department's checks, or the credit office's view of the city.
        self.as_department = QRadioButton("部门：核查失信主体，并向信用办报送结果反馈")
        self.as_credit_office = QRadioButton(
            "信用办：接收各部门的反馈包，汇总联合惩戒动态和绩效考核"
        )
        kind = QButtonGroup(self)
        kind.addButton(self.as_department)
        kind.addButton(self.as_credit_office)
        (self.as_credit_office if config.is_credit_office else self.as_department).setChecked(True)
        self.admin_name = QLineEdit("admin")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("例如：信息科 张三")
        self.password = _password_field()
        self.password.setPlaceholderText("至少 8 个字符")
        self.password2 = _password_field()

        self.generate = QRadioButton("生成本部门的自签名证书（可日后在“管理 › 签名证书”中更换）")
        self.load = QRadioButton("导入部门证书文件（PKCS#12：.p12 / .pfx）")
        self.generate.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.generate)
        group.addButton(self.load)
        self.p12 = QLineEdit()
        self.p12.setPlaceholderText("证书文件")
        self.browse = QPushButton("浏览…")
        self.browse.clicked.connect(self._browse)
        self.p12_password = _password_field()
        self.p12_password.setPlaceholderText("证书文件的密码")
        file_row = QHBoxLayout()
        file_row.addWidget(self.p12, 1)
        file_row.addWidget(self.browse)
        self.load.toggled.connect(self._certificate_choice)
        self._certificate_choice(False)

        self.error = _error_label()
        form = QFormLayout()
        form.addRow(section_title("本机所属单位"))
        form.addRow("地区(&J)", self.jurisdiction)
        form.addRow("部门(&D)", self.department)
        form.addRow("", hint("核查结果列出所选部门应实施的联合惩戒措施：请选择使用本机的部门。"))
        form.addRow("本机用途", self.as_department)
        form.addRow("", self.as_credit_office)
        form.addRow(section_title("管理员账户"))
        form.addRow("用户名(&U)", self.admin_name)
        form.addRow("姓名(&M)", self.display_name)
        form.addRow("密码(&P)", self.password)
        form.addRow("再次输入密码", self.password2)
        form.addRow(section_title("签名证书"))
        form.addRow(self.generate)
        form.addRow(self.load)
        form.addRow("证书文件", file_row)
        form.addRow("证书密码", self.p12_password)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("完成设置", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setProperty("primary", True)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                f"欢迎使用{APP_NAME}。这台电脑的数据目录（{ctx.data_dir}）中还没有管理员账户。"
                "请设置本机所属单位、管理员账户和用于签名核查记录的证书。"
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)

    def _departments(self, jurisdiction: str, current: str | None = None) -> None:
        departments = self.ctx.catalog.departments(jurisdiction)
        self.department.set_entries(
            ((d["name"], d["aliases"]) for d in departments), current, select_first=False
        )

    def _certificate_choice(self, load: bool) -> None:
        for widget in (self.p12, self.browse, self.p12_password):
            widget.setEnabled(load)

    def _browse(self) -> None:
        target, _ = QFileDialog.getOpenFileName(
            self, "选择部门证书", str(Path.home()), "PKCS#12 证书 (*.p12 *.pfx)"
        )
        if target:
            self.p12.setText(target)

    def submit(self) -> None:
        from desktop_app.services import accounts, admin

        department = self.department.value()
        if department is None:
            _say(self.error, "请从列表中选择部门（可输入关键词筛选）。")
            self.department.setFocus()
            return
        if self.password.text() != self.password2.text():
            _say(self.error, "两次输入的密码不一致，请重新输入。")
            self.password2.setFocus()
            return
        if self.load.isChecked() and not self.p12.text().strip():
            _say(self.error, "请选择证书文件，或改为生成自签名证书。")
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            # First the machine configuration: if it cannot be written, nothing is created.
            office_kind = "credit_office" if self.as_credit_office.isChecked() else "department"
            if self.ctx.config.office_kind != office_kind:
                admin.save_machine_settings(self.ctx, None, office_kind=office_kind)
            created, _ = admin.first_start(
                self.ctx,
                jurisdiction=self.jurisdiction.currentText(),
                department=department,
                admin_name=self.admin_name.text().strip(),
                password=self.password.text(),
                display_name=self.display_name.text().strip() or None,
                pkcs12=Path(self.p12.text().strip()) if self.load.isChecked() else None,
                pkcs12_password=self.p12_password.text() if self.load.isChecked() else None,
            )
            # Straight in: the password was just typed twice (the login is audited as usual).
            self.user = accounts.authenticate(self.ctx, created.name, self.password.text())
        except AppError as error:
            _say(self.error, error.message)
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        if office_kind == "credit_office":
            self._office_key()
        self.accept()

    def _office_key(self) -> None:
        """The credit office's encryption key for feedback packages (the administrator can
        make it later from 信用办汇总 if this fails: setup itself is complete)."""
        from desktop_app.services import admin
        from desktop_app.services.exchange import office_key

        try:
            if office_key.active_key_id(self.ctx.data_dir) is None:
                admin.new_office_key(self.ctx, self.user)
        except AppError as error:
            QMessageBox.warning(
                self,
                APP_NAME,
                f"信用办加密证书未能生成：{error.message}\n"
                "可稍后在“信用办汇总 › 导出本机加密证书”中生成。",
            )


class LoginDialog(QDialog):
    """User name and password; a wrong password, a locked account: said in red, in Chinese."""

    def __init__(
        self, ctx: AppContext, last_user: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user: Any = None
        self.setWindowTitle(f"{APP_NAME} · 登录")
        self.name = QLineEdit(last_user or "")
        self.password = _password_field()
        self.error = _error_label()
        title = QLabel(APP_NAME)
        title.setStyleSheet("font-size: 26px; font-weight: bold; color: #1f3a5f;")
        form = QFormLayout()
        form.addRow("用户名(&U)", self.name)
        form.addRow("密码(&P)", self.password)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("登录", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setProperty("primary", True)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        subtitle = QLabel("失信联合惩戒核查（离线）")
        subtitle.setObjectName("hint")
        layout.addWidget(subtitle, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        layout.addWidget(hint(f"数据目录：{ctx.data_dir}　版本 {__version__}"))
        self.setMinimumWidth(460)
        (self.password if last_user else self.name).setFocus()

    def submit(self) -> None:
        from desktop_app.services import accounts

        name = self.name.text().strip()
        if not name:
            _say(self.error, "请输入用户名。")
            self.name.setFocus()
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.user = accounts.authenticate(self.ctx, name, self.password.text())
        except AppError as error:
            _say(self.error, error.message)
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()


class PasswordDialog(QDialog):
    """A user changes their own password (old one first); an admin resets another user's.

    The rules (length, the old password, who may reset) are the accounts service's; its
    message is shown in red and nothing changes.
    """

    def __init__(
        self, ctx: AppContext, actor: Any, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.name = name
        self.own = actor.name == name
        self.setWindowTitle("修改密码" if self.own else f"重置用户“{name}”的密码")
        self.old = _password_field()
        self.new = _password_field()
        self.repeat = _password_field()
        self.error = _error_label()
        form = QFormLayout(self)
        if self.own:
            form.addRow("原密码(&O)", self.old)
        else:
            form.addRow(hint("重置后该用户用新密码登录；如账户已锁定，同时解除锁定。"))
        form.addRow("新密码(&N)", self.new)
        form.addRow("再次输入新密码", self.repeat)
        form.addRow(self.error)
        buttons = QDialogButtonBox()
        ok = buttons.addButton(
            "修改" if self.own else "重置", QDialogButtonBox.ButtonRole.AcceptRole
        )
        ok.setProperty("primary", True)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(420)
        (self.old if self.own else self.new).setFocus()

    def submit(self) -> None:
        from desktop_app.services import accounts

        if self.new.text() != self.repeat.text():
            _say(self.error, "两次输入的新密码不一致，请重新输入。")
            return
        try:
            accounts.change_password(
                self.ctx, self.actor, self.name, self.new.text(), old_password=self.old.text()
            )
        except AppError as error:
            _say(self.error, error.message)
            return
        self.accept()
