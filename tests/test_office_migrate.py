"""`office migrate`: the schema on a server, and moving a populated office.db onto it (then
`audit verify` there); two different chains are never merged."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from office_helpers import (
    FAST_SCRYPT,
    PASSWORDS,
    check_result,
    make_users,
    office_versions,
    raw_office,
)

from desktop_app.cli import main
from desktop_app.context import AppContext
from desktop_app.errors import SchemaVersionError
from desktop_app.models import db
from desktop_app.models.office_db import MOVED_MARKER
from desktop_app.services import accounts, audit, records


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


def _populate(data_dir: Path, checks: int = 4) -> dict:
    """An office on SQLite as a PC has it after some work: users, checks, feedback, a failed
    login, a printed record."""
    ctx = AppContext(data_dir, database_url=None)
    users = make_users(ctx)
    zhang = users["zhang"]
    made = [records.record_check(ctx, zhang, check_result(zhang)) for _ in range(checks)]
    records.add_feedback(
        ctx, zhang, made[0]["record_number"], [records.FeedbackInput("LZ-TEST-2", "applied")]
    )
    with pytest.raises(Exception, match="密码错误"):
        accounts.authenticate(ctx, "li", "wrong-pass-1")
    records.print_record(ctx, zhang, made[1]["record_number"], data_dir.parent / "printed.pdf")
    state = {
        "users": {u.name: u for u in users.values()},
        "entries": [e.to_dict() for e in ctx.office.audit.iter_all()],
        "records": list(ctx.office.records.iter_stored()),
        "made": made,
    }
    ctx.close()
    return state


@pytest.fixture
def cli(capsys, monkeypatch):
    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _tables(path: Path) -> list[str]:
    conn = db.connect(path, readonly=True)
    try:
        return db.table_names(conn)
    finally:
        conn.close()


def _server_state(url: str, tmp_path: Path) -> dict | None:
    """What the server's office database holds (None: not even set up)."""
    ctx = AppContext(tmp_path / "pc", database_url=url)
    try:
        _ = ctx.office
    except SchemaVersionError:
        return None
    state = {
        "entries": [e.to_dict() for e in ctx.office.audit.iter_all()],
        "records": list(ctx.office.records.iter_stored()),
        "users": ctx.office.users.count(),
    }
    ctx.close()
    return state


def test_a_populated_office_db_moves_and_verifies_on_the_server(
    pg_schema, tmp_path, cli, monkeypatch
) -> None:
    source = tmp_path / "pc1" / "data"
    before = _populate(source)
    code, out, err = cli(
        "office", "migrate", "--from-sqlite", str(source), "--to", pg_schema, "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["mode"] == "empty"
    assert result["verify"]["ok"] is True
    assert result["verify"]["entries"] == len(before["entries"])
    copied = result["copied"]
    assert {
        table: copied[table]
        for table in ("audit_head", "audit_log", "record_sequences", "records", "users")
    } == {
        "audit_head": 1,
        "audit_log": len(before["entries"]),
        "record_sequences": 1,
        "records": len(before["records"]),
        "users": 5,
    }
    # Every table of every store, those other issues add included.
    assert set(copied) == set(_tables(source / "office.db")) - {"schema_version"}
    # Everything arrived as it was: the chain entry for entry, every record version.
    server = _server_state(pg_schema, tmp_path)
    assert server["entries"] == before["entries"]
    assert server["records"] == before["records"]
    # The PCs now use the server: passwords, numbering and printed records carry on.
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "pc.toml"))
    (tmp_path / "pc.toml").write_text(f"database_url = {json.dumps(pg_schema)}\n", "utf-8")
    ctx = AppContext(tmp_path / "pc2")
    zhang = accounts.authenticate(ctx, "zhang", PASSWORDS["zhang"])
    next_number = records.record_check(ctx, zhang, check_result(zhang))["record_number"]
    assert next_number.endswith(f"-{len(before['made']) + 1:06d}")
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()
    code, out, _ = cli(
        "--data-dir", str(tmp_path / "pc2"), "verify", str(tmp_path / "pc1" / "printed.pdf"),
        "--json",
    )  # fmt: skip
    assert json.loads(out)["problems"] == [] or all(
        "证书" in p for p in json.loads(out)["problems"]
    )  # this PC does not trust pc1's self-signed certificate; the trail is found
    # The old office.db is kept, marked, and refused: no PC keeps a fork of the chain.
    assert (source / MOVED_MARKER).exists() and (source / "office.db").exists()
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "no-server.toml"))
    code, _, err = cli("--data-dir", str(source), "users", "list", stdin="x\n")
    assert code == 1 and "已于" in err and "迁移到数据库服务器" in err and "database_url" in err


def test_moving_again_joins_only_the_continuation_of_the_same_chain(
    pg_schema, tmp_path, cli
) -> None:
    source = tmp_path / "pc1" / "data"
    _populate(source)
    assert cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)[0] == 0
    code, out, _ = cli(
        "office", "migrate", "--from-sqlite", str(source), "--to", pg_schema, "--json"
    )
    assert code == 0 and json.loads(out)["mode"] == "same" and json.loads(out)["copied"] == {}
    # The PC worked on locally after the first move (before its configuration changed).
    (source / MOVED_MARKER).unlink()
    ctx = AppContext(source, database_url=None)
    zhang = ctx.office.users.get("zhang")
    later = [records.record_check(ctx, zhang, check_result(zhang)) for _ in range(3)]
    local_entries = ctx.office.audit.count()
    ctx.close()
    code, out, err = cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)
    assert code == 0, err
    assert "已接上" in out and "之后的 3 条" in out and "核验通过" in out
    server = _server_state(pg_schema, tmp_path)
    assert len(server["entries"]) == local_entries
    assert later[-1]["record_number"] in {
        columns["record_number"] for columns, _ in server["records"]
    }


def test_another_chain_is_never_merged_and_nothing_is_copied(pg_schema, tmp_path, cli) -> None:
    first, second = tmp_path / "pc1" / "data", tmp_path / "pc2" / "data"
    _populate(first)
    _populate(second, checks=2)
    assert cli("office", "migrate", "--from-sqlite", str(first), "--to", pg_schema)[0] == 0
    before = _server_state(pg_schema, tmp_path)
    code, out, err = cli(
        "office", "migrate", "--from-sqlite", str(second), "--to", pg_schema, "--json"
    )
    assert code == 1
    refusal = json.loads(out)
    assert refusal["kind"] == "MergeRefusedError"
    assert "不是同一条链" in err and "没有复制任何内容" in err
    assert _server_state(pg_schema, tmp_path) == before
    assert not (second / MOVED_MARKER).exists()


def test_a_server_that_went_on_and_a_pc_that_went_on_are_not_joined(
    pg_schema, tmp_path, cli
) -> None:
    source = tmp_path / "pc1" / "data"
    _populate(source)
    assert cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)[0] == 0
    on_server = AppContext(tmp_path / "pc2", database_url=pg_schema)
    audit.log_event(on_server, "admin", "setting_change", details={"key": "x"})
    on_server.close()
    code, _, err = cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)
    assert code == 1 and "更长" in err
    (source / MOVED_MARKER).unlink()
    local = AppContext(source, database_url=None)
    audit.log_event(local, "admin", "setting_change", details={"key": "y"})
    audit.log_event(local, "admin", "setting_change", details={"key": "z"})
    local.close()
    before = _server_state(pg_schema, tmp_path)
    code, _, err = cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)
    assert code == 1 and "起不同" in err and "改写历史" in err
    assert _server_state(pg_schema, tmp_path) == before


def test_an_office_db_that_fails_audit_verify_is_not_moved(pg_schema, tmp_path, cli) -> None:
    source = tmp_path / "pc1" / "data"
    _populate(source)
    ctx = AppContext(source, database_url=None)
    conn = raw_office(ctx)
    with conn:
        conn.execute("UPDATE audit_log SET user_name = 'li' WHERE seq = 3")
    conn.close()
    code, _, err = cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)
    assert code == 1 and "未通过核验" in err and "第 3 条" in err
    assert _server_state(pg_schema, tmp_path) is None  # the server was not even touched


def test_office_migrate_sets_up_and_upgrades_a_schema(pg_schema, tmp_path, cli) -> None:
    code, out, _ = cli("office", "migrate", "--to", pg_schema, "--json")
    result = json.loads(out)
    assert code == 0 and result["before"] == {} and result["changed"] == result["after"]
    assert result["after"] == office_versions(tmp_path)
    assert {"audit": 1, "records": 1, "users": 2}.items() <= result["after"].items()
    code, out, _ = cli("office", "migrate", "--to", pg_schema)
    assert code == 0 and "已是最新" in out
    # Without --to: the data folder's office.db (no server configured).
    code, out, _ = cli("--data-dir", str(tmp_path / "local"), "office", "migrate")
    assert code == 0 and "已升级本机办公数据库" in out
    assert (tmp_path / "local" / "office.db").exists()
    code, out, _ = cli("--data-dir", str(tmp_path / "local"), "office", "where", "--json")
    assert json.loads(out) == {
        "engine": "sqlite",
        "location": str(tmp_path / "local" / "office.db"),
    }


def test_a_moved_folder_needs_a_server_url(tmp_path, cli) -> None:
    code, _, err = cli("office", "migrate", "--from-sqlite", str(tmp_path))
    assert code == 2 and "--to" in err
    code, _, err = cli("office", "migrate", "--from-sqlite", str(tmp_path), "--to", "x.db")
    assert code == 2 and "不是数据库服务器地址" in err
    code, _, err = cli(
        "office", "migrate", "--from-sqlite", str(tmp_path), "--to", "postgresql://h/x"
    )
    assert code == 1 and "没有 office.db" in err


def test_backup_and_restore_on_a_pc_whose_office_data_are_on_the_server(
    pg_office, tmp_path, cli, monkeypatch
) -> None:
    """The backup holds the PC's lists, keys and settings; a restore replaces those only,
    compares nothing with the server's chain and records itself there."""
    monkeypatch.setenv("XYHC_SECRET_DIR", str(tmp_path / "secrets"))
    data = tmp_path / "pc" / "data"
    ctx = AppContext(data)
    make_users(ctx)
    ctx.close()
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.toml").write_text("font_scale = 1.5\n", encoding="utf-8")
    out = tmp_path / "usb" / "pc.xyhcbak"
    admin = PASSWORDS["admin"] + "\n"
    code, text, err = cli(
        "--data-dir", str(data), "backup", "create", str(out), "--user", "admin",
        "--password-stdin", stdin=admin,
    )  # fmt: skip
    assert code == 0, err
    assert "不在此备份中" in text and "pg_dump" in text
    assert not (data / "office.db").exists()
    (data / "settings.toml").write_text("font_scale = 2.0\n", encoding="utf-8")
    code, text, err = cli(
        "--data-dir", str(data), "backup", "restore", str(out), "--user", "admin",
        "--password-stdin", "--json", stdin=admin,
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(text)
    assert result["rollback"]["rollback_kind"] == "none"
    assert (data / "settings.toml").read_text(encoding="utf-8") == "font_scale = 1.5\n"
    assert not (data / "office.db").exists()  # no local office database appeared
    ctx = AppContext(data)
    actions = [e["action"] for e in audit.entries(ctx)]
    assert "backup_created" in actions and actions[-1] == "backup_restored"
    assert audit.verify_chain(ctx)["ok"]
    ctx.close()


def _watch_keys(conn) -> tuple[int, int]:
    """(rows, distinct rows) of watch_keys."""
    total = conn.execute("SELECT count(*) FROM watch_keys").fetchone()[0]
    distinct = conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT match_key, subject_key FROM watch_keys) AS k"
    ).fetchone()[0]
    return total, distinct


def test_batches_rechecks_and_alerts_move_with_the_office(pg_schema, tmp_path, cli) -> None:
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

    pc = tmp_path / "pc1"
    ctx, users = screening_office(pc)
    source = ctx.data_dir
    clerk = users["zhang"]
    made = batch.run_batch(
        ctx, clerk, write_csv(pc / "b.csv", BIDDER_HEADER, bidder_rows(12)), JURISDICTION,
        DEPARTMENT,
    )  # fmt: skip
    [pending] = batch.pending_rows(made)
    record = records.get_record(ctx, clerk, pending["record_number"])
    records.reject_possible_match(
        ctx, clerk, record["record_number"], record["possible"][0]["hit_id"]
    )
    batch.refresh_batch(ctx, clerk, made["batch_number"])
    result = run_check(
        ctx.catalog, ctx.lists, NEWLY_LISTED[1], JURISDICTION, DEPARTMENT, name=NEWLY_LISTED[0]
    )
    records.record_check(ctx, clerk, result)
    import_version_2(ctx, users["admin"], pc)
    [alert] = [a for a in alerts.list_alerts(ctx, clerk) if a["kind"] == "newly_listed"]
    ctx.close()

    code, out, err = cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)
    assert code == 0 and "核验通过" in out, err
    # The PC worked on locally after the first move: a re-check watched its subjects again;
    # moving again copies what continues the chain, a subject's keys not filed twice.
    (source / MOVED_MARKER).unlink()
    local = AppContext(source, database_url=None)
    later = run_check(local.catalog, local.lists, "王晨", JURISDICTION, DEPARTMENT)
    records.record_check(local, clerk, later)
    rescreen.rescreen(local, users["admin"], full=True)
    local_keys = _watch_keys(local.office.conn)
    local.close()
    code, out, err = cli("office", "migrate", "--from-sqlite", str(source), "--to", pg_schema)
    assert code == 0 and "已接上" in out and "核验通过" in out, err
    server = db.connect_server(pg_schema)
    try:
        assert _watch_keys(server) == local_keys
    finally:
        server.close()

    # On the server, from this PC's folder (its lists stay here): the batch record and its
    # versions verify, the alert is there, the watched subjects and the numbering carry on.
    on_server = AppContext(source, database_url=pg_schema)
    assert audit.verify_chain(on_server)["ok"]
    assert batch.get_batch(on_server, clerk, made["batch_number"])["version"] == 2
    assert alerts.get_alert(on_server, clerk, alert["alert_id"])["state"] == "open"
    assert rescreen.rescreen(on_server, users["admin"], full=True)["alerts"] == 0
    again = batch.run_batch(
        on_server, clerk, write_csv(pc / "c.csv", ["名称"], [["张无名"]]), JURISDICTION,
        DEPARTMENT,
    )  # fmt: skip
    assert again["batch_number"].endswith("-00002")
    assert audit.verify_chain(on_server)["ok"]
    on_server.close()
