"""Backup and restore of the whole data folder as one file, restorable on another PC.

A backup is a zip holding `backup-manifest.json` (format, time, program version, every file
with its size and SHA-256) and the data folder's files under `data/`. Databases are copied
with SQLite's online backup API (`db.backup_to`), so a backup made while a clerk is working is
consistent. Optionally (`with_key_secrets`) the passphrase files of the signing keys
(`signing.secret_dir()`, outside the data folder) are included under `secrets/`, so that the
department can sign again on the new PC; such a backup must then be kept as safely as the key.

The manifest also carries `audit_witness`: where the audit chain stood in the copy (see
`services.audit.witness`), so that a backup kept on a USB stick is a witness too
(`audit verify --witness FILE.xyhcbak`).

A restore never replaces anything it has not verified: it refuses while another program uses
the folder (the instance lock), extracts into a temporary folder beside the data folder, checks
every checksum, every database's integrity and the audit chain, and only then swaps the folders
by renaming; the replaced folder is kept as `<name>.replaced-YYYYMMDD-HHMMSS`. A restore that
would take audit entries or check records away from the folder (an older backup, another
PC's) is refused until the administrator confirms the exact number of entries
(`services.exchange.rollback`). The restored chain then gets one more entry,
`backup_restored`, naming the backup (file, SHA-256, its chain head) and the head it replaced.

Who may back up or restore, and the audit entry of a backup, are `services.admin`'s.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from desktop_app import APP_ID, __version__
from desktop_app.errors import AppError, BackupError
from desktop_app.models import db
from desktop_app.services.audit.witness import Witness, witness_of_database
from desktop_app.services.exchange import archive, rollback
from desktop_app.services.instance_lock import InstanceLock, lock_path

FORMAT = f"{APP_ID}-backup"
FORMAT_VERSION = 1
MANIFEST = "backup-manifest.json"
DATA_PREFIX = "data/"
SECRETS_PREFIX = "secrets/"
# Companions of a live SQLite database (the copy is self-contained) and our own scratch files.
_SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp")
_SKIPPED_PREFIXES = (".package-", ".backup-")


def create_backup(data_dir: Path, out: Path, with_key_secrets: bool = False) -> dict[str, Any]:
    """Write a backup of `data_dir` to `out` (atomically); returns its manifest."""
    data_dir = Path(data_dir).absolute()
    out = Path(out).absolute()
    if not data_dir.is_dir():
        raise BackupError(f"数据目录 {data_dir} 不存在，没有可备份的内容。")
    if out.is_relative_to(data_dir):
        raise BackupError("备份文件不能放在数据目录里面，请另选位置（例如 U 盘）。")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=out.parent))
    temporary = out.with_name(out.name + ".tmp")
    try:
        members = _collect(data_dir, staging)
        if with_key_secrets:
            members += _collect_secrets(data_dir)
        files = [
            {"name": name, "size": source.stat().st_size, "sha256": archive.sha256_file(source)}
            for name, source in members
        ]
        staged_office = staging / "office.db"
        witness = witness_of_database(staged_office) if staged_office.is_file() else None
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "program_version": __version__,
            "host": socket.gethostname(),
            "data_dir": str(data_dir),
            "with_key_secrets": with_key_secrets,
            "audit_witness": witness.to_dict() if witness else None,
            "files": files,
        }
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as backup:
            backup.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            for name, source in members:
                backup.write(source, name)
        os.replace(temporary, out)
    except OSError as error:
        raise BackupError(f"无法写入备份文件 {out}：{error.strerror}。请检查磁盘空间。") from error
    finally:
        temporary.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _collect(data_dir: Path, staging: Path) -> list[tuple[str, Path]]:
    members = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if not path.is_file() or path.is_symlink() or _skipped(relative):
            continue
        name = DATA_PREFIX + relative.as_posix()
        if db.is_sqlite_file(path):
            copy = staging / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            db.backup_to(path, copy)
            members.append((name, copy))
        else:
            members.append((name, path))
    return members


def _skipped(relative: Path) -> bool:
    return relative.name.endswith(_SKIPPED_SUFFIXES) or any(
        part.startswith(_SKIPPED_PREFIXES) for part in relative.parts
    )


def _collect_secrets(data_dir: Path) -> list[tuple[str, Path]]:
    from desktop_app.services.records import signing

    keys = signing.keys_dir(data_dir)
    members = []
    for key_folder in sorted(keys.iterdir()) if keys.is_dir() else []:
        secret = signing.secret_dir() / f"{key_folder.name}.secret"
        if key_folder.is_dir() and (key_folder / "key.pem").is_file() and secret.is_file():
            members.append((SECRETS_PREFIX + secret.name, secret))
    return members


def read_manifest(path: Path) -> dict[str, Any]:
    """The verified manifest of a backup file (structure only; checksums are read on restore)."""
    with archive.open_checked(Path(path), "备份文件", BackupError) as backup:
        return _manifest(backup, Path(path))


def _manifest(backup: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(backup.read(MANIFEST))
    except KeyError as error:
        raise BackupError(f"{path.name} 不是信用核查台的备份文件（缺少清单）。") from error
    except (ValueError, zipfile.BadZipFile) as error:
        raise BackupError(f"备份文件 {path.name} 的清单已损坏，无法恢复。") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path.name} 不是信用核查台的备份文件。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError("此备份文件的格式版本本程序不支持，请升级信用核查台后再恢复。")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("name"), str)
        and isinstance(f.get("sha256"), str)
        and isinstance(f.get("size"), int)
        and f["name"].startswith((DATA_PREFIX, SECRETS_PREFIX))
        for f in files
    ):
        raise BackupError(f"备份文件 {path.name} 的清单不完整，无法恢复。")
    if {f["name"] for f in files} | {MANIFEST} != set(backup.namelist()):
        raise BackupError(f"备份文件 {path.name} 的内容与清单不一致（有多出或缺少的文件）。")
    for entry in files:
        name = PurePosixPath(entry["name"])
        if entry["name"].startswith(SECRETS_PREFIX) and name.parent != PurePosixPath("secrets"):
            raise BackupError(f"备份文件 {path.name} 中的“{entry['name']}”位置不对。")
    return manifest


def restore_backup(
    path: Path,
    data_dir: Path,
    *,
    restored_by: str | None = None,
    confirm_rollback: int | None = None,
    chain_at_start: int | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Verify the backup at `path`, then make it `data_dir`; returns what was done.

    Refuses (raising, with nothing replaced) when another program holds the folder, when any
    checksum or database integrity check fails, when the audit chain does not verify, and
    (`RestoreRollbackError`) when the restore would take audit entries or check records away
    from `data_dir` unless `confirm_rollback` is exactly the number of audit entries it
    reports. `chain_at_start` is the length of the folder's audit log when the restoring
    command began, before its own login: the entries after it are the command's own and are
    left out of the number to confirm (see `rollback.require_confirmation`). The restored
    chain records the restore (`backup_restored`, by `restored_by`). The caller closes its
    own connections to `data_dir` first.

    With the office data on a database server (`database_url`), a restore replaces this PC's
    lists, keys and settings only: an office.db in the backup is an old file of the folder,
    not the office's log, so nothing is compared with it, and the restore is recorded in the
    server's chain.
    """
    path = Path(path).absolute()
    data_dir = Path(data_dir).absolute()
    parent = data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with InstanceLock(data_dir), archive.open_checked(path, "备份文件", BackupError) as backup:
        manifest = _manifest(backup, path)
        files = manifest["files"]
        archive.check_free_space(parent, sum(f["size"] for f in files), "恢复备份", BackupError)
        staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore-", dir=parent))
        try:
            secrets = _extract_verified(backup, files, staging)
            restored = staging / "data"
            restored.mkdir(exist_ok=True)
            audit = _verify_restored(restored)
            if database_url is None:
                change = _compare_with_current(data_dir, restored, manifest, path.name)
            else:
                change = rollback.Rollback(None, None, 0, 0, 0)
            own = 0 if chain_at_start is None else max(0, change.current_entries - chain_at_start)
            rollback.require_confirmation(change, confirm_rollback, path.name, own)
            entry = _record_restore(
                restored, path, manifest, change, restored_by, confirm_rollback, database_url
            )
            replaced = _swap(restored, data_dir, parent / f"{data_dir.name}.replaced-{stamp}")
            installed_secrets = _install_secrets(staging / "secrets", secrets)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return {
        "restored": str(data_dir),
        "from": str(path),
        "backup_created_at": manifest.get("created_at"),
        "backup_host": manifest.get("host"),
        "files": len(files),
        "audit": audit,
        "rollback": {**change.to_dict(), "confirmed": confirm_rollback, "own_entries": own},
        "restore_entry": entry,
        "replaced_kept_at": str(replaced) if replaced else None,
        "key_secrets_installed": installed_secrets,
        "lock_file": str(lock_path(data_dir)),
    }


def office_problem(data_dir: Path) -> str | None:
    """Why the office database of `data_dir` cannot be read (damaged, not a database), or
    None (also when there is none). Such a folder has no account anyone can log in with and
    no audit log to compare: a restore replaces it without either, and keeps it aside."""
    path = Path(data_dir) / "office.db"
    if not path.exists():
        return None
    if not db.is_sqlite_file(path):
        return "office.db 不是有效的数据库文件"
    problem = db.integrity_problem(path)
    return f"office.db 已损坏（{problem}）" if problem else None


def _compare_with_current(
    data_dir: Path, restored: Path, manifest: dict[str, Any], file_name: str
) -> rollback.Rollback:
    """The restore's effect on the audit trail; the manifest's witness must be the chain
    the backup holds (a manifest edited to pass for another backup is refused)."""
    from desktop_app.context import AppContext

    damaged = office_problem(data_dir)
    # A damaged office.db is compared as no log at all (the restore entry says so).
    # The folder's own office.db files, whatever office database this PC is configured to use.
    current = None if damaged else AppContext(data_dir, read_only=True, database_url=None)
    unpacked = AppContext(restored, read_only=True, database_url=None)
    try:
        change = rollback.compare(current, unpacked, current_problem=damaged)
    finally:
        if current is not None:
            current.close()
        unpacked.close()
    stated = manifest.get("audit_witness")
    if stated is not None:
        try:
            claimed = Witness.from_dict(stated) if isinstance(stated, dict) else None
        except AppError:
            claimed = None
        if claimed is None or claimed != change.backup_head:
            raise BackupError(
                f"备份文件 {file_name} 清单中的审计见证与备份中的审计日志不符"
                "（清单被改动过，或备份被拼凑），未恢复，原数据未做任何更改。"
            )
    return change


def _record_restore(
    restored: Path,
    path: Path,
    manifest: dict[str, Any],
    change: rollback.Rollback,
    restored_by: str | None,
    confirmed: int | None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Append `backup_restored` to the restored chain (before it replaces anything), or to
    the chain on the database server when the office data are there."""
    from desktop_app.context import AppContext
    from desktop_app.services import audit

    ctx = AppContext(data_dir=restored, database_url=database_url)
    try:
        entry = audit.log_event(
            ctx,
            restored_by,
            "backup_restored",
            details={
                "from": path.name,
                "sha256": archive.sha256_file(path),
                "size": path.stat().st_size,
                "backup_created_at": manifest.get("created_at"),
                "backup_host": manifest.get("host"),
                "backup_head": change.backup_head.to_dict() if change.backup_head else None,
                "replaced_head": change.current_head.to_dict() if change.current_head else None,
                "rollback_kind": change.kind,
                "rolled_back_entries": change.lost_entries,
                "records_before": change.current_records,
                "records_after": change.backup_records,
                "confirmed_rollback": confirmed,
                "replaced_problem": change.current_problem,
            },
        )
    finally:
        ctx.close()
    return {"seq": entry.seq, "entry_hash": entry.entry_hash, "details": entry.details}


def _extract_verified(
    backup: zipfile.ZipFile, files: list[dict[str, Any]], staging: Path
) -> list[str]:
    secrets = []
    for entry in files:
        digest = archive.extract_member(backup, entry["name"], staging / entry["name"], BackupError)
        if digest != entry["sha256"]:
            raise BackupError(
                f"备份文件中的“{entry['name']}”校验值不符（文件已损坏或被改动），"
                "未恢复，原数据未做任何更改。"
            )
        if entry["name"].startswith(SECRETS_PREFIX):
            secrets.append(PurePosixPath(entry["name"]).name)
    return secrets


def _verify_restored(restored: Path) -> dict[str, Any] | None:
    for database in restored.rglob("*"):
        if database.is_file() and db.is_sqlite_file(database):
            problem = db.integrity_problem(database)
            if problem:
                raise BackupError(
                    f"备份中的数据库 {database.name} 已损坏（{problem}），"
                    "未恢复，原数据未做任何更改。"
                )
    from desktop_app.models.office_db import MOVED_MARKER

    if not (restored / "office.db").is_file() or (restored / MOVED_MARKER).exists():
        return None  # none, or an archive whose data live on a database server now
    from desktop_app.context import AppContext
    from desktop_app.services import audit

    # The backup's own office.db, whatever database this PC is configured to use.
    ctx = AppContext(data_dir=restored, database_url=None)
    try:
        result = audit.verify_chain(ctx)
    finally:
        ctx.close()
    if not result["ok"]:
        raise BackupError(
            f"备份中的审计日志未通过校验：{result['first_problem']} "
            "该备份可能被改动过，未恢复，原数据未做任何更改。",
            problems=result["problems"],
        )
    return {"ok": True, "entries": result["entries"], "records": result["records"]}


def _swap(restored: Path, data_dir: Path, keep_as: Path) -> Path | None:
    """Put `restored` in place of `data_dir`, keeping the old folder as `keep_as`."""
    if not data_dir.exists():
        os.rename(restored, data_dir)
        return None
    try:
        os.rename(data_dir, keep_as)
    except OSError as error:
        raise BackupError(
            f"无法移开现有数据目录 {data_dir}（{error.strerror}）：可能有文件仍被打开。"
            "请关闭所有信用核查台窗口和打开该目录的程序后重试，原数据未做任何更改。"
        ) from error
    try:
        os.rename(restored, data_dir)
    except OSError as error:
        os.rename(keep_as, data_dir)
        raise BackupError(
            f"无法把恢复的数据放到 {data_dir}（{error.strerror}），原数据已放回，未做任何更改。"
        ) from error
    return keep_as


def _install_secrets(folder: Path, names: list[str]) -> list[str]:
    """Copy key passphrase files from the backup where signing looks for them (never overwrite)."""
    if not names:
        return []
    from desktop_app.services.records import signing

    target = signing.secret_dir()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    installed = []
    for name in names:
        destination = target / name
        if destination.exists():
            continue
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write((folder / name).read_bytes())
        installed.append(name)
    return installed
