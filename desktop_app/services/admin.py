"""Administrative actions as the window performs them: each permission-checked and audited.

The CLI commands do the same steps inline (`cli/lists.py`, `cli/cert.py`, `cli/config.py`);
these functions put the steps in one place so that a widget calls one function and never
decides permissions or writes audit entries itself.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import UsageError
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.services.list_import import ImportReport


def first_start(
    ctx: AppContext,
    *,
    jurisdiction: str,
    department: str,
    admin_name: str,
    password: str,
    display_name: str | None = None,
    pkcs12: Path | None = None,
    pkcs12_password: str | None = None,
) -> tuple[User, dict[str, Any]]:
    """Set up a new data folder: the administrator and the department's signing certificate.

    With `pkcs12` the department's certificate is imported from that file, otherwise a
    self-signed one is created (or the folder's existing one kept). One transaction: if the
    certificate is refused, no administrator is created either. Returns the admin and the
    certificate's facts.
    """
    from desktop_app.services import signing

    with ctx.office.transaction():
        admin = accounts.init_admin(
            ctx,
            admin_name,
            password,
            display_name=display_name,
            jurisdiction=jurisdiction,
            department=department,
        )
        assert admin.jurisdiction is not None and admin.department is not None
        if pkcs12 is not None:
            if not Path(pkcs12).is_file():
                raise UsageError(f"找不到证书文件“{pkcs12}”，请检查路径。")
            identity = signing.import_pkcs12(ctx.data_dir, Path(pkcs12), pkcs12_password)
            action = "certificate_import"
        else:
            identity = signing.ensure_department_identity(
                ctx.data_dir, admin.jurisdiction, admin.department
            )
            action = "certificate_new"
        facts = identity.describe()
        _log_certificate(ctx, admin, action, facts)
    return admin, facts


def _log_certificate(ctx: AppContext, user: User | None, action: str, facts: dict) -> None:
    audit.log_event(
        ctx,
        user,
        action,
        details={
            "subject": facts["subject"],
            "fingerprint_sha256": facts["fingerprint_sha256"],
            "not_after": facts["not_after"],
            "source": facts["source"],
        },
    )


def import_certificate(
    ctx: AppContext, user: User, pkcs12: Path, password: str | None
) -> dict[str, Any]:
    """An admin loads the department's certificate from a PKCS#12 file (audited)."""
    from desktop_app.services import signing

    accounts.require(user, "certificates.import")
    if not Path(pkcs12).is_file():
        raise UsageError(f"找不到证书文件“{pkcs12}”，请检查路径。")
    facts = signing.import_pkcs12(ctx.data_dir, Path(pkcs12), password).describe()
    _log_certificate(ctx, user, "certificate_import", facts)
    return facts


def new_certificate(ctx: AppContext, user: User) -> dict[str, Any]:
    """An admin replaces the signing key with a new self-signed certificate for their
    department (the old certificate stays trusted for older records)."""
    from desktop_app.services import signing

    accounts.require(user, "certificates.import")
    if not user.jurisdiction or not user.department:
        raise UsageError("您的账户没有指定地区和部门，无法生成部门证书。请先在用户管理中设置。")
    facts = signing.generate_department_identity(
        ctx.data_dir, user.jurisdiction, user.department
    ).describe()
    _log_certificate(ctx, user, "certificate_new", facts)
    return facts


def import_list_file(
    ctx: AppContext,
    user: User | None,
    path: Path,
    category: str,
    *,
    list_name: str | None = None,
    mapping: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import a list file (admins only, once accounts exist) and audit the import."""
    from desktop_app.services.list_import import import_list

    if accounts.accounts_exist(ctx):
        accounts.require(user, "lists.import")
    report = import_list(
        ctx.lists,
        path,
        category,
        list_name=list_name,
        mapping=mapping,
        progress=progress,
        cancel=cancel,
        catalog=ctx.catalog,
    )
    audit.log_event(ctx, user, "list_import", details=report.audit_details())
    return report


def write_rejections(report: ImportReport, path: Path) -> Path:
    """The rejected rows of an import as CSV (UTF-8 with BOM, so Excel shows the Chinese).

    Text that a spreadsheet would run as a formula gets a leading apostrophe.
    """
    from desktop_app.services.list_import import FORMULA_PREFIXES

    def cell(value: object) -> str:
        text = str(value)
        return "'" + text if text.startswith(FORMULA_PREFIXES) else text

    path = Path(path)
    temporary = path.with_name(path.name + ".part")
    try:
        with open(temporary, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["文件", "名单", "行号", "原因"])
            for rejection in report.rejections:
                writer.writerow(
                    [cell(report.file), cell(report.list), rejection.row, cell(rejection.reason)]
                )
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UsageError(
            f"无法写入“{path}”：{error.strerror or error}。请检查磁盘空间和写入权限。"
        ) from error
    return path


def save_machine_settings(ctx: AppContext, user: User, **changes: Any) -> Path:
    """An admin changes keys of the machine configuration (audited); returns the file."""
    from desktop_app.config import machine_config_path, save_machine_config

    accounts.require(user, "settings.change")
    config = replace(ctx.config, **changes)
    path = save_machine_config(config, ctx.config.source or machine_config_path())
    audit.log_event(
        ctx,
        user,
        "setting_change",
        details={"file": str(path), **{key: str(value) for key, value in changes.items()}},
    )
    return path


def reject_possible_match(
    ctx: AppContext, user: User, record_number: str, hit_id: Any, name: str
) -> None:
    """The clerk states that a possible match is not the subject checked (audited; the record
    itself keeps the candidate among its possible matches)."""
    record = ctx.office.records.get(record_number)
    if record is None:
        raise UsageError(f"未找到核查记录 {record_number}。")
    accounts.require_record_access(user, record)
    if not any(str(p["hit_id"]) == str(hit_id) for p in record["possible"]):
        raise UsageError(f"核查记录 {record_number} 的疑似匹配中没有编号 {hit_id}。")
    audit.log_event(
        ctx,
        user,
        "possible_rejected",
        record_number=record_number,
        details={"hit_id": hit_id, "name": name, "version": record["version"]},
    )
