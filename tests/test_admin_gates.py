"""Issue 11 item 5 and issue 17 item 7: keys, backups and personal data behind a login.

Each attack of issue 11 is run as a user would run it, through the real program in a process
of its own (`cli_process.Cli`), on an office data folder built beforehand; every refusal is
checked by what the user reads and by what did (not) change on disk and in the audit log.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from cli_process import Cli
from lists_support import office_copy
from office_helpers import FAST_SCRYPT, PASSWORDS, check_result, make_users

from desktop_app.context import AppContext
from desktop_app.errors import AuthenticationError
from desktop_app.services import accounts, admin, records
from desktop_app.services.records import signing

ADMIN = PASSWORDS["admin"]
CLERK = PASSWORDS["zhang"]
NO_LOGIN = (
    "错误：此操作需要登录：请加上 --user 用户名（密码在提示时输入，或用 --password-stdin 提供）。"
)
PERSON = "450202198501019919"  # 韦小宝 on the (office copy of the) demo list
PERSON_MASKED = "450202********9919"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    cli = Cli(tmp_path)
    # The office is built in this process: the same secret folder as the program's.
    monkeypatch.setenv("XYHC_SECRET_DIR", cli.env["XYHC_SECRET_DIR"])
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    return cli


@pytest.fixture
def data(cli: Cli, tmp_path: Path) -> Path:
    """An office: admin, clerks zhang/li/zhao, supervisor wang; a list; a certificate."""
    folder = tmp_path / "data"
    ctx = AppContext(data_dir=folder)
    try:
        users = make_users(ctx)
        admin.import_list_file(
            ctx, users["admin"], office_copy("dishonest_debtors.csv", tmp_path), "失信被执行人"
        )
        signing.ensure_department_identity(folder, "柳州市", "市市场监管局")
    finally:
        ctx.close()
    return folder


def run(cli: Cli, data: Path, *argv: str, stdin: str = ""):
    return cli.run("--data-dir", str(data), *argv, stdin=stdin)


def actions(data: Path) -> list[str]:
    conn = sqlite3.connect(data / "office.db")
    try:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    finally:
        conn.close()


def last_entry(data: Path) -> dict:
    conn = sqlite3.connect(data / "office.db")
    conn.row_factory = sqlite3.Row
    try:
        row = dict(conn.execute("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone())
    finally:
        conn.close()
    row["details"] = json.loads(row["details"])
    return row


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def refused_for(who: str, what: str) -> str:
    return f"错误：用户“{who}”（科员）无权{what}。此操作只能由管理员进行，请联系管理员。"


# --- no login, or not an administrator: refused, nothing written, nothing handed out -------


def test_backup_create_needs_an_administrator(cli: Cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "usb" / "x.xyhcbak"
    before = actions(data)
    for argv, stdin, message in (
        (("--with-key-secrets",), "", NO_LOGIN),
        ((), "", NO_LOGIN),
        (
            ("--user", "zhang", "--password-stdin"),
            CLERK + "\n",
            refused_for("zhang", "备份或恢复数据"),
        ),
    ):
        ran = run(cli, data, "backup", "create", str(out), *argv, stdin=stdin)
        assert (ran.code, ran.err.strip()) == (7, message), argv
        assert not out.exists() and not out.parent.exists()
    # Only the clerk's login was recorded: no backup happened.
    assert actions(data) == [*before, "login"]


def test_backup_create_by_the_administrator_is_audited(
    cli: Cli, data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.xyhcbak"
    ran = run(
        cli,
        data,
        "backup",
        "create",
        str(out),
        "--user",
        "admin",
        "--password-stdin",
        "--json",
        stdin=ADMIN + "\n",
    )
    assert ran.code == 0, ran.err
    made = json.loads(ran.out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert made["sha256"] == digest and made["with_key_secrets"] is False
    entry = last_entry(data)
    assert (entry["seq"], entry["action"], entry["user_name"]) == (
        made["audit_entry"],
        "backup_created",
        "admin",
    )
    assert entry["details"]["sha256"] == digest
    assert entry["details"]["file"] == "x.xyhcbak"
    # The backup carries the chain's head as it was copied: the entry before its own.
    assert entry["details"]["audit_witness"]["seq"] == entry["seq"] - 1
    assert made["audit_witness"] == entry["details"]["audit_witness"]
    with zipfile.ZipFile(out) as backup:
        assert not [n for n in backup.namelist() if n.startswith("secrets/")]

    text = run(
        cli,
        data,
        "backup",
        "create",
        str(tmp_path / "y.xyhcbak"),
        "--user",
        "admin",
        "--password-stdin",
        stdin=ADMIN + "\n",
    )
    assert text.code == 0
    assert f"已记入审计日志第 {last_entry(data)['seq']} 条。" in text.out
    assert "SHA-256：" in text.out


def test_a_backup_with_key_secrets_needs_the_password_twice(
    cli: Cli, data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "keys.xyhcbak"
    argv = (
        "backup",
        "create",
        str(out),
        "--with-key-secrets",
        "--user",
        "admin",
        "--password-stdin",
    )
    once = run(cli, data, *argv, stdin=ADMIN + "\n")
    assert once.code == 2
    assert once.err.strip() == (
        "错误：标准输入的第 2 行没有密码（备份将含签名密钥口令，请再次输入用户 admin 的密码）。"
    )
    assert not out.exists()

    wrong = run(cli, data, *argv, stdin=f"{ADMIN}\nnot-the-password\n")
    assert wrong.code == 7
    assert wrong.err.strip() == (
        "错误：再次输入的密码不对，未能创建含签名密钥口令的备份。请重新运行命令，"
        "两次都输入用户 admin 的密码；连续 5 次输错密码，账户将锁定。"
    )
    assert not out.exists()
    entry = last_entry(data)
    assert (entry["action"], entry["details"]) == (
        "password_confirm_failed",
        {"purpose": "创建含签名密钥口令的备份"},
    )
    assert "backup_created" not in actions(data)

    twice = run(cli, data, *argv, stdin=f"{ADMIN}\n{ADMIN}\n")
    assert twice.code == 0, twice.err
    assert "注意：此备份含签名密钥口令，请像保管私钥一样保管。" in twice.out
    with zipfile.ZipFile(out) as backup:
        assert [n for n in backup.namelist() if n.startswith("secrets/")]
    entry = last_entry(data)
    assert entry["action"] == "backup_created"
    assert entry["details"]["with_key_secrets"] is True


def test_wrong_second_passwords_lock_the_account(cli: Cli, data: Path, tmp_path: Path) -> None:
    ctx = AppContext(data_dir=data)
    try:
        boss = ctx.office.users.get("admin")
        for _ in range(accounts.MAX_FAILED_LOGINS):
            with pytest.raises(AuthenticationError, match="再次输入的密码不对"):
                admin.create_backup(
                    ctx,
                    boss,
                    tmp_path / "k.xyhcbak",
                    with_key_secrets=True,
                    password_again="wrong-wrong",
                )
        assert actions(data)[-1] == "account_locked"
    finally:
        ctx.close()
    locked = run(
        cli,
        data,
        "backup",
        "create",
        str(tmp_path / "k.xyhcbak"),
        "--user",
        "admin",
        "--password-stdin",
        stdin=ADMIN + "\n",
    )
    assert locked.code == 7 and "账户已停用或已锁定" in locked.err
    assert not (tmp_path / "k.xyhcbak").exists()


def test_backup_restore_needs_an_administrator(cli: Cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.xyhcbak"
    assert (
        run(
            cli,
            data,
            "backup",
            "create",
            str(out),
            "--user",
            "admin",
            "--password-stdin",
            stdin=ADMIN + "\n",
        ).code
        == 0
    )
    before = snapshot(data)
    ran = run(cli, data, "backup", "restore", str(out))
    assert (ran.code, ran.err.strip()) == (7, NO_LOGIN)
    clerk = run(
        cli,
        data,
        "backup",
        "restore",
        str(out),
        "--user",
        "zhang",
        "--password-stdin",
        stdin=CLERK + "\n",
    )
    assert (clerk.code, clerk.err.strip()) == (7, refused_for("zhang", "备份或恢复数据"))
    after = snapshot(data)
    assert {k for k in after if after[k] != before.get(k)} <= {"office.db"}  # the login only
    assert actions(data)[-1] == "login"
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]


def test_cert_export_needs_an_administrator(cli: Cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "部门证书.pem"
    ran = run(cli, data, "cert", "export", str(out))
    assert (ran.code, ran.err.strip()) == (7, NO_LOGIN)
    clerk = run(
        cli,
        data,
        "cert",
        "export",
        str(out),
        "--user",
        "zhang",
        "--password-stdin",
        stdin=CLERK + "\n",
    )
    assert (clerk.code, clerk.err.strip()) == (7, refused_for("zhang", "导出证书"))
    assert not out.exists()

    done = run(
        cli,
        data,
        "cert",
        "export",
        str(out),
        "--user",
        "admin",
        "--password-stdin",
        "--json",
        stdin=ADMIN + "\n",
    )
    assert done.code == 0, done.err
    facts = json.loads(done.out)
    assert facts["file"] == str(out) and out.read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    entry = last_entry(data)
    assert (entry["action"], entry["user_name"]) == ("certificate_export", "admin")
    assert entry["details"] == {
        "file": "部门证书.pem",
        "subject": facts["subject"],
        "fingerprint_sha256": facts["fingerprint_sha256"],
    }


def _hit_id(data: Path) -> int:
    conn = sqlite3.connect(data / "lists.db")
    try:
        return conn.execute("SELECT id FROM listings WHERE id_value = ?", (PERSON,)).fetchone()[0]
    finally:
        conn.close()


def test_lists_show_needs_an_administrator_and_masks_ids(cli: Cli, data: Path) -> None:
    hit = str(_hit_id(data))
    ran = run(cli, data, "lists", "show", hit)
    assert (ran.code, ran.err.strip(), ran.out) == (7, NO_LOGIN, "")

    clerk = run(
        cli, data, "lists", "show", hit, "--user", "zhang", "--password-stdin", stdin=CLERK + "\n"
    )
    assert (clerk.code, clerk.err.strip()) == (7, refused_for("zhang", "查看名单记录"))
    assert PERSON not in clerk.out and PERSON_MASKED not in clerk.out

    admin = run(
        cli, data, "lists", "show", hit, "--user", "admin", "--password-stdin", stdin=ADMIN + "\n"
    )
    assert admin.code == 0, admin.err
    assert f"身份证号码/组织机构代码：{PERSON_MASKED}" in admin.out
    assert PERSON not in admin.out
    assert "（身份证号码已遮蔽；管理员可用 --unmasked 查看完整号码，记入审计日志。）" in admin.out
    entry = last_entry(data)
    assert (entry["action"], entry["user_name"]) == ("listing_view", "admin")
    assert entry["details"]["unmasked"] is False and entry["details"]["hit_id"] == int(hit)

    as_json = run(
        cli,
        data,
        "lists",
        "show",
        hit,
        "--json",
        "--user",
        "admin",
        "--password-stdin",
        stdin=ADMIN + "\n",
    )
    shown = json.loads(as_json.out)
    assert shown["masked"] is True and PERSON not in as_json.out
    assert shown["fields"]["身份证号码/组织机构代码"] == PERSON_MASKED

    full = run(
        cli,
        data,
        "lists",
        "show",
        hit,
        "--unmasked",
        "--user",
        "admin",
        "--password-stdin",
        stdin=ADMIN + "\n",
    )
    assert full.code == 0 and f"身份证号码/组织机构代码：{PERSON}" in full.out
    assert "已遮蔽" not in full.out
    entry = last_entry(data)
    assert (entry["action"], entry["user_name"]) == ("listing_view", "admin")
    assert entry["details"]["unmasked"] is True
    assert PERSON not in json.dumps(entry, ensure_ascii=False)  # the log keeps no ID


def test_ids_in_other_fields_and_in_the_history_are_masked_too() -> None:
    from desktop_app.services.lists.listing_view import mask_text

    assert mask_text("多证件：450202198501019919；450202850101991，45020219850101991x") == (
        "多证件：450202********9919；450202*****1991，450202********991x"
    )
    # Numbers that are not ID-shaped stay: amounts, case numbers, credit codes.
    kept = "（2021）桂0222执7886号 2479449元 91450202MAQGJUTF10 4502021985010199191"
    assert mask_text(kept) == kept


# --- before the first account (IT setting up a PC): as before, without a login -----------


def test_before_accounts_exist_no_login_is_needed(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    demo = office_copy("dishonest_debtors.csv", tmp_path)
    assert run(cli, data, "lists", "import", str(demo), "--category", "失信被执行人").code == 0
    hit = str(_hit_id(data))
    shown = run(cli, data, "lists", "show", hit)
    assert shown.code == 0 and PERSON_MASKED in shown.out and PERSON not in shown.out
    full = run(cli, data, "lists", "show", hit, "--unmasked")
    assert full.code == 0 and PERSON in full.out
    assert "listing_view" not in actions(data)  # no accounts: looking is not audited
    out = tmp_path / "setup.xyhcbak"
    made = run(cli, data, "backup", "create", str(out), "--with-key-secrets")
    assert made.code == 0, made.err
    assert actions(data)[-1] == "backup_created"
    assert last_entry(data)["user_name"] is None


# --- the rollback of issue 11: 83 → 50 audit entries, 10 → 2 records ----------------------


def _pad(ctx: AppContext, length: int) -> None:
    """Logins until the audit chain has `length` entries."""
    while ctx.office.audit.last_entry().seq < length:
        accounts.authenticate(ctx, "wang", PASSWORDS["wang"])
    assert ctx.office.audit.last_entry().seq == length


@pytest.fixture
def rolled(cli: Cli, tmp_path: Path) -> dict:
    """A backup taken at 50 entries and 2 records; then 8 more records, a printed record
    and logins up to 82 entries (the restoring login is the 83rd)."""
    data = tmp_path / "data"
    ctx = AppContext(data_dir=data)
    try:
        users = make_users(ctx)
        zhang = users["zhang"]
        for _ in range(2):
            records.record_check(ctx, zhang, check_result(zhang))
        _pad(ctx, 50)
        out = tmp_path / "old.xyhcbak"
        admin.create_backup(ctx, users["admin"], out)  # entry 51
        made = [records.record_check(ctx, zhang, check_result(zhang)) for _ in range(8)]
        pdf = tmp_path / "after-backup.pdf"
        records.print_record(ctx, zhang, made[-1]["record_number"], pdf)
        _pad(ctx, 82)
        assert ctx.office.records.count_records() == 10
    finally:
        ctx.close()
    return {"data": data, "backup": out, "pdf": pdf}


def test_a_rollback_restore_is_refused_with_the_numbers(cli: Cli, rolled: dict) -> None:
    data, out = rolled["data"], rolled["backup"]
    login = ("--user", "admin", "--password-stdin")
    ran = run(cli, data, "backup", "restore", str(out), *login, stdin=ADMIN + "\n")
    assert ran.code == 5
    assert ran.err.strip() == (
        "错误：从“old.xyhcbak”恢复会使审计日志回退：此备份的审计日志是本机日志较早的状态："
        "恢复后审计日志将从 83 条回退到 50 条，第 51–83 条共 33 条将不在日志中；"
        "核查记录从 10 个减少到 2 个。已拒绝恢复，数据目录未做任何更改。"
        "被回退的日志和记录仍保留在恢复时留下的原数据目录副本中，但本机的审计日志将不再包含它们，"
        "此后留存的见证（打印的核查记录、审计报告）会显示日志被回退。"
        "如核对无误、确需恢复此备份，请加上 --confirm-rollback 33 重新运行。"
    )
    assert actions(data)[-1] == "login" and len(actions(data)) == 83  # nothing rolled back
    assert not [p for p in data.parent.iterdir() if ".replaced-" in p.name]

    wrong = run(
        cli,
        data,
        "backup",
        "restore",
        str(out),
        "--confirm-rollback",
        "5",
        *login,
        "--json",
        stdin=ADMIN + "\n",
    )
    assert wrong.code == 5
    refusal = json.loads(wrong.out)
    assert refusal["kind"] == "RestoreRollbackError"
    assert (refusal["reason"], refusal["rolled_back_entries"]) == ("confirmation_mismatch", 34)
    assert (refusal["current_records"], refusal["backup_records"]) == (10, 2)
    assert wrong.err.strip().startswith(
        "错误：您确认回退 5 条审计日志，但从“old.xyhcbak”恢复将使 34 条审计日志不在日志中。"
    )
    assert wrong.err.strip().endswith(
        "可能选错了备份文件，或本机在此期间又有了新的操作："
        "请核对后用 --confirm-rollback 34 重新运行。"
    )
    assert len(actions(data)) == 84


def test_a_confirmed_rollback_is_recorded_and_witnesses_show_it(cli: Cli, rolled: dict) -> None:
    data, out = rolled["data"], rolled["backup"]
    login = ("--user", "admin", "--password-stdin")
    refused = run(cli, data, "backup", "restore", str(out), *login, stdin=ADMIN + "\n")
    assert "--confirm-rollback 33 重新运行" in refused.err
    # Run again with the number reported: the new login is the command's own, not counted.
    done = run(
        cli,
        data,
        "backup",
        "restore",
        str(out),
        "--confirm-rollback",
        "33",
        *login,
        stdin=ADMIN + "\n",
    )
    assert done.code == 0, done.err
    assert (
        "经确认回退：审计日志从 84 条回退到 50 条（34 条不再在日志中，含本次登录的 1 条），"
        "核查记录从 10 个变为 2 个；它们保留在原数据目录的副本中。"
    ) in done.out
    assert "恢复已记入审计日志第 51 条" in done.out
    kept = [p for p in data.parent.iterdir() if p.name.startswith("data.replaced-")]
    assert len(kept) == 1 and len(actions(kept[0])) == 84

    entry = last_entry(data)
    assert (entry["seq"], entry["action"], entry["user_name"]) == (51, "backup_restored", "admin")
    details = entry["details"]
    assert details["from"] == "old.xyhcbak"
    assert details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert details["backup_head"]["seq"] == 50 and details["replaced_head"]["seq"] == 84
    assert details["backup_head"]["chain_id"] == details["replaced_head"]["chain_id"]
    assert (details["rollback_kind"], details["rolled_back_entries"]) == ("prefix", 34)
    assert (details["records_before"], details["records_after"]) == (10, 2)
    assert details["confirmed_rollback"] == 33

    # The chain verifies on its own (it is a valid, shorter chain) …
    plain = run(cli, data, "audit", "verify", *login, stdin=ADMIN + "\n")
    assert plain.code == 0 and plain.out.startswith("审计日志完好：52 条日志环环相扣")
    # … but a record printed after the backup shows the rollback, and the restore explains it.
    witnessed = run(
        cli, data, "audit", "verify", "--witness", str(rolled["pdf"]), *login, stdin=ADMIN + "\n"
    )
    assert witnessed.code == 1
    assert "见证（after-backup.pdf）记录审计链当时已有" in witnessed.out
    assert "从备份“old.xyhcbak”恢复，审计链从第 84 条回退到第 50 条。" in witnessed.out
    assert "第一个不再被包含的见证：after-backup.pdf" in witnessed.out


def test_the_backup_file_is_a_witness(cli: Cli, rolled: dict) -> None:
    data, out = rolled["data"], rolled["backup"]
    login = ("--user", "admin", "--password-stdin")
    ran = run(cli, data, "audit", "verify", "--witness", str(out), *login, stdin=ADMIN + "\n")
    assert ran.code == 0, ran.out + ran.err
    assert "1 个见证均仍在审计日志中（最晚的见证为第 50 条）。" in ran.out


def test_a_damaged_office_db_is_restored_without_a_login(
    cli: Cli, data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.xyhcbak"
    made = run(
        cli,
        data,
        "backup",
        "create",
        str(out),
        "--user",
        "admin",
        "--password-stdin",
        stdin=ADMIN + "\n",
    )
    assert made.code == 0, made.err
    (data / "office.db").write_bytes(b"garbage")
    for companion in ("office.db-wal", "office.db-shm"):
        (data / companion).unlink(missing_ok=True)
    ran = run(cli, data, "backup", "restore", str(out))
    assert ran.code == 0, ran.err
    assert ran.err.strip() == (
        f"注意：{data} 的 office.db 不是有效的数据库文件，无法核对账户和审计日志；"
        "恢复不需登录，原数据目录将保留为副本。"
    )
    entry = last_entry(data)
    assert entry["action"] == "backup_restored" and entry["user_name"] is None
    assert entry["details"]["replaced_problem"] == "office.db 不是有效的数据库文件"
