"""Feedback packages from the departments to the credit office: export, import, refusals,
idempotent re-import, superseding versions, read-only records, and the departments' audit
chains checked from one package to the next."""

# The fixtures `city`, `sqlite_city` and `city_template` come from feedback_support; tests take
# them by name.
# ruff: noqa: F811

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from feedback_support import (
    DEBTORS,
    NOT_LISTED,
    PASSWORD,
    TAX_VIOLATORS,
    WIDE,
    Pc,
    check,
    city,  # noqa: F401 (fixture)
    city_template,  # noqa: F401 (fixture)
    export,
    feedback,
    import_package,
    office_digests,
    put_on_server,
    sqlite_city,  # noqa: F401 (fixture)
)

from desktop_app.errors import PermissionDeniedError, RecordNotFoundError, UsageError
from desktop_app.models.audit_store import GENESIS_HASH, entry_hash
from desktop_app.models.record_types import canonical_record_hash
from desktop_app.services import accounts, admin, audit, records
from desktop_app.services.exchange.feedback_package import FeedbackPackageError
from desktop_app.services.feedback import city_report


def _work(pc: Pc, subjects=DEBTORS[:2], actions=("applied", None)) -> list[dict]:
    """Checks of `subjects` by the clerk, feedback on the first record, on `pc`."""
    with pc.context() as ctx:
        zhang = pc.user(ctx, "zhang")
        made = [check(ctx, zhang, query) for query in subjects]
        made[0] = feedback(ctx, zhang, made[0], actions)
    return made


def _export(pc: Pc, out, period=WIDE) -> dict:
    with pc.context() as ctx:
        return export(ctx, pc.user(ctx, "wang"), out, period)


def _import(pc: Pc, path):
    with pc.context() as ctx:
        return import_package(ctx, path)


def _office_state(city) -> dict[str, str]:
    return office_digests(city.office)


def _unchanged_import(city, path, expected: str | None = None):
    """Import `path` as the office's administrator (logged in first) and prove that the
    office database is exactly as before; with `expected`, the import must be refused
    with that message. Returns the result or the refusal."""
    from desktop_app.services.feedback.office_import import import_package_file

    with city.office.context() as ctx:
        boss = city.office.user(ctx, "admin")
        before = _office_state(city)
        if expected is None:
            outcome = import_package_file(ctx, boss, path)
        else:
            with pytest.raises(FeedbackPackageError, match=expected) as refused:
                import_package_file(ctx, boss, path)
            outcome = refused.value
        assert _office_state(city) == before
    return outcome


def test_a_package_carries_every_record_as_the_department_stored_it(city, tmp_path) -> None:
    a = city.department("dept-a")
    made = _work(a, (*DEBTORS[:3], NOT_LISTED[0]), ("applied", "not_applicable", "referred"))
    exported = _export(a, tmp_path / "a.p7m")
    assert (exported["records"], exported["sequence"]) == (4, 1)
    result = _import(city.office, tmp_path / "a.p7m")
    assert (result.department, result.new_versions, result.findings) == ("市市场监管局", 4, [])
    with city.office.context() as ctx:
        chen = city.office.user(ctx, "chen")
        for record in made:
            shown = city_report.imported_record(ctx, chen, record["record_number"])
            assert shown["record"] == record
            assert canonical_record_hash(shown["record"]) == record["record_hash"]
            assert shown["read_only"] and shown["origin"]["department"] == "市市场监管局"
        rows = city_report.imported_records(ctx, chen)
    ids = {row["record_number"]: row["subject_id"] for row in rows}
    # The full ID as typed (the credit office needs it; the package is encrypted).
    assert ids[made[0]["record_number"]] == DEBTORS[0]
    # The export is audited on the department's PC, with its witness.
    with a.context() as ctx:
        (entry,) = audit.entries(ctx, action="feedback_export")
    assert entry["details"]["records"] == 4
    assert entry["details"]["audit_witness"]["seq"] == entry["seq"] - 1


def test_importing_the_same_package_twice_changes_nothing(city, tmp_path) -> None:
    a = city.department("dept-a")
    _work(a)
    _export(a, tmp_path / "a.p7m")
    assert _import(city.office, tmp_path / "a.p7m").new_versions == 2
    again = _unchanged_import(city, tmp_path / "a.p7m")
    assert again.already_imported and again.new_versions == 0


def test_a_newer_version_supersedes_the_older_and_both_are_kept(city, tmp_path) -> None:
    a = city.department("dept-a")
    first, _ = _work(a, actions=(None,))
    _export(a, tmp_path / "1.p7m")
    with a.context() as ctx:
        zhang = a.user(ctx, "zhang")
        feedback(ctx, zhang, first, ["applied", "referred"])
    _export(a, tmp_path / "2.p7m")
    _import(city.office, tmp_path / "1.p7m")
    second = _import(city.office, tmp_path / "2.p7m")
    # Only the new version of the first record is new; the second record is unchanged.
    assert (second.new_versions, second.known_versions) == (1, 1)
    with city.office.context() as ctx:
        chen = city.office.user(ctx, "chen")
        shown = city_report.imported_record(ctx, chen, first["record_number"])
        assert [v["version"] for v in shown["versions"]] == [1, 2]
        assert shown["record"]["version"] == 2
        old = city_report.imported_record(ctx, chen, first["record_number"], version=1)
        assert old["record"]["measures"][0]["feedback"]["action"] is None
        report = city_report.build_report(ctx, chen, date_from=WIDE[0], date_to=WIDE[1])
    assert report["totals"]["checks"] == 2
    assert (report["totals"]["applied"], report["totals"]["referred"]) == (1, 1)


def test_imported_records_are_read_only_at_the_credit_office(city, tmp_path) -> None:
    a = city.department("dept-a")
    made = _work(a)
    _export(a, tmp_path / "a.p7m")
    _import(city.office, tmp_path / "a.p7m")
    number = made[0]["record_number"]
    with city.office.context() as ctx:
        boss = city.office.user(ctx, "admin")
        with pytest.raises(RecordNotFoundError, match=r"导入.*只读"):
            records.add_feedback(
                ctx, boss, number, [records.FeedbackInput(made[0]["measures"][0]["id"], "applied")]
            )
        assert ctx.office.records.get(number) is None
    code, out, _ = city.office.cli("feedback", "show", number, "--json", user="chen")
    shown = json.loads(out)
    assert code == 0 and shown["read_only"] is True
    assert shown["origin"]["department"] == "市市场监管局" and shown["origin"]["sequence"] == 1


@pytest.mark.parametrize("reason", ["wrong_recipient", "unknown_signer", "other_jurisdiction"])
def test_refused_packages_say_why_and_write_nothing(city, tmp_path, reason) -> None:
    a = city.department("dept-a")
    _work(a)
    if reason == "wrong_recipient":
        # The department was given another office's certificate.
        other = Pc(tmp_path, "other-office")
        with other.environment():
            from desktop_app.services.exchange import office_key

            office_key.generate(other.data_dir, "另一信用办")
            office_key.export_certificate(other.data_dir, tmp_path / "other.cer")
        with a.context() as ctx:
            admin.trust_office(ctx, a.user(ctx, "admin"), tmp_path / "other.cer")
        expected = "不是加密给本机的"
    elif reason == "unknown_signer":
        with a.context() as ctx:
            admin.new_certificate(ctx, a.user(ctx, "admin"))  # a key the office does not know
        expected = "不在本机信任的部门证书中"
    else:
        # A department of 昆山 whose certificate the office trusts all the same.
        with a.context() as ctx:
            boss = a.user(ctx, "admin")
            accounts.add_user(
                ctx,
                boss,
                "ks",
                PASSWORD,
                role="supervisor",
                department="市公安局",
                jurisdiction="昆山市",
            )
            from desktop_app.services.feedback.export import export_feedback

            export_feedback(
                ctx,
                a.user(ctx, "ks"),
                date_from=WIDE[0],
                date_to=WIDE[1],
                out=tmp_path / "a.p7m",
            )
        with city.office.context() as ctx:
            admin.trust_department(
                ctx,
                city.office.user(ctx, "admin"),
                city.root / "dept-a.cer",
                jurisdiction="昆山市",
                department="市公安局",
            )
        expected = "本机是柳州市的信用办"
    if reason != "other_jurisdiction":
        _export(a, tmp_path / "a.p7m")
    assert _unchanged_import(city, tmp_path / "a.p7m", expected).reason == reason
    code, out, err = city.office.cli("feedback", "import", str(tmp_path / "a.p7m"), user="admin")
    assert code == 1 and expected in out and "Traceback" not in err


def test_a_replayed_older_package_is_refused(city, tmp_path) -> None:
    a = city.department("dept-a")
    _work(a)
    _export(a, tmp_path / "1.p7m")
    _work(a, DEBTORS[2:3], ("applied",))
    _export(a, tmp_path / "2.p7m")
    _import(city.office, tmp_path / "2.p7m")
    assert _unchanged_import(city, tmp_path / "1.p7m", "是旧的反馈包").reason == "replayed"


def test_a_package_signed_for_another_department_is_refused(city, tmp_path) -> None:
    a = city.department("dept-a")
    with a.context() as ctx:
        boss = a.user(ctx, "admin")
        from desktop_app.services.feedback.export import export_feedback

        # 市市场监管局's PC (and certificate) claiming to report for 市税务局.
        export_feedback(
            ctx,
            boss,
            date_from=WIDE[0],
            date_to=WIDE[1],
            out=tmp_path / "x.p7m",
            department="市税务局",
        )
    refused = _unchanged_import(city, tmp_path / "x.p7m", "自称来自柳州市市税务局")
    assert refused.reason == "other_department"


def test_who_may_export_and_import(city, tmp_path) -> None:
    a = city.department("dept-a")
    with a.context() as ctx, pytest.raises(PermissionDeniedError):
        export(ctx, a.user(ctx, "zhang"), tmp_path / "a.p7m")
    _export(a, tmp_path / "a.p7m")
    with city.office.context() as ctx:
        from desktop_app.services.feedback.office_import import import_package_file

        with pytest.raises(PermissionDeniedError):
            import_package_file(ctx, city.office.user(ctx, "chen"), tmp_path / "a.p7m")
    # A department's PC imports nothing; a department without the office's certificate
    # cannot export.
    with a.context() as ctx, pytest.raises(UsageError, match="不接收反馈包"):
        import_package(ctx, tmp_path / "a.p7m")
    b = city.department("dept-b")
    b.config.write_text(
        "\n".join(
            line for line in b.config.read_text("utf-8").split("[trusted_office]")[0].splitlines()
        ),
        "utf-8",
    )
    code, _, err = b.cli(
        "feedback",
        "export",
        "--from",
        WIDE[0],
        "--to",
        WIDE[1],
        "--out",
        str(tmp_path / "b.p7m"),
        user="wang",
    )
    assert code == 2 and "config trust-office" in err
    assert not (tmp_path / "b.p7m").exists()


# -- the departments' audit chains, from one package to the next ----------------------------


def _findings(city) -> list[dict]:
    with city.office.context() as ctx:
        return ctx.office.feedback.findings()


def test_a_chain_that_only_grew_between_packages_is_accepted_silently(city, tmp_path) -> None:
    a = city.department("dept-a")
    for number in range(3):
        _work(a, DEBTORS[number : number + 1], ("applied",))
        _export(a, tmp_path / f"{number}.p7m")
        assert _import(city.office, tmp_path / f"{number}.p7m").findings == []
    assert _findings(city) == []


def test_a_rollback_between_two_packages_is_reported_and_recorded(city, tmp_path) -> None:
    a = city.department("dept-a")
    first, _ = _work(a, actions=(None,))
    _export(a, tmp_path / "1.p7m")
    _import(city.office, tmp_path / "1.p7m")
    # The department keeps a copy of its data folder (an old backup) …
    shutil.copytree(a.data_dir, tmp_path / "old-data")
    with a.context() as ctx:
        wang = a.user(ctx, "wang")
        for query in DEBTORS[2:]:
            check(ctx, wang, query)
        feedback(ctx, wang, first, ["applied"])
    _export(a, tmp_path / "2.p7m")
    _import(city.office, tmp_path / "2.p7m")
    # … restores it, and carries on.
    shutil.rmtree(a.data_dir)
    shutil.copytree(tmp_path / "old-data", a.data_dir)
    with a.context() as ctx:
        feedback(ctx, a.user(ctx, "wang"), first, ["not_applicable"])
    _export(a, tmp_path / "3.p7m")
    result = _import(city.office, tmp_path / "3.p7m")
    kinds = [f["kind"] for f in result.findings]
    assert kinds[0] == "rollback" and "审计链倒退了" in result.findings[0]["message"]
    # Copied back behind the program's back: nothing in the log explains it.
    assert "没有从备份恢复的记录" in result.findings[0]["message"]
    # Version 2 of the first record now exists twice, with different feedback.
    assert "record_conflict" in kinds
    assert [f["kind"] for f in _findings(city)] == kinds
    with city.office.context() as ctx:
        logged = audit.entries(ctx, action="feedback_chain_problem")
    assert [e["details"]["kind"] for e in logged] == kinds
    assert all(e["details"]["department"] == "市市场监管局" for e in logged)
    code, out, _ = city.office.cli(
        "feedback", "report", "--from", WIDE[0], "--to", WIDE[1], "--json", user="chen"
    )
    assert code == 0
    performance = {row["department"]: row for row in json.loads(out)["performance"]}
    assert performance["市市场监管局"]["chain_problems"] == len(kinds)


def _rehash(conn: sqlite3.Connection, change) -> None:
    """Rewrite the audit log as a careful attacker would: change, then rehash every entry."""
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY seq")]
    change(rows)
    previous = GENESIS_HASH
    conn.execute("DELETE FROM audit_log")
    for row in rows:
        content = {
            key: row[key]
            for key in ("seq", "at", "user_name", "action", "record_number", "record_hash")
        }
        content.update(details=json.loads(row["details"]), prev_hash=previous)
        digest = entry_hash(content)
        conn.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *(row[k] for k in ("seq", "at", "user_name", "action", "record_number")),
                row["record_hash"],
                row["details"],
                previous,
                digest,
            ),
        )
        previous = digest
    conn.execute("UPDATE audit_head SET last_hash = ?", (previous,))


def test_a_rewritten_chain_between_two_packages_is_reported(city, tmp_path) -> None:
    a = city.department("dept-a")
    _work(a)
    _export(a, tmp_path / "1.p7m")
    _import(city.office, tmp_path / "1.p7m")

    def forget_the_clerk(rows: list[dict]) -> None:
        rows[5]["user_name"] = "someone-else"  # an entry the first package already witnessed

    conn = sqlite3.connect(a.data_dir / "office.db")
    with conn:
        _rehash(conn, forget_the_clerk)
    conn.close()
    with a.context() as ctx:
        assert audit.verify_chain(ctx)["ok"]  # on its own the rewritten chain verifies
    _work(a, DEBTORS[2:3], ("applied",))
    _export(a, tmp_path / "2.p7m")
    result = _import(city.office, tmp_path / "2.p7m")
    assert [f["kind"] for f in result.findings] == ["rewritten"]
    assert "不衔接" in result.findings[0]["message"]
    assert result.new_versions == 1  # the records are imported all the same


def test_a_package_the_office_never_received_is_named(city, tmp_path) -> None:
    a = city.department("dept-a")
    for number in range(3):
        _work(a, DEBTORS[number : number + 1], ("applied",))
        _export(a, tmp_path / f"{number}.p7m")
    _import(city.office, tmp_path / "0.p7m")
    result = _import(city.office, tmp_path / "2.p7m")
    assert [f["kind"] for f in result.findings] == ["gap"]
    assert "缺少部门的第 2 号反馈包" in result.findings[0]["message"]


def test_the_tax_list_gives_its_own_category(city, tmp_path) -> None:
    b = city.department("dept-b")
    _work(b, (TAX_VIOLATORS[1], DEBTORS[0]), ("applied",))
    _export(b, tmp_path / "b.p7m")
    _import(city.office, tmp_path / "b.p7m")
    with city.office.context() as ctx:
        report = city_report.build_report(
            ctx, city.office.user(ctx, "chen"), date_from=WIDE[0], date_to=WIDE[1]
        )
    pairs = {(r["department"], r["category"]) for r in report["by_department_category"]}
    assert pairs == {("市税务局", "重大税收违法案件当事人"), ("市税务局", "失信被执行人")}


def test_a_record_altered_in_the_departments_database_refuses_the_package(city, tmp_path) -> None:
    a = city.department("dept-a")
    made = _work(a)
    conn = sqlite3.connect(a.data_dir / "office.db")
    with conn:
        body = json.loads(
            conn.execute(
                "SELECT body FROM records WHERE record_number = ? AND version = 2",
                (made[0]["record_number"],),
            ).fetchone()[0]
        )
        body["measures"][0]["feedback"]["action"] = "not_applicable"
        conn.execute(
            "UPDATE records SET body = ? WHERE record_number = ? AND version = 2",
            (json.dumps(body, ensure_ascii=False), made[0]["record_number"]),
        )
    conn.close()
    _export(a, tmp_path / "a.p7m")
    refused = _unchanged_import(city, tmp_path / "a.p7m", "内容与其记录哈希不符")
    assert refused.reason == "format"


def test_a_changed_byte_is_refused_at_import_with_nothing_written(city, tmp_path) -> None:
    a = city.department("dept-a")
    _work(a)
    _export(a, tmp_path / "a.p7m")
    data = (tmp_path / "a.p7m").read_bytes()
    for position in (40, len(data) // 2, len(data) - 3):
        changed = bytearray(data)
        changed[position] ^= 0x20
        (tmp_path / "changed.p7m").write_bytes(bytes(changed))
        refused = _unchanged_import(city, tmp_path / "changed.p7m", "未导入")
        assert refused.reason in ("damaged", "bad_signature", "wrong_recipient")
    # The intact package still imports.
    assert _import(city.office, tmp_path / "a.p7m").new_versions == 2


def test_a_rollback_by_a_confirmed_restore_comes_with_its_explanation(city, tmp_path) -> None:
    from desktop_app.errors import RestoreRollbackError
    from desktop_app.services.exchange import backup

    a = city.department("dept-a")
    _work(a)
    with a.environment():
        backup.create_backup(a.data_dir, tmp_path / "old.xyhcbak")
    _export(a, tmp_path / "1.p7m")
    _import(city.office, tmp_path / "1.p7m")
    with a.environment():
        with pytest.raises(RestoreRollbackError) as refused:
            backup.restore_backup(tmp_path / "old.xyhcbak", a.data_dir)
        lost = refused.value.details["rolled_back_entries"]
        backup.restore_backup(tmp_path / "old.xyhcbak", a.data_dir, confirm_rollback=lost)
    _export(a, tmp_path / "2.p7m")
    result = _import(city.office, tmp_path / "2.p7m")
    (finding,) = result.findings
    assert finding["kind"] == "rollback"
    assert "从备份“old.xyhcbak”恢复" in finding["message"]
    assert f"回退 {lost} 条" in finding["message"]


def test_a_department_on_a_database_server_exports_its_records(
    sqlite_city, tmp_path, pg_schema
) -> None:
    """A department whose office data are on PostgreSQL exports the same package (its
    records streamed from the server); the credit office imports and reports on it. (The
    credit office on a server: every test that takes `city` runs on both engines.)"""
    city = sqlite_city
    a = city.department("dept-a")
    put_on_server(a, pg_schema)
    made = _work(a, (*DEBTORS[:3], NOT_LISTED[0]), ("applied", "not_applicable", "referred"))
    with a.context() as ctx:
        assert ctx.office.engine == "postgresql"
    exported = _export(a, tmp_path / "a.p7m")
    assert exported["records"] == 4
    office = city.office
    with office.context() as ctx:
        result = import_package(ctx, tmp_path / "a.p7m")
        assert (result.new_versions, result.findings) == (4, [])
        assert import_package(ctx, tmp_path / "a.p7m").already_imported
        boss = office.user(ctx, "admin")
        report = city_report.build_report(ctx, boss, date_from=WIDE[0], date_to=WIDE[1])
        shown = city_report.imported_record(ctx, boss, made[0]["record_number"])
        rows = city_report.imported_records(ctx, boss)
        received = city_report.received_packages(ctx, boss)
    assert shown["record"] == made[0]
    assert (report["totals"]["checks"], report["totals"]["applied"]) == (4, 1)
    assert (report["totals"]["not_applicable"], report["totals"]["referred"]) == (1, 1)
    assert len(rows) == 4 and received["packages"][0]["new_versions"] == 4


def test_a_credit_offices_office_db_moves_onto_a_server(sqlite_city, tmp_path, pg_schema) -> None:
    """`office migrate --from-sqlite`: the imported feedback moves with the rest."""
    city = sqlite_city
    for pc in city.departments[:2]:
        _work(pc)
        _export(pc, tmp_path / f"{pc.name}.p7m")
        _import(city.office, tmp_path / f"{pc.name}.p7m")
    with city.office.context() as ctx:
        chen = city.office.user(ctx, "chen")
        before = city_report.build_report(ctx, chen, date_from=WIDE[0], date_to=WIDE[1])
    put_on_server(city.office, pg_schema)
    with city.office.context() as ctx:
        assert ctx.office.engine == "postgresql"
        chen = city.office.user(ctx, "chen")
        after = city_report.build_report(ctx, chen, date_from=WIDE[0], date_to=WIDE[1])
        assert len(ctx.office.feedback.packages()) == 2
    for key in ("checks", "measures", "applied", "pending", "subjects_found"):
        assert after["totals"][key] == before["totals"][key], key
    assert after["by_department"] == before["by_department"]


def test_records_stored_a_few_at_a_time_are_counted_as_one_by_one(
    city, tmp_path, monkeypatch
) -> None:
    """The import stores record versions in pieces (here of two): new, known and differing
    versions are told apart across the pieces' edges as when stored one by one."""
    from desktop_app.services.feedback import office_import

    monkeypatch.setattr(office_import, "_PIECE", 2)
    a = city.department("dept-a")
    made = _work(a, (*DEBTORS[:4], NOT_LISTED[0]), (None,))
    _export(a, tmp_path / "1.p7m")
    first = _import(city.office, tmp_path / "1.p7m")
    assert (first.new_versions, first.known_versions, first.findings) == (5, 0, [])
    shutil.copytree(a.data_dir, tmp_path / "old-data")
    with a.context() as ctx:
        zhang = a.user(ctx, "zhang")
        feedback(ctx, zhang, made[0], ["applied"])
        feedback(ctx, zhang, made[3], ["referred"])
    _export(a, tmp_path / "2.p7m")
    second = _import(city.office, tmp_path / "2.p7m")
    assert (second.new_versions, second.known_versions) == (2, 3)  # latest versions only
    # Copied back and given other feedback: version 2 of the first record differs.
    shutil.rmtree(a.data_dir)
    shutil.copytree(tmp_path / "old-data", a.data_dir)
    with a.context() as ctx:
        feedback(ctx, a.user(ctx, "zhang"), made[0], ["not_applicable"])
    _export(a, tmp_path / "3.p7m")
    third = _import(city.office, tmp_path / "3.p7m")
    assert (third.new_versions, third.known_versions) == (0, 4)
    conflicts = [f for f in third.findings if f["kind"] == "record_conflict"]
    assert len(conflicts) == 1 and made[0]["record_number"] in conflicts[0]["message"]
    with city.office.context() as ctx:
        chen = city.office.user(ctx, "chen")
        report = city_report.build_report(ctx, chen, date_from=WIDE[0], date_to=WIDE[1])
        kept = city_report.imported_record(ctx, chen, made[0]["record_number"])
    assert kept["record"]["measures"][0]["feedback"]["action"] == "applied"
    assert (report["totals"]["checks"], report["totals"]["applied"]) == (5, 1)
    assert report["totals"]["referred"] == 1
