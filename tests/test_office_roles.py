"""The program's role on the server: it works with what `office grants` gives it, cannot
alter or delete records and audit entries, selftest says when a role may; and `audit verify`
still catches what a superuser changes."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import psycopg
import pytest
from office_helpers import (
    FAST_SCRYPT,
    PASSWORDS,
    check_result,
    make_users,
    office,
    office_versions,
    raw_office,
)

from desktop_app.cli import main
from desktop_app.cli.selftest import run_selftest
from desktop_app.context import AppContext
from desktop_app.errors import DatabaseAccessError
from desktop_app.services import accounts, audit, records

# The credit office's imported feedback (models.feedback_store): history, like the records.
FEEDBACK_TABLES = (
    "feedback_findings, feedback_hits, feedback_measures, feedback_packages, feedback_records"
)


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def app_role(pg_server, pg_office, tmp_path, monkeypatch, capsys):
    """A login role given exactly what `office grants ROLE --apply` grants, and the machine
    configuration pointing the program at the server as that role; (role, its URL)."""
    role = f"xyhc_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
    code = main(["office", "grants", role, "--url", pg_office, "--apply", "--json"])
    granted = json.loads(capsys.readouterr().out)
    assert code == 0 and granted["applied"]
    url = pg_office.replace("postgresql://postgres@", f"postgresql://{role}@")
    config = tmp_path / "app-role.toml"
    config.write_text(f"database_url = {json.dumps(url)}\n", encoding="utf-8")
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    yield role, url, granted["statements"]
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,)
        )
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")


def test_grants_give_append_only_records_and_audit_log(app_role) -> None:
    role, _, statements = app_role
    history = f"audit_log, batch_records, batches, {FEEDBACK_TABLES}, records"
    assert f"GRANT SELECT, INSERT ON {history} TO {role};" in statements
    assert f"REVOKE UPDATE, DELETE, TRUNCATE ON {history} FROM {role};" in statements
    assert (
        "GRANT SELECT, INSERT, UPDATE, DELETE ON alerts, audit_head, batch_sequences,"
        " exclusions, record_sequences, rescreen_runs, users, watch_keys, watched_subjects"
        f" TO {role};" in statements
    )
    assert f"GRANT SELECT ON schema_version TO {role};" in statements


def test_the_program_works_as_that_role_and_the_role_cannot_alter_history(
    app_role, tmp_path
) -> None:
    _, url, _ = app_role
    ctx = office(tmp_path)
    assert ctx.database_url == url
    users = make_users(ctx)
    zhang = users["zhang"]
    made = records.record_check(ctx, zhang, check_result(zhang))
    records.add_feedback(
        ctx, zhang, made["record_number"], [records.FeedbackInput("LZ-TEST-1", "applied")]
    )
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(Exception, match="密码错误"):
            accounts.authenticate(ctx, "li", "wrong-pass-1")
    accounts.unlock_user(ctx, users["admin"], "li")
    assert accounts.authenticate(ctx, "li", PASSWORDS["li"]).name == "li"
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()

    app = psycopg.connect(url, autocommit=True)
    for statement in (
        "UPDATE audit_log SET user_name = 'li' WHERE seq = 7",
        "DELETE FROM audit_log WHERE seq = 7",
        "TRUNCATE audit_log",
        "UPDATE records SET status = 'not_listed'",
        "DELETE FROM records",
        "ALTER TABLE audit_log DROP COLUMN details",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)
    app.close()
    # Through the program's own connection the refusal is a named error in Chinese.
    ctx = office(tmp_path)
    with pytest.raises(DatabaseAccessError, match="没有这项权限"):
        ctx.office.conn.execute("DELETE FROM audit_log WHERE seq = ?", (7,))
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()


def test_audit_verify_as_the_role_catches_a_superusers_edit(app_role, tmp_path) -> None:
    ctx = office(tmp_path)
    zhang = make_users(ctx)["zhang"]
    number = records.record_check(ctx, zhang, check_result(zhang))["record_number"]
    superuser = raw_office(AppContext(tmp_path / "data", database_url=_as_superuser(app_role)))
    superuser.execute("UPDATE audit_log SET user_name = 'li' WHERE seq = 3")
    superuser.execute(
        "UPDATE records SET body = replace(body, '黄某某', '王某某') WHERE record_number = ?",
        (number,),
    )
    superuser.close()
    kinds = [
        (p["kind"], p.get("seq", p.get("record_number")))
        for p in audit.verify_chain(ctx)["problems"]
    ]
    assert kinds == [("altered", 3), ("record_altered", number)]
    ctx.close()


def _as_superuser(app_role) -> str:
    role, url, _ = app_role
    return url.replace(f"postgresql://{role}@", "postgresql://postgres@")


def test_selftest_passes_for_the_role_and_fails_for_broader_rights(
    app_role, tmp_path, monkeypatch
) -> None:
    role, _, _ = app_role
    ctx = AppContext(tmp_path / "data")
    step = run_selftest(ctx, ["office"])["steps"][0]
    ctx.close()
    assert step["ok"], step["detail"]
    versions = "、".join(f"{name} {v}" for name, v in sorted(office_versions(tmp_path).items()))
    assert f"结构版本 {versions}，与本程序一致" in step["detail"]
    assert "audit 1" in versions and "records 1" in versions and "users 2" in versions
    assert f"角色“{role}”权限正确" in step["detail"]

    with psycopg.connect(_as_superuser(app_role), autocommit=True) as owner:
        owner.execute(f"GRANT UPDATE ON audit_log TO {role}")
    ctx = AppContext(tmp_path / "data")
    step = run_selftest(ctx, ["office"])["steps"][0]
    ctx.close()
    assert not step["ok"] and "可以修改或删除：audit_log: UPDATE" in step["detail"]

    config = tmp_path / "superuser.toml"
    config.write_text(f"database_url = {json.dumps(_as_superuser(app_role))}\n", "utf-8")
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    ctx = AppContext(tmp_path / "data")
    step = run_selftest(ctx, ["office"])["steps"][0]
    ctx.close()
    assert not step["ok"] and "是超级用户" in step["detail"]


def test_selftest_names_missing_rights(app_role, tmp_path) -> None:
    role, _, _ = app_role
    with psycopg.connect(_as_superuser(app_role), autocommit=True) as owner:
        owner.execute(f"REVOKE INSERT ON records FROM {role}")
    ctx = AppContext(tmp_path / "data")
    step = run_selftest(ctx, ["office"])["steps"][0]
    ctx.close()
    assert not step["ok"] and "缺少权限：records: INSERT" in step["detail"]


def test_the_cli_prints_the_grants(pg_office, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["office", "grants", "xyhc_app"]) == 0  # the configured server
    out = capsys.readouterr().out
    assert out.splitlines()[1:3] == [
        "GRANT SELECT ON schema_version TO xyhc_app;",
        f"GRANT SELECT, INSERT ON audit_log, batch_records, batches, {FEEDBACK_TABLES}, records"
        " TO xyhc_app;",
    ]
    assert main(["office", "grants", "Robert'); DROP TABLE users;--"]) == 2
    assert "角色名" in capsys.readouterr().err


def test_the_readme_shows_the_grants_office_grants_gives(pg_office, capsys) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("3. Give the program's role exactly what it needs.")[1]
    shown = section.split("```sql")[1].split("```")[0].split("\n")
    shown = [line.strip() for line in shown if line.strip()]
    assert main(["office", "grants", "xyhc_app", "--url", pg_office, "--json"]) == 0
    schema = pg_office.rsplit("%3D", 1)[1]
    given = json.loads(capsys.readouterr().out)["statements"]
    assert [line.replace(f"SCHEMA {schema} ", "SCHEMA public ") for line in given] == shown


def test_batches_rechecks_and_alerts_work_as_that_role(app_role, tmp_path) -> None:
    from batch_support import (
        BIDDER_HEADER,
        DEPARTMENT,
        JURISDICTION,
        NEWLY_LISTED,
        bidder_rows,
        import_version_2,
        screening_office,
        write_csv,
    )

    from desktop_app.services.screening import alerts, batch, rescreen
    from desktop_app.services.screening.check import run_check

    _, url, _ = app_role
    ctx, users = screening_office(tmp_path)
    assert ctx.database_url == url
    clerk = users["zhang"]
    # A batch (its numbering, records, batch record and rows), reviewed into version 2.
    path = write_csv(tmp_path / "b.csv", BIDDER_HEADER, bidder_rows(12))
    made = batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT)
    [pending] = batch.pending_rows(made)
    record = records.get_record(ctx, clerk, pending["record_number"])
    records.reject_possible_match(
        ctx, clerk, record["record_number"], record["possible"][0]["hit_id"], "出生日期不符"
    )
    assert batch.refresh_batch(ctx, clerk, made["batch_number"])["version"] == 2
    # A re-check after an import (watched subjects, their keys, a run, an alert), the alert
    # turned into a record, another closed with a reason.
    for query, name in ((NEWLY_LISTED[1], NEWLY_LISTED[0]), ("王晨", None)):
        result = run_check(ctx.catalog, ctx.lists, query, JURISDICTION, DEPARTMENT, name=name)
        records.record_check(ctx, clerk, result)
    report = import_version_2(ctx, users["admin"], tmp_path)
    assert "error" not in report.rescreen and report.rescreen["alerts"] >= 2
    first, second = alerts.list_alerts(ctx, clerk)[:2]
    alerts.record_from_alert(ctx, clerk, first["alert_id"])
    alerts.close_alert(ctx, clerk, second["alert_id"], "申请已撤回")
    assert rescreen.rescreen(ctx, users["wang"], full=True)["alerts"] == 0
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()

    app = psycopg.connect(url, autocommit=True)
    for statement in (
        "UPDATE batches SET pending = 0",
        "DELETE FROM batches",
        "DELETE FROM batch_records",
        "TRUNCATE batches",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)
    app.close()
