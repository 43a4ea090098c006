"""Backup of the data folder and its restore: what survives, and what a restore refuses."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from desktop_app.context import AppContext
from desktop_app.errors import BackupError, InstanceLockedError, RestoreRollbackError
from desktop_app.models import db
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit
from desktop_app.services.exchange import backup
from desktop_app.services.instance_lock import InstanceLock
from desktop_app.services.records import signing

# Cheap scrypt: these tests are about files surviving, not about password cost.
FAST = accounts.ScryptParams(n=2**10)


@pytest.fixture(autouse=True)
def _secrets(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XYHC_SECRET_DIR", str(tmp_path / "secrets-pc1"))


def fill(data_dir: Path) -> dict:
    """A data folder as a department would have it: users, audit, keys, lists, settings."""
    ctx = AppContext(data_dir=data_dir)
    admin = User("admin", "管理员", "admin", None, None, created_at="t", updated_at="t")
    ctx.office.users.add(admin, accounts.hash_password("正确的密码123", FAST))
    clerk = User(
        "zhang", "张三", "clerk", "柳州市", "市市场监督管理局", created_at="t", updated_at="t"
    )
    ctx.office.users.add(clerk, accounts.hash_password("另一个密码456", FAST))
    for action in ("admin_created", "login", "list_import", "login"):
        audit.log_event(ctx, admin, action, details={"note": action})
    ctx.close()
    identity = signing.ensure_department_identity(data_dir, "柳州市", "市市场监督管理局")
    lists = db.connect(data_dir / "lists.db")
    db.migrate(lists, "demo_lists", ["CREATE TABLE listing (id INTEGER PRIMARY KEY, name TEXT)"])
    with lists:
        lists.executemany("INSERT INTO listing (name) VALUES (?)", [("甲公司",), ("乙",)])
    lists.close()
    (data_dir / "settings.toml").write_text("font_scale = 1.5\n", encoding="utf-8")
    return {"fingerprint": identity.fingerprint}


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its hash (WAL companions left out: SQLite's business)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_backup_then_restore_on_a_fresh_folder(tmp_path, monkeypatch) -> None:
    source = tmp_path / "pc1" / "data"
    facts = fill(source)
    out = tmp_path / "usb" / "backup.xyhcbak"
    manifest = backup.create_backup(source, out, with_key_secrets=True)
    names = {f["name"] for f in manifest["files"]}
    assert {"data/office.db", "data/lists.db", "data/settings.toml"} <= names
    assert any(n.startswith("data/keys/") and n.endswith("key.pem") for n in names)
    assert any(n.startswith("secrets/") for n in names)
    assert not any(n.endswith(("-wal", "-shm")) for n in names)

    # "Another PC": a different data folder and a different secret folder.
    monkeypatch.setenv("XYHC_SECRET_DIR", str(tmp_path / "secrets-pc2"))
    target = tmp_path / "pc2" / "数据"
    result = backup.restore_backup(out, target)
    assert result["replaced_kept_at"] is None
    assert result["audit"]["ok"] is True and result["audit"]["entries"] == 4
    assert len(result["key_secrets_installed"]) == 1

    ctx = AppContext(data_dir=target)
    try:
        assert {u.name for u in ctx.office.users.all()} == {"admin", "zhang"}
        assert accounts.check_password("另一个密码456", ctx.office.users.password_hash("zhang"))
        assert audit.verify_chain(ctx)["ok"] is True
        logged = audit.entries(ctx)
        assert [e["action"] for e in logged] == [
            "admin_created",
            "login",
            "list_import",
            "login",
            "backup_restored",  # the restore, recorded in the restored chain
        ]
        restore = logged[-1]["details"]
        assert restore["from"] == "backup.xyhcbak"
        assert restore["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        assert restore["backup_head"] == manifest["audit_witness"]
        assert restore["backup_head"]["seq"] == 4
        assert restore["replaced_head"] is None  # a new PC: no chain was replaced
        assert (restore["rollback_kind"], restore["rolled_back_entries"]) == ("none", 0)
    finally:
        ctx.close()
    lists = sqlite3.connect(target / "lists.db")
    assert [r[0] for r in lists.execute("SELECT name FROM listing ORDER BY id")] == ["甲公司", "乙"]
    lists.close()
    assert (target / "settings.toml").read_text(encoding="utf-8") == "font_scale = 1.5\n"
    restored = signing.ensure_department_identity(target, "柳州市", "市市场监督管理局")
    assert restored.fingerprint == facts["fingerprint"]  # same key, unlocked on the new PC
    assert not [p for p in target.parent.iterdir() if ".restore-" in p.name]


def test_restore_over_existing_data_keeps_a_dated_copy(tmp_path) -> None:
    source = tmp_path / "a"
    fill(source)
    out = tmp_path / "b.xyhcbak"
    backup.create_backup(source, out)
    target = tmp_path / "current"
    target.mkdir()
    (target / "only-here.txt").write_text("旧数据", encoding="utf-8")
    result = backup.restore_backup(out, target)
    kept = Path(result["replaced_kept_at"])
    assert kept.name.startswith("current.replaced-")
    assert (kept / "only-here.txt").read_text(encoding="utf-8") == "旧数据"
    assert not (target / "only-here.txt").exists()
    assert (target / "office.db").is_file()


def test_backup_sees_committed_data_of_a_live_connection(tmp_path) -> None:
    source = tmp_path / "live"
    source.mkdir()
    conn = db.connect(source / "lists.db")
    db.migrate(conn, "demo", ["CREATE TABLE t (x INTEGER)"])
    with conn:
        conn.execute("INSERT INTO t VALUES (1)")
    assert (source / "lists.db-wal").stat().st_size > 0  # the row is still only in the WAL
    out = tmp_path / "live.xyhcbak"
    backup.create_backup(source, out)
    conn.close()
    target = tmp_path / "restored"
    backup.restore_backup(out, target)
    copy = sqlite3.connect(target / "lists.db")
    assert copy.execute("SELECT x FROM t").fetchall() == [(1,)]
    copy.close()


def refused_restore(out: Path, target: Path, match: str) -> None:
    before = snapshot(target)
    with pytest.raises(BackupError, match=match):
        backup.restore_backup(out, target)
    assert snapshot(target) == before
    leftovers = [p.name for p in target.parent.iterdir() if ".restore-" in p.name]
    assert leftovers == []
    assert not [p for p in target.parent.iterdir() if ".replaced-" in p.name]


def test_restore_refuses_a_broken_audit_chain_and_changes_nothing(tmp_path) -> None:
    source = tmp_path / "src"
    fill(source)
    tampered = sqlite3.connect(source / "office.db")
    with tampered:
        tampered.execute("UPDATE audit_log SET user_name = 'zhang' WHERE seq = 3")
    tampered.close()
    out = tmp_path / "tampered.xyhcbak"
    backup.create_backup(source, out)
    target = tmp_path / "target"
    fill(target)
    refused_restore(out, target, "审计日志未通过校验.*第 3 条")


def test_restore_refuses_a_checksum_mismatch_and_changes_nothing(tmp_path) -> None:
    source = tmp_path / "src"
    fill(source)
    good = tmp_path / "good.xyhcbak"
    backup.create_backup(source, good)
    bad = tmp_path / "bad.xyhcbak"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "data/settings.toml":
                data = data.replace(b"1.5", b"2.5")
            new.writestr(info.filename, data)
    good.unlink()
    target = tmp_path / "target"
    fill(target)
    refused_restore(bad, target, "settings.toml.*校验值不符")


def test_restore_refuses_while_another_program_holds_the_folder(tmp_path) -> None:
    source = tmp_path / "src"
    fill(source)
    out = tmp_path / "x.xyhcbak"
    backup.create_backup(source, out)
    target = tmp_path / "target"
    fill(target)
    before = snapshot(target)
    with InstanceLock(target), pytest.raises(InstanceLockedError, match="正在使用数据目录"):
        backup.restore_backup(out, target)
    assert snapshot(target) == before
    # Free again once the other program has gone (the two folders' chains differ: the
    # target's 4 entries are confirmed away).
    backup.restore_backup(out, target, confirm_rollback=4)


def test_restore_refuses_files_that_are_not_backups(tmp_path) -> None:
    target = tmp_path / "target"
    fill(target)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "x")
    refused_restore(other, target, "不是信用核查台的备份文件")


def test_backup_refuses_to_write_inside_the_data_folder(tmp_path) -> None:
    source = tmp_path / "src"
    fill(source)
    with pytest.raises(BackupError, match="不能放在数据目录里面"):
        backup.create_backup(source, source / "backup.xyhcbak")
    assert not (source / "backup.xyhcbak").exists()


def test_instance_lock_is_held_across_processes_and_freed_when_the_holder_dies(tmp_path) -> None:
    import subprocess
    import sys

    folder = tmp_path / "data"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from desktop_app.services.instance_lock import InstanceLock;"
            f"lock = InstanceLock({str(folder)!r}).acquire(); print('held', flush=True);"
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InstanceLockedError, match=f"进程 {holder.pid}"):
            InstanceLock(folder).acquire()
    finally:
        holder.kill()  # no release: the operating system frees the lock of a dead process
        holder.wait()
    lock = InstanceLock(folder).acquire()
    assert lock.held
    lock.release()


# --- restores that would take audit entries away (issue 11) --------------------------------


def _log(data_dir: Path, *actions: str) -> None:
    ctx = AppContext(data_dir=data_dir)
    try:
        for action in actions:
            audit.log_event(ctx, "admin", action, details={"note": action})
    finally:
        ctx.close()


def _chain(data_dir: Path) -> list[str]:
    ctx = AppContext(data_dir=data_dir)
    try:
        return [e["action"] for e in audit.entries(ctx)]
    finally:
        ctx.close()


def test_restoring_the_same_state_or_a_later_one_needs_no_confirmation(tmp_path) -> None:
    data = tmp_path / "data"
    fill(data)
    early = tmp_path / "early"
    shutil.copytree(data, early)  # the folder as it was, copied by hand
    _log(data, "login", "login")
    newer = tmp_path / "newer.xyhcbak"
    backup.create_backup(data, newer)
    # The same state: nothing is rolled back.
    same = backup.restore_backup(newer, data)
    assert same["rollback"]["rollback_kind"] == "none"
    assert (same["rollback"]["rolled_back_entries"], same["rollback"]["shared_entries"]) == (0, 6)
    # A later state of the same chain: the folder's 4 entries are all in the backup.
    ahead = backup.restore_backup(newer, early)
    assert ahead["rollback"]["rollback_kind"] == "none"
    assert ahead["rollback"]["current_entries"] == 4 and ahead["rollback"]["backup_entries"] == 6
    assert _chain(early)[-3:] == ["login", "login", "backup_restored"]
    # Restoring is recorded, so restoring `newer` again would lose that record.
    with pytest.raises(
        RestoreRollbackError,
        match="恢复后审计日志将从 7 条回退到 6 条，第 7 条将不在日志中",
    ):
        backup.restore_backup(newer, data)


def test_a_fork_and_another_chain_are_refused_with_what_would_be_lost(tmp_path) -> None:
    data = tmp_path / "data"
    fill(data)
    base = tmp_path / "base.xyhcbak"
    backup.create_backup(data, base)
    _log(data, "login", "login")  # entries 5, 6 on this PC
    branch = tmp_path / "branch"
    backup.restore_backup(base, branch)  # entry 5: the restore, then more work
    _log(branch, "login", "login", "login")
    forked = tmp_path / "forked.xyhcbak"
    backup.create_backup(branch, forked)

    before = snapshot(data)
    with pytest.raises(RestoreRollbackError) as refused:
        backup.restore_backup(forked, data)
    assert refused.value.message.startswith(
        "从“forked.xyhcbak”恢复会使审计日志回退：此备份的审计日志与本机的在第 4 条之后分岔："
        "恢复后本机日志的第 5–6 条共 2 条将不在日志中（换成备份中的第 5–8 条共 4 条）；"
        "核查记录数不变（0 个）。已拒绝恢复，数据目录未做任何更改。"
    )
    assert refused.value.details["rollback_kind"] == "fork"
    assert snapshot(data) == before

    other = tmp_path / "other"
    fill(other)
    elsewhere = tmp_path / "other.xyhcbak"
    backup.create_backup(other, elsewhere)
    with pytest.raises(RestoreRollbackError) as refused:
        backup.restore_backup(elsewhere, data)
    assert (
        "此备份的审计日志与本机的不是同一条审计链（来自另一台电脑的数据，"
        "或日志从第 1 条起被整体重写）：恢复后本机现有的 6 条审计日志都将不在日志中"
    ) in refused.value.message
    assert refused.value.message.endswith("请加上 --confirm-rollback 6 重新运行。")
    assert snapshot(data) == before
    done = backup.restore_backup(elsewhere, data, confirm_rollback=6)
    assert done["rollback"]["rollback_kind"] == "other_chain"
    assert _chain(data)[-1] == "backup_restored"


def test_a_backup_without_an_audit_log_over_a_folder_with_one_needs_confirmation(
    tmp_path,
) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "settings.toml").write_text("font_scale = 1.0\n", encoding="utf-8")
    out = tmp_path / "bare.xyhcbak"
    manifest = backup.create_backup(bare, out)
    assert manifest["audit_witness"] is None
    data = tmp_path / "data"
    fill(data)
    with pytest.raises(RestoreRollbackError, match="--confirm-rollback 4 重新运行"):
        backup.restore_backup(out, data)
    backup.restore_backup(out, data, confirm_rollback=4)
    # The restored folder had no log: the restore starts one, which says what it replaced.
    ctx = AppContext(data_dir=data)
    try:
        [entry] = audit.entries(ctx)
    finally:
        ctx.close()
    assert entry["action"] == "backup_restored"
    assert entry["details"]["backup_head"] is None
    assert entry["details"]["replaced_head"]["seq"] == 4


def test_a_manifest_whose_witness_was_edited_is_refused(tmp_path) -> None:
    source = tmp_path / "src"
    fill(source)
    good = tmp_path / "good.xyhcbak"
    backup.create_backup(source, good)
    bad = tmp_path / "bad.xyhcbak"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == backup.MANIFEST:
                manifest = json.loads(data)
                manifest["audit_witness"]["seq"] = 40  # pass for a later backup
                data = json.dumps(manifest).encode("utf-8")
            new.writestr(info.filename, data)
    target = tmp_path / "target"
    fill(target)
    refused_restore(bad, target, "清单中的审计见证与备份中的审计日志不符")


def test_the_credit_office_sees_a_confirmed_rollback_in_the_next_witness(tmp_path) -> None:
    """What a feedback package would carry (issue 14): the head before and after a restore;
    the office's `compare_witnesses` flags it, and the restore entry explains it."""
    from desktop_app.services.audit.witness import compare_witnesses, current_witness

    data = tmp_path / "data"
    fill(data)
    old = tmp_path / "old.xyhcbak"
    backup.create_backup(data, old)
    _log(data, "login", "login")
    ctx = AppContext(data_dir=data)
    try:
        sent = current_witness(ctx)  # in the last package the office accepted
    finally:
        ctx.close()
    backup.restore_backup(old, data, confirm_rollback=2)
    ctx = AppContext(data_dir=data)
    try:
        now = current_witness(ctx)
        [restore] = audit.entries(ctx, action="backup_restored")
    finally:
        ctx.close()
    assert compare_witnesses(sent, now) == (
        "审计链倒退了：此前的见证已到第 6 条，这次只有第 5 条（数据被回退或截断）。"
    )
    assert restore["details"]["replaced_head"] == sent.to_dict()
    assert restore["details"]["backup_head"]["seq"] == 4


def test_a_folder_with_a_damaged_office_db_is_restored_and_kept_aside(tmp_path) -> None:
    source = tmp_path / "src"
    fill(source)
    out = tmp_path / "good.xyhcbak"
    backup.create_backup(source, out)
    target = tmp_path / "target"
    target.mkdir()
    (target / "office.db").write_bytes(b"not a database at all")
    assert backup.office_problem(target) == "office.db 不是有效的数据库文件"
    result = backup.restore_backup(out, target)
    assert result["rollback"]["current_problem"] == "office.db 不是有效的数据库文件"
    assert (
        result["restore_entry"]["details"]["replaced_problem"] == "office.db 不是有效的数据库文件"
    )
    assert result["restore_entry"]["details"]["replaced_head"] is None
    kept = Path(result["replaced_kept_at"])
    assert (kept / "office.db").read_bytes() == b"not a database at all"
    assert backup.office_problem(target) is None
