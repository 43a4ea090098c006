"""Administrative actions, each permission-checked and audited, for the window and the CLI.

The window's admin screen and the commands `lists import`, `lists mapping save`, `cert
import|new|export`, `config set|trust` and `backup create|restore` call these functions, so
that neither a widget nor a command decides permissions or writes audit entries itself.
Before the first account exists (IT setting up a machine) they run without a user;
afterwards only an administrator may. A backup with the signing keys' secrets needs the
administrator's password a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import CertificateImportError, UsageError
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit

if TYPE_CHECKING:
    from desktop_app.config import MachineConfig
    from desktop_app.context import AppContext
    from desktop_app.services.lists.report import ImportReport


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
    from desktop_app.services.records import signing

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
            identity = signing.import_pkcs12(
                ctx.data_dir, certificate_file(pkcs12), pkcs12_password
            )
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


def certificate_file(pkcs12: Path) -> Path:
    """The PKCS#12 file to import, refused at once when it does not exist (before anyone is
    asked for its password)."""
    if not Path(pkcs12).is_file():
        raise CertificateImportError(f"找不到证书文件“{pkcs12}”，请检查路径。")
    return Path(pkcs12)


def import_certificate(
    ctx: AppContext, user: User | None, pkcs12: Path, password: str | None
) -> dict[str, Any]:
    """An admin loads the department's certificate from a PKCS#12 file (audited)."""
    from desktop_app.services.records import signing

    accounts.require_once_accounts_exist(ctx, user, "certificates.import")
    facts = signing.import_pkcs12(ctx.data_dir, certificate_file(pkcs12), password).describe()
    _log_certificate(ctx, user, "certificate_import", facts)
    return facts


def new_certificate(
    ctx: AppContext,
    user: User | None,
    jurisdiction: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """An admin replaces the signing key with a new self-signed certificate for a department
    (by default their own); the old certificate stays trusted for older records."""
    from desktop_app.services.records import signing

    accounts.require_once_accounts_exist(ctx, user, "certificates.import")
    jurisdiction = jurisdiction or (user.jurisdiction if user else None)
    department = department or (user.department if user else None)
    if not jurisdiction or not department:
        raise UsageError(
            "没有指定地区和部门，无法生成部门证书：请用 --jurisdiction 和 --department 指定，"
            "或先在用户管理中为您的账户设置部门。"
        )
    facts = signing.generate_department_identity(ctx.data_dir, jurisdiction, department).describe()
    _log_certificate(ctx, user, "certificate_new", facts)
    return facts


def export_certificate(ctx: AppContext, user: User | None, out: Path) -> dict[str, Any]:
    """An admin writes the department's signing certificate (public part) to `out`, for
    verifiers (audited); returns the file and the certificate's facts."""
    from desktop_app.services.records import signing

    accounts.require_once_accounts_exist(ctx, user, "certificates.export")
    _audit_writable(ctx)
    written = signing.export_certificate(ctx.data_dir, out)
    active = signing.active_certificate(ctx.data_dir)
    facts = signing.describe_certificate(active) if active is not None else {}
    details = {
        "file": Path(written).name,
        "subject": facts.get("subject"),
        "fingerprint_sha256": facts.get("fingerprint_sha256"),
    }
    _log_or_remove(ctx, user, "certificate_export", details, Path(written))
    return {**details, "file": str(written)}


def create_backup(
    ctx: AppContext,
    user: User | None,
    out: Path,
    *,
    with_key_secrets: bool = False,
    password_again: str | None = None,
) -> dict[str, Any]:
    """An admin backs the data folder up into one file (audited: `backup_created` with the
    file's name, SHA-256 and the chain head it holds). With the signing keys' secrets the
    admin's password is needed a second time (`password_again`); a wrong one is refused
    like a failed login and no file is written. Returns the manifest with `file` and
    `sha256`."""
    from desktop_app.services.exchange import archive, backup

    accounts.require_once_accounts_exist(ctx, user, "backup")
    if with_key_secrets and user is not None:
        if password_again is None:
            raise UsageError(
                "备份签名密钥口令须再次输入管理员密码：请在第二次提示时输入"
                "（用 --password-stdin 时写在第二行）。"
            )
        accounts.confirm_password(ctx, user, password_again, "创建含签名密钥口令的备份")
    _audit_writable(ctx)
    manifest = backup.create_backup(ctx.data_dir, out, with_key_secrets)
    digest = archive.sha256_file(Path(out))
    details = {
        "file": Path(out).name,
        "sha256": digest,
        "size": Path(out).stat().st_size,
        "files": len(manifest["files"]),
        "with_key_secrets": with_key_secrets,
        "audit_witness": manifest["audit_witness"],
    }
    entry = _log_or_remove(ctx, user, "backup_created", details, Path(out))
    return {
        "file": str(out),
        "sha256": digest,
        "audit_entry": entry.seq if entry else None,
        **manifest,
    }


def restore_backup(
    ctx: AppContext,
    user: User | None,
    path: Path,
    *,
    confirm_rollback: int | None = None,
    chain_at_start: int | None = None,
) -> dict[str, Any]:
    """An admin of the data folder `ctx` replaces it with a backup (see
    `backup.restore_backup`: verified first, a rollback of the audit log only with
    `confirm_rollback`, the restore recorded in the restored chain; `chain_at_start` is
    the log's length before the admin's login). `ctx` is closed first: its files are about
    to be moved aside."""
    from desktop_app.services.exchange import backup

    # A folder whose office.db cannot be read has no account to log in with: restoring is
    # how it is repaired (the damaged folder is kept aside, the restore entry says so).
    if backup.office_problem(ctx.data_dir) is None:
        accounts.require_once_accounts_exist(ctx, user, "backup")
    data_dir, database_url = ctx.data_dir, ctx.database_url
    ctx.close()
    return backup.restore_backup(
        path,
        data_dir,
        restored_by=user.name if user else None,
        confirm_rollback=confirm_rollback,
        chain_at_start=chain_at_start,
        database_url=database_url,
    )


def _office_exists(ctx: AppContext) -> bool:
    return ctx.office_exists()


def _audit_writable(ctx: AppContext) -> None:
    """Refuse (`AuditHeadError`) before writing a file whose audit entry could not be
    written: a broken audit head must be repaired first (`audit repair-head`)."""
    from desktop_app.services.audit.witness import current_witness

    if _office_exists(ctx):
        current_witness(ctx)


def _log_or_remove(
    ctx: AppContext, user: User | None, action: str, details: dict[str, Any], written: Path
) -> Any:
    """Audit a file just written (when the folder has an audit log); if the entry cannot be
    written, the file is removed again: nothing leaves unaudited."""
    if not _office_exists(ctx):
        return None
    try:
        return audit.log_event(ctx, user, action, details=details)
    except BaseException:
        written.unlink(missing_ok=True)
        raise


def import_list_file(
    ctx: AppContext,
    user: User | None,
    path: Path,
    category: str,
    *,
    list_name: str | None = None,
    mapping: str | None = None,
    mode: str = "full",
    dry_run: bool = False,
    confirm_revocations: int | None = None,
    keep_rejected_rows: bool = False,
    file_name: str | None = None,
    audit_details: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    rescreen: bool = True,
) -> ImportReport:
    """Import (or with `dry_run` preview) a list file, admins only once accounts exist.

    Audited: a committed import through its intent (see `audit.list_imports`), with the
    confirmation of revocations when one was given; a preview, an unchanged file and a
    refused import (`ImportRefusedError`, raised again) with an entry of their own.
    `audit_details` are added to the entry (an update package says which it was).
    A committed import is followed by the re-check of stored checks (`report.rescreen`),
    unless `rescreen` is False (the window runs it on a worker of its own).
    """
    from desktop_app.errors import ImportRefusedError
    from desktop_app.services.audit import list_imports
    from desktop_app.services.lists.session import import_list

    accounts.require_once_accounts_exist(ctx, user, "lists.import")
    extra = dict(audit_details or {})
    try:
        report = import_list(
            ctx.lists,
            path,
            category,
            list_name=list_name,
            mapping=mapping,
            progress=progress,
            cancel=cancel,
            catalog=ctx.catalog,
            mode=mode,
            dry_run=dry_run,
            confirm_revocations=confirm_revocations,
            keep_rejected_rows=keep_rejected_rows,
            file_name=file_name,
            audit_user=user.name if user else None,
            audit_details=extra,
        )
    except ImportRefusedError as refused:
        details = {**refused.report.audit_details(), "reason": refused.details["reason"]}
        audit.log_event(ctx, user, "list_import_refused", details={**details, **extra})
        raise
    if report.intent_id is not None:
        list_imports.carry_pending_imports(ctx)
        if rescreen:
            from desktop_app.services.screening.rescreen import after_import

            report.rescreen = after_import(ctx, user)
    else:
        action = "list_preview" if dry_run else "list_import"
        audit.log_event(ctx, user, action, details={**report.audit_details(), **extra})
    return report


def write_rejections_xlsx(report: ImportReport, path: Path) -> Path:
    """Every refused row of an import (made with `keep_rejected_rows`) as an .xlsx."""
    from desktop_app.services.lists.rejections_xlsx import write_rejections_xlsx as write

    return write(report, path)


def save_list_mapping(
    ctx: AppContext, user: User | None, name: str, columns: dict[str, str]
) -> dict[str, str]:
    """An admin saves (or replaces) a named column mapping for list files in another layout
    (audited); returns the validated mapping (standard field → file column)."""
    from desktop_app.services.lists.header import validate_mapping

    columns = validate_mapping(columns, ctx.catalog)
    accounts.require_once_accounts_exist(ctx, user, "lists.import")
    ctx.lists.save_mapping(name, columns)
    audit.log_event(ctx, user, "setting_change", details={"list_mapping": name, "columns": columns})
    return columns


def save_machine_settings(ctx: AppContext, user: User | None, **changes: Any) -> Path:
    """An admin changes keys of the machine configuration (audited); returns the file."""
    return _save_config(
        ctx,
        user,
        replace(ctx.config, **changes),
        {key: str(value) for key, value in changes.items()},
    )


def trust_publisher(ctx: AppContext, user: User | None, name: str, public_key: str) -> Path:
    """An admin adds the credit office's Ed25519 public key to the trusted publishers of
    update packages (audited); returns the configuration file."""
    from desktop_app.config import with_trusted_publisher

    config = with_trusted_publisher(ctx.config, name.strip(), public_key)
    return _save_config(ctx, user, config, {"trusted_publisher": name, "public_key": public_key})


def _save_config(
    ctx: AppContext, user: User | None, config: MachineConfig, change: dict[str, str]
) -> Path:
    from desktop_app.config import machine_config_path, save_machine_config

    accounts.require_once_accounts_exist(ctx, user, "settings.change")
    path = save_machine_config(config, ctx.config.source or machine_config_path())
    # Read again on next use: a second change in this session must build on this one.
    ctx.forget("config")
    audit.log_event(ctx, user, "setting_change", details={"file": str(path), **change})
    return path


def _read_certificate(path: Path) -> Any:
    """One X.509 certificate from a PEM or DER file, or `CertificateImportError`."""
    from cryptography import x509

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CertificateImportError(
            f"无法读取证书文件“{path}”：{error.strerror or error}。请检查路径。"
        ) from error
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise CertificateImportError(
            f"“{path}”不是证书文件（应为 .cer/.pem/.der 格式的 X.509 证书）。"
        ) from error


def _pem(certificate: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def trust_office(
    ctx: AppContext, user: User | None, certificate_file: Path, name: str | None = None
) -> dict[str, Any]:
    """An admin configures the credit office certificate that this department's feedback
    packages are encrypted to (audited); returns the file and the certificate's facts."""
    from desktop_app.config import with_trusted_office
    from desktop_app.services.exchange.feedback_package import check_recipient_certificate
    from desktop_app.services.records import signing

    accounts.require_once_accounts_exist(ctx, user, "settings.change")
    certificate = _read_certificate(certificate_file)
    check_recipient_certificate(certificate)
    facts = signing.describe_certificate(certificate)
    name = (name or facts["organization"] or facts["common_name"] or "信用办").strip()
    path = _save_config(
        ctx,
        user,
        with_trusted_office(ctx.config, name, _pem(certificate)),
        {"trusted_office": name, "fingerprint_sha256": facts["fingerprint_sha256"]},
    )
    return {"file": str(path), "name": name, "certificate": facts}


def trust_department(
    ctx: AppContext,
    user: User | None,
    certificate_file: Path,
    *,
    jurisdiction: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """An admin of a credit office accepts feedback packages signed with a department's
    certificate (audited). The department is the certificate's (CN, in the jurisdiction of
    its O or of this PC) unless named; returns the file, the department and the facts."""
    from cryptography import x509

    from desktop_app.config import with_trusted_department
    from desktop_app.errors import UnknownNameError
    from desktop_app.services.records import signing

    accounts.require_once_accounts_exist(ctx, user, "settings.change")
    certificate = _read_certificate(certificate_file)
    facts = signing.describe_certificate(certificate)
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise CertificateImportError(
            "该证书的密钥用途不包括数字签名，不是部门的签名证书（部门用 cert export 导出）。"
        )
    place = jurisdiction or ctx.config.jurisdiction or (user.jurisdiction if user else None)
    place = place or facts["organization"]
    if not place:
        raise UsageError("请用 --jurisdiction 指明该部门所属的地区。")
    place = ctx.catalog.resolve_jurisdiction(place)
    named = department or facts["common_name"]
    try:
        if not named:
            raise UnknownNameError("部门", "", [])
        resolved = ctx.catalog.resolve_department(place, named)
    except UnknownNameError as error:
        raise UsageError(
            f"无法从证书（{facts['subject']}）确定部门：{error.message}"
            "请用 --department 指明该证书属于哪个部门。"
        ) from error
    path = _save_config(
        ctx,
        user,
        with_trusted_department(ctx.config, place, resolved, _pem(certificate)),
        {
            "trusted_department": resolved,
            "jurisdiction": place,
            "fingerprint_sha256": facts["fingerprint_sha256"],
        },
    )
    return {"file": str(path), "jurisdiction": place, "department": resolved, "certificate": facts}


def new_office_key(ctx: AppContext, user: User | None, name: str | None = None) -> dict[str, Any]:
    """An admin of a credit office creates the RSA key and certificate that departments
    encrypt their feedback packages to (audited); earlier keys stay to open older packages."""
    from desktop_app.services.exchange import office_key

    accounts.require_once_accounts_exist(ctx, user, "certificates.import")
    label = name or ctx.config.jurisdiction or (user.jurisdiction if user else None)
    if not label:
        raise UsageError("请用 --name 给出信用办的名称，例如“柳州市信用办”。")
    if not name:
        label = f"{label}信用办"
    facts = office_key.generate(ctx.data_dir, label).describe()
    _log_office_key(ctx, user, "office_key_new", facts)
    return facts


def import_office_key(
    ctx: AppContext, user: User | None, pkcs12: Path, password: str | None
) -> dict[str, Any]:
    """An admin of a credit office loads an RSA encryption key and certificate from a
    PKCS#12 file (audited)."""
    from desktop_app.services.exchange import office_key

    accounts.require_once_accounts_exist(ctx, user, "certificates.import")
    facts = office_key.import_pkcs12(ctx.data_dir, certificate_file(pkcs12), password).describe()
    _log_office_key(ctx, user, "office_key_import", facts)
    return facts


def _log_office_key(ctx: AppContext, user: User | None, action: str, facts: dict) -> None:
    audit.log_event(
        ctx,
        user,
        action,
        details={
            "subject": facts["subject"],
            "fingerprint_sha256": facts["fingerprint_sha256"],
            "not_after": facts["not_after"],
            "key_id": facts["key_id"],
        },
    )
